/* End-to-end tests through the public API with tests/unit/data/rules-extract:
 * a gazetteer of a few places, counts started by %number, a rank rule with
 * `set` and `lookup`, a unit rule and a date rule that counts yield to.
 * Offsets are code points of the text as given, worked out by hand (and
 * checked with Python: len(text[:start])). */
#include "newsmine.h"
#include "testlib.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES NEWSMINE_TEST_DATA "/unit/data/rules-extract"

static newsmine_rules *rules;

/* Renders the entities of text, one line each: "type start end [span] rule
 * norm", checking on the way that every span is consistent: its byte
 * offsets cut the text on character boundaries, its code point offsets
 * count the characters before it, and the list is sorted by start, then
 * type, then end. */
static void render(newsmine_extractor *ex, const char *text, unsigned types, newsmine_buffer *out)
{
    const newsmine_entity *ents = NULL;
    size_t n = 0;
    newsmine_extract_options opts = {types, NULL};
    newsmine_error err;
    newsmine_status st = newsmine_extract(ex, text, strlen(text), &opts, &ents, &n, &err);
    CHECK_INT(st, NEWSMINE_OK);
    if (st) return;
    for (size_t i = 0; i < n; i++) {
        const newsmine_entity *e = &ents[i];
        CHECK(e->start_byte <= e->end_byte && e->end_byte <= strlen(text));
        CHECK(((unsigned char)text[e->start_byte] & 0xC0) != 0x80);
        CHECK(((unsigned char)text[e->end_byte] & 0xC0) != 0x80);
        CHECK_INT(newsmine_utf8_count(text, e->start_byte), e->start);
        CHECK_INT(newsmine_utf8_count(text, e->end_byte), e->end);
        CHECK_INT(strlen(e->norm), e->norm_len);
        if (i) {
            const newsmine_entity *p = &ents[i - 1];
            CHECK(p->start < e->start ||
                  (p->start == e->start &&
                   (p->type < e->type || (p->type == e->type && p->end <= e->end))));
        }
        newsmine_buffer_printf(out, "%s %zu %zu [%.*s] %s %s\n", newsmine_type_name(e->type),
                               e->start, e->end, (int)(e->end_byte - e->start_byte),
                               text + e->start_byte, e->rule, e->norm);
    }
    CHECK_INT(newsmine_extractor_limit_hits(ex, NULL), 0);
}

static void check_extract(int line, const char *text, unsigned types, const char *want)
{
    newsmine_extractor *ex = NULL;
    CHECK_INT(newsmine_extractor_new(rules, &ex, NULL), NEWSMINE_OK);
    if (!ex) return;
    newsmine_buffer out = {0};
    render(ex, text, types, &out);
    const char *got = out.data ? out.data : "";
    if (strcmp(got, want) != 0)
        testlib_fail(__FILE__, line, "text \"%s\":\n--- got\n%s--- want\n%s---", text, got, want);
    newsmine_buffer_free(&out);
    newsmine_extractor_free(ex);
}

#define CHECK_EXTRACT(text, want) check_extract(__LINE__, (text), 0, (want))
#define CHECK_EXTRACT_TYPES(text, types, want) check_extract(__LINE__, (text), (types), (want))

/* ------------------------------------------------------------- spans */

/* NFKC changes lengths (the ligature "ﬁ" becomes "fi", full-width digits
 * become ASCII), the soft hyphen is removed: offsets still count the
 * characters as given. */
static void test_spans_after_normalisation(void)
{
    CHECK_EXTRACT("The \xEF\xAC\x81rst \xEF\xBC\x91\xEF\xBC\x92 soldiers reached "
                  "Da\xC2\xAD" "mascus.",
                  "count 9 20 [\xEF\xBC\x91\xEF\xBC\x92 soldiers] count:number_noun "
                  "{\"value\":12,\"noun\":\"soldiers\",\"category\":\"personnel\"}\n"
                  "place 29 38 [Da\xC2\xAD" "mascus] place:places "
                  "{\"kind\":\"city\",\"country\":\"SY\"}\n");
    /* a ligature inside the number word, full-width digits of a year */
    CHECK_EXTRACT("\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x94 troops; \xEF\xAC\x81ve tanks",
                  "date 0 4 [\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x94] date:year "
                  "{\"value\":\"2014\"}\n"
                  "count 13 22 [\xEF\xAC\x81ve tanks] count:number_noun "
                  "{\"value\":5,\"noun\":\"tanks\",\"category\":\"equipment\"}\n");
}

