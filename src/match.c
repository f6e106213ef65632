#include "match.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A window whose folded text is a whole name: its length in tokens, the
 * length of its joined text, and the name's entries. */
typedef struct gaz_whole {
    size_t k, n;
    uint32_t head; /* the entries of the window's folded text */
} gaz_whole;

typedef struct pf_clause_state {
    uint32_t *lo, *hi;
    uint32_t n, cap, cursor;
} pf_clause_state;

struct newsmine_matcher {
    const newsmine_rules *rules;
    pcre2_match_data *md;
    pcre2_match_context *mcontext;
    pcre2_jit_stack *jit_stack;
    uint32_t *last_start; /* per rule: token start last tried + 1, to try each once */
    char *key;            /* scratch for folded and joined token text */
    size_t key_cap;
    char *joined;
    size_t joined_cap;
    struct gaz_whole *whole; /* gazetteer windows, one per length */
    /* per document: every token's folded text (newsmine_fold) in fold */
    char *fold;
    size_t fold_cap;
    uint32_t *tok_fold_off, *tok_fold_len;
    /* per call */
    newsmine_arena *arena;
    newsmine_candidate *cands;
    size_t count, cap;
    size_t limit_hits;
    const char *first_limit_rule;
    newsmine_status status;
    newsmine_rule_stats *stats; /* profiling, or NULL */
    /* prefilters, per document (prefilter.h): for every clause, the token
     * intervals where it passes, disjoint and sorted, and a cursor */
    pf_clause_state *pf;
    uint32_t *gap_first; /* token where the gap count first reaches v */
    size_t gap_first_cap;
    unsigned char *rule_live; /* every clause of the rule passes somewhere */
    uint32_t *pf_next;        /* per rule: no token before this one passes its prefilter */
    uint32_t *pf_next_digit;  /* the same for its clauses at tokens that start with a digit */
    uint32_t *live_class[3];  /* live rules of the trigger classes, UINT32_MAX-ended */
    const newsmine_word_entry **tok_entry; /* per token, in the arena */
    bool verify;
    unsigned long long verify_failures;
    const char *first_verify_failure;
    bool capitals; /* the text is written in capitals: caseless codes (set_capitals) */
};

unsigned long long newsmine_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

void newsmine_matcher_set_stats(newsmine_matcher *m, newsmine_rule_stats *stats)
{
    m->stats = stats;
}

#ifdef NEWSMINE_CALLGRIND_RULES
/* A build for `valgrind --tool=callgrind` (-DNEWSMINE_CALLGRIND_RULES):
 * every rule's PCRE2 calls go through a function of its own, rule_NN, so
 * that the instructions of the JIT code are counted per rule (rule NN is
 * the NN-th rule loaded, modulo 128). */
typedef int (*pcre2_call)(const pcre2_code *, PCRE2_SPTR, PCRE2_SIZE, PCRE2_SIZE, uint32_t,
                          pcre2_match_data *, pcre2_match_context *);
#define RULE_FN(n)                                                                                \
    static __attribute__((noinline)) int rule_##n(const pcre2_code *c, PCRE2_SPTR t,            \
                                                    PCRE2_SIZE l, PCRE2_SIZE s, uint32_t o,       \
                                                    pcre2_match_data *md,                         \
                                                    pcre2_match_context *mc)                      \
    {                                                                                             \
        return pcre2_match(c, t, l, s, o, md, mc);                                                \
    }
