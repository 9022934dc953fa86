import ClinicKit
import Foundation

/// Errors of the store that a user can act on.
package enum StoreError: Error, CustomStringConvertible, Equatable {
    case newerSchema(found: Int, supported: Int)
    case duplicateMRN(String)
    case duplicateUsername(String)
    case corruptRow(String)
    case staffNotAsChained(String)
    case liveNotSandbox(String)
    case otherSchema(path: String, found: Int, expected: Int)
    /// A PostgreSQL server whose record the program may not use as it is: no schema, another
    /// version, a role with too many rights, or a role name not allowed.
    case unusable(String)
    /// The chain of the clinic's changes (staff, roles, passwords) breaks at an entry: no account
    /// is trusted from it.
    case changesBroken(Int64)

    package var description: String {
        switch self {
        case .newerSchema(let found, let supported):
            return "the database has schema version \(found), this clinic program knows up to \(supported); use a newer clinic"
        case .duplicateMRN(let mrn): return "MRN \(mrn) already belongs to another patient"
        case .duplicateUsername(let name): return "there is already a staff member called \(name)"
        case .corruptRow(let what): return "the database holds a row it cannot read (\(what)); run audit verify"
        case .staffNotAsChained(let name):
            return "the staff table does not hold what the record's chain says for \(name): it was changed behind the program's back; nothing was done; an administrator runs audit verify"
        case .liveNotSandbox(let path):
            return "\(path) is a live database; --sandbox only makes new databases: give --db a new file"
        case .otherSchema(let path, let found, let expected):
            return "\(path) has schema version \(found); this clinic program verifies version \(expected): open it once with this program (a copy, for a backup), then verify"
        case .unusable(let problem):
            return problem
        case .changesBroken(let id):
            return "the record's chain of staff changes breaks at entry #\(id): no account is trusted from it and nothing was done; an administrator runs clinic audit verify"
        }
    }
}

/// Roles as they are stored and shown: `nurse,physician`.
package enum StaffRoles {
    package static func text(_ roles: Set<Role>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }
    package static func parse(_ text: String) -> Set<Role> { Set(text.split(separator: ",").map { Role(rawValue: String($0)) }) }
}

/// A member of staff with their stored password hash.
package struct StaffAccount: Sendable {
    package var info: StaffInfo
    package var passwordHash: String
    /// Whether the password was set by an administrator and not yet replaced by the member of
    /// staff's own: it signs in only to choose one, and signs nothing.
    package var hasTemporaryPassword = false
}

/// A visit with its end, if it has ended.
package struct VisitRow: Sendable, Equatable {
    package var info: VisitInfo
    package var patientID: Int64
    package var endedAt: Date?
}

/// One line of the command journal, before it is chained.
package struct JournalEntry: Sendable {
    package var session: String
    package var staffID: Int64?
    package var at: Date
    package var source: String
    package var command: String
    package var outcome: String
    package var message: String
    package var patientID: Int64?
    package var visitID: Int64?

    package init(session: String, staffID: Int64?, at: Date, source: String, command: String, outcome: String, message: String,
                 patientID: Int64?, visitID: Int64?) {
        (self.session, self.staffID, self.at, self.source, self.command) = (session, staffID, at, source, command)
        (self.outcome, self.message, self.patientID, self.visitID) = (outcome, message, patientID, visitID)
    }
}

/// One line of the command journal, as stored: its entry and its place in the chain.
@dynamicMemberLookup
package struct JournalRow: Sendable {
    package var id: Int64
    package var entry: JournalEntry

    package subscript<T>(dynamicMember field: KeyPath<JournalEntry, T>) -> T { entry[keyPath: field] }
}

