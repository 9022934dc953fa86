import Foundation

/// One input of a command: its name, its kind (which also says how it is parsed), and the help
/// shown when it is prompted for.
///
/// The host derives everything about a field from this declaration: `name=value` and `--name value`
/// parsing, the prompt (`weight (kg or lb, 20–350 kg):`), validation messages, Tab completion of
/// `name=` and of choices, and the `help` text. A module's code receives only values that passed.
public struct FieldSpec: Sendable {
    /// The field's name, as typed before `=` (`weight`). Lower case, digits and `-` or `_`.
    public var name: String
    /// What the field holds and how its text is read.
    public var kind: FieldKind
    /// Whether a command without this field is incomplete (prompted for in the shell, an error in
    /// a script).
    public var isRequired: Bool
    /// One line of help: what the field means for the person entering it.
    public var help: String
    /// Whether the field may also be given by position, without its name (`patient open BAR-001`).
    /// The last positional field, when it is ``FieldKind/text(maxLength:)``, takes the rest of the
    /// unnamed words (`patient find Zoë Ålvarez`).
    public var isPositional: Bool
    /// The patients the field applies to; `nil` means every patient. A required field that does not
    /// apply to the open patient is not asked for.
    public var appliesTo: Set<Sex>?
    /// Whether the value identifies a person or is free clinical text. The host keeps such values
    /// out of the history file.
    public var isIdentifying: Bool
    /// A typical entry, shown in hints (`72kg`); one is made from the kind when `nil`.
    public var sample: String?
    /// For an integer or decimal field: the unit its number is in (the first) and others it may
    /// be typed in (`[.celsius, .fahrenheit]`: `36.8`, `36.8C` and `98.2F` are the same field).
    /// A bare number is in the first unit; one typed in another unit is converted to it, rounded
    /// to a whole number for an integer field and to one decimal place for a decimal one, and
    /// stored as a plain number, as if typed in the first unit.
    public var units: [MeasureUnit] = []

    /// Declares a field.
    public init(
        _ name: String, _ kind: FieldKind, required: Bool = true, help: String,
        positional: Bool = false, appliesTo: Set<Sex>? = nil, identifying: Bool = false, sample: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.isRequired = required
        self.help = help
        self.isPositional = positional
        self.appliesTo = appliesTo
        self.isIdentifying = identifying
        self.sample = sample
    }
}

/// A patient's recorded sex, as the command surface takes it (`--sex F|M|X`).
///
/// Frozen: clinical rules (reference ranges, pregnancy questions) switch over exactly these three.
@frozen public enum Sex: String, Sendable, Hashable, CaseIterable {
    case female = "F"
    case male = "M"
    /// Not stated, intersex, or not female or male.
    case unspecified = "X"
}

/// What a field holds.
public enum FieldKind: Sendable {
    /// Free text up to a length. Control characters are refused.
    case text(maxLength: Int)
    /// A whole number within a range.
    case integer(ClosedRange<Int>)
    /// A decimal number within a range.
    case decimal(ClosedRange<Double>)
    /// A number with a unit from `units`; the range is in the first unit. A bare number is refused:
    /// the unit must be typed. Units of another dimension than the first (`mg` beside `mg/kg`) are
    /// not converted: their number is checked against the range as typed.
    case quantity(units: [MeasureUnit], range: ClosedRange<Double>)
    /// A calendar date, `YYYY-MM-DD` (or `YYYY-MM` and `YYYY` when `partial` is allowed), or days
    /// from the clinic's today (`T`, `T-1`, `T+7`, `today`, `yesterday`, `tomorrow`), read as the date
    /// they name.
    case date(partial: Bool, notInFuture: Bool)
    /// `yes` or `no`.
    case yesNo
    /// Exactly one of the choices.
    case choice([Choice])
    /// Any number of the choices, comma-separated, or `none`.
    case choices([Choice])
    /// A comma-separated list of short free-text items, or `none`.
    case list(maxItems: Int)
    /// A comma-separated list of `item:outcome` pairs, where the outcome is one of the choices
    /// (`pregabalin:partial, cbt:no-effect`), or `none`.
    case outcomes([Choice])
}

/// One allowed answer of a choice field.
public struct Choice: Sendable, Hashable {
    /// The stored value, also what is typed (`fibro-fog`).
    public var id: String
    /// What the choice means, shown in help and prompts.
    public var label: String
    /// Other words accepted for it (`cognitive`).
    public var aliases: [String]

