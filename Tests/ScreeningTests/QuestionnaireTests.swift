import ClinicIntake
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
@testable import ClinicScreening

/// The questionnaires' scoring against the published rules (REFERENCE.md §6.5, §6.6, §7.1, §7.2):
/// PHQ-9, GAD-7, DAST-10 and AUDIT-C are the shipped instrument files, scored as the program scores
/// them, asked and recorded through the screening module's commands.
@Suite struct QuestionnaireTests {
    static func shipped(_ name: String) throws -> Instrument {
        try InstrumentFile.read(path: (InstrumentFile.shippedFolder as NSString).appendingPathComponent(name + ".json"))
    }

    /// Answers giving `scores` to the choice items in order.
    static func answers(_ q: Instrument, _ scores: [Int]) -> [String: FHIRPathSubset.Value] {
        Dictionary(uniqueKeysWithValues: zip(q.items, scores).map { ($0.linkId, FHIRPathSubset.Value.coding(code: String($1), weight: Double($1))) })
    }

    static func total(_ q: Instrument, _ answers: [String: FHIRPathSubset.Value]) throws -> (total: Int, band: String?) {
        let result = try q.score(answers)
        guard case .number(let n)?? = result.scores["total"] else { return (-1, nil) }
        return (Int(n), result.band)
    }

    @Test(arguments: [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
                      (15, "moderately severe"), (19, "moderately severe"), (20, "severe"), (27, "severe")])
    func phq9Bands(_ total: Int, _ band: String) throws {
        // Spread the total over the first items, 3 at most each.
        let scores = (0..<9).map { min(3, max(0, total - $0 * 3)) }
        let phq9 = try Self.shipped("phq9")
        let scored = try Self.total(phq9, Self.answers(phq9, scores))
        #expect(scored.total == total)
        #expect(scored.band == band)
    }

