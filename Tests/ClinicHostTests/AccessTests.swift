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
            #expect(failure.message == "sign-in failed: unknown name or wrong password")
            hints.append(failure.hint ?? "")
        }
        #expect(hints.first == "try again, or ask an admin (5 wrong passwords in a row lock an account)")
        #expect(Set(hints.dropLast()).count == 1, "the hint does not count down: it would tell names that are accounts")
        #expect(hints.last == "that was the last try: the account is now locked until an admin types user unlock sam")
        // The right password no longer opens it, and is not even asked for.
        #expect(session.execute("login sam", source: "t").failure?.message == "the account sam is locked after 5 wrong passwords in a row")
        #expect(input.answers == ["right-pass1"])
        session.signIn(boss)
        #expect(session.execute("user unlock sam", source: "t") == .ok)
        #expect(session.execute("login sam", source: "t") == .ok)
        #expect(session.staff?.username == "sam")
        // A successful sign-in starts the count again.
        #expect(try session.store.failedSignIns(for: "sam").count == 0)
    }

    /// Twenty wrong guesses in a script, each "expected": the account locks at the protocol's
    /// limit, and every guess stays in the access log after the script fails and rolls back.
    @Test func guessesInAScriptLockTheAccountAndStayInTheLog() throws {
        let (session, _, _) = try makeSession(modules: [GateModule()], environment: ["CLINIC_PASSWORD": "a-guess-1"])
        let hash = try Passwords.hash("right-pass1", rounds: 16)
        _ = try session.store.addStaff(username: "patel", roles: [.physician], passwordHash: hash, at: session.now, by: nil)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("guess.clinic").path
        try (String(repeating: "expect error\nlogin patel\n", count: 20) + "this is not a command\n").write(toFile: script, atomically: true, encoding: .utf8)
        #expect(!ScriptRunner(session: session).runFile(script))
        let log: [[SQLValue]] = try session.sqlite.db.query("SELECT username, event, context FROM access ORDER BY id")
        #expect(log.count == 20, "\(log)")
        #expect(log.prefix(5).allSatisfy { $0 == [SQLValue.text("patel"), .text("failed"), .text("sign-in")] })
        #expect(log.dropFirst(5).allSatisfy { $0 == [SQLValue.text("patel"), .text("refused"), .text("sign-in")] }, "tried while locked")
        #expect(try session.store.failedSignIns(for: "patel").count == 5)
        #expect(session.execute("login patel", source: "t").failure?.message == "the account patel is locked after 5 wrong passwords in a row")
        // The access log is a chain audit verify walks.
        #expect(try session.store.verifyAccess().firstBreak == nil && session.store.verifyAccess().count == 21)
    }

    /// An unknown name is checked like a wrong password and logged without the name typed (it may
    /// be a password typed in the wrong place).
    @Test func anUnknownNameIsLoggedWithoutWhatWasTyped() throws {
        let (session, _, _) = try makeSession(modules: [GateModule()], environment: ["CLINIC_PASSWORD": "whatever-1"])
        #expect(session.execute("login nora-pass1", source: "t").failure?.message == "sign-in failed: unknown name or wrong password")
        let log: [[SQLValue]] = try session.sqlite.db.query("SELECT username, event FROM access")
        #expect(log == [[SQLValue.text(AccessEntry.unknown), .text("failed")]])
    }

    /// The only administrator who is not locked is held for a minute between tries past the limit,
    /// never locked for good; with a second administrator, the first locks as anyone does.
    @Test func theOnlyAdministratorIsHeldNotLockedOut() throws {
        let (session, _, clock) = try makeSession(modules: [GateModule()], environment: ["CLINIC_PASSWORD": "a-guess-1"])
        let hash = try Passwords.hash("right-pass1", rounds: 16)
        _ = try session.store.addStaff(username: "boss", roles: [.admin], passwordHash: hash, at: session.now, by: nil)
        for _ in 1...5 { #expect(session.execute("login boss", source: "t").failure?.message == "sign-in failed: unknown name or wrong password") }
        let held = session.execute("login boss", source: "t").failure
        #expect(held?.message.hasPrefix("boss is the clinic's only administrator not locked, and has 5 wrong passwords in a row: the next try is allowed in 60 s") == true, "\(held?.message ?? "")")
        clock.current = clock.current.addingTimeInterval(61)
        session.input = ScriptedInput(["right-pass1"])
        #expect(session.execute("login boss", source: "t") == .ok)
        // A second administrator: now boss locks like anyone.
        _ = try session.store.addStaff(username: "deputy", roles: [.admin], passwordHash: hash, at: session.now, by: nil)
        session.input = nil
        for _ in 1...5 { _ = session.execute("login boss", source: "t") }
        clock.current = clock.current.addingTimeInterval(3600)
        #expect(session.execute("login boss", source: "t").failure?.message == "the account boss is locked after 5 wrong passwords in a row")
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
        // An unquoted surname, a field the command lacks, a typo'd command word, a password at the prompt.
        ("patient new --name Zora Quillfeather --dob 1979-03-04 --sex F", "patient new --name … --dob … --sex F"),
        ("patient new --name 'Zora Q' --nickname Zed --sex F", "patient new --name … --sex F"),
        ("patient new nickname=Zed --sex F", "patient new … --sex F"),
        ("patinet new --name Quillfeather", ""),
        ("staff-pass1", ""),
        ("login nora-pass1", "login …"),
        ("set SECRET Hollowmere", "set SECRET …"),
        ("echo Hollowmere lives here", "echo …"),
        ("run day.clinic --var WHO=Hollowmere", "run day.clinic --var …"),
        // A value the field does not take, as long as a password may be; a short slip is kept.
        ("user add sam --role hunter2222", "user add … --role …"),
        ("visit start --kind staff-pass1", "visit start --kind …"),
        ("visit start --kind lunch", "visit start --kind lunch"),
        // `as NAME COMMAND` keeps of the command what it would keep alone.
        ("as nora patient find Zoë Ålvarez", "as nora patient find …"),
        ("as nora patient new --name 'Ann Bee' --dob 1980-01-01 --sex F", "as nora patient new --name … --dob … --sex F"),
        ("as hunter2222x patient open BAR-1", "as … patient open BAR-1"),
        ("as nora staff-pass1", ""),
    ])
    func theHistoryKeepsNoNamesOrNotes(_ typed: String, _ kept: String) throws {
        let (session, _, _) = try makeSession()
        #expect(session.forHistory(typed) == kept)
    }

    /// A failed line's message keeps no word of an identifying value, and only those words: a
    /// note's "no" or "open" leaves the words that hold them ("acknowledge", "opened") whole.
    @Test func aFailedLinesMessageHidesTheValuesWordsOnly() {
        #expect(Session.clear("acknowledge: no patient is open; type patient open MRN (nobody acknowledged)", of: ["no", "open", "Lima"])
                == "acknowledge: … patient is …; type patient … MRN (nobody acknowledged)")
        #expect(Session.clear("no patient called Lima, Ana (Lima's)", of: ["Lima", "Ana"]) == "no patient called …, … (…'s)")
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
