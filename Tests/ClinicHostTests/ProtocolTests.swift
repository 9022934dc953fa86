import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage

@Suite struct ProtocolTests {
    static let specs = HostSettings.specs + [
        SettingSpec("gate.limit", .decimal(0.5...1.5, unit: "mg/kg"), summary: "a dose limit"),
        SettingSpec("gate.months", .integer(1...60, unit: "months"), summary: "how long something lasts"),
        SettingSpec("gate.strict", .yesNo, summary: "whether to be strict"),
        SettingSpec("gate.strengths", .decimals(0.1...100, unit: "mg/mL"), summary: "strengths stocked"),
    ]

    static let good = """
        protocol: Test clinic
        version: "7"
        settings:
          clinic.late_entry_hours: {value: 24, unit: hours, default: 24, source: clinic policy}
          gate.limit:
            value: 1.2
            unit: mg/kg
            default: 1.5
            source: the clinic's weight-based range
          gate.months: {value: 12, unit: months, default: 12, source: clinic policy}
          gate.strict: {value: yes, default: no, source: clinic policy}
          gate.strengths: {value: [10, 50], unit: mg/mL, default: [10, 50], source: the pharmacy}
          other.thing: {value: 3, default: 3, source: a module not loaded}
          clinic.max_failed_signins: {value: 5, unit: attempts, default: 5, source: clinic policy}
          clinic.idle_minutes: {value: 15, unit: minutes, default: 15, source: clinic policy}
          clinic.also_requires: {value: "", default: "", source: clinic policy}
          clinic.fhir_base: {value: "https://fhir.test-clinic.org/r4", default: "https://clinic.invalid/fhir", source: clinic setting}
          clinic.admin_retry_seconds: {value: 60, unit: seconds, default: 60, source: clinic policy}
          clinic.anchor_file: {value: "", default: "", source: off}
        """

