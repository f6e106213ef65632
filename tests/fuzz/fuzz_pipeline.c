/* Fuzz target: the whole pipeline, as the command runs it: the push reader
 * (JSON Lines by default) fed in random chunk sizes, the extractor with the
 * real rules/ and the emitter.
 *
 * The first input byte sets the options: bits 0-1 the format (JSONL twice,
 * sniffed, lines), bits 2-3 --max-doc-bytes (64 MiB, 16, 64, 1024), bit 4
 * --emit documents, bit 5 --store-text, bit 6 --date-field date, bit 7
 * --types place,count,date. The rest is the input stream.
 *
 * Checks:
 * - the documents and rejections are the same, in the same order, whether
 *   the stream is fed whole or in random chunks;
 * - nothing is lost: for lines and JSON Lines every non-blank line of the
 *   decoded stream (and every line over the limit) is exactly one document
 *   or one rejection, for text the input is one if not empty;
 * - documents are NUL-terminated valid UTF-8 with a JSON object as metadata,
 *   rejections have a line and a reason;
 * - every entity lies inside its document, on character boundaries, with
 *   code point offsets that count the text before it, sorted by start;
 * - the emitted records are valid JSON Lines in valid UTF-8, one per entity
 *   (or one per document), and every record's text equals the document text
 *   between start and end counted in code points;
 * - the prefilters of the rules are sound on the document: a matcher in
 *   verify mode makes every attempt they rule out, and none matches; also
 *   with the document matched as text in capitals (caseless). */
#include "arena.h"
#include "decode.h"
#include "fuzz.h"
#include "match.h"
#include "newsmine.h"
#include "normalize.h"
#include "rules.h"
#include "tokenize.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#ifndef NEWSMINE_SOURCE_RULES_DIR
#error "NEWSMINE_SOURCE_RULES_DIR must name the source tree's rules/"
#endif

static newsmine_rules *rules;
static newsmine_extractor *extractor;
static newsmine_matcher *verifier;
static newsmine_arena verify_arena;

static void release(void)
{
    newsmine_arena_free(&verify_arena);
    newsmine_matcher_free(verifier);
    newsmine_extractor_free(extractor);
    newsmine_rules_free(rules);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    newsmine_error err;
    const char *dir = getenv("NEWSMINE_RULES");
    if (!dir || !*dir) dir = NEWSMINE_SOURCE_RULES_DIR;
    if (newsmine_rules_load(dir, &rules, &err) != NEWSMINE_OK ||
        newsmine_extractor_new(rules, &extractor, &err) != NEWSMINE_OK ||
        newsmine_matcher_new(rules, &verifier) != NEWSMINE_OK) {
        fprintf(stderr, "%s: %s\n", dir, err.message);
        abort();
    }
    newsmine_matcher_set_verify(verifier, true);
    newsmine_arena_init(&verify_arena);
    atexit(release);
    return 0;
}

typedef struct run {
    newsmine_buffer log; /* what the callbacks received, for comparison */
    bool check;          /* extract, emit and check (the chunked pass) */
    unsigned types;
    newsmine_emit_options emit;
    newsmine_buffer out;
    unsigned long long docs, rejections;
} run;

static size_t cp_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

/* The byte offset of code point cp of s, or (size_t)-1 past the end. */
static size_t cp_offset(const char *s, size_t n, size_t cp)
{
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80) continue;
        if (seen++ == cp) return i;
    }
    return seen == cp ? n : (size_t)-1;
}

static bool at_boundary(const char *s, size_t n, size_t pos)
{
    return pos == 0 || pos == n || (pos < n && ((unsigned char)s[pos] & 0xC0) != 0x80);
}

static void check_repaired(const newsmine_doc *doc, const cJSON *rec)
{
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(rec, "repaired");
    if (!doc->repaired)
        FUZZ_CHECK(rep == NULL);
    else
        FUZZ_CHECK(cJSON_IsNumber(rep) && (size_t)rep->valuedouble == doc->repaired);
}

