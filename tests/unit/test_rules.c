/* Tests for src/rules.c: loading rule directories under tests/unit/data/.
 * Each rules-bad-* directory holds one mistake; the error must name the
 * file, line and column (in characters) written out below, and a failed
 * load must free everything (the sanitizer build runs LeakSanitizer). */
#include "newsmine.h"
#include "rules.h"
#include "testlib.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA NEWSMINE_TEST_DATA "/unit/data/"

/* ------------------------------------------------------------ helpers */

static void check_error(int line, const char *dir, newsmine_status want_status,
                        const char *want_file, unsigned long want_line, unsigned long want_col,
                        const char *want_message)
{
    newsmine_rules *rules = (newsmine_rules *)&rules; /* must be reset to NULL */
    newsmine_error err;
    memset(&err, 0x55, sizeof err);
    newsmine_status st = newsmine_rules_load(dir, &rules, &err);
    if (st != want_status)
        testlib_fail(__FILE__, line, "%s: status %d, want %d (%s)", dir, (int)st,
                     (int)want_status, st ? err.message : "loaded");
    if (rules) testlib_fail(__FILE__, line, "%s: *out is not NULL after a failure", dir);
    if (st == NEWSMINE_OK) {
        newsmine_rules_free(rules);
        return;
    }
    if (err.status != want_status)
        testlib_fail(__FILE__, line, "%s: err.status %d", dir, (int)err.status);
    if (strcmp(err.file, want_file) != 0)
        testlib_fail(__FILE__, line, "%s: err.file \"%s\", want \"%s\"", dir, err.file, want_file);
    if (err.line != want_line || err.col != want_col)
        testlib_fail(__FILE__, line, "%s: at %lu:%lu, want %lu:%lu (%s)", dir, err.line,
                     err.col, want_line, want_col, err.message);
    if (!strstr(err.message, want_message))
        testlib_fail(__FILE__, line, "%s: message \"%s\" lacks \"%s\"", dir, err.message,
                     want_message);
}

#define CHECK_RULES_ERROR(dir, file, line, col, message)                                          \
    check_error(__LINE__, DATA dir, NEWSMINE_ERR_RULES, (file), (line), (col), (message))

/* Extracts text and renders every entity as one line "type start end
 * rule norm" into out. */
static void render(const newsmine_rules *rules, const char *text, newsmine_buffer *out)
{
    newsmine_extractor *ex = NULL;
    CHECK_INT(newsmine_extractor_new(rules, &ex, NULL), NEWSMINE_OK);
    if (!ex) return;
    const newsmine_entity *ents = NULL;
    size_t n = 0;
    CHECK_INT(newsmine_extract(ex, text, strlen(text), NULL, &ents, &n, NULL), NEWSMINE_OK);
    for (size_t i = 0; i < n; i++) {
        char line[512];
        int len = snprintf(line, sizeof line, "%s %zu %zu %s %s\n", newsmine_type_name(ents[i].type),
                           ents[i].start, ents[i].end, ents[i].rule, ents[i].norm);
        newsmine_buffer_append(out, line, (size_t)len);
    }
    newsmine_extractor_free(ex);
}

/* ------------------------------------------------------------ good ones */

static const char good_text[] = "In 2024, 12 soldiers and 1,500 tanks reached Goma; "
                                "GOMA, goma and the Golan Heights stayed quiet.";

static const char good_want[] =
    "date 0 7 sub/count:year {\"value\":\"2024\"}\n"
    "count 9 20 sub/count:number_noun {\"value\":12,\"noun\":\"soldiers\",\"category\":"
    "\"personnel\"}\n"
    "count 25 36 sub/count:number_noun {\"value\":1500,\"noun\":\"tanks\",\"category\":"
    "\"equipment\"}\n"
    "place 45 49 places:cities {\"kind\":\"city\",\"country\":\"CD\",\"lat\":-1.68,\"lon\":"
    "29.22}\n"
    "place 51 55 places:cities {\"kind\":\"city\",\"country\":\"CD\",\"lat\":-1.68,\"lon\":"
    "29.22}\n"
    "place 70 83 places:cities {\"kind\":\"feature\",\"country\":\"SY\"}\n";

