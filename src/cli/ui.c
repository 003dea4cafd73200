#include "ui.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"

#define TTY_REDRAW_S 0.1  /* ≤ 10 redraws per second */
#define PLAIN_LINE_S 5.0  /* a plain progress line every few seconds */

int ui_is_tty(void) { return isatty(STDERR_FILENO); }

int ui_use_color(void)
{
    const char *no_color = getenv("NO_COLOR");
    return ui_is_tty() && !(no_color && *no_color);
}

static int term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static const char *color(const char *code) { return ui_use_color() ? code : ""; }
#define BOLD color("\033[1m")
#define DIM color("\033[2m")
#define GREEN color("\033[32m")
#define RED color("\033[31m")
#define CYAN color("\033[36m")
#define RESET color("\033[0m")

static void format_duration(double s, char *out, size_t cap)
{
    if (s < 0 || s > 1e7) {
        snprintf(out, cap, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, cap, "%02ld:%02ld", t / 60, t % 60);
}

void ui_config_panel(const char *title, const ui_config_row *rows, int n)
{
    if (!ui_is_tty()) {
        for (int i = 0; i < n; i++)
            fprintf(stderr, "samplevec: %s: %s\n", rows[i].label, rows[i].value);
        return;
    }
    int lw = 0, vw = (int)strlen(title);
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(rows[i].label), v = (int)strlen(rows[i].value);
        lw = l > lw ? l : lw;
        vw = v > vw ? v : vw;
    }
    int maxw = term_width() - lw - 7;
    if (vw > maxw)
        vw = maxw > 10 ? maxw : 10;
    int inner = lw + vw + 3;
    fprintf(stderr, "╭");
    for (int i = 0; i < inner + 2; i++)
        fprintf(stderr, "─");
    fprintf(stderr, "╮\n│ %s%-*s%s │\n├", BOLD, inner, title, RESET);
    for (int i = 0; i < inner + 2; i++)
        fprintf(stderr, "─");
    fprintf(stderr, "┤\n");
    for (int i = 0; i < n; i++)
        fprintf(stderr, "│ %s%-*s%s : %-*.*s │\n", CYAN, lw, rows[i].label, RESET, vw, vw,
                rows[i].value);
    fprintf(stderr, "╰");
    for (int i = 0; i < inner + 2; i++)
        fprintf(stderr, "─");
    fprintf(stderr, "╯\n");
}

void ui_progress_start(ui_progress *p, int64_t total)
{
    memset(p, 0, sizeof *p);
    p->total = total;
    p->started = monotime_now();
    p->last_draw = 0;
}

