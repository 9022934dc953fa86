// swift-tools-version:6.0
// ClinicKitFHIR: the builders clinic modules write FHIR R4 resources with (FHIRExport, FHIRItem).
//
// A package of its own beside ClinicKit, which it uses as a product: a target of the ClinicKit
// package would link ClinicKit's code into each module statically, a second copy the loader
// refuses. Its library is static: plain functions of `Value`, linked into each module that writes
// FHIR (and the host), so that they can grow without touching ClinicKit's binary interface.
import PackageDescription

let package = Package(
    name: "ClinicKitFHIR",
    products: [
        .library(name: "ClinicKitFHIR", targets: ["ClinicKitFHIR"]),
    ],
    dependencies: [
        .package(path: "../ClinicKit"),
    ],
    targets: [
        .target(name: "ClinicKitFHIR", dependencies: [.product(name: "ClinicKit", package: "ClinicKit")]),
    ],
    swiftLanguageModes: [.v6]
)
