import Foundation
import Testing

/// What the owner of the database file does without signing in: unlock an account every
/// administrator is locked out of, chained in the access log and journalled.
extension EndToEnd {
@Suite struct OwnerCommandTests {
    /// (A file's owner; the schema's owner on a server: ServerTests.)
    @Test func theFilesOwnerUnlocksAnAccount() throws {
        let h = try Harness(onServer: false)
        try h.provision()
        try h.lockOutNora()
        let unlocked = try h.run(["admin", "unlock", "NORA"])
        #expect(unlocked.status == 0 && unlocked.stdout.contains("nora unlocked by the owner of"), "\(unlocked.stdout)\(unlocked.stderr)")
        #expect(try h.run(["--user", "nora", "-c", "whoami"], env: Harness.nurse).status == 0)
        #expect(try h.sql("SELECT count(*) FROM access WHERE username = 'nora' AND event = 'unlocked' AND source LIKE 'clinic admin unlock (file owner%'") == ["1"])
        #expect(try h.sql("SELECT command FROM journal WHERE command = 'admin unlock nora'") == ["admin unlock nora"])
        #expect(try h.run(["admin", "unlock", "nora"]).stdout.contains("nora was not locked"))
        let unknown = try h.run(["admin", "unlock", "nobody"])
        #expect(unknown.status == 1 && unknown.stderr.contains("there is no member of staff called nobody; check the spelling of the sign-in name"))
        #expect(try h.run(["audit", "verify"]).status == 0)
    }

    /// What falls due is a projection the program rewrites (on a server its role may delete the
    /// rows): `clinic audit verify`, which signs nobody in, works each patient's items out again
    /// with the modules, as the shell's does, and finds the table emptied behind the program's back.
    @Test(arguments: [false, true]) func theOwnersVerifyChecksWhatFallsDue(onServer: Bool) throws {
        let h = try Harness(onServer: onServer, sandbox: true)
        try h.sandboxWithStaff()
        let day = try h.run(["--user", "nora", Harness.repository.appendingPathComponent("Workflows/followup.clinic").path], env: Harness.staff)
        #expect(day.status == 0, "\(day.stderr)")
        let before = try h.run(["audit", "verify"])
        #expect(before.status == 0 && before.stdout.contains("what falls due: every patient's items match their record"), "\(before.stdout)\(before.stderr)")
        #expect(try h.sql("SELECT count(*) FROM due_items") != ["0"])
        _ = try h.sql("DELETE FROM due_items")
        let after = try h.run(["audit", "verify"])
        #expect(after.status == 1 && after.stderr.contains("what falls due for FU-001: ") && after.stderr.contains("0 in the table"),
                "\(after.stdout)\(after.stderr)")
    }
}
}
