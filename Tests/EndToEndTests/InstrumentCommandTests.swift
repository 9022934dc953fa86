import ClinicTestSupport
import Foundation
import Testing

/// Instruments given as data, asked by the program: the Insomnia Severity Index as
/// docs/INSTRUMENTS.md's tutorial writes it, given with --instruments as a clinic gives its own, and
/// a clinic's own refused when its worked examples say otherwise.
extension EndToEnd {
@Suite struct InstrumentCommandTests {
    static let isi = "screening isi q1=3 q2=2 q3=2 q4=2 q5=2 q6=2 q7=2"

    /// The shipped protocol's text, for a test's own copy in the test's folder, where its consent
    /// document is put beside it.
    static func shippedProtocol(beside h: Harness) throws -> String {
        let resources = Harness.products.appendingPathComponent("clinic_ClinicEngine.resources")
        _ = try h.write("consent-ketamine.txt", try String(contentsOf: resources.appendingPathComponent("consent-ketamine.txt"), encoding: .utf8))
        return try String(contentsOf: resources.appendingPathComponent("clinic-protocol.yaml"), encoding: .utf8)
    }


    @Test func theTutorialsISIIsAskedScoredAndRecorded() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let isi = ["--instruments", try TutorialInstrument.folder(in: h.folder)]
        let r = try h.run(isi + ["--user", "nora", "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1", "-c", "visit start --kind consult",
                           "-c", Self.isi, "-c", "help screening isi"], env: Harness.staff)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("recorded ISI #3 · ISI 15 · clinical insomnia, moderate"), "\(r.stdout)")
        #expect(r.stdout.contains("insomnia (Insomnia Severity Index, 7 items, 0–28)") && r.stdout.contains("q7") && r.stdout.contains("4 = very much"), "\(r.stdout)")
        #expect(try h.sql("SELECT module, kind, json_extract(payload, '$.total'), json_extract(payload, '$.band'), json_extract(payload, '$.q1_score'), json_extract(payload, '$.questionnaire') FROM records WHERE kind = 'isi'")
                == ["screening|isi|15|clinical insomnia, moderate|3|https://clinic.example.org/fhir/Questionnaire/isi|1.0.0"])
        // A script's line without every item is refused, naming what is missing; an answer out of range too.
        let missing = try h.run(isi + ["--user", "nora", "-c", "patient open A-1", "-c", "screening isi q1=3"], env: Harness.staff)
        #expect(missing.status == 1 && missing.stderr.contains("q2"), "\(missing.stderr)")
        let wrong = try h.run(isi + ["--user", "nora", "-c", "patient open A-1", "-c", "screening isi q1=5 q2=2 q3=2 q4=2 q5=2 q6=2 q7=2"], env: Harness.staff)
        #expect(wrong.status == 1 && wrong.stderr.contains("q1: '5' is not one of 0, 1, 2, 3, 4"), "\(wrong.stderr)")
        // An administrator asks no patient anything.
        let admin = try h.run(isi + ["--user", "admin", "-c", "patient open A-1", "-c", Self.isi], env: ["CLINIC_PASSWORD": "admin-pass1"])
        #expect(admin.status == 1 && admin.stderr.contains("needs the role"), "\(admin.stderr)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind = 'isi'") == ["1"])
        // Filled in on paper an hour ago, recorded now: --at, as a module's own command takes it.
        let late = try h.run(isi + ["--user", "nora", "-c", "patient open A-1", "-c", "clock set 2027-01-05 10:00",
                              "-c", Self.isi.replacingOccurrences(of: "screening isi", with: "screening isi --at 09:00")], env: Harness.staff)
        #expect(late.status == 0, "\(late.stderr)")
        #expect(try h.sql("SELECT effective_at, recorded_at FROM records WHERE kind = 'isi' ORDER BY id DESC LIMIT 1")
                == ["2027-01-05T09:00:00.000Z|2027-01-05T10:00:00.000Z"])
        #expect(try h.run(isi + ["--user", "nora", "-c", "audit verify"], env: Harness.staff).status == 0)

        // Exported against the instrument's own Questionnaire, once for both responses (every item, its url and version),
        // the score an Observation with its band; the bundle validates, and a response answering
        // an item its Questionnaire lacks does not.
        let file = h.folder.appendingPathComponent("a-1.json").path
        let exported = try h.run(isi + ["--user", "patel", "-c", "patient open A-1", "-c", "export fhir out=\(file)"], env: Harness.staff)
        #expect(exported.status == 0, "\(exported.stderr)")
        // Without the file that scored them, the responses are not exported against nothing, nor left out.
        let without = try h.run(["--user", "patel", "-c", "patient open A-1", "-c", "export fhir out=\(file).2"], env: Harness.staff)
        #expect(without.status == 1 && without.stderr.contains("answers https://clinic.example.org/fhir/Questionnaire/isi|1.0.0, which this run has not loaded; nothing was exported"),
                "\(without.stderr)")
        #expect(!FileManager.default.fileExists(atPath: file + ".2"))
        let validator = Harness.repository.appendingPathComponent("Scripts/fhir-validate").path
        let valid = try h.run([validator, file], executable: Harness.tool("python3"))
        #expect(valid.status == 0 && valid.stdout.contains("1 Questionnaire, 2 QuestionnaireResponse"), "\(valid.stdout)\(valid.stderr)")
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let questionnaire = try #require(resources.first { $0["resourceType"] as? String == "Questionnaire" })
        #expect(questionnaire["url"] as? String == "https://clinic.example.org/fhir/Questionnaire/isi" && questionnaire["version"] as? String == "1.0.0")
        #expect((questionnaire["item"] as? [[String: Any]])?.compactMap { $0["linkId"] as? String } == ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "total"])
        let response = try #require(resources.first { $0["resourceType"] as? String == "QuestionnaireResponse" })
        #expect(response["questionnaire"] as? String == "https://clinic.example.org/fhir/Questionnaire/isi|1.0.0")
        let observation = try #require(resources.first { $0["resourceType"] as? String == "Observation" })
        #expect((observation["valueQuantity"] as? [String: Any])?["value"] as? Double == 15)
        #expect(((observation["interpretation"] as? [[String: Any]])?.first?["text"] as? String) == "clinical insomnia, moderate")
        // The Questionnaire comes first in the bundle: its q7 renamed, the response's kept.
        var lacking = try String(contentsOfFile: file, encoding: .utf8)
        let first = try #require(lacking.range(of: "\"linkId\":\"q7\""))
        lacking.replaceSubrange(first, with: "\"linkId\":\"q7x\"")
        let lackingFile = try h.write("lacking.json", lacking)
        let invalid = try h.run([validator, lackingFile], executable: Harness.tool("python3"))
        #expect(invalid.status == 1 && (invalid.stdout + invalid.stderr).contains("answers q7"), "\(invalid.stdout)\(invalid.stderr)")
    }

    /// At the terminal an instrument given as data is asked item by item, as a coded one is: each
    /// item's text and anchors, `?` for its help, `^` back one item, and the score at the end.
    @Test func atTheTerminalEachItemIsAskedInTurn() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let isi = ["--instruments", try TutorialInstrument.folder(in: h.folder)]
        #expect(try h.run(isi + ["--user", "nora", "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1", "-c", "visit start --kind consult"],
                          env: Harness.staff).status == 0)
        let t = ShellTests.Terminal(h)
        defer { _ = try? t.tmux(["kill-server"]) }
        try t.start(isi + ["--user", "nora"], env: Harness.staff, ready: "nora (nurse)> ")
        try t.keys("patient open A-1", "Enter")
        try t.waitFor("[consult]> ")
        try t.keys("screening isi", "Enter")
        try t.waitFor("difficulty falling asleep")
        try t.keys("3", "Enter")
        try t.waitFor("difficulty staying asleep")
        try t.keys("^", "Enter")
        try t.waitFor("q1")
        try t.keys("4", "Enter")
        for answer in ["2", "2", "2", "2", "2", "2"] {
            try t.keys(answer, "Enter")
        }
        try t.waitFor("recorded ISI #3 · ISI 16 · clinical insomnia, moderate")
        #expect(try h.sql("SELECT json_extract(payload, '$.q1'), json_extract(payload, '$.total') FROM records WHERE kind = 'isi'") == ["4|16"])
    }

    /// A clinic's own instrument: loaded from --instruments and asked; one whose worked example its
    /// scoring contradicts is refused at start with the example and both values, and not asked;
    /// one without examples is asked only in a sandbox.
    @Test func aClinicsOwnInstrumentIsCheckedByItsExamples() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let folder = h.folder.appendingPathComponent("instruments")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sleep = try TutorialInstrument.text().replacingOccurrences(of: "screening isi", with: "screening sleep")
            .replacingOccurrences(of: "\"title\": \"ISI\"", with: "\"title\": \"Sleep\"")
        try sleep.write(to: folder.appendingPathComponent("sleep.json"), atomically: true, encoding: .utf8)
        // Weighted 0–4 as 1–5 by mistake: its examples refuse it.
        let shifted = try TutorialInstrument.text().replacingOccurrences(of: "screening isi", with: "screening shifted")
            .replacingOccurrences(of: "\"valueDecimal\": 4 }", with: "\"valueDecimal\": 5 }")
        try shifted.write(to: folder.appendingPathComponent("shifted.json"), atomically: true, encoding: .utf8)
        let start = ["--user", "nora", "--instruments", folder.path, "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1", "-c", "visit start --kind consult"]
        let r = try h.run(start + ["-c", "screening sleep q1=4 q2=3 q3=3 q4=3 q5=3 q6=3 q7=3"], env: Harness.staff)
        #expect(r.status == 0 && r.stdout.contains("recorded Sleep #3 · Sleep 22 · clinical insomnia, severe"), "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("shifted.json refused:") && r.stderr.contains("example 6: total is 35 by the instrument's scoring; the example says 28"), "\(r.stderr)")
        let refused = try h.run(["--user", "nora", "--instruments", folder.path, "-c", "patient open A-1", "-c", "screening shifted q1=0 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0"],
                                env: Harness.staff)
        #expect(refused.status != 0 && refused.stderr.contains("shifted"), "\(refused.stderr)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind = 'shifted'") == ["0"])
    }

    /// A free-text answer may name anyone: it is recorded, and a line that records nothing keeps
    /// none of it in the journal (nor in the shell's history), as a coded module's identifying
    /// field's value is kept out.
    @Test func aFreeTextAnswerStaysOutOfTheJournal() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let folder = h.folder.appendingPathComponent("instruments")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var root = try #require(try JSONSerialization.jsonObject(with: Data(try TutorialInstrument.text().utf8)) as? [String: Any])
        var items = try #require(root["item"] as? [[String: Any]])
        items.insert(["linkId": "said", "text": "what the patient says of their nights", "type": "string", "required": false], at: 7)
        root["item"] = items
        root["extension"] = (root["extension"] as? [[String: Any]] ?? []).map { ext in
            ext["valueString"] as? String == "screening isi" ? ["url": ext["url"] ?? "", "valueString": "screening nights"] : ext
        }
        root["title"] = "Nights"
        try JSONSerialization.data(withJSONObject: root).write(to: folder.appendingPathComponent("nights.json"))
        let said = "said='wakes when Marta Quintero leaves for work'"
        let r = try h.run(["--user", "nora", "--instruments", folder.path, "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1",
                           "-c", "visit start --kind consult", "-c", "screening nights q1=1 q2=1 q3=1 q4=1 q5=1 q6=1 q7=1 " + said], env: Harness.staff)
        #expect(r.status == 0 && r.stdout.contains("recorded Nights #3 · Nights 7"), "\(r.stdout)\(r.stderr)")
        #expect(try h.sql("SELECT json_extract(payload, '$.said') FROM records WHERE kind = 'nights'") == ["wakes when Marta Quintero leaves for work"])
        // q1 out of range: nothing is recorded, and the line is journalled without what was said.
        let wrong = try h.run(["--user", "nora", "--instruments", folder.path, "-c", "patient open A-1",
                               "-c", "screening nights q1=9 q2=1 q3=1 q4=1 q5=1 q6=1 q7=1 " + said], env: Harness.staff)
        #expect(wrong.status == 1 && !wrong.stderr.contains("Quintero"), "\(wrong.stderr)")
        let journal = try h.sql("SELECT command FROM journal WHERE command LIKE 'screening nights%' ORDER BY id DESC LIMIT 1")
        #expect(journal.count == 1 && journal[0].contains("said=…") && journal[0].contains("q1=9"), "\(journal)")
        #expect(!journal.contains { $0.contains("Quintero") }, "\(journal)")
    }

    /// An instrument's entries must never pass for a module's own: one joins only a module that
    /// declares the kinds it records itself, under another kind, and never takes a module's command.
    @Test func anInstrumentCannotPassForAModulesOwnEntry() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let folder = h.folder.appendingPathComponent("instruments")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, command) in [("a", "dosing notes"), ("b", "screening signed"), ("c", "screening decide"), ("d", "followup acknowledged")] {
            try TutorialInstrument.text().replacingOccurrences(of: "screening isi", with: command)
                .replacingOccurrences(of: "Questionnaire/isi", with: "Questionnaire/\(name)")
                .replacingOccurrences(of: "\"title\": \"ISI\"", with: "\"title\": \"\(name.uppercased())\"")
                .write(to: folder.appendingPathComponent(name + ".json"), atomically: true, encoding: .utf8)
        }
        let r = try h.run(["--user", "nora", "--instruments", folder.path, "-c", "help screening"], env: Harness.staff)
        #expect(r.status == 0, "\(r.stderr)")
        for note in ["instrument A is not asked: the module dosing does not declare the kinds of entry it records, so no instrument may join it",
                     "instrument B is not asked: the module screening records entries of kind signed itself",
                     "instrument C is not asked: the module screening gives screening decide itself",
                     "instrument D is not asked: the module followup records entries of kind acknowledged itself"] {
            #expect(r.stderr.contains(note), "\(r.stderr)")
        }
        let forged = try h.run(["--user", "nora", "--instruments", folder.path, "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1",
                                "-c", "visit start --kind consult", "-c", "screening signed q1=0 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0"], env: Harness.staff)
        #expect(forged.status == 1, "\(forged.stdout)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind IN ('signed', 'notes', 'acknowledged')") == ["0"])
    }

    /// A file changed under the same version cannot score a patient whose earlier responses the
    /// unchanged file scored: their record would be exportable against neither.
    @Test func aFileChangedUnderItsVersionScoresNoMore() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let folder = try TutorialInstrument.folder(in: h.folder)
        let answers = "screening isi q1=3 q2=3 q3=2 q4=3 q5=3 q6=2 q7=3"
        #expect(try h.run(["--user", "nora", "--instruments", folder, "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1",
                           "-c", "visit start --kind consult", "-c", answers], env: Harness.staff).status == 0)
        let changed = try TutorialInstrument.text().replacingOccurrences(of: "difficulty falling asleep\"", with: "trouble falling asleep\"")
        try changed.write(toFile: folder + "/isi.json", atomically: true, encoding: .utf8)
        let r = try h.run(["--user", "nora", "--instruments", folder, "-c", "patient open A-1", "-c", answers], env: Harness.staff)
        #expect(r.status == 1 && r.stderr.contains("A-1's earlier ISI responses to version 1.0.0 were scored by another file than the one loaded now; nothing was recorded"),
                "\(r.stderr)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind = 'isi'") == ["1"])
    }

    /// The protocol's clinic.also_requires may make a command wait for an instrument's score once
    /// the instrument is asked here; a protocol naming the score of one that is not asked (not
    /// given, or given but left out) is refused at start, saying why, for a gate must not hold nothing.
    @Test func theProtocolMayMakeACommandWaitForAnInstrumentsScore() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let shipped = try Self.shippedProtocol(beside: h)
        func protocolFile(_ pairs: String, _ name: String = "gated.yaml") throws -> String {
            let text = shipped.replacingOccurrences(of: "clinic.also_requires:\n    value: \"dosing start=followup.baseline\"",
                                                    with: "clinic.also_requires:\n    value: \"\(pairs)\"")
            #expect(text != shipped)
            return try h.write(name, text)
        }
        let folder = try TutorialInstrument.folder(in: h.folder)
        let gated = try protocolFile("dosing start=followup.baseline; intake weight=instrument.isi.total")
        let start = ["--protocol", gated, "--instruments", folder, "--user", "nora"]
        let r = try h.run(start + ["-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1", "-c", "visit start --kind consult",
                                   "-c", "intake weight 70kg"], env: Harness.staff)
        #expect(r.status == 1 && r.stderr.contains("intake weight refused: instrument.isi.total is missing (no ISI is recorded for A-1)"), "\(r.stderr)")
        let after = try h.run(start + ["-c", "patient open A-1", "-c", Self.isi, "-c", "intake weight 70kg"], env: Harness.staff)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try h.sql("SELECT kind FROM records WHERE kind IN ('isi', 'weight') ORDER BY id") == ["isi", "weight"])

        // Without the instrument, the gate would hold nothing: the protocol is refused, and nothing runs.
        let without = try h.run(["--protocol", gated, "--user", "nora", "-c", "patient open A-1", "-c", "intake weight 71kg"], env: Harness.staff)
        #expect(without.status == 2 && without.stderr.contains(
            "clinic.also_requires 'intake weight=instrument.isi.total': no instrument read here publishes the fact 'instrument.isi.total' (a clinic's own instruments are given with --instruments DIR)"),
                "\(without.stderr)")
        // Given but not asked: the reason is the program's own.
        let elsewhere = h.folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let moved = try TutorialInstrument.text().replacingOccurrences(of: "\"valueString\": \"screening isi\"", with: "\"valueString\": \"pharmacy isi\"")
        try moved.write(to: elsewhere.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        let unasked = try h.run(["--protocol", gated, "--instruments", elsewhere.path, "--user", "nora", "-c", "status"], env: Harness.staff)
        #expect(unasked.status == 2 && unasked.stderr.contains(
            "clinic.also_requires 'intake weight=instrument.isi.total': the instrument ISI is not asked here: its command pharmacy isi names the module pharmacy, which is not loaded"),
                "\(unasked.stderr)")
        // A score the instrument does not give is named with those it gives.
        let misspelt = try h.run(["--protocol", try protocolFile("intake weight=instrument.isi.totl", "misspelt.yaml"), "--instruments", folder, "--user", "nora", "-c", "status"], env: Harness.staff)
        #expect(misspelt.status == 2 && misspelt.stderr.contains("'intake weight=instrument.isi.totl': ISI has no score 'totl'; its facts are instrument.isi.total"),
                "\(misspelt.stderr)")
        // A command made to wait for what only it records could never run.
        let selfGated = try h.run(["--protocol", try protocolFile("screening isi=instrument.isi.total", "self.yaml"), "--instruments", folder, "--user", "nora", "-c", "status"],
                                  env: Harness.staff)
        #expect(selfGated.status == 2 && selfGated.stderr.contains("screening isi is what records instrument.isi.total, so it could never run"), "\(selfGated.stderr)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind = 'weight'") == ["1"])

        // Another questionnaire given the same command word by another file is not the ISI.
        let other = h.folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try TutorialInstrument.text().replacingOccurrences(of: "https://clinic.example.org/fhir/Questionnaire/isi", with: "https://other.example/fhir/Questionnaire/sleep")
            .write(to: other.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        #expect(try h.run(["--instruments", other.path, "--user", "nora", "-c", "patient new --name 'Bo Lind' --dob 1970-02-02 --sex M --mrn B-2",
                           "-c", "visit start --kind consult", "-c", Self.isi], env: Harness.staff).status == 0)
        let otherGate = try h.run(["--protocol", gated, "--instruments", folder,
                                   "--user", "nora", "-c", "patient open B-2", "-c", "intake weight 80kg"], env: Harness.staff)
        #expect(otherGate.status == 1 && otherGate.stderr.contains("instrument.isi.total is missing (no ISI is recorded for B-2)"), "\(otherGate.stderr)")

        // Adopted in the sandbox, the gate is what the sandbox runs under from then on, started
        // without --protocol; without the instruments it names, the start says to give them.
        let adopt = try h.run(["--protocol", gated, "--instruments", folder, "--user", "admin", "-c", "protocol adopt \(gated) --physician patel"],
                              env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
        #expect(adopt.status == 0, "\(adopt.stderr)")
        let underIt = try h.run(["--instruments", folder, "--user", "nora", "-c", "patient open B-2", "-c", "intake weight 80kg"], env: Harness.staff)
        #expect(underIt.status == 1 && underIt.stderr.contains("instrument.isi.total is missing (no ISI is recorded for B-2)"), "\(underIt.stderr)")
        let noInstruments = try h.run(["--user", "nora", "-c", "patient open B-2", "-c", "intake weight 80kg"], env: Harness.staff)
        #expect(noInstruments.status == 1 && noInstruments.stderr.contains("start it with --instruments DIR, the folder of the instruments its clinic.also_requires names")
                && noInstruments.stderr.contains("patient open refused: this database runs under protocol"), "\(noInstruments.stderr)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind = 'weight'") == ["1"])
    }

    /// A clinic's own instrument's alert stands on the patient as a module's does: told by status,
    /// holding every dose, until a clinician types acknowledge NOTE. The PHQ-9's item 9 alert is
    /// screening's to stand, once.
    @Test func aClinicsInstrumentsAlertStandsUntilAcknowledged() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let folder = h.folder.appendingPathComponent("alerting")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try TutorialInstrument.withAlert("ISI item 5 is 4: very much distressed by sleep; a clinician reviews today")
            .write(to: folder.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        let prelude = Harness.repository.appendingPathComponent("Tests/DoseSafety/prelude.clinic").path
        let script = try h.write("alert.clinic", """
            set MRN ALERT-1
            set WEIGHT 70kg
            include \(prelude)
            expect error no alert of an instrument stands on ALERT-1
            acknowledge nothing to say
            screening isi q1=3 q2=2 q3=2 q4=2 q5=4 q6=2 q7=2
            status
            expect error an alert stands on ALERT-1: ISI #
            dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL
            acknowledge reviewed with the patient; sleep clinic referral
            status
            dosing plan route=iv dose=0.5mg/kg over=40min conc=1mg/mL
            screening isi q1=3 q2=2 q3=2 q4=2 q5=3 q6=2 q7=2
            screening phq9 q1=1 q2=1 q3=1 q4=1 q5=0 q6=0 q7=1 q8=0 q9=1
            status
            screening isi q1=3 q2=2 q3=2 q4=2 q5=4 q6=2 q7=2
            """)
        let r = try h.run(["--user", "nora", "--instruments", folder.path, script], env: Harness.staff)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ISI item 5 is 4: very much distressed by sleep; a clinician reviews today"), "\(r.stdout)")
        let isi = try #require(try h.sql("SELECT id FROM records WHERE kind = 'isi' ORDER BY id").first)
        #expect(r.stdout.contains("ISI #\(isi): ISI item 5 is 4: very much distressed by sleep; a clinician reviews today (since") && r.stdout.contains("type acknowledge NOTE)"),
                "\(r.stdout)")
        #expect(r.stdout.contains("acknowledged the ISI #\(isi) alert"), "\(r.stdout)")
        #expect(try h.sql("SELECT module, kind, json_extract(payload, '$.response'), json_extract(payload, '$.instrument') FROM records WHERE kind = 'acknowledged'")
                == ["instrument|acknowledged|\(isi)|screening isi"])
        #expect(try h.sql("SELECT count(*) FROM records WHERE module = 'dosing' AND kind = 'order'") == ["1"])
        // The PHQ-9's alert stands once, screening's, acknowledged with screening's own command.
        let last = try #require(r.stdout.components(separatedBy: "PHQ-9 #").last)
        #expect(r.stdout.components(separatedBy: "type screening acknowledge NOTE").count == 2, "\(r.stdout)")
        #expect(!last.contains("type acknowledge NOTE"), "\(r.stdout)")
        // Without the file, what the response's alerts said still stands, and is acknowledged.
        let again = try #require(try h.sql("SELECT id FROM records WHERE kind = 'isi' ORDER BY id DESC").first)
        let without = try h.run(["--user", "nora", "-c", "patient open ALERT-1", "-c", "acknowledge seen again; plan unchanged"], env: Harness.staff)
        #expect(without.status == 0, "\(without.stderr)")
        #expect(without.stdout.contains("screening isi #\(again): ISI item 5 is 4: very much distressed by sleep; a clinician reviews today (since"), "\(without.stdout)")
        #expect(without.stdout.contains("acknowledged the screening isi #\(again) alert"), "\(without.stdout)")
        #expect(try h.run(["--user", "nora", "--instruments", folder.path, "-c", "audit verify"], env: Harness.staff).status == 0)
    }

    /// The protocol may name the folder of the clinic's own instruments (`instruments:`, beside it
    /// unless absolute), so that every start asks them without --instruments; its
    /// clinic.also_requires may then name their scores.
    @Test func theProtocolNamesTheClinicsInstruments() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let shipped = try Self.shippedProtocol(beside: h)
        _ = try TutorialInstrument.folder(in: h.folder)
        let ours = shipped.replacingOccurrences(of: "version: \"2026.11-default\"", with: "version: \"2026.12-ours\"\ninstruments: instruments")
            .replacingOccurrences(of: "clinic.also_requires:\n    value: \"dosing start=followup.baseline\"",
                                  with: "clinic.also_requires:\n    value: \"dosing start=followup.baseline; intake weight=instrument.isi.total\"")
        let file = try h.write("ours.yaml", ours)
        let r = try h.run(["--protocol", file, "--user", "nora", "-c", "protocol show", "-c", "patient new --name 'Ana Lima' --dob 1980-01-01 --sex F --mrn A-1",
                           "-c", "visit start --kind consult", "-c", Self.isi, "-c", "intake weight 70kg"], env: Harness.staff)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("the clinic's own instruments: \(h.folder.appendingPathComponent("instruments").path) (instruments: instruments)"), "\(r.stdout)")
        #expect(try h.sql("SELECT kind FROM records WHERE kind IN ('isi', 'weight') ORDER BY id") == ["isi", "weight"])
        // The protocol's file is the one asked: another given at start with the same command is
        // refused, and cannot meet the protocol's gate in its place.
        let other = h.folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try TutorialInstrument.text().replacingOccurrences(of: "https://clinic.example.org/fhir/Questionnaire/isi", with: "https://other.example/fhir/Questionnaire/sleep")
            .write(to: other.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        let both = try h.run(["--protocol", file, "--instruments", other.path, "--user", "nora", "-c", "help screening isi"], env: Harness.staff)
        #expect(both.status == 0 && both.stderr.contains("instrument file \(other.path)/isi.json refused:") && both.stdout.contains("(https://clinic.example.org/fhir/Questionnaire/isi)"),
                "\(both.stdout)\(both.stderr)")
        // Adopted by a path relative to where the admin stood, its folder is still found from anywhere.
        let adopt = try h.run(["--protocol", "ours.yaml", "--user", "admin", "-c", "protocol adopt ours.yaml --physician patel"],
                              env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"], in: h.folder)
        #expect(adopt.status == 0, "\(adopt.stderr)")
        let elsewhere = try h.run(["--user", "nora", "-c", "patient open A-1", "-c", Self.isi], env: Harness.staff, in: URL(fileURLWithPath: "/"))
        #expect(elsewhere.status == 0 && !elsewhere.stderr.contains("cannot be run"), "\(elsewhere.stderr)")
        #expect(try h.sql("SELECT count(*) FROM records WHERE kind = 'isi'") == ["2"])
        // A folder that cannot be read refuses the protocol, as its gate on the folder's score does.
        let moved = try h.write("moved.yaml", ours.replacingOccurrences(of: "instruments: instruments", with: "instruments: /nowhere/instruments"))
        let refused = try h.run(["--protocol", moved, "--user", "nora", "-c", "status"], env: Harness.staff)
        #expect(refused.status == 2 && refused.stderr.contains("moved.yaml: instruments: the folder /nowhere/instruments cannot be read")
                && refused.stderr.contains("no instrument read here publishes the fact 'instrument.isi.total'"), "\(refused.stderr)")
    }
}
}
