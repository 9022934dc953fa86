import ClinicKit
import Foundation

/// The tables outside the hash chains as projections of them: `audit verify` rebuilds the staff,
/// the patients, the visits and the database's mode from the chains and compares them row by row
/// with the tables, and checks that a live record's times never go backwards.
extension SQLStore {
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
        // Staff are few; patients and visits are read a row at a time from both sides, in id order,
        // so the memory verify needs does not grow with the record.
        out += try compare("staff", chain: RowStream(try staffFromChain()), table: RowStream(try staffTable()))
        out += try compare("patient", chain: try patientsFromChain(), table: try patientsTable())
        out += try compare("visit", chain: try visitsFromChain(), table: try visitsTable())
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
        for row in try db.query("SELECT sha256 FROM protocol_texts WHERE sha256 NOT IN (SELECT sha256 FROM protocols) ORDER BY rowid") {
            out.append("the text kept of protocol \(row[0].text?.prefix(12) ?? "?")… is of no protocol in the protocols chain (inserted, or an adoption was removed)")
        }

        return out
    }

    /// The triggers that keep the tables append-only, as the migrations made them: one dropped is
    /// how a change behind the program's back begins (and one added could change what is written).
    private func triggerDifferences() throws -> [String] {
        let expected = db.dialect == .postgres ? PostgresSchema.triggers : Schema.triggers
        let found = try db.triggers()
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

    /// A projection's rows one at a time, in id order.
    private struct RowStream {
        let next: () throws -> (id: Int64, row: Row)?

        init(next: @escaping () throws -> (id: Int64, row: Row)?) { self.next = next }

        /// The rows of a table small enough to hold (the staff).
        init(_ rows: [Int64: Row]) {
            var sorted = rows.sorted { $0.key < $1.key }.makeIterator()
            next = { sorted.next().map { (id: $0.key, row: $0.value) } }
        }

        /// One row per id from a cursor ordered by id first (its first column): `fold` makes the
        /// row from the first of an id's rows (`nil` before it), and each later one in turn.
        static func grouped(_ cursor: any SQLCursor, _ fold: @escaping (Row?, [SQLValue]) -> Row?) -> RowStream {
            var pending: [SQLValue]?
            var primed = false
            return RowStream {
                if !primed { (pending, primed) = (try cursor.next(), true) }
                while let first = pending {
                    guard let id = first[0].int else { pending = try cursor.next(); continue }
                    var row = fold(nil, first)
                    pending = try cursor.next()
                    while let more = pending, more[0].int == id {
                        row = fold(row, more)
                        pending = try cursor.next()
                    }
                    if let row { return (id, row) }
                }
                return nil
            }
        }
    }

    private func compare(_ what: String, chain: RowStream, table: RowStream) throws -> [String] {
        var out: [String] = []
        var c = try chain.next(), t = try table.next()
        while c != nil || t != nil {
            if let cc = c, t.map({ cc.id < $0.id }) ?? true {
                out.append("\(what) \(cc.row.label): in the chain, missing from the table (deleted behind the program's back)")
                c = try chain.next()
            } else if let tt = t, c.map({ tt.id < $0.id }) ?? true {
                out.append("\(what) \(tt.row.label): in the table, not in the chain (inserted behind the program's back)")
                t = try table.next()
            } else if let cc = c, let tt = t {
                for (index, column) in cc.row.columns.enumerated() where index < tt.row.columns.count && tt.row.columns[index].value != column.value {
                    out.append("\(what) \(cc.row.label): \(column.name) \(column.value) in the chain, \(tt.row.columns[index].value) in the table")
                }
                c = try chain.next()
                t = try table.next()
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
                let says = Self.staffChange(kind, payload)
                if let roles = says.roles { staff.columns[1].value = Self.text(Value.string(roles)) }
                if let password = says.password { staff.columns[2].value = Self.text(Value.string(password)) }
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
    private func patientsFromChain() throws -> RowStream {
        let cursor = try db.cursor("""
            SELECT patient_id, payload, recorded_at, staff_id, amends FROM records
            WHERE module = 'patient' AND kind = 'registered' ORDER BY patient_id, id
            """)
        return RowStream.grouped(cursor) { row, entry in
            guard let id = entry[0].int, let payload = entry[1].text.flatMap({ try? Value(json: $0) }) else { return row }
            if var patient = row {
                guard entry[4].int != nil else { return patient }
                patient.columns[1].value = Self.text(payload["name"])
                patient.columns[2].value = Self.text(payload["dob"])
                patient.columns[3].value = Self.text(payload["sex"])
                patient.columns[6].value = PatientNames.folded(Self.text(payload["name"]))
                return patient
            }
            let mrn = Self.text(payload["mrn"])
            return Row(label: "\(mrn) (#\(id))", columns: [("MRN", mrn), ("name", Self.text(payload["name"])), ("date of birth", Self.text(payload["dob"])),
                                                           ("sex", Self.text(payload["sex"])), ("registered at", Self.text(entry[2])),
                                                           ("registered by", Self.text(entry[3])),
                                                           ("name as searched", PatientNames.folded(Self.text(payload["name"])))])
        }
    }

    private func patientsTable() throws -> RowStream {
        let cursor = try db.cursor("SELECT id, mrn, name, dob, sex, created_at, created_by, folded FROM patients ORDER BY id")
        return RowStream {
            guard let row = try cursor.next() else { return nil }
            let id = row[0].int ?? 0
            return (id, Row(label: "\(Self.text(row[1])) (#\(id))", columns: [("MRN", Self.text(row[1])), ("name", Self.text(row[2])), ("date of birth", Self.text(row[3])),
                                                                               ("sex", Self.text(row[4])), ("registered at", Self.text(row[5])),
                                                                               ("registered by", Self.text(row[6])), ("name as searched", Self.text(row[7]))]))
        }
    }

    private static let visitColumns = ["patient", "kind", "started at", "started by", "ended at", "ended by"]

    private func visitsFromChain() throws -> RowStream {
        let cursor = try db.cursor("""
            SELECT visit_id, kind, patient_id, payload, effective_at, staff_id FROM records
            WHERE module = 'visit' AND kind IN ('started', 'ended') AND visit_id IS NOT NULL ORDER BY visit_id, id
            """)
        return RowStream.grouped(cursor) { row, entry in
            guard let id = entry[0].int, let kind = entry[1].text, let payload = entry[3].text.flatMap({ try? Value(json: $0) }) else { return row }
            if kind == "started", row == nil {
                return Row(label: "#\(id)", columns: zip(Self.visitColumns, [Self.text(entry[2]), Self.text(payload["kind"]), Self.text(entry[4]),
                                                                            Self.text(entry[5]), "(none)", "(none)"]).map { (name: $0.0, value: $0.1) })
            }
            if kind == "ended", var visit = row, visit.columns[4].value == "(none)" {
                visit.columns[4].value = Self.text(entry[4])
                visit.columns[5].value = Self.text(entry[5])
                return visit
            }
            return row
        }
    }

    private func visitsTable() throws -> RowStream {
        let cursor = try db.cursor("SELECT id, patient_id, kind, started_at, started_by, ended_at, ended_by FROM visits ORDER BY id")
        return RowStream {
            guard let row = try cursor.next() else { return nil }
            let id = row[0].int ?? 0
            return (id, Row(label: "#\(id)", columns: zip(Self.visitColumns, row.dropFirst().map(Self.text)).map { (name: $0.0, value: $0.1) }))
        }
    }

    private func modeDifferences() throws -> [String] {
        let entries = try db.query("SELECT payload FROM changes WHERE kind = 'database' ORDER BY id")
        guard let first = entries.first?[0].text.flatMap({ try? Value(json: $0) }) else {
            // A record nobody has opened yet (a server's, just migrated) has no chain to say it.
            if try HashChain.tables.allSatisfy({ try db.query("SELECT 1 FROM \($0) LIMIT 1").isEmpty }) { return [] }
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

    /// How far ahead of the clock of the machine verifying a live record an entry's time may be:
    /// workstations' clocks differ a little from each other.
    package static let clockAheadTolerance: TimeInterval = 300

    /// Each chain's first entry whose time is earlier than an entry before it by more than
    /// ``clockTolerance`` (a clock set back, or an entry written with a false time), and its
    /// latest entry when that is later than now by more than ``clockAheadTolerance`` (an entry
    /// dated ahead, which would make the next honest one look backdated). A sandbox's clock may
    /// be set anywhere, so only a database live in the chain is checked.
    package func timesGoingBackwards() throws -> [String] {
        let now = Date()
        guard try chainedMode() != "sandbox" else { return [] }
        var out: [String] = []
        for (table, column, name) in [("records", "recorded_at", "record"), ("journal", "at", "journal"), ("access", "at", "access"),
                                      ("changes", "at", "changes"), ("protocols", "adopted_at", "protocols")] {
            var latest: (id: Int64, at: Date, text: String)?
            let cursor = try db.cursor("SELECT id, \(column) FROM \(table) ORDER BY id")
            while let row = try cursor.next() {
                guard let id = row[0].int, let text = row[1].text, let at = Timestamp.date(text) else { continue }
                if let l = latest, at < l.at.addingTimeInterval(-Self.clockTolerance) {
                    out.append("\(name) entry #\(id) was written at \(text), before entry #\(l.id) (\(l.text)): the clock was set back or the entry backdated")
                    break
                }
                if latest == nil || at > latest!.at { latest = (id, at, text) }
            }
            if let l = latest, l.at > now.addingTimeInterval(Self.clockAheadTolerance) {
                out.append("\(name) entry #\(l.id) is dated \(l.text), after the time of this check (\(Timestamp.string(now))): the clock was set ahead or the entry dated ahead")
            }
        }
        return out
    }
}
