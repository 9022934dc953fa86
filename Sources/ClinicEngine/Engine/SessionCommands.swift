import ClinicKit
import ClinicStorage
import Foundation

/// `clock …`: the commands about the session's time rather than the patient.
enum SessionCommands {
    static func clockShow(in session: Session) -> CommandOutput { .lines(clockText(in: session)) }

    /// `2026-03-02 09:40 (sandbox: simulated; clock advance moves it)`.
    static func clockText(in session: Session) -> String {
        let now = ClinicTime.format(session.now, calendar: session.calendar)
        let clock = session.clock
        guard clock.canBeSet else {
            return "\(now) (\(session.isSandbox ? "sandbox" : "live database"): the system clock)"
        }
        return clock.setTime == nil ? "\(now) (sandbox: the system clock until clock set)" : "\(now) (sandbox: simulated; clock advance moves it)"
    }

    /// The sandbox's clock, or why this database's clock cannot be set.
    private static func sandboxClock(_ session: Session, _ command: String) throws -> any ClinicClock {
        let clock = session.clock
        guard session.isSandbox, clock.canBeSet else {
            throw CommandError("\(command): this is a live database; its records carry the real time, so its clock cannot be set",
                                 hint: "for training, demos and tests, use a sandbox: clinic --sandbox --db NEW.sqlite", kind: .refused)
        }
        return clock
    }

    static func clockSet(_ text: String, in session: Session) throws -> CommandOutput {
        let clock = try sandboxClock(session, "clock set")
        guard let time = TimeText.parse(text, calendar: session.calendar, now: clock.now()) else {
            throw CommandError("'\(text)' is not a time", hint: "type e.g. clock set 09:40, or clock set '2026-03-02 09:40'")
        }
        return try move(clock, to: time, in: session)
    }

    static func clockAdvance(_ text: String, in session: Session) throws -> CommandOutput {
        let clock = try sandboxClock(session, "clock advance")
        guard let seconds = TimeText.duration(text) else {
            throw CommandError("'\(text)' is not a duration", hint: "type e.g. clock advance 5m, 90s, 1h30m or 2d")
        }
        return try move(clock, to: clock.now().addingTimeInterval(seconds), in: session)
    }

    private static func move(_ clock: any ClinicClock, to time: Date, in session: Session) throws -> CommandOutput {
        let before = clock.now()
        try clock.set(time)
        var out = CommandOutput()
        out.line("sandbox clock: \(ClinicTime.format(clock.now(), calendar: session.calendar))")
        // A replay reproduces whatever the original's clock did; a person going back is told.
        if time < before && !session.isReplaying {
            out.line("note: that is earlier than before (\(ClinicTime.format(before, calendar: session.calendar))); entries from now on will look older")
        }
        return out
    }
}
