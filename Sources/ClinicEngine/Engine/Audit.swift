import ClinicKit
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `audit verify`: walks every hash chain (the clinical record, the command journal, the protocols
/// adopted, the access log and the clinic's own changes) from its first entry, rebuilds the tables
/// outside the chains (staff, patients, visits, the database's mode) from them and compares row by
/// row, and checks that a live record's times never go backwards. With a head noted earlier
/// (`audit head`, or the anchors file), it also tells entries cut from the end and a consistent
/// rewrite of what the head covered. Reports OK with each chain's count and head, or every problem.
package enum Audit {
    /// Verifies the session's record, and with its modules what falls due for each patient.
    package static func verify(heads: [String], anchors: String?, in session: Session) throws -> CommandOutput {
        var out = try verify(session.store, heads: heads, anchors: anchors, alsoFound: DueProjection.differences(in: session))
        out.line(try DueProjection.isCurrent(in: session) ? "what falls due: every patient's items match their record"
                 : "what falls due: worked out under other modules or another protocol; the worklist (or db rebuild) works them out again")
        return out
    }

    /// Verifies `store`, which may be open to read only (a backup); `alsoFound` are problems
    /// found already.
    package static func verify(_ store: any RecordStore, heads: [String], anchors: String?, alsoFound: [String] = []) throws -> CommandOutput {
        var out = CommandOutput()
        var problems = alsoFound
        let checks = [(try store.verifyRecords(), "record"), (try store.verifyJournal(), "journal"), (try store.verifyProtocols(), "protocols"),
                      (try store.verifyAccess(), "access"), (try store.verifyChanges(), "changes")]
        for (check, name) in checks {
            guard let broken = check.firstBreak else {
                out.line("\(name): \(check.count) \(check.count == 1 ? "entry" : "entries"), hash chain intact")
                continue
            }
            let origin = ["records", "journal"].contains(check.table) ? try store.entryOrigin(table: check.table, id: broken.id).map { " (written \($0.at) by \($0.staff))" } ?? "" : ""
            problems.append("\(name) entry #\(broken.id)\(origin): \(broken.reason)")
        }
        problems += try store.projectionDifferences()
        problems += try protocolTextProblems(store)
        problems += try store.timesGoingBackwards()
        for head in heads {
            if let problem = try check(head: head, in: store) { problems.append(problem) }
        }
        var anchored = 0
        if let anchors {
            let (count, found) = try check(anchorsAt: anchors, in: store)
            anchored = count
            problems += found
        }
        if problems.isEmpty {
            out.line("staff, patients, visits and the database's mode: every row matches the chain")
            out.line("head \(try head(of: store))")
            let noted = heads.count + anchored
            out.line("OK: nothing was changed, removed or inserted behind the program's back"
                     + (noted == 0 ? "; write the head down (audit head): audit verify --head HEAD later also tells entries cut from the end"
                        : "; the \(noted == 1 ? "head" : "\(noted) heads") noted earlier still hold"))
            return out
        }
        throw CommandError("audit verify FAILED: " + problems.joined(separator: "; "),
                           hint: "keep this database as it is and tell the clinic's data protection officer; restore from the last verified backup")
    }

    /// Each protocol text the record keeps is bound to its adoption (its text and documents hash to
    /// the sha256 the chain names) and its form is what the text reads as: a start runs under it.
    static func protocolTextProblems(_ store: any RecordStore) throws -> [String] {
        let kept: [ProtocolText]
        do { kept = try store.protocolTexts() } catch StoreError.corruptRow {
            return ["a protocol text the record keeps cannot be read; the protocol adopted is then read from its file"]
        }
        // An adoption of a protocol file keeps its text with it: one without was deleted.
        let missing = try store.adoptionsWithoutText().map { adoption in
            "protocol adoption #\(adoption.id) (\(adoption.sha256.prefix(12))…) keeps no text of the protocol adopted: it was deleted"
        }
        return missing + kept.compactMap { kept in
            let name = "the text kept of protocol \(kept.sha256.prefix(12))…"
            let documents = kept.documents.mapValues { ProtocolDocument(version: "", text: $0, sha256: HashChain.sha256($0)) }
            guard ProtocolLoader.contentHash(kept.text, documents: documents) == kept.sha256 else {
                return "\(name) is not the text adopted: its content hash differs"
            }
            guard let form = try? ProtocolForm(yaml: kept.text, name: (kept.path as NSString).lastPathComponent), form.value == kept.form else {
                return "\(name): its form is not what its text reads as"
            }
            return nil
        }
    }

    // MARK: - Heads

    /// The current head of every chain in one line to write down or send elsewhere:
    /// `r1204.j5310.p2.a88.c9.` and 32 hex digits of a SHA-256 over each chain's length and last
    /// hash. Any later state of the same record still gives it back for those lengths.
    package static func head(of store: any RecordStore) throws -> String {
        var lengths: [(String, Int64)] = []
        for table in headChains { lengths.append((table.name, try store.chainLength(table.name))) }
        return try head(lengths, in: store) ?? ""
    }

    /// The chains a head covers, each with its letter.
    private static let headChains: [(name: String, letter: Character)] = HashChain.tables.map { ($0, $0.first ?? "?") }

    private static func head(_ lengths: [(String, Int64)], in store: any RecordStore) throws -> String? {
        var text = ""
        var label: [String] = []
        for (table, length) in lengths {
            guard let hash = try store.chainHash(table, at: length) else { return nil }
            text += "\(table):\(length):\(hash)\n"
            label.append("\(headChains.first { $0.name == table }!.letter)\(length)")
        }
        return label.joined(separator: ".") + "." + HashChain.sha256(text).prefix(32)
    }

    /// Appends the record's head to the protocol's anchors file (`clinic.anchor_file`), when it
    /// names one: a line `TIME HEAD WHERE`. Returns a warning when it cannot be written.
    package static func anchor(_ session: Session, where place: String) -> String? {
        guard let path = try? session.clinicProtocol.settings.text(HostSettings.anchorFile), !path.isEmpty else { return nil }
        do {
            let line = "\(Timestamp.string(session.clock.now())) \(try head(of: session.store)) \(place)\n"
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return "warning: the record's head could not be added to \(path) (\(String(cString: strerror(errno)))); audit head prints it" }
            defer { close(fd) }
            let written = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
            guard written == line.utf8.count else { return "warning: the record's head could not be added to \(path); audit head prints it" }
            return nil
        } catch {
            return "warning: the record's head could not be read for \(path): \(CommandError.reason(error))"
        }
    }

    /// What is wrong with a head noted earlier (`audit head`, or a chain's last hash as earlier
    /// versions printed it); `nil` when the record still gives it.
    static func check(head: String, in store: any RecordStore) throws -> String? {
        let parts = head.split(separator: ".").map(String.init)
        if parts.count == 1, head.count == 64, head.allSatisfy(\.isHexDigit) {
            for table in headChains.map(\.name) where try store.chainContains(table, hash: head.lowercased()) { return nil }
            return "the head \(head.prefix(12))… noted earlier is in no chain: entries were cut from the end, or it is another database"
        }
        guard parts.count == headChains.count + 1, parts.last!.count == 32, parts.last!.allSatisfy(\.isHexDigit) else {
            throw CommandError("'\(head)' is not a head as audit head prints it", hint: "copy the whole head: r12.j40.p1.a3.c2. and 32 hex digits")
        }
        var lengths: [(String, Int64)] = []
        for (part, chain) in zip(parts.dropLast(), headChains) {
            guard part.first == chain.letter, let n = Int64(part.dropFirst()), n >= 0 else {
                throw CommandError("'\(head)' is not a head as audit head prints it", hint: "copy the whole head: r12.j40.p1.a3.c2. and 32 hex digits")
            }
            lengths.append((chain.name, n))
        }
        for (table, length) in lengths where try store.chainLength(table) < length {
            return "the head \(head.prefix(24))… noted earlier counts \(length) \(table) entries, and only \(try store.chainLength(table)) are left: entries were cut from the end"
        }
        guard try Self.head(lengths, in: store) == head.lowercased() else {
            return "the head \(head.prefix(24))… noted earlier no longer matches: what it covered was rewritten (every hash recomputed), or it is another database"
        }
        return nil
    }

    /// Checks every head in an anchors file (lines `TIME HEAD WHERE`); returns how many there were
    /// and the first that fails.
    static func check(anchorsAt path: String, in store: any RecordStore) throws -> (Int, [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("cannot read the anchors file \(path)", hint: "give the file clinic.anchor_file names, or a copy of it")
        }
        var count = 0
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2, !line.hasPrefix("#") else { continue }
            count += 1
            // A line that is not a head is reported by its number only: never its text.
            let problem: String?
            do { problem = try check(head: words[1], in: store) } catch {
                return (count, ["\(path) line \(number + 1) is not an anchor (TIME HEAD WHERE)"])
            }
            if let problem { return (count, ["the anchor of \(words[0]) (\(path) line \(number + 1)): " + problem]) }
        }
        return (count, [])
    }
}

extension Audit {
    /// `audit log [--patient MRN] [--user NAME] [--since TIME]`: who did what, when, under which
    /// protocol version, each entry described by its module, with corrections beside what they correct.
    static func log(patient key: String?, user: String?, since text: String?, in session: Session) throws -> CommandOutput {
        var patientID: Int64?
        if let key {
            guard let p = try Patients.find(key, in: session.store) else { throw CommandError("no patient with MRN or #ID '\(key)'", hint: "type patient find NAME") }
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
                                 hint: original.module == "patient" ? "a registration is corrected with patient correct, e.g. patient correct dob=1981-02-11 --reason \"typed 1918\"" : "check the modules list")
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
