import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicDosing

/// Generated orders against the planner: whatever it accepts stays within every limit.
@Suite struct PropertyTests {
    static let cases = 100_000

    struct Case {
        var request: DoseRequest
        var reason: String?
        var preconditions: Preconditions
        var history: DoseHistory
    }

    static func generate(_ g: inout SplitMix64, library: DrugLibrary) -> Case {
        let route = Route.allCases.randomElement(using: &g)!
        let limits = library.limits[route]!
        let unit = Double.random(in: 0..<1, using: &g) < 0.9 ? route.unit : (route.isWeightBased ? DoseUnits.mg : DoseUnits.mgPerKg)
        var value: Double
        switch Int.random(in: 0..<10, using: &g) {
        case 0: value = [limits.softMin, limits.softMax, limits.hardMax, limits.hardMax + 0.01, limits.softMin - 0.01].randomElement(using: &g)!
        default: value = Double.random(in: 0.01...(limits.hardMax * 1.5), using: &g)
        }
        value = route.isWeightBased ? (value * 100).rounded() / 100 : value.rounded()
        value = max(value, 0.01)
        var minutes: Double?
        if route.isInfusion || Int.random(in: 0..<30, using: &g) == 0 { minutes = Double(Int.random(in: 5...300, using: &g)) }
        var conc: Double?, bag: Double?
        switch Int.random(in: 0..<10, using: &g) {
        case 0..<4: conc = nil
        case 4..<8: conc = (route.isInfusion ? library.ivConcentrations : library.vialStrengths).randomElement(using: &g)
        case 8: conc = 5
        default: conc = library.ivConcentrations.randomElement(using: &g); bag = library.bagVolumes.randomElement(using: &g)
        }
        if route.isInfusion && conc == nil && Bool.random(using: &g) { bag = library.bagVolumes.randomElement(using: &g) }
        let weight: Double? = Int.random(in: 0..<10, using: &g) == 0 ? nil : (Double.random(in: 20...350, using: &g) * 100).rounded() / 100
        let weighedAt = Int.random(in: 0..<7, using: &g) == 0 ? hours(-24 * Double(Int.random(in: 1...3, using: &g))) : hours(-Double.random(in: 0...9, using: &g))
        var doses: [DoseHistory.Dose] = []
        var at = hours(-24 * 30)
        for _ in 0..<Int.random(in: 0...8, using: &g) {
            at = at.addingTimeInterval(Double.random(in: 3600...(86_400 * 6), using: &g))
            if at < morning { doses.append(.init(at: at, mg: (Double.random(in: 20...200, using: &g) * 10).rounded() / 10)) }
        }
        let lft: (Date, String)? = Bool.random(using: &g) ? nil : (hours(-24 * Double.random(in: 0...200, using: &g)), ["normal", "raised", "high"].randomElement(using: &g)!)
        let reason = [nil, "  ", "agreed with the patient after review"].randomElement(using: &g)!
        return Case(request: DoseRequest(route: route, dose: Quantity(value, unit), minutes: minutes, concentration: conc, bag: bag),
                    reason: reason,
                    preconditions: Preconditions(eligible: Int.random(in: 0..<20, using: &g) == 0 ? .missing("screening.eligible", "no") : .present("screening.eligible", "yes"),
                                                 consent: Int.random(in: 0..<20, using: &g) == 0 ? .missing("consent.signed", "no") : .present("consent.signed", "yes"),
                                                 weightKg: weight, weighedAt: weight == nil ? nil : weighedAt, now: morning, calendar: utc),
                    history: DoseHistory(doses: doses, lastLFT: lft))
    }

