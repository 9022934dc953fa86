import ClinicKit
import Foundation

// The builders modules write FHIR R4 resources with, which the host's bundle ties together. A
// static module of the SDK package beside ClinicKit: plain functions of `Value`, linked into each
// binary that uses them, so that they can grow without touching ClinicKit's binary interface.

/// One answered item of a questionnaire, for ``FHIRExport/questionnaire(_:title:response:entry:items:)``.
public struct FHIRItem: Sendable, Equatable {
    /// The item's id within the instrument (`q1`).
    public var linkId: String
    /// The question as the instrument words it, or the score it is (`total`).
    public var text: String
    /// The answer: a number, a yes or no, text, a list of those, or `.null` when it was skipped.
    public var answer: Value
    /// The FHIR item type (`integer`, `decimal`, `boolean`, `string`); by default the answer's.
    public var type: String

    /// An item answered `answer`.
    public init(_ linkId: String, _ text: String, _ answer: Value, type: String? = nil) {
        self.linkId = linkId
        self.text = text
        self.answer = answer
        self.type = type ?? Self.type(of: answer)
    }

    static func type(of answer: Value) -> String {
        switch answer {
        case .int: "integer"
        case .double: "decimal"
        case .bool: "boolean"
        case .array(let values): values.first.map(type(of:)) ?? "string"
        default: "string"
        }
    }

    var answers: [Value] {
        let values: [Value] = if case .array(let list) = answer { list } else { [answer] }
        return values.compactMap { value -> Value? in
            switch value {
            // A number as the item's type says, where it can be: 5 of a decimal item is 5.0, and
            // 5.0 of an integer item is 5 (4.5 stays a decimal rather than being cut).
            case .int(let i): type == "decimal" ? ["valueDecimal": .double(Double(i))] : ["valueInteger": .int(i)]
            case .double(let d): type == "integer" ? value.intValue.map { ["valueInteger": .int($0)] } ?? ["valueDecimal": .double(d)] : ["valueDecimal": .double(d)]
            case .bool(let b): ["valueBoolean": .bool(b)]
            case .string(let s): ["valueString": .string(s)]
            default: nil
            }
        }
    }
}

/// What modules need to write FHIR R4 resources that the host's bundle ties together.
public enum FHIRExport {
    /// The reference to the exported patient.
    public static let patient = "Patient/patient"

    /// The reference to a visit's Encounter.
    public static func encounter(_ visitID: Int64) -> String { "Encounter/visit-\(visitID)" }

    /// A reference to the Practitioner of a staff member, by sign-in name; the host adds the
    /// Practitioner to the bundle.
    public static func practitioner(_ username: String) -> Value {
        ["reference": .string("Practitioner/" + practitionerID(username)), "display": .string(username)]
    }

    /// The id of a staff member's Practitioner: `staff-nora`. A FHIR id allows letters, digits,
    /// `-` and `.` only, so a name with `_` has it replaced and a hash of the name appended, which
    /// keeps `a_b` and `a-b` apart.
    public static func practitionerID(_ username: String) -> String {
        guard username.contains("_") else { return "staff-" + username }
        var hash: UInt32 = 2_166_136_261  // FNV-1a, 32 bits
        for byte in username.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash, radix: 16)
        return "staff-" + username.replacingOccurrences(of: "_", with: "-") + "-" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// `2026-11-24T09:02:00Z`: an instant as FHIR writes it.
    public static func instant(_ date: Date) -> String {
        // As a signature's time is written (`2026-11-24T09:02:00Z`): whole seconds, UTC.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func padded(_ n: Int?, _ width: Int) -> String {
            let digits = String(n ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(c.year, 4))-\(padded(c.month, 2))-\(padded(c.day, 2))T\(padded(c.hour, 2)):\(padded(c.minute, 2)):\(padded(c.second, 2))Z"
    }

    /// A LOINC coding in a CodeableConcept.
    public static func loinc(_ code: String, _ display: String) -> Value {
        ["coding": [["system": "http://loinc.org", "code": .string(code), "display": .string(display)]], "text": .string(display)]
    }

