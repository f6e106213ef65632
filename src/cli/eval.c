/* newsmine eval: scores predicted entities against gold annotations.
 *
 * Gold documents are held in memory; predictions are streamed line by line
 * and attached to their gold document. Per document and type, gold and
 * predicted spans are paired one to one: identical spans first (exact
 * matching), then the remaining overlapping pairs by decreasing overlap
 * (overlap matching). Norms are compared on the exact pairs. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline */
#endif

#include "eval.h"

#include "newsmine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define EV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EV_PRINTF(a, b)
#endif

#define EV_NONE SIZE_MAX
#define EV_CONTEXT 40                    /* code points of context each side in error listings */
#define EV_MAX_MESSAGES 50               /* diagnostics printed per input file */
#define EV_MAX_OFFSET 9007199254740992.0 /* 2^53 */

enum {
    EV_EXIT_OK = 0,
    EV_EXIT_THRESHOLD = 1,
    EV_EXIT_USAGE = 2,
    EV_EXIT_RULES = 3,
    EV_EXIT_IO = 4,
    EV_HELP = -1 /* parse_options: --help was given */
};

/* ------------------------------------------------------------------ types */

typedef struct ev_entity {
    int type;          /* newsmine_type */
    size_t start, end; /* code points, end exclusive */
    size_t seq;        /* input order, to keep sorting deterministic */
    cJSON *norm;       /* owned object, or NULL */
} ev_entity;

typedef struct ev_list {
    ev_entity *items;
    size_t len, cap;
} ev_list;

typedef struct ev_doc {
    char *id;
    char *text;
    size_t text_bytes, text_chars;
    unsigned long line;
    ev_list gold, pred;
} ev_doc;

/* String keys to indices: open addressing, capacity a power of two. */
typedef struct ev_idmap {
    char **keys;
    size_t *values;
    size_t cap, len;
} ev_idmap;

typedef struct ev_count {
    size_t n, agree;
} ev_count;

typedef struct ev_keystat {
    char *key;
    ev_count count;
} ev_keystat;

typedef struct ev_stats {
    size_t gold, pred, exact, overlap; /* exact and overlap: matched pairs */
    ev_count norm, value;
    ev_keystat *keys;
    size_t nkeys, capkeys;
} ev_stats;

enum { EV_FN, EV_FP, EV_NORM, EV_KINDS };

/* One listed error: indices into docs[doc].gold / .pred, EV_NONE when absent
 * (FN: gold and its overlapping prediction; FP: pred and its overlapping gold). */
typedef struct ev_error {
    size_t doc, gold, pred;
} ev_error;

typedef struct ev_errors {
    ev_error *items;
    size_t len, cap;
} ev_errors;

typedef struct ev_typemap {
    char *from, *to;
} ev_typemap;

typedef struct ev_ignored {
    char *name;
    size_t gold, pred;
} ev_ignored;

enum {
    EV_M_F1,
    EV_M_P,
    EV_M_R,
    EV_M_EXACT_F1,
    EV_M_EXACT_P,
    EV_M_EXACT_R,
    EV_M_NORM,
    EV_M_VALUE,
    EV_METRICS
};

static const char *const metric_names[EV_METRICS] = {"f1",      "p",       "r",    "exact_f1",
                                                     "exact_p", "exact_r", "norm", "value"};

typedef struct ev_threshold {
    int type; /* newsmine_type, or -1 for "all" */
    int metric;
    double min;
    const char *spec;
} ev_threshold;

typedef struct ev_options {
    const char *gold_path, *pred_path, *rules_dir;
    bool json;
    size_t show_errors;
    unsigned types; /* bit set; 0 until --types is given */
    ev_typemap *maps;
    size_t nmaps, capmaps;
    ev_threshold *mins;
    size_t nmins, capmins;
} ev_options;

typedef struct ev_source {
    const char *name;
    unsigned long line;
    size_t skipped;  /* malformed lines or entities */
    size_t messages; /* diagnostics so far */
} ev_source;

typedef struct ev_pair {
    size_t gold, pred, overlap;
} ev_pair;

/* Scratch space for matching one document and type. */
typedef struct ev_match {
    size_t *gold_to, *pred_to; /* partner index or EV_NONE */
    unsigned char *exact;      /* per gold: paired with an identical span */
    size_t *pred_max_end;      /* running maximum of pred ends */
    size_t gold_cap, pred_cap;
    ev_pair *pairs;
    size_t npairs, pairs_cap;
} ev_match;

typedef struct ev_run {
    ev_options opt;
    const char *rules_dir; /* used without PRED */
    ev_doc *docs;
    size_t ndocs, capdocs;
    ev_idmap ids;     /* gold id -> doc index */
    ev_idmap unknown; /* predicted doc ids not in gold */
    ev_ignored *ignored;
    size_t nignored, capignored;
    ev_source gold_src, pred_src;
    size_t extract_failures, limit_hits;
    unsigned report; /* types reported */
    ev_stats stats[NEWSMINE_TYPE_COUNT];
    ev_stats all;
    ev_errors errors[NEWSMINE_TYPE_COUNT][EV_KINDS];
    ev_match match;
} ev_run;

typedef struct ev_rate {
    bool known;
    double value;
} ev_rate;

/* ------------------------------------------------------------- allocation */

