import ClinicKit
import ClinicTestSupport
import Foundation
@testable import ClinicHost

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
