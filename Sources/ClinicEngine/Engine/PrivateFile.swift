import ClinicKit
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Files the program writes for people (a recording, a report, an export): created new, private
/// (0600), never overwriting one that is there.
package enum PrivateFile {
    /// Creates a new private file (0600) for a recording or a report; refuses to overwrite one.
    package static func create(_ path: String, what: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw CommandError("\(path) already exists", hint: "write \(what) to a new file") }
            throw CommandError("cannot create \(path): \(String(cString: strerror(errno)))", hint: "check the folder exists and is writable")
        }
        return fd
    }

    package static func write(_ lines: [String], to fd: Int32, path: String) throws {
        guard !lines.isEmpty else { return }
        try write(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), to: fd, path: path)
    }

    package static func write(bytes all: [UInt8], to fd: Int32, path: String) throws {
        var bytes = all[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CommandError("cannot write \(path): \(String(cString: strerror(errno)))") }
            bytes = bytes.dropFirst(n)
        }
    }

}
