import ClinicKit
import ClinicStorage
import Foundation

/// One patient under treatment today, as the board and the watch show them: every module's part
/// of the board, what falls due and the alerts standing.
struct BoardEntry {
    var patient: PatientInfo
    var visit: VisitInfo
    /// The chair or room given at `visit start`.
    var place: String?
    var state: BoardRow.State
    var cells: [BoardCell]
    var notes: [String]
    /// Timed items of this visit (vitals), soonest first.
    var due: [DueItem]
    var alerts: [StandingAlert]

    /// Watched: an infusion running or paused.
    var isWatched: Bool { state == .running || state == .paused }

    /// What the watch line says, and a key that changes only when what it says does in kind (a
    /// new alert, vitals falling due, then overdue), so that a line is printed again, and the
    /// bell rung, only then. `nil` when nothing calls for attention.
    func watch(now: Date, calendar: Calendar, lead: TimeInterval = Watch.lead) -> (line: String, key: String)? {
        var parts: [String] = []
        var key: [String] = []
        if isWatched {
            for item in due where item.at.timeIntervalSince(now) <= lead {
                parts.append(Session.dueText(item, now: now, calendar: calendar))
                key.append(item.what + (now > item.at ? " overdue" : " due"))
            }
        }
        for alert in alerts {
            parts.append("ALERT " + alert.text)
            key.append("alert \(alert.text)")
        }
        guard !parts.isEmpty else { return nil }
        var line = "! \(patient.mrn) \(patient.name)"
        if let place { line += " · chair \(place)" }
        line += " · " + (parts + notes).joined(separator: " · ")
        return (line, key.joined(separator: "|"))
    }
}

/// `board`: every patient with an infusion running, paused, or ended today and not yet
/// discharged; and the clinic-wide watch every shell shows.
enum Board {
    /// The patients on the board, from every open visit in the clinic (other workstations' too).
    static func entries(in session: Session) throws -> [BoardEntry] {
        try session.store.openVisits().compactMap { open in try entry(open.patient, open.visit, place: open.place, in: session) }
    }

    /// The open patient's line, if they are on the board.
    static func openPatient(in session: Session) throws -> BoardEntry? {
        guard let patient = session.patient, let visit = session.visit else { return nil }
        let place = try session.store.openVisits().first { $0.visit.id == visit.id }?.place
        return try entry(patient, visit, place: place, in: session)
    }

    static func entry(_ patient: PatientInfo, _ visit: VisitInfo, place: String?, in session: Session) throws -> BoardEntry? {
        let reader = HostRecordReader(session: session, patient: patient, visit: .some(visit))
        var states: [BoardRow.State] = []
        var cells: [BoardCell] = []
        var notes: [String] = []
        for module in session.plugins.loaded.sorted(by: { $0.declaration.manifest.order < $1.declaration.manifest.order }) {
            guard let row = try ModuleCall.run(module, "working out the board", { try (module.module as? any BoardModule)?.board(from: reader) }) else { continue }
            if let state = row.state { states.append(state) }
            cells += row.cells
            if let note = row.note { notes.append(note) }
        }
        // Discharged takes the patient off; otherwise the most pressing state stands.
        guard !states.contains(.discharged), let state = [BoardRow.State.paused, .running, .ended].first(where: states.contains) else { return nil }
        let engine = FactEngine(session: session, reader: reader)
        let due = try engine.due().filter { !$0.isAllDay && $0.at >= visit.startedAt }
        return BoardEntry(patient: patient, visit: visit, place: place, state: state, cells: cells, notes: notes,
                          due: due, alerts: try engine.alerts())
    }

    /// The board, in 80 columns.
    static func text(in session: Session) throws -> CommandOutput {
        let entries = try entries(in: session)
        guard !entries.isEmpty else { return .lines("no infusion running, paused or awaiting discharge") }
        let now = session.now
        var headings: [String] = []
        for heading in entries.flatMap({ $0.cells.map(\.heading) }) where !headings.contains(heading) { headings.append(heading) }
        var rows: [[String]] = []
        for e in entries {
            let next = e.due.first.map { item -> String in
                let time = String(ClinicTime.format(item.at, calendar: session.calendar).suffix(5))
                return now > item.at ? "\(item.what) LATE \(late(now.timeIntervalSince(item.at)))" : "\(item.what) \(time)"
            } ?? (e.isWatched ? "" : "-")
            var row = [fit(e.place ?? "-", 6), fit("\(e.patient.mrn) \(e.patient.name)", 18), e.state.rawValue]
            row += headings.map { h in fit(e.cells.first { $0.heading == h }?.text ?? "", 11) }
            row += [fit(next, 15), e.alerts.isEmpty ? "-" : "\(e.alerts.count)"]
            rows.append(row)
        }
        var out = CommandOutput()
        out.line(columns(["chair", "patient", "state"] + headings + ["next", "!"], rows))
        // Each alert on a line of its own, cut to the board's width: status has it whole.
        for e in entries {
            for alert in e.alerts { out.line(fit("! \(e.patient.mrn): \(alert.text)", 80)) }
        }
        return out
    }