/* rec: an entity record, or an entity of a document record (top: false),
 * which leaves "repaired" to the document record. */
static void check_record(const newsmine_doc *doc, const cJSON *rec, bool top)
{
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(rec, "start");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(rec, "end");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(rec, "text");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(rec, "norm");
    FUZZ_CHECK(cJSON_IsNumber(start) && cJSON_IsNumber(end) && cJSON_IsString(text));
    FUZZ_CHECK(cJSON_IsString(type) && cJSON_IsObject(norm));
    FUZZ_CHECK(start->valuedouble >= 0 && start->valuedouble <= end->valuedouble);
    size_t sb = cp_offset(doc->text, doc->text_len, (size_t)start->valuedouble);
    size_t eb = cp_offset(doc->text, doc->text_len, (size_t)end->valuedouble);
    FUZZ_CHECK(sb != (size_t)-1 && eb != (size_t)-1);
    /* cJSON strings end at a NUL; the texts never hold one */
    FUZZ_CHECK(strlen(text->valuestring) == eb - sb);
    FUZZ_CHECK(memcmp(text->valuestring, doc->text + sb, eb - sb) == 0);
    if (top) check_repaired(doc, rec);
}

static void check_output(run *r, const newsmine_doc *doc, size_t entity_count)
{
    const char *p = r->out.data ? r->out.data : "", *stop = p + r->out.len;
    FUZZ_CHECK(newsmine_utf8_valid(p, r->out.len));
    size_t lines = 0, records = 0;
    while (p < stop) {
        const char *nl = memchr(p, '\n', (size_t)(stop - p));
        FUZZ_CHECK(nl != NULL);
        cJSON *rec = cJSON_ParseWithLength(p, (size_t)(nl - p));
        FUZZ_CHECK(cJSON_IsObject(rec));
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "doc");
        FUZZ_CHECK(cJSON_IsString(id) && strlen(id->valuestring) == doc->id_len &&
                   memcmp(id->valuestring, doc->id, doc->id_len) == 0);
        if (r->emit.mode == NEWSMINE_EMIT_DOCUMENTS) {
            const cJSON *ents = cJSON_GetObjectItemCaseSensitive(rec, "entities");
            FUZZ_CHECK(cJSON_IsArray(ents));
            check_repaired(doc, rec);
            for (const cJSON *e = ents->child; e; e = e->next) {
                check_record(doc, e, false);
                records++;
            }
            if (r->emit.store_text) {
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "text");
                FUZZ_CHECK(cJSON_IsString(t) && strlen(t->valuestring) == doc->text_len &&
                           memcmp(t->valuestring, doc->text, doc->text_len) == 0);
            }
        } else {
            check_record(doc, rec, true);
            records++;
        }
        cJSON_Delete(rec);
        lines++;
        p = nl + 1;
    }
    FUZZ_CHECK(records == entity_count);
    FUZZ_CHECK(lines == (r->emit.mode == NEWSMINE_EMIT_DOCUMENTS ? 1 : entity_count));
}

static void verify_prefilters(const char *text, size_t len)
{
    newsmine_arena_reset(&verify_arena);
    newsmine_normalized nt;
    newsmine_token *tokens;
    newsmine_candidate *cands;
    size_t ntok, ncand;
    FUZZ_CHECK(newsmine_normalize(text, len, &verify_arena, &nt) == NEWSMINE_OK);
    FUZZ_CHECK(newsmine_tokenize(rules->tokenizer, nt.text, nt.len, &verify_arena, &tokens,
                                 &ntok) == NEWSMINE_OK);
    /* as extraction reads the text, and as if it were in capitals: the
     * prefilters of caseless matching must hold on any text */
    for (int pass = 0; pass < 2; pass++) {
        newsmine_matcher_set_capitals(verifier,
                                      pass ? true : newsmine_text_in_capitals(nt.text, nt.len));
        FUZZ_CHECK(newsmine_match(verifier, nt.text, nt.len, tokens, ntok, NEWSMINE_ALL_TYPES,
                                  &verify_arena, &cands, &ncand) == NEWSMINE_OK);
        const char *rule = NULL;
        if (newsmine_matcher_verify_failures(verifier, &rule))
            fprintf(stderr, "the prefilter of %s ruled out a match\n", rule ? rule : "?");
        FUZZ_CHECK(newsmine_matcher_verify_failures(verifier, NULL) == 0);
    }
}

