import Foundation
import Testing

/// What the owner of the database file does without signing in: unlock an account every
/// administrator is locked out of, chained in the access log and journalled.
extension EndToEnd {
@Suite struct OwnerCommandTests {
    @Test func theFilesOwnerUnlocksAnAccount() throws {
        let h = try Harness()
        try h.provision()
        for _ in 1...5 { #expect(try h.run(["--user", "nora", "-c", "whoami"], env: ["CLINIC_PASSWORD": "wrong-pass9"]).status == 1) }
        #expect(try h.run(["--user", "nora", "-c", "whoami"], env: Harness.nurse).stderr.contains("is locked after 5 wrong passwords"))
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
}
}
