/* Tests for src/cli/format_csv.c: every expected row written out by hand
 * (tests/io/csv_roundtrip.py reads whole outputs back with Python's csv
 * module and a PostgreSQL text-format decoder). */
#include "entity_id.h"
#include "format_csv.h"
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes: M a l i \t " x " \n \ y NUL z */
static const char text[] = "Mali\t\"x\"\n\\y\0z";
enum { TEXT_LEN = 13 };

static newsmine_doc make_doc(const char *meta)
{
    newsmine_doc d = {"a,b\"c", 5, text, TEXT_LEN, meta, meta ? strlen(meta) : 0, NULL, 1, 0};
    return d;
}

static const char norm1[] = "{\"kind\":\"country\"}";
/* {"name":"\"x\"\n\\y\u0000z"} */
static const char norm2[] = "{\"name\":\"\\\"x\\\"\\n\\\\y\\u0000z\"}";

static void make_entities(newsmine_entity e[2])
{
    e[0] = (newsmine_entity){NEWSMINE_PLACE, 0, 4, 0, 4, "en/place:countries", norm1,
                             sizeof norm1 - 1};
    e[1] = (newsmine_entity){NEWSMINE_PERSON, 5, 13, 5, 13, "en/person:p", norm2,
                             sizeof norm2 - 1};
}

