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

/// Worked examples of the ACR 2016 criteria, built by hand from the published rules
/// (REFERENCE.md §1: WPI ≥ 7 and SSS ≥ 5, or WPI 4–6 and SSS ≥ 9; pain in ≥ 4 of 5 regions,
/// jaw, chest and abdomen not counting; symptoms ≥ 3 months).
@Suite struct ACR2016Tests {
    static func answers(_ areas: [String], _ f: Int, _ w: Int, _ c: Int, _ h: Bool = false, _ a: Bool = false, _ d: Bool = false,
                        months: Int = 24) -> ACR2016.Answers {
        ACR2016.Answers(painfulAreas: Set(areas), fatigue: f, wakingUnrefreshed: w, cognitive: c, headaches: h, lowerAbdominal: a,
                        depression: d, durationMonths: months)
    }

    static let fourRegions = ["shoulder-left", "shoulder-right", "hip-left", "hip-right"]

    @Test func theNineteenAreasFallInFiveRegions() {
        #expect(ACR2016.areas.count == 19)
        #expect(Dictionary(grouping: ACR2016.areas, by: \.region).mapValues(\.count) == [1: 4, 2: 4, 3: 3, 4: 3, 5: 5])
        #expect(Set(ACR2016.areas.filter { !$0.countsForGeneralizedPain }.map(\.id)) == ["jaw-left", "jaw-right", "chest", "abdomen"])
    }

    @Test(arguments: [
        // name, areas, fatigue, waking, cognitive, headaches, abdominal, depression, months → WPI, regions, SSS, met
        ("WPI 7 and SSS 5: met", fourRegions + ["neck", "upper-back", "lower-back"], 2, 2, 1, false, false, false, 24, 7, 5, 5, true),
        ("WPI 7 and SSS 4: not met", fourRegions + ["neck", "upper-back", "lower-back"], 2, 1, 1, false, false, false, 24, 7, 5, 4, false),
        ("WPI 6 and SSS 9: met (the 4–6 band)", fourRegions + ["neck", "lower-back"], 3, 3, 2, true, false, false, 24, 6, 5, 9, true),
        ("WPI 6 and SSS 8: not met", fourRegions + ["neck", "lower-back"], 3, 3, 2, false, false, false, 24, 6, 5, 8, false),
        ("WPI 4 and SSS 9: met", fourRegions, 3, 3, 3, false, false, false, 24, 4, 4, 9, true),
        ("WPI 3 and SSS 12: not met in 2016 (2010 allowed 3–6)", ["shoulder-left", "hip-left", "hip-right"], 3, 3, 3, true, true, true, 24, 3, 3, 12, false),
        ("WPI 7 but jaw, chest and abdomen make no region", ["jaw-left", "jaw-right", "chest", "abdomen", "hip-left", "hip-right", "neck"], 2, 2, 2, false, false, false, 24, 7, 3, 6, false),
        ("the same pain in the shoulders does make the regions", ["shoulder-left", "shoulder-right", "chest", "abdomen", "hip-left", "hip-right", "neck"], 2, 2, 2, false, false, false, 24, 7, 5, 6, true),
        ("two months is too short", fourRegions + ["neck", "upper-back", "lower-back"], 3, 3, 3, true, true, true, 2, 7, 5, 12, false),
        ("exactly three months is enough", fourRegions + ["neck", "upper-back", "lower-back"], 3, 3, 3, true, true, true, 3, 7, 5, 12, true),
        ("no pain", [], 0, 0, 0, false, false, false, 0, 0, 0, 0, false),
        ("every area, every symptom", ACR2016.areas.map(\.id), 3, 3, 3, true, true, true, 120, 19, 5, 12, true),
    ] as [(String, [String], Int, Int, Int, Bool, Bool, Bool, Int, Int, Int, Int, Bool)])
    func scoresWorkedExamples(_ example: (String, [String], Int, Int, Int, Bool, Bool, Bool, Int, Int, Int, Int, Bool)) {
        let (name, areas, f, w, c, h, a, d, months, wpi, regions, sss, met) = example
        let r = ACR2016.score(Self.answers(areas, f, w, c, h, a, d, months: months))
        #expect(r.wpi == wpi, "\(name): WPI")
        #expect(r.regionsWithPain == regions, "\(name): regions")
        #expect(r.sss == sss, "\(name): SSS")
        #expect(r.fs == wpi + sss, "\(name): FS")
        #expect(r.met == met, "\(name): \(r.rule)")
    }

    @Test func theRuleSaysWhatDecided() {
        let r = ACR2016.score(Self.answers(["shoulder-left", "hip-left", "hip-right"], 3, 3, 3, true, true, true, months: 24))
        #expect(r.rule == ["WPI 3 and SSS 12: neither WPI ≥ 7 with SSS ≥ 5 nor WPI 4–6 with SSS ≥ 9",
                           "generalized pain: 3 of 5 regions < 4: not met (jaw, chest and abdomen do not count)",
                           "duration: 24 months ≥ 3: met"])
    }

    @Test(arguments: [(0, "remission"), (5, "remission"), (6, "mild"), (15, "mild"), (16, "moderate"), (20, "moderate"),
                      (21, "severe"), (25, "severe"), (26, "very severe"), (31, "very severe")])
    func fsBands(_ fs: Int, _ band: String) {
        #expect(ACR2016.fsBand(fs) == band)
    }

    @Test func throughTheSession() throws {
        let (session, console, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()])
        try #require(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        try #require(session.execute("visit start --kind consult", source: "t") == .ok)
        let missing = try #require(session.execute("screening acr areas=neck fatigue=2", source: "t").failure)
        #expect(missing.message.hasPrefix("screening acr is missing waking (one of 0, 1, 2, 3)"), "\(missing.message)")
        #expect(session.execute("screening acr areas=neck,elbow fatigue=2", source: "t").failure?.message.contains("'elbow' is not one of") == true)
        #expect(session.execute("""
            screening acr areas=neck,lower-back,shoulder-left,shoulder-right,hip-left,hip-right,upper-leg-left \
            fatigue=2 waking=2 cognitive=1 headaches=yes abdominal=no depression=no duration_months=24
            """, source: "t") == .ok)
        #expect(console.output.contains("recorded ACR 2016 #3 · WPI 7/19 (5 of 5 regions) · SSS 6/12 · FS 13 (mild) · criteria met"), "\(console.output)")
        let stored = try #require(try session.store.records(patientID: session.patient!.id, module: "screening").last)
        #expect(stored.payload["wpi"] == 7 && stored.payload["met"] == true && stored.payload["fatigue"] == 2)
        #expect(session.execute("screening show", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("13 (mild)") && $0.contains("met") })
    }
}
