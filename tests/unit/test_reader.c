/* Tests for src/reader.c. Every input is fed in chunks of 1, 2, 3, 5 and 7
 * bytes and whole; what the callbacks receive (a log line per document or
 * rejection) must be the same bytes for every chunking and equal to the
 * expected log written out by hand below. */
#include "jsonl.h"
#include "newsmine.h"
#include "testlib.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#define R "\xEF\xBF\xBD" /* U+FFFD */

/* ------------------------------------------------------------ helpers */

typedef struct recorder {
    newsmine_buffer log;
    unsigned long long docs, rejections;
    unsigned long long stop_at_doc;    /* return non-zero on this document (1-based), 0: never */
    unsigned long long stop_at_reject; /* likewise for rejections */
} recorder;

/* doc ID|line N|repaired N|date D|meta M|TEXT */
static int on_doc(void *user, const newsmine_doc *d)
{
    recorder *rec = user;
    rec->docs++;
    CHECK(d->id[d->id_len] == '\0');
    CHECK(d->text[d->text_len] == '\0');
    CHECK(d->meta_len >= 2 && d->meta[0] == '{' && d->meta[d->meta_len - 1] == '}');
    newsmine_buffer_printf(&rec->log, "doc %.*s|line %llu|repaired %zu|date %s|meta %.*s|",
                           (int)d->id_len, d->id, d->line, d->repaired, d->date ? d->date : "-",
                           (int)d->meta_len, d->meta);
    newsmine_buffer_append(&rec->log, d->text, d->text_len);
    newsmine_buffer_putc(&rec->log, '\n');
    return rec->stop_at_doc && rec->docs == rec->stop_at_doc;
}

/* reject SOURCE:LINE|REASON|RAW */
static int on_reject(void *user, const newsmine_rejection *rj)
{
    recorder *rec = user;
    rec->rejections++;
    newsmine_buffer_printf(&rec->log, "reject %s:%llu|%s|", rj->source, rj->line, rj->reason);
    if (rj->raw_len) newsmine_buffer_append(&rec->log, rj->raw, rj->raw_len);
    newsmine_buffer_putc(&rec->log, '\n');
    return rec->stop_at_reject && rec->rejections == rec->stop_at_reject;
}

/* Feeds n bytes in chunks of chunk bytes (0: whole) and finishes. Returns
 * the first status other than OK, or OK; fills rec. */
static bool cjson_only; /* every JSON line read by cJSON (jsonl.h) */

static newsmine_status read_all(const newsmine_reader_options *opts, const char *in, size_t n,
                                size_t chunk, recorder *rec)
{
    newsmine_reader *r = NULL;
    newsmine_error err;
    newsmine_status st = newsmine_reader_new(opts, on_doc, on_reject, rec, &r, &err);
    if (st) return st;
    newsmine_reader_set_cjson_only(r, cjson_only);
    if (chunk == 0) chunk = n ? n : 1;
    for (size_t off = 0; !st && off < n; off += chunk)
        st = newsmine_reader_feed(r, in + off, n - off < chunk ? n - off : chunk, &err);
    if (!st) st = newsmine_reader_finish(r, &err);
    CHECK_INT(newsmine_reader_documents(r), rec->docs);
    CHECK_INT(newsmine_reader_rejections(r), rec->rejections);
    newsmine_reader_free(r);
    return st;
}

static const size_t chunk_sizes[] = {1, 2, 3, 5, 7, 0};

static void check_read(int line, const newsmine_reader_options *opts, const char *in, size_t n,
                       const char *want)
{
    for (size_t i = 0; i < sizeof chunk_sizes / sizeof *chunk_sizes; i++) {
        recorder rec = {{0}, 0, 0, 0, 0};
        newsmine_status st = read_all(opts, in, n, chunk_sizes[i], &rec);
        const char *got = rec.log.data ? rec.log.data : "";
        if (st != NEWSMINE_OK)
            testlib_fail(__FILE__, line, "chunk %zu: status %d", chunk_sizes[i], (int)st);
        if (strlen(got) != rec.log.len || strcmp(got, want) != 0)
            testlib_fail(__FILE__, line, "chunk %zu:\n--- got\n%s--- want\n%s---",
                         chunk_sizes[i], got, want);
        newsmine_buffer_free(&rec.log);
    }
}

#define CHECK_READ(opts, in, want) check_read(__LINE__, (opts), (in), sizeof(in) - 1, (want))

