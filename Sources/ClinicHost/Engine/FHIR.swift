import ClinicKit
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// `export fhir [PATIENT] [--out FILE]`: the patient's record as an HL7 FHIR R4 Bundle (type
/// collection). The host writes the Patient and an Encounter per visit; each module adds its own
/// resources (`ClinicModule.fhir(from:)`). A sandbox's bundle is tagged as test data.
enum FHIR {
    static func export(_ key: String?, out path: String?, in session: Session) throws -> CommandOutput {
        let patient: PatientInfo
        if let key {
            guard let p = try Patients.find(key, in: session.store) else { throw CommandFailure("no patient with MRN or id '\(key)'", hint: "type patient find NAME") }
            patient = p
        } else {
            guard let p = session.patient else { throw CommandFailure("export fhir needs a patient", hint: "type export fhir MRN, or open the patient first") }
            patient = p
        }
        let bundle = try self.bundle(patient, in: session)
        guard let path else { return .lines(bundle.canonicalJSON) }
        let fd = try Recorder.create(path, what: "the export")
        defer { close(fd) }
        try Recorder.write([bundle.canonicalJSON], to: fd, path: path)
        fsync(fd)
        let count = bundle["entry"]?.arrayValue?.count ?? 0
        return .lines("wrote \(patient.mrn)'s record as a FHIR R4 bundle of \(count) resources to \(path)")
    }

    static func bundle(_ patient: PatientInfo, in session: Session) throws -> Value {
        var resources: [Value] = [[
            "resourceType": "Patient", "id": "patient",
            "identifier": [["system": "urn:clinic:mrn", "value": .string(patient.mrn)]],
            "name": [["text": .string(patient.name)]],
            "gender": .string(patient.sex == .female ? "female" : patient.sex == .male ? "male" : "unknown"),
            "birthDate": .string(patient.dateOfBirth),
        ]]
        for visit in try session.store.visits(patientID: patient.id) {
            var period: [String: Value] = ["start": .string(FHIRExport.instant(visit.info.startedAt))]
            if let end = visit.endedAt { period["end"] = .string(FHIRExport.instant(end)) }
            resources.append([
                "resourceType": "Encounter", "id": .string("visit-\(visit.info.id)"),
                "status": .string(visit.endedAt == nil ? "in-progress" : "finished"),
                "class": ["system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"],
                "type": [["text": .string(visit.info.kind)]],
                "subject": ["reference": .string(FHIRExport.patient)], "period": .object(period),
            ])
        }
        let reader = HostRecordReader(session: session, patient: patient, visit: .some(try session.store.openVisit(patientID: patient.id)))
        for module in session.plugins.loaded.sorted(by: { $0.declaration.manifest.order < $1.declaration.manifest.order }) {
            resources += try ModuleCall.run(module, "exporting its resources") { try module.module.fhir(from: reader) }
        }
        var meta: [String: Value] = ["lastUpdated": .string(FHIRExport.instant(session.now))]
        if session.isSandbox {
            // A simulated clock's record is test data, never a patient's: say so where EHRs look.
            meta["tag"] = [["system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST", "display": "test health data"]]
        }
        return ["resourceType": "Bundle", "type": "collection", "timestamp": .string(FHIRExport.instant(session.now)), "meta": .object(meta),
                "entry": .array(resources.map { ["resource": $0] })]
    }
}