static void test_spans_crlf(void)
{
    CHECK_EXTRACT("Line one\r\n12 soldiers in Goma\r\nand dozens of Kazakhstani peacekeepers\r\n",
                  "count 10 21 [12 soldiers] count:number_noun "
                  "{\"value\":12,\"noun\":\"soldiers\",\"category\":\"personnel\"}\n"
                  "place 25 29 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n"
                  "count 35 69 [dozens of Kazakhstani peacekeepers] count:number_noun "
                  "{\"value\":24,\"approx\":true,\"noun\":\"peacekeepers\",\"category\":"
                  "\"personnel\"}\n");
}

static void test_spans_cyrillic(void)
{
    CHECK_EXTRACT("Привет! 12 soldiers in Астана",
                  "count 8 19 [12 soldiers] count:number_noun "
                  "{\"value\":12,\"noun\":\"soldiers\",\"category\":\"personnel\"}\n"
                  "place 23 29 [Астана] place:places {\"kind\":\"city\",\"country\":\"KZ\"}\n");
    /* four-byte characters before an entity count once */
    CHECK_EXTRACT("😀😀 Mali",
                  "place 3 7 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n");
}

static void test_nothing_to_find(void)
{
    CHECK_EXTRACT("", "");
    CHECK_EXTRACT("No entity in this sentence.", "");
    CHECK_EXTRACT("mali goma", ""); /* the gazetteer wants title or upper case */
}

/* ------------------------------------------------------------- types */

static void test_types_filter(void)
{
    static const char text[] = "Привет! 12 soldiers in Астана";
    CHECK_EXTRACT_TYPES(text, 1u << NEWSMINE_PLACE,
                        "place 23 29 [Астана] place:places "
                        "{\"kind\":\"city\",\"country\":\"KZ\"}\n");
    CHECK_EXTRACT_TYPES(text, 1u << NEWSMINE_COUNT,
                        "count 8 19 [12 soldiers] count:number_noun "
                        "{\"value\":12,\"noun\":\"soldiers\",\"category\":\"personnel\"}\n");
    CHECK_EXTRACT_TYPES(text, 1u << NEWSMINE_RANK, "");
    newsmine_error err;
    CHECK_EXTRACT_TYPES(text, newsmine_types_parse("count,place", &err),
                        "count 8 19 [12 soldiers] count:number_noun "
                        "{\"value\":12,\"noun\":\"soldiers\",\"category\":\"personnel\"}\n"
                        "place 23 29 [Астана] place:places "
                        "{\"kind\":\"city\",\"country\":\"KZ\"}\n");
}

/* ---------------------------------------------------------- overlaps */

/* "New York" by a rule of priority 1 beats the gazetteer's "York" inside it
 * (priority 3): the longest wins. "2014 troops" is a count the date "2014"
 * overlaps: yield count to date drops it. */
static void test_longest_wins_and_yield(void)
{
    CHECK_EXTRACT("In 2014 troops arrived in New York and York.",
                  "date 3 7 [2014] date:year {\"value\":\"2014\"}\n"
                  "place 26 34 [New York] place:new_city {\"kind\":\"city\"}\n"
                  "place 39 43 [York] place:places {\"kind\":\"city\",\"country\":\"GB\"}\n");
    /* a count that overlaps no date stays */
    CHECK_EXTRACT("In 12 troops", "count 3 12 [12 troops] count:number_noun "
                                  "{\"value\":12,\"noun\":\"troops\",\"category\":\"personnel\"}\n");
}

