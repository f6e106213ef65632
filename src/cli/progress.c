/* --progress; see progress.h. */
#include "progress.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct progress {
    int fd;
    bool tty;
    unsigned long long total;
    atomic_ullong bytes, documents, entities;
    atomic_flag drawing;
    atomic_llong next_draw_us; /* microseconds of the clock: integers stay lock-free */
    double start, interval;
    double (*now)(void *);
    void *now_user;
};

static double real_now(void *user)
{
    (void)user;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long to_us(double seconds)
{
    return (long long)(seconds * 1e6);
}

progress *progress_new(int fd, progress_mode mode, unsigned long long total_bytes)
{
    bool tty = isatty(fd) == 1;
    if (!tty && mode != PROGRESS_ALWAYS) return NULL;
    progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->fd = fd;
    p->tty = tty;
    p->total = total_bytes;
    atomic_init(&p->bytes, 0);
    atomic_init(&p->documents, 0);
    atomic_init(&p->entities, 0);
    atomic_flag_clear(&p->drawing);
    p->now = real_now;
    p->interval = tty ? 0.25 : 1.0;
    p->start = real_now(NULL);
    atomic_init(&p->next_draw_us, to_us(p->start + p->interval));
    return p;
}

void progress_set_clock(progress *p, double (*now)(void *), void *user)
{
    if (!p) return;
    p->now = now;
    p->now_user = user;
    p->start = now(user);
    atomic_store(&p->next_draw_us, to_us(p->start + p->interval));
}

void progress_set_interval(progress *p, double seconds)
{
    if (!p) return;
    p->interval = seconds;
    atomic_store(&p->next_draw_us, to_us(p->start + seconds));
}

/* 1234567 -> "1,234,567" */
static void grouped(char *buf, size_t size, unsigned long long v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t j = 0;
    for (int i = 0; i < n && j + 1 < size; i++) {
        if (i && (n - i) % 3 == 0 && j + 2 < size) buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = '\0';
}

/* 1.5e9 -> "1.50 GB", decimal units as disks and networks count. */
static void human_bytes(char *buf, size_t size, double v)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (v >= 1000 && u < 5)
        v /= 1000, u++;
    if (u == 0) snprintf(buf, size, "%.0f B", v);
    else snprintf(buf, size, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void progress_format(char *buf, unsigned long size, unsigned long long bytes,
                     unsigned long long total, double seconds, unsigned long long documents,
                     unsigned long long entities)
{
    char done[32], all[32], rate[32], docs[32], ents[32], eta[48] = "";
    if (total && bytes > total) bytes = total; /* a file that grew while read */
    human_bytes(done, sizeof done, (double)bytes);
    double per_second = seconds > 0 ? (double)bytes / seconds : 0;
    human_bytes(rate, sizeof rate, per_second);
    grouped(docs, sizeof docs, documents);
    grouped(ents, sizeof ents, entities);
    if (total && per_second > 0) {
        unsigned long long left = (unsigned long long)((double)(total - bytes) / per_second + 0.5);
        snprintf(eta, sizeof eta, "  ETA %llu:%02llu:%02llu", left / 3600, left / 60 % 60,
                 left % 60);
    }
    if (total) {
        human_bytes(all, sizeof all, (double)total);
        snprintf(buf, size, "%s of %s (%d%%)  %s/s  %s docs  %s entities%s", done, all,
                 (int)((double)bytes * 100.0 / (double)total), rate, docs, ents, eta);
    } else {
        snprintf(buf, size, "%s  %s/s  %s docs  %s entities", done, rate, docs, ents);
    }
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return; /* progress is best effort: never fail the run for it */
        p += w;
        n -= (size_t)w;
    }
}

static void draw(progress *p, double t, bool final)
{
    char line[256], out[300];
    progress_format(line, sizeof line, atomic_load(&p->bytes), p->total, t - p->start,
                    atomic_load(&p->documents), atomic_load(&p->entities));
    int n;
    if (p->tty) /* \r, the line, erase what is left of a longer one */
        n = snprintf(out, sizeof out, "\r%s\033[K%s", line, final ? "\n" : "");
    else
        n = snprintf(out, sizeof out, "%s\n", line);
    if (n > 0) write_all(p->fd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}

static void maybe_draw(progress *p)
{
    double t = p->now(p->now_user);
    long long now_us = to_us(t);
    if (now_us < atomic_load(&p->next_draw_us)) return;
    if (atomic_flag_test_and_set(&p->drawing)) return; /* another thread draws */
    if (now_us >= atomic_load(&p->next_draw_us)) {
        atomic_store(&p->next_draw_us, to_us(t + p->interval));
        draw(p, t, false);
    }
    atomic_flag_clear(&p->drawing);
}

void progress_add(progress *p, unsigned long long bytes, unsigned long long documents,
                  unsigned long long entities)
{
    if (!p) return;
    if (bytes) atomic_fetch_add(&p->bytes, bytes);
    if (documents) atomic_fetch_add(&p->documents, documents);
    if (entities) atomic_fetch_add(&p->entities, entities);
    maybe_draw(p);
}

void progress_set_bytes(progress *p, unsigned long long bytes)
{
    if (!p) return;
    atomic_store(&p->bytes, bytes);
    maybe_draw(p);
}

void progress_finish(progress *p)
{
    if (!p) return;
    draw(p, p->now(p->now_user), true);
}

void progress_free(progress *p)
{
    free(p);
}
