/* Tests for src/emit.c: the JSON Lines records of docs/schema.md. Every
 * expected line is written out by hand; every line produced is also parsed
 * with cJSON and its keys checked in the schema's order. */
#include "newsmine.h"
#include "testlib.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static newsmine_doc make_doc(const char *id, const char *text, const char *meta, size_t repaired)
{
    newsmine_doc d = {id,   strlen(id), text, strlen(text), meta, meta ? strlen(meta) : 0,
                      NULL, 1,          repaired};
    return d;
}

/* An entity over bytes [sb, eb) of the text, with code point offsets s, e. */
static newsmine_entity make_entity(newsmine_type type, size_t s, size_t e, size_t sb, size_t eb,
                                   const char *norm, const char *rule)
{
    newsmine_entity ent = {type, s, e, sb, eb, rule, norm, strlen(norm)};
    return ent;
}

/* Checks that obj has exactly the keys in want (NULL-ended), in that order. */
static bool keys_in_order(const cJSON *obj, const char *const *want)
{
    const cJSON *c = obj ? obj->child : NULL;
    size_t i = 0;
    for (; c && want[i]; c = c->next, i++)
        if (!c->string || strcmp(c->string, want[i]) != 0) return false;
    return !c && !want[i];
}

static const char *const entity_keys[] = {"doc", "type", "start", "end", "text", "norm", "rule",
                                          NULL};
static const char *const entity_keys_repaired[] = {"doc",  "type", "start",    "end", "text",
                                                   "norm", "rule", "repaired", NULL};
static const char *const inner_keys[] = {"type", "start", "end", "text", "norm", "rule", NULL};

/* Splits out into lines, checks each ends with '\n' and parses as a JSON
 * object; returns the number of lines, or -1. */
static int check_lines(const newsmine_buffer *out, cJSON **objs, int max)
{
    int n = 0;
    const char *p = out->data ? out->data : "";
    const char *end = p + out->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || n == max) return -1;
        const char *parse_end = NULL;
        cJSON *obj = cJSON_ParseWithLengthOpts(p, (size_t)(nl - p), &parse_end, 0);
        if (!cJSON_IsObject(obj) || parse_end != nl) {
            testlib_fail(__FILE__, __LINE__, "not one JSON object: %.*s", (int)(nl - p), p);
            cJSON_Delete(obj);
            return -1;
        }
        objs[n++] = obj;
        p = nl + 1;
    }
    return n;
}

static void free_objs(cJSON **objs, int n)
{
    for (int i = 0; i < n; i++)
        cJSON_Delete(objs[i]);
}

