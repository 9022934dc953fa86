import Crypto
import Foundation

/// The hash chain over the record and the journal: each entry's hash covers the previous entry's
/// hash and every column of its own, so an entry altered, removed or inserted behind the program's
/// back breaks the chain from that point on.
package enum HashChain {
    /// The `prev_hash` of the first entry.
    package static let genesis = String(repeating: "0", count: 64)

    /// SHA-256, in hex, over the previous hash, then each column as a type byte (`N` null, `I`
    /// integer, `R` real, `T` text), its length in bytes (8, little-endian) and its bytes
    /// (integers and reals as 8 little-endian bytes, text as UTF-8). Unambiguous, and cheap to
    /// feed: no column is re-encoded.
    package static func hash(previous: String, columns: ArraySlice<SQLValue>) -> String {
        // One buffer, one update: the entry is a few hundred bytes.
        var bytes = [UInt8]()
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: previous.utf8)
        func field(_ tag: UInt8, count: Int) {
            bytes.append(tag)
            withUnsafeBytes(of: UInt64(count).littleEndian) { bytes.append(contentsOf: $0) }
        }
        for column in columns {
            switch column {
            case .null: field(UInt8(ascii: "N"), count: 0)
            case .int(let i):
                field(UInt8(ascii: "I"), count: 8)
                withUnsafeBytes(of: i.littleEndian) { bytes.append(contentsOf: $0) }
            case .double(let d):
                field(UInt8(ascii: "R"), count: 8)
                withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            case .text(let t):
                field(UInt8(ascii: "T"), count: t.utf8.count)
                bytes.append(contentsOf: t.utf8)
            }
        }
        return hex(SHA256.hash(data: bytes))
    }

    /// SHA-256 of `text`'s UTF-8 bytes, in hex.
    package static func sha256(_ text: String) -> String { hex(SHA256.hash(data: Array(text.utf8))) }

    private static func hex(_ digest: SHA256.Digest) -> String {
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let digits = Array("0123456789abcdef".utf8)
}
