import Foundation

/// A clinic workflow module: what a plugin library provides.
///
/// A module is mostly a declaration (``ModuleDeclaration``): its commands with their fields, the
/// role each command needs and the facts it requires, and the facts the module publishes. From that
/// the host parses, validates, prompts, completes, documents and gates every command, so a module's
/// code sees only valid input from a signed-in member of staff who is allowed to run it.
///
/// ## Implementation requirements
/// - A module is a class (the host keeps one instance for the life of the process) and is
///   `Sendable`: keep no mutable state in it; everything a command changes goes into the record
///   through ``ModuleContext/append(_:)``.
/// - ``run(_:in:)`` and ``facts(from:)`` must not read files, the network, the environment or the
///   system clock: use the context. That is what makes a recorded session replay exactly.
/// - Throw ``CommandError`` for anything the user can fix; the host prints it and the session goes on.
public protocol ClinicModule: AnyObject, Sendable {
    /// What the module is and offers. Read once, when the module is loaded.
    var declaration: ModuleDeclaration { get }

    /// Runs one of the declared commands.
    ///
    /// - Parameters:
    ///   - invocation: the command's verb and its validated field values.
    ///   - context: the patient, visit, staff member, clock and record the command works on.
    /// - Returns: what to show the user.
    /// - Throws: ``CommandError`` when the command cannot be carried out; nothing it appended stays.
    func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput

    /// Works out the module's published facts for the open patient (and visit, if one is open) from
    /// the record.
    ///
    /// Return one ``Fact`` for each declared ``FactSpec``: present, or missing with the reason.
    func facts(from record: any RecordReader) throws -> [Fact]
}

// MARK: - Capabilities
//
// What a module may add beyond its commands and facts is a protocol of its own, as SwiftPM's
// `BuildToolPlugin` and `CommandPlugin` are: a module conforms to the ones it offers, and the host
// finds them with `as?`. A new capability is a new protocol; no module that lacks it changes.
// A method written without its protocol's conformance is never called: declare the conformance
// (`extension MyModule: SchedulingModule {}` beside the method) and the compiler checks the signature.

/// A module that fills in fields from the record.
public protocol PrefillingModule: ClinicModule {
    /// Values the record already holds for a command's fields (a pregnancy intake recorded), used
    /// where the user gave none. The host shows each as coming from the record, and the journal
    /// keeps it in the command line. Return only fields of `verb`'s declaration.
    func prefill(_ verb: String, from record: any RecordReader) throws -> [String: Value]
}

/// A module that raises alerts that stand until acknowledged.
public protocol AlertingModule: ClinicModule {
    /// The alerts that stand on the open patient until a clinician acknowledges them (a PHQ-9 item 9
    /// answered above 0). The host shows them when the patient is opened and in `status`.
    func alerts(from record: any RecordReader) throws -> [StandingAlert]
}

/// A module whose settings must agree with each other.
public protocol SettingsCheckingModule: ClinicModule {
    /// Problems with the module's settings taken together, one line each (`dosing.iv_soft_max 2.5
    /// mg/kg is above dosing.iv_hard_max 2 mg/kg`). Each setting alone was checked against its
    /// ``SettingSpec`` already. The host refuses to start, and `protocol check` refuses a file, on any.
    func check(_ clinicProtocol: ClinicProtocol) -> [String]
}

/// A module that says what falls due, and when.
public protocol SchedulingModule: ClinicModule {
    /// What falls due for the open patient and visit, and when (vitals every 5 minutes while an
    /// infusion runs). The shell shows the next one in its prompt and warns, before each prompt,
    /// of any that are overdue; `status` lists them, and `followup due` lists every patient's.
    func due(from record: any RecordReader) throws -> [DueItem]
}

/// A module that writes its entries as lines of the visit's timeline.
public protocol SummarizingModule: ClinicModule {
    /// One of the module's entries as a line of the visit's timeline (`BP 132/84 · HR 78 · NEWS2 0`);
    /// `nil` to show its kind and payload as they are.
    func summary(of entry: StoredRecord) -> EntrySummary?
}

/// A module with a part in the patient's printed report.
public protocol ReportingModule: ClinicModule {
    /// The module's part of the patient's printed report (`report patient`): sections of lines and
    /// tables, and a figure. The host writes the page; a module writes no files.
    func report(from record: any RecordReader) throws -> [ReportSection]
}

