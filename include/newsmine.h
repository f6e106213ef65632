/*
 * newsmine: extract military units, counts, ranks, places, dates, quantities,
 * persons and organisations from news text, as JSON records whose spans point
 * into the text exactly as the caller gave it.
 *
 * The one public header of libnewsmine. Every symbol is prefixed newsmine_.
 *
 * Threads: a newsmine_rules object is immutable once loaded and may be shared
 * by any number of threads. Every other handle (reader, extractor, buffer) is
 * used by one thread at a time.
 *
 * Ownership: every *_new / *_load returns an object the caller frees with the
 * matching *_free; every *_free accepts NULL. Pointers a function returns
 * into an object stay valid until the next call on that object or its free,
 * as each function says.
 *
 * The library never prints and never exits: every failure is a status code
 * plus, where a newsmine_error is passed, a located message.
 */
#ifndef NEWSMINE_H
#define NEWSMINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(NEWSMINE_STATIC)
#define NEWSMINE_EXPORT
#elif defined(__GNUC__)
#define NEWSMINE_EXPORT __attribute__((visibility("default")))
#else
#define NEWSMINE_EXPORT
#endif

/* ---------------------------------------------------------------- version */

#define NEWSMINE_VERSION_MAJOR 0
#define NEWSMINE_VERSION_MINOR 1
#define NEWSMINE_VERSION_PATCH 0
#define NEWSMINE_VERSION_STRING "0.1.0"

/* The library's version ("0.1.0"); a static string. */
NEWSMINE_EXPORT const char *newsmine_version(void);

/* The versions of PCRE2, utf8proc and cJSON the library runs with, as one
 * static line ("PCRE2 10.42 (JIT), utf8proc 2.8.0, cJSON 1.7.15"). */
NEWSMINE_EXPORT const char *newsmine_dependency_versions(void);

/* ----------------------------------------------------------------- errors */

typedef enum newsmine_status {
    NEWSMINE_OK = 0,
    NEWSMINE_ERR_NOMEM,    /* an allocation failed */
    NEWSMINE_ERR_ARG,      /* a caller passed something the call cannot take */
    NEWSMINE_ERR_IO,       /* a file could not be read */
    NEWSMINE_ERR_RULES,    /* a rule file is wrong; the error names file:line:col */
    NEWSMINE_ERR_ENCODING, /* an encoding name iconv does not know */
    NEWSMINE_ERR_INPUT,    /* a document could not be taken (bad JSON, no text field) */
    NEWSMINE_ERR_LIMIT,    /* a size or match limit was reached */
    NEWSMINE_ERR_STOP      /* a callback asked to stop */
} newsmine_status;

/* A located error. file is empty, and line and col are 0, where unknown.
 * Plain data: nothing to free. */
typedef struct newsmine_error {
    newsmine_status status;
    char file[256];
    unsigned long line; /* 1-based */
    unsigned long col;  /* 1-based, in characters */
    char message[512];
} newsmine_error;

/* A static description of a status ("out of memory"). */
NEWSMINE_EXPORT const char *newsmine_status_string(newsmine_status status);

/* Writes "file:line:col: message" (the parts that are known) into buf, always
 * NUL-terminated when size > 0. Returns the length the full text needs. */
NEWSMINE_EXPORT size_t newsmine_error_format(const newsmine_error *err, char *buf, size_t size);

/* ------------------------------------------------------------ entity types */

typedef enum newsmine_type {
    NEWSMINE_PLACE = 0,
    NEWSMINE_COUNT,
    NEWSMINE_RANK,
    NEWSMINE_UNIT,
    NEWSMINE_DATE,
    NEWSMINE_QUANTITY,
    NEWSMINE_PERSON,
    NEWSMINE_ORG,
    NEWSMINE_TYPE_COUNT
} newsmine_type;

#define NEWSMINE_ALL_TYPES ((1u << NEWSMINE_TYPE_COUNT) - 1u)

/* "place", "count", ...; a static string, or NULL for a value out of range. */
NEWSMINE_EXPORT const char *newsmine_type_name(newsmine_type type);

/* The type named by the n bytes at name, or -1. */
NEWSMINE_EXPORT int newsmine_type_from_name(const char *name, size_t n);

/* Parses a comma-separated list of type names ("place,count") into a bit set
 * (1u << type). Returns 0 and fills err on an unknown name. */
NEWSMINE_EXPORT unsigned newsmine_types_parse(const char *list, newsmine_error *err);

/* ---------------------------------------------------------------- buffers */

/* A growable byte buffer the library appends to. Start it zeroed; the caller
 * owns data and releases it with newsmine_buffer_free. data is always
 * NUL-terminated after a successful append. */
typedef struct newsmine_buffer {
    char *data;
    size_t len;
    size_t cap;
} newsmine_buffer;

NEWSMINE_EXPORT void newsmine_buffer_free(newsmine_buffer *buf);

/* Makes room for extra more bytes and the NUL (the buffer keeps its bytes);
 * NEWSMINE_ERR_NOMEM when it cannot, the buffer unchanged. */
NEWSMINE_EXPORT newsmine_status newsmine_buffer_reserve(newsmine_buffer *buf, size_t extra);

