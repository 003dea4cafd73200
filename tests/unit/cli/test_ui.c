/* ui_bar_render: the bar says what happened: rate and ETA from this run's work and time after
 * --resume, committed and pending shown apart, the outcome at the end (no ✔ or ETA 00:00 for
 * an interrupted run), no cost for a free provider, and never wider than the terminal. */
#include <signal.h>
#include <string.h>

#include "check.h"
#include "termtext.h"
#include "ui.h"

static char line[4096];

static const char *render(const ui_bar_state *s, double elapsed, int cols, int final, ui_outcome o)
{
    ui_bar_render(s, elapsed, cols, 0, final, o, 0, line, sizeof line);
    return line;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

int main(void)
{
    /* --resume: 48,000 done before, 12,000 this run in one second */
    ui_bar_state s = {.total = 60000, .done = 60000, .done_before = 48000};
    render(&s, 1.0, 120, 0, UI_FINISHED);
    CHECK(strstr(line, "12,000/s") != NULL);
    CHECK(strstr(line, "60,000/s") == NULL);
    CHECK(strstr(line, "60,000/60,000") != NULL); /* the counts are the job's */

    /* ETA from this run's rate: 6,000 in 1 s, 24,000 to go → 4 s */
    ui_bar_state mid = {.total = 60000, .done = 36000, .done_before = 30000};
    render(&mid, 1.0, 120, 0, UI_FINISHED);
    CHECK(strstr(line, "ETA 00:04") != NULL);
    CHECK(strstr(line, "6,000/s") != NULL);
    CHECK(strstr(line, "elapsed 00:01") != NULL);
    /* nothing done yet this run: no rate, no ETA */
    ui_bar_state fresh = {.total = 60000, .done = 30000, .done_before = 30000};
    render(&fresh, 0.5, 120, 0, UI_FINISHED);
    CHECK(strstr(line, "0.0/s") != NULL && strstr(line, "ETA --:--") != NULL);

    /* committed █, past the provider ▒, to do ░ on a 40-column bar */
    ui_bar_state split = {.total = 400, .done = 100, .pending = 100};
    render(&split, 1.0, 200, 0, UI_FINISHED);
    CHECK(count_of(line, "█") == 10 && count_of(line, "▒") == 10 && count_of(line, "░") == 20);
    CHECK(strstr(line, "200/400") != NULL && strstr(line, "50.0%") != NULL);

    /* the end says what it was */
    ui_bar_state stopped = {.total = 2437, .done = 1155, .stored = 1155};
    render(&stopped, 5, 100, 1, UI_INTERRUPTED);
    CHECK(strncmp(line, "✖", strlen("✖")) == 0);
    CHECK(strstr(line, "interrupted") != NULL && strstr(line, "ETA") == NULL && strstr(line, "✔") == NULL);
    CHECK(strstr(line, "47.4%") != NULL);
    render(&stopped, 5, 100, 1, UI_FAILED);
    CHECK(strncmp(line, "✖", strlen("✖")) == 0 && strstr(line, "failed") != NULL);
    ui_bar_state done = {.total = 2437, .done = 2437, .stored = 2437};
    render(&done, 5, 100, 1, UI_FINISHED);
    CHECK(strncmp(line, "✔", strlen("✔")) == 0 && strstr(line, "ETA") == NULL && strstr(line, "100.0%") != NULL);

    /* cost: none for a free provider; this run and the job's after --resume */
    render(&mid, 1.0, 200, 0, UI_FINISHED);
    CHECK(strchr(line, '$') == NULL);
    ui_bar_state paid = mid;
    paid.show_cost = 1;
    paid.cost_usd = 0.0121;
    paid.cost_before_usd = 0.03;
    render(&paid, 1.0, 200, 0, UI_FINISHED);
    CHECK(strstr(line, "$0.0121 (job $0.0421)") != NULL);

    /* Ctrl-C pressed: stopping, not an ETA */
    volatile sig_atomic_t flag = 1;
    ui_bar_state stopping = mid;
    stopping.stop_flag = &flag;
    render(&stopping, 1.0, 120, 0, UI_FINISHED);
    CHECK(strstr(line, "stopping") != NULL && strstr(line, "ETA") == NULL);

    /* every width from 40 up: the line fits, leaving the last column free */
    ui_bar_state big = {.total = 1234567, .done = 600000, .done_before = 100000, .pending = 5000,
                        .cost_usd = 1.5, .cost_before_usd = 0.25, .show_cost = 1};
    int fits = 1;
    for (int cols = 40; cols <= 200; cols++)
        for (int final = 0; final < 2; final++) {
            render(&big, 12345.0, cols, final, UI_INTERRUPTED);
            if (termtext_width(line) > cols - 1)
                fits = 0;
        }
    CHECK(fits);
    render(&big, 65.0, 40, 0, UI_FINISHED);
    CHECK(strstr(line, "elapsed 01:05") != NULL); /* the ticking part stays at 40 columns */
    return check_summary();
}
