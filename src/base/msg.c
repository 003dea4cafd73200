#include "msg.h"

#include <stdio.h>

static int quiet_mode;

void msg_set_quiet(int quiet) { quiet_mode = quiet; }

static void emit(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "samplevec: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
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
    emit("", fmt, ap);
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
