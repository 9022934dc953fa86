import ClinicConsent
import ClinicDosing
import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicKitFHIR
import ClinicMonitoring
import ClinicScreening
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicFollowUp

/// `export fhir` through a real session: every module's resources, what they say against what was
/// recorded, and the Provenance naming who wrote, signed and corrected each.
@Suite struct FHIRTests {
    typealias Resource = [String: Any]

    /// The open patient's bundle, exported by patel (a physician).
    func export(_ c: Clinic) throws -> [Resource] {
        try c.signIn("patel")
        c.console.output = []
        c.ok("export fhir")
        let json = try #require(c.console.output.last)
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? Resource)
        #expect(bundle["type"] as? String == "collection")
        return (bundle["entry"] as? [Resource] ?? []).compactMap { $0["resource"] as? Resource }
    }

    func of(_ type: String, _ resources: [Resource]) -> [Resource] { resources.filter { $0["resourceType"] as? String == type } }

    func key(_ r: Resource) -> String { "\(r["resourceType"] ?? "")/\(r["id"] ?? "")" }

    /// The (type code, username) of each agent of the Provenance that targets `resource`.
    func agents(of resource: Resource, in all: [Resource]) throws -> [String] {
        let provenance = try #require(of("Provenance", all).first { p in
            (p["target"] as? [Resource] ?? []).contains { $0["reference"] as? String == key(resource) }
        }, "\(key(resource)) has no Provenance")
        return (provenance["agent"] as? [Resource] ?? []).map { agent in
            let code = ((agent["type"] as? Resource)?["coding"] as? [Resource])?.first?["code"] as? String ?? "?"
            let who = (agent["who"] as? Resource)?["display"] as? String ?? "?"
            let role = (agent["role"] as? [Resource])?.first?["text"] as? String ?? ""
            return "\(code) \(who): \(role)"
        }
    }

    func value(_ r: Resource, _ path: String...) -> Any? {
        var current: Any? = r
        for step in path {
            if let i = Int(step) { current = (current as? [Any]).flatMap { $0.indices.contains(i) ? $0[i] : nil } } else { current = (current as? Resource)?[step] }
        }
        return current
    }

    @Test func ordersInfusionsEventsPainAndConsentRoundTrip() throws {
        let c = try Clinic(modules: [IntakeModule(), StandInScreening(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()])
        try c.readyPatient()
        try c.signIn("patel")
        c.ok("dosing plan route=iv dose=0.6mg/kg over=40min conc=1mg/mL")
        c.ok("dosing cancel \"weighed again first\"")
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 10)
        c.ok("monitoring vitals sbp=130 dbp=80 hr=80 rr=14 spo2=98 temp=36.8 avpu=A")
        c.ok("monitoring event nausea --severity mild --action \"ondansetron 4 mg IV\"")
        c.advance(minutes: 5)
        c.ok("monitoring vitals sbp=132 dbp=82 hr=78 rr=14 spo2=97")
        c.advance(minutes: 25)
        c.ok("dosing complete")
        c.ok("followup nrs average=6 worst=8")
        c.ok("consent withdraw \"changed her mind\"")
        c.ok("consent sign")
        let all = try export(c)

        // Only the signed order is an order: the unsigned one, cancelled, is not exported.
        let orders = of("MedicationRequest", all)
        let signedOrder = try #require(try c.records("signed").first?.payload["order"]?.intValue)
        #expect(orders.map { $0["id"] as? String } == ["dosing-\(signedOrder)"])
        let order = try #require(orders.first)
        #expect(order["status"] as? String == "completed" && order["intent"] as? String == "order")
        #expect(value(order, "medicationCodeableConcept", "coding", "0", "code") as? String == "6130")
        #expect(value(order, "medicationCodeableConcept", "coding", "0", "system") as? String == "http://www.nlm.nih.gov/research/umls/rxnorm")
        #expect(value(order, "dosageInstruction", "0", "doseAndRate", "0", "doseQuantity", "value") as? Double == 36.0)
        #expect(value(order, "dosageInstruction", "0", "doseAndRate", "0", "rateQuantity", "value") as? Double == 54.0)
        #expect(value(order, "dosageInstruction", "0", "timing", "repeat", "duration") as? Double == 40.0)
        #expect(value(order, "requester", "reference") as? String == "Practitioner/staff-patel")
        #expect(try agents(of: order, in: all) == [
            "author patel: physician",
            "attester patel: orders ketamine 36.0 mg IV infusion over 40 min at 54.0 mL/h for D-1: 0.5 mg/kg × 72.0 kg = 36.0 mg; 36.0 mg ÷ 1 mg/mL = 36.0 mL; over 40 min → 54.0 mL/h",
            "author nina: nurse",
            "attester nina: independently double-checked order #\(signedOrder): 36.0 mg IV infusion over 40 min at 54.0 mL/h",
        ])

        // The dose given is the one recorded at completion, and refers to its order.
        let given = try #require(of("MedicationAdministration", all).first)
        let completed = try #require(try c.records("completed").first)
        #expect(value(given, "dosage", "dose", "value") as? Double == completed.payload["given_mg"]?.doubleValue)
        #expect(value(given, "request", "reference") as? String == "MedicationRequest/dosing-\(signedOrder)")
        #expect(value(given, "status") as? String == "completed")
        #expect(value(given, "effectivePeriod", "end") as? String == FHIRExport.instant(completed.effectiveAt))

        let event = try #require(of("AdverseEvent", all).first)
        #expect(value(event, "severity", "coding", "0", "code") as? String == "mild")
        #expect(value(event, "event", "text") as? String == "nausea; action: ondansetron 4 mg IV")
        #expect(try agents(of: event, in: all) == ["author nina: nurse"])

        let pain = try #require(of("Observation", all).first { value($0, "code", "coding", "0", "code") as? String == "72514-3" })
        #expect(value(pain, "valueQuantity", "value") as? Double == 6.0)
        #expect(value(pain, "category", "0", "coding", "0", "code") as? String == "survey")

        let consent = try #require(of("Consent", all).first)
        #expect(consent["status"] as? String == "inactive", "withdrawn")
        #expect(value(consent, "category", "1", "text") as? String == "withdrawn: changed her mind")
        #expect((value(consent, "sourceAttachment", "title") as? String)?.contains("text version ") == true)
        #expect(of("Consent", all).map { $0["status"] as? String } == ["inactive", "active"], "signed again after the withdrawal")

        // One Observation per vital sign entered (BP as one panel: the baseline's and the first
        // vitals' 5, the second's 4), a NEWS2 for each of the three, the weight and the pain score.
        #expect(of("Observation", all).count == 5 + 5 + 4 + 3 + 1 + 1)
        // NEWS2 is named in text (no confirmed code); scored without AVPU and temperature it is a
        // lower bound.
        let news2 = of("Observation", all).filter { value($0, "code", "text") as? String == "NEWS2 total score (Royal College of Physicians, 2017)" }
        #expect(news2.map { value($0, "valueQuantity", "comparator") as? String ?? "=" } == ["=", "=", ">="])
        #expect(news2.allSatisfy { value($0, "code", "coding") == nil })
        #expect(value(news2[2], "note", "0", "text") as? String == "not scored, not taken: avpu, temp")
        #expect((value(news2[2], "derivedFrom") as? [Any])?.count == 4)
        for resource in all where !["Practitioner", "Questionnaire", "Provenance"].contains(resource["resourceType"] as? String ?? "") {
            #expect(try !agents(of: resource, in: all).isEmpty)
        }
        #expect(Set(of("Practitioner", all).compactMap { $0["id"] as? String }) == ["staff-nina", "staff-patel"])
    }

    @Test func aDoseStoppedEarlyIsExportedAsStoppedWithWhatWasGivenAndWhy() throws {
        let c = try Clinic(modules: [IntakeModule(), StandInScreening(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()])
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 20)
        c.ok("dosing stop \"patient asked to stop\"")
        let all = try export(c)
        let stopped = try #require(try c.records("stopped").first)
        let order = try #require(of("MedicationRequest", all).first)
        let given = try #require(of("MedicationAdministration", all).first)
        #expect(order["status"] as? String == "stopped" && given["status"] as? String == "stopped")
        #expect(value(given, "dosage", "dose", "value") as? Double == stopped.payload["given_mg"]?.doubleValue)
        #expect((value(given, "dosage", "dose", "value") as? Double ?? 36) < 36, "20 of 40 minutes: less than ordered")
        #expect(value(given, "statusReason", "0", "text") as? String == "patient asked to stop")
    }

    @Test func instrumentsAreQuestionnaireResponsesAndTheirTotalsCodedOnlyWhereConfirmed() throws {
        let c = try Clinic(modules: [IntakeModule(), ScreeningModule()])
        c.session.signIn(try #require(try c.session.store.account("nina")).info)
        c.ok("patient new --name \"Test Patient\" --dob 1980-01-01 --sex F --mrn S-1")
        c.mrn = "S-1"
        c.ok("visit start --kind consult")
        c.ok("screening phq9 q1=1 q2=1 q3=2 q4=2 q5=0 q6=0 q7=1 q8=0 q9=0")
        c.ok("screening gad7 q1=1 q2=0 q3=1 q4=1 q5=0 q6=0 q7=0")
        c.ok("screening dast10 q1=no q2=no q3=yes q4=no q5=no q6=no q7=no q8=no q9=no q10=no")
        c.ok("screening fiqr f1=3 f2=6 f3=4 f4=7 f5=7 f6=5 f7=6 f8=4 f9=5 o1=6 o2=5 s1=7 s2=7 s3=6 s4=8 s5=4 s6=5 s7=4 s8=7 s9=3 s10=6")
        c.ok("intake weight 72kg")
        let weighing = try #require(try c.records("weight", module: "intake").first)
        try c.signIn("patel")
        c.ok("amend \(weighing.id) weight=70kg --reason \"the scale read 72 for 70\"")
        let all = try export(c)

        // PHQ-9, GAD-7 and DAST-10 are instruments given as data: each response names its
        // questionnaire's canonical URL and version, and the bundle holds that Questionnaire.
        let responses = of("QuestionnaireResponse", all)
        let canonical = "https://clinic.invalid/fhir/Questionnaire/"
        #expect(responses.compactMap { $0["questionnaire"] as? String }
                == ["urn:clinic:questionnaire:fiqr", canonical + "phq9|1.0.0", canonical + "gad7|1.0.0", canonical + "dast10|1.0.0"])
        #expect(Set(of("Questionnaire", all).compactMap { $0["url"] as? String }).count == 4)
        let phq9 = responses[1]
        let items = phq9["item"] as? [Resource] ?? []
        #expect(items.map { $0["linkId"] as? String ?? "" } == (1...9).map { "q\($0)" } + ["total"])
        #expect(value(items[2], "answer", "0", "valueCoding", "code") as? String == "2")
        #expect(value(items[2], "answer", "0", "valueCoding", "display") as? String == "more than half the days")
        #expect(value(items[9], "answer", "0", "valueInteger") as? Int == 7)
        #expect(value(responses[3], "item", "2", "answer", "0", "valueBoolean") as? Bool == true, "DAST-10 item 3 as answered")
        #expect(try agents(of: phq9, in: all) == ["author nina: nurse"])

        func total(_ code: String) -> Resource? { of("Observation", all).first { value($0, "code", "coding", "0", "code") as? String == code } }
        let phq9Total = try #require(total("44261-6"))
        let gad7Total = try #require(total("70274-6"))
        #expect(value(phq9Total, "valueQuantity", "value") as? Double == 7)
        #expect(value(phq9Total, "derivedFrom", "0", "reference") as? String == "QuestionnaireResponse/\(phq9["id"] ?? "")")
        #expect(value(gad7Total, "valueQuantity", "value") as? Double == 3)
        // FIQR's LOINC is UNCONFIRMED (REFERENCE.md 8): its total has a name and no coding.
        let fiqr = try #require(of("Observation", all).first { value($0, "code", "text") as? String == "FIQR total score (0–100)" })
        #expect(value(fiqr, "code", "coding") == nil)
        #expect(!String(describing: all).contains("90858-2"))

        // A corrected entry is exported as corrected, and its Provenance names who corrected it.
        let weight = try #require(total("29463-7"))
        #expect(value(weight, "valueQuantity", "value") as? Double == 70)
        #expect(try agents(of: weight, in: all) == ["author nina: nurse", "author patel: physician, corrected #\(weighing.id)"])
    }
}
