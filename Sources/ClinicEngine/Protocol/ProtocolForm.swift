import ClinicKit
import Foundation
import Yams

/// A protocol file as it is written: its name, its version, and each setting's entry as text with
/// the line of each part, before anything is checked against the settings the modules declare.
///
/// The form is a function of the file's text alone. The record keeps it beside the text of the
/// protocol adopted (`protocol_texts`), so a start reads the protocol in force from the record with
/// no YAML to parse, and `audit verify` reads the text again and must find the same form.
package struct ProtocolForm: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        /// Whether the entry is a mapping (`value:`, `unit:`, …), as it must be.
        package var isMapping = true
        /// Each field's text (`value`, `unit`, `default`, `source`, `file`, `version`): a list's
        /// items are joined with commas for `value` and `default`; a field that is not text is absent.
        package var fields: [String: String] = [:]
        /// The line of the key.
        package var line: Int?
        /// The line of each field that is there, text or not.
        package var lines: [String: Int] = [:]
    }

    package var name: String?
    package var version: String?
    /// The folder of the clinic's own instruments (`instruments: instruments`), beside the file
    /// unless absolute; none when the file does not say.
    package var instruments: String?
    /// The line the document starts on.
    package var line: Int?
    package var hasSettings = false
    /// The line of the `settings` key.
    package var settingsLine: Int?
    /// Every setting key in the file, in its order.
    package var keys: [String] = []
    package var entries: [String: Entry] = [:]

    /// The fields read of an entry; any other is ignored, as the file format has always done.
    static let fieldNames = ["value", "unit", "default", "source", "file", "version"]

    /// No file: the form of a protocol a test gives as values.
    package init() {}

    /// Reads the YAML `text` of the file called `name`; refuses text that is not YAML, is empty,
    /// or is not a mapping.
    package init(yaml text: String, name: String) throws(ProtocolLoader.Refusal) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text, .basic) else { throw ProtocolLoader.Refusal(problems: ["\(name) is empty"]) }
            root = node
        } catch let refusal as ProtocolLoader.Refusal {
            throw refusal
        } catch {
            throw ProtocolLoader.Refusal(problems: ["\(name) is not valid YAML: \(error)"])
        }
        func lineOf(_ node: Node?) -> Int? { node?.mark?.line }
        /// The key node of `key` in `mapping`: where a problem with its whole entry is reported.
        func keyNode(_ key: String, in mapping: Node.Mapping?) -> Node? {
            mapping?.first { $0.key.scalar?.string == key }?.key
        }
        line = lineOf(root)
        guard let top = root.mapping else {
            throw ProtocolLoader.Refusal(problems: ["\(line.map { "\(name):\($0)" } ?? name): the protocol must be a mapping with protocol, version and settings"])
        }
        self.name = top["protocol"]?.scalar?.string
        version = top["version"]?.scalar?.string
        instruments = top["instruments"]?.scalar?.string
        settingsLine = lineOf(keyNode("settings", in: top))
        let settings = top["settings"]?.mapping
        hasSettings = settings != nil
        for pair in settings.map({ Array($0) }) ?? [] {
            let (keyNode, node) = (pair.key, pair.value)
            guard let key = keyNode.scalar?.string, entries[key] == nil else { continue }
            keys.append(key)
            var entry = Entry(line: lineOf(keyNode))
            guard let mapping = node.mapping else {
                entry.isMapping = false
                entries[key] = entry
                continue
            }
            for field in Self.fieldNames {
                guard let value = mapping[field] else { continue }
                if let at = lineOf(value) { entry.lines[field] = at }
                let text = field == "value" || field == "default" ? ProtocolLoader.text(of: value) : value.scalar?.string
                if let text { entry.fields[field] = text }
            }
            entries[key] = entry
        }
    }

    /// The form as the record stores it.
    package var value: Value {
        func int(_ n: Int?) -> Value { n.map { .int($0) } ?? .null }
        func string(_ s: String?) -> Value { s.map { .string($0) } ?? .null }
        var out: [String: Value] = [:]
        for (key, entry) in entries {
            out[key] = .object(["mapping": .bool(entry.isMapping), "fields": .object(entry.fields.mapValues { .string($0) }),
                                "line": int(entry.line), "lines": .object(entry.lines.mapValues { .int($0) })])
        }
        var form: [String: Value] = ["name": string(name), "version": string(version), "line": int(line), "settings": .bool(hasSettings),
                                     "settings_line": int(settingsLine), "keys": .array(keys.map { .string($0) }), "entries": .object(out)]
        // Only when the file names one: a form kept before there was an instruments folder reads the same.
        if let instruments { form["instruments"] = .string(instruments) }
        return .object(form)
    }

    /// The form the record stored, or `nil` if it is not one.
    package init?(_ value: Value) {
        guard let top = value.objectValue, let keys = top["keys"]?.arrayValue, let entries = top["entries"]?.objectValue,
              case .bool(let hasSettings) = top["settings"] else { return nil }
        self.name = top["name"]?.stringValue
        self.version = top["version"]?.stringValue
        self.instruments = top["instruments"]?.stringValue
        self.line = top["line"]?.intValue
        self.hasSettings = hasSettings
        self.settingsLine = top["settings_line"]?.intValue
        self.keys = keys.compactMap(\.stringValue)
        guard self.keys.count == keys.count else { return nil }
        for (key, stored) in entries {
            guard let object = stored.objectValue, case .bool(let isMapping) = object["mapping"],
                  let fields = object["fields"]?.objectValue, let lines = object["lines"]?.objectValue else { return nil }
            var entry = Entry(isMapping: isMapping, line: object["line"]?.intValue)
            for (field, text) in fields {
                guard let text = text.stringValue else { return nil }
                entry.fields[field] = text
            }
            for (field, at) in lines {
                guard let at = at.intValue else { return nil }
                entry.lines[field] = at
            }
            self.entries[key] = entry
        }
        guard Set(self.keys) == Set(self.entries.keys) else { return nil }
    }
}
