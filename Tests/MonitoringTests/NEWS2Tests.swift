import Testing
@testable import ClinicMonitoring

/// NEWS2 against the published chart (REFERENCE.md 4.1, RCP 2017): every boundary of every
/// parameter, both SpO2 scales, air and oxygen, and the response bands (4.2).
@Suite struct NEWS2Tests {
    @Test(arguments: [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (0, 3), (70, 3)])
    func respirationRate(_ rr: Int, _ points: Int) {
        #expect(NEWS2.respiration(rr) == points)
    }

    @Test(arguments: [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0), (50, 3)])
    func saturationScale1(_ spo2: Int, _ points: Int) {
        #expect(NEWS2.saturationScale1(spo2) == points)
    }

    @Test(arguments: [
        (83, false, 3), (84, false, 2), (85, false, 2), (86, false, 1), (87, false, 1), (88, false, 0), (92, false, 0),
        (93, false, 0), (97, false, 0), (100, false, 0),
        (83, true, 3), (88, true, 0), (92, true, 0), (93, true, 1), (94, true, 1), (95, true, 2), (96, true, 2), (97, true, 3), (100, true, 3),
    ])
    func saturationScale2(_ spo2: Int, _ onOxygen: Bool, _ points: Int) {
        #expect(NEWS2.saturationScale2(spo2, onOxygen: onOxygen) == points)
    }

    @Test(arguments: [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (40, 3), (300, 3)])
    func systolic(_ sbp: Int, _ points: Int) {
        #expect(NEWS2.systolic(sbp) == points)
    }

    @Test(arguments: [(40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3)])
    func pulse(_ hr: Int, _ points: Int) {
        #expect(NEWS2.pulse(hr) == points)
    }

    @Test(arguments: [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2), (30.0, 3), (43.0, 2),
                      (35.04, 3), (36.05, 0)])
    func temperature(_ celsius: Double, _ points: Int) {
        #expect(NEWS2.temperature(celsius) == points)
    }

    @Test(arguments: [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
    func consciousness(_ avpu: String, _ points: Int) {
        #expect(NEWS2.score(Vitals(avpu: avpu), scale: .one).points["avpu"] == points)
    }

    @Test func oxygenScoresTwoAndAirNothing() {
        #expect(NEWS2.score(Vitals(spo2: 97, onOxygen: true), scale: .one).points == ["spo2": 0, "o2": 2])
        #expect(NEWS2.score(Vitals(spo2: 97), scale: .one).points == ["spo2": 0, "o2": 0])
        // On scale 2 the same 97 % scores 3 on oxygen and nothing on air.
        #expect(NEWS2.score(Vitals(spo2: 97, onOxygen: true), scale: .two).total == 5)
        #expect(NEWS2.score(Vitals(spo2: 97), scale: .two).total == 0)
    }

    static let calm = Vitals(sbp: 128, dbp: 80, hr: 72, rr: 14, spo2: 98, temp: 36.8, avpu: "A")

    @Test func bands() {
        func score(_ change: (inout Vitals) -> Void) -> NEWS2.Score {
            var v = Self.calm
            change(&v)
            return NEWS2.score(v, scale: .one)
        }
        #expect(score { _ in }.band == .none)
        #expect(score { _ in }.text == "NEWS2 0 (routine)")
        #expect(score { $0.hr = 95 }.band == .low)  // 1
        #expect(score { $0.hr = 95; $0.rr = 22; $0.temp = 38.5 }.total == 4)
        #expect(score { $0.hr = 95; $0.rr = 22; $0.temp = 38.5 }.band == .low)
        // A single 3 is its own band even with a total of 3.
        #expect(score { $0.avpu = "V" }.band == .lowMedium)
        #expect(score { $0.avpu = "V" }.text == "NEWS2 3 (low-medium: 3 in one parameter)")
        #expect(score { $0.hr = 115; $0.rr = 22; $0.temp = 38.5 }.total == 5)
        #expect(score { $0.hr = 115; $0.rr = 22; $0.temp = 38.5 }.band == .medium)
        #expect(score { $0.hr = 115; $0.rr = 22; $0.temp = 39.5 }.total == 6)
        #expect(score { $0.hr = 115; $0.rr = 22; $0.temp = 39.5; $0.onOxygen = true }.band == .high)
        #expect(score { $0.sbp = 85; $0.hr = 135; $0.rr = 26; $0.spo2 = 90; $0.temp = 34.8; $0.avpu = "U"; $0.onOxygen = true }.total == 20)
    }

    @Test func missingParametersMakeTheTotalALowerBound() {
        let s = NEWS2.score(Vitals(sbp: 128, dbp: 80, hr: 95, spo2: 98), scale: .one)
        #expect(s.missing == ["rr", "avpu", "temp"])
        #expect(s.text == "NEWS2 ≥ 1 (low; without rr, avpu, temp)")
    }
}
