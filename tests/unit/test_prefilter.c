/* Tests for src/prefilter.c (what a pattern needs in the text) and for the
 * matcher's use of it: every attempt a prefilter rules out is made anyway
 * (verify mode) over the seed articles and the data-driven case inputs, and
 * none may match. Files given on the command line are checked the same way
 * (JSON Lines with a "text" field, or text):
 *     test_prefilter /work/shared/data/bulk/news.jsonl */
#include "match.h"
#include "newsmine.h"
#include "normalize.h"
#include "prefilter.h"
#include "rules.h"
#include "testlib.h"
#include "tokenize.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- the analysis */

/* The clauses of a pattern (digit: those of its matches that start with a
 * digit, "=" when they are the same), rendered "unit/gaps unit/gaps; ..."
 * with units sorted within a clause. */
static void render(const char *pattern, bool digit, char *out, size_t size)
{
    newsmine_arena arena;
    newsmine_arena_init(&arena);
    newsmine_pf_result pf;
    out[0] = '\0';
    CHECK_INT(newsmine_prefilter_analyze(pattern, strlen(pattern), true, &arena, NULL, &pf),
              NEWSMINE_OK);
    const newsmine_pf_clause *clauses = digit ? pf.digit_clauses : pf.clauses;
    size_t n = digit ? pf.digit_count : pf.count;
    if (digit && !n) snprintf(out, size, "=");
    size_t o = 0;
    for (size_t c = 0; c < n; c++) {
        char items[64][64];
        size_t k = 0;
        for (size_t u = 0; u < clauses[c].unit_count && k < 64; u++, k++) {
            const newsmine_pf_unit *x = &clauses[c].units[u];
            char gaps[16];
            if (x->max_gaps == NEWSMINE_PF_UNBOUNDED) snprintf(gaps, sizeof gaps, "*");
            else snprintf(gaps, sizeof gaps, "%u", x->max_gaps);
            if (x->kind == NEWSMINE_PF_WORD) snprintf(items[k], 64, "%s/%s", x->text, gaps);
            else if (x->kind == NEWSMINE_PF_DIGIT) snprintf(items[k], 64, "<digit>/%s", gaps);
            else if (x->kind == NEWSMINE_PF_PLURAL)
                snprintf(items[k], 64, "<plural>/%s", gaps);
            else if (x->kind == NEWSMINE_PF_PLURAL_CAPITAL)
                snprintf(items[k], 64, "<Plural>/%s", gaps);
            else snprintf(items[k], 64, "<U+%04X>/%s", (unsigned)x->cp, gaps);
        }
        qsort(items, k, sizeof items[0], (int (*)(const void *, const void *))strcmp);
        for (size_t u = 0; u < k; u++)
            o += (size_t)snprintf(out + o, size - o, "%s%s", u ? " " : (c ? "; " : ""), items[u]);
    }
    newsmine_arena_free(&arena);
}

/* The clauses come out cheapest first; the test compares them as a set. */
static void check_render(int line, const char *pattern, bool digit, const char *want)
{
    char got[4096];
    render(pattern, digit, got, sizeof got);
    /* compare ignoring the order of the clauses */
    char g[4096], w[4096];
    snprintf(g, sizeof g, "%s", got);
    snprintf(w, sizeof w, "%s", want);
    char *gp[16], *wp[16];
    size_t gn = 0, wn = 0;
    for (char *t = strtok(g, ";"); t && gn < 16; t = strtok(NULL, ";"))
        gp[gn++] = t + (*t == ' ');
    for (char *t = strtok(w, ";"); t && wn < 16; t = strtok(NULL, ";"))
        wp[wn++] = t + (*t == ' ');
    bool same = gn == wn;
    for (size_t i = 0; same && i < gn; i++) {
        bool found = false;
        for (size_t j = 0; j < wn && !found; j++)
            found = strcmp(gp[i], wp[j]) == 0;
        same = found;
    }
    if (!same) testlib_fail(__FILE__, line, "/%s/: \"%s\", want \"%s\"", pattern, got, want);
}