static void out_of_memory(void)
{
    fputs("newsmine eval: out of memory\n", stderr);
    exit(EV_EXIT_IO);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) out_of_memory();
    size_t bytes = n * size;
    void *q = realloc(p, bytes > 0 ? bytes : 1);
    if (!q) out_of_memory();
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *copy = xrealloc(NULL, n + 1, 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

static char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

/* Grows an array so that it holds at least need items. */
static void *grow(void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return items;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *cap = n;
    return xrealloc(items, n, size);
}

/* ------------------------------------------------------------ diagnostics */

static void source_vwarn(ev_source *src, const char *fmt, va_list ap) EV_PRINTF(2, 0);

static void source_vwarn(ev_source *src, const char *fmt, va_list ap)
{
    src->messages++;
    if (src->messages > EV_MAX_MESSAGES) return;
    fprintf(stderr, "%s:%lu: ", src->name, src->line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    if (src->messages == EV_MAX_MESSAGES)
        fprintf(stderr, "%s: further messages suppressed\n", src->name);
}

/* A problem that does not drop anything. */
static void source_warn(ev_source *src, const char *fmt, ...) EV_PRINTF(2, 3);

static void source_warn(ev_source *src, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    source_vwarn(src, fmt, ap);
    va_end(ap);
}

/* A malformed line or entity that is skipped and counted. */
static void source_skip(ev_source *src, const char *fmt, ...) EV_PRINTF(2, 3);

static void source_skip(ev_source *src, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    source_vwarn(src, fmt, ap);
    va_end(ap);
    src->skipped++;
}

/* ------------------------------------------------------------------ UTF-8 */

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of the valid UTF-8 character at s (n > 0 bytes left), or 0. */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && is_cont(s[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || !is_cont(s[1]) || !is_cont(s[2])) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && s[1] > 0x9F) return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || !is_cont(s[1]) || !is_cont(s[2]) || !is_cont(s[3])) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
        if (c == 0xF4 && s[1] > 0x8F) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Validates n bytes of UTF-8 and counts their code points. */
static bool utf8_count(const char *s, size_t n, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0;
    for (size_t i = 0; i < n; count++) {
        size_t len = utf8_char_len(p + i, n - i);
        if (len == 0) return false;
        i += len;
    }
    *chars = count;
    return true;
}

/* Byte offset of code point cp in valid UTF-8 (n when cp is past the end). */
static size_t utf8_offset(const char *s, size_t n, size_t cp)
{
    size_t i = 0;
    for (; i < n && cp > 0; cp--) {
        i++;
        while (i < n && is_cont((unsigned char)s[i]))
            i++;
    }
    return i;
}

/* ----------------------------------------------------------------- id map */

static size_t hash_string(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* Slot holding key, or the empty slot where it would go. */
static size_t idmap_slot(const ev_idmap *m, const char *key)
{
    size_t mask = m->cap - 1;
    size_t i = hash_string(key) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

static size_t idmap_find(const ev_idmap *m, const char *key)
{
    if (m->cap == 0) return EV_NONE;
    size_t i = idmap_slot(m, key);
    return m->keys[i] ? m->values[i] : EV_NONE;
}

static void idmap_rehash(ev_idmap *m)
{
    ev_idmap bigger = {NULL, NULL, m->cap ? m->cap * 2 : 64, m->len};
    bigger.keys = xrealloc(NULL, bigger.cap, sizeof *bigger.keys);
    bigger.values = xrealloc(NULL, bigger.cap, sizeof *bigger.values);
    memset(bigger.keys, 0, bigger.cap * sizeof *bigger.keys);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = idmap_slot(&bigger, m->keys[i]);
        bigger.keys[j] = m->keys[i];
        bigger.values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    *m = bigger;
}

/* Adds key (copied); false when it is already there. */
static bool idmap_insert(ev_idmap *m, const char *key, size_t value)
{
    if ((m->len + 1) * 2 > m->cap) idmap_rehash(m);
    size_t i = idmap_slot(m, key);
    if (m->keys[i]) return false;
    m->keys[i] = xstrdup(key);
    m->values[i] = value;
    m->len++;
    return true;
}

static void idmap_free(ev_idmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->values);
}

/* ------------------------------------------------------------ JSON fields */

static cJSON *field(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* A code-point offset: an integer in [0, 2^53]. */
static bool json_offset(const cJSON *v, size_t *out)
{
    if (!cJSON_IsNumber(v)) return false;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= EV_MAX_OFFSET) || d != (double)(uint64_t)d) return false;
    *out = (size_t)d;
    return true;
}

/* A document id: a string, or an integer written in decimal into buf. */
static const char *json_id(const cJSON *v, char *buf, size_t size)
{
    if (cJSON_IsString(v)) return v->valuestring;
    if (!cJSON_IsNumber(v)) return NULL;
    double d = v->valuedouble;
    if (!(d >= -EV_MAX_OFFSET && d <= EV_MAX_OFFSET) || d != (double)(int64_t)d) return NULL;
    snprintf(buf, size, "%lld", (long long)d);
    return buf;
}

static cJSON *parse_line(ev_source *src, char *line, size_t len)
{
    const char *end = NULL;
    line[len] = '\0';
    cJSON *root = cJSON_ParseWithLengthOpts(line, len + 1, &end, 1);
    /* cJSON answers NULL for a failed allocation too: bad JSON fails again */
    if (!root) root = cJSON_ParseWithLengthOpts(line, len + 1, &end, 1);
    if (!root) {
        size_t col = end && end >= line && end <= line + len ? (size_t)(end - line) + 1 : 1;
        source_skip(src, "invalid JSON near column %zu", col);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        source_skip(src, "not a JSON object");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ----------------------------------------------------------- type mapping */

static const char *map_type(const ev_options *opt, const char *name)
{
    for (size_t i = opt->nmaps; i-- > 0;)
        if (strcmp(opt->maps[i].from, name) == 0) return opt->maps[i].to;
    return name;
}

static void tally_ignored(ev_run *run, const char *name, bool gold)
{
    size_t i = 0;
    while (i < run->nignored && strcmp(run->ignored[i].name, name) != 0)
        i++;
    if (i == run->nignored) {
        run->ignored = grow(run->ignored, &run->capignored, i + 1, sizeof *run->ignored);
        run->ignored[i] = (ev_ignored){xstrdup(name), 0, 0};
        run->nignored++;
    }
    if (gold)
        run->ignored[i].gold++;
    else
        run->ignored[i].pred++;
}

/* The schema type a gold or predicted type name stands for, or -1. */
static int resolve_type(ev_run *run, const char *name, bool gold)
{
    const char *mapped = map_type(&run->opt, name);
    int type = strcmp(mapped, "-") == 0 ? -1 : newsmine_type_from_name(mapped, strlen(mapped));
    if (type < 0 || type >= NEWSMINE_TYPE_COUNT) {
        tally_ignored(run, name, gold);
        return -1;
    }
    return type;
}

/* --------------------------------------------------------------- entities */

static void list_push(ev_list *list, const ev_entity *e)
{
    list->items = grow(list->items, &list->cap, list->len + 1, sizeof *list->items);
    list->items[list->len] = *e;
    list->items[list->len].seq = list->len;
    list->len++;
}

static void list_free(ev_list *list)
{
    for (size_t i = 0; i < list->len; i++)
        cJSON_Delete(list->items[i].norm);
    free(list->items);
}

typedef enum { EV_ENTITY_OK, EV_ENTITY_IGNORED, EV_ENTITY_BAD } ev_entity_result;

static bool entity_span(ev_source *src, const cJSON *obj, const char *where, const ev_doc *doc,
                        bool gold, ev_entity *out)
{
    if (!json_offset(field(obj, "start"), &out->start) ||
        !json_offset(field(obj, "end"), &out->end)) {
        source_skip(src, "%s\"start\" and \"end\" must be integers >= 0", where);
        return false;
    }
    if (out->start >= out->end) {
        source_skip(src, "%sempty or reversed span [%zu,%zu)", where, out->start, out->end);
        return false;
    }
    if (out->end > doc->text_chars) {
        if (gold) {
            source_skip(src, "%sspan [%zu,%zu) beyond the text's %zu characters", where, out->start,
                        out->end, doc->text_chars);
            return false;
        }
        source_warn(src, "%sspan [%zu,%zu) beyond the %zu characters of document \"%s\"", where,
                    out->start, out->end, doc->text_chars, doc->id);
    }
    return true;
}

/* Reads one entity of doc; takes its norm out of obj. where prefixes messages. */
static ev_entity_result entity_from_json(ev_run *run, ev_source *src, cJSON *obj, const char *where,
                                         const ev_doc *doc, bool gold, ev_entity *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) {
        source_skip(src, "%snot an object", where);
        return EV_ENTITY_BAD;
    }
    const cJSON *type = field(obj, "type");
    if (!cJSON_IsString(type)) {
        source_skip(src, "%sno \"type\" string", where);
        return EV_ENTITY_BAD;
    }
    if (!entity_span(src, obj, where, doc, gold, out)) return EV_ENTITY_BAD;
    out->type = resolve_type(run, type->valuestring, gold);
    if (out->type < 0) return EV_ENTITY_IGNORED;
    cJSON *norm = cJSON_DetachItemFromObjectCaseSensitive(obj, "norm");
    if (norm && !cJSON_IsObject(norm)) {
        if (!cJSON_IsNull(norm)) source_warn(src, "%s\"norm\" is not an object; ignored", where);
        cJSON_Delete(norm);
        norm = NULL;
    }
    out->norm = norm;
    return EV_ENTITY_OK;
}

/* Adds the entities of a JSON array to list. */
static void add_entities(ev_run *run, ev_source *src, cJSON *array, const ev_doc *doc, bool gold,
                         ev_list *list)
{
    size_t index = 0;
    cJSON *item;
    cJSON_ArrayForEach(item, array)
    {
        char where[48];
        ev_entity e;
        snprintf(where, sizeof where, "entity %zu: ", ++index);
        if (entity_from_json(run, src, item, where, doc, gold, &e) == EV_ENTITY_OK)
            list_push(list, &e);
    }
}

/* ------------------------------------------------------------------- gold */

static void doc_free(ev_doc *doc)
{
    free(doc->id);
    free(doc->text);
    list_free(&doc->gold);
    list_free(&doc->pred);
}

/* Reads the id and text of a gold document; false (reported) when unusable. */
static bool gold_doc_header(ev_run *run, ev_source *src, const cJSON *root, ev_doc *doc)
{
    const cJSON *text = field(root, "text");
    if (!cJSON_IsString(text)) {
        source_skip(src, "no \"text\" string");
        return false;
    }
    size_t bytes = strlen(text->valuestring);
    if (!utf8_count(text->valuestring, bytes, &doc->text_chars)) {
        source_skip(src, "\"text\" is not valid UTF-8");
        return false;
    }
    const cJSON *entities = field(root, "entities");
    if (entities && !cJSON_IsArray(entities)) {
        source_skip(src, "\"entities\" is not an array");
        return false;
    }
    char buf[512];
    const cJSON *idv = field(root, "id");
    const char *id = json_id(idv, buf, sizeof buf);
    if (!id && idv) {
        source_skip(src, "\"id\" is neither a string nor an integer");
        return false;
    }
    if (!id) {
        snprintf(buf, sizeof buf, "%s:%lu", src->name, src->line);
        id = buf;
    }
    if (!idmap_insert(&run->ids, id, run->ndocs)) {
        source_skip(src, "duplicate document id \"%s\"; skipped", id);
        return false;
    }
    doc->id = xstrdup(id);
    doc->text = xstrndup(text->valuestring, bytes);
    doc->text_bytes = bytes;
    doc->line = src->line;
    return true;
}

static void gold_line(ev_run *run, ev_source *src, char *line, size_t len)
{
    cJSON *root = parse_line(src, line, len);
    if (!root) return;
    ev_doc doc;
    memset(&doc, 0, sizeof doc);
    if (gold_doc_header(run, src, root, &doc)) {
        add_entities(run, src, field(root, "entities"), &doc, true, &doc.gold);
        run->docs = grow(run->docs, &run->capdocs, run->ndocs + 1, sizeof *run->docs);
        run->docs[run->ndocs++] = doc;
    }
    cJSON_Delete(root);
}

/* ------------------------------------------------------------ predictions */

/* The gold document a prediction record belongs to, or NULL (reported when
 * the record names none; counted when the document is not in gold). */
static ev_doc *pred_target(ev_run *run, ev_source *src, const cJSON *root)
{
    char buf[64];
    const cJSON *idv = field(root, "doc");
    if (!idv) idv = field(root, "id");
    const char *id = json_id(idv, buf, sizeof buf);
    if (!id) {
        source_skip(src, "no \"doc\" or \"id\" (string or integer)");
        return NULL;
    }
    size_t index = idmap_find(&run->ids, id);
    if (index == EV_NONE) {
        idmap_insert(&run->unknown, id, 0);
        return NULL;
    }
    return &run->docs[index];
}

static void pred_document(ev_run *run, ev_source *src, cJSON *root, cJSON *entities)
{
    if (!cJSON_IsArray(entities)) {
        source_skip(src, "\"entities\" is not an array");
        return;
    }
    ev_doc *doc = pred_target(run, src, root);
    if (doc) add_entities(run, src, entities, doc, false, &doc->pred);
}

static void pred_entity(ev_run *run, ev_source *src, cJSON *root)
{
    ev_doc *doc = pred_target(run, src, root);
    ev_entity e;
    if (doc && entity_from_json(run, src, root, "", doc, false, &e) == EV_ENTITY_OK)
        list_push(&doc->pred, &e);
}

static void pred_line(ev_run *run, ev_source *src, char *line, size_t len)
{
    cJSON *root = parse_line(src, line, len);
    if (!root) return;
    cJSON *entities = field(root, "entities");
    if (entities)
        pred_document(run, src, root, entities);
    else if (field(root, "type"))
        pred_entity(run, src, root);
    else
        source_skip(src, "neither an entity record (\"type\") nor a document record "
                         "(\"entities\")");
    cJSON_Delete(root);
}

/* ------------------------------------------------------------------ input */

typedef void (*ev_line_fn)(ev_run *run, ev_source *src, char *line, size_t len);

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void handle_line(ev_run *run, ev_source *src, ev_line_fn fn, char *line, size_t len)
{
    if (src->line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    while (len > 0 && is_space(line[len - 1]))
        len--;
    while (len > 0 && is_space(line[0])) {
        line++;
        len--;
    }
    if (len > 0) fn(run, src, line, len);
}

/* Streams path ("-" for standard input) line by line into fn. */
static int read_lines(ev_run *run, const char *path, ev_source *src, ev_line_fn fn)
{
    bool is_stdin = strcmp(path, "-") == 0;
    src->name = is_stdin ? "stdin" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "newsmine eval: %s: %s\n", path, strerror(errno));
        return EV_EXIT_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    errno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        src->line++;
        handle_line(run, src, fn, line, (size_t)n);
    }
    int status = EV_EXIT_OK;
    if (ferror(f) || !feof(f)) {
        fprintf(stderr, "newsmine eval: %s: read error: %s\n", src->name,
                strerror(errno ? errno : EIO));
        status = EV_EXIT_IO;
    }
    free(line);
    if (!is_stdin) fclose(f);
    return status;
}

/* ------------------------------------------------------------- extraction */

static void print_library_error(const char *what, const newsmine_error *err)
{
    char buf[1024];
    newsmine_error_format(err, buf, sizeof buf);
    fprintf(stderr, "newsmine eval: %s: %s\n", what, buf);
}

static void add_extracted(ev_run *run, ev_doc *doc, const newsmine_entity *ents, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *name = newsmine_type_name(ents[i].type);
        int type = name ? resolve_type(run, name, false) : -1;
        if (type < 0 || ents[i].start >= ents[i].end) continue;
        ev_entity e = {type, ents[i].start, ents[i].end, 0, NULL};
        if (ents[i].norm) {
            e.norm = cJSON_ParseWithLength(ents[i].norm, ents[i].norm_len);
            if (!e.norm) out_of_memory(); /* the library's norms are valid JSON */
        }
        if (e.norm && !cJSON_IsObject(e.norm)) {
            cJSON_Delete(e.norm);
            e.norm = NULL;
        }
        list_push(&doc->pred, &e);
    }
}