/// A module whose entries may be corrected field by field (`amend`).
public protocol AmendingModule: ClinicModule {
    /// Corrects fields of one of the module's entries (`amend ENTRY field=value --reason TEXT`):
    /// return the corrected payload, with every value derived from a changed one worked out again,
    /// or throw ``CommandError`` to refuse (a signed order, a score: say which command records it
    /// again). The host keeps the correction as a new entry that amends the first, which stays in
    /// the record and is shown beside it; from then on the module reads the corrected payload under
    /// the first entry's id. A module without this capability has no entry corrected field by field.
    /// - Parameters:
    ///   - entry: the entry as it stands (with any earlier correction).
    ///   - changes: the new values, as typed, by field name.
    func amend(_ entry: StoredRecord, changes: [String: String], record: any RecordReader) throws -> Value
}

/// A module whose entries are exported as HL7 FHIR R4 resources.
public protocol FHIRExportingModule: ClinicModule {
    /// The module's entries for the patient as HL7 FHIR R4 resources, for `export fhir`, each with
    /// the entries it is made from. Refer to the patient as ``FHIRExport/patient``, to a visit as
    /// ``FHIRExport/encounter(_:)`` and to staff as ``FHIRExport/practitioner(_:)``, and give each
    /// resource an `id` of its own (the module's name and the entry's id). The host adds the
    /// Patient, the Encounters, the Practitioners, a Provenance per source naming who wrote and
    /// signed it, and the Bundle.
    func fhir(from record: any RecordReader) throws -> [FHIRResource]
}

/// A module that can hold a visit open until something under way ends.
public protocol VisitHoldingModule: ClinicModule {
    /// What of the open visit is still under way and must end before the visit does, one line
    /// each saying what and what to do (`order #57 is running: complete or stop it first`). The
    /// host refuses `visit end` while any module reports something.
    func unfinished(from record: any RecordReader) throws -> [String]
}

/// A module that asks before a command writes.
public protocol ConfirmingModule: ClinicModule {
    /// Questions to put to the person at the terminal before the command writes anything, each
    /// answered yes or no (`stops order #57 for good: 5.3 mg of 42.9 mg given; pause instead with
    /// dosing pause. Stop?`). A "no" cancels the command with nothing recorded. The host asks them
    /// before its write transaction begins, and not at all in a script: the command must still be
    /// safe to run without them.
    func confirmations(_ invocation: Invocation, from record: any RecordReader) throws -> [String]
}

/// A module with a part in the clinic's board.
public protocol BoardModule: ClinicModule {
    /// Where the open patient's treatment stands today, for the clinic's board (`board`), the
    /// watch line every shell shows, and the question asked before staff leave the patient:
    /// `nil` when the module has nothing to say.
    func board(from record: any RecordReader) throws -> BoardRow?
}

/// A section of the patient's report, from one module.
public struct ReportSection: Sendable, Equatable {
    /// The heading (`Treatment history`).
    public var title: String
    /// What it says: lines and tables (an alert is shown highlighted).
    public var blocks: [OutputBlock]
    /// A figure as SVG markup (`<svg …>…</svg>`), shown after the blocks; the module escapes any
    /// text it puts in it.
    public var svg: String?
    /// Where the section goes on the page: lower comes first.
    public var order: Int

    /// A section.
    public init(_ title: String, blocks: [OutputBlock], svg: String? = nil, order: Int = 100) {
        self.title = title
        self.blocks = blocks
        self.svg = svg
        self.order = order
    }
}

/// Something that falls due at a time: a check, a call, a dose.
public struct DueItem: Sendable, Equatable {
    /// What is due, in a word or two (`vitals`).
    public var what: String
    /// When.
    public var at: Date
    /// Why, or how often (`every 5 min while the infusion runs`).
    public var detail: String
    /// The command that does it (`monitoring vitals`).
    public var command: String
    /// Whether it is due on a day rather than at a time (a follow-up call): `at` is the start of
    /// that day, and it is overdue only once the day has passed.
    public var isAllDay: Bool

