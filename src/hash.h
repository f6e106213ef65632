/* An open-addressing hash map from byte strings to 32-bit values, built once
 * and then read by any number of threads. Keys are copied into an arena. */
#ifndef NEWSMINE_HASH_H
#define NEWSMINE_HASH_H

#include "arena.h"
#include "newsmine.h"

#include <stddef.h>
#include <stdint.h>

typedef struct newsmine_hash_slot {
    const char *key; /* in the arena; the slot is empty when its tag is 0 */
    uint32_t key_len;
    uint32_t value;
    uint64_t hash;
} newsmine_hash_slot;

/* Beside the slots, one 16-bit tag of each key's hash (0: empty): a probe
 * reads the small tag array and a slot only where a tag matches. Most
 * lookups are of words no rule knows, and the tags of the word table fit
 * in the L2 cache where its slots do not. */
typedef struct newsmine_hash {
    newsmine_hash_slot *slots;
    uint16_t *tags;
    size_t mask; /* capacity - 1, capacity a power of two */
    size_t count;
} newsmine_hash;

uint64_t newsmine_hash_bytes(const void *data, size_t n);

/* newsmine_hash_bytes in steps, for keys built a piece at a time:
 * newsmine_hash_final(newsmine_hash_more(newsmine_hash_start(), k, n)) is
 * newsmine_hash_bytes(k, n), and more() may be called for each piece. */
static inline uint64_t newsmine_hash_start(void)
{
    return 0xcbf29ce484222325ull;
}

static inline uint64_t newsmine_hash_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3ull;
}

static inline uint64_t newsmine_hash_more(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = newsmine_hash_byte(h, p[i]);
    return h;
}

static inline uint64_t newsmine_hash_final(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Inserts key -> value or, when key is there, finds it. *value_inout holds
 * the value to insert and receives the stored one; *inserted says which
 * happened. Keys live in arena. */
newsmine_status newsmine_hash_put(newsmine_hash *h, newsmine_arena *arena, const char *key,
                                  size_t n, uint32_t *value_inout, int *inserted);

/* Makes room for n keys in all, so that putting them does not grow the
 * table step by step. */
newsmine_status newsmine_hash_reserve(newsmine_hash *h, size_t n);

/* Replaces the value stored for key; false when key is not there. */
int newsmine_hash_set(newsmine_hash *h, const char *key, size_t n, uint32_t value);

/* The value stored for key, or UINT32_MAX. */
uint32_t newsmine_hash_get(const newsmine_hash *h, const char *key, size_t n);
uint32_t newsmine_hash_get_hashed(const newsmine_hash *h, const char *key, size_t n,
                                  uint64_t hash);

/* Starts loading where a lookup of hash will probe first: lookups of many
 * keys go faster when all are prefetched before the first is made. */
static inline void newsmine_hash_prefetch(const newsmine_hash *h, uint64_t hash)
{
#if defined(__GNUC__)
    if (h->tags) __builtin_prefetch(&h->tags[hash & h->mask]);
#else
    (void)h;
    (void)hash;
#endif
}

void newsmine_hash_free(newsmine_hash *h);

#endif
