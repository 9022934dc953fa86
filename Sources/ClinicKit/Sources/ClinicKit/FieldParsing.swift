import Foundation

extension FieldSpec {
    /// Reads the text typed for this field into its value, or says what was wrong and what to type.
    ///
    /// - Parameters:
    ///   - text: the text after `name=`, or the answer at the field's prompt.
    ///   - today: the clinic's current date, for dates that may not lie in the future.
    /// - Returns: the value, in the shape ``FieldKind`` documents for each kind.
    /// - Throws: ``FieldError``.
    public func parse(_ text: String, today: DateComponents) throws(FieldError) -> Value {
        let t = text.trimmed
        guard !t.isEmpty else { throw fail("no value given", hint: "type e.g. \(example)") }
        // Control characters: ASCII ones by byte; other text is checked scalar by scalar.
        let hasControl = t.utf8.contains { $0 < 0x20 || $0 == 0x7F }
            || (!t.utf8.allSatisfy { $0 < 0x80 } && t.unicodeScalars.contains { $0.properties.generalCategory == .control })
        guard !hasControl else {
            throw fail("the value contains a control character", hint: "type e.g. \(example)")
        }
        switch kind {
        case .text(let max):
            guard t.count <= max else { throw fail("\(t.count) characters is longer than \(max)", hint: "shorten it") }
            return .string(t)

        case .integer(let range):
            if let (number, unit) = try splitUnit(t), unit != units[0] {
                // Typed in another unit: converted, then checked as if typed in the field's own.
                guard let d = Self.parseDecimal(number) else { throw fail("'\(t)' is not a number", hint: "type e.g. \(example)") }
                // Checked as a number before it is made whole: a huge one must not overflow.
                let converted = unit.convert(d, to: units[0]).rounded()
                let n = converted.isFinite && abs(converted) < 1e15 ? Int(converted) : Int.max
                guard range.contains(n) else {
                    throw fail("\(Self.format(d)) \(unit.symbol) (\(Self.format(converted)) \(units[0].symbol)) is outside \(range.lowerBound)–\(range.upperBound) \(units[0].symbol)",
                               hint: "check the value and its unit")
                }
                return .int(n)
            }
            let number = try splitUnit(t)?.number ?? t
            guard let n = Self.parseInteger(number) else {
                throw fail("'\(t)' is not a whole number", hint: "type e.g. \(example)")
            }
            guard range.contains(n) else {
                throw fail("\(n) is outside \(range.lowerBound)–\(range.upperBound)", hint: "check the value")
            }
            return .int(n)

        case .decimal(let range):
            let split = try splitUnit(t)
            guard let typed = Self.parseDecimal(split?.number ?? t) else {
                throw fail("'\(t)' is not a number", hint: "type e.g. \(example)")
            }
            var d = typed
            if let unit = split?.unit, unit != units[0] {
                d = (unit.convert(typed, to: units[0]) * 10).rounded() / 10
                guard range.contains(d) else {
                    throw fail("\(Self.format(typed)) \(unit.symbol) (\(Self.format(d)) \(units[0].symbol)) is outside \(Self.format(range.lowerBound))–\(Self.format(range.upperBound)) \(units[0].symbol)",
                               hint: "check the value and its unit")
                }
            }
            guard range.contains(d) else {
                throw fail("\(Self.format(d)) is outside \(Self.format(range.lowerBound))–\(Self.format(range.upperBound))", hint: "check the value")
            }
            return .double(d)

        case .quantity(let units, let range):
            let q = try parseQuantity(t, units: units)
            // A unit of another dimension than the first (mg beside mg/kg) does not convert: its
            // number is checked against the range as typed.
            let converts = q.unit.dimension == units[0].dimension
            let base = converts ? q.value(in: units[0]) : q.value
            guard range.contains(base) else {
                let shown = q.unit == units[0] || !converts ? "\(Self.format(q.value)) \(q.unit.symbol)"
                    : "\(Self.format(q.value)) \(q.unit.symbol) (\(Self.format((base * 10).rounded() / 10)) \(units[0].symbol))"
                let rangeUnit = converts ? units[0].symbol : q.unit.symbol
                throw fail("\(shown) is outside \(Self.format(range.lowerBound))–\(Self.format(range.upperBound)) \(rangeUnit)",
                           hint: "check the value and its unit")
            }
            return q.asValue

        case .date(let partial, let notInFuture):
            return try parseDate(t, partial: partial, notInFuture: notInFuture, today: today)

        case .yesNo:
            switch t.lowercased() {
            case "yes", "y", "true": return .bool(true)
            case "no", "n", "false": return .bool(false)
            default: throw fail("'\(t)' is not yes or no", hint: "type \(name)=yes or \(name)=no")
            }

        case .choice(let choices):
            guard let c = Self.match(t, in: choices) else {
                throw fail("'\(t)' is not one of \(choices.map(\.id).joined(separator: ", "))", hint: "type e.g. \(example)")
            }
            return .string(c.id)

        case .choices(let choices):
            if t.lowercased() == "none" { return .array([]) }
            var picked: [String] = []
            for item in Self.splitList(t) {
                if item.lowercased() == "none" {
                    throw fail("'none' cannot be combined with other choices", hint: "type \(name)=none alone")
                }
                guard let c = Self.match(item, in: choices) else {
                    throw fail("'\(item)' is not one of \(choices.map(\.id).joined(separator: ", "))", hint: "type e.g. \(example)")
                }
                if !picked.contains(c.id) { picked.append(c.id) }
            }
            guard !picked.isEmpty else { throw fail("no choice given", hint: "type e.g. \(example), or \(name)=none") }
            return .array(picked.map(Value.string))

        case .list(let maxItems):
            if t.lowercased() == "none" { return .array([]) }
            let items = Self.splitList(t)
            guard !items.isEmpty else { throw fail("no item given", hint: "type e.g. \(example), or \(name)=none") }
            guard items.count <= maxItems else { throw fail("\(items.count) items is more than \(maxItems)", hint: "list at most \(maxItems)") }
            if let long = items.first(where: { $0.count > 200 }) {
                throw fail("'\(long.prefix(20))…' is longer than 200 characters", hint: "shorten it")
            }
            return .array(items.map(Value.string))

        case .outcomes(let outcomes):
            if t.lowercased() == "none" { return .array([]) }
            var pairs: [Value] = []
            for item in Self.splitList(t) {
                let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmed }
                guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 200 else {
                    throw fail("'\(item)' is not item:outcome", hint: "type e.g. \(example)")
                }
                guard let o = Self.match(parts[1], in: outcomes) else {
                    throw fail("'\(parts[1])' is not one of \(outcomes.map(\.id).joined(separator: ", "))", hint: "type e.g. \(example)")
                }
                pairs.append(.object(["item": .string(parts[0]), "outcome": .string(o.id)]))
            }
            guard !pairs.isEmpty else { throw fail("no item given", hint: "type e.g. \(example), or \(name)=none") }
            return .array(pairs)
        }
    }

    private func fail(_ problem: String, hint: String) -> FieldError {
        FieldError(field: name, problem: problem, hint: hint)
    }

    // MARK: Numbers

    /// Digits with an optional sign; nothing else (no `1e3`, no `0x10`, no spaces inside).
    static func parseInteger(_ t: String) -> Int? {
        let body = t.hasPrefix("-") || t.hasPrefix("+") ? t.dropFirst() : Substring(t)
        guard !body.isEmpty, body.count <= 15, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(t.hasPrefix("+") ? String(body) : t)
    }

    /// Digits with an optional sign and one decimal point; nothing else (no exponent, no `nan`).
    static func parseDecimal(_ t: String) -> Double? {
        let body = t.hasPrefix("-") || t.hasPrefix("+") ? t.dropFirst() : Substring(t)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard !body.isEmpty, body.count <= 20, parts.count <= 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.contains(where: { !$0.isEmpty })
        else { return nil }
        return Double(t.hasPrefix("+") ? String(body) : t)
    }

    private func parseQuantity(_ t: String, units: [MeasureUnit]) throws(FieldError) -> Quantity {
        let lower = t.lowercased()
        let numberEnd = lower.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+")) }) ?? lower.endIndex
        let numberText = String(lower[..<numberEnd])
        let unitText = lower[numberEnd...].trimmed
        let unitNames = units.map(\.symbol).joined(separator: " or ")
        if numberText.contains("," as Character) || unitText.hasPrefix(",") {
            throw fail("'\(t)' uses a comma", hint: "use a point for decimals: e.g. \(example)")
        }
        guard let number = Self.parseDecimal(numberText) else {
            throw fail("'\(t)' is not a number with a unit", hint: "type e.g. \(example)")
        }
        guard !unitText.isEmpty else {
            throw fail("\(Self.format(number)) has no unit (\(unitNames)?)", hint: "type the unit too, e.g. \(example)")
        }
        guard let unit = units.first(where: { $0.symbol == unitText || $0.aliases.contains(unitText) }) else {
            // A letter O or l typed for a digit (7O kg, 1l0 kg) is the commonest slip: say so.
            let repaired = lower.replacingOccurrences(of: "o", with: "0").replacingOccurrences(of: "l", with: "1")
            if repaired != lower, let q = try? parseQuantity(repaired, units: units) {
                throw fail("'\(t)' is not a number (did you mean \(Self.format(q.value)) \(q.unit.symbol)?)", hint: "type digits, e.g. \(example)")
            }
            throw fail("'\(unitText)' is not a unit for \(name) (\(unitNames))", hint: "type e.g. \(example)")
        }
        return Quantity(number, unit)
    }

    /// For a number typed with ``units``: the number's text and the unit after it (the field's
    /// own when none is typed); `nil` for a field without units.
    private func splitUnit(_ t: String) throws(FieldError) -> (number: String, unit: MeasureUnit)? {
        guard let own = units.first else { return nil }
        let numberEnd = t.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+")) }) ?? t.endIndex
        let unitText = t[numberEnd...].trimmed.lowercased()
        guard !unitText.isEmpty else { return (t, own) }
        if unitText.hasPrefix(",") { throw fail("'\(t)' uses a comma", hint: "use a point for decimals: e.g. \(example)") }
        guard let unit = units.first(where: { $0.symbol.lowercased() == unitText || $0.aliases.contains(unitText) }) else {
            throw fail("'\(unitText)' is not a unit for \(name) (\(units.map(\.symbol).joined(separator: " or ")))", hint: "type e.g. \(example)")
        }
        return (String(t[..<numberEnd]), unit)
    }

    // MARK: Dates

    private func parseDate(_ typed: String, partial: Bool, notInFuture: Bool, today: DateComponents) throws(FieldError) -> Value {
        // `T`, `T-1`, `T+7`, `today`, `yesterday`, `tomorrow`: days from the clinic's today, as
        // VistA's date reader takes them; the value is the date they name, never the words.
        var t = typed
        if let days = Self.relativeDays(typed) {
            guard let y = today.year, let m = today.month, let d = today.day else {
                throw fail("'\(typed)' counts days from today, which is not known here", hint: "type the date: e.g. \(example)")
            }
            let (ry, rm, rd) = Self.adding(days, toYear: y, month: m, day: d)
            t = String(format: "%04d-%02d-%02d", ry, rm, rd)
        }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        let widths = parts.map(\.count)
        let wellFormed = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
            && (widths == [4, 2, 2] || (partial && (widths == [4, 2] || widths == [4])))
        let shape = partial ? "YYYY-MM-DD, YYYY-MM or YYYY" : "YYYY-MM-DD"
        guard wellFormed, let year = Int(parts[0]) else {
            throw fail("'\(t)' is not a date (\(shape))", hint: "type e.g. \(example)")
        }
        let month = parts.count > 1 ? Int(parts[1]) : nil
        let day = parts.count > 2 ? Int(parts[2]) : nil
        guard year >= 1900 else { throw fail("year \(year) is before 1900", hint: "check the year") }
        if let month, !(1...12).contains(month) { throw fail("'\(t)' has no month \(month)", hint: "type e.g. \(example)") }
        if let month, let day {
            let days = Self.daysIn(month: month, year: year)
            guard (1...days).contains(day) else {
                throw fail("'\(t)' is not a date: that month has \(days) days", hint: "check the day")
            }
        }
        if notInFuture, let ty = today.year, let tm = today.month, let td = today.day {
            let given = [year, month ?? 1, day ?? 1]
            if given.lexicographicallyPrecedes([ty, tm, td + 1]) == false {
                throw fail("\(t) is in the future", hint: "check the date")
            }
        }
        return .string(t)
    }

    /// The days from today a relative date names (`T-1` is -1), or `nil` if it is not one.
    static func relativeDays(_ text: String) -> Int? {
        let t = text.lowercased()
        switch t {
        case "t", "today": return 0
        case "yesterday": return -1
        case "tomorrow": return 1
        default: break
        }
        guard t.hasPrefix("t"), t.count > 2, let sign = t.dropFirst().first, sign == "+" || sign == "-",
              let n = Int(t.dropFirst(2)), n >= 0, n <= 36_600 else { return nil }
        return sign == "-" ? -n : n
    }

    /// The date `days` after (before, if negative) a year, month and day.
    static func adding(_ days: Int, toYear year: Int, month: Int, day: Int) -> (Int, Int, Int) {
        var (y, m, d) = (year, month, day)
        var left = days
        while left > 0 {
            if d < daysIn(month: m, year: y) { d += 1 } else if m < 12 { (m, d) = (m + 1, 1) } else { (y, m, d) = (y + 1, 1, 1) }
            left -= 1
        }
        while left < 0 {
            if d > 1 { d -= 1 } else if m > 1 { (m, d) = (m - 1, daysIn(month: m - 1, year: y)) } else { (y, m, d) = (y - 1, 12, 31) }
            left += 1
        }
        return (y, m, d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: Choices and lists

    static func match(_ text: String, in choices: [Choice]) -> Choice? {
        let t = text.lowercased()
        return choices.first { $0.id.lowercased() == t || $0.aliases.contains { $0.lowercased() == t } }
    }

    static func splitList(_ t: String) -> [String] {
        t.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// Without the spaces and tabs at either end (Foundation's trimming goes through NSString,
    /// which is slow on Linux).
    var trimmed: String {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(self[first...last])
    }
}
