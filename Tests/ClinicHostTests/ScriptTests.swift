import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage

/// A folder of script files for one test.
struct Scripts {
    let folder: URL
    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-scripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
}

func count(_ session: Session, _ table: String) throws -> Int64 {
    try session.sqlite.db.query("SELECT COUNT(*) FROM \(table)").first?.first?.int ?? -1
}

@Suite struct VariableTests {
    @Test func substitutesWholeWordsAndRefusesUnset() throws {
        let v = Variables(["NAME": "Zoë O'Brien", "N": "7"])
        #expect(try v.substitute("--name=${NAME}") == "--name=Zoë O'Brien")
        #expect(try v.substitute("${N}${N}kg") == "77kg")
        #expect(try v.substitute("$${NAME} costs $5") == "${NAME} costs $5")
        #expect(throws: Variables.Unset(name: "MISSING")) { try v.substitute("x=${MISSING}") }
        #expect(throws: Variables.Malformed(word: "${1x}")) { try v.substitute("${1x}") }
        #expect(throws: Variables.Malformed(word: "${NAME")) { try v.substitute("${NAME") }
        #expect(Variables.assignment("A_1=x=y")! == ("A_1", "x=y"))
        #expect(Variables.assignment("1A=x") == nil)
    }
}

@Suite struct CSVTests {
    @Test func readsQuotesNewlinesCRLFAndABOM() throws {
        let table = try CSVTable(text: "\u{FEFF}NAME,NOTE\r\n\"Smith, Jo\",\"said \"\"hi\"\"\nthen left\"\r\n\r\nAl,\n", name: "t.csv")
        #expect(table.columns == ["NAME", "NOTE"])
        #expect(table.rows.count == 2)
        #expect(table.rows[0].values == ["NAME": "Smith, Jo", "NOTE": "said \"hi\"\nthen left"])
        #expect(table.rows[1].values == ["NAME": "Al", "NOTE": ""])
        #expect(table.rows[1].line == 5)
    }

    @Test(arguments: [
        ("A,B\n1\n", "row 1 has 1 fields, the header 2"),
        ("First Name\nx\n", "is not a variable name"),
        ("A,A\n1,2\n", "appears twice"),
        ("A\n\"open\n", "never closed"),
        ("A\nab\"c\n", "a quote inside an unquoted field"),
        ("", "is empty"),
    ])
    func refusesMalformedFiles(_ text: String, _ message: String) {
        #expect(throws: CSVTable.Failure.self) { try CSVTable(text: text, name: "t.csv") }
        do { _ = try CSVTable(text: text, name: "t.csv") } catch { #expect("\(error)".contains(message), "\(error)") }
    }
}

@Suite struct ScriptRunnerTests {
    @Test func aFailedScriptLeavesNothingAndSaysSo() throws {
        let (session, console, _) = try makeSession()
        let files = try Scripts()
        let script = try files.write("a.clinic", """
            patient new --name "Ann Bee" --dob 1980-01-01 --sex F --mrn A-1
            visit start --kind consult
            gate prepare
            gate give dose=11
            """)
        #expect(!ScriptRunner(session: session).runFile(script))
        #expect(try count(session, "patients") == 0)
        #expect(try count(session, "records") == 0)
        #expect(session.patient == nil && session.visit == nil, "the session is back where it started")
        #expect(console.errors.first == "\(script):4: error: dose: 11 is outside 1–10; check the value")
        #expect(console.errors.last == "\(script): stopped; rolled back 3 commands: nothing from \(script) was recorded")
        // The failure is journalled once, after the rollback, and says so.
        let journal = try session.store.journal()
        #expect(journal.count == 1)
        #expect(journal[0].command == "gate give dose=11" && journal[0].outcome == "error" && journal[0].message.contains("rolled back 3 commands"))
    }

    @Test func keepGoingCommitsEachCommandOnItsOwn() throws {
        let (session, _, _) = try makeSession()
        let script = try Scripts().write("a.clinic", "patient new --name A --dob 1980-01-01 --sex F\nvisit start --kind lunch\npatient list\n")
        #expect(!ScriptRunner(session: session, keepGoing: true).runFile(script))
        #expect(try count(session, "patients") == 1)
    }

    @Test func variablesAreWholeArgumentsSoAValueCannotInject() throws {
        let (session, _, _) = try makeSession()
        let files = try Scripts()
        let evil = "x\" --mrn EVIL; patient new --name Mallory --dob 1970-01-01 --sex M #"
        let script = try files.write("a.clinic", "patient new --name ${NAME} --dob 1980-01-01 --sex F --mrn ${MRN}\n")
        #expect(ScriptRunner(session: session, variables: ["NAME": evil, "MRN": "A-1"]).runFile(script))
        #expect(try session.sqlite.db.query("SELECT mrn, name FROM patients") == [[.text("A-1"), .text(evil)]])
    }

