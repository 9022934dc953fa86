import ClinicKit
import ClinicKitFHIR
import Foundation

/// Consent: the patient's consent to ketamine treatment, to a named version of the clinic's consent
/// text, signed electronically by the member of staff who took it (and an optional witness), and
/// withdrawable at any time.
public final class ConsentModule: ClinicModule {
    public init() {}

    static let text = "consent.text"
    static let validity = "consent.validity_months"

    public let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "consent", version: "0.1.0", summary: "the patient's consent to ketamine treatment", order: 30),
        commands: [
            CommandSpec("show", summary: "the current consent text, with its version, to read with the patient", roles: Role.clinical),
            CommandSpec("sign", summary: "record the patient's consent to the current text (asks your password again)",
                        fields: [
                            FieldSpec("version", .text(maxLength: 40), required: false,
                                      help: "the version of the text the patient read (consent show gives it); the current one if left out"),
                            FieldSpec("witness", .text(maxLength: 32), required: false, help: "a member of staff who witnessed it and signs too"),
                        ],
                        roles: Role.clinical, requires: ["screening.eligible"], needsPatient: true, needsVisit: true,
                        discussion: "Consent is taken once a physician has signed a screening that allows ketamine."),
            CommandSpec("withdraw", summary: "the patient withdraws their consent, at once",
                        fields: [FieldSpec("reason", .text(maxLength: 500), required: false, help: "what the patient said, if anything", positional: true, identifying: true)],
                        roles: Role.clinical, needsPatient: true),
        ],
        facts: [
            FactSpec("consent.signed", summary: "consent to the current text, within its validity, not withdrawn", establishedBy: "consent sign"),
        ],
        settings: [
            SettingSpec(text, .document, summary: "the consent text the patient reads and signs"),
            SettingSpec(validity, .integer(1...60, unit: "months"), summary: "how long a signed consent stays valid"),
        ])

    public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "show": return try show(in: context)
        case "sign": return try sign(invocation, in: context)
        case "withdraw": return try withdraw(invocation, in: context)
        default: throw CommandError("consent has no command '\(invocation.verb)'", hint: "type help consent")
        }
    }

    private func show(in context: any ModuleContext) throws -> CommandOutput {
        let document = try context.clinicProtocol.document(Self.text)
        var out = CommandOutput()
        out.line("consent text, version \(document.version) (fingerprint \(document.sha256.prefix(12)))")
        out.line("")
        for line in document.text.split(separator: "\n", omittingEmptySubsequences: false) { out.line(String(line)) }
        return out
    }

    private func sign(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let document = try context.clinicProtocol.document(Self.text)
        if let version = invocation["version"]?.stringValue, version != document.version {
            throw CommandError("the current consent text is version \(document.version), not \(version)",
                               hint: "show the patient the current text (consent show) and sign that")
        }
        if let active = try Self.standing(in: context).inForce {
            throw CommandError("consent #\(active.id) to version \(document.version) is already signed and in force",
                               hint: "withdraw it first if the patient consents again")
        }
        let meaning = "took the patient's consent to ketamine treatment, consent text version \(document.version)"
        let signature = try context.sign(meaning: meaning)
        var payload: [String: Value] = ["version": .string(document.version), "sha256": .string(document.sha256), "signature": signature.value]
        if let witness = invocation["witness"]?.stringValue {
            payload["witness"] = try context.witness(witness, meaning: "witnessed the patient's consent, text version \(document.version)").value
        }
        let stored = try context.append(RecordDraft(kind: "signed", payload: .object(payload)))
        let months = try context.clinicProtocol.integer(Self.validity)
        return .lines("consent #\(stored.id) signed: version \(document.version), taken by \(signature.username)"
            + (invocation["witness"] == nil ? "" : ", witnessed by \(invocation["witness"]?.stringValue ?? "")")
            + "; valid \(months) months unless withdrawn")
    }

    private func withdraw(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let standing = try Self.standing(in: context)
        guard let active = standing.inForce else {
            let why: String
            switch standing {
            case .none(let w), .notInForce(_, let w): why = w
            case .inForce: why = ""
            }
            throw CommandError("\(context.patient.mrn) has no consent in force to withdraw: \(why)", hint: "see consent status with status")
        }
        let stored = try context.append(RecordDraft(kind: "withdrawn", payload: [
            "consent": .int(Int(active.id)), "reason": invocation["reason"] ?? .string(""),
        ]))
        return .lines("consent #\(active.id) withdrawn (#\(stored.id)) at once; no dose may be given on it: stop any infusion running now")
    }

    /// Where the patient's consent stands: the one definition of a consent in force, which
    /// `consent sign`, `consent withdraw` and the `consent.signed` fact all use. A consent is in
    /// force when it is the latest signed, not withdrawn, to the current text, and within its
    /// validity.
    enum Standing {
        case none(String)
        case notInForce(StoredRecord, String)
        case inForce(StoredRecord, detail: String)

        var inForce: StoredRecord? { if case .inForce(let r, _) = self { return r } else { return nil } }
    }

    static func standing(in record: any RecordReader) throws -> Standing {
        let all = try record.records(module: "consent", kind: nil, visitOnly: false)
        guard let last = all.last(where: { $0.kind == "signed" }) else {
            return .none("no consent signed by \(record.patient.mrn)")
        }
        if let withdrawal = all.last(where: { $0.kind == "withdrawn" && $0.payload["consent"]?.intValue == Int(last.id) }) {
            return .notInForce(last, "consent #\(last.id) was withdrawn \(ClinicTime.format(withdrawal.effectiveAt, calendar: record.calendar))")
        }
        let document = try record.clinicProtocol.document(Self.text)
        let version = last.payload["version"]?.stringValue ?? "?"
        guard last.payload["sha256"]?.stringValue == document.sha256 else {
            return .notInForce(last, "consent #\(last.id) is to text version \(version); the current text is version \(document.version)")
        }
        let months = try record.clinicProtocol.integer(Self.validity)
        guard let expires = record.calendar.date(byAdding: .month, value: months, to: last.effectiveAt) else {
            return .notInForce(last, "consent #\(last.id) has a date the calendar cannot read")
        }
        let expiry = ClinicTime.format(expires, calendar: record.calendar)
        guard record.now < expires else {
            return .notInForce(last, "consent #\(last.id) expired \(expiry) (valid \(months) months)")
        }
        return .inForce(last, detail: "version \(version), signed \(ClinicTime.format(last.effectiveAt, calendar: record.calendar)) by \(last.staff), valid until \(expiry)")
    }

    public func facts(from record: any RecordReader) throws -> [Fact] {
        switch try Self.standing(in: record) {
        case .none(let why), .notInForce(_, let why): return [.missing("consent.signed", why)]
        case .inForce(let last, let detail): return [.present("consent.signed", detail, asOf: last.effectiveAt, basis: [last.id])]
        }
    }
}

