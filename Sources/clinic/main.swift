import ClinicHost
import Foundation
let report = PluginLoader(folders: PluginLoader.standardFolders(explicit: [], environment: ProcessInfo.processInfo.environment), reservedNames: []).load()
for m in report.loaded { print("loaded", m.name, m.file) }
for r in report.refused { print("refused", r.file, r.reason) }
