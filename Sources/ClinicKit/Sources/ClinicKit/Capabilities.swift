import Foundation

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
    ///
    /// Work them out from the record alone, not from the time of asking: the host stores each
    /// patient's items whenever their record changes (in the transaction that changes it) and the
    /// clinic's worklist reads them from there, so `record.now` is only the time of that change.
    /// An item that shows only from a time on, or stops being due after one, says so with
    /// ``DueItem/shownFrom`` and ``DueItem/lapsesAfter``; the host compares them with the time.
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
    /// the entries it is made from. Refer to the patient as `FHIRExport.patient` (ClinicKitFHIR), to a visit as
    /// `FHIRExport.encounter(_:)` and to staff as `FHIRExport.practitioner(_:)`, and give each
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
    /// dosing pause. Stop?`). At a "no" the host offers to change a value (`sbp=148`) and puts the
    /// questions again on the values as they are then; nothing typed cancels the command with
    /// nothing recorded. The host asks them before its write transaction begins, and not at all in
    /// a script: the command must still be safe to run without them.
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
    /// The command that does it, as staff type it (`monitoring vitals`, `dosing lft date= result=`).
    public var command: String
    /// Whether it is due on a day rather than at a time (a follow-up call): `at` is the start of
    /// that day, and it is overdue only once the day has passed.
    public var isAllDay: Bool
    /// The commands ``command`` names, typed. The host checks, each time the item is shown, that
    /// each is one of the module's own commands or one its declaration uses
    /// (``ModuleUses/commands``, which the loader checks exist), and that ``command`` names it.
    public var commands: [CommandReference]
    /// Not shown before this time (an infusion left open is said from the end of its day on);
    /// `nil`: shown from when it is worked out.
    public var shownFrom: Date? = nil
    /// No longer due after this time (liver tests lapse once treatment has stopped for longer
    /// than their interval); `nil`: due until the record says it is done.
    public var lapsesAfter: Date? = nil

    /// Whether the item is shown at `time`: from ``shownFrom`` up to ``lapsesAfter``.
    public func isShown(at time: Date) -> Bool {
        (shownFrom.map { $0 <= time } ?? true) && (lapsesAfter.map { time <= $0 } ?? true)
    }

    /// Something due, done by `command`, which names `commands` (own commands, or commands the
    /// module declares it uses): `DueItem("vitals", at: t, detail: "every 15 min",
    /// command: "monitoring vitals", naming: [Commands.vitals])`.
    public init(_ what: String, at: Date, detail: String, command: String, naming commands: [CommandReference], isAllDay: Bool = false) {
        self.what = what
        self.at = at
        self.detail = detail
        self.command = command
        self.isAllDay = isAllDay
        self.commands = commands
    }

    /// Something due, its command as text only: nothing checks that the command exists. Prefer
    /// ``init(_:at:detail:command:naming:isAllDay:)``.
    public init(_ what: String, at: Date, detail: String, command: String, isAllDay: Bool = false) {
        self.init(what, at: at, detail: detail, command: command, naming: [], isAllDay: isAllDay)
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
    /// A few words the watch line adds while the patient is watched (`paused: stop criterion`), and
    /// the prompt shows once the treatment has ended (`discharge not before 10:13`).
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
    /// The command that acknowledges it, as staff type it (`screening acknowledge NOTE`).
    public var acknowledgedBy: String
    /// That command, typed; checked by the host as ``DueItem/commands`` are.
    public var acknowledgement: CommandReference?

    /// An alert that `acknowledgedBy`, naming `command` (one of the module's own commands, or one
    /// it declares it uses), acknowledges.
    public init(_ text: String, since: Date, acknowledgedBy: String, naming command: CommandReference) {
        self.text = text
        self.since = since
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgement = command
    }

    /// An alert, its acknowledging command as text only: nothing checks that the command exists.
    /// Prefer ``init(_:since:acknowledgedBy:naming:)``.
    public init(_ text: String, since: Date, acknowledgedBy: String) {
        self.text = text
        self.since = since
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgement = nil
    }
}
