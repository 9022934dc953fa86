import ClinicEngine
import ClinicScript
import ClinicStorage
import Foundation

/// The command line: `clinic [--db PATH] [--plugins DIR] [--user NAME] [--sandbox] [--record FILE]
/// [--var NAME=VALUE ...] [--csv DATA [--bail]] [--keep-going] [FILE...] [-c COMMAND]`.
package struct ProgramOptions: Equatable {
    package var database: String?
    package var pluginFolders: [String] = []
    /// Folders of the clinic's own instruments (FHIR Questionnaire files), after the shipped ones.
    package var instrumentFolders: [String] = []
    package var user: String?
    package var keepGoing = false
    package var sandbox = false
    package var record: String?
    package var variables: [String: String] = [:]
    package var csv: String?
    package var bail = false
    package var protocolFile: String?
    package var commands: [String] = []
    package var files: [String] = []

    package enum Parsed: Equatable {
        case run(ProgramOptions)
        case help
        case version
        /// `clinic audit verify`, `clinic audit head`, `clinic admin unlock NAME`.
        case owner(OwnerCommand)
    }

    package struct UsageError: Error, Equatable, CustomStringConvertible {
        package var description: String
    }

    package static var version: String { ClinicVersion.text }

    package static let usage = """
        usage: clinic [--db PATH] [--plugins DIR] [--instruments DIR] [--protocol FILE] [--user NAME] [--sandbox] [--record FILE]
                      [--var NAME=VALUE ...] [--csv DATA.csv [--bail]] [--keep-going] [FILE...] [-c COMMAND]

          (no FILE, a terminal)   the interactive shell
          (no FILE, a pipe)       commands read from standard input, one a line
          FILE...                 run each script in order, each recorded whole or not at all;
                                  stop at the first error (exit 1)
          -c COMMAND              run one command (may be repeated)

          --db PATH        the database (default $CLINIC_DB, else $XDG_DATA_HOME/clinic/clinic.sqlite,
                   or sandbox.sqlite there with --sandbox); or a PostgreSQL server's record,
                   postgres://USER@HOST/DATABASE (its password from ~/.pgpass, or asked)
          --protocol FILE  the clinic protocol (default $CLINIC_PROTOCOL, else the one shipped beside
                           the program); refused at start if a setting is missing or out of range
          --sandbox        make a new database a sandbox (training, demos, tests): its clock can be
                           set and it is marked everywhere; refused for an existing live database
          --record FILE    record the session into FILE as a script that replays it
          --var NAME=VALUE set ${NAME} for the scripts (may be repeated)
          --csv DATA.csv   run each script once per row, the columns as variables, each row on its
                           own; --bail stops at the first failed row
          --plugins DIR    look for modules in DIR first (may be repeated; then $CLINIC_PLUGIN_PATH,
                           then the folder of the clinic program)
          --instruments DIR
                           the clinic's own instruments, FHIR Questionnaire files (may be repeated;
                           after the shipped ones; docs/INSTRUMENTS.md)
          --user NAME      sign in as NAME (password from $CLINIC_PASSWORD when there is no terminal);
                           on a database with no staff yet, NAME becomes its first administrator
          --keep-going     in scripts, go on after a failed command (each command is then recorded
                           on its own; the exit status is still 1)
          --help, --version

        without signing in, on the operating system's authority over the database file:
          clinic audit verify [--db PATH] [--head HEAD ...] [--anchors FILE]
                           check every chain and the tables rebuilt from them (a read-only backup too)
          clinic audit head [--db PATH]      the record's head, to write down or send elsewhere
          clinic admin unlock NAME [--db PATH]
                           unlock an account, for the owner of the database file only (on a
                           server: --db postgres://OWNER@HOST/DB, the schema's owner)
          clinic db migrate --db postgres://OWNER@HOST/DB --grant ROLE [--sandbox]
                           make or update the record's schema on a PostgreSQL server; a new
                           record is live, or with --sandbox a sandbox, for life
          clinic db status [--db PATH|URL]   backend, versions, size and chain heads
          clinic db copy --from PATH|URL --to PATH|URL
                           move a record whole between a file and a server, same chain heads

        exit status: 0 success, 1 a command failed, 2 usage error
        """

    package static func parse(_ arguments: [String]) throws(UsageError) -> Parsed {
        if let command = try OwnerCommand.parse(arguments) { return .owner(command) }
        var options = ProgramOptions()
        var i = 0
        func value(_ flag: String) throws(UsageError) -> String {
            guard i + 1 < arguments.count, !arguments[i + 1].isEmpty else {
                throw UsageError(description: "\(flag) needs a value")
            }
            i += 1
            return arguments[i]
        }
        var onlyFiles = false
        while i < arguments.count {
            let a = arguments[i]
            if onlyFiles {
                options.files.append(a)
                i += 1
                continue
            }
            switch a {
            case "--help", "-h": return .help
            case "--version": return .version
            case "--db": options.database = try value(a)
            case "--plugins": options.pluginFolders.append(try value(a))
            case "--instruments": options.instrumentFolders.append(try value(a))
            case "--user": options.user = try value(a)
            case "--keep-going": options.keepGoing = true
            case "--sandbox": options.sandbox = true
            case "--bail": options.bail = true
            case "--record": options.record = try value(a)
            case "--protocol": options.protocolFile = try value(a)
            case "--csv": options.csv = try value(a)
            case "--var":
                let text = try value(a)
                guard let (k, v) = Variables.assignment(text) else { throw UsageError(description: "--var \(text) is not NAME=VALUE") }
                options.variables[k] = v
            case "-c": options.commands.append(try value(a))
            case "--": onlyFiles = true
            default:
                if a.hasPrefix("--"), let eq = a.firstIndex(of: "="),
                   ["--db", "--plugins", "--instruments", "--user", "--record", "--csv", "--var", "--protocol"].contains(String(a[..<eq])) {
                    let flag = String(a[..<eq]), v = String(a[a.index(after: eq)...])
                    guard !v.isEmpty else { throw UsageError(description: "\(flag) needs a value") }
                    switch flag {
                    case "--db": options.database = v
                    case "--plugins": options.pluginFolders.append(v)
                    case "--instruments": options.instrumentFolders.append(v)
                    case "--record": options.record = v
                    case "--protocol": options.protocolFile = v
                    case "--csv": options.csv = v
                    case "--var":
                        guard let (k, val) = Variables.assignment(v) else { throw UsageError(description: "--var \(v) is not NAME=VALUE") }
                        options.variables[k] = val
                    default: options.user = v
                    }
                } else if a.hasPrefix("-") && a != "-" {
                    throw UsageError(description: "unknown option \(a)")
                } else {
                    options.files.append(a)
                }
            }
            i += 1
        }
        if !options.commands.isEmpty && !options.files.isEmpty {
            throw UsageError(description: "give either FILE... or -c COMMAND, not both")
        }
        if options.csv != nil && options.files.isEmpty {
            throw UsageError(description: "--csv needs a script to run once per row: clinic --csv DATA.csv SCRIPT.clinic")
        }
        if options.bail && options.csv == nil { throw UsageError(description: "--bail goes with --csv") }
        if options.csv != nil && options.keepGoing { throw UsageError(description: "--keep-going and --csv: use --bail to stop at a failed row, or neither") }
        return .run(options)
    }

    /// `$CLINIC_DB`, else `$XDG_DATA_HOME/clinic/clinic.sqlite`, else `~/.local/share/clinic/clinic.sqlite`.
    package static func defaultDatabase(_ env: [String: String]) -> String {
        if let db = env["CLINIC_DB"], !db.isEmpty { return db }
        return xdg(env, "XDG_DATA_HOME", ".local/share") + "/clinic/clinic.sqlite"
    }

    /// `$CLINIC_DB`, else `$XDG_DATA_HOME/clinic/sandbox.sqlite`: the database `clinic --sandbox`
    /// opens without `--db` (a live database named by `CLINIC_DB` is refused as a sandbox at open).
    package static func defaultSandbox(_ env: [String: String]) -> String {
        if let db = env["CLINIC_DB"], !db.isEmpty { return db }
        return xdg(env, "XDG_DATA_HOME", ".local/share") + "/clinic/sandbox.sqlite"
    }

    /// `$CLINIC_HISTORY`, else `$XDG_STATE_HOME/clinic/history`, else `~/.local/state/clinic/history`.
    package static func defaultHistory(_ env: [String: String]) -> String {
        if let h = env["CLINIC_HISTORY"], !h.isEmpty { return h }
        return xdg(env, "XDG_STATE_HOME", ".local/state") + "/clinic/history"
    }

    private static func xdg(_ env: [String: String], _ key: String, _ fallback: String) -> String {
        if let v = env[key], v.hasPrefix("/") { return v }
        return (env["HOME"] ?? NSHomeDirectory()) + "/" + fallback
    }
}
