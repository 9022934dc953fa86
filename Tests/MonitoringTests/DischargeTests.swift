import ClinicKit
import Foundation
import Testing
@testable import ClinicMonitoring

/// The modified Aldrete score's items as REFERENCE.md 5.4 gives them, and the discharge checklist.
@Suite struct DischargeTests {
    @Test(arguments: [(120, 2), (80, 2), (121, 1), (79, 1), (149, 1), (51, 1), (150, 0), (50, 0), (100, 2)])
    func circulationAgainstABaselineOf100(_ sbp: Int, _ score: Int) {
        #expect(Aldrete.circulation(sbp: sbp, baseline: 100) == score)
    }

    @Test(arguments: [(93, false, 2), (100, false, 2), (92, false, nil), (90, false, nil), (89, false, 0),
                      (91, true, 1), (99, true, 1), (90, true, nil), (89, true, 0)] as [(Int, Bool, Int?)])
    func saturation(_ spo2: Int, _ onOxygen: Bool, _ score: Int?) {
        #expect(Aldrete.saturation(spo2, onOxygen: onOxygen) == score)
    }

    @Test func consciousnessFromAVPU() {
        #expect(["A", "V", "P", "U", "C"].map(Aldrete.consciousness) == [2, 1, 0, 0, nil])
    }

    @Test func theFiveItemsScoreZeroToTwo() {
        #expect(Aldrete.items.map(\.field) == ["activity", "respiration", "circulation", "consciousness", "spo2"])
        #expect(Aldrete.items.allSatisfy { $0.answers.map(\.id) == ["2", "1", "0"] })
        #expect(Aldrete.text(["activity": 2, "respiration": 2, "circulation": 1, "consciousness": 2, "spo2": 2, "total": 9])
                == "9/10 (activity 2 · respiration 2 · circulation 1 · consciousness 2 · spo2 2)")
    }

    static let end = Date(timeIntervalSince1970: 1_795_513_560)  // 2026-11-24 09:46 UTC
    static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    func aldrete(_ total: Int, at minutes: Double) -> StoredRecord {
        StoredRecord(id: 40, module: "monitoring", kind: "aldrete",
                     payload: ["activity": 2, "respiration": 2, "circulation": .int(total - 8), "consciousness": 2, "spo2": 2, "total": .int(total)],
                     visitID: 1, effectiveAt: Self.end.addingTimeInterval(minutes * 60), recordedAt: Self.end, staff: "nina", amends: nil)
    }

    func missing(_ check: DischargeCheck, after minutes: Double) -> [String] {
        check.items(now: Self.end.addingTimeInterval(minutes * 60), calendar: Self.utc).filter { !$0.ok }.map(\.text)
    }

    @Test func eachRequirementIsListedUntilItHolds() throws {
        let rules = try DischargeRules(settings())
        var check = DischargeCheck(dose: .ended(Self.end), aldrete: nil, alerts: [], escort: "", instructed: false, rules: rules)
        #expect(missing(check, after: 59) == [
            "59 of 60 min since the dose ended at 09:46: not before 10:46",
            "no modified Aldrete score yet: monitoring aldrete",
            "no escort named: escort=\"NAME\" of the responsible adult taking the patient home",
            "the 24-hour no-driving instruction not given: instructed=yes once the patient has been told",
        ])
        check.aldrete = aldrete(8, at: -5)
        #expect(missing(check, after: 60).first == "the last Aldrete score (09:41) was before the dose ended: monitoring aldrete again")
        check.aldrete = aldrete(8, at: 50)
        #expect(missing(check, after: 60).first == "Aldrete 8/10 (activity 2 · respiration 2 · circulation 0 · consciousness 2 · spo2 2) at 10:36: at least 9 needed")
        check.aldrete = aldrete(9, at: 58)
        check.alerts = [StandingAlert("monitoring #30 (vitals): SpO2 91 % < 92 %", since: Self.end, acknowledgedBy: "monitoring acknowledge NOTE")]
        #expect(missing(check, after: 60).first == "alert not acknowledged: monitoring #30 (vitals): SpO2 91 % < 92 %: monitoring acknowledge NOTE")
        check.alerts = []
        check.escort = "Rui Costa"
        check.instructed = true
        #expect(missing(check, after: 60).isEmpty)
        #expect(check.items(now: Self.end.addingTimeInterval(3600), calendar: Self.utc).map(\.text) == [
            "60 min since the dose ended at 09:46 (at least 60)", "Aldrete 9/10 at 10:44 (at least 9)", "no alert standing",
            "escort: Rui Costa", "told: no driving, machinery or important decisions for 24 h, no alcohol",
        ])
    }

    @Test func anInfusionStillUnderwayOrNoDoseAtAll() throws {
        let rules = try DischargeRules(settings())
        let underway = DischargeCheck(dose: .underway, aldrete: aldrete(10, at: 0), alerts: [], escort: "A", instructed: true, rules: rules)
        #expect(missing(underway, after: 0) == ["the infusion has not ended: dosing complete, or dosing stop REASON"])
        let none = DischargeCheck(dose: .none, aldrete: aldrete(10, at: 0), alerts: [], escort: "A", instructed: true, rules: rules)
        #expect(missing(none, after: 0).isEmpty)
        // Without an escort rule, none is asked for.
        let alone = DischargeCheck(dose: .none, aldrete: aldrete(10, at: 0), alerts: [], escort: "", instructed: true,
                                   rules: try DischargeRules(settings(["monitoring.discharge_needs_escort": false])))
        #expect(missing(alone, after: 0).isEmpty)
    }
}
