/// Two fields of a command typed as one word: `bp=132/84` gives `sbp=132` and `dbp=84`.
///
/// The pair is typed wherever its fields may be: as `name=value` on a command line, as one value
/// of a ``ShortForm``, and at the prompt of its first field when both are asked for. The two
/// values are then read, checked and stored as the fields they are; the pair has no value of its own.
public struct FieldPair: Sendable, Hashable {
    /// The word typed (`bp`). It may not be the name of one of the command's fields.
    public var name: String
    /// The first field's name (`sbp`).
    public var first: String
    /// The second field's name (`dbp`).
    public var second: String
    /// What separates the two values (`/`).
    public var separator: String
    /// One line of help (`blood pressure, systolic/diastolic mmHg`).
    public var help: String

    /// Declares a pair of fields typed as one word.
    public init(_ name: String, _ first: String, _ second: String, separator: String = "/", help: String) {
        self.name = name
        self.first = first
        self.second = second
        self.separator = separator
        self.help = help
    }
}

/// A command's short form: a word typed alone, then its values in a fixed order, without names.
///
/// `ShortForm(["v"], values: ["bp", "hr", "rr", "spo2", "temp", "avpu"])` lets a nurse type
/// `v 132/84 78 14 98 36.8 A` for `monitoring vitals sbp=132 dbp=84 hr=78 rr=14 spo2=98 temp=36.8 avpu=A`.
/// A `-` skips a value; `name=value` words may follow or replace any of them. The journal keeps the
/// command as it would be typed in full.
public struct ShortForm: Sendable, Hashable {
    /// The words that start it (`v`, `vitals`). Each must be free: no command of the shell, and no
    /// module's name, alias or other short form.
    public var words: [String]
    /// The fields (or ``FieldPair`` names) its bare values are read into, in order.
    public var values: [String]

    /// Declares a short form.
    public init(_ words: [String], values: [String]) {
        self.words = words
        self.values = values
    }
}