#define RULE_FN8(a) RULE_FN(a##0) RULE_FN(a##1) RULE_FN(a##2) RULE_FN(a##3) RULE_FN(a##4) \
    RULE_FN(a##5) RULE_FN(a##6) RULE_FN(a##7)
RULE_FN8(0) RULE_FN8(1) RULE_FN8(2) RULE_FN8(3) RULE_FN8(4) RULE_FN8(5) RULE_FN8(6) RULE_FN8(7)
RULE_FN8(8) RULE_FN8(9) RULE_FN8(10) RULE_FN8(11) RULE_FN8(12) RULE_FN8(13) RULE_FN8(14)
RULE_FN8(15)
#define RULE_REF8(a) rule_##a##0, rule_##a##1, rule_##a##2, rule_##a##3, rule_##a##4, \
    rule_##a##5, rule_##a##6, rule_##a##7
static const pcre2_call rule_fns[128] = {
    RULE_REF8(0),  RULE_REF8(1),  RULE_REF8(2),  RULE_REF8(3),  RULE_REF8(4),  RULE_REF8(5),
    RULE_REF8(6),  RULE_REF8(7),  RULE_REF8(8),  RULE_REF8(9),  RULE_REF8(10), RULE_REF8(11),
    RULE_REF8(12), RULE_REF8(13), RULE_REF8(14), RULE_REF8(15)};
#define PCRE2_MATCH(i, jit, ...) ((void)(jit), rule_fns[(i) % 128](__VA_ARGS__))
#else
/* With JIT code, pcre2_jit_match: the same results without pcre2_match's
 * checks of its arguments (the text is valid UTF-8, the options fixed). */
#define PCRE2_MATCH(i, jit, code, ...)                                                             \
    ((jit) ? pcre2_jit_match(code, __VA_ARGS__) : pcre2_match(code, __VA_ARGS__))
#endif

/* The code the rule matches this text with: without case in capitals. */
static const pcre2_code *rule_code(const newsmine_matcher *m, const newsmine_rule *rule)
{
    return m->capitals ? rule->caseless : rule->code;
}

/* pcre2_match, counted when profiling. */
static int run_pcre2(newsmine_matcher *m, uint32_t rule_index, const char *text, size_t len,
                     size_t start)
{
    const newsmine_rule *rule = &m->rules->rules[rule_index];
    const pcre2_code *code = rule_code(m, rule);
    bool jit = m->capitals ? rule->caseless_jit : rule->jit;
    if (!m->stats)
        return PCRE2_MATCH(rule_index, jit, code, (PCRE2_SPTR)text, len, start, PCRE2_NO_UTF_CHECK,
                           m->md, m->mcontext);
    unsigned long long t0 = newsmine_now_ns();
    int rc = PCRE2_MATCH(rule_index, jit, code, (PCRE2_SPTR)text, len, start, PCRE2_NO_UTF_CHECK,
                         m->md, m->mcontext);
    newsmine_rule_stats *s = &m->stats[rule_index];
    s->ns += newsmine_now_ns() - t0;
    s->calls++;
    s->matches += rc > 0;
    return rc;
}

newsmine_status newsmine_matcher_new(const newsmine_rules *rules, newsmine_matcher **out)
{
    newsmine_matcher *m = calloc(1, sizeof *m);
    if (!m) return NEWSMINE_ERR_NOMEM;
    m->rules = rules;
    uint32_t max_groups = 1;
    for (size_t i = 0; i < rules->rule_count; i++)
        if (rules->rules[i].capture_count + 1 > max_groups)
            max_groups = rules->rules[i].capture_count + 1;
    m->md = pcre2_match_data_create(max_groups, NULL);
    m->mcontext = pcre2_match_context_create(NULL);
    m->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    m->last_start = calloc(rules->rule_count + 1, sizeof *m->last_start);
    uint32_t max_gaz = 1;
    for (size_t i = 0; i < rules->words.count; i++)
        if (rules->word_entries[i].gaz_max_tokens > max_gaz)
            max_gaz = rules->word_entries[i].gaz_max_tokens;
    m->whole = malloc((max_gaz + 1) * sizeof *m->whole);
    m->pf = calloc(rules->pf_clause_count + 1, sizeof *m->pf);
    m->rule_live = calloc(rules->rule_count + 1, 1);
    m->pf_next = calloc(rules->rule_count + 1, sizeof *m->pf_next);
    m->pf_next_digit = calloc(rules->rule_count + 1, sizeof *m->pf_next_digit);
    for (int c = 0; c < 3; c++)
        m->live_class[c] = malloc((rules->rule_count + 1) * sizeof *m->live_class[c]);
    if (!m->md || !m->mcontext || !m->jit_stack || !m->last_start || !m->pf || !m->rule_live ||
        !m->pf_next || !m->pf_next_digit || !m->whole || !m->live_class[0] || !m->live_class[1] ||
        !m->live_class[2]) {
        newsmine_matcher_free(m);
        return NEWSMINE_ERR_NOMEM;
    }
    pcre2_set_match_limit(m->mcontext, NEWSMINE_MATCH_LIMIT);
    pcre2_set_depth_limit(m->mcontext, NEWSMINE_DEPTH_LIMIT);
    pcre2_jit_stack_assign(m->mcontext, NULL, m->jit_stack);
    *out = m;
    return NEWSMINE_OK;
}

void newsmine_matcher_free(newsmine_matcher *m)
{
    if (!m) return;
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mcontext);
    pcre2_jit_stack_free(m->jit_stack);
    free(m->last_start);
    for (size_t c = 0; m->pf && c < m->rules->pf_clause_count; c++) {
        free(m->pf[c].lo);
        free(m->pf[c].hi);
    }
    free(m->pf);
    free(m->gap_first);
    free(m->rule_live);
    free(m->pf_next);
    free(m->pf_next_digit);
    for (int c = 0; c < 3; c++)
        free(m->live_class[c]);
    free(m->key);
    free(m->joined);
    free(m->whole);
    free(m->fold);
    free(m);
}

size_t newsmine_matcher_limit_hits(const newsmine_matcher *m, const char **first_rule)
{
    if (first_rule) *first_rule = m->first_limit_rule;
    return m->limit_hits;
}

static newsmine_candidate *push_candidate(newsmine_matcher *m)
{
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        newsmine_candidate *p = newsmine_arena_alloc(m->arena, cap * sizeof *p);
        if (!p) {
            m->status = NEWSMINE_ERR_NOMEM;
            return NULL;
        }
        if (m->count) memcpy(p, m->cands, m->count * sizeof *p);
        m->cands = p;
        m->cap = cap;
    }
    newsmine_candidate *c = &m->cands[m->count++];
    memset(c, 0, sizeof *c);
    return c;
}

static bool grow_scratch(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return true;
    size_t c = need < 256 ? 256 : need * 2;
    char *p = realloc(*buf, c);
    if (!p) return false;
    *buf = p;
    *cap = c;
    return true;
}

static bool is_word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

/* A match must not end inside a word: "Mali" in "Malian" is no match. */
static bool ends_at_boundary(const char *text, size_t len, size_t end)
{
    return end == 0 || end >= len || !is_word_byte((unsigned char)text[end - 1]) ||
           !is_word_byte((unsigned char)text[end]);
}

/* The last_start of a rule that reached a match limit in this document: it
 * is not tried again and its matches are dropped (newsmine.h), so that a
 * runaway pattern costs one limit per document, not one per token. */
#define RULE_STOPPED UINT32_MAX

static void note_limit(newsmine_matcher *m, const newsmine_rule *rule)
{
    if (!m->limit_hits++) m->first_limit_rule = rule->id;
    m->last_start[rule - m->rules->rules] = RULE_STOPPED;
}

static void drop_stopped_rules(newsmine_matcher *m)
{
    size_t kept = 0;
    for (size_t i = 0; i < m->count; i++)
        if (m->cands[i].from_gazetteer || m->last_start[m->cands[i].source] != RULE_STOPPED)
            m->cands[kept++] = m->cands[i];
    m->count = kept;
}

