import Foundation
import Testing

extension EndToEnd {
    /// The paths that once reached an unsafe dose, each a script under Tests/DoseSafety that now
    /// passes only because every one of them is refused (its `expect error` lines), and a swapped
    /// protocol refused until it is adopted.
    @Suite struct DoseSafetyTests {
        static let scripts = Harness.repository.appendingPathComponent("Tests/DoseSafety")

        @Test(arguments: ["1-overlapping-infusions", "2-weight-after-check", "3-weight-before-check", "4-weight-amended",
                          "5-other-routes", "7-rounding", "8-late-entries", "9-resumed-another-day", "10-criterion-while-paused",
                          "11-intake-corrected"])
        func theUnsafePathIsRefused(_ name: String) throws {
            let h = try Harness(sandbox: true)
            try h.sandboxWithStaff()
            let r = try h.run(["--db", h.database, "--user", "nora", Self.scripts.appendingPathComponent("\(name).clinic").path], env: Harness.staff)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            // Nothing given outside the envelope: every dose given is within 2 mg/kg of the weight typed.
            let doses = try h.sql("""
                SELECT CAST(json_extract(o.payload, '$.total_mg') AS DOUBLE PRECISION) / CAST(json_extract(o.payload, '$.weight_kg') AS DOUBLE PRECISION)
                FROM records o
                WHERE o.module = 'dosing' AND o.kind = 'order' AND json_extract(o.payload, '$.route') = 'iv'
                  AND EXISTS (SELECT 1 FROM records s WHERE s.module = 'dosing' AND s.kind IN ('started', 'completed')
                              AND CAST(json_extract(s.payload, '$.order') AS BIGINT) = o.id)
                """)
            for perKg in doses { #expect((Double(perKg) ?? 99) <= 2.0, "\(name): \(perKg) mg/kg given") }
        }

        /// 6. An edited copy of the protocol that keeps the version string: refused on a live
        /// database, with the settings that differ, until an admin adopts a versioned file and a
        /// physician signs; every record then notes the new protocol's hash.
        @Test func aSwappedProtocolIsRefusedUntilAdopted() throws {
            let h = try Harness()
            let setup = try h.run(["--user", "admin", Harness.repository.appendingPathComponent("Workflows/setup.clinic").path],
                                  env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "staff-pass1"])
            #expect(setup.status == 0, "\(setup.stderr)")
            #expect(try h.sql("SELECT count(*), max(CASE WHEN adopted_by IS NULL THEN 1 ELSE 0 END) FROM protocols") == ["1|1"], "the first start records its protocol")

            let resources = Harness.products.appendingPathComponent("clinic_ClinicEngine.resources")
            let shipped = try String(contentsOf: resources.appendingPathComponent("clinic-protocol.yaml"), encoding: .utf8)
            _ = try h.write("consent-ketamine.txt", try String(contentsOf: resources.appendingPathComponent("consent-ketamine.txt"), encoding: .utf8))
            let edited = shipped.replacingOccurrences(of: "dosing.iv_hard_max:\n    value: 2", with: "dosing.iv_hard_max:\n    value: 5")
                .replacingOccurrences(of: "dosing.iv_soft_max:\n    value: 1.5", with: "dosing.iv_soft_max:\n    value: 5")
            #expect(edited != shipped)
            let swapped = try h.write("swapped.yaml", edited)
            let refused = try h.run(["--protocol", swapped, "--user", "patel", "-c", "patient new --name A --dob 1980-01-01 --sex F"], env: Harness.staff)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("is not the protocol this database runs under"), "\(refused.stderr)")
            #expect(refused.stderr.contains("dosing.iv_hard_max 2 → 5"), "\(refused.stderr)")
            #expect(refused.stderr.contains("refused: patient new refused: this database runs under protocol 2026.11-default"), "\(refused.stderr)")
            #expect(try h.sql("SELECT count(*) FROM patients") == ["0"])

