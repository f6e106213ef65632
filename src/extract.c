/* The extraction of one document: normalise -> tokenise -> match -> resolve
 * -> norms -> spans mapped back to the text as given. */
#include "match.h"
#include "normalize.h"
#include "normalizers.h"
#include "resolve.h"
#include "rules.h"
#include "tokenize.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { STAGE_NORMALIZE, STAGE_TOKENIZE, STAGE_MATCH, STAGE_GAZETTEERS, STAGE_RESOLVE, STAGE_NORMS,
       STAGE_COUNT };

static const char *const stage_names[STAGE_COUNT] = {
    "stage:normalize", "stage:tokenize", "stage:match",
    "stage:gazetteers", "stage:resolve", "stage:norms"};

struct newsmine_extractor {
    const newsmine_rules *rules;
    newsmine_matcher *matcher;
    newsmine_arena arena; /* everything of the current document */
    size_t limit_hits;
    const char *first_limit_rule;
    /* profiling: NULL when off */
    newsmine_rule_stats *stats;          /* rule_count + 1 (gazetteers) */
    unsigned long long stage_ns[STAGE_COUNT];
    unsigned long long documents;
    newsmine_profile_entry *profile;     /* STAGE_COUNT + rule_count, built on request */
};

newsmine_status newsmine_extractor_new(const newsmine_rules *rules, newsmine_extractor **out,
                                       newsmine_error *err)
{
    *out = NULL;
    if (!rules) return newsmine_error_set(err, NEWSMINE_ERR_ARG, NULL, 0, 0, "no rules");
    newsmine_extractor *ex = calloc(1, sizeof *ex);
    if (!ex || newsmine_matcher_new(rules, &ex->matcher) != NEWSMINE_OK) {
        free(ex);
        return newsmine_error_set(err, NEWSMINE_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    ex->rules = rules;
    newsmine_arena_init(&ex->arena);
    *out = ex;
    return NEWSMINE_OK;
}

void newsmine_extractor_free(newsmine_extractor *ex)
{
    if (!ex) return;
    free(ex->stats);
    free(ex->profile);
    newsmine_matcher_free(ex->matcher);
    newsmine_arena_free(&ex->arena);
    free(ex);
}

size_t newsmine_extractor_limit_hits(const newsmine_extractor *ex, const char **first_rule)
{
    if (first_rule) *first_rule = ex->first_limit_rule;
    return ex->limit_hits;
}

newsmine_status newsmine_extractor_profile_enable(newsmine_extractor *ex, int on)
{
    if (!ex) return NEWSMINE_ERR_ARG;
    free(ex->stats);
    free(ex->profile);
    ex->stats = NULL;
    ex->profile = NULL;
    memset(ex->stage_ns, 0, sizeof ex->stage_ns);
    ex->documents = 0;
    if (on) {
        size_t n = ex->rules->rule_count;
        ex->stats = calloc(n + 1, sizeof *ex->stats);
        ex->profile = calloc(STAGE_COUNT + n, sizeof *ex->profile);
        if (!ex->stats || !ex->profile) {
            free(ex->stats);
            free(ex->profile);
            ex->stats = NULL;
            ex->profile = NULL;
            newsmine_matcher_set_stats(ex->matcher, NULL);
            return NEWSMINE_ERR_NOMEM;
        }
    }
    newsmine_matcher_set_stats(ex->matcher, ex->stats);
    return NEWSMINE_OK;
}

size_t newsmine_extractor_profile(const newsmine_extractor *ex,
                                  const newsmine_profile_entry **entries)
{
    *entries = NULL;
    if (!ex || !ex->stats) return 0;
    size_t n = ex->rules->rule_count;
    newsmine_profile_entry *p = ex->profile;
    for (size_t s = 0; s < STAGE_COUNT; s++)
        p[s] = (newsmine_profile_entry){stage_names[s], ex->documents, 0, 0, ex->stage_ns[s]};
    p[STAGE_GAZETTEERS].calls = ex->stats[n].calls;
    p[STAGE_GAZETTEERS].nanoseconds = ex->stats[n].ns;
    for (size_t i = 0; i < n; i++) {
        const newsmine_rule_stats *st = &ex->stats[i];
        p[STAGE_COUNT + i] = (newsmine_profile_entry){ex->rules->rules[i].id, st->calls, st->matches,
                                                      st->skipped, st->ns};
    }
    *entries = p;
    return STAGE_COUNT + n;
}

/* The sentence of every token: counts sentence starts up to it. */
static uint32_t *sentence_ids(const newsmine_token *tokens, size_t n, newsmine_arena *arena)
{
    uint32_t *ids = newsmine_arena_alloc(arena, (n + 1) * sizeof *ids);
    if (!ids) return NULL;
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (tokens[i].flags & NEWSMINE_TOKF_SENT_START)) s++;
        ids[i] = s;
    }
    return ids;
}

