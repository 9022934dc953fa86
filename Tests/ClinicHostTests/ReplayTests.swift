import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage

/// A session on a sandbox database file, with its own clock.
func sandboxSession(_ path: String, modules: [any ClinicModule] = [GateModule()]) throws -> (Session, TestConsole) {
    let store = try SQLStore(path: path, now: Date(), sandbox: true)
    let console = TestConsole()
    var report = PluginReport()
    for m in modules { report.loaded.append(LoadedModule(module: m, file: "test", origin: "test")) }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let session = Session(store: store, plugins: report, clock: SandboxClock(store: store), calendar: calendar, console: console,
                          input: nil, environment: ["CLINIC_PASSWORD": "pass-word1", "CLINIC_NEW_PASSWORD": "pass-word1"],
                          databasePath: path, clinicProtocol: try shippedProtocol(for: report.loaded), hostCommands: HostCommands.table + ScriptCommands.table)
    return (session, console)
}

@Suite struct ClockTests {
    @Test func aLiveDatabaseRefusesSimulatedTime() throws {
        let (session, _, _) = try makeSession()
        let f = try #require(session.execute("clock set 09:00", source: "t").failure)
        #expect(f.kind == .refused)
        #expect(f.description == "clock set: this is a live database; its records carry the real time, so its clock cannot be set; for training, demos and tests, use a sandbox: clinic --sandbox --db NEW.sqlite")
        #expect(session.execute("clock advance 5m", source: "t").failure?.kind == .refused)
    }

    @Test func sandboxIsOnlyEverANewDatabase() throws {
        let path = try Scripts().path("live.sqlite")
        _ = try SQLStore(path: path, now: Date())
        #expect(throws: StoreError.liveNotSandbox(path)) { try SQLStore(path: path, now: Date(), sandbox: true) }
        #expect(throws: DatabaseError.self, "the mode is fixed for life") {
            try SQLStore(path: path, now: Date()).db.execute("UPDATE meta SET value = 'sandbox' WHERE key = 'mode'")
        }
        // Changed anyway, behind the program's back: the chain says otherwise, and the program
        // does not open it (a live record made a sandbox could set its own clock).
        let db = try Database(path: path)
        try db.execute("DROP TRIGGER meta_mode_fixed_update; UPDATE meta SET value = 'sandbox' WHERE key = 'mode'")
        do {
            _ = try SQLStore(path: path, now: Date())
            Issue.record("a record whose table and chain disagree about its mode was opened")
        } catch {
            #expect("\(error)".contains("is a sandbox in its table but live in its chain"), "\(error)")
        }
        // A file to verify that is not there, or not a database, is said as such.
        for (location, said) in [(path + ".nothing", "there is no database at"), ("/etc/hostname", "is not a clinic database (not a SQLite file)")] {
            do {
                _ = try RecordStores.openToVerify(location)
                Issue.record("opened \(location)")
            } catch {
                #expect("\(error)".contains(said), "\(error)")
            }
        }
    }

    @Test func theSandboxClockStandsStillMovesOnAndIsKept() throws {
        let path = try Scripts().path("s.sqlite")
        let (session, console) = try sandboxSession(path)
        #expect(session.execute("clock set '2026-03-02 09:00'", source: "t") == .ok)
        #expect(session.now == Timestamp.date("2026-03-02T09:00:00.000Z"))
        #expect(session.execute("clock advance 1h30m", source: "t") == .ok)
        #expect(console.output.last == "sandbox clock: 2026-03-02 10:30")
        #expect(session.prompt.hasPrefix("(sandbox 10:30) "))
        #expect(session.execute("clock set 2026-02-30T09:00", source: "t").failure?.message == "'2026-02-30T09:00' is not a time")
        // ISO 8601 in UTC, with or without the milliseconds a recording writes.
        for text in ["2026-11-20T09:00:00Z", "2026-11-20T09:00:00.000Z", "2026-11-20T09:00Z"] {
            #expect(session.execute("clock set \(text)", source: "t") == .ok, "\(text)")
            #expect(session.now == Timestamp.date("2026-11-20T09:00:00.000Z"), "\(text)")
        }
        #expect(session.execute("clock set 2026-11-20T25:00:00Z", source: "t").failure != nil)
        #expect(session.execute("clock set 2026-03-02T10:30:00.000Z", source: "t") == .ok)
        #expect(session.execute("clock advance 5 minutes", source: "t").failure != nil)
        #expect(TimeText.duration("0m") == nil && TimeText.duration("m") == nil && TimeText.duration("5") == nil)
        let reopened = SandboxClock(store: try SQLStore(path: path, now: Date()))
        #expect(reopened.now() == Timestamp.date("2026-03-02T10:30:00.000Z"))
    }

    @Test(arguments: [("5m", 300.0), ("90s", 90), ("1h30m", 5400), ("1h 30m", 5400), ("2d", 172_800), ("45min", 2700), ("5 min", 300)])
    func readsDurations(_ text: String, _ seconds: Double) {
        #expect(TimeText.duration(text) == seconds)
    }

    @Test func lateEntriesKeepTheirEffectiveTimeApartFromTheRecordedOne() throws {
        let path = try Scripts().path("s.sqlite")
        let (session, console) = try sandboxSession(path)
        let nurse = try session.store.addStaff(username: "nora", roles: [.nurse], passwordHash: "x", at: session.now, by: nil)
        session.signIn(nurse)
        for line in ["clock set '2026-03-02 09:00'", "patient new --name A --dob 1980-01-01 --sex F", "visit start --kind infusion", "clock set 10:00"] {
            try #require(session.execute(line, source: "t") == .ok)
        }
        #expect(session.execute("gate prepare --at 11:00", source: "t").failure?.message == "--at 2026-03-02 11:00 is in the future")
        #expect(session.execute("gate prepare --at 08:30", source: "t").failure?.message.contains("is before visit #1 began") == true)
        #expect(session.execute("gate prepare at=09:40", source: "t") == .ok)
        #expect(console.output.last == "late entry: effective 2026-03-02 09:40, recorded 2026-03-02 10:00")
        let row = try session.sqlite.db.query("SELECT effective_at, recorded_at FROM records WHERE module = 'gate'")
        #expect(row == [[.text("2026-03-02T09:40:00.000Z"), .text("2026-03-02T10:00:00.000Z")]])
        #expect(try session.store.journal().last?.command == "gate prepare --at 2026-03-02T09:40:00.000Z")
        #expect(session.execute("clock advance 2d", source: "t") == .ok)
        #expect(session.execute("gate prepare --at '2026-03-02 09:50'", source: "t").failure?.message.contains("is more than 1d ago") == true)
    }
}

