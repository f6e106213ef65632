/* The compiled rule set: what the rule files under rules/ say, checked and
 * compiled once, then read-only and shared by every extractor thread.
 *
 * The language is described in docs/rules.md. In short, a rule file holds:
 *   define NAME FRAGMENT              a regex fragment, used as {NAME}
 *   list NAME FILE.tsv [case=...]     a table: {@NAME} is an alternation of its
 *                                     names; `lookup` merges a row into norm
 *   gazetteer NAME FILE.tsv type=T    names matched on tokens, longest first
 *   abbreviations FILE                words whose period does not end a sentence
 *   yield TYPE to TYPE...             drop a TYPE entity that overlaps those types
 *   rule NAME ... end                 a PCRE2 pattern with type, priority,
 *                                     triggers, constant and looked-up norm
 */
#ifndef NEWSMINE_RULES_H
#define NEWSMINE_RULES_H

#include "arena.h"
#include "hash.h"
#include "newsmine.h"
#include "prefilter.h"
#include "tokenize.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* A key=value pair that goes into norm; value is JSON text. */
typedef struct newsmine_kv {
    const char *key;
    const char *json;
} newsmine_kv;

/* A table loaded from TSV: the first column is the name, the others become
 * norm keys (empty cells are absent). The file's text is kept as it is and
 * a row's cells are read when a match needs them, which keeps loading a
 * 40,000-row gazetteer cheap. */
typedef struct newsmine_list {
    const char *name; /* as in the rule file */
    const char *file; /* path relative to the rules dir, for messages */
    bool fold_case;   /* look names up case-insensitively */
    size_t column_count;
    const char **columns; /* column_count names; columns[0] is "name" */
    bool *numeric;        /* column_count flags: cells of numeric keys stay JSON numbers */
    size_t row_count;
    const char **names;   /* row_count surface forms */
    const char **cells;   /* row_count: the other cells of the row, tab-separated */
    bool named;           /* declared by `list` or named by a rule: has an index */
    const char *alternation; /* {@NAME} as a pattern expands it, made at its first use */
    size_t alternation_len;
    newsmine_hash index;  /* name (folded unless case=exact) -> first row; empty unless named */
} newsmine_list;

/* Cell COLUMN (1 .. column_count - 1; not 0, the name) of ROW: its length,
 * 0 when empty or missing; *s points into the list's text (not
 * NUL-terminated). */
size_t newsmine_list_cell(const newsmine_list *list, uint32_t row, size_t column, const char **s);

/* The cell as JSON text, allocated in ARENA: a number for a numeric key
 * that holds one, else a string; NULL for an empty cell (*status OK) or
 * when memory runs out (*status NOMEM). */
const char *newsmine_list_cell_json(const newsmine_list *list, uint32_t row, size_t column,
                                    newsmine_arena *arena, newsmine_status *status);

typedef enum newsmine_case_policy {
    NEWSMINE_CASE_EXACT, /* as written in the list */
    NEWSMINE_CASE_TITLE, /* as written, or all upper case */
    NEWSMINE_CASE_FOLD   /* any case */
} newsmine_case_policy;

typedef struct newsmine_gazetteer {
    const char *name;
    const char *rule_id; /* "en/places:countries" */
    newsmine_type type;
    int priority;
    newsmine_case_policy case_policy;
    const newsmine_list *list;
    int ambiguous_column;         /* the list's column "ambiguous", or -1 */
    const newsmine_list *context; /* words after which ambiguous names count, or NULL */
    const newsmine_list *heads;   /* words after which an isolated name still counts
                                   * (Mosul University), or NULL */
    bool ambiguous_lenient; /* ambiguous names also count when no name surrounds them */
    bool isolated;          /* one-word names count only when no other name touches them */
} newsmine_gazetteer;

/* rules->gaz_names' value for a start of names that is no name itself */
#define NEWSMINE_GAZ_START (UINT32_MAX - 1)

/* One way into a gazetteer: the tokens of a name, joined by single spaces. */
typedef struct newsmine_gaz_entry {
    const char *key; /* the name's tokens as written, joined by single spaces */
    uint32_t key_len;
    uint32_t gazetteer;
    uint32_t row;
    uint32_t next; /* next entry with the same folded key, or UINT32_MAX */
} newsmine_gaz_entry;

enum {
    NEWSMINE_TRIGGER_NUMBER = 1u << 0,  /* every number token */
    NEWSMINE_TRIGGER_CAPITAL = 1u << 1, /* every capitalised token */
    NEWSMINE_TRIGGER_ANY = 1u << 2,     /* every token */
    NEWSMINE_TRIGGER_SCAN = 1u << 3     /* no trigger: an unanchored pass */
};

typedef struct newsmine_lookup {
    uint32_t group; /* capture group number */
    const newsmine_list *list;
    const char **columns; /* the columns to merge, NULL-ended; NULL: all */
} newsmine_lookup;

typedef struct newsmine_group_name {
    uint32_t number;
    const char *name;
} newsmine_group_name;

/* The texts a rule runs on (`case any|mixed|capitals`): any text; text in
 * mixed case only, for a rule whose evidence is capitalisation (names),
 * which text written in capitals does not have; or text in capitals only
 * (newsmine_text_in_capitals). In text in capitals rules match without case. */
typedef enum newsmine_rule_case {
    NEWSMINE_RULE_ANY_TEXT,
    NEWSMINE_RULE_MIXED_CASE,
    NEWSMINE_RULE_CAPITALS
} newsmine_rule_case;

