import ClinicEngine
import ClinicKit
import ClinicScript
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// What runs without signing in, on the authority of the operating system over the database file:
/// `clinic audit verify` and `clinic audit head` read it (anyone who may read the file, a backup
/// on read-only media too), `clinic admin unlock NAME` writes it (only the file's owner, when
/// every administrator is locked out).
package enum OwnerCommand: Equatable {
    case verify(database: String?, heads: [String], anchors: String?)
    case head(database: String?)
    case unlock(name: String, database: String?)
    case migrate(database: String?, grant: String?, sandbox: Bool)
    case status(database: String?)
    case copy(from: String, to: String)

    package static let usage = """
        usage: clinic audit verify [--db PATH] [--head HEAD ...] [--anchors FILE]
               clinic audit head [--db PATH]
               clinic admin unlock NAME [--db PATH|postgres://OWNER@HOST/DB]
               clinic db migrate [--db PATH|postgres://OWNER@HOST/DB] [--grant ROLE] [--sandbox]
               clinic db status [--db PATH|postgres://USER@HOST/DB]
               clinic db copy --from PATH|URL --to PATH|URL
        """

    /// The owner's command in `arguments`, `nil` when they are not one.
    static func parse(_ arguments: [String]) throws(ProgramOptions.UsageError) -> OwnerCommand? {
        guard arguments.count >= 2, ["audit", "admin", "db"].contains(arguments[0]) else { return nil }
        let command = arguments[0] + " " + arguments[1]
        guard ["audit verify", "audit head", "admin unlock", "db migrate", "db status", "db copy"].contains(command) else { return nil }
        var database: String?, heads: [String] = [], anchors: String?, words: [String] = []
        var grant: String?, from: String?, to: String?, sandbox = false
        var i = 2
        func value(_ flag: String) throws(ProgramOptions.UsageError) -> String {
            guard i + 1 < arguments.count, !arguments[i + 1].isEmpty else { throw .init(description: "\(flag) needs a value") }
            i += 1
            return arguments[i]
        }
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--db": database = try value(a)
            case "--head" where command == "audit verify": heads.append(try value(a))
            case "--anchors" where command == "audit verify": anchors = try value(a)
            case "--grant" where command == "db migrate": grant = try value(a)
            case "--sandbox" where command == "db migrate": sandbox = true
            case "--from" where command == "db copy": from = try value(a)
            case "--to" where command == "db copy": to = try value(a)
            default:
                guard !a.hasPrefix("-") else { throw .init(description: "\(command): unknown option \(a)\n\(usage)") }
                words.append(a)
            }
            i += 1
        }
        if command.hasPrefix("db "), let word = words.first { throw .init(description: "\(command) takes no words: \(word)\n\(usage)") }
        switch command {
        case "db migrate": return .migrate(database: database, grant: grant, sandbox: sandbox)
        case "db status": return .status(database: database)
        case "db copy":
            guard let from, let to, database == nil else { throw .init(description: "db copy needs --from and --to: clinic db copy --from clinic.sqlite --to postgres://USER@HOST/DB") }
            return .copy(from: from, to: to)
        case "admin unlock":
            guard words.count == 1 else { throw .init(description: "admin unlock needs one name: clinic admin unlock NAME --db PATH") }
            return .unlock(name: words[0].lowercased(), database: database)
        default:
            guard words.isEmpty else { throw .init(description: "\(command) takes no words: \(words[0])\n\(usage)") }
            return command == "audit head" ? .head(database: database) : .verify(database: database, heads: heads, anchors: anchors)
        }
    }

    /// Runs the command; the exit status.
    func run(environment: [String: String]) -> Int32 {
        let console = StandardConsole()
        switch self {
        case .verify(let database, let heads, let anchors):
            let path = database ?? ProgramOptions.defaultDatabase(environment)
            do {
                let store = try RecordStores.openToVerify(path)
                // With the modules beside the program, what falls due for each patient is checked
                // against the record too, as the shell's audit verify does.
                let output = try Self.sessionToWorkOutDue(store, path: path, environment: environment, console: console)
                    .map { try Audit.verify(heads: heads, anchors: anchors, in: $0) } ?? Audit.verify(store, heads: heads, anchors: anchors)
                for line in Renderer.render(output, highlight: false) { console.out(line) }
                return 0
            } catch let failure as CommandError {
                console.err("\(failure.kind.rawValue): \(failure.description)")
                return 1
            } catch let error as StoreError {
                console.err("clinic: \(error)")
                return 2
            } catch {
                console.err("clinic: cannot read the database \(PostgresAddress.display(path)): \(CommandError.reason(error))")
                return 2
            }
        case .head(let database):
            let path = database ?? ProgramOptions.defaultDatabase(environment)
            do {
                console.out(try Audit.head(of: RecordStores.openToVerify(path)))
                return 0
            } catch {
                console.err("clinic: cannot read the database \(PostgresAddress.display(path)): \(CommandError.reason(error))")
                return 2
            }
        case .unlock(let name, let database):
            return Self.unlock(name, path: database ?? ProgramOptions.defaultDatabase(environment), console: console)
        case .migrate(let database, let grant, let sandbox):
            return Self.migrate(database ?? ProgramOptions.defaultDatabase(environment), grant: grant, sandbox: sandbox, console: console)
        case .status(let database):
            return Self.status(database ?? ProgramOptions.defaultDatabase(environment), console: console)
        case .copy(let from, let to):
            return Self.copy(from: from, to: to, console: console)
        }
    }

    /// A session that only reads, to work out each patient's items from the record: the modules
    /// the program loads (the standard folders) and the protocol the record holds in force, else
    /// the file the program would read. `nil`, said, when there is no protocol to run them under.
    private static func sessionToWorkOutDue(_ store: any RecordStore, path: String, environment: [String: String],
                                            console: StandardConsole) -> Session? {
        let hostCommands = HostCommands.table + ScriptCommands.table
        let plugins = PluginLoader(folders: PluginLoader.standardFolders(explicit: [], environment: environment), host: hostCommands).load()
        for refused in plugins.refused { console.err("warning: module \(refused.file) refused: \(refused.reason)") }
        // The shipped instruments, whose facts a module's due date may read (their files' problems
        // are told when the program starts, not here).
        let candidates = InstrumentCommands.read(folders: [InstrumentFile.shippedFolder], sandbox: store.isSandbox)
        let clinicProtocol: LoadedProtocol
        do {
            if let inForce = try ProtocolAdoption.inForce(store, modules: plugins.loaded, instruments: candidates).0 {
                clinicProtocol = inForce
            } else {
                clinicProtocol = try ProtocolLoader.load(path: ProtocolLoader.path(explicit: nil, environment: environment), modules: plugins.loaded,
                                                         instruments: candidates)
            }
        } catch {
            console.err("note: what falls due for each patient is not checked: the protocol to work it out under cannot be read (\(CommandError.reason(error)))")
            return nil
        }
        let instruments = InstrumentCommands.load(clinicProtocol.instruments, modules: plugins.loaded, settings: clinicProtocol.settings)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let session = Session(store: store, plugins: plugins, clock: store.isSandbox ? SandboxClock(store: store) : SystemClock(), calendar: calendar,
                              console: console, input: nil, environment: environment, databasePath: path, clinicProtocol: clinicProtocol,
                              hostCommands: hostCommands + instruments.table)
        session.instruments = instruments.instruments
        return session
    }

    /// `clinic admin unlock NAME`: the owner of the database file (who could replace it whole
    /// anyway) unlocks an account, chained in the access log and journalled like an admin's unlock.
    private static func unlock(_ name: String, path: String, console: StandardConsole) -> Int32 {
        let onServer = PostgresAddress.names(path)
        let me = geteuid()
        if !onServer {
            var info = stat()
            guard stat(path, &info) == 0 else {
                console.err("clinic: there is no database \(PostgresAddress.display(path))")
                return 2
            }
            guard info.st_uid == me || me == 0 else {
                console.err("clinic: admin unlock is for the owner of \(path) (user id \(info.st_uid)); you are user id \(me): sign in as an administrator and type user unlock \(name)")
                return 1
            }
        }
        do {
            // On a server, the authority is the schema's owner's, as a file's is its owner's.
            let store = onServer ? try SQLStore(server: path, now: SystemClock().now(), asOwner: true) : try RecordStores.open(path, now: SystemClock().now())
            let now = SystemClock().now()
            let session = UUID().uuidString.lowercased()
            let source = onServer ? "clinic admin unlock (the schema's owner, \(PostgresAddress(path)?.user ?? "?"))" : "clinic admin unlock (file owner, user id \(me))"
            let failed = try store.transaction { () throws -> Int in
                let failed = try Accounts.unlock(name, in: store, at: now, session: session, source: source)
                if failed > 0 {
                    try store.appendJournal(JournalEntry(session: session, staffID: nil, at: now, source: source, command: "admin unlock \(name)",
                                                         outcome: "ok", message: "\(failed) wrong passwords in a row before", patientID: nil, visitID: nil))
                }
                return failed
            }
            guard failed > 0 else {
                console.out("\(name) was not locked (no wrong passwords since the last sign-in)")
                return 0
            }
            console.out("\(name) unlocked by the owner of \(PostgresAddress.display(path)) (\(failed) wrong passwords in a row before); it is in the access log and the journal")
            return 0
        } catch {
            console.err("clinic: \(CommandError(describing: error).description)")
            return 1
        }
    }

    /// `clinic db migrate`: a server's schema made or brought up to date by its owner (the role
    /// the address names), and the program's role granted only what it needs; a file's schema is
    /// brought up to date as any start does. A new record is made live, or with `sandbox` a
    /// sandbox, for life.
    private static func migrate(_ location: String, grant: String?, sandbox: Bool, console: StandardConsole) -> Int32 {
        do {
            if PostgresAddress.names(location) {
                let report = try PostgresSchema.migrate(address: location, grant: grant, sandbox: sandbox, now: SystemClock().now())
                let done = report.from == report.to ? "already at schema version \(report.to)" : "schema version \(report.from) → \(report.to)"
                console.out("\(report.location): \(done) · \(report.isSandbox ? "a sandbox (training, demos, tests), never a patient's record" : "a live record")")
                if let role = report.granted {
                    console.out("\(role) may read the record and append to it; it may not change or remove an entry")
                } else {
                    console.out("no role was granted: give --grant ROLE for the role the program connects as (not \(report.location.split(separator: "@").first ?? "the owner"))")
                }
            } else {
                guard grant == nil else {
                    console.err("clinic: --grant is for a PostgreSQL server; a SQLite file is its owner's")
                    return 2
                }
                let store = try RecordStores.open(location, now: SystemClock().now(), sandbox: sandbox)
                console.out("\(location): schema version \(try (store as? SQLStore)?.storageStatus().schemaVersion ?? 0) · \(store.isSandbox ? "a sandbox (training, demos, tests), never a patient's record" : "a live record")")
            }
            return 0
        } catch {
            console.err("clinic: \(CommandError(describing: error).description)")
            return 1
        }
    }

    /// `clinic db status`: the backend, its version, the schema's, the record's size and its chains' heads.
    private static func status(_ location: String, console: StandardConsole) -> Int32 {
        do {
            guard let store = try RecordStores.openToVerify(location) as? SQLStore else { return 2 }
            let status = try store.storageStatus()
            console.out("backend: \(status.backend) at \(status.location)")
            console.out("schema: version \(status.schemaVersion) (this program's: \(RecordStores.schemaVersion)) · \(status.mode) · \(ByteCountFormatter.string(fromByteCount: status.bytes, countStyle: .file))")
            for chain in status.chains {
                console.out("  \(chain.table.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(chain.length).leftPadded(8)) entries · head \(chain.head.prefix(16))")
            }
            return 0
        } catch {
            console.err("clinic: \(CommandError(describing: error).description)")
            return 1
        }
    }

    /// `clinic db copy`: the whole record into a new file or an empty server record, checked to end
    /// on the same chain heads.
    private static func copy(from: String, to: String, console: StandardConsole) -> Int32 {
        do {
            let report = try RecordCopy.copy(from: from, to: to, now: SystemClock().now())
            console.out("copied \(report.rows.map { "\($0.count) \($0.table)" }.joined(separator: ", "))")
            console.out("from \(report.from.location) to \(report.to.location): the same chain heads (records \(report.to.chains.first?.head.prefix(16) ?? "")…)")
            console.out("check both with clinic audit verify --db …")
            return 0
        } catch {
            console.err("clinic: \(CommandError(describing: error).description)")
            return 1
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