/// A patient's registration, visits and record entries as text, in the order they were written,
/// for comparing two databases (a replay and its original) a patient at a time
/// (``RecordSnapshotReader``).
package struct RecordSnapshot: Sendable {
    package struct Patient: Sendable {
        package var mrn: String
        /// Name, date of birth, sex, registered at.
        package var columns: [String]
    }

    package struct Visit: Sendable {
        package var id: Int64
        package var mrn: String
        /// Kind, started at, ended at (`-` while open).
        package var columns: [String]
    }

    package struct Entry: Sendable {
        package var id: Int64, mrn: String, visitID: Int64?, module: String, kind: String, payload: String
        package var effective: String, recorded: String, staff: String, protocolVersion: String?, amends: Int64?, hash: String
    }

    package var patients: [Patient] = []
    package var visits: [Visit] = []
    package var entries: [Entry] = []
}

/// The outcome of walking a hash chain.
package struct ChainCheck: Sendable, Equatable {
    package var table: String
    package var count: Int
    /// The id of the first entry that does not match, and why.
    package var firstBreak: (id: Int64, reason: String)?

    package static func == (a: ChainCheck, b: ChainCheck) -> Bool {
        a.table == b.table && a.count == b.count && a.firstBreak?.id == b.firstBreak?.id
    }
}

