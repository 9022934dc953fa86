import ClinicKit
import Foundation

/// The chain of the clinic's own changes: the database's mode, and every member of staff.
extension SQLStore {
    /// The first entries of the changes chain, once: the database's mode, then every member of staff
    /// already there (a database made before the chain held them). Each entry's time is now; a
    /// member of staff's own creation time is in the entry.
    func chainTheStartingState(now: Date) throws {
        guard try db.query("SELECT 1 FROM changes LIMIT 1").isEmpty else { return }
        try db.transaction {
            // Again under the write lock: another workstation may have begun the chain meanwhile.
            guard try db.query("SELECT 1 FROM changes LIMIT 1").isEmpty else { return }
            var mode: [String: Value] = ["mode": .string(isSandbox ? "sandbox" : "live")]
            if let replayedFrom { mode["replayed_from"] = .string(replayedFrom) }
            try appendChange(kind: "database", subject: "database", payload: .object(mode), at: now, by: nil)
            for row in try db.query("SELECT id, username, roles, password_hash, created_at, created_by FROM staff ORDER BY id") {
                guard let id = row[0].int, let name = row[1].text, let roles = row[2].text, let hash = row[3].text, let created = row[4].text
                else { throw StoreError.corruptRow("staff") }
                try appendChange(kind: "staff-added", subject: name,
                                 payload: Self.staffPayload(id: id, roles: roles, passwordHash: hash, createdAt: created, createdBy: row[5].int),
                                 at: now, by: nil)
            }
        }
    }

    /// Refuses a record whose table says another mode than its chain's first entry: a live record
    /// made a sandbox behind the program's back could set its own clock.
    func checkModeAsChained(location: String) throws {
        guard let json = try db.query("SELECT payload FROM changes WHERE id = 1 AND kind = 'database'").first?.first?.text,
              let chained = (try? Value(json: json))?["mode"]?.stringValue, chained != (isSandbox ? "sandbox" : "live") else { return }
        throw StoreError.unusable("the record at \(location) is \(isSandbox ? "a sandbox" : "live") in its table but \(chained == "sandbox" ? "a sandbox" : "live") in its chain: the table was changed behind the program's back; nothing was done; an administrator runs clinic audit verify")
    }

    /// What a member of staff's entry in the changes chain holds: never the password hash itself,
    /// only its SHA-256, so the chain tells a hash copied in without holding one.
    static func staffPayload(id: Int64, roles: String, passwordHash: String, createdAt: String, createdBy: Int64?) -> Value {
        var payload: [String: Value] = ["id": .int(Int(id)), "roles": .string(roles), "password": .string(HashChain.sha256(passwordHash)),
                                        "created_at": .string(createdAt)]
        if let createdBy { payload["created_by"] = .int(Int(createdBy)) }
        return .object(payload)
    }

