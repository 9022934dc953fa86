import ClinicKit
import Foundation

/// `--at TIME` on a module's command: the entry is late, and says when it happened. Its effective
/// time stays distinct from the time it was recorded, which is always the clock's.
enum LateEntry {
    /// How far back a late entry may go. The clinic protocol (issue 4) will hold this setting.
    static let limit: TimeInterval = 24 * 3_600

    /// Removes `--at TIME`, `--at=TIME` or `at=TIME` from `arguments` and checks the time: not in
    /// the future, not before the open visit began, and within ``limit``.
    static func take(from arguments: inout [String], in session: Session) throws -> Date? {
        var text: String?
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            let lower = word.lowercased()
            if lower == "--at" {
                guard i + 1 < arguments.count else {
                    throw CommandFailure("--at needs a time", hint: "type e.g. --at 09:40 or --at '2026-11-24 09:40'")
                }
                text = arguments[i + 1]
                arguments.removeSubrange(i...(i + 1))
                continue
            }
            if lower.hasPrefix("--at=") || lower.hasPrefix("at=") {
                text = String(word[word.index(after: word.firstIndex(of: "=")!)...])
                arguments.remove(at: i)
                continue
            }
            i += 1
        }
        guard let text else { return nil }
        let now = session.now
        guard let at = TimeText.parse(text, calendar: session.calendar, now: now) else {
            throw CommandFailure("--at '\(text)' is not a time", hint: "type e.g. --at 09:40 or --at '2026-11-24 09:40'")
        }
        if at > now {
            throw CommandFailure("--at \(ClinicTime.format(at, calendar: session.calendar)) is in the future",
                                 hint: "record it when it has happened, or leave out --at")
        }
        if now.timeIntervalSince(at) > limit {
            throw CommandFailure("--at \(ClinicTime.format(at, calendar: session.calendar)) is more than \(TimeText.describe(limit)) ago",
                                 hint: "a late entry may go back \(TimeText.describe(limit)); ask a physician to add a dated note instead")
        }
        if let visit = session.visit, at < visit.startedAt {
            throw CommandFailure("--at \(ClinicTime.format(at, calendar: session.calendar)) is before visit #\(visit.id) began (\(ClinicTime.format(visit.startedAt, calendar: session.calendar)))",
                                 hint: "give a time within the visit")
        }
        return Timestamp.truncated(at)
    }
}
