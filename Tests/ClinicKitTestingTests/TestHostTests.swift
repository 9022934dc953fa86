import ClinicIntake
import ClinicKit
import ClinicKitTesting
import Foundation
import Testing

/// A module as a clinic would write it, to test the test host with: a pre-infusion checklist that
/// needs the intake's weight, reads a protocol setting, is signed, and publishes a fact.
final class Checklist: ClinicModule {
    let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "checklist", version: "1.0.0", summary: "before the infusion"),
        commands: [
            CommandSpec("record", summary: "the checks before an infusion",
                        fields: [FieldSpec("fasting", .integer(0...48), help: "hours since the last meal"),
                                 FieldSpec("iv", .yesNo, help: "IV access in place")],
                        requires: ["intake.weight"], needsVisit: true),
            CommandSpec("sign", summary: "a physician confirms", roles: [.physician], needsVisit: true),
            CommandSpec("weigh", summary: "weighs the patient through intake", needsVisit: true),
        ],
        facts: [FactSpec("checklist.done", summary: "checks passed and signed", establishedBy: "checklist sign")],
        settings: [SettingSpec("checklist.fasting_hours", .integer(0...24, unit: "hours"), summary: "hours of fasting needed")])

    func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "record":
            let needed = try context.clinicProtocol.integer("checklist.fasting_hours")
            let fasting = invocation["fasting"]?.intValue ?? 0
            guard fasting >= needed else { throw CommandError("fasting \(fasting) h is under the \(needed) h needed", hint: "wait, or record it later") }
            try context.append(RecordDraft(kind: "checks", payload: .object(invocation.values)))
            return .lines("checks recorded")
        case "sign":
            let signature = try context.sign(meaning: "the checks are done")
            try context.append(RecordDraft(kind: "signed", payload: ["signature": signature.value]))
            return .lines("signed")
        default:
            return try context.perform("intake weight", ["weight": ["value": 70.0, "unit": "kg"]])
        }
    }

    func facts(from record: any RecordReader) throws -> [Fact] {
        let signed = try record.records(module: "checklist", kind: "signed", visitOnly: true).last
        return [signed.map { .present("checklist.done", "signed by \($0.staff)") } ?? .missing("checklist.done", "not signed")]
    }
}

@Suite struct TestHostTests {
    @Test func aModuleIsTestedWithoutTheShell() throws {
        let host = try TestHost(modules: [IntakeModule(), Checklist()], settings: ["checklist.fasting_hours": 6])
        #expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "8", "iv": "yes"]) }  // no visit yet
        try host.startVisit()
        // Gated on another module's fact, as in the shell.
        let gated = #expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "8", "iv": "yes"]) }
        #expect(gated?.message == "checklist record refused: intake.weight is missing (no weight recorded for T-1)")
        try host.run("checklist weigh")
        #expect(try host.fact("intake.weight")?.value == 70.0)
        // Fields are parsed by their declarations; a module's own refusal keeps the record clean.
        #expect((#expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "eight", "iv": "yes"]) })?.message
                == "fasting: 'eight' is not a whole number")
        let before = host.records.count
        #expect((#expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "2", "iv": "yes"]) })?.message
                == "fasting 2 h is under the 6 h needed")
        #expect(host.records.count == before)
        try host.run("checklist record", ["fasting": "8", "iv": "yes"])
        // Roles, signatures and facts.
        #expect(throws: CommandError.self) { try host.run("checklist sign") }
        host.signIn("patel", roles: [.physician])
        host.refuseNextSignature = true
        #expect(throws: CommandError.self) { try host.run("checklist sign") }
        #expect(try host.fact("checklist.done")?.isPresent == false)
        try host.run("checklist sign")
        #expect(try host.fact("checklist.done")?.detail == "signed by patel")
        #expect(host.records.map(\.kind) == ["weight", "checks", "signed"])
    }

    @Test func everyDeclaredSettingMustBeGiven() {
        let error = #expect(throws: CommandError.self) { try TestHost(modules: [Checklist()]) }
        #expect(error?.message == "the test gives no value for checklist.fasting_hours (a whole number of hours, 0–24)")
    }
}
