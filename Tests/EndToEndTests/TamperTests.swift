@testable import ClinicStorage
import ClinicTestSupport
import Foundation
import Testing

/// The tamper suite: a day's clinic database changed behind the program's back as an insider with
/// the sqlite3 tool would, every table in turn (change, delete, insert, reorder, flip, backdate,
/// rewrite with every hash recomputed), the triggers dropped first and put back after. Each change
/// is found by `clinic audit verify`, run on the copy as a backup is, or needs a head or anchor
/// written down before it, as docs/ARCHITECTURE.md lists. The same changes are made to a copy of
/// the day on a PostgreSQL server (`clinic db copy`), as its superuser with the triggers off, and
/// found the same way. The day itself is always a file's, copied where each case needs it.
extension EndToEnd {
@Suite struct TamperTests {
    /// A change to make, the chains to recompute after it (a consistent rewrite), and what verify
    /// must say (`nil`: undetectable without a head noted before).
    struct Case {
        var name: String
        var sql: String
        var rechain: [String] = []
        var found: String?
    }

    static let cases: [Case] = [
        // The clinical record.
        Case(name: "record payload changed", sql: "UPDATE records SET payload = replace(payload, '72', '62') WHERE id = 3", found: "record entry #3 (written "),
        Case(name: "record deleted", sql: "DELETE FROM records WHERE id = 3", found: "record entry #4 (written "),
        Case(name: "record inserted", sql: "INSERT INTO records SELECT 99, patient_id, visit_id, module, kind, payload, effective_at, recorded_at, staff_id, protocol_version, amends, hash, 'f00d', protocol_sha256 FROM records WHERE id = (SELECT max(id) FROM records)",
             found: "record entry #99 (written "),
        Case(name: "records reordered", sql: "UPDATE records SET payload = (SELECT payload FROM records WHERE id = 4) WHERE id = 3", found: "record entry #3"),
        Case(name: "record backdated", sql: "UPDATE records SET recorded_at = '2020-01-01T09:00:00.000Z' WHERE id = 4", found: "record entry #4"),
        Case(name: "record given to another", sql: "UPDATE records SET staff_id = 1 WHERE id = 3", found: "record entry #3"),
        Case(name: "record moved to another patient", sql: "UPDATE records SET patient_id = 2 WHERE id = 3", found: "record entry #3"),
        Case(name: "record rewritten consistently", sql: "UPDATE records SET payload = replace(payload, '72', '62') WHERE id = 3", rechain: ["records"]),
        Case(name: "record cut from the end", sql: "DELETE FROM records WHERE id = (SELECT max(id) FROM records)"),
        Case(name: "record dated ahead consistently", sql: "UPDATE records SET recorded_at = '2099-01-01T09:00:00.000Z' WHERE id = (SELECT max(id) FROM records)",
             rechain: ["records"], found: "is dated 2099-01-01T09:00:00.000Z, after the time of this check"),
        Case(name: "record backdated consistently", sql: "UPDATE records SET recorded_at = '2020-01-01T09:00:00.000Z' WHERE id = 9", rechain: ["records"],
             found: "record entry #9 was written at 2020-01-01T09:00:00.000Z, before entry #"),
        // The journal.
        Case(name: "journal line changed", sql: "UPDATE journal SET command = 'intake weight 80kg' WHERE command LIKE 'intake weight 72%'", found: "journal entry #"),
        Case(name: "journal line deleted", sql: "DELETE FROM journal WHERE id = 2", found: "journal entry #3"),
        Case(name: "journal line inserted", sql: "INSERT INTO journal SELECT id + 1000, session, staff_id, at, source, 'patient list', outcome, message, patient_id, visit_id, hash, 'beef' FROM journal WHERE id = 1",
             found: "journal entry #1001"),
        Case(name: "journal backdated consistently", sql: "UPDATE journal SET at = '2020-01-01T09:00:00.000Z' WHERE id = (SELECT max(id) FROM journal)", rechain: ["journal"],
             found: "was written at 2020-01-01T09:00:00.000Z, before entry #"),
        // Protocols.
        Case(name: "protocol changed", sql: "UPDATE protocols SET version = '9.9'", found: "protocols entry #1"),
        Case(name: "protocol adoption removed", sql: "DELETE FROM protocols", found: "which is not in the protocols chain"),
        // Found on a copy too: the copy keeps the time from which its source kept each text.
        Case(name: "protocol text deleted", sql: "DELETE FROM protocol_texts", found: "keeps no text of the protocol adopted: it was deleted"),
        // Access.
        Case(name: "failed sign-in removed", sql: "DELETE FROM access WHERE event = 'failed'", found: "access entry #"),
        Case(name: "failed sign-in turned passed", sql: "UPDATE access SET event = 'passed' WHERE event = 'failed'", found: "access entry #"),
        Case(name: "unlock inserted", sql: "INSERT INTO access SELECT id + 1, at, username, 'unlocked', 'unlock', session, source, hash, 'cafe' FROM access WHERE id = (SELECT max(id) FROM access)",
             found: "access entry #"),
        // The clinic's changes and the staff table.
        Case(name: "chained roles changed", sql: "UPDATE changes SET payload = replace(payload, '\"nurse\"', '\"admin,nurse\"')", found: "changes entry #"),
        Case(name: "chained staff entry removed", sql: "DELETE FROM changes WHERE subject = 'nora'", found: "changes entry #"),
        Case(name: "nurse made physician and admin", sql: "UPDATE staff SET roles = 'admin,nurse,physician' WHERE username = 'nora'",
             found: "staff nora: roles nurse in the chain, admin,nurse,physician in the table"),
        Case(name: "names swapped", sql: "UPDATE staff SET username = 'x' WHERE username = 'nora'; UPDATE staff SET username = 'nora' WHERE username = 'patel'; UPDATE staff SET username = 'patel' WHERE username = 'x'",
             found: "staff nora: name nora in the chain, patel in the table"),
        Case(name: "password hash copied", sql: "UPDATE staff SET password_hash = (SELECT password_hash FROM staff WHERE username = 'admin') WHERE username = 'nora'",
             found: "staff nora: password hash (its SHA-256)"),
        Case(name: "staff inserted", sql: "INSERT INTO staff (id, username, roles, password_hash, created_at, created_by) SELECT 4, 'mallory', 'admin', password_hash, created_at, 1 FROM staff WHERE id = 1",
             found: "staff mallory: in the table, not in the chain"),
        Case(name: "staff deleted", sql: "DELETE FROM staff WHERE username = 'patel'", found: "staff patel: in the chain, missing from the table"),
        Case(name: "staff creator changed", sql: "UPDATE staff SET created_by = 3 WHERE username = 'patel'", found: "staff patel: added by 1 in the chain, 3 in the table"),
        Case(name: "roles rewritten consistently", sql: "UPDATE staff SET roles = 'admin,nurse' WHERE username = 'nora'; UPDATE changes SET payload = replace(payload, '\"nurse\"', '\"admin,nurse\"') WHERE subject = 'nora'",
             rechain: ["changes"]),
        // Changes of roles and passwords, made with the program, then undone behind its back.
        Case(name: "role change removed", sql: "DELETE FROM changes WHERE kind = 'staff-roles'", found: "changes entry #"),
        Case(name: "role change removed consistently", sql: "DELETE FROM changes WHERE kind = 'staff-roles'", rechain: ["changes"],
             found: "staff patel: roles physician in the chain, nurse,physician in the table"),
        Case(name: "password change removed consistently", sql: "DELETE FROM changes WHERE kind = 'staff-password'", rechain: ["changes"],
             found: "staff nora: password hash (its SHA-256)"),
        Case(name: "password set after its change", sql: "UPDATE staff SET password_hash = (SELECT password_hash FROM staff WHERE username = 'admin') WHERE username = 'nora'",
             found: "staff nora: password hash (its SHA-256)"),
        // Patients.
        Case(name: "patient correction removed consistently", sql: "DELETE FROM records WHERE amends IS NOT NULL AND module = 'patient'; UPDATE records SET id = id - 1 WHERE id > 7",
             rechain: ["records"], found: "patient B-2 (#2): name Ben Okafor in the chain, Ben Okafor-Smith in the table"),
        Case(name: "patient correction rewritten", sql: "UPDATE records SET payload = replace(payload, 'Okafor-Smith', 'Okafor-Jones') WHERE amends IS NOT NULL",
             rechain: ["records"], found: "patient B-2 (#2): name Ben Okafor-Jones in the chain, Ben Okafor-Smith in the table"),
        Case(name: "patient renamed", sql: "UPDATE patients SET name = 'Someone Else' WHERE mrn = 'A-1'", found: "patient A-1 (#1): name Ana Lima in the chain, Someone Else in the table"),
        Case(name: "patient born on another day", sql: "UPDATE patients SET dob = '1990-01-01' WHERE mrn = 'A-1'", found: "patient A-1 (#1): date of birth 1981-02-11 in the chain"),
        Case(name: "patient's MRN changed", sql: "UPDATE patients SET mrn = 'Z-9' WHERE mrn = 'A-1'", found: "patient A-1 (#1): MRN A-1 in the chain, Z-9 in the table"),
        Case(name: "patient's sex changed", sql: "UPDATE patients SET sex = 'M' WHERE mrn = 'A-1'", found: "patient A-1 (#1): sex F in the chain, M in the table"),
        Case(name: "patient deleted", sql: "DELETE FROM patients WHERE mrn = 'B-2'", found: "patient B-2 (#2): in the chain, missing from the table"),
        Case(name: "patient inserted", sql: "INSERT INTO patients (id, mrn, name, dob, sex, created_at, created_by) VALUES (3, 'C-3', 'Nobody', '1970-01-01', 'F', '2026-01-01T00:00:00.000Z', 2)",
             found: "patient C-3 (#3): in the table, not in the chain"),
        // Visits.
        Case(name: "visit re-kinded", sql: "UPDATE visits SET kind = 'consult' WHERE id = 1", found: "visit #1: kind infusion in the chain, consult in the table"),
        Case(name: "visit moved to another patient", sql: "UPDATE visits SET patient_id = 2 WHERE id = 1", found: "visit #1: patient 1 in the chain, 2 in the table"),
        Case(name: "visit reopened", sql: "UPDATE visits SET ended_at = NULL, ended_by = NULL WHERE id = 1", found: "visit #1: ended at "),
        Case(name: "open visit ended", sql: "UPDATE visits SET ended_at = started_at, ended_by = 2 WHERE id = 2", found: "visit #2: ended at (none) in the chain"),
        Case(name: "visit moved in time", sql: "UPDATE visits SET started_at = '2020-01-01T09:00:00.000Z' WHERE id = 1", found: "visit #1: started at "),
        Case(name: "visit deleted", sql: "DELETE FROM visits WHERE id = 1", found: "visit #1: in the chain, missing from the table"),
        Case(name: "visit inserted", sql: "INSERT INTO visits (id, patient_id, kind, started_at, started_by) VALUES (3, 1, 'infusion', '2026-01-01T00:00:00.000Z', 2)",
             found: "visit #3: in the table, not in the chain"),
        // The database's mode, and its schema.
        Case(name: "mode flipped to sandbox", sql: "UPDATE meta SET value = 'sandbox' WHERE key = 'mode'", found: "the database's mode: live in the chain, sandbox in the table"),
        Case(name: "mode removed", sql: "DELETE FROM meta WHERE key = 'mode'", found: "the database's mode: live in the chain, (none) in the table"),
        Case(name: "made a replay", sql: "INSERT INTO meta (key, value) VALUES ('replayed_from', 'x.clinic')", found: "the database's replay origin: (none) in the chain, x.clinic in the table"),
        Case(name: "chained mode rewritten", sql: "UPDATE meta SET value = 'sandbox' WHERE key = 'mode'; UPDATE changes SET payload = replace(payload, 'live', 'sandbox') WHERE kind = 'database'",
             rechain: ["changes"]),
    ]

