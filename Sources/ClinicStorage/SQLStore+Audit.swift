import ClinicKit
import Foundation

/// Checking the record: walking the hash chains, comparing the tables outside them with the chain,
/// and the counts and snapshots a replay is compared by.
extension SQLStore {
    // MARK: - Verification

    /// Walks the record's hash chain from the first entry.
    package func verifyRecords() throws -> ChainCheck {
        try verify(table: "records", select: """
            SELECT id, patient_id, visit_id, module, kind, payload, effective_at, recorded_at, staff_id, protocol_version, amends,
                   protocol_sha256, prev_hash, hash
            FROM records ORDER BY id
            """) { r in
            guard let id = r[0].int, let patient = r[1].int, r[2].isIntOrNull, let module = r[3].text, let kind = r[4].text, let payload = r[5].text,
                  let effective = r[6].text, let recorded = r[7].text, let staff = r[8].int, r[9].isTextOrNull, r[10].isIntOrNull, r[11].isTextOrNull
            else { return nil }
            return ChainedRecord(id: id, patientID: patient, visitID: r[2].int, module: module, kind: kind, payload: payload, effectiveAt: effective,
                                 recordedAt: recorded, staffID: staff, protocolVersion: r[9].text, amends: r[10].int, protocolSHA256: r[11].text).chainValues
        }
    }

    /// Walks the chain of protocol adoptions from the first.
    package func verifyProtocols() throws -> ChainCheck {
        try verify(table: "protocols", select: """
            SELECT id, sha256, name, version, settings, adopted_at, adopted_by, signature, prev_hash, hash FROM protocols ORDER BY id
            """) { r in
            guard let id = r[0].int, let sha = r[1].text, let name = r[2].text, let version = r[3].text, let settings = r[4].text,
                  let at = r[5].text, r[6].isIntOrNull, r[7].isTextOrNull
            else { return nil }
            return ChainedProtocol(id: id, sha256: sha, name: name, version: version, settings: settings, adoptedAt: at,
                                   adoptedBy: r[6].int, signature: r[7].text).chainValues
        }
    }

    /// Walks the journal's hash chain from the first entry.
    package func verifyJournal() throws -> ChainCheck {
        try verify(table: "journal", select: """
            SELECT id, session, staff_id, at, source, command, outcome, message, patient_id, visit_id, prev_hash, hash FROM journal ORDER BY id
            """) { r in
            guard let id = r[0].int, let session = r[1].text, r[2].isIntOrNull, let at = r[3].text, let source = r[4].text,
                  let command = r[5].text, let outcome = r[6].text, let message = r[7].text, r[8].isIntOrNull, r[9].isIntOrNull
            else { return nil }
            return ChainedJournalLine(id: id, session: session, staffID: r[2].int, at: at, source: source, command: command,
                                      outcome: outcome, message: message, patientID: r[8].int, visitID: r[9].int).chainValues
        }
    }

    package func verifyAccess() throws -> ChainCheck {
        try verify(table: "access", select: "SELECT id, at, username, event, context, session, source, prev_hash, hash FROM access ORDER BY id") { r in
            guard let id = r[0].int, let at = r[1].text, let username = r[2].text, let event = r[3].text, let context = r[4].text,
                  let session = r[5].text, let source = r[6].text else { return nil }
            return ChainedAccessEntry(id: id, at: at, username: username, event: event, context: context, session: session, source: source).chainValues
        }
    }

    /// When and by whom an entry of `table` (`records` or `journal`) was written, for a report.
    package func entryOrigin(table: String, id: Int64) throws -> (at: String, staff: String)? {
        let time = table == "records" ? "t.recorded_at" : "t.at"
        return try db.query("SELECT \(time), coalesce(s.username, '(nobody)') FROM \(table == "records" ? "records" : "journal") t LEFT JOIN staff s ON s.id = t.staff_id WHERE t.id = ?",
                            [.int(id)]).first.map { ($0[0].text ?? "?", $0[1].text ?? "?") }
    }

