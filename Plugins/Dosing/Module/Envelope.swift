import ClinicKit
import Foundation

/// What a dose is judged against, as the record says now: the gate's facts, the weight, the
/// baseline vital signs, the standing alerts, every other dose, and the protocol in force.
struct DoseInputs: Sendable {
    var eligible: Fact?
    var consent: Fact?
    /// `intake.weight`: its value is the weight as typed, converted exactly to kg.
    var weight: Fact?
    var baseline: Fact?
    var alerts: [StandingAlert]
    /// Every order of the patient's, oldest first, with what happened to it.
    var orders: [OrderState]
    var lastLFT: (date: Date, result: String)?
    var protocolSHA256: String
    var now: Date
    var calendar: Calendar

    /// Everything, for a command that may give drug.
    static func read(_ context: any ModuleContext) throws -> DoseInputs {
        var inputs = try read(record: context)
        inputs.baseline = try context.fact(DosingModule.Uses.baseline)
        inputs.alerts = try context.standingAlerts()
        return inputs
    }

    /// What a signature is bound to, without the baseline and the alerts: what dosing's facts
    /// need (monitoring's facts ask for dosing's, so dosing's may not ask for monitoring's).
    static func read(record: any RecordReader) throws -> DoseInputs {
        let records = try record.records(module: "dosing", kind: nil, visitOnly: false)
        return DoseInputs(eligible: try record.fact(DosingModule.Uses.eligible), consent: try record.fact(DosingModule.Uses.consent),
                          weight: try record.fact(DosingModule.Uses.weight), baseline: nil, alerts: [], orders: OrderState.all(in: records),
                          lastLFT: DoseHistory(records: records, calendar: record.calendar).lastLFT, protocolSHA256: record.clinicProtocol.sha256,
                          now: record.now, calendar: record.calendar)
    }

    /// The weight in kg as typed, and when it was taken, if there is one.
    var weightKg: Double? { weight?.isPresent == true ? weight?.value?.doubleValue : nil }

    /// Every dose but `order`'s: one that has ended counts what was given; one started and not
    /// yet ended (running or paused, in any visit) counts its full ordered amount.
    func history(excluding order: Int64?) -> DoseHistory {
        var history = DoseHistory(doses: orders.filter { $0.id != order }.compactMap(\.countedDose).sorted { $0.at < $1.at })
        history.lastLFT = lastLFT
        return history
    }

    /// The inputs a signature or double-check of `order` judged, as they stand now.
    func basis(for order: Int64?) -> DoseBasis {
        // The newest start or end of another order: a dose given since changes the totals.
        let others = orders.filter { $0.id != order }
        let lastDose = others.flatMap { s in (s.events.filter { $0.kind == Kind.started } + [s.end].compactMap { $0 }).map(\.id) }.max()
        return DoseBasis(weight: weight?.isPresent == true ? weight?.basis ?? [] : [], weightKg: weightKg,
                         screening: eligible?.isPresent == true ? eligible?.basis ?? [] : [],
                         consent: consent?.isPresent == true ? consent?.basis ?? [] : [],
                         protocolSHA256: protocolSHA256, lastDose: lastDose)
    }
}

/// The inputs a plan, a signature or a double-check judged. Stored with each; when any differs
/// from what the record says now, the judgement no longer counts.
struct DoseBasis: Sendable, Equatable {
    var weight: [Int64]
    var weightKg: Double?
    var screening: [Int64]
    var consent: [Int64]
    var protocolSHA256: String
    var lastDose: Int64?

    var value: Value {
        var v: [String: Value] = [
            "weight": .array(weight.map { .int(Int($0)) }), "screening": .array(screening.map { .int(Int($0)) }),
            "consent": .array(consent.map { .int(Int($0)) }), "protocol_sha256": .string(protocolSHA256),
        ]
        if let weightKg { v["weight_kg"] = .double(Rounding.round(weightKg, decimals: 6)) }
        if let lastDose { v["last_dose"] = .int(Int(lastDose)) }
        return .object(v)
    }

