import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicMonitoring

/// Monitoring through a real session with dosing: the patient of `clinicReadyToStart` has a
/// baseline of BP 128/80, HR 74 and a verified order of 36 mg over 40 min; nina is signed in.
@Suite struct SessionTests {
    func last(_ c: Clinic, _ kind: String, module: String = "monitoring") throws -> StoredRecord {
        try #require(try c.records(kind, module: module).last)
    }

    @Test func aStopCriterionPausesTheInfusionUntilAcknowledgedAndAPhysicianResumes() throws {
        let c = try clinicReadyToStart()
        c.ok("monitoring baseline sbp=150 dbp=88 hr=76 rr=14 spo2=98 temp=36.8 avpu=A")
        c.ok("dosing start")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=180 dbp=90 hr=80 spo2=98")
        #expect(try c.fact("dosing.running")?.isPresent == true, "180 is the limit, not past it")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=181 dbp=92 hr=84 spo2=98")
        let vitals = try last(c, "vitals")
        #expect(c.console.output.contains("ALERT: systolic 181 > 180: stop criterion (monitoring.stop_sbp_above) · #\(vitals.id)"))
        #expect(c.console.output.contains("ALERT: STOP THE PUMP NOW: the infusion is paused in the record (09:10); a physician resumes it (dosing resume) once the alert is acknowledged"))
        let paused = try last(c, "paused", module: "dosing")
        #expect(paused.payload["criterion"] == "systolic 181 > 180")
        #expect(paused.staff == "nina" && paused.effectiveAt == vitals.effectiveAt)
        #expect(try c.fact("dosing.running")?.isPresent == false)

        // Still past the limit while paused: an alert again, and the pause is held for it too.
        c.advance(minutes: 2)
        c.ok("monitoring vitals sbp=186 dbp=92 hr=84 spo2=98")
        #expect(c.console.output.contains("ALERT: KEEP THE PUMP STOPPED: the infusion stays paused in the record; a physician resumes it (dosing resume) once the alert is acknowledged"))
        #expect(try c.records("paused", module: "dosing").count == 2)

        #expect(c.run("dosing resume")?.hasPrefix("dosing resume refused: an alert stands on D-1: monitoring #\(vitals.id) (vitals)") == true)
        c.ok("monitoring acknowledge Dr Patel informed; recheck in 5 minutes")
        #expect(try last(c, "acknowledged").payload["entries"]?.arrayValue?.count == 2)
        #expect(c.run("dosing resume") == "order #\(paused.payload["order"]?.intValue ?? 0) was paused for a stop criterion (systolic 186 > 180): only a physician resumes it")
        // The physician at the nurse's chair: one command as patel, then the shell is nina's again.
        c.ok("as patel dosing resume")
        #expect(try c.fact("dosing.running")?.isPresent == true)
        #expect(try last(c, "resumed", module: "dosing").staff == "patel")
        #expect(c.session.staff?.username == "nina" && c.session.patient?.mrn == "D-1" && c.session.visit != nil)
        let journal = try c.session.store.journal()
        let patel = try c.session.store.account("patel")?.info.id
        #expect(journal.last?.command == "dosing resume" && journal.last?.staffID == patel)
    }

    /// `as` runs one command for the record; it does not change who is signed in, and a wrong
    /// password runs nothing.
    @Test func asRunsOneCommandAsAnother() throws {
        let c = try clinicReadyToStart()
        #expect(c.run("as patel login nina") == "as runs a command for the record, not login")
        #expect(c.run("as patel as nick status") == "as runs one command as one other member of staff")
        #expect(c.run("as") == "as needs a name and a command")
        #expect(c.run("as nick monitoring vitals bp=130/80 hr=70 spo2=98") == nil)
        #expect(try c.records("vitals", module: "monitoring").last?.staff == "nick")
        c.session.environment["CLINIC_PASSWORD"] = "wrong-pass"
        #expect(c.run("as patel dosing start") == "sign-in failed: unknown name or wrong password")
        #expect(try c.fact("dosing.running")?.isPresent == false)
        #expect(c.session.staff?.username == "nina")
    }