/* "6 officers in A, 2 in B": a count without its noun takes the noun of the
 * count before it in the same sentence, or else its rule's default_noun
 * ("496 had been killed": people), which never reaches the output. */
static newsmine_status carry_count_nouns(const newsmine_candidate *kept, newsmine_norm *norms,
                                         size_t n, const uint32_t *sentence)
{
    const newsmine_norm *last = NULL;
    uint32_t last_sentence = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (kept[i].type != NEWSMINE_COUNT) continue;
        uint32_t s = kept[i].token == UINT32_MAX ? UINT32_MAX - 1 : sentence[kept[i].token];
        const char *default_noun = newsmine_norm_get(&norms[i], "default_noun");
        if (default_noun) newsmine_norm_remove(&norms[i], "default_noun");
        newsmine_status st = NEWSMINE_OK;
        if (!newsmine_norm_get(&norms[i], "noun")) {
            const char *category = last ? newsmine_norm_get(last, "category") : NULL;
            /* a count of harmed people takes only a noun of people */
            bool people = category && (strcmp(category, "\"personnel\"") == 0 ||
                                       strcmp(category, "\"casualties\"") == 0);
            if (last && s == last_sentence && (!default_noun || people)) {
                st = newsmine_norm_set(&norms[i], "noun", newsmine_norm_get(last, "noun"));
                if (!st && category && !newsmine_norm_get(&norms[i], "category"))
                    st = newsmine_norm_set(&norms[i], "category", category);
                if (st) return st;
                continue;
            }
            if (!default_noun) continue; /* left without a noun: dropped later */
            if ((st = newsmine_norm_set(&norms[i], "noun", default_noun))) return st;
        }
        last = &norms[i];
        last_sentence = s;
    }
    return NEWSMINE_OK;
}

/* ------------------------------------------------- abbreviations */

static bool takes_abbreviation(uint16_t type)
{
    return type == NEWSMINE_UNIT || type == NEWSMINE_ORG;
}

/* "UN Disengagement Observer Force (UNDOF)": the bracketed abbreviation
 * becomes part of the name's span and its norm.abbr. */
static void absorb_bracketed_abbreviations(newsmine_candidate *c, size_t n, const char *text,
                                           size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (!takes_abbreviation(c[i].type)) continue;
        size_t p = c[i].end;
        while (p < len && text[p] == ' ')
            p++;
        if (p >= len || text[p] != '(') continue;
        size_t a = p + 1, e = a;
        while (e < len && e - a < 12 &&
               ((text[e] >= 'A' && text[e] <= 'Z') || (text[e] >= '0' && text[e] <= '9') ||
                (e > a && (text[e] == '-' || text[e] == '.' || text[e] == '&'))))
            e++;
        if (e - a < 2 || e >= len || text[e] != ')') continue;
        c[i].abbr_start = (uint32_t)a;
        c[i].abbr_end = (uint32_t)e;
        c[i].end = (uint32_t)e + 1;
    }
}

/* For learning abbreviations in time n log n, not quadratic in mentions
 * (a document may repeat an abbreviation thousands of times): the kept
 * entities, sorted by start, answer "does an entity of these types overlap
 * [start, end)?" through the largest end per type among the first i. */
