import ClinicEngine
import ClinicKit
import ClinicScript
import ClinicStorage
import Foundation

/// The interactive shell: a banner, signing in, then one command line after another until Ctrl-D
/// or `quit`. A failed command prints one line and the session goes on.
struct Shell {
    let session: Session
    let runner: ScriptRunner
    let historyPath: String

    func run(user: String?) -> Int32 {
        Terminal.catchInterrupts()
        // Ctrl-C while a command waits for another workstation (or a slow server) stops the wait.
        session.store.shouldStopWaiting = { Terminal.takeInterrupt() }
        var completer = Completer(catalog: session.catalog,
                                  mrns: { [store = session.store] in (try? store.mrns()) ?? [] },
                                  staffNames: { [store = session.store] in (try? store.staffNames()) ?? [] })
        // An MRN listed by Tab is shown with its patient's name and date of birth.
        completer.label = { [store = session.store] mrn in
            guard let p = try? store.patient(mrn: mrn) else { return nil }
            return "\(p.name) \(p.dateOfBirth)"
        }
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
        if let staff = session.staff { session.console.out("signed in as \(staff.username) (\(StaffRoles.text(staff.roles)))") }
        session.lastActivity = session.clock.wallTime()
        session.afterCommand()
        if session.isSandbox {
            session.console.out("SANDBOX: entries here are for training and tests, never a patient's record. clock set and clock advance move its time.")
        }

        let highlight = session.console.isTerminal
        let watch = Watch(session: session)
        /// A line left half-typed when its author was signed out for idleness, and the patient
        /// open then: put back for them only.
        var leftOver: (user: String, text: String, mrn: String?)?
        /// Set when the idle limit passed at a field's prompt or a question: the command is ended
        /// (nothing recorded), then its author signed out, the command line kept for them.
        var idleInCommand = false
        var pending: [String] = []
        var idle = false
        /// Keeps `text` for `user` alone, and says so.
        func keep(_ user: String, _ text: String, _ mrn: String?) -> String {
            leftOver = (user, text, mrn)
            return "the line \(user) was typing is kept for \(user) alone: it comes back when \(user) signs in again"
        }
        func alert(_ text: String) -> [String] { Renderer.render(CommandOutput([.alert(text)]), highlight: highlight) }
        /// A watch line as it is (`! BAR-001 …`), in reverse video at a terminal.
        func watched(_ text: String) -> String { highlight ? "\u{1B}[1;7m\(text)\u{1B}[0m" : text }
        // Each second at a prompt: the watch's new lines, and the idle sign-out, printed above the
        // line being typed.
        input.onTick = { show in
            if !show {
                idle = !idleInCommand && session.isIdle(now: session.clock.wallTime())
                pending = watch.changes()
                return idle || !pending.isEmpty ? .redraw : nil
            }
            var text = ""
            var after = EditLineInput.AfterTick.redraw
            if idle, let user = session.staff?.username {
                if input.atCommandPrompt {
                    let typed = input.currentLine
                    let mrn = session.patient?.mrn
                    input.clearLine()
                    if let message = session.signOutIfIdle(now: session.clock.wallTime()) {
                        text += message + "\n"
                        if !typed.trimmed.isEmpty {
                            text += keep(user, typed, mrn) + "\n"
                        }
                    }
                } else {
                    // A field's prompt or a question: the command ends with nothing recorded, then
                    // its author is signed out (below, once it has unwound).
                    idleInCommand = true
                    text += "\(user) was idle \(session.idleLimit) min (clinic.idle_minutes): this command is cancelled, nothing of it recorded; the answers typed at its prompts are lost\n"
                    after = .endRead
                }
            }
            idle = false
            for line in pending { text += watched(line) + "\n" }
            if !pending.isEmpty { text = "\u{7}" + text }
            pending = []
            // The prompt carries the time and what is due: drawn again as it is now.
            if input.atCommandPrompt { input.setPrompt(session.prompt) }
            Terminal.writeOut("\r\u{1B}[K" + text)
            return after
        }
        defer { input.onTick = nil }
        while true {
            let lines = watch.beforePrompt()
            for line in lines { session.console.out(watched(line)) }
            // The open visit's other overdue items (a module's own timed checks) the watch does not cover.
            if !lines.contains(where: { line in session.patient.map { line.hasPrefix("! \($0.mrn) ") } ?? false }) {
                for warning in session.overdueWarnings() { for l in alert(warning) { session.console.out(l) } }
            }
            // The line an idle sign-out kept: back for the same person, with the patient open then;
            // gone for anyone else.
            if let kept = leftOver, let staff = session.staff {
                if staff.username == kept.user {
                    if let mrn = kept.mrn, session.patient == nil,
                       case .failed(let failure) = runner.interactive("patient open \(mrn)", source: "idle") {
                        session.console.err("\(failure.kind.rawValue): \(failure.description)")
                    }
                    input.push(kept.text)
                } else {
                    session.console.out("the line \(kept.user) left half-typed was discarded: it was \(kept.user)'s, not \(staff.username)'s")
                }
                leftOver = nil
            }
            switch input.readLine(prompt: session.prompt, completion: .command) {
            case .end:
                // Ctrl-D leaves like quit: not from a patient on the drip without asking. End of input
                // again (Ctrl-D twice, or the terminal gone) leaves: a closed terminal must not spin.
                if let question = try? session.leavingQuestion() {
                    let answer = input.readLine(prompt: question + " Leave anyway? [y/N] ", completion: .none)
                    if idleInCommand {
                        // Left unanswered past the idle limit: signed out, never gone.
                        idleInCommand = false
                        if let message = session.signOutIfIdle(now: session.clock.wallTime(), cancelled: true) { session.console.err(message) }
                        continue
                    }
                    switch answer {
                    case .line(let answer) where Session.isYes(answer): break
                    case .end: break
                    case .line, .interrupt: continue
                    }
                }
                return 0
            case .interrupt: continue
            case .line(let text):
                // An idle session signs out before anything typed after the pause runs.
                if let user = session.staff?.username, case let mrn = session.patient?.mrn, let message = session.signOutIfIdle(now: session.clock.wallTime()) {
                    session.console.err(message)
                    if !text.trimmed.isEmpty {
                        session.console.err(keep(user, text, mrn))
                    }
                    continue
                }
                defer { session.lastActivity = session.clock.wallTime() }
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                input.remember(session.forHistory(text))
                let user = session.staff?.username, mrn = session.patient?.mrn
                let outcome = runner.interactive(text, source: "shell")
                if case .failed(let failure) = outcome {
                    session.console.err("\(failure.kind.rawValue): \(failure.description)")
                    // What was typed while it ran was typed for a command that did not happen (a
                    // patient not opened): it is not run.
                    if Terminal.discardTypeahead() { session.console.err("note: what was typed while it ran was not run; type it again if it still holds") }
                }
                // Idle at one of the command's prompts: now that it has unwound, sign out, keeping
                // the command line for its author.
                if idleInCommand {
                    idleInCommand = false
                    if let user, let message = session.signOutIfIdle(now: session.clock.wallTime(), cancelled: true) {
                        session.console.err(message)
                        session.console.err(keep(user, text, mrn))
                    }
                }
                if outcome == .quit { return 0 }
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
                        guard let password = input.readPassword(prompt: "password: ") else { continue }
                        _ = try Accounts.signInAtStart(name, password: password, source: "shell", in: session)
                    }
                    return true
                } catch let failure as CommandError {
                    // signInAtStart journals its own attempts; a failed first run is journalled here.
                    if first {
                        try? session.journal("login (first administrator)", source: "shell", outcome: failure.kind.rawValue, message: failure.message)
                    }
                    session.console.err("\(failure.kind.rawValue): \(failure.description)")
                } catch {
                    session.console.err("error: \(CommandError(describing: error).description)")
                }
            }
        }
    }
}
