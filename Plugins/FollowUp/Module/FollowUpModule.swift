import ClinicKit
import Foundation

/// Follow-up: outcomes over time (pain NRS, PGIC, BPI; FIQR through screening), the repeat-treatment
/// safety check, responder analysis against the patient's baseline, the care plan beside the
/// infusions, appointments, the clinic's worklist and pictures of progress.
public final class FollowUpModule: ClinicModule {
    public init() {}

    static let acknowledgeCommand = "followup acknowledge NOTE"
    /// Its own commands that its alerts and due items name.
    static let acknowledge = CommandReference("followup", "acknowledge")
    static let review = CommandReference("followup", "review")
    static let nrs = CommandReference("followup", "nrs")
    static let days = MeasureUnit("d", aliases: ["day", "days"], dimension: "time", factor: 1)
    static let weeks = MeasureUnit("w", aliases: ["wk", "week", "weeks"], dimension: "time", factor: 7)

    static let settings: [SettingSpec] = [
        SettingSpec("followup.nrs_mild_max", .integer(1...8, unit: "points"), summary: "pain NRS up to this is mild (above, moderate)"),
        SettingSpec("followup.nrs_moderate_max", .integer(2...9, unit: "points"), summary: "pain NRS up to this is moderate (above, severe)"),
        SettingSpec("followup.responder_moderate_percent", .integer(5...95, unit: "%"), summary: "a fall from baseline of this much is a moderate response"),
        SettingSpec("followup.responder_substantial_percent", .integer(10...100, unit: "%"), summary: "a fall from baseline of this much is a substantial response"),
        SettingSpec("followup.series_infusions", .integer(1...20, unit: "infusions"), summary: "infusions in a series, as followup schedule series plans them"),
        SettingSpec("followup.series_interval_days", .integer(1...14, unit: "days"), summary: "days between the infusions of a series"),
        SettingSpec("followup.call_after_days", .integer(1...60, unit: "days"), summary: "a follow-up call this long after a series' last infusion"),
        SettingSpec("followup.booster_interval_days", .integer(7...180, unit: "days"), summary: "the booster infusion this long after a series' last infusion"),
        SettingSpec(OpenDays.weekdaysKey, .text(maxLength: 100), summary: "the weekdays the clinic books appointments on (mon-fri, or mon wed fri)"),
        SettingSpec(OpenDays.closedKey, .text(maxLength: 4000), summary: "the dates the clinic is closed (YYYY-MM-DD, separated by spaces): no appointment is booked on them"),
        SettingSpec("followup.worklist_days", .integer(1...90, unit: "days"), summary: "how far ahead followup due looks unless told"),
    ]

