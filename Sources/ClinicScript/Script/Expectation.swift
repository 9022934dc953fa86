import ClinicEngine
import ClinicKit
import ClinicStorage
import Foundation

/// An `expect` line of a script: what the record, a fact or the next command must be. A script with
/// expectations doubles as an acceptance test.
///
/// ```
/// expect fact intake.complete
/// expect no fact screening.eligible
/// expect value intake.bmi = 26.3            # =  !=  <  <=  >  >=  contains
/// expect count intake.measured = 1          # the open patient's entries of a module (or module.kind)
/// expect count patients >= 200              # patients, visits, records: the whole database
/// expect error                              # the next command must fail…
/// expect error consent.signed is missing    # …with this in its message
/// ```
enum Expectation: Equatable {
    case fact(String, present: Bool)
    case value(path: [String], op: Comparison, expected: String)
    case count(what: String, op: Comparison, expected: Int)
    case error(fragment: String?)

    enum Comparison: String, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case contains

        init?(word: String) {
            if word == "==" { self = .equal; return }
            self.init(rawValue: word.lowercased())
        }

        func holds(_ order: ComparisonResult) -> Bool {
            switch self {
            case .equal: return order == .orderedSame
            case .notEqual: return order != .orderedSame
            case .less: return order == .orderedAscending
            case .lessOrEqual: return order != .orderedDescending
            case .greater: return order == .orderedDescending
            case .greaterOrEqual: return order != .orderedAscending
            case .contains: return order == .orderedSame
            }
        }
    }

    static let usage = "expect fact NAME | expect no fact NAME | expect value MODULE.FIELD = VALUE | expect count WHAT = N | expect error [TEXT]"

    /// Reads the words after `expect`.
    static func parse(_ words: [String]) throws -> Expectation {
        let w = words.map { $0 }
        let ops = Comparison.allCases.map(\.rawValue).joined(separator: " ")
        switch w.first?.lowercased() {
        case "fact" where w.count == 2: return .fact(w[1], present: true)
        case "no" where w.count == 3 && w[1].lowercased() == "fact": return .fact(w[2], present: false)
        case "error": return .error(fragment: w.count > 1 ? w.dropFirst().joined(separator: " ") : nil)
        case "value":
            guard w.count >= 4, let op = Comparison(word: w[2]) else {
                throw CommandError("expect value needs MODULE.FIELD, a comparison and a value",
                                     hint: "type e.g. expect value intake.bmi = 26.3 (comparisons: \(ops))")
            }
            let path = w[1].split(separator: ".").map(String.init)
            guard path.count >= 2 else {
                throw CommandError("expect value \(w[1]): name the module and the field", hint: "type e.g. expect value intake.weight_kg > 40")
            }
            return .value(path: path, op: op, expected: w[3...].joined(separator: " "))
        case "count":
            guard w.count == 4, let op = Comparison(word: w[2]), op != .contains, let n = Int(w[3]), n >= 0 else {
                throw CommandError("expect count needs what to count, a comparison and a number",
                                     hint: "type e.g. expect count patients = 200, or expect count intake.measured = 1")
            }
            return .count(what: w[1].lowercased(), op: op, expected: n)
        default:
            throw CommandError("cannot read this expect line", hint: "write \(usage)")
        }
    }

    /// Checks a fact, value or count against the record now; throws what was expected and found.
    /// (`expect error` is checked by the runner against the next command.)
    func check(in session: Session) throws {
        switch self {
        case .error: return
        case .fact(let name, let present):
            let engine = FactEngine(session: session)
            guard engine.spec(name) != nil else {
                throw CommandError("expected fact \(name), but no loaded module publishes it", hint: "check its name with status")
            }
            guard session.patient != nil else { throw CommandError("expect fact \(name): no patient is open", hint: "open a patient first") }
            let fact = try engine.fact(name)
            let isPresent = fact?.isPresent == true
            if isPresent != present {
                let found = isPresent ? "present" : "missing (\(fact?.detail ?? "not reported"))"
                throw CommandError("expected \(present ? "fact" : "no fact") \(name), found it \(found)")
            }
        case .value(let path, let op, let expected):
            try checkValue(path: path, op: op, expected: expected, in: session)
        case .count(let what, let op, let expected):
            let found = try count(what, in: session)
            if !op.holds(compare(found, expected)) {
                throw CommandError("expected count \(what) \(op.rawValue) \(expected), found \(found)")
            }
        }
    }

    private func count(_ what: String, in session: Session) throws -> Int {
        switch what {
        case "patients", "visits", "records":
            return try session.store.count(StoreCount(rawValue: what) ?? .records)
        default:
            guard let patient = session.patient else {
                throw CommandError("expect count \(what): no patient is open", hint: "open a patient, or count patients, visits or records")
            }
            let parts = what.split(separator: ".", maxSplits: 1).map(String.init)
            return try session.store.records(patientID: patient.id, module: parts[0], kind: parts.count > 1 ? parts[1] : nil).count
        }
    }

    private func checkValue(path: [String], op: Comparison, expected: String, in session: Session) throws {
        let label = path.joined(separator: ".")
        guard let patient = session.patient else {
            throw CommandError("expect value \(label): no patient is open", hint: "open a patient first")
        }
        let records = try session.store.records(patientID: patient.id, module: path[0]).reversed()
        // module.kind.field when the second word is a kind of that module's entries; else module.field.
        let byKind = path.count > 2 && records.contains { $0.kind == path[1] }
        let fieldPath = Array(path.dropFirst(byKind ? 2 : 1))
        var found: Value?
        for record in records where !byKind || record.kind == path[1] {
            if let v = Self.lookup(fieldPath, in: record.payload) { found = v; break }
        }
        guard let found else {
            throw CommandError("expected \(label) \(op.rawValue) \(expected), found no \(path[0]) entry with \(fieldPath.joined(separator: "."))")
        }
        if !Self.matches(found, op, expected) {
            throw CommandError("expected \(label) \(op.rawValue) \(expected), found \(found.typed)")
        }
    }

    static func lookup(_ path: [String], in payload: Value) -> Value? {
        var current = payload
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Numbers compare as numbers; `=` on a number holds within half a unit of the expected value's
    /// last decimal (`bmi = 26.3` holds for 26.32). Yes/no compare with booleans; a list `=` the
    /// comma-separated items; `contains` looks for an item or, in text, a fragment (any case).
    static func matches(_ found: Value, _ op: Comparison, _ expected: String) -> Bool {
        let e = expected.trimmed
        if op == .contains {
            if let items = found.arrayValue { return items.contains { $0.typed.lowercased() == e.lowercased() } }
            return found.typed.lowercased().contains(e.lowercased())
        }
        if let number = found.doubleValue, let target = Double(e) {
            if op == .equal || op == .notEqual {
                let decimals = e.split(separator: ".").dropFirst().first?.count ?? 0
                let same = abs(number - target) < 0.5 * pow(10, -Double(decimals)) + 1e-9
                return same == (op == .equal)
            }
            return op.holds(number < target ? .orderedAscending : number > target ? .orderedDescending : .orderedSame)
        }
        if let flag = found.boolValue {
            let yes = ["yes", "true", "y"], no = ["no", "false", "n"]
            guard yes.contains(e.lowercased()) || no.contains(e.lowercased()), op == .equal || op == .notEqual else { return false }
            return (flag == yes.contains(e.lowercased())) == (op == .equal)
        }
        let text = found.typed
        let order: ComparisonResult = text == e ? .orderedSame : (text < e ? .orderedAscending : .orderedDescending)
        return op.holds(order)
    }

    private func compare(_ a: Int, _ b: Int) -> ComparisonResult { a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame }
}
