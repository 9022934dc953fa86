import ClinicKit
import Foundation

/// Responder analysis against the patient's own baseline, by the IMMPACT benchmarks (REFERENCE.md
/// 6.4, S53, S96): a fall of 30 % or more is moderately important, 50 % or more substantial. The
/// percentages are the clinic protocol's settings.
enum Responders {
    struct Point: Sendable, Equatable {
        var at: Date
        var value: Double
    }

    struct Thresholds: Sendable {
        var moderate: Double
        var substantial: Double
    }

    enum Class: String, Sendable {
        case substantial, moderate, below = "below moderate", worse
    }

    /// The fall from `baseline` to `value` as a percentage of the baseline; `nil` with a baseline
    /// of 0, where no fall can be measured.
    static func reduction(from baseline: Double, to value: Double) -> Double? {
        guard baseline > 0 else { return nil }
        return (baseline - value) / baseline * 100
    }

    /// The class of a reduction. A threshold is met at exactly its value (30.0 % is moderate; the
    /// tolerance only absorbs floating-point noise, far below the 0.1 % shown).
    static func classify(_ reduction: Double, _ t: Thresholds) -> Class {
        let tolerance = 1e-9
        if reduction >= t.substantial - tolerance { return .substantial }
        if reduction >= t.moderate - tolerance { return .moderate }
        return reduction < -tolerance ? .worse : .below
    }

    /// `-30.0 %` for a fall, `+12.5 %` for a rise: truncated to a tenth towards zero, so a change
    /// just short of a threshold never reads as the threshold.
    static func changeText(_ reduction: Double) -> String {
        let tenths = Int((reduction * 10).rounded(.towardZero))
        if tenths == 0 { return "0.0 %" }
        return (tenths > 0 ? "-" : "+") + "\(abs(tenths) / 10).\(abs(tenths) % 10) %"
    }

    /// The latest value before `date` (the first infusion): the baseline.
    static func baseline(_ points: [Point], before date: Date?) -> Point? {
        guard let date else { return points.last }
        return points.last { $0.at < date }
    }

    struct Relief: Sendable, Equatable {
        var infusion: Date
        /// Days from the infusion to the last measure still at least moderately reduced.
        var lastResponding: Int?
        /// Days from the infusion to the first measure no longer moderately reduced.
        var firstLost: Int?
        /// Measures taken between this infusion and the next.
        var measures: Int
    }

    /// How long relief of at least the moderate threshold lasted after each infusion: the
    /// measures after it and before the next infusion, until the first below the threshold.
    static func relief(points: [Point], infusions: [Date], baseline: Double, _ t: Thresholds, calendar: Calendar) -> [Relief] {
        infusions.enumerated().map { i, infusion in
            let next = i + 1 < infusions.count ? infusions[i + 1] : Date.distantFuture
            let after = points.filter { $0.at > infusion && $0.at < next }
            var relief = Relief(infusion: infusion, lastResponding: nil, firstLost: nil, measures: after.count)
            for p in after {
                let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: infusion), to: calendar.startOfDay(for: p.at)).day ?? 0
                let responding = reduction(from: baseline, to: p.value).map { classify($0, t) == .moderate || classify($0, t) == .substantial } ?? false
                if responding { relief.lastResponding = days } else { relief.firstLost = days; break }
            }
            return relief
        }
    }

    /// `≥ 14 d, < 21 d`, `≥ 7 d (still relieved at the last measure)`, `none (NRS 6 on day 7)`.
    static func reliefText(_ r: Relief, moderate: Double) -> String {
        switch (r.lastResponding, r.firstLost) {
        case (nil, nil): return "no pain score recorded after it"
        case (nil, let lost?): return "not reached (below \(FieldSpec.format(moderate)) % by day \(lost))"
        case (let kept?, nil): return "≥ \(kept) d (still relieved at the last score before the next infusion)"
        case (let kept?, let lost?): return "≥ \(kept) d, < \(lost) d"
        }
    }
}
