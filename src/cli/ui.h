/* ui: what a person sees on stderr while a run goes on, and the summary at the end.
 *
 * On a TTY: a configuration panel, a live bar redrawn by its own ticker thread 10 times a
 * second (spinner and elapsed time move even while one request takes 14 s), and a box-drawn
 * summary; everything fitted to the terminal's width (values cut in the middle with "…",
 * never a wrapped line). Otherwise: plain "samplevec: …" lines, a progress line every 5 s.
 * Colour only on a TTY and without NO_COLOR. Counts carry thousands separators.
 *
 * The bar line, left to right (parts that do not fit are left out, the least useful first:
 * cost, rate, counts, ETA):
 *   ⠹ ███████▒▒▒░░░░░░░  47.4%  1,155/2,437  312/s  elapsed 00:05  ETA 00:04  $0.0122
 *   █ committed (in the store and the progress file), ▒ past the provider, commit to come,
 *   ░ to do. The percentage and the counts are of the job (a resumed job starts where the
 *   earlier runs stopped); rate and ETA are of this run's work and time. */
#ifndef SAMPLEVEC_UI_H
#define SAMPLEVEC_UI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ui_config_row {
    const char *label, *value;
} ui_config_row;

/* 1 when stderr is a terminal (bars, panels, box drawing); 0 otherwise. */
int ui_is_tty(void);
/* 1 when colour may be used: a TTY and NO_COLOR unset or empty. */
int ui_use_color(void);
/* Columns of stderr's terminal ($COLUMNS, TIOCGWINSZ), 80 when unknown, at least 20. */
int ui_width(void);

/* A box with a title and "label : value" rows (plain "samplevec: label: value" lines off a
 * TTY); values too long for the terminal are cut in the middle. */
void ui_config_panel(const char *title, const ui_config_row *rows, int n);

/* ---- the live bar ---- */

typedef struct ui_bar_state {
    int64_t total;          /* samples of the job */
    int64_t done;           /* committed, the job's (starts at done_before) */
    int64_t done_before;    /* committed by earlier runs of a resumed job */
    int64_t pending;        /* this run's, past the provider, commit to come */
    int64_t stored, failed, skipped; /* this run's committed samples */
    double cost_usd;        /* this run's */
    double cost_before_usd; /* earlier runs' of a resumed job */
    int show_cost;          /* 0 for a free provider: no cost anywhere */
    const volatile sig_atomic_t *stop_flag; /* NULL, or non-zero once Ctrl-C asked the run to
                                               stop: the bar says "stopping" instead of the ETA */
} ui_bar_state;

typedef enum ui_outcome {
    UI_FINISHED,    /* ✔: every sample settled (some may have failed) */
    UI_INTERRUPTED, /* ✖ interrupted: Ctrl-C or a signal */
    UI_FAILED,      /* ✖ failed: an error stopped the run */
} ui_outcome;

typedef struct ui_bar ui_bar;

/* A bar not shown yet. NULL when out of memory (every function below accepts NULL). */
ui_bar *ui_bar_new(void);
/* Shows the bar and starts its ticker (a TTY: 10 redraws a second; otherwise a plain line
 * every 5 s). Messages written through msg.h meanwhile appear above the bar. */
void ui_bar_start(ui_bar *b, const ui_bar_state *s);
/* New numbers; drawn at the next tick. Any thread. */
void ui_bar_set(ui_bar *b, const ui_bar_state *s);
/* 1 once ui_bar_start ran. */
int ui_bar_started(const ui_bar *b);
/* The numbers last set. */
ui_bar_state ui_bar_get(ui_bar *b);
/* Seconds since ui_bar_start. */
double ui_bar_elapsed(const ui_bar *b);
/* Stops the ticker and draws the last line, marked by the outcome (a TTY only: ✔ with the
 * rate and elapsed time; ✖ with "interrupted" or "failed" and no ETA). */
void ui_bar_end(ui_bar *b, ui_outcome outcome);
void ui_bar_free(ui_bar *b); /* ends the bar if still running; NULL is a no-op */

/* The bar's line itself, as the ticker draws it (without the "\r", erase and newline around
 * it): state s after `elapsed` seconds of this run, fitted to a terminal of `cols` columns
 * (never reaching the last one), spinner frame `spin`; final: the outcome's mark and word
 * instead of the spinner and the ETA. */
void ui_bar_render(const ui_bar_state *s, double elapsed, int cols, unsigned spin, int final,
                   ui_outcome outcome, int use_color, char *out, size_t cap);

/* ---- the summary ---- */

typedef enum ui_tone { UI_PLAIN, UI_GOOD, UI_BAD } ui_tone;

typedef struct ui_summary_row {
    const char *label, *value;
    ui_tone tone;           /* colour of the value on a TTY */
} ui_summary_row;

/* A two-column box (plain "samplevec: label: value" lines off a TTY), fitted to the width. */
void ui_summary_print(const char *title, const ui_summary_row *rows, int n);
/* "Failed IDs: 3, 17, … and N more (see PROGRESS)", at most 50 shown; nothing when n is 0. */
void ui_failed_ids(const int64_t *ids, size_t n, const char *progress_file);

/* "1:02:03" or "02:03"; "--:--" for a negative or absurd value. */
void ui_duration(double seconds, char *out, size_t cap);

#endif
