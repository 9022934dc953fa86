import ClinicKit
import Foundation

/// The access chain (every password check and unlock) and the command journal, each appended to
/// under the write lock, and the staff as the journal's readers name them.
extension SQLStore {
    // MARK: - Access

    /// Wrong passwords given for `username` (at sign-in, or at a signature or witness signature)
    /// since their last successful sign-in or an administrator's unlock, from the access chain.
    package func failedSignIns(for username: String) throws -> (count: Int, last: Date?) {
        let row = try db.query("""
            SELECT count(*), max(at) FROM access
            WHERE username = ?1 AND event = 'failed'
              AND id > coalesce((SELECT max(id) FROM access WHERE username = ?1 AND event IN ('passed', 'unlocked')), 0)
            """, [.text(username)]).first
        return (Int(row?[0].int ?? 0), row?[1].text.flatMap(Timestamp.date))
    }

    package func appendAccess(_ entry: AccessEntry) throws {
        try db.atomically {
            let last = try chainEnd("access")
            let id = last.id + 1
            let chained = ChainedAccessEntry(id: id, at: Timestamp.string(entry.at), username: entry.username, event: entry.event.rawValue,
                                             context: entry.context.rawValue, session: entry.session, source: entry.source)
            let hash = HashChain.hash(previous: last.hash, values: chained.chainValues)
            try db.query("INSERT INTO access (id, at, username, event, context, session, source, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [.int(id), .text(chained.at), .text(chained.username), .text(chained.event), .text(chained.context), .text(chained.session),
                          .text(chained.source), .text(last.hash), .text(hash)])
            extend("access", id: id, hash: hash)
        }
        // A wrong password stands whatever becomes of the command; a right one, or an unlock, goes with it.
        if db.isInTransaction && [.failed, .refused].contains(entry.event) { unsettledAccess.append(entry) }
    }

    package func appendJournal(_ entry: JournalEntry) throws {
        // The last entry is read and the next written under one write lock.
        try db.atomically {
            let last = try chainEnd("journal")
            let id = last.id + 1
            let previous = last.hash
            let line = ChainedJournalLine(id: id, session: entry.session, staffID: entry.staffID, at: Timestamp.string(entry.at),
                                          source: entry.source, command: entry.command, outcome: entry.outcome, message: entry.message,
                                          patientID: entry.patientID, visitID: entry.visitID)
            let hash = HashChain.hash(previous: previous, values: line.chainValues)
            try db.query("""
                INSERT INTO journal (id, session, staff_id, at, source, command, outcome, message, patient_id, visit_id, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.int(id), .text(line.session), SQLValue(line.staffID), .text(line.at), .text(line.source), .text(line.command),
                      .text(line.outcome), .text(line.message), SQLValue(line.patientID), SQLValue(line.visitID), .text(previous), .text(hash)])
            extend("journal", id: id, hash: hash)
        }
    }

    /// Journal lines for a recording, oldest first: those after `afterID`, optionally of one
    /// session, patient or visit, or (with `beforeID`) only earlier ones.
    package func journal(after afterID: Int64, before beforeID: Int64, session: String?,
                         patientID: Int64?, visitID: Int64?, limit: Int) throws -> [JournalRow] {
        try db.query("""
            SELECT j.id, j.session, j.staff_id, j.at, j.source, j.command, j.outcome, j.message, j.patient_id, j.visit_id
            FROM journal j
            WHERE j.id > ?1 AND j.id < ?2 AND (CAST(?3 AS TEXT) IS NULL OR j.session = ?3) AND (CAST(?4 AS BIGINT) IS NULL OR j.patient_id = ?4)
              AND (CAST(?5 AS BIGINT) IS NULL OR j.visit_id = ?5)
            ORDER BY j.id LIMIT ?6
            """, [.int(afterID), .int(beforeID), session.map(SQLValue.text) ?? .null, patientID.map(SQLValue.int) ?? .null,
                  visitID.map(SQLValue.int) ?? .null, .int(Int64(min(limit, Int(Int64.max))))]).map { row in
            guard let id = row[0].int, let session = row[1].text, let at = row[3].text.flatMap(Timestamp.date),
                  let source = row[4].text, let command = row[5].text, let outcome = row[6].text, let message = row[7].text
            else { throw StoreError.corruptRow("journal") }
            return JournalRow(id: id, entry: JournalEntry(session: session, staffID: row[2].int, at: at, source: source, command: command,
                                                          outcome: outcome, message: message, patientID: row[8].int, visitID: row[9].int))
        }
    }

    package func lastJournalID() throws -> Int64 {
        try db.query("SELECT COALESCE(MAX(id), 0) FROM journal").first?.first?.int ?? 0
    }

    /// Every member of staff by id: name and roles (for a recording's accounts).
    package func staffByID() throws -> [Int64: StaffInfo] {
        var all: [Int64: StaffInfo] = [:]
        for row in try db.query("SELECT id, username, roles FROM staff") {
            guard let id = row[0].int, let name = row[1].text, let roles = row[2].text else { throw StoreError.corruptRow("staff") }
            all[id] = StaffInfo(id: id, username: name, roles: Self.roles(roles))
        }
        return all
    }
}
