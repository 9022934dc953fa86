import ClinicConsent
import ClinicDosing
@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import ClinicIntake
import ClinicKit
import ClinicMonitoring
import ClinicScreening
import ClinicTestSupport
import Foundation

// A stateful (model-based) fuzzer for the dose envelope. It generates random sequences of commands
// from what staff can type (several nurses and physicians, two patients, every route and unit,
// weights re-entered, late and amended, consents withdrawn and signed again, screenings redone,
// alerts raised and acknowledged, a clinic's own instrument (an insomnia scale given as data)
// raising its alert and acknowledged, visits ended and started, protocols adopted, the clock moved) and
// runs them through the real engine, the real modules and a real database. After every step an
// oracle checks that no dose was started, resumed or recorded as given outside the envelope, and
// that what falls due, as stored, is what the modules work out from the record (a projection no
// sequence may leave behind it), and that no instrument's response passes for a module's own entry
// (nor a module's own entry for a response).
//
// The oracle is written apart from the modules: it knows the limits from the protocol file, the
// rules from the published sources (docs/CLINICAL-REFERENCE.md), and what happened from the
// commands that succeeded and the record's entries. It shares no code with dosing.

/// One step of a sequence: who types, the clock, and the line. Concrete, so a failing sequence
/// replays without the generator and can be shrunk.
struct FuzzAction: Equatable {
    var staff: String
    var advanceMinutes: Double = 0
    var line: String

    /// As a `.clinic` script line (the staff member as a comment: a replay signs in directly).
    var script: String {
        (advanceMinutes > 0 ? "clock advance \(Int(advanceMinutes))m\n" : "") + "# as \(staff)\n" + line
    }
}

/// The clinic's limits as the oracle reads them from a protocol's settings: its own reading, not
/// dosing's.
struct OracleRules {
    var hardMax: [String: Double] = [:]
    var minutesHard: ClosedRange<Double>
    var weightMaxAgeDays: Int
    var minIntervalHours: Double
    var seriesGapDays: Double
    var seriesMaxMg: Double
    var periodDays: Double
    var periodMaxMg: Double

    init(_ values: [String: Value]) {
        func n(_ key: String) -> Double { values[key]?.doubleValue ?? .nan }
        for route in ["iv", "im", "sc", "in", "oral"] { hardMax[route] = n("dosing.\(route)_hard_max") }
        minutesHard = n("dosing.iv_minutes_hard_min")...n("dosing.iv_minutes_hard_max")
        weightMaxAgeDays = Int(n("dosing.weight_max_age_days"))
        minIntervalHours = n("dosing.min_interval_hours")
        seriesGapDays = n("dosing.series_gap_days")
        seriesMaxMg = n("dosing.series_max_mg")
        periodDays = n("dosing.period_days")
        periodMaxMg = n("dosing.period_max_mg")
    }
}

/// What the oracle knows of one patient: only from commands that succeeded and from the record.
struct PatientModel {
    var mrn: String
    var id: Int64 = 0
    /// The weight as typed, converted exactly (1 lb = 0.45359237 kg, by definition), when taken,
    /// and the entry that holds it.
    var weightKg: Double?
    var weighedAt: Date?
    var weightEntry: Int64?
    var eligible = false
    var consented = false
    /// A stop criterion crossed and not yet acknowledged.
    var alert = false
    /// The clinic's insomnia scale answered "very much distressed" (item 5 at 4), which its file
    /// says needs a clinician, and not yet acknowledged.
    var instrumentAlert = false
    var baselineVisits: Set<Int64> = []
    /// The step at which anything a dose is judged on last changed.
    var lastChange = 0
    struct Dose { var order: Int64; var at: Date; var mg: Double; var ended: Bool }
    var doses: [Dose] = []
    /// Orders by id: the step they were planned at.
    var plannedAt: [Int64: Int] = [:]
    /// The steps at which a dose started, was given or ended, with its order: a change for every
    /// other order of the patient's.
    var doseSteps: [(step: Int, order: Int64)] = []
}

