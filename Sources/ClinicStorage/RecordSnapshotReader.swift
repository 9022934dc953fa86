import Foundation

/// A database's record read a patient at a time, as text, to compare two databases (a replay and
/// its original) without holding either whole: each patient's registration, visits and entries,
/// then the hash chain a page at a time.
package final class RecordSnapshotReader {
    private let db: any SQLConnection

    /// Opens the database at `path` to read only.
    package init(path: String) throws {
        db = try Database(path: path, readOnly: true)
    }

    /// Reads the record on a PostgreSQL server (nothing is written).
    package init(server address: String) throws {
        let server = try PostgresDatabase(address: address)
        try PostgresSchema.checkSchema(server)
        db = server
    }

    /// Every patient's MRN, in the order they were registered.
    package func mrns() throws -> [String] {
        try db.query("SELECT mrn FROM patients ORDER BY id").compactMap(\.first?.text)
    }

    private static func text(_ v: SQLValue) -> String {
        switch v {
        case .null: return "-"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .text(let t): return t
        }
    }

    /// One patient's registration, visits and entries; `nil` when no patient has the MRN.
    package func patient(mrn: String) throws -> RecordSnapshot? {
        guard let row = try db.query("SELECT id, mrn, name, dob, sex, created_at FROM patients WHERE mrn = ?", [.text(mrn)]).first,
              let id = row[0].int else { return nil }
        var snapshot = RecordSnapshot()
        snapshot.patients = [.init(mrn: mrn, columns: row[2...].map(Self.text))]
        for row in try db.query("SELECT id, kind, started_at, ended_at FROM visits WHERE patient_id = ? ORDER BY id", [.int(id)]) {
            snapshot.visits.append(.init(id: row[0].int ?? 0, mrn: mrn, columns: row[1...].map(Self.text)))
        }
        for row in try db.query("""
            SELECT r.id, r.visit_id, r.module, r.kind, r.payload, r.effective_at, r.recorded_at, s.username,
                   r.protocol_version, r.amends, r.hash
            FROM records r JOIN staff s ON s.id = r.staff_id WHERE r.patient_id = ? ORDER BY r.id
            """, [.int(id)]) {
            guard let entry = row[0].int else { continue }
            snapshot.entries.append(.init(id: entry, mrn: mrn, visitID: row[1].int, module: Self.text(row[2]), kind: Self.text(row[3]),
                                          payload: Self.text(row[4]), effective: Self.text(row[5]), recorded: Self.text(row[6]),
                                          staff: Self.text(row[7]), protocolVersion: row[8].text, amends: row[9].int, hash: Self.text(row[10])))
        }
        return snapshot
    }

    /// The record's entries after `id`, at most `limit`, each with its hash, in chain order.
    package func chain(after id: Int64, limit: Int) throws -> [(id: Int64, hash: String)] {
        try db.query("SELECT id, hash FROM records WHERE id > ? ORDER BY id LIMIT ?", [.int(id), .int(Int64(limit))]).map {
            ($0[0].int ?? 0, Self.text($0[1]))
        }
    }

    /// How many entries the record holds.
    package func entryCount() throws -> Int {
        Int(try db.query("SELECT COUNT(*) FROM records").first?.first?.int ?? 0)
    }
}
