import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicConsent
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage

@Suite struct ConsentTests {
    /// A patient at a visit, nora (nurse, password `pass-word1`) signed in, and patel who can witness.
    func visit(protocolPath: String? = nil, eligible: Bool = true) throws -> (Session, TestConsole, TestClock) {
        let (session, console, clock) = try makeSession(modules: [StandInScreening(eligible: eligible), ConsentModule()], protocolPath: protocolPath)
        let hash = try Passwords.hash("pass-word1")
        session.signIn(try session.store.addStaff(username: "nurse2", roles: [.nurse], passwordHash: hash, at: session.now, by: nil))
        _ = try session.store.addStaff(username: "patel", roles: [.physician], passwordHash: hash, at: session.now, by: nil)
        try #require(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        try #require(session.execute("visit start --kind consult", source: "t") == .ok)
        return (session, console, clock)
    }

    func fact(_ session: Session) throws -> Fact? { try FactEngine(session: session).fact("consent.signed") }

    @Test func showGivesTheVersionAndTheText() throws {
        let (session, console, _) = try visit()
        #expect(session.execute("consent show", source: "t") == .ok)
        #expect(console.output.contains { $0.hasPrefix("consent text, version 2026.11 (fingerprint ") })
        #expect(console.output.contains("Your right to withdraw"))
    }

    @Test func signingNeedsThePasswordAndRecordsTheTextsHash() throws {
        let (session, console, _) = try visit()
        #expect(try fact(session)?.isPresent == false)
        session.input = ScriptedInput(["wrong-password"])
        #expect(session.execute("consent sign", source: "t").failure?.kind == .refused)
        // A version refused is put to the terminal as a value to change; Enter cancels.
        #expect(session.execute("consent sign version=2025.1", source: "t").failure?.kind == .cancelled)
        #expect(console.errors.last?.hasPrefix("  error: the current consent text is version 2026.11, not 2025.1") == true, "\(console.errors)")
        session.input = nil
        #expect(session.execute("consent sign version=2025.1", source: "t").failure?.message == "the current consent text is version 2026.11, not 2025.1")
        session.input = ScriptedInput(["pass-word1", "pass-word1"])
        #expect(session.execute("consent sign witness=patel", source: "t") == .ok)
        #expect(console.output.last == "consent #3 signed: version 2026.11, taken by nurse2, witnessed by patel; valid 12 months unless withdrawn")
        let record = try #require(try session.store.records(patientID: session.patient!.id, module: "consent").last)
        let document = try session.clinicProtocol.settings.document("consent.text")
        #expect(record.payload["sha256"]?.stringValue == document.sha256)
        #expect(record.payload["witness"]?["by"] == "patel")
        #expect(record.payload["signature"]?["meaning"] == "took the patient's consent to ketamine treatment, consent text version 2026.11")
        #expect(try fact(session)?.isPresent == true)
        session.input = ScriptedInput(["pass-word1"])
        #expect(session.execute("consent sign", source: "t").failure?.message == "consent #3 to version 2026.11 is already signed and in force")
    }

