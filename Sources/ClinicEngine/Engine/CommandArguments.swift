import ClinicKit
import ClinicStorage
import Foundation

/// A command's arguments, read against its declaration.
package struct ParsedArguments: Sendable, Equatable {
    /// The value of each field given.
    package var values: [String: Value] = [:]
    /// The text each value was read from, for the canonical command line.
    package var texts: [String: String] = [:]
    /// Required fields (that apply to the patient) not given, in declaration order.
    package var missing: [String] = []
    /// `name=value` words naming no field, for a command that takes them (`amend`).
    package var others: [String: String] = [:]
    /// Fields given a value that was refused, with why, when the person typing can be asked again
    /// (they are listed in ``missing`` too).
    package var refused: [String: String] = [:]
    /// What the record offers for fields still to be asked, as it would be typed: shown as
    /// `VALUE//` at the prompt, and read as if typed when Enter takes it.
    package var defaults: [String: String] = [:]
}

/// Where a bare word goes: a field, by its index among the command's, or a pair of them.
enum Slot: Equatable {
    case field(Int)
    case pair(Int)
}

/// Reads `field=value`, `--field value`, `--field=value` and positional words against a command's
/// declared fields. Everything a user can get wrong comes back as one ``CommandError`` line.
package enum CommandArguments {
    /// - Parameter today: the clinic's date, worked out only if a date field needs it.
    /// - Parameter askAgain: a value refused is noted in ``ParsedArguments/refused`` (and asked
    ///   for at the terminal) instead of failing the command.
    /// - Parameter alsoRequired: fields the clinic protocol makes required (``CommandSpec/requiredFieldsSetting``).
    package static func parse(_ words: [String], for entry: CatalogEntry, patientSex: Sex?, askAgain: Bool = false,
                              alsoRequired: Set<String> = [],
                              today: @autoclosure () -> DateComponents) throws(CommandError) -> ParsedArguments {
        var knownToday: DateComponents?
        func todayOnce() -> DateComponents {
            if let knownToday { return knownToday }
            let t = today()
            knownToday = t
            return t
        }
        let fields = entry.spec.fields
        let pairs = entry.spec.pairs
        var result = ParsedArguments()
        // Where bare words go: a field (by its place in the declaration, so no copies of the
        // declarations are made as they are used), or a pair of fields typed as one word.
        var positional: [Slot]
        if let order = entry.bareOrder {
            positional = order.compactMap { name in
                fields.firstIndex { $0.name == name }.map(Slot.field) ?? pairs.firstIndex { $0.name == name }.map(Slot.pair)
            }
        } else {
            positional = fields.indices.filter { fields[$0].isPositional }.map(Slot.field)
        }
        // The last positional field, when it is free text, takes the rest of the bare words:
        // `help patient new`, `patient find Zoë Ålvarez`.
        let rest = entry.bareOrder != nil ? nil : positional.last.flatMap { slot -> Int? in
            if case .field(let i) = slot, case .text = fields[i].kind { return i }
            return nil
        }
        var restGivenByPosition = false
        var i = 0

        func field(named raw: String) throws(CommandError) -> Int {
            let lower = raw.lowercased()
            if let f = fields.firstIndex(where: { $0.name == lower }) { return f }
            let name = String(lower.map { $0 == "-" ? "_" : $0 })
            if let f = fields.firstIndex(where: { $0.name == name }) { return f }
            let names = fields.map(\.name)
            let guess = Suggest.closest(to: name, among: names)
            let list = names.isEmpty ? "it takes no fields" : "its fields are " + names.joined(separator: ", ")
            throw CommandError("\(entry.name) has no field '\(raw)'" + (guess.map { "; did you mean \($0)?" } ?? "; \(list)"),
                                 hint: "type help \(entry.name)")
        }

        func take(_ index: Int, _ text: String) throws(CommandError) {
            positional.removeAll { slot in
                switch slot {
                case .field(let i): return i == index
                case .pair(let p): return pairs[p].first == fields[index].name || pairs[p].second == fields[index].name
                }
            }
            // `field=` with nothing after it (an empty cell of a CSV row) is a field not given:
            // asked for, or missing, like one left out.
            if text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            let spec = fields[index]
            if result.values[spec.name] != nil {
                throw CommandError("\(spec.name) is given twice", hint: "give it once")
            }
            do {
                (result.values[spec.name], result.texts[spec.name]) = try spec.read(text, today: todayOnce())
            } catch {
                guard askAgain else { throw CommandError("\(error.field): \(error.problem)", hint: error.hint) }
                result.refused[spec.name] = error.problem
            }
        }

        /// `132/84` for `bp`: each half read as its field.
        func takePair(_ p: Int, _ text: String) throws(CommandError) {
            let pair = pairs[p]
            positional.removeAll { $0 == .pair(p) }
            if text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            guard let first = fields.firstIndex(where: { $0.name == pair.first }), let second = fields.firstIndex(where: { $0.name == pair.second }) else { return }
            let parts = text.components(separatedBy: pair.separator)
            guard parts.count == 2, !parts[0].trimmed.isEmpty, !parts[1].trimmed.isEmpty else {
                let problem = "'\(text)' is not \(pair.first)\(pair.separator)\(pair.second)"
                guard askAgain else { throw CommandError("\(pair.name): \(problem)", hint: "type e.g. \(pair.name)=\(FieldPrompt.sample(pair, fields: fields))") }
                result.refused[pair.first] = problem
                result.refused[pair.second] = problem
                return
            }
            try take(first, parts[0].trimmed)
            try take(second, parts[1].trimmed)
        }

        while i < words.count {
            let word = words[i]
            if word.hasPrefix("--") && word.utf8.count > 2 {
                let body = word.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    if let p = pairs.firstIndex(where: { $0.name == body[..<eq].lowercased() }) {
                        try takePair(p, String(body[body.index(after: eq)...]))
                    } else {
                        try take(try field(named: String(body[..<eq])), String(body[body.index(after: eq)...]))
                    }
                } else if let p = pairs.firstIndex(where: { $0.name == body.lowercased() }) {
                    guard i + 1 < words.count else {
                        throw CommandError("--\(body) needs a value", hint: "type e.g. \(pairs[p].name)=\(FieldPrompt.sample(pairs[p], fields: fields))")
                    }
                    i += 1
                    try takePair(p, words[i])
                } else {
                    let index = try field(named: String(body))
                    // A yes/no option given alone is a flag: `--all` is `--all yes`.
                    if case .yesNo = fields[index].kind, i + 1 == words.count || (try? fields[index].parse(words[i + 1], today: DateComponents())) == nil {
                        try take(index, "yes")
                        i += 1
                        continue
                    }
                    guard i + 1 < words.count else {
                        throw CommandError("--\(body) needs a value (\(fields[index].expects))", hint: "type e.g. \(fields[index].example)")
                    }
                    i += 1
                    try take(index, words[i])
                }
            } else if let eq = word.firstIndex(of: "="), eq != word.startIndex,
                      DeclarationCheck.isWord(String(word[..<eq]).lowercased(), allowUnderscore: true) {
                let name = String(word[..<eq])
                if let p = pairs.firstIndex(where: { $0.name == name.lowercased() }) {
                    try takePair(p, String(word[word.index(after: eq)...]))
                } else if entry.takesOtherFields, !fields.contains(where: { $0.name == name.lowercased() }) {
                    guard result.others[name] == nil else { throw CommandError("\(name) is given twice", hint: "give each field once") }
                    result.others[name] = String(word[word.index(after: eq)...])
                } else {
                    try take(try field(named: name), String(word[word.index(after: eq)...]))
                }
            } else if let next = positional.first {
                switch next {
                // In a short form, `-` leaves a value out: `v 132/84 78 - 98`.
                case _ where entry.bareOrder != nil && word == "-": positional.removeFirst()
                case .field(let index):
                    try take(index, word)
                    restGivenByPosition = index == rest
                case .pair(let p): try takePair(p, word)
                }
            } else if let rest, restGivenByPosition, let earlier = result.texts[fields[rest].name] {
                result.values[fields[rest].name] = nil
                try take(rest, earlier + " " + word)
            } else if let order = entry.bareOrder {
                throw CommandError("unexpected '\(word)': the short form takes \(order.joined(separator: " ")) in that order",
                                   hint: "name the field instead (\(fields.map { $0.name + "=" }.joined(separator: " "))), or type help \(entry.name)")
            } else {
                let names = fields.map { $0.name + "=" }.joined(separator: " ")
                throw CommandError("unexpected '\(word)' after \(entry.name)",
                                     hint: names.isEmpty ? "\(entry.name) takes nothing more" : "name the field: \(names)")
            }
            i += 1
        }
        for spec in fields where (spec.isRequired || alsoRequired.contains(spec.name) || result.refused[spec.name] != nil) && result.values[spec.name] == nil {
            if let applies = spec.appliesTo, let sex = patientSex, !applies.contains(sex), result.refused[spec.name] == nil { continue }
            result.missing.append(spec.name)
        }
        return result
    }
}

extension FieldSpec {
    /// A value as typed, read; and the text kept of it. A date typed as `T-1` is kept as the date
    /// it named: the journal, and a replay on another day, must say the same date. `today` is
    /// asked only for a date.
    func read(_ text: String, today: @autoclosure () -> DateComponents) throws(FieldError) -> (value: Value, text: String) {
        guard case .date = kind else { return (try parse(text, today: DateComponents()), text) }
        let value = try parse(text, today: today())
        return (value, value.stringValue ?? text)
    }
}
