import ClinicKit
import ClinicStorage
import Foundation

/// The first half of the pipeline: whether a command may run now, and its values — parsed from
/// the line, prefilled from the record, or asked for — before any write transaction begins.
extension Session {
    /// A command ready to run: its validated values and its canonical line.
    package struct Prepared {
        package var values: [String: Value]
        package var canonical: String
        /// `--at TIME` on a module's command: when it happened, for a late entry.
        package var effectiveAt: Date?
        /// Each field's value as typed, and what the journal line keeps after the fields
        /// (a correction's changes, `--at`): the line is written again when a value is.
        var texts: [String: String] = [:]
        var suffix = ""

        /// A field's value typed again (an answer of no to a module's question): the value and
        /// the journal's line follow it.
        mutating func retype(_ spec: FieldSpec, _ value: Value, text: String, in entry: CatalogEntry) {
            values[spec.name] = value
            texts[spec.name] = text
            canonical = Session.canonical(entry, texts) + suffix
        }
    }

    /// Checks that the command may run now, and gathers its values (prompting when someone is there).
    func prepare(_ entry: CatalogEntry, arguments: [String]) throws -> Prepared {
        if !entry.isOpen {
            guard let staff else {
                throw CommandError("\(entry.name): nobody is signed in", hint: "type login NAME", kind: .refused)
            }
            try checkRole(entry, staff)
        }
        if let refusal = try ProtocolAdoption.refusal(for: entry, in: self) { throw refusal }
        try checkVisitStillOpen(for: entry)
        if entry.spec.needsPatient && patient == nil {
            throw CommandError("\(entry.name): no patient is open", hint: "type patient open MRN, or patient find NAME", kind: .refused)
        }
        if entry.spec.needsVisit && visit == nil, let patient {
            throw CommandError("\(entry.name): no visit is open for \(patient.mrn)", hint: "type visit start --kind infusion|consult|follow-up", kind: .refused)
        }
        let requirements = self.requirements(of: entry)
        if !requirements.isEmpty {
            try FactEngine(session: self).check(requirements: requirements, for: entry.name)
        }
        if entry.spec.refusedWhileAlerts {
            try FactEngine(session: self).checkNoStandingAlert(for: entry.name)
        }
        var arguments = arguments
        let at = entry.module == nil && entry.recordsAs == nil ? nil : try LateEntry.take(from: &arguments, in: self)
        if at != nil && !entry.spec.takesLateEntries {
            throw CommandError("\(entry.name) is recorded at the moment it is typed: --at is not taken for it",
                                 hint: "type it as it happens; if it really happened earlier, say when in its reason or a note", kind: .refused)
        }
        // A line recalled from the history has `…` where identifying text was: those fields are
        // asked again, never stored as the placeholder.
        let blanked = try Self.stripPlaceholders(&arguments, for: entry)
        // A correction's own values (`amend 62 sbp=…`) name no field of the command: asked here.
        for name in blanked where !entry.spec.fields.contains(where: { $0.name == name }) {
            guard let input, !inScript else {
                throw CommandError("\(name)=\(Self.placeholder): the history keeps no identifying text, so this recalled line has lost its \(name)",
                                     hint: "type the line again with its value")
            }
            guard case .line(let value) = input.readLine(prompt: "  \(name): ", completion: .none), !value.trimmed.isEmpty else {
                throw CommandError("\(entry.name) cancelled; nothing was recorded", kind: .cancelled)
            }
            arguments.append("\(name)=\(value.trimmed)")
        }
        let asking = input != nil && !inScript && !isReplaying
        var parsed = try CommandArguments.parse(arguments, for: entry, patientSex: patient?.sex, askAgain: asking,
                                                alsoRequired: alsoRequiredFields(of: entry), today: today)
        for name in blanked where parsed.values[name] == nil && !parsed.missing.contains(name) { parsed.missing.append(name) }
        // A recording made before a visit's kind was asked for started an infusion visit.
        if isReplaying, entry.name == "visit start", parsed.missing == ["kind"] {
            (parsed.values["kind"], parsed.texts["kind"], parsed.missing) = (.string("infusion"), "infusion", [])
        }
        if let module = entry.module, let patient {
            let values = try ModuleCall.run(module, "filling in '\(entry.name)'") {
                try (module.module as? any PrefillingModule)?.prefill(entry.spec.verb, from: HostRecordReader(session: self, patient: patient)) ?? [:]
            }
            prefill(&parsed, entry: entry, from: values, asking: asking)
        }
        if !parsed.missing.isEmpty || (asking && !Self.neededGiven(parsed, entry: entry).isEmpty) {
            try askForMissing(&parsed, entry: entry)
        }
        var suffix = ""
        for (name, text) in parsed.others.sorted(by: { $0.key < $1.key }) { suffix += " \(name)=\(Tokenizer.quote(text))" }
        if let at { suffix += " --at " + Timestamp.string(at) }
        var values = parsed.values
        if !parsed.others.isEmpty { values["changes"] = .object(parsed.others.mapValues(Value.string)) }
        return Prepared(values: values, canonical: Self.canonical(entry, parsed.texts) + suffix, effectiveAt: at, texts: parsed.texts, suffix: suffix)
    }

