import ClinicKit
import ClinicStorage
import Foundation

/// The commands of the instruments given as data: each is typed under the module it names
/// (`screening isi q1=2 …`), asked item by item as a module's command is, gated like it, scored
/// by the instrument's own expressions, and recorded as that module's entry.
package enum InstrumentCommands {
    /// The instruments a session asks, their commands, and what to tell whoever starts the program.
    package struct Loaded {
        package var instruments: [Instrument]
        package var table: HostCommandTable
        /// The files refused (with each problem) and the instruments left out, a line each.
        package var warnings: [String]
    }

    /// The instruments read from the folders, before the protocol is: its `clinic.also_requires`
    /// may name their facts, and which of them may be asked depends on its settings.
    package struct Candidates: Sendable {
        package var instruments: [Instrument]
        /// The folders that cannot be read and the files refused (with each problem), a line each.
        package var warnings: [String]
        /// A sandbox asks an instrument that carries no worked examples.
        package var sandbox: Bool
        /// The folders given at start after the shipped one (`--instruments`), when read from
        /// folders; `nil` for a session's instruments.
        package var given: [String]? = nil
        /// No instruments at all (a protocol checked on its own).
        package static let none = Candidates(instruments: [], warnings: [], sandbox: false)

        /// These and the instruments of `folder` (a protocol's own). Read from folders, they are
        /// read again with it after the shipped folder and before those given at start, so that
        /// the protocol's file is the one asked when both give a command; a session's take it
        /// after them.
        package func adding(folder: String) -> Candidates {
            if let given { return InstrumentCommands.read(folders: [InstrumentFile.shippedFolder, folder] + given, sandbox: sandbox) }
            var out = self
            let more = InstrumentCommands.read(folders: [folder], sandbox: sandbox, after: instruments)
            out.instruments += more.instruments
            out.warnings += more.warnings
            return out
        }
    }

    /// Reads the instrument folders (the shipped one first, then the clinic's own): what the
    /// program, its owner's commands and the clinic's tests all start from.
    package static func read(folders: [String], sandbox: Bool, after earlier: [Instrument] = []) -> Candidates {
        var warnings: [String] = []
        for folder in folders {
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !FileManager.default.isReadableFile(atPath: folder) {
                warnings.append("instrument folder \(folder) cannot be read")
            } else if !isFolder.boolValue {
                warnings.append("instrument folder \(folder) is a file: give the folder that holds it")
            }
        }
        let (instruments, refused) = InstrumentFile.readFolders(folders, after: earlier)
        for (folder, refusal) in refused {
            warnings.append("instrument file \((folder as NSString).appendingPathComponent(refusal.file)) refused:")
            warnings += refusal.problems.map { "  " + $0 }
        }
        return Candidates(instruments: instruments, warnings: warnings, sandbox: sandbox,
                          given: earlier.isEmpty ? folders.filter { $0 != InstrumentFile.shippedFolder } : nil)
    }

    /// The commands of the instruments read that may run under the protocol's `settings`.
    package static func load(_ candidates: Candidates, modules: [LoadedModule], settings: ClinicProtocol) -> Loaded {
        let offered = table(candidates.instruments, modules: modules, sandbox: candidates.sandbox, settings: settings)
        let asked = candidates.instruments.filter { offered.unasked[$0.verb] == nil }
        return Loaded(instruments: asked, table: offered.table, warnings: candidates.warnings + offered.notes)
    }

    /// The instruments' commands that may run here, and why each of the others may not: one whose
    /// module is not loaded, one whose command a module gives itself, one without worked examples
    /// outside a sandbox, one reading a protocol setting the protocol lacks. `notes` says it of
    /// the clinic's own (a shipped file a module still codes itself is left out silently);
    /// `unasked` holds every reason, by command word.
    package static func table(_ instruments: [Instrument], modules: [LoadedModule], sandbox: Bool,
                               settings: ClinicProtocol) -> (table: HostCommandTable, notes: [String], unasked: [String: String]) {
        var entries: [CatalogEntry] = [], notes: [String] = [], unasked: [String: String] = [:]
        for instrument in instruments {
            let command = "\(instrument.module) \(instrument.verb)"
            let shipped = instrument.folder == InstrumentFile.shippedFolder
            func leftOut(_ reason: String, silent: Bool = false) {
                unasked[instrument.verb] = reason
                if !silent { notes.append("instrument \(instrument.title) is not asked: \(reason)") }
            }
            guard let module = modules.first(where: { $0.name == instrument.module }) else {
                leftOut("its command \(command) names the module \(instrument.module), which is not loaded")
                continue
            }
            // A module's own command comes first (the shipped instruments it still codes itself, silently).
            if module.declaration.commands.contains(where: { $0.verb == instrument.verb || $0.aliases.contains(instrument.verb) }) {
                leftOut("the module \(instrument.module) gives \(command) itself", silent: shipped)
                continue
            }
            // Its entries must never pass for the module's own (a signature, an acknowledgement):
            // it joins only a module that says what it records itself, under another kind.
            guard let own = module.declaration.recordedKinds else {
                leftOut("the module \(instrument.module) does not declare the kinds of entry it records, so no instrument may join it")
                continue
            }
            if own.contains(instrument.verb) {
                leftOut("the module \(instrument.module) records entries of kind \(instrument.verb) itself", silent: shipped)
                continue
            }
            guard sandbox || !instrument.examples.isEmpty else {
                leftOut("it carries no worked examples, so it is loaded only into a sandbox")
                continue
            }
            if let missing = instrument.context.compactMap(\.setting).first(where: { settings.values[$0] == nil }) {
                leftOut("it reads the protocol setting \(missing), which the clinic protocol does not hold")
                continue
            }
            var entry = CatalogEntry(host: [instrument.module, instrument.verb], spec: spec(instrument)) { values, session in
                try run(instrument, values, in: session)
            }
            entry.recordsAs = instrument.module
            // An item its enableWhen asks for is asked at the terminal once the answers it
            // depends on are in (a script gives it on the line).
            if instrument.items.contains(where: { !$0.enableWhen.isEmpty }) {
                entry.neededGiven = { values in
                    let asked = instrument.asked(Self.answers(instrument, values))
                    return instrument.items.filter { $0.required && !$0.enableWhen.isEmpty && instrument.isEnabled($0, asked) }.map(\.linkId)
                }
            }
            entries.append(entry)
        }
        // A clinic's instrument's alert stands until acknowledged, with a command of its own.
        entries.append(InstrumentAlerts.entry)
        return (HostCommandTable(entries: entries, groupSummaries: [:]), notes, unasked)
    }

    /// The command as the shell parses, asks, completes and documents it.
    static func spec(_ instrument: Instrument) -> CommandSpec {
        // One question (PGIC) is answered after the command, as a coded one-field command is.
        let single = instrument.items.count == 1
        let fields = instrument.items.map { item -> FieldSpec in
            let kind: FieldKind
            switch item.kind {
            case .choice(let options): kind = .choice(options.map { Choice($0.code, $0.display) })
            case .integer(let range): kind = .integer(range)
            case .decimal(let range): kind = .decimal(range)
            case .boolean: kind = .yesNo
            case .text(let max): kind = .text(maxLength: max)
            }
            // An item asked only when another's answer says so is not asked for by the shell; the
            // command checks it once the answers it depends on are in.
            // Free text may name people or places: it is kept out of the history and the journal.
            var identifying = false
            if case .text = item.kind { identifying = true }
            return FieldSpec(item.linkId, kind, required: item.required && item.enableWhen.isEmpty, help: item.help ?? item.text,
                             positional: single, identifying: identifying)
        }
        return CommandSpec(instrument.verb, summary: instrument.summary, fields: fields, roles: Role.clinical, needsPatient: true, needsVisit: instrument.needsVisit,
                           discussion: """
                               \(instrument.title), version \(instrument.version) (\(instrument.url)), given as data.
                               Each item is asked in turn when left out; in a script give them all: \(single ? "\(instrument.module) \(instrument.verb) ANSWER" : instrument.items.map { "\($0.linkId)=…" }.joined(separator: " ")).
                               """)
    }

    /// Scores the answers and records them, with every score, the band, the alerts' flags and the
    /// questionnaire they answered (its URL, version and file hash).
    static func run(_ instrument: Instrument, _ values: [String: Value], in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff else { throw CommandError("no patient is open", hint: "open a patient first") }
        let answers = Self.answers(instrument, values)
        let kept = instrument.asked(answers)
        // An answer to an item these answers do not ask is a slip: said, not dropped.
        let notAsked = instrument.items.filter { answers[$0.linkId] != nil && kept[$0.linkId] == nil }
        if let first = notAsked.first {
            throw CommandError("\(notAsked.map(\.linkId).joined(separator: ", ")) \(notAsked.count == 1 ? "is" : "are") not asked with these answers (\(first.linkId) is asked when \(Self.condition(first))); nothing was recorded",
                               hint: "leave \(notAsked.count == 1 ? "it" : "them") out, or check the answers it depends on")
        }
        let needed = instrument.items.filter { $0.required && !$0.enableWhen.isEmpty && kept[$0.linkId] == nil && instrument.isEnabled($0, kept) }
        if let first = needed.first {
            throw CommandError("\(needed.map(\.linkId).joined(separator: ", ")) \(needed.count == 1 ? "is" : "are") needed with these answers (\(first.linkId): \(first.text), asked when \(Self.condition(first)))",
                               hint: "give \(needed.map { "\($0.linkId)=…" }.joined(separator: " "))")
        }
        var context: [String: FHIRPathSubset.Value] = [:]
        for variable in instrument.context {
            if let setting = variable.setting {
                guard let n = session.clinicProtocol.settings.values[setting]?.doubleValue else {
                    throw CommandError("\(instrument.title) reads the protocol setting \(setting), which is not a number here", hint: "check the clinic protocol")
                }
                context[variable.name] = .number(n)
            } else {
                context[variable.name] = .string(patient.sex.rawValue)
            }
        }
        let result: Instrument.Result
        do { result = try instrument.score(answers, context: context) } catch {
            throw CommandError("\(instrument.title) cannot be scored with these answers: \(error.reason)", hint: "tell whoever keeps the instrument file; nothing was recorded")
        }
        var payload: [String: Value] = [:]
        let asked = instrument.asked(answers)
        for item in instrument.items {
            guard let answer = asked[item.linkId] else { continue }
            payload[item.linkId] = values[item.linkId] ?? .null
            if case .coding(_, let weight?) = answer { payload[item.linkId + "_score"] = Self.number(weight) }
        }
        var shown: [String] = []
        for score in instrument.scores {
            switch result.scores[score.linkId] ?? nil {
            case .number(let n)?:
                payload[score.linkId] = Self.number(n)
                shown.append(score.linkId == instrument.total?.linkId ? "\(instrument.title) \(FieldSpec.format(n))" : "\(score.linkId) \(FieldSpec.format(n))")
            case .bool(let b)?:
                payload[score.linkId] = .bool(b)
                shown.append(b ? score.text : "not " + score.text)
            case .string(let s)?:
                payload[score.linkId] = .string(s)
                shown.append(s)
            default:
                payload[score.linkId] = .null
                shown.append("\(score.linkId): no score")
            }
        }
        if let band = result.band {
            payload["band"] = .string(band)
            shown.append(band)
        }
        for flag in result.flags { payload[flag] = .bool(true) }
        // A clinic's instrument's alerts stand on the patient, as they were said, until a clinician
        // acknowledges them (InstrumentAlerts); a shipped one's stand in its module, from its flag.
        // Decided here, once: what a response needs does not change with the files loaded later.
        if !result.alerts.isEmpty && instrument.folder != InstrumentFile.shippedFolder {
            payload["alerts"] = .array(result.alerts.map { .string($0) })
        }
        // One version, one file: a response scored by a file changed under the same version would
        // leave the patient's responses exportable against neither.
        let named = instrument.canonical
        if try HostRecordReader(session: session, patient: patient).records(module: instrument.module, kind: instrument.verb).contains(where: {
            $0.payload["questionnaire"]?.stringValue == named && $0.payload["questionnaire_sha256"]?.stringValue != instrument.sha256 }) {
            throw CommandError("\(patient.mrn)'s earlier \(instrument.title) responses to version \(instrument.version) were scored by another file than the one loaded now; nothing was recorded",
                               hint: "load the file that scored them, or give the changed file a new version")
        }
        payload["questionnaire"] = .string(named)
        payload["questionnaire_sha256"] = .string(instrument.sha256)
        // Appended as the module's own entry is: its checks, the open visit, the time given with --at.
        let module = HostModuleContext(session: session, module: instrument.module, patient: patient, staff: staff)
        let stored = try module.append(RecordDraft(kind: instrument.verb, payload: .object(payload)))
        var out = CommandOutput()
        for alert in result.alerts { out.alert(alert) }
        out.line("recorded \(instrument.title) #\(stored.id) · " + (result.shown ?? shown.joined(separator: " · ")))
        return out
    }

    /// When an item is asked, as its enableWhen says (`q1 = 2`, `q3 exists`).
    static func condition(_ item: Instrument.Item) -> String {
        item.enableWhen.map { c in
            let value: String
            switch c.answer {
            case .string(let s), .coding(let s, _): value = s
            case .number(let n): value = FieldSpec.format(n)
            case .bool(let b): value = b ? "yes" : "no"
            default: value = "?"
            }
            return c.comparison == "exists" ? "\(c.question) \(c.answer == .bool(true) ? "is" : "is not") answered" : "\(c.question) \(c.comparison) \(value)"
        }.joined(separator: item.enableWhenAll ? " and " : " or ")
    }

    /// The answers as the instrument's expressions read them (a choice with its weight).
    static func answers(_ instrument: Instrument, _ values: [String: Value]) -> [String: FHIRPathSubset.Value] {
        var answers: [String: FHIRPathSubset.Value] = [:]
        for item in instrument.items {
            guard let value = values[item.linkId] else { continue }
            switch (item.kind, value) {
            case (.choice(let options), .string(let code)):
                answers[item.linkId] = .coding(code: code, weight: options.first { $0.code == code }?.weight)
            case (.boolean, .bool(let b)): answers[item.linkId] = .bool(b)
            case (.text, .string(let s)): answers[item.linkId] = .string(s)
            case (_, let v):
                guard let n = v.doubleValue else { continue }
                answers[item.linkId] = .number(n)
            }
        }
        return answers
    }

    private static func number(_ n: Double) -> Value {
        n.rounded() == n && abs(n) < 1e15 ? .int(Int(n)) : .double(n)
    }
}