typedef struct overlap_index {
    const newsmine_candidate *kept;
    size_t n;
    uint32_t *max_end[NEWSMINE_TYPE_COUNT]; /* [t][i]: of kept[0..i) of type t, 0 if none */
} overlap_index;

static newsmine_status overlap_index_build(overlap_index *x, const newsmine_candidate *kept,
                                           size_t n, newsmine_arena *arena)
{
    x->kept = kept;
    x->n = n;
    for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++) {
        uint32_t *m = newsmine_arena_alloc(arena, (n + 1) * sizeof *m);
        if (!m) return NEWSMINE_ERR_NOMEM;
        m[0] = 0;
        for (size_t i = 0; i < n; i++)
            m[i + 1] = kept[i].type == t && kept[i].end > m[i] ? kept[i].end : m[i];
        x->max_end[t] = m;
    }
    return NEWSMINE_OK;
}

static bool overlap_index_covers(const overlap_index *x, unsigned types, uint32_t start,
                                 uint32_t end)
{
    size_t lo = 0, hi = x->n; /* the entities starting before end: kept[0..lo) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->kept[mid].start < end) lo = mid + 1;
        else hi = mid;
    }
    for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++)
        if ((types >> t & 1u) && x->max_end[t][lo] > start) return true;
    return false;
}

/* A word an entity of the document defines (an abbreviation in brackets, a
 * person's surname): its other mentions become entities like it. */
typedef struct learnt_word {
    const char *text;
    size_t len;
    size_t kept; /* index of the entity that defines it */
} learnt_word;

static int by_word(const void *a, const void *b)
{
    const learnt_word *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->kept < y->kept ? -1 : x->kept > y->kept;
}

static int by_offset(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The first of words[0..n) (sorted) whose text is text[0..len), or n. */
static size_t find_word(const learnt_word *words, size_t n, const char *text, size_t len)
{
    learnt_word key = {text, len, 0};
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (by_word(&words[mid], &key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && words[lo].len == len && memcmp(words[lo].text, text, len) == 0 ? lo : n;
}

/* A quick no for most tokens before find_word: the first and the last
 * bytes and the length (63 and more as one) of every word. */
typedef struct word_filter {
    uint64_t first[4], last[4], lengths;
} word_filter;

static uint64_t length_bit(size_t len)
{
    return 1ull << (len < 63 ? len : 63);
}

static void word_filter_build(word_filter *f, const learnt_word *words, size_t n)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)words[i].text[0];
        unsigned char z = (unsigned char)words[i].text[words[i].len - 1];
        f->first[a >> 6] |= 1ull << (a & 63);
        f->last[z >> 6] |= 1ull << (z & 63);
        f->lengths |= length_bit(words[i].len);
    }
}

/* Whether a word may begin with byte a, end with byte z and be len long. */
static bool word_filter_may(const word_filter *f, unsigned char a, unsigned char z, size_t len)
{
    return (f->lengths & length_bit(len)) && (f->first[a >> 6] >> (a & 63) & 1) &&
           (f->last[z >> 6] >> (z & 63) & 1);
}

static bool same_word(const learnt_word *a, const char *text, size_t len)
{
    return a->len == len && memcmp(a->text, text, len) == 0;
}

/* Sorts words and keeps, of the words of one text and one type, the
 * first: it takes every mention the others could take. The new count. */
static size_t sort_words(learnt_word *words, size_t n, const newsmine_candidate *kept)
{
    qsort(words, n, sizeof *words, by_word);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = unique; j-- > 0 && !seen;) {
            if (!same_word(&words[j], words[i].text, words[i].len)) break;
            seen = kept[words[j].kept].type == kept[words[i].kept].type;
        }
        if (!seen) words[unique++] = words[i];
    }
    return unique;
}