/* The word-at-a-time counts agree with the byte-by-byte definitions, at
 * every length and alignment, on text mixing ASCII, multi-byte UTF-8 and
 * the letters that decide text in capitals (a fixed pseudo-random walk). */
static void test_byte_counts(void)
{
    static const char *const pieces[] = {
        "A", "b", " ", "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x98\x80", "Z", "z", ".", "\x80"};
    char text[700];
    unsigned seed = 12345;
    size_t n = 0;
    while (n + 4 < sizeof text) {
        seed = seed * 1103515245u + 12345u;
        /* mostly capitals, so both answers of text_in_capitals occur */
        const char *piece = (seed >> 16) % 8 ? "Q" : pieces[(seed >> 8) % 10];
        memcpy(text + n, piece, strlen(piece));
        n += strlen(piece);
    }
    int capitals_seen = 0, checked = 0;
    for (size_t start = 0; start < 9; start++)
        for (size_t len = 0; start + len <= n; len += 1 + len / 16) {
            const char *s = text + start;
            size_t chars = 0, upper = 0, lower = 0;
            for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                chars += (c & 0xC0) != 0x80;
                upper += c >= 'A' && c <= 'Z';
                lower += c >= 'a' && c <= 'z';
            }
            bool capitals = upper >= 20 && lower * 50 < upper;
            capitals_seen += capitals;
            checked++;
            CHECK_INT(newsmine_utf8_count(s, len), chars);
            CHECK_INT(newsmine_text_in_capitals(s, len), capitals);
        }
    CHECK(capitals_seen > 0 && capitals_seen < checked);
}

/* Text written in capitals: rules match without case, `case mixed` ones
 * do not run, `case capitals` ones run only there. */
static void test_text_in_capitals(void)
{
    CHECK(newsmine_text_in_capitals("TWELVE TROOPS ARRIVED IN YORK", 29));
    char text[64]; /* fewer than one lower-case letter in 50 capitals */
    memset(text, 'A', sizeof text);
    text[0] = 'x';
    CHECK(newsmine_text_in_capitals(text, 52));
    CHECK(!newsmine_text_in_capitals(text, 51));
    CHECK(!newsmine_text_in_capitals("TWELVE TROOPS ARRIVED IN York today", 35));
    CHECK(!newsmine_text_in_capitals("IN YORK, MALI", 13)); /* too short to tell */
    CHECK(!newsmine_text_in_capitals("Twelve troops arrived in New York", 33));
    CHECK_EXTRACT("IN 2014 12 TROOPS ARRIVED IN NEW YORK, CAPE HORN AND MALI.",
                  "date 3 7 [2014] date:year {\"value\":\"2014\"}\n"
                  "count 8 17 [12 TROOPS] count:number_noun "
                  "{\"value\":12,\"noun\":\"troops\",\"category\":\"personnel\"}\n"
                  "place 33 37 [YORK] place:places {\"kind\":\"city\",\"country\":\"GB\"}\n"
                  "place 39 48 [CAPE HORN] place:cape_capitals {\"kind\":\"feature\"}\n"
                  "place 53 57 [MALI] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n");
    CHECK_EXTRACT("In 2014 12 troops arrived in New York, Cape horn and Mali.",
                  "date 3 7 [2014] date:year {\"value\":\"2014\"}\n"
                  "count 8 17 [12 troops] count:number_noun "
                  "{\"value\":12,\"noun\":\"troops\",\"category\":\"personnel\"}\n"
                  "place 29 37 [New York] place:new_city {\"kind\":\"city\"}\n"
                  "place 53 57 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n");
}

/* The same span from the gazetteer (priority 3) and a rule (priority 5):
 * the higher priority wins. */
static void test_priority_breaks_ties(void)
{
    CHECK_EXTRACT("Goma and Mali",
                  "place 0 4 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n"
                  "place 9 13 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n");
}

/* A veto drops the candidates of its type it overlaps, also those found
 * after candidates that are kept (the veto once got lost among them). */
