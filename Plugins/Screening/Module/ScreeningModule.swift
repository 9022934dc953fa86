import ClinicKit
import Foundation

/// Screening: the instruments that decide whether ketamine may be offered. Each is entered item by
/// item (the shell asks for what is missing, with each item's wording, range and anchors) or in one
/// line, and stored with every answer and its computed result. PHQ-9, GAD-7, DAST-10 and AUDIT-C
/// are instruments given as data (the program's instrument files, typed as `screening phq9` …):
/// this module weighs their responses in its decision and keeps the PHQ-9 item 9 alert standing
/// until a clinician acknowledges it; ACR 2016 and FIQR, whose rules (regions, a domain scaled from
/// the items answered) are not written in the instruments' FHIRPath, stay in code here.
public final class ScreeningModule: ClinicModule {
    public init() {}

    static let severity = [Choice("0", "no problem"), Choice("1", "slight or mild: usually mild, or on and off"),
                           Choice("2", "moderate: considerable, often present"),
                           Choice("3", "severe: pervasive, continuous, disrupting daily life")]

    static let acrFields: [FieldSpec] = [
        FieldSpec("areas", .choices(ACR2016.areas.map { Choice($0.id, $0.label) }),
                  help: "where it has hurt in the past week, by area (Tab completes), or none"),
        FieldSpec("fatigue", .choice(severity), help: "fatigue over the past week: how much of a problem"),
        FieldSpec("waking", .choice(severity), help: "waking unrefreshed over the past week: how much of a problem"),
        FieldSpec("cognitive", .choice(severity), help: "trouble thinking or remembering over the past week: how much of a problem"),
        FieldSpec("headaches", .yesNo, help: "bothered by headaches in the past 6 months"),
        FieldSpec("abdominal", .yesNo, help: "bothered by pain or cramps in the lower abdomen in the past 6 months"),
        FieldSpec("depression", .yesNo, help: "bothered by depression in the past 6 months"),
        FieldSpec("duration_months", .integer(0...1200), help: "for how many months the symptoms have been generally present"),
    ]

