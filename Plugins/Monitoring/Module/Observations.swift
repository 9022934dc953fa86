import ClinicKit

/// Sedation, dissociation and adverse events: what is observed besides the vital signs, each with
/// the protocol's limits (REFERENCE.md 5.1–5.3; 4.3 for why the limits are the clinic's).
enum Observations {
    /// RASS, −5 to +4 [5.1, S69, S70].
    static let rass: [(Int, String)] = [
        (4, "combative"), (3, "very agitated"), (2, "agitated"), (1, "restless"), (0, "alert and calm"),
        (-1, "drowsy"), (-2, "light sedation"), (-3, "moderate sedation"), (-4, "deep sedation"), (-5, "unarousable"),
    ]

    /// MOAA/S in its common 0–5 form [5.2, S71, S72]; the version is stored with each score, since
    /// a 1–6 form exists [S73].
    static let moaas: [(Int, String)] = [
        (5, "responds readily to name in a normal tone"), (4, "lethargic response to name in a normal tone"),
        (3, "responds only when name is called loudly or repeatedly"), (2, "responds only after mild prodding or shaking"),
        (1, "responds only after a painful trapezius squeeze"), (0, "no response to a painful trapezius squeeze"),
    ]
    static let moaasVersion = "0-5"

    /// CADSS: the 23-item version used in ketamine research, each item 0–4, total 0–92 [5.3, S76, S79].
    static let cadssVersion = "23 items, 0-92"

    static func term(_ scale: [(Int, String)], _ value: Int) -> String { scale.first { $0.0 == value }?.1 ?? "?" }

    static let eventKinds = [
        Choice("nausea", "nausea"), Choice("vomiting", "vomiting"), Choice("dizziness", "dizziness"),
        Choice("hallucinations", "hallucinations"), Choice("dissociation", "distressing dissociation"),
        Choice("agitation", "agitation"), Choice("hypertension", "hypertension"), Choice("tachycardia", "tachycardia"),
        Choice("respiratory-depression", "respiratory depression", aliases: ["respiratory", "resp-depression"]),
        Choice("other", "something else: say what in note="),
    ]
    static let severities = [
        Choice("mild", "noticed, no treatment needed"), Choice("moderate", "needed treatment or a change to the infusion"),
        Choice("severe", "serious: alerts, and pauses the infusion if the protocol says so"),
    ]

    /// The criteria a sedation, dissociation or event entry crosses.
    static func check(_ verb: String, _ value: Int, criteria c: Criteria) -> [Crossing] {
        switch verb {
        case "rass":
            if value <= c.alertRASSAtMost {
                return [Crossing(.alert, "RASS \(value) (\(term(rass, value))) ≤ \(c.alertRASSAtMost)", "monitoring.alert_rass_at_most")]
            }
            if value >= c.alertRASSAtLeast {
                return [Crossing(.alert, "RASS +\(value) (\(term(rass, value))) ≥ +\(c.alertRASSAtLeast)", "monitoring.alert_rass_at_least")]
            }
        case "moaas":
            if value <= c.alertMOAASAtMost {
                return [Crossing(.alert, "MOAA/S \(value) (\(term(moaas, value))) ≤ \(c.alertMOAASAtMost)", "monitoring.alert_moaas_at_most")]
            }
        case "cadss":
            if value >= c.alertCADSSAtLeast {
                return [Crossing(.alert, "CADSS \(value) ≥ \(c.alertCADSSAtLeast)", "monitoring.alert_cadss_at_least")]
            }
        default: break
        }
        return []
    }

    /// A severe adverse event alerts; with `monitoring.pause_on_severe_event` it stops like a vital
    /// sign past a stop criterion.
    static func check(event kind: String, severity: String, criteria c: Criteria) -> [Crossing] {
        guard severity == "severe" else { return [] }
        let label = eventKinds.first { $0.id == kind }?.label ?? kind
        return [c.pauseOnSevereEvent ? Crossing(.stop, "severe \(label)", "monitoring.pause_on_severe_event")
                                     : Crossing(.alert, "severe \(label)", "monitoring.pause_on_severe_event")]
    }
}
