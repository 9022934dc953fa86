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

    /// A folder holding the tutorial's ISI as `isi.json`, for `--instruments`.
    package static func folder(in parent: URL) throws -> String {
        let folder = parent.appendingPathComponent("instruments")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text().write(to: folder.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        return folder.path
    }
}
