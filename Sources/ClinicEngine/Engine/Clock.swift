import ClinicKit
import ClinicStorage
import Foundation

/// Where the clinic's "now" comes from. A live database uses the system clock; a sandbox uses a
/// ``SandboxClock`` that `clock set` and `clock advance` can move.
package protocol ClinicClock: AnyObject {
    /// The clinic's time: what every record, journal line and visit carries.
    func now() -> Date
    /// The time a sandbox's clock was set to (`clock set`), or `nil` while it follows the system
    /// clock, or for a clock that cannot be set.
    var setTime: Date? { get }
    /// Whether `clock set` and `clock advance` may move it (a sandbox's).
    var canBeSet: Bool { get }
    /// Stands the clock at `date`, within the caller's transaction.
    func set(_ date: Date) throws
    /// Takes the time set from where it is kept again (another shell may have moved it).
    func reload()
    /// Puts back the time set before a command that rolled back.
    func restore(_ setTime: Date?)
    /// The wall-clock time, even in a sandbox: how long a person has been idle is about the
    /// person, not the record.
    func wallTime() -> Date
}

extension ClinicClock {
    package var setTime: Date? { nil }
    package var canBeSet: Bool { false }
    package func set(_ date: Date) throws {
        throw CommandError("this database's clock cannot be set", hint: "use a sandbox: clinic --sandbox --db NEW.sqlite")
    }
    package func reload() {}
    package func restore(_ setTime: Date?) {}
    package func wallTime() -> Date { Date() }
}

/// The system clock, to the millisecond.
package final class SystemClock: ClinicClock {
    package init() {}
    package func now() -> Date { Timestamp.truncated(Date()) }
}

/// A sandbox's clock: the system clock until `clock set`; from then on it stands still at the time
/// set, and moves only by `clock set` and `clock advance`. That is what makes a replay reproduce
/// every recorded time, and a workflow script walk through an infusion day in a second. The time
/// set is kept in the database, so reopening the sandbox goes on from it.
package final class SandboxClock: ClinicClock {
    private let store: any RecordStore
    /// The time set, or `nil` while the clock follows the system clock.
    package private(set) var setTime: Date?
    package var canBeSet: Bool { true }

    package init(store: any RecordStore) {
        self.store = store
        setTime = (try? store.meta(Self.key)).flatMap { $0 }.flatMap(Timestamp.date)
    }

    package func now() -> Date { setTime ?? Timestamp.truncated(Date()) }

    /// Stands the clock at `date` (kept in the database, within the caller's transaction).
    package func set(_ date: Date) throws {
        let date = Timestamp.truncated(date)
        try store.setMeta(Self.key, Timestamp.string(date))
        setTime = date
    }

    /// Takes the time set from the database again: another shell on the sandbox may have moved it.
    package func reload() {
        if let text = (try? store.meta(Self.key)).flatMap({ $0 }), let date = Timestamp.date(text) { setTime = date }
    }

    /// Puts back the time set before a command that rolled back.
    package func restore(_ date: Date?) { setTime = date }

    private static let key = "clock"
}

extension TimeText {
    /// The `YYYY-MM-DD` a word names as a date prompt reads it (`T`, `T+7`, `T-1`, `today`,
    /// `yesterday`, `tomorrow`, or a date), else `nil`.
    static func relativeDate(_ word: String, calendar: Calendar, now: Date) -> String? {
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        return (try? FieldSpec("date", .date(partial: false, notInFuture: false), help: "").parse(word, today: today))?.stringValue
    }
}

/// Reading the times and durations staff type: `09:40`, `2026-03-02 09:40`, `2026-03-02T09:40:05`,
/// `2026-11-24T07:31:02.123Z` (UTC, as recordings write them), a day counted from today as at a
/// date prompt (`T`, `T-1 14:00`, `yesterday`); `5m`, `1h30m`, `90s`, `2d`.
package enum TimeText {
    /// A time of day means today, in the clinic's time zone; a time without a zone is the clinic's.
    package static func parse(_ text: String, calendar: Calendar, now: Date) -> Date? {
        var t = text.trimmed
        // `T-1`, `today`: the date it names, read as a date prompt reads it.
        if let first = t.split(separator: " ").first, let named = relativeDate(String(first), calendar: calendar, now: now) {
            t = named + t.dropFirst(first.count)
        }
        if let utc = Timestamp.date(t) { return utc }
        // ISO 8601 in UTC without the milliseconds a recording writes: 2026-11-20T09:00:00Z.
        if t.count > 1, t.last == "Z" || t.last == "z", t.contains("T"), let zone = TimeZone(secondsFromGMT: 0) {
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = zone
            return parse(String(t.dropLast()), calendar: utc, now: now)
        }
        let parts = t.split(whereSeparator: { $0 == " " || $0 == "T" }).map(String.init)
        var day = calendar.dateComponents([.year, .month, .day], from: now)
        let clock: String
        switch parts.count {
        case 1 where t.contains(":" as Character): clock = parts[0]
        case 1: clock = "00:00"; guard let d = ymd(parts[0]) else { return nil }; day = d
        case 2: clock = parts[1]; guard let d = ymd(parts[0]) else { return nil }; day = d
        default: return nil
        }
        let hms = clock.split(separator: ":").map(String.init)
        guard (2...3).contains(hms.count), hms.allSatisfy({ (1...2).contains($0.count) && Int($0) != nil }),
              let h = Int(hms[0]), let m = Int(hms[1]), (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        let s = hms.count == 3 ? Int(hms[2]) ?? 99 : 0
        guard (0...59).contains(s) else { return nil }
        day.hour = h; day.minute = m; day.second = s
        guard let date = calendar.date(from: day),
              calendar.component(.day, from: date) == day.day  // 2026-02-30 does not roll into March
        else { return nil }
        return date
    }

    private static func ymd(_ text: String) -> DateComponents? {
        let p = text.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2,
              let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }

    /// `5m`, `90s`, `1h30m`, `1h 30m`, `2d`, `45 min`: a positive duration in seconds, at most 366 days.
    package static func duration(_ text: String) -> TimeInterval? {
        let units: [(String, TimeInterval)] = [("min", 60), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        // Spaces between parts are allowed: `5 min`, `1h 30m`.
        var rest = Substring(text.lowercased().filter { $0 != " " })
        var total: TimeInterval = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 6, let n = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, seconds) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += n * seconds
        }
        return total > 0 && total <= 366 * 86_400 ? total : nil
    }

    /// `1h 30m`, `5m`, `45s`: a duration as staff say it.
    package static func describe(_ seconds: TimeInterval) -> String {
        var s = Int(seconds.rounded())
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] where s >= size {
            parts.append("\(s / size)\(unit)")
            s %= size
        }
        if s > 0 || parts.isEmpty { parts.append("\(s)s") }
        return parts.joined(separator: " ")
    }
}