    init(weight: [Int64], weightKg: Double?, screening: [Int64], consent: [Int64], protocolSHA256: String, lastDose: Int64?) {
        self.weight = weight
        self.weightKg = weightKg.map { Rounding.round($0, decimals: 6) }
        self.screening = screening
        self.consent = consent
        self.protocolSHA256 = protocolSHA256
        self.lastDose = lastDose
    }

    /// A stored basis; `nil` for an order written before bases were stored (it is re-planned).
    init?(_ value: Value?) {
        guard let v = value, let sha = v["protocol_sha256"]?.stringValue else { return nil }
        func ids(_ key: String) -> [Int64] { (v[key]?.arrayValue ?? []).compactMap { $0.intValue.map(Int64.init) } }
        self.init(weight: ids("weight"), weightKg: v["weight_kg"]?.doubleValue, screening: ids("screening"), consent: ids("consent"),
                  protocolSHA256: sha, lastDose: v["last_dose"]?.intValue.map(Int64.init))
    }

    /// What has changed from `judged` to `self`, in words staff read.
    func changes(since judged: DoseBasis) -> [String] {
        var out: [String] = []
        if weight != judged.weight || weightKg != judged.weightKg {
            let was = judged.weightKg.map { "\(Rounding.oneDecimal($0)) kg" } ?? "none"
            let now = weightKg.map { "\(Rounding.oneDecimal($0)) kg" } ?? "none"
            out.append(was == now ? "the weight was entered again (\(now))" : "the weight changed from \(was) to \(now)")
        }
        if screening != judged.screening { out.append("the screening decision changed") }
        if consent != judged.consent { out.append("the consent changed (withdrawn, signed again or expired)") }
        if protocolSHA256 != judged.protocolSHA256 {
            out.append("the clinic protocol changed (sha256 \(judged.protocolSHA256.prefix(8)) → \(protocolSHA256.prefix(8)))")
        }
        if lastDose != judged.lastDose { out.append("another dose was started or given since (#\(lastDose.map(String.init) ?? "?"))") }
        return out
    }
}

/// The dose envelope: whether giving an order's dose now is inside the clinic protocol and past
/// every gate. One pure function, called at every step that orders, approves or gives drug.
enum Envelope {
    enum Step: String, Sendable {
        case plan, sign, verify, start, resume, complete

        /// The steps at which drug reaches the patient: they need this visit's baseline vital signs.
        var gives: Bool { self == .start || self == .resume || self == .complete }
    }

    /// The dose being judged.
    struct Dose: Sendable {
        var order: Int64?
        var route: Route
        /// As ordered: mg/kg for the weight-based routes, mg for the others.
        var dose: Quantity
        var totalMg: Double
        var minutes: Double?
        /// The order states why it is outside a soft limit, for a physician to sign.
        var hasSoftReason: Bool
    }

