/* --progress: one line on standard error that updates in place,
 *
 *   412.0 MB of 1.20 GB (34%)  88.3 MB/s  120,345 docs  2,301,877 entities  ETA 0:00:09
 *
 * (without "of TOTAL (N%)" and ETA when the total is not known, e.g. reading
 * a pipe), redrawn at most 4 times a second, and finished with a last line
 * and a newline. Nothing at all when the stream is not a terminal, unless
 * forced (then one plain line per second, for logs). Bytes are those of the
 * input files as stored (compressed bytes for compressed files), so that the
 * fraction and the ETA hold.
 *
 * Threads: progress_add and progress_set_bytes may be called from any
 * number of threads at once (the counters are atomic and one thread at a
 * time draws); progress_finish and progress_free from one, after the others
 * are done. */
#ifndef NEWSMINE_CLI_PROGRESS_H
#define NEWSMINE_CLI_PROGRESS_H

#include <stdbool.h>

typedef struct progress progress;

typedef enum progress_mode {
    PROGRESS_AUTO = 0, /* only when fd is a terminal */
    PROGRESS_ALWAYS    /* also to a file or pipe (--progress=always) */
} progress_mode;

/* A progress display on fd (STDERR_FILENO). total_bytes is the sum of the
 * input sizes, 0 when unknown. Returns NULL when there is nothing to show
 * (AUTO and fd not a terminal) or out of memory; every function accepts
 * NULL, so the caller need not check. */
progress *progress_new(int fd, progress_mode mode, unsigned long long total_bytes);

/* Adds to the counters and redraws when the last draw is old enough. Cheap
 * enough to call once per document. */
void progress_add(progress *p, unsigned long long bytes, unsigned long long documents,
                  unsigned long long entities);

/* Sets the bytes counter (the sum of input_bytes_consumed of the files done
 * and the one being read), for callers that know a position, not a delta. */
void progress_set_bytes(progress *p, unsigned long long bytes);

/* Draws the final state and ends the line. */
void progress_finish(progress *p);

void progress_free(progress *p);

/* For the tests: the clock (seconds, monotonic) used instead of the real
 * one, and the minimum time between two draws. */
void progress_set_clock(progress *p, double (*now)(void *), void *user);
void progress_set_interval(progress *p, double seconds);

/* Formats the line for the given state into buf (no \r, no newline). */
void progress_format(char *buf, unsigned long size, unsigned long long bytes,
                     unsigned long long total, double seconds, unsigned long long documents,
                     unsigned long long entities);

#endif
