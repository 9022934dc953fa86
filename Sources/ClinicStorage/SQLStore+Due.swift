import ClinicKit
import Foundation

/// What falls due for each patient, stored by the engine in the transaction that changes the
/// patient's record, so that the clinic's worklist is one indexed query however many patients
/// the clinic has.
extension SQLStore {
    package func replaceDue(patientID: Int64, items: [(module: String, item: DueItem)]) throws {
        try db.atomically {
            try db.query("DELETE FROM due_items WHERE patient_id = ?", [.int(patientID)])
            for (module, item) in items {
                let commands = Value.array(item.commands.map { c in
                    .object(["module": .string(c.module), "verb": .string(c.verb), "fields": .array(c.fields.map(Value.string))])
                })
                try db.query("""
                    INSERT INTO due_items (patient_id, module, what, at, shown_from, lapses_after, detail, command, all_day, commands)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.int(patientID), .text(module), .text(item.what), .text(Timestamp.string(item.at)),
                          SQLValue(item.shownFrom.map(Timestamp.string)), SQLValue(item.lapsesAfter.map(Timestamp.string)),
                          .text(item.detail), .text(item.command), .int(item.isAllDay ? 1 : 0), .text(commands.canonicalJSON)])
            }
        }
    }

    private static let dueColumns = "d.module, d.what, d.at, d.shown_from, d.lapses_after, d.detail, d.command, d.all_day, d.commands"

    private func dueItem(from row: ArraySlice<SQLValue>) throws -> (module: String, item: DueItem) {
        let r = Array(row)
        guard let module = r[0].text, let what = r[1].text, let at = r[2].text.flatMap(Timestamp.date), let detail = r[5].text,
              let command = r[6].text, let allDay = r[7].int, let json = r[8].text, case .array(let list)? = try? Value(json: json)
        else { throw StoreError.corruptRow("due item") }
        let commands = try list.map { v -> CommandReference in
            guard let module = v["module"]?.stringValue, let verb = v["verb"]?.stringValue else { throw StoreError.corruptRow("due item") }
            return CommandReference(module, verb, fields: v["fields"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        var item = DueItem(what, at: at, detail: detail, command: command, naming: commands, isAllDay: allDay != 0)
        item.shownFrom = r[3].text.flatMap(Timestamp.date)
        item.lapsesAfter = r[4].text.flatMap(Timestamp.date)
        return (module, item)
    }

    package func due(patientID: Int64) throws -> [(module: String, item: DueItem)] {
        try db.query("SELECT \(Self.dueColumns) FROM due_items d WHERE d.patient_id = ? ORDER BY d.rowid", [.int(patientID)])
            .map { try dueItem(from: $0[...]) }
    }

    package func dueItems(until: Date, shownAt time: Date) throws -> [WorklistEntry] {
        let now = Timestamp.string(time)
        return try db.query("""
            SELECT \(Self.dueColumns), p.id, p.mrn, p.name, p.dob, p.sex
            FROM due_items d JOIN patients p ON p.id = d.patient_id
            WHERE d.at <= ?1 AND (d.shown_from IS NULL OR d.shown_from <= ?2) AND (d.lapses_after IS NULL OR d.lapses_after >= ?2)
            ORDER BY d.at, p.mrn, d.what
            """, [.text(Timestamp.string(until)), .text(now)]).map { row in
            let (module, item) = try dueItem(from: row[0..<9])
            return WorklistEntry(patient: try patient(from: Array(row[9..<14])), item: item, module: module)
        }
    }

    package func dueItemCount() throws -> Int {
        Int(try db.query("SELECT COUNT(*) FROM due_items").first?.first?.int ?? 0)
    }

    package func clearDue() throws {
        try db.query("DELETE FROM due_items")
    }
}
