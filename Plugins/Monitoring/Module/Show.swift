import ClinicKit
import Foundation

extension MonitoringModule {
    /// `monitoring show`: the visit's vital signs as a chart, the other observations, the alerts
    /// standing, what is due, and the discharge checklist.
    func show(in context: any ModuleContext) throws -> CommandOutput {
        var out = CommandOutput()
        guard context.visit != nil else {
            out.line("no visit is open")
            for alert in try alerts(from: context) { out.alert(alert.text) }
            return out
        }
        let entries = try context.records(module: "monitoring", kind: nil, visitOnly: true)
        let start = try context.fact(MonitoringModule.Uses.started).flatMap { $0.isPresent ? $0.asOf : nil }
        func t(_ date: Date) -> String {
            guard let start else { return "" }
            let minutes = Int((date.timeIntervalSince(start) / 60).rounded(.towardZero))
            return (minutes < 0 ? "-" : "+") + "\(abs(minutes)) min"
        }
        let signs = entries.filter { $0.kind == "baseline" || $0.kind == "vitals" }
        if signs.isEmpty {
            out.line("no vital signs at this visit yet: monitoring baseline …")
        } else {
            let rows = signs.map { e -> [String] in
                let v = Vitals(e.payload)
                func n(_ x: Int?) -> String { x.map(String.init) ?? "" }
                return [Self.hhmm(e.effectiveAt, context) + (e.kind == "baseline" ? " b" : ""), t(e.effectiveAt),
                        v.sbp == nil && v.dbp == nil ? "" : "\(n(v.sbp))/\(n(v.dbp))", n(v.hr), n(v.rr),
                        v.spo2.map { "\($0) \(v.onOxygen ? "O2" : "air")" } ?? "", v.temp.map { FieldSpec.format($0) } ?? "", v.avpu ?? "",
                        (e.payload["news2_missing"] == nil ? "" : "≥") + String(e.payload["news2"]?.intValue ?? 0),
                        (Self.crossings(e).map { "\($0.level == .stop ? "STOP" : "ALERT") \($0.text)" } + (Self.correction(e).map { [$0] } ?? [])).joined(separator: "; ")]
            }
            out.table(["time", "T", "BP", "HR", "RR", "SpO2", "°C", "AVPU", "NEWS2", "criteria (b = baseline)"], rows)
        }
        let others = entries.filter { ["rass", "moaas", "cadss", "event", "aldrete", "acknowledged", "discharged"].contains($0.kind) }
        if !others.isEmpty {
            out.table(["time", "T", "by", "observation"], others.map {
                [Self.hhmm($0.effectiveAt, context), t($0.effectiveAt), $0.staff, summary(of: $0)?.text ?? $0.kind]
            })
        }
        for alert in try alerts(from: context) { out.alert(alert.text + " · " + alert.acknowledgedBy) }
        for item in try due(from: context) {
            let late = context.now > item.at ? " (OVERDUE)" : ""
            out.line("next vitals due \(Self.hhmm(item.at, context))\(late): \(item.detail)")
        }
        if try context.records(module: "monitoring", kind: "discharged", visitOnly: true).isEmpty {
            out.line("discharge")
            let check = try Self.dischargeCheck(in: context, alerts: try context.standingAlerts(), escort: nil, instructed: nil)
            for item in check.items(now: context.now, calendar: context.calendar) {
                out.line("  \(item.ok ? "✔" : "✘") \(item.text)")
            }
            out.line("  then: monitoring discharge escort=\"NAME\" instructed=yes (the escort, and the no-driving instruction given)")
        }
        return out
    }
}

extension MonitoringModule {
    /// `corrected: sbp was 184 (typed 184 for 148)` for a corrected entry.
    static func correction(_ entry: StoredRecord) -> String? {
        guard let was = entry.payload["corrected_from"]?.objectValue, !was.isEmpty else { return nil }
        let fields = was.sorted { $0.key < $1.key }.map { "\($0.key) was \($0.value == .null ? "empty" : $0.value.canonicalJSON)" }.joined(separator: ", ")
        let typed = (entry.payload["alerts_as_typed"]?.arrayValue ?? []).compactMap(Crossing.init)
        let closed = typed.isEmpty || !crossings(entry).isEmpty ? "" : "; closes \(typed.map(\.text).joined(separator: "; "))"
        return "corrected: \(fields)\(closed) (\(entry.payload["amendment"]?["reason"]?.stringValue ?? ""))"
    }
}

extension MonitoringModule {
    /// Adverse events and the criteria crossed, with who acknowledged each and when.
    public func report(from record: any RecordReader) throws -> [ReportSection] {
        let all = try record.records(module: "monitoring", kind: nil, visitOnly: false)
        let events = all.filter { $0.kind == "event" }
        let alerted = all.filter { Self.observed.contains($0.kind) && (!Self.crossings($0).isEmpty || $0.payload["alerts_as_typed"] != nil) }
        guard !events.isEmpty || !alerted.isEmpty else { return [] }
        func date(_ d: Date) -> String { ClinicTime.format(d, calendar: record.calendar) }
        var blocks: [OutputBlock] = []
        if !events.isEmpty {
            blocks.append(.table(headers: ["when", "adverse event", "severity", "action", "by"], rows: events.map {
                [date($0.effectiveAt), $0.payload["kind"]?.stringValue ?? "", $0.payload["severity"]?.stringValue ?? "",
                 $0.payload["action"]?.stringValue ?? "", $0.staff]
            }))
        }
        if !alerted.isEmpty {
            let acks = all.filter { $0.kind == "acknowledged" }
            blocks.append(.table(headers: ["when", "criterion crossed", "acknowledged"], rows: alerted.map { entry in
                let ack = acks.first { ($0.payload["entries"]?.arrayValue ?? []).contains(.int(Int(entry.id))) }
                // A typo corrected: what was crossed as typed, closed by the correction's reason.
                if let typed = entry.payload["alerts_as_typed"]?.arrayValue?.compactMap(Crossing.init), Self.crossings(entry).isEmpty {
                    return [date(entry.effectiveAt), typed.map(\.text).joined(separator: "; ") + " (as typed)", Self.correction(entry) ?? "corrected"]
                }
                return [date(entry.effectiveAt), Self.crossings(entry).map(\.text).joined(separator: "; "),
                        ack.map { "\(date($0.effectiveAt)) by \($0.staff): \($0.payload["note"]?.stringValue ?? "")" } ?? "NOT YET"]
            }))
        }
        return [ReportSection("Adverse events and alerts", blocks: blocks, order: 50)]
    }
}
