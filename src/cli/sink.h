/* --out URL: documents and their entities written straight into a database,
 * into the tables of docs/schema.sql (created when missing):
 *
 *   sqlite:PATH                        a SQLite database file (created when
 *                                      missing); sqlite://PATH is the same
 *   postgresql://... or postgres://... a PostgreSQL connection URI, as libpq
 *                                      takes it (postgresql:///db?host=/run/x)
 *
 * Idempotent and atomic per document: rows are written in batches, one
 * database transaction per batch, and a batch only ever holds whole
 * documents, so a document's rows land all or none. A document is inserted
 * with "on conflict do nothing" on its id, and its entities (whose ids are
 * the stable hash of entity_id.h) only when the document was new: one that
 * is there already has all of its entities. So loading the same input
 * again, or again after a killed load, leaves exactly one copy of every
 * row; a document already in the database is left as it is (its rows are
 * not updated), and of two documents with one id the first wins.
 *
 * Indexes: those missing (of tables a load creates) are built at the end of
 * the load, by sink_finish, in one sort each: much cheaper than entry by
 * entry. A load that fails or is killed leaves them to the next load.
 *
 * Threads: a sink is used by one thread at a time (the writer).
 * sink_pack_document needs no sink and may run in any number of threads at
 * once: workers pack, the writer calls sink_write_packed in input order.
 *
 * Errors: every function returns a sink_status; sink_error() then says what
 * happened in words, naming the database ("cannot connect to PostgreSQL
 * server on socket /tmp/x: No such file or directory", "permission denied
 * for table entities", "disk full"). Rows of the batch that failed are not
 * committed; the batches before it are. The first error stops the sink: every
 * later call returns it again. The command maps every status but
 * SINK_ERR_URL to exit status 4 (output could not be written).
 *
 * PostgreSQL commits a batch on a thread of its own while the next batch
 * fills (the server's work overlaps the extraction), so the error of a batch
 * may come back from a later sink_write_* call; sink_flush and sink_close
 * wait until everything sent is committed. */
#ifndef NEWSMINE_CLI_SINK_H
#define NEWSMINE_CLI_SINK_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct sink sink;

typedef enum sink_status {
    SINK_OK = 0,
    SINK_ERR_URL,        /* not a sink URL, or one that cannot be parsed (usage error) */
    SINK_ERR_CONNECT,    /* cannot connect, cannot open the file, database does not exist */
    SINK_ERR_PERMISSION, /* authentication failed, permission denied, read-only */
    SINK_ERR_FULL,       /* disk full, quota exceeded */
    SINK_ERR_BUSY,       /* locked by another process for too long, deadlock, serialization */
    SINK_ERR_DATA,       /* the database refused a value (argument or packed record invalid) */
    SINK_ERR_NOMEM,
    SINK_ERR_DB          /* any other database error (the message says which) */
} sink_status;

typedef struct sink_options {
    bool store_text;           /* documents.text holds the text (--store-text), else NULL */
    size_t batch_documents;    /* documents per transaction; 0 means 1000 */
    size_t batch_bytes;        /* or this many bytes of rows; 0 means 16 MiB */
    double batch_seconds;      /* or a batch this old, sent with the next document
                                  (input trickling from a pipe); 0 means 2 s */
} sink_options;

/* Counts since sink_open: rows committed that were new, and rows already
 * there (documents already in the database, with their entities). */
typedef struct sink_stats {
    unsigned long long documents_written, documents_present;
    unsigned long long entities_written, entities_present;
    unsigned long long batches; /* transactions sent */
    double write_seconds;       /* wall time spent writing batches */
    double write_cpu_seconds;   /* CPU time of this process's thread doing it */
    double finish_seconds;      /* wall time of the work at the end (indexes) */
} sink_stats;

/* True when s names a sink (sqlite:, postgresql://, postgres://); option
 * parsing can tell --out URL from --out FILE with it. */
bool sink_is_url(const char *s);

/* Opens the database and creates the tables and indexes that are missing.
 * On failure *out is NULL and err holds the reason in words. opts may be
 * NULL (defaults). */
sink_status sink_open(const char *url, const sink_options *opts, sink **out, char *err,
                      size_t errlen);

/* Adds a document and its entities to the current batch, committing the
 * batch when it is full. entities as newsmine_extract gives them. */
sink_status sink_write_document(sink *s, const newsmine_doc *doc,
                                const newsmine_entity *entities, size_t count);

/* Appends the packed form of a document and its entities to out: a
 * self-contained record (the doc's strings copied, entity ids computed) that
 * stays valid after the reader's and the extractor's pointers are gone.
 * store_text must match the sink's option. False when out of memory or the
 * entities are invalid; out is then as it was. Thread-safe. */
bool sink_pack_document(const newsmine_doc *doc, const newsmine_entity *entities, size_t count,
                        bool store_text, newsmine_buffer *out);

/* Writes len bytes of one or more packed records, in order, as
 * sink_write_document would have written each. SINK_ERR_DATA for bytes
 * that are not packed records (nothing of them is written then). */
sink_status sink_write_packed(sink *s, const void *packed, size_t len);

/* Commits the current batch and waits until it and every batch before it
 * are committed: after SINK_OK every document written so far is in. */
sink_status sink_flush(sink *s);

/* The end of a load: commits the current batch, waits for every batch,
 * then does the work left for the end (the indexes of tables this load
 * created). Nothing can be written after it. Once; sink_close calls it
 * when it was not called. */
sink_status sink_finish(sink *s);

/* Commits the current batch and closes. Accepts NULL. Returns the status of
 * the last commit, with its message in err; the sink is freed in any case. */
sink_status sink_close(sink *s, char *err, size_t errlen);

/* Closes without committing the current batch (after an error, or when the
 * run is abandoned): the database keeps the batches committed before. */
void sink_abort(sink *s);

/* The last error, in words ("" when none). Valid until the next call. */
const char *sink_error(const sink *s);

void sink_get_stats(const sink *s, sink_stats *out);

/* "sqlite" or "postgresql". */
const char *sink_kind(const sink *s);

#endif
