import ClinicEngine
import ClinicKit
import ClinicStorage
import Foundation

/// Compares a replayed record with the original: the same patients, visits and entries, in the
/// same order, with the same payloads, times and authors; and, when the replay covers the whole
/// original, the same hash chain.
enum Verify {
    struct Report {
        var differences: [String]
        var summary: String
    }

    private struct Entry: Equatable {
        var id: Int64, mrn: String, visit: Int?, module: String, kind: String, payload: String
        var effective: String, recorded: String, staff: String, protocolVersion: String?, amends: String?, hash: String
    }

    /// Compares the two a patient at a time, then their hash chains a page at a time, so that
    /// neither record is held whole.
    static func compare(replayed: RecordSnapshotReader, original: RecordSnapshotReader, page: Int = 10_000) throws -> Report {
        var differences: [String] = []
        var patients = 0, visits = 0, entries = 0
        for mrn in try replayed.mrns() {
            guard let snapshot = try replayed.patient(mrn: mrn) else { continue }
            let replay = try load(snapshot)
            patients += 1
            visits += replay.visits[mrn]?.count ?? 0
            entries += replay.all.count
            guard let originalSnapshot = try original.patient(mrn: mrn) else {
                differences.append("patient \(mrn) is in the replay but not in the original")
                continue
            }
            differences += compare(mrn, replay, try load(originalSnapshot))
        }
        var summary = "identical: \(patients) patient\(patients == 1 ? "" : "s"), \(visits) visit\(visits == 1 ? "" : "s"), \(entries) record entries"
        // The chains, side by side: comparable when they hold the same entries.
        var after: Int64 = 0
        var comparable = true
        while true {
            let r = try replayed.chain(after: after, limit: page), o = try original.chain(after: after, limit: page)
            guard r.map(\.id) == o.map(\.id) else { comparable = false; break }
            if let i = r.indices.first(where: { r[$0].hash != o[$0].hash }) {
                differences.append("record \(r[i].id): the hash chains part here (same content, different chain: an entry before it differs)")
                break
            }
            guard let last = r.last else {
                summary += "; hash chain identical (\(entries) of \(entries))"
                break
            }
            after = last.id
        }
        if !comparable {
            let later = try original.entryCount() - replayed.entryCount()
            summary += "; hash chain not comparable: the original holds \(later > 0 ? "\(later) more entries" : "other entries") (the recording covers part of it)"
        }
        return Report(differences: differences, summary: summary)
    }

    /// The differences between one patient's replayed record and the original's.
    private static func compare(_ mrn: String, _ replay: Loaded, _ orig: Loaded) -> [String] {
        var differences: [String] = []
        guard let patient = replay.patients[mrn], let o = orig.patients[mrn] else { return differences }
        if patient != o {
            differences.append("patient \(mrn): \(describe(o, patient, ["name", "date of birth", "sex", "registered at"]))")
        }
        let rv = replay.visits[mrn] ?? [], ov = orig.visits[mrn] ?? []
        for (i, v) in rv.enumerated() {
            guard i < ov.count else { differences.append("\(mrn) visit \(i + 1) is in the replay only"); continue }
            if v != ov[i] { differences.append("\(mrn) visit \(i + 1): \(describe(ov[i], v, ["kind", "started", "ended"]))") }
        }
        let re = replay.entries[mrn] ?? [], oe = orig.entries[mrn] ?? []
        for (i, e) in re.enumerated() {
            let label = "\(mrn) entry \(i + 1) (\(e.module) \(e.kind))"
            guard i < oe.count else { differences.append("\(label) is in the replay only"); continue }
            let o = oe[i]
            if (e.module, e.kind) != (o.module, o.kind) {
                differences.append("\(label): the original has \(o.module) \(o.kind) here")
            } else if e.payload != o.payload {
                differences.append("\(label): \(payloadDifference(o.payload, e.payload))")
            } else if e.effective != o.effective || e.recorded != o.recorded {
                differences.append("\(label): times differ: effective \(o.effective), recorded \(o.recorded) in the original; \(e.effective), \(e.recorded) in the replay")
            } else if e.staff != o.staff || e.protocolVersion != o.protocolVersion || e.visit != o.visit || e.amends != o.amends {
                differences.append("\(label): \(describe([o.staff, o.protocolVersion ?? "-", o.visit.map(String.init) ?? "-", o.amends ?? "-"], [e.staff, e.protocolVersion ?? "-", e.visit.map(String.init) ?? "-", e.amends ?? "-"], ["author", "protocol", "visit", "amends"]))")
            }
        }
        return differences
    }

    private struct Loaded {
        var patients: [String: [String]] = [:]
        var visits: [String: [[String]]] = [:]
        var entries: [String: [Entry]] = [:]
        var all: [Entry] = []
    }

    private static func load(_ snapshot: RecordSnapshot) throws -> Loaded {
        var loaded = Loaded()
        var visitIndex: [Int64: Int] = [:]
        for patient in snapshot.patients {
            loaded.patients[patient.mrn] = patient.columns
        }
        for visit in snapshot.visits {
            loaded.visits[visit.mrn, default: []].append(visit.columns)
            visitIndex[visit.id] = loaded.visits[visit.mrn]?.count
        }
        var entryIndex: [Int64: String] = [:]
        for e in snapshot.entries {
            // Visits and amended entries by their place in the patient's record, not their ids.
            let entry = Entry(id: e.id, mrn: e.mrn, visit: e.visitID.flatMap { visitIndex[$0] }, module: e.module, kind: e.kind,
                              payload: e.payload, effective: e.effective, recorded: e.recorded, staff: e.staff,
                              protocolVersion: e.protocolVersion, amends: e.amends.flatMap { entryIndex[$0] }, hash: e.hash)
            loaded.entries[e.mrn, default: []].append(entry)
            entryIndex[e.id] = "\(e.mrn) entry \(loaded.entries[e.mrn]?.count ?? 0)"
            loaded.all.append(entry)
        }
        return loaded
    }

    /// `name: X in the original, Y in the replay` for the first column that differs.
    private static func describe(_ original: [String], _ replay: [String], _ names: [String]) -> String {
        guard let i = original.indices.first(where: { $0 < replay.count && original[$0] != replay[$0] }) else { return "differs" }
        return "\(i < names.count ? names[i] : "column \(i + 1)"): \(original[i]) in the original, \(replay[i]) in the replay"
    }

    /// The first field of two JSON payloads that differs.
    private static func payloadDifference(_ original: String, _ replay: String) -> String {
        guard let o = try? Value(json: original).objectValue, let r = try? Value(json: replay).objectValue else {
            return "payload \(original.prefix(80)) in the original, \(replay.prefix(80)) in the replay"
        }
        for key in Set(o.keys).union(r.keys).sorted() where o[key] != r[key] {
            return "\(key): \(o[key]?.canonicalJSON ?? "absent") in the original, \(r[key]?.canonicalJSON ?? "absent") in the replay"
        }
        return "payload differs"
    }
}