static void add_rule_match(newsmine_matcher *m, uint32_t rule_index, const char *text, size_t len,
                           uint32_t token)
{
    const newsmine_rule *rule = &m->rules->rules[rule_index];
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
    if (ov[1] <= ov[0] || !ends_at_boundary(text, len, ov[1])) return;
    newsmine_candidate *c = push_candidate(m);
    if (!c) return;
    size_t n = 2 * ((size_t)rule->capture_count + 1);
    c->groups = newsmine_arena_alloc(m->arena, n * sizeof *c->groups);
    if (!c->groups) {
        m->status = NEWSMINE_ERR_NOMEM;
        m->count--;
        return;
    }
    memcpy(c->groups, ov, n * sizeof *c->groups);
    c->start = (uint32_t)ov[0];
    c->end = (uint32_t)ov[1];
    c->type = (uint16_t)rule->type;
    c->priority = rule->priority;
    c->veto = rule->veto;
    c->source = rule_index;
    c->row = UINT32_MAX;
    c->token = token;
}

/* ------------------------------------------------------------ prefilters */

/* Whether the rule runs on this text, in capitals or not (its `case`). */
static bool runs_on_text(const newsmine_matcher *m, const newsmine_rule *rule)
{
    return rule->text_case == NEWSMINE_RULE_ANY_TEXT ||
           (rule->text_case == NEWSMINE_RULE_CAPITALS) == m->capitals;
}

/* Whether the text at start begins as every match of the rule must. */
static bool first_bytes_pass(const newsmine_pf_bytes *first, const char *text, size_t len,
                             size_t start)
{
    if (first->len > len - start) return false;
    for (uint32_t j = 0; j < first->len; j++) {
        unsigned char b = (unsigned char)text[start + j];
        if (!(first->set[j][b >> 3] >> (b & 7) & 1u)) return false;
    }
    return true;
}

static bool is_digit_byte(char c)
{
    return c >= '0' && c <= '9';
}

/* The clauses to ask at a token: a rule's own, or those of its matches
 * that start with a digit when the token does and it has some. */
static bool digit_clauses(const newsmine_rules *r, uint32_t rule_index, bool digit)
{
    return digit && r->pf_digit_offset[rule_index] < r->pf_rule_offset[rule_index + 1];
}

/* Whether every clause of the rule (those of digit starts, at a token that
 * starts with a digit) passes at token i. Tokens are asked in increasing
 * order, so the cursors only move forward. When not, no token before the
 * one noted in pf_next can pass either: a clause that fails at i passes
 * next where its next interval starts. */
static bool pf_pass(newsmine_matcher *m, uint32_t rule_index, uint32_t i, bool digit)
{
    const newsmine_rules *r = m->rules;
    bool d = digit_clauses(r, rule_index, digit);
    uint32_t from = d ? r->pf_digit_offset[rule_index] : r->pf_rule_offset[rule_index];
    uint32_t to = d ? r->pf_rule_offset[rule_index + 1] : r->pf_digit_offset[rule_index];
    uint32_t next = i;
    for (uint32_t c = from; c < to; c++) {
        pf_clause_state *s = &m->pf[c];
        while (s->cursor < s->n && s->hi[s->cursor] < i)
            s->cursor++;
        if (s->cursor == s->n) {
            next = UINT32_MAX;
            break;
        }
        if (s->lo[s->cursor] > next) next = s->lo[s->cursor];
    }
    (d ? m->pf_next_digit : m->pf_next)[rule_index] = next;
    return next == i;
}

/* A rule the prefilters rule out at token i, as pf_next says: no call.
 * (Not in verify mode, which checks every answer of the prefilters.) */
static bool pf_ruled_out(newsmine_matcher *m, uint32_t rule_index, uint32_t i, uint32_t start,
                         bool digit, unsigned types)
{
    const uint32_t *next =
        digit_clauses(m->rules, rule_index, digit) ? m->pf_next_digit : m->pf_next;
    if (m->verify || i >= next[rule_index]) return false;
    /* counted as try_rule_at counts: once per start, not for a stopped rule */
    uint32_t *last = &m->last_start[rule_index];
    if (m->stats && types >> m->rules->rules[rule_index].type & 1u && *last != start + 1 &&
        *last != RULE_STOPPED) {
        m->stats[rule_index].skipped++;
        *last = start + 1;
    }
    return true;
}

/* The clause passes at tokens lo..hi; hi is never below an earlier one. */
static bool pf_add_interval(pf_clause_state *s, uint32_t lo, uint32_t hi)
{
    while (s->n && lo <= s->lo[s->n - 1])
        s->n--;
    if (s->n && s->hi[s->n - 1] + 1 >= lo) {
        s->hi[s->n - 1] = hi;
        return true;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        uint32_t *lo2 = realloc(s->lo, cap * sizeof *lo2);
        if (!lo2) return false;
        s->lo = lo2;
        uint32_t *hi2 = realloc(s->hi, cap * sizeof *hi2);
        if (!hi2) return false;
        s->hi = hi2;
        s->cap = cap;
    }
    s->lo[s->n] = lo;
    s->hi[s->n] = hi;
    s->n++;
    return true;
}

/* Unit u occurs in token j, gaps gaps into the text: every clause it
 * serves passes from the first token within reach up to j. */
static void pf_add_unit(newsmine_matcher *m, uint32_t u, uint32_t j, uint32_t gaps)
{
    const newsmine_rules *r = m->rules;
    for (uint32_t k = r->pf_member_offset[u]; k < r->pf_member_offset[u + 1]; k++) {
        const newsmine_pf_member *mb = &r->pf_members[k];
        uint32_t lo = mb->max_gaps >= gaps ? 0 : m->gap_first[gaps - mb->max_gaps];
        if (!pf_add_interval(&m->pf[mb->clause], lo, j)) m->status = NEWSMINE_ERR_NOMEM;
    }
}

