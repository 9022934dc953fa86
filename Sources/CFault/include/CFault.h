#ifndef CFAULT_H
#define CFAULT_H

/// What to write to standard error if the process is killed by a fault (a module's trap) while
/// `note` is set: the module and the command. Copied; NULL or "" clears it.
void clinic_set_fault_note(const char *note);
/// Installs handlers for SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS and SIGFPE that write the note,
/// then hand the signal on to the handler that was there before (Swift's backtracer).
void clinic_install_fault_handler(void);

#endif
