/* The input stage: bytes in, documents out. Decodes the encoding, splits the
 * stream into documents (whole text, lines or JSON Lines), repairs invalid
 * UTF-8 per document and names each document. Memory is bounded by the
 * largest document (max_doc_bytes), whatever the length of the stream. */
#include "decode.h"
#include "jsonl.h"
#include "newsmine.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_MAX_DOC_BYTES = 64 * 1024 * 1024 };

struct newsmine_reader {
    newsmine_input_format format;
    char *source, *id_field, *text_field, *date_field, *encoding;
    size_t max_doc_bytes;
    newsmine_doc_fn on_doc;
    newsmine_reject_fn on_reject;
    void *user;
    newsmine_transcoder *transcoder;

    newsmine_buffer pending;       /* decoded bytes not yet framed */
    unsigned long long line;       /* lines completed so far */
    bool skipping;                 /* inside a line longer than max_doc_bytes */
    unsigned long long skip_line;  /* where that line started */
    size_t text_bytes;             /* TEXT: bytes seen, kept or not */
    bool sniff_overflow;           /* SNIFF: more blank input than max_doc_bytes dropped */
    bool wrong_encoding;           /* the input is not in the encoding named: rejected */

    newsmine_buffer text, id; /* the current document */
    /* a flat JSON Lines object (jsonl.h): its members, their strings, the
     * metadata written from them */
    newsmine_json_member members[NEWSMINE_JSON_FLAT_MAX];
    newsmine_buffer strings, meta;
    bool cjson_only; /* tests: every line read by cJSON */
    unsigned long long documents, rejections;
    bool stopped;
};

static char *dup_or(const char *s, const char *fallback)
{
    return strdup(s ? s : fallback);
}

