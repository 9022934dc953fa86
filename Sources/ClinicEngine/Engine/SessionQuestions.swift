import ClinicKit
import ClinicStorage
import Foundation

// The questions a command puts to the person at the terminal, all before its write transaction
// begins: leaving a patient whose infusion runs, and a module's own (`dosing stop`, an implausible
// reading).
extension Session {
    /// Asks, at a terminal, what the command needs confirmed before it writes: leaving a patient
    /// whose infusion runs, and the module's own questions (`dosing stop`, an implausible reading).
    /// A script is refused leaving unless it says `--force`; the module's questions are not put to it.
    func confirm(_ entry: CatalogEntry, _ command: inout Prepared) throws {
        guard !isReplaying else { return }
        let asking = isInteractive && !inScript
        if let question = try leaving(entry, command.values) {
            if command.values["force"]?.boolValue == true {
                // Said on the line: nothing to ask.
            } else if asking {
                guard ask(question + " Leave anyway?") else {
                    throw CommandError("\(entry.name) cancelled: you stay with \(patient?.mrn ?? "the patient")", kind: .cancelled)
                }
                // The journal (and a replay of it) keeps the answer.
                command.canonical += " --force"
            } else {
                throw CommandError("\(entry.name) would leave the patient while \(question.dropLast())", hint: "a script that means to leave says so: \(entry.name) … --force", kind: .refused)
            }
        }
        // A likely duplicate is asked about before it is made. A script registers it, and the
        // registration says so as an alert (a batch names the patient it made).
        if asking, entry.name == "patient new", command.values["duplicate"]?.boolValue != true,
           let twins = try? Patients.likelyDuplicates(name: command.values["name"]?.stringValue ?? "", dob: command.values["dob"]?.stringValue ?? "", in: self),
           !twins.isEmpty {
            let who = twins.map { Patients.describe($0, in: self) }.joined(separator: "; ")
            guard ask("\(who): same name and date of birth. Register another patient anyway?") else {
                throw CommandError("patient new cancelled; nothing was recorded", hint: "open them: patient open \(twins[0].mrn)", kind: .cancelled)
            }
            command.canonical += " --duplicate"
        }
        guard asking, let module = entry.module, let patient else { return }
        // A "no" has the value typed again, and the questions put again on the values as they are then.
        asking: while true {
            let values = command.values
            let questions = try ModuleCall.run(module, "asking before '\(entry.name)'") {
                try (module.module as? any ConfirmingModule)?.confirmations(Invocation(verb: entry.spec.verb, values: values),
                                                                      from: HostRecordReader(session: self, patient: patient)) ?? []
            }
            for question in questions where !ask(question) {
                guard try changeValue(entry, &command) else {
                    throw CommandError("\(entry.name) cancelled; nothing was recorded", kind: .cancelled)
                }
                continue asking
            }
            return
        }
    }

    /// Whether a module's failure is put to the person at the terminal as a value to change: an
    /// error (not a refusal of who or when) of a command given values, asked at a terminal.
    func offersToChange(_ entry: CatalogEntry, _ command: Prepared, after failure: CommandError) -> Bool {
        entry.module != nil && failure.kind == .error && !command.texts.isEmpty && isInteractive && !inScript && !isReplaying && input != nil
    }

    /// After a "no" to a module's question, or a value it refused: a value changed, typed as
    /// `name=value` (`sbp=148`); `false` when nothing is typed (the command is cancelled). Asked
    /// until a value is taken. The example names the field the refusal quotes, if one.
    func changeValue(_ entry: CatalogEntry, _ command: inout Prepared, refused: CommandError? = nil) throws -> Bool {
        guard let input else { return false }
        let fields = entry.spec.fields
        let said = refused.map { ($0.message + " " + ($0.hint ?? "")).lowercased().filter { $0 != " " } } ?? ""
        // The field whose value the refusal quotes (the longest quoted: `iv` is in many a sentence).
        let quoted = fields.filter { f in command.texts[f.name].map { !said.isEmpty && said.contains($0.lowercased().filter { $0 != " " }) } ?? false }
            .max { (command.texts[$0.name]?.count ?? 0) < (command.texts[$1.name]?.count ?? 0) }
        let example = (quoted ?? fields.first { command.values[$0.name] != nil }).map { "\($0.name)=\(FieldPrompt.sample($0))" } ?? "name=value"
        while true {
            guard case .line(let line) = input.readLine(prompt: "  change a value to go on (e.g. \(example)), or Enter to cancel: ", completion: .none) else { return false }
            let typed = line.trimmed
            if typed.isEmpty || typed == "^^" { return false }
            guard let eq = typed.firstIndex(of: "="), let spec = fields.first(where: { $0.name == typed[..<eq].trimmed.lowercased() }) else {
                console.err("  error: type the field's name, =, and its value: e.g. \(example) (Enter cancels)")
                continue
            }
            let text = String(typed[typed.index(after: eq)...]).trimmed
            do {
                let (value, kept) = try spec.read(text, today: today)
                command.retype(spec, value, text: kept, in: entry)
                return true
            } catch {
                console.err("  error: \(spec.name): \(error.problem); \(error.hint) (Enter cancels)")
            }
        }
    }

    /// A yes-or-no question at the terminal; anything but yes is no.
    package func ask(_ question: String) -> Bool {
        guard let input else { return false }
        guard case .line(let answer) = input.readLine(prompt: question + " [y/N] ", completion: .none) else { return false }
        return Self.isYes(answer)
    }

    /// `y` or `yes`, in any case.
    package static func isYes(_ answer: String) -> Bool { ["y", "yes"].contains(answer.trimmed.lowercased()) }

    /// The question to ask before the command leaves the open patient while their infusion runs
    /// or is paused (`BAR-001's infusion is running (vitals due 10:35).`); `nil` when it does not.
    func leaving(_ entry: CatalogEntry, _ values: [String: Value]) throws -> String? {
        switch entry.name {
        case "logout", "quit", "exit", "patient new": break
        case "patient open":
            let key = values["patient"]?.stringValue ?? ""
            if let target = try Patients.find(key, in: store), target.id == patient?.id { return nil }
        default: return nil
        }
        return try leavingQuestion()
    }

    /// Whether the open patient's infusion is running or paused, as the question before leaving.
    package func leavingQuestion() throws -> String? {
        guard let entry = try Board.openPatient(in: self), entry.isWatched else { return nil }
        let next = entry.due.first.map { " (\(Self.dueText($0, now: now, calendar: calendar)))" } ?? ""
        return "\(entry.patient.mrn)'s infusion is \(entry.state.rawValue)\(next)."
    }
}
