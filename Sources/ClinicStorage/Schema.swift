/// The database schema, as an ordered list of named migrations. Each runs once, in its own
/// transaction, and is recorded in `schema_migrations`; a database newer than this program is refused.
enum Schema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let sql: String
        /// What the migration works out in Swift after its SQL, in the same transaction.
        var then: (@Sendable (Database) throws -> Void)?
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "record-and-journal", sql: """
            CREATE TABLE meta (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );

            CREATE TABLE staff (
                id            INTEGER PRIMARY KEY,
                username      TEXT NOT NULL UNIQUE,
                roles         TEXT NOT NULL,          -- comma-separated, sorted
                password_hash TEXT NOT NULL,          -- scrypt$N$r$p$salt$key (base64)
                created_at    TEXT NOT NULL,
                created_by    INTEGER REFERENCES staff(id)
            );

            CREATE TABLE patients (
                id         INTEGER PRIMARY KEY,
                mrn        TEXT NOT NULL UNIQUE,
                name       TEXT NOT NULL,
                dob        TEXT NOT NULL,             -- YYYY-MM-DD
                sex        TEXT NOT NULL CHECK (sex IN ('F', 'M', 'X')),
                created_at TEXT NOT NULL,
                created_by INTEGER NOT NULL REFERENCES staff(id)
            );
            CREATE TRIGGER patients_append_only_update BEFORE UPDATE ON patients
            BEGIN SELECT RAISE(ABORT, 'patients are append-only: record a correction instead'); END;
            CREATE TRIGGER patients_append_only_delete BEFORE DELETE ON patients
            BEGIN SELECT RAISE(ABORT, 'patients are append-only: record a correction instead'); END;

            CREATE TABLE visits (
                id         INTEGER PRIMARY KEY,
                patient_id INTEGER NOT NULL REFERENCES patients(id),
                kind       TEXT NOT NULL CHECK (kind IN ('infusion', 'consult', 'follow-up')),
                started_at TEXT NOT NULL,
                started_by INTEGER NOT NULL REFERENCES staff(id),
                ended_at   TEXT,
                ended_by   INTEGER REFERENCES staff(id)
            );
            CREATE INDEX visits_by_patient ON visits(patient_id);
            -- A visit is ended once; nothing else about it ever changes.
            CREATE TRIGGER visits_end_once BEFORE UPDATE ON visits
            WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL OR NEW.ended_by IS NULL
              OR NEW.id IS NOT OLD.id OR NEW.patient_id IS NOT OLD.patient_id OR NEW.kind IS NOT OLD.kind
              OR NEW.started_at IS NOT OLD.started_at OR NEW.started_by IS NOT OLD.started_by
            BEGIN SELECT RAISE(ABORT, 'a visit is only ever ended, once'); END;
            CREATE TRIGGER visits_append_only_delete BEFORE DELETE ON visits
            BEGIN SELECT RAISE(ABORT, 'visits are append-only'); END;

            -- The clinical record: append-only and hash-chained. A correction is a new entry whose
            -- `amends` names the entry it corrects; the corrected entry stays.
            CREATE TABLE records (
                id               INTEGER PRIMARY KEY,
                patient_id       INTEGER NOT NULL REFERENCES patients(id),
                visit_id         INTEGER REFERENCES visits(id),
                module           TEXT NOT NULL,
                kind             TEXT NOT NULL,
                payload          TEXT NOT NULL,       -- canonical JSON
                effective_at     TEXT NOT NULL,       -- when it happened (UTC, ISO 8601)
                recorded_at      TEXT NOT NULL,       -- when it was written (UTC, ISO 8601)
                staff_id         INTEGER NOT NULL REFERENCES staff(id),
                protocol_version TEXT,                -- the clinic protocol in force
                amends           INTEGER REFERENCES records(id),
                prev_hash        TEXT NOT NULL,
                hash             TEXT NOT NULL UNIQUE
            );
            CREATE INDEX records_by_patient ON records(patient_id, module, kind);
            CREATE TRIGGER records_append_only_update BEFORE UPDATE ON records
            BEGIN SELECT RAISE(ABORT, 'records are append-only: write a correction that amends the entry'); END;
            CREATE TRIGGER records_append_only_delete BEFORE DELETE ON records
            BEGIN SELECT RAISE(ABORT, 'records are append-only: write a correction that amends the entry'); END;

            -- Every command line accepted, by whom, when, and how it ended. Secrets never reach it.
            CREATE TABLE journal (
                id         INTEGER PRIMARY KEY,
                session    TEXT NOT NULL,
                staff_id   INTEGER REFERENCES staff(id),
                at         TEXT NOT NULL,
                source     TEXT NOT NULL,             -- shell, -c, stdin:LINE, FILE:LINE
                command    TEXT NOT NULL,             -- canonical form, with prompted answers filled in
                outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'refused', 'cancelled')),
                message    TEXT NOT NULL,
                patient_id INTEGER REFERENCES patients(id),
                visit_id   INTEGER REFERENCES visits(id),
                prev_hash  TEXT NOT NULL,
                hash       TEXT NOT NULL UNIQUE
            );
            CREATE TRIGGER journal_append_only_update BEFORE UPDATE ON journal
            BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
            CREATE TRIGGER journal_append_only_delete BEFORE DELETE ON journal
            BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
            """),
        Migration(version: 2, name: "sandbox-and-lookups", sql: """
            -- Whether a database is live or a sandbox (training, tests, replays) is fixed when it is
            -- made: a sandbox's records must never pass for real ones.
            CREATE TRIGGER meta_mode_fixed_update BEFORE UPDATE ON meta WHEN OLD.key IN ('mode', 'replayed_from')
            BEGIN SELECT RAISE(ABORT, 'a database stays live or sandbox for life'); END;
            CREATE TRIGGER meta_mode_fixed_delete BEFORE DELETE ON meta WHEN OLD.key IN ('mode', 'replayed_from')
            BEGIN SELECT RAISE(ABORT, 'a database stays live or sandbox for life'); END;
            -- patient new looks for a patient with the same name and date of birth.
            CREATE INDEX patients_by_name_dob ON patients(name, dob);
            CREATE INDEX journal_by_patient ON journal(patient_id);
            """),
        Migration(version: 3, name: "protocol-in-the-record", sql: """
            -- Every entry notes the content hash of the protocol it was made under, beside its
            -- version: an edited copy that keeps the version string is another protocol.
            ALTER TABLE records ADD COLUMN protocol_sha256 TEXT;

            -- The protocols a database has run under, in order: the first recorded when the database
            -- first starts, each later one adopted by an admin and signed by a physician. Hash-chained
            -- like the record, and append-only.
            CREATE TABLE protocols (
                id         INTEGER PRIMARY KEY,
                sha256     TEXT NOT NULL,
                name       TEXT NOT NULL,
                version    TEXT NOT NULL,
                settings   TEXT NOT NULL,             -- canonical JSON: each setting's value, each document's version and hash
                adopted_at TEXT NOT NULL,
                adopted_by INTEGER REFERENCES staff(id),  -- none when recorded at the first start
                signature  TEXT,                      -- the physician's e-signature (canonical JSON)
                prev_hash  TEXT NOT NULL,
                hash       TEXT NOT NULL UNIQUE
            );
            CREATE TRIGGER protocols_append_only_update BEFORE UPDATE ON protocols
            BEGIN SELECT RAISE(ABORT, 'protocol adoptions are append-only'); END;
            CREATE TRIGGER protocols_append_only_delete BEFORE DELETE ON protocols
            BEGIN SELECT RAISE(ABORT, 'protocol adoptions are append-only'); END;
            """),
        Migration(version: 4, name: "access-in-the-chain", sql: """
            -- Every password check (sign-in, signature, witness) and every unlock, as an entry of its
            -- own, hash-chained and append-only. A lockout counts these by kind; a command or a
            -- script that rolls back never takes one with it (the store writes them again).
            CREATE TABLE access (
                id        INTEGER PRIMARY KEY,
                at        TEXT NOT NULL,
                username  TEXT NOT NULL,              -- an existing account's name, or '(unknown)'
                event     TEXT NOT NULL CHECK (event IN ('passed', 'failed', 'refused', 'unlocked')),
                context   TEXT NOT NULL CHECK (context IN ('sign-in', 'signature', 'witness', 'unlock')),
                session   TEXT NOT NULL,
                source    TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash      TEXT NOT NULL UNIQUE
            );
            CREATE INDEX access_by_username ON access(username, id);
            CREATE TRIGGER access_append_only_update BEFORE UPDATE ON access
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
            CREATE TRIGGER access_append_only_delete BEFORE DELETE ON access
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
            """),
        Migration(version: 5, name: "changes-in-the-chain", sql: """
            -- The clinic's own state as hash-chained entries: the database's mode (fixed when it is
            -- made) and every member of staff (added, with their roles and a hash of their password
            -- hash). The staff table and the mode in meta are projections of it that audit verify
            -- rebuilds; patients and visits are projections of the record's registrations and visits.
            CREATE TABLE changes (
                id        INTEGER PRIMARY KEY,
                at        TEXT NOT NULL,
                staff_id  INTEGER,                    -- who made it; none for the database's own entry
                kind      TEXT NOT NULL,              -- database, staff-added
                subject   TEXT NOT NULL,              -- a username, or the database
                payload   TEXT NOT NULL,              -- canonical JSON
                prev_hash TEXT NOT NULL,
                hash      TEXT NOT NULL UNIQUE
            );
            CREATE TRIGGER changes_append_only_update BEFORE UPDATE ON changes
            BEGIN SELECT RAISE(ABORT, 'the changes are append-only'); END;
            CREATE TRIGGER changes_append_only_delete BEFORE DELETE ON changes
            BEGIN SELECT RAISE(ABORT, 'the changes are append-only'); END;
            -- Staff rows are written once, by the program, with their entry in the chain.
            CREATE TRIGGER staff_append_only_update BEFORE UPDATE ON staff
            BEGIN SELECT RAISE(ABORT, 'staff are changed only through the chain'); END;
            CREATE TRIGGER staff_append_only_delete BEFORE DELETE ON staff
            BEGIN SELECT RAISE(ABORT, 'staff are changed only through the chain'); END;
            -- patient new looks for a likely duplicate among the patients born the same day, its
            -- names folded for case and accents.
            CREATE INDEX patients_by_dob ON patients(dob);
            """),
        Migration(version: 6, name: "corrections-through-the-chain", sql: """
            -- A member of staff's roles and password, and a patient's name, date of birth and sex,
            -- change only with their entry: the row may be updated just after the last entry of its
            -- chain says so, to what it says (a staff-roles or staff-password change; a correction of
            -- the registration), and what identifies the row never changes.
            DROP TRIGGER staff_append_only_update;
            CREATE TRIGGER staff_changed_with_its_entry BEFORE UPDATE ON staff
            WHEN NEW.id IS NOT OLD.id OR NEW.username IS NOT OLD.username OR NEW.created_at IS NOT OLD.created_at
              OR NEW.created_by IS NOT OLD.created_by
              OR (NEW.roles IS NOT OLD.roles AND NOT EXISTS (SELECT 1 FROM changes WHERE id = (SELECT max(id) FROM changes)
                  AND subject = OLD.username AND kind = 'staff-roles' AND json_extract(payload, '$.roles') IS NEW.roles))
              OR (NEW.password_hash IS NOT OLD.password_hash AND NOT EXISTS (SELECT 1 FROM changes WHERE id = (SELECT max(id) FROM changes)
                  AND subject = OLD.username AND kind = 'staff-password'))
            BEGIN SELECT RAISE(ABORT, 'staff are changed only through the chain'); END;
            DROP TRIGGER patients_append_only_update;
            CREATE TRIGGER patients_corrected_with_their_entry BEFORE UPDATE ON patients
            WHEN NEW.id IS NOT OLD.id OR NEW.mrn IS NOT OLD.mrn OR NEW.created_at IS NOT OLD.created_at
              OR NEW.created_by IS NOT OLD.created_by
              OR NOT EXISTS (SELECT 1 FROM records WHERE id = (SELECT max(id) FROM records) AND patient_id = OLD.id
                             AND module = 'patient' AND kind = 'registered' AND amends IS NOT NULL
                             AND json_extract(payload, '$.name') IS NEW.name AND json_extract(payload, '$.dob') IS NEW.dob
                             AND json_extract(payload, '$.sex') IS NEW.sex)
            BEGIN SELECT RAISE(ABORT, 'patients are changed only by a correction in the record'); END;
            """),
        Migration(version: 7, name: "records-read-by-what-is-new", sql: """
            -- A command reads a patient's entries appended since it last read them.
            CREATE INDEX records_by_patient_id ON records(patient_id, id);
            """),
        Migration(version: 8, name: "due-items", sql: """
            -- What falls due for each patient, as the modules worked it out in the transaction that
            -- last changed the patient's record: a projection, read by the clinic's worklist in one
            -- indexed query. Times are Timestamp strings, which sort as the times do.
            CREATE TABLE due_items (
                patient_id   INTEGER NOT NULL REFERENCES patients(id),
                module       TEXT NOT NULL,
                what         TEXT NOT NULL,
                at           TEXT NOT NULL,
                shown_from   TEXT,
                lapses_after TEXT,
                detail       TEXT NOT NULL,
                command      TEXT NOT NULL,
                all_day      INTEGER NOT NULL,
                commands     TEXT NOT NULL
            );
            CREATE INDEX due_items_by_time ON due_items(at);
            CREATE INDEX due_items_by_patient ON due_items(patient_id);
            """),
        Migration(version: 9, name: "protocol-texts", sql: """
            -- What each protocol adopted says, so that a start runs under the protocol in force as the
            -- record holds it: the file's text and each document's, bound to the chain (their content
            -- hash is the adoption's sha256), and the file's form (its settings as text, with lines),
            -- so no YAML is parsed to start. audit verify checks the binding and reads the text again.
            CREATE TABLE protocol_texts (
                sha256    TEXT PRIMARY KEY,
                path      TEXT NOT NULL,              -- the file it was read from, for staff to find it
                text      TEXT NOT NULL,
                documents TEXT NOT NULL,              -- canonical JSON: each document's text, by setting key
                form      TEXT NOT NULL               -- canonical JSON: the form read from the text
            );
            CREATE TRIGGER protocol_texts_append_only_update BEFORE UPDATE ON protocol_texts
            BEGIN SELECT RAISE(ABORT, 'protocol texts are append-only'); END;
            CREATE TRIGGER protocol_texts_append_only_delete BEFORE DELETE ON protocol_texts
            BEGIN SELECT RAISE(ABORT, 'protocol texts are append-only'); END;
            """),
        Migration(version: 10, name: "patients-found-by-folded-names", sql: """
            -- patient find and the duplicate check compare names folded for case, accents and width
            -- (Müller is muller, Zoë is zoe), kept beside the name and worked out from it: audit
            -- verify folds each name again. Only the folded name may change without a correction.
            ALTER TABLE patients ADD COLUMN folded TEXT NOT NULL DEFAULT '';
            DROP TRIGGER patients_corrected_with_their_entry;
            CREATE TRIGGER patients_corrected_with_their_entry BEFORE UPDATE ON patients
            WHEN NEW.id IS NOT OLD.id OR NEW.mrn IS NOT OLD.mrn OR NEW.created_at IS NOT OLD.created_at
              OR NEW.created_by IS NOT OLD.created_by
              OR ((NEW.name IS NOT OLD.name OR NEW.dob IS NOT OLD.dob OR NEW.sex IS NOT OLD.sex)
                  AND NOT EXISTS (SELECT 1 FROM records WHERE id = (SELECT max(id) FROM records) AND patient_id = OLD.id
                                  AND module = 'patient' AND kind = 'registered' AND amends IS NOT NULL
                                  AND json_extract(payload, '$.name') IS NEW.name AND json_extract(payload, '$.dob') IS NEW.dob
                                  AND json_extract(payload, '$.sex') IS NEW.sex))
            BEGIN SELECT RAISE(ABORT, 'patients are changed only by a correction in the record'); END;
            """, then: { db in
            for row in try db.query("SELECT id, name FROM patients") {
                guard let id = row[0].int, let name = row[1].text else { continue }
                try db.query("UPDATE patients SET folded = ? WHERE id = ?", [.text(PatientNames.folded(name)), .int(id)])
            }
        }),
    ]

    /// Every trigger the migrations leave, by name, with the statement that made it (whitespace
    /// folded): `audit verify` finds one dropped, added or changed.
    static var triggers: [String: String] {
        var out: [String: String] = [:]
        for migration in migrations {
            for statement in migration.sql.components(separatedBy: ";\n") {
                let words = statement.split(whereSeparator: \.isWhitespace)
                if let i = words.firstIndex(where: { $0 == "DROP" }), i + 2 < words.count, words[i + 1] == "TRIGGER" {
                    out[String(words[i + 2])] = nil
                }
            }
            for part in migration.sql.components(separatedBy: "CREATE TRIGGER ").dropFirst() {
                guard let name = part.split(separator: " ").first, let end = part.range(of: "END;") else { continue }
                out[String(name)] = folded("CREATE TRIGGER " + part[..<end.lowerBound] + "END")
            }
        }
        return out
    }

    /// SQL with its comments dropped and its whitespace folded to single spaces.
    static func folded(_ sql: String) -> String {
        sql.split(separator: "\n").map { line in line.range(of: "--").map { String(line[..<$0.lowerBound]) } ?? String(line) }
            .joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings `db` up to the latest schema; returns the version it had (0: a new database).
    @discardableResult
    static func migrate(_ db: Database, now: String) throws -> Int {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """)
        let applied = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0
        if applied > latestVersion {
            throw StoreError.newerSchema(found: Int(applied), supported: latestVersion)
        }
        for migration in migrations where migration.version > applied {
            try db.transaction {
                try db.execute(migration.sql)
                try migration.then?(db)
                try db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                             [.int(Int64(migration.version)), .text(migration.name), .text(now)])
            }
        }
        return Int(applied)
    }
}
