import ClinicEngine
import ClinicScript
import ClinicStorage
internal import CLineEdit
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The interactive terminal, through libedit: emacs keys, persistent history, Tab completion.
package final class EditLineInput: LineInput {
    private let editor: OpaquePointer
    private let completer: Completer
    private var mode: CompletionMode = .command
    /// Where history is kept (mode 0600); `nil` to keep none.
    package let historyPath: String?
    /// The most entries the history file keeps.
    package static let historySize = 1000
    /// What a tick does after printing.
    package enum AfterTick { case redraw, endRead }

    /// Called about once a second while the shell waits at any prompt but a password's: with
    /// `false` to ask whether there is something to show (return `.redraw` or `.endRead` for yes,
    /// `nil` for no), then with `true` to print it above the line being typed, which is drawn again
    /// below (`.redraw`), or to end the read as at end of input (`.endRead`). The watch and the idle
    /// sign-out.
    package var onTick: ((_ show: Bool) -> AfterTick?)?

    /// Whether the read in progress is at the command prompt (not a field's or a question's).
    package private(set) var atCommandPrompt = false

    package init?(completer: Completer, historyPath: String?) {
        guard let editor = clinic_editor_open("clinic", Int32(Self.historySize)) else { return nil }
        self.editor = editor
        self.completer = completer
        self.historyPath = historyPath
        clinic_editor_set_completer(editor, { editor, context in
            guard let context, let editor else { return UInt8(CLINIC_CC_ERROR) }
            return Unmanaged<EditLineInput>.fromOpaque(context).takeUnretainedValue().complete(editor)
        }, Unmanaged.passUnretained(self).toOpaque())
        clinic_editor_set_tick(editor, { editor, context, phase in
            guard let context else { return 0 }
            let input = Unmanaged<EditLineInput>.fromOpaque(context).takeUnretainedValue()
            switch input.onTick?(phase == 1) {
            case .redraw?: return 1
            case .endRead?: return phase == 1 ? 2 : 1
            case nil: return 0
            }
        }, Unmanaged.passUnretained(self).toOpaque())
        if let historyPath { loadHistory(historyPath) }
    }

    deinit { clinic_editor_close(editor) }

    package func readLine(prompt: String, completion: CompletionMode) -> InputEvent {
        mode = completion
        clinic_editor_set_prompt(editor, prompt)
        // The watch runs at every prompt; a field's answer has its own history.
        atCommandPrompt = { if case .command = completion { return true } else { return false } }()
        clinic_editor_set_ticking(editor, 1)
        var isField = false
        if case .field = completion { isField = true }
        clinic_editor_use_field_history(editor, isField ? 1 : 0)
        defer {
            clinic_editor_set_ticking(editor, 0)
            clinic_editor_use_field_history(editor, 0)
        }
        _ = Terminal.takeInterrupt()
        guard let line = clinic_editor_gets(editor) else {
            if Terminal.takeInterrupt() {
                Terminal.writeErr("^C\n")
                return .interrupt
            }
            Terminal.writeErr("\n")
            return .end
        }
        var text = String(cString: line)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        // A field's answer is kept for Up at the next field prompt, unless it identifies someone.
        if case .field(let spec) = completion, !spec.isIdentifying, !text.trimmed.isEmpty { clinic_field_history_add(editor, text.trimmed) }
        return .line(text)
    }

    /// Changes the prompt the line being typed is shown after (a tick that signed someone out).
    package func setPrompt(_ prompt: String) { clinic_editor_set_prompt(editor, prompt) }

    /// The whole line being typed at the prompt, from a tick.
    package var currentLine: String { String(cString: clinic_editor_line(editor)) }

    /// Empties the line being typed, from a tick.
    package func clearLine() { clinic_editor_clear_line(editor) }

    /// Puts text back into the next line read, as if typed.
    package func push(_ text: String) { clinic_editor_push(editor, text) }

    package func readSecret(prompt: String) -> InputEvent { Terminal.readSecret(prompt: prompt) }

    package func readKey(prompt: String) -> InputEvent { Terminal.readKey(prompt: prompt) }

    package func pushBack(_ text: String) { push(text) }

    package func remember(_ line: String) {
        // Completion leaves a trailing space: keep history entries clean.
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        clinic_history_add(editor, trimmed)
        if let historyPath { saveHistory(historyPath) }
    }

    // MARK: - History

    private func loadHistory(_ path: String) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        clinic_history_load(editor, path)
    }

    /// Saves after each command, so a crash or a closed terminal loses nothing; the file is created
    /// private (0600) in a private folder (0700).
    private func saveHistory(_ path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 {
            fchmod(fd, 0o600)
            close(fd)
        }
        clinic_history_save(editor, path)
    }

    // MARK: - Completion

    private func complete(_ editor: OpaquePointer) -> UInt8 {
        let before = String(cString: clinic_editor_text_before_cursor(editor))
        let (word, candidates) = completer.complete(before, mode: mode)
        guard !candidates.isEmpty else { return UInt8(CLINIC_CC_ERROR) }
        if candidates.count == 1 {
            clinic_editor_insert(editor, String(candidates[0].dropFirst(word.count)))
            return UInt8(CLINIC_CC_REFRESH)
        }
        let common = Completer.commonPrefix(candidates)
        if common.count > word.count {
            clinic_editor_insert(editor, String(common.dropFirst(word.count)))
            return UInt8(CLINIC_CC_REFRESH)
        }
        // Nothing more in common: list the candidates under the line, then redraw it.
        let shown = candidates.map { $0.trimmingCharacters(in: .whitespaces) }
        // Patients are listed one a line, each MRN with its name and date of birth, at most 30.
        let labels = shown.prefix(31).map { completer.label($0) }
        if labels.contains(where: { $0 != nil }) {
            let width = (shown.prefix(30).map(Layout.columns).max() ?? 0) + 2
            var text = "\n"
            for (c, label) in zip(shown.prefix(30), labels) {
                text += c + String(repeating: " ", count: max(1, width - Layout.columns(c))) + (label ?? "") + "\n"
            }
            if shown.count > 30 { text += "… and \(shown.count - 30) more: type more of the MRN\n" }
            Terminal.writeOut(text)
            return UInt8(CLINIC_CC_REDISPLAY)
        }
        let width = (shown.map(\.count).max() ?? 0) + 2
        let perLine = max(1, 78 / width)
        var text = "\n"
        for (i, c) in shown.enumerated() {
            text += c.padding(toLength: width, withPad: " ", startingAt: 0)
            if (i + 1) % perLine == 0 || i == shown.count - 1 { text += "\n" }
        }
        Terminal.writeOut(text)
        return UInt8(CLINIC_CC_REDISPLAY)
    }
}

extension Terminal {
    static func writeOut(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
}
