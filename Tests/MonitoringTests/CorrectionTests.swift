import ClinicEngine
import ClinicScript
import ClinicShell
@testable import ClinicStorage
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicMonitoring

/// A typing error in vital signs: asked about before it is saved; corrected afterwards without
/// falsifying the record.
@Suite struct CorrectionTests {
    /// `monitoring vitals sbp=184` meant 148: the correction names the entry and a reason, keeps
    /// the first entry visible as corrected, scores it again and closes the alert it raised, for
    /// all to see; the infusion stays paused for a physician.
    @Test func aVitalSignTypoIsCorrectedAndItsAlertClosed() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=184 dbp=84 hr=78 spo2=98")
        let typo = try #require(try c.records("vitals", module: "monitoring").last)
        #expect(try c.fact("dosing.running")?.isPresent == false, "the stop criterion paused it")
        #expect(c.session.prompt.contains("PAUSED · ALERT"), "\(c.session.prompt)")

        c.ok("amend \(typo.id) sbp=148 --reason 'typed 184 for 148'")
        #expect(c.console.output.contains("  sbp: 184 → 148"), "\(c.console.output.suffix(8))")
        #expect(!c.console.output.suffix(8).contains { $0.contains("{") }, "no raw structures: \(c.console.output.suffix(8))")
        #expect(c.console.output.contains { $0.hasPrefix("alert closed by this correction (typed 184 for 148): monitoring #\(typo.id) (vitals): systolic 184 > 180") })
        #expect(c.console.output.contains("the infusion stays paused: a physician resumes it (dosing resume)"))
        #expect(try MonitoringModule().alerts(from: HostRecordReader(session: c.session, patient: try #require(c.session.patient))).isEmpty)
        #expect(!c.session.prompt.contains("ALERT"), "\(c.session.prompt)")

