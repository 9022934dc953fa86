import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicConsent
import ClinicIntake
import ClinicMonitoring
import ClinicKit
import ClinicTestSupport
import Foundation
@testable import ClinicDosing

/// The shipped clinic protocol's settings, as dosing reads them.
func shippedProtocolSettings() throws -> ClinicProtocol {
    try shippedProtocol(for: [LoadedModule(module: DosingModule(), file: "test", origin: "test")]).settings
}

/// The shipped drug library, with settings changed where a test says.
func library(_ overrides: [String: Value] = [:]) throws -> DrugLibrary {
    var settings = try shippedProtocolSettings()
    for (key, value) in overrides {
        precondition(settings.values[key] != nil, "no setting \(key)")
        settings.values[key] = value
    }
    return try DrugLibrary(settings)
}

let utc: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}()

/// 2026-11-24 09:00 UTC, and times relative to it.
let morning = Date(timeIntervalSince1970: 1_795_510_800)
func hours(_ h: Double) -> Date { morning.addingTimeInterval(h * 3600) }

/// An eligible, consented patient weighed this morning.
func ready(kg: Double? = 72, weighedAt: Date = morning, eligible: Bool = true, consented: Bool = true) -> Preconditions {
    Preconditions(eligible: eligible ? .present("screening.eligible", "signed") : .missing("screening.eligible", "not eligible"),
                  consent: consented ? .present("consent.signed", "signed") : .missing("consent.signed", "consent #4 was withdrawn"),
                  weightKg: kg, weighedAt: kg == nil ? nil : weighedAt, now: morning, calendar: utc)
}

func iv(_ mgPerKg: Double, over minutes: Double = 40, conc: Double? = nil, bag: Double? = nil) -> DoseRequest {
    DoseRequest(route: .iv, dose: Quantity(mgPerKg, DoseUnits.mgPerKg), minutes: minutes, concentration: conc, bag: bag)
}

func dose(_ route: Route, _ value: Double, _ unit: MeasureUnit, conc: Double? = nil) -> DoseRequest {
    DoseRequest(route: route, dose: Quantity(value, unit), minutes: nil, concentration: conc, bag: nil)
}

/// The working of an order, or the error's message.
func plan(_ request: DoseRequest, reason: String? = nil, _ p: Preconditions = ready(), history: DoseHistory = DoseHistory(doses: []),
          library lib: DrugLibrary? = nil) throws -> PlannedOrder {
    try Planner.plan(request, reason: reason, preconditions: p, history: history, library: lib ?? library())
}

func refusal(_ body: () throws -> Any) -> String {
    do { _ = try body(); return "(accepted)" } catch let e as CommandError { return e.message } catch { return "\(error)" }
}

extension Clinic {
    /// Intake, a stand-in screening (with an alert standing when given), consent, dosing and monitoring.
    convenience init(alert: String? = nil) throws {
        try self.init(modules: [IntakeModule(), StandInScreening(alert: alert), ConsentModule(), DosingModule(), MonitoringModule()])
    }
}