    /// Declares a choice.
    public init(_ id: String, _ label: String, aliases: [String] = []) {
        self.id = id
        self.label = label
        self.aliases = aliases
    }
}

/// A unit of measure and its factor to its dimension's base unit.
public struct MeasureUnit: Sendable, Hashable {
    /// The symbol stored and shown (`kg`).
    public var symbol: String
    /// Other spellings accepted (`kgs`, `kilograms`).
    public var aliases: [String]
    /// The dimension (`mass`); only units of one dimension convert into each other.
    public var dimension: String
    /// How many base units one of this unit is.
    public var factor: Double
    /// What is added after the factor, for scales whose zero differs (°F to °C):
    /// base = value × factor + offset.
    public var offset: Double = 0

    /// Declares a unit.
    public init(_ symbol: String, aliases: [String] = [], dimension: String, factor: Double) {
        self.symbol = symbol
        self.aliases = aliases
        self.dimension = dimension
        self.factor = factor
    }

    /// Declares a unit whose zero is not the base unit's: base = value × factor + offset.
    public init(_ symbol: String, aliases: [String] = [], dimension: String, factor: Double, offset: Double) {
        self.init(symbol, aliases: aliases, dimension: dimension, factor: factor)
        self.offset = offset
    }

    /// Kilograms, the base of mass.
    public static let kilogram = MeasureUnit("kg", aliases: ["kgs", "kilogram", "kilograms"], dimension: "mass", factor: 1)
    /// The international avoirdupois pound: exactly 0.45359237 kg (international yard and pound agreement, 1959).
    public static let pound = MeasureUnit("lb", aliases: ["lbs", "pound", "pounds"], dimension: "mass", factor: 0.45359237)
    /// Centimetres, the base of length.
    public static let centimetre = MeasureUnit("cm", aliases: ["centimetre", "centimetres", "centimeter", "centimeters"], dimension: "length", factor: 1)
    /// The international inch: exactly 2.54 cm.
    public static let inch = MeasureUnit("in", aliases: ["inch", "inches"], dimension: "length", factor: 2.54)
    /// Degrees Celsius, the base of temperature.
    public static let celsius = MeasureUnit("°C", aliases: ["c", "°c", "celsius"], dimension: "temperature", factor: 1)
    /// Degrees Fahrenheit: °C = (°F − 32) × 5/9 (the definition of the Fahrenheit scale against the Celsius one).
    public static let fahrenheit = MeasureUnit("°F", aliases: ["f", "°f", "fahrenheit"], dimension: "temperature",
                                               factor: 5.0 / 9.0, offset: -32.0 * 5.0 / 9.0)
    /// Per cent (an oxygen saturation), the base of a fraction.
    public static let percent = MeasureUnit("%", aliases: ["pc", "percent"], dimension: "fraction", factor: 1)

    /// `value` of this unit in `target`, of the same dimension.
    public func convert(_ value: Double, to target: MeasureUnit) -> Double {
        precondition(target.dimension == dimension, "cannot convert \(symbol) to \(target.symbol)")
        if self == target { return value }
        return (value * factor + offset - target.offset) / target.factor
    }
}

/// A number with its unit, as a quantity field's value holds it (`{"value": 158, "unit": "lb"}`).
public struct Quantity: Sendable, Hashable {
    /// The number as typed.
    public var value: Double
    /// The unit it was typed in.
    public var unit: MeasureUnit

    /// A quantity.
    public init(_ value: Double, _ unit: MeasureUnit) {
        self.value = value
        self.unit = unit
    }

    /// Reads a quantity field's value, looking its unit up among `units`.
    public init?(_ v: Value, units: [MeasureUnit]) {
        guard let number = v["value"]?.doubleValue, let symbol = v["unit"]?.stringValue,
            let unit = units.first(where: { $0.symbol == symbol })
        else { return nil }
        self.init(number, unit)
    }

    /// The quantity converted to `target`, which must be of the same dimension.
    public func value(in target: MeasureUnit) -> Double {
        unit.convert(value, to: target)
    }

    /// The quantity as a field value.
    public var asValue: Value { .object(["value": .double(value), "unit": .string(unit.symbol)]) }
}

/// A value a field could not accept, with what to type instead.
public struct FieldError: Error, Sendable, CustomStringConvertible {
    /// The field's name.
    public var field: String
    /// What was wrong, quoting the text.
    public var problem: String
    /// An example of what would be accepted.
    public var hint: String

