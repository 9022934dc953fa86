import ClinicKit
import Foundation

/// What must hold of the patient before any dose is planned, as the record says now.
struct Preconditions: Sendable {
    /// `screening.eligible` and `consent.signed`, as their modules report them.
    var eligible: Fact?
    var consent: Fact?
    /// The latest weight (kg) and when it was taken.
    var weightKg: Double?
    var weighedAt: Date?
    var now: Date
    var calendar: Calendar
}

/// The doses the patient has been given, and their liver-function tests.
struct DoseHistory: Sendable {
    struct Dose: Sendable, Equatable {
        /// When it was started (given, for a dose given at once).
        var at: Date
        var mg: Double
    }

    /// Oldest first.
    var doses: [Dose]
    /// The latest liver-function review: its date and result (`normal`, `raised`, `high`).
    var lastLFT: (date: Date, result: String)?

    /// The doses of the series a dose planned at `now` belongs to: back from the latest while no
    /// gap is longer than `gapDays`; none when the latest is longer ago than that.
    func series(at now: Date, gapDays: Int) -> [Dose] {
        let gap = TimeInterval(gapDays) * 86_400
        guard let last = doses.last, now.timeIntervalSince(last.at) <= gap else { return [] }
        var series = [last]
        for dose in doses.dropLast().reversed() {
            guard let next = series.first, next.at.timeIntervalSince(dose.at) <= gap else { break }
            series.insert(dose, at: 0)
        }
        return series
    }

    /// The mg given within the `days` before `now`.
    func total(within days: Int, of now: Date) -> Double {
        let from = now.addingTimeInterval(-TimeInterval(days) * 86_400)
        return doses.filter { $0.at > from }.reduce(0) { $0 + $1.mg }
    }
}

/// An order worked out and checked, ready to store.
struct PlannedOrder: Sendable {
    var request: DoseRequest
    var weightKg: Double
    var weighedAt: Date
    var calculation: Calculation
    /// Each limit the order is outside of, in words; an order with any needs a reason and a physician.
    var softBreaches: [String]
    var reason: String?
    /// Things staff should know that do not stop the order (liver-function tests due).
    var reminders: [String]
    var seriesBeforeMg: Double
    var seriesDoses: Int
    var periodBeforeMg: Double
    /// The lowest limit the dose was rounded under, kept so a double-check rounds the same way.
    var ceilingMg: Double
}

