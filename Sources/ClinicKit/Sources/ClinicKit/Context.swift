import Foundation

/// Read access to the open patient's record, as a module sees it when it works out its facts.
public protocol RecordReader: Sendable {
    /// The open patient.
    var patient: PatientInfo { get }
    /// The open visit, if any.
    var visit: VisitInfo? { get }
    /// The clinic's current time (simulated in a sandbox database). Use it instead of `Date()`.
    var now: Date { get }
    /// The calendar of the clinic: its time zone decides what "today" is.
    var calendar: Calendar { get }
    /// The clinic protocol in force: read your declared settings from it.
    var clinicProtocol: ClinicProtocol { get }

    /// The patient's records, oldest first.
    ///
    /// - Parameters:
    ///   - module: only this module's records; `nil` for every module's.
    ///   - kind: only records of this kind; `nil` for every kind.
    ///   - visitOnly: only records of the open visit.
    func records(module: String?, kind: String?, visitOnly: Bool) throws -> [StoredRecord]

    /// A module's published fact (another module's, or this module's), worked out now; `nil` when no
    /// loaded module publishes it. In ``ClinicModule/facts(from:)``, ask only for other modules'
    /// facts, and never for one that asks back: the host refuses a cycle.
    func fact(_ name: String) throws -> Fact?

    /// The instruments given as data that may be followed over time (each with the direction in
    /// which its total is better and the change that matters), for a module that trends outcomes.
    /// None by default.
    var measures: [Measure] { get }
}

extension RecordReader {
    public var measures: [Measure] { [] }

    /// The patient's records of one kind from one module, oldest first.
    public func records(module: String, kind: String) throws -> [StoredRecord] {
        try records(module: module, kind: kind, visitOnly: false)
    }

    /// The newest of the patient's records of one kind from one module, if any.
    public func latest(module: String, kind: String) throws -> StoredRecord? {
        try records(module: module, kind: kind, visitOnly: false).last
    }
}

/// What a command may do: read the record, check other modules' facts, and append to the record.
public protocol ModuleContext: RecordReader {
    /// The member of staff running the command.
    var staff: StaffInfo { get }

    /// Appends an entry to the patient's record, under the running module, the open visit (if any)
    /// and the signed-in member of staff.
    ///
    /// Entries appended by a command that then throws are discarded with it.
    /// - Returns: the stored entry, with its id and times.
    @discardableResult
    func append(_ draft: RecordDraft) throws -> StoredRecord

    /// The alerts standing on the patient now, every module's (a PHQ-9 answer, a stop criterion).
    func standingAlerts() throws -> [StandingAlert]

    /// The clinic's worklist: what every module says falls due (``ClinicModule/due(from:)``) for
    /// every patient, up to `until`, soonest (most overdue) first. Each patient is read with their
    /// open visit, if any.
    func worklist(until: Date) throws -> [WorklistEntry]

    /// Runs another module's command as part of this one: as the same member of staff, at the
    /// same instant, with the checks the command has when typed (role, open patient and visit,
    /// required facts, standing alerts, its fields' kinds and ranges), but never prompting. Its
    /// entries belong to this command: if this command then fails, they go with it; if the
    /// command itself fails, only its own entries are undone and its error is thrown here. The
    /// journal keeps only this command's line, so a replay runs both again.
    ///
    /// Use it where the clinic's rules tie two modules together: monitoring pauses the infusion
    /// (`perform("dosing pause", ["reason": …])`) when a stop criterion is crossed.
    /// - Parameters:
    ///   - command: the command's words, `MODULE VERB` (`dosing pause`).
    ///   - values: its fields by name, as they would be typed (`.string("…")`, `.int(3)`, a quantity's value).
    func perform(_ command: String, _ values: [String: Value]) throws -> CommandOutput

    /// An electronic signature by the signed-in member of staff: the host asks for their password
    /// again, even within a signed-in session, and returns who signed, when, and what the signature
    /// means. Store ``Signature/value`` with the record it signs.
    /// - Throws: ``CommandError`` when the password is wrong or the signing is cancelled.
    func sign(meaning: String) throws -> Signature

    /// A witness's electronic signature: another member of staff, named here, gives their password.
    /// - Throws: ``CommandError`` when there is no such member of staff, it is the signer themself,
    ///   or the password is wrong.
    func witness(_ username: String, meaning: String) throws -> Signature
}

/// An electronic signature: the printed name, the date and time, and the meaning of the signature,
/// kept with the record it signs.
public struct Signature: Sendable, Equatable {
    /// The signer's sign-in name.
    public var username: String
    /// The signer's roles when they signed.
    public var roles: Set<Role>
    /// When they signed.
    public var at: Date
    /// What the signature means (`approves the screening decision: eligible`).
    public var meaning: String

    /// A signature.
    public init(username: String, roles: Set<Role>, at: Date, meaning: String) {
        self.username = username
        self.roles = roles
        self.at = at
        self.meaning = meaning
    }

    /// The signature as stored in a record's payload.
    public var value: Value {
        ["by": .string(username), "roles": .array(roles.map(\.rawValue).sorted().map(Value.string)),
         "at": .string(Self.utc(at)), "meaning": .string(meaning)]
    }

    /// `2026-11-24T09:02:00Z`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return "\(zeroPadded(c.year, 4))-\(zeroPadded(c.month, 2))-\(zeroPadded(c.day, 2))T"
            + "\(zeroPadded(c.hour, 2)):\(zeroPadded(c.minute, 2)):\(zeroPadded(c.second, 2))Z"
    }
}

