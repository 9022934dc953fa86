import ClinicKit
import ClinicStorage
import Foundation

/// The record of the open patient, read-only: what a module works its facts out from.
package struct HostRecordReader: RecordReader, @unchecked Sendable {
    let session: Session
    package let patient: PatientInfo
    package let visit: VisitInfo?

    /// The patient's record with the session's open visit (the open patient's), or `visit`.
    package init(session: Session, patient: PatientInfo, visit: VisitInfo?? = nil) {
        self.session = session
        self.patient = patient
        self.visit = visit ?? session.visit
    }

    package var now: Date { session.now }
    package var calendar: Calendar { session.calendar }
    package var clinicProtocol: ClinicProtocol { session.clinicProtocol.settings }

    package func records(module: String?, kind: String?, visitOnly: Bool) throws -> [StoredRecord] {
        if (visitOnly && visit == nil) || patient.id == PatientInfo.nobody.id { return [] }
        let entries = try session.store.records(patientID: patient.id, module: module, kind: kind, visitID: visitOnly ? visit?.id : nil)
        // A walk of a long history is worth skipping: most patients' records correct nothing.
        return session.store.mayHoldCorrections(patientID: patient.id) ? Self.corrected(entries) : entries
    }

    /// Entries as modules read them: each corrected one under its own id with its latest
    /// correction's payload; the corrections themselves are not listed again.
    static func corrected(_ entries: [StoredRecord]) -> [StoredRecord] {
        guard entries.contains(where: { $0.amends != nil }) else { return entries }
        var latest: [Int64: StoredRecord] = [:]
        for e in entries { if let original = e.amends { latest[original] = e } }
        return entries.compactMap { e in
            guard e.amends == nil else { return nil }
            guard let correction = latest[e.id] else { return e }
            var corrected = e
            corrected.payload = correction.payload
            return corrected
        }
    }

    package func fact(_ name: String) throws -> Fact? {
        try FactEngine(session: session, reader: self).fact(name)
    }

    package var measures: [Measure] { session.measures }
}

/// What a module's command works through: the record, other modules' facts, and appending under
/// the module's own name, the open visit and the signed-in member of staff.
final class HostModuleContext: ModuleContext, @unchecked Sendable {
    let session: Session
    let module: String
    let patient: PatientInfo
    let staff: StaffInfo
    private let reader: HostRecordReader
    /// The kinds the module's own code may record, when it declares them: an entry of another kind
    /// is refused (those kinds are the ones instruments given as data join the module under).
    var ownKinds: [String]?

    init(session: Session, module: String, patient: PatientInfo, staff: StaffInfo) {
        self.session = session
        self.module = module
        self.patient = patient
        self.staff = staff
        self.reader = HostRecordReader(session: session, patient: patient)
    }

    var visit: VisitInfo? { session.visit }
    var now: Date { session.now }
    var calendar: Calendar { session.calendar }
    var clinicProtocol: ClinicProtocol { session.clinicProtocol.settings }

    func records(module: String?, kind: String?, visitOnly: Bool) throws -> [StoredRecord] {
        try reader.records(module: module, kind: kind, visitOnly: visitOnly)
    }

    var measures: [Measure] { session.measures }

