import ClinicKit
import Foundation

// What dosing shows and publishes: the visit's order with its signatures and state, the
// liver-function reviews, and the four facts.
extension DosingModule {
    func show(in context: any ModuleContext) throws -> CommandOutput {
        let library = try DrugLibrary(context.clinicProtocol)
        let records = try context.records(module: "dosing", kind: nil, visitOnly: false)
        let history = DoseHistory(records: records, calendar: context.calendar)
        var out = CommandOutput()
        let series = history.series(at: context.now, gapDays: library.seriesGapDays)
        out.line(Self.totals(seriesMg: series.reduce(0) { $0 + $1.mg }, doses: series.count,
                             periodMg: history.total(within: library.periodDays, of: context.now), library: library))
        if let lft = history.lastLFT {
            out.line("liver-function tests of \(ClinicTime.format(lft.date, calendar: context.calendar).prefix(10)): \(lft.result)")
        }
        guard let state = try Self.current(in: context) else {
            out.line(context.visit == nil ? "no visit is open" : "no dose ordered at this visit")
            return out
        }
        let p = state.order.payload
        func at(_ r: StoredRecord) -> String { "\(r.staff) at \(ClinicTime.format(r.effectiveAt, calendar: context.calendar).suffix(5))" }
        var rows: [[String]] = [
            ["order", "#\(state.id) · \(state.summary) · \(state.status.rawValue)"],
            ["working", p["working"]?.stringValue ?? ""],
            ["weight", "\(Rounding.oneDecimal(p["weight_kg"]?.doubleValue ?? 0)) kg, taken \(p["weighed_at"]?.stringValue ?? "?")"],
            ["planned", at(state.order)],
        ]
        if let soft = p["soft_limits"]?.stringArray, !soft.isEmpty {
            rows.append(["soft limit", soft.joined(separator: "; ") + " · reason: " + (p["reason"]?.stringValue ?? "")])
        }
        rows.append(["signed", state.signature.map(at) ?? "not yet (a physician: dosing sign)"])
        rows.append(["checked", state.verification.map(at) ?? "not yet (someone else: dosing verify)"])
        for event in state.events {
            let reason = event.payload["reason"]?.stringValue.map { ": \($0)" } ?? ""
            rows.append([event.kind, at(event) + reason])
        }
        if state.route.isInfusion, state.startedAt != nil {
            let minutes = "\(Rounding.oneDecimal(state.runningMinutes(at: context.now))) min"
            rows.append(state.end == nil ? ["running", minutes + "; " + Infusion.soFar(state, context)] : ["ran", minutes])
        }
        if let end = state.end {
            let reason = end.payload["reason"]?.stringValue.map { ": \($0)" } ?? ""
            rows.append([end.kind, at(end) + " · \(Rounding.oneDecimal(state.givenMg ?? 0)) mg given (\(end.payload["given_how"]?.stringValue ?? ""))" + reason])
        }
        if let c = state.cancellation { rows.append(["cancelled", at(c) + ": " + (c.payload["reason"]?.stringValue ?? "")]) }
        if state.status.isOpen, let changes = Envelope.changes(state, inputs: try DoseInputs.read(record: context)), !changes.isEmpty {
            rows.append(["VOID", "since it was planned \(changes.joined(separator: "; ")): "
                         + (state.status.hasStarted ? "end it (dosing stop REASON)" : "cancel it (dosing cancel REASON) and plan again")])
        }
        out.table(["", "order"], rows)
        return out
    }

    func lft(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let library = try DrugLibrary(context.clinicProtocol)
        guard let date = invocation["date"]?.stringValue, let result = invocation["result"]?.stringValue, let when = DoseHistory.date(date, context.calendar) else {
            throw CommandError("dosing lft needs date and result", hint: "type e.g. dosing lft date=2026-11-20 result=normal")
        }
        var payload: [String: Value] = ["date": .string(date), "result": .string(result)]
        if let note = invocation["note"] { payload["note"] = note }
        let stored = try context.append(RecordDraft(kind: Kind.lft, payload: .object(payload)))
        let due = ClinicTime.format(DoseHistory.lftDue(after: when, days: library.lftIntervalDays, context.calendar), calendar: context.calendar).prefix(10)
        var out = CommandOutput()
        out.line("liver-function tests of \(date) recorded as \(result) (#\(stored.id)); next due \(due)")
        if result == "high" {
            out.alert("3× the upper limit of normal or more: drug-induced liver injury has been seen with repeated ketamine; any further dose needs a reason and a physician's signature")
        }
        return out
    }

