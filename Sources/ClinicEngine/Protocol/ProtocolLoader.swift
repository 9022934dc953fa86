import ClinicKit
import ClinicStorage
import Foundation
import Yams

/// The host's own clinic-protocol settings.
package enum HostSettings {
    static let lateEntryHours = "clinic.late_entry_hours"
    static let maxFailedSignIns = "clinic.max_failed_signins"
    static let idleMinutes = "clinic.idle_minutes"
    static let alsoRequires = "clinic.also_requires"
    static let fhirBase = "clinic.fhir_base"
    static let adminRetrySeconds = "clinic.admin_retry_seconds"
    static let anchorFile = "clinic.anchor_file"

    package static let specs = [
        SettingSpec(lateEntryHours, .integer(0...168, unit: "hours"),
                    summary: "how far back --at may date a late entry (0: no late entries)"),
        SettingSpec(maxFailedSignIns, .integer(1...20, unit: "attempts"),
                    summary: "wrong passwords in a row (sign-in or signature) before the account locks until an admin unlocks it"),
        SettingSpec(idleMinutes, .integer(1...240, unit: "minutes"),
                    summary: "an idle shell signs its member of staff out after this long"),
        SettingSpec(alsoRequires, .text(maxLength: 2000),
                    summary: "facts a command also waits for, as COMMAND=FACT pairs separated by ; (dosing start=checklist.done)"),
        SettingSpec(adminRetrySeconds, .integer(10...3600, unit: "seconds"),
                    summary: "how long each wrong password holds the only unlocked administrator, who is never locked out"),
        SettingSpec(anchorFile, .text(maxLength: 4000),
                    summary: "a file outside the database where the record's head is appended when a shell or script ends (empty: off)"),
        SettingSpec(fhirBase, .text(maxLength: 200),
                    summary: "the clinic's base URL in FHIR exports: each resource's fullUrl, and the systems of its MRNs and staff names, are under it"),
    ]

    /// What is wrong with the host's settings taken together, for `protocol check` and start-up.
    static func check(_ p: ClinicProtocol) -> [String] {
        let base = (try? p.text(fhirBase)) ?? ""
        let url = URLComponents(string: base)
        guard let url, ["https", "http"].contains(url.scheme ?? ""), !(url.host ?? "").isEmpty, url.query == nil, url.fragment == nil,
              !base.hasSuffix("/") else {
            return ["\(fhirBase) '\(base)' is not an http(s) URL without a trailing slash, query or fragment (https://fhir.example-clinic.org/r4)"]
        }
        if let anchors = try? p.text(anchorFile), !anchors.isEmpty, !anchors.hasPrefix("/") {
            return ["\(anchorFile) '\(anchors)' is not an absolute path (/var/lib/clinic-anchors/heads.txt), or empty for none"]
        }
        return []
    }

    /// `clinic.also_requires` read into the facts each command also waits for. The setting was
    /// checked when the protocol loaded (``checkAlsoRequires(_:commands:facts:)``): every pair names
    /// a command and a fact that exist.
    static func alsoRequired(_ p: ClinicProtocol) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in alsoRequiredPairs(p) { out[pair.command, default: []].append(pair.fact) }
        return out
    }

    private static func alsoRequiredPairs(_ p: ClinicProtocol) -> [(command: String, fact: String, text: String)] {
        ((try? p.text(alsoRequires)) ?? "").split(separator: ";").compactMap { pair in
            let text = pair.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return nil }
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            return (parts.first ?? "", parts.count == 2 ? parts[1] : "", text)
        }
    }

    /// Every pair of `clinic.also_requires` must name a command the shell knows and a fact a loaded
    /// module or an instrument asked here publishes: a misspelt gate would otherwise hold nothing
    /// (fail closed, not open). An instrument read but not asked (`unasked`, the reason by its
    /// command word) is named with its reason, so that the clinic learns why its gate cannot hold.
    /// A command made to wait for a fact only it establishes could never run.
    static func checkAlsoRequires(_ p: ClinicProtocol, commands: [String], facts: [String], establishedBy: [String: String] = [:],
                                  instruments: [Instrument] = [], unasked: [String: String] = [:]) -> [String] {
        alsoRequiredPairs(p).compactMap { pair in
            let what = "\(alsoRequires) '\(pair.text)'"
            guard !pair.command.isEmpty, !pair.fact.isEmpty else {
                return "\(what) is not COMMAND=FACT (dosing start=followup.baseline)"
            }
            if !commands.contains(pair.command) {
                if let instrument = instruments.first(where: { "\($0.module) \($0.verb)" == pair.command }), let reason = unasked[instrument.verb] {
                    return "\(what): the instrument \(instrument.title) is not asked here: \(reason)"
                }
                let guess = Suggest.closest(to: pair.command, among: commands)
                return "\(what) names no command '\(pair.command)'" + (guess.map { "; did you mean '\($0)'?" } ?? "; type help for the commands")
            }
            if !facts.contains(pair.fact) {
                let words = pair.fact.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if words.count == 3, words[0] == "instrument", let instrument = instruments.first(where: { $0.verb == words[1] }) {
                    if let reason = unasked[instrument.verb] {
                        return "\(what): the instrument \(instrument.title) is not asked here: \(reason)"
                    }
                    return "\(what): \(instrument.title) has no score '\(words[2])'; its facts are \(instrument.facts.joined(separator: ", "))"
                }
                if words.first == "instrument" {
                    let verb = words.count > 1 ? Suggest.closest(to: words[1], among: instruments.map(\.verb)) : nil
                    return "\(what): no instrument read here publishes the fact '\(pair.fact)' (a clinic's own instruments are given with --instruments DIR)"
                        + (verb.map { "; did you mean 'instrument.\($0).\(words.count > 2 ? words[2] : "total")'?" } ?? "")
                }
                let guess = Suggest.closest(to: pair.fact, among: facts)
                return "\(what): no loaded module publishes the fact '\(pair.fact)'" + (guess.map { "; did you mean '\($0)'?" } ?? "; status lists the facts")
            }
            if establishedBy[pair.fact] == pair.command {
                return "\(what): \(pair.command) is what records \(pair.fact), so it could never run"
            }
            return nil
        }
    }
}