static void check_clauses(int line, const char *pattern, const char *want)
{
    check_render(line, pattern, false, want);
}

static void check_digit_clauses(int line, const char *pattern, const char *want)
{
    check_render(line, pattern, true, want);
}

static void test_words(void)
{
    check_clauses(__LINE__, "Command \\b", "command/0");
    check_clauses(__LINE__, "(?:[A-Z][\\p{L}]+\\s+){1,2}(?:Operations\\s+)?Command \\b",
                  "command/3");
    check_clauses(__LINE__, "(?i:forces?)\\b", "force/0 forces/0");
    check_clauses(__LINE__, "[Pp]rovince\\b", "province/0");
    check_clauses(__LINE__, "(?:said|sa(?:id|ys))\\b", "said/0 says/0");
    check_clauses(__LINE__, "(?:Camp|Fort) \\s+ [A-Z]\\w+", "camp/0 fort/0");
    /* a class of letters is part of the word, a single one too */
    check_clauses(__LINE__, "abc[a-c]?\\b", "abc/0 abca/0 abcb/0 abcc/0");
    check_clauses(__LINE__, "\\s [XY] \\s", "x/1 y/1");
    /* lookbehinds and negative lookaheads need nothing; positive lookaheads do */
    check_clauses(__LINE__, "(?<=abc\\s)def\\b", "def/0");
    check_clauses(__LINE__, "(?!abc)def\\b", "def/0");
    check_clauses(__LINE__, "\\d+ (?=\\s+said\\b)", "<digit>/0; said/1");
    /* \K matches nothing */
    check_clauses(__LINE__, "foo \\K \\s+ bar \\b", "foo/0; bar/1");
}

static void test_boundaries(void)
{
    /* a letter may touch the word: no clause */
    check_clauses(__LINE__, "abc\\w", "");
    check_clauses(__LINE__, "\\w abc \\b", "");
    check_clauses(__LINE__, "abc[a-z]*\\b", "");
    check_clauses(__LINE__, "\\p{L}+ \\s+ abc\\b", "abc/1");
    check_clauses(__LINE__, "\\p{L}* abc\\b", "");
    /* after the end of the match: no letter (a match ending in a word is dropped) */
    check_clauses(__LINE__, "\\s* abc", "abc/1");
    /* past a lookahead anything may follow */
    check_clauses(__LINE__, "x (?=\\s+ abc)", "x/0");
    check_clauses(__LINE__, "x (?=\\s+ abc\\b)", "x/0; abc/1");
    /* a negated class of letters is no letter; an inexact negation is anything */
    check_clauses(__LINE__, "[^a-zA-Z] abc \\b", "abc/1");
    check_clauses(__LINE__, "[^\\p{Lu}] abc \\b", "");
    /* (?!\w) and [\s-] bound a word */
    check_clauses(__LINE__, "\\s+ (?i:dead|killed)(?!\\w|-\\w)", "dead/1 killed/1");
    /* several words: one of them, its bound counting the separators before it */
    check_clauses(__LINE__, "\\s+ police[\\s-]+officers (?![\\w-])", "police/1");
    check_clauses(__LINE__, "\\s+ (?:team[- ]?mates?|coach) \\b", "coach/1 mates/2 team/1 teammate/1 teammates/1");
    /* a \b inside a group closes its letters: no letter next to them outside */
    check_clauses(__LINE__, "(?:x\\b)? abc\\b", "abc/0");
    check_clauses(__LINE__, "(?:x\\b|y)? abc\\b", "");
    check_clauses(__LINE__, "abc (?:\\bx)?", "abc/0");
    check_clauses(__LINE__, "abc (?:\\bx|y)?", "");
    check_clauses(__LINE__, "\\d+ (?:\\s+mln\\b)? [\\s-]* (?:km|mile) \\b",
                  "km/2 mile/2; <digit>/0");
}

/* At a token that starts with a digit, the alternatives that cannot start
 * with one are left out: the bounds after a number in digits tighten. */
