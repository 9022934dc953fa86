import ClinicEngine
import ClinicKit
import ClinicScript
import ClinicStorage
import Foundation

/// The clinic's own engine, for a module's unit tests: the modules a test gives, checked as the
/// loader checks a plugin folder's, over an in-memory record, with one patient, members of staff
/// who sign with a password, and a clock that moves only when told. Commands go through the same
/// pipeline as at the shell (role, open visit, required facts and `clinic.also_requires`, standing
/// alerts, prefill, each field parsed by its declaration, required fields present, the module's
/// own checks), each in a transaction of its own: a command that is refused leaves nothing in the
/// record. Nothing is asked: a missing field is an error, as in a script.
///
/// ```swift
/// let host = try TestHost(modules: [ChecklistModule()], settings: ["checklist.fasting_hours": 6])
/// try host.startVisit()
/// try host.run("checklist record", ["fasting": "8", "iv": "yes"])
/// #expect(try host.fact("checklist.done")?.isPresent == true)
/// ```
public final class TestHost {
    /// The engine, for the clinic's own tests.
    package let session: Session
    package let clock: TestClock
    package let console: TestConsole
    private let keyboard = Keyboard()

    /// The password every member of staff signs with.
    public static let password = "test-pass1"

    /// A host running `modules`, checked as the clinic checks the modules it loads: a declaration
    /// that is invalid, a fact published twice, or a reference to a fact, command, field or record
    /// kind that none of them provides refuses the host, naming the module and the reference.
    /// - Parameters:
    ///   - settings: protocol values (`["checklist.fasting_hours": 6]`), each checked against its
    ///     declaration. A setting not given takes the value of the protocol shipped with the clinic;
    ///     a module's own setting that is not there must be given. `clinic.also_requires` is empty
    ///     unless given (`"dosing start=checklist.done"`).
    ///   - documents: document settings (a consent form's text), by key.
    ///   - sex: the patient's sex (the patient is `T-1`, born 1980-01-01).
    ///   - now: the clinic's time (default 2026-11-24 09:00 UTC).
    public convenience init(modules: [any ClinicModule], settings: [String: Value] = [:], documents: [String: ProtocolDocument] = [:],
                            sex: Sex = .female, now: Date = Date(timeIntervalSince1970: 1_795_510_800), calendar: Calendar? = nil) throws {
        try self.init(modules: modules, settings: settings, documents: documents, clock: TestClock(Timestamp.truncated(now)), calendar: calendar)
        // As in a script: a missing field is an error, not a question; passwords are still asked.
        session.input = keyboard
        session.inScript = true
        try type("patient new --name \"Test Patient\" --dob 1980-01-01 --sex \(sex.rawValue) --mrn T-1")
    }

    /// The engine for the clinic's own tests: `protocol` instead of the test's settings when given
    /// (read against the modules and the instruments, as the program reads it), the instruments of
    /// `instrumentFolders` after the shipped ones, the host commands of the layers above, no
    /// patient yet, and nobody to answer questions.
    package init(modules: [any ClinicModule], settings: [String: Value] = [:], documents: [String: ProtocolDocument] = [:],
                 clinicProtocol: (([LoadedModule], InstrumentCommands.Candidates) throws -> LoadedProtocol)? = nil,
                 instrumentFolders: [String] = [], clock: TestClock = TestClock(), calendar: Calendar? = nil,
                 environment: [String: String] = [:], hostCommands: HostCommandTable = HostCommands.table + ScriptCommands.table,
                 roles: Set<Role> = [.nurse], database: String = ":memory:") throws {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        self.clock = clock
        console = TestConsole()
        // Each module is named by its manifest, as a file would be (a second of one name: "intake #2").
        var seen: [String: Int] = [:]
        let candidates = modules.map { module in
            let name = module.declaration.manifest.name
            seen[name, default: 0] += 1
            return LoadedModule(module: module, file: seen[name] == 1 ? name : "\(name) #\(seen[name] ?? 0)", origin: "test")
        }
        let checked = PluginLoader.check(candidates, host: hostCommands)
        if let refused = checked.refused.first {
            throw CommandError("module \(refused.file) is refused: \(refused.reason)")
        }
        var report = PluginReport()
        report.loaded = checked.loaded
        let store = try RecordStores.open(database, now: clock.now())
        // The shipped instruments given as data, for the modules under test, as the program asks them.
        let instrumentFiles = InstrumentCommands.read(folders: [InstrumentFile.shippedFolder] + instrumentFolders, sandbox: store.isSandbox)
        if let refused = instrumentFiles.warnings.first {
            throw CommandError("the instruments cannot be read: \(refused)")
        }
        let loadedProtocol: LoadedProtocol
        if let clinicProtocol {
            loadedProtocol = try clinicProtocol(checked.loaded, instrumentFiles)
        } else {
            do {
                loadedProtocol = try ProtocolLoader.load(values: settings, documents: documents, name: "test", modules: checked.loaded,
                                                         instruments: instrumentFiles)
            } catch {
                let missing = error.problems.contains { $0.hasPrefix("the test gives no value") }
                throw CommandError(error.problems.joined(separator: "; "), hint: missing ? "give it in TestHost(settings:)" : "check the value in TestHost(settings:)")
            }
            if let unread = loadedProtocol.unread.first {
                throw CommandError("the test gives \(unread), which no module declares", hint: "check the setting's name")
            }
        }
        let instruments = InstrumentCommands.load(loadedProtocol.instruments, modules: checked.loaded, settings: loadedProtocol.settings)
        session = Session(store: store, plugins: report, clock: clock, calendar: calendar ?? utc, console: console, input: nil,
                          environment: environment, databasePath: database, clinicProtocol: loadedProtocol,
                          hostCommands: hostCommands + instruments.table)
        session.instruments = instruments.instruments
        // As the program does at its start: a new record notes the protocol it runs under.
        _ = try ProtocolAdoption.atStart(session)
        try signIn("nora", roles: roles)
    }