static void try_rule_at(newsmine_matcher *m, uint32_t rule_index, const char *text, size_t len,
                        uint32_t start, uint32_t token, unsigned types)
{
    const newsmine_rule *rule = &m->rules->rules[rule_index];
    /* (whether the rule runs on this text at all, prepare() put in rule_live,
     * which both callers read) */
    if (!(types & (1u << rule->type)) || m->last_start[rule_index] == start + 1 ||
        m->last_start[rule_index] == RULE_STOPPED)
        return;
    m->last_start[rule_index] = start + 1;
    /* the first bytes are the case-sensitive pattern's: not asked in text in
     * capitals; the clauses' words are folded, and token_units reads plurals
     * without case there */
    if ((!m->capitals && !first_bytes_pass(&rule->first, text, len, start)) ||
        !pf_pass(m, rule_index, token, is_digit_byte(text[start]))) {
        if (m->stats) m->stats[rule_index].skipped++;
        if (m->verify) {
            /* the prefilter says no match: check it */
            int vrc = pcre2_match(rule_code(m, rule), (PCRE2_SPTR)text, len, start,
                                  PCRE2_NO_UTF_CHECK, m->md, m->mcontext);
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
            if (vrc > 0 && ov[1] > ov[0] && ends_at_boundary(text, len, ov[1]) &&
                !m->verify_failures++)
                m->first_verify_failure = rule->id;
        }
        return;
    }
    int rc = run_pcre2(m, rule_index, text, len, start);
    if (rc > 0) add_rule_match(m, rule_index, text, len, token);
    else if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
             rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
        note_limit(m, rule);
}

static void run_rule_list(newsmine_matcher *m, const uint32_t *ids, size_t n, const char *text,
                          size_t len, const newsmine_token *tok, uint32_t token, unsigned types)
{
    for (size_t i = 0; i < n && ids[i] != UINT32_MAX; i++)
        if (!pf_ruled_out(m, ids[i], token, tok->start, is_digit_byte(text[tok->start]), types))
            try_rule_at(m, ids[i], text, len, tok->start, token, types);
}

static void scan_rule(newsmine_matcher *m, uint32_t rule_index, const char *text, size_t len,
                      unsigned types)
{
    const newsmine_rule *rule = &m->rules->rules[rule_index];
    if (!(types & (1u << rule->type)) || !runs_on_text(m, rule)) return;
    for (size_t pos = 0; pos <= len && m->status == NEWSMINE_OK;) {
        int rc = run_pcre2(m, rule_index, text, len, pos);
        if (rc <= 0) {
            if (rc != PCRE2_ERROR_NOMATCH) note_limit(m, rule);
            return;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
        add_rule_match(m, rule_index, text, len, UINT32_MAX);
        pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        while (pos < len && ((unsigned char)text[pos] & 0xC0) == 0x80)
            pos++;
    }
}

/* ------------------------------------------------------------ gazetteers */

/* The entry of s's folded text, which stays in m->key (its length in
 * *folded_len when not NULL). */
static const newsmine_word_entry *word_entry(newsmine_matcher *m, const char *s, size_t n,
                                             size_t *folded_len)
{
    if (!grow_scratch(&m->key, &m->key_cap, n * 2 + 4)) {
        m->status = NEWSMINE_ERR_NOMEM;
        return NULL;
    }
    size_t kn = newsmine_fold(s, n, m->key);
    if (folded_len) *folded_len = kn;
    uint32_t v = newsmine_hash_get(&m->rules->words, m->key, kn);
    return v == UINT32_MAX ? NULL : &m->rules->word_entries[v];
}

/* A second way in for a token: a hyphenated word also triggers the rules of
 * its first part ("mid-October"), an abbreviation those of the word without
 * its period ("Sept." as "Sept"). */
static const newsmine_word_entry *head_entry(newsmine_matcher *m, const char *text,
                                            const newsmine_token *tok)
{
    const char *s = text + tok->start;
    size_t n = tok->end - tok->start;
    if (tok->kind == NEWSMINE_TOK_ABBR && n > 1 && !memchr(s, '.', n - 1))
        return word_entry(m, s, n - 1, NULL);
    if (tok->kind != NEWSMINE_TOK_WORD) return NULL;
    const char *dash = memchr(s, '-', n);
    return dash && dash > s ? word_entry(m, s, (size_t)(dash - s), NULL) : NULL;
}

static bool all_upper(const newsmine_token *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(t[i].flags & NEWSMINE_TOKF_UPPER) && t[i].kind != NEWSMINE_TOK_PUNCT &&
            t[i].kind != NEWSMINE_TOK_NUMBER)
            return false;
    return true;
}

static bool is_capitalised_word(const newsmine_token *t)
{
    return (t->flags & NEWSMINE_TOKF_CAP) && t->kind != NEWSMINE_TOK_PUNCT;
}

/* "Ariel Cruz", "President Ramon Manzanares": a one-word name right after
 * or before another capitalised word is part of a longer name, unless the
 * word after it is one of the gazetteer's heads (Mosul University). */
static bool same_line(const char *text, const newsmine_token *a, const newsmine_token *b)
{
    return !(b->flags & NEWSMINE_TOKF_SENT_START) && !memchr(text + a->end, '\n', b->start - a->end);
}

static bool touches_name(const newsmine_gazetteer *g, const char *text,
                         const newsmine_token *tokens, size_t count, size_t i)
{
    bool before = i > 0 && is_capitalised_word(&tokens[i - 1]) &&
                  same_line(text, &tokens[i - 1], &tokens[i]);
    const newsmine_token *next = i + 1 < count ? &tokens[i + 1] : NULL;
    bool after = next && is_capitalised_word(next) && same_line(text, &tokens[i], next) &&
                 !(g->heads && newsmine_list_find(g->heads, text + next->start,
                                                  next->end - next->start) != UINT32_MAX);
    return before || after;
}