/// One setting as the protocol file writes it, for `protocol show`.
package struct ProtocolEntry: Sendable, Equatable {
    package var key: String
    package var value: Value
    package var unit: String?
    package var defaultValue: String
    package var source: String
    package var line: Int
}

/// The clinic protocol as loaded: the values modules read, and what the file says of each.
package struct LoadedProtocol: Sendable {
    package var settings: ClinicProtocol
    package var path: String
    package var entries: [String: ProtocolEntry]
    /// Settings in the file that no loaded module reads (a module may be missing).
    package var unread: [String]
    /// The file's text, and its form: what the record keeps of a protocol adopted.
    package var text: String
    package var form: ProtocolForm
    /// When the protocol was read from the record (the one adopted), not from a file.
    package var adoptedAt: Date? = nil
    /// The instruments it was checked against (those given at start, and its own folder's): what
    /// the program asks under it.
    package var instruments: InstrumentCommands.Candidates = .none

    /// The folder of the clinic's own instruments the file names, as a path (beside the file
    /// unless absolute).
    package var instrumentsFolder: String? {
        guard let folder = form.instruments?.trimmingCharacters(in: .whitespaces), !folder.isEmpty else { return nil }
        return folder.hasPrefix("/") ? folder : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(folder)
    }

    /// What the record keeps of this protocol when it is adopted; `nil` for one given as values
    /// (a test's), which has no file.
    package var kept: ProtocolText? {
        guard form.hasSettings else { return nil }
        // By its whole path: the folder its instruments: names is beside it, wherever the program
        // is started from later.
        let whole = path.hasPrefix("/") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
        return ProtocolText(sha256: settings.sha256, path: whole, text: text, documents: settings.documents.mapValues(\.text), form: form.value)
    }
}