    public func facts(from record: any RecordReader) throws -> [Fact] {
        let lft = try due(from: record).first(where: { $0.what == "liver tests" && $0.isShown(at: record.now) }).map { item -> Fact in
            item.at <= record.now ? .present("dosing.lft-due", "liver-function tests due since \(ClinicTime.format(item.at, calendar: record.calendar).prefix(10)): \(item.detail)", asOf: item.at)
                                  : .missing("dosing.lft-due", "next due \(ClinicTime.format(item.at, calendar: record.calendar).prefix(10))")
        } ?? .missing("dosing.lft-due", "no dose in the liver-test interval")
        let names = ["dosing.ordered", "dosing.verified", "dosing.started", "dosing.running", "dosing.complete"]
        guard record.visit != nil else { return names.map { .missing($0, "no visit is open") } + [lft] }
        guard let state = try Self.current(in: record) else { return names.map { .missing($0, "no dose ordered at this visit") } + [lft] }
        let id = "order #\(state.id)"
        func time(_ r: StoredRecord) -> String { String(ClinicTime.format(r.effectiveAt, calendar: record.calendar).suffix(5)) }
        if let c = state.cancellation {
            return names.map { .missing($0, "\(id) was cancelled at \(time(c))") } + [lft]
        }
        var facts: [Fact] = []
        // A signature and a double-check count only while what they judged is unchanged.
        let changes = state.status.isOpen && !state.status.hasStarted
            ? Envelope.changes(state, inputs: try DoseInputs.read(record: record)) ?? ["it kept no record of what it was judged on"] : []
        if !changes.isEmpty {
            let why = "\(id) no longer counts: since it was planned \(changes.joined(separator: "; ")); cancel it and plan again"
            return [.missing("dosing.ordered", why), .missing("dosing.verified", why), .missing("dosing.started", "\(id) is \(state.status.rawValue)"),
                    .missing("dosing.running", "\(id) is \(state.status.rawValue)"), .missing("dosing.complete", "\(id) is \(state.status.rawValue)"), lft]
        }
        if let s = state.signature {
            facts.append(.present("dosing.ordered", "\(id): \(state.summary), signed by \(s.staff) at \(time(s))", value: .double(state.totalMg), asOf: s.effectiveAt))
        } else {
            facts.append(.missing("dosing.ordered", "\(id) awaits a physician's signature"))
        }
        if let v = state.verification {
            facts.append(.present("dosing.verified", "\(id) double-checked by \(v.staff) at \(time(v))", asOf: v.effectiveAt))
        } else {
            facts.append(.missing("dosing.verified", "\(id) is not double-checked yet"))
        }
        if let started = state.events.first(where: { $0.kind == Kind.started }) {
            facts.append(.present("dosing.started", "\(id) started at \(time(started))", asOf: started.effectiveAt))
        } else if !state.route.isInfusion, let end = state.end {
            facts.append(.present("dosing.started", "\(id) given at \(time(end))", asOf: end.effectiveAt))
        } else {
            facts.append(.missing("dosing.started", "\(id) is \(state.status.rawValue)"))
        }
        switch state.status {
        case .running:
            let since = state.events.last.map(time) ?? "?"
            facts.append(.present("dosing.running", "\(id) since \(since) at \(Rounding.oneDecimal(state.rate ?? 0)) mL/h; \(Infusion.soFar(state, record))",
                                  asOf: state.events.last?.effectiveAt))
        case .paused:
            let reason = state.events.last?.payload["reason"]?.stringValue.map { ": \($0)" } ?? ""
            let who = Infusion.pausedForCriterion(state) != nil ? "a physician resumes it (dosing resume)" : "resume it (dosing resume)"
            facts.append(.missing("dosing.running", "\(id) paused at \(state.events.last.map(time) ?? "?")\(reason): \(who) or end it (dosing stop REASON)", remedy: DosingModule.Commands.resume))
        default:
            facts.append(.missing("dosing.running", "\(id) is \(state.status.rawValue)"))
        }
        if let end = state.end, let mg = state.givenMg {
            let how = end.kind == Kind.stopped ? "stopped early at \(time(end))" : "completed at \(time(end))"
            facts.append(.present("dosing.complete", "\(id) \(how): \(Rounding.oneDecimal(mg)) mg of \(Rounding.oneDecimal(state.totalMg)) mg given",
                                  value: .double(mg), asOf: end.effectiveAt))
        } else if state.status == .paused {
            facts.append(.missing("dosing.complete", "\(id) is paused: resume it (dosing resume) or end it (dosing stop REASON)", remedy: DosingModule.Commands.resume))
        } else {
            facts.append(.missing("dosing.complete", "\(id) is \(state.status.rawValue)"))
        }
        return facts + [lft]
    }
}

