import ClinicEngine
import ClinicKit
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

    package static let usage = """
        usage: clinic audit verify [--db PATH] [--head HEAD ...] [--anchors FILE]
               clinic audit head [--db PATH]
               clinic admin unlock NAME [--db PATH]
        """

    /// The owner's command in `arguments`, `nil` when they are not one.
    static func parse(_ arguments: [String]) throws(ProgramOptions.UsageError) -> OwnerCommand? {
        guard arguments.count >= 2, ["audit", "admin"].contains(arguments[0]) else { return nil }
        let command = arguments[0] + " " + arguments[1]
        guard ["audit verify", "audit head", "admin unlock"].contains(command) else { return nil }
        var database: String?, heads: [String] = [], anchors: String?, words: [String] = []
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
            default:
                guard !a.hasPrefix("-") else { throw .init(description: "\(command): unknown option \(a)\n\(usage)") }
                words.append(a)
            }
            i += 1
        }
        switch command {
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
                for line in Renderer.render(try Audit.verify(store, heads: heads, anchors: anchors), highlight: false) { console.out(line) }
                return 0
            } catch let failure as CommandError {
                console.err("\(failure.kind.rawValue): \(failure.description)")
                return 1
            } catch let error as StoreError {
                console.err("clinic: \(error)")
                return 2
            } catch {
                console.err("clinic: cannot read the database \(path): \(CommandError.reason(error))")
                return 2
            }
        case .head(let database):
            let path = database ?? ProgramOptions.defaultDatabase(environment)
            do {
                console.out(try Audit.head(of: RecordStores.openToVerify(path)))
                return 0
            } catch {
                console.err("clinic: cannot read the database \(path): \(CommandError.reason(error))")
                return 2
            }
        case .unlock(let name, let database):
            return Self.unlock(name, path: database ?? ProgramOptions.defaultDatabase(environment), console: console)
        }
    }

    /// `clinic admin unlock NAME`: the owner of the database file (who could replace it whole
    /// anyway) unlocks an account, chained in the access log and journalled like an admin's unlock.
    private static func unlock(_ name: String, path: String, console: StandardConsole) -> Int32 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            console.err("clinic: there is no database \(path)")
            return 2
        }
        let me = geteuid()
        guard info.st_uid == me || me == 0 else {
            console.err("clinic: admin unlock is for the owner of \(path) (user id \(info.st_uid)); you are user id \(me): sign in as an administrator and type user unlock \(name)")
            return 1
        }
        do {
            let store = try RecordStores.open(path, now: SystemClock().now())
            let now = SystemClock().now()
            let session = UUID().uuidString.lowercased()
            let source = "clinic admin unlock (file owner, user id \(me))"
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
            console.out("\(name) unlocked by the owner of \(path) (\(failed) wrong passwords in a row before); it is in the access log and the journal")
            return 0
        } catch {
            console.err("clinic: \(CommandError(describing: error).description)")
            return 1
        }
    }
}