/* An ambiguous name (a place that is also a common word or a first name)
 * counts after a word of the gazetteer's context list ("in Reading", "near
 * Nice"). A lenient gazetteer also takes it where no other name surrounds it
 * ("Jordan said", but not "Michael Jordan" or "Jordan Peterson"). Upper-case
 * text (headlines, datelines) gives no evidence either way: rejected, unless
 * the whole text is in capitals, where the context word still counts. */
static bool ambiguous_ok(newsmine_matcher *m, const newsmine_gazetteer *g, uint32_t row,
                         const char *text, const newsmine_token *tokens, size_t count, size_t i,
                         size_t k, bool upper)
{
    if (g->ambiguous_column < 0) return true;
    const char *flag;
    size_t n = newsmine_list_cell(g->list, row, (size_t)g->ambiguous_column, &flag);
    if (n != 1 || flag[0] != '1') return true;
    if (upper && !m->capitals) return false;
    const newsmine_token *prev = i ? &tokens[i - 1] : NULL;
    if (prev && g->context &&
        newsmine_list_find(g->context, text + prev->start, prev->end - prev->start) != UINT32_MAX)
        return true;
    if (!g->ambiguous_lenient || m->capitals) return false;
    bool name_before = prev && is_capitalised_word(prev) &&
                       !(tokens[i].flags & NEWSMINE_TOKF_SENT_START);
    bool name_after = i + k < count && is_capitalised_word(&tokens[i + k]);
    return !name_before && !name_after;
}

typedef struct gaz_window {
    size_t i, k;           /* tokens i .. i + k - 1 */
    uint32_t start, end;   /* the span: the tokens', or part of one hyphenated token */
    bool upper;
} gaz_window;

/* Whether the window is a part of a hyphenated word whose other part is a
 * lower-case word ("London-based", "Syria-born"): the word is its context,
 * not its neighbours. Not a name particle ("al-Bandar") nor a capitalised
 * part ("Jang-Soo"): those words are names. */
static bool in_modifier_compound(const char *text, const newsmine_token *tok, const gaz_window *w)
{
    static const char *const particles[] = {"bin", "ben", "ibn", "abu", "bint",  "ould", "van",
                                            "von", "der", "den", "del", "della", "dos",  "das"};
    if (w->start == tok->start && w->end == tok->end) return false;
    for (uint32_t seg = tok->start, p = tok->start; p <= tok->end; p++) {
        if (p < tok->end && text[p] != '-') continue;
        size_t n = p - seg;
        bool lower = n >= 3 && seg != w->start && text[seg] >= 'a' && text[seg] <= 'z';
        for (size_t k = 0; lower && k < sizeof particles / sizeof *particles; k++)
            lower = !(strlen(particles[k]) == n && memcmp(particles[k], text + seg, n) == 0);
        if (lower) return true;
        seg = p + 1;
    }
    return false;
}

/* How a name is compared with a window, pass by pass: as written, then as
 * written but that a hyphen and a space stand for each other (as they do in
 * the folded text: "Al Bukamal" is "Al-Bukamal"), then folded. */
typedef enum gaz_pass { AS_WRITTEN, DASH_OR_SPACE, FOLDED } gaz_pass;

static bool written_alike(const char *name, size_t name_len, const char *joined, size_t n,
                          gaz_pass pass)
{
    if (name_len != n) return false;
    if (pass == AS_WRITTEN) return memcmp(name, joined, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] != joined[i] &&
            !((name[i] == '-' || name[i] == ' ') && (joined[i] == '-' || joined[i] == ' ')))
            return false;
    return true;
}

/* The entries of a folded key's chain that match the window as the pass
 * compares them (folded only where the gazetteer's case policy allows it);
 * one candidate a gazetteer. */
static void add_gaz_chain(newsmine_matcher *m, uint32_t head, gaz_pass pass, const char *joined,
                          size_t n, const gaz_window *w, const char *text,
                          const newsmine_token *tokens, size_t count, unsigned types,
                          unsigned *seen, unsigned *found)
{
    size_t i = w->i, k = w->k;
    bool upper = w->upper;
    for (uint32_t e = head; e != UINT32_MAX; e = m->rules->gaz_entries[e].next) {
        const newsmine_gaz_entry *entry = &m->rules->gaz_entries[e];
        const newsmine_gazetteer *g = &m->rules->gazetteers[entry->gazetteer];
        if (!(types & (1u << g->type)) || (entry->gazetteer < 32 && (*seen >> entry->gazetteer) & 1))
            continue;
        if (pass != FOLDED && !written_alike(entry->key, entry->key_len, joined, n, pass)) continue;
        /* text in capitals has no other case to match an exact name in */
        if (pass == FOLDED && ((g->case_policy == NEWSMINE_CASE_EXACT && !(m->capitals && upper)) ||
                               (g->case_policy == NEWSMINE_CASE_TITLE && !upper)))
            continue;
        /* in mixed text a word of three capitals is an abbreviation ("INA",
         * the Iraqi news agency), not a town's name written in capitals
         * ("Ina"); countries keep theirs ("BIH") */
        if (pass == FOLDED && g->isolated && !m->capitals && k == 1 && w->end - w->start <= 3)
            continue;
        if (!ambiguous_ok(m, g, entry->row, text, tokens, count, i, k, upper)) continue;
        if (g->isolated && k == 1 && !upper && !in_modifier_compound(text, &tokens[i], w) &&
            touches_name(g, text, tokens, count, i))
            continue;
        newsmine_candidate *c = push_candidate(m);
        if (!c) return;
        c->start = w->start;
        c->end = w->end;
        c->type = (uint16_t)g->type;
        c->from_gazetteer = 1;
        c->priority = g->priority;
        c->source = entry->gazetteer;
        c->row = entry->row;
        c->token = (uint32_t)i;
        if (entry->gazetteer < 32) *seen |= 1u << entry->gazetteer;
        *found |= 1u << g->type;
    }
}

