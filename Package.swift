// swift-tools-version:6.0
// clinic: a plugin-based clinical workflow shell for ketamine-infusion clinics.
//
// Arrows point one way: clinic -> ClinicShell -> ClinicScript -> ClinicEngine -> ClinicStorage -> ClinicKit,
// and Plugins/* -> ClinicKit.
// ClinicKit is a nested package with a `.dynamic` product (see docs/ARCHITECTURE.md, "One copy of the SDK").
import PackageDescription

let fhir = Target.Dependency.product(name: "ClinicKitFHIR", package: "ClinicKitFHIR")

let package = Package(
    name: "clinic",
    products: [
        .executable(name: "clinic", targets: ["clinic"]),
        // The shipped workflow modules: loaded at run time with dlopen, never linked by the host.
        // Each is the module's code plus a small Entry target holding the two symbols the loader
        // looks up, so that tests can link several modules into one test binary.
        .library(name: "ClinicIntake", type: .dynamic, targets: ["ClinicIntakeEntry"]),
        .library(name: "ClinicScreening", type: .dynamic, targets: ["ClinicScreeningEntry"]),
        .library(name: "ClinicConsent", type: .dynamic, targets: ["ClinicConsentEntry"]),
        .library(name: "ClinicDosing", type: .dynamic, targets: ["ClinicDosingEntry"]),
        .library(name: "ClinicMonitoring", type: .dynamic, targets: ["ClinicMonitoringEntry"]),
        .library(name: "ClinicFollowUp", type: .dynamic, targets: ["ClinicFollowUpEntry"]),
        // The SDK's test host: the clinic's own engine over an in-memory record, for a module's
        // unit tests. A clinic's module package depends on this checkout for it (Scripts/new-plugin).
        .library(name: "ClinicKitTesting", targets: ["ClinicKitTesting"]),
    ],
    dependencies: [
        .package(path: "Sources/ClinicKit"),
        .package(path: "Sources/ClinicKitFHIR"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The clinic protocol is YAML: human-edited, and Yams keeps each value's line for error messages.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // libpq, the client library psql itself uses, for a clinic's PostgreSQL server.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "CLineEdit", linkerSettings: [.linkedLibrary("edit")]),
        .target(name: "CFault"),

        // Host, in layers; each arrow points one way (docs/ARCHITECTURE.md, "Layers"):
        // clinic -> ClinicShell -> ClinicScript -> ClinicEngine -> ClinicStorage -> ClinicKit.
        // Every SQL statement, and the only imports of CSQLite and CLibPQ, are in ClinicStorage.
        .target(
            name: "ClinicStorage",
            dependencies: [
                .product(name: "ClinicKit", package: "ClinicKit"),
                "CSQLite",
                "CLibPQ",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ClinicEngine",
            dependencies: [
                "ClinicStorage",
                "CFault",
                .product(name: "ClinicKit", package: "ClinicKit"),
                fhir,
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/clinic-protocol.yaml"), .copy("Resources/consent-ketamine.txt"), .copy("Resources/instruments")]
        ),
        .target(name: "ClinicScript", dependencies: ["ClinicEngine", "ClinicStorage", .product(name: "ClinicKit", package: "ClinicKit")]),
        .target(name: "ClinicShell", dependencies: ["ClinicScript", "ClinicEngine", "ClinicStorage", "CLineEdit",
                                                    .product(name: "ClinicKit", package: "ClinicKit")]),
        .executableTarget(name: "clinic", dependencies: ["ClinicShell"]),
        // The SDK's test host sits on the engine beside the script layer: one pipeline for modules' tests and the clinic.
        .target(name: "ClinicKitTesting", dependencies: ["ClinicScript", "ClinicEngine", "ClinicStorage", .product(name: "ClinicKit", package: "ClinicKit")]),

        // Plugins
        .target(name: "ClinicIntake", dependencies: [.product(name: "ClinicKit", package: "ClinicKit"), fhir], path: "Plugins/Intake/Module"),
        .target(name: "ClinicIntakeEntry", dependencies: ["ClinicIntake", .product(name: "ClinicKit", package: "ClinicKit")],
                path: "Plugins/Intake/Entry"),
        .target(name: "ClinicScreening", dependencies: [.product(name: "ClinicKit", package: "ClinicKit"), fhir], path: "Plugins/Screening/Module"),
        .target(name: "ClinicScreeningEntry", dependencies: ["ClinicScreening", .product(name: "ClinicKit", package: "ClinicKit")],
                path: "Plugins/Screening/Entry"),
        .target(name: "ClinicConsent", dependencies: [.product(name: "ClinicKit", package: "ClinicKit"), fhir], path: "Plugins/Consent/Module"),
        .target(name: "ClinicConsentEntry", dependencies: ["ClinicConsent", .product(name: "ClinicKit", package: "ClinicKit")],
                path: "Plugins/Consent/Entry"),
        .target(name: "ClinicDosing", dependencies: [.product(name: "ClinicKit", package: "ClinicKit"), fhir], path: "Plugins/Dosing/Module"),
        .target(name: "ClinicDosingEntry", dependencies: ["ClinicDosing", .product(name: "ClinicKit", package: "ClinicKit")],
                path: "Plugins/Dosing/Entry"),
        .target(name: "ClinicMonitoring", dependencies: [.product(name: "ClinicKit", package: "ClinicKit"), fhir], path: "Plugins/Monitoring/Module"),
        .target(name: "ClinicMonitoringEntry", dependencies: ["ClinicMonitoring", .product(name: "ClinicKit", package: "ClinicKit")],
                path: "Plugins/Monitoring/Entry"),
        .target(name: "ClinicFollowUp", dependencies: [.product(name: "ClinicKit", package: "ClinicKit"), fhir], path: "Plugins/FollowUp/Module"),
        .target(name: "ClinicFollowUpEntry", dependencies: ["ClinicFollowUp", .product(name: "ClinicKit", package: "ClinicKit")],
                path: "Plugins/FollowUp/Entry"),

        // Tests
        .target(name: "ClinicTestSupport", dependencies: ["ClinicKitTesting", "ClinicShell", "ClinicScript", "ClinicEngine", "ClinicStorage"], path: "Tests/ClinicTestSupport"),
        .testTarget(name: "ClinicKitTests", dependencies: [.product(name: "ClinicKit", package: "ClinicKit")]),
        .testTarget(name: "ClinicKitTestingTests", dependencies: ["ClinicKitTesting", "ClinicIntake", "ClinicDosing",
                                                                  .product(name: "ClinicKit", package: "ClinicKit")]),
        .testTarget(name: "ClinicHostTests", dependencies: ["ClinicTestSupport"]),
        .testTarget(name: "IntakeTests", dependencies: ["ClinicIntake", "ClinicTestSupport"]),
        .testTarget(name: "ScreeningTests", dependencies: ["ClinicScreening", "ClinicIntake", "ClinicTestSupport"]),
        .testTarget(name: "ConsentTests", dependencies: ["ClinicConsent", "ClinicTestSupport"]),
        .testTarget(name: "DosingTests", dependencies: ["ClinicDosing", "ClinicMonitoring", "ClinicIntake", "ClinicConsent", "ClinicTestSupport"]),
        .testTarget(name: "FollowUpTests", dependencies: ["ClinicFollowUp", "ClinicDosing", "ClinicMonitoring", "ClinicIntake", "ClinicConsent", "ClinicScreening",
                                                       "ClinicTestSupport"]),
        .testTarget(name: "MonitoringTests", dependencies: ["ClinicMonitoring", "ClinicDosing", "ClinicIntake", "ClinicConsent", "ClinicTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ClinicShell", "ClinicScript", "ClinicEngine", "ClinicStorage", "ClinicTestSupport"]),
        // The stateful dose fuzzer: every shipped module through the real engine, and an oracle of its own.
        .testTarget(name: "SafetyTests", dependencies: ["ClinicIntake", "ClinicScreening", "ClinicConsent", "ClinicDosing", "ClinicMonitoring",
                                                       "ClinicTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
