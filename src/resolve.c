#include "resolve.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int by_preference(const void *a, const void *b)
{
    const newsmine_candidate *x = a, *y = b;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    uint32_t lx = x->end - x->start, ly = y->end - y->start;
    if (lx != ly) return lx > ly ? -1 : 1;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->from_gazetteer != y->from_gazetteer) return x->from_gazetteer < y->from_gazetteer ? -1 : 1;
    return x->source < y->source ? -1 : x->source > y->source;
}

static int by_position(const void *a, const void *b)
{
    const newsmine_candidate *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* kept[0..n) is sorted by start and non-overlapping, so ends are sorted too:
 * the first one ending after start is the only one that can overlap. */
static size_t first_ending_after(const newsmine_candidate *kept, size_t n, uint32_t start)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kept[mid].end <= start) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Whether an entity of kept overlaps [start, end), other than one nested
 * inside after its start: a count yields to the place it is part of ("Park
 * named after the 28 Heroes") and to the year that is its number ("in
 * 2014 troops arrived"), but keeps the place inside it ("three U.S.
 * soldiers"). */
static bool overlaps_not_nested(const newsmine_candidate *kept, size_t n, uint32_t start,
                                uint32_t end)
{
    for (size_t i = first_ending_after(kept, n, start); i < n && kept[i].start < end; i++)
        if (kept[i].start <= start || kept[i].end > end) return true;
    return false;
}

/* The bytes of the text taken by a type's entities, one bit each: whether a
 * candidate overlaps one already kept is a look at its own bytes, so
 * resolving costs the candidates' lengths, not the square of their count. */
static bool any_taken(const uint64_t *taken, uint32_t start, uint32_t end)
{
    for (uint32_t b = start; b < end;) {
        if (b % 64 == 0 && end - b >= 64) {
            if (taken[b / 64]) return true;
            b += 64;
            continue;
        }
        if (taken[b / 64] >> (b % 64) & 1u) return true;
        b++;
    }
    return false;
}

static void set_taken(uint64_t *taken, uint32_t start, uint32_t end, bool value)
{
    for (uint32_t b = start; b < end;) {
        if (b % 64 == 0 && end - b >= 64) {
            taken[b / 64] = value ? UINT64_MAX : 0;
            b += 64;
            continue;
        }
        if (value) taken[b / 64] |= (uint64_t)1 << (b % 64);
        else taken[b / 64] &= ~((uint64_t)1 << (b % 64));
        b++;
    }
}

static int by_start(const void *a, const void *b)
{
    const newsmine_candidate *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Greedy by preference within one type; kept comes out sorted by start
 * (and non-overlapping). taken: all clear, and left so. */
static size_t resolve_type(const newsmine_candidate *sorted, size_t n, newsmine_candidate *kept,
                           uint64_t *taken)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const newsmine_candidate *c = &sorted[i];
        if (any_taken(taken, c->start, c->end)) continue;
        set_taken(taken, c->start, c->end, true);
        kept[count++] = *c;
    }
    for (size_t i = 0; i < count; i++)
        set_taken(taken, kept[i].start, kept[i].end, false);
    qsort(kept, count, sizeof *kept, by_start);
    return count;
}

/* Veto matches take out every candidate of their type that lies within one
 * of them, and then themselves: the team "Manchester" before "City" drops
 * the place Manchester, not the longer Kuwait City or New York City. The
 * vetoes sorted by type and start, with the largest end so far, answer in
 * log time. */
