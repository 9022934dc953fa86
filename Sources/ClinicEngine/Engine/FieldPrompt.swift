import ClinicKit
import Foundation

/// The one reader every field's answer is typed at, host's and modules' alike, after VistA's:
///
/// - `VALUE//` shows what the record offers; Enter takes it.
/// - `?` gives the short help: what the field takes, an example and the keys.
/// - `??` gives the field's whole help, with each choice's meaning.
/// - `^` goes back one item (a 21-item instrument need not be typed again for one slip).
/// - `^^`, or Ctrl-D, abandons the command; Ctrl-C does too once it is confirmed, when answers
///   would be lost.
/// - `name=value` is taken as the value, as on a command line.
/// - Dates take `T`, `T-1`, `T+7`, `today` and `yesterday`.
///
/// A refused answer says what to type at this prompt, and the field is asked again.
enum FieldPrompt {
    enum Answer: Equatable {
        case value(Value, text: String)
        /// `allergies=penicillin` typed at another field's prompt: that field's answer, as typed;
        /// this prompt is asked again.
        case other(String, text: String)
        case back
        case abandon
    }

    /// An answer that would be accepted here, as typed at the prompt (`72kg`, not `weight=72kg`).
    static func sample(_ spec: FieldSpec) -> String {
        let example = spec.example
        let prefix = spec.name + "="
        return example.hasPrefix(prefix) ? String(example.dropFirst(prefix.count)) : example
    }

    /// A pair's answer as typed (`128/80`), from its fields' samples.
    static func sample(_ pair: FieldPair, fields: [FieldSpec]) -> String {
        let half = { (name: String) in fields.first { $0.name == name }.map(sample) ?? "…" }
        return half(pair.first) + pair.separator + half(pair.second)
    }

    /// Asks for `spec`. `offered` is what Enter takes, as it would be typed; `answered` counts the
    /// answers Ctrl-C would lose.
    /// `expects` says what may be typed where the field's kind does not (a pair: `sbp/dbp`).
    /// `others` are the command's other fields, which may be answered here as `name=value`.
    static func ask(_ spec: FieldSpec, default offered: String?, input: any LineInput, in session: Session, answered: Int,
                    canGoBack: Bool, expects: String? = nil, others: [String] = []) -> Answer {
        let expects = expects ?? spec.expects
        let console = session.console
        // The item's wording, and the anchors of a scale whose answers are numbers.
        console.out("  \(spec.help)")
        if case .choice(let choices) = spec.kind, choices.allSatisfy({ Int($0.id) != nil }) {
            console.out("    " + choices.map { "\($0.id) = \($0.label)" }.joined(separator: " · "))
        }
        let shownDefault = offered
        let prompt = "  \(spec.name) (\(expects))" + (shownDefault.map { " \($0)// " } ?? ": ")
        while true {
            switch input.readLine(prompt: prompt, completion: .field(spec)) {
            case .end:
                return .abandon
            case .interrupt:
                // Ctrl-C throws answers away only when the person means it (a second Ctrl-C does).
                guard answered > 0 else { return .abandon }
                switch input.readLine(prompt: "  Abandon the command and the \(answered) answer\(answered == 1 ? "" : "s") typed? [y/N] ", completion: .none) {
                case .interrupt, .end: return .abandon
                case .line(let answer): if Session.isYes(answer) { return .abandon }
                }
                continue
            case .line(let raw):
                if session.lastActivity != nil { session.lastActivity = session.clock.wallTime() }
                var text = raw.trimmed
                switch text {
                case "^^": return .abandon
                case "^":
                    if canGoBack { return .back }
                    console.err("  this is the first item: nothing to go back to (^^ abandons the command)")
                    continue
                case "?":
                    console.out("    \(spec.name): \(expects); e.g. \(sample(spec))" + (shownDefault.map { "; Enter takes \($0)" } ?? ""))
                    console.out("    ?? for more · ^ back one item · ^^ abandon the command")
                    continue
                case "??":
                    for line in longHelp(spec, expects: expects) { console.out(line) }
                    continue
                case "":
                    // Enter takes what is offered, read as if it were typed.
                    guard let offered else {
                        console.err("  \(spec.name) is needed: type e.g. \(sample(spec)) (? for help, ^^ to abandon)")
                        continue
                    }
                    text = offered
                default: break
                }
                // `weight=72kg` at the weight prompt is the weight.
                if let eq = text.firstIndex(of: "=") {
                    let name = text[..<eq].trimmed.lowercased()
                    if name == spec.name {
                        text = String(text[text.index(after: eq)...]).trimmed
                    } else if others.contains(name) {
                        return .other(name, text: String(text[text.index(after: eq)...]).trimmed)
                    }
                }
                do {
                    let (value, kept) = try spec.read(text, today: session.today)
                    if case .quantity(let units, _) = spec.kind, let q = Quantity(value, units: units),
                       q.unit != units[0], q.unit.dimension == units[0].dimension {
                        console.out("    = \(FieldSpec.format((q.value(in: units[0]) * 10).rounded() / 10)) \(units[0].symbol)")
                    }
                    // A number typed in another unit (98.2F) is shown as it is kept.
                    let lower = text.lowercased()
                    if let own = spec.units.first, let number = value.doubleValue,
                       spec.units.dropFirst().contains(where: { u in lower.hasSuffix(u.symbol.lowercased()) || u.aliases.contains { lower.hasSuffix($0) } }) {
                        console.out("    = \(FieldSpec.format(number)) \(own.symbol)")
                    }
                    return .value(value, text: kept)
                } catch {
                    // The field's own advice, as it applies at its prompt: `72kg`, not `weight=72kg`.
                    let hint = error.hint.replacingOccurrences(of: "\(spec.name)=", with: "")
                    console.err("  error: \(error.problem); \(hint) (? for help, ^^ to abandon)")
                }
            }
        }
    }

    /// `??`: the field's whole help.
    static func longHelp(_ spec: FieldSpec, expects: String? = nil) -> [String] {
        var out = Layout.wrap(spec.help, width: Layout.width - 4).map { "    " + $0 }
        out.append("    takes \(expects ?? spec.expects)" + (spec.isRequired ? "" : " (optional)"))
        switch spec.kind {
        case .choice(let choices), .choices(let choices), .outcomes(let choices):
            out += choices.map { "      \($0.id)" + ($0.label == $0.id ? "" : " = \($0.label)") }
        default: break
        }
        out.append("    e.g. \(sample(spec)) · ^ back one item · ^^ abandon the command")
        return out
    }
}
