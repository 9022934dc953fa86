extension StringProtocol {
    /// Without the spaces and tabs at either end (Foundation's trimming goes through NSString,
    /// which is slow on Linux: a replay trims every line).
    var trimmed: String {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(self[first...last])
    }
}

/// `n` in decimal, zero-padded to `width` digits (String(format:) is slow on Linux).
func padded(_ n: Int, _ width: Int) -> String {
    let digits = String(n)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
