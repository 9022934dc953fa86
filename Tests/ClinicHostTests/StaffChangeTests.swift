@testable import ClinicEngine
import ClinicKit
import ClinicKitTesting
import ClinicTestSupport
@testable import ClinicStorage
import Foundation
import Testing

/// Changes of staff and of a patient's registration are entries of a chain, with the tables
/// following them: roles hold on every workstation from the next command, a password changes only
/// with the current one (or an administrator's), and a registration is corrected, never rewritten.
@Suite struct StaffChangeTests {
    /// A prompt that notes whether the write lock was held while it waited for the person.
    final class WatchedInput: LineInput {
        var answers: [String]
        var askedInsideATransaction = false
        let store: any RecordStore
        init(_ answers: [String], store: any RecordStore) { (self.answers, self.store) = (answers, store) }
        func readLine(prompt: String, completion: CompletionMode) -> InputEvent {
            if store.isInTransaction { askedInsideATransaction = true }
            return answers.isEmpty ? .end : .line(answers.removeFirst())
        }
        func readSecret(prompt: String) -> InputEvent { readLine(prompt: prompt, completion: .none) }
        func remember(_ line: String) {}
    }

    @Test func rolesChangedByAnAdminHoldOnEveryWorkstationFromTheNextCommand() throws {
        let path = StoreTests.temporaryPath()
        let chair = try TestHost(modules: [], database: path)
        let office = try TestHost(modules: [], database: path)
        try office.signIn("boss", roles: [.admin])
        #expect(chair.session.execute("user unlock boss", source: "chair").failure?.kind == .refused)
        // The only administrator cannot give up the role: the clinic would have none.
        let refused = office.session.execute("user roles boss --role nurse", source: "office").failure
        #expect(refused?.message == "boss is the clinic's only administrator whose account is not locked: the clinic would have none", "\(String(describing: refused))")
        #expect(office.session.execute("user roles nora --role admin,nurse", source: "office") == .ok)
        #expect(office.console.lines.last == "nora: roles nurse → admin,nurse (from their next command, on every workstation)")
        // The chair's shell takes the new roles at its next command, and says so.
        #expect(chair.session.execute("user unlock boss", source: "chair") == .ok)
        #expect(chair.console.errors.contains("your roles were changed by an administrator: now admin,nurse"))
        // With a second administrator, the first may stop being one; and nora's admin role is taken back.
        #expect(office.session.execute("user roles boss --role physician", source: "office") == .ok)
        #expect(chair.session.execute("user roles boss --role admin", source: "chair") == .ok)
        #expect(office.session.execute("user roles nora --role nurse", source: "office") == .ok)
        #expect(chair.session.execute("user unlock boss", source: "chair").failure?.kind == .refused)
        #expect(office.session.execute("user roles nora --role nurse", source: "office") == .ok)
        #expect(office.console.lines.last == "nora already has the roles nurse; nothing was recorded")
        // Each change is an entry of the chain, and the table is what the chain builds.
        let kinds: [[SQLValue]] = try chair.session.sqlite.db.query("SELECT subject, payload FROM changes WHERE kind = 'staff-roles' ORDER BY id")
        #expect(kinds.map { $0[0] } == [.text("nora"), .text("boss"), .text("boss"), .text("nora")])
        #expect(try chair.session.store.projectionDifferences().isEmpty)
        // Behind the program's back, the schema refuses a role not said by the chain's last entry.
        #expect(throws: (any Error).self) { try chair.session.sqlite.db.execute("UPDATE staff SET roles = 'admin' WHERE username = 'nora'") }
    }

