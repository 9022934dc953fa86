import ClinicKit
import ClinicStorage
import Foundation

/// `--at TIME` on a module's command: the entry is late, and says when it happened. Its effective
/// time stays distinct from the time it was recorded, which is always the clock's.
enum LateEntry {
    /// Removes `--at TIME`, `--at=TIME` or `at=TIME` from `arguments` and checks the time: not in
    /// the future, not before the open visit began, and within the protocol's `clinic.late_entry_hours`.
    static func take(from arguments: inout [String], in session: Session) throws -> Date? {
        var text: String?
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            let lower = word.lowercased()
            if lower == "--at" {
                guard i + 1 < arguments.count else {
                    throw CommandError("--at needs a time", hint: "type e.g. --at 09:40 or --at '2026-11-24 09:40'")
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
        // A date alone (`--at 2026-11-24 08:40` unquoted leaves `2026-11-24`) would mean midnight.
        guard text.contains(":") else {
            throw CommandError("--at '\(text)' has no time of day", hint: "type e.g. --at 09:40, or --at '2026-11-24 09:40' in quotes")
        }
        let now = session.now
        // How far back a late entry may go: the clinic protocol's setting.
        let limit = TimeInterval(try session.clinicProtocol.settings.integer(HostSettings.lateEntryHours) * 3_600)
        guard let at = TimeText.parse(text, calendar: session.calendar, now: now) else {
            throw CommandError("--at '\(text)' is not a time", hint: "type e.g. --at 09:40 or --at '2026-11-24 09:40'")
        }
        if at > now {
            throw CommandError("--at \(ClinicTime.format(at, calendar: session.calendar)) is in the future",
                                 hint: "record it when it has happened, or leave out --at")
        }
        if limit == 0 {
            throw CommandError("the clinic protocol allows no late entries (clinic.late_entry_hours is 0)", hint: "record it without --at")
        }
        if now.timeIntervalSince(at) > limit {
            throw CommandError("--at \(ClinicTime.format(at, calendar: session.calendar)) is more than \(TimeText.describe(limit)) ago",
                                 hint: "the clinic protocol allows late entries up to \(TimeText.describe(limit)) back (clinic.late_entry_hours)")
        }
        if let visit = session.visit, at < visit.startedAt {
            throw CommandError("--at \(ClinicTime.format(at, calendar: session.calendar)) is before visit #\(visit.id) began (\(ClinicTime.format(visit.startedAt, calendar: session.calendar)))",
                                 hint: "give a time within the visit")
        }
        return Timestamp.truncated(at)
    }
}
