import ClinicKit
import Foundation
@testable import ClinicStorage
import Testing

/// The store keeps each patient's parsed entries and the answers it gave, reading only what was
/// appended since: what another connection appends is seen, and what rolled back is forgotten.
@Suite struct RecordCacheTests {
    let now = Timestamp.date("2026-11-24T09:00:00.000Z")!

    func append(_ store: SQLStore, _ patient: PatientInfo, kind: String = "intake", n: Int) throws {
        _ = try store.appendRecord(patientID: patient.id, visitID: nil, module: "intake", kind: kind, payload: ["n": .int(n)],
                                   effectiveAt: now, recordedAt: now, staffID: 1, protocolVersion: nil, protocolSHA256: nil, amends: nil)
    }

    @Test func appendedEntriesAreSeenAndRolledBackOnesForgotten() throws {
        let path = StoreTests.temporaryPath()
        let (store, patient) = try StoreTests().makeStore(path)
        #expect(try store.records(patientID: patient.id, module: "intake").count == 3)
        #expect(try store.records(patientID: patient.id, module: "intake", kind: "weight").isEmpty)
        try append(store, patient, kind: "weight", n: 4)
        #expect(try store.records(patientID: patient.id, module: "intake").map { $0.payload["n"]?.intValue } == [1, 2, 3, 4])
        #expect(try store.records(patientID: patient.id, module: "intake", kind: "weight").count == 1)
        // Written in a transaction that rolls back: seen inside it, gone after.
        struct Undo: Error {}
        _ = try? store.transaction { () throws -> Void in
            try append(store, patient, n: 5)
            #expect(try store.records(patientID: patient.id, module: "intake").count == 5)
            throw Undo()
        }
        #expect(try store.records(patientID: patient.id, module: "intake").map { $0.payload["n"]?.intValue } == [1, 2, 3, 4])
        // Another workstation's entry, under the id the rolled-back one had.
        let other = try SQLStore(path: path, now: now)
        try append(other, patient, n: 6)
        #expect(try store.records(patientID: patient.id, module: "intake").map { $0.payload["n"]?.intValue } == [1, 2, 3, 4, 6])
        #expect(try store.records(patientID: patient.id).count == 5)
        #expect(try store.records(patientID: patient.id, module: "intake", kind: "weight").count == 1)
    }

    @Test func theLeastRecentlyReadPatientIsForgottenPastTheLimit() throws {
        let cache = RecordCache(limit: 3)
        func entries(_ patient: Int64, _ ids: ClosedRange<Int64>) -> [StoredRecord] {
            ids.map { StoredRecord(id: $0, module: "m", kind: "k", payload: .null, visitID: nil, effectiveAt: now, recordedAt: now, staff: "s", amends: nil) }
        }
        var reads: [Int64] = []
        func read(_ patient: Int64, _ ids: ClosedRange<Int64>) throws -> Int {
            try cache.records(patientID: patient, rollbacks: 0, module: nil, kind: nil, visitID: nil) { after in
                reads.append(after)
                return entries(patient, ids).filter { $0.id > after }
            }.count
        }
        #expect(try read(1, 1...2) == 2)
        #expect(try read(2, 3...4) == 2)   // 4 held: patient 1 is forgotten
        #expect(try read(1, 1...2) == 2)
        #expect(reads == [0, 0, 0])
        #expect(try read(1, 1...2) == 2)
        #expect(reads == [0, 0, 0, 2], "kept: only what is new is asked for")
    }
}
