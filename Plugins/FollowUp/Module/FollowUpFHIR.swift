import ClinicKit
import ClinicKitFHIR

extension FollowUpModule {
    /// Pain NRS as a survey Observation with LOINC 72514-3 (REFERENCE.md 8, S116, S117): the week's
    /// average, which the responder analysis uses, with the worst in a note. PGIC and the Brief Pain
    /// Inventory as QuestionnaireResponses with their answers and scores.
    public func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        try record.records(module: "followup", kind: nil, visitOnly: false).flatMap { entry -> [FHIRResource] in
            let p = entry.payload
            let id = "followup-\(entry.id)"
            switch entry.kind {
            case "nrs":
                guard let average = p["average"]?.doubleValue,
                      case .object(var o) = FHIRExport.observation(id: id, entry: entry, code: FHIRExport.loinc("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
                                                                    value: FHIRExport.score(average), category: FHIRExport.survey) else { return [] }
                let worst = p["worst"]?.intValue.map { "; worst \($0)" } ?? ""
                o["note"] = [["text": .string("average pain, \(p["recall"]?.stringValue ?? "past 7 days")\(worst) (0 = no pain, 10 = worst pain imaginable)")]]
                return [FHIRResource(.object(o), from: [entry])]
            case "pgic":
                return FHIRExport.questionnaire("pgic", title: "Patient Global Impression of Change (\(p["version"]?.stringValue ?? Outcomes.pgicVersion))",
                                                response: id, entry: entry, items: [
                                                    FHIRItem("score", "since the start of treatment, the patient's overall status is", p["score"] ?? .null, type: "integer"),
                                                    FHIRItem("label", "the answer's wording", p["label"] ?? .null, type: "string"),
                                                ])
            case "bpi":
                func answer(_ key: String) -> Value { p[key]?.intValue.map(Value.int) ?? .null }  // "skip" is no answer
                let items = Outcomes.bpiSeverity.map { FHIRItem($0.0, $0.1 + " (0–10)", answer($0.0), type: "integer") }
                    + [FHIRItem("relief", "% relief from treatments in the last 24 hours", answer("relief"), type: "integer")]
                    + Outcomes.bpiInterference.map { FHIRItem($0.0, "interference with \($0.1), last 24 hours (0–10)", answer($0.0), type: "integer") }
                    + [FHIRItem("severity", "severity score: mean of items 3–6", p["severity"] ?? .null, type: "decimal"),
                       FHIRItem("interference", "interference score: mean of the items answered, with 4 or more of 7", p["interference"] ?? .null, type: "decimal")]
                return FHIRExport.questionnaire("bpi", title: "Brief Pain Inventory, short form", response: id, entry: entry, items: items)
            default: return []
            }
        }
    }
}
