import Foundation

/// Names as patients are found by them: folded for case, accents and width, so that `muller`
/// finds Müller, `zoe alvarez` finds Zoë Ålvarez, and `ＡＢＣ` is `abc`.
package enum PatientNames {
    /// A name (or text searched for) folded: Unicode NFC, case, diacritics and width folded,
    /// spaces single. Letters that are not a letter with a mark (ø, ß, æ) stay as they are.
    package static func folded(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
