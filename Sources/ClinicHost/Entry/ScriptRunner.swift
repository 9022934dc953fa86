import Foundation

/// Runs a file of shell commands: one a line, `#` comments, blank lines, a trailing `\` continues a
/// line. Stops at the first failure, naming `FILE:LINE`, unless told to keep going.
package struct ScriptRunner {
    package let session: Session
    package let keepGoing: Bool

    package init(session: Session, keepGoing: Bool) {
        self.session = session
        self.keepGoing = keepGoing
    }

    /// A command and the line it starts on.
    package struct Line: Equatable {
        package var number: Int
        package var text: String
    }

    /// The commands of a script, with continuation lines joined.
    package static func lines(of text: String) -> [Line] {
        var result: [Line] = []
        var pending: Line?
        // "\r\n" is one Character in Swift: split on any line break, so Windows-edited scripts work.
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = String(raw)
            let continues = line.hasSuffix("\\") && !line.hasSuffix("\\\\")
            if continues { line.removeLast() }
            if var p = pending {
                p.text += " " + line
                pending = p
            } else {
                pending = Line(number: i + 1, text: line)
            }
            if !continues, let p = pending {
                let trimmed = p.text.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty && !trimmed.hasPrefix("#") { result.append(Line(number: p.number, text: trimmed)) }
                pending = nil
            }
        }
        if let p = pending, !p.text.trimmingCharacters(in: .whitespaces).isEmpty {
            result.append(Line(number: p.number, text: p.text.trimmingCharacters(in: .whitespaces)))
        }
        return result
    }

    /// Runs the script; returns the exit status (0, or 1 if a command failed).
    package func run(text: String, name: String) -> Int32 {
        var status: Int32 = 0
        for line in Self.lines(of: text) {
            let where_ = "\(name):\(line.number)"
            switch session.execute(line.text, source: where_) {
            case .ok: continue
            case .quit: return status
            case .failed(let failure):
                session.console.err("\(where_): \(failure.kind.rawValue): \(failure.description)")
                status = 1
                if !keepGoing { return status }
            }
        }
        return status
    }
}
