import ClinicKit

/// The rounding rules of an order, the way the pump and the syringe are set, never past a limit.
///
/// - The weight is used as typed (a weight in lb converted exactly), never rounded: the limits
///   are per kg of what the scale said. It is shown to 0.1 kg, or 0.01 kg when that is what was
///   typed (20.05 kg).
/// - The dose in mg goes to the nearest 0.1 mg (a half away from zero), except that it goes down
///   when the nearest would be above a limit the exact dose is within (the hard maximum, the soft
///   maximum, what the series and the period still allow).
/// - What the pump is set to is never more drug and never faster than ordered: the volume to be
///   infused goes down to 0.1 mL and the rate down to 0.1 mL/h (pump resolution), so the infusion
///   runs at least as long as ordered.
/// - Syringe volumes (drawing up, an injection) go down to 0.01 mL.
enum Rounding {
    /// `x` to `decimals` places, to the nearest (a half away from zero) or down. Floating-point
    /// noise (0.35 × 72.3 = 25.304999…) is removed at a millionth of the last place first.
    static func round(_ x: Double, decimals: Int, down: Bool = false) -> Double {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let units = ((x * scale) * 1e6).rounded() / 1e6
        return (down ? units.rounded(.down) : units.rounded(.toNearestOrAwayFromZero)) / scale
    }

    /// The dose in mg: the nearest 0.1 mg, or 0.1 mg down when the nearest would pass a ceiling
    /// that `exact` does not pass.
    static func dose(_ exact: Double, ceilings: [Double]) -> (mg: Double, roundedDown: Bool) {
        let nearest = round(exact, decimals: 1)
        let passed = ceilings.contains { exact <= $0 + 1e-9 && nearest > $0 + 1e-9 }
        return passed ? (round(exact, decimals: 1, down: true), true) : (nearest, false)
    }

    static func oneDecimal(_ x: Double) -> String { fixed(x, 1) }

    /// A weight as the working shows it: `72.0`, or `20.05` when a tenth would not be exact.
    static func weight(_ kg: Double) -> String { abs(round(kg, decimals: 1) - kg) < 1e-9 ? fixed(kg, 1) : fixed(kg, 2) }
    static func twoDecimals(_ x: Double) -> String { fixed(x, 2) }

    /// `x` with exactly `decimals` places (String(format:) is slow on Linux).
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let units = Int((abs(x) * Double(scale)).rounded())
        let whole = units / scale, fraction = String(units % scale)
        let padded = String(repeating: "0", count: decimals - fraction.count) + fraction
        return (x < 0 && units > 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? ".\(padded)" : "")
    }

    /// A concentration as people write it: `1`, `0.36`, `0.125`.
    static func concentration(_ x: Double) -> String { FieldSpec.format(round(x, decimals: 3)) }
}

/// What an order asks for, as typed.
struct DoseRequest: Sendable, Equatable {
    var route: Route
    var dose: Quantity
    /// Minutes an IV infusion runs.
    var minutes: Double?
    /// The concentration of the solution given (mg/mL).
    var concentration: Double?
    /// The volume an IV dose is made up to (mL).
    var bag: Double?
}

/// An order's arithmetic, worked out and written out so a second person can follow it.
struct Calculation: Sendable, Equatable {
    var totalMg: Double
    /// mg per kg actually ordered (the weight-based routes), or the mg dose's equivalent.
    var mgPerKg: Double
    /// The concentration of what is given, mg/mL, when it is known.
    var concentration: Double?
    /// The volume given: to be infused (the pump's volume) or injected.
    var volumeML: Double?
    /// An IV dose made up in a bag: its volume, and what to draw from which vial.
    var bagML: Double?
    var drawML: Double?
    var vialStrength: Double?
    var minutes: Double?
    var rateMLPerHour: Double?
    /// `0.5 mg/kg × 72.0 kg = 36.0 mg; 36.0 mg ÷ 1 mg/mL = 36.0 mL; over 40 min → 54.0 mL/h`
    var working: String

