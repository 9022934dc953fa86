import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine

/// The contracts between modules are checked when they load: a module that names a fact, a
/// command's field or a record kind that no loaded module provides is refused with one line, not
/// discovered when a patient reaches it.
@Suite struct ContractTests {
    /// A module that publishes a fact, a command with a field and a record kind, each of whose
    /// names a test may change (as a module's author might, in a new version).
    final class Pump: ClinicModule {
        let declaration: ModuleDeclaration
        init(fact: String = "pump.running", field: String = "reason", kind: String = "given", payloadField: String = "given_mg") {
            declaration = ModuleDeclaration(
                manifest: ModuleManifest(name: "pump", version: "2.0.0", summary: "a pump"),
                commands: [CommandSpec("pause", summary: "pause", fields: [FieldSpec(field, .text(maxLength: 80), required: false, help: "why")]),
                           CommandSpec("start", summary: "start")],
                facts: [FactSpec(fact, summary: "running", establishedBy: "pump start")],
                records: [RecordSpec(kind, summary: "a dose given", fields: [RecordField(payloadField, "mg given")])])
        }
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
    }

    /// A module that uses each of them.
    final class Watcher: ClinicModule {
        static let running: FactKey = "pump.running"
        static let pause = CommandReference("pump", "pause", fields: ["reason"])
        static let given = RecordReference("pump", "given", fields: ["given_mg"])
        let declaration = ModuleDeclaration(
            manifest: ModuleManifest(name: "watcher", version: "1.0.0", summary: "watches the pump"),
            commands: [CommandSpec("look", summary: "look", requires: ["pump.running"])],
            uses: ModuleUses(facts: [running], commands: [pause], records: [given]))
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
    }

    func load(_ modules: [any ClinicModule]) -> (loaded: [String], refused: [String]) {
        let candidates = modules.map { LoadedModule(module: $0, file: "/m/\($0.declaration.manifest.name).so", origin: "--plugins") }
        let result = ContractCheck.resolve(candidates, hostCommands: HostCommands.table.entries.map(\.name))
        return (result.loaded.map(\.name), result.refused.map { "\($0.file) refused: \($0.reason)" })
    }

    @Test func everyReferenceThatHoldsLoads() {
        let result = load([Pump(), Watcher()])
        #expect(result.loaded == ["pump", "watcher"])
        #expect(result.refused.isEmpty)
    }

    @Test func aRenamedFactRefusesTheModuleThatUsesIt() {
        let result = load([Pump(fact: "pump.infusing"), Watcher()])
        #expect(result.loaded == ["pump"])
        #expect(result.refused == ["/m/watcher.so refused: 'watcher look' requires pump.running, but no loaded module publishes the fact 'pump.running'"])
    }

    @Test func aRenamedFieldOfAPerformedCommandRefusesIt() {
        let result = load([Pump(field: "why"), Watcher()])
        #expect(result.refused == ["/m/watcher.so refused: gives 'pump pause' the field 'reason', which it does not declare (it has why)"])
    }