extension ConsentModule {
    /// Consent's entries on the visit's timeline.
    public func summary(of entry: StoredRecord) -> EntrySummary? {
        let p = entry.payload
        switch entry.kind {
        case "signed":
            let witness = p["witness"]?["by"]?.stringValue.map { ", witnessed by \($0)" } ?? ""
            return EntrySummary("consent signed to text version \(p["version"]?.stringValue ?? "?")\(witness)")
        case "withdrawn":
            return EntrySummary("consent #\(p["consent"]?.intValue ?? 0) withdrawn" + (p["reason"]?.stringValue.map { ": \($0)" } ?? ""))
        default: return nil
        }
    }
}

extension ConsentModule {
    /// Each signed consent as a FHIR Consent (scope treatment): active while in force; inactive once
    /// withdrawn, replaced by a later consent or past its validity. The signed text's version and
    /// SHA-256 are in its source, the withdrawal and its reason as a second category; who took, witnessed and
    /// withdrew it is in the host's Provenance.
    public func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        let all = try record.records(module: "consent", kind: nil, visitOnly: false)
        let months = try record.clinicProtocol.integer(Self.validity)
        let signed = all.filter { $0.kind == "signed" }
        return signed.map { entry in
            let p = entry.payload
            let version = p["version"]?.stringValue ?? "?"
            let withdrawal = all.first { $0.kind == "withdrawn" && $0.payload["consent"]?.intValue == Int(entry.id) }
            let replaced = signed.contains { $0.id > entry.id }
            let expires = record.calendar.date(byAdding: .month, value: months, to: entry.effectiveAt)
            var end = expires
            if let withdrawal, expires.map({ withdrawal.effectiveAt < $0 }) ?? true { end = withdrawal.effectiveAt }
            let inForce = withdrawal == nil && !replaced && (expires.map { record.now < $0 } ?? false)
            var period: [String: Value] = ["start": .string(FHIRExport.instant(entry.effectiveAt))]
            if let end { period["end"] = .string(FHIRExport.instant(end)) }
            var consent: [String: Value] = [
                "resourceType": "Consent", "id": .string("consent-\(entry.id)"), "status": .string(inForce ? "active" : "inactive"),
                "scope": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment", "display": "Treatment"]]],
                "category": [FHIRExport.text("consent to ketamine treatment")],
                "patient": ["reference": .string(FHIRExport.patient)], "performer": [["reference": .string(FHIRExport.patient)]],
                "dateTime": .string(FHIRExport.instant(entry.effectiveAt)),
                "sourceAttachment": ["contentType": "text/plain; charset=utf-8",
                                     "title": .string("the clinic's consent to ketamine treatment, text version \(version), SHA-256 \(p["sha256"]?.stringValue ?? "?")")],
                "policyRule": FHIRExport.text("the clinic's consent to ketamine treatment, text version \(version), valid \(months) months unless withdrawn"),
                "provision": ["type": "permit", "period": .object(period)],
            ]
            if let withdrawal {
                // R4's Consent has no element for why it ended: the withdrawal is named as a second category.
                let reason = withdrawal.payload["reason"]?.stringValue ?? ""
                consent["category"] = [FHIRExport.text("consent to ketamine treatment"), FHIRExport.text("withdrawn" + (reason.isEmpty ? "" : ": " + reason))]
            }
            return FHIRResource(.object(consent), from: [entry] + (withdrawal.map { [$0] } ?? []))
        }
    }
}

/// What the module offers beyond its commands and facts; the methods are in this module's files.
extension ConsentModule: SummarizingModule, FHIRExportingModule {}
