import CLibPQ
import Foundation

/// One connection to a clinic's PostgreSQL server, through libpq (the library `psql` itself uses):
/// the shell is synchronous, and so is this. Values are sent apart from a statement's text
/// (`$1`, `$2`), never spliced into it; what comes back is read by the column's type.
///
/// The server's own words never reach staff: a failure is a ``PostgresError`` that says, in one
/// line, what went wrong in the clinic's terms (the server cannot be reached, the sign-in was
/// refused, the record is busy), with the SQLSTATE kept for the program to act on.
///
/// Not thread-safe: one connection belongs to one session, on one thread.
package final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Where it is connected, as staff may read it: `clinic@db.example/clinic`, never a password.
    package let location: String

    /// Connects to the server a `postgres://` or `postgresql://` address names. A password is
    /// never taken from the address (it would stand in argv, the history and the journal): libpq
    /// reads it from `PGPASSFILE` or `~/.pgpass`, or it is `password`, typed at a terminal and
    /// held only in memory. TLS is as the address's `sslmode` says.
    package init(address: String, password: String? = nil) throws(PostgresError) {
        guard let parts = PostgresAddress(address) else {
            throw PostgresError("'\(PostgresAddress.redacted(address))' is not a PostgreSQL address", hint: "write postgres://USER@HOST/DATABASE")
        }
        guard !parts.hasPassword else {
            throw PostgresError("the address holds a password, which would be kept wherever the address is",
                                hint: "put it in ~/.pgpass (or the file PGPASSFILE names) and write postgres://USER@HOST/DATABASE")
        }
        location = parts.location
        // libpq would skip a password file others may read, with a warning of its own on standard
        // error: it is refused here, in one line, before libpq reads it.
        if let problem = Self.passwordFileProblem(ProcessInfo.processInfo.environment) { throw problem }
        // The address as a conninfo, and the password beside it (never spliced into the address).
        let keywords = ["dbname"] + (password == nil ? [] : ["password"])
        let values = [Self.withTimeouts(address)] + (password.map { [$0] } ?? [])
        let made = Self.withCStrings(keywords) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k + [nil], v + [nil], 1) }
        }
        guard let connection = made else {
            throw PostgresError("cannot connect to the PostgreSQL server at \(location): out of memory", hint: "try again")
        }
        handle = connection
        // The server's notices and warnings (a shutdown under way) are its own words: never printed.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQstatus(handle) == CONNECTION_OK else {
            // Thrown once every property is set, so deinit still finishes the connection.
            if PQconnectionNeedsPassword(handle) != 0 {
                throw PostgresError("the PostgreSQL server at \(location) asks for a password and none is in ~/.pgpass",
                                    hint: "put it in ~/.pgpass (or the file PGPASSFILE names), or start the program at a terminal to type it",
                                    sqlState: PostgresError.passwordNeeded)
            }
            let reason = Self.connectionFailure(String(cString: PQerrorMessage(handle)))
            throw PostgresError("cannot connect to the PostgreSQL server at \(location): \(reason.problem)", hint: reason.hint,
                                sqlState: reason.problem == "the server refused the sign-in" ? "28P01" : nil)
        }
        // Every value is read and written in UTF-8, and times are never the server's local ones.
        // The record's tables are in the schema public, whatever the role's own search path says.
        _ = try execute("SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET search_path = public")
    }

    deinit { PQfinish(handle) }

    /// The password file libpq would read (`PGPASSFILE`, else `~/.pgpass`), when others may read it.
    static func passwordFileProblem(_ environment: [String: String]) -> PostgresError? {
        let passwords = environment["PGPASSFILE"] ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass"
        var info = stat()
        guard stat(passwords, &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        return PostgresError("\(passwords) is open to other users, so it is not used: it holds passwords", hint: "chmod 600 \(passwords), then start again")
    }

    /// The address with what makes a cut network an error in seconds rather than a wait without
    /// end, unless the address says otherwise: a connection attempt given up after 10 s, and a
    /// connection whose server stops answering (no reply to keepalives, data unacknowledged for
    /// 15 s) closed, so the statement waiting on it fails. Over a Unix socket they do nothing.
    static func withTimeouts(_ address: String) -> String {
        guard var url = URLComponents(string: address) else { return address }
        // A scheme is read whatever its case (POSTGRESQL://); libpq reads only lower case.
        url.scheme = url.scheme?.lowercased()
        var items = url.queryItems ?? []
        for (name, value) in [("connect_timeout", "10"), ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
                              ("keepalives_count", "2"), ("tcp_user_timeout", "15000")] where !items.contains(where: { $0.name == name }) {
            items.append(URLQueryItem(name: name, value: value))
        }
        url.queryItems = items
        return url.string ?? address
    }

    /// The server's version as a number (150018 for 15.18).
    package var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Called once when a statement has waited a second for the server's answer (another
    /// workstation's lock, a slow network): the session says it is waiting.
    package var onWait: (() -> Void)?
    /// Asked while a statement waits: `true` (Ctrl-C at the terminal) stops waiting.
    package var shouldStopWaiting: (() -> Bool)?
    /// How long a statement waits for the server's answer before it is given up.
    package var longestWait: TimeInterval = 120

    /// Runs statements without parameters or rows (`SET …`, a migration's script).
    @discardableResult
    package func execute(_ sql: String) throws(PostgresError) -> Int {
        guard PQsendQuery(handle, sql) != 0 else { throw lost() }
        let result = try awaitResult(sql)
        defer { PQclear(result) }
        try check(result)
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Waits for the answer to the statement just sent, in bounded time: a second's wait is said
    /// (``onWait``), Ctrl-C (``shouldStopWaiting``) or ``longestWait`` cancels it. A server that
    /// does not answer even the cancel (a network that has stopped carrying anything) is given
    /// up: the connection is closed, so nothing more of its transaction can be committed.
    /// Returns the first failed result, else the last.
    private func awaitResult(_ sql: String) throws(PostgresError) -> OpaquePointer {
        let started = Date()
        var noticed = false
        var cancelledAt: Date?
        var stopped = false
        while PQisBusy(handle) != 0 {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) > 0 {
                if PQconsumeInput(handle) == 0 { throw lost() }
                continue
            }
            let waited = Date().timeIntervalSince(started)
            if waited >= 1, !noticed {
                noticed = true
                onWait?()
            }
            if let cancelledAt {
                if Date().timeIntervalSince(cancelledAt) > 5 {
                    broken = true
                    throw unanswered(sql, stopped: stopped)
                }
            } else if shouldStopWaiting?() == true || waited >= longestWait {
                stopped = waited < longestWait
                cancelledAt = Date()
                if let cancel = PQgetCancel(handle) {
                    var message = [CChar](repeating: 0, count: 256)
                    _ = PQcancel(cancel, &message, Int32(message.count))
                    PQfreeCancel(cancel)
                }
            }
        }
        // The last result (the rows of `BEGIN; SELECT …`), unless one before it failed.
        var first: OpaquePointer?
        while let result = PQgetResult(handle) {
            if let kept = first, PQresultStatus(kept) == PGRES_FATAL_ERROR {
                PQclear(result)
                continue
            }
            if let kept = first { PQclear(kept) }
            first = result
        }
        guard let first else { throw lost() }
        if cancelledAt != nil, PQresultStatus(first) == PGRES_FATAL_ERROR {
            PQclear(first)
            throw unanswered(sql, stopped: stopped)
        }
        return first
    }

    /// A statement given up: said in the clinic's words, a commit's outcome as unknown.
    private func unanswered(_ sql: String, stopped: Bool) -> PostgresError {
        let why = stopped ? "stopped while waiting for the PostgreSQL server at \(location)"
                          : "the PostgreSQL server at \(location) did not answer in \(Int(longestWait)) s"
        if sql.uppercased().hasPrefix("COMMIT") {
            return PostgresError("\(why) to confirm the command; it may or may not be recorded",
                                 hint: "look with audit log before typing it again", sqlState: "08007")
        }
        return PostgresError("\(why); nothing of the command was recorded",
                             hint: stopped ? "type it again when you are ready" : "another workstation holds the record, or the network is slow: try again in a moment",
                             sqlState: stopped ? "57014" : "55P03")
    }

    /// Runs one statement with its values as `$1`, `$2`, …, and returns its rows.
    package func query(_ sql: String, _ values: [SQLValue] = []) throws(PostgresError) -> [[SQLValue]] {
        // Each value as the text PostgreSQL reads for its type; a NULL as no text at all.
        let texts: [String?] = values.map { value in
            switch value {
            case .null: return nil
            case .int(let v): return String(v)
            case .double(let v): return v.isFinite ? "\(v)" : (v.isNaN ? "NaN" : v > 0 ? "Infinity" : "-Infinity")
            case .text(let v): return v
            }
        }
        let sent = Self.withCStrings(texts) { pointers in
            PQsendQueryParams(handle, sql, Int32(values.count), nil, pointers, nil, nil, 0)
        }
        guard sent != 0 else { throw lost() }
        let result = try awaitResult(sql)
        defer { PQclear(result) }
        try check(result)
        return Self.rows(of: result)
    }

    /// Runs statements without values in one round trip (`BEGIN; SELECT …`) and returns the last
    /// one's rows.
    package func simpleQuery(_ sql: String) throws(PostgresError) -> [[SQLValue]] {
        guard PQsendQuery(handle, sql) != 0 else { throw lost() }
        let result = try awaitResult(sql)
        defer { PQclear(result) }
        try check(result)
        return Self.rows(of: result)
    }

    /// A result's rows, each value read by its column's type.
    private static func rows(of result: OpaquePointer) -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        let columns = PQnfields(result)
        for row in 0..<PQntuples(result) {
            rows.append((0..<columns).map { column in
                guard PQgetisnull(result, row, column) == 0 else { return .null }
                let text = String(cString: PQgetvalue(result, row, column))
                switch PQftype(result, column) {
                case 20, 21, 23: return Int64(text).map(SQLValue.int) ?? .text(text)          // int8, int2, int4
                case 700, 701, 1700: return Double(text).map(SQLValue.double) ?? .text(text)  // float4, float8, numeric
                case 16: return .int(text == "t" ? 1 : 0)                                      // bool, as SQLite keeps it
                default: return .text(text)
                }
            })
        }
        return rows
    }

    /// Whether the connection still works (a server restarted since has closed it).
    package var isConnected: Bool { !broken && PQstatus(handle) == CONNECTION_OK }
    private var broken = false

    /// How many notifications other connections' transactions sent on the channels this one
    /// listens to, read now without waiting (its own are not counted).
    package func notificationsFromOthers() -> Int {
        guard isConnected else { return 0 }
        if PQconsumeInput(handle) == 0 { broken = true; return 0 }
        let me = PQbackendPID(handle)
        var count = 0
        while let notification = PQnotifies(handle) {
            if notification.pointee.be_pid != me { count += 1 }
            PQfreemem(notification)
        }
        return count
    }

    private func check(_ result: OpaquePointer) throws(PostgresError) {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default:
            // The server names every failure of its own; one without a SQLSTATE is libpq's: the
            // connection is gone (the server stopped, the network cut).
            guard let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map({ String(cString: $0) }) else { throw lost() }
            throw PostgresError(sqlState: state, location: location)
        }
    }

    private func lost() -> PostgresError {
        broken = true
        return PostgresError("the connection to the PostgreSQL server at \(location) was lost; nothing of the command was recorded",
                      hint: "check that the server is running and reachable, then type the command again", sqlState: "08006")
    }

    /// Calls `body` with C strings for `texts` (a NULL pointer for `nil`), alive for the call.
    private static func withCStrings<R>(_ texts: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }

    /// What a failed connection means for staff, read from libpq's message (which is not shown:
    /// it may carry the server's words and addresses).
    static func connectionFailure(_ message: String) -> (problem: String, hint: String) {
        let m = message.lowercased()
        // libpq's own reading of the address (`invalid sslmode value`, `invalid URI query parameter`).
        if m.contains("invalid") && (m.contains("uri") || m.contains("value") || m.contains("parameter") || m.contains("option") || m.contains("connection string")) {
            return ("the address has a setting the client library does not take", "check the ?… part of the address (sslmode=verify-full, host=, port=)")
        }
        if m.contains("password authentication failed") || m.contains("no password supplied") || m.contains("authentication failed") {
            return ("the server refused the sign-in", "check the user in the address and the password in ~/.pgpass (or PGPASSFILE)")
        }
        if m.contains("does not exist") && m.contains("database") {
            return ("no such database on the server", "check the database name in the address (clinic db migrate makes the schema in an existing database)")
        }
        if m.contains("role") && m.contains("does not exist") {
            return ("no such user on the server", "check the user in the address")
        }
        if m.contains("ssl") || m.contains("certificate") {
            return ("the secure connection could not be made", "check sslmode in the address and the server's certificate (verify-full for a server on another machine)")
        }
        if m.contains("no pg_hba.conf entry") || m.contains("not permitted") {
            return ("the server does not accept this connection", "ask the server's administrator to allow this workstation")
        }
        if m.contains("the database system is starting up") || m.contains("shutting down") || m.contains("recovery") {
            return ("the server is starting or stopping", "wait a moment and try again")
        }
        return ("the server cannot be reached", "check that the server is running and that its host and port are right")
    }
}