static newsmine_reader_options options(newsmine_input_format format)
{
    newsmine_reader_options o = {0};
    o.format = format;
    o.source = "in";
    return o;
}

/* ------------------------------------------------------------------ text */

static void test_text_utf8(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    CHECK_READ(&o, "Привет, Kazakhstan.\nSecond line 😀.\n",
               "doc in|line 1|repaired 0|date -|meta {}|Привет, Kazakhstan.\nSecond line 😀.\n\n");
    /* the text is kept as given: CRLF, blank lines, leading space */
    CHECK_READ(&o, "  Hello\r\n\r\nworld\r\n",
               "doc in|line 1|repaired 0|date -|meta {}|  Hello\r\n\r\nworld\r\n\n");
    CHECK_READ(&o, "no newline at the end",
               "doc in|line 1|repaired 0|date -|meta {}|no newline at the end\n");
    /* a line of JSON is text in TEXT mode */
    CHECK_READ(&o, "{\"text\":\"x\"}\n", "doc in|line 1|repaired 0|date -|meta {}|{\"text\":\"x\"}\n\n");
}

static void test_text_invalid_utf8(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    /* a lone continuation byte, an invalid byte, a surrogate (three maximal
     * subparts), and a sequence cut by the end of the input */
    CHECK_READ(&o, "a\x80" "b\xFF" "c\xED\xA0\x80" "d\xE2\x82",
               "doc in|line 1|repaired 6|date -|meta {}|a" R "b" R "c" R R R "d" R "\n");
}

static void test_text_utf16le_bom(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    CHECK_READ(&o, "\xFF\xFE" "M\0a\0l\0i\0\r\0\n\0\x1F\x04=\x04\x3D\xD8\x00\xDE",
               "doc in|line 1|repaired 0|date -|meta {}|Mali\r\nПн😀\n");
    /* the BOM overrides the encoding named */
    o.encoding = "CP1251";
    CHECK_READ(&o, "\xFF\xFE" "O\0K\0", "doc in|line 1|repaired 0|date -|meta {}|OK\n");
    /* an unpaired surrogate is one U+FFFD */
    o.encoding = NULL;
    CHECK_READ(&o, "\xFF\xFE" "a\0\x00\xD8" "b\0", "doc in|line 1|repaired 1|date -|meta {}|a" R "b\n");
}

static void test_text_cp1251(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    o.encoding = "CP1251";
    /* 0x98 is undefined in CP1251 */
    CHECK_READ(&o, "\xCF\xF0\xE8\xE2\xE5\xF2, \xEC\xE8\xF0!\n\x98",
               "doc in|line 1|repaired 1|date -|meta {}|Привет, мир!\n" R "\n");
}

static void test_text_utf8_bom_removed(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    CHECK_READ(&o, "\xEF\xBB\xBFMali", "doc in|line 1|repaired 0|date -|meta {}|Mali\n");
    CHECK_READ(&o, "\xEF\xBB\xBF", ""); /* a BOM alone is empty input */
}

