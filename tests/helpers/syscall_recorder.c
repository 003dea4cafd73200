/* syscall_recorder: an LD_PRELOAD shim for tests (not part of samplevec). It records, in call
 * order, what a process does to files that decides what survives a crash: opens, writes,
 * fsync/fdatasync, renames and unlinks, one line each, to the file named by $SYSCALL_LOG:
 *
 *   SEQ TID OP PATH [PATH2] [BYTES]
 *     open PATH            -- a file or directory opened (fd-based events name PATH too)
 *     write PATH BYTES     -- write, pwrite, pwrite64, writev, pwritev
 *     fsync PATH           -- fsync or fdatasync (both make the data durable; the log says which)
 *     fdatasync PATH
 *     rename OLD NEW       -- rename, renameat, renameat2
 *     unlink PATH
 *     exit -               -- a thread made by pthread_create returned from its function
 * TID is the calling thread's kernel id. samplevec writes a chunk on a thread of its own while
 * the thread that saves the checkpoints goes on, so the events of two threads interleave; the
 * thread ids and the exits say which write belongs to which, and that a write's thread had
 * ended (been joined) before a checkpoint was saved.
 * PATHs are absolute (the fd's /proc/self/fd link, or the argument made absolute). Only paths
 * under $SYSCALL_LOG_UNDER (a directory) are recorded, so the terminal and the library's reads
 * do not drown the store's and the checkpoint's events. Each line is one write(2) to an
 * O_APPEND file, so threads do not interleave inside a line.
 *
 * tests/cli/crash_order.sh reads the log and asserts the order the durability promise needs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int log_fd = -2; /* -2 = not opened yet, -1 = recording off */
static char under[PATH_MAX];
static size_t under_len;
static atomic_long seq;

/* At load time, before the program's threads exist. */
__attribute__((constructor)) static void recorder_init(void)
{
    if (log_fd != -2)
        return;
    const char *path = getenv("SYSCALL_LOG"), *dir = getenv("SYSCALL_LOG_UNDER");
    if (!path || !dir || !realpath(dir, under)) {
        log_fd = -1;
        return;
    }
    under_len = strlen(under);
    /* the raw syscall: our own open() below would record this file too */
    log_fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static int recorded(const char *path)
{
    return path && strncmp(path, under, under_len) == 0 && (path[under_len] == '/' || path[under_len] == 0);
}

static void emit(const char *op, const char *a, const char *b, long bytes)
{
    char line[2 * PATH_MAX + 96];
    int n;
    long k = atomic_fetch_add(&seq, 1) + 1;
    long tid = (long)syscall(SYS_gettid);
    if (b)
        n = snprintf(line, sizeof line, "%ld %ld %s %s %s\n", k, tid, op, a, b);
    else if (bytes >= 0)
        n = snprintf(line, sizeof line, "%ld %ld %s %s %ld\n", k, tid, op, a, bytes);
    else
        n = snprintf(line, sizeof line, "%ld %ld %s %s\n", k, tid, op, a);
    if (n > 0 && (size_t)n < sizeof line)
        (void)!syscall(SYS_write, log_fd, line, (size_t)n);
}

/* The path behind fd, or NULL when it is not a recorded one. */
static const char *fd_path(int fd, char out[PATH_MAX])
{
    char link[64];
    recorder_init();
    if (log_fd < 0 || fd < 0 || fd == log_fd)
        return NULL;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, PATH_MAX - 1);
    if (n <= 0)
        return NULL;
    out[n] = 0;
    return recorded(out) ? out : NULL;
}

/* path made absolute against dirfd (AT_FDCWD or a directory fd); NULL when not recorded. */
static const char *abs_path(int dirfd, const char *path, char out[PATH_MAX])
{
    char base[PATH_MAX];
    recorder_init();
    if (log_fd < 0 || !path)
        return NULL;
    if (path[0] == '/')
        snprintf(out, PATH_MAX, "%s", path);
    else {
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof base))
                return NULL;
        } else {
            char link[64];
            snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
            ssize_t n = readlink(link, base, sizeof base - 1);
            if (n <= 0)
                return NULL;
            base[n] = 0;
        }
        if ((size_t)snprintf(out, PATH_MAX, "%s/%s", base, path) >= PATH_MAX)
            return NULL;
    }
    return recorded(out) ? out : NULL;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static void after_open(int fd)
{
    char p[PATH_MAX];
    const char *path = fd >= 0 ? fd_path(fd, p) : NULL;
    if (path)
        emit("open", path, NULL, -1);
}

