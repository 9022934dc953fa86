import ClinicKit
import Foundation

/// The record's schema on a PostgreSQL server: the same tables, columns and rules as SQLite's
/// (``Schema``), made by `clinic db migrate` as the role that owns them. The program connects as
/// another role, which may only read and append to the chains (no UPDATE, DELETE or TRUNCATE
/// privilege), and update the projections the chain allows; triggers hold the same rules as well,
/// for a role given more.
///
/// A server's schema starts at SQLite's latest version; each later migration is written for both.
package enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        let sql: String
    }

    /// Text compared and sorted byte by byte, as SQLite does, whatever the database's locale:
    /// times (ISO 8601), names, MRNs.
    private static let text = "TEXT COLLATE \"C\""

    /// The tables no row of is ever changed or removed, and what a change is refused with: each
    /// gets a trigger refusing UPDATE and DELETE, and one refusing TRUNCATE.
    private static let appendOnly: [(table: String, refusal: String)] = [
        ("records", "records are append-only: write a correction that amends the entry"),
        ("journal", "the journal is append-only"),
        ("protocols", "protocol adoptions are append-only"),
        ("access", "the access log is append-only"),
        ("changes", "the changes are append-only"),
        ("protocol_texts", "protocol texts are append-only"),
    ]

    /// Each hash chain's link check, as `clinic_chain_linked` says.
    private static var linkedTriggers: String {
        HashChain.tables.map { table in
            """
            CREATE TRIGGER \(table)_linked BEFORE INSERT ON \(table)
            FOR EACH ROW EXECUTE FUNCTION clinic_chain_linked();
            """
        }.joined(separator: "\n")
    }

    private static var appendOnlyTriggers: String {
        appendOnly.map { t in
            """
            CREATE TRIGGER \(t.table)_append_only BEFORE UPDATE OR DELETE ON \(t.table)
            FOR EACH ROW EXECUTE FUNCTION clinic_refuse('\(t.refusal)');
            CREATE TRIGGER \(t.table)_never_truncated BEFORE TRUNCATE ON \(t.table)
            FOR EACH STATEMENT EXECUTE FUNCTION clinic_refuse('\(t.refusal)');
            """
        }.joined(separator: "\n")
    }

    static let migrations: [Migration] = [
        Migration(version: 10, name: "record-on-a-server", sql: """
            CREATE TABLE meta (
                key   \(text) PRIMARY KEY,
                value \(text) NOT NULL
            );

            CREATE TABLE staff (
                id            BIGINT PRIMARY KEY,
                username      \(text) NOT NULL UNIQUE,
                roles         \(text) NOT NULL,          -- comma-separated, sorted
                password_hash \(text) NOT NULL,          -- scrypt$N$r$p$salt$key (base64)
                created_at    \(text) NOT NULL,
                created_by    BIGINT REFERENCES staff(id)
            );

            CREATE TABLE patients (
                id         BIGINT PRIMARY KEY,
                mrn        \(text) NOT NULL UNIQUE,
                name       \(text) NOT NULL,
                dob        \(text) NOT NULL,             -- YYYY-MM-DD
                sex        \(text) NOT NULL CHECK (sex IN ('F', 'M', 'X')),
                created_at \(text) NOT NULL,
                created_by BIGINT NOT NULL REFERENCES staff(id),
                folded     \(text) NOT NULL DEFAULT ''   -- the name folded for case, accents and width
            );
            CREATE INDEX patients_by_name_dob ON patients(name, dob);
            CREATE INDEX patients_by_dob ON patients(dob);

            CREATE TABLE visits (
                id         BIGINT PRIMARY KEY,
                patient_id BIGINT NOT NULL REFERENCES patients(id),
                kind       \(text) NOT NULL CHECK (kind IN ('infusion', 'consult', 'follow-up')),
                started_at \(text) NOT NULL,
                started_by BIGINT NOT NULL REFERENCES staff(id),
                ended_at   \(text),
                ended_by   BIGINT REFERENCES staff(id)
            );
            CREATE INDEX visits_by_patient ON visits(patient_id);

            -- Every id is given by the program under the write lock, the last one's plus one, as
            -- SQLite gives them: a command rolled back leaves no gap, so the same commands give the
            -- same ids, and the same chain, on either backend.

            -- The clinical record: append-only and hash-chained.
            CREATE TABLE records (
                id               BIGINT PRIMARY KEY,
                patient_id       BIGINT NOT NULL REFERENCES patients(id),
                visit_id         BIGINT REFERENCES visits(id),
                module           \(text) NOT NULL,
                kind             \(text) NOT NULL,
                payload          \(text) NOT NULL,       -- canonical JSON
                effective_at     \(text) NOT NULL,
                recorded_at      \(text) NOT NULL,
                staff_id         BIGINT NOT NULL REFERENCES staff(id),
                protocol_version \(text),
                amends           BIGINT REFERENCES records(id),
                prev_hash        \(text) NOT NULL,
                hash             \(text) NOT NULL UNIQUE,
                protocol_sha256  \(text)
            );
            CREATE INDEX records_by_patient ON records(patient_id, module, kind);
            CREATE INDEX records_by_patient_id ON records(patient_id, id);

            CREATE TABLE journal (
                id         BIGINT PRIMARY KEY,
                session    \(text) NOT NULL,
                staff_id   BIGINT REFERENCES staff(id),
                at         \(text) NOT NULL,
                source     \(text) NOT NULL,
                command    \(text) NOT NULL,
                outcome    \(text) NOT NULL CHECK (outcome IN ('ok', 'error', 'refused', 'cancelled')),
                message    \(text) NOT NULL,
                patient_id BIGINT REFERENCES patients(id),
                visit_id   BIGINT REFERENCES visits(id),
                prev_hash  \(text) NOT NULL,
                hash       \(text) NOT NULL UNIQUE
            );
            CREATE INDEX journal_by_patient ON journal(patient_id);

            CREATE TABLE protocols (
                id         BIGINT PRIMARY KEY,
                sha256     \(text) NOT NULL,
                name       \(text) NOT NULL,
                version    \(text) NOT NULL,
                settings   \(text) NOT NULL,
                adopted_at \(text) NOT NULL,
                adopted_by BIGINT REFERENCES staff(id),
                signature  \(text),
                prev_hash  \(text) NOT NULL,
                hash       \(text) NOT NULL UNIQUE
            );

            CREATE TABLE access (
                id        BIGINT PRIMARY KEY,
                at        \(text) NOT NULL,
                username  \(text) NOT NULL,
                event     \(text) NOT NULL CHECK (event IN ('passed', 'failed', 'refused', 'unlocked')),
                context   \(text) NOT NULL CHECK (context IN ('sign-in', 'signature', 'witness', 'unlock')),
                session   \(text) NOT NULL,
                source    \(text) NOT NULL,
                prev_hash \(text) NOT NULL,
                hash      \(text) NOT NULL UNIQUE
            );
            CREATE INDEX access_by_username ON access(username, id);

            CREATE TABLE changes (
                id        BIGINT PRIMARY KEY,
                at        \(text) NOT NULL,
                staff_id  BIGINT,
                kind      \(text) NOT NULL,
                subject   \(text) NOT NULL,
                payload   \(text) NOT NULL,
                prev_hash \(text) NOT NULL,
                hash      \(text) NOT NULL UNIQUE
            );

            -- rowid: the order the items were stored in, as SQLite's rowid keeps it.
            CREATE TABLE due_items (
                rowid        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                patient_id   BIGINT NOT NULL REFERENCES patients(id),
                module       \(text) NOT NULL,
                what         \(text) NOT NULL,
                at           \(text) NOT NULL,
                shown_from   \(text),
                lapses_after \(text),
                detail       \(text) NOT NULL,
                command      \(text) NOT NULL,
                all_day      BIGINT NOT NULL,
                commands     \(text) NOT NULL
            );
            CREATE INDEX due_items_by_time ON due_items(at);
            CREATE INDEX due_items_by_patient ON due_items(patient_id);

            CREATE TABLE protocol_texts (
                rowid     BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                sha256    \(text) PRIMARY KEY,
                path      \(text) NOT NULL,
                text      \(text) NOT NULL,
                documents \(text) NOT NULL,
                form      \(text) NOT NULL
            );

            -- A change a table's rules refuse, said as a broken rule of the record (SQLSTATE 23514).
            CREATE FUNCTION clinic_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = TG_ARGV[0];
            END $$;

            -- A chain's next entry follows its last: the next id, and the last entry's hash as its
            -- previous hash. An entry that would fork the chain or leave a gap is refused, whoever
            -- inserts it (the program computes both under the write lock).
            CREATE FUNCTION clinic_chain_linked() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                last_id BIGINT;
                last_hash TEXT;
            BEGIN
                EXECUTE format('SELECT id, hash FROM %I ORDER BY id DESC LIMIT 1', TG_TABLE_NAME) INTO last_id, last_hash;
                IF NEW.id IS DISTINCT FROM COALESCE(last_id, 0) + 1
                   OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, repeat('0', 64)) THEN
                    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'an entry must follow the last of its chain';
                END IF;
                -- The changes chain begins by saying what the record is, as its owner made it (only
                -- the changes table has these columns: asked of it alone).
                IF TG_TABLE_NAME = 'changes' THEN
                    IF NEW.id = 1 AND (NEW.kind IS DISTINCT FROM 'database'
                       OR (NEW.payload::jsonb ->> 'mode') IS DISTINCT FROM (SELECT value FROM meta WHERE key = 'mode')) THEN
                        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'the changes chain begins with the record''s mode, as its owner made it';
                    END IF;
                END IF;
                RETURN NEW;
            END $$;

            -- A database stays live or sandbox for life, as its owner made it (clinic db migrate
            -- writes the mode): the program's role never writes it, on a new record either. The
            -- time from which every adoption keeps its protocol's text is written once, before any
            -- adoption (db copy writes its source's first), and never changed.
            CREATE FUNCTION clinic_meta_mode_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    IF NEW.key IN ('mode', 'replayed_from')
                       AND NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
                        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'a database is made live or sandbox by its owner';
                    END IF;
                    IF NEW.key = 'protocol_texts_since' AND EXISTS (SELECT 1 FROM protocols) THEN
                        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'the record keeps its protocol texts from its first adoption';
                    END IF;
                    RETURN NEW;
                END IF;
                IF OLD.key IN ('mode', 'replayed_from', 'protocol_texts_since')
                   OR (TG_OP = 'UPDATE' AND NEW.key IN ('mode', 'replayed_from', 'protocol_texts_since')) THEN
                    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'a database stays live or sandbox for life';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$;

            -- A visit is ended once; nothing else about it ever changes.
            CREATE FUNCTION clinic_visit_end_once() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL OR NEW.ended_by IS NULL
                   OR NEW.id IS DISTINCT FROM OLD.id OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
                   OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.started_at IS DISTINCT FROM OLD.started_at
                   OR NEW.started_by IS DISTINCT FROM OLD.started_by THEN
                    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'a visit is only ever ended, once';
                END IF;
                RETURN NEW;
            END $$;

            -- A member of staff's roles and password change only just after the last entry of the
            -- changes chain says so; what identifies the row never changes.
            CREATE FUNCTION clinic_staff_changed_with_its_entry() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id IS DISTINCT FROM OLD.id OR NEW.username IS DISTINCT FROM OLD.username
                   OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.created_by IS DISTINCT FROM OLD.created_by
                   OR (NEW.roles IS DISTINCT FROM OLD.roles AND NOT EXISTS (
                       SELECT 1 FROM changes WHERE id = (SELECT max(id) FROM changes) AND subject = OLD.username
                       AND kind = 'staff-roles' AND (payload::jsonb ->> 'roles') IS NOT DISTINCT FROM NEW.roles))
                   OR (NEW.password_hash IS DISTINCT FROM OLD.password_hash AND NOT EXISTS (
                       SELECT 1 FROM changes WHERE id = (SELECT max(id) FROM changes) AND subject = OLD.username
                       AND kind = 'staff-password')) THEN
                    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'staff are changed only through the chain';
                END IF;
                RETURN NEW;
            END $$;

            -- A patient's name, date of birth and sex change only just after a correction of their
            -- registration says so; only the folded name may change without one.
            CREATE FUNCTION clinic_patient_corrected_with_its_entry() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id IS DISTINCT FROM OLD.id OR NEW.mrn IS DISTINCT FROM OLD.mrn
                   OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.created_by IS DISTINCT FROM OLD.created_by
                   OR ((NEW.name IS DISTINCT FROM OLD.name OR NEW.dob IS DISTINCT FROM OLD.dob OR NEW.sex IS DISTINCT FROM OLD.sex)
                       AND NOT EXISTS (SELECT 1 FROM records WHERE id = (SELECT max(id) FROM records) AND patient_id = OLD.id
                                       AND module = 'patient' AND kind = 'registered' AND amends IS NOT NULL
                                       AND (payload::jsonb ->> 'name') IS NOT DISTINCT FROM NEW.name
                                       AND (payload::jsonb ->> 'dob') IS NOT DISTINCT FROM NEW.dob
                                       AND (payload::jsonb ->> 'sex') IS NOT DISTINCT FROM NEW.sex)) THEN
                    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'patients are changed only by a correction in the record';
                END IF;
                RETURN NEW;
            END $$;

            -- Every entry is announced, with its patient and kind, to every workstation listening
            -- (sent when its transaction commits): the watch line and the board follow at once. So
            -- is a change of the staff or of the settings kept with the record (a sandbox's clock).
            CREATE FUNCTION clinic_announce() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'records' THEN
                    PERFORM pg_notify('clinic_record', NEW.patient_id::text || ' ' || NEW.kind);
                ELSE
                    PERFORM pg_notify('clinic_record', TG_TABLE_NAME);
                END IF;
                RETURN NULL;
            END $$;

            \(linkedTriggers)
            \(appendOnlyTriggers)
            CREATE TRIGGER records_announced AFTER INSERT ON records
            FOR EACH ROW EXECUTE FUNCTION clinic_announce();
            CREATE TRIGGER changes_announced AFTER INSERT ON changes
            FOR EACH ROW EXECUTE FUNCTION clinic_announce();
            CREATE TRIGGER meta_announced AFTER INSERT OR UPDATE ON meta
            FOR EACH ROW EXECUTE FUNCTION clinic_announce();
            CREATE TRIGGER staff_changed_with_its_entry BEFORE UPDATE ON staff
            FOR EACH ROW EXECUTE FUNCTION clinic_staff_changed_with_its_entry();
            CREATE TRIGGER staff_append_only_delete BEFORE DELETE ON staff
            FOR EACH ROW EXECUTE FUNCTION clinic_refuse('staff are changed only through the chain');
            CREATE TRIGGER staff_never_truncated BEFORE TRUNCATE ON staff
            FOR EACH STATEMENT EXECUTE FUNCTION clinic_refuse('staff are changed only through the chain');
            CREATE TRIGGER patients_corrected_with_their_entry BEFORE UPDATE ON patients
            FOR EACH ROW EXECUTE FUNCTION clinic_patient_corrected_with_its_entry();
            CREATE TRIGGER patients_append_only_delete BEFORE DELETE ON patients
            FOR EACH ROW EXECUTE FUNCTION clinic_refuse('patients are append-only: record a correction instead');
            CREATE TRIGGER patients_never_truncated BEFORE TRUNCATE ON patients
            FOR EACH STATEMENT EXECUTE FUNCTION clinic_refuse('patients are append-only: record a correction instead');
            CREATE TRIGGER visits_end_once BEFORE UPDATE ON visits
            FOR EACH ROW EXECUTE FUNCTION clinic_visit_end_once();
            CREATE TRIGGER visits_append_only_delete BEFORE DELETE ON visits
            FOR EACH ROW EXECUTE FUNCTION clinic_refuse('visits are append-only');
            CREATE TRIGGER visits_never_truncated BEFORE TRUNCATE ON visits
            FOR EACH STATEMENT EXECUTE FUNCTION clinic_refuse('visits are append-only');
            CREATE TRIGGER meta_mode_fixed BEFORE INSERT OR UPDATE OR DELETE ON meta
            FOR EACH ROW EXECUTE FUNCTION clinic_meta_mode_fixed();
            CREATE TRIGGER meta_never_truncated BEFORE TRUNCATE ON meta
            FOR EACH STATEMENT EXECUTE FUNCTION clinic_refuse('a database stays live or sandbox for life');
            """),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The chains: the program's role may read them and append to them, nothing else.
    static let chainTables = ["records", "journal", "protocols", "access", "changes", "protocol_texts"]
    /// The projections the chain allows to change (a visit ended, a correction, a role): read,
    /// added to and updated, never deleted (their triggers hold what an update may change).
    static let projectionTables = ["staff", "patients", "visits", "meta"]

    // MARK: - Migrating, as the schema's owner

    /// What `clinic db migrate` did.
    package struct MigrationReport: Sendable, Equatable {
        package var location: String
        package var from: Int
        package var to: Int
        package var granted: String?
        /// Whether the record is a sandbox (training, demos, tests) rather than a clinic's live record.
        package var isSandbox: Bool
    }

    /// Brings the schema at `address` up to date as the role the address names (which owns it),
    /// and grants `role` (the one the program connects as) what it needs and no more. A new record
    /// is made live, or with `sandbox` a sandbox, for life: its owner decides, never the first
    /// program to open it.
    package static func migrate(address: String, grant role: String?, sandbox: Bool = false, now: Date) throws -> MigrationReport {
        let owner = try PostgresDatabase(address: address)
        if let role {
            guard role.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                throw StoreError.unusable("'\(role)' is not a role name the program grants to (lower-case letters, digits and _)")
            }
            let me = try owner.query("SELECT current_user::text").first?.first?.text ?? ""
            guard me != role else {
                throw StoreError.unusable("clinic db migrate runs as the schema's owner (here \(role)) and grants another role, the one the program connects as: give --db postgres://OWNER@HOST/DATABASE --grant \(role == "clinic_app" ? "clinic_app" : "ROLE"), OWNER not \(role)")
            }
            guard let granted = try owner.query("SELECT rolsuper, pg_has_role(?, current_user, 'USAGE') FROM pg_roles WHERE rolname = ?", [.text(role), .text(role)]).first else {
                throw StoreError.unusable("there is no role \(role) on the server: CREATE ROLE \(role) LOGIN as its administrator, then migrate again")
            }
            // A superuser, or a member of the owner's role, steps around the rules whatever is granted.
            guard granted.first != .int(1), granted.last != .int(1) else {
                throw StoreError.unusable("\(role) is a superuser or a member of the schema's owner (\(me)), whose rights step around the record's rules; grant a role with no other rights, such as clinic_app")
            }
        }
        let from = try owner.transaction { () throws -> Int in
            let exists = try owner.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.first == .int(1)
            if !exists {
                try owner.execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            }
            let applied = Int(try owner.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0)
            if applied > latestVersion { throw StoreError.newerSchema(found: applied, supported: latestVersion) }
            for migration in migrations where migration.version > applied {
                try owner.execute(migration.sql)
                try owner.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                                [.int(Int64(migration.version)), .text(migration.name), .text(Timestamp.string(now))])
            }
            // A record already begun says in its chain what it is; a mode taken out of the table is
            // put back as the chain says, never as asked.
            let chained = try owner.query("SELECT payload FROM changes WHERE id = 1 AND kind = 'database'").first?.first?.text
                .flatMap { try? Value(json: $0) }?["mode"]?.stringValue
            switch try owner.query("SELECT value FROM meta WHERE key = 'mode'").first?.first?.text ?? chained {
            case nil:
                try owner.query("INSERT INTO meta (key, value) VALUES ('mode', ?)", [.text(sandbox ? "sandbox" : "live")])
                // No patient, so nothing falls due: what the due items hold is right on any basis.
                try owner.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                                [.text(RecordStores.dueBasisKey), .text(RecordStores.anyDueBasis)])
            case "live" where sandbox:
                throw StoreError.unusable("the record on \(owner.location) is live; --sandbox makes a new database a sandbox: migrate another, new database with --sandbox")
            case let mode?:
                if try owner.query("SELECT 1 FROM meta WHERE key = 'mode'").isEmpty {
                    try owner.query("INSERT INTO meta (key, value) VALUES ('mode', ?)", [.text(mode)])
                }
            }
            if let role {
                let quoted = "\"\(role)\""
                try owner.execute("""
                    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
                    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM \(quoted);
                    GRANT USAGE ON SCHEMA public TO \(quoted);
                    GRANT SELECT, INSERT ON \(chainTables.joined(separator: ", ")) TO \(quoted);
                    GRANT SELECT, INSERT, UPDATE ON \(projectionTables.joined(separator: ", ")) TO \(quoted);
                    GRANT SELECT, INSERT, DELETE ON due_items TO \(quoted);
                    GRANT SELECT ON schema_migrations TO \(quoted);
                    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(quoted);
                    """)
            }
            return applied
        }
        let mode = try owner.query("SELECT value FROM meta WHERE key = 'mode'").first?.first?.text
        return MigrationReport(location: owner.location, from: from, to: latestVersion, granted: role, isSandbox: mode == "sandbox")
    }

    // MARK: - Opening, as the program's role

    /// Refuses a server record the program may not use: no schema yet, another version, or a
    /// connection as a role whose rights step around the record's rules (the owner, a superuser).
    static func checkReady(_ db: PostgresDatabase) throws {
        try checkSchema(db)
        try checkRole(db)
    }

    /// Refuses a server database without the clinic's schema, or with another version of it.
    static func checkSchema(_ db: PostgresDatabase) throws {
        guard try db.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.first == .int(1) else {
            throw StoreError.unusable("the PostgreSQL database \(db.location) holds no clinic record yet: its owner makes it with clinic db migrate --db postgres://OWNER@HOST/DATABASE --grant ROLE (the role the program connects as)")
        }
        let version = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0)
        if version > latestVersion { throw StoreError.newerSchema(found: version, supported: latestVersion) }
        guard version == latestVersion else {
            throw StoreError.unusable("the record on \(db.location) has schema version \(version), this program needs \(latestVersion): its owner runs clinic db migrate --db postgres://OWNER@HOST/DATABASE")
        }
    }

    /// Refuses a connection as a role whose rights step around the record's rules.
    static func checkRole(_ db: PostgresDatabase) throws {
        let row = try db.query("""
            SELECT r.rolsuper, pg_has_role(current_user, c.relowner, 'USAGE'), has_table_privilege('records', 'UPDATE') OR has_table_privilege('records', 'DELETE')
                   OR has_table_privilege('records', 'TRUNCATE')
            FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'records'::regclass
            """).first ?? []
        if row.first == .int(1) || row.dropFirst().first == .int(1) || row.last == .int(1) {
            throw StoreError.unusable("the program connects to \(db.location) as a role that may change or remove entries (the schema's owner or a superuser); connect as the role clinic db migrate --grant made, which may only read and append")
        }
    }

    /// Refuses a connection that is not the schema's owner's (`clinic admin unlock` on a server).
    static func checkOwner(_ db: PostgresDatabase) throws {
        guard try db.query("SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = 'records'::regclass").first?.first == .int(1) else {
            throw StoreError.unusable("admin unlock on a server is for the schema's owner: give --db postgres://OWNER@HOST/DATABASE (the role clinic db migrate ran as)")
        }
    }

    // MARK: - Triggers, for audit verify

    /// Every trigger the migrations make, by name: its table, the function it runs and that
    /// function's body (whitespace folded), as ``triggerText(table:enabled:function:body:)`` says it.
    static var triggers: [String: String] {
        var bodies: [String: String] = [:]
        var out: [String: String] = [:]
        for migration in migrations {
            for part in migration.sql.components(separatedBy: "CREATE FUNCTION ").dropFirst() {
                guard let name = part.split(separator: "(").first, let start = part.range(of: "$$"),
                      let end = part.range(of: "$$", range: start.upperBound..<part.endIndex) else { continue }
                bodies[String(name)] = String(part[start.upperBound..<end.lowerBound])
            }
            for part in migration.sql.components(separatedBy: "CREATE TRIGGER ").dropFirst() {
                let words = part.split(whereSeparator: \.isWhitespace)
                guard let name = words.first, let on = words.firstIndex(of: "ON"), on + 1 < words.count,
                      let function = words.firstIndex(of: "FUNCTION").map({ words[$0 + 1].split(separator: "(").first.map(String.init) ?? "" })
                else { continue }
                out[String(name)] = triggerText(table: String(words[on + 1]), enabled: "O", function: function, body: bodies[function] ?? "")
            }
        }
        return out
    }

    /// One trigger as `audit verify` compares it.
    static func triggerText(table: String, enabled: String, function: String, body: String) -> String {
        "on \(table)\(enabled == "O" ? "" : " (disabled)") runs \(function): \(Schema.folded(body))"
    }
}