/* Appends n bytes of data (which may hold NULs) and a NUL after them;
 * NEWSMINE_ERR_NOMEM when out of memory, the buffer unchanged. */
NEWSMINE_EXPORT newsmine_status newsmine_buffer_append(newsmine_buffer *buf, const void *data,
                                                       size_t n);

/* Appends the decimal digits of v (and a NUL after them); NEWSMINE_ERR_NOMEM
 * when out of memory, the buffer unchanged. */
NEWSMINE_EXPORT newsmine_status newsmine_buffer_append_uint(newsmine_buffer *buf, uint64_t v);

/* ------------------------------------------------------------------ rules */

/* A compiled rule directory: patterns compiled with JIT, gazetteers loaded.
 * Immutable once loaded; share it across threads. */
typedef struct newsmine_rules newsmine_rules;

/* Loads every *.rules file below dir (sorted by path, so loading is
 * deterministic). On failure returns NEWSMINE_ERR_RULES (or NOMEM, IO) with
 * err naming FILE:LINE:COL, and *out is NULL: never a half-loaded set.
 * The caller frees *out with newsmine_rules_free. */
NEWSMINE_EXPORT newsmine_status newsmine_rules_load(const char *dir, newsmine_rules **out,
                                                    newsmine_error *err);

NEWSMINE_EXPORT void newsmine_rules_free(newsmine_rules *rules);

/* How many regex rules and gazetteer entries were loaded. */
NEWSMINE_EXPORT size_t newsmine_rules_pattern_count(const newsmine_rules *rules);
NEWSMINE_EXPORT size_t newsmine_rules_gazetteer_entries(const newsmine_rules *rules);

/* ------------------------------------------------------------- documents */

/* One input document. All pointers belong to the reader that produced it and
 * are valid only during the callback that receives it. */
typedef struct newsmine_doc {
    const char *id; /* NUL-terminated */
    size_t id_len;
    const char *text; /* valid UTF-8 (invalid input repaired), NUL-terminated */
    size_t text_len;  /* bytes */
    const char *meta; /* JSON object of passed-through fields ("{}" when none) */
    size_t meta_len;
    const char *date; /* the --date-field value, or NULL */
    unsigned long long line; /* 1-based line of the input where it starts */
    size_t repaired;         /* U+FFFD characters put in for undecodable input */
} newsmine_doc;

/* A document the reader could not take: reported, never silently dropped.
 * Pointers valid only during the callback. */
typedef struct newsmine_rejection {
    const char *source; /* the input's name ("stdin" for standard input) */
    unsigned long long line;
    const char *reason; /* words */
    const char *raw;    /* the input bytes as read, for --reject files */
    size_t raw_len;
} newsmine_rejection;

/* Callbacks return 0 to go on, non-zero to stop the reader (it then returns
 * NEWSMINE_ERR_STOP). */
typedef int (*newsmine_doc_fn)(void *user, const newsmine_doc *doc);
typedef int (*newsmine_reject_fn)(void *user, const newsmine_rejection *rejection);

/* ----------------------------------------------------------------- reader */

typedef enum newsmine_input_format {
    NEWSMINE_INPUT_TEXT = 0, /* the whole stream is one document */
    NEWSMINE_INPUT_LINES,    /* one document per non-blank line */
    NEWSMINE_INPUT_JSONL,    /* one JSON object per non-blank line */
    NEWSMINE_INPUT_SNIFF     /* JSONL when the first non-blank byte is '{', else TEXT */
} newsmine_input_format;

typedef struct newsmine_reader_options {
    newsmine_input_format format;
    const char *source;     /* name used in ids and messages; NULL means "stdin" */
    const char *encoding;   /* iconv name; NULL means UTF-8 */
    const char *id_field;   /* JSONL; NULL means "id" */
    const char *text_field; /* JSONL; NULL means "text" */
    const char *date_field; /* JSONL; NULL means none */
    size_t max_doc_bytes;   /* 0 means 64 MiB */
} newsmine_reader_options;

/* A push parser: feed it the input in chunks of any size (the documents are
 * the same whatever the chunking), then finish it. The reader decodes the
 * encoding, splits documents, repairs invalid UTF-8 and assigns ids:
 * the id field; else SOURCE (text), SOURCE:LINE (lines, JSONL without id). */
typedef struct newsmine_reader newsmine_reader;

/* The caller frees *out with newsmine_reader_free. opts is copied. */
NEWSMINE_EXPORT newsmine_status newsmine_reader_new(const newsmine_reader_options *opts,
                                                    newsmine_doc_fn on_doc,
                                                    newsmine_reject_fn on_reject, void *user,
                                                    newsmine_reader **out, newsmine_error *err);

NEWSMINE_EXPORT newsmine_status newsmine_reader_feed(newsmine_reader *reader, const void *bytes,
                                                     size_t n, newsmine_error *err);

/* Ends the input: the last document (or the whole text) is delivered. */
NEWSMINE_EXPORT newsmine_status newsmine_reader_finish(newsmine_reader *reader,
                                                       newsmine_error *err);

