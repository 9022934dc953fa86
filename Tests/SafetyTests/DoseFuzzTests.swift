import Foundation
import Testing

/// No sequence of commands reaches an unsafe dose: generated sequences, judged after every step by
/// an oracle written apart from the modules (DoseFuzzer.swift). CI runs a bounded number of
/// seeds; `Scripts/fuzz` runs it for as long as it is asked (CLINIC_DOSE_FUZZ_SECONDS).
@Suite struct DoseFuzzTests {
    @Test func noSequenceOfCommandsReachesAnUnsafeDose() throws {
        let env = ProcessInfo.processInfo.environment
        let seconds = Double(env["CLINIC_DOSE_FUZZ_SECONDS"] ?? "") ?? 0
        let first = UInt64(env["CLINIC_DOSE_FUZZ_SEED"] ?? "") ?? 1
        let steps = Int(env["CLINIC_DOSE_FUZZ_STEPS"] ?? "") ?? 150
        let minimum = Int(env["CLINIC_DOSE_FUZZ_SEQUENCES"] ?? "") ?? 30
        let deadline = Date().addingTimeInterval(seconds)
        var seed = first
        var sequences = 0
        var totals: [String: Int] = [:]
        repeat {
            let (actions, violation, counts) = try DoseFuzzer.run(seed: seed, steps: steps)
            totals.merge(counts, uniquingKeysWith: +)
            if let violation {
                let shrunk = try DoseFuzzer.shrink(actions)
                Issue.record("\(DoseFuzzer.Failure(seed: seed, violation: violation, script: shrunk))")
                return
            }
            sequences += 1
            seed += 1
        } while sequences < minimum || Date() < deadline
        let given = totals.filter { $0.key.hasPrefix("given: ") }.sorted { $0.key < $1.key }.map { "\($0.key.dropFirst(7)) \($0.value)" }
        print("dose fuzzer: seeds \(first)–\(seed - 1), \(sequences) sequences × \(steps) steps: \(totals["ok", default: 0]) commands accepted, "
              + "\(totals["refused", default: 0]) refused; doses judged: \(given.joined(separator: ", ")); "
              + "accepted: " + totals.filter { !["ok", "refused"].contains($0.key) && !$0.key.hasPrefix("given") }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(totals["given: started iv", default: 0] > 0, "the sequences never started an infusion: the fuzzer is not reaching the doses")
    }

    /// The steps from the world's set-up to a patient a dose may be planned for.
    static let eligibleConsentedWithABaseline = [
            FuzzAction(staff: "nina", line: "screening checklist intracranial=no allergy=no urinary=no sbp=128 dbp=80"),
            FuzzAction(staff: "nina", line: "screening decide"), FuzzAction(staff: "patel", line: "screening sign"),
            FuzzAction(staff: "patel", line: "consent sign witness=nina"),
            FuzzAction(staff: "nina", line: "monitoring baseline sbp=128 dbp=80 hr=74 rr=14 spo2=98 temp=36.7 avpu=A"),
    ]

    /// The oracle is not blind: a sequence that gives a dose past a gate it knows is caught. The
    /// world is run on its own, with the oracle told of a weight the record does not hold.
    @Test func theOracleCatchesADoseOverTheLimit() throws {
        let world = try FuzzWorld()
        #expect(try world.setUp() == nil)
        let steps = Self.eligibleConsentedWithABaseline + [
            FuzzAction(staff: "patel", line: "dosing plan route=iv dose=1.5mg/kg over=40min conc=1mg/mL"),
            FuzzAction(staff: "patel", line: "dosing sign"), FuzzAction(staff: "nina", line: "dosing verify weight=70kg dose=1.5mg/kg"),
        ]
        for step in steps { #expect(try world.apply(step) == nil, "\(step.line)") }
        // The oracle believes the patient weighs 40 kg: 105 mg is then 2.6 mg/kg.
        world.patients[world.current].weightKg = 40
        let violation = try world.apply(FuzzAction(staff: "nina", line: "dosing start"))
        #expect(violation?.contains("over the hard limit") == true, "\(violation ?? "none")")
    }

    /// Nor to the clinic's instrument's alert: the world's insomnia scale raises it, the engine
    /// refuses the dose until it is acknowledged; the oracle, told of an alert the record does not
    /// hold, catches the dose.
    @Test func theOracleCatchesADosePastAnInstrumentsAlert() throws {
        let world = try FuzzWorld()
        #expect(try world.setUp() == nil)
        let steps = Self.eligibleConsentedWithABaseline + [FuzzAction(staff: "nina", line: "screening isi q1=2 q2=2 q3=1 q4=2 q5=4 q6=1 q7=2")]
        for step in steps { #expect(try world.apply(step) == nil, "\(step.line)") }
        #expect(world.patients[world.current].instrumentAlert)
        #expect(world.perform(FuzzAction(staff: "patel", line: "dosing plan route=iv dose=1.5mg/kg over=40min conc=1mg/mL"))?.contains("an alert stands") == true)
        #expect(try world.apply(FuzzAction(staff: "ada", line: "acknowledge an administrator cannot")) == nil)
        #expect(world.patients[world.current].instrumentAlert, "an administrator's acknowledgement is refused")
        let refusedBefore = world.counts["refused", default: 0]
        for step in [FuzzAction(staff: "patel", line: "acknowledge reviewed with the patient"),
                     FuzzAction(staff: "patel", line: "dosing plan route=iv dose=1.5mg/kg over=40min conc=1mg/mL"),
                     FuzzAction(staff: "patel", line: "dosing sign"), FuzzAction(staff: "nina", line: "dosing verify weight=70kg dose=1.5mg/kg")] {
            #expect(try world.apply(step) == nil, "\(step.line)")
            #expect(world.counts["refused", default: 0] == refusedBefore, "\(step.line) was refused")
        }
        world.patients[world.current].instrumentAlert = true
        let violation = try world.apply(FuzzAction(staff: "nina", line: "dosing start"))
        #expect(violation?.contains("the clinic's instrument's alert stood unacknowledged") == true, "\(violation ?? "none")")
    }
}
