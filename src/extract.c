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

struct newsmine_extractor {
    const newsmine_rules *rules;
    newsmine_matcher *matcher;
    newsmine_arena arena; /* everything of the current document */
    size_t limit_hits;
    const char *first_limit_rule;
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
    newsmine_matcher_free(ex->matcher);
    newsmine_arena_free(&ex->arena);
    free(ex);
}

size_t newsmine_extractor_limit_hits(const newsmine_extractor *ex, const char **first_rule)
{
    if (first_rule) *first_rule = ex->first_limit_rule;
    return ex->limit_hits;
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
 * count before it in the same sentence. */
static newsmine_status carry_count_nouns(const newsmine_candidate *kept, newsmine_norm *norms,
                                         size_t n, const uint32_t *sentence)
{
    const newsmine_norm *last = NULL;
    uint32_t last_sentence = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (kept[i].type != NEWSMINE_COUNT) continue;
        uint32_t s = kept[i].token == UINT32_MAX ? UINT32_MAX - 1 : sentence[kept[i].token];
        if (newsmine_norm_get(&norms[i], "noun")) {
            last = &norms[i];
            last_sentence = s;
            continue;
        }
        if (!last || s != last_sentence) continue; /* left without a noun: dropped later */
        newsmine_status st = newsmine_norm_set(&norms[i], "noun", newsmine_norm_get(last, "noun"));
        const char *category = newsmine_norm_get(last, "category");
        if (!st && category && !newsmine_norm_get(&norms[i], "category"))
            st = newsmine_norm_set(&norms[i], "category", category);
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
        kept[out] = kept[i];
        norms[out] = norms[i];
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
        if (sb < byte) { /* sources of two spans may overlap when an edit is shared */
            byte = 0;
            cp = 0;
        }
        cp += newsmine_utf8_count(src + byte, sb - byte);
        byte = sb;
        ents[i].start_byte = sb;
        ents[i].end_byte = eb;
        ents[i].start = cp;
        ents[i].end = cp + newsmine_utf8_count(src + sb, eb - sb);
    }
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
    unsigned types = opts && opts->types ? opts->types : NEWSMINE_ALL_TYPES;

    newsmine_normalized nt;
    newsmine_token *tokens;
    size_t ntok, ncand, nkept;
    newsmine_candidate *cands, *kept;
    newsmine_status st = newsmine_normalize(text, len, &ex->arena, &nt);
    if (!st) st = newsmine_tokenize(ex->rules->tokenizer, nt.text, nt.len, &ex->arena, &tokens, &ntok);
    if (!st) st = newsmine_match(ex->matcher, nt.text, nt.len, tokens, ntok, types, &ex->arena,
                                 &cands, &ncand);
    ex->limit_hits = newsmine_matcher_limit_hits(ex->matcher, &ex->first_limit_rule);
    if (!st) st = newsmine_resolve(ex->rules, cands, ncand, &ex->arena, &kept, &nkept);
    if (st) return fail(err, st);

    newsmine_norm *norms = newsmine_arena_alloc(&ex->arena, (nkept + 1) * sizeof *norms);
    newsmine_entity *ents = newsmine_arena_alloc(&ex->arena, (nkept + 1) * sizeof *ents);
    uint32_t *sentence = sentence_ids(tokens, ntok, &ex->arena);
    if (!norms || !ents || !sentence) return fail(err, NEWSMINE_ERR_NOMEM);
    for (size_t i = 0; !st && i < nkept; i++)
        st = newsmine_norm_build(ex->rules, &kept[i], nt.text, &ex->arena, &norms[i]);
    if (!st) st = carry_count_nouns(kept, norms, nkept, sentence);
    if (!st) nkept = drop_nounless_counts(kept, norms, nkept);
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
    *entities = ents;
    *count = nkept;
    return NEWSMINE_OK;
}
