import ClinicKit
import ClinicStorage

/// What a host command does: given its validated values, in the session it runs in.
package typealias HostHandler = (_ values: [String: Value], _ session: Session) throws -> CommandOutput

/// A command the shell knows, host's or module's: the words that name it and its declaration.
///
/// A host command is one value: its declaration, its flags and its handler, so adding one is one
/// entry in one table (``HostCommands/table``, or the script layer's ``ScriptCommands``).
// Sendable: every stored value is immutable once the catalog is built; the module object and the
// handlers hold no mutable state of their own (a handler works only through the session it is given).
package struct CatalogEntry: @unchecked Sendable {
    /// The words typed to run it (`patient new`, `intake record`, `help`).
    package let words: [String]
    /// Its declaration.
    package let spec: CommandSpec
    /// The module that runs it; `nil` for the host's own commands.
    package let module: LoadedModule?
    /// Whether it runs before anyone has signed in (`help`, `login`, `quit`).
    package let isOpen: Bool
    /// Whether it commits its own work (`run`, `replay`: one transaction a script or CSV row) rather
    /// than running inside one transaction with its journal line.
    package let managesTransactions: Bool
    /// Whether `name=value` words that name no field of its own are kept as changes (`amend 57
    /// weight=70kg`): the fields belong to the entry it corrects.
    package var takesOtherFields = false
    /// Whether a recording writes it, to be run again by a replay. Commands about the session
    /// rather than the record (`clock`, `record`, `quit`) and those that only write files from the
    /// record (`export`, `report`) are not.
    package var isReplayed = true
    /// Whether the script runner reads it itself (`set`, `echo`, `include`, `expect`, `run`): it is
    /// declared here for help and completion, and never reaches the session.
    package var isDirective = false
    /// Whether help's list and Tab offer it; one that is not (`replay-account`, written by a
    /// recording for its replay) is still run and explained by `help WORD`.
    package var isListed = true
    /// A host command's handler; `nil` for a module's command and for a directive.
    package var handler: HostHandler?
    /// The module a host command records as (an instrument given as data): like the module's own
    /// commands, it may be recorded late (`--at 09:40`).
    package var recordsAs: String?
    /// When typed by its short form (`v 132/84 78`): the fields and pairs its bare words are
    /// read into, in order. The entry's words stay the command's own (`monitoring vitals`).
    package var bareOrder: [String]?
    /// The fields the answers so far call for, beyond the required ones (an instrument's items
    /// whose enableWhen holds), answered or not: asked at the terminal once those answers are in,
    /// and dropped, with any answer, when a changed answer no longer calls for them.
    package var neededGiven: (@Sendable ([String: Value]) -> [String])?

    /// A module's command.
    package init(words: [String], spec: CommandSpec, module: LoadedModule?, isOpen: Bool, managesTransactions: Bool = false) {
        self.words = words
        self.spec = spec
        self.module = module
        self.isOpen = isOpen
        self.managesTransactions = managesTransactions
    }

    /// A host command: its words, its declaration, its flags and what it does.
    package init(host words: [String], spec: CommandSpec, isOpen: Bool = false, managesTransactions: Bool = false,
                 isReplayed: Bool = true, isDirective: Bool = false, handler: HostHandler?) {
        self.init(words: words, spec: spec, module: nil, isOpen: isOpen, managesTransactions: managesTransactions)
        self.isReplayed = isReplayed
        self.isDirective = isDirective
        self.handler = handler
    }

    package var name: String { words.joined(separator: " ") }
}