static void extract_doc(ev_run *run, newsmine_extractor *ex, ev_doc *doc)
{
    newsmine_error err;
    const newsmine_entity *ents = NULL;
    size_t count = 0;
    memset(&err, 0, sizeof err);
    if (newsmine_extract(ex, doc->text, doc->text_bytes, NULL, &ents, &count, &err) !=
        NEWSMINE_OK) {
        char what[600];
        snprintf(what, sizeof what, "%s:%lu: document \"%s\": extraction failed",
                 run->gold_src.name, doc->line, doc->id);
        print_library_error(what, &err);
        run->extract_failures++;
        return;
    }
    const char *first_rule = NULL;
    run->limit_hits += newsmine_extractor_limit_hits(ex, &first_rule);
    add_extracted(run, doc, ents, count);
}

/* Fills the predictions by running the extractor on every gold text. */
static int extract_predictions(ev_run *run)
{
    newsmine_error err;
    newsmine_rules *rules = NULL;
    newsmine_extractor *ex = NULL;
    memset(&err, 0, sizeof err);
    if (newsmine_rules_load(run->rules_dir, &rules, &err) != NEWSMINE_OK) {
        print_library_error("could not load the rules", &err);
        return EV_EXIT_RULES;
    }
    if (newsmine_extractor_new(rules, &ex, &err) != NEWSMINE_OK) {
        print_library_error("could not create an extractor", &err);
        newsmine_rules_free(rules);
        return EV_EXIT_RULES;
    }
    for (size_t i = 0; i < run->ndocs; i++)
        extract_doc(run, ex, &run->docs[i]);
    newsmine_extractor_free(ex);
    newsmine_rules_free(rules);
    return EV_EXIT_OK;
}

/* ----------------------------------------------------------- norm compare */

static double magnitude(double x)
{
    return x < 0 ? -x : x;
}