    @Test func aPasswordChangesWithTheCurrentOneOrAnAdministrators() throws {
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        let session = host.session
        // Asked before the command's transaction, as every question is.
        let wrong = WatchedInput(["not-my-pass", "fresh-pass1", "fresh-pass1"], store: session.store)
        session.input = wrong
        #expect(session.execute("user password", source: "t").failure?.message == "sign-in failed: unknown name or wrong password")
        #expect(try session.store.failedSignIns(for: "nora").count == 1)
        // Two that differ are asked again, three times at most; nothing is recorded without one.
        let typed = WatchedInput([TestHost.password, "fresh-pass1", "fresh-pass2", "fresh-pass1", "fresh-pass3", "short"], store: session.store)
        session.input = typed
        #expect(session.execute("user password", source: "t").failure?.message == "no new password was chosen; nothing was recorded")
        #expect(host.console.errors.filter { $0.contains("the two passwords differ; type the new one again") }.count == 2)
        // A rule is said when the password is typed once, not after both; then it is asked again.
        let right = WatchedInput([TestHost.password, "short", TestHost.password, "fresh-pass1", "fresh-pass1"], store: session.store)
        session.input = right
        #expect(session.execute("password", source: "t") == .ok)
        #expect(host.console.errors.suffix(2) == ["  error: a password needs at least 8 characters; type another",
                                                  "  error: the new password must differ from the one it replaces; type another"])
        #expect(Accounts.newPasswordProblem("Samantha.K", for: "samantha.k") == "a password may not be the sign-in name")
        #expect(!wrong.askedInsideATransaction && !typed.askedInsideATransaction && !right.askedInsideATransaction)
        #expect(right.answers.isEmpty)
        let account = try #require(try session.store.account("nora"))
        #expect(Passwords.verify("fresh-pass1", against: account.passwordHash))
        // The chain holds a hash of the new hash, never the hash.
        let payload = try #require(try session.sqlite.db.query("SELECT payload FROM changes WHERE kind = 'staff-password'").first?[0].text)
        #expect(payload.contains(HashChain.sha256(account.passwordHash)) && !payload.contains(account.passwordHash))
        // Another's password: only an administrator sets it, and says so.
        #expect(session.execute("user add sam --role nurse", source: "t").failure?.kind == .refused)
        try host.signIn("boss", roles: [.admin])
        session.input = WatchedInput(["sam-pass-01", "sam-pass-01"], store: session.store)
        #expect(session.execute("user add sam --role nurse", source: "t") == .ok)
        try host.signIn("sam", roles: [.nurse])
        #expect(session.execute("user password nora", source: "t").failure?.message == "only an administrator sets another member of staff's password")
        try host.signIn("boss", roles: [.admin])
        session.input = WatchedInput(["short", "short"], store: session.store)
        #expect(session.execute("user password sam", source: "t").failure?.message == "no new password was chosen; nothing was recorded")
        session.input = WatchedInput(["temp-pass-9", "temp-pass-9"], store: session.store)
        #expect(session.execute("user password sam", source: "t") == .ok)
        #expect(Passwords.verify("temp-pass-9", against: try #require(try session.store.account("sam")).passwordHash))
        #expect(try session.store.projectionDifferences().isEmpty)
    }

    /// An administrator's password for someone who forgot theirs is temporary: it signs in only to
    /// choose their own, and signs, witnesses and runs nothing (the administrator knows it).
    @Test func aTemporaryPasswordServesOnlyToChooseOnesOwn() throws {
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        let session = host.session
        try host.signIn("boss", roles: [.admin])
        session.input = WatchedInput(["sams-first-1", "sams-first-1"], store: session.store)
        #expect(session.execute("user add sam --role nurse", source: "t") == .ok)
        #expect(try session.store.account("sam")?.hasTemporaryPassword == false)
        session.input = WatchedInput(["temp-pass-9", "temp-pass-9"], store: session.store)
        #expect(session.execute("user password sam", source: "t") == .ok)
        #expect(host.console.lines.last == "sam's password is now a temporary one: tell them in person; it serves only to choose their own when they next sign in")
        #expect(try session.store.account("sam")?.hasTemporaryPassword == true)
        #expect(session.execute("user list", source: "t") == .ok)
        #expect(host.console.lines.contains { $0.hasPrefix("  sam ") && $0.hasSuffix("temporary password: chooses their own at the next sign-in") })
        // Not for as, before any password is asked.
        let untouched = WatchedInput(["temp-pass-9"], store: session.store)
        session.input = untouched
        #expect(session.execute("as sam status", source: "t").failure?.message == "sam's password is a temporary one an administrator set: it serves only to choose their own")
        #expect(untouched.answers.count == 1)
        // Without a terminal and a new password, sam is not signed in.
        session.input = nil
        #expect(throws: CommandError.self) { try Accounts.signInAtStart("sam", password: "temp-pass-9", source: "t", in: session) }
        #expect(session.staff?.username == "boss")
        // At a terminal: the temporary one again is refused, and sam's own is chained.
        session.input = WatchedInput(["temp-pass-9", "temp-pass-9", "sams-own-pass", "sams-own-pass"], store: session.store)
        #expect(session.execute("login sam", source: "t") == .ok)
        #expect(session.staff?.username == "sam")
        #expect(host.console.errors.last == "  error: the new password must differ from the one it replaces; type another")
        let account = try #require(try session.store.account("sam"))
        #expect(!account.hasTemporaryPassword && Passwords.verify("sams-own-pass", against: account.passwordHash))
        let flags = try session.sqlite.db.query("SELECT payload FROM changes WHERE kind = 'staff-password' AND subject = 'sam' ORDER BY id")
            .map { try Value(json: $0[0].text ?? "")["temporary"] }
        #expect(flags == [.bool(true), nil])
        #expect(try session.store.projectionDifferences().isEmpty)
    }

    @Test func aRegistrationIsCorrectedByAnEntryAndThePatientsTableFollows() throws {
        let path = StoreTests.temporaryPath()
        let front = try TestHost(modules: [], database: path)
        let chair = try TestHost(modules: [], database: path)
        #expect(front.session.execute("patient new --name 'Ana Lima' --dob 1918-02-11 --sex M --mrn A-1", source: "front") == .ok)
        #expect(chair.session.execute("patient open A-1", source: "chair") == .ok)
        // A registration is not amended field by field: the hint names the command that corrects it.
        #expect(front.session.execute("amend 1 dob=1981-02-11 --reason x", source: "front").failure?.hint?.contains("patient correct") == true)
        #expect(front.session.execute("patient correct --reason 'nothing'", source: "front").failure?.message == "patient correct changes nothing: A-1's registration already says that")
        #expect(front.session.execute("patient correct dob=1981-02-11 sex=F --reason 'typed 1918'", source: "front") == .ok)
        #expect(front.console.lines.contains("  date of birth: 1918-02-11 → 1981-02-11"))
        #expect(front.session.patient?.dateOfBirth == "1981-02-11" && front.session.patient?.sex == .female)
        // The other workstation's open patient is read again at its next command.
        #expect(chair.session.execute("status", source: "chair") == .ok)
        #expect(chair.session.patient?.dateOfBirth == "1981-02-11")
        let registrations = try front.session.store.records(patientID: 1, module: "patient", kind: "registered")
        #expect(registrations.count == 2 && registrations[1].amends == registrations[0].id)
        #expect(registrations[1].payload["amendment"]?["reason"]?.stringValue == "typed 1918")
        #expect(try front.session.store.projectionDifferences().isEmpty)
        // The MRN is not a field to correct, and the table refuses a change no correction says.
        #expect(front.session.execute("patient correct mrn=B-2 --reason x", source: "front").failure != nil)
        #expect(throws: (any Error).self) { try front.session.sqlite.db.execute("UPDATE patients SET name = 'Someone Else' WHERE id = 1") }
    }

    /// Roles taken away on another workstation while a command asks its questions count: the
    /// command is refused under the write lock, not run with the roles it started with.
    @Test func rolesTakenAwayWhileACommandAsksAreCheckedUnderTheLock() throws {
        let path = StoreTests.temporaryPath()
        let office = try TestHost(modules: [], database: path)
        try office.signIn("deputy", roles: [.admin])
        let desk = try TestHost(modules: [], database: path)
        #expect(office.session.execute("user roles nora --role admin,nurse", source: "office") == .ok)
        final class DemotedWhileAsking: LineInput {
            let office: TestHost
            var answers = ["admin", "new-pass-01", "new-pass-01"]
            init(_ office: TestHost) { self.office = office }
            func readLine(prompt: String, completion: CompletionMode) -> InputEvent {
                if answers.count == 3 { _ = office.session.execute("user roles nora --role nurse", source: "office") }
                return answers.isEmpty ? .end : .line(answers.removeFirst())
            }
            func readSecret(prompt: String) -> InputEvent { readLine(prompt: prompt, completion: .none) }
            func remember(_ line: String) {}
        }
        desk.session.input = DemotedWhileAsking(office)
        let refused = desk.session.execute("user add mallory", source: "desk").failure
        #expect(refused?.message == "user add needs the role admin; nora is nurse", "\(String(describing: refused))")
        #expect(try desk.session.store.account("mallory") == nil)
        #expect(desk.session.execute("whoami", source: "desk") == .ok && desk.session.staff?.roles == [.nurse])
    }

    /// A password hash written into the table behind the program's back, even just after a change
    /// the trigger lets through, signs nobody in: the account is read only as the chain holds it.
    @Test func aPasswordHashNotInTheChainSignsNobodyIn() throws {
        let host = try TestHost(modules: [], environment: ["CLINIC_NEW_PASSWORD": "fresh-pass1"], database: StoreTests.temporaryPath())
        try host.signIn("boss", roles: [.admin])
        #expect(host.session.execute("user password nora", source: "t") == .ok)
        try host.session.sqlite.db.execute("UPDATE staff SET password_hash = (SELECT password_hash FROM staff WHERE username = 'boss') WHERE username = 'nora'")
        host.session.input = ScriptedInput([TestHost.password])
        let refused = host.session.execute("login nora", source: "t").failure
        #expect(refused?.message.hasPrefix("the staff table does not hold what the record's chain says for nora") == true, "\(String(describing: refused))")
        #expect(host.session.staff?.username == "boss")
    }

    @Test func aNameWithHiddenCharactersIsRefused() throws {
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        let reversed = host.session.execute("patient new --name 'Ana \u{202E}amiL' --dob 1981-02-11 --sex F --mrn A-1", source: "t").failure
        #expect(reversed?.message == "the name holds an invisible or direction-changing character")
        #expect(host.session.execute("patient new --name 'Ana\u{200B}Lima' --dob 1981-02-11 --sex F --mrn A-1", source: "t").failure != nil)
        // A Persian name is written with the zero-width non-joiner.
        #expect(host.session.execute("patient new --name 'Mehr\u{200C}ana Lima' --dob 1981-02-11 --sex F --mrn A-1", source: "t") == .ok)
        #expect(host.session.execute("patient correct name='Ana \u{202E}amiL' --reason x", source: "t").failure?.message == "the name holds an invisible or direction-changing character")
    }
}