static const char *get_string(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static double get_number(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* -------------------------------------------------------- entity records */

static void test_entity_records(void)
{
    /* "Kazakhstan sent 139 officers to Syria." */
    const char *text = "Kazakhstan sent 139 officers to Syria.";
    newsmine_doc doc = make_doc("seed-000", text, "{}", 0);
    newsmine_entity ents[3] = {
        make_entity(NEWSMINE_PLACE, 0, 10, 0, 10, "{\"kind\":\"country\",\"country\":\"KZ\"}",
                    "en/places:countries"),
        make_entity(NEWSMINE_COUNT, 16, 28, 16, 28,
                    "{\"value\":139,\"noun\":\"officers\",\"category\":\"personnel\"}",
                    "en/count:number_noun"),
        make_entity(NEWSMINE_PLACE, 32, 37, 32, 37, "{\"kind\":\"country\",\"country\":\"SY\"}",
                    "en/places:countries"),
    };
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, ents, 3, NULL, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len,
              "{\"doc\":\"seed-000\",\"type\":\"place\",\"start\":0,\"end\":10,\"text\":"
              "\"Kazakhstan\",\"norm\":{\"kind\":\"country\",\"country\":\"KZ\"},\"rule\":"
              "\"en/places:countries\"}\n"
              "{\"doc\":\"seed-000\",\"type\":\"count\",\"start\":16,\"end\":28,\"text\":"
              "\"139 officers\",\"norm\":{\"value\":139,\"noun\":\"officers\",\"category\":"
              "\"personnel\"},\"rule\":\"en/count:number_noun\"}\n"
              "{\"doc\":\"seed-000\",\"type\":\"place\",\"start\":32,\"end\":37,\"text\":"
              "\"Syria\",\"norm\":{\"kind\":\"country\",\"country\":\"SY\"},\"rule\":"
              "\"en/places:countries\"}\n");
    CHECK(out.data[out.len] == '\0');

    cJSON *objs[8];
    int n = check_lines(&out, objs, 8);
    CHECK_INT(n, 3);
    for (int i = 0; i < n; i++) {
        CHECK(keys_in_order(objs[i], entity_keys));
        CHECK_STR(get_string(objs[i], "doc"), "seed-000");
        /* text == doc_text[start:end] */
        size_t s = (size_t)get_number(objs[i], "start"), e = (size_t)get_number(objs[i], "end");
        CHECK_MEM(text + s, e - s, get_string(objs[i], "text"));
    }
    if (n == 3) CHECK_STR(get_string(objs[1], "type"), "count");
    free_objs(objs, n > 0 ? n : 0);
    newsmine_buffer_free(&out);
}

/* With ENTITIES a document without entities gives no line at all. */
static void test_no_entities_no_line(void)
{
    newsmine_doc doc = make_doc("d", "nothing here", "{}", 0);
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, NULL, 0, NULL, &out), NEWSMINE_OK);
    CHECK_INT(out.len, 0);
    newsmine_emit_options opts = {NEWSMINE_EMIT_ENTITIES, 1};
    CHECK_INT(newsmine_emit(&doc, NULL, 0, &opts, &out), NEWSMINE_OK);
    CHECK_INT(out.len, 0);
    newsmine_buffer_free(&out);
}

/* Records are appended: what the buffer held stays. */
static void test_appends(void)
{
    newsmine_doc doc = make_doc("a", "Mali", "{}", 0);
    newsmine_entity e = make_entity(NEWSMINE_PLACE, 0, 4, 0, 4, "{}", "f:r");
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, &e, 1, NULL, &out), NEWSMINE_OK);
    size_t first = out.len;
    CHECK_INT(newsmine_emit(&doc, &e, 1, NULL, &out), NEWSMINE_OK);
    CHECK_INT(out.len, 2 * first);
    CHECK(memcmp(out.data, out.data + first, first) == 0);
    CHECK_MEM(out.data, first,
              "{\"doc\":\"a\",\"type\":\"place\",\"start\":0,\"end\":4,\"text\":\"Mali\","
              "\"norm\":{},\"rule\":\"f:r\"}\n");
    newsmine_buffer_free(&out);
}

static void test_entity_repaired(void)
{
    /* U+FFFD is three bytes and one code point */
    const char *text = "\xEF\xBF\xBD Mali";
    newsmine_doc doc = make_doc("r:1", text, "{}", 2);
    newsmine_entity e = make_entity(NEWSMINE_PLACE, 2, 6, 4, 8, "{\"kind\":\"country\"}",
                                    "en/places:countries");
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, &e, 1, NULL, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len,
              "{\"doc\":\"r:1\",\"type\":\"place\",\"start\":2,\"end\":6,\"text\":\"Mali\","
              "\"norm\":{\"kind\":\"country\"},\"rule\":\"en/places:countries\",\"repaired\":2}"
              "\n");
    cJSON *objs[2];
    int n = check_lines(&out, objs, 2);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK(keys_in_order(objs[0], entity_keys_repaired));
        CHECK(get_number(objs[0], "repaired") == 2);
    }
    free_objs(objs, n > 0 ? n : 0);
    newsmine_buffer_free(&out);
}

/* ------------------------------------------------------ document records */

