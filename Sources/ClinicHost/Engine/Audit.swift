import ClinicKit
import Foundation

/// `audit verify`: walks both hash chains (the clinical record and the command journal) from the
/// first entry, and checks the patients table against the registrations in the chain. Reports OK
/// with the counts and each chain's head hash, or the first entry that does not match: its number,
/// when and by whom it was written, and what is wrong.
enum Audit {
    static func verify(heads: [String], in session: Session) throws -> CommandOutput {
        let store = session.store
        var out = CommandOutput()
        var problems: [String] = []
        // A head noted at an earlier check must still be in its chain: a chain cannot show by itself
        // that entries were cut from its end.
        for head in heads where try !store.chainContains("records", hash: head) && !store.chainContains("journal", hash: head) {
            problems.append("the head \(head.prefix(12))… noted earlier is in neither chain: entries were cut from the end, or it is another database")
        }
        for (check, name) in [(try store.verifyRecords(), "record"), (try store.verifyJournal(), "journal")] {
            guard let broken = check.firstBreak else {
                out.line("\(name): \(check.count) entries, hash chain intact; head \(try store.chainHead(check.table))")
                continue
            }
            let origin = try store.entryOrigin(table: check.table, id: broken.id).map { " (written \($0.at) by \($0.staff))" } ?? ""
            problems.append("\(name) entry #\(broken.id)\(origin): \(broken.reason)")
        }
        for difference in try store.patientsDifferingFromTheirRegistration() {
            problems.append("patient \(difference.mrn): \(difference.problem)")
        }
        if problems.isEmpty {
            out.line("patients: every row matches its registration in the record")
            out.line("OK: nothing was changed, removed or inserted behind the program's back"
                     + (heads.isEmpty ? "; keep the heads: audit verify --head HASH later also tells entries cut from the end" : "; the heads noted earlier are still in their chains"))
            return out
        }
        throw CommandFailure("audit verify FAILED: " + problems.joined(separator: "; "),
                             hint: "keep this database as it is and tell the clinic's data protection officer; restore from the last verified backup")
    }
}