/// Decides whether a dose may be ordered, the way a smart pump's dose-error-reduction software does:
/// over a hard limit never; outside a soft limit only with a stated reason, for a physician to sign.
enum Planner {
    static func plan(_ request: DoseRequest, reason: String?, preconditions p: Preconditions, history: DoseHistory,
                     library: DrugLibrary) throws -> PlannedOrder {
        // The gate the shell checks too: an order is never made without them.
        for (name, fact) in [("screening.eligible", p.eligible), ("consent.signed", p.consent)] where fact?.isPresent != true {
            throw CommandError("no dose may be planned: \(name) is missing (\(fact?.detail ?? "not reported"))",
                               hint: name == "consent.signed" ? "take consent first (consent sign)" : "a physician signs an eligible screening first")
        }
        guard let kg = p.weightKg, let weighedAt = p.weighedAt else {
            throw CommandError("there is no weight to work the dose from", hint: "weigh the patient: intake weight 72kg")
        }
        let age = days(from: weighedAt, to: p.now, calendar: p.calendar)
        guard age <= library.weightMaxAgeDays else {
            let limit = library.weightMaxAgeDays == 0 ? "taken today" : "at most \(library.weightMaxAgeDays) day\(library.weightMaxAgeDays == 1 ? "" : "s") old"
            throw CommandError("the latest weight is \(age) day\(age == 1 ? "" : "s") old (\(ClinicTime.format(weighedAt, calendar: p.calendar))); a dose needs a weight \(limit) (\(DrugLibrary.weightMaxAgeKey))",
                               hint: "weigh the patient again: intake weight 72kg")
        }
        let route = request.route
        let unit = route.unit.symbol
        guard request.dose.unit == route.unit else {
            throw CommandError("\(route.label) doses are ordered in \(unit), not \(request.dose.unit.symbol)",
                               hint: "type e.g. dose=\(route.isWeightBased ? "0.5mg/kg" : "50mg")")
        }
        // The weight as typed: a limit per kg is a limit per kg of what the scale said.
        let weightKg = kg
        let limits = library.limits[route]!
        let dose = request.dose.value
        if dose > limits.hardMax + 1e-9 {
            throw CommandError("\(FieldSpec.format(dose)) \(unit) is over the hard limit for \(route.label): \(library.quote(limits.hardMax, unit, key: DrugLibrary.key(route, "hard_max")))",
                               hint: "a hard limit is never overridden; order at most \(FieldSpec.format(limits.hardMax)) \(unit)")
        }
        var soft: [String] = []
        if dose < limits.softMin - 1e-9 {
            soft.append("\(FieldSpec.format(dose)) \(unit) is under the usual \(FieldSpec.format(limits.softMin))–\(FieldSpec.format(limits.softMax)) \(unit) (\(DrugLibrary.key(route, "soft_min")))")
        } else if dose > limits.softMax + 1e-9 {
            soft.append("\(FieldSpec.format(dose)) \(unit) is over the usual \(FieldSpec.format(limits.softMin))–\(FieldSpec.format(limits.softMax)) \(unit) (\(DrugLibrary.key(route, "soft_max")))")
        }
        if route.isInfusion, let minutes = request.minutes {
            let hard = library.minutesHard, usual = library.minutesSoft
            guard hard.contains(minutes) else {
                throw CommandError("over \(FieldSpec.format(minutes)) min is outside what the clinic ever runs: \(FieldSpec.format(hard.lowerBound))–\(FieldSpec.format(hard.upperBound)) min (\(DrugLibrary.minutesHardMin), \(DrugLibrary.minutesHardMax), protocol \(library.protocolVersion))",
                                   hint: "a hard limit is never overridden; choose a duration within it")
            }
            if !usual.contains(minutes) {
                soft.append("over \(FieldSpec.format(minutes)) min is outside the usual \(FieldSpec.format(usual.lowerBound))–\(FieldSpec.format(usual.upperBound)) min (\(minutes < usual.lowerBound ? DrugLibrary.minutesSoftMin : DrugLibrary.minutesSoftMax))")
            }
        }
        if let last = history.doses.last {
            let hours = p.now.timeIntervalSince(last.at) / 3600
            if hours < Double(library.minIntervalHours) {
                throw CommandError("the last dose was started \(ClinicTime.format(last.at, calendar: p.calendar)), \(Rounding.oneDecimal(hours)) h ago; the protocol's minimum interval is \(library.minIntervalHours) h (\(DrugLibrary.minIntervalKey))",
                                   hint: "plan it after \(ClinicTime.format(last.at.addingTimeInterval(Double(library.minIntervalHours) * 3600), calendar: p.calendar))")
            }
        }

        let series = history.series(at: p.now, gapDays: library.seriesGapDays)
        let seriesBefore = series.reduce(0) { $0 + $1.mg }
        let periodBefore = history.total(within: library.periodDays, of: p.now)
        var ceilings = [(route.isWeightBased ? limits.hardMax * weightKg : limits.hardMax),
                        library.seriesMaxMg - seriesBefore, library.periodMaxMg - periodBefore]
        if soft.isEmpty { ceilings.append(route.isWeightBased ? limits.softMax * weightKg : limits.softMax) }
        let calc = try Calculation.work(request, weightKg: weightKg, library: library, ceilings: ceilings)

        let mg = calc.totalMg
        if seriesBefore + mg > library.seriesMaxMg + 1e-9 {
            throw CommandError("\(Rounding.oneDecimal(mg)) mg would bring this series to \(Rounding.oneDecimal(seriesBefore + mg)) mg (\(series.count) dose\(series.count == 1 ? "" : "s") so far, \(Rounding.oneDecimal(seriesBefore)) mg); the most per series is \(library.quote(library.seriesMaxMg, "mg", key: DrugLibrary.seriesMaxKey))",
                               hint: "order at most \(Rounding.oneDecimal(max(0, library.seriesMaxMg - seriesBefore))) mg, or end the series")
        }
        if periodBefore + mg > library.periodMaxMg + 1e-9 {
            throw CommandError("\(Rounding.oneDecimal(mg)) mg would bring the last \(library.periodDays) days to \(Rounding.oneDecimal(periodBefore + mg)) mg; the most in \(library.periodDays) days is \(library.quote(library.periodMaxMg, "mg", key: DrugLibrary.periodMaxKey))",
                               hint: "order at most \(Rounding.oneDecimal(max(0, library.periodMaxMg - periodBefore))) mg")
        }

        var reminders: [String] = []
        if let lft = history.lastLFT {
            let since = days(from: lft.date, to: p.now, calendar: p.calendar)
            if lft.result == "high" {
                // ALT, AST, ALP or GGT at 3× the upper limit of normal or more: the drug-induced
                // liver injury seen with repeated ketamine (REFERENCE.md 3.6, S44).
                soft.append("the liver-function tests of \(ClinicTime.format(lft.date, calendar: p.calendar).prefix(10)) were 3× the upper limit of normal or more")
            }
            if since > library.lftIntervalDays {
                reminders.append("liver-function tests are due: the last were reviewed \(since) days ago (every \(library.lftIntervalDays) days, \(DrugLibrary.lftIntervalKey)); record them with dosing lft")
            }
        } else {
            reminders.append("liver-function tests are due: none reviewed yet (\(DrugLibrary.lftIntervalKey)); record them with dosing lft")
        }

        let reason = reason?.trimmingCharacters(in: .whitespaces)
        if !soft.isEmpty && (reason ?? "").isEmpty {
            throw CommandError("outside a soft limit: \(soft.joined(separator: "; "))",
                               hint: "if it is meant, add reason=\"…\"; a physician then signs it with dosing sign")
        }
        return PlannedOrder(request: request, weightKg: weightKg, weighedAt: weighedAt, calculation: calc, softBreaches: soft,
                            reason: soft.isEmpty ? nil : reason, reminders: reminders, seriesBeforeMg: seriesBefore, seriesDoses: series.count,
                            periodBeforeMg: periodBefore, ceilingMg: ceilings.min() ?? .infinity)
    }

    /// Whole calendar days from one date to another, in the clinic's time zone.
    static func days(from: Date, to: Date, calendar: Calendar) -> Int {
        calendar.dateComponents([.day], from: calendar.startOfDay(for: from), to: calendar.startOfDay(for: to)).day ?? 0
    }
}
