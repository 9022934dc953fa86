import ClinicKit
import Foundation

/// The life of a dose once it is signed and double-checked: start, pause, resume, and its end,
/// complete or stopped early, with the amount given; or its cancellation before it starts.
enum Infusion {
    static func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        guard let state = try DosingModule.current(in: context), state.status.isOpen else {
            throw CommandError("there is no open order at this visit", hint: "plan one first: dosing plan route=iv dose=0.5mg/kg over=40min")
        }
        let now = ClinicTime.format(context.now, calendar: context.calendar).suffix(5)
        let order = ["order": Value.int(Int(state.id))]
        switch invocation.verb {
        case "start":
            guard state.route.isInfusion else {
                throw CommandError("\(state.route.label) doses are given at once, not started", hint: "give it, then type dosing complete")
            }
            try expect(state, in: [.verified], to: "start")
            try plannedToday(state, context)
            try holdsEnvelope(state, at: .start, in: context)
            let stored = try context.append(RecordDraft(kind: Kind.started, payload: .object(order)))
            let minutes = (state.volume ?? 0) / max(state.rate ?? 1, 0.1) * 60
            let ends = ClinicTime.format(context.now.addingTimeInterval(minutes * 60), calendar: context.calendar).suffix(5)
            return .lines("order #\(state.id) started at \(now) (#\(stored.id)): set the pump to \(Rounding.oneDecimal(state.rate ?? 0)) mL/h, volume to be infused \(Rounding.oneDecimal(state.volume ?? 0)) mL; ends about \(ends)")

        case "pause":
            // A stop criterion crossed while the infusion is already paused holds it for a
            // physician, as if it had paused it.
            if state.status == .paused, let criterion = invocation["criterion"] {
                let stored = try context.append(RecordDraft(kind: Kind.paused, payload: .object(order.merging(["criterion": criterion]) { a, _ in a })))
                return .lines("order #\(state.id) stays paused (#\(stored.id)), now for a stop criterion (\(criterion.stringValue ?? "")): a physician resumes it (dosing resume) once the alert is acknowledged")
            }
            try expect(state, in: [.running], to: "pause")
            var payload = order
            if let reason = invocation["reason"] { payload["reason"] = reason }
            if let criterion = invocation["criterion"] { payload["criterion"] = criterion }
            let stored = try context.append(RecordDraft(kind: Kind.paused, payload: .object(payload)))
            let who = invocation["criterion"] == nil ? "resume with dosing resume" : "a physician resumes it (dosing resume) once the alert is acknowledged"
            return .lines("order #\(state.id) paused at \(now) (#\(stored.id)) after \(minutes(state, context)): \(soFar(state, context))",
                          "\(who), or end it with dosing stop REASON")

        case "resume":
            try expect(state, in: [.paused], to: "resume")
            // A pause over a day's end is not resumed on yesterday's weight and baseline.
            if let started = state.startedAt, Planner.days(from: started, to: context.now, calendar: context.calendar) != 0 {
                throw CommandError("order #\(state.id) was started on an earlier day (\(ClinicTime.format(started, calendar: context.calendar))) and is not resumed",
                                   hint: "stop it (dosing stop REASON), then weigh, take baseline vital signs and plan again")
            }
            try holdsEnvelope(state, at: .resume, in: context)
            // A stop criterion's pause is a physician's to lift [REFERENCE 4.3: no guideline rule; the clinic's],
            // whichever pause of this stop it was recorded with.
            if let criterion = pausedForCriterion(state), !context.staff.roles.contains(.physician) {
                throw CommandError("order #\(state.id) was paused for a stop criterion (\(criterion)): only a physician resumes it",
                                   hint: "ask a physician to type dosing resume, or end it: dosing stop REASON")
            }
            let stored = try context.append(RecordDraft(kind: Kind.resumed, payload: .object(order)))
            return .lines("order #\(state.id) resumed at \(now) (#\(stored.id)) at \(Rounding.oneDecimal(state.rate ?? 0)) mL/h; \(soFar(state, context))")

        case "stop", "complete":
            let stopping = invocation.verb == "stop"
            if state.route.isInfusion {
                try expect(state, in: [.running, .paused], to: invocation.verb)
                // The gate gone while it ran (consent withdrawn): what the pump gave is recorded as
                // stopped, never as the whole dose given on a gate that no longer holds.
                if !stopping, let (name, detail) = try gateLost(in: context) {
                    throw CommandError("order #\(state.id) is not recorded as given in full: \(name) no longer holds (\(detail))",
                                       hint: "stop the pump and record what it gave: dosing stop REASON", kind: .refused)
                }
            } else {
                guard !stopping else { throw CommandError("\(state.route.label) doses do not run", hint: "type dosing complete once given, or dosing cancel REASON") }
                try expect(state, in: [.verified], to: "record as given")
                // Recording an injection, a spray or an oral dose as given is the moment it is given.
                try plannedToday(state, context)
                try holdsEnvelope(state, at: .complete, in: context)
            }
            let pump = state.route.isInfusion ? state.givenByPump(at: context.now) : nil
            let entered = invocation["given"].flatMap { Quantity($0, units: [DoseUnits.mg]) }?.value
            let mg = entered ?? pump?.mg ?? state.totalMg
            guard mg <= state.totalMg + 1e-9 else {
                throw CommandError("given=\(FieldSpec.format(mg))mg is more than the \(Rounding.oneDecimal(state.totalMg)) mg ordered", hint: "check the amount given")
            }
            var payload = order
            payload["given_mg"] = .double(Rounding.round(mg, decimals: 1))
            payload["given_how"] = .string(entered != nil ? "entered" : state.route.isInfusion ? "pump" : "as ordered")
            if state.route.isInfusion { payload["running_minutes"] = .double(Rounding.round(state.runningMinutes(at: context.now), decimals: 1)) }
            if stopping, let reason = invocation["reason"] { payload["reason"] = reason }
            let stored = try context.append(RecordDraft(kind: stopping ? Kind.stopped : Kind.completed, payload: .object(payload)))
            var out = CommandOutput()
            let how = entered != nil ? "as entered" : pump.map { "\(Rounding.oneDecimal($0.mL)) mL at \(Rounding.oneDecimal(state.rate ?? 0)) mL/h over \(minutes(state, context))" } ?? "as ordered"
            out.line("order #\(state.id) \(stopping ? "stopped early" : "complete") at \(now) (#\(stored.id)): \(Rounding.oneDecimal(mg)) mg of \(Rounding.oneDecimal(state.totalMg)) mg given (\(how))")
            if !stopping && mg < state.totalMg - 0.05 {
                out.alert("less than ordered: if the pump shows otherwise, record what it shows with a correction")
            }
            return out

        case "cancel":
            try expect(state, in: [.planned, .signed, .verified], to: "cancel")
            let stored = try context.append(RecordDraft(kind: Kind.cancelled, payload: .object(order.merging(["reason": invocation["reason"] ?? ""]) { a, _ in a })))
            return .lines("order #\(state.id) cancelled (#\(stored.id)); nothing was given on it")

        default:
            throw CommandError("dosing has no command '\(invocation.verb)'", hint: "type help dosing")
        }
    }

    /// The gate a dose rests on (an eligible screening, a consent in force) that no longer holds,
    /// with why; `nil` while it holds. Started doses are checked against it wherever they go on.
    static func gateLost(in record: any RecordReader) throws -> (name: String, detail: String)? {
        for key in [DosingModule.Uses.consent, DosingModule.Uses.eligible] {
            let fact = try record.fact(key.rawValue)
            if fact?.isPresent != true { return (key.rawValue, fact?.detail ?? "not reported") }
        }
        return nil
    }

    /// The stop criterion this pause was recorded with (on any pause entry since the infusion last
    /// ran), or `nil`.
    static func pausedForCriterion(_ state: OrderState) -> String? {
        guard state.status == .paused else { return nil }
        return state.events.reversed().prefix { $0.kind == Kind.paused }.compactMap { $0.payload["criterion"]?.stringValue }.first
    }

    /// Refuses to give an order planned on an earlier day, from that day's weight.
    private static func plannedToday(_ state: OrderState, _ context: any ModuleContext) throws {
        guard Planner.days(from: state.order.effectiveAt, to: context.now, calendar: context.calendar) == 0 else {
            throw CommandError("order #\(state.id) was planned on an earlier day, from that day's weight", hint: "cancel it and plan again from today's weight")
        }
    }

    /// Refuses a step that gives drug when the order's plan, signature or double-check no longer
    /// holds, or the dose is outside the envelope now.
    private static func holdsEnvelope(_ state: OrderState, at step: Envelope.Step, in context: any ModuleContext) throws {
        let inputs = try DoseInputs.read(context)
        try Envelope.check(Envelope.Dose(state), at: step, inputs: inputs, library: try DrugLibrary(context.clinicProtocol), judged: state)
    }

    /// Refuses a step that does not follow from the order's state, saying what would.
    private static func expect(_ state: OrderState, in allowed: [OrderState.Status], to action: String) throws {
        guard !allowed.contains(state.status) else { return }
        let next: String
        switch state.status {
        case .planned: next = "a physician signs it first (dosing sign)"
        case .signed: next = "someone else double-checks it first (dosing verify)"
        case .verified: next = state.route.isInfusion ? "start it first (dosing start)" : "give it, then dosing complete"
        case .running: next = "it is running: pause it (dosing pause) or end it (dosing complete, dosing stop)"
        case .paused: next = "it is paused: resume it (dosing resume) or end it (dosing stop)"
        case .completed, .stopped, .cancelled: next = "plan a new order"
        }
        throw CommandError("cannot \(action) order #\(state.id): it is \(state.status.rawValue)", hint: next)
    }

    private static func minutes(_ state: OrderState, _ context: any RecordReader) -> String {
        "\(Rounding.oneDecimal(state.runningMinutes(at: context.now))) min"
    }

    /// `13.5 mg (13.5 mL) of 36.0 mg given so far`
    static func soFar(_ state: OrderState, _ context: any RecordReader) -> String {
        guard let given = state.givenByPump(at: context.now) else { return "" }
        if let volume = state.volume, given.mL >= volume - 1e-9, state.end == nil {
            return "the pump has run its whole \(Rounding.oneDecimal(volume)) mL (\(Rounding.oneDecimal(given.mg)) mg): type dosing complete"
        }
        return "\(Rounding.oneDecimal(given.mg)) mg (\(Rounding.oneDecimal(given.mL)) mL) of \(Rounding.oneDecimal(state.totalMg)) mg given so far"
    }
}
