import ClinicKit
import ClinicTestSupport
import Foundation
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import Testing

/// Access: wrong passwords lock an account until an admin unlocks it, an idle shell signs out, and
/// the history file never keeps what identifies a patient.
@Suite struct AccessTests {
    @Test func fiveWrongPasswordsLockTheAccountUntilAnAdminUnlocksIt() throws {
        let (session, _, _) = try makeSession()
        let hash = try Passwords.hash("right-pass1", rounds: 16)
        _ = try session.store.addStaff(username: "sam", roles: [.nurse], passwordHash: hash, at: session.now, by: nil)
        let boss = try session.store.addStaff(username: "boss", roles: [.admin], passwordHash: hash, at: session.now, by: nil)
        let input = ScriptedInput(["bad-one", "bad-two", "bad-three", "bad-four", "bad-five", "right-pass1"])
        session.input = input
        var hints: [String] = []
        for _ in 1...5 {
            let failure = try #require(session.execute("login sam", source: "t").failure)
            #expect(failure.message == "sign-in failed for sam: unknown name or wrong password")
            hints.append(failure.hint ?? "")
        }
        #expect(hints.first == "try again (4 more before the account locks), or ask an admin")
        #expect(hints.last == "that was the last try: the account is now locked until an admin types user unlock sam")
        // The right password no longer opens it, and is not even asked for.
        #expect(session.execute("login sam", source: "t").failure?.message == "the account sam is locked after 5 wrong passwords in a row")
        #expect(input.answers == ["right-pass1"])
        session.signIn(boss)
        #expect(session.execute("user unlock sam", source: "t") == .ok)
        #expect(session.execute("login sam", source: "t") == .ok)
        #expect(session.staff?.username == "sam")
        // A successful sign-in starts the count again.
        #expect(try session.store.failedPasswords(for: "sam") == 0)
    }

    @Test func anIdleSessionSignsOutAndSaysSo() throws {
        let (session, _, _) = try makeSession()
        let start = Date(timeIntervalSince1970: 1_795_510_800)
        session.lastActivity = start
        #expect(session.signOutIfIdle(now: start.addingTimeInterval(14 * 60 + 59)) == nil)
        #expect(session.staff != nil)
        #expect(session.signOutIfIdle(now: start.addingTimeInterval(15 * 60))
                == "signed out: nora was idle 15 min (clinic.idle_minutes is 15); nothing was lost. Sign in again: login nora")
        #expect(session.staff == nil && session.patient == nil)
        let last = try session.sqlite.db.query("SELECT command, source, message FROM journal ORDER BY id DESC LIMIT 1")[0]
        #expect(last == [.text("logout"), .text("idle"), .text("signed out after 15 min idle")])
        #expect(session.signOutIfIdle(now: start.addingTimeInterval(3600)) == nil, "nobody left to sign out")
    }

    @Test(arguments: [
        ("patient new --name 'Zoë Ålvarez' --dob 1979-03-02 --sex F --mrn BAR-1", "patient new --name … --dob … --sex F --mrn BAR-1"),
        ("patient new name='Zoë Ålvarez' dob=1979-03-02 sex=F", "patient new name=… dob=… sex=F"),
        ("patient find Zoë Ålvarez", "patient find …"),
        ("patient new --name='Ann Bee' --dob=1980-01-01 --sex=F", "patient new --name=… --dob=… --sex=F"),
        ("patient open BAR-1", "patient open BAR-1"),
        ("visit start --kind infusion", "visit start --kind infusion"),
        ("patient new --name 'unterminated", ""),
    ])
    func theHistoryKeepsNoNamesOrNotes(_ typed: String, _ kept: String) throws {
        let (session, _, _) = try makeSession()
        #expect(session.forHistory(typed) == kept)
    }
}

/// `clinic.also_requires`: a clinic makes a command wait for a fact of its own choosing.
@Suite struct AlsoRequiresTests {
    @Test func theProtocolAddsAFactACommandWaitsFor() throws {
        let shipped = try String(contentsOfFile: ProtocolLoader.shippedPath, encoding: .utf8)
        let files = try Scripts()
        _ = try files.write("consent-ketamine.txt", try String(contentsOfFile: URL(fileURLWithPath: ProtocolLoader.shippedPath)
            .deletingLastPathComponent().appendingPathComponent("consent-ketamine.txt").path, encoding: .utf8))
        let path = try files.write("ours.yaml", shipped.replacingOccurrences(of: "clinic.also_requires:\n    value: \"dosing start=followup.baseline\"",
                                                                              with: "clinic.also_requires:\n    value: \"gate sign=gate.ready; gate fail=gate.ready\""))
        let (session, _, _) = try ClinicTestSupport.makeSession(modules: [GateModule()], signedIn: [.physician], protocolPath: path)
        #expect(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        #expect(session.execute("visit start --kind infusion", source: "t") == .ok)
        #expect(session.execute("gate sign", source: "t").failure?.message == "gate sign refused: gate.ready is missing (not prepared)")
        #expect(session.execute("gate prepare", source: "t") == .ok)
        #expect(session.execute("gate sign", source: "t") == .ok)
        #expect(session.requirements(of: try #require(session.catalog.entries.first { $0.name == "gate fail" })) == ["gate.ready"])
    }
}
