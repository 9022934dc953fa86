import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine

/// Instruments as data: a FHIR Questionnaire read, scored by the FHIRPath subset, and refused when
/// its own worked examples say otherwise or it holds what the program does not read.
@Suite struct InstrumentTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/ClinicEngine/Resources/instruments")

    /// A shipped instrument's file, or the tutorial's Insomnia Severity Index (`isi`).
    static func text(_ name: String) throws -> String {
        if name == "isi" { return try TutorialInstrument.text() }
        return try String(contentsOf: shipped.appendingPathComponent(name + ".json"), encoding: .utf8)
    }

    /// The file's text with one JSON fragment replaced, which must be there.
    static func changed(_ name: String, _ find: String, _ replace: String) throws -> String {
        let text = try text(name)
        #expect(text.contains(find), "\(name).json holds no \(find)")
        return text.replacingOccurrences(of: find, with: replace)
    }

    static func refusal(_ text: String, file: String = "x.json") -> String {
        do {
            _ = try InstrumentFile.read(text, file: file)
            return ""
        } catch {
            return error.description
        }
    }

    /// Each shipped instrument, and the one docs/INSTRUMENTS.md's tutorial writes (the ISI).
    @Test(arguments: ["phq9", "gad7", "dast10", "auditc", "isi", "pgic", "bpi"])
    func eachShippedInstrumentScoresItsWorkedExamples(_ name: String) throws {
        let instrument = try InstrumentFile.read(try Self.text(name), file: name + ".json")
        #expect(instrument.examples.count >= 5, "\(name): \(instrument.examples.count) examples")
        #expect(instrument.verb == name && instrument.module == (["pgic", "bpi"].contains(name) ? "followup" : "screening"))
        #expect(instrument.url.hasSuffix("/" + name) && !instrument.version.isEmpty)
        // Every band edge the instrument declares is an example's total.
        let total = try #require(instrument.total?.linkId)
        let totals = Set(instrument.examples.compactMap { e -> Double? in if case .number(let n)?? = e.expected[total] { return n }; return nil })
        for band in instrument.bands { #expect(totals.contains(band.range.lowerBound), "\(name): no example at the start of '\(band.label)'") }
    }

    /// The file with a change made to its JSON (as a clinic's editor would make it).
    static func edited(_ name: String, _ change: (inout Value) -> Void) throws -> String {
        var root = try Value(json: try text(name))
        change(&root)
        return root.canonicalJSON
    }

    /// The file without its worked examples.
    static func withoutExamples(_ q: inout Value) {
        q.update("extension") { $0.removeAll { ($0["url"]?.stringValue ?? "").hasSuffix("instrument-example") } }
    }

    /// The band labelled `label`'s part `part` set to `value`.
    static func band(_ label: String, _ part: String, _ value: Int) -> (inout Value) -> Void {
        { q in
            q.update("extension") { extensions in
                for i in extensions.indices where extensions[i]["extension"]?.arrayValue?.contains(where: { $0["valueString"]?.stringValue == label }) == true {
                    extensions[i].update("extension") { parts in
                        for j in parts.indices where parts[j]["url"]?.stringValue == part { parts[j].set("valueDecimal", .int(value)) }
                    }
                }
            }
        }
    }

    /// The build puts the shipped instruments beside the program, and every one loads.
    @Test func theShippedFolderLoadsWhole() {
        let (instruments, refused) = InstrumentFile.readFolder(InstrumentFile.shippedFolder)
        #expect(refused.isEmpty, "\(refused)")
        #expect(instruments.map(\.verb) == ["auditc", "bpi", "dast10", "gad7", "pgic", "phq9"])
    }

    /// Two files giving the same command: the second is refused, naming the first.
    @Test func aCommandGivenTwiceIsRefusedTheSecondTime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("instruments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["a-isi.json", "b-isi.json"] { try Self.text("isi").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try "{}".write(to: folder.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        // Under another module, with another canonical URL: its facts would still be instrument.isi.…
        let elsewhere = try Self.text("isi").replacingOccurrences(of: "\"valueString\": \"screening isi\"", with: "\"valueString\": \"followup isi\"")
            .replacingOccurrences(of: "Questionnaire/isi\"", with: "Questionnaire/isi-followup\"")
        try elsewhere.write(to: folder.appendingPathComponent("d-isi.json"), atomically: true, encoding: .utf8)
        let (instruments, refused) = InstrumentFile.readFolder(folder.path)
        #expect(instruments.count == 1)
        #expect(refused.map(\.description) == ["b-isi.json: gives the command screening isi, which ISI gives already",
                                                "c.json: resourceType: is not Questionnaire",
                                                "d-isi.json: gives the command followup isi, but ISI is screening isi: the facts of both would be instrument.isi.…; give it a command word of its own"])
    }

    /// A PHQ-9 in circulation weights "nearly every day" as 4 instead of 3: its examples refuse it,
    /// naming the example and both values.
    @Test func aWrongWeightIsRefusedWithItsExample() throws {
        let wrong = try Self.edited("phq9") { q in
            q.update("item") { items in
                for i in items.indices {
                    items[i].update("answerOption") { options in
                        for j in options.indices where options[j]["valueCoding"]?["code"]?.stringValue == "3" {
                            options[j].update("extension") { $0[0].set("valueDecimal", .int(4)) }
                        }
                    }
                }
            }
        }
        let said = Self.refusal(wrong, file: "phq9.json")
        #expect(said.contains("phq9.json: example 5: total is 19 by the instrument's scoring; the example says 15"), "\(said)")
        #expect(said.contains("phq9.json: example 7: total is 36 by the instrument's scoring; the example says 27"), "\(said)")
        #expect(said.contains("example 7: the band is 'none' by the instrument's bands; the example says 'severe'"), "\(said)")
    }

    /// The BPI's interference is scored only with 4 or more of its 7 items answered: a rule of
    /// the file, which its examples hold it to.
    @Test func theBPIInterferenceNeedsFourItems() throws {
        let three = Self.refusal(try Self.changed("bpi", "%interference.count() >= 4", "%interference.count() >= 3"), file: "bpi.json")
        #expect(three.contains("bpi.json: example 4: interference is 4 by the instrument's scoring; the example says no score"), "\(three)")
    }

    @Test func aWrongBandAndAMissedAlertAreRefused() throws {
        // Mild to 10 and moderate from 11: the example at 10 is still said to be moderate.
        let band = Self.refusal(try Self.edited("gad7") { q in Self.band("mild", "to", 10)(&q); Self.band("moderate", "from", 11)(&q) })
        #expect(band.contains("example 4: the band is 'mild' by the instrument's bands; the example says 'moderate'"), "\(band)")
        let alert = Self.refusal(try Self.changed("phq9", "answer.value.weight() > 0", "answer.value.weight() > 1"))
        #expect(alert.contains("example 8: the alerts raised are 'none'; the example says 'item9_alert'"), "\(alert)")
        let reversed = Self.refusal(try Self.changed("dast10", "%resource.item.where(linkId = 'q3').answer.value.where($this = false).count()",
                                                     "%resource.item.where(linkId = 'q3').answer.value.where($this = true).count()"))
        #expect(reversed.contains("example 1: total is 1 by the instrument's scoring; the example says 0"), "\(reversed)")
        let overlap = Self.refusal(try Self.edited("gad7", Self.band("mild", "to", 10)))
        #expect(overlap.contains("the bands 'mild' and 'moderate' of total overlap"), "\(overlap)")
    }

    /// Each construct outside the subset is refused at load, with the expression's place in the
    /// file and the word.
    @Test(arguments: [
        ("%resource.descendants().count()", "the function descendants() is not in the FHIRPath the program reads"),
        ("%resource.repeat(item).answer.value.weight().sum()", "the function repeat() is not in the FHIRPath the program reads"),
        ("%resource.item[0].answer.value.weight()", "'[' is not in the FHIRPath the program reads"),
        ("%resource.item.answer.value.weight().aggregate($this, 0)", "the function aggregate() is not in the FHIRPath the program reads"),
        ("%resource.item.count() div 2", "'div' is not in the FHIRPath the program reads"),
        ("%resource.item.count() mod 2", "'mod' is not in the FHIRPath the program reads"),
        ("true xor false", "'xor' is not in the FHIRPath the program reads"),
        ("'a' ~ 'b'", "'~' is not in the FHIRPath the program reads"),
        ("today()", "the function today() is not in the FHIRPath the program reads"),
        ("%resource.item.text", "'text' is not in the FHIRPath the program reads"),
        ("%resource.item.answer.value is Coding", "'is' is not in the FHIRPath the program reads"),
        ("iif(true, 1", "')' is expected here"),
        ("%resource.item.where(linkId = 'q1'", "')' is expected here"),
        ("1 +", "the expression ends too early"),
    ])
    func aConstructOutsideTheSubsetIsRefusedWithItsPath(_ expression: String, _ reason: String) throws {
        let text = try Self.changed("isi", "%resource.item.where(linkId in ('q1' | 'q2' | 'q3' | 'q4' | 'q5' | 'q6' | 'q7')).answer.value.weight().sum()",
                                    expression)
        let said = Self.refusal(text, file: "isi.json")
        #expect(said.hasPrefix("isi.json: item[7] (total).extension[0]: '\(expression)' at "), "\(said)")
        #expect(said.contains(reason), "\(said)")
    }

    /// A response records each name once: an item, a weight, a score or an alert's flag named
    /// like another, or like what the program records itself, would overwrite it.
    @Test(arguments: [
        (#""valueString": "item9_alert""#, #""valueString": "total""#, "total is both the score total and the alert flag total"),
        (#""valueString": "item9_alert""#, #""valueString": "band""#, "band is both the band the program records and the alert flag band"),
        (#""linkId": "total""#, #""linkId": "q1_score""#, "q1_score is both the weight of q1's answer and the score q1_score"),
        (#""linkId": "q9","#, #""linkId": "questionnaire","#, "questionnaire is both the questionnaire the program records and the item questionnaire"),
    ])
    func aNameRecordedTwiceIsRefused(_ find: String, _ replace: String, _ reason: String) throws {
        let said = Self.refusal(try Self.changed("phq9", find, replace).replacingOccurrences(of: "linkId = 'q9'", with: "linkId = 'questionnaire'"))
        #expect(said.contains(reason), "\(said)")
    }

    /// Text the shell would print as something else (an escape that erases the alert line, a
    /// mark that reorders the words) is refused where it is; so are a gap between whole-number
    /// bands, an alert whose condition is no true or false, and a total too large to keep.
    @Test func whatWouldMisleadOnScreenIsRefused() throws {
        let escape = Self.refusal(try Self.changed("gad7", #""text": "feeling nervous, anxious or on edge""#, #""text": "feeling nervous\u001b[2K, anxious or on edge""#))
        #expect(escape.contains("item[0].text: holds a control character or a mark that reorders text; write plain text"), "\(escape)")
        let reordered = Self.refusal(try Self.changed("gad7", #""text": "trouble relaxing""#, "\"text\": \"trouble \u{202E}relaxing\""))
        #expect(reordered.contains("item[3].text: holds a control character"), "\(reordered)")
        let gap = Self.refusal(try Self.edited("gad7", Self.band("mild", "to", 8)))
        #expect(gap.contains("no band of total holds the totals between 'mild' and 'moderate' (9–9)"), "\(gap)")
        let number = Self.refusal(try Self.changed("phq9", "answer.value.weight() > 0", "answer.value.weight() + 0"))
        #expect(number.contains("the alert item9_alert's condition gives no true or false"), "\(number)")
        let huge = Self.refusal(try Self.changed("gad7", "\"valueDecimal\": 3\n", "\"valueDecimal\": 1e308\n"))
        #expect(huge.contains("the ordinal value 1e+308 is not a number from -1000000 to 1000000"), "\(huge)")
        for mark in ["\u{061C}", "\u{2028}", "\u{200B}", "\u{FEFF}"] {
            let hidden = Self.refusal(try Self.changed("gad7", #""text": "trouble relaxing""#, "\"text\": \"trouble \(mark)relaxing\""))
            #expect(hidden.contains("item[3].text: holds a control character"), "\(hidden)")
        }
        let bar = Self.refusal(try Self.changed("gad7", #""version": "1.0.0""#, #""version": "1.0|2""#))
        #expect(bar.contains("version: holds | or a space"), "\(bar)")
        let helpTwice = Self.refusal(try Self.changed("gad7", #""linkId": "q1_help""#, #""linkId": "q2""#))
        #expect(helpTwice.contains("(q2): the linkId is used twice"), "\(helpTwice)")
        // An alert's flag is a name the response records; its message is words to show.
        for flag in ["", "item 9", "Item9"] {
            let named = Self.refusal(try Self.changed("phq9", #""valueString": "item9_alert""#, "\"valueString\": \"\(flag)\""))
            #expect(named.contains(".flag: an alert's flag is a name the response records"), "\(flag): \(named)")
        }
        let blank = try Self.edited("phq9") { q in
            q.update("extension") { extensions in
                for i in extensions.indices where (extensions[i]["url"]?.stringValue ?? "").hasSuffix("instrument-alert") {
                    extensions[i].update("extension") { parts in
                        for j in parts.indices where parts[j]["url"]?.stringValue == "message" { parts[j] = ["url": "message", "valueString": "   "] }
                    }
                }
            }
        }
        #expect(Self.refusal(blank).contains(".message: an alert's message is the words staff are shown"), "\(Self.refusal(blank))")
    }

    /// A condition that could never hold (a choice compared by order, an answer it does not
    /// offer) is refused, and so is a file too large to read at every start.
    @Test func whatCouldNeverBeAskedOrTakesTooLongIsRefused() throws {
        let ordered = Self.refusal(try Self.changed("isi", #"{ "linkId": "q7","#, #"{ "linkId": "q7", "enableWhen": [{ "question": "q1", "operator": ">=", "answerCoding": { "code": "2" } }],"#))
        #expect(ordered.contains("(q7).enableWhen[0]: a choice's answer is compared with = or != (its codes have no order)"), "\(ordered)")
        let absent = Self.refusal(try Self.changed("isi", #"{ "linkId": "q7","#, #"{ "linkId": "q7", "enableWhen": [{ "question": "q1", "operator": "=", "answerCoding": { "code": "9" } }],"#))
        #expect(absent.contains("(q7).enableWhen[0]: q1 has no answer 9"), "\(absent)")
        let many = Self.refusal(try Self.edited("isi") { q in
            q.update("item") { items in
                items[0].update("answerOption") { options in
                    for n in 5..<101 { options.append(["valueCoding": ["code": .string("x\(n)")]]) }
                }
            }
        })
        #expect(many.contains("item[0] (q1): a choice has at most 100 answerOptions; this one has 101"), "\(many)")
        let long = Self.refusal(try Self.edited("isi") { q in
            q.update("item") { items in
                for n in 0..<200 { items.append(["linkId": .string("x\(n)"), "text": "more", "type": "boolean"]) }
            }
        })
        #expect(long.contains("an instrument has at most 200 items; this one has 208"), "\(long)")
    }

    /// An alert is shown to fire by a worked example, as a score is shown to add up: one that no
    /// example raises (a condition that might never hold) refuses the file; a message of
    /// punctuation alone is no message.
    @Test func anAlertNoExampleRaisesIsRefused() throws {
        let text = try TutorialInstrument.withAlert("very much distressed")
        #expect(Self.refusal(text) == "", "\(Self.refusal(text))")
        // Raised only with q1 at 2, which the example that raised it no longer gives.
        let unraised = text.replacingOccurrences(of: #"{ "url": "alerts", "valueString": "distress_alert" }, "#, with: "")
            .replacingOccurrences(of: "q1=2 q2=2 q3=1 q4=2 q5=4 q6=1 q7=2", with: "q1=1 q2=2 q3=1 q4=2 q5=4 q6=1 q7=3")
            .replacingOccurrences(of: "answer.value.weight() = 4\"", with: "answer.value.weight() = 4 and %resource.item.where(linkId = 'q1').answer.value.weight() = 2\"")
        #expect(Self.refusal(unraised).contains("the alert distress_alert is raised by no worked example: add one whose answers raise it"), "\(Self.refusal(unraised))")
        let never = text.replacingOccurrences(of: "answer.value.weight() = 4", with: "answer.value.weight() = 5")
        #expect(Self.refusal(never).contains("the alert distress_alert is raised by no worked example"), "\(Self.refusal(never))")
        #expect(Self.refusal(try TutorialInstrument.withAlert("!!! ...")).contains(".message: an alert's message is the words staff are shown"))
    }

    /// A path no worked example takes is scored at load all the same: a total that gives words for
    /// answers no example gives (q1 at 4, q2 at 0) refuses the file, naming the answers.
    @Test func aPathNoExampleTakesIsScoredAtLoad() throws {
        let sum = "%resource.item.where(linkId in ('q1' | 'q2' | 'q3' | 'q4' | 'q5' | 'q6' | 'q7')).answer.value.weight().sum()"
        let text = try Self.changed("isi", sum, "iif(%resource.item.where(linkId = 'q1').answer.value.weight() = 4 and %resource.item.where(linkId = 'q2').answer.value.weight() = 0, 'none', \(sum))")
        let said = Self.refusal(text, file: "isi.json")
        #expect(said.contains("isi.json: the answers q1=4 q2=0 q3=0 q4=0 q5=0 q6=0 q7=0 cannot be scored: total gives no whole number; no worked example takes that path"), "\(said)")
        // The shipped files and the tutorial's take every such path.
        for name in ["phq9", "gad7", "dast10", "auditc", "isi", "pgic", "bpi"] {
            #expect(InstrumentFile.pathsProblems(try InstrumentFile.read(try Self.text(name), file: name)).isEmpty, "\(name)")
        }
    }

    /// An alert whose message gives no text still raises the alert, in the program's words, so
    /// that the response (and the alert with it) is never lost; a worked example that meets it
    /// refuses the file.
    @Test func anAlertWhoseMessageGivesNoTextIsStillRaised() throws {
        let message = "'PHQ-9 item 9 is ' & %resource.item.where(linkId = 'q9').answer.value.weight().toString() & ': thoughts of being better off dead or of self-harm; a clinician must see the patient today'"
        let numeric = try Self.changed("phq9", message, "%resource.item.where(linkId = 'q9').answer.value.weight()")
        #expect(Self.refusal(numeric).contains("the alert item9_alert's message gives no text"), "\(Self.refusal(numeric))")
        var instrument = try InstrumentFile.read(try Self.text("phq9"), file: "phq9.json")
        instrument.alerts[0].message = .expression(try FHIRPathSubset.parse("%resource.item.where(linkId = 'q9').answer.value.weight()"))
        var answers: [String: FHIRPathSubset.Value] = [:]
        for item in instrument.items {
            if case .choice(let options) = item.kind, let option = options.first(where: { $0.code == (item.linkId == "q9" ? "2" : "0") }) {
                answers[item.linkId] = .coding(code: option.code, weight: option.weight)
            }
        }
        let result = try instrument.score(answers, context: [:])
        #expect(result.flags == ["item9_alert"])
        #expect(result.alerts.first?.hasPrefix("PHQ-9: item9_alert raised (") == true, "\(result.alerts)")
        #expect(result.faults == ["the alert item9_alert's message gives no text"])
    }

    /// One canonical name, one questionnaire: a second file with the same url and version, in
    /// another folder, is refused.
    @Test func theSameVersionTwiceIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("instruments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.changed("isi", "screening isi", "screening sleep").replacingOccurrences(of: "\"title\": \"ISI\"", with: "\"title\": \"Sleep\"")
            .write(to: folder.appendingPathComponent("sleep.json"), atomically: true, encoding: .utf8)
        let isi = folder.appendingPathComponent("isi")
        try FileManager.default.createDirectory(at: isi, withIntermediateDirectories: true)
        try Self.text("isi").write(to: isi.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        let (instruments, refused) = InstrumentFile.readFolders([folder.path, isi.path])
        #expect(instruments.map(\.verb) == ["sleep"])
        #expect(refused.map(\.refusal.description) == ["isi.json: is https://clinic.example.org/fhir/Questionnaire/isi version 1.0.0, which Sleep (screening sleep) is already; a changed questionnaire takes a new version"])
    }

    @Test func whatTheProgramDoesNotReadIsRefusedNotIgnored() throws {
        let unknownExtension = Self.refusal(try Self.changed("isi", #""valueCode": "sequential""#,
                                                             #""valueCode": "sequential" }, { "url": "http://example.org/weighting", "valueString": "double""#))
        #expect(unknownExtension.contains("extension[3]: the extension http://example.org/weighting is not read by the program; an instrument that needs it is not loaded"),
                "\(unknownExtension)")
        let type = Self.refusal(try Self.changed("isi", #""type": "choice""#, #""type": "attachment""#))
        #expect(type.contains("item[0] (q1): the item type 'attachment' is not read"), "\(type)")
        let repeated = Self.refusal(try Self.changed("isi", #""linkId": "q2""#, #""linkId": "q1""#))
        #expect(repeated.contains("item[1] (q1): the linkId is used twice"), "\(repeated)")
        let later = Self.refusal(try Self.changed("isi", #""linkId": "q1","#, #""linkId": "q1", "enableWhen": [{"question": "q2", "operator": "exists", "answerBoolean": true}],"#))
        #expect(later.contains("item[0] (q1).enableWhen[0]: names q2, which is not an item asked before it"), "\(later)")
        let command = Self.refusal(try Self.changed("isi", "screening isi", "Screening ISI"))
        #expect(command.contains("the command is a module and a verb in lower case (screening isi)"), "\(command)")
        let noSource = Self.refusal(try Self.changed("isi", #""url": "source""#, #""url": "origin""#))
        #expect(noSource.contains("an example names its source"), "\(noSource)")
        #expect(Self.refusal("{", file: "bad.json").hasPrefix("bad.json: is not JSON"))
    }

    /// An instrument without worked examples loads (only into a sandbox, as the program decides);
    /// one whose examples hold loads with them.
    @Test func examplesAreOptionalInTheFileButKeptWithIt() throws {
        let bare = try InstrumentFile.read(try Self.edited("isi", Self.withoutExamples), file: "isi.json")
        #expect(bare.examples.isEmpty)
        #expect(try InstrumentFile.read(try Self.text("isi"), file: "isi.json").examples.count == 6)
    }

    /// An item asked only when another's answer says so (enableWhen) is neither asked nor scored otherwise.
    @Test func anItemNotAskedIsNotScored() throws {
        let instrument = try InstrumentFile.read(try Self.edited("isi") { q in
            Self.withoutExamples(&q)
            q.update("item") { items in
                for i in items.indices where items[i]["linkId"]?.stringValue == "q7" {
                    items[i].set("enableWhen", .array([.object(["question": .string("q1"), "operator": .string("="), "answerCoding": .object(["code": .string("4")])])]))
                }
            }
        }, file: "isi.json")
        let ones = Dictionary(uniqueKeysWithValues: instrument.items.map { ($0.linkId, FHIRPathSubset.Value.coding(code: "1", weight: 1)) })
        #expect(try instrument.score(ones).scores["total"] == .some(.number(6)), "q7 not asked: q1 is not 4")
        var fours = ones
        fours["q1"] = .coding(code: "4", weight: 4)
        #expect(try instrument.score(fours).scores["total"] == .some(.number(10)))
        #expect(instrument.isEnabled(instrument.items[6], fours) && !instrument.isEnabled(instrument.items[6], ones))
    }

    /// Whatever an expression holds, reading it and working it out ends in a value or a line saying
    /// why not: never a crash, a trap or a stack run out.
    @Test func anyExpressionIsReadOrRefusedNeverACrash() {
        let words = ["%resource", ".item", ".where(", "linkId", "=", "'q1'", ".answer", ".value", ".weight()", ".sum()", ".count()", "+", "-", "*", "/",
                     "(", ")", "1", "2.5", "99999999999999999999", "iif(", ",", "true", "and", "or", "{}", "|", "in", "$this", ".round(", "'", "%x", ">=", "not()"]
        var generator = SystemRandomNumberGenerator()
        let response = FHIRPathSubset.Response(items: ["q1", "q2"], answers: ["q1": .coding(code: "1", weight: 1), "q2": .number(2)])
        for n in 0..<3000 {
            let text = (0..<Int.random(in: 1...25, using: &generator)).map { _ in words.randomElement(using: &generator)! }.joined(separator: n % 2 == 0 ? "" : " ")
            if let e = try? FHIRPathSubset.parse(text) { _ = try? FHIRPathSubset.evaluate(e, response) }
        }
        for deep in [String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000), String(repeating: "-", count: 5000) + "1",
                     Array(repeating: "1", count: 5000).joined(separator: "+"), "%resource" + String(repeating: ".item", count: 5000)] {
            #expect(throws: FHIRPathSubset.Refusal.self) { try FHIRPathSubset.parse(deep) }
        }
        #expect(throws: FHIRPathSubset.Failure.self) { try FHIRPathSubset.evaluate(try FHIRPathSubset.parse("(1).round(400)"), response) }
        #expect(throws: FHIRPathSubset.Refusal.self) { try FHIRPathSubset.parse("1" + String(repeating: "0", count: 400)) }
    }

    /// toString() writes a number as the shell shows a score, so a message and the score beside it
    /// agree: 7, 4.83, 0.3.
    @Test(arguments: [("7", "7"), ("4.83", "4.83"), ("0.1 + 0.2", "0.3"), ("1 / 3", "0.33333333"), ("(0.1 + 0.2).round(1)", "0.3"), ("100000000000000", "100000000000000"), ("-2.5", "-2.5")])
    func toStringWritesANumberAsTheShellDoes(_ expression: String, _ written: String) throws {
        let response = FHIRPathSubset.Response(items: [], answers: [:])
        let value = try FHIRPathSubset.evaluate(try FHIRPathSubset.parse("(\(expression)).toString()"), response)
        #expect(value == [.string(written)])
        if let n = Double(written) { #expect(FieldSpec.format(n) == written) }
    }

    /// Each score of an instrument given as data is a fact, `instrument.VERB.SCORE`: the latest
    /// response's, with its value; missing, naming the command, until one is recorded.
    @Test func eachScoreIsAFact() throws {
        let (session, _, _) = try makeSession(modules: [])
        session.instruments = [try InstrumentFile.read(try Self.text("isi"), file: "isi.json")]
        #expect(session.execute("patient new --name 'Ana Lima' --dob 1979-03-02 --sex F --mrn A-1", source: "t") == .ok)
        #expect(session.execute("visit start --kind consult", source: "t") == .ok)
        let missing = try #require(try session.fact("instrument.isi.total"))
        #expect(!missing.isPresent && missing.detail == "no ISI is recorded for A-1" && missing.remedy?.name == "screening isi")
        #expect(FactEngine(session: session).spec("instrument.isi.total")?.establishedBy == "screening isi")
        #expect(try session.fact("instrument.isi.nothing") == nil && session.fact("instrument.phq9.total") == nil)
        let isi: Value = "https://clinic.example.org/fhir/Questionnaire/isi|1.0.0"
        _ = try session.append(RecordDraft(kind: "isi", payload: ["total": 9, "band": "subthreshold insomnia", "questionnaire": isi]), as: "screening")
        let stored = try session.append(RecordDraft(kind: "isi", payload: ["total": 15, "band": "clinical insomnia, moderate", "questionnaire": isi]), as: "screening")
        // A later response to another questionnaire, given the same command word by another file, is not the ISI's.
        _ = try session.append(RecordDraft(kind: "isi", payload: ["total": 2, "questionnaire": "https://other.example/fhir/Questionnaire/sleep|1.0.0"]), as: "screening")
        let present = try #require(try session.fact("instrument.isi.total"))
        #expect(present.isPresent && present.value == .int(15) && present.basis == [stored.id], "\(present)")
        #expect(present.detail.hasPrefix("ISI total 15 · clinical insomnia, moderate (#\(stored.id), "), "\(present.detail)")
    }

    @Test func theSubsetWorksOutWhatItSays() throws {
        let response = FHIRPathSubset.Response(items: ["a", "b", "c", "t"], answers: ["a": .coding(code: "2", weight: 2), "b": .number(3.5), "c": .bool(true)])
        func value(_ text: String) throws -> [FHIRPathSubset.Value] { try FHIRPathSubset.evaluate(try FHIRPathSubset.parse(text), response) }
        #expect(try value("1 + 2 * 3 - 4 / 2") == [.number(5)])
        #expect(try value("(1 + 2) * 3") == [.number(9)])
        #expect(try value("-2 + 5") == [.number(3)])
        #expect(try value("%resource.item.where(linkId = 'a').answer.value.weight()") == [.number(2)])
        #expect(try value("%resource.item.where(linkId = 'a').answer.value = '2'") == [.bool(true)])
        #expect(try value("%resource.item.where(linkId = 'b').answer.value + 1") == [.number(4.5)])
        #expect(try value("%resource.item.where(linkId = 't').answer.value + 1") == [], "an unanswered item gives nothing, and so does arithmetic on it")
        #expect(try value("%resource.item.where(linkId = 't').answer.exists()") == [.bool(false)])
        #expect(try value("%resource.item.answer.count()") == [.number(3)])
        #expect(try value("%resource.item.where(linkId in ('a' | 'c')).count()") == [.number(2)])
        #expect(try value("%resource.item.where(linkId = 'c').answer.value.where($this = true).count()") == [.number(1)])
        #expect(try value("iif(%resource.item.answer.count() >= 3, 'all', 'some')") == [.string("all")])
        #expect(try value("iif(false, 1)") == [])
        #expect(try value("(10 / 3).round(1)") == [.number(3.3)])
        #expect(try value("(2.5).round()") == [.number(3)])
        #expect(try value("1 / 0") == [], "a division by zero gives nothing rather than a number")
        #expect(try value("{}.count()") == [.number(0)])
        #expect(try value("true and {}") == [] && value("false and {}") == [.bool(false)] && value("true or {}") == [.bool(true)])
        #expect(try value("(1 | 2 | 2).sum()") == [.number(3)])
        #expect(throws: FHIRPathSubset.Failure.self) { try value("%resource.item.answer.value.sum()") }
        #expect(throws: FHIRPathSubset.Failure.self) { try value("%undeclared + 1") }
    }
}

extension Value {
    /// The array under `key` changed by `change` (an empty one if there is none).
    mutating func update(_ key: String, _ change: (inout [Value]) -> Void) {
        guard case .object(var object) = self else { return }
        var array = object[key]?.arrayValue ?? []
        change(&array)
        object[key] = .array(array)
        self = .object(object)
    }

    mutating func set(_ key: String, _ value: Value) {
        guard case .object(var object) = self else { return }
        object[key] = value
        self = .object(object)
    }
}