    @Test func aCSVValueCannotInjectACommandOrAField() throws {
        let (session, _, _) = try makeSession()
        let files = try Scripts()
        let script = try files.write("row.clinic", "patient new --name ${NAME} --dob 1980-01-01 --sex F --mrn ${MRN}\n")
        let data = try files.write("rows.csv", "MRN,NAME\n"
            + "A-1,\"Bob\"\"; patient new --name Mallory --dob 1970-01-01 --sex M; echo \"\"\"\n"
            + "A-2,Eve --mrn EVIL\nA-3,'x' sex=M\n")
        let (ok, _) = ScriptRunner(session: session).runCSV(script: script, name: "row.clinic", data: data, dataName: "rows.csv", bail: false)
        #expect(ok)
        #expect(try session.sqlite.db.query("SELECT mrn, name, sex FROM patients ORDER BY id") == [
            [.text("A-1"), .text("Bob\"; patient new --name Mallory --dob 1970-01-01 --sex M; echo \""), .text("F")],
            [.text("A-2"), .text("Eve --mrn EVIL"), .text("F")],
            [.text("A-3"), .text("'x' sex=M"), .text("F")],
        ])
    }

    @Test func anUnsetVariableIsAnErrorNamingIt() throws {
        let (session, console, _) = try makeSession()
        let script = try Scripts().write("a.clinic", "set SEX F\npatient new --name ${NAME} --dob 1980-01-01 --sex ${SEX}\n")
        #expect(!ScriptRunner(session: session).runFile(script))
        #expect(console.errors.first == "\(script):2: error: ${NAME} is not set; give --var NAME=VALUE, or set NAME VALUE before this line")
    }

    @Test func setEchoAndIncludeRelativeToTheIncludingFile() throws {
        let (session, console, _) = try makeSession()
        let files = try Scripts()
        try FileManager.default.createDirectory(atPath: files.path("lib"), withIntermediateDirectories: true)
        try files.write("lib/register.clinic", "patient new --name ${WHO} --dob 1980-01-01 --sex F\ninclude visit.clinic\n")
        try files.write("lib/visit.clinic", "visit start --kind consult\n")
        let main = try files.write("main.clinic", "set WHO Ann Bee\ninclude lib/register.clinic\necho registered ${WHO}\n")
        #expect(ScriptRunner(session: session).runFile(main))
        #expect(console.output.contains("registered Ann Bee"))
        #expect(session.visit != nil)
    }

    @Test func anIncludeCycleIsRefused() throws {
        let (session, console, _) = try makeSession()
        let files = try Scripts()
        try files.write("b.clinic", "include a.clinic\n")
        let a = try files.write("a.clinic", "echo in a\ninclude b.clinic\n")
        #expect(!ScriptRunner(session: session).runFile(a))
        #expect(console.errors.contains { $0.contains("b.clinic:1: error: include cycle: a.clinic → b.clinic → a.clinic") }, "\(console.errors)")
    }

    @Test(arguments: [
        ("expect fact gate.ready", true),
        ("expect no fact gate.ready", false),
        ("expect value gate.level = 3", true),
        ("expect value gate.level = 3.0", true),
        ("expect value gate.level >= 4", false),
        ("expect value gate.ready.level < 4", true),
        ("expect value gate.note contains READY", true),
        ("expect value gate.note = ready to go", true),
        ("expect value gate.tags contains b", true),
        ("expect value gate.tags = a,b", true),
        ("expect value gate.tags contains c", false),
        ("expect value gate.absent = 1", false),
        ("expect count gate = 1", true),
        ("expect count gate.ready = 2", false),
        ("expect count patients >= 1", true),
        ("expect count records = 9", false),
        ("expect error\ngate give dose=11", true),
        ("expect error outside 1–10\ngate give dose=11", true),
        ("expect error consent\ngate give dose=11", false),
        ("expect error\ngate give dose=2", false),
        ("expect error", false),
        ("expect bogus", false),
    ])
    func everyExpectFormPassesAndFails(_ line: String, _ holds: Bool) throws {
        let (session, console, _) = try makeSession(modules: [LevelModule()])
        let script = try Scripts().write("a.clinic", """
            patient new --name A --dob 1980-01-01 --sex F
            visit start --kind infusion
            gate prepare
            \(line)
            """)
        #expect(ScriptRunner(session: session).runFile(script) == holds, "\(line): \(console.errors)")
        if !holds { #expect(console.errors.contains { $0.contains("a.clinic:") }, "a failed expect names FILE:LINE") }
    }

    @Test func aFailedExpectSaysWhatWasExpectedAndFound() throws {
        let (session, console, _) = try makeSession(modules: [LevelModule()])
        let script = try Scripts().write("a.clinic", "patient new --name A --dob 1980-01-01 --sex F\nvisit start --kind infusion\ngate prepare\nexpect value gate.level > 5\n")
        #expect(!ScriptRunner(session: session).runFile(script))
        #expect(console.errors.first == "\(script):4: error: expected gate.level > 5, found 3")
    }

    @Test func eachCSVRowIsItsOwnTransaction() throws {
        let (session, console, _) = try makeSession()
        let files = try Scripts()
        let script = try files.write("row.clinic", "patient new --name ${NAME} --dob ${DOB} --sex F\nvisit start --kind infusion\ngate prepare\n")
        let data = try files.write("rows.csv", "NAME,DOB\nAnn,1980-01-01\nBob,2099-01-01\nCid,1981-02-03\n")
        let (ok, summary) = ScriptRunner(session: session).runCSV(script: script, name: "row.clinic", data: data, dataName: "rows.csv", bail: false)
        #expect(!ok)
        #expect(summary == "3 rows: 2 done, 1 failed: row 2 (see above)")
        #expect(try session.sqlite.db.query("SELECT name FROM patients ORDER BY id") == [[.text("Ann")], [.text("Cid")]])
        #expect(console.errors.contains { $0.hasPrefix("row.clinic:1 (rows.csv row 2): error: dob: 2099-01-01 is in the future") }, "\(console.errors)")
        #expect(session.patient == nil, "each row starts, and the run ends, where the run started")
        #expect(try session.store.journal().contains { $0.outcome == "error" && $0.source == "row.clinic:1 rows.csv row 2" },
                "a failed row stays in the journal")

        let (bailed, _) = ScriptRunner(session: session).runCSV(script: script, name: "row.clinic", data: data, dataName: "rows.csv", bail: true)
        #expect(!bailed)
        #expect(console.output.last == "3 rows: 1 done, 1 failed: row 2 (see above), 1 not run (--bail)")
    }

    @Test func aScriptRunFromTheShellDoesNotAskForMissingFields() throws {
        let (session, console, _) = try makeSession()
        let input = ScriptedInput(["1980-01-01"])
        session.input = input
        let script = try Scripts().write("a.clinic", "patient new --name A --sex F\n")
        #expect(ScriptRunner(session: session).interactive("run \(script)", source: "shell").failure != nil)
        #expect(input.prompts.isEmpty)
        #expect(console.errors.first?.contains("a.clinic:1: error: patient new is missing dob") == true, "\(console.errors)")
        // Typed at the prompt, the same command asks.
        #expect(session.execute("patient new --name A --sex F", source: "shell") == .ok)
        #expect(input.prompts.count == 1)
    }

    @Test func runFromTheShellTakesVarsAndCSV() throws {
        let (session, console, _) = try makeSession()
        let files = try Scripts()
        try files.write("row.clinic", "patient new --name ${NAME} --dob 1980-01-01 --sex ${SEX}\n")
        try files.write("rows.csv", "NAME\nAnn\nBob\n")
        let runner = ScriptRunner(session: session)
        #expect(runner.interactive("run \(files.path("row.clinic")) --var SEX=F --csv \(files.path("rows.csv"))", source: "shell") == .ok)
        #expect(try count(session, "patients") == 2)
        #expect(console.output.last == "2 rows: 2 done")
        #expect(runner.interactive("run \(files.path("row.clinic")) var=SEX=M csv=\(files.path("rows.csv")) bail=yes", source: "shell") == .ok,
                "the name=value forms help shows work too")
        #expect(try count(session, "patients") == 4)
        #expect(runner.interactive("run", source: "shell").failure?.description == "run: which script?; type run FILE [--var NAME=VALUE ...] [--csv DATA.csv [--bail]]")
        #expect(runner.interactive("include x.clinic", source: "shell").failure?.message == "include works inside scripts")
        #expect(try session.store.journal().last?.command.hasPrefix("run ") == true, "who ran the script is journalled")
    }
}

/// A module whose entry carries a number, a text and a list, for `expect value`.
final class LevelModule: ClinicModule {
    let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "gate", version: "1.0.0", summary: "levels"),
        commands: [
            CommandSpec("prepare", summary: "records a level", needsVisit: true),
            CommandSpec("give", summary: "a dose", fields: [FieldSpec("dose", .integer(1...10), help: "a dose")], requires: ["gate.ready"]),
        ],
        facts: [FactSpec("gate.ready", summary: "prepared", establishedBy: "gate prepare")])

    func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        if invocation.verb == "prepare" {
            try context.append(RecordDraft(kind: "ready", payload: ["level": 3, "note": "ready to go", "tags": ["a", "b"]]))
        }
        return .lines("\(invocation.verb) done")
    }

    func facts(from record: any RecordReader) throws -> [Fact] {
        try record.latest(module: "gate", kind: "ready") == nil ? [.missing("gate.ready", "not prepared")] : [.present("gate.ready", "prepared")]
    }
}
