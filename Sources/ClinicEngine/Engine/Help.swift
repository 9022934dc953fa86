import ClinicKit
import ClinicStorage
import Foundation

/// `status`: the open patient and visit, and each module's published facts as a checklist.
enum Status {
    static func text(in session: Session) throws -> CommandOutput {
        var out = CommandOutput()
        let now = session.now
        out.line("database  \(session.databasePath)")
        if session.isSandbox {
            let from = session.store.replayedFrom.map { ", replayed from \($0)" } ?? ""
            out.alert("SANDBOX\(from): training and test entries, never a patient's real record")
            out.line("clock     " + SessionCommands.clockText(in: session))
        }
        out.line("staff     " + (session.staff.map { "\($0.username) (\(StaffRoles.text($0.roles)))" } ?? "nobody signed in"))
        guard let patient = session.patient else {
            out.line("patient   none open; type patient open MRN")
            return out
        }
        out.line("patient   \(Patients.describe(patient, in: session))")
        out.line("visit     " + (session.visit.map { "#\($0.id) \($0.kind), started \(HostCommands.short($0.startedAt, calendar: session.calendar, now: now))" } ?? "none open; type visit start"))
        let engine = FactEngine(session: session)
        for alert in try engine.standingAlerts() { out.alert(alert) }
        for item in try engine.due() {
            out.line("due       \(Session.dueText(item, now: now, calendar: session.calendar)) · \(item.detail) · \(item.command)")
        }
        let all = try engine.all()
        guard !all.isEmpty else {
            out.line("checklist: no modules loaded (type modules)")
            return out
        }
        let present = Set(all.flatMap(\.facts).filter(\.isPresent).map(\.name))
        var rows: [[String]] = []
        for (module, facts) in all {
            var first = true
            for fact in facts {
                let spec = module.declaration.facts.first { $0.name == fact.name }
                let mark: String
                var detail = fact.detail
                if spec?.isStep == false {
                    // Bad news when it holds (screening.ineligible); nothing to do when it does not.
                    guard fact.isPresent else { continue }
                    mark = "!"
                } else if fact.isPresent {
                    mark = "✔"
                } else if let spec, case let waits = engine.blockers(of: spec, present: present), !waits.isEmpty {
                    mark = "·"
                    detail = "blocked: waits for \(waits.joined(separator: ", "))"
                } else {
                    mark = "✘"
                    // Running the command again does not help when the module reports a bad outcome.
                    let adverse = facts.contains { f in f.isPresent && module.declaration.facts.contains { $0.name == f.name && !$0.isStep } }
                    // A reason that already says what to type (`dosing resume`) is not given another.
                    let saysWhatToDo = session.catalog.entries.contains { $0.words.count > 1 && detail.contains($0.name) }
                    if let spec, !adverse, !saysWhatToDo { detail += "; run \(spec.establishedBy)" }
                }
                rows.append([first ? module.name : "", mark, fact.name, detail])
                first = false
            }
        }
        out.line("checklist")
        out.table(["module", "", "fact", "detail"], rows)
        return out
    }
}

/// `help` and `modules`, generated from the declarations.
enum Help {
    static func text(topic: String?, in session: Session) -> CommandOutput {
        let catalog = session.catalog
        guard let topic = topic?.trimmed, !topic.isEmpty else { return overview(catalog) }
        let words = topic.lowercased().split(separator: " ").map(String.init)
        if let entry = catalog.entries.first(where: { $0.words == words }) { return command(entry, requirements: session.requirements(of: entry), catalog: catalog) }
        // A short form or another word for a command (`help v`, `help mon vit`).
        if case .found(let entry, let rest) = catalog.resolve(words), rest.isEmpty {
            return command(entry, requirements: session.requirements(of: entry), catalog: catalog)
        }
        let group = catalog.group(words[0])
        if !group.isEmpty, words.count == 1 {
            var out = CommandOutput()
            if let summary = catalog.groupSummaries[words[0]] {
                for line in Layout.wrap("\(words[0]): \(summary)", width: Layout.width) { out.line(line) }
            }
            for line in Layout.definitions(group.map { (usage($0), $0.spec.summary) }) { out.line(line) }
            out.line("type help \(words[0]) VERB for the fields of one")
            return out
        }
        // By the verb alone, or the command's last word: `help vitals` is monitoring vitals.
        let byVerb = catalog.entries.filter { $0.words.count > 1 && $0.words.last == words.last && (words.count == 1 || $0.words[0] == words[0]) }
        if byVerb.count == 1 { return command(byVerb[0], requirements: session.requirements(of: byVerb[0]), catalog: catalog) }
        if byVerb.count > 1 {
            var out = CommandOutput()
            out.line("'\(topic)' is the verb of \(byVerb.count) commands:")
            for line in Layout.definitions(byVerb.map { ($0.name, $0.spec.summary) }) { out.line(line) }
            out.line("type help and the whole command for its fields: help \(byVerb[0].name)")
            return out
        }
        let guess = Suggest.closest(to: words[0], among: catalog.firstWords + catalog.entries.compactMap { $0.words.count > 1 ? $0.words.last : nil })
        return .lines("no help for '\(topic)'" + (guess.map { "; did you mean help \($0)?" } ?? "; type help for the list"))
    }