/// The host's commands, of one layer or several, with a line about each group.
package struct HostCommandTable: Sendable {
    package var entries: [CatalogEntry]
    /// One line about each command group (`patient`: "register, find and open patients").
    package var groupSummaries: [String: String]
    /// One word that is another command's words (`password`: `user password`): typed, not offered
    /// by completion, and shown by that command's help.
    package var aliases: [String: [String]]

    package init(entries: [CatalogEntry], groupSummaries: [String: String], aliases: [String: [String]] = [:]) {
        self.entries = entries
        self.groupSummaries = groupSummaries
        self.aliases = aliases
    }

    /// Both tables' commands, this one's first.
    package static func + (a: HostCommandTable, b: HostCommandTable) -> HostCommandTable {
        HostCommandTable(entries: a.entries + b.entries, groupSummaries: a.groupSummaries.merging(b.groupSummaries) { x, _ in x },
                         aliases: a.aliases.merging(b.aliases) { x, _ in x })
    }

    /// The words a module may not take as its name.
    package var reservedNames: Set<String> { Set(entries.map { $0.words[0] }).union(aliases.keys) }
}

/// Every command, host's and modules', in one table: what parsing, help and completion read.
package struct CommandCatalog: Sendable {
    package private(set) var entries: [CatalogEntry]
    /// One line about each command group (`patient`: "register, find and open patients").
    package let groupSummaries: [String: String]
    /// A module's other names (`mon`), to its name.
    package private(set) var moduleAliases: [String: String] = [:]
    /// A command's other verbs (`vit`), by the group's first word, to the verb.
    package private(set) var verbAliases: [String: [String: String]] = [:]
    /// The words of short forms (`v`), to the command they start and the order of its bare values.
    package private(set) var shortForms: [String: (words: [String], values: [String])] = [:]
    /// The shell's one-word names for its commands (`password`), to their words.
    package let hostAliases: [String: [String]]

    package init(host: HostCommandTable, modules: [LoadedModule]) {
        hostAliases = host.aliases
        var entries = host.entries
        var summaries = host.groupSummaries
        for module in modules.sorted(by: { $0.declaration.manifest.order < $1.declaration.manifest.order }) {
            let name = module.name
            summaries[name] = module.declaration.manifest.summary
            // The loader has refused a module whose other words are taken; the first keeps a word here too.
            for alias in module.declaration.manifest.aliases where moduleAliases[alias] == nil { moduleAliases[alias] = name }
            for spec in module.declaration.commands {
                entries.append(CatalogEntry(words: [name, spec.verb], spec: spec, module: module, isOpen: false))
                for alias in spec.aliases where verbAliases[name]?[alias] == nil { verbAliases[name, default: [:]][alias] = spec.verb }
                if let short = spec.shortForm {
                    for word in short.words where shortForms[word] == nil { shortForms[word] = ([name, spec.verb], short.values) }
                }
            }
        }
        self.entries = entries
        self.groupSummaries = summaries
    }

    /// The first words, in order of appearance (`help`, …, `patient`, `visit`, `intake`), of the
    /// commands help lists and Tab offers.
    package var firstWords: [String] {
        var seen: Set<String> = []
        return entries.filter(\.isListed).map { $0.words[0] }.filter { seen.insert($0).inserted }
    }

    /// Every word a command line may start with: the first words, modules' other names, and short forms.
    package var startingWords: [String] {
        firstWords + moduleAliases.keys.sorted() + shortForms.keys.sorted()
    }

    /// The group's first word for a word typed: a module's other name is its name.
    package func canonicalFirst(_ word: String) -> String {
        let key = word.lowercased()
        return moduleAliases[key] ?? key
    }

    /// The commands whose first word is `word` (or a module's other name for it).
    package func group(_ word: String) -> [CatalogEntry] {
        let key = canonicalFirst(word)
        return entries.filter { $0.words[0] == key }
    }

    /// The other words that name a command: its module's other names with its verb, its verb's
    /// other words, and its short forms (`mon vitals`, `monitoring vit`, `v`).
    package func otherWords(for entry: CatalogEntry) -> (aliases: [String], shortForms: [String]) {
        guard entry.words.count == 2 else { return ([], []) }
        let (first, verb) = (entry.words[0], entry.words[1])
        var aliases = moduleAliases.filter { $0.value == first }.keys.sorted().map { "\($0) \(verb)" }
        aliases += (verbAliases[first] ?? [:]).filter { $0.value == verb }.keys.sorted().map { "\(first) \($0)" }
        aliases += hostAliases.filter { $0.value == entry.words }.keys.sorted()
        let shorts = shortForms.filter { $0.value.words == entry.words }.keys.sorted()
        return (aliases, shorts)
    }

    package enum Resolution {
        case found(CatalogEntry, arguments: [String])
        case failed(String)
    }

    /// Finds the command the words name; the words after it are its arguments.
    package func resolve(_ typed: [String]) -> Resolution {
        guard let first = typed.first else { return .failed("empty command") }
        var words = typed
        var key = first.lowercased()
        // A short form: the command, its bare words read in the form's order.
        if let short = shortForms[key], var entry = entries.first(where: { $0.words == short.words }) {
            entry.bareOrder = short.values
            return .found(entry, arguments: Array(words.dropFirst()))
        }
        if let target = hostAliases[key] {
            words = target + words.dropFirst()
            key = target[0]
        }
        key = canonicalFirst(key)
        words[0] = key
        if words.count > 1, let verb = verbAliases[key]?[words[1].lowercased()] { words[1] = verb }
        // The common case first, without gathering the group: `patient new`, `intake record`.
        if words.count > 1 {
            let verb = words[1].lowercased()
            if var entry = entries.first(where: { $0.words.count == 2 && $0.words[0] == key && $0.words[1] == verb }) {
                // A command with a short form takes its bare values in the same order typed in full
                // (`mon vit 132/84 78`), when no field of its own is positional.
                if let form = entry.spec.shortForm, !entry.spec.fields.contains(where: \.isPositional) { entry.bareOrder = form.values }
                return .found(entry, arguments: Array(words.dropFirst(2)))
            }
        }
        let candidates = group(key)
        if candidates.isEmpty {
            // A verb typed alone that names one module's command (`vitals`, `discharge`).
            let byVerb = entries.filter { $0.module != nil && $0.words.count == 2 && $0.words[1] == key }
            if byVerb.count == 1 {
                return .failed("no command starts with that word; type \(byVerb[0].name)"
                    + (otherWords(for: byVerb[0]).shortForms.first.map { " (or \($0) for short)" } ?? ""))
            }
            let guess = Suggest.closest(to: key, among: firstWords)
            // What was typed is never repeated: it may be a password typed at the wrong prompt.
            return .failed("no command starts with that word" + (guess.map { "; did you mean '\($0)'?" } ?? "") + "; type help for the list")
        }
        if let single = candidates.first(where: { $0.words.count == 1 }) {
            return .found(single, arguments: Array(words.dropFirst()))
        }
        let verbs = candidates.map { $0.words[1] }
        guard words.count > 1 else {
            return .failed("\(key) needs one of: \(verbs.joined(separator: ", ")); type help \(key)")
        }
        let verb = words[1].lowercased()
        guard let entry = candidates.first(where: { $0.words[1] == verb }) else {
            let guess = Suggest.closest(to: verb, among: verbs)
            return .failed("\(key) has no such command" + (guess.map { "; did you mean '\(key) \($0)'?" } ?? "")
                + " It has: \(verbs.joined(separator: ", "))")
        }
        return .found(entry, arguments: Array(words.dropFirst(2)))
    }
}

/// "Did you mean …?" by edit distance.
package enum Suggest {
    package static func closest(to word: String, among options: [String]) -> String? {
        // One slip in a short word, two from four letters on.
        let limit = word.count < 4 ? 1 : 2 + word.count / 8
        let scored = options.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        if let prefix = options.first(where: { $0.hasPrefix(word) && word.count >= 2 }) { return prefix }
        return scored.min(by: { $0.1 < $1.1 })?.0
    }

    /// Edit distance where swapping two neighbouring letters counts as one slip (optimal string
    /// alignment): `gaet` is one from `gate`.
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