/// The clinic's record, over one SQLite database or a PostgreSQL server (``SQLConnection``): every
/// SQL statement of the program, with ``Schema`` and ``PostgresSchema``, is here, written once for
/// both.
// Sendable: a store belongs to one session on one thread (the program is single-threaded; each
// test makes its own); nothing in it is shared.
package final class SQLStore: RecordStore, @unchecked Sendable {
    package let db: any SQLConnection
    /// A sandbox (training, demos, tests, replays) rather than a live clinic record: its clock may
    /// be set, and everything that shows or exports its records says so.
    package let isSandbox: Bool
    /// The recording a replayed sandbox was made from.
    package let replayedFrom: String?

    /// Opens the database at `path` (`:memory:` for a scratch one) and brings its schema up to date.
    /// With `sandbox`, a new database is made a sandbox; an existing live one is refused.
    package init(path: String, now: Date, sandbox: Bool = false, replayOf recording: String? = nil) throws {
        let file = try Database(path: path)
        db = file
        let previous = try Schema.migrate(file, now: Timestamp.string(now))
        (isSandbox, replayedFrom) = try Self.settleMode(file, isNew: previous == 0, sandbox: sandbox, replayOf: recording, location: path)
        try chainTheStartingState(now: now)
        try checkModeAsChained(location: path)
        db.beforeCommit = { [unowned self] in try settleAppended() }
    }

    /// Opens the record on a PostgreSQL server, whose schema `clinic db migrate` made (as another
    /// role: ``PostgresSchema``). With `sandbox`, a record that has no entries yet is made a
    /// sandbox; a live one is refused.
    /// `asOwner`: as the schema's owner, for `clinic admin unlock` only (the owner's authority over
    /// the record, as a file owner's over the file); the program otherwise refuses that role.
    package init(server address: String, now: Date, sandbox: Bool = false, replayOf recording: String? = nil, password: String? = nil,
                 asOwner: Bool = false) throws {
        let server = try PostgresDatabase(address: address, password: password)
        db = server
        if asOwner {
            try PostgresSchema.checkSchema(server)
            try PostgresSchema.checkOwner(server)
        } else {
            try PostgresSchema.checkReady(server)
        }
        // The record's owner made it live or a sandbox (clinic db migrate); the program never does.
        guard recording == nil else {
            throw StoreError.unusable("a replay is made into a new file: give replay --into a new file path (and --verify \(PostgresAddress.display(address)) to compare it with the record on the server)")
        }
        // Read in a transaction, which a standby refuses (in one line): the program writes to the primary.
        guard let mode = try server.transaction({ try server.query("SELECT value FROM meta WHERE key = 'mode'").first?.first?.text }) else {
            throw StoreError.unusable("the record on \(server.location) was made before its owner chose live or sandbox: its owner runs clinic db migrate --db postgres://OWNER@HOST/DATABASE (with --sandbox for a sandbox)")
        }
        if sandbox && mode != "sandbox" {
            throw StoreError.unusable("the record on \(server.location) is live; --sandbox opens only a sandbox, which its owner makes with clinic db migrate --sandbox on a new database")
        }
        isSandbox = mode == "sandbox"
        replayedFrom = try server.query("SELECT value FROM meta WHERE key = 'replayed_from'").first?.first?.text
        try chainTheStartingState(now: now)
        try checkModeAsChained(location: server.location)
        db.beforeCommit = { [unowned self] in try settleAppended() }
    }

    /// Writes a new record's mode (fixed for life) and reads an existing one's, refusing a live
    /// record opened as a sandbox.
    private static func settleMode(_ db: any SQLConnection, isNew: Bool, sandbox: Bool, replayOf recording: String?,
                                   location: String) throws -> (isSandbox: Bool, replayedFrom: String?) {
        if isNew {
            let mode = sandbox || recording != nil ? "sandbox" : "live"
            try db.query("INSERT INTO meta (key, value) VALUES ('mode', ?)", [.text(mode)])
            if let recording { try db.query("INSERT INTO meta (key, value) VALUES ('replayed_from', ?)", [.text(recording)]) }
            // No patient, so nothing falls due: what the due items hold is right on any basis.
            try db.query("INSERT INTO meta (key, value) VALUES (?, ?)", [.text(RecordStores.dueBasisKey), .text(RecordStores.anyDueBasis)])
        }
        let mode = try db.query("SELECT value FROM meta WHERE key = 'mode'").first?.first?.text ?? "live"
        if (sandbox || recording != nil) && mode != "sandbox" { throw StoreError.liveNotSandbox(location) }
        return (mode == "sandbox", try db.query("SELECT value FROM meta WHERE key = 'replayed_from'").first?.first?.text)
    }

    /// Opens an existing database to read only (a backup, or a file this user may not write) for
    /// `audit verify`: nothing is migrated or written.
    package convenience init(readingOnly path: String) throws {
        try self.init(verifying: try Database(path: path, readOnly: true), location: path)
    }

    /// Opens the record on a PostgreSQL server for `audit verify`: nothing is written.
    package convenience init(verifyingServer address: String) throws {
        let server = try PostgresDatabase(address: address)
        try PostgresSchema.checkSchema(server)
        try self.init(verifying: server, location: server.location)
    }

    private init(verifying db: any SQLConnection, location path: String) throws {
        self.db = db
        let version = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0
        guard version == Schema.latestVersion else {
            throw StoreError.otherSchema(path: path, found: Int(version), expected: Schema.latestVersion)
        }
        isSandbox = try db.query("SELECT value FROM meta WHERE key = 'mode'").first?.first?.text == "sandbox"
        replayedFrom = try db.query("SELECT value FROM meta WHERE key = 'replayed_from'").first?.first?.text
    }

    package func transaction<T>(_ body: () throws -> T) throws -> T {
        let mark = unsettledAccess.count
        do {
            let result = try db.transaction(body)
            if !db.isInTransaction { unsettledAccess = [] }
            return result
        } catch {
            // Access entries written in what just rolled back are written again, in the transaction
            // still open (and again if that one rolls back) or on their own: a failed command or
            // script never takes a password attempt with it.
            let lost = Array(unsettledAccess[min(mark, unsettledAccess.count)...])
            unsettledAccess.removeSubrange(min(mark, unsettledAccess.count)...)
            for entry in lost { try? appendAccess(entry) }
            throw error
        }
    }

    /// Access entries written inside the open transaction, not yet committed.
    var unsettledAccess: [AccessEntry] = []

    package var willCommit: ((Set<Int64>) throws -> Void)?
    /// The patients whose records the open transaction appended to (one rolled back may stay:
    /// working their items out again changes nothing).
    private var appendedTo: Set<Int64> = []

    package func settleAppended() throws {
        let patients = appendedTo
        appendedTo = []
        if !patients.isEmpty, let willCommit { try willCommit(patients) }
    }

    /// The patients' records as read, each payload parsed once.
    let recordCache = RecordCache()
    /// The patients whose entries were read at this epoch and data version (-1 inside a
    /// transaction), and not appended to since: ``records(patientID:module:kind:visitID:)`` need
    /// not ask again.
    private var readSince: (epoch: Int, version: Int64, patients: Set<Int64>) = (-1, -1, [])
    /// Each account's roles and password hash as the changes chain holds them, for the chain's
    /// length and the rollbacks they were read at (``chainedStaff(_:)``).
    var staffAsChained: (key: (Int64, Int), accounts: [String: ChainedStaff?]) = ((-1, -1), [:])

    package var isInTransaction: Bool { db.isInTransaction }

    package var permissionNote: String? {
        (db as? Database)?.tightened.map { "\(db.location) was open to other users (mode \(String($0.was, radix: 8))); it is now private to its owner (\(String(format: "%04o", $0.now)))" }
    }

    package var onWait: (() -> Void)? {
        get { db.onWait }
        set { db.onWait = newValue }
    }

    package var shouldStopWaiting: (() -> Bool)? {
        get { db.shouldStopWaiting }
        set { db.shouldStopWaiting = newValue }
    }

    package var onReconnect: ((String) -> Void)? {
        get { (db as? PostgresDatabase)?.onReconnect }
        set { (db as? PostgresDatabase)?.onReconnect = newValue }
    }

    /// The last entry of each chain (id and hash) this connection wrote, while it still holds:
    /// inside one write transaction nobody else appends, so a script need not read it back for
    /// every entry. Forgotten when the transaction ends or anything rolls back.
    private var chainEnds: [String: (epoch: Int, id: Int64, hash: String)] = [:]

    func chainEnd(_ table: String) throws -> (id: Int64, hash: String) {
        if let end = chainEnds[table], end.epoch == db.epoch { return (end.id, end.hash) }
        let last = try db.query("SELECT id, hash FROM \(table) ORDER BY id DESC LIMIT 1").first
        return (last?[0].int ?? 0, last?[1].text ?? HashChain.genesis)
    }

    func extend(_ table: String, id: Int64, hash: String) {
        // Only inside a transaction: outside, the write lock is let go at once.
        if db.isInTransaction { chainEnds[table] = (db.epoch, id, hash) }
    }

    // MARK: - Settings kept in the database

    package func meta(_ key: String) throws -> String? {
        try db.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?.first?.text
    }

    package func setMeta(_ key: String, _ value: String) throws {
        try db.query("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2", [.text(key), .text(value)])
    }

    // MARK: - Staff

    package func staffCount() throws -> Int {
        Int(try db.query("SELECT COUNT(*) FROM staff").first?.first?.int ?? 0)
    }

    package func addStaff(username: String, roles: Set<Role>, passwordHash: String, at: Date, by: Int64?) throws -> StaffInfo {
        try db.atomically {
            if try account(username) != nil { throw StoreError.duplicateUsername(username) }
            let created = Timestamp.string(at)
            let id = try db.query("""
                INSERT INTO staff (id, username, roles, password_hash, created_at, created_by)
                VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM staff), ?, ?, ?, ?, ?) RETURNING id
                """,
                                  [.text(username), .text(Self.rolesText(roles)), .text(passwordHash), .text(created), SQLValue(by)]).first?.first?.int ?? 0
            try appendChange(kind: "staff-added", subject: username,
                             payload: Self.staffPayload(id: id, roles: Self.rolesText(roles), passwordHash: passwordHash, createdAt: created, createdBy: by),
                             at: at, by: by)
            return StaffInfo(id: id, username: username, roles: roles)
        }
    }

    package func account(_ username: String) throws -> StaffAccount? {
        guard let row = try db.query("SELECT id, username, roles, password_hash FROM staff WHERE username = ?", [.text(username)]).first
        else { return nil }
        guard let id = row[0].int, let name = row[1].text, let roles = row[2].text, let hash = row[3].text
        else { throw StoreError.corruptRow("staff \(username)") }
        // Roles and password are taken only as the chain holds them: a row changed behind the
        // program's back signs nobody in and lets nobody do more.
        guard let chained = try chainedStaff(name), (chained.roles, chained.password) == (roles, HashChain.sha256(hash)) else { throw StoreError.staffNotAsChained(name) }
        return StaffAccount(info: StaffInfo(id: id, username: name, roles: Self.roles(roles)), passwordHash: hash, hasTemporaryPassword: chained.temporary)
    }

    package func staffNames() throws -> [String] {
        try db.query("SELECT username FROM staff ORDER BY username").compactMap { $0[0].text }
    }

    package static func rolesText(_ roles: Set<Role>) -> String { StaffRoles.text(roles) }
    static func roles(_ text: String) -> Set<Role> { StaffRoles.parse(text) }

    // MARK: - Patients

    private static let patientColumns = "id, mrn, name, dob, sex"

    func patient(from row: [SQLValue]) throws -> PatientInfo {
        guard let id = row[0].int, let mrn = row[1].text, let name = row[2].text, let dob = row[3].text,
              let sexText = row[4].text, let sex = Sex(rawValue: sexText)
        else { throw StoreError.corruptRow("patient") }
        return PatientInfo(id: id, mrn: mrn, name: name, dateOfBirth: dob, sex: sex)
    }

    package func addPatient(mrn: String?, name: String, dob: String, sex: Sex, at: Date, by: Int64) throws -> PatientInfo {
        try db.atomically {
            let mrn = try mrn ?? nextMRN()
            if try patient(mrn: mrn) != nil { throw StoreError.duplicateMRN(mrn) }
            let id = try db.query("""
                INSERT INTO patients (id, mrn, name, dob, sex, created_at, created_by, folded)
                VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM patients), ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """, [.text(mrn), .text(name), .text(dob), .text(sex.rawValue), .text(Timestamp.string(at)), .int(by), .text(PatientNames.folded(name))])
                .first?.first?.int ?? 0
            return PatientInfo(id: id, mrn: mrn, name: name, dateOfBirth: dob, sex: sex)
        }
    }

    /// The next free generated MRN, `C000001` upwards.
    private func nextMRN() throws -> String {
        var n = (try db.query("SELECT COALESCE(MAX(id), 0) + 1 FROM patients").first?.first?.int) ?? 1
        while true {
            let mrn = String(format: "C%06lld", n)
            if try patient(mrn: mrn) == nil { return mrn }
            n += 1
        }
    }

    package func patient(id: Int64) throws -> PatientInfo? {
        try db.query("SELECT \(Self.patientColumns) FROM patients WHERE id = ?", [.int(id)]).first.map(patient(from:))
    }

    package func patient(mrn: String) throws -> PatientInfo? {
        try db.query("SELECT \(Self.patientColumns) FROM patients WHERE mrn = ?", [.text(mrn)]).first.map(patient(from:))
    }

    /// Patients whose name or MRN contains `text` (case-insensitive for ASCII), by name.
    /// Patients each of whose words of `text` is in their folded name, MRN or date of birth
    /// (`zoe 1979`, `muller`, `bar-001`).
    package func patients(matching text: String, limit: Int) throws -> [PatientInfo] {
        let words = PatientNames.folded(text).split(separator: " ").prefix(8).map { word in
            "%" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        guard !words.isEmpty else { return [] }
        let each = words.indices.map { i in "(folded LIKE ?\(i + 2) ESCAPE '\\' OR lower(mrn) LIKE ?\(i + 2) ESCAPE '\\' OR dob LIKE ?\(i + 2) ESCAPE '\\')" }
        return try db.query("""
            SELECT \(Self.patientColumns) FROM patients WHERE \(each.joined(separator: " AND ")) ORDER BY folded, id LIMIT ?1
            """, [.int(Int64(limit))] + words.map { .text($0) }).map(patient(from:))
    }

    package func patients(born dob: String) throws -> [PatientInfo] {
        try db.query("SELECT \(Self.patientColumns) FROM patients WHERE dob = ? ORDER BY id", [.text(dob)]).map(patient(from:))
    }

    package func allPatients(limit: Int) throws -> [PatientInfo] {
        try db.query("SELECT \(Self.patientColumns) FROM patients ORDER BY id LIMIT ?", [.int(Int64(limit))]).map(patient(from:))
    }

    /// The clinic protocol version each of a patient's entries was written under, by entry id.
    package func protocolVersions(patientID: Int64) throws -> [Int64: String] {
        var versions: [Int64: String] = [:]
        for row in try db.query("SELECT id, protocol_version FROM records WHERE patient_id = ? AND protocol_version IS NOT NULL", [.int(patientID)]) {
            if let id = row[0].int, let version = row[1].text { versions[id] = version }
        }
        return versions
    }

    /// Every MRN (for completion), newest last.
    package func mrns() throws -> [String] {
        try db.query("SELECT mrn FROM patients ORDER BY id").compactMap { $0[0].text }
    }

    // MARK: - Visits

    private func visit(from row: [SQLValue]) throws -> VisitRow {
        guard let id = row[0].int, let patientID = row[1].int, let kind = row[2].text,
              let startedText = row[3].text, let started = Timestamp.date(startedText)
        else { throw StoreError.corruptRow("visit") }
        return VisitRow(info: VisitInfo(id: id, kind: kind, startedAt: started), patientID: patientID,
                        endedAt: row[4].text.flatMap(Timestamp.date))
    }

    package func startVisit(patientID: Int64, kind: String, at: Date, by: Int64) throws -> VisitInfo {
        let id = try db.atomically {
            try db.query("""
                INSERT INTO visits (id, patient_id, kind, started_at, started_by)
                VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM visits), ?, ?, ?, ?) RETURNING id
                """, [.int(patientID), .text(kind), .text(Timestamp.string(at)), .int(by)]).first?.first?.int ?? 0
        }
        return VisitInfo(id: id, kind: kind, startedAt: at)
    }

    package func openVisit(patientID: Int64) throws -> VisitInfo? {
        try db.query("""
            SELECT id, patient_id, kind, started_at, ended_at FROM visits
            WHERE patient_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1
            """, [.int(patientID)]).first.map { try visit(from: $0).info }
    }

    /// Every open visit in the clinic with its patient, the earliest first: who is on the board.
    package func openVisits() throws -> [(patient: PatientInfo, visit: VisitInfo, place: String?)] {
        try db.query("""
            SELECT v.id, v.patient_id, v.kind, v.started_at, v.ended_at, \(Self.patientColumns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                   (SELECT \(db.dialect.jsonText("r.payload", "chair")) FROM records r
                    WHERE r.visit_id = v.id AND r.module = 'visit' AND r.kind = 'started' ORDER BY r.id LIMIT 1)
            FROM visits v JOIN patients p ON p.id = v.patient_id
            WHERE v.ended_at IS NULL ORDER BY v.started_at, v.id
            """).map { row in
            (try patient(from: Array(row[5..<10])), try visit(from: Array(row[0..<5])).info, row[10].text)
        }
    }

    /// A number that changes whenever another connection commits to the record (SQLite's
    /// `PRAGMA data_version`, PostgreSQL's notifications): the shells' watch reads it each second
    /// instead of the record.
    package func dataVersion() throws -> Int64 {
        try db.dataVersion()
    }

    package func visits(patientID: Int64) throws -> [VisitRow] {
        try db.query("SELECT id, patient_id, kind, started_at, ended_at FROM visits WHERE patient_id = ? ORDER BY id",
                     [.int(patientID)]).map(visit(from:))
    }

    package func visitEnd(id: Int64) throws -> (at: Date, by: String)? {
        guard let row = try db.query("""
            SELECT v.ended_at, coalesce(s.username, '(unknown)') FROM visits v LEFT JOIN staff s ON s.id = v.ended_by
            WHERE v.id = ? AND v.ended_at IS NOT NULL
            """, [.int(id)]).first, let at = row[0].text.flatMap(Timestamp.date) else { return nil }
        return (at, row[1].text ?? "(unknown)")
    }

    package func endVisit(id: Int64, at: Date, by: Int64) throws {
        try db.query("UPDATE visits SET ended_at = ?, ended_by = ? WHERE id = ?", [.text(Timestamp.string(at)), .int(by), .int(id)])
    }

    // MARK: - Records

    /// Appends an entry to a patient's record, chained to the entry before it.
    package func appendRecord(patientID: Int64, visitID: Int64?, module: String, kind: String, payload: Value,
                              effectiveAt: Date, recordedAt: Date, staffID: Int64, protocolVersion: String?,
                              protocolSHA256: String?, amends: Int64?) throws -> Int64 {
        // The last entry is read and the next written under one write lock.
        try db.atomically {
            let last = try chainEnd("records")
            let id = last.id + 1
            let previous = last.hash
            let entry = ChainedRecord(id: id, patientID: patientID, visitID: visitID, module: module, kind: kind,
                                      payload: payload.canonicalJSON, effectiveAt: Timestamp.string(effectiveAt),
                                      recordedAt: Timestamp.string(recordedAt), staffID: staffID, protocolVersion: protocolVersion,
                                      amends: amends, protocolSHA256: protocolSHA256)
            let hash = HashChain.hash(previous: previous, values: entry.chainValues)
            try db.query("""
                INSERT INTO records (id, patient_id, visit_id, module, kind, payload, effective_at, recorded_at,
                                     staff_id, protocol_version, amends, prev_hash, hash, protocol_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.int(id), .int(patientID), SQLValue(visitID), .text(module), .text(kind), .text(entry.payload), .text(entry.effectiveAt),
                      .text(entry.recordedAt), .int(staffID), SQLValue(protocolVersion), SQLValue(amends), .text(previous), .text(hash),
                      SQLValue(protocolSHA256)])
            extend("records", id: id, hash: hash)
            appendedTo.insert(patientID)
            readSince.patients.remove(patientID)
            return id
        }
    }

    /// One entry by its id, with the patient it belongs to.
    package func entry(id: Int64) throws -> (record: StoredRecord, patientID: Int64)? {
        guard let row = try db.query("SELECT patient_id FROM records WHERE id = ?", [.int(id)]).first, let patient = row[0].int else { return nil }
        return try records(patientID: patient).first { $0.id == id }.map { ($0, patient) }
    }

    /// A patient's entries, oldest first, optionally of one module, kind or visit.
    package func records(patientID: Int64, module: String?, kind: String?, visitID: Int64?) throws -> [StoredRecord] {
        // A patient read since nothing changed is not asked of the database again (a server is a
        // round trip away). Inside a write transaction nobody else appends: read once in it, and
        // again after this connection appends to them. Outside, another workstation's commit
        // changes the data version (PostgreSQL's notifications arrive a moment after a commit:
        // such a read is as if made a moment earlier; the write transaction reads afresh).
        let version = db.isInTransaction ? -1 : try db.dataVersion()
        let upToDate = readSince.epoch == db.epoch && readSince.version == version && readSince.patients.contains(patientID)
        if readSince.epoch != db.epoch || readSince.version != version { readSince = (db.epoch, version, []) }
        readSince.patients.insert(patientID)
        return try recordCache.records(patientID: patientID, rollbacks: db.rollbacks, module: module, kind: kind, visitID: visitID,
                                       upToDate: upToDate) { after in
            try db.query("""
                SELECT r.id, r.module, r.kind, r.payload, r.visit_id, r.effective_at, r.recorded_at, s.username, r.amends
                FROM records r JOIN staff s ON s.id = r.staff_id
                WHERE r.patient_id = ?1 AND r.id > ?2
                ORDER BY r.id
                """, [.int(patientID), .int(after)]).map { row in
                guard let id = row[0].int, let module = row[1].text, let kind = row[2].text, let json = row[3].text,
                      let effective = row[5].text.flatMap(Timestamp.date), let recorded = row[6].text.flatMap(Timestamp.date),
                      let staff = row[7].text
                else { throw StoreError.corruptRow("record") }
                let payload: Value
                do { payload = try Value(json: json) } catch { throw StoreError.corruptRow("record \(id) payload") }
                return StoredRecord(id: id, module: module, kind: kind, payload: payload, visitID: row[4].int,
                                    effectiveAt: effective, recordedAt: recorded, staff: staff, amends: row[8].int)
            }
        }
    }

    package func mayHoldCorrections(patientID: Int64) -> Bool {
        recordCache.corrects(patientID: patientID, rollbacks: db.rollbacks)
    }
}
