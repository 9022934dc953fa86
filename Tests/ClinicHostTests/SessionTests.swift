import ClinicKit
import ClinicTestSupport
import Foundation
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import Testing

@Suite struct SessionTests {
    func openPatient(_ session: Session) throws {
        #expect(session.execute("patient new --name 'Zoë Ålvarez' --dob 1979-03-02 --sex F --mrn BAR-001", source: "t") == .ok)
        #expect(session.execute("visit start --kind consult", source: "t") == .ok)
    }

    /// `--sandbox` without `--db` opens `CLINIC_DB` when it is set, as every other start does (a live
    /// database there is then refused as a sandbox when it is opened).
    @Test func theSandboxHonoursClinicDB() {
        #expect(ProgramOptions.defaultSandbox(["CLINIC_DB": "/tmp/x.sqlite", "XDG_DATA_HOME": "/d"]) == "/tmp/x.sqlite")
        #expect(ProgramOptions.defaultSandbox(["XDG_DATA_HOME": "/d"]) == "/d/clinic/sandbox.sqlite")
        #expect(ProgramOptions.defaultSandbox(["CLINIC_DB": "", "XDG_DATA_HOME": "/d"]) == "/d/clinic/sandbox.sqlite")
    }

    @Test func roleRefusalNamesTheRoleNeeded() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        let f = try #require(session.execute("gate sign", source: "t").failure)
        #expect(f.kind == .refused)
        #expect(f.message == "gate sign needs the role physician; nora is nurse")
    }

    @Test func adminCannotRunClinicalCommands() throws {
        let (session, _, _) = try makeSession(signedIn: [.admin])
        let f = try #require(session.execute("patient new --name A --dob 1980-01-01 --sex M", source: "t").failure)
        #expect(f.message.contains("needs the role nurse or physician; nora is admin"))
    }

    @Test func nothingRunsUnsignedExceptOpenCommands() throws {
        let (session, _, _) = try makeSession()
        session.signOut()
        #expect(session.execute("patient list", source: "t").failure?.message == "patient list: nobody is signed in")
        #expect(session.execute("help", source: "t") == .ok)
    }

    @Test func gatingRefusesUntilTheFactIsPresent() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        let f = try #require(session.execute("gate give dose=2", source: "t").failure)
        #expect(f.description == "gate give refused: gate.ready is missing (not prepared); run gate prepare first")
        #expect(session.execute("gate prepare", source: "t") == .ok)
        #expect(session.execute("gate give dose=2", source: "t") == .ok)
    }

    @Test func scriptsGetAnErrorForMissingFields() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        try #require(session.execute("gate prepare", source: "t") == .ok)
        let f = try #require(session.execute("gate give", source: "t").failure)
        #expect(f.description == "gate give is missing dose (a whole number, 1–10); add e.g. dose=5")
    }

    /// At a terminal a refused value is asked for again, not the command cancelled; a script
    /// still fails on it.
    @Test func aRefusedValueIsAskedAgainAtATerminal() throws {
        let (session, console, _) = try makeSession()
        try openPatient(session)
        try #require(session.execute("gate prepare", source: "t") == .ok)
        let input = ScriptedInput(["dose=3"])
        session.input = input
        #expect(session.execute("gate give dose=11", source: "t") == .ok)
        #expect(console.errors.contains("  error: dose: 11 is outside 1–10; type it here, e.g. 5 (? for help)"), "\(console.errors)")
        #expect(input.prompts == ["  dose (a whole number, 1–10): "])
    }

    @Test func validationMessagesComeFromTheDeclaration() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        try #require(session.execute("gate prepare", source: "t") == .ok)
        #expect(session.execute("gate give dose=11", source: "t").failure?.description == "dose: 11 is outside 1–10; check the value")
        #expect(session.execute("gate give dos=1", source: "t").failure?.description == "gate give has no field 'dos'; did you mean dose?; type help gate give")
        #expect(session.execute("gate give dose=1 dose=2", source: "t").failure?.message == "dose is given twice")
        #expect(session.execute("gate give 3", source: "t").failure?.message == "unexpected '3' after gate give")
        #expect(session.execute("gaet give", source: "t").failure?.message.contains("did you mean 'gate'?") == true)
    }

    @Test func aFailedCommandLeavesNothingAndIsJournalled() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        let before = try session.store.recordCount()
        #expect(session.execute("gate fail", source: "f.clinic:3", ) .failure?.message == "failed on purpose")
        #expect(try session.store.recordCount() == before)
        let last = try session.sqlite.db.query("SELECT source, command, outcome FROM journal ORDER BY id DESC LIMIT 1")[0]
        #expect(last == [.text("f.clinic:3"), .text("gate fail"), .text("error")])
    }

    @Test func aRolledBackCommandLeavesTheSessionAsItWas() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        let before = (session.patient, session.visit)
        // Make the journal write, the last step of every command, fail.
        try session.tamper("DROP TABLE journal")
        #expect(session.execute("patient new --name Other --dob 1980-01-01 --sex M --mrn X-2", source: "t").failure != nil)
        #expect(session.patient == before.0 && session.visit == before.1, "the session still shows BAR-001's visit")
        #expect(try session.store.patient(mrn: "X-2") == nil)
        #expect(session.execute("visit end", source: "t").failure != nil)
        #expect(session.visit == before.1)
    }

    @Test func journalKeepsTheCanonicalCommand() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        let rows = try session.sqlite.db.query("SELECT command FROM journal ORDER BY id").compactMap { $0[0].text }
        #expect(rows.contains("patient new name='Zoë Ålvarez' dob=1979-03-02 sex=F mrn=BAR-001"))
        #expect(try session.store.verifyJournal().firstBreak == nil)
    }

    @Test func theLastPositionalTextTakesTheRestOfTheWords() throws {
        let (session, console, _) = try makeSession()
        #expect(session.execute("help patient new", source: "t") == .ok)
        #expect(console.output.first == "patient new name=… dob=… sex=… [mrn=…] [force=…] [duplicate=…]")
        try openPatient(session)
        console.output = []
        #expect(session.execute("patient find Zoë Ålvarez", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("BAR-001") })
        // A named field is still a field, and a command without a positional field still refuses extra words.
        #expect(session.execute("patient find Zoë nonsense=1", source: "t").failure?.message == "patient find has no field 'nonsense'; its fields are text")
        #expect(session.execute("visit end now", source: "t").failure?.message == "unexpected 'now' after visit end")
    }

    @Test func duplicateMRNIsRefused() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        let f = try #require(session.execute("patient new --name Other --dob 1980-01-01 --sex M --mrn bar-001", source: "t").failure)
        #expect(f.message == "MRN BAR-001 already belongs to another patient")
    }

    @Test func oneOpenVisitAtATime() throws {
        let (session, _, _) = try makeSession()
        try openPatient(session)
        #expect(session.execute("visit start --kind infusion", source: "t").failure?.message.contains("already open") == true)
        #expect(session.execute("visit end", source: "t") == .ok)
        #expect(session.execute("visit end", source: "t").failure?.message.contains("no visit is open") == true)
    }

    @Test func statusShowsBlockedAndMissingFacts() throws {
        final class Waiting: ClinicModule {
            let declaration = ModuleDeclaration(
                manifest: ModuleManifest(name: "later", version: "1", summary: "waits", order: 200),
                commands: [CommandSpec("do", summary: "", requires: ["gate.ready"])],
                facts: [FactSpec("later.done", summary: "", establishedBy: "later do")])
            func run(_ i: Invocation, in c: any ModuleContext) throws -> CommandOutput { CommandOutput() }
            func facts(from r: any RecordReader) throws -> [Fact] { [.missing("later.done", "not done")] }
        }
        let (session, console, _) = try makeSession(modules: [GateModule(), Waiting()])
        try openPatient(session)
        #expect(session.execute("status", source: "t") == .ok)
        let text = console.output.joined(separator: "\n")
        #expect(text.contains("✘  gate.ready  not prepared; run gate prepare"))
        #expect(text.contains("·  later.done  blocked: waits for gate.ready"))
    }
}

