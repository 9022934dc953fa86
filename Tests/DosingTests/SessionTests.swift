import ClinicConsent
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import ClinicIntake
import ClinicKitTesting
import ClinicMonitoring
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicDosing

@Suite struct SessionTests {
    @Test func aWholeInfusionFromPlanToCompletion() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        #expect(c.console.output.contains("  0.5 mg/kg × 72.0 kg = 36.0 mg; 36.0 mg ÷ 1 mg/mL = 36.0 mL; over 40 min → 54.0 mL/h"))
        #expect(try c.fact("dosing.ordered")?.isPresent == false)
        c.ok("dosing sign")
        let signed = try #require(try c.records(Kind.signed).first)
        #expect(signed.payload["signature"]?["by"] == "patel")
        #expect(signed.payload["signature"]?["meaning"]?.stringValue?.hasPrefix("orders ketamine 36.0 mg IV infusion over 40 min at 54.0 mL/h for D-1: 0.5 mg/kg × 72.0 kg") == true)
        #expect(try c.fact("dosing.ordered")?.isPresent == true)
        try c.signIn("nina")
        c.ok("dosing verify weight=158.7lb dose=0.5mg/kg total=36mg rate=54mL/h")
        #expect(try c.fact("dosing.verified")?.isPresent == true)

        c.ok("dosing start")
        #expect(c.console.output.last == "order #6 started at 09:00 (#9): set the pump to 54.0 mL/h, volume to be infused 36.0 mL; ends about 09:40")
        c.advance(minutes: 10)
        #expect(try c.fact("dosing.running")?.detail == "order #6 since 09:00 at 54.0 mL/h; 9.0 mg (9.0 mL) of 36.0 mg given so far")
        c.ok("dosing pause dizzy")
        c.advance(minutes: 15)
        // Paused time does not count: still 9 mg.
        #expect(try c.fact("dosing.running")?.detail == "order #6 paused at 09:10: dizzy: resume it (dosing resume) or end it (dosing stop REASON)")
        c.ok("dosing resume")
        c.advance(minutes: 20)
        #expect(try c.fact("dosing.running")?.detail.hasSuffix("27.0 mg (27.0 mL) of 36.0 mg given so far") == true)
        c.advance(minutes: 30)
        #expect(try c.fact("dosing.running")?.detail == "order #6 since 09:25 at 54.0 mL/h; the pump has run its whole 36.0 mL (36.0 mg): type dosing complete")
        c.ok("dosing complete")
        // The pump stops at its volume: 36 mL however long it was left.
        #expect(c.console.output.last == "order #6 complete at 10:15 (#12): 36.0 mg of 36.0 mg given (36.0 mL at 54.0 mL/h over 60.0 min)")
        #expect(try c.fact("dosing.complete")?.detail == "order #6 completed at 10:15: 36.0 mg of 36.0 mg given")
        #expect(try c.fact("dosing.running")?.isPresent == false)
        c.ok("dosing show")
        #expect(c.console.output.contains { $0.contains("paused") && $0.contains("nina at 09:10: dizzy") })
    }

    @Test func stoppedEarlyTheAmountComesFromThePumpOrIsEntered() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 20)
        #expect(c.run("dosing complete given=40mg") == "given=40mg is more than the 36.0 mg ordered")
        c.ok("dosing stop blood pressure 185/100")
        #expect(c.console.output.last == "order #6 stopped early at 09:20 (#10): 18.0 mg of 36.0 mg given (18.0 mL at 54.0 mL/h over 20.0 min)")
        #expect(try c.fact("dosing.complete")?.detail == "order #6 stopped early at 09:20: 18.0 mg of 36.0 mg given")
        #expect(c.run("dosing resume") == "there is no open order at this visit")

        let d = try Clinic()
        try d.readyPatient()
        try d.verifiedOrder()
        d.ok("dosing start")
        d.advance(minutes: 20)
        d.ok("dosing stop line tissued --given 15mg")
        #expect(try d.records(Kind.stopped).first?.payload["given_how"] == "entered")
        #expect(try d.records(Kind.stopped).first?.payload["given_mg"] == 15.0)
    }

    @Test func aNurseCannotSignAnOrder() throws {
        let c = try Clinic()
        try c.readyPatient()
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        #expect(c.run("dosing sign") == "dosing sign needs the role physician; nina is nurse")
        #expect(c.run("dosing start") == "cannot start order #6: it is planned")
        #expect(try c.records(Kind.signed).isEmpty)
    }

    @Test func nobodyDoubleChecksTheirOwnOrder() throws {
        let c = try Clinic()
        try c.readyPatient()
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        #expect(c.run("dosing verify weight=72kg dose=0.5mg/kg") == "order #6 is not signed yet")
        try c.signIn("patel")
        c.ok("dosing sign")
        #expect(c.run("dosing verify weight=72kg dose=0.5mg/kg") == "patel signed order #6 and cannot double-check it")
        try c.signIn("nina")
        #expect(c.run("dosing verify weight=72kg dose=0.5mg/kg") == "nina planned order #6 and cannot double-check it")
        try c.signIn("nick")
        // A mismatch is refused and shows both numbers.
        #expect(c.run("dosing verify weight=72kg dose=5mg/kg")
                == "double-check refused: yours vs order #6: dose 5 mg/kg vs 0.5 mg/kg; total 360.0 mg vs 36.0 mg; volume 360.0 mL vs 36.0 mL; rate 540.0 mL/h vs 54.0 mL/h")
        #expect(c.run("dosing verify weight=72kg dose=0.5mg/kg total=63mg") == "double-check refused: yours vs order #6: your total 63.0 mg vs 36.0 mg")
        c.ok("dosing verify weight=72kg dose=0.5mg/kg")
        #expect(try c.records(Kind.verified).first?.staff == "nick")
    }

    @Test func noDoseAfterConsentIsWithdrawn() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("consent withdraw changed her mind")
        #expect(c.run("dosing start")?.hasPrefix("dosing start refused: consent.signed is missing (consent #4 was withdrawn") == true)
        c.ok("dosing cancel consent withdrawn")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")?.hasPrefix("dosing plan refused: consent.signed is missing") == true)
    }

    @Test func noDoseFromATwoDayOldWeight() throws {
        let c = try Clinic()
        try c.readyPatient()
        c.advance(minutes: 2 * 24 * 60)
        try c.signIn("patel")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
                == "the latest weight is 2 days old (2026-11-24 09:00); a dose needs a weight taken today (dosing.weight_max_age_days)")
        c.ok("intake weight 71.5kg")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        #expect(try c.records(Kind.order).first?.payload["weight_kg"] == 71.5)
    }

    @Test func noSecondInfusionInsideTheMinimumInterval() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 40)
        c.ok("dosing complete")
        c.ok("visit end")
        c.advance(minutes: 10 * 60)
        c.ok("visit start --kind infusion")
        c.ok("intake weight 72kg")
        try c.signIn("patel")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
                == "the last dose was started 2026-11-24 09:00, 10.7 h ago; the protocol's minimum interval is 20 h (dosing.min_interval_hours)")
        c.advance(minutes: 10 * 60)
        c.ok("intake weight 72kg")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        #expect(c.console.output.contains("  this series: 1 dose, 36.0 mg so far (most 900 mg); last 7 days: 36.0 mg (most 450 mg)"))
    }

    @Test func aStandingAlertStopsOrdersButNotThePause() throws {
        let c = try Clinic(alert: "PHQ-9 item 9 answered 2")
        try c.readyPatient()
        try c.signIn("patel")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
                == "dosing plan refused: an alert stands on D-1: PHQ-9 item 9 answered 2")
        #expect(c.session.execute("dosing plan route=iv dose=0.5mg/kg over=40min", source: "t").failure?.hint
                == "a clinician acknowledges it first: type screening acknowledge NOTE")
        c.ok("help dosing plan")
        #expect(c.console.output.contains("  refused while an alert stands on the patient"))
        // Pausing is never refused: that is what an alert may call for.
        #expect(c.run("dosing pause") == "there is no open order at this visit")
    }

    @Test func overASoftLimitTheReasonTravelsToTheSignature() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        #expect(c.run("dosing plan route=iv dose=1.8mg/kg over=40min conc=2mg/mL")
                == "outside a soft limit: 1.8 mg/kg is over the usual 0.5–1.5 mg/kg (dosing.iv_soft_max)")
        c.ok("dosing plan route=iv dose=1.8mg/kg over=40min conc=2mg/mL reason=\"partial response at 1.5 mg/kg\"")
        c.ok("dosing sign")
        let meaning = try #require(try c.records(Kind.signed).first?.payload["signature"]?["meaning"]?.stringValue)
        #expect(meaning.hasSuffix("; outside a soft limit (1.8 mg/kg is over the usual 0.5–1.5 mg/kg (dosing.iv_soft_max)) because: partial response at 1.5 mg/kg"))
    }

    @Test func anInjectionIsGivenAtOnce() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        c.ok("dosing plan route=im dose=0.5mg/kg")
        #expect(c.console.output.contains("  0.5 mg/kg × 72.0 kg = 36.0 mg; 36.0 mg ÷ 10 mg/mL = 3.60 mL"))
        #expect(c.run("dosing plan route=im dose=0.5mg/kg") == "order #6 is still planned at this visit")
        c.ok("dosing sign")
        try c.signIn("nina")
        c.ok("dosing verify weight=72kg dose=0.5mg/kg")
        #expect(c.run("dosing start") == "intramuscular doses are given at once, not started")
        c.ok("dosing complete")
        #expect(try c.fact("dosing.complete")?.detail == "order #6 completed at 09:00: 36.0 mg of 36.0 mg given")
    }

    @Test func inputErrorsSayWhatToType() throws {
        let c = try Clinic()
        try c.readyPatient()
        #expect(c.run("dosing plan route=iv dose=50 over=40min") == "dose: 50 has no unit (mg/kg or mg?)")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40") == "over: 40 has no unit (min or h?)")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/ml bag=5L")?.hasPrefix("bag: '5l' is not a number") == true
                || c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/ml bag=5L")?.hasPrefix("bag: 'l' is not a unit") == true)
        #expect(c.run("dosing plan route=ev dose=0.5mg/kg over=40min")?.hasPrefix("route: 'ev' is not one of iv, im, sc, in, oral") == true)
        #expect(try c.records(Kind.order).isEmpty)
    }

    @Test func liverFunctionReviewsAreRecorded() throws {
        let c = try Clinic()
        try c.readyPatient()
        c.ok("dosing lft date=2026-11-20 result=high note=\"ALT 180\"")
        #expect(c.console.output.contains("liver-function tests of 2026-11-20 recorded as high (#6); next due 2027-02-18"))
        try c.signIn("patel")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
                == "outside a soft limit: the liver-function tests of 2026-11-20 were 3× the upper limit of normal or more")
    }
}

