import ClinicKit
import ClinicStorage
import Foundation

/// `protocol show` and `protocol check FILE`.
enum ProtocolCommands {
    static func show(in session: Session) -> CommandOutput {
        let loaded = session.clinicProtocol
        var out = CommandOutput()
        out.line("\(loaded.settings.name) · version \(loaded.settings.version) · "
                 + (loaded.adoptedAt.map { "in force from the record, adopted \(ClinicTime.format($0, calendar: session.calendar)) from \(loaded.path)" } ?? loaded.path))
        if let folder = loaded.instrumentsFolder { out.line("the clinic's own instruments: \(folder) (instruments: \(loaded.form.instruments ?? ""))") }
        let specs = ProtocolLoader.specs(of: session.plugins.loaded)
        // A block a setting: the long sources read better on their own lines than in a table.
        for spec in specs {
            guard let entry = loaded.entries[spec.key] else { continue }
            let text = ProtocolLoader.shown(entry.value)
            let value = text + (entry.unit.map { " \($0)" } ?? "")
            let changed = entry.defaultValue.isEmpty || entry.defaultValue == text ? "" : " (default \(entry.defaultValue))"
            out.line("")
            out.line("\(spec.key) = \(value)\(changed)")
            out.line("    \(spec.summary)")
            out.line("    source: \(entry.source)")
        }
        if !loaded.unread.isEmpty {
            out.line("in the file but read by no loaded module: \(loaded.unread.joined(separator: ", "))")
        }
        return out
    }

    /// The instruments this session asks, whose facts a new protocol's `clinic.also_requires` may name.
    static func candidates(_ session: Session) -> InstrumentCommands.Candidates {
        InstrumentCommands.Candidates(instruments: session.instruments, warnings: [], sandbox: session.store.isSandbox)
    }

    static func check(_ path: String, in session: Session) throws -> CommandOutput {
        do {
            let loaded = try ProtocolLoader.load(path: path, modules: session.plugins.loaded, instruments: candidates(session))
            var out = CommandOutput()
            out.line("\(path): sound · \(loaded.settings.name) · version \(loaded.settings.version) · \(loaded.entries.count) settings read by the loaded modules")
            if loaded.settings.version == session.clinicProtocol.settings.version && loaded.path != session.clinicProtocol.path {
                out.alert("it has the same version as the protocol in force (\(loaded.settings.version)); raise its version if its settings differ")
            }
            if !loaded.unread.isEmpty { out.line("read by no loaded module: \(loaded.unread.joined(separator: ", "))") }
            return out
        } catch {
            for problem in error.problems { session.console.err("  " + problem) }
            throw CommandError("\(path) is refused: \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") (listed above)",
                                 hint: "fix them and check again")
        }
    }
}

