#define _GNU_SOURCE  // wcwidth
#include "CLineEdit.h"

#include <errno.h>
#include <histedit.h>
#include <locale.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <wchar.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct clinic_editor {
    EditLine *el;
    History *hist;
    /// The field prompts' own history, kept apart from the commands' (and never saved).
    History *field_hist;
    HistEvent ev;
    clinic_tick_fn tick;
    void *tick_context;
    int ticking;
    char *prompt;
    char *before_cursor;
    clinic_complete_fn complete;
    void *complete_context;
};

static volatile sig_atomic_t interrupted = 0;

static void on_interrupt(int signo) {
    (void)signo;
    interrupted = 1;
}

void clinic_install_interrupt_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: el_gets's read() must return EINTR
    sigaction(SIGINT, &sa, NULL);
}

int clinic_take_interrupt(void) {
    int was = interrupted;
    interrupted = 0;
    return was;
}

static clinic_editor *editor_of(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return (clinic_editor *)data;
}

static char *prompt_of(EditLine *el) {
    clinic_editor *ed = editor_of(el);
    return ed && ed->prompt ? ed->prompt : "> ";
}

static unsigned char complete_trampoline(EditLine *el, int ch) {
    (void)ch;
    clinic_editor *ed = editor_of(el);
    if (!ed || !ed->complete) return CC_ERROR;
    return ed->complete(ed, ed->complete_context);
}

// ---- The watch: while the shell waits at its prompt, a tick each second may print lines above
// the line being typed. The tick runs from the character reader; when it has something to show,
// the reader hands libedit a key bound to clinic-watch, which prints and redraws the prompt and
// the half-typed line as they were.

/// The key the reader injects (ASCII GS, Ctrl-]): bound to clinic-watch, harmless if typed.
#define CLINIC_WATCH_KEY 0x1d

static int read_byte(int fd, unsigned char *byte, clinic_editor *ed, int may_tick) {
    for (;;) {
        if (may_tick && ed->ticking && ed->tick) {
            struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
            int ready = poll(&p, 1, 1000);
            if (ready < 0) return -1;  // EINTR: Ctrl-C
            if (ready == 0) {
                if (ed->tick(ed, ed->tick_context, 0)) return 2;
                continue;
            }
        }
        ssize_t n = read(fd, byte, 1);
        if (n == 1) return 1;
        if (n == 0) return 0;
        return -1;
    }
}

/// libedit's character reader, with the tick: one UTF-8 character from standard input.
static int read_char_fn(EditLine *el, wchar_t *wc) {
    clinic_editor *ed = editor_of(el);
    unsigned char first = 0;
    int r = read_byte(0, &first, ed, 1);
    if (r == 2) { *wc = CLINIC_WATCH_KEY; return 1; }
    if (r <= 0) { *wc = L'\0'; return r; }
    int extra = first < 0x80 ? 0 : (first & 0xE0) == 0xC0 ? 1 : (first & 0xF0) == 0xE0 ? 2 : (first & 0xF8) == 0xF0 ? 3 : -1;
    if (extra < 0) { *wc = 0xFFFD; return 1; }
    wchar_t value = extra == 0 ? first : extra == 1 ? (first & 0x1F) : extra == 2 ? (first & 0x0F) : (first & 0x07);
    for (int i = 0; i < extra; i++) {
        unsigned char next = 0;
        r = read_byte(0, &next, ed, 0);
        if (r <= 0) { *wc = L'\0'; return r; }
        if ((next & 0xC0) != 0x80) { *wc = 0xFFFD; return 1; }
        value = (value << 6) | (next & 0x3F);
    }
    *wc = value;
    return 1;
}

/// The row of the line being typed the cursor is on, counting from the prompt's row: the prompt
/// and the text before the cursor, wrapped at the terminal's width.
static int cursor_row(clinic_editor *ed) {
    struct winsize ws;
    int cols = 80;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) cols = ws.ws_col;
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)(ed->prompt ? ed->prompt : "> "); *p; p++) {
        if ((*p & 0xC0) != 0x80) width++;
    }
    const LineInfoW *li = el_wline(ed->el);
    for (const wchar_t *c = li->buffer; c < li->cursor; c++) {
        int w = wcwidth(*c);
        width += w < 0 ? 1 : (size_t)w;
    }
    return (int)(width / (size_t)cols);
}

static unsigned char watch_trampoline(EditLine *el, int ch) {
    (void)ch;
    clinic_editor *ed = editor_of(el);
    if (!ed || !ed->tick) return CC_NORM;
    // Go up to the prompt's row and clear from there down; print there; then come down as many
    // rows as libedit believes the cursor is below the prompt, since its redraw first goes back up
    // that many: it then starts below what was printed instead of over it.
    int rows = cursor_row(ed);
    ssize_t ignored = write(1, "\r", 1);
    for (int i = 0; i < rows; i++) ignored = write(1, "\x1b[A", 3);
    ignored = write(1, "\x1b[J", 3);
    int result = ed->tick(ed, ed->tick_context, 1);
    for (int i = 0; i < rows; i++) ignored = write(1, "\n", 1);
    (void)ignored;
    return result == 2 ? CC_EOF : CC_REDISPLAY;
}

