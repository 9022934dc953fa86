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

    /// The protocol's keys, each once: the declaration, the reading and the crossing name it.
    enum Key {
        static let stopSBPAbove = SettingKey<Int>("monitoring.stop_sbp_above")
        static let stopSBPBelow = SettingKey<Int>("monitoring.stop_sbp_below")
        static let stopHRAbove = SettingKey<Int>("monitoring.stop_hr_above")
        static let stopHRBelow = SettingKey<Int>("monitoring.stop_hr_below")
        static let stopRRAbove = SettingKey<Int>("monitoring.stop_rr_above")
        static let stopRRBelow = SettingKey<Int>("monitoring.stop_rr_below")
        static let stopSpO2Below = SettingKey<Int>("monitoring.stop_spo2_below")
        static let stopSBPRisePercent = SettingKey<Int>("monitoring.stop_sbp_rise_percent")
        static let alertSBPRisePercent = SettingKey<Int>("monitoring.alert_sbp_rise_percent")
        static let alertSpO2Below = SettingKey<Int>("monitoring.alert_spo2_below")
        static let alertNEWS2AtLeast = SettingKey<Int>("monitoring.alert_news2_at_least")
        static let alertNEWS2SingleThree = SettingKey<Bool>("monitoring.alert_news2_single_three")
        static let alertRASSAtMost = SettingKey<Int>("monitoring.alert_rass_at_most")
        static let alertRASSAtLeast = SettingKey<Int>("monitoring.alert_rass_at_least")
        static let alertMOAASAtMost = SettingKey<Int>("monitoring.alert_moaas_at_most")
        static let alertCADSSAtLeast = SettingKey<Int>("monitoring.alert_cadss_at_least")
        static let pauseOnSevereEvent = SettingKey<Bool>("monitoring.pause_on_severe_event")
    }

    static let settings: [SettingSpec] = [
        SettingSpec(Key.stopSBPAbove.rawValue, .integer(100...260, unit: "mmHg"), summary: "stop: systolic blood pressure above this"),
        SettingSpec(Key.stopSBPBelow.rawValue, .integer(60...120, unit: "mmHg"), summary: "stop: systolic blood pressure below this"),
        SettingSpec(Key.stopHRAbove.rawValue, .integer(100...220, unit: "/min"), summary: "stop: heart rate above this"),
        SettingSpec(Key.stopHRBelow.rawValue, .integer(30...70, unit: "/min"), summary: "stop: heart rate below this"),
        SettingSpec(Key.stopRRAbove.rawValue, .integer(20...60, unit: "/min"), summary: "stop: respiration rate above this"),
        SettingSpec(Key.stopRRBelow.rawValue, .integer(4...14, unit: "/min"), summary: "stop: respiration rate below this"),
        SettingSpec(Key.stopSpO2Below.rawValue, .integer(80...96, unit: "%"), summary: "stop: SpO2 below this"),
        SettingSpec(Key.stopSBPRisePercent.rawValue, .integer(10...100, unit: "%"), summary: "stop: systolic risen from baseline by more than this"),
        SettingSpec(Key.alertSBPRisePercent.rawValue, .integer(5...100, unit: "%"), summary: "alert: systolic risen from baseline by more than this"),
        SettingSpec(Key.alertSpO2Below.rawValue, .integer(80...98, unit: "%"), summary: "alert: SpO2 below this"),
        SettingSpec(Key.alertNEWS2AtLeast.rawValue, .integer(1...20, unit: "points"), summary: "alert: a NEWS2 total of this or more"),
        SettingSpec(Key.alertNEWS2SingleThree.rawValue, .yesNo, summary: "alert: any one NEWS2 parameter scoring 3"),
        SettingSpec(Key.alertRASSAtMost.rawValue, .integer(-5...0, unit: "points"), summary: "alert: RASS at or below this (sedation)"),
        SettingSpec(Key.alertRASSAtLeast.rawValue, .integer(0...4, unit: "points"), summary: "alert: RASS at or above this (agitation)"),
        SettingSpec(Key.alertMOAASAtMost.rawValue, .integer(0...5, unit: "points"), summary: "alert: MOAA/S (0–5) at or below this"),
        SettingSpec(Key.alertCADSSAtLeast.rawValue, .integer(1...92, unit: "points"), summary: "alert: CADSS (23 items, 0–92) at or above this"),
        SettingSpec(Key.pauseOnSevereEvent.rawValue, .yesNo, summary: "a severe adverse event pauses the infusion like a stop criterion"),
    ]

    init(_ p: ClinicProtocol) throws {
        stopSBPAbove = try p.value(Key.stopSBPAbove)
        stopSBPBelow = try p.value(Key.stopSBPBelow)
        stopHRAbove = try p.value(Key.stopHRAbove)
        stopHRBelow = try p.value(Key.stopHRBelow)
        stopRRAbove = try p.value(Key.stopRRAbove)
        stopRRBelow = try p.value(Key.stopRRBelow)
        stopSpO2Below = try p.value(Key.stopSpO2Below)
        stopSBPRisePercent = try p.value(Key.stopSBPRisePercent)
        alertSBPRisePercent = try p.value(Key.alertSBPRisePercent)
        alertSpO2Below = try p.value(Key.alertSpO2Below)
        alertNEWS2AtLeast = try p.value(Key.alertNEWS2AtLeast)
        alertNEWS2SingleThree = try p.value(Key.alertNEWS2SingleThree)
        alertRASSAtMost = try p.value(Key.alertRASSAtMost)
        alertRASSAtLeast = try p.value(Key.alertRASSAtLeast)
        alertMOAASAtMost = try p.value(Key.alertMOAASAtMost)
        alertCADSSAtLeast = try p.value(Key.alertCADSSAtLeast)
        pauseOnSevereEvent = try p.value(Key.pauseOnSevereEvent)
    }

    /// Settings that contradict each other.
    static func problems(_ p: ClinicProtocol) -> [String] {
        guard let c = try? Criteria(p) else { return [] }
        var out: [String] = []
        func order(_ low: Int, _ lowKey: SettingKey<Int>, _ high: Int, _ highKey: SettingKey<Int>) {
            if low >= high { out.append("\(lowKey.rawValue) \(low) must be below \(highKey.rawValue) \(high)") }
        }
        order(c.stopSBPBelow, Key.stopSBPBelow, c.stopSBPAbove, Key.stopSBPAbove)
        order(c.stopHRBelow, Key.stopHRBelow, c.stopHRAbove, Key.stopHRAbove)
        order(c.stopRRBelow, Key.stopRRBelow, c.stopRRAbove, Key.stopRRAbove)
        order(c.alertSBPRisePercent, Key.alertSBPRisePercent, c.stopSBPRisePercent, Key.stopSBPRisePercent)
        if c.stopSpO2Below > c.alertSpO2Below {
            out.append("\(Key.stopSpO2Below.rawValue) \(c.stopSpO2Below) is above \(Key.alertSpO2Below.rawValue) \(c.alertSpO2Below): the alert would never come first")
        }
        return out
    }

    /// The criteria a set of vital signs crosses. Against the baseline too when there is one (a
    /// baseline itself is checked only against the absolute limits). Where a stop and an alert
    /// criterion measure the same thing, only the stop is reported.
    func check(_ v: Vitals, baseline: Vitals?, news2: NEWS2.Score) -> [Crossing] {
        var out: [Crossing] = []
        if let sbp = v.sbp {
            if sbp > stopSBPAbove { out.append(Crossing(.stop, "systolic \(sbp) > \(stopSBPAbove)", Key.stopSBPAbove.rawValue)) }
            if sbp < stopSBPBelow { out.append(Crossing(.stop, "systolic \(sbp) < \(stopSBPBelow)", Key.stopSBPBelow.rawValue)) }
            // A rise by more than P % of baseline B: sbp × 100 > B × (100 + P), in whole numbers.
            if let base = baseline?.sbp, base > 0 {
                let rise = "systolic \(sbp) is \(Self.percent(sbp, from: base)) from baseline \(base)"
                if sbp * 100 > base * (100 + stopSBPRisePercent) {
                    out.append(Crossing(.stop, "\(rise) (> +\(stopSBPRisePercent) %)", Key.stopSBPRisePercent.rawValue))
                } else if sbp * 100 > base * (100 + alertSBPRisePercent) {
                    out.append(Crossing(.alert, "\(rise) (> +\(alertSBPRisePercent) %)", Key.alertSBPRisePercent.rawValue))
                }
            }
        }
        if let hr = v.hr {
            if hr > stopHRAbove { out.append(Crossing(.stop, "heart rate \(hr) > \(stopHRAbove)", Key.stopHRAbove.rawValue)) }
            if hr < stopHRBelow { out.append(Crossing(.stop, "heart rate \(hr) < \(stopHRBelow)", Key.stopHRBelow.rawValue)) }
        }
        if let rr = v.rr {
            if rr > stopRRAbove { out.append(Crossing(.stop, "respiration rate \(rr) > \(stopRRAbove)", Key.stopRRAbove.rawValue)) }
            if rr < stopRRBelow { out.append(Crossing(.stop, "respiration rate \(rr) < \(stopRRBelow)", Key.stopRRBelow.rawValue)) }
        }
        if let spo2 = v.spo2 {
            if spo2 < stopSpO2Below {
                out.append(Crossing(.stop, "SpO2 \(spo2) % < \(stopSpO2Below) %", Key.stopSpO2Below.rawValue))
            } else if spo2 < alertSpO2Below {
                out.append(Crossing(.alert, "SpO2 \(spo2) % < \(alertSpO2Below) %", Key.alertSpO2Below.rawValue))
            }
        }
        if news2.total >= alertNEWS2AtLeast {
            out.append(Crossing(.alert, "NEWS2 \(news2.isPartial ? "≥ " : "")\(news2.total) ≥ \(alertNEWS2AtLeast)", Key.alertNEWS2AtLeast.rawValue))
        } else if alertNEWS2SingleThree, news2.hasSingleThree {
            let which = NEWS2.parameters.filter { news2.points[$0] == 3 }.joined(separator: ", ")
            out.append(Crossing(.alert, "NEWS2 scores 3 for \(which)", Key.alertNEWS2SingleThree.rawValue))
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
