/// A setting of the clinic protocol that a module reads: a threshold, a limit or a period the clinic
/// may change. The value itself lives in the clinic's protocol file, with its unit, its default and
/// the source of that default; never in the module's code.
///
/// The host checks at start that the protocol holds every declared setting, of the declared kind
/// and within the declared range, and refuses to start otherwise, naming the key and its line.
public struct SettingSpec: Sendable {
    /// `MODULE.NAME`, lower-case words and `_` (`consent.validity_months`). The first word is the
    /// declaring module's name.
    public var key: String
    /// What the value must be.
    public var kind: SettingKind
    /// One line saying what the setting decides, shown by `protocol show`.
    public var summary: String

    /// Declares a setting.
    public init(_ key: String, _ kind: SettingKind, summary: String) {
        self.key = key
        self.kind = kind
        self.summary = summary
    }
}

/// The kind of value a protocol setting holds.
public enum SettingKind: Sendable, Equatable {
    /// A whole number in `range`, in `unit` (`months`, `points`).
    case integer(ClosedRange<Int>, unit: String)
    /// A number in `range`, in `unit` (`mg/kg`, `mmHg`, `%`).
    case decimal(ClosedRange<Double>, unit: String)
    /// One or more numbers, each in `range`, in `unit`, written as a list (`[10, 50]`): the
    /// strengths a pharmacy stocks, the bag volumes it makes up.
    case decimals(ClosedRange<Double>, unit: String)
    /// Yes or no.
    case yesNo
    /// Text: a name, a code.
    case text(maxLength: Int)
    /// A versioned document kept beside the protocol file (a consent text): the protocol names its
    /// file and version; the module reads it with ``ClinicProtocol/document(_:)``.
    case document

    /// The unit the protocol file must name, if any.
    public var unit: String? {
        switch self {
        case .integer(_, let unit), .decimal(_, let unit), .decimals(_, let unit): return unit
        case .yesNo, .text, .document: return nil
        }
    }

    /// What a value must be, for error messages: `a whole number of months, 1–60`.
    public var expects: String {
        switch self {
        case .integer(let r, let unit): return "a whole number of \(unit), \(r.lowerBound)–\(r.upperBound)"
        case .decimal(let r, let unit):
            return "a number of \(unit), \(FieldSpec.format(r.lowerBound))–\(FieldSpec.format(r.upperBound))"
        case .decimals(let r, let unit):
            return "a list of numbers of \(unit), each \(FieldSpec.format(r.lowerBound))–\(FieldSpec.format(r.upperBound)) ([1, 2])"
        case .yesNo: return "yes or no"
        case .text(let max): return "text, up to \(max) characters"
        case .document: return "a document: file and version"
        }
    }
}

/// The clinic protocol in force: its version and the settings the loaded modules declared, checked.
public struct ClinicProtocol: Sendable {
    /// The protocol's name (`Riverside Ketamine Clinic`).
    public var name: String
    /// Its version, as the file states it; every record notes it.
    public var version: String
    /// Each setting's value: `.int`, `.double`, `.bool` or `.string` as its ``SettingKind`` says.
    public var values: [String: Value]
    /// The documents the protocol names, by setting key.
    public var documents: [String: ProtocolDocument]
    /// The SHA-256 of the protocol file's bytes, in lower-case hex: two files with the same version
    /// but any other difference have different hashes. Every record notes it beside the version,
    /// and a signature that judged a dose against the protocol is bound to it.
    public var sha256: String

    /// A protocol.
    public init(name: String, version: String, values: [String: Value], documents: [String: ProtocolDocument] = [:], sha256: String = "") {
        self.name = name
        self.version = version
        self.values = values
        self.documents = documents
        self.sha256 = sha256
    }

    /// A document setting your module declared.
    public func document(_ key: String) throws -> ProtocolDocument {
        guard let d = documents[key] else { throw undeclared(key, "a document") }
        return d
    }

    /// A whole-number setting your module declared.
    /// - Throws: ``CommandError`` if no setting of that kind is declared under `key`.
    public func integer(_ key: String) throws -> Int {
        guard let v = values[key]?.intValue else { throw undeclared(key, "a whole number") }
        return v
    }

    /// A numeric setting your module declared (whole numbers too).
    public func decimal(_ key: String) throws -> Double {
        guard let v = values[key]?.doubleValue else { throw undeclared(key, "a number") }
        return v
    }

    /// A list-of-numbers setting your module declared, in the order the protocol gives them.
    public func decimals(_ key: String) throws -> [Double] {
        guard let v = values[key]?.arrayValue?.compactMap(\.doubleValue), !v.isEmpty else { throw undeclared(key, "a list of numbers") }
        return v
    }

    /// A yes/no setting your module declared.
    public func yesNo(_ key: String) throws -> Bool {
        guard let v = values[key]?.boolValue else { throw undeclared(key, "yes or no") }
        return v
    }

    /// A text setting your module declared.
    public func text(_ key: String) throws -> String {
        guard let v = values[key]?.stringValue else { throw undeclared(key, "text") }
        return v
    }

    private func undeclared(_ key: String, _ kind: String) -> CommandError {
        CommandError("the clinic protocol has no setting \(key) that is \(kind)",
                     hint: "declare it in the module's settings; please report this to the module's author")
    }
}

/// A versioned document of the clinic protocol, as the host read it.
public struct ProtocolDocument: Sendable, Equatable {
    /// The version the protocol gives it (`2026.11`).
    public var version: String
    /// Its text.
    public var text: String
    /// SHA-256 of the text's UTF-8 bytes, in hex: what a signature records, so the exact wording
    /// signed can be shown later.
    public var sha256: String

    /// A document.
    public init(version: String, text: String, sha256: String) {
        self.version = version
        self.text = text
        self.sha256 = sha256
    }
}