            // The same version with other content is refused at adoption too.
            let sameVersion = try h.run(["--protocol", swapped, "--user", "admin", "-c", "protocol adopt \(swapped) --physician patel"],
                                        env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
            #expect(sameVersion.status == 1)
            #expect(sameVersion.stderr.contains("keeps the version 2026.11-default of the protocol in force but its content differs"), "\(sameVersion.stderr)")

            // A versioned file, adopted by the admin and signed by the physician.
            let versioned = try h.write("2027.yaml", edited.replacingOccurrences(of: "version: \"2026.11-default\"", with: "version: \"2027.01\""))
            let nurseSigns = try h.run(["--user", "admin", "-c", "protocol adopt \(versioned) --physician nora"],
                                       env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
            #expect(nurseSigns.stderr.contains("nora is not a physician; a physician signs the adoption of a protocol"), "\(nurseSigns.stderr)")
            let adopted = try h.run(["--user", "admin", "-c", "protocol adopt \(versioned) --physician patel"],
                                    env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
            #expect(adopted.status == 0, "\(adopted.stderr)")
            #expect(adopted.stdout.contains("adopted by admin, signed by patel"), "\(adopted.stdout)")
            #expect(adopted.stdout.contains("dosing.iv_hard_max 2 → 5"))
            #expect(try h.sql("SELECT version, json_extract(signature, '$.by'), json_extract(signature, '$.meaning') LIKE '%dosing.iv_hard_max 2 → 5%' FROM protocols ORDER BY id")
                    == ["2026.11-default||", "2027.01|patel|1"])

            // A version adopted before is not taken again for other content.
            let reused = try h.write("reused.yaml", edited.replacingOccurrences(of: "version: \"2026.11-default\"", with: "version: \"2027.01\"")
                .replacingOccurrences(of: "dosing.iv_soft_max:\n    value: 5", with: "dosing.iv_soft_max:\n    value: 4"))
            let third = try h.write("2027-02.yaml", try String(contentsOfFile: reused, encoding: .utf8).replacingOccurrences(of: "version: \"2027.01\"", with: "version: \"2027.02\""))
            #expect(try h.run(["--protocol", versioned, "--user", "admin", "-c", "protocol adopt \(third) --physician patel"],
                              env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"]).status == 0)
            let again = try h.run(["--user", "admin", "-c", "protocol adopt \(reused) --physician patel"],
                                  env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"])
            #expect(again.status == 1 && again.stderr.contains("has the version 2027.01 of a protocol adopted before"), "\(again.stderr)")
            #expect(try h.run(["--user", "admin", "-c", "protocol adopt \(versioned) --physician patel"],
                              env: ["CLINIC_PASSWORD": "admin-pass1", "CLINIC_WITNESS_PASSWORD": "staff-pass1"]).status == 0, "an earlier protocol may be adopted again, whole")

            // From then on the shipped file is the one refused; started with no file, the program
            // runs under the protocol adopted, as the record keeps it, and so does the adopted file.
            let old = try h.run(["--protocol", Harness.products.appendingPathComponent("clinic_ClinicEngine.resources/clinic-protocol.yaml").path,
                                 "--user", "nora", "-c", "patient new --name A --dob 1980-01-01 --sex F"], env: Harness.staff)
            #expect(old.status == 1 && old.stderr.contains("this database runs under protocol 2027.01"), "\(old.stderr)")
            #expect(old.stderr.contains("start the program without --protocol, under the protocol adopted"), "\(old.stderr)")
            let fromRecord = try h.run(["--user", "nora", "-c", "patient new --name A --dob 1980-01-01 --sex F", "-c", "protocol show"], env: Harness.staff)
            #expect(fromRecord.status == 0 && fromRecord.stderr.isEmpty, "\(fromRecord.stderr)")
            #expect(fromRecord.stdout.contains("version 2027.01 · in force from the record, adopted"), "\(fromRecord.stdout)")
            #expect(fromRecord.stdout.contains("dosing.iv_hard_max = 5 mg/kg (default 2)"), "\(fromRecord.stdout)")
            let new = try h.run(["--protocol", versioned, "--user", "nora", "-c", "patient new --name B --dob 1980-01-01 --sex F"], env: Harness.staff)
            #expect(new.status == 0, "\(new.stderr)")
            let sha = try #require(try h.sql("SELECT sha256 FROM protocols ORDER BY id DESC LIMIT 1").first)
            #expect(try h.sql("SELECT DISTINCT protocol_version || ' ' || protocol_sha256 FROM records") == ["2027.01 \(sha)"])
            #expect(try h.sql("SELECT count(*) FROM protocol_texts WHERE sha256 IN (SELECT sha256 FROM protocols)") == ["3"])
            let verify = try h.run(["--user", "nora", "-c", "audit verify"], env: Harness.staff)
            #expect(verify.status == 0 && verify.stdout.contains("protocols: 4 entries, hash chain intact"), "\(verify.stdout)\(verify.stderr)")

            // The text kept of an earlier adoption deleted behind the program's back, its trigger put
            // back as it was: audit verify names the adoption left without its text.
            let first = try #require(try h.sql("SELECT id || '|' || sha256 FROM protocols WHERE sha256 != '\(sha)' ORDER BY id LIMIT 1").first).split(separator: "|")
            // (On a server, by its superuser with the triggers off for the session.)
            _ = try h.sql(h.onServer ? """
                SET session_replication_role = replica;
                CREATE TABLE kept AS SELECT * FROM protocol_texts WHERE sha256 = '\(first[1])';
                DELETE FROM protocol_texts WHERE sha256 = '\(first[1])';
                """ : """
                CREATE TABLE kept AS SELECT * FROM protocol_texts WHERE sha256 = '\(first[1])';
                DROP TRIGGER protocol_texts_append_only_delete;
                DELETE FROM protocol_texts WHERE sha256 = '\(first[1])';
                CREATE TRIGGER protocol_texts_append_only_delete BEFORE DELETE ON protocol_texts
                BEGIN SELECT RAISE(ABORT, 'protocol texts are append-only'); END;
                """)
            let deleted = try h.run(["--protocol", versioned, "--user", "nora", "-c", "audit verify"], env: Harness.staff)
            #expect(deleted.status == 1 && deleted.stderr.contains("protocol adoption #\(first[0]) (\(first[1].prefix(12))…) keeps no text of the protocol adopted: it was deleted"),
                    "\(deleted.stdout)\(deleted.stderr)")
            _ = try h.sql("INSERT INTO protocol_texts (sha256, path, text, documents, form) SELECT sha256, path, text, documents, form FROM kept; DROP TABLE kept;")

