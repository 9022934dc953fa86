import ClinicEngine
import ClinicKit
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Runs command lines, typed or from `.clinic` scripts, with what scripts add to the shell's
/// commands: `${NAME}` variables, `set`, `echo`, `include`, `expect` and `run`.
///
/// A script runs in one transaction: it is recorded whole or, at its first failure, not at all (and
/// says so). With `--csv` it runs once per row, each row its own transaction. With keep-going, each
/// command commits on its own and the script goes on after a failure.
package final class ScriptRunner {
    package let session: Session
    package var variables: Variables
    /// Go on after a failed line, each command committing on its own (`--keep-going`). Never
    /// within a CSV row: a row is all or nothing.
    package private(set) var keepGoing: Bool
    /// The files being run, innermost last (to refuse an include cycle).
    private var files: [String] = []
    /// `expect error` waits for the next command.
    private var pendingError: (fragment: String?, place: String)?
    /// Commands run in the current atomic script or row (for "rolled back N commands").
    private var committedCommands = 0
    /// Lines that failed and were passed over (keep-going).
    private var passedOver = 0

    package init(session: Session, variables: [String: String] = [:], keepGoing: Bool = false) {
        self.session = session
        self.variables = Variables(variables)
        self.keepGoing = keepGoing
    }

    // MARK: - Where a line came from

    struct Place: CustomStringConvertible {
        var file: String
        var line: Int
        var row: String?
        /// `intake.clinic:9`, or `intake.clinic:9 (patients.csv row 17)`.
        var description: String { "\(file):\(line)" + (row.map { " (\($0))" } ?? "") }
        /// What the journal's source column says.
        var source: String { "\(file):\(line)" + (row.map { " \($0)" } ?? "") }
    }

    /// A failed line: where, what, and the command as run (to journal it again after a rollback).
    struct Stop: Error {
        var place: Place?
        var failure: CommandError
        var command: String
    }

    private enum Next { case go, quit }

    // MARK: - Lines

    package typealias Line = ScriptText.Line

    /// The commands of a script (see ``ScriptText/lines(of:)``).
    package static func lines(of text: String) -> [Line] { ScriptText.lines(of: text) }

    // MARK: - One line typed (the shell, -c)

    /// Runs one line typed at the shell or given with `-c`. The caller prints a failure.
    package func interactive(_ text: String, source: String) -> Outcome {
        do {
            switch try line(text, place: nil, source: source) {
            case .go: return .ok
            case .quit: return .quit
            }
        } catch let stop as Stop {
            return .failed(stop.failure)
        } catch {
            return .failed(CommandError(describing: error))
        }
    }

    // MARK: - Scripts

    /// Runs the script file at `path`; prints each failure with its `FILE:LINE`. Returns whether
    /// every line succeeded.
    @discardableResult
    package func runFile(_ path: String, name: String? = nil, row: String? = nil) -> Bool {
        let before = passedOver
        do {
            try runFileLines(path, name: name ?? path, row: row)
            return passedOver == before
        } catch {
            return false
        }
    }

    /// Runs a script given as text (standard input).
    @discardableResult
    package func run(text: String, name: String) -> Bool {
        let before = passedOver
        do {
            try runSegments(text, name: name, directory: FileManager.default.currentDirectoryPath, row: nil)
            return passedOver == before
        } catch {
            return false
        }
    }

    private func runFileLines(_ path: String, name: String, row: String?) throws {
        let text = try read(path, place: nil)
        try enter(path, from: nil) {
            try self.runSegments(text, name: name, directory: (path as NSString).deletingLastPathComponent, row: row)
        }
    }

    private func read(_ path: String, place: Place?) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let failure = CommandError("cannot read \(path)", hint: "check the file's name and that it exists")
            report(place, failure)
            throw Stop(place: place, failure: failure, command: "")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let failure = CommandError("\(path) is not UTF-8 text")
            report(place, failure)
            throw Stop(place: place, failure: failure, command: "")
        }
        return text
    }

    /// Pushes `path` on the stack of files being run; refuses a cycle.
    private func enter(_ path: String, from place: Place?, _ body: () throws -> Void) throws {
        let real = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        if files.contains(real) {
            let chain = (files + [real]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → ")
            try fail(place, CommandError("include cycle: \(chain)", hint: "remove the include that leads back"), command: "")
        }
        guard files.count < 32 else { try fail(place, CommandError("scripts nest more than 32 deep", hint: "look for a cycle"), command: "") }
        files.append(real)
        defer { files.removeLast() }
        try body()
    }

    private func runLines(_ text: String, name: String, directory: String, row: String?) throws {
        _ = try runLines(Self.lines(of: text), name: name, directory: directory, row: row)
    }

    /// Runs `lines`; returns whether one of them was `quit`. With `last`, an `expect error` left
    /// with no line after it is a failure.
    private func runLines(_ lines: [Line], name: String, directory: String, row: String?, last: Bool = true) throws -> Next {
        let wasInScript = session.inScript
        session.inScript = true
        defer { session.inScript = wasInScript }
        for line in lines {
            let place = Place(file: name, line: line.number, row: row)
            do {
                if try self.line(line.text, place: place, source: place.source, directory: directory) == .quit { return .quit }
            } catch let stop as Stop {
                guard keepGoing else { throw stop }
                passedOver += 1
            }
        }
        if last, let pending = pendingError {
            pendingError = nil
            try fail(Place(file: name, line: lines.last?.number ?? 0, row: row),
                     CommandError("expect error at \(pending.place) has no command after it"), command: "")
        }
        return .go
    }

    /// Runs a script's lines as one transaction, except that a `run … --csv` line of its own ends
    /// it: what came before is committed, each CSV row is its own transaction (killing a batch
    /// loses one row at most, never the rows done), and what follows is a new transaction. Inside
    /// another script's transaction (`include`, a script run by a script's line) it is all one.
    private func runSegments(_ text: String, name: String, directory: String, row: String?) throws {
        let lines = Self.lines(of: text)
        guard !session.store.isInTransaction, !keepGoing, lines.contains(where: { Self.isCSVRun($0.text) }) else {
            try atomically(name) { _ = try self.runLines(lines, name: name, directory: directory, row: row) }
            return
        }
        var start = lines.startIndex
        for (i, line) in lines.enumerated() where Self.isCSVRun(line.text) {
            var next = Next.go
            if start < i {
                try atomically(name) { next = try self.runLines(Array(lines[start..<i]), name: name, directory: directory, row: row, last: false) }
            }
            if next == .quit { return }
            if try runLines([line], name: name, directory: directory, row: row, last: false) == .quit { return }
            start = i + 1
        }
        try atomically(name) { _ = try self.runLines(Array(lines[start...]), name: name, directory: directory, row: row) }
    }

    /// Whether a script line runs a script once per CSV row.
    static func isCSVRun(_ text: String) -> Bool {
        guard let words = try? Tokenizer.words(text), words.first?.lowercased() == "run" else { return false }
        return words.contains { $0 == "--csv" || $0.hasPrefix("--csv=") }
    }

    /// Runs `body` in one transaction; at a failure, rolls everything back, says so, puts the
    /// session back as it was, and journals the failure (its first journal line went with the rest).
    private func atomically(_ name: String, _ body: () throws -> Void) throws {
        if keepGoing {
            try body()
            return
        }
        let saved = session.snapshot()
        let outer = committedCommands
        committedCommands = 0
        defer { committedCommands += outer }
        var stop: Stop?
        do {
            try session.store.transaction {
                do { try body() } catch let s as Stop { stop = s; throw s }
            }
        } catch {
            let s = stop ?? Stop(place: nil, failure: CommandError("\(name) could not be committed: \(CommandError.reason(error))"), command: "")
            if stop == nil { report(nil, s.failure) }
            session.restore(saved)
            let undone = committedCommands
            committedCommands = 0
            let note = undone == 0 ? "nothing was recorded" : "rolled back \(undone) command\(undone == 1 ? "" : "s"): nothing from \(name) was recorded"
            // Said once, by the outermost script; a CSV row's summary says the rest.
            if !session.store.isInTransaction { notice("\(name): stopped; \(note)") }
            // The failure's journal line went with the rest: write it again. Inside an enclosing
            // script it stays if that script commits, and goes with it if not (which journals its own).
            try? session.journalFailure(s.command.isEmpty ? "run \(Tokenizer.quote(name))" : s.command, source: s.place?.source ?? name,
                                        failure: s.failure, note: " · \(note)")
            session.afterCommand()
            throw s
        }
        session.afterCommand()
    }

    // MARK: - A line

    /// The longest line read, typed or in a script.
    static let longestLine = 65_536

    private func line(_ text: String, place: Place?, source: String, directory: String = FileManager.default.currentDirectoryPath) throws -> Next {
        guard text.utf8.count <= Self.longestLine else {
            try fail(place, CommandError("the line is \(text.utf8.count) characters long; a line holds at most \(Self.longestLine)",
                                         hint: "split it, or put long text in a file"), command: "")
        }
        let words: [String]
        do {
            words = try Tokenizer.words(text).map(variables.substitute)
        } catch let unset as Variables.Unset {
            try fail(place, CommandError("${\(unset.name)} is not set", hint: "give --var \(unset.name)=VALUE, or set \(unset.name) VALUE before this line"), command: text)
        } catch is Variables.Malformed {
            try fail(place, CommandError("a word of the line has a malformed variable", hint: "write ${NAME} (letters, digits, _), or $${ for a literal ${"), command: text)
        } catch let long as Variables.TooLong {
            try fail(place, CommandError("${\(long.name)} would make a word longer than \(Variables.longestWord) characters", hint: "check what the script sets \(long.name) to"), command: text)
        } catch {
            try fail(place, CommandError(describing: error), command: text)
        }
        guard let first = words.first?.lowercased() else { return .go }
        if first == "expect" {
            let expectation: Expectation
            do { expectation = try Expectation.parse(Array(words.dropFirst())) } catch let failure as CommandError {
                try fail(place, failure, command: text)
            }
            if case .error(let fragment) = expectation {
                pendingError = (fragment, place?.description ?? "the line before")
                return .go
            }
            do { try expectation.check(in: session) } catch let failure as CommandError {
                try fail(place, failure, command: text)
            }
            return .go
        }
        // `expect error` before this line: it must fail (and its failure does not stop the script).
        guard let expected = pendingError else { return try dispatch(words, first, text, place: place, source: source, directory: directory) }
        pendingError = nil
        var caught: CommandError?
        do {
            _ = try dispatch(words, first, text, place: place, source: source, directory: directory, expectingError: true)
        } catch let stop as Stop {
            caught = stop.failure
        }
        guard let failure = caught else {
            try fail(place, CommandError("expected an error (expect error at \(expected.place)), but \(words.prefix(2).joined(separator: " ")) succeeded"),
                     command: text)
        }
        if let fragment = expected.fragment, !failure.description.lowercased().contains(fragment.lowercased()) {
            try fail(place, CommandError("expected an error containing '\(fragment)', found: \(failure.description)"), command: text)
        }
        if !session.quiet { session.console.out("(failed as expected) \(failure.kind.rawValue): \(failure.description)") }
        return .go
    }

    /// Runs a line that is not an `expect`.
    private func dispatch(_ words: [String], _ first: String, _ text: String, place: Place?, source: String, directory: String,
                          expectingError: Bool = false) throws -> Next {
        // An expected failure is not reported as one.
        func stop(_ failure: CommandError, _ command: String) throws -> Never {
            if expectingError { throw Stop(place: place, failure: failure, command: command) }
            try fail(place, failure, command: command)
        }
        switch first {
        case "set":
            guard words.count >= 3, Variables.isName(words[1]) else {
                try stop(CommandError("set needs a variable name and a value", hint: "type e.g. set WEIGHT 72kg"), text)
            }
            let value = words[2...].joined(separator: " ")
            guard value.utf8.count <= Variables.longestWord else {
                try stop(CommandError("set \(words[1]): the value is longer than \(Variables.longestWord) characters", hint: "check what the script sets it to"), text)
            }
            variables.values[words[1]] = value
        case "echo":
            session.console.out(words.dropFirst().joined(separator: " "))
        case "include":
            guard let place else { try stop(CommandError("include works inside scripts", hint: "in the shell, type run FILE"), text) }
            guard words.count == 2 else { try stop(CommandError("include takes one file", hint: "type include FILE"), text) }
            let path = words[1].hasPrefix("/") ? words[1] : (directory as NSString).appendingPathComponent(words[1])
            let included = try read(path, place: place)
            try enter(path, from: place) { try runLines(included, name: path, directory: (path as NSString).deletingLastPathComponent, row: place.row) }
        case "run":
            try runCommand(Array(words.dropFirst()), place: place, directory: directory)
        case "replay-account":
            guard words.count == 3 else { try stop(CommandError("replay-account takes a name and roles", hint: "type replay-account NAME nurse"), text) }
            do { try Accounts.replayAccount(words[1], roles: words[2], in: session) } catch let failure as CommandError {
                try stop(failure, text)
            }
        default:
            // The words go in as they are: a value substituted into one is never split again.
            var command: String { words.map(Tokenizer.quote).joined(separator: " ") }
            switch session.execute(words: words, source: source, line: { command }) {
            case .ok: committedCommands += 1
            case .quit: return .quit
            case .failed(let failure):
                // The shell prints a typed line's failure itself.
                if place == nil { throw Stop(place: nil, failure: failure, command: command) }
                try stop(failure, command)
            }
        }
        return .go
    }

    /// Prints a failure (for a script line) and stops.
    private func fail(_ place: Place?, _ failure: CommandError, command: String) throws -> Never {
        if place != nil { report(place, failure) }
        throw Stop(place: place, failure: failure, command: command)
    }

    private func report(_ place: Place?, _ failure: CommandError) {
        progress?.clear()
        session.console.err((place.map { "\($0): " } ?? "") + "\(failure.kind.rawValue): \(failure.description)")
    }

    private func notice(_ text: String) {
        progress?.clear()
        session.console.err(text)
    }

    // MARK: - run FILE [--var K=V ...] [--csv FILE [--bail]]

    private var progress: Progress?

    static let runUsage = "run FILE [--var NAME=VALUE ...] [--csv DATA.csv [--bail]]"

    private func runCommand(_ arguments: [String], place: Place?, directory: String) throws {
        var file: String?, csv: String?, bail = false
        var extra: [String: String] = [:]
        var i = 0
        func usage(_ problem: String) throws -> Never {
            try fail(place, CommandError("run: \(problem)", hint: "type \(Self.runUsage)"), command: "run " + arguments.joined(separator: " "))
        }
        while i < arguments.count {
            var a = arguments[i]
            // `var=K=V`, `csv=FILE` and `bail=yes`, as help shows them, are the same as the -- forms.
            for name in ["var", "csv", "bail"] where a.hasPrefix(name + "=") { a = "--" + a }
            if a == "--bail=yes" { a = "--bail" } else if a == "--bail=no" { i += 1; continue }
            let (flag, inline): (String, String?) = if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                (String(a[..<eq]), String(a[a.index(after: eq)...]))
            } else { (a, nil) }
            func value() throws -> String {
                if let inline { return inline }
                guard i + 1 < arguments.count else { try usage("\(flag) needs a value") }
                i += 1
                return arguments[i]
            }
            switch flag {
            case "--var":
                let text = try value()
                guard let (k, v) = Variables.assignment(text) else { try usage("--var \(text) is not NAME=VALUE") }
                extra[k] = v
            case "--csv": csv = try value()
            case "--bail": bail = true
            default:
                guard !a.hasPrefix("-"), file == nil else { try usage(a.hasPrefix("-") ? "unknown option \(a)" : "one script at a time ('\(a)')") }
                file = a
            }
            i += 1
        }
        guard let file else { try usage("which script?") }
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : (directory as NSString).appendingPathComponent(p) }
        // A variable's value may be anything (a name, a note): the journal keeps its name only.
        let canonical = (["run", file] + extra.sorted { $0.key < $1.key }.flatMap { ["--var", "\($0.key)=…"] }
            + (csv.map { ["--csv", $0] } ?? []) + (bail ? ["--bail"] : [])).map(Tokenizer.quote).joined(separator: " ")
        let saved = variables
        variables.values.merge(extra) { $1 }
        defer { variables = saved }
        let succeeded: Bool
        var summary = "", failedLine = ""
        if let csv {
            (succeeded, summary) = runCSV(script: resolve(file), name: file, data: resolve(csv), dataName: csv, bail: bail)
        } else {
            do {
                try runFileLines(resolve(file), name: file, row: nil)
                succeeded = true
            } catch let stop as Stop {
                succeeded = false
                summary = "\(file) stopped" + (stop.place.map { " at \($0)" } ?? "") + ": \(stop.failure.description)"
                failedLine = stop.command
            } catch {
                succeeded = false
                summary = "\(file) stopped: \(CommandError(describing: error).description)"
            }
        }
        // The commands inside are journalled one by one; this line says who ran the script.
        try? session.journal(canonical, source: place?.source ?? "shell", outcome: succeeded ? "ok" : "error",
                             message: failedLine.isEmpty ? summary : session.journalled(failedLine: failedLine, message: summary).message)
        session.afterCommand()
        if !succeeded {
            let failure = CommandError(summary)
            if place != nil { throw Stop(place: place, failure: failure, command: canonical) }
            throw Stop(place: nil, failure: failure, command: canonical)
        }
    }

    /// Runs `script` once per row of `data`; each row its own transaction. Returns whether every
    /// row succeeded, and the summary line.
    package func runCSV(script: String, name: String, data: String, dataName: String, bail: Bool) -> (Bool, String) {
        let table: CSVTable
        let text: String
        do {
            table = try CSVTable(text: try read(data, place: nil), name: dataName)
            text = try read(script, place: nil)
        } catch let failure as CSVTable.Failure {
            session.console.err("error: \(failure.description)")
            return (false, failure.description)
        } catch {
            return (false, "\(name) or \(dataName) cannot be read")
        }
        let start = session.snapshot()
        let wasQuiet = session.quiet, wasKeepingGoing = keepGoing
        session.quiet = true
        keepGoing = false
        progress = Progress(total: table.rows.count)
        defer { session.quiet = wasQuiet; keepGoing = wasKeepingGoing; progress?.clear(); progress = nil }
        var failed: [Int] = []
        var done = 0
        let base = variables
        for row in table.rows {
            variables = base
            variables.values.merge(row.values) { $1 }
            // Each row starts where the run started: nobody else's patient open, the same staff.
            var state = start
            state.clock = session.snapshot().clock
            session.restore(state)
            do {
                try atomically("\(dataName) row \(row.number)") {
                    try self.enter(script, from: nil) {
                        try self.runLines(text, name: name, directory: (script as NSString).deletingLastPathComponent, row: "\(dataName) row \(row.number)")
                    }
                }
                done += 1
            } catch {
                failed.append(row.number)
                if bail { break }
            }
            progress?.advance(failed: failed.count)
        }
        variables = base
        var state = start
        state.clock = session.snapshot().clock
        session.restore(state)
        let skipped = table.rows.count - done - failed.count
        var summary = "\(table.rows.count) rows: \(done) done"
        if !failed.isEmpty {
            let list = failed.count <= 20 ? failed.map(String.init).joined(separator: ", ") : failed.prefix(20).map(String.init).joined(separator: ", ") + ", …"
            summary += ", \(failed.count) failed: row\(failed.count == 1 ? "" : "s") \(list) (see above)"
        }
        if skipped > 0 { summary += ", \(skipped) not run (--bail)" }
        progress?.clear()
        session.console.out(summary)
        return (failed.isEmpty, summary)
    }
}

/// A progress bar on standard error, when it is a terminal and the run is long enough to need one.
final class Progress {
    private let total: Int
    private var done = 0
    private var shown = false
    private var lastDraw: Double = 0
    private let started = ProcessInfo.processInfo.systemUptime

    init?(total: Int) {
        guard total >= 20, isatty(2) == 1 else { return nil }
        self.total = total
    }

    func advance(failed: Int) {
        done += 1
        let now = ProcessInfo.processInfo.systemUptime
        // Only after half a second, and at most ten times a second.
        guard now - started > 0.5, now - lastDraw > 0.1 || done == total else { return }
        lastDraw = now
        let width = 30
        let filled = width * done / max(total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "\r[\(bar)] \(done)/\(total) rows" + (failed > 0 ? ", \(failed) failed" : "")
        _ = text.withCString { write(2, $0, strlen($0)) }
        shown = true
    }

    func clear() {
        guard shown else { return }
        _ = "\r\u{1B}[K".withCString { write(2, $0, strlen($0)) }
        shown = false
    }
}

/// A CSV file's problem is written for staff (CSV.swift stays free of the engine: the fuzzer builds it alone).
extension CSVTable.Failure: ProgramError {}
