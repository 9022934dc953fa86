import Foundation
import Testing

/// docs/PLUGINS.md and docs/INSTRUMENTS.md, followed word for word from a new folder: their
/// `sh tutorial` blocks run in order in one shell, and their `swift`, `clinic` and `json`
/// `file=PATH` blocks are written where they say. A stale tutorial fails.
extension EndToEnd {
@Suite struct TutorialTests {
    /// The tutorial as one bash script.
    static func script(_ markdown: String) -> (script: String, steps: Int) {
        var out = ["set -euo pipefail"]
        var steps = 0
        var block: [String]?
        var kind = ""
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if block == nil, line.hasPrefix("```") {
                kind = String(line.dropFirst(3))
                block = []
            } else if block != nil, line == "```" {
                if kind == "sh tutorial" {
                    out += block ?? []
                    steps += 1
                } else if let file = kind.range(of: " file="), ["swift", "clinic", "json"].contains(String(kind[..<file.lowerBound])) {
                    let path = String(kind[file.upperBound...])
                    out += ["mkdir -p \"$(dirname '\(path)')\"", "cat > '\(path)' <<'CLINIC_TUTORIAL_EOF'"] + (block ?? []) + ["CLINIC_TUTORIAL_EOF"]
                    steps += 1
                }
                block = nil
            } else if block != nil {
                block?.append(line)
            }
        }
        return (out.joined(separator: "\n") + "\n", steps)
    }

    @Test func theSDKReferenceIsCurrent() throws {
        let h = try Harness()
        let r = try h.run([Harness.repository.appendingPathComponent("Scripts/sdk-reference").path, "--check"], executable: "/usr/bin/python3")
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// The tutorial of `doc` (under docs/), run as a reader runs it: from the checkout, with
    /// `tools` first on the PATH, then the system's, and nothing else defined (the harness's HOME
    /// is the test's folder).
    static func runTutorial(_ doc: String, tools: String, seconds: Double) throws -> (Harness, Harness.Result) {
        let h = try Harness()
        let tutorial = Self.script(try String(contentsOf: Harness.repository.appendingPathComponent("docs/" + doc), encoding: .utf8))
        #expect(tutorial.steps >= 7, "\(doc): \(tutorial.steps) steps")
        let path = try h.write("tutorial.sh", tutorial.script)
        let r = try h.run([path], env: ["PATH": "\(tools):/usr/bin:/bin"], executable: "/bin/bash", in: Harness.repository, seconds: seconds)
        #expect(r.status == 0, "the tutorial failed: \(r.stdout)\n\(r.stderr)")
        return (h, r)
    }

    @Test func thePluginTutorialWorksAsWritten() throws {
        // The toolchain a reader builds the module with.
        let swift = URL(fileURLWithPath: try ContainmentTests.swiftc()).deletingLastPathComponent().path
        let (h, r) = try Self.runTutorial("PLUGINS.md", tools: swift, seconds: 1500)
        #expect(r.stdout.contains("checklist") && r.stdout.contains("loaded (--plugins)"), "\(r.stdout)")
        #expect(r.stdout.contains("requires: intake.weight"), "help shows the declaration")
        // The protocol's clinic.also_requires holds dosing start for the clinic's own checklist.
        // (help wraps at 80 columns: the words are compared, not the lines)
        let words = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("requires: screening.eligible, consent.signed, monitoring.baseline, followup.baseline, checklist.done"), "\(r.stdout)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE module = 'checklist'", in: h.folder.appendingPathComponent("checklist/tutorial.sqlite").path) == ["2"])
    }

    /// From nothing to the Insomnia Severity Index loaded, its examples catching a wrong weight,
    /// asked at two visits, trended against its minimal important difference, and exported.
    @Test func theInstrumentTutorialWorksAsWritten() throws {
        let started = Date()
        // The reader's python3 (the one fhir.resources is installed for).
        let python = URL(fileURLWithPath: Harness.tool("python3")).deletingLastPathComponent().path
        let (h, r) = try Self.runTutorial("INSTRUMENTS.md", tools: python, seconds: 300)
        let out = r.stdout + r.stderr
        #expect(out.contains("insomnia (Insomnia Severity Index, 7 items, 0–28)"), "help shows it: \(out)")
        #expect(out.contains("wrong/isi.json refused:") && out.contains("example 5: total is 23 by the instrument's scoring; the example says 22"), "\(out)")
        #expect(out.contains("ISI 19 · clinical insomnia, moderate") && out.contains("ISI 9 · subthreshold insomnia"), "\(out)")
        #expect(out.contains("ISI, lower is better; a change of 6 points matters") && out.contains("since 2026-11-02: better by 10, at least the 6 that matters"),
                "\(out)")
        #expect(r.stdout.contains("valid") && r.stdout.contains("1 Questionnaire, 2 QuestionnaireResponse"), "\(r.stdout)")
        let sleep = h.folder.appendingPathComponent("sleep")
        #expect(try h.sql("SELECT json_extract(payload, '$.total') || ' ' || json_extract(payload, '$.questionnaire') FROM records WHERE kind = 'isi' ORDER BY id",
                          in: sleep.appendingPathComponent("training.sqlite").path)
                == ["19 https://clinic.example.org/fhir/Questionnaire/isi|1.0.0", "9 https://clinic.example.org/fhir/Questionnaire/isi|1.0.0"])
        // What a reader waits for, the program's own part (the reading and typing are the reader's).
        print("the instrument tutorial ran in \(Int(Date().timeIntervalSince(started))) s")
    }
}
}