    @Test func aRenamedRecordKindOrPayloadFieldRefusesTheReader() {
        #expect(load([Pump(kind: "delivered"), Watcher()]).refused
                == ["/m/watcher.so refused: reads pump given entries, which pump does not publish (it publishes delivered)"])
        #expect(load([Pump(payloadField: "mg"), Watcher()]).refused
                == ["/m/watcher.so refused: reads 'given_mg' of pump given entries, which pump does not publish (it publishes mg)"])
    }

    /// A module that reads the shell's own visit entries.
    final class Visits: ClinicModule {
        let declaration: ModuleDeclaration
        init(_ reference: RecordReference) {
            declaration = ModuleDeclaration(manifest: ModuleManifest(name: "visits", version: "1.0.0", summary: "reads visits"),
                                            commands: [], uses: ModuleUses(records: [reference]))
        }
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
    }

    @Test func theShellsVisitEntriesMayBeRead() {
        #expect(load([Visits(RecordReference("visit", "started", fields: ["kind", "chair"]))]).refused.isEmpty)
        #expect(load([Visits(RecordReference("visit", "ended", fields: ["minutes"]))]).refused.isEmpty)
        #expect(load([Visits(RecordReference("visit", "paused"))]).refused
                == ["/m/visits.so refused: reads visit paused entries, which visit does not publish (it publishes started, ended)"])
        #expect(load([Visits(RecordReference("visit", "started", fields: ["room"]))]).refused
                == ["/m/visits.so refused: reads 'room' of visit started entries, which visit does not publish (it publishes kind, chair)"])
    }

    @Test func aMissingProviderRefusesInTurn() {
        // Without the pump, the watcher has nothing to watch.
        #expect(load([Watcher()]).refused.first?.hasPrefix("/m/watcher.so refused: 'watcher look' requires pump.running") == true)
    }

    @Test func aFactHasOneSourceAndIsEstablishedByACommand() {
        final class Copycat: ClinicModule {
            let declaration = ModuleDeclaration(
                manifest: ModuleManifest(name: "copycat", version: "1.0.0", summary: "x"), commands: [],
                facts: [FactSpec("pump.running", summary: "also running", establishedBy: "pump start"),
                        FactSpec("copycat.ready", summary: "ready", establishedBy: "copycat prepare")])
            func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
            func facts(from record: any RecordReader) throws -> [Fact] { [] }
        }
        #expect(load([Pump(), Copycat()]).refused
                == ["/m/copycat.so refused: publishes the fact pump.running, which module pump already publishes; a fact has one source"])
        final class Vague: ClinicModule {
            let declaration = ModuleDeclaration(
                manifest: ModuleManifest(name: "vague", version: "1.0.0", summary: "x"), commands: [],
                facts: [FactSpec("vague.ready", summary: "ready", establishedBy: "vague prepare")])
            func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
            func facts(from record: any RecordReader) throws -> [Fact] { [] }
        }
        #expect(load([Vague()]).refused
                == ["/m/vague.so refused: the fact vague.ready is established by 'vague prepare', which is not a command of a loaded module or of the shell"])
    }

    /// A reference also guards the call: a field the reference does not name is refused before the
    /// command runs.
    @Test func performThroughAReferenceTakesOnlyItsFields() throws {
        let (session, _, _) = try makeSession(modules: [GateModule(), Caller()], signedIn: [.physician])
        #expect(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        #expect(session.execute("caller go", source: "t").failure?.message
                == "gate give was given the field 'dose', which its reference does not declare")
    }

    final class Caller: ClinicModule {
        static let give = CommandReference("gate", "give")
        let declaration = ModuleDeclaration(manifest: ModuleManifest(name: "caller", version: "1.0.0", summary: "x"),
                                            commands: [CommandSpec("go", summary: "runs gate give")], uses: ModuleUses(commands: [give]))
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
            try context.perform(Self.give, ["dose": .int(3)])
        }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
    }

    /// A module whose due items and alerts tell staff what to type: the commands they name are
    /// checked against its declaration each time, and what it declares, at load.
    final class Reminder: SchedulingModule, AlertingModule {
        let named: [CommandReference]
        let text: String
        let declaration: ModuleDeclaration
        init(uses: [CommandReference], named: [CommandReference], text: String) {
            self.named = named
            self.text = text
            declaration = ModuleDeclaration(manifest: ModuleManifest(name: "reminder", version: "1.0.0", summary: "reminds"),
                                            commands: [CommandSpec("done", summary: "done")], uses: ModuleUses(commands: uses))
        }
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
        func due(from record: any RecordReader) throws -> [DueItem] {
            [DueItem("pump check", at: record.now, detail: "daily", command: text, naming: named)]
        }
        func alerts(from record: any RecordReader) throws -> [StandingAlert] {
            [StandingAlert("check the pump", since: record.now, acknowledgedBy: "reminder done", naming: CommandReference("reminder", "done"))]
        }
    }

    @Test func dueItemsAndAlertsNameOnlyDeclaredCommands() throws {
        let pumpStart = CommandReference("pump", "start"), visitStart = CommandReference("visit", "start")
        // Declared and said: the shell's own command and another module's.
        let good = try TestHost(modules: [Pump(), Reminder(uses: [pumpStart, visitStart], named: [visitStart, pumpStart], text: "visit start; pump start")])
        #expect(try good.due().map(\.command) == ["visit start; pump start"])
        #expect(try good.alerts().map(\.acknowledgement) == [CommandReference("reminder", "done")])
        // Declared but not loaded: refused at load.
        let missing = #expect(throws: CommandError.self) { try TestHost(modules: [Reminder(uses: [pumpStart], named: [pumpStart], text: "pump start")]) }
        #expect(missing?.message == "module reminder is refused: runs 'pump start', which no loaded module declares")
        // A misspelt shell command is no command: refused at load.
        let misspelt = #expect(throws: CommandError.self) {
            try TestHost(modules: [Reminder(uses: [CommandReference("visit", "strat")], named: [], text: "visit strat")])
        }
        #expect(misspelt?.message == "module reminder is refused: runs 'visit strat', which no loaded module declares")
        // Named but not declared: said once, naming the module; the item and the alert still stand,
        // and the patient's other commands still run.
        let undeclared = try TestHost(modules: [Pump(), Reminder(uses: [], named: [pumpStart], text: "pump start")])
        #expect(try undeclared.due().map(\.command) == ["pump start"])
        #expect(try undeclared.due().count == 1)
        #expect(undeclared.console.errors.filter { $0.contains("tells staff to type 'pump start'") }
                == ["warning: module reminder tells staff to type 'pump start', which its declaration does not use (ModuleUses.commands); tell the module's author (modules lists where it came from)"])
        try undeclared.type("status")
        // Declared, but the text says another command: the two drifted apart.
        let drifted = try TestHost(modules: [Pump(), Reminder(uses: [pumpStart], named: [pumpStart], text: "pump strat")])
        _ = try drifted.due()
        #expect(drifted.console.errors.contains { $0.contains("module reminder names 'pump start' for 'pump strat', which does not say it") })
    }
}