/* The names of the window's folded text (the chain at head), as written
 * and folded; the types of the names found (a bit set). */
static unsigned lookup_window(newsmine_matcher *m, const gaz_window *w, const char *joined,
                              size_t n, uint32_t head, const char *text,
                              const newsmine_token *tokens, size_t count, unsigned types)
{
    unsigned found = 0;
    unsigned seen = 0;
    add_gaz_chain(m, head, AS_WRITTEN, joined, n, w, text, tokens, count, types, &seen, &found);
    /* a name written otherwise only where none of its type is written so */
    add_gaz_chain(m, head, DASH_OR_SPACE, joined, n, w, text, tokens, count, types & ~found, &seen,
                  &found);
    add_gaz_chain(m, head, FOLDED, joined, n, w, text, tokens, count, types, &seen, &found);
    return found;
}

/* The names of a folded text with a space in it (h: its unfinished hash). */
static uint32_t gaz_names_head(const newsmine_rules *r, const char *key, size_t n, uint64_t h)
{
    uint32_t v = newsmine_hash_get_hashed(&r->gaz_names, key, n, newsmine_hash_final(h));
    return v == NEWSMINE_GAZ_START ? UINT32_MAX : v;
}

/* Longest names first: for each type, the first window length with a hit
 * wins ("US Air Force" is a unit, and its "US" still a place). A window is
 * looked up only when its folded text is a whole folded name; the windows
 * grow while their folded text begins one (gaz_names). The folded text of
 * a window is its tokens' folded texts, the empty ones left out, joined by
 * spaces: newsmine_fold of the joined tokens. */
static void match_gazetteers_at(newsmine_matcher *m, const char *text,
                                const newsmine_token *tokens, size_t count, size_t i,
                                const newsmine_word_entry *we, unsigned types)
{
    uint32_t max_tokens = we->gaz_max_tokens;
    const newsmine_rules *r = m->rules;
    size_t kmax = max_tokens < count - i ? max_tokens : count - i;
    size_t need = 0, fneed = 0;
    for (size_t t = i; t < i + kmax; t++) {
        need += tokens[t].end - tokens[t].start + 1;
        fneed += m->tok_fold_len[t] + 1;
    }
    if (!grow_scratch(&m->joined, &m->joined_cap, need + 1) ||
        !grow_scratch(&m->key, &m->key_cap, fneed + 1)) {
        m->status = NEWSMINE_ERR_NOMEM;
        return;
    }
    gaz_whole *whole = m->whole; /* room for max_tokens */
    size_t nwhole = 0, n = 0, fn = 0;
    uint32_t head = UINT32_MAX; /* the names of the window's folded text */
    uint64_t h = newsmine_hash_start();
    for (size_t k = 1; k <= kmax; k++) {
        const newsmine_token *t = &tokens[i + k - 1];
        if (k > 1) m->joined[n++] = ' ';
        memcpy(m->joined + n, text + t->start, t->end - t->start);
        n += t->end - t->start;
        uint32_t tl = m->tok_fold_len[i + k - 1];
        if (tl) {
            if (fn) {
                m->key[fn++] = ' ';
                h = newsmine_hash_byte(h, ' ');
            }
            memcpy(m->key + fn, m->fold + m->tok_fold_off[i + k - 1], tl);
            h = newsmine_hash_more(h, m->key + fn, tl);
            fn += tl;
        }
        if (k == 1) { /* the first word: its entry says */
            head = !we->gaz_single            ? UINT32_MAX
                   : !memchr(m->key, ' ', fn) ? we->gaz_head
                                              : gaz_names_head(r, m->key, fn, h);
        } else if (tl) { /* several words: a name or the start of one, or stop */
            uint32_t v =
                newsmine_hash_get_hashed(&r->gaz_names, m->key, fn, newsmine_hash_final(h));
            if (v == UINT32_MAX) break;
            head = v == NEWSMINE_GAZ_START ? UINT32_MAX : v;
        } /* else the folded text did not change */
        /* a window does not end in a token that folds to nothing ("U.S.-") */
        if (head != UINT32_MAX && (k == 1 || tl)) whole[nwhole++] = (gaz_whole){k, n, head};
    }
    for (size_t c = nwhole; c-- > 0 && types && m->status == NEWSMINE_OK;) {
        size_t k = whole[c].k;
        gaz_window w = {i, k, tokens[i].start, tokens[i + k - 1].end, all_upper(tokens + i, k)};
        types &=
            ~lookup_window(m, &w, m->joined, whole[c].n, whole[c].head, text, tokens, count, types);
    }
}

/* "Mali-Lebanon", "U.S.-Mexico", "Syria-based": the parts of a hyphenated
 * word that is not itself a name are looked up one by one. */
static void match_hyphen_parts(newsmine_matcher *m, const char *text, const newsmine_token *tokens,
                               size_t count, size_t i, unsigned types)
{
    const newsmine_token *tok = &tokens[i];
    uint32_t part = tok->start;
    for (uint32_t p = tok->start; p <= tok->end; p++) {
        if (p < tok->end && text[p] != '-') continue;
        size_t n = p - part;
        size_t kn = 0;
        const newsmine_word_entry *we = n ? word_entry(m, text + part, n, &kn) : NULL;
        if (we && we->gaz_max_tokens) {
            bool upper = true;
            for (uint32_t q = part; q < p && upper; q++)
                upper = !(text[q] >= 'a' && text[q] <= 'z');
            gaz_window w = {i, 1, part, p, upper};
            uint32_t head = we->gaz_head; /* m->key holds the part folded */
            if (memchr(m->key, ' ', kn))
                head = gaz_names_head(m->rules, m->key, kn,
                                      newsmine_hash_more(newsmine_hash_start(), m->key, kn));
            if (head != UINT32_MAX)
                lookup_window(m, &w, text + part, n, head, text, tokens, count, types);
        }
        part = p + 1;
    }
}