extension DosingModule {
    /// Dosing's entries as the visit's timeline shows them; the infusion's start is time zero.
    public func summary(of entry: StoredRecord) -> EntrySummary? {
        let p = entry.payload
        let order = p["order"]?.intValue.map { "order #\($0)" } ?? "order"
        func reason(_ key: String = "reason") -> String { p[key]?.stringValue.map { ": \($0)" } ?? "" }
        switch entry.kind {
        case Kind.order:
            let state = OrderState(order: entry, events: [])
            let soft = p["soft_limits"]?.stringArray.map { $0.isEmpty ? "" : " · outside the usual range (\($0.joined(separator: "; "))): \(p["reason"]?.stringValue ?? "")" } ?? ""
            return EntrySummary("order #\(entry.id) planned: \(state.summary)\(soft)")
        case Kind.signed: return EntrySummary("\(order) signed")
        case Kind.verified: return EntrySummary("\(order) double-checked")
        case Kind.started: return EntrySummary("infusion started (\(order))", isTimeZero: true)
        case Kind.paused:
            let criterion = p["criterion"]?.stringValue.map { " · stop criterion: \($0)" } ?? ""
            return EntrySummary("infusion paused\(reason())\(criterion)")
        case Kind.resumed: return EntrySummary("infusion resumed")
        case Kind.stopped, Kind.completed:
            let mg = p["given_mg"]?.doubleValue.map { "\(Rounding.oneDecimal($0)) mg given" } ?? ""
            let ran = p["running_minutes"]?.doubleValue.map { " over \(Rounding.oneDecimal($0)) min" } ?? ""
            return EntrySummary("\(entry.kind == Kind.stopped ? "stopped early" : "dose complete"): \(mg)\(ran) (\(p["given_how"]?.stringValue ?? ""))\(reason())")
        case Kind.cancelled: return EntrySummary("\(order) cancelled\(reason())")
        case Kind.lft: return EntrySummary("liver-function tests of \(p["date"]?.stringValue ?? "?"): \(p["result"]?.stringValue ?? "?")")
        default: return nil
        }
    }
}

extension DosingModule {
    /// Liver-function tests fall due while the patient is being treated (a dose within the
    /// interval): the interval after the last review, or at once when none was reviewed since
    /// treatment began [REFERENCE.md 3.5, 3.6; dosing.lft_interval_days].
    ///
    /// An infusion still running or paused after the day it started on is due from the end of
    /// that day: it was left open, and the clinic's worklist and `status` say so until it is
    /// completed or stopped. Liver tests lapse once the last dose is longer ago than the interval.
    public func due(from record: any RecordReader) throws -> [DueItem] {
        let library = try DrugLibrary(record.clinicProtocol)
        let records = try record.records(module: "dosing", kind: nil, visitOnly: false)
        var items: [DueItem] = OrderState.all(in: records).compactMap { state in
            guard state.status == .running || state.status == .paused, let started = state.startedAt,
                  let endOfDay = record.calendar.date(byAdding: .day, value: 1, to: record.calendar.startOfDay(for: started)) else { return nil }
            var item = DueItem("open infusion", at: endOfDay,
                               detail: "order #\(state.id), started \(ClinicTime.format(started, calendar: record.calendar)), is still \(state.status.rawValue): complete or stop it",
                               command: "dosing stop REASON", naming: [DosingModule.Commands.stop])
            item.shownFrom = endOfDay
            return item
        }
        let history = DoseHistory(records: records, calendar: record.calendar)
        let interval = TimeInterval(library.lftIntervalDays) * 86_400
        guard let last = history.doses.last, let first = history.doses.first else { return items }
        let at = history.lastLFT.map { DoseHistory.lftDue(after: $0.date, days: library.lftIntervalDays, record.calendar) } ?? first.at
        let basis = history.lastLFT.map { "last reviewed \(ClinicTime.format($0.date, calendar: record.calendar).prefix(10)) (\($0.result))" } ?? "none reviewed since treatment began"
        var lft = DueItem("liver tests", at: record.calendar.startOfDay(for: at),
                          detail: "every \(library.lftIntervalDays) days during treatment; \(basis)", command: "dosing lft date= result=", naming: [DosingModule.Commands.lft], isAllDay: true)
        lft.lapsesAfter = last.at.addingTimeInterval(interval)
        items.append(lft)
        return items
    }

