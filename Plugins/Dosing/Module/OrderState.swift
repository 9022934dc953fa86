import ClinicKit
import Foundation

/// The record kinds dosing writes. Every one after the order names it (`"order": ID`).
enum Kind {
    static let order = "order"
    static let signed = "signed"
    static let verified = "verified"
    static let started = "started"
    static let paused = "paused"
    static let resumed = "resumed"
    static let stopped = "stopped"
    static let completed = "completed"
    static let cancelled = "cancelled"
    static let lft = "lft"
}

/// One order and what has happened to it, read back from the record.
struct OrderState: Sendable {
    enum Status: String, Sendable {
        case planned, signed, verified, running, paused, completed, stopped, cancelled

        var isOpen: Bool { self != .completed && self != .stopped && self != .cancelled }
        var hasEnded: Bool { self == .completed || self == .stopped }
        /// Drug has started to flow (and may still be).
        var hasStarted: Bool { self == .running || self == .paused || hasEnded }
    }

    var order: StoredRecord
    var signature: StoredRecord?
    var verification: StoredRecord?
    /// Started, paused and resumed, in order.
    var events: [StoredRecord]
    var end: StoredRecord?
    var cancellation: StoredRecord?

    var id: Int64 { order.id }
    var route: Route { Route(rawValue: order.payload["route"]?.stringValue ?? "") ?? .iv }
    var totalMg: Double { order.payload["total_mg"]?.doubleValue ?? 0 }
    var rate: Double? { order.payload["rate_ml_per_h"]?.doubleValue }
    var volume: Double? { order.payload["volume_ml"]?.doubleValue }
    var concentration: Double? { order.payload["concentration_mg_per_ml"]?.doubleValue }
    var startedAt: Date? { events.first { $0.kind == Kind.started }?.effectiveAt }

    var status: Status {
        if cancellation != nil { return .cancelled }
        if let end { return end.kind == Kind.completed ? .completed : .stopped }
        if let last = events.last { return last.kind == Kind.paused ? .paused : .running }
        if verification != nil { return .verified }
        return signature != nil ? .signed : .planned
    }

    /// Every order among `records` (one module's, oldest first), with what belongs to each.
    static func all(in records: [StoredRecord]) -> [OrderState] {
        var orders: [OrderState] = []
        var index: [Int64: Int] = [:]
        for record in records {
            if record.kind == Kind.order {
                index[record.id] = orders.count
                orders.append(OrderState(order: record, events: []))
                continue
            }
            guard let id = record.payload["order"]?.intValue, let i = index[Int64(id)] else { continue }
            switch record.kind {
            case Kind.signed: orders[i].signature = record
            case Kind.verified: orders[i].verification = record
            case Kind.started, Kind.paused, Kind.resumed: orders[i].events.append(record)
            case Kind.stopped, Kind.completed: orders[i].end = record
            case Kind.cancelled: orders[i].cancellation = record
            default: break
            }
        }
        return orders
    }

    /// Minutes the infusion has run up to `now`: from start, less its pauses, to its end.
    func runningMinutes(at now: Date) -> Double {
        var total = 0.0
        var since: Date?
        for event in events {
            switch event.kind {
            case Kind.started, Kind.resumed: since = since ?? event.effectiveAt
            case Kind.paused:
                if let s = since { total += event.effectiveAt.timeIntervalSince(s) }
                since = nil
            default: break
            }
        }
        if let s = since { total += (end?.effectiveAt ?? now).timeIntervalSince(s) }
        return max(0, total / 60)
    }

    /// What the pump has given by `now`, from its rate and running time, never past the volume
    /// set: mg (0.1 mg down) and mL.
    func givenByPump(at now: Date) -> (mg: Double, mL: Double)? {
        guard let rate, let volume, let concentration else { return nil }
        let mL = min(volume, rate * runningMinutes(at: now) / 60)
        return (Rounding.round(mL * concentration, decimals: 1, down: true), Rounding.round(mL, decimals: 1, down: true))
    }

    /// The mg given, once the dose has ended.
    var givenMg: Double? { end?.payload["given_mg"]?.doubleValue }

    /// `36.0 mg IV infusion over 40 min at 54.0 mL/h`
    var summary: String {
        var text = "\(Rounding.oneDecimal(totalMg)) mg \(route.label)"
        if let minutes = order.payload["minutes"]?.doubleValue { text += " over \(FieldSpec.format(minutes)) min" }
        if let rate { text += " at \(Rounding.oneDecimal(rate)) mL/h" }
        return text
    }
}

extension DoseHistory {
    /// The patient's doses and liver-function reviews, from all of dosing's records: each dose
    /// that has ended at what was given, each started and not yet ended at its full amount. A
    /// review's date is read in the clinic's calendar.
    init(records: [StoredRecord], calendar: Calendar) {
        // A dose started and not yet ended counts in full (``OrderState/countedDose``).
        doses = OrderState.all(in: records).compactMap(\.countedDose).sorted { $0.at < $1.at }
        lastLFT = records.last { $0.kind == Kind.lft }.flatMap { record in
            guard let result = record.payload["result"]?.stringValue else { return nil }
            let date = record.payload["date"]?.stringValue.flatMap { DoseHistory.date($0, calendar) } ?? record.effectiveAt
            return (date, result)
        }
    }

    /// Noon of a `YYYY-MM-DD` in the clinic's calendar (noon UTC is the next day east of +12:00).
    static func date(_ text: String, _ calendar: Calendar) -> Date? {
        let p = text.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2], hour: 12))
    }

    /// When liver tests reviewed on `date` fall due again: the start of the day `days` calendar
    /// days after it, in the clinic's calendar.
    static func lftDue(after date: Date, days: Int, _ calendar: Calendar) -> Date {
        calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: date)) ?? date.addingTimeInterval(TimeInterval(days) * 86_400)
    }
}
