import ClinicKit
import ClinicKitFHIR
import Foundation
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `export fhir --bulk --out DIR`: every patient's record as the FHIR Bulk Data `$export` operation
/// writes it, for analytics and for moving a clinic's record: one NDJSON file per resource type
/// (`Observation.ndjson`, a resource a line) and `manifest.json`, the operation's completion
/// response, listing each file with its type and count.
///
/// Each patient's resources are the ones their bundle holds (``FHIR/bundle(_:in:)``), with ids
/// made unique across patients (`p12-visit-3`: the patient's number first) and references
/// following them; a member of staff is one Practitioner, written once. A patient's bundle is
/// built, written and let go before the next, and each file is written through a buffer, so
/// memory stays the same whatever the number of patients. Nothing is written where any of the
/// files exists already, and a failed export removes what it wrote.
enum FHIRBulk {
    static func export(to folder: String, in session: Session) throws -> CommandOutput {
        let patients = try session.store.allPatients(limit: Int(Int32.max))
        guard !patients.isEmpty else { throw CommandError("there are no patients to export", hint: "register one with patient new") }
        let made = try FHIR.makeFolder(folder)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        if let clash = existing.first(where: { $0 == "manifest.json" || $0.hasSuffix(".ndjson") }) {
            throw CommandError("\(folder)/\(clash) already exists; nothing was written", hint: "export into a new or empty folder")
        }
        var files = Files(folder: folder)
        do {
            var practitioners: Set<String> = []
            for patient in patients {
                let bundle = try FHIR.bundle(patient, in: session)
                for entry in bundle["entry"]?.arrayValue ?? [] {
                    guard case .object(var resource)? = entry["resource"], let type = resource["resourceType"]?.stringValue,
                          let id = resource["id"]?.stringValue else { continue }
                    if type == "Practitioner" {
                        guard practitioners.insert(id).inserted else { continue }
                    } else {
                        resource = own(resource, of: patient)
                    }
                    if session.isSandbox { resource = tagged(resource) }
                    try files.append(Value.object(resource).canonicalJSON, type: type)
                }
            }
            try files.finish()
            let manifest: Value = [
                "transactionTime": .string(FHIRExport.instant(session.now)),
                "request": .string(try session.clinicProtocol.settings.text(HostSettings.fhirBase) + "/$export"),
                "requiresAccessToken": false,
                "output": .array(files.written.sorted { $0.key < $1.key }.map { type, count in
                    ["type": .string(type), "url": .string(URL(fileURLWithPath: files.path(type)).absoluteString),
                     "count": .int(count)]
                }),
                "error": [],
            ]
            let path = files.manifest
            let fd = try PrivateFile.create(path, what: "the manifest")
            files.madeManifest = true
            defer { close(fd) }
            try PrivateFile.write([manifest.canonicalJSON], to: fd, path: path)
            fsync(fd)
        } catch {
            files.removeAll()
            for level in made.reversed() { rmdir(level) }
            throw error
        }
        let resources = files.written.values.reduce(0, +)
        return .lines("wrote \(patients.count) patient\(patients.count == 1 ? "'s record" : "s' records") as FHIR bulk data: \(resources) resources in \(files.written.count) NDJSON files, with manifest.json, to \(folder)")
    }

    /// A patient's resource with its id, and every reference to a resource of the patient's own,
    /// given the patient's number first; references to staff (shared by every patient) stay.
    static func own(_ resource: [String: Value], of patient: PatientInfo) -> [String: Value] {
        let prefix = "p\(patient.id)-"
        func walk(_ value: Value) -> Value {
            switch value {
            case .object(var object):
                for (key, inner) in object {
                    if key == "reference", let text = inner.stringValue, let slash = text.firstIndex(of: "/"),
                       !text.hasPrefix("Practitioner/"), !text.contains("://") {
                        object[key] = .string(text[...slash] + prefix + text[text.index(after: slash)...])
                    } else {
                        object[key] = walk(inner)
                    }
                }
                return .object(object)
            case .array(let items):
                return .array(items.map(walk))
            default:
                return value
            }
        }
        guard case .object(var out) = walk(.object(resource)) else { return resource }
        if let id = resource["id"]?.stringValue { out["id"] = .string(prefix + id) }
        return out
    }

    /// A sandbox's resource, tagged as test data where EHRs look.
    static func tagged(_ resource: [String: Value]) -> [String: Value] {
        var out = resource
        var meta = resource["meta"]?.objectValue ?? [:]
        meta["tag"] = .array((meta["tag"]?.arrayValue ?? []) + [FHIR.testDataTag])
        out["meta"] = .object(meta)
        return out
    }

    /// The NDJSON files, one per resource type, each made when its first resource comes and
    /// written through a buffer.
    struct Files {
        let folder: String
        var open: [String: (fd: Int32, buffer: [UInt8])] = [:]
        var written: [String: Int] = [:]
        var madeManifest = false

        init(folder: String) { self.folder = folder }

        func path(_ type: String) -> String { URL(fileURLWithPath: folder).appendingPathComponent(type + ".ndjson").path }
        var manifest: String { URL(fileURLWithPath: folder).appendingPathComponent("manifest.json").path }

        mutating func append(_ line: String, type: String) throws {
            if open[type] == nil {
                guard type.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw CommandError("a module exported a resource of type '\(type)', which is not a FHIR type; nothing was written",
                                                                                  hint: "tell the module's author (modules lists where it came from)") }
                open[type] = (try PrivateFile.create(path(type), what: "the export"), [])
                written[type] = 0
            }
            open[type]!.buffer += line.utf8
            open[type]!.buffer.append(10)
            written[type]! += 1
            if open[type]!.buffer.count >= 1 << 20 { try flush(type) }
        }

        mutating func flush(_ type: String) throws {
            guard let file = open[type], !file.buffer.isEmpty else { return }
            try PrivateFile.write(bytes: file.buffer, to: file.fd, path: path(type))
            open[type]!.buffer.removeAll(keepingCapacity: true)
        }

        mutating func finish() throws {
            for type in open.keys.sorted() {
                try flush(type)
                fsync(open[type]!.fd)
                close(open[type]!.fd)
            }
            open = [:]
        }

        mutating func removeAll() {
            for file in open.values { close(file.fd) }
            for type in written.keys { unlink(path(type)) }
            if madeManifest { unlink(manifest) }
            open = [:]
        }
    }
}
