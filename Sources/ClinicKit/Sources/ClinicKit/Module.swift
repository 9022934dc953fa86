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
    /// Every kind of entry the module's own commands record, when it declares them with
    /// ``recording(_:)``: the host then refuses an entry of any other kind from its code, and lets
    /// a clinic's instruments given as data join the module as commands of its own under other
    /// kinds (`screening isi`). `nil`, the default: no instrument may join the module, so none can
    /// write an entry the module would read as one of its own.
    public var recordedKinds: [String]? = nil

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

    /// The declaration with the kinds of entry the module's own commands record (``recordedKinds``).
    public func recording(_ kinds: [String]) -> ModuleDeclaration {
        var declared = self
        declared.recordedKinds = kinds
        return declared
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
    /// Shorter words staff may type for the module's name (`mon` for `monitoring`). Each must be
    /// free: no command of the shell, and no other module's name, alias or short form.
    public var aliases: [String] = []

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
    /// Other words for the verb (`vit` for `vitals`), typed and completed like it and shown by `help`.
    public var aliases: [String] = []
    /// Two fields typed as one word (`bp=132/84` for `sbp` and `dbp`).
    public var pairs: [FieldPair] = []
    /// A word typed on its own that runs this command with its values in a fixed order
    /// (`v 132/84 78 14 98 36.8 A`): for the commands staff type most.
    public var shortForm: ShortForm?
    /// A clinic-protocol setting (text: field names separated by spaces or commas) naming fields
    /// that are required on top of the declared ones (`monitoring.vitals_required`). The host asks
    /// for them at a terminal, and refuses a script's line without them, as for any required field.
    public var requiredFieldsSetting: String?

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
    /// When missing: the command that would make it hold, for the reason that holds now (an
    /// unsigned decision is signed, but a screening with no decision is decided first). Without
    /// one, staff are told the fact's ``FactSpec/establishedBy``. The host checks that it is one of
    /// the module's own commands or one its declaration uses.
    public var remedy: CommandReference?

    /// A fact.
    public init(name: String, isPresent: Bool, detail: String, value: Value? = nil, asOf: Date? = nil, basis: [Int64] = []) {
        self.name = name
        self.isPresent = isPresent
        self.detail = detail
        self.value = value
        self.asOf = asOf
        self.basis = basis
        self.remedy = nil
    }

    /// A fact that holds.
    public static func present(_ name: String, _ detail: String, value: Value? = nil, asOf: Date? = nil, basis: [Int64] = []) -> Fact {
        Fact(name: name, isPresent: true, detail: detail, value: value, asOf: asOf, basis: basis)
    }

    /// A fact that does not hold, and why.
    public static func missing(_ name: String, _ reason: String) -> Fact {
        Fact(name: name, isPresent: false, detail: reason, value: nil, asOf: nil, basis: [])
    }

    /// A fact that does not hold, why, and the command that would make it hold for that reason.
    public static func missing(_ name: String, _ reason: String, remedy: CommandReference) -> Fact {
        var fact = Fact(name: name, isPresent: false, detail: reason, value: nil, asOf: nil, basis: [])
        fact.remedy = remedy
        return fact
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
