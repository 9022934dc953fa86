import ClinicKit
import Foundation

/// The interactive shell: a banner, signing in, then one command line after another until Ctrl-D
/// or `quit`. A failed command prints one line and the session goes on.
struct Shell {
    let session: Session
    let runner: ScriptRunner
    let historyPath: String

    func run(user: String?) -> Int32 {
        Terminal.catchInterrupts()
        let completer = Completer(catalog: session.catalog,
                                  mrns: { [store = session.store] in (try? store.mrns()) ?? [] },
                                  staffNames: { [store = session.store] in (try? store.staffNames()) ?? [] })
        guard let input = EditLineInput(completer: completer, historyPath: historyPath) else {
            session.console.err("clinic: the terminal cannot be edited (libedit failed to start); pipe commands in instead")
            return 1
        }
        session.input = input
        let count = session.plugins.loaded.count
        session.console.out("clinic \(ProgramOptions.version) · \(count) module\(count == 1 ? "" : "s") · database \(session.databasePath)")
        session.console.out("Type help for the commands, Tab to complete, Ctrl-D to leave.")

        if let user {
            guard Program.signIn(user, session: session, terminal: true) else { return 1 }
        } else if !startupSignIn(input) {
            return 0
        }
        if let staff = session.staff { session.console.out("signed in as \(staff.username) (\(Store.rolesText(staff.roles)))") }
        session.lastActivity = Date()
        session.afterCommand()
        if session.isSandbox {
            session.console.out("SANDBOX: entries here are for training and tests, never a patient's record. clock set and clock advance move its time.")
        }

        let highlight = (session.console as? StandardConsole)?.isTerminal ?? false
        while true {
            for warning in session.overdueWarnings() {
                for line in Renderer.render(CommandOutput([.alert(warning)]), highlight: highlight) { session.console.out(line) }
            }
            switch input.readLine(prompt: session.prompt, completion: .command) {
            case .end: return 0
            case .interrupt: continue
            case .line(let text):
                // An idle session signs out before anything typed after the pause runs.
                if let message = session.signOutIfIdle(now: Date()) {
                    session.console.err(message)
                    continue
                }
                defer { session.lastActivity = Date() }
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                input.remember(session.forHistory(text))
                switch runner.interactive(text, source: "shell") {
                case .ok: continue
                case .quit: return 0
                case .failed(let failure): session.console.err("\(failure.kind.rawValue): \(failure.description)")
                }
            }
        }
    }

    /// Asks who is there: creates the first administrator of an empty database, else signs in.
    /// Returns false when the user leaves (Ctrl-D).
    private func startupSignIn(_ input: EditLineInput) -> Bool {
        while true {
            let first = (try? session.store.staffCount()) == 0
            if first { session.console.out("No staff accounts yet: create the first administrator.") }
            switch input.readLine(prompt: first ? "administrator name: " : "login: ", completion: .none) {
            case .end: return false
            case .interrupt: continue
            case .line(let raw):
                let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
                guard !name.isEmpty else { continue }
                do {
                    if first {
                        let password = try Accounts.newPassword(for: name, in: session)
                        _ = try Accounts.createFirstAdmin(name, password: password, in: session)
                    } else {
                        guard case .line(let password) = input.readSecret(prompt: "password: ") else { continue }
                        _ = try Accounts.signInAtStart(name, password: password, source: "shell", in: session)
                    }
                    return true
                } catch let failure as CommandFailure {
                    // signInAtStart journals its own attempts; a failed first run is journalled here.
                    if first {
                        try? session.journal("login \(name)", source: "shell", outcome: failure.kind.rawValue, message: failure.message)
                    }
                    session.console.err("\(failure.kind.rawValue): \(failure.description)")
                } catch {
                    session.console.err("error: \(error)")
                }
            }
        }
    }
}
