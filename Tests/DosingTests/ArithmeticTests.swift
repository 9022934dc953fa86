import ClinicKit
import Testing
@testable import ClinicDosing

/// The working of an order for each route and unit, worked by hand beside each case.
@Suite struct ArithmeticTests {
    @Test func ivFromAReadyMadeSolution() throws {
        // The issue's own example: 0.5 × 72 = 36 mg; 36 ÷ 1 = 36 mL; 36 mL ÷ (40/60 h) = 54 mL/h.
        let order = try plan(iv(0.5, conc: 1))
        #expect(order.calculation.working == "0.5 mg/kg × 72.0 kg = 36.0 mg; 36.0 mg ÷ 1 mg/mL = 36.0 mL; over 40 min → 54.0 mL/h")
        #expect(order.calculation.totalMg == 36)
        #expect(order.calculation.volumeML == 36)
        #expect(order.calculation.rateMLPerHour == 54)
        #expect(order.softBreaches.isEmpty)
    }

    @Test func ivMadeUpToABag() throws {
        // 36 mg from the 10 mg/mL vial is 3.6 mL, made up to the default 100 mL bag: 0.36 mg/mL,
        // 100 mL over 40 min = 150 mL/h.
        let order = try plan(iv(0.5))
        #expect(order.calculation.working == "0.5 mg/kg × 72.0 kg = 36.0 mg; draw 3.60 mL of 10 mg/mL, made up to 100 mL = 0.36 mg/mL; 100.0 mL over 40 min → 150.0 mL/h")
        #expect(order.calculation.bagML == 100)
        #expect(order.calculation.drawML == 3.6)
        #expect(order.calculation.rateMLPerHour == 150)
    }

