import ClinicEngine
import ClinicKit
import ClinicStorage
import Foundation

/// `replay FILE [--into DB] [--verify DB]`: re-executes a recording into a new sandbox database,
/// through the same session, modules and checks as the original, and compares the two records.
enum Replay {
    static func run(_ file: String, into: String?, verify original: String?, in session: Session) throws -> CommandOutput {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw CommandError("cannot read \(file)", hint: "give the recording's path")
        }
        let target = into ?? (file.hasSuffix(".clinic") ? String(file.dropLast(7)) : file) + ".replay.sqlite"
        if PostgresAddress.names(target) {
            throw CommandError("a replay is made into a new file, not into a record on a server", hint: "give --into a new file path; --verify \(PostgresAddress.display(target)) compares the replay with the record there")
        }
        if FileManager.default.fileExists(atPath: target) {
            throw CommandError("\(target) already exists; replay makes a new database", hint: "give --into a new file")
        }
        if let original, !PostgresAddress.names(original), !FileManager.default.isReadableFile(atPath: original) {
            throw CommandError("cannot read \(original) to compare with", hint: "give --verify the original database")
        }
        let started = session.clock.wallTime()
        let store: any RecordStore
        do { store = try RecordStores.open(target, now: session.now, replayOf: file) } catch {
            throw CommandError("cannot create \(target): \(CommandError.reason(error))")
        }
        let replay = Session(store: store, plugins: session.plugins, clock: SandboxClock(store: store), calendar: session.calendar,
                             console: session.console, input: nil, environment: [:], databasePath: target,
                             clinicProtocol: session.clinicProtocol, hostCommands: session.hostCommands)
        replay.instruments = session.instruments
        replay.isReplaying = true
        replay.quiet = true
        guard ScriptRunner(session: replay).runFile(file) else {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
            throw CommandError("the replay of \(file) stopped (see above); \(target) was removed", hint: "a recording replays into a fresh database, with the same modules loaded")
        }
        let seconds = session.clock.wallTime().timeIntervalSince(started)
        let commands = try store.count(.commands)
        let records = try store.recordCount()
        let rate = seconds > 0 ? Int(Double(commands) / seconds) : commands
        var out = CommandOutput()
        out.line("replayed \(file) into \(target) (a sandbox): \(commands) commands, \(records) records in \(String(format: "%.2f", seconds)) s (\(rate) commands/s)")
        guard let original else { return out }
        let report = try Verify.compare(replayed: try RecordStores.snapshots(of: target), original: try RecordStores.snapshots(of: original))
        session.show(out)
        out = CommandOutput()
        if report.differences.isEmpty {
            out.line("verify against \(original): \(report.summary)")
            return out
        }
        out.line("verify against \(original): \(report.differences.count) difference\(report.differences.count == 1 ? "" : "s")")
        for d in report.differences.prefix(20) { out.line("  " + d) }
        if report.differences.count > 20 { out.line("  … and \(report.differences.count - 20) more") }
        session.show(out)
        throw CommandError("the replay differs from \(original) (listed above)", hint: "the first difference is where the record diverged")
    }
}
