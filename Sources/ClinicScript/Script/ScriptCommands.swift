import ClinicEngine
import ClinicKit
import ClinicStorage

/// The script layer's host commands: recording and replay, and the directives the script runner
/// reads itself. The shell adds them to the engine's (``HostCommands/table``).
package enum ScriptCommands {
    package static let table = HostCommandTable(entries: entries, groupSummaries: [
        "record": "record this session as a replayable script, or export the journal as one",
    ])

    private static let everyone = Set(Role.all)

    private static func host(_ words: [String], _ spec: CommandSpec, open: Bool = false, ownTransactions: Bool = false,
                             replayed: Bool = true, directive: Bool = false, handler: HostHandler? = nil) -> CatalogEntry {
        CatalogEntry(host: words, spec: spec, isOpen: open, managesTransactions: ownTransactions, isReplayed: replayed,
                     isDirective: directive, handler: handler)
    }

    private static func text(_ name: String, _ help: String, required: Bool = true, positional: Bool = true, identifying: Bool = false) -> FieldSpec {
        FieldSpec(name, .text(maxLength: 4000), required: required, help: help, positional: positional, identifying: identifying)
    }

    static let entries: [CatalogEntry] = [
        host(["record", "start"], CommandSpec("start", summary: "record this session into FILE as a script that replays it",
                                              fields: [text("file", "a new file for the recording")], roles: everyone, needsPatient: false), replayed: false) { v, session in try RecordCommands.recordStart(v["file"]?.stringValue ?? "", in: session) },
        host(["record", "stop"], CommandSpec("stop", summary: "stop recording", roles: everyone, needsPatient: false), replayed: false) { v, session in try RecordCommands.recordStop(in: session) },
        host(["record", "export"], CommandSpec("export", summary: "write the journal, a patient's or a visit's, as a replayable script",
                                               fields: [text("file", "a new file for the script"),
                                                        FieldSpec("patient", .text(maxLength: 40), required: false, help: "only this patient (MRN, or #ID)"),
                                                        FieldSpec("visit", .integer(1...Int(Int32.max)), required: false, help: "only this visit, with the patient's history before it")],
                                               roles: [.admin], needsPatient: false,
                                               discussion: "Without --patient or --visit, the whole journal."), replayed: false) { v, session in
            return try RecordCommands.recordExport(v["file"]?.stringValue ?? "", patient: v["patient"]?.stringValue,
            visit: v["visit"]?.intValue, in: session)
        },
        host(["replay"], CommandSpec("replay", summary: "re-run a recording into a new sandbox database, and compare it with the original",
                                     fields: [text("file", "the recording"),
                                              FieldSpec("into", .text(maxLength: 4000), required: false, help: "the new database (default: next to the recording)"),
                                              FieldSpec("verify", .text(maxLength: 4000), required: false, help: "the original database, to compare with")],
                                     roles: everyone, needsPatient: false), open: true, ownTransactions: true, replayed: false) { v, session in try Replay.run(v["file"]?.stringValue ?? "", into: v["into"]?.stringValue, verify: v["verify"]?.stringValue, in: session) },
        host(["run"], CommandSpec("run", summary: "run a script: run FILE [--var NAME=VALUE ...] [--csv DATA.csv [--bail]]",
                                  fields: [text("file", "the .clinic script"),
                                           FieldSpec("var", .text(maxLength: 4000), required: false, help: "NAME=VALUE for ${NAME} (may be repeated)", identifying: true),
                                           FieldSpec("csv", .text(maxLength: 4000), required: false, help: "run once per row, the columns as variables"),
                                           FieldSpec("bail", .yesNo, required: false, help: "stop at the first failed row")],
                                  roles: everyone, needsPatient: false,
                                  discussion: "A script is recorded whole or, at its first failure, not at all; each CSV row on its own."), open: true, replayed: false, directive: true),
        host(["set"], CommandSpec("set", summary: "set a script variable: set NAME VALUE, then use ${NAME}",
                                  fields: [text("name", "letters, digits and _"), text("value", "the rest of the line", identifying: true)],
                                  roles: everyone, needsPatient: false), open: true, directive: true),
        host(["echo"], CommandSpec("echo", summary: "print a line (in scripts)", fields: [text("text", "what to print", required: false, identifying: true)],
                                   roles: everyone, needsPatient: false), open: true, directive: true),
        host(["include"], CommandSpec("include", summary: "run another script's lines here (in scripts; relative to this one)",
                                      fields: [text("file", "the script")], roles: everyone, needsPatient: false), open: true, directive: true),
        host(["expect"], CommandSpec("expect", summary: "assert a fact, a value, a count or an error (scripts as acceptance tests)",
                                     fields: [text("what", "fact NAME | no fact NAME | value MODULE.FIELD = VALUE | count WHAT = N | error [TEXT]")],
                                     roles: everyone, needsPatient: false,
                                     discussion: "Comparisons: = != < <= > >= contains. count WHAT is patients, visits, records, or the open patient's MODULE[.KIND] entries."),
             open: true, directive: true),
        {
            // Written by a recording, for its replay: not a command staff type.
            var entry = host(["replay-account"], CommandSpec("replay-account", summary: "in a replay only: an account the recording uses, with no password",
                                                             fields: [text("user", "sign-in name"), text("roles", "nurse, physician, admin (comma-separated)")],
                                                             roles: everyone, needsPatient: false), open: true, directive: true)
            entry.isListed = false
            return entry
        }(),
    ]
}