    @Test func noAcceptedOrderPassesALimit() throws {
        let library = try library()
        var g = SplitMix64(state: 20261124)
        var accepted = 0, withReason = 0
        var refused: [String: Int] = [:]
        for n in 0..<Self.cases {
            let c = Self.generate(&g, library: library)
            let order: PlannedOrder
            do {
                order = try Planner.plan(c.request, reason: c.reason, preconditions: c.preconditions, history: c.history, library: library)
            } catch let e as CommandError {
                let kinds = [("hard limit", "hard limit"), ("ever runs", "hard duration"), ("soft limit", "soft limit without a reason"),
                             ("weight", "no weight of today"), ("eligible", "not eligible"), ("consent", "no consent"), ("interval", "interval"),
                             ("series", "series maximum"), ("days to", "weekly maximum"), ("doses are ordered", "wrong unit"),
                             ("clinic", "solution not stocked"), ("holds", "bag too small"), ("is for IV", "infusion field on another route"),
                             ("under 0.1 mg", "too small")]
                let kind = kinds.first { e.message.contains($0.0) }?.1 ?? e.message
                refused[kind, default: 0] += 1
                continue
            }
            accepted += 1
            let r = c.request, p = c.preconditions, calc = order.calculation
            let limits = library.limits[r.route]!
            let where_ = "case \(n): \(r) → \(calc.working)"
            // Eligibility, consent and a weight of today.
            #expect(p.eligible?.isPresent == true && p.consent?.isPresent == true, "\(where_)")
            let weighed = try #require(p.weighedAt, "\(where_)")
            #expect(utc.isDate(weighed, inSameDayAs: p.now), "\(where_)")
            // The route's unit and its hard limit, in mg and in mg/kg.
            #expect(r.dose.unit == r.route.unit, "\(where_)")
            #expect(r.dose.value <= limits.hardMax + 1e-9, "\(where_)")
            let ceiling = r.route.isWeightBased ? limits.hardMax * order.weightKg : limits.hardMax
            #expect(calc.totalMg > 0 && calc.totalMg <= ceiling + 1e-9, "\(where_)")
            // The series (worked out here independently) and the rolling week.
            var series = 0.0, previous = p.now
            for dose in c.history.doses.reversed() {
                guard previous.timeIntervalSince(dose.at) <= Double(library.seriesGapDays) * 86_400 else { break }
                series += dose.mg
                previous = dose.at
            }
            #expect(series + calc.totalMg <= library.seriesMaxMg + 1e-9, "\(where_)")
            let week = c.history.doses.filter { p.now.timeIntervalSince($0.at) < Double(library.periodDays) * 86_400 }.reduce(0) { $0 + $1.mg }
            #expect(week + calc.totalMg <= library.periodMaxMg + 1e-9, "\(where_)")
            // The minimum interval since the last dose started.
            if let last = c.history.doses.last { #expect(p.now.timeIntervalSince(last.at) >= Double(library.minIntervalHours) * 3600, "\(where_)") }
            // Outside a soft limit only with a reason.
            let outside = r.dose.value < limits.softMin - 1e-9 || r.dose.value > limits.softMax + 1e-9
                || (r.route.isInfusion && !library.minutesSoft.contains(r.minutes ?? 0)) || c.history.lastLFT?.result == "high"
            #expect(outside == !order.softBreaches.isEmpty, "\(where_)")
            if outside {
                withReason += 1
                #expect(!(order.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty, "\(where_)")
            }
            // The pump: within the hard durations, never faster than ordered, never more drug.
            if r.route.isInfusion {
                let minutes = try #require(calc.minutes, "\(where_)")
                #expect(library.minutesHard.contains(minutes), "\(where_)")
                let volume = try #require(calc.volumeML), rate = try #require(calc.rateMLPerHour), conc = try #require(calc.concentration)
                #expect(rate * minutes / 60 <= volume + 1e-9, "\(where_)")
                #expect(volume * conc <= calc.totalMg + 1e-6, "\(where_)")
            }
        }
        print("dosing property test: \(Self.cases) generated orders, \(accepted) accepted (\(withReason) outside a soft limit, each with a reason), "
              + "\(Self.cases - accepted) refused: " + refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(accepted > 10_000 && withReason > 1_000, "the generator should reach both sides of every limit")
        #expect(refused["hard limit", default: 0] > 1_000 && refused["series maximum", default: 0] + refused["weekly maximum", default: 0] > 100)
    }
}
