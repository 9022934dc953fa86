import ClinicConsent
import ClinicDosing
import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicTestSupport
import Foundation
@testable import ClinicMonitoring

/// The shipped clinic protocol's settings, with changes where a test says.
func settings(_ overrides: [String: Value] = [:]) throws -> ClinicProtocol {
    var p = try shippedProtocol(for: [LoadedModule(module: MonitoringModule(), file: "test", origin: "test")]).settings
    for (key, value) in overrides {
        precondition(p.values[key] != nil, "no setting \(key)")
        p.values[key] = value
    }
    return p
}

func criteria(_ overrides: [String: Value] = [:]) throws -> Criteria { try Criteria(settings(overrides)) }

/// A clinic with every module but screening (stood in for), three staff, and one patient whose
/// order is double-checked and whose baseline (BP 128/80, HR 74) is taken: ready to start.
func clinicReadyToStart(alert: String? = nil) throws -> Clinic {
    let c = try Clinic(modules: [IntakeModule(), StandInScreening(alert: alert), ConsentModule(), DosingModule(), MonitoringModule()])
    try c.readyPatient()
    try c.verifiedOrder()
    return c
}