static int by_type_start(const void *a, const void *b)
{
    const newsmine_candidate *x = a, *y = b;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static size_t apply_vetoes(newsmine_candidate *c, size_t n, newsmine_arena *arena)
{
    size_t nv = 0;
    for (size_t i = 0; i < n; i++)
        nv += c[i].veto;
    if (!nv) return n;
    newsmine_candidate *v = newsmine_arena_alloc(arena, (nv + 1) * sizeof *v);
    uint32_t *max_end = newsmine_arena_alloc(arena, (nv + 1) * sizeof *max_end);
    if (!v || !max_end) return SIZE_MAX;
    for (size_t i = 0, k = 0; i < n; i++)
        if (c[i].veto) v[k++] = c[i];
    qsort(v, nv, sizeof *v, by_type_start);
    for (size_t i = 0; i < nv; i++)
        max_end[i] = i && v[i - 1].type == v[i].type && max_end[i - 1] > v[i].end ? max_end[i - 1]
                                                                                 : v[i].end;
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].veto) continue;
        /* the last veto of the type starting at or before c[i] */
        size_t lo = 0, hi = nv;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (v[mid].type < c[i].type || (v[mid].type == c[i].type && v[mid].start <= c[i].start))
                lo = mid + 1;
            else hi = mid;
        }
        bool vetoed = lo > 0 && v[lo - 1].type == c[i].type && max_end[lo - 1] >= c[i].end;
        if (!vetoed) c[out++] = c[i];
    }
    return out;
}

newsmine_status newsmine_resolve(const newsmine_rules *rules, const newsmine_candidate *cands,
                                 size_t count, newsmine_arena *arena, newsmine_candidate **out,
                                 size_t *out_count)
{
    newsmine_candidate *sorted = newsmine_arena_alloc(arena, (count + 1) * sizeof *sorted);
    newsmine_candidate *kept = newsmine_arena_alloc(arena, (count + 1) * sizeof *kept);
    if (!sorted || !kept) return NEWSMINE_ERR_NOMEM;
    if (count) memcpy(sorted, cands, count * sizeof *sorted);
    if ((count = apply_vetoes(sorted, count, arena)) == SIZE_MAX) return NEWSMINE_ERR_NOMEM;
    qsort(sorted, count, sizeof *sorted, by_preference);

    /* where each type's candidates lie in sorted (sorted by type first) */
    size_t first[NEWSMINE_TYPE_COUNT + 1] = {0};
    for (size_t i = 0, t = 0; t <= NEWSMINE_TYPE_COUNT; t++) {
        while (i < count && sorted[i].type < t)
            i++;
        first[t] = i;
    }
    /* A type is resolved after the types it yields to, so that its
     * candidates overlapping those are out before the longest of the rest
     * is chosen ("Parliament Anna Petrova" does not hide "Anna
     * Petrova" when the organisation takes "Parliament"). */
    uint32_t text_end = 0;
    for (size_t i = 0; i < count; i++)
        if (sorted[i].end > text_end) text_end = sorted[i].end;
    uint64_t *taken = newsmine_arena_alloc(arena, (text_end / 64 + 1) * sizeof *taken);
    if (!taken) return NEWSMINE_ERR_NOMEM;
    memset(taken, 0, (text_end / 64 + 1) * sizeof *taken);
    size_t begin[NEWSMINE_TYPE_COUNT] = {0}, len[NEWSMINE_TYPE_COUNT] = {0}, total = 0;
    unsigned done = 0;
    for (size_t round = 0; round < NEWSMINE_TYPE_COUNT; round++)
        for (size_t t = 0; t < NEWSMINE_TYPE_COUNT; t++) {
            unsigned waits = rules->yields[t] & ~done & ~(1u << t);
            if ((done >> t & 1u) || (waits && round + 1 < NEWSMINE_TYPE_COUNT)) continue;
            size_t n = 0;
            for (size_t i = first[t]; i < first[t + 1]; i++) {
                bool drop = false;
                for (size_t u = 0; u < NEWSMINE_TYPE_COUNT && !drop; u++)
                    if ((rules->yields[t] >> u & 1u) && (done >> u & 1u))
                        drop = overlaps_not_nested(kept + begin[u], len[u], sorted[i].start,
                                            sorted[i].end);
                if (!drop) sorted[first[t] + n++] = sorted[i];
            }
            begin[t] = total;
            len[t] = resolve_type(sorted + first[t], n, kept + total, taken);
            total += len[t];
            done |= 1u << t;
        }

    newsmine_candidate *result = newsmine_arena_alloc(arena, (total + 1) * sizeof *result);
    if (!result) return NEWSMINE_ERR_NOMEM;
    size_t n = total;
    memcpy(result, kept, total * sizeof *result);
    qsort(result, n, sizeof *result, by_position);
    *out = result;
    *out_count = n;
    return NEWSMINE_OK;
}