    /// Takes what the record already holds for fields not given, and says so. At a terminal a
    /// required field's value from the record is not taken but offered: its prompt shows it as
    /// `VALUE//`, and Enter takes it.
    func prefill(_ parsed: inout ParsedArguments, entry: CatalogEntry, from values: [String: Value], asking: Bool = false) {
        for spec in entry.spec.fields where parsed.values[spec.name] == nil && parsed.refused[spec.name] == nil {
            guard let value = values[spec.name] else { continue }
            // Offered only when it reads back as the same value (an empty list types as nothing).
            if asking, parsed.missing.contains(spec.name), !value.typed.isEmpty,
               (try? spec.parse(value.typed, today: today)) == value {
                parsed.defaults[spec.name] = value.typed
                continue
            }
            let text = value.typed
            parsed.values[spec.name] = value
            parsed.texts[spec.name] = text
            parsed.missing.removeAll { $0 == spec.name }
            if !quiet { console.out("  \(spec.name) = \(text) (from the record)") }
        }
    }

    /// The fields the clinic protocol makes required for a command (``CommandSpec/requiredFieldsSetting``).
    func alsoRequiredFields(of entry: CatalogEntry) -> Set<String> {
        guard let key = entry.spec.requiredFieldsSetting, let text = try? clinicProtocol.settings.text(key) else { return [] }
        return Set(text.split { $0 == " " || $0 == "," }.map { $0.lowercased() })
    }

    /// The fields the answers so far call for (``CatalogEntry/neededGiven``) that are not given.
    static func neededGiven(_ parsed: ParsedArguments, entry: CatalogEntry) -> [FieldSpec] {
        (entry.neededGiven?(parsed.values) ?? []).filter { parsed.values[$0] == nil }.compactMap { name in entry.spec.fields.first { $0.name == name } }
    }