newsmine_status newsmine_reader_new(const newsmine_reader_options *opts, newsmine_doc_fn on_doc,
                                    newsmine_reject_fn on_reject, void *user,
                                    newsmine_reader **out, newsmine_error *err)
{
    *out = NULL;
    newsmine_reader_options defaults = {0};
    if (!opts) opts = &defaults;
    newsmine_reader *r = calloc(1, sizeof *r);
    if (!r) return newsmine_error_set(err, NEWSMINE_ERR_NOMEM, NULL, 0, 0, "out of memory");
    r->format = opts->format;
    r->source = dup_or(opts->source, "stdin");
    r->id_field = dup_or(opts->id_field, "id");
    r->text_field = dup_or(opts->text_field, "text");
    r->date_field = opts->date_field ? strdup(opts->date_field) : NULL;
    r->encoding = dup_or(opts->encoding, "UTF-8");
    r->max_doc_bytes = opts->max_doc_bytes ? opts->max_doc_bytes : DEFAULT_MAX_DOC_BYTES;
    r->on_doc = on_doc;
    r->on_reject = on_reject;
    r->user = user;
    if (!r->source || !r->id_field || !r->text_field || !r->encoding ||
        (opts->date_field && !r->date_field)) {
        newsmine_reader_free(r);
        return newsmine_error_set(err, NEWSMINE_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    newsmine_status st = newsmine_transcoder_new(opts->encoding, &r->transcoder, err);
    if (st) {
        newsmine_reader_free(r);
        return st;
    }
    *out = r;
    return NEWSMINE_OK;
}

void newsmine_reader_free(newsmine_reader *r)
{
    if (!r) return;
    newsmine_transcoder_free(r->transcoder);
    newsmine_buffer_free(&r->pending);
    newsmine_buffer_free(&r->text);
    newsmine_buffer_free(&r->id);
    newsmine_buffer_free(&r->strings);
    newsmine_buffer_free(&r->meta);
    free(r->source);
    free(r->id_field);
    free(r->text_field);
    free(r->date_field);
    free(r->encoding);
    free(r);
}

unsigned long long newsmine_reader_documents(const newsmine_reader *r)
{
    return r->documents;
}

unsigned long long newsmine_reader_rejections(const newsmine_reader *r)
{
    return r->rejections;
}

/* ------------------------------------------------------------ delivering */

static newsmine_status reject(newsmine_reader *r, unsigned long long line, const char *raw,
                              size_t raw_len, const char *fmt, ...) NEWSMINE_PRINTF(5, 6);

static newsmine_status reject(newsmine_reader *r, unsigned long long line, const char *raw,
                              size_t raw_len, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    r->rejections++;
    newsmine_rejection rej = {r->source, line, reason, raw, raw_len};
    if (r->on_reject && r->on_reject(r->user, &rej)) {
        r->stopped = true;
        return NEWSMINE_ERR_STOP;
    }
    return NEWSMINE_OK;
}

static newsmine_status deliver(newsmine_reader *r, newsmine_doc *doc)
{
    r->documents++;
    if (r->on_doc && r->on_doc(r->user, doc)) {
        r->stopped = true;
        return NEWSMINE_ERR_STOP;
    }
    return NEWSMINE_OK;
}

/* Repairs n bytes into r->text; returns the replacements or -1. A NUL byte
 * is replaced (and counted) too: it is valid UTF-8, but a document is a C
 * string to the library's users, and databases refuse U+0000 in text
 * (PostgreSQL's text and jsonb). One U+FFFD for one NUL keeps the offsets. */
static long long repair_into_text(newsmine_reader *r, const char *s, size_t n)
{
    r->text.len = 0;
    if (newsmine_buffer_reserve(&r->text, n)) return -1;
    size_t fixed = 0;
    for (;;) {
        const char *nul = n ? memchr(s, '\0', n) : NULL;
        size_t run = nul ? (size_t)(nul - s) : n;
        size_t k = newsmine_utf8_repair(s, run, &r->text);
        if (k == (size_t)-1) return -1;
        fixed += k;
        if (!nul) return (long long)fixed;
        /* a NUL never continues a sequence: the runs repair as the whole would */
        if (newsmine_buffer_append(&r->text, "\xEF\xBF\xBD", 3)) return -1;
        fixed++;
        s += run + 1;
        n -= run + 1;
    }
}

/* Zero bytes after the NUL of a document's text: PCRE2's JIT reads whole
 * 16-byte blocks, so it may look past the end of the text it matches (never
 * past the block); what it finds there must be initialised (valgrind
 * checks the library's users' programs too). */
enum { TEXT_PAD = 32 };

static newsmine_status pad_text(newsmine_reader *r)
{
    if (newsmine_buffer_reserve(&r->text, TEXT_PAD)) return NEWSMINE_ERR_NOMEM;
    memset(r->text.data + r->text.len, 0, TEXT_PAD + 1);
    return NEWSMINE_OK;
}

static newsmine_status set_id_line(newsmine_reader *r, unsigned long long line)
{
    r->id.len = 0;
    return newsmine_buffer_printf(&r->id, "%s:%llu", r->source, line);
}

static newsmine_status deliver_plain(newsmine_reader *r, const char *s, size_t n,
                                     unsigned long long line, bool whole_text)
{
    long long fixed = repair_into_text(r, s, n);
    if (fixed < 0 || pad_text(r)) return NEWSMINE_ERR_NOMEM;
    newsmine_status st;
    if (whole_text) {
        r->id.len = 0;
        st = newsmine_buffer_append(&r->id, r->source, strlen(r->source));
    } else {
        st = set_id_line(r, line);
    }
    if (st) return st;
    newsmine_doc doc = {r->id.data, r->id.len, r->text.data, r->text.len,
                        "{}", 2, NULL, line, (size_t)fixed};
    return deliver(r, &doc);
}

/* ----------------------------------------------------------------- JSONL */

static newsmine_status id_from_json(newsmine_reader *r, const cJSON *id, unsigned long long line)
{
    r->id.len = 0;
    if (cJSON_IsString(id)) return newsmine_buffer_append(&r->id, id->valuestring, strlen(id->valuestring));
    if (cJSON_IsNumber(id)) {
        double v = id->valuedouble;
        /* integers as integers (the cast is defined only in range), other
         * numbers in the fewest digits that read back the same */
        if (v > -1e15 && v < 1e15 && v == floor(v))
            return newsmine_buffer_printf(&r->id, "%lld", (long long)v);
        char buf[32];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, sizeof buf, "%.*g", digits, v);
            if (strtod(buf, NULL) == v) break;
        }
        return newsmine_buffer_append(&r->id, buf, strlen(buf));
    }
    return set_id_line(r, line);
}