static void test_veto_among_kept(void)
{
    CHECK_EXTRACT("Goma, Mali and Rovers 12 troops York.",
                  "place 0 4 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n"
                  "place 6 10 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n"
                  "count 22 31 [12 troops] count:number_noun "
                  "{\"value\":12,\"noun\":\"troops\",\"category\":\"personnel\"}\n");
}

/* A veto drops the candidates within it, not a longer one it overlaps. */
static void test_veto_drops_what_it_holds(void)
{
    CHECK_EXTRACT("Golan Heights FC and Damascus FC met in Mali.",
                  "place 0 13 [Golan Heights] place:places {\"kind\":\"feature\",\"country\":\"SY\"}\n"
                  "place 40 44 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n");
}

/* A gazetteer name of one type does not hide a shorter one of another
 * type at the same start; an isolated name counts before a head word. */
static void test_gazetteer_windows_and_heads(void)
{
    CHECK_EXTRACT("The Mali Air Force flew.",
                  "place 4 8 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n"
                  "unit 4 18 [Mali Air Force] unit:services "
                  "{\"name\":\"Mali Air Force\",\"echelon\":\"air force\"}\n");
    CHECK_EXTRACT("Ariel Tyre spoke at Tyre University.",
                  "place 20 24 [Tyre] place:towns {\"kind\":\"city\"}\n");
    /* a part of a hyphenated modifier has the word for context
     * ("Tyre-based"), a part of a hyphenated name does not ("al-Tyre") */
    CHECK_EXTRACT("The Tyre-based Ahmed group.",
                  "place 4 8 [Tyre] place:towns {\"kind\":\"city\"}\n");
    CHECK_EXTRACT("Ahmed al-Tyre spoke. Kim Jang-Tyre spoke.", "");
    /* a hyphen in a name as written matches a space, and the other way */
    CHECK_EXTRACT(
        "From Deir Attiya to Deir-Attiya.",
        "place 5 16 [Deir Attiya] place:places {\"kind\":\"city\",\"country\":\"SY\"}\n"
        "place 20 31 [Deir-Attiya] place:places {\"kind\":\"city\",\"country\":\"SY\"}\n");
    /* three capitals in mixed text are an abbreviation, not a town's name
     * in capitals; in a headline a longer name is the place (GOMA) */
    CHECK_EXTRACT("The agency INA said Ina and GOMA were calm.",
                  "place 20 23 [Ina] place:towns {\"kind\":\"city\"}\n"
                  "place 28 32 [GOMA] place:places {\"kind\":\"city\",\"country\":\"CD\"}\n");
    /* a window does not end in the "-" token after an abbreviation */
    CHECK_EXTRACT("The U.S.-led force.",
                  "place 4 8 [U.S.] place:places {\"kind\":\"country\",\"country\":\"US\"}\n");
}

/* Types nest; the list is sorted by start, then type, then end; norm keys
 * come in the schema's order for the type (rank, code, name; name, abbr,
 * echelon), then the others in the order the rule set them. */
static void test_sorted_nested_and_key_order(void)
{
    CHECK_EXTRACT("Lieutenant Colonel Ruslan Aipov met Col. Smith of the UN Interim Force in "
                  "Lebanon.",
                  "rank 0 31 [Lieutenant Colonel Ruslan Aipov] rank:title_name "
                  "{\"rank\":\"lieutenant colonel\",\"code\":\"OF-4\",\"name\":\"Ruslan Aipov\","
                  "\"verified\":true,\"source\":\"test\"}\n"
                  "rank 36 46 [Col. Smith] rank:title_name "
                  "{\"rank\":\"colonel\",\"code\":\"OF-5\",\"name\":\"Smith\",\"verified\":true,"
                  "\"source\":\"test\"}\n"
                  "unit 54 81 [UN Interim Force in Lebanon] unit:unifil "
                  "{\"name\":\"UN Interim Force in Lebanon\",\"abbr\":\"UNIFIL\","
                  "\"echelon\":\"mission\"}\n"
                  "place 74 81 [Lebanon] place:places {\"kind\":\"country\",\"country\":\"LB\"}\n");
    /* a place and a count starting at one offset: place (type 0) first */
    CHECK_EXTRACT("Mali, 12 soldiers", "place 0 4 [Mali] place:places "
                                       "{\"kind\":\"country\",\"country\":\"ML\"}\n"
                                       "count 6 17 [12 soldiers] count:number_noun "
                                       "{\"value\":12,\"noun\":\"soldiers\",\"category\":"
                                       "\"personnel\"}\n");
}

