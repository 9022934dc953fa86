/// Script variables: `${NAME}`, from `--var NAME=VALUE`, `set NAME VALUE` or a CSV row's columns.
///
/// A value is substituted inside the word the line was split into, after splitting: it is never
/// split again, so a name with spaces or quotes stays one argument and cannot add a field or a
/// command. `$${` writes a literal `${`.
package struct Variables: Equatable {
    package var values: [String: String]

    package init(_ values: [String: String] = [:]) { self.values = values }

    /// A variable name: a letter or `_`, then letters, digits and `_`.
    package static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    /// `NAME=VALUE`, as `--var` takes it.
    package static func assignment(_ text: String) -> (String, String)? {
        guard let eq = text.firstIndex(of: "="), isName(String(text[..<eq])) else { return nil }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    package struct Unset: Error, Equatable {
        package var name: String
    }

    package struct Malformed: Error, Equatable {
        package var word: String
    }

    /// The longest a word may grow by substitution (and a variable's value): `set A ${A}${A}`
    /// repeated would otherwise double until memory runs out.
    package static let longestWord = 65_536

    package struct TooLong: Error, Equatable {
        package var name: String
    }

    /// `word` with each `${NAME}` replaced by its value.
    package func substitute(_ word: String) throws -> String {
        guard word.utf8.contains(UInt8(ascii: "$")) else { return word }
        var out = ""
        var rest = Substring(word)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                out += "${"
                rest = after.dropFirst(2)
            } else if after.hasPrefix("{") {
                guard let close = after.firstIndex(of: "}") else { throw Malformed(word: word) }
                let name = String(after[after.index(after: after.startIndex)..<close])
                guard Self.isName(name) else { throw Malformed(word: word) }
                guard let value = values[name] else { throw Unset(name: name) }
                guard out.utf8.count + value.utf8.count <= Self.longestWord else { throw TooLong(name: name) }
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        return out + rest
    }
}