/* Equal up to a relative 1e-9, for values written as 300, 300.0 or 3e2. */
static bool numbers_equal(double a, double b)
{
    double scale = 1.0;
    if (magnitude(a) > scale) scale = magnitude(a);
    if (magnitude(b) > scale) scale = magnitude(b);
    return magnitude(a - b) <= 1e-9 * scale;
}

static bool json_equal(const cJSON *gold, const cJSON *pred);

/* Every key of gold is in pred with an equal value. */
static bool object_covers(const cJSON *gold, const cJSON *pred)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, gold)
    {
        if (!json_equal(item, field(pred, item->string))) return false;
    }
    return true;
}

static bool arrays_equal(const cJSON *gold, const cJSON *pred)
{
    const cJSON *g = gold->child, *p = pred->child;
    for (; g && p; g = g->next, p = p->next)
        if (!json_equal(g, p)) return false;
    return !g && !p;
}

/* Numbers numerically, strings exactly, objects by the gold keys. */
static bool json_equal(const cJSON *gold, const cJSON *pred)
{
    if (!gold || !pred) return false;
    if (cJSON_IsNumber(gold))
        return cJSON_IsNumber(pred) && numbers_equal(gold->valuedouble, pred->valuedouble);
    if (cJSON_IsString(gold))
        return cJSON_IsString(pred) && strcmp(gold->valuestring, pred->valuestring) == 0;
    if (cJSON_IsBool(gold)) return cJSON_IsBool(pred) && cJSON_IsTrue(gold) == cJSON_IsTrue(pred);
    if (cJSON_IsNull(gold)) return cJSON_IsNull(pred);
    if (cJSON_IsObject(gold)) return cJSON_IsObject(pred) && object_covers(gold, pred);
    if (cJSON_IsArray(gold)) return cJSON_IsArray(pred) && arrays_equal(gold, pred);
    return false;
}

/* ------------------------------------------------------------- statistics */

static void keystat_add(ev_stats *st, const char *key, size_t n, size_t agree)
{
    size_t i = 0;
    while (i < st->nkeys && strcmp(st->keys[i].key, key) != 0)
        i++;
    if (i == st->nkeys) {
        st->keys = grow(st->keys, &st->capkeys, i + 1, sizeof *st->keys);
        st->keys[i] = (ev_keystat){xstrdup(key), {0, 0}};
        st->nkeys++;
    }
    st->keys[i].count.n += n;
    st->keys[i].count.agree += agree;
}

static void stats_free(ev_stats *st)
{
    for (size_t i = 0; i < st->nkeys; i++)
        free(st->keys[i].key);
    free(st->keys);
}

/* Counts the norm agreement of one exact match; true when it agrees. */
static bool tally_norm(ev_stats *st, const cJSON *gold, const cJSON *pred)
{
    bool agrees = true;
    const cJSON *item;
    cJSON_ArrayForEach(item, gold)
    {
        bool equal = json_equal(item, field(pred, item->string));
        keystat_add(st, item->string, 1, equal);
        agrees = agrees && equal;
    }
    const cJSON *value = field(gold, "value");
    if (value) {
        st->value.n++;
        st->value.agree += json_equal(value, field(pred, "value"));
    }
    st->norm.n++;
    st->norm.agree += agrees;
    return agrees;
}

static void add_stats(ev_stats *sum, const ev_stats *st)
{
    sum->gold += st->gold;
    sum->pred += st->pred;
    sum->exact += st->exact;
    sum->overlap += st->overlap;
    sum->norm.n += st->norm.n;
    sum->norm.agree += st->norm.agree;
    sum->value.n += st->value.n;
    sum->value.agree += st->value.agree;
    for (size_t i = 0; i < st->nkeys; i++)
        keystat_add(sum, st->keys[i].key, st->keys[i].count.n, st->keys[i].count.agree);
}

static int compare_keystats(const void *a, const void *b)
{
    return strcmp(((const ev_keystat *)a)->key, ((const ev_keystat *)b)->key);
}

static void sort_keys(ev_stats *st)
{
    if (st->nkeys > 1) qsort(st->keys, st->nkeys, sizeof *st->keys, compare_keystats);
}

static ev_rate rate(size_t num, size_t den)
{
    ev_rate r = {den > 0, den > 0 ? (double)num / (double)den : 0.0};
    return r;
}

static ev_rate f1(size_t tp, size_t gold, size_t pred)
{
    return rate(2 * tp, gold + pred);
}

static ev_rate metric(const ev_stats *st, int which)
{
    switch (which) {
    case EV_M_F1:
        return f1(st->overlap, st->gold, st->pred);
    case EV_M_P:
        return rate(st->overlap, st->pred);
    case EV_M_R:
        return rate(st->overlap, st->gold);
    case EV_M_EXACT_F1:
        return f1(st->exact, st->gold, st->pred);
    case EV_M_EXACT_P:
        return rate(st->exact, st->pred);
    case EV_M_EXACT_R:
        return rate(st->exact, st->gold);
    case EV_M_NORM:
        return rate(st->norm.agree, st->norm.n);
    default:
        return rate(st->value.agree, st->value.n);
    }
}

/* --------------------------------------------------------------- matching */

static int compare_entities(const void *a, const void *b)
{
    const ev_entity *x = a, *y = b;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int compare_pairs(const void *a, const void *b)
{
    const ev_pair *x = a, *y = b;
    if (x->overlap != y->overlap) return x->overlap > y->overlap ? -1 : 1;
    if (x->gold != y->gold) return x->gold < y->gold ? -1 : 1;
    return x->pred < y->pred ? -1 : x->pred > y->pred;
}

static void match_prepare(ev_match *m, size_t ng, size_t np)
{
    if (ng > m->gold_cap) {
        m->gold_to = xrealloc(m->gold_to, ng, sizeof *m->gold_to);
        m->exact = xrealloc(m->exact, ng, sizeof *m->exact);
        m->gold_cap = ng;
    }
    if (np > m->pred_cap) {
        m->pred_to = xrealloc(m->pred_to, np, sizeof *m->pred_to);
        m->pred_max_end = xrealloc(m->pred_max_end, np, sizeof *m->pred_max_end);
        m->pred_cap = np;
    }
    for (size_t i = 0; i < ng; i++)
        m->gold_to[i] = EV_NONE;
    for (size_t i = 0; i < ng; i++)
        m->exact[i] = 0;
    for (size_t j = 0; j < np; j++)
        m->pred_to[j] = EV_NONE;
    m->npairs = 0;
}

static void match_pair(ev_match *m, size_t i, size_t j)
{
    m->gold_to[i] = j;
    m->pred_to[j] = i;
}

/* Pairs identical spans; both lists are sorted by (start, end). */
static void match_exact(ev_match *m, const ev_entity *g, size_t ng, const ev_entity *p, size_t np)
{
    size_t i = 0, j = 0;
    while (i < ng && j < np) {
        if (g[i].start == p[j].start && g[i].end == p[j].end) {
            match_pair(m, i, j);
            m->exact[i] = 1;
            i++;
            j++;
        } else if (g[i].start < p[j].start || (g[i].start == p[j].start && g[i].end < p[j].end)) {
            i++;
        } else {
            j++;
        }
    }
}

static void add_pair(ev_match *m, size_t i, size_t j, size_t overlap)
{
    m->pairs = grow(m->pairs, &m->pairs_cap, m->npairs + 1, sizeof *m->pairs);
    m->pairs[m->npairs++] = (ev_pair){i, j, overlap};
}

/* First prediction that starts at or after end. */
static size_t preds_before(const ev_entity *p, size_t np, size_t end)
{
    size_t lo = 0, hi = np;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].start < end)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Collects the overlapping unmatched pairs of gold i. */
static void overlap_candidates(ev_match *m, size_t i, const ev_entity *g, const ev_entity *p,
                               size_t np)
{
    for (size_t j = preds_before(p, np, g->end); j-- > 0 && m->pred_max_end[j] > g->start;) {
        if (m->pred_to[j] != EV_NONE || p[j].end <= g->start) continue;
        size_t lo = g->start > p[j].start ? g->start : p[j].start;
        size_t hi = g->end < p[j].end ? g->end : p[j].end;
        add_pair(m, i, j, hi - lo);
    }
}

