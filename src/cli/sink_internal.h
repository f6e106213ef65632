/* Between sink.c (URLs, batching, packed records) and the database
 * back-ends sink_sqlite.c and sink_pg.c. Not for main.c. */
#ifndef NEWSMINE_CLI_SINK_INTERNAL_H
#define NEWSMINE_CLI_SINK_INTERNAL_H

#include "sink.h"

#include <stdarg.h>
#include <stdint.h>

/* One entity of a packed record; strings are not NUL-terminated. */
typedef struct sink_entity_view {
    const char *id; /* ENTITY_ID_LEN hex digits */
    const char *type;
    size_t type_len;
    uint64_t start, end;
    const char *text;
    size_t text_len;
    const char *norm;
    size_t norm_len;
    const char *rule;
    size_t rule_len;
} sink_entity_view;

/* One packed document; iterate its entities with sink_next_entity. */
typedef struct sink_doc_view {
    const char *id;
    size_t id_len;
    const char *meta; /* a JSON object */
    size_t meta_len;
    const char *text; /* NULL without --store-text */
    size_t text_len;
    uint64_t repaired;
    uint64_t entity_count;
    const unsigned char *next, *end; /* the entities not yet iterated */
} sink_doc_view;

/* The next entity of doc into e; false after the last. */
bool sink_next_entity(sink_doc_view *doc, sink_entity_view *e);

typedef struct sink_backend {
    const char *kind;
    /* adds a document to the open batch (beginning one when none is open) */
    sink_status (*add)(sink *s, sink_doc_view *doc);
    /* commits the open batch; nothing to do when none is open */
    sink_status (*commit)(sink *s);
    /* abandons the open batch */
    void (*rollback)(sink *s);
    void (*close)(sink *s);
} sink_backend;

struct sink {
    const sink_backend *backend;
    void *impl;
    sink_options opts;
    size_t pending_docs, pending_bytes;
    double batch_started; /* monotonic seconds */
    sink_status failed;   /* set by the first error: the sink then refuses to go on */
    sink_stats stats;
    newsmine_buffer scratch; /* sink_write_document packs here */
    char err[1024];
};

/* Formats the error into s->err and returns status. */
sink_status sink_fail(sink *s, sink_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The back-ends' open functions: fill s->backend and s->impl, or return an
 * error with s->err set. */
sink_status sink_sqlite_open(sink *s, const char *path);
sink_status sink_pg_open(sink *s, const char *conninfo);

/* The SQL of docs/schema.sql and docs/schema-sqlite.sql (generated from
 * those files at build time). */
extern const char sink_schema_postgresql[];
extern const char sink_schema_sqlite[];

#endif
