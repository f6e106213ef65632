/* Between sink.c (URLs, batching, the committer thread, packed records) and
 * the database back-ends sink_sqlite.c and sink_pg.c. Not for main.c. */
#ifndef NEWSMINE_CLI_SINK_INTERNAL_H
#define NEWSMINE_CLI_SINK_INTERNAL_H

#include "sink.h"

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

/* Reads the packed record at *p (end: the end of the bytes), validating all
 * of it, and advances *p past it. False for bytes that are not one. */
bool sink_read_record(const unsigned char **p, const unsigned char *end, sink_doc_view *v);

/* The next entity of doc into e; false after the last. */
bool sink_next_entity(sink_doc_view *doc, sink_entity_view *e);

/* What a back-end reports of one batch. */
typedef struct sink_batch_result {
    unsigned long long documents_new, entities_new; /* rows inserted, not already there */
    char error[1200];                               /* on failure, in words */
} sink_batch_result;

/* A database. Its functions are called by one thread at a time: open by the
 * caller, write_batch by the committer thread (or the caller when there is
 * none), close by the caller after the committer is gone. */
typedef struct sink_backend {
    const char *kind;
    /* Writes the packed records (whole documents, already validated) in one
     * transaction: all of them or, on an error, none. */
    sink_status (*write_batch)(void *impl, const unsigned char *packed, size_t len,
                               sink_batch_result *result);
    /* After the last batch of a load that did not fail: the work left for
     * the end (indexes of tables this load created). NULL: nothing. */
    sink_status (*finish)(void *impl, char *err, size_t errlen);
    void (*close)(void *impl);
} sink_backend;

/* The back-ends' open functions: *impl and *backend on success, else an
 * error with its message in err. */
sink_status sink_sqlite_open(const char *path, const sink_backend **backend, void **impl,
                             char *err, size_t errlen);
sink_status sink_pg_open(const char *conninfo, const sink_backend **backend, void **impl,
                         char *err, size_t errlen);

/* The SQL of docs/schema.sql and docs/schema-sqlite.sql (generated from
 * those files at build time), in two parts: the tables, and the CREATE
 * INDEX statements that end each file. A load into tables it creates builds
 * the indexes once at the end, in one sort, rather than entry by entry. */
extern const char sink_schema_postgresql_tables[];
extern const char sink_schema_postgresql_indexes[];
extern const char sink_schema_sqlite_tables[];
extern const char sink_schema_sqlite_indexes[];

#endif
