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

    struct Appointment: Sendable {
        var entry: StoredRecord
        var kind: String
        var day: Date
        var fulfilledBy: StoredRecord?
        var cancelled: StoredRecord?
        var isOpen: Bool { fulfilledBy == nil && cancelled == nil }
    }

    /// The patient's appointments, each matched to what fulfilled it: a dose for an infusion, an
    /// outcome entry for a call or visit, a liver-function review for labs. Each piece of evidence
    /// fulfils one appointment, the earliest it can; it counts from the day before the
    /// appointment's date on (a call made a day early still counts).
    static func appointments(in record: any RecordReader) throws -> [Appointment] {
        let mine = try record.records(module: "followup", kind: nil, visitOnly: false)
        let outcomes = try record.records(FollowUpModule.Uses.fiqr) + mine.filter { ["nrs", "pgic", "bpi"].contains($0.kind) }
        let evidence: [String: [StoredRecord]] = [
            "infusion": try FollowUpModule.Uses.doses(in: record),
            "labs": try record.records(FollowUpModule.Uses.liverTests),
            "call": outcomes, "visit": outcomes,
        ].mapValues { $0.sorted { ($0.effectiveAt, $0.id) < ($1.effectiveAt, $1.id) } }
        let cancellations = mine.filter { $0.kind == "cancelled" }
        var list: [Appointment] = mine.filter { $0.kind == "scheduled" }.compactMap { entry in
            guard let kind = entry.payload["kind"]?.stringValue, let day = entry.payload["date"]?.stringValue.flatMap({ Self.day($0, record.calendar) }) else { return nil }
            return Appointment(entry: entry, kind: kind, day: day, fulfilledBy: nil,
                               cancelled: cancellations.first { $0.payload["scheduled"]?.intValue == Int(entry.id) })
        }
        var used = Set<Int64>()
        for i in list.indices.sorted(by: { (list[$0].day, list[$0].entry.id) < (list[$1].day, list[$1].entry.id) }) where list[i].cancelled == nil {
            let from = list[i].day.addingTimeInterval(-86_400)
            if let match = evidence[list[i].kind]?.first(where: { !used.contains($0.id) && $0.effectiveAt >= from }) {
                list[i].fulfilledBy = match
                used.insert(match.id)
            }
        }
        return list
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