@Suite struct ReplayTests {
    /// A sandbox with two patients' visits at simulated times, signed in as nora, its journal
    /// exported whole.
    func original() throws -> (Scripts, Session) {
        let files = try Scripts()
        let (session, _) = try sandboxSession(files.path("original.sqlite"))
        session.input = nil
        _ = try Accounts.createFirstAdmin("admin", password: "pass-word1", in: session)
        for line in [
            "user add nora --role nurse", "login nora",
            "clock set '2026-03-02 08:55'", "patient new --name 'Ann Bee' --dob 1980-01-01 --sex F --mrn A-1",
            "clock advance 5m", "visit start --kind consult", "gate prepare", "gate fail",
            "clock set '2026-03-02 09:30'", "patient new --name \"Cid O'Dee\" --dob 1971-05-06 --sex M",
            "visit start --kind infusion", "patient open A-1", "clock advance 10m", "gate give dose=3", "visit end",
        ] {
            _ = session.execute(line, source: "t")
        }
        return (files, session)
    }

    @Test func anExportReplaysIntoTheSameRecordAndHashChain() throws {
        let (files, session) = try original()
        try #require(try session.store.recordCount() == 6)
        let admin = try #require(try session.store.account("admin")?.info)
        session.signIn(admin)
        // An export writes a file and changes nothing in the record: it is not replayed.
        try #require(session.execute("export fhir A-1 --out \(files.path("a-1.json"))", source: "t") == .ok)
        try #require(session.execute("record export \(files.path("all.clinic"))", source: "t") == .ok)
        let script = try String(contentsOfFile: files.path("all.clinic"), encoding: .utf8)
        #expect(!script.contains("export fhir"))
        #expect(script.contains("replay-account admin admin\nlogin admin\n"))
        #expect(script.contains("clock set 2026-03-02T08:55:00.000Z\npatient new name='Ann Bee' dob=1980-01-01 sex=F mrn=A-1\n"))
        #expect(script.contains("# 2026-03-02 09:00 not replayed: gate fail → error: failed on purpose"))
        #expect(!script.contains("pass-word1"))

        let out = try Replay.run(files.path("all.clinic"), into: files.path("replay.sqlite"), verify: files.path("original.sqlite"), in: session)
        let text = Renderer.render(out, highlight: false).joined(separator: "\n")
        #expect(text.contains("identical: 2 patients, 2 visits, 6 record entries; hash chain identical (6 of 6)"), "\(text)")
        // Compared a page of the chain at a time, whatever the page, the same report.
        for page in [1, 2, 5] {
            let report = try Verify.compare(replayed: try RecordStores.snapshots(of: files.path("replay.sqlite")),
                                            original: try RecordStores.snapshots(of: files.path("original.sqlite")), page: page)
            #expect(report.differences.isEmpty && report.summary == "identical: 2 patients, 2 visits, 6 record entries; hash chain identical (6 of 6)", "\(page)")
        }
        let replayed = try SQLStore(path: files.path("replay.sqlite"), now: Date())
        #expect(replayed.isSandbox && replayed.replayedFrom == files.path("all.clinic"))
        #expect(try replayed.account("nora")?.passwordHash == Passwords.unusable)
    }

