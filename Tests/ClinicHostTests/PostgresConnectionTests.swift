import ClinicEngine
import ClinicKit
import ClinicTestSupport
import Foundation
import Testing
@testable import ClinicStorage

/// The connection to a clinic's PostgreSQL server (issue 23's first step): values sent apart from
/// the statement and read back by type, and every failure said in one line of the clinic's words,
/// never the server's, against a real server of the test's own.
@Suite struct PostgresConnectionTests {
    @Test func addressesAreReadWithoutTheirPasswords() {
        #expect(PostgresAddress.names("postgres://clinic@db.example/clinic") && PostgresAddress.names("postgresql://x/y"))
        #expect(!PostgresAddress.names("/var/lib/clinic/clinic.sqlite") && !PostgresAddress.names("postgres.sqlite"))
        #expect(PostgresAddress("postgres://clinic@db.example:5433/riverside?sslmode=verify-full")?.location == "clinic@db.example:5433/riverside")
        #expect(PostgresAddress("postgresql:///clinic?host=/run/postgresql&port=5433&user=nora")?.location == "nora@/run/postgresql:5433/clinic")
        #expect(PostgresAddress("postgres://clinic:s3cret@db/clinic")?.hasPassword == true)
        #expect(PostgresAddress("postgres://clinic@db/clinic?password=s3cret")?.hasPassword == true)
        #expect(!PostgresAddress.redacted("postgres://clinic:s3cret@db/clinic").contains("s3cret"))
        #expect(throws: PostgresError.self) { try PostgresConnection(address: "postgres://clinic:s3cret@db/clinic") }
        do { _ = try PostgresConnection(address: "postgres://clinic:s3cret@db/clinic") } catch {
            #expect(!error.description.contains("s3cret") && error.problem.hasPrefix("the address holds a password"))
        }
    }

    /// An address given as the database is never taken for a file's name, and a password in it
    /// is refused without being repeated.
    @Test func anAddressIsNotTakenForAFile() {
        let address = "postgres://clinic:s3cret@db.example/clinic"
        do {
            _ = try RecordStores.open(address, now: Date())
            Issue.record("an address with a password was used")
        } catch {
            #expect("\(error)".hasPrefix("the address holds a password") && !"\(error)".contains("s3cret"), "\(error)")
        }
        #expect(throws: PostgresError.self) { try RecordStores.openToVerify(address) }
        #expect(!FileManager.default.fileExists(atPath: "postgres:"))
    }

    @Test func statementsAreNumberedForTheServer() {
        #expect(PostgresDatabase.numbered("SELECT ? + ?") == "SELECT $1 + $2")
        #expect(PostgresDatabase.numbered("WHERE a = ?1 AND (?2 IS NULL OR b = ?2) LIMIT ?3") == "WHERE a = $1 AND ($2 IS NULL OR b = $2) LIMIT $3")
        #expect(PostgresDatabase.numbered("SELECT '?', \"a?\", ?") == "SELECT '?', \"a?\", $1")
    }