            // The kept form altered behind the program's back: the start says so and reads the
            // shipped file instead, which is not the protocol adopted, so nothing clinical runs;
            // audit verify names the text.
            _ = try h.sql(h.onServer ? """
                SET session_replication_role = replica;
                UPDATE protocol_texts SET form = jsonb_set(form::jsonb, '{entries,dosing.iv_hard_max,fields,value}', to_jsonb('9'::text))::text WHERE sha256 = '\(sha)';
                """ : """
                DROP TRIGGER protocol_texts_append_only_update;
                UPDATE protocol_texts SET form = json_set(form, '$.entries."dosing.iv_hard_max".fields.value', '9') WHERE sha256 = '\(sha)';
                """)
            let tampered = try h.run(["--user", "nora", "-c", "patient new --name C --dob 1980-01-01 --sex F"], env: Harness.staff)
            #expect(tampered.status == 1, "\(tampered.stdout)")
            #expect(tampered.stderr.contains("gives dosing.iv_hard_max another value than the adoption"), "\(tampered.stderr)")
            #expect(tampered.stderr.contains("this database runs under protocol 2027.01"), "\(tampered.stderr)")
            let caught = try h.run(["--protocol", versioned, "--user", "nora", "-c", "audit verify"], env: Harness.staff)
            #expect(caught.status == 1 && caught.stderr.contains("its form is not what its text reads as"), "\(caught.stderr)")
        }
    }
}
