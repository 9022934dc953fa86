import ClinicKit
import ClinicKitFHIR
import Foundation

/// Intake: the patient's measurements, fibromyalgia history, symptoms, earlier treatments,
/// comorbidities and practical readiness, recorded once per visit that needs them.
public final class IntakeModule: ClinicModule {
    public init() {}

    /// The weight alone, also typed without its name (`intake weight 72kg`).
    static let weighing: FieldSpec = {
        var field = IntakeFields.weight
        field.isPositional = true
        return field
    }()

    public let declaration = ModuleDeclaration(
        manifest: ModuleManifest(
            name: "intake", version: "1.0.0",
            summary: "weight, height, fibromyalgia history, symptoms, treatments tried, comorbidities, escort",
            order: 10),
        commands: [
            CommandSpec(
                "record", summary: "record the patient's intake (missing fields are asked for one by one)",
                fields: IntakeFields.all, roles: Role.clinical, needsPatient: true, needsVisit: true,
                discussion: """
                    Example:
                      intake record weight=72kg height=165cm allergies=none medications="duloxetine 60 mg" \\
                        diagnosed=2019 pain_months=84 symptoms=widespread-pain,fatigue,sleep,fibro-fog \\
                        onset=stress treatments="duloxetine:partial, cbt:no-effect" comorbidities=none \\
                        pregnancy=no escort=yes
                    Weight and height take their unit (kg or lb, cm or in); BMI is computed.
                    A new intake supersedes the earlier one; both stay in the record.
                    """),
            CommandSpec("weight", summary: "weigh the patient again (the dose is worked out from today's weight)",
                        fields: [weighing], roles: Role.clinical, needsPatient: true, needsVisit: true,
                        discussion: "Example: intake weight 72kg (or weight=158lb). The latest weight, from here or from intake record, is intake.weight."),
            CommandSpec("show", summary: "show the patient's latest intake", roles: Role.clinical, needsPatient: true),
        ],
        facts: [
            FactSpec("intake.complete", summary: "an intake has been recorded for the patient", establishedBy: "intake record"),
            FactSpec("intake.weight", summary: "the patient's latest weight in kg, with the date it was taken", establishedBy: "intake record"),
        ],
        records: [
            RecordSpec("intake", summary: "an intake form as recorded (intake record), or as corrected", fields: [
                RecordField("comorbidities", "the conditions ticked, a list of words (cardiovascular, psychiatric, hepatic, substance-use, respiratory, none)"),
                RecordField("allergies", "the allergies listed, a list of texts (none when there are none)"),
                RecordField("weight", "the weight, in kg"),
            ]),
        ])

    public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "record": return try record(invocation, in: context)
        case "show": return try show(in: context)
        case "weight": return try weigh(invocation, in: context)
        default: throw CommandError("intake has no command '\(invocation.verb)'", hint: "type help intake")
        }
    }

    public func facts(from record: any RecordReader) throws -> [Fact] {
        let all = try record.records(module: "intake", kind: nil, visitOnly: false)
        var facts: [Fact]
        if let latest = all.last(where: { $0.kind == IntakeFields.recordKind }) {
            let when = ClinicTime.format(latest.effectiveAt, calendar: record.calendar)
            facts = [Fact.present("intake.complete", "recorded \(when) by \(latest.staff)", asOf: latest.effectiveAt)]
        } else {
            facts = [.missing("intake.complete", "no intake recorded for \(record.patient.mrn)")]
        }
        // The newest weighing, by when it was taken: an intake's or a weight of its own.
        let weighings = all.filter { $0.payload["weight_kg"]?.doubleValue != nil }
        if let latest = weighings.max(by: { ($0.effectiveAt, $0.id) < ($1.effectiveAt, $1.id) }), let stored = latest.payload["weight_kg"]?.doubleValue {
            let when = ClinicTime.format(latest.effectiveAt, calendar: record.calendar)
            // The value is the weight as typed, converted exactly (220 lb is 99.790321… kg), never
            // the rounded kg shown: a dose's limits are checked per kg of what the scale said.
            let typed = latest.payload["weight"].flatMap { Quantity($0, units: [.kilogram, .pound]) }
            let kg = typed?.value(in: .kilogram) ?? stored
            let entered = typed.map { $0.unit == .kilogram ? "" : " (\(FieldSpec.format($0.value)) \($0.unit.symbol))" } ?? ""
            facts.append(.present("intake.weight", "\(IntakeFields.oneDecimal(kg)) kg\(entered) on \(when) (#\(latest.id))", value: .double(kg),
                                  asOf: latest.effectiveAt, basis: [latest.id]))
        } else {
            facts.append(.missing("intake.weight", "no weight recorded for \(record.patient.mrn)"))
        }
        return facts
    }

    // MARK: - weight

    private func weigh(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        guard let w = invocation["weight"].flatMap({ Quantity($0, units: [.kilogram, .pound]) }) else {
            throw CommandError("intake weight needs the weight", hint: "type e.g. intake weight 72kg")
        }
        let kg = w.value(in: .kilogram)
        let stored = try context.append(RecordDraft(kind: "weight", payload: ["weight": w.asValue, "weight_kg": .double(IntakeFields.round2(kg))]))
        let entered = w.unit == .kilogram ? "" : " (\(FieldSpec.format(w.value)) \(w.unit.symbol))"
        return .lines("recorded weight #\(stored.id) · \(IntakeFields.oneDecimal(kg)) kg\(entered)")
    }

    // MARK: - record

    private func record(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        let ageInMonths = context.patient.ageInMonths(on: context.now, calendar: context.calendar)
        let intake = try IntakeFields.payload(from: invocation, patient: context.patient, ageInMonths: ageInMonths)
        let stored = try context.append(RecordDraft(kind: IntakeFields.recordKind, payload: intake.payload))
        var out = CommandOutput()
        let escort = intake.payload["escort"]?.boolValue == true ? "yes" : "no"
        out.line("recorded intake #\(stored.id) · \(intake.summary) · escort: \(escort)")
        for warning in intake.warnings { out.alert(warning) }
        return out
    }

    // MARK: - show

    private func show(in context: any ModuleContext) throws -> CommandOutput {
        let all = try context.records(module: "intake", kind: IntakeFields.recordKind)
        guard let latest = all.last else {
            throw CommandError("no intake recorded for \(context.patient.mrn)", hint: "start a visit and run intake record")
        }
        var out = CommandOutput()
        let when = ClinicTime.format(latest.effectiveAt, calendar: context.calendar)
        out.line("intake #\(latest.id) · \(when) · \(latest.staff)" + (all.count > 1 ? " · \(all.count - 1) earlier" : ""))
        out.table(["field", "value"], IntakeFields.describe(latest.payload))
        return out
    }
}

