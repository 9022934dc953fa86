import ClinicKit
import Foundation

/// The small part of FHIRPath an instrument's scores are written in (SDC's `calculatedExpression`
/// and `variable`), read and evaluated by the program itself. docs/INSTRUMENTS.md lists it; what it
/// does not list is refused when the instrument is loaded, naming the expression's place in the
/// file and the word, so an instrument never loads with a score the program would work out
/// differently from what its author meant.
///
/// What it reads:
/// - `%resource.item` (the response's items, in the questionnaire's order), `.where(criteria)`
///   with `linkId` and `$this`, `.answer.value`, and `.weight()` (or `.ordinal()`: a choice's
///   ordinal value);
/// - `%name` for a variable declared before it (the questionnaire's own, in order);
/// - `sum()`, `count()`, `exists()`, `empty()`, `first()`, `not()`, `round(digits)`, `iif(c, a, b)`,
///   `toString()`;
/// - `+ - * /`, `&` (text joined; nothing reads as empty text), `= != < <= > >=`, `and or`, `in`,
///   `|` (union), numbers, `'text'`, `true`, `false`, `{}`.
package enum FHIRPathSubset {
    /// One value of a collection: every expression gives a collection (empty, one, or more).
    package enum Value: Equatable, Sendable {
        case number(Double)
        case bool(Bool)
        case string(String)
        /// An answer chosen from a list: its code and its ordinal value (none for an unweighted option).
        case coding(code: String, weight: Double?)
        /// One of the response's items, by link id.
        case item(String)
        /// An item's answer (its value is `.value`).
        case answer(String)
        case resource
    }

    /// What an expression is built of.
    package indirect enum Expression: Equatable, Sendable {
        case literal(Value)
        case empty
        case variable(String)
        case this
        /// A name read from the focus (`linkId`, `answer`, `value`, `item`).
        case member(Expression, String)
        case function(Expression?, String, [Expression])
        case binary(String, Expression, Expression)
        case negate(Expression)
    }

    /// An expression the program does not read: where in it, and why.
    package struct Refusal: Error, Equatable, Sendable {
        package var position: Int
        package var reason: String
    }

    // MARK: - Reading

    private static let functions: [String: ClosedRange<Int>] = [
        "where": 1...1, "sum": 0...0, "count": 0...0, "exists": 0...0, "empty": 0...0, "first": 0...0, "not": 0...0,
        "round": 0...1, "weight": 0...0, "ordinal": 0...0, "iif": 2...3, "toString": 0...0,
    ]
    private static let members: Set<String> = ["item", "answer", "value", "linkId"]

    /// Reads `text`, or says what it holds that is not in the subset.
    package static func parse(_ text: String) throws(Refusal) -> Expression {
        let tokens = try tokens(text)
        // A score's expression is tens of words; a bound keeps working one out shallow.
        if tokens.count > longest { throw Refusal(position: tokens[longest].position, reason: "the expression is longer than \(longest) words; declare a variable for a part of it") }
        var parser = Parser(tokens: tokens, length: text.count)
        let expression = try parser.expression(0)
        if let extra = parser.peek { throw Refusal(position: extra.position, reason: "'\(extra.text)' is not expected here") }
        return expression
    }

    struct Token: Equatable {
        enum Kind: Equatable { case number, string, name, variable, this, symbol }
        var kind: Kind
        var text: String
        var position: Int
    }

    static func tokens(_ text: String) throws(Refusal) -> [Token] {
        let chars = Array(text)
        var out: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber {
                while i < chars.count, chars[i].isNumber { i += 1 }
                if i + 1 < chars.count, chars[i] == ".", chars[i + 1].isNumber {
                    i += 1
                    while i < chars.count, chars[i].isNumber { i += 1 }
                }
                out.append(Token(kind: .number, text: String(chars[start..<i]), position: start))
            } else if c == "'" {
                i += 1
                var s = ""
                while i < chars.count, chars[i] != "'" {
                    if chars[i] == "\\" { throw Refusal(position: i, reason: "escapes in text are not read; write the text as it is") }
                    s.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw Refusal(position: start, reason: "the text is not closed with '") }
                i += 1
                out.append(Token(kind: .string, text: s, position: start))
            } else if c.isLetter || c == "_" || c == "%" || c == "$" {
                i += 1
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
                let word = String(chars[start..<i])
                if c == "%" {
                    guard word.count > 1 else { throw Refusal(position: start, reason: "% names nothing") }
                    out.append(Token(kind: .variable, text: String(word.dropFirst()), position: start))
                } else if c == "$" {
                    guard word == "$this" else { throw Refusal(position: start, reason: "'\(word)' is not read; $this is") }
                    out.append(Token(kind: .this, text: word, position: start))
                } else {
                    out.append(Token(kind: .name, text: word, position: start))
                }
            } else {
                let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
                if ["!=", "<=", ">="].contains(two) {
                    out.append(Token(kind: .symbol, text: two, position: start))
                    i += 2
                } else if "+-*/=<>().,|{}&".contains(c) {
                    out.append(Token(kind: .symbol, text: String(c), position: start))
                    i += 1
                } else {
                    throw Refusal(position: start, reason: "'\(c)' is not in the FHIRPath the program reads")
                }
            }
        }
        return out
    }

    /// How many words (names, numbers, operators) an expression may have.
    static let longest = 400

    /// How deeply an expression may nest (parentheses, arguments, operators): far past any
    /// instrument's, and short of what would exhaust the stack.
    static let deepest = 64

    private struct Parser {
        var tokens: [Token]
        var length: Int
        var index = 0
        var depth = 0

        var peek: Token? { index < tokens.count ? tokens[index] : nil }
        var position: Int { peek?.position ?? length }

        mutating func take() -> Token? {
            defer { index += 1 }
            return peek
        }

        mutating func expect(_ symbol: String) throws(Refusal) {
            guard let t = take(), t.kind == .symbol, t.text == symbol else {
                throw Refusal(position: tokens.indices.contains(index - 1) ? tokens[index - 1].position : length, reason: "'\(symbol)' is expected here")
            }
        }

        /// Binary operators from the loosest; FHIRPath's precedence.
        static let levels: [[String]] = [["or"], ["and"], ["in"], ["=", "!="], ["<", "<=", ">", ">="], ["|"], ["+", "-", "&"], ["*", "/"]]
        static let refusedOperators: Set<String> = ["xor", "implies", "contains", "div", "mod", "is", "as", "~", "!~"]

        mutating func expression(_ level: Int) throws(Refusal) -> Expression {
            if level == 0 {
                depth += 1
                guard depth <= FHIRPathSubset.deepest else { throw Refusal(position: position, reason: "the expression nests more than \(FHIRPathSubset.deepest) deep") }
            }
            defer { if level == 0 { depth -= 1 } }
            guard level < Self.levels.count else { return try unary() }
            var left = try expression(level + 1)
            while let t = peek, (t.kind == .symbol || t.kind == .name) {
                if t.kind == .name, Self.refusedOperators.contains(t.text) {
                    throw Refusal(position: t.position, reason: "'\(t.text)' is not in the FHIRPath the program reads")
                }
                guard Self.levels[level].contains(t.text) else { break }
                index += 1
                left = .binary(t.text, left, try expression(level + 1))
            }
            return left
        }

        mutating func unary() throws(Refusal) -> Expression {
            if let t = peek, t.kind == .symbol, t.text == "-" {
                index += 1
                depth += 1
                defer { depth -= 1 }
                guard depth <= FHIRPathSubset.deepest else { throw Refusal(position: t.position, reason: "the expression nests more than \(FHIRPathSubset.deepest) deep") }
                return .negate(try unary())
            }
            return try postfix(try term())
        }

        mutating func postfix(_ base: Expression) throws(Refusal) -> Expression {
            var e = base
            while let t = peek, t.kind == .symbol, t.text == "." {
                index += 1
                guard let name = take(), name.kind == .name else { throw Refusal(position: position, reason: "a name is expected after '.'") }
                e = try invocation(name, on: e)
            }
            return e
        }

        mutating func invocation(_ name: Token, on focus: Expression?) throws(Refusal) -> Expression {
            if let open = peek, open.kind == .symbol, open.text == "(" {
                guard let arity = FHIRPathSubset.functions[name.text] else {
                    throw Refusal(position: name.position, reason: "the function \(name.text)() is not in the FHIRPath the program reads")
                }
                index += 1
                var arguments: [Expression] = []
                if let close = peek, close.kind == .symbol, close.text == ")" { index += 1 } else {
                    arguments.append(try expression(0))
                    while let comma = peek, comma.kind == .symbol, comma.text == "," {
                        index += 1
                        arguments.append(try expression(0))
                    }
                    try expect(")")
                }
                guard arity.contains(arguments.count) else {
                    throw Refusal(position: name.position, reason: "\(name.text)() takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) or \(arity.upperBound)") argument\(arity.upperBound == 1 ? "" : "s"), not \(arguments.count)")
                }
                if name.text == "iif", focus != nil { throw Refusal(position: name.position, reason: "iif() is a function of its own, not of a value") }
                if name.text != "iif", focus == nil, !["where"].contains(name.text) {
                    throw Refusal(position: name.position, reason: "\(name.text)() is written after what it applies to (answer.value.\(name.text)())")
                }
                return .function(focus, name.text, arguments)
            }
            guard FHIRPathSubset.members.contains(name.text) else {
                throw Refusal(position: name.position, reason: "'\(name.text)' is not in the FHIRPath the program reads (it reads item, linkId, answer and value)")
            }
            return .member(focus ?? .this, name.text)
        }

        mutating func term() throws(Refusal) -> Expression {
            guard let t = take() else { throw Refusal(position: length, reason: "the expression ends too early") }
            switch t.kind {
            case .number:
                guard let n = Double(t.text), n.isFinite, n < 1e15 else { throw Refusal(position: t.position, reason: "'\(t.text)' is not a number") }
                return .literal(.number(n))
            case .string: return .literal(.string(t.text))
            case .variable: return .variable(t.text)
            case .this: return .this
            case .name:
                if t.text == "true" || t.text == "false" { return .literal(.bool(t.text == "true")) }
                return try invocation(t, on: nil)
            case .symbol:
                if t.text == "(" {
                    let inner = try expression(0)
                    try expect(")")
                    return inner
                }
                if t.text == "{" {
                    try expect("}")
                    return .empty
                }
                throw Refusal(position: t.position, reason: "'\(t.text)' is not expected here")
            }
        }
    }

    // MARK: - Evaluating

    /// What an expression is evaluated against: the response's answers, in the questionnaire's
    /// item order, and the variables worked out before it.
    package struct Response: Sendable {
        /// Each item's link id, in order.
        package var items: [String]
        /// Each answered item's value (a choice as its coding); an unanswered item has none.
        package var answers: [String: Value]
        package var variables: [String: [Value]] = [:]

        package init(items: [String], answers: [String: Value], variables: [String: [Value]] = [:]) {
            self.items = items
            self.answers = answers
            self.variables = variables
        }
    }

    /// A response the expression cannot be worked out on (a sum of text): a fault of the instrument
    /// that its worked examples find when it is loaded.
    package struct Failure: Error, Equatable, Sendable {
        package var reason: String
    }

    package static func evaluate(_ e: Expression, _ response: Response, this focus: [Value] = [.resource]) throws(Failure) -> [Value] {
        switch e {
        case .literal(let v): return [v]
        case .empty: return []
        case .this: return focus
        case .variable(let name):
            if name == "resource" { return [.resource] }
            guard let value = response.variables[name] else { throw Failure(reason: "%\(name) is not declared before it is used") }
            return value
        case .negate(let inner):
            var negated: [Value] = []
            for v in try evaluate(inner, response, this: focus) {
                guard case .number(let n) = v else { throw Failure(reason: "- applies to a number") }
                negated.append(.number(-n))
            }
            return negated
        case .member(let base, let name):
            return try evaluate(base, response, this: focus).flatMap { v -> [Value] in
                switch (v, name) {
                case (.resource, "item"): return response.items.map { Value.item($0) }
                case (.item(let id), "linkId"): return [.string(id)]
                case (.item(let id), "answer"): return response.answers[id] == nil ? [] : [.answer(id)]
                case (.answer(let id), "value"): return response.answers[id].map { [$0] } ?? []
                default: return []
                }
            }
        case .function(let base, let name, let arguments):
            if name == "iif" {
                let condition = try evaluate(arguments[0], response, this: focus)
                if condition == [.bool(true)] { return try evaluate(arguments[1], response, this: focus) }
                return arguments.count > 2 ? try evaluate(arguments[2], response, this: focus) : []
            }
            let input = try evaluate(base ?? .this, response, this: focus)
            return try apply(name, to: input, arguments, response)
        case .binary(let op, let l, let r):
            let left = try evaluate(l, response, this: focus), right = try evaluate(r, response, this: focus)
            return try binary(op, left, right)
        }
    }

    private static func number(_ c: [Value], _ what: String) throws(Failure) -> Double? {
        guard let first = c.first else { return nil }
        guard c.count == 1 else { throw Failure(reason: "\(what) needs one value, not \(c.count)") }
        guard case .number(let n) = first else { throw Failure(reason: "\(what) needs a number") }
        return n
    }

    private static func apply(_ name: String, to input: [Value], _ arguments: [Expression], _ response: Response) throws(Failure) -> [Value] {
        switch name {
        case "where":
            var kept: [Value] = []
            for v in input where try evaluate(arguments[0], response, this: [v]) == [.bool(true)] { kept.append(v) }
            return kept
        case "sum":
            var total = 0.0
            for v in input {
                guard case .number(let n) = v else { throw Failure(reason: "sum() adds numbers: use weight() for a choice's value") }
                total += n
            }
            guard total.isFinite else { throw Failure(reason: "sum() gives a number too large to keep") }
            return [.number(decimal(total))]
        case "count": return [.number(Double(input.count))]
        case "exists": return [.bool(!input.isEmpty)]
        case "empty": return [.bool(input.isEmpty)]
        case "first": return input.first.map { [$0] } ?? []
        case "not":
            guard let v = input.first else { return [] }
            guard input.count == 1, case .bool(let b) = v else { throw Failure(reason: "not() applies to one true or false") }
            return [.bool(!b)]
        case "weight", "ordinal":
            var weights: [Value] = []
            for v in input {
                guard case .coding(let code, let weight) = v else { throw Failure(reason: "\(name)() applies to a choice's answer") }
                guard let weight else { throw Failure(reason: "the answer '\(code)' has no ordinal value") }
                weights.append(.number(weight))
            }
            return weights
        case "round":
            guard let n = try number(input, "round()") else { return [] }
            var digits = 0.0
            if let a = arguments.first { digits = try number(evaluate(a, response), "round()'s digits") ?? 0 }
            guard (0...8).contains(digits), digits.rounded() == digits else { throw Failure(reason: "round() keeps 0 to 8 digits") }
            let scale = pow(10, digits)
            return [.number((n * scale).rounded(.toNearestOrAwayFromZero) / scale)]
        case "toString":
            guard let v = input.first else { return [] }
            guard input.count == 1 else { throw Failure(reason: "toString() applies to one value, not \(input.count)") }
            switch v {
            case .number(let n): return [.string(FieldSpec.format(n))]
            case .bool(let b): return [.string(b ? "true" : "false")]
            case .string(let s): return [.string(s)]
            case .coding(let code, _): return [.string(code)]
            default: throw Failure(reason: "toString() applies to a number, a choice, text or true or false")
            }
        default:
            throw Failure(reason: "\(name)() is not read")
        }
    }

    /// A result as FHIRPath's Decimal holds it, to 8 decimal places: 0.1 + 0.2 is 0.3, as on
    /// paper, not binary floating point's 0.30000000000000004 (which no band 0–0.3 holds).
    /// 1/3 is 0.33333333. Beyond ±10⁶ a number is kept as it is.
    static func decimal(_ n: Double) -> Double {
        abs(n) < 1e6 ? (n * 1e8).rounded() / 1e8 : n
    }

    private static func binary(_ op: String, _ left: [Value], _ right: [Value]) throws(Failure) -> [Value] {
        switch op {
        case "&":
            func text(_ c: [Value]) throws(Failure) -> String {
                guard let v = c.first else { return "" }
                guard c.count == 1, case .string(let s) = v else { throw Failure(reason: "& joins text: write toString() after a number") }
                return s
            }
            return [.string(try text(left) + text(right))]
        case "|":
            var out = left
            for v in right where !out.contains(v) { out.append(v) }
            return out
        case "and", "or":
            func truth(_ c: [Value]) throws(Failure) -> Bool? {
                guard let v = c.first else { return nil }
                guard c.count == 1, case .bool(let b) = v else { throw Failure(reason: "\(op) joins true or false") }
                return b
            }
            let a = try truth(left), b = try truth(right)
            if op == "and" {
                if a == false || b == false { return [.bool(false)] }
                return a == true && b == true ? [.bool(true)] : []
            }
            if a == true || b == true { return [.bool(true)] }
            return a == false && b == false ? [.bool(false)] : []
        case "in":
            guard let v = left.first else { return [] }
            guard left.count == 1 else { throw Failure(reason: "in tests one value") }
            return [.bool(right.contains(v))]
        case "=", "!=":
            guard let a = left.first, let b = right.first else { return [] }
            guard left.count == 1, right.count == 1 else { throw Failure(reason: "\(op) compares one value with one") }
            let same: Bool
            if case .coding(let code, _) = a, case .string(let s) = b { same = code == s } else { same = a == b }
            return [.bool(op == "=" ? same : !same)]
        default:
            guard let a = try number(left, op), let b = try number(right, op) else { return [] }
            switch op {
            case "+", "-", "*", "/":
                if op == "/" && b == 0 { return [] }
                let n = op == "+" ? a + b : op == "-" ? a - b : op == "*" ? a * b : a / b
                guard n.isFinite else { throw Failure(reason: "\(op) gives a number too large to keep") }
                return [.number(decimal(n))]
            case "<": return [.bool(a < b)]
            case "<=": return [.bool(a <= b)]
            case ">": return [.bool(a > b)]
            case ">=": return [.bool(a >= b)]
            default: throw Failure(reason: "\(op) is not read")
            }
        }
    }
}
