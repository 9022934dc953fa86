import ClinicKit
import Foundation

/// Pictures of progress: pain NRS and FIQR ÷ 10 over time with the infusion days marked, as a
/// terminal chart (plain characters, 80 columns, no colour or cursor codes, so it reads the same
/// in a file) and as SVG for the printed report.
enum Chart {
    static let width = 60
    static let nrsMark: Character = "●"
    static let fiqrMark: Character = "○"
    static let bothMark: Character = "◉"
    static let infusionMark: Character = "▲"

    struct Data: Sendable {
        var nrs: [Responders.Point]
        /// FIQR totals, 0–100 (drawn ÷ 10).
        var fiqr: [Responders.Point]
        var infusions: [Date]
        /// The instruments given as data that the host says may be followed over time, each with
        /// its totals, oldest first (those with none left out).
        var series: [Series] = []

        var isEmpty: Bool { nrs.isEmpty && fiqr.isEmpty }

        var span: (Date, Date)? {
            let all = nrs.map(\.at) + fiqr.map(\.at) + infusions
            guard let first = all.min(), let last = all.max() else { return nil }
            return (first, last)
        }
    }

    struct Series: Sendable {
        var measure: Measure
        var points: [Responders.Point]
        /// Responses to other versions of the questionnaire, left out of the series.
        var otherVersions = 0
    }

    /// One instrument's totals as bars, newest last, and how far the latest is from the first
    /// against the change that matters:
    /// `ISI, lower is better; a change of 6 points matters` / `  2026-11-02  19  ▇▇▇…` /
    /// `  since 2026-11-02: better by 10, at least the 6 that matters`.
    static func lines(_ s: Series, calendar: Calendar) -> [String] {
        let m = s.measure
        var out = ["\(m.title), \(m.lowerIsBetter ? "lower" : "higher") is better; a change of \(FieldSpec.format(m.minimalImportantDifference)) points matters"]
        if s.otherVersions > 0 {
            out.append("  \(s.otherVersions) response\(s.otherVersions == 1 ? "" : "s") to another version of \(m.title) left out: only \(m.questionnaire) is compared")
        }
        let shown = s.points.suffix(12)
        let top = max(1, shown.map(\.value).max() ?? 1)
        let digits = shown.map { FieldSpec.format($0.value).count }.max() ?? 1
        for p in shown {
            let value = FieldSpec.format(p.value)
            let bar = String(repeating: "▇", count: Int((max(0, p.value) / top * 40).rounded()))
            out.append("  \(Schedule.text(p.at, calendar))  " + String(repeating: " ", count: digits - value.count) + value + "  " + bar)
        }
        if let first = s.points.first, let last = s.points.last, s.points.count > 1 {
            out.append("  since \(Schedule.text(first.at, calendar)): " + verdict(m, from: first.value, to: last.value))
        }
        return out
    }

    /// A change of an instrument's total against its minimal important difference:
    /// `better by 10, at least the 6 that matters`, `worse by 2, less than the 6 that matters`.
    static func verdict(_ m: Measure, from base: Double, to latest: Double) -> String {
        // To a millionth: 2 − 1.7 is a change of 0.3, not 0.29999999999999993.
        let change = ((latest - base) * 1_000_000).rounded() / 1_000_000
        guard change != 0 else { return "no change" }
        let better = m.lowerIsBetter ? change < 0 : change > 0
        let mid = FieldSpec.format(m.minimalImportantDifference)
        return "\(better ? "better" : "worse") by \(FieldSpec.format(abs(change))), "
            + (abs(change) >= m.minimalImportantDifference ? "at least the \(mid) that matters" : "less than the \(mid) that matters")
    }

    static func column(_ date: Date, _ span: (Date, Date), width: Int) -> Int {
        let total = span.1.timeIntervalSince(span.0)
        guard total > 0 else { return 0 }
        return Int((date.timeIntervalSince(span.0) / total * Double(width - 1)).rounded())
    }

