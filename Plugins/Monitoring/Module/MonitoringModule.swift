import ClinicKit
import Foundation

/// Monitoring: vital signs with NEWS2 and the protocol's stop and alert criteria, sedation,
/// dissociation and adverse events, the alerts they raise, vitals due while an infusion runs, and
/// discharge by the modified Aldrete score.
public final class MonitoringModule: ClinicModule {
    public init() {}

    static let acknowledgeCommand = "monitoring acknowledge NOTE"
    /// Its own commands that its alerts and due items name.
    static let acknowledge = CommandReference("monitoring", "acknowledge")
    static let vitals = CommandReference("monitoring", "vitals")

    static let scheduleSettings: [SettingSpec] = [
        SettingSpec("monitoring.vitals_interval_minutes", .integer(1...60, unit: "minutes"), summary: "vital signs are due this often while an infusion runs"),
        SettingSpec("monitoring.vitals_required", .text(maxLength: 100),
                    summary: "the signs every vitals entry must have, among sbp dbp hr rr spo2 temp avpu"),
    ]

    public let declaration = ModuleDeclaration(
        manifest: manifest,
        commands: [
            baselineCommand,
            vitalsCommand,
            CommandSpec("rass", summary: "Richmond Agitation–Sedation Scale, −5 to +4",
                        fields: [FieldSpec("score", .integer(-5...4), help: "RASS: " + Observations.rass.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
                                           positional: true, sample: "0")],
                        roles: Role.clinical, needsPatient: true, needsVisit: true),
            CommandSpec("moaas", summary: "Modified Observer's Assessment of Alertness/Sedation, 0–5",
                        fields: [FieldSpec("score", .integer(0...5), help: "MOAA/S: " + Observations.moaas.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
                                           positional: true, sample: "5")],
                        roles: Role.clinical, needsPatient: true, needsVisit: true),
            CommandSpec("cadss", summary: "Clinician-Administered Dissociative States Scale total (23 items, 0–92)",
                        fields: [FieldSpec("total", .integer(0...92), help: "the CADSS total: 23 items, each 0–4", positional: true, sample: "8")],
                        roles: Role.clinical, needsPatient: true, needsVisit: true),
            CommandSpec("event", summary: "an adverse event: what, how severe, what was done",
                        fields: [
                            FieldSpec("kind", .choice(Observations.eventKinds), help: "what happened", positional: true, sample: "nausea"),
                            FieldSpec("severity", .choice(Observations.severities), help: "mild, moderate or severe"),
                            FieldSpec("action", .text(maxLength: 500), required: false, help: "what was done (ondansetron 4 mg IV, rate halved)", identifying: true),
                            FieldSpec("note", .text(maxLength: 500), required: false, help: "what it was, for other; any detail", identifying: true),
                        ],
                        roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: "Example: monitoring event nausea --severity moderate --action \"ondansetron 4 mg IV\"\nA severe event alerts, and pauses the infusion when the protocol says so."),
            CommandSpec("acknowledge", summary: "a clinician acknowledges the standing monitoring alerts, with what was done",
                        fields: [
                            FieldSpec("note", .text(maxLength: 1000), help: "what was done: who assessed the patient, the plan", positional: true, identifying: true),
                            FieldSpec("alert", .integer(1...Int(Int32.max)), required: false, help: "only the alert of this entry (its #number)"),
                        ],
                        roles: Role.clinical, needsPatient: true),
            CommandSpec("aldrete", summary: "the modified Aldrete score, item by item (discharge needs the protocol's minimum)",
                        fields: Aldrete.fields, roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: "Circulation, SpO2 and consciousness are filled in from vital signs taken after the dose ended, where the scale is unambiguous."),
            CommandSpec("discharge", summary: "discharge: Aldrete, time since the dose, no standing alert, escort, no-driving instruction",
                        fields: [
                            FieldSpec("escort", .text(maxLength: 200), required: false, help: "the responsible adult taking the patient home", identifying: true),
                            FieldSpec("instructed", .yesNo, required: false, help: "the patient was told, and given in writing: no driving, machinery or important decisions, no alcohol"),
                        ],
                        roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: "Example: monitoring discharge escort=\"Sam Ålvarez\" instructed=yes\nOtherwise it lists what is still missing; monitoring show lists it too."),
            CommandSpec("show", summary: "the visit's vital signs with NEWS2, observations, alerts, what is due, and discharge",
                        roles: Role.clinical, needsPatient: true),
        ],
        facts: [
            FactSpec("monitoring.baseline", summary: "baseline vital signs were taken at this visit", establishedBy: "monitoring baseline"),
            FactSpec("monitoring.discharged", summary: "the patient was discharged from this visit", establishedBy: "monitoring discharge"),
        ],
        settings: scheduleSettings + Criteria.settings + DischargeRules.settings,
        uses: ModuleUses(facts: [Uses.started, Uses.running, Uses.complete], commands: [Uses.pause]))

