// swift-tools-version:6.0
// ClinicKitTesting: a small host for a clinic module's own unit tests, without the shell or a
// database. A package of its own beside ClinicKit, which it uses as a product (the one shared copy).
import PackageDescription

let package = Package(
    name: "ClinicKitTesting",
    products: [
        .library(name: "ClinicKitTesting", targets: ["ClinicKitTesting"]),
    ],
    dependencies: [
        .package(path: "../ClinicKit"),
    ],
    targets: [
        .target(name: "ClinicKitTesting", dependencies: [.product(name: "ClinicKit", package: "ClinicKit")]),
    ],
    swiftLanguageModes: [.v6]
)
