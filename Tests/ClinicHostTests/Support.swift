import ClinicKit
import ClinicTestSupport
import Foundation
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage

/// A module whose `give` command requires the fact its `prepare` command establishes, and whose
/// `sign` only a physician may run.
final class GateModule: ClinicModule {
    let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "gate", version: "1.0.0", summary: "test gating"),
        commands: [
            CommandSpec("prepare", summary: "establish gate.ready", needsVisit: true),
            CommandSpec("give", summary: "needs gate.ready", fields: [FieldSpec("dose", .integer(1...10), help: "a dose")], requires: ["gate.ready"]),
            CommandSpec("sign", summary: "physicians only", roles: [.physician]),
            CommandSpec("fail", summary: "appends, then throws"),
        ],
        facts: [FactSpec("gate.ready", summary: "prepared", establishedBy: "gate prepare")])

    func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "prepare": try context.append(RecordDraft(kind: "ready", payload: [:]))
        case "fail":
            try context.append(RecordDraft(kind: "partial", payload: [:]))
            throw CommandError("failed on purpose", hint: "nothing to do")
        default: break
        }
        return .lines("\(invocation.verb) done")
    }

    func facts(from record: any RecordReader) throws -> [Fact] {
        try record.latest(module: "gate", kind: "ready") == nil
            ? [.missing("gate.ready", "not prepared")] : [.present("gate.ready", "prepared")]
    }
}

func makeSession(modules: [any ClinicModule] = [GateModule()], signedIn roles: Set<Role> = [.nurse]) throws -> (Session, TestConsole, TestClock) {
    try ClinicTestSupport.makeSession(modules: modules, signedIn: roles)
}

/// A module whose commands run the gate module's (`ModuleContext.perform`), whose fact asks for
/// itself (a cycle), and which says something falls due ten minutes after its `mark`.
final class RelayModule: SchedulingModule {
    let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "relay", version: "1.0.0", summary: "test perform"),
        commands: [
            CommandSpec("fail", summary: "appends, runs gate fail and carries on"),
            CommandSpec("give", summary: "runs gate give", fields: [FieldSpec("dose", .integer(1...99), help: "a dose")]),
            CommandSpec("sign", summary: "runs gate sign"),
            CommandSpec("nowhere", summary: "runs a command nobody has"),
            CommandSpec("mark", summary: "something is due in ten minutes"),
        ],
        facts: [FactSpec("relay.loop", summary: "asks for itself", establishedBy: "relay mark")])

    func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        var out = CommandOutput()
        switch invocation.verb {
        case "fail":
            try context.append(RecordDraft(kind: "before", payload: [:]))
            do { _ = try context.perform("gate fail", [:]) } catch { out.line("gate said: \(error)") }
            try context.append(RecordDraft(kind: "after", payload: [:]))
        case "give": out = try context.perform("gate give", ["dose": invocation["dose"] ?? .null])
        case "sign": out = try context.perform("gate sign", [:])
        case "nowhere": out = try context.perform("gate teleport", [:])
        case "mark": try context.append(RecordDraft(kind: "mark", payload: [:]))
        default: break
        }
        return out
    }

    func facts(from record: any RecordReader) throws -> [Fact] {
        [try record.fact("relay.loop") ?? .missing("relay.loop", "never")]
    }

    func due(from record: any RecordReader) throws -> [DueItem] {
        try record.records(module: "relay", kind: "mark", visitOnly: true).last.map {
            [DueItem("check", at: $0.effectiveAt.addingTimeInterval(600), detail: "ten minutes after the mark", command: "relay mark")]
        } ?? []
    }
}