    /// The sections of the overview, in the order staff need them: the clinical work first.
    enum Section: CaseIterable {
        case clinical, patients, session, administration

        var title: String {
            switch self {
            case .clinical: return "Clinical work, by module (help MODULE lists its commands):"
            case .patients: return "Patients and visits:"
            case .session: return "Signing in, and this shell:"
            case .administration: return "Scripts and administration:"
            }
        }

        static func of(_ entry: CatalogEntry) -> Section {
            if entry.module != nil { return .clinical }
            switch entry.words[0] {
            case "patient", "visit", "board", "status", "amend", "report", InstrumentAlerts.command: return .patients
            case "login", "logout", "as", "whoami", "help", "quit", "exit", "password": return .session
            default: return .administration
            }
        }
    }

    static func overview(_ catalog: CommandCatalog) -> CommandOutput {
        var out = CommandOutput()
        out.line("Commands: help COMMAND gives its fields, ? does too; Tab completes.")
        for section in Section.allCases {
            var rows: [(String, String)] = []
            for word in catalog.firstWords {
                let group = catalog.group(word)
                guard let first = group.first, Section.of(first) == section else { continue }
                if group.count == 1 && first.words.count == 1 {
                    rows.append((usage(first), first.spec.summary))
                } else {
                    // The group, what it is for, and its verbs on the lines under that.
                    let aliases = catalog.moduleAliases.filter { $0.value == word }.keys.sorted()
                    rows.append((([word] + aliases).joined(separator: " or "), catalog.groupSummaries[word] ?? ""))
                    rows.append(("", group.map { entry in
                        let shorts = catalog.otherWords(for: entry).shortForms
                        return entry.words[1] + (shorts.isEmpty ? "" : " (\(shorts.joined(separator: ", ")))")
                    }.joined(separator: " · ")))
                }
            }
            guard !rows.isEmpty else { continue }
            out.line("")
            out.line(section.title)
            for line in Layout.definitions(rows) { out.line(line) }
        }
        out.line("")
        for line in Layout.wrap("Fields are given as name=value or --name value; a missing required field is asked for.", width: Layout.width) {
            out.line(line)
        }
        return out
    }

    static func usage(_ entry: CatalogEntry) -> String {
        var parts = [entry.name]
        let pairs = entry.spec.pairs
        for field in entry.spec.fields where !pairs.contains(where: { $0.second == field.name }) {
            var shown = field.isPositional ? field.name.uppercased() : "\(field.name)=…"
            // A pair is shown as the one word it is typed as (`bp=…/…`).
            if let pair = pairs.first(where: { $0.first == field.name }) { shown = "\(pair.name)=…\(pair.separator)…" }
            parts.append(field.isRequired ? shown : "[\(shown)]")
        }
        return parts.joined(separator: " ")
    }

    /// `v BP HR RR SPO2 TEMP AVPU`, for a command with a short form.
    static func shortUsage(_ word: String, _ entry: CatalogEntry) -> String? {
        guard let form = entry.spec.shortForm else { return nil }
        return ([word] + form.values.map { $0.uppercased() }).joined(separator: " ")
    }