static void test_good_dir_loads(void)
{
    newsmine_rules *rules = NULL;
    newsmine_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(newsmine_rules_load(DATA "rules-good", &rules, &err), NEWSMINE_OK);
    if (!rules) {
        testlib_fail(__FILE__, __LINE__, "%s:%lu:%lu: %s", err.file, err.line, err.col,
                     err.message);
        return;
    }
    CHECK_INT(newsmine_rules_pattern_count(rules), 2);
    CHECK_INT(newsmine_rules_gazetteer_entries(rules), 3);
    CHECK_INT(rules->rule_count, 2);
    CHECK_INT(rules->gazetteer_count, 1);
    CHECK_INT(rules->list_count, 2); /* nouns, and the gazetteer's own table */
    if (rules->rule_count == 2) {
        /* sorted by path: 00-common.rules, places.rules, sub/count.rules */
        CHECK_STR(rules->rules[0].id, "sub/count:number_noun");
        CHECK_STR(rules->rules[0].file, "sub/count.rules");
        CHECK_INT(rules->rules[0].line, 2);
        CHECK_INT(rules->rules[0].type, NEWSMINE_COUNT);
        CHECK_INT(rules->rules[0].priority, 5);
        CHECK_INT(rules->rules[0].trigger_classes, NEWSMINE_TRIGGER_NUMBER);
        CHECK_INT(rules->rules[0].lookup_count, 1);
        CHECK_INT(rules->rules[0].group_count, 2);
        CHECK_STR(rules->rules[1].id, "sub/count:year");
        CHECK_INT(rules->rules[1].type, NEWSMINE_DATE);
        CHECK_INT(rules->rules[1].priority, 0);
        CHECK_INT(rules->rules[1].trigger_classes, 0);
    }
    if (rules->gazetteer_count == 1) {
        const newsmine_gazetteer *g = &rules->gazetteers[0];
        CHECK_STR(g->rule_id, "places:cities");
        CHECK_INT(g->type, NEWSMINE_PLACE);
        CHECK_INT(g->priority, 3);
        CHECK_INT(g->list->row_count, 3);
        CHECK_INT(g->list->column_count, 5);
        CHECK_STR(g->list->names[2], "Golan Heights");
        /* numeric columns stay numbers, empty cells are absent */
        newsmine_arena arena;
        newsmine_arena_init(&arena);
        newsmine_status st;
        const char *json = newsmine_list_cell_json(g->list, 0, 3, &arena, &st);
        CHECK_STR(json ? json : "(null)", "-1.68");
        json = newsmine_list_cell_json(g->list, 0, 2, &arena, &st);
        CHECK_STR(json ? json : "(null)", "\"CD\"");
        CHECK(newsmine_list_cell_json(g->list, 2, 3, &arena, &st) == NULL && st == NEWSMINE_OK);
        const char *cell;
        CHECK_INT(newsmine_list_cell(g->list, 0, 2, &cell), 2);
        CHECK(newsmine_list_cell(g->list, 0, 9, &cell) == 0);
        newsmine_arena_free(&arena);
    }
    CHECK(rules->yields[NEWSMINE_COUNT] == 1u << NEWSMINE_DATE);
    CHECK(rules->yields[NEWSMINE_DATE] == 0);

    newsmine_buffer out = {0};
    render(rules, good_text, &out);
    CHECK_MEM(out.data ? out.data : "", out.len, good_want);
    newsmine_buffer_free(&out);
    newsmine_rules_free(rules);
}