    @Test func anAlertBlocksDischargeUntilAcknowledged() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 40)
        c.ok("dosing complete")
        c.advance(minutes: 30)
        #expect(c.run("monitoring discharge escort=Sam instructed=yes")?.hasPrefix("not ready for discharge: 30 of 60 min since the dose ended at 09:40") == true)
        c.advance(minutes: 30)
        c.ok("monitoring vitals sbp=128 dbp=80 hr=72 rr=14 spo2=91 temp=36.7 avpu=A")
        #expect(c.console.output.contains { $0.hasPrefix("ALERT: SpO2 91 % < 92 %: alert criterion (monitoring.alert_spo2_below)") })
        // 91 % on air: the scale does not say, so SpO2 is the nurse's to score; the rest comes from the vitals.
        #expect(c.run("monitoring aldrete activity=2 respiration=2") == "monitoring aldrete is missing spo2 (one of 2, 1, 0)")
        c.ok("monitoring aldrete activity=2 respiration=2 spo2=1")
        #expect(try last(c, "aldrete").payload["total"] == 9)
        let refusal = try #require(c.run("monitoring discharge escort=Sam instructed=yes"))
        #expect(refusal.hasPrefix("not ready for discharge: alert not acknowledged: monitoring #"), "\(refusal)")
        #expect(try c.fact("monitoring.discharged")?.isPresent == false)
        c.ok("monitoring acknowledge sat up, SpO2 95 % on air after deep breaths")
        c.ok("monitoring discharge escort=Sam instructed=yes")
        #expect(try c.fact("monitoring.discharged")?.detail == "at 10:40 by nina with Sam")
        #expect(c.run("monitoring discharge escort=Sam instructed=yes") == "D-1 was discharged from this visit at 10:40 by nina")
    }

    @Test func vitalsFallDueEveryFiveMinutesWhileTheInfusionRunsOrIsPaused() throws {
        let c = try clinicReadyToStart()
        #expect(c.session.prompt == "nina@D-1 [infusion]> ")
        c.ok("dosing start")
        #expect(c.session.prompt == "nina@D-1 [infusion · vitals due 09:05]> ")
        c.advance(minutes: 5)
        #expect(c.session.prompt == "nina@D-1 [infusion · vitals due now]> ")
        #expect(c.session.overdueWarnings().isEmpty)
        c.advance(minutes: 2)
        #expect(c.session.prompt == "nina@D-1 [infusion · vitals OVERDUE 2 min]> ")
        #expect(c.session.overdueWarnings() == ["vitals overdue by 2 min (due 09:05, every 5 min while the infusion runs): type monitoring vitals"])
        c.ok("monitoring vitals sbp=130 dbp=80 hr=76 spo2=98")
        #expect(c.session.prompt == "nina@D-1 [infusion · vitals due 09:12]> ")
        c.ok("dosing pause patient asked for a break")
        c.advance(minutes: 6)
        #expect(c.session.overdueWarnings().count == 1, "a paused infusion still needs its vitals")
        c.ok("dosing stop patient declined the rest")
        // Vitals are no longer due; the earliest discharge (the protocol's time after the dose) is
        // the visit's next step, before the day's reminder that liver tests are due (status lists it).
        #expect(c.session.prompt == "nina@D-1 [infusion · discharge not before 10:13]> ")
        #expect(c.session.overdueWarnings().isEmpty)
    }

    /// The short form, the other words and the blood pressure typed as one word are read into the
    /// same fields, and the journal keeps each as the command typed in full.
    @Test func theShortFormIsTheFullCommand() throws {
        let c = try clinicReadyToStart()
        c.ok("v 130/80 72 14 98% 98.2F A")
        var last = try #require(try c.records("vitals", module: "monitoring").last)
        #expect(Vitals(last.payload) == Vitals(sbp: 130, dbp: 80, hr: 72, rr: 14, spo2: 98, temp: 36.8, avpu: "A"))
        var journal = try c.session.store.journal().last?.command
        #expect(journal == "monitoring vitals sbp=130 dbp=80 hr=72 rr=14 spo2=98% temp=98.2F avpu=A")
        // `-` leaves a sign out; named fields mix with bare ones; the verb's and module's other words.
        c.ok("vitals 128/78 70 - 97 rr=12")
        last = try #require(try c.records("vitals", module: "monitoring").last)
        #expect(Vitals(last.payload) == Vitals(sbp: 128, dbp: 78, hr: 70, rr: 12, spo2: 97))
        c.ok("mon vit bp=126/76 hr=71 spo2=99")
        c.ok("monitoring vitals --bp 125/75 hr=70 spo2=99")
        journal = try c.session.store.journal().last?.command
        #expect(journal == "monitoring vitals sbp=125 dbp=75 hr=70 spo2=99")
        // The bare values in the same order when the command is typed in full.
        c.ok("mon vit 127/77 69 13 98")
        c.ok("monitoring vitals 127/77 69 13 98")
        journal = try c.session.store.journal().last?.command
        #expect(journal == "monitoring vitals sbp=127 dbp=77 hr=69 rr=13 spo2=98")
        #expect(c.run("v 130 80 72 98") == "bp: '130' is not sbp/dbp")
        #expect(c.run("v 130/80 72 14 98 36.8 A extra") == "unexpected 'extra': the short form takes bp hr rr spo2 temp avpu in that order")
        // bp given by its halves: the bare words go to hr, rr and spo2.
        c.ok("v sbp=124 dbp=74 72 - 98")
        last = try #require(try c.records("vitals", module: "monitoring").last)
        #expect(Vitals(last.payload) == Vitals(sbp: 124, dbp: 74, hr: 72, spo2: 98))
        #expect(c.run("discharge") == "no command starts with that word; type monitoring discharge")
    }

    @Test func typingErrorsAreRefusedBeforeAnythingIsScored() throws {
        let c = try clinicReadyToStart()
        let before = try c.session.store.recordCount()
        #expect(c.run("monitoring vitals sbp=128 dbp=80 hr=720 spo2=98") == "hr: 720 is outside 20–250")
        #expect(c.run("monitoring vitals sbp=120 dbp=130 hr=72 spo2=98") == "diastolic 130 is not below systolic 120")
        // The signs the protocol requires are required fields: asked at a terminal, refused in a script.
        #expect(c.run("monitoring vitals hr=80") == "monitoring vitals is missing sbp (a whole number, 40–300), dbp (a whole number, 20–200), spo2 (a whole number, 50–100 %)")
        #expect(c.run("monitoring vitals sbp=1e9 dbp=80 hr=80 spo2=98")?.hasPrefix("sbp: ") == true)
        #expect(c.run("monitoring rass 5") == "score: 5 is outside -5–4")
        #expect(c.run("monitoring event other --severity mild") == "an event of kind other needs a note saying what it was")
        #expect(c.run("monitoring acknowledge nothing to see") == "no monitoring alert stands on D-1")
        #expect(c.run("monitoring baseline sbp=128 dbp=80 hr=74 rr=14 spo2=90 temp=36.7 avpu=A scale=2")
                == "SpO2 scale 2 is for hypercapnic respiratory failure with a prescribed target: a physician sets it")
        #expect(try c.session.store.recordCount() == before)
    }

    @Test func aHighBaselineStandsAsAnAlertAndHoldsTheStart() throws {
        let c = try clinicReadyToStart()
        c.ok("monitoring baseline sbp=186 dbp=96 hr=88 rr=16 spo2=97 temp=36.9 avpu=A")
        #expect(c.run("dosing start")?.hasPrefix("dosing start refused: an alert stands on D-1: monitoring #") == true)
        c.ok("monitoring acknowledge rested 15 minutes; Dr Patel to review")
        c.ok("monitoring baseline sbp=134 dbp=84 hr=76 rr=14 spo2=98 temp=36.8 avpu=A")
        c.ok("dosing start")
    }

    @Test func aSevereEventPausesTheInfusion() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 12)
        c.ok("monitoring event vomiting --severity severe --action \"ondansetron 4 mg IV\"")
        #expect(try last(c, "paused", module: "dosing").payload["criterion"] == "severe vomiting")
        #expect(try last(c, "event").payload["action"] == "ondansetron 4 mg IV")
        c.ok("monitoring event nausea --severity moderate")
        #expect(try c.records("event", module: "monitoring").count == 2)
    }

    @Test func sedationPastTheLimitAlerts() throws {
        let c = try clinicReadyToStart()
        c.console.output = []
        c.ok("monitoring rass -2")
        #expect(!c.console.output.contains { $0.hasPrefix("ALERT") })
        c.ok("monitoring rass -3")
        #expect(c.console.output.contains { $0.hasPrefix("ALERT: RASS -3 (moderate sedation) ≤ -3: alert criterion (monitoring.alert_rass_at_most)") })
        c.ok("monitoring moaas 5")
        c.ok("monitoring cadss 30")
        let ack = try #require(try c.records("cadss", module: "monitoring").last)
        c.ok("monitoring acknowledge alert=\(ack.id) dissociation expected at this dose; reassured")
        #expect(try MonitoringModule().alerts(from: HostRecordReader(session: c.session, patient: try #require(c.session.patient))).count == 1,
                "the RASS alert still stands")
    }

    @Test func airOrOxygenCarriesOnAndTheAldreteComesFromVitalsAfterTheDose() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=130 dbp=80 hr=76 rr=14 spo2=97 o2=oxygen")
        #expect(try last(c, "vitals").payload["news2_points"]?["o2"] == 2)
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=130 dbp=80 hr=76 rr=14 spo2=97")
        #expect(try last(c, "vitals").payload["o2"] == "oxygen")
        c.advance(minutes: 30)
        c.ok("dosing complete")
        c.advance(minutes: 10)
        // 160 against a baseline of 128 is +25 %: circulation 1.
        c.ok("monitoring vitals sbp=160 dbp=90 hr=76 rr=14 spo2=96 o2=air avpu=A")
        c.ok("monitoring aldrete activity=2 respiration=2")
        #expect(c.console.output.contains("  circulation = 1 (from the record)"))
        #expect(try last(c, "aldrete").payload["total"] == 9)
    }

    @Test func theTimelineCountsFromTheInfusionsStart() throws {
        let c = try clinicReadyToStart()
        c.advance(minutes: 3)
        c.ok("dosing start")
        c.advance(minutes: 10)
        c.ok("monitoring vitals sbp=190 dbp=100 hr=90 spo2=98")
        c.console.output = []
        c.ok("visit timeline")
        let out = c.console.output
        #expect(out.first == "visit #1 infusion for D-1, 2026-11-24 · times from the infusion's start at 09:03")
        #expect(out.contains { $0.contains("09:00  -0:03  nina") && $0.hasSuffix("baseline BP 128/80 · HR 74 · RR 14 · SpO2 98 % air · 36.7 °C · A · NEWS2 0 (routine)") })
        #expect(out.contains { $0.contains("09:03  +0:00  nina") && $0.hasSuffix("infusion started (order #6)") })
        #expect(out.contains { $0.contains("09:13  +0:10  nina") && $0.contains("dosing paused") && $0.contains("stop criterion: systolic 190 > 180") })
        #expect(c.run("visit timeline 9") == "D-1 has no visit #9")
    }
}
