import ClinicKit
import ClinicStorage
import Foundation

/// Every error staff may see, as one line they can act on. This is the one place an error becomes
/// words: a database's or the runtime's own text never reaches the screen, the journal or a script's
/// summary (`database error 5 while running BEGIN IMMEDIATE: database is locked` is "the record is
/// busy", and a file error is what went wrong with the file).
extension CommandError {
    /// The error as staff read it: a ``CommandError`` as it is, the program's own errors by their
    /// description, a database's or a file's error by what it means.
    package init(describing error: any Error) {
        switch error {
        case let error as CommandError:
            self = error
        case let error as DatabaseError:
            self = Self.record(error)
        case let error as PostgresError:
            // Already in the clinic's words (never the server's): what went wrong, and what to do.
            self.init(error.problem, hint: error.hint)
        case let error as CocoaError:
            self.init(Self.fileReason(error.code), hint: "nothing was recorded")
        case let error as any ProgramError:
            self.init(error.description)
        default:
            self.init("the command stopped on an error of the program (\(type(of: error))); nothing of it was recorded",
                      hint: "tell the clinic's administrator")
        }
    }

    /// What went wrong, in a few words, to follow "cannot create FILE:".
    package static func reason(_ error: any Error) -> String {
        switch error {
        case let error as CocoaError: return fileReason(error.code)
        case let error as POSIXError: return String(cString: strerror(error.code.rawValue)).lowercased()
        default: return CommandError(describing: error).message
        }
    }

    private static func fileReason(_ code: CocoaError.Code) -> String {
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "there is no such file or folder"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "the disk is full"
        case .fileWriteFileExists: return "it already exists"
        case .fileWriteVolumeReadOnly: return "the disk is read-only"
        default: return "the file could not be read or written"
        }
    }

    /// A database's error as what it means for the record. SQLite's primary result codes:
    /// https://www.sqlite.org/rescode.html
    private static func record(_ error: DatabaseError) -> CommandError {
        switch error.code & 0xFF {
        case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
            return CommandError("the record is busy: another workstation is writing to it; nothing was recorded",
                                hint: "try again in a moment")
        case 13: // SQLITE_FULL
            return CommandError("the disk that holds the record is full; nothing was recorded",
                                hint: "free space on that disk, then try again")
        case 8: // SQLITE_READONLY
            return CommandError("the record cannot be written from here (it is read-only); nothing was recorded",
                                hint: "check the database file's owner and permissions; a read-only copy is checked with clinic audit verify --db FILE")
        case 19: // SQLITE_CONSTRAINT
            return CommandError("the record refused the entry: it breaks one of the record's own rules; nothing was recorded",
                                hint: "run audit verify; if it does not say OK, tell the clinic's administrator")
        default: // SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB and the rest
            return CommandError("the record could not be read or written (database error \(error.code)); nothing was recorded",
                                hint: "run audit verify and tell the clinic's administrator")
        }
    }
}

/// An error of the program's own whose description is written for staff: one line, no database or
/// runtime text in it.
package protocol ProgramError: Error, CustomStringConvertible {}

extension StoreError: ProgramError {}
extension ProtocolLoader.Refusal: ProgramError {}
extension Tokenizer.Failure: ProgramError {}
extension FieldError: ProgramError {}
extension ValueParseError: ProgramError {}
