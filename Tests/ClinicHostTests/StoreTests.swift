import ClinicKit
import Foundation
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import Testing

@Suite struct StoreTests {
    /// A store with one patient and three chained records, on disk or in memory.
    func makeStore(_ path: String) throws -> (SQLStore, PatientInfo) {
        let now = Timestamp.date("2026-11-24T09:00:00.000Z")!
        let store = try SQLStore(path: path, now: now)
        let staff = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "x", at: now, by: nil)
        let p = try store.addPatient(mrn: "BAR-001", name: "Zoë", dob: "1979-03-02", sex: .female, at: now, by: staff.id)
        for i in 1...3 {
            _ = try store.appendRecord(patientID: p.id, visitID: nil, module: "intake", kind: "intake", payload: ["n": .int(i)],
                                       effectiveAt: now, recordedAt: now, staffID: staff.id, protocolVersion: nil, protocolSHA256: nil, amends: nil)
        }
        return (store, p)
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("clinic-test-\(UUID().uuidString).sqlite").path
    }

    @Test(arguments: [":memory:", temporaryPath()])
    func triggersRefuseUpdateAndDelete(_ path: String) throws {
        let (store, p) = try makeStore(path)
        _ = try store.startVisit(patientID: p.id, kind: "infusion", at: Date(), by: 1)
        for sql in ["UPDATE records SET payload = '{}' WHERE id = 1", "DELETE FROM records WHERE id = 2",
                    "UPDATE patients SET name = 'X'", "DELETE FROM patients", "DELETE FROM visits"] {
            #expect(throws: DatabaseError.self, "\(sql) must be refused") { try store.db.execute(sql) }
        }
        try store.appendJournal(JournalEntry(session: "s", staffID: 1, at: Date(), source: "t", command: "c", outcome: "ok", message: "", patientID: nil, visitID: nil))
        #expect(throws: DatabaseError.self) { try store.db.execute("UPDATE journal SET command = 'x'") }
        #expect(throws: DatabaseError.self) { try store.db.execute("DELETE FROM journal") }
        #expect(try store.recordCount() == 3)
    }

    @Test func fileIsPrivate() throws {
        let path = Self.temporaryPath()
        _ = try makeStore(path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func visitEndsOnlyOnce() throws {
        let (store, p) = try makeStore(":memory:")
        let now = Date()
        let v = try store.startVisit(patientID: p.id, kind: "infusion", at: now, by: 1)
        try store.endVisit(id: v.id, at: now, by: 1)
        #expect(throws: DatabaseError.self) { try store.endVisit(id: v.id, at: now, by: 1) }
        #expect(throws: DatabaseError.self) { try store.db.execute("UPDATE visits SET kind = 'consult'") }
    }

    @Test func chainLinksAndDetectsTampering() throws {
        let (store, _) = try makeStore(":memory:")
        let rows = try store.db.query("SELECT prev_hash, hash FROM records ORDER BY id")
        #expect(rows[0][0].text == HashChain.genesis)
        #expect(rows[1][0].text == rows[0][1].text)
        #expect(rows[2][0].text == rows[1][1].text)
        #expect(try store.verifyRecords().firstBreak == nil)

        // Behind the program's back: drop the guard and change one payload.
        try store.db.execute("DROP TRIGGER records_append_only_update")
        try store.db.execute("UPDATE records SET payload = '{\"n\":9}' WHERE id = 2")
        let check = try store.verifyRecords()
        #expect(check.firstBreak?.id == 2)
        #expect(check.firstBreak?.reason.contains("changed") == true)
    }

    /// Inside one transaction the store remembers where each chain ends; a rolled-back savepoint
    /// must make it forget, or the next entry would chain to one that no longer exists.
    @Test func chainsStayLinkedAcrossSavepointsThatRollBack() throws {
        let (store, p) = try makeStore(":memory:")
        let now = Timestamp.date("2026-11-24T09:00:00.000Z")!
        func record(_ n: Int) throws {
            _ = try store.appendRecord(patientID: p.id, visitID: nil, module: "intake", kind: "intake", payload: ["n": .int(n)],
                                       effectiveAt: now, recordedAt: now, staffID: 1, protocolVersion: nil, protocolSHA256: nil, amends: nil)
            try store.appendJournal(JournalEntry(session: "s", staffID: 1, at: now, source: "t", command: "c\(n)", outcome: "ok",
                                                 message: "", patientID: p.id, visitID: nil))
        }
        struct Undo: Error {}
        try store.transaction {
            try record(4)
            _ = try? store.transaction { () throws -> Void in
                try record(5)
                throw Undo()
            }
            try record(6)
            try store.transaction { try record(7) }
        }
        try record(8)
        #expect(try store.db.query("SELECT json_extract(payload, '$.n') FROM records ORDER BY id").map { $0[0] }
                == [1, 2, 3, 4, 6, 7, 8].map { SQLValue.int($0) })
        #expect(try store.verifyRecords().firstBreak == nil)
        #expect(try store.verifyJournal().firstBreak == nil)
        #expect(try store.verifyJournal().count == 4)
    }

    @Test func chainDetectsDeletion() throws {
        let (store, _) = try makeStore(":memory:")
        try store.db.execute("DROP TRIGGER records_append_only_delete")
        try store.db.execute("DELETE FROM records WHERE id = 2")
        #expect(try store.verifyRecords().firstBreak?.id == 3)
    }

    @Test func migrationsAreRecordedAndNewerSchemaRefused() throws {
        let path = Self.temporaryPath()
        _ = try makeStore(path)
        let reopened = try SQLStore(path: path, now: Date())
        #expect(try reopened.db.query("SELECT version, name FROM schema_migrations").count == Schema.migrations.count)
        try reopened.db.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
        #expect(throws: StoreError.newerSchema(found: 999, supported: Schema.latestVersion)) { try SQLStore(path: path, now: Date()) }
    }

    @Test func timestampsRoundTrip() {
        let d = Timestamp.truncated(Date(timeIntervalSince1970: 1_795_000_000.123_9))
        #expect(Timestamp.string(d) == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.date(Timestamp.string(d)) == d)
        #expect(Timestamp.date("2026-11-18 08:26:40") == nil)
    }

    @Test func passwordsAreSaltedAndVerified() throws {
        let a = try Passwords.hash("correct horse")
        let b = try Passwords.hash("correct horse")
        #expect(a != b)
        #expect(a.hasPrefix("scrypt$32768$8$1$"))
        #expect(Passwords.verify("correct horse", against: a))
        #expect(!Passwords.verify("correct hors", against: a))
        #expect(!Passwords.verify("x", against: "garbage"))
    }

    /// A copy its owner may not write (a backup, 0444) stays one: only the others' permissions go
    /// (0400), it is opened read-only even by root, and nothing is written to it.
    @Test func aReadOnlyCopyIsNotWritten() throws {
        let path = Self.temporaryPath()
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        }
        #expect(chmod(path, 0o444) == 0)
        let copy = try Database(path: path)
        #expect(copy.tightened?.was == 0o444 && copy.tightened?.now == 0o400)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o400)
        #expect(throws: (any Error).self) { try copy.execute("INSERT INTO t VALUES (2)") }
        #expect(try copy.query("SELECT count(*) FROM t").first?.first?.int == 1)
    }
}