    static var manifest: ModuleManifest {
        var m = ModuleManifest(name: "monitoring", version: "0.1.0",
                               summary: "vital signs with NEWS2, stop criteria and alerts, sedation, adverse events, discharge", order: 50)
        m.aliases = ["mon"]
        return m
    }

    static var baselineCommand: CommandSpec {
        var c = CommandSpec("baseline", summary: "the vital signs before the infusion, which later ones are compared with",
                            fields: Vitals.fields(required: true) + [
                                FieldSpec("scale", .choice([Choice("1", "SpO2 scale 1: everyone else (target 94–98 %)"),
                                                            Choice("2", "SpO2 scale 2: hypercapnic respiratory failure, prescribed target 88–92 %")]),
                                          required: false, help: "the NEWS2 SpO2 scale (default 1; 2 only as a physician prescribes)", sample: "1"),
                            ],
                            roles: Role.clinical, needsPatient: true, needsVisit: true,
                            discussion: """
                                Example: monitoring baseline bp=132/84 hr=78 rr=14 spo2=98 temp=36.8 avpu=A
                                Scored with NEWS2 and checked against the protocol's absolute limits: a baseline past a
                                stop criterion stands as an alert, and dosing waits for its acknowledgement.
                                """)
        c.pairs = [Vitals.bloodPressure]
        return c
    }

    static var vitalsCommand: CommandSpec {
        var c = CommandSpec("vitals", summary: "vital signs: NEWS2, and the protocol's stop and alert criteria",
                            fields: Vitals.fields(required: false), roles: Role.clinical, needsPatient: true, needsVisit: true,
                            discussion: """
                                Example: v 128/80 76 14 98 36.7 A
                                Example: monitoring vitals bp=128/80 hr=76 rr=14 spo2=98% temp=36.7 avpu=A
                                The short form takes bp, hr, rr, spo2, temp and avpu in that order; - leaves one out
                                (v 128/80 76 - 98).
                                The signs the protocol requires (monitoring.vitals_required) are asked for when left out.
                                A value outside physiology is a typing error, not an alert. A stop criterion pauses the
                                running infusion until a physician resumes it; every criterion crossed stands as an
                                alert until acknowledged.
                                """)
        c.aliases = ["vit"]
        c.pairs = [Vitals.bloodPressure]
        c.shortForm = Vitals.shortForm
        c.requiredFieldsSetting = "monitoring.vitals_required"
        return c
    }

    /// What monitoring uses of dosing: where the infusion stands, and the pause a stop criterion makes.
    enum Uses {
        static let started: FactKey = "dosing.started"
        static let running: FactKey = "dosing.running"
        static let complete: FactKey = "dosing.complete"
        static let pause = CommandReference("dosing", "pause", fields: ["reason", "criterion"])
    }

    public func check(_ clinicProtocol: ClinicProtocol) -> [String] {
        var out = Criteria.problems(clinicProtocol)
        if let text = try? clinicProtocol.text("monitoring.vitals_required") {
            let unknown = Self.words(text).filter { !Vitals.names.contains($0) }
            if !unknown.isEmpty {
                out.append("monitoring.vitals_required names \(unknown.joined(separator: ", ")): the signs are \(Vitals.names.joined(separator: " "))")
            }
        }
        return out
    }

    static func words(_ text: String) -> [String] {
        text.split { $0 == " " || $0 == "," }.map { $0.lowercased() }
    }