static void check_document(run *r, const newsmine_doc *doc)
{
    FUZZ_CHECK(doc->id && doc->id[doc->id_len] == '\0');
    FUZZ_CHECK(doc->text && doc->text[doc->text_len] == '\0');
    FUZZ_CHECK(newsmine_utf8_valid(doc->text, doc->text_len));
    FUZZ_CHECK(memchr(doc->text, '\0', doc->text_len) == NULL);
    cJSON *meta = cJSON_ParseWithLength(doc->meta, doc->meta_len);
    FUZZ_CHECK(cJSON_IsObject(meta));
    cJSON_Delete(meta);

    newsmine_extract_options xo = {r->types, doc->date};
    const newsmine_entity *ents;
    size_t n;
    newsmine_error err;
    FUZZ_CHECK(newsmine_extract(extractor, doc->text, doc->text_len, &xo, &ents, &n, &err) ==
               NEWSMINE_OK);
    for (size_t i = 0; i < n; i++) {
        const newsmine_entity *e = &ents[i];
        FUZZ_CHECK(e->start_byte <= e->end_byte && e->end_byte <= doc->text_len);
        FUZZ_CHECK(at_boundary(doc->text, doc->text_len, e->start_byte));
        FUZZ_CHECK(at_boundary(doc->text, doc->text_len, e->end_byte));
        FUZZ_CHECK(e->start == cp_count(doc->text, e->start_byte));
        FUZZ_CHECK(e->end ==
                   e->start + cp_count(doc->text + e->start_byte, e->end_byte - e->start_byte));
        FUZZ_CHECK(i == 0 || ents[i - 1].start <= e->start);
        FUZZ_CHECK(!r->types || (r->types >> e->type & 1u));
    }
    r->out.len = 0;
    FUZZ_CHECK(newsmine_emit(doc, ents, n, &r->emit, &r->out) == NEWSMINE_OK);
    check_output(r, doc, n);
    verify_prefilters(doc->text, doc->text_len);
}

static int on_doc(void *user, const newsmine_doc *doc)
{
    run *r = user;
    r->docs++;
    newsmine_buffer_printf(&r->log, "doc %s|%llu|%zu|%s|%.*s|", doc->id, doc->line, doc->repaired,
                           doc->date ? doc->date : "-", (int)doc->meta_len, doc->meta);
    newsmine_buffer_append(&r->log, doc->text, doc->text_len);
    newsmine_buffer_putc(&r->log, '\n');
    if (r->check) check_document(r, doc);
    return 0;
}

static int on_reject(void *user, const newsmine_rejection *rej)
{
    run *r = user;
    r->rejections++;
    FUZZ_CHECK(rej->line >= 1 && rej->reason && rej->reason[0]);
    FUZZ_CHECK(rej->source && strcmp(rej->source, "fuzz") == 0);
    newsmine_buffer_printf(&r->log, "reject %llu|%s|", rej->line, rej->reason);
    if (rej->raw_len) newsmine_buffer_append(&r->log, rej->raw, rej->raw_len);
    newsmine_buffer_putc(&r->log, '\n');
    return 0;
}