@Suite struct CompleterTests {
    func completer() throws -> Completer {
        let (session, _, _) = try makeSession()
        return Completer(catalog: session.catalog, mrns: { ["BAR-001", "BAR-002", "C000003"] }, staffNames: { ["nora", "patel"] })
    }

    @Test(arguments: [
        ("pa", ["patient "]),
        ("patient op", ["open "]),
        ("patient open BA", ["BAR-001 ", "BAR-002 "]),
        ("export fhir BA", ["BAR-001 ", "BAR-002 "]),
        ("export fhir --a", ["--all "]),
        ("audit log --patient C", ["C000003 "]),
        ("audit log patient=BAR-00", ["patient=BAR-001 ", "patient=BAR-002 "]),
        ("visit start --kind inf", ["infusion "]),
        ("visit start kind=f", ["kind=follow-up "]),
        ("gate give d", ["dose="]),
        ("patient new --s", ["--sex "]),
        ("login p", ["patel "]),
        ("nonsense x", []),
    ])
    func offers(_ before: String, _ expected: [String]) throws {
        #expect(try completer().complete(before, mode: .command).candidates == expected)
    }

    @Test func completesChoicesAfterACommaAndUnitsAfterANumber() throws {
        let field = FieldSpec("symptoms", .choices([Choice("fatigue", ""), Choice("fibro-fog", ""), Choice("sleep", "")]), help: "")
        #expect(try completer().complete("fatigue,s", mode: .field(field)).candidates == ["fatigue,sleep"])
        let weight = FieldSpec("weight", .quantity(units: [.kilogram, .pound], range: 1...2), help: "")
        #expect(try completer().complete("72l", mode: .field(weight)).candidates == ["72lb "])
        #expect(Completer.commonPrefix(["fatigue", "fibro-fog"]) == "f")
    }
}

