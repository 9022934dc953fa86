import ClinicKit
import ClinicStorage
import Foundation

/// What falls due for each patient, kept as a projection of the record: the modules work a
/// patient's items out in the transaction that changes the patient's record, and the clinic's
/// worklist reads every patient's in one indexed query instead of reading every record.
///
/// The items depend on the scheduling modules loaded and the protocol in force, not on the time
/// they are read (``SchedulingModule/due(from:)``; an item's own ``DueItem/shownFrom`` and
/// ``DueItem/lapsesAfter`` are compared with the time when it is read). The basis they were worked
/// out on is kept with them; when it is not this session's (a module upgraded, a protocol
/// adopted, another time zone), the worklist works every patient's out again first, as
/// `db rebuild` does.
enum DueProjection {
    static let basisKey = RecordStores.dueBasisKey

    /// The scheduling modules (names and versions), the protocol and the time zone the items are
    /// worked out with (a day item starts at midnight where the clinic is).
    static func basis(of session: Session) -> String {
        let modules = session.plugins.loaded.filter { $0.module is any SchedulingModule }
            .map { "\($0.name) \($0.declaration.manifest.version)" }.sorted()
        let rest = [session.clinicProtocol.settings.sha256, session.calendar.timeZone.identifier]
        return String(HashChain.sha256((modules + rest).joined(separator: "\n")).prefix(32))
    }

    /// Every loaded module's items for `patient`, worked out now from the record as it stands,
    /// with the patient's open visit.
    static func items(for patient: PatientInfo, in session: Session) throws -> [(module: String, item: DueItem)] {
        let reader = HostRecordReader(session: session, patient: patient, visit: .some(try session.store.openVisit(patientID: patient.id)))
        let engine = FactEngine(session: session, reader: reader)
        return try session.plugins.loaded.flatMap { module in try engine.due(of: module).map { (module.name, $0) } }
    }

    /// Works out again the items of the patients a transaction appended to, just before it commits.
    static func refresh(_ patients: Set<Int64>, in session: Session) throws {
        // A record made with no patients holds items right on any basis: from its first, on this one.
        // A session on another basis (another protocol, a module upgraded on one workstation
        // first) marks the items mixed: the next worklist works every patient's out again.
        let stored = try session.store.meta(basisKey), own = basis(of: session)
        if stored == RecordStores.anyDueBasis {
            try session.store.setMeta(basisKey, own)
        } else if stored != own && stored != RecordStores.mixedDueBasis {
            try session.store.setMeta(basisKey, RecordStores.mixedDueBasis)
        }
        for id in patients.sorted() {
            guard let patient = try session.store.patient(id: id) else { continue }
            try session.store.replaceDue(patientID: id, items: try items(for: patient, in: session))
        }
    }

    /// Works out every patient's items again, one patient at a time; returns how many patients.
    @discardableResult
    static func rebuild(in session: Session) throws -> Int {
        try session.store.transaction {
            try session.store.clearDue()
            var count = 0
            for patient in try session.store.allPatients(limit: Int(Int32.max)) {
                let items = try items(for: patient, in: session)
                if !items.isEmpty { try session.store.replaceDue(patientID: patient.id, items: items) }
                count += 1
            }
            try session.store.setMeta(basisKey, basis(of: session))
            return count
        }
    }

    /// Whether the stored items were worked out on this session's modules, protocol and time zone.
    static func isCurrent(in session: Session) throws -> Bool {
        let stored = try session.store.meta(basisKey)
        return stored == basis(of: session) || stored == RecordStores.anyDueBasis
    }

    /// The clinic's worklist: every patient's items due by `until` and shown now, most overdue first.
    static func worklist(until: Date, in session: Session) throws -> [WorklistEntry] {
        try session.store.settleAppended()
        if try !isCurrent(in: session) { try rebuild(in: session) }
        return try session.store.dueItems(until: until, shownAt: session.now)
    }

    /// Every patient whose stored items differ from what the modules work out from the record
    /// now, for `audit verify`; nothing when the items were worked out on another basis (the
    /// worklist works them out again before it reads them).
    static func differences(in session: Session) throws -> [String] {
        guard try isCurrent(in: session) else { return [] }
        var problems: [String] = []
        var rows = 0
        for patient in try session.store.allPatients(limit: Int(Int32.max)) {
            let stored: [String]
            do { stored = try session.store.due(patientID: patient.id).map(text) } catch {
                problems.append("what falls due for \(patient.mrn): the table's rows cannot be read")
                continue
            }
            rows += stored.count
            let worked = try items(for: patient, in: session).map(text)
            if stored != worked {
                problems.append("what falls due for \(patient.mrn): \(worked.count) item\(worked.count == 1 ? "" : "s") from the record, \(stored.count) in the table"
                                + (Set(stored) == Set(worked) ? " (in another order)" : ""))
            }
        }
        let orphans = try session.store.dueItemCount() - rows
        if orphans > 0 { problems.append("what falls due: \(orphans) item\(orphans == 1 ? "" : "s") in the table belong\(orphans == 1 ? "s" : "") to no patient") }
        if !problems.isEmpty { problems.append("what falls due is worked out again from the record by db rebuild (admin)") }
        return problems
    }

    /// An item as the table keeps it (times to the millisecond), to compare.
    private static func text(_ entry: (module: String, item: DueItem)) -> String {
        let i = entry.item
        return [entry.module, i.what, Timestamp.string(i.at), i.shownFrom.map(Timestamp.string) ?? "-", i.lapsesAfter.map(Timestamp.string) ?? "-",
                i.detail, i.command, i.isAllDay ? "1" : "0", i.commands.map { "\($0.name) \($0.fields.joined(separator: ","))" }.joined(separator: ";")]
            .joined(separator: "|")
    }
}
