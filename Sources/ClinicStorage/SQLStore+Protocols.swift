import ClinicKit
import Foundation

// The protocols a database runs under: the chain of adoptions, and what each protocol adopted says.

/// A protocol a database was set to run under, as recorded.
package struct AdoptedProtocol: Sendable {
    package var id: Int64
    package var sha256: String
    package var name: String
    package var version: String
    /// Each setting's value and each document's version and hash, by key.
    package var settings: Value
    package var adoptedAt: Date
    /// Who adopted it; `nil` for the protocol recorded at the database's first start.
    package var adoptedBy: String?
}

/// What a protocol adopted says, as the record keeps it beside the chain of adoptions.
package struct ProtocolText: Sendable, Equatable {
    package var sha256: String
    /// The file it was read from.
    package var path: String
    package var text: String
    /// Each document's text, by setting key.
    package var documents: [String: String]
    /// The form read from `text` (the engine's `ProtocolForm`).
    package var form: Value

    package init(sha256: String, path: String, text: String, documents: [String: String], form: Value) {
        self.sha256 = sha256
        self.path = path
        self.text = text
        self.documents = documents
        self.form = form
    }
}

extension SQLStore {
    /// The protocol a database runs under: the latest adopted.
    package func adoptedProtocol() throws -> AdoptedProtocol? {
        guard let row = try db.query("""
            SELECT p.id, p.sha256, p.name, p.version, p.settings, p.adopted_at, s.username
            FROM protocols p LEFT JOIN staff s ON s.id = p.adopted_by ORDER BY p.id DESC LIMIT 1
            """).first else { return nil }
        guard let id = row[0].int, let sha = row[1].text, let name = row[2].text, let version = row[3].text,
              let settings = row[4].text.flatMap({ try? Value(json: $0) }), let at = row[5].text.flatMap(Timestamp.date)
        else { throw StoreError.corruptRow("protocols") }
        return AdoptedProtocol(id: id, sha256: sha, name: name, version: version, settings: settings, adoptedAt: at, adoptedBy: row[6].text)
    }

    /// Records that the database runs under a protocol from now on, chained to the adoption before.
    package func adoptProtocol(sha256: String, name: String, version: String, settings: Value, at: Date, by staffID: Int64?,
                               signature: Value?) throws {
        try db.atomically {
            let last = try chainEnd("protocols")
            let id = last.id + 1
            let entry = ChainedProtocol(id: id, sha256: sha256, name: name, version: version, settings: settings.canonicalJSON,
                                        adoptedAt: Timestamp.string(at), adoptedBy: staffID, signature: signature?.canonicalJSON)
            let hash = HashChain.hash(previous: last.hash, values: entry.chainValues)
            try db.query("""
                INSERT INTO protocols (id, sha256, name, version, settings, adopted_at, adopted_by, signature, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.int(id), .text(entry.sha256), .text(entry.name), .text(entry.version), .text(entry.settings), .text(entry.adoptedAt),
                      SQLValue(entry.adoptedBy), SQLValue(entry.signature), .text(last.hash), .text(hash)])
            extend("protocols", id: id, hash: hash)
        }
    }

    /// The adoptions made since the texts have been kept (migration 9) whose text is not kept:
    /// each adoption of a protocol file keeps it in the same transaction.
    package func adoptionsWithoutText() throws -> [(id: Int64, sha256: String)] {
        guard let since = try protocolTextsSince() else { return [] }
        return try db.query("""
            SELECT id, sha256 FROM protocols WHERE adopted_at >= ? AND sha256 NOT IN (SELECT sha256 FROM protocol_texts) ORDER BY id
            """, [.text(since)]).map { ($0[0].int ?? 0, $0[1].text ?? "") }
    }

    /// The meta key a copied record keeps its source's ``protocolTextsSince()`` under.
    static let protocolTextsSinceKey = "protocol_texts_since"

    /// Since when every adoption keeps its protocol's text: when the schema began keeping them
    /// (SQLite's version 9; a server's record, from its first version), or, for a record made by
    /// `db copy`, its source's time, which the copy brings with it: a copy is checked as its
    /// source is, not only from the day it was made.
    func protocolTextsSince() throws -> String? {
        if let copied = try meta(Self.protocolTextsSinceKey) { return copied }
        return try db.query("SELECT applied_at FROM schema_migrations WHERE version >= 9 ORDER BY version LIMIT 1").first?.first?.text
    }

    package func adoptedVersions() throws -> [(version: String, sha256: String)] {
        try db.query("SELECT version, sha256 FROM protocols ORDER BY id").map { row in
            guard let version = row[0].text, let sha = row[1].text else { throw StoreError.corruptRow("protocols") }
            return (version, sha)
        }
    }

    package func protocolText(_ sha256: String) throws -> ProtocolText? {
        try protocolTexts(where: "WHERE sha256 = ?", [.text(sha256)]).first
    }

    package func protocolTexts() throws -> [ProtocolText] {
        try protocolTexts(where: "ORDER BY rowid", [])
    }

    private func protocolTexts(where clause: String, _ arguments: [SQLValue]) throws -> [ProtocolText] {
        try db.query("SELECT sha256, path, text, documents, form FROM protocol_texts \(clause)", arguments).map { row in
            guard let sha = row[0].text, let path = row[1].text, let text = row[2].text,
                  let documents = row[3].text.flatMap({ try? Value(json: $0) })?.objectValue, let form = row[4].text.flatMap({ try? Value(json: $0) })
            else { throw StoreError.corruptRow("protocol_texts") }
            var texts: [String: String] = [:]
            for (key, document) in documents {
                guard let document = document.stringValue else { throw StoreError.corruptRow("protocol_texts") }
                texts[key] = document
            }
            return ProtocolText(sha256: sha, path: path, text: text, documents: texts, form: form)
        }
    }

    package func keepProtocolText(_ kept: ProtocolText) throws {
        try db.query("INSERT INTO protocol_texts (sha256, path, text, documents, form) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     [.text(kept.sha256), .text(kept.path), .text(kept.text), .text(Value.object(kept.documents.mapValues { .string($0) }).canonicalJSON),
                      .text(kept.form.canonicalJSON)])
    }
}