    /// What happens when the triggers stay dropped, or one is added.
    static let schemaCases: [Case] = [
        Case(name: "trigger dropped", sql: "DROP TRIGGER records_append_only_update", found: "its trigger records_append_only_update was dropped"),
        Case(name: "trigger weakened", sql: "CREATE TRIGGER staff_changed_with_its_entry BEFORE UPDATE ON staff WHEN 0 BEGIN SELECT 1; END",
             found: "its trigger staff_changed_with_its_entry was changed"),
        Case(name: "trigger added", sql: "CREATE TRIGGER quiet AFTER INSERT ON records BEGIN SELECT 1; END", found: "a trigger quiet was added"),
    ]

    /// The schema's own changes on a server: its triggers are functions, and may be disabled.
    static let serverSchemaCases: [Case] = [
        Case(name: "trigger dropped", sql: "DROP TRIGGER records_append_only ON records", found: "its trigger records_append_only was dropped"),
        Case(name: "trigger disabled", sql: "ALTER TABLE records DISABLE TRIGGER records_append_only", found: "its trigger records_append_only was changed"),
        Case(name: "trigger weakened", sql: "CREATE OR REPLACE FUNCTION clinic_staff_changed_with_its_entry() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
             found: "its trigger staff_changed_with_its_entry was changed"),
        Case(name: "trigger added", sql: "CREATE TRIGGER quiet AFTER INSERT ON records FOR EACH ROW EXECUTE FUNCTION clinic_announce()", found: "a trigger quiet was added"),
    ]

