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
        /// Each query's answer as last given, kept up to date as entries are appended: a command
        /// asking again gets the same array back, not a new copy of the patient's history.
        var answers: [Query: [StoredRecord]] = [:]
        /// Whether any entry read corrects another (`amends`): readers that fold corrections in
        /// need not walk the answer when none does.
        var corrects = false
        var used = 0
    }

    struct Query: Hashable {
        var module: String?
        var kind: String?
        var visitID: Int64?

        func matches(_ entry: StoredRecord) -> Bool {
            (module == nil || entry.module == module) && (kind == nil || entry.kind == kind) && (visitID == nil || entry.visitID == visitID)
        }
    }

    private var patients: [Int64: Patient] = [:]
    private var rollbacks = 0
    private var uses = 0
    private var held = 0
    /// How many entries are kept at most, over all patients (a patient's whole record is always
    /// kept while read, however long).
    let limit: Int

    init(limit: Int = 200_000) { self.limit = limit }

    /// The patient's entries, those after the ones kept read by `readAfter` (in id order) first;
    /// with `upToDate` (nothing can have been appended since the last read: the reader holds the
    /// write lock and appended nothing to the patient since), a patient kept is not read again.
    func records(patientID: Int64, rollbacks now: Int, module: String?, kind: String?, visitID: Int64?, upToDate: Bool = false,
                 readAfter: (Int64) throws -> [StoredRecord]) throws -> [StoredRecord] {
        if now != rollbacks { patients = [:]; held = 0; rollbacks = now }
        let kept = patients[patientID]
        var patient = kept ?? Patient()
        patients[patientID] = nil
        let new = upToDate && kept != nil ? [] : try readAfter(patient.lastID)
        for entry in new {
            if entry.amends != nil { patient.corrects = true }
            patient.byModule[entry.module, default: []].append(patient.entries.count)
            patient.entries.append(entry)
        }
        if !new.isEmpty {
            for query in Array(patient.answers.keys) {
                patient.answers[query]?.append(contentsOf: new.filter(query.matches))
            }
        }
        patient.lastID = patient.entries.last?.id ?? patient.lastID
        held += new.count
        uses += 1
        patient.used = uses
        patients[patientID] = patient
        evict(keeping: patientID)
        let query = Query(module: module, kind: kind, visitID: visitID)
        if let answer = patient.answers[query] { return answer }
        var answer: [StoredRecord]
        if let module {
            answer = (patient.byModule[module] ?? []).map { patient.entries[$0] }
        } else {
            answer = patient.entries
        }
        if kind != nil || visitID != nil { answer = answer.filter(query.matches) }
        patients[patientID]?.answers[query] = answer
        return answer
    }

    /// Whether an entry read of the patient corrects another; `true` when the patient is not kept
    /// (the reader then looks for itself).
    func corrects(patientID: Int64, rollbacks now: Int) -> Bool {
        guard now == rollbacks, let patient = patients[patientID] else { return true }
        return patient.corrects
    }

    /// Forgets the least recently read patients until the entries kept are within the limit.
    private func evict(keeping current: Int64) {
        while held > limit, let oldest = patients.filter({ $0.key != current }).min(by: { $0.value.used < $1.value.used }) {
            held -= oldest.value.entries.count
            patients[oldest.key] = nil
        }
    }
}
