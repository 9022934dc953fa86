import ClinicEngine
import ClinicKit
import ClinicScript
import ClinicStorage

/// What Tab offers, worked out from the catalog: no terminal needed, so it is tested directly.
package struct Completer {
    package var catalog: CommandCatalog
    /// Patient MRNs, for the fields that take one.
    package var mrns: () -> [String]
    /// Staff names, for `login`.
    package var staffNames: () -> [String]
    /// What a listed candidate is, shown beside it (an MRN's patient: `Zoë Ålvarez 1979-03-02`).
    package var label: (String) -> String? = { _ in nil }

    package init(catalog: CommandCatalog, mrns: @escaping () -> [String], staffNames: @escaping () -> [String]) {
        self.catalog = catalog
        self.mrns = mrns
        self.staffNames = staffNames
    }

    /// The word being completed and the whole words it could become. A word that ends a command or
    /// a value is offered with a trailing space; `name=` is offered without one.
    package func complete(_ before: String, mode: CompletionMode) -> (word: String, candidates: [String]) {
        switch mode {
        case .none: return ("", [])
        case .field(let spec):
            let word = String(before.split(separator: " ", omittingEmptySubsequences: false).last ?? "")
            return (word, values(for: spec, typed: word))
        case .command:
            return commandLine(before)
        }
    }

    private func commandLine(_ before: String) -> (word: String, candidates: [String]) {
        let parts = before.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let word = parts.last ?? ""
        let done = parts.dropLast().filter { !$0.isEmpty }
        if done.isEmpty {
            // Commands and short forms (`vitals`); a module's other name is typed, not offered.
            let words = catalog.firstWords + catalog.shortForms.keys.sorted()
            return (word, words.filter { $0.hasPrefix(word.lowercased()) }.map { $0 + " " })
        }
        let group = catalog.group(done[0].lowercased())
        if done.count == 1, !group.contains(where: { $0.words.count == 1 }), catalog.shortForms[done[0].lowercased()] == nil {
            return (word, group.map { $0.words[1] }.filter { $0.hasPrefix(word.lowercased()) }.map { $0 + " " })
        }
        guard case .found(let entry, let given) = catalog.resolve(done) else { return (word, []) }
        let fields = entry.spec.fields

        // name=partial value
        if let eq = word.firstIndex(of: "=") {
            let name = String(word[..<eq])
            guard let spec = fields.first(where: { $0.name == name }) else { return (word, []) }
            let typed = String(word[word.index(after: eq)...])
            return (word, values(for: spec, typed: typed).map { "\(name)=" + $0 })
        }
        // --name value: the value after a flag
        if let flag = done.last, flag.hasPrefix("--"), let spec = fields.first(where: { $0.name == String(flag.dropFirst(2)) }) {
            return (word, values(for: spec, typed: word))
        }
        let named = Set(given.compactMap { w -> String? in
            if w.hasPrefix("--") { return String(w.dropFirst(2).prefix { $0 != "=" }) }
            return w.firstIndex(of: "=").map { String(w[..<$0]) }
        })
        let openFields = fields.filter { !named.contains($0.name) }
        var candidates: [String] = []
        if word.hasPrefix("-") {
            candidates = openFields.map { "--\($0.name) " }.filter { $0.hasPrefix(word) }
        } else {
            if let positional = openFields.first(where: \.isPositional) {
                candidates += positionalValues(entry: entry, field: positional).filter { $0.lowercased().hasPrefix(word.lowercased()) }.map { $0 + " " }
            }
            let pairs = entry.spec.pairs.filter { !named.contains($0.name) && !named.contains($0.first) && !named.contains($0.second) }
            candidates += (pairs.map { $0.name + "=" } + openFields.filter { !$0.isPositional }.map { $0.name + "=" }).filter { $0.hasPrefix(word.lowercased()) }
        }
        return (word, candidates)
    }

    private func positionalValues(entry: CatalogEntry, field: FieldSpec) -> [String] {
        switch (entry.name, field.name) {
        case (_, "patient") where isPatient(field): return mrns()
        case ("login", _), ("as", "user"): return staffNames()
        case ("help", _): return catalog.firstWords
        default: return field.completions
        }
    }

    /// Values for a field, given what is typed of it; for several choices, the part after the last comma.
    /// A host field that takes a patient's MRN (`patient open`, `export fhir`, `audit log --patient`).
    private func isPatient(_ spec: FieldSpec) -> Bool {
        if spec.name == "patient", case .text = spec.kind { return true }
        return false
    }

    private func values(for spec: FieldSpec, typed: String) -> [String] {
        if isPatient(spec) { return mrns().filter { $0.lowercased().hasPrefix(typed.lowercased()) }.map { $0 + " " } }
        var head = ""
        var tail = typed
        if case .choices = spec.kind, let comma = typed.lastIndex(of: ",") {
            head = String(typed[...comma])
            tail = String(typed[typed.index(after: comma)...])
        }
        if case .quantity = spec.kind {
            // After the number, complete the unit: 72k<Tab> → 72kg.
            let number = typed.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty else { return [] }
            let unit = typed.dropFirst(number.count).lowercased()
            return spec.completions.filter { $0.hasPrefix(unit) }.map { String(number) + $0 + " " }
        }
        let already = Set(head.split(separator: ",").map(String.init))
        return spec.completions
            .filter { !already.contains($0) && $0.lowercased().hasPrefix(tail.lowercased()) }
            .map { head + $0 + (isMulti(spec) ? "" : " ") }
    }

    private func isMulti(_ spec: FieldSpec) -> Bool {
        if case .choices = spec.kind { return true }
        return false
    }

    /// The longest prefix every candidate shares.
    package static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
