/* Shared by the fuzz targets: the libFuzzer entry points, and FUZZ_CHECK,
 * which reports a broken invariant and aborts (libFuzzer and the replay
 * program both treat an abort as a finding). */
#ifndef NEWSMINE_FUZZ_H
#define NEWSMINE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A small deterministic generator for chunk sizes and choices, seeded from
 * the input so that a finding replays exactly. */
typedef struct fuzz_rng {
    uint64_t state;
} fuzz_rng;

static inline uint64_t fuzz_next(fuzz_rng *r)
{
    r->state += UINT64_C(0x9E3779B97F4A7C15);
    uint64_t z = r->state;
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline fuzz_rng fuzz_seed(const uint8_t *data, size_t size)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * UINT64_C(1099511628211);
    return (fuzz_rng){h};
}

/* A chunk size for feeding: mostly tiny (1-8 bytes, to cut every sequence),
 * sometimes up to 4 KiB. */
static inline size_t fuzz_chunk(fuzz_rng *r)
{
    uint64_t v = fuzz_next(r);
    return (v & 3) ? (size_t)(1 + (v >> 8) % 8) : (size_t)(1 + (v >> 8) % 4096);
}

#endif
