/* Stage 4, matching: regex rules and gazetteers over the tokens of the
 * normalised text. Produces candidates; overlaps are resolved later.
 *
 * A rule runs only where it can match: anchored at the start of each token
 * that triggers it (a word of its trigger list, or a token class such as
 * numbers), so that adding a rule costs in proportion to its triggers, not a
 * pass over the text. Rules without triggers scan the text. Every match runs
 * under PCRE2 match and depth limits. */
#ifndef NEWSMINE_MATCH_H
#define NEWSMINE_MATCH_H

#include "arena.h"
#include "rules.h"
#include "tokenize.h"

typedef struct newsmine_candidate {
    uint32_t start, end; /* normalised bytes */
    uint16_t type;
    uint8_t from_gazetteer;
    uint8_t veto;
    int32_t priority;
    uint32_t source; /* rule or gazetteer index */
    uint32_t row;    /* gazetteer row */
    uint32_t token;  /* index of the first token */
    uint32_t abbr_start, abbr_end; /* "(UNDOF)" after a name: the abbreviation, or 0, 0 */
    PCRE2_SIZE *groups; /* rules: 2 * (capture_count + 1) offsets, in the arena */
} newsmine_candidate;

typedef struct newsmine_matcher newsmine_matcher;

newsmine_status newsmine_matcher_new(const newsmine_rules *rules, newsmine_matcher **out);
void newsmine_matcher_free(newsmine_matcher *m);

/* Appends every candidate of the enabled types (bit set) to an array in
 * arena. */
newsmine_status newsmine_match(newsmine_matcher *m, const char *text, size_t len,
                               const newsmine_token *tokens, size_t token_count, unsigned types,
                               newsmine_arena *arena, newsmine_candidate **out, size_t *count);

/* Per-rule counters for profiling: match attempts, matches, attempts a
 * prefilter ruled out, nanoseconds in PCRE2. */
typedef struct newsmine_rule_stats {
    unsigned long long calls, matches, skipped, ns;
} newsmine_rule_stats;

/* Counts into stats (rule_count entries, plus one for the gazetteers) from
 * now on; NULL stops counting. */
void newsmine_matcher_set_stats(newsmine_matcher *m, newsmine_rule_stats *stats);

/* Text written in capitals (wire copy, telegrams: newsmine_text_in_capitals)
 * for the next calls of newsmine_match: the rules run without case, those
 * marked `case mixed` not at all and those marked `case capitals` only
 * there; the prefilters read plurals without case and leave the first bytes
 * (of the case-sensitive patterns) out; gazetteers of exact case take names
 * in capitals. */
void newsmine_matcher_set_capitals(newsmine_matcher *m, bool on);

/* Checking the prefilters (tests): every attempt a prefilter rules out is
 * made anyway, and one that matches is counted as a failure. */
void newsmine_matcher_set_verify(newsmine_matcher *m, bool on);
unsigned long long newsmine_matcher_verify_failures(const newsmine_matcher *m,
                                                    const char **first_rule);

/* Monotonic nanoseconds, for the profiles. */
unsigned long long newsmine_now_ns(void);

/* Rules stopped by a match limit in the last newsmine_match call. */
size_t newsmine_matcher_limit_hits(const newsmine_matcher *m, const char **first_rule);

enum { NEWSMINE_MATCH_LIMIT = 200000, NEWSMINE_DEPTH_LIMIT = 2000 };

#endif
