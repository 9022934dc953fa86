import ClinicKit

/// `screening decide`: eligible, eligible with precautions, or not eligible, from the latest of each
/// instrument and the checklist, with every reason and where it came from.
enum Decision {
    enum Outcome: String {
        case eligible, withPrecautions = "eligible-with-precautions", notEligible = "not-eligible"
        var text: String {
            switch self {
            case .eligible: return "eligible"
            case .withPrecautions: return "eligible with precautions"
            case .notEligible: return "not eligible"
            }
        }
    }

    /// The instruments a decision needs, in the order they are asked.
    static let required = ["acr2016", "phq9", "gad7", "dast10", "auditc", "checklist"]
    static let commands = ["acr2016": "screening acr", "phq9": "screening phq9", "gad7": "screening gad7", "dast10": "screening dast10",
                           "auditc": "screening auditc", "checklist": "screening checklist"]

    struct Reason {
        var text: String
        var source: String
        var excludes: Bool
        var value: Value { ["text": .string(text), "source": .string(source), "excludes": .bool(excludes)] }
    }

    static let bpSystolic = "screening.bp_limit_systolic"
    static let bpDiastolic = "screening.bp_limit_diastolic"
    static let pregnancyExcludes = "screening.pregnancy_excludes"
    static let dastFrom = "screening.dast10_precaution_from"
    static let phq9From = "screening.phq9_precaution_from"

    static let settings = [
        SettingSpec(bpSystolic, .integer(100...250, unit: "mmHg"), summary: "systolic pressure at screening from which cardiovascular disease counts as poorly controlled"),
        SettingSpec(bpDiastolic, .integer(60...150, unit: "mmHg"), summary: "diastolic pressure at screening from which cardiovascular disease counts as poorly controlled"),
        SettingSpec(pregnancyExcludes, .yesNo, summary: "whether pregnancy or breastfeeding rules ketamine out"),
        SettingSpec(dastFrom, .integer(1...10, unit: "points"), summary: "DAST-10 score from which drug use is a precaution"),
        SettingSpec(phq9From, .integer(1...27, unit: "points"), summary: "PHQ-9 score from which depression is a precaution (psychiatric review)"),
    ]

    /// The reasons, from the latest record of each required instrument.
    /// - Parameter assessments: the physician's assessment of each PHQ-9 with item 9 above 0, by
    ///   the PHQ-9's id (`screening acknowledge` by a physician).
    static func reasons(_ latest: [String: StoredRecord], assessments: [Int64: StoredRecord] = [:], settings: ClinicProtocol) throws -> [Reason] {
        var reasons: [Reason] = []
        func source(_ kind: String, _ detail: String) -> String { "\(kind) #\(latest[kind]?.id ?? 0) \(detail)" }
        if let acr = latest["acr2016"]?.payload, acr["met"]?.boolValue != true {
            reasons.append(Reason(text: "the ACR 2016 fibromyalgia criteria are not met", source: source("acr2016", (acr["rule"]?.stringArray ?? []).joined(separator: "; ")), excludes: true))
        }
        if let checklist = latest["checklist"]?.payload {
            for item in Checklist.items where checklist[item.field]?.boolValue == true {
                if item.field == "pregnancy", !(try settings.yesNo(pregnancyExcludes)) {
                    reasons.append(Reason(text: item.wording, source: source("checklist", "pregnancy; the protocol does not exclude it"), excludes: false))
                    continue
                }
                reasons.append(Reason(text: item.wording, source: source("checklist", item.field), excludes: item.contraindication))
            }
            let sbp = checklist["sbp"]?.intValue ?? 0, dbp = checklist["dbp"]?.intValue ?? 0
            let sLimit = try settings.integer(bpSystolic), dLimit = try settings.integer(bpDiastolic)
            if sbp >= sLimit || dbp >= dLimit {
                reasons.append(Reason(text: "blood pressure \(sbp)/\(dbp) mmHg at or above the protocol's limit \(sLimit)/\(dLimit)",
                                      source: source("checklist", "sbp, dbp"), excludes: true))
            }
        }
        if let phq9 = latest["phq9"]?.payload {
            if let item9 = phq9["q9_score"]?.intValue, item9 > 0 {
                // Any answer above 0 on item 9 needs a clinician the same day [§6.5, S101]; here a
                // physician's documented assessment, which then stands among the reasons (the
                // answer itself is never re-entered to get past it).
                if let id = latest["phq9"]?.id, let assessment = assessments[id] {
                    reasons.append(Reason(text: "PHQ-9 item 9 is \(item9): assessed by \(assessment.staff): \(assessment.payload["note"]?.stringValue ?? "")",
                                          source: "acknowledged #\(assessment.id) of phq9 #\(id)", excludes: false))
                } else {
                    reasons.append(Reason(text: "PHQ-9 item 9 is \(item9): thoughts of death or self-harm need a physician's assessment first (a physician types screening acknowledge NOTE)",
                                          source: source("phq9", "item 9"), excludes: true))
                }
            }
            if let total = phq9["total"]?.intValue, total >= (try settings.integer(phq9From)) {
                reasons.append(Reason(text: "PHQ-9 \(total) (\(phq9["band"]?.stringValue ?? "")): psychiatric review", source: source("phq9", "total"), excludes: false))
            }
        }
        if let dast = latest["dast10"]?.payload, let total = dast["total"]?.intValue, total >= (try settings.integer(dastFrom)) {
            reasons.append(Reason(text: "DAST-10 \(total) (\(dast["band"]?.stringValue ?? "")): drug use to watch", source: source("dast10", "total"), excludes: false))
        }
        if let audit = latest["auditc"]?.payload, audit["positive"]?.boolValue == true {
            reasons.append(Reason(text: "AUDIT-C \(audit["total"]?.intValue ?? 0) is positive: alcohol use to watch", source: source("auditc", "total"), excludes: false))
        }
        return reasons
    }

    static func outcome(_ reasons: [Reason]) -> Outcome {
        reasons.contains(where: \.excludes) ? .notEligible : reasons.isEmpty ? .eligible : .withPrecautions
    }
}
