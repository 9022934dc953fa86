import Foundation
import Testing

/// The host's layers, as `Package.swift` and docs/ARCHITECTURE.md draw them, read from the sources:
/// every SQL statement and the only imports of CSQLite and CLibPQ are in ClinicStorage, and no file imports a
/// layer above its own (SwiftPM on Linux lets a target import a module it does not depend on when
/// that module happens to be built first, so the build alone does not hold the arrows).
extension EndToEnd {
@Suite struct LayerTests {
    /// Each host layer and the modules its files may import, lowest first.
    static let layers: [(folder: String, may: Set<String>)] = [
        ("Sources/ClinicStorage", ["ClinicKit", "CSQLite", "CLibPQ", "Crypto"]),
        ("Sources/ClinicEngine", ["ClinicKit", "ClinicKitFHIR", "ClinicStorage", "CFault", "Crypto", "_CryptoExtras", "Yams"]),
        ("Sources/ClinicScript", ["ClinicKit", "ClinicStorage", "ClinicEngine"]),
        ("Sources/ClinicShell", ["ClinicKit", "ClinicStorage", "ClinicEngine", "ClinicScript", "CLineEdit"]),
        ("Sources/clinic", ["ClinicShell"]),
        ("Sources/ClinicKitTesting", ["ClinicKit", "ClinicStorage", "ClinicEngine", "ClinicScript"]),
        ("Plugins", ["ClinicKit", "ClinicKitFHIR", "ClinicIntake", "ClinicScreening", "ClinicConsent", "ClinicDosing", "ClinicMonitoring", "ClinicFollowUp"]),
    ]
    /// What every file may import.
    static let system: Set<String> = ["Foundation", "FoundationEssentials", "Glibc", "Synchronization", "Dispatch"]

    static func swiftFiles(under folder: String) throws -> [URL] {
        let root = Harness.repository.appendingPathComponent(folder)
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        return (walker?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }
    }

    /// `import X`, `internal import X`, `@testable import X`, `@preconcurrency import X`.
    static func imports(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                  words[..<i].allSatisfy({ $0.hasPrefix("@") || ["internal", "package", "public", "private"].contains($0) })
            else { return nil }
            return words[i + 1]
        }
    }

    @Test func noFileImportsALayerAboveItsOwn() throws {
        var wrong: [String] = []
        for layer in Self.layers {
            let files = try Self.swiftFiles(under: layer.folder)
            #expect(!files.isEmpty, "no sources under \(layer.folder)")
            for file in files {
                for module in Self.imports(try String(contentsOf: file, encoding: .utf8))
                where !layer.may.contains(module) && !Self.system.contains(module) {
                    wrong.append("\(file.path.replacingOccurrences(of: Harness.repository.path + "/", with: "")) imports \(module)")
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    /// SQL in a string anywhere but the storage layer: a statement's opening words.
    static let statement = try! NSRegularExpression(
        pattern: #"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+TABLE|PRAGMA\s+\w|BEGIN\s+(IMMEDIATE|TRANSACTION)|SAVEPOINT\s)"#)

    @Test func everySQLStatementIsInTheStorageLayer() throws {
        var found: [String] = []
        for folder in ["Sources/ClinicEngine", "Sources/ClinicScript", "Sources/ClinicShell", "Sources/clinic", "Sources/ClinicKit", "Plugins"] {
            for file in try Self.swiftFiles(under: folder) {
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (n, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                    let text = String(line)
                    if Self.statement.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
                        found.append("\(file.lastPathComponent):\(n + 1): \(text.trimmingCharacters(in: .whitespaces).prefix(80))")
                    }
                }
            }
        }
        #expect(found.isEmpty, "SQL outside ClinicStorage:\n\(found.joined(separator: "\n"))")
        // The pattern finds what it is for.
        let sample = #"try db.query("SELECT id FROM records WHERE x = ?")"#
        #expect(Self.statement.firstMatch(in: sample, range: NSRange(sample.startIndex..., in: sample)) != nil)
    }
}
}