    public let declaration = ModuleDeclaration(
        manifest: ModuleManifest(name: "followup", version: "0.1.0",
                                 summary: "outcomes, responders, the care plan, appointments and the worklist, progress charts", order: 60),
        commands: [
            CommandSpec("nrs", summary: "pain NRS over the past week: average and worst (0–10)",
                        fields: [Outcomes.nrsField("average", "average pain over the past 7 days"), Outcomes.nrsField("worst", "worst pain over the past 7 days"),
                                 Outcomes.nrsField("now", "pain right now", required: false)],
                        roles: Role.clinical, discussion: "At any visit or by phone. Example: followup nrs average=4 worst=7"),
            CommandSpec("safety", summary: "before more infusions: urinary symptoms, and whether liver tests are due",
                        fields: [
                            FieldSpec("frequency", .yesNo, help: "passing urine more often than before"),
                            FieldSpec("urgency", .yesNo, help: "sudden urges to pass urine"),
                            FieldSpec("pain", .yesNo, help: "pain passing urine, or above the pubic bone"),
                            FieldSpec("blood", .yesNo, help: "blood in the urine"),
                            FieldSpec("note", .text(maxLength: 500), required: false, help: "anything else", identifying: true),
                        ],
                        roles: Role.clinical,
                        discussion: "Ketamine has caused cystitis, mostly in recreational use, and liver injury with repeated infusions (REFERENCE.md 3.6): any urinary symptom or liver tests due stands as an alert."),
            CommandSpec("acknowledge", summary: "a clinician acknowledges the standing follow-up alerts, with what was done",
                        fields: [FieldSpec("note", .text(maxLength: 1000), help: "what was done: urinalysis sent, referral, bloods taken", positional: true, identifying: true)],
                        roles: Role.clinical),
            CommandSpec("response", summary: "responder analysis: pain and FIQR against the baseline, and how long relief lasted",
                        roles: Role.clinical),
            CommandSpec("plan", summary: "add a treatment to the care plan beside the infusions, with its goal, provider and review date",
                        fields: [
                            FieldSpec("kind", .choice(Schedule.planKinds), help: "what kind of treatment", positional: true, sample: "medication"),
                            FieldSpec("name", .text(maxLength: 200), help: "the treatment (duloxetine 60 mg daily, weekly CBT)", positional: true, identifying: true),
                            FieldSpec("goal", .text(maxLength: 300), help: "what it is for, in the patient's terms", identifying: true),
                            FieldSpec("provider", .text(maxLength: 200), help: "who provides it"),
                            FieldSpec("review", .date(partial: false, notInFuture: false), help: "when to review it (it appears on the worklist)"),
                        ],
                        roles: Role.clinical, discussion: "Example: followup plan medication \"duloxetine 60 mg\" goal=\"sleep and pain\" provider=\"Dr Patel\" review=2027-01-15"),
            CommandSpec("review", summary: "review a care-plan item: a note, the next review date, or its end",
                        fields: [
                            FieldSpec("item", .text(maxLength: 200), help: "the plan item: its number (followup show) or the start of its name", positional: true, sample: "duloxetine"),
                            FieldSpec("note", .text(maxLength: 500), required: false, help: "how it is going", identifying: true),
                            FieldSpec("next", .date(partial: false, notInFuture: false), required: false, help: "the next review date"),
                            FieldSpec("end", .yesNo, required: false, help: "yes: the treatment has stopped"),
                        ],
                        roles: Role.clinical),
            CommandSpec("schedule", summary: "book an appointment on a date, or the protocol's series: infusions, a call, a booster",
                        fields: [
                            FieldSpec("when", .text(maxLength: 20), help: "a date (2026-12-01, T+7), or series for the protocol's pattern", positional: true, sample: "T+7"),
                            FieldSpec("kind", .choice(Schedule.kinds), required: false, help: "infusion, call, visit or labs (default call)"),
                            FieldSpec("start", .date(partial: false, notInFuture: false), required: false, help: "with series: the first infusion's date (default today)"),
                            FieldSpec("note", .text(maxLength: 300), required: false, help: "what it is for", identifying: true),
                        ],
                        roles: Role.clinical,
                        discussion: """
                        followup schedule 2026-12-01 kind=call
                        followup schedule series start=2026-12-01: the protocol's series of infusions, a follow-up call after it, and a booster, \
                        on the days the clinic is open (followup.open_weekdays, followup.closed_dates). Infusions of the series already given \
                        are counted (a gap of followup.booster_interval_days starts a new series). A visit started for an appointment ticks it off.
                        """),
            CommandSpec("cancel", summary: "cancel a booked appointment",
                        fields: [FieldSpec("item", .text(maxLength: 20), help: "the appointment: its number (followup show) or its date", positional: true, sample: "2026-12-01"),
                                 FieldSpec("reason", .text(maxLength: 300), help: "why", positional: true, identifying: true)],
                        roles: Role.clinical),
            CommandSpec("due", summary: "the clinic's worklist: every patient's calls, infusions, lab checks and reviews due or overdue",
                        fields: [FieldSpec("within", .quantity(units: [days, weeks], range: 0...365), required: false,
                                           help: "how far ahead (default the protocol's followup.worklist_days)", sample: "7d")],
                        roles: Role.clinical, needsPatient: false),
            CommandSpec("trend", summary: "a chart of pain and FIQR over time, the infusion days marked, and each instrument followed over time",
                        roles: Role.clinical),
            CommandSpec("show", summary: "the patient's outcomes, care plan and appointments", roles: Role.clinical),
        ],
        facts: [
            FactSpec("followup.responder", summary: "the latest pain NRS is down at least the moderate threshold from baseline", establishedBy: "followup nrs", isStep: false),
            FactSpec("followup.baseline", summary: "a baseline pain NRS and FIQR were taken before the first infusion", establishedBy: "followup nrs"),
        ],
        settings: settings,
        uses: ModuleUses(commands: [Uses.visitStart, Uses.plan, Uses.lft], records: [Uses.completed, Uses.stopped, Uses.liverTests, Uses.fiqr, Uses.visitStarted]))
        // What its own commands record; an instrument given as data may join it under another kind.
        .recording(["nrs", "safety", "acknowledged", "plan", "reviewed", "scheduled", "cancelled"])