void clinic_editor_set_tick(clinic_editor *ed, clinic_tick_fn fn, void *context) {
    ed->tick = fn;
    ed->tick_context = context;
}

void clinic_editor_set_ticking(clinic_editor *ed, int on) { ed->ticking = on; }

void clinic_editor_use_field_history(clinic_editor *ed, int on) {
    History *h = on ? ed->field_hist : ed->hist;
    if (h) el_set(ed->el, EL_HIST, history, h);
}

int clinic_field_history_add(clinic_editor *ed, const char *line) {
    if (!ed->field_hist) return -1;
    return history(ed->field_hist, &ed->ev, H_ENTER, line);
}

/// The line from its start to `end` (the cursor or its end), copied into the editor's buffer,
/// valid until the next call.
static const char *line_copy(clinic_editor *ed, const LineInfo *li, const char *end) {
    size_t n = (size_t)(end - li->buffer);
    free(ed->before_cursor);
    ed->before_cursor = malloc(n + 1);
    if (!ed->before_cursor) return "";
    memcpy(ed->before_cursor, li->buffer, n);
    ed->before_cursor[n] = '\0';
    return ed->before_cursor;
}

const char *clinic_editor_line(clinic_editor *ed) {
    const LineInfo *li = el_line(ed->el);
    return line_copy(ed, li, li->lastchar);
}

void clinic_editor_clear_line(clinic_editor *ed) {
    const LineInfoW *li = el_wline(ed->el);
    int total = (int)(li->lastchar - li->buffer);
    el_cursor(ed->el, total);
    el_deletestr(ed->el, total);
}

void clinic_editor_push(clinic_editor *ed, const char *text) { el_push(ed->el, text); }

clinic_editor *clinic_editor_open(const char *program, int history_size) {
    const char *loc = setlocale(LC_CTYPE, "");
    if (!loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0) setlocale(LC_CTYPE, "C.UTF-8");

    clinic_editor *ed = calloc(1, sizeof *ed);
    if (!ed) return NULL;
    ed->el = el_init(program, stdin, stdout, stderr);
    if (!ed->el) { free(ed); return NULL; }
    ed->hist = history_init();
    if (ed->hist) {
        history(ed->hist, &ed->ev, H_SETSIZE, history_size);
        history(ed->hist, &ed->ev, H_SETUNIQUE, 1);
        el_set(ed->el, EL_HIST, history, ed->hist);
    }
    ed->field_hist = history_init();
    if (ed->field_hist) {
        history(ed->field_hist, &ed->ev, H_SETSIZE, 200);
        history(ed->field_hist, &ed->ev, H_SETUNIQUE, 1);
    }
    el_set(ed->el, EL_CLIENTDATA, ed);
    el_set(ed->el, EL_EDITOR, "emacs");
    el_set(ed->el, EL_PROMPT, prompt_of);
    el_set(ed->el, EL_ADDFN, "clinic-complete", "Complete the word at the cursor", complete_trampoline);
    el_set(ed->el, EL_BIND, "^I", "clinic-complete", NULL);
    el_set(ed->el, EL_ADDFN, "clinic-watch", "Show the clinic's watch above the line", watch_trampoline);
    el_set(ed->el, EL_BIND, "^]", "clinic-watch", NULL);
    el_set(ed->el, EL_GETCFN, read_char_fn);
    el_source(ed->el, NULL); // ~/.editrc, as every libedit program honours
    return ed;
}

void clinic_editor_close(clinic_editor *ed) {
    if (!ed) return;
    el_end(ed->el);
    if (ed->hist) history_end(ed->hist);
    if (ed->field_hist) history_end(ed->field_hist);
    free(ed->prompt);
    free(ed->before_cursor);
    free(ed);
}

void clinic_editor_set_prompt(clinic_editor *ed, const char *prompt) {
    free(ed->prompt);
    ed->prompt = strdup(prompt ? prompt : "> ");
}

void clinic_editor_set_completer(clinic_editor *ed, clinic_complete_fn fn, void *context) {
    ed->complete = fn;
    ed->complete_context = context;
}

const char *clinic_editor_gets(clinic_editor *ed) {
    int count = 0;
    el_resize(ed->el); // the terminal may have been resized since the last line
    const char *line = el_gets(ed->el, &count);
    if (count <= 0) return NULL;
    return line;
}

const char *clinic_editor_text_before_cursor(clinic_editor *ed) {
    const LineInfo *li = el_line(ed->el);
    return line_copy(ed, li, li->cursor);
}

int clinic_editor_insert(clinic_editor *ed, const char *text) {
    return el_insertstr(ed->el, text);
}

int clinic_history_add(clinic_editor *ed, const char *line) {
    if (!ed->hist) return -1;
    return history(ed->hist, &ed->ev, H_ENTER, line);
}

int clinic_history_load(clinic_editor *ed, const char *path) {
    if (!ed->hist) return -1;
    return history(ed->hist, &ed->ev, H_LOAD, path);
}

int clinic_history_save(clinic_editor *ed, const char *path) {
    if (!ed->hist) return -1;
    return history(ed->hist, &ed->ev, H_SAVE, path);
}

void clinic_history_clear(clinic_editor *ed) {
    if (ed->hist) history(ed->hist, &ed->ev, H_CLEAR);
}