    /// Something due.
    public init(_ what: String, at: Date, detail: String, command: String, isAllDay: Bool = false) {
        self.what = what
        self.at = at
        self.detail = detail
        self.command = command
        self.isAllDay = isAllDay
    }
}

/// A module's part of a patient's line on the clinic's board.
///
/// A patient is on the board while a module reports ``State-swift.enum/running``,
/// ``State-swift.enum/paused`` or ``State-swift.enum/ended`` and none reports
/// ``State-swift.enum/discharged``; while running or paused they are watched (every shell shows
/// them when something falls due within 2 minutes, or an alert stands), and leaving them asks first.
public struct BoardRow: Sendable, Equatable {
    /// Where the treatment stands.
    public enum State: String, Sendable, Equatable {
        /// Running now (an infusion).
        case running
        /// Paused: the pump is stopped and the treatment not ended.
        case paused
        /// Ended today, the patient not yet discharged.
        case ended
        /// Discharged: off the board.
        case discharged
    }

    /// The state, or `nil` when this module does not decide it.
    public var state: State?
    /// The board's columns this module fills, each a heading and a short value (`run` `42 min`,
    /// `given` `12.3 mg`), in the order shown. Keep each value under 10 characters.
    public var cells: [BoardCell]
    /// A few words the watch line adds while the patient is watched (`paused: stop criterion`).
    public var note: String?

    /// A module's part of the board.
    public init(state: State? = nil, cells: [BoardCell] = [], note: String? = nil) {
        self.state = state
        self.cells = cells
        self.note = note
    }
}

/// One column of a patient's line on the board.
public struct BoardCell: Sendable, Equatable {
    /// The column's heading, a word (`given`).
    public var heading: String
    /// The value (`12.3 mg`).
    public var text: String

    /// A cell.
    public init(_ heading: String, _ text: String) {
        self.heading = heading
        self.text = text
    }
}

/// One line of the clinic's worklist: something due for a patient.
public struct WorklistEntry: Sendable, Equatable {
    /// The patient.
    public var patient: PatientInfo
    /// What is due.
    public var item: DueItem
    /// The module that says so.
    public var module: String

    /// A worklist line.
    public init(patient: PatientInfo, item: DueItem, module: String) {
        self.patient = patient
        self.item = item
        self.module = module
    }
}

/// An entry as the visit's timeline shows it.
public struct EntrySummary: Sendable, Equatable {
    /// One line (`BP 184/96 · HR 92 · NEWS2 1 · ALERT systolic 184 > 180`).
    public var text: String
    /// Whether the visit's times are counted from this entry (an infusion's start): the timeline
    /// shows every time relative to the first such entry.
    public var isTimeZero: Bool

    /// A line of the timeline.
    public init(_ text: String, isTimeZero: Bool = false) {
        self.text = text
        self.isTimeZero = isTimeZero
    }
}

/// An alert that stays on the patient until a clinician acknowledges it.
public struct StandingAlert: Sendable, Equatable {
    /// What is wrong, in one line.
    public var text: String
    /// Since when.
    public var since: Date
    /// The command that acknowledges it (`screening acknowledge NOTE`).
    public var acknowledgedBy: String

    /// An alert.
    public init(_ text: String, since: Date, acknowledgedBy: String) {
        self.text = text
        self.since = since
        self.acknowledgedBy = acknowledgedBy
    }
}

/// Everything a module declares about itself.
public struct ModuleDeclaration: Sendable {
    /// Who the module is.
    public var manifest: ModuleManifest
    /// The commands it adds, each typed as `NAME VERB ...` where NAME is the module's name.
    public var commands: [CommandSpec]
    /// The facts it publishes about a patient or visit.
    public var facts: [FactSpec]
    /// The clinic-protocol settings it reads (thresholds, limits, periods), each named
    /// `MODULE.NAME`. The host refuses to start unless the protocol holds every one.
    public var settings: [SettingSpec]
    /// The kinds of its record entries it publishes for other modules to read, with their payload
    /// fields: a contract, documented by `help` and checked against every module that uses it.
    public var records: [RecordSpec]
    /// What it uses of other modules: facts, commands it runs, records it reads. The host refuses
    /// the module, naming the reference, when a loaded module does not provide one.
    public var uses: ModuleUses

