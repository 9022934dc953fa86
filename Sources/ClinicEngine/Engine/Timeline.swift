import ClinicKit
import ClinicStorage
import Foundation

/// `visit timeline`: a visit's entries from every module, in the order they happened, with times
/// counted from the infusion's start (the first entry a module marks as time zero).
enum Timeline {
    static func text(visitID: Int?, in session: Session) throws -> CommandOutput {
        guard let patient = session.patient else { throw CommandError("no patient is open", hint: "type patient open MRN") }
        let visits = try session.store.visits(patientID: patient.id)
        let chosen: VisitRow
        if let visitID {
            guard let v = visits.first(where: { $0.info.id == Int64(visitID) }) else {
                let ids = visits.map { "#\($0.info.id)" }.joined(separator: ", ")
                throw CommandError("\(patient.mrn) has no visit #\(visitID)", hint: visits.isEmpty ? "the patient has no visits yet" : "their visits are \(ids)")
            }
            chosen = v
        } else {
            guard let v = visits.first(where: { $0.info.id == session.visit?.id }) ?? visits.last else {
                throw CommandError("\(patient.mrn) has no visits yet", hint: "type visit start")
            }
            chosen = v
        }
        let entries = try session.store.records(patientID: patient.id, visitID: chosen.info.id)
            .sorted { ($0.effectiveAt, $0.id) < ($1.effectiveAt, $1.id) }
        let modules = Dictionary(session.plugins.loaded.map { ($0.name, $0.module) }) { a, _ in a }
        let lines = entries.map { entry in (entry, (modules[entry.module] as? any SummarizingModule)?.summary(of: entry)) }
        let zero = lines.first { $0.1?.isTimeZero == true }?.0.effectiveAt
        var out = CommandOutput()
        let calendar = session.calendar
        out.line("visit #\(chosen.info.id) \(chosen.info.kind) for \(patient.mrn), \(ClinicTime.format(chosen.info.startedAt, calendar: calendar).prefix(10))"
                 + (zero.map { " · times from the infusion's start at \(ClinicTime.format($0, calendar: calendar).suffix(5))" } ?? " · no infusion started"))
        let rows = lines.map { entry, summary -> [String] in
            [String(ClinicTime.format(entry.effectiveAt, calendar: calendar).suffix(5)),
             zero.map { relative(entry.effectiveAt, from: $0) } ?? "",
             entry.staff, "\(entry.module) \(entry.kind)",
             (entry.amends.map { "corrects #\($0): " } ?? "") + (summary?.text ?? plain(entry))]
        }
        out.table(["time", "T", "by", "entry", "what"], rows)
        return out
    }

    /// `+0:05`, `-0:12`, `+1:02`: hours and minutes from time zero.
    static func relative(_ date: Date, from zero: Date) -> String {
        let minutes = Int((date.timeIntervalSince(zero) / 60).rounded(.towardZero))
        let sign = date < zero ? "-" : "+"
        let m = abs(minutes)
        return "\(sign)\(m / 60):\(m % 60 < 10 ? "0" : "")\(m % 60)"
    }

    /// The host's own entries, and a module's that it does not describe: its fields as `name value`
    /// pairs, cut at 100 characters.
    static func plain(_ entry: StoredRecord) -> String {
        switch (entry.module, entry.kind) {
        case ("visit", "started"): return "visit started (\(entry.payload["kind"]?.stringValue ?? "?"))"
        case ("visit", "ended"): return "visit ended after \(entry.payload["minutes"]?.intValue ?? 0) min"
        case (InstrumentAlerts.module, InstrumentAlerts.kind):
            return "\(entry.payload["instrument"]?.stringValue ?? "?") #\(entry.payload["response"]?.intValue ?? 0) alert acknowledged: \(entry.payload["note"]?.stringValue ?? "")"
        default: break
        }
        guard case .object(let fields) = entry.payload else { return entry.payload.typed }
        let text = fields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.typed)" }.joined(separator: " · ")
        return text.count <= 100 ? text : String(text.prefix(99)) + "…"
    }
}
