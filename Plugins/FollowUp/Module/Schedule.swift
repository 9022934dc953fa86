import ClinicKit
import Foundation

/// Appointments (infusions, follow-up calls, visits, lab checks) and the care plan's review dates:
/// what the worklist is made of.
enum Schedule {
    static let kinds = [
        Choice("infusion", "the next infusion"), Choice("call", "a follow-up call", aliases: ["phone"]),
        Choice("visit", "a follow-up visit"), Choice("labs", "liver-function tests and urinalysis", aliases: ["lft", "bloods"]),
    ]

    /// What a due appointment asks staff to do, and the commands that names.
    static func command(_ kind: String) -> (text: String, commands: [CommandReference]) {
        typealias Uses = FollowUpModule.Uses
        switch kind {
        case "infusion": return ("visit start --kind infusion; dosing plan", [Uses.visitStart, Uses.plan])
        case "labs": return ("dosing lft date= result=", [Uses.lft])
        case "visit": return ("visit start --kind follow-up", [Uses.visitStart])
        default: return ("followup nrs average= worst=", [FollowUpModule.nrs])
        }
    }

    static func label(_ kind: String) -> String { kind == "call" ? "follow-up call" : kind }

    /// `2026-12-01` at the start of that day in the clinic's time zone.
    static func day(_ text: String, _ calendar: Calendar) -> Date? {
        let p = text.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2]))
    }

    static func text(_ date: Date, _ calendar: Calendar) -> String { String(ClinicTime.format(date, calendar: calendar).prefix(10)) }

    /// `Mon 2026-12-07`: a booked day as the clinic reads it.
    static func weekdayText(_ date: Date, _ calendar: Calendar) -> String {
        OpenDays.title(calendar.component(.weekday, from: date)) + " " + text(date, calendar)
    }

    /// The start of the day `days` calendar days after `date`'s (a day is not always 24 hours where
    /// the clocks change).
    static func adding(_ days: Int, to date: Date, _ calendar: Calendar) -> Date {
        calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: date)) ?? date
    }

    struct Appointment: Sendable {
        var entry: StoredRecord
        var kind: String
        var day: Date
        var fulfilledBy: StoredRecord?
        var cancelled: StoredRecord?
        var isOpen: Bool { fulfilledBy == nil && cancelled == nil }
    }

    /// The patient's appointments, each matched to what fulfilled it: the visit started for it (an
    /// infusion visit for an infusion, a follow-up visit for a visit), or else a dose given for an
    /// infusion and an outcome entry for a call or visit, a liver-function review for labs. A visit
    /// and what was recorded in it are one piece of evidence. Each piece fulfils one appointment,
    /// the earliest it can; it counts from the day before the appointment's date on (a call made a
    /// day early still counts), and an overdue appointment is fulfilled by the next one.
    static func appointments(in record: any RecordReader) throws -> [Appointment] {
        let mine = try record.records(module: "followup", kind: nil, visitOnly: false)
        let outcomes = try record.records(FollowUpModule.Uses.fiqr) + mine.filter { ["nrs", "pgic", "bpi"].contains($0.kind) }
        let visits = try record.records(FollowUpModule.Uses.visitStarted)
        /// The visits of `kind` started, and the entries of `other` made outside them.
        func visitsOr(_ kind: String, _ other: [StoredRecord]) -> [StoredRecord] {
            let started = visits.filter { $0.payload["kind"]?.stringValue == kind }
            let ids = Set(started.compactMap(\.visitID))
            return started + other.filter { $0.visitID.map { !ids.contains($0) } ?? true }
        }
        let evidence: [String: [StoredRecord]] = [
            "infusion": visitsOr("infusion", try FollowUpModule.Uses.doses(in: record)),
            "labs": try record.records(FollowUpModule.Uses.liverTests),
            "call": outcomes, "visit": visitsOr("follow-up", outcomes),
        ].mapValues { $0.sorted { ($0.effectiveAt, $0.id) < ($1.effectiveAt, $1.id) } }
        let cancellations = mine.filter { $0.kind == "cancelled" }
        var list: [Appointment] = mine.filter { $0.kind == "scheduled" }.compactMap { entry in
            guard let kind = entry.payload["kind"]?.stringValue, let day = entry.payload["date"]?.stringValue.flatMap({ Self.day($0, record.calendar) }) else { return nil }
            return Appointment(entry: entry, kind: kind, day: day, fulfilledBy: nil,
                               cancelled: cancellations.first { $0.payload["scheduled"]?.intValue == Int(entry.id) })
        }
        var used = Set<Int64>()
        for i in list.indices.sorted(by: { (list[$0].day, list[$0].entry.id) < (list[$1].day, list[$1].entry.id) }) where list[i].cancelled == nil {
            let from = adding(-1, to: list[i].day, record.calendar)
            if let match = evidence[list[i].kind]?.first(where: { !used.contains($0.id) && $0.effectiveAt >= from }) {
                list[i].fulfilledBy = match
                used.insert(match.id)
            }
        }
        return list
    }

    /// The infusions given of the series in progress, oldest first: back from the latest dose
    /// while the doses are less than `gapDays` calendar days apart, the latest less than that
    /// before `today` (a booster, given that long after a series, starts afresh).
    static func seriesGiven(in record: any RecordReader, today: Date, gapDays: Int) throws -> [StoredRecord] {
        let doses = try FollowUpModule.Uses.doses(in: record).sorted { ($0.effectiveAt, $0.id) < ($1.effectiveAt, $1.id) }
        func apart(_ a: Date, _ b: Date) -> Int {
            record.calendar.dateComponents([.day], from: record.calendar.startOfDay(for: a), to: record.calendar.startOfDay(for: b)).day ?? 0
        }
        var series: [StoredRecord] = []
        var next = today
        for dose in doses.reversed() {
            guard apart(dose.effectiveAt, next) < gapDays else { break }
            series.insert(dose, at: 0)
            next = dose.effectiveAt
        }
        return series
    }

    struct PlanItem: Sendable {
        var entry: StoredRecord
        var reviews: [StoredRecord]
        var name: String { entry.payload["name"]?.stringValue ?? "?" }
        var kind: String { entry.payload["kind"]?.stringValue ?? "other" }
        var ended: StoredRecord? { reviews.last { $0.payload["ended"]?.boolValue == true } }
        /// The latest review date set: the last review's next date, else the item's own.
        var nextReview: String? {
            reviews.last { $0.payload["next"] != nil }?.payload["next"]?.stringValue ?? entry.payload["review"]?.stringValue
        }
    }

    static func plan(in record: any RecordReader) throws -> [PlanItem] {
        let mine = try record.records(module: "followup", kind: nil, visitOnly: false)
        let reviews = mine.filter { $0.kind == "reviewed" }
        return mine.filter { $0.kind == "plan" }.map { item in
            PlanItem(entry: item, reviews: reviews.filter { $0.payload["item"]?.intValue == Int(item.id) })
        }
    }

    static let planKinds = [
        Choice("medication", "a medication (duloxetine, pregabalin, amitriptyline, memantine …)", aliases: ["med", "drug"]),
        Choice("cbt", "cognitive-behavioural therapy"), Choice("physical-therapy", "physical therapy", aliases: ["pt", "physio"]),
        Choice("exercise", "low-impact exercise"), Choice("sleep", "sleep management"), Choice("stress", "stress management"),
        Choice("other", "another treatment"),
    ]
}