static void test_empty_input(void)
{
    static const newsmine_input_format formats[] = {NEWSMINE_INPUT_TEXT, NEWSMINE_INPUT_LINES,
                                                    NEWSMINE_INPUT_JSONL, NEWSMINE_INPUT_SNIFF};
    for (size_t i = 0; i < 4; i++) {
        newsmine_reader_options o = options(formats[i]);
        CHECK_READ(&o, "", "");
        if (formats[i] != NEWSMINE_INPUT_TEXT && formats[i] != NEWSMINE_INPUT_SNIFF) {
            CHECK_READ(&o, "\n\r\n  \n\t\n", ""); /* only blank lines */
        }
    }
    /* finish without any feed */
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    recorder rec = {{0}, 0, 0, 0, 0};
    newsmine_reader *r = NULL;
    CHECK_INT(newsmine_reader_new(&o, on_doc, on_reject, &rec, &r, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_finish(r, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_documents(r), 0);
    CHECK_INT(newsmine_reader_rejections(r), 0);
    CHECK_INT(rec.log.len, 0);
    newsmine_reader_free(r);
}

/* ----------------------------------------------------------------- lines */

static void test_lines(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_LINES);
    CHECK_READ(&o, "first\r\n\r\n   \n\tsecond \nПривет\nlast",
               "doc in:1|line 1|repaired 0|date -|meta {}|first\n"
               "doc in:4|line 4|repaired 0|date -|meta {}|\tsecond \n"
               "doc in:5|line 5|repaired 0|date -|meta {}|Привет\n"
               "doc in:6|line 6|repaired 0|date -|meta {}|last\n");
    /* invalid UTF-8 is repaired and counted per line */
    CHECK_READ(&o, "ok\n\xE2\x82\nx\xFF\xFEy\n",
               "doc in:1|line 1|repaired 0|date -|meta {}|ok\n"
               "doc in:2|line 2|repaired 1|date -|meta {}|" R "\n"
               "doc in:3|line 3|repaired 2|date -|meta {}|x" R R "y\n");
    /* a line that is a JSON object is still text */
    CHECK_READ(&o, "{\"text\":\"x\"}\n",
               "doc in:1|line 1|repaired 0|date -|meta {}|{\"text\":\"x\"}\n");
    /* a last line ending in CR alone */
    CHECK_READ(&o, "a\nb\r", "doc in:1|line 1|repaired 0|date -|meta {}|a\n"
                             "doc in:2|line 2|repaired 0|date -|meta {}|b\n");
}

static void test_lines_encodings(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_LINES);
    CHECK_READ(&o, "\xFF\xFE" "a\0\r\0\n\0\n\0\x1F\x04\n\0",
               "doc in:1|line 1|repaired 0|date -|meta {}|a\n"
               "doc in:3|line 3|repaired 0|date -|meta {}|П\n");
    o.encoding = "CP1251";
    CHECK_READ(&o, "\xCF\xF0\xE8\r\n\x98x\n",
               "doc in:1|line 1|repaired 0|date -|meta {}|При\n"
               "doc in:2|line 2|repaired 1|date -|meta {}|" R "x\n");
}

