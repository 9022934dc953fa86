import ClinicKit
import ClinicStorage
import Foundation

/// Staff accounts: signing in, adding staff, and the first administrator of a new database.
package enum Accounts {
    /// Where passwords come from when no one can type them.
    package static let passwordVariable = "CLINIC_PASSWORD"
    package static let newPasswordVariable = "CLINIC_NEW_PASSWORD"
    /// A witness's password, when no one can type it (scripts).
    package static let witnessPasswordVariable = "CLINIC_WITNESS_PASSWORD"

    /// Checks a name and password, writes the attempt to the access log (a failure survives any
    /// rollback of the command or script it was part of), and returns the member of staff. An
    /// account with the protocol's number of wrong passwords in a row is locked until an
    /// administrator unlocks it (``checkNotLocked(_:context:source:in:)``). An unknown name costs the same time as
    /// a wrong password, and gets the same answer: neither says which it was.
    ///
    /// A temporary password (``changePassword(_:in:)`` by an administrator) is right only for
    /// `allowingTemporary` (signing in, to choose one's own); it signs nothing and runs nothing.
    package static func authenticate(_ username: String, password: String, context: AccessEntry.Context, source: String,
                                     in session: Session, allowingTemporary: Bool = false) throws -> StaffInfo {
        let store = session.store
        try checkNotLocked(username, context: context, source: source, in: session)
        let account = try store.account(username)
        // An unknown name is checked against the decoy all the same, and is never right.
        let right = Passwords.verify(password, against: account?.passwordHash ?? Passwords.decoy) && account != nil
        try store.appendAccess(AccessEntry(username: account == nil ? AccessEntry.unknown : username, event: right ? .passed : .failed,
                                           context: context, at: session.now, session: session.sessionID, source: source))
        guard let account, right else {
            let left = limit(session) - (account == nil ? 1 : try store.failedSignIns(for: username).count)
            let held = left <= 0 && account != nil && (try? isLastAdmin(username, in: session)) == true
            // The name is not repeated: it may be a password typed where the name was asked.
            throw CommandError("sign-in failed: unknown name or wrong password",
                               hint: held ? "the clinic's only administrator not locked is not locked out: each further try waits \(Int(lastAdminWait(session))) s after the one before"
                                     : left <= 0 ? "that was the last try: the account is now locked until an admin types user unlock \(username)"
                                     // The same for every name: a count that went down only for accounts would say which names are.
                                     : "try again, or ask an admin (\(limit(session)) wrong passwords in a row lock an account)", kind: .refused)
        }
        if !allowingTemporary { try checkNotTemporary(username, in: session) }
        return account.info
    }

    /// How long the clinic's only unlocked administrator waits between tries once past the limit
    /// (`clinic.admin_retry_seconds`): locking that account for good would lock the whole clinic out.
    static func lastAdminWait(_ session: Session) -> TimeInterval {
        TimeInterval((try? session.clinicProtocol.settings.integer(HostSettings.adminRetrySeconds)) ?? 60)
    }

    /// Refuses a locked account, saying who can unlock it. The only administrator who is not
    /// locked is never locked by wrong passwords (anyone could lock the clinic out by typing them):
    /// past the limit, each try waits ``lastAdminWait(_:)`` after the one before.
    /// A try that is refused is an entry of the access log too.
    static func checkNotLocked(_ username: String, context: AccessEntry.Context, source: String, in session: Session) throws {
        let store = session.store
        // Only an account locks: an unknown name is logged as one name for all (AccessEntry.unknown).
        guard try store.account(username) != nil else { return }
        let failed = try store.failedSignIns(for: username)
        guard failed.count >= limit(session) else { return }
        func refused() throws {
            try store.appendAccess(AccessEntry(username: username, event: .refused, context: context, at: session.now, session: session.sessionID, source: source))
        }
        if try isLastAdmin(username, in: session) {
            guard let last = failed.last, session.now.timeIntervalSince(last) < lastAdminWait(session) else { return }
            try refused()
            let seconds = Int(last.addingTimeInterval(lastAdminWait(session)).timeIntervalSince(session.now).rounded(.up))
            throw CommandError("\(username) is the clinic's only administrator not locked, and has \(failed.count) wrong passwords in a row: the next try is allowed in \(seconds) s",
                               hint: "wait; if someone else is guessing, another administrator (add one), or the database file's owner (clinic admin unlock \(username) --db FILE), can unlock accounts", kind: .refused)
        }
        try refused()
        throw CommandError("the account \(username) is locked after \(failed.count) wrong passwords in a row", hint: "an administrator unlocks it: user unlock \(username)", kind: .refused)
    }

    /// Refuses, before a password is asked, an account whose password is a temporary one: it
    /// signs nothing, witnesses nothing and runs nothing until its owner has chosen their own.
    static func checkNotTemporary(_ username: String, in session: Session) throws {
        guard !session.isReplaying, try session.store.account(username)?.hasTemporaryPassword == true else { return }
        throw CommandError("\(username)'s password is a temporary one an administrator set: it serves only to choose their own",
                           hint: "\(username) signs in (login \(username)) and chooses a password first", kind: .refused)
    }

    /// Whether `username` is an administrator and no other administrator's account is unlocked.
    static func isLastAdmin(_ username: String, in session: Session) throws -> Bool {
        let store = session.store
        guard try store.account(username)?.info.roles.contains(.admin) == true else { return false }
        for name in try store.staffNames() where name != username {
            if try store.account(name)?.info.roles.contains(.admin) == true, try store.failedSignIns(for: name).count < limit(session) { return false }
        }
        return true
    }

    /// `user unlock NAME` (admin): the account's wrong passwords stop counting.
    static func unlock(_ username: String, in session: Session) throws -> CommandOutput {
        let name = username.lowercased()
        let failed = try unlock(name, in: session.store, at: session.now, session: session.sessionID, source: "user unlock")
        guard failed > 0 else { return .lines("\(name) was not locked (no wrong passwords since the last sign-in)") }
        return .lines("\(name) unlocked (\(failed) wrong passwords in a row before)")
    }

    /// Makes an account's wrong passwords stop counting, as an `unlocked` entry of the access log;
    /// returns how many there were (none: it was not locked, and nothing is written). For the
    /// admin's `user unlock` and the file owner's `clinic admin unlock`.
    package static func unlock(_ name: String, in store: any RecordStore, at: Date, session: String, source: String) throws -> Int {
        guard try store.account(name) != nil else {
            throw CommandError("there is no member of staff called \(name)", hint: "check the spelling of the sign-in name")
        }
        let failed = try store.failedSignIns(for: name).count
        if failed > 0 { try store.appendAccess(AccessEntry(username: name, event: .unlocked, context: .unlock, at: at, session: session, source: source)) }
        return failed
    }

    static func limit(_ session: Session) -> Int {
        (try? session.clinicProtocol.settings.integer(HostSettings.maxFailedSignIns)) ?? 5
    }

    /// Signs in at start-up, outside any command (`--user`, the shell's login prompt), and journals
    /// the attempt whichever way it goes. (The `login` command is journalled by the session.)
    package static func signInAtStart(_ username: String, password: String, source: String, in session: Session) throws -> StaffInfo {
        let name = username.lowercased()
        do {
            let who = try authenticate(name, password: password, context: .signIn, source: source, in: session, allowingTemporary: true)
            try replaceTemporaryPassword(name, typed: password, in: session)
            session.signIn(who)
            try session.journal("login \(name)", source: source, outcome: "ok", message: "")
            return who
        } catch let failure as CommandError {
            // A name that is no account's may be a password typed where the name was asked: never kept.
            let shown = (try? session.store.account(name)) == nil ? "(unknown name)" : name
            try? session.journal("login \(shown)", source: source, outcome: failure.kind.rawValue, message: failure.message)
            throw failure
        }
    }

    /// A password asked at the terminal, or taken from `variable` when there is no terminal.
    static func password(for username: String, in session: Session, variable: String = passwordVariable) throws -> String {
        guard let password = try password(for: username, signing: nil, in: session, variable: variable) else {
            throw Session.QuestionsFirst()
        }
        return password
    }

    /// A signature's password: as ``password(for:in:variable:)``, but what is signed is said before
    /// it is asked (`patel signs: …`), and inside the command's own transaction it is not asked
    /// yet: `nil`, and the command goes on, so that anything else it needs or refuses (a witness
    /// who is the signer) comes out before anyone types a password.
    static func signingPassword(for label: String, meaning: String, in session: Session, variable: String = passwordVariable) throws -> String? {
        try password(for: label, signing: "\(label) signs: \(meaning)", in: session, variable: variable)
    }

    private static func password(for label: String, signing note: String?, in session: Session, variable: String) throws -> String? {
        if let input = session.input {
            if let collected = session.collectedPasswords[label] {
                // Under `as NAME`, the password typed for the command signs: what it signs is said all the same.
                if let note, session.actingPassword?.name == label, session.signingNotesShown.insert(note).inserted { session.console.out(note) }
                return collected
            }
            if session.asksBeforeWriting && session.store.isInTransaction {
                // Asked once the command's transaction has rolled back: nobody holds the lock while typing.
                session.passwordsNeeded.append(Session.PasswordRequest(label: label, note: note))
                return nil
            }
            if let note { session.console.out(note) }
            guard let typed = input.readPassword(prompt: "password for \(label): ") else {
                throw CommandError(note == nil ? "sign-in cancelled" : "no password was given; nothing was signed", kind: .cancelled)
            }
            return typed
        }
        guard let p = session.environment[variable], !p.isEmpty else {
            throw CommandError("no terminal to ask \(label)'s password", hint: "set \(variable)")
        }
        return p
    }

    static func login(_ username: String, in session: Session) throws -> CommandOutput {
        let name = username.lowercased()
        if session.isReplaying {
            // A replay signs in as the recorded staff; its accounts have no password.
            guard let account = try session.store.account(name) else {
                throw CommandError("the replay has no account \(name)", hint: "the recording must make it first (replay-account \(name) ROLE)")
            }
            session.signIn(account.info)
            return .lines("signed in as \(name) (replay)")
        }
        try checkNotLocked(name, context: .signIn, source: "login", in: session)
        let password = try password(for: name, in: session)
        // The session journals this command, failed or not, like any other.
        let who = try authenticate(name, password: password, context: .signIn, source: "login", in: session, allowingTemporary: true)
        try replaceTemporaryPassword(name, typed: password, in: session)
        session.signIn(who)
        return .lines("signed in as \(who.username) (\(StaffRoles.text(who.roles)))")
    }

    static func whoami(in session: Session) -> CommandOutput {
        guard let staff = session.staff else { return .lines("nobody is signed in; type login NAME") }
        let since = session.signedInAt.map { " since " + HostCommands.short($0, calendar: session.calendar, now: session.now) } ?? ""
        return .lines("\(staff.username) (\(StaffRoles.text(staff.roles)))\(since)")
    }

    private static func validUsername(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 32 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) }
    }

    /// The sign-in name a new account gets (lower-cased), or why `username` cannot be one.
    static func checkedUsername(_ username: String) throws -> String {
        let name = username.lowercased()
        guard validUsername(name) else {
            throw CommandError("'\(username)' is not a sign-in name", hint: "use lower-case letters, digits, '.', '-' or '_', starting with a letter")
        }
        return name
    }

    /// What is wrong with `password` as `username`'s new one, if anything: too short, their sign-in
    /// name, or the one it replaces (`avoiding`).
    static func newPasswordProblem(_ password: String, for username: String, avoiding: String? = nil) -> String? {
        if password.count < Passwords.minimumLength { return "a password needs at least \(Passwords.minimumLength) characters" }
        if password.lowercased() == username.lowercased() { return "a password may not be the sign-in name" }
        if let avoiding, password == avoiding { return "the new password must differ from the one it replaces" }
        return nil
    }

    /// Refuses a new password that breaks a rule (``newPasswordProblem(_:for:avoiding:)``).
    static func checkNewPassword(_ password: String, for username: String, avoiding: String? = nil) throws {
        if let problem = newPasswordProblem(password, for: username, avoiding: avoiding) {
            throw CommandError(problem, hint: "choose another")
        }
    }

    static func add(_ username: String, roles: Set<Role>, in session: Session) throws -> CommandOutput {
        let name = try checkedUsername(username)
        guard !roles.isEmpty else { throw CommandError("\(name) needs a role", hint: "add --role nurse, physician or admin") }
        if try session.store.account(name) != nil {
            throw CommandError("there is already a staff member called \(name)", hint: "choose another name")
        }
        let hash = session.isReplaying ? Passwords.unusable : try Passwords.hash(try newPassword(for: name, in: session))
        let staff = try session.store.addStaff(username: name, roles: roles, passwordHash: hash, at: session.now, by: session.staff?.id)
        return .lines("added \(staff.username) (\(StaffRoles.text(staff.roles)))")
    }

    /// A new password: typed twice at the terminal (before the command's transaction, as any
    /// password), or from `CLINIC_NEW_PASSWORD`.
    package static func newPassword(for username: String, in session: Session) throws -> String {
        try newPassword(Session.NewPasswordRequest(username: username), in: session)
    }

    static func newPassword(_ request: Session.NewPasswordRequest, in session: Session) throws -> String {
        let password: String
        if let input = session.input {
            if let collected = session.collectedPasswords[newPasswordKey(request.username)] { return collected }
            if session.asksBeforeWriting && session.store.isInTransaction {
                session.newPasswordNeeded = request
                throw Session.QuestionsFirst()
            }
            password = try readNewPassword(request, in: session, from: input)
        } else {
            guard let p = session.environment[newPasswordVariable], !p.isEmpty else {
                throw CommandError("no terminal to ask \(request.username)'s new password", hint: "set \(newPasswordVariable)")
            }
            password = p
        }
        try checkNewPassword(password, for: request.username, avoiding: request.avoiding)
        return password
    }

    /// Where a new password asked before the transaction is kept: never a sign-in name.
    static func newPasswordKey(_ username: String) -> String { "new password for \(username)" }

    /// A new password typed twice at the terminal. A rule it breaks is said as soon as it is typed
    /// once, and two that differ are asked again: three tries before the command is given up.
    static func readNewPassword(_ request: Session.NewPasswordRequest, in session: Session, from input: any LineInput) throws -> String {
        let name = request.username
        if let note = request.note { session.console.out(note) }
        for attempt in 1...3 {
            guard let first = input.readPassword(prompt: "new password for \(name): ") else { break }
            if let problem = newPasswordProblem(first, for: name, avoiding: request.avoiding) {
                session.console.err("  error: \(problem)" + (attempt < 3 ? "; type another" : ""))
                continue
            }
            guard let second = input.readPassword(prompt: "again: ") else { break }
            if first == second { return first }
            session.console.err("  error: the two passwords differ" + (attempt < 3 ? "; type the new one again" : ""))
        }
        throw CommandError("no new password was chosen; nothing was recorded", hint: "type the command again", kind: .cancelled)
    }

    /// After a sign-in with a temporary password: the member of staff chooses their own (at the
    /// terminal, or `CLINIC_NEW_PASSWORD`), or is not signed in.
    static func replaceTemporaryPassword(_ username: String, typed temporary: String, in session: Session) throws {
        guard !session.isReplaying, let account = try session.store.account(username), account.hasTemporaryPassword else { return }
        let request = Session.NewPasswordRequest(username: username, note: "\(username)'s password is a temporary one an administrator set: choose your own now",
                                                 avoiding: temporary)
        let chosen: String
        do { chosen = try newPassword(request, in: session) } catch let error as CommandError {
            throw CommandError("\(username) is not signed in: \(error.message)", hint: "sign in again and choose a password of your own", kind: error.kind)
        }
        let hash = try Passwords.hash(chosen)
        _ = try session.store.transaction {
            try session.store.changeStaff(username, roles: nil, passwordHash: hash, temporary: false, at: session.now, by: account.info.id)
        }
        session.console.out("\(username) chose a new password")
    }

    /// `user list`: every member of staff, their roles, and whether their account is locked or
    /// waits for them to choose a password. Never a password or its hash.
    static func list(in session: Session) throws -> CommandOutput {
        let store = session.store
        var rows: [[String]] = []
        for name in try store.staffNames() {
            guard let account = try store.account(name) else { continue }
            var state: [String] = []
            let failed = try store.failedSignIns(for: name).count
            if failed >= limit(session) { state.append("locked after \(failed) wrong passwords: user unlock \(name)") }
            if account.hasTemporaryPassword { state.append("temporary password: chooses their own at the next sign-in") }
            rows.append([name, StaffRoles.text(account.info.roles), state.isEmpty ? "active" : state.joined(separator: "; ")])
        }
        var out = CommandOutput.lines("\(rows.count) member\(rows.count == 1 ? "" : "s") of staff")
        out.table(["name", "roles", "account"], rows)
        return out
    }

    /// `user roles NAME --role ROLES` (admin): a member of staff's roles from now on. The clinic
    /// always keeps an administrator whose account is not locked.
    static func setRoles(_ username: String, roles: Set<Role>, in session: Session) throws -> CommandOutput {
        let name = username.lowercased()
        guard let account = try session.store.account(name) else {
            throw CommandError("there is no member of staff called \(name)", hint: "check the spelling of the sign-in name")
        }
        guard !roles.isEmpty else { throw CommandError("\(name) needs a role", hint: "type e.g. user roles \(name) --role nurse") }
        guard roles != account.info.roles else { return .lines("\(name) already has the roles \(StaffRoles.text(roles)); nothing was recorded") }
        if !roles.contains(.admin), try isLastAdmin(name, in: session) {
            throw CommandError("\(name) is the clinic's only administrator whose account is not locked: the clinic would have none",
                               hint: "make another member of staff an administrator first (user roles NAME --role admin,…)", kind: .refused)
        }
        let changed = try session.store.changeStaff(name, roles: roles, passwordHash: nil, temporary: false, at: session.now, by: session.staff?.id)
        if session.staff?.id == changed.id { session.staff = changed }
        return .lines("\(name): roles \(StaffRoles.text(account.info.roles)) → \(StaffRoles.text(roles)) (from their next command, on every workstation)")
    }

    /// `password` and `user password [NAME]`: one's own new password (the current one asked
    /// first), or an administrator's temporary password for someone who forgot theirs, which
    /// serves only to choose their own at their next sign-in. Chained as a hash of the new hash.
    static func changePassword(_ username: String?, in session: Session) throws -> CommandOutput {
        guard let me = session.staff else { throw CommandError("nobody is signed in", hint: "type login NAME") }
        let name = username?.lowercased() ?? me.username
        guard try session.store.account(name) != nil else {
            throw CommandError("there is no member of staff called \(name)", hint: "check the spelling of the sign-in name")
        }
        let own = name == me.username
        var current: String?
        if own {
            if !session.isReplaying {
                try checkNotLocked(name, context: .signIn, source: "user password", in: session)
                current = try password(for: name, in: session)
                _ = try authenticate(name, password: current ?? "", context: .signIn, source: "user password", in: session, allowingTemporary: true)
            }
        } else if !me.roles.contains(.admin) {
            throw CommandError("only an administrator sets another member of staff's password", hint: "type password to change your own", kind: .refused)
        }
        let request = Session.NewPasswordRequest(username: name, note: own ? nil : "a temporary password for \(name), which they replace with their own when they next sign in",
                                                 avoiding: current)
        let hash = session.isReplaying ? Passwords.unusable : try Passwords.hash(try newPassword(request, in: session))
        _ = try session.store.changeStaff(name, roles: nil, passwordHash: hash, temporary: !own, at: session.now, by: me.id)
        var out = CommandOutput.lines(own ? "your password is changed"
                                      : "\(name)'s password is now a temporary one: tell them in person; it serves only to choose their own when they next sign in")
        if name != me.username, try session.store.failedSignIns(for: name).count >= limit(session) {
            out.line("\(name) is still locked after wrong passwords: type user unlock \(name)")
        }
        return out
    }

    /// `replay-account NAME ROLES`: an account a replayed recording uses, with no password.
    package static func replayAccount(_ username: String, roles text: String, in session: Session) throws {
        guard session.isReplaying else {
            throw CommandError("replay-account works only in a replay", hint: "add staff with user add NAME --role ROLE")
        }
        let name = try checkedUsername(username)
        let roles = Set(text.split(separator: ",").map { Role(rawValue: String($0).trimmingCharacters(in: .whitespaces)) })
        guard !roles.isEmpty, roles.isSubset(of: Set(Role.all)) else {
            throw CommandError("replay-account \(name): '\(text)' is not a list of roles", hint: "use nurse, physician, admin")
        }
        if try session.store.account(name) != nil { return }
        _ = try session.store.addStaff(username: name, roles: roles, passwordHash: Passwords.unusable, at: session.now, by: nil)
    }

    /// Creates the first member of staff of a new database, as an administrator, and signs them in.
    package static func createFirstAdmin(_ username: String, password: String, in session: Session) throws -> StaffInfo {
        let name = try checkedUsername(username)
        try checkNewPassword(password, for: name)
        let staff = try session.store.transaction { () throws -> StaffInfo in
            guard try session.store.staffCount() == 0 else {
                throw CommandError("this database already has staff", hint: "sign in with --user NAME")
            }
            let staff = try session.store.addStaff(username: name, roles: [.admin], passwordHash: try Passwords.hash(password),
                                                   at: session.now, by: nil)
            session.signIn(staff)
            try session.journal("user add \(name) role=admin", source: "first-run", outcome: "ok", message: "first administrator")
            return staff
        }
        return staff
    }
}
