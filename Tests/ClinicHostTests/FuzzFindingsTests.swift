import ClinicKit
import Foundation
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import Testing

/// Every input Scripts/fuzz ever found failing (Tests/Fuzz/found), replayed through the same checks
/// as the fuzz targets, on the real code: each stays fixed.
@Suite struct FuzzFindingsTests {
    static let found = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/found")

    static func inputs(_ target: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: found.path)) ?? []
        return names.filter { $0.hasPrefix(target + "-") }.sorted()
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: found.appendingPathComponent(name)), as: UTF8.self)
    }

    @Test(arguments: inputs("tokenizer"))
    func tokenizer(_ name: String) throws {
        guard let words = try? Tokenizer.words(try Self.text(name)) else { return }
        for word in words { #expect(try Tokenizer.words(Tokenizer.quote(word)) == [word], "\(name)") }
    }

    @Test(arguments: inputs("script"))
    func script(_ name: String) throws {
        let text = try Self.text(name)
        var previous = 0
        for line in ScriptText.lines(of: text) {
            #expect(line.number > previous && !line.text.isEmpty && !line.text.hasPrefix("#"), "\(name)")
            previous = line.number
        }
        _ = try? CSVTable(text: text, name: name)
    }

    @Test(arguments: inputs("values"))
    func values(_ name: String) throws {
        let text = try Self.text(name)
        if let value = try? Value(json: text) { #expect(try Value(json: value.canonicalJSON) == value, "\(name)") }
    }

    @Test func theFindingsAreHere() {
        #expect(!Self.inputs("tokenizer").isEmpty, "the fuzzer's first finding is kept as a regression input")
    }
}
