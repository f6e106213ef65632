#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct newsmine_arena_chunk {
    newsmine_arena_chunk *next;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

enum { ARENA_FIRST_CHUNK = 64 * 1024 };

void newsmine_arena_init(newsmine_arena *a)
{
    memset(a, 0, sizeof *a);
}

static size_t align_up(size_t n)
{
    size_t al = alignof(max_align_t);
    return (n + al - 1) & ~(al - 1);
}

static newsmine_arena_chunk *chunk_new(size_t size)
{
    newsmine_arena_chunk *c = malloc(sizeof *c + size);
    if (c) {
        c->next = NULL;
        c->size = size;
    }
    return c;
}

void *newsmine_arena_alloc(newsmine_arena *a, size_t size)
{
    size = align_up(size ? size : 1);
    if (a->head && a->used + size <= a->head->size) {
        void *p = a->head->data + a->used;
        a->used += size;
        return p;
    }
    size_t want = a->chunk_size ? a->chunk_size : ARENA_FIRST_CHUNK;
    while (want < size)
        want *= 2;
    newsmine_arena_chunk *c = chunk_new(want);
    if (!c) return NULL;
    c->next = a->head;
    a->head = c;
    a->used = size;
    a->total += want;
    a->chunk_size = want * 2 <= 16u * 1024 * 1024 ? want * 2 : want;
    return c->data;
}

char *newsmine_arena_strndup(newsmine_arena *a, const char *s, size_t n)
{
    char *p = newsmine_arena_alloc(a, n + 1);
    if (p) {
        if (n) memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void newsmine_arena_reset(newsmine_arena *a)
{
    newsmine_arena_chunk *keep = NULL;
    for (newsmine_arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        if (!keep || c->size > keep->size) {
            if (keep) free(keep);
            keep = c;
        } else {
            free(c);
        }
    }
    a->head = keep;
    a->used = 0;
    if (keep) {
        keep->next = NULL;
        a->total = keep->size;
        a->chunk_size = keep->size;
    } else {
        a->total = 0;
    }
}

void newsmine_arena_free(newsmine_arena *a)
{
    for (newsmine_arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    newsmine_arena_init(a);
}