/* Every token that is one of the words (sorted by sort_words) becomes an
 * entity like the one that defines the word, with its norm, unless an
 * entity of that type, or of a type it yields to, overlaps it already; of
 * two definitions the first comes first. In time n log n, not quadratic in
 * mentions (a document may repeat a word thousands of times). */
static newsmine_status add_mentions(const newsmine_rules *rules, newsmine_candidate **kept,
                                    newsmine_norm **norms, size_t *n, const char *text,
                                    const newsmine_token *tokens, size_t ntok,
                                    const learnt_word *words, size_t nw, newsmine_arena *arena)
{
    if (!nw) return NEWSMINE_OK;
    /* at most one mention per token and type */
    unsigned word_types = 0;
    for (size_t i = 0; i < nw; i++)
        word_types |= 1u << (*kept)[words[i].kept].type;
    size_t per_token = (size_t)__builtin_popcount(word_types);
    newsmine_candidate *found = newsmine_arena_alloc(arena, (ntok * per_token + 1) * sizeof *found);
    size_t *found_from =
        newsmine_arena_alloc(arena, (ntok * per_token + 1) * sizeof *found_from);
    overlap_index index;
    if (!found || !found_from || overlap_index_build(&index, *kept, *n, arena))
        return NEWSMINE_ERR_NOMEM;
    size_t max_len = 0;
    for (size_t i = 0; i < nw; i++)
        if (words[i].len > max_len) max_len = words[i].len;
    /* where the entities' own abbreviations lie: "(AB)" of "Acme Holdings
     * (AB)" is the definition, never a mention of another "AB" */
    size_t ndef = 0;
    uint32_t *defined_at = newsmine_arena_alloc(arena, (*n + 1) * sizeof *defined_at);
    if (!defined_at) return NEWSMINE_ERR_NOMEM;
    for (size_t i = 0; i < *n; i++)
        if ((*kept)[i].abbr_end) defined_at[ndef++] = (*kept)[i].abbr_start;
    qsort(defined_at, ndef, sizeof *defined_at, by_offset);

    /* Mentions in token order; at one token, by type. A mention covers only
     * its token, so it can only overlap mentions of the same token. */
    size_t extra = 0;
    word_filter filter;
    word_filter_build(&filter, words, nw);
    for (size_t t = 0; t < ntok; t++) {
        const char *tok = text + tokens[t].start;
        size_t len = tokens[t].end - tokens[t].start, at_token = extra;
        if (len > max_len ||
            !word_filter_may(&filter, (unsigned char)tok[0], (unsigned char)tok[len - 1], len) ||
            bsearch(&tokens[t].start, defined_at, ndef, sizeof *defined_at, by_offset))
            continue;
        for (size_t a = find_word(words, nw, tok, len); a < nw && same_word(&words[a], tok, len);
             a++) {
            const newsmine_candidate *def = &(*kept)[words[a].kept];
            unsigned types = 1u << def->type | rules->yields[def->type];
            if (overlap_index_covers(&index, types, tokens[t].start, tokens[t].end)) continue;
            /* the mentions of this token: one of a type this one yields to
             * (or of its own) keeps it out; one that yields to it goes */
            bool taken = false;
            for (size_t k = at_token; k < extra && !taken; k++)
                taken = types >> found[k].type & 1u;
            if (taken) continue;
            size_t kept_here = at_token;
            for (size_t k = at_token; k < extra; k++)
                if (!(rules->yields[found[k].type] >> def->type & 1u)) {
                    found[kept_here] = found[k];
                    found_from[kept_here++] = found_from[k];
                }
            extra = kept_here;
            size_t k = extra++;
            for (; k > at_token && found[k - 1].type > def->type; k--) {
                found[k] = found[k - 1];
                found_from[k] = found_from[k - 1];
            }
            found[k] = *def;
            found[k].start = tokens[t].start;
            found[k].end = tokens[t].end;
            found[k].abbr_start = found[k].abbr_end = 0;
            found[k].token = (uint32_t)t;
            found_from[k] = words[a].kept;
        }
    }
    if (!extra) return NEWSMINE_OK;

    /* merged into start order (then type; the entities before the mentions
     * on a tie), norms alongside */
    size_t count = *n + extra;
    newsmine_candidate *k2 = newsmine_arena_alloc(arena, (count + 1) * sizeof *k2);
    newsmine_norm *n2 = newsmine_arena_alloc(arena, (count + 1) * sizeof *n2);
    if (!k2 || !n2) return NEWSMINE_ERR_NOMEM;
    for (size_t i = 0, j = 0, o = 0; o < count; o++) {
        bool mention_first =
            j < extra && (i == *n || found[j].start < (*kept)[i].start ||
                          (found[j].start == (*kept)[i].start && found[j].type < (*kept)[i].type));
        if (mention_first) {
            k2[o] = found[j];
            n2[o] = (*norms)[found_from[j++]];
        } else {
            k2[o] = (*kept)[i];
            n2[o] = (*norms)[i++];
        }
    }
    *kept = k2;
    *norms = n2;
    *n = count;
    return NEWSMINE_OK;
}