/* Two loads of one directory behave the same, and so do two extractors. */
static void test_good_dir_twice(void)
{
    newsmine_rules *a = NULL, *b = NULL;
    CHECK_INT(newsmine_rules_load(DATA "rules-good", &a, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_rules_load(DATA "rules-good/", &b, NULL), NEWSMINE_OK);
    if (a && b) {
        CHECK_INT(newsmine_rules_pattern_count(a), newsmine_rules_pattern_count(b));
        CHECK_INT(newsmine_rules_gazetteer_entries(a), newsmine_rules_gazetteer_entries(b));
        static const char *const texts[] = {
            good_text, "", "Nothing here.", "7 soldiers, 8 tanks and 9 soldier in Astana in 1999.",
            "GOLAN HEIGHTS golan heights Golan  Heights"};
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
            newsmine_buffer x = {0}, y = {0};
            render(a, texts[i], &x);
            render(b, texts[i], &y);
            render(a, texts[i], &y); /* and the same again: y is twice x */
            CHECK(y.len == 2 * x.len);
            CHECK(x.len == 0 || (memcmp(x.data, y.data, x.len) == 0 &&
                                 memcmp(x.data, y.data + x.len, x.len) == 0));
            newsmine_buffer_free(&x);
            newsmine_buffer_free(&y);
        }
    }
    newsmine_rules_free(a);
    newsmine_rules_free(b);
    newsmine_rules_free(NULL);
}

/* ------------------------------------------------------------ bad ones */

static void test_unknown_directive(void)
{
    CHECK_RULES_ERROR("rules-bad-directive", "a.rules", 4, 3, "unknown directive \"frobnicate\"");
}

static void test_rule_without_type(void)
{
    CHECK_RULES_ERROR("rules-bad-no-type", "a.rules", 3, 1, "rule a:untyped has no type line");
}

static void test_rule_without_end(void)
{
    CHECK_RULES_ERROR("rules-bad-no-end", "a.rules", 6, 1,
                      "rule a:open is not closed with \"end\"");
    CHECK_RULES_ERROR("rules-bad-rule-in-rule", "a.rules", 4, 3,
                      "rule a:outer is not closed with \"end\" before this rule");
}

static void test_end_without_rule(void)
{
    CHECK_RULES_ERROR("rules-bad-end-without-rule", "a.rules", 2, 5, "\"end\" without a rule");
}

static void test_unknown_type(void)
{
    CHECK_RULES_ERROR("rules-bad-type", "a.rules", 2, 12, "unknown type \"weapon\"");
}

static void test_bad_priority(void)
{
    CHECK_RULES_ERROR("rules-bad-priority", "a.rules", 3, 12,
                      "priority must be an integer, found \"high\"");
}

static void test_bad_case(void)
{
    CHECK_RULES_ERROR("rules-bad-case", "a.rules", 3, 12,
                      "case must be any, mixed or capitals, found \"sideways\"");
}

/* A pattern that compiles, but is too large once compiled without case
 * (text in capitals): the error names the rule when it loads, unless the
 * rule is marked case mixed. */
