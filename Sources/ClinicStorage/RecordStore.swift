import ClinicKit
import Foundation

/// The clinic's record as the engine sees it: patients, visits, staff, the hash-chained record and
/// journal, the protocols adopted, and a few settings kept with the data. The engine and every
/// layer above it use only this protocol; each implementation holds all of its own SQL (today
/// ``SQLStore``; a server's store is a second type beside it).
///
/// Every implementation keeps the same guarantees:
/// - an append to the record, the journal or the protocols extends its hash chain under one write
///   lock, so two writers never fork it, and the chain is computed over domain values
///   (``HashChain``), so the same entries give the same heads on any store;
/// - ``transaction(_:)`` is all or nothing, nesting as savepoints;
/// - errors the user can act on are ``StoreError``; anything else is the store's own and is never
///   shown to staff as it is.
package protocol RecordStore: AnyObject {
    /// A sandbox (training, demos, tests, replays) rather than a live clinic record: its clock may
    /// be set, and everything that shows or exports its records says so.
    var isSandbox: Bool { get }
    /// The recording a replayed sandbox was made from.
    var replayedFrom: String? { get }
    /// Whether a transaction is open (nothing written in it is committed yet).
    var isInTransaction: Bool { get }
    /// Runs `body` as one unit: all of it is kept, or none of it when it throws. Inside an open
    /// transaction, a savepoint.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// A number that changes whenever another connection commits: the shells' watch reads it each
    /// second instead of the record.
    func dataVersion() throws -> Int64
    /// Called once when a write has waited a second for another workstation's.
    var onWait: (() -> Void)? { get set }
    /// Called with a line to say when the connection to the record's server was lost and has been
    /// made again (what the lost connection's transaction held was not recorded).
    var onReconnect: ((String) -> Void)? { get set }
    /// Asked while a write waits for another workstation (Ctrl-C at the terminal): `true` stops
    /// the wait; the command fails and nothing of it is recorded.
    var shouldStopWaiting: (() -> Bool)? { get set }
    /// What was done about a database file others could read, to say at the start.
    var permissionNote: String? { get }

    // Access: every password check and unlock, chained; never rolled back with a command.
    /// Appends an access entry. Inside a transaction that then rolls back (a failed command, a
    /// script), the entry is written again after the rollback: no attempt is ever lost with it.
    func appendAccess(_ entry: AccessEntry) throws
    /// The failed password checks for `username` since its last right password or unlock, and when
    /// the latest was.
    func failedSignIns(for username: String) throws -> (count: Int, last: Date?)
    func verifyAccess() throws -> ChainCheck

    // Settings kept with the data (a sandbox's clock).
    func meta(_ key: String) throws -> String?
    func setMeta(_ key: String, _ value: String) throws

    // Protocols
    /// The protocol the database runs under: the latest adopted.
    func adoptedProtocol() throws -> AdoptedProtocol?
    func adoptProtocol(sha256: String, name: String, version: String, settings: Value, at: Date, by staffID: Int64?,
                       signature: Value?) throws
    /// The version and content hash of every protocol adopted, oldest first.
    func adoptedVersions() throws -> [(version: String, sha256: String)]
    func adoptionsWithoutText() throws -> [(id: Int64, sha256: String)]
    /// What the protocol of `sha256` says (its file's text, documents and form), if the record keeps it.
    func protocolText(_ sha256: String) throws -> ProtocolText?
    /// Keeps what a protocol says; one already kept is left as it is.
    func keepProtocolText(_ text: ProtocolText) throws
    /// Every protocol text kept, for `audit verify`.
    func protocolTexts() throws -> [ProtocolText]

    // Staff
    func staffCount() throws -> Int
    func addStaff(username: String, roles: Set<Role>, passwordHash: String, at: Date, by: Int64?) throws -> StaffInfo
    /// A member of staff's new roles, or new password hash (or both), each an entry of the chain.
    /// A `temporary` password (an administrator's, for someone who forgot theirs) serves only to
    /// choose their own at the next sign-in (``StaffAccount/hasTemporaryPassword``).
    func changeStaff(_ username: String, roles: Set<Role>?, passwordHash: String?, temporary: Bool, at: Date, by: Int64?) throws -> StaffInfo
    func account(_ username: String) throws -> StaffAccount?
    func staffNames() throws -> [String]
    /// Every member of staff by id: name and roles (for a recording's accounts).
    func staffByID() throws -> [Int64: StaffInfo]
    /// A member of staff's roles just before `date`, from the changes chain (for a recording:
    /// a replay signs them in with the roles they had then).
    func roles(of username: String, at date: Date) throws -> Set<Role>?

    // Patients
    func addPatient(mrn: String?, name: String, dob: String, sex: Sex, at: Date, by: Int64) throws -> PatientInfo
    func patient(id: Int64) throws -> PatientInfo?
    /// The patients row as the correction of their registration just appended says.
    func correctPatient(id: Int64, name: String, dob: String, sex: Sex) throws -> PatientInfo
    func patient(mrn: String) throws -> PatientInfo?
    func patients(matching text: String, limit: Int) throws -> [PatientInfo]
    /// Patients born on `dob` (for the duplicate check, which folds their names).
    func patients(born dob: String) throws -> [PatientInfo]
    func allPatients(limit: Int) throws -> [PatientInfo]
    /// The protocol version each of a patient's entries was written under, by entry id.
    func protocolVersions(patientID: Int64) throws -> [Int64: String]
    /// Every MRN (for completion), newest last.
    func mrns() throws -> [String]

    // Visits
    func startVisit(patientID: Int64, kind: String, at: Date, by: Int64) throws -> VisitInfo
    func openVisit(patientID: Int64) throws -> VisitInfo?
    /// Every open visit in the clinic with its patient and chair, the earliest first.
    func openVisits() throws -> [(patient: PatientInfo, visit: VisitInfo, place: String?)]
    func visits(patientID: Int64) throws -> [VisitRow]
    func endVisit(id: Int64, at: Date, by: Int64) throws
    /// When and by whom a visit was ended; `nil` while it is open.
    func visitEnd(id: Int64) throws -> (at: Date, by: String)?

    // The record
    func appendRecord(patientID: Int64, visitID: Int64?, module: String, kind: String, payload: Value,
                      effectiveAt: Date, recordedAt: Date, staffID: Int64, protocolVersion: String?,
                      protocolSHA256: String?, amends: Int64?) throws -> Int64
    /// One entry by its id, with the patient it belongs to.
    func entry(id: Int64) throws -> (record: StoredRecord, patientID: Int64)?
    /// A patient's entries, oldest first, optionally of one module, kind or visit.
    func records(patientID: Int64, module: String?, kind: String?, visitID: Int64?) throws -> [StoredRecord]
    /// Whether an entry of the patient, as last read, may correct another: `false` only when none
    /// does, so a reader may skip folding corrections in.
    func mayHoldCorrections(patientID: Int64) -> Bool
    /// Entries for `audit log`, oldest first, with the patient's MRN and the entries amending each.
    func auditEntries(patientID: Int64?, staff: String?, since: Date?, limit: Int) throws -> [(record: StoredRecord, mrn: String, amendedBy: [Int64])]

    // The journal
    func appendJournal(_ entry: JournalEntry) throws
    /// Journal lines oldest first: after `afterID`, before `beforeID`, of one session, patient or visit.
    func journal(after afterID: Int64, before beforeID: Int64, session: String?, patientID: Int64?, visitID: Int64?, limit: Int) throws -> [JournalRow]
    func lastJournalID() throws -> Int64

    // Verification
    func verifyRecords() throws -> ChainCheck
    func verifyProtocols() throws -> ChainCheck
    func verifyJournal() throws -> ChainCheck
    /// When and by whom an entry of `table` (`records` or `journal`) was written.
    func entryOrigin(table: String, id: Int64) throws -> (at: String, staff: String)?
    /// Whether an entry of the chain has `hash` (a head noted at an earlier check).
    func chainContains(_ table: String, hash: String) throws -> Bool
    func verifyChanges() throws -> ChainCheck
    /// The hash of entry `id` of a chain (the genesis for 0); `nil` when there is none.
    func chainHash(_ table: String, at id: Int64) throws -> String?
    /// The id of a chain's last entry.
    func chainLength(_ table: String) throws -> Int64
    /// Every difference between a table outside the chains (staff, patients, visits, the mode) and
    /// that table rebuilt from the chains, each naming its row and what it means.
    func projectionDifferences() throws -> [String]
    /// Where a live record's times go backwards (a clock set back, an entry backdated).
    func timesGoingBackwards() throws -> [String]

    // What falls due: a projection the engine keeps, one set of items per patient.
    /// Called in each write transaction just before it commits, with the patients whose records
    /// it appended to; what it throws rolls the transaction back.
    var willCommit: ((Set<Int64>) throws -> Void)? { get set }
    /// Runs ``willCommit`` now for the patients appended to so far in the open transaction, so
    /// that a read inside it (a script's worklist) sees what the transaction wrote.
    func settleAppended() throws
    /// How many due items the table holds, every patient's.
    func dueItemCount() throws -> Int
    /// Replaces what falls due for a patient.
    func replaceDue(patientID: Int64, items: [(module: String, item: DueItem)]) throws
    /// What is stored as falling due for a patient, in the order it was stored.
    func due(patientID: Int64) throws -> [(module: String, item: DueItem)]
    /// Every patient's items due by `until` and shown at `time`, most overdue first: the
    /// clinic's worklist, one indexed query.
    func dueItems(until: Date, shownAt time: Date) throws -> [WorklistEntry]
    /// Forgets every patient's items (before they are all worked out again).
    func clearDue() throws

    // Counting and comparing
    func count(_ what: StoreCount) throws -> Int
}