/// A patient, as modules see one.
public struct PatientInfo: Sendable, Equatable {
    /// The database id.
    public var id: Int64
    /// The medical record number.
    public var mrn: String
    /// The name, as registered.
    public var name: String
    /// Date of birth, `YYYY-MM-DD`.
    public var dateOfBirth: String
    /// Sex as registered.
    public var sex: Sex

    /// A patient.
    public init(id: Int64, mrn: String, name: String, dateOfBirth: String, sex: Sex) {
        self.id = id
        self.mrn = mrn
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.sex = sex
    }

    /// No patient: what a command declared with `needsPatient: false` (a clinic-wide list) sees
    /// when none is open. Its record is empty and nothing can be appended to it.
    public static let nobody = PatientInfo(id: 0, mrn: "", name: "", dateOfBirth: "", sex: .unspecified)

    /// Age in whole years on `date`, in `calendar`'s time zone.
    public func age(on date: Date, calendar: Calendar) -> Int? {
        ageInMonths(on: date, calendar: calendar).map { $0 / 12 }
    }

    /// Age in whole months on `date`, in `calendar`'s time zone.
    public func ageInMonths(on date: Date, calendar: Calendar) -> Int? {
        let p = dateOfBirth.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        let t = calendar.dateComponents([.year, .month, .day], from: date)
        guard let y = t.year, let m = t.month, let d = t.day else { return nil }
        return (y - p[0]) * 12 + (m - p[1]) - (d < p[2] ? 1 : 0)
    }
}

/// Times as staff read them.
public enum ClinicTime {
    /// `2026-11-24 09:02`: the date and time to the minute, in `calendar`'s time zone (the clinic's).
    public static func format(_ date: Date, calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return zeroPadded(c.year, 4) + "-" + zeroPadded(c.month, 2) + "-" + zeroPadded(c.day, 2) + " "
            + zeroPadded(c.hour, 2) + ":" + zeroPadded(c.minute, 2)
    }
}

/// A visit, as modules see one.
public struct VisitInfo: Sendable, Equatable {
    /// The database id.
    public var id: Int64
    /// `infusion`, `consult` or `follow-up`.
    public var kind: String
    /// When it started.
    public var startedAt: Date

    /// A visit.
    public init(id: Int64, kind: String, startedAt: Date) {
        self.id = id
        self.kind = kind
        self.startedAt = startedAt
    }
}

/// A member of staff, as modules see one.
public struct StaffInfo: Sendable, Equatable {
    /// The database id.
    public var id: Int64
    /// The sign-in name.
    public var username: String
    /// The roles held.
    public var roles: Set<Role>

    /// A member of staff.
    public init(id: Int64, username: String, roles: Set<Role>) {
        self.id = id
        self.username = username
        self.roles = roles
    }
}

/// An entry to append to the record.
public struct RecordDraft: Sendable {
    /// What kind of entry this is, within the module (`intake`, `vitals`).
    public var kind: String
    /// The entry's content.
    public var payload: Value
    /// When it happened, if not now (a late entry).
    public var effectiveAt: Date?
    /// The id of an earlier entry this one corrects; the earlier one stays in the record.
    public var amends: Int64?

    /// An entry.
    public init(kind: String, payload: Value, effectiveAt: Date? = nil, amends: Int64? = nil) {
        self.kind = kind
        self.payload = payload
        self.effectiveAt = effectiveAt
        self.amends = amends
    }
}

/// An entry of the record, as stored.
public struct StoredRecord: Sendable, Equatable {
    /// The entry's id: its position in the record.
    public var id: Int64
    /// The module that wrote it.
    public var module: String
    /// Its kind within the module.
    public var kind: String
    /// Its content.
    public var payload: Value
    /// The visit it belongs to, if any.
    public var visitID: Int64?
    /// When it happened.
    public var effectiveAt: Date
    /// When it was written.
    public var recordedAt: Date
    /// Who wrote it (sign-in name).
    public var staff: String
    /// The entry it corrects, if any.
    public var amends: Int64?

    /// A stored entry.
    public init(id: Int64, module: String, kind: String, payload: Value, visitID: Int64?, effectiveAt: Date,
                recordedAt: Date, staff: String, amends: Int64?) {
        self.id = id
        self.module = module
        self.kind = kind
        self.payload = payload
        self.visitID = visitID
        self.effectiveAt = effectiveAt
        self.recordedAt = recordedAt
        self.staff = staff
        self.amends = amends
    }
}

/// What a command shows: lines, tables and alerts, in order.
public struct CommandOutput: Sendable {
    /// The parts of the output, in order.
    public var blocks: [OutputBlock]

    /// Output made of `blocks`.
    public init(_ blocks: [OutputBlock] = []) { self.blocks = blocks }

    /// Output of plain lines.
    public static func lines(_ lines: String...) -> CommandOutput { CommandOutput(lines.map(OutputBlock.line)) }

    /// Adds a line.
    public mutating func line(_ text: String) { blocks.append(.line(text)) }
    /// Adds a table.
    public mutating func table(_ headers: [String], _ rows: [[String]]) { blocks.append(.table(headers: headers, rows: rows)) }
    /// Adds an alert: shown so it cannot be missed.
    public mutating func alert(_ text: String) { blocks.append(.alert(text)) }
}

/// One part of a command's output.
public enum OutputBlock: Sendable, Equatable {
    /// A line of text.
    case line(String)
    /// A table with a header row.
    case table(headers: [String], rows: [[String]])
    /// Something staff must see at once.
    case alert(String)
}

/// `n` in decimal, zero-padded to `width` digits (String(format:) is slow on Linux).
func zeroPadded(_ n: Int?, _ width: Int) -> String {
    let digits = String(n ?? 0)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
