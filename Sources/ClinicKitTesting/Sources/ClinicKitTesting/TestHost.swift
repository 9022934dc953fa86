import ClinicKit
import Foundation

/// A small host for a module's own unit tests: one patient, members of staff, a clock that moves
/// only when told, the protocol settings the test gives, and an in-memory record. Commands go
/// through the same steps as in the clinic's shell — role, open visit, required facts, standing
/// alerts, each field parsed by its declaration, required fields present — and a command that
/// throws leaves nothing in the record.
///
/// ```swift
/// let host = try TestHost(modules: [ChecklistModule()], settings: ["checklist.fasting_hours": 6])
/// try host.startVisit()
/// let out = try host.run("checklist record", ["fasting": "yes", "iv": "yes"])
/// #expect(try host.fact("checklist.done")?.isPresent == true)
/// ```
public final class TestHost: @unchecked Sendable {
    public let modules: [any ClinicModule]
    /// The settings the modules read, checked against their declarations.
    public let clinicProtocol: ClinicProtocol
    /// The clinic's time: moves only when you set it.
    public var now: Date
    public let calendar: Calendar
    /// The patient every command works on.
    public var patient: PatientInfo
    /// The open visit, if any.
    public private(set) var visit: VisitInfo?
    /// The member of staff running commands (a nurse called `nora` to begin with).
    public private(set) var staff: StaffInfo
    /// Everyone who may sign or witness.
    public private(set) var accounts: [StaffInfo]
    /// The record, oldest first.
    public private(set) var records: [StoredRecord] = []
    /// When set, the next signature is refused as if the password were wrong.
    public var refuseNextSignature = false

    private var factsInProgress: [String] = []

    /// A host for `modules`. `settings` must hold every setting the modules declare.
    /// - Parameter now: the clinic's time (default 2026-11-24 09:00 UTC).
    public init(modules: [any ClinicModule], settings: [String: Value] = [:], documents: [String: ProtocolDocument] = [:],
                now: Date = Date(timeIntervalSince1970: 1_795_510_800), calendar: Calendar? = nil) throws {
        self.modules = modules
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        self.calendar = calendar ?? utc
        self.now = now
        let declared = modules.flatMap(\.declaration.settings)
        let missing = declared.filter { settings[$0.key] == nil && documents[$0.key] == nil }
        guard missing.isEmpty else {
            throw CommandError("the test gives no value for " + missing.map { "\($0.key) (\($0.kind.expects))" }.joined(separator: ", "),
                               hint: "pass them in settings:")
        }
        let settingsInForce = ClinicProtocol(name: "test", version: "test", values: settings, documents: documents)
        clinicProtocol = settingsInForce
        let problems = modules.flatMap { ($0 as? any SettingsCheckingModule)?.check(settingsInForce) ?? [] }
        guard problems.isEmpty else { throw CommandError("the test's settings contradict each other: " + problems.joined(separator: "; ")) }
        patient = PatientInfo(id: 1, mrn: "T-1", name: "Test Patient", dateOfBirth: "1980-01-01", sex: .female)
        staff = StaffInfo(id: 1, username: "nora", roles: [.nurse])
        accounts = [staff]
    }

    /// Signs in a member of staff, adding them if new.
    public func signIn(_ username: String, roles: Set<Role>) {
        let who = accounts.first { $0.username == username } ?? StaffInfo(id: Int64(accounts.count + 1), username: username, roles: roles)
        if !accounts.contains(who) { accounts.append(who) }
        staff = who
    }

    public func startVisit(kind: String = "infusion") throws {
        guard visit == nil else { throw CommandError("a visit is already open") }
        visit = VisitInfo(id: Int64(records.count + 1), kind: kind, startedAt: now)
    }

    public func endVisit() { visit = nil }

    /// Runs `MODULE VERB` with its fields as they would be typed (`["weight": "72kg"]`).
    @discardableResult
    public func run(_ command: String, _ fields: [String: String] = [:]) throws -> CommandOutput {
        let words = command.split(separator: " ").map(String.init)
        guard words.count == 2, let module = modules.first(where: { $0.declaration.manifest.name == words[0] }),
              let spec = module.declaration.commands.first(where: { $0.verb == words[1] })
        else { throw CommandError("no loaded module has the command '\(command)'") }
        guard !staff.roles.isDisjoint(with: spec.roles) else {
            throw CommandError("\(command) needs the role \(spec.roles.sorted().map(\.rawValue).joined(separator: " or ")); \(staff.username) is not")
        }
        if spec.needsVisit && visit == nil { throw CommandError("\(command): no visit is open", hint: "call startVisit() first") }
        for name in spec.requires {
            let fact = try self.fact(name)
            guard fact?.isPresent == true else { throw CommandError("\(command) refused: \(name) is missing (\(fact?.detail ?? "no module publishes it"))") }
        }
        if spec.refusedWhileAlerts, let alert = try alerts().first { throw CommandError("\(command) refused: an alert stands: \(alert.text)") }
        var values: [String: Value] = [:]
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        for (name, text) in fields {
            guard let field = spec.fields.first(where: { $0.name == name }) else {
                throw CommandError("\(command) has no field '\(name)'", hint: "its fields are " + spec.fields.map(\.name).joined(separator: ", "))
            }
            do { values[name] = try field.parse(text, today: today) } catch { throw CommandError("\(error.field): \(error.problem)", hint: error.hint) }
        }
        let missing = spec.fields.filter { $0.isRequired && values[$0.name] == nil && ($0.appliesTo?.contains(patient.sex) ?? true) }
        guard missing.isEmpty else { throw CommandError("\(command) is missing " + missing.map { "\($0.name) (\($0.expects))" }.joined(separator: ", ")) }
        let before = records.count
        do {
            return try module.run(Invocation(verb: spec.verb, values: values), in: Context(host: self, module: module.declaration.manifest.name))
        } catch {
            records.removeSubrange(before...)
            throw error
        }
    }