/// Reads the clinic protocol, a YAML file:
///
/// ```yaml
/// protocol: Riverside Ketamine Clinic
/// version: "2026.11"
/// settings:
///   consent.validity_months:
///     value: 12
///     unit: months
///     default: 12
///     source: clinic policy, reviewed yearly
/// ```
///
/// and checks it against every setting the host and the loaded modules declare. Each problem names
/// the file, the line and the key, and says what the value must be.
package enum ProtocolLoader {
    package struct Refusal: Error, CustomStringConvertible {
        package var problems: [String]
        package var description: String { problems.joined(separator: "\n") }
    }

    /// `--protocol`, else `$CLINIC_PROTOCOL`, else the protocol shipped beside the program.
    package static func path(explicit: String?, environment: [String: String]) -> String {
        if let explicit { return explicit }
        if let env = environment["CLINIC_PROTOCOL"], !env.isEmpty { return env }
        return shippedPath
    }

    /// The default protocol, as the build puts it beside the program.
    package static var shippedPath: String { shipped }
    private static let shipped: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((exe as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("clinic_ClinicEngine.resources/clinic-protocol.yaml")
    }()

    /// Every setting the host and `modules` declare.
    package static func specs(of modules: [LoadedModule]) -> [SettingSpec] {
        HostSettings.specs + modules.flatMap(\.declaration.settings)
    }

    /// Reads the protocol at `path` and checks it against every setting the host and `modules`
    /// declare, and each module's settings taken together.
    /// `instruments` are those read from the folders: the facts of the ones that may be asked
    /// under it are what `clinic.also_requires` may name besides the modules'.
    package static func load(path: String, modules: [LoadedModule], instruments: InstrumentCommands.Candidates = .none) throws(Refusal) -> LoadedProtocol {
        try checked(try load(path: path, specs: specs(of: modules)), path: path, modules: modules, instruments: instruments)
    }

    /// Reads the protocol `text` (of the file at `path`) and checks it as ``load(path:modules:)`` does.
    package static func load(text: String, path: String, modules: [LoadedModule],
                             instruments: InstrumentCommands.Candidates = .none) throws(Refusal) -> LoadedProtocol {
        try checked(try load(text: text, path: path, specs: specs(of: modules)), path: path, modules: modules, instruments: instruments)
    }

    private static func checked(_ read: LoadedProtocol, path: String, modules: [LoadedModule],
                                instruments started: InstrumentCommands.Candidates) throws(Refusal) -> LoadedProtocol {
        let name = (path as NSString).lastPathComponent
        // The instruments given at start, and the protocol's own folder's.
        var loaded = read
        let instruments = loaded.instrumentsFolder.map { started.adding(folder: $0) } ?? started
        loaded.instruments = instruments
        // The instruments asked under these settings, as the program will ask them.
        let unasked = InstrumentCommands.table(instruments.instruments, modules: modules, sandbox: instruments.sandbox, settings: loaded.settings).unasked
        let asked = instruments.instruments.filter { unasked[$0.verb] == nil }
        let commands = HostCommands.entries.map(\.name) + modules.flatMap { m in m.declaration.commands.map { "\(m.name) \($0.verb)" } }
            + asked.map { "\($0.module) \($0.verb)" }
        let facts = modules.flatMap { $0.declaration.facts.map(\.name) } + asked.flatMap(\.facts)
        var establishedBy: [String: String] = [:]
        for fact in modules.flatMap(\.declaration.facts) { establishedBy[fact.name] = fact.establishedBy }
        for instrument in asked { for fact in instrument.facts { establishedBy[fact] = "\(instrument.module) \(instrument.verb)" } }
        let line = loaded.entries[HostSettings.alsoRequires].map { ":\($0.line)" } ?? ""
        var isFolder: ObjCBool = false
        let folderProblems = loaded.instrumentsFolder.flatMap { folder in
            FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue && FileManager.default.isReadableFile(atPath: folder)
                ? nil : "\(name): instruments: the folder \(folder) cannot be read (the clinic's own instruments, as the protocol names them)"
        }.map { [$0] } ?? []
        let problems = folderProblems + HostSettings.check(loaded.settings).map { "\(name): \($0)" }
            + HostSettings.checkAlsoRequires(loaded.settings, commands: commands, facts: facts, establishedBy: establishedBy,
                                             instruments: instruments.instruments, unasked: unasked).map { "\(name)\(line): \($0)" }
            + modules.flatMap { module in ((module.module as? any SettingsCheckingModule)?.check(loaded.settings) ?? []).map { "\(name): \(module.name): \($0)" } }
        guard problems.isEmpty else { throw Refusal(problems: problems) }
        return loaded
    }

    /// The protocol a test gives as values (the SDK's test host), checked as a file's would be:
    /// each value against its declaration, then all of them together, then `clinic.also_requires`
    /// against the modules. A setting the test does not give takes the shipped protocol's value;
    /// `clinic.also_requires` is empty unless given (the shipped pairs name the shipped modules).
    package static func load(values: [String: Value], documents: [String: ProtocolDocument], name: String,
                             modules: [LoadedModule], instruments: InstrumentCommands.Candidates = .none) throws(Refusal) -> LoadedProtocol {
        let shippedText = (try? String(contentsOfFile: shippedPath, encoding: .utf8)) ?? ""
        var given = values
        if given[HostSettings.alsoRequires] == nil { given[HostSettings.alsoRequires] = .string("") }
        var settings: [String: Value] = [:]
        var docs: [String: ProtocolDocument] = [:]
        var entries: [String: ProtocolEntry] = [:]
        var problems: [String] = []
        for spec in specs(of: modules) {
            if spec.kind == .document, let document = documents[spec.key] {
                docs[spec.key] = document
            } else if let value = given[spec.key] {
                switch read(shown(value), as: spec.kind) {
                case .success(let v): settings[spec.key] = v
                case .failure(let why): problems.append("\(spec.key) is \(shown(value)), \(why.description)")
                }
            } else if let shipped = try? load(text: shippedText, path: shippedPath, specs: [spec]) {
                if let value = shipped.settings.values[spec.key] { settings[spec.key] = value }
                if let document = shipped.settings.documents[spec.key] { docs[spec.key] = document }
            } else {
                problems.append("the test gives no value for \(spec.key) (\(spec.kind.expects))")
                continue
            }
            entries[spec.key] = ProtocolEntry(key: spec.key, value: settings[spec.key] ?? .string(docs[spec.key]?.version ?? ""), unit: spec.kind.unit,
                                              defaultValue: "", source: "given by the test", line: 0)
        }
        guard problems.isEmpty else { throw Refusal(problems: problems) }
        let canonical = Value.object(settings).canonicalJSON
        let loaded = LoadedProtocol(settings: ClinicProtocol(name: name, version: name, values: settings, documents: docs,
                                                             sha256: contentHash(canonical, documents: docs)),
                                    path: name, entries: entries, unread: values.keys.filter { entries[$0] == nil }.sorted(),
                                    text: canonical, form: ProtocolForm())
        return try checked(loaded, path: name, modules: modules, instruments: instruments)
    }

    /// The protocol adopted, as the record keeps it (`kept`), checked as a file's would be against
    /// the host's and `modules`' settings, and bound to the chain of adoptions: its text and
    /// documents hash to the adoption's sha256, and every setting the adoption names has the value
    /// it names. No YAML is parsed; `audit verify` reads the text again and must find the same form.
    package static func load(kept: ProtocolText, adopted: AdoptedProtocol, modules: [LoadedModule],
                             instruments: InstrumentCommands.Candidates = .none) throws(Refusal) -> LoadedProtocol {
        let name = (kept.path as NSString).lastPathComponent
        guard let form = ProtocolForm(kept.form) else {
            throw Refusal(problems: ["\(name): the record's form of it cannot be read (audit verify tells more)"])
        }
        var loaded = try load(form: form, text: kept.text, path: kept.path, specs: specs(of: modules)) { key, _ in
            (kept.documents[key], "its document \(key) in the record")
        }
        guard loaded.settings.sha256 == adopted.sha256 else {
            throw Refusal(problems: ["\(name): the text the record keeps is not the protocol adopted (audit verify tells more)"])
        }
        let named = adopted.settings.objectValue ?? [:]
        let read = ProtocolAdoption.settings(of: loaded.settings).objectValue ?? [:]
        if let differs = named.keys.sorted().first(where: { read[$0] != nil && read[$0] != named[$0] }) {
            throw Refusal(problems: ["\(name): the record's form of it gives \(differs) another value than the adoption (audit verify tells more)"])
        }
        loaded.adoptedAt = adopted.adoptedAt
        return try checked(loaded, path: kept.path, modules: modules, instruments: instruments)
    }

    /// Reads and checks the protocol at `path`.
    package static func load(path: String, specs: [SettingSpec]) throws(Refusal) -> LoadedProtocol {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Refusal(problems: ["cannot read the clinic protocol \(path); give --protocol FILE"])
        }
        return try load(text: text, path: path, specs: specs)
    }

    package static func load(text: String, path: String, specs: [SettingSpec]) throws(Refusal) -> LoadedProtocol {
        let form = try ProtocolForm(yaml: text, name: (path as NSString).lastPathComponent)
        let folder = (path as NSString).deletingLastPathComponent
        return try load(form: form, text: text, path: path, specs: specs) { _, file in
            let full = file.hasPrefix("/") ? file : (folder as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else { return (nil, full) }
            return (text, full)
        }
    }

    /// Checks the protocol file's `form` against `specs`: each setting the host and the modules
    /// declare is there, of its kind, in its unit, with its default and its source. `document`
    /// gives the text of a document the protocol names (by its setting's key and its `file`), and
    /// what to call it if it cannot; `text` is the file's, for the content hash.
    package static func load(form: ProtocolForm, text: String, path: String, specs: [SettingSpec],
                             document: (_ key: String, _ file: String) -> (text: String?, shownAs: String)) throws(Refusal) -> LoadedProtocol {
        let name = (path as NSString).lastPathComponent
        var problems: [String] = []
        func at(_ line: Int?) -> String { line.map { "\(name):\($0)" } ?? name }

        let title = form.name, version = form.version
        if title?.isEmpty ?? true { problems.append("\(at(form.line)): the protocol has no name (protocol: CLINIC NAME)") }
        if version?.isEmpty ?? true { problems.append("\(at(form.line)): the protocol has no version (version: \"2026.11\"); every record notes it") }
        if !form.hasSettings { problems.append("\(at(form.settingsLine ?? form.line)): the protocol has no settings mapping") }

        var values: [String: Value] = [:]
        var entries: [String: ProtocolEntry] = [:]
        var documents: [String: ProtocolDocument] = [:]
        for spec in specs {
            let module = spec.key.split(separator: ".").first.map(String.init) ?? spec.key
            guard form.hasSettings, let entry = form.entries[spec.key] else {
                problems.append("\(at(form.settingsLine ?? form.line)): \(spec.key) is missing: \(spec.summary) (\(module) reads it; \(spec.kind.expects))")
                continue
            }
            let keyAt = at(entry.line)
            guard entry.isMapping else {
                problems.append("\(keyAt): \(spec.key) must hold value, \(spec.kind.unit == nil ? "" : "unit, ")default and source")
                continue
            }
            func fieldAt(_ field: String) -> String { entry.lines[field].map { at($0) } ?? keyAt }
            if spec.kind == .document {
                // A document: its file (beside the protocol), its version and its source.
                let file = entry.fields["file"] ?? ""
                let docVersion = entry.fields["version"] ?? ""
                let source = entry.fields["source"] ?? ""
                if file.isEmpty || docVersion.isEmpty || source.trimmed.isEmpty {
                    problems.append("\(keyAt): \(spec.key) must give file, version and source")
                    continue
                }
                let read = document(spec.key, file)
                guard let text = read.text, !text.trimmed.isEmpty else {
                    problems.append("\(entry.lines["file"].map { at($0) } ?? name): \(spec.key): cannot read \(read.shownAs)")
                    continue
                }
                documents[spec.key] = ProtocolDocument(version: docVersion, text: text, sha256: HashChain.sha256(text))
                entries[spec.key] = ProtocolEntry(key: spec.key, value: .string("\(file) version \(docVersion)"), unit: nil, defaultValue: "",
                                                  source: source, line: entry.line ?? 0)
                continue
            }
            guard let valueText = entry.fields["value"] else {
                problems.append("\(keyAt): \(spec.key) has no value (\(spec.kind.expects))")
                continue
            }
            var ok = true
            let value: Value
            switch read(valueText, as: spec.kind) {
            case .success(let v): value = v
            case .failure(let why):
                problems.append("\(fieldAt("value")): \(spec.key) is '\(valueText)', \(why)")
                continue
            }
            let unit = entry.fields["unit"]
            if let expected = spec.kind.unit, unit != expected {
                problems.append("\(fieldAt("unit")): \(spec.key) is in \(expected)" + (unit.map { ", not '\($0)'" } ?? "; add unit: \(expected)"))
                ok = false
            }
            let defaultText = entry.fields["default"]
            var defaultTyped = ""
            if let defaultText, case .failure(let why) = read(defaultText, as: spec.kind) {
                problems.append("\(entry.lines["default"].map { at($0) } ?? name): \(spec.key) default '\(defaultText)', \(why)")
                ok = false
            } else if let defaultText, case .success(let v) = read(defaultText, as: spec.kind) {
                defaultTyped = shown(v)
            } else {
                problems.append("\(keyAt): \(spec.key) does not give its default (default: …)")
                ok = false
            }
            let source = entry.fields["source"] ?? ""
            if source.trimmed.isEmpty {
                problems.append("\(keyAt): \(spec.key) does not say where its default comes from (source: …)")
                ok = false
            }
            guard ok else { continue }
            values[spec.key] = value
            entries[spec.key] = ProtocolEntry(key: spec.key, value: value, unit: unit, defaultValue: defaultTyped,
                                              source: source, line: entry.line ?? 0)
        }
        guard problems.isEmpty, let title, let version else { throw Refusal(problems: problems) }
        let declared = Set(specs.map(\.key))
        let unread = form.keys.filter { !declared.contains($0) }.sorted()
        return LoadedProtocol(settings: ClinicProtocol(name: title, version: version, values: values, documents: documents,
                                                       sha256: contentHash(text, documents: documents)),
                              path: path, entries: entries, unread: unread, text: text, form: form)
    }

    /// The protocol's content hash: the file's bytes and every document it names (the consent
    /// text), so that an edited copy that keeps the version string, or a changed document, is a
    /// different protocol.
    package static func contentHash(_ text: String, documents: [String: ProtocolDocument]) -> String {
        guard !documents.isEmpty else { return HashChain.sha256(text) }
        let named = documents.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sha256)" }.joined(separator: "\n")
        return HashChain.sha256(text + "\u{0}" + named)
    }

    /// A setting's value as the protocol file would write it: `2`, `0.5`, `[10, 50]`, `yes`.
    package static func shown(_ value: Value) -> String {
        switch value {
        case .double(let d): return FieldSpec.format(d)
        case .array(let items): return "[" + items.map(shown).joined(separator: ", ") + "]"
        default: return value.typed
        }
    }

    /// A scalar's text, or a list's items joined with commas (`[10, 50]` → `10, 50`).
    static func text(of node: Node?) -> String? {
        if let sequence = node?.sequence {
            let items = sequence.map { $0.scalar?.string }
            return items.contains(nil) ? nil : items.compactMap { $0 }.joined(separator: ", ")
        }
        return node?.scalar?.string
    }

    /// A value of the protocol file read as `kind`, or why it is not one.
    static func read(_ text: String, as kind: SettingKind) -> Result<Value, Refusal> {
        func no(_ why: String) -> Result<Value, Refusal> { .failure(Refusal(problems: [why])) }
        let t = text.trimmed
        switch kind {
        case .integer(let range, _):
            guard let n = Int(t) else { return no("not \(kind.expects)") }
            guard range.contains(n) else { return no("outside \(range.lowerBound)–\(range.upperBound)") }
            return .success(.int(n))
        case .decimal(let range, _):
            guard let d = Double(t), d.isFinite else { return no("not \(kind.expects)") }
            guard range.contains(d) else { return no("outside \(FieldSpec.format(range.lowerBound))–\(FieldSpec.format(range.upperBound))") }
            return .success(.double(d))
        case .decimals(let range, _):
            let items = t.hasPrefix("[") && t.hasSuffix("]") ? String(t.dropFirst().dropLast()) : t
            var numbers: [Value] = []
            for item in items.split(separator: ",").map({ $0.trimmed }) {
                guard let d = Double(item), d.isFinite else { return no("'\(item)' is not a number (\(kind.expects))") }
                guard range.contains(d) else { return no("\(item) is outside \(FieldSpec.format(range.lowerBound))–\(FieldSpec.format(range.upperBound))") }
                numbers.append(.double(d))
            }
            guard !numbers.isEmpty else { return no("not \(kind.expects)") }
            return .success(.array(numbers))
        case .yesNo:
            switch t.lowercased() {
            case "yes", "true": return .success(.bool(true))
            case "no", "false": return .success(.bool(false))
            default: return no("not yes or no")
            }
        case .text(let max):
            guard t.count <= max else { return no("not \(kind.expects)") }
            return .success(.string(t))
        case .document:
            return no("a document is given by file and version")
        @unknown default:
            return no("a kind of setting this version of clinic cannot read; update clinic")
        }
    }
}