    public let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "screening", version: "0.1.0",
                                 summary: "fibromyalgia criteria and the screening instruments before any dose", order: 20),
        commands: [
            CommandSpec("acr", summary: "the ACR 2016 fibromyalgia criteria: painful areas, symptom severity, duration",
                        fields: acrFields, roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: """
                            Computes the Widespread Pain Index (0–19), the regions with pain (0–5; jaw, chest and
                            abdomen do not count), the Symptom Severity Scale (0–12), FS = WPI + SSS (0–31), and
                            whether the 2016 criteria are met, with the rule that decided it.
                            Example:
                              screening acr areas=neck,lower-back,shoulder-left,shoulder-right,hip-left,hip-right,upper-leg-left \\
                                fatigue=2 waking=2 cognitive=1 headaches=yes abdominal=no depression=no duration_months=24
                            """),
            CommandSpec("fiqr", summary: "fibromyalgia impact (FIQR, 21 items 0–10, total 0–100)", fields: FIQR.fields,
                        roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: """
                            Items f1–f9 (function), o1–o2 (overall impact), s1–s10 (symptoms), each 0–10 for the past 7 days,
                            or skip when not answered: its domain is then scaled from the items answered.
                            """),

            CommandSpec("checklist", summary: "contraindications and precautions, and the screening blood pressure",
                        fields: Checklist.fields, roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: "What the intake already says is filled in and shown; the rest is asked."),
            CommandSpec("decide", summary: "eligible, eligible with precautions, or not eligible, with every reason",
                        roles: Role.clinical, requires: ["intake.complete"], needsPatient: true, needsVisit: true,
                        discussion: "Needs the latest ACR 2016, PHQ-9, GAD-7, DAST-10, AUDIT-C and checklist. A physician signs it."),
            CommandSpec("sign", summary: "sign the latest screening decision (physician; asks your password again)",
                        roles: [.physician], needsPatient: true, needsVisit: true),
            CommandSpec("acknowledge", summary: "a clinician acknowledges the PHQ-9 item 9 alert, with what was done",
                        fields: [FieldSpec("note", .text(maxLength: 1000), help: "what was done: who assessed the patient, the plan", positional: true, identifying: true)],
                        roles: Role.clinical, needsPatient: true),
            CommandSpec("show", summary: "the patient's screenings, each beside the earlier ones", roles: Role.clinical, needsPatient: true),
        ],
        facts: [
            FactSpec("screening.eligible", summary: "a physician signed a screening decision that allows ketamine", establishedBy: "screening sign"),
            FactSpec("screening.ineligible", summary: "a physician signed a screening decision that rules ketamine out", establishedBy: "screening sign",
                     isStep: false),
        ],
        settings: [
            SettingSpec(auditWomen, .integer(1...12, unit: "points"), summary: "AUDIT-C score from which a woman screens positive"),
            SettingSpec(auditMen, .integer(1...12, unit: "points"), summary: "AUDIT-C score from which a man screens positive"),
        ] + Decision.settings,
        records: [
            RecordSpec("fiqr", summary: "a Revised Fibromyalgia Impact Questionnaire, scored", fields: [
                RecordField("total", "the FIQR total, 0–100 (higher is worse)"),
            ]),
        ],
        uses: ModuleUses(records: [Checklist.intake]))
        // What its own commands record; the questionnaires given as data (phq9 …) join it under theirs.
        .recording([acrKind, "fiqr", "checklist", "decision", "signed", "acknowledged"])

    /// Its own commands that its facts and alerts name.
    enum Commands {
        static let decide = CommandReference("screening", "decide")
        static let sign = CommandReference("screening", "sign")
        static let checklist = CommandReference("screening", "checklist")
        static let acknowledge = CommandReference("screening", "acknowledge")
    }

    /// The instruments given as data whose responses screening weighs (their record kinds and
    /// titles): the shipped files phq9.json, gad7.json, dast10.json and auditc.json.
    static let instruments = [("phq9", "PHQ-9"), ("gad7", "GAD-7"), ("dast10", "DAST-10"), ("auditc", "AUDIT-C")]

    /// Read by auditc.json's cut-off for the patient's sex [§7.2, S108, S109].
    static let auditWomen = "screening.audit_c_positive_women"
    static let auditMen = "screening.audit_c_positive_men"

    public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "acr": return try acr(invocation, in: context)
        case "show": return try show(in: context)
        case "fiqr": return try fiqr(invocation, in: context)
        case "checklist": return try checklist(invocation, in: context)
        case "decide": return try decide(in: context)
        case "sign": return try sign(in: context)
        case "acknowledge": return try acknowledge(invocation, in: context)
        default: throw CommandError("screening has no command '\(invocation.verb)'", hint: "type help screening")
        }
    }

    public func facts(from record: any RecordReader) throws -> [Fact] {
        let decisions = try record.records(module: "screening", kind: "decision")
        let signatures = try record.records(module: "screening", kind: "signed")
        guard let decision = decisions.last else {
            let why = "no screening decision for \(record.patient.mrn)"
            return [.missing("screening.eligible", why, remedy: Commands.decide), .missing("screening.ineligible", why, remedy: Commands.decide)]
        }
        // The latest decision rules; until a physician signs it, neither fact holds.
        guard let signed = signatures.last(where: { $0.payload["decision"]?.intValue == Int(decision.id) }) else {
            let why = "decision #\(decision.id) (\(decision.payload["text"]?.stringValue ?? "")) awaits a physician's signature"
            return [.missing("screening.eligible", why, remedy: Commands.sign), .missing("screening.ineligible", why, remedy: Commands.sign)]
        }
        // A decision holds only while the intake it took its answers from still says so: an intake
        // corrected or recorded again that now reports what the checklist answered "no" to (a
        // pregnancy, a comorbidity) voids it.
        if let checklistID = decision.payload["based_on"]?["checklist"]?.intValue,
           let checklist = try record.records(module: "screening", kind: "checklist").first(where: { $0.id == Int64(checklistID) }) {
            let now = Checklist.prefill(from: try record.latest(Checklist.intake))
            let changed = now.filter { $0.value == .bool(true) && checklist.payload[$0.key] == .bool(false) }.keys.sorted()
            if !changed.isEmpty {
                let why = "decision #\(decision.id) no longer holds: the intake now reports \(changed.joined(separator: ", ")), which its checklist answered no; take the checklist again (screening checklist), decide and sign"
                return [.missing("screening.eligible", why, remedy: Commands.checklist), .missing("screening.ineligible", why, remedy: Commands.checklist)]
            }
        }
        let by = signed.payload["signature"]?["by"]?.stringValue ?? signed.staff
        let when = ClinicTime.format(signed.effectiveAt, calendar: record.calendar)
        let all = decision.payload["reasons"]?.arrayValue ?? []
        let reasons = all.compactMap { $0["text"]?.stringValue }
        if decision.payload["outcome"]?.stringValue == Decision.Outcome.notEligible.rawValue {
            // What rules ketamine out, not the precautions beside it.
            let excluding = all.filter { $0["excludes"]?.boolValue == true }.compactMap { $0["text"]?.stringValue }.joined(separator: "; ")
            return [.missing("screening.eligible", "not eligible: \(excluding)"),
                    .present("screening.ineligible", "signed by \(by) \(when): \(excluding)", asOf: signed.effectiveAt, basis: [decision.id, signed.id])]
        }
        let precautions = reasons.isEmpty ? "" : "; precautions: " + reasons.joined(separator: "; ")
        return [.present("screening.eligible", "signed by \(by) \(when)\(precautions)", asOf: signed.effectiveAt, basis: [decision.id, signed.id]),
                .missing("screening.ineligible", "the signed decision allows ketamine")]
    }

    /// A PHQ-9 with item 9 above 0 not yet acknowledged: it needs a clinician the same day [§6.5, S101].
    public func alerts(from record: any RecordReader) throws -> [StandingAlert] {
        try Self.unacknowledged(in: record).map { phq9 in
            StandingAlert("PHQ-9 #\(phq9.id) item 9 is \(phq9.payload["q9_score"]?.intValue ?? 0): thoughts of death or self-harm; a clinician must assess the patient",
                          since: phq9.effectiveAt, acknowledgedBy: "screening acknowledge NOTE", naming: Commands.acknowledge)
        }
    }

    /// PHQ-9s with item 9 above 0 and no acknowledgement after them.
    static func unacknowledged(in record: any RecordReader) throws -> [StoredRecord] {
        let all = try record.records(module: "screening", kind: nil, visitOnly: false)
        let acknowledged = Set(all.filter { $0.kind == "acknowledged" }.compactMap { $0.payload["phq9"]?.intValue })
        return all.filter { $0.kind == "phq9" && $0.payload["item9_alert"]?.boolValue == true && !acknowledged.contains(Int($0.id)) }
    }

    /// The physician's assessment of each PHQ-9 with item 9 above 0: the latest acknowledgement of
    /// it by a physician, by the PHQ-9's id.
    static func assessments(in record: any RecordReader) throws -> [Int64: StoredRecord] {
        var out: [Int64: StoredRecord] = [:]
        for ack in try record.records(module: "screening", kind: "acknowledged", visitOnly: false) where ack.payload["by_physician"]?.boolValue == true {
            if let id = ack.payload["phq9"]?.intValue { out[Int64(id)] = ack }
        }
        return out
    }

    /// A clinician acknowledges the alert; a physician's acknowledgement is also the assessment the
    /// screening decision waits for, and a physician may add it after a nurse acknowledged.
    private func acknowledge(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let isPhysician = context.staff.roles.contains(.physician)
        var open = try Self.unacknowledged(in: context)
        if isPhysician {
            let assessed = try Self.assessments(in: context)
            let all = try context.records(module: "screening", kind: "phq9", visitOnly: false)
            open += all.filter { $0.payload["item9_alert"]?.boolValue == true && assessed[$0.id] == nil && !open.contains($0) }
            open.sort { $0.id < $1.id }
        }
        guard !open.isEmpty else {
            throw CommandError("no PHQ-9 item 9 alert stands on \(context.patient.mrn)" + (isPhysician ? " and none awaits a physician's assessment" : ""),
                               hint: "nothing to acknowledge")
        }
        var out = CommandOutput()
        for phq9 in open {
            let stored = try context.append(RecordDraft(kind: "acknowledged", payload: [
                "phq9": .int(Int(phq9.id)), "note": invocation["note"] ?? .string(""), "by_physician": .bool(isPhysician),
            ]))
            out.line("acknowledged the PHQ-9 #\(phq9.id) item 9 alert (#\(stored.id)) by \(context.staff.username)"
                     + (isPhysician ? ": a physician's assessment, which screening decide takes" : "; screening decide still waits for a physician's assessment (a physician types screening acknowledge NOTE)"))
        }
        return out
    }

    public func prefill(_ verb: String, from record: any RecordReader) throws -> [String: Value] {
        guard verb == "checklist" else { return [:] }
        return Checklist.prefill(from: try record.latest(Checklist.intake))
    }


    static let acrKind = "acr2016"

    private func acr(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        func level(_ name: String) -> Int { Int(invocation[name]?.stringValue ?? "") ?? 0 }
        let answers = ACR2016.Answers(
            painfulAreas: Set(invocation["areas"]?.stringArray ?? []),
            fatigue: level("fatigue"), wakingUnrefreshed: level("waking"), cognitive: level("cognitive"),
            headaches: invocation["headaches"]?.boolValue ?? false, lowerAbdominal: invocation["abdominal"]?.boolValue ?? false,
            depression: invocation["depression"]?.boolValue ?? false, durationMonths: invocation["duration_months"]?.intValue ?? 0)
        let result = ACR2016.score(answers)
        let payload: Value = [
            "areas": .array(ACR2016.areas.filter { answers.painfulAreas.contains($0.id) }.map { .string($0.id) }),
            "fatigue": .int(answers.fatigue), "waking": .int(answers.wakingUnrefreshed), "cognitive": .int(answers.cognitive),
            "headaches": .bool(answers.headaches), "abdominal": .bool(answers.lowerAbdominal), "depression": .bool(answers.depression),
            "duration_months": .int(answers.durationMonths),
            "wpi": .int(result.wpi), "regions": .int(result.regionsWithPain), "sss": .int(result.sss), "fs": .int(result.fs),
            "met": .bool(result.met), "rule": .array(result.rule.map(Value.string)),
        ]
        let stored = try context.append(RecordDraft(kind: Self.acrKind, payload: payload))
        var out = CommandOutput()
        out.line("recorded ACR 2016 #\(stored.id) · " + Self.summary(result))
        for part in result.rule { out.line("  " + part) }
        return out
    }

    private func fiqr(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let result: FIQR.Result
        do { result = try FIQR.score(invocation.values) } catch {
            guard case .domainUnanswered(let domain) = error else { throw error }
            throw CommandError("FIQR: no \(domain) item is answered, so the questionnaire cannot be scored",
                               hint: "answer at least one item of each domain")
        }
        var payload: [String: Value] = [
            "function": .double(result.function), "overall": .double(result.overall), "symptoms": .double(result.symptoms),
            "total": .double(result.total), "skipped": .array(result.skipped.map(Value.string)),
        ]
        for domain in FIQR.domains {
            for item in domain.items { payload[item.field] = invocation[item.field] ?? .string(FIQR.skip) }
        }
        let stored = try context.append(RecordDraft(kind: "fiqr", payload: .object(payload)))
        var out = CommandOutput()
        out.line("recorded FIQR #\(stored.id) · " + Self.fiqrSummary(result))
        if !result.skipped.isEmpty {
            out.line("  \(result.skipped.count) item\(result.skipped.count == 1 ? "" : "s") not answered (\(result.skipped.joined(separator: ", "))): their domains are scaled from the items answered")
        }
        return out
    }

    private func checklist(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        // An answer the record contradicts is refused until the record is corrected: the
        // checklist and the intake must not disagree about a contraindication.
        let says = Checklist.recordSays(from: try context.latest(Checklist.intake))
        for item in Checklist.items {
            guard let given = invocation[item.field]?.boolValue, let recorded = says[item.field], recorded.value.boolValue != given else { continue }
            throw CommandError("\(item.field)=\(given ? "yes" : "no") (\(item.wording)) contradicts the record: \(recorded.why)",
                               hint: "if the intake is wrong, correct it first (amend ENTRY FIELD=… --reason …); otherwise answer \(item.field)=\(recorded.value.boolValue == true ? "yes" : "no")")
        }
        var payload: [String: Value] = [:]
        for field in Checklist.fields.map(\.name) { payload[field] = invocation[field] ?? .null }
        let stored = try context.append(RecordDraft(kind: "checklist", payload: .object(payload)))
        let yes = Checklist.items.filter { invocation[$0.field]?.boolValue == true }
        let found = yes.map { ($0.contraindication ? "contraindication: " : "precaution: ") + $0.wording }
        var out = CommandOutput()
        out.line("recorded checklist #\(stored.id) · BP \(invocation["sbp"]?.intValue ?? 0)/\(invocation["dbp"]?.intValue ?? 0) · "
            + (found.isEmpty ? "no contraindication or precaution" : found.joined(separator: "; ")))
        return out
    }

    private func decide(in context: any ModuleContext) throws -> CommandOutput {
        var latest: [String: StoredRecord] = [:]
        for kind in Decision.required { latest[kind] = try context.latest(module: "screening", kind: kind) }
        let missing = Decision.required.filter { latest[$0] == nil }
        guard missing.isEmpty else {
            throw CommandError("screening decide needs \(missing.joined(separator: ", ")) first",
                               hint: "type " + missing.compactMap { Decision.commands[$0] }.joined(separator: ", then "))
        }
        let reasons = try Decision.reasons(latest, assessments: try Self.assessments(in: context), settings: context.clinicProtocol)
        let outcome = Decision.outcome(reasons)
        let basis = Value.object(Dictionary(uniqueKeysWithValues: latest.map { ($0.key, Value.int(Int($0.value.id))) }))
        let stored = try context.append(RecordDraft(kind: "decision", payload: [
            "outcome": .string(outcome.rawValue), "text": .string(outcome.text), "reasons": .array(reasons.map(\.value)), "based_on": basis,
        ]))
        var out = CommandOutput()
        out.line("decision #\(stored.id): \(outcome.text)" + (reasons.isEmpty ? "" : ", because:"))
        for r in reasons { out.line("  \(r.excludes ? "✘" : "!") \(r.text)  [\(r.source)]") }
        out.line("a physician signs it with: screening sign")
        return out
    }

    private func sign(in context: any ModuleContext) throws -> CommandOutput {
        guard let decision = try context.latest(module: "screening", kind: "decision") else {
            throw CommandError("there is no screening decision to sign", hint: "type screening decide first")
        }
        if try context.records(module: "screening", kind: "signed").contains(where: { $0.payload["decision"]?.intValue == Int(decision.id) }) {
            throw CommandError("decision #\(decision.id) is already signed", hint: "type screening decide for a new decision")
        }
        // An instrument taken after the decision makes it stale.
        let all = try context.records(module: "screening", kind: nil, visitOnly: false)
        if let newer = all.last(where: { $0.id > decision.id && Decision.required.contains($0.kind) }) {
            throw CommandError("\(newer.kind) #\(newer.id) was recorded after decision #\(decision.id)", hint: "type screening decide again, then sign")
        }
        let text = decision.payload["text"]?.stringValue ?? ""
        let signature = try context.sign(meaning: "approves the screening decision: \(text)")
        let stored = try context.append(RecordDraft(kind: "signed", payload: [
            "decision": .int(Int(decision.id)), "outcome": decision.payload["outcome"] ?? .null, "signature": signature.value,
        ]))
        return .lines("signed #\(stored.id): decision #\(decision.id), \(text), by \(signature.username) (\(signature.meaning))")
    }

    /// `54.3/100 (function 20.0/30, overall 12.0/20, symptoms 22.3/50)`
    static func fiqrSummary(_ r: FIQR.Result) -> String {
        func f(_ x: Double) -> String { FieldSpec.format(x) }
        return "\(f(r.total))/100 (function \(f(r.function))/30, overall \(f(r.overall))/20, symptoms \(f(r.symptoms))/50)"
    }

    /// `WPI 9/19 (4 of 5 regions) · SSS 8/12 · FS 17 (moderate) · criteria met`
    static func summary(_ r: ACR2016.Result) -> String {
        "WPI \(r.wpi)/19 (\(r.regionsWithPain) of 5 regions) · SSS \(r.sss)/12 · FS \(r.fs) (\(ACR2016.fsBand(r.fs))) · criteria \(r.met ? "met" : "not met")"
    }

    private func show(in context: any ModuleContext) throws -> CommandOutput {
        let all = try context.records(module: "screening", kind: Self.acrKind)
        var out = CommandOutput()
        var rows: [[String]] = []
        for (kind, title) in [("fiqr", "FIQR")] + Self.instruments {
            let taken = try context.records(module: "screening", kind: kind)
            guard let latest = taken.last else { continue }
            func total(_ r: StoredRecord) -> String { r.payload["total"]?.doubleValue.map { FieldSpec.format($0) } ?? "-" }
            let earlier = taken.dropLast().suffix(3).map { r in
                "\(total(r)) on \(ClinicTime.format(r.effectiveAt, calendar: context.calendar).prefix(10))"
            }
            let verdict = latest.payload["band"]?.stringValue
                ?? latest.payload["positive"]?.boolValue.map { $0 ? "positive" : "negative" } ?? "of 100"
            rows.append([title, "\(total(latest)) \(verdict)", ClinicTime.format(latest.effectiveAt, calendar: context.calendar),
                         earlier.isEmpty ? "-" : earlier.joined(separator: "; ")])
        }
        guard !all.isEmpty || !rows.isEmpty else { return .lines("no screening recorded for \(context.patient.mrn); type screening acr") }
        if !rows.isEmpty {
            out.line("questionnaires, latest beside the earlier ones")
            out.table(["instrument", "latest", "taken", "earlier"], rows)
        }
        guard !all.isEmpty else { return out }
        out.line("ACR 2016 criteria, newest last")
        out.table(["date", "WPI", "regions", "SSS", "FS", "criteria", "by"], all.map { r in
            let p = r.payload
            func n(_ k: String) -> String { p[k]?.intValue.map(String.init) ?? "-" }
            return [ClinicTime.format(r.effectiveAt, calendar: context.calendar), n("wpi"), n("regions"), n("sss"),
                    n("fs") + (p["fs"]?.intValue.map { " (\(ACR2016.fsBand($0)))" } ?? ""),
                    p["met"]?.boolValue == true ? "met" : "not met", r.staff]
        })
        return out
    }
}