/* An abbreviation defined in brackets is learnt for the document: its other
 * mentions become entities of the same type with the same norm. */
static newsmine_status learn_abbreviations(const newsmine_rules *rules, newsmine_candidate **kept,
                                           newsmine_norm **norms, size_t *n, const char *text,
                                           const newsmine_token *tokens, size_t ntok,
                                           newsmine_arena *arena)
{
    size_t defined = 0;
    for (size_t i = 0; i < *n; i++)
        defined += (*kept)[i].abbr_end != 0;
    if (!defined) return NEWSMINE_OK;
    learnt_word *words = newsmine_arena_alloc(arena, defined * sizeof *words);
    if (!words) return NEWSMINE_ERR_NOMEM;
    size_t nw = 0;
    for (size_t i = 0; i < *n; i++) {
        const newsmine_candidate *def = &(*kept)[i];
        if (def->abbr_end)
            words[nw++] = (learnt_word){text + def->abbr_start, def->abbr_end - def->abbr_start, i};
    }
    nw = sort_words(words, nw, *kept);
    return add_mentions(rules, kept, norms, n, text, tokens, ntok, words, nw, arena);
}

static bool is_upper_ascii(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower_ascii(char c)
{
    return c >= 'a' && c <= 'z';
}

/* "Phil Simmons ... Simmons said": the last word of a person's name, a
 * surname, is learnt for the document; its other mentions become persons
 * with the same norm (the full name). Only a name of two words or more;
 * only a word of three letters or more, letters, apostrophes and hyphens,
 * that starts with a capital and ends in a small letter ("McCague",
 * "O'Neill", not "III" or "Jr."); and not one the document also writes in
 * small letters ("Such" of "Peter Such" when the text says "such"): that is
 * a common word, and its capital may only begin a sentence. */
static newsmine_status learn_surnames(const newsmine_rules *rules, newsmine_candidate **kept,
                                      newsmine_norm **norms, size_t *n, const char *text,
                                      const newsmine_token *tokens, size_t ntok,
                                      newsmine_arena *arena)
{
    size_t persons = 0;
    for (size_t i = 0; i < *n; i++)
        persons += (*kept)[i].type == NEWSMINE_PERSON;
    if (!persons) return NEWSMINE_OK;
    learnt_word *words = newsmine_arena_alloc(arena, persons * sizeof *words);
    bool *common = newsmine_arena_alloc(arena, persons * sizeof *common);
    if (!words || !common) return NEWSMINE_ERR_NOMEM;
    size_t nw = 0;
    for (size_t i = 0; i < *n; i++) {
        const newsmine_candidate *p = &(*kept)[i];
        if (p->type != NEWSMINE_PERSON || p->token == UINT32_MAX) continue;
        /* the name's words: rules with \K start the name after the
         * token that triggered them ("President Putin") */
        size_t first = p->token, last = 0, words_in_name = 0;
        while (first < ntok && tokens[first].start < p->start)
            first++;
        for (size_t t = first; t < ntok && tokens[t].end <= p->end; t++)
            if (is_upper_ascii(text[tokens[t].start]) || (unsigned char)text[tokens[t].start] >= 0x80) {
                last = t;
                words_in_name++;
            }
        if (words_in_name < 2) continue;
        const char *w = text + tokens[last].start;
        size_t len = tokens[last].end - tokens[last].start;
        bool lower_after_capital = len >= 3 && is_upper_ascii(w[0]);
        for (size_t k = 1; k < len && lower_after_capital; k++)
            lower_after_capital = is_lower_ascii(w[k]) || is_upper_ascii(w[k]) || w[k] == '\'' ||
                                  w[k] == '-' || (unsigned char)w[k] >= 0x80;
        if (!lower_after_capital || !is_lower_ascii(w[len - 1])) continue;
        words[nw++] = (learnt_word){w, len, i};
    }
    nw = sort_words(words, nw, *kept);
    /* the words the document also writes with a small letter */
    memset(common, 0, nw * sizeof *common);
    char folded[64];
    word_filter filter;
    word_filter_build(&filter, words, nw);
    for (size_t t = 0; t < ntok && nw; t++) {
        size_t len = tokens[t].end - tokens[t].start;
        const char *tok = text + tokens[t].start;
        if (len >= sizeof folded || !is_lower_ascii(tok[0])) continue;
        unsigned char capital = (unsigned char)(tok[0] - 'a' + 'A');
        if (!word_filter_may(&filter, capital, len > 1 ? (unsigned char)tok[len - 1] : capital,
                             len))
            continue;
        memcpy(folded, tok, len);
        folded[0] = (char)(folded[0] - 'a' + 'A');
        for (size_t a = find_word(words, nw, folded, len); a < nw && same_word(&words[a], folded, len);
             a++)
            common[a] = true;
    }
    size_t kept_words = 0;
    for (size_t a = 0; a < nw; a++)
        if (!common[a]) words[kept_words++] = words[a];
    return add_mentions(rules, kept, norms, n, text, tokens, ntok, words, kept_words, arena);
}

/* A unit, organisation or person without a name from its rule is named by
 * its own text, unless the text is only an abbreviation: one word without
 * a lower-case letter ("UNDOF", not "1ST INFANTRY BRIGADE"). */
static newsmine_status default_names(const newsmine_candidate *kept, newsmine_norm *norms,
                                     size_t n, const char *text, newsmine_arena *arena)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t t = kept[i].type;
        if ((t != NEWSMINE_UNIT && t != NEWSMINE_ORG && t != NEWSMINE_PERSON) ||
            newsmine_norm_get(&norms[i], "name"))
            continue;
        uint32_t end = kept[i].abbr_end ? kept[i].abbr_start - 1 : kept[i].end;
        while (end > kept[i].start && (text[end - 1] == ' ' || text[end - 1] == '('))
            end--;
        bool acronym = true;
        for (uint32_t p = kept[i].start; p < end && acronym; p++)
            acronym = !(text[p] >= 'a' && text[p] <= 'z') && (unsigned char)text[p] > ' ';
        if (acronym && t == NEWSMINE_UNIT) continue; /* "UNDOF" alone: its name is not in the text */
        size_t len = end - kept[i].start;
        char *json = newsmine_arena_alloc(arena, len * 6 + 3);
        if (!json) return NEWSMINE_ERR_NOMEM;
        size_t o = 0;
        json[o++] = '"';
        for (uint32_t p = kept[i].start; p < end; p++) {
            unsigned char ch = (unsigned char)text[p];
            if (ch == '"' || ch == '\\') json[o++] = '\\';
            json[o++] = ch < 0x20 ? ' ' : (char)ch;
        }
        json[o++] = '"';
        json[o] = '\0';
        newsmine_status st = newsmine_norm_set(&norms[i], "name", json);
        if (st) return st;
    }
    return NEWSMINE_OK;
}

