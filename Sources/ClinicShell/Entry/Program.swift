import ClinicEngine
import ClinicKit
import ClinicScript
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The `clinic` program: reads its options, opens the record, loads the modules, signs in, and
/// runs the shell, the scripts or the one command.
package enum Program {
    package static func main(arguments: [String], environment: [String: String]) -> Int32 {
        ModuleCall.installFaultHandler()
        let options: ProgramOptions
        switch Result(catching: { () throws(ProgramOptions.UsageError) in try ProgramOptions.parse(arguments) }) {
        case .success(.help): print(ProgramOptions.usage); return 0
        case .success(.version): print("clinic \(ProgramOptions.version) (ClinicKit \(ClinicKitABI.sdkVersion), module ABI \(ClinicKitABI.version))"); return 0
        case .success(.run(let o)): options = o
        case .success(.owner(let command)): return command.run(environment: environment)
        case .failure(let error):
            Terminal.writeErr("clinic: \(error.description)\n\(ProgramOptions.usage)\n")
            return 2
        }
        for file in options.files where file != "-" && !FileManager.default.isReadableFile(atPath: file) {
            Terminal.writeErr("clinic: cannot read \(file)\n")
            return 2
        }

        let console = StandardConsole()
        let path = options.database ?? (options.sandbox ? ProgramOptions.defaultSandbox(environment) : ProgramOptions.defaultDatabase(environment))
        let store: any RecordStore
        do {
            do {
                store = try RecordStores.open(path, now: SystemClock().now(), sandbox: options.sandbox)
            } catch let error as PostgresError where error.needsPassword && Terminal.isInteractive {
                // The server's password, asked at the terminal: never in argv, the history or the journal.
                let location = PostgresAddress(path)?.location ?? "the server"
                guard case .line(let typed) = Terminal.readSecret(prompt: "password for the PostgreSQL server \(location): ") else { return 1 }
                store = try RecordStores.open(path, now: SystemClock().now(), sandbox: options.sandbox, password: typed)
            }
        } catch let error as StoreError {
            console.err("clinic: \(error)")
            return 2
        } catch let error as PostgresError {
            console.err("clinic: \(error.problem); \(error.hint)")
            return 1
        } catch {
            console.err("clinic: cannot open the database \(PostgresAddress.display(path)): \(CommandError.reason(error))")
            return 1
        }
        if let note = store.permissionNote { console.err("note: \(note)") }
        let clock: any ClinicClock = store.isSandbox ? SandboxClock(store: store) : SystemClock()

        let hostCommands = HostCommands.table + ScriptCommands.table
        let plugins = PluginLoader(folders: PluginLoader.standardFolders(explicit: options.pluginFolders, environment: environment),
                                   host: hostCommands).load()
        for refused in plugins.refused { console.err("warning: module \(refused.file) refused: \(refused.reason)") }
        for folder in plugins.unreadable where folder.origin == "--plugins" {
            console.err("warning: plugin folder \(folder.path) cannot be read")
        }

        // The instruments given as data (the shipped ones, then the clinic's own), read first: the
        // protocol's clinic.also_requires may name their facts.
        let candidates = InstrumentCommands.read(folders: [InstrumentFile.shippedFolder] + options.instrumentFolders, sandbox: store.isSandbox)

        // Given no file, the program runs under the protocol the record holds in force; the file
        // (given, or shipped beside the program) is read when the record holds none.
        let protocolPath = ProtocolLoader.path(explicit: options.protocolFile, environment: environment)
        var clinicProtocol: LoadedProtocol
        var keptRefused = false
        do {
            if protocolPath == ProtocolLoader.shippedPath, options.protocolFile == nil {
                let (inForce, warnings) = try ProtocolAdoption.inForce(store, modules: plugins.loaded, instruments: candidates)
                for line in warnings { console.err((line.hasPrefix(" ") ? "" : "warning: ") + line) }
                keptRefused = !warnings.isEmpty
                if let inForce { clinicProtocol = inForce } else { clinicProtocol = try ProtocolLoader.load(path: protocolPath, modules: plugins.loaded, instruments: candidates) }
            } else {
                clinicProtocol = try ProtocolLoader.load(path: protocolPath, modules: plugins.loaded, instruments: candidates)
            }
        } catch let error as ProtocolLoader.Refusal {
            for problem in error.problems { console.err("  " + problem) }
            console.err("clinic: the clinic protocol \(protocolPath) is refused; fix it, or give --protocol FILE")
            return 2
        } catch {
            console.err("clinic: cannot read the protocol this database runs under: \(CommandError.reason(error))")
            return 1
        }

        // The instruments that may be asked under the protocol (which was checked against the same,
        // with its own folder's).
        let instruments = InstrumentCommands.load(clinicProtocol.instruments, modules: plugins.loaded, settings: clinicProtocol.settings)
        for line in instruments.warnings { console.err((line.hasPrefix(" ") ? "" : "warning: ") + line) }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let interactive = options.files.isEmpty && options.commands.isEmpty && Terminal.isInteractive
        let session = Session(store: store, plugins: plugins, clock: clock, calendar: calendar, console: console,
                              input: nil, environment: environment, databasePath: path, clinicProtocol: clinicProtocol,
                              hostCommands: hostCommands + instruments.table)
        session.keptProtocolRefused = keptRefused
        session.instruments = instruments.instruments
        do {
            for line in try ProtocolAdoption.atStart(session) { console.err((line.hasPrefix(" ") ? "" : "warning: ") + line) }
        } catch {
            console.err("clinic: cannot read or record the protocol this database runs under: \(CommandError.reason(error))")
            return 1
        }
        if store.isSandbox && !interactive {
            console.err("note: \(path) is a sandbox: its entries are for training and tests, never a patient's record")
        }
        // Whenever a shell or the scripts end, the record's head goes to the anchors file, if any.
        defer { if let warning = Audit.anchor(session, where: interactive ? "shell" : "scripts") { console.err(warning) } }
        if let record = options.record {
            do { session.recorder = try Recorder(path: record, session: session) } catch let failure as CommandError {
                console.err("clinic: \(failure.description)")
                return 2
            } catch {
                console.err("clinic: \(CommandError(describing: error).description)")
                return 1
            }
        }
        defer {
            if let recorder = session.recorder {
                do { try recorder.stop() } catch { console.err("warning: the recording \(recorder.path) is incomplete: \(CommandError.reason(error))") }
            }
        }
        let runner = ScriptRunner(session: session, variables: options.variables, keepGoing: options.keepGoing)

        if interactive {
            return Shell(session: session, runner: runner, historyPath: ProgramOptions.defaultHistory(environment)).run(user: options.user)
        }
        if let user = options.user {
            guard signIn(user, session: session, terminal: Terminal.isInteractive) else { return 1 }
            session.afterCommand()
        }
        if !options.commands.isEmpty {
            var status: Int32 = 0
            for command in options.commands {
                switch runner.interactive(command, source: "-c") {
                case .ok: continue
                case .quit: return status
                case .failed(let failure):
                    console.err("\(failure.kind.rawValue): \(failure.description)")
                    status = 1
                    if !options.keepGoing { return status }
                }
            }
            return status
        }
        if options.files.isEmpty {
            return runner.run(text: readAllStandardInput(), name: "stdin") ? 0 : 1
        }
        for file in options.files {
            let succeeded: Bool
            if let csv = options.csv {
                succeeded = runner.runCSV(script: file, name: file, data: csv, dataName: csv, bail: options.bail).0
            } else if file == "-" {
                succeeded = runner.run(text: readAllStandardInput(), name: "stdin")
            } else {
                succeeded = runner.runFile(file)
            }
            if !succeeded { return 1 }
        }
        return 0
    }

    /// Signs in from the command line, or creates the first administrator of an empty database.
    /// The password comes from `CLINIC_PASSWORD`, else the terminal.
    static func signIn(_ user: String, session: Session, terminal: Bool) -> Bool {
        let console = session.console
        let first = (try? session.store.staffCount()) == 0
        do {
            var password = session.environment[Accounts.passwordVariable]
            if password?.isEmpty ?? true {
                guard terminal else {
                    console.err("clinic: no terminal to ask \(user)'s password; set \(Accounts.passwordVariable)")
                    return false
                }
                if first { console.err("No staff accounts yet: \(user) will be this database's first administrator.") }
                guard case .line(let typed) = Terminal.readSecret(prompt: first ? "new password for \(user): " : "password for \(user): ")
                else { return false }
                if first {
                    guard case .line(let again) = Terminal.readSecret(prompt: "again: "), again == typed else {
                        console.err("clinic: the two passwords differ")
                        return false
                    }
                }
                password = typed
            }
            if first {
                let admin = try Accounts.createFirstAdmin(user, password: password ?? "", in: session)
                console.err("created \(admin.username) as the first administrator")
            } else {
                _ = try Accounts.signInAtStart(user, password: password ?? "", source: "--user", in: session)
            }
            return true
        } catch let failure as CommandError {
            // signInAtStart journals its own attempts; a failed first run is journalled here.
            if first {
                try? session.journal("login (first administrator)", source: "--user", outcome: failure.kind.rawValue, message: failure.message)
            }
            console.err("clinic: \(failure.description)")
            return false
        } catch {
            console.err("clinic: \(CommandError(describing: error).description)")
            return false
        }
    }

    static func readAllStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
}
