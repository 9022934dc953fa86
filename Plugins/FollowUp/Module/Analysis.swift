import ClinicKit
import Foundation

// What follow-up reads back: the series of outcomes and infusion days, the responder analysis, the
// patient's plan and appointments, its fact, what falls due, the timeline's lines and the report.
extension FollowUpModule {
    /// Pain NRS (the week's average), FIQR totals (screening's, the instrument reused) and the days a
    /// dose was given (dosing's completed or stopped doses with some given).
    static func chartData(in record: any RecordReader) throws -> Chart.Data {
        let nrs = try record.records(module: "followup", kind: "nrs").compactMap { r in
            r.payload["average"]?.doubleValue.map { Responders.Point(at: r.effectiveAt, value: $0) }
        }
        let fiqr = try record.records(Uses.fiqr).compactMap { r in
            r.payload["total"]?.doubleValue.map { Responders.Point(at: r.effectiveAt, value: $0) }
        }
        let doses = try Uses.doses(in: record)
        // Any instrument given as data that says which way is better and what change matters.
        // Only the responses to the version loaded: another version's totals are another scale's.
        let series = try record.measures.compactMap { m -> Chart.Series? in
            let responses = try record.records(module: m.module, kind: m.kind)
            let points = responses.filter { $0.payload["questionnaire"]?.stringValue == m.questionnaire }.compactMap { r in
                r.payload[m.field]?.doubleValue.map { Responders.Point(at: r.effectiveAt, value: $0) }
            }
            let others = responses.filter { $0.payload["questionnaire"]?.stringValue != m.questionnaire }.count
            return points.isEmpty && others == 0 ? nil : Chart.Series(measure: m, points: points, otherVersions: others)
        }
        return Chart.Data(nrs: nrs, fiqr: fiqr, infusions: doses.map(\.effectiveAt).sorted(), series: series)
    }

    struct Analysis {
        var rows: [[String]] = []
        var problems: [String] = []
        var relief: [Responders.Relief] = []
        var baselineNRS: Responders.Point?
        /// The instruments given as data, each against its minimal important difference.
        var measures: [[String]] = []
    }

    /// The responder table: each measure's baseline (the latest before the first infusion), its
    /// latest value, the change and its class; and how long relief lasted after each infusion.
    static func analyse(in record: any RecordReader) throws -> Analysis {
        let data = try chartData(in: record)
        let t = try thresholds(record.clinicProtocol)
        var a = Analysis()
        guard let first = data.infusions.first else {
            a.problems.append("no infusion given yet: the baseline is the last value before the first infusion")
            return a
        }
        let day = Schedule.text(first, record.calendar)
        for (name, points) in [("pain NRS", data.nrs), ("FIQR", data.fiqr)] {
            guard let base = Responders.baseline(points, before: first) else {
                a.problems.append("no baseline \(name): none was recorded before the first infusion on \(day)")
                continue
            }
            if name == "pain NRS" { a.baselineNRS = base }
            guard let latest = points.last, latest.at > first else {
                a.problems.append("no \(name) since the first infusion on \(day)")
                continue
            }
            guard let reduction = Responders.reduction(from: base.value, to: latest.value) else {
                a.problems.append("the baseline \(name) is 0: a fall from it cannot be measured")
                continue
            }
            a.rows.append([name, "\(FieldSpec.format(base.value)) (\(Schedule.text(base.at, record.calendar)))",
                           "\(FieldSpec.format(latest.value)) (\(Schedule.text(latest.at, record.calendar)))",
                           Responders.changeText(reduction), label(Responders.classify(reduction, t), t)])
        }
        for series in data.series {
            let m = series.measure
            if series.otherVersions > 0 {
                a.problems.append("\(series.otherVersions) \(m.title) response\(series.otherVersions == 1 ? "" : "s") to another version left out: only \(m.questionnaire) is compared")
            }
            guard let base = Responders.baseline(series.points, before: first) else {
                a.problems.append("no baseline \(m.title): none was recorded before the first infusion on \(day)")
                continue
            }
            guard let latest = series.points.last, latest.at > first else {
                a.problems.append("no \(m.title) since the first infusion on \(day)")
                continue
            }
            let change = ((latest.value - base.value) * 1_000_000).rounded() / 1_000_000
            a.measures.append([m.title, "\(FieldSpec.format(base.value)) (\(Schedule.text(base.at, record.calendar)))",
                               "\(FieldSpec.format(latest.value)) (\(Schedule.text(latest.at, record.calendar)))",
                               (change > 0 ? "+" : "") + FieldSpec.format(change), Chart.verdict(m, from: base.value, to: latest.value)])
        }
        if let base = a.baselineNRS, base.value > 0 {
            a.relief = Responders.relief(points: data.nrs, infusions: data.infusions, baseline: base.value, t, calendar: record.calendar)
        }
        return a
    }

