/* Expected normal forms were checked against Python's
 * unicodedata.normalize("NFKC", ...) followed by the folds of normalize.h. */
#include "newsmine.h" /* normalize.h needs newsmine_status */
#include "normalize.h"
#include "testlib.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static newsmine_arena arena;

static newsmine_normalized normalize(const char *src)
{
    newsmine_normalized nt;
    CHECK_INT(newsmine_normalize(src, strlen(src), &arena, &nt), NEWSMINE_OK);
    return nt;
}

static size_t map_start(const newsmine_normalized *nt, size_t pos)
{
    return newsmine_normalized_source_start(nt, pos);
}

static size_t map_end(const newsmine_normalized *nt, size_t pos)
{
    return newsmine_normalized_source_end(nt, pos);
}

static bool is_boundary(const char *s, size_t n, size_t pos)
{
    return pos == n || (pos < n && ((unsigned char)s[pos] & 0xC0) != 0x80);
}

/* Edits sorted, no-op edits absent, and the bytes between edits identical. */
static void check_edits_consistent(const char *src, const newsmine_normalized *nt)
{
    size_t norm = 0, from = 0;
    for (size_t i = 0; i <= nt->edit_count; i++) {
        bool last = i == nt->edit_count;
        size_t norm_to = last ? nt->len : nt->edits[i].norm;
        size_t src_to = last ? strlen(src) : nt->edits[i].src;
        CHECK(norm_to >= norm && src_to >= from);
        CHECK_INT(norm_to - norm, src_to - from);
        CHECK(memcmp(nt->text + norm, src + from, norm_to - norm) == 0);
        if (last) break;
        const newsmine_edit *e = &nt->edits[i];
        CHECK(is_boundary(src, strlen(src), e->src));
        CHECK(is_boundary(src, strlen(src), e->src + e->src_len));
        CHECK(is_boundary(nt->text, nt->len, e->norm));
        CHECK(is_boundary(nt->text, nt->len, e->norm + e->norm_len));
        CHECK(e->norm_len != e->src_len ||
              memcmp(nt->text + e->norm, src + e->src, e->src_len) != 0);
        norm = e->norm + e->norm_len;
        from = e->src + e->src_len;
    }
    CHECK_INT(nt->text[nt->len], '\0');
}

static bool strictly_inside_edit(const newsmine_normalized *nt, size_t pos)
{
    for (size_t i = 0; i < nt->edit_count; i++)
        if (nt->edits[i].norm < pos && pos < nt->edits[i].norm + nt->edits[i].norm_len) return true;
    return false;
}

/* The source span a normalised span maps to normalises back to it. */
static void check_renormalizes(const char *src, const newsmine_normalized *nt, size_t s, size_t e)
{
    size_t from = map_start(nt, s), to = map_end(nt, e);
    newsmine_normalized again;
    CHECK_INT(newsmine_normalize(src + from, to - from, &arena, &again), NEWSMINE_OK);
    if (again.len != e - s || memcmp(again.text, nt->text + s, e - s) != 0)
        testlib_fail(__FILE__, __LINE__, "span [%zu,%zu) of \"%s\": source [%zu,%zu)", s, e,
                     nt->text, from, to);
}

static void check_span(const char *src, const newsmine_normalized *nt, size_t s, size_t e)
{
    size_t n = strlen(src), from = map_start(nt, s), to = map_end(nt, e);
    CHECK(is_boundary(src, n, from));
    CHECK(is_boundary(src, n, to));
    CHECK(from < to);
    if (to - from == e - s && memcmp(nt->text + s, src + from, e - s) == 0) return;
    for (size_t i = 0; i < nt->edit_count; i++) {
        const newsmine_edit *ed = &nt->edits[i];
        bool touches = ed->norm_len ? ed->norm < e && s < ed->norm + ed->norm_len
                                    : s < ed->norm && ed->norm < e;
        if (touches) return; /* not an identical run */
    }
    testlib_fail(__FILE__, __LINE__, "identical span [%zu,%zu) of \"%s\" moved", s, e, nt->text);
}

