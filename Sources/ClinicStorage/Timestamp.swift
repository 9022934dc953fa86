import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Times as the database stores them: UTC, ISO 8601, to the millisecond (`2026-11-24T09:02:00.000Z`).
/// Text sorts in time order and reads plainly in `sqlite3`.
package enum Timestamp {
    /// `date` truncated to the millisecond, so that what is stored reads back equal.
    package static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    package static func string(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(seconds) * 1000)
        var t = tm()
        gmtime_r(&seconds, &t)
        // Written digit by digit into 24 bytes (String(format:) is slow on Linux).
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ n: Int, at start: Int, width: Int) {
            var n = n
            for i in stride(from: start + width - 1, through: start, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            }
        }
        put(Int(t.tm_year) + 1900, at: 0, width: 4)
        put(Int(t.tm_mon) + 1, at: 5, width: 2)
        put(Int(t.tm_mday), at: 8, width: 2)
        put(Int(t.tm_hour), at: 11, width: 2)
        put(Int(t.tm_min), at: 14, width: 2)
        put(Int(t.tm_sec), at: 17, width: 2)
        put(millis, at: 20, width: 3)
        for (i, c) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Unicode.Scalar)] {
            out[i] = UInt8(ascii: c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func date(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 24, u[4] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"), u[23] == UInt8(ascii: "Z") else { return nil }
        func n(_ a: Int, _ b: Int) -> Int? { Int(String(decoding: u[a..<b], as: UTF8.self)) }
        guard let y = n(0, 4), let mo = n(5, 7), let d = n(8, 10), let h = n(11, 13), let mi = n(14, 16),
              let s = n(17, 19), let ms = n(20, 23) else { return nil }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(s)
        let seconds = timegm(&t)
        return Date(timeIntervalSince1970: (Double(seconds) * 1000 + Double(ms)) / 1000)
    }
}
