// libFuzzer target: script text, variables and CSV. Built by Scripts/fuzz with
// Sources/ClinicScript/Script/{ScriptText,Variables,CSV}.swift.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScript(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lineCount = text.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1
    var previous = 0
    for line in ScriptText.lines(of: text) {
        if line.number <= previous || line.number > lineCount || line.text.isEmpty || line.text.hasPrefix("#") {
            fatalError("bad line \(line.number) after \(previous) of \(lineCount): \(line.text.debugDescription)")
        }
        previous = line.number
        _ = try? Variables(["A": "x y", "B": "${A}"]).substitute(line.text)
    }
    if let table = try? CSVTable(text: text, name: "fuzz.csv") {
        for row in table.rows where row.values.count != table.columns.count { fatalError("row \(row.number) lacks columns") }
    }
    return 0
}
