import ClinicKit
import ClinicKitFHIR
import Foundation

extension DosingModule {
    /// Ketamine at the ingredient level, RxNorm 6130 (REFERENCE.md 8, S124, S125). The strength's
    /// own RxCUIs (238082–238084) are not used: their mapping to 10, 50 and 100 mg/mL is
    /// UNCONFIRMED (REFERENCE.md 8, S126), so the solution is named in the text only.
    static func ketamine(_ state: OrderState) -> Value {
        let solution = state.concentration.map { " \(FieldSpec.format($0)) mg/mL" } ?? ""
        return ["coding": [["system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "6130", "display": "ketamine"]],
                "text": .string("ketamine hydrochloride\(solution)")]
    }

    /// Each signed order as a MedicationRequest (dose in mg, rate in mL/h, duration, route, the
    /// working), and each dose started or given as a MedicationAdministration (times, mg given,
    /// rate, pauses). Unsigned orders are not orders yet and are not exported. Liver-function
    /// reviews are laboratory Observations named in text.
    public func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        let records = try record.records(module: "dosing", kind: nil, visitOnly: false)
        var out: [FHIRResource] = []
        for state in OrderState.all(in: records) {
            guard let signature = state.signature else { continue }
            let p = state.order.payload
            let request = "dosing-\(state.id)"
            var doseAndRate: [String: Value] = ["doseQuantity": FHIRExport.quantity(state.totalMg, "mg")]
            if let rate = state.rate { doseAndRate["rateQuantity"] = FHIRExport.quantity(rate, "mL/h") }
            var dosage: [String: Value] = ["text": .string(state.summary + "; " + (p["working"]?.stringValue ?? "")),
                                           "route": FHIRExport.text(state.route.label), "doseAndRate": [.object(doseAndRate)]]
            if let minutes = p["minutes"]?.doubleValue {
                dosage["timing"] = ["repeat": ["count": 1, "duration": .double(minutes), "durationUnit": "min"]]
            }
            let status: String = switch state.status {
            case .completed: "completed"
            case .stopped: "stopped"
            case .cancelled: "cancelled"
            default: "active"
            }
            var order: [String: Value] = [
                "resourceType": "MedicationRequest", "id": .string(request), "status": .string(status), "intent": "order",
                "medicationCodeableConcept": Self.ketamine(state), "subject": ["reference": .string(FHIRExport.patient)],
                "authoredOn": .string(FHIRExport.instant(signature.effectiveAt)), "requester": FHIRExport.practitioner(signature.staff),
                "dosageInstruction": [.object(dosage)],
            ]
            if let visit = state.order.visitID { order["encounter"] = ["reference": .string(FHIRExport.encounter(visit))] }
            if let reason = p["reason"]?.stringValue, !reason.isEmpty { order["note"] = [["text": .string("outside the usual range: " + reason)]] }
            if let cancelled = state.cancellation, let reason = cancelled.payload["reason"]?.stringValue, !reason.isEmpty {
                order["statusReason"] = FHIRExport.text(reason)
            }
            let sources = [state.order, signature] + (state.verification.map { [$0] } ?? []) + (state.cancellation.map { [$0] } ?? [])
            out.append(FHIRResource(.object(order), from: sources))
            if let given = administration(state, request: request, in: record) {
                out.append(FHIRResource(given, from: [state.order] + state.events + (state.end.map { [$0] } ?? [])))
            }
        }
        // Liver-function reviews: named in text (the reference gives them no code), on the
        // date the tests were taken.
        for review in records where review.kind == Kind.lft {
            let p = review.payload
            guard case .object(var o) = FHIRExport.observation(id: "dosing-\(review.id)", entry: review,
                                                                code: FHIRExport.text("liver-function tests, reviewed before ketamine"), value: nil,
                                                                category: [["coding": [["system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                                                                        "code": "laboratory", "display": "Laboratory"]]]]) else { continue }
            o["valueString"] = p["result"] ?? ""
            if let date = p["date"]?.stringValue { o["effectiveDateTime"] = .string(date) }
            if let note = p["note"]?.stringValue, !note.isEmpty { o["note"] = [["text": .string(note)]] }
            out.append(FHIRResource(.object(o), from: [review]))
        }
        return out
    }

    private func administration(_ state: OrderState, request: String, in record: any RecordReader) -> Value? {
        guard let first = state.events.first ?? state.end else { return nil }
        let status: String = switch state.status {
        case .completed: "completed"
        case .stopped: "stopped"
        case .paused: "on-hold"
        default: "in-progress"
        }
        var period: [String: Value] = ["start": .string(FHIRExport.instant(first.effectiveAt))]
        if let end = state.end { period["end"] = .string(FHIRExport.instant(end.effectiveAt)) }
        var dosage: [String: Value] = ["route": FHIRExport.text(state.route.label)]
        if let mg = state.givenMg {
            dosage["dose"] = FHIRExport.quantity(mg, "mg")
            dosage["text"] = .string("\(Rounding.oneDecimal(mg)) mg of \(Rounding.oneDecimal(state.totalMg)) mg ordered, given by \(state.end?.payload["given_how"]?.stringValue ?? "?")")
        }
        if let rate = state.rate { dosage["rateQuantity"] = FHIRExport.quantity(rate, "mL/h") }
        var given: [String: Value] = [
            "resourceType": "MedicationAdministration", "id": .string(request + "-given"), "status": .string(status),
            "medicationCodeableConcept": Self.ketamine(state), "subject": ["reference": .string(FHIRExport.patient)],
            "effectivePeriod": .object(period), "performer": [["actor": FHIRExport.practitioner(first.staff)]],
            "request": ["reference": .string("MedicationRequest/" + request)], "dosage": .object(dosage),
        ]
        if let visit = first.visitID ?? state.order.visitID { given["context"] = ["reference": .string(FHIRExport.encounter(visit))] }
        let interruptions = state.events.filter { $0.kind != Kind.started }.map { event in
            let why = event.payload["criterion"]?.stringValue ?? event.payload["reason"]?.stringValue
            return "\(event.kind) \(FHIRExport.instant(event.effectiveAt)) by \(event.staff)" + (why.map { " (\($0))" } ?? "")
        }
        if !interruptions.isEmpty { given["note"] = [["text": .string(interruptions.joined(separator: "; "))]] }
        if state.status == .stopped, let reason = state.end?.payload["reason"]?.stringValue { given["statusReason"] = [FHIRExport.text(reason)] }
        return .object(given)
    }
}
