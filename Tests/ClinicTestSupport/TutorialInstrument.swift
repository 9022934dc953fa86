import Foundation

/// The Insomnia Severity Index as docs/INSTRUMENTS.md's tutorial writes it: the program ships no
/// ISI, a clinic adds it, and the tests that need an instrument of a clinic's own use the
/// tutorial's file as it stands (so the tutorial cannot go stale without them noticing).
package enum TutorialInstrument {
    package static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The text of the tutorial's `json file=PATH` block.
    package static func text(_ path: String = "instruments/isi.json") throws -> String {
        let doc = try String(contentsOf: repository.appendingPathComponent("docs/INSTRUMENTS.md"), encoding: .utf8)
        guard let open = doc.range(of: "```json file=\(path)\n"), let close = doc.range(of: "\n```\n", range: open.upperBound..<doc.endIndex) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "docs/INSTRUMENTS.md has no json file=\(path) block"])
        }
        return String(doc[open.upperBound..<close.lowerBound]) + "\n"
    }

    /// The tutorial's ISI with an alert of a clinic's own: item 5 ("how worried or distressed")
    /// at its worst, `distress_alert`, saying `message`, and a worked example that raises it.
    package static func withAlert(_ message: String) throws -> String {
        let better = #"{ "url": "https://clinic.invalid/fhir/StructureDefinition/instrument-better""#
        let alert = #"{ "url": "https://clinic.invalid/fhir/StructureDefinition/instrument-alert", "extension": [ { "url": "when", "valueExpression": { "language": "text/fhirpath", "expression": "%resource.item.where(linkId = 'q5').answer.value.weight() = 4" } }, { "url": "flag", "valueString": "distress_alert" }, { "url": "message", "valueString": "MESSAGE" }, { "url": "source", "valueString": "clinic policy" } ] },"#
            + #"{ "url": "https://clinic.invalid/fhir/StructureDefinition/instrument-example", "extension": [ { "url": "answers", "valueString": "q1=2 q2=2 q3=1 q4=2 q5=4 q6=1 q7=2" }, { "url": "expect", "valueString": "total=14" }, { "url": "band", "valueString": "subthreshold insomnia" }, { "url": "alerts", "valueString": "distress_alert" }, { "url": "source", "valueString": "the clinic's alert" } ] },"#
        let isi = try text()
        guard isi.contains(better) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the tutorial's ISI has no instrument-better extension to put an alert before"])
        }
        return isi.replacingOccurrences(of: better, with: alert.replacingOccurrences(of: "MESSAGE", with: message) + "\n    " + better)
    }

    /// A folder holding the tutorial's ISI as `isi.json`, for `--instruments`.
    package static func folder(in parent: URL) throws -> String {
        let folder = parent.appendingPathComponent("instruments")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text().write(to: folder.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        return folder.path
    }
}