/// The world a sequence runs in: a session over an in-memory database with the shipped modules,
/// the staff, two patients, and the oracle's model.
final class FuzzWorld {
    let session: Session
    let clock: TestClock
    let folder: URL
    var protocols: [String] = []
    var rules: OracleRules
    var patients: [PatientModel] = []
    var current = 0
    var step = 0
    var lastSeen: Int64 = 0
    var counts: [String: Int] = [:]
    static let staffRoles: [(String, Role)] = [("nina", .nurse), ("nick", .nurse), ("patel", .physician), ("pia", .physician), ("ada", .admin)]

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shipped = try String(contentsOfFile: ProtocolLoader.shippedPath, encoding: .utf8)
        let consent = URL(fileURLWithPath: ProtocolLoader.shippedPath).deletingLastPathComponent().appendingPathComponent("consent-ketamine.txt")
        try FileManager.default.copyItem(at: consent, to: folder.appendingPathComponent("consent-ketamine.txt"))
        // Two other protocols a clinic might adopt: tighter and looser limits, each its own version.
        let variants = [
            ("tight.yaml", shipped.replacingOccurrences(of: "version: \"2026.11-default\"", with: "version: \"fuzz-tight\"")
                .replacingOccurrences(of: "dosing.iv_hard_max:\n    value: 2", with: "dosing.iv_hard_max:\n    value: 1.5")
                .replacingOccurrences(of: "dosing.min_interval_hours:\n    value: 20", with: "dosing.min_interval_hours:\n    value: 48")
                .replacingOccurrences(of: "dosing.period_max_mg:\n    value: 450", with: "dosing.period_max_mg:\n    value: 200")),
            ("shipped.yaml", shipped.replacingOccurrences(of: "version: \"2026.11-default\"", with: "version: \"fuzz-shipped\"")),
        ]
        for (name, text) in variants {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            protocols.append(folder.appendingPathComponent(name).path)
        }
        // The clinic's own insomnia scale (docs/INSTRUMENTS.md's), with an alert of the clinic's.
        let instruments = folder.appendingPathComponent("instruments")
        try FileManager.default.createDirectory(at: instruments, withIntermediateDirectories: true)
        try TutorialInstrument.withAlert("very much distressed by sleep: a clinician reviews first")
            .write(to: instruments.appendingPathComponent("isi.json"), atomically: true, encoding: .utf8)
        let modules: [any ClinicModule] = [IntakeModule(), ScreeningModule(), ConsentModule(), DosingModule(), MonitoringModule()]
        let (session, _, clock) = try makeSession(modules: modules, instrumentFolders: [instruments.path],
                                                  environment: ["CLINIC_PASSWORD": "pass-word1", "CLINIC_WITNESS_PASSWORD": "pass-word1"])
        precondition(session.instruments.contains { $0.verb == "isi" }, "the fuzzer's ISI is not asked")
        self.session = session
        self.clock = clock
        session.quiet = true
        rules = OracleRules(session.clinicProtocol.settings.values)
        let hash = try Passwords.hash("pass-word1", rounds: 16)
        for (name, role) in Self.staffRoles {
            _ = try session.store.addStaff(username: name, roles: [role], passwordHash: hash, at: session.now, by: nil)
        }
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Two patients registered, with an intake and the questionnaires screening decides from.
    func setUp() throws -> String? {
        for mrn in ["F-1", "F-2"] {
            var model = PatientModel(mrn: mrn)
            for line in ["patient new --name \"Fuzz Patient\" --dob 1980-05-05 --sex F --mrn \(mrn)", "visit start --kind infusion",
                         "intake record weight=70kg height=165cm allergies=none medications=none diagnosed=2017 pain_months=110 symptoms=widespread-pain,fatigue,sleep onset=none treatments=\"pregabalin:partial\" comorbidities=none pregnancy=no escort=yes",
                         "screening acr areas=neck,upper-back,lower-back,shoulder-left,shoulder-right,hip-left,hip-right,upper-leg-left,upper-leg-right fatigue=2 waking=2 cognitive=2 headaches=yes abdominal=no depression=no duration_months=110",
                         "screening phq9 q1=1 q2=1 q3=1 q4=1 q5=0 q6=0 q7=1 q8=0 q9=0", "screening gad7 q1=1 q2=0 q3=1 q4=1 q5=0 q6=0 q7=0",
                         "screening dast10 q1=no q2=no q3=yes q4=no q5=no q6=no q7=no q8=no q9=no q10=no", "screening auditc q1=1 q2=0 q3=0"] {
                if let failure = perform(FuzzAction(staff: "nina", line: line)) { return "set-up: \(line): \(failure)" }
            }
            model.id = session.patient?.id ?? 0
            patients.append(model)
            current = patients.count - 1
            observeWeight(in: &patients[current])
        }
        lastSeen = Int64(try session.store.recordCount())
        return nil
    }

