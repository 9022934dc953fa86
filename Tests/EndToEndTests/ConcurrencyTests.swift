import Foundation
import Testing

/// Five workstations on one record at once: three write for the same and for different patients,
/// a fourth sits at a password prompt, a fifth runs a 10 000-row CSV. Nobody sees a lock error,
/// no write is lost, the chains stay intact, and the longest wait is reported. On SQLite's file
/// and on a PostgreSQL server.
extension EndToEnd {
@Suite struct ConcurrencyTests {
    @Test(arguments: [false, true]) func fiveWorkstationsAtOnceLoseNothing(onServer: Bool) throws {
        let h = try Harness(onServer: onServer, sandbox: true)
        try h.sandboxWithStaff()
        let env = ["CLINIC_PASSWORD": "staff-pass1"]
        for (mrn, name) in [("A-1", "Ana Lima"), ("B-2", "Ben Okafor")] {
            let r = try h.run(["--user", "nora", "-c", "patient new --name '\(name)' --dob 1981-02-11 --sex F --mrn \(mrn)", "-c", "visit start --kind consult"], env: env)
            try #require(r.status == 0, "\(r.stderr)")
        }
        // The fourth: a shell left at a password prompt (login, asked with no lock held).
        let prompt = ShellTests.Terminal(h)
        defer { _ = try? prompt.tmux(["kill-server"]) }
        try prompt.start(["--user", "nora"], env: env)
        try prompt.keys("login patel", "Enter")
        try prompt.waitFor("password for patel: ")

        // The fifth: 10 000 rows, each its own transaction.
        var csv = "NAME,MRN,DOB\n"
        for i in 1...10_000 { csv += "Row Person\(i),R-\(i),\(1940 + i % 60)-\(String(format: "%02d-%02d", 1 + i % 12, 1 + i % 28))\n" }
        let data = try h.write("rows.csv", csv)
        let row = try h.write("row.clinic", "patient new --name ${NAME} --dob ${DOB} --sex M --mrn ${MRN}\n")
        func start(_ arguments: [String]) throws -> (Process, Pipe, Date) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Harness.clinic)
            p.arguments = arguments
            p.environment = h.environment(env)
            p.currentDirectoryURL = h.folder
            let errors = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = errors
            try p.run()
            return (p, errors, Date())
        }
        let batch = try start(["--user", "nora", "--csv", data, row])
        // The first three: 20 weights each, two on the same patient.
        let writers = try [("A-1", 60), ("A-1", 70), ("B-2", 80)].map { mrn, base in
            try start(["--user", "nora", "-c", "patient open \(mrn)"] + (1...20).flatMap { ["-c", "intake weight \(base + $0 % 10)kg"] })
        }
        var longest = 0.0
        for (p, errors, started) in writers + [batch] {
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let took = Date().timeIntervalSince(started)
            if p !== batch.0 { longest = max(longest, took) }
            #expect(p.terminationStatus == 0, "\(p.arguments ?? []): \(said)")
            for raw in ["database error", "database is locked", "SQLITE", "BEGIN IMMEDIATE", "SQLSTATE", "ERROR:", "FATAL", "advisory"] {
                #expect(!said.contains(raw), "raw database text shown: \(said)")
            }
        }
        print("concurrency (\(onServer ? "PostgreSQL" : "SQLite")): the writers took at most \(String(format: "%.1f", longest)) s with a 10 000-row CSV running and a shell at a password prompt")
        #expect(try h.sql("SELECT count(*) FROM patients") == ["10002"])
        #expect(try h.sql("SELECT count(*) FROM records WHERE module = 'intake'") == ["60"])
        let verify = try h.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // The prompt held nothing: the password is taken now, and the sign-in is recorded.
        try prompt.keys("staff-pass1", "Enter")
        try prompt.waitFor("signed in as patel (physician)")
    }
}
}
