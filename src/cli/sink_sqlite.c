/* The SQLite sink: one connection, WAL journal, prepared statements, one
 * transaction (BEGIN IMMEDIATE ... COMMIT) per batch of whole documents.
 * A document goes in with INSERT ... ON CONFLICT DO NOTHING on its id, and
 * its entities only when it was new: a document's rows land all or none, so
 * one that is there already has all of its entities. */
#include "sink_internal.h"

#include "entity_id.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sqlite_sink {
    sqlite3 *db;
    sqlite3_stmt *insert_doc, *insert_entity;
    char *path;
    bool indexes_pending; /* an index is missing: made at the end */
} sqlite_sink;

static const char insert_doc_sql[] =
    "INSERT INTO documents (id, metadata, text, repaired) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT DO NOTHING";
static const char insert_entity_sql[] =
    "INSERT INTO entities (id, doc, type, start, \"end\", text, norm, rule) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING";

/* Classifies an SQLite result code (and the errno behind it) into words. */
static sink_status fail_sqlite(sqlite_sink *q, int rc, const char *doing, char *err,
                               size_t errlen)
{
    int primary = rc & 0xff;
    int sys = q->db ? sqlite3_system_errno(q->db) : 0;
    const char *msg = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
    sink_status st = SINK_ERR_DB;
    const char *words = "database error";
    switch (primary) {
    case SQLITE_FULL: st = SINK_ERR_FULL, words = "disk full"; break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: st = SINK_ERR_PERMISSION, words = "permission denied (read-only)"; break;
    case SQLITE_CANTOPEN:
        st = sys == EACCES || sys == EPERM ? SINK_ERR_PERMISSION : SINK_ERR_CONNECT;
        words = sys == EACCES || sys == EPERM ? "permission denied" : "cannot open the database";
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: st = SINK_ERR_BUSY, words = "the database is locked by another process"; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: words = "not a SQLite database, or a damaged one"; break;
    case SQLITE_NOMEM: st = SINK_ERR_NOMEM, words = "out of memory"; break;
    case SQLITE_IOERR:
        if (sys == ENOSPC || sys == EDQUOT) st = SINK_ERR_FULL, words = "disk full";
        else if (sys == EACCES || sys == EPERM || sys == EROFS)
            st = SINK_ERR_PERMISSION, words = "permission denied";
        else words = "I/O error";
        break;
    default: break;
    }
    if (sys && primary != SQLITE_CONSTRAINT && primary != SQLITE_ERROR)
        snprintf(err, errlen, "sqlite:%s: %s while %s: %s (%s)", q->path, words, doing, msg,
                 strerror(sys));
    else
        snprintf(err, errlen, "sqlite:%s: %s while %s: %s", q->path, words, doing, msg);
    return st;
}

static sink_status exec(sqlite_sink *q, const char *sql, const char *doing, char *err,
                        size_t errlen)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SINK_OK : fail_sqlite(q, rc, doing, err, errlen);
}

static int bind_text(sqlite3_stmt *st, int i, const char *p, size_t n)
{
    return sqlite3_bind_text64(st, i, p ? p : "", (sqlite3_uint64)n, SQLITE_STATIC, SQLITE_UTF8);
}

/* Runs stmt; counts the row as new when it was inserted. */
static int step(sqlite_sink *q, sqlite3_stmt *stmt, unsigned long long *inserted)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return rc;
    *inserted += sqlite3_changes(q->db) > 0;
    return SQLITE_OK;
}

static int insert_document(sqlite_sink *q, sink_doc_view *doc, sink_batch_result *r,
                           const char **doing)
{
    sqlite3_stmt *d = q->insert_doc;
    *doing = "writing a document";
    int rc = bind_text(d, 1, doc->id, doc->id_len);
    if (!rc) rc = bind_text(d, 2, doc->meta, doc->meta_len);
    if (!rc) rc = doc->text ? bind_text(d, 3, doc->text, doc->text_len) : sqlite3_bind_null(d, 3);
    if (!rc) rc = sqlite3_bind_int64(d, 4, (sqlite3_int64)doc->repaired);
    unsigned long long documents_before = r->documents_new;
    if (!rc) rc = step(q, d, &r->documents_new);
    if (rc || r->documents_new == documents_before) return rc;
    sqlite3_stmt *e = q->insert_entity;
    *doing = "writing an entity";
    sink_entity_view ev;
    while (sink_next_entity(doc, &ev)) {
        rc = bind_text(e, 1, ev.id, ENTITY_ID_LEN);
        if (!rc) rc = bind_text(e, 2, doc->id, doc->id_len);
        if (!rc) rc = bind_text(e, 3, ev.type, ev.type_len);
        if (!rc) rc = sqlite3_bind_int64(e, 4, (sqlite3_int64)ev.start);
        if (!rc) rc = sqlite3_bind_int64(e, 5, (sqlite3_int64)ev.end);
        if (!rc) rc = bind_text(e, 6, ev.text, ev.text_len);
        if (!rc) rc = bind_text(e, 7, ev.norm, ev.norm_len);
        if (!rc) rc = bind_text(e, 8, ev.rule, ev.rule_len);
        if (!rc) rc = step(q, e, &r->entities_new);
        if (rc) return rc;
    }
    return SQLITE_OK;
}