static void test_default_source_is_stdin(void)
{
    newsmine_reader_options o = {0};
    o.format = NEWSMINE_INPUT_LINES;
    CHECK_READ(&o, "x\n", "doc stdin:1|line 1|repaired 0|date -|meta {}|x\n");
    o.format = NEWSMINE_INPUT_TEXT;
    CHECK_READ(&o, "x", "doc stdin|line 1|repaired 0|date -|meta {}|x\n");
    /* NULL options: TEXT from stdin */
    recorder rec = {{0}, 0, 0, 0, 0};
    newsmine_reader *r = NULL;
    CHECK_INT(newsmine_reader_new(NULL, on_doc, on_reject, &rec, &r, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_feed(r, "a\nb", 3, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_finish(r, NULL), NEWSMINE_OK);
    CHECK_MEM(rec.log.data, rec.log.len, "doc stdin|line 1|repaired 0|date -|meta {}|a\nb\n");
    newsmine_reader_free(r);
    newsmine_buffer_free(&rec.log);
}

/* ----------------------------------------------------------------- JSONL */

static void test_jsonl(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    CHECK_READ(&o,
               "{\"id\":\"a-1\",\"text\":\"Troops in Mali.\",\"source\":\"wire\",\"tags\":[\"x\",2],"
               "\"n\":null}\n"
               "{\"text\":\"no id\"}\n"
               "\n"
               "{\"id\":42,\"text\":\"numeric id\"}\n"
               "{\"id\":2.5,\"text\":\"fraction\"}\n"
               "{\"id\":-7,\"text\":\"negative\"}\n"
               "{\"id\":null,\"text\":\"null id\"}\n"
               "   {\"text\" : \"spaces\" , \"id\" : \"s\" }   \r\n"
               "{\"text\":\"a\\\"b\\\\c\\u00e9\\n\\ud83d\\ude00\"}\n"
               "{\"id\":\"last\",\"text\":\"no newline\"}",
               "doc a-1|line 1|repaired 0|date -|meta {\"source\":\"wire\",\"tags\":[\"x\",2],"
               "\"n\":null}|Troops in Mali.\n"
               "doc in:2|line 2|repaired 0|date -|meta {}|no id\n"
               "doc 42|line 4|repaired 0|date -|meta {}|numeric id\n"
               "doc 2.5|line 5|repaired 0|date -|meta {}|fraction\n"
               "doc -7|line 6|repaired 0|date -|meta {}|negative\n"
               "doc in:7|line 7|repaired 0|date -|meta {}|null id\n"
               "doc s|line 8|repaired 0|date -|meta {}|spaces\n"
               "doc in:9|line 9|repaired 0|date -|meta {}|a\"b\\cé\n😀\n"
               "doc last|line 10|repaired 0|date -|meta {}|no newline\n");
}

static void test_jsonl_rejections(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    CHECK_READ(&o,
               "{bad\n"
               "{\"id\":\"x\"}\n"
               "{\"text\":7}\n"
               "{\"text\":null}\n"
               "{\"text\":[\"a\"]}\n"
               "[1,2]\n"
               "\"just a string\"\n"
               "42\n"
               "{\"text\":\"ok\"} trailing\n"
               "{\"text\":\"cut\"\n"
               "{\"text\":\"a\\u0000b\"}\n"
               "{\"text\":\"fine\"}\n"
               "{\"text\":\"cut \\uZZZZ short\"}\n"
               "{\"text\":\"a \\\\uZZZZ is no escape\"}\n",
               "reject in:1|malformed JSON near column 3|{bad\n"
               "reject in:2|no \"text\" field|{\"id\":\"x\"}\n"
               "reject in:3|\"text\" is not a string|{\"text\":7}\n"
               "reject in:4|\"text\" is not a string|{\"text\":null}\n"
               "reject in:5|\"text\" is not a string|{\"text\":[\"a\"]}\n"
               "reject in:6|a JSON line must be an object|[1,2]\n"
               "reject in:7|a JSON line must be an object|\"just a string\"\n"
               "reject in:8|a JSON line must be an object|42\n"
               "reject in:9|malformed JSON near column 15|{\"text\":\"ok\"} trailing\n"
               "reject in:10|malformed JSON near column 13|{\"text\":\"cut\"\n"
               "reject in:11|\\u0000 (NUL) in a JSON string is not supported|"
               "{\"text\":\"a\\u0000b\"}\n"
               "doc in:12|line 12|repaired 0|date -|meta {}|fine\n"
               "reject in:13|\\u without four hex digits in a JSON string|"
               "{\"text\":\"cut \\uZZZZ short\"}\n"
               "doc in:14|line 14|repaired 0|date -|meta {}|a \\uZZZZ is no escape\n");
    /* the raw bytes of a rejected line are as read, before repair */
    CHECK_READ(&o, "{\"text\":\"\xFF\"\n", "reject in:1|malformed JSON near column 11|{\"text\":\"\xFF\"\n");
}

static void test_jsonl_invalid_utf8(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    CHECK_READ(&o, "{\"id\":\"u\",\"text\":\"caf\xC3\xA9 \xFF\xC3\"}\r\n",
               "doc u|line 1|repaired 2|date -|meta {}|café " R R "\n");
}

static void test_jsonl_date_field(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    o.date_field = "published";
    CHECK_READ(&o,
               "{\"id\":\"d1\",\"text\":\"t\",\"published\":\"2024-03-15\",\"lang\":\"en\"}\n"
               "{\"id\":\"d2\",\"text\":\"t\",\"published\":20240315}\n"
               "{\"id\":\"d3\",\"text\":\"t\"}\n",
               "doc d1|line 1|repaired 0|date 2024-03-15|meta {\"published\":\"2024-03-15\","
               "\"lang\":\"en\"}|t\n"
               "doc d2|line 2|repaired 0|date -|meta {\"published\":20240315}|t\n"
               "doc d3|line 3|repaired 0|date -|meta {}|t\n");
    /* without the option a "date" member is only metadata */
    o.date_field = NULL;
    CHECK_READ(&o, "{\"text\":\"t\",\"date\":\"2024-01-01\"}\n",
               "doc in:1|line 1|repaired 0|date -|meta {\"date\":\"2024-01-01\"}|t\n");
}

static void test_jsonl_field_names(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    o.id_field = "guid";
    o.text_field = "body";
    CHECK_READ(&o,
               "{\"guid\":\"g1\",\"body\":\"the body\",\"id\":\"other\",\"text\":\"other\"}\n"
               "{\"id\":\"i\",\"text\":\"no body\"}\n",
               "doc g1|line 1|repaired 0|date -|meta {\"id\":\"other\",\"text\":\"other\"}|the body\n"
               "reject in:2|no \"body\" field|{\"id\":\"i\",\"text\":\"no body\"}\n");
}

/* A repeated member: the last one counts, as in Python's json and jq. */
static void test_jsonl_duplicate_members(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    CHECK_READ(&o, "{\"id\":\"a\",\"text\":\"first\",\"id\":\"b\",\"text\":\"second\"}\n",
               "doc b|line 1|repaired 0|date -|meta {}|second\n");
}

/* The flat reading of JSON lines (jsonl.c) and cJSON's give the same
 * documents and rejections, line by line: where the flat reader is unsure
 * it hands the line to cJSON, and these lines sit on both sides of that. */
static void test_jsonl_flat_same_as_cjson(void)
{
    static const char *const lines[] = {
        "{\"id\":\"a\",\"text\":\"plain\",\"title\":null,\"ok\":true,\"no\":false}",
        "{}",
        "{ }",
        " \t{\"text\":\"ws\"}\t ",
        "\x01{\"text\":\"a control byte cJSON skips\"}",
        "\xEF\xBB\xBF{\"text\":\"BOM\"}",
        "{\"text\":\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\",\"m\":\"\\u0001\\u001f \\\"\"}",
        "{\"text\":\"\\u00e9\\u20ac\\ud83d\\ude00 \\uD83D\\uDE00 \\u0041\"}",
        "{\"text\":\"lone low \\udc00\"}",
        "{\"text\":\"lone high \\ud800 x\"}",
        "{\"text\":\"high then no low \\ud800\\u0041\"}",
        "{\"text\":\"bad hex \\u12g4\"}",
        "{\"text\":\"short \\u12\"}",
        "{\"text\":\"nul \\u0000\"}",
        "{\"text\":\"t\",\"m\":\"nul in metadata \\u0000\"}",
        "{\"text\":\"bad escape \\x\"}",
        "{\"text\":\"raw\ttab and \x7f\"}",
        "{\"text\":\"t\",\"n\":1}",
        "{\"text\":\"t\",\"n\":-1.5e3}",
        "{\"text\":\"t\",\"a\":[1,\"x\"],\"o\":{\"k\":null}}",
        "{\"text\":\"t\",\"text\":\"repeated\"}",
        "{\"id\":\"x\",\"text\":\"t\",\"id\":\"y\"}",
        "{\"text\":\"t\",\"doc\":\"reserved\",\"entities\":1,\"repaired\":\"r\"}",
        "{\"text\":null}",
        "{\"text\":true}",
        "{\"id\":true,\"text\":\"id true\"}",
        "{\"id\":\"\",\"text\":\"\"}",
        "{\"\":\"empty key\",\"text\":\"t\"}",
        "{\"te\\u0078t\":\"escaped key\"}",
        "{\"text\":\"t\"} x",
        "{\"text\":\"t\",}",
        "{\"text\":\"t\" \"id\":\"x\"}",
        "{\"text\" \"t\"}",
        "{\"text\":\"t\"",
        "{\"text\":\"unterminated}",
        "{\"text\":\"ends in backslash\\",
        "{\"text\":nul}",
        "{\"text\":\"t\",\"b\":tru}",
        "{\"text\":\"t\",\"b\":falsey}",
        "{\"text\":\"t\",\"b\":nullx}",
        "{\"text\":\"t\"}}",
        "{\"text\":\"t\"}\r",
        "{\"text\":\"a\\\\\"}",
        "{\"text\":\"a\\\\\\\"b\"}",
        "{\"text\":\"invalid UTF-8 \xFF\xC3 caf\xC3\xA9\"}",
        "{\"date\":\"2024-05-01\",\"published\":\"x\",\"text\":\"dated\"}",
        "{\"date\":null,\"text\":\"null date\"}",
        "[\"text\"]",
        "\"text\"",
        "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":0,"
        "\"k\":\"\",\"l\":\"\",\"m\":\"\",\"n\":\"\",\"o\":\"\",\"p\":\"\",\"q\":\"\",\"r\":\"\","
        "\"s\":\"\",\"t\":\"\",\"u\":\"\",\"v\":\"\",\"w\":\"\",\"x\":\"\",\"y\":\"\","
        "\"z\":\"\",\"A\":\"\",\"B\":\"\",\"C\":\"\",\"D\":\"\",\"E\":\"\",\"F\":\"\","
        "\"G\":\"\",\"text\":\"33 members\"}",
    };
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    o.date_field = "date";
    size_t flat_docs = 0;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        recorder flat = {0}, tree = {0};
        cjson_only = false;
        newsmine_status a = read_all(&o, lines[i], strlen(lines[i]), 0, &flat);
        cjson_only = true;
        newsmine_status b = read_all(&o, lines[i], strlen(lines[i]), 0, &tree);
        cjson_only = false;
        CHECK_INT(a, b);
        if (!flat.log.data || !tree.log.data || strcmp(flat.log.data, tree.log.data) != 0)
            testlib_fail(__FILE__, __LINE__, "line %zu: flat %s, cJSON %s", i,
                         flat.log.data ? flat.log.data : "(nothing)",
                         tree.log.data ? tree.log.data : "(nothing)");
        flat_docs += flat.docs;
        newsmine_buffer_free(&flat.log);
        newsmine_buffer_free(&tree.log);
    }
    CHECK(flat_docs > 20);
}

static void test_jsonl_utf16(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    static const char in[] = "\xFF\xFE{\0\"\0t\0e\0x\0t\0\"\0:\0\"\0\x1F\x04\"\0}\0\n\0";
    check_read(__LINE__, &o, in, sizeof in - 1, "doc in:1|line 1|repaired 0|date -|meta {}|П\n");
}

/* ----------------------------------------------------------------- sniff */

static void test_sniff(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_SNIFF);
    CHECK_READ(&o, "\n  \r\n {\"text\":\"j\"}\n{\"text\":\"k\",\"id\":3}",
               "doc in:3|line 3|repaired 0|date -|meta {}|j\n"
               "doc 3|line 4|repaired 0|date -|meta {}|k\n");
    CHECK_READ(&o, "\n  plain {\"text\":\"j\"}\n",
               "doc in|line 1|repaired 0|date -|meta {}|\n  plain {\"text\":\"j\"}\n\n");
    CHECK_READ(&o, "\xEF\xBB\xBF{\"text\":\"bom\"}\n",
               "doc in:1|line 1|repaired 0|date -|meta {}|bom\n");
    CHECK_READ(&o, "\xFF\xFE{\0\"\0t\0e\0x\0t\0\"\0:\0\"\0x\0\"\0}\0",
               "doc in:1|line 1|repaired 0|date -|meta {}|x\n");
    CHECK_READ(&o, "  \n\t", "doc in|line 1|repaired 0|date -|meta {}|  \n\t\n");
    CHECK_READ(&o, "[1]\n", "doc in|line 1|repaired 0|date -|meta {}|[1]\n\n");
    /* JSONL from sniffing rejects as JSONL does */
    CHECK_READ(&o, "{\"text\":1}\n", "reject in:1|\"text\" is not a string|{\"text\":1}\n");
}

