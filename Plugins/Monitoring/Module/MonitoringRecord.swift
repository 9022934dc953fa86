import ClinicKit
import Foundation

// What monitoring reads back from the record: its standing alerts and their acknowledgement,
// the Aldrete score and discharge, its facts, what falls due, the timeline's lines and `show`.
extension MonitoringModule {
    /// The kinds of entry that may carry alerts.
    static let observed: Set<String> = ["baseline", "vitals", "rass", "moaas", "cadss", "event"]

    /// Entries whose alerts no acknowledgement covers yet, oldest first.
    static func unacknowledged(in record: any RecordReader) throws -> [StoredRecord] {
        let all = try record.records(module: "monitoring", kind: nil, visitOnly: false)
        let acknowledged = Set(all.filter { $0.kind == "acknowledged" }.flatMap { $0.payload["entries"]?.arrayValue ?? [] }.compactMap(\.intValue))
        return all.filter { observed.contains($0.kind) && !($0.payload["alerts"]?.arrayValue ?? []).isEmpty && !acknowledged.contains(Int($0.id)) }
    }

    static func crossings(_ entry: StoredRecord) -> [Crossing] {
        (entry.payload["alerts"]?.arrayValue ?? []).compactMap(Crossing.init)
    }

    /// Every criterion crossed and not yet acknowledged, on the patient whatever the visit.
    public func alerts(from record: any RecordReader) throws -> [StandingAlert] {
        try Self.unacknowledged(in: record).map { entry in
            let text = Self.crossings(entry).map(\.line).joined(separator: "; ")
            return StandingAlert("monitoring #\(entry.id) (\(entry.kind)): \(text)", since: entry.effectiveAt, acknowledgedBy: Self.acknowledgeCommand, naming: Self.acknowledge)
        }
    }

    func acknowledge(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        var open = try Self.unacknowledged(in: context)
        if let only = invocation["alert"]?.intValue {
            open = open.filter { $0.id == Int64(only) }
            guard !open.isEmpty else {
                throw CommandError("#\(only) has no standing monitoring alert", hint: "type monitoring show for the alerts that stand")
            }
        }
        guard !open.isEmpty else { throw CommandError("no monitoring alert stands on \(context.patient.mrn)", hint: "nothing to acknowledge") }
        let stored = try context.append(RecordDraft(kind: "acknowledged", payload: [
            "entries": .array(open.map { .int(Int($0.id)) }), "note": invocation["note"] ?? .string(""),
        ]))
        var out = CommandOutput()
        for entry in open {
            out.line("acknowledged #\(entry.id): \(Self.crossings(entry).map(\.text).joined(separator: "; "))")
        }
        out.line("by \(context.staff.username) at \(Self.hhmm(stored.effectiveAt, context)) (#\(stored.id))")
        if try context.fact(MonitoringModule.Uses.started)?.isPresent == true, try context.fact(MonitoringModule.Uses.running)?.isPresent == false,
           try context.fact(MonitoringModule.Uses.complete)?.isPresent != true {
            out.line("the infusion stays paused until it is resumed (dosing resume; a physician after a stop criterion) or ended (dosing stop REASON)")
        }
        return out
    }

    // MARK: - Discharge

    /// The vital signs of this visit taken after the dose ended (or any, with no dose), newest last.
    static func vitalsSinceDose(in record: any RecordReader) throws -> [StoredRecord] {
        let since: Date? = try record.fact(MonitoringModule.Uses.complete).flatMap { $0.isPresent ? $0.asOf : nil }
        return try record.records(module: "monitoring", kind: nil, visitOnly: true).filter { entry in
            (entry.kind == "vitals" || entry.kind == "baseline") && since.map { entry.effectiveAt >= $0 } ?? true
        }
    }

