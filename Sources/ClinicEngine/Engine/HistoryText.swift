import ClinicKit
import ClinicStorage
import Foundation

// What the history file and the journal keep of a line (identifying values as `…`), and what a
// line recalled from the history gives back: the fields it blanked, asked for again.
extension Session {
    /// A line as the history and a failed line's journal entry may keep it: command words, field
    /// names and the values of fields that are not identifying; the values of identifying fields
    /// (names, dates of birth, free-text notes, script variables), of fields the command does not
    /// have and of words past its last field become `…`, and are listed in `hidden` so a message
    /// can be cleared of them too. `nil` for a line that does not parse or names no command: it
    /// may be anything (a password typed at the wrong prompt), so none of it is kept.
    package struct KeptLine: Equatable {
        package var text: String
        package var hidden: [String]
    }

    package func keepable(_ line: String) -> KeptLine? {
        guard let words = try? Tokenizer.words(line), !words.isEmpty else { return nil }
        return keepable(words: words)
    }

    package func keepable(words: [String]) -> KeptLine? {
        // `as NAME COMMAND`: the command is kept as it would be alone, the name only when it is
        // an account's (it may be a password typed where the name was asked).
        if words.first?.lowercased() == "as", words.count >= 3 {
            guard let inner = keepable(words: Array(words.dropFirst(2))) else { return nil }
            let name = words[1].lowercased()
            let known = (try? store.account(name)) != nil
            return KeptLine(text: "as \(known ? name : Self.placeholder) \(inner.text)", hidden: inner.hidden + (known ? [] : [words[1]]))
        }
        guard case .found(let entry, let arguments) = catalog.resolve(words) else { return nil }
        let fields = entry.spec.fields
        let positional = fields.filter(\.isPositional)
        func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
        // A host command's `user` is a member of staff: kept when it is an account's name, never
        // otherwise (it may be a password typed where the name was asked).
        // A value the field does not take, as long as a password may be, is not kept either: it
        // may be one typed in the wrong place (`role=…`). A short one (`dose=11`) is what went wrong.
        func keeps(_ f: FieldSpec, _ value: String) -> Bool {
            guard !f.isIdentifying else { return false }
            guard f.name == "user", entry.module == nil else {
                return value.count < Passwords.minimumLength || (try? f.parse(value, today: today)) != nil
            }
            return (try? store.account(value.lowercased())) != nil
        }
        var out = entry.words
        var hidden: [String] = []
        func hide(_ word: String) {
            hidden.append(word)
            if out.last != Self.placeholder { out.append(Self.placeholder) }
        }
        var bare = 0
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let word = arguments[i]
            if word.hasPrefix("--"), word.count > 2 {
                let body = word.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    let name = String(body[..<eq]), value = String(body[body.index(after: eq)...])
                    if let f = field(name) {
                        if !keeps(f, value) { hidden.append(value); out.append("--\(name)=\(Self.placeholder)") } else { out.append(Tokenizer.quote(word)) }
                    } else {
                        hide(word)
                    }
                } else {
                    // --name always takes the next word (--at too, the late entry's time).
                    let name = String(body)
                    let known = field(name)
                    let next = i + 1 < arguments.endIndex ? arguments[i + 1] : nil
                    if known != nil || name == "at" {
                        out.append(word)
                        if let next {
                            if let known, !keeps(known, next) { hidden.append(next); out.append(Self.placeholder) } else { out.append(Tokenizer.quote(next)) }
                            i += 1
                        }
                    } else {
                        hide(word)
                        if let next, !next.hasPrefix("--") { hide(next); i += 1 }
                    }
                }
            } else if let eq = word.firstIndex(of: "="), eq != word.startIndex {
                let name = String(word[..<eq]), value = String(word[word.index(after: eq)...])
                if let f = field(name) {
                    if !keeps(f, value) { hidden.append(value); out.append("\(name)=\(Self.placeholder)") } else { out.append(Tokenizer.quote(word)) }
                } else if entry.takesOtherFields {
                    // A correction's values are another entry's, unknown here: kept out like identifying ones.
                    hidden.append(value)
                    out.append("\(name)=\(Self.placeholder)")
                } else {
                    hide(word)
                }
            } else {
                // Words past the last positional field go to it only when it takes the rest of the line (text).
                let f: FieldSpec? = bare < positional.count ? positional[bare] : positional.last.flatMap { if case .text = $0.kind { return $0 } else { return nil } }
                bare += 1
                if let f, keeps(f, word) { out.append(Tokenizer.quote(word)) } else { hide(word) }
            }
            i += 1
        }
        return KeptLine(text: out.joined(separator: " "), hidden: hidden)
    }

    /// A typed line as the history file may keep it (``keepable(_:)``); empty when nothing of it may be kept.
    package func forHistory(_ line: String) -> String { keepable(line)?.text ?? "" }

    /// A failed line as the journal keeps it, and its message cleared of what the line hid: a
    /// line that names no command is kept only as its length.
    package func journalled(failedLine line: String, message: String) -> (command: String, message: String) {
        guard let kept = keepable(line) else {
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            return ("(unrecognised input, \(line.count) characters)", Self.clear(message, of: words))
        }
        return (kept.text, Self.clear(message, of: kept.hidden))
    }

    /// `message` with every word of `hidden` (and its quoted form) replaced by `…` where it stands
    /// as a word: not inside another (a note's "no" leaves "acknowledge" and "nobody" whole).
    static func clear(_ message: String, of hidden: [String]) -> String {
        var message = message
        for word in hidden.sorted(by: { $0.count > $1.count }) where word.count >= 2 {
            let pattern = "(?<![\\p{L}\\p{N}])" + NSRegularExpression.escapedPattern(for: word) + "(?![\\p{L}\\p{N}])"
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                message = message.replacingOccurrences(of: word, with: placeholder)
                continue
            }
            message = regex.stringByReplacingMatches(in: message, range: NSRange(message.startIndex..., in: message),
                                                     withTemplate: NSRegularExpression.escapedTemplate(for: placeholder))
        }
        return message
    }

    /// The placeholder the history keeps for identifying text.
    static let placeholder = "…"

    /// Removes `…` values (as `forHistory` writes them) from a command's words, returning the
    /// fields they stood for.
    static func stripPlaceholders(_ arguments: inout [String], for entry: CatalogEntry) throws -> [String] {
        guard arguments.contains(where: { $0 == placeholder || $0.hasSuffix("=" + placeholder) }) else { return [] }
        let fields = entry.spec.fields
        let positional = fields.filter(\.isPositional)
        var out: [String] = [], blanked: [String] = []
        var bare = 0
        var i = arguments.startIndex
        func field(_ name: String) throws -> String {
            guard fields.contains(where: { $0.name == name }) || entry.takesOtherFields else {
                throw CommandError("\(name)=\(placeholder): the history keeps no identifying text, so this recalled line has lost its \(name)",
                                     hint: "type the line again with its value")
            }
            return name
        }
        while i < arguments.endIndex {
            let word = arguments[i]
            if word.hasPrefix("--"), word.count > 2 {
                let body = word.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    if body[body.index(after: eq)...] == placeholder { blanked.append(try field(String(body[..<eq]))) } else { out.append(word) }
                } else if i + 1 < arguments.endIndex, arguments[i + 1] == placeholder {
                    blanked.append(try field(String(body)))
                    i += 1
                } else {
                    out.append(word)
                    if i + 1 < arguments.endIndex { out.append(arguments[i + 1]); i += 1 }
                }
            } else if let eq = word.firstIndex(of: "="), word[word.index(after: eq)...] == placeholder {
                blanked.append(try field(String(word[..<eq])))
            } else if word == placeholder {
                if let f = bare < positional.count ? positional[bare] : positional.last { blanked.append(f.name) }
                bare += 1
            } else {
                out.append(word)
                bare += 1
            }
            i += 1
        }
        arguments = out
        return blanked
    }
}
