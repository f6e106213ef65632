/* Stage 5a, overlaps: entities of one type do not overlap (the longest wins,
 * then the higher priority, then the earlier start, then the earlier rule);
 * entities of different types may nest, except where the rules say a type
 * yields to another ("yield count to date quantity"): then an entity of the
 * yielding type is dropped where one of the other type overlaps it, unless
 * that one lies inside it after its first character ("three U.S. soldiers"
 * keeps both). Veto candidates drop their type's candidates they
 * overlap. */
#ifndef NEWSMINE_RESOLVE_H
#define NEWSMINE_RESOLVE_H

#include "match.h"

/* Returns the kept candidates in an arena array sorted by start, then type,
 * then end. */
newsmine_status newsmine_resolve(const newsmine_rules *rules, const newsmine_candidate *cands,
                                 size_t count, newsmine_arena *arena, newsmine_candidate **out,
                                 size_t *out_count);

#endif