    /// Runs one action; returns the failure's message, or nil.
    @discardableResult
    func perform(_ action: FuzzAction) -> String? {
        if action.advanceMinutes > 0 { clock.current = clock.current.addingTimeInterval(action.advanceMinutes * 60) }
        if session.staff?.username != action.staff, let account = try? session.store.account(action.staff) {
            // The patient at hand stays open across a change of staff (an administrator, who
            // opens no patient, hands the patient back to the next clinician).
            let open = session.patient?.mrn ?? (patients.indices.contains(current) ? patients[current].mrn : nil)
            session.signIn(account.info)
            if let open { _ = session.execute("patient open \(open)", source: "fuzz") }
        }
        let outcome = session.execute(action.line, source: "fuzz")
        return outcome == .ok ? nil : (outcome.failure?.message ?? "\(outcome)")
    }

    /// Runs an action and judges it: the dose oracle, then the stored due items against the record.
    func step(_ action: FuzzAction) throws -> String? {
        if let violation = try apply(action) { return violation }
        // Items worked out on another basis (a protocol adopted) are worked out again before they
        // are read, as the worklist does.
        if try !DueProjection.isCurrent(in: session) { try DueProjection.rebuild(in: session) }
        let drift = try DueProjection.differences(in: session)
        return drift.isEmpty ? nil : "what falls due drifted from the record: " + drift.joined(separator: "; ")
    }

    /// Runs an action, updates the model from what succeeded, and asks the oracle.
    /// - Returns: a violation of the envelope, if the step made one.
    func apply(_ action: FuzzAction) throws -> String? {
        step += 1
        let words = action.line.split(separator: " ").map(String.init)
        let command = ["amend", "acknowledge"].contains(words.first ?? "") ? words[0] : words.prefix(2).joined(separator: " ")
        if command == "patient open", let i = patients.firstIndex(where: { $0.mrn == words.last }) { current = i }
        let visitBefore = session.visit
        let failure = perform(action)
        counts[failure == nil ? "ok" : "refused", default: 0] += 1
        if failure == nil { counts[command, default: 0] += 1 }
        // Another patient opened: the model follows the session.
        if let mrn = session.patient?.mrn, let i = patients.firstIndex(where: { $0.mrn == mrn }) { current = i }
        guard failure == nil else { return try newEntries(after: action, command: command) }
        var p = patients[current]
        switch command {
        case "intake weight", "amend":
            let before = (p.weightKg, p.weightEntry)
            observeWeight(in: &p)
            if before.0 != p.weightKg || before.1 != p.weightEntry { p.lastChange = step }
        case "consent sign": p.consented = true; p.lastChange = step
        case "consent withdraw": p.consented = false; p.lastChange = step
        case "screening sign":
            p.eligible = try latest(p, "screening", "decision")?.payload["outcome"]?.stringValue != "not-eligible"
            p.lastChange = step
        case "monitoring baseline": if let v = session.visit { p.baselineVisits.insert(v.id) }
        case "monitoring vitals": if action.line.contains("sbp=200") { p.alert = true }
        case "monitoring acknowledge": p.alert = false
        case "screening isi": if words.contains("q5=4") { p.instrumentAlert = true }
        case "acknowledge": p.instrumentAlert = false
        case "protocol adopt":
            rules = OracleRules(session.clinicProtocol.settings.values)
            for i in patients.indices { patients[i].lastChange = step }
            p.lastChange = step
        case "dosing plan":
            if let order = try latest(p, "dosing", "order") { p.plannedAt[order.id] = step }
        case "visit end":
            // A visit never ends while one of its infusions runs or is paused.
            if let visit = visitBefore, let open = try openInfusion(p, visit: visit.id) {
                return "visit #\(visit.id) ended while order #\(open) was running or paused"
            }
        default: break
        }
        patients[current] = p
        return try newEntries(after: action, command: command)
    }

    /// Reads the weight the record holds now: the latest weighing by when it was taken, as typed.
    func observeWeight(in p: inout PatientModel) {
        guard let entries = try? session.store.records(patientID: p.id, module: "intake") else { return }
        // Corrections stand in for what they correct, under the first entry's id.
        var corrected: [Int64: StoredRecord] = [:]
        for e in entries { if let original = e.amends { corrected[original] = e } }
        let weighings = entries.filter { $0.amends == nil && $0.payload["weight"] != nil }
        guard let latest = weighings.max(by: { ($0.effectiveAt, $0.id) < ($1.effectiveAt, $1.id) }) else { return }
        let payload = corrected[latest.id]?.payload ?? latest.payload
        guard let value = payload["weight"]?["value"]?.doubleValue, let unit = payload["weight"]?["unit"]?.stringValue else { return }
        p.weightKg = unit == "lb" ? value * 0.45359237 : value
        p.weighedAt = latest.effectiveAt
        p.weightEntry = latest.id
    }

