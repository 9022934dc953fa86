import ClinicKit

/// A route of administration the clinic offers, and the unit its doses are ordered in.
///
/// Doses given by weight (IV, IM, SC) are ordered in mg/kg; intranasal and oral doses in mg, as
/// the clinic's materials and the analgesic dose table give them (REFERENCE.md 0 and 3.10, S56).
enum Route: String, CaseIterable, Sendable {
    case iv, im, sc
    case intranasal = "in"
    case oral

    var label: String {
        switch self {
        case .iv: return "IV infusion"
        case .im: return "intramuscular"
        case .sc: return "subcutaneous"
        case .intranasal: return "intranasal"
        case .oral: return "oral"
        }
    }

    var unit: MeasureUnit { isWeightBased ? DoseUnits.mgPerKg : DoseUnits.mg }
    var isWeightBased: Bool { self == .iv || self == .im || self == .sc }
    /// Whether the dose runs over time on a pump; other routes are given at once.
    var isInfusion: Bool { self == .iv }
    /// Whether the dose is drawn up from a vial and injected, so its volume matters.
    var isInjected: Bool { self == .im || self == .sc }

    static let choices: [Choice] = [
        Choice("iv", "intravenous infusion, mg/kg", aliases: ["intravenous"]),
        Choice("im", "intramuscular injection, mg/kg", aliases: ["intramuscular"]),
        Choice("sc", "subcutaneous injection, mg/kg", aliases: ["subcutaneous", "subcut"]),
        Choice("in", "intranasal spray, mg", aliases: ["intranasal", "nasal"]),
        Choice("oral", "by mouth, mg", aliases: ["po"]),
    ]
}

/// The units dosing reads and writes.
enum DoseUnits {
    static let mgPerKg = MeasureUnit("mg/kg", aliases: ["mg/kilogram", "mgperkg"], dimension: "dose-per-weight", factor: 1)
    /// A milligram, on the mass scale whose base is the kilogram.
    static let mg = MeasureUnit("mg", aliases: ["milligram", "milligrams"], dimension: "mass", factor: 1e-6)
    static let mL = MeasureUnit("mL", aliases: ["ml", "millilitre", "millilitres", "milliliter", "milliliters"], dimension: "volume", factor: 1)
    static let mgPerML = MeasureUnit("mg/mL", aliases: ["mg/ml"], dimension: "concentration", factor: 1)
    static let minute = MeasureUnit("min", aliases: ["mins", "minute", "minutes"], dimension: "time", factor: 1)
    static let hour = MeasureUnit("h", aliases: ["hr", "hrs", "hour", "hours"], dimension: "time", factor: 60)
}

/// The clinic's drug library for ketamine, as the clinic protocol gives it: the limits a smart
/// infusion pump would hold, per route, and the rules across doses.
struct DrugLibrary: Sendable {
    struct Limits: Sendable {
        var softMin: Double
        var softMax: Double
        var hardMax: Double
    }

    var limits: [Route: Limits]
    /// IV infusion duration: the usual range (soft) and the range never gone outside (hard), minutes.
    var minutesSoft: ClosedRange<Double>
    var minutesHard: ClosedRange<Double>
    /// Strengths the pharmacy stocks (mg/mL), the first the default.
    var vialStrengths: [Double]
    /// Ready-made infusion solutions an IV order may name with `conc=` (mg/mL).
    var ivConcentrations: [Double]
    /// Bag volumes an IV dose may be made up to (mL), the first the default.
    var bagVolumes: [Double]
    var weightMaxAgeDays: Int
    var minIntervalHours: Int
    var seriesGapDays: Int
    var seriesMaxMg: Double
    var periodDays: Int
    var periodMaxMg: Double
    var lftIntervalDays: Int
    /// The protocol's version, named with every limit quoted.
    var protocolVersion: String

    static func key(_ route: Route, _ name: String) -> String { "dosing.\(route.rawValue)_\(name)" }
    static let minutesSoftMin = "dosing.iv_minutes_min"
    static let minutesSoftMax = "dosing.iv_minutes_max"
    static let minutesHardMin = "dosing.iv_minutes_hard_min"
    static let minutesHardMax = "dosing.iv_minutes_hard_max"
    static let vialStrengthsKey = "dosing.vial_strengths"
    static let ivConcentrationsKey = "dosing.iv_concentrations"
    static let bagVolumesKey = "dosing.iv_bag_volumes"
    static let weightMaxAgeKey = "dosing.weight_max_age_days"
    static let minIntervalKey = "dosing.min_interval_hours"
    static let seriesGapKey = "dosing.series_gap_days"
    static let seriesMaxKey = "dosing.series_max_mg"
    static let periodDaysKey = "dosing.period_days"
    static let periodMaxKey = "dosing.period_max_mg"
    static let lftIntervalKey = "dosing.lft_interval_days"

