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
        .target(name: "ClinicKit"),
    ],
    swiftLanguageModes: [.v6]
)