    /// A fact of the patient, worked out now by the module that publishes it.
    public func fact(_ name: String) throws -> Fact? {
        guard let owner = modules.first(where: { $0.declaration.facts.contains { $0.name == name } }) else { return nil }
        let ownerName = owner.declaration.manifest.name
        guard !factsInProgress.contains(ownerName) else { throw CommandError("the facts of \(ownerName) depend on themselves") }
        factsInProgress.append(ownerName)
        defer { factsInProgress.removeLast() }
        return try owner.facts(from: Context(host: self, module: ownerName)).first { $0.name == name }
    }

    /// Every module's standing alerts.
    public func alerts() throws -> [StandingAlert] {
        try modules.flatMap { try ($0 as? any AlertingModule)?.alerts(from: Context(host: self, module: $0.declaration.manifest.name)) ?? [] }
    }

    /// What every module says falls due, soonest first.
    public func due() throws -> [DueItem] {
        try modules.flatMap { try ($0 as? any SchedulingModule)?.due(from: Context(host: self, module: $0.declaration.manifest.name)) ?? [] }.sorted { $0.at < $1.at }
    }

    fileprivate func append(_ draft: RecordDraft, module: String) -> StoredRecord {
        let record = StoredRecord(id: Int64(records.count + 1), module: module, kind: draft.kind, payload: draft.payload, visitID: visit?.id,
                                  effectiveAt: draft.effectiveAt ?? now, recordedAt: now, staff: staff.username, amends: draft.amends)
        records.append(record)
        return record
    }

    /// A value as staff would type it, for ``ModuleContext/perform(_:_:)``.
    static func typed(_ value: Value) -> String {
        if let number = value["value"]?.doubleValue, let unit = value["unit"]?.stringValue { return FieldSpec.format(number) + unit }
        switch value {
        case .bool(let b): return b ? "yes" : "no"
        case .string(let s): return s
        case .array(let items): return items.map(typed).joined(separator: ",")
        default: return value.canonicalJSON
        }
    }
}

/// What a module's code sees in a ``TestHost``.
private struct Context: ModuleContext, @unchecked Sendable {
    let host: TestHost
    let module: String

    var patient: PatientInfo { host.patient }
    var visit: VisitInfo? { host.visit }
    var now: Date { host.now }
    var calendar: Calendar { host.calendar }
    var clinicProtocol: ClinicProtocol { host.clinicProtocol }
    var staff: StaffInfo { host.staff }

    func records(module: String?, kind: String?, visitOnly: Bool) throws -> [StoredRecord] {
        if visitOnly && host.visit == nil { return [] }
        return host.records.filter {
            (module == nil || $0.module == module) && (kind == nil || $0.kind == kind) && (!visitOnly || $0.visitID == host.visit?.id)
        }
    }

    func fact(_ name: String) throws -> Fact? { try host.fact(name) }
    func standingAlerts() throws -> [StandingAlert] { try host.alerts() }

    func worklist(until: Date) throws -> [WorklistEntry] {
        try host.modules.flatMap { m in
            try ((m as? any SchedulingModule)?.due(from: self) ?? []).filter { $0.at <= until }.map { WorklistEntry(patient: host.patient, item: $0, module: m.declaration.manifest.name) }
        }.sorted { $0.item.at < $1.item.at }
    }

    func append(_ draft: RecordDraft) throws -> StoredRecord { host.append(draft, module: module) }

    func sign(meaning: String) throws -> Signature {
        if host.refuseNextSignature {
            host.refuseNextSignature = false
            throw CommandError("signature refused: wrong password for \(host.staff.username); nothing was signed")
        }
        return Signature(username: host.staff.username, roles: host.staff.roles, at: host.now, meaning: meaning)
    }

    func witness(_ username: String, meaning: String) throws -> Signature {
        guard let who = host.accounts.first(where: { $0.username == username }), who != host.staff else {
            throw CommandError("there is no other member of staff called \(username) to witness", hint: "signIn them once first")
        }
        return Signature(username: who.username, roles: who.roles, at: host.now, meaning: meaning)
    }

    func perform(_ command: String, _ values: [String: Value]) throws -> CommandOutput {
        try host.run(command, values.mapValues(TestHost.typed))
    }
}
