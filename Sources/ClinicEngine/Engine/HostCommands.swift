import ClinicKit
import ClinicStorage
import Foundation

/// The shell's own commands, declared like a module's so that parsing, prompting, completion and
/// help treat them the same.
package enum HostCommands {
    /// The engine's commands; the script layer adds its own (`ScriptCommands`).
    package static let table = HostCommandTable(entries: entries, groupSummaries: groupSummaries, aliases: ["password": ["user", "password"]])

    static let everyone = Set(Role.all)
    static let visitKinds = [Choice("infusion", "an infusion day"), Choice("consult", "a consultation, intake or screening"),
                             Choice("follow-up", "a follow-up, in person or by phone", aliases: ["followup"])]
    static let roleChoices = Role.all.map { Choice($0.rawValue, $0.rawValue) }
    static let sexChoices = [Choice("F", "female", aliases: ["female"]), Choice("M", "male", aliases: ["male"]),
                             Choice("X", "not stated, intersex, or neither", aliases: ["other", "unspecified"])]

    static let groupSummaries = [
        "patient": "register, find, open, show and correct patients",
        "visit": "start and end the open patient's visit, and show its timeline",
        "user": "staff accounts: who they are; an admin adds, unlocks and changes them",
        "clock": "a sandbox's simulated clock",
        "protocol": "the clinic protocol: the settings in force, and checking a new file",
        "report": "a patient's printable report",
        "audit": "verify the record's integrity; who did what, when",
        "export": "the record in formats other systems read (FHIR R4)",
        "db": "the database's own upkeep (admin): rebuild what falls due from the record",
    ]

    private static func host(_ words: [String], _ spec: CommandSpec, open: Bool = false, replayed: Bool = true,
                             handler: HostHandler? = nil) -> CatalogEntry {
        CatalogEntry(host: words, spec: spec, isOpen: open, isReplayed: replayed, handler: handler)
    }

    private static func text(_ name: String, _ help: String, required: Bool = true, positional: Bool = true) -> FieldSpec {
        FieldSpec(name, .text(maxLength: 4000), required: required, help: help, positional: positional)
    }

    static let entries: [CatalogEntry] = [
        host(["help"], CommandSpec("help", summary: "list the commands, or explain one: help patient new",
                                   fields: [FieldSpec("topic", .text(maxLength: 80), required: false, help: "a command or module", positional: true)],
                                   roles: everyone, needsPatient: false), open: true) { v, session in Help.text(topic: v["topic"]?.stringValue, in: session) },
        host(["modules"], CommandSpec("modules", summary: "list the modules found, loaded or refused (and why)", roles: everyone, needsPatient: false), open: true) { v, session in Help.modules(session.plugins) },
        host(["status"], CommandSpec("status", summary: "the open patient and visit, and the workflow checklist", roles: everyone, needsPatient: false)) { v, session in try Status.text(in: session) },
        host(["login"], CommandSpec("login", summary: "sign in (asks for the password)",
                                    fields: [FieldSpec("user", .text(maxLength: 32), help: "your sign-in name", positional: true)],
                                    roles: everyone, needsPatient: false), open: true) { v, session in try Accounts.login(v["user"]?.stringValue ?? "", in: session) },
        host(["logout"], CommandSpec("logout", summary: "sign out and close the patient", fields: [FieldSpec("force", .yesNo, required: false, help: "leave even though the open patient's infusion is running or paused (a script must say so)")], roles: everyone, needsPatient: false)) { v, session in
            let who = session.staff?.username ?? "nobody"
            session.signOut()
            return .lines("\(who) signed out")
        },
        host(["as"], CommandSpec("as", summary: "run one command as another member of staff, who types their password: as patel dosing resume",
                                 fields: [FieldSpec("user", .text(maxLength: 32), help: "their sign-in name", positional: true),
                                          FieldSpec("command", .text(maxLength: 4000), help: "the command, as they would type it", positional: true)],
                                 roles: everyone, needsPatient: false,
                                 discussion: "The command is theirs: their roles, their name on the record, their password as its signature. Then the shell is yours again, with the same patient and visit open.")) { _, _ in
            // Session.execute runs `as` itself, before the catalog; this entry is for help and completion.
            throw CommandError("as needs a name and a command", hint: "type e.g. as patel dosing resume")
        },
        host(["whoami"], CommandSpec("whoami", summary: "who is signed in", roles: everyone, needsPatient: false), open: true) { v, session in Accounts.whoami(in: session) },
        host(["user", "list"], CommandSpec("list", summary: "the clinic's staff: sign-in names, roles, and accounts locked or waiting for a password",
                                           roles: everyone, needsPatient: false)) { _, session in try Accounts.list(in: session) },
        host(["user", "add"], CommandSpec("add", summary: "add a member of staff (asks for their first password)",
                                          fields: [FieldSpec("user", .text(maxLength: 32), help: "sign-in name: lower-case letters, digits, . - _", positional: true),
                                                   FieldSpec("role", .choices(roleChoices), help: "nurse, physician or admin; several with commas")],
                                          roles: [.admin], needsPatient: false,
                                          discussion: "Without a terminal the password comes from CLINIC_NEW_PASSWORD.")) { v, session in try Accounts.add(v["user"]?.stringValue ?? "", roles: Set((v["role"]?.stringArray ?? []).map(Role.init(rawValue:))), in: session) },
        host(["user", "unlock"], CommandSpec("unlock", summary: "unlock an account locked by wrong passwords",
                                             fields: [FieldSpec("user", .text(maxLength: 32), help: "the sign-in name", positional: true)],
                                             roles: [.admin], needsPatient: false)) { v, session in try Accounts.unlock(v["user"]?.stringValue ?? "", in: session) },
        host(["user", "roles"], CommandSpec("roles", summary: "change a member of staff's roles",
                                            fields: [FieldSpec("user", .text(maxLength: 32), help: "the sign-in name", positional: true),
                                                     FieldSpec("role", .choices(roleChoices), help: "nurse, physician or admin; several with commas")],
                                            roles: [.admin], needsPatient: false,
                                            discussion: "The roles hold from that member of staff's next command, on every workstation. The clinic keeps an administrator whose account is not locked.")) { v, session in
            try Accounts.setRoles(v["user"]?.stringValue ?? "", roles: Set((v["role"]?.stringArray ?? []).map(Role.init(rawValue:))), in: session)
        },
        host(["user", "password"], CommandSpec("password", summary: "change your password; an admin sets a temporary one for another",
                                               fields: [FieldSpec("user", .text(maxLength: 32), required: false, help: "another member of staff (admin only); yours if left out", positional: true)],
                                               roles: everyone, needsPatient: false,
                                               discussion: """
                                                   Your own: asks your current password, then the new one twice. Another's (admin): a temporary password, \
                                                   which serves only to choose their own when they next sign in; it signs and witnesses nothing. \
                                                   Without a terminal the passwords come from CLINIC_PASSWORD and CLINIC_NEW_PASSWORD.
                                                   """)) { v, session in
            try Accounts.changePassword(v["user"]?.stringValue, in: session)
        },
        host(["patient", "new"], CommandSpec("new", summary: "register a patient and open them",
                                             fields: [FieldSpec("name", .text(maxLength: 200), help: "full name as on their ID", identifying: true),
                                                      FieldSpec("dob", .date(partial: false, notInFuture: true), help: "date of birth", identifying: true),
                                                      FieldSpec("sex", .choice(sexChoices), help: "F, M or X"),
                                                      FieldSpec("mrn", .text(maxLength: 20), required: false,
                                                                help: "medical record number; one is made (C000001) if left out"),
                                                      FieldSpec("force", .yesNo, required: false, help: "leave even though the open patient's infusion is running or paused (a script must say so)"),
                                                      FieldSpec("duplicate", .yesNo, required: false, help: "register even though a patient with the same name and date of birth exists (asked at a terminal; a script must say so)")],
                                             needsPatient: false)) { v, session in try Patients.register(v, in: session) },
        host(["patient", "correct"], CommandSpec("correct", summary: "correct the open patient's name, date of birth or sex, with the reason",
                                                 fields: [FieldSpec("name", .text(maxLength: 200), required: false, help: "full name as on their ID", identifying: true),
                                                          FieldSpec("dob", .date(partial: false, notInFuture: true), required: false, help: "date of birth", identifying: true),
                                                          FieldSpec("sex", .choice(sexChoices), required: false, help: "F, M or X"),
                                                          FieldSpec("reason", .text(maxLength: 500), help: "why: what was wrong", identifying: true)],
                                                 discussion: "The MRN never changes. The first registration stays in the record; audit verify checks the patients table against both.")) { v, session in try Patients.correct(v, in: session) },
        host(["patient", "open"], CommandSpec("open", summary: "open a patient by MRN, or #ID for an internal id",
                                              fields: [FieldSpec("patient", .text(maxLength: 40), help: "MRN, or #ID (patient list shows ids)", positional: true), FieldSpec("force", .yesNo, required: false, help: "leave even though the open patient's infusion is running or paused (a script must say so)")],
                                              needsPatient: false)) { v, session in try Patients.open(v["patient"]?.stringValue ?? "", in: session) },
        host(["patient", "list"], CommandSpec("list", summary: "list patients", needsPatient: false)) { v, session in try Patients.list(try session.store.allPatients(), in: session, empty: "no patients yet; type patient new") },
        host(["patient", "find"], CommandSpec("find", summary: "find patients by name or MRN",
                                              fields: [FieldSpec("text", .text(maxLength: 80), help: "part of a name or MRN", positional: true, identifying: true)],
                                              needsPatient: false)) { v, session in
            // Names are stored in NFC: the text typed is read the same way.
            let text = Patients.normalized(v["text"]?.stringValue ?? "")
            return try Patients.list(try session.store.patients(matching: text), in: session, empty: "no patient matches '\(text)'")
        },
        host(["patient", "show"], CommandSpec("show", summary: "the open patient's details, visits and record")) { v, session in try Patients.show(in: session) },
        host(["visit", "start"], CommandSpec("start", summary: "start a visit for the open patient: visit start --kind infusion --chair 3",
                                             fields: [FieldSpec("kind", .choice(visitKinds), help: "the kind of visit: infusion, consult or follow-up"),
                                                      FieldSpec("chair", .text(maxLength: 20), required: false, help: "the chair or room, shown on the board (3, room B)")])) { v, session in try Visits.start(kind: v["kind"]?.stringValue ?? "infusion", chair: v["chair"]?.stringValue, in: session) },
        host(["board"], CommandSpec("board", summary: "every infusion running, paused or awaiting discharge today, in every chair",
                                    roles: everyone, needsPatient: false,
                                    discussion: "Chair, patient, state, minutes run, mg given, who took the last vital signs, what is due next and the alerts standing; from every workstation on this database.")) { v, session in try Board.text(in: session) },
        host(["visit", "end"], CommandSpec("end", summary: "end the open visit", needsVisit: true)) { v, session in try Visits.end(in: session) },
        host(["visit", "timeline"], CommandSpec("timeline", summary: "the visit's entries in order, timed from the infusion's start",
                                                fields: [FieldSpec("visit", .integer(1...Int(Int32.max)), required: false,
                                                                   help: "the visit's number (default: the open visit, else the latest)", positional: true)],
                                                discussion: "Orders, signatures, the infusion's start, pauses and end, every vitals row with its NEWS2, alerts and their acknowledgements, events and the discharge, as a table.")) { v, session in try Timeline.text(visitID: v["visit"]?.intValue, in: session) },
        host(["report", "patient"], CommandSpec("patient", summary: "write the open patient's one-page report (HTML, to print)",
                                                fields: [FieldSpec("out", .text(maxLength: 4000), required: false,
                                                                   help: "the new HTML file (default report-MRN-DATE-TIME.html here)")],
                                                discussion: "Each module adds its part: outcomes with a chart, the treatment history, adverse events. The file is created 0600 and never overwritten."), replayed: false) { v, session in try Report.write(out: v["out"]?.stringValue, in: session) },
        host(["audit", "verify"], CommandSpec("verify", summary: "check the record is complete and unaltered: every hash chain, and the tables rebuilt from them",
                                              fields: [FieldSpec("head", .list(maxItems: 10), required: false,
                                                                 help: "heads noted earlier (audit head), which the record must still give"),
                                                       FieldSpec("anchors", .text(maxLength: 4000), required: false,
                                                                 help: "a file of heads the program appended (clinic.anchor_file), each checked")],
                                              roles: everyone, needsPatient: false,
                                              discussion: "Walks the record, journal, protocols, access and changes chains from their first entries, rebuilds staff, patients, visits and the database's mode from them and compares row by row, and checks a live record's times never go backwards. Names every problem: the entry, when and by whom it was written, what is wrong. A backup is verified where it lies: clinic audit verify --db FILE.")) { v, session in
            try Audit.verify(heads: v["head"]?.stringArray ?? [], anchors: v["anchors"]?.stringValue, in: session)
        },
        host(["db", "rebuild"], CommandSpec("rebuild", summary: "work out again what falls due for every patient, from the record",
                                            roles: [.admin], needsPatient: false,
                                            discussion: "The clinic's worklist reads what falls due from a table the modules keep as the record changes; it is worked out again by itself when a module or the protocol changes. This does it now, for every patient: audit verify says when it is needed.")) { _, session in
            let count = try DueProjection.rebuild(in: session)
            return .lines("worked out what falls due for \(count) patient\(count == 1 ? "" : "s") from their record")
        },
        host(["audit", "head"], CommandSpec("head", summary: "the record's head: write it down or send it elsewhere, and verify --head finds a cut or rewrite later",
                                            roles: everyone, needsPatient: false)) { _, session in .lines(try Audit.head(of: session.store)) },
        host(["audit", "log"], CommandSpec("log", summary: "who did what, when: the record's entries, with corrections beside what they correct",
                                           fields: [FieldSpec("patient", .text(maxLength: 40), required: false, help: "only this patient (MRN, or #ID)"),
                                                    FieldSpec("user", .text(maxLength: 32), required: false, help: "only this member of staff"),
                                                    FieldSpec("since", .text(maxLength: 40), required: false, help: "recorded since: 2026-11-24, '2026-11-24 09:00', 09:00")],
                                           roles: [.admin, .physician], needsPatient: false,
                                           discussion: "The latest 500 entries at most. Every command typed, with its outcome, is in the journal: record export writes it.")) { v, session in try Audit.log(patient: v["patient"]?.stringValue, user: v["user"]?.stringValue, since: v["since"]?.stringValue, in: session) },
        {
            var amend = host(["amend"], CommandSpec("amend", summary: "correct fields of an entry: amend ENTRY field=value --reason TEXT",
                                                    fields: [FieldSpec("entry", .integer(1...Int(Int32.max)), help: "the entry's number (visit timeline, audit log)", positional: true),
                                                             FieldSpec("reason", .text(maxLength: 500), help: "why: what was wrong", identifying: true)],
                                                    discussion: "Example: amend 57 weight=70kg --reason \"72 was typed for 70\"\nThe module that wrote the entry works the correction out again, or refuses (orders, scores and signatures are recorded again instead). The first entry stays in the record, shown beside its correction."))
            amend.handler = { v, session in try Audit.amend(v, in: session) }
            amend.takesOtherFields = true
            return amend
        }(),
        host(["export", "fhir"], CommandSpec("fhir", summary: "the patient's record as an HL7 FHIR R4 bundle (JSON)",
                                             fields: [FieldSpec("patient", .text(maxLength: 40), required: false, help: "MRN or #ID (default: the open patient)", positional: true),
                                                      FieldSpec("all", .yesNo, required: false, help: "every patient (--all alone is yes), a file each (MRN.json) in the --out folder"),
                                                      FieldSpec("bulk", .yesNo, required: false, help: "every patient as FHIR bulk data: an NDJSON file per resource type and manifest.json in the --out folder"),
                                                      FieldSpec("out", .text(maxLength: 4000), required: false, help: "a new file (default: printed); with --all, a folder (made if missing) where no MRN.json exists yet")],
                                             roles: [.admin, .physician], needsPatient: false,
                                             discussion: "The Patient, an Encounter per visit, each module's resources (vital signs, scores, questionnaires, consents, orders, infusions, adverse events), the staff as Practitioners and a Provenance naming who wrote and signed each; a sandbox's bundle is tagged as test data.\nThe bulk export is what FHIR's $export operation writes, for analytics and for moving the clinic's record: ids are made unique across patients (p12-visit-3).\nExamples: export fhir MRN-1 --out mrn-1.json · export fhir --all --out exports/ · export fhir --bulk --out bulk/"), replayed: false) { v, session in try FHIR.export(v["patient"]?.stringValue, all: v["all"]?.boolValue == true, bulk: v["bulk"]?.boolValue == true, out: v["out"]?.stringValue, in: session) },
        host(["protocol", "show"], CommandSpec("show", summary: "the clinic protocol in force: each setting, its value, default and source",
                                               roles: everyone, needsPatient: false)) { v, session in ProtocolCommands.show(in: session) },
        host(["protocol", "check"], CommandSpec("check", summary: "check a protocol file against the loaded modules before it is used",
                                                fields: [text("file", "the protocol file (YAML)")], roles: everyone, needsPatient: false)) { v, session in try ProtocolCommands.check(v["file"]?.stringValue ?? "", in: session) },
        host(["protocol", "adopt"], CommandSpec("adopt", summary: "put a new protocol file in force: an admin adopts it, a physician signs",
                                                fields: [text("file", "the protocol file (YAML)"),
                                                         FieldSpec("physician", .text(maxLength: 32), required: false,
                                                                   help: "the physician who signs the adoption (default: you, if you are one)")],
                                                roles: [.admin], needsPatient: false,
                                                discussion: """
                                                    Checks the file as protocol check does, lists every setting that differs from the protocol in force,
                                                    and asks the physician's password: their e-signature names each change. From then on the database runs
                                                    under the new file only; orders signed or double-checked under the old one must be signed and checked again.
                                                    Example: protocol adopt /etc/clinic/protocol-2027.01.yaml --physician patel
                                                    """)) { v, session in try ProtocolAdoption.adopt(v["file"]?.stringValue ?? "", physician: v["physician"]?.stringValue, in: session) },
        host(["clock", "show"], CommandSpec("show", summary: "the clinic's time, and whether it is simulated", roles: everyone, needsPatient: false), open: true, replayed: false) { v, session in SessionCommands.clockShow(in: session) },
        host(["clock", "set"], CommandSpec("set", summary: "stand a sandbox's clock at a time: clock set '2026-03-02 09:00'",
                                           fields: [text("time", "09:40, 2026-03-02 09:40, or UTC as recordings write it")],
                                           roles: everyone, needsPatient: false), open: true, replayed: false) { v, session in try SessionCommands.clockSet(v["time"]?.stringValue ?? "", in: session) },
        host(["clock", "advance"], CommandSpec("advance", summary: "move a sandbox's clock on: clock advance 5m",
                                               fields: [text("duration", "5m, 90s, 1h30m, 2d")], roles: everyone, needsPatient: false), open: true, replayed: false) { v, session in try SessionCommands.clockAdvance(v["duration"]?.stringValue ?? "", in: session) },
        host(["quit"], CommandSpec("quit", summary: "leave the shell (Ctrl-D too)", fields: [FieldSpec("force", .yesNo, required: false, help: "leave even though the open patient's infusion is running or paused (a script must say so)")], roles: everyone, needsPatient: false), open: true, replayed: false) { v, session in CommandOutput() },
        host(["exit"], CommandSpec("exit", summary: "leave the shell", fields: [FieldSpec("force", .yesNo, required: false, help: "leave even though the open patient's infusion is running or paused (a script must say so)")], roles: everyone, needsPatient: false), open: true, replayed: false) { v, session in CommandOutput() },

    ]

    /// `09:02` when `date` is today, else the date and time.
    static func short(_ date: Date, calendar: Calendar, now: Date) -> String {
        let full = ClinicTime.format(date, calendar: calendar)
        // Same day: the same date part (cheaper than asking the calendar for the day's interval).
        let sameDay = date == now || full.prefix(10) == ClinicTime.format(now, calendar: calendar).prefix(10)
        return sameDay ? String(full.suffix(5)) + " today" : full
    }
}
