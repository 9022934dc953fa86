import ClinicKit

/// One set of vital signs as entered: any of them may be missing except where the clinic
/// protocol requires them.
struct Vitals: Sendable, Equatable {
    var sbp: Int?
    var dbp: Int?
    var hr: Int?
    var rr: Int?
    var spo2: Int?
    var temp: Double?
    /// A, C (new confusion), V, P or U.
    var avpu: String?
    var onOxygen = false

    static let names = ["sbp", "dbp", "hr", "rr", "spo2", "temp", "avpu"]

    /// The fields of `monitoring vitals` and `baseline`. The ranges are physiology, not alarm
    /// limits: a value outside them is a typing error (`hr=720`), refused before anything is scored.
    static func fields(required: Bool) -> [FieldSpec] {
        var spo2 = FieldSpec("spo2", .integer(50...100), required: required, help: "oxygen saturation by pulse oximetry, % (98 or 98%)", sample: "98")
        spo2.units = [.percent]
        var temp = FieldSpec("temp", .decimal(30...43), required: required,
                             help: "temperature, °C (36.8 or 36.8C; 98.2F is converted to °C, to 0.1)", sample: "36.8")
        temp.units = [.celsius, .fahrenheit]
        return [
            FieldSpec("sbp", .integer(40...300), required: required, help: "systolic blood pressure, mmHg", sample: "128"),
            FieldSpec("dbp", .integer(20...200), required: required, help: "diastolic blood pressure, mmHg", sample: "80"),
            FieldSpec("hr", .integer(20...250), required: required, help: "heart rate, beats per minute", sample: "76"),
            FieldSpec("rr", .integer(0...70), required: required, help: "respiration rate, breaths per minute", sample: "14"),
            spo2,
            temp,
            FieldSpec("avpu", .choice(avpuChoices), required: required, help: "consciousness: A, C (new confusion), V, P or U", sample: "A"),
            FieldSpec("o2", .choice([Choice("air", "breathing room air"), Choice("oxygen", "on supplemental oxygen", aliases: ["o2"])]),
                      required: false, help: "air or oxygen (default: as at the last entry of this visit, else air)", sample: "air"),
        ]
    }

    /// `bp=132/84` for sbp and dbp.
    static let bloodPressure = FieldPair("bp", "sbp", "dbp", help: "blood pressure, systolic/diastolic mmHg (132/84)")

    /// `v 132/84 78 14 98 36.8 A`: the signs in the order they are read off a monitor.
    static let shortForm = ShortForm(["v", "vitals"], values: ["bp", "hr", "rr", "spo2", "temp", "avpu"])

    static let avpuChoices = [
        Choice("A", "alert", aliases: ["alert"]),
        Choice("C", "new confusion", aliases: ["confused", "confusion"]),
        Choice("V", "responds to voice", aliases: ["voice"]),
        Choice("P", "responds to pain", aliases: ["pain"]),
        Choice("U", "unresponsive", aliases: ["unresponsive"]),
    ]

    init(sbp: Int? = nil, dbp: Int? = nil, hr: Int? = nil, rr: Int? = nil, spo2: Int? = nil, temp: Double? = nil,
         avpu: String? = nil, onOxygen: Bool = false) {
        (self.sbp, self.dbp, self.hr, self.rr, self.spo2, self.temp, self.avpu, self.onOxygen) = (sbp, dbp, hr, rr, spo2, temp, avpu, onOxygen)
    }

    /// From a command's values or a stored entry's payload (the same names).
    init(_ values: Value) {
        sbp = values["sbp"]?.intValue
        dbp = values["dbp"]?.intValue
        hr = values["hr"]?.intValue
        rr = values["rr"]?.intValue
        spo2 = values["spo2"]?.intValue
        temp = values["temp"]?.doubleValue
        avpu = values["avpu"]?.stringValue
        onOxygen = values["o2"]?.stringValue == "oxygen"
    }

    var payload: [String: Value] {
        var p: [String: Value] = ["o2": .string(onOxygen ? "oxygen" : "air")]
        if let sbp { p["sbp"] = .int(sbp) }
        if let dbp { p["dbp"] = .int(dbp) }
        if let hr { p["hr"] = .int(hr) }
        if let rr { p["rr"] = .int(rr) }
        if let spo2 { p["spo2"] = .int(spo2) }
        if let temp { p["temp"] = .double(temp) }
        if let avpu { p["avpu"] = .string(avpu) }
        return p
    }

    /// The names of the signs taken.
    var taken: Set<String> {
        var s = Set<String>()
        if sbp != nil { s.insert("sbp") }
        if dbp != nil { s.insert("dbp") }
        if hr != nil { s.insert("hr") }
        if rr != nil { s.insert("rr") }
        if spo2 != nil { s.insert("spo2") }
        if temp != nil { s.insert("temp") }
        if avpu != nil { s.insert("avpu") }
        return s
    }

    /// `BP 132/84 · HR 78 · RR 14 · SpO2 98 % air · 36.8 °C · A`
    var text: String {
        var parts: [String] = []
        if sbp != nil || dbp != nil { parts.append("BP \(sbp.map(String.init) ?? "?")/\(dbp.map(String.init) ?? "?")") }
        if let hr { parts.append("HR \(hr)") }
        if let rr { parts.append("RR \(rr)") }
        if let spo2 { parts.append("SpO2 \(spo2) % \(onOxygen ? "on oxygen" : "air")") }
        if let temp { parts.append("\(FieldSpec.format(temp)) °C") }
        if let avpu { parts.append(avpu) }
        return parts.joined(separator: " · ")
    }
}