static void test_digit_start(void)
{
    /* number words may be any number of words; digits one */
    check_clauses(__LINE__, "(?:\\d+|(?:one|two)(?:\\s+(?:hundred|thousand))*\\b) \\s+ troops\\b",
                  "<digit>/0 one/0 two/0; troops/*");
    check_digit_clauses(__LINE__,
                        "(?:\\d+|(?:one|two)(?:\\s+(?:hundred|thousand))*\\b) \\s+ troops\\b",
                        "<digit>/0; troops/1");
    /* an optional part that cannot start with a digit is empty there */
    check_digit_clauses(__LINE__, "(?:(?:about|over)(?:\\s+\\w+)*\\s+)? \\d+ \\s+ km\\b",
                        "<digit>/0; km/1");
    /* a lookbehind or lookahead at the start is no character */
    check_digit_clauses(__LINE__, "(?<![\\w.]) (?:x+\\s+)* (?:\\d+|y\\s+) \\s+ km\\b",
                        "<digit>/0; km/1");
    /* inside a repeat only the first round is at the start: nothing cut */
    check_digit_clauses(__LINE__, "(?:\\d|a\\s)+ \\s+ km\\b", "=");
    /* no match starts with a digit, or nothing changes: the same clauses */
    check_digit_clauses(__LINE__, "abc \\s+ \\d+", "=");
    check_digit_clauses(__LINE__, "\\d+ \\s+ km\\b", "=");
}

/* A plural: letters that end in one s ("troops"), read from (?<=[^s]s). */
static void test_plural(void)
{
    check_clauses(__LINE__, "\\d+ \\s+ [a-z][a-z]+(?<=[^s]s)(?![\\w-])", "<digit>/0; <plural>/1");
    check_clauses(__LINE__, "\\d+ \\s+ [A-Z][a-z]+(?:-[a-z]+)?(?<=[^s]s) \\b",
                  "<digit>/0; <plural>/1");
    /* a capital that starts the letters: a capitalised plural */
    check_clauses(__LINE__, "\\d+ \\s+ [A-Z][a-z]+(?<=[^s]s) \\b", "<digit>/0; <Plural>/1");
    check_clauses(__LINE__, "\\d+ \\s+ [A-Z][A-Za-z]*[a-z](?<=[^s]s) \\b", "<digit>/0; <Plural>/1");
    check_clauses(__LINE__, "\\d+ [a-z]* [A-Z][a-z]+(?<=[^s]s) \\b", "<digit>/0; <plural>/0");
    check_clauses(__LINE__, "\\d+ \\s+ [A-Za-z][a-z]+(?<=[^s]s) \\b", "<digit>/0; <plural>/1");
    check_clauses(__LINE__, "\\d+ \\s+ (?i:[A-Z])[a-z]+(?<=[^s]s) \\b", "<digit>/0; <plural>/1");
    /* a letter may follow, the s may be an S or follow one, or lie before
     * the match: no plural */
    check_clauses(__LINE__, "\\d+ \\s+ [a-z]+(?<=[^s]s)[a-z]*", "<digit>/0");
    /* (the end of a match is never inside a word) */
    check_clauses(__LINE__, "\\d+ \\s+ [a-z]+(?<=[^s]s)", "<digit>/0; <plural>/1");
    check_clauses(__LINE__, "\\d+ \\s+ [a-z]+(?i:(?<=[^s]s))\\b", "<digit>/0");
    check_clauses(__LINE__, "\\d+ \\s+ [a-z]+(?<=s)\\b", "<digit>/0");
    /* LONG S folds to s: the letter before may be an s */
    check_clauses(__LINE__, "\\d+ \\s+ [a-z]+(?<=(?i:\\x{17F})s) \\b", "<digit>/0");
    check_clauses(__LINE__, "\\d+ \\s+ [a-z]+(?<=(?i:[\\x{17F}x])s) \\b", "<digit>/0");
    check_clauses(__LINE__, "(?<=[^s]s) \\s+ \\d+", "<digit>/1");
    check_clauses(__LINE__, "(?:\\d+)? (?<=[^s]s) \\b", "");
}

