import ClinicKit
import Foundation

extension FollowUpModule {
    // MARK: - Outcomes

    func outcome(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        // The pain NRS; PGIC and the Brief Pain Inventory are instruments given as data (pgic.json, bpi.json).
        let average = invocation["average"]?.intValue ?? 0, worst = invocation["worst"]?.intValue ?? 0
        guard worst >= average else {
            throw CommandError("worst pain \(worst) is below average pain \(average)", hint: "check the two: the worst of the week is at least its average")
        }
        let p = context.clinicProtocol
        let band = Outcomes.band(average, mildMax: try p.integer("followup.nrs_mild_max"), moderateMax: try p.integer("followup.nrs_moderate_max"))
        var payload: [String: Value] = ["average": .int(average), "worst": .int(worst), "band": .string(band), "recall": "past 7 days"]
        if let now = invocation["now"] { payload["now"] = now }
        let line = "pain NRS average \(average) (\(band)), worst \(worst), past 7 days"
        let stored = try context.append(RecordDraft(kind: invocation.verb, payload: .object(payload)))
        var out = CommandOutput.lines("recorded \(line) (#\(stored.id))")
        if let comparison = try Self.comparedWithBaseline(in: context) { out.line("  " + comparison) }
        return out
    }

    /// `-42.8 % from the baseline 7 (2026-10-20): moderate (≥ 30 %)`, for the latest NRS.
    static func comparedWithBaseline(in record: any RecordReader) throws -> String? {
        let data = try chartData(in: record)
        guard let latest = data.nrs.last, let base = Responders.baseline(data.nrs, before: data.infusions.first), !data.infusions.isEmpty,
              let reduction = Responders.reduction(from: base.value, to: latest.value) else { return nil }
        let t = try thresholds(record.clinicProtocol)
        return "\(Responders.changeText(reduction)) from the baseline \(FieldSpec.format(base.value)) (\(Schedule.text(base.at, record.calendar))): \(label(Responders.classify(reduction, t), t))"
    }

    static func label(_ c: Responders.Class, _ t: Responders.Thresholds) -> String {
        switch c {
        case .substantial: return "substantial (≥ \(FieldSpec.format(t.substantial)) %)"
        case .moderate: return "moderate (≥ \(FieldSpec.format(t.moderate)) %)"
        case .below: return "below the \(FieldSpec.format(t.moderate)) % of a moderate response"
        case .worse: return "worse than baseline"
        }
    }

    // MARK: - Safety before more infusions

    func safety(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let symptoms = ["frequency": "more frequent urination", "urgency": "urgency", "pain": "pain on urination or suprapubic pain", "blood": "blood in the urine"]
        var payload: [String: Value] = [:]
        var alerts: [String] = []
        for key in ["frequency", "urgency", "pain", "blood"] {
            let yes = invocation[key]?.boolValue ?? false
            payload[key] = .bool(yes)
            if yes { alerts.append("urinary symptom: \(symptoms[key] ?? key); ketamine cystitis is possible (REFERENCE.md 3.6): urinalysis, and review before the next infusion") }
        }
        let lft = try context.fact("dosing.lft-due")
        payload["lft_due"] = .bool(lft?.isPresent == true)
        if let lft, lft.isPresent { alerts.append(lft.detail) }
        if let note = invocation["note"] { payload["note"] = note }
        if !alerts.isEmpty { payload["alerts"] = .array(alerts.map(Value.string)) }
        let stored = try context.append(RecordDraft(kind: "safety", payload: .object(payload)))
        var out = CommandOutput.lines("safety check #\(stored.id): " + (alerts.isEmpty ? "no urinary symptoms; liver tests not due" : "\(alerts.count) to act on"))
        for alert in alerts { out.alert("\(alert) · #\(stored.id)") }
        if !alerts.isEmpty { out.line("  acknowledge with \(Self.acknowledgeCommand)") }
        return out
    }

    static func unacknowledged(in record: any RecordReader) throws -> [StoredRecord] {
        let all = try record.records(module: "followup", kind: nil, visitOnly: false)
        let done = Set(all.filter { $0.kind == "acknowledged" }.flatMap { $0.payload["entries"]?.arrayValue ?? [] }.compactMap(\.intValue))
        return all.filter { $0.kind == "safety" && !($0.payload["alerts"]?.arrayValue ?? []).isEmpty && !done.contains(Int($0.id)) }
    }

