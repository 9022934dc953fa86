import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A PostgreSQL server of a test's own: a new cluster in a temporary folder, listening only on a
/// Unix socket there, stopped and removed when the test lets it go. PostgreSQL refuses to run as
/// root, so under root (CI) the cluster is the `postgres` user's, made and run through `runuser`.
package final class PostgresServer: @unchecked Sendable {
    package let folder: URL
    package let port: Int
    /// The role the tests connect as: the cluster's superuser, with no password (trust on the socket).
    package let user = "clinic_test"
    private let binaries: String
    private let asPostgres: Bool

    /// The folder of PostgreSQL's programs (`initdb`, `pg_ctl`), as `pg_config` says.
    static func binaryFolder() throws -> String {
        let out = try run("/usr/bin/pg_config", ["--bindir"])
        let folder = out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard FileManager.default.isExecutableFile(atPath: folder + "/initdb") else {
            throw ServerError("PostgreSQL's server programs are not installed (Scripts/test installs Debian's postgresql)")
        }
        return folder
    }

    package init() throws {
        binaries = try Self.binaryFolder()
        asPostgres = getuid() == 0
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("clinic-pg-\(UUID().uuidString.prefix(8))")
        port = Int.random(in: 20_000...60_000)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if asPostgres {
            guard let owner = getpwnam("postgres") else { throw ServerError("there is no postgres user to run the server as") }
            chown(folder.path, owner.pointee.pw_uid, owner.pointee.pw_gid)
        }
        let data = folder.appendingPathComponent("data").path
        _ = try program("initdb", ["-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        // The server outlives pg_ctl and would hold a pipe open: its words go to the log file only.
        _ = try program("pg_ctl", ["-D", data, "-l", folder.appendingPathComponent("log").path, "-w", "-t", "60",
                                   "-o", "-k \(folder.path) -p \(port) -c listen_addresses='' -c fsync=off", "start"], quiet: true)
    }

    /// A standby of `primary`: a base backup of it (`pg_basebackup -R`), started on a port of its
    /// own, following the primary by streaming replication and refusing writes.
    package init(standbyOf primary: PostgresServer) throws {
        binaries = try Self.binaryFolder()
        asPostgres = primary.asPostgres
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("clinic-pg-\(UUID().uuidString.prefix(8))")
        port = Int.random(in: 20_000...60_000)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if asPostgres, let owner = getpwnam("postgres") { chown(folder.path, owner.pointee.pw_uid, owner.pointee.pw_gid) }
        let data = folder.appendingPathComponent("data").path
        _ = try program("pg_basebackup", ["-h", primary.folder.path, "-p", "\(primary.port)", "-U", user, "-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        _ = try program("pg_ctl", ["-D", data, "-l", folder.appendingPathComponent("log").path, "-w", "-t", "60",
                                   "-o", "-k \(folder.path) -p \(port) -c listen_addresses='' -c fsync=off", "start"], quiet: true)
    }

    /// Stops the server and starts it again, as a restart or a crash of the server would.
    package func restart() throws {
        let data = folder.appendingPathComponent("data").path
        _ = try program("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        _ = try program("pg_ctl", ["-D", data, "-l", folder.appendingPathComponent("log").path, "-w", "-t", "60",
                                   "-o", "-k \(folder.path) -p \(port) -c listen_addresses='' -c fsync=off", "start"], quiet: true)
    }

    deinit { stop() }

    /// Stops the server and removes its folder; again does nothing.
    package func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? program("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }
    private var stopped = false

    /// The address of database `database` on this server.
    package func address(_ database: String = "postgres", user: String? = nil) -> String {
        "postgresql:///\(database)?host=\(folder.path)&port=\(port)&user=\(user ?? self.user)"
    }

    /// Runs one of PostgreSQL's programs, as the postgres user under root.
    @discardableResult
    package func program(_ name: String, _ arguments: [String], quiet: Bool = false) throws -> String {
        let path = binaries + "/" + name
        return asPostgres ? try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments, quiet: quiet)
                          : try Self.run(path, arguments, quiet: quiet)
    }

    /// `psql -c SQL` against database `database`, as the superuser.
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run("/usr/bin/psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", folder.path, "-p", "\(port)", "-U", user, "-d", database, "-c", sql])
    }

    /// Runs a program and returns what it printed (standard output; standard error goes in the
    /// failure). It is spawned and waited for directly: Foundation's `Process` does not always reap
    /// a program whose daemon it has just started (`pg_ctl start`), and the daemon's output goes to
    /// files, never to a pipe it would hold open.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], quiet: Bool = false) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-pg-out-\(UUID().uuidString)")
        let err = out.appendingPathExtension("err")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, quiet ? "/dev/null" : out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, quiet ? "/dev/null" : err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ServerError("cannot run \(path): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let printed = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let said = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw ServerError("\((path as NSString).lastPathComponent) \(arguments.first ?? "") failed (status \(status)): \(said)")
        }
        return printed
    }

    // MARK: - Records on the server

    /// The role that owns the record's schema (`clinic db migrate` runs as it) and the one the
    /// program connects as, which may only read and append.
    package static let owner = "clinic_owner", program = "clinic_app"
    private let lock = NSLock()
    private var templates: Set<String> = []

    /// A new, empty clinic record on this server, made as a clinic makes one (`clinic db
    /// migrate --grant clinic_app [--sandbox]` as its owner), copied from a template made once;
    /// the address the program connects to it at.
    package func newRecord(sandbox: Bool = false) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let admin = try PostgresConnection(address: address())
        if templates.isEmpty {
            try admin.execute("CREATE ROLE \(Self.owner) LOGIN; CREATE ROLE \(Self.program) LOGIN")
        }
        let template = sandbox ? "clinic_template_sandbox" : "clinic_template_live"
        if !templates.contains(template) {
            try admin.execute("CREATE DATABASE \(template) OWNER \(Self.owner)")
            _ = try PostgresSchema.migrate(address: address(template, user: Self.owner), grant: Self.program, sandbox: sandbox, now: Date())
            templates.insert(template)
        }
        let name = "clinic_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try admin.execute("CREATE DATABASE \(name) TEMPLATE \(template) OWNER \(Self.owner)")
        return address(name, user: Self.program)
    }

    /// The server a test process's records are kept on when the tests run against PostgreSQL,
    /// started at the first use and stopped when the process ends.
    package static let shared: PostgresServer = {
        do {
            let server = try PostgresServer()
            sharedToStop = server
            // The static holds it for the process's life, so it is stopped at exit, not by deinit.
            atexit { PostgresServer.sharedToStop?.stop() }
            return server
        } catch {
            fatalError("the tests run against PostgreSQL (CLINIC_TEST_BACKEND=postgres) but no server could be started: \(error)")
        }
    }()
    nonisolated(unsafe) private static var sharedToStop: PostgresServer?

    package struct ServerError: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }
}
