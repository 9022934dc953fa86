import ClinicKit
import ClinicKitFHIR
import Foundation

extension MonitoringModule {
    /// The monitoring record as FHIR:
    /// - every baseline and vitals entry as vital-sign Observations (REFERENCE.md 8, S114, S115):
    ///   blood pressure as the 85354-9 panel with systolic 8480-6 and diastolic 8462-4 components,
    ///   heart rate 8867-4, respiration rate 9279-1, SpO2 coded both 2708-6 and 59408-5 (pulse
    ///   oximetry), temperature 8310-5; UCUM mm[Hg], /min, %, Cel;
    /// - each entry's NEWS2, and each RASS, MOAA/S and CADSS, as survey Observations named in text
    ///   only: REFERENCE.md 8 gives NEWS2 no confirmed LOINC (88330-6 is another concept), only a
    ///   SNOMED CT UK-extension code from a secondary source, which few systems outside the UK
    ///   read; these scales have no code at all. A NEWS2 with parameters missing is a lower bound
    ///   (`>=`);
    /// - adverse events as AdverseEvents (severity from FHIR R4's required adverse-event-severity
    ///   codes, which are this module's mild, moderate and severe; the action taken in the event's
    ///   text, R4 having no note there);
    /// - each modified Aldrete score as a QuestionnaireResponse.
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
            case "rass", "moaas", "cadss":
                let names = ["rass": "Richmond Agitation-Sedation Scale (RASS, -5 to +4)",
                             "moaas": "Modified Observer's Assessment of Alertness/Sedation (MOAA/S, 0-5)",
                             "cadss": "Clinician-Administered Dissociative States Scale total (CADSS, 23 items, 0-92)"]
                guard let score = p["score"]?.doubleValue,
                      case .object(var o) = FHIRExport.observation(id: "monitoring-\(entry.id)", entry: entry, code: FHIRExport.text(names[entry.kind] ?? entry.kind),
                                                                    value: FHIRExport.score(score), category: FHIRExport.survey) else { return [] }
                if let term = p["term"]?.stringValue { o["interpretation"] = [FHIRExport.text(term)] }
                return [FHIRResource(.object(o), from: [entry])]
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
            id: "\(id)-bp", entry: entry, loinc: "85354-9", "Blood pressure panel with all children optional", value: nil) {
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
        if let news2 = entry.payload["news2"]?.doubleValue {
            var score = FHIRExport.score(news2)
            let missing = (entry.payload["news2_missing"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !missing.isEmpty, case .object(var q) = score {
                q["comparator"] = ">="
                score = .object(q)
            }
            if case .object(var o) = FHIRExport.observation(id: "\(id)-news2", entry: entry, code: FHIRExport.text("NEWS2 total score (Royal College of Physicians, 2017)"),
                                                             value: score, category: FHIRExport.survey) {
                if let band = entry.payload["news2_band"]?.stringValue { o["interpretation"] = [FHIRExport.text(band)] }
                if !missing.isEmpty { o["note"] = [["text": .string("not scored, not taken: " + missing.joined(separator: ", "))]] }
                o["derivedFrom"] = .array(out.compactMap { $0["id"]?.stringValue }.map { ["reference": .string("Observation/" + $0)] })
                out.append(.object(o))
            }
        }
        return out.map { FHIRResource($0, from: [entry]) }
    }
}
