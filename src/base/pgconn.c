#include "pgconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The password of url into *secret (malloc'd, "" when none) and the redacted URL into out. */
static void split_secret(const char *url, char *out, size_t cap, char **secret)
{
    size_t o = 0;
    const char *scheme_end = strstr(url, "://");
    const char *p = url;
    const char *secret_at = NULL;
    size_t secret_len = 0;
#define PUT(s, n)                                                                             \
    do {                                                                                      \
        size_t n_ = (n);                                                                      \
        if (o + n_ >= cap)                                                                    \
            n_ = o + 1 < cap ? cap - o - 1 : 0;                                               \
        memcpy(out + o, (s), n_);                                                             \
        o += n_;                                                                              \
    } while (0)
    if (scheme_end) {
        PUT(url, (size_t)(scheme_end + 3 - url));
        p = scheme_end + 3;
        size_t auth_len = strcspn(p, "/?");
        const char *at = NULL;
        for (const char *q = p; q < p + auth_len; q++)
            if (*q == '@')
                at = q;
        if (at) {
            const char *colon = memchr(p, ':', (size_t)(at - p));
            if (colon) {
                PUT(p, (size_t)(colon - p));
                PUT(":***", 4);
                secret_at = colon + 1;
                secret_len = (size_t)(at - colon - 1);
                p = at;
            }
        }
    }
    /* the rest, with every *password*=value query parameter masked */
    const char *query = strchr(p, '?');
    PUT(p, query ? (size_t)(query - p) : strlen(p));
    while (query && *query) {
        PUT(query, 1); /* '?' or '&' */
        const char *param = query + 1;
        size_t len = strcspn(param, "&");
        const char *eq = memchr(param, '=', len);
        int masked = 0;
        if (eq) {
            for (const char *q = param; q + 8 <= eq; q++)
                if (strncasecmp(q, "password", 8) == 0)
                    masked = 1;
        }
        if (masked) {
            PUT(param, (size_t)(eq - param) + 1);
            PUT("***", 3);
            if (!secret_at) {
                secret_at = eq + 1;
                secret_len = len - (size_t)(eq + 1 - param);
            }
        } else {
            PUT(param, len);
        }
        query = param[len] ? param + len : NULL;
    }
#undef PUT
    out[o] = '\0';
    if (secret) {
        *secret = malloc(secret_len + 1);
        if (*secret) {
            if (secret_at)
                memcpy(*secret, secret_at, secret_len);
            (*secret)[secret_len] = '\0';
        }
    }
}

void pgconn_redact(const char *url, char *out, size_t cap) { split_secret(url, out, cap, NULL); }

/* Replaces every occurrence of secret in s (in place) with "***". */
static void scrub(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n == 0)
        return;
    char *hit;
    while ((hit = strstr(s, secret)) != NULL) {
        size_t tail = strlen(hit + n) + 1;
        if (n >= 3) {
            memcpy(hit, "***", 3);
            memmove(hit + 3, hit + n, tail);
        } else {
            memset(hit, '*', n);
        }
    }
}

int pgconn_fail(const pgconn *c, const PGresult *res, int code, const char *what, char err[SV_ERR_LEN])
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = c && c->conn ? PQerrorMessage(c->conn) : "out of memory";
    char text[SV_ERR_LEN];
    snprintf(text, sizeof text, "%s", msg);
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    for (char *q = text; *q; q++)
        if (*q == '\n')
            *q = ' ';
    scrub(text, c ? c->secret : NULL);
    sv_fail(err, code, "PostgreSQL %s: %s: %s", c ? c->where : "?", what, text);
    scrub(err, c ? c->secret : NULL);
    return code;
}

pgconn *pgconn_open(const char *url, int read_only, char err[SV_ERR_LEN])
{
    pgconn *c = calloc(1, sizeof *c);
    if (!c) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    split_secret(url, c->where, sizeof c->where, &c->secret);
    if (!c->secret) {
        free(c);
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    /* Later keywords win: the URL overrides our connect_timeout; read-only mode overrides it. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", "options", NULL};
    const char *values[] = {"10", "samplevec", url,
                            read_only ? "-c default_transaction_read_only=on" : "", NULL};
    c->conn = PQconnectdbParams(keys, values, 1);
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        pgconn_fail(c, NULL, SV_EXIT_DATA, "cannot connect", err);
        pgconn_close(c);
        return NULL;
    }
    return c;
}

void pgconn_close(pgconn *c)
{
    if (!c)
        return;
    PQfinish(c->conn);
    if (c->secret) {
        memset(c->secret, 0, strlen(c->secret));
        free(c->secret);
    }
    free(c);
}

int pgconn_exec(pgconn *c, const char *sql, const char *what, char err[SV_ERR_LEN])
{
    PGresult *res = PQexec(c->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0
                                                              : pgconn_fail(c, res, SV_EXIT_DATA, what, err);
    PQclear(res);
    return rc;
}

int pgconn_allow_writes(pgconn *c, char err[SV_ERR_LEN])
{
    return pgconn_exec(c, "SET SESSION default_transaction_read_only = off", "cannot allow writes", err);
}

const char *pgconn_sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}
