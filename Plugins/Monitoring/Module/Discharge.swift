import ClinicKit
import Foundation

/// The modified Aldrete score [REFERENCE.md 5.4, S67, S81, S82]: five items scored 0–2, out of 10.
enum Aldrete {
    struct Item: Sendable {
        var field: String
        var wording: String
        var answers: [Choice]
    }

    static let items: [Item] = [
        Item(field: "activity", wording: "activity", answers: [
            Choice("2", "moves 4 limbs voluntarily or on command"), Choice("1", "moves 2 limbs"), Choice("0", "moves none")]),
        Item(field: "respiration", wording: "respiration", answers: [
            Choice("2", "breathes deeply and coughs freely"), Choice("1", "dyspnoea, shallow or limited breathing"), Choice("0", "apnoeic")]),
        // The percent variant: the baseline is on record [5.4; S67, S81, S83 give ±20 mmHg as another].
        Item(field: "circulation", wording: "circulation: systolic against the baseline", answers: [
            Choice("2", "within ±20 % of baseline"), Choice("1", "20–49 % from baseline"), Choice("0", "50 % or more from baseline")]),
        Item(field: "consciousness", wording: "consciousness", answers: [
            Choice("2", "fully awake"), Choice("1", "rousable on calling"), Choice("0", "not responding")]),
        Item(field: "spo2", wording: "oxygen saturation", answers: [
            Choice("2", "above 92 % on room air"), Choice("1", "needs oxygen to keep above 90 %"), Choice("0", "below 90 % even with oxygen")]),
    ]

    static var fields: [FieldSpec] {
        items.map { FieldSpec($0.field, .choice($0.answers), help: "\($0.wording) (modified Aldrete)") }
    }

    /// Circulation from the systolic pressure against the baseline: within ±20 % → 2, up to 49 % →
    /// 1, 50 % or more → 0.
    static func circulation(sbp: Int, baseline: Int) -> Int {
        let off = abs(sbp - baseline) * 100
        if off <= baseline * 20 { return 2 }
        return off < baseline * 50 ? 1 : 0
    }

    /// SpO2 from the saturation and whether oxygen is given; `nil` where the scale does not say
    /// (90–92 % on air, exactly 90 % on oxygen): the nurse scores it.
    static func saturation(_ spo2: Int, onOxygen: Bool) -> Int? {
        if spo2 < 90 { return 0 }
        if !onOxygen { return spo2 > 92 ? 2 : nil }
        return spo2 > 90 ? 1 : nil
    }

    /// Consciousness from AVPU: alert → 2, voice → 1, pain or unresponsive → 0; new confusion is
    /// for the nurse to score.
    static func consciousness(_ avpu: String) -> Int? {
        switch avpu {
        case "A": return 2
        case "V": return 1
        case "P", "U": return 0
        default: return nil
        }
    }

    /// `9/10 (activity 2 · respiration 2 · circulation 1 · consciousness 2 · spo2 2)`
    static func text(_ payload: Value) -> String {
        let parts = items.map { "\($0.field) \(payload[$0.field]?.intValue ?? 0)" }.joined(separator: " · ")
        return "\(payload["total"]?.intValue ?? 0)/10 (\(parts))"
    }
}

/// What discharge needs, as the clinic protocol says [REFERENCE.md 3.11, 5.4].
struct DischargeRules: Sendable {
    var aldreteMin: Int
    var minutesAfterInfusion: Int
    var needsEscort: Bool
    var noDrivingHours: Int

    static let settings: [SettingSpec] = [
        SettingSpec("monitoring.discharge_aldrete_min", .integer(5...10, unit: "points"), summary: "the modified Aldrete score discharge needs, of 10"),
        SettingSpec("monitoring.discharge_minutes_after_infusion", .integer(0...480, unit: "minutes"), summary: "the least time from the infusion's end to discharge"),
        SettingSpec("monitoring.discharge_needs_escort", .yesNo, summary: "a named responsible adult must take the patient home"),
        SettingSpec("monitoring.no_driving_hours", .integer(8...72, unit: "hours"), summary: "no driving, machinery or important decisions for this long, as the patient is told"),
    ]