    @Test func valuesGoApartAndFailuresAreSaidInOneLine() throws {
        let server = try PostgresServer()
        let db = try PostgresConnection(address: server.address())
        #expect(db.serverVersion >= 120_000)
        // Sent apart from the statement: a quote or a semicolon in a value is only text.
        let tricky = "Zoë O'Brien\"; DROP TABLE x; --"
        let row = try db.query("SELECT $1::int8 + 1, $2::text, $3::float8, $4::text, true, 2.5::numeric", [.int(41), .text(tricky), .double(36.8), .null])
        #expect(row == [[.int(42), .text(tricky), .double(36.8), .null, .int(1), .double(2.5)]])
        try db.execute("CREATE TABLE t (id int8 PRIMARY KEY, note text NOT NULL)")
        #expect(try db.query("INSERT INTO t VALUES ($1, $2)", [.int(1), .text("first")]).isEmpty)
        // A constraint: the rule broken, never the server's own text.
        do {
            _ = try db.query("INSERT INTO t VALUES ($1, $2)", [.int(1), .text("again")])
            Issue.record("a duplicate key was taken")
        } catch {
            #expect(error.sqlState == "23505")
            #expect(error.problem.hasPrefix("the record refused the entry") && !error.description.contains("duplicate key"), "\(error)")
        }
        do {
            _ = try db.query("SELECT * FROM no_such_table")
            Issue.record("a missing table was read")
        } catch {
            #expect(error.sqlState == "42P01" && !error.description.contains("no_such_table"), "\(error)")
        }
        // No such database, or no such user: said as such, the server's message not shown.
        for (address, problem) in [(server.address("nowhere"), "no such database on the server"), (server.address(user: "mallory"), "no such user on the server")] {
            do {
                _ = try PostgresConnection(address: address)
                Issue.record("connected to \(address)")
            } catch {
                #expect(error.problem.hasSuffix(problem), "\(error)")
                #expect(!error.description.contains("FATAL"))
            }
        }
        // The server gone: the connection is lost, said in one line.
        try server.program("pg_ctl", ["-D", server.folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        do {
            _ = try db.query("SELECT 1")
            Issue.record("a stopped server answered")
        } catch {
            #expect(error.sqlState == "08006" && error.problem.hasPrefix("the connection to the PostgreSQL server at"), "\(error)")
        }
        #expect(!db.isConnected)
    }
}

/// The record kept on a PostgreSQL server: the schema made by its owner, the program's role able
/// only to read and append, and the chains the same as SQLite's for the same entries.
@Suite struct PostgresRecordTests {
    @Test func theProgramsRoleMayOnlyReadAndAppend() throws {
        let address = try PostgresServer.shared.newRecord()
        let store = try #require(try RecordStores.open(address, now: Date()) as? SQLStore)
        let nurse = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "scrypt$x", at: Date(), by: nil)
        let patient = try store.addPatient(mrn: "P-1", name: "Zoë O'Brien", dob: "1980-01-01", sex: .female, at: Date(), by: nurse.id)
        _ = try store.appendRecord(patientID: patient.id, visitID: nil, module: "intake", kind: "intake", payload: .object(["weight_kg": .double(70)]),
                                   effectiveAt: Date(), recordedAt: Date(), staffID: nurse.id, protocolVersion: nil, protocolSHA256: nil, amends: nil)
        #expect(try store.verifyRecords().firstBreak == nil && store.verifyChanges().firstBreak == nil)
        // The patient was added without their registration entry: the one difference verify finds.
        #expect(try store.projectionDifferences() == ["patient P-1 (#1): in the table, not in the chain (inserted behind the program's back)"])
        #expect(try store.patients(matching: "zoe o'brien").map(\.mrn) == ["P-1"])
        #expect(try store.patients(matching: "p-1").map(\.mrn) == ["P-1"])
        // No privilege to change or remove an entry, whatever the triggers say.
        for sql in ["UPDATE records SET payload = '{}'", "DELETE FROM records", "TRUNCATE records", "DELETE FROM journal", "UPDATE access SET username = 'x'",
                    "DROP TRIGGER records_append_only ON records"] {
            do {
                try store.db.execute(sql)
                Issue.record("\(sql) was allowed")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501" || error.sqlState == "42P01" || error.sqlState?.hasPrefix("23") == true, "\(sql): \(error)")
                #expect(!error.description.contains("permission denied"))
            }
        }
        // A projection changed the way the chain does not allow is refused by its trigger.
        #expect(throws: PostgresError.self) { try store.db.execute("UPDATE patients SET name = 'Someone Else'") }
        #expect(try store.patient(mrn: "P-1")?.name == "Zoë O'Brien")
    }

    @Test func theSchemasOwnerIsNotThePrograms() throws {
        let address = try PostgresServer.shared.newRecord()
        let owner = address.replacingOccurrences(of: "user=\(PostgresServer.program)", with: "user=\(PostgresServer.owner)")
        do {
            _ = try RecordStores.open(owner, now: Date())
            Issue.record("the program ran as the schema's owner")
        } catch {
            #expect("\(error)".contains("the schema's owner or a superuser"), "\(error)")
        }
        #expect(throws: StoreError.self) { try PostgresSchema.migrate(address: owner, grant: PostgresServer.owner, now: Date()) }
        // Migrating again changes nothing and says from which version.
        #expect(try PostgresSchema.migrate(address: owner, grant: PostgresServer.program, now: Date()).from == Schema.latestVersion)
        #expect(PostgresSchema.latestVersion == Schema.latestVersion)
    }

    /// A record is made live or a sandbox by its owner, with its schema (`clinic db migrate
    /// [--sandbox]`), for life: the program's role never writes the mode, on a new record either,
    /// and a live record is never opened or migrated as a sandbox.
    @Test func theOwnerMakesARecordLiveOrASandbox() throws {
        let live = try PostgresServer.shared.newRecord()
        #expect(try !RecordStores.open(live, now: Date()).isSandbox)
        do {
            _ = try RecordStores.open(live, now: Date(), sandbox: true)
            Issue.record("a live record opened as a sandbox")
        } catch {
            #expect("\(error)".contains("is live; --sandbox opens only a sandbox"), "\(error)")
        }
        let sandbox = try PostgresServer.shared.newRecord(sandbox: true)
        #expect(try RecordStores.open(sandbox, now: Date()).isSandbox)
        let app = try PostgresDatabase(address: sandbox)
        try app.execute("INSERT INTO meta (key, value) VALUES ('Mode', 'sandbox')")
        for sql in ["UPDATE meta SET value = 'live' WHERE key = 'mode'", "DELETE FROM meta WHERE key = 'mode'",
                    "INSERT INTO meta (key, value) VALUES ('replayed_from', 'day.clinic')", "UPDATE meta SET key = 'replayed_from' WHERE key = 'Mode'",
                    "UPDATE meta SET key = 'mode' WHERE key = 'Mode'"] {
            #expect(throws: PostgresError.self, "\(sql)") { try app.execute(sql) }
        }
        // A new record's chain begins with the mode its owner made, whoever writes the entry.
        let fresh = try PostgresDatabase(address: try PostgresServer.shared.newRecord())
        #expect(throws: PostgresError.self) {
            try fresh.execute("INSERT INTO changes (id, at, staff_id, kind, subject, payload, prev_hash, hash) VALUES (1, '2026-12-02T09:00:00.000Z', NULL, 'database', 'database', '{\"mode\":\"sandbox\"}', '\(HashChain.genesis)', 'x')")
        }
        let owner = live.replacingOccurrences(of: "user=\(PostgresServer.program)", with: "user=\(PostgresServer.owner)")
        #expect(try PostgresSchema.migrate(address: owner, grant: PostgresServer.program, now: Date()).isSandbox == false)
        #expect(throws: StoreError.self) { try PostgresSchema.migrate(address: owner, grant: PostgresServer.program, sandbox: true, now: Date()) }
        // A replay is made into a new file, never into a server's record.
        #expect(throws: StoreError.self) { try RecordStores.open(sandbox, now: Date(), replayOf: "day.clinic") }
        // A mode taken out of the table behind the program's back is put back as the chain says,
        // never as asked; and a role with the owner's or a superuser's rights is never granted.
        let name = String(try #require(URLComponents(string: live)?.path.dropFirst()))
        try PostgresServer.shared.psql("SET session_replication_role = replica; DELETE FROM meta WHERE key = 'mode'", database: name)
        #expect(throws: StoreError.self) { try PostgresSchema.migrate(address: owner, grant: PostgresServer.program, sandbox: true, now: Date()) }
        #expect(try PostgresSchema.migrate(address: owner, grant: PostgresServer.program, now: Date()).isSandbox == false)
        #expect(try !RecordStores.open(live, now: Date()).isSandbox)
        for role in [PostgresServer.shared.user, PostgresServer.owner] {
            do {
                _ = try PostgresSchema.migrate(address: owner, grant: role, now: Date())
                Issue.record("granted \(role)")
            } catch {
                #expect("\(error)".contains(role == PostgresServer.owner ? "runs as the schema's owner" : "is a superuser or a member of the schema's owner"), "\(error)")
            }
        }
    }

    /// The same entries give the same chain heads on SQLite and on the server.
    @Test func theSameEntriesGiveTheSameChain() throws {
        let now = Date(timeIntervalSince1970: 1_795_510_800)
        var heads: [[String?]] = []
        for location in [":memory:", try PostgresServer.shared.newRecord(sandbox: true)] {
            let store = try RecordStores.open(location, now: now, sandbox: true)
            let nurse = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "scrypt$x", at: now, by: nil)
            let patient = try store.addPatient(mrn: "P-1", name: "Ana", dob: "1980-01-01", sex: .female, at: now, by: nurse.id)
            try store.transaction {
                for n in 0..<5 {
                    _ = try store.appendRecord(patientID: patient.id, visitID: nil, module: "intake", kind: "intake", payload: .object(["n": .int(n), "x": .double(1.5)]),
                                               effectiveAt: now, recordedAt: now, staffID: nurse.id, protocolVersion: "v", protocolSHA256: nil, amends: nil)
                }
            }
            try store.appendJournal(JournalEntry(session: "s", staffID: nurse.id, at: now, source: "t", command: "intake", outcome: "ok", message: "",
                                                 patientID: patient.id, visitID: nil))
            heads.append(try HashChain.tables.map { try store.chainHash($0, at: store.chainLength($0)) })
        }
        #expect(heads[0] == heads[1])
    }
}

