#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#endif
#include "hash.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* FNV-1a with a final avalanche: short keys (words) dominate. */
uint64_t newsmine_hash_bytes(const void *data, size_t n)
{
    return newsmine_hash_final(newsmine_hash_more(newsmine_hash_start(), data, n));
}

static newsmine_status grow_to(newsmine_hash *h, size_t cap);

/* Not calloc (nor malloc + memset, which compilers turn into calloc): the
 * fresh pages calloc hands out untouched are read by the probes before
 * they are written, and every such write is a copy-on-write fault that
 * shoots down the TLB of the process's other threads. Written first, each
 * page costs one plain fault. */
static void *(*const volatile zero_fill)(void *, int, size_t) = memset;

/* A table of a megabyte or more (a gazetteer's tens of thousands of names)
 * goes into 2 MiB pages where the kernel has them: probes land anywhere in
 * it, and with 4 KiB pages nearly every probe misses the TLB, which costs
 * most in a virtual machine (nested page walks). */
enum { HUGE_PAGE = 2u << 20, HUGE_TABLE = 1u << 20 };

static void *table_alloc(size_t size)
{
#ifdef MADV_HUGEPAGE
    if (size >= HUGE_TABLE) {
        void *p = NULL;
        size_t rounded = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if (posix_memalign(&p, HUGE_PAGE, rounded) != 0) return NULL;
        madvise(p, rounded, MADV_HUGEPAGE); /* advice: fine if not taken */
        return p;
    }
#endif
    return malloc(size);
}

static newsmine_status grow(newsmine_hash *h)
{
    return grow_to(h, h->slots ? (h->mask + 1) * 2 : 64);
}

newsmine_status newsmine_hash_reserve(newsmine_hash *h, size_t n)
{
    size_t cap = 64;
    while (cap * 3 < (n + 1) * 4)
        cap *= 2;
    return h->slots && cap <= h->mask + 1 ? NEWSMINE_OK : grow_to(h, cap);
}

static uint16_t tag_of(uint64_t hash)
{
    return (uint16_t)(hash >> 48) | 1u;
}

static newsmine_status grow_to(newsmine_hash *h, size_t cap)
{
    newsmine_hash_slot *slots = table_alloc(cap * sizeof *slots);
    uint16_t *tags = table_alloc(cap * sizeof *tags);
    if (!slots || !tags) {
        free(slots);
        free(tags);
        return NEWSMINE_ERR_NOMEM;
    }
    zero_fill(slots, 0, cap * sizeof *slots);
    zero_fill(tags, 0, cap * sizeof *tags);
    for (size_t i = 0; h->slots && i <= h->mask; i++) {
        newsmine_hash_slot *s = &h->slots[i];
        if (!h->tags[i]) continue;
        size_t j = s->hash & (cap - 1);
        while (tags[j])
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
        tags[j] = h->tags[i];
    }
    free(h->slots);
    free(h->tags);
    h->slots = slots;
    h->tags = tags;
    h->mask = cap - 1;
    return NEWSMINE_OK;
}

newsmine_status newsmine_hash_put(newsmine_hash *h, newsmine_arena *arena, const char *key,
                                  size_t n, uint32_t *value_inout, int *inserted)
{
    if ((!h->slots || (h->count + 1) * 4 > (h->mask + 1) * 3) && grow(h) != NEWSMINE_OK)
        return NEWSMINE_ERR_NOMEM;
    uint64_t hash = newsmine_hash_bytes(key, n);
    uint16_t tag = tag_of(hash);
    size_t i = hash & h->mask;
    for (; h->tags[i]; i = (i + 1) & h->mask) {
        newsmine_hash_slot *s = &h->slots[i];
        if (h->tags[i] == tag && s->hash == hash && s->key_len == n &&
            memcmp(s->key, key, n) == 0) {
            *value_inout = s->value;
            if (inserted) *inserted = 0;
            return NEWSMINE_OK;
        }
    }
    char *copy = newsmine_arena_strndup(arena, key, n);
    if (!copy) return NEWSMINE_ERR_NOMEM;
    h->slots[i] = (newsmine_hash_slot){copy, (uint32_t)n, *value_inout, hash};
    h->tags[i] = tag;
    h->count++;
    if (inserted) *inserted = 1;
    return NEWSMINE_OK;
}

uint32_t newsmine_hash_get_hashed(const newsmine_hash *h, const char *key, size_t n,
                                  uint64_t hash)
{
    if (!h->slots) return UINT32_MAX;
    uint16_t tag = tag_of(hash);
    for (size_t i = hash & h->mask; h->tags[i]; i = (i + 1) & h->mask) {
        const newsmine_hash_slot *s = &h->slots[i];
        if (h->tags[i] == tag && s->hash == hash && s->key_len == n && memcmp(s->key, key, n) == 0)
            return s->value;
    }
    return UINT32_MAX;
}

int newsmine_hash_set(newsmine_hash *h, const char *key, size_t n, uint32_t value)
{
    if (!h->slots) return 0;
    uint64_t hash = newsmine_hash_bytes(key, n);
    uint16_t tag = tag_of(hash);
    for (size_t i = hash & h->mask; h->tags[i]; i = (i + 1) & h->mask) {
        newsmine_hash_slot *s = &h->slots[i];
        if (h->tags[i] == tag && s->hash == hash && s->key_len == n &&
            memcmp(s->key, key, n) == 0) {
            s->value = value;
            return 1;
        }
    }
    return 0;
}

uint32_t newsmine_hash_get(const newsmine_hash *h, const char *key, size_t n)
{
    return newsmine_hash_get_hashed(h, key, n, newsmine_hash_bytes(key, n));
}

void newsmine_hash_free(newsmine_hash *h)
{
    free(h->slots);
    free(h->tags);
    memset(h, 0, sizeof *h);
}
