import ClinicKit

/// The outcome measure of REFERENCE.md section 6 follow-up codes itself: the pain NRS (PGIC and the
/// Brief Pain Inventory are instruments given as data: pgic.json and bpi.json).
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

    /// `4.25` → `4.3`: to one decimal, half away from zero.
    static func oneDecimal(_ x: Double) -> String {
        let tenths = (x * 10).rounded()
        return FieldSpec.format(tenths / 10) + (tenths.truncatingRemainder(dividingBy: 10) == 0 ? ".0" : "")
    }
}
