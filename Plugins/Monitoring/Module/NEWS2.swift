/// The National Early Warning Score 2 (Royal College of Physicians, 2017): seven parameters scored
/// 0–3 and added up, and the response band of the total [REFERENCE.md 4.1, S62; 4.2, S66, S63].
enum NEWS2 {
    /// The SpO2 scale. Scale 2 is only for hypercapnic (type 2) respiratory failure with a
    /// prescribed target of 88–92 %; everyone else is on scale 1 [4.1, S63, S64].
    enum Scale: Int, Sendable {
        case one = 1, two = 2
    }

    /// The response band [4.2, S66, S63]. A single parameter scoring 3 is its own band
    /// (low–medium) below 5–6 and ≥ 7.
    enum Band: String, Sendable {
        case none = "routine"
        case low = "low"
        case lowMedium = "low-medium: 3 in one parameter"
        case medium = "medium: urgent review"
        case high = "high: emergency assessment"
    }

    struct Score: Sendable, Equatable {
        /// Points per parameter scored, by parameter (`rr`, `spo2`, `o2`, `sbp`, `hr`, `avpu`, `temp`).
        var points: [String: Int]
        /// Parameters not taken: the total is then a lower bound.
        var missing: [String]
        var total: Int { points.values.reduce(0, +) }
        var hasSingleThree: Bool { points.values.contains(3) }
        var isPartial: Bool { !missing.isEmpty }

        var band: Band {
            if total >= 7 { return .high }
            if total >= 5 { return .medium }
            if hasSingleThree { return .lowMedium }
            return total >= 1 ? .low : .none
        }

        /// `NEWS2 1 (low)`, or `NEWS2 ≥ 1 (low; no temp, avpu)` when parameters are missing.
        var text: String {
            let missingText = missing.isEmpty ? "" : "; without \(missing.joined(separator: ", "))"
            return "NEWS2 \(isPartial ? "≥ " : "")\(total) (\(band.rawValue)\(missingText))"
        }
    }

    /// The parameters, in the order of the published chart.
    static let parameters = ["rr", "spo2", "o2", "sbp", "hr", "avpu", "temp"]

    static func score(_ v: Vitals, scale: Scale) -> Score {
        var points: [String: Int] = [:]
        if let rr = v.rr { points["rr"] = respiration(rr) }
        if let spo2 = v.spo2 { points["spo2"] = scale == .one ? saturationScale1(spo2) : saturationScale2(spo2, onOxygen: v.onOxygen) }
        points["o2"] = v.onOxygen ? 2 : 0
        if let sbp = v.sbp { points["sbp"] = systolic(sbp) }
        if let hr = v.hr { points["hr"] = pulse(hr) }
        if let avpu = v.avpu { points["avpu"] = avpu == "A" ? 0 : 3 }
        if let temp = v.temp { points["temp"] = temperature(temp) }
        return Score(points: points, missing: parameters.filter { points[$0] == nil })
    }

    /// Respiration rate: ≤ 8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥ 25 → 3.
    static func respiration(_ rr: Int) -> Int {
        switch rr {
        case ...8: return 3
        case 9...11: return 1
        case 12...20: return 0
        case 21...24: return 2
        default: return 3
        }
    }

    /// SpO2 scale 1: ≤ 91 → 3, 92–93 → 2, 94–95 → 1, ≥ 96 → 0.
    static func saturationScale1(_ spo2: Int) -> Int {
        switch spo2 {
        case ...91: return 3
        case 92...93: return 2
        case 94...95: return 1
        default: return 0
        }
    }

    /// SpO2 scale 2: ≤ 83 → 3, 84–85 → 2, 86–87 → 1, 88–92 (or ≥ 93 on air) → 0; on oxygen 93–94 → 1,
    /// 95–96 → 2, ≥ 97 → 3.
    static func saturationScale2(_ spo2: Int, onOxygen: Bool) -> Int {
        switch spo2 {
        case ...83: return 3
        case 84...85: return 2
        case 86...87: return 1
        case 88...92: return 0
        default:
            guard onOxygen else { return 0 }
            switch spo2 {
            case 93...94: return 1
            case 95...96: return 2
            default: return 3
            }
        }
    }

    /// Systolic blood pressure: ≤ 90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥ 220 → 3.
    static func systolic(_ sbp: Int) -> Int {
        switch sbp {
        case ...90: return 3
        case 91...100: return 2
        case 101...110: return 1
        case 111...219: return 0
        default: return 3
        }
    }

    /// Pulse: ≤ 40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥ 131 → 3.
    static func pulse(_ hr: Int) -> Int {
        switch hr {
        case ...40: return 3
        case 41...50: return 1
        case 51...90: return 0
        case 91...110: return 1
        case 111...130: return 2
        default: return 3
        }
    }

    /// Temperature, read to 0.1 °C as the chart is: ≤ 35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0,
    /// 38.1–39.0 → 1, ≥ 39.1 → 2.
    static func temperature(_ celsius: Double) -> Int {
        let tenths = Int((celsius * 10).rounded())
        switch tenths {
        case ...350: return 3
        case 351...360: return 1
        case 361...380: return 0
        case 381...390: return 1
        default: return 2
        }
    }
}
