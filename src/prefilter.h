/* Prefilters: what a rule's pattern needs in the text, read from the pattern
 * itself, so that the matcher can skip a PCRE2 attempt that cannot match.
 *
 * A pattern is parsed (the PCRE2 syntax the rule files use, in extended
 * mode) and reduced to clauses, each a set of units with bounds: an attempt
 * anchored at the start p of a token can match only if, for every clause,
 * one of its units occurs at or after p with at most max_gaps gaps between
 * p and it. A gap is a run of white space and '-' holding white space (" ",
 * " -- "); the matcher counts, as a lower bound, the gaps in front of the
 * tokens after the one at p. Units are things the matcher sees per token
 * without a regex:
 *   - a word: a run of ASCII letters that the pattern bounds on both sides
 *     by characters that cannot be ASCII letters, so that in the text it is
 *     a whole run of ASCII letters (compared case-folded);
 *   - a symbol: one punctuation character that the tokenizer always makes a
 *     token of its own ($ % ( ) ...);
 *   - a digit: any token holding an ASCII digit (\d without UCP);
 *   - a plural: a whole run of ASCII letters that ends in a lower-case s,
 *     the letter before it (if any) not an s ("troops", "Britons", the
 *     "s" of "U.S-s"), read from a lookbehind (?<=[^s]s) after letters that
 *     nothing alphabetic follows;
 *   - a capitalised plural: a plural whose first letter is an upper-case
 *     ASCII letter ("Britons"), when the letters before the lookbehind
 *     begin at a capital no letter precedes.
 * Only what every match consumes counts (lookbehinds and negative lookaheads
 * are ignored; positive lookaheads count). Whatever the analysis cannot read
 * gives no clause: a rule without clauses is always tried, so a prefilter
 * never changes which matches are found, only how many attempts are made.
 *
 * Assumptions the matcher guarantees: the text is NFKC-normalised (no
 * KELVIN SIGN or LONG S that a caseless ASCII letter would match), and a
 * token that starts with an ASCII letter never follows an ASCII letter
 * directly (tokenize.c). Tokens holding non-ASCII bytes count as holding
 * every word. */
#ifndef NEWSMINE_PREFILTER_H
#define NEWSMINE_PREFILTER_H

#include "arena.h"
#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum newsmine_pf_kind {
    NEWSMINE_PF_WORD,   /* text: lower-case ASCII letters */
    NEWSMINE_PF_SYMBOL, /* cp: the character */
    NEWSMINE_PF_DIGIT,
    NEWSMINE_PF_PLURAL,
    NEWSMINE_PF_PLURAL_CAPITAL
} newsmine_pf_kind;

#define NEWSMINE_PF_UNBOUNDED UINT32_MAX

typedef struct newsmine_pf_unit {
    newsmine_pf_kind kind;
    const char *text;  /* WORD: NUL-terminated, in the arena */
    uint32_t cp;       /* SYMBOL */
    uint32_t max_gaps; /* gaps between p and it, at most; NEWSMINE_PF_UNBOUNDED: any */
} newsmine_pf_unit;

typedef struct newsmine_pf_clause {
    size_t unit_count;
    newsmine_pf_unit *units;
} newsmine_pf_clause;

/* At most this many clauses per rule: the most selective ones. */
enum { NEWSMINE_PF_MAX_CLAUSES = 3 };

/* The first bytes every match consumes: byte j of the text from p is in
 * set[j] (a bit set over the 256 byte values) for j < len. */
enum { NEWSMINE_PF_BYTES = 4 };

typedef struct newsmine_pf_bytes {
    uint32_t len;
    uint8_t set[NEWSMINE_PF_BYTES][32];
} newsmine_pf_bytes;

/* What the analysis of a pattern gives. */
typedef struct newsmine_pf_result {
    newsmine_pf_clause *clauses; /* every match satisfies them */
    size_t count;
    /* the matches that start with an ASCII digit satisfy these (the
     * alternatives that start otherwise left out, which may tighten the
     * bounds); none when they would be the same as clauses */
    newsmine_pf_clause *digit_clauses;
    size_t digit_count;
    newsmine_pf_bytes first; /* len 0: anything */
} newsmine_pf_result;

/* Analyses the expanded pattern (compiled with PCRE2_UTF | PCRE2_EXTENDED
 * and anchored at token starts) into *out, its clauses in arena; the
 * clauses of the matches that start with a digit too when digits is set
 * (a rule tried at numbers: reading the pattern twice costs start-up). A pattern
 * the analysis cannot read gives no clause and first.len == 0. Returns
 * NOMEM only. The analysis works in WORK, which it resets when done (its
 * largest chunk kept: the next analysis on the thread reuses pages already
 * touched), or in memory of its own when WORK is NULL. WORK is not ARENA
 * (it is reset). */
newsmine_status newsmine_prefilter_analyze(const char *pattern, size_t len, bool digits,
                                           newsmine_arena *arena, newsmine_arena *work,
                                           newsmine_pf_result *out);

/* Whether the tokenizer always makes cp a token of its own (a symbol unit
 * may be made of it). */
bool newsmine_pf_is_symbol(uint32_t cp);

#endif
