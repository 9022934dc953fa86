import ClinicKit

/// The contraindications and precautions checked before ketamine is offered, after the 2018
/// consensus guidelines on ketamine for chronic pain (Cohen et al.) [REFERENCE.md §3.2, S22, S23].
enum Checklist {
    /// The intake form, whose answers the checklist takes (intake publishes these fields).
    static let intake = RecordReference("intake", "intake", fields: ["comorbidities", "allergies"])

    struct Item {
        var field: String
        var wording: String
        /// A contraindication rules ketamine out; a precaution allows it with care.
        var contraindication: Bool
        var appliesTo: Set<Sex>? = nil
    }

    static let items: [Item] = [
        Item(field: "cardiovascular", wording: "poorly controlled cardiovascular disease", contraindication: true),
        Item(field: "psychosis", wording: "poorly controlled psychosis or psychiatric instability", contraindication: true),
        Item(field: "hepatic_severe", wording: "severe hepatic dysfunction", contraindication: true),
        Item(field: "intracranial", wording: "raised intracranial or intraocular pressure", contraindication: true),
        Item(field: "substance_active", wording: "active substance misuse", contraindication: true),
        // Not confirmed as a guideline contraindication; many protocols exclude it [§3.2, S25–S27]:
        // whether it does here is the protocol's screening.pregnancy_excludes.
        Item(field: "pregnancy", wording: "pregnant or breastfeeding", contraindication: true, appliesTo: [.female, .unspecified]),
        Item(field: "allergy", wording: "known allergy to ketamine", contraindication: true),
        Item(field: "hepatic_moderate", wording: "moderate hepatic disease (give with monitoring)", contraindication: false),
        Item(field: "substance_history", wording: "a history of substance misuse", contraindication: false),
        Item(field: "urinary", wording: "urinary symptoms (frequency, urgency, pain, blood)", contraindication: false),
        Item(field: "respiratory", wording: "respiratory disease", contraindication: false),
    ]

    static var fields: [FieldSpec] {
        items.map { FieldSpec($0.field, .yesNo, help: $0.wording, appliesTo: $0.appliesTo) } + [
            FieldSpec("sbp", .integer(50...300), help: "systolic blood pressure at screening, mmHg", sample: "128"),
            FieldSpec("dbp", .integer(20...200), help: "diastolic blood pressure at screening, mmHg", sample: "80"),
        ]
    }

    /// What the intake already says: a comorbidity the patient does not have is a "no"; a
    /// respiratory disease or substance use the patient has is a precaution; an allergy to ketamine
    /// listed is a contraindication, and allergies listed without it answer "no". Whether a
    /// condition is poorly controlled or severe stays for the clinician to answer.
    static func prefill(from intake: StoredRecord?) -> [String: Value] {
        recordSays(from: intake).mapValues(\.value)
    }

    /// Each checklist answer the intake gives, with what in the intake says so
    /// (`intake #12: allergies ketamine (rash)`).
    static func recordSays(from intake: StoredRecord?) -> [String: (value: Value, why: String)] {
        guard let intake else { return [:] }
        let p = intake.payload
        var out: [String: (value: Value, why: String)] = [:]
        if let comorbidities = p["comorbidities"]?.stringArray {
            let has = Set(comorbidities)
            let why = "intake #\(intake.id): comorbidities \(comorbidities.isEmpty ? "none" : comorbidities.joined(separator: ", "))"
            if !has.contains("cardiovascular") { out["cardiovascular"] = (false, why) }
            if !has.contains("psychiatric") { out["psychosis"] = (false, why) }
            if !has.contains("hepatic") { out["hepatic_severe"] = (false, why); out["hepatic_moderate"] = (false, why) }
            if !has.contains("substance-use") { out["substance_active"] = (false, why) }
            out["substance_history"] = (.bool(has.contains("substance-use")), why)
            out["respiratory"] = (.bool(has.contains("respiratory")), why)
        }
        if let allergies = p["allergies"]?.stringArray {
            let listed = allergies.filter { !["none", "nkda", "no", "nil"].contains($0.lowercased().trimmingCharacters(in: .whitespaces)) }
            let ketamine = listed.filter { a in ketamineNames.contains { a.lowercased().contains($0) } }
            let why = "intake #\(intake.id): allergies \(listed.isEmpty ? "none" : (ketamine.isEmpty ? listed : ketamine).joined(separator: ", "))"
            out["allergy"] = (.bool(!ketamine.isEmpty), why)
        }
        switch p["pregnancy"]?.stringValue {
        case "no": out["pregnancy"] = (false, "intake #\(intake.id): pregnancy no")
        case let state? where state == "pregnant" || state == "breastfeeding": out["pregnancy"] = (true, "intake #\(intake.id): \(state)")
        default: break  // "possible" or not asked: the clinician answers
        }
        return out
    }

    /// Names under which ketamine is given (racemic ketamine, esketamine, their brands).
    static let ketamineNames = ["ketamin", "ketalar", "esketamin", "spravato", "ketanest"]
}
