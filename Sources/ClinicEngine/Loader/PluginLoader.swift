import ClinicKit
import ClinicStorage
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A folder the loader looks in, and why it looks there.
package struct PluginFolder: Sendable, Equatable {
    /// The folder.
    package var path: String
    /// Where the folder came from (`--plugins`, `CLINIC_PLUGIN_PATH`, `built-in`), shown by `modules`.
    package var origin: String

    package init(path: String, origin: String) {
        self.path = path
        self.origin = origin
    }

    /// The origin of the folder beside the program, which holds the shipped modules.
    package static let builtIn = "built-in"
}

/// A module that loaded.
package struct LoadedModule: @unchecked Sendable {
    /// The module object, kept for the life of the process.
    package let module: any ClinicModule
    /// Its declaration, read once.
    package let declaration: ModuleDeclaration
    /// The library file it came from.
    package let file: String
    /// The folder's origin.
    package let origin: String
    /// The ABI number the library reported.
    package let abi: Int32

    /// The shipped module's library this one replaces (its manifest says ``ModuleManifest/replacesShipped``).
    package var replaced: String?

    package var name: String { declaration.manifest.name }

    /// Whether it is one of the modules shipped with the program (found beside it).
    package var isShipped: Bool { origin == PluginFolder.builtIn }

    package init(module: any ClinicModule, file: String, origin: String, abi: Int32 = ClinicKitABI.version) {
        self.module = module
        self.declaration = module.declaration
        self.file = file
        self.origin = origin
        self.abi = abi
    }
}

/// A library that was refused, and why.
package struct RefusedPlugin: Error, Sendable, Equatable {
    /// The file.
    package var file: String
    /// The folder's origin.
    package var origin: String
    /// Why, in one line, with what to do.
    package var reason: String
    /// The ABI number it reported, if it got that far.
    package var abi: Int32?
}

/// What a scan of the plugin folders found.
package struct PluginReport: Sendable {
    package var loaded: [LoadedModule] = []
    package var refused: [RefusedPlugin] = []
    /// Folders that were named but could not be read.
    package var unreadable: [PluginFolder] = []

    package init() {}
}

