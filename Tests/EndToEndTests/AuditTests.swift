import Foundation
import Testing

/// Tampering with the database behind the program's back, with the sqlite3 tool and its triggers
/// dropped first: `audit verify` finds each change, removal and insertion, and says where.
extension EndToEnd {
@Suite struct AuditTests {
    static let triggers = ["patients_append_only_update", "patients_append_only_delete", "visits_end_once", "visits_append_only_delete",
                           "records_append_only_update", "records_append_only_delete", "journal_append_only_update", "journal_append_only_delete"]

    /// A copy of the clinic's database with `sql` run on it, triggers dropped; what audit verify says.
    func tampered(_ h: Harness, _ name: String, _ sql: String, head: String? = nil) throws -> Harness.Result {
        let copy = h.folder.appendingPathComponent("\(name).sqlite").path
        _ = try h.sql(".backup '\(copy)'")
        _ = try h.sql(Self.triggers.map { "DROP TRIGGER \($0);" }.joined() + sql, in: copy)
        return try h.run(["--db", copy, "--user", "nora", "-c", "audit verify" + (head.map { " --head \($0)" } ?? "")], env: Harness.nurse)
    }

    @Test func everyChangeRemovalAndInsertionIsFound() throws {
        let h = try Harness()
        try h.provision()
        let visit = try h.run(["--user", "nora", "-c", "patient new --name 'Ana Lima' --dob 1981-02-11 --sex F --mrn A-1", "-c", "visit start --kind infusion",
                               "-c", "intake weight 72kg", "-c", "intake weight 71kg", "-c", "visit end"], env: Harness.nurse)
        #expect(visit.status == 0, "\(visit.stderr)")
        let clean = try h.run(["--user", "nora", "-c", "audit verify"], env: Harness.nurse)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("record: 5 entries, hash chain intact; head "))
        #expect(clean.stdout.contains("OK: nothing was changed, removed or inserted behind the program's back"))
        let head = try #require(try h.sql("SELECT hash FROM records ORDER BY id DESC LIMIT 1").first)

        let cases: [(String, String, String)] = [
            ("changed", "UPDATE records SET payload = replace(payload, '72.0', '62.0') WHERE id = 3;",
             "record entry #3 (written "),
            ("deleted", "DELETE FROM records WHERE id = 2;",
             "record entry #3 (written "),
            ("inserted", "INSERT INTO records SELECT 6, patient_id, visit_id, module, kind, payload, effective_at, recorded_at, staff_id, protocol_version, amends, hash, 'f00d', protocol_sha256 FROM records WHERE id = 5;",
             "record entry #6 (written "),
            ("journal", "UPDATE journal SET command = 'intake weight 80kg' WHERE command = 'intake weight 72kg';",
             "journal entry #"),
            ("renamed", "UPDATE patients SET name = 'Someone Else';",
             "patient A-1: its name is 'Someone Else' but was registered as 'Ana Lima'"),
        ]
        for (name, sql, expected) in cases {
            let r = try tampered(h, name, sql)
            #expect(r.status == 1, "\(name): \(r.stdout)")
            #expect(r.stderr.contains("audit verify FAILED: ") && r.stderr.contains(expected), "\(name): \(r.stderr)")
        }
        #expect(try tampered(h, "changed2", "UPDATE records SET payload = replace(payload, '72.0', '62.0') WHERE id = 3;").stderr
                .contains("by nora): its content does not match its hash: it was changed"))
        #expect(try tampered(h, "deleted2", "DELETE FROM records WHERE id = 2;").stderr.contains("expected entry 2 here: an entry is missing or was inserted"))

        // Cutting entries off the end leaves an intact, shorter chain: the head noted earlier tells.
        let cut = try tampered(h, "cut", "DELETE FROM records WHERE id = 5;")
        #expect(cut.status == 0, "a shorter chain is still a chain")
        let told = try tampered(h, "cut2", "DELETE FROM records WHERE id = 5;", head: head)
        #expect(told.status == 1)
        #expect(told.stderr.contains("the head \(head.prefix(12))… noted earlier is in neither chain: entries were cut from the end"), "\(told.stderr)")
        #expect(try h.run(["--user", "nora", "-c", "audit verify --head \(head)"], env: Harness.nurse).status == 0)
    }
}
}