static newsmine_status set_abbreviations(const newsmine_candidate *kept, newsmine_norm *norms,
                                         size_t n, const char *text, newsmine_arena *arena)
{
    for (size_t i = 0; i < n; i++) {
        if (!kept[i].abbr_end || newsmine_norm_get(&norms[i], "abbr")) continue;
        size_t len = kept[i].abbr_end - kept[i].abbr_start;
        char *json = newsmine_arena_alloc(arena, len + 3);
        if (!json) return NEWSMINE_ERR_NOMEM;
        json[0] = '"';
        memcpy(json + 1, text + kept[i].abbr_start, len);
        json[len + 1] = '"';
        json[len + 2] = '\0';
        newsmine_status st = newsmine_norm_set(&norms[i], "abbr", json);
        if (st) return st;
    }
    return NEWSMINE_OK;
}

/* A count whose noun is neither in the text nor carried over is not a count
 * ("2 in B" with no count before it). */
static size_t drop_nounless_counts(newsmine_candidate *kept, newsmine_norm *norms, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept[i].type == NEWSMINE_COUNT && !newsmine_norm_get(&norms[i], "noun")) continue;
        if (out != i) { /* a norm is 400 bytes: copied only to close a gap */
            kept[out] = kept[i];
            norms[out] = norms[i];
        }
        out++;
    }
    return out;
}