/// The protocol as part of the record: a live database records the protocol it first starts
/// under, refuses work under a file whose content differs, and changes protocol only when an admin
/// adopts a new file and a physician signs the adoption.
package enum ProtocolAdoption {
    /// What is stored of a protocol: each setting's value, and each document's version and hash.
    static func settings(of p: ClinicProtocol) -> Value {
        var out: [String: Value] = p.values
        for (key, document) in p.documents {
            out[key] = ["version": .string(document.version), "sha256": .string(document.sha256)]
        }
        return .object(out)
    }

    /// `dosing.iv_hard_max 2 → 5`, one a setting that differs, added or removed.
    static func differences(from old: Value, to new: Value) -> [String] {
        let a = old.objectValue ?? [:], b = new.objectValue ?? [:]
        func shown(_ v: Value?) -> String {
            guard let v else { return "(none)" }
            if let version = v["version"]?.stringValue { return "version \(version)" + (v["sha256"]?.stringValue.map { " (\($0.prefix(8)))" } ?? "") }
            return ProtocolLoader.shown(v)
        }
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            a[key] == b[key] ? nil : "\(key) \(shown(a[key])) → \(shown(b[key]))"
        }
    }

    /// `2026.11-default (sha256 1a2b3c4d)`
    static func name(_ version: String, _ sha: String) -> String { "\(version) (sha256 \(sha.prefix(8)))" }

    /// At start: a live database with no protocol yet records the one loaded; one whose protocol
    /// differs from the file loaded refuses all but signing in and adopting (see ``refusal(in:)``).
    /// Returns the lines to warn with, if any.
    package static func atStart(_ session: Session) throws -> [String] {
        let loaded = session.clinicProtocol.settings
        guard let adopted = try session.store.adoptedProtocol() else {
            // A sandbox runs under the file it is started with until it adopts a protocol; from
            // then on it keeps to it as a live record does, so that what is practised is what runs.
            guard !session.store.isSandbox else { return [] }
            try session.store.transaction {
                try session.store.adoptProtocol(sha256: loaded.sha256, name: loaded.name, version: loaded.version, settings: settings(of: loaded),
                                                at: session.now, by: nil, signature: nil)
                if let kept = session.clinicProtocol.kept { try session.store.keepProtocolText(kept) }
            }
            return []
        }
        guard adopted.sha256 != loaded.sha256 else {
            // A record from before the texts were kept keeps this one now, so that the next start
            // reads the protocol from the record.
            if session.clinicProtocol.adoptedAt == nil, let kept = session.clinicProtocol.kept, try session.store.protocolText(kept.sha256) == nil {
                try session.store.transaction { try session.store.keepProtocolText(kept) }
            }
            return []
        }
        let changes = differences(from: adopted.settings, to: settings(of: loaded))
        let fromRecord = try !session.keptProtocolRefused && session.store.protocolText(adopted.sha256) != nil
        return ["the clinic protocol \(session.clinicProtocol.path), \(name(loaded.version, loaded.sha256)), is not the protocol this database runs under, "
                + "\(name(adopted.version, adopted.sha256)) adopted \(ClinicTime.format(adopted.adoptedAt, calendar: session.calendar))"
                + (adopted.adoptedBy.map { " by \($0)" } ?? " at its first start"),
                "  " + (changes.isEmpty ? "the settings are the same; the file's text differs" : "settings that differ: " + changes.joined(separator: "; ")),
                "  nothing clinical runs until an admin adopts it (protocol adopt FILE, signed by a physician) or the program is started "
                + (fromRecord ? "without --protocol (and CLINIC_PROTOCOL), under the protocol adopted" : "with the adopted file")]
    }

    /// The protocol in force as the record keeps it, for a start given no protocol file; `nil`
    /// when the record keeps none (a new database, a sandbox that never adopted one, one from
    /// before the texts were kept), with the lines to warn with when the one it keeps does not suit
    /// the modules and instruments loaded.
    package static func inForce(_ store: any RecordStore, modules: [LoadedModule],
                                instruments: InstrumentCommands.Candidates) throws -> (LoadedProtocol?, [String]) {
        guard let adopted = try store.adoptedProtocol(), let kept = try store.protocolText(adopted.sha256) else { return (nil, []) }
        do {
            return (try ProtocolLoader.load(kept: kept, adopted: adopted, modules: modules, instruments: instruments), [])
        } catch {
            // An instrument it names and this start does not ask is given with --instruments, not
            // by another protocol file.
            let instrumentMissing = error.problems.contains { $0.contains("--instruments DIR") || $0.contains("is not asked here") }
            return (nil, ["the protocol this database runs under, \(name(adopted.version, adopted.sha256)), cannot be run as the record keeps it:"]
                         + error.problems.map { "  " + $0 }
                         + ["  the program reads the protocol file instead (\(ProtocolLoader.shippedPath))",
                            instrumentMissing
                            ? "  start it with --instruments DIR, the folder of the instruments its clinic.also_requires names"
                            : "  start it with --protocol FILE, the file adopted (it was \(kept.path)); audit verify tells what changed in the record"])
        }
    }

    /// Why a command may not run now: the database runs under another protocol than the file loaded.
    static func refusal(for entry: CatalogEntry, in session: Session) throws -> CommandError? {
        guard !entry.isOpen, entry.words.first != "protocol",
              !["logout", "whoami", "status", "modules"].contains(entry.name), entry.name != "audit verify",
              let adopted = try session.store.adoptedProtocol(), adopted.sha256 != session.clinicProtocol.settings.sha256
        else { return nil }
        let loaded = session.clinicProtocol.settings
        let changes = differences(from: adopted.settings, to: settings(of: loaded))
        let shownChanges = changes.prefix(3).joined(separator: "; ") + (changes.count > 3 ? "; and \(changes.count - 3) more (protocol adopt lists them)" : "")
        return CommandError("\(entry.name) refused: this database runs under protocol \(name(adopted.version, adopted.sha256)), "
                              + "but the program was started with \(name(loaded.version, loaded.sha256))"
                              + (changes.isEmpty ? "" : ", which differs in \(shownChanges)"),
                              hint: (try !session.keptProtocolRefused && session.store.protocolText(adopted.sha256) != nil
                                     ? "start the program without --protocol, under the protocol adopted"
                                     : "start the program with the adopted protocol file") + ", or an admin adopts this one: protocol adopt \(session.clinicProtocol.path)",
                              kind: .refused)
    }

    /// `protocol adopt FILE [--physician NAME]`: an admin puts a new protocol in force, and a
    /// physician signs the adoption with an e-signature that names each setting changed.
    static func adopt(_ path: String, physician: String?, in session: Session) throws -> CommandOutput {
        guard let staff = session.staff else { throw CommandError("nobody is signed in", hint: "type login NAME") }
        let loaded: LoadedProtocol
        do { loaded = try ProtocolLoader.load(path: path, modules: session.plugins.loaded, instruments: ProtocolCommands.candidates(session)) } catch {
            for problem in error.problems { session.console.err("  " + problem) }
            throw CommandError("\(path) is refused: \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") (listed above); nothing was adopted",
                                 hint: "fix the file, then check it with protocol check FILE")
        }
        let new = loaded.settings
        let adopted = try session.store.adoptedProtocol()
        if let adopted, adopted.sha256 == new.sha256 {
            if session.clinicProtocol.settings.sha256 != new.sha256 { session.clinicProtocol = loaded }
            return .lines("\(name(new.version, new.sha256)) is already the protocol this database runs under; it is in force in this session")
        }
        if let adopted, adopted.version == new.version {
            throw CommandError("\(path) keeps the version \(new.version) of the protocol in force but its content differs",
                                 hint: "give the new protocol a version of its own, so every record says which it was made under")
        }
        if let earlier = try session.store.adoptedVersions().first(where: { $0.version == new.version && $0.sha256 != new.sha256 }) {
            throw CommandError("\(path) has the version \(new.version) of a protocol adopted before (sha256 \(earlier.sha256.prefix(8))), but other content",
                                 hint: "give the new protocol a version of its own, so every record says which it was made under")
        }
        let changes = adopted.map { differences(from: $0.settings, to: settings(of: new)) } ?? []
        let signer = (physician ?? (staff.roles.contains(.physician) ? staff.username : "")).lowercased()
        guard !signer.isEmpty else {
            throw CommandError("a physician signs the adoption of a protocol", hint: "name them: protocol adopt \(path) --physician NAME")
        }
        guard let account = try session.store.account(signer) else {
            throw CommandError("there is no member of staff called \(signer)", hint: "give a physician's sign-in name with --physician")
        }
        guard account.info.roles.contains(.physician) else {
            throw CommandError("\(signer) is not a physician; a physician signs the adoption of a protocol", hint: "give a physician's sign-in name with --physician")
        }
        let meaning = "adopts clinic protocol \(new.name) \(name(new.version, new.sha256))"
            + (adopted.map { " in place of \(name($0.version, $0.sha256))" } ?? "")
            + (changes.isEmpty ? "" : ": " + changes.joined(separator: "; "))
        let context = HostModuleContext(session: session, module: "protocol", patient: .nobody, staff: staff)
        let signature = account.info.id == staff.id ? try context.sign(meaning: meaning) : try context.witness(signer, meaning: meaning)
        try session.store.transaction {
            try session.store.adoptProtocol(sha256: new.sha256, name: new.name, version: new.version, settings: settings(of: new),
                                            at: session.now, by: staff.id, signature: signature.value)
            if let kept = loaded.kept { try session.store.keepProtocolText(kept) }
        }
        session.clinicProtocol = loaded
        var out = CommandOutput()
        out.line("protocol \(name(new.version, new.sha256)) adopted by \(staff.username), signed by \(signature.username); in force from now on")
        for change in changes { out.line("  \(change)") }
        out.line("the program runs under it from the record from now on; a --protocol (or CLINIC_PROTOCOL) file other than \(path) is refused")
        out.alert("orders signed or double-checked under the protocol before must be signed and checked again")
        return out
    }
}
