import ClinicKit
import Foundation
import Testing

private let today = DateComponents(year: 2026, month: 11, day: 24)

struct FieldCase: Sendable, CustomTestStringConvertible {
    let field: FieldSpec
    let text: String
    /// The value expected, or nil when the text must be refused.
    let value: Value?
    /// A fragment the refusal must contain.
    let problem: String
    var testDescription: String { "\(field.name)=\(text)" }

    static func ok(_ f: FieldSpec, _ t: String, _ v: Value) -> FieldCase { FieldCase(field: f, text: t, value: v, problem: "") }
    static func no(_ f: FieldSpec, _ t: String, _ p: String) -> FieldCase { FieldCase(field: f, text: t, value: nil, problem: p) }
}

private let weight = FieldSpec("weight", .quantity(units: [.kilogram, .pound], range: 20...350), help: "", sample: "72kg")
/// mg/kg beside mg: two dimensions that do not convert, each range-checked as typed.
private let dose = FieldSpec("dose", .quantity(units: [MeasureUnit("mg/kg", dimension: "dose-per-weight", factor: 1),
                                                       MeasureUnit("mg", dimension: "mass", factor: 1e-6)], range: 0.01...500), help: "")
private let age = FieldSpec("age", .integer(0...120), help: "")
private let temp = FieldSpec("temp", .decimal(30...45), help: "")
private let dob = FieldSpec("dob", .date(partial: false, notInFuture: true), help: "")
private let since = FieldSpec("since", .date(partial: true, notInFuture: true), help: "")
private let escort = FieldSpec("escort", .yesNo, help: "")
private let sex = FieldSpec("sex", .choice([Choice("F", "female", aliases: ["female"]), Choice("M", "male")]), help: "")
private let symptoms = FieldSpec("symptoms", .choices([Choice("fatigue", ""), Choice("fibro-fog", "", aliases: ["fog"])]), help: "")
private let meds = FieldSpec("meds", .list(maxItems: 2), help: "")
private let tried = FieldSpec("tried", .outcomes([Choice("helped", ""), Choice("no-effect", "")]), help: "")
private let note = FieldSpec("note", .text(maxLength: 5), help: "")
/// Numbers typed with or without a unit: °F converted to °C, % taken as the number.
private let bodyTemp: FieldSpec = {
    var f = FieldSpec("temp", .decimal(30...43), help: "")
    f.units = [.celsius, .fahrenheit]
    return f
}()
private let wholeTemp: FieldSpec = {
    var f = FieldSpec("temp", .integer(30...43), help: "")
    f.units = [.celsius, .fahrenheit]
    return f
}()
private let spo2: FieldSpec = {
    var f = FieldSpec("spo2", .integer(50...100), help: "")
    f.units = [.percent]
    return f
}()

