import Foundation

/// Text laid out for a terminal: columns measured as a terminal shows them (an East Asian wide
/// character takes two), and lines wrapped between words, never inside one.
package enum Layout {
    /// The width help and tables are laid out for: an 80-column terminal.
    package static let width = 80

    /// The columns `text` takes on a terminal: two for each wide or fullwidth character (CJK,
    /// Hangul, fullwidth forms, emoji), none for a combining mark (it is part of its character).
    package static func columns(_ text: String) -> Int {
        var total = 0
        for character in text {
            guard let scalar = character.unicodeScalars.first else { continue }
            total += isWide(scalar.value) ? 2 : 1
        }
        return total
    }

    /// East Asian Wide and Fullwidth ranges (Unicode Standard Annex #11), and the emoji blocks.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The rows `line` takes on a terminal `width` columns wide, where a longer line runs on (the
    /// codes that set reverse video take none).
    package static func rows(_ line: String, width: Int) -> Int {
        var shown = line
        while let start = shown.range(of: "\u{1B}["), let end = shown[start.upperBound...].firstIndex(where: { $0.isLetter }) {
            shown.removeSubrange(start.lowerBound...end)
        }
        return max(1, (columns(shown) + width - 1) / max(1, width))
    }

    /// A line of text wrapped between words to `width` columns, each line after the first indented
    /// as the first is. A line laid out in columns (two spaces together inside it) is left whole:
    /// wrapping would break its alignment.
    package static func wrapLine(_ line: String, width: Int) -> [String] {
        guard columns(line) > width else { return [line] }
        let indent = String(line.prefix { $0 == " " })
        let body = line.dropFirst(indent.count)
        guard !body.contains("  "), width - indent.count >= 20 else { return [line] }
        return wrap(String(body), width: width - indent.count).map { indent + $0 }
    }

    /// `text` followed by spaces to take `width` columns.
    package static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - columns(text)))
    }

    /// The words of `text` in lines of at most `width` columns; a word longer than a line stands
    /// on a line of its own, whole.
    package static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            if line.isEmpty {
                line = word
            } else if columns(line) + 1 + columns(word) <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = word
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Terms and what they mean, at most `width` columns a line: the meaning beside its term when
    /// the term fits `termWidth` columns, else on the lines under it; a meaning that does not fit
    /// on one line goes on under itself.
    package static func definitions(_ rows: [(term: String, meaning: String)], indent: Int = 2, termWidth: Int = 22,
                                    width: Int = Layout.width) -> [String] {
        let margin = String(repeating: " ", count: indent)
        let column = indent + termWidth + 2
        let under = String(repeating: " ", count: column)
        var out: [String] = []
        for row in rows {
            let meaning = wrap(row.meaning, width: max(20, width - column))
            if columns(row.term) <= termWidth {
                out.append(margin + padded(row.term, to: termWidth) + "  " + meaning[0])
                out += meaning.dropFirst().map { under + $0 }
            } else {
                out += wrap(row.term, width: width - indent).map { margin + $0 }
                if !row.meaning.isEmpty { out += meaning.map { under + $0 } }
            }
        }
        return out.map { line in line.last == " " ? String(line.reversed().drop(while: { $0 == " " }).reversed()) : line }
    }
}
