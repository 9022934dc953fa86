import Foundation
import Testing

/// A clinic's own module that misbehaves, built with swiftc against this ClinicKit at test time:
/// one that throws its own error, one that returns nonsense, one that traps. The first two end in
/// a message naming the module and the command and the shell goes on; the trap ends the process
/// after saying which module, and the database is intact.
extension EndToEnd {
@Suite struct ContainmentTests {
    static let source = """
        import ClinicKit
        struct Oops: Error, CustomStringConvertible { var description: String { "the flux capacitor is empty" } }
        public final class Wild: ClinicModule {
            public init() {}
            public let declaration = ModuleDeclaration(
                manifest: ModuleManifest(name: "wild", version: "0.0.1", summary: "misbehaves on purpose"),
                commands: [CommandSpec("note", summary: "records a note"), CommandSpec("throw", summary: "throws its own error"),
                           CommandSpec("nonsense", summary: "records an entry of no valid kind"), CommandSpec("trap", summary: "traps")])
            public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
                switch invocation.verb {
                case "note": try context.append(RecordDraft(kind: "note", payload: ["text": "fine"]))
                case "throw": throw Oops()
                case "nonsense": try context.append(RecordDraft(kind: "Not A Kind!", payload: [:]))
                default:
                    try context.append(RecordDraft(kind: "half", payload: [:]))
                    let items: [Int] = []
                    _ = items[Int(invocation.verb.count)]
                }
                return .lines("\\(invocation.verb) done")
            }
            public func facts(from record: any RecordReader) throws -> [Fact] { [] }
        }
        @_cdecl("clinic_module_abi_version") public func abi() -> Int32 { ClinicKitABI.version }
        @_cdecl("clinic_module_entry") public func entry() -> UnsafeMutableRawPointer { ClinicModuleExport.retain(Wild()) }
        """

    /// The swiftc on the test's PATH: the toolchain that built the program.
    static func swiftc() throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/opt/swift/usr/bin", "/usr/bin"]
        return try #require(dirs.map { $0 + "/swiftc" }.first { FileManager.default.isExecutableFile(atPath: $0) }, "swiftc is needed")
    }

    /// An entry that returns what is not a module object (a struct's bytes, a number, a C string)
    /// is refused with the file's name at every start; the clinic starts with the other modules.
    @Test(arguments: ["UnsafeMutableRawPointer(mutating: strdup(\"not a module\")!)",
                      "UnsafeMutableRawPointer(bitPattern: 0x1234)!",
                      "UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)"])
    func anEntryReturningABogusObjectIsRefusedByName(_ returned: String) throws {
        let h = try Harness()
        try h.provision()
        let plugins = h.folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        let file = try h.write("Bogus.swift", """
            import ClinicKit
            import Glibc
            @_cdecl("clinic_module_abi_version") public func abi() -> Int32 { ClinicKitABI.version }
            @_cdecl("clinic_module_entry") public func entry() -> UnsafeMutableRawPointer { \(returned) }
            """)
        let built = try h.run(["-emit-library", "-parse-as-library", "-module-name", "Bogus", "-I", Harness.products.appendingPathComponent("Modules").path,
                               "-L", Harness.products.path, "-lClinicKit", file, "-o", plugins.appendingPathComponent("libBogus.so").path],
                              executable: try Self.swiftc())
        try #require(built.status == 0, "swiftc: \(built.stderr)")
        let run = try h.run(["--plugins", plugins.path, "--user", "nora", "-c", "modules"], env: Harness.nurse)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("libBogus.so refused: its clinic_module_entry returned something that is not a module object"), "\(run.stderr)")
        #expect(run.stdout.contains("dosing"), "the shipped modules still load")
    }

    @Test func aModuleThatThrowsReturnsNonsenseOrTrapsIsNamedAndTheRecordStaysIntact() throws {
        let h = try Harness()
        try h.provision()
        let plugins = h.folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        let file = try h.write("Wild.swift", Self.source)
        let built = try h.run(["-emit-library", "-parse-as-library", "-module-name", "Wild", "-I", Harness.products.appendingPathComponent("Modules").path,
                               "-L", Harness.products.path, "-lClinicKit", file, "-o", plugins.appendingPathComponent("libWild.so").path],
                              executable: try Self.swiftc())
        try #require(built.status == 0, "swiftc: \(built.stderr)")

        let run = try h.run(["--plugins", plugins.path, "--user", "nora", "--keep-going", "-c", "patient new --name A --dob 1980-01-01 --sex F",
                             "-c", "visit start --kind infusion", "-c", "wild note", "-c", "wild throw", "-c", "wild nonsense", "-c", "wild note", "-c", "wild trap",
                             "-c", "wild note"], env: Harness.nurse)
        // A module's own error type is named, not printed: it is runtime text, and may hold anything.
        #expect(run.stderr.contains("error: module wild failed in 'wild throw' with an error of its own (Oops); nothing of it was recorded"), "\(run.stderr)")
        #expect(!run.stderr.contains("flux capacitor"), "\(run.stderr)")
        #expect(run.stderr.contains("module wild tried to record an entry of kind 'Not A Kind!'"), "\(run.stderr)")
        #expect(run.stderr.contains("clinic: module wild (\(plugins.appendingPathComponent("libWild.so").path)) stopped the program in 'wild trap'. Nothing of that command was recorded"),
                "\(run.stderr)")
        #expect(run.status != 0 && run.status != 1, "the trap ends the process: \(run.status)")
        if !h.onServer { #expect(try h.sql("PRAGMA integrity_check") == ["ok"]) }
        #expect(try h.sql("SELECT kind FROM records WHERE module = 'wild'") == ["note", "note"], "the notes before the trap, nothing of it")
        let verify = try h.run(["--user", "nora", "-c", "audit verify"], env: Harness.nurse)
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}
}
