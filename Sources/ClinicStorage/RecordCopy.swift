import Foundation

/// What `clinic db status` says of a record: where it is kept, by what, in which schema, and its
/// chains' heads.
package struct StorageStatus: Sendable, Equatable {
    package var backend: String
    package var location: String
    package var schemaVersion: Int
    package var mode: String
    package var bytes: Int64
    /// Each chain's length and last hash, in ``HashChain/tables`` order.
    package var chains: [(table: String, length: Int64, head: String)]

    package static func == (a: StorageStatus, b: StorageStatus) -> Bool {
        (a.backend, a.location, a.schemaVersion, a.mode, a.bytes) == (b.backend, b.location, b.schemaVersion, b.mode, b.bytes)
            && a.chains.map(\.table) == b.chains.map(\.table) && a.chains.map(\.head) == b.chains.map(\.head)
    }
}

extension SQLStore {
    package func storageStatus() throws -> StorageStatus {
        let backend = try db.backend()
        let version = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0)
        let chains = try HashChain.tables.map { table in
            let length = try chainLength(table)
            return (table, length, try chainHash(table, at: length) ?? "?")
        }
        return StorageStatus(backend: backend.name, location: db.location, schemaVersion: version, mode: isSandbox ? "sandbox" : "live",
                             bytes: backend.bytes, chains: chains)
    }
}

/// `clinic db copy`: a clinic's record moved whole from one backend to another (a SQLite file to
/// its PostgreSQL server, or back), every row as it is, ids and hashes included, so the copy's
/// chains have the same heads and `audit verify` says the same of both.
package enum RecordCopy {
    /// Each table in an order that keeps every reference to a row already copied, with its columns
    /// and the order its rows are read in.
    static let tables: [(name: String, columns: String, order: String)] = [
        ("staff", "id, username, roles, password_hash, created_at, created_by", "id"),
        ("patients", "id, mrn, name, dob, sex, created_at, created_by, folded", "id"),
        ("visits", "id, patient_id, kind, started_at, started_by, ended_at, ended_by", "id"),
        ("records", "id, patient_id, visit_id, module, kind, payload, effective_at, recorded_at, staff_id, protocol_version, amends, prev_hash, hash, protocol_sha256", "id"),
        ("journal", "id, session, staff_id, at, source, command, outcome, message, patient_id, visit_id, prev_hash, hash", "id"),
        ("protocols", "id, sha256, name, version, settings, adopted_at, adopted_by, signature, prev_hash, hash", "id"),
        ("access", "id, at, username, event, context, session, source, prev_hash, hash", "id"),
        ("changes", "id, at, staff_id, kind, subject, payload, prev_hash, hash", "id"),
        ("protocol_texts", "sha256, path, text, documents, form", "rowid"),
        ("meta", "key, value", "key"),
        ("due_items", "patient_id, module, what, at, shown_from, lapses_after, detail, command, all_day, commands", "rowid"),
    ]

    package struct Report: Sendable {
        package var rows: [(table: String, count: Int)]
        package var from: StorageStatus
        package var to: StorageStatus
    }

    /// Copies the record at `source` into `destination`: a new SQLite file, or a server's record
    /// that `clinic db migrate` made and nothing has written to yet. The source must verify; the
    /// copy is one transaction, and is checked to end on the same chain heads.
    package static func copy(from source: String, to destination: String, now: Date) throws -> Report {
        let from = try RecordStores.openToVerify(source) as! SQLStore
        for check in [try from.verifyRecords(), try from.verifyJournal(), try from.verifyProtocols(), try from.verifyAccess(), try from.verifyChanges()]
        where check.firstBreak != nil {
            throw StoreError.unusable("the record at \(from.db.location) does not verify (its \(check.table) chain breaks at entry #\(check.firstBreak?.id ?? 0)): run clinic audit verify --db \(source); nothing was copied")
        }
        if let difference = try from.projectionDifferences().first {
            throw StoreError.unusable("the record at \(from.db.location) does not verify (\(difference)): run clinic audit verify --db …; nothing was copied")
        }
        let target: any SQLConnection
        if PostgresAddress.names(destination) {
            let server = try PostgresDatabase(address: destination)
            try PostgresSchema.checkReady(server)
            target = server
        } else {
            guard !FileManager.default.fileExists(atPath: destination) else {
                throw StoreError.unusable("\(destination) already exists; a copy is made into a new file: give another path")
            }
            let file = try Database(path: destination)
            try Schema.migrate(file, now: Timestamp.string(now))
            target = file
        }
        var rows: [(table: String, count: Int)] = []
        do {
            try target.transaction {
                for table in tables {
                    // A server's new record holds what its owner wrote: the mode, and that nothing falls due yet.
                    let made = table.name == "meta" ? " WHERE key NOT IN ('mode', '\(RecordStores.dueBasisKey)')" : ""
                    guard try target.query("SELECT 1 FROM \(table.name)\(made) LIMIT 1").isEmpty else {
                        throw StoreError.unusable("the record at \(target.location) is not empty (its \(table.name) table holds rows); a copy is made into a new record; nothing was copied")
                    }
                }
                let mode = from.isSandbox ? "sandbox" : "live"
                let madeAs = try target.query("SELECT value FROM meta WHERE key = 'mode'").first?.first?.text
                if let madeAs, madeAs != mode {
                    throw StoreError.unusable("the record at \(target.location) was made \(madeAs) by its owner and \(from.db.location) is \(mode == "live" ? "a clinic's live record" : "a sandbox"): its owner migrates a new database\(mode == "sandbox" ? " with --sandbox" : " without --sandbox") for the copy; nothing was copied")
                }
                if from.replayedFrom != nil, PostgresAddress.names(destination) {
                    throw StoreError.unusable("\(from.db.location) is a replay's sandbox, which stays in its file (replay --verify compares it with a server's record); nothing was copied")
                }
                // Before any adoption is copied (a server takes it only then): since when the source
                // kept each protocol's text, so the copy is checked as its source is.
                if let since = try from.protocolTextsSince() {
                    try target.query("INSERT INTO meta (key, value) VALUES (?, ?)", [.text(SQLStore.protocolTextsSinceKey), .text(since)])
                }
                for table in tables {
                    let count = table.columns.split(separator: ",").count
                    var insert = "INSERT INTO \(table.name) (\(table.columns)) VALUES (\(Array(repeating: "?", count: count).joined(separator: ", ")))"
                    var select = "SELECT \(table.columns) FROM \(table.name)"
                    if table.name == "meta" {
                        insert += " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                        select += " WHERE key != '\(SQLStore.protocolTextsSinceKey)'" + (madeAs != nil ? " AND key != 'mode'" : "")
                    }
                    let cursor = try from.db.cursor(select + " ORDER BY \(table.order)")
                    var copied = 0
                    while let row = try cursor.next() {
                        try target.query(insert, row)
                        copied += 1
                    }
                    rows.append((table.name, copied))
                }
            }
        } catch {
            // A new file that holds no copy is not left behind to be taken for one.
            if !PostgresAddress.names(destination) { try? FileManager.default.removeItem(atPath: destination) }
            throw error
        }
        let to = try RecordStores.openToVerify(destination) as! SQLStore
        let report = Report(rows: rows, from: try from.storageStatus(), to: try to.storageStatus())
        guard report.from.chains.map(\.head) == report.to.chains.map(\.head) else {
            throw StoreError.unusable("the copy at \(target.location) does not end on the same chain heads as \(from.db.location): run clinic audit verify on both")
        }
        return report
    }
}
