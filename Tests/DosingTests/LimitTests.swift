import ClinicKit
import Foundation
import Testing
@testable import ClinicDosing

/// What the planner refuses, what it lets through only with a reason, and why it says so.
@Suite struct LimitTests {
    @Test func aHardLimitIsNeverPassedAndSaysWhereItComesFrom() throws {
        #expect(refusal { try plan(iv(2.5, conc: 1), reason: "asked for it") }
                == "2.5 mg/kg is over the hard limit for IV infusion: 2 mg/kg (dosing.iv_hard_max, protocol 2026.11-default)")
        #expect(refusal { try plan(dose(.intranasal, 120, DoseUnits.mg), reason: "x") }
                == "120 mg is over the hard limit for intranasal: 100 mg (dosing.in_hard_max, protocol 2026.11-default)")
        #expect(refusal { try plan(iv(0.5, over: 5, conc: 1), reason: "x") }
                == "over 5 min is outside what the clinic ever runs: 10–240 min (dosing.iv_minutes_hard_min, dosing.iv_minutes_hard_max, protocol 2026.11-default)")
        // At the limit itself it is accepted (outside the soft range, so with a reason).
        #expect(try plan(iv(2, conc: 2), reason: "dose escalation agreed").calculation.totalMg == 144)
    }

    @Test func outsideASoftLimitNeedsAReason() throws {
        #expect(refusal { try plan(iv(1.8, conc: 2)) }
                == "outside a soft limit: 1.8 mg/kg is over the usual 0.5–1.5 mg/kg (dosing.iv_soft_max)")
        #expect(refusal { try plan(iv(0.3, conc: 1)) }
                == "outside a soft limit: 0.3 mg/kg is under the usual 0.5–1.5 mg/kg (dosing.iv_soft_min)")
        #expect(refusal { try plan(iv(0.5, over: 90, conc: 1)) }
                == "outside a soft limit: over 90 min is outside the usual 30–60 min (dosing.iv_minutes_max)")
        let order = try plan(iv(1.8, over: 90, conc: 2), reason: "partial response at 1.5 mg/kg")
        #expect(order.softBreaches.count == 2)
        #expect(order.reason == "partial response at 1.5 mg/kg")
        #expect(refusal { try plan(iv(1.8, conc: 2), reason: "  ") }.hasPrefix("outside a soft limit"), "a blank reason is no reason")
    }

    @Test func theUnitMustFitTheRoute() {
        #expect(refusal { try plan(dose(.iv, 50, DoseUnits.mg)) } == "IV infusion doses are ordered in mg/kg, not mg")
        #expect(refusal { try plan(dose(.intranasal, 0.5, DoseUnits.mgPerKg)) } == "intranasal doses are ordered in mg, not mg/kg")
        #expect(refusal { try plan(DoseRequest(route: .iv, dose: Quantity(0.5, DoseUnits.mgPerKg), minutes: nil, concentration: 1, bag: nil)) }
                == "an IV infusion needs its duration")
    }

    @Test func theWeightMustBeTodays() throws {
        #expect(refusal { try plan(iv(0.5, conc: 1), ready(kg: nil)) } == "there is no weight to work the dose from")
        #expect(refusal { try plan(iv(0.5, conc: 1), ready(weighedAt: hours(-48))) }
                == "the latest weight is 2 days old (2026-11-22 09:00); a dose needs a weight taken today (dosing.weight_max_age_days)")
        // Calendar days in the clinic's time zone: a minute before midnight is yesterday.
        #expect(refusal { try plan(iv(0.5, conc: 1), ready(weighedAt: hours(-9 - 1.0 / 60))) }.hasPrefix("the latest weight is 1 day old"))
        #expect(try plan(iv(0.5, conc: 1), ready(weighedAt: hours(-9))).weightKg == 72)
        #expect(try plan(iv(0.5, conc: 1), ready(weighedAt: hours(-48)), library: library(["dosing.weight_max_age_days": 2])).weightKg == 72)
    }

    @Test func eligibilityAndConsentAreCheckedHereToo() {
        #expect(refusal { try plan(iv(0.5, conc: 1), ready(eligible: false)) } == "no dose may be planned: screening.eligible is missing (not eligible)")
        #expect(refusal { try plan(iv(0.5, conc: 1), ready(consented: false)) }
                == "no dose may be planned: consent.signed is missing (consent #4 was withdrawn)")
    }

    @Test func theMinimumIntervalRunsFromTheLastDosesStart() throws {
        let yesterday = DoseHistory(doses: [.init(at: hours(-19), mg: 36)])
        #expect(refusal { try plan(iv(0.5, conc: 1), history: yesterday) }
                == "the last dose was started 2026-11-23 14:00, 19.0 h ago; the protocol's minimum interval is 20 h (dosing.min_interval_hours)")
        #expect(try plan(iv(0.5, conc: 1), history: DoseHistory(doses: [.init(at: hours(-20), mg: 36)])).seriesDoses == 1)
    }

    @Test func cumulativeDosesPerSeriesAndPerWeek() throws {
        // 100 kg at 1.5 mg/kg is 150 mg. Five earlier infusions two days apart: 750 mg in the
        // series, and the last three (450 mg) in the past week.
        let five = DoseHistory(doses: (1...5).map { .init(at: hours(-48 * Double(6 - $0)), mg: 150) })
        #expect(five.series(at: morning, gapDays: 14).count == 5)
        #expect(five.total(within: 7, of: morning) == 450)
        let weekly = refusal { try plan(iv(1.5, conc: 2), ready(kg: 100), history: five) }
        #expect(weekly == "150.0 mg would bring the last 7 days to 600.0 mg; the most in 7 days is 450 mg (dosing.period_max_mg, protocol 2026.11-default)")
        let sixth = refusal { try plan(iv(1.5, conc: 2), ready(kg: 100), history: five, library: library(["dosing.period_max_mg": 1000])) }
        #expect(sixth == "(accepted)")
        let full = DoseHistory(doses: (1...6).map { .init(at: hours(-72 * Double(7 - $0)), mg: 150) })
        #expect(refusal { try plan(iv(0.5, conc: 1), history: full, library: library(["dosing.period_max_mg": 1000])) }
                == "36.0 mg would bring this series to 936.0 mg (6 doses so far, 900.0 mg); the most per series is 900 mg (dosing.series_max_mg, protocol 2026.11-default)")
        // A gap longer than 14 days starts a new series.
        let earlier = DoseHistory(doses: [.init(at: hours(-24 * 20), mg: 850), .init(at: hours(-24 * 15), mg: 40)])
        let order = try plan(iv(0.5, conc: 1), history: earlier)
        #expect(order.seriesDoses == 0 && order.seriesBeforeMg == 0)
    }

    @Test func liverFunctionTests() throws {
        #expect(try plan(iv(0.5, conc: 1)).reminders == ["liver-function tests are due: none reviewed yet (dosing.lft_interval_days); record them with dosing lft"])
        #expect(try plan(iv(0.5, conc: 1), history: DoseHistory(doses: [], lastLFT: (hours(-24 * 10), "normal"))).reminders.isEmpty)
        #expect(try plan(iv(0.5, conc: 1), history: DoseHistory(doses: [], lastLFT: (hours(-24 * 91), "normal"))).reminders
                == ["liver-function tests are due: the last were reviewed 91 days ago (every 90 days, dosing.lft_interval_days); record them with dosing lft"])
        // 3× the upper limit of normal: a reason and a physician, as for a soft limit.
        let high = DoseHistory(doses: [], lastLFT: (hours(-24), "high"))
        #expect(refusal { try plan(iv(0.5, conc: 1), history: high) }
                == "outside a soft limit: the liver-function tests of 2026-11-23 were 3× the upper limit of normal or more")
        #expect(try plan(iv(0.5, conc: 1), reason: "hepatology reviewed: ALT falling", history: high).softBreaches.count == 1)
    }

    @Test func inconsistentLimitsAreRefusedAtStart() throws {
        var settings = try shippedProtocolSettings()
        settings.values["dosing.iv_soft_max"] = 2.5
        settings.values["dosing.iv_minutes_min"] = 5
        #expect(DrugLibrary.problems(settings) == [
            "dosing.iv_soft_max 2.5 mg/kg is above dosing.iv_hard_max 2 mg/kg",
            "dosing.iv_minutes_hard_min 10 minutes is above dosing.iv_minutes_min 5 minutes",
        ])
        #expect(DrugLibrary.problems(try shippedProtocolSettings()).isEmpty)
    }
}