static void test_document_record(void)
{
    const char *text = "Troops left Mali.";
    newsmine_doc doc = make_doc("42", text, "{\"source\":\"wire\",\"tags\":[\"a\",1],\"n\":null}",
                                0);
    newsmine_entity e = make_entity(NEWSMINE_PLACE, 12, 16, 12, 16, "{\"kind\":\"country\"}",
                                    "en/places:countries");
    newsmine_emit_options opts = {NEWSMINE_EMIT_DOCUMENTS, 0};
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, &e, 1, &opts, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len,
              "{\"doc\":\"42\",\"source\":\"wire\",\"tags\":[\"a\",1],\"n\":null,\"entities\":["
              "{\"type\":\"place\",\"start\":12,\"end\":16,\"text\":\"Mali\",\"norm\":{\"kind\":"
              "\"country\"},\"rule\":\"en/places:countries\"}]}\n");
    cJSON *objs[2];
    int n = check_lines(&out, objs, 2);
    CHECK_INT(n, 1);
    if (n == 1) {
        static const char *const keys[] = {"doc", "source", "tags", "n", "entities", NULL};
        CHECK(keys_in_order(objs[0], keys));
        const cJSON *ents = cJSON_GetObjectItemCaseSensitive(objs[0], "entities");
        CHECK(cJSON_IsArray(ents) && cJSON_GetArraySize(ents) == 1);
        CHECK(keys_in_order(cJSON_GetArrayItem(ents, 0), inner_keys));
    }
    free_objs(objs, n > 0 ? n : 0);
    newsmine_buffer_free(&out);
}

/* A document record is one line even without entities; "{}" metadata (or
 * none at all) adds no members. */
static void test_document_without_entities(void)
{
    newsmine_emit_options opts = {NEWSMINE_EMIT_DOCUMENTS, 0};
    newsmine_buffer out = {0};
    newsmine_doc doc = make_doc("stdin:3", "quiet day", "{}", 0);
    CHECK_INT(newsmine_emit(&doc, NULL, 0, &opts, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "{\"doc\":\"stdin:3\",\"entities\":[]}\n");
    out.len = 0;
    doc.meta = NULL;
    doc.meta_len = 0;
    CHECK_INT(newsmine_emit(&doc, NULL, 0, &opts, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "{\"doc\":\"stdin:3\",\"entities\":[]}\n");
    out.len = 0;
    doc = make_doc("x", "t", "{ }", 0);
    CHECK_INT(newsmine_emit(&doc, NULL, 0, &opts, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "{\"doc\":\"x\",\"entities\":[]}\n");
    newsmine_buffer_free(&out);
}

static void test_document_store_text_and_repaired(void)
{
    const char *text = "A\xEF\xBF\xBD \"Gaza\"\n";
    newsmine_doc doc = make_doc("g", text, "{\"date\":\"2024-03-15\"}", 1);
    newsmine_entity ents[2] = {
        make_entity(NEWSMINE_PLACE, 4, 8, 6, 10, "{\"kind\":\"region\"}", "p:g"),
        make_entity(NEWSMINE_PLACE, 4, 8, 6, 10, "{\"kind\":\"region\"}", "p:g"),
    };
    newsmine_emit_options opts = {NEWSMINE_EMIT_DOCUMENTS, 1};
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, ents, 2, &opts, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len,
              "{\"doc\":\"g\",\"date\":\"2024-03-15\",\"repaired\":1,\"text\":\"A\xEF\xBF\xBD "
              "\\\"Gaza\\\"\\n\",\"entities\":["
              "{\"type\":\"place\",\"start\":4,\"end\":8,\"text\":\"Gaza\",\"norm\":{\"kind\":"
              "\"region\"},\"rule\":\"p:g\"},"
              "{\"type\":\"place\",\"start\":4,\"end\":8,\"text\":\"Gaza\",\"norm\":{\"kind\":"
              "\"region\"},\"rule\":\"p:g\"}]}\n");
    cJSON *objs[2];
    int n = check_lines(&out, objs, 2);
    CHECK_INT(n, 1);
    if (n == 1) {
        static const char *const keys[] = {"doc", "date", "repaired", "text", "entities", NULL};
        CHECK(keys_in_order(objs[0], keys));
        CHECK_STR(get_string(objs[0], "text"), text);
        const cJSON *ents_json = cJSON_GetObjectItemCaseSensitive(objs[0], "entities");
        CHECK(cJSON_GetArraySize(ents_json) == 2);
        for (int i = 0; i < cJSON_GetArraySize(ents_json); i++)
            CHECK(keys_in_order(cJSON_GetArrayItem(ents_json, i), inner_keys));
    }
    free_objs(objs, n > 0 ? n : 0);
    newsmine_buffer_free(&out);
}

/* -------------------------------------------------------------- escaping */

static void test_escaping(void)
{
    /* quotes, backslashes, every control character class, DEL, non-ASCII */
    const char text[] = "\"q\" \\b\\ \x01\x1f\t\n\r\b\f\x7f é Привет 😀 \xE2\x80\xA8";
    newsmine_doc doc = make_doc("id \"1\"\\\x02", text, "{}", 0);
    newsmine_entity e = make_entity(NEWSMINE_PERSON, 0, 0, 0, sizeof text - 1, "{}", "r\"x:\\y");
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, &e, 1, NULL, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len,
              "{\"doc\":\"id \\\"1\\\"\\\\\\u0002\",\"type\":\"person\",\"start\":0,\"end\":0,"
              "\"text\":\"\\\"q\\\" \\\\b\\\\ \\u0001\\u001f\\t\\n\\r\\u0008\\u000c\x7f é Привет "
              "😀 \xE2\x80\xA8\",\"norm\":{},\"rule\":\"r\\\"x:\\\\y\"}\n");
    cJSON *objs[2];
    int n = check_lines(&out, objs, 2);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK(keys_in_order(objs[0], entity_keys));
        CHECK_STR(get_string(objs[0], "text"), text); /* round trip */
        CHECK_STR(get_string(objs[0], "doc"), "id \"1\"\\\x02");
        CHECK_STR(get_string(objs[0], "rule"), "r\"x:\\y");
    }
    free_objs(objs, n > 0 ? n : 0);
    newsmine_buffer_free(&out);
}

