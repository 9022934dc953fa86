import ClinicEngine
import ClinicKit
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `record start FILE` (and `clinic --record FILE`): writes this session, as it goes, as a script
/// that replays it. After each command the recorder reads the session's new journal lines, so the
/// file holds exactly what was committed, in the journal's canonical form.
package final class Recorder: SessionRecorder {
    package let path: String
    private let session: Session
    private var writer: ScriptWriter
    private var lastID: Int64
    private let fd: Int32

    /// Creates `path` (mode 0600; it must not exist) and writes the header.
    package init(path: String, session: Session) throws {
        fd = try PrivateFile.create(path, what: "the recording")
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

    private func write(_ lines: [String]) throws { try PrivateFile.write(lines, to: fd, path: path) }

    /// `record export FILE`: the journal, or one patient's or visit's part of it, as a script that
    /// replays it into a fresh database. The journal is read and written `pageSize` lines at a
    /// time, so memory does not grow with it; a failed export removes the file.
    static func export(to path: String, patient: PatientInfo?, visitID: Int64?, pageSize: Int = 2_000, in session: Session) throws -> CommandOutput {
        let store = session.store
        let scope: String
        if let visitID {
            guard !(try store.journal(visitID: visitID, limit: 1)).isEmpty else {
                throw CommandError("no journal lines for visit #\(visitID)", hint: "see the visits with patient show")
            }
            scope = "visit #\(visitID), with the patient's history before it"
        } else if let patient {
            scope = "patient \(patient.mrn)"
        } else {
            scope = "the whole database"
        }
        var writer = try ScriptWriter(store: store, catalog: session.catalog, calendar: session.calendar)
        let fd = try PrivateFile.create(path, what: "the recording")
        defer { close(fd) }
        var rows = 0
        var commands = 0
        do {
            try PrivateFile.write(ScriptWriter.header(source: session.databasePath, sandbox: session.isSandbox, scope: scope, now: session.now), to: fd, path: path)
            var after: Int64 = 0
            while true {
                let page = try store.journal(after: after, patientID: visitID == nil ? patient?.id : nil, visitID: visitID, limit: pageSize)
                guard let last = page.last else { break }
                let lines = try writer.lines(for: page)
                try PrivateFile.write(lines, to: fd, path: path)
                commands += lines.filter { !$0.hasPrefix("#") && !$0.isEmpty && !$0.hasPrefix("clock set ") }.count
                rows += page.count
                after = last.id
            }
            fsync(fd)
        } catch {
            unlink(path)
            throw error
        }
        return .lines("exported \(scope) to \(path): \(commands) commands from \(rows) journal lines")
    }
}

/// `record start`, `record stop` and `record export`.
enum RecordCommands {
    static func recordStart(_ path: String, in session: Session) throws -> CommandOutput {
        if let current = session.recorder {
            throw CommandError("already recording into \(current.path)", hint: "type record stop first")
        }
        session.recorder = try Recorder(path: path, session: session)
        return .lines("recording into \(path); type record stop to end it (passwords are never recorded)")
    }

    static func recordStop(in session: Session) throws -> CommandOutput {
        guard let recorder = session.recorder else { throw CommandError("nothing is being recorded", hint: "type record start FILE") }
        session.recorder = nil
        try recorder.stop()
        return .lines("recording saved in \(recorder.path); replay it with: replay \(Tokenizer.quote(recorder.path)) --into NEW.sqlite")
    }

    static func recordExport(_ path: String, patient key: String?, visit: Int?, in session: Session) throws -> CommandOutput {
        var patient: PatientInfo?
        if let key {
            guard let p = try Patients.find(key, in: session.store) else {
                throw CommandError("no patient with MRN or #ID '\(key)'", hint: "type patient find NAME to search")
            }
            patient = p
        }
        if let patient, let visit, !(try session.store.visits(patientID: patient.id)).contains(where: { $0.info.id == Int64(visit) }) {
            throw CommandError("visit #\(visit) is not \(patient.mrn)'s", hint: "give one of their visits (patient show lists them), or leave out --patient")
        }
        return try Recorder.export(to: path, patient: patient, visitID: visit.map(Int64.init), in: session)
    }
}