    func response(in context: any ModuleContext) throws -> CommandOutput {
        let a = try Self.analyse(in: context)
        let t = try Self.thresholds(context.clinicProtocol)
        var out = CommandOutput()
        if !a.rows.isEmpty { out.table(["measure", "baseline", "latest", "change", "response (IMMPACT)"], a.rows) }
        if !a.measures.isEmpty {
            out.line("instruments against the change that matters to a patient (their minimal important difference)")
            out.table(["measure", "baseline", "latest", "change", "response"], a.measures)
        }
        for problem in a.problems { out.line(problem) }
        if !a.relief.isEmpty {
            out.line("relief of \(FieldSpec.format(t.moderate)) % or more after each infusion (pain NRS against the baseline)")
            out.table(["infusion", "scores after", "relief lasted"], a.relief.map {
                [Schedule.text($0.infusion, context.calendar), String($0.measures), Responders.reliefText($0, moderate: t.moderate)]
            })
        }
        return out
    }

    func show(in context: any ModuleContext) throws -> CommandOutput {
        var out = CommandOutput()
        let mine = try context.records(module: "followup", kind: nil, visitOnly: false)
        let outcomes = mine.filter { ["nrs", "pgic", "bpi"].contains($0.kind) }.suffix(10)
        if outcomes.isEmpty { out.line("no outcomes recorded yet: followup nrs, followup pgic, followup bpi") } else {
            out.table(["when", "by", "outcome"], outcomes.map { [Self.hhmm($0.effectiveAt, context), $0.staff, summary(of: $0)?.text ?? $0.kind] })
        }
        let plan = try Schedule.plan(in: context)
        if !plan.isEmpty {
            out.line("care plan")
            out.table(["#", "kind", "treatment", "goal", "provider", "review"], plan.map {
                ["\($0.entry.id)", $0.kind, $0.name, $0.entry.payload["goal"]?.stringValue ?? "", $0.entry.payload["provider"]?.stringValue ?? "",
                 $0.ended.map { "ended \(Schedule.text($0.effectiveAt, context.calendar))" } ?? ($0.nextReview ?? "")]
            })
        }
        let appointments = try Schedule.appointments(in: context)
        if !appointments.isEmpty {
            out.line("appointments")
            out.table(["#", "date", "what", "state"], appointments.sorted { $0.day < $1.day }.map { a in
                let state = a.cancelled.map { "cancelled: \($0.payload["reason"]?.stringValue ?? "")" }
                    ?? a.fulfilledBy.map { "done \(Self.hhmm($0.effectiveAt, context))" } ?? (a.day < context.calendar.startOfDay(for: context.now) ? "OVERDUE" : "booked")
                return ["\(a.entry.id)", Schedule.text(a.day, context.calendar), Schedule.label(a.kind) + (a.entry.payload["pattern"]?.stringValue.map { " (\($0))" } ?? ""), state]
            })
        }
        for alert in try alerts(from: context) { out.alert(alert.text) }
        return out
    }

    public func facts(from record: any RecordReader) throws -> [Fact] {
        let data = try Self.chartData(in: record)
        return [try Self.responder(data, in: record), Self.baseline(data, in: record)]
    }

