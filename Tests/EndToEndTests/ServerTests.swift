import ClinicStorage
import ClinicTestSupport
import Foundation
import Testing

/// The program with its record on a PostgreSQL server, as a clinic runs it: the shipped workflows,
/// the record copied to a file and back with the same chain heads, `db status`, and a change made
/// behind the program's back by the schema's owner found by `audit verify`.
extension EndToEnd {
@Suite struct ServerTests {
    let workflows = Harness.repository.appendingPathComponent("Workflows")

    func workflow(_ name: String) -> String { workflows.appendingPathComponent(name).path }

    @Test func theWorkflowsRunOnTheServerAndTheRecordCopiesWithTheSameHeads() throws {
        let h = try Harness(onServer: true)
        let setup = try h.run(["--user", "admin", workflow("setup.clinic")], env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "staff-pass1"])
        #expect(setup.status == 0, "\(setup.stderr)")
        for name in ["intake-visit.clinic", "screening-consent.clinic", "screening-ineligible.clinic"] {
            let r = try h.run(["--user", "nora", workflow(name)], env: Harness.staff)
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
        #expect(try h.sql("SELECT p.mrn, r.payload::jsonb ->> 'outcome' FROM records r JOIN patients p ON p.id = r.patient_id WHERE r.kind = 'signed' AND r.module = 'screening' ORDER BY r.id")
                == ["SCR-001|eligible-with-precautions", "SCR-002|not-eligible"])

        let status = try h.run(["db", "status"])
        #expect(status.status == 0 && status.stdout.contains("backend: PostgreSQL ") && status.stdout.contains("· live ·"), "\(status.stdout)\(status.stderr)")
        let verify = try h.run(["audit", "verify"])
        #expect(verify.status == 0 && verify.stdout.contains("OK: nothing was changed"), "\(verify.stdout)\(verify.stderr)")

        // To a file and back: the same heads, and verify says OK of each.
        let file = h.folder.appendingPathComponent("copy.sqlite").path
        let out = try h.run(["db", "copy", "--from", h.database, "--to", file])
        #expect(out.status == 0 && out.stdout.contains("the same chain heads"), "\(out.stdout)\(out.stderr)")
        let back = try PostgresServer.shared.newRecord()
        #expect(try h.run(["db", "copy", "--from", file, "--to", back]).status == 0)
        let heads = try [h.database, file, back].map { try h.run(["audit", "head", "--db", $0]).stdout }
        #expect(Set(heads).count == 1 && heads[0].hasPrefix("r"), "\(heads)")
        #expect(try h.run(["audit", "verify", "--db", back]).status == 0)
        // A copy is never made over a record that holds one.
        let again = try h.run(["db", "copy", "--from", file, "--to", back])
        #expect(again.status == 1 && again.stderr.contains("is not empty"), "\(again.stderr)")
        // The copy is the clinic's record: the program runs on it.
        let opened = try h.run(["--db", back, "--user", "nora", "-c", "patient open SCR-001", "-c", "status"], env: Harness.staff)
        #expect(opened.status == 0, "\(opened.stderr)")

        // The sandbox workflows, on a sandbox record of the server.
        let sandbox = try PostgresServer.shared.newRecord(sandbox: true)
        try h.sandboxWithStaff(sandbox)
        for name in ["batch-intake.clinic", "infusion-dose.clinic", "infusion-day.clinic"] {
            let r = try h.run(["--db", sandbox, "--user", "nora", workflow(name)], env: Harness.staff)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(!r.stderr.contains("SQLSTATE"), "\(name): \(r.stderr)")
            if name == "batch-intake.clinic" { #expect(r.stdout.contains("212 rows: 208 done, 4 failed: rows 17, 88, 151, 203 (see above)")) }
        }
        #expect(try h.run(["audit", "verify", "--db", sandbox]).status == 0)
        // A sandbox is copied only into a record its owner made a sandbox.
        let mismatch = try h.run(["db", "copy", "--from", sandbox, "--to", try PostgresServer.shared.newRecord()])
        #expect(mismatch.status == 1 && mismatch.stderr.contains("was made live by its owner") && mismatch.stderr.contains("with --sandbox"),
                "\(mismatch.stdout)\(mismatch.stderr)")