/// Finds and loads module libraries.
///
/// Each `*.so` file in each folder, in order, is opened with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`
/// and checked before any Swift object in it is used: its ABI number (fixed into it when it was
/// built), that it is bound to the same copy of ClinicKit as the host, then its entry symbol and a
/// checked cast to ``ClinicModule``, then its declaration. Anything wrong refuses that one file with
/// a reason; the rest still load. No library is ever closed: unloading Swift code breaks the
/// runtime's conformance caches.
package struct PluginLoader: Sendable {
    /// The folders, in the order they are searched: a module found earlier wins over one of the same
    /// name found later.
    package var folders: [PluginFolder]
    /// The shell's own commands: their first words a module may not take as its name, and the
    /// commands a module may name as the shell's.
    package var host: HostCommandTable

    package init(folders: [PluginFolder], host: HostCommandTable) {
        self.folders = folders
        self.host = host
    }

    /// The standard search order: `--plugins` folders, then `$CLINIC_PLUGIN_PATH` (colon-separated),
    /// then the folder of the running executable.
    package static func standardFolders(explicit: [String], environment: [String: String]) -> [PluginFolder] {
        var folders = explicit.map { PluginFolder(path: $0, origin: "--plugins") }
        if let path = environment["CLINIC_PLUGIN_PATH"] {
            folders += path.split(separator: ":").map { PluginFolder(path: String($0), origin: "CLINIC_PLUGIN_PATH") }
        }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            folders.append(PluginFolder(path: (exe as NSString).deletingLastPathComponent, origin: PluginFolder.builtIn))
        }
        return folders
    }

    /// Loads every module the folders hold.
    ///
    /// Two modules of one name never both load. A shipped module (found beside the program) keeps
    /// its name unless the other's manifest says it replaces it (``ModuleManifest/replacesShipped``):
    /// a clinic's plugin that happens to share a name is refused, not silently put in its place.
    /// Between two others, the one found first loads.
    package func load() -> PluginReport {
        var report = PluginReport()
        var seenFiles: Set<String> = []
        var candidates: [LoadedModule] = []
        for folder in folders {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
                report.unreadable.append(folder)
                continue
            }
            for name in names.sorted() where name.hasSuffix(".so") && name != "libClinicKit.so" {
                let path = Self.absolute((folder.path as NSString).appendingPathComponent(name))
                let real = (path as NSString).resolvingSymlinksInPath
                guard seenFiles.insert(real).inserted else { continue }
                switch loadOne(path: path, origin: folder.origin) {
                case .success(let module): candidates.append(module)
                case .failure(let refusal): report.refused.append(refusal)
                }
            }
        }
        let checked = Self.check(candidates, host: host)
        report.loaded = checked.loaded
        report.refused += checked.refused
        return report
    }

    /// The checks every module passes once its library has given it: its declaration on its own,
    /// then names that collide, then the contracts between the modules. The SDK's test host runs
    /// the same checks on the modules a test gives it.
    package static func check(_ candidates: [LoadedModule], host: HostCommandTable) -> (loaded: [LoadedModule], refused: [RefusedPlugin]) {
        let reservedNames = host.reservedNames
        var refused: [RefusedPlugin] = []
        let declared = candidates.filter { module in
            guard let problem = DeclarationCheck.problems(in: module.declaration, reserved: reservedNames).first else { return true }
            refused.append(RefusedPlugin(file: module.file, origin: module.origin, reason: "declares an invalid module: \(problem)", abi: module.abi))
            return false
        }
        let chosen = choose(among: declared)
        // A module's other words (its aliases, its short forms) may not be another module's.
        var taken: [String: String] = [:]
        for module in chosen.loaded { taken[module.name] = module.name }
        let distinct = chosen.loaded.filter { module in
            let manifest = module.declaration.manifest
            let words = manifest.aliases + module.declaration.commands.flatMap { $0.shortForm?.words ?? [] }
            if let clash = words.first(where: { taken[$0] != nil && taken[$0] != module.name }) {
                refused.append(RefusedPlugin(file: module.file, origin: module.origin,
                                             reason: "declares '\(clash)' as a short word, which is module \(taken[clash]!)'s already; rename one", abi: module.abi))
                return false
            }
            for word in words { taken[word] = module.name }
            return true
        }
        let sound = ContractCheck.resolve(distinct, hostCommands: host.entries.map(\.name))
        return (sound.loaded, refused + chosen.refused + sound.refused)
    }

    /// Which of the modules found load, where names collide (see ``load()``).
    package static func choose(among candidates: [LoadedModule]) -> (loaded: [LoadedModule], refused: [RefusedPlugin]) {
        var report = PluginReport()
        for module in candidates {
            let name = module.name
            let shipped = candidates.first { $0.name == name && $0.isShipped }
            let replacement = candidates.first { $0.name == name && !$0.isShipped && $0.declaration.manifest.replacesShipped }
            let first = candidates.first { $0.name == name }!
            let chosen = shipped.map { replacement ?? $0 } ?? first
            if chosen.file == module.file {
                var kept = module
                if module.file == replacement?.file, let shipped { kept.replaced = shipped.file }
                report.loaded.append(kept)
                continue
            }
            let reason: String
            if module.isShipped {
                reason = "is replaced by \(chosen.file), whose manifest says it replaces the shipped '\(name)' module"
            } else if chosen.isShipped {
                reason = "is named '\(name)' like the shipped module; rename it, or say replacesShipped: true in its manifest if it is meant to take that module's place"
            } else {
                reason = "is a second module named '\(name)' (already loaded from \(chosen.file)); remove one of them"
            }
            report.refused.append(RefusedPlugin(file: module.file, origin: module.origin, reason: reason, abi: module.abi))
        }
        return (report.loaded, report.refused)
    }

    /// dlopen needs a path with a `/` in it, or it searches the system's library path instead.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    private func loadOne(path: String, origin: String) -> Result<LoadedModule, RefusedPlugin> {
        func refuse(_ reason: String, abi: Int32? = nil) -> Result<LoadedModule, RefusedPlugin> {
            .failure(RefusedPlugin(file: path, origin: origin, reason: reason, abi: abi))
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            return refuse("cannot be opened as a library (\(Self.shorten(why, path: path))); remove it from the plugin folder")
        }
        // Never dlclose(handle), refused or not.
        guard let abiSymbol = dlsym(handle, ClinicKitABI.abiSymbol) else {
            return refuse("is not a clinic module (no \(ClinicKitABI.abiSymbol) symbol); remove it from the plugin folder")
        }
        let abi = unsafeBitCast(abiSymbol, to: (@convention(c) () -> Int32).self)()
        guard abi == ClinicKitABI.version else {
            return refuse("was built for module ABI \(abi), this clinic needs ABI \(ClinicKitABI.version); rebuild it against this ClinicKit", abi: abi)
        }
        // The SDK versions the module's author says it works with.
        if let rangeSymbol = dlsym(handle, ClinicKitABI.sdkRangeSymbol) {
            let text = String(cString: unsafeBitCast(rangeSymbol, to: (@convention(c) () -> UnsafePointer<CChar>).self)())
            guard let range = Self.versionRange(text) else {
                return refuse("states the SDK range '\(Self.shorten(text, path: path).prefix(40))', which is not FROM..<TO (0.6.0..<0.7.0); fix it and rebuild", abi: abi)
            }
            guard let own = Self.version(ClinicKitABI.sdkVersion), range.contains(own) else {
                return refuse("supports ClinicKit \(text), but this clinic has ClinicKit \(ClinicKitABI.sdkVersion); rebuild it against this clinic's ClinicKit and widen its range", abi: abi)
            }
        }
        let ownAnchor = dlsym(UnsafeMutableRawPointer(bitPattern: 0), ClinicKitABI.anchorSymbol)
        let itsAnchor = dlsym(handle, ClinicKitABI.anchorSymbol)
        guard let itsAnchor else {
            return refuse("does not link ClinicKit; rebuild it as a ClinicKit module", abi: abi)
        }
        guard itsAnchor == ownAnchor else {
            return refuse("is bound to another copy of libClinicKit.so; delete that copy and load the module from beside the clinic program", abi: abi)
        }
        guard let entrySymbol = dlsym(handle, ClinicKitABI.entrySymbol) else {
            return refuse("has no \(ClinicKitABI.entrySymbol) symbol; export one with @_cdecl(\"\(ClinicKitABI.entrySymbol)\")", abi: abi)
        }
        let entry = unsafeBitCast(entrySymbol, to: (@convention(c) () -> UnsafeMutableRawPointer?).self)
        guard let raw = entry() else {
            return refuse("its \(ClinicKitABI.entrySymbol) returned nothing", abi: abi)
        }
        // What it returned must look like a Swift object before the runtime touches it: a bogus
        // pointer would crash this and every later start without saying which file it was.
        guard Self.looksLikeSwiftObject(raw) else {
            return refuse("its \(ClinicKitABI.entrySymbol) returned something that is not a module object; return Unmanaged.passRetained(YourModule()).toOpaque()", abi: abi)
        }
        let object = Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
        guard let module = object as? any ClinicModule else {
            return refuse("its \(ClinicKitABI.entrySymbol) did not return a ClinicModule", abi: abi)
        }
        return .success(LoadedModule(module: module, file: path, origin: origin, abi: abi))
    }

    /// Whether `pointer` is, as far as can be told without following it blindly, a Swift heap
    /// object: aligned, readable, and its first word the address of readable class metadata whose
    /// kind is a class's (0 where there is no Objective-C runtime).
    static func looksLikeSwiftObject(_ pointer: UnsafeMutableRawPointer) -> Bool {
        let address = UInt(bitPattern: pointer)
        guard address % 8 == 0, let header = readWords(at: address, count: 2) else { return false }
        let metadata = UInt(header[0])
        guard metadata % 8 == 0, let kind = readWords(at: metadata, count: 8) else { return false }
        return kind[0] == 0
    }

    /// `count` words at `address`, read without faulting (the kernel copies them into a pipe and
    /// answers EFAULT for memory that is not there); `nil` when they cannot be read.
    private static func readWords(at address: UInt, count: Int) -> [UInt64]? {
        guard address > 4096, let source = UnsafeRawPointer(bitPattern: address) else { return nil }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        defer { close(fds[0]); close(fds[1]) }
        let bytes = count * 8
        guard write(fds[1], source, bytes) == bytes else { return nil }
        var words = [UInt64](repeating: 0, count: count)
        guard words.withUnsafeMutableBytes({ read(fds[0], $0.baseAddress, bytes) }) == bytes else { return nil }
        return words
    }

    /// A version as numbers that compare in order: `0.6.1`.
    struct SDKVersion: Comparable {
        var parts: [Int]
        static func < (a: SDKVersion, b: SDKVersion) -> Bool { a.parts.lexicographicallyPrecedes(b.parts) }
    }

    static func version(_ text: String) -> SDKVersion? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...3).contains(parts.count), parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return SDKVersion(parts: parts.compactMap { $0 } + Array(repeating: 0, count: 3 - parts.count))
    }

    /// `0.6.0..<0.7.0`.
    static func versionRange(_ text: String) -> Range<SDKVersion>? {
        let bounds = text.components(separatedBy: "..<")
        guard bounds.count == 2, let low = version(bounds[0].trimmingCharacters(in: .whitespaces)),
              let high = version(bounds[1].trimmingCharacters(in: .whitespaces)), low < high else { return nil }
        return low..<high
    }

    /// dlerror repeats the path; keep the part after it.
    private static func shorten(_ message: String, path: String) -> String {
        guard let range = message.range(of: path + ": ") else { return message }
        return String(message[range.upperBound...])
    }
}