    /// The baseline the responder analysis measures from: a pain NRS and an FIQR before the first
    /// infusion [IMMPACT: change from the patient's own baseline, REFERENCE.md 6.4, S53, S96]. Before the first
    /// dose it is a step to take (a clinic's protocol makes `dosing start` wait for it); once
    /// treatment has begun it holds, saying whether the baseline was taken.
    static func baseline(_ data: Chart.Data, in record: any RecordReader) -> Fact {
        let name = "followup.baseline"
        if let first = data.infusions.first {
            let nrs = Responders.baseline(data.nrs, before: first), fiqr = Responders.baseline(data.fiqr, before: first)
            let taken = [nrs.map { "pain NRS \(FieldSpec.format($0.value)) (\(Schedule.text($0.at, record.calendar)))" },
                         fiqr.map { "FIQR \(FieldSpec.format($0.value)) (\(Schedule.text($0.at, record.calendar)))" }].compactMap { $0 }
            let missed = [nrs == nil ? "pain NRS" : nil, fiqr == nil ? "FIQR" : nil].compactMap { $0 }
            return .present(name, "treatment began \(Schedule.text(first, record.calendar))"
                            + (taken.isEmpty ? "" : "; baseline " + taken.joined(separator: ", "))
                            + (missed.isEmpty ? "" : "; no baseline \(missed.joined(separator: " or ")) was taken"), asOf: first)
        }
        let nrs = data.nrs.last, fiqr = data.fiqr.last
        guard let nrs, let fiqr else {
            let missing = [nrs == nil ? "pain NRS (followup nrs)" : nil, fiqr == nil ? "FIQR (screening fiqr)" : nil].compactMap { $0 }
            return .missing(name, "no baseline \(missing.joined(separator: " and ")) before the first infusion")
        }
        return .present(name, "pain NRS \(FieldSpec.format(nrs.value)) (\(Schedule.text(nrs.at, record.calendar))), FIQR \(FieldSpec.format(fiqr.value)) (\(Schedule.text(fiqr.at, record.calendar)))",
                        asOf: max(nrs.at, fiqr.at))
    }

    static func responder(_ data: Chart.Data, in record: any RecordReader) throws -> Fact {
        guard let first = data.infusions.first, let base = Responders.baseline(data.nrs, before: first), let latest = data.nrs.last, latest.at > first,
              let reduction = Responders.reduction(from: base.value, to: latest.value)
        else { return .missing("followup.responder", "no pain NRS both before the first infusion and after it") }
        let t = try Self.thresholds(record.clinicProtocol)
        let c = Responders.classify(reduction, t)
        let text = "pain NRS \(FieldSpec.format(latest.value)) on \(Schedule.text(latest.at, record.calendar)), \(Responders.changeText(reduction)) from \(FieldSpec.format(base.value))"
        return c == .moderate || c == .substantial ? .present("followup.responder", "\(text): \(Self.label(c, t))", value: .double(reduction), asOf: latest.at)
                                                   : .missing("followup.responder", "\(text): \(Self.label(c, t))")
    }

    /// Appointments not yet done or cancelled, and care-plan reviews, each on its day.
    public func due(from record: any RecordReader) throws -> [DueItem] {
        var items = try Schedule.appointments(in: record).filter(\.isOpen).map { a -> DueItem in
            let todo = Schedule.command(a.kind)
            return DueItem(Schedule.label(a.kind), at: a.day,
                           detail: "booked for \(Schedule.text(a.day, record.calendar))" + ((a.entry.payload["pattern"] ?? a.entry.payload["note"])?.stringValue.map { ": \($0)" } ?? ""),
                           command: todo.text, naming: todo.commands, isAllDay: true)
        }
        for item in try Schedule.plan(in: record) where item.ended == nil {
            guard let day = item.nextReview.flatMap({ Schedule.day($0, record.calendar) }) else { continue }
            items.append(DueItem("review \(item.name)", at: day, detail: "care plan: \(item.kind), with \(item.entry.payload["provider"]?.stringValue ?? "?")",
                                 command: "followup review \(item.entry.id)", naming: [Self.review], isAllDay: true))
        }
        return items
    }