static void check_map_properties(const char *src)
{
    newsmine_normalized nt = normalize(src);
    size_t n = strlen(src);
    check_edits_consistent(src, &nt);
    size_t last_start = 0, last_end = 0;
    for (size_t s = 0; s <= nt.len; s++) {
        if (!is_boundary(nt.text, nt.len, s)) continue;
        CHECK(is_boundary(src, n, map_start(&nt, s)));
        CHECK(is_boundary(src, n, map_end(&nt, s)));
        CHECK(map_start(&nt, s) >= last_start);
        CHECK(map_end(&nt, s) >= last_end);
        last_start = map_start(&nt, s);
        last_end = map_end(&nt, s);
        for (size_t e = s + 1; e <= nt.len; e++) {
            if (!is_boundary(nt.text, nt.len, e)) continue;
            check_span(src, &nt, s, e);
            if (!strictly_inside_edit(&nt, s) && !strictly_inside_edit(&nt, e))
                check_renormalizes(src, &nt, s, e);
        }
    }
}

static void check_normal_form(const char *src, const char *want)
{
    newsmine_normalized nt = normalize(src);
    CHECK_MEM(nt.text, nt.len, want);
    CHECK_STR(nt.text, want);
    check_edits_consistent(src, &nt);
}

static void ascii_is_identity_without_copy(void)
{
    const char *src = "Kazakhstan sent 139 troops.\r\n\tControl: \x01\x7f end";
    newsmine_normalized nt = normalize(src);
    CHECK(nt.text == src);
    CHECK_INT(nt.len, strlen(src));
    CHECK_INT(nt.edit_count, 0);
    for (size_t pos = 0; pos <= nt.len; pos++) {
        CHECK_INT(map_start(&nt, pos), pos);
        CHECK_INT(map_end(&nt, pos), pos);
    }
}

static void empty_text(void)
{
    newsmine_normalized nt;
    CHECK_INT(newsmine_normalize("", 0, &arena, &nt), NEWSMINE_OK);
    CHECK_INT(nt.len, 0);
    CHECK_INT(nt.edit_count, 0);
    CHECK_STR(nt.text, "");
}

static void unchanged_non_ascii_is_not_copied(void)
{
    const char *src = "Ünïcode ÀÉ Казахстан 한국 日本 ❤\xef\xb8\x8f";
    newsmine_normalized nt = normalize(src);
    CHECK(nt.text == src);
    CHECK_INT(nt.edit_count, 0);
}

static void folds_dashes(void)
{
    /* dashes and minus signs become '-'; the em dash and horizontal bar "--" */
    check_normal_form("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h\ufe58i\ufe63j\uff0dk",
                      "a-b-c-d-e--f--g-h-i-j-k");
}

static void folds_single_quotes(void)
{
    check_normal_form("\u2018x\u2019 \u201ay\u201b 5\u2032 \u02bcz", "'x' 'y' 5' 'z");
}

/* U+2033 is folded before NFKC would turn it into two primes. */
static void folds_double_quotes(void)
{
    check_normal_form("\u201ca\u201d \u201eb\u201f 5\u2033 \u00abc\u00bb \u301dd\u301e\u301f",
                      "\"a\" \"b\" 5\" \"c\" \"d\"\"");
}

static void folds_space_separators(void)
{
    check_normal_form("a\u00a0b\u2009c\u202fd\u3000e\u1680f\u2007g\u205fh", "a b c d e f g h");
}

static void folds_line_and_paragraph_separators(void)
{
    check_normal_form("a\u2028b\u2029c", "a\nb\nc");
}

static void removes_invisible_characters(void)
{
    check_normal_form("a\u200bb\u200cc\u200dd\u2060e\ufefff\u180eg\u00adh", "abcdefgh");
}

static void keeps_case(void)
{
    check_normal_form("\uff21\uff42 \u00c9\u00e9 \u2160", "Ab Éé I");
}

