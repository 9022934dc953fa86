import ClinicKit

/// The outcome measures of REFERENCE.md section 6: pain NRS, PGIC and the Brief Pain Inventory.
enum Outcomes {
    /// Pain NRS, 0 = no pain … 10 = worst pain imaginable [6.1, S85].
    static func nrsField(_ name: String, _ help: String, required: Bool = true) -> FieldSpec {
        FieldSpec(name, .integer(0...10), required: required, help: "\(help): 0 = no pain, 10 = worst pain imaginable", sample: "5")
    }

    /// The NRS band of a score; the bands disagree between sources [6.1, S85–S88], so the upper
    /// ends of mild and moderate are the clinic protocol's.
    static func band(_ score: Int, mildMax: Int, moderateMax: Int) -> String {
        if score == 0 { return "no pain" }
        if score <= mildMax { return "mild" }
        return score <= moderateMax ? "moderate" : "severe"
    }

    /// PGIC in the NINDS common-data-element order, 1 = very much improved … 7 = very much worse
    /// [6.2, S89]; other versions reverse it [S90], so the label is stored with the number.
    static let pgic: [Choice] = [
        Choice("1", "very much improved"), Choice("2", "much improved"), Choice("3", "minimally improved"),
        Choice("4", "no change"), Choice("5", "minimally worse"), Choice("6", "much worse"), Choice("7", "very much worse"),
    ]
    static let pgicVersion = "NINDS CDE, 1 = very much improved … 7 = very much worse"

    /// BPI short form severity items 3–6 [6.3, S92, S93].
    static let bpiSeverity = [("worst", "worst pain in the last 24 hours"), ("least", "least pain in the last 24 hours"),
                              ("average", "pain on average"), ("now", "pain right now")]
    /// BPI item 9, interference A–G, 0 = does not interfere … 10 = completely interferes.
    static let bpiInterference = [("activity", "general activity"), ("mood", "mood"), ("walking", "walking ability"),
                                  ("work", "normal work, including housework"), ("relations", "relations with other people"),
                                  ("sleep", "sleep"), ("enjoyment", "enjoyment of life")]
    static let skip = "skip"

    static var bpiFields: [FieldSpec] {
        var answers: [Choice] = []
        for n in 0...10 {
            let label = n == 0 ? "does not interfere" : n == 10 ? "completely interferes" : String(n)
            answers.append(Choice(String(n), label))
        }
        answers.append(Choice(skip, "not answered"))
        var fields: [FieldSpec] = bpiSeverity.map { nrsField($0.0, $0.1) }
        fields.append(FieldSpec("relief", .integer(0...100), required: false, help: "% relief from treatments in the last 24 hours, in steps of 10", sample: "30"))
        for item in bpiInterference {
            fields.append(FieldSpec(item.0, .choice(answers), help: "how much pain interfered with \(item.1) in the last 24 hours: 0 = does not interfere, 10 = completely interferes; skip if not answered"))
        }
        return fields
    }

    struct BPIScore: Equatable {
        /// Mean of items 3–6.
        var severity: Double
        /// Mean of the interference items answered, when at least 4 of 7 are [6.3, S93, S87].
        var interference: Double?
        var answered: Int
    }

    /// Scores the BPI: severity the mean of worst, least, average and now; interference the mean of
    /// the items answered, valid only with 4 or more of the 7.
    static func scoreBPI(severity: [Int], interference: [Int?]) -> BPIScore {
        let answered = interference.compactMap { $0 }
        let mean = severity.isEmpty ? 0 : Double(severity.reduce(0, +)) / Double(severity.count)
        return BPIScore(severity: mean, interference: answered.count >= 4 ? Double(answered.reduce(0, +)) / Double(answered.count) : nil,
                        answered: answered.count)
    }

    /// `4.25` → `4.3`: to one decimal, half away from zero.
    static func oneDecimal(_ x: Double) -> String {
        let tenths = (x * 10).rounded()
        return FieldSpec.format(tenths / 10) + (tenths.truncatingRemainder(dividingBy: 10) == 0 ? ".0" : "")
    }
}