    /// The settings dosing reads. Their values, defaults and sources are in the clinic protocol.
    static let settings: [SettingSpec] = Route.allCases.flatMap { route -> [SettingSpec] in
        let unit = route.unit.symbol
        let range: ClosedRange<Double> = route.isWeightBased ? 0.01...10 : 1...1000
        return [
            SettingSpec(key(route, "soft_min"), .decimal(range, unit: unit), summary: "\(route.label): below this a dose needs a reason and a physician"),
            SettingSpec(key(route, "soft_max"), .decimal(range, unit: unit), summary: "\(route.label): above this a dose needs a reason and a physician"),
            SettingSpec(key(route, "hard_max"), .decimal(range, unit: unit), summary: "\(route.label): no dose above this is ever accepted"),
        ]
    } + [
        SettingSpec(minutesSoftMin, .integer(1...600, unit: "minutes"), summary: "an IV infusion shorter than this needs a reason and a physician"),
        SettingSpec(minutesSoftMax, .integer(1...600, unit: "minutes"), summary: "an IV infusion longer than this needs a reason and a physician"),
        SettingSpec(minutesHardMin, .integer(1...600, unit: "minutes"), summary: "no IV infusion is ever run faster than over this"),
        SettingSpec(minutesHardMax, .integer(1...1440, unit: "minutes"), summary: "no IV infusion is ever run longer than this"),
        SettingSpec(vialStrengthsKey, .decimals(0.1...200, unit: "mg/mL"), summary: "ketamine strengths stocked, for drawing up (the first is the default)"),
        SettingSpec(ivConcentrationsKey, .decimals(0.01...50, unit: "mg/mL"), summary: "ready-made IV solutions an order may name with conc="),
        SettingSpec(bagVolumesKey, .decimals(10...1000, unit: "mL"), summary: "bag volumes an IV dose is made up to (the first is the default)"),
        SettingSpec(weightMaxAgeKey, .integer(0...30, unit: "days"), summary: "how old the weight a dose is worked from may be (0: taken the same day)"),
        SettingSpec(minIntervalKey, .integer(0...2160, unit: "hours"), summary: "the least time from one dose's start to the next"),
        SettingSpec(seriesGapKey, .integer(1...365, unit: "days"), summary: "a longer gap between doses than this starts a new series"),
        SettingSpec(seriesMaxKey, .decimal(1...20000, unit: "mg"), summary: "the most ketamine given in one series, all routes"),
        SettingSpec(periodDaysKey, .integer(1...365, unit: "days"), summary: "the rolling period of dosing.period_max_mg"),
        SettingSpec(periodMaxKey, .decimal(1...20000, unit: "mg"), summary: "the most ketamine given within the rolling period, all routes"),
        SettingSpec(lftIntervalKey, .integer(1...730, unit: "days"), summary: "liver-function tests are due when none were reviewed within this"),
    ]

    init(_ p: ClinicProtocol) throws {
        var limits: [Route: Limits] = [:]
        for route in Route.allCases {
            limits[route] = Limits(softMin: try p.decimal(Self.key(route, "soft_min")), softMax: try p.decimal(Self.key(route, "soft_max")),
                                   hardMax: try p.decimal(Self.key(route, "hard_max")))
        }
        self.limits = limits
        let softMin = Double(try p.integer(Self.minutesSoftMin)), softMax = Double(try p.integer(Self.minutesSoftMax))
        let hardMin = Double(try p.integer(Self.minutesHardMin)), hardMax = Double(try p.integer(Self.minutesHardMax))
        guard softMin <= softMax, hardMin <= hardMax else {
            throw CommandError("the clinic protocol's IV infusion durations are inconsistent", hint: "type protocol check FILE")
        }
        minutesSoft = softMin...softMax
        minutesHard = hardMin...hardMax
        vialStrengths = try p.decimals(Self.vialStrengthsKey)
        ivConcentrations = try p.decimals(Self.ivConcentrationsKey)
        bagVolumes = try p.decimals(Self.bagVolumesKey)
        weightMaxAgeDays = try p.integer(Self.weightMaxAgeKey)
        minIntervalHours = try p.integer(Self.minIntervalKey)
        seriesGapDays = try p.integer(Self.seriesGapKey)
        seriesMaxMg = try p.decimal(Self.seriesMaxKey)
        periodDays = try p.integer(Self.periodDaysKey)
        periodMaxMg = try p.decimal(Self.periodMaxKey)
        lftIntervalDays = try p.integer(Self.lftIntervalKey)
        protocolVersion = p.version
    }

    /// What is wrong with the limits taken together: each route's soft range must lie within its
    /// hard limit, and the usual IV duration within the hard durations.
    static func problems(_ p: ClinicProtocol) -> [String] {
        var problems: [String] = []
        func n(_ key: String) -> Double? { p.values[key]?.doubleValue }
        for route in Route.allCases {
            let unit = route.unit.symbol
            guard let lo = n(key(route, "soft_min")), let hi = n(key(route, "soft_max")), let hard = n(key(route, "hard_max")) else { continue }
            if lo > hi {
                problems.append("\(key(route, "soft_min")) \(FieldSpec.format(lo)) \(unit) is above \(key(route, "soft_max")) \(FieldSpec.format(hi)) \(unit)")
            }
            if hi > hard {
                problems.append("\(key(route, "soft_max")) \(FieldSpec.format(hi)) \(unit) is above \(key(route, "hard_max")) \(FieldSpec.format(hard)) \(unit)")
            }
        }
        if let a = n(minutesHardMin), let b = n(minutesSoftMin), a > b {
            problems.append("\(minutesHardMin) \(FieldSpec.format(a)) minutes is above \(minutesSoftMin) \(FieldSpec.format(b)) minutes")
        }
        if let a = n(minutesSoftMin), let b = n(minutesSoftMax), a > b {
            problems.append("\(minutesSoftMin) \(FieldSpec.format(a)) minutes is above \(minutesSoftMax) \(FieldSpec.format(b)) minutes")
        }
        if let a = n(minutesSoftMax), let b = n(minutesHardMax), a > b {
            problems.append("\(minutesSoftMax) \(FieldSpec.format(a)) minutes is above \(minutesHardMax) \(FieldSpec.format(b)) minutes")
        }
        return problems
    }

    /// `2 mg/kg (dosing.iv_hard_max, protocol 2026.11-default)`: a limit and where it comes from.
    func quote(_ value: Double, _ unit: String, key: String) -> String {
        "\(FieldSpec.format(value)) \(unit) (\(key), protocol \(protocolVersion))"
    }
}