    public func prefill(_ verb: String, from record: any RecordReader) throws -> [String: Value] {
        // Oxygen goes on from the visit's last reading until a reading says air: shown as taken
        // from the record (`o2 = oxygen (from the record)`), never added to the score unseen.
        if verb == "vitals" || verb == "baseline" {
            guard record.visit != nil,
                  let last = try record.records(module: "monitoring", kind: nil, visitOnly: true).last(where: { $0.kind == "baseline" || $0.kind == "vitals" }),
                  last.payload["o2"]?.stringValue == "oxygen" else { return [:] }
            return ["o2": .string("oxygen")]
        }
        guard verb == "aldrete", record.visit != nil, let last = try Self.vitalsSinceDose(in: record).last, last.kind == "vitals" else { return [:] }
        let v = Vitals(last.payload)
        var out: [String: Value] = [:]
        let baseline = try record.records(module: "monitoring", kind: "baseline", visitOnly: true).last.map { Vitals($0.payload) }
        if let sbp = v.sbp, let base = baseline?.sbp, base > 0 { out["circulation"] = .string(String(Aldrete.circulation(sbp: sbp, baseline: base))) }
        if let spo2 = v.spo2, let score = Aldrete.saturation(spo2, onOxygen: v.onOxygen) { out["spo2"] = .string(String(score)) }
        if let avpu = v.avpu, let score = Aldrete.consciousness(avpu) { out["consciousness"] = .string(String(score)) }
        return out
    }

    func aldrete(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        var payload: [String: Value] = [:]
        var total = 0
        for item in Aldrete.items {
            let score = Int(invocation[item.field]?.stringValue ?? "") ?? 0
            payload[item.field] = .int(score)
            total += score
        }
        payload["total"] = .int(total)
        let rules = try DischargeRules(context.clinicProtocol)
        let stored = try context.append(RecordDraft(kind: "aldrete", payload: .object(payload)))
        let verdict = total >= rules.aldreteMin ? "meets discharge (at least \(rules.aldreteMin))" : "below the \(rules.aldreteMin) discharge needs: score again later"
        return .lines("modified Aldrete #\(stored.id) at \(Self.hhmm(stored.effectiveAt, context)): \(Aldrete.text(stored.payload)) · \(verdict)")
    }

    /// The discharge checklist as the record stands, with what `monitoring discharge` was given.
    static func dischargeCheck(in record: any RecordReader, alerts: [StandingAlert], escort: String?, instructed: Bool?) throws -> DischargeCheck {
        let dose: DischargeCheck.Dose
        if let end = try record.fact(MonitoringModule.Uses.complete), end.isPresent, let at = end.asOf {
            dose = .ended(at)
        } else if try record.fact(MonitoringModule.Uses.started)?.isPresent == true {
            dose = .underway
        } else {
            dose = .none
        }
        let aldrete = try record.records(module: "monitoring", kind: "aldrete", visitOnly: true).last
        return DischargeCheck(dose: dose, aldrete: aldrete, alerts: alerts, escort: escort, instructed: instructed,
                              rules: try DischargeRules(record.clinicProtocol))
    }

    func discharge(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        if let done = try context.records(module: "monitoring", kind: "discharged", visitOnly: true).last {
            throw CommandError("\(context.patient.mrn) was discharged from this visit at \(Self.hhmm(done.effectiveAt, context)) by \(done.staff)",
                               hint: "type visit end to close the visit")
        }
        let escort = invocation["escort"]?.stringValue
        let check = try Self.dischargeCheck(in: context, alerts: try context.standingAlerts(), escort: escort ?? "",
                                            instructed: invocation["instructed"]?.boolValue ?? false)
        let items = check.items(now: context.now, calendar: context.calendar)
        let missing = items.filter { !$0.ok }
        guard missing.isEmpty else {
            throw CommandError("not ready for discharge: " + missing.map(\.text).joined(separator: "; "),
                               hint: "see monitoring show; when each is done, type monitoring discharge again")
        }
        var payload: [String: Value] = ["instructed": .bool(true), "no_driving_hours": .int(check.rules.noDrivingHours),
                                        "checks": .array(items.map { .string($0.text) })]
        if let escort { payload["escort"] = .string(escort) }
        if let aldrete = check.aldrete { payload["aldrete"] = .int(Int(aldrete.id)) }
        let stored = try context.append(RecordDraft(kind: "discharged", payload: .object(payload)))
        var out = CommandOutput.lines("discharged \(context.patient.mrn) at \(Self.hhmm(stored.effectiveAt, context)) (#\(stored.id))")
        for item in items { out.line("  ✔ \(item.text)") }
        return out
    }

    // MARK: - Facts, due, timeline

