import ClinicKit

/// The item-by-item questionnaires of screening, each with its items in our own words, its answer
/// anchors, its scoring and its bands, as REFERENCE.md §6.5, §6.6, §7.1 and §7.2 give them.
struct Questionnaire: Sendable {
    struct Item: Sendable {
        var field: String
        var wording: String
        /// Answers and their anchors; the answer's id is its score unless `reversed`.
        var answers: [Choice]
        /// DAST-10 item 3: a "no" scores 1 [§7.1, S105, S127].
        var reversed = false
    }

    var id: String
    var title: String
    var summary: String
    var recall: String
    var items: [Item]
    /// Inclusive score ranges and their names.
    var bands: [(ClosedRange<Int>, String)]

    var fields: [FieldSpec] {
        items.map { item in
            if item.answers.isEmpty { return FieldSpec(item.field, .yesNo, help: "\(item.wording) (\(recall))") }
            return FieldSpec(item.field, .choice(item.answers), help: "\(item.wording) (\(recall))")
        }
    }

    /// Each item's score and the total.
    func score(_ answers: [String: Value]) -> (items: [String: Int], total: Int) {
        var scores: [String: Int] = [:]
        for item in items {
            let s: Int
            if item.answers.isEmpty {
                let yes = answers[item.field]?.boolValue ?? false
                s = (yes != item.reversed) ? 1 : 0
            } else {
                s = Int(answers[item.field]?.stringValue ?? "") ?? 0
            }
            scores[item.field] = s
        }
        return (scores, scores.values.reduce(0, +))
    }

    func band(_ total: Int) -> String { bands.first { $0.0.contains(total) }?.1 ?? "out of range" }

    // MARK: - The instruments

    /// The 0–3 answers PHQ-9 and GAD-7 share [§6.5, §6.6].
    static let frequency = [Choice("0", "not at all"), Choice("1", "several days"),
                            Choice("2", "more than half the days"), Choice("3", "nearly every day")]

    /// PHQ-9: 9 items, 0–27; bands 0–4, 5–9, 10–14, 15–19, 20–27 [§6.5, S99, S100].
    static let phq9 = Questionnaire(
        id: "phq9", title: "PHQ-9", summary: "depression (PHQ-9, 9 items, 0–27)", recall: "over the past 2 weeks",
        items: [
            "little interest or pleasure in doing things",
            "feeling down, depressed or hopeless",
            "trouble falling or staying asleep, or sleeping too much",
            "feeling tired or having little energy",
            "poor appetite or overeating",
            "feeling bad about oneself, a failure, or having let oneself or one's family down",
            "trouble concentrating, for instance on reading or television",
            "moving or speaking so slowly that others noticed, or so restless that one moved about much more than usual",
            "thoughts of being better off dead, or of self-harm",
        ].enumerated().map { Item(field: "q\($0.offset + 1)", wording: $0.element, answers: frequency) },
        bands: [(0...4, "minimal"), (5...9, "mild"), (10...14, "moderate"), (15...19, "moderately severe"), (20...27, "severe")])

    /// GAD-7: 7 items, 0–21; bands 0–4, 5–9, 10–14, 15–21 [§6.6, S103, S104].
    static let gad7 = Questionnaire(
        id: "gad7", title: "GAD-7", summary: "anxiety (GAD-7, 7 items, 0–21)", recall: "over the past 2 weeks",
        items: [
            "feeling nervous, anxious or on edge",
            "not being able to stop or control worrying",
            "worrying too much about different things",
            "trouble relaxing",
            "so restless that it is hard to sit still",
            "becoming easily annoyed or irritable",
            "feeling afraid, as if something awful might happen",
        ].enumerated().map { Item(field: "q\($0.offset + 1)", wording: $0.element, answers: frequency) },
        bands: [(0...4, "minimal"), (5...9, "mild"), (10...14, "moderate"), (15...21, "severe")])

    /// DAST-10: 10 yes/no items on drug use other than alcohol and tobacco in the past 12 months;
    /// item 3 reversed; bands 0, 1–2, 3–5, 6–8, 9–10 [§7.1, S105, S106, S127].
    static let dast10 = Questionnaire(
        id: "dast10", title: "DAST-10", summary: "drug use, not alcohol or tobacco (DAST-10, 10 yes/no items, 0–10)",
        recall: "in the past 12 months, not counting alcohol or tobacco",
        items: [
            ("used drugs other than those needed for medical reasons", false),
            ("used more than one drug at a time", false),
            ("always able to stop using drugs when wanting to", true),
            ("had blackouts or flashbacks from drug use", false),
            ("felt bad or guilty about drug use", false),
            ("a spouse or parent complained about the drug use", false),
            ("neglected the family because of drug use", false),
            ("did something illegal to get drugs", false),
            ("had withdrawal symptoms on stopping drugs", false),
            ("had medical problems from drug use (memory loss, hepatitis, seizures, bleeding)", false),
        ].enumerated().map { Item(field: "q\($0.offset + 1)", wording: $0.element.0, answers: [], reversed: $0.element.1) },
        bands: [(0...0, "none reported"), (1...2, "low"), (3...5, "moderate"), (6...8, "substantial"), (9...10, "severe")])

    /// AUDIT-C, US version: 3 items 0–4, 0–12; positive at the protocol's cut-off for the patient's
    /// sex (≥ 4 men, ≥ 3 women by default) [§7.2, S108, S109].
    static let auditC = Questionnaire(
        id: "auditc", title: "AUDIT-C", summary: "alcohol (AUDIT-C, US version, 3 items, 0–12)", recall: "in the past year",
        items: [
            Item(field: "q1", wording: "how often a drink containing alcohol",
                 answers: [Choice("0", "never"), Choice("1", "monthly or less"), Choice("2", "2–4 times a month"),
                           Choice("3", "2–3 times a week"), Choice("4", "4 or more times a week")]),
            Item(field: "q2", wording: "drinks on a typical day of drinking",
                 answers: [Choice("0", "1 or 2"), Choice("1", "3 or 4"), Choice("2", "5 or 6"), Choice("3", "7 to 9"), Choice("4", "10 or more")]),
            Item(field: "q3", wording: "how often 6 or more drinks on one occasion",
                 answers: [Choice("0", "never"), Choice("1", "less than monthly"), Choice("2", "monthly"), Choice("3", "weekly"),
                           Choice("4", "daily or almost daily")]),
        ],
        bands: [(0...12, "")])

    static let all = [phq9, gad7, dast10, auditC]
}