    func append(_ draft: RecordDraft) throws -> StoredRecord {
        guard patient.id != PatientInfo.nobody.id else {
            throw CommandError("module \(module) tried to record an entry with no patient open", hint: "open a patient first: patient open MRN")
        }
        guard DeclarationCheck.isWord(draft.kind, allowUnderscore: true) else {
            throw CommandError("module \(module) tried to record an entry of kind '\(draft.kind)'", hint: "kinds are lower-case words")
        }
        if let ownKinds, !ownKinds.contains(draft.kind) {
            throw CommandError("module \(module) tried to record an entry of kind '\(draft.kind)', which it does not declare it records",
                               hint: "tell the module's author (its declaration's recording(…) lists its kinds); nothing was recorded")
        }
        let recorded = now
        let effective = (draft.effectiveAt ?? session.effectiveAt).map(Timestamp.truncated) ?? recorded
        // What the store would refuse with its own words, or not refuse at all, refused here first.
        guard effective <= recorded else {
            throw CommandError("module \(module) tried to record an entry dated \(ClinicTime.format(effective, calendar: calendar)), after now",
                               hint: "tell the module's author; nothing was recorded")
        }
        if let original = draft.amends, try session.store.entry(id: original)?.patientID != patient.id {
            throw CommandError("module \(module) tried to correct entry #\(original), which is not an entry of \(patient.mrn)",
                               hint: "tell the module's author; nothing was recorded")
        }
        let id = try session.store.appendRecord(
            patientID: patient.id, visitID: visit?.id, module: module, kind: draft.kind, payload: draft.payload,
            effectiveAt: effective, recordedAt: recorded, staffID: staff.id, protocolVersion: session.clinicProtocol.settings.version, protocolSHA256: session.clinicProtocol.settings.sha256, amends: draft.amends)
        return StoredRecord(id: id, module: module, kind: draft.kind, payload: draft.payload, visitID: visit?.id,
                            effectiveAt: effective, recordedAt: recorded, staff: staff.username, amends: draft.amends)
    }

    func fact(_ name: String) throws -> Fact? {
        try FactEngine(session: session).fact(name)
    }

    func standingAlerts() throws -> [StandingAlert] {
        try FactEngine(session: session).alerts()
    }

    func worklist(until: Date) throws -> [WorklistEntry] {
        try FactEngine(session: session).worklist(until: until)
    }

    func perform(_ command: String, _ values: [String: Value]) throws -> CommandOutput {
        try session.perform(command, values, for: module)
    }

    func sign(meaning: String) throws -> Signature {
        // A replay re-signs as the recorded staff; passwords are never recorded.
        if !session.isReplaying {
            try Accounts.checkNotLocked(staff.username, context: .signature, source: "signature", in: session)
            try Accounts.checkNotTemporary(staff.username, in: session)
            // Not asked yet inside the command's own transaction: the command goes on to find what
            // else it needs, and runs again once every password is typed.
            guard let password = try Accounts.signingPassword(for: staff.username, meaning: meaning, in: session) else {
                return Signature(username: staff.username, roles: staff.roles, at: now, meaning: meaning)
            }
            do { _ = try Accounts.authenticate(staff.username, password: password, context: .signature, source: "signature", in: session) } catch {
                throw CommandError("signature refused: wrong password for \(staff.username); nothing was signed",
                                     hint: "try again with your own password", kind: .refused)
            }
        }
        return Signature(username: staff.username, roles: staff.roles, at: now, meaning: meaning)
    }

    func witness(_ username: String, meaning: String) throws -> Signature {
        let name = username.lowercased()
        guard let account = try session.store.account(name) else {
            throw CommandError("there is no member of staff called \(name) to witness", hint: "give the witness's sign-in name")
        }
        guard account.info.id != staff.id else {
            throw CommandError("\(name) cannot witness their own signature", hint: "ask another member of staff")
        }
        if !session.isReplaying {
            try Accounts.checkNotLocked(name, context: .witness, source: "witness", in: session)
            try Accounts.checkNotTemporary(name, in: session)
            guard let password = try Accounts.signingPassword(for: "\(name) (witness)", meaning: meaning, in: session, variable: Accounts.witnessPasswordVariable) else {
                return Signature(username: account.info.username, roles: account.info.roles, at: now, meaning: meaning)
            }
            do { _ = try Accounts.authenticate(name, password: password, context: .witness, source: "witness", in: session) } catch {
                throw CommandError("witness signature refused: wrong password for \(name); nothing was signed", hint: "the witness types their own password", kind: .refused)
            }
        }
        return Signature(username: account.info.username, roles: account.info.roles, at: now, meaning: meaning)
    }
}

extension Session {
    /// Appends `draft` as `module` would, for the open patient, in a transaction of its own: the SDK's
    /// test host puts another module's entries in the record with it.
    package func append(_ draft: RecordDraft, as module: String) throws -> StoredRecord {
        guard let patient, let staff else { throw CommandError("no patient is open", hint: "open a patient first") }
        let context = HostModuleContext(session: self, module: module, patient: patient, staff: staff)
        return try store.transaction { try context.append(draft) }
    }
}
