/* A bump allocator: many small allocations, freed all at once. One per
 * document (reset between documents) and one per rule set. */
#ifndef NEWSMINE_ARENA_H
#define NEWSMINE_ARENA_H

#include <stddef.h>

typedef struct newsmine_arena_chunk newsmine_arena_chunk;

typedef struct newsmine_arena {
    newsmine_arena_chunk *head; /* chunk being filled; older ones follow */
    size_t used;                /* bytes used in head */
    size_t chunk_size;          /* size of the next chunk to allocate */
    size_t total;               /* bytes held in all chunks */
} newsmine_arena;

/* A zeroed struct is an empty arena. */
void newsmine_arena_init(newsmine_arena *a);

/* size bytes aligned for any object, or NULL when out of memory. */
void *newsmine_arena_alloc(newsmine_arena *a, size_t size);

/* A NUL-terminated copy of n bytes. */
char *newsmine_arena_strndup(newsmine_arena *a, const char *s, size_t n);

/* Forgets every allocation but keeps the largest chunk for reuse, so that a
 * steady stream of documents allocates nothing. */
void newsmine_arena_reset(newsmine_arena *a);

void newsmine_arena_free(newsmine_arena *a);

#endif
