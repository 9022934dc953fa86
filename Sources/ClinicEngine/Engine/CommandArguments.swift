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

/// Reads `field=value`, `--field value`, `--field=value` and positional words against a command's
/// declared fields. Everything a user can get wrong comes back as one ``CommandError`` line.
package enum CommandArguments {
    /// - Parameter today: the clinic's date, worked out only if a date field needs it.
    /// - Parameter askAgain: a value refused is noted in ``ParsedArguments/refused`` (and asked
    ///   for at the terminal) instead of failing the command.
    package static func parse(_ words: [String], for entry: CatalogEntry, patientSex: Sex?, askAgain: Bool = false,
                              today: @autoclosure () -> DateComponents) throws(CommandError) -> ParsedArguments {
        var knownToday: DateComponents?
        func todayOnce() -> DateComponents {
            if let knownToday { return knownToday }
            let t = today()
            knownToday = t
            return t
        }
        let fields = entry.spec.fields
        var result = ParsedArguments()
        // Fields by their place in the declaration (no copies of the declarations as they are used).
        var positional = fields.indices.filter { fields[$0].isPositional }[...]
        // The last positional field, when it is free text, takes the rest of the bare words:
        // `help patient new`, `patient find Zoë Ålvarez`.
        let rest = positional.last.flatMap { i -> Int? in
            if case .text = fields[i].kind { return i }
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
            positional.removeAll { $0 == index }
            // `field=` with nothing after it (an empty cell of a CSV row) is a field not given:
            // asked for, or missing, like one left out.
            if text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            let spec = fields[index]
            if result.values[spec.name] != nil {
                throw CommandError("\(spec.name) is given twice", hint: "give it once")
            }
            do {
                let needsToday = if case .date = spec.kind { true } else { false }
                let value = try spec.parse(text, today: needsToday ? todayOnce() : DateComponents())
                result.values[spec.name] = value
                // A date typed as `T-1` is kept as the date it named: the journal, and a replay on
                // another day, must say the same date.
                result.texts[spec.name] = needsToday ? value.stringValue ?? text : text
            } catch {
                guard askAgain else { throw CommandError("\(error.field): \(error.problem)", hint: error.hint) }
                result.refused[spec.name] = error.problem
            }
        }

        while i < words.count {
            let word = words[i]
            if word.hasPrefix("--") && word.utf8.count > 2 {
                let body = word.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    try take(try field(named: String(body[..<eq])), String(body[body.index(after: eq)...]))
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
                if entry.takesOtherFields, !fields.contains(where: { $0.name == name.lowercased() }) {
                    guard result.others[name] == nil else { throw CommandError("\(name) is given twice", hint: "give each field once") }
                    result.others[name] = String(word[word.index(after: eq)...])
                } else {
                    try take(try field(named: name), String(word[word.index(after: eq)...]))
                }
            } else if let next = positional.first {
                try take(next, word)
                restGivenByPosition = next == rest
            } else if let rest, restGivenByPosition, let earlier = result.texts[fields[rest].name] {
                result.values[fields[rest].name] = nil
                try take(rest, earlier + " " + word)
            } else {
                let names = fields.map { $0.name + "=" }.joined(separator: " ")
                throw CommandError("unexpected '\(word)' after \(entry.name)",
                                     hint: names.isEmpty ? "\(entry.name) takes nothing more" : "name the field: \(names)")
            }
            i += 1
        }
        for spec in fields where (spec.isRequired || result.refused[spec.name] != nil) && result.values[spec.name] == nil {
            if let applies = spec.appliesTo, let sex = patientSex, !applies.contains(sex), result.refused[spec.name] == nil { continue }
            result.missing.append(spec.name)
        }
        return result
    }
}