    init(_ p: ClinicProtocol) throws {
        aldreteMin = try p.integer("monitoring.discharge_aldrete_min")
        minutesAfterInfusion = try p.integer("monitoring.discharge_minutes_after_infusion")
        needsEscort = try p.yesNo("monitoring.discharge_needs_escort")
        noDrivingHours = try p.integer("monitoring.no_driving_hours")
    }
}

/// Whether the patient may go home, item by item.
struct DischargeCheck: Sendable {
    struct Item: Sendable, Equatable {
        var ok: Bool
        var text: String
    }

    /// What the record says about the visit's dose.
    enum Dose: Sendable {
        case none
        case underway
        case ended(Date)
    }

    var dose: Dose
    var aldrete: StoredRecord?
    var alerts: [StandingAlert]
    /// The escort named and whether the patient was told, as `monitoring discharge` gives them;
    /// both `nil` before (the checklist then leaves them out).
    var escort: String?
    var instructed: Bool?
    var rules: DischargeRules

    func items(now: Date, calendar: Calendar) -> [Item] {
        func hhmm(_ d: Date) -> String { String(ClinicTime.format(d, calendar: calendar).suffix(5)) }
        var out: [Item] = []
        var end: Date?
        switch dose {
        case .none: out.append(Item(ok: true, text: "no dose given at this visit"))
        case .underway: out.append(Item(ok: false, text: "the infusion has not ended: dosing complete, or dosing stop REASON"))
        case .ended(let at):
            end = at
            let minutes = Int(now.timeIntervalSince(at) / 60)
            if minutes >= rules.minutesAfterInfusion {
                out.append(Item(ok: true, text: "\(minutes) min since the dose ended at \(hhmm(at)) (at least \(rules.minutesAfterInfusion))"))
            } else {
                let ready = hhmm(at.addingTimeInterval(TimeInterval(rules.minutesAfterInfusion * 60)))
                out.append(Item(ok: false, text: "\(max(0, minutes)) of \(rules.minutesAfterInfusion) min since the dose ended at \(hhmm(at)): not before \(ready)"))
            }
        }
        if let aldrete {
            let total = aldrete.payload["total"]?.intValue ?? 0
            if let end, aldrete.effectiveAt < end {
                out.append(Item(ok: false, text: "the last Aldrete score (\(hhmm(aldrete.effectiveAt))) was before the dose ended: monitoring aldrete again"))
            } else if total < rules.aldreteMin {
                out.append(Item(ok: false, text: "Aldrete \(Aldrete.text(aldrete.payload)) at \(hhmm(aldrete.effectiveAt)): at least \(rules.aldreteMin) needed"))
            } else {
                out.append(Item(ok: true, text: "Aldrete \(total)/10 at \(hhmm(aldrete.effectiveAt)) (at least \(rules.aldreteMin))"))
            }
        } else {
            out.append(Item(ok: false, text: "no modified Aldrete score yet: monitoring aldrete"))
        }
        if alerts.isEmpty {
            out.append(Item(ok: true, text: "no alert standing"))
        } else {
            let more = alerts.count > 1 ? " (and \(alerts.count - 1) more)" : ""
            out.append(Item(ok: false, text: "alert not acknowledged: \(alerts[0].text)\(more): \(alerts[0].acknowledgedBy)"))
        }
        // Escort and instruction are given with `monitoring discharge`; before it, not listed.
        guard escort != nil || instructed != nil else { return out }
        if rules.needsEscort {
            if let escort, !escort.isEmpty {
                out.append(Item(ok: true, text: "escort: \(escort)"))
            } else {
                out.append(Item(ok: false, text: "no escort named: escort=\"NAME\" of the responsible adult taking the patient home"))
            }
        }
        if instructed == true {
            out.append(Item(ok: true, text: "told: no driving, machinery or important decisions for \(rules.noDrivingHours) h, no alcohol"))
        } else {
            out.append(Item(ok: false, text: "the \(rules.noDrivingHours)-hour no-driving instruction not given: instructed=yes once the patient has been told"))
        }
        return out
    }
}