    /// Describes a refused value.
    public init(field: String, problem: String, hint: String) {
        self.field = field
        self.problem = problem
        self.hint = hint
    }

    public var description: String { "\(field): \(problem); \(hint)" }
}

// MARK: - Describing a field

extension FieldSpec {
    /// What may be typed, in a few words, as the prompt and `help` show it (`kg or lb, 20–350 kg`).
    public var expects: String {
        switch kind {
        case .text(let max): return "text, up to \(max) characters"
        case .integer(let r): return "a whole number, \(r.lowerBound)–\(r.upperBound)" + unitsText
        case .decimal(let r): return "a number, \(Self.format(r.lowerBound))–\(Self.format(r.upperBound))" + unitsText
        case .quantity(let units, let r):
            let names = units.map(\.symbol).joined(separator: " or ")
            let oneDimension = units.allSatisfy { $0.dimension == units[0].dimension }
            return "\(names), \(Self.format(r.lowerBound))–\(Self.format(r.upperBound))" + (oneDimension ? " \(units[0].symbol)" : "")
        case .date(let partial, let notInFuture):
            return partial ? "YYYY-MM-DD, YYYY-MM or YYYY" : notInFuture ? "YYYY-MM-DD, or T, T-1" : "YYYY-MM-DD, or T, T-1, T+7"
        case .yesNo: return "yes or no"
        case .choice(let cs): return "one of " + cs.map(\.id).joined(separator: ", ")
        case .choices(let cs): return "any of " + cs.map(\.id).joined(separator: ", ") + ", or none"
        case .list: return "comma-separated, or none"
        case .outcomes(let cs): return "item:outcome, … with outcome " + cs.map(\.id).joined(separator: "|") + ", or none"
        }
    }

    /// ` °C, or °F` after a number's range, for a field typed with ``units``.
    private var unitsText: String {
        guard let first = units.first else { return "" }
        let others = units.dropFirst().map(\.symbol)
        return " " + first.symbol + (others.isEmpty ? "" : ", or " + others.joined(separator: " or "))
    }

    /// An example of an accepted entry, for error hints (`weight=72kg`).
    public var example: String {
        if let sample { return "\(name)=\(sample)" }
        switch kind {
        case .text: return "\(name)=\"…\""
        // Without a sample, a value from the middle of the range: the bottom of a range reads
        // as a value to type, and is rarely one.
        case .integer(let r): return "\(name)=\(Int(Self.typical(Double(r.lowerBound), Double(r.upperBound))))"
        case .decimal(let r): return "\(name)=\(Self.format(Self.typical(r.lowerBound, r.upperBound)))"
        case .quantity(let units, let r):
            return "\(name)=\(Self.format(Self.typical(r.lowerBound, r.upperBound)))\(units[0].symbol)"
        case .date: return "\(name)=2024-03-15"
        case .yesNo: return "\(name)=yes"
        case .choice(let cs): return "\(name)=\(cs.first?.id ?? "…")"
        case .choices(let cs): return "\(name)=\(cs.prefix(2).map(\.id).joined(separator: ","))"
        case .list: return "\(name)=\"a, b\""
        case .outcomes(let cs): return "\(name)=\"pregabalin:\(cs.first?.id ?? "…")\""
        }
    }

    /// The middle of a range, to two significant digits (40–300 gives 170).
    static func typical(_ low: Double, _ high: Double) -> Double {
        let mid = (low + high) / 2
        guard mid > 0 else { return low }
        let scale = pow(10, floor(log10(mid)) - 1)
        return min(high, max(low, (mid / scale).rounded() * scale))
    }

    /// The words Tab may complete after `name=`: the choices, or `yes`/`no`.
    public var completions: [String] {
        switch kind {
        case .choice(let cs): return cs.map(\.id)
        case .choices(let cs): return cs.map(\.id) + ["none"]
        case .yesNo: return ["yes", "no"]
        case .quantity(let units, _): return units.map(\.symbol)
        case .integer, .decimal: return units.map(\.symbol)
        default: return []
        }
    }

    /// A number as people write it: no trailing `.0` on whole numbers (`72`, `71.7`,
    /// `100000000000000`); from 10¹⁵ on, as Swift writes a `Double` (`1e+15`).
    public static func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