static sink_status sqlite_write_batch(void *impl, const unsigned char *packed, size_t len,
                                      sink_batch_result *r)
{
    sqlite_sink *q = impl;
    sink_status st = exec(q, "BEGIN IMMEDIATE", "beginning a transaction", r->error,
                          sizeof r->error);
    if (st) return st;
    const unsigned char *p = packed, *end = packed + len;
    const char *doing = "writing a document";
    int rc = SQLITE_OK;
    sink_doc_view doc;
    while (!rc && p < end && sink_read_record(&p, end, &doc))
        rc = insert_document(q, &doc, r, &doing);
    if (!rc) {
        doing = "committing";
        rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
    }
    if (!rc) return SINK_OK;
    st = fail_sqlite(q, rc, doing, r->error, sizeof r->error);
    if (!sqlite3_get_autocommit(q->db)) sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    r->documents_new = r->entities_new = 0;
    return st;
}

static void sqlite_close(void *impl)
{
    sqlite_sink *q = impl;
    if (!q) return;
    sqlite3_finalize(q->insert_doc);
    sqlite3_finalize(q->insert_entity);
    sqlite3_close(q->db);
    free(q->path);
    free(q);
}

static sink_status run_in_transaction(sqlite_sink *q, const char *sql, const char *doing,
                                      char *err, size_t errlen)
{
    sink_status st = exec(q, "BEGIN IMMEDIATE", doing, err, errlen);
    if (!st) st = exec(q, sql, doing, err, errlen);
    if (!st) st = exec(q, "COMMIT", doing, err, errlen);
    if (st && !sqlite3_get_autocommit(q->db)) sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

static sink_status sqlite_finish(void *impl, char *err, size_t errlen)
{
    sqlite_sink *q = impl;
    if (!q->indexes_pending) return SINK_OK;
    q->indexes_pending = false;
    return run_in_transaction(q, sink_schema_sqlite_indexes, "creating the indexes", err, errlen);
}

static const sink_backend sqlite_backend = {"sqlite", sqlite_write_batch, sqlite_finish,
                                            sqlite_close};

/* Creates the tables of docs/schema-sqlite.sql that are missing; missing
 * indexes (of tables created now, or of a first load that was killed) wait
 * for the end of the load (sqlite_finish) and are made in one sort each;
 * those that exist are kept up to date row by row. */
static sink_status create_schema(sqlite_sink *q, char *err, size_t errlen)
{
    sink_status st = exec(q, "BEGIN IMMEDIATE", "creating the tables", err, errlen);
    if (!st) st = exec(q, sink_schema_sqlite_tables, "creating the tables", err, errlen);
    sqlite3_stmt *probe = NULL;
    if (!st) {
        int rc = sqlite3_prepare_v2(q->db,
                                    "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                    "AND name IN ('entities_doc', 'entities_type')",
                                    -1, &probe, NULL);
        if (!rc) rc = sqlite3_step(probe);
        if (rc == SQLITE_ROW) q->indexes_pending = sqlite3_column_int(probe, 0) < 2;
        else st = fail_sqlite(q, rc, "looking for the indexes", err, errlen);
        sqlite3_finalize(probe);
    }
    if (!st) st = exec(q, "COMMIT", "creating the tables", err, errlen);
    if (st && !sqlite3_get_autocommit(q->db)) sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* For the tests: the connection of a SQLite sink (PRAGMA max_page_count
 * makes a disk full); only before the first batch is written. */
void *sink_impl_for_tests(sink *s, const char *kind);
sqlite3 *sink_sqlite_handle(sink *s);

sqlite3 *sink_sqlite_handle(sink *s)
{
    sqlite_sink *q = sink_impl_for_tests(s, "sqlite");
    return q ? q->db : NULL;
}

sink_status sink_sqlite_open(const char *path, const sink_backend **backend, void **impl,
                             char *err, size_t errlen)
{
    sqlite_sink *q = calloc(1, sizeof *q);
    if (!q || !(q->path = strdup(path))) {
        free(q);
        snprintf(err, errlen, "out of memory");
        return SINK_ERR_NOMEM;
    }
    int rc = sqlite3_open_v2(path, &q->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    sink_status st = rc ? fail_sqlite(q, rc, "opening", err, errlen) : SINK_OK;
    if (!st) {
        sqlite3_extended_result_codes(q->db, 1);
        /* loaders of one file take turns; one may hold the lock for a
         * while (a batch, the indexes at the end of a large load) */
        sqlite3_busy_timeout(q->db, 600000);
        /* WAL: readers go on while newsmine writes; NORMAL: a crash (kill -9)
         * never loses a committed batch, only a power cut might lose the last.
         * An 8 MiB page cache: the tables are appended to, and the
         * indexes of a new table are built at the end in one sort. */
        st = exec(q, "PRAGMA journal_mode=WAL", "opening", err, errlen);
        if (!st) st = exec(q, "PRAGMA synchronous=NORMAL", "opening", err, errlen);
        if (!st) st = exec(q, "PRAGMA cache_size=-8192", "opening", err, errlen);
        if (!st) st = create_schema(q, err, errlen);
    }
    if (!st) {
        rc = sqlite3_prepare_v3(q->db, insert_doc_sql, -1, SQLITE_PREPARE_PERSISTENT,
                                &q->insert_doc, NULL);
        if (!rc)
            rc = sqlite3_prepare_v3(q->db, insert_entity_sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    &q->insert_entity, NULL);
        if (rc)
            st = fail_sqlite(q, rc, "preparing statements (are the tables those of docs/schema-sqlite.sql?)",
                             err, errlen);
    }
    if (st) {
        sqlite_close(q);
        return st;
    }
    *backend = &sqlite_backend;
    *impl = q;
    return SINK_OK;
}
