#include "msg.h"

#include <stdio.h>

static int quiet_mode;
static void (*screen_hide)(void *ctx);
static void (*screen_show)(void *ctx);
static void *screen_ctx;

void msg_set_quiet(int quiet) { quiet_mode = quiet; }

void msg_set_screen_hooks(void (*hide)(void *ctx), void (*show)(void *ctx), void *ctx)
{
    int both = hide && show; /* a hide without its show would leave the screen hidden */
    screen_hide = both ? hide : NULL;
    screen_show = both ? show : NULL;
    screen_ctx = both ? ctx : NULL;
}

static void emit(const char *kind, const char *fmt, va_list ap)
{
    /* one write for the whole line, so a line from another thread cannot land inside it */
    char line[4096];
    int n = snprintf(line, sizeof line, "samplevec: %s", kind);
    if (n < 0)
        n = 0;
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* one reading of the hooks, so hide and show always come in pairs */
    void (*hide)(void *) = screen_hide, (*show)(void *) = screen_show;
    void *ctx = screen_ctx;
    if (!hide || !show)
        hide = show = NULL;
    if (hide)
        hide(ctx);
    fwrite(line, 1, len, stderr);
    fflush(stderr);
    if (show)
        show(ctx);
}

void msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("error: ", fmt, ap);
    va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap);
    va_end(ap);
}

void msg_info(const char *fmt, ...)
{
    if (quiet_mode)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}

int msg_usage(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("error: ", fmt, ap);
    va_end(ap);
    if (command)
        fprintf(stderr, "samplevec: try 'samplevec %s --help' for more information\n", command);
    else
        fprintf(stderr, "samplevec: try 'samplevec --help' for more information\n");
    return SV_EXIT_USAGE;
}

int sv_fail(char err[SV_ERR_LEN], int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, SV_ERR_LEN, fmt, ap);
    va_end(ap);
    return code;
}
