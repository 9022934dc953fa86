import ClinicKit
import ClinicKitFHIR
import ClinicStorage
import Foundation

/// Ties the resources of a patient's bundle together: one copy of each resource, a Practitioner for
/// every member of staff named, and a Provenance per group of source entries naming who wrote each
/// entry and who corrected it (author) and who signed or witnessed it (attester), under which
/// protocol version.
struct FHIRProvenance {
    private let base: String
    private let roles: [String: Set<Role>]
    private let protocols: [Int64: String]
    private let corrections: [Int64: [StoredRecord]]

    /// `record` is every entry of the patient's, corrections included: modules read a corrected
    /// entry under its first id, and its Provenance names who corrected it too.
    init(base: String, staff: [(username: String, roles: Set<Role>)], protocols: [Int64: String], record: [StoredRecord]) {
        self.base = base
        roles = Dictionary(staff.map { ($0.username, $0.roles) }, uniquingKeysWith: { a, _ in a })
        self.protocols = protocols
        corrections = Dictionary(grouping: record.filter { $0.amends != nil }, by: { $0.amends ?? 0 })
    }

    /// The bundle's resources: `parts` in order, each once, then the Practitioners, then the Provenances.
    func assemble(_ parts: [(module: String, part: FHIRResource)]) throws -> [Value] {
        var resources: [Value] = []
        var written: [String: Value] = [:]
        var groups: [[Int64]] = []
        var targets: [[Int64]: [String]] = [:]
        var sources: [[Int64]: [StoredRecord]] = [:]
        for (module, part) in parts {
            guard let type = part.resource["resourceType"]?.stringValue, let id = part.resource["id"]?.stringValue, Self.isID(id) else {
                throw CommandError("module \(module) exported a resource without a resourceType and a FHIR id (letters, digits, '-' and '.', up to 64); nothing was written",
                                     hint: "tell the module's developer; export without it by removing it from the plugin folder")
            }
            let key = type + "/" + id
            if let earlier = written[key] {
                // A definition (a Questionnaire) comes with every response to it: keep the first.
                if earlier == part.resource || part.sources.isEmpty { continue }
                throw CommandError("module \(module) exported two different resources as \(key); nothing was written",
                                     hint: "tell the module's developer: each resource needs an id of its own")
            }
            written[key] = part.resource
            resources.append(part.resource)
            guard !part.sources.isEmpty else { continue }
            let ids = Set(part.sources.map(\.id)).sorted()
            if targets[ids] == nil {
                groups.append(ids)
                sources[ids] = ids.compactMap { id in part.sources.first { $0.id == id } }
            }
            targets[ids, default: []].append(key)
        }
        let provenances = groups.enumerated().map { n, ids in provenance(n + 1, targets: targets[ids] ?? [], sources: sources[ids] ?? []) }
        var named = Set<String>()
        for resource in resources + provenances { Self.practitioners(in: resource, into: &named) }
        let practitioners: [Value] = roles.keys.sorted().filter { named.contains(FHIRExport.practitionerID($0)) }.map { username in
            ["resourceType": "Practitioner", "id": .string(FHIRExport.practitionerID(username)), "active": true,
             "identifier": [["system": .string(base + "/staff"), "value": .string(username)]]]
        }
        return resources + practitioners + provenances
    }

    private func provenance(_ n: Int, targets: [String], sources first: [StoredRecord]) -> Value {
        let sources = first + first.flatMap { corrections[$0.id] ?? [] }
        var agents: [Value] = []
        var seen = Set<String>()
        func add(_ code: String, _ display: String, _ username: String, role: String) {
            guard seen.insert(code + "\n" + username + "\n" + role).inserted else { return }
            agents.append(["type": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                                "code": .string(code), "display": .string(display)]]],
                           "role": [["text": .string(role)]], "who": FHIRExport.practitioner(username)])
        }
        for entry in sources {
            let corrected = entry.amends.map { ", corrected #\($0)" } ?? ""
            add("author", "Author", entry.staff, role: StaffRoles.text(roles[entry.staff] ?? []) + corrected)
            for signature in Self.signatures(in: entry.payload) { add("attester", "Attester", signature.by, role: signature.meaning) }
        }
        let effective = sources.map(\.effectiveAt)
        var p: [String: Value] = [
            "resourceType": "Provenance", "id": .string("provenance-\(n)"),
            "target": .array(targets.map { ["reference": .string($0)] }),
            "agent": .array(agents),
        ]
        // A group always has a source (assemble makes none without); its last write is when.
        if let recorded = sources.map(\.recordedAt).max() { p["recorded"] = .string(FHIRExport.instant(recorded)) }
        if let first = effective.min(), let last = effective.max() {
            if first == last { p["occurredDateTime"] = .string(FHIRExport.instant(first)) } else {
                p["occurredPeriod"] = ["start": .string(FHIRExport.instant(first)), "end": .string(FHIRExport.instant(last))]
            }
        }
        let policies = Set(sources.compactMap { protocols[$0.id] }).sorted()
        if !policies.isEmpty {
            // The clinic protocol each entry was written under (records.protocol_version).
            p["policy"] = .array(policies.map { .string("urn:clinic:protocol:" + ($0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? $0)) })
        }
        return .object(p)
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Every signature stored in a payload (`{"by", "at", "meaning", "roles"}`, as `Signature.value`
    /// writes it), at any depth.
    static func signatures(in payload: Value) -> [(by: String, meaning: String)] {
        switch payload {
        case .object(let o):
            if let by = o["by"]?.stringValue, let meaning = o["meaning"]?.stringValue, o["at"]?.stringValue != nil { return [(by, meaning)] }
            return o.keys.sorted().flatMap { signatures(in: o[$0] ?? .null) }
        case .array(let items): return items.flatMap(signatures(in:))
        default: return []
        }
    }

    private static func practitioners(in value: Value, into ids: inout Set<String>) {
        switch value {
        case .object(let o):
            if let reference = o["reference"]?.stringValue, reference.hasPrefix("Practitioner/") { ids.insert(String(reference.dropFirst(13))) }
            for item in o.values { practitioners(in: item, into: &ids) }
        case .array(let items): for item in items { practitioners(in: item, into: &ids) }
        default: break
        }
    }

    /// A FHIR id: letters, digits, `-` and `.`, 1 to 64 of them.
    static func isID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "."
        }
    }
}
