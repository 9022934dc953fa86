import ClinicKit
import ClinicKitFHIR

extension FollowUpModule {
    /// Pain NRS as a survey Observation with LOINC 72514-3 (REFERENCE.md 8, S116, S117): the week's
    /// average, which the responder analysis uses, with the worst in a note. (PGIC and the Brief Pain
    /// Inventory are instruments given as data, exported by the program with their own Questionnaires.)
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
            default: return []
            }
        }
    }
}