    @Test func readsEverySettingWithItsDocumentation() throws {
        let loaded = try ProtocolLoader.load(text: Self.good, path: "/x/p.yaml", specs: Self.specs)
        #expect(loaded.settings.version == "7" && loaded.settings.name == "Test clinic")
        #expect(try loaded.settings.decimal("gate.limit") == 1.2)
        #expect(try loaded.settings.integer("gate.months") == 12)
        #expect(try loaded.settings.yesNo("gate.strict"))
        #expect(loaded.entries["gate.limit"] == ProtocolEntry(key: "gate.limit", value: .double(1.2), unit: "mg/kg", defaultValue: "1.5",
                                                              source: "the clinic's weight-based range", line: 5))
        #expect(try loaded.settings.decimals("gate.strengths") == [10, 50])
        #expect(loaded.entries["gate.strengths"]?.defaultValue == "[10, 50]", "a list's default reads as the file writes it")
        #expect(loaded.unread == ["other.thing"])
        #expect(throws: CommandError.self, "an undeclared key is an error, not a trap") { try loaded.settings.integer("gate.limit") }
    }

    @Test(arguments: [
        ("gate.months: {value: 12, unit: months, default: 12, source: clinic policy}", "", "p.yaml:3: gate.months is missing: how long something lasts (gate reads it; a whole number of months, 1–60)"),
        ("{value: 12, unit: months,", "{value: 120, unit: months,", "p.yaml:10: gate.months is '120', outside 1–60"),
        ("{value: 12, unit: months,", "{value: twelve, unit: months,", "p.yaml:10: gate.months is 'twelve', not a whole number of months, 1–60"),
        ("value: 1.2", "value: 2", "p.yaml:6: gate.limit is '2', outside 0.5–1.5"),
        ("unit: mg/kg", "unit: mg", "p.yaml:7: gate.limit is in mg/kg, not 'mg'"),
        ("    source: the clinic's weight-based range\n", "", "p.yaml:5: gate.limit does not say where its default comes from (source: …)"),
        ("    default: 1.5\n", "", "p.yaml:5: gate.limit does not give its default (default: …)"),
        ("{value: yes,", "{value: maybe,", "p.yaml:11: gate.strict is 'maybe', not yes or no"),
        ("[10, 50], unit", "[10, 500], unit", "p.yaml:12: gate.strengths is '10, 500', 500 is outside 0.1–100"),
        ("[10, 50], unit", "[10, fifty], unit", "p.yaml:12: gate.strengths is '10, fifty', 'fifty' is not a number (a list of numbers of mg/mL, each 0.1–100 ([1, 2]))"),
        ("version: \"7\"\n", "", "p.yaml:1: the protocol has no version (version: \"2026.11\"); every record notes it"),
    ])
    func refusesNamingTheLineAndTheKey(_ find: String, _ replace: String, _ problem: String) {
        let text = Self.good.replacingOccurrences(of: find, with: replace)
        #expect(text != Self.good)
        do {
            _ = try ProtocolLoader.load(text: text, path: "/x/p.yaml", specs: Self.specs)
            Issue.record("accepted: \(problem)")
        } catch {
            #expect(error.problems.contains(problem), "\(error.problems)")
        }
    }

    @Test(arguments: ["fhir.test-clinic.org", "https://fhir.test-clinic.org/", "ftp://fhir.test-clinic.org", "https:///r4",
                      "https://fhir.test-clinic.org/r4?x=1", ""])
    func theFHIRBaseMustBeAnHTTPURL(_ base: String) throws {
        let text = Self.good.replacingOccurrences(of: "\"https://fhir.test-clinic.org/r4\"", with: "\"\(base)\"")
        let loaded = try ProtocolLoader.load(text: text, path: "/x/p.yaml", specs: Self.specs)
        #expect(HostSettings.check(loaded.settings)
                == ["clinic.fhir_base '\(base)' is not an http(s) URL without a trailing slash, query or fragment (https://fhir.example-clinic.org/r4)"])
        #expect(HostSettings.check(try ProtocolLoader.load(text: Self.good, path: "/x/p.yaml", specs: Self.specs).settings).isEmpty)
    }

    /// What the record keeps of a protocol (its text, documents and form) loads as the file does,
    /// with no YAML parsed: the same values, entries and hash, and a broken form the same problems.
    @Test func theRecordKeepsWhatTheFileSays() throws {
        let file = try ProtocolLoader.load(text: Self.good, path: "/x/p.yaml", modules: [])
        let kept = try #require(file.kept)
        let stored = ProtocolText(sha256: kept.sha256, path: kept.path, text: kept.text, documents: kept.documents,
                                  form: try Value(json: kept.form.canonicalJSON))
        let adopted = AdoptedProtocol(id: 1, sha256: file.settings.sha256, name: file.settings.name, version: file.settings.version,
                                      settings: ProtocolAdoption.settings(of: file.settings), adoptedAt: Date(timeIntervalSince1970: 0), adoptedBy: nil)
        let record = try ProtocolLoader.load(kept: stored, adopted: adopted, modules: [])
        #expect(record.settings.values == file.settings.values && record.settings.sha256 == file.settings.sha256)
        #expect(record.entries == file.entries && record.unread == file.unread && record.adoptedAt != nil)

        // Another text under the same adoption, or a value the adoption does not name, is refused.
        var other = stored
        other.text += "\n# edited"
        #expect(throws: ProtocolLoader.Refusal.self) { try ProtocolLoader.load(kept: other, adopted: adopted, modules: []) }
        var altered = adopted
        altered.settings = .object((adopted.settings.objectValue ?? [:]).merging([HostSettings.idleMinutes: .int(16)]) { $1 })
        #expect(throws: ProtocolLoader.Refusal.self) { try ProtocolLoader.load(kept: stored, adopted: altered, modules: []) }

        // Each broken file gives the same problems read from its form as read from its text.
        for broken in [Self.good.replacingOccurrences(of: "value: 1.2", with: "value: 9"),
                       Self.good.replacingOccurrences(of: "unit: hours, ", with: ""),
                       Self.good.replacingOccurrences(of: "version: \"7\"", with: "version: \"\""),
                       Self.good.replacingOccurrences(of: "source: clinic policy}", with: "source: \" \"}"),
                       Self.good.replacingOccurrences(of: "{value: 15, unit: minutes, default: 15, source: clinic policy}", with: "[15]"),
                       "protocol: x\nversion: \"1\"\n"] {
            var fromText: [String] = [], fromForm: [String] = []
            do { _ = try ProtocolLoader.load(text: broken, path: "/x/p.yaml", specs: Self.specs) } catch { fromText = error.problems }
            let form = try #require(ProtocolForm(try Value(json: try ProtocolForm(yaml: broken, name: "p.yaml").value.canonicalJSON)))
            do { _ = try ProtocolLoader.load(form: form, text: broken, path: "/x/p.yaml", specs: Self.specs) { _, _ in (nil, "") } } catch {
                fromForm = error.problems
            }
            #expect(!fromText.isEmpty && fromText == fromForm, "\(fromText) \(fromForm)")
        }
    }

    @Test func refusesWhatIsNotYAML() {
        #expect(throws: ProtocolLoader.Refusal.self) { try ProtocolLoader.load(text: "settings: [unclosed", path: "p.yaml", specs: Self.specs) }
        #expect(throws: ProtocolLoader.Refusal.self) { try ProtocolLoader.load(text: "", path: "p.yaml", specs: Self.specs) }
    }

    @Test func theShippedProtocolIsSound() throws {
        let loaded = try shippedProtocol(for: [])
        #expect(loaded.entries[HostSettings.lateEntryHours]?.source.isEmpty == false)
        // Without the modules its clinic.also_requires names, the shipped file is refused: a gate
        // that names nothing loaded would hold nothing.
        #expect(throws: ProtocolLoader.Refusal.self) { try ProtocolLoader.load(path: ProtocolLoader.shippedPath, modules: []) }
    }

    @Test func recordsNoteTheProtocolVersion() throws {
        let (session, _, _) = try makeSession()
        try #require(session.execute("patient new --name A --dob 1980-01-01 --sex F", source: "t") == .ok)
        try #require(session.execute("visit start --kind infusion", source: "t") == .ok)
        try #require(session.execute("gate prepare", source: "t") == .ok)
        let versions = try session.sqlite.db.query("SELECT DISTINCT protocol_version FROM records")
        #expect(versions == [[.text(session.clinicProtocol.settings.version)]])
    }

    @Test func showAndCheck() throws {
        let (session, console, _) = try makeSession()
        #expect(session.execute("protocol show", source: "t") == .ok)
        #expect(console.output.contains { $0.contains("clinic.late_entry_hours") && $0.contains("24 hours") })
        let files = try Scripts()
        let good = try files.write("good.yaml", """
            protocol: Next
            version: "2"
            settings:
              clinic.late_entry_hours: {value: 12, unit: hours, default: 24, source: shorter, after an audit}
              clinic.max_failed_signins: {value: 3, unit: attempts, default: 5, source: stricter}
              clinic.idle_minutes: {value: 10, unit: minutes, default: 15, source: stricter}
              clinic.also_requires: {value: "gate give=gate.ready", default: "", source: our checklist}
              clinic.fhir_base: {value: "https://fhir.next-clinic.org", default: "https://clinic.invalid/fhir", source: our server}
              clinic.admin_retry_seconds: {value: 60, unit: seconds, default: 60, source: clinic policy}
              clinic.anchor_file: {value: "", default: "", source: off}
            """)
        #expect(session.execute("protocol check \(good)", source: "t") == .ok)
        #expect(console.output.last == "\(good): sound · Next · version 2 · 7 settings read by the loaded modules")
        let bad = try files.write("bad.yaml", "protocol: Next\nversion: \"3\"\nsettings: {}\n")
        #expect(session.execute("protocol check \(bad)", source: "t").failure?.message == "\(bad) is refused: 7 problems (listed above)")
        #expect(console.errors.contains { $0.contains("clinic.late_entry_hours is missing") })
    }

    /// A gate the clinic adds is checked like every setting: a misspelt command or fact refuses the
    /// file with its line, instead of silently holding nothing.
    @Test func alsoRequiresFailsClosed() throws {
        let (session, console, _) = try makeSession()
        let files = try Scripts()
        func check(_ value: String) throws -> (Outcome, [String]) {
            let before = console.errors.count
            let path = try files.write("p\(before).yaml", """
                protocol: Next
                version: "2"
                settings:
                  clinic.late_entry_hours: {value: 12, unit: hours, default: 24, source: shorter}
                  clinic.max_failed_signins: {value: 3, unit: attempts, default: 5, source: stricter}
                  clinic.idle_minutes: {value: 10, unit: minutes, default: 15, source: stricter}
                  clinic.also_requires: {value: "\(value)", default: "", source: our checklist}
                  clinic.fhir_base: {value: "https://fhir.next-clinic.org", default: "https://clinic.invalid/fhir", source: our server}
                  clinic.admin_retry_seconds: {value: 60, unit: seconds, default: 60, source: clinic policy}
                  clinic.anchor_file: {value: "", default: "", source: off}
                """)
            return (session.execute("protocol check \(path)", source: "t"), Array(console.errors.dropFirst(before)))
        }
        var (outcome, errors) = try check("gate giev=gate.ready")
        #expect(outcome.failure?.message.hasSuffix("is refused: 1 problem (listed above)") == true)
        #expect(errors.contains { $0.hasSuffix(".yaml:7: clinic.also_requires 'gate giev=gate.ready' names no command 'gate giev'; did you mean 'gate give'?") }, "\(errors)")
        (outcome, errors) = try check("gate give=gate.redy")
        #expect(errors.contains { $0.hasSuffix("clinic.also_requires 'gate give=gate.redy': no loaded module publishes the fact 'gate.redy'; did you mean 'gate.ready'?") }, "\(errors)")
        (outcome, errors) = try check("gate give")
        #expect(errors.contains { $0.hasSuffix("clinic.also_requires 'gate give' is not COMMAND=FACT (dosing start=followup.baseline)") }, "\(errors)")
        (outcome, errors) = try check("gate  give = gate.ready; ")
        #expect(outcome == .ok, "\(errors)")
    }

    @Test func aModulesSettingKeysAreChecked() {
        let declaration = ModuleDeclaration(manifest: ModuleManifest(name: "gate", version: "1", summary: "x"), commands: [],
                                            settings: [SettingSpec("other.x", .yesNo, summary: "x"), SettingSpec("gate.Bad", .yesNo, summary: "x"),
                                                       SettingSpec("gate.ok", .yesNo, summary: "x"), SettingSpec("gate.ok", .yesNo, summary: "x")])
        let problems = DeclarationCheck.problems(in: declaration, reserved: [])
        #expect(problems.contains("setting 'other.x' must be 'gate.' and a lower-case word (letters, digits, _)"))
        #expect(problems.contains("setting 'gate.Bad' must be 'gate.' and a lower-case word (letters, digits, _)"))
        #expect(problems.contains("setting 'gate.ok' is declared twice"))
    }

    @Test func shortWordsPairsAndUnitsAreChecked() {
        var manifest = ModuleManifest(name: "gate", version: "1", summary: "x")
        manifest.aliases = ["help", "gate"]
        var command = CommandSpec("give", summary: "x", fields: [FieldSpec("a", .integer(1...9), help: "x"), FieldSpec("note", .text(maxLength: 9), help: "x")])
        command.aliases = ["give"]
        command.pairs = [FieldPair("a", "a", "b", help: "x"), FieldPair("ab", "a", "note", separator: " ", help: "x")]
        command.shortForm = ShortForm(["login", "g"], values: ["a", "zz"])
        command.requiredFieldsSetting = "gate.required"
        command.fields[1].units = [.celsius]
        let problems = DeclarationCheck.problems(in: ModuleDeclaration(manifest: manifest, commands: [command]), reserved: ["help", "login"])
        for expected in [
            "module alias 'help' is a command of the clinic shell itself",
            "module alias 'gate' must be a lower-case word other than the name",
            "'gate give' alias 'give' must be a lower-case word that is no verb of the module",
            "'gate give' pair 'a' must be a lower-case word that names no field",
            "'gate give' pair 'a' names 'b', which is not one of its fields",
            "'gate give' pair 'ab' needs a separator without spaces or '='",
            "'gate give' short form 'login' must be a lower-case word that is no command of the shell or name of the module",
            "'gate give' short form reads 'zz', which is no field or pair of it",
            "'gate give' takes its required fields from 'gate.required', which is not one of the module's settings",
            "'gate give' field 'note' has units, which only a number's field takes",
        ] {
            #expect(problems.contains(expected), "\(expected) not in \(problems)")
        }
    }

    /// A module whose settings, each fine alone, disagree taken together.
    final class Picky: SettingsCheckingModule {
        let declaration = ModuleDeclaration(manifest: ModuleManifest(name: "picky", version: "1", summary: "test"), commands: [])
        func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput { CommandOutput() }
        func facts(from record: any RecordReader) throws -> [Fact] { [] }
        func check(_ clinicProtocol: ClinicProtocol) -> [String] { ["picky.low is above picky.high"] }
    }

    @Test func aModuleMayRefuseSettingsThatDisagree() throws {
        do {
            _ = try moduleTestProtocol(for: [LoadedModule(module: Picky(), file: "test", origin: "test")])
            Issue.record("accepted")
        } catch let error as ProtocolLoader.Refusal {
            #expect(error.problems == ["clinic-protocol.yaml: picky: picky.low is above picky.high"])
        } catch {
            Issue.record("\(error)")
        }
    }
}