/// The server failing under the program: restarted in the middle of a transaction, a connection
/// cut, a standby written to. Each has a server of its own, which it stops.
@Suite struct PostgresFailureTests {
    let now = Date(timeIntervalSince1970: 1_795_510_800)

    func staffAndPatient(_ store: any RecordStore) throws -> (StaffInfo, PatientInfo) {
        let nurse = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "scrypt$x", at: now, by: nil)
        return (nurse, try store.addPatient(mrn: "P-1", name: "Ana", dob: "1980-01-01", sex: .female, at: now, by: nurse.id))
    }

    func append(_ store: any RecordStore, _ nurse: StaffInfo, _ patient: PatientInfo, _ n: Int) throws {
        _ = try store.appendRecord(patientID: patient.id, visitID: nil, module: "monitoring", kind: "vitals", payload: .object(["n": .int(n)]),
                                   effectiveAt: now, recordedAt: now, staffID: nurse.id, protocolVersion: nil, protocolSHA256: nil, amends: nil)
    }

    /// A restart in the middle of a script's transaction: the transaction is lost whole and the
    /// failure says so; the next command connects again, which is said once, and works.
    @Test func aRestartLosesTheTransactionWholeAndTheNextCommandReconnects() throws {
        let server = try PostgresServer()
        let store = try RecordStores.open(try server.newRecord(sandbox: true), now: now, sandbox: true)
        var notes: [String] = []
        store.onReconnect = { notes.append($0) }
        let (nurse, patient) = try staffAndPatient(store)
        try append(store, nurse, patient, 0)
        do {
            try store.transaction {
                try append(store, nurse, patient, 1)
                try append(store, nurse, patient, 2)
                try server.restart()
                try append(store, nurse, patient, 3)
            }
            Issue.record("a transaction outlived the server's restart")
        } catch {
            let line = CommandError(describing: error)
            #expect(line.message.contains("was lost; nothing of the command was recorded"), "\(line)")
            #expect(!line.description.contains("FATAL") && !line.description.contains("terminat"), "\(line)")
        }
        #expect(try store.recordCount() == 1, "nothing of the lost transaction was kept")
        #expect(notes.count == 1 && notes[0].hasSuffix("was lost and is made again"), "\(notes)")
        try append(store, nurse, patient, 4)
        #expect(try store.recordCount() == 2 && store.verifyRecords().firstBreak == nil)
    }

    /// A connection cut while a command writes (the server closing it, as a network cut ends it):
    /// one line, nothing half-written, and the next write works.
    @Test func aCutConnectionWritesNothingHalfWay() throws {
        let server = try PostgresServer()
        let store = try RecordStores.open(try server.newRecord(sandbox: true), now: now, sandbox: true)
        let (nurse, patient) = try staffAndPatient(store)
        #expect(throws: PostgresError.self) {
            try store.transaction {
                try append(store, nurse, patient, 1)
                try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(PostgresServer.program)'")
                try append(store, nurse, patient, 2)
            }
        }
        #expect(try store.recordCount() == 0)
        try append(store, nurse, patient, 3)
        #expect(try store.recordCount() == 1 && store.verifyRecords().firstBreak == nil)
    }

    /// A standby follows the primary and reads (audit verify, db status), but the program does
    /// not write to it: it says, in one line, that it is a standby.
    @Test func aStandbyReadsAndRefusesWrites() throws {
        let primary = try PostgresServer()
        let address = try primary.newRecord(sandbox: true)
        let store = try RecordStores.open(address, now: now, sandbox: true)
        let (nurse, patient) = try staffAndPatient(store)
        try append(store, nurse, patient, 1)
        let standby = try PostgresServer(standbyOf: primary)
        let database = try #require(URLComponents(string: address)?.path.dropFirst())
        let onStandby = standby.address(String(database), user: PostgresServer.program)
        do {
            _ = try RecordStores.open(onStandby, now: now, sandbox: true)
            Issue.record("the program opened a standby to write")
        } catch {
            #expect(CommandError(describing: error).message.contains("is a read-only standby; nothing was recorded"), "\(error)")
        }
        try append(store, nurse, patient, 2)
        let reader = try RecordStores.openToVerify(onStandby)
        var length: Int64 = 0
        for _ in 0..<100 where length < 2 {
            length = try reader.chainLength("records")
            if length < 2 { usleep(50_000) }
        }
        #expect(length == 2, "the standby follows the primary")
        #expect(try reader.verifyRecords().firstBreak == nil && reader.chainHash("records", at: 2) == store.chainHash("records", at: 2))
    }
}

