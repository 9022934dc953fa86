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

    /// Until the record is kept on a server, an address given as the database is refused, not
    /// taken for a file's name, and its password is not repeated.
    @Test func anAddressIsNotTakenForAFile() {
        let address = "postgres://clinic:s3cret@db.example/clinic"
        #expect(throws: StoreError.noServerYet("clinic@db.example/clinic")) { try RecordStores.open(address, now: Date()) }
        #expect(throws: StoreError.self) { try RecordStores.openToVerify(address) }
        #expect(!FileManager.default.fileExists(atPath: "postgres:"))
        #expect(!StoreError.noServerYet("clinic@db.example/clinic").description.contains("s3cret"))
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
