import ClinicKit
import Foundation

// A typing error in vital signs: the question before an implausible reading is saved, and the
// correction afterwards that scores the signs again and closes the alert the typo raised.
extension MonitoringModule {
    /// Before saving vital signs, a reading that differs from the visit's last one by more than the
    /// protocol's alert threshold (`monitoring.alert_sbp_rise_percent`) is put to the nurse: a
    /// typo (184 for 148) would otherwise pause the infusion and stand as an alert.
    public func confirmations(_ invocation: Invocation, from record: any RecordReader) throws -> [String] {
        guard invocation.verb == "vitals" || invocation.verb == "baseline", record.visit != nil,
              let last = try record.records(module: "monitoring", kind: nil, visitOnly: true).last(where: { $0.kind == "vitals" || $0.kind == "baseline" })
        else { return [] }
        let limit = try Criteria(record.clinicProtocol).alertSBPRisePercent
        let before = Vitals(last.payload)
        let minutes = Int(record.now.timeIntervalSince(last.effectiveAt) / 60)
        let ago = minutes < 1 ? "just now" : minutes < 120 ? "\(minutes) min ago" : "at \(Self.hhmm(last.effectiveAt, record))"
        var questions: [String] = []
        for (name, label) in [("sbp", "SBP"), ("dbp", "DBP"), ("hr", "HR")] {
            guard let new = invocation[name]?.intValue, let old = before.value(name), old > 0 else { continue }
            // More than P % either way: |new − old| × 100 > old × P, in whole numbers.
            guard abs(new - old) * 100 > old * limit else { continue }
            questions.append("\(label) \(new) is \(Criteria.percent(new, from: old)) from \(old) \(ago) (#\(last.id)). Correct?")
        }
        return questions
    }

    /// Corrects vital signs field by field (`amend 62 sbp=148 --reason "typed 184 for 148"`):
    /// scored again, the criteria checked again on the corrected values; what was first typed and
    /// the criteria it crossed stay in the corrected entry, shown beside it.
    public func amend(_ entry: StoredRecord, changes: [String: String], record: any RecordReader) throws -> Value {
        // A baseline is taken again instead (the latest counts): later readings were judged
        // against it, and a correction must not change what they crossed.
        guard entry.kind == "vitals" else {
            throw CommandError("monitoring \(entry.kind) entries are not corrected field by field",
                               hint: entry.kind == "baseline" ? "take the baseline again (monitoring baseline …); the first entry stays in the record"
                                                              : "record it again with the monitoring command; the first entry stays in the record")
        }
        let fields = Vitals.fields(required: false)
        let today = record.calendar.dateComponents([.year, .month, .day], from: record.now)
        var values = entry.payload.objectValue ?? [:]
        var was: [String: Value] = entry.payload["corrected_from"]?.objectValue ?? [:]
        for (name, text) in changes.sorted(by: { $0.key < $1.key }) {
            guard let spec = fields.first(where: { $0.name == name }) else {
                throw CommandError("\(entry.kind) #\(entry.id) has no field '\(name)'", hint: "correct one of \(fields.map(\.name).joined(separator: ", "))")
            }
            let value: Value
            do { value = try spec.parse(text, today: today) } catch {
                throw CommandError("\(name): \(error.problem)", hint: error.hint)
            }
            if was[name] == nil { was[name] = values[name] ?? .null }
            values[name] = value
        }
        let v = Vitals(.object(values))
        if let sbp = v.sbp, let dbp = v.dbp, dbp >= sbp {
            throw CommandError("diastolic \(dbp) is not below systolic \(sbp)", hint: "check the two pressures")
        }
        let baseline = try record.records(module: "monitoring", kind: "baseline", visitOnly: false).last { $0.visitID == entry.visitID && $0.id < entry.id }
        let scale = NEWS2.Scale(rawValue: entry.payload["scale"]?.intValue ?? 1) ?? .one
        var (payload, _, crossings) = try Self.scored(v, scale: scale, baseline: baseline, in: record)
        // A correction closes what a typo raised; it does not raise a stop criterion the reading as
        // typed did not cross: that pauses the infusion, which only a new reading does.
        let typed = Set((entry.payload["alerts_as_typed"] ?? entry.payload["alerts"])?.arrayValue?.compactMap(Crossing.init).map(\.text) ?? [])
        if let stop = crossings.first(where: { $0.level == .stop && !typed.contains($0.text) }) {
            throw CommandError("corrected, #\(entry.id) would cross a stop criterion it did not cross as typed (\(stop.text))",
                               hint: "if the patient's signs are past it now, record them as new vital signs (monitoring vitals …): that pauses the infusion")
        }
        payload["corrected_from"] = .object(was)
        let first = entry.payload["alerts_as_typed"] ?? entry.payload["alerts"]
        if let first, first != payload["alerts"] { payload["alerts_as_typed"] = first }
        return .object(payload)
    }

    /// Monitoring's part of the board: discharged takes the patient off it; who took the last
    /// vital signs, and when.
    public func board(from record: any RecordReader) throws -> BoardRow? {
        guard record.visit != nil else { return nil }
        let visit = try record.records(module: "monitoring", kind: nil, visitOnly: true)
        if visit.contains(where: { $0.kind == "discharged" }) { return BoardRow(state: .discharged) }
        // Once the dose has ended: the earliest the protocol lets the patient go.
        var note: String?
        if let end = try record.fact(Uses.complete), end.isPresent, let at = end.asOf {
            let minutes = try DischargeRules(record.clinicProtocol).minutesAfterInfusion
            let ready = at.addingTimeInterval(TimeInterval(minutes * 60))
            note = record.now < ready ? "discharge not before \(Self.hhmm(ready, record))" : "discharge when ready (monitoring discharge)"
        }
        guard let last = visit.last(where: { $0.kind == "vitals" || $0.kind == "baseline" }) else {
            return BoardRow(cells: [BoardCell("vitals by", "none yet")], note: note)
        }
        return BoardRow(cells: [BoardCell("vitals by", "\(last.staff) \(Self.hhmm(last.effectiveAt, record))")], note: note)
    }
}

extension Vitals {
    /// A whole-number sign by name.
    func value(_ name: String) -> Int? {
        switch name {
        case "sbp": return sbp
        case "dbp": return dbp
        case "hr": return hr
        case "rr": return rr
        case "spo2": return spo2
        default: return nil
        }
    }
}