/* Documents delivered and rejected so far. */
NEWSMINE_EXPORT unsigned long long newsmine_reader_documents(const newsmine_reader *reader);
NEWSMINE_EXPORT unsigned long long newsmine_reader_rejections(const newsmine_reader *reader);

NEWSMINE_EXPORT void newsmine_reader_free(newsmine_reader *reader);

/* ------------------------------------------------------------- extraction */

/* One extracted entity. Offsets count Unicode code points of the document
 * text as given, end exclusive: text == doc_text[start:end] in Python. The
 * byte offsets are the same span in the UTF-8 document text. */
typedef struct newsmine_entity {
    newsmine_type type;
    size_t start, end;           /* code points */
    size_t start_byte, end_byte; /* bytes of newsmine_doc.text */
    const char *rule;            /* "FILE:RULE", e.g. "en/count:number_noun" */
    const char *norm;            /* a JSON object, NUL-terminated */
    size_t norm_len;
} newsmine_entity;

typedef struct newsmine_extract_options {
    unsigned types;   /* bit set of (1u << newsmine_type); 0 means all */
    const char *date; /* the document's own date (ISO 8601) for relative dates, or NULL */
} newsmine_extract_options;

/* Per-thread scratch for extraction: match data, token and entity arrays, an
 * arena reset for every document. Uses rules, which must outlive it. */
typedef struct newsmine_extractor newsmine_extractor;

NEWSMINE_EXPORT newsmine_status newsmine_extractor_new(const newsmine_rules *rules,
                                                       newsmine_extractor **out,
                                                       newsmine_error *err);

NEWSMINE_EXPORT void newsmine_extractor_free(newsmine_extractor *ex);

/* Extracts the entities of one document (len bytes of valid UTF-8, as a
 * newsmine_doc carries). *entities points into ex, sorted by start, then
 * type, then end, and stays valid until the next call on ex. opts may be
 * NULL. Work is bounded: a rule that hits the PCRE2 match or depth limit is
 * skipped for this document and counted in newsmine_extractor_limit_hits.
 * A document written in capitals (wire copy) is matched without case, and
 * without the rules whose evidence is capitalisation (docs/rules.md); the
 * first such document also compiles the rules' caseless patterns, once for
 * all extractors of the rule set. */
NEWSMINE_EXPORT newsmine_status newsmine_extract(newsmine_extractor *ex, const char *text,
                                                 size_t len,
                                                 const newsmine_extract_options *opts,
                                                 const newsmine_entity **entities, size_t *count,
                                                 newsmine_error *err);

/* Rules that ran into a match limit during the last newsmine_extract call,
 * and the name of the first ("FILE:RULE"; pointer valid until the next call). */
NEWSMINE_EXPORT size_t newsmine_extractor_limit_hits(const newsmine_extractor *ex,
                                                     const char **first_rule);

/* Where an extractor's time goes, for tuning rule sets (the command prints
 * it when NEWSMINE_PROFILE=1). One entry per stage of the chain, named
 * "stage:normalize", "stage:tokenize", "stage:match", "stage:gazetteers",
 * "stage:resolve", "stage:norms" (calls: documents), then one per regex rule,
 * named "FILE:RULE" (calls: PCRE2 match attempts; skipped: attempts that the
 * rule's prefilter showed could not match, made without PCRE2). Counters sum
 * over the documents since profiling was turned on. */
typedef struct newsmine_profile_entry {
    const char *name;
    unsigned long long calls;
    unsigned long long matches;
    unsigned long long skipped;
    unsigned long long nanoseconds;
} newsmine_profile_entry;

/* Turns profiling on (counters zeroed) or off. Profiling makes extraction
 * slower; the entities are the same. */
NEWSMINE_EXPORT newsmine_status newsmine_extractor_profile_enable(newsmine_extractor *ex, int on);

/* The counters (an array in ex, valid until the next call on ex), and their
 * number; 0 when profiling is off. */
NEWSMINE_EXPORT size_t newsmine_extractor_profile(const newsmine_extractor *ex,
                                                  const newsmine_profile_entry **entries);

/* --------------------------------------------------------------- emitting */

typedef enum newsmine_emit_mode {
    NEWSMINE_EMIT_ENTITIES = 0, /* one JSON line per entity */
    NEWSMINE_EMIT_DOCUMENTS     /* one JSON line per document, with entities:[...] */
} newsmine_emit_mode;

typedef struct newsmine_emit_options {
    newsmine_emit_mode mode;
    int store_text; /* document records also carry "text" */
} newsmine_emit_options;

/* Appends the JSON Lines for one document to out: with ENTITIES one record
 * per entity (none for a document without entities), with DOCUMENTS exactly
 * one record. Records carry "repaired":N when the document had undecodable
 * input. Deterministic: the same input gives the same bytes. opts may be
 * NULL (entities). */
NEWSMINE_EXPORT newsmine_status newsmine_emit(const newsmine_doc *doc,
                                              const newsmine_entity *entities, size_t count,
                                              const newsmine_emit_options *opts,
                                              newsmine_buffer *out);

#ifdef __cplusplus
}
#endif

#endif /* NEWSMINE_H */
