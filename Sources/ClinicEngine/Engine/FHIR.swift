import ClinicKit
import ClinicKitFHIR
import ClinicStorage
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// `export fhir [PATIENT] [--out FILE]` and `export fhir --all --out DIR`: the record as HL7 FHIR R4
/// Bundles (type collection), one per patient. The host writes the Patient, an Encounter per visit,
/// the Practitioners and a Provenance for each source; each module adds its own resources
/// (`ClinicModule.fhir(from:)`). A sandbox's bundle is tagged as test data.
package enum FHIR {
    static func export(_ key: String?, all: Bool, bulk: Bool, out path: String?, in session: Session) throws -> CommandOutput {
        if bulk {
            guard key == nil, !all else { throw CommandError("export fhir --bulk exports every patient as FHIR bulk data, so it takes no patient and no --all", hint: "type export fhir --bulk --out DIR") }
            guard let path else { throw CommandError("export fhir --bulk writes a file per resource type into a folder", hint: "type export fhir --bulk --out DIR") }
            return try FHIRBulk.export(to: path, in: session)
        }
        if all {
            guard key == nil else { throw CommandError("export fhir --all exports every patient, so it takes no patient", hint: "type export fhir --all --out DIR, or export fhir MRN") }
            guard let path else { throw CommandError("export fhir --all writes a file per patient into a folder", hint: "type export fhir --all --out DIR") }
            return try exportAll(to: path, in: session)
        }
        let patient: PatientInfo
        if let key {
            guard let p = try Patients.find(key, in: session.store) else { throw CommandError("no patient with MRN or #ID '\(key)'", hint: "type patient find NAME") }
            patient = p
        } else {
            guard let p = session.patient else { throw CommandError("export fhir needs a patient", hint: "type export fhir MRN, or export fhir --all --out DIR") }
            patient = p
        }
        let bundle = try self.bundle(patient, in: session)
        guard let path else { return .lines(bundle.canonicalJSON) }
        try write(bundle, to: path)
        return .lines("wrote \(patient.mrn)'s record as a FHIR R4 bundle of \(count(bundle)) resources to \(path)")
    }

    /// Every patient's bundle, as `MRN.json` in `folder` (made if missing). Nothing is written when
    /// any of the files exists already: a bundle is never overwritten, nor a folder half exported.
    static func exportAll(to folder: String, in session: Session) throws -> CommandOutput {
        let patients = try session.store.allPatients(limit: Int(Int32.max))
        guard !patients.isEmpty else { throw CommandError("there are no patients to export", hint: "register one with patient new") }
        try makeFolder(folder)
        let files = fileNames(patients).map { URL(fileURLWithPath: folder).appendingPathComponent($0).path }
        if let existing = files.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw CommandError("\(existing) already exists; nothing was written", hint: "export into a new or empty folder")
        }
        var resources = 0
        for (patient, file) in zip(patients, files) {
            let bundle = try self.bundle(patient, in: session)
            try write(bundle, to: file)
            resources += count(bundle)
        }
        let n = patients.count
        return .lines("wrote \(n == 1 ? "1 patient's record as a FHIR R4 bundle" : "\(n) patients' records as FHIR R4 bundles") (\(resources) resources) to \(folder)")
    }

    /// A folder to export into: there already, or made (0700) with any folders above it that are
    /// missing (`--out exports/2026-12`); the folders made, the deepest last.
    @discardableResult
    static func makeFolder(_ folder: String) throws -> [String] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw CommandError("\(folder) is a file", hint: "give --out a folder") }
            return []
        }
        var missing: [String] = []
        var path = (folder as NSString).standardizingPath
        while !path.isEmpty, path != "/", !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            missing.insert(path, at: 0)
            path = (path as NSString).deletingLastPathComponent
        }
        if !path.isEmpty, path != "/", !isFolder.boolValue {
            throw CommandError("\(path) is a file", hint: "give --out a folder that is not inside a file")
        }
        var made: [String] = []
        for level in missing {
            guard mkdir(level, 0o700) == 0 else {
                let why = String(cString: strerror(errno))
                for done in made.reversed() { rmdir(done) }
                throw CommandError("cannot create \(level): \(why)", hint: "check the folder above it is writable")
            }
            made.append(level)
        }
        return made
    }

    /// The tag that marks a sandbox's resources as test data, never a patient's.
    static let testDataTag: Value = ["system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST", "display": "test health data"]

    /// `MRN.json`; `patient-ID.json` should an MRN ever not be a safe file name (today they are
    /// letters, digits and '-').
    static func fileNames(_ patients: [PatientInfo]) -> [String] {
        patients.map { p in
            let safe = !p.mrn.isEmpty && !p.mrn.hasPrefix(".") && p.mrn.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
            }
            return (safe ? p.mrn : "patient-\(p.id)") + ".json"
        }
    }

    private static func write(_ bundle: Value, to path: String) throws {
        let fd = try PrivateFile.create(path, what: "the export")
        defer { close(fd) }
        try PrivateFile.write([bundle.canonicalJSON], to: fd, path: path)
        fsync(fd)
    }

    private static func count(_ bundle: Value) -> Int { bundle["entry"]?.arrayValue?.count ?? 0 }

    package static func bundle(_ patient: PatientInfo, in session: Session) throws -> Value {
        let store = session.store
        // Checked when the protocol is loaded (HostSettings.check).
        let base = try session.clinicProtocol.settings.text(HostSettings.fhirBase)
        var parts: [(module: String, part: FHIRResource)] = [("host", FHIRResource([
            "resourceType": "Patient", "id": "patient",
            "identifier": [["system": .string(base + "/mrn"), "value": .string(patient.mrn)]],
            "name": [["text": .string(patient.name)]],
            "gender": .string(patient.sex == .female ? "female" : patient.sex == .male ? "male" : "unknown"),
            "birthDate": .string(patient.dateOfBirth),
        ], from: try store.records(patientID: patient.id, module: "patient"))) ]
        for visit in try store.visits(patientID: patient.id) {
            var period: [String: Value] = ["start": .string(FHIRExport.instant(visit.info.startedAt))]
            if let end = visit.endedAt { period["end"] = .string(FHIRExport.instant(end)) }
            parts.append(("host", FHIRResource([
                "resourceType": "Encounter", "id": .string("visit-\(visit.info.id)"),
                "status": .string(visit.endedAt == nil ? "in-progress" : "finished"),
                "class": ["system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"],
                "type": [["text": .string(visit.info.kind)]],
                "subject": ["reference": .string(FHIRExport.patient)], "period": .object(period),
            ], from: try store.records(patientID: patient.id, module: "visit", visitID: visit.info.id))))
        }
        let reader = HostRecordReader(session: session, patient: patient, visit: .some(try store.openVisit(patientID: patient.id)))
        for module in session.plugins.loaded.sorted(by: { $0.declaration.manifest.order < $1.declaration.manifest.order }) {
            let name = module.declaration.manifest.name
            parts += try ModuleCall.run(module, "exporting its resources") { try (module.module as? any FHIRExportingModule)?.fhir(from: reader) ?? [] }.map { (name, $0) }
        }
        // The responses to instruments given as data, in the order they were recorded, each against
        // the file that scored it: a response whose file is not loaded, or is loaded changed, is
        // not exported against another questionnaire (nor left out without a word).
        var responses: [(Instrument, StoredRecord)] = []
        for entry in try store.records(patientID: patient.id) where entry.amends == nil {
            guard let named = entry.payload["questionnaire"]?.stringValue, let hash = entry.payload["questionnaire_sha256"]?.stringValue else { continue }
            guard let instrument = session.instruments.first(where: { $0.module == entry.module && $0.verb == entry.kind }),
                  instrument.canonical == named else {
                throw CommandError("\(entry.module) \(entry.kind) #\(entry.id) answers \(named), which this run has not loaded; nothing was exported",
                                   hint: "start the program with --instruments DIR holding that questionnaire's file")
            }
            guard instrument.sha256 == hash else {
                throw CommandError("\(entry.module) \(entry.kind) #\(entry.id) was scored by another file than the \(instrument.title) loaded now (\(named)); nothing was exported",
                                   hint: "load the file that scored it; a changed questionnaire takes a new version")
            }
            responses.append((instrument, entry))
        }
        for (instrument, entry) in responses.sorted(by: { $0.1.id < $1.1.id }) {
            parts += InstrumentExport.resources(instrument, response: entry).map { ("host", $0) }
        }
        let resources = try FHIRProvenance(base: base, staff: try store.staffByID().values.map { ($0.username, $0.roles) },
                                           protocols: try store.protocolVersions(patientID: patient.id),
                                           record: try store.records(patientID: patient.id)).assemble(parts)
        var meta: [String: Value] = ["lastUpdated": .string(FHIRExport.instant(session.now))]
        if session.isSandbox {
            // A simulated clock's record is test data, never a patient's: say so where EHRs look.
            meta["tag"] = [testDataTag]
        }
        return ["resourceType": "Bundle", "type": "collection", "timestamp": .string(FHIRExport.instant(session.now)), "meta": .object(meta),
                "entry": .array(resources.map { resource in
                    // The resource's own URL under the clinic's base, against which the bundle's
                    // relative references (Patient/patient) resolve.
                    ["fullUrl": .string(base + "/" + (resource["resourceType"]?.stringValue ?? "") + "/" + (resource["id"]?.stringValue ?? "")),
                     "resource": resource]
                })]
    }
}