    /// `4m`, `3h`, `2d`.
    static func late(_ seconds: TimeInterval) -> String {
        let minutes = Int(seconds / 60)
        return minutes < 120 ? "\(minutes)m" : minutes < 2880 ? "\(minutes / 60)h" : "\(minutes / 1440)d"
    }

    /// A table in as few columns as it needs: one space between columns, each as wide as its
    /// widest value on the screen (a CJK character takes two columns).
    static func columns(_ headings: [String], _ rows: [[String]]) -> String {
        let all = [headings] + rows
        let widths = headings.indices.map { i in all.map { $0.indices.contains(i) ? width($0[i]) : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[i] - width(cell))) }
                .joined(separator: " ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// `text` cut to `columns` on the screen, with `…` where it was cut.
    static func fit(_ text: String, _ columns: Int) -> String {
        guard width(text) > columns else { return text }
        var out = ""
        for c in text {
            if width(out) + width(String(c)) > columns - 1 { break }
            out.append(c)
        }
        return out + "…"
    }

    /// Columns `text` takes on a terminal: East Asian wide and full-width characters take two.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { sum, u in
            let v = u.value
            if u.properties.generalCategory == .nonspacingMark || u.properties.generalCategory == .enclosingMark { return sum }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
                || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
                || (0x20000...0x3FFFD).contains(v)
            return sum + (wide ? 2 : 1)
        }
    }
}

/// The clinic-wide watch of one shell: before each prompt, and every second while the shell waits
/// at it, a line for each patient on the board whose vitals fall due within two minutes or are
/// overdue, or on whom an alert stands, whoever is signed in and whichever patient is open. Other
/// workstations' entries are seen through SQLite's data version, read each second; the record
/// itself is read again only when that changes, or every half minute.
package final class Watch {
    /// How soon before vitals fall due the watch shows them.
    static let lead: TimeInterval = 120
    private let session: Session
    private var entries: [BoardEntry] = []
    private var version: Int64?
    private var refreshed = Date.distantPast
    /// What each patient's line said when last shown, by its key.
    private var shown: [Int64: String] = [:]

    package init(session: Session) { self.session = session }

    /// Reads the board again if another process wrote, or it is older than `maxAge`.
    private func refresh(force: Bool, maxAge: TimeInterval = 30) {
        let current = try? session.store.dataVersion()
        guard force || current != version || session.clock.wallTime().timeIntervalSince(refreshed) > maxAge else { return }
        // Another shell may have moved a sandbox's clock: this one follows it.
        session.clock.reload()
        version = current
        refreshed = session.clock.wallTime()
        entries = (try? Board.entries(in: session)) ?? entries
    }

    private func lines() -> [(patient: Int64, line: String, key: String)] {
        let now = session.clock.now()
        return entries.compactMap { e in
            guard var w = e.watch(now: now, calendar: session.calendar) else { return nil }
            if e.patient.id == session.patient?.id, let item = e.due.first, item.at.timeIntervalSince(now) <= Self.lead {
                w.line += ": type \(item.command)"
            }
            return (e.patient.id, w.line, w.key)
        }
    }

    /// Every line that calls for attention now: shown before each prompt.
    package func beforePrompt() -> [String] {
        refresh(force: true)
        let current = lines()
        shown = Dictionary(current.map { ($0.patient, $0.key) }, uniquingKeysWith: { a, _ in a })
        return current.map(\.line)
    }

    /// The lines that are new since last shown (a patient newly due, overdue or alerted), from
    /// the tick while the shell waits; the caller rings the bell once for them.
    package func changes() -> [String] {
        refresh(force: false)
        let current = lines()
        let fresh = current.filter { shown[$0.patient] != $0.key }
        shown = Dictionary(current.map { ($0.patient, $0.key) }, uniquingKeysWith: { a, _ in a })
        return fresh.map(\.line)
    }
}
