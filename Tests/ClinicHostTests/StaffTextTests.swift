import ClinicKit
import Foundation
@testable import ClinicEngine
@testable import ClinicStorage
import Testing

/// Every error reaches staff as one line of what it means, never as a database's or the runtime's text.
@Suite struct StaffTextTests {
    @Test func aRecordLockedByAnotherWorkstationIsBusyNotSQLiteText() throws {
        let path = StoreTests.temporaryPath()
        let (store, _) = try StoreTests().makeStore(path)
        // It waits for the other writer a while (saying so once a second has passed), then gives up.
        store.db.longestWait = 1.5
        var noticed = 0
        store.onWait = { noticed += 1 }
        let other = try Database(path: path)
        try other.execute("BEGIN IMMEDIATE")
        defer { try? other.execute("ROLLBACK") }
        var thrown: (any Error)?
        do {
            _ = try store.addPatient(mrn: "BAR-002", name: "Ann", dob: "1980-01-01", sex: .female,
                                     at: Timestamp.date("2026-11-24T09:05:00.000Z")!, by: 1)
        } catch { thrown = error }
        let error = try #require(thrown)
        #expect(error is DatabaseError)
        let text = CommandError(describing: error).description
        #expect(text == "the record is busy: another workstation is writing to it; nothing was recorded; try again in a moment")
        #expect(noticed == 1)
    }

    @Test func eachDatabaseFailureSaysWhatItMeansForTheRecord() {
        func said(_ code: Int32) -> String {
            CommandError(describing: DatabaseError(code: code, message: "UNIQUE constraint failed: records.id", operation: "running INSERT INTO records")).description
        }
        #expect(said(2067).hasPrefix("the record refused the entry"))   // SQLITE_CONSTRAINT_UNIQUE
        #expect(said(13).hasPrefix("the disk that holds the record is full"))
        #expect(said(8).hasPrefix("the record cannot be written from here"))
        #expect(said(11).hasPrefix("the record could not be read or written (database error 11)"))
        for code: Int32 in [5, 6, 8, 11, 13, 19, 2067, 1811] {
            #expect(!said(code).contains("INSERT") && !said(code).contains("constraint failed"), "code \(code)")
        }
    }

    @Test func filesAndForeignErrorsAreNamedNotDumped() {
        #expect(CommandError.reason(CocoaError(.fileWriteNoPermission)) == "permission denied")
        #expect(CommandError.reason(CocoaError(.fileWriteOutOfSpace)) == "the disk is full")
        struct Odd: Error { var secret = "Zoë Ålvarez" }
        let text = CommandError(describing: Odd()).description
        #expect(text.contains("nothing of it was recorded") && !text.contains("Zoë"))
        // The program's own errors keep the words they were written with; a refusal stays itself.
        #expect(CommandError(describing: StoreError.duplicateMRN("BAR-001")).message == "MRN BAR-001 already belongs to another patient")
        let refusal = CommandError("needs consent.signed", hint: "run consent sign first", kind: .refused)
        #expect(CommandError(describing: refusal) == refusal)
    }
}