    /// Appends an entry to the changes chain.
    func appendChange(kind: String, subject: String, payload: Value, at: Date, by staffID: Int64?) throws {
        try db.atomically {
            let last = try chainEnd("changes")
            let id = last.id + 1
            let entry = ChainedChange(id: id, at: Timestamp.string(at), staffID: staffID, kind: kind, subject: subject, payload: payload.canonicalJSON)
            let hash = HashChain.hash(previous: last.hash, values: entry.chainValues)
            try db.query("INSERT INTO changes (id, at, staff_id, kind, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [.int(id), .text(entry.at), SQLValue(staffID), .text(kind), .text(subject), .text(entry.payload), .text(last.hash), .text(hash)])
            extend("changes", id: id, hash: hash)
        }
    }

    /// Changes a member of staff's roles or password: an entry in the changes chain (for a password,
    /// the SHA-256 of its new hash), then the staff row, which the schema lets change only then.
    package func changeStaff(_ username: String, roles: Set<Role>?, passwordHash: String?, temporary: Bool, at: Date, by staffID: Int64?) throws -> StaffInfo {
        try db.atomically {
            guard let account = try account(username) else { throw StoreError.corruptRow("staff \(username)") }
            if let roles {
                try appendChange(kind: "staff-roles", subject: username, payload: ["id": .int(Int(account.info.id)), "roles": .string(Self.rolesText(roles))],
                                 at: at, by: staffID)
                try db.query("UPDATE staff SET roles = ? WHERE id = ?", [.text(Self.rolesText(roles)), .int(account.info.id)])
            }
            if let passwordHash {
                var payload: [String: Value] = ["id": .int(Int(account.info.id)), "password": .string(HashChain.sha256(passwordHash))]
                if temporary { payload["temporary"] = .bool(true) }
                try appendChange(kind: "staff-password", subject: username, payload: .object(payload), at: at, by: staffID)
                try db.query("UPDATE staff SET password_hash = ? WHERE id = ?", [.text(passwordHash), .int(account.info.id)])
            }
            return StaffInfo(id: account.info.id, username: username, roles: roles ?? account.info.roles)
        }
    }

    /// A patient's name, date of birth and sex as their registration's correction says: called just
    /// after that correction is appended to the record (the schema refuses it otherwise).
    package func correctPatient(id: Int64, name: String, dob: String, sex: Sex) throws -> PatientInfo {
        try db.query("UPDATE patients SET name = ?, dob = ?, sex = ?, folded = ? WHERE id = ?",
                     [.text(name), .text(dob), .text(sex.rawValue), .text(PatientNames.folded(name)), .int(id)])
        guard let patient = try patient(id: id) else { throw StoreError.corruptRow("patient #\(id)") }
        return patient
    }

    /// What one staff entry of the changes chain sets: roles (added, or changed), the SHA-256 of
    /// the password hash (added, or changed).
    static func staffChange(_ kind: String, _ payload: Value) -> (roles: String?, password: String?) {
        (kind == "staff-password" ? nil : payload["roles"]?.stringValue, kind == "staff-roles" ? nil : payload["password"]?.stringValue)
    }

    /// A member of staff as the changes chain holds them: roles, the SHA-256 of the password hash,
    /// and whether that password is a temporary one an administrator set.
    struct ChainedStaff: Equatable {
        var roles: String
        var password: String
        var temporary: Bool
    }

    /// A member of staff's roles and the SHA-256 of their password hash, as the changes chain
    /// holds them now.
    /// Read again only when the changes chain has grown or anything rolled back since: every
    /// command checks its author's account, and a replay runs thousands.
    func chainedStaff(_ username: String) throws -> ChainedStaff? {
        let key = (try db.query("SELECT COALESCE(MAX(id), 0) FROM changes").first?.first?.int ?? 0, db.rollbacks)
        if staffAsChained.key != key {
            // Whoever may append to the chain (the program's database user) could append an entry
            // that grants a role: the chain is walked before it is trusted, each time it grows.
            if let broken = try verifyChanges().firstBreak { throw StoreError.changesBroken(broken.id) }
            staffAsChained = (key, [:])
        }
        if let known = staffAsChained.accounts[username] { return known }
        let found = try readChainedStaff(username)
        staffAsChained.accounts[username] = .some(found)
        return found
    }

    private func readChainedStaff(_ username: String) throws -> ChainedStaff? {
        var roles: String?, password: String?, temporary = false
        for row in try db.query("""
            SELECT kind, payload FROM changes WHERE subject = ? AND kind IN ('staff-added', 'staff-roles', 'staff-password') ORDER BY id
            """, [.text(username)]) {
            guard let kind = row[0].text, let payload = row[1].text.flatMap({ try? Value(json: $0) }) else { continue }
            let says = Self.staffChange(kind, payload)
            roles = says.roles ?? roles
            if let changed = says.password {
                password = changed
                temporary = payload["temporary"]?.boolValue ?? false
            }
        }
        guard let roles, let password else { return nil }
        return ChainedStaff(roles: roles, password: password, temporary: temporary)
    }

    package func roles(of username: String, at date: Date) throws -> Set<Role>? {
        var roles: String?
        for row in try db.query("""
            SELECT at, payload FROM changes WHERE subject = ? AND kind IN ('staff-added', 'staff-roles') ORDER BY id
            """, [.text(username)]) {
            guard let at = row[0].text.flatMap(Timestamp.date), let payload = row[1].text.flatMap({ try? Value(json: $0) }) else { continue }
            // A member of staff chained when an older database was first opened existed before it.
            if at >= date, roles != nil { break }
            roles = payload["roles"]?.stringValue ?? roles
        }
        return roles.map(Self.roles)
    }
}
