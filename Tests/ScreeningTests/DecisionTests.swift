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

/// The checklist, the decision and the physician's signature, through a session with intake and
/// screening loaded.
@Suite struct DecisionTests {
    static let intake = "intake record weight=70kg height=165cm allergies=none medications=none pain_months=24 symptoms=fatigue "
        + "onset=emotional-stress treatments=none comorbidities=respiratory pregnancy=no escort=yes"
    static let acr = "screening acr areas=neck,lower-back,shoulder-left,shoulder-right,hip-left,hip-right,upper-leg-left "
        + "fatigue=2 waking=2 cognitive=1 headaches=yes abdominal=no depression=no duration_months=24"
    static let instruments = [
        acr,
        "screening phq9 q1=1 q2=1 q3=1 q4=1 q5=0 q6=0 q7=1 q8=0 q9=0",
        "screening gad7 q1=1 q2=1 q3=0 q4=1 q5=0 q6=0 q7=0",
        "screening dast10 q1=no q2=no q3=yes q4=no q5=no q6=no q7=no q8=no q9=no q10=no",
        "screening auditc q1=1 q2=0 q3=0",
    ]

    /// A patient through intake and every instrument, with nora (nurse) signed in, and patel, a
    /// physician whose password is `pass-word1`.
    func screened(checklist: String = "screening checklist intracranial=no allergy=no urinary=no sbp=130 dbp=80") throws -> (Session, TestConsole, StaffInfo) {
        let (session, console, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()])
        let patel = try session.store.addStaff(username: "patel", roles: [.physician], passwordHash: try Passwords.hash("pass-word1"),
                                               at: session.now, by: nil)
        for line in ["patient new --name A --dob 1980-01-01 --sex F", "visit start --kind consult", Self.intake] + Self.instruments + [checklist] {
            try #require(session.execute(line, source: "t") == .ok, "\(line): \(console.errors)")
        }
        return (session, console, patel)
    }

    @Test func theChecklistTakesWhatTheIntakeKnows() throws {
        let (session, console, _) = try screened()
        #expect(console.output.contains("  respiratory = yes (from the record)"))
        #expect(console.output.contains("  pregnancy = no (from the record)"))
        #expect(console.output.contains("recorded checklist #9 · BP 130/80 · precaution: respiratory disease"), "\(console.output)")
        // The journal keeps the filled-in values, so a replay does not depend on them.
        #expect(try session.store.journal().last?.command.contains("respiratory=yes") == true)
    }

    /// Eligibility can be missing for several reasons; the command held by it says which step is next.
    @Test func aMissingEligibilitySaysWhichStepIsNext() throws {
        let host = try TestHost(modules: [IntakeModule(), ScreeningModule()], settings: ["clinic.also_requires": "intake weight=screening.eligible"])
        try host.startVisit(kind: "consult")
        for line in [Self.intake] + Self.instruments + ["screening checklist intracranial=no allergy=no urinary=no sbp=130 dbp=80"] { try host.type(line) }
        let undecided = #expect(throws: CommandError.self) { try host.type("intake weight 70kg") }
        #expect(undecided?.hint == "run screening decide first", "\(undecided?.message ?? "")")
        try host.type("screening decide")
        let unsigned = #expect(throws: CommandError.self) { try host.type("intake weight 70kg") }
        #expect(unsigned?.message.contains("awaits a physician's signature") == true)
        #expect(unsigned?.hint == "run screening sign first")
    }

    @Test func decideNeedsEveryInstrument() throws {
        let (session, _, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()])
        for line in ["patient new --name A --dob 1980-01-01 --sex F", "visit start --kind infusion", Self.acr] { try #require(session.execute(line, source: "t") == .ok) }
        #expect(session.execute("screening decide", source: "t").failure?.message == "screening decide refused: intake.complete is missing (no intake recorded for C000001)")
        try #require(session.execute(Self.intake, source: "t") == .ok)
        let f = try #require(session.execute("screening decide", source: "t").failure)
        #expect(f.message == "screening decide needs phq9, gad7, dast10, auditc, checklist first")
        #expect(f.hint?.hasPrefix("type screening phq9, then screening gad7") == true)
    }

    @Test func aPhysicianSignsAndTheFactFollows() throws {
        let (session, console, patel) = try screened()
        try #require(session.execute("screening decide", source: "t") == .ok)
        #expect(console.output.contains("decision #10: eligible with precautions, because:"))
        #expect(console.output.contains("  ! respiratory disease  [checklist #9 respiratory]"))
        #expect(try FactEngine(session: session).fact("screening.eligible")?.isPresent == false)

        // A nurse cannot sign.
        #expect(session.execute("screening sign", source: "t").failure?.kind == .refused)
        // The physician signs, giving their password again; a wrong one signs nothing.
        session.signIn(patel)  // a different member of staff: the patient is closed
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        session.input = ScriptedInput(["wrong-pass"])
        #expect(session.execute("screening sign", source: "t").failure?.message == "signature refused: wrong password for patel; nothing was signed")
        session.input = ScriptedInput(["pass-word1"])
        #expect(session.execute("screening sign", source: "t") == .ok)
        #expect(console.output.last == "signed #11: decision #10, eligible with precautions, by patel (approves the screening decision: eligible with precautions)")
        let eligible = try #require(try FactEngine(session: session).fact("screening.eligible"))
        #expect(eligible.isPresent && eligible.detail.contains("precautions: respiratory disease"))
        let signed = try #require(try session.store.records(patientID: session.patient!.id, module: "screening", kind: "signed").last)
        #expect(signed.payload["signature"]?["meaning"] == "approves the screening decision: eligible with precautions")
        #expect(session.execute("screening sign", source: "t").failure?.message == "decision #10 is already signed")

        // A later screening supersedes it: the fact waits for the new decision and its signature.
        session.input = nil
        session.signIn(try #require(try session.store.account("nora")?.info))
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        #expect(session.execute(Self.instruments[1], source: "t") == .ok)
        #expect(session.execute("screening decide", source: "t") == .ok)
        #expect(try FactEngine(session: session).fact("screening.eligible")?.isPresent == false)
    }

    @Test func highBloodPressureRulesKetamineOut() throws {
        let (session, console, patel) = try screened(checklist: "screening checklist intracranial=no allergy=no urinary=no sbp=185 dbp=100")
        try #require(session.execute("screening decide", source: "t") == .ok)
        #expect(console.output.contains("decision #10: not eligible, because:"))
        #expect(console.output.contains("  ✘ blood pressure 185/100 mmHg at or above the protocol's limit 180/110  [checklist #9 sbp, dbp]"))
        session.signIn(patel)
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        session.input = ScriptedInput(["pass-word1"])
        #expect(session.execute("screening sign", source: "t") == .ok)
        #expect(try FactEngine(session: session).fact("screening.ineligible")?.isPresent == true)
        #expect(try FactEngine(session: session).fact("screening.eligible")?.detail.hasPrefix("not eligible: blood pressure 185/100") == true)
    }

    @Test func anInstrumentAfterTheDecisionMakesItStale() throws {
        let (session, _, patel) = try screened()
        try #require(session.execute("screening decide", source: "t") == .ok)
        try #require(session.execute("screening phq9 q1=0 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0 q8=0 q9=2", source: "t") == .ok)
        session.signIn(patel)
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        #expect(session.execute("screening sign", source: "t").failure?.message == "phq9 #11 was recorded after decision #10")
        session.signIn(try #require(try session.store.account("nora")?.info))
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        try #require(session.execute("screening decide", source: "t") == .ok)
        let decision = try #require(try session.store.records(patientID: session.patient!.id, module: "screening", kind: "decision").last)
        #expect(decision.payload["outcome"] == "not-eligible")
        #expect(decision.payload["reasons"]?.arrayValue?.contains { $0["text"]?.stringValue?.hasPrefix("PHQ-9 item 9 is 2") == true } == true)
    }

    /// PHQ-9 item 9 above 0 is not a dead end: a physician's documented assessment resolves that
    /// reason, and the decision shows it; a nurse's acknowledgement closes the alert but not the
    /// reason. The answer itself is never re-entered.
    @Test func aPhysiciansAssessmentResolvesItemNine() throws {
        let (session, console, patel) = try screened()
        try #require(session.execute("screening phq9 q1=1 q2=1 q3=1 q4=1 q5=0 q6=0 q7=1 q8=0 q9=1", source: "t") == .ok)
        try #require(session.execute("screening acknowledge 'called Dr Patel, patient safe'", source: "t") == .ok)
        try #require(session.execute("screening decide", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("✘ PHQ-9 item 9 is 1: thoughts of death or self-harm need a physician's assessment first") })
        session.signIn(patel)
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        try #require(session.execute("screening acknowledge 'passive thoughts, no plan or intent; safety plan agreed'", source: "t") == .ok)
        #expect(console.output.last?.hasSuffix("a physician's assessment, which screening decide takes") == true, "\(console.output.last ?? "")")
        #expect(session.execute("screening acknowledge again", source: "t").failure?.message.contains("none awaits a physician's assessment") == true)
        try #require(session.execute("screening decide", source: "t") == .ok)
        #expect(console.output.contains { $0.hasPrefix("decision #") && $0.contains("eligible with precautions") }, "\(console.output.suffix(4))")
        #expect(console.output.contains { $0.contains("! PHQ-9 item 9 is 1: assessed by patel: passive thoughts, no plan or intent; safety plan agreed") })
    }

    /// An allergy to ketamine in the intake reaches the checklist, and a checklist answer the
    /// record contradicts is refused until the record is corrected.
    @Test func theChecklistCannotContradictTheIntake() throws {
        let (session, console, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()])
        let intake = Self.intake.replacingOccurrences(of: "allergies=none", with: "allergies='Ketamine: hallucinations, penicillin: rash'")
        for line in ["patient new --name A --dob 1980-01-01 --sex F", "visit start --kind consult", intake] + Self.instruments {
            try #require(session.execute(line, source: "t") == .ok, "\(line): \(console.errors)")
        }
        let refused = try #require(session.execute("screening checklist intracranial=no allergy=no urinary=no sbp=130 dbp=80", source: "t").failure)
        #expect(refused.message == "allergy=no (known allergy to ketamine) contradicts the record: intake #3: allergies Ketamine: hallucinations", "\(refused.message)")
        try #require(session.execute("screening checklist intracranial=no urinary=no sbp=130 dbp=80", source: "t") == .ok)
        #expect(console.output.contains("  allergy = yes (from the record)"))
        try #require(session.execute("screening decide", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("✘ known allergy to ketamine") })
        // No contradiction the other way either: the intake lists no respiratory disease.
        let other = try #require(session.execute("screening checklist intracranial=no urinary=no respiratory=no sbp=130 dbp=80", source: "t").failure)
        #expect(other.message.hasPrefix("respiratory=no (respiratory disease) contradicts the record: intake #3: comorbidities respiratory"), "\(other.message)")
    }
}
