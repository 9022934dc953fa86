// libFuzzer target: field values and canonical JSON. Built by Scripts/fuzz with the ClinicKit sources.
import Foundation

let mgPerKg = MeasureUnit("mg/kg", dimension: "dose-per-weight", factor: 1)
let mg = MeasureUnit("mg", dimension: "mass", factor: 1e-6)
let specs: [FieldSpec] = [
    FieldSpec("text", .text(maxLength: 40), help: ""),
    FieldSpec("int", .integer(-5...300), help: ""),
    FieldSpec("dec", .decimal(30...43), help: ""),
    FieldSpec("weight", .quantity(units: [.kilogram, .pound], range: 20...350), help: ""),
    FieldSpec("dose", .quantity(units: [mgPerKg, mg], range: 0.001...5000), help: ""),
    FieldSpec("date", .date(partial: true, notInFuture: true), help: ""),
    FieldSpec("day", .date(partial: false, notInFuture: false), help: ""),
    FieldSpec("yes", .yesNo, help: ""),
    FieldSpec("one", .choice([Choice("iv", "iv", aliases: ["intravenous"]), Choice("in", "nasal")]), help: ""),
    FieldSpec("many", .choices([Choice("a", "a"), Choice("b-c", "b")]), help: ""),
    FieldSpec("list", .list(maxItems: 5), help: ""),
    FieldSpec("outcomes", .outcomes([Choice("partial", "partial"), Choice("no-effect", "none")]), help: ""),
]
let today = DateComponents(year: 2026, month: 11, day: 24)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValues(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for spec in specs {
        // A value is accepted or refused with a message; an accepted one is JSON that reads back.
        guard let value = try? spec.parse(text, today: today) else { continue }
        let json = value.canonicalJSON
        guard let back = try? Value(json: json), back == value else { fatalError("\(spec.name): \(text.debugDescription) → \(json) does not read back") }
    }
    if let value = try? Value(json: text) {
        let json = value.canonicalJSON
        guard let back = try? Value(json: json), back == value else { fatalError("JSON \(text.debugDescription) → \(json) does not read back") }
    }
    return 0
}
