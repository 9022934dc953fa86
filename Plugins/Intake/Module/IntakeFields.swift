import ClinicKit
import Foundation

/// The intake form: its fields, and how an invocation becomes a stored payload.
enum IntakeFields {
    static let recordKind = "intake"

    // Entry ranges are plausibility limits for adult data entry, to catch typing and unit errors
    // (72 typed as 720, lb typed as kg). They are not clinical thresholds: those live in the protocol.
    static let weight = FieldSpec("weight", .quantity(units: [.kilogram, .pound], range: 20...350),
                                  help: "body weight today, with its unit (72kg or 158lb)", sample: "72kg")
    static let height = FieldSpec("height", .quantity(units: [.centimetre, .inch], range: 100...250),
                                  help: "height, with its unit (165cm or 65in)", sample: "165cm")

    static let symptomChoices = [
        Choice("widespread-pain", "widespread pain", aliases: ["pain"]),
        Choice("tender-points", "tender points", aliases: ["tender"]),
        Choice("fatigue", "fatigue"),
        Choice("sleep", "sleep disturbance, waking unrefreshed", aliases: ["sleep-disturbance"]),
        Choice("fibro-fog", "cognitive difficulty ('fibro fog')", aliases: ["cognitive", "fog"]),
        Choice("headaches", "headaches", aliases: ["headache"]),
        Choice("ibs", "irritable-bowel symptoms", aliases: ["irritable-bowel"]),
        Choice("morning-stiffness", "morning stiffness", aliases: ["stiffness"]),
    ]

    static let onsetChoices = [
        Choice("physical-trauma", "physical trauma (injury, surgery)", aliases: ["trauma", "injury"]),
        Choice("infection", "an infection or illness"),
        Choice("emotional-stress", "emotional stress or trauma", aliases: ["stress"]),
        Choice("family-history", "family history of fibromyalgia", aliases: ["family"]),
    ]

    static let outcomeChoices = [
        Choice("helped", "helped"),
        Choice("partial", "helped partly"),
        Choice("no-effect", "no effect", aliases: ["none", "no"]),
        Choice("not-tolerated", "stopped for side effects", aliases: ["side-effects", "intolerant"]),
    ]

    static let comorbidityChoices = [
        Choice("cardiovascular", "cardiovascular disease (hypertension, heart disease)", aliases: ["cardiac", "heart"]),
        Choice("respiratory", "respiratory disease (asthma, COPD, sleep apnoea)", aliases: ["lung"]),
        Choice("hepatic", "liver disease", aliases: ["liver"]),
        Choice("psychiatric", "psychiatric illness", aliases: ["psych"]),
        Choice("substance-use", "substance use disorder, current or past", aliases: ["substance"]),
    ]

    static let pregnancyChoices = [
        Choice("no", "not pregnant, not breastfeeding"),
        Choice("pregnant", "pregnant"),
        Choice("breastfeeding", "breastfeeding"),
        Choice("possible", "may be pregnant: a test is needed", aliases: ["unsure", "unknown"]),
    ]

    static let all: [FieldSpec] = [
        weight,
        height,
        FieldSpec("allergies", .list(maxItems: 20), help: "drug and other allergies with the reaction, or none"),
        FieldSpec("medications", .list(maxItems: 40), help: "current medications with dose, or none"),
        FieldSpec("diagnosed", .date(partial: true, notInFuture: true), required: false,
                  help: "when fibromyalgia was diagnosed; leave out if it has not been"),
        FieldSpec("pain_months", .integer(0...1200), help: "how long the pain has lasted, in months"),
        FieldSpec("symptoms", .choices(symptomChoices), help: "the symptoms the patient has now"),
        FieldSpec("onset", .choices(onsetChoices), help: "what the patient links the onset to, or none"),
        FieldSpec("treatments", .outcomes(outcomeChoices),
                  help: "earlier treatments and how they went: medications, CBT, physical therapy, exercise programmes"),
        FieldSpec("comorbidities", .choices(comorbidityChoices), help: "other conditions, or none"),
        FieldSpec("comorbidity_notes", .text(maxLength: 500), required: false,
                  help: "details of the comorbidities (diagnoses, how well controlled)", identifying: true),
        FieldSpec("pregnancy", .choice(pregnancyChoices), help: "pregnancy or breastfeeding",
                  appliesTo: [.female, .unspecified]),
        FieldSpec("escort", .yesNo, help: "an adult can take the patient home after an infusion"),
    ]