    @Test func ivFromPartOfABag() throws {
        // 1.5 × 90 = 135 mg; 135 ÷ 2 = 67.5 mL of a 250 mL bag of 2 mg/mL (500 mg); over 60 min.
        let order = try plan(iv(1.5, over: 60, conc: 2, bag: 250), ready(kg: 90))
        #expect(order.calculation.working == "1.5 mg/kg × 90.0 kg = 135.0 mg; 135.0 mg ÷ 2 mg/mL = 67.5 mL (of a 250 mL bag holding 500.0 mg); over 60 min → 67.5 mL/h")
        // 1.2 × 90 = 108 mg does not fit in a 100 mL bag of 1 mg/mL.
        #expect(refusal { try plan(iv(1.2, conc: 1, bag: 100), ready(kg: 90)) }
                == "a 100 mL bag of 1 mg/mL holds 100.0 mg, less than the 108.0 mg ordered")
        #expect(refusal { try plan(iv(0.5, conc: 5)) } == "conc=5mg/mL is not a solution the clinic makes (1, 2 mg/mL)")
        #expect(refusal { try plan(iv(0.5, bag: 500)) } == "bag=500mL is not a bag volume the clinic uses (100, 250 mL)")
    }

    @Test func injectionsAreDrawnUpToTheHundredthOfAMillilitre() throws {
        // IM: 0.75 × 80 = 60 mg; 60 ÷ 10 = 6 mL, or 60 ÷ 50 = 1.2 mL.
        #expect(try plan(dose(.im, 0.75, DoseUnits.mgPerKg), ready(kg: 80)).calculation.working
                == "0.75 mg/kg × 80.0 kg = 60.0 mg; 60.0 mg ÷ 10 mg/mL = 6.00 mL")
        #expect(try plan(dose(.im, 0.75, DoseUnits.mgPerKg, conc: 50), ready(kg: 80)).calculation.volumeML == 1.2)
        // SC: 0.2 × 64.5 = 12.9 mg; 12.9 ÷ 10 = 1.29 mL.
        #expect(try plan(dose(.sc, 0.2, DoseUnits.mgPerKg), ready(kg: 64.5)).calculation.working
                == "0.2 mg/kg × 64.5 kg = 12.9 mg; 12.9 mg ÷ 10 mg/mL = 1.29 mL")
        #expect(refusal { try plan(dose(.im, 0.75, DoseUnits.mgPerKg, conc: 1)) } == "conc=1mg/mL is not a strength the clinic stocks (10, 50 mg/mL)")
    }

    @Test func intranasalAndOralAreInMilligrams() throws {
        // 50 mg at 72 kg is 0.694 mg/kg; 100 mg of 50 mg/mL is 2 mL.
        #expect(try plan(dose(.intranasal, 50, DoseUnits.mg)).calculation.working == "50 mg intranasal = 0.69 mg/kg at 72.0 kg")
        #expect(try plan(dose(.oral, 100, DoseUnits.mg, conc: 50)).calculation.working
                == "100 mg oral = 1.39 mg/kg at 72.0 kg; 100.0 mg ÷ 50 mg/mL = 2.00 mL")
        #expect(refusal { try plan(DoseRequest(route: .oral, dose: Quantity(100, DoseUnits.mg), minutes: 30, concentration: nil, bag: nil)) }
                == "over= is for IV infusions; oral doses are given at once")
    }

    @Test func poundsBecomeKilogramsExactlyAndAreNeverRounded() throws {
        // 158 lb × 0.45359237 = 71.66759446 kg, used as it is (a limit per kg is per kg of what the
        // scale said): 0.5 × 71.6676 = 35.83 → 35.8 mg; 35.8 mL over 40 min = 53.7 mL/h. Rounding the
        // weight to 71.7 kg first would have given 35.9 mg.
        let kg = Quantity(158, .pound).value(in: .kilogram)
        #expect(abs(kg - 71.66759446) < 1e-9)
        let order = try plan(iv(0.5, conc: 1), ready(kg: kg))
        #expect(order.weightKg == kg)
        #expect(order.calculation.working == "0.5 mg/kg × 71.67 kg = 35.8 mg; 35.8 mg ÷ 1 mg/mL = 35.8 mL; over 40 min → 53.7 mL/h")
    }

    @Test func aWeightOfTwoDecimalsIsNotRoundedAcrossTheHardLimit() throws {
        // 20.05 kg at 2 mg/kg is 40.1 mg exactly; rounding the weight to 20.1 kg first gave 40.2 mg,
        // 2.005 mg/kg of the weight typed. 220 lb (99.790321 kg) at 2 mg/kg is 199.58 mg: the nearest
        // 0.1 mg, 199.6, would pass the hard limit, so it is 199.5.
        let small = try plan(iv(2, over: 60, conc: 1), reason: "trial", ready(kg: 20.05))
        #expect(small.calculation.totalMg == 40.1)
        #expect(small.calculation.totalMg / 20.05 <= 2)
        let heavy = try plan(iv(2, over: 60, conc: 2), reason: "trial", ready(kg: Quantity(220, .pound).value(in: .kilogram)))
        #expect(heavy.calculation.totalMg == 199.5)
        #expect(heavy.calculation.working.hasPrefix("2 mg/kg × 99.79 kg = 199.5 mg (rounded down to stay within a limit)"))
    }

    @Test func thePumpIsNeverSetFasterThanOrdered() throws {
        // 3.5 mL over 45 min is 4.67 mL/h; the pump is set to 4.6, so it runs 45.7 min.
        let calc = try Calculation.work(iv(0.05, over: 45, conc: 1), weightKg: 70, library: library(), ceilings: [])
        #expect(calc.rateMLPerHour == 4.6)
        #expect(calc.working.hasSuffix("over 45 min → 4.6 mL/h (runs 45.7 min)"))
    }

    @Test func roundingGoesDownRatherThanPastALimit() throws {
        #expect(Rounding.round(2.675, decimals: 2) == 2.68)  // 2.675 is 2.67499999… in binary
        #expect(Rounding.round(35.85, decimals: 1) == 35.9)
        #expect(Rounding.round(53.85, decimals: 1, down: true) == 53.8)
        #expect(Rounding.dose(108.965, ceilings: []).mg == 109.0)
        let limited = Rounding.dose(108.965, ceilings: [108.965])
        #expect(limited.mg == 108.9 && limited.roundedDown)
        #expect(Rounding.dose(108.94, ceilings: [108.965]).roundedDown == false)
        // Found by the property test: a dose that rounds to nothing is refused, not ordered as 0 mg.
        #expect(refusal { try plan(dose(.oral, 0.01, DoseUnits.mg), reason: "test") } == "0.01 mg works out at under 0.1 mg, too little to give")

        // A hard maximum of 1.55 mg/kg at 70.3 kg is 108.965 mg: the nearest 0.1 mg, 109.0, would
        // pass it, so the dose goes down to 108.9 mg and says so.
        let lib = try library(["dosing.iv_hard_max": 1.55])
        let order = try plan(iv(1.55, conc: 1), reason: "tolerated 1.5 well", ready(kg: 70.3), library: lib)
        #expect(order.calculation.totalMg == 108.9)
        #expect(order.calculation.working.hasPrefix("1.55 mg/kg × 70.3 kg = 108.9 mg (rounded down to stay within a limit)"))

        // What the series still allows is a limit too: 899.98 - 864.1 = 35.88 mg is left, and
        // 0.5 × 71.7 = 35.85 mg would round to 35.9: it goes to 35.8.
        let history = DoseHistory(doses: [.init(at: hours(-48), mg: 864.1)])
        let capped = try plan(iv(0.5, conc: 1), ready(kg: 71.7), history: history,
                              library: library(["dosing.series_max_mg": 899.98, "dosing.period_max_mg": 2000]))
        #expect(capped.calculation.totalMg == 35.8)
    }
}