    /// A concept with no code, only its name: for what the reference gives no confirmed code.
    public static func text(_ text: String) -> Value { ["text": .string(text)] }

    /// A UCUM quantity (`kg`, `cm`, `kg/m2`, `mm[Hg]`, `/min`, `%`, `Cel`, `mg`, `mL/h`).
    public static func quantity(_ value: Double, _ ucum: String, unit: String? = nil) -> Value {
        ["value": .double(value), "unit": .string(unit ?? ucum), "system": "http://unitsofmeasure.org", "code": .string(ucum)]
    }

    /// A questionnaire's score, as the UCUM annotation `{score}`.
    public static func score(_ value: Double) -> Value { quantity(value, "{score}", unit: "score") }

    /// The vital-signs Observation category.
    public static let vitalSigns: Value = category("vital-signs", "Vital Signs")

    /// The survey Observation category, for what a questionnaire scores.
    public static let survey: Value = category("survey", "Survey")

    private static func category(_ code: String, _ display: String) -> Value {
        [["coding": [["system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": .string(code), "display": .string(display)]]]]
    }

    /// A final Observation of the patient at `entry`'s time and visit, coded with LOINC.
    public static func observation(id: String, entry: StoredRecord, loinc code: String, _ display: String, value: Value?,
                                   category: Value? = vitalSigns) -> Value {
        observation(id: id, entry: entry, code: loinc(code, display), value: value, category: category)
    }

    /// A final Observation of the patient at `entry`'s time and visit, with `code` a
    /// CodeableConcept (``loinc(_:_:)``, or ``text(_:)`` where no code is confirmed), `value` a
    /// Quantity (nil for none: a panel of components, or another kind of value the caller sets)
    /// and `category` nil for none.
    public static func observation(id: String, entry: StoredRecord, code: Value, value: Value?, category: Value? = vitalSigns) -> Value {
        var o: [String: Value] = ["resourceType": "Observation", "id": .string(id), "status": "final",
                                  "code": code, "subject": ["reference": .string(patient)],
                                  "effectiveDateTime": .string(instant(entry.effectiveAt))]
        if let value { o["valueQuantity"] = value }
        if let category { o["category"] = category }
        if let visit = entry.visitID { o["encounter"] = ["reference": .string(encounter(visit))] }
        return .object(o)
    }

    /// An instrument's answers at `entry`: a QuestionnaireResponse with id `response`, and the
    /// Questionnaire it answers (`questionnaire-INSTRUMENT`, its items the answered ones, its url
    /// `urn:clinic:questionnaire:INSTRUMENT`), which the host writes once however many responses
    /// refer to it.
    public static func questionnaire(_ instrument: String, title: String, response: String, entry: StoredRecord,
                                     items: [FHIRItem]) -> [FHIRResource] {
        let url = "urn:clinic:questionnaire:" + instrument
        let definition: Value = [
            "resourceType": "Questionnaire", "id": .string("questionnaire-" + instrument), "url": .string(url),
            "title": .string(title), "status": "active", "subjectType": ["Patient"],
            "item": .array(items.map { item in
                var i: [String: Value] = ["linkId": .string(item.linkId), "text": .string(item.text), "type": .string(item.type)]
                if case .array = item.answer { i["repeats"] = true }
                return .object(i)
            }),
        ]
        var answered: [String: Value] = [
            "resourceType": "QuestionnaireResponse", "id": .string(response), "questionnaire": .string(url), "status": "completed",
            "subject": ["reference": .string(patient)], "authored": .string(instant(entry.effectiveAt)),
            "author": practitioner(entry.staff),
            "item": .array(items.map { item in
                var i: [String: Value] = ["linkId": .string(item.linkId), "text": .string(item.text)]
                let answers = item.answers
                if !answers.isEmpty { i["answer"] = .array(answers) }
                return .object(i)
            }),
        ]
        if let visit = entry.visitID { answered["encounter"] = ["reference": .string(encounter(visit))] }
        return [FHIRResource(definition, from: []), FHIRResource(.object(answered), from: [entry])]
    }
}