/* ---------------------------------------------------------- size limits */

static void test_max_doc_bytes_lines(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_LINES);
    o.max_doc_bytes = 8;
    CHECK_READ(&o, "short\n0123456789\nnext\n12345678\n123456789\n12345678\r\nlast-too-long",
               "doc in:1|line 1|repaired 0|date -|meta {}|short\n"
               "reject in:2|line longer than the document limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n"
               "doc in:3|line 3|repaired 0|date -|meta {}|next\n"
               "doc in:4|line 4|repaired 0|date -|meta {}|12345678\n"
               "reject in:5|line longer than the document limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n"
               "doc in:6|line 6|repaired 0|date -|meta {}|12345678\n"
               "reject in:7|line longer than the document limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n");
    /* two long lines in a row, then a short one */
    CHECK_READ(&o, "aaaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbbbbbb\nc\n",
               "reject in:1|line longer than the document limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n"
               "reject in:2|line longer than the document limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n"
               "doc in:3|line 3|repaired 0|date -|meta {}|c\n");
}

static void test_max_doc_bytes_jsonl(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    o.max_doc_bytes = 16;
    CHECK_READ(&o, "{\"text\":\"ok\"}\n{\"text\":\"much too long\"}\n{\"text\":\"ok2\"}\n",
               "doc in:1|line 1|repaired 0|date -|meta {}|ok\n"
               "reject in:2|line longer than the document limit of 16 bytes (--max-doc-bytes): "
               "skipped|\n"
               "doc in:3|line 3|repaired 0|date -|meta {}|ok2\n");
    /* sniffed JSONL after more blank lines than the limit */
    o.format = NEWSMINE_INPUT_SNIFF;
    CHECK_READ(&o, "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n{\"text\":\"ok\"}\n",
               "doc in:21|line 21|repaired 0|date -|meta {}|ok\n");
}

