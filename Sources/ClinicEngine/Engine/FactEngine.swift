import ClinicKit
import ClinicStorage
import Foundation

/// Works out the modules' published facts for the open patient (or the patient a reader reads),
/// and gates commands on them.
package struct FactEngine {
    let session: Session
    /// Whose record: the open patient's when `nil`.
    var reader: HostRecordReader? = nil

    /// The facts of the open patient.
    package init(session: Session) { self.session = session }

    init(session: Session, reader: HostRecordReader?) {
        self.session = session
        self.reader = reader
    }

    private func record() -> HostRecordReader? {
        reader ?? session.patient.map { HostRecordReader(session: session, patient: $0) }
    }

    /// Each loaded module with the facts it reports now, in checklist order.
    func all() throws -> [(module: LoadedModule, facts: [Fact])] {
        guard let reader = record() else { return [] }
        return try session.plugins.loaded
            .sorted { $0.declaration.manifest.order < $1.declaration.manifest.order }
            .map { module in
                let reported = try facts(of: module, from: reader)
                // One fact per declared name, in declared order; an undeclared one is ignored.
                let facts = module.declaration.facts.map { spec in
                    reported.first { $0.name == spec.name } ?? .missing(spec.name, "\(module.name) did not report it")
                }
                return (module, facts)
            }
    }

    package func fact(_ name: String) throws -> Fact? {
        guard let reader = record() else { return nil }
        guard let owner = session.plugins.loaded.first(where: { $0.declaration.facts.contains { $0.name == name } }) else {
            return try instrumentFact(name, from: reader)
        }
        return try facts(of: owner, from: reader).first { $0.name == name }
    }

    /// An instrument given as data publishes each of its scores as `instrument.VERB.SCORE`
    /// (`instrument.isi.total`): the latest response's, with its value, present once one is recorded.
    private func instrumentFact(_ name: String, from reader: HostRecordReader) throws -> Fact? {
        guard let (instrument, score) = instrumentScore(name) else { return nil }
        let command = CommandReference(instrument.module, instrument.verb)
        // Another questionnaire given the same command word by another file is not this one.
        guard let latest = try reader.records(module: instrument.module, kind: instrument.verb, visitOnly: false)
            .last(where: { $0.payload["questionnaire"]?.stringValue?.hasPrefix(instrument.url + "|") == true }) else {
            var missing = Fact.missing(name, "no \(instrument.title) is recorded for \(reader.patient.mrn)")
            missing.remedy = command
            return missing
        }
        let value = latest.payload[score.linkId] ?? .null
        guard value != .null else {
            var missing = Fact.missing(name, "the latest \(instrument.title) (#\(latest.id)) gives no \(score.linkId)")
            missing.remedy = command
            return missing
        }
        let band = score.linkId == instrument.total?.linkId ? latest.payload["band"]?.stringValue.map { " · \($0)" } ?? "" : ""
        let shown = value.doubleValue.map { FieldSpec.format($0) } ?? value.boolValue.map { $0 ? "yes" : "no" } ?? value.canonicalJSON
        return .present(name, "\(instrument.title) \(score.linkId) \(shown)\(band) (#\(latest.id), \(ClinicTime.format(latest.effectiveAt, calendar: reader.calendar)))",
                        value: value, asOf: latest.effectiveAt, basis: [latest.id])
    }

    private func instrumentScore(_ name: String) -> (Instrument, Instrument.Score)? {
        let words = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard words.count == 3, words[0] == "instrument", let instrument = session.instruments.first(where: { $0.verb == words[1] }),
              let score = instrument.scores.first(where: { $0.linkId == words[2] }) else { return nil }
        return (instrument, score)
    }

    /// A module's facts. A module may ask for another's while working out its own; one that is
    /// asked again while it is still working is a cycle, refused rather than recursed into.
    private func facts(of module: LoadedModule, from reader: HostRecordReader) throws -> [Fact] {
        if let start = session.modulesWorkingOutFacts.firstIndex(of: module.name) {
            let cycle = (session.modulesWorkingOutFacts[start...] + [module.name]).joined(separator: " → ")
            throw CommandError("the modules' facts depend on each other in a cycle (\(cycle))",
                                 hint: "report this to the modules' authors; the record is unchanged")
        }
        session.modulesWorkingOutFacts.append(module.name)
        defer { session.modulesWorkingOutFacts.removeLast() }
        return try ModuleCall.run(module, "working out its facts") { try module.module.facts(from: reader) }
    }

    /// What falls due for the open patient and is shown now, every module's, soonest first.
    package func due() throws -> [DueItem] {
        try session.plugins.loaded.flatMap { try due(of: $0) }.filter { $0.isShown(at: session.now) }.sorted { $0.at < $1.at }
    }

    /// A module's due items, whether shown now or not, each checked to name commands the module declares.
    func due(of module: LoadedModule) throws -> [DueItem] {
        guard let reader = record() else { return [] }
        return try ModuleCall.run(module, "working out what is due") {
            let items = try (module.module as? any SchedulingModule)?.due(from: reader) ?? []
            for item in items {
                if let problem = ContractCheck.problem(naming: item.commands, in: item.command, of: module) { warn(problem) }
            }
            return items
        }
    }

    /// A module broke its declared contract at run time (a due item, an alert or a remedy names a
    /// command it did not declare): said once per session, naming the module. The item, the alert
    /// and the refusal still stand — hiding an alert, or refusing every command for the patient,
    /// would be worse than a wrong hint.
    private func warn(_ problem: String) {
        guard session.contractWarnings.insert(problem).inserted else { return }
        session.console.err("warning: \(problem); tell the module's author (modules lists where it came from)")
    }

    /// Every patient's due items up to `until`: the clinic's worklist, most overdue first.
    func worklist(until: Date) throws -> [WorklistEntry] {
        try DueProjection.worklist(until: until, in: session)
    }

    /// The declaration of a fact and the module that publishes it.
    package func spec(_ name: String) -> FactSpec? {
        if let (instrument, score) = instrumentScore(name) {
            return FactSpec(name, summary: "the latest \(instrument.title)'s \(score.text)", establishedBy: "\(instrument.module) \(instrument.verb)", isStep: false)
        }
        return session.plugins.loaded.lazy.compactMap { $0.declaration.facts.first { $0.name == name } }.first
    }

    /// Refuses the command unless every required fact is present.
    func check(requirements: [String], for command: String) throws {
        for name in requirements {
            guard let spec = spec(name) else {
                throw CommandError("\(command) refused: it requires \(name), which no loaded module publishes",
                                     hint: "check the modules list (type modules)", kind: .refused)
            }
            let fact = try fact(name)
            if fact?.isPresent != true {
                // When the module reports a bad outcome (screening.ineligible), running the command
                // again is not the way forward.
                let owner = session.plugins.loaded.first { $0.declaration.facts.contains { $0.name == name } }
                let adverse = try owner?.declaration.facts.filter { !$0.isStep }.first { try self.fact($0.name)?.isPresent == true }
                // The remedy the module gives for the reason that holds; else a reason that names
                // what to type (`FIQR (screening fiqr)`); else the fact's usual command.
                let detail = fact?.detail ?? "not reported"
                var remedy = fact?.remedy
                if let given = remedy, let owner, let problem = ContractCheck.problem(naming: [given], in: given.name, of: owner) {
                    warn(problem)
                    remedy = nil
                }
                let named = session.catalog.entries.filter { $0.words.count > 1 && detail.contains($0.name) }
                    .min { detail.range(of: $0.name)!.lowerBound < detail.range(of: $1.name)!.lowerBound }
                let next = remedy?.name ?? named?.name ?? spec.establishedBy
                throw CommandError("\(command) refused: \(name) is missing (\(detail))",
                                     hint: adverse.map { "\($0.name) holds; see status" } ?? "run \(next) first", kind: .refused)
            }
        }
    }

    /// The alerts standing on the open patient, every module's, as lines to show: `text (since …;
    /// acknowledge with …)`.
    func standingAlerts() throws -> [String] {
        try alerts().map {
            "\($0.text) (since \(HostCommands.short($0.since, calendar: session.calendar, now: session.now)); type \($0.acknowledgedBy))"
        }
    }

    package func alerts() throws -> [StandingAlert] {
        guard let reader = record() else { return [] }
        let modules = try session.plugins.loaded.flatMap { m in
            try ModuleCall.run(m, "working out its alerts") {
                let alerts = try (m.module as? any AlertingModule)?.alerts(from: reader) ?? []
                for alert in alerts {
                    if let problem = ContractCheck.problem(naming: alert.acknowledgement.map { [$0] } ?? [], in: alert.acknowledgedBy, of: m) { warn(problem) }
                }
                return alerts
            }
        }
        // A clinic's instruments' alerts, which the host stands (a shipped one's stands in its module).
        return try modules + InstrumentAlerts.alerts(for: reader.patient, in: session)
    }

    /// Refuses a command that orders or gives treatment while an alert stands on the patient.
    func checkNoStandingAlert(for command: String) throws {
        let standing = try alerts()
        guard let first = standing.first else { return }
        let more = standing.count > 1 ? " (and \(standing.count - 1) more; see status)" : ""
        throw CommandError("\(command) refused: an alert stands on \(session.patient?.mrn ?? "the patient"): \(first.text)\(more)",
                             hint: "a clinician acknowledges it first: type \(first.acknowledgedBy)", kind: .refused)
    }

    /// Why a missing fact cannot be established yet: the facts its command waits for.
    func blockers(of spec: FactSpec, present: Set<String>) -> [String] {
        let requires = session.catalog.entries.first { $0.name == spec.establishedBy }.map(session.requirements(of:)) ?? []
        return requires.filter { !present.contains($0) }
    }
}
