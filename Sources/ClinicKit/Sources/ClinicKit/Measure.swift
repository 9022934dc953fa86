/// An instrument the host asks as data whose total a module may follow over time: one that says
/// in which direction its total is better and the smallest change that matters to a patient (the
/// Insomnia Severity Index: lower is better, 6 points). Its responses are the module's records of
/// `kind`, with the total in the payload's `field`.
public struct Measure: Sendable, Equatable {
    /// The module its responses are recorded under (`screening`).
    public var module: String
    /// The kind of those records (`isi`).
    public var kind: String
    /// What staff call it (`ISI`).
    public var title: String
    /// The payload field that holds the total (`total`).
    public var field: String
    /// The questionnaire's canonical URL and version as its responses record them in their
    /// `questionnaire` field (`https://…/isi|1.0.0`): a response to another version is another
    /// scale, not a point of this one's trend.
    public var questionnaire: String
    /// Whether a lower total is the better one.
    public var lowerIsBetter: Bool
    /// The smallest change of the total that matters to a patient, in the total's own points.
    public var minimalImportantDifference: Double

    public init(module: String, kind: String, title: String, field: String, questionnaire: String, lowerIsBetter: Bool,
                minimalImportantDifference: Double) {
        self.module = module
        self.kind = kind
        self.title = title
        self.field = field
        self.questionnaire = questionnaire
        self.lowerIsBetter = lowerIsBetter
        self.minimalImportantDifference = minimalImportantDifference
    }
}
