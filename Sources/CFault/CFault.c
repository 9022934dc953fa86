// The fault note: a module that traps ends the process, and says which one first.
#include "CFault.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

// ---- Faults: a module that traps ends the process; say which one first.

static char fault_note[1024];
static volatile sig_atomic_t fault_note_length = 0;
static const int fault_signals[] = {SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE};
static struct sigaction previous_actions[sizeof fault_signals / sizeof fault_signals[0]];

void clinic_set_fault_note(const char *note) {
    fault_note_length = 0;
    if (note == NULL) return;
    size_t n = strlen(note);
    if (n > sizeof fault_note - 1) n = sizeof fault_note - 1;
    memcpy(fault_note, note, n);
    fault_note[n] = '\n';
    fault_note_length = (sig_atomic_t)(n + 1);
}

static void on_fault(int signo) {
    if (fault_note_length > 0) {
        ssize_t ignored = write(2, fault_note, (size_t)fault_note_length);
        (void)ignored;
        fault_note_length = 0;
    }
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        if (fault_signals[i] == signo) {
            sigaction(signo, &previous_actions[i], NULL);
            break;
        }
    }
    // A faulting instruction runs again on return and reaches the previous handler with its own
    // details; abort() raises again itself. A trap instruction does not run again: raise it.
    if (signo == SIGTRAP) raise(signo);
}

void clinic_install_fault_handler(void) {
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fault;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_NODEFER | SA_RESETHAND;
        sigaction(fault_signals[i], &sa, &previous_actions[i]);
    }
}