typedef struct newsmine_rule {
    const char *id; /* "en/count:number_noun" */
    const char *file;
    unsigned long line;
    newsmine_type type;
    int priority;
    unsigned trigger_classes;
    pcre2_code *code;
    uint32_t capture_count;
    size_t group_count;
    newsmine_group_name *groups; /* named groups */
    size_t set_count;
    newsmine_kv *sets; /* constant norm */
    size_t lookup_count;
    newsmine_lookup *lookups;
    bool veto; /* its matches produce nothing but drop the type's entities they overlap */
    size_t pf_count;        /* prefilter clauses read from the pattern (prefilter.h) */
    newsmine_pf_clause *pf;
    size_t pf_digit_count; /* those of the matches that start with a digit, when not the same */
    newsmine_pf_clause *pf_digit;
    newsmine_pf_bytes first; /* what the first bytes of a match are */
    const char *pattern;     /* the expanded pattern, as compiled */
    bool jit;                /* JIT code made: pcre2_jit_match may be called */
    newsmine_rule_case text_case; /* the texts it runs on: `case` */
    pcre2_code *caseless;         /* the pattern without case, for text written in capitals:
                                   * made by newsmine_rules_caseless; NULL before, and for a
                                   * rule of mixed-case text only */
    bool caseless_jit;
} newsmine_rule;

/* What a token's folded text starts: the rules it triggers and the longest
 * gazetteer name that begins with it. */
typedef struct newsmine_word_entry {
    uint32_t rules_offset; /* into rules->trigger_rules */
    uint32_t rule_count;
    uint32_t gaz_max_tokens;
    uint32_t pf_unit; /* the prefilter unit of this word (a run of ASCII letters), or UINT32_MAX */
    uint32_t gaz_single; /* 1 when a whole gazetteer name folds to its first word, this one */
    uint32_t gaz_head;   /* the gazetteer names that fold to this word (a chain of
                          * gaz_entries), or UINT32_MAX */
} newsmine_word_entry;

/* A prefilter unit serves a clause: found in token j, it lets the clause
 * pass at the tokens before j with at most max_gaps gaps in between. */
typedef struct newsmine_pf_member {
    uint32_t clause;
    uint32_t max_gaps;
} newsmine_pf_member;

struct newsmine_rules {
    newsmine_arena arena; /* every string and array below */
    newsmine_arena compile_arena, compile_arena2; /* the prefilters analysed while loading */
    char *dir;

    size_t rule_count;
    newsmine_rule *rules;
    size_t list_count;
    newsmine_list *lists;
    size_t gazetteer_count;
    newsmine_gazetteer *gazetteers;

    newsmine_tokenizer *tokenizer;

    newsmine_hash words; /* folded first words -> index into word_entries */
    newsmine_word_entry *word_entries;
    uint32_t *trigger_rules;
    uint32_t *class_rules[4]; /* per trigger class bit: rule indices, UINT32_MAX-ended */

    /* the folded names with a space in them, and their starts that end
     * before a space (the windows grow while in it): the first of the
     * name's entries, or NEWSMINE_GAZ_START for a start that is no name.
     * A folded name without a space is in its word's entry (gaz_head). */
    newsmine_hash gaz_names;
    newsmine_gaz_entry *gaz_entries;
    size_t gaz_entry_count;

    /* prefilters (prefilter.h): the clauses of rule r are the ids
     * pf_rule_offset[r] .. pf_digit_offset[r] - 1, those of its matches
     * that start with a digit pf_digit_offset[r] .. pf_rule_offset[r + 1] - 1
     * (none: the same as the others); unit u serves the members
     * pf_member_offset[u] .. pf_member_offset[u + 1] - 1 */
    size_t pf_unit_count, pf_clause_count;
    uint32_t *pf_rule_offset;
    uint32_t *pf_digit_offset;
    uint32_t *pf_member_offset;
    newsmine_pf_member *pf_members;
    uint32_t pf_digit_unit;          /* a token holding an ASCII digit */
    uint32_t pf_plural_unit;         /* a run of ASCII letters ending in one s */
    uint32_t pf_plural_capital_unit; /* such a run that starts with a capital */
    uint32_t pf_ascii_symbol[128];   /* unit of a one-character token, or UINT32_MAX */
    uint32_t pf_euro, pf_pound, pf_yen; /* units of the non-ASCII symbols, or UINT32_MAX */

    unsigned yields[NEWSMINE_TYPE_COUNT]; /* type -> bit set of types it yields to */
    pcre2_match_context *mcontext_template;

    /* The rules' caseless codes are made once, at the first text in capitals
     * (most runs never see one, and compiling them would double the
     * start-up): caseless_state 0 not yet, else 1 + the status of making
     * them (NEWSMINE_ERR_RULES: a pattern too large without case, checked
     * at load above 40 KiB). The only part of a loaded rule set that
     * changes, under caseless_mu. */
    pthread_mutex_t caseless_mu;
    atomic_int caseless_state;
};

/* Makes every rule's caseless code (newsmine_rule.caseless) if not made
 * yet; any thread may call it at any time. NEWSMINE_OK, NEWSMINE_ERR_NOMEM,
 * or NEWSMINE_ERR_RULES for a pattern that is too large without case. */
newsmine_status newsmine_rules_caseless(const newsmine_rules *rules);

/* Folds n bytes of text for lookups: lower case (Unicode), '-' as ' ',
 * runs of spaces as one. Returns the length written to out (room: 2n + 4). */
size_t newsmine_fold(const char *s, size_t n, char *out);

/* The row of list whose name folds to the same key as s, or UINT32_MAX
 * (always for a list without an index: see named). */
uint32_t newsmine_list_find(const newsmine_list *list, const char *s, size_t n);

#endif
