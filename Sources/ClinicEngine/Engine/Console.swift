import ClinicKit
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// What reading a line gave.
package enum InputEvent: Equatable, Sendable {
    case line(String)
    /// Ctrl-C: cancel what is being typed or asked.
    case interrupt
    /// Ctrl-D on an empty line, or the end of the input.
    case end
}

/// Where the session reads from when it must ask: the libedit shell, or a test's scripted answers.
package protocol LineInput: AnyObject {
    /// Reads a line after showing `prompt`. `completion` says what Tab should complete meanwhile.
    func readLine(prompt: String, completion: CompletionMode) -> InputEvent
    /// Reads a line without echoing it (a password).
    func readSecret(prompt: String) -> InputEvent
    /// Adds a command line to the history (only lines typed at the main prompt).
    func remember(_ line: String)
    /// Reads one key without Enter after showing `prompt` (the pager): `.line("")` for Enter, a
    /// line of the character typed otherwise.
    func readKey(prompt: String) -> InputEvent
    /// Puts `text` at the start of the next line read, as if typed there.
    func pushBack(_ text: String)
}

extension LineInput {
    /// A password typed without echo, or `nil` when none was given: Ctrl-C, Ctrl-D, or `^` and
    /// `^^`, which leave any other prompt (no password is that short, so none is checked, and
    /// none counts as a wrong one).
    package func readPassword(prompt: String) -> String? {
        guard case .line(let typed) = readSecret(prompt: prompt), typed != "^", typed != "^^" else { return nil }
        return typed
    }

    /// Where keys cannot be read one at a time (a test's scripted answers): a whole line.
    package func readKey(prompt: String) -> InputEvent { readLine(prompt: prompt, completion: .none) }
    package func pushBack(_ text: String) {}
}

/// What Tab completes.
package enum CompletionMode: Sendable {
    /// A command line at the main prompt.
    case command
    /// The answer to a field's prompt.
    case field(FieldSpec)
    /// Nothing (a name, a free-text answer).
    case none
}

/// The program's version.
package enum ClinicVersion {
    package static let text = "0.1.0"
}

/// Where results and diagnostics go: results to standard output, diagnostics to standard error.
package protocol Console: AnyObject {
    func out(_ text: String)
    func err(_ text: String)
    /// Whether results go to a terminal (alerts are then shown in reverse video, long texts paged).
    var isTerminal: Bool { get }
    /// The terminal's height in rows, when results go to one.
    var rows: Int? { get }
    /// The terminal's width in columns, when results go to one: lines of text are wrapped to it.
    var columns: Int? { get }
}

extension Console {
    package var isTerminal: Bool { false }
    package var rows: Int? { nil }
    package var columns: Int? { nil }
}

/// The process's standard output and error.
package final class StandardConsole: Console {
    /// Whether standard output is a terminal (alerts are then shown in reverse video).
    package let isTerminal: Bool

    package init() { isTerminal = isatty(1) == 1 }

    /// The terminal's height in rows, if standard output is a terminal.
    package var rows: Int? {
        var size = winsize()
        guard isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return Int(size.ws_row)
    }

    /// The terminal's width in columns, if standard output is a terminal.
    package var columns: Int? {
        var size = winsize()
        guard isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    package func out(_ text: String) { write(1, text + "\n") }
    package func err(_ text: String) { write(2, text + "\n") }

    private func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }
}

/// Turns command output into text.
package enum Renderer {
    /// `width`: the terminal's columns, to which lines of text are wrapped between words.
    package static func render(_ output: CommandOutput, highlight: Bool, width: Int? = nil) -> [String] {
        var lines: [String] = []
        for block in output.blocks {
            switch block {
            case .line(let text): lines += width.map { Layout.wrapLine(text, width: $0) } ?? [text]
            case .table(let headers, let rows): lines += table(headers, rows)
            case .alert(let text):
                let line = "ALERT: \(text)"
                lines.append(highlight ? "\u{1B}[1;7m\(line)\u{1B}[0m" : line)
            @unknown default:
                // The host ships with its SDK, so a module cannot hand it a kind of block it does
                // not know; were one to arrive, nothing of it is shown rather than its structure.
                break
            }
        }
        return lines
    }

    /// Columns padded to their widest cell (in terminal columns); the last column is not padded.
    package static func table(_ headers: [String], _ rows: [[String]]) -> [String] {
        let all = [headers] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        // Measured as the terminal shows them: a CJK name takes two columns a character.
        for row in all {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], Layout.columns(cell)) }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : Layout.padded(cell, to: widths[i])
            }.joined(separator: "  ")
        }
        var out = ["  " + line(headers)]
        for row in rows { out.append("  " + line(row)) }
        return out
    }
}