static mode_t open_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    int fd = REAL(open)(path, flags, mode);
    after_open(fd);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    int fd = REAL(open64)(path, flags, mode);
    after_open(fd);
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    int fd = REAL(openat)(dirfd, path, flags, mode);
    after_open(fd);
    return fd;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    int fd = REAL(openat64)(dirfd, path, flags, mode);
    after_open(fd);
    return fd;
}

static void after_write(int fd, ssize_t n)
{
    char p[PATH_MAX];
    const char *path = n >= 0 ? fd_path(fd, p) : NULL;
    if (path)
        emit("write", path, NULL, (long)n);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    ssize_t n = REAL(write)(fd, buf, len);
    after_write(fd, n);
    return n;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    ssize_t n = REAL(pwrite)(fd, buf, len, off);
    after_write(fd, n);
    return n;
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
    ssize_t n = REAL(pwrite64)(fd, buf, len, off);
    after_write(fd, n);
    return n;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    ssize_t n = REAL(writev)(fd, iov, cnt);
    after_write(fd, n);
    return n;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    ssize_t n = REAL(pwritev)(fd, iov, cnt, off);
    after_write(fd, n);
    return n;
}

static void after_sync(const char *op, int fd, int rc)
{
    char p[PATH_MAX];
    const char *path = rc == 0 ? fd_path(fd, p) : NULL;
    if (path)
        emit(op, path, NULL, -1);
}

int fsync(int fd)
{
    int rc = REAL(fsync)(fd);
    after_sync("fsync", fd, rc);
    return rc;
}

int fdatasync(int fd)
{
    int rc = REAL(fdatasync)(fd);
    after_sync("fdatasync", fd, rc);
    return rc;
}

static void after_rename(int olddir, const char *from, int newdir, const char *to, int rc)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (rc != 0)
        return;
    const char *pa = abs_path(olddir, from, a), *pb = abs_path(newdir, to, b);
    if (pa || pb)
        emit("rename", pa ? pa : from, pb ? pb : to, -1);
}

int rename(const char *from, const char *to)
{
    /* made absolute before the call: the cwd does not change during it */
    int rc = REAL(rename)(from, to);
    after_rename(AT_FDCWD, from, AT_FDCWD, to, rc);
    return rc;
}

int renameat(int olddir, const char *from, int newdir, const char *to)
{
    int rc = REAL(renameat)(olddir, from, newdir, to);
    after_rename(olddir, from, newdir, to, rc);
    return rc;
}

int renameat2(int olddir, const char *from, int newdir, const char *to, unsigned flags)
{
    int rc = REAL(renameat2)(olddir, from, newdir, to, flags);
    after_rename(olddir, from, newdir, to, rc);
    return rc;
}

int unlink(const char *path)
{
    char p[PATH_MAX];
    const char *ap = abs_path(AT_FDCWD, path, p); /* before: afterwards it no longer exists */
    int rc = REAL(unlink)(path);
    if (rc == 0 && ap)
        emit("unlink", ap, NULL, -1);
    return rc;
}

/* A thread's end, logged by the thread itself after its function returns: every event of the
 * thread comes before it in the log, and whoever joins the thread can only go on after it. */
typedef struct {
    void *(*fn)(void *);
    void *arg;
} thread_start;

static void *recorded_thread(void *p)
{
    thread_start start = *(thread_start *)p;
    free(p);
    void *result = start.fn(start.arg);
    if (log_fd >= 0)
        emit("exit", "-", NULL, -1);
    return result;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    recorder_init();
    thread_start *start = log_fd >= 0 ? malloc(sizeof *start) : NULL;
    if (!start)
        return REAL(pthread_create)(thread, attr, fn, arg);
    start->fn = fn;
    start->arg = arg;
    int rc = REAL(pthread_create)(thread, attr, recorded_thread, start);
    if (rc != 0)
        free(start);
    return rc;
}