static void nfkc_ligature(void)
{
    const char *src = "of\ufb01ce";
    newsmine_normalized nt = normalize(src);
    CHECK_MEM(nt.text, nt.len, "office");
    CHECK_INT(nt.edit_count, 1);
    CHECK_INT(nt.edits[0].norm, 2);
    CHECK_INT(nt.edits[0].norm_len, 2);
    CHECK_INT(nt.edits[0].src, 2);
    CHECK_INT(nt.edits[0].src_len, 3);
    CHECK_INT(map_start(&nt, 3), 2); /* "i" lies inside the ligature */
    CHECK_INT(map_end(&nt, 3), 5);
    CHECK_INT(map_start(&nt, 4), 5);
    CHECK_INT(map_end(&nt, 6), 7);
}

static void fullwidth_digits(void)
{
    const char *src = "\uff11\uff13\uff19 soldiers";
    newsmine_normalized nt = normalize(src);
    CHECK_MEM(nt.text, nt.len, "139 soldiers");
    CHECK_INT(map_start(&nt, 0), 0);
    CHECK_INT(map_end(&nt, 3), 9);
    CHECK_INT(map_start(&nt, 1), 3); /* "3" alone */
    CHECK_INT(map_end(&nt, 2), 6);
    CHECK_INT(map_start(&nt, 4), 10);
    CHECK_INT(map_end(&nt, 12), 18);
}

static void composes_e_acute(void)
{
    const char *src = "cafe\u0301 au lait";
    newsmine_normalized nt = normalize(src);
    CHECK_MEM(nt.text, nt.len, "caf\u00e9 au lait");
    CHECK_INT(nt.edit_count, 1);
    CHECK_INT(nt.edits[0].norm, 3);
    CHECK_INT(nt.edits[0].norm_len, 2);
    CHECK_INT(nt.edits[0].src, 3);
    CHECK_INT(nt.edits[0].src_len, 3);
    CHECK_INT(map_end(&nt, 5), 6);
    CHECK_INT(map_start(&nt, 6), 7);
}

static void composes_hangul(void)
{
    check_normal_form("\u1112\u1161\u11ab\u1100\u116e\u11a8", "\ud55c\uad6d");
    check_normal_form("\uffa1", "\u1100");
    const char *src = "\ud55c\uad6d";
    newsmine_normalized nt = normalize(src);
    CHECK(nt.text == src);
}

static void other_normal_forms(void)
{
    check_normal_form("a\u0301\u0316", "\u00e1\u0316"); /* reordered, then composed */
    check_normal_form("=\u0338", "\u2260");
    check_normal_form("\u212b \u2126 \u00bd \u2460 x\u2026y", "\u00c5 \u03a9 1\u20442 1 x...y");
    check_normal_form("\u3300", "\u30a2\u30d1\u30fc\u30c8");
    /* Lead byte (U+03D5) or last byte (U+03F5) shared with the normal form. */
    check_normal_form("\u03d5\u03f5", "\u03c6\u03b5");
}

static void soft_hyphen_inside_word(void)
{
    const char *src = "the peace\u00adkeeping force";
    newsmine_normalized nt = normalize(src);
    CHECK_MEM(nt.text, nt.len, "the peacekeeping force");
    CHECK_INT(nt.edit_count, 1);
    CHECK_INT(nt.edits[0].norm, 9);
    CHECK_INT(nt.edits[0].norm_len, 0);
    CHECK_INT(nt.edits[0].src, 9);
    CHECK_INT(nt.edits[0].src_len, 2);
    CHECK_INT(map_start(&nt, 4), 4); /* "peacekeeping" includes the hyphen */
    CHECK_INT(map_end(&nt, 16), 18);
    CHECK_INT(map_end(&nt, 9), 9);    /* "peace" ends before it */
    CHECK_INT(map_start(&nt, 9), 11); /* "keeping" starts after it */
    CHECK_INT(map_start(&nt, 17), 19);
}

static void zero_width_joiner_after_letter(void)
{
    const char *src = "ab\u200dcd";
    newsmine_normalized nt = normalize(src);
    CHECK_MEM(nt.text, nt.len, "abcd");
    CHECK_INT(nt.edit_count, 1);
    CHECK_INT(nt.edits[0].norm, 2);
    CHECK_INT(nt.edits[0].norm_len, 0);
    CHECK_INT(nt.edits[0].src, 2);
    CHECK_INT(nt.edits[0].src_len, 3);
    CHECK_INT(map_end(&nt, 2), 2);
    CHECK_INT(map_start(&nt, 2), 5);
}

