import ClinicKit
import Foundation
import Testing

/// The plugin loader, through the real program: every kind of bad library is refused with its own
/// one-line reason, and the shell still starts with the good modules.
extension EndToEnd {
@Suite struct LoaderTests {
    /// Builds a C shared library from `source` with the system's C compiler.
    func compile(_ h: Harness, _ name: String, _ source: String) throws -> String {
        let c = try h.write(name + ".c", source)
        let out = h.folder.appendingPathComponent("plugins/\(name).so").path
        let r = try h.run(["-shared", "-fPIC", "-o", out, c], executable: "/usr/bin/cc")
        try #require(r.status == 0, "cc failed: \(r.stderr)")
        return out
    }

    @Test func badLibrariesAreRefusedAndTheRestLoad() throws {
        let h = try Harness()
        let plugins = h.folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        var random = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }).write(to: plugins.appendingPathComponent("random.so"))
        try "not a library\n".write(to: plugins.appendingPathComponent("notes.so"), atomically: true, encoding: .utf8)
        _ = try compile(h, "wrongabi", "int clinic_module_abi_version(void) { return 999; }\n")
        _ = try compile(h, "plainlib", "int add(int a, int b) { return a + b; }\n")
        // The right ABI, but its author says it works only with an older SDK.
        _ = try compile(h, "oldrange", "int clinic_module_abi_version(void) { return \(ClinicKitABI.version); }\n"
                        + "const char *clinic_module_sdk_range(void) { return \"0.1.0..<0.2.0\"; }\n")
        // The same module twice: a copy of Intake in the plugin folder, and the built-in one.
        try FileManager.default.copyItem(at: Harness.products.appendingPathComponent("libClinicIntake.so"),
                                         to: plugins.appendingPathComponent("libIntakeCopy.so"))

        let r = try h.run(["--plugins", plugins.path, "-c", "modules"])
        #expect(r.status == 0, "the program still runs: \(r.stderr)")
        let err = r.stderr
        #expect(err.contains("random.so refused: cannot be opened as a library (invalid ELF header)"))
        #expect(err.contains("notes.so refused: cannot be opened as a library (file too short)"))
        #expect(err.contains("plainlib.so refused: is not a clinic module (no clinic_module_abi_version symbol)"))
        #expect(err.contains("wrongabi.so refused: was built for module ABI 999, this clinic needs ABI \(ClinicKitABI.version); rebuild it"))
        // A clinic's module named like a shipped one is refused; the shipped one loads.
        #expect(err.contains("libIntakeCopy.so refused: is named 'intake' like the shipped module; rename it, or say replacesShipped: true"))
        #expect(err.contains("oldrange.so refused: supports ClinicKit 0.1.0..<0.2.0, but this clinic has ClinicKit \(ClinicKitABI.sdkVersion); rebuild it"))
        #expect(err.split(separator: "\n").count == 6, "one line per refusal: \(err)")
        // `modules` lists the loaded module and each refusal.
        #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix("  intake ") && $0.contains(" 1.0.0 ") })
        #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix("  intake ") && $0.contains("loaded (built-in)") })
        #expect(r.stdout.split(separator: "\n").filter { $0.contains("refused:") }.count == 6)
    }

    @Test func libraryWithoutClinicKitIsRefused() throws {
        let h = try Harness()
        try FileManager.default.createDirectory(at: h.folder.appendingPathComponent("plugins"), withIntermediateDirectories: true)
        _ = try compile(h, "fakeabi", "int clinic_module_abi_version(void) { return \(ClinicKitABI.version); }\nvoid *clinic_module_entry(void) { return 0; }\n")
        let r = try h.run(["--plugins", h.folder.appendingPathComponent("plugins").path, "-c", "modules"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("fakeabi.so refused: does not link ClinicKit; rebuild it as a ClinicKit module"))
    }

    @Test func builtInModulesLoadFromBesideTheProgram() throws {
        let h = try Harness()
        let r = try h.run(["-c", "modules"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        // All six, each one's contracts with the others holding (a refusal would be on stderr).
        #expect(r.stdout.split(separator: "\n").filter { $0.contains("loaded (built-in)") }.count == 6, "\(r.stdout)")
    }
}
}
