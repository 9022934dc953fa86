import ClinicKit
import Foundation

/// `replay FILE [--into DB] [--verify DB]`: re-executes a recording into a new sandbox database,
/// through the same session, modules and checks as the original, and compares the two records.
enum Replay {
    static func run(_ file: String, into: String?, verify original: String?, in session: Session) throws -> CommandOutput {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw CommandFailure("cannot read \(file)", hint: "give the recording's path")
        }
        let target = into ?? (file.hasSuffix(".clinic") ? String(file.dropLast(7)) : file) + ".replay.sqlite"
        if FileManager.default.fileExists(atPath: target) {
            throw CommandFailure("\(target) already exists; replay makes a new database", hint: "give --into a new file")
        }
        if let original, !FileManager.default.isReadableFile(atPath: original) {
            throw CommandFailure("cannot read \(original) to compare with", hint: "give --verify the original database")
        }
        let started = Date()
        let store: Store
        do { store = try Store(path: target, now: session.now, replayOf: file) } catch {
            throw CommandFailure("cannot create \(target): \(error)")
        }
        let replay = Session(store: store, plugins: session.plugins, clock: SandboxClock(store: store), calendar: session.calendar,
                             console: session.console, input: nil, environment: [:], databasePath: target,
                             clinicProtocol: session.clinicProtocol)
        replay.isReplaying = true
        replay.quiet = true
        guard ScriptRunner(session: replay).runFile(file) else {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
            throw CommandFailure("the replay of \(file) stopped (see above); \(target) was removed", hint: "a recording replays into a fresh database, with the same modules loaded")
        }
        let seconds = Date().timeIntervalSince(started)
        let commands = Int(try store.db.query("SELECT COUNT(*) FROM journal WHERE outcome = 'ok'").first?.first?.int ?? 0)
        let records = try store.recordCount()
        let rate = seconds > 0 ? Int(Double(commands) / seconds) : commands
        var out = CommandOutput()
        out.line("replayed \(file) into \(target) (a sandbox): \(commands) commands, \(records) records in \(String(format: "%.2f", seconds)) s (\(rate) commands/s)")
        guard let original else { return out }
        let report = try Verify.compare(replayed: store.db, original: try Database(path: original, readOnly: true))
        session.show(out)
        out = CommandOutput()
        if report.differences.isEmpty {
            out.line("verify against \(original): \(report.summary)")
            return out
        }
        out.line("verify against \(original): \(report.differences.count) difference\(report.differences.count == 1 ? "" : "s")")
        for d in report.differences.prefix(20) { out.line("  " + d) }
        if report.differences.count > 20 { out.line("  … and \(report.differences.count - 20) more") }
        session.show(out)
        throw CommandFailure("the replay differs from \(original) (listed above)", hint: "the first difference is where the record diverged")
    }
}

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

    static func compare(replayed: Database, original: Database) throws -> Report {
        var differences: [String] = []
        let replay = try load(replayed), orig = try load(original)
        for (mrn, patient) in replay.patients.sorted(by: { $0.value.order < $1.value.order }) {
            guard let o = orig.patients[mrn] else {
                differences.append("patient \(mrn) is in the replay but not in the original")
                continue
            }
            if patient.row != o.row {
                differences.append("patient \(mrn): \(describe(o.row, patient.row, ["name", "date of birth", "sex", "registered at"]))")
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
        }
        let patients = replay.patients.count, visits = replay.visits.values.map(\.count).reduce(0, +)
        let entries = replay.all.count
        var summary = "identical: \(patients) patient\(patients == 1 ? "" : "s"), \(visits) visit\(visits == 1 ? "" : "s"), \(entries) record entries"
        if replay.all.map(\.id) == orig.all.map(\.id) {
            if let i = replay.all.indices.first(where: { replay.all[$0].hash != orig.all[$0].hash }) {
                differences.append("record \(replay.all[i].id): the hash chains part here (same content, different chain: an entry before it differs)")
            } else {
                summary += "; hash chain identical (\(entries) of \(entries))"
            }
        } else {
            let later = orig.all.count - replay.all.count
            summary += "; hash chain not comparable: the original holds \(later > 0 ? "\(later) more entries" : "other entries") (the recording covers part of it)"
        }
        return Report(differences: differences, summary: summary)
    }

    private struct Loaded {
        var patients: [String: (order: Int, row: [String])] = [:]
        var visits: [String: [[String]]] = [:]
        var entries: [String: [Entry]] = [:]
        var all: [Entry] = []
    }

    private static func load(_ db: Database) throws -> Loaded {
        var loaded = Loaded()
        func text(_ v: SQLValue) -> String {
            switch v {
            case .null: return "-"
            case .int(let i): return String(i)
            case .double(let d): return String(d)
            case .text(let t): return t
            }
        }
        var visitIndex: [Int64: Int] = [:]
        for row in try db.query("SELECT mrn, name, dob, sex, created_at FROM patients ORDER BY id") {
            loaded.patients[text(row[0])] = (loaded.patients.count, row.dropFirst().map(text))
        }
        for row in try db.query("SELECT v.id, p.mrn, v.kind, v.started_at, v.ended_at FROM visits v JOIN patients p ON p.id = v.patient_id ORDER BY v.id") {
            let mrn = text(row[1])
            loaded.visits[mrn, default: []].append(row[2...].map(text))
            if let id = row[0].int { visitIndex[id] = loaded.visits[mrn]?.count }
        }
        var entryIndex: [Int64: String] = [:]
        for row in try db.query("""
            SELECT r.id, p.mrn, r.visit_id, r.module, r.kind, r.payload, r.effective_at, r.recorded_at, s.username,
                   r.protocol_version, r.amends, r.hash
            FROM records r JOIN patients p ON p.id = r.patient_id JOIN staff s ON s.id = r.staff_id ORDER BY r.id
            """) {
            guard let id = row[0].int else { continue }
            let mrn = text(row[1])
            // Visits and amended entries by their place in the patient's record, not their ids.
            let entry = Entry(id: id, mrn: mrn, visit: row[2].int.flatMap { visitIndex[$0] }, module: text(row[3]), kind: text(row[4]),
                              payload: text(row[5]), effective: text(row[6]), recorded: text(row[7]), staff: text(row[8]),
                              protocolVersion: row[9].text, amends: row[10].int.flatMap { entryIndex[$0] }, hash: text(row[11]))
            loaded.entries[mrn, default: []].append(entry)
            entryIndex[id] = "\(mrn) entry \(loaded.entries[mrn]?.count ?? 0)"
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