/// Orders through the real shell by staff in any role, with any dose: what reaches the record
/// keeps the rules, whatever was tried.
@Suite struct RecordPropertyTests {
    @Test func whatIsSignedAndGivenKeepsTheRules() throws {
        let c = try Clinic()
        var g = SplitMix64(state: 5)
        let staff = ["nina", "nick", "patel"]
        let doses = ["0.5mg/kg", "1.5mg/kg", "1.8mg/kg", "2.2mg/kg", "0.3mg/kg", "36mg", "1mg/kg"]
        var tried = 0
        for patient in 1...60 {
            try c.readyPatient("P-\(patient)")
            // The order's steps in turn, each tried by whoever happens to be signed in, up to
            // three times; now and then someone cancels instead.
            let reason = Int.random(in: 0..<4, using: &g) == 0 ? "" : " reason=\"agreed at review\""
            let dose = doses.randomElement(using: &g)!
            let checked = Int.random(in: 0..<5, using: &g) == 0 ? doses.randomElement(using: &g)! : dose
            let steps = ["dosing plan route=iv dose=\(dose) over=\([20, 40, 90].randomElement(using: &g)!)min conc=2mg/mL\(reason)",
                         "dosing sign", "dosing verify weight=72kg dose=\(checked)", "dosing start", "dosing complete"]
            for step in steps {
                for _ in 0..<3 {
                    tried += 1
                    try c.signIn(staff.randomElement(using: &g)!)
                    let line = Int.random(in: 0..<12, using: &g) == 0 ? "dosing cancel changed" : step
                    if c.run(line) == nil && line == step { break }
                }
                c.advance(minutes: 20)
            }
            c.advance(minutes: 24 * 60)
        }
        // Every signature on an order is a physician's; every order outside a soft limit has a
        // reason; everything started was signed by a physician and checked by someone else.
        let orders = try (1...60).flatMap { OrderState.all(in: try c.session.store.records(patientID: Int64($0), module: "dosing")) }
        #expect(orders.count > 20)
        #expect(orders.contains { $0.end != nil }, "some orders should get as far as being given")
        var started = 0, soft = 0
        for order in orders {
            if let signature = order.signature {
                #expect(signature.payload["signature"]?["roles"] == ["physician"], "order #\(order.id)")
            }
            if let limits = order.order.payload["soft_limits"]?.stringArray, !limits.isEmpty {
                soft += 1
                let reason = (order.order.payload["reason"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces)
                #expect(!reason.isEmpty, "order #\(order.id)")
            }
            if order.startedAt != nil || order.end != nil {
                started += 1
                let signer = try #require(order.signature?.staff), checker = try #require(order.verification?.staff)
                #expect(checker != signer && checker != order.order.staff, "order #\(order.id)")
            }
            #expect((order.order.payload["dose"]?["value"]?.doubleValue ?? 9) <= 2, "order #\(order.id) is over the hard limit")
        }
        print("dosing record property test: \(tried) commands tried, \(orders.count) orders, \(soft) outside a soft limit, \(started) given")
    }
}

@Suite struct SignatureLockTests {
    /// Wrong passwords at a signature count like wrong sign-ins: the fifth locks the account, which
    /// then neither signs nor signs in until an administrator unlocks it.
    @Test func wrongPasswordsAtSignaturesLockTheAccount() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        let input = ScriptedInput(["wrong-1", "wrong-2", "wrong-3", "wrong-4", "wrong-5", "pass-word1"])
        c.session.input = input
        for _ in 1...5 {
            #expect(c.run("dosing sign") == "signature refused: wrong password for patel; nothing was signed")
        }
        #expect(c.run("dosing sign") == "the account patel is locked after 5 wrong passwords in a row")
        #expect(input.answers == ["pass-word1"], "a locked account is not asked for its password")
        #expect(c.run("login patel") == "the account patel is locked after 5 wrong passwords in a row")
        #expect(try c.records(Kind.signed).isEmpty)
    }
}