    /// Prompts for each missing field in turn, then for each the answers call for, or fails
    /// listing them when no one can answer.
    func askForMissing(_ parsed: inout ParsedArguments, entry: CatalogEntry) throws {
        let specs = parsed.missing.compactMap { name in entry.spec.fields.first { $0.name == name } }
        guard let input, !inScript else {
            let list = specs.map { "\($0.name) (\($0.expects))" }.joined(separator: ", ")
            throw CommandError("\(entry.name) is missing \(list)", hint: "add e.g. \(specs[0].example)")
        }
        // The items asked: a field, or two asked as one when both halves of a pair are missing
        // (`bp (systolic/diastolic): 132/84`).
        var items: [[FieldSpec]] = []
        for spec in specs {
            if let pair = entry.spec.pairs.first(where: { $0.second == spec.name }), let last = items.last,
               last.count == 1, last[0].name == pair.first, parsed.refused[pair.first] == nil, parsed.refused[pair.second] == nil,
               parsed.defaults[pair.first] == nil, parsed.defaults[pair.second] == nil {
                items[items.count - 1].append(spec)
            } else {
                items.append([spec])
            }
        }
        var index = 0
        // Every answer typed at these prompts, wherever `^` has taken the reader since.
        var answered: Set<String> = []
        // The items asked because the answers called for them: dropped again when they no longer do.
        var called: Set<String> = []
        func drop(_ name: String) {
            parsed.values[name] = nil
            parsed.texts[name] = nil
            answered.remove(name)
        }
        while true {
            // An item asked only when the answers before it say so, asked once they are in.
            if index >= items.count {
                let more = Self.neededGiven(parsed, entry: entry)
                guard !more.isEmpty else { break }
                items += more.map { [$0] }
                called.formUnion(more.map(\.name))
            }
            if items[index].count == 1, called.contains(items[index][0].name),
               !(entry.neededGiven?(parsed.values) ?? []).contains(items[index][0].name) {
                drop(items[index][0].name)
                items.remove(at: index)
                continue
            }
            let item = items[index]
            let spec = item.count == 1 ? item[0] : Self.pairPrompt(item, in: entry)
            if let why = parsed.refused.removeValue(forKey: spec.name) {
                console.err("  error: \(spec.name): \(why); type it here, e.g. \(FieldPrompt.sample(spec)) (? for help)")
            }
            let expects = item.count == 2 ? item.map(\.name).joined(separator: entry.spec.pairs.first { $0.first == item[0].name }?.separator ?? "/") : nil
            let others = entry.spec.fields.map(\.name).filter { name in !item.contains { $0.name == name } }
            switch FieldPrompt.ask(spec, default: parsed.defaults[spec.name], input: input, in: self, answered: answered.count,
                                   canGoBack: index > 0, expects: expects, others: others) {
            case .other(let name, let text):
                // Another field answered here: kept (and not asked later); this one is asked again.
                guard let other = entry.spec.fields.first(where: { $0.name == name }) else { continue }
                do {
                    (parsed.values[name], parsed.texts[name]) = try other.read(text, today: today)
                    parsed.missing.removeAll { $0 == name }
                    answered.insert(name)
                    if let later = items.indices.first(where: { $0 > index && items[$0].count == 1 && items[$0][0].name == name }) { items.remove(at: later) }
                    console.out("    \(name) = \(text)")
                } catch {
                    console.err("  error: \(name): \(error.problem); \(error.hint) (? for help, ^^ to abandon)")
                }
            case .value(let value, let text):
                if item.count == 2 {
                    // Both halves read as their own fields; a half refused asks the pair again.
                    guard let (values, texts) = readPair(text, item, in: entry) else { continue }
                    for (spec, (value, text)) in zip(item, zip(values, texts)) {
                        parsed.values[spec.name] = value
                        parsed.texts[spec.name] = text
                    }
                } else {
                    parsed.values[spec.name] = value
                    parsed.texts[spec.name] = text
                }
                answered.insert(spec.name)
                index += 1
            case .back:
                // The answer before is asked again, offered as it was typed.
                index -= 1
                let previous = items[index]
                for spec in previous { parsed.values[spec.name] = nil }
                let texts = previous.compactMap { parsed.texts.removeValue(forKey: $0.name) }
                if texts.count == previous.count {
                    let name = previous.count == 1 ? previous[0].name : Self.pairPrompt(previous, in: entry).name
                    parsed.defaults[name] = texts.joined(separator: entry.spec.pairs.first { $0.first == previous[0].name }?.separator ?? "/")
                }
            case .abandon:
                throw CommandError("\(entry.name) cancelled; nothing was recorded", kind: .cancelled)
            }
        }
        // An answer given before a changed answer stopped calling for its item goes with it.
        let stillCalled = Set(entry.neededGiven?(parsed.values) ?? [])
        for name in called where !stillCalled.contains(name) { drop(name) }
        parsed.missing = []
    }

    /// The prompt of a pair asked as one: its name and help, an answer such as `128/80`.
    static func pairPrompt(_ item: [FieldSpec], in entry: CatalogEntry) -> FieldSpec {
        let pair = entry.spec.pairs.first { $0.first == item[0].name && $0.second == item[1].name }
            ?? FieldPair(item[0].name, item[0].name, item[1].name, help: "\(item[0].help)/\(item[1].help)")
        return FieldSpec(pair.name, .text(maxLength: 40), help: pair.help, sample: FieldPrompt.sample(pair, fields: item))
    }

