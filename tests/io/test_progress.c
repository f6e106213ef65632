/* Tests for src/cli/progress.c: the line's format, at most one draw per
 * interval (a fake clock), nothing when not a terminal unless forced, and
 * "\r...\033[K" redraws on a real pseudo-terminal. */
#include "progress.h"
#include "testlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void test_format(void)
{
    char buf[256];
    progress_format(buf, sizeof buf, 412000000, 1200000000, 4.0, 120345, 2301877);
    CHECK_STR(buf, "412 MB of 1.20 GB (34%)  103 MB/s  120,345 docs  2,301,877 entities  ETA 0:00:08");
    progress_format(buf, sizeof buf, 5500, 0, 2.0, 7, 0);
    CHECK_STR(buf, "5.50 kB  2.75 kB/s  7 docs  0 entities");
    progress_format(buf, sizeof buf, 0, 1000, 0.0, 0, 0);
    CHECK_STR(buf, "0 B of 1.00 kB (0%)  0 B/s  0 docs  0 entities");
    /* a file that grew while it was read does not make 120 % */
    progress_format(buf, sizeof buf, 1200, 1000, 1.0, 1, 1);
    CHECK_STR(buf, "1.00 kB of 1.00 kB (100%)  1.00 kB/s  1 docs  1 entities  ETA 0:00:00");
    progress_format(buf, sizeof buf, 1000, 3600000, 1.0, 1, 1);
    CHECK_STR(buf, "1.00 kB of 3.60 MB (0%)  1.00 kB/s  1 docs  1 entities  ETA 0:59:59");
}

static double fake_time;

static double fake_now(void *user)
{
    (void)user;
    return fake_time;
}

/* Reads what the pipe holds without blocking. */
static size_t drain(int fd, char *buf, size_t size)
{
    size_t n = 0;
    for (ssize_t r; n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0;)
        n += (size_t)r;
    buf[n] = '\0';
    return n;
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_pipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    /* not a terminal: nothing unless forced */
    CHECK(progress_new(fds[1], PROGRESS_AUTO, 100) == NULL);
    progress_add(NULL, 1, 1, 1); /* NULL is a quiet no-op */
    progress_finish(NULL);
    progress *p = progress_new(fds[1], PROGRESS_ALWAYS, 1000);
    CHECK(p != NULL);
    if (!p) return;
    fake_time = 100.0;
    progress_set_clock(p, fake_now, NULL);
    progress_set_interval(p, 1.0);
    char buf[4096];
    for (int i = 0; i < 10; i++) { /* 10 documents within 0.9 s: no draw yet */
        progress_add(p, 10, 1, 2);
        fake_time += 0.09;
    }
    CHECK_INT(drain(fds[0], buf, sizeof buf), 0);
    fake_time = 101.0;
    progress_add(p, 0, 1, 0);
    progress_add(p, 0, 1, 0); /* same instant: one line */
    drain(fds[0], buf, sizeof buf);
    CHECK_STR(buf, "100 B of 1.00 kB (10%)  100 B/s  11 docs  20 entities  ETA 0:00:09\n");
    fake_time = 101.5;
    progress_set_bytes(p, 500);
    CHECK_INT(drain(fds[0], buf, sizeof buf), 0);
    fake_time = 102.0;
    progress_finish(p);
    drain(fds[0], buf, sizeof buf);
    CHECK_STR(buf, "500 B of 1.00 kB (50%)  250 B/s  12 docs  20 entities  ETA 0:00:02\n");
    progress_free(p);
    close(fds[0]);
    close(fds[1]);
}

static void test_terminal(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) {
        printf("no pseudo-terminal here: terminal case skipped\n");
        if (master >= 0) close(master);
        return;
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    CHECK(slave >= 0);
    if (slave < 0) return;
    fcntl(master, F_SETFL, O_NONBLOCK);
    progress *p = progress_new(slave, PROGRESS_AUTO, 0);
    CHECK(p != NULL);
    if (!p) return;
    fake_time = 0;
    progress_set_clock(p, fake_now, NULL);
    char buf[4096];
    for (int i = 0; i < 40; i++) { /* 4 s at 10 calls a second: 4 draws a second at most */
        fake_time += 0.1;
        progress_add(p, 1000, 1, 1);
    }
    progress_finish(p);
    progress_free(p);
    nanosleep(&(struct timespec){0, 20000000}, NULL);
    drain(master, buf, sizeof buf);
    int draws = count_char(buf, '\r');
    CHECK(draws >= 8 && draws <= 17); /* 16 redraws and the final one, ± the clock's steps */
    CHECK(strstr(buf, "\033[K") != NULL);
    CHECK(strstr(buf, "40 docs  40 entities\033[K") != NULL);
    CHECK(buf[strlen(buf) - 1] == '\n');
    close(slave);
    close(master);
}

int main(void)
{
    static const testlib_case cases[] = {TEST(test_format), TEST(test_pipe), TEST(test_terminal)};
    return testlib_run(cases, sizeof cases / sizeof *cases);
}