/* Every byte below 0x20 comes back through a JSON parser unchanged. */
static void test_all_control_characters_round_trip(void)
{
    char text[34];
    for (int i = 1; i < 32; i++)
        text[i - 1] = (char)i;
    text[31] = '"';
    text[32] = '\\';
    text[33] = '\0';
    newsmine_doc doc = make_doc("c", text, "{}", 0);
    newsmine_entity e = make_entity(NEWSMINE_ORG, 0, 33, 0, 33, "{\"name\":\"x\"}", "o:n");
    newsmine_emit_options opts = {NEWSMINE_EMIT_DOCUMENTS, 1};
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, &e, 1, &opts, &out), NEWSMINE_OK);
    /* no raw control byte in the output but the final newline */
    for (size_t i = 0; i + 1 < out.len; i++)
        CHECK((unsigned char)out.data[i] >= 0x20);
    cJSON *objs[2];
    int n = check_lines(&out, objs, 2);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(get_string(objs[0], "text"), text);
        const cJSON *ents = cJSON_GetObjectItemCaseSensitive(objs[0], "entities");
        CHECK_STR(get_string(cJSON_GetArrayItem(ents, 0), "text"), text);
    }
    free_objs(objs, n > 0 ? n : 0);
    newsmine_buffer_free(&out);
}

/* An id with a NUL byte inside is written whole (id_len counts). */
static void test_id_length_counts(void)
{
    newsmine_doc doc = make_doc("ab", "x", "{}", 0);
    doc.id_len = 1;
    newsmine_emit_options opts = {NEWSMINE_EMIT_DOCUMENTS, 0};
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(&doc, NULL, 0, &opts, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "{\"doc\":\"a\",\"entities\":[]}\n");
    newsmine_buffer_free(&out);
}

static void test_every_type_name(void)
{
    static const char *const names[NEWSMINE_TYPE_COUNT] = {
        "place", "count", "rank", "unit", "date", "quantity", "person", "org"};
    newsmine_doc doc = make_doc("t", "x", "{}", 0);
    for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++) {
        newsmine_entity e = make_entity((newsmine_type)t, 0, 1, 0, 1, "{}", "f:r");
        newsmine_buffer out = {0};
        CHECK_INT(newsmine_emit(&doc, &e, 1, NULL, &out), NEWSMINE_OK);
        char want[200];
        snprintf(want, sizeof want,
                 "{\"doc\":\"t\",\"type\":\"%s\",\"start\":0,\"end\":1,\"text\":\"x\",\"norm\":{},"
                 "\"rule\":\"f:r\"}\n",
                 names[t]);
        CHECK_MEM(out.data, out.len, want);
        newsmine_buffer_free(&out);
    }
}