    /// An infusion running or paused holds its visit open.
    public func unfinished(from record: any RecordReader) throws -> [String] {
        guard record.visit != nil, let state = try Self.current(in: record), state.status == .running || state.status == .paused else { return [] }
        return ["order #\(state.id) is \(state.status.rawValue): complete or stop it first (dosing complete, dosing stop REASON)"]
    }

    /// The treatment history: every dose given, with its order, signatures and how it ended.
    public func report(from record: any RecordReader) throws -> [ReportSection] {
        let records = try record.records(module: "dosing", kind: nil, visitOnly: false)
        let given = OrderState.all(in: records).filter { $0.end != nil }
        guard !given.isEmpty || records.contains(where: { $0.kind == Kind.lft }) else { return [] }
        func date(_ r: StoredRecord) -> String { ClinicTime.format(r.effectiveAt, calendar: record.calendar) }
        var blocks: [OutputBlock] = []
        let rows = given.map { s -> [String] in
            let p = s.order.payload
            let ordered = p["dose"].flatMap { Quantity($0, units: DosingModule.doseUnits) }.map { "\(FieldSpec.format($0.value)) \($0.unit.symbol)" } ?? ""
            let ran = s.route.isInfusion ? "\(Rounding.oneDecimal(s.runningMinutes(at: s.end?.effectiveAt ?? record.now))) min" : ""
            let end = s.end.map { $0.kind == Kind.stopped ? "stopped early" + ($0.payload["reason"]?.stringValue.map { ": \($0)" } ?? "") : "complete" } ?? ""
            return [date(s.events.first ?? s.end ?? s.order), s.route.label, ordered,
                    "\(Rounding.oneDecimal(s.givenMg ?? 0)) of \(Rounding.oneDecimal(s.totalMg)) mg", ran, end,
                    s.signature?.staff ?? "", s.verification?.staff ?? ""]
        }
        blocks.append(.table(headers: ["given", "route", "ordered", "mg given", "ran", "ended", "signed", "checked"], rows: rows))
        let total = given.reduce(0) { $0 + ($1.givenMg ?? 0) }
        blocks.append(.line("\(given.count) dose\(given.count == 1 ? "" : "s"), \(Rounding.oneDecimal(total)) mg of ketamine in all"))
        let history = DoseHistory(records: records, calendar: record.calendar)
        if let lft = history.lastLFT {
            blocks.append(.line("liver-function tests last reviewed: \(ClinicTime.format(lft.date, calendar: record.calendar).prefix(10)), \(lft.result)"))
        }
        for item in try due(from: record) where item.what == "liver tests" && item.at <= record.now && item.isShown(at: record.now) {
            blocks.append(.alert("liver-function tests are due (\(item.detail))"))
        }
        return [ReportSection("Treatment history", blocks: blocks, order: 40)]
    }
}

extension DosingModule {
    /// Dosing stop asks first at a terminal: it ends the order for good, where a pause may have
    /// been meant.
    public func confirmations(_ invocation: Invocation, from record: any RecordReader) throws -> [String] {
        guard invocation.verb == "stop", let state = try Self.current(in: record), state.status == .running || state.status == .paused else { return [] }
        let given = state.givenByPump(at: record.now).map { "\(Rounding.oneDecimal($0.mg)) mg of \(Rounding.oneDecimal(state.totalMg)) mg given" }
            ?? "of \(Rounding.oneDecimal(state.totalMg)) mg ordered"
        let instead = state.status == .running ? "; pause instead with dosing pause" : ""
        return ["This stops order #\(state.id) for good: \(given)\(instead). Stop?"]
    }

    /// The visit's infusion on the board: running, paused or ended today, how long it has run and
    /// how much has been given.
    public func board(from record: any RecordReader) throws -> BoardRow? {
        guard record.visit != nil, let state = try Self.current(in: record), state.route.isInfusion, state.startedAt != nil else { return nil }
        let minutes = "\(Int(state.runningMinutes(at: record.now))) min"
        let mg = state.end != nil ? state.givenMg ?? 0 : state.givenByPump(at: record.now)?.mg ?? 0
        let cells = [BoardCell("run", minutes), BoardCell("given", "\(Rounding.oneDecimal(mg)) mg")]
        switch state.status {
        case .running: return BoardRow(state: .running, cells: cells)
        case .paused:
            let note = Infusion.pausedForCriterion(state) != nil ? "paused: stop criterion" : "paused"
            return BoardRow(state: .paused, cells: cells, note: note)
        case .completed, .stopped: return BoardRow(state: .ended, cells: cells)
        default: return nil
        }
    }
}