    @Test func aWitnessIsAnotherMemberOfStaffWithTheirOwnPassword() throws {
        let (session, console, _) = try visit()
        session.input = ScriptedInput(["pass-word1", "nope-nope"])
        #expect(session.execute("consent sign witness=patel", source: "t").failure?.message == "witness signature refused: wrong password for patel; nothing was signed")
        // What each signs is said before their password is asked, the signer's first.
        let notes = console.output.filter { $0.contains(" signs: ") }
        #expect(notes == ["nurse2 signs: took the patient's consent to ketamine treatment, consent text version 2026.11",
                          "patel (witness) signs: witnessed the patient's consent, text version 2026.11"])
        // Witnessing one's own signature, or an unknown witness, is refused before any password is
        // asked; at a terminal the witness may then be typed again, or Enter cancels.
        for (witness, refusal) in [("nurse2", "nurse2 cannot witness their own signature"), ("nobody", "there is no member of staff called nobody to witness")] {
            let input = ScriptedInput([""])
            session.input = input
            #expect(session.execute("consent sign witness=\(witness)", source: "t").failure?.kind == .cancelled)
            #expect(console.errors.last?.hasPrefix("  error: \(refusal)") == true, "\(console.errors)")
            #expect(input.prompts.count == 1 && input.prompts[0].hasPrefix("  change a value to go on (e.g. witness="), "\(input.prompts)")
        }
        #expect(try session.store.records(patientID: session.patient!.id, module: "consent").isEmpty)
        // The witness typed again: both sign.
        session.input = ScriptedInput(["witness=patel", "pass-word1", "pass-word1"])
        #expect(session.execute("consent sign witness=nurse2", source: "t") == .ok)
        #expect(try session.store.records(patientID: session.patient!.id, module: "consent").last?.payload["witness"]?["by"] == "patel")
    }

    @Test func consentWaitsForAnEligibleScreening() throws {
        let (session, _, _) = try visit(eligible: false)
        let f = try #require(session.execute("consent sign", source: "t").failure)
        #expect(f.kind == .refused)
        #expect(f.description == "consent sign refused: screening.eligible is missing (not eligible: stand-in); run screening sign first")
    }

    @Test func withdrawingEndsItAtOnce() throws {
        let (session, console, _) = try visit()
        session.input = ScriptedInput(["pass-word1"])
        try #require(session.execute("consent sign", source: "t") == .ok)
        #expect(session.execute("consent withdraw changed my mind", source: "t") == .ok)
        #expect(console.output.last == "consent #3 withdrawn (#4) at once; no dose may be given on it: stop any infusion running now")
        #expect(try fact(session)?.detail.hasPrefix("consent #3 was withdrawn") == true)
        #expect(session.execute("consent withdraw", source: "t").failure?.message == "C000001 has no consent in force to withdraw: consent #3 was withdrawn 2026-11-24 09:00")
    }

    @Test func aConsentExpiresAfterTheProtocolsPeriod() throws {
        let (session, _, clock) = try visit()
        session.input = ScriptedInput(["pass-word1"])
        try #require(session.execute("consent sign", source: "t") == .ok)
        clock.current = clock.current.addingTimeInterval(364 * 86_400)
        #expect(try fact(session)?.isPresent == true)
        clock.current = clock.current.addingTimeInterval(2 * 86_400)
        let detail = try fact(session)?.detail ?? ""
        #expect(detail.hasPrefix("consent #3 expired 2027-11-24"), "\(detail)")
        // One definition of a consent in force: an expired one is signed again without a
        // withdrawal, and is not withdrawn.
        #expect(session.execute("consent withdraw", source: "t").failure?.message.hasPrefix("C000001 has no consent in force to withdraw: consent #3 expired") == true)
        session.input = ScriptedInput(["pass-word1"])
        #expect(session.execute("consent sign", source: "t") == .ok)
        #expect(try fact(session)?.isPresent == true)
    }

    @Test func aNewTextVersionMakesEarlierConsentsStopCounting() throws {
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-consent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        // Without the shipped wiring between modules (only consent is loaded here).
        let shipped = try String(contentsOfFile: ProtocolLoader.shippedPath, encoding: .utf8)
            .replacingOccurrences(of: "value: \"dosing start=followup.baseline\"", with: "value: \"\"")
        let text = try String(contentsOfFile: (ProtocolLoader.shippedPath as NSString).deletingLastPathComponent + "/consent-ketamine.txt", encoding: .utf8)
        try text.write(to: files.appendingPathComponent("consent-ketamine.txt"), atomically: true, encoding: .utf8)
        try (text + "\nA new paragraph.\n").write(to: files.appendingPathComponent("consent-2027.txt"), atomically: true, encoding: .utf8)
        try shipped.write(to: files.appendingPathComponent("old.yaml"), atomically: true, encoding: .utf8)
        let newer = shipped.replacingOccurrences(of: "file: consent-ketamine.txt\n    version: \"2026.11\"", with: "file: consent-2027.txt\n    version: \"2027.01\"")
        try #require(newer != shipped)
        try newer.write(to: files.appendingPathComponent("new.yaml"), atomically: true, encoding: .utf8)

        let path = files.appendingPathComponent("clinic.sqlite").path
        // The same patient under the new protocol: one store, two sessions.
        let (session, _, _) = try visit(protocolPath: files.appendingPathComponent("old.yaml").path)
        session.input = ScriptedInput(["pass-word1"])
        try #require(session.execute("consent sign", source: "t") == .ok)
        let newProtocol = try ProtocolLoader.load(path: files.appendingPathComponent("new.yaml").path, specs: ProtocolLoader.specs(of: session.plugins.loaded))
        // An admin adopted it, a physician signing (protocol adopt: ProtocolTests).
        try session.store.transaction {
            try session.store.adoptProtocol(sha256: newProtocol.settings.sha256, name: newProtocol.settings.name, version: newProtocol.settings.version,
                                            settings: .object([:]), at: session.now, by: session.staff?.id, signature: nil)
        }
        let later = Session(store: session.store, plugins: session.plugins, clock: session.clock, calendar: session.calendar, console: session.console,
                            input: nil, environment: [:], databasePath: path, clinicProtocol: newProtocol, hostCommands: session.hostCommands)
        later.signIn(try #require(session.staff))
        try #require(later.execute("patient open C000001", source: "t") == .ok)
        #expect(try FactEngine(session: later).fact("consent.signed")?.detail == "consent #3 is to text version 2026.11; the current text is version 2027.01")
    }
}
