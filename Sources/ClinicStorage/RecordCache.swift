import ClinicKit
import Foundation

/// The patients' records as read, each payload parsed once: a command reads what was appended
/// since, not the whole history again. Entries are append-only, so what was read stays true; only
/// what a transaction wrote and then rolled back is forgotten (the whole cache, on any rollback).
/// A few patients are kept, the least recently read forgotten first, within a bound on entries.
final class RecordCache {
    struct Patient {
        var lastID: Int64 = 0
        var entries: [StoredRecord] = []
        /// Where each module's entries are in `entries`.
        var byModule: [String: [Int]] = [:]
        var used = 0
    }

    private var patients: [Int64: Patient] = [:]
    private var rollbacks = 0
    private var uses = 0
    private var held = 0
    /// How many entries are kept at most, over all patients (a patient's whole record is always
    /// kept while read, however long).
    let limit: Int

    init(limit: Int = 200_000) { self.limit = limit }

    /// The patient's entries, those after the ones kept read by `readAfter` (in id order) first.
    func records(patientID: Int64, rollbacks now: Int, module: String?, kind: String?, visitID: Int64?,
                 readAfter: (Int64) throws -> [StoredRecord]) throws -> [StoredRecord] {
        if now != rollbacks { patients = [:]; held = 0; rollbacks = now }
        var patient = patients[patientID] ?? Patient()
        patients[patientID] = nil
        let new = try readAfter(patient.lastID)
        for entry in new {
            patient.byModule[entry.module, default: []].append(patient.entries.count)
            patient.entries.append(entry)
        }
        patient.lastID = patient.entries.last?.id ?? patient.lastID
        held += new.count
        uses += 1
        patient.used = uses
        patients[patientID] = patient
        evict(keeping: patientID)
        let candidates: [StoredRecord]
        if let module {
            candidates = (patient.byModule[module] ?? []).map { patient.entries[$0] }
        } else {
            candidates = patient.entries
        }
        guard kind != nil || visitID != nil else { return candidates }
        return candidates.filter { (kind == nil || $0.kind == kind) && (visitID == nil || $0.visitID == visitID) }
    }

    /// Forgets the least recently read patients until the entries kept are within the limit.
    private func evict(keeping current: Int64) {
        while held > limit, let oldest = patients.filter({ $0.key != current }).min(by: { $0.value.used < $1.value.used }) {
            held -= oldest.value.entries.count
            patients[oldest.key] = nil
        }
    }
}
