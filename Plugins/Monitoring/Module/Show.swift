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
        let start = try context.fact("dosing.started").flatMap { $0.isPresent ? $0.asOf : nil }
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
                        Self.crossings(e).map { "\($0.level == .stop ? "STOP" : "ALERT") \($0.text)" }.joined(separator: "; ")]
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
    /// Adverse events and the criteria crossed, with who acknowledged each and when.
    public func report(from record: any RecordReader) throws -> [ReportSection] {
        let all = try record.records(module: "monitoring", kind: nil, visitOnly: false)
        let events = all.filter { $0.kind == "event" }
        let alerted = all.filter { Self.observed.contains($0.kind) && !Self.crossings($0).isEmpty }
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
                return [date(entry.effectiveAt), Self.crossings(entry).map(\.text).joined(separator: "; "),
                        ack.map { "\(date($0.effectiveAt)) by \($0.staff): \($0.payload["note"]?.stringValue ?? "")" } ?? "NOT YET"]
            }))
        }
        return [ReportSection("Adverse events and alerts", blocks: blocks, order: 50)]
    }
}

extension MonitoringModule {
    /// Every baseline and vitals entry as vital-sign Observations (REFERENCE.md 8, S114, S115):
    /// blood pressure as the 85354-9 panel with systolic 8480-6 and diastolic 8462-4 components,
    /// heart rate 8867-4, respiration rate 9279-1, SpO2 coded both 2708-6 and 59408-5 (pulse
    /// oximetry), temperature 8310-5; UCUM mm[Hg], /min, %, Cel. NEWS2 is not exported as a code
    /// (its LOINC is unconfirmed; REFERENCE.md 8).
    /// Adverse events are AdverseEvents (severity from FHIR R4's required adverse-event-severity
    /// codes, which are this module's mild, moderate and severe; the action taken in the event's
    /// text, R4 having no note there), and each modified Aldrete score a QuestionnaireResponse.
    public func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        let entries = try record.records(module: "monitoring", kind: nil, visitOnly: false)
        return entries.filter { $0.kind == "vitals" || $0.kind == "baseline" }.flatMap(vitalSigns) + entries.flatMap { entry -> [FHIRResource] in
            let p = entry.payload
            switch entry.kind {
            case "event":
                let action = p["action"]?.stringValue.map { "; action: " + $0 } ?? ""
                var event: [String: Value] = [
                    "resourceType": "AdverseEvent", "id": .string("monitoring-\(entry.id)"), "actuality": "actual",
                    "event": FHIRExport.text((p["kind"]?.stringValue ?? "adverse event") + action),
                    "subject": ["reference": .string(FHIRExport.patient)], "date": .string(FHIRExport.instant(entry.effectiveAt)),
                    "recordedDate": .string(FHIRExport.instant(entry.recordedAt)), "recorder": FHIRExport.practitioner(entry.staff),
                ]
                if let severity = p["severity"]?.stringValue {
                    event["severity"] = ["coding": [["system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity", "code": .string(severity),
                                                     "display": .string(severity.prefix(1).uppercased() + severity.dropFirst())]]]
                }
                if let visit = entry.visitID { event["encounter"] = ["reference": .string(FHIRExport.encounter(visit))] }
                return [FHIRResource(.object(event), from: [entry])]
            case "aldrete":
                let items = Aldrete.items.map { FHIRItem($0.field, $0.wording, p[$0.field] ?? .null, type: "integer") }
                return FHIRExport.questionnaire("aldrete", title: "Modified Aldrete score", response: "monitoring-\(entry.id)", entry: entry,
                                                items: items + [FHIRItem("total", "total score (0–10)", p["total"] ?? .null, type: "integer")])
            default: return []
            }
        }
    }

    private func vitalSigns(_ entry: StoredRecord) -> [FHIRResource] {
        let v = Vitals(entry.payload)
        let id = "monitoring-\(entry.id)"
        var out: [Value] = []
        if v.sbp != nil || v.dbp != nil, case .object(var panel) = FHIRExport.observation(
            id: "\(id)-bp", entry: entry, loinc: "85354-9", "Blood pressure panel with all children optional", value: .null) {
            panel["valueQuantity"] = nil
            var components: [Value] = []
            if let sbp = v.sbp { components.append(["code": FHIRExport.loinc("8480-6", "Systolic blood pressure"), "valueQuantity": FHIRExport.quantity(Double(sbp), "mm[Hg]", unit: "mmHg")]) }
            if let dbp = v.dbp { components.append(["code": FHIRExport.loinc("8462-4", "Diastolic blood pressure"), "valueQuantity": FHIRExport.quantity(Double(dbp), "mm[Hg]", unit: "mmHg")]) }
            panel["component"] = .array(components)
            out.append(.object(panel))
        }
        if let hr = v.hr { out.append(FHIRExport.observation(id: "\(id)-hr", entry: entry, loinc: "8867-4", "Heart rate", value: FHIRExport.quantity(Double(hr), "/min", unit: "beats/minute"))) }
        if let rr = v.rr { out.append(FHIRExport.observation(id: "\(id)-rr", entry: entry, loinc: "9279-1", "Respiratory rate", value: FHIRExport.quantity(Double(rr), "/min", unit: "breaths/minute"))) }
        if let spo2 = v.spo2, case .object(var o) = FHIRExport.observation(id: "\(id)-spo2", entry: entry, loinc: "2708-6", "Oxygen saturation in Arterial blood",
                                                                          value: FHIRExport.quantity(Double(spo2), "%")) {
            o["code"] = ["coding": [["system": "http://loinc.org", "code": "2708-6", "display": "Oxygen saturation in Arterial blood"],
                                    ["system": "http://loinc.org", "code": "59408-5", "display": "Oxygen saturation in Arterial blood by Pulse oximetry"]],
                         "text": .string(v.onOxygen ? "SpO2 on oxygen" : "SpO2 on air")]
            out.append(.object(o))
        }
        if let temp = v.temp { out.append(FHIRExport.observation(id: "\(id)-temp", entry: entry, loinc: "8310-5", "Body temperature", value: FHIRExport.quantity(temp, "Cel", unit: "°C"))) }
        return out.map { FHIRResource($0, from: [entry]) }
    }
}