/// What `expect count` and a replay's summary count.
package enum StoreCount: String, Sendable, CaseIterable {
    case patients, visits, records
    /// The journal's lines that succeeded: the commands a run or replay carried out.
    case commands
}

extension RecordStore {
    package func patients(matching text: String) throws -> [PatientInfo] { try patients(matching: text, limit: 50) }
    package func allPatients() throws -> [PatientInfo] { try allPatients(limit: 500) }
    package func records(patientID: Int64, module: String? = nil, kind: String? = nil, visitID: Int64? = nil) throws -> [StoredRecord] {
        try records(patientID: patientID, module: module, kind: kind, visitID: visitID)
    }
    package func journal(after afterID: Int64 = 0, before beforeID: Int64 = .max, session: String? = nil,
                         patientID: Int64? = nil, visitID: Int64? = nil, limit: Int = .max) throws -> [JournalRow] {
        try journal(after: afterID, before: beforeID, session: session, patientID: patientID, visitID: visitID, limit: limit)
    }
    package func recordCount() throws -> Int { try count(.records) }
}

/// Opening the clinic's record wherever it is kept.
package enum RecordStores {
    /// The `meta` key under which the engine keeps the basis the due items were worked out on.
    package static let dueBasisKey = "due_basis"
    /// The basis of a record made with no patients: its due items are right on any basis.
    package static let anyDueBasis = "*"
    /// The basis once sessions on different bases have written items: right on none.
    package static let mixedDueBasis = "mixed"
    /// The schema version this program makes and reads, on either backend.
    package static var schemaVersion: Int { Schema.latestVersion }

    /// Opens the record at `location`: a file path or `:memory:` (SQLite, created if needed and its
    /// schema brought up to date), or a `postgres://` address (a server whose schema `clinic db
    /// migrate` made). With `sandbox`, a new record is made a sandbox; an existing live one is refused.
    /// A server that asks for a password none of `~/.pgpass` holds is given `password` (typed at a
    /// terminal: ``PostgresError/needsPassword`` says when to ask).
    package static func open(_ location: String, now: Date, sandbox: Bool = false, replayOf recording: String? = nil,
                             password: String? = nil) throws -> any RecordStore {
        if PostgresAddress.names(location) {
            return try SQLStore(server: location, now: now, sandbox: sandbox, replayOf: recording, password: password)
        }
        try refuseOtherAddress(location)
        return try SQLStore(path: location, now: now, sandbox: sandbox, replayOf: recording)
    }

    /// The record at `location`, opened to read only, as text a patient at a time: a replay and
    /// the original it is compared with (a file, or the record on a server).
    package static func snapshots(of location: String) throws -> RecordSnapshotReader {
        if PostgresAddress.names(location) { return try RecordSnapshotReader(server: location) }
        try refuseOtherAddress(location)
        try refuseNoFile(location)
        return try RecordSnapshotReader(path: location)
    }

    /// The record at `location`, opened to read only and never migrated or written: a backup,
    /// verified where it lies, or the record on a server.
    package static func openToVerify(_ location: String) throws -> any RecordStore {
        if PostgresAddress.names(location) { return try SQLStore(verifyingServer: location) }
        try refuseOtherAddress(location)
        try refuseNoFile(location)
        do { return try SQLStore(readingOnly: location) } catch let error as DatabaseError {
            throw StoreError.unusable("\(location) is not a clinic database (\(error.code & 0xff == 26 ? "not a SQLite file" : "it holds no clinic record")); give the clinic database's path")
        }
    }

    /// A file to read that is not there is said as such, not as the SQLite library's error.
    static func refuseNoFile(_ location: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isFolder), !isFolder.boolValue else {
            throw StoreError.unusable("there is no database at \(location); give the clinic database's path")
        }
    }
}