    static func command(_ entry: CatalogEntry, requirements: [String], catalog: CommandCatalog? = nil) -> CommandOutput {
        var out = CommandOutput()
        func say(_ text: String, indent: String = "") {
            for line in Layout.wrap(text, width: Layout.width - indent.count) { out.line(indent + line) }
        }
        let shown = Layout.wrap(usage(entry), width: Layout.width)
        out.line(shown[0])
        for line in Layout.wrap(shown.dropFirst().joined(separator: " "), width: Layout.width - 4) where !line.isEmpty { out.line("    " + line) }
        say(entry.spec.summary, indent: "  ")
        if let catalog {
            let other = catalog.otherWords(for: entry)
            if let word = other.shortForms.first, let short = shortUsage(word, entry) {
                let fields = entry.spec.fields
                let example = entry.spec.shortForm?.values.map { value in
                    entry.spec.pairs.first { $0.name == value }.map { FieldPrompt.sample($0, fields: fields) }
                        ?? fields.first { $0.name == value }.map(FieldPrompt.sample) ?? "…"
                }.joined(separator: " ") ?? ""
                say("short form: \(short) (e.g. \(word) \(example); - leaves one out)", indent: "  ")
            }
            let also = other.aliases + other.shortForms.dropFirst()
            if !also.isEmpty { say("also typed: \(also.joined(separator: ", "))", indent: "  ") }
        }
        if !entry.isOpen {
            say("who: \(entry.spec.roles.sorted().map(\.rawValue).joined(separator: ", "))"
                + (entry.spec.needsVisit ? " · needs an open visit" : entry.spec.needsPatient ? " · needs an open patient" : ""), indent: "  ")
        }
        if !requirements.isEmpty { say("requires: \(requirements.joined(separator: ", "))", indent: "  ") }
        if entry.spec.refusedWhileAlerts { say("refused while an alert stands on the patient", indent: "  ") }
        if !entry.spec.fields.isEmpty {
            out.line("  fields:")
            for line in Layout.definitions(entry.spec.fields.map { f in
                var meaning = f.expects + " · " + f.help
                if !f.isRequired { meaning += " (optional)" }
                if let applies = f.appliesTo { meaning += " (for sex \(applies.map(\.rawValue).sorted().joined(separator: "/")))" }
                switch f.kind {
                case .choice(let cs), .choices(let cs):
                    if cs.contains(where: { $0.label != $0.id }) { meaning += ": " + cs.map { "\($0.id) = \($0.label)" }.joined(separator: "; ") }
                default: break
                }
                return (f.name, meaning)
            } + entry.spec.pairs.map { ($0.name, "\($0.first)\($0.separator)\($0.second) typed as one word · \($0.help)") },
            indent: 4, termWidth: 14) { out.line(line) }
        }
        for (lead, text) in paragraphs(entry.spec.discussion) {
            if text.isEmpty { out.line(""); continue }
            say(text, indent: "  " + lead)
        }
        return out
    }

    /// A module's discussion as paragraphs to wrap again at the terminal's width: its lines of
    /// prose joined where a sentence runs on; an example, an indented or a listed line kept as one
    /// paragraph of its own, with its indent.
    static func paragraphs(_ discussion: String) -> [(lead: String, text: String)] {
        var out: [(lead: String, text: String)] = []
        var runsOn = false
        for raw in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let lead = String(line.prefix(while: { $0 == " " }))
            let text = String(line.dropFirst(lead.count)).trimmed
            if text.isEmpty {
                if !out.isEmpty { out.append(("", "")) }
                runsOn = false
                continue
            }
            let literal = !lead.isEmpty || text.hasPrefix("Example") || text.hasPrefix("- ") || text.hasPrefix("• ")
            if runsOn, !literal, let last = out.indices.last {
                out[last].text += " " + text
            } else {
                out.append((lead, text))
            }
            runsOn = !literal && !(text.hasSuffix(".") || text.hasSuffix(":"))
        }
        while out.last?.text.isEmpty == true { out.removeLast() }
        return out
    }

    static func modules(_ report: PluginReport) -> CommandOutput {
        var out = CommandOutput()
        var rows = report.loaded.map { m in
            [m.name, m.declaration.manifest.version, "\(m.declaration.manifest.sdkVersion)/\(m.abi)", m.file, "loaded (\(m.origin))" + (m.replaced.map { "; replaces the shipped \(m.name), \(($0 as NSString).lastPathComponent)" } ?? "")]
        }
        rows += report.refused.map { r in
            ["?", "", r.abi.map { "?/\($0)" } ?? "", r.file, "refused: \(r.reason)"]
        }
        if rows.isEmpty {
            out.line("no modules found")
        } else {
            out.table(["module", "version", "SDK/ABI", "file", "status"], rows)
        }
        for folder in report.unreadable where folder.origin != PluginFolder.builtIn {
            out.line("folder \(folder.path) (\(folder.origin)) could not be read")
        }
        out.line("this clinic: ClinicKit \(ClinicKitABI.sdkVersion), module ABI \(ClinicKitABI.version)")
        return out
    }
}