    public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "baseline", "vitals": return try vitals(invocation, in: context)
        case "rass", "moaas", "cadss": return try scale(invocation, in: context)
        case "event": return try event(invocation, in: context)
        case "acknowledge": return try acknowledge(invocation, in: context)
        case "aldrete": return try aldrete(invocation, in: context)
        case "discharge": return try discharge(invocation, in: context)
        case "show": return try show(in: context)
        default: throw CommandError("monitoring has no command '\(invocation.verb)'", hint: "type help monitoring")
        }
    }

    // MARK: - Vital signs

    private func vitals(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let isBaseline = invocation.verb == "baseline"
        var values = invocation.values
        let visitRecords = try context.records(module: "monitoring", kind: nil, visitOnly: true)
        // The visit's baseline asked for by kind: a long visit's readings are not walked for it.
        let baselineEntry = try context.records(module: "monitoring", kind: "baseline", visitOnly: true).last
        // Air or oxygen carries on from the visit's last entry unless given.
        if values["o2"] == nil {
            values["o2"] = visitRecords.last { $0.kind == "baseline" || $0.kind == "vitals" }?.payload["o2"] ?? .string("air")
        }
        let v = Vitals(.object(values))
        if let sbp = v.sbp, let dbp = v.dbp, dbp >= sbp {
            throw CommandError("diastolic \(dbp) is not below systolic \(sbp)", hint: "check the two pressures: sbp=\(max(sbp, dbp)) dbp=\(min(sbp, dbp))?")
        }
        if !isBaseline {
            let required = Self.words(try context.clinicProtocol.text("monitoring.vitals_required"))
            let missing = required.filter { !v.taken.contains($0) }
            if v.taken.isEmpty || !missing.isEmpty {
                let list = (missing.isEmpty ? required : missing).joined(separator: ", ")
                throw CommandError("monitoring vitals needs \(list) (the protocol's monitoring.vitals_required)",
                                   hint: "type e.g. monitoring vitals sbp=128 dbp=80 hr=76 rr=14 spo2=98")
            }
        }
        let scale = NEWS2.Scale(rawValue: Int(values["scale"]?.stringValue ?? "") ?? baselineEntry?.payload["scale"]?.intValue ?? 1) ?? .one
        if isBaseline, scale == .two, !context.staff.roles.contains(.physician) {
            throw CommandError("SpO2 scale 2 is for hypercapnic respiratory failure with a prescribed target: a physician sets it",
                               hint: "leave scale out (scale 1), or ask a physician")
        }
        let (payload, news2, crossings) = try Self.scored(v, scale: scale, baseline: isBaseline ? nil : baselineEntry, in: context)
        let stored = try context.append(RecordDraft(kind: invocation.verb, payload: .object(payload)))
        var out = CommandOutput()
        let time = Self.hhmm(stored.effectiveAt, context)
        out.line("\(isBaseline ? "baseline" : "vitals") #\(stored.id) at \(time): \(v.text)")
        var scoreLine = "  " + news2.text + (scale == .two ? " · SpO2 scale 2" : "")
        if !isBaseline, baselineEntry == nil { scoreLine += " · no baseline at this visit: changes from baseline not checked" }
        out.line(scoreLine)
        try act(on: crossings, entry: stored, in: context, out: &out)
        return out
    }

    /// A set of vital signs scored: NEWS2, and the criteria crossed (against the baseline too, for
    /// vitals after one). What `monitoring vitals` stores, and what a correction works out again.
    static func scored(_ v: Vitals, scale: NEWS2.Scale, baseline: StoredRecord?, in record: any RecordReader)
        throws -> (payload: [String: Value], news2: NEWS2.Score, crossings: [Crossing]) {
        let news2 = NEWS2.score(v, scale: scale)
        let criteria = try Criteria(record.clinicProtocol)
        let crossings = criteria.check(v, baseline: baseline.map { Vitals($0.payload) }, news2: news2)
        var payload = v.payload
        payload["scale"] = .int(scale.rawValue)
        payload["news2"] = .int(news2.total)
        payload["news2_band"] = .string(news2.band.rawValue)
        payload["news2_points"] = .object(news2.points.mapValues(Value.int))
        if news2.isPartial { payload["news2_missing"] = .array(news2.missing.map(Value.string)) }
        if !crossings.isEmpty { payload["alerts"] = .array(crossings.map(\.payload)) }
        return (payload, news2, crossings)
    }

    /// Shows each criterion crossed as an alert, and pauses the running infusion for a stop criterion.
    private func act(on crossings: [Crossing], entry: StoredRecord, in context: any ModuleContext, out: inout CommandOutput) throws {
        guard !crossings.isEmpty else { return }
        for crossing in crossings { out.alert("\(crossing.line) · #\(entry.id)") }
        let stops = crossings.filter { $0.level == .stop }
        // Only a stop criterion pauses; paused already, it still holds the infusion for a physician.
        if !stops.isEmpty {
            let running = try context.fact(MonitoringModule.Uses.running)?.isPresent == true
            let paused = try !running && context.fact(MonitoringModule.Uses.started)?.isPresent == true && context.fact(MonitoringModule.Uses.complete)?.isPresent != true
            if running || paused {
                let criterion = stops.map(\.text).joined(separator: "; ")
                do {
                    _ = try context.perform(Uses.pause, ["reason": .string("monitoring #\(entry.id)"), "criterion": .string(criterion)])
                    // Software does not stop a pump: the nurse must, now.
                    out.alert(running ? "STOP THE PUMP NOW: the infusion is paused in the record (\(Self.hhmm(context.now, context))); a physician resumes it (dosing resume) once the alert is acknowledged"
                                      : "KEEP THE PUMP STOPPED: the infusion stays paused in the record; a physician resumes it (dosing resume) once the alert is acknowledged")
                } catch {
                    out.alert("the infusion could not be paused (\(error)): stop the pump by hand, then type dosing pause")
                }
            }
        }
        out.line("  acknowledge with \(Self.acknowledgeCommand)")
    }

    // MARK: - Sedation, dissociation, events

    private func scale(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let value = invocation["score"]?.intValue ?? invocation["total"]?.intValue ?? 0
        var payload: [String: Value] = ["score": .int(value)]
        let title: String
        switch invocation.verb {
        case "rass":
            payload["term"] = .string(Observations.term(Observations.rass, value))
            title = "RASS \(value > 0 ? "+" : "")\(value) (\(Observations.term(Observations.rass, value)))"
        case "moaas":
            payload["term"] = .string(Observations.term(Observations.moaas, value))
            payload["version"] = .string(Observations.moaasVersion)
            title = "MOAA/S \(value) (\(Observations.term(Observations.moaas, value)))"
        default:
            payload["version"] = .string(Observations.cadssVersion)
            title = "CADSS \(value) of 92"
        }
        let crossings = Observations.check(invocation.verb, value, criteria: try Criteria(context.clinicProtocol))
        if !crossings.isEmpty { payload["alerts"] = .array(crossings.map(\.payload)) }
        let stored = try context.append(RecordDraft(kind: invocation.verb, payload: .object(payload)))
        var out = CommandOutput.lines("\(title) #\(stored.id) at \(Self.hhmm(stored.effectiveAt, context))")
        try act(on: crossings, entry: stored, in: context, out: &out)
        return out
    }

    private func event(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let kind = invocation["kind"]?.stringValue ?? "other"
        let severity = invocation["severity"]?.stringValue ?? "mild"
        if kind == "other", invocation["note"] == nil {
            throw CommandError("an event of kind other needs a note saying what it was", hint: "add e.g. note=\"chest tightness\"")
        }
        var payload: [String: Value] = ["kind": .string(kind), "severity": .string(severity)]
        if let action = invocation["action"] { payload["action"] = action }
        if let note = invocation["note"] { payload["note"] = note }
        let crossings = Observations.check(event: kind, severity: severity, criteria: try Criteria(context.clinicProtocol))
        if !crossings.isEmpty { payload["alerts"] = .array(crossings.map(\.payload)) }
        let stored = try context.append(RecordDraft(kind: "event", payload: .object(payload)))
        var out = CommandOutput.lines("adverse event #\(stored.id) at \(Self.hhmm(stored.effectiveAt, context)): \(Self.eventText(stored.payload))")
        try act(on: crossings, entry: stored, in: context, out: &out)
        return out
    }

    static func eventText(_ p: Value) -> String {
        var text = "\(p["kind"]?.stringValue ?? "?"), \(p["severity"]?.stringValue ?? "?")"
        if let note = p["note"]?.stringValue { text += " (\(note))" }
        if let action = p["action"]?.stringValue { text += " · action: \(action)" }
        return text
    }

    static func hhmm(_ date: Date, _ record: any RecordReader) -> String {
        String(ClinicTime.format(date, calendar: record.calendar).suffix(5))
    }
}

/// What the module offers beyond its commands and facts; the methods are in this module's files.
extension MonitoringModule: SettingsCheckingModule, PrefillingModule, AlertingModule, SchedulingModule, SummarizingModule, ReportingModule, AmendingModule, FHIRExportingModule, ConfirmingModule, BoardModule {}
