import ClinicEngine
import ClinicScript
import ClinicStorage
internal import CLineEdit
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The terminal, where the shell needs it directly: passwords and Ctrl-C.
package enum Terminal {
    package static var isInteractive: Bool { isatty(0) == 1 }

    /// Makes Ctrl-C set a flag (and interrupt a blocked read) instead of ending the process.
    package static func catchInterrupts() { clinic_install_interrupt_handler() }


    /// Drops what was typed ahead and not yet read; whether there was any.
    package static func discardTypeahead() -> Bool {
        guard isatty(0) == 1 else { return false }
        var pending: Int32 = 0
        _ = ioctl(0, UInt(FIONREAD), &pending)
        tcflush(0, TCIFLUSH)
        return pending > 0
    }

    /// Whether Ctrl-C was pressed since the last call.
    package static func takeInterrupt() -> Bool { clinic_take_interrupt() != 0 }

    /// Runs `body` with standard input read a byte at a time and not echoed, when it is a terminal
    /// (`body` is told whether it is), and the terminal's modes put back after; `flushing` also
    /// drops what was typed ahead, on the way in and out (a password's prompt).
    private static func unbuffered<T>(flushing: Bool, _ body: (_ isTTY: Bool) -> T) -> T {
        var saved = termios()
        let isTTY = tcgetattr(0, &saved) == 0
        let when = flushing ? TCSAFLUSH : TCSANOW
        if isTTY {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON)
            raw.c_cc.6 = 1  // VMIN
            raw.c_cc.5 = 0  // VTIME
            tcsetattr(0, when, &raw)
        }
        defer { if isTTY { tcsetattr(0, when, &saved) } }
        _ = takeInterrupt()
        return body(isTTY)
    }

    /// Reads one key without waiting for Enter, after showing `prompt` (the pager's): Enter is an
    /// empty line; a character is a line of it; an escape sequence (an arrow) is a line of nothing
    /// but itself, the whole sequence read and dropped.
    package static func readKey(prompt: String) -> InputEvent {
        writeErr(prompt)
        // The prompt is wiped from its line, whatever the key.
        defer { writeErr("\r\u{1B}[K") }
        return unbuffered(flushing: false) { _ in readOneKey() }
    }

    private static func readOneKey() -> InputEvent {
        func byte() -> UInt8?? {
            while true {
                var b: UInt8 = 0
                let n = read(0, &b, 1)
                if n < 0 && errno == EINTR {
                    if takeInterrupt() { return .some(nil) }
                    continue
                }
                return n == 1 ? .some(b) : nil
            }
        }
        guard let first = byte() else { return .end }
        guard let first else { return .interrupt }
        switch first {
        case 0x0A, 0x0D: return .line("")
        case 0x03: return .interrupt
        case 0x04: return .end
        case 0x1B:
            // The rest of the sequence arrives at once: read what is there without waiting.
            var pending = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            while poll(&pending, 1, 20) > 0, case .some(.some) = byte() {}
            return .line("\u{1B}")
        default:
            var bytes = [first]
            let more = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
            for _ in 0..<more {
                guard case .some(.some(let b)) = byte() else { break }
                bytes.append(b)
            }
            return .line(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Reads a password from the terminal without echoing it, showing a dot per character.
    package static func readSecret(prompt: String) -> InputEvent {
        writeErr(prompt)
        defer { writeErr("\n") }
        return unbuffered(flushing: true) { isTTY in readSecretBytes(prompt: prompt, isTTY: isTTY) }
    }

    private static func readSecretBytes(prompt: String, isTTY: Bool) -> InputEvent {
        var bytes: [UInt8] = []
        while true {
            var byte: UInt8 = 0
            let n = read(0, &byte, 1)
            if n < 0 && errno == EINTR {
                if takeInterrupt() { return .interrupt }
                continue
            }
            if n <= 0 { return bytes.isEmpty ? .end : .line(String(decoding: bytes, as: UTF8.self)) }
            switch byte {
            case 0x0A, 0x0D: return .line(String(decoding: bytes, as: UTF8.self))
            case 0x04: if bytes.isEmpty { return .end }
            case 0x03: return .interrupt
            case 0x7F, 0x08:
                // Remove one character (and its UTF-8 continuation bytes).
                while let last = bytes.popLast(), last & 0xC0 == 0x80 {}
                if isTTY { writeErr("\u{8} \u{8}") }
            case 0x15:
                bytes.removeAll()
                if isTTY { writeErr("\r\u{1B}[K" + prompt) }
            default:
                bytes.append(byte)
                if isTTY && byte & 0xC0 != 0x80 { writeErr("·") }
            }
        }
    }

    static func writeErr(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