@Suite struct FieldParsingTests {
    static let cases: [FieldCase] = [
        .ok(weight, "72kg", ["value": 72.0, "unit": "kg"]),
        .ok(weight, "72 KG", ["value": 72.0, "unit": "kg"]),
        .ok(weight, "158lbs", ["value": 158.0, "unit": "lb"]),
        .ok(weight, "20kg", ["value": 20.0, "unit": "kg"]),           // range edges are inside
        .ok(weight, "350kg", ["value": 350.0, "unit": "kg"]),
        .no(weight, "72", "has no unit"),                            // a bare number is never guessed
        .no(weight, "350.1kg", "outside 20–350 kg"),
        .no(weight, "800lb", "(362.9 kg) is outside"),               // the range applies after conversion
        .no(weight, "71,7kg", "comma"),
        .no(weight, "7Okg", "did you mean 70 kg?"),
        .no(weight, "72 stone", "'stone' is not a unit"),
        .no(weight, "", "no value"),
        .ok(dose, "0.5mg/kg", ["value": 0.5, "unit": "mg/kg"]),
        .ok(dose, "36 mg", ["value": 36.0, "unit": "mg"]),
        .no(dose, "50", "50 has no unit (mg/kg or mg?)"),
        .no(dose, "600mg", "600 mg is outside 0.01–500 mg"),
        .no(dose, "0.001mg/kg", "0.001 mg/kg is outside 0.01–500 mg/kg"),
        .ok(age, "47", 47),
        .no(age, "1e2", "not a whole number"),
        .no(age, "121", "outside 0–120"),
        .no(age, "4 7", "not a whole number"),
        .ok(temp, "36.8", 36.8),
        .no(temp, "nan", "not a number"),
        .no(temp, "0x20", "not a number"),
        .ok(dob, "1979-03-02", "1979-03-02"),
        // Days from today (2026-11-24), as VistA's reader takes them: the value is the date.
        .ok(dob, "T", "2026-11-24"), .ok(dob, "today", "2026-11-24"), .ok(dob, "yesterday", "2026-11-23"),
        .ok(dob, "T-24", "2026-10-31"), .ok(dob, "t-365", "2025-11-24"), .ok(dob, "T-1096", "2023-11-24"),
        .ok(FieldSpec("on", .date(partial: false, notInFuture: false), help: ""), "T+38", "2027-01-01"),
        .ok(FieldSpec("on", .date(partial: false, notInFuture: false), help: ""), "T+97", "2027-03-01"),
        .no(dob, "T+1", "is in the future"), .no(dob, "T-x", "is not a date"), .no(dob, "T1", "is not a date"),
        .ok(dob, "2024-02-29", "2024-02-29"),
        .no(dob, "2023-02-29", "that month has 28 days"),
        .no(dob, "2026-11-25", "in the future"),
        .ok(dob, "2026-11-24", "2026-11-24"),
        .no(dob, "1979-3-2", "not a date"),
        .no(dob, "1979", "not a date"),
        .ok(since, "2019", "2019"),
        .ok(since, "2019-05", "2019-05"),
        .no(since, "2019-13", "no month 13"),
        .ok(escort, "yes", true),
        .ok(escort, "N", false),
        .no(escort, "maybe", "not yes or no"),
        .ok(sex, "female", "F"),
        .no(sex, "Q", "not one of F, M"),
        .ok(symptoms, "fatigue, fog, fatigue", ["fatigue", "fibro-fog"]),
        .ok(symptoms, "none", []),
        .no(symptoms, "none,fatigue", "cannot be combined"),
        .no(symptoms, "pain", "'pain' is not one of"),
        .ok(meds, "none", []),
        .ok(meds, "duloxetine 60 mg, pregabalin", ["duloxetine 60 mg", "pregabalin"]),
        .no(meds, "a, b, c", "more than 2"),
        .ok(tried, "cbt:no-effect", [["item": "cbt", "outcome": "no-effect"]]),
        .no(tried, "cbt", "not item:outcome"),
        .no(tried, "cbt:great", "'great' is not one of"),
        .ok(note, "ok", "ok"),
        .no(note, "too long", "longer than 5"),
        .no(note, "a\u{7}b", "control character"),
        .ok(bodyTemp, "36.8", 36.8), .ok(bodyTemp, "36.8C", 36.8), .ok(bodyTemp, "36.8 °C", 36.8),
        .ok(bodyTemp, "98.2F", 36.8), .ok(bodyTemp, "98.6 f", 37.0), .ok(bodyTemp, "104F", 40.0),
        // Kept to 0.1 °C, as a thermometer reads: 96.9 °F is 36.06 °C, which NEWS2 scores as 36.1.
        .ok(bodyTemp, "96.9F", 36.1),
        .no(bodyTemp, "120F", "120 °F (48.9 °C) is outside 30–43 °C"),
        .no(bodyTemp, "36,8", "comma"), .no(bodyTemp, "36.8K", "'k' is not a unit for temp (°C or °F)"),
        .no(bodyTemp, "F", "not a number"),
        .ok(spo2, "98", 98), .ok(spo2, "98%", 98), .ok(spo2, "98 %", 98),
        // A whole number typed in another unit is converted and rounded; a huge one is refused, not trapped.
        .ok(wholeTemp, "98.6F", 37), .no(wholeTemp, "99999999999999999999F", "is outside 30–43 °C"),
        .no(spo2, "101%", "outside 50–100"), .no(spo2, "98.5%", "not a whole number"),
    ]

    @Test(arguments: cases)
    func parses(_ c: FieldCase) {
        do {
            let v = try c.field.parse(c.text, today: today)
            #expect(c.value == v, "accepted \(v.canonicalJSON)")
        } catch {
            #expect(c.value == nil, "refused: \(error)")
            #expect(error.description.contains(c.problem), "message was: \(error)")
            #expect(error.description.contains(";"), "a refusal says what to type instead: \(error)")
        }
    }

    @Test func poundConvertsExactly() throws {
        let q = try #require(Quantity(try weight.parse("158lb", today: today), units: [.kilogram, .pound]))
        // 1 lb = 0.45359237 kg exactly (international yard and pound agreement, 1959).
        #expect(abs(q.value(in: .kilogram) - 71.66759446) < 1e-8)
    }

    @Test func unitsOfTwoDimensionsSayTheirRangeWithoutAUnit() {
        #expect(dose.expects == "mg/kg or mg, 0.01–500")
        #expect(weight.expects == "kg or lb, 20–350 kg")
    }
}

@Suite struct ValueTests {
    @Test func canonicalJSONSortsKeysAndRoundTrips() throws {
        let v: Value = ["b": [1, 2.5, "x\"y\n"], "a": nil, "é": true]
        #expect(v.canonicalJSON == #"{"a":null,"b":[1,2.5,"x\"y\n"],"é":true}"#)
        #expect(try Value(json: v.canonicalJSON) == v)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "01x", "nul", "[1] 2"])
    func refusesInvalidJSON(_ text: String) {
        #expect(throws: ValueParseError.self) { try Value(json: text) }
    }

    @Test func readsEscapesAndSurrogates() throws {
        #expect(try Value(json: #""\u00e9\ud83d\ude00\t""#) == .string("é😀\t"))
    }
}

@Suite struct PatientAgeTests {
    let patient = PatientInfo(id: 1, mrn: "T", name: "T", dateOfBirth: "1979-03-02", sex: .female)
    var utc: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }

    @Test(arguments: [
        ("2026-03-01", 563, 46),   // the day before the birthday
        ("2026-03-02", 564, 47),   // the birthday
        ("2026-11-24", 572, 47),
    ])
    func ageCountsWholeMonthsAndYears(_ day: String, _ months: Int, _ years: Int) throws {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        let date = try #require(utc.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)))
        #expect(patient.ageInMonths(on: date, calendar: utc) == months)
        #expect(patient.age(on: date, calendar: utc) == years)
        #expect(ClinicTime.format(date, calendar: utc) == "\(day) 12:00")
    }
}
