import ClinicKit
import ClinicStorage
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// `report patient`: a one-page HTML report of the open patient that a physician would print. Each
/// module gives its sections (`ClinicModule.report(from:)`); the host writes the page, escaping
/// every text, and the file (0600: it holds a patient's record).
enum Report {
    static func write(out: String?, in session: Session) throws -> CommandOutput {
        guard let patient = session.patient, let staff = session.staff else { throw CommandError("no patient is open", hint: "type patient open MRN") }
        let reader = HostRecordReader(session: session, patient: patient)
        var sections: [ReportSection] = []
        for module in session.plugins.loaded.sorted(by: { $0.declaration.manifest.order < $1.declaration.manifest.order }) {
            sections += try ModuleCall.run(module, "writing its part of the report") { try (module.module as? any ReportingModule)?.report(from: reader) ?? [] }
        }
        sections = sections.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
        let stamp = ClinicTime.format(session.now, calendar: session.calendar)
        let path = out ?? "report-\(patient.mrn)-\(stamp.prefix(10).replacingOccurrences(of: "-", with: ""))-\(stamp.suffix(5).replacingOccurrences(of: ":", with: "")).html"
        let html = page(patient: patient, sections: sections, by: staff.username, at: stamp, in: session)
        let fd = try PrivateFile.create(path, what: "the report")
        defer { close(fd) }
        try PrivateFile.write([html], to: fd, path: path)
        fsync(fd)
        return .lines("wrote the report of \(patient.mrn) to \(path): \(sections.count) section\(sections.count == 1 ? "" : "s") (\(sections.map(\.title).joined(separator: ", ")))")
    }

    static func page(patient: PatientInfo, sections: [ReportSection], by staff: String, at stamp: String, in session: Session) -> String {
        let age = patient.age(on: session.now, calendar: session.calendar).map { "\($0) y" } ?? "?"
        let proto = session.clinicProtocol.settings
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>\(escape(patient.mrn)) · \(escape(patient.name)) · clinic report</title>
            <style>
            @page { size: A4; margin: 14mm; }
            body { font: 10.5pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #111; max-width: 182mm; margin: 0 auto; }
            h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 11.5pt; margin: 5mm 0 1.5mm; border-bottom: 1px solid #999; }
            table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 1mm 0 3mm; } th, td { text-align: left; padding: 0.8mm 2mm; border-bottom: 1px solid #ddd; vertical-align: top; }
            th { background: #f0f0f0; } .meta td { border: none; padding: 0 3mm 0 0; } .alert { font-weight: bold; color: #a00; }
            .sandbox { border: 2px solid #a00; color: #a00; padding: 2mm; font-weight: bold; } p { margin: 1mm 0; } figure { margin: 2mm 0; }
            footer { margin-top: 5mm; font-size: 8.5pt; color: #555; }
            </style></head><body>
            <h1>\(escape(patient.name)) · \(escape(patient.mrn))</h1>

            """
        if session.isSandbox {
            h += "<p class=\"sandbox\">SANDBOX: training or test entries under a simulated clock, never a patient's real record.</p>\n"
        }
        h += "<table class=\"meta\"><tr><td>born \(escape(patient.dateOfBirth)) (\(age))</td><td>sex \(escape(patient.sex.rawValue))</td>"
            + "<td>report of \(escape(stamp)) by \(escape(staff))</td><td>protocol \(escape(proto.name)), version \(escape(proto.version))</td></tr></table>\n"
        if sections.isEmpty { h += "<p>No module has anything to report for this patient yet.</p>\n" }
        for section in sections {
            h += "<section><h2>\(escape(section.title))</h2>\n"
            for block in section.blocks {
                switch block {
                case .line(let text): h += "<p>\(escape(text))</p>\n"
                case .alert(let text): h += "<p class=\"alert\">\(escape(text))</p>\n"
                case .table(let headers, let rows):
                    h += "<table><thead><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
                    for row in rows { h += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
                    h += "</tbody></table>\n"
                @unknown default:
                    break // as the console: a block of a kind this host does not know is not shown
                }
            }
            if let svg = section.svg { h += "<figure>\(svg)</figure>\n" }
            h += "</section>\n"
        }
        h += "<footer>clinic \(ClinicVersion.text) · \(escape(session.databasePath))</footer>\n</body></html>"
        return h
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
