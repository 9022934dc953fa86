import ClinicKit
import ClinicKitFHIR

extension ScreeningModule {
    /// ACR 2016 and FIQR as QuestionnaireResponses with their item answers and scores, and FIQR's
    /// total as a survey Observation with no code, only its name: its LOINC (90858-2) is UNCONFIRMED
    /// (REFERENCE.md 8, S13). PHQ-9, GAD-7, DAST-10 and AUDIT-C are instruments given as data,
    /// exported by the program with their own Questionnaires (PHQ-9's and GAD-7's totals with their
    /// LOINC codes, as their files give them). The decision is an Observation named in text, derived
    /// from the instruments it weighed.
    public func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        var out: [FHIRResource] = []
        for entry in try record.records(module: "screening", kind: nil, visitOnly: false) {
            let p = entry.payload
            let id = "screening-\(entry.id)"
            func total(_ code: Value) {
                guard let score = p["total"]?.doubleValue,
                      case .object(var o) = FHIRExport.observation(id: id + "-total", entry: entry, code: code, value: FHIRExport.score(score),
                                                                    category: FHIRExport.survey) else { return }
                o["derivedFrom"] = [["reference": .string("QuestionnaireResponse/" + id)]]
                out.append(FHIRResource(.object(o), from: [entry]))
            }
            switch entry.kind {
            case "acr2016":
                let labels = Dictionary(uniqueKeysWithValues: ACR2016.areas.map { ($0.id, $0.label) })
                let areas = (p["areas"]?.arrayValue ?? []).compactMap(\.stringValue).map { Value.string(labels[$0] ?? $0) }
                let asked = Self.acrFields.map { field -> FHIRItem in
                    field.name == "areas" ? FHIRItem("areas", "painful areas in the past week (Widespread Pain Index)", .array(areas), type: "string") : FHIRItem(field.name, field.help, p[field.name] ?? .null)
                }
                out += FHIRExport.questionnaire("acr2016", title: "ACR 2016 fibromyalgia diagnostic criteria", response: id, entry: entry, items: asked + [
                    FHIRItem("wpi", "Widespread Pain Index (0–19)", p["wpi"] ?? .null), FHIRItem("regions", "regions with pain (0–5)", p["regions"] ?? .null),
                    FHIRItem("sss", "Symptom Severity Scale (0–12)", p["sss"] ?? .null), FHIRItem("fs", "FS = WPI + SSS (0–31)", p["fs"] ?? .null),
                    FHIRItem("met", "the 2016 criteria are met", p["met"] ?? .null),
                ])
            case "fiqr":
                let items = FIQR.domains.flatMap { domain in
                    domain.items.map { item in
                        FHIRItem(item.field, "\(item.wording), past 7 days (0 = \(item.anchors.0), 10 = \(item.anchors.1))",
                                 p[item.field]?.stringValue.flatMap { Int($0) }.map(Value.int) ?? .null, type: "integer")
                    }
                } + ["function", "overall", "symptoms", "total"].map { FHIRItem($0, "\($0) score", p[$0] ?? .null, type: "decimal") }
                out += FHIRExport.questionnaire("fiqr", title: "Revised Fibromyalgia Impact Questionnaire (FIQR)", response: id, entry: entry, items: items)
                total(FHIRExport.text("FIQR total score (0–100)"))
            case "decision":
                // The decision, named in text (no code fits), derived from the instruments it
                // weighed; final once a physician has signed it, and the signature is in its Provenance.
                let signatures = try record.records(module: "screening", kind: "signed", visitOnly: false)
                    .filter { $0.payload["decision"]?.intValue == Int(entry.id) }
                guard case .object(var o) = FHIRExport.observation(id: id, entry: entry, code: FHIRExport.text("eligibility for ketamine treatment (screening decision)"),
                                                                    value: nil, category: nil) else { continue }
                o["valueString"] = p["text"] ?? p["outcome"] ?? ""
                o["status"] = signatures.isEmpty ? "preliminary" : "final"
                let reasons = (p["reasons"]?.arrayValue ?? []).compactMap(\.stringValue)
                if !reasons.isEmpty { o["note"] = .array(reasons.map { ["text": .string($0)] }) }
                let weighed = (p["based_on"]?.objectValue ?? [:]).filter { $0.key != "checklist" }.values.compactMap(\.intValue).sorted()
                o["derivedFrom"] = .array(weighed.map { ["reference": .string("QuestionnaireResponse/screening-\($0)")] })
                out.append(FHIRResource(.object(o), from: [entry] + signatures))
            default: continue
            }
        }
        return out
    }
}
