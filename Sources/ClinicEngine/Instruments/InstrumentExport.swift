import ClinicKit
import ClinicKitFHIR
import Foundation

/// A response to an instrument given as data, in FHIR: the instrument's own Questionnaire (every
/// item it has, whichever a response answered), the QuestionnaireResponse naming its canonical URL
/// and version, and the total as an Observation, with the instrument's code where it gives one.
enum InstrumentExport {
    static func resources(_ instrument: Instrument, response entry: StoredRecord) -> [FHIRResource] {
        let p = entry.payload
        // The questionnaire as its file gives it, under an id of the bundle's own; the program's
        // worked examples stay in it (they are part of what was adopted).
        var definition = instrument.resource.objectValue ?? [:]
        definition["id"] = .string("questionnaire-" + instrument.verb)
        let response = "\(instrument.module)-\(entry.id)"
        var items: [Value] = []
        for item in instrument.items {
            guard let given = p[item.linkId], given != .null else { continue }
            let answer: Value
            switch (item.kind, given) {
            case (.choice(let options), .string(let code)):
                let display = options.first { $0.code == code }?.display ?? code
                answer = ["valueCoding": ["code": .string(code), "display": .string(display)]]
            case (.boolean, .bool(let b)): answer = ["valueBoolean": .bool(b)]
            case (.integer, let v): answer = ["valueInteger": .int(v.intValue ?? 0)]
            case (.decimal, let v): answer = ["valueDecimal": .double(v.doubleValue ?? 0)]
            case (_, let v): answer = ["valueString": .string(v.stringValue ?? "")]
            }
            items.append(["linkId": .string(item.linkId), "text": .string(item.text), "answer": [answer]])
        }
        for score in instrument.scores {
            guard let value = p[score.linkId], value != .null else { continue }
            let answer: Value = score.type == "boolean" ? ["valueBoolean": value] : score.type == "string" ? ["valueString": value]
                : score.type == "integer" ? ["valueInteger": .int(value.intValue ?? 0)] : ["valueDecimal": .double(value.doubleValue ?? 0)]
            items.append(["linkId": .string(score.linkId), "text": .string(score.text), "answer": [answer]])
        }
        var answered: [String: Value] = [
            "resourceType": "QuestionnaireResponse", "id": .string(response),
            "questionnaire": .string(instrument.canonical), "status": "completed",
            "subject": ["reference": .string(FHIRExport.patient)], "authored": .string(FHIRExport.instant(entry.effectiveAt)),
            "author": FHIRExport.practitioner(entry.staff), "item": .array(items),
        ]
        if let visit = entry.visitID { answered["encounter"] = ["reference": .string(FHIRExport.encounter(visit))] }
        var out = [FHIRResource(.object(definition), from: []), FHIRResource(.object(answered), from: [entry])]
        if let total = instrument.total, let value = p[total.linkId]?.doubleValue {
            let code: Value = total.code.map { ["coding": [["system": .string($0.system), "code": .string($0.code), "display": .string($0.display)]],
                                                "text": .string($0.display)] } ?? FHIRExport.text(total.text)
            var o = FHIRExport.observation(id: "\(response)-\(total.linkId)", entry: entry, code: code, value: FHIRExport.score(value), category: FHIRExport.survey)
            if case .object(var fields) = o {
                if let band = p["band"]?.stringValue { fields["interpretation"] = [["text": .string(band)]] }
                fields["derivedFrom"] = [["reference": .string("QuestionnaireResponse/\(response)")]]
                o = .object(fields)
            }
            out.append(FHIRResource(o, from: [entry]))
        }
        return out
    }
}