static void test_too_large_without_case(void)
{
    char dir[] = "/tmp/newsmine-test-XXXXXX";
    if (!mkdtemp(dir)) {
        testlib_fail(__FILE__, __LINE__, "mkdtemp failed");
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/a.rules", dir);
    for (int mixed = 0; mixed < 2; mixed++) {
        FILE *f = fopen(path, "w");
        if (!f) {
            testlib_fail(__FILE__, __LINE__, "cannot write %s", path);
            break;
        }
        fprintf(f, "rule big\n  type     count\n%s  trigger  kk\n  pattern  (?:kk",
                mixed ? "  case     mixed\n" : "");
        for (int i = 1; i < 8500; i++) /* 59,640 bytes compiled, over 64 KiB without case */
            fputs("|kk", f);
        fputs(")\nend\n", f);
        fclose(f);
        if (mixed) {
            newsmine_rules *rules = NULL;
            CHECK_INT(newsmine_rules_load(dir, &rules, NULL), NEWSMINE_OK);
            newsmine_rules_free(rules);
        } else {
            check_error(__LINE__, dir, NEWSMINE_ERR_RULES, "a.rules", 1, 1,
                        "too large when matched without case");
        }
    }
    remove(path);
    rmdir(dir);
}

static void test_unknown_define(void)
{
    CHECK_RULES_ERROR("rules-bad-define-ref", "a.rules", 4, 24, "unknown definition \"UNKNOWN\"");
}

static void test_unknown_list_reference(void)
{
    CHECK_RULES_ERROR("rules-bad-list-ref", "a.rules", 4, 31, "unknown list \"nounz\"");
}

static void test_unknown_lookup_list(void)
{
    CHECK_RULES_ERROR("rules-bad-lookup-list", "a.rules", 5, 17, "unknown list \"verbs\"");
}

static void test_lookup_group_not_in_pattern(void)
{
    CHECK_RULES_ERROR("rules-bad-lookup-group", "a.rules", 5, 12,
                      "rule a:r has no group named \"thing\"");
}

/* The column counts characters: "é" before the error is one column. */
static void test_regex_error_on_second_pattern_line(void)
{
    /* "  pattern  \s+ é )": the ')' is character 18 */
    CHECK_RULES_ERROR("rules-bad-regex-paren", "a.rules", 4, 18,
                      "in rule a:broken: unmatched closing parenthesis");
    /* "  pattern  \s+ é a{2,1}": PCRE2 points at the '}', character 23 */
    CHECK_RULES_ERROR("rules-bad-regex-quantifier", "a.rules", 4, 23,
                      "in rule a:broken: numbers out of order in {} quantifier");
    /* an unclosed '(' is reported where the pattern ends: after "x" */
    CHECK_RULES_ERROR("rules-bad-regex-unclosed", "a.rules", 5, 13,
                      "in rule a:broken: missing closing parenthesis");
}

static void test_regex_error_inside_define(void)
{
    /* "  pattern  \s+ «{BROKEN}»": the reference starts at character 17 */
    CHECK_RULES_ERROR("rules-bad-regex-define", "a.rules", 6, 17,
                      "in rule a:uses_it, inside {BROKEN} (defined at a.rules:2): range out of "
                      "order in character class");
}

static void test_tsv_wrong_column_count(void)
{
    CHECK_RULES_ERROR("rules-bad-tsv-columns", "tables/nouns.tsv", 5, 1,
                      "3 columns where the header has 2");
}

static void test_tsv_missing(void)
{
    CHECK_RULES_ERROR("rules-bad-tsv-missing", "a.rules", 2, 20,
                      "cannot read table \"missing.tsv\"");
}

/* A file that is not UTF-8 (saved in Latin-1): the first bad byte is named. */
static void test_not_utf8(void)
{
    CHECK_RULES_ERROR("rules-bad-utf8", "a.rules", 3, 9, "not valid UTF-8 (byte 0xE9)");
    CHECK_RULES_ERROR("rules-bad-utf8-tsv", "nouns.tsv", 3, 6, "not valid UTF-8 (byte 0xE9)");
}

static void test_bad_set_string(void)
{
    CHECK_RULES_ERROR("rules-bad-set-string", "a.rules", 3, 27, "note= needs a JSON string");
}

static void test_duplicate_rule(void)
{
    CHECK_RULES_ERROR("rules-bad-duplicate", "a.rules", 5, 6,
                      "rule \"twice\" is defined twice in this file");
}

/* A later file fails after lists, a gazetteer and a compiled rule were
 * loaded: all of it is freed (LeakSanitizer in the sanitizer build). */
static void test_failure_in_second_file(void)
{
    CHECK_RULES_ERROR("rules-bad-second-file", "10-bad.rules", 3, 25, "unknown list \"units\"");
}

/* A define may end with a "# comment", as a pattern line may. */
static void test_define_with_comment(void)
{
    newsmine_rules *rules = NULL;
    CHECK_INT(newsmine_rules_load(DATA "rules-good", &rules, NULL), NEWSMINE_OK);
    newsmine_rules_free(rules);
    /* the same file as in rules-bad-second-file, alone */
    newsmine_error err;
    CHECK_INT(newsmine_rules_load(DATA "rules-define-comment", &rules, &err), NEWSMINE_OK);
    if (!rules) {
        testlib_fail(__FILE__, __LINE__, "%s:%lu:%lu: %s", err.file, err.line, err.col,
                     err.message);
        return;
    }
    newsmine_buffer out = {0};
    render(rules, "Goma saw 40 soldiers.", &out);
    CHECK_MEM(out.data ? out.data : "", out.len,
              "place 0 4 00-good:cities {\"kind\":\"city\"}\n"
              "count 9 20 00-good:number_noun {\"value\":40,\"noun\":\"soldiers\",\"category\":"
              "\"personnel\"}\n");
    newsmine_buffer_free(&out);
    newsmine_rules_free(rules);
}

/* "trigger Gen." fires whether or not the tokenizer keeps the period on
 * the word; a quoted set value may hold spaces and escapes. */
static void test_trigger_with_period_and_quoted_set(void)
{
    newsmine_rules *rules = NULL;
    newsmine_error err;
    CHECK_INT(newsmine_rules_load(DATA "rules-trigger-period", &rules, &err), NEWSMINE_OK);
    if (!rules) {
        testlib_fail(__FILE__, __LINE__, "%s:%lu:%lu: %s", err.file, err.line, err.col,
                     err.message);
        return;
    }
    newsmine_buffer out = {0};
    render(rules, "Then Gen. Petraeus spoke.", &out);
    CHECK_MEM(out.data ? out.data : "", out.len,
              "rank 5 18 a:general {\"rank\":\"general\",\"name\":\"Petraeus\",\"note\":"
              "\"set with a \\\"quoted\\\" value\"}\n");
    newsmine_buffer_free(&out);
    newsmine_rules_free(rules);
}

static void test_no_rule_files(void)
{
    check_error(__LINE__, DATA "rules-empty", NEWSMINE_ERR_RULES, DATA "rules-empty", 0, 0,
                "no *.rules files");
    check_error(__LINE__, DATA "rules-no-such-dir", NEWSMINE_ERR_IO, DATA "rules-no-such-dir", 0,
                0, "cannot open rules directory");
    newsmine_rules *rules = (newsmine_rules *)&rules;
    CHECK_INT(newsmine_rules_load(NULL, &rules, NULL), NEWSMINE_ERR_ARG);
    CHECK(rules == NULL);
}

/* The error formats as FILE:LINE:COL: MESSAGE. */
static void test_error_format(void)
{
    newsmine_rules *rules = NULL;
    newsmine_error err;
    CHECK_INT(newsmine_rules_load(DATA "rules-bad-type", &rules, &err), NEWSMINE_ERR_RULES);
    char buf[1024];
    size_t need = newsmine_error_format(&err, buf, sizeof buf);
    CHECK_INT(need, strlen(buf));
    CHECK(strncmp(buf, "a.rules:2:12: unknown type \"weapon\"", 35) == 0);
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_good_dir_loads),
        TEST(test_good_dir_twice),
        TEST(test_unknown_directive),
        TEST(test_rule_without_type),
        TEST(test_rule_without_end),
        TEST(test_end_without_rule),
        TEST(test_unknown_type),
        TEST(test_bad_priority),
        TEST(test_bad_case),
        TEST(test_too_large_without_case),
        TEST(test_unknown_define),
        TEST(test_unknown_list_reference),
        TEST(test_unknown_lookup_list),
        TEST(test_lookup_group_not_in_pattern),
        TEST(test_regex_error_on_second_pattern_line),
        TEST(test_regex_error_inside_define),
        TEST(test_tsv_wrong_column_count),
        TEST(test_tsv_missing),
        TEST(test_bad_set_string),
        TEST(test_not_utf8),
        TEST(test_duplicate_rule),
        TEST(test_failure_in_second_file),
        TEST(test_define_with_comment),
        TEST(test_trigger_with_period_and_quoted_set),
        TEST(test_no_rule_files),
        TEST(test_error_format),
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
