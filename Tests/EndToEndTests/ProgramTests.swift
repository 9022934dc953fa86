import Foundation
import Testing

extension EndToEnd {
@Suite struct ProgramTests {
    static let visit = """
        # One consult visit, as the front desk and a nurse would type it.
        patient new --name "Zoë Ålvarez" --dob 1979-03-02 --sex F --mrn BAR-001
        visit start --kind consult
        intake record weight=158lb height=165cm allergies="penicillin: rash" medications="duloxetine 60 mg" \\
            diagnosed=2019 pain_months=84 symptoms=widespread-pain,fatigue,sleep,fibro-fog onset=stress \\
            treatments="pregabalin:partial, cbt:no-effect" comorbidities=none pregnancy=no escort=yes
        visit end
        """

    @Test func aScriptedVisitLandsInTheDatabase() throws {
        let h = try Harness()
        try h.provision()
        _ = try h.write("visit.clinic", Self.visit)
        let r = try h.run(["--user", "nora", "visit.clinic"], env: Harness.nurse)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("recorded intake #3 · 71.7 kg (158 lb) · 165.0 cm · BMI 26.3 · escort: yes"))

        #expect(try h.sql("SELECT mrn, name, dob, sex FROM patients") == ["BAR-001|Zoë Ålvarez|1979-03-02|F"])
        #expect(try h.sql("SELECT kind, ended_at IS NOT NULL FROM visits") == ["consult|1"])
        #expect(try h.sql("SELECT r.id, r.module, r.kind, s.username FROM records r JOIN staff s ON s.id = r.staff_id ORDER BY r.id")
                == ["1|patient|registered|nora", "2|visit|started|nora", "3|intake|intake|nora", "4|visit|ended|nora"])
        #expect(try h.sql("SELECT json_extract(payload, '$.weight_kg'), json_extract(payload, '$.bmi'), json_extract(payload, '$.allergies[0]') FROM records WHERE id = 3")
                == ["71.67|26.3|penicillin: rash"])
        #expect(try h.sql("SELECT COUNT(*) FROM records WHERE prev_hash = (SELECT hash FROM records p WHERE p.id = records.id - 1)") == ["3"])
        #expect(try h.sql("SELECT source, outcome FROM journal WHERE command LIKE 'intake record%'") == ["visit.clinic:4|ok"])
        #expect(try h.sql("SELECT roles, password_hash LIKE 'scrypt$%' FROM staff ORDER BY id") == ["admin|1", "nurse|1"])
        if !h.onServer {
            let mode = try FileManager.default.attributesOfItem(atPath: h.database)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    /// The workflows shipped under Workflows/ run as written, on a fresh database.
    @Test func shippedWorkflowsRun() throws {
        let h = try Harness()
        let workflows = Harness.repository.appendingPathComponent("Workflows")
        let setup = try h.run(["--user", "admin", workflows.appendingPathComponent("setup.clinic").path],
                              env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "staff-pass1"])
        #expect(setup.status == 0, "\(setup.stderr)")
        let visit = try h.run(["--user", "nora", workflows.appendingPathComponent("intake-visit.clinic").path],
                              env: ["CLINIC_PASSWORD": "staff-pass1"])
        #expect(visit.status == 0, "\(visit.stderr)")
        #expect(visit.stdout.contains("✔  intake.complete"))
        #expect(try h.sql("SELECT username, roles FROM staff ORDER BY id") == ["admin|admin", "deputy|admin", "nora|nurse", "patel|physician"])
        #expect(try h.sql("SELECT json_extract(payload, '$.treatments[0].outcome') FROM records WHERE module = 'intake'") == ["not-tolerated"])

        // Screening and consent: one patient through to a signed consent, one ruled out and refused.
        for name in ["screening-consent.clinic", "screening-ineligible.clinic"] {
            let r = try h.run(["--user", "nora", workflows.appendingPathComponent(name).path],
                              env: ["CLINIC_PASSWORD": "staff-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
        #expect(try h.sql("SELECT p.mrn, json_extract(r.payload, '$.outcome') FROM records r JOIN patients p ON p.id = r.patient_id WHERE r.kind = 'signed' AND r.module = 'screening' ORDER BY r.id")
                == ["SCR-001|eligible-with-precautions", "SCR-002|not-eligible"])
        #expect(try h.sql("SELECT json_extract(payload, '$.witness.by'), length(json_extract(payload, '$.sha256')) FROM records WHERE module = 'consent'") == ["patel|64"])

        // The batch intake, on a fresh sandbox: 212 rows, the four bad ones reported and skipped.
        let sandbox = h.folder.appendingPathComponent("batch.sqlite").path
        let staff = try h.run(["--sandbox", "--db", sandbox, "--user", "admin", workflows.appendingPathComponent("setup.clinic").path],
                              env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "staff-pass1"])
        #expect(staff.status == 0, "\(staff.stderr)")
        let batch = try h.run(["--db", sandbox, "--user", "nora", workflows.appendingPathComponent("batch-intake.clinic").path],
                              env: ["CLINIC_PASSWORD": "staff-pass1"])
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.stdout.contains("212 rows: 208 done, 4 failed: rows 17, 88, 151, 203 (see above)"))
        for (row, reason) in [(17, "weight: '7O kg' is not a number (did you mean 70 kg?)"), (88, "dob: 2031-05-01 is in the future"),
                              (151, "MRN SYN-0012 already belongs to another patient"), (203, "intake record is missing pregnancy")] {
            #expect(batch.stderr.contains("(data/patients.csv row \(row)): error: \(reason)"), "row \(row): \(batch.stderr)")
        }
        #expect(batch.stdout.contains("ALERT: SYN-0002: no escort"), "a batch's alerts name their patient")
        #expect(try h.sql("SELECT COUNT(*) FROM patients", in: sandbox) == ["208"])
        #expect(try h.sql("SELECT COUNT(*) FROM records WHERE module = 'intake'", in: sandbox) == ["208"])

        // The infusion: from consent to a completed dose, on the same sandbox's clock.
        let dose = try h.run(["--db", sandbox, "--user", "nora", workflows.appendingPathComponent("infusion-dose.clinic").path],
                             env: ["CLINIC_PASSWORD": "staff-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
        #expect(dose.status == 0, "\(dose.stderr)")
        #expect(try h.sql("SELECT kind, s.username FROM records r JOIN staff s ON s.id = r.staff_id WHERE module = 'dosing' ORDER BY r.id", in: sandbox)
                == ["order|patel", "signed|patel", "verified|nora", "started|nora", "paused|nora", "resumed|nora", "completed|nora"])
        #expect(try h.sql("SELECT json_extract(payload, '$.total_mg'), json_extract(payload, '$.rate_ml_per_h') FROM records WHERE kind = 'order'", in: sandbox)
                == ["35.8|53.7"])

        // A whole infusion day: a hypertensive reading pauses the infusion, a physician resumes it.
        let day = try h.run(["--db", sandbox, "--user", "nora", workflows.appendingPathComponent("infusion-day.clinic").path],
                            env: ["CLINIC_PASSWORD": "staff-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
        #expect(day.status == 0, "\(day.stderr)")
        let patient = "(SELECT id FROM patients WHERE mrn = 'DAY-001')"
        #expect(try h.sql("SELECT r.kind, s.username, json_extract(payload, '$.criterion') FROM records r JOIN staff s ON s.id = r.staff_id WHERE module = 'dosing' AND kind IN ('started', 'paused', 'resumed', 'completed') AND patient_id = \(patient) ORDER BY r.id", in: sandbox)
                == ["started|nora|", "paused|nora|systolic 184 > 180", "resumed|patel|", "completed|nora|"])
        #expect(try h.sql("SELECT count(*), count(json_extract(payload, '$.alerts')), max(CAST(json_extract(payload, '$.news2') AS INTEGER)) FROM records WHERE module = 'monitoring' AND kind = 'vitals' AND patient_id = \(patient)", in: sandbox)
                == ["11|1|1"])
        #expect(try h.sql("SELECT json_extract(payload, '$.escort'), json_extract(payload, '$.no_driving_hours') FROM records WHERE kind = 'discharged'", in: sandbox)
                == ["Rui Costa|24"])
        #expect(day.stdout.contains("  09:15  +0:15  nora   dosing paused            infusion paused: monitoring #"), "\(day.stdout)")
    }

    /// Follow-up over a series, then the patient's printed report, rendered by headless Chromium:
    /// the page must have its sections in the DOM and ink on the screenshot.
    @Test func followUpAndItsReportInABrowser() throws {
        let h = try Harness(sandbox: true)
        let workflows = Harness.repository.appendingPathComponent("Workflows")
        try h.sandboxWithStaff()
        let staff = Harness.staff
        let run = try h.run(["--user", "nora", workflows.appendingPathComponent("followup.clinic").path], env: staff)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("  FIQR      64.5 (2026-10-20)  44.5 (2026-11-19)  -31.0 %  moderate (≥ 30 %)"), "\(run.stdout)")
        #expect(run.stdout.contains("  2026-11-04  2             ≥ 7 d, < 15 d"))
        #expect(try h.sql("SELECT kind, json_extract(payload, '$.date') FROM records WHERE module = 'followup' AND kind = 'scheduled' AND json_extract(payload, '$.kind') = 'call'")
                == ["scheduled|2026-11-20"])

        let report = h.folder.appendingPathComponent("FU-001.html").path
        let wrote = try h.run(["--user", "nora", "-c", "patient open FU-001", "-c", "report patient --out \(report)"], env: staff)
        #expect(wrote.status == 0, "\(wrote.stderr)")
        #expect(wrote.stdout.contains("wrote the report of FU-001 to \(report): 3 sections (Outcomes, Care plan beside the infusions, Treatment history)"))
        let mode = try FileManager.default.attributesOfItem(atPath: report)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try h.run(["--user", "nora", "-c", "patient open FU-001", "-c", "report patient --out \(report)"], env: staff).stderr
                .contains("already exists"), "a report is never overwritten")

        let chromium = "/usr/bin/chromium"
        try #require(FileManager.default.isExecutableFile(atPath: chromium), "headless Chromium is needed (Scripts/test installs Debian's chromium)")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,1400"]
        let dom = try h.run(flags + ["--dump-dom", "file://\(report)"], executable: chromium)
        #expect(dom.status == 0, "\(dom.stderr)")
        for text in ["<h2>Outcomes</h2>", "<h2>Treatment history</h2>", "<polyline", "-28.5 %", "2 doses, 70.0 mg of ketamine in all", "SANDBOX"] {
            #expect(dom.stdout.contains(text), "the rendered page lacks \(text)")
        }
        let png = h.folder.appendingPathComponent("FU-001.png").path
        let shot = try h.run(flags + ["--screenshot=\(png)", "file://\(report)"], executable: chromium)
        #expect(shot.status == 0, "\(shot.stderr)")
        let stats = try h.run([png], executable: Harness.repository.appendingPathComponent("Scripts/png-stats").path)
        let fields = stats.stdout.split(separator: " ").map(String.init)
        #expect(fields.count == 4, "\(stats.stdout) \(stats.stderr)")
        if fields.count == 4 {
            #expect(fields[0] == "900" && fields[1] == "1400")
            #expect((Double(fields[2]) ?? 0) > 0.03, "the page is nearly blank: \(stats.stdout)")
            #expect((Int(fields[3].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 20, "too few colours for a chart: \(stats.stdout)")
        }
    }


    /// Both whole-visit workflows exported as FHIR R4 and validated by another implementation
    /// (fhir.resources' R4B models, Scripts/fhir-validate), then checked against the database:
    /// what each resource says is what was recorded, one for one.
    @Test func theWorkflowsExportedAsFHIRValidateAndRoundTrip() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        for workflow in ["followup.clinic", "infusion-day.clinic"] {
            let run = try h.run(["--user", "nora", Harness.repository.appendingPathComponent("Workflows/\(workflow)").path], env: Harness.staff)
            #expect(run.status == 0, "\(workflow): \(run.stderr)")
        }
        let folder = h.folder.appendingPathComponent("fhir").path
        let exported = try h.run(["--user", "patel", "-c", "export fhir --all --out \(folder)"], env: Harness.staff)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.hasPrefix("wrote 2 patients' records as FHIR R4 bundles ("), "\(exported.stdout)")
        let validator = Harness.repository.appendingPathComponent("Scripts/fhir-validate").path
        let python = Harness.tool("python3")
        let files = ["FU-001", "DAY-001"].map { "\(folder)/\($0).json" }
        let valid = try h.run([validator] + files, executable: python)
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.split(separator: "\n").count == 2 && !valid.stdout.contains("INVALID"), "\(valid.stdout)")

        for (mrn, file) in zip(["FU-001", "DAY-001"], files) {
            let bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
            let tag = ((bundle["meta"] as? [String: Any])?["tag"] as? [[String: Any]])?.first?["code"] as? String
            #expect(tag == "HTEST", "a sandbox's bundle is marked as test data")
            let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
            func of(_ type: String) -> [[String: Any]] { resources.filter { $0["resourceType"] as? String == type } }
            func count(_ whereClause: String) throws -> Int {
                Int(try h.sql("SELECT count(*) FROM records WHERE patient_id = (SELECT id FROM patients WHERE mrn = '\(mrn)') AND \(whereClause)").first ?? "") ?? -1
            }
            // An Observation for each vital sign entered (blood pressure as one panel), each intake
            // measure, each pain NRS, NEWS2, RASS, MOAA/S and CADSS, the PHQ-9, GAD-7, DAST-10,
            // AUDIT-C, FIQR, PGIC and BPI totals (all but FIQR instruments given as data, each
            // total an Observation), each screening decision and each liver-function review.
            let signs = Int(try h.sql("""
                SELECT sum(CASE WHEN json_extract(payload, '$.sbp') IS NOT NULL OR json_extract(payload, '$.dbp') IS NOT NULL THEN 1 ELSE 0 END)
                       + count(json_extract(payload, '$.hr')) + count(json_extract(payload, '$.rr'))
                       + count(json_extract(payload, '$.spo2')) + count(json_extract(payload, '$.temp'))
                       + count(json_extract(payload, '$.weight_kg')) + count(json_extract(payload, '$.height_cm'))
                       + count(json_extract(payload, '$.bmi'))
                FROM records WHERE patient_id = (SELECT id FROM patients WHERE mrn = '\(mrn)')
                  AND amends IS NULL AND (module = 'intake' OR (module = 'monitoring' AND kind IN ('vitals', 'baseline')))
                """).first ?? "") ?? 0
            let scores = try count("""
                ((module = 'followup' AND kind IN ('nrs', 'pgic', 'bpi')) OR (module = 'screening' AND kind IN ('phq9', 'gad7', 'dast10', 'auditc', 'fiqr', 'decision'))
                 OR (module = 'monitoring' AND (kind IN ('rass', 'moaas', 'cadss') OR json_extract(payload, '$.news2') IS NOT NULL))
                 OR (module = 'dosing' AND kind = 'lft'))
                """)
            #expect(signs > 20 && of("Observation").count == signs + scores, "\(mrn)")
            #expect(of("QuestionnaireResponse").count == (try count("""
                ((module = 'screening' AND kind IN ('acr2016', 'fiqr', 'phq9', 'gad7', 'dast10', 'auditc'))
                 OR (module = 'monitoring' AND kind = 'aldrete') OR (module = 'followup' AND kind IN ('pgic', 'bpi')))
                """)))
            #expect(of("Consent").count == (try count("module = 'consent' AND kind = 'signed'")))
            #expect(of("AdverseEvent").count == (try count("module = 'monitoring' AND kind = 'event'")))
            #expect(of("Encounter").count == Int(try h.sql("SELECT count(*) FROM visits WHERE patient_id = (SELECT id FROM patients WHERE mrn = '\(mrn)')").first ?? ""))
            // Each signed order's dose is the order's; each dose given is what was recorded as given.
            let ordered = try h.sql("""
                SELECT 'dosing-' || o.id, json_extract(o.payload, '$.total_mg'), json_extract(e.payload, '$.given_mg')
                FROM records o JOIN records s ON s.module = 'dosing' AND s.kind = 'signed' AND CAST(json_extract(s.payload, '$.order') AS BIGINT) = o.id
                LEFT JOIN records e ON e.module = 'dosing' AND e.kind IN ('completed', 'stopped') AND CAST(json_extract(e.payload, '$.order') AS BIGINT) = o.id
                WHERE o.patient_id = (SELECT id FROM patients WHERE mrn = '\(mrn)') ORDER BY o.id
                """)
            let requests = of("MedicationRequest").map { r -> String in
                let dose = (((r["dosageInstruction"] as? [[String: Any]])?.first?["doseAndRate"] as? [[String: Any]])?.first?["doseQuantity"] as? [String: Any])?["value"] as? Double
                let id = r["id"] as? String ?? ""
                let given = of("MedicationAdministration").first { ($0["request"] as? [String: Any])?["reference"] as? String == "MedicationRequest/" + id }
                let mg = ((given?["dosage"] as? [String: Any])?["dose"] as? [String: Any])?["value"] as? Double
                return "\(id)|\(dose.map { String($0) } ?? "")|\(mg.map { String($0) } ?? "")"
            }
            #expect(!ordered.isEmpty && requests == ordered, "\(mrn)")
        }

        // The same record as FHIR bulk data: an NDJSON file per resource type and a manifest,
        // valid as a whole, holding every bundle's resources (each member of staff once), each
        // marked as a sandbox's; exported again into the same folder, refused with nothing changed.
        let bulk = h.folder.appendingPathComponent("bulk").path
        let bulkRun = try h.run(["--user", "patel", "-c", "export fhir --bulk --out \(bulk)"], env: Harness.staff)
        #expect(bulkRun.status == 0 && bulkRun.stdout.hasPrefix("wrote 2 patients' records as FHIR bulk data: "), "\(bulkRun.stdout) \(bulkRun.stderr)")
        let bulkValid = try h.run([validator, bulk], executable: python)
        #expect(bulkValid.status == 0 && bulkValid.stdout.contains("valid FHIR R4B bulk export"), "\(bulkValid.stdout) \(bulkValid.stderr)")
        var inBundles: [String: Set<String>] = [:]
        for (n, file) in files.enumerated() {
            let bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
            for entry in bundle["entry"] as? [[String: Any]] ?? [] {
                guard let r = entry["resource"] as? [String: Any], let type = r["resourceType"] as? String, let id = r["id"] as? String else { continue }
                inBundles[type, default: []].insert(type == "Practitioner" ? id : "\(n)/\(id)")
            }
        }
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bulk + "/manifest.json"))) as? [String: Any])
        let listed = Dictionary(uniqueKeysWithValues: (manifest["output"] as? [[String: Any]] ?? []).map { ($0["type"] as? String ?? "", $0["count"] as? Int ?? -1) })
        #expect(listed == inBundles.mapValues(\.count), "every resource of every bundle, once")
        let lines = try String(contentsOfFile: bulk + "/Observation.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(lines.allSatisfy { $0.contains("\"HTEST\"") }, "a sandbox's resources are marked as test data")
        let again = try h.run(["--user", "patel", "-c", "export fhir --bulk --out \(bulk)"], env: Harness.staff)
        #expect(again.status != 0 && again.stderr.contains("already exists; nothing was written"), "\(again.stderr)")
        #expect(try String(contentsOfFile: bulk + "/Observation.ndjson", encoding: .utf8).split(separator: "\n") == lines)

        // The validator does refuse what is not FHIR: an Observation without its status, and a
        // reference to nothing in the bundle.
        let text = try String(contentsOfFile: files[1], encoding: .utf8)
        for broken in [text.replacingOccurrences(of: "\"status\":\"final\",", with: ""),
                       text.replacingOccurrences(of: "\"Practitioner/staff-patel\"", with: "\"Practitioner/staff-nobody\"")] {
            let invalid = try h.run([validator, try h.write("broken.json", broken)], executable: python)
            #expect(invalid.status == 1 && invalid.stderr.contains("INVALID"), "\(invalid.stdout) \(invalid.stderr)")
            try FileManager.default.removeItem(atPath: h.folder.appendingPathComponent("broken.json").path)
        }
    }
    @Test func scriptsTakeVariablesAndCSVFromTheCommandLine() throws {
        let h = try Harness()
        try h.provision()
        let script = try h.write("one.clinic", "patient new --name ${NAME} --dob ${DOB} --sex F\nexpect value patient.name = ${NAME}\n")
        let one = try h.run(["--user", "nora", "--var", "NAME=Ann O'Bee", "--var", "DOB=1980-01-02", script], env: Harness.nurse)
        #expect(one.status == 0, "\(one.stderr)")
        let rows = try h.write("rows.csv", "NAME,DOB\nCid,1970-01-01\nDee,1970-13-01\nEve,1971-01-01\n")
        let batch = try h.run(["--user", "nora", "--csv", rows, script], env: Harness.nurse)
        #expect(batch.status == 1, "a failed row makes the run fail")
        #expect(batch.stdout.contains("3 rows: 2 done, 1 failed: row 2 (see above)"))
        #expect(try h.sql("SELECT name FROM patients ORDER BY id") == ["Ann O'Bee", "Cid", "Eve"])
        let unset = try h.run(["--user", "nora", script], env: Harness.nurse)
        #expect(unset.status == 1)
        #expect(unset.stderr.contains("one.clinic:1: error: ${NAME} is not set"))
        #expect(try h.run(["--csv", rows]).status == 2, "--csv needs a script")
    }

    @Test func aProtocolThatLacksASettingIsRefusedAtStart() throws {
        let h = try Harness()
        let bad = try h.write("bad.yaml", "protocol: Ours\nversion: \"1\"\nsettings:\n  clinic.late_entry_hours: {value: 400, unit: hours, default: 24, source: x}\n")
        let r = try h.run(["--protocol", bad, "-c", "help"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:4: clinic.late_entry_hours is '400', outside 0–168"), "\(r.stderr)")
        #expect(r.stderr.contains("clinic: the clinic protocol \(bad) is refused; fix it, or give --protocol FILE"))

        // The shipped protocol, with this clinic's name and version and no late entries.
        let shipped = try String(contentsOf: Harness.products.appendingPathComponent("clinic_ClinicEngine.resources/clinic-protocol.yaml"), encoding: .utf8)
        let ours = shipped.replacingOccurrences(of: "protocol: Ketamine infusion clinic (shipped defaults)", with: "protocol: Ours")
            .replacingOccurrences(of: "version: \"2026.11-default\"", with: "version: \"2026.12\"")
            .replacingOccurrences(of: "clinic.late_entry_hours:\n    value: 24", with: "clinic.late_entry_hours:\n    value: 0")
        #expect(ours.contains("clinic.late_entry_hours:\n    value: 0") && ours.contains("protocol: Ours"))
        let good = try h.write("good.yaml", ours)
        // Its documents are read from beside it.
        _ = try h.write("consent-ketamine.txt", try String(contentsOf: Harness.products.appendingPathComponent("clinic_ClinicEngine.resources/consent-ketamine.txt"), encoding: .utf8))
        // A live database runs under the protocol it first started with.
        let setup = try h.write("setup.clinic", "user add nora --role nurse\n")
        #expect(try h.run(["--protocol", good, "--user", "admin", setup], env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "nurse-pass1"]).status == 0)
        let shown = try h.run(["--protocol", good, "--user", "nora", "-c", "protocol show", "-c", "patient new --name A --dob 1980-01-01 --sex F"],
                              env: Harness.nurse)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("Ours · version 2026.12 · \(good)"))
        #expect(try h.sql("SELECT DISTINCT protocol_version FROM records WHERE module = 'patient'") == ["2026.12"])
        let late = try h.run(["--protocol", good, "--user", "nora", "-c", "patient open C000001", "-c", "visit start --kind infusion",
                              "-c", "intake record --at 00:00 weight=70kg"], env: Harness.nurse)
        #expect(late.stderr.contains("the clinic protocol allows no late entries (clinic.late_entry_hours is 0); record it without --at"), "\(late.stderr)")
    }

    @Test func aLiveDatabaseCannotBecomeASandbox() throws {
        let h = try Harness()
        try h.provision()
        let r = try h.run(["--sandbox", "--db", h.database, "-c", "status"])
        #expect(r.status == 2)
        #expect(r.stderr.contains(h.onServer ? "is live; --sandbox opens only a sandbox, which its owner makes with clinic db migrate --sandbox"
                                  : "is a live database; --sandbox only makes new databases: give --db a new file"), "\(r.stderr)")
        let clock = try h.run(["--user", "nora", "-c", "clock set 09:00"], env: Harness.nurse)
        #expect(clock.status == 1)
        #expect(clock.stderr.contains("refused: clock set: this is a live database"))
    }

    @Test func aFailingScriptNamesFileAndLineAndExitsOne() throws {
        let h = try Harness()
        try h.provision()
        let script = try h.write("bad.clinic", "patient new --name A --dob 1980-01-01 --sex M --mrn A-1\n\nvisit start --kind lunch\npatient list\n")
        let r = try h.run(["--user", "nora", script], env: Harness.nurse)
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.clinic:3: error: kind: 'lunch' is not one of infusion, consult, follow-up; type e.g. kind=infusion"))
        #expect(!r.stdout.contains("MRN"), "the script stops at the first error")
        let going = try h.run(["--user", "nora", "--keep-going", script], env: Harness.nurse)
        #expect(going.status == 1)
        #expect(going.stdout.contains("A-1"))
    }

    @Test func commandsFromAPipeAndFromDashC() throws {
        let h = try Harness()
        try h.provision()
        let piped = try h.run(["--user", "nora"], stdin: "patient new --name B --dob 1990-05-05 --sex X\npatient list\n", env: Harness.nurse)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("C000001"))
        let one = try h.run(["--user", "nora", "-c", "patient find b"], env: Harness.nurse)
        #expect(one.status == 0)
        #expect(one.stdout.contains("C000001"))
    }

    /// Help reads at 80 columns: clinical work first, then patients and visits, then the rest;
    /// no line wider than 80 columns and no word broken, for the list and for every command.
    @Test func helpFitsEightyColumns() throws {
        let h = try Harness()
        try h.provision()
        let overview = try h.run(["--user", "nora", "-c", "help"], env: Harness.nurse).stdout
        let sections = ["Clinical work, by module", "Patients and visits:", "Signing in, and this shell:", "Scripts and administration:"]
        let at = sections.compactMap { overview.range(of: $0)?.lowerBound }
        #expect(at.count == sections.count && at == at.sorted(), "\(overview)")
        // Every command's help, by its whole name; and a verb alone finds its command.
        var names: [String] = []
        for line in overview.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
            names.append(String(line.dropFirst(2).split(separator: " ").first ?? ""))
        }
        #expect(names.contains("monitoring") && names.contains("patient"))
        let texts = try names.map { try h.run(["--user", "nora", "-c", "help \($0)"], env: Harness.nurse).stdout }
        let verbs = try h.run(["--user", "nora", "-c", "help vitals", "-c", "help dosing plan", "-c", "help patient new"], env: Harness.nurse).stdout
        #expect(verbs.hasPrefix("monitoring vitals"), "\(verbs)")
        for text in [overview, verbs] + texts {
            for line in text.split(separator: "\n") {
                #expect(line.count <= 80, "wider than 80 columns: \(line)")
            }
        }
        // No word broken: each field's meaning, wrapped, still holds its words whole.
        let words = Set(verbs.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        for word in ["double-check):", "(monitoring.vitals_required)", "physiology", "(docs/CLINICAL-REFERENCE.md,"] {
            #expect(words.contains(word), "\(word) was broken")
        }
    }

    @Test func usageErrorsExitTwo() throws {
        let h = try Harness()
        let r = try h.run(["--frobnicate"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown option --frobnicate"))
        #expect(try h.run(["missing.clinic"]).status == 2)
        #expect(try h.run(["--help"]).status == 0)
    }

    @Test func signInIsRequiredAndChecked() throws {
        let h = try Harness()
        try h.provision()
        let wrong = try h.run(["--user", "nora", "-c", "whoami"], env: ["CLINIC_PASSWORD": "wrong-password"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("sign-in failed: unknown name or wrong password"))
        let anonymous = try h.run(["-c", "patient list"])
        #expect(anonymous.status == 1)
        #expect(anonymous.stderr.contains("nobody is signed in; type login NAME"))
        let admin = try h.run(["--user", "admin", "-c", "patient list"], env: ["CLINIC_PASSWORD": "admin-pass1"])
        #expect(admin.stderr.contains("patient list needs the role nurse or physician; admin is admin"))
        // A failed `login` command is journalled once, like any failed command.
        let typed = try h.run(["-c", "login nora"], env: ["CLINIC_PASSWORD": "wrong-password"])
        #expect(typed.status == 1)
        #expect(try h.sql("SELECT source, outcome FROM journal WHERE command = 'login nora' ORDER BY id") == ["--user|refused", "-c|refused"])
    }
}
}
