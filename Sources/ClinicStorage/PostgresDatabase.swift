import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The record on a PostgreSQL server, as the store uses it (``SQLConnection``): the store's
/// statements, written with `?` and `?N` as SQLite reads them, are sent with `$N`; every write
/// transaction holds the record's advisory lock, so two workstations' transactions never
/// interleave and a chain is never forked; and other workstations' writes are noticed through
/// LISTEN/NOTIFY.
///
/// Not thread-safe: one connection belongs to one session, on one thread.
package final class PostgresDatabase: SQLConnection, @unchecked Sendable {
    private var connection: PostgresConnection
    /// The address it connects to (never with a password: those are refused).
    package let address: String
    package let location: String
    package var dialect: SQLDialect { .postgres }
    package private(set) var epoch = 0
    package private(set) var rollbacks = 0
    private var depth = 0
    package var beforeCommit: (() throws -> Void)?
    package var onWait: (() -> Void)? { didSet { wire() } }
    /// Asked while waiting (Ctrl-C at the terminal): `true` stops the wait.
    package var shouldStopWaiting: (() -> Bool)? { didSet { wire() } }
    /// How long a write waits for another workstation's before it gives up (nothing is recorded).
    package var longestWait: TimeInterval = 120 { didSet { wire() } }

    /// The connection waits as the database does: said after a second, stopped by Ctrl-C, given
    /// up after ``longestWait``.
    private func wire() {
        connection.onWait = onWait
        connection.shouldStopWaiting = shouldStopWaiting
        connection.longestWait = longestWait
    }
    /// Called with a line to say once the connection was lost and has been made again.
    package var onReconnect: ((String) -> Void)?
    /// Whether the server is a standby, which only reads (PostgreSQL's hot standby).
    package private(set) var isStandby = false
    /// The notifications counted so far: the data version.
    private var noticed: Int64 = 0
    /// Each statement as the server reads it, by the store's text.
    private var numbered: [String: String] = [:]

    /// The channel every entry of the record is announced on (its patient and kind), as the
    /// schema's trigger sends it.
    static let channel = "clinic_record"
    /// The advisory lock every write transaction holds: one number for the record's database.
    static let writeLock: Int64 = 0x636C_696E_6963 // "clinic"

    /// A password typed at a terminal (none in ~/.pgpass), kept in memory to connect again.
    private let password: String?

    package init(address: String, password: String? = nil) throws {
        self.address = address
        self.password = password
        connection = try PostgresConnection(address: address, password: password)
        location = connection.location
        isStandby = try connection.query("SELECT pg_is_in_recovery()").first?.first == .int(1)
        // A standby takes no LISTEN (nor anything else that would write).
        if !isStandby { try connection.execute("LISTEN \(Self.channel)") }
    }

    /// The server's version as a number (150018 for 15.18).
    package var serverVersion: Int { connection.serverVersion }

    // MARK: - Statements

    package func execute(_ sql: String) throws {
        try reconnectIfLost()
        try connection.execute(sql)
    }

    @discardableResult
    package func query(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        try reconnectIfLost()
        let text = statement(sql)
        do {
            return try connection.query(text, arguments)
        } catch {
            // A read outside a transaction changes nothing: asked again on a new connection.
            let lost = error.sqlState == "08006"
            guard lost && depth == 0 && Self.onlyReads(sql) else { throw error }
            try reconnectIfLost()
            return try connection.query(text, arguments)
        }
    }

    /// Rows a thousand at a time through a server-side cursor: `audit verify` reads every entry
    /// in bounded memory. Outside a transaction the cursor is held past its own.
    package func cursor(_ sql: String, _ arguments: [SQLValue]) throws -> any SQLCursor {
        guard arguments.isEmpty else { return RowsCursor(rows: try query(sql, arguments)) }
        try reconnectIfLost()
        cursors += 1
        let name = "c\(cursors)"
        try connection.execute("DECLARE \(name) NO SCROLL CURSOR \(depth == 0 ? "WITH HOLD " : "")FOR \(sql)")
        return FetchCursor(database: self, name: name, held: depth == 0, generation: generation)
    }

    private var cursors = 0
    private var quickNextWait = false
    /// Changes with each new connection: a cursor of an earlier one is gone.
    private var generation = 0

    private final class RowsCursor: SQLCursor {
        var rows: IndexingIterator<[[SQLValue]]>
        init(rows: [[SQLValue]]) { self.rows = rows.makeIterator() }
        func next() throws -> [SQLValue]? { rows.next() }
    }

    private final class FetchCursor: SQLCursor {
        let database: PostgresDatabase
        let name: String
        let held: Bool
        let generation: Int
        var rows: [[SQLValue]] = []
        var index = 0
        var done = false

        init(database: PostgresDatabase, name: String, held: Bool, generation: Int) {
            (self.database, self.name, self.held, self.generation) = (database, name, held, generation)
        }

        func next() throws -> [SQLValue]? {
            if index == rows.count {
                guard !done else { return nil }
                rows = try database.connection.query("FETCH 1000 FROM \(name)")
                index = 0
                if rows.count < 1000 { done = true }
                guard !rows.isEmpty else { return nil }
            }
            index += 1
            return rows[index - 1]
        }

        deinit {
            // One held past its transaction stays until closed; one inside a transaction ends with it.
            if held, database.generation == generation { _ = try? database.connection.execute("CLOSE \(name)") }
        }
    }

    /// `?` and `?N` as `$N`, outside quoted text and names.
    static func numbered(_ sql: String) -> String {
        var out = ""
        var next = 1
        var quote: Character?
        var chars = Array(sql)[...]
        while let c = chars.popFirst() {
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                let digits = chars.prefix { $0.isNumber }
                chars = chars.dropFirst(digits.count)
                if let n = Int(String(digits)) {
                    out += "$\(n)"
                    next = max(next, n + 1)
                } else {
                    out += "$\(next)"
                    next += 1
                }
            } else {
                out.append(c)
            }
        }
        return out
    }

    private func statement(_ sql: String) -> String {
        if let known = numbered[sql] { return known }
        let text = Self.numbered(sql)
        numbered[sql] = text
        return text
    }

    private static func onlyReads(_ sql: String) -> Bool {
        sql.drop { $0.isWhitespace }.prefix(6).uppercased() == "SELECT"
    }

    /// A connection found lost outside a transaction is made again, and that is said once.
    private func reconnectIfLost() throws {
        guard depth == 0, !connection.isConnected else { return }
        let fresh = try PostgresConnection(address: address, password: password)
        let standby = try fresh.query("SELECT pg_is_in_recovery()").first?.first == .int(1)
        if !standby { try fresh.execute("LISTEN \(Self.channel)") }
        connection = fresh
        isStandby = standby
        wire()
        // What was announced while the connection was gone was missed: the watch reads again.
        noticed += 1
        generation += 1
        epoch += 1
        rollbacks += 1
        onReconnect?("the connection to the PostgreSQL server at \(location) was lost and is made again")
    }

    // MARK: - Transactions

    package var isInTransaction: Bool { depth > 0 }

    package func transaction<T>(_ body: () throws -> T) throws -> T {
        if depth == 0 { try begin() }
        depth += 1
        let name = "s\(depth)"
        defer {
            if depth == 1 { epoch += 1 }
            depth -= 1
        }
        do {
            if depth > 1 { try connection.execute("SAVEPOINT \(name)") }
            let result = try body()
            if depth == 1, let beforeCommit { try beforeCommit() }
            try connection.execute(depth == 1 ? "COMMIT" : "RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            epoch += 1
            rollbacks += 1
            if depth == 1 {
                _ = try? connection.execute("ROLLBACK")
            } else {
                _ = try? connection.execute("ROLLBACK TO SAVEPOINT \(name)")
                _ = try? connection.execute("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
    }

    /// Begins a transaction holding the record's write lock, waiting for another workstation's
    /// to commit, a little longer each time; after a second, ``onWait`` is called once.
    private func begin() throws {
        try reconnectIfLost()
        // A standby's transactions read only; nothing is begun that would write.
        guard !isStandby else {
            throw PostgresError("the PostgreSQL server at \(location) is a read-only standby; nothing was recorded",
                                hint: "connect to the primary server to write (clinic audit verify and clinic db status read a standby)", sqlState: "25006")
        }
        // Begun and the lock tried in one round trip.
        let beginning = "BEGIN; SELECT pg_try_advisory_xact_lock(\(Self.writeLock))"
        var locked: Bool
        do {
            locked = try connection.simpleQuery(beginning).first?.first == .int(1)
        } catch {
            // Nothing was begun on a connection already gone: begun again on a new one.
            let lost = error.sqlState == "08006"
            guard lost else {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
            try reconnectIfLost()
            locked = try connection.simpleQuery(beginning).first?.first == .int(1)
        }
        let started = Date()
        var noticed = false
        var attempt = 0
        // After a wait was stopped or given up, the next (the failed command's journal line)
        // waits a second at most: a person is not kept waiting twice.
        let limit = quickNextWait ? 1 : longestWait
        quickNextWait = false
        do {
            while !locked {
                let waited = Date().timeIntervalSince(started)
                guard waited < limit else {
                    quickNextWait = true
                    throw PostgresError("the record is busy: another workstation has been writing to it for \(Int(waited)) s; nothing was recorded",
                                        hint: "try again in a moment", sqlState: "55P03")
                }
                if waited >= 1, !noticed, limit > 1 {
                    noticed = true
                    onWait?()
                }
                if shouldStopWaiting?() == true {
                    quickNextWait = true
                    throw PostgresError("stopped while waiting for another workstation; nothing was recorded", hint: "type it again when you are ready", sqlState: "57014")
                }
                usleep(useconds_t(min(50, 2 + attempt * 2)) * 1000)
                attempt += 1
                locked = try connection.query("SELECT pg_try_advisory_xact_lock($1)", [.int(Self.writeLock)]).first?.first == .int(1)
            }
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: - The record's watch

    package func dataVersion() throws -> Int64 {
        try reconnectIfLost()
        noticed += Int64(connection.notificationsFromOthers())
        return noticed
    }

    package func backend() throws -> (name: String, bytes: Int64) {
        let row = try query("SELECT current_setting('server_version'), pg_database_size(current_database())", []).first
        let version = row?[0].text?.split(separator: " ").first.map(String.init) ?? "?"
        return ("PostgreSQL \(version)\(isStandby ? " (a read-only standby)" : "")", row?[1].int ?? 0)
    }

    package func triggers() throws -> [String: String] {
        var found: [String: String] = [:]
        for row in try query("""
            SELECT t.tgname, c.relname::text, t.tgenabled::text, p.proname::text, p.prosrc
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT t.tgisinternal AND n.nspname = current_schema()
            """, []) {
            guard let name = row[0].text else { continue }
            found[name] = PostgresSchema.triggerText(table: row[1].text ?? "", enabled: row[2].text ?? "", function: row[3].text ?? "", body: row[4].text ?? "")
        }
        return found
    }
}
