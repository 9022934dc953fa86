import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicKit
import Foundation
import Testing

/// A clinic of the modules a test gives (intake, consent, dosing, monitoring, a stand-in screening),
/// and three members of staff who sign with `pass-word1`: nina and nick (nurses) and patel (physician).
package final class Clinic {
    package let session: Session
    package let console: TestConsole
    package let clock: TestClock
    package var mrn = "D-1"

    /// `protocolPath`: another protocol file than the shipped one (without its wiring between modules).
    package init(modules: [any ClinicModule], protocolPath: String? = nil) throws {
        (session, console, clock) = try makeSession(modules: modules, protocolPath: protocolPath, environment: ["CLINIC_PASSWORD": "pass-word1"])
        // A cheap scrypt cost: these tests sign often.
        let hash = try Passwords.hash("pass-word1", rounds: 16)
        for (name, role) in [("nina", Role.nurse), ("nick", .nurse), ("patel", .physician)] {
            _ = try session.store.addStaff(username: name, roles: [role], passwordHash: hash, at: session.now, by: nil)
        }
    }

    /// Runs a line; returns nil when it succeeded, else the failure's message.
    @discardableResult
    package func run(_ line: String) -> String? {
        let outcome = session.execute(line, source: "t")
        return outcome == .ok ? nil : (outcome.failure?.message ?? "\(outcome)")
    }

    package func ok(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let failure = run(line)
        #expect(failure == nil, "\(line): \(failure ?? "")", sourceLocation: sourceLocation)
    }

    /// Signs `name` in and opens the patient again (with their open visit).
    package func signIn(_ name: String) throws {
        session.signIn(try #require(try session.store.account(name)).info)
        ok("patient open \(mrn)")
    }

    /// A patient weighed (72 kg) and consented at an infusion visit, nina signed in.
    package func readyPatient(_ mrn: String = "D-1") throws {
        self.mrn = mrn
        session.signIn(try #require(try session.store.account("nina")).info)
        ok("patient new --name \"Test Patient\" --dob 1980-01-01 --sex F --mrn \(mrn)")
        ok("visit start --kind infusion")
        ok("intake weight 72kg")
        ok("consent sign")
        ok("monitoring baseline sbp=128 dbp=80 hr=74 rr=14 spo2=98 temp=36.7 avpu=A")
    }

    /// Planned by patel, signed by patel, double-checked by nina: ready to start.
    package func verifiedOrder(_ plan: String = "dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL") throws {
        try signIn("patel")
        ok(plan)
        ok("dosing sign")
        try signIn("nina")
        ok("dosing verify weight=72kg dose=0.5mg/kg")
    }

    package func fact(_ name: String) throws -> Fact? { try session.fact(name) }

    package func records(_ kind: String, module: String = "dosing") throws -> [StoredRecord] {
        try session.store.records(patientID: try #require(session.patient).id, module: module).filter { $0.kind == kind }
    }

    package func advance(minutes: Double) { clock.current = clock.current.addingTimeInterval(minutes * 60) }
}