extension IntakeModule {
    /// Intake's entries on the visit's timeline: the measurements, not the whole form.
    public func summary(of entry: StoredRecord) -> EntrySummary? {
        let p = entry.payload
        var parts: [String] = []
        if let kg = p["weight_kg"]?.doubleValue { parts.append("\(IntakeFields.oneDecimal(kg)) kg") }
        if let cm = p["height_cm"]?.doubleValue { parts.append("\(IntakeFields.oneDecimal(cm)) cm") }
        if let bmi = p["bmi"]?.doubleValue { parts.append("BMI \(IntakeFields.oneDecimal(bmi))") }
        if let escort = p["escort"]?.boolValue { parts.append("escort \(escort ? "yes" : "no")") }
        return EntrySummary((entry.kind == "weight" ? "weighed: " : "intake: ") + parts.joined(separator: " · "))
    }
}

extension IntakeModule {
    /// Intake entries are corrected field by field, as the form takes them (`weight=70kg`), and
    /// worked out again whole: weight in kg, height in cm, BMI, the form's checks.
    public func amend(_ entry: StoredRecord, changes: [String: String], record: any RecordReader) throws -> Value {
        let verb = entry.kind == "weight" ? "weight" : "record"
        guard let command = declaration.commands.first(where: { $0.verb == verb }) else { throw CommandError("intake has no \(verb) form") }
        var values = entry.payload.objectValue?.filter { name, _ in command.fields.contains { $0.name == name } } ?? [:]
        let today = record.calendar.dateComponents([.year, .month, .day], from: record.now)
        for (name, text) in changes {
            guard let field = command.fields.first(where: { $0.name == name }) else {
                throw CommandError("intake \(entry.kind) has no field '\(name)'", hint: "its fields are " + command.fields.map(\.name).joined(separator: ", "))
            }
            do { values[name] = try field.parse(text, today: today) } catch { throw CommandError("\(name): \(error.problem)", hint: error.hint) }
        }
        if verb == "weight" {
            guard let w = values["weight"].flatMap({ Quantity($0, units: [.kilogram, .pound]) }) else { throw CommandError("a weighing needs its weight") }
            return ["weight": w.asValue, "weight_kg": .double(IntakeFields.round2(w.value(in: .kilogram)))]
        }
        let ageInMonths = record.patient.ageInMonths(on: entry.effectiveAt, calendar: record.calendar)
        return try IntakeFields.payload(from: Invocation(verb: "record", values: values), patient: record.patient, ageInMonths: ageInMonths).payload
    }
}

extension IntakeModule {
    /// Weight, height and BMI as vital-sign Observations (LOINC 29463-7, 8302-2, 39156-5; UCUM kg,
    /// cm, kg/m2: REFERENCE.md 8, S114), from every intake and weighing.
    public func fhir(from record: any RecordReader) throws -> [FHIRResource] {
        try record.records(module: "intake", kind: nil, visitOnly: false).flatMap { entry -> [FHIRResource] in
            let p = entry.payload
            var out: [Value] = []
            if let kg = p["weight_kg"]?.doubleValue {
                out.append(FHIRExport.observation(id: "intake-\(entry.id)-weight", entry: entry, loinc: "29463-7", "Body weight", value: FHIRExport.quantity(kg, "kg")))
            }
            if let cm = p["height_cm"]?.doubleValue {
                out.append(FHIRExport.observation(id: "intake-\(entry.id)-height", entry: entry, loinc: "8302-2", "Body height", value: FHIRExport.quantity(cm, "cm")))
            }
            if let bmi = p["bmi"]?.doubleValue {
                out.append(FHIRExport.observation(id: "intake-\(entry.id)-bmi", entry: entry, loinc: "39156-5", "Body mass index (BMI) [Ratio]",
                                                  value: FHIRExport.quantity(bmi, "kg/m2")))
            }
            return out.map { FHIRResource($0, from: [entry]) }
        }
    }
}

/// What the module offers beyond its commands and facts; the methods are in this module's files.
extension IntakeModule: SummarizingModule, AmendingModule, FHIRExportingModule {}
