import ClinicKit
import Foundation

/// The tables outside the hash chains as projections of them: `audit verify` rebuilds the staff,
/// the patients, the visits and the database's mode from the chains and compares them row by row
/// with the tables, and checks that a live record's times never go backwards.
extension SQLiteStore {
    /// Walks the chain of the clinic's own changes (the mode, staff) from the first.
    package func verifyChanges() throws -> ChainCheck {
        try verify(table: "changes", select: "SELECT id, at, staff_id, kind, subject, payload, prev_hash, hash FROM changes ORDER BY id") { r in
            guard let id = r[0].int, let at = r[1].text, r[2].isIntOrNull, let kind = r[3].text, let subject = r[4].text, let payload = r[5].text
            else { return nil }
            return ChainedChange(id: id, at: at, staffID: r[2].int, kind: kind, subject: subject, payload: payload).chainValues
        }
    }

    /// The hash of entry `id` of a chain (the genesis for 0), `nil` when there is no such entry.
    package func chainHash(_ table: String, at id: Int64) throws -> String? {
        if id == 0 { return HashChain.genesis }
        return try db.query("SELECT hash FROM \(Self.chainTable(table)) WHERE id = ?", [.int(id)]).first?[0].text
    }

    /// The id of a chain's last entry.
    package func chainLength(_ table: String) throws -> Int64 {
        try db.query("SELECT COALESCE(MAX(id), 0) FROM \(Self.chainTable(table))").first?.first?.int ?? 0
    }

    /// The database's mode as its first entry in the chain says (`live` or `sandbox`), whatever the
    /// meta table says now.
    package func chainedMode() throws -> String? {
        guard let json = try db.query("SELECT payload FROM changes WHERE kind = 'database' ORDER BY id LIMIT 1").first?[0].text else { return nil }
        return (try? Value(json: json))?["mode"]?.stringValue
    }

    // MARK: - Projections

    /// One row of a table, or of the table rebuilt from a chain: its label and its columns' values as text.
    private struct Row {
        var label: String
        var columns: [(name: String, value: String)]
    }

    /// Every difference between the tables outside the chains and the tables the chains rebuild,
    /// each naming the row and what it means; empty when they agree.
    package func projectionDifferences() throws -> [String] {
        var out: [String] = []
        out += compare("staff", chain: try staffFromChain(), table: try staffTable())
        out += compare("patient", chain: try patientsFromChain(), table: try patientsTable())
        out += compare("visit", chain: try visitsFromChain(), table: try visitsTable())
        out += try modeDifferences()
        out += try triggerDifferences()
        // Every protocol an entry of a live record was written under was adopted, in the protocols
        // chain (a sandbox runs under whatever protocol file it is given, and records none).
        for row in try chainedMode() == "sandbox" ? [] : db.query("""
            SELECT protocol_sha256, min(id) FROM records WHERE protocol_sha256 IS NOT NULL
            AND protocol_sha256 NOT IN (SELECT sha256 FROM protocols) GROUP BY protocol_sha256 ORDER BY 2
            """) {
            out.append("record entry #\(row[1].int ?? 0) was written under protocol \(row[0].text?.prefix(12) ?? "?")…, which is not in the protocols chain (an adoption was removed)")
        }
        return out
    }