    public func facts(from record: any RecordReader) throws -> [Fact] {
        guard record.visit != nil else {
            return [.missing("monitoring.baseline", "no visit is open"), .missing("monitoring.discharged", "no visit is open")]
        }
        let visit = try record.records(module: "monitoring", kind: nil, visitOnly: true)
        var facts: [Fact] = []
        if let b = visit.last(where: { $0.kind == "baseline" }) {
            facts.append(.present("monitoring.baseline", "\(Vitals(b.payload).text) at \(Self.hhmm(b.effectiveAt, record)) by \(b.staff)", asOf: b.effectiveAt, basis: [b.id]))
        } else {
            facts.append(.missing("monitoring.baseline", "no baseline vital signs at this visit"))
        }
        if let d = visit.last(where: { $0.kind == "discharged" }) {
            let escort = d.payload["escort"]?.stringValue.map { " with \($0)" } ?? ""
            facts.append(.present("monitoring.discharged", "at \(Self.hhmm(d.effectiveAt, record)) by \(d.staff)\(escort)", asOf: d.effectiveAt))
        } else {
            // Only this module's alerts are visible here; the command checks every module's.
            let check = try Self.dischargeCheck(in: record, alerts: try alerts(from: record), escort: nil, instructed: nil)
            let open = check.items(now: record.now, calendar: record.calendar).filter { !$0.ok }.prefix(2).map(\.text)
            facts.append(.missing("monitoring.discharged", "not yet: " + open.joined(separator: "; ")))
        }
        return facts
    }

    /// Vital signs every `monitoring.vitals_interval_minutes` from the infusion's start until its
    /// end, running or paused [REFERENCE.md 3.7: BP and heart rate at least every 5 minutes, S51, S52].
    public func due(from record: any RecordReader) throws -> [DueItem] {
        guard record.visit != nil, let started = try record.fact(MonitoringModule.Uses.started), started.isPresent, let start = started.asOf,
              try record.fact(MonitoringModule.Uses.complete)?.isPresent != true
        else { return [] }
        let minutes = try record.clinicProtocol.integer("monitoring.vitals_interval_minutes")
        let last = try record.records(module: "monitoring", kind: "vitals", visitOnly: true).last?.effectiveAt
        let from = max(start, last ?? start)
        return [DueItem("vitals", at: from.addingTimeInterval(TimeInterval(minutes * 60)),
                        detail: "every \(minutes) min while the infusion runs", command: Self.vitals.name, naming: [Self.vitals])]
    }

    public func summary(of entry: StoredRecord) -> EntrySummary? {
        let p = entry.payload
        let alerts = Self.crossings(entry).map { " · " + $0.line }.joined()
        switch entry.kind {
        case "baseline", "vitals":
            let points = p["news2"]?.intValue ?? 0
            let partial = p["news2_missing"] == nil ? "" : "≥ "
            return EntrySummary("\(entry.kind == "baseline" ? "baseline " : "")\(Vitals(p).text) · NEWS2 \(partial)\(points) (\(p["news2_band"]?.stringValue ?? "?"))\(alerts)"
                                + (Self.correction(entry).map { " · " + $0 } ?? ""))
        case "rass", "moaas":
            let score = p["score"]?.intValue ?? 0
            return EntrySummary("\(entry.kind == "rass" ? "RASS" : "MOAA/S") \(score) (\(p["term"]?.stringValue ?? ""))\(alerts)")
        case "cadss": return EntrySummary("CADSS \(p["score"]?.intValue ?? 0) of 92\(alerts)")
        case "event": return EntrySummary("adverse event: \(Self.eventText(p))\(alerts)")
        case "acknowledged":
            let ids = (p["entries"]?.arrayValue ?? []).compactMap(\.intValue).map { "#\($0)" }.joined(separator: ", ")
            return EntrySummary("alerts of \(ids) acknowledged: \(p["note"]?.stringValue ?? "")")
        case "aldrete": return EntrySummary("modified Aldrete \(Aldrete.text(p))")
        case "discharged":
            let escort = p["escort"]?.stringValue.map { " with \($0)" } ?? ""
            return EntrySummary("discharged\(escort); told no driving for \(p["no_driving_hours"]?.intValue ?? 24) h")
        default: return nil
        }
    }
}
