import ClinicKit

/// The 2016 revision of the ACR fibromyalgia diagnostic criteria (Wolfe et al., Semin Arthritis Rheum
/// 2016): the Widespread Pain Index, the Symptom Severity Scale, generalized pain and duration.
/// Every number here is the published definition, cited where it enters (REFERENCE.md §1, sources
/// S1–S9), not a clinic setting.
enum ACR2016 {
    /// A painful area of the Widespread Pain Index and the region it belongs to.
    struct Area {
        var id: String
        var label: String
        var region: Int
        /// Jaw, chest and abdomen count for the WPI but not for generalized pain [S1, S3].
        var countsForGeneralizedPain: Bool
    }

    /// The 19 WPI areas in 5 regions, 4 + 4 + 3 + 3 + 5 (2016 layout) [REFERENCE §1.1, S1, S2].
    static let areas: [Area] = [
        Area(id: "jaw-left", label: "jaw, left", region: 1, countsForGeneralizedPain: false),
        Area(id: "shoulder-left", label: "shoulder girdle, left", region: 1, countsForGeneralizedPain: true),
        Area(id: "upper-arm-left", label: "upper arm, left", region: 1, countsForGeneralizedPain: true),
        Area(id: "lower-arm-left", label: "lower arm, left", region: 1, countsForGeneralizedPain: true),
        Area(id: "jaw-right", label: "jaw, right", region: 2, countsForGeneralizedPain: false),
        Area(id: "shoulder-right", label: "shoulder girdle, right", region: 2, countsForGeneralizedPain: true),
        Area(id: "upper-arm-right", label: "upper arm, right", region: 2, countsForGeneralizedPain: true),
        Area(id: "lower-arm-right", label: "lower arm, right", region: 2, countsForGeneralizedPain: true),
        Area(id: "hip-left", label: "hip (buttock, trochanter), left", region: 3, countsForGeneralizedPain: true),
        Area(id: "upper-leg-left", label: "upper leg, left", region: 3, countsForGeneralizedPain: true),
        Area(id: "lower-leg-left", label: "lower leg, left", region: 3, countsForGeneralizedPain: true),
        Area(id: "hip-right", label: "hip (buttock, trochanter), right", region: 4, countsForGeneralizedPain: true),
        Area(id: "upper-leg-right", label: "upper leg, right", region: 4, countsForGeneralizedPain: true),
        Area(id: "lower-leg-right", label: "lower leg, right", region: 4, countsForGeneralizedPain: true),
        Area(id: "neck", label: "neck", region: 5, countsForGeneralizedPain: true),
        Area(id: "upper-back", label: "upper back", region: 5, countsForGeneralizedPain: true),
        Area(id: "lower-back", label: "lower back", region: 5, countsForGeneralizedPain: true),
        Area(id: "chest", label: "chest", region: 5, countsForGeneralizedPain: false),
        Area(id: "abdomen", label: "abdomen", region: 5, countsForGeneralizedPain: false),
    ]

    static let regionNames = [1: "left upper", 2: "right upper", 3: "left lower", 4: "right lower", 5: "axial"]

    /// The answers, as the command takes them.
    struct Answers: Equatable {
        var painfulAreas: Set<String>
        /// 0–3 each, for the past week [§1.2, S1, S4].
        var fatigue: Int
        var wakingUnrefreshed: Int
        var cognitive: Int
        /// Yes/no each, for the previous 6 months (2016) [§1.2, S1, S3, S4].
        var headaches: Bool
        var lowerAbdominal: Bool
        var depression: Bool
        /// How long symptoms have been generally present.
        var durationMonths: Int
    }

    struct Result: Equatable {
        var wpi: Int
        var regionsWithPain: Int
        var sss: Int
        var fs: Int
        var met: Bool
        /// Each part of the rule, with whether it held: what decided the result.
        var rule: [String]
    }

    static func score(_ a: Answers) -> Result {
        let painful = areas.filter { a.painfulAreas.contains($0.id) }
        let wpi = painful.count
        let regions = Set(painful.filter(\.countsForGeneralizedPain).map(\.region)).count
        let sss = a.fatigue + a.wakingUnrefreshed + a.cognitive + (a.headaches ? 1 : 0) + (a.lowerAbdominal ? 1 : 0) + (a.depression ? 1 : 0)
        // WPI ≥ 7 and SSS ≥ 5, or WPI 4–6 and SSS ≥ 9 (2016: 4–6, not 3–6) [§1.3, S1, S6].
        let severe = wpi >= 7 && sss >= 5
        let moderate = (4...6).contains(wpi) && sss >= 9
        let severity = severe || moderate
        // Generalized pain: at least 4 of the 5 regions, jaw, chest and abdomen excluded [§1.3, S1].
        let generalized = regions >= 4
        // Symptoms generally present for at least 3 months [§1.3, S1, S6].
        let duration = a.durationMonths >= 3
        var rule: [String] = []
        rule.append(severe ? "WPI \(wpi) ≥ 7 and SSS \(sss) ≥ 5: met"
            : moderate ? "WPI \(wpi) in 4–6 and SSS \(sss) ≥ 9: met"
            : "WPI \(wpi) and SSS \(sss): neither WPI ≥ 7 with SSS ≥ 5 nor WPI 4–6 with SSS ≥ 9")
        rule.append("generalized pain: \(regions) of 5 regions \(generalized ? "≥ 4: met" : "< 4: not met") (jaw, chest and abdomen do not count)")
        rule.append("duration: \(a.durationMonths) month\(a.durationMonths == 1 ? "" : "s") \(duration ? "≥ 3: met" : "< 3: not met")")
        return Result(wpi: wpi, regionsWithPain: regions, sss: sss, fs: wpi + sss, met: severity && generalized && duration, rule: rule)
    }

    /// Polysymptomatic distress (FS) bands from an Italian cohort of 2 339 [§1.4, S9]: shown beside
    /// the number; neither FS ≥ 12 nor ≥ 13 is a diagnostic cut-off [§1.4, S7, S8].
    static func fsBand(_ fs: Int) -> String {
        switch fs {
        case ...5: return "remission"
        case 6...15: return "mild"
        case 16...20: return "moderate"
        case 21...25: return "severe"
        default: return "very severe"
        }
    }
}
