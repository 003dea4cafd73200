/* fake_server.h: starts tests/fake_openai/server.js (node) on a free loopback port for a unit
 * test and stops it. Not a test itself. */
#ifndef SAMPLEVEC_TEST_FAKE_SERVER_H
#define SAMPLEVEC_TEST_FAKE_SERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKE_SERVER_JS TEST_DATA_DIR "/../fake_openai/server.js"

typedef struct fake_server {
    pid_t pid;
    int port;
    char base_url[64];
} fake_server;

/* argv: extra server options, NULL-terminated. Returns 0, or -1 when node is missing or the
 * server did not come up within 10 s. */
static int fake_start(fake_server *s, const char *const *extra)
{
    char port_file[64];
    snprintf(port_file, sizeof port_file, "/tmp/samplevec-fake-%d-%ld.port", (int)getpid(), (long)time(NULL) ^ (long)rand());
    unlink(port_file);
    const char *argv[40] = {"node", FAKE_SERVER_JS, "--port", "0", "--port-file", port_file};
    int n = 6;
    for (int i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execvp("node", (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            fclose(f);
            if (ok) {
                unlink(port_file);
                snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%d/v1", s->port);
                return 0;
            }
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            s->pid = 0;
            return -1;
        }
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    s->pid = 0;
    return -1;
}

static void fake_stop(fake_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

#endif