@Suite struct ProgramOptionsTests {
    @Test func readsTheCommandLine() throws {
        let parsed = try ProgramOptions.parse(["--db", "x.sqlite", "--plugins=p", "--user", "nora", "--keep-going", "a.clinic", "b.clinic"])
        var expected = ProgramOptions()
        expected.database = "x.sqlite"
        expected.pluginFolders = ["p"]
        expected.user = "nora"
        expected.keepGoing = true
        expected.files = ["a.clinic", "b.clinic"]
        #expect(parsed == .run(expected))
    }

    @Test(arguments: [["--db"], ["--frobnicate"], ["-c", "status", "a.clinic"], ["--user="]])
    func refusesBadUsage(_ args: [String]) {
        #expect(throws: ProgramOptions.UsageError.self) { try ProgramOptions.parse(args) }
    }

    @Test func defaultPathsFollowXDG() {
        #expect(ProgramOptions.defaultDatabase(["CLINIC_DB": "/a/b.sqlite"]) == "/a/b.sqlite")
        #expect(ProgramOptions.defaultDatabase(["XDG_DATA_HOME": "/x", "HOME": "/h"]) == "/x/clinic/clinic.sqlite")
        #expect(ProgramOptions.defaultDatabase(["HOME": "/h"]) == "/h/.local/share/clinic/clinic.sqlite")
        #expect(ProgramOptions.defaultHistory(["XDG_STATE_HOME": "/s"]) == "/s/clinic/history")
    }

    @Test func scriptLinesJoinContinuationsAndSkipComments() {
        let lines = ScriptRunner.lines(of: "# c\n\na b \\\n  c\n  # indented comment\nd\r\n")
        #expect(lines == [ScriptRunner.Line(number: 3, text: "a b    c"), ScriptRunner.Line(number: 6, text: "d")])
    }
}

/// What a module can ask of the host besides its own record: another module's command, another
/// module's fact, and showing what falls due.
@Suite struct ModuleServicesTests {
    func session() throws -> (Session, TestConsole, TestClock) {
        let (session, console, clock) = try makeSession(modules: [GateModule(), RelayModule()])
        #expect(session.execute("patient new --name 'Zoë Ålvarez' --dob 1979-03-02 --sex F --mrn BAR-001", source: "t") == .ok)
        #expect(session.execute("visit start --kind consult", source: "t") == .ok)
        return (session, console, clock)
    }