    /// Declares a module.
    public init(manifest: ModuleManifest, commands: [CommandSpec], facts: [FactSpec] = [], settings: [SettingSpec] = [],
                records: [RecordSpec] = [], uses: ModuleUses = ModuleUses()) {
        self.manifest = manifest
        self.commands = commands
        self.facts = facts
        self.settings = settings
        self.records = records
        self.uses = uses
    }
}

/// A module's identity.
public struct ModuleManifest: Sendable {
    /// The module's name: the first word of its commands and the prefix of its facts (`intake`).
    /// Lower case letters, digits and `-`; unique among loaded modules.
    public var name: String
    /// The module's own version (`1.0.0`).
    public var version: String
    /// The ClinicKit version the module was written against.
    public var sdkVersion: String
    /// One line saying what the module does, shown by `modules` and `help`.
    public var summary: String
    /// Where the module appears in the visit's checklist (`status`): lower comes first.
    public var order: Int
    /// Whether this module is meant to take the place of the shipped module of the same name (a
    /// clinic's own follow-up module). Without it, a module named like a shipped one is refused and
    /// the shipped one loads; with it, `modules` shows which library it replaced.
    public var replacesShipped: Bool

    /// Declares a module's identity. `sdkVersion` defaults to the SDK the module is compiled with.
    public init(name: String, version: String, sdkVersion: String = ClinicKitABI.sdkVersion, summary: String, order: Int = 100,
                replacesShipped: Bool = false) {
        self.name = name
        self.version = version
        self.sdkVersion = sdkVersion
        self.summary = summary
        self.order = order
        self.replacesShipped = replacesShipped
    }
}

/// A member of staff's role. A command names the roles that may run it.
public struct Role: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Registered nurse: records intake, vital signs, runs infusions.
    public static let nurse = Role(rawValue: "nurse")
    /// Physician: everything a nurse does, plus signing decisions and orders.
    public static let physician = Role(rawValue: "physician")
    /// Administrator: manages staff accounts; no clinical commands unless also given a clinical role.
    public static let admin = Role(rawValue: "admin")
    /// Every role there is.
    public static let all: [Role] = [.nurse, .physician, .admin]
    /// The roles that may do clinical work.
    public static let clinical: Set<Role> = [.nurse, .physician]

    public var description: String { rawValue }
    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }
}

/// One command of a module.
public struct CommandSpec: Sendable {
    /// The word after the module's name (`record` in `intake record`).
    public var verb: String
    /// One line saying what the command does.
    public var summary: String
    /// The inputs, in the order they are prompted for.
    public var fields: [FieldSpec]
    /// The roles that may run the command.
    public var roles: Set<Role>
    /// Facts that must be present before the command runs (`consent.signed`).
    public var requires: [String]
    /// Whether a patient must be open. A module's command that does not need one (a clinic-wide
    /// worklist) runs with the open patient if there is one, else with ``PatientInfo/nobody``.
    public var needsPatient: Bool
    /// Whether a visit must be open.
    public var needsVisit: Bool
    /// Whether the command is refused while an alert stands on the patient (any module's
    /// ``StandingAlert``: a stop criterion crossed during an infusion, a PHQ-9 item 9 answer not yet
    /// acknowledged). Set it on commands that order or give treatment.
    public var refusedWhileAlerts: Bool
    /// Longer help: examples and notes shown by `help MODULE VERB`.
    public var discussion: String
    /// Whether the command may be recorded late, as having happened earlier (`--at 09:40`). Set it
    /// false where the moment the command is typed is what the module judges (a dose given: its
    /// interval, its gates and the amount the pump gave are worked out at that moment).
    public var takesLateEntries: Bool

    /// Declares a command.
    public init(
        _ verb: String, summary: String, fields: [FieldSpec] = [], roles: Set<Role> = Role.clinical,
        requires: [String] = [], needsPatient: Bool = true, needsVisit: Bool = false, refusedWhileAlerts: Bool = false,
        takesLateEntries: Bool = true, discussion: String = ""
    ) {
        self.takesLateEntries = takesLateEntries
        self.verb = verb
        self.summary = summary
        self.fields = fields
        self.roles = roles
        self.requires = requires
        self.needsPatient = needsPatient
        self.needsVisit = needsVisit
        self.refusedWhileAlerts = refusedWhileAlerts
        self.discussion = discussion
    }
}