    @Test func anExportReadAFewLinesAtATimeIsTheSameScript() throws {
        let (files, session) = try original()
        session.signIn(try #require(try session.store.account("admin")?.info))
        for (name, patient) in [("all", nil), ("cid", try session.store.patient(mrn: "C000002"))] {
            _ = try Recorder.export(to: files.path("\(name)-whole.clinic"), patient: patient, visitID: nil, in: session)
            for page in [1, 2, 3] {
                let file = files.path("\(name)-\(page).clinic")
                let out = try Recorder.export(to: file, patient: patient, visitID: nil, pageSize: page, in: session)
                #expect(try String(contentsOfFile: file, encoding: .utf8) == (try String(contentsOfFile: files.path("\(name)-whole.clinic"), encoding: .utf8)),
                        "\(name), \(page) a page")
                #expect(Renderer.render(out, highlight: false).first?.hasPrefix("exported ") == true)
            }
        }
        // A file that is there already is left as it was.
        #expect(throws: CommandError.self) { try Recorder.export(to: files.path("all-1.clinic"), patient: nil, visitID: nil, in: session) }
        // A visit of another patient than the one named is refused, not exported in silence.
        let c2 = try #require(try session.store.patient(mrn: "C000002"))
        let other = try #require(try session.store.visits(patientID: c2.id).first).info.id
        #expect(throws: CommandError.self) { try RecordCommands.recordExport(files.path("v.clinic"), patient: "A-1", visit: Int(other), in: session) }
        #expect(!FileManager.default.fileExists(atPath: files.path("v.clinic")))
    }

    @Test func verifyNamesTheFirstDifferenceInAnAlteredCopy() throws {
        let (files, session) = try original()
        session.signIn(try #require(try session.store.account("admin")?.info))
        try #require(session.execute("record export \(files.path("all.clinic"))", source: "t") == .ok)
        let copy = files.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: files.path("original.sqlite"), toPath: copy)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: files.path("original.sqlite") + suffix) {
            try FileManager.default.copyItem(atPath: files.path("original.sqlite") + suffix, toPath: copy + suffix)
        }
        let altered = try Database(path: copy)
        try altered.execute("DROP TRIGGER records_append_only_update")
        try altered.execute("UPDATE records SET payload = json_set(payload, '$.dose', 9) WHERE module = 'gate' AND kind = 'ready'")
        let console = session.console as! TestConsole
        #expect(throws: CommandError.self) {
            try Replay.run(files.path("all.clinic"), into: files.path("replay.sqlite"), verify: copy, in: session)
        }
        #expect(console.output.contains("  A-1 entry 3 (gate ready): dose: 9 in the original, absent in the replay"), "\(console.output)")
    }

    @Test func aPatientsExportCarriesTheirAccountsAndReplaysAlone() throws {
        let (files, session) = try original()
        session.signIn(try #require(try session.store.account("admin")?.info))
        try #require(session.execute("record export \(files.path("cid.clinic")) --patient C000002", source: "t") == .ok)
        let script = try String(contentsOfFile: files.path("cid.clinic"), encoding: .utf8)
        #expect(script.contains("replay-account nora nurse\nlogin nora\n"))
        #expect(!script.contains("Ann Bee"), "another patient's entries stay out")
        let out: CommandOutput
        do { out = try Replay.run(files.path("cid.clinic"), into: nil, verify: files.path("original.sqlite"), in: session) } catch {
            Issue.record("\(error): \((session.console as! TestConsole).output) \(script)")
            return
        }
        let text = Renderer.render(out, highlight: false).joined(separator: "\n")
        #expect(text.contains("identical: 1 patient, 1 visit, 2 record entries; hash chain not comparable"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: files.path("cid.replay.sqlite")))
    }

    @Test func recordStartWritesAsItGoesAndStopCloses() throws {
        let files = try Scripts()
        let (session, console) = try sandboxSession(files.path("s.sqlite"))
        session.signIn(try session.store.addStaff(username: "nora", roles: [.nurse], passwordHash: "x", at: session.now, by: nil))
        let path = files.path("rec.clinic")
        #expect(session.execute("record start \(path)", source: "t") == .ok)
        #expect(session.execute("record start \(files.path("other.clinic"))", source: "t").failure?.message == "already recording into \(path)")
        #expect(session.execute("clock set '2026-03-02 09:00'", source: "t") == .ok)
        #expect(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        let sofar = try String(contentsOfFile: path, encoding: .utf8)
        #expect(sofar.contains("replay-account nora nurse\nlogin nora\npatient new name=A dob=1980-01-01 sex=F mrn=C000001\n"), "\(sofar)")
        #expect(session.execute("record stop", source: "t") == .ok)
        #expect(console.output.last?.hasPrefix("recording saved in \(path)") == true)
        #expect(session.execute("visit start --kind infusion", source: "t") == .ok)
        let done = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!done.contains("visit start") && done.contains("# recording stopped"))
        #expect(session.execute("record start \(path)", source: "t").failure?.message == "\(path) already exists")
        #expect(session.execute("record stop", source: "t").failure?.message == "nothing is being recorded")
    }

    @Test func replayRefusesAnExistingDatabase() throws {
        let (files, session) = try original()
        try files.write("x.clinic", "echo hi\n")
        try files.write("x.replay.sqlite", "")
        #expect(throws: CommandError.self) { try Replay.run(files.path("x.clinic"), into: nil, verify: nil, in: session) }
    }
}
