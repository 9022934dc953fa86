extension StringProtocol {
    /// Without the spaces and tabs at either end (Foundation's trimming goes through NSString,
    /// which is slow on Linux: a replay trims every line).
    package var trimmed: String {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(self[first...last])
    }
}
