#include "tokenize.h"

#include "testlib.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static const char *const default_abbreviations[] = {"Lt", "Col", "Gen", "Dec", "Sgt", "Mr"};

/* Tokens as "kind:text" separated by spaces; with mark_sentences, a '|'
 * before each token that starts a sentence. */
static const char *render(const char *text, const newsmine_token *tokens, size_t count,
                          bool mark_sentences)
{
    static const char *const kinds[] = {"?", "word", "number", "abbr", "punct"};
    static char out[8192];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < sizeof out; i++) {
        const newsmine_token *t = &tokens[i];
        const char *mark = mark_sentences && (t->flags & NEWSMINE_TOKF_SENT_START) ? "|" : "";
        int n =
            snprintf(out + used, sizeof out - used, "%s%s%s:%.*s", i ? " " : "", mark,
                     kinds[t->kind <= 4 ? t->kind : 0], (int)(t->end - t->start), text + t->start);
        if (n < 0) break;
        used += (size_t)n;
    }
    return out;
}

typedef struct tokenized {
    newsmine_arena arena;
    newsmine_token *tokens;
    size_t count;
    newsmine_status status;
} tokenized;

static void tokenize_with(const newsmine_tokenizer *tk, const char *text, size_t len,
                          tokenized *out)
{
    newsmine_arena_init(&out->arena);
    out->status = newsmine_tokenize(tk, text, len, &out->arena, &out->tokens, &out->count);
}

static newsmine_tokenizer *shared_tokenizer;

static newsmine_tokenizer *default_tokenizer(void)
{
    if (!shared_tokenizer) {
        size_t n = sizeof default_abbreviations / sizeof *default_abbreviations;
        if (newsmine_tokenizer_new(default_abbreviations, n, &shared_tokenizer) != NEWSMINE_OK)
            abort();
    }
    return shared_tokenizer;
}

/* Renders the tokens of text under the default abbreviations. */
static const char *tokens_of(const char *text, bool mark_sentences)
{
    tokenized t;
    tokenize_with(default_tokenizer(), text, strlen(text), &t);
    CHECK_INT(t.status, NEWSMINE_OK);
    const char *s = render(text, t.tokens, t.count, mark_sentences);
    newsmine_arena_free(&t.arena);
    return s;
}

#define CHECK_TOKENS(text, want) CHECK_STR(tokens_of((text), false), (want))
#define CHECK_SENTENCES(text, want) CHECK_STR(tokens_of((text), true), (want))

/* The flags of the index-th token of text. */
static unsigned flags_of(const char *text, size_t index)
{
    tokenized t;
    tokenize_with(default_tokenizer(), text, strlen(text), &t);
    unsigned flags = index < t.count ? t.tokens[index].flags : 0xFFFFu;
    newsmine_arena_free(&t.arena);
    return flags;
}

static void test_joined_words(void)
{
    CHECK_TOKENS("Colonel-General Kazakhstan's al-Dulaimi don't twenty-five",
                 "word:Colonel-General word:Kazakhstan punct:' word:s word:al-Dulaimi "
                 "word:don't word:twenty-five");
    /* the possessive clitic is split off only at the end of a word */
    CHECK_TOKENS("O'Sullivan's it'said", "word:O'Sullivan punct:' word:s word:it'said");
    CHECK_TOKENS("soldiers' families 'hawks'",
                 "word:soldiers punct:' word:families punct:' word:hawks punct:'");
    CHECK_TOKENS("word--word a- -b", "word:word punct:- punct:- word:word word:a punct:- "
                                     "punct:- word:b");
    /* Joins at the very end of the text. */
    CHECK_TOKENS("x-y", "word:x-y");
    CHECK_TOKENS("don't", "word:don't");
    CHECK_TOKENS("1.5", "number:1.5");
    CHECK_TOKENS("U.K.", "abbr:U.K.");
    CHECK_TOKENS("x- y'", "word:x punct:- word:y punct:'");
}