static void draw(ui_progress *p, int final)
{
    double now = monotime_now(), elapsed = now - p->started;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    double pct = p->total > 0 ? 100.0 * (double)p->done / (double)p->total : 100.0;
    char eta[32], el[32];
    format_duration(rate > 0 ? (double)(p->total - p->done) / rate : -1, eta, sizeof eta);
    format_duration(elapsed, el, sizeof el);
    if (!ui_is_tty()) {
        fprintf(stderr,
                "samplevec: progress %lld/%lld (%.1f%%) stored %lld failed %lld skipped %lld, "
                "%.1f samples/s, cost $%.6f, elapsed %s\n",
                (long long)p->done, (long long)p->total, pct, (long long)p->stored,
                (long long)p->failed, (long long)p->skipped, rate, p->cost_usd, el);
        return;
    }
    static const char *spin[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    char tail[160];
    int tail_len = snprintf(tail, sizeof tail, " %5.1f%% %lld/%lld %.0f/s ETA %s $%.4f",
                            pct, (long long)p->done, (long long)p->total, rate, final ? "00:00" : eta,
                            p->cost_usd);
    int bar = term_width() - tail_len - 5;
    if (bar > 40)
        bar = 40;
    if (bar < 5)
        bar = 5;
    int filled = (int)(pct / 100.0 * bar + 0.5);
    fprintf(stderr, "\r\033[K%s%s%s %s", CYAN, final ? "✔" : spin[p->spinner++ % 10], RESET, GREEN);
    for (int i = 0; i < bar; i++)
        fputs(i < filled ? "█" : (i == filled ? "▌" : " "), stderr);
    fprintf(stderr, "%s%s", RESET, tail);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
    p->drawn = !final;
}

void ui_progress_update(ui_progress *p)
{
    double now = monotime_now();
    double every = ui_is_tty() ? TTY_REDRAW_S : PLAIN_LINE_S;
    if (p->last_draw == 0 && !ui_is_tty())
        p->last_draw = now; /* the first plain line after PLAIN_LINE_S, not at once */
    if (now - p->last_draw < every)
        return;
    p->last_draw = now;
    draw(p, 0);
}

void ui_progress_finish(ui_progress *p)
{
    if (ui_is_tty())
        draw(p, 1);
}

static void summary_row(int lw, int vw, const char *label, const char *value, const char *col)
{
    if (ui_is_tty())
        fprintf(stderr, "│ %-*s │ %s%*s%s │\n", lw, label, col, vw, value, RESET);
    else
        fprintf(stderr, "samplevec: %s: %s\n", label, value);
}

void ui_summary_print(const ui_summary *s)
{
    char v[10][64];
    const char *labels[10] = {"Total Samples", "Successful", "Failed", "Skipped", "Success Rate",
                              "Total Tokens", "Total Cost", "Avg Cost/Sample", "Truncated",
                              "Elapsed"};
    int64_t attempted = s->successful + s->failed;
    snprintf(v[0], 64, "%lld", (long long)s->total);
    snprintf(v[1], 64, "%lld", (long long)s->successful);
    snprintf(v[2], 64, "%lld", (long long)s->failed);
    snprintf(v[3], 64, "%lld", (long long)s->skipped);
    snprintf(v[4], 64, "%.1f%%", attempted ? 100.0 * (double)s->successful / (double)attempted : 100.0);
    snprintf(v[5], 64, "%lld%s", (long long)s->tokens, s->tokens_estimated ? " (estimate)" : "");
    snprintf(v[6], 64, "$%.6f", s->cost_usd);
    snprintf(v[7], 64, "$%.8f", s->successful ? s->cost_usd / (double)s->successful : 0.0);
    snprintf(v[8], 64, "%lld", (long long)s->truncated);
    snprintf(v[9], 64, "%.2f s", s->elapsed_s);
    int lw = 15, vw = 0;
    for (int i = 0; i < 10; i++) {
        int l = (int)strlen(v[i]);
        vw = l > vw ? l : vw;
    }
    int tty = ui_is_tty();
    if (tty) {
        fprintf(stderr, "┌");
        for (int i = 0; i < lw + vw + 5; i++)
            fprintf(stderr, "─");
        fprintf(stderr, "┐\n│ %s%-*s%s │\n├", BOLD, lw + vw + 3, s->title, RESET);
        for (int i = 0; i < lw + 2; i++)
            fprintf(stderr, "─");
        fprintf(stderr, "┬");
        for (int i = 0; i < vw + 2; i++)
            fprintf(stderr, "─");
        fprintf(stderr, "┤\n");
    } else {
        fprintf(stderr, "samplevec: %s\n", s->title);
    }
    for (int i = 0; i < 10; i++) {
        if (i == 8 && !s->truncated)
            continue;
        const char *col = i == 1 ? GREEN : (i == 2 && s->failed ? RED : "");
        summary_row(lw, vw, labels[i], v[i], col);
    }
    if (tty) {
        fprintf(stderr, "└");
        for (int i = 0; i < lw + 2; i++)
            fprintf(stderr, "─");
        fprintf(stderr, "┴");
        for (int i = 0; i < vw + 2; i++)
            fprintf(stderr, "─");
        fprintf(stderr, "┘\n");
    }
    if (s->n_failed_ids) {
        fprintf(stderr, "%sFailed IDs:%s", tty ? RED : "samplevec: ", tty ? RESET : "");
        size_t shown = s->n_failed_ids < 50 ? s->n_failed_ids : 50;
        for (size_t i = 0; i < shown; i++)
            fprintf(stderr, "%s%lld", i ? ", " : " ", (long long)s->failed_ids[i]);
        if (shown < s->n_failed_ids)
            fprintf(stderr, " … and %zu more (see the progress file)", s->n_failed_ids - shown);
        fputc('\n', stderr);
    }
}