/// The days the clinic books appointments on: its open weekdays (`followup.open_weekdays`, such as
/// `mon-fri` or `mon wed fri`) less its closed dates (`followup.closed_dates`, such as
/// `2026-12-25 2027-01-01`).
struct OpenDays: Sendable {
    /// Calendar weekday numbers, 1 Sunday … 7 Saturday.
    var weekdays: Set<Int>
    /// `YYYY-MM-DD`.
    var closed: Set<String>
    /// The weekdays as the protocol gives them.
    var text: String

    static let weekdaysKey = "followup.open_weekdays"
    static let closedKey = "followup.closed_dates"
    static let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let fullNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    static func title(_ weekday: Int) -> String {
        let name = names[(weekday + 6) % 7]
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    /// The protocol's open days, or what is wrong with its two settings.
    static func parse(weekdays: String, closed: String) -> Result<OpenDays, Problem> {
        func day(_ word: Substring) -> Int? {
            let w = word.lowercased()
            return (names.firstIndex(of: w) ?? fullNames.firstIndex(of: w)).map { $0 + 1 }
        }
        var open = Set<Int>()
        for word in weekdays.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let ends = word.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let first = day(ends[0]), let last = day(ends[ends.count - 1]) else {
                return .failure(Problem("\(weekdaysKey): '\(word)' is not a weekday or a range of them; write e.g. mon-fri or mon wed fri"))
            }
            var d = first
            while true {
                open.insert(d)
                if d == last { break }
                d = d % 7 + 1
            }
        }
        guard !open.isEmpty else { return .failure(Problem("\(weekdaysKey) names no weekday; write e.g. mon-fri")) }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var dates = Set<String>()
        for word in closed.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }) {
            let text = String(word)
            guard let d = Schedule.day(text, utc), Schedule.text(d, utc) == text else {
                return .failure(Problem("\(closedKey): '\(text)' is not a date; write YYYY-MM-DD, separated by spaces"))
            }
            dates.insert(text)
        }
        return .success(OpenDays(weekdays: open, closed: dates, text: weekdays.trimmingCharacters(in: .whitespaces)))
    }

    struct Problem: Error, Equatable { var text: String; init(_ text: String) { self.text = text } }

    static func of(_ p: ClinicProtocol) throws -> OpenDays {
        switch parse(weekdays: try p.text(weekdaysKey), closed: try p.text(closedKey)) {
        case .success(let days): return days
        case .failure(let problem): throw CommandError(problem.text, hint: "correct the clinic protocol")
        }
    }

    /// Why the clinic is closed on `day`, or `nil` when it is open.
    func closedReason(_ day: Date, _ calendar: Calendar) -> String? {
        if closed.contains(Schedule.text(day, calendar)) { return "a closed date of the clinic (\(Self.closedKey))" }
        let weekday = calendar.component(.weekday, from: day)
        return weekdays.contains(weekday) ? nil : "a \(Self.fullNames[weekday - 1].capitalized); the clinic books \(text) (\(Self.weekdaysKey))"
    }

    /// `day` if the clinic is open then, else the next day it is.
    func firstOpen(onOrAfter day: Date, _ calendar: Calendar) -> Date {
        var d = calendar.startOfDay(for: day)
        // The weekdays are never empty, so a week finds one unless a year of dates is closed.
        var tries = 0
        while closedReason(d, calendar) != nil, tries < 800 {
            d = Schedule.adding(1, to: d, calendar)
            tries += 1
        }
        return d
    }
}