/* Pairs the rest greedily by decreasing overlap. */
static void match_overlap(ev_match *m, const ev_entity *g, size_t ng, const ev_entity *p, size_t np)
{
    for (size_t j = 0; j < np; j++) {
        size_t prev = j > 0 ? m->pred_max_end[j - 1] : 0;
        m->pred_max_end[j] = p[j].end > prev ? p[j].end : prev;
    }
    for (size_t i = 0; i < ng; i++)
        if (m->gold_to[i] == EV_NONE) overlap_candidates(m, i, &g[i], p, np);
    if (m->npairs > 1) qsort(m->pairs, m->npairs, sizeof *m->pairs, compare_pairs);
    for (size_t k = 0; k < m->npairs; k++) {
        const ev_pair *pair = &m->pairs[k];
        if (m->gold_to[pair->gold] == EV_NONE && m->pred_to[pair->pred] == EV_NONE)
            match_pair(m, pair->gold, pair->pred);
    }
}

static void record_error(ev_run *run, int type, int kind, size_t doc, size_t gold, size_t pred)
{
    ev_errors *list = &run->errors[type][kind];
    if (list->len >= run->opt.show_errors) return;
    list->items = grow(list->items, &list->cap, list->len + 1, sizeof *list->items);
    list->items[list->len++] = (ev_error){doc, gold, pred};
}

/* Counts the matches of one document and type; g0 and p0 are where the
 * type's entities begin in the document's lists. */
static void tally_matches(ev_run *run, int type, size_t doc, size_t g0, size_t ng, size_t p0,
                          size_t np)
{
    const ev_match *m = &run->match;
    const ev_doc *d = &run->docs[doc];
    ev_stats *st = &run->stats[type];
    st->gold += ng;
    st->pred += np;
    for (size_t i = 0; i < ng; i++) {
        size_t j = m->gold_to[i];
        if (j != EV_NONE) st->overlap++;
        if (!m->exact[i]) {
            record_error(run, type, EV_FN, doc, g0 + i, j == EV_NONE ? EV_NONE : p0 + j);
            continue;
        }
        st->exact++;
        if (!tally_norm(st, d->gold.items[g0 + i].norm, d->pred.items[p0 + j].norm))
            record_error(run, type, EV_NORM, doc, g0 + i, p0 + j);
    }
    for (size_t j = 0; j < np; j++) {
        size_t i = m->pred_to[j];
        if (i == EV_NONE || !m->exact[i])
            record_error(run, type, EV_FP, doc, i == EV_NONE ? EV_NONE : g0 + i, p0 + j);
    }
}

static void match_type(ev_run *run, int type, size_t doc, size_t g0, size_t ng, size_t p0,
                       size_t np)
{
    const ev_doc *d = &run->docs[doc];
    const ev_entity *g = d->gold.items + g0, *p = d->pred.items + p0;
    match_prepare(&run->match, ng, np);
    match_exact(&run->match, g, ng, p, np);
    match_overlap(&run->match, g, ng, p, np);
    tally_matches(run, type, doc, g0, ng, p0, np);
}

static void sort_entities(ev_list *list)
{
    if (list->len > 1) qsort(list->items, list->len, sizeof *list->items, compare_entities);
}

/* End of the run of entities of one type starting at i. */
static size_t type_run_end(const ev_list *list, size_t i, int type)
{
    while (i < list->len && list->items[i].type == type)
        i++;
    return i;
}

static void evaluate_doc(ev_run *run, size_t doc)
{
    ev_doc *d = &run->docs[doc];
    sort_entities(&d->gold);
    sort_entities(&d->pred);
    size_t gi = 0, pi = 0;
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++) {
        size_t gend = type_run_end(&d->gold, gi, type);
        size_t pend = type_run_end(&d->pred, pi, type);
        if (gend > gi || pend > pi) match_type(run, type, doc, gi, gend - gi, pi, pend - pi);
        gi = gend;
        pi = pend;
    }
}

static unsigned gold_types(const ev_run *run)
{
    unsigned mask = 0;
    for (size_t i = 0; i < run->ndocs; i++)
        for (size_t k = 0; k < run->docs[i].gold.len; k++)
            mask |= 1u << run->docs[i].gold.items[k].type;
    return mask;
}

static bool reported(const ev_run *run, int type)
{
    return (run->report >> type) & 1u;
}

static void evaluate(ev_run *run)
{
    run->report = run->opt.types ? run->opt.types : gold_types(run);
    for (size_t i = 0; i < run->ndocs; i++)
        evaluate_doc(run, i);
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++) {
        sort_keys(&run->stats[type]);
        if (reported(run, type)) add_stats(&run->all, &run->stats[type]);
    }
    sort_keys(&run->all);
}

/* ------------------------------------------------------------------ notes */

static void note_unevaluated(const ev_run *run, bool gold)
{
    const char *sep = "";
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++) {
        size_t n = gold ? run->stats[type].gold : run->stats[type].pred;
        if (reported(run, type) || n == 0) continue;
        if (!*sep)
            fprintf(stderr, "newsmine eval: %s entities of types not evaluated: ",
                    gold ? "gold" : "predicted");
        fprintf(stderr, "%s%s %zu", sep, newsmine_type_name((newsmine_type)type), n);
        sep = ", ";
    }
    if (*sep) fputc('\n', stderr);
}

static void note_ignored(const ev_run *run)
{
    if (run->nignored == 0) return;
    fputs("newsmine eval: ignored types (mapped to '-' or not a schema type):", stderr);
    for (size_t i = 0; i < run->nignored; i++)
        fprintf(stderr, "%s %s (gold %zu, pred %zu)", i ? "," : "", run->ignored[i].name,
                run->ignored[i].gold, run->ignored[i].pred);
    fputc('\n', stderr);
}

static void print_notes(const ev_run *run)
{
    if (run->gold_src.skipped)
        fprintf(stderr, "newsmine eval: %s: %zu malformed lines or entities skipped\n",
                run->gold_src.name, run->gold_src.skipped);
    if (run->pred_src.skipped)
        fprintf(stderr, "newsmine eval: %s: %zu malformed lines or entities skipped\n",
                run->pred_src.name, run->pred_src.skipped);
    if (run->unknown.len)
        fprintf(stderr, "newsmine eval: %zu predicted documents not in the gold file ignored\n",
                run->unknown.len);
    if (run->extract_failures)
        fprintf(stderr, "newsmine eval: extraction failed on %zu documents\n",
                run->extract_failures);
    if (run->limit_hits)
        fprintf(stderr, "newsmine eval: %zu rule runs hit a match limit\n", run->limit_hits);
    note_ignored(run);
    note_unevaluated(run, true);
    note_unevaluated(run, false);
}

/* ------------------------------------------------------------ text output */

typedef enum { EV_RAW, EV_CLEAN, EV_ESCAPED } ev_style;

/* Prints one byte: raw, with control characters as spaces, or JSON-escaped. */
static void put_byte(unsigned char c, ev_style style)
{
    bool control = c < 0x20 || c == 0x7F;
    if (style == EV_CLEAN && control)
        putchar(' ');
    else if (style == EV_ESCAPED && (c == '"' || c == '\\'))
        printf("\\%c", c);
    else if (style == EV_ESCAPED && c == '\n')
        fputs("\\n", stdout);
    else if (style == EV_ESCAPED && control)
        printf("\\u%04x", c);
    else
        putchar(c);
}

/* Prints n bytes as valid UTF-8: invalid bytes become U+FFFD. */
static void put_text(const char *s, size_t n, ev_style style)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_char_len(p + i, n - i);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", stdout);
            i++;
        } else if (len == 1) {
            put_byte(p[i++], style);
        } else {
            fwrite(p + i, 1, len, stdout);
            i += len;
        }
    }
}