    /// Every case again on a copy of the day on a PostgreSQL server, changed by its superuser.
    @Test func everyTamperOnTheServerIsFoundOrNeedsAHead() throws {
        let h = try Harness(onServer: false)
        let anchors = h.folder.appendingPathComponent("anchors.txt").path
        let env = try Self.clinicDay(h, anchors: anchors)
        let head = try #require(try h.run(["audit", "head"], env: env).stdout.split(separator: "\n").first.map(String.init))
        for c in Self.cases + Self.serverSchemaCases {
            let copy = try PostgresServer.shared.newRecord()
            let copied = try h.run(["db", "copy", "--from", h.database, "--to", copy], env: env)
            try #require(copied.status == 0, "\(copied.stderr)")
            // As the server's superuser, with the triggers (and the foreign keys, which are triggers) off.
            let name = String(try #require(URLComponents(string: copy)?.path.dropFirst()))
            let attacker = try PostgresDatabase(address: PostgresServer.shared.address(name))
            try attacker.execute("SET session_replication_role = replica")
            try attacker.execute(c.sql)
            for table in c.rechain { try Self.rechain(table, in: attacker) }
            try Self.expectFoundOrNeedsAHead(c, copy: copy, head: head, anchors: nil, h: h, env: env)
        }
    }

    @Test func everyTamperIsFoundOrNeedsAHead() throws {
        let h = try Harness(onServer: false)
        let anchors = h.folder.appendingPathComponent("anchors.txt").path
        let env = try Self.clinicDay(h, anchors: anchors)
        let clean = try h.run(["audit", "verify"], env: env)
        #expect(clean.status == 0 && clean.stdout.contains("OK: nothing was changed"), "\(clean.stdout)\(clean.stderr)")
        let head = try #require(try h.run(["audit", "head"], env: env).stdout.split(separator: "\n").first.map(String.init))
        #expect(try String(contentsOfFile: anchors, encoding: .utf8).split(separator: "\n").count == 7, "one head for each run of the day")

        for c in Self.cases + Self.schemaCases {
            let copy = try Self.tamper(h, c, keepTriggersDropped: Self.schemaCases.contains { $0.name == c.name })
            try Self.expectFoundOrNeedsAHead(c, copy: copy, head: head, anchors: anchors, h: h, env: env)
        }
        #expect(Self.cases.count + Self.schemaCases.count >= 40)

        // A backup on read-only media: verified where it lies, nothing written.
        let backup = try Self.tamper(h, Case(name: "read-only backup", sql: "SELECT 1"), keepTriggersDropped: false)
        #expect(chmod(backup, 0o400) == 0 && chmod(h.folder.path, 0o500) == 0)
        defer { chmod(h.folder.path, 0o700) }
        let readOnly = try h.run(["audit", "verify", "--db", backup, "--head", head, "--anchors", anchors], env: env)
        #expect(readOnly.status == 0 && readOnly.stdout.contains("the 8 heads noted earlier still hold"), "\(readOnly.stdout)\(readOnly.stderr)")
    }

    /// `clinic audit verify` of a tampered copy finds the case's change, or, for one undetectable
    /// from the database alone (docs/ARCHITECTURE.md says why), passes and is then told by the
    /// head noted before (and the anchors file, when there is one).
    static func expectFoundOrNeedsAHead(_ c: Case, copy: String, head: String, anchors: String?, h: Harness, env: [String: String],
                                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let plain = try h.run(["audit", "verify", "--db", copy], env: env)
        if let found = c.found {
            #expect(plain.status == 1 && plain.stderr.contains("audit verify FAILED: ") && plain.stderr.contains(found), "\(c.name): \(plain.stdout)\(plain.stderr)",
                    sourceLocation: sourceLocation)
            return
        }
        #expect(plain.status == 0, "\(c.name): \(plain.stderr)", sourceLocation: sourceLocation)
        let withHead = try h.run(["audit", "verify", "--db", copy, "--head", head], env: env)
        #expect(withHead.status == 1 && withHead.stderr.contains("the head r"), "\(c.name) with the head: \(withHead.stdout)\(withHead.stderr)",
                sourceLocation: sourceLocation)
        if let anchors {
            let withAnchors = try h.run(["audit", "verify", "--db", copy, "--anchors", anchors], env: env)
            #expect(withAnchors.status == 1 && withAnchors.stderr.contains("the anchor of "), "\(c.name) with the anchors: \(withAnchors.stdout)\(withAnchors.stderr)",
                    sourceLocation: sourceLocation)
        }
    }

    /// A clinic's day under a protocol that appends the head to `anchors`; the environment to run in.
    static func clinicDay(_ h: Harness, anchors: String) throws -> [String: String] {
        let shipped = Harness.repository.appendingPathComponent("Sources/ClinicEngine/Resources/clinic-protocol.yaml").path
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
            .replacingOccurrences(of: "  clinic.anchor_file:\n    value: \"\"", with: "  clinic.anchor_file:\n    value: \"\(anchors)\"")
        let protocolFile = try h.write("protocol.yaml", text)
        _ = try h.write("consent-ketamine.txt", try String(contentsOfFile: (shipped as NSString).deletingLastPathComponent + "/consent-ketamine.txt", encoding: .utf8))
        let env = ["CLINIC_PROTOCOL": protocolFile, "CLINIC_PASSWORD": "nurse-pass1"]
        let setup = try h.write("setup.clinic", "user add nora --role nurse\nuser add patel --role physician\n")
        #expect(try h.run(["--user", "admin", setup], env: env.merging(["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "nurse-pass1"]) { $1 }).status == 0)
        let day = try h.run(["--user", "nora", "-c", "patient new --name 'Ana Lima' --dob 1981-02-11 --sex F --mrn A-1", "-c", "visit start --kind infusion",
                             "-c", "intake weight 72kg", "-c", "intake weight 71kg", "-c", "visit end",
                             "-c", "patient new --name 'Ben Okafor' --dob 1975-06-30 --sex M --mrn B-2",
                             "-c", "patient correct name='Ben Okafor-Smith' --reason 'married name'", "-c", "visit start --kind consult"], env: env)
        #expect(day.status == 0, "\(day.stderr)")
        #expect(try h.run(["--user", "nora"], env: env.merging(["CLINIC_PASSWORD": "wrong-pass1"]) { $1 }).status == 1)
        #expect(try h.run(["--user", "patel", "-c", "patient open B-2", "-c", "intake weight 80kg"], env: env).status == 0)
        #expect(try h.run(["--user", "nora", "-c", "patient list"], env: env).status == 0)
        #expect(try h.run(["--user", "nora", "-c", "status"], env: env).status == 0)
        let admin = env.merging(["CLINIC_PASSWORD": "admin-pass1", "CLINIC_NEW_PASSWORD": "nurse-pass2"]) { $1 }
        #expect(try h.run(["--user", "admin", "-c", "user roles patel --role nurse,physician", "-c", "user password nora"], env: admin).status == 0)
        return env
    }

    /// A copy of the day's database with the case's change made as an insider would: triggers
    /// dropped, the SQL run, the chains named recomputed, the triggers put back.
    static func tamper(_ h: Harness, _ c: Case, keepTriggersDropped: Bool) throws -> String {
        let copy = h.folder.appendingPathComponent(String(c.name.map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".sqlite").path
        _ = try h.sql(".backup '\(copy)'")
        let db = try Database(path: copy)
        try db.execute("PRAGMA foreign_keys = OFF")
        let triggers = try db.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").compactMap { row -> (String, String)? in
            guard case .text(let name) = row[0], case .text(let sql) = row[1] else { return nil }
            return (name, sql)
        }
        for (name, _) in triggers { try db.execute("DROP TRIGGER \(name)") }
        if keepTriggersDropped {
            for (name, sql) in triggers where !c.sql.contains(name) { try db.execute(sql) }
            if !c.sql.hasPrefix("DROP") { try db.execute(c.sql) }
            return copy
        }
        try db.execute(c.sql)
        for table in c.rechain { try rechain(table, in: db) }
        for (_, sql) in triggers { try db.execute(sql) }
        return copy
    }

    /// Recomputes every hash of a chain from its first entry, as the program would have written it.
    static func rechain(_ table: String, in db: any SQLConnection) throws {
        func t(_ v: SQLValue) -> String? { if case .text(let s) = v { return s }; return nil }
        func i(_ v: SQLValue) -> Int64? { if case .int(let n) = v { return n }; return nil }
        let select: String
        let values: ([SQLValue]) -> [ChainValue]
        switch table {
        case "records":
            select = "SELECT id, patient_id, visit_id, module, kind, payload, effective_at, recorded_at, staff_id, protocol_version, amends, protocol_sha256 FROM records ORDER BY id"
            values = { r in ChainedRecord(id: i(r[0])!, patientID: i(r[1])!, visitID: i(r[2]), module: t(r[3])!, kind: t(r[4])!, payload: t(r[5])!,
                                          effectiveAt: t(r[6])!, recordedAt: t(r[7])!, staffID: i(r[8])!, protocolVersion: t(r[9]), amends: i(r[10]),
                                          protocolSHA256: t(r[11])).chainValues }
        case "journal":
            select = "SELECT id, session, staff_id, at, source, command, outcome, message, patient_id, visit_id FROM journal ORDER BY id"
            values = { r in ChainedJournalLine(id: i(r[0])!, session: t(r[1])!, staffID: i(r[2]), at: t(r[3])!, source: t(r[4])!, command: t(r[5])!,
                                               outcome: t(r[6])!, message: t(r[7])!, patientID: i(r[8]), visitID: i(r[9])).chainValues }
        default:
            select = "SELECT id, at, staff_id, kind, subject, payload FROM changes ORDER BY id"
            values = { r in ChainedChange(id: i(r[0])!, at: t(r[1])!, staffID: i(r[2]), kind: t(r[3])!, subject: t(r[4])!, payload: t(r[5])!).chainValues }
        }
        var previous = HashChain.genesis
        for row in try db.query(select) {
            let hash = HashChain.hash(previous: previous, values: values(row))
            try db.query("UPDATE \(table) SET prev_hash = ?, hash = ? WHERE id = ?", [.text(previous), .text(hash), row[0]])
            previous = hash
        }
    }
}
}
