#include "ui.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "msg.h"
#include "termtext.h"

#define TTY_TICK_S 0.1    /* the ticker redraws 10 times a second on a TTY */
#define PLAIN_LINE_S 5.0  /* a plain progress line every few seconds otherwise */
#define BAR_MAX_COLS 40
#define BAR_MIN_COLS 5
#define LINE_CAP 2048     /* bytes of one drawn line, colour codes included */

int ui_is_tty(void) { return isatty(STDERR_FILENO); }

int ui_use_color(void)
{
    const char *no_color = getenv("NO_COLOR");
    return ui_is_tty() && !(no_color && *no_color);
}

int ui_width(void)
{
    int cols = termtext_columns(STDERR_FILENO);
    if (cols <= 0)
        cols = 80;
    return cols < 20 ? 20 : cols;
}

static const char *color(const char *code) { return ui_use_color() ? code : ""; }
#define BOLD color("\033[1m")
#define DIM color("\033[2m")
#define GREEN color("\033[32m")
#define RED color("\033[31m")
#define CYAN color("\033[36m")
#define RESET color("\033[0m")

void ui_duration(double s, char *out, size_t cap)
{
    if (!(s >= 0) || s > 1e7) {
        snprintf(out, cap, "--:--");
        return;
    }
    long t = (long)s; /* whole seconds gone, as a clock shows them */
    if (t >= 3600)
        snprintf(out, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, cap, "%02ld:%02ld", t / 60, t % 60);
}

/* ---- boxes ---- */

/* A horizontal rule: left, `a` dashes, [junction, `b` dashes,] right. */
static void rule(const char *left, int a, const char *junction, int b, const char *right)
{
    fputs(left, stderr);
    for (int i = 0; i < a; i++)
        fputs("─", stderr);
    if (junction) {
        fputs(junction, stderr);
        for (int i = 0; i < b; i++)
            fputs("─", stderr);
    }
    fputs(right, stderr);
    fputc('\n', stderr);
}

/* Widths of a two-column box: labels lw, values vw, so that a row "│ L │ V │" (lw + vw + 7
 * columns) and the title fit in the terminal. */
static void box_widths(const char *title, const ui_summary_row *rows, int n, int *lw, int *vw)
{
    *lw = *vw = 0;
    for (int i = 0; i < n; i++) {
        int l = termtext_width(rows[i].label), v = termtext_width(rows[i].value);
        *lw = l > *lw ? l : *lw;
        *vw = v > *vw ? v : *vw;
    }
    int tw = termtext_width(title);
    if (tw > *lw + *vw + 3)
        *vw = tw - *lw - 3;
    int room = ui_width() - 7;
    if (*lw + *vw > room) {
        *vw = room - *lw;
        if (*vw < 8) {
            *vw = 8;
            *lw = room - *vw > 4 ? room - *vw : 4;
        }
    }
}

/* A box on a TTY, plain "samplevec: label: value" lines elsewhere. The panel: rounded corners,
 * "label : value" left-aligned; the summary: square corners, a column rule, values right-
 * aligned in their tone. Values are cut in the middle when the terminal is too narrow. */
static void draw_box(const char *title, const ui_summary_row *rows, int n, int panel)
{
    if (!ui_is_tty()) {
        if (!panel)
            fprintf(stderr, "samplevec: %s\n", title);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "samplevec: %s: %s\n", rows[i].label, rows[i].value);
        return;
    }
    int lw, vw;
    box_widths(title, rows, n, &lw, &vw);
    char cell[LINE_CAP], lab[LINE_CAP];
    rule(panel ? "╭" : "┌", lw + vw + 5, NULL, 0, panel ? "╮" : "┐");
    termtext_fit(title, lw + vw + 3, TERMTEXT_CUT_END, 1, cell, sizeof cell);
    fprintf(stderr, "│ %s%s%s │\n", BOLD, cell, RESET);
    if (panel)
        rule("├", lw + vw + 5, NULL, 0, "┤");
    else
        rule("├", lw + 2, "┬", vw + 2, "┤");
    for (int i = 0; i < n; i++) {
        termtext_fit(rows[i].label, lw, TERMTEXT_CUT_END, 1, lab, sizeof lab);
        if (panel) {
            termtext_fit(rows[i].value, vw, TERMTEXT_CUT_MIDDLE, 1, cell, sizeof cell);
            fprintf(stderr, "│ %s%s%s : %s │\n", CYAN, lab, RESET, cell);
        } else {
            int used = termtext_fit(rows[i].value, vw, TERMTEXT_CUT_MIDDLE, 0, cell, sizeof cell);
            const char *tone = rows[i].tone == UI_GOOD ? GREEN : rows[i].tone == UI_BAD ? RED : "";
            fprintf(stderr, "│ %s │ %*s%s%s%s │\n", lab, vw - used, "", tone, cell, RESET);
        }
    }
    if (panel)
        rule("╰", lw + vw + 5, NULL, 0, "╯");
    else
        rule("└", lw + 2, "┴", vw + 2, "┘");
}