    public func summary(of entry: StoredRecord) -> EntrySummary? {
        let p = entry.payload
        switch entry.kind {
        case "nrs": return EntrySummary("pain NRS average \(p["average"]?.intValue ?? 0) (\(p["band"]?.stringValue ?? "")), worst \(p["worst"]?.intValue ?? 0)")
        case "pgic": return EntrySummary("PGIC \(p["score"]?.intValue ?? 0): \(p["label"]?.stringValue ?? "")")
        case "bpi":
            let interference = p["interference"]?.doubleValue.map { Outcomes.oneDecimal($0) } ?? "not scored"
            return EntrySummary("BPI severity \(Outcomes.oneDecimal(p["severity"]?.doubleValue ?? 0)), interference \(interference)")
        case "safety":
            let alerts = (p["alerts"]?.arrayValue ?? []).count
            return EntrySummary("safety check: " + (alerts == 0 ? "nothing to act on" : "\(alerts) alert\(alerts == 1 ? "" : "s")"))
        case "acknowledged": return EntrySummary("follow-up alerts acknowledged: \(p["note"]?.stringValue ?? "")")
        case "plan": return EntrySummary("care plan: \(p["kind"]?.stringValue ?? "") \(p["name"]?.stringValue ?? ""), review \(p["review"]?.stringValue ?? "")")
        case "reviewed": return EntrySummary("care plan #\(p["item"]?.intValue ?? 0) reviewed" + (p["ended"]?.boolValue == true ? ": ended" : ""))
        case "scheduled": return EntrySummary("booked: \(Schedule.label(p["kind"]?.stringValue ?? "")) on \(p["date"]?.stringValue ?? "")")
        case "cancelled": return EntrySummary("appointment #\(p["scheduled"]?.intValue ?? 0) cancelled: \(p["reason"]?.stringValue ?? "")")
        default: return nil
        }
    }

    /// Outcomes: the chart, the responder summary and the care plan.
    public func report(from record: any RecordReader) throws -> [ReportSection] {
        let data = try Self.chartData(in: record)
        let a = try Self.analyse(in: record)
        let plan = try Schedule.plan(in: record).filter { $0.ended == nil }
        guard !data.isEmpty || !plan.isEmpty else { return [] }
        var blocks: [OutputBlock] = []
        if !a.rows.isEmpty { blocks.append(.table(headers: ["measure", "baseline", "latest", "change", "response (IMMPACT)"], rows: a.rows)) }
        blocks += a.problems.map(OutputBlock.line)
        let t = try Self.thresholds(record.clinicProtocol)
        if !a.relief.isEmpty {
            blocks.append(.table(headers: ["infusion", "pain scores after", "relief ≥ \(FieldSpec.format(t.moderate)) % lasted"], rows: a.relief.map {
                [Schedule.text($0.infusion, record.calendar), String($0.measures), Responders.reliefText($0, moderate: t.moderate)]
            }))
        }
        if let pgic = try record.latest(module: "followup", kind: "pgic") {
            blocks.append(.line("latest PGIC (\(Schedule.text(pgic.effectiveAt, record.calendar))): \(pgic.payload["score"]?.intValue ?? 0), \(pgic.payload["label"]?.stringValue ?? "")"))
        }
        var sections = [ReportSection("Outcomes", blocks: blocks, svg: Chart.svg(data, calendar: record.calendar), order: 30)]
        if !plan.isEmpty {
            sections.append(ReportSection("Care plan beside the infusions", blocks: [.table(headers: ["treatment", "kind", "goal", "provider", "next review"], rows: plan.map {
                [$0.name, $0.kind, $0.entry.payload["goal"]?.stringValue ?? "", $0.entry.payload["provider"]?.stringValue ?? "", $0.nextReview ?? ""]
            })], order: 35))
        }
        return sections
    }
}
