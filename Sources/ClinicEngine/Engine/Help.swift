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
        if let entry = catalog.entries.first(where: { $0.words == words }) { return command(entry, requirements: session.requirements(of: entry)) }
        let group = catalog.group(words[0])
        if !group.isEmpty {
            var out = CommandOutput()
            if let summary = catalog.groupSummaries[words[0]] { out.line("\(words[0]): \(summary)") }
            out.table(["command", "what it does"], group.map { [usage($0), $0.spec.summary] })
            out.line("type help \(words[0]) VERB for the fields of one")
            return out
        }
        let guess = Suggest.closest(to: words[0], among: catalog.firstWords)
        return .lines("no help for '\(topic)'" + (guess.map { "; did you mean help \($0)?" } ?? "; type help for the list"))
    }

    static func overview(_ catalog: CommandCatalog) -> CommandOutput {
        var out = CommandOutput()
        out.line("Commands (type help COMMAND for its fields; Tab completes):")
        var rows: [[String]] = []
        for word in catalog.firstWords {
            let group = catalog.group(word)
            if group.count == 1 && group[0].words.count == 1 {
                rows.append([usage(group[0]), group[0].spec.summary])
            } else {
                rows.append([word + " " + group.map { $0.words[1] }.joined(separator: "|"), catalog.groupSummaries[word] ?? ""])
            }
        }
        out.table(["command", "what it does"], rows)
        out.line("Fields are given as name=value or --name value; a missing required field is asked for.")
        return out
    }

    static func usage(_ entry: CatalogEntry) -> String {
        var parts = [entry.name]
        for field in entry.spec.fields {
            let shown = field.isPositional ? field.name.uppercased() : "\(field.name)=…"
            parts.append(field.isRequired ? shown : "[\(shown)]")
        }
        return parts.joined(separator: " ")
    }

    static func command(_ entry: CatalogEntry, requirements: [String]) -> CommandOutput {
        var out = CommandOutput()
        out.line("\(usage(entry))")
        out.line("  \(entry.spec.summary)")
        if !entry.isOpen {
            out.line("  who: \(entry.spec.roles.sorted().map(\.rawValue).joined(separator: ", "))"
                     + (entry.spec.needsVisit ? " · needs an open visit" : entry.spec.needsPatient ? " · needs an open patient" : ""))
        }
        if !requirements.isEmpty { out.line("  requires: \(requirements.joined(separator: ", "))") }
        if entry.spec.refusedWhileAlerts { out.line("  refused while an alert stands on the patient") }
        if !entry.spec.fields.isEmpty {
            out.table(["field", "takes", "meaning"], entry.spec.fields.map { f in
                var meaning = f.help
                if !f.isRequired { meaning += " (optional)" }
                if let applies = f.appliesTo { meaning += " (for sex \(applies.map(\.rawValue).sorted().joined(separator: "/")))" }
                switch f.kind {
                case .choice(let cs), .choices(let cs):
                    if cs.contains(where: { $0.label != $0.id }) { meaning += ": " + cs.map { "\($0.id) = \($0.label)" }.joined(separator: "; ") }
                default: break
                }
                return [f.name, f.expects, meaning]
            })
        }
        if !entry.spec.discussion.isEmpty {
            for line in entry.spec.discussion.split(separator: "\n", omittingEmptySubsequences: false) { out.line("  " + line) }
        }
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