/* The member named name; the last one when the name repeats, as Python's
 * json module and jq read it. */
static cJSON *member(const cJSON *obj, const char *name)
{
    cJSON *found = NULL;
    for (cJSON *f = obj->child; f; f = f->next)
        if (f->string && strcmp(f->string, name) == 0) found = f;
    return found;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* cJSON reads the escape \u0000, and a \u without four hex digits, as
 * U+0000 and ends the string there without a word: such a line is
 * refused. The reason, or NULL. */
static const char *bad_unicode_escape(const char *s, size_t n)
{
    /* s += 2: the escaped character is not a backslash that starts an escape */
    for (const char *end = s + n; (s = memchr(s, '\\', (size_t)(end - s))) && end - s >= 6;
         s += 2) {
        if (s[1] != 'u') continue;
        if (!is_hex(s[2]) || !is_hex(s[3]) || !is_hex(s[4]) || !is_hex(s[5]))
            return "\\u without four hex digits in a JSON string";
        if (memcmp(s + 2, "0000", 4) == 0) return "\\u0000 (NUL) in a JSON string is not supported";
    }
    return NULL;
}

/* A top-level field the document record carries as metadata: not the id
 * nor the text, nor a key the record writes itself (it would be a
 * duplicate key). */
static bool is_metadata_key(const newsmine_reader *r, const char *key)
{
    return strcmp(key, r->text_field) != 0 && strcmp(key, r->id_field) != 0 &&
           strcmp(key, "doc") != 0 && strcmp(key, "entities") != 0 && strcmp(key, "repaired") != 0;
}

/* The top-level fields other than the id and the text, as one JSON object. */
static char *metadata_json(newsmine_reader *r, cJSON *obj)
{
    cJSON *meta = cJSON_CreateObject();
    if (!meta) return NULL;
    for (cJSON *f = obj->child; f; f = f->next) {
        if (!f->string || !is_metadata_key(r, f->string)) continue;
        cJSON *copy = cJSON_Duplicate(f, 1);
        /* adding copies the key: it can fail too, and would drop the field */
        if (!copy || !cJSON_AddItemToObject(meta, f->string, copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(meta);
            return NULL;
        }
    }
    char *s = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    return s;
}

static newsmine_status deliver_json(newsmine_reader *r, cJSON *obj, unsigned long long line,
                                    size_t repaired, const char *raw, size_t raw_len)
{
    cJSON *text = member(obj, r->text_field);
    if (!text)
        return reject(r, line, raw, raw_len, "no \"%s\" field", r->text_field);
    if (!cJSON_IsString(text))
        return reject(r, line, raw, raw_len, "\"%s\" is not a string", r->text_field);
    const char *bad = bad_unicode_escape(r->text.data, r->text.len);
    if (bad) return reject(r, line, raw, raw_len, "%s", bad);
    newsmine_status st = id_from_json(r, member(obj, r->id_field), line);
    /* cJSON already holds valid UTF-8: the line was repaired before parsing.
     * The text is copied to where it can be padded (cJSON's block may hold
     * uninitialised bytes after it). */
    size_t text_len = strlen(text->valuestring);
    r->text.len = 0;
    if (!st) st = newsmine_buffer_append(&r->text, text->valuestring, text_len);
    if (!st) st = pad_text(r);
    char *meta = st ? NULL : metadata_json(r, obj);
    if (st || !meta) return NEWSMINE_ERR_NOMEM;
    const cJSON *date = r->date_field ? member(obj, r->date_field) : NULL;
    newsmine_doc doc = {r->id.data,  r->id.len,   r->text.data,
                        text_len,
                        meta,        strlen(meta),
                        cJSON_IsString(date) ? date->valuestring : NULL,
                        line,        repaired};
    st = deliver(r, &doc);
    cJSON_free(meta);
    return st;
}

/* The member named name of a flat object (keys never repeat there). */
static const newsmine_json_member *flat_member(const newsmine_reader *r, size_t count,
                                               const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < count; i++)
        if (r->members[i].key_len == n && memcmp(r->strings.data + r->members[i].key, name, n) == 0)
            return &r->members[i];
    return NULL;
}

/* metadata_json of a flat object, written as cJSON_PrintUnformatted would. */
static newsmine_status flat_metadata(newsmine_reader *r, size_t count)
{
    static const char *const literal[] = {[NEWSMINE_JSON_NULL] = "null",
                                          [NEWSMINE_JSON_TRUE] = "true",
                                          [NEWSMINE_JSON_FALSE] = "false"};
    newsmine_buffer *out = &r->meta;
    out->len = 0;
    newsmine_status st = newsmine_buffer_putc(out, '{');
    bool first = true;
    for (size_t i = 0; i < count && !st; i++) {
        const newsmine_json_member *m = &r->members[i];
        const char *key = r->strings.data + m->key;
        if (!is_metadata_key(r, key)) continue;
        if (!first) st = newsmine_buffer_putc(out, ',');
        first = false;
        if (!st) st = newsmine_json_put_string(out, key, m->key_len);
        if (!st) st = newsmine_buffer_putc(out, ':');
        if (st) break;
        if (m->kind == NEWSMINE_JSON_STRING)
            st = newsmine_json_put_string(out, r->strings.data + m->value, m->value_len);
        else
            st = newsmine_buffer_append(out, literal[m->kind], strlen(literal[m->kind]));
    }
    return st ? st : newsmine_buffer_putc(out, '}');
}

/* deliver_json for a flat object (newsmine_json_read_flat): the same
 * document, the same rejections. */
static newsmine_status deliver_flat(newsmine_reader *r, size_t count, unsigned long long line,
                                    size_t repaired, const char *raw, size_t raw_len)
{
    const char *strings = r->strings.data;
    const newsmine_json_member *text = flat_member(r, count, r->text_field);
    if (!text) return reject(r, line, raw, raw_len, "no \"%s\" field", r->text_field);
    if (text->kind != NEWSMINE_JSON_STRING)
        return reject(r, line, raw, raw_len, "\"%s\" is not a string", r->text_field);
    const newsmine_json_member *id = flat_member(r, count, r->id_field);
    newsmine_status st;
    if (id && id->kind == NEWSMINE_JSON_STRING) {
        r->id.len = 0;
        st = newsmine_buffer_append(&r->id, strings + id->value, id->value_len);
    } else {
        st = set_id_line(r, line);
    }
    r->text.len = 0;
    if (!st) st = newsmine_buffer_append(&r->text, strings + text->value, text->value_len);
    if (!st) st = pad_text(r);
    if (!st) st = flat_metadata(r, count);
    if (st) return st;
    const newsmine_json_member *date = r->date_field ? flat_member(r, count, r->date_field) : NULL;
    newsmine_doc doc = {r->id.data,
                        r->id.len,
                        r->text.data,
                        text->value_len,
                        r->meta.data,
                        r->meta.len,
                        date && date->kind == NEWSMINE_JSON_STRING ? strings + date->value : NULL,
                        line,
                        repaired};
    return deliver(r, &doc);
}

void newsmine_reader_set_cjson_only(newsmine_reader *r, bool on)
{
    r->cjson_only = on;
}

/* The deepest nesting of arrays and objects in n bytes of JSON text: cJSON
 * refuses more than CJSON_NESTING_LIMIT levels, which is no syntax error. */
static size_t nesting_depth(const char *s, size_t n)
{
    size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        if (in_string) {
            if (s[i] == '\\') i++;
            else if (s[i] == '"') in_string = false;
        } else if (s[i] == '"') {
            in_string = true;
        } else if (s[i] == '[' || s[i] == '{') {
            if (++depth > deepest) deepest = depth;
        } else if ((s[i] == ']' || s[i] == '}') && depth) {
            depth--;
        }
    }
    return deepest;
}

