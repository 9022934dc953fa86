import ClinicEngine
import ClinicKit
import Foundation
import Testing
@testable import ClinicFollowUp

/// Responder classification by the IMMPACT thresholds (REFERENCE.md 6.4), the BPI's scoring (6.3),
/// how long relief lasted, and the terminal chart of a known series.
@Suite struct ResponderTests {
    let t = Responders.Thresholds(moderate: 30, substantial: 50)

    /// An instrument's change against its minimal important difference, in its own direction,
    /// and to a millionth (2 − 1.7 is 0.3, which matters when 0.3 does).
    @Test func anInstrumentsChangeIsWeighedInItsDirection() {
        let higher = Measure(module: "m", kind: "k", title: "K", field: "total", questionnaire: "q|1", lowerIsBetter: false, minimalImportantDifference: 0.3)
        #expect(Chart.verdict(higher, from: 1.7, to: 2.0) == "better by 0.3, at least the 0.3 that matters")
        #expect(Chart.verdict(higher, from: 2.0, to: 1.9) == "worse by 0.1, less than the 0.3 that matters")
        let lower = Measure(module: "m", kind: "k", title: "K", field: "total", questionnaire: "q|1", lowerIsBetter: true, minimalImportantDifference: 6)
        #expect(Chart.verdict(lower, from: 19, to: 13) == "better by 6, at least the 6 that matters")
        #expect(Chart.verdict(lower, from: 9, to: 16) == "worse by 7, at least the 6 that matters")
        #expect(Chart.verdict(lower, from: 9, to: 9) == "no change")
    }

    @Test(arguments: [(29.9, Responders.Class.below), (30, .moderate), (49.9, .moderate), (50, .substantial), (100, .substantial),
                      (0, .below), (-0.1, .worse)])
    func classification(_ reduction: Double, _ expected: Responders.Class) {
        #expect(Responders.classify(reduction, t) == expected)
    }

    @Test func exactlyThirtyPercentIsModerateDespiteFloatingPoint() throws {
        // 50.0 → 35.0 is 30 % exactly; in binary floating point it comes out a hair either side.
        let r = try #require(Responders.reduction(from: 50, to: 35))
        #expect(Responders.classify(r, t) == .moderate)
        #expect(Responders.changeText(r) == "-30.0 %")
        // 64.5 → 45.2 is a 29.92 % fall: shown as 29.9 %, never rounded up to the threshold.
        let short = try #require(Responders.reduction(from: 64.5, to: 45.2))
        #expect(Responders.changeText(short) == "-29.9 %")
        #expect(Responders.classify(short, t) == .below)
        #expect(Responders.changeText(try #require(Responders.reduction(from: 4, to: 5))) == "+25.0 %")
    }

    @Test func aBaselineOfZeroHasNoPercentChange() {
        #expect(Responders.reduction(from: 0, to: 3) == nil)
    }

    static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()
    static func day(_ d: Int) -> Date { Date(timeIntervalSince1970: 1_793_577_600 + Double(d) * 86_400 + 36_000) }  // 2026-11-02 10:00 + d days

    @Test func reliefLastsUntilTheFirstScoreBelowTheThreshold() {
        let points = [Responders.Point(at: Self.day(-10), value: 8), Responders.Point(at: Self.day(3), value: 4), Responders.Point(at: Self.day(10), value: 5),
                      Responders.Point(at: Self.day(17), value: 7), Responders.Point(at: Self.day(31), value: 6)]
        let relief = Responders.relief(points: points, infusions: [Self.day(0), Self.day(28), Self.day(40)], baseline: 8, t, calendar: Self.utc)
        #expect(relief.map { Responders.reliefText($0, moderate: 30) } == [
            "≥ 10 d, < 17 d",  // 4 (-50 %), 5 (-37.5 %), then 7 (-12.5 %)
            "not reached (below 30 % by day 3)",  // 6 is -25 %
            "no pain score recorded after it",
        ])
    }

    /// The Brief Pain Inventory is the shipped bpi.json: severity the mean of items 3–6, interference
    /// the mean of the items answered, scored only with 4 or more of 7 ("skip" is not answered).
    @Test func bpiInterferenceNeedsFourOfSevenItems() throws {
        let bpi = try InstrumentFile.read(path: (InstrumentFile.shippedFolder as NSString).appendingPathComponent("bpi.json"))
        func score(_ severity: [Int], _ interference: [Int?]) throws -> (severity: Double?, interference: Double?, answered: Double?) {
            var answers: [String: FHIRPathSubset.Value] = [:]
            for (name, n) in zip(["worst", "least", "average", "now"], severity) { answers[name] = .number(Double(n)) }
            for (name, n) in zip(["activity", "mood", "walking", "work", "relations", "sleep", "enjoyment"], interference) {
                answers[name] = .coding(code: n.map(String.init) ?? "skip", weight: n.map(Double.init))
            }
            let result = try bpi.score(answers)
            func number(_ key: String) -> Double? { if case .number(let n)?? = result.scores[key] { return n }; return nil }
            return (number("severity"), number("interference"), number("interference_answered"))
        }
        let four = try score([8, 3, 5, 4], [5, 4, nil, 6, nil, nil, 5])
        #expect(four.severity == 5 && four.interference == 5 && four.answered == 4)
        let three = try score([8, 3, 5, 4], [5, nil, nil, 6, nil, nil, 5])
        #expect(three.interference == nil && three.answered == 3)
        #expect(try score([10, 10, 10, 10], Array(repeating: 10, count: 7)).interference == 10)
    }

    @Test(arguments: [(0, "no pain"), (1, "mild"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe"), (10, "severe")])
    func nrsBands(_ score: Int, _ band: String) {
        #expect(Outcomes.band(score, mildMax: 3, moderateMax: 6) == band)
    }

    /// Days −13 to 17 span 59 columns: an infusion on day 0 falls in column 26, day 9 in 43.
    @Test func theTerminalChartOfAKnownSeries() {
        let data = Chart.Data(nrs: [.init(at: Self.day(-13), value: 7), .init(at: Self.day(9), value: 4), .init(at: Self.day(17), value: 5)],
                              fiqr: [.init(at: Self.day(-13), value: 64.5), .init(at: Self.day(17), value: 44.5)],
                              infusions: [Self.day(0), Self.day(2)])
        let lines = Chart.text(data, calendar: Self.utc)
        #expect(lines == [
            "pain NRS ●  FIQR ÷ 10 ○  both ◉  infusion ▲",
            "10 │",
            " 9 │",
            " 8 │",
            " 7 │●",
            " 6 │○",
            " 5 │                                                           ●",
            " 4 │                                           ●               ○",
            " 3 │",
            " 2 │",
            " 1 │",
            " 0 │",
            "   └────────────────────────────────────────────────────────────",
            "                              ▲   ▲",
            "    2026-10-20                                        2026-11-19",
        ])
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(Chart.text(Chart.Data(nrs: [], fiqr: [], infusions: []), calendar: Self.utc) == ["no pain NRS or FIQR recorded yet: followup nrs, screening fiqr"])
    }

    @Test func theSVGFigureIsWellFormedAndMarksEachInfusion() throws {
        let data = Chart.Data(nrs: [.init(at: Self.day(-13), value: 7), .init(at: Self.day(9), value: 4)], fiqr: [], infusions: [Self.day(0), Self.day(2)])
        let svg = try #require(Chart.svg(data, calendar: Self.utc))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>"))
        #expect(svg.components(separatedBy: "stroke-dasharray").count - 1 == 2)
        #expect(svg.contains("<polyline") && !svg.contains("nan"))
    }
}
