import ClinicStorage
import ClinicTestSupport
import Foundation
import Testing

/// Every end-to-end suite, one test at a time: processes spawned from several threads at once
/// inherit each other's pipe ends (a tmux server started by one test would keep another test's
/// output pipe open forever).
@Suite(.serialized) enum EndToEnd {}

/// Runs the built `clinic` program and the tools the tests check it with.
struct Harness {
    /// The folder the build put `clinic`, `libClinicKit.so` and the module libraries in (the test
    /// binary lives there too).
    static let products: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }()
    static var clinic: String { products.appendingPathComponent("clinic").path }
    /// The checkout: its Workflows and Scripts.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A private folder for one test: its database, history and home.
    let folder: URL
    /// The record: a file in the folder, or a new record on the test process's PostgreSQL server.
    let database: String
    var onServer: Bool { PostgresAddress.names(database) }
    var history: String { folder.appendingPathComponent("history").path }

    /// With `onServer`, the record is kept on PostgreSQL (the program connects as the role that
    /// may only read and append), and ``sql(_:in:)`` reads it with `psql`. The backend the tests
    /// run against by default (`CLINIC_TEST_BACKEND`): one test, either backend. A file is made a
    /// sandbox by the first program to open it with `--sandbox`; a server's record by its owner,
    /// so `sandbox` asks for one.
    init(onServer: Bool = TestDatabases.onServer, sandbox: Bool = false) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = onServer ? try PostgresServer.shared.newRecord(sandbox: sandbox) : folder.appendingPathComponent("clinic.sqlite").path
    }

    /// The name of the server database the record is kept in.
    var serverDatabase: String { URLComponents(string: database).map { String($0.path.dropFirst()) } ?? "" }

    /// The environment the program runs in: nothing of the developer's own settings leaks in.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "CLINIC_DB": database, "CLINIC_HISTORY": history,
                   "LANG": "C.UTF-8", "TZ": "UTC", "TERM": "xterm-256color"]
        env.merge(extra) { $1 }
        return env
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to its end and returns what it printed. Both pipes are read at once (a child
    /// that fills one while the test waits on the other would wait forever), and a child still
    /// running after `seconds` is killed and the test fails with its arguments: a hung program is a
    /// failed test, never a test run that never ends.
    @discardableResult
    /// - Parameter directory: where it runs (the test's folder unless given).
    func run(_ arguments: [String], stdin: String = "", env: [String: String] = [:], executable: String = Harness.clinic,
             in directory: URL? = nil, seconds: Double = 600, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment(env)
        process.currentDirectoryURL = directory ?? folder
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = stdin.isEmpty ? FileHandle.nullDevice : input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = Printed()
        let readers = DispatchGroup()
        for (pipe, isError) in [(output, false), (errors, true)] {
            let handle = pipe.fileHandleForReading
            DispatchQueue.global().async(group: readers) { printed.set(handle.readDataToEndOfFile(), isError: isError) }
        }
        if !stdin.isEmpty { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        if readers.wait(timeout: .now() + seconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            // A grandchild may still hold the pipes open: give up on what it would print.
            _ = readers.wait(timeout: .now() + 5)
            Issue.record("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) did not finish in \(Int(seconds)) s; killed",
                         sourceLocation: sourceLocation)
        }
        process.waitUntilExit()
        let (out, err) = printed.value
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// What a child printed on each pipe, filled in by the two threads that read them.
    private final class Printed: @unchecked Sendable {
        // @unchecked: every access holds `lock`.
        private let lock = NSLock()
        private var out = Data(), err = Data()
        func set(_ data: Data, isError: Bool) { lock.withLock { if isError { err = data } else { out = data } } }
        var value: (Data, Data) { lock.withLock { (out, err) } }
    }

    /// Runs `sqlite3` on the database and returns its rows, `|`-separated; on the server, `psql`
    /// as its superuser, which prints rows the same way, the query said in its SQL
    /// (``postgresSQL(_:)``) and a truth value printed as SQLite prints it (1 or 0).
    func sql(_ query: String, in path: String? = nil) throws -> [String] {
        if path == nil, onServer {
            return try PostgresServer.shared.psql(Self.postgresSQL(query), database: serverDatabase).split(separator: "\n").map { row in
                row.split(separator: "|", omittingEmptySubsequences: false).map { $0 == "t" ? "1" : $0 == "f" ? "0" : String($0) }.joined(separator: "|")
            }
        }
        let r = try run([path ?? database, query], executable: "/usr/bin/sqlite3")
        #expect(r.status == 0, "sqlite3: \(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// A query the tests write in SQLite's SQL, in PostgreSQL's: the one difference the tests
    /// meet is a JSON field, `json_extract(payload, '$.a.b[0]')`, which becomes `payload::jsonb #>> '{a,b,0}'`.
    static func postgresSQL(_ query: String) -> String {
        let pattern = #/json_extract\(([A-Za-z_.]+), '\$\.([^']+)'\)/#
        return query.replacing(pattern) { match in
            let path = match.output.2.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
                .split(separator: ".").joined(separator: ",")
            return "(\(match.output.1)::jsonb #>> '{\(path)}')"
        }
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A fresh database with an administrator and a nurse, nora (password `nurse-pass1`).
    func provision() throws {
        let setup = try write("setup.clinic", "user add nora --role nurse\n")
        let r = try run(["--user", "admin", setup], env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "nurse-pass1"])
        #expect(r.status == 0, "setup failed: \(r.stderr)")
    }

    static let nurse = ["CLINIC_PASSWORD": "nurse-pass1"]

    /// Nora's account locked by five wrong passwords, as `provision()` made it.
    func lockOutNora(sourceLocation: SourceLocation = #_sourceLocation) throws {
        for _ in 1...5 {
            #expect(try run(["--user", "nora", "-c", "whoami"], env: ["CLINIC_PASSWORD": "wrong-pass9"]).status == 1, sourceLocation: sourceLocation)
        }
        #expect(try run(["--user", "nora", "-c", "whoami"], env: Self.nurse).stderr.contains("is locked after 5 wrong passwords"), sourceLocation: sourceLocation)
    }

    /// A program from the test's own PATH (the one Scripts/test ran with: its python3 has the
    /// packages Scripts/test installed), else from /usr/bin.
    static func tool(_ name: String) -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/" + name
    }

    /// The passwords of Workflows/setup.clinic's staff (nora, patel), for signing and witnessing.
    static let staff = ["CLINIC_PASSWORD": "staff-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"]

    /// A new sandbox at `path` (the test's database by default) with Workflows/setup.clinic's staff:
    /// admin, nora (nurse) and patel (physician).
    func sandboxWithStaff(_ path: String? = nil) throws {
        let setup = try run(["--sandbox", "--db", path ?? database, "--user", "admin",
                             Self.repository.appendingPathComponent("Workflows/setup.clinic").path],
                            env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "staff-pass1"])
        #expect(setup.status == 0, "setup failed: \(setup.stderr)")
    }
}