    func kinds(_ session: Session) throws -> [String] {
        try session.store.records(patientID: try #require(session.patient).id).map { "\($0.module) \($0.kind)" }
    }

    @Test func aPerformedCommandThatFailsTakesOnlyItsOwnEntries() throws {
        let (session, console, _) = try session()
        #expect(session.execute("relay fail", source: "t") == .ok)
        #expect(console.output.contains("gate said: failed on purpose; nothing to do"))
        #expect(try kinds(session).suffix(2) == ["relay before", "relay after"], "gate's partial entry went with its savepoint")
        // The journal keeps the one line typed; a replay runs the inner command again.
        let journal = try session.sqlite.db.query("SELECT command FROM journal ORDER BY id DESC LIMIT 1").compactMap { $0[0].text }
        #expect(journal == ["relay fail"])
    }

    @Test func aPerformedCommandHasTheChecksOfATypedOne() throws {
        let (session, _, _) = try session()
        #expect(session.execute("relay give dose=3", source: "t").failure?.message.hasPrefix("gate give refused: gate.ready is missing") == true)
        #expect(session.execute("gate prepare", source: "t") == .ok)
        #expect(session.execute("relay give dose=30", source: "t").failure?.message == "dose: 30 is outside 1–10")
        #expect(session.execute("relay give dose=3", source: "t") == .ok)
        #expect(session.execute("relay sign", source: "t").failure?.message == "gate sign needs the role physician; nora is nurse")
        #expect(session.execute("relay nowhere", source: "t").failure?.message == "module relay asked to run 'gate teleport', which is not a loaded module's command")
    }

    @Test func aFactThatAsksForItselfIsRefusedNotRecursedInto() throws {
        let (session, _, _) = try session()
        #expect(throws: CommandError.self) { try session.fact("relay.loop") }
        #expect(session.execute("status", source: "t").failure?.message == "the modules' facts depend on each other in a cycle (relay → relay)")
        // The session goes on.
        #expect(session.execute("gate prepare", source: "t") == .ok)
    }

    @Test func whatFallsDueRidesInThePromptAndWarnsWhenOverdue() throws {
        let (session, _, clock) = try session()
        #expect(session.prompt == "nora@BAR-001 [consult]> ")
        #expect(session.execute("relay mark", source: "t") == .ok)
        #expect(session.prompt == "nora@BAR-001 [consult · check due 09:10]> ")
        #expect(session.overdueWarnings().isEmpty)
        clock.current = clock.current.addingTimeInterval(600)
        #expect(session.prompt == "nora@BAR-001 [consult · check due now]> ")
        #expect(session.overdueWarnings().isEmpty)
        clock.current = clock.current.addingTimeInterval(181)
        #expect(session.prompt == "nora@BAR-001 [consult · check OVERDUE 3 min]> ")
        #expect(session.overdueWarnings() == ["check overdue by 3 min (due 09:10, ten minutes after the mark): type relay mark"])
    }
}


/// Two modules of one name: the shipped one keeps it unless the other says it replaces it.
@Suite struct ModuleNameCollisionTests {
    final class Named: ClinicModule {
        let declaration: ModuleDeclaration
        init(_ name: String, replaces: Bool = false) {
            declaration = ModuleDeclaration(manifest: ModuleManifest(name: name, version: "1.0.0", summary: "x", replacesShipped: replaces), commands: [])
        }
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
    }

    @Test func aClinicsModuleNamedLikeAShippedOneIsRefused() {
        let clinics = LoadedModule(module: Named("followup"), file: "/clinic/libOurs.so", origin: "--plugins")
        let shipped = LoadedModule(module: Named("followup"), file: "/opt/clinic/libClinicFollowUp.so", origin: PluginFolder.builtIn)
        let chosen = PluginLoader.choose(among: [clinics, shipped])
        #expect(chosen.loaded.map(\.file) == ["/opt/clinic/libClinicFollowUp.so"])
        #expect(chosen.refused.map(\.file) == ["/clinic/libOurs.so"])
        #expect(chosen.refused.first?.reason.hasPrefix("is named 'followup' like the shipped module; rename it") == true)
    }

    @Test func aReplacementSaysSoAndModulesShowsIt() {
        let clinics = LoadedModule(module: Named("followup", replaces: true), file: "/clinic/libOurs.so", origin: "--plugins")
        let other = LoadedModule(module: Named("followup"), file: "/clinic/libOther.so", origin: "CLINIC_PLUGIN_PATH")
        let shipped = LoadedModule(module: Named("followup"), file: "/opt/clinic/libClinicFollowUp.so", origin: PluginFolder.builtIn)
        let chosen = PluginLoader.choose(among: [other, clinics, shipped])
        #expect(chosen.loaded.map(\.file) == ["/clinic/libOurs.so"])
        #expect(chosen.loaded.first?.replaced == "/opt/clinic/libClinicFollowUp.so")
        #expect(Set(chosen.refused.map(\.file)) == ["/clinic/libOther.so", "/opt/clinic/libClinicFollowUp.so"])
        var report = PluginReport()
        report.loaded = chosen.loaded
        #expect(Renderer.render(Help.modules(report), highlight: false).contains { $0.contains("replaces the shipped followup, libClinicFollowUp.so") })
    }

    @Test func betweenTwoOthersTheFirstFoundLoads() {
        let a = LoadedModule(module: Named("bladder"), file: "/a/libA.so", origin: "--plugins")
        let b = LoadedModule(module: Named("bladder"), file: "/b/libB.so", origin: "CLINIC_PLUGIN_PATH")
        let chosen = PluginLoader.choose(among: [a, b])
        #expect(chosen.loaded.map(\.file) == ["/a/libA.so"])
        #expect(chosen.refused.first?.reason == "is a second module named 'bladder' (already loaded from /a/libA.so); remove one of them")
    }
}
