import Foundation

/// A FHIR resource a module exports (``FHIRExportingModule/fhir(from:)``), with the record entries
/// it is made from. The builders that write one (`FHIRExport`, `FHIRItem`) are in the SDK's small
/// static module `ClinicKitFHIR`.
public struct FHIRResource: Sendable, Equatable {
    /// The resource as JSON: `resourceType`, `id` and the rest, as HL7 FHIR R4 writes them.
    public var resource: Value
    /// The entries it is made from. The host writes a Provenance for them naming who wrote each
    /// and who signed or witnessed it, under which protocol. Empty for a definition (a
    /// Questionnaire), which is not the patient's record.
    public var sources: [StoredRecord]

    /// `resource`, made from `sources`.
    public init(_ resource: Value, from sources: [StoredRecord]) {
        self.resource = resource
        self.sources = sources
    }
}