/* Bad arguments are refused and leave the buffer as it was. */
static void test_bad_arguments(void)
{
    newsmine_doc doc = make_doc("d", "Mali", "{}", 0);
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_emit(NULL, NULL, 0, NULL, &out), NEWSMINE_ERR_ARG);
    CHECK_INT(newsmine_emit(&doc, NULL, 0, NULL, NULL), NEWSMINE_ERR_ARG);
    CHECK_INT(newsmine_emit(&doc, NULL, 1, NULL, &out), NEWSMINE_ERR_ARG);
    CHECK_INT(out.len, 0);

    newsmine_entity ok = make_entity(NEWSMINE_PLACE, 0, 4, 0, 4, "{}", "f:r");
    CHECK_INT(newsmine_emit(&doc, &ok, 1, NULL, &out), NEWSMINE_OK);
    size_t before = out.len;
    newsmine_entity bad[2] = {ok, ok};
    bad[1].type = NEWSMINE_TYPE_COUNT; /* no such type */
    CHECK_INT(newsmine_emit(&doc, bad, 2, NULL, &out), NEWSMINE_ERR_ARG);
    CHECK_INT(out.len, before);
    bad[1] = ok;
    bad[1].end_byte = 5; /* past the text */
    CHECK_INT(newsmine_emit(&doc, bad, 2, NULL, &out), NEWSMINE_ERR_ARG);
    CHECK_INT(out.len, before);
    bad[1] = ok;
    bad[1].start_byte = 3;
    bad[1].end_byte = 2; /* backwards */
    newsmine_emit_options opts = {NEWSMINE_EMIT_DOCUMENTS, 0};
    CHECK_INT(newsmine_emit(&doc, bad, 2, &opts, &out), NEWSMINE_ERR_ARG);
    CHECK_INT(out.len, before);
    newsmine_buffer_free(&out);
}

static void test_deterministic(void)
{
    const char *text = "Dozens of soldiers reached Goma.";
    newsmine_doc doc = make_doc("det", text, "{\"k\":1}", 0);
    newsmine_entity ents[2] = {
        make_entity(NEWSMINE_COUNT, 0, 18, 0, 18, "{\"value\":24,\"approx\":true}", "c:v"),
        make_entity(NEWSMINE_PLACE, 27, 31, 27, 31, "{}", "p:c"),
    };
    for (int mode = 0; mode < 2; mode++) {
        newsmine_emit_options opts = {(newsmine_emit_mode)mode, 1};
        newsmine_buffer a = {0}, b = {0};
        CHECK_INT(newsmine_emit(&doc, ents, 2, &opts, &a), NEWSMINE_OK);
        CHECK_INT(newsmine_emit(&doc, ents, 2, &opts, &b), NEWSMINE_OK);
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        newsmine_buffer_free(&a);
        newsmine_buffer_free(&b);
    }
}

static void test_buffer_append_uint(void)
{
    newsmine_buffer b = {0};
    CHECK_INT(newsmine_buffer_append_uint(&b, 0), NEWSMINE_OK);
    CHECK_INT(newsmine_buffer_append(&b, " ", 1), NEWSMINE_OK);
    CHECK_INT(newsmine_buffer_append_uint(&b, 1234567890), NEWSMINE_OK);
    CHECK_INT(newsmine_buffer_append(&b, " ", 1), NEWSMINE_OK);
    CHECK_INT(newsmine_buffer_append_uint(&b, UINT64_MAX), NEWSMINE_OK);
    CHECK_STR(b.data, "0 1234567890 18446744073709551615");
    newsmine_buffer_free(&b);
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_entity_records),
        TEST(test_no_entities_no_line),
        TEST(test_appends),
        TEST(test_entity_repaired),
        TEST(test_document_record),
        TEST(test_document_without_entities),
        TEST(test_document_store_text_and_repaired),
        TEST(test_escaping),
        TEST(test_all_control_characters_round_trip),
        TEST(test_id_length_counts),
        TEST(test_every_type_name),
        TEST(test_bad_arguments),
        TEST(test_deterministic),
        TEST(test_buffer_append_uint),
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