/* Maps normalised byte spans to source bytes, then to code points. The
 * entities are sorted by start, so one sweep counts the code points. */
static void map_spans(newsmine_entity *ents, size_t n, const newsmine_normalized *nt,
                      const char *src)
{
    size_t byte = 0, cp = 0;
    for (size_t i = 0; i < n; i++) {
        size_t sb = newsmine_normalized_source_start(nt, ents[i].start_byte);
        size_t eb = newsmine_normalized_source_end(nt, ents[i].end_byte);
        if (eb < sb) eb = sb;
        /* entities nested in others, or sources shared by an edit, start
         * before the last start: count back */
        if (sb < byte) cp -= newsmine_utf8_count(src + sb, byte - sb);
        else cp += newsmine_utf8_count(src + byte, sb - byte);
        byte = sb;
        ents[i].start_byte = sb;
        ents[i].end_byte = eb;
        ents[i].start = cp;
        ents[i].end = cp + newsmine_utf8_count(src + sb, eb - sb);
    }
}

/* The types to match for the wanted ones: also those they yield to, so that
 * filtering by type never changes which entities of a wanted type survive. */
static unsigned types_to_match(const newsmine_rules *rules, unsigned wanted)
{
    unsigned types = wanted, before;
    do {
        before = types;
        for (unsigned t = 0; t < NEWSMINE_TYPE_COUNT; t++)
            if (types >> t & 1u) types |= rules->yields[t];
    } while (types != before);
    return types;
}

/* Keeps the entities of the wanted types. */
static size_t filter_types(newsmine_candidate *kept, newsmine_norm *norms, size_t n,
                           unsigned wanted)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(wanted >> kept[i].type & 1u)) continue;
        if (out != i) { /* a norm is 400 bytes: copied only to close a gap */
            kept[out] = kept[i];
            norms[out] = norms[i];
        }
        out++;
    }
    return out;
}

static newsmine_status fail(newsmine_error *err, newsmine_status st)
{
    return newsmine_error_set(err, st, NULL, 0, 0, "%s", newsmine_status_string(st));
}