        // A session recorded on the server replays into a file and compares with the server's record.
        let recorded = try PostgresServer.shared.newRecord(sandbox: true)
        let recording = h.folder.appendingPathComponent("session.clinic").path
        let made = try h.run(["--sandbox", "--db", recorded, "--user", "admin", "--record", recording, "-c", "user add nora --role nurse", "-c", "user add patel --role physician"],
                             env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "staff-pass1"])
        #expect(made.status == 0, "\(made.stderr)")
        let replayed = h.folder.appendingPathComponent("replayed.sqlite").path
        let replay = try h.run(["--sandbox", "--db", h.folder.appendingPathComponent("scratch.sqlite").path, "--user", "admin",
                                "-c", "replay \(recording) --into \(replayed) --verify \(recorded)"], env: ["CLINIC_PASSWORD": "admin-pass1"])
        #expect(replay.status == 0 && replay.stdout.contains(": identical: "), "\(replay.stdout)\(replay.stderr)")
        // A replay is made into a file, never into a record on the server.
        let intoServer = try h.run(["--sandbox", "--db", h.folder.appendingPathComponent("scratch.sqlite").path, "--user", "admin",
                                    "-c", "replay \(recording) --into \(try PostgresServer.shared.newRecord(sandbox: true))"], env: ["CLINIC_PASSWORD": "admin-pass1"])
        #expect(intoServer.status == 1 && intoServer.stderr.contains("a replay is made into a new file, not into a record on a server"),
                "\(intoServer.stdout)\(intoServer.stderr)")
    }

    /// A server that asks for a password none of ~/.pgpass holds: at a terminal the program asks
    /// for it (it is echoed nowhere and kept nowhere); without one, it says where to put it.
    @Test func theServersPasswordIsAskedAtTheTerminal() throws {
        let server = try PostgresServer()
        let address = try server.newRecord()
        try server.psql("ALTER ROLE \(PostgresServer.program) PASSWORD 'app-secret-1'")
        let hba = server.folder.appendingPathComponent("data/pg_hba.conf")
        try ("local all \(PostgresServer.program) scram-sha-256\n" + String(contentsOf: hba, encoding: .utf8)).write(to: hba, atomically: false, encoding: .utf8)
        try server.program("pg_ctl", ["-D", server.folder.appendingPathComponent("data").path, "reload"])
        usleep(300_000)
        let h = try Harness()
        let piped = try h.run(["--db", address, "-c", "status"])
        #expect(piped.status == 1 && piped.stderr.contains("asks for a password and none is in ~/.pgpass"), "\(piped.stderr)")
        let t = ShellTests.Terminal(h)
        defer { _ = try? t.tmux(["kill-server"]) }
        try t.start(["--db", address], env: [:], ready: "password for the PostgreSQL server \(PostgresServer.program)@")
        try t.keys("app-secret-1", "Enter")
        try t.waitFor("administrator name: ")
        #expect(try !t.screen().contains("app-secret-1"))
        #expect(!((try? String(contentsOfFile: h.history, encoding: .utf8)) ?? "").contains("app-secret-1"))
    }

    /// On a server the schema's owner unlocks an account as a file's owner does; the program's
    /// own role may not.
    @Test func theSchemasOwnerUnlocksAnAccount() throws {
        let h = try Harness(onServer: true)
        try h.provision()
        try h.lockOutNora()
        let refused = try h.run(["admin", "unlock", "nora"])
        #expect(refused.status == 1 && refused.stderr.contains("admin unlock on a server is for the schema's owner"), "\(refused.stdout)\(refused.stderr)")
        let owner = h.database.replacingOccurrences(of: "user=\(PostgresServer.program)", with: "user=\(PostgresServer.owner)")
        let unlocked = try h.run(["admin", "unlock", "nora", "--db", owner])
        #expect(unlocked.status == 0 && unlocked.stdout.contains("nora unlocked by the owner of"), "\(unlocked.stdout)\(unlocked.stderr)")
        #expect(try h.run(["--user", "nora", "-c", "whoami"], env: Harness.nurse).status == 0)
        #expect(try h.run(["audit", "verify"]).status == 0)
    }

    /// A command waiting for another workstation at the terminal: Ctrl-C stops the wait, and what
    /// was typed meanwhile (for a patient who was not opened) is not run.
    @Test func ctrlCStopsAWaitAndWhatWasTypedAheadIsNotRun() throws {
        let h = try Harness(onServer: true, sandbox: true)
        try h.sandboxWithStaff()
        for (mrn, name) in [("A-1", "Ana Lima"), ("B-2", "Ben Okafor")] {
            let r = try h.run(["--user", "nora", "-c", "patient new --name '\(name)' --dob 1981-02-11 --sex F --mrn \(mrn)", "-c", "visit start --kind consult"], env: Harness.staff)
            try #require(r.status == 0, "\(r.stderr)")
        }
        let t = ShellTests.Terminal(h)
        defer { _ = try? t.tmux(["kill-server"]) }
        try t.start(["--user", "nora"], env: Harness.staff, ready: "nora (nurse)> ")
        try t.keys("patient open A-1", "Enter")
        try t.waitFor("[consult]> ")
        // Another session holds the record's write lock.
        let holder = try PostgresConnection(address: PostgresServer.shared.address(h.serverDatabase))
        _ = try holder.simpleQuery("SELECT pg_advisory_lock(109317276461411)")
        try t.keys("patient open B-2", "Enter")
        try t.waitFor("waiting for another workstation")
        try t.keys("intake weight 55kg", "Enter")
        try t.keys("C-c")
        // Ctrl-C at a terminal also drops what was typed ahead (the terminal's own rule); a wait
        // that ends otherwise drops it too, and says so.
        try t.waitFor("stopped while waiting for another workstation; nothing was recorded")
        _ = try holder.simpleQuery("SELECT pg_advisory_unlock(109317276461411)")
        try t.keys("status", "Enter")
        try t.waitFor("A-1")
        #expect(try h.sql("SELECT count(*) FROM records WHERE module = 'intake'") == ["0"], "the weight typed ahead was not recorded for A-1")
        #expect(try !t.screen().contains("recorded weight"))
    }

    /// The schema's owner can step around the program's role: a change made that way (a trigger
    /// disabled, an entry edited) is found by audit verify, as a change to SQLite's file is.
    @Test func aChangeByTheSchemasOwnerIsFound() throws {
        let h = try Harness(onServer: true, sandbox: true)
        try h.sandboxWithStaff()
        let r = try h.run(["--user", "nora", "-c", "patient new --name 'Ana Lima' --dob 1981-02-11 --sex F --mrn A-1", "-c", "visit start --kind consult", "-c", "intake weight 70kg"], env: Harness.staff)
        #expect(r.status == 0, "\(r.stderr)")
        _ = try h.sql("ALTER TABLE records DISABLE TRIGGER records_append_only; UPDATE records SET payload = replace(payload, '70', '50') WHERE module = 'intake'")
        let verify = try h.run(["audit", "verify"])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        let said = verify.stdout + verify.stderr
        #expect(said.contains("its content does not match its hash: it was changed"), "\(said)")
        #expect(said.contains("its trigger records_append_only was changed"), "\(said)")
    }
}
}