/* Prints a norm as compact JSON ("{}" for none). */
static void put_norm(const cJSON *norm)
{
    char *s = norm ? cJSON_PrintUnformatted(norm) : NULL;
    if (norm && !s) out_of_memory();
    if (s)
        put_text(s, strlen(s), EV_RAW);
    else
        fputs("{}", stdout);
    cJSON_free(s);
}

static void print_clean(const char *s, size_t n)
{
    put_text(s, n, EV_CLEAN);
}

static const char *format_rate(ev_rate r, char *buf, size_t size)
{
    if (!r.known) return "n/a";
    snprintf(buf, size, "%.3f", r.value);
    return buf;
}

static void print_row(const char *name, const ev_stats *st)
{
    static const int order[8] = {EV_M_P,       EV_M_R,        EV_M_F1,   EV_M_EXACT_P,
                                 EV_M_EXACT_R, EV_M_EXACT_F1, EV_M_NORM, EV_M_VALUE};
    char buf[8][16];
    const char *v[8];
    for (int k = 0; k < 8; k++)
        v[k] = format_rate(metric(st, order[k]), buf[k], sizeof buf[k]);
    printf("%-8s %6zu %6zu | %5s %5s %5s | %5s %5s %5s | %5s %5s\n", name, st->gold, st->pred, v[0],
           v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

static void print_keys(const char *name, const ev_stats *st)
{
    if (st->nkeys == 0) return;
    printf("  %s:", name);
    for (size_t i = 0; i < st->nkeys; i++) {
        const ev_keystat *k = &st->keys[i];
        fputs(i ? ", " : " ", stdout);
        print_clean(k->key, strlen(k->key));
        printf(" %zu/%zu", k->count.agree, k->count.n);
    }
    putchar('\n');
}

static void print_table(const ev_run *run)
{
    printf("%zu documents\n\n", run->ndocs);
    printf("%-8s %6s %6s | %-17s | %-17s |\n", "", "", "", "overlap", "exact");
    printf("%-8s %6s %6s | %5s %5s %5s | %5s %5s %5s | %5s %5s\n", "type", "gold", "pred", "P", "R",
           "F1", "P", "R", "F1", "norm", "value");
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++)
        if (reported(run, type))
            print_row(newsmine_type_name((newsmine_type)type), &run->stats[type]);
    print_row("all", &run->all);
    if (run->all.nkeys == 0) return;
    printf("\nnorm agreement per key (agree/n, exact matches):\n");
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++)
        if (reported(run, type))
            print_keys(newsmine_type_name((newsmine_type)type), &run->stats[type]);
    print_keys("all", &run->all);
}

/* Byte offsets of the context, the span and the context end in doc->text. */
typedef struct ev_cut {
    size_t before, start, end, after;
} ev_cut;

static ev_cut cut_span(const ev_doc *d, size_t start, size_t end)
{
    ev_cut c;
    c.before = utf8_offset(d->text, d->text_bytes, start > EV_CONTEXT ? start - EV_CONTEXT : 0);
    c.start = utf8_offset(d->text, d->text_bytes, start);
    c.end = utf8_offset(d->text, d->text_bytes, end);
    c.after = utf8_offset(d->text, d->text_bytes, end + EV_CONTEXT);
    return c;
}

static void print_span(const ev_doc *d, const ev_entity *e)
{
    ev_cut c = cut_span(d, e->start, e->end);
    printf("[%zu,%zu) \"", e->start, e->end);
    print_clean(d->text + c.start, c.end - c.start);
    putchar('"');
}

static void print_norm(const char *label, const cJSON *norm)
{
    printf(" %s ", label);
    put_norm(norm);
}

static void print_error(const ev_run *run, int kind, const ev_error *err)
{
    static const char *const labels[EV_KINDS] = {"FN  ", "FP  ", "NORM"};
    const ev_doc *d = &run->docs[err->doc];
    const ev_entity *g = err->gold == EV_NONE ? NULL : &d->gold.items[err->gold];
    const ev_entity *p = err->pred == EV_NONE ? NULL : &d->pred.items[err->pred];
    const ev_entity *e = kind == EV_FP ? p : g, *partner = kind == EV_FP ? g : p;
    printf("  %s ", labels[kind]);
    print_clean(d->id, strlen(d->id));
    putchar(' ');
    print_span(d, e);
    if (kind == EV_NORM) {
        print_norm("gold", g->norm);
        print_norm("pred", p->norm);
    } else if (partner) {
        printf("  ~%s ", kind == EV_FP ? "gold" : "pred");
        print_span(d, partner);
    }
    ev_cut c = cut_span(d, e->start, e->end);
    printf("\n       %s", c.before > 0 ? "..." : "");
    print_clean(d->text + c.before, c.start - c.before);
    fputs("[[", stdout);
    print_clean(d->text + c.start, c.end - c.start);
    fputs("]]", stdout);
    print_clean(d->text + c.end, c.after - c.end);
    printf("%s\n", c.after < d->text_bytes ? "..." : "");
}

static void print_type_errors(const ev_run *run, int type)
{
    const ev_stats *st = &run->stats[type];
    printf("\n%s: %zu false negatives, %zu false positives, %zu norm mismatches "
           "(exact matching; ~ marks an overlapping counterpart)\n",
           newsmine_type_name((newsmine_type)type), st->gold - st->exact, st->pred - st->exact,
           st->norm.n - st->norm.agree);
    for (int kind = 0; kind < EV_KINDS; kind++)
        for (size_t i = 0; i < run->errors[type][kind].len; i++)
            print_error(run, kind, &run->errors[type][kind].items[i]);
}

static void print_text(const ev_run *run)
{
    print_table(run);
    if (run->opt.show_errors == 0) return;
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++)
        if (reported(run, type)) print_type_errors(run, type);
}

/* ------------------------------------------------------------ JSON output */

static void json_string_n(const char *s, size_t n)
{
    putchar('"');
    put_text(s, n, EV_ESCAPED);
    putchar('"');
}

static void json_string(const char *s)
{
    json_string_n(s, strlen(s));
}

static void json_rate(ev_rate r)
{
    if (r.known)
        printf("%.4f", r.value);
    else
        fputs("null", stdout);
}

static void json_count(const char *ind, const char *name, ev_count c)
{
    printf("%s\"%s\": {\"n\": %zu, \"agree\": %zu, \"rate\": ", ind, name, c.n, c.agree);
    json_rate(rate(c.agree, c.n));
    fputs("},\n", stdout);
}

static void json_matching(const char *ind, const char *name, size_t tp, const ev_stats *st,
                          const int which[3])
{
    printf("%s\"%s\": {\"tp\": %zu, \"p\": ", ind, name, tp);
    json_rate(metric(st, which[0]));
    fputs(", \"r\": ", stdout);
    json_rate(metric(st, which[1]));
    fputs(", \"f1\": ", stdout);
    json_rate(metric(st, which[2]));
    fputs("},\n", stdout);
}

static void json_keys(const char *ind, const ev_stats *st)
{
    printf("%s\"keys\": {", ind);
    for (size_t i = 0; i < st->nkeys; i++) {
        const ev_count *c = &st->keys[i].count;
        printf("%s\n%s  ", i ? "," : "", ind);
        json_string(st->keys[i].key);
        printf(": {\"n\": %zu, \"agree\": %zu, \"rate\": ", c->n, c->agree);
        json_rate(rate(c->agree, c->n));
        putchar('}');
    }
    if (st->nkeys) printf("\n%s", ind);
    putchar('}');
}

static void json_span(const ev_doc *d, const ev_entity *e)
{
    ev_cut c = cut_span(d, e->start, e->end);
    printf("\"start\": %zu, \"end\": %zu, \"text\": ", e->start, e->end);
    json_string_n(d->text + c.start, c.end - c.start);
}

