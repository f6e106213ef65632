/* The SQLite sink: one connection, WAL journal, prepared statements, one
 * transaction (BEGIN IMMEDIATE ... COMMIT) per batch of whole documents,
 * INSERT ... ON CONFLICT DO NOTHING on the primary keys. */
#include "sink_internal.h"

#include "entity_id.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

typedef struct sqlite_sink {
    sqlite3 *db;
    sqlite3_stmt *insert_doc, *insert_entity;
    bool in_transaction;
    /* rows of the open batch: inserted, and skipped as already present */
    unsigned long long docs_new, docs_old, ents_new, ents_old;
    char *path;
} sqlite_sink;

static const char insert_doc_sql[] =
    "INSERT INTO documents (id, metadata, text, repaired) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT DO NOTHING";
static const char insert_entity_sql[] =
    "INSERT INTO entities (id, doc, type, start, \"end\", text, norm, rule) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING";

/* Classifies an SQLite result code (and the errno behind it) into words. */
static sink_status fail_sqlite(sink *s, int rc, const char *doing)
{
    sqlite_sink *q = s->impl;
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
        return sink_fail(s, st, "sqlite:%s: %s while %s: %s (%s)", q->path, words, doing, msg,
                         strerror(sys));
    return sink_fail(s, st, "sqlite:%s: %s while %s: %s", q->path, words, doing, msg);
}

static sink_status exec(sink *s, const char *sql, const char *doing)
{
    sqlite_sink *q = s->impl;
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SINK_OK : fail_sqlite(s, rc, doing);
}

static sink_status step(sink *s, sqlite3_stmt *stmt, unsigned long long *inserted,
                        unsigned long long *present, const char *doing)
{
    sqlite_sink *q = s->impl;
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return fail_sqlite(s, rc, doing);
    if (sqlite3_changes(q->db)) ++*inserted;
    else ++*present;
    return SINK_OK;
}

static int bind_text(sqlite3_stmt *st, int i, const char *p, size_t n)
{
    return sqlite3_bind_text64(st, i, p ? p : "", (sqlite3_uint64)n, SQLITE_STATIC, SQLITE_UTF8);
}

static sink_status sqlite_add(sink *s, sink_doc_view *doc)
{
    sqlite_sink *q = s->impl;
    if (!q->in_transaction) {
        sink_status st = exec(s, "BEGIN IMMEDIATE", "beginning a transaction");
        if (st) return st;
        q->in_transaction = true;
    }
    sqlite3_stmt *d = q->insert_doc;
    int rc = bind_text(d, 1, doc->id, doc->id_len);
    if (!rc) rc = bind_text(d, 2, doc->meta, doc->meta_len);
    if (!rc) rc = doc->text ? bind_text(d, 3, doc->text, doc->text_len) : sqlite3_bind_null(d, 3);
    if (!rc) rc = sqlite3_bind_int64(d, 4, (sqlite3_int64)doc->repaired);
    if (rc) return fail_sqlite(s, rc, "writing a document");
    sink_status st = step(s, d, &q->docs_new, &q->docs_old, "writing a document");
    sqlite3_clear_bindings(d);
    if (st) return st;
    sqlite3_stmt *e = q->insert_entity;
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
        if (rc) return fail_sqlite(s, rc, "writing an entity");
        st = step(s, e, &q->ents_new, &q->ents_old, "writing an entity");
        if (st) return st;
    }
    return SINK_OK;
}

static void reset_batch(sqlite_sink *q)
{
    q->docs_new = q->docs_old = q->ents_new = q->ents_old = 0;
}

static sink_status sqlite_commit(sink *s)
{
    sqlite_sink *q = s->impl;
    if (!q->in_transaction) return SINK_OK;
    sink_status st = exec(s, "COMMIT", "committing");
    if (st) return st;
    q->in_transaction = false;
    s->stats.documents_written += q->docs_new;
    s->stats.documents_present += q->docs_old;
    s->stats.entities_written += q->ents_new;
    s->stats.entities_present += q->ents_old;
    reset_batch(q);
    return SINK_OK;
}

static void sqlite_rollback(sink *s)
{
    sqlite_sink *q = s->impl;
    if (q->in_transaction && sqlite3_get_autocommit(q->db) == 0)
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    q->in_transaction = false;
    reset_batch(q);
}

static void sqlite_close(sink *s)
{
    sqlite_sink *q = s->impl;
    if (!q) return;
    sqlite3_finalize(q->insert_doc);
    sqlite3_finalize(q->insert_entity);
    sqlite3_close(q->db);
    free(q->path);
    free(q);
    s->impl = NULL;
}

static const sink_backend sqlite_backend = {"sqlite", sqlite_add, sqlite_commit, sqlite_rollback,
                                            sqlite_close};

/* For the tests: the connection of a SQLite sink (PRAGMA max_page_count
 * makes a disk full). */
sqlite3 *sink_sqlite_handle(sink *s);

sqlite3 *sink_sqlite_handle(sink *s)
{
    return s->backend == &sqlite_backend ? ((sqlite_sink *)s->impl)->db : NULL;
}

sink_status sink_sqlite_open(sink *s, const char *path)
{
    sqlite_sink *q = calloc(1, sizeof *q);
    if (!q || !(q->path = strdup(path))) {
        free(q);
        return sink_fail(s, SINK_ERR_NOMEM, "out of memory");
    }
    s->impl = q;
    s->backend = &sqlite_backend;
    int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc) return fail_sqlite(s, rc, "opening");
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, 30000);
    /* WAL: readers go on while newsmine writes; NORMAL: a crash (kill -9)
     * never loses a committed batch, only a power cut might lose the last. */
    sink_status st = exec(s, "PRAGMA journal_mode=WAL", "opening");
    if (!st) st = exec(s, "PRAGMA synchronous=NORMAL", "opening");
    if (!st) st = exec(s, "BEGIN IMMEDIATE", "creating the tables");
    if (!st) st = exec(s, sink_schema_sqlite, "creating the tables");
    if (!st) st = exec(s, "COMMIT", "creating the tables");
    if (st) {
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    rc = sqlite3_prepare_v3(q->db, insert_doc_sql, -1, SQLITE_PREPARE_PERSISTENT, &q->insert_doc,
                            NULL);
    if (!rc)
        rc = sqlite3_prepare_v3(q->db, insert_entity_sql, -1, SQLITE_PREPARE_PERSISTENT,
                                &q->insert_entity, NULL);
    if (rc) return fail_sqlite(s, rc, "preparing statements (is the schema of docs/schema-sqlite.sql?)");
    return SINK_OK;
}