void ui_config_panel(const char *title, const ui_config_row *rows, int n)
{
    ui_summary_row *as_rows = calloc((size_t)n + 1, sizeof *as_rows);
    if (!as_rows)
        return;
    for (int i = 0; i < n; i++)
        as_rows[i] = (ui_summary_row){rows[i].label, rows[i].value, UI_PLAIN};
    draw_box(title, as_rows, n, 1);
    free(as_rows);
}

void ui_summary_print(const char *title, const ui_summary_row *rows, int n) { draw_box(title, rows, n, 0); }

void ui_failed_ids(const int64_t *ids, size_t n, const char *progress_file)
{
    if (!n)
        return;
    int tty = ui_is_tty();
    fprintf(stderr, "%sFailed IDs:%s", tty ? RED : "samplevec: ", tty ? RESET : "");
    size_t shown = n < 50 ? n : 50;
    for (size_t i = 0; i < shown; i++)
        fprintf(stderr, "%s%lld", i ? ", " : " ", (long long)ids[i]);
    if (shown < n) {
        char more[TERMTEXT_COUNT_LEN];
        fprintf(stderr, " … and %s more (see %s)", termtext_count((int64_t)(n - shown), more),
                progress_file ? progress_file : "the progress file");
    }
    fputc('\n', stderr);
}

/* ---- the live bar ---- */

struct ui_bar {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t ticker;
    int ticking;          /* the ticker thread runs */
    int stop;             /* asks it to end */
    int started, ended;
    int tty;
    ui_bar_state st;
    double started_at;
    double last_plain;    /* when the last plain line was written */
    double last_tty;      /* when the bar was last drawn */
    unsigned spin;
    int drawn;            /* a bar line is on screen */
};

ui_bar *ui_bar_new(void)
{
    ui_bar *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->wake, NULL);
    return b;
}

/* One part of the bar line: its text, and how much it matters (the least first to go). */
typedef struct bar_part {
    char text[96];
    int priority;
    int width;   /* columns it takes: at least its text, padded on the left so that the bar
                    keeps one length while numbers grow */
    int keep;
} bar_part;

enum { PRIO_COST = 1, PRIO_RATE, PRIO_COUNTS, PRIO_ETA, PRIO_ELAPSED, PRIO_ALWAYS };

/* This run's samples per second and the samples it has moved past the provider. */
static double run_rate(const ui_bar_state *s, double elapsed)
{
    int64_t work = s->done + s->pending - s->done_before;
    return elapsed > 0 && work > 0 ? (double)work / elapsed : 0;
}

static void format_rate(double rate, char *out, size_t cap)
{
    char n[TERMTEXT_COUNT_LEN];
    if (rate >= 100)
        snprintf(out, cap, "%s/s", termtext_count((int64_t)(rate + 0.5), n));
    else
        snprintf(out, cap, "%.1f/s", rate);
}

static void format_cost(const ui_bar_state *s, char *out, size_t cap)
{
    if (s->cost_before_usd > 0)
        snprintf(out, cap, "$%.4f (job $%.4f)", s->cost_usd, s->cost_usd + s->cost_before_usd);
    else
        snprintf(out, cap, "$%.4f", s->cost_usd);
}

