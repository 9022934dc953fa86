import ClinicKit
import Foundation
import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage

// Test doubles shared by the test targets: real types, no process-wide state.

/// Collects what the session prints.
package final class TestConsole: Console {
    package init() {}
    package var output: [String] = []
    package var errors: [String] = []
    package func out(_ text: String) { output.append(text) }
    package func err(_ text: String) { errors.append(text) }
}

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

/// A clock that stands still unless moved.
package final class TestClock: ClinicClock {
    package var current: Date
    package init(_ iso: String = "2026-11-24T09:00:00.000Z") { current = Timestamp.date(iso)! }
    package func now() -> Date { current }
}

/// A session over an in-memory database with `modules` loaded and a member of staff (nora) signed in.
package func makeSession(modules: [any ClinicModule], signedIn roles: Set<Role> = [.nurse],
                         protocolPath: String? = nil, environment: [String: String] = [:]) throws -> (Session, TestConsole, TestClock) {
    let clock = TestClock()
    let console = TestConsole()
    let store = try SQLiteStore(path: ":memory:", now: clock.now())
    var report = PluginReport()
    for m in modules {
        report.loaded.append(LoadedModule(module: m, file: "test", origin: "test"))
    }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let session = Session(store: store, plugins: report, clock: clock, calendar: calendar, console: console,
                          input: nil, environment: environment, databasePath: ":memory:",
                          clinicProtocol: try protocolPath.map { try ProtocolLoader.load(path: $0, modules: report.loaded) } ?? moduleTestProtocol(for: report.loaded), hostCommands: HostCommands.table + ScriptCommands.table)
    let staff = try store.addStaff(username: "nora", roles: roles, passwordHash: "x", at: clock.now(), by: nil)
    session.signIn(staff)
    return (session, console, clock)
}

/// The shipped protocol without its `clinic.also_requires` (the first infusion waiting for
/// follow-up's baseline): a test of a few modules checks each module's own rules; the shipped
/// wiring between them is checked end to end, by the workflows.
/// It is checked against `modules` as the program checks it.
package func moduleTestProtocol(for modules: [LoadedModule]) throws -> LoadedProtocol {
    let text = try String(contentsOfFile: ProtocolLoader.shippedPath, encoding: .utf8)
    let cleared = text.replacingOccurrences(of: "value: \"dosing start=followup.baseline\"", with: "value: \"\"")
    precondition(cleared != text, "the shipped protocol's clinic.also_requires changed: update moduleTestProtocol")
    return try ProtocolLoader.load(text: cleared, path: ProtocolLoader.shippedPath, modules: modules)
}

/// The clinic protocol shipped with the program (beside the test binary, where the build puts it),
/// for a test of a few modules: without the wiring between modules (``moduleTestProtocol(for:)``).
package func shippedProtocol(for modules: [LoadedModule]) throws -> LoadedProtocol {
    try moduleTestProtocol(for: modules)
}

extension Session {
    /// The session's SQLite store, for a test that reads or tampers with the file as an attacker would.
    package var sqlite: SQLiteStore { store as! SQLiteStore }
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
    package let declaration = ModuleDeclaration(manifest: ModuleManifest(name: "screening", version: "1", summary: "stand-in"), commands: [],
                                                facts: [FactSpec("screening.eligible", summary: "eligible", establishedBy: "screening sign")])
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
