import ClinicKit

/// A criterion crossed: a stop criterion pauses the infusion until a physician resumes it; an
/// alert criterion only alerts. Both stand on the patient until a clinician acknowledges them.
struct Crossing: Sendable, Equatable {
    enum Level: String, Sendable {
        case stop, alert
    }

    var level: Level
    /// What was crossed, with the value and the limit (`systolic 184 > 180`).
    var text: String
    /// The protocol setting that holds the limit.
    var key: String

    var payload: Value { ["level": .string(level.rawValue), "text": .string(text), "setting": .string(key)] }

    init(_ level: Level, _ text: String, _ key: String) {
        (self.level, self.text, self.key) = (level, text, key)
    }

    init?(_ value: Value) {
        guard let level = value["level"]?.stringValue.flatMap(Level.init(rawValue:)), let text = value["text"]?.stringValue else { return nil }
        self.init(level, text, value["setting"]?.stringValue ?? "")
    }

    /// `systolic 184 > 180: stop criterion (monitoring.stop_sbp_above)`
    var line: String { "\(text): \(level == .stop ? "stop" : "alert") criterion (\(key))" }
}

/// The clinic protocol's stop and alert criteria for vital signs, sedation, dissociation and
/// adverse events. No guideline gives a stop rule for ketamine infusions in chronic pain
/// (REFERENCE.md 4.3, 9 item 4): every limit is a protocol setting, and its default's source —
/// emergency-department ketamine protocols, the Aldrete and PADSS scales, NEWS2 — is in the
/// protocol file. Limits are strict: `stop_sbp_above 180` stops at 181, not at 180.
struct Criteria: Sendable {
    var stopSBPAbove: Int
    var stopSBPBelow: Int
    var stopHRAbove: Int
    var stopHRBelow: Int
    var stopRRAbove: Int
    var stopRRBelow: Int
    var stopSpO2Below: Int
    var stopSBPRisePercent: Int
    var alertSBPRisePercent: Int
    var alertSpO2Below: Int
    var alertNEWS2AtLeast: Int
    var alertNEWS2SingleThree: Bool
    var alertRASSAtMost: Int
    var alertRASSAtLeast: Int
    var alertMOAASAtMost: Int
    var alertCADSSAtLeast: Int
    var pauseOnSevereEvent: Bool

    static let settings: [SettingSpec] = [
        SettingSpec("monitoring.stop_sbp_above", .integer(100...260, unit: "mmHg"), summary: "stop: systolic blood pressure above this"),
        SettingSpec("monitoring.stop_sbp_below", .integer(60...120, unit: "mmHg"), summary: "stop: systolic blood pressure below this"),
        SettingSpec("monitoring.stop_hr_above", .integer(100...220, unit: "/min"), summary: "stop: heart rate above this"),
        SettingSpec("monitoring.stop_hr_below", .integer(30...70, unit: "/min"), summary: "stop: heart rate below this"),
        SettingSpec("monitoring.stop_rr_above", .integer(20...60, unit: "/min"), summary: "stop: respiration rate above this"),
        SettingSpec("monitoring.stop_rr_below", .integer(4...14, unit: "/min"), summary: "stop: respiration rate below this"),
        SettingSpec("monitoring.stop_spo2_below", .integer(80...96, unit: "%"), summary: "stop: SpO2 below this"),
        SettingSpec("monitoring.stop_sbp_rise_percent", .integer(10...100, unit: "%"), summary: "stop: systolic risen from baseline by more than this"),
        SettingSpec("monitoring.alert_sbp_rise_percent", .integer(5...100, unit: "%"), summary: "alert: systolic risen from baseline by more than this"),
        SettingSpec("monitoring.alert_spo2_below", .integer(80...98, unit: "%"), summary: "alert: SpO2 below this"),
        SettingSpec("monitoring.alert_news2_at_least", .integer(1...20, unit: "points"), summary: "alert: a NEWS2 total of this or more"),
        SettingSpec("monitoring.alert_news2_single_three", .yesNo, summary: "alert: any one NEWS2 parameter scoring 3"),
        SettingSpec("monitoring.alert_rass_at_most", .integer(-5...0, unit: "points"), summary: "alert: RASS at or below this (sedation)"),
        SettingSpec("monitoring.alert_rass_at_least", .integer(0...4, unit: "points"), summary: "alert: RASS at or above this (agitation)"),
        SettingSpec("monitoring.alert_moaas_at_most", .integer(0...5, unit: "points"), summary: "alert: MOAA/S (0–5) at or below this"),
        SettingSpec("monitoring.alert_cadss_at_least", .integer(1...92, unit: "points"), summary: "alert: CADSS (23 items, 0–92) at or above this"),
        SettingSpec("monitoring.pause_on_severe_event", .yesNo, summary: "a severe adverse event pauses the infusion like a stop criterion"),
    ]

    init(_ p: ClinicProtocol) throws {
        stopSBPAbove = try p.integer("monitoring.stop_sbp_above")
        stopSBPBelow = try p.integer("monitoring.stop_sbp_below")
        stopHRAbove = try p.integer("monitoring.stop_hr_above")
        stopHRBelow = try p.integer("monitoring.stop_hr_below")
        stopRRAbove = try p.integer("monitoring.stop_rr_above")
        stopRRBelow = try p.integer("monitoring.stop_rr_below")
        stopSpO2Below = try p.integer("monitoring.stop_spo2_below")
        stopSBPRisePercent = try p.integer("monitoring.stop_sbp_rise_percent")
        alertSBPRisePercent = try p.integer("monitoring.alert_sbp_rise_percent")
        alertSpO2Below = try p.integer("monitoring.alert_spo2_below")
        alertNEWS2AtLeast = try p.integer("monitoring.alert_news2_at_least")
        alertNEWS2SingleThree = try p.yesNo("monitoring.alert_news2_single_three")
        alertRASSAtMost = try p.integer("monitoring.alert_rass_at_most")
        alertRASSAtLeast = try p.integer("monitoring.alert_rass_at_least")
        alertMOAASAtMost = try p.integer("monitoring.alert_moaas_at_most")
        alertCADSSAtLeast = try p.integer("monitoring.alert_cadss_at_least")
        pauseOnSevereEvent = try p.yesNo("monitoring.pause_on_severe_event")
    }