/* Whether the first-bytes check of a pattern lets text through. */
static bool first_bytes_allow(const char *pattern, const char *text)
{
    newsmine_arena arena;
    newsmine_arena_init(&arena);
    newsmine_pf_result pf;
    CHECK_INT(newsmine_prefilter_analyze(pattern, strlen(pattern), false, &arena, NULL, &pf),
              NEWSMINE_OK);
    bool allow = pf.first.len <= strlen(text);
    for (uint32_t j = 0; j < pf.first.len && allow; j++) {
        unsigned char b = (unsigned char)text[j];
        allow = pf.first.set[j][b >> 3] >> (b & 7) & 1u;
    }
    newsmine_arena_free(&arena);
    return allow;
}

static void test_first_bytes(void)
{
    CHECK(first_bytes_allow("\\d+ \\s+ troops", "5 troops"));
    CHECK(!first_bytes_allow("\\d+ \\s+ troops", "about"));
    /* a group that may be empty as a whole: what follows it may come first */
    CHECK(first_bytes_allow("(?<a>(?:about\\s+)?) \\d+ \\s+ troops\\b", "about 5 troops"));
    CHECK(first_bytes_allow("(?<a>(?:about\\s+)?) \\d+ \\s+ troops\\b", "5 troops"));
    CHECK(first_bytes_allow("((|(\\w)))s", "As"));
    CHECK(first_bytes_allow("((|(\\w)))s", "s"));
}

static void test_gaps(void)
{
    /* a run of white space and '-' is one gap, "-" between letters none */
    check_clauses(__LINE__, "[A-Z]\\p{L}*(?:-[A-Z]?\\p{L}+)* \\s+ said\\b", "said/1");
    check_clauses(__LINE__, "\\w+ [\\s-]+ \\w+ [\\s-]+ said\\b", "said/2");
    /* a repeat of white space and other characters may cross any number */
    check_clauses(__LINE__, "(?:\\w+\\s+)+ said\\b", "said/*");
    check_clauses(__LINE__, "[^\"\\n]{1,3} said\\b", "");
    check_clauses(__LINE__, "[^\"\\na-zA-Z]{1,3} said\\b", "said/3");
    /* \p{N} holds no space: a run of it crosses no gap (other properties may) */
    check_clauses(__LINE__, "[A-Z][\\p{L}\\p{N}]* \\s+ said\\b", "said/1");
    check_clauses(__LINE__, "[A-Z][\\p{L}\\p{Zs}]* \\s+ said\\b", "said/*");
    /* a '-' at the edge of the match may belong to a gap, not between letters */
    check_clauses(__LINE__, "- said\\b", "said/1");
    check_clauses(__LINE__, "\\w+ - said\\b", "said/0");
}

static void test_units(void)
{
    check_clauses(__LINE__, "\\d{1,3} \\s? %", "<U+0025>/1; <digit>/0");
    /* the cheapest clause of every branch: "$" rather than "us" */
    check_clauses(__LINE__, "(?:US\\$|\\$|€) \\s? \\d", "<U+0024>/0 <U+20AC>/0; <digit>/1");
    /* '-', '.', ',' and '\'' can be inside tokens: no symbol */
    check_clauses(__LINE__, "\\d+ - \\d+", "<digit>/0");
    check_clauses(__LINE__, "a|b", "a/0 b/0");
    check_clauses(__LINE__, "(?:a|b?)", "");
}

static void test_unsupported(void)
{
    check_clauses(__LINE__, "(abc)\\1", "");
    check_clauses(__LINE__, "\\Qabc\\E", "");
    check_clauses(__LINE__, "[[:alpha:]]abc", "");
    check_clauses(__LINE__, "(?x-s:abc)", "");
    check_clauses(__LINE__, "abc)", "");
}

/* ------------------------------------------------------------ verifying */

