import ClinicConsent
import ClinicDosing
import ClinicEngine
import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicMonitoring
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicFollowUp

/// What falls due is stored for each patient as their record changes, and the clinic's worklist
/// reads it from there: the same items a patient's own prompt shows, items that come and go with
/// the time without any command, a failed command changing nothing, and a table altered behind
/// the program's back found by audit verify and put right by db rebuild.
@Suite struct DueProjectionTests {
    func clinic() throws -> Clinic {
        try Clinic(modules: [IntakeModule(), StandInScreening(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()])
    }

    func at(_ c: Clinic, _ time: String) { c.clock.current = Timestamp.date(time)! }

    /// What the table holds, as `MRN what`, in time order.
    func stored(_ c: Clinic) throws -> [String] {
        try c.session.sqlite.db.query("SELECT p.mrn, d.what FROM due_items d JOIN patients p ON p.id = d.patient_id ORDER BY d.at, p.mrn, d.what")
            .map { row in row.map { if case .text(let t) = $0 { t } else { "" } }.joined(separator: " ") }
    }

    @Test func theTableHoldsWhatEachPatientsOwnRecordSays() throws {
        let c = try clinic()
        c.session.signIn(try #require(try c.session.store.account("nina")).info)
        c.ok("patient new --name \"Other Patient\" --dob 1970-01-01 --sex M --mrn R-2")
        c.ok("followup schedule 2026-11-25 kind=labs")
        try c.readyPatient("R-1")
        c.ok("dosing lft date=2026-11-20 result=normal")
        try c.verifiedOrder()
        c.ok("dosing start")
        c.ok("followup schedule 2026-11-27 kind=call")
        let items = try stored(c)
        #expect(items.contains("R-1 vitals") && items.contains("R-1 follow-up call") && items.contains("R-1 liver tests"))
        #expect(items.contains("R-2 labs"))
        // Each patient's own due list, worked out from their record now, is what the table holds
        // for them (the open infusion is stored, to be shown only from the end of its day).
        for mrn in ["R-1", "R-2"] {
            c.ok("patient open \(mrn) --force")
            let live = try FactEngine(session: c.session).due().map { "\(mrn) \($0.what)" }
            #expect(Set(live).isSubset(of: Set(items.filter { $0.hasPrefix(mrn + " ") })), "\(mrn)")
        }
        #expect(items.filter { $0.hasPrefix("R-1 ") }.count == 4)
        c.console.output = []
        c.ok("audit verify")
        #expect(c.console.output.contains("what falls due: every patient's items match their record"))
        // Completing the infusion takes vitals and the open infusion off; the call stays.
        c.ok("patient open R-1")
        c.advance(minutes: 40)
        c.ok("dosing complete")
        let left = try stored(c).filter { $0.hasPrefix("R-1 ") }
        #expect(left == ["R-1 follow-up call", "R-1 liver tests"])
    }

    @Test func itemsComeAndGoWithTheTimeWithoutACommand() throws {
        let c = try clinic()
        try c.readyPatient("T-1")
        c.ok("dosing lft date=2026-11-20 result=normal")
        try c.verifiedOrder()
        c.ok("dosing start")
        // Today, the infusion is running as it should: the worklist does not list it as left open.
        c.console.output = []
        c.ok("followup due")
        #expect(!c.console.output.contains { $0.contains("open infusion") })
        // The next morning it was left open: listed, though nothing was written since.
        at(c, "2026-11-25T08:00:00.000Z")
        c.console.output = []
        c.ok("followup due")
        #expect(c.console.output.contains { $0.contains("open infusion") && $0.contains("T-1") })
        // Liver tests lapse once the last dose is longer ago than their interval (90 days).
        c.console.output = []
        c.ok("followup due --within 26w")
        #expect(c.console.output.contains { $0.contains("liver tests") })
        // Due from 2027-02-18 (90 days after the last review); the last dose lapses them after 2027-02-22.
        at(c, "2027-02-20T08:00:00.000Z")
        #expect(try c.fact("dosing.lft-due")?.isPresent == true)
        at(c, "2027-03-01T08:00:00.000Z")
        c.console.output = []
        c.ok("followup due --within 26w")
        #expect(!c.console.output.contains { $0.contains("liver tests") })
        #expect(try c.fact("dosing.lft-due")?.isPresent != true, "the checklist lapses them too")
    }

    @Test func aCommandThatFailsChangesNothingThere() throws {
        let c = try clinic()
        try c.readyPatient("F-1")
        c.ok("followup schedule 2026-11-27 kind=call")
        let before = try stored(c)
        struct Undo: Error {}
        #expect(throws: Undo.self) {
            try c.session.store.transaction {
                _ = try c.session.append(RecordDraft(kind: "scheduled", payload: ["kind": "labs", "date": "2026-11-28"]), as: "followup")
                throw Undo()
            }
        }
        #expect(try stored(c) == before)
        // Written and kept, it is there.
        try c.session.store.transaction {
            _ = try c.session.append(RecordDraft(kind: "scheduled", payload: ["kind": "labs", "date": "2026-11-28"]), as: "followup")
        }
        #expect(try stored(c) == before + ["F-1 labs"])
    }

    @Test func anAlteredTableIsFoundAndWorkedOutAgain() throws {
        let c = try clinic()
        try c.readyPatient("A-1")
        c.ok("followup schedule 2026-11-27 kind=call")
        try c.session.tamper("UPDATE due_items SET at = '2027-01-01T00:00:00.000Z'")
        #expect(c.run("audit verify")?.contains("what falls due for A-1: 1 item from the record, 1 in the table") == true)
        try c.session.sqlite.db.execute("DELETE FROM due_items")
        #expect(c.run("audit verify")?.contains("what falls due for A-1: 1 item from the record, 0 in the table") == true)
        #expect(c.run("db rebuild")?.contains("needs the role admin") == true, "a nurse may not")
        _ = try c.session.store.addStaff(username: "ada", roles: [.admin], passwordHash: try Passwords.hash("pass-word1", rounds: 16), at: c.session.now, by: nil)
        c.session.signIn(try #require(try c.session.store.account("ada")).info)
        c.console.output = []
        c.ok("db rebuild")
        #expect(c.console.output == ["worked out what falls due for 1 patient from their record"])
        c.ok("audit verify")
        #expect(try stored(c) == ["A-1 follow-up call"])
    }

    @Test func aWorklistInsideAScriptSeesWhatTheScriptWrote() throws {
        let c = try clinic()
        try c.readyPatient("S-1")
        try c.session.store.transaction {
            c.ok("followup schedule 2026-11-25 kind=call")
            c.console.output = []
            c.ok("followup due")
            #expect(c.console.output.contains { $0.contains("S-1") && $0.contains("follow-up call") }, "\(c.console.output)")
        }
        #expect(try stored(c) == ["S-1 follow-up call"])
    }

    @Test func aSessionOnAnotherBasisMarksTheItemsMixedAndTheNextWorklistWorksThemOutAgain() throws {
        let c = try clinic()
        try c.readyPatient("M-1")
        c.ok("followup schedule 2026-11-27 kind=call")
        // As if another workstation, under another protocol, had written them.
        try c.session.store.setMeta("due_basis", "another")
        c.ok("followup schedule 2026-11-30 kind=labs")
        #expect(try c.session.store.meta("due_basis") == "mixed")
        c.console.output = []
        c.ok("audit verify")
        #expect(c.console.output.contains { $0.hasPrefix("what falls due: worked out under other modules") })
        c.ok("followup due")
        #expect(try c.session.store.meta("due_basis") != "mixed")
        c.console.output = []
        c.ok("audit verify")
        #expect(c.console.output.contains("what falls due: every patient's items match their record"))
    }

    @Test func rowsOfNoPatientOrThatCannotBeReadAreFound() throws {
        let c = try clinic()
        try c.readyPatient("O-1")
        c.ok("followup schedule 2026-11-27 kind=call")
        try c.session.tamper("PRAGMA foreign_keys = OFF")
        try c.session.tamper("""
            INSERT INTO due_items (patient_id, module, what, at, shown_from, lapses_after, detail, command, all_day, commands)
            SELECT 999, module, what, at, shown_from, lapses_after, detail, command, all_day, commands FROM due_items
            """)
        let orphan = c.run("audit verify") ?? ""
        #expect(orphan.contains("what falls due: 1 item in the table belongs to no patient"), "\(orphan)")
        #expect(orphan.contains("worked out again from the record by db rebuild"))
        try c.session.tamper("DELETE FROM due_items WHERE patient_id = 999")
        try c.session.tamper("UPDATE due_items SET commands = '{'")
        #expect(c.run("audit verify")?.contains("what falls due for O-1: the table's rows cannot be read") == true)
        #expect(c.run("followup due")?.contains("ValueParseError") == false, "no runtime text")
    }

    @Test func itemsWorkedOutOnAnotherBasisAreWorkedOutAgainBeforeTheWorklistReadsThem() throws {
        let c = try clinic()
        try c.readyPatient("B-1")
        c.ok("followup schedule 2026-11-27 kind=call")
        // As if a module had been upgraded, and the table left from before the upgrade.
        try c.session.sqlite.db.execute("DELETE FROM due_items")
        try c.session.store.setMeta("due_basis", "another")
        c.console.output = []
        c.ok("audit verify")
        #expect(c.console.output.contains { $0.hasPrefix("what falls due: worked out under other modules") })
        c.console.output = []
        c.ok("followup due")
        #expect(c.console.output.contains { $0.contains("B-1") && $0.contains("follow-up call") })
        #expect(try stored(c) == ["B-1 follow-up call"])
        c.console.output = []
        c.ok("audit verify")
        #expect(c.console.output.contains("what falls due: every patient's items match their record"))
    }
}