static void test_max_doc_bytes_text(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    o.max_doc_bytes = 8;
    CHECK_READ(&o, "12345678", "doc in|line 1|repaired 0|date -|meta {}|12345678\n");
    CHECK_READ(&o, "123456789",
               "reject in:1|document larger than the limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n");
    /* the limit counts decoded UTF-8 bytes: four Cyrillic letters are eight */
    CHECK_READ(&o, "ПППП", "doc in|line 1|repaired 0|date -|meta {}|ПППП\n");
    CHECK_READ(&o, "ППППx",
               "reject in:1|document larger than the limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n");
    o.format = NEWSMINE_INPUT_SNIFF;
    CHECK_READ(&o, "\n\n\n\n\n\n\n\n\n\ntext",
               "reject in:1|document larger than the limit of 8 bytes (--max-doc-bytes): "
               "skipped|\n");
}

static size_t heap_in_use(void)
{
#ifdef HAVE_MALLINFO2
    struct mallinfo2 mi = mallinfo2(); /* 0 under AddressSanitizer: the check then passes */
    return mi.uordblks + mi.hblkhd;    /* small blocks and mmap()ed ones */
#else
    return 0;
#endif
}

/* A 10 MB line fed in 64 KB chunks with a 1 MB limit: rejected, the next
 * line delivered, and the reader never holds much more than the limit. */
