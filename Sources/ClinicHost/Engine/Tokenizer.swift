/// Splits a command line into words as a POSIX shell would: whitespace separates words; `"…"` and
/// `'…'` quote (a quoted `#` or space is part of the word); a backslash escapes the next character
/// outside single quotes; an unquoted `#` at the start of a word begins a comment.
package enum Tokenizer {
    package struct Failure: Error, CustomStringConvertible, Equatable {
        package var description: String
    }

    package static func words(_ line: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in line {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(ch)
                }
                continue
            }
            switch ch {
            case "\\":
                escaped = true
                inWord = true
            case "\"", "'":
                quote = ch
                inWord = true
            case " ", "\t", "\r", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "#" where !inWord:
                return words
            default:
                current.append(ch)
                inWord = true
            }
        }
        if let q = quote { throw Failure(description: "unterminated \(q) quote; close it with \(q)") }
        if escaped { throw Failure(description: "the line ends with a backslash; remove it or escape it as \\\\") }
        if inWord { words.append(current) }
        return words
    }

    /// Quotes a word so that ``words(_:)`` reads it back unchanged (used for journal and recording lines).
    package static func quote(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { s in
            s.properties.isAlphabetic || s.properties.numericType != nil
                || "-_.,:/+@%=()[]".unicodeScalars.contains(s)
        }
        if plain { return word }
        var out = "'"
        for ch in word {
            if ch == "'" { out += "'\\''" } else { out.append(ch) }
        }
        return out + "'"
    }
}
