// The text of a script, apart from running it: kept free of the rest of the program so that
// Scripts/fuzz can compile it alone with the fuzzer.

/// Reading a script's text into its commands.
package enum ScriptText {
    /// A command and the line it starts on.
    package struct Line: Equatable {
        package var number: Int
        package var text: String
    }

    /// The commands of a script: `#` comments and blank lines dropped, continuation lines (a
    /// trailing `\`) joined.
    package static func lines(of text: String) -> [Line] {
        var result: [Line] = []
        var pending: Line?
        // Split on bytes (fast), dropping the \r of a Windows-edited script's \r\n.
        for (i, raw) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = String(Substring(raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw))
            let continues = line.hasSuffix("\\") && !line.hasSuffix("\\\\")
            if continues { line.removeLast() }
            if var p = pending {
                p.text += " " + line
                pending = p
            } else {
                pending = Line(number: i + 1, text: line)
            }
            if !continues, let p = pending {
                let trimmed = p.text.trimmed
                if !trimmed.isEmpty && !trimmed.hasPrefix("#") { result.append(Line(number: p.number, text: trimmed)) }
                pending = nil
            }
        }
        if let p = pending, case let trimmed = p.text.trimmed, !trimmed.isEmpty, !trimmed.hasPrefix("#") {
            result.append(Line(number: p.number, text: trimmed))
        }
        return result
    }
}
