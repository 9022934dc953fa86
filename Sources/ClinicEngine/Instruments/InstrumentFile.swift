import ClinicKit
import ClinicStorage
import Foundation

/// Reads an instrument file (a FHIR R4 `Questionnaire` in JSON) into an ``Instrument``, refusing
/// it, with every problem named by its place in the file, when it holds what the program would not
/// ask or score exactly as written: an item type, an extension or a FHIRPath construct it does
/// not read, a score its worked examples contradict.
package enum InstrumentFile {
    /// The program's own extensions (docs/INSTRUMENTS.md).
    package static let base = "https://clinic.invalid/fhir/StructureDefinition/instrument-"
    static let sdc = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
    static let core = "http://hl7.org/fhir/StructureDefinition/"

    /// Why an instrument file is refused: each problem with its place in the file.
    package struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        package var file: String
        package var problems: [String]
        package var description: String { problems.map { "\(file): \($0)" }.joined(separator: "\n") }
    }

    /// The most items an instrument asks, and the most answers a choice offers.
    static let maxItems = 200, maxOptions = 100

    /// Extensions that change only how an item looks, which the shell does not draw.
    static let shownOnly: Set<String> = [
        core + "questionnaire-itemControl", core + "rendering-xhtml", core + "rendering-style", core + "rendering-styleSensitive",
        core + "questionnaire-unitOption", core + "questionnaire-optionPrefix", core + "questionnaire-displayCategory",
    ]

    /// The shipped instruments, as the build puts them beside the program.
    package static var shippedFolder: String {
        ((ProtocolLoader.shippedPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("instruments")
    }

    /// Every `*.json` file in `folder`, in name order: the instruments read, and the files refused
    /// (one that gives the same command as a file before it is refused too).
    package static func readFolder(_ folder: String) -> (instruments: [Instrument], refused: [Refusal]) {
        let (instruments, refused) = readFolders([folder])
        return (instruments, refused.map(\.refusal))
    }

    /// The files of each folder in turn, as ``readFolder(_:)`` reads one: a command given by a file
    /// of an earlier folder (the shipped ones first) refuses a later file that gives it too.
    /// `earlier`, instruments read before (from other folders), count as if read first; only
    /// the new ones are returned.
    package static func readFolders(_ folders: [String], after earlier: [Instrument] = []) -> (instruments: [Instrument], refused: [(folder: String, refusal: Refusal)]) {
        var instruments: [Instrument] = earlier, refused: [(folder: String, refusal: Refusal)] = []
        for folder in folders {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            for name in names {
                do {
                    var instrument = try read(path: (folder as NSString).appendingPathComponent(name))
                    instrument.folder = folder
                    if let earlier = instruments.first(where: { $0.module == instrument.module && $0.verb == instrument.verb }) {
                        refused.append((folder, Refusal(file: name, problems: ["gives the command \(instrument.module) \(instrument.verb), which \(earlier.title) gives already"])))
                    } else if let earlier = instruments.first(where: { $0.verb == instrument.verb }) {
                        // Its facts are named by the command word alone (instrument.isi.total).
                        refused.append((folder, Refusal(file: name, problems: [
                            "gives the command \(instrument.module) \(instrument.verb), but \(earlier.title) is \(earlier.module) \(earlier.verb): the facts of both would be instrument.\(instrument.verb).…; give it a command word of its own"])))
                    } else if let same = instruments.first(where: { $0.url == instrument.url && $0.version == instrument.version }) {
                        // One canonical name, one questionnaire: a changed file is a new version.
                        refused.append((folder, Refusal(file: name, problems: [
                            "is \(instrument.url) version \(instrument.version), which \(same.title) (\(same.module) \(same.verb)) is already; a changed questionnaire takes a new version"])))
                    } else {
                        instruments.append(instrument)
                    }
                } catch let refusal as Refusal {
                    refused.append((folder, refusal))
                } catch {
                    refused.append((folder, Refusal(file: name, problems: ["cannot be read"])))
                }
            }
        }
        return (Array(instruments.dropFirst(earlier.count)), refused)
    }

    package static func read(path: String) throws -> Instrument {
        let name = (path as NSString).lastPathComponent
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Refusal(file: name, problems: ["cannot be read"])
        }
        return try read(text, file: name)
    }

    /// Reads the file's text; `file` names it in what is said.
    package static func read(_ text: String, file: String) throws(Refusal) -> Instrument {
        var reader = Reader()
        let root: Value
        do { root = try Value(json: text) } catch { throw Refusal(file: file, problems: ["is not JSON: \(error)"]) }
        guard let instrument = reader.instrument(root, sha256: HashChain.sha256(text)), reader.problems.isEmpty else {
            throw Refusal(file: file, problems: reader.problems.isEmpty ? ["is not an instrument"] : reader.problems)
        }
        let wrong = examplesProblems(instrument)
        guard wrong.isEmpty else { throw Refusal(file: file, problems: wrong) }
        let unscorable = pathsProblems(instrument)
        guard unscorable.isEmpty else { throw Refusal(file: file, problems: unscorable) }
        return instrument
    }

    /// A value as an example writes it: a number, true or false, or a word.
    static func typed(_ text: String) -> FHIRPathSubset.Value {
        if let n = Double(text) { return .number(n) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }

    // MARK: - Reading the resource

    private struct Reader {
        var problems: [String] = []

        mutating func refuse(_ path: String, _ problem: String) { problems.append("\(path): \(problem)") }

        mutating func instrument(_ root: Value, sha256: String) -> Instrument? {
            guard root["resourceType"]?.stringValue == "Questionnaire" else {
                refuse("resourceType", "is not Questionnaire")
                return nil
            }
            text(in: root, path: "")
            for key in root.objectValue?.keys.sorted() ?? [] where !Self.rootKeys.contains(key) {
                refuse(key, "is not read by the program; an instrument that needs it is not loaded")
            }
            let url = root["url"]?.stringValue ?? ""
            if !(url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("urn:")) { refuse("url", "the questionnaire's canonical URL is missing") }
            let version = root["version"]?.stringValue ?? ""
            if version.isEmpty { refuse("version", "is missing: a response names the version it answered") }
            // A response names its questionnaire as url|version: neither may hold | or a space.
            if url.contains(where: { $0 == "|" || $0.isWhitespace }) { refuse("url", "holds | or a space; a response names its questionnaire as url|version") }
            if version.contains(where: { $0 == "|" || $0.isWhitespace }) { refuse("version", "holds | or a space; a response names its questionnaire as url|version") }
            let title = root["title"]?.stringValue ?? ""
            if title.isEmpty { refuse("title", "is missing") }

            var command: (String, String)?
            var summary = "", betterWhen: String?, mid: Double?, bandsSource: String?, result: Instrument.Text?, needsVisit = true
            var bands: [Instrument.Band] = [], alerts: [Instrument.Alert] = [], examples: [Instrument.Example] = []
            var variables: [(String, FHIRPathSubset.Expression)] = []
            var context: [Instrument.ContextVariable] = []
            for (i, ext) in (root["extension"]?.arrayValue ?? []).enumerated() {
                let path = "extension[\(i)]"
                let url = ext["url"]?.stringValue ?? ""
                switch url {
                case InstrumentFile.base + "command":
                    let words = (ext["valueString"]?.stringValue ?? "").split(separator: " ").map(String.init)
                    if words.count == 2, words.allSatisfy({ $0.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil }) {
                        command = (words[0], words[1])
                    } else {
                        refuse(path, "the command is a module and a verb in lower case (screening isi)")
                    }
                case InstrumentFile.base + "summary": summary = ext["valueString"]?.stringValue ?? ""
                case InstrumentFile.base + "needs-visit":
                    guard let b = ext["valueBoolean"]?.boolValue else {
                        refuse(path, "needs-visit is true or false")
                        continue
                    }
                    needsVisit = b
                case InstrumentFile.base + "result":
                    guard let said = text(ext, path: path) else {
                        refuse(path, "the result is a valueString or a valueExpression that gives text")
                        continue
                    }
                    result = said
                case InstrumentFile.base + "better":
                    betterWhen = ext["valueCode"]?.stringValue
                    if betterWhen != "lower" && betterWhen != "higher" { refuse(path, "is lower or higher (the direction in which the total is better)") }
                case InstrumentFile.base + "minimal-important-difference":
                    mid = ext["valueDecimal"]?.doubleValue
                    if (mid ?? 0) <= 0 { refuse(path, "is a positive number") }
                case InstrumentFile.base + "band":
                    let parts = Self.parts(ext)
                    guard let from = parts["from"]?["valueDecimal"]?.doubleValue, let to = parts["to"]?["valueDecimal"]?.doubleValue, from <= to,
                          let label = parts["label"]?["valueString"]?.stringValue else {
                        refuse(path, "a band has from, to (from ≤ to) and label")
                        continue
                    }
                    if let source = parts["source"]?["valueString"]?.stringValue { bandsSource = source }
                    bands.append(Instrument.Band(range: from...to, label: label))
                case InstrumentFile.base + "alert":
                    let parts = Self.parts(ext)
                    guard let message = text(parts["message"], path: path + ".message"), let flag = parts["flag"]?["valueString"]?.stringValue,
                          let source = parts["source"]?["valueString"]?.stringValue,
                          let when = expression(parts["when"]?["valueExpression"], path: path + ".when") else {
                        if parts["when"] != nil { refuse(path, "an alert has when, message, flag and source") }
                        continue
                    }
                    if flag.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) == nil {
                        refuse(path + ".flag", "an alert's flag is a name the response records: lower case letters, digits and _, starting with a letter")
                    }
                    if case .fixed(let words) = message, !words.contains(where: { $0.isLetter || $0.isNumber }) {
                        refuse(path + ".message", "an alert's message is the words staff are shown")
                    }
                    alerts.append(Instrument.Alert(when: when, message: message, flag: flag, source: source))
                case InstrumentFile.base + "example":
                    let parts = Self.parts(ext, repeating: ["expect"])
                    var answers: [String: String] = [:]
                    for word in (parts["answers"]?["valueString"]?.stringValue ?? "").split(separator: " ") {
                        let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                        if pair.count == 2 { answers[pair[0]] = pair[1] } else { refuse(path, "answers are written as on the command line: q1=3 q2=0 …") }
                    }
                    var expected: [String: FHIRPathSubset.Value?] = [:]
                    for e in parts["expect"]?.arrayValue ?? [] {
                        let pair = (e["valueString"]?.stringValue ?? "").split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                        guard pair.count == 2 else {
                            refuse(path, "expect is a score and its value (total=14; positive=true; total= for no score)")
                            continue
                        }
                        expected[pair[0]] = pair[1].isEmpty ? .some(nil) : InstrumentFile.typed(pair[1])
                    }
                    var given: [String: FHIRPathSubset.Value] = [:]
                    for word in (parts["context"]?["valueString"]?.stringValue ?? "").split(separator: " ") {
                        let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                        if pair.count == 2 { given[pair[0]] = InstrumentFile.typed(pair[1]) } else { refuse(path, "the context is written name=value (sex=F women=3)") }
                    }
                    // `none`: an example that raises no alert (FHIR has no empty text).
                    let flags = parts["alerts"].map { ($0["valueString"]?.stringValue ?? "").split(separator: " ").map(String.init).filter { $0 != "none" } }
                    guard let source = parts["source"]?["valueString"]?.stringValue, !source.isEmpty else {
                        refuse(path, "an example names its source (the publication it is taken from, or how it was worked out)")
                        continue
                    }
                    if expected.isEmpty && parts["band"] == nil { refuse(path, "an example states at least one score or band") }
                    examples.append(Instrument.Example(number: examples.count + 1, answers: answers, context: given, expected: expected,
                                                       band: parts["band"]?["valueString"]?.stringValue, flags: flags,
                                                       result: parts["result"]?["valueString"]?.stringValue, source: source))
                case InstrumentFile.base + "context":
                    let parts = Self.parts(ext)
                    guard let name = parts["name"]?["valueString"]?.stringValue, name.range(of: "^[a-z][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                        refuse(path, "a context variable has a name (letters, digits, _)")
                        continue
                    }
                    if let setting = parts["setting"]?["valueString"]?.stringValue {
                        context.append(Instrument.ContextVariable(name: name, setting: setting))
                    } else if parts["patient"]?["valueString"]?.stringValue == "sex" {
                        context.append(Instrument.ContextVariable(name: name, setting: nil))
                    } else {
                        refuse(path, "a context variable holds a protocol setting (setting) or the patient's sex (patient: sex)")
                    }
                case InstrumentFile.core + "variable":
                    guard let name = ext["valueExpression"]?["name"]?.stringValue, name.range(of: "^[a-z][A-Za-z0-9_]*$", options: .regularExpression) != nil,
                          let e = expression(ext["valueExpression"], path: path) else {
                        refuse(path, "a variable has a name (letters, digits, _) and an expression")
                        continue
                    }
                    variables.append((name, e))
                case InstrumentFile.sdc + "sdc-questionnaire-entryMode":
                    if ext["valueCode"]?.stringValue != "sequential" { refuse(path, "the shell asks one item at a time: entryMode is sequential") }
                case _ where InstrumentFile.shownOnly.contains(url): break
                default: refuse(path, "the extension \(url.isEmpty ? "with no url" : url) is not read by the program; an instrument that needs it is not loaded")
                }
            }
            if root["modifierExtension"] != nil { refuse("modifierExtension", "is not read by the program") }
            if command == nil { refuse("extension", "names no command (\(InstrumentFile.base)command: screening isi)") }
            if summary.isEmpty { refuse("extension", "gives no summary (\(InstrumentFile.base)summary), the line help shows") }

            var items: [Instrument.Item] = [], scores: [Instrument.Score] = []
            var seen: Set<String> = []
            // Bounded, so that no file makes every start wait: far past any questionnaire's size.
            let raws = root["item"]?.arrayValue ?? []
            if raws.count > InstrumentFile.maxItems {
                refuse("item", "an instrument has at most \(InstrumentFile.maxItems) items; this one has \(raws.count)")
                return nil
            }
            for (i, raw) in raws.enumerated() {
                item(raw, path: "item[\(i)]", seen: &seen, items: &items, scores: &scores)
            }
            if items.isEmpty { refuse("item", "the instrument asks nothing") }
            if scores.isEmpty { refuse("item", "no item is a score (an integer or decimal item with an SDC calculatedExpression)") }
            if let total = scores.first, total.type == "string" { refuse("item", "the first score is the total, a number or true or false; \(total.linkId) is text") }
            if !bands.isEmpty, let total = scores.first {
                for (a, b) in zip(bands, bands.dropFirst()) where a.range.upperBound >= b.range.lowerBound {
                    refuse("extension", "the bands '\(a.label)' and '\(b.label)' of \(total.linkId) overlap")
                }
                // A whole-number total between two bands would be recorded with none.
                for (a, b) in zip(bands, bands.dropFirst()) where total.type == "integer" && b.range.lowerBound > a.range.upperBound + 1 {
                    refuse("extension", "no band of \(total.linkId) holds the totals between '\(a.label)' and '\(b.label)' (\(FieldSpec.format(a.range.upperBound + 1))–\(FieldSpec.format(b.range.lowerBound - 1)))")
                }
            }
            // Every name the recorded response holds is one thing: an answer, its weight, a score,
            // an alert's flag, or what the program adds (the band, what the alerts said, the
            // questionnaire and its hash).
            var named: [String: String] = ["band": "the band the program records", "questionnaire": "the questionnaire the program records",
                                           "questionnaire_sha256": "the file's hash the program records", "alerts": "what the alerts said, which the program records"]
            func name(_ key: String, _ what: String) {
                if let before = named[key] { refuse("item", "\(key) is both \(before) and \(what): a response records each name once") } else { named[key] = what }
            }
            for item in items {
                name(item.linkId, "the item \(item.linkId)")
                if case .choice = item.kind { name(item.linkId + "_score", "the weight of \(item.linkId)'s answer") }
            }
            for score in scores { name(score.linkId, "the score \(score.linkId)") }
            for alert in alerts { name(alert.flag, "the alert flag \(alert.flag)") }
            guard let command else { return nil }
            var instrument = Instrument(url: url, version: version, module: command.0, verb: command.1, title: title, summary: summary, items: items,
                              variables: variables, context: context, scores: scores, bands: bands, bandsSource: bandsSource, alerts: alerts, result: result, examples: examples,
                              betterWhen: betterWhen, minimalImportantDifference: mid, sha256: sha256, resource: root)
            instrument.needsVisit = needsVisit
            return instrument
        }

        static let rootKeys: Set<String> = [
            "resourceType", "id", "meta", "url", "identifier", "version", "name", "title", "status", "experimental", "subjectType", "date",
            "publisher", "contact", "description", "purpose", "copyright", "approvalDate", "lastReviewDate", "code", "extension", "item",
            "language", "text", "jurisdiction", "useContext",
        ]
        static let itemKeys: Set<String> = [
            "linkId", "text", "type", "required", "readOnly", "answerOption", "enableWhen", "enableBehavior", "extension", "item", "code",
            "prefix", "initial", "maxLength", "repeats", "definition",
        ]

        /// An extension's parts by url (a complex extension's `extension` list); `repeating` keys collect every one.
        static func parts(_ ext: Value, repeating: Set<String> = []) -> [String: Value] {
            var out: [String: Value] = [:]
            for part in ext["extension"]?.arrayValue ?? [] {
                guard let url = part["url"]?.stringValue else { continue }
                if repeating.contains(url) {
                    out[url] = .array((out[url]?.arrayValue ?? []) + [part])
                } else {
                    out[url] = part
                }
            }
            return out
        }

        /// The longest text a file may hold in one place: far past any item's wording or source.
        static let longestText = 4000

        /// Refuses text the shell would print as something else: control characters (an escape
        /// sequence can erase a line or an alert) and the marks that reorder text on screen.
        mutating func text(in value: Value, path: String) {
            if let text = value.stringValue {
                // Control and format characters (direction marks and overrides, zero-width ones),
                // and line and paragraph separators.
                if text.unicodeScalars.contains(where: { [.control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned].contains($0.properties.generalCategory) }) {
                    refuse(path.isEmpty ? "text" : path, "holds a control character or a mark that reorders text; write plain text")
                } else if text.count > Self.longestText {
                    refuse(path.isEmpty ? "text" : path, "is longer than \(Self.longestText) characters")
                }
            } else if let array = value.arrayValue {
                for (i, v) in array.enumerated() { text(in: v, path: "\(path)[\(i)]") }
            } else if let object = value.objectValue {
                for key in object.keys.sorted() { text(in: object[key]!, path: path.isEmpty ? key : "\(path).\(key)") }
            }
        }

        /// Words as a `valueString`, or a `valueExpression` that works them out.
        mutating func text(_ value: Value?, path: String) -> Instrument.Text? {
            if let fixed = value?["valueString"]?.stringValue { return .fixed(fixed) }
            return expression(value?["valueExpression"], path: path).map(Instrument.Text.expression)
        }

        mutating func expression(_ value: Value?, path: String) -> FHIRPathSubset.Expression? {
            guard let value else { return nil }
            guard value["language"]?.stringValue == "text/fhirpath" else {
                refuse(path, "the expression's language is text/fhirpath")
                return nil
            }
            let text = value["expression"]?.stringValue ?? ""
            do { return try FHIRPathSubset.parse(text) } catch {
                // A long expression is named by its start; the character's place says where.
                let shown = text.count > 200 ? String(text.prefix(200)) + "…" : text
                refuse(path, "'\(shown)' at \(error.position + 1): \(error.reason)")
                return nil
            }
        }

        mutating func item(_ raw: Value, path: String, seen: inout Set<String>, items: inout [Instrument.Item], scores: inout [Instrument.Score]) {
            for key in raw.objectValue?.keys.sorted() ?? [] where !Self.itemKeys.contains(key) {
                refuse("\(path).\(key)", "is not read by the program")
            }
            let linkId = raw["linkId"]?.stringValue ?? ""
            let place = "\(path) (\(linkId.isEmpty ? "no linkId" : linkId))"
            guard linkId.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
                refuse(place, "a linkId is typed as a field's name: lower case letters, digits and _, starting with a letter")
                return
            }
            guard seen.insert(linkId).inserted else {
                refuse(place, "the linkId is used twice")
                return
            }
            if raw["repeats"]?.boolValue == true { refuse(place, "an item answered more than once is not read") }
            var help: String?
            var calculated: FHIRPathSubset.Expression?, isScore = false
            var minimum: Value?, maximum: Value?
            for (i, ext) in (raw["extension"]?.arrayValue ?? []).enumerated() {
                let url = ext["url"]?.stringValue ?? ""
                switch url {
                case InstrumentFile.sdc + "sdc-questionnaire-calculatedExpression":
                    isScore = true
                    if ext["valueExpression"] == nil { refuse("\(place).extension[\(i)]", "the calculatedExpression has no valueExpression") }
                    calculated = expression(ext["valueExpression"], path: "\(place).extension[\(i)]")
                case InstrumentFile.core + "minValue": minimum = ext["valueInteger"] ?? ext["valueDecimal"]
                case InstrumentFile.core + "maxValue": maximum = ext["valueInteger"] ?? ext["valueDecimal"]
                case _ where InstrumentFile.shownOnly.contains(url): break
                default: refuse("\(place).extension[\(i)]", "the extension \(url) is not read by the program")
                }
            }
            // The item's help: a display child item marked as help (SDC itemControl help).
            for (i, child) in (raw["item"]?.arrayValue ?? []).enumerated() {
                let control = child["extension"]?.arrayValue?.first { $0["url"]?.stringValue == InstrumentFile.core + "questionnaire-itemControl" }
                let code = control?["valueCodeableConcept"]?["coding"]?.arrayValue?.first?["code"]?.stringValue
                if child["type"]?.stringValue == "display", code == "help", let text = child["text"]?.stringValue {
                    help = text
                    // FHIR's linkIds are unique through the whole questionnaire, help items' too.
                    if let helpId = child["linkId"]?.stringValue, !seen.insert(helpId).inserted {
                        refuse("\(place).item[\(i)]", "the linkId \(helpId) is used twice")
                    }
                } else {
                    refuse("\(place).item[\(i)]", "an item inside an item is read only as its help (a display item with itemControl help)")
                }
            }
            let type = raw["type"]?.stringValue ?? ""
            let text = raw["text"]?.stringValue ?? ""
            if isScore {
                guard let calculated else { return }
                guard ["integer", "decimal", "boolean", "string"].contains(type) else {
                    refuse(place, "a score is an integer, decimal, boolean or string item")
                    return
                }
                var code: (String, String, String)?
                if let coding = raw["code"]?.arrayValue?.first, let system = coding["system"]?.stringValue, let c = coding["code"]?.stringValue {
                    code = (system, c, coding["display"]?.stringValue ?? text)
                }
                let source = (raw["extension"]?.arrayValue ?? []).first { $0["url"]?.stringValue == InstrumentFile.sdc + "sdc-questionnaire-calculatedExpression" }?["valueExpression"]?["expression"]?.stringValue ?? ""
                scores.append(Instrument.Score(linkId: linkId, text: text, expression: calculated, source: source, type: type, code: code))
                return
            }
            if text.isEmpty { refuse(place, "an item has text: what is asked") }
            let kind: Instrument.Kind
            switch type {
            case "choice":
                var options: [Instrument.Option] = []
                let offered = raw["answerOption"]?.arrayValue ?? []
                if offered.count > InstrumentFile.maxOptions {
                    refuse(place, "a choice has at most \(InstrumentFile.maxOptions) answerOptions; this one has \(offered.count)")
                    return
                }
                for (i, option) in offered.enumerated() {
                    guard let coding = option["valueCoding"], let code = coding["code"]?.stringValue, !code.isEmpty, !code.contains(" ") else {
                        refuse("\(place).answerOption[\(i)]", "an option is a valueCoding with a code of one word (what is typed)")
                        continue
                    }
                    var weight: Double?
                    for ext in option["extension"]?.arrayValue ?? [] {
                        let url = ext["url"]?.stringValue ?? ""
                        if url == InstrumentFile.core + "ordinalValue" || url == InstrumentFile.core + "itemWeight" {
                            weight = ext["valueDecimal"]?.doubleValue
                            // A weight is a score's part: far past any scale's, far short of overflowing a sum.
                            if let w = weight, !(w.isFinite && abs(w) <= 1_000_000) {
                                refuse("\(place).answerOption[\(i)]", "the ordinal value \(w) is not a number from -1000000 to 1000000")
                            }
                        } else if !InstrumentFile.shownOnly.contains(url) {
                            refuse("\(place).answerOption[\(i)]", "the extension \(url) is not read by the program")
                        }
                    }
                    if options.contains(where: { $0.code == code }) { refuse("\(place).answerOption[\(i)]", "the code \(code) is used twice") }
                    options.append(Instrument.Option(code: code, display: coding["display"]?.stringValue ?? code, weight: weight))
                }
                if options.count < 2 { refuse(place, "a choice has at least two answerOptions") }
                kind = .choice(options)
            case "integer":
                let low = minimum?.intValue ?? Int(Int32.min), high = maximum?.intValue ?? Int(Int32.max)
                if minimum == nil || maximum == nil { refuse(place, "an integer item has minValue and maxValue") }
                kind = .integer(low...max(low, high))
            case "decimal":
                let low = minimum?.doubleValue ?? 0, high = maximum?.doubleValue ?? 0
                if minimum == nil || maximum == nil { refuse(place, "a decimal item has minValue and maxValue") }
                kind = .decimal(low...max(low, high))
            case "boolean": kind = .boolean
            case "string", "text": kind = .text(maxLength: raw["maxLength"]?.intValue ?? 1000)
            default:
                refuse(place, "the item type '\(type)' is not read (choice, integer, decimal, boolean, string, text)")
                return
            }
            var conditions: [Instrument.Condition] = []
            for (i, when) in (raw["enableWhen"]?.arrayValue ?? []).enumerated() {
                let question = when["question"]?.stringValue ?? ""
                let comparison = when["operator"]?.stringValue ?? ""
                guard items.contains(where: { $0.linkId == question }) else {
                    refuse("\(place).enableWhen[\(i)]", "names \(question.isEmpty ? "no question" : question), which is not an item asked before it")
                    continue
                }
                guard ["exists", "=", "!=", ">", "<", ">=", "<="].contains(comparison) else {
                    refuse("\(place).enableWhen[\(i)]", "the operator '\(comparison)' is not read")
                    continue
                }
                let answer: FHIRPathSubset.Value
                if let b = when["answerBoolean"]?.boolValue { answer = .bool(b) }
                else if let n = when["answerInteger"]?.doubleValue ?? when["answerDecimal"]?.doubleValue { answer = .number(n) }
                else if let c = when["answerCoding"]?["code"]?.stringValue { answer = .string(c) }
                else if let s = when["answerString"]?.stringValue { answer = .string(s) }
                else {
                    refuse("\(place).enableWhen[\(i)]", "the answer compared with is answerBoolean, answerInteger, answerDecimal, answerCoding or answerString")
                    continue
                }
                // A condition that could never hold would leave its item (and any alert on it) never asked.
                if comparison != "exists", let asked = items.first(where: { $0.linkId == question }) {
                    switch (asked.kind, answer) {
                    case (.choice(let options), .string(let code)):
                        if !["=", "!="].contains(comparison) {
                            refuse("\(place).enableWhen[\(i)]", "a choice's answer is compared with = or != (its codes have no order)")
                        } else if !options.contains(where: { $0.code == code }) {
                            refuse("\(place).enableWhen[\(i)]", "\(question) has no answer \(code)")
                        }
                    case (.integer, .number), (.decimal, .number): break
                    case (.boolean, .bool), (.text, .string):
                        if !["=", "!="].contains(comparison) { refuse("\(place).enableWhen[\(i)]", "\(question)'s answer is compared with = or !=") }
                    default:
                        refuse("\(place).enableWhen[\(i)]", "the answer compared with is not of \(question)'s kind")
                    }
                } else if comparison == "exists", answer != .bool(true) && answer != .bool(false) {
                    refuse("\(place).enableWhen[\(i)]", "exists is compared with answerBoolean")
                }
                conditions.append(Instrument.Condition(question: question, comparison: comparison, answer: answer))
            }
            let behavior = raw["enableBehavior"]?.stringValue ?? "all"
            if conditions.count > 1, !["all", "any"].contains(behavior) { refuse(place, "enableBehavior is all or any") }
            var item = Instrument.Item(linkId: linkId, text: text, help: help, kind: kind, required: raw["required"]?.boolValue ?? false,
                                       enableWhen: conditions, enableWhenAll: behavior != "any", initial: nil)
            if let initial = raw["initial"]?.arrayValue?.first {
                let typed = initial["valueCoding"]?["code"]?.stringValue ?? initial["valueInteger"]?.intValue.map(String.init)
                    ?? initial["valueDecimal"]?.doubleValue.map { String($0) } ?? initial["valueBoolean"]?.boolValue.map { $0 ? "yes" : "no" }
                    ?? initial["valueString"]?.stringValue
                switch typed.map({ Instrument.value($0, for: item) }) {
                case .success(let v)?: item.initial = v
                case .failure(let why)?: refuse("\(place).initial", why)
                case nil: refuse("\(place).initial", "the initial value is not one the item takes")
                }
            }
            items.append(item)
        }
    }
}
