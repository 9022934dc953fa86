@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing

/// Corrections: `amend` keeps the first entry and adds one that amends it; the module works the
/// correction out again (BMI from a corrected weight) and reads it from then on; what a module does
/// not correct field by field is refused.
@Suite struct AmendTests {
    func session() throws -> (Session, TestConsole) {
        let (session, console, _) = try makeSession(modules: [IntakeModule()])
        try #require(session.execute("patient new --name Test --dob 1979-03-02 --sex F --mrn T-1", source: "t") == .ok)
        try #require(session.execute("visit start --kind consult", source: "t") == .ok)
        try #require(session.execute("intake record weight=72kg height=170cm pregnancy=no \(IntakeTests.complete)", source: "t") == .ok)
        return (session, console)
    }

    @Test func aCorrectedWeightIsWorkedOutAgainAndTheFirstStays() throws {
        let (session, console) = try session()
        #expect(session.execute("amend 3 weight=70kg --reason 'the scale read 72 for 70'", source: "t") == .ok)
        #expect(console.output.contains("  bmi: 24.9 → 24.2"))
        #expect(console.output.contains("  weight: 72 kg → 70 kg"))
        let stored = try session.store.records(patientID: 1, module: "intake")
        #expect(stored.map(\.id) == [3, 4])
        #expect(stored[0].payload["weight_kg"] == 72.0, "the first entry is unchanged")
        #expect(stored[1].amends == 3 && stored[1].payload["weight_kg"] == 70.0 && stored[1].payload["bmi"] == 24.2)
        #expect(stored[1].payload["amendment"]?["reason"] == "the scale read 72 for 70")
        #expect(try session.fact("intake.weight")?.value == 70.0, "the module reads the correction")
        // Correcting the correction corrects the first entry, from where it stands now.
        #expect(session.execute("amend 4 height=172cm --reason 'measured again'", source: "t") == .ok)
        let latest = try #require(try session.store.records(patientID: 1, module: "intake").last)
        #expect(latest.amends == 3 && latest.payload["weight_kg"] == 70.0 && latest.payload["height_cm"] == 172.0)
        // The journal keeps the correction as typed, so a replay makes it again.
        let journal = try session.sqlite.db.query("SELECT command FROM journal ORDER BY id DESC LIMIT 1").compactMap { row in row[0].text }
        #expect(journal == ["amend 4 reason='measured again' height=172cm"])
    }

    @Test func whatCannotBeCorrectedIsRefusedInOneLine() throws {
        let (session, _) = try session()
        #expect(session.execute("amend 3 colour=blue --reason x", source: "t").failure?.message.hasPrefix("intake intake has no field 'colour'") == true)
        #expect(session.execute("amend 3 weight=7kg --reason x", source: "t").failure?.message == "weight: 7 kg is outside 20–350 kg")
        #expect(session.execute("amend 3 --reason x", source: "t").failure?.message == "amend #3 names no field to correct")
        #expect(session.execute("amend 2 kind=consult --reason x", source: "t").failure?.message
                == "#2 is a visit entry, which no loaded module corrects")
        #expect(session.execute("amend 999 weight=70kg --reason x", source: "t").failure?.message == "#999 is not an entry of T-1's record")
        #expect(session.execute("amend 3 weight=70kg", source: "t").failure?.message.contains("reason") == true)
        #expect(try session.store.records(patientID: 1, module: "intake").count == 1, "nothing was recorded")
    }
}