/// A failure at the PostgreSQL server, said in the clinic's terms: never the server's own text.
package struct PostgresError: Error, Equatable, CustomStringConvertible, Sendable {
    package var problem: String
    package var hint: String
    /// The five-character SQLSTATE the server gave, if it gave one (`40001`).
    package var sqlState: String?
    /// Not the server's: the server asked for a password and none was given.
    package static let passwordNeeded = "clinic-password"
    package var needsPassword: Bool { sqlState == Self.passwordNeeded }

    package init(_ problem: String, hint: String, sqlState: String? = nil) {
        self.problem = problem
        self.hint = hint
        self.sqlState = sqlState
    }

    /// A statement's failure by its SQLSTATE class (PostgreSQL's Appendix A).
    init(sqlState state: String?, location: String) {
        sqlState = state
        switch state.map({ String($0.prefix(2)) }) {
        case "40":
            (problem, hint) = ("another workstation wrote the record at the same moment; nothing was recorded", "type the command again")
        case "23":
            (problem, hint) = ("the record refused the entry: it breaks one of the record's own rules; nothing was recorded",
                               "run audit verify; if it does not say OK, tell the clinic's administrator")
        case "42" where state == "42501":
            (problem, hint) = ("the server does not let this program's user do that; nothing was recorded",
                               "the schema belongs to another role: clinic db migrate makes it and grants what is needed")
        case "25" where state == "25006":
            (problem, hint) = ("the server refuses writes from this program's user (a read-only standby, or a user kept read-only); nothing was recorded",
                               "connect to the primary server, as the role clinic db migrate --grant named")
        case "53":
            (problem, hint) = ("the PostgreSQL server at \(location) is out of resources (disk, memory or connections); nothing was recorded",
                               "tell the server's administrator")
        case "57", "08":
            (problem, hint) = ("the PostgreSQL server at \(location) stopped the command; nothing was recorded",
                               "check that the server is running, then type the command again")
        default:
            (problem, hint) = ("the PostgreSQL server at \(location) refused a statement (SQLSTATE \(state ?? "unknown")); nothing was recorded",
                               "tell the clinic's administrator; this is the program's fault, not yours")
        }
    }

    package var description: String { "\(problem); \(hint)" }
}

