import ClinicKit
@_exported import ClinicKitTesting
import Foundation
import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage

// Test doubles shared by the test targets: real types, no process-wide state.

/// Someone at the keyboard answering prompts from a list; keeps the prompts it was shown.
package final class ScriptedInput: LineInput {
    package var answers: [String]
    package var prompts: [String] = []
    package init(_ answers: [String]) { self.answers = answers }
    package func readLine(prompt: String, completion: CompletionMode) -> InputEvent {
        prompts.append(prompt)
        return answers.isEmpty ? .end : .line(answers.removeFirst())
    }
    package func readSecret(prompt: String) -> InputEvent { readLine(prompt: prompt, completion: .none) }
    package func remember(_ line: String) {}
}

/// Where a test's record is kept: in memory (SQLite), or, when the tests run against PostgreSQL
/// (`CLINIC_TEST_BACKEND=postgres`, as `Scripts/test` runs them a second time), a new record on
/// the test process's server. The same tests, either backend.
package enum TestDatabases {
    package static var onServer: Bool { ProcessInfo.processInfo.environment["CLINIC_TEST_BACKEND"] == "postgres" }

    /// A new, empty record's location.
    package static func fresh() throws -> String {
        onServer ? try PostgresServer.shared.newRecord() : ":memory:"
    }
}

/// A session over an in-memory database with `modules` loaded and a member of staff (nora) signed
/// in: the SDK's test host (the engine a clinic's module is tested on), with the script layer's
/// commands, the protocol shipped with the program, and nobody to answer questions.
package func makeSession(modules: [any ClinicModule], signedIn roles: Set<Role> = [.nurse], protocolPath: String? = nil,
                         instrumentFolders: [String] = [], environment: [String: String] = [:]) throws -> (Session, TestConsole, TestClock) {
    let host = try TestHost(modules: modules, clinicProtocol: { loaded, instruments in
        try protocolPath.map { try ProtocolLoader.load(path: $0, modules: loaded, instruments: instruments) } ?? moduleTestProtocol(for: loaded, instruments: instruments)
    }, instrumentFolders: instrumentFolders, environment: environment, roles: roles, database: try TestDatabases.fresh())
    return (host.session, host.console, host.clock)
}

/// The shipped protocol without its `clinic.also_requires` (the first infusion waiting for
/// follow-up's baseline): a test of a few modules checks each module's own rules; the shipped
/// wiring between them is checked end to end, by the workflows.
/// It is checked against `modules` as the program checks it.
package func moduleTestProtocol(for modules: [LoadedModule], instruments: InstrumentCommands.Candidates = .none) throws -> LoadedProtocol {
    let text = try String(contentsOfFile: ProtocolLoader.shippedPath, encoding: .utf8)
    let cleared = text.replacingOccurrences(of: "value: \"dosing start=followup.baseline\"", with: "value: \"\"")
    precondition(cleared != text, "the shipped protocol's clinic.also_requires changed: update moduleTestProtocol")
    return try ProtocolLoader.load(text: cleared, path: ProtocolLoader.shippedPath, modules: modules, instruments: instruments)
}

/// The clinic protocol shipped with the program (beside the test binary, where the build puts it),
/// for a test of a few modules: without the wiring between modules (``moduleTestProtocol(for:)``).
package func shippedProtocol(for modules: [LoadedModule]) throws -> LoadedProtocol {
    try moduleTestProtocol(for: modules)
}

extension Session {
    /// The session's store, for a test that reads the database or tampers with it as an attacker would.
    package var sqlite: SQLStore { store as! SQLStore }
}

extension Session {
    /// Changes the database behind the program's back, as an attacker with every right would:
    /// on SQLite through the file, on PostgreSQL as the server's superuser with the triggers and
    /// foreign keys off (`session_replication_role = replica`). SQLite's `PRAGMA`s are skipped on
    /// the server, where replica mode does what they did.
    package func tamper(_ sql: String) throws {
        guard let server = sqlite.db as? PostgresDatabase else { return try sqlite.db.execute(sql) }
        guard !sql.hasPrefix("PRAGMA") else { return }
        let address = server.address.replacingOccurrences(of: "user=\(PostgresServer.program)", with: "user=\(PostgresServer.shared.user)")
        let attacker = try PostgresConnection(address: address)
        try attacker.execute("SET session_replication_role = replica; \(sql)")
    }
}

extension Outcome {
    package var failure: CommandError? { if case .failed(let f) = self { return f } else { return nil } }
}

/// Stands in for screening: the patient was found eligible unless told otherwise, and an alert
/// stands on them when one is given.
package final class StandInScreening: AlertingModule {
    let eligible: Bool
    let alert: String?
    package init(eligible: Bool = true, alert: String? = nil) {
        self.eligible = eligible
        self.alert = alert
    }
    package let declaration = ModuleDeclaration(manifest: ModuleManifest(name: "screening", version: "1", summary: "stand-in"),
                                                commands: [CommandSpec("sign", summary: "stand-in: the patient is eligible unless told otherwise")],
                                                facts: [FactSpec("screening.eligible", summary: "eligible", establishedBy: "screening sign")],
                                                // What screening publishes for follow-up, as the real one does.
                                                records: [RecordSpec("fiqr", summary: "a FIQR, scored", fields: [RecordField("total", "the total, 0–100")])])
    package func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
    package func facts(from record: any RecordReader) throws -> [Fact] {
        [eligible ? .present("screening.eligible", "signed") : .missing("screening.eligible", "not eligible: stand-in")]
    }
    package func alerts(from record: any RecordReader) throws -> [StandingAlert] {
        alert.map { [StandingAlert($0, since: record.now, acknowledgedBy: "screening acknowledge NOTE")] } ?? []
    }
}

/// A small, seeded generator (SplitMix64), so a failing case can be found again from its seed.
package struct SplitMix64: RandomNumberGenerator {
    package var state: UInt64
    package init(state: UInt64) { self.state = state }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
