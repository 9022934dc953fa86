import ClinicEngine
import ClinicKit
import ClinicStorage
import Foundation

/// Turns command-journal lines into a `.clinic` script that replays them: the command lines as the
/// journal keeps them (canonical, with the answers typed at prompts), a `clock set` before each
/// one that reproduces its time, and the lines a fresh database needs first:
///
/// - `replay-account NAME ROLES` for a member of staff the script uses but does not create (no
///   password: replay signs in without one, and only in a replay);
/// - `login NAME` and `patient open MRN` wherever the journal's session had them (or another
///   session's lines come in between);
/// - the earlier history of each patient the script touches but did not register, so that the
///   facts a command waits for are there.
///
/// Failed and cancelled lines become comments; they wrote nothing. Passwords never reach the journal,
/// so they never reach a recording.
struct ScriptWriter {
    let store: any RecordStore
    let catalog: CommandCatalog
    let calendar: Calendar
    /// Staff by id, read again when a line names someone added since.
    private var staff: [Int64: StaffInfo]
    /// What the replaying session will have: signed in, open patient, clock.
    private var signedIn: Int64?
    private var openPatient: Int64?
    private var clock: Date?
    private var accounts: Set<Int64> = []
    private var patients: Set<Int64> = []
    private var written: Set<Int64> = []
    private var mrns: [Int64: String] = [:]

    init(store: any RecordStore, catalog: CommandCatalog, calendar: Calendar) throws {
        self.store = store
        self.catalog = catalog
        self.calendar = calendar
        staff = try store.staffByID()
    }

    /// The opening comment of a recording.
    static func header(source: String, sandbox: Bool, scope: String, now: Date) -> [String] {
        [
            "# clinic recording: \(scope)",
            "# from \(source)\(sandbox ? " (a sandbox)" : "") · written \(Timestamp.string(now))",
            "# Replay it into a new sandbox database, and compare with the original:",
            "#   clinic -c 'replay THIS-FILE --into NEW.sqlite --verify \(source)'",
            "# Accounts are made without passwords and sign in only during a replay.",
            "",
        ]
    }

    /// The script lines for `rows` (in journal order), splicing in earlier history as needed.
    mutating func lines(for rows: [JournalRow]) throws -> [String] {
        var out: [String] = []
        for row in rows { try write(row, into: &out) }
        return out
    }

    private mutating func write(_ row: JournalRow, into out: inout [String]) throws {
        guard written.insert(row.id).inserted else { return }
        let words = (try? Tokenizer.words(row.command)) ?? []
        let first = words.first?.lowercased() ?? ""
        // What the catalog says is about the session, not the record, is not replayed: the clock
        // (each line's time comes from the journal), recording, replay, leaving, and what writes
        // files from the record (export, report: a replay that wrote them again would leave copies
        // of a patient's record about); nor are the script's own directives.
        if case .found(let entry, _) = catalog.resolve(words), !entry.isReplayed || entry.isDirective { return }
        guard row.outcome == "ok" else {
            let text = "\(row.command) → \(row.outcome): \(row.message)".replacingOccurrences(of: "\n", with: " ")
            out.append("# \(ClinicTime.format(row.at, calendar: calendar)) not replayed: \(text)")
            return
        }
        // A patient the script has not registered: first their earlier history.
        if let p = row.patientID, !patients.contains(p) {
            patients.insert(p)
            let isRegistration = words.prefix(2).map { $0.lowercased() } == ["patient", "new"]
            if !isRegistration {
                let earlier = try store.journal(before: row.id, patientID: p).filter { !written.contains($0.id) && $0.outcome == "ok" }
                if !earlier.isEmpty {
                    out.append("# earlier history of \(try mrn(p)), for the facts later lines rely on")
                    for e in earlier { try write(e, into: &out) }
                    out.append("# (end of earlier history)")
                }
            }
        }
        if clock != row.at {
            out.append("clock set \(Timestamp.string(row.at))")
            clock = row.at
        }
        if row.source == "first-run" {
            // The first administrator of the database, made before anyone could sign in.
            if let id = row.staffID { account(id, into: &out, create: true, at: row.at) }
            signedIn = nil
            if let id = row.staffID { signIn(id, into: &out, at: row.at) }
            return
        }
        let entry: CatalogEntry? = if case .found(let e, _) = catalog.resolve(words) { e } else { nil }
        let name = entry?.name ?? first
        switch name {
        case "login":
            if let id = row.staffID { signIn(id, into: &out, at: row.at) }
            return
        case "logout":
            if signedIn != row.staffID { return }
            out.append("logout")
            signedIn = nil
            openPatient = nil
            return
        case "user add":
            if let user = words.dropFirst(2).first, let id = try store.account(user.lowercased())?.info.id {
                accounts.insert(id)
            }
        case "user roles", "user password", "user unlock":
            // The member of staff it changes must be in the replay too.
            if let user = words.dropFirst(2).first(where: { !$0.hasPrefix("-") && !$0.contains("=") }),
               let id = try store.account(user.lowercased())?.info.id {
                account(id, into: &out, create: false, at: row.at)
            }
        default: break
        }
        if let entry, !entry.isOpen {
            // Who ran it: the journal names them on every line that needs someone signed in.
            if let id = row.staffID, signedIn != id { signIn(id, into: &out, at: row.at) }
        }
        var line = row.command
        if name == "patient open", let p = row.patientID {
            line = "patient open \(try mrn(p))"  // ids differ in a database that holds other patients
        } else if entry?.spec.needsPatient == true, let p = row.patientID, openPatient != p {
            out.append("patient open \(try mrn(p))")
        }
        out.append(line)
        if name == "patient new" || name == "patient open" { openPatient = row.patientID }
    }

    private mutating func member(_ id: Int64) -> StaffInfo? {
        if staff[id] == nil, let all = try? store.staffByID() { staff = all }
        return staff[id]
    }

    private mutating func signIn(_ id: Int64, into out: inout [String], at: Date) {
        guard let who = member(id) else { return }
        account(id, into: &out, create: false, at: at)
        if signedIn != id {
            out.append("login \(who.username)")
            signedIn = id
            openPatient = nil
        }
    }

    /// `replay-account NAME ROLES` the first time an account is needed, unless the script made it.
    /// With the roles they had at `at` (an administrator may have changed them since).
    private mutating func account(_ id: Int64, into out: inout [String], create: Bool, at: Date) {
        guard let who = member(id), accounts.insert(id).inserted || create else { return }
        let roles = (try? store.roles(of: who.username, at: at)) ?? who.roles
        out.append("replay-account \(who.username) \(StaffRoles.text(roles))")
    }

    private mutating func mrn(_ id: Int64) throws -> String {
        if let m = mrns[id] { return m }
        guard let p = try store.patient(id: id) else { throw StoreError.corruptRow("journal patient \(id)") }
        mrns[id] = p.mrn
        return p.mrn
    }
}
