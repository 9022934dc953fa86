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

extension Audit {
    /// `audit log [--patient MRN] [--user NAME] [--since TIME]`: who did what, when, under which
    /// protocol version, each entry described by its module, with corrections beside what they correct.
    static func log(patient key: String?, user: String?, since text: String?, in session: Session) throws -> CommandOutput {
        var patientID: Int64?
        if let key {
            guard let p = try Patients.find(key, in: session.store) else { throw CommandFailure("no patient with MRN or id '\(key)'", hint: "type patient find NAME") }
            patientID = p.id
        }
        let user = user?.lowercased()
        if let user, try session.store.account(user) == nil { throw CommandFailure("there is no member of staff called \(user)", hint: "check the name") }
        var since: Date?
        if let text {
            guard let t = TimeText.parse(text, calendar: session.calendar, now: session.now) else {
                throw CommandFailure("'\(text)' is not a time", hint: "type e.g. --since 2026-11-24 or --since '2026-11-24 09:00'")
            }
            since = t
        }
        let limit = 500
        let entries = try session.store.auditEntries(patientID: patientID, staff: user, since: since, limit: limit)
        var out = CommandOutput()
        guard !entries.isEmpty else { return .lines("no entries match") }
        if entries.count == limit { out.line("the latest \(limit) entries; narrow with --patient, --user or --since") }
        let modules = Dictionary(session.plugins.loaded.map { ($0.name, $0.module) }) { a, _ in a }
        out.table(["#", "recorded", "by", "patient", "entry", "what"], entries.map { e in
            var what = modules[e.record.module]?.summary(of: e.record)?.text ?? Timeline.plain(e.record)
            if let amends = e.record.amends { what = "corrects #\(amends): " + what }
            if !e.amendedBy.isEmpty { what += " · corrected by " + e.amendedBy.map { "#\($0)" }.joined(separator: ", ") }
            return ["\(e.record.id)", ClinicTime.format(e.record.recordedAt, calendar: session.calendar), e.record.staff, e.mrn,
                    "\(e.record.module) \(e.record.kind)", what]
        })
        return out
    }
}