    @Test(arguments: [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"), (15, "severe"), (21, "severe")])
    func gad7Bands(_ total: Int, _ band: String) throws {
        let scores = (0..<7).map { min(3, max(0, total - $0 * 3)) }
        let gad7 = try Self.shipped("gad7")
        let scored = try Self.total(gad7, Self.answers(gad7, scores))
        #expect(scored.total == total && scored.band == band)
    }

    @Test func dast10ScoresANoOnItemThree() throws {
        let q = try Self.shipped("dast10")
        func answers(_ yes: Bool) -> [String: FHIRPathSubset.Value] { Dictionary(uniqueKeysWithValues: q.items.map { ($0.linkId, .bool(yes)) }) }
        // All "no": only item 3 (able to stop) scores.
        let none = try Self.total(q, answers(false))
        #expect(none.total == 1 && none.band == "low")
        // All "yes": every item but 3.
        let all = try Self.total(q, answers(true))
        #expect(all.total == 9 && all.band == "severe")
        var mixed = answers(false)
        mixed["q3"] = .bool(true)
        #expect(try Self.total(q, mixed) == (0, "none reported"))
    }

    func session(sex: String) throws -> (Session, TestConsole) {
        let (session, console, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()])
        try #require(session.execute("patient new --name A --dob 1980-01-01 --sex \(sex)", source: "t") == .ok)
        try #require(session.execute("visit start --kind consult", source: "t") == .ok)
        return (session, console)
    }

    @Test(arguments: [("F", "q1=1 q2=1 q3=1", "3/12 · positive (cut-off 3 for sex F"), ("M", "q1=1 q2=1 q3=1", "3/12 · negative (cut-off 4 for sex M"),
                      ("M", "q1=2 q2=1 q3=1", "4/12 · positive (cut-off 4 for sex M"), ("X", "q1=1 q2=1 q3=1", "3/12 · positive (cut-off 3 for sex X")])
    func auditCCutOffsComeFromTheProtocol(_ sex: String, _ items: String, _ expected: String) throws {
        let (session, console) = try session(sex: sex)
        #expect(session.execute("screening auditc \(items)", source: "t") == .ok)
        #expect(console.output.last?.contains("AUDIT-C " + expected) == true, "\(console.output)")
    }

    @Test func phq9ItemNineRaisesAnAlertWhateverTheTotal() throws {
        let (session, console) = try session(sex: "F")
        #expect(session.execute("screening phq9 q1=0 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0 q8=0 q9=1", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("ALERT: PHQ-9 item 9 is 1") })
        #expect(console.output.last == "recorded PHQ-9 #3 · PHQ-9 1 · minimal")
        let stored = try #require(try session.store.records(patientID: session.patient!.id, module: "screening", kind: "phq9").last)
        #expect(stored.payload["item9_alert"] == true && stored.payload["q9"] == "1" && stored.payload["q9_score"] == 1)
        // Screening stands it, from its flag: the host keeps no words of its own to stand.
        #expect(stored.payload["alerts"] == nil)
        #expect(session.execute("screening phq9 q1=0 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0 q8=0 q9=0", source: "t") == .ok)
        #expect(!console.output.suffix(1).contains { $0.contains("ALERT") })
        #expect(session.execute("screening show", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("PHQ-9") && $0.contains("0 minimal") && $0.contains("1 on ") })
    }

    /// A shipped instrument's alert is stood by the module it joins, whose code ships with it (the
    /// host stands only a clinic's own): each worked example that raises one leaves exactly one
    /// alert standing, acknowledged with the module's own command.
    @Test func everyShippedInstrumentsAlertStandsInItsModule() throws {
        let (instruments, refused) = InstrumentFile.readFolder(InstrumentFile.shippedFolder)
        #expect(refused.isEmpty)
        let alerting = instruments.filter { !$0.alerts.isEmpty }
        #expect(alerting.map(\.verb) == ["phq9"], "a shipped instrument with alerts needs its module's standing alert tested here")
        for instrument in alerting {
            #expect(instrument.module == "screening")
            var raised = 0
            for example in instrument.examples where !(example.flags ?? []).isEmpty {
                let (session, _) = try session(sex: "F")
                let answers = example.answers.sorted { $0.key.localizedStandardCompare($1.key) == .orderedAscending }.map { "\($0.key)=\($0.value)" }
                #expect(session.execute("screening \(instrument.verb) \(answers.joined(separator: " "))", source: "t") == .ok)
                let standing = try FactEngine(session: session).alerts()
                #expect(standing.count == 1 && standing.first?.acknowledgedBy == "screening acknowledge NOTE", "example \(example.number): \(standing)")
                #expect(session.execute("screening acknowledge seen by the physician", source: "t") == .ok)
                #expect(try FactEngine(session: session).alerts().isEmpty)
                raised += 1
            }
            #expect(raised > 0, "\(instrument.title) has no worked example that raises its alert")
        }
    }

    @Test func theShellAsksEachItemWithItsWordingAndAnchors() throws {
        let (session, console) = try session(sex: "F")
        let input = ScriptedInput(["2", "4", "1"])
        session.input = input
        #expect(session.execute("screening gad7 q1=0 q2=0 q3=0 q4=0 q5=0", source: "t") == .ok)
        #expect(console.output.contains("  so restless that it is hard to sit still (over the past 2 weeks)") == false, "given items are not asked")
        #expect(console.output.contains("  becoming easily annoyed or irritable (over the past 2 weeks)"))
        #expect(console.output.contains("    0 = not at all · 1 = several days · 2 = more than half the days · 3 = nearly every day"))
        #expect(input.prompts == ["  q6 (one of 0, 1, 2, 3): ", "  q7 (one of 0, 1, 2, 3): ", "  q7 (one of 0, 1, 2, 3): "], "4 is refused and asked again")
        #expect(console.output.last == "recorded GAD-7 #3 · GAD-7 3 · minimal")
    }

    /// An item asked only when an earlier answer says so (enableWhen) is asked at the terminal once
    /// that answer is in, and not otherwise, as a coded command asks a field it needs.
    @Test func anItemAnEarlierAnswerCallsForIsAskedAtTheTerminal() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("instruments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // q7 only when q1 is not 0: every worked example still scores as it says.
        let text = try TutorialInstrument.text().replacingOccurrences(of: #"{ "linkId": "q7","#,
                                                                      with: #"{ "linkId": "q7", "enableWhen": [{ "question": "q1", "operator": "!=", "answerCoding": { "code": "0" } }],"#)
        #expect(text != (try TutorialInstrument.text()))
        try text.write(to: folder.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        let (session, console, _) = try makeSession(modules: [IntakeModule(), ScreeningModule()], instrumentFolders: [folder.path])
        try #require(session.instruments.contains { $0.verb == "isi" })
        #expect(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        #expect(session.execute("visit start --kind consult", source: "t") == .ok)
        let input = ScriptedInput(["3"])
        session.input = input
        #expect(session.execute("screening isi q1=2 q2=1 q3=1 q4=1 q5=1 q6=1", source: "t") == .ok)
        #expect(input.prompts == ["  q7 (one of 0, 1, 2, 3, 4): "], "\(input.prompts)")
        #expect(console.output.last?.hasPrefix("recorded ISI #") == true && console.output.last?.contains("ISI 10") == true, "\(console.output)")
        let quiet = ScriptedInput([])
        session.input = quiet
        #expect(session.execute("screening isi q1=0 q2=1 q3=1 q4=1 q5=1 q6=1", source: "t") == .ok)
        #expect(quiet.prompts.isEmpty && console.output.last?.contains("ISI 5") == true, "\(console.output)")
        // Back from the item to the answer that called for it, and changed: the item goes, unasked.
        let changed = ScriptedInput(["2", "^", "0"])
        session.input = changed
        #expect(session.execute("screening isi q2=1 q3=1 q4=1 q5=1 q6=1", source: "t") == .ok)
        #expect(changed.prompts.map { $0.trimmingCharacters(in: .whitespaces).prefix(2) } == ["q1", "q7", "q1"], "\(changed.prompts)")
        #expect(console.output.last?.contains("ISI 5") == true, "\(console.output)")
        // In a script, an answer to an item these answers do not ask is a slip, said.
        session.input = nil
        let slip = session.execute("screening isi q1=0 q2=1 q3=1 q4=1 q5=1 q6=1 q7=3", source: "t")
        #expect(slip.failure?.message == "q7 is not asked with these answers (q7 is asked when q1 != 0); nothing was recorded", "\(slip)")
        #expect(try session.store.records(patientID: session.patient!.id, module: "screening", kind: "isi").count == 3)
    }

    /// The prompt reader's keys: `?` and `??` help, `^` back one item (its answer offered as
    /// `VALUE//`, Enter keeping it), `name=value` taken at the prompt, a refused answer asked again.
    @Test func thePromptKeysHelpAndGoBack() throws {
        let (session, console) = try session(sex: "F")
        let input = ScriptedInput(["?", "??", "^", "2", "^", "", "q7=4", "q7=1"])
        session.input = input
        #expect(session.execute("screening gad7 q1=0 q2=0 q3=0 q4=0 q5=0", source: "t") == .ok)
        let q6 = "  q6 (one of 0, 1, 2, 3): ", q7 = "  q7 (one of 0, 1, 2, 3): "
        #expect(input.prompts == [q6, q6, q6, q6, q7, "  q6 (one of 0, 1, 2, 3) 2// ", q7, q7], "\(input.prompts)")
        #expect(console.output.contains("    q6: one of 0, 1, 2, 3; e.g. 0"))
        #expect(console.output.contains("      2 = more than half the days"), "?? lists each choice's meaning")
        #expect(console.errors.contains("  this is the first item: nothing to go back to (^^ abandons the command)"))
        #expect(console.errors.contains { $0.hasPrefix("  error: '4' is not one of 0, 1, 2, 3") && !$0.contains("q7=") && $0.hasSuffix("(? for help, ^^ to abandon)") }, "\(console.errors)")
        #expect(console.output.last == "recorded GAD-7 #3 · GAD-7 3 · minimal")
        let stored = try #require(try session.store.records(patientID: session.patient!.id, module: "screening", kind: "gad7").last)
        #expect(stored.payload["q6"] == "2" && stored.payload["q7"] == "1")
    }

    /// Going back offers the answer as it was typed (`none`, not the empty list it reads as), and
    /// the journal keeps a line that replays.
    @Test func goingBackOffersTheAnswerAsTyped() throws {
        let (session, _) = try session(sex: "F")
        let input = ScriptedInput(["none", "^", "", "none"])
        session.input = input
        #expect(session.execute("intake record weight=72kg height=165cm pain_months=5 symptoms=fatigue onset=none treatments=none comorbidities=none pregnancy=no escort=yes", source: "t") == .ok)
        #expect(input.prompts.count == 4 && input.prompts[2].hasSuffix(" none// "), "\(input.prompts)")
        let line = try session.sqlite.db.query("SELECT command FROM journal WHERE command LIKE 'intake record%' ORDER BY id DESC LIMIT 1").first?.first?.text ?? ""
        #expect(line.contains("allergies=none") && line.contains("medications=none"), "\(line)")
    }

    /// `^^` abandons the command, and Ctrl-C does once it is confirmed: nothing is recorded.
    @Test func abandoningRecordsNothing() throws {
        final class Keys: LineInput {
            var events: [InputEvent]
            init(_ events: [InputEvent]) { self.events = events }
            func readLine(prompt: String, completion: CompletionMode) -> InputEvent { events.isEmpty ? .end : events.removeFirst() }
            func readSecret(prompt: String) -> InputEvent { .end }
            func remember(_ line: String) {}
        }
        let (session, _) = try session(sex: "F")
        let before = try session.store.recordCount()
        session.input = Keys([.line("1"), .line("^^")])
        #expect(session.execute("screening gad7 q1=0 q2=0 q3=0 q4=0 q5=0", source: "t").failure?.kind == .cancelled)
        // Ctrl-C after an answer asks first: no keeps the answers and goes on; yes abandons.
        session.input = Keys([.line("1"), .interrupt, .line("n"), .interrupt, .line("y")])
        #expect(session.execute("screening gad7 q1=0 q2=0 q3=0 q4=0 q5=0", source: "t").failure?.kind == .cancelled)
        // Back at the first item the answers typed still count: Ctrl-C asks, and a second Ctrl-C is yes.
        session.input = Keys([.line("1"), .line("^"), .interrupt, .interrupt])
        #expect(session.execute("screening gad7 q1=0 q2=0 q3=0 q4=0 q5=0", source: "t").failure?.kind == .cancelled)
        #expect(try session.store.recordCount() == before)
    }

    @Test func theItemNineAlertStandsUntilAClinicianAcknowledgesIt() throws {
        let (session, console) = try session(sex: "F")
        #expect(session.execute("screening acknowledge seen", source: "t").failure?.message == "no PHQ-9 item 9 alert stands on C000001")
        try #require(session.execute("screening phq9 q1=0 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0 q8=0 q9=2", source: "t") == .ok)
        // It stands on the patient: on opening, and in status.
        try #require(session.execute("patient open C000001", source: "t") == .ok)
        #expect(console.output.last?.hasPrefix("ALERT: PHQ-9 #3 item 9 is 2: thoughts of death or self-harm; a clinician must assess the patient (since 09:00 today; type screening acknowledge NOTE)") == true,
                "\(console.output.last ?? "")")
        try #require(session.execute("status", source: "t") == .ok)
        #expect(console.output.contains { $0.hasPrefix("ALERT: PHQ-9 #3 item 9 is 2") })
        #expect(session.execute("screening acknowledge 'assessed by Dr Patel: no plan, safety plan given'", source: "t") == .ok)
        #expect(console.output.last == "acknowledged the PHQ-9 #3 item 9 alert (#4) by nora; screening decide still waits for a physician's assessment (a physician types screening acknowledge NOTE)")
        let before = console.output.count
        try #require(session.execute("status", source: "t") == .ok)
        #expect(!console.output[before...].contains { $0.hasPrefix("ALERT") })
    }

    @Test func aScriptMustGiveEveryItem() throws {
        let (session, _) = try session(sex: "F")
        let f = try #require(session.execute("screening gad7 q1=1 q2=1", source: "t").failure)
        #expect(f.message.hasPrefix("screening gad7 is missing q3 (one of 0, 1, 2, 3)"), "\(f.message)")
    }
}