/// A fact a module publishes (`intake.complete`), which other modules' commands may require.
public struct FactSpec: Sendable {
    /// The fact's name: the module's name, a dot, and a word (`consent.signed`).
    public var name: String
    /// What it means when present.
    public var summary: String
    /// The command that establishes it (`consent sign`), named when it is missing.
    public var establishedBy: String
    /// Whether it is a step of the visit's checklist. A fact that is bad news when present
    /// (`screening.ineligible`) is not: `status` shows it only when it holds, marked `!`.
    public var isStep: Bool

    /// Declares a fact.
    public init(_ name: String, summary: String, establishedBy: String, isStep: Bool = true) {
        self.name = name
        self.summary = summary
        self.establishedBy = establishedBy
        self.isStep = isStep
    }
}

/// The state of one fact for the open patient, as a module works it out.
public struct Fact: Sendable, Equatable {
    /// The fact's name.
    public var name: String
    /// Whether it holds.
    public var isPresent: Bool
    /// When present: what it is based on (`recorded 2026-11-24 09:02 by nora`). When missing: why
    /// (`the last consent was for text v2; the current text is v3`).
    public var detail: String
    /// A value, for facts that carry one (the latest weight in kg).
    public var value: Value?
    /// When the fact's basis was recorded as happening.
    public var asOf: Date?
    /// The ids of the entries the fact rests on (the weighing, the signed consent). A module that
    /// binds a signature to a fact compares these, with ``value``, to see whether what it judged
    /// has changed since; a new entry, even at the same instant, has a new id.
    public var basis: [Int64]

    /// A fact.
    public init(name: String, isPresent: Bool, detail: String, value: Value? = nil, asOf: Date? = nil, basis: [Int64] = []) {
        self.name = name
        self.isPresent = isPresent
        self.detail = detail
        self.value = value
        self.asOf = asOf
        self.basis = basis
    }

    /// A fact that holds.
    public static func present(_ name: String, _ detail: String, value: Value? = nil, asOf: Date? = nil, basis: [Int64] = []) -> Fact {
        Fact(name: name, isPresent: true, detail: detail, value: value, asOf: asOf, basis: basis)
    }

    /// A fact that does not hold, and why.
    public static func missing(_ name: String, _ reason: String) -> Fact {
        Fact(name: name, isPresent: false, detail: reason, value: nil, asOf: nil, basis: [])
    }
}

/// A command as the module receives it: the verb and the validated values.
public struct Invocation: Sendable {
    /// The command's verb.
    public var verb: String
    /// The value of each field given (or answered at its prompt), by field name. A field that was
    /// optional and not given is absent.
    public var values: [String: Value]

    /// An invocation.
    public init(verb: String, values: [String: Value]) {
        self.verb = verb
        self.values = values
    }

    /// The field's value, if given.
    public subscript(field: String) -> Value? { values[field] }
}

/// Why a command did not run, in words staff can act on: what was wrong, and what to type instead.
///
/// The one error type for refusals: a module throws it, and so does the host (a role, a missing fact,
/// a bad value, a busy record), and the shell prints every one the same way and goes on.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it is: the journal records it, and a script's `expect` can name it.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The input was wrong, or the command could not be carried out.
        public static let error = Kind(rawValue: "error")
        /// The command is not allowed now (a role, sign-in, a missing fact, a standing alert).
        public static let refused = Kind(rawValue: "refused")
        /// The person at the terminal cancelled it.
        public static let cancelled = Kind(rawValue: "cancelled")

        public var description: String { rawValue }
    }

    /// What was wrong, in one line.
    public var message: String
    /// What to do about it, in one line (`run consent sign first`).
    public var hint: String?
    /// What kind of failure it is.
    public var kind: Kind

    /// Describes why a command failed.
    public init(_ message: String, hint: String? = nil) {
        self.init(message, hint: hint, kind: .error)
    }

    /// Describes why a command failed, and what kind of failure it is.
    public init(_ message: String, hint: String? = nil, kind: Kind) {
        self.message = message
        self.hint = hint
        self.kind = kind
    }

    /// One line: the problem, then what to do.
    public var description: String { hint.map { "\(message); \($0)" } ?? message }
}