    /// Throws the first reason `dose` may not be taken through `step` now, in words a nurse
    /// understands, naming the input or the limit and what to do: the gates first, then (for an
    /// order already planned, `judged`) whether what its plan judged still holds, then the limits.
    static func check(_ dose: Dose, at step: Step, inputs: DoseInputs, library: DrugLibrary, judged: OrderState? = nil) throws {
        let what = "order" + (dose.order.map { " #\($0)" } ?? "")
        func refuse(_ why: String, _ hint: String) -> CommandError { CommandError("\(what) may not \(verb(step)): \(why)", hint: hint) }

        // The gate: an eligible screening signed by a physician, and a consent in force.
        for (name, fact) in [("screening.eligible", inputs.eligible), ("consent.signed", inputs.consent)] where fact?.isPresent != true {
            throw refuse("\(name) is missing (\(fact?.detail ?? "not reported"))",
                         name == "consent.signed" ? "take consent first (consent sign)" : "a physician signs an eligible screening first")
        }
        if let alert = inputs.alerts.first {
            throw refuse("an alert stands: \(alert.text)", "a clinician acknowledges it first: type \(alert.acknowledgedBy)")
        }
        if step.gives && inputs.baseline?.isPresent != true {
            throw refuse("there are no baseline vital signs at this visit", "take them first: monitoring baseline sbp= dbp= hr= rr= spo2= temp= avpu=")
        }
        if let judged { try checkBasis(judged, at: step, inputs: inputs) }
        guard let kg = inputs.weightKg, let weighedAt = inputs.weight?.asOf else {
            throw refuse("there is no weight to judge the dose by", "weigh the patient: intake weight 72kg")
        }
        let age = Planner.days(from: weighedAt, to: inputs.now, calendar: inputs.calendar)
        if age > library.weightMaxAgeDays {
            throw refuse("the weight is \(age) day\(age == 1 ? "" : "s") old; the protocol allows \(library.weightMaxAgeDays) (\(DrugLibrary.weightMaxAgeKey))",
                         "weigh the patient again, then cancel and re-plan")
        }

        // The route's limits, per kg of the weight as typed, never a rounded one.
        let limits = library.limits[dose.route]!
        let unit = dose.route.unit.symbol
        guard dose.dose.unit == dose.route.unit, dose.totalMg.isFinite, dose.totalMg > 0 else {
            throw refuse("its dose is not in \(unit)", "cancel it and plan again")
        }
        let perUnit = dose.route.isWeightBased ? dose.totalMg / kg : dose.totalMg
        if perUnit > limits.hardMax + 1e-9 || dose.dose.value > limits.hardMax + 1e-9 {
            let shown = dose.route.isWeightBased ? "\(Rounding.oneDecimal(dose.totalMg)) mg is \(Rounding.fixed(perUnit, 4)) mg/kg of \(Rounding.fixed(kg, 2)) kg"
                                                 : "\(Rounding.oneDecimal(dose.totalMg)) mg"
            throw refuse("\(shown), over the hard limit \(library.quote(limits.hardMax, unit, key: DrugLibrary.key(dose.route, "hard_max")))",
                         "a hard limit is never overridden; cancel it and plan again")
        }
        // The usual range is judged on the dose as ordered (the mg are rounded within it).
        let outsideSoft = dose.dose.value > limits.softMax + 1e-9 || dose.dose.value < limits.softMin - 1e-9
        if outsideSoft && !dose.hasSoftReason {
            throw refuse("\(FieldSpec.format(dose.dose.value)) \(unit) is outside the usual \(FieldSpec.format(limits.softMin))–\(FieldSpec.format(limits.softMax)) \(unit) and the order gives no reason",
                         "cancel it and plan again with reason=\"…\" for a physician to sign")
        }
        if dose.route.isInfusion {
            guard let minutes = dose.minutes, library.minutesHard.contains(minutes) else {
                throw refuse("its duration is outside \(FieldSpec.format(library.minutesHard.lowerBound))–\(FieldSpec.format(library.minutesHard.upperBound)) min (\(DrugLibrary.minutesHardMin), \(DrugLibrary.minutesHardMax))",
                             "cancel it and plan again")
            }
        }

        // Every other dose: the least interval either side, and the series and period totals.
        // A dose started and not yet ended counts in full.
        let history = inputs.history(excluding: dose.order)
        let interval = TimeInterval(library.minIntervalHours) * 3600
        if let near = history.doses.min(by: { abs($0.at.timeIntervalSince(inputs.now)) < abs($1.at.timeIntervalSince(inputs.now)) }),
           abs(near.at.timeIntervalSince(inputs.now)) < interval {
            let hours = abs(near.at.timeIntervalSince(inputs.now)) / 3600
            throw refuse("another dose was started \(ClinicTime.format(near.at, calendar: inputs.calendar)), \(Rounding.oneDecimal(hours)) h away; the protocol's minimum interval is \(library.minIntervalHours) h (\(DrugLibrary.minIntervalKey))",
                         "give it after \(ClinicTime.format(near.at.addingTimeInterval(interval), calendar: inputs.calendar)); end or cancel the other first")
        }
        let window = TimeInterval(library.periodDays) * 86_400
        let period = history.doses.filter { abs($0.at.timeIntervalSince(inputs.now)) < window }.reduce(0) { $0 + $1.mg }
        if period + dose.totalMg > library.periodMaxMg + 1e-9 {
            throw refuse("it would bring \(library.periodDays) days to \(Rounding.oneDecimal(period + dose.totalMg)) mg (\(Rounding.oneDecimal(period)) mg of other doses); the most is \(library.quote(library.periodMaxMg, "mg", key: DrugLibrary.periodMaxKey))",
                         "cancel it and plan at most \(Rounding.oneDecimal(max(0, library.periodMaxMg - period))) mg")
        }
        let series = history.series(at: inputs.now, gapDays: library.seriesGapDays).reduce(0) { $0 + $1.mg }
        if series + dose.totalMg > library.seriesMaxMg + 1e-9 {
            throw refuse("it would bring this series to \(Rounding.oneDecimal(series + dose.totalMg)) mg; the most per series is \(library.quote(library.seriesMaxMg, "mg", key: DrugLibrary.seriesMaxKey))",
                         "cancel it and plan at most \(Rounding.oneDecimal(max(0, library.seriesMaxMg - series))) mg, or end the series")
        }
    }