    public func alerts(from record: any RecordReader) throws -> [StandingAlert] {
        try Self.unacknowledged(in: record).map { entry in
            let texts = (entry.payload["alerts"]?.arrayValue ?? []).compactMap(\.stringValue)
            return StandingAlert("follow-up safety check #\(entry.id): \(texts.joined(separator: "; "))", since: entry.effectiveAt, acknowledgedBy: Self.acknowledgeCommand, naming: Self.acknowledge)
        }
    }

    func acknowledge(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let open = try Self.unacknowledged(in: context)
        guard !open.isEmpty else { throw CommandError("no follow-up alert stands on \(context.patient.mrn)", hint: "nothing to acknowledge") }
        let stored = try context.append(RecordDraft(kind: "acknowledged", payload: [
            "entries": .array(open.map { .int(Int($0.id)) }), "note": invocation["note"] ?? .string(""),
        ]))
        return .lines("acknowledged the alerts of safety check \(open.map { "#\($0.id)" }.joined(separator: ", ")) (#\(stored.id)) by \(context.staff.username)")
    }

    // MARK: - Care plan and appointments

    func plan(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        if invocation.verb == "plan" {
            var payload: [String: Value] = [:]
            for key in ["kind", "name", "goal", "provider", "review"] { payload[key] = invocation[key] }
            let stored = try context.append(RecordDraft(kind: "plan", payload: .object(payload)))
            return .lines("care plan #\(stored.id): \(invocation["kind"]?.stringValue ?? "") \(invocation["name"]?.stringValue ?? ""), with \(invocation["provider"]?.stringValue ?? ""); review \(invocation["review"]?.stringValue ?? "")")
        }
        let key = invocation["item"]?.stringValue ?? ""
        let items = try Schedule.plan(in: context)
        let number = Int64(key.hasPrefix("#") ? String(key.dropFirst()) : key)
        let matches = items.filter { item in number.map { item.entry.id == $0 } ?? item.name.lowercased().hasPrefix(key.lowercased()) }
        let list = items.isEmpty ? "add one with followup plan KIND NAME …" : "the items are " + items.map { "#\($0.entry.id) \($0.name)" }.joined(separator: ", ")
        guard let item = matches.first else { throw CommandError("'\(key)' is not an item of \(context.patient.mrn)'s care plan", hint: list) }
        guard matches.count == 1 else { throw CommandError("'\(key)' matches \(matches.count) care-plan items", hint: "give its number: " + matches.map { "#\($0.entry.id) \($0.name)" }.joined(separator: ", ")) }
        let id = Int(item.entry.id)
        if let ended = item.ended { throw CommandError("#\(id) \(item.name) ended on \(Schedule.text(ended.effectiveAt, context.calendar))", hint: "add it again with followup plan") }
        let end = invocation["end"]?.boolValue == true
        guard end || invocation["next"] != nil || invocation["note"] != nil else {
            throw CommandError("a review needs a note, a next date or end=yes", hint: "type e.g. followup review \(id) note=\"sleeping better\" next=2027-03-01")
        }
        var payload: [String: Value] = ["item": .int(id), "ended": .bool(end)]
        if let note = invocation["note"] { payload["note"] = note }
        if let next = invocation["next"], !end { payload["next"] = next }
        let stored = try context.append(RecordDraft(kind: "reviewed", payload: .object(payload)))
        let what = end ? "ended" : invocation["next"].map { "next review \($0.stringValue ?? "")" } ?? "reviewed"
        return .lines("care plan #\(id) \(item.name): \(what) (#\(stored.id))")
    }

    func schedule(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let calendar = context.calendar
        if invocation.verb == "cancel" {
            let key = invocation["item"]?.stringValue ?? ""
            let all = try Schedule.appointments(in: context)
            let number = Int64(key.hasPrefix("#") ? String(key.dropFirst()) : key)
            // By number, or the open appointment on that date (the first, if several).
            guard let a = number.map({ n in all.first { $0.entry.id == n } }) ?? all.filter({ Schedule.text($0.day, calendar) == key }).sorted(by: { ($0.isOpen ? 0 : 1, $0.entry.id) < ($1.isOpen ? 0 : 1, $1.entry.id) }).first else {
                throw CommandError("\(context.patient.mrn) has no appointment '\(key)'", hint: "give its number or date; followup show lists them")
            }
            let id = Int(a.entry.id)
            guard a.isOpen else { throw CommandError("the \(Schedule.label(a.kind)) of \(Schedule.text(a.day, calendar)) (#\(id)) is already \(a.cancelled != nil ? "cancelled" : "done")", hint: "nothing to cancel") }
            let stored = try context.append(RecordDraft(kind: "cancelled", payload: ["scheduled": .int(id), "reason": invocation["reason"] ?? .string("")]))
            return .lines("cancelled #\(id), the \(Schedule.label(a.kind)) of \(Schedule.text(a.day, calendar)) (#\(stored.id))")
        }
        let when = invocation["when"]?.stringValue?.lowercased() ?? ""
        let today = calendar.startOfDay(for: context.now)
        let open = try OpenDays.of(context.clinicProtocol)
        var bookings: [(String, Date, String?)] = []
        if when == "series" {
            bookings = try series(invocation, open: open, today: today, in: context)
        } else {
            // A date, or days from today as at any date prompt (T+7, tomorrow).
            let parts = calendar.dateComponents([.year, .month, .day], from: context.now)
            let named = (try? FieldSpec("when", .date(partial: false, notInFuture: false), help: "").parse(when, today: parts))?.stringValue ?? when
            guard let day = Schedule.day(named, calendar), Schedule.text(day, calendar) == named else {
                throw CommandError("'\(when)' is not a date or series", hint: "type e.g. followup schedule T+7 kind=call, or followup schedule series")
            }
            guard day >= today else { throw CommandError("\(named) is in the past", hint: "book a date from today on") }
            guard day <= Schedule.adding(Self.furthestDays, to: today, calendar) else {
                throw CommandError("\(named) is more than two years ahead", hint: "check the year")
            }
            if let closed = open.closedReason(day, calendar) {
                throw CommandError("\(named) is \(closed)", hint: "book an open day, e.g. \(Schedule.weekdayText(open.firstOpen(onOrAfter: day, calendar), calendar))")
            }
            let kind = invocation["kind"]?.stringValue ?? "call"
            if let booked = try Schedule.appointments(in: context).first(where: { $0.isOpen && $0.kind == kind && $0.day == day }) {
                throw CommandError("\(context.patient.mrn) already has a \(Schedule.label(kind)) booked on \(Schedule.weekdayText(day, calendar)) (#\(booked.entry.id))",
                                   hint: "followup show lists the appointments; book another day or kind")
            }
            bookings = [(kind, day, nil)]
        }
        var out = CommandOutput()
        for (kind, day, pattern) in bookings {
            var payload: [String: Value] = ["kind": .string(kind), "date": .string(Schedule.text(day, calendar))]
            if let pattern { payload["pattern"] = .string(pattern) }
            if let note = invocation["note"] { payload["note"] = note }
            let stored = try context.append(RecordDraft(kind: "scheduled", payload: .object(payload)))
            out.line("booked #\(stored.id): \(Schedule.label(kind)) on \(Schedule.weekdayText(day, calendar))" + (pattern.map { " (\($0))" } ?? ""))
        }
        return out
    }

    /// How far ahead an appointment may be booked: a date further is a slip of the year.
    static let furthestDays = 730

    /// The protocol's series from `start=` (or the next day due), on the days the clinic is open:
    /// the infusions not yet given, a follow-up call and a booster after the last. Infusions of
    /// the series in progress already given are counted, not booked again.
    func series(_ invocation: Invocation, open: OpenDays, today: Date, in context: any ModuleContext) throws -> [(String, Date, String?)] {
        let p = context.clinicProtocol, calendar = context.calendar
        let count = try p.integer("followup.series_infusions"), every = try p.integer("followup.series_interval_days")
        let booster = try p.integer("followup.booster_interval_days")
        let ahead = try Schedule.appointments(in: context).filter { $0.isOpen && $0.kind == "infusion" && $0.day >= today }.sorted { $0.day < $1.day }
        if let first = ahead.first {
            throw CommandError("\(context.patient.mrn) already has \(ahead.count) infusion\(ahead.count == 1 ? "" : "s") booked, the first on \(Schedule.weekdayText(first.day, calendar))",
                               hint: "followup show lists them; cancel those no longer wanted (followup cancel DATE REASON) or book single dates")
        }
        let given = try Schedule.seriesGiven(in: context, today: today, gapDays: booster)
        let last = given.last.map { calendar.startOfDay(for: $0.effectiveAt) }
        if given.count >= count, let last {
            throw CommandError("the \(count) infusions of the series are given, the last on \(Schedule.text(last, calendar))",
                               hint: "book a booster on a date: followup schedule \(Schedule.text(open.firstOpen(onOrAfter: Schedule.adding(booster, to: last, calendar), calendar), calendar)) kind=infusion")
        }
        let first: Date
        if let text = invocation["start"]?.stringValue {
            guard let day = Schedule.day(text, calendar) else { throw CommandError("start \(text) is not a date", hint: "give start=YYYY-MM-DD") }
            guard day >= today else { throw CommandError("the series cannot start in the past (\(text))", hint: "give start= today or later") }
            if let last, day <= last {
                throw CommandError("infusion \(given.count) of the series was given on \(Schedule.text(last, calendar)); the next cannot be on \(text)",
                                   hint: "give start= a later day, or leave it out to book from \(Schedule.text(Schedule.adding(every, to: last, calendar), calendar))")
            }
            if let closed = open.closedReason(day, calendar) {
                throw CommandError("start \(text) is \(closed)", hint: "give start= an open day, e.g. \(Schedule.weekdayText(open.firstOpen(onOrAfter: day, calendar), calendar))")
            }
            first = day
        } else {
            first = open.firstOpen(onOrAfter: max(today, last.map { Schedule.adding(every, to: $0, calendar) } ?? today), calendar)
        }
        var bookings: [(String, Date, String?)] = []
        var day = first
        for number in (given.count + 1)...count {
            if number > given.count + 1 { day = open.firstOpen(onOrAfter: Schedule.adding(every, to: day, calendar), calendar) }
            bookings.append(("infusion", day, "series infusion \(number) of \(count)"))
        }
        bookings.append(("call", open.firstOpen(onOrAfter: Schedule.adding(try p.integer("followup.call_after_days"), to: day, calendar), calendar), "follow-up call after the series"))
        bookings.append(("infusion", open.firstOpen(onOrAfter: Schedule.adding(booster, to: day, calendar), calendar), "booster"))
        return bookings
    }

    // MARK: - The worklist

    func worklist(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let days = try invocation["within"].flatMap { Quantity($0, units: [Self.days, Self.weeks]) }.map { $0.value(in: Self.days) }
            ?? Double(context.clinicProtocol.integer("followup.worklist_days"))
        let until = context.calendar.startOfDay(for: context.now).addingTimeInterval((days + 1) * 86_400 - 1)
        let entries = try context.worklist(until: until)
        var out = CommandOutput.lines("worklist to \(Schedule.text(until, context.calendar)) (\(FieldSpec.format(days)) days): "
            + (entries.isEmpty ? "nothing due" : "\(entries.count) item\(entries.count == 1 ? "" : "s"), most overdue first"))
        guard !entries.isEmpty else { return out }
        out.table(["when", "MRN", "patient", "what", "why", "to do"], entries.map { e in
            [Self.whenText(e.item, now: context.now, calendar: context.calendar), e.patient.mrn, e.patient.name, e.item.what, e.item.detail, e.item.command]
        })
        return out
    }

    /// `OVERDUE 3 d`, `today`, `2026-12-01`, or a time today for timed items.
    static func whenText(_ item: DueItem, now: Date, calendar: Calendar) -> String {
        let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: item.at), to: calendar.startOfDay(for: now)).day ?? 0
        if item.isAllDay { return days > 0 ? "OVERDUE \(days) d" : days == 0 ? "today" : Schedule.text(item.at, calendar) }
        if item.at < now { return "OVERDUE \(Int(now.timeIntervalSince(item.at) / 60)) min" }
        return String(ClinicTime.format(item.at, calendar: calendar).suffix(days == 0 ? 5 : 16))
    }
}
