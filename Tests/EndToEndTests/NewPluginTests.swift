import Foundation
import Testing

/// A clinic's developer's first ten minutes: Scripts/new-plugin makes a package outside the
/// checkout, it builds and tests with one command each, and the clinic loads what it built.
extension EndToEnd {
@Suite struct NewPluginTests {
    @Test func aNewPluginBuildsTestsAndLoads() throws {
        let h = try Harness()
        try h.provision()
        let script = Harness.repository.appendingPathComponent("Scripts/new-plugin").path
        let package = h.folder.appendingPathComponent("bedside")
        #expect(try h.run([script, "Bed Side"], executable: "/bin/bash").stderr.contains("'Bed Side' is not a module name"))
        #expect(try h.run([script, "bedside", "--dir", Harness.repository.appendingPathComponent("x").path], executable: "/bin/bash")
                .stderr.contains("is inside the clinic checkout"))
        let made = try h.run([script, "bedside", "--dir", package.path], executable: "/bin/bash")
        #expect(made.status == 0, "\(made.stderr)")

        let swift = try ContainmentTests.swiftc().replacingOccurrences(of: "/swiftc", with: "/swift")
        let toolchain = ["PATH": URL(fileURLWithPath: swift).deletingLastPathComponent().path + ":/usr/bin:/bin"]
        let built = try h.run(["build", "--package-path", package.path], env: toolchain, executable: swift, seconds: 1500)
        try #require(built.status == 0, "swift build: \(built.stdout) \(built.stderr)")
        let tested = try h.run(["test", "--package-path", package.path], env: toolchain, executable: swift, seconds: 1500)
        #expect(tested.status == 0, "swift test: \(tested.stdout) \(tested.stderr)")

        // Only the module's library goes into the plugin folder.
        let plugins = h.folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: package.appendingPathComponent(".build/debug/libBedside.so"), to: plugins.appendingPathComponent("libBedside.so"))
        let run = try h.run(["--plugins", plugins.path, "--user", "nora", "-c", "modules", "-c", "patient new --name A --dob 1980-01-01 --sex F --mrn BED-1",
                             "-c", "visit start --kind infusion", "-c", "bedside note patient comfortable", "-c", "expect fact bedside.noted"], env: Harness.nurse)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("bedside") && run.stdout.contains("loaded (--plugins)"), "\(run.stdout)")
        #expect(try h.sql("SELECT module, kind, json_extract(payload, '$.text') FROM records WHERE module = 'bedside'") == ["bedside|note|patient comfortable"])

        // The clinic's own module exports too: its note is in the patient's FHIR bundle, with the
        // Provenance the clinic adds, and the bundle validates.
        let bundle = h.folder.appendingPathComponent("bed-1.json").path
        let exported = try h.run(["--plugins", plugins.path, "--user", "admin", "-c", "export fhir BED-1 --out \(bundle)"], env: ["CLINIC_PASSWORD": "admin-pass1"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let json = try String(contentsOfFile: bundle, encoding: .utf8)
        #expect(json.contains("\"valueString\":\"patient comfortable\"") && json.contains("\"reference\":\"Observation/bedside-"))
        let valid = try h.run([Harness.repository.appendingPathComponent("Scripts/fhir-validate").path, bundle], executable: Harness.tool("python3"))
        #expect(valid.status == 0 && valid.stdout.contains("1 Observation"), "\(valid.stdout) \(valid.stderr)")
    }
}
}