    /// Entries of the record for `audit log`, oldest first, with the patient's MRN: one patient's,
    /// one member of staff's, recorded since a time; at most `limit`, the latest ones.
    package func auditEntries(patientID: Int64?, staff: String?, since: Date?, limit: Int) throws -> [(record: StoredRecord, mrn: String, amendedBy: [Int64])] {
        let rows = try db.query("""
            SELECT * FROM (
              SELECT r.id, r.module, r.kind, r.payload, r.visit_id, r.effective_at, r.recorded_at, s.username, r.amends, p.mrn,
                     (SELECT \(db.dialect.commaList("a.id")) FROM records a WHERE a.amends = r.id)
              FROM records r JOIN staff s ON s.id = r.staff_id JOIN patients p ON p.id = r.patient_id
              WHERE (CAST(?1 AS BIGINT) IS NULL OR r.patient_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR s.username = ?2)
                AND (CAST(?3 AS TEXT) IS NULL OR r.recorded_at >= ?3)
              ORDER BY r.id DESC LIMIT ?4) latest
            ORDER BY id
            """, [patientID.map(SQLValue.int) ?? .null, staff.map(SQLValue.text) ?? .null, since.map { .text(Timestamp.string($0)) } ?? .null, .int(Int64(limit))])
        return try rows.map { row in
            guard let id = row[0].int, let module = row[1].text, let kind = row[2].text, let json = row[3].text,
                  let effective = row[5].text.flatMap(Timestamp.date), let recorded = row[6].text.flatMap(Timestamp.date), let who = row[7].text
            else { throw StoreError.corruptRow("record") }
            let payload = (try? Value(json: json)) ?? .string(json)
            let record = StoredRecord(id: id, module: module, kind: kind, payload: payload, visitID: row[4].int,
                                      effectiveAt: effective, recordedAt: recorded, staff: who, amends: row[8].int)
            return (record, row[9].text ?? "?", (row[10].text ?? "").split(separator: ",").compactMap { Int64($0) })
        }
    }

    /// Whether an entry of the chain has `hash` (a head noted at an earlier check).
    package func chainContains(_ table: String, hash: String) throws -> Bool {
        try !db.query("SELECT 1 FROM \(Self.chainTable(table)) WHERE hash = ? LIMIT 1", [.text(hash)]).isEmpty
    }

    /// One of the hash-chained tables, by name (never text from outside in the SQL).
    static func chainTable(_ name: String) -> String { HashChain.tables.contains(name) ? name : "journal" }

    /// Walks one chain: `select` gives each entry's values, then its previous hash and its hash;
    /// `chained` reads the values back into the domain's (`nil` when they cannot be: changed).
    func verify(table: String, select: String, chained: ([SQLValue]) -> [ChainValue]?) throws -> ChainCheck {
        var previous = HashChain.genesis
        var expectedID: Int64 = 1
        var count = 0
        let cursor = try db.cursor(select)
        while let row = try cursor.next() {
            let id = row[0].int ?? -1
            count += 1
            if id != expectedID {
                return ChainCheck(table: table, count: count, firstBreak: (id, "expected entry \(expectedID) here: an entry is missing or was inserted"))
            }
            guard row[row.count - 2].text == previous else {
                return ChainCheck(table: table, count: count, firstBreak: (id, "its previous-hash does not match the entry before it"))
            }
            guard let values = chained(row), row[row.count - 1].text == HashChain.hash(previous: previous, values: values) else {
                return ChainCheck(table: table, count: count, firstBreak: (id, "its content does not match its hash: it was changed"))
            }
            previous = row[row.count - 1].text ?? ""
            expectedID += 1
        }
        return ChainCheck(table: table, count: count, firstBreak: nil)
    }

    // MARK: - Counting and comparing

    package func count(_ what: StoreCount) throws -> Int {
        let sql: String
        switch what {
        case .patients: sql = "SELECT COUNT(*) FROM patients"
        case .visits: sql = "SELECT COUNT(*) FROM visits"
        case .records: sql = "SELECT COUNT(*) FROM records"
        case .commands: sql = "SELECT COUNT(*) FROM journal WHERE outcome = 'ok'"
        }
        return Int(try db.query(sql).first?.first?.int ?? 0)
    }
}