newsmine_status newsmine_extract(newsmine_extractor *ex, const char *text, size_t len,
                                 const newsmine_extract_options *opts,
                                 const newsmine_entity **entities, size_t *count,
                                 newsmine_error *err)
{
    *entities = NULL;
    *count = 0;
    newsmine_arena_reset(&ex->arena);
    ex->limit_hits = 0;
    ex->first_limit_rule = NULL;
    unsigned wanted = opts && opts->types ? opts->types : NEWSMINE_ALL_TYPES;
    unsigned types = types_to_match(ex->rules, wanted);

    newsmine_normalized nt;
    newsmine_token *tokens;
    size_t ntok, ncand, nkept;
    newsmine_candidate *cands, *kept;
    bool profiling = ex->stats != NULL;
    unsigned long long t[5] = {0};
    if (profiling) t[0] = newsmine_now_ns();
    newsmine_status st = newsmine_normalize(text, len, &ex->arena, &nt);
    if (profiling) t[1] = newsmine_now_ns();
    if (!st) st = newsmine_tokenize(ex->rules->tokenizer, nt.text, nt.len, &ex->arena, &tokens, &ntok);
    if (profiling) t[2] = newsmine_now_ns();
    if (!st) {
        newsmine_matcher_set_capitals(ex->matcher, newsmine_text_in_capitals(nt.text, nt.len));
        st = newsmine_match(ex->matcher, nt.text, nt.len, tokens, ntok, types, &ex->arena, &cands,
                            &ncand);
    }
    if (profiling) t[3] = newsmine_now_ns();
    ex->limit_hits = newsmine_matcher_limit_hits(ex->matcher, &ex->first_limit_rule);
    if (!st) absorb_bracketed_abbreviations(cands, ncand, nt.text, nt.len);
    if (!st) st = newsmine_resolve(ex->rules, cands, ncand, &ex->arena, &kept, &nkept);
    if (profiling) {
        t[4] = newsmine_now_ns();
        ex->documents++;
        ex->stage_ns[STAGE_NORMALIZE] += t[1] - t[0];
        ex->stage_ns[STAGE_TOKENIZE] += t[2] - t[1];
        ex->stage_ns[STAGE_MATCH] += t[3] - t[2];
        ex->stage_ns[STAGE_RESOLVE] += t[4] - t[3];
    }
    if (st) return fail(err, st);

    newsmine_norm *norms = newsmine_arena_alloc(&ex->arena, (nkept + 1) * sizeof *norms);
    newsmine_entity *ents = NULL;
    uint32_t *sentence = sentence_ids(tokens, ntok, &ex->arena);
    if (!norms || !sentence) return fail(err, NEWSMINE_ERR_NOMEM);
    for (size_t i = 0; !st && i < nkept; i++)
        st = newsmine_norm_build(ex->rules, &kept[i], nt.text, opts ? opts->date : NULL,
                                 &ex->arena, &norms[i]);
    if (!st) st = carry_count_nouns(kept, norms, nkept, sentence);
    if (!st) nkept = drop_nounless_counts(kept, norms, nkept);
    if (!st) st = set_abbreviations(kept, norms, nkept, nt.text, &ex->arena);
    if (!st) st = default_names(kept, norms, nkept, nt.text, &ex->arena);
    if (!st)
        st = learn_abbreviations(ex->rules, &kept, &norms, &nkept, nt.text, tokens, ntok,
                                 &ex->arena);
    if (!st)
        st = learn_surnames(ex->rules, &kept, &norms, &nkept, nt.text, tokens, ntok, &ex->arena);
    if (!st && types != wanted) nkept = filter_types(kept, norms, nkept, wanted);
    if (!st && !(ents = newsmine_arena_alloc(&ex->arena, (nkept + 1) * sizeof *ents)))
        st = NEWSMINE_ERR_NOMEM;
    for (size_t i = 0; !st && i < nkept; i++) {
        const newsmine_candidate *c = &kept[i];
        ents[i].type = (newsmine_type)c->type;
        ents[i].start_byte = c->start;
        ents[i].end_byte = c->end;
        ents[i].rule = c->from_gazetteer ? ex->rules->gazetteers[c->source].rule_id
                                         : ex->rules->rules[c->source].id;
        st = newsmine_norm_render(&norms[i], ents[i].type, &ex->arena, &ents[i].norm,
                                  &ents[i].norm_len);
    }
    if (st) return fail(err, st);
    map_spans(ents, nkept, &nt, text);
    if (profiling) ex->stage_ns[STAGE_NORMS] += newsmine_now_ns() - t[4];
    *entities = ents;
    *count = nkept;
    return NEWSMINE_OK;
}
