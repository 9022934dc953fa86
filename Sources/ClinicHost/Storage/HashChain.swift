import ClinicKit
import Crypto
import Foundation

/// The hash chain over the record and the journal: each entry's hash covers the previous entry's
/// hash and every column of its own, so an entry altered, removed or inserted behind the program's
/// back breaks the chain from that point on.
package enum HashChain {
    /// The `prev_hash` of the first entry.
    package static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over the previous hash and the entry's columns (as canonical JSON), in hex.
    package static func hash(previous: String, columns: [Value]) -> String {
        let text = previous + "\n" + Value.array(columns).canonicalJSON
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let digits = Array("0123456789abcdef".utf8)
}