    /// What has changed since `state` was planned (so since it was signed and checked, which
    /// are refused when anything has); `nil` for an order that kept no basis.
    static func changes(_ state: OrderState, inputs: DoseInputs) -> [String]? {
        DoseBasis(state.order.payload["basis"]).map { inputs.basis(for: state.id).changes(since: $0) }
    }

    /// Refuses a step of `state` when what its plan judged has changed since.
    static func checkBasis(_ state: OrderState, at step: Step, inputs: DoseInputs) throws {
        guard let changes = changes(state, inputs: inputs) else {
            throw CommandError("order #\(state.id) may not \(verb(step)): it was planned before orders kept what they were judged on",
                               hint: "cancel it (dosing cancel REASON) and plan it again")
        }
        guard !changes.isEmpty else { return }
        let redo = state.status == .running || state.status == .paused
            ? "end it (dosing stop REASON), then plan again"
            : "cancel it (dosing cancel REASON) and plan again; then sign and double-check the new order"
        throw CommandError("order #\(state.id) no longer counts as planned, signed or checked: since it was planned \(changes.joined(separator: "; "))",
                           hint: redo)
    }

    private static func verb(_ step: Step) -> String {
        switch step {
        case .plan: return "be planned"
        case .sign: return "be signed"
        case .verify: return "be double-checked"
        case .start: return "start"
        case .resume: return "resume"
        case .complete: return "be recorded as given"
        }
    }
}

extension Envelope.Dose {
    /// An order as planned.
    init(_ state: OrderState) {
        let p = state.order.payload
        self.init(order: state.id, route: state.route,
                  dose: p["dose"].flatMap { Quantity($0, units: DosingModule.doseUnits) } ?? Quantity(.infinity, state.route.unit),
                  totalMg: state.totalMg, minutes: p["minutes"]?.doubleValue,
                  hasSoftReason: !(p["soft_limits"]?.stringArray ?? []).isEmpty && !(p["reason"]?.stringValue ?? "").isEmpty)
    }
}

extension OrderState {
    /// The dose this order counts for in the patient's history: what was given once it ended; its
    /// full ordered amount from the moment it started until it ends; nothing before it starts.
    var countedDose: DoseHistory.Dose? {
        if let end, let given = givenMg { return DoseHistory.Dose(at: startedAt ?? end.effectiveAt, mg: given) }
        if let started = startedAt, cancellation == nil { return DoseHistory.Dose(at: started, mg: totalMg) }
        return nil
    }
}