static void test_huge_line_bounded_memory(void)
{
    enum { CHUNK = 64 * 1024, LINE = 10 * 1024 * 1024, LIMIT = 1024 * 1024 };
    static const newsmine_input_format formats[] = {NEWSMINE_INPUT_LINES, NEWSMINE_INPUT_JSONL,
                                                    NEWSMINE_INPUT_TEXT};
    char *chunk = malloc(CHUNK);
    if (!chunk) {
        CHECK(chunk != NULL);
        return;
    }
    for (size_t f = 0; f < 3; f++) {
        memset(chunk, 'x', CHUNK);
        if (formats[f] == NEWSMINE_INPUT_JSONL) memcpy(chunk, "{\"text\":\"", 9);
        newsmine_reader_options o = options(formats[f]);
        o.max_doc_bytes = LIMIT;
        recorder rec = {{0}, 0, 0, 0, 0};
        newsmine_reader *r = NULL;
        CHECK_INT(newsmine_reader_new(&o, on_doc, on_reject, &rec, &r, NULL), NEWSMINE_OK);
        size_t base = heap_in_use(), peak = 0;
        for (size_t off = 0; off < LINE; off += CHUNK) {
            CHECK_INT(newsmine_reader_feed(r, chunk, CHUNK, NULL), NEWSMINE_OK);
            size_t used = heap_in_use();
            if (used > base && used - base > peak) peak = used - base;
            if (off == 0) memset(chunk, 'x', CHUNK);
        }
        static const char tail[] = "\"}\n{\"text\":\"next\"}\n";
        const char *rest = formats[f] == NEWSMINE_INPUT_JSONL ? tail : "\nnext\n";
        CHECK_INT(newsmine_reader_feed(r, rest, strlen(rest), NULL), NEWSMINE_OK);
        CHECK_INT(newsmine_reader_finish(r, NULL), NEWSMINE_OK);
        CHECK(peak < 4u * LIMIT);
        const char *want =
            formats[f] == NEWSMINE_INPUT_TEXT
                ? "reject in:1|document larger than the limit of 1048576 bytes "
                  "(--max-doc-bytes): skipped|\n"
                : "reject in:1|line longer than the document limit of 1048576 bytes "
                  "(--max-doc-bytes): skipped|\n"
                  "doc in:2|line 2|repaired 0|date -|meta {}|next\n";
        CHECK_MEM(rec.log.data, rec.log.len, want);
        newsmine_reader_free(r);
        newsmine_buffer_free(&rec.log);
    }
    free(chunk);
}

/* ------------------------------------------------------------- stopping */

static void test_stop_from_doc_callback(void)
{
    static const char in[] = "one\ntwo\nthree\nfour\n";
    for (size_t i = 0; i < sizeof chunk_sizes / sizeof *chunk_sizes; i++) {
        newsmine_reader_options o = options(NEWSMINE_INPUT_LINES);
        recorder rec = {{0}, 0, 0, 2, 0};
        newsmine_reader *r = NULL;
        newsmine_error err;
        CHECK_INT(newsmine_reader_new(&o, on_doc, on_reject, &rec, &r, &err), NEWSMINE_OK);
        size_t chunk = chunk_sizes[i] ? chunk_sizes[i] : sizeof in - 1;
        newsmine_status st = NEWSMINE_OK;
        for (size_t off = 0; !st && off < sizeof in - 1; off += chunk)
            st = newsmine_reader_feed(r, in + off, sizeof in - 1 - off < chunk ? sizeof in - 1 - off
                                                                             : chunk,
                                      &err);
        CHECK_INT(st, NEWSMINE_ERR_STOP);
        /* stopped for good */
        CHECK_INT(newsmine_reader_feed(r, "five\n", 5, &err), NEWSMINE_ERR_STOP);
        CHECK_INT(newsmine_reader_finish(r, &err), NEWSMINE_ERR_STOP);
        CHECK_INT(newsmine_reader_documents(r), 2);
        CHECK_MEM(rec.log.data, rec.log.len,
                  "doc in:1|line 1|repaired 0|date -|meta {}|one\n"
                  "doc in:2|line 2|repaired 0|date -|meta {}|two\n");
        newsmine_reader_free(r);
        newsmine_buffer_free(&rec.log);
    }
}

