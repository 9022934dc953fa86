internal import CSQLite
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// An SQLite error, with the operation it happened in.
package struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// SQLite's extended result code.
    package var code: Int32
    /// SQLite's message.
    package var message: String
    /// What the program was doing.
    package var operation: String

    package var description: String { "database error \(code) while \(operation): \(message)" }
}

/// One value bound to, or read from, an SQL statement.
package enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
}

/// A connection to one SQLite database file, with a cache of prepared statements.
///
/// Not thread-safe: one connection belongs to one session, on one thread.
package final class Database: SQLConnection, @unchecked Sendable {
    package var dialect: SQLDialect { .sqlite }
    package var location: String { path }
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private var savepointDepth = 0
    /// Changes whenever what this connection has read may no longer hold: a transaction ends
    /// (another connection may write next) or anything is rolled back.
    package private(set) var epoch = 0
    /// How many times anything was rolled back: what was read since a write that rolled back
    /// may not hold.
    package private(set) var rollbacks = 0
    /// The file, or `:memory:`.
    package let path: String

    /// Opens (creating if needed, mode 0600) the database at `path`; with `readOnly`, opens an
    /// existing one to read only (another program's database, compared by `replay --verify`).
    package init(path: String, readOnly: Bool = false) throws {
        if path != ":memory:" && !readOnly {
            try Self.createPrivately(path)
            tightened = Self.tighten(path)
        }
        var db: OpaquePointer?
        if readOnly {
            db = try Self.openReadOnly(path)
        } else {
            // A file its owner may not write (a backup kept 0400) is opened read-only, even by root,
            // whom the file's mode does not stop: nothing is written to it.
            var info = stat()
            let ownerMayWrite = path == ":memory:" || stat(path, &info) != 0 || info.st_mode & 0o200 != 0
            let rc = sqlite3_open_v2(path, &db, (ownerMayWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX, nil)
            guard rc == SQLITE_OK, db != nil else {
                let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
                if let db { sqlite3_close_v2(db) }
                throw DatabaseError(code: rc, message: message, operation: "opening \(path)")
            }
        }
        guard let db else { throw DatabaseError(code: SQLITE_CANTOPEN, message: "cannot open", operation: "opening \(path)") }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_handler(db, { context, attempt in
            guard let context else { return 0 }
            return Unmanaged<Database>.fromOpaque(context).takeUnretainedValue().waitForLock(attempt: Int(attempt)) ? 1 : 0
        }, Unmanaged.passUnretained(self).toOpaque())
        try execute("PRAGMA foreign_keys = ON")
        if path != ":memory:" && !readOnly {
            try execute("PRAGMA journal_mode = WAL")
            // FULL: a committed record survives a power cut, not only a crash of the program.
            try execute("PRAGMA synchronous = FULL")
            // 16 MiB of page cache: a long script's transaction stays in memory until its commit.
            try execute("PRAGMA cache_size = -16384")
            // A command inside a script is a savepoint; its undo pages belong in memory, not a temporary file.
            try execute("PRAGMA temp_store = MEMORY")
        }
    }

    /// A database opened to read only. A WAL database whose folder or shared-memory file this user
    /// cannot write (a backup on read-only media, a file of mode 0400) cannot be read the usual way;
    /// it is then read as immutable: nothing else may be writing it, which holds for a copy.
    private static func openReadOnly(_ path: String) throws -> OpaquePointer {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DatabaseError(code: SQLITE_CANTOPEN, message: "cannot read the file", operation: "opening \(path)")
        }
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))) ?? path
        var lastError = DatabaseError(code: SQLITE_CANTOPEN, message: "cannot open", operation: "opening \(path)")
        for uri in ["file:\(encoded)?mode=ro", "file:\(encoded)?mode=ro&immutable=1"] {
            var db: OpaquePointer?
            let rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
            if rc == SQLITE_OK, let db {
                // Reading the schema is where a WAL database that cannot be shared fails.
                if sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nil, nil, nil) == SQLITE_OK { return db }
                lastError = DatabaseError(code: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)), operation: "opening \(path)")
            }
            if let db { sqlite3_close_v2(db) }
        }
        throw lastError
    }

    // MARK: - Waiting for another writer

    /// Called once a wait for another connection's write lock has lasted a second: the session
    /// says "waiting for another workstation…". Nobody holds the lock while a person thinks (every
    /// question is asked before a write transaction begins), so waits are short.
    package var onWait: (() -> Void)?
    /// How long a write waits for another connection before it gives up (and nothing is recorded).
    package var longestWait: TimeInterval = 120
    package var shouldStopWaiting: (() -> Bool)?
    private var waitStarted = Date()
    private var limit: TimeInterval = 120
    /// After a wait was stopped or given up, the next (the journal line of the failed command)
    /// waits a second at most: a person is not kept waiting twice.
    private var quickNextWait = false
    private var waitNoticed = false

    /// SQLite's busy handler: whether to try again. Sleeps a little more each time, up to 50 ms.
    private func waitForLock(attempt: Int) -> Bool {
        if attempt == 0 { (waitStarted, waitNoticed, limit, quickNextWait) = (Date(), false, quickNextWait ? 1 : longestWait, false) }
        let waited = Date().timeIntervalSince(waitStarted)
        guard waited < limit, shouldStopWaiting?() != true else {
            // The wait given up: the failure's journal line does not wait as long again.
            quickNextWait = true
            return false
        }
        if waited >= 1, !waitNoticed {
            waitNoticed = true
            onWait?()
        }
        usleep(useconds_t(min(50, 2 + attempt * 2)) * 1000)
        return true
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// The mode an existing database file had when it was open to others, and the mode it was
    /// given: the same for its owner, nothing for anyone else.
    package private(set) var tightened: (was: mode_t, now: mode_t)?

    /// Makes an existing database file (and its WAL and shared-memory files) private to its owner
    /// when it is open to anyone else, taking only the others' permissions away: a read-only copy
    /// (0444, a backup) stays read-only (0400). Returns the modes it had and has.
    private static func tighten(_ path: String) -> (was: mode_t, now: mode_t)? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        for file in [path, path + "-wal", path + "-shm"] {
            var each = stat()
            guard stat(file, &each) == 0 else { continue }
            _ = chmod(file, each.st_mode & 0o700)
        }
        return (info.st_mode & 0o777, info.st_mode & 0o700)
    }

    /// Creates the file with mode 0600 (and its folder with 0700) so SQLite, and its WAL and shared
    /// memory files, which take the database file's mode, are private from the start.
    private static func createPrivately(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw DatabaseError(code: SQLITE_CANTOPEN, message: String(cString: strerror(errno)), operation: "creating \(path)")
        }
    }

    // MARK: - Statements

    /// Runs SQL that returns no rows (several statements allowed).
    package func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw DatabaseError(code: sqlite3_extended_errcode(handle), message: message, operation: "running \(sql.prefix(60))")
        }
    }

    /// Runs one statement with `arguments` and returns its rows.
    @discardableResult
    package func query(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        let statement = try prepared(sql)
        defer { sqlite3_reset(statement); sqlite3_clear_bindings(statement) }
        for (i, argument) in arguments.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch argument {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .int(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .double(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, clinic_sqlite_transient())
            }
            try check(rc, "binding argument \(i + 1)")
        }
        var rows: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { try check(rc, "running \(sql.prefix(60))"); break }
            rows.append(Self.row(statement))
        }
        return rows
    }

    /// A query's rows one at a time, for reading a whole table in bounded memory (`audit verify`):
    /// its own statement, not the cache's, so other queries may run while it is open.
    package func cursor(_ sql: String, _ arguments: [SQLValue]) throws -> any SQLCursor {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil), "preparing \(sql.prefix(60))")
        guard let statement else { throw DatabaseError(code: SQLITE_MISUSE, message: "empty statement", operation: "preparing") }
        let cursor = Cursor(database: self, statement: statement, sql: sql)
        for (i, argument) in arguments.enumerated() {
            let index = Int32(i + 1)
            switch argument {
            case .null: sqlite3_bind_null(statement, index)
            case .int(let v): sqlite3_bind_int64(statement, index, v)
            case .double(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): sqlite3_bind_text(statement, index, v, -1, clinic_sqlite_transient())
            }
        }
        return cursor
    }

    package final class Cursor: SQLCursor {
        let database: Database
        let statement: OpaquePointer
        let sql: String
        private var done = false

        init(database: Database, statement: OpaquePointer, sql: String) {
            (self.database, self.statement, self.sql) = (database, statement, sql)
        }

        /// The next row; `nil` after the last.
        package func next() throws -> [SQLValue]? {
            guard !done else { return nil }
            let rc = sqlite3_step(statement)
            guard rc == SQLITE_ROW else {
                done = true
                if rc != SQLITE_DONE { try database.check(rc, "running \(sql.prefix(60))") }
                return nil
            }
            return Database.row(statement)
        }

        deinit { sqlite3_finalize(statement) }
    }

    /// The current row of a statement that has just stepped to one.
    static func row(_ statement: OpaquePointer) -> [SQLValue] {
        let columns = sqlite3_column_count(statement)
        var row: [SQLValue] = []
        row.reserveCapacity(Int(columns))
        for c in 0..<columns {
            switch sqlite3_column_type(statement, c) {
            case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(statement, c)))
            case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(statement, c)))
            case SQLITE_NULL: row.append(.null)
            default: row.append(.text(String(cString: sqlite3_column_text(statement, c))))
            }
        }
        return row
    }

    /// The rowid of the last row inserted.
    package var lastInsertID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil), "preparing \(sql.prefix(60))")
        guard let statement else { throw DatabaseError(code: SQLITE_MISUSE, message: "empty statement", operation: "preparing") }
        statements[sql] = statement
        return statement
    }

    fileprivate func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
        guard rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE else { return }
        throw DatabaseError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), operation: operation())
    }

    // MARK: - Transactions

    /// Whether a transaction is open (so nothing written yet is committed).
    package var isInTransaction: Bool { savepointDepth > 0 }

    /// Run in the outermost transaction just before it commits; what it throws rolls it back.
    package var beforeCommit: (() throws -> Void)?

    /// Runs `body` in a transaction (a savepoint when already inside one): all of it is kept, or
    /// none of it when it throws.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        let name = "s\(savepointDepth)"
        defer {
            if savepointDepth == 1 { epoch += 1 }
            savepointDepth -= 1
        }
        // Prepared once and kept, like every statement: a replay runs thousands of these.
        try query(savepointDepth == 1 ? "BEGIN IMMEDIATE" : "SAVEPOINT \(name)")
        do {
            let result = try body()
            if savepointDepth == 1, let beforeCommit { try beforeCommit() }
            try query(savepointDepth == 1 ? "COMMIT" : "RELEASE \(name)")
            return result
        } catch {
            epoch += 1
            rollbacks += 1
            if savepointDepth == 1 {
                _ = try? query("ROLLBACK")
            } else {
                _ = try? query("ROLLBACK TO \(name)")
                _ = try? query("RELEASE \(name)")
            }
            throw error
        }
    }
}

extension Database {
    /// SQLite's `PRAGMA data_version`: it changes whenever another connection commits.
    package func dataVersion() throws -> Int64 {
        try query("PRAGMA data_version").first?.first?.int ?? 0
    }

    package func backend() throws -> (name: String, bytes: Int64) {
        let pages = try query("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").first?.first?.int ?? 0
        return ("SQLite \(String(cString: sqlite3_libversion()))", pages)
    }

    package func triggers() throws -> [String: String] {
        var found: [String: String] = [:]
        for row in try query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") {
            if let name = row[0].text { found[name] = row[1].text.map(Schema.folded) ?? "" }
        }
        return found
    }
}

extension SQLValue {
    var int: Int64? { if case .int(let v) = self { return v } else { return nil } }
    var text: String? { if case .text(let v) = self { return v } else { return nil } }
    var isIntOrNull: Bool { self == .null || int != nil }
    var isTextOrNull: Bool { self == .null || text != nil }

    init(_ value: Int64?) { self = value.map(SQLValue.int) ?? .null }
    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
}