/* ---------------------------------------------------------------- the loop */

static bool is_ascii_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* The prefilter units of token i: its symbol, or its ASCII digits and runs
 * of ASCII letters, and whether a run is a plural (prefilter.h). */
static void token_units(newsmine_matcher *m, const char *text, const newsmine_token *tok,
                        const newsmine_word_entry *we, uint32_t i, uint32_t gaps)
{
    const newsmine_rules *r = m->rules;
    const unsigned char *s = (const unsigned char *)text + tok->start;
    size_t n = tok->end - tok->start;
    if (tok->kind == NEWSMINE_TOK_PUNCT) {
        uint32_t u = UINT32_MAX;
        if (s[0] < 128) u = r->pf_ascii_symbol[s[0]];
        else if (n == 2 && s[0] == 0xC2 && s[1] == 0xA3) u = r->pf_pound;
        else if (n == 2 && s[0] == 0xC2 && s[1] == 0xA5) u = r->pf_yen;
        else if (n == 3 && s[0] == 0xE2 && s[1] == 0x82 && s[2] == 0xAC) u = r->pf_euro;
        if (u != UINT32_MAX) pf_add_unit(m, u, i, gaps);
        return;
    }
    bool digit = false;
    for (size_t k = 0; k < n;) {
        if (!is_ascii_letter(s[k])) {
            digit |= s[k] >= '0' && s[k] <= '9';
            k++;
            continue;
        }
        size_t run = k;
        while (k < n && is_ascii_letter(s[k]))
            k++;
        /* caseless in text in capitals: "REBELS" is a plural, and a capital
         * no evidence */
        unsigned char fold = m->capitals ? 0x20 : 0;
        if ((s[k - 1] | fold) == 's' && (k - run == 1 || (s[k - 2] | fold) != 's')) {
            if (r->pf_plural_unit != UINT32_MAX) pf_add_unit(m, r->pf_plural_unit, i, gaps);
            if ((m->capitals || (s[run] >= 'A' && s[run] <= 'Z')) &&
                r->pf_plural_capital_unit != UINT32_MAX)
                pf_add_unit(m, r->pf_plural_capital_unit, i, gaps);
        }
        const newsmine_word_entry *e = we;
        if (run != 0 || k != n) { /* part of the token: look the run up on its own */
            char low[64];
            if (k - run > sizeof low) continue; /* longer than any word of a rule */
            for (size_t q = run; q < k; q++)
                low[q - run] = (char)(s[q] | 0x20);
            uint32_t v = newsmine_hash_get(&r->words, low, k - run);
            e = v == UINT32_MAX ? NULL : &r->word_entries[v];
        }
        if (e && e->pf_unit != UINT32_MAX) pf_add_unit(m, e->pf_unit, i, gaps);
    }
    if (digit && r->pf_digit_unit != UINT32_MAX) pf_add_unit(m, r->pf_digit_unit, i, gaps);
}

/* newsmine_fold of a token (no white space in it) into out (room: 2n + 4),
 * the ASCII ones without a call; *hash gets newsmine_hash_bytes of it. */
static size_t fold_token(const char *s, size_t n, char *out, uint64_t *hash)
{
    uint64_t h = newsmine_hash_start();
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            o = newsmine_fold(s, n, out);
            *hash = newsmine_hash_bytes(out, o);
            return o;
        }
        if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = o > 0;
            continue;
        }
        if (space) {
            out[o++] = ' ';
            h = newsmine_hash_byte(h, ' ');
            space = false;
        }
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        out[o++] = (char)c;
        h = newsmine_hash_byte(h, c);
    }
    *hash = newsmine_hash_final(h);
    return o;
}

static bool is_hyphen_token(const char *text, const newsmine_token *tok)
{
    return tok->kind == NEWSMINE_TOK_PUNCT && text[tok->start] == '-';
}

/* Pass 1: every token's word entry and prefilter units, then which rules
 * can match at all in this document. */