    /// Works out an order from the weight as typed, in kg.
    ///
    /// - Throws: ``CommandError`` for a solution or volume the clinic does not stock or that cannot
    ///   hold the dose; the limits of the dose itself are the planner's.
    static func work(_ request: DoseRequest, weightKg: Double, library: DrugLibrary, ceilings: [Double]) throws -> Calculation {
        let route = request.route
        let typed = FieldSpec.format(request.dose.value)
        let kg = Rounding.weight(weightKg)
        let exact = route.isWeightBased ? request.dose.value * weightKg : request.dose.value
        let (mg, roundedDown) = Rounding.dose(exact, ceilings: ceilings)
        guard mg >= 0.1 else {
            throw CommandError("\(typed) \(request.dose.unit.symbol) works out at under 0.1 mg, too little to give", hint: "check the dose and its unit")
        }
        var steps: [String] = []
        if route.isWeightBased {
            steps.append("\(typed) mg/kg × \(kg) kg = \(Rounding.oneDecimal(mg)) mg" + (roundedDown ? " (rounded down to stay within a limit)" : ""))
        } else {
            steps.append("\(typed) mg \(route.label) = \(Rounding.fixed(mg / weightKg, 2)) mg/kg at \(kg) kg")
        }
        var calc = Calculation(totalMg: mg, mgPerKg: mg / weightKg, concentration: nil, volumeML: nil, bagML: nil, drawML: nil,
                               vialStrength: nil, minutes: nil, rateMLPerHour: nil, working: "")

        if request.minutes != nil && !route.isInfusion {
            throw CommandError("over= is for IV infusions; \(route.label) doses are given at once", hint: "leave out over=")
        }
        if request.bag != nil && !route.isInfusion {
            throw CommandError("bag= is for IV infusions", hint: "leave out bag=")
        }
        let vials = library.vialStrengths.map { FieldSpec.format($0) }.joined(separator: ", ")

        if route.isInfusion {
            guard let minutes = request.minutes else {
                throw CommandError("an IV infusion needs its duration", hint: "add e.g. over=40min")
            }
            calc.minutes = minutes
            let volume: Double
            if let conc = request.concentration {
                guard library.ivConcentrations.contains(where: { abs($0 - conc) < 1e-9 }) else {
                    let made = library.ivConcentrations.map { FieldSpec.format($0) }.joined(separator: ", ")
                    throw CommandError("conc=\(Rounding.concentration(conc))mg/mL is not a solution the clinic makes (\(made) mg/mL)",
                                       hint: "use one of those, or bag= to make the dose up to a bag volume")
                }
                volume = Rounding.round(mg / conc, decimals: 1, down: true)
                calc.concentration = conc
                var step = "\(Rounding.oneDecimal(mg)) mg ÷ \(Rounding.concentration(conc)) mg/mL = \(Rounding.oneDecimal(volume)) mL"
                if let bag = request.bag {
                    let holds = conc * bag
                    guard holds + 1e-9 >= mg else {
                        throw CommandError("a \(FieldSpec.format(bag)) mL bag of \(Rounding.concentration(conc)) mg/mL holds \(Rounding.oneDecimal(holds)) mg, less than the \(Rounding.oneDecimal(mg)) mg ordered",
                                           hint: "choose a larger bag or a stronger solution")
                    }
                    calc.bagML = bag
                    step += " (of a \(FieldSpec.format(bag)) mL bag holding \(Rounding.oneDecimal(holds)) mg)"
                }
                steps.append(step)
            } else {
                let bag = request.bag ?? library.bagVolumes[0]
                guard library.bagVolumes.contains(where: { abs($0 - bag) < 1e-9 }) else {
                    let volumes = library.bagVolumes.map { FieldSpec.format($0) }.joined(separator: ", ")
                    throw CommandError("bag=\(FieldSpec.format(bag))mL is not a bag volume the clinic uses (\(volumes) mL)", hint: "use one of those")
                }
                let strength = library.vialStrengths[0]
                let draw = Rounding.round(mg / strength, decimals: 2, down: true)
                calc.bagML = bag
                calc.drawML = draw
                calc.vialStrength = strength
                calc.concentration = mg / bag
                volume = bag
                steps.append("draw \(Rounding.twoDecimals(draw)) mL of \(FieldSpec.format(strength)) mg/mL, made up to \(FieldSpec.format(bag)) mL = \(Rounding.concentration(mg / bag)) mg/mL")
            }
            let rate = Rounding.round(volume / (minutes / 60), decimals: 1, down: true)
            guard rate >= 0.1 else {
                throw CommandError("the pump rate would be under 0.1 mL/h", hint: "use a weaker solution or a shorter infusion")
            }
            calc.volumeML = volume
            calc.rateMLPerHour = rate
            let runs = Rounding.round(volume / rate * 60, decimals: 1)
            let lasts = abs(runs - minutes) >= 0.1 ? " (runs \(Rounding.oneDecimal(runs)) min)" : ""
            steps.append((calc.drawML == nil ? "" : "\(Rounding.oneDecimal(volume)) mL ") + "over \(FieldSpec.format(minutes)) min → \(Rounding.oneDecimal(rate)) mL/h\(lasts)")
        } else if route.isInjected || request.concentration != nil {
            let strength = request.concentration ?? library.vialStrengths[0]
            guard library.vialStrengths.contains(where: { abs($0 - strength) < 1e-9 }) else {
                throw CommandError("conc=\(Rounding.concentration(strength))mg/mL is not a strength the clinic stocks (\(vials) mg/mL)", hint: "use one of those")
            }
            let volume = Rounding.round(mg / strength, decimals: 2, down: true)
            guard volume >= 0.01 else { throw CommandError("the volume would be under 0.01 mL", hint: "use a weaker strength") }
            calc.concentration = strength
            calc.volumeML = volume
            steps.append("\(Rounding.oneDecimal(mg)) mg ÷ \(FieldSpec.format(strength)) mg/mL = \(Rounding.twoDecimals(volume)) mL")
        }
        calc.working = steps.joined(separator: "; ")
        return calc
    }
}
