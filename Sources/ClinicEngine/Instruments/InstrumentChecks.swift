import ClinicKit
import Foundation

/// What an instrument file is checked by once it is read, before it is asked: its worked examples
/// scored as the program scores a response, and the answers no example gives.
extension InstrumentFile {
    /// Answers no worked example gives, scored as a response would be: every item at its lowest
    /// answer, at its highest, each one alone at its highest, and each optional one left out,
    /// under each context the examples give. A file whose expressions cannot score one of them (a
    /// path no example takes) is refused now, not when a patient answers so: the response would
    /// be refused and its alert with it.
    static func pathsProblems(_ instrument: Instrument) -> [String] {
        func ends(_ item: Instrument.Item) -> (low: FHIRPathSubset.Value, high: FHIRPathSubset.Value, typed: (String, String)) {
            switch item.kind {
            case .choice(let options):
                let sorted = options.enumerated().sorted { ($0.element.weight ?? Double($0.offset)) < ($1.element.weight ?? Double($1.offset)) }.map(\.element)
                let low = sorted.first!, high = sorted.last!
                return (.coding(code: low.code, weight: low.weight), .coding(code: high.code, weight: high.weight), (low.code, high.code))
            case .integer(let range): return (.number(Double(range.lowerBound)), .number(Double(range.upperBound)), ("\(range.lowerBound)", "\(range.upperBound)"))
            case .decimal(let range):
                return (.number(range.lowerBound), .number(range.upperBound), (FieldSpec.format(range.lowerBound), FieldSpec.format(range.upperBound)))
            case .boolean: return (.bool(false), .bool(true), ("no", "yes"))
            case .text: return (.string("-"), .string("a longer answer"), ("-", "'a longer answer'"))
            }
        }
        let items = instrument.items.filter {
            if case .choice(let options) = $0.kind { return !options.isEmpty }
            return true
        }
        let low = Dictionary(uniqueKeysWithValues: items.map { ($0.linkId, ends($0)) })
        var responses: [[String: Bool?]] = [items.reduce(into: [:]) { $0[$1.linkId] = false }, items.reduce(into: [:]) { $0[$1.linkId] = true }]
        for item in items {
            var one: [String: Bool?] = items.reduce(into: [:]) { $0[$1.linkId] = false }
            one[item.linkId] = true
            responses.append(one)
            if !item.required {
                one[item.linkId] = .some(nil)
                responses.append(one)
            }
        }
        var contexts: [[String: FHIRPathSubset.Value]] = []
        for example in instrument.examples where !contexts.contains(example.context) { contexts.append(example.context) }
        if contexts.isEmpty { contexts = [[:]] }
        var problems: [String] = []
        for response in responses {
            var answers: [String: FHIRPathSubset.Value] = [:]
            var typed: [String] = []
            for item in items {
                guard let end = low[item.linkId], let high = response[item.linkId], let high else { continue }
                answers[item.linkId] = high ? end.high : end.low
                typed.append("\(item.linkId)=\(high ? end.typed.1 : end.typed.0)")
            }
            for context in contexts {
                let faults: [String]
                do { faults = try instrument.score(answers, context: context).faults } catch { faults = [error.reason] }
                guard let fault = faults.first else { continue }
                let given = context.isEmpty ? "" : " (" + context.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: " ") + ")"
                problems.append("the answers \(typed.joined(separator: " "))\(given) cannot be scored: \(fault); no worked example takes that path")
                if problems.count >= 3 { return problems }
                break
            }
        }
        return problems
    }

    /// Each worked example scored as the program scores a response: every difference from what
    /// the example states, with both values.
    static func examplesProblems(_ instrument: Instrument) -> [String] {
        var problems: [String] = []
        var raised: Set<String> = []
        for example in instrument.examples {
            let place = "example \(example.number)"
            var answers: [String: FHIRPathSubset.Value] = [:]
            for (linkId, typed) in example.answers.sorted(by: { $0.key < $1.key }) {
                guard let item = instrument.items.first(where: { $0.linkId == linkId }) else {
                    problems.append("\(place): there is no item \(linkId)")
                    continue
                }
                switch Instrument.value(typed, for: item) {
                case .success(let v): answers[linkId] = v
                case .failure(let why): problems.append("\(place): \(why)")
                }
            }
            let result: Instrument.Result
            do { result = try instrument.score(answers, context: example.context) } catch {
                problems.append("\(place): cannot be scored: \(error.reason)")
                continue
            }
            for (linkId, expected) in example.expected.sorted(by: { $0.key < $1.key }) {
                guard let scored = result.scores[linkId] else {
                    problems.append("\(place): there is no score \(linkId)")
                    continue
                }
                if !same(scored, expected) {
                    problems.append("\(place): \(linkId) is \(text(scored)) by the instrument's scoring; the example says \(text(expected))")
                }
            }
            if let band = example.band, result.band != band {
                problems.append("\(place): the band is '\(result.band ?? "none")' by the instrument's bands; the example says '\(band)'")
            }
            if let shown = example.result, result.shown != shown {
                problems.append("\(place): the result reads '\(result.shown ?? "")'; the example says '\(shown)'")
            }
            for fault in result.faults { problems.append("\(place): \(fault)") }
            raised.formUnion(result.flags)
            if let flags = example.flags, Set(flags) != Set(result.flags) {
                func said(_ flags: [String]) -> String { flags.isEmpty ? "none" : flags.sorted().joined(separator: " ") }
                problems.append("\(place): the alerts raised are '\(said(result.flags))'; the example says '\(said(flags))'")
            }
        }
        // An alert is shown to fire as it is meant to, as a score is shown to add up: one that no
        // example raises might never be raised at all (a condition that cannot hold).
        if !instrument.examples.isEmpty {
            for alert in instrument.alerts where !raised.contains(alert.flag) {
                problems.append("the alert \(alert.flag) is raised by no worked example: add one whose answers raise it (alerts \(alert.flag))")
            }
        }
        return problems
    }

    static func same(_ a: FHIRPathSubset.Value?, _ b: FHIRPathSubset.Value?) -> Bool {
        if case .number(let x)? = a, case .number(let y)? = b { return abs(x - y) < 1e-9 }
        return a == b
    }

    static func text(_ v: FHIRPathSubset.Value?) -> String {
        switch v {
        case nil: return "no score"
        case .number(let n)?: return FieldSpec.format(n)
        case .bool(let b)?: return b ? "true" : "false"
        case let other?: return "\(other)"
        }
    }
}
