#ifndef CLINIC_CLINEEDIT_H
#define CLINIC_CLINEEDIT_H
// A small C face on libedit's native API (el_init/el_gets/history). libedit's el_set, el_get and
// history are variadic, which Swift cannot call; everything the shell needs is wrapped here.

typedef struct clinic_editor clinic_editor;

/// Called about once a second while the editor waits at a prompt with ticking on (phase 0):
/// return 1 to have it called again at once with phase 1, from where it may write lines to the
/// terminal; return 1 from phase 1 to draw the prompt and the half-typed line again below them,
/// 2 to end the read as if at end of input.
typedef int (*clinic_tick_fn)(clinic_editor *editor, void *context, int phase);

/// Called on Tab. Return one of the CLINIC_CC_* codes.
typedef unsigned char (*clinic_complete_fn)(clinic_editor *editor, void *context);

/// libedit's editor-function return codes the completer uses.
enum {
    CLINIC_CC_NORM = 0,
    CLINIC_CC_REFRESH = 4,
    CLINIC_CC_ERROR = 6,
    CLINIC_CC_REDISPLAY = 8,
};

/// Opens an editor on the terminal (stdin/stdout/stderr) with emacs keys and a history of
/// `history_size` unique entries. Sets LC_CTYPE from the environment (falling back to C.UTF-8) so
/// that non-ASCII input is accepted. Returns NULL if libedit cannot start.
clinic_editor *clinic_editor_open(const char *program, int history_size);
void clinic_editor_close(clinic_editor *editor);

/// The prompt shown by the next clinic_editor_gets (copied).
void clinic_editor_set_prompt(clinic_editor *editor, const char *prompt);
void clinic_editor_set_completer(clinic_editor *editor, clinic_complete_fn fn, void *context);

/// Reads one line. Returns NULL at end of input (Ctrl-D on an empty line) or when interrupted
/// (then clinic_take_interrupt() returns 1). The line stays valid until the next call.
const char *clinic_editor_gets(clinic_editor *editor);

/// The text from the start of the line to the cursor (valid until the line changes).
const char *clinic_editor_text_before_cursor(clinic_editor *editor);
/// Inserts text at the cursor. Returns 0 on success.
int clinic_editor_insert(clinic_editor *editor, const char *text);

/// The tick (NULL for none), and whether the next reads run it.
void clinic_editor_set_tick(clinic_editor *editor, clinic_tick_fn fn, void *context);
void clinic_editor_set_ticking(clinic_editor *editor, int on);
/// Whether Up and Down walk the field prompts' history (1) or the commands' (0).
void clinic_editor_use_field_history(clinic_editor *editor, int on);
int clinic_field_history_add(clinic_editor *editor, const char *line);
/// The whole line being typed (valid until the next call).
const char *clinic_editor_line(clinic_editor *editor);
/// Empties the line being typed.
void clinic_editor_clear_line(clinic_editor *editor);
/// Puts text into the input, as if typed, for the next read.
void clinic_editor_push(clinic_editor *editor, const char *text);

int clinic_history_add(clinic_editor *editor, const char *line);
int clinic_history_load(clinic_editor *editor, const char *path);
int clinic_history_save(clinic_editor *editor, const char *path);
/// Forgets every entry (used before reloading a file).
void clinic_history_clear(clinic_editor *editor);

/// Installs a SIGINT handler that only sets a flag (no SA_RESTART, so a blocked read returns).
void clinic_install_interrupt_handler(void);
/// Returns 1 (and clears the flag) if SIGINT arrived since the last call.
int clinic_take_interrupt(void);

#endif