/* ------------------------------------------------------ elided nouns */

static void test_elided_noun_carried(void)
{
    CHECK_EXTRACT("6 officers in Mali, 2 in Goma.",
                  "count 0 10 [6 officers] count:number_noun "
                  "{\"value\":6,\"noun\":\"officers\",\"category\":\"personnel\"}\n"
                  "place 14 18 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n"
                  "count 20 21 [2] count:elided "
                  "{\"value\":2,\"noun\":\"officers\",\"category\":\"personnel\"}\n"
                  "place 25 29 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n");
    /* from the nearest count before it */
    CHECK_EXTRACT("6 officers and 3 tanks in Mali, 2 in Goma.",
                  "count 0 10 [6 officers] count:number_noun "
                  "{\"value\":6,\"noun\":\"officers\",\"category\":\"personnel\"}\n"
                  "count 15 22 [3 tanks] count:number_noun "
                  "{\"value\":3,\"noun\":\"tanks\",\"category\":\"equipment\"}\n"
                  "place 26 30 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n"
                  "count 32 33 [2] count:elided "
                  "{\"value\":2,\"noun\":\"tanks\",\"category\":\"equipment\"}\n"
                  "place 37 41 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n");
    /* never across a sentence boundary, and never from nothing: a count
     * left without a noun is dropped */
    CHECK_EXTRACT("6 officers in Mali. Then, 2 in Goma.",
                  "count 0 10 [6 officers] count:number_noun "
                  "{\"value\":6,\"noun\":\"officers\",\"category\":\"personnel\"}\n"
                  "place 14 18 [Mali] place:places {\"kind\":\"country\",\"country\":\"ML\"}\n"
                  "place 31 35 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n");
    CHECK_EXTRACT("Then, 2 in Goma.",
                  "place 11 15 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n");
    /* an abbreviation the rules list does not end the sentence */
    CHECK_EXTRACT("6 officers under Col. Smith, 2 in Goma.",
                  "count 0 10 [6 officers] count:number_noun "
                  "{\"value\":6,\"noun\":\"officers\",\"category\":\"personnel\"}\n"
                  "rank 17 27 [Col. Smith] rank:title_name "
                  "{\"rank\":\"colonel\",\"code\":\"OF-5\",\"name\":\"Smith\",\"verified\":true,"
                  "\"source\":\"test\"}\n"
                  "count 29 30 [2] count:elided "
                  "{\"value\":2,\"noun\":\"officers\",\"category\":\"personnel\"}\n"
                  "place 34 38 [Goma] place:goma_site {\"kind\":\"site\",\"note\":\"by rule\"}\n");
}

/* ------------------------------------------------------ determinism */

static const char *const corpus[] = {
    ("The \xEF\xAC\x81rst \xEF\xBC\x91\xEF\xBC\x92 soldiers reached Da\xC2\xAD"
     "mascus."),
    "Line one\r\n12 soldiers in Goma\r\nand dozens of Kazakhstani peacekeepers\r\n",
    "Привет! 12 soldiers in Астана",
    "In 2014 troops arrived in New York and York.",
    "Lieutenant Colonel Ruslan Aipov met Col. Smith of the UN Interim Force in Lebanon.",
    "6 officers and 3 tanks in Mali, 2 in Goma.",
    "",
};

/* Two extractors over one rule set give the same bytes, whatever order the
 * documents come in (the arena is reset between documents). */
