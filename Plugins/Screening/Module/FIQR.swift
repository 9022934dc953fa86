import ClinicKit

/// The Revised Fibromyalgia Impact Questionnaire (Bennett et al., Arthritis Res Ther 2009;11:R120):
/// 21 items rated 0–10 for the past 7 days, in three domains, weighted to a total of 0–100
/// (higher is worse) [REFERENCE.md §2, S10, S11, S14, S15].
enum FIQR {
    struct Item {
        var field: String
        var wording: String
        /// What 0 and 10 mean.
        var anchors: (String, String)
    }

    /// Function: 9 items, 0 = no difficulty, 10 = very difficult [§2, S11, S12].
    static let function: [Item] = [
        "brushing or combing hair", "walking continuously for 20 minutes", "preparing a homemade meal",
        "vacuuming, scrubbing or sweeping floors", "lifting and carrying a bag full of groceries", "climbing one flight of stairs",
        "changing the bed sheets", "sitting in a chair for 45 minutes", "going shopping for groceries",
    ].enumerated().map { Item(field: "f\($0.offset + 1)", wording: $0.element, anchors: ("no difficulty", "very difficult")) }

    /// Overall impact: 2 items, 0 = never, 10 = always [§2, S11, S12].
    static let overall: [Item] = [
        Item(field: "o1", wording: "fibromyalgia kept the patient from reaching their goals for the week", anchors: ("never", "always")),
        Item(field: "o2", wording: "the patient was completely overwhelmed by fibromyalgia symptoms", anchors: ("never", "always")),
    ]

    /// Symptoms: 10 items [§2, S11, S10, S13].
    static let symptoms: [Item] = [
        ("level of pain", "no pain", "unbearable pain"), ("level of energy", "lots of energy", "no energy"),
        ("level of stiffness", "no stiffness", "severe stiffness"), ("quality of sleep", "woke well rested", "woke very tired"),
        ("level of depression", "not depressed", "very depressed"), ("memory problems", "good memory", "very poor memory"),
        ("level of anxiety", "not anxious", "very anxious"), ("tenderness to touch", "no tenderness", "very tender"),
        ("balance problems", "no imbalance", "severe imbalance"),
        ("sensitivity to loud noises, bright lights, odours and cold", "no sensitivity", "extreme sensitivity"),
    ].enumerated().map { Item(field: "s\($0.offset + 1)", wording: $0.element.0, anchors: ($0.element.1, $0.element.2)) }

    /// Each domain: its items, and what its (scaled) raw sum is divided by [§2 scoring, S14, S15].
    static let domains: [(name: String, items: [Item], divisor: Double)] = [
        ("function", function, 3), ("overall", overall, 1), ("symptoms", symptoms, 2),
    ]

    static let skip = "skip"

    static var fields: [FieldSpec] {
        var fields: [FieldSpec] = []
        for domain in domains {
            for item in domain.items {
                var choices: [Choice] = []
                for n in 0...10 {
                    let label = n == 0 ? item.anchors.0 : n == 10 ? item.anchors.1 : String(n)
                    choices.append(Choice(String(n), label))
                }
                choices.append(Choice(skip, "not answered: the domain is scaled from the items answered"))
                let help = "\(item.wording), past 7 days: 0 = \(item.anchors.0), 10 = \(item.anchors.1); skip if not answered"
                fields.append(FieldSpec(item.field, .choice(choices), help: help))
            }
        }
        return fields
    }

    struct Result: Equatable {
        var function: Double
        var overall: Double
        var symptoms: Double
        var total: Double
        var skipped: [String]
    }

    enum Failure: Error, Equatable {
        case domainUnanswered(String)
    }

    /// Scores the answers (a field missing or `skip` is unanswered). A domain with unanswered items is
    /// scaled by items ÷ answered before its division [§2, S14]; a domain with none answered cannot
    /// be scored.
    static func score(_ answers: [String: Value]) throws(Failure) -> Result {
        var scores: [Double] = []
        var skipped: [String] = []
        for domain in domains {
            let given = domain.items.compactMap { item -> Int? in
                guard let n = answers[item.field]?.stringValue.flatMap({ Int($0) }) else { skipped.append(item.field); return nil }
                return n
            }
            guard !given.isEmpty else { throw .domainUnanswered(domain.name) }
            let scaled = Double(given.reduce(0, +)) * Double(domain.items.count) / Double(given.count)
            scores.append(scaled / domain.divisor)
        }
        // Rounded to one decimal, as it is shown and stored.
        func r(_ x: Double) -> Double { (x * 10).rounded() / 10 }
        return Result(function: r(scores[0]), overall: r(scores[1]), symptoms: r(scores[2]), total: r(scores[0] + scores[1] + scores[2]),
                      skipped: skipped)
    }
}
