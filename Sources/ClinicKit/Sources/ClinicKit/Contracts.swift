/// The contracts between modules: what a module publishes for others (its facts, its record kinds)
/// and what it uses of theirs, declared as values the host checks when the modules load. A module
/// whose declared use names a fact, a command, a field or a record kind that no loaded module
/// provides is refused with one line saying which, instead of failing when a patient reaches it.
///
/// Declare each reference once, as a constant, and use that constant both in the declaration and
/// in the code:
///
/// ```swift
/// enum Uses {
///     static let running: FactKey = "dosing.running"
///     static let pause = CommandReference("dosing", "pause", fields: ["reason", "criterion"])
/// }
/// // ModuleDeclaration(…, uses: ModuleUses(facts: [Uses.running], commands: [Uses.pause]))
/// // try context.perform(Uses.pause, ["reason": .string("…"), "criterion": .string("…")])
/// ```

/// The name of a fact a module publishes: the module's name, a dot, and a word (`consent.signed`).
public struct FactKey: RawRepresentable, Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
    public static func < (a: FactKey, b: FactKey) -> Bool { a.rawValue < b.rawValue }
}

/// A clinic-protocol setting's key with the type of its value: declare it once and read it with
/// ``ClinicProtocol/value(_:)-(SettingKey<Int>)``.
///
/// ```swift
/// static let riseAlert = SettingKey<Double>("monitoring.alert_sbp_rise_percent")
/// let percent = try clinicProtocol.value(Self.riseAlert)
/// ```
public struct SettingKey<Value: Sendable>: Hashable, Sendable {
    /// The setting's key (`monitoring.alert_sbp_rise_percent`).
    public var rawValue: String
    /// A key.
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

extension ClinicProtocol {
    /// A whole-number setting.
    public func value(_ key: SettingKey<Int>) throws -> Int { try integer(key.rawValue) }
    /// A decimal setting.
    public func value(_ key: SettingKey<Double>) throws -> Double { try decimal(key.rawValue) }
    /// A list of decimals.
    public func value(_ key: SettingKey<[Double]>) throws -> [Double] { try decimals(key.rawValue) }
    /// A yes-or-no setting.
    public func value(_ key: SettingKey<Bool>) throws -> Bool { try yesNo(key.rawValue) }
    /// A text setting.
    public func value(_ key: SettingKey<String>) throws -> String { try text(key.rawValue) }
}

/// A command a module names: another module's command that it runs
/// (``ModuleContext/perform(_:_:)-(CommandReference,_)``), with the fields it gives it, or a
/// command its due items and alerts tell staff to type — its own, another module's or the shell's
/// (`visit start`).
public struct CommandReference: Hashable, Sendable, CustomStringConvertible {
    /// The module that declares the command (`dosing`), or the shell's first word (`visit`).
    public var module: String
    /// The command's verb (`pause`).
    public var verb: String
    /// The fields this module gives it, each of which the command must declare.
    public var fields: [String]

    /// A reference to `MODULE VERB`, given `fields`.
    public init(_ module: String, _ verb: String, fields: [String] = []) {
        self.module = module
        self.verb = verb
        self.fields = fields
    }

    /// `dosing pause`: the command as typed.
    public var name: String { "\(module) \(verb)" }
    public var description: String { name }
}

/// One kind of a module's record entries, published so that other modules (and anyone reading the
/// database) may rely on it: its payload fields, each with its meaning and unit. Renaming or
/// removing a published field is a breaking change of the module; adding one is not.
public struct RecordSpec: Sendable {
    /// The entry's kind (`completed`).
    public var kind: String
    /// What an entry of this kind records.
    public var summary: String
    /// The payload fields others may read.
    public var fields: [RecordField]

    /// A published record kind.
    public init(_ kind: String, summary: String, fields: [RecordField] = []) {
        self.kind = kind
        self.summary = summary
        self.fields = fields
    }
}

/// A field of a published record kind's payload.
public struct RecordField: Sendable, Equatable {
    /// The payload key (`given_mg`).
    public var name: String
    /// What it holds, with its unit (`the ketamine given, in mg`).
    public var summary: String

    /// A published payload field.
    public init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// Another module's record kind that this module reads, and the payload fields it relies on.
public struct RecordReference: Hashable, Sendable, CustomStringConvertible {
    /// The module that writes the entries (`dosing`).
    public var module: String
    /// Their kind (`completed`).
    public var kind: String
    /// The payload fields read, each of which the module must publish.
    public var fields: [String]

    /// A reference to `MODULE`'s `KIND` entries, reading `fields`.
    public init(_ module: String, _ kind: String, fields: [String] = []) {
        self.module = module
        self.kind = kind
        self.fields = fields
    }

    public var description: String { "\(module) \(kind)" }
}

/// What a module uses of other modules, checked when the modules load.
public struct ModuleUses: Sendable {
    /// Facts it reads with ``RecordReader/fact(_:)`` (those its commands require are declared in
    /// ``CommandSpec/requires`` and checked too).
    public var facts: [FactKey]
    /// Commands of other modules it runs with ``ModuleContext/perform(_:_:)-(CommandReference,_)``,
    /// and other modules' or the shell's commands its due items and alerts tell staff to type
    /// (``DueItem/commands``, ``StandingAlert/acknowledgement``; `visit start`).
    public var commands: [CommandReference]
    /// Other modules' records it reads.
    public var records: [RecordReference]

    /// What a module uses.
    public init(facts: [FactKey] = [], commands: [CommandReference] = [], records: [RecordReference] = []) {
        self.facts = facts
        self.commands = commands
        self.records = records
    }
}

extension RecordReader {
    /// Another module's fact, by its key.
    public func fact(_ key: FactKey) throws -> Fact? { try fact(key.rawValue) }

    /// The latest of another module's entries of the referenced kind.
    public func latest(_ reference: RecordReference) throws -> StoredRecord? {
        try latest(module: reference.module, kind: reference.kind)
    }

    /// Another module's entries of the referenced kind, oldest first.
    public func records(_ reference: RecordReference, visitOnly: Bool = false) throws -> [StoredRecord] {
        try records(module: reference.module, kind: reference.kind, visitOnly: visitOnly)
    }
}

extension ModuleContext {
    /// Runs another module's command as ``perform(_:_:)-(String,_)`` does, through a declared
    /// reference: the values must be of the fields the reference names.
    public func perform(_ command: CommandReference, _ values: [String: Value]) throws -> CommandOutput {
        if let field = values.keys.sorted().first(where: { !command.fields.contains($0) }) {
            throw CommandError("\(command.name) was given the field '\(field)', which its reference does not declare",
                               hint: "add it to the CommandReference's fields in the module's declaration")
        }
        return try perform(command.name, values)
    }
}
