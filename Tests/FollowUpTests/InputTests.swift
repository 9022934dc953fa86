import ClinicConsent
import ClinicDosing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicMonitoring
import ClinicScreening
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicFollowUp

/// Bad input at every field of every command of every shipped module and of the host: empty, too
/// long, a wrong unit, out of range, control characters, bytes that were not UTF-8. Each ends in
/// one line saying what was wrong and what to type, and at a prompt the prompt comes again.
@Suite struct InputTests {
    static let bad = ["", String(repeating: "9", count: 5000), "12 parsecs", "-99999999999999999999", "1e309", "nan",
                      "ab\u{7}c", "line\nbreak", "\u{FFFD}\u{FFFD}", "\u{0}", "72kg\u{1B}[2J", "..", "2026-02-30", "yes,no,yes"]

    static func modules() -> [any ClinicModule] {
        [IntakeModule(), ScreeningModule(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()]
    }

    @Test func everyFieldRefusesBadInputInOneLine() throws {
        let (session, _, _) = try makeSession(modules: Self.modules())
        var fields = 0, refusals = 0
        for entry in session.catalog.entries {
            for spec in entry.spec.fields {
                fields += 1
                for text in Self.bad {
                    do {
                        _ = try spec.parse(text, today: DateComponents(year: 2026, month: 11, day: 24))
                    } catch {
                        refusals += 1
                        #expect(!error.problem.isEmpty && !error.hint.isEmpty, "\(entry.name) \(spec.name) \(text.debugDescription)")
                        #expect(!(error.problem + error.hint).contains("\n"), "\(entry.name) \(spec.name): not one line for \(text.debugDescription)")
                    }
                }
                // Free text takes no control characters.
                if case .text = spec.kind { #expect(throws: FieldError.self) { try spec.parse("ab\u{7}c", today: DateComponents()) } }
            }
        }
        print("input: \(fields) fields × \(Self.bad.count) bad inputs, \(refusals) refused, none trapped")
        #expect(fields > 200)
    }

    @Test func everyPromptAsksAgainAfterBadInput() throws {
        let (session, console, _) = try makeSession(modules: Self.modules(), signedIn: [.nurse, .physician])
        #expect(session.execute("patient new --name 'Test Patient' --dob 1980-01-01 --sex F --mrn P-1", source: "t") == .ok)
        #expect(session.execute("visit start --kind infusion", source: "t") == .ok)
        let before = try session.store.recordCount()
        var prompted = 0
        for entry in session.catalog.entries where entry.module != nil && entry.spec.fields.contains(where: \.isRequired) {
            let input = ScriptedInput(Self.bad.filter { !$0.isEmpty })
            session.input = input
            console.errors = []
            let outcome = session.execute(entry.name, source: "shell")
            guard let first = input.prompts.first else { continue }  // refused before asking (a fact it needs)
            prompted += 1
            // It ends cancelled at the end of the answers, or refused in one line where a module
            // judged an answer the field itself took (free text); never a trap, never recorded.
            let failure = try #require(outcome.failure, "\(entry.name) ran on bad answers")
            #expect(!failure.description.contains("\n"), "\(entry.name): \(failure.description)")
            // Every refused answer printed one line and the same prompt came again.
            // Some bad answer was refused, and a prompt came again after it.
            #expect(!console.errors.isEmpty && Set(input.prompts).count < input.prompts.count,
                    "\(entry.name): \(input.prompts.count) prompts (first \(first)), \(console.errors.count) errors")
            #expect(console.errors.allSatisfy { !$0.contains("\n") && $0.hasPrefix("  error: ") }, "\(entry.name): \(console.errors)")
        }
        session.input = nil
        print("prompts: \(prompted) commands asked for a field; every bad answer was refused or taken, none trapped")
        #expect(prompted > 20)
        #expect(try session.store.recordCount() == before, "nothing was recorded by cancelled commands")
    }
}
