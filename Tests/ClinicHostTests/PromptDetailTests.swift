import ClinicKit
import ClinicKitTesting
import ClinicShell
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicStorage

/// Small things staff meet at the prompt: days counted from today wherever a time is typed, a
/// birth date of today, leaving a password prompt, and what help lists.
@Suite struct PromptDetailTests {
    @Test func aTimeMayBeADayCountedFromToday() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Lisbon"))
        let now = try #require(Timestamp.date("2026-11-24T15:30:00.000Z"))
        func at(_ text: String) -> String? { TimeText.parse(text, calendar: calendar, now: now).map { ClinicTime.format($0, calendar: calendar) } }
        #expect(at("T") == "2026-11-24 00:00")
        #expect(at("t-1") == "2026-11-23 00:00")
        #expect(at("T-1 14:05") == "2026-11-23 14:05")
        #expect(at("yesterday 09:00") == "2026-11-23 09:00")
        #expect(at("T+7") == "2026-12-01 00:00")
        #expect(at("2026-11-20T09:00:00Z") == "2026-11-20 09:00")
        #expect(at("Tx") == nil && at("T-") == nil && at("T-1 25:00") == nil)
        // audit log takes it too.
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        try host.signIn("boss", roles: [.admin])
        #expect(host.session.execute("audit log --since T-1", source: "t") == .ok)
    }

    @Test func aBirthDateWithinTheYearIsQuestioned() throws {
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        #expect(host.session.execute("patient new --name 'Ana Lima' --dob T --sex F --mrn A-1", source: "t") == .ok)
        #expect(host.console.lines.contains { $0.hasPrefix("check the date of birth: ") && $0.contains("makes A-1 0 months old") }, "\(host.console.lines)")
        #expect(host.session.execute("patient new --name 'Rui Lima' --dob 1981-02-11 --sex M --mrn A-2", source: "t") == .ok)
        #expect(host.console.lines.filter { $0.hasPrefix("check the date of birth") }.count == 1)
    }

    /// `^` and `^^` leave a password prompt as they leave any other: nothing is checked, and no
    /// wrong password is counted towards the lock.
    @Test func leavingAPasswordPromptIsNotAWrongPassword() throws {
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        for typed in ["^^", "^"] {
            host.session.input = ScriptedInput([typed])
            #expect(host.session.execute("login nora", source: "t").failure?.kind == .cancelled)
        }
        #expect(try host.session.store.failedSignIns(for: "nora").count == 0)
    }

    /// `replay-account` is written by a recording for its replay: help does not list it and Tab
    /// does not offer it, but it still runs in a replay and help explains it.
    @Test func whatARecordingWritesIsNotListed() throws {
        let host = try TestHost(modules: [], database: StoreTests.temporaryPath())
        #expect(host.session.execute("help", source: "t") == .ok)
        #expect(!host.console.lines.joined(separator: "\n").contains("replay-account"))
        #expect(Completer(catalog: host.session.catalog, mrns: { [] }, staffNames: { [] }).complete("rep", mode: .command).candidates.contains("replay-account ") == false)
        #expect(host.session.execute("help replay-account", source: "t") == .ok)
        #expect(host.console.lines.contains { $0.contains("in a replay only") })
    }
}
