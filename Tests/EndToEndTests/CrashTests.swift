import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Testing

/// Power cuts: a long scripted batch killed with SIGKILL at random points. Each time the database
/// must pass SQLite's integrity check and `audit verify`, and every CSV row must be in it whole
/// (committed) or not at all; running the batch again finishes the rest. A file's: on a server
/// the server keeps or rolls back a killed program's transaction (PostgresFailureTests).
extension EndToEnd {
@Suite struct CrashTests {
    @Test func aBatchKilledAtRandomLeavesWholeRowsAndIntactChains() throws {
        let h = try Harness(onServer: false)
        let workflows = Harness.repository.appendingPathComponent("Workflows")
        let staffed = h.folder.appendingPathComponent("staffed.sqlite").path
        try h.sandboxWithStaff(staffed)
        // Each CSV row is its own transaction (a script file as a whole would be one).
        func rows(_ db: String) -> [String] {
            ["--db", db, "--user", "nora", "--csv", workflows.appendingPathComponent("data/patients.csv").path,
             workflows.appendingPathComponent("intake-row.clinic").path]
        }
        var generator = SystemRandomNumberGenerator()
        var survived = 0, partlyDone = 0
        for round in 1...20 {
            let db = h.folder.appendingPathComponent("kill-\(round).sqlite").path
            _ = try h.sql(".backup '\(db)'", in: staffed)
            let batch = Process()
            batch.executableURL = URL(fileURLWithPath: Harness.clinic)
            batch.arguments = rows(db)
            batch.environment = h.environment(["CLINIC_PASSWORD": "staff-pass1"])
            batch.standardOutput = FileHandle.nullDevice
            batch.standardError = FileHandle.nullDevice
            try batch.run()
            // Signing in (scrypt) comes first; kill at a random point once rows are being written,
            // and now and then before.
            if round % 4 != 0 {
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline, batch.isRunning, (Int(try h.sql("SELECT count(*) FROM patients", in: db).first ?? "") ?? 0) == 0 {
                    usleep(5_000)
                }
            }
            usleep(UInt32.random(in: 1_000...250_000, using: &generator))
            kill(batch.processIdentifier, SIGKILL)
            batch.waitUntilExit()

            #expect(try h.sql("PRAGMA integrity_check", in: db) == ["ok"], "round \(round)")
            let verify = try h.run(["--db", db, "--user", "nora", "-c", "audit verify"], env: ["CLINIC_PASSWORD": "staff-pass1"])
            #expect(verify.status == 0, "round \(round): \(verify.stderr)")
            // A row is a patient, a visit started and ended, and an intake: all four or none.
            #expect(try h.sql("SELECT count(*) FROM (SELECT patient_id FROM records GROUP BY patient_id HAVING count(*) != 4) AS t", in: db) == ["0"],
                    "round \(round): a row is in the record in part")
            #expect(try h.sql("SELECT count(*) FROM visits WHERE ended_at IS NULL", in: db) == ["0"], "round \(round)")
            let done = Int(try h.sql("SELECT count(*) FROM patients", in: db).first ?? "") ?? -1
            if done > 0 && done < 208 { partlyDone += 1 }
            survived += 1
            if round % 5 == 0 {
                // Running the batch again does the rest; the rows already in are refused as duplicates.
                _ = try h.run(rows(db), env: ["CLINIC_PASSWORD": "staff-pass1"])
                #expect(try h.sql("SELECT count(*) FROM patients", in: db) == ["208"], "round \(round): the rerun finishes the batch")
                #expect(try h.run(["--db", db, "--user", "nora", "-c", "audit verify"], env: ["CLINIC_PASSWORD": "staff-pass1"]).status == 0)
            }
        }
        print("SIGKILL: \(survived) of 20 kills survived, \(partlyDone) of them in the middle of the batch")
        #expect(survived == 20)
        #expect(partlyDone >= 5, "too few kills landed mid-batch to mean anything")
    }

    /// The shipped batch script runs its CSV from inside a script: the rows still commit one by one,
    /// so a kill keeps every row done (it once nested them all in the script's one transaction).
    @Test func aBatchScriptKilledKeepsTheRowsDone() throws {
        let h = try Harness(onServer: false)
        let staffed = h.folder.appendingPathComponent("staffed.sqlite").path
        try h.sandboxWithStaff(staffed)
        var kept = 0
        for round in 1...5 {
            let db = h.folder.appendingPathComponent("batch-\(round).sqlite").path
            _ = try h.sql(".backup '\(db)'", in: staffed)
            let batch = Process()
            batch.executableURL = URL(fileURLWithPath: Harness.clinic)
            batch.arguments = ["--db", db, "--user", "nora", Harness.repository.appendingPathComponent("Workflows/batch-intake.clinic").path]
            batch.environment = h.environment(["CLINIC_PASSWORD": "staff-pass1"])
            batch.standardOutput = FileHandle.nullDevice
            batch.standardError = FileHandle.nullDevice
            try batch.run()
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, batch.isRunning, (Int(try h.sql("SELECT count(*) FROM patients", in: db).first ?? "") ?? 0) < 20 {
                usleep(2_000)
            }
            // Rows seen by another reader while the batch still runs were committed on their own.
            let running = batch.isRunning
            kill(batch.processIdentifier, SIGKILL)
            batch.waitUntilExit()
            let done = Int(try h.sql("SELECT count(*) FROM patients", in: db).first ?? "") ?? 0
            if running && done >= 20 && done < 208 { kept += 1 }
            #expect(try h.sql("SELECT count(*) FROM (SELECT patient_id FROM records GROUP BY patient_id HAVING count(*) != 4) AS t", in: db) == ["0"])
            #expect(try h.run(["audit", "verify", "--db", db]).status == 0, "round \(round)")
        }
        #expect(kept >= 3, "the kills landed mid-batch kept the rows committed before them (\(kept) of 5)")
    }
}
}
