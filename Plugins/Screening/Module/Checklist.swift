import ClinicKit

/// The contraindications and precautions checked before ketamine is offered, after the 2018
/// consensus guidelines on ketamine for chronic pain (Cohen et al.) [REFERENCE.md §3.2, S22, S23].
enum Checklist {
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
            FieldSpec("sbp", .integer(50...300), help: "systolic blood pressure at screening, mmHg"),
            FieldSpec("dbp", .integer(20...200), help: "diastolic blood pressure at screening, mmHg"),
        ]
    }

    /// What the intake already says: a comorbidity the patient does not have is a "no"; a
    /// respiratory disease or substance use the patient has is a precaution. Whether a condition is
    /// poorly controlled or severe stays for the clinician to answer.
    static func prefill(from intake: StoredRecord?) -> [String: Value] {
        guard let p = intake?.payload else { return [:] }
        var out: [String: Value] = [:]
        if let comorbidities = p["comorbidities"]?.stringArray {
            let has = Set(comorbidities)
            if !has.contains("cardiovascular") { out["cardiovascular"] = false }
            if !has.contains("psychiatric") { out["psychosis"] = false }
            if !has.contains("hepatic") { out["hepatic_severe"] = false; out["hepatic_moderate"] = false }
            if !has.contains("substance-use") { out["substance_active"] = false }
            out["substance_history"] = .bool(has.contains("substance-use"))
            out["respiratory"] = .bool(has.contains("respiratory"))
        }
        switch p["pregnancy"]?.stringValue {
        case "no": out["pregnancy"] = false
        case "pregnant", "breastfeeding": out["pregnancy"] = true
        default: break  // "possible" or not asked: the clinician answers
        }
        return out
    }
}