void ui_bar_render(const ui_bar_state *s, double elapsed, int cols, unsigned spin, int final,
                   ui_outcome outcome, int use_color, char *out, size_t cap)
{
    static const char *spinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    const char *cyan = use_color ? "\033[36m" : "", *green = use_color ? "\033[32m" : "",
               *red = use_color ? "\033[31m" : "", *reset = use_color ? "\033[0m" : "";
    int64_t progressed = s->done + s->pending;
    if (progressed > s->total)
        progressed = s->total;
    double frac = s->total > 0 ? (double)progressed / (double)s->total : 1.0;
    double rate = run_rate(s, elapsed);
    char a[TERMTEXT_COUNT_LEN], t[TERMTEXT_COUNT_LEN], dur[32];

    bar_part parts[6];
    memset(parts, 0, sizeof parts);
    int np = 0;
    snprintf(parts[np].text, sizeof parts[np].text, "%.1f%%", 100.0 * frac);
    parts[np].width = 6;
    parts[np++].priority = PRIO_ALWAYS;
    snprintf(parts[np].text, sizeof parts[np].text, "%s/%s", termtext_count(progressed, a),
             termtext_count(s->total, t));
    parts[np].width = 2 * termtext_width(t) + 1;
    parts[np++].priority = PRIO_COUNTS;
    format_rate(rate, parts[np].text, sizeof parts[np].text);
    parts[np].width = 8;
    parts[np++].priority = PRIO_RATE;
    ui_duration(elapsed, dur, sizeof dur);
    snprintf(parts[np].text, sizeof parts[np].text, "elapsed %s", dur);
    parts[np++].priority = PRIO_ELAPSED;
    if (!final && s->stop_flag && *s->stop_flag) {
        snprintf(parts[np].text, sizeof parts[np].text, "stopping (Ctrl-C again: at once)");
        parts[np++].priority = PRIO_ETA;
    } else if (!final) {
        ui_duration(rate > 0 ? (double)(s->total - progressed) / rate : -1, dur, sizeof dur);
        snprintf(parts[np].text, sizeof parts[np].text, "ETA %s", dur);
        parts[np++].priority = PRIO_ETA;
    } else if (outcome != UI_FINISHED) {
        snprintf(parts[np].text, sizeof parts[np].text, "%s",
                 outcome == UI_INTERRUPTED ? "interrupted" : "failed");
        parts[np++].priority = PRIO_ALWAYS;
    }
    if (s->show_cost) {
        format_cost(s, parts[np].text, sizeof parts[np].text);
        parts[np++].priority = PRIO_COST;
    }
    /* leave the last column alone: a line that reaches it may wrap on some terminals */
    int room = cols - 1, used = 2; /* spinner and a space */
    for (int i = 0; i < np; i++) {
        int w = termtext_width(parts[i].text);
        parts[i].width = w > parts[i].width ? w : parts[i].width;
    }
    /* the parts that matter most first, each while it still fits beside a bar */
    for (int prio = PRIO_ALWAYS; prio >= PRIO_COST; prio--)
        for (int i = 0; i < np; i++)
            if (parts[i].priority == prio && (prio == PRIO_ALWAYS || used + 2 + parts[i].width + BAR_MIN_COLS <= room)) {
                parts[i].keep = 1;
                used += 2 + parts[i].width;
            }
    int bar = room - used;
    if (bar > BAR_MAX_COLS)
        bar = BAR_MAX_COLS;
    if (bar < 3)
        bar = 0;
    int full = (int)((double)s->done / (double)(s->total > 0 ? s->total : 1) * bar + 0.5);
    int reached = (int)(frac * bar + 0.5);
    if (s->total <= 0)
        full = reached = bar;
    if (full > reached)
        full = reached;

    /* the visible text, measured, then the same with colour codes */
    size_t len = 0;
    const char *mark = !final ? spinner[spin % 10] : outcome == UI_FINISHED ? "✔" : "✖";
    out[0] = '\0';
#define OUT(...) (len += len < cap ? (size_t)snprintf(out + len, cap - len, __VA_ARGS__) : 0)
    OUT("%s%s%s %s", !final || outcome == UI_FINISHED ? cyan : red, mark, reset, green);
    for (int i = 0; i < bar; i++) {
        if (i == full)
            OUT("%s", reset);
        OUT("%s", i < full ? "█" : i < reached ? "▒" : "░");
    }
    OUT("%s", reset);
    for (int i = 0; i < np; i++)
        if (parts[i].keep) {
            int word = final && parts[i].priority == PRIO_ALWAYS && i > 0;
            OUT("%s%*s%s%s%s", bar || i ? "  " : "", parts[i].width - termtext_width(parts[i].text), "",
                word ? red : "", parts[i].text, word ? reset : "");
        }
#undef OUT
}

/* The TTY line: back to the line's start, erase it, the bar (ending the line when final). */
static void render_tty(ui_bar *b, int final, ui_outcome outcome, char *out, size_t cap)
{
    char line[LINE_CAP];
    ui_bar_render(&b->st, monotime_now() - b->started_at, ui_width(), b->spin, final, outcome, ui_use_color(),
                  line, sizeof line);
    snprintf(out, cap, "\r\033[K%s%s", line, final ? "\n" : "");
}

static void write_line(const char *line)
{
    fwrite(line, 1, strlen(line), stderr);
    fflush(stderr);
}

static void draw_tty(ui_bar *b)
{
    char line[LINE_CAP + 16];
    render_tty(b, 0, UI_FINISHED, line, sizeof line);
    b->spin++;
    write_line(line);
    b->drawn = 1;
}