    /// The triggers that keep the tables append-only, as the migrations made them: one dropped is
    /// how a change behind the program's back begins (and one added could change what is written).
    private func triggerDifferences() throws -> [String] {
        let expected = Schema.triggers
        var found: [String: String] = [:]
        for row in try db.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") {
            if let name = row[0].text { found[name] = row[1].text.map(Schema.folded) ?? "" }
        }
        var out: [String] = []
        for (name, sql) in expected.sorted(by: { $0.key < $1.key }) {
            if let now = found[name] {
                if now != sql { out.append("the database's schema: its trigger \(name) was changed (it keeps the record append-only)") }
            } else {
                out.append("the database's schema: its trigger \(name) was dropped (it keeps the record append-only)")
            }
        }
        return out + Set(found.keys).subtracting(expected.keys).sorted().map { "the database's schema: a trigger \($0) was added that the program never made" }
    }

    private func compare(_ what: String, chain: [Int64: Row], table: [Int64: Row]) -> [String] {
        var out: [String] = []
        for id in Set(chain.keys).union(table.keys).sorted() {
            switch (chain[id], table[id]) {
            case let (c?, nil):
                out.append("\(what) \(c.label): in the chain, missing from the table (deleted behind the program's back)")
            case let (nil, t?):
                out.append("\(what) \(t.label): in the table, not in the chain (inserted behind the program's back)")
            case let (c?, t?):
                for (index, column) in c.columns.enumerated() where index < t.columns.count && t.columns[index].value != column.value {
                    out.append("\(what) \(c.label): \(column.name) \(column.value) in the chain, \(t.columns[index].value) in the table")
                }
            case (nil, nil): break
            }
        }
        return out
    }

    private static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: return "(none)"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .text(let t): return t.isEmpty ? "(empty)" : t
        }
    }

    private static func text(_ value: Value?) -> String {
        guard let value else { return "(none)" }
        if let i = value.intValue { return String(i) }
        if let s = value.stringValue { return s.isEmpty ? "(empty)" : s }
        return value.canonicalJSON
    }

    /// The staff as the chain builds them: each added, then their roles and password as changed since.
    private func staffFromChain() throws -> [Int64: Row] {
        var rows: [Int64: Row] = [:]
        var ids: [String: Int64] = [:]
        for row in try db.query("SELECT subject, kind, payload FROM changes WHERE kind LIKE 'staff-%' ORDER BY id") {
            guard let name = row[0].text, let kind = row[1].text, let payload = row[2].text.flatMap({ try? Value(json: $0) }) else { continue }
            if kind == "staff-added", let id = payload["id"]?.intValue {
                ids[name] = Int64(id)
                rows[Int64(id)] = Row(label: name, columns: [("name", name), ("roles", Self.text(payload["roles"])),
                                                              ("password hash (its SHA-256)", Self.text(payload["password"])),
                                                              ("added at", Self.text(payload["created_at"])), ("added by", Self.text(payload["created_by"]))])
            } else if let id = ids[name], var staff = rows[id] {
                if kind == "staff-roles" { staff.columns[1].value = Self.text(payload["roles"]) }
                if kind == "staff-password" { staff.columns[2].value = Self.text(payload["password"]) }
                rows[id] = staff
            }
        }
        return rows
    }

    private func staffTable() throws -> [Int64: Row] {
        var rows: [Int64: Row] = [:]
        for row in try db.query("SELECT id, username, roles, password_hash, created_at, created_by FROM staff") {
            guard let id = row[0].int else { continue }
            rows[id] = Row(label: Self.text(row[1]), columns: [("name", Self.text(row[1])), ("roles", Self.text(row[2])),
                                                                ("password hash (its SHA-256)", row[3].text.map(HashChain.sha256) ?? "(none)"),
                                                                ("added at", Self.text(row[4])), ("added by", Self.text(row[5]))])
        }
        return rows
    }

    /// The patients as the record builds them: each registration, then its corrections (the MRN,
    /// and when and by whom the patient was registered, never change).
    private func patientsFromChain() throws -> [Int64: Row] {
        var rows: [Int64: Row] = [:]
        for row in try db.query("""
            SELECT patient_id, payload, recorded_at, staff_id, amends FROM records WHERE module = 'patient' AND kind = 'registered' ORDER BY id
            """) {
            guard let id = row[0].int, let payload = row[1].text.flatMap({ try? Value(json: $0) }) else { continue }
            if var patient = rows[id] {
                guard row[4].int != nil else { continue }
                patient.columns[1].value = Self.text(payload["name"])
                patient.columns[2].value = Self.text(payload["dob"])
                patient.columns[3].value = Self.text(payload["sex"])
                rows[id] = patient
                continue
            }
            let mrn = Self.text(payload["mrn"])
            rows[id] = Row(label: "\(mrn) (#\(id))", columns: [("MRN", mrn), ("name", Self.text(payload["name"])), ("date of birth", Self.text(payload["dob"])),
                                                               ("sex", Self.text(payload["sex"])), ("registered at", Self.text(row[2])),
                                                               ("registered by", Self.text(row[3]))])
        }
        return rows
    }

    private func patientsTable() throws -> [Int64: Row] {
        var rows: [Int64: Row] = [:]
        for row in try db.query("SELECT id, mrn, name, dob, sex, created_at, created_by FROM patients") {
            guard let id = row[0].int else { continue }
            rows[id] = Row(label: "\(Self.text(row[1])) (#\(id))", columns: [("MRN", Self.text(row[1])), ("name", Self.text(row[2])), ("date of birth", Self.text(row[3])),
                                                                             ("sex", Self.text(row[4])), ("registered at", Self.text(row[5])),
                                                                             ("registered by", Self.text(row[6]))])
        }
        return rows
    }

    private static let visitColumns = ["patient", "kind", "started at", "started by", "ended at", "ended by"]

    private func visitsFromChain() throws -> [Int64: Row] {
        var columns: [Int64: [String]] = [:]
        for row in try db.query("""
            SELECT visit_id, kind, patient_id, payload, effective_at, staff_id FROM records
            WHERE module = 'visit' AND kind IN ('started', 'ended') AND visit_id IS NOT NULL ORDER BY id
            """) {
            guard let id = row[0].int, let kind = row[1].text, let payload = row[3].text.flatMap({ try? Value(json: $0) }) else { continue }
            if kind == "started", columns[id] == nil {
                columns[id] = [Self.text(row[2]), Self.text(payload["kind"]), Self.text(row[4]), Self.text(row[5]), "(none)", "(none)"]
            } else if kind == "ended", var c = columns[id], c[4] == "(none)" {
                c[4] = Self.text(row[4])
                c[5] = Self.text(row[5])
                columns[id] = c
            }
        }
        return columns.reduce(into: [:]) { rows, visit in
            rows[visit.key] = Row(label: "#\(visit.key)", columns: zip(Self.visitColumns, visit.value).map { (name: $0.0, value: $0.1) })
        }
    }

    private func visitsTable() throws -> [Int64: Row] {
        var rows: [Int64: Row] = [:]
        for row in try db.query("SELECT id, patient_id, kind, started_at, started_by, ended_at, ended_by FROM visits") {
            guard let id = row[0].int else { continue }
            rows[id] = Row(label: "#\(id)", columns: zip(Self.visitColumns, row.dropFirst().map(Self.text)).map { (name: $0.0, value: $0.1) })
        }
        return rows
    }

    private func modeDifferences() throws -> [String] {
        let entries = try db.query("SELECT payload FROM changes WHERE kind = 'database' ORDER BY id")
        guard let first = entries.first?[0].text.flatMap({ try? Value(json: $0) }) else {
            return ["the database's mode: no entry in the chain says whether it is live or a sandbox"]
        }
        var out: [String] = []
        if entries.count > 1 { out.append("the database's mode: the chain holds \(entries.count) entries for it; a mode is fixed when the database is made") }
        let table = Self.text(try db.query("SELECT value FROM meta WHERE key = 'mode'").first?.first ?? .null)
        if Self.text(first["mode"]) != table {
            out.append("the database's mode: \(Self.text(first["mode"])) in the chain, \(table) in the table (a mode never changes)")
        }
        let replayed = Self.text(try db.query("SELECT value FROM meta WHERE key = 'replayed_from'").first?.first ?? .null)
        if Self.text(first["replayed_from"]) != replayed {
            out.append("the database's replay origin: \(Self.text(first["replayed_from"])) in the chain, \(replayed) in the table")
        }
        return out
    }

    // MARK: - Time

    /// How far back a live record's time may step between one entry and the next before
    /// `audit verify` calls it backdated: the time a writer can wait for the write lock after
    /// reading the clock, and a small step of the system clock. Backdating within it goes unseen.
    package static let clockTolerance: TimeInterval = 60

    /// Each chain's first entry whose time is earlier than an entry before it by more than
    /// ``clockTolerance`` (a clock set back, or an entry written with a false time). A sandbox's
    /// clock may be set anywhere, so only a database live in the chain is checked.
    package func timesGoingBackwards() throws -> [String] {
        guard try chainedMode() != "sandbox" else { return [] }
        var out: [String] = []
        for (table, column, name) in [("records", "recorded_at", "record"), ("journal", "at", "journal"), ("access", "at", "access"),
                                      ("changes", "at", "changes"), ("protocols", "adopted_at", "protocols")] {
            var latest: (id: Int64, at: Date, text: String)?
            for row in try db.query("SELECT id, \(column) FROM \(table) ORDER BY id") {
                guard let id = row[0].int, let text = row[1].text, let at = Timestamp.date(text) else { continue }
                if let l = latest, at < l.at.addingTimeInterval(-Self.clockTolerance) {
                    out.append("\(name) entry #\(id) was written at \(text), before entry #\(l.id) (\(l.text)): the clock was set back or the entry backdated")
                    break
                }
                if latest == nil || at > latest!.at { latest = (id, at, text) }
            }
        }
        return out
    }
}