    func latest(_ p: PatientModel, _ module: String, _ kind: String) throws -> StoredRecord? {
        try session.store.records(patientID: p.id, module: module, kind: kind).last
    }

    /// The order of `visit` that has started and not ended, if any.
    func openInfusion(_ p: PatientModel, visit: Int64) throws -> Int64? {
        let entries = try session.store.records(patientID: p.id, module: "dosing", visitID: visit)
        let started = Set(entries.filter { $0.kind == "started" }.compactMap { $0.payload["order"]?.intValue })
        let ended = Set(entries.filter { ["completed", "stopped"].contains($0.kind) }.compactMap { $0.payload["order"]?.intValue })
        return started.subtracting(ended).first.map(Int64.init)
    }

    /// Judges every entry the step wrote that gives drug: an infusion started or resumed, another
    /// route recorded as given.
    func newEntries(after action: FuzzAction, command: String) throws -> String? {
        let total = Int64(try session.store.recordCount())
        guard total > lastSeen else { return nil }
        defer { lastSeen = total }
        for id in (lastSeen + 1)...total {
            // A module that says what it records itself: its kinds are its own, a response's never.
            if let (entry, _) = try session.store.entry(id: id),
               let own = session.plugins.loaded.first(where: { $0.name == entry.module })?.declaration.recordedKinds,
               (entry.payload["questionnaire"] != nil) == own.contains(entry.kind) {
                return "entry #\(id) \(entry.module) \(entry.kind) " + (own.contains(entry.kind) ? "is the module's own kind, recorded as an instrument's response"
                                                                                                 : "is no kind the module records, nor an instrument's response")
            }
            guard let (entry, patientID) = try session.store.entry(id: id), entry.module == "dosing",
                  let i = patients.firstIndex(where: { $0.id == patientID }),
                  let orderID = entry.payload["order"]?.intValue.map(Int64.init),
                  let order = try session.store.entry(id: orderID)?.record
            else { continue }
            let route = order.payload["route"]?.stringValue ?? "?"
            let total = order.payload["total_mg"]?.doubleValue ?? .nan
            switch (entry.kind, route) {
            case ("started", "iv"), ("resumed", "iv"), ("completed", "im"), ("completed", "sc"), ("completed", "in"), ("completed", "oral"):
                counts["given: \(entry.kind) \(route)", default: 0] += 1
                if let violation = try judge(entry: entry, order: order, route: route, totalMg: total, patient: patients[i]) {
                    return "\(entry.kind) order #\(orderID) (\(route), \(total) mg): \(violation)"
                }
                if entry.kind != "resumed" {
                    let mg = entry.kind == "completed" ? entry.payload["given_mg"]?.doubleValue ?? total : total
                    patients[i].doses.append(.init(order: orderID, at: entry.effectiveAt, mg: mg, ended: entry.kind == "completed"))
                    patients[i].doseSteps.append((step, orderID))
                }
            case ("completed", "iv"), ("stopped", "iv"):
                // An infusion whose gate went while it ran (consent withdrawn) is stopped, never
                // recorded as given in full.
                if entry.kind == "completed", !patients[i].consented || !patients[i].eligible {
                    return "completed order #\(orderID) (iv): recorded as given in full without \(patients[i].consented ? "a signed eligible screening" : "a consent in force")"
                }
                if let j = patients[i].doses.firstIndex(where: { $0.order == orderID }) {
                    patients[i].doses[j].mg = entry.payload["given_mg"]?.doubleValue ?? patients[i].doses[j].mg
                    patients[i].doses[j].ended = true
                }
                patients[i].doseSteps.append((step, orderID))
            default: continue
            }
        }
        return nil
    }