    /// Reads `132/84` typed at a pair's prompt into its two fields, or says what was wrong.
    private func readPair(_ text: String, _ item: [FieldSpec], in entry: CatalogEntry) -> ([Value], [String])? {
        let separator = entry.spec.pairs.first { $0.first == item[0].name }?.separator ?? "/"
        let parts = text.components(separatedBy: separator).map(\.trimmed)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            console.err("  error: '\(text)' is not \(item[0].name)\(separator)\(item[1].name); type e.g. \(Self.pairPrompt(item, in: entry).sample ?? "") (? for help, ^^ to abandon)")
            return nil
        }
        var values: [Value] = []
        for (spec, part) in zip(item, parts) {
            do { values.append(try spec.parse(part, today: today)) } catch {
                console.err("  error: \(spec.name): \(error.problem); \(error.hint.replacingOccurrences(of: "\(spec.name)=", with: "")) (? for help, ^^ to abandon)")
                return nil
            }
        }
        return (values, parts)
    }

    /// The command as it would be typed with every value given: what the journal keeps.
    static func canonical(_ entry: CatalogEntry, _ texts: [String: String]) -> String {
        var parts = entry.words
        for spec in entry.spec.fields where spec.isPositional {
            guard let text = texts[spec.name] else { continue }
            parts.append(Tokenizer.quote(text))
        }
        for spec in entry.spec.fields where !spec.isPositional {
            guard let text = texts[spec.name] else { continue }
            parts.append("\(spec.name)=\(Tokenizer.quote(text))")
        }
        return parts.joined(separator: " ")
    }

    /// The facts a command waits for: its declaration's, and those the clinic protocol adds
    /// (`clinic.also_requires`: a clinic's own module's checklist before `dosing start`).
    package func requirements(of entry: CatalogEntry) -> [String] {
        entry.spec.requires + (alsoRequired[entry.name] ?? []).filter { !entry.spec.requires.contains($0) }
    }

    /// Read again whenever the protocol in force changes (`protocol adopt`).
    var alsoRequired: [String: [String]] {
        if alsoRequiredCache?.sha256 != clinicProtocol.settings.sha256 {
            alsoRequiredCache = (clinicProtocol.settings.sha256, HostSettings.alsoRequired(clinicProtocol.settings))
        }
        return alsoRequiredCache?.pairs ?? [:]
    }
}

extension Session {
    /// Refuses a command none of `staff`'s roles may run.
    func checkRole(_ entry: CatalogEntry, _ staff: StaffInfo) throws {
        guard staff.roles.isDisjoint(with: entry.spec.roles) else { return }
        let needed = entry.spec.roles.sorted().map(\.rawValue).joined(separator: " or ")
        throw CommandError("\(entry.name) needs the role \(needed); \(staff.username) is \(StaffRoles.text(staff.roles))",
                           hint: "ask \("aeiou".contains(needed.prefix(1)) ? "an" : "a") \(needed) to do it", kind: .refused)
    }

    /// Inside the command's transaction: the signed-in member of staff's roles as the record holds
    /// them now, under the write lock, still let them run it.
    func checkStillPermitted(_ entry: CatalogEntry) throws {
        guard !entry.isOpen, let signedIn = staff else { return }
        guard let now = try store.account(signedIn.username)?.info else {
            throw CommandError("\(signedIn.username) is no longer a member of staff", hint: "sign in again: login NAME", kind: .refused)
        }
        takeRoles(of: now)
        try checkRole(entry, now)
    }

    /// The signed-in member of staff as the record now holds them, saying so when an administrator
    /// changed their roles.
    private func takeRoles(of now: StaffInfo) {
        guard now.roles != staff?.roles else { return }
        staff = now
        console.err("your roles were changed by an administrator: now \(StaffRoles.text(now.roles))")
    }

    /// What another workstation may have changed since this shell's last command: the signed-in
    /// member of staff's roles, the open patient's registration, the open visit.
    func refreshFromRecord() throws {
        if let staff, let now = try store.account(staff.username)?.info { takeRoles(of: now) }
        if let open = patient, let now = try store.patient(id: open.id), now != open { patient = now }
        try refreshVisit()
    }

    /// Brings the open visit up to date with the record, as another workstation may have ended it
    /// or started one since this shell last looked; notes a visit ended under this shell.
    func refreshVisit() throws {
        guard let patient else { return }
        if let open = visit, let ended = try store.visitEnd(id: open.id) {
            visitEndedElsewhere = (open.id, ended.at, ended.by)
            visit = try store.openVisit(patientID: patient.id)
        } else if visit == nil {
            // A visit started elsewhere for the open patient is this shell's too.
            visit = try store.openVisit(patientID: patient.id)
        }
    }

    /// A command written under a visit that another workstation ended is refused, saying who ended
    /// it and when; any other command goes on with the visit the record has open now.
    func checkVisitStillOpen(for entry: CatalogEntry) throws {
        try refreshVisit()
        guard let ended = visitEndedElsewhere else { return }
        guard entry.spec.needsVisit || entry.module != nil || entry.words.first == "visit", entry.words != ["visit", "start"] else { return }
        let when = HostCommands.short(ended.at, calendar: calendar, now: now)
        throw CommandError("visit #\(ended.id) was ended by \(ended.by) at \(when) on another workstation; "
                           + (visit.map { "visit #\($0.id) (\($0.kind)) is open now: nothing was recorded" } ?? "start a new visit"),
                           hint: visit == nil ? "type visit start" : "type the command again for visit #\(visit?.id ?? 0)", kind: .refused)
    }
}
