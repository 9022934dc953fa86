import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing

@Suite struct IntakeTests {
    static let complete = "allergies=none medications=none pain_months=24 symptoms=fatigue onset=none treatments=none comorbidities=none escort=yes"

    func session(sex: String = "F") throws -> (Session, TestConsole) {
        let (session, console, _) = try makeSession(modules: [IntakeModule()])
        try #require(session.execute("patient new --name Test --dob 1979-03-02 --sex \(sex) --mrn T-1", source: "t") == .ok)
        try #require(session.execute("visit start --kind consult", source: "t") == .ok)
        return (session, console)
    }

    @Test func recordsConvertedWeightAndBMI() throws {
        let (session, console) = try session()
        #expect(session.execute("intake record weight=158lb height=65in pregnancy=no \(Self.complete)", source: "t") == .ok)
        #expect(console.output.last == "recorded intake #3 · 71.7 kg (158 lb) · 165.1 cm (65 in) · BMI 26.3 · escort: yes")
        let stored = try #require(try session.store.records(patientID: 1, module: "intake").last)
        // 158 lb × 0.45359237 = 71.6676 kg; 65 in × 2.54 = 165.1 cm; 71.6676 / 1.651² = 26.29
        #expect(stored.payload["weight_kg"] == 71.67)
        #expect(stored.payload["height_cm"] == 165.1)
        #expect(stored.payload["bmi"] == 26.3)
        #expect(stored.payload["weight"] == ["value": 158.0, "unit": "lb"])
    }

    /// At one field's prompt, another field typed as `name=value` is that field's answer (it is
    /// not asked later), and the prompt is asked again.
    @Test func anotherFieldMayBeAnsweredAtAPrompt() throws {
        let (session, console) = try session()
        let input = ScriptedInput(["medications=metformin 500 mg", "penicillin"])
        session.input = input
        let line = "intake record weight=72kg height=170cm pregnancy=no pain_months=24 symptoms=fatigue onset=none treatments=none comorbidities=none escort=yes"
        #expect(session.execute(line, source: "t") == .ok)
        #expect(input.answers.isEmpty && input.prompts.count == 2 && input.prompts.allSatisfy { $0.hasPrefix("  allergies") }, "\(input.prompts)")
        #expect(console.output.contains("    medications = metformin 500 mg"))
        let stored = try #require(try session.store.records(patientID: 1, module: "intake").last)
        #expect(stored.payload["medications"] == ["metformin 500 mg"])
        #expect(stored.payload["allergies"] == ["penicillin"])
    }

    @Test func publishesCompleteAndWeightFacts() throws {
        let (session, _) = try session()
        #expect(session.execute("status", source: "t") == .ok)
        let patient = try #require(session.patient)
        let fact = try #require(try IntakeModule().facts(from: HostRecordReader(session: session, patient: patient)).first { $0.name == "intake.weight" })
        #expect(!fact.isPresent)
        #expect(session.execute("intake record weight=72kg height=170cm pregnancy=no \(Self.complete)", source: "t") == .ok)
        let facts = try IntakeModule().facts(from: HostRecordReader(session: session, patient: patient))
        #expect(facts.map(\.isPresent) == [true, true])
        #expect(facts[1].value == 72.0)
    }

    @Test func pregnancyIsAskedOnlyWhereItApplies() throws {
        let (female, _) = try session(sex: "F")
        let f = try #require(female.execute("intake record weight=72kg height=170cm \(Self.complete)", source: "t").failure)
        #expect(f.message.contains("missing pregnancy"))
        let (male, _) = try session(sex: "M")
        #expect(male.execute("intake record weight=72kg height=170cm \(Self.complete)", source: "t") == .ok)
        #expect(try male.store.records(patientID: 1, module: "intake").last?.payload["pregnancy"] == "not-applicable")
    }

    @Test func refusesPainLongerThanThePatientsLife() throws {
        let (session, _) = try session()
        let f = try #require(session.execute("intake record weight=72kg height=170cm pregnancy=no \(Self.complete.replacingOccurrences(of: "pain_months=24", with: "pain_months=600"))", source: "t").failure)
        #expect(f.message == "pain_months 600 is longer than the patient's life (572 months)")
    }

    @Test func noEscortRaisesAnAlert() throws {
        let (session, console) = try session()
        #expect(session.execute("intake record weight=72kg height=170cm pregnancy=no \(Self.complete.replacingOccurrences(of: "escort=yes", with: "escort=no"))", source: "t") == .ok)
        #expect(console.output.contains { $0.hasPrefix("ALERT: no escort") })
    }

    @Test func needsAnOpenVisit() throws {
        let (session, _) = try session()
        #expect(session.execute("visit end", source: "t") == .ok)
        #expect(session.execute("intake record weight=72kg", source: "t").failure?.message == "intake record: no visit is open for T-1")
    }

    @Test func aWeighingOfItsOwnIsTheLatestWeight() throws {
        let (session, console) = try session()
        #expect(session.execute("intake record weight=72kg height=170cm pregnancy=no \(Self.complete)", source: "t") == .ok)
        #expect(session.execute("intake weight 158lb", source: "t") == .ok)
        #expect(console.output.last == "recorded weight #4 · 71.7 kg (158 lb)")
        let reader = HostRecordReader(session: session, patient: try #require(session.patient))
        let facts = try IntakeModule().facts(from: reader)
        #expect(facts[1].value == .double(Quantity(158, .pound).value(in: .kilogram)), "the weight as typed, converted exactly")
        #expect(facts[0].isPresent, "a weighing alone does not replace the intake")
        // A late entry dated before the latest weighing does not become the latest weight.
        let clock = try #require(session.clock as? TestClock)
        clock.current = clock.current.addingTimeInterval(2 * 3600)
        #expect(session.execute("intake weight 71.67kg", source: "t") == .ok)
        #expect(session.execute("intake weight 80kg --at 10:00", source: "t") == .ok)
        #expect(try IntakeModule().facts(from: reader)[1].value == 71.67)
        #expect(session.execute("intake weight 72", source: "t").failure?.message == "weight: 72 has no unit (kg or lb?)")
    }
}
