/// Why a command did not run: one line saying what was wrong, and one saying what to type.
package struct CommandFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// The input was wrong, or the command failed.
        case error
        /// The command was not allowed now (role, sign-in, a missing fact).
        case refused
        /// The user cancelled it.
        case cancelled
    }

    package var kind: Kind
    package var message: String
    package var hint: String?

    package init(_ message: String, hint: String? = nil, kind: Kind = .error) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    /// One line: the problem, then what to do.
    package var description: String { hint.map { "\(message); \($0)" } ?? message }
}