/// A `postgres://` or `postgresql://` address, read only as far as the program needs: whether it
/// is one, whether it holds a password, and how to name it to staff without one.
package struct PostgresAddress: Equatable {
    package var user: String?
    package var host: String
    package var database: String
    package var hasPassword: Bool

    /// Whether `text` names a PostgreSQL server rather than a file (the scheme in any case).
    package static func names(_ text: String) -> Bool {
        let lower = text.prefix(13).lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Whether `text` looks like an address of some kind (`scheme:/…`), which is never taken for a
    /// file's name: `postgress://…` or `mysql://…` is refused, not made a new SQLite file.
    package static func looksLikeAddress(_ text: String) -> Bool {
        text.range(of: "^[A-Za-z][A-Za-z0-9+.-]*:/", options: .regularExpression) != nil
    }

    /// How to name `location` to staff: a server as `user@host/database`, never with a password;
    /// a file as its path.
    package static func display(_ location: String) -> String {
        guard names(location) || looksLikeAddress(location) else { return location }
        return PostgresAddress(location)?.location ?? redacted(location)
    }

    package init?(_ text: String) {
        guard Self.names(text), let url = URLComponents(string: text) else { return nil }
        let password = url.queryItems?.contains { $0.name.lowercased() == "password" } ?? false
        user = url.user.flatMap { $0.isEmpty ? nil : $0 }
        hasPassword = url.password != nil
        // `?host=/run/postgresql&port=5433`: a socket folder, as libpq takes it.
        let query = Dictionary((url.queryItems ?? []).compactMap { item in item.value.map { (item.name, $0) } }) { a, _ in a }
        host = url.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"] ?? "localhost"
        if let port = url.port.map(String.init) ?? query["port"] { host += ":\(port)" }
        if user == nil { user = query["user"] }
        hasPassword = hasPassword || password
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = path.isEmpty ? query["dbname"] ?? user ?? "postgres" : path
    }

    /// `clinic@db.example:5432/clinic`.
    package var location: String { (user.map { "\($0)@" } ?? "") + host + "/" + database }

    /// The address with any password replaced by `…`, for a message.
    package static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text) else { return text.contains("@") || text.contains("password") ? "(an address)" : text }
        if url.password != nil { url.password = "…" }
        url.queryItems = url.queryItems?.map { $0.name.lowercased() == "password" ? URLQueryItem(name: $0.name, value: "…") : $0 }
        return url.string ?? "(an address)"
    }
}