static char *expected(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *expected(const char *fmt, ...)
{
    static char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

static void ids(char id1[ENTITY_ID_LEN + 1], char id2[ENTITY_ID_LEN + 1])
{
    entity_id("a,b\"c", 5, "place", 0, 4, id1);
    entity_id("a,b\"c", 5, "person", 5, 13, id2);
}

static void test_csv_entities(void)
{
    newsmine_doc d = make_doc(NULL);
    newsmine_entity e[2];
    make_entities(e);
    newsmine_buffer out = {0};
    CHECK(csv_write_entities(CSV_FORMAT_CSV, &d, e, 2, &out));
    char id1[ENTITY_ID_LEN + 1], id2[ENTITY_ID_LEN + 1];
    ids(id1, id2);
    const char *want = expected(
        "%s,\"a,b\"\"c\",place,0,4,Mali,\"{\"\"kind\"\":\"\"country\"\"}\",en/place:countries\n"
        "%s,\"a,b\"\"c\",person,5,13,\"\"\"x\"\"\n\\y\xEF\xBF\xBDz\","
        "\"{\"\"name\"\":\"\"\\\"\"x\\\"\"\\n\\\\y\\ufffdz\"\"}\",en/person:p\n",
        id1, id2);
    CHECK_MEM(out.data, out.len, want);
    newsmine_buffer_free(&out);
}

static void test_tsv_entities(void)
{
    newsmine_doc d = make_doc(NULL);
    newsmine_entity e[2];
    make_entities(e);
    newsmine_buffer out = {0};
    CHECK(csv_write_entities(CSV_FORMAT_TSV, &d, e, 2, &out));
    char id1[ENTITY_ID_LEN + 1], id2[ENTITY_ID_LEN + 1];
    ids(id1, id2);
    const char *want = expected(
        "%s\ta,b\"c\tplace\t0\t4\tMali\t{\"kind\":\"country\"}\ten/place:countries\n"
        "%s\ta,b\"c\tperson\t5\t13\t\"x\"\\n\\\\y\xEF\xBF\xBDz\t"
        "{\"name\":\"\\\\\"x\\\\\"\\\\n\\\\\\\\y\\\\ufffdz\"}\ten/person:p\n",
        id1, id2);
    CHECK_MEM(out.data, out.len, want);
    newsmine_buffer_free(&out);
}

static void test_documents(void)
{
    newsmine_doc d = make_doc("{\"src\":\"t\"}");
    newsmine_buffer out = {0};
    CHECK(csv_write_document(CSV_FORMAT_CSV, &d, false, &out));
    CHECK(csv_write_document(CSV_FORMAT_TSV, &d, false, &out));
    d.repaired = 3;
    CHECK(csv_write_document(CSV_FORMAT_CSV, &d, true, &out));
    CHECK(csv_write_document(CSV_FORMAT_TSV, &d, true, &out));
    CHECK_MEM(out.data, out.len,
              "\"a,b\"\"c\",\"{\"\"src\"\":\"\"t\"\"}\",,0\n"
              "a,b\"c\t{\"src\":\"t\"}\t\\N\t0\n"
              "\"a,b\"\"c\",\"{\"\"src\"\":\"\"t\"\"}\",\"Mali\t\"\"x\"\"\n\\y\xEF\xBF\xBDz\",3\n"
              "a,b\"c\t{\"src\":\"t\"}\tMali\\t\"x\"\\n\\\\y\xEF\xBF\xBDz\t3\n");
    newsmine_buffer_free(&out);
    /* no metadata: an empty object, never NULL */
    newsmine_doc bare = make_doc(NULL);
    CHECK(csv_write_document(CSV_FORMAT_CSV, &bare, false, &out));
    CHECK_MEM(out.data, out.len, "\"a,b\"\"c\",{},,0\n");
    newsmine_buffer_free(&out);
}

static void test_special_fields(void)
{
    newsmine_buffer out = {0};
    /* the empty string is quoted (unquoted empty is NULL for COPY), as is COPY's \. */
    CHECK(csv_put_text(CSV_FORMAT_CSV, &out, "", 0, false));
    CHECK(csv_put_text(CSV_FORMAT_CSV, &out, "\\.", 2, false));
    CHECK(csv_put_text(CSV_FORMAT_CSV, &out, "plain", 5, false));
    CHECK(csv_put_text(CSV_FORMAT_CSV, &out, "cr\r", 3, false));
    CHECK(csv_put_null(CSV_FORMAT_CSV, &out, true));
    CHECK_MEM(out.data, out.len, "\"\",\"\\.\",plain,\"cr\r\",\n");
    out.len = 0;
    CHECK(csv_put_text(CSV_FORMAT_TSV, &out, "", 0, false));
    CHECK(csv_put_text(CSV_FORMAT_TSV, &out, "\\.", 2, false));
    CHECK(csv_put_text(CSV_FORMAT_TSV, &out, "cr\r", 3, false));
    CHECK(csv_put_null(CSV_FORMAT_TSV, &out, true));
    CHECK_MEM(out.data, out.len, "\t\\\\.\tcr\\r\t\\N\n");
    newsmine_buffer_free(&out);
}

static void test_json_nul(void)
{
    newsmine_buffer out = {0};
    /* an escaped backslash followed by "u0000" is not a NUL escape */
    const char *kept = "{\"a\":\"\\\\u0000\"}";
    CHECK(csv_put_json(CSV_FORMAT_TSV, &out, kept, strlen(kept), true));
    CHECK_MEM(out.data, out.len, "{\"a\":\"\\\\\\\\u0000\"}\n");
    out.len = 0;
    const char *two = "[\"\\u0000\",\"a\\u0000b\\u00001\"]";
    CHECK(csv_put_json(CSV_FORMAT_CSV, &out, two, strlen(two), true));
    CHECK_MEM(out.data, out.len, "\"[\"\"\\ufffd\"\",\"\"a\\ufffdb\\ufffd1\"\"]\"\n");
    newsmine_buffer_free(&out);
}

static void test_header_and_names(void)
{
    newsmine_buffer out = {0};
    CHECK(csv_write_header(CSV_FORMAT_CSV, false, &out));
    CHECK(csv_write_header(CSV_FORMAT_TSV, true, &out));
    CHECK_MEM(out.data, out.len,
              "id,doc,type,start,end,text,norm,rule\nid\tmetadata\ttext\trepaired\n");
    newsmine_buffer_free(&out);
    csv_format f;
    CHECK(csv_format_parse("csv", &f) && f == CSV_FORMAT_CSV);
    CHECK(csv_format_parse("tsv", &f) && f == CSV_FORMAT_TSV);
    CHECK(!csv_format_parse("jsonl", &f));
}

/* A bad entity writes nothing at all, not even the good rows before it. */
static void test_all_or_nothing(void)
{
    newsmine_doc d = make_doc(NULL);
    newsmine_entity e[2];
    make_entities(e);
    e[1].end_byte = 99;
    newsmine_buffer out = {0};
    CHECK(csv_put_text(CSV_FORMAT_CSV, &out, "x", 1, true));
    CHECK(!csv_write_entities(CSV_FORMAT_CSV, &d, e, 2, &out));
    CHECK_MEM(out.data, out.len, "x\n");
    newsmine_buffer_free(&out);
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_csv_entities), TEST(test_tsv_entities),     TEST(test_documents),
        TEST(test_special_fields), TEST(test_json_nul),       TEST(test_header_and_names),
        TEST(test_all_or_nothing)};
    return testlib_run(cases, sizeof cases / sizeof *cases);
}
