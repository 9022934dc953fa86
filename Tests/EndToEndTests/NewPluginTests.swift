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
        let built = try h.run(["build", "--package-path", package.path], env: toolchain, executable: swift)
        try #require(built.status == 0, "swift build: \(built.stdout) \(built.stderr)")
        let tested = try h.run(["test", "--package-path", package.path], env: toolchain, executable: swift)
        #expect(tested.status == 0, "swift test: \(tested.stdout) \(tested.stderr)")

        // Only the module's library goes into the plugin folder.
        let plugins = h.folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: package.appendingPathComponent(".build/debug/libBedside.so"), to: plugins.appendingPathComponent("libBedside.so"))
        let run = try h.run(["--plugins", plugins.path, "--user", "nora", "-c", "modules", "-c", "patient new --name A --dob 1980-01-01 --sex F",
                             "-c", "visit start", "-c", "bedside note patient comfortable", "-c", "expect fact bedside.noted"], env: Harness.nurse)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("bedside") && run.stdout.contains("loaded (--plugins)"), "\(run.stdout)")
        #expect(try h.sql("SELECT module, kind, json_extract(payload, '$.text') FROM records WHERE module = 'bedside'") == ["bedside|note|patient comfortable"])
    }
}
}
