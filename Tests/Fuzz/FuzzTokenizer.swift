// libFuzzer target: command lines. Built by Scripts/fuzz with Sources/ClinicEngine/Engine/Tokenizer.swift.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // Any text is either words or one error, never a trap.
    guard let words = try? Tokenizer.words(text) else { return 0 }
    for word in words {
        // What the journal writes reads back as the same one word.
        let back = try? Tokenizer.words(Tokenizer.quote(word))
        if back != [word] { fatalError("quote round trip: \(word.debugDescription) → \(Tokenizer.quote(word).debugDescription) → \(String(describing: back))") }
    }
    return 0
}
