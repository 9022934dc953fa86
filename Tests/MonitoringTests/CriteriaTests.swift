import ClinicKit
import Testing
@testable import ClinicMonitoring

/// Each stop and alert criterion fires one step past its limit and not at it (the limits are
/// strict, as the sources write them: SBP > 180), from the shipped protocol; and a clinic's own
/// limit replaces the default.
@Suite struct CriteriaTests {
    static let calm = Vitals(sbp: 128, dbp: 80, hr: 72, rr: 14, spo2: 98, temp: 36.8, avpu: "A")

    func crossings(_ change: (inout Vitals) -> Void, baseline: Vitals? = nil, _ c: Criteria? = nil) throws -> [Crossing] {
        var v = Self.calm
        change(&v)
        return try (c ?? criteria()).check(v, baseline: baseline, news2: NEWS2.score(v, scale: .one))
    }

    func keys(_ change: (inout Vitals) -> Void, baseline: Vitals? = nil) throws -> [String] {
        try crossings(change, baseline: baseline).map { "\($0.level.rawValue) \($0.key)" }
    }

    @Test func calmVitalsCrossNothing() throws {
        #expect(try crossings { _ in }.isEmpty)
    }

    @Test func systolicAbove180Stops() throws {
        #expect(try keys { $0.sbp = 180 }.isEmpty)
        #expect(try keys { $0.sbp = 181 } == ["stop monitoring.stop_sbp_above"])
        #expect(try crossings { $0.sbp = 181 }.first?.text == "systolic 181 > 180")
    }

    @Test func systolicBelow90Stops() throws {
        // 90 scores 3 in NEWS2 (its own alert); the stop comes at 89.
        #expect(try keys { $0.sbp = 90 } == ["alert monitoring.alert_news2_single_three"])
        #expect(try keys { $0.sbp = 89; $0.dbp = 50 } == ["stop monitoring.stop_sbp_below", "alert monitoring.alert_news2_single_three"])
    }

    @Test func heartRateOutside50To150Stops() throws {
        #expect(try keys { $0.hr = 150 } == ["alert monitoring.alert_news2_single_three"])
        #expect(try keys { $0.hr = 151 } == ["stop monitoring.stop_hr_above", "alert monitoring.alert_news2_single_three"])
        #expect(try keys { $0.hr = 50 }.isEmpty)
        #expect(try keys { $0.hr = 49 } == ["stop monitoring.stop_hr_below"])
    }

    @Test func respirationOutside10To30Stops() throws {
        #expect(try keys { $0.rr = 30 } == ["alert monitoring.alert_news2_single_three"])
        #expect(try keys { $0.rr = 31 } == ["stop monitoring.stop_rr_above", "alert monitoring.alert_news2_single_three"])
        #expect(try keys { $0.rr = 10 }.isEmpty)
        #expect(try keys { $0.rr = 9 } == ["stop monitoring.stop_rr_below"])
    }

    @Test func saturationAlertsBelow92AndStopsBelow90() throws {
        #expect(try keys { $0.spo2 = 92 }.isEmpty)
        #expect(try keys { $0.spo2 = 91 } == ["alert monitoring.alert_spo2_below", "alert monitoring.alert_news2_single_three"])
        #expect(try keys { $0.spo2 = 90 } == ["alert monitoring.alert_spo2_below", "alert monitoring.alert_news2_single_three"])
        // Past the stop limit only the stop is reported for SpO2.
        #expect(try keys { $0.spo2 = 89 } == ["stop monitoring.stop_spo2_below", "alert monitoring.alert_news2_single_three"])
    }

    @Test func aRiseFromBaselineAlertsPast20AndStopsPast40Percent() throws {
        let baseline = Vitals(sbp: 100, dbp: 60)
        #expect(try keys({ $0.sbp = 120 }, baseline: baseline).isEmpty, "exactly +20 %")
        #expect(try keys({ $0.sbp = 121 }, baseline: baseline) == ["alert monitoring.alert_sbp_rise_percent"])
        #expect(try keys({ $0.sbp = 140 }, baseline: baseline) == ["alert monitoring.alert_sbp_rise_percent"], "exactly +40 %")
        #expect(try keys({ $0.sbp = 141 }, baseline: baseline) == ["stop monitoring.stop_sbp_rise_percent"])
        #expect(try crossings({ $0.sbp = 141 }, baseline: baseline).first?.text == "systolic 141 is +41 % from baseline 100 (> +40 %)")
        // Exact in whole numbers where a division would not be: 150 → 180 is +20.0 %.
        #expect(try keys({ $0.sbp = 180 }, baseline: Vitals(sbp: 150)).isEmpty)
    }

    @Test func news2AtFiveAlertsAndASingleThreeAlertsWhenTheProtocolSays() throws {
        // HR 115 (2) + RR 22 (2) + temp 38.5 (1) = 5.
        #expect(try keys { $0.hr = 115; $0.rr = 22; $0.temp = 38.5 } == ["alert monitoring.alert_news2_at_least"])
        #expect(try keys { $0.hr = 115; $0.rr = 22 } .isEmpty)
        #expect(try keys { $0.avpu = "V" } == ["alert monitoring.alert_news2_single_three"])
        let off = try criteria(["monitoring.alert_news2_single_three": false])
        #expect(try crossings({ $0.avpu = "V" }, off).isEmpty)
    }

    @Test func theClinicsLimitReplacesTheDefault() throws {
        let strict = try criteria(["monitoring.stop_sbp_above": 170])
        #expect(try crossings({ $0.sbp = 170 }, strict).isEmpty)
        #expect(try crossings({ $0.sbp = 171 }, strict).map(\.line) == ["systolic 171 > 170: stop criterion (monitoring.stop_sbp_above)"])
    }

    @Test func settingsThatContradictEachOtherAreProblems() throws {
        #expect(MonitoringModule().check(try settings()).isEmpty)
        let bad = try settings(["monitoring.stop_hr_below": 60, "monitoring.stop_hr_above": 100, "monitoring.alert_sbp_rise_percent": 50,
                                "monitoring.stop_spo2_below": 94, "monitoring.vitals_required": "sbp pulse"])
        #expect(MonitoringModule().check(bad) == [
            "monitoring.alert_sbp_rise_percent 50 must be below monitoring.stop_sbp_rise_percent 40",
            "monitoring.stop_spo2_below 94 is above monitoring.alert_spo2_below 92: the alert would never come first",
            "monitoring.vitals_required names pulse: the signs are sbp dbp hr rr spo2 temp avpu",
        ])
    }

    @Test(arguments: [("rass", -2, false), ("rass", -3, true), ("rass", 1, false), ("rass", 2, true),
                      ("moaas", 4, false), ("moaas", 3, true), ("cadss", 26, false), ("cadss", 27, true)])
    func sedationAndDissociationLimits(_ scale: String, _ value: Int, _ alerts: Bool) throws {
        #expect(try !Observations.check(scale, value, criteria: criteria()).isEmpty == alerts)
    }

    @Test func aSevereEventStopsWhenTheProtocolSaysAndOnlyAlertsOtherwise() throws {
        #expect(try Observations.check(event: "vomiting", severity: "moderate", criteria: criteria()).isEmpty)
        #expect(try Observations.check(event: "vomiting", severity: "severe", criteria: criteria()).map(\.level) == [.stop])
        let off = try criteria(["monitoring.pause_on_severe_event": false])
        #expect(Observations.check(event: "vomiting", severity: "severe", criteria: off).map(\.level) == [.alert])
    }
}
