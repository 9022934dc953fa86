import ClinicKit
import ClinicStorage
import Foundation

/// `patient …` commands.
package enum Patients {
    static func register(_ v: [String: Value], in session: Session) throws -> CommandOutput {
        guard let staff = session.staff, let name = v["name"]?.stringValue.map(normalized), !name.isEmpty, let dob = v["dob"]?.stringValue,
              let sexText = v["sex"]?.stringValue, let sex = Sex(rawValue: sexText)
        else { throw CommandError("patient new needs --name, --dob and --sex", hint: "type help patient new") }
        try checkName(name)
        let mrn = v["mrn"]?.stringValue
        if let mrn, !mrn.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
            throw CommandError("MRN '\(mrn)' may hold only letters, digits and '-'", hint: "type e.g. --mrn BAR-001")
        }
        try checkBirth(dob, in: session)
        let twins = try likelyDuplicates(name: name, dob: dob, in: session)
        let now = session.now
        let patient: PatientInfo
        do {
            patient = try session.store.addPatient(mrn: mrn?.uppercased(), name: name, dob: dob, sex: sex, at: now, by: staff.id)
        } catch let error as StoreError {
            throw CommandError(error.description, hint: "open that patient with patient open, or choose another MRN")
        }
        if mrn == nil { session.noteChosen("mrn", patient.mrn) }
        _ = try session.store.appendRecord(
            patientID: patient.id, visitID: nil, module: "patient", kind: "registered",
            payload: ["mrn": .string(patient.mrn), "name": .string(name), "dob": .string(dob), "sex": .string(sex.rawValue)],
            effectiveAt: now, recordedAt: now, staffID: staff.id, protocolVersion: session.clinicProtocol.settings.version, protocolSHA256: session.clinicProtocol.settings.sha256, amends: nil)
        try session.open(patient)
        var out = CommandOutput()
        out.line("registered \(describe(patient, in: session)) · opened")
        if let note = infantNote(patient, in: session) { out.line(note) }
        if !twins.isEmpty {
            out.alert("a patient with the same name and date of birth exists: \(twins.map(\.mrn).joined(separator: ", ")); check this is not a duplicate")
        }
        return out
    }

    /// `patient correct name=… dob=… sex=… --reason TEXT`: a correction of the open patient's
    /// registration, an entry of the record that amends it; the MRN never changes. The first
    /// registration stays in the record, and the patients table follows the correction.
    static func correct(_ v: [String: Value], in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff else { throw CommandError("no patient is open", hint: "type patient open MRN") }
        let name = v["name"]?.stringValue.map(normalized) ?? patient.name
        let dob = v["dob"]?.stringValue ?? patient.dateOfBirth
        let sex = v["sex"]?.stringValue.flatMap(Sex.init(rawValue:)) ?? patient.sex
        guard !name.isEmpty else { throw CommandError("a name cannot be empty", hint: "type the full name as on their ID") }
        try checkName(name)
        var changed: [String] = []
        if name != patient.name { changed.append("name") }
        if dob != patient.dateOfBirth { changed.append("dob") }
        if sex != patient.sex { changed.append("sex") }
        guard !changed.isEmpty else {
            throw CommandError("patient correct changes nothing: \(patient.mrn)'s registration already says that",
                               hint: "give what was wrong, e.g. patient correct dob=1981-02-11 --reason \"typed 1918\"")
        }
        try checkBirth(dob, in: session)
        guard let original = try session.store.records(patientID: patient.id, module: "patient", kind: "registered").first(where: { $0.amends == nil }) else {
            throw CommandError("\(patient.mrn) has no registration in the record to correct")
        }
        let reason = v["reason"]?.stringValue ?? ""
        let now = session.now
        let id = try session.store.appendRecord(
            patientID: patient.id, visitID: nil, module: "patient", kind: "registered",
            payload: ["mrn": .string(patient.mrn), "name": .string(name), "dob": .string(dob), "sex": .string(sex.rawValue),
                      "amendment": ["reason": .string(reason), "fields": .array(changed.map(Value.string))]],
            effectiveAt: original.effectiveAt, recordedAt: now, staffID: staff.id, protocolVersion: session.clinicProtocol.settings.version,
            protocolSHA256: session.clinicProtocol.settings.sha256, amends: original.id)
        let corrected = try session.store.correctPatient(id: patient.id, name: name, dob: dob, sex: sex)
        session.patient = corrected
        var out = CommandOutput.lines("corrected the registration of \(patient.mrn) (#\(original.id)) with #\(id): \(reason)")
        if name != patient.name { out.line("  name: \(patient.name) → \(name)") }
        if dob != patient.dateOfBirth { out.line("  date of birth: \(patient.dateOfBirth) → \(dob)") }
        if sex != patient.sex { out.line("  sex: \(patient.sex.rawValue) → \(sex.rawValue)") }
        out.line("the first registration stays in the record; entries made before this correction keep what they were worked out with")
        let twins = try session.store.patients(born: dob).filter { $0.id != patient.id && folded($0.name) == folded(name) }
        if !twins.isEmpty {
            out.alert("a patient with the same name and date of birth exists: \(twins.map(\.mrn).joined(separator: ", ")); check this is not a duplicate")
        }
        return out
    }

    /// A patient by MRN, or by internal id written `#2`: an MRN may be all digits, so a bare
    /// number is only ever an MRN and never falls back to an id.
    package static func find(_ key: String, in store: any RecordStore) throws -> PatientInfo? {
        if key.hasPrefix("#") {
            guard let id = Int64(key.dropFirst()) else { return nil }
            return try store.patient(id: id)
        }
        return try store.patient(mrn: key) ?? store.patient(mrn: key.uppercased())
    }

    /// A name as it is stored and compared: Unicode NFC (`é` typed as one character or as `e` and
    /// a combining accent is one name), its spaces single.
    static func normalized(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Refuses a date of birth that would make the patient older than anyone living (a typed year).
    /// A birth date within the last year (`T` typed at the date of birth is today) is more likely
    /// a slip than a patient of the clinic's: said, with how to correct it.
    static func infantNote(_ patient: PatientInfo, in session: Session) -> String? {
        guard let months = patient.ageInMonths(on: session.now, calendar: session.calendar), months < 12 else { return nil }
        return "check the date of birth: \(patient.dateOfBirth) makes \(patient.mrn) \(months) month\(months == 1 ? "" : "s") old; "
            + "if it is wrong, type patient correct dob=YYYY-MM-DD --reason \"…\""
    }

    static func checkBirth(_ dob: String, in session: Session) throws {
        if let born = Int(dob.prefix(4)), let year = session.today.year, year - born > 125 {
            throw CommandError("date of birth \(dob) would make the patient over 125", hint: "check the year")
        }
    }

    /// Refuses a name holding a control character, a direction mark or override, or an invisible
    /// space: shown, it would read as another name, or in another order, than the one stored. (The
    /// zero-width joiner and non-joiner stay: Persian and Indic names are written with them.)
    static func checkName(_ name: String) throws {
        let hidden: [ClosedRange<UInt32>] = [0x200B...0x200B, 0x200E...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF...0xFEFF]
        guard !name.unicodeScalars.contains(where: { scalar in
            scalar.properties.generalCategory == .control || hidden.contains { $0.contains(scalar.value) }
        }) else {
            throw CommandError("the name holds an invisible or direction-changing character", hint: "type the name as on their ID")
        }
    }

    /// A name folded for the duplicate check: case, accents and spacing do not tell two people apart.
    static func folded(_ name: String) -> String { PatientNames.folded(name) }

    /// The patients registered with this name (folded) and date of birth: likely the same person.
    static func likelyDuplicates(name: String, dob: String, in session: Session) throws -> [PatientInfo] {
        let key = folded(name)
        return try session.store.patients(born: dob).filter { folded($0.name) == key }
    }

    static func open(_ key: String, in session: Session) throws -> CommandOutput {
        guard let patient = try find(key, in: session.store) else {
            throw CommandError("no patient with MRN '\(key)'", hint: key.hasPrefix("#") ? "an internal id is #2; type patient list" : "type patient find NAME to search, or #ID for an internal id")
        }
        try session.open(patient)
        let visit = session.visit.map { "visit #\($0.id) \($0.kind) open since \(HostCommands.short($0.startedAt, calendar: session.calendar, now: session.now))" }
        var out = CommandOutput()
        out.line("opened \(describe(patient, in: session)) · \(visit ?? "no open visit")")
        // What stands on the patient until a clinician acknowledges it, shown on opening.
        for alert in try FactEngine(session: session).standingAlerts() { out.alert(alert) }
        // And what is due today or overdue: a follow-up call, liver tests.
        let endOfToday = session.calendar.startOfDay(for: session.now).addingTimeInterval(86_400)
        for item in try FactEngine(session: session).due() where item.at < endOfToday {
            out.line("due: \(Session.dueText(item, now: session.now, calendar: session.calendar)) · \(item.detail) · \(item.command)")
        }
        return out
    }

    /// `BAR-001 Zoë Ålvarez, F, 47 y`.
    static func describe(_ p: PatientInfo, in session: Session) -> String {
        let age = p.age(on: session.now, calendar: session.calendar).map { ", \($0) y" } ?? ""
        return "\(p.mrn) \(p.name), \(p.sex.rawValue)\(age)"
    }

    static func list(_ patients: [PatientInfo], in session: Session, empty: String) throws -> CommandOutput {
        guard !patients.isEmpty else { return .lines(empty) }
        var out = CommandOutput()
        let rows = try patients.map { p -> [String] in
            let visit = try session.store.openVisit(patientID: p.id).map { "\($0.kind) #\($0.id)" } ?? ""
            return [String(p.id), p.mrn, p.name, p.dateOfBirth, p.sex.rawValue, visit]
        }
        out.table(["id", "MRN", "name", "born", "sex", "open visit"], rows)
        return out
    }

    static func show(in session: Session) throws -> CommandOutput {
        guard let p = session.patient else { throw CommandError("no patient is open", hint: "type patient open MRN") }
        var out = CommandOutput()
        out.line("\(describe(p, in: session)) · born \(p.dateOfBirth) · id \(p.id)")
        let visits = try session.store.visits(patientID: p.id)
        if visits.isEmpty {
            out.line("no visits yet")
        } else {
            out.table(["visit", "kind", "started", "ended"], visits.map { v in
                [String(v.info.id), v.info.kind, ClinicTime.format(v.info.startedAt, calendar: session.calendar),
                 v.endedAt.map { ClinicTime.format($0, calendar: session.calendar) } ?? "open"]
            })
        }
        let records = try session.store.records(patientID: p.id)
        var counts: [String: Int] = [:]
        for r in records { counts["\(r.module) \(r.kind)", default: 0] += 1 }
        out.line("record: \(records.count) entries" + (counts.isEmpty ? "" : " · " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        return out
    }
}

/// `visit …` commands.
enum Visits {
    static func start(kind: String, chair: String?, in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff else { throw CommandError("no patient is open") }
        // The database, not only this session: another workstation may have started one.
        if let open = try session.store.openVisit(patientID: patient.id) ?? session.visit {
            throw CommandError("visit #\(open.id) (\(open.kind)) is already open for \(patient.mrn)", hint: "type visit end first")
        }
        let now = session.now
        let visit = try session.store.startVisit(patientID: patient.id, kind: kind, at: now, by: staff.id)
        _ = try session.store.appendRecord(patientID: patient.id, visitID: visit.id, module: "visit", kind: "started",
                                           payload: .object(["kind": .string(kind)].merging(chair.map { ["chair": .string($0)] } ?? [:]) { a, _ in a }), effectiveAt: now, recordedAt: now,
                                           staffID: staff.id, protocolVersion: session.clinicProtocol.settings.version, protocolSHA256: session.clinicProtocol.settings.sha256, amends: nil)
        session.setVisit(visit)
        return .lines("started \(kind) visit #\(visit.id) for \(patient.mrn)\(chair.map { " in chair \($0)" } ?? "") at \(HostCommands.short(now, calendar: session.calendar, now: now))")
    }

    static func end(in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff, let visit = session.visit else {
            throw CommandError("no visit is open", hint: "type visit start")
        }
        // A visit ends only when nothing of it is still under way (an infusion running or paused).
        let reader = HostRecordReader(session: session, patient: patient)
        for module in session.plugins.loaded {
            let open = try ModuleCall.run(module, "checking what of the visit is unfinished") { try (module.module as? any VisitHoldingModule)?.unfinished(from: reader) ?? [] }
            if let first = open.first {
                throw CommandError("visit end refused: \(first)" + (open.count > 1 ? " (and \(open.count - 1) more)" : ""),
                                     hint: "finish it first; the visit stays open", kind: .refused)
            }
        }
        let now = session.now
        try session.store.endVisit(id: visit.id, at: now, by: staff.id)
        let minutes = Int(now.timeIntervalSince(visit.startedAt) / 60)
        _ = try session.store.appendRecord(patientID: patient.id, visitID: visit.id, module: "visit", kind: "ended",
                                           payload: ["kind": .string(visit.kind), "minutes": .int(minutes)], effectiveAt: now,
                                           recordedAt: now, staffID: staff.id, protocolVersion: session.clinicProtocol.settings.version, protocolSHA256: session.clinicProtocol.settings.sha256, amends: nil)
        session.setVisit(nil)
        return .lines("ended \(visit.kind) visit #\(visit.id) for \(patient.mrn) after \(minutes) min")
    }
}