        // The flowsheet shows the corrected values beside what was typed and why.
        c.console.output = []
        c.ok("monitoring show")
        #expect(c.console.output.contains { $0.contains("148/84") && $0.contains("corrected: sbp was 184; closes systolic 184 > 180") && $0.contains("typed 184 for 148") },
                "\(c.console.output)")
        // The pause was for a stop criterion: a physician resumes, whoever corrected.
        #expect(c.run("dosing resume")?.hasPrefix("order #") == true)
        try c.signIn("patel")
        c.ok("dosing resume")
        #expect(try c.fact("dosing.running")?.isPresent == true)
    }

    /// At a terminal a reading far from the last one is put to the nurse before it is saved; a no
    /// saves nothing.
    @Test func anImplausibleReadingIsQuestionedBeforeItIsSaved() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 5)
        let input = ScriptedInput(["n"])
        c.session.input = input
        let refused = c.session.execute("monitoring vitals sbp=184 dbp=84 hr=78 spo2=98", source: "t")
        #expect(refused.failure?.kind == .cancelled)
        #expect(input.prompts.first == "SBP 184 is +43.7 % from 128 5 min ago (#5). Correct? [y/N] ", "\(input.prompts)")
        #expect(try c.records("vitals", module: "monitoring").isEmpty)
        #expect(try c.fact("dosing.running")?.isPresent == true)
        c.session.input = ScriptedInput(["y"])
        #expect(c.session.execute("monitoring vitals sbp=184 dbp=84 hr=78 spo2=98", source: "t") == .ok)
        #expect(try c.records("vitals", module: "monitoring").count == 1)
        // A reading close to the last is not questioned.
        c.session.input = ScriptedInput([])
        c.advance(minutes: 5)
        #expect(c.session.execute("monitoring vitals sbp=180 dbp=84 hr=78 spo2=98", source: "t") == .ok)
    }

    /// Oxygen goes on from the visit's last reading, said as taken from the record, until a reading says air.
    @Test func oxygenCarriedOnIsSaid() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=128 dbp=80 hr=74 spo2=97 o2=oxygen")
        c.advance(minutes: 5)
        c.console.output = []
        c.ok("monitoring vitals sbp=128 dbp=80 hr=74 spo2=97")
        #expect(c.console.output.contains("  o2 = oxygen (from the record)"), "\(c.console.output)")
        #expect(try c.records("vitals", module: "monitoring").last?.payload["o2"] == "oxygen")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=128 dbp=80 hr=74 spo2=97 o2=air")
        c.advance(minutes: 5)
        c.console.output = []
        c.ok("monitoring vitals sbp=128 dbp=80 hr=74 spo2=97")
        #expect(!c.console.output.contains { $0.contains("o2 = ") })
        #expect(try c.records("vitals", module: "monitoring").last?.payload["o2"] == "air")
    }

    /// A no offers to type the value again, and the questions are put again on the new values:
    /// 184 for 148 is fixed in place instead of typing the whole command again.
    @Test func aNoHasTheValueTypedAgain() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 5)
        let input = ScriptedInput(["n", "spb=148", "sbp=abc", "sbp=184", "n", "sbp=148"])
        c.session.input = input
        #expect(c.session.execute("monitoring vitals sbp=184 dbp=84 hr=78 spo2=98", source: "t") == .ok)
        #expect(input.answers.isEmpty, "\(input.prompts)")
        #expect(input.prompts.filter { $0.hasSuffix("Correct? [y/N] ") }.count == 2)
        #expect(c.console.errors.contains("  error: type the field's name, =, and its value: e.g. sbp=128 (Enter cancels)"), "\(c.console.errors)")
        let saved = try c.records("vitals", module: "monitoring")
        #expect(saved.count == 1 && saved[0].payload["sbp"]?.intValue == 148)
        // The journal keeps the command as it was run.
        let line = try c.session.sqlite.db.query("SELECT command FROM journal ORDER BY id DESC LIMIT 1").first?[0].text
        #expect(line?.hasPrefix("monitoring vitals sbp=148 dbp=84") == true, "\(line ?? "")")
        // Enter cancels, nothing saved.
        c.advance(minutes: 5)
        c.session.input = ScriptedInput(["n", ""])
        #expect(c.session.execute("monitoring vitals sbp=250 dbp=84 hr=78 spo2=98", source: "t").failure?.kind == .cancelled)
        #expect(try c.records("vitals", module: "monitoring").count == 1)
    }

    /// `dosing stop` needs a reason, and at a terminal says what it means first.
    @Test func stoppingForGoodIsConfirmed() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 10)
        #expect(c.run("dosing stop")?.hasPrefix("dosing stop is missing reason") == true)
        let input = ScriptedInput(["n"])
        c.session.input = input
        #expect(c.session.execute("dosing stop line tissued", source: "t").failure?.kind == .cancelled)
        #expect(input.prompts.first == "This stops order #6 for good: 9.0 mg of 36.0 mg given; pause instead with dosing pause. Stop? [y/N] ", "\(input.prompts)")
        #expect(try c.fact("dosing.running")?.isPresent == true)
        c.session.input = ScriptedInput(["yes"])
        #expect(c.session.execute("dosing stop line tissued", source: "t") == .ok)
        #expect(try c.fact("dosing.complete")?.detail.contains("stopped early") == true)
    }

    /// A correction closes what a typo raised; it never raises a stop criterion the reading did
    /// not cross as typed, which would leave the pump running past it.
    @Test func aCorrectionDoesNotCrossAStopCriterion() throws {
        let c = try clinicReadyToStart()
        c.ok("dosing start")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=130 dbp=80 hr=75 spo2=98")
        let entry = try #require(try c.records("vitals", module: "monitoring").last)
        let refused = c.run("amend \(entry.id) sbp=190 --reason 'typed 130 for 190'")
        #expect(refused == "corrected, #\(entry.id) would cross a stop criterion it did not cross as typed (systolic 190 > 180)", "\(refused ?? "")")
        #expect(try c.fact("dosing.running")?.isPresent == true)
        #expect(c.run("amend \(entry.id) sbp=150 --reason 'typed 130 for 150'") == nil, "an alert criterion only is a correction")
    }
}