typedef struct verifier {
    newsmine_rules *rules;
    newsmine_matcher *matcher;
    newsmine_arena arena;
    unsigned long long documents, failures;
} verifier;

static void verify_text(verifier *v, const char *text, size_t len)
{
    newsmine_arena_reset(&v->arena);
    newsmine_normalized nt;
    newsmine_token *tokens;
    size_t ntok, ncand;
    newsmine_candidate *cands;
    CHECK_INT(newsmine_normalize(text, len, &v->arena, &nt), NEWSMINE_OK);
    CHECK_INT(newsmine_tokenize(v->rules->tokenizer, nt.text, nt.len, &v->arena, &tokens, &ntok),
              NEWSMINE_OK);
    newsmine_matcher_set_capitals(v->matcher, newsmine_text_in_capitals(nt.text, nt.len));
    CHECK_INT(newsmine_match(v->matcher, nt.text, nt.len, tokens, ntok, NEWSMINE_ALL_TYPES,
                             &v->arena, &cands, &ncand),
              NEWSMINE_OK);
    const char *rule = NULL;
    unsigned long long f = newsmine_matcher_verify_failures(v->matcher, &rule);
    if (f > v->failures) {
        testlib_fail(__FILE__, __LINE__, "document %llu: the prefilter of %s ruled out a match",
                     v->documents + 1, rule ? rule : "?");
        v->failures = f;
    }
    v->documents++;
}

static int on_doc(void *user, const newsmine_doc *doc)
{
    verify_text(user, doc->text, doc->text_len);
    return 0;
}

static void verify_file(verifier *v, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        testlib_fail(__FILE__, __LINE__, "cannot open %s", path);
        return;
    }
    size_t n = strlen(path);
    newsmine_reader_options ro = {0};
    ro.format = n > 6 && strcmp(path + n - 6, ".jsonl") == 0 ? NEWSMINE_INPUT_JSONL
                                                             : NEWSMINE_INPUT_TEXT;
    ro.source = path;
    newsmine_reader *reader;
    CHECK_INT(newsmine_reader_new(&ro, on_doc, NULL, v, &reader, NULL), NEWSMINE_OK);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        newsmine_reader_feed(reader, buf, got, NULL);
    newsmine_reader_finish(reader, NULL);
    newsmine_reader_free(reader);
    fclose(f);
}

static char **extra_files;
static int extra_count;

static void verify_tree(verifier *v, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strncmp(e->d_name, "input", 5) == 0) verify_file(v, path);
        else verify_tree(v, path);
    }
    closedir(d);
}

static void test_verify(void)
{
    verifier v = {0};
    CHECK_INT(newsmine_rules_load(NEWSMINE_SOURCE_RULES_DIR, &v.rules, NULL), NEWSMINE_OK);
    if (!v.rules) return;
    CHECK_INT(newsmine_matcher_new(v.rules, &v.matcher), NEWSMINE_OK);
    newsmine_matcher_set_verify(v.matcher, true);
    newsmine_arena_init(&v.arena);
    if (extra_count) {
        for (int i = 0; i < extra_count; i++)
            verify_file(&v, extra_files[i]);
    } else {
        verify_file(&v, NEWSMINE_TEST_DATA "/../corpus/seeds.jsonl");
        verify_tree(&v, NEWSMINE_TEST_DATA "/cases");
    }
    CHECK(v.documents > 0);
    fprintf(stderr, "prefilters verified on %llu documents\n", v.documents);
    newsmine_arena_free(&v.arena);
    newsmine_matcher_free(v.matcher);
    newsmine_rules_free(v.rules);
}

int main(int argc, char **argv)
{
    extra_files = argv + 1;
    extra_count = argc - 1;
    static const testlib_case cases[] = {
        TEST(test_words),       TEST(test_boundaries),  TEST(test_gaps),
        TEST(test_units),       TEST(test_digit_start), TEST(test_plural),
        TEST(test_first_bytes), TEST(test_unsupported), TEST(test_verify)};
    return testlib_run(cases, sizeof cases / sizeof *cases);
}