static void json_norm(const char *name, const cJSON *norm)
{
    printf(", \"%s\": ", name);
    put_norm(norm);
}

static void json_error(const ev_run *run, int kind, const ev_error *err)
{
    const ev_doc *d = &run->docs[err->doc];
    const ev_entity *g = err->gold == EV_NONE ? NULL : &d->gold.items[err->gold];
    const ev_entity *p = err->pred == EV_NONE ? NULL : &d->pred.items[err->pred];
    const ev_entity *e = kind == EV_FP ? p : g, *partner = kind == EV_FP ? g : p;
    fputs("{\"doc\": ", stdout);
    json_string(d->id);
    fputs(", ", stdout);
    json_span(d, e);
    ev_cut c = cut_span(d, e->start, e->end);
    fputs(", \"before\": ", stdout);
    json_string_n(d->text + c.before, c.start - c.before);
    fputs(", \"after\": ", stdout);
    json_string_n(d->text + c.end, c.after - c.end);
    if (kind == EV_NORM) {
        json_norm("gold_norm", g->norm);
        json_norm("pred_norm", p->norm);
    } else if (partner) {
        fputs(", \"overlaps\": {", stdout);
        json_span(d, partner);
        putchar('}');
    }
    putchar('}');
}

static void json_errors(const ev_run *run, int type, const char *ind)
{
    static const char *const names[EV_KINDS] = {"fn", "fp", "norm"};
    printf(",\n%s\"errors\": {", ind);
    for (int kind = 0; kind < EV_KINDS; kind++) {
        const ev_errors *list = &run->errors[type][kind];
        printf("%s\n%s  \"%s\": [", kind ? "," : "", ind, names[kind]);
        for (size_t i = 0; i < list->len; i++) {
            printf("%s\n%s    ", i ? "," : "", ind);
            json_error(run, kind, &list->items[i]);
        }
        if (list->len) printf("\n%s  ", ind);
        putchar(']');
    }
    printf("\n%s}", ind);
}

/* The members of one metrics object, each line indented by ind; type is -1
 * for the micro-average. */
static void json_stats(const ev_run *run, const ev_stats *st, int type, const char *ind)
{
    static const int overlap[3] = {EV_M_P, EV_M_R, EV_M_F1};
    static const int exact[3] = {EV_M_EXACT_P, EV_M_EXACT_R, EV_M_EXACT_F1};
    printf("%s\"gold\": %zu,\n%s\"pred\": %zu,\n", ind, st->gold, ind, st->pred);
    json_matching(ind, "overlap", st->overlap, st, overlap);
    json_matching(ind, "exact", st->exact, st, exact);
    json_count(ind, "norm", st->norm);
    json_count(ind, "value", st->value);
    json_keys(ind, st);
    if (type >= 0 && run->opt.show_errors > 0) json_errors(run, type, ind);
    putchar('\n');
}

static void print_json(const ev_run *run)
{
    printf("{\n  \"docs\": %zu,\n", run->ndocs);
    printf("  \"skipped\": {\"gold\": %zu, \"pred\": %zu},\n", run->gold_src.skipped,
           run->pred_src.skipped);
    printf("  \"pred_docs_not_in_gold\": %zu,\n", run->unknown.len);
    fputs("  \"types\": {", stdout);
    const char *sep = "\n";
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++) {
        if (!reported(run, type)) continue;
        printf("%s    \"%s\": {\n", sep, newsmine_type_name((newsmine_type)type));
        json_stats(run, &run->stats[type], type, "      ");
        fputs("    }", stdout);
        sep = ",\n";
    }
    fputs(*sep == ',' ? "\n  },\n" : "},\n", stdout);
    fputs("  \"all\": {\n", stdout);
    json_stats(run, &run->all, -1, "    ");
    fputs("  }\n}\n", stdout);
}

/* ------------------------------------------------------------- thresholds */

static int check_thresholds(const ev_run *run)
{
    int status = EV_EXIT_OK;
    for (size_t i = 0; i < run->opt.nmins; i++) {
        const ev_threshold *t = &run->opt.mins[i];
        const ev_stats *st = t->type < 0 ? &run->all : &run->stats[t->type];
        ev_rate r = metric(st, t->metric);
        if (r.known && r.value >= t->min) continue;
        char buf[16];
        fprintf(stderr, "newsmine eval: threshold failed: %s (got %s)\n", t->spec,
                format_rate(r, buf, sizeof buf));
        status = EV_EXIT_THRESHOLD;
    }
    return status;
}

/* ---------------------------------------------------------------- options */

static void print_usage(FILE *out)
{
    fputs("Usage: newsmine eval [OPTIONS] GOLD.jsonl [PRED.jsonl]\n"
          "\n"
          "Scores predicted entities against gold annotations. GOLD holds documents\n"
          "{\"id\", \"text\", \"entities\": [...]}; PRED holds entity records (\"doc\", \"type\",\n"
          "\"start\", \"end\", \"norm\") or document records (\"doc\" or \"id\", \"entities\").\n"
          "Without PRED the rules are run on every gold text. \"-\" reads standard input.\n"
          "\n"
          "Options:\n"
          "  --rules DIR            rules for extraction without PRED\n"
          "  --type-map FROM:TO     rename a gold or predicted type (repeatable, or a\n"
          "                         comma-separated list); TO \"-\" ignores the type, as\n"
          "                         are all types that are not schema types\n"
          "  --types LIST           comma-separated types to report (default: those in gold)\n"
          "  --json                 print one JSON object instead of the table\n"
          "  --min TYPE.METRIC=V    fail (exit 1) when the metric is below V or n/a;\n"
          "                         TYPE a schema type or \"all\" (micro-average); METRIC one\n"
          "                         of f1 p r (overlap), exact_f1 exact_p exact_r, norm, value\n"
          "  --show-errors N        list up to N false negatives, false positives and norm\n"
          "                         mismatches per type\n"
          "  -h, --help             show this help\n"
          "\n"
          "Overlap matching pairs each gold entity with at most one prediction of its\n"
          "type: identical spans first, then by largest overlap. norm: share of exact\n"
          "matches whose prediction has every gold norm key with an equal value; value:\n"
          "the same for the \"value\" key among exact matches whose gold norm has one.\n"
          "\n"
          "Exit status: 0 ok, 1 a threshold failed, 2 usage error, 3 rules could not be\n"
          "loaded, 4 I/O error, out of memory, or extraction failed on a document.\n",
          out);
}

static int usage_error(const char *fmt, ...) EV_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("newsmine eval: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'newsmine eval --help'.\n", stderr);
    return EV_EXIT_USAGE;
}

/* The schema type named by n bytes at s, or -1. */
static int type_from_text(const char *s, size_t n)
{
    int type = newsmine_type_from_name(s, n);
    return type >= 0 && type < NEWSMINE_TYPE_COUNT ? type : -1;
}

static int add_type_map(ev_options *opt, const char *item, size_t n)
{
    /* the last colon: source types may hold colons themselves (TIMEX3:DATE:date) */
    const char *colon = NULL;
    for (size_t i = n; i > 0 && !colon; i--)
        if (item[i - 1] == ':') colon = item + i - 1;
    if (!colon || colon == item || colon == item + n - 1)
        return usage_error("--type-map wants FROM:TO, not '%.*s'", (int)n, item);
    size_t from_len = (size_t)(colon - item), to_len = n - from_len - 1;
    if (!(to_len == 1 && *(colon + 1) == '-') && type_from_text(colon + 1, to_len) < 0)
        fprintf(stderr,
                "newsmine eval: warning: --type-map: '%.*s' is not a schema type; "
                "'%.*s' will be ignored\n",
                (int)to_len, colon + 1, (int)from_len, item);
    opt->maps = grow(opt->maps, &opt->capmaps, opt->nmaps + 1, sizeof *opt->maps);
    opt->maps[opt->nmaps].from = xstrndup(item, from_len);
    opt->maps[opt->nmaps].to = xstrndup(colon + 1, to_len);
    opt->nmaps++;
    return EV_EXIT_OK;
}

