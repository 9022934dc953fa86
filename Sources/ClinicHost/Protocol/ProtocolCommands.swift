import ClinicKit
import Foundation

/// `protocol show` and `protocol check FILE`.
enum ProtocolCommands {
    static func show(in session: Session) -> CommandOutput {
        let loaded = session.clinicProtocol
        var out = CommandOutput()
        out.line("\(loaded.settings.name) · version \(loaded.settings.version) · \(loaded.path)")
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

    static func check(_ path: String, in session: Session) throws -> CommandOutput {
        do {
            let loaded = try ProtocolLoader.load(path: path, modules: session.plugins.loaded)
            var out = CommandOutput()
            out.line("\(path): sound · \(loaded.settings.name) · version \(loaded.settings.version) · \(loaded.entries.count) settings read by the loaded modules")
            if loaded.settings.version == session.clinicProtocol.settings.version && loaded.path != session.clinicProtocol.path {
                out.alert("it has the same version as the protocol in force (\(loaded.settings.version)); raise its version if its settings differ")
            }
            if !loaded.unread.isEmpty { out.line("read by no loaded module: \(loaded.unread.joined(separator: ", "))") }
            return out
        } catch {
            for problem in error.problems { session.console.err("  " + problem) }
            throw CommandFailure("\(path) is refused: \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") (listed above)",
                                 hint: "fix them and check again")
        }
    }
}