    /// An intake ready to store, with what to tell the nurse about it.
    struct Intake {
        var payload: Value
        /// `71.7 kg (158 lb) · 165.0 cm · BMI 26.3`
        var summary: String
        var warnings: [String]
    }

    static func payload(from invocation: Invocation, patient: PatientInfo, ageInMonths: Int?) throws -> Intake {
        guard let w = invocation["weight"].flatMap({ Quantity($0, units: [.kilogram, .pound]) }),
              let h = invocation["height"].flatMap({ Quantity($0, units: [.centimetre, .inch]) })
        else { throw CommandError("intake record needs weight and height", hint: "type e.g. weight=72kg height=165cm") }

        let kg = w.value(in: .kilogram)
        let cm = h.value(in: .centimetre)
        let bmi = kg / ((cm / 100) * (cm / 100))
        var summary = ["\(oneDecimal(kg)) kg" + (w.unit == .kilogram ? "" : " (\(FieldSpec.format(w.value)) \(w.unit.symbol))"),
                       "\(oneDecimal(cm)) cm" + (h.unit == .centimetre ? "" : " (\(FieldSpec.format(h.value)) \(h.unit.symbol))")]
        summary.append("BMI \(oneDecimal(bmi))")

        if let diagnosed = invocation["diagnosed"]?.stringValue,
           let year = Int(diagnosed.prefix(4)), let born = Int(patient.dateOfBirth.prefix(4)), year < born {
            throw CommandError("diagnosed \(diagnosed) is before the patient was born (\(patient.dateOfBirth))", hint: "check the year")
        }
        if let months = invocation["pain_months"]?.intValue, let ageInMonths, months > ageInMonths {
            throw CommandError("pain_months \(months) is longer than the patient's life (\(ageInMonths) months)", hint: "give the duration in months")
        }

        var members = invocation.values
        members["weight_kg"] = .double(round2(kg))
        members["height_cm"] = .double(round2(cm))
        members["bmi"] = .double((bmi * 10).rounded() / 10)
        if members["pregnancy"] == nil { members["pregnancy"] = .string("not-applicable") }

        var warnings: [String] = []
        if invocation["escort"]?.boolValue == false {
            // A responsible adult must take the patient home (REFERENCE.md 3.11: S41, S59, S60).
            warnings.append("no escort: the patient cannot go home alone after an infusion; arrange one before the infusion day")
        }
        if let p = invocation["pregnancy"]?.stringValue, p != "no" {
            warnings.append("pregnancy: \(p); screening must review this before any dose")
        }
        return Intake(payload: .object(members), summary: summary.joined(separator: " · "), warnings: warnings)
    }

    /// The stored intake as rows of a two-column table, in the form's order.
    static func describe(_ payload: Value) -> [[String]] {
        var rows: [[String]] = []
        if let kg = payload["weight_kg"]?.doubleValue { rows.append(["weight", "\(oneDecimal(kg)) kg" + entered(payload["weight"], base: "kg")]) }
        if let cm = payload["height_cm"]?.doubleValue { rows.append(["height", "\(oneDecimal(cm)) cm" + entered(payload["height"], base: "cm")]) }
        if let bmi = payload["bmi"]?.doubleValue { rows.append(["BMI", oneDecimal(bmi)]) }
        for field in all where field.name != "weight" && field.name != "height" {
            guard let v = payload[field.name] else { continue }
            rows.append([field.name.replacingOccurrences(of: "_", with: " "), text(v)])
        }
        return rows
    }

    private static func entered(_ v: Value?, base: String) -> String {
        guard let v, let unit = v["unit"]?.stringValue, unit != base, let n = v["value"]?.doubleValue else { return "" }
        return " (entered \(FieldSpec.format(n)) \(unit))"
    }

    private static func text(_ v: Value) -> String {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        case .int(let i): return String(i)
        case .double(let d): return FieldSpec.format(d)
        case .array(let items):
            if items.isEmpty { return "none" }
            return items.map { item in
                if let name = item["item"]?.stringValue, let outcome = item["outcome"]?.stringValue { return "\(name): \(outcome)" }
                return text(item)
            }.joined(separator: ", ")
        default: return v.canonicalJSON
        }
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    static func oneDecimal(_ x: Double) -> String {
        let tenths = Int((abs(x) * 10).rounded())
        return (x < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }
}
