import ClinicKit
import ClinicStorage
import Foundation

/// `as NAME COMMAND`: one command run as another member of staff, who types their password for it,
/// after which the shell is the signed-in person's again, with the same patient and visit open.
///
/// A physician at the nurse's chair resumes an infusion in two lines (`as patel dosing resume`, the
/// password) instead of seven (sign in, open the patient, resume, sign the nurse in again, open
/// the patient again). The command is the physician's in every way the record knows: their roles
/// are checked, their name is on the entries and the journal line, and a signature it needs is the
/// password they typed for it. It is not a way to change who is signed in: `login`, `logout`,
/// `quit` and account commands are refused after `as`.
extension Session {
    /// Commands `as` does not run: they change who is signed in or whose account it is.
    static let notForActingAs: Set<String> = ["login", "logout", "quit", "exit", "user password", "whoami", "record start", "record stop"]

    func executeAs(_ words: [String], source: String, line: () -> String) -> Outcome {
        func refuse(_ message: String, hint: String) -> Outcome {
            finish(line: line(), source: source, failure: CommandError(message, hint: hint, kind: .refused))
        }
        guard let me = staff else { return refuse("as: nobody is signed in", hint: "type login NAME") }
        guard words.count >= 3 else {
            return refuse("as needs a name and a command", hint: "type e.g. as patel dosing resume")
        }
        let name = words[1].lowercased()
        let command = Array(words.dropFirst(2))
        if name == me.username { return execute(words: command, source: source, line: line) }
        guard actingFor == nil, command[0].lowercased() != "as" else {
            return refuse("as runs one command as one other member of staff", hint: "type the command after as NAME once")
        }
        switch catalog.resolve(command) {
        case .failed(let message): return finish(line: line(), source: source, failure: CommandError(message))
        case .found(let entry, _):
            guard !Self.notForActingAs.contains(entry.name) else {
                return refuse("as runs a command for the record, not \(entry.name)", hint: "type login \(name) to sign in as \(name)")
            }
        }
        // Their password, before anything is written (nobody waits on a lock while it is typed).
        let who: StaffInfo
        let password: String
        do {
            if isReplaying {
                guard let account = try store.account(name) else { throw CommandError("the replay has no account \(name)") }
                (who, password) = (account.info, "")
            } else {
                try Accounts.checkNotLocked(name, context: .signIn, source: "as", in: self)
                try Accounts.checkNotTemporary(name, in: self)
                password = try Accounts.password(for: name, in: self)
                who = try Accounts.authenticate(name, password: password, context: .signIn, source: "as", in: self)
            }
        } catch {
            // A failed attempt is journalled under the person signed in, the name kept only if it is an account's.
            let shown = (try? store.account(name)) == nil ? "(unknown name)" : name
            return finish(line: "as \(shown) …", source: source, failure: CommandError(describing: error))
        }
        let before = snapshot()
        staff = who
        actingFor = me
        actingPassword = isReplaying ? nil : (name, password)
        defer {
            // Back to the person signed in, with the patient they had open and the visit the record has open now.
            staff = me
            signedInAt = before.signedInAt
            actingFor = nil
            actingPassword = nil
            if patient?.id != before.patient?.id { patient = before.patient; visit = before.visit }
            try? refreshVisit()
        }
        let outcome = execute(words: command, source: source, line: line)
        if case .ok = outcome { console.out("  (as \(name); \(me.username) is signed in again)") }
        return outcome
    }
}