/// A server that asks for a password: none in ~/.pgpass is said as such (for the program to ask
/// at a terminal), one typed is used and kept only in memory, a wrong one is refused in one line.
@Suite struct PostgresPasswordTests {
    @Test func aPasswordTheServerAsksForIsGivenApartFromTheAddress() throws {
        let server = try PostgresServer()
        let address = try server.newRecord()
        try server.psql("ALTER ROLE \(PostgresServer.program) PASSWORD 'app-secret-1'")
        let hba = server.folder.appendingPathComponent("data/pg_hba.conf")
        let rules = "local all \(PostgresServer.program) scram-sha-256\n" + (try String(contentsOf: hba, encoding: .utf8))
        try rules.write(to: hba, atomically: false, encoding: .utf8)
        try server.program("pg_ctl", ["-D", server.folder.appendingPathComponent("data").path, "reload"])
        usleep(300_000)
        let environment = ProcessInfo.processInfo.environment
        #expect(environment["PGPASSWORD"] == nil && environment["PGPASSFILE"] == nil)
        do {
            _ = try RecordStores.open(address, now: Date())
            Issue.record("connected without a password")
        } catch let error as PostgresError {
            #expect(error.needsPassword && error.problem.hasSuffix("asks for a password and none is in ~/.pgpass"), "\(error)")
        }
        do {
            _ = try RecordStores.open(address, now: Date(), password: "wrong-one")
            Issue.record("connected with a wrong password")
        } catch let error as PostgresError {
            #expect(!error.needsPassword && error.problem.hasSuffix("the server refused the sign-in") && !error.description.contains("wrong-one"), "\(error)")
        }
        let store = try RecordStores.open(address, now: Date(), password: "app-secret-1")
        #expect(try store.staffCount() == 0)
    }
}