    /// The terminal chart, one string per line, at most 80 columns.
    static func text(_ data: Data, calendar: Calendar) -> [String] {
        let series = data.series.flatMap { Self.lines($0, calendar: calendar) }
        guard !data.isEmpty, let span = data.span else { return ["no pain NRS or FIQR recorded yet: followup nrs, screening fiqr"] + series }
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: 11)
        func plot(_ points: [Responders.Point], _ mark: Character, scale: Double) {
            for p in points {
                let row = 10 - min(10, max(0, Int((p.value / scale).rounded())))
                let col = column(p.at, span, width: width)
                let here = grid[row][col]
                grid[row][col] = here == " " || here == mark ? mark : bothMark
            }
        }
        plot(data.nrs, nrsMark, scale: 1)
        plot(data.fiqr, fiqrMark, scale: 10)
        var lines = ["pain NRS \(nrsMark)  FIQR ÷ 10 \(fiqrMark)  both \(bothMark)  infusion \(infusionMark)"]
        for (i, row) in grid.enumerated() {
            let value = 10 - i
            lines.append((value < 10 ? " " : "") + "\(value) │" + String(row).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        lines.append("   └" + String(repeating: "─", count: width))
        var marks = Array(repeating: Character(" "), count: width)
        for d in data.infusions { marks[column(d, span, width: width)] = infusionMark }
        lines.append("    " + String(marks).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        let first = Schedule.text(span.0, calendar), last = Schedule.text(span.1, calendar)
        lines.append("    " + first + String(repeating: " ", count: max(1, width - first.count - last.count)) + last)
        return lines + series
    }

    /// The same as an SVG figure, 640 × 260.
    static func svg(_ data: Data, calendar: Calendar) -> String? {
        guard !data.isEmpty, let span = data.span else { return nil }
        let (left, top, w, h) = (44.0, 24.0, 580.0, 190.0)
        let total = span.1.timeIntervalSince(span.0)
        func x(_ d: Date) -> Double { total > 0 ? left + d.timeIntervalSince(span.0) / total * w : left + w / 2 }
        func y(_ v: Double) -> Double { top + h - min(10, max(0, v)) / 10 * h }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"260\" viewBox=\"0 0 640 260\" role=\"img\" aria-labelledby=\"chart-title\">"
        s += "<title id=\"chart-title\">Pain NRS and FIQR ÷ 10 over time, infusions marked</title>"
        s += "<rect x=\"0\" y=\"0\" width=\"640\" height=\"260\" fill=\"#fff\"/>"
        for v in stride(from: 0, through: 10, by: 2) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(Double(v))))\" x2=\"\(f(left + w))\" y2=\"\(f(y(Double(v))))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(Double(v)) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">\(v)</text>"
        }
        for d in data.infusions {
            s += "<line x1=\"\(f(x(d)))\" y1=\"\(f(top))\" x2=\"\(f(x(d)))\" y2=\"\(f(top + h))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
            s += "<path d=\"M\(f(x(d) - 5)) \(f(top + h + 12)) L\(f(x(d) + 5)) \(f(top + h + 12)) L\(f(x(d))) \(f(top + h + 3)) Z\" fill=\"#555\"/>"
        }
        func series(_ points: [Responders.Point], scale: Double, color: String, square: Bool) {
            guard !points.isEmpty else { return }
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"" + points.map { "\(f(x($0.at))),\(f(y($0.value / scale)))" }.joined(separator: " ") + "\"/>"
            for p in points {
                s += square ? "<rect x=\"\(f(x(p.at) - 3.5))\" y=\"\(f(y(p.value / scale) - 3.5))\" width=\"7\" height=\"7\" fill=\"\(color)\"/>"
                            : "<circle cx=\"\(f(x(p.at)))\" cy=\"\(f(y(p.value / scale)))\" r=\"4\" fill=\"\(color)\"/>"
            }
        }
        series(data.fiqr, scale: 10, color: "#d9822b", square: true)
        series(data.nrs, scale: 1, color: "#1f5fa8", square: false)
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + h))\" x2=\"\(f(left + w))\" y2=\"\(f(top + h))\" stroke=\"#333\"/>"
        s += "<text x=\"\(f(left))\" y=\"250\" font-size=\"11\" fill=\"#333\">\(Schedule.text(span.0, calendar))</text>"
        s += "<text x=\"\(f(left + w))\" y=\"250\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">\(Schedule.text(span.1, calendar))</text>"
        s += "<circle cx=\"\(f(left + 6))\" cy=\"12\" r=\"4\" fill=\"#1f5fa8\"/><text x=\"\(f(left + 14))\" y=\"16\" font-size=\"11\">pain NRS (0–10)</text>"
        s += "<rect x=\"\(f(left + 132))\" y=\"8.5\" width=\"7\" height=\"7\" fill=\"#d9822b\"/><text x=\"\(f(left + 144))\" y=\"16\" font-size=\"11\">FIQR ÷ 10</text>"
        s += "<path d=\"M\(f(left + 232)) 16 L\(f(left + 242)) 16 L\(f(left + 237)) 8 Z\" fill=\"#555\"/><text x=\"\(f(left + 248))\" y=\"16\" font-size=\"11\">infusion</text>"
        return s + "</svg>"
    }
}