static newsmine_status process_json_line(newsmine_reader *r, const char *s, size_t n,
                                         unsigned long long line)
{
    long long fixed = repair_into_text(r, s, n);
    if (fixed < 0) return NEWSMINE_ERR_NOMEM;
    size_t count = 0;
    newsmine_json_flat flat =
        r->cjson_only
            ? NEWSMINE_JSON_FLAT_OTHER
            : newsmine_json_read_flat(r->text.data, r->text.len, &r->strings, r->members, &count);
    if (flat == NEWSMINE_JSON_FLAT_NOMEM) return NEWSMINE_ERR_NOMEM;
    if (flat == NEWSMINE_JSON_FLAT_OK) return deliver_flat(r, count, line, (size_t)fixed, s, n);
    const char *end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(r->text.data, r->text.len, &end, 0);
    /* cJSON answers NULL both for bad JSON and for a failed allocation: bad
     * JSON fails again, a passing shortage of memory does not */
    if (!obj) obj = cJSON_ParseWithLengthOpts(r->text.data, r->text.len, &end, 0);
    if (obj) { /* only white space may follow the value */
        const char *stop = r->text.data + r->text.len;
        while (end && end < stop && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
            end++;
        if (end != stop) {
            cJSON_Delete(obj);
            obj = NULL;
        }
    }
    if (!obj) {
        size_t col = end && end >= r->text.data ? (size_t)(end - r->text.data) : 0;
        if (col > r->text.len) col = r->text.len;
        size_t chars = newsmine_utf8_count(r->text.data, col) + 1;
        if (nesting_depth(r->text.data, col + (col < r->text.len)) > CJSON_NESTING_LIMIT)
            return reject(r, line, s, n, "JSON nested deeper than %d levels near column %zu",
                          CJSON_NESTING_LIMIT, chars);
        return reject(r, line, s, n, "malformed JSON near column %zu", chars);
    }
    newsmine_status st =
        cJSON_IsObject(obj) ? deliver_json(r, obj, line, (size_t)fixed, s, n)
                            : reject(r, line, s, n, "a JSON line must be an object");
    cJSON_Delete(obj);
    return st;
}

/* ----------------------------------------------------------------- lines */

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return false;
    return true;
}

