// swift-tools-version:6.0
// ClinicKit: the SDK every clinic module is written against.
//
// It is a package of its own, with one `.dynamic` product, so that the host and every plugin share
// exactly one copy of its type metadata at run time (inside one package SwiftPM would link it
// statically into each binary, and protocol casts across dlopen would fail). See docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "ClinicKit",
    products: [
        .library(name: "ClinicKit", type: .dynamic, targets: ["ClinicKit"]),
    ],
    targets: [
        // Built for library evolution, as stable frameworks are: a stored property, a case of a
        // non-frozen enum or a requirement with a default added to the SDK does not change the
        // layout a module built against an earlier release was compiled with. The one warning that
        // mode gives, that Foundation on Linux is not built for it, is suppressed here; Scripts/sdk-api
        // type-checks the SDK without the mode, warnings as errors, so no other warning hides.
        .target(name: "ClinicKit", swiftSettings: [.unsafeFlags(["-enable-library-evolution", "-suppress-warnings"])]),
    ],
    swiftLanguageModes: [.v6]
)
