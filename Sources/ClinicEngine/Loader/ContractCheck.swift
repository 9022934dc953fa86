import ClinicKit

/// Checks the contracts between the modules that loaded: every fact, command, field and record
/// kind a module names — in its commands' requirements, its facts' `establishedBy`, and what it
/// declares it uses of others (``ModuleUses``) — must be provided by a loaded module (or, for a
/// command, be the shell's own), and no fact may be published twice.
package enum ContractCheck {
    /// The modules whose references all hold, and a refusal for each of the others, naming the
    /// first reference that does not. A refused module provides nothing, so a module that relied
    /// on it is refused in turn.
    /// `hostCommands` are the shell's own commands, whole (`visit start`).
    package static func resolve(_ modules: [LoadedModule], hostCommands: [String]) -> (loaded: [LoadedModule], refused: [RefusedPlugin]) {
        var loaded = modules
        var refused: [RefusedPlugin] = []
        while let index = loaded.indices.first(where: { problem(in: loaded[$0], among: loaded, hostCommands: hostCommands) != nil }) {
            let module = loaded.remove(at: index)
            let reason = problem(in: module, among: loaded + [module], hostCommands: hostCommands) ?? ""
            refused.append(RefusedPlugin(file: module.file, origin: module.origin, reason: reason, abi: module.abi))
        }
        return (loaded, refused)
    }

    /// The first reference of `module` that `modules` (which include it) do not provide, as the
    /// reason it is refused; `nil` when every one holds.
    package static func problem(in module: LoadedModule, among modules: [LoadedModule], hostCommands: [String]) -> String? {
        let declaration = module.declaration
        let name = module.name
        var facts: [String: String] = [:]
        for other in modules {
            for fact in other.declaration.facts where facts[fact.name] == nil { facts[fact.name] = other.name }
        }
        for fact in declaration.facts {
            if let owner = facts[fact.name], owner != name {
                return "publishes the fact \(fact.name), which module \(owner) already publishes; a fact has one source"
            }
        }
        func command(_ words: String) -> CommandSpec? {
            let parts = words.split(separator: " ").map(String.init)
            guard parts.count == 2, let owner = modules.first(where: { $0.name == parts[0] }) else { return nil }
            return owner.declaration.commands.first { $0.verb == parts[1] }
        }
        /// The shell's command the text starts with, word for word (`visit start --kind infusion`).
        func isHostCommand(_ words: String) -> Bool {
            let parts = words.split(separator: " ").map(String.init)
            return hostCommands.contains { name in
                let n = name.split(separator: " ").map(String.init)
                return parts.count >= n.count && Array(parts.prefix(n.count)) == n
            }
        }
        func isCommand(_ words: String) -> Bool { command(words) != nil || isHostCommand(words) }
        func unknownFact(_ fact: String) -> String {
            let guess = closest(fact, among: Array(facts.keys))
            return "no loaded module publishes the fact '\(fact)'" + (guess.map { " (did you mean \($0)?)" } ?? "")
        }
        for spec in declaration.commands {
            for fact in spec.requires where facts[fact] == nil {
                return "'\(name) \(spec.verb)' requires \(fact), but \(unknownFact(fact))"
            }
        }
        for fact in declaration.facts where !isCommand(fact.establishedBy) {
            return "the fact \(fact.name) is established by '\(fact.establishedBy)', which is not a command of a loaded module or of the shell"
        }
        for fact in declaration.uses.facts where facts[fact.rawValue] == nil {
            return "uses \(fact), but \(unknownFact(fact.rawValue))"
        }
        for reference in declaration.uses.commands {
            guard let spec = command(reference.name) else {
                // The shell's own commands (`visit start`) are named in due items; none is performed.
                if isHostCommand(reference.name) && reference.fields.isEmpty { continue }
                return "runs '\(reference.name)', which no loaded module declares"
            }
            if let field = reference.fields.first(where: { field in !spec.fields.contains { $0.name == field } }) {
                return "gives '\(reference.name)' the field '\(field)', which it does not declare"
                    + (spec.fields.isEmpty ? " (it has no fields)" : " (it has \(spec.fields.map(\.name).joined(separator: ", ")))")
            }
        }
        for reference in declaration.uses.records {
            guard let records = modules.first(where: { $0.name == reference.module })?.declaration.records ?? hostRecords[reference.module] else {
                return "reads \(reference.module) records, but no module \(reference.module) is loaded"
            }
            guard let published = records.first(where: { $0.kind == reference.kind }) else {
                let kinds = records.map(\.kind)
                return "reads \(reference.module) \(reference.kind) entries, which \(reference.module) does not publish"
                    + (kinds.isEmpty ? "" : " (it publishes \(kinds.joined(separator: ", ")))")
            }
            if let field = reference.fields.first(where: { field in !published.fields.contains { $0.name == field } }) {
                return "reads '\(field)' of \(reference.module) \(reference.kind) entries, which \(reference.module) does not publish"
                    + " (it publishes \(published.fields.map(\.name).joined(separator: ", ")))"
            }
        }
        return nil
    }

    /// The entries the shell itself appends that a module may read (``RecordReference``), by the
    /// name they are written under.
    package static let hostRecords: [String: [RecordSpec]] = [
        "visit": [
            RecordSpec("started", summary: "a visit started (visit start)", fields: [
                RecordField("kind", "infusion, consult or follow-up"), RecordField("chair", "the chair, if one was given"),
            ]),
            RecordSpec("ended", summary: "a visit ended (visit end)", fields: [
                RecordField("kind", "infusion, consult or follow-up"), RecordField("minutes", "how long it lasted, in minutes"),
            ]),
        ],
    ]

    /// What is wrong with the commands a due item or an alert of `module` names, given as `text`:
    /// each must be the module's own command or one its declaration uses (which the loader checked
    /// exists), and `text` must name it, or the two have drifted apart. `nil` when they hold.
    static func problem(naming references: [CommandReference], in text: String, of module: LoadedModule) -> String? {
        for reference in references {
            let own = reference.module == module.name && module.declaration.commands.contains { $0.verb == reference.verb }
            guard own || module.declaration.uses.commands.contains(where: { $0.name == reference.name }) else {
                return "module \(module.name) tells staff to type '\(reference.name)', which its declaration does not use (ModuleUses.commands)"
            }
            let words = text.split(whereSeparator: { $0 == " " || $0 == ";" }).map(String.init)
            guard words.indices.contains(where: { words[$0] == reference.module && words.indices.contains($0 + 1) && words[$0 + 1] == reference.verb }) else {
                return "module \(module.name) names '\(reference.name)' for '\(text)', which does not say it"
            }
        }
        return nil
    }

    private static func closest(_ word: String, among options: [String]) -> String? {
        Suggest.closest(to: word, among: options.sorted())
    }
}
