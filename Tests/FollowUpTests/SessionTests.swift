import ClinicConsent
import ClinicDosing
import ClinicEngine
import ClinicScript
import ClinicShell
import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicMonitoring
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicFollowUp

/// Follow-up through a real session with the other modules: the worklist on the simulated clock,
/// appointments done by what happened, the safety check's alerts, a missing baseline.
@Suite struct SessionTests {
    func clinic() throws -> Clinic {
        try Clinic(modules: [IntakeModule(), StandInScreening(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()])
    }

    func at(_ c: Clinic, _ time: String) { c.clock.current = Timestamp.date(time)! }

    func nina(_ c: Clinic) throws { c.session.signIn(try #require(try c.session.store.account("nina")).info) }

    func register(_ c: Clinic, _ mrn: String) {
        c.ok("patient new --name \"Patient \(mrn)\" --dob 1970-01-01 --sex F --mrn \(mrn)")
    }

    @Test func theWorklistPutsTheMostOverdueFirstAndLooksAsFarAsAsked() throws {
        let c = try clinic()
        try nina(c)
        at(c, "2026-11-15T09:00:00.000Z")
        register(c, "W-1"); c.ok("followup schedule 2026-11-20 kind=call")
        register(c, "W-2"); c.ok("followup plan medication \"pregabalin 75 mg\" goal=sleep provider=\"Dr Patel\" review=2026-11-26")
        register(c, "W-3"); c.ok("followup schedule 2026-11-24 kind=labs")
        register(c, "W-4"); c.ok("followup schedule 2026-12-21 kind=visit")
        at(c, "2026-11-24T09:00:00.000Z")
        c.session.signOut()
        try nina(c)
        c.console.output = []
        c.ok("followup due")
        #expect(c.console.output.first == "worklist to 2026-12-01 (7 days): 3 items, most overdue first")
        let rows = Array(c.console.output.dropFirst(2))
        #expect(rows.count == 3)
        #expect(rows.map { $0.split(separator: " ").first { $0.hasPrefix("W-") }.map(String.init) ?? "" } == ["W-1", "W-3", "W-2"])
        #expect(rows.map { String($0.dropFirst(2).prefix(11)) } == ["OVERDUE 4 d", "today      ", "2026-11-26 "])
        c.console.output = []
        c.ok("followup due --within 4w")
        #expect(c.console.output.first == "worklist to 2026-12-22 (28 days): 4 items, most overdue first")
        // Done by what happens: the call, by an outcome recorded on or after its day.
        c.ok("patient open W-1")
        #expect(c.console.output.contains("due: follow-up call OVERDUE 4 d · booked for 2026-11-20 · followup nrs average= worst="))
        c.ok("followup nrs average=5 worst=7")
        c.console.output = []
        c.ok("followup due")
        #expect(c.console.output.first == "worklist to 2026-12-01 (7 days): 2 items, most overdue first")
    }

    func booked(_ c: Clinic) throws -> [String] {
        try c.records("scheduled", module: "followup").map { "\($0.payload["kind"]?.stringValue ?? "") \($0.payload["date"]?.stringValue ?? "")" }
    }

    @Test func aSeriesIsBookedOnOpenDaysAndEachInfusionDoneByItsVisit() throws {
        let c = try clinic()
        try c.readyPatient()
        // 2026-11-24 is a Tuesday; the shipped protocol books mon-fri: Saturday the 28th moves to
        // Monday the 30th, and the days after count from there.
        c.ok("followup schedule series start=2026-11-24")
        #expect(try booked(c) == ["infusion 2026-11-24", "infusion 2026-11-26", "infusion 2026-11-30", "infusion 2026-12-02", "infusion 2026-12-04",
                                  "infusion 2026-12-07", "call 2026-12-14", "infusion 2027-01-04"])
        #expect(c.console.output.contains { $0.hasSuffix("infusion on Mon 2026-11-30 (series infusion 3 of 6)") })
        // Today's infusion visit, already started, ticks off today's booking.
        #expect(c.session.prompt == "nina@D-1 [infusion · infusion due 2026-11-26]> ")
        let first = try c.records("scheduled", module: "followup")[0].id
        #expect(c.run("followup cancel 2026-11-24 changed plans") == "the infusion of 2026-11-24 (#\(first)) is already done")
        #expect(c.run("followup schedule series") == "D-1 already has 6 infusions booked, the first on Thu 2026-11-26")
        #expect(c.run("followup schedule 2026-11-01") == "2026-11-01 is in the past")
        #expect(c.run("followup schedule next-week") == "'next-week' is not a date or series")
        #expect(c.run("followup schedule 2031-01-05") == "2031-01-05 is more than two years ahead")
        // Days from today, as at any date prompt; the same appointment twice is refused.
        c.ok("followup schedule T+6 kind=labs")
        #expect(c.run("followup schedule 2026-11-30 kind=labs")?.hasPrefix("D-1 already has a labs booked on Mon 2026-11-30 (#") == true)
        #expect(c.run("followup schedule 2026-11-29 kind=call") == "2026-11-29 is a Sunday; the clinic books mon-fri (followup.open_weekdays)")
        // The next visit, started two days late, ticks off the overdue one.
        c.ok("visit end")
        c.advance(minutes: 4 * 24 * 60)
        c.ok("visit start --kind infusion")
        #expect(c.session.prompt == "nina@D-1 [infusion · infusion due 2026-11-30]> ")
    }

    @Test func aSeriesCountsTheInfusionsAlreadyGiven() throws {
        let c = try clinic()
        try c.readyPatient()
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 40)
        c.ok("dosing complete")
        #expect(c.session.prompt == "nina@D-1 [infusion · discharge not before 10:40]> ")
        #expect(c.run("followup schedule series start=2026-11-24") == "infusion 1 of the series was given on 2026-11-24; the next cannot be on 2026-11-24")
        c.ok("followup schedule series")
        #expect(try booked(c) == ["infusion 2026-11-26", "infusion 2026-11-30", "infusion 2026-12-02", "infusion 2026-12-04",
                                  "infusion 2026-12-07", "call 2026-12-14", "infusion 2027-01-04"])
        #expect(c.console.output.contains { $0.hasSuffix("infusion on Thu 2026-11-26 (series infusion 2 of 6)") })
    }

    @Test func closedDatesAreSkippedAndABadListIsRefusedAtStart() throws {
        let text = try String(contentsOfFile: ProtocolLoader.shippedPath, encoding: .utf8)
        // Beside the consent text it names.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("closed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shipped = (ProtocolLoader.shippedPath as NSString).deletingLastPathComponent
        try FileManager.default.copyItem(atPath: shipped + "/consent-ketamine.txt", toPath: folder.path + "/consent-ketamine.txt")
        let path = folder.path + "/clinic-protocol.yaml"
        let closed = text.replacingOccurrences(of: "value: \"dosing start=followup.baseline\"", with: "value: \"\"")
            .replacingOccurrences(of: "  followup.closed_dates:\n    value: \"\"", with: "  followup.closed_dates:\n    value: \"2026-12-25 2026-12-28\"")
            .replacingOccurrences(of: "value: mon-fri", with: "value: mon wed-fri")
        #expect(closed != text)
        try closed.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try Clinic(modules: [IntakeModule(), StandInScreening(), ConsentModule(), DosingModule(), MonitoringModule(), FollowUpModule()], protocolPath: path)
        try c.readyPatient()
        // From Wednesday 2026-12-23, two days on is Christmas Day (closed), then the weekend, Monday
        // the 28th (closed) and a Tuesday (not a day the clinic books): Wednesday the 30th.
        c.ok("followup schedule series start=2026-12-23")
        #expect(try booked(c).prefix(4) == ["infusion 2026-12-23", "infusion 2026-12-30", "infusion 2027-01-01", "infusion 2027-01-04"])
        #expect(c.run("followup schedule 2026-12-25 kind=call") == "2026-12-25 is a closed date of the clinic (followup.closed_dates)")
        #expect(OpenDays.parse(weekdays: "mon-fri", closed: "2026-12-25").map(\.weekdays.count) == .success(5))
        #expect(OpenDays.parse(weekdays: "fri-mon", closed: "").map(\.weekdays) == .success([6, 7, 1, 2]))
        for (weekdays, closed, problem) in [("mon-fry", "", "followup.open_weekdays: 'mon-fry' is not a weekday or a range of them; write e.g. mon-fri or mon wed fri"),
                                            ("", "", "followup.open_weekdays names no weekday; write e.g. mon-fri"),
                                            ("mon", "2026-02-30", "followup.closed_dates: '2026-02-30' is not a date; write YYYY-MM-DD, separated by spaces")] {
            guard case .failure(let p) = OpenDays.parse(weekdays: weekdays, closed: closed) else { Issue.record("\(weekdays) \(closed) was taken"); continue }
            #expect(p.text == problem)
        }
    }

    @Test func theSafetyCheckAlertsAndHoldsTheNextOrderUntilAcknowledged() throws {
        let c = try clinic()
        try c.readyPatient()
        c.ok("followup safety frequency=no urgency=no pain=no blood=yes")
        #expect(c.console.output.contains { $0.hasPrefix("ALERT: urinary symptom: blood in the urine") })
        try c.signIn("patel")
        #expect(c.run("dosing plan route=iv dose=0.5mg/kg over=40min")?.hasPrefix("dosing plan refused: an alert stands on D-1: follow-up safety check #") == true)
        c.ok("followup acknowledge urinalysis clear; microscopic haematuria known since 2019")
        c.ok("dosing plan route=iv dose=0.5mg/kg over=40min")
        #expect(c.run("followup acknowledge again") == "no follow-up alert stands on D-1")
    }

    @Test func noBaselineIsSaidPlainly() throws {
        let c = try clinic()
        try c.readyPatient()
        c.console.output = []
        c.ok("followup response")
        #expect(c.console.output == ["no infusion given yet: the baseline is the last value before the first infusion"])
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 40)
        c.ok("dosing complete")
        c.advance(minutes: 60 * 24 * 7)
        c.ok("followup nrs average=3 worst=5")
        c.console.output = []
        c.ok("followup response")
        #expect(c.console.output.contains("no baseline pain NRS: none was recorded before the first infusion on 2026-11-24"))
        #expect(c.console.output.contains("no baseline FIQR: none was recorded before the first infusion on 2026-11-24"))
        #expect(try c.fact("followup.responder")?.detail == "no pain NRS both before the first infusion and after it")
    }

    /// An instrument given as data that says which way is better and what change matters (the
    /// tutorial's ISI: lower, 6 points) is trended and weighed against the last value before the
    /// first infusion; follow-up knows it only through the SDK's measures.
    static let isi = "https://clinic.example.org/fhir/Questionnaire/isi|1.0.0"

    @Test func anInstrumentWithADirectionAndAnImportantChangeIsFollowed() throws {
        let c = try clinic()
        try c.readyPatient()
        c.session.instruments = [try InstrumentFile.read(try TutorialInstrument.text(), file: "isi.json")]
        #expect(HostRecordReader(session: c.session, patient: try #require(c.session.patient)).measures
                == [Measure(module: "screening", kind: "isi", title: "ISI", field: "total", questionnaire: Self.isi, lowerIsBetter: true,
                           minimalImportantDifference: 6)])
        _ = try c.session.append(RecordDraft(kind: "isi", payload: ["total": 19, "band": "clinical insomnia, moderate", "questionnaire": .string(Self.isi)]), as: "screening")
        // Another version's total is another scale's: left out, and said so.
        _ = try c.session.append(RecordDraft(kind: "isi", payload: ["total": 190, "questionnaire": "https://clinic.example.org/fhir/Questionnaire/isi|2.0.0"]), as: "screening")
        try c.verifiedOrder()
        c.ok("dosing start")
        c.advance(minutes: 40)
        c.ok("dosing complete")
        c.advance(minutes: 60 * 24 * 7)
        _ = try c.session.append(RecordDraft(kind: "isi", payload: ["total": 14, "band": "subthreshold insomnia", "questionnaire": .string(Self.isi)]), as: "screening")
        c.console.output = []
        c.ok("followup response")
        let said = c.console.output.joined(separator: "\n")
        #expect(said.contains("instruments against the change that matters to a patient (their minimal important difference)"), "\(said)")
        #expect(said.contains("1 ISI response to another version left out: only \(Self.isi) is compared"), "\(said)")
        #expect(c.console.output.contains { $0.contains("ISI") && $0.contains("19 (2026-11-24)") && $0.contains("14 (2026-12-01)") && $0.contains("-5")
                                             && $0.contains("better by 5, less than the 6 that matters") }, "\(said)")
        c.console.output = []
        c.ok("followup trend")
        #expect(c.console.output.contains("ISI, lower is better; a change of 6 points matters"), "\(c.console.output)")
        #expect(c.console.output.last == "  since 2026-11-24: better by 5, less than the 6 that matters")
    }

    @Test func aCarePlanItemIsReviewedByNameOrNumber() throws {
        let c = try clinic()
        try c.readyPatient()
        c.ok("followup plan medication \"duloxetine 60 mg\" goal=\"pain and sleep\" provider=\"Dr Patel\" review=2026-12-15")
        c.ok("followup plan medication \"pregabalin 75 mg\" goal=sleep provider=\"Dr Patel\" review=2026-12-20")
        #expect(c.run("followup review x note=ok")?.hasPrefix("'x' is not an item") == true)
        #expect(c.run("followup review duloxetine") == "a review needs a note, a next date or end=yes")
        c.ok("followup review DULOX next=2027-03-01 note=\"sleeping better\"")
        let id = try c.records("plan", module: "followup")[1].id
        c.ok("followup review \(id) end=yes note=\"dizzy; stopped\"")
        #expect(c.run("followup review \(id) note=again")?.hasSuffix("ended on 2026-11-24") == true)
        let due = try FollowUpModule().due(from: HostRecordReader(session: c.session, patient: try #require(c.session.patient)))
        #expect(due.map(\.what) == ["review duloxetine 60 mg"])
        #expect(due.first.map { ClinicTime.format($0.at, calendar: c.session.calendar) } == "2027-03-01 00:00")
    }
}