    /// Other modules' records follow-up reads: the doses given, and screening's FIQR.
    enum Uses {
        static let completed = RecordReference("dosing", "completed", fields: ["given_mg"])
        static let stopped = RecordReference("dosing", "stopped", fields: ["given_mg"])
        static let fiqr = RecordReference("screening", "fiqr", fields: ["total"])
        static let liverTests = RecordReference("dosing", "lft")
        /// The shell's entry for a visit started: what ticks off the appointment it was booked as.
        static let visitStarted = RecordReference("visit", "started", fields: ["kind"])
        /// The commands its due appointments tell staff to type: the shell's and dosing's.
        static let visitStart = CommandReference("visit", "start")
        static let plan = CommandReference("dosing", "plan")
        static let lft = CommandReference("dosing", "lft")

        /// The doses given: completed or stopped with some drug given, oldest first.
        static func doses(in record: any RecordReader) throws -> [StoredRecord] {
            (try record.records(completed) + record.records(stopped))
                .filter { ($0.payload["given_mg"]?.doubleValue ?? 0) > 0 }
                .sorted { $0.id < $1.id }
        }
    }

    public func check(_ p: ClinicProtocol) -> [String] {
        var out: [String] = []
        if let mild = try? p.integer("followup.nrs_mild_max"), let moderate = try? p.integer("followup.nrs_moderate_max"), mild >= moderate {
            out.append("followup.nrs_mild_max \(mild) must be below followup.nrs_moderate_max \(moderate)")
        }
        if let weekdays = try? p.text(OpenDays.weekdaysKey), let closed = try? p.text(OpenDays.closedKey),
           case .failure(let problem) = OpenDays.parse(weekdays: weekdays, closed: closed) {
            out.append(problem.text)
        }
        if let m = try? p.integer("followup.responder_moderate_percent"), let s = try? p.integer("followup.responder_substantial_percent"), m >= s {
            out.append("followup.responder_moderate_percent \(m) must be below followup.responder_substantial_percent \(s)")
        }
        return out
    }

    public func run(_ invocation: Invocation, in context: any ModuleContext) throws -> CommandOutput {
        switch invocation.verb {
        case "nrs": return try outcome(invocation, in: context)
        case "safety": return try safety(invocation, in: context)
        case "acknowledge": return try acknowledge(invocation, in: context)
        case "response": return try response(in: context)
        case "plan", "review": return try plan(invocation, in: context)
        case "schedule", "cancel": return try schedule(invocation, in: context)
        case "due": return try worklist(invocation, in: context)
        case "trend": return CommandOutput(Chart.text(try Self.chartData(in: context), calendar: context.calendar).map(OutputBlock.line))
        case "show": return try show(in: context)
        default: throw CommandError("followup has no command '\(invocation.verb)'", hint: "type help followup")
        }
    }

    static func thresholds(_ p: ClinicProtocol) throws -> Responders.Thresholds {
        Responders.Thresholds(moderate: Double(try p.integer("followup.responder_moderate_percent")),
                              substantial: Double(try p.integer("followup.responder_substantial_percent")))
    }

    static func hhmm(_ date: Date, _ record: any RecordReader) -> String { ClinicTime.format(date, calendar: record.calendar) }
}

/// What the module offers beyond its commands and facts; the methods are in this module's files.
extension FollowUpModule: SettingsCheckingModule, AlertingModule, SchedulingModule, SummarizingModule, ReportingModule, FHIRExportingModule {}
