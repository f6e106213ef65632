/* An LD_PRELOAD shim for the allocation-failure sweep (sweep.sh): the
 * allocation numbered NEWSMINE_FAIL_ALLOC (from 1, counting malloc, calloc,
 * realloc, posix_memalign and aligned_alloc in every thread) returns NULL,
 * once; with NEWSMINE_FAIL_ALLOC=0 nothing fails and the number of
 * allocations made goes to the file NEWSMINE_ALLOC_COUNT at exit. glibc
 * only: it hands on to __libc_malloc and its kin. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_ulong calls;
static unsigned long fail_at; /* 0: count only */
static const char *count_file;

__attribute__((constructor)) static void setup(void)
{
    const char *at = getenv("NEWSMINE_FAIL_ALLOC");
    fail_at = at ? strtoul(at, NULL, 10) : 0;
    count_file = getenv("NEWSMINE_ALLOC_COUNT");
}

__attribute__((destructor)) static void report(void)
{
    if (!count_file) return;
    int fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    char line[32];
    int n = snprintf(line, sizeof line, "%lu\n", (unsigned long)atomic_load(&calls));
    if (n > 0) (void)!write(fd, line, (size_t)n);
    close(fd);
}

/* Called for the failing allocation: a place for a debugger's breakpoint
 * (break newsmine_failalloc_hit). */
void newsmine_failalloc_hit(void);
__attribute__((noinline)) void newsmine_failalloc_hit(void)
{
    __asm__ volatile("");
}

/* True for the one call that is to fail. */
static int failing(void)
{
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    if (!fail_at || n != fail_at) return 0;
    newsmine_failalloc_hit();
    return 1;
}

void *malloc(size_t n)
{
    return failing() ? (errno = ENOMEM, NULL) : __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    return failing() ? (errno = ENOMEM, NULL) : __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    return failing() ? (errno = ENOMEM, NULL) : __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (failing()) return ENOMEM;
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    return failing() ? (errno = ENOMEM, NULL) : __libc_memalign(align, n);
}