    /// Settings that contradict each other.
    static func problems(_ p: ClinicProtocol) -> [String] {
        guard let c = try? Criteria(p) else { return [] }
        var out: [String] = []
        func order(_ low: Int, _ lowKey: String, _ high: Int, _ highKey: String) {
            if low >= high { out.append("monitoring.\(lowKey) \(low) must be below monitoring.\(highKey) \(high)") }
        }
        order(c.stopSBPBelow, "stop_sbp_below", c.stopSBPAbove, "stop_sbp_above")
        order(c.stopHRBelow, "stop_hr_below", c.stopHRAbove, "stop_hr_above")
        order(c.stopRRBelow, "stop_rr_below", c.stopRRAbove, "stop_rr_above")
        order(c.alertSBPRisePercent, "alert_sbp_rise_percent", c.stopSBPRisePercent, "stop_sbp_rise_percent")
        if c.stopSpO2Below > c.alertSpO2Below {
            out.append("monitoring.stop_spo2_below \(c.stopSpO2Below) is above monitoring.alert_spo2_below \(c.alertSpO2Below): the alert would never come first")
        }
        return out
    }

    /// The criteria a set of vital signs crosses. Against the baseline too when there is one (a
    /// baseline itself is checked only against the absolute limits). Where a stop and an alert
    /// criterion measure the same thing, only the stop is reported.
    func check(_ v: Vitals, baseline: Vitals?, news2: NEWS2.Score) -> [Crossing] {
        var out: [Crossing] = []
        if let sbp = v.sbp {
            if sbp > stopSBPAbove { out.append(Crossing(.stop, "systolic \(sbp) > \(stopSBPAbove)", "monitoring.stop_sbp_above")) }
            if sbp < stopSBPBelow { out.append(Crossing(.stop, "systolic \(sbp) < \(stopSBPBelow)", "monitoring.stop_sbp_below")) }
            // A rise by more than P % of baseline B: sbp × 100 > B × (100 + P), in whole numbers.
            if let base = baseline?.sbp, base > 0 {
                let rise = "systolic \(sbp) is \(Self.percent(sbp, from: base)) from baseline \(base)"
                if sbp * 100 > base * (100 + stopSBPRisePercent) {
                    out.append(Crossing(.stop, "\(rise) (> +\(stopSBPRisePercent) %)", "monitoring.stop_sbp_rise_percent"))
                } else if sbp * 100 > base * (100 + alertSBPRisePercent) {
                    out.append(Crossing(.alert, "\(rise) (> +\(alertSBPRisePercent) %)", "monitoring.alert_sbp_rise_percent"))
                }
            }
        }
        if let hr = v.hr {
            if hr > stopHRAbove { out.append(Crossing(.stop, "heart rate \(hr) > \(stopHRAbove)", "monitoring.stop_hr_above")) }
            if hr < stopHRBelow { out.append(Crossing(.stop, "heart rate \(hr) < \(stopHRBelow)", "monitoring.stop_hr_below")) }
        }
        if let rr = v.rr {
            if rr > stopRRAbove { out.append(Crossing(.stop, "respiration rate \(rr) > \(stopRRAbove)", "monitoring.stop_rr_above")) }
            if rr < stopRRBelow { out.append(Crossing(.stop, "respiration rate \(rr) < \(stopRRBelow)", "monitoring.stop_rr_below")) }
        }
        if let spo2 = v.spo2 {
            if spo2 < stopSpO2Below {
                out.append(Crossing(.stop, "SpO2 \(spo2) % < \(stopSpO2Below) %", "monitoring.stop_spo2_below"))
            } else if spo2 < alertSpO2Below {
                out.append(Crossing(.alert, "SpO2 \(spo2) % < \(alertSpO2Below) %", "monitoring.alert_spo2_below"))
            }
        }
        if news2.total >= alertNEWS2AtLeast {
            out.append(Crossing(.alert, "NEWS2 \(news2.isPartial ? "≥ " : "")\(news2.total) ≥ \(alertNEWS2AtLeast)", "monitoring.alert_news2_at_least"))
        } else if alertNEWS2SingleThree, news2.hasSingleThree {
            let which = NEWS2.parameters.filter { news2.points[$0] == 3 }.joined(separator: ", ")
            out.append(Crossing(.alert, "NEWS2 scores 3 for \(which)", "monitoring.alert_news2_single_three"))
        }
        return out
    }

    /// `+39.4 %`, `-4 %`: the change from `base`, to a tenth of a percent (towards zero), so that
    /// a rise just past a limit never reads as the limit itself.
    static func percent(_ value: Int, from base: Int) -> String {
        let tenths = (value - base) * 1000 / base
        let whole = "\(abs(tenths) / 10)" + (tenths % 10 == 0 ? "" : ".\(abs(tenths) % 10)")
        return (tenths < 0 ? "-" : "+") + whole + " %"
    }
}