static void draw_plain(ui_bar *b)
{
    const ui_bar_state *s = &b->st;
    double elapsed = monotime_now() - b->started_at, rate = run_rate(s, elapsed);
    int64_t progressed = s->done + s->pending;
    if (progressed > s->total)
        progressed = s->total;
    char a[TERMTEXT_COUNT_LEN], t[TERMTEXT_COUNT_LEN], d[TERMTEXT_COUNT_LEN], st[TERMTEXT_COUNT_LEN],
        f[TERMTEXT_COUNT_LEN], sk[TERMTEXT_COUNT_LEN], el[32], eta[32], r[48], cost[96] = "";
    ui_duration(elapsed, el, sizeof el);
    ui_duration(rate > 0 ? (double)(s->total - progressed) / rate : -1, eta, sizeof eta);
    format_rate(rate, r, sizeof r);
    if (s->show_cost) {
        char c[80];
        format_cost(s, c, sizeof c);
        snprintf(cost, sizeof cost, ", cost %s", c);
    }
    char line[LINE_CAP];
    snprintf(line, sizeof line,
             "samplevec: progress %s/%s (%.1f%%), %s committed (this run: %s stored, %s failed, %s "
             "skipped); %s, elapsed %s, ETA %s%s\n",
             termtext_count(progressed, a), termtext_count(s->total, t),
             s->total > 0 ? 100.0 * (double)progressed / (double)s->total : 100.0, termtext_count(s->done, d),
             termtext_count(s->stored, st), termtext_count(s->failed, f), termtext_count(s->skipped, sk), r, el,
             eta, cost);
    write_line(line);
}

/* One tick, with the lock held. */
static void tick(ui_bar *b)
{
    double now = monotime_now();
    if (b->tty) {
        draw_tty(b);
        b->last_tty = now;
    }
    else if (now - b->last_plain >= PLAIN_LINE_S) {
        draw_plain(b);
        b->last_plain = now;
    }
}

static void *ticker_run(void *arg)
{
    ui_bar *b = arg;
    /* signals go to the threads doing the work (their waits end early on EINTR) */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&b->lock);
    while (!b->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ns = ts.tv_nsec + (long)(TTY_TICK_S * 1e9);
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&b->wake, &b->lock, &ts);
        if (!b->stop)
            tick(b);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* msg.h's hooks: a message clears the bar line, is written, and the bar comes back below it. */
static void hide_bar(void *ctx)
{
    ui_bar *b = ctx;
    pthread_mutex_lock(&b->lock);
    if (b->tty && b->drawn) {
        write_line("\r\033[K");
        b->drawn = 0;
    }
}

static void show_bar(void *ctx)
{
    ui_bar *b = ctx;
    if (b->tty && !b->ended)
        draw_tty(b);
    pthread_mutex_unlock(&b->lock);
}

void ui_bar_start(ui_bar *b, const ui_bar_state *s)
{
    if (!b || b->started)
        return;
    b->started = 1;
    b->tty = ui_is_tty();
    b->st = *s;
    b->started_at = b->last_plain = monotime_now();
    msg_set_screen_hooks(hide_bar, show_bar, b);
    if (b->tty) {
        draw_tty(b);
        b->last_tty = b->started_at;
    }
    b->ticking = pthread_create(&b->ticker, NULL, ticker_run, b) == 0;
}

void ui_bar_set(ui_bar *b, const ui_bar_state *s)
{
    if (!b || !b->started || b->ended)
        return;
    pthread_mutex_lock(&b->lock);
    b->st = *s;
    /* without a ticker thread (none could be started) updates draw, at the ticker's pace */
    if (!b->ticking && (!b->tty || monotime_now() - b->last_tty >= TTY_TICK_S))
        tick(b);
    pthread_mutex_unlock(&b->lock);
}

int ui_bar_started(const ui_bar *b) { return b && b->started; }

ui_bar_state ui_bar_get(ui_bar *b)
{
    ui_bar_state s;
    memset(&s, 0, sizeof s);
    if (b) {
        pthread_mutex_lock(&b->lock);
        s = b->st;
        pthread_mutex_unlock(&b->lock);
    }
    return s;
}

double ui_bar_elapsed(const ui_bar *b) { return b && b->started ? monotime_now() - b->started_at : 0; }

void ui_bar_end(ui_bar *b, ui_outcome outcome)
{
    if (!b || !b->started || b->ended)
        return;
    pthread_mutex_lock(&b->lock);
    b->stop = 1;
    pthread_cond_signal(&b->wake);
    pthread_mutex_unlock(&b->lock);
    if (b->ticking)
        pthread_join(b->ticker, NULL);
    b->ticking = 0;
    msg_set_screen_hooks(NULL, NULL, NULL);
    b->ended = 1;
    if (b->tty) {
        char line[LINE_CAP + 16];
        render_tty(b, 1, outcome, line, sizeof line);
        write_line(line);
        b->drawn = 0;
    }
}

void ui_bar_free(ui_bar *b)
{
    if (!b)
        return;
    ui_bar_end(b, UI_FAILED);
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->lock);
    free(b);
}