extension ScreeningModule {
    /// Screening's entries on the visit's timeline: scores and decisions, not every answer.
    public func summary(of entry: StoredRecord) -> EntrySummary? {
        let p = entry.payload
        switch entry.kind {
        case Self.acrKind:
            return EntrySummary("ACR 2016: WPI \(p["wpi"]?.intValue ?? 0)/19 · SSS \(p["sss"]?.intValue ?? 0)/12 · criteria \(p["met"]?.boolValue == true ? "met" : "not met")")
        case "fiqr":
            return EntrySummary("FIQR \(FieldSpec.format(p["total"]?.doubleValue ?? 0))/100")
        case let kind where Self.instruments.contains { $0.0 == kind }:
            let title = Self.instruments.first { $0.0 == kind }?.1 ?? kind
            return EntrySummary("\(title) \(p["total"]?.intValue ?? 0) (\(p["band"]?.stringValue ?? (p["positive"]?.boolValue == true ? "positive" : "negative")))" + (p["item9_alert"]?.boolValue == true ? " · item 9 alert" : ""))
        case "checklist":
            let yes = Checklist.items.filter { p[$0.field]?.boolValue == true }.map(\.field)
            return EntrySummary("checklist: BP \(p["sbp"]?.intValue ?? 0)/\(p["dbp"]?.intValue ?? 0)" + (yes.isEmpty ? ", nothing found" : " · " + yes.joined(separator: ", ")))
        case "decision": return EntrySummary("screening decision: \(p["text"]?.stringValue ?? "?")")
        case "signed": return EntrySummary("screening decision #\(p["decision"]?.intValue ?? 0) signed: \(p["outcome"]?.stringValue ?? "?")")
        case "acknowledged": return EntrySummary("PHQ-9 #\(p["phq9"]?.intValue ?? 0) item 9 alert acknowledged: \(p["note"]?.stringValue ?? "")")
        default: return nil
        }
    }
}

/// What the module offers beyond its commands and facts; the methods are in this module's files.
extension ScreeningModule: PrefillingModule, AlertingModule, SummarizingModule, FHIRExportingModule {}