@Suite struct EnvelopeSessionTests {
    /// ISMP's independent double-check: the checker's own arithmetic counts when it agrees to the
    /// last printed decimal (one unit of rounding), and is refused showing both when it does not.
    @Test func theDoubleCheckAcceptsOneUnitOfRoundingAndNoMore() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        c.ok("dosing sign")
        try c.signIn("nina")
        // 36.0 mg at 54.0 mL/h: 36.2 mg and 54.2 mL/h are two units off.
        #expect(c.run("dosing verify weight=72kg dose=0.5mg/kg total=36.2mg") == "double-check refused: yours vs order #6: your total 36.2 mg vs 36.0 mg")
        #expect(c.run("dosing verify weight=72kg dose=0.5mg/kg rate=54.2mL/h") == "double-check refused: yours vs order #6: your rate 54.2 mL/h vs 54.0 mL/h")
        // 72.2 kg read from the scale is two units from the 72.0 kg on record.
        #expect(c.run("dosing verify weight=72.2kg dose=0.5mg/kg")?.hasPrefix("double-check refused: yours vs order #6: weight 72.2 kg vs 72.0 kg") == true)
        #expect(try c.fact("dosing.verified")?.isPresent == false)
        // One unit of rounding off in each: accepted.
        c.ok("dosing verify weight=72.1kg dose=0.5mg/kg total=36.1mg rate=54.1mL/h")
        #expect(try c.fact("dosing.verified")?.isPresent == true)
        let verified = try #require(try c.records(Kind.verified).first)
        #expect(verified.payload["basis"]?["weight_kg"] == 72.0, "the double-check keeps what it judged")
    }

    /// A started dose counts in full until it ends; an infusion left open past its day is due.
    @Test func anOpenInfusionHoldsTheVisitAndFallsDueThePassingDay() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("dosing start")
        #expect(c.run("visit end")?.hasPrefix("visit end refused: order #6 is running: complete or stop it first") == true)
        c.ok("dosing pause dizzy")
        #expect(c.run("visit end")?.hasPrefix("visit end refused: order #6 is paused") == true)
        c.advance(minutes: 24 * 60)
        let due = try FactEngine(session: c.session).due()
        #expect(due.contains { $0.what == "open infusion" && $0.detail.hasPrefix("order #6, started 2026-11-24 09:00, is still paused") }, "\(due)")
        c.ok("dosing stop the line was removed")
        c.ok("visit end")
    }
}