static newsmine_status process_line(newsmine_reader *r, const char *s, size_t n,
                                    unsigned long long line)
{
    if (n && s[n - 1] == '\r') n--;
    if (is_blank(s, n)) return NEWSMINE_OK;
    if (r->format == NEWSMINE_INPUT_JSONL) return process_json_line(r, s, n, line);
    return deliver_plain(r, s, n, line, false);
}

static newsmine_status reject_long_line(newsmine_reader *r)
{
    return reject(r, r->skip_line, NULL, 0,
                  "line longer than the document limit of %zu bytes (--max-doc-bytes): skipped",
                  r->max_doc_bytes);
}

/* One line of n bytes (without its '\n') that is complete, or the last;
 * r->line is its number. A line over the limit is rejected whether it came
 * whole or was dropped piece by piece while skipping. */
static newsmine_status take_line(newsmine_reader *r, const char *s, size_t n)
{
    size_t content = n && s[n - 1] == '\r' ? n - 1 : n; /* CRLF: the CR ends the line */
    if (!r->skipping && content <= r->max_doc_bytes) return process_line(r, s, n, r->line);
    if (!r->skipping) r->skip_line = r->line;
    r->skipping = false;
    return reject_long_line(r);
}

/* Frames every complete line of pending; keeps the partial last line. */
static newsmine_status frame_lines(newsmine_reader *r, bool final)
{
    const char *data = r->pending.data;
    size_t len = r->pending.len, pos = 0;
    newsmine_status st = NEWSMINE_OK;
    while (!st && pos < len && !r->stopped) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl) break;
        size_t n = (size_t)(nl - (data + pos));
        r->line++;
        st = take_line(r, data + pos, n);
        pos += n + 1;
    }
    size_t rest = len - pos;
    if (!st && final && (rest || r->skipping) && !r->stopped) {
        r->line++;
        st = take_line(r, data + pos, rest);
        pos = len;
    } else if (!st && rest > r->max_doc_bytes &&
               (rest > r->max_doc_bytes + 1 || data[len - 1] != '\r')) {
        if (!r->skipping) r->skip_line = r->line + 1;
        r->skipping = true;
        pos = len; /* drop what is read of the over-long line */
    }
    newsmine_buffer_consume(&r->pending, pos);
    return st;
}

/* ------------------------------------------------------------------ text */

