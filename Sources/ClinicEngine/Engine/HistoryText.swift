import ClinicKit
import ClinicStorage
import Foundation

// What the history file keeps of a typed line (identifying values as `…`), and what a line
// recalled from it gives back: the fields the history blanked, asked for again.
extension Session {
    /// A typed line as the history file may keep it: values of fields a module marks identifying
    /// (names, dates of birth, free-text notes) become `…`. A line that cannot be read is not kept.
    package func forHistory(_ line: String) -> String {
        guard let words = try? Tokenizer.words(line), !words.isEmpty else { return "" }
        guard case .found(let entry, let arguments) = catalog.resolve(words) else { return line }
        let fields = entry.spec.fields
        guard fields.contains(where: \.isIdentifying) || entry.takesOtherFields else { return line }
        let positional = fields.filter(\.isPositional)
        func identifying(_ name: String) -> Bool { fields.contains { $0.name == name && $0.isIdentifying } }
        var out = entry.words
        var bare = 0
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let word = arguments[i]
            if word.hasPrefix("--"), word.count > 2 {
                let body = word.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    let name = String(body[..<eq])
                    out.append(identifying(name) ? "--\(name)=…" : Tokenizer.quote(word))
                } else {
                    let name = String(body)
                    // --name always takes the next word (--at too, the late entry's time).
                    out.append(word)
                    if i + 1 < arguments.endIndex {
                        i += 1
                        out.append(identifying(name) ? "…" : Tokenizer.quote(arguments[i]))
                    }
                }
            } else if let eq = word.firstIndex(of: "="), entry.takesOtherFields || fields.contains(where: { $0.name == String(word[..<eq]) }) {
                // A correction's values are another entry's, unknown here: kept out like identifying ones.
                let name = String(word[..<eq])
                let known = fields.contains { $0.name == name }
                out.append(identifying(name) || !known ? "\(name)=…" : Tokenizer.quote(word))
            } else {
                let field = bare < positional.count ? positional[bare] : positional.last
                bare += 1
                if let field, field.isIdentifying {
                    if out.last != "…" { out.append("…") }
                } else {
                    out.append(Tokenizer.quote(word))
                }
            }
            i += 1
        }
        return out.joined(separator: " ")
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
