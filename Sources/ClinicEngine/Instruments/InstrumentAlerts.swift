import ClinicKit
import ClinicStorage
import Foundation

/// The alerts of a clinic's own instruments, which stand on the patient until a clinician
/// acknowledges them, as a module's do: shown when the patient is opened and by `status`, and
/// holding every command that orders or gives treatment.
///
/// A shipped instrument's alert is stood by the module it joins, whose code ships with it (the
/// PHQ-9's item 9 by screening, until `screening acknowledge`, which the screening decision also
/// reads); a tested rule, since a module's code cannot be read from a file. A clinic's instrument's
/// alert is stood by the host, until `acknowledge NOTE`: each response whose alerts were raised
/// (its `alerts`, the messages said when it was recorded) stands until an entry `instrument
/// acknowledged` names it.
enum InstrumentAlerts {
    static let module = "instrument"
    static let kind = "acknowledged"
    static let command = "acknowledge"

    /// The responses of `patient` whose alerts stand, oldest first, each with the instrument's
    /// title. Every response that kept what its alerts said (a clinic's instrument's, decided when
    /// it was recorded) counts, whether or not its file is loaded now: removing a file does not
    /// clear its alerts. The modules an instrument may join are read.
    static func standing(for patient: PatientInfo, in session: Session) throws -> [(title: String, response: StoredRecord)] {
        let hosts = session.plugins.loaded.filter { $0.declaration.recordedKinds != nil }.map(\.name)
        guard !hosts.isEmpty else { return [] }
        let acknowledged = Set(try session.store.records(patientID: patient.id, module: module, kind: kind).compactMap { $0.payload["response"]?.intValue })
        var out: [(title: String, response: StoredRecord)] = []
        for host in hosts {
            for response in try session.store.records(patientID: patient.id, module: host)
            where response.payload["questionnaire"] != nil && !(response.payload["alerts"]?.arrayValue ?? []).isEmpty
                && !acknowledged.contains(Int(response.id)) {
                let title = session.instruments.first { $0.module == host && $0.verb == response.kind }?.title ?? "\(host) \(response.kind)"
                out.append((title, response))
            }
        }
        return out.sorted { ($0.response.effectiveAt, $0.response.id) < ($1.response.effectiveAt, $1.response.id) }
    }

    /// The standing alerts, as the modules' are given.
    static func alerts(for patient: PatientInfo, in session: Session) throws -> [StandingAlert] {
        try standing(for: patient, in: session).map { title, response in
            let said = (response.payload["alerts"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "; ")
            return StandingAlert("\(title) #\(response.id): \(said)", since: response.effectiveAt, acknowledgedBy: "\(command) NOTE")
        }
    }

    /// `acknowledge NOTE`.
    static var entry: CatalogEntry {
        CatalogEntry(host: [command], spec: CommandSpec(
            command, summary: "a clinician acknowledges the alerts of the clinic's own instruments standing on the patient, with what was done",
            fields: [FieldSpec("note", .text(maxLength: 1000), help: "what was done: who assessed the patient, the plan", positional: true, identifying: true)],
            roles: Role.clinical, needsPatient: true, needsVisit: false,
            discussion: "Acknowledges every alert of an instrument given as data that stands on the open patient (status lists them), one entry each. "
                + "A module's own alert is acknowledged with its own command, which status names (the PHQ-9's: screening acknowledge NOTE).")) { values, session in
            try acknowledge(values["note"]?.stringValue ?? "", in: session)
        }
    }

    private static func acknowledge(_ note: String, in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff else { throw CommandError("no patient is open", hint: "open a patient first") }
        let open = try standing(for: patient, in: session)
        guard !open.isEmpty else {
            let others = try FactEngine(session: session).alerts()
            throw CommandError("no alert of an instrument stands on \(patient.mrn)",
                               hint: others.first.map { "the alert standing is acknowledged with \($0.acknowledgedBy)" } ?? "nothing to acknowledge")
        }
        let context = HostModuleContext(session: session, module: module, patient: patient, staff: staff)
        var out = CommandOutput()
        for (title, response) in open {
            let stored = try context.append(RecordDraft(kind: kind, payload: [
                "response": .int(Int(response.id)), "instrument": .string("\(response.module) \(response.kind)"), "note": .string(note),
            ]))
            out.line("acknowledged the \(title) #\(response.id) alert (#\(stored.id)) by \(staff.username)")
        }
        return out
    }
}