static newsmine_status frame_text(newsmine_reader *r, bool final)
{
    if (r->pending.len > r->max_doc_bytes) {
        r->text_bytes += r->pending.len;
        r->pending.len = 0;
        r->skipping = true;
    }
    if (!final) return NEWSMINE_OK;
    if (r->skipping)
        return reject(r, 1, NULL, 0,
                      "document larger than the limit of %zu bytes (--max-doc-bytes): skipped",
                      r->max_doc_bytes);
    if (!r->pending.len) return NEWSMINE_OK; /* empty input: no document */
    newsmine_status st = deliver_plain(r, r->pending.data, r->pending.len, 1, true);
    r->pending.len = 0;
    return st;
}

/* SNIFF becomes JSONL when the first non-blank byte is '{', else TEXT. */
static void sniff(newsmine_reader *r)
{
    for (size_t i = 0; i < r->pending.len; i++) {
        char c = r->pending.data[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        r->format = c == '{' ? NEWSMINE_INPUT_JSONL : NEWSMINE_INPUT_TEXT;
        return;
    }
}

/* More blank input than max_doc_bytes before the first non-blank byte: as
 * TEXT the document is over the limit, as JSONL those are blank lines. So
 * count the complete lines, drop them, and keep (or skip) the partial one. */
static void sniff_overflow(newsmine_reader *r)
{
    const char *data = r->pending.data;
    size_t keep = r->pending.len;
    for (size_t i = 0; i < r->pending.len; i++)
        if (data[i] == '\n') {
            r->line++;
            keep = r->pending.len - i - 1;
        }
    newsmine_buffer_consume(&r->pending, r->pending.len - keep);
    if (r->pending.len > r->max_doc_bytes) {
        if (!r->skipping) r->skip_line = r->line + 1;
        r->skipping = true;
        r->pending.len = 0;
    }
    r->sniff_overflow = true;
}

static newsmine_status frame(newsmine_reader *r, bool final)
{
    if (r->format == NEWSMINE_INPUT_SNIFF) {
        sniff(r);
        if (r->format == NEWSMINE_INPUT_SNIFF) {
            if (!final && r->pending.len <= r->max_doc_bytes) return NEWSMINE_OK;
            if (!final) {
                sniff_overflow(r);
                return NEWSMINE_OK;
            }
            r->format = NEWSMINE_INPUT_TEXT;
        }
        if (r->format == NEWSMINE_INPUT_TEXT && r->sniff_overflow) {
            r->skipping = true; /* the text began with more blank bytes than the limit */
            r->pending.len = 0;
        }
    }
    if (r->format == NEWSMINE_INPUT_TEXT) return frame_text(r, final);
    return frame_lines(r, final);
}

/* The transcoder found that the input is not in the encoding named (UTF-8
 * named UTF-16, see newsmine_transcoder_feed): the whole input is one
 * rejection, reported once, and the rest of it is ignored. */
static newsmine_status reject_encoding(newsmine_reader *r)
{
    if (r->wrong_encoding) return NEWSMINE_OK;
    r->wrong_encoding = true;
    return reject(r, 1, NULL, 0,
                  "not %s: the input starts with UTF-8 or ASCII text, without the zero bytes "
                  "of %s (check --encoding); the whole input",
                  r->encoding, r->encoding);
}

newsmine_status newsmine_reader_feed(newsmine_reader *r, const void *bytes, size_t n,
                                     newsmine_error *err)
{
    if (r->stopped) return NEWSMINE_ERR_STOP;
    newsmine_status st = newsmine_transcoder_feed(r->transcoder, bytes, n, false, &r->pending);
    if (st == NEWSMINE_ERR_ENCODING) st = reject_encoding(r);
    else if (!st) st = frame(r, false);
    if (st && st != NEWSMINE_ERR_STOP)
        return newsmine_error_set(err, st, r->source, r->line + 1, 0, "%s",
                                  newsmine_status_string(st));
    return st;
}

newsmine_status newsmine_reader_finish(newsmine_reader *r, newsmine_error *err)
{
    if (r->stopped) return NEWSMINE_ERR_STOP;
    newsmine_status st = newsmine_transcoder_feed(r->transcoder, NULL, 0, true, &r->pending);
    if (st == NEWSMINE_ERR_ENCODING) st = reject_encoding(r);
    else if (!st) st = frame(r, true);
    if (st && st != NEWSMINE_ERR_STOP)
        return newsmine_error_set(err, st, r->source, r->line + 1, 0, "%s",
                                  newsmine_status_string(st));
    return st;
}