static void test_hyphens_next_to_numbers(void)
{
    CHECK_TOKENS("155-mm F-16 COVID-19 20-year-old",
                 "number:155 punct:- word:mm word:F punct:- number:16 word:COVID punct:- "
                 "number:19 number:20 punct:- word:year-old");
    CHECK_TOKENS("G7-led 4x4-drive", "word:G7 punct:- word:led number:4x4 punct:- word:drive");
    CHECK_TOKENS("U.N.-led U.S.-led", "abbr:U.N. punct:- word:led abbr:U.S. punct:- word:led");
}

static void test_numbers(void)
{
    const char *text = "1,000 2.5 139th 1990s 1,234.56 155mm 21ST";
    CHECK_TOKENS(text, "number:1,000 number:2.5 number:139th number:1990s number:1,234.56 "
                       "number:155mm number:21ST");
    CHECK_INT(flags_of(text, 2) & NEWSMINE_TOKF_ORDINAL, NEWSMINE_TOKF_ORDINAL);
    CHECK_INT(flags_of(text, 6) & NEWSMINE_TOKF_ORDINAL, NEWSMINE_TOKF_ORDINAL);
    CHECK_INT(flags_of(text, 3) & NEWSMINE_TOKF_ORDINAL, 0);
    CHECK_INT(flags_of(text, 0) & NEWSMINE_TOKF_ORDINAL, 0);
    CHECK_INT(flags_of("5thx", 0) & NEWSMINE_TOKF_ORDINAL, 0);
    CHECK_TOKENS("in 2016. 5, 6.a 1990's",
                 "word:in number:2016 punct:. number:5 punct:, number:6 punct:. word:a "
                 "number:1990 punct:' word:s");
}

static void test_known_abbreviations(void)
{
    CHECK_TOKENS("Lt. Col. Zhiger Aipov said.",
                 "abbr:Lt. abbr:Col. word:Zhiger word:Aipov word:said punct:.");
    CHECK_TOKENS("Dec. 10, 2016", "abbr:Dec. number:10 punct:, number:2016");
    CHECK_TOKENS("Lt.-Gen. Sgt. gen. GEN.",
                 "abbr:Lt. punct:- abbr:Gen. abbr:Sgt. word:gen punct:. word:GEN punct:.");
}

static void test_acronyms_and_initials(void)
{
    CHECK_TOKENS("U.S. U.K. a.m. e.g. U.S.A.", "abbr:U.S. abbr:U.K. abbr:a.m. abbr:e.g. "
                                               "abbr:U.S.A.");
    CHECK_TOKENS("David C. Lyons", "word:David abbr:C. word:Lyons");
    CHECK_TOKENS("plan b. U.S.Army", "word:plan word:b punct:. abbr:U.S. word:Army");
    CHECK_TOKENS("U.S the end.The", "abbr:U. word:S word:the word:end punct:. word:The");
}

static void test_dotted_set_entries(void)
{
    const char *const abbreviations[] = {"Ph.D", "No.", "U.S"};
    newsmine_tokenizer *tk = NULL;
    CHECK_INT(newsmine_tokenizer_new(abbreviations, 3, &tk), NEWSMINE_OK);
    const char *text = "a Ph.D. No. 5 U.S. No.1";
    tokenized t;
    tokenize_with(tk, text, strlen(text), &t);
    CHECK_STR(render(text, t.tokens, t.count, false),
              "word:a abbr:Ph.D. abbr:No. number:5 abbr:U.S. abbr:No. number:1");
    newsmine_arena_free(&t.arena);
    newsmine_tokenizer_free(tk);
}

static void test_case_flags(void)
{
    const char *text = "NATO Army a A U.S. 155MM ok, Привет мир США";
    const unsigned cap = NEWSMINE_TOKF_CAP, upper = NEWSMINE_TOKF_UPPER;
    const unsigned want[] = {cap | upper, cap, 0,   cap | upper, cap | upper, upper,
                             0,           0,   cap, 0,           cap | upper};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        CHECK_INT(flags_of(text, i) & (cap | upper), want[i]);
}

