import ClinicEngine
import ClinicKit
import ClinicKitTesting
import ClinicStorage
import Foundation
import Testing

/// Two workstations on one record: a shell whose visit was ended on the other is told so, by whom
/// and when, and writes nothing under the ended visit.
@Suite struct StaleShellTests {
    @Test func aVisitEndedElsewhereIsRefusedWithWhoAndWhen() throws {
        let path = StoreTests.temporaryPath()
        let a = try TestHost(modules: [], database: path)
        let b = try TestHost(modules: [], database: path)
        #expect(a.session.execute("patient new --name 'Ana Lima' --dob 1981-02-11 --sex F --mrn A-1", source: "a") == .ok)
        #expect(a.session.execute("visit start --kind infusion", source: "a") == .ok)
        #expect(b.session.execute("patient open A-1", source: "b") == .ok)
        #expect(b.session.execute("visit end", source: "b") == .ok)
        // A still shows visit #1 open; its next command for the visit is refused, saying why.
        let refused = a.session.execute("visit end", source: "a").failure
        #expect(refused?.message.hasPrefix("visit #1 was ended by nora at ") == true, "\(String(describing: refused))")
        #expect(refused?.message.hasSuffix("on another workstation; start a new visit") == true)
        #expect(a.session.visit == nil)
        // B starts the next visit: A's shell takes it up, and writes under it, never under #1.
        #expect(b.session.execute("visit start --kind consult", source: "b") == .ok)
        #expect(a.session.execute("status", source: "a") == .ok)
        #expect(a.session.visit?.id == 2)
        #expect(a.session.execute("visit end", source: "a") == .ok)
        #expect(try a.session.store.visits(patientID: 1).map(\.endedAt).allSatisfy { $0 != nil })
        let differences = try a.session.store.projectionDifferences()
        #expect(differences.isEmpty, "\(differences)")
    }
}
