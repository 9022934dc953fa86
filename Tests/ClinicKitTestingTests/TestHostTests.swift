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
        settings: [SettingSpec("checklist.fasting_hours", .integer(0...24, unit: "hours"), summary: "hours of fasting needed")],
        uses: ModuleUses(facts: ["intake.weight"], commands: [CommandReference("intake", "weight", fields: ["weight"])]))

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
            // A quantity as the record holds it is given as it would be typed (70kg).
            return try context.perform("intake weight", ["weight": ["value": 70.0, "unit": "kg"]])
        }
    }

    func facts(from record: any RecordReader) throws -> [Fact] {
        let signed = try record.records(module: "checklist", kind: "signed", visitOnly: true).last
        return [signed.map { .present("checklist.done", "signed by \($0.staff)") } ?? .missing("checklist.done", "not signed")]
    }
}

@Suite struct TestHostTests {
    @Test func aModuleIsTestedOnTheClinicsOwnEngine() throws {
        let host = try TestHost(modules: [IntakeModule(), Checklist()], settings: ["checklist.fasting_hours": 6])
        #expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "8", "iv": "yes"]) }  // no visit yet
        try host.startVisit()
        // Gated on another module's fact, as in the shell.
        let gated = #expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "8", "iv": "yes"]) }
        #expect(gated?.message.hasPrefix("checklist record refused: intake.weight is missing") == true, "\(gated?.message ?? "")")
        try host.run("checklist weigh")
        #expect(try host.fact("intake.weight")?.value == 70.0)
        // Fields are parsed by their declarations; a module's own refusal keeps the record clean.
        #expect((#expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "eight", "iv": "yes"]) })?.message
                == "fasting: 'eight' is not a whole number")
        let before = host.records.count
        #expect((#expect(throws: CommandError.self) { try host.run("checklist record", ["fasting": "2", "iv": "yes"]) })?.message
                == "fasting 2 h is under the 6 h needed")
        #expect(host.records.count == before)
        #expect(try host.run("checklist record", ["fasting": "8", "iv": "yes"]) == "checks recorded")
        // Roles, signatures and facts.
        #expect(throws: CommandError.self) { try host.run("checklist sign") }
        #expect(throws: CommandError.self) { try host.signIn("nora", roles: [.physician]) }
        try host.signIn("patel", roles: [.physician])
        host.refuseNextSignature = true
        #expect(throws: CommandError.self) { try host.run("checklist sign") }
        #expect(try host.fact("checklist.done")?.isPresent == false)
        try host.run("checklist sign")
        #expect(try host.fact("checklist.done")?.detail == "signed by patel")
        #expect(host.records.map(\.kind) == ["weight", "checks", "signed"])
        // Host commands as typed: a correction of the weight.
        let weight = try #require(host.records.first { $0.kind == "weight" })
        try host.type("amend \(weight.id) weight=71kg reason=\"scale re-zeroed\"")
        #expect(try host.fact("intake.weight")?.value == 71.0)
    }

    @Test func everyDeclaredSettingMustBeGiven() {
        let missing = #expect(throws: CommandError.self) { try TestHost(modules: [IntakeModule(), Checklist()]) }
        #expect(missing?.message == "the test gives no value for checklist.fasting_hours (a whole number of hours, 0–24)")
        let outOfRange = #expect(throws: CommandError.self) { try TestHost(modules: [IntakeModule(), Checklist()], settings: ["checklist.fasting_hours": 30]) }
        #expect(outOfRange?.message == "checklist.fasting_hours is 30, outside 0–24")
        let misspelt = #expect(throws: CommandError.self) {
            try TestHost(modules: [IntakeModule(), Checklist()], settings: ["checklist.fasting_hours": 6, "checklist.fastinghours": 6])
        }
        #expect(misspelt?.message == "the test gives checklist.fastinghours, which no module declares")
    }

    /// The loader's checks, as for a plugin folder: a module whose references no loaded module
    /// provides is refused, with the reference.
    @Test func theModulesAreCheckedAsTheClinicChecksThem() {
        let alone = #expect(throws: CommandError.self) { try TestHost(modules: [Checklist()], settings: ["checklist.fasting_hours": 6]) }
        #expect(alone?.message == "module checklist is refused: 'checklist record' requires intake.weight, but no loaded module publishes the fact 'intake.weight'")
        let twice = #expect(throws: CommandError.self) { try TestHost(modules: [IntakeModule(), IntakeModule()]) }
        #expect(twice?.message.contains("a second module named 'intake'") == true, "\(twice?.message ?? "")")
    }

    /// `clinic.also_requires` holds a command for a fact, as the clinic's protocol does, and a pair
    /// that names nothing refuses the host.
    @Test func theProtocolCanHoldAnotherModulesCommand() throws {
        let host = try TestHost(modules: [IntakeModule(), Checklist()],
                                settings: ["checklist.fasting_hours": 6, "clinic.also_requires": "intake weight=checklist.done"])
        try host.startVisit()
        let held = #expect(throws: CommandError.self) { try host.run("intake weight", ["weight": "72kg"]) }
        #expect(held?.message.hasPrefix("intake weight refused: checklist.done is missing") == true, "\(held?.message ?? "")")
        let wrong = #expect(throws: CommandError.self) {
            try TestHost(modules: [IntakeModule(), Checklist()], settings: ["checklist.fasting_hours": 6, "clinic.also_requires": "intake wieght=checklist.done"])
        }
        #expect(wrong?.message.contains("names no command 'intake wieght'; did you mean 'intake weight'?") == true, "\(wrong?.message ?? "")")
    }

    /// Another module's entries, put in the record without its workflow, are read as the module
    /// reads them; the FHIR export holds the host's resources and the modules'.
    @Test func anotherModulesRecordsAreSeededAndExported() throws {
        let host = try TestHost(modules: [IntakeModule(), Checklist()], settings: ["checklist.fasting_hours": 6])
        try host.startVisit()
        #expect((#expect(throws: CommandError.self) { try host.seed("dosing", RecordDraft(kind: "given", payload: [:])) })?.message == "no module dosing is loaded")
        #expect((#expect(throws: CommandError.self) { try host.seed("intake", RecordDraft(kind: "weight", payload: [:], amends: 9999)) })?.message
                == "module intake tried to correct entry #9999, which is not an entry of T-1")
        #expect((#expect(throws: CommandError.self) { try host.seed("intake", RecordDraft(kind: "weight", payload: [:], effectiveAt: host.now.addingTimeInterval(86_400))) })?.message
                == "module intake tried to record an entry dated 2026-11-25 09:00, after now")
        // Script lines run too, as typed.
        try host.type("expect no fact intake.weight")
        let seeded = try host.seed("intake", RecordDraft(kind: "weight", payload: ["weight": ["value": 64.0, "unit": "kg"], "weight_kg": 64.0]))
        #expect(seeded.module == "intake" && host.records.last?.id == seeded.id)
        #expect(try host.fact("intake.weight")?.value == 64.0)
        let bundle = try host.fhir()
        let types = (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["resourceType"]?.stringValue }
        #expect(types.contains("Patient") && types.contains("Encounter") && types.contains("Observation"), "\(types)")
    }
}