/// What an independent tester found, held: the chain's links kept by the server, a forged entry
/// trusting no account, addresses never taken for files nor repeated with their passwords, and
/// every wait on the server bounded and stoppable.
@Suite struct PostgresHardeningTests {
    let now = Date(timeIntervalSince1970: 1_795_510_800)

    @Test func anEntryThatWouldForkTheChainIsRefusedByTheServer() throws {
        let address = try PostgresServer.shared.newRecord()
        let store = try #require(try RecordStores.open(address, now: now) as? SQLStore)
        _ = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "scrypt$x", at: now, by: nil)
        let last = try store.chainLength("changes")
        for (id, previous) in [(last, "ab"), (last + 1, "ab"), (last + 2, try store.chainHash("changes", at: last) ?? "")] {
            do {
                try store.db.query("INSERT INTO changes (id, at, staff_id, kind, subject, payload, prev_hash, hash) VALUES (?, ?, 1, 'staff-roles', 'nora', '{}', ?, 'ff')",
                                   [.int(id), .text("2026-12-02T13:00:00.000Z"), .text(previous)])
                Issue.record("entry #\(id) after #\(last) with previous \(previous) was taken")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23514" || error.sqlState == "23505", "\(error)")
            }
        }
    }

    /// An entry appended to the changes chain by hand (the program's database user may append),
    /// linked but not hashed as the program hashes: no account is trusted from the chain.
    @Test func aForgedRoleIsNotTrusted() throws {
        let address = try PostgresServer.shared.newRecord()
        let store = try #require(try RecordStores.open(address, now: now) as? SQLStore)
        _ = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "scrypt$x", at: now, by: nil)
        #expect(try store.account("nora")?.info.roles == [.nurse])
        let last = try store.chainLength("changes")
        try store.db.query("INSERT INTO changes (id, at, staff_id, kind, subject, payload, prev_hash, hash) VALUES (?, ?, 1, 'staff-roles', 'nora', ?, ?, ?)",
                           [.int(last + 1), .text("2026-12-02T13:00:00.000Z"), .text("{\"roles\":\"admin\"}"), .text(try store.chainHash("changes", at: last) ?? ""),
                            .text(String(repeating: "f", count: 64))])
        try store.db.query("UPDATE staff SET roles = 'admin' WHERE username = 'nora'")
        #expect(throws: StoreError.changesBroken(last + 1)) { try store.account("nora") }
    }

    @Test func otherAddressesAreNeitherFilesNorRepeated() throws {
        for typo in ["postgress://clinic_app@/t7?host=/tmp", "mysql://x@db/clinic", "postgresql:/t7", "pgsql://db/clinic"] {
            #expect(throws: StoreError.self) { try RecordStores.open(typo, now: now) }
            #expect(throws: StoreError.self) { try RecordStores.openToVerify(typo) }
        }
        for made in ["postgress:", "mysql:", "postgresql:", "pgsql:"] { #expect(!FileManager.default.fileExists(atPath: made), "no file was made") }
        #expect(PostgresAddress.names("POSTGRESQL://db/clinic") && PostgresAddress("PostgreSQL://nora@db/clinic")?.location == "nora@db/clinic")
        for address in ["postgresql://u:SeCrEt1@db/c", "postgresql://u@db/c?password=SeCrEt1", "postgres://u@db/c?sslmode=require&PASSWORD=SeCrEt1"] {
            #expect(!PostgresAddress.display(address).contains("SeCrEt1") && !PostgresAddress.redacted(address).contains("SeCrEt1"), "\(address)")
            #expect(PostgresAddress(address)?.hasPassword == true)
        }
    }

    @Test func anAddressSettingTheClientDoesNotTakeIsSaidSo() {
        for address in ["postgresql:///x?host=/nonexistent&foo=bar", "postgresql:///x?host=/nonexistent&sslmode=bogus"] {
            do {
                _ = try PostgresConnection(address: address)
                Issue.record("connected to \(address)")
            } catch {
                #expect(error.problem.hasSuffix("the address has a setting the client library does not take"), "\(address): \(error)")
            }
        }
    }

    @Test func aPasswordFileOthersMayReadIsRefusedInOneLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        try "*:*:*:*:x\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o644)
        // Read through the environment it is given: the process's own is never changed under other tests.
        let problem = try #require(PostgresConnection.passwordFileProblem(["PGPASSFILE": file]))
        #expect(problem.problem.hasSuffix("is open to other users, so it is not used: it holds passwords") && problem.hint.hasPrefix("chmod 600"), "\(problem)")
        chmod(file, 0o600)
        #expect(PostgresConnection.passwordFileProblem(["PGPASSFILE": file]) == nil)
    }

    /// A statement waiting on a lock another session holds: said after a second, given up after
    /// the longest wait, stopped at once when asked; nothing is recorded.
    @Test func aWaitOnTheServerIsBoundedAndStoppable() throws {
        let address = try PostgresServer.shared.newRecord(sandbox: true)
        let store = try RecordStores.open(address, now: now, sandbox: true)
        let nurse = try store.addStaff(username: "nora", roles: [.nurse], passwordHash: "scrypt$x", at: now, by: nil)
        let name = String(try #require(URLComponents(string: address)?.path.dropFirst()))
        let other = try PostgresConnection(address: PostgresServer.shared.address(name))
        try other.execute("BEGIN; LOCK TABLE patients IN ACCESS EXCLUSIVE MODE")
        var waits = 0
        store.onWait = { waits += 1 }
        (store as? SQLStore)?.db.longestWait = 2
        let started = Date()
        do {
            _ = try store.addPatient(mrn: "P-1", name: "Ana", dob: "1980-01-01", sex: .female, at: now, by: nurse.id)
            Issue.record("written past another session's lock")
        } catch {
            #expect(CommandError(describing: error).message.hasSuffix("did not answer in 2 s; nothing of the command was recorded"), "\(error)")
        }
        #expect(waits >= 1 && Date().timeIntervalSince(started) < 10)
        store.shouldStopWaiting = { true }
        do {
            _ = try store.addPatient(mrn: "P-1", name: "Ana", dob: "1980-01-01", sex: .female, at: now, by: nurse.id)
            Issue.record("written past another session's lock")
        } catch {
            #expect(CommandError(describing: error).message.hasPrefix("stopped while waiting"), "\(error)")
        }
        store.shouldStopWaiting = nil
        try other.execute("ROLLBACK")
        _ = try store.addPatient(mrn: "P-1", name: "Ana", dob: "1980-01-01", sex: .female, at: now, by: nurse.id)
        #expect(try store.count(.patients) == 1)
    }
}
