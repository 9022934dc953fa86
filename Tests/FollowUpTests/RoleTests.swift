import ClinicConsent
import ClinicDosing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicMonitoring
import ClinicScreening
import ClinicTestSupport
import Testing
@testable import ClinicFollowUp

/// Every command of every shipped module, and the host's, run by a member of staff of each role:
/// a role the command does not name is refused, a role it names is not refused for its role.
@Suite struct RoleTests {
    @Test func everyCommandRefusesEveryRoleItDoesNotName() throws {
        let (session, _, _) = try makeSession(modules: [IntakeModule(), ScreeningModule(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()])
        var staff: [Role: StaffInfo] = [:]
        for role in Role.all {
            staff[role] = try session.store.addStaff(username: "only-\(role.rawValue)", roles: [role], passwordHash: Passwords.unusable, at: session.now, by: nil)
        }
        var checked = 0, refused = 0
        for entry in session.catalog.entries where !entry.isOpen {
            for role in Role.all {
                session.signIn(try #require(staff[role]))
                let failure = session.execute(entry.name, source: "roles").failure
                let refusedForRole = failure?.message.hasPrefix("\(entry.name) needs the role") == true
                #expect(refusedForRole == !entry.spec.roles.contains(role), "\(entry.name) as \(role): \(failure?.message ?? "ok")")
                checked += 1
                refused += refusedForRole ? 1 : 0
            }
        }
        print("roles checked: \(checked) command × role pairs, \(refused) refused for the role")
        #expect(checked > 150)
        // Clinical modules refuse an administrator; account management refuses clinicians.
        #expect(!session.catalog.entries.filter { $0.module != nil }.contains { $0.spec.roles.contains(.admin) })
    }
}