static void prepare(newsmine_matcher *m, const char *text, const newsmine_token *tokens,
                    size_t token_count)
{
    const newsmine_rules *r = m->rules;
    for (size_t c = 0; c < r->pf_clause_count; c++)
        m->pf[c].n = m->pf[c].cursor = 0;
    if (token_count + 2 > m->gap_first_cap) {
        size_t cap = token_count + 2 + token_count / 2;
        uint32_t *g = realloc(m->gap_first, cap * sizeof *g);
        if (!g) {
            m->status = NEWSMINE_ERR_NOMEM;
            return;
        }
        m->gap_first = g;
        m->gap_first_cap = cap;
    }
    m->tok_entry = newsmine_arena_alloc(m->arena, (token_count + 1) * sizeof *m->tok_entry);
    m->tok_fold_off = newsmine_arena_alloc(m->arena, (token_count + 1) * sizeof(uint32_t));
    m->tok_fold_len = newsmine_arena_alloc(m->arena, (token_count + 1) * sizeof(uint32_t));
    if (!m->tok_entry || !m->tok_fold_off || !m->tok_fold_len) {
        m->status = NEWSMINE_ERR_NOMEM;
        return;
    }
    uint64_t *hashes = newsmine_arena_alloc(m->arena, (token_count + 1) * sizeof *hashes);
    if (!hashes) {
        m->status = NEWSMINE_ERR_NOMEM;
        return;
    }
    /* every token folded and hashed, and its probe of the word table
     * started, before the first lookup: the table is larger than the cache
     * and most tokens are words no rule knows */
    size_t fold_used = 0;
    for (size_t i = 0; i < token_count; i++) {
        const newsmine_token *tok = &tokens[i];
        size_t n = tok->end - tok->start;
        if (!grow_scratch(&m->fold, &m->fold_cap, fold_used + 2 * n + 4)) {
            m->status = NEWSMINE_ERR_NOMEM;
            return;
        }
        size_t fl = fold_token(text + tok->start, n, m->fold + fold_used, &hashes[i]);
        newsmine_hash_prefetch(&r->words, hashes[i]);
        m->tok_fold_off[i] = (uint32_t)fold_used;
        m->tok_fold_len[i] = (uint32_t)fl;
        fold_used += fl;
    }
    /* gaps: runs of white space and '-' tokens in front of the tokens */
    uint32_t gaps = 0;
    bool open = false;
    m->gap_first[0] = 0;
    bool units = r->pf_unit_count > 0;
    for (size_t i = 0; i < token_count && !m->status; i++) {
        const newsmine_token *tok = &tokens[i];
        if (tok->flags & NEWSMINE_TOKF_SPACE_BEFORE) {
            if (!open) m->gap_first[++gaps] = (uint32_t)i;
            open = true;
        }
        uint32_t v = newsmine_hash_get_hashed(&r->words, m->fold + m->tok_fold_off[i],
                                              m->tok_fold_len[i], hashes[i]);
        const newsmine_word_entry *we = v == UINT32_MAX ? NULL : &r->word_entries[v];
        m->tok_entry[i] = we;
        if (units) token_units(m, text, tok, we, (uint32_t)i, gaps);
        open = open && is_hyphen_token(text, tok);
    }
    for (size_t i = 0; i < r->rule_count; i++) {
        bool live = runs_on_text(m, &r->rules[i]);
        /* (in verify mode every attempt is made, and what the prefilters
         * said is checked in try_rule_at) */
        for (uint32_t c = r->pf_rule_offset[i]; !m->verify && c < r->pf_digit_offset[i] && live;
             c++)
            live = m->pf[c].n > 0;
        m->rule_live[i] = live;
    }
    for (int c = 0; c < 3; c++) {
        size_t n = 0;
        for (const uint32_t *id = r->class_rules[c]; *id != UINT32_MAX; id++)
            if (m->rule_live[*id]) m->live_class[c][n++] = *id;
        m->live_class[c][n] = UINT32_MAX;
    }
}

static void run_live_rules(newsmine_matcher *m, const uint32_t *ids, size_t n, const char *text,
                           size_t len, const newsmine_token *tok, uint32_t token, unsigned types)
{
    for (size_t i = 0; i < n; i++)
        if (m->rule_live[ids[i]] &&
            !pf_ruled_out(m, ids[i], token, tok->start, is_digit_byte(text[tok->start]), types))
            try_rule_at(m, ids[i], text, len, tok->start, token, types);
}

newsmine_status newsmine_match(newsmine_matcher *m, const char *text, size_t len,
                               const newsmine_token *tokens, size_t token_count, unsigned types,
                               newsmine_arena *arena, newsmine_candidate **out, size_t *count)
{
    const newsmine_rules *r = m->rules;
    m->arena = arena;
    m->cands = NULL;
    m->count = m->cap = 0;
    m->limit_hits = 0;
    m->first_limit_rule = NULL;
    m->status = m->capitals ? newsmine_rules_caseless(r) : NEWSMINE_OK;
    if (m->status) return m->status;
    memset(m->last_start, 0, (r->rule_count + 1) * sizeof *m->last_start);
    memset(m->pf_next, 0, (r->rule_count + 1) * sizeof *m->pf_next);
    memset(m->pf_next_digit, 0, (r->rule_count + 1) * sizeof *m->pf_next_digit);
    prepare(m, text, tokens, token_count);

    for (size_t i = 0; i < token_count && m->status == NEWSMINE_OK; i++) {
        const newsmine_token *tok = &tokens[i];
        const newsmine_word_entry *we = m->tok_entry[i];
        if (we && we->rule_count)
            run_live_rules(m, r->trigger_rules + we->rules_offset, we->rule_count, text, len, tok,
                           (uint32_t)i, types);
        const newsmine_word_entry *head = head_entry(m, text, tok);
        if (head && head->rule_count)
            run_live_rules(m, r->trigger_rules + head->rules_offset, head->rule_count, text, len,
                           tok, (uint32_t)i, types);
        if (tok->kind == NEWSMINE_TOK_NUMBER)
            run_rule_list(m, m->live_class[0], SIZE_MAX, text, len, tok, (uint32_t)i, types);
        if (tok->flags & NEWSMINE_TOKF_CAP)
            run_rule_list(m, m->live_class[1], SIZE_MAX, text, len, tok, (uint32_t)i, types);
        run_rule_list(m, m->live_class[2], SIZE_MAX, text, len, tok, (uint32_t)i, types);
        unsigned long long t0 = m->stats ? newsmine_now_ns() : 0;
        if (we && we->gaz_max_tokens)
            match_gazetteers_at(m, text, tokens, token_count, i, we, types);
        else if (tok->kind == NEWSMINE_TOK_WORD && memchr(text + tok->start, '-', tok->end - tok->start))
            match_hyphen_parts(m, text, tokens, token_count, i, types);
        if (m->stats) {
            m->stats[r->rule_count].ns += newsmine_now_ns() - t0;
            m->stats[r->rule_count].calls++;
        }
    }
    for (const uint32_t *id = r->class_rules[3]; *id != UINT32_MAX && !m->status; id++)
        scan_rule(m, *id, text, len, types);
    if (m->limit_hits) drop_stopped_rules(m);
    *out = m->cands;
    *count = m->count;
    return m->status;
}

void newsmine_matcher_set_verify(newsmine_matcher *m, bool on)
{
    m->verify = on;
}

void newsmine_matcher_set_capitals(newsmine_matcher *m, bool on)
{
    m->capitals = on;
}

unsigned long long newsmine_matcher_verify_failures(const newsmine_matcher *m,
                                                    const char **first_rule)
{
    if (first_rule) *first_rule = m->first_verify_failure;
    return m->verify_failures;
}
