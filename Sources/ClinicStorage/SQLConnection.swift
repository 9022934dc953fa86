import Foundation

/// Which SQL a connection speaks, where the two differ (a few functions, the schema, the
/// catalogue): the store writes its statements once, in the SQL both read, with `?` or `?N` for a
/// value, and asks the dialect for the rest.
package enum SQLDialect: Sendable, Equatable {
    case sqlite, postgres

    /// The text of a top-level key of a JSON document held as text (`payload`'s `chair`).
    func jsonText(_ column: String, _ key: String) -> String {
        switch self {
        case .sqlite: return "json_extract(\(column), '$.\(key)')"
        case .postgres: return "((\(column))::jsonb ->> '\(key)')"
        }
    }

    /// The values of `column` over a group, as one text separated by commas.
    func commaList(_ column: String) -> String {
        switch self {
        case .sqlite: return "group_concat(\(column))"
        case .postgres: return "string_agg((\(column))::text, ',' ORDER BY \(column))"
        }
    }
}

/// One connection to the database that holds the record: SQLite's file (``Database``) or a
/// PostgreSQL server (``PostgresDatabase``). The store runs every statement through this, so the
/// record's rules (the chains, the projections, the checks) are written once for both.
///
/// Not thread-safe: one connection belongs to one session, on one thread.
package protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Changes whenever what this connection has read may no longer hold: a transaction ends
    /// (another connection may write next) or anything is rolled back.
    var epoch: Int { get }
    /// How many times anything was rolled back.
    var rollbacks: Int { get }
    /// Whether a transaction is open (so nothing written yet is committed).
    var isInTransaction: Bool { get }
    /// Run in the outermost transaction just before it commits; what it throws rolls it back.
    var beforeCommit: (() throws -> Void)? { get set }
    /// Called once when a write has waited a second for another workstation's.
    var onWait: (() -> Void)? { get set }
    /// How long a write waits for another workstation's before it gives up (nothing is recorded).
    var longestWait: TimeInterval { get set }
    /// Asked while a write waits (Ctrl-C at the terminal): `true` stops the wait, and nothing is
    /// recorded.
    var shouldStopWaiting: (() -> Bool)? { get set }
    /// Where the record is, as staff may read it (a file's path, or `user@host/database`).
    var location: String { get }

    /// Runs SQL that returns no rows (several statements allowed).
    func execute(_ sql: String) throws
    /// Runs one statement with `arguments` (`?`, `?1`) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]]
    /// A query's rows one at a time, for reading a whole table in bounded memory (`audit verify`).
    func cursor(_ sql: String, _ arguments: [SQLValue]) throws -> any SQLCursor
    /// Runs `body` in a transaction that holds the record's write lock (a savepoint when already
    /// inside one): all of it is kept, or none of it when it throws. Two connections' transactions
    /// never interleave, so each chain's next entry is appended after the last one committed.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// A number that changes whenever another connection commits to the record: the shells' watch
    /// reads it each second instead of the record.
    func dataVersion() throws -> Int64
    /// Every trigger on the record's tables, by name, with what it runs (whitespace folded): to
    /// compare with the ones the migrations made.
    func triggers() throws -> [String: String]
    /// The program that keeps the record and its version (`SQLite 3.40.1`, `PostgreSQL 15.18`),
    /// and how many bytes the record takes.
    func backend() throws -> (name: String, bytes: Int64)
}

/// Rows of a query read one at a time.
package protocol SQLCursor: AnyObject {
    /// The next row; `nil` after the last.
    func next() throws -> [SQLValue]?
}

extension SQLConnection {
    @discardableResult
    package func query(_ sql: String) throws -> [[SQLValue]] { try query(sql, []) }
    package func cursor(_ sql: String) throws -> any SQLCursor { try cursor(sql, []) }

    /// Runs `body` so that its reads and writes are one unit: inside the open transaction if there
    /// is one (no savepoint needed: a failure rolls that back), else in a transaction of its own.
    package func atomically<T>(_ body: () throws -> T) throws -> T {
        isInTransaction ? try body() : try transaction(body)
    }
}