static void crlf_untouched(void)
{
    check_normal_form("a\r\nb\u00a0c\r\n\r\n", "a\r\nb c\r\n\r\n");
}

static void large_expansion_grows_buffer(void)
{
    enum { COPIES = 2000 };
    const char *one = "\ufdfa", *expanded = "\u0635\u0644\u0649 \u0627\u0644\u0644\u0647 "
                                            "\u0639\u0644\u064a\u0647 \u0648\u0633\u0644\u0645";
    size_t one_len = strlen(one), expanded_len = strlen(expanded);
    char *src = malloc(COPIES * one_len + 1);
    CHECK(src != NULL);
    if (!src) return;
    for (size_t i = 0; i < COPIES; i++)
        memcpy(src + i * one_len, one, one_len);
    src[COPIES * one_len] = '\0';
    newsmine_normalized nt = normalize(src);
    CHECK_INT(nt.len, COPIES * expanded_len);
    CHECK_INT(nt.edit_count, COPIES);
    for (size_t i = 0; i < COPIES && nt.len == COPIES * expanded_len; i++)
        CHECK(memcmp(nt.text + i * expanded_len, expanded, expanded_len) == 0);
    CHECK_INT(map_start(&nt, 5 * expanded_len + 7), 5 * one_len);
    CHECK_INT(map_end(&nt, 5 * expanded_len + 7), 6 * one_len);
    check_edits_consistent(src, &nt);
    free(src);
}

static void long_run_of_marks(void)
{
    enum { MARKS = 300 };
    char src[1 + 2 * MARKS + 1], want[2 + 2 * (MARKS - 1) + 1];
    src[0] = 'a';
    memcpy(want, "\u00e1", 2);
    for (size_t i = 0; i < MARKS; i++)
        memcpy(src + 1 + 2 * i, "\u0301", 2);
    for (size_t i = 0; i < MARKS - 1; i++)
        memcpy(want + 2 + 2 * i, "\u0301", 2);
    src[sizeof src - 1] = want[sizeof want - 1] = '\0';
    check_normal_form(src, want);
}

static void map_properties(void)
{
    static const char *const texts[] = {
        "plain ascii",
        "of\ufb01ce \uff11\uff13\uff19 caf\u00e9 cafe\u0301",
        "the peace\u00adkeeping \u00ad\u00adforce\u00ad",
        "\u00adx\u200b\u200b\uff19\u00ad",
        "\u201cUN\u201d \u2014 Golan\u00a0Heights\u2019 a\u0301\u0316 b\u200dc",
        "\u1112\u1161\u11ab\u1100\u116e\u11a8 \ud55c\uad6d \uffa1",
        "\u00bd \u2460 \u3300 \ufdfa.",
        "a\r\n\u2028b\u2029\r\nc",
        "\u03d5\u03f5 \u0b47\u0b3e =\u0338",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        check_map_properties(texts[i]);
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(ascii_is_identity_without_copy),
        TEST(empty_text),
        TEST(unchanged_non_ascii_is_not_copied),
        TEST(folds_dashes),
        TEST(folds_single_quotes),
        TEST(folds_double_quotes),
        TEST(folds_space_separators),
        TEST(folds_line_and_paragraph_separators),
        TEST(removes_invisible_characters),
        TEST(keeps_case),
        TEST(nfkc_ligature),
        TEST(fullwidth_digits),
        TEST(composes_e_acute),
        TEST(composes_hangul),
        TEST(other_normal_forms),
        TEST(soft_hyphen_inside_word),
        TEST(zero_width_joiner_after_letter),
        TEST(crlf_untouched),
        TEST(large_expansion_grows_buffer),
        TEST(long_run_of_marks),
        TEST(map_properties),
    };
    newsmine_arena_init(&arena);
    int status = testlib_run(cases, sizeof cases / sizeof *cases);
    newsmine_arena_free(&arena);
    return status;
}
