import ClinicKit
import ClinicStorage
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
        for head in heads where try !store.chainContains("records", hash: head) && !store.chainContains("journal", hash: head)
            && !store.chainContains("protocols", hash: head) && !store.chainContains("access", hash: head) {
            problems.append("the head \(head.prefix(12))… noted earlier is in neither chain: entries were cut from the end, or it is another database")
        }
        for (check, name) in [(try store.verifyRecords(), "record"), (try store.verifyJournal(), "journal"), (try store.verifyProtocols(), "protocols"), (try store.verifyAccess(), "access")] {
            guard let broken = check.firstBreak else {
                out.line("\(name): \(check.count) entries, hash chain intact; head \(try store.chainHead(check.table))")
                continue
            }
            let origin = ["protocols", "access"].contains(check.table) ? "" : try store.entryOrigin(table: check.table, id: broken.id).map { " (written \($0.at) by \($0.staff))" } ?? ""
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
        throw CommandError("audit verify FAILED: " + problems.joined(separator: "; "),
                             hint: "keep this database as it is and tell the clinic's data protection officer; restore from the last verified backup")
    }
}

extension Audit {
    /// `audit log [--patient MRN] [--user NAME] [--since TIME]`: who did what, when, under which
    /// protocol version, each entry described by its module, with corrections beside what they correct.
    static func log(patient key: String?, user: String?, since text: String?, in session: Session) throws -> CommandOutput {
        var patientID: Int64?
        if let key {
            guard let p = try Patients.find(key, in: session.store) else { throw CommandError("no patient with MRN or id '\(key)'", hint: "type patient find NAME") }
            patientID = p.id
        }
        let user = user?.lowercased()
        if let user, try session.store.account(user) == nil { throw CommandError("there is no member of staff called \(user)", hint: "check the name") }
        var since: Date?
        if let text {
            guard let t = TimeText.parse(text, calendar: session.calendar, now: session.now) else {
                throw CommandError("'\(text)' is not a time", hint: "type e.g. --since 2026-11-24 or --since '2026-11-24 09:00'")
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
            var what = (modules[e.record.module] as? any SummarizingModule)?.summary(of: e.record)?.text ?? Timeline.plain(e.record)
            if let amends = e.record.amends { what = "corrects #\(amends): " + what }
            if !e.amendedBy.isEmpty { what += " · corrected by " + e.amendedBy.map { "#\($0)" }.joined(separator: ", ") }
            return ["\(e.record.id)", ClinicTime.format(e.record.recordedAt, calendar: session.calendar), e.record.staff, e.mrn,
                    "\(e.record.module) \(e.record.kind)", what]
        })
        return out
    }
}

extension Audit {
    /// A value as staff read it: `72 kg` for a quantity.
    static func shown(_ value: Value) -> String {
        if let number = value["value"]?.doubleValue, let unit = value["unit"]?.stringValue, value.objectValue?.count == 2 {
            return "\(FieldSpec.format(number)) \(unit)"
        }
        return value.typed
    }

    /// `amend ENTRY field=value … --reason TEXT`: a correction of one of the open patient's entries,
    /// worked out by the module that wrote it (which may refuse), kept as a new entry that amends it.
    static func amend(_ values: [String: Value], in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff else { throw CommandError("no patient is open", hint: "type patient open MRN") }
        let id = Int64(values["entry"]?.intValue ?? 0)
        guard let found = try session.store.entry(id: id), found.patientID == patient.id else {
            throw CommandError("#\(id) is not an entry of \(patient.mrn)'s record", hint: "visit timeline or audit log --patient \(patient.mrn) list them")
        }
        // A correction of a correction corrects the first entry.
        let originalID = found.record.amends ?? found.record.id
        guard let original = try session.store.entry(id: originalID)?.record else { throw CommandError("#\(originalID) is missing") }
        guard let module = session.plugins.loaded.first(where: { $0.name == original.module }) else {
            throw CommandError("#\(originalID) is a \(original.module) entry, which no loaded module corrects",
                                 hint: original.module == "patient" ? "a registration is not corrected here; tell an administrator" : "check the modules list")
        }
        let changes = (values["changes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        guard !changes.isEmpty else { throw CommandError("amend #\(id) names no field to correct", hint: "type e.g. amend \(id) weight=70kg --reason \"typed 72\"") }
        let reader = HostRecordReader(session: session, patient: patient)
        let current = HostRecordReader.corrected(try session.store.records(patientID: patient.id, module: original.module, kind: original.kind))
            .first { $0.id == originalID } ?? original
        guard let amending = module.module as? any AmendingModule else {
            throw CommandError("\(original.module) \(original.kind) entries are not corrected field by field",
                               hint: "record it again with the \(original.module) command; the first entry stays in the record")
        }
        let corrected = try ModuleCall.run(module, "correcting #\(originalID)") { try amending.amend(current, changes: changes, record: reader) }
        guard case .object(var payload) = corrected else { throw CommandError("module \(module.name) corrected #\(originalID) into something that is not a record") }
        let reason = values["reason"]?.stringValue ?? ""
        let alertsBefore = try FactEngine(session: session).alerts()
        payload["amendment"] = ["reason": .string(reason), "fields": .array(changes.keys.sorted().map(Value.string))]
        let now = session.now
        let newID = try session.store.appendRecord(patientID: patient.id, visitID: original.visitID, module: original.module, kind: original.kind,
                                                   payload: .object(payload), effectiveAt: original.effectiveAt, recordedAt: now, staffID: staff.id,
                                                   protocolVersion: session.clinicProtocol.settings.version, protocolSHA256: session.clinicProtocol.settings.sha256, amends: originalID)
        var out = CommandOutput.lines("corrected #\(originalID) (\(original.module) \(original.kind)) with #\(newID): \(reason)")
        let before = current.payload.objectValue ?? [:]
        // What staff would read: the values that changed, not a module's own structures.
        func isScalar(_ v: Value?) -> Bool {
            guard let v else { return true }
            if case .array = v { return false }
            if case .object = v { return !shown(v).hasPrefix("{") }  // a quantity reads as `72 kg`
            return true
        }
        for (key, value) in payload.sorted(by: { $0.key < $1.key }) where key != "amendment" && before[key] != value && isScalar(value) && isScalar(before[key]) {
            out.line("  \(key): \(before[key].map(shown) ?? "(none)") → \(shown(value))")
        }
        out.line("the first entry stays in the record; timelines, reports and audit log show both")
        // An alert the first entry raised that the corrected one does not is closed, for all to see.
        let alertsAfter = try FactEngine(session: session).alerts()
        for alert in alertsBefore where !alertsAfter.contains(alert) {
            out.line("alert closed by this correction (\(reason)): \(alert.text)")
        }
        if let entry = try Board.openPatient(in: session), entry.state == .paused, alertsBefore.count > alertsAfter.count {
            out.line("the infusion stays paused: a physician resumes it (dosing resume)")
        }
        return out
    }
}