static void test_deterministic(void)
{
    enum { N = sizeof corpus / sizeof *corpus };
    newsmine_extractor *a = NULL, *b = NULL;
    CHECK_INT(newsmine_extractor_new(rules, &a, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_extractor_new(rules, &b, NULL), NEWSMINE_OK);
    if (!a || !b) {
        newsmine_extractor_free(a);
        newsmine_extractor_free(b);
        return;
    }
    newsmine_buffer fwd[N], back[N];
    memset(fwd, 0, sizeof fwd);
    memset(back, 0, sizeof back);
    for (size_t i = 0; i < N; i++)
        render(a, corpus[i], 0, &fwd[i]);
    for (size_t i = N; i-- > 0;)
        render(b, corpus[i], 0, &back[i]);
    for (size_t i = 0; i < N; i++) {
        CHECK(fwd[i].len == back[i].len &&
              (fwd[i].len == 0 || memcmp(fwd[i].data, back[i].data, fwd[i].len) == 0));
        /* and again on the first extractor */
        newsmine_buffer again = {0};
        render(a, corpus[i], 0, &again);
        CHECK(again.len == fwd[i].len &&
              (again.len == 0 || memcmp(again.data, fwd[i].data, again.len) == 0));
        newsmine_buffer_free(&again);
        newsmine_buffer_free(&fwd[i]);
        newsmine_buffer_free(&back[i]);
    }
    newsmine_extractor_free(a);
    newsmine_extractor_free(b);
}

/* Extract, then emit: each record's text is the span cut from the text. */
static void test_extract_then_emit(void)
{
    static const char text[] = "Привет! 12 soldiers in Астана";
    newsmine_extractor *ex = NULL;
    CHECK_INT(newsmine_extractor_new(rules, &ex, NULL), NEWSMINE_OK);
    if (!ex) return;
    const newsmine_entity *ents;
    size_t n;
    CHECK_INT(newsmine_extract(ex, text, sizeof text - 1, NULL, &ents, &n, NULL), NEWSMINE_OK);
    newsmine_doc doc = {"d", 1, text, sizeof text - 1, "{}", 2, NULL, 1, 0};
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, ents, n, NULL, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len,
              "{\"doc\":\"d\",\"type\":\"count\",\"start\":8,\"end\":19,\"text\":\"12 soldiers\","
              "\"norm\":{\"value\":12,\"noun\":\"soldiers\",\"category\":\"personnel\"},"
              "\"rule\":\"count:number_noun\"}\n"
              "{\"doc\":\"d\",\"type\":\"place\",\"start\":23,\"end\":29,\"text\":\"Астана\","
              "\"norm\":{\"kind\":\"city\",\"country\":\"KZ\"},\"rule\":\"place:places\"}\n");
    newsmine_buffer_free(&out);
    newsmine_extractor_free(ex);
}

static void test_bad_arguments(void)
{
    newsmine_extractor *ex = (newsmine_extractor *)&ex;
    CHECK_INT(newsmine_extractor_new(NULL, &ex, NULL), NEWSMINE_ERR_ARG);
    CHECK(ex == NULL);
    newsmine_extractor_free(NULL);
}

int main(void)
{
    newsmine_error err;
    if (newsmine_rules_load(RULES, &rules, &err) != NEWSMINE_OK) {
        char buf[1024];
        newsmine_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "cannot load %s: %s\n", RULES, buf);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    static const testlib_case cases[] = {
        TEST(test_spans_after_normalisation),
        TEST(test_spans_crlf),
        TEST(test_spans_cyrillic),
        TEST(test_nothing_to_find),
        TEST(test_types_filter),
        TEST(test_longest_wins_and_yield),
        TEST(test_priority_breaks_ties),
        TEST(test_byte_counts),
        TEST(test_text_in_capitals),
        TEST(test_veto_among_kept),
        TEST(test_veto_drops_what_it_holds),
        TEST(test_gazetteer_windows_and_heads),
        TEST(test_sorted_nested_and_key_order),
        TEST(test_elided_noun_carried),
        TEST(test_deterministic),
        TEST(test_extract_then_emit),
        TEST(test_bad_arguments),
    };
    int status = testlib_run(cases, sizeof cases / sizeof cases[0]);
    newsmine_rules_free(rules);
    return status;
}