static void test_space_before(void)
{
    const char *text = "a  b,c\n(d)";
    const unsigned want[] = {0, 1, 0, 0, 1, 0, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        CHECK_INT((flags_of(text, i) & NEWSMINE_TOKF_SPACE_BEFORE) != 0, want[i]);
}

static void test_sentence_boundaries(void)
{
    CHECK_SENTENCES("He left. Then she came.",
                    "|word:He word:left punct:. |word:Then word:she word:came punct:.");
    CHECK_SENTENCES("Gen. Smith came.", "|abbr:Gen. word:Smith word:came punct:.");
    /* The period of an abbreviation never ends a sentence. */
    CHECK_SENTENCES("in the U.S. The army", "|word:in word:the abbr:U.S. word:The word:army");
    CHECK_SENTENCES("Is it? Yes! No", "|word:Is word:it punct:? |word:Yes punct:! |word:No");
    CHECK_SENTENCES("Wait... then?! ok",
                    "|word:Wait punct:. punct:. punct:. |word:then punct:? punct:! |word:ok");
    CHECK_SENTENCES("costs 2.5 now", "|word:costs number:2.5 word:now");
}

static void test_sentence_quotes_and_brackets(void)
{
    CHECK_SENTENCES("He said \"Go.\" Then",
                    "|word:He word:said punct:\" word:Go punct:. punct:\" |word:Then");
    CHECK_SENTENCES("He left. \"We go,\" she said.",
                    "|word:He word:left punct:. |punct:\" word:We word:go punct:, punct:\" "
                    "word:she word:said punct:.");
    CHECK_SENTENCES("(He left.) Then", "|punct:( word:He word:left punct:. punct:) |word:Then");
    CHECK_SENTENCES("'Go.' Now", "|punct:' word:Go punct:. punct:' |word:Now");
}

static void test_sentence_paragraphs(void)
{
    CHECK_SENTENCES("no period\n\nNew one\nnext line",
                    "|word:no word:period |word:New word:one word:next word:line");
    CHECK_SENTENCES("a\n \t\nb\r\n\r\nc", "|word:a |word:b |word:c");
    CHECK_SENTENCES("a\xE2\x80\xA9"
                    "b",
                    "|word:a |word:b");
}

static void test_cyrillic_and_multibyte(void)
{
    CHECK_TOKENS("Привет мир", "word:Привет word:мир");
    CHECK_INT(flags_of("Привет мир", 0) & NEWSMINE_TOKF_CAP, NEWSMINE_TOKF_CAP);
    CHECK_INT(flags_of("Привет мир", 1) & NEWSMINE_TOKF_CAP, 0);
    CHECK_TOKENS("a € b «c» Ле-Ман", "word:a punct:€ word:b punct:« word:c punct:» word:Ле-Ман");
    CHECK_TOKENS("café naïve", "word:café word:naïve");
    CHECK_TOKENS("a\xC2\xA0"
                 "b",
                 "word:a word:b");
}

static void test_empty_and_blank(void)
{
    tokenized t;
    tokenize_with(default_tokenizer(), "", 0, &t);
    CHECK_INT(t.status, NEWSMINE_OK);
    CHECK_INT(t.count, 0);
    newsmine_arena_free(&t.arena);
    tokenize_with(NULL, NULL, 0, &t);
    CHECK_INT(t.status, NEWSMINE_OK);
    CHECK_INT(t.count, 0);
    newsmine_arena_free(&t.arena);
    tokenize_with(default_tokenizer(), "  \n\t \r\n ", 8, &t);
    CHECK_INT(t.status, NEWSMINE_OK);
    CHECK_INT(t.count, 0);
    newsmine_arena_free(&t.arena);
}

static void test_bad_arguments(void)
{
    newsmine_tokenizer *tk = NULL;
    const char *const with_null[] = {"Gen", NULL};
    CHECK_INT(newsmine_tokenizer_new(with_null, 2, &tk), NEWSMINE_ERR_ARG);
    CHECK(tk == NULL);
    CHECK_INT(newsmine_tokenizer_new(NULL, 1, &tk), NEWSMINE_ERR_ARG);
    CHECK_INT(newsmine_tokenizer_new(NULL, 0, &tk), NEWSMINE_OK);
    newsmine_tokenizer_free(tk);
    newsmine_tokenizer_free(NULL);

    newsmine_arena arena;
    newsmine_arena_init(&arena);
    newsmine_token *tokens = NULL;
    size_t count = 7;
    CHECK_INT(newsmine_tokenize(NULL, NULL, 3, &arena, &tokens, &count), NEWSMINE_ERR_ARG);
    CHECK_INT(count, 0);
    if (SIZE_MAX > UINT32_MAX) {
        size_t huge = (size_t)UINT32_MAX;
        CHECK_INT(newsmine_tokenize(NULL, "x", huge, &arena, &tokens, &count), NEWSMINE_ERR_LIMIT);
    }
    newsmine_arena_free(&arena);
}

static void test_duplicate_and_many_abbreviations(void)
{
    enum { N = 1000 };
    static char storage[N][8];
    const char *list[N + 1];
    for (int i = 0; i < N; i++) {
        snprintf(storage[i], sizeof storage[i], "Ab%d", i);
        list[i] = storage[i];
    }
    list[N] = storage[0];
    newsmine_tokenizer *tk = NULL;
    CHECK_INT(newsmine_tokenizer_new(list, N + 1, &tk), NEWSMINE_OK);
    const char *text = "Ab0. Ab999. Ab1000.";
    tokenized t;
    tokenize_with(tk, text, strlen(text), &t);
    CHECK_STR(render(text, t.tokens, t.count, false), "abbr:Ab0. abbr:Ab999. word:Ab1000 punct:.");
    newsmine_arena_free(&t.arena);
    newsmine_tokenizer_free(tk);
}

/* Dense text forces the token array to grow past its first guess. */
static void test_growth(void)
{
    enum { LEN = 300000 };
    char *text = malloc(LEN);
    CHECK(text != NULL);
    if (!text) return;
    for (size_t i = 0; i < LEN; i++)
        text[i] = i < LEN / 2 ? "ab "[i % 3] : '!';
    tokenized t;
    tokenize_with(NULL, text, LEN, &t);
    CHECK_INT(t.status, NEWSMINE_OK);
    CHECK_INT(t.count, LEN / 2 / 3 + LEN / 2);
    CHECK_INT(t.tokens[t.count - 1].end, LEN);
    newsmine_arena_free(&t.arena);
    free(text);
}

/* ---------------------------------------------------------------- fuzzing */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static int32_t random_code_point(void)
{
    static const char ascii_mix[] = "aZ09 .-'\",!?()\n\t";
    uint32_t r = rng_next() % 100;
    if (r < 30) return (int32_t)('a' + rng_next() % 26);
    if (r < 40) return (int32_t)('A' + rng_next() % 26);
    if (r < 70) return (unsigned char)ascii_mix[rng_next() % (sizeof ascii_mix - 1)];
    if (r < 75) return (int32_t)(rng_next() % 0x80);
    if (r < 85) return (int32_t)(0x400 + rng_next() % 0x60); /* Cyrillic */
    if (r < 90) return (int32_t)(0x300 + rng_next() % 0x70); /* combining marks */
    for (;;) {
        int32_t cp = (int32_t)(0x80 + rng_next() % (0x110000 - 0x80));
        if (cp < 0xD800 || cp > 0xDFFF) return cp;
    }
}

static size_t fill_random_utf8(unsigned char *buf, size_t size)
{
    size_t len = 0;
    while (len + 4 <= size)
        len += newsmine_utf8_encode(random_code_point(), buf + len);
    return len;
}

static bool is_white_code_point(int32_t cp)
{
    if (cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85) return true;
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

static bool is_char_boundary(const unsigned char *text, size_t len, size_t pos)
{
    return pos == len || (text[pos] & 0xC0) != 0x80;
}

/* Whether [from, to) is all whitespace (want_white) or has none. */
static bool range_is(const unsigned char *text, size_t from, size_t to, bool want_white)
{
    for (size_t i = from; i < to;) {
        int32_t cp;
        i += newsmine_utf8_decode(text + i, to - i, &cp);
        if (is_white_code_point(cp) != want_white) return false;
    }
    return true;
}

static bool token_is_valid(const unsigned char *text, size_t len, const newsmine_token *t,
                           size_t prev_end)
{
    bool ok = t->start >= prev_end && t->start < t->end && t->end <= len;
    ok = ok && t->kind >= NEWSMINE_TOK_WORD && t->kind <= NEWSMINE_TOK_PUNCT;
    ok = ok && is_char_boundary(text, len, t->start) && is_char_boundary(text, len, t->end);
    ok = ok && range_is(text, prev_end, t->start, true) && range_is(text, t->start, t->end, false);
    ok = ok && ((t->flags & NEWSMINE_TOKF_SPACE_BEFORE) != 0) == (t->start > prev_end);
    if (ok && t->kind == NEWSMINE_TOK_ABBR) ok = text[t->end - 1] == '.';
    if (ok && t->kind == NEWSMINE_TOK_PUNCT) {
        int32_t cp;
        ok = newsmine_utf8_decode(text + t->start, len - t->start, &cp) == t->end - t->start;
    }
    return ok;
}

/* Checks the invariants; returns false (after reporting) on the first
 * broken one. */
static bool check_invariants(const unsigned char *text, size_t len)
{
    tokenized t;
    tokenize_with(default_tokenizer(), (const char *)text, len, &t);
    bool ok = t.status == NEWSMINE_OK;
    size_t prev_end = 0, bad = 0;
    for (size_t i = 0; ok && i < t.count; i++) {
        ok = token_is_valid(text, len, &t.tokens[i], prev_end);
        prev_end = t.tokens[i].end;
        bad = i;
    }
    ok = ok && range_is(text, prev_end, len, true);
    ok = ok && (t.count == 0 || (t.tokens[0].flags & NEWSMINE_TOKF_SENT_START));
    if (!ok)
        testlib_fail(__FILE__, __LINE__, "invariant broken at token %zu of %zu (len %zu)", bad,
                     t.count, len);
    newsmine_arena_free(&t.arena);
    return ok;
}

static void test_fuzz_invariants(void)
{
    enum { SIZE = 1 << 20, PREFIXES = 3000 };
    unsigned char *buf = malloc(SIZE);
    CHECK(buf != NULL);
    if (!buf) return;
    size_t len = fill_random_utf8(buf, SIZE);
    CHECK(check_invariants(buf, len));
    for (size_t end = 1; end <= PREFIXES; end++)
        if (is_char_boundary(buf, len, end) && !check_invariants(buf, end)) break;
    free(buf);
}

/* Text rich in the characters the tokenizer treats specially. */
static void test_fuzz_special_characters(void)
{
    static const char *const pieces[] = {"U",  "S", "a", "Gen",      "Ph", "1", "99",
                                         ".",  ".", "-", "'",        ",",  " ", "\n",
                                         "\"", ")", "Ж", "\xCC\x81", "?"};
    enum { PIECES = sizeof pieces / sizeof *pieces, LEN = 1 << 16 };
    unsigned char *buf = malloc(LEN + 8);
    CHECK(buf != NULL);
    if (!buf) return;
    size_t len = 0;
    while (len < LEN) {
        const char *p = pieces[rng_next() % PIECES];
        memcpy(buf + len, p, strlen(p));
        len += strlen(p);
    }
    CHECK(check_invariants(buf, len));
    for (size_t end = 1; end <= 2000; end++)
        if (is_char_boundary(buf, len, end) && !check_invariants(buf, end)) break;
    free(buf);
}

static void test_cleanup(void)
{
    newsmine_tokenizer_free(shared_tokenizer);
    shared_tokenizer = NULL;
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_joined_words),
        TEST(test_hyphens_next_to_numbers),
        TEST(test_numbers),
        TEST(test_known_abbreviations),
        TEST(test_acronyms_and_initials),
        TEST(test_dotted_set_entries),
        TEST(test_case_flags),
        TEST(test_space_before),
        TEST(test_sentence_boundaries),
        TEST(test_sentence_quotes_and_brackets),
        TEST(test_sentence_paragraphs),
        TEST(test_cyrillic_and_multibyte),
        TEST(test_empty_and_blank),
        TEST(test_bad_arguments),
        TEST(test_duplicate_and_many_abbreviations),
        TEST(test_growth),
        TEST(test_fuzz_invariants),
        TEST(test_fuzz_special_characters),
        TEST(test_cleanup),
    };
    return testlib_run(cases, sizeof cases / sizeof *cases);
}
