import ClinicKit
import ClinicStorage

/// Checks that a module's declaration is one the host can derive parsing, prompting and gating from.
enum DeclarationCheck {
    /// Everything wrong with `declaration`, each in one line; empty when it is sound.
    static func problems(in declaration: ModuleDeclaration, reserved: Set<String>) -> [String] {
        var problems: [String] = []
        let name = declaration.manifest.name
        if !isWord(name) {
            problems.append("module name '\(name)' must be lower-case letters, digits and '-', starting with a letter")
        }
        if reserved.contains(name) {
            problems.append("module name '\(name)' is a command of the clinic shell itself")
        }
        for alias in declaration.manifest.aliases {
            if !isWord(alias) || alias == name { problems.append("module alias '\(alias)' must be a lower-case word other than the name") }
            if reserved.contains(alias) { problems.append("module alias '\(alias)' is a command of the clinic shell itself") }
        }
        var verbs: Set<String> = []
        for command in declaration.commands {
            for alias in command.aliases where !isWord(alias) || declaration.commands.contains(where: { $0.verb == alias }) {
                problems.append("'\(name) \(command.verb)' alias '\(alias)' must be a lower-case word that is no verb of the module")
            }
            let fieldNames = Set(command.fields.map(\.name))
            for pair in command.pairs {
                if !isWord(pair.name, allowUnderscore: true) || fieldNames.contains(pair.name) {
                    problems.append("'\(name) \(command.verb)' pair '\(pair.name)' must be a lower-case word that names no field")
                }
                for half in [pair.first, pair.second] where !fieldNames.contains(half) {
                    problems.append("'\(name) \(command.verb)' pair '\(pair.name)' names '\(half)', which is not one of its fields")
                }
                if pair.separator.isEmpty || pair.separator.contains(" ") || pair.separator.contains("=") {
                    problems.append("'\(name) \(command.verb)' pair '\(pair.name)' needs a separator without spaces or '='")
                }
            }
            if let short = command.shortForm {
                for word in short.words where !isWord(word) || reserved.contains(word) || word == name || declaration.manifest.aliases.contains(word) {
                    problems.append("'\(name) \(command.verb)' short form '\(word)' must be a lower-case word that is no command of the shell or name of the module")
                }
                let pairNames = Set(command.pairs.map(\.name))
                for value in short.values where !fieldNames.contains(value) && !pairNames.contains(value) {
                    problems.append("'\(name) \(command.verb)' short form reads '\(value)', which is no field or pair of it")
                }
            }
            if let key = command.requiredFieldsSetting, !declaration.settings.contains(where: { $0.key == key }) {
                problems.append("'\(name) \(command.verb)' takes its required fields from '\(key)', which is not one of the module's settings")
            }
            let label = "\(name) \(command.verb)"
            if !isWord(command.verb) { problems.append("verb '\(command.verb)' is not a lower-case word") }
            if !verbs.insert(command.verb).inserted { problems.append("'\(label)' is declared twice") }
            if command.roles.isEmpty { problems.append("'\(label)' names no role that may run it") }
            if command.needsVisit && !command.needsPatient { problems.append("'\(label)' needs a visit but not a patient") }
            var fields: Set<String> = []
            for field in command.fields {
                if !isWord(field.name, allowUnderscore: true) { problems.append("'\(label)' field '\(field.name)' is not a lower-case word") }
                if field.name == "at" { problems.append("'\(label)' field 'at' is the shell's own (--at TIME, for a late entry)") }
                if !fields.insert(field.name).inserted { problems.append("'\(label)' declares field '\(field.name)' twice") }
                switch field.kind {
                case .choice(let cs), .choices(let cs), .outcomes(let cs):
                    if cs.isEmpty { problems.append("'\(label)' field '\(field.name)' has no choices") }
                case .quantity(let units, let range):
                    if units.isEmpty { problems.append("'\(label)' field '\(field.name)' has no unit") }
                    if !range.lowerBound.isFinite || !range.upperBound.isFinite { problems.append("'\(label)' field '\(field.name)' has an infinite range") }
                case .text(let max), .list(let max):
                    if max < 1 { problems.append("'\(label)' field '\(field.name)' allows no length") }
                default: break
                }
                if !field.units.isEmpty {
                    switch field.kind {
                    case .integer, .decimal:
                        if field.units.contains(where: { $0.dimension != field.units[0].dimension || !$0.factor.isFinite || $0.factor == 0 || !$0.offset.isFinite }) {
                            problems.append("'\(label)' field '\(field.name)' has units of more than one dimension, or a unit that does not convert")
                        }
                    default: problems.append("'\(label)' field '\(field.name)' has units, which only a number's field takes")
                    }
                }
            }
        }
        for fact in declaration.facts where !fact.name.hasPrefix(name + ".") {
            problems.append("fact '\(fact.name)' must start with '\(name).'")
        }
        var keys: Set<String> = []
        for setting in declaration.settings {
            let rest = setting.key.hasPrefix(name + ".") ? String(setting.key.dropFirst(name.count + 1)) : ""
            if !isWord(rest, allowUnderscore: true) {
                problems.append("setting '\(setting.key)' must be '\(name).' and a lower-case word (letters, digits, _)")
            }
            if !keys.insert(setting.key).inserted { problems.append("setting '\(setting.key)' is declared twice") }
            if HostSettings.specs.contains(where: { $0.key == setting.key }) { problems.append("setting '\(setting.key)' is the shell's own") }
            switch setting.kind {
            case .decimal(let range, _), .decimals(let range, _):
                if !range.lowerBound.isFinite || !range.upperBound.isFinite { problems.append("setting '\(setting.key)' has an infinite range") }
            default: break
            }
        }
        return problems
    }

    static func isWord(_ s: String, allowUnderscore: Bool = false) -> Bool {
        let bytes = s.utf8
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 40 else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-") || (allowUnderscore && $0 == UInt8(ascii: "_"))
        }
    }
}
