import Crypto
import Foundation

/// The hash chain over the record, the journal and the protocols adopted: each entry's hash covers
/// the previous entry's hash and every value of its own, so an entry altered, removed or inserted
/// behind the program's back breaks the chain from that point on.
///
/// The values are the domain's (``ChainedRecord``, ``ChainedJournalLine``, ``ChainedProtocol``):
/// ids, names, canonical JSON and ISO 8601 times as the program writes them, not a database's
/// column types, so the same entries give the same chain on any store.
package enum HashChain {
    /// Every hash-chained table, in the order `audit verify` reports them and a head names them
    /// (each by its first letter: `r8.j19.p1.a5.c4.`).
    package static let tables = ["records", "journal", "protocols", "access", "changes"]

    /// The `prev_hash` of the first entry.
    package static let genesis = String(repeating: "0", count: 64)

    /// SHA-256, in hex, over the previous hash, then each value as a type byte (`N` none, `I`
    /// integer, `T` text), its length in bytes (8, little-endian) and its bytes (an integer as 8
    /// little-endian bytes, text as UTF-8). Unambiguous, cheap to feed, and independent of how a
    /// store keeps the values.
    package static func hash(previous: String, values: [ChainValue]) -> String {
        // One buffer, one update: the entry is a few hundred bytes.
        var bytes = [UInt8]()
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: previous.utf8)
        func field(_ tag: UInt8, count: Int) {
            bytes.append(tag)
            withUnsafeBytes(of: UInt64(count).littleEndian) { bytes.append(contentsOf: $0) }
        }
        for value in values {
            switch value {
            case .none: field(UInt8(ascii: "N"), count: 0)
            case .integer(let i):
                field(UInt8(ascii: "I"), count: 8)
                withUnsafeBytes(of: i.littleEndian) { bytes.append(contentsOf: $0) }
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

/// One value an entry's hash covers.
package enum ChainValue: Sendable, Equatable {
    case none
    case integer(Int64)
    case text(String)

    init(_ value: Int64?) { self = value.map(ChainValue.integer) ?? .none }
    init(_ value: String?) { self = value.map(ChainValue.text) ?? .none }
}

/// What a record entry's hash covers.
package struct ChainedRecord: Sendable, Equatable {
    package var id: Int64
    package var patientID: Int64
    package var visitID: Int64?
    package var module: String
    package var kind: String
    /// The payload's canonical JSON.
    package var payload: String
    /// ISO 8601 UTC, to the millisecond (``Timestamp``).
    package var effectiveAt: String
    package var recordedAt: String
    package var staffID: Int64
    package var protocolVersion: String?
    package var amends: Int64?
    /// The protocol's content hash; entries written before schema 3 have none, and hash without it.
    package var protocolSHA256: String?

    package var chainValues: [ChainValue] {
        [.integer(id), .integer(patientID), ChainValue(visitID), .text(module), .text(kind), .text(payload), .text(effectiveAt),
         .text(recordedAt), .integer(staffID), ChainValue(protocolVersion), ChainValue(amends)]
            + (protocolSHA256.map { [ChainValue.text($0)] } ?? [])
    }
}

/// What a journal line's hash covers.
package struct ChainedJournalLine: Sendable, Equatable {
    package var id: Int64
    package var session: String
    package var staffID: Int64?
    /// ISO 8601 UTC (``Timestamp``).
    package var at: String
    package var source: String
    package var command: String
    package var outcome: String
    package var message: String
    package var patientID: Int64?
    package var visitID: Int64?

    package var chainValues: [ChainValue] {
        // The trailing none keeps the hash of lines written when the journal shared the record's
        // eleven hashed columns.
        [.integer(id), .text(session), ChainValue(staffID), .text(at), .text(source), .text(command), .text(outcome), .text(message),
         ChainValue(patientID), ChainValue(visitID), .none]
    }
}

/// What an access entry's hash covers.
package struct ChainedAccessEntry: Sendable, Equatable {
    package var id: Int64
    /// ISO 8601 UTC (``Timestamp``).
    package var at: String
    package var username: String
    package var event: String
    package var context: String
    package var session: String
    package var source: String

    package var chainValues: [ChainValue] {
        [.integer(id), .text(at), .text(username), .text(event), .text(context), .text(session), .text(source)]
    }
}

/// What a protocol adoption's hash covers.
package struct ChainedProtocol: Sendable, Equatable {
    package var id: Int64
    package var sha256: String
    package var name: String
    package var version: String
    /// Each setting's value and each document's version and hash, as canonical JSON.
    package var settings: String
    /// ISO 8601 UTC (``Timestamp``).
    package var adoptedAt: String
    package var adoptedBy: Int64?
    /// The physician's e-signature, as canonical JSON.
    package var signature: String?

    package var chainValues: [ChainValue] {
        // Three trailing nones, as when adoptions shared the record's eleven hashed columns.
        [.integer(id), .text(sha256), .text(name), .text(version), .text(settings), .text(adoptedAt), ChainValue(adoptedBy),
         ChainValue(signature), .none, .none, .none]
    }
}

/// What an entry of the clinic's own changes (the database's mode, staff) covers.
package struct ChainedChange: Sendable, Equatable {
    package var id: Int64
    /// ISO 8601 UTC (``Timestamp``).
    package var at: String
    /// Who made the change; none for the database's own first entry.
    package var staffID: Int64?
    package var kind: String
    /// What it is about: a username, or the database.
    package var subject: String
    /// Canonical JSON.
    package var payload: String

    package var chainValues: [ChainValue] {
        [.integer(id), .text(at), ChainValue(staffID), .text(kind), .text(subject), .text(payload)]
    }
}