    /// The envelope, as the oracle reads the rules.
    func judge(entry: StoredRecord, order: StoredRecord, route: String, totalMg: Double, patient p: PatientModel) throws -> String? {
        let now = entry.effectiveAt
        if !p.eligible { return "given without a signed eligible screening" }
        if !p.consented { return "given without a consent in force" }
        if p.alert { return "given while a stop criterion stood unacknowledged" }
        if p.instrumentAlert { return "given while the clinic's instrument's alert stood unacknowledged" }
        guard let visit = entry.visitID, p.baselineVisits.contains(visit) else { return "given without baseline vital signs at the visit" }
        guard let kg = p.weightKg, let weighedAt = p.weighedAt else { return "given with no weight" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let age = calendar.dateComponents([.day], from: calendar.startOfDay(for: weighedAt), to: calendar.startOfDay(for: now)).day ?? 0
        if entry.kind != "resumed" && age > rules.weightMaxAgeDays { return "the weight was \(age) days old" }
        let weightBased = ["iv", "im", "sc"].contains(route)
        let limit = rules.hardMax[route] ?? .nan
        let amount = weightBased ? totalMg / kg : totalMg
        if !(amount <= limit + 1e-9) {
            return "\(amount) \(weightBased ? "mg/kg of the weight as typed (\(kg) kg)" : "mg") is over the hard limit \(limit)"
        }
        if route == "iv", let minutes = order.payload["minutes"]?.doubleValue, !rules.minutesHard.contains(minutes) {
            return "over \(minutes) min is outside the hard durations"
        }
        guard let planned = p.plannedAt[order.id] else { return "an order the oracle never saw planned" }
        let changed = max(p.lastChange, p.doseSteps.filter { $0.order != order.id }.map(\.step).max() ?? 0)
        if planned <= changed { return "its plan predates a change of what it was judged on (step \(planned) ≤ \(changed))" }
        // Who: a physician signed, someone else checked.
        let entries = try session.store.records(patientID: p.id, module: "dosing")
        let signed = entries.last { $0.kind == "signed" && $0.payload["order"]?.intValue == Int(order.id) }
        let verified = entries.last { $0.kind == "verified" && $0.payload["order"]?.intValue == Int(order.id) }
        guard let signed, let verified else { return "given without a signature and a double-check" }
        let physicians = Set(Self.staffRoles.filter { $0.1 == .physician }.map(\.0))
        if !physicians.contains(signed.staff) { return "signed by \(signed.staff), not a physician" }
        if verified.staff == signed.staff || verified.staff == order.staff { return "double-checked by \(verified.staff), who planned or signed it" }
        // Other doses: the interval either side, and the period and series totals (a dose started
        // and not ended counts in full).
        let others = p.doses.filter { $0.order != order.id }
        if let near = others.map({ abs($0.at.timeIntervalSince(now)) }).min(), near < rules.minIntervalHours * 3600 {
            return "another dose \(near / 3600) h away; the interval is \(rules.minIntervalHours) h"
        }
        if entry.kind != "resumed" {
            let period = others.filter { abs($0.at.timeIntervalSince(now)) < rules.periodDays * 86_400 }.reduce(0) { $0 + $1.mg }
            if period + totalMg > rules.periodMaxMg + 1e-9 { return "\(period + totalMg) mg within \(rules.periodDays) days; the most is \(rules.periodMaxMg)" }
            var series = 0.0, last = now
            for dose in others.filter({ $0.at <= now }).sorted(by: { $0.at > $1.at }) {
                guard last.timeIntervalSince(dose.at) <= rules.seriesGapDays * 86_400 else { break }
                series += dose.mg
                last = dose.at
            }
            if series + totalMg > rules.seriesMaxMg + 1e-9 { return "\(series + totalMg) mg in the series; the most is \(rules.seriesMaxMg)" }
        }
        return nil
    }

    // MARK: - Generation

    /// The next action: most often the visit's next step (so sequences reach the doses), else
    /// anything staff could type now, disruptive or not.
    func next(_ rng: inout SplitMix64) throws -> FuzzAction {
        if Int.random(in: 0..<100, using: &rng) < 60, let step = try workflowStep(&rng) { return step }
        return try anything(&rng)
    }

    /// What the visit needs next, as the staff would do it.
    func workflowStep(_ rng: inout SplitMix64) throws -> FuzzAction? {
        let p = patients[current]
        let physician = ["patel", "pia"].randomElement(using: &rng)!
        let nurse = ["nina", "nick"].randomElement(using: &rng)!
        guard let visit = session.visit else { return FuzzAction(staff: nurse, line: "visit start --kind infusion") }
        if !p.eligible {
            let decision = try latest(p, "screening", "decision")
            let checklist = try latest(p, "screening", "checklist")
            if let decision, (checklist?.id ?? 0) < decision.id { return FuzzAction(staff: physician, line: "screening sign") }
            if let checklist, checklist.id > (decision?.id ?? 0) { return FuzzAction(staff: nurse, line: "screening decide") }
            return FuzzAction(staff: nurse, line: "screening checklist intracranial=no allergy=no urinary=no sbp=128 dbp=80")
        }
        if !p.consented { return FuzzAction(staff: physician, line: "consent sign witness=\(nurse)") }
        if p.alert { return FuzzAction(staff: nurse, line: "monitoring acknowledge \"physician informed\"") }
        if p.instrumentAlert { return FuzzAction(staff: physician, line: "acknowledge sleep reviewed; plan unchanged") }
        if let at = p.weighedAt, !session.calendar.isDate(at, inSameDayAs: clock.current) {
            return FuzzAction(staff: nurse, line: "intake weight \(Int.random(in: 45...120, using: &rng))kg")
        }
        if !p.baselineVisits.contains(visit.id) {
            return FuzzAction(staff: nurse, line: "monitoring baseline sbp=128 dbp=80 hr=74 rr=14 spo2=98 temp=36.7 avpu=A")
        }
        let entries = try session.store.records(patientID: p.id, module: "dosing", visitID: visit.id)
        let plan: FuzzAction = {
            let route = ["iv", "iv", "iv", "im", "sc", "in", "oral"].randomElement(using: &rng)!
            switch route {
            case "iv": return FuzzAction(staff: physician, line: "dosing plan route=iv dose=\([0.5, 1, 1.5, 2].randomElement(using: &rng)!)mg/kg over=\([40, 60].randomElement(using: &rng)!)min conc=2mg/mL reason=\"regimen\"")
            case "im": return FuzzAction(staff: physician, line: "dosing plan route=im dose=\([0.5, 1, 1.5].randomElement(using: &rng)!)mg/kg reason=\"regimen\"")
            case "sc": return FuzzAction(staff: physician, line: "dosing plan route=sc dose=\([0.1, 0.5, 1].randomElement(using: &rng)!)mg/kg reason=\"regimen\"")
            case "in": return FuzzAction(staff: physician, line: "dosing plan route=in dose=\([20, 50, 100].randomElement(using: &rng)!)mg")
            default: return FuzzAction(staff: physician, line: "dosing plan route=oral dose=\([50, 150, 200].randomElement(using: &rng)!)mg reason=\"regimen\"")
            }
        }()
        guard let order = entries.last(where: { $0.kind == "order" }) else { return plan }
        let mine = entries.filter { $0.payload["order"]?.intValue == Int(order.id) }.map(\.kind)
        let route = order.payload["route"]?.stringValue ?? "iv"
        let dose = order.payload["dose"].map { "\(FieldSpec.format($0["value"]?.doubleValue ?? 0))\($0["unit"]?.stringValue ?? "")" } ?? ""
        if mine.contains(where: { ["completed", "stopped", "cancelled"].contains($0) }) {
            // The next dose: another day, often.
            return Int.random(in: 0..<2, using: &rng) == 0 ? FuzzAction(staff: nurse, advanceMinutes: 1440, line: "visit end") : plan
        }
        if !mine.contains("signed") { return FuzzAction(staff: physician, line: "dosing sign") }
        if !mine.contains("verified") {
            let kg = (p.weightKg ?? 70) * 100
            return FuzzAction(staff: nurse, line: "dosing verify weight=\(FieldSpec.format(kg.rounded() / 100))kg dose=\(dose)")
        }
        if route != "iv" { return FuzzAction(staff: nurse, advanceMinutes: 5, line: "dosing complete") }
        if !mine.contains("started") { return FuzzAction(staff: nurse, line: "dosing start") }
        if mine.last == "paused" { return FuzzAction(staff: physician, advanceMinutes: 5, line: "dosing resume") }
        let roll = Int.random(in: 0..<12, using: &rng)
        return FuzzAction(staff: nurse, advanceMinutes: [5, 10, 30].randomElement(using: &rng)!,
                          line: roll == 0 ? "dosing stop \"patient asked\"" : roll == 1 ? "consent withdraw mid-infusion"
                              : roll < 5 ? "dosing complete" : "monitoring vitals sbp=128 dbp=80 hr=74 rr=14 spo2=98 temp=36.7 avpu=A")
    }

    /// Anything staff could type now.
    func anything(_ rng: inout SplitMix64) throws -> FuzzAction {
        let p = patients[current]
        let who = Self.staffRoles.filter { $0.1 != .admin }.randomElement(using: &rng)!.0
        let physician = ["patel", "pia"].randomElement(using: &rng)!
        let nurse = ["nina", "nick"].randomElement(using: &rng)!
        let advance: Double = Int.random(in: 0..<4, using: &rng) == 0 ? [1, 5, 20, 60, 300, 1200, 1440, 2880].randomElement(using: &rng)! : 0
        func weight() -> String {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return "\(Int.random(in: 88...330, using: &rng))lb"
            case 1: return "\(Int.random(in: 2000...15000, using: &rng) / 100).\(String(format: "%02d", Int.random(in: 0...99, using: &rng)))kg"
            default: return "\(Int.random(in: 40...150, using: &rng))kg"
            }
        }
        let order = try latest(p, "dosing", "order")
        let orderDose = order?.payload["dose"].map { "\(FieldSpec.format($0["value"]?.doubleValue ?? 0))\($0["unit"]?.stringValue ?? "")" } ?? "0.5mg/kg"
        let typedWeight = p.weightKg.map { Int.random(in: 0..<5, using: &rng) == 0 ? "\(Int($0) + 5)kg" : "\(FieldSpec.format(($0 * 100).rounded() / 100))kg" } ?? "70kg"
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<6: return FuzzAction(staff: who, advanceMinutes: advance, line: "intake weight \(weight())")
        case 6..<8:
            let late = ClinicTime.format(clock.current.addingTimeInterval(-Double(Int.random(in: 1...120, using: &rng)) * 60), calendar: session.calendar)
            return FuzzAction(staff: who, line: "intake weight \(weight()) --at '\(late)'")
        case 8..<11: return FuzzAction(staff: who, line: "amend \(p.weightEntry ?? 1) weight=\(weight()) --reason \"typed wrong\"")
        case 11..<14: return FuzzAction(staff: physician, advanceMinutes: advance, line: "consent sign witness=\(nurse)")
        case 14..<16: return FuzzAction(staff: who, line: "consent withdraw changed her mind")
        case 16..<19:
            let sbp = Int.random(in: 0..<4, using: &rng) == 0 ? 190 : 128
            return FuzzAction(staff: who, line: "screening checklist intracranial=no allergy=no urinary=no sbp=\(sbp) dbp=80")
        case 19..<21: return FuzzAction(staff: who, line: "screening decide")
        case 21..<24: return FuzzAction(staff: physician, line: "screening sign")
        case 24..<28: return FuzzAction(staff: who, advanceMinutes: advance, line: "monitoring baseline sbp=128 dbp=80 hr=74 rr=14 spo2=98 temp=36.7 avpu=A")
        case 28..<31:
            let sbp = Int.random(in: 0..<3, using: &rng) == 0 ? 200 : 128
            return FuzzAction(staff: who, advanceMinutes: advance, line: "monitoring vitals sbp=\(sbp) dbp=80 hr=74 rr=14 spo2=98 temp=36.7 avpu=A")
        case 31..<33: return FuzzAction(staff: who, line: "monitoring acknowledge \"physician informed\"")
        case 33..<45:
            let route = ["iv", "iv", "iv", "im", "sc", "in", "oral"].randomElement(using: &rng)!
            let perKg = [0.1, 0.3, 0.5, 0.75, 1, 1.2, 1.5, 1.75, 2, 2.01, 2.5, 5].randomElement(using: &rng)!
            let mg = [10, 20, 50, 100, 101, 150, 200, 201].randomElement(using: &rng)!
            var line = "dosing plan route=\(route) dose=" + (["in", "oral"].contains(route) ? "\(mg)mg" : "\(FieldSpec.format(perKg))mg/kg")
            if route == "iv" { line += " over=\([5, 30, 40, 60, 120, 300].randomElement(using: &rng)!)min conc=\([1, 2].randomElement(using: &rng)!)mg/mL" }
            if Int.random(in: 0..<2, using: &rng) == 0 { line += " reason=\"the physician's judgement\"" }
            return FuzzAction(staff: Int.random(in: 0..<5, using: &rng) == 0 ? nurse : physician, advanceMinutes: advance, line: line)
        case 45..<52: return FuzzAction(staff: Int.random(in: 0..<6, using: &rng) == 0 ? nurse : physician, line: "dosing sign")
        case 52..<60: return FuzzAction(staff: Int.random(in: 0..<6, using: &rng) == 0 ? physician : nurse,
                                        line: "dosing verify weight=\(typedWeight) dose=\(orderDose)")
        case 60..<68: return FuzzAction(staff: who, advanceMinutes: advance, line: "dosing start")
        case 68..<71: return FuzzAction(staff: who, advanceMinutes: advance, line: "dosing pause feels dizzy")
        case 71..<74: return FuzzAction(staff: who, advanceMinutes: advance, line: "dosing resume")
        case 74..<78: return FuzzAction(staff: who, advanceMinutes: advance, line: "dosing complete")
        case 78..<80: return FuzzAction(staff: who, advanceMinutes: advance, line: "dosing stop line tissued")
        case 80..<82: return FuzzAction(staff: who, line: "dosing cancel re-planning")
        case 82..<85: return FuzzAction(staff: who, advanceMinutes: advance, line: "visit end")
        case 85..<88: return FuzzAction(staff: who, advanceMinutes: advance, line: "visit start --kind infusion")
        case 88..<91: return FuzzAction(staff: who, line: "patient open \(patients[(current + 1) % patients.count].mrn)")
        case 91..<93: return FuzzAction(staff: "ada", line: "protocol adopt \(protocols.randomElement(using: &rng)!) --physician \(physician)")
        case 93..<96:
            // Late entries of the steps that give drug, and late vital signs past a stop criterion.
            let late = ClinicTime.format(clock.current.addingTimeInterval(-Double(Int.random(in: 1...90, using: &rng)) * 60), calendar: session.calendar)
            let line = ["dosing start", "dosing complete", "dosing pause", "dosing resume",
                        "monitoring vitals sbp=200 dbp=100 hr=80 rr=14 spo2=98 temp=36.7 avpu=A"].randomElement(using: &rng)!
            return FuzzAction(staff: who, line: line + " --at '\(late)'")
        case 96..<98:
            // The clinic's insomnia scale, item 5 at its worst now and then (its alert), once
            // filled in on paper earlier.
            let q5 = Int.random(in: 1...4, using: &rng)
            let late = Int.random(in: 0..<4, using: &rng) == 0
                ? " --at '\(ClinicTime.format(clock.current.addingTimeInterval(-Double(Int.random(in: 1...60, using: &rng)) * 60), calendar: session.calendar))'" : ""
            return FuzzAction(staff: who, advanceMinutes: advance, line: "screening isi q1=2 q2=2 q3=1 q4=2 q5=\(q5) q6=1 q7=2" + late)
        case 98: return FuzzAction(staff: Int.random(in: 0..<3, using: &rng) == 0 ? "ada" : who, line: "acknowledge reviewed with the patient")
        default: return FuzzAction(staff: who, advanceMinutes: [1, 10, 30, 240, 1440].randomElement(using: &rng)!, line: "status")
        }
    }
}