static void read_all(const newsmine_reader_options *ro, const uint8_t *data, size_t size,
                     fuzz_rng *rng, run *r)
{
    newsmine_reader *reader;
    newsmine_error err;
    FUZZ_CHECK(newsmine_reader_new(ro, on_doc, on_reject, r, &reader, &err) == NEWSMINE_OK);
    for (size_t pos = 0; pos < size;) {
        size_t n = rng ? fuzz_chunk(rng) : size;
        if (n > size - pos) n = size - pos;
        FUZZ_CHECK(newsmine_reader_feed(reader, data + pos, n, &err) == NEWSMINE_OK);
        pos += n;
    }
    FUZZ_CHECK(newsmine_reader_finish(reader, &err) == NEWSMINE_OK);
    FUZZ_CHECK(newsmine_reader_documents(reader) == r->docs);
    FUZZ_CHECK(newsmine_reader_rejections(reader) == r->rejections);
    newsmine_reader_free(reader);
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\f\v", s[i]) || s[i] == '\0') return false;
    return true;
}

/* The outcomes the input must have: decoded as the reader decodes it, one
 * per non-blank line (or line over the limit), or one per non-empty text. */
static unsigned long long expected_outcomes(newsmine_input_format format, size_t max,
                                            const uint8_t *data, size_t size)
{
    newsmine_transcoder *t;
    newsmine_error err;
    newsmine_buffer text = {0};
    FUZZ_CHECK(newsmine_transcoder_new(NULL, &t, &err) == NEWSMINE_OK);
    FUZZ_CHECK(newsmine_transcoder_feed(t, (const char *)data, size, true, &text) == NEWSMINE_OK);
    newsmine_transcoder_free(t);
    const char *s = text.data ? text.data : "";
    size_t n = text.len;
    if (format == NEWSMINE_INPUT_SNIFF) {
        size_t i = 0;
        while (i < n && strchr(" \t\r\n", s[i]) && s[i])
            i++;
        format = i < n && s[i] == '{' ? NEWSMINE_INPUT_JSONL : NEWSMINE_INPUT_TEXT;
    }
    unsigned long long count = 0;
    if (format == NEWSMINE_INPUT_TEXT) {
        count = n > 0;
    } else {
        for (size_t pos = 0; pos < n;) {
            const char *nl = memchr(s + pos, '\n', n - pos);
            size_t len = nl ? (size_t)(nl - (s + pos)) : n - pos;
            size_t content = len && s[pos + len - 1] == '\r' ? len - 1 : len;
            if (content > max || !is_blank(s + pos, content)) count++;
            pos += len + 1;
        }
    }
    newsmine_buffer_free(&text);
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 1 << 16) return 0;
    uint8_t o = data[0];
    data++, size--;
    static const newsmine_input_format formats[] = {NEWSMINE_INPUT_JSONL, NEWSMINE_INPUT_JSONL,
                                                    NEWSMINE_INPUT_SNIFF, NEWSMINE_INPUT_LINES};
    static const size_t limits[] = {0, 16, 64, 1024};
    newsmine_reader_options ro = {
        formats[o & 3], "fuzz", NULL, NULL, NULL, o & 64 ? "date" : NULL, limits[o >> 2 & 3]};
    run whole = {0}, chunked = {.check = true};
    chunked.emit.mode = o & 16 ? NEWSMINE_EMIT_DOCUMENTS : NEWSMINE_EMIT_ENTITIES;
    chunked.emit.store_text = (o & 32) != 0;
    chunked.types =
        o & 128 ? (1u << NEWSMINE_PLACE | 1u << NEWSMINE_COUNT | 1u << NEWSMINE_DATE) : 0;
    fuzz_rng rng = fuzz_seed(data, size);
    read_all(&ro, data, size, NULL, &whole);
    read_all(&ro, data, size, &rng, &chunked);
    FUZZ_CHECK(whole.log.len == chunked.log.len);
    FUZZ_CHECK(whole.log.len == 0 || memcmp(whole.log.data, chunked.log.data, whole.log.len) == 0);
    size_t max = ro.max_doc_bytes ? ro.max_doc_bytes : 64 * 1024 * 1024;
    FUZZ_CHECK(whole.docs + whole.rejections == expected_outcomes(ro.format, max, data, size));
    newsmine_buffer_free(&whole.log);
    newsmine_buffer_free(&chunked.log);
    newsmine_buffer_free(&chunked.out);
    return 0;
}