/// Text laid out for a terminal: never wider than asked, no word broken, wide characters counted twice.
@Suite struct LayoutTests {
    @Test func wrapsBetweenWordsOnly() {
        let text = "Rounding: the weight is used as typed (lb converted exactly), never rounded; the dose to the nearest 0.1 mg, "
            + "or down when the nearest would pass a limit; (docs/CLINICAL-REFERENCE.md, \"Dosing\") averyveryverylongwordthatcannotfitinsideanylineatallwhatsoever"
        for width in [20, 33, 60, 80] {
            let lines = Layout.wrap(text, width: width)
            #expect(lines.joined(separator: " ").split(separator: " ") == text.split(separator: " "), "width \(width)")
            for line in lines where line.contains(" ") { #expect(Layout.columns(line) <= width, "\(line)") }
        }
        let rows = Layout.definitions([("monitoring vitals", text), ("a-term-far-too-long-for-its-column", "short"), ("", "under")], width: 80)
        // Only a word longer than a whole line stands out past it, whole.
        #expect(rows.allSatisfy { Layout.columns($0) <= 80 || !$0.trimmingCharacters(in: .whitespaces).contains(" ") })
        #expect(rows[0].hasPrefix("  monitoring vitals       Rounding:"))
        #expect(rows.contains("  a-term-far-too-long-for-its-column") && rows.contains("                          short"))
    }

    @Test func wideCharactersTakeTwoColumns() {
        #expect(Layout.columns("山田太郎") == 8 && Layout.columns("Zoë Ålvarez") == 11 && Layout.columns("Zoe\u{0308}") == 3)
        let table = Renderer.table(["name", "mrn"], [["山田太郎", "A-1"], ["Zoë Ålvarez", "A-2"]])
        let mrnColumn = table.map { line in Layout.columns(String(line[..<(line.range(of: "A-")?.lowerBound ?? line.endIndex)])) }
        #expect(mrnColumn[1] == mrnColumn[2], "\(table)")
    }
}

/// An export's folder is made with the folders above it that are missing, each private.
@Suite struct ExportFolderTests {
    @Test func missingFoldersAboveAreMade() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-folders-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let made = try FHIR.makeFolder(base + "/a/b")
        #expect(made == [base, base + "/a", base + "/a/b"])
        #expect(try FileManager.default.attributesOfItem(atPath: base + "/a")[.posixPermissions] as? Int == 0o700)
        #expect(try FHIR.makeFolder(base + "/a/b") == [], "a folder there already is not made again")
        #expect(FileManager.default.createFile(atPath: base + "/f", contents: Data()))
        #expect(throws: CommandError.self) { try FHIR.makeFolder(base + "/f/x") }
        #expect(!FileManager.default.fileExists(atPath: base + "/f/x"))
    }
}