enum DoseFuzzer {
    struct Failure: Error, CustomStringConvertible {
        var seed: UInt64
        var violation: String
        var script: [FuzzAction]
        var description: String {
            "seed \(seed): \(violation)\nshrunk to \(script.count) steps:\n" + script.map(\.script).joined(separator: "\n")
        }
    }

    /// Runs one generated sequence of `steps` steps; returns the actions and the first violation.
    static func run(seed: UInt64, steps: Int) throws -> (actions: [FuzzAction], violation: String?, counts: [String: Int]) {
        var rng = SplitMix64(state: seed)
        let world = try FuzzWorld()
        if let broken = try world.setUp() { return ([], broken, world.counts) }
        var actions: [FuzzAction] = []
        for _ in 0..<steps {
            let action = try world.next(&rng)
            actions.append(action)
            if let violation = try world.step(action) { return (actions, violation, world.counts) }
        }
        return (actions, nil, world.counts)
    }

    /// Replays fixed actions in a new world; the first violation, if any.
    static func replay(_ actions: [FuzzAction]) throws -> String? {
        let world = try FuzzWorld()
        if let broken = try world.setUp() { return broken }
        for action in actions { if let violation = try world.step(action) { return violation } }
        return nil
    }

    /// The shortest sequence found that still breaks the envelope: steps are dropped, halves first,
    /// then one at a time, while the violation stays.
    static func shrink(_ actions: [FuzzAction]) throws -> [FuzzAction] {
        var current = actions
        var chunk = max(1, current.count / 2)
        while chunk >= 1 {
            var i = 0
            var removed = false
            while i < current.count {
                var candidate = current
                candidate.removeSubrange(i..<Swift.min(current.count, i + chunk))
                if try replay(candidate) != nil {
                    current = candidate
                    removed = true
                } else {
                    i += chunk
                }
            }
            if !removed { chunk /= 2 }
        }
        return current
    }
}