@Suite struct LiverTestDateTests {
    /// A liver-test date is the clinic's date: east of +12:00, noon UTC is already the next day,
    /// and the next due date must not move a day with it.
    @Test func liverTestsFallDueOnTheClinicsDayFarFromUTC() throws {
        for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"] {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: zone))
            let host = try TestHost(modules: [IntakeModule(), StandInScreening(), ConsentModule(), DosingModule(), MonitoringModule()],
                                    now: try #require(Timestamp.date("2026-11-24T09:00:00.000Z")), calendar: calendar)
            let shown = try host.type("dosing lft date=2026-11-20 result=normal")
            #expect(shown.hasSuffix("next due 2027-02-18"), "\(zone): \(shown)")
            #expect(try host.type("dosing show").contains("liver-function tests of 2026-11-20: normal"), "\(zone)")
        }
    }
}

@Suite struct GateLostTests {
    /// The patient withdraws consent while the infusion runs: it stands as an alert until it is
    /// stopped, and what ran is recorded as stopped, never as the whole dose given.
    @Test func consentWithdrawnWhileItRunsIsStoppedNotCompleted() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 10)
        c.ok("consent withdraw \"patient asked to stop\"")
        let standing = try FactEngine(session: c.session).alerts().filter { $0.text.hasPrefix("order #") }
        #expect(standing.count == 1 && standing[0].text.contains("is running but consent.signed no longer holds"), "\(standing)")
        #expect(standing.first?.acknowledgedBy == "dosing stop REASON")
        c.advance(minutes: 5)
        #expect(c.run("dosing complete")?.contains("is not recorded as given in full: consent.signed no longer holds") == true)
        c.ok("dosing stop \"consent withdrawn\"")
        let stopped = try #require(try c.records(Kind.stopped).last)
        // 15 of the 40 minutes at 54 mL/h of 1 mg/mL: 13.5 mg of 36.
        #expect(stopped.payload["given_mg"]?.doubleValue == 13.5)
        #expect(try FactEngine(session: c.session).alerts().filter { $0.text.hasPrefix("order #") }.isEmpty)
        #expect(try c.records(Kind.completed).isEmpty)
    }
}

