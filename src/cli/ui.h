/* ui: what a person sees on stderr while a run goes on, and the summary at the end.
 * On a TTY: a configuration panel, a live bar (≤10 redraws/s), a box-drawn summary.
 * Otherwise: plain lines every few seconds. Colour only on a TTY and without NO_COLOR. */
#ifndef SAMPLEVEC_UI_H
#define SAMPLEVEC_UI_H

#include <stdint.h>
#include <stdio.h>

typedef struct ui_config_row {
    const char *label, *value;
} ui_config_row;

typedef struct ui_progress {
    int64_t done, total;   /* samples settled / to settle this run */
    int64_t stored, failed, skipped;
    double cost_usd;
    double started;        /* monotime_now() at start */
    double last_draw;      /* monotime_now() of the last redraw or line */
    int spinner;
    int drawn;             /* a bar is on screen */
} ui_progress;

typedef struct ui_summary {
    const char *title;     /* "Embedding summary" or "Dry run estimate" */
    int64_t total, successful, failed, skipped;
    int64_t tokens;
    int tokens_estimated;  /* 1: say the counts are estimates */
    double cost_usd;
    const int64_t *failed_ids; /* n_failed_ids */
    size_t n_failed_ids;
    double elapsed_s;
    int64_t truncated;     /* texts cut to the model's limit */
} ui_summary;

/* 1 when stderr is a terminal (bars, panels, box drawing); 0 otherwise. */
int ui_is_tty(void);
/* 1 when colour may be used: a TTY and NO_COLOR unset or empty. */
int ui_use_color(void);

void ui_config_panel(const char *title, const ui_config_row *rows, int n);
void ui_progress_start(ui_progress *p, int64_t total);
/* Redraws when due (TTY: ≤10/s; plain: a line every 5 s). */
void ui_progress_update(ui_progress *p);
/* Draws 100% and ends the bar line. */
void ui_progress_finish(ui_progress *p);
void ui_summary_print(const ui_summary *s);

#endif
