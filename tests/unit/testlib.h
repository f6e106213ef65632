/* A minimal test harness: CHECK records a failure with its location and goes
 * on; test_main runs the listed tests and prints "N passed, N failed". */
#ifndef NEWSMINE_TESTLIB_H
#define NEWSMINE_TESTLIB_H

#include <stddef.h>
#include <string.h>

extern int testlib_failures;
void testlib_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (!(cond)) testlib_fail(__FILE__, __LINE__, "%s", #cond);                              \
    } while (0)

#define CHECK_INT(got, want)                                                                      \
    do {                                                                                          \
        long long got_ = (long long)(got), want_ = (long long)(want);                             \
        if (got_ != want_)                                                                        \
            testlib_fail(__FILE__, __LINE__, "%s == %lld, want %lld", #got, got_, want_);        \
    } while (0)

#define CHECK_MEM(got, got_len, want)                                                             \
    do {                                                                                          \
        size_t want_len_ = strlen(want);                                                          \
        if ((size_t)(got_len) != want_len_ || memcmp((got), (want), want_len_) != 0)              \
            testlib_fail(__FILE__, __LINE__, "%s == \"%.*s\", want \"%s\"", #got,                \
                         (int)(got_len), (const char *)(got), (want));                            \
    } while (0)

#define CHECK_STR(got, want) CHECK_MEM((got), strlen(got), (want))

typedef struct testlib_case {
    const char *name;
    void (*fn)(void);
} testlib_case;

#define TEST(fn) {#fn, fn}

/* Runs every case, prints a line per failing case and the summary line,
 * returns the process exit status. */
int testlib_run(const testlib_case *cases, size_t n);

#endif