static void test_stop_from_reject_callback(void)
{
    static const char in[] = "{\"text\":\"a\"}\nbad\nworse\n{\"text\":\"b\"}\n";
    for (size_t i = 0; i < sizeof chunk_sizes / sizeof *chunk_sizes; i++) {
        newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
        recorder rec = {{0}, 0, 0, 0, 1};
        CHECK_INT(read_all(&o, in, sizeof in - 1, chunk_sizes[i], &rec), NEWSMINE_ERR_STOP);
        CHECK_MEM(rec.log.data, rec.log.len,
                  "doc in:1|line 1|repaired 0|date -|meta {}|a\n"
                  "reject in:2|malformed JSON near column 1|bad\n");
        newsmine_buffer_free(&rec.log);
    }
}

/* TEXT delivers at finish: a stop there comes from finish. */
static void test_stop_at_finish(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    recorder rec = {{0}, 0, 0, 1, 0};
    newsmine_reader *r = NULL;
    CHECK_INT(newsmine_reader_new(&o, on_doc, on_reject, &rec, &r, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_feed(r, "abc", 3, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_finish(r, NULL), NEWSMINE_ERR_STOP);
    CHECK_INT(newsmine_reader_documents(r), 1);
    newsmine_reader_free(r);
    newsmine_buffer_free(&rec.log);
}

/* No callbacks at all: the reader still counts. */
static void test_without_callbacks(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_JSONL);
    newsmine_reader *r = NULL;
    CHECK_INT(newsmine_reader_new(&o, NULL, NULL, NULL, &r, NULL), NEWSMINE_OK);
    static const char in[] = "{\"text\":\"a\"}\nx\n{\"text\":\"b\"}";
    CHECK_INT(newsmine_reader_feed(r, in, sizeof in - 1, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_finish(r, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_reader_documents(r), 2);
    CHECK_INT(newsmine_reader_rejections(r), 1);
    newsmine_reader_free(r);
}

static void test_unknown_encoding(void)
{
    newsmine_reader_options o = options(NEWSMINE_INPUT_TEXT);
    o.encoding = "NO-SUCH-ENCODING-42";
    newsmine_reader *r = (newsmine_reader *)&o;
    newsmine_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(newsmine_reader_new(&o, on_doc, on_reject, NULL, &r, &err), NEWSMINE_ERR_ENCODING);
    CHECK(r == NULL);
    CHECK_INT(err.status, NEWSMINE_ERR_ENCODING);
    CHECK(strstr(err.message, "NO-SUCH-ENCODING-42") != NULL);
    newsmine_reader_free(NULL);
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_text_utf8),
        TEST(test_text_invalid_utf8),
        TEST(test_text_utf16le_bom),
        TEST(test_text_cp1251),
        TEST(test_text_utf8_bom_removed),
        TEST(test_empty_input),
        TEST(test_lines),
        TEST(test_lines_encodings),
        TEST(test_default_source_is_stdin),
        TEST(test_jsonl),
        TEST(test_jsonl_rejections),
        TEST(test_jsonl_invalid_utf8),
        TEST(test_jsonl_date_field),
        TEST(test_jsonl_field_names),
        TEST(test_jsonl_duplicate_members),
        TEST(test_jsonl_utf16),
        TEST(test_jsonl_flat_same_as_cjson),
        TEST(test_sniff),
        TEST(test_max_doc_bytes_lines),
        TEST(test_max_doc_bytes_jsonl),
        TEST(test_max_doc_bytes_text),
        TEST(test_huge_line_bounded_memory),
        TEST(test_stop_from_doc_callback),
        TEST(test_stop_from_reject_callback),
        TEST(test_stop_at_finish),
        TEST(test_without_callbacks),
        TEST(test_unknown_encoding),
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
