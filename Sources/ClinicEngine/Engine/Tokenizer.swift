/// Splits a command line into words as a POSIX shell would: whitespace separates words; `"…"` and
/// `'…'` quote (a quoted `#` or space is part of the word); a backslash escapes the next character
/// outside single quotes; an unquoted `#` at the start of a word begins a comment, unless a digit
/// follows it (`#2`, a patient's internal id).
package enum Tokenizer {
    package struct Failure: Error, CustomStringConvertible, Equatable {
        package var description: String
    }

    package static func words(_ line: String) throws(Failure) -> [String] {
        // Unicode scalars, not Characters: the quoting characters are ASCII, and a combining mark
        // after a quote stays part of the word.
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar?
        var escaped = false
        let scalars = Array(line.unicodeScalars)
        for (i, ch) in scalars.enumerated() {
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
                    words.append(String(current))
                    current = String.UnicodeScalarView()
                    inWord = false
                }
            case "#" where !inWord && !(i + 1 < scalars.count && ("0"..."9").contains(scalars[i + 1])):
                return words
            default:
                current.append(ch)
                inWord = true
            }
        }
        if let q = quote { throw Failure(description: "unterminated \(q) quote; close it with \(q)") }
        if escaped { throw Failure(description: "the line ends with a backslash; remove it or escape it as \\\\") }
        if inWord { words.append(String(current)) }
        return words
    }

    /// Quotes a word so that ``words(_:)`` reads it back unchanged (used for journal and recording lines).
    package static func quote(_ word: String) -> String {
        // Letters, digits and -_.,:/+@%=()[] need no quotes (checked on bytes first: it is the common case).
        if !word.isEmpty && word.utf8.allSatisfy({ plainASCII[Int($0)] }) { return word }
        // ASCII with a space, a quote or another sign: quoted, without asking Unicode.
        let ascii = word.utf8.allSatisfy { $0 < 0x80 }
        let plain = !ascii && word.unicodeScalars.allSatisfy { s in
            s.properties.isAlphabetic || s.properties.numericType != nil
                || "-_.,:/+@%=()[]".unicodeScalars.contains(s)
        }
        if plain { return word }
        // Scalar by scalar: a quote followed by a combining mark is one Character, and must still
        // be escaped (found by Scripts/fuzz).
        var out = String.UnicodeScalarView()
        out.append("'")
        for s in word.unicodeScalars {
            if s == "'" { out.append(contentsOf: "'\\''".unicodeScalars) } else { out.append(s) }
        }
        out.append("'")
        return String(out)
    }

    private static let plainASCII: [Bool] = (0..<256).map { b in
        guard b < 128 else { return false }
        let c = UInt8(b)
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || Array("-_.,:/+@%=()[]".utf8).contains(c)
    }
}
