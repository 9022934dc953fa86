import ClinicKit
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `record start FILE` (and `clinic --record FILE`): writes this session, as it goes, as a script
/// that replays it. After each command the recorder reads the session's new journal lines, so the
/// file holds exactly what was committed, in the journal's canonical form.
package final class Recorder {
    package let path: String
    private let session: Session
    private var writer: ScriptWriter
    private var lastID: Int64
    private let fd: Int32

    /// Creates `path` (mode 0600; it must not exist) and writes the header.
    package init(path: String, session: Session) throws {
        fd = try Self.create(path)
        self.path = path
        self.session = session
        writer = try ScriptWriter(store: session.store, catalog: session.catalog, calendar: session.calendar)
        lastID = try session.store.lastJournalID()
        try write(ScriptWriter.header(source: session.databasePath, sandbox: session.isSandbox,
                                      scope: "session of \(session.staff?.username ?? "clinic")", now: session.now))
    }

    deinit { close(fd) }

    /// Appends the session's journal lines committed since the last flush.
    package func flush() throws {
        let rows = try session.store.journal(after: lastID, session: session.sessionID)
        guard let last = rows.last else { return }
        try write(try writer.lines(for: rows))
        lastID = last.id
    }

    /// Writes what is left and the closing line.
    package func stop() throws {
        try flush()
        try write(["", "# recording stopped \(Timestamp.string(session.now))"])
        fsync(fd)
    }

    private func write(_ lines: [String]) throws { try Self.write(lines, to: fd, path: path) }

    /// Creates a new private file (0600) for a recording or a report; refuses to overwrite one.
    static func create(_ path: String, what: String = "the recording") throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw CommandFailure("\(path) already exists", hint: "write \(what) to a new file") }
            throw CommandFailure("cannot create \(path): \(String(cString: strerror(errno)))", hint: "check the folder exists and is writable")
        }
        return fd
    }

    static func write(_ lines: [String], to fd: Int32, path: String) throws {
        guard !lines.isEmpty else { return }
        var bytes = Array((lines.joined(separator: "\n") + "\n").utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
            bytes = bytes.dropFirst(n)
        }
    }

    /// `record export FILE`: the journal, or one patient's or visit's part of it, as a script that
    /// replays it into a fresh database.
    static func export(to path: String, patient: PatientInfo?, visitID: Int64?, in session: Session) throws -> CommandOutput {
        let store = session.store
        let rows: [JournalRow]
        let scope: String
        if let visitID {
            rows = try store.journal(visitID: visitID)
            guard !rows.isEmpty else { throw CommandFailure("no journal lines for visit #\(visitID)", hint: "see the visits with patient show") }
            scope = "visit #\(visitID), with the patient's history before it"
        } else if let patient {
            rows = try store.journal(patientID: patient.id)
            scope = "patient \(patient.mrn)"
        } else {
            rows = try store.journal()
            scope = "the whole database"
        }
        var writer = try ScriptWriter(store: store, catalog: session.catalog, calendar: session.calendar)
        let lines = ScriptWriter.header(source: session.databasePath, sandbox: session.isSandbox, scope: scope, now: session.now)
            + (try writer.lines(for: rows))
        let fd = try create(path)
        defer { close(fd) }
        try write(lines, to: fd, path: path)
        fsync(fd)
        let commands = lines.filter { !$0.hasPrefix("#") && !$0.isEmpty && !$0.hasPrefix("clock set ") }.count
        return .lines("exported \(scope) to \(path): \(commands) commands from \(rows.count) journal lines")
    }
}
