/// The binary contract between the `clinic` host and a module library.
///
/// A module library exports two C symbols, and the host reads them in this order before it
/// touches any Swift object in the library:
///
/// 1. `clinic_module_abi_version`, a function returning the ``ClinicKitABI/version`` the module
///    was *compiled* against. The host refuses the library when it differs from its own.
/// 2. `clinic_module_entry`, a function returning the module object, retained, as an opaque
///    pointer. The host takes it with a checked cast to ``ClinicModule``.
///
/// Write both with ``ClinicModuleExport``:
///
/// ```swift
/// import ClinicKit
///
/// @_cdecl("clinic_module_abi_version")
/// public func clinicModuleABIVersion() -> Int32 { ClinicKitABI.version }
///
/// @_cdecl("clinic_module_entry")
/// public func clinicModuleEntry() -> UnsafeMutableRawPointer {
///     ClinicModuleExport.retain(ChecklistModule())
/// }
/// ```
public enum ClinicKitABI {
    /// The ABI number, compiled into the caller.
    ///
    /// It is emitted into the client, so a module reports the number of the SDK it was built
    /// against, not the number of the SDK the host happens to load. ClinicKit is built with library
    /// evolution, so additions keep it: a new type, function, stored property, case of a non-frozen
    /// enum, or protocol requirement with a default. A removed or changed declaration, a case added
    /// to a frozen enum or a requirement without a default needs a new number; `Scripts/sdk-api`
    /// (run by CI) compares the interface with the one recorded for this number and says so.
    @_alwaysEmitIntoClient
    public static var version: Int32 { 11 }

    /// The SDK's semantic version, for display and for a module's declared compatible range.
    @_alwaysEmitIntoClient
    public static var sdkVersion: String { "0.13.0" }

    /// The name of the symbol that reports a module's ABI number.
    public static let abiSymbol = "clinic_module_abi_version"

    /// The name of the symbol that creates a module.
    public static let entrySymbol = "clinic_module_entry"

    /// The name of the optional symbol by which a module states the SDK versions it supports, as
    /// a C string `FROM..<TO` (`0.6.0..<0.7.0`). The host refuses the module, naming both versions,
    /// when its own ``sdkVersion`` is outside. Write it with ``ClinicModuleExport/sdkRange(_:)``.
    public static let sdkRangeSymbol = "clinic_module_sdk_range"

    /// The name of a symbol defined once, in ClinicKit itself.
    ///
    /// The host compares this symbol as seen from a module library with the one it sees itself:
    /// a difference means the module is bound to another copy of ClinicKit, and the host refuses it
    /// before any Swift object crosses.
    public static let anchorSymbol = "clinickit_anchor"
}

/// Marks this library as *the* copy of ClinicKit; see ``ClinicKitABI/anchorSymbol``.
///
/// *For the host's loader only.*
/// Public, so that the symbol is exported, but behind the `ClinicHost` SPI: not part of the
/// interface a module is written against (nor of the SDK reference).
@_cdecl("clinickit_anchor")
@_spi(ClinicHost) public func _clinicKitAnchor() -> Int32 { 1 }

/// Helpers for a module library's entry point.
public enum ClinicModuleExport {
    /// Returns `module` retained as an opaque pointer, for the `clinic_module_entry` symbol.
    ///
    /// The host takes ownership of the retain and keeps the module for the life of the process.
    public static func retain(_ module: any ClinicModule) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(module as AnyObject).toOpaque()
    }

    /// The SDK versions a module supports, for the `clinic_module_sdk_range` symbol:
    ///
    /// ```swift
    /// @_cdecl("clinic_module_sdk_range")
    /// public func clinicModuleSDKRange() -> UnsafeRawPointer { ClinicModuleExport.sdkRange("0.6.0..<0.7.0") }
    /// ```
    public static func sdkRange(_ range: StaticString) -> UnsafeRawPointer { UnsafeRawPointer(range.utf8Start) }
}