@Suite struct SigningAsAnotherTests {
    /// `as patel dosing sign`: patel's password, typed for the command, signs; what it signs is
    /// said all the same, once.
    @Test func whatIsSignedIsSaidUnderAs() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL")
        try c.signIn("nina")
        let input = ScriptedInput(["pass-word1"])
        c.session.input = input
        c.console.output = []
        c.ok("as patel dosing sign")
        #expect(input.answers.isEmpty && input.prompts == ["password for patel: "], "\(input.prompts)")
        #expect(c.console.output.filter { $0.hasPrefix("patel signs: orders ketamine 36.0 mg") }.count == 1, "\(c.console.output)")
        #expect(try c.records(Kind.signed).last?.staff == "patel")
    }
}

@Suite struct RefusedValueTests {
    /// Over a hard limit at a terminal: the refusal is said, and the dose typed again instead of
    /// the whole order; the refused attempt stays in the journal.
    @Test func aDoseOverTheHardLimitIsTypedAgain() throws {
        let c = try Clinic()
        try c.readyPatient()
        try c.signIn("patel")
        let input = ScriptedInput(["dose=0.5mg/kg"])
        c.session.input = input
        c.ok("dosing plan route=iv dose=3mg/kg over=40min conc=1mg/mL")
        #expect(c.console.errors.contains { $0.hasPrefix("  error: 3 mg/kg is over the hard limit for IV infusion") }, "\(c.console.errors)")
        #expect(input.prompts.first?.hasPrefix("  change a value to go on (e.g. dose=") == true, "\(input.prompts) \(c.console.errors)")
        let order = try #require(try c.records("order").last)
        #expect(order.payload["total_mg"]?.doubleValue == 36)
        let journal = try c.session.store.journal().suffix(2).map { "\($0.outcome) \($0.command)" }
        #expect(journal.first?.hasPrefix("error dosing plan route=iv dose=3mg/kg") == true, "\(journal)")
        #expect(journal.last?.hasPrefix("ok dosing plan route=iv dose=0.5mg/kg over=40min") == true, "\(journal)")
    }
}