extension RecordStores {
    /// An address that is not PostgreSQL's (`postgress://…`, `mysql://…`) is never taken for a
    /// file's name, which would start a new, empty record.
    static func refuseOtherAddress(_ location: String) throws {
        guard PostgresAddress.looksLikeAddress(location) else { return }
        throw StoreError.unusable("'\(PostgresAddress.display(location))' is neither a file nor a PostgreSQL address: give a file path, or postgres://USER@HOST/DATABASE")
    }
}

/// A password check or an unlock, as the access log keeps it.
package struct AccessEntry: Sendable, Equatable {
    package enum Event: String, Sendable { case passed, failed, unlocked
        /// Tried while the account was locked or held: no password was checked.
        case refused }
    package enum Context: String, Sendable { case signIn = "sign-in", signature, witness, unlock }
    /// An existing account's name, or ``unknown`` (a name typed that is no account's may be a
    /// password typed in the wrong place: it is never kept).
    package var username: String
    package var event: Event
    package var context: Context
    package var at: Date
    package var session: String
    package var source: String

    package static let unknown = "(unknown)"

    package init(username: String, event: Event, context: Context, at: Date, session: String, source: String) {
        (self.username, self.event, self.context, self.at, self.session, self.source) = (username, event, context, at, session, source)
    }
}
