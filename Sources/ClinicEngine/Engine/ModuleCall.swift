internal import CFault
import ClinicKit
import ClinicStorage
import Synchronization

/// Every call into a module's code goes through here: if the module traps, the process ends (Swift
/// cannot recover from a trap), but first the fault handler says which module and in what, and
/// the record is intact: a command's writes are one transaction, never committed half-way.
package enum ModuleCall {
    /// The calls in progress, innermost last (the program makes them from one thread; tests from many).
    private static let notes = Mutex<[String]>([])

    /// Installs the fault handler (once, at start).
    package static func installFaultHandler() { clinic_install_fault_handler() }

    static func run<T>(_ module: LoadedModule, _ what: String, _ body: () throws -> T) throws -> T {
        let note = "clinic: module \(module.name) (\(module.file)) stopped the program in \(what). Nothing of that command was recorded and "
            + "the record is intact (an unfinished command is rolled back when the database is next opened). Tell the module's author; "
            + "modules lists where it came from."
        notes.withLock { stack in
            stack.append(note)
            clinic_set_fault_note(note)
        }
        defer {
            notes.withLock { stack in
                if let i = stack.lastIndex(of: note) { stack.remove(at: i) }
                clinic_set_fault_note(stack.last)
            }
        }
        do {
            return try body()
        } catch let error as CommandError {
            throw error
        } catch {
            // A module's own error type, not one meant for the user: say whose it is.
            throw CommandError("module \(module.name) failed in \(what) with an error of its own (\(type(of: error)))",
                                 hint: "nothing of it was recorded; tell the module's author (modules lists where it came from)")
        }
    }
}
