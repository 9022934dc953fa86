import ClinicKit
import ClinicStorage
import Foundation

/// A questionnaire given as data: a FHIR R4 `Questionnaire` with the Structured Data Capture
/// extensions the shell needs, read by ``InstrumentFile``. Its items are asked one by one as a
/// coded module's fields are, its scores are worked out by ``FHIRPathSubset`` expressions, and it
/// carries worked examples the program scores before it lets the instrument be used.
package struct Instrument: Sendable {
    package struct Option: Sendable, Equatable {
        package var code: String
        package var display: String
        /// The option's ordinal value (SDC `ordinalValue` or `itemWeight`), what a score adds.
        package var weight: Double?
    }

    package enum Kind: Sendable, Equatable {
        case choice([Option])
        case integer(ClosedRange<Int>)
        case decimal(ClosedRange<Double>)
        case boolean
        case text(maxLength: Int)
    }

    /// When an item is asked: another item's answer compared with a value (FHIR `enableWhen`).
    package struct Condition: Sendable, Equatable {
        package var question: String
        /// `exists`, `=`, `!=`, `>`, `<`, `>=`, `<=`.
        package var comparison: String
        package var answer: FHIRPathSubset.Value
    }

    package struct Item: Sendable {
        package var linkId: String
        package var text: String
        package var help: String?
        package var kind: Kind
        package var required: Bool
        package var enableWhen: [Condition]
        /// Whether every condition must hold (`all`) or one (`any`).
        package var enableWhenAll: Bool
        /// What the item holds before it is answered (FHIR `initial`), shown as the answer to keep.
        package var initial: FHIRPathSubset.Value?
    }

    /// A score: an item the response does not answer but works out (SDC `calculatedExpression`).
    package struct Score: Sendable {
        package var linkId: String
        package var text: String
        package var expression: FHIRPathSubset.Expression
        package var source: String
        /// `integer`, `decimal` or `boolean` (a positive screen).
        package var type: String
        /// The code a score is exported with, if the file gives one (`system|code|display`).
        package var code: (system: String, code: String, display: String)?
    }

    package struct Band: Sendable, Equatable {
        package var range: ClosedRange<Double>
        package var label: String
    }

    /// Words shown to staff: as the file gives them, or worked out from the response by an
    /// expression that gives text (`'PHQ-9 item 9 is ' & … .toString()`).
    package enum Text: Sendable {
        case fixed(String)
        case expression(FHIRPathSubset.Expression)

        func said(in response: FHIRPathSubset.Response, _ what: String) throws(FHIRPathSubset.Failure) -> String {
            switch self {
            case .fixed(let text): return text
            case .expression(let e):
                let value = try FHIRPathSubset.evaluate(e, response)
                guard value.count == 1, case .string(let text) = value[0] else { throw FHIRPathSubset.Failure(reason: "\(what) gives no text") }
                return text
            }
        }
    }

    /// An answer that needs a clinician whatever the total (PHQ-9 item 9), as declared with its source.
    package struct Alert: Sendable {
        package var when: FHIRPathSubset.Expression
        package var message: Text
        /// The response's field set true when it is raised (`item9_alert`).
        package var flag: String
        package var source: String
    }

    /// A worked example: answers as typed on one line (`q1=3 q2=0 …`), the patient and protocol
    /// values it assumes (`sex=F women=3`), and what they must score.
    package struct Example: Sendable {
        package var number: Int
        package var answers: [String: String]
        package var context: [String: FHIRPathSubset.Value]
        package var expected: [String: FHIRPathSubset.Value?]
        package var band: String?
        /// The alerts' flags it raises, when the example says (`item9_alert`).
        package var flags: [String]?
        /// The result line it shows, when the example says (the file's `result`).
        package var result: String?
        package var source: String
    }

    /// A value the host gives the expressions (`%sex`, a protocol setting's value), by name.
    package struct ContextVariable: Sendable, Equatable {
        package var name: String
        /// The clinic-protocol setting it holds (`screening.audit_c_positive_women`); `nil`: the patient's sex code (F, M, X).
        package var setting: String?
    }

    /// The questionnaire's canonical URL and version: what a response names.
    package var url: String
    package var version: String
    /// The module whose commands it joins, and its verb (`screening isi`).
    package var module: String
    package var verb: String
    package var title: String
    /// One line for `help`: what it measures, its items and range.
    package var summary: String
    package var items: [Item]
    /// Variables (SDC `variable`), worked out in order before the scores.
    package var variables: [(name: String, expression: FHIRPathSubset.Expression)]
    package var context: [ContextVariable]
    /// Its scores, in order; the first is the total that bands, trends and facts speak of.
    package var scores: [Score]
    package var bands: [Band]
    package var bandsSource: String?
    package var alerts: [Alert]
    /// What the shell says a response scored, after `recorded TITLE #N ·`; by default the total,
    /// the other scores and the band (`ISI 15 · clinical insomnia, moderate`).
    package var result: Text?
    package var examples: [Example]
    /// Whether a lower total is better (`lower`) or a higher (`higher`), for follow-up's trend.
    package var betterWhen: String?
    /// The smallest change of the total that matters to a patient, for follow-up's trend.
    package var minimalImportantDifference: Double?
    /// The file's text's SHA-256: the instrument a response was scored by.
    package var sha256: String
    /// The questionnaire as the file gives it, exported with the responses to it.
    package var resource: Value
    /// The folder it was read from (the shipped one, or a clinic's).
    package var folder = ""
    /// Whether it is asked only in an open visit (not by telephone): the file's `needs-visit`.
    package var needsVisit = true

    package var total: Score? { scores.first }

    /// The facts its scores publish, named by its command word (`instrument.isi.total`), which
    /// no two instruments share.
    package var facts: [String] { scores.map { "instrument.\(verb).\($0.linkId)" } }

    /// Its canonical URL and version, as a response names the questionnaire it answers
    /// (`https://clinic.example.org/fhir/Questionnaire/isi|1.0.0`).
    package var canonical: String { "\(url)|\(version)" }

    package func band(_ total: Double) -> String? { bands.first { $0.range.contains(total) }?.label }

    // MARK: - Scoring

    /// What a response scored: each score (none where its expression gives nothing), the total's
    /// band, and the alerts raised.
    package struct Result: Sendable, Equatable {
        package var scores: [String: FHIRPathSubset.Value?]
        package var band: String?
        package var alerts: [String]
        package var flags: [String]
        /// What the file got wrong that scoring went past (an alert's message that gives no text).
        package var faults: [String] = []
        /// The file's own words for the result, when it gives them.
        package var shown: String?
    }

    /// Whether `item` is asked, given the answers so far.
    package func isEnabled(_ item: Item, _ answers: [String: FHIRPathSubset.Value]) -> Bool {
        guard !item.enableWhen.isEmpty else { return true }
        let held = item.enableWhen.map { c -> Bool in
            let given = answers[c.question]
            if c.comparison == "exists" { return (given != nil) == (c.answer == .bool(true)) }
            guard let given else { return false }
            switch (given, c.answer) {
            case (.coding(let code, _), .string(let s)), (.coding(let code, _), .coding(let s, _)):
                return c.comparison == "=" ? code == s : c.comparison == "!=" ? code != s : false
            case (.number(let a), .number(let b)):
                switch c.comparison {
                case "=": return a == b
                case "!=": return a != b
                case ">": return a > b
                case "<": return a < b
                case ">=": return a >= b
                default: return a <= b
                }
            default:
                return c.comparison == "=" ? given == c.answer : c.comparison == "!=" ? given != c.answer : false
            }
        }
        return item.enableWhenAll ? !held.contains(false) : held.contains(true)
    }

    /// The answers of the items asked: an item its enableWhen leaves out (given the answers kept
    /// before it) has none, whatever was typed for it.
    package func asked(_ answers: [String: FHIRPathSubset.Value]) -> [String: FHIRPathSubset.Value] {
        var kept: [String: FHIRPathSubset.Value] = [:]
        for item in items where isEnabled(item, kept) { kept[item.linkId] = answers[item.linkId] }
        return kept
    }

    /// Scores `answers` (each item's value; an item not asked or not answered has none), with the
    /// ``context`` variables' values.
    package func score(_ answers: [String: FHIRPathSubset.Value], context values: [String: FHIRPathSubset.Value] = [:]) throws(FHIRPathSubset.Failure) -> Result {
        let kept = asked(answers)
        var response = FHIRPathSubset.Response(items: items.map(\.linkId) + scores.map(\.linkId), answers: kept)
        for variable in context {
            guard let value = values[variable.name] else { throw FHIRPathSubset.Failure(reason: "%\(variable.name) is not given") }
            response.variables[variable.name] = [value]
        }
        for variable in variables {
            response.variables[variable.name] = try FHIRPathSubset.evaluate(variable.expression, response)
        }
        var scored: [String: FHIRPathSubset.Value?] = [:]
        for score in scores {
            let value = try FHIRPathSubset.evaluate(score.expression, response)
            guard value.count <= 1 else { throw FHIRPathSubset.Failure(reason: "\(score.linkId) gives \(value.count) values, not one") }
            guard var first = value.first else {
                scored[score.linkId] = .some(nil)
                continue
            }
            if case .number(let n) = first, !n.isFinite || abs(n) >= 1e15 {
                throw FHIRPathSubset.Failure(reason: "\(score.linkId) gives a number too large to keep")
            }
            switch (first, score.type) {
            case (.number(let n), "integer") where n.rounded() == n, (.number(let n), "decimal"): first = .number(n)
            case (.bool, "boolean"), (.string, "string"): break
            default: throw FHIRPathSubset.Failure(reason: "\(score.linkId) gives no \(score.type == "integer" ? "whole number" : score.type == "boolean" ? "true or false" : score.type == "string" ? "text" : "number")")
            }
            scored[score.linkId] = first
            response.answers[score.linkId] = first
        }
        var result = Result(scores: scored, band: nil, alerts: [], flags: [])
        if let total, case .number(let value)?? = scored[total.linkId] { result.band = band(value) }
        for alert in alerts {
            // An alert's condition is true, false or nothing: anything else is a fault of the file,
            // which its worked examples find when it is loaded.
            let when = try FHIRPathSubset.evaluate(alert.when, response)
            guard when.isEmpty || when == [.bool(true)] || when == [.bool(false)] else {
                throw FHIRPathSubset.Failure(reason: "the alert \(alert.flag)'s condition gives no true or false")
            }
            guard when == [.bool(true)] else { continue }
            // What it says is never a reason to lose the response and the alert with it: a message
            // that gives no text (a fault of the file, which its examples are checked for) raises
            // the alert in the program's words.
            let said: String
            do { said = try alert.message.said(in: response, "the alert \(alert.flag)'s message").trimmingCharacters(in: .whitespaces) } catch {
                result.faults.append(error.reason)
                said = ""
            }
            if said.isEmpty && result.faults.isEmpty { result.faults.append("the alert \(alert.flag)'s message gives no words") }
            result.alerts.append(said.isEmpty ? "\(title): \(alert.flag) raised (\(alert.source))" : said)
            result.flags.append(alert.flag)
        }
        result.shown = try self.result?.said(in: response, "the result")
        return result
    }

    /// One answer as typed (`3`, `yes`, `12.5`), read for `item`, or why it is not one.
    package static func value(_ typed: String, for item: Item) -> Reading {
        switch item.kind {
        case .choice(let options):
            guard let option = options.first(where: { $0.code == typed }) else {
                return .failure("\(item.linkId) is one of \(options.map(\.code).joined(separator: ", ")), not '\(typed)'")
            }
            return .success(.coding(code: option.code, weight: option.weight))
        case .integer(let range):
            guard let n = Int(typed), range.contains(n) else { return .failure("\(item.linkId) is a whole number \(range.lowerBound)–\(range.upperBound), not '\(typed)'") }
            return .success(.number(Double(n)))
        case .decimal(let range):
            guard let n = Double(typed), range.contains(n) else { return .failure("\(item.linkId) is a number \(range.lowerBound)–\(range.upperBound), not '\(typed)'") }
            return .success(.number(n))
        case .boolean:
            switch typed.lowercased() {
            case "yes", "y", "true": return .success(.bool(true))
            case "no", "n", "false": return .success(.bool(false))
            default: return .failure("\(item.linkId) is yes or no, not '\(typed)'")
            }
        case .text(let max):
            guard typed.count <= max else { return .failure("\(item.linkId) holds up to \(max) characters") }
            return .success(.string(typed))
        }
    }

    package enum Reading: Sendable, Equatable {
        case success(FHIRPathSubset.Value)
        case failure(String)
    }
}
