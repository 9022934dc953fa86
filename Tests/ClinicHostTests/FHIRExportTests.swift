import ClinicKit
import ClinicKitFHIR
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage

/// A module that exports what a test sets: the host keeps one copy of a definition, refuses a
/// resource without an id or two different ones under one id, and writes nothing then.
final class ExportingModule: FHIRExportingModule, @unchecked Sendable {
    let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "exporting", version: "1.0.0", summary: "test export"),
        commands: [CommandSpec("note", summary: "a note", needsVisit: true)])
    var resources: (StoredRecord) -> [FHIRResource] = { _ in [] }

    func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        try context.append(RecordDraft(kind: "note", payload: [:]))
        return .lines("noted")
    }

    func facts(from record: any RecordReader) throws -> [Fact] { [] }

    func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        try record.records(module: "exporting", kind: nil, visitOnly: false).flatMap(resources)
    }
}

@Suite struct FHIRExportTests {
    func session(_ module: ExportingModule) throws -> (Session, TestConsole, URL) {
        let (session, console, _) = try makeSession(modules: [module], signedIn: [.physician])
        #expect(session.execute("patient new --name \"Test Patient\" --dob 1980-01-01 --sex F --mrn F-1", source: "t") == .ok)
        #expect(session.execute("visit start --kind consult", source: "t") == .ok)
        #expect(session.execute("exporting note", source: "t") == .ok)
        #expect(session.execute("exporting note", source: "t") == .ok)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fhir-\(UUID().uuidString)")
        return (session, console, folder)
    }

    func observation(_ id: String, _ value: Double, _ entry: StoredRecord) -> FHIRResource {
        FHIRResource(FHIRExport.observation(id: id, entry: entry, code: FHIRExport.text("a note"), value: FHIRExport.score(value)), from: [entry])
    }

    @Test func aDefinitionIsWrittenOnceAndEachResourceGetsItsProvenance() throws {
        let module = ExportingModule()
        module.resources = { entry in
            FHIRExport.questionnaire("note", title: "a note", response: "exporting-\(entry.id)", entry: entry, items: [FHIRItem("q1", "how", .int(1))])
        }
        let (session, console, _) = try session(module)
        #expect(session.execute("export fhir", source: "t") == .ok)
        let bundle = try Value(json: try #require(console.output.last))
        let entries = bundle["entry"]?.arrayValue ?? []
        // Each entry's fullUrl, and the MRN's system, under the protocol's clinic.fhir_base.
        #expect(entries.first?["fullUrl"] == "https://clinic.invalid/fhir/Patient/patient")
        #expect(entries.first?["resource"]?["identifier"]?.arrayValue?.first?["system"] == "https://clinic.invalid/fhir/mrn")
        #expect(entries.allSatisfy { e in e["fullUrl"]?.stringValue?.hasSuffix("/" + (e["resource"]?["resourceType"]?.stringValue ?? "?") + "/" + (e["resource"]?["id"]?.stringValue ?? "?")) == true })
        let types = entries.compactMap { $0["resource"]?["resourceType"]?.stringValue }
        #expect(types.filter { $0 == "Questionnaire" }.count == 1)
        #expect(types.filter { $0 == "QuestionnaireResponse" }.count == 2)
        // Patient, Encounter and the two responses, each with a Provenance of its own sources.
        #expect(types.filter { $0 == "Provenance" }.count == 4)
    }

    @Test func aResourceWithoutAnIdOrTwoUnderOneIdIsRefusedAndNothingWritten() throws {
        let module = ExportingModule()
        module.resources = { entry in [FHIRResource(["resourceType": "Observation", "id": "has space"], from: [entry])] }
        let (session, _, folder) = try session(module)
        let file = folder.path + ".json"
        let bad = session.execute("export fhir --out \(file)", source: "t")
        #expect(bad.failure?.message.hasPrefix("module exporting exported a resource without a resourceType and a FHIR id") == true, "\(bad)")
        #expect(!FileManager.default.fileExists(atPath: file))

        module.resources = { entry in [self.observation("same", Double(entry.id), entry)] }
        #expect(session.execute("export fhir --out \(file)", source: "t").failure?.message
                == "module exporting exported two different resources as Observation/same; nothing was written")
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func everyPatientIsWrittenToAFolderAndNothingIsOverwritten() throws {
        let module = ExportingModule()
        module.resources = { entry in [self.observation("exporting-\(entry.id)", 1, entry)] }
        let (session, console, folder) = try session(module)
        #expect(session.execute("patient new --name \"Other Patient\" --dob 1970-01-01 --sex M --mrn F-2", source: "t") == .ok)
        #expect(session.execute("export fhir --all", source: "t").failure?.message == "export fhir --all writes a file per patient into a folder")
        #expect(session.execute("export fhir F-1 --all --out \(folder.path)", source: "t").failure?.message
                == "export fhir --all exports every patient, so it takes no patient")
        // `--all` alone is a flag (`--all yes`); `--all no` is the one patient's export.
        #expect(session.execute("export fhir F-1 --all no", source: "t") == .ok)
        #expect(session.execute("export fhir --all --out \(folder.path)", source: "t") == .ok)
        #expect(console.output.last == "wrote 2 patients' records as FHIR R4 bundles (12 resources) to \(folder.path)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["F-1.json", "F-2.json"])
        let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("F-1.json").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = session.execute("export fhir --all --out \(folder.path)", source: "t")
        #expect(again.failure?.message == "\(folder.appendingPathComponent("F-1.json").path) already exists; nothing was written")
        try? FileManager.default.removeItem(at: folder)
    }

    @Test func aStaffNameWithAnUnderscoreStillMakesAFHIRId() {
        #expect(FHIRExport.practitionerID("nora") == "staff-nora")
        let underscored = FHIRExport.practitionerID("a_b")
        #expect(underscored != FHIRExport.practitionerID("a-b") && underscored.hasPrefix("staff-a-b-"))
        #expect(FHIRProvenance.isID(underscored) && FHIRProvenance.isID(FHIRExport.practitionerID(String(repeating: "x_", count: 16))))
        #expect(!FHIRProvenance.isID("has space") && !FHIRProvenance.isID(String(repeating: "x", count: 65)))
    }
}

@Suite struct FHIRItemTests {
    func answers(_ item: FHIRItem) -> Value {
        FHIRExport.questionnaire("t", title: "t", response: "r", entry: StoredRecord(id: 1, module: "t", kind: "t", payload: [:], visitID: nil,
                                                                                      effectiveAt: Date(), recordedAt: Date(), staff: "nora", amends: nil),
                                 items: [item])[1].resource["item"]?.arrayValue?.first?["answer"] ?? .null
    }

    @Test func aNumberIsAnsweredAsItsItemsType() {
        #expect(answers(FHIRItem("a", "a", .int(5), type: "decimal")) == [["valueDecimal": 5.0]])
        #expect(answers(FHIRItem("a", "a", .double(5), type: "integer")) == [["valueInteger": 5]])
        #expect(answers(FHIRItem("a", "a", .double(4.5), type: "integer")) == [["valueDecimal": 4.5]], "never cut to 4")
        #expect(answers(FHIRItem("a", "a", .array([.string("neck"), .string("jaw, left")]))) == [["valueString": "neck"], ["valueString": "jaw, left"]])
        #expect(answers(FHIRItem("a", "a", .null)) == .null, "a skipped item has no answer")
        #expect(FHIRItem("a", "a", .bool(true)).type == "boolean" && FHIRItem("a", "a", .array([.int(1)])).type == "integer")
    }
}
