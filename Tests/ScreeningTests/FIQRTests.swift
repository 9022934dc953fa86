import ClinicIntake
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
@testable import ClinicScreening

/// FIQR scoring by hand from the published rule (REFERENCE.md §2): function sum ÷ 3, overall ÷ 1,
/// symptoms ÷ 2; a domain with unanswered items scaled by items ÷ answered first.
@Suite struct FIQRTests {
    static func answers(_ f: [Int?], _ o: [Int?], _ s: [Int?]) -> [String: Value] {
        var a: [String: Value] = [:]
        for (prefix, values) in [("f", f), ("o", o), ("s", s)] {
            for (i, v) in values.enumerated() { a["\(prefix)\(i + 1)"] = .string(v.map(String.init) ?? FIQR.skip) }
        }
        return a
    }

    @Test func hasTwentyOneItemsInThreeDomains() {
        #expect(FIQR.function.count == 9 && FIQR.overall.count == 2 && FIQR.symptoms.count == 10)
        #expect(FIQR.fields.count == 21)
    }

    @Test(arguments: [
        // function, overall, symptoms → function, overall, symptoms, total
        ([Int?](repeating: 0, count: 9), [Int?](repeating: 0, count: 2), [Int?](repeating: 0, count: 10), 0.0, 0.0, 0.0, 0.0),
        ([Int?](repeating: 10, count: 9), [Int?](repeating: 10, count: 2), [Int?](repeating: 10, count: 10), 30.0, 20.0, 50.0, 100.0),
        ([Int?](repeating: 5, count: 9), [Int?](repeating: 5, count: 2), [Int?](repeating: 5, count: 10), 15.0, 10.0, 25.0, 50.0),
        // 43 / 3 = 14.33; 13; 56 / 2 = 28; total 55.33
        ([2, 5, 3, 7, 8, 4, 6, 3, 5], [6, 7], [7, 6, 7, 5, 6, 4, 5, 7, 3, 6], 14.3, 13.0, 28.0, 55.3),
        // One function item unanswered: 48 × 9/8 = 54, ÷ 3 = 18; 10; 30 ÷ 2 = 15; total 43
        ([6, 6, 6, 6, 6, 6, 6, 6, nil], [4, 6], [Int?](repeating: 3, count: 10), 18.0, 10.0, 15.0, 43.0),
        // One overall item unanswered: 7 × 2/1 = 14
        ([Int?](repeating: 0, count: 9), [7, nil], [Int?](repeating: 0, count: 10), 0.0, 14.0, 0.0, 14.0),
    ] as [([Int?], [Int?], [Int?], Double, Double, Double, Double)])
    func scoresWorkedExamples(_ example: ([Int?], [Int?], [Int?], Double, Double, Double, Double)) throws {
        let (f, o, s, function, overall, symptoms, total) = example
        let r = try FIQR.score(Self.answers(f, o, s))
        #expect(r.function == function && r.overall == overall && r.symptoms == symptoms && r.total == total, "\(r)")
        #expect(r.skipped.count == (f + o + s).filter { $0 == nil }.count)
    }

    @Test func aDomainWithNothingAnsweredCannotBeScored() {
        #expect(throws: FIQR.Failure.domainUnanswered("overall")) {
            try FIQR.score(Self.answers([Int?](repeating: 1, count: 9), [nil, nil], [Int?](repeating: 1, count: 10)))
        }
    }

    @Test func throughTheSession() throws {
        let (session, console, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()])
        try #require(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        try #require(session.execute("visit start --kind consult", source: "t") == .ok)
        let items = "f1=2 f2=5 f3=3 f4=7 f5=8 f6=4 f7=6 f8=3 f9=skip o1=6 o2=7 s1=7 s2=6 s3=7 s4=5 s5=6 s6=4 s7=5 s8=7 s9=3 s10=6"
        #expect(session.execute("screening fiqr \(items)", source: "t") == .ok)
        // 38 × 9/8 = 42.75, ÷ 3 = 14.25 → 14.3 shown; total 14.25 + 13 + 28 = 55.25 → 55.3
        #expect(console.output.contains("recorded FIQR #3 · 55.3/100 (function 14.3/30, overall 13/20, symptoms 28/50)"), "\(console.output)")
        #expect(console.output.last?.contains("1 item not answered (f9)") == true)
        #expect(session.execute("screening fiqr \(items.replacingOccurrences(of: "o1=6 o2=7", with: "o1=skip o2=skip"))", source: "t").failure?.message
                == "FIQR: no overall item is answered, so the questionnaire cannot be scored")
        #expect(session.execute("screening fiqr \(items.replacingOccurrences(of: "f1=2", with: "f1=11"))", source: "t").failure != nil)
    }
}