/* Calls fn on every comma-separated item of list; stops at an error. */
static int for_each_item(ev_options *opt, const char *list,
                         int (*fn)(ev_options *, const char *, size_t))
{
    for (const char *s = list;; s++) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        int status = fn(opt, s, n);
        if (status != EV_EXIT_OK || !comma) return status;
        s = comma;
    }
}

static int add_report_type(ev_options *opt, const char *item, size_t n)
{
    int type = type_from_text(item, n);
    if (type < 0)
        return usage_error("--types: unknown type '%.*s' (place, count, rank, unit, date, "
                           "quantity, person, org)",
                           (int)n, item);
    opt->types |= 1u << type;
    return EV_EXIT_OK;
}

static int find_metric(const char *s, size_t n)
{
    for (int i = 0; i < EV_METRICS; i++)
        if (strlen(metric_names[i]) == n && memcmp(metric_names[i], s, n) == 0) return i;
    return -1;
}

static int add_threshold(ev_options *opt, const char *spec)
{
    const char *dot = strchr(spec, '.'), *eq = strchr(spec, '=');
    if (!dot || !eq || eq < dot)
        return usage_error("--min wants TYPE.METRIC=VALUE, not '%s'", spec);
    ev_threshold t = {-1, find_metric(dot + 1, (size_t)(eq - dot - 1)), 0.0, spec};
    size_t type_len = (size_t)(dot - spec);
    if (!(type_len == 3 && memcmp(spec, "all", 3) == 0)) {
        t.type = type_from_text(spec, type_len);
        if (t.type < 0) return usage_error("--min: unknown type in '%s'", spec);
    }
    if (t.metric < 0)
        return usage_error("--min: unknown metric in '%s' (f1, p, r, exact_f1, exact_p, "
                           "exact_r, norm, value)",
                           spec);
    char *end = NULL;
    t.min = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || !(t.min >= 0.0 && t.min <= 1.0))
        return usage_error("--min: value in '%s' must be a number from 0 to 1", spec);
    opt->mins = grow(opt->mins, &opt->capmins, opt->nmins + 1, sizeof *opt->mins);
    opt->mins[opt->nmins++] = t;
    return EV_EXIT_OK;
}

static int parse_count(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < 0)
        return usage_error("--show-errors wants a number >= 0, not '%s'", s);
    *out = (size_t)v;
    return EV_EXIT_OK;
}

static int apply_option(ev_options *opt, const char *name, const char *value)
{
    if (strcmp(name, "rules") == 0) {
        opt->rules_dir = value;
        return EV_EXIT_OK;
    }
    if (strcmp(name, "type-map") == 0) return for_each_item(opt, value, add_type_map);
    if (strcmp(name, "types") == 0) return for_each_item(opt, value, add_report_type);
    if (strcmp(name, "min") == 0) return add_threshold(opt, value);
    return parse_count(value, &opt->show_errors); /* show-errors */
}

static bool takes_value(const char *name)
{
    static const char *const names[] = {"rules", "type-map", "types", "min", "show-errors"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) return true;
    return false;
}

/* Handles argv[*i], a "--name[=value]" option; may consume argv[*i + 1]. */
static int parse_long_option(ev_options *opt, int argc, char **argv, int *i)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    char name[32];
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n >= sizeof name) return usage_error("unknown option '%s'", argv[*i]);
    memcpy(name, arg, n);
    name[n] = '\0';
    bool is_help = strcmp(name, "help") == 0, is_json = strcmp(name, "json") == 0;
    if ((is_help || is_json) && eq) return usage_error("option '--%s' takes no value", name);
    if (is_help) return EV_HELP;
    if (is_json) {
        opt->json = true;
        return EV_EXIT_OK;
    }
    if (!takes_value(name)) return usage_error("unknown option '%s'", argv[*i]);
    if (eq) return apply_option(opt, name, eq + 1);
    if (*i + 1 >= argc) return usage_error("option '--%s' needs a value", name);
    return apply_option(opt, name, argv[++*i]);
}

static int add_positional(ev_options *opt, const char *arg)
{
    if (!opt->gold_path)
        opt->gold_path = arg;
    else if (!opt->pred_path)
        opt->pred_path = arg;
    else
        return usage_error("too many arguments ('%s')", arg);
    return EV_EXIT_OK;
}

static int check_arguments(const ev_options *opt)
{
    if (!opt->gold_path) return usage_error("GOLD.jsonl is required");
    if (opt->pred_path && strcmp(opt->gold_path, "-") == 0 && strcmp(opt->pred_path, "-") == 0)
        return usage_error("GOLD and PRED cannot both be standard input");
    return EV_EXIT_OK;
}

static int parse_options(int argc, char **argv, ev_options *opt)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int status = EV_EXIT_OK;
        if (options_done || arg[0] != '-' || arg[1] == '\0')
            status = add_positional(opt, arg);
        else if (strcmp(arg, "--") == 0)
            options_done = true;
        else if (strcmp(arg, "-h") == 0)
            status = EV_HELP;
        else if (arg[1] == '-')
            status = parse_long_option(opt, argc, argv, &i);
        else
            status = usage_error("unknown option '%s'", arg);
        if (status != EV_EXIT_OK) return status;
    }
    return check_arguments(opt);
}

/* -------------------------------------------------------------------- run */

static void run_free(ev_run *run)
{
    for (size_t i = 0; i < run->ndocs; i++)
        doc_free(&run->docs[i]);
    free(run->docs);
    idmap_free(&run->ids);
    idmap_free(&run->unknown);
    for (size_t i = 0; i < run->nignored; i++)
        free(run->ignored[i].name);
    free(run->ignored);
    for (int type = 0; type < NEWSMINE_TYPE_COUNT; type++) {
        stats_free(&run->stats[type]);
        for (int kind = 0; kind < EV_KINDS; kind++)
            free(run->errors[type][kind].items);
    }
    stats_free(&run->all);
    free(run->match.gold_to);
    free(run->match.pred_to);
    free(run->match.exact);
    free(run->match.pred_max_end);
    free(run->match.pairs);
    for (size_t i = 0; i < run->opt.nmaps; i++) {
        free(run->opt.maps[i].from);
        free(run->opt.maps[i].to);
    }
    free(run->opt.maps);
    free(run->opt.mins);
}

static int run_eval(ev_run *run)
{
    int status = read_lines(run, run->opt.gold_path, &run->gold_src, gold_line);
    if (status != EV_EXIT_OK) return status;
    if (run->opt.pred_path)
        status = read_lines(run, run->opt.pred_path, &run->pred_src, pred_line);
    else
        status = extract_predictions(run);
    if (status != EV_EXIT_OK) return status;
    evaluate(run);
    print_notes(run);
    if (run->opt.json)
        print_json(run);
    else
        print_text(run);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "newsmine eval: write error: %s\n", strerror(errno));
        return EV_EXIT_IO;
    }
    status = check_thresholds(run);
    /* scores without a document's predictions are not the rules' scores */
    return run->extract_failures ? EV_EXIT_IO : status;
}

int newsmine_cli_eval(int argc, char **argv, const char *default_rules_dir)
{
    ev_run run;
    memset(&run, 0, sizeof run);
    run.pred_src.name = "(none)";
    int status = parse_options(argc, argv, &run.opt);
    if (status == EV_HELP) {
        print_usage(stdout);
        status = EV_EXIT_OK;
    } else if (status == EV_EXIT_OK) {
        run.rules_dir = run.opt.rules_dir ? run.opt.rules_dir : default_rules_dir;
        if (!run.opt.pred_path && !run.rules_dir)
            status = usage_error("no PRED file and no rules directory (--rules DIR)");
        else
            status = run_eval(&run);
    }
    run_free(&run);
    return status;
}
