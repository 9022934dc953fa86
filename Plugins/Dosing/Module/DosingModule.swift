import ClinicKit
import Foundation

/// Dosing: weight-based ketamine orders checked against the clinic's drug library, signed by a
/// physician, double-checked by a second member of staff, and the infusion's life from start to end.
public final class DosingModule: ClinicModule {
    public init() {}

    static let gate = [Uses.eligible.rawValue, Uses.consent.rawValue]
    static let doseUnits = [DoseUnits.mgPerKg, DoseUnits.mg]
    static let flow = MeasureUnit("mL/h", aliases: ["ml/h", "ml/hr", "ml/hour"], dimension: "flow", factor: 1)

    static let dose = FieldSpec("dose", .quantity(units: doseUnits, range: 0.001...5000),
                                help: "the dose with its unit: mg/kg for IV, IM and SC; mg for intranasal and oral", sample: "0.5mg/kg")
    static let given = FieldSpec("given", .quantity(units: [DoseUnits.mg], range: 0...5000), required: false,
                                 help: "the mg actually given, when it is not what the pump's rate and running time say", sample: "30mg")
    static let reason = FieldSpec("reason", .text(maxLength: 500), required: false, help: "why", positional: true, identifying: true)

    public let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "dosing", version: "0.1.0",
                                 summary: "ketamine orders within the clinic's limits, signed, double-checked and given", order: 40),
        commands: [
            CommandSpec("plan", summary: "work out a dose from today's weight, checked against the clinic's limits",
                        fields: [
                            FieldSpec("route", .choice(Route.choices), help: "how it is given", sample: "iv"),
                            dose,
                            FieldSpec("over", .quantity(units: [DoseUnits.minute, DoseUnits.hour], range: 1...1440), required: false,
                                      help: "how long an IV infusion runs", sample: "40min"),
                            FieldSpec("conc", .quantity(units: [DoseUnits.mgPerML], range: 0.01...200), required: false,
                                      help: "the strength of the solution given: a ready-made IV solution, or the vial for an injection", sample: "1mg/mL"),
                            FieldSpec("bag", .quantity(units: [DoseUnits.mL], range: 10...1000), required: false,
                                      help: "the volume an IV dose is made up to (the protocol's first bag when neither conc nor bag is given)", sample: "100mL"),
                            FieldSpec("reason", .text(maxLength: 500), required: false,
                                      help: "why, when the dose or duration is outside the usual range: a physician then signs it", identifying: true),
                        ],
                        roles: Role.clinical, requires: gate, needsPatient: true, needsVisit: true, refusedWhileAlerts: true,
                        takesLateEntries: false,
                        discussion: """
                            Examples:
                              dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL
                              dosing plan route=iv dose=0.5mg/kg over=40min bag=100mL
                              dosing plan route=in dose=50mg
                            Prints the working, e.g. 0.5 mg/kg × 72.0 kg = 36.0 mg; 36.0 mg ÷ 1 mg/mL = 36.0 mL;
                            over 40 min → 54.0 mL/h. Over a hard limit it is refused; outside a soft limit it needs
                            reason="…" and a physician's signature. The limits are the clinic protocol's (protocol show).
                            Rounding: the weight is used as typed (lb converted exactly), never rounded; the dose to the
                            nearest 0.1 mg, or down when the nearest would pass a limit; the pump's volume and rate down to
                            0.1 mL and 0.1 mL/h; syringe volumes down to 0.01 mL. The double-check accepts numbers that
                            agree to the last printed decimal (docs/CLINICAL-REFERENCE.md, "Dosing").
                            The order holds only while what it was judged on holds: a new or corrected weight, a new
                            screening decision, a consent withdrawn or signed again, another dose, or a new protocol
                            voids it (and its signature and double-check): cancel it and plan again.
                            """),
            CommandSpec("sign", summary: "a physician signs the planned order (asks your password again)",
                        roles: [.physician], requires: gate, needsPatient: true, needsVisit: true, refusedWhileAlerts: true, takesLateEntries: false),
            CommandSpec("verify", summary: "a second member of staff double-checks the signed order from the weight and dose",
                        fields: [
                            FieldSpec("weight", .quantity(units: [.kilogram, .pound], range: 20...350), help: "the patient's weight, as you read it", sample: "72kg"),
                            dose,
                            FieldSpec("total", .quantity(units: [DoseUnits.mg], range: 0.1...5000), required: false, help: "the total you worked out", sample: "36mg"),
                            FieldSpec("rate", .quantity(units: [flow], range: 0.1...2000), required: false, help: "the pump rate you worked out", sample: "54mL/h"),
                        ],
                        roles: Role.clinical, requires: gate, needsPatient: true, needsVisit: true, takesLateEntries: false,
                        discussion: """
                            Someone other than who planned and who signed the order works it out again, from the
                            weight they read and the dose ordered: their numbers count when they agree with the order's
                            to the last printed decimal (0.1 kg, 0.1 mg, 0.1 mL/h), or the check is refused showing both.
                            Signs with your password. Example: dosing verify weight=72kg dose=0.5mg/kg total=36mg rate=54mL/h
                            """),
            CommandSpec("start", summary: "start the verified IV infusion now", roles: Role.clinical, requires: gate + ["monitoring.baseline"],
                        needsPatient: true, needsVisit: true, refusedWhileAlerts: true, takesLateEntries: false,
                        discussion: "Needs the baseline vital signs of this visit (monitoring baseline) and no standing alert. Recorded when typed: the pump's running time, the interval and the gates are judged at that moment, so --at is not taken."),
            CommandSpec("pause", summary: "pause the running infusion",
                        fields: [reason,
                                 FieldSpec("criterion", .text(maxLength: 300), required: false,
                                           help: "the stop criterion crossed, when one is why: only a physician then resumes", identifying: true)],
                        roles: Role.clinical, needsPatient: true, needsVisit: true, takesLateEntries: false,
                        discussion: "Never refused while an infusion runs. Monitoring pauses it itself when vital signs cross a stop criterion; a paused infusion is then held for a physician."),
            CommandSpec("resume", summary: "resume the paused infusion", roles: Role.clinical, requires: gate, needsPatient: true,
                        needsVisit: true, refusedWhileAlerts: true, takesLateEntries: false,
                        discussion: "After a pause for a stop criterion, only a physician resumes, once the alert is acknowledged. An infusion paused on an earlier day is not resumed: stop it and plan again."),
            CommandSpec("stop", summary: "stop the infusion early, for good; what was given is worked out from the pump, or given=",
                        fields: [FieldSpec("reason", .text(maxLength: 500), help: "why it is ended for good (to stop it for a while: dosing pause)",
                                           positional: true, identifying: true), given],
                        roles: Role.clinical, needsPatient: true, needsVisit: true, takesLateEntries: false,
                        discussion: "Ends the order: it is never resumed. At a terminal it asks first, saying how much was given; to stop for a while, dosing pause."),
            CommandSpec("complete", summary: "the dose has been given in full (an injection, spray or oral dose: given now)",
                        fields: [given], roles: Role.clinical, needsPatient: true, needsVisit: true, takesLateEntries: false),
            CommandSpec("cancel", summary: "cancel an order not yet started",
                        fields: [FieldSpec("reason", .text(maxLength: 500), help: "why", positional: true, identifying: true)],
                        roles: Role.clinical, needsPatient: true, needsVisit: true),
            CommandSpec("show", summary: "the visit's order, its signatures, the infusion's state and the amount given so far",
                        roles: Role.clinical, needsPatient: true),
            CommandSpec("lft", summary: "record that liver-function tests were reviewed",
                        fields: [
                            FieldSpec("date", .date(partial: false, notInFuture: true), help: "the date the blood was taken", sample: "2026-11-20"),
                            FieldSpec("result", .choice([
                                Choice("normal", "ALT, AST, ALP and GGT within normal limits"),
                                Choice("raised", "any above the upper limit of normal, all under 3×"),
                                Choice("high", "any at 3× the upper limit of normal or more"),
                            ]), help: "the result"),
                            FieldSpec("note", .text(maxLength: 500), required: false, help: "values or comments", identifying: true),
                        ],
                        roles: Role.clinical, needsPatient: true),
        ],
        facts: [
            FactSpec("dosing.ordered", summary: "the visit has a dose order signed by a physician", establishedBy: "dosing sign"),
            FactSpec("dosing.verified", summary: "the order was double-checked by a second member of staff", establishedBy: "dosing verify"),
            FactSpec("dosing.started", summary: "the visit's dose has been started (an infusion) or given (another route)", establishedBy: "dosing start"),
            FactSpec("dosing.running", summary: "the infusion is running now", establishedBy: "dosing start", isStep: false),
            FactSpec("dosing.lft-due", summary: "liver-function tests are due: the patient is being treated and none was reviewed within the interval",
                     establishedBy: "dosing lft", isStep: false),
            FactSpec("dosing.complete", summary: "the visit's dose has been given (or stopped early, with what was given)", establishedBy: "dosing complete"),
        ],
        settings: DrugLibrary.settings,
        records: [
            RecordSpec(Kind.completed, summary: "an order's dose ended as planned", fields: [
                RecordField("order", "the order's entry"), RecordField("given_mg", "the ketamine given, in mg, to 0.1 mg"),
            ]),
            RecordSpec(Kind.stopped, summary: "an order's dose stopped for good before its end", fields: [
                RecordField("order", "the order's entry"), RecordField("given_mg", "the ketamine given before it stopped, in mg, to 0.1 mg"),
                RecordField("reason", "why it was stopped"),
            ]),
            RecordSpec(Kind.lft, summary: "liver tests taken (dosing lft), for a course of repeated doses"),
        ],
        uses: ModuleUses(facts: [Uses.eligible, Uses.consent, Uses.weight, Uses.baseline]))

    /// Its own commands that its due items and facts name.
    enum Commands {
        static let stop = CommandReference("dosing", "stop")
        static let lft = CommandReference("dosing", "lft")
        static let resume = CommandReference("dosing", "resume")
    }

    /// Other modules' facts a dose rests on.
    enum Uses {
        static let eligible: FactKey = "screening.eligible"
        static let consent: FactKey = "consent.signed"
        static let weight: FactKey = "intake.weight"
        static let baseline: FactKey = "monitoring.baseline"
    }

    public func check(_ clinicProtocol: ClinicProtocol) -> [String] { DrugLibrary.problems(clinicProtocol) }

    public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "plan": return try plan(invocation, in: context)
        case "sign": return try sign(in: context)
        case "verify": return try verify(invocation, in: context)
        case "start", "pause", "resume", "stop", "complete", "cancel": return try Infusion.run(invocation, in: context)
        case "show": return try show(in: context)
        case "lft": return try lft(invocation, in: context)
        default: throw CommandError("dosing has no command '\(invocation.verb)'", hint: "type help dosing")
        }
    }

    /// The open visit's latest order, if any.
    static func current(in record: any RecordReader) throws -> OrderState? {
        OrderState.all(in: try record.records(module: "dosing", kind: nil, visitOnly: true)).last
    }

    // MARK: - plan

    private func plan(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let library = try DrugLibrary(context.clinicProtocol)
        if let open = try Self.current(in: context), open.status.isOpen {
            throw CommandError("order #\(open.id) is still \(open.status.rawValue) at this visit",
                               hint: open.status == .running || open.status == .paused ? "end it first (dosing complete or dosing stop)" : "cancel it first: dosing cancel REASON")
        }
        let request = try Self.request(invocation)
        let inputs = try DoseInputs.read(context)
        let preconditions = Preconditions(
            eligible: inputs.eligible, consent: inputs.consent, weightKg: inputs.weightKg, weighedAt: inputs.weight?.asOf,
            now: context.now, calendar: context.calendar)
        let planned = try Planner.plan(request, reason: invocation["reason"]?.stringValue, preconditions: preconditions,
                                       history: inputs.history(excluding: nil), library: library)
        // The envelope the later steps hold the order to, checked here too.
        try Envelope.check(Envelope.Dose(order: nil, route: request.route, dose: request.dose, totalMg: planned.calculation.totalMg,
                                         minutes: planned.calculation.minutes, hasSoftReason: !planned.softBreaches.isEmpty),
                           at: .plan, inputs: inputs, library: library)
        let calc = planned.calculation
        var payload: [String: Value] = [
            "route": .string(request.route.rawValue), "dose": request.dose.asValue, "weight_kg": .double(Rounding.round(planned.weightKg, decimals: 6)),
            "basis": inputs.basis(for: nil).value,
            "weighed_at": .string(ClinicTime.format(planned.weighedAt, calendar: context.calendar)),
            "total_mg": .double(calc.totalMg), "working": .string(calc.working),
            "series_before_mg": .double(planned.seriesBeforeMg), "series_doses": .int(planned.seriesDoses),
            "period_before_mg": .double(planned.periodBeforeMg), "ceiling_mg": .double(Rounding.round(planned.ceilingMg, decimals: 6)),
        ]
        func put(_ key: String, _ value: Double?) { if let value { payload[key] = .double(Rounding.round(value, decimals: 6)) } }
        put("minutes", calc.minutes)
        put("concentration_mg_per_ml", calc.concentration)
        put("volume_ml", calc.volumeML)
        put("bag_ml", calc.bagML)
        put("draw_ml", calc.drawML)
        put("vial_mg_per_ml", calc.vialStrength)
        put("rate_ml_per_h", calc.rateMLPerHour)
        if let c = request.concentration { payload["conc"] = .double(c) }
        if !planned.softBreaches.isEmpty {
            payload["soft_limits"] = .array(planned.softBreaches.map(Value.string))
            payload["reason"] = .string(planned.reason ?? "")
        }
        let stored = try context.append(RecordDraft(kind: Kind.order, payload: .object(payload)))
        let state = OrderState(order: stored, events: [])
        var out = CommandOutput()
        out.line("order #\(stored.id) planned: \(state.summary)")
        out.line("  \(calc.working)")
        out.line("  weight \(Rounding.weight(planned.weightKg)) kg, taken \(ClinicTime.format(planned.weighedAt, calendar: context.calendar))")
        out.line("  " + Self.totals(seriesMg: planned.seriesBeforeMg, doses: planned.seriesDoses, periodMg: planned.periodBeforeMg, library: library))
        if !planned.softBreaches.isEmpty {
            out.alert("outside a soft limit: \(planned.softBreaches.joined(separator: "; ")); reason: \(planned.reason ?? "")")
        }
        for reminder in planned.reminders { out.alert(reminder) }
        out.line("next: a physician signs it (dosing sign); then someone else double-checks it (dosing verify)")
        return out
    }

    static func request(_ invocation: Invocation) throws -> DoseRequest {
        guard let route = invocation["route"]?.stringValue.flatMap(Route.init(rawValue:)),
              let dose = invocation["dose"].flatMap({ Quantity($0, units: doseUnits) })
        else { throw CommandError("dosing plan needs route and dose", hint: "type e.g. dosing plan route=iv dose=0.5mg/kg over=40min") }
        let minutes = invocation["over"].flatMap { Quantity($0, units: [DoseUnits.minute, DoseUnits.hour]) }?.value(in: DoseUnits.minute)
        return DoseRequest(route: route, dose: dose, minutes: minutes,
                           concentration: invocation["conc"].flatMap { Quantity($0, units: [DoseUnits.mgPerML]) }?.value,
                           bag: invocation["bag"].flatMap { Quantity($0, units: [DoseUnits.mL]) }?.value)
    }

    /// `this series: 2 doses, 72.0 mg so far (most 900 mg); last 7 days: 36.0 mg (most 450 mg)`
    static func totals(seriesMg: Double, doses: Int, periodMg: Double, library: DrugLibrary) -> String {
        let series = doses == 0 ? "a new series" : "this series: \(doses) dose\(doses == 1 ? "" : "s"), \(Rounding.oneDecimal(seriesMg)) mg so far"
        return "\(series) (most \(FieldSpec.format(library.seriesMaxMg)) mg); last \(library.periodDays) days: \(Rounding.oneDecimal(periodMg)) mg (most \(FieldSpec.format(library.periodMaxMg)) mg)"
    }

    // MARK: - sign

    private func sign(in context: any ModuleContext) throws -> CommandOutput {
        guard let state = try Self.current(in: context), state.status.isOpen else {
            throw CommandError("there is no order to sign at this visit", hint: "plan one first: dosing plan route=iv dose=0.5mg/kg over=40min")
        }
        guard state.status == .planned else {
            throw CommandError("order #\(state.id) is already signed by \(state.signature?.staff ?? "?")", hint: "see dosing show")
        }
        guard context.staff.roles.contains(.physician) else {
            throw CommandError("only a physician signs a dose order", hint: "ask a physician to sign it")
        }
        let library = try DrugLibrary(context.clinicProtocol)
        let inputs = try DoseInputs.read(context)
        try Envelope.check(Envelope.Dose(state), at: .sign, inputs: inputs, library: library, judged: state)
        var meaning = "orders ketamine \(state.summary) for \(context.patient.mrn): \(state.order.payload["working"]?.stringValue ?? "")"
        let soft = state.order.payload["soft_limits"]?.stringArray ?? []
        if !soft.isEmpty {
            meaning += "; outside a soft limit (\(soft.joined(separator: "; "))) because: \(state.order.payload["reason"]?.stringValue ?? "")"
        }
        let signature = try context.sign(meaning: meaning)
        let stored = try context.append(RecordDraft(kind: Kind.signed, payload: ["order": .int(Int(state.id)), "signature": signature.value,
                                                                                  "basis": inputs.basis(for: state.id).value]))
        var out = CommandOutput()
        out.line("order #\(state.id) signed by \(signature.username) (#\(stored.id)): \(state.summary)")
        if !soft.isEmpty { out.alert("signed outside a soft limit: \(soft.joined(separator: "; "))") }
        out.line("next: someone other than \(Set([state.order.staff, signature.username]).sorted().joined(separator: " and ")) double-checks it (dosing verify)")
        return out
    }

    // MARK: - verify

    private func verify(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        guard let state = try Self.current(in: context), state.status.isOpen else {
            throw CommandError("there is no order to double-check at this visit", hint: "see dosing show")
        }
        switch state.status {
        case .planned: throw CommandError("order #\(state.id) is not signed yet", hint: "a physician signs it first (dosing sign)")
        case .signed: break
        default: throw CommandError("order #\(state.id) was already double-checked by \(state.verification?.staff ?? "?")", hint: "see dosing show")
        }
        let me = context.staff.username
        guard me != state.order.staff, me != state.signature?.staff else {
            let role = me == state.order.staff ? "planned" : "signed"
            throw CommandError("\(me) \(role) order #\(state.id) and cannot double-check it", hint: "another member of staff signs in and types dosing verify")
        }
        guard let w = invocation["weight"].flatMap({ Quantity($0, units: [.kilogram, .pound]) }),
              let dose = invocation["dose"].flatMap({ Quantity($0, units: Self.doseUnits) })
        else { throw CommandError("dosing verify needs weight and dose", hint: "type e.g. dosing verify weight=72kg dose=0.5mg/kg") }
        let library = try DrugLibrary(context.clinicProtocol)
        let inputs = try DoseInputs.read(context)
        try Envelope.check(Envelope.Dose(state), at: .verify, inputs: inputs, library: library, judged: state)
        let payload = state.order.payload
        let orderedDose = payload["dose"].flatMap { Quantity($0, units: Self.doseUnits) }
        let orderedKg = payload["weight_kg"]?.doubleValue ?? 0
        // An independent double-check (ISMP): the checker reads the weight and works the dose out on
        // their own. Their numbers are accepted when they agree with the order's to the last printed
        // decimal, one unit of rounding (0.1 kg, 0.1 mg, 0.1 mL, 0.1 mL/h, 0.01 mL for a syringe);
        // otherwise both are shown.
        // The basis check above has made sure the order's weight is still the record's.
        let kg = w.value(in: .kilogram)
        var differences: [String] = []
        if abs(kg - orderedKg) > 0.1 + 1e-9 {
            differences.append("weight \(Rounding.weight(kg)) kg" + (w.unit == .kilogram ? "" : " (\(FieldSpec.format(w.value)) lb)")
                               + " vs \(Rounding.weight(orderedKg)) kg (the order's)")
        }
        if let orderedDose, abs(dose.value - orderedDose.value) > 1e-9 || dose.unit != orderedDose.unit {
            differences.append("dose \(FieldSpec.format(dose.value)) \(dose.unit.symbol) vs \(FieldSpec.format(orderedDose.value)) \(orderedDose.unit.symbol)")
        }
        var mine: Calculation?
        if dose.unit == state.route.unit {
            let request = DoseRequest(route: state.route, dose: dose, minutes: payload["minutes"]?.doubleValue,
                                      concentration: payload["conc"]?.doubleValue, bag: payload["bag_ml"]?.doubleValue)
            mine = try? Calculation.work(request, weightKg: kg, library: library, ceilings: [payload["ceiling_mg"]?.doubleValue ?? .infinity])
        }
        func compare(_ name: String, _ yours: Double?, _ ordered: Double?, _ unit: String, decimals: Int = 1) {
            guard let yours, let ordered else { return }
            var unitOfRounding = 1.0
            for _ in 0..<decimals { unitOfRounding /= 10 }
            guard abs(yours - ordered) > unitOfRounding + 1e-9 else { return }
            differences.append("\(name) \(Rounding.fixed(yours, decimals)) \(unit) vs \(Rounding.fixed(ordered, decimals)) \(unit)")
        }
        compare("total", mine?.totalMg, state.totalMg, "mg")
        compare("volume", mine?.volumeML, state.volume, "mL", decimals: state.route.isInjected ? 2 : 1)
        compare("rate", mine?.rateMLPerHour, state.rate, "mL/h")
        compare("your total", invocation["total"].flatMap { Quantity($0, units: [DoseUnits.mg]) }?.value, state.totalMg, "mg")
        if let rate = invocation["rate"].flatMap({ Quantity($0, units: [Self.flow]) })?.value {
            if state.rate == nil { differences.append("a rate of \(Rounding.oneDecimal(rate)) mL/h, but \(state.route.label) doses have none") }
            compare("your rate", rate, state.rate, "mL/h")
        }
        guard differences.isEmpty else {
            throw CommandError("double-check refused: yours vs order #\(state.id): \(differences.joined(separator: "; "))",
                               hint: "check the weight and the dose with the prescriber; if the order is wrong, cancel it and plan again")
        }
        let signature = try context.sign(meaning: "independently double-checked order #\(state.id): \(state.summary)")
        let stored = try context.append(RecordDraft(kind: Kind.verified, payload: [
            "order": .int(Int(state.id)), "weight_kg": .double(Rounding.round(kg, decimals: 6)), "dose": dose.asValue,
            "total_mg": .double(mine?.totalMg ?? state.totalMg), "signature": signature.value, "basis": inputs.basis(for: state.id).value,
        ]))
        return .lines("order #\(state.id) double-checked by \(me) (#\(stored.id)): \(state.summary) · the numbers match",
                      state.route.isInfusion ? "next: dosing start when the line is in and the pump is set" : "next: give it, then dosing complete")
    }
}

/// What the module offers beyond its commands and facts; the methods are in this module's files.
extension DosingModule: AlertingModule {
    /// An infusion running or paused while its gate no longer holds (the patient withdrew their
    /// consent): stop it now. It stands until the order ends.
    public func alerts(from record: any RecordReader) throws -> [StandingAlert] {
        guard let state = try Self.current(in: record), state.status == .running || state.status == .paused,
              let (name, detail) = try Infusion.gateLost(in: record) else { return [] }
        return [StandingAlert("order #\(state.id) is \(state.status.rawValue) but \(name) no longer holds (\(detail)): stop the pump now and record it",
                              since: state.startedAt ?? record.now, acknowledgedBy: "dosing stop REASON", naming: Commands.stop)]
    }
}

extension DosingModule: SettingsCheckingModule, SchedulingModule, SummarizingModule, ReportingModule, FHIRExportingModule, VisitHoldingModule, ConfirmingModule, BoardModule {}
