import ClinicKit
import ClinicStorage
import Foundation

/// Writes a session as it goes (`record start`): told after each command, outside any transaction.
package protocol SessionRecorder: AnyObject {
    /// The file written.
    var path: String { get }
    /// Writes what was committed since the last call.
    func flush() throws
    /// Writes what is left and closes the recording.
    func stop() throws
}

/// How a command line ended.
package enum Outcome: Equatable {
    case ok
    case failed(CommandError)
    /// `quit` or `exit`.
    case quit
}

/// One person's working session: who is signed in, which patient and visit are open, and the one
/// place every command line goes through, typed or scripted.
package final class Session {
    package let store: any RecordStore
    package let plugins: PluginReport
    package private(set) var catalog: CommandCatalog
    /// The host's commands this session was given (the engine's, and the layers' above it).
    package let hostCommands: HostCommandTable
    package let clock: any ClinicClock
    package let calendar: Calendar
    package let console: any Console
    /// Where to ask for missing fields and passwords; `nil` when there is no one to ask (a script).
    package var input: (any LineInput)?
    package var environment: [String: String]
    package let databasePath: String
    package let sessionID: String
    /// The clinic protocol in force: every record notes its version.
    package internal(set) var clinicProtocol: LoadedProtocol

    package internal(set) var staff: StaffInfo?
    package internal(set) var patient: PatientInfo?
    package internal(set) var visit: VisitInfo?
    package internal(set) var signedInAt: Date?

    /// The time of the command that is running: every record, journal line and visit time one
    /// command writes carries the same instant (a replay reproduces it with one `clock set`).
    private var commandTime: Date?
    /// The effective time a command was given with `--at` (a late entry), while it runs.
    package private(set) var effectiveAt: Date?
    /// Values a command chose itself (a generated MRN), added to the journal's canonical line so
    /// that a replay makes the same choice.
    private var chosen: [String] = []
    /// A script is running: a missing field is an error, not a question, even with a terminal
    /// (passwords are still asked: a signature is the person's own).
    package var inScript = false
    /// Whether the protocol adopted, as the record keeps it, could not be run at start (altered,
    /// or unsuited to the modules): the file adopted must then be given.
    package var keptProtocolRefused = false
    /// The instruments given as data that this session asks (their commands are in the catalog):
    /// what the FHIR export writes their responses against.
    package var instruments: [Instrument] = []

    /// The instruments whose total a module may follow over time: those that say in which
    /// direction it is better and what change matters.
    package var measures: [Measure] {
        instruments.compactMap { i in
            guard let better = i.betterWhen, let mid = i.minimalImportantDifference, let total = i.total, ["integer", "decimal"].contains(total.type) else { return nil }
            return Measure(module: i.module, kind: i.verb, title: i.title, field: total.linkId, questionnaire: i.canonical,
                           lowerIsBetter: better == "lower",
                           minimalImportantDifference: mid)
        }
    }
    /// Results are not printed (a CSV batch, a replay); alerts and errors still are.
    package var quiet = false
    /// Set while `replay` re-executes a recording into a fresh sandbox: `login` needs no password
    /// and `user add` makes accounts that no password opens.
    package var isReplaying = false
    /// Writes the session as a replayable script while `record start` is on.
    package var recorder: (any SessionRecorder)?
    /// Contract problems a module showed at run time, each said once (``FactEngine``).
    var contractWarnings: Set<String> = []
    /// The modules whose facts are being worked out, innermost last (a cycle is refused).
    var modulesWorkingOutFacts: [String] = []
    /// How deep commands run other modules' commands (`ModuleContext.perform`).
    private var performDepth = 0
    /// Passwords asked for the running command before its transaction, by whom they are for
    /// (`nora`, `patel (witness)`).
    var collectedPasswords: [String: String] = [:]
    /// Whether the running command's transaction is its own, so a password it needs is asked
    /// with the transaction rolled back, and the command run again (``Accounts/password(for:in:variable:)``).
    var asksBeforeWriting = false
    /// The passwords the running command asked for inside its transaction, in order: each asked
    /// once the transaction has rolled back, after what it signs is said.
    var passwordsNeeded: [PasswordRequest] = []
    /// The new password the running command asked for inside its transaction.
    var newPasswordNeeded: NewPasswordRequest?
    /// What the running command's signatures sign, as said already (once each, however often it runs).
    var signingNotesShown: Set<String> = []
    /// The open visit another workstation ended since this shell's last command: its id, when and by whom.
    var visitEndedElsewhere: (id: Int64, at: Date, by: String)?
    /// While `as NAME COMMAND` runs: the member of staff signed in, whom the shell returns to.
    package internal(set) var actingFor: StaffInfo?
    /// While `as NAME COMMAND` runs: the name and password typed for it, which a signature the
    /// command needs takes instead of asking again.
    var actingPassword: (name: String, password: String)?

    package init(store: any RecordStore, plugins: PluginReport, clock: any ClinicClock, calendar: Calendar, console: any Console,
                 input: (any LineInput)?, environment: [String: String], databasePath: String, clinicProtocol: LoadedProtocol,
                 hostCommands: HostCommandTable = HostCommands.table) {
        self.clinicProtocol = clinicProtocol
        self.store = store
        self.plugins = plugins
        self.clock = clock
        self.calendar = calendar
        self.console = console
        self.input = input
        self.environment = environment
        self.databasePath = databasePath
        self.sessionID = UUID().uuidString.lowercased()
        self.hostCommands = hostCommands
        self.catalog = CommandCatalog(host: hostCommands, modules: plugins.loaded)
        store.onWait = { [console] in console.err("waiting for another workstation…") }
        store.onReconnect = { [console] line in console.err("note: \(line)") }
        store.willCommit = { [weak self] patients in
            guard let self else { return }
            try DueProjection.refresh(patients, in: self)
        }
    }

    /// Whether someone is there to answer prompts.
    package var isInteractive: Bool { input != nil }

    /// The prompt: who is signed in, and the open patient and visit (`nora@BAR-001 [infusion]> `).
    package var prompt: String {
        // A sandbox says so on every line, with its (possibly simulated) time.
        let sandbox = isSandbox ? "(sandbox \(String(ClinicTime.format(clock.now(), calendar: calendar).suffix(5)))) " : ""
        guard let staff else { return sandbox + "clinic> " }
        var p = sandbox + staff.username
        if let patient { p += "@\(patient.mrn)" } else { p += " (\(StaffRoles.text(staff.roles)))" }
        if let visit, let patient {
            // What falls due next rides in the prompt: the visit's own (vitals) before older reminders;
            // a paused infusion and a standing alert are marked before it.
            let engine = FactEngine(session: self)
            let items = (try? engine.due()) ?? []
            let next = items.first { !$0.isAllDay && $0.at >= visit.startedAt } ?? items.first
            // The most urgent first: paused, an alert standing, what the visit needs next (vitals
            // due, or the earliest discharge once the dose has ended), then older reminders.
            var marks = [visit.kind]
            let board = (try? Board.entry(patient, visit, place: nil, in: self)) ?? nil
            if board?.state == .paused { marks.append("PAUSED") }
            if !((try? engine.alerts()) ?? []).isEmpty { marks.append("ALERT") }
            // Once the treatment has ended, the modules' notes say what the visit waits for.
            let waiting = board?.state == .ended ? board?.notes ?? [] : []
            marks += waiting
            if let next, waiting.isEmpty || !next.isAllDay { marks.append(Self.dueText(next, now: clock.now(), calendar: calendar)) }
            p += " [" + marks.joined(separator: " · ") + "]"
        }
        return p + "> "
    }

    /// `vitals due 10:19`, `vitals due now`, `vitals OVERDUE 3 min`; a day's item: `call due
    /// 2026-12-01`, `call due today`, `call OVERDUE 3 d`.
    static func dueText(_ item: DueItem, now: Date, calendar: Calendar) -> String {
        let time = ClinicTime.format(item.at, calendar: calendar)
        let today = ClinicTime.format(now, calendar: calendar)
        if item.isAllDay {
            let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: item.at), to: calendar.startOfDay(for: now)).day ?? 0
            if days > 0 { return "\(item.what) OVERDUE \(days) d" }
            return days == 0 ? "\(item.what) due today" : "\(item.what) due \(time.prefix(10))"
        }
        if now > item.at {
            let minutes = Int(now.timeIntervalSince(item.at) / 60)
            let late = minutes < 120 ? "\(minutes) min" : minutes < 2880 ? "\(minutes / 60) h" : "\(minutes / 1440) d"
            return "\(item.what) OVERDUE \(late)"
        }
        if time == today { return "\(item.what) due now" }
        return "\(item.what) due \(time.prefix(10) == today.prefix(10) ? String(time.suffix(5)) : time)"
    }

    /// One line for each thing of the open visit that is overdue (vitals), shown before every
    /// prompt. Older reminders (a follow-up call) are shown when the patient is opened and in `status`.
    package func overdueWarnings() -> [String] {
        let now = clock.now()
        guard patient != nil, let visit, let items = try? FactEngine(session: self).due() else { return [] }
        return items.filter { !$0.isAllDay && $0.at >= visit.startedAt && now > $0.at }.map {
            "\($0.what) overdue by \(Int(now.timeIntervalSince($0.at) / 60)) min (due \(ClinicTime.format($0.at, calendar: calendar).suffix(5)), \($0.detail)): type \($0.command)"
        }
    }

    package var today: DateComponents { calendar.dateComponents([.year, .month, .day], from: now) }

    /// Now: the running command's time, else the clock's.
    package var now: Date { commandTime ?? clock.now() }

    /// Whether the database is a sandbox (training, tests, a replay) rather than a live record.
    package var isSandbox: Bool { store.isSandbox }

    /// Who is signed in, the open patient and visit, and a sandbox's clock: what a command that
    /// rolls back must leave as it found.
    package struct State {
        package var staff: StaffInfo?
        package var patient: PatientInfo?
        package var visit: VisitInfo?
        package var signedInAt: Date?
        package var clock: Date?
    }

    package func snapshot() -> State {
        State(staff: staff, patient: patient, visit: visit, signedInAt: signedInAt, clock: clock.setTime)
    }

    package func restore(_ state: State) {
        (staff, patient, visit, signedInAt) = (state.staff, state.patient, state.visit, state.signedInAt)
        clock.restore(state.clock)
    }

    // MARK: - Running a line

    /// Runs one command line and journals it. Results are printed; a failure is returned for the
    /// caller to print and to decide whether to go on.
    /// - Parameter source: where the line came from (`shell`, `-c`, `FILE:LINE`), for the journal.
    @discardableResult
    package func execute(_ line: String, source: String) -> Outcome {
        let words: [String]
        do { words = try Tokenizer.words(line) } catch {
            return finish(line: line, source: source, failure: CommandError(error.description))
        }
        return execute(words: words, source: source, line: { line })
    }

    /// Runs a command already split into words (a script's line, its variables substituted).
    /// `line` gives the text to journal if it fails.
    @discardableResult
    package func execute(words typed: [String], source: String, line lineText: () -> String) -> Outcome {
        guard !typed.isEmpty else { return .ok }
        // `?` asks for help: alone, the list; after a command's words, that command's.
        // (a field already typed, `dosing plan route=iv ?`, is not part of the topic)
        var words = typed
        if words.first?.lowercased() == "as", words.last != "?", words.last != "??" { return executeAs(words, source: source, line: lineText) }
        if let last = words.last, last == "?" || last == "??" {
            words = ["help"] + words.dropLast().prefix { !$0.contains("=") && !$0.hasPrefix("-") }
        } else if words.first == "?" || words.first == "??" {
            words = ["help"] + words.dropFirst()
        }
        var line: String { lineText() }
        let entry: CatalogEntry, arguments: [String]
        switch catalog.resolve(words) {
        case .found(let e, let a): (entry, arguments) = (e, a)
        case .failed(let message): return finish(line: line, source: source, failure: CommandError(message))
        }
        // Another workstation may have ended or started the patient's visit since the last command.
        visitEndedElsewhere = nil
        try? refreshFromRecord()
        // A host command changes the session (the open patient, visit, staff member) as it runs;
        // if its transaction then rolls back, the session must go back to what the record says.
        let saved = snapshot()
        defer { commandTime = nil; effectiveAt = nil; chosen = []; visitEndedElsewhere = nil }
        do {
            var command = try prepare(entry, arguments: arguments)
            // Every question is asked before the write transaction begins.
            try confirm(entry, &command)
            commandTime = clock.now()
            effectiveAt = command.effectiveAt
            let output: CommandOutput
            if entry.managesTransactions {
                // run, replay: their commands commit on their own (one transaction a script or CSV row).
                output = try run(entry, command)
                try journal(command.canonical, source: source, outcome: "ok", message: "", before: saved)
            } else {
                var tries = 0
                while true {
                    do {
                        output = try inOwnTransaction(saved: saved) { () throws -> CommandOutput in
                            // The command's time is read with the write lock held, so entries' times follow
                            // their order; and who may run it is checked again under the lock: roles taken
                            // away on another workstation while this one was asking its questions count.
                            commandTime = clock.now()
                            try checkStillPermitted(entry)
                            try checkVisitStillOpen(for: entry)
                            var output = try run(entry, command)
                            if let at = command.effectiveAt, entry.module != nil {
                                output.line("late entry: effective \(ClinicTime.format(at, calendar: calendar)), recorded \(ClinicTime.format(now, calendar: calendar))")
                            }
                            try journal(([command.canonical] + chosen).joined(separator: " "), source: source, outcome: "ok", message: "", before: saved)
                            return output
                        }
                        break
                    } catch let refusal as CommandError where tries < 3 && offersToChange(entry, command, after: refusal) {
                        // A module refused a value (over a hard limit): at a terminal the value is
                        // typed again, not the whole command. What was refused is journalled as any failure.
                        tries += 1
                        restore(saved)
                        chosen = []
                        try? journalFailure(line.trimmed, source: source, failure: refusal)
                        console.err("  \(refusal.kind.rawValue): \(refusal.description)")
                        guard try changeValue(entry, &command, refused: refusal) else {
                            throw CommandError("\(entry.name) cancelled; nothing was recorded", kind: .cancelled)
                        }
                        try confirm(entry, &command)
                    }
                }
            }
            show(output)
            afterCommand()
            return entry.words == ["quit"] || entry.words == ["exit"] ? .quit : .ok
        } catch {
            restore(saved)
            return finish(line: line, source: source, failure: CommandError(describing: error))
        }
    }

    /// Runs a command's work in its transaction. Nobody waits on a person holding the write lock: a
    /// password the command needs (a signature, a witness, `login`) is not asked inside it; the
    /// transaction is rolled back, the password asked with no lock held, and the work run again
    /// with it. (Inside a script's transaction, which a person started, it is asked where it is.)
    private func inOwnTransaction<T>(saved: State, _ body: () throws -> T) throws -> T {
        let own = !store.isInTransaction && input != nil
        let outer = (asksBeforeWriting, collectedPasswords)
        asksBeforeWriting = own
        // Under `as NAME`, the password NAME typed for the command is theirs to sign with.
        if own { collectedPasswords = actingPassword.map { [$0.name: $0.password] } ?? [:] }
        defer { (asksBeforeWriting, collectedPasswords) = outer; passwordsNeeded = []; newPasswordNeeded = nil; signingNotesShown = [] }
        while true {
            passwordsNeeded = []
            newPasswordNeeded = nil
            do {
                return try store.transaction {
                    let result = try body()
                    // A signature went on without its password, to find what else the command needs
                    // (and what it refuses) before anyone types one: nothing of this run is kept.
                    if !passwordsNeeded.isEmpty { throw QuestionsFirst() }
                    return result
                }
            } catch is QuestionsFirst {
                guard let input else { throw CommandError("no terminal to ask a password", kind: .cancelled) }
                restore(saved)
                chosen = []
                if let request = newPasswordNeeded {
                    collectedPasswords[Accounts.newPasswordKey(request.username)] = try Accounts.readNewPassword(request, in: self, from: input)
                }
                var asked = Set<String>()
                for request in passwordsNeeded where collectedPasswords[request.label] == nil && asked.insert(request.label).inserted {
                    if let note = request.note { console.out(note) }
                    guard let password = input.readPassword(prompt: "password for \(request.label): ") else {
                        throw CommandError("no password was given; nothing was recorded", kind: .cancelled)
                    }
                    collectedPasswords[request.label] = password
                }
            }
        }
    }

    /// Thrown inside a command's own transaction when it needs a password or a new one: the
    /// transaction rolls back, the questions are asked with no lock held, and the command runs again.
    struct QuestionsFirst: Error {}

    /// A password a command needs: for whom (`patel`, `nora (witness)`), and what it signs, said
    /// before it is asked (`patel signs: approves the screening decision: eligible`).
    struct PasswordRequest {
        var label: String
        var note: String?
    }

    /// A new password a command needs: whose, what to say first, and the one it must differ from.
    struct NewPasswordRequest {
        var username: String
        var note: String? = nil
        var avoiding: String? = nil
    }

    /// After a command, outside any transaction: the recorder writes what was committed.
    package func afterCommand() {
        guard !store.isInTransaction, let recorder else { return }
        do { try recorder.flush() } catch {
            console.err("warning: the recording \(recorder.path) stopped: \(CommandError.reason(error))")
            self.recorder = nil
        }
    }

    /// `clinic.also_requires` as read for the protocol in force (its hash, and the pairs).
    var alsoRequiredCache: (sha256: String, pairs: [String: [String]])?

    /// A module's published fact for the open patient, worked out now; `nil` when no module publishes it.
    package func fact(_ name: String) throws -> Fact? { try FactEngine(session: self).fact(name) }

    /// Runs a module's command on behalf of another module's running command
    /// (`ModuleContext.perform`): the same checks as typed, no prompting, in a savepoint of its own.
    func perform(_ command: String, _ values: [String: Value], for caller: String) throws -> CommandOutput {
        let words = command.split(separator: " ").map(String.init)
        guard case .found(let entry, let rest) = catalog.resolve(words), rest.isEmpty, entry.module != nil else {
            throw CommandError("module \(caller) asked to run '\(command)', which is not a loaded module's command",
                                 hint: "check the modules list (type modules)")
        }
        guard performDepth < 3 else {
            throw CommandError("module \(caller) asked to run \(command) from a command run by another; refused to go deeper")
        }
        var arguments: [String] = []
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard entry.spec.fields.contains(where: { $0.name == name }) else {
                throw CommandError("module \(caller) gave \(command) a field '\(name)' it does not have")
            }
            arguments.append("\(name)=\(value.typed)")
        }
        let wasInScript = inScript
        inScript = true
        performDepth += 1
        // A command recorded when it is typed is recorded now, even when the command that runs it
        // is a late entry (late vital signs past a stop criterion pause the infusion now, not then).
        let outerEffectiveAt = effectiveAt
        if !entry.spec.takesLateEntries { effectiveAt = nil }
        defer { inScript = wasInScript; performDepth -= 1; effectiveAt = outerEffectiveAt }
        let prepared = try prepare(entry, arguments: arguments)
        return try store.transaction { try run(entry, prepared) }
    }

    private func run(_ entry: CatalogEntry, _ command: Prepared) throws -> CommandOutput {
        guard let module = entry.module else {
            guard let handler = entry.handler else {
                throw CommandError("\(entry.name) is read by the script runner, not run as a command", hint: "put it in a script, or type run FILE")
            }
            return try handler(command.values, self)
        }
        guard let staff else { throw CommandError("\(entry.name): nobody is signed in") }
        // A command that needs no patient (a clinic-wide list) runs with none: an empty record.
        guard let patient = patient ?? (entry.spec.needsPatient ? nil : PatientInfo.nobody) else { throw CommandError("\(entry.name): no patient is open") }
        let context = HostModuleContext(session: self, module: module.name, patient: patient, staff: staff)
        context.ownKinds = module.declaration.recordedKinds
        return try ModuleCall.run(module, "'\(entry.name)'") {
            try module.module.run(Invocation(verb: entry.spec.verb, values: command.values), in: context)
        }
    }

    package func show(_ output: CommandOutput) {
        let highlight = console.isTerminal
        // Quiet (a CSV batch, a replay): only the alerts, each naming its patient.
        let shown = !quiet ? output : CommandOutput(output.blocks.compactMap { block -> OutputBlock? in
            guard case .alert(let text) = block else { return nil }
            return .alert(patient.map { "\($0.mrn): \(text)" } ?? text)
        })
        let width = highlight ? console.columns : nil
        let lines = Renderer.render(shown, highlight: highlight, width: width)
        // The rows each line takes: one a terminal runs on past its width (a wide table) takes more.
        let heights = lines.map { line in width.map { Layout.rows(line, width: $0) } ?? 1 }
        // At a terminal, a long text (the consent) comes a page at a time.
        guard let input, highlight, !inScript, let rows = console.rows, heights.reduce(0, +) > rows - 1 else {
            for line in lines { console.out(line) }
            return
        }
        var shownSoFar = 0
        for (line, height) in zip(lines, heights) {
            if shownSoFar > 0, shownSoFar + height > rows - 2 {
                // One key: Enter or space for the next page, q to stop; anything else stops too,
                // and what was typed stays, as the start of the next command.
                guard case .line(let key) = input.readKey(prompt: "-- more: Enter or space for the next page, q to stop -- ") else { return }
                switch key.lowercased() {
                case "", " ": break
                case "q", "\u{1B}": return
                default:
                    input.pushBack(key)
                    return
                }
                shownSoFar = 0
            }
            console.out(line)
            shownSoFar += height
        }
    }

    /// Journals the failure and returns it as the outcome; the caller prints it (the shell and a
    /// script say where it happened differently).
    func finish(line: String, source: String, failure: CommandError) -> Outcome {
        do {
            try journalFailure(line.trimmed, source: source, failure: failure)
        } catch {
            // Said once when the journal failed for the reason the command did (the server gone).
            let reason = CommandError.reason(error)
            if reason != failure.message { console.err("error: could not write the journal: \(reason)") }
        }
        return .failed(failure)
    }

    /// Journals a line that failed as the journal may keep it (``journalled(failedLine:message:)``):
    /// never the text of a line that named no command, nor an identifying value.
    package func journalFailure(_ line: String, source: String, failure: CommandError, note: String = "") throws {
        let kept = journalled(failedLine: line, message: failure.description + note)
        try journal(kept.command, source: source, outcome: failure.kind.rawValue, message: kept.message)
    }

    /// Journals a command line. Its staff member, patient and visit are the session's after the
    /// command, or, where the command closed one (`logout`, `visit end`), the one it closed.
    package func journal(_ command: String, source: String, outcome: String, message: String, before: State? = nil) throws {
        try store.appendJournal(JournalEntry(session: sessionID, staffID: (staff ?? before?.staff)?.id, at: now, source: source,
                                             command: command.utf8.count <= 4000 ? command : String(command.prefix(4000)), outcome: outcome, message: message,
                                             patientID: (patient ?? before?.patient)?.id, visitID: (visit ?? before?.visit)?.id))
    }

    // MARK: - State changes (for host commands)

    /// Notes a value the command chose (`mrn=C000002`) for the journal's canonical line.
    package func noteChosen(_ field: String, _ value: String) {
        chosen.append("\(field)=\(Tokenizer.quote(value))")
    }

    /// Signs `who` in. The open patient and visit stay open for someone who may see them (a
    /// clinical role): a physician signing in at the nurse's chair finds the patient there.
    package func signIn(_ who: StaffInfo) {
        if staff?.id != who.id, who.roles.isDisjoint(with: Role.clinical) { patient = nil; visit = nil }
        staff = who
        signedInAt = now
    }

    /// When the person at the shell last finished a command (wall-clock time, even in a sandbox:
    /// idleness is about the person, not the record).
    package var lastActivity: Date?

    /// Signs the member of staff out when the shell has been idle longer than the protocol allows,
    /// journalling it, and returns what to tell them; `nil` when they stay signed in.
    /// `cancelled`: a command was waiting at a prompt, and was ended with what was typed there.
    package func signOutIfIdle(now: Date, cancelled: Bool = false) -> String? {
        guard let staff, let last = lastActivity, isIdle(now: now) else { return nil }
        let limit = idleLimit
        let idle = Int(now.timeIntervalSince(last) / 60)
        let before = snapshot()
        signOut()
        try? journal("logout", source: "idle", outcome: "ok", message: "signed out after \(idle) min idle", before: before)
        let kept = cancelled ? "the command under way was cancelled with the answers typed at its prompts, nothing of it recorded"
                             : "nothing was lost"
        return "signed out: \(staff.username) was idle \(idle) min (clinic.idle_minutes is \(limit)); \(kept). Sign in again: login \(staff.username)"
    }

    /// The protocol's idle limit, in minutes (`clinic.idle_minutes`).
    package var idleLimit: Int { (try? clinicProtocol.settings.integer(HostSettings.idleMinutes)) ?? 15 }

    /// Whether someone is signed in and has been idle for the protocol's limit.
    package func isIdle(now: Date) -> Bool {
        guard staff != nil, let last = lastActivity else { return false }
        return Int(now.timeIntervalSince(last) / 60) >= idleLimit
    }

    package func signOut() {
        staff = nil
        patient = nil
        visit = nil
        signedInAt = nil
    }

    package func open(_ p: PatientInfo) throws {
        patient = p
        visit = try store.openVisit(patientID: p.id)
    }

    package func setVisit(_ v: VisitInfo?) { visit = v }
}