    /// The clinic's time: moves only when you set it.
    public var now: Date {
        get { clock.current }
        set { clock.current = Timestamp.truncated(newValue) }
    }

    public var calendar: Calendar { session.calendar }
    /// The patient every command works on.
    public var patient: PatientInfo { session.patient ?? .nobody }
    /// The open visit, if any.
    public var visit: VisitInfo? { session.visit }
    /// The member of staff running commands (a nurse called `nora` to begin with).
    public var staff: StaffInfo { session.staff ?? StaffInfo(id: 0, username: "", roles: []) }
    /// The modules' entries in the patient's record, oldest first, corrections included as entries
    /// of their own (the host's own entries, the registration and the visits, are not listed).
    public var records: [StoredRecord] {
        let modules = Set(session.plugins.loaded.map(\.name))
        return ((try? session.store.records(patientID: patient.id)) ?? []).filter { modules.contains($0.module) }
    }
    /// When set, the next password asked for (a signature, a witness) is wrong.
    public var refuseNextSignature: Bool {
        get { keyboard.refuseNext }
        set { keyboard.refuseNext = newValue }
    }

    /// Signs in a member of staff, adding them if new (their password is ``password``), and opens
    /// the patient again with their open visit. A name already used keeps its roles: one with
    /// other roles is refused (sign in another name for another role).
    public func signIn(_ username: String, roles: Set<Role>) throws {
        if let existing = try session.store.account(username)?.info, existing.roles != roles {
            throw CommandError("\(username) is already \(existing.roles.map(\.rawValue).sorted().joined(separator: " and ")) in this test",
                               hint: "sign in another name for another role")
        }
        let account = try session.store.account(username)?.info
            ?? session.store.addStaff(username: username, roles: roles, passwordHash: try Passwords.hash(Self.password, rounds: 16),
                                      at: clock.now(), by: nil)
        let mrn = session.patient?.mrn
        session.signIn(account)
        if let mrn { try type("patient open \(mrn)") }
    }

    public func startVisit(kind: String = "infusion") throws { try type("visit start --kind \(kind)") }

    public func endVisit() throws { try type("visit end") }

    /// Runs `MODULE VERB` with its fields as they would be typed (`["weight": "72kg"]`), and returns
    /// what the shell would show.
    @discardableResult
    public func run(_ command: String, _ fields: [String: String] = [:]) throws -> String {
        let words = command.split(separator: " ").map(String.init) + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try outcome { session.execute(words: words, source: "test", line: { words.joined(separator: " ") }) }
    }

    /// Runs a line as it would be typed at the shell, a host command or a script's line too
    /// (`visit end`, `amend 3 weight=70kg reason="scale"`, `expect fact checklist.done`), and
    /// returns what the shell would show.
    @discardableResult
    public func type(_ line: String) throws -> String {
        try outcome { ScriptRunner(session: session).interactive(line, source: "test") }
    }

    private func outcome(_ body: () -> Outcome) throws -> String {
        let before = console.lines.count
        let result = body()
        let shown = console.lines[before...].joined(separator: "\n")
        if case .failed(let error) = result { throw error }
        return shown
    }

    /// A fact of the patient, worked out now by the module that publishes it.
    public func fact(_ name: String) throws -> Fact? { try session.fact(name) }

    /// Every module's standing alerts.
    public func alerts() throws -> [StandingAlert] { try FactEngine(session: session).alerts() }

    /// What every module says falls due, soonest first.
    public func due() throws -> [DueItem] { try FactEngine(session: session).due() }

    /// Puts an entry in the record as `module` would have, now, at the open visit, by the member of
    /// staff signed in: another module's records a module under test reads (doses given before
    /// a follow-up call), without running that module's workflow. It is chained like any entry.
    @discardableResult
    public func seed(_ module: String, _ draft: RecordDraft) throws -> StoredRecord {
        guard session.plugins.loaded.contains(where: { $0.name == module }) else {
            throw CommandError("no module \(module) is loaded", hint: "give it to TestHost(modules:), as the clinic would load it")
        }
        return try session.append(draft, as: module)
    }

    /// The patient's record as the FHIR R4 Bundle `export fhir` writes, with every module's
    /// resources and the host's Patient, Encounters, Practitioners and Provenance.
    public func fhir() throws -> Value { try FHIR.bundle(patient, in: session) }
}

/// A clock that stands still unless moved.
package final class TestClock: ClinicClock {
    package var current: Date
    package init(_ date: Date) { current = date }
    package convenience init(_ iso: String = "2026-11-24T09:00:00.000Z") { self.init(Timestamp.date(iso)!) }
    package func now() -> Date { current }
}

/// What the shell would show, kept.
package final class TestConsole: Console {
    package init() {}
    package var output: [String] = []
    package var errors: [String] = []
    /// Both, in the order they were shown.
    package var lines: [String] = []
    package func out(_ text: String) { output.append(text); lines.append(text) }
    package func err(_ text: String) { errors.append(text); lines.append(text) }
}

/// The keyboard: answers a password with the test's (or a wrong one, once), and nothing else.
private final class Keyboard: LineInput {
    var refuseNext = false
    func readLine(prompt: String, completion: CompletionMode) -> InputEvent { .end }
    func readSecret(prompt: String) -> InputEvent {
        defer { refuseNext = false }
        return .line(refuseNext ? "not-the-password" : TestHost.password)
    }
    func remember(_ line: String) {}
}
