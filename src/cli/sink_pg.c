/* The PostgreSQL sink. One transaction per batch of whole documents: the
 * documents are COPYed into a temporary staging table and moved into
 * documents with INSERT ... ON CONFLICT DO NOTHING, which returns the ones
 * that were new; the entities of those, and only those, are COPYed straight
 * into entities. A document's rows land all or none, so a document that is
 * there already has all of its entities: a load run again, or run after a
 * killed one, inserts only what is missing. A killed load leaves its open
 * transaction to be rolled back by the server. (sink.c runs this on its
 * committer thread.) */
#include "sink_internal.h"

#include "entity_id.h"
#include "format_csv.h"
#include "lazylib.h"
#include "outbuf.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq is opened on the first PostgreSQL load, not linked (lazylib.h);
 * its functions are called through this table, typed as libpq-fe.h
 * declares them. */
#define PQ_FUNCTIONS(X)                                                                            \
    X(void, PQclear, (PGresult *))                                                                 \
    X(ExecStatusType, PQresultStatus, (const PGresult *))                                          \
    X(PGresult *, PQexec, (PGconn *, const char *))                                                \
    X(char *, PQresultErrorField, (const PGresult *, int))                                         \
    X(ConnStatusType, PQstatus, (const PGconn *))                                                  \
    X(int, PQntuples, (const PGresult *))                                                          \
    X(char *, PQgetvalue, (const PGresult *, int, int))                                            \
    X(char *, PQerrorMessage, (const PGconn *))                                                    \
    X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *, PQnoticeProcessor, void *))              \
    X(int, PQsetClientEncoding, (PGconn *, const char *))                                          \
    X(int, PQputCopyEnd, (PGconn *, const char *))                                                 \
    X(int, PQputCopyData, (PGconn *, const char *, int))                                           \
    X(char *, PQhost, (const PGconn *))                                                            \
    X(PGresult *, PQgetResult, (PGconn *))                                                         \
    X(void, PQfreemem, (void *))                                                                   \
    X(void, PQfinish, (PGconn *))                                                                  \
    X(char *, PQdb, (const PGconn *))                                                              \
    X(PQconninfoOption *, PQconninfoParse, (const char *, char **))                                \
    X(void, PQconninfoFree, (PQconninfoOption *))                                                  \
    X(PGconn *, PQconnectdb, (const char *))                                                       \
    X(char *, PQcmdTuples, (PGresult *))

typedef struct pq_api {
#define PQ_MEMBER(ret, name, args) ret(*name) args;
    PQ_FUNCTIONS(PQ_MEMBER)
#undef PQ_MEMBER
} pq_api;

static pq_api pq;

static const lazylib_symbol pq_symbols[] = {
#define PQ_SYMBOL(ret, name, args) {#name, offsetof(pq_api, name)},
    PQ_FUNCTIONS(PQ_SYMBOL)
#undef PQ_SYMBOL
};

/* Fails to compile when a member's type is not the function's (nothing is
 * evaluated: sizeof). */
static void pq_check_types(void)
{
#define PQ_CHECK(ret, name, args) (void)sizeof(pq.name = name);
    PQ_FUNCTIONS(PQ_CHECK)
#undef PQ_CHECK
}

static lazylib libpq = {NEWSMINE_LIBPQ_SONAME,
                        "PostgreSQL output",
                        pq_symbols,
                        sizeof pq_symbols / sizeof *pq_symbols,
                        &pq,
                        0,
                        ""};

enum { COPY_CHUNK = 1 << 20, MAX_ATTEMPTS = 5 };

typedef struct pg_sink {
    PGconn *conn;
    newsmine_buffer docs, ents; /* COPY rows of the batch being written */
    unsigned char *is_new;      /* per document of the batch: inserted now */
    size_t is_new_size;
    bool indexes_pending;       /* indexes missing: made at the end */
    char where[512];            /* "PostgreSQL database "x" on /tmp/sock" */
    char *err;                  /* where fail_pg writes */
    size_t errlen;
} pg_sink;

/* An advisory lock key of our own ("newsmin" in ASCII), so that loaders
 * starting at once do not race in CREATE TABLE IF NOT EXISTS. */
static const char schema_lock_sql[] = "SELECT pg_advisory_xact_lock(28542640504105582)";

/* The staging table spells its columns out: CREATE TABLE (LIKE documents)
 * would need the SELECT privilege on all of documents. ord is the
 * document's place in the batch. Ids sort by bytes (COLLATE "C", as in the
 * tables). */
static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS newsmine_stage_documents "
    "(ord integer, id text COLLATE \"C\", metadata jsonb, text text, repaired bigint) "
    "ON COMMIT DELETE ROWS";

/* CREATE TABLE IF NOT EXISTS needs the CREATE privilege on the schema even
 * when the table exists: the schema runs only when a table is missing; so
 * do the indexes, which need the table's owner. */
static const char tables_exist_sql[] =
    "SELECT to_regclass('documents') IS NOT NULL AND to_regclass('entities') IS NOT NULL, "
    "to_regclass('entities_doc') IS NOT NULL AND to_regclass('entities_type') IS NOT NULL, "
    "coalesce((SELECT pg_has_role(relowner, 'USAGE') FROM pg_class "
    "WHERE oid = to_regclass('entities')), true)";

static const char copy_docs_sql[] =
    "COPY newsmine_stage_documents (ord, id, metadata, text, repaired) FROM STDIN";
static const char copy_ents_sql[] =
    "COPY entities (id, doc, type, start, \"end\", text, norm, rule) FROM STDIN";
/* In id order, so that two loaders writing the same documents take their
 * locks in the same order and do not deadlock; the first of two documents
 * with one id in a batch wins, as it would in two batches. The result: the
 * places in the batch of the documents inserted now. */
static const char move_docs_sql[] =
    "WITH inserted AS ("
    " INSERT INTO documents (id, metadata, text, repaired)"
    " SELECT DISTINCT ON (id) id, metadata, text, repaired FROM newsmine_stage_documents"
    " ORDER BY id, ord ON CONFLICT DO NOTHING RETURNING id) "
    "SELECT min(s.ord) FROM newsmine_stage_documents s JOIN inserted USING (id) GROUP BY s.id";

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The message of libpq on one line, without the trailing newline. */
static void one_line(char *out, size_t size, const char *msg)
{
    size_t j = 0;
    for (size_t i = 0; msg && msg[i] && j + 1 < size; i++) {
        char c = msg[i];
        if (c == '\n' || c == '\t') {
            if (j && out[j - 1] != ' ' && msg[i + 1]) out[j++] = ' ';
            continue;
        }
        out[j++] = c;
    }
    while (j && out[j - 1] == ' ')
        j--;
    if (size) out[j < size ? j : size - 1] = '\0';
}

static bool starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* SQLSTATE classes and codes in words (PostgreSQL appendix A). */
static sink_status classify(const char *code, const char **words)
{
    *words = "database error";
    if (!code) return SINK_ERR_DB;
    if (starts(code, "08") || starts(code, "57P")) {
        *words = "lost the connection to the server";
        return SINK_ERR_CONNECT;
    }
    if (starts(code, "28")) {
        *words = "authentication failed";
        return SINK_ERR_PERMISSION;
    }
    if (!strcmp(code, "42501")) {
        *words = "permission denied";
        return SINK_ERR_PERMISSION;
    }
    if (!strcmp(code, "25006")) {
        *words = "the database is read-only";
        return SINK_ERR_PERMISSION;
    }
    if (!strcmp(code, "53100")) {
        *words = "disk full";
        return SINK_ERR_FULL;
    }
    if (!strcmp(code, "53200")) {
        *words = "the server is out of memory";
        return SINK_ERR_DB;
    }
    if (!strcmp(code, "53300")) {
        *words = "too many connections";
        return SINK_ERR_CONNECT;
    }
    if (!strcmp(code, "3D000")) {
        *words = "the database does not exist";
        return SINK_ERR_CONNECT;
    }
    if (!strcmp(code, "40P01") || !strcmp(code, "40001") || !strcmp(code, "55P03")) {
        *words = "conflict with another transaction";
        return SINK_ERR_BUSY;
    }
    if (starts(code, "22") || starts(code, "23")) {
        *words = "the database refused a value";
        return SINK_ERR_DATA;
    }
    if (!strcmp(code, "42P01") || !strcmp(code, "42703") || !strcmp(code, "42804")) {
        *words = "the tables differ from docs/schema.sql";
        return SINK_ERR_DB;
    }
    return SINK_ERR_DB;
}

/* Fails with the error of result r (or of the connection when r is NULL or
 * carries no SQLSTATE) into p->err; clears r. */
static sink_status fail_pg(pg_sink *p, PGresult *r, const char *doing)
{
    const char *code = r ? pq.PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *words;
    sink_status st = classify(code, &words);
    char msg[600], detail[300] = "", context[300] = "";
    if (r && pq.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) {
        one_line(msg, sizeof msg, pq.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        const char *d = pq.PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
        const char *c = pq.PQresultErrorField(r, PG_DIAG_CONTEXT);
        if (d) one_line(detail, sizeof detail, d);
        if (c) one_line(context, sizeof context, c);
    } else {
        one_line(msg, sizeof msg, pq.PQerrorMessage(p->conn));
        if (pq.PQstatus(p->conn) == CONNECTION_BAD) {
            st = SINK_ERR_CONNECT;
            words = "lost the connection to the server";
        }
    }
    pq.PQclear(r);
    snprintf(p->err, p->errlen, "%s: %s while %s: %s%s%s%s%s%s%s", p->where, words, doing, msg,
             detail[0] ? " (" : "", detail, detail[0] ? ")" : "", context[0] ? " [" : "", context,
             context[0] ? "]" : "");
    return st;
}

static sink_status run(pg_sink *p, const char *sql, const char *doing, unsigned long long *tuples)
{
    PGresult *r = pq.PQexec(p->conn, sql);
    if (pq.PQresultStatus(r) != PGRES_COMMAND_OK && pq.PQresultStatus(r) != PGRES_TUPLES_OK)
        return fail_pg(p, r, doing);
    if (tuples) *tuples = strtoull(pq.PQcmdTuples(r), NULL, 10);
    pq.PQclear(r);
    return SINK_OK;
}

static sink_status copy_in(pg_sink *p, const char *sql, const newsmine_buffer *rows,
                           const char *doing)
{
    PGresult *r = pq.PQexec(p->conn, sql);
    if (pq.PQresultStatus(r) != PGRES_COPY_IN) return fail_pg(p, r, doing);
    pq.PQclear(r);
    int ok = 1;
    for (size_t off = 0; ok == 1 && off < rows->len; off += COPY_CHUNK) {
        size_t n = rows->len - off < COPY_CHUNK ? rows->len - off : COPY_CHUNK;
        ok = pq.PQputCopyData(p->conn, rows->data + off, (int)n);
    }
    if (ok == 1) ok = pq.PQputCopyEnd(p->conn, NULL);
    sink_status st = SINK_OK;
    while ((r = pq.PQgetResult(p->conn))) {
        if (!st && pq.PQresultStatus(r) != PGRES_COMMAND_OK)
            st = fail_pg(p, r, doing);
        else
            pq.PQclear(r);
    }
    if (!st && ok != 1) st = fail_pg(p, NULL, doing);
    return st;
}

/* The documents of the packed records as COPY rows into p->docs, each
 * with its place in the batch; their count into *count. */
static bool make_document_rows(pg_sink *p, const unsigned char *packed, size_t len,
                               size_t *count)
{
    const csv_format T = CSV_FORMAT_TSV;
    p->docs.len = 0;
    *count = 0;
    const unsigned char *at = packed, *end = packed + len;
    sink_doc_view doc;
    bool ok = true;
    while (ok && at < end && sink_read_record(&at, end, &doc))
        ok = csv_put_uint(T, &p->docs, (*count)++, false) &&
             csv_put_text(T, &p->docs, doc.id, doc.id_len, false) &&
             csv_put_json(T, &p->docs, doc.meta, doc.meta_len, false) &&
             (doc.text ? csv_put_text(T, &p->docs, doc.text, doc.text_len, false)
                       : csv_put_null(T, &p->docs, false)) &&
             csv_put_uint(T, &p->docs, doc.repaired, true);
    return ok;
}

/* The entities of the documents marked in p->is_new as COPY rows into
 * p->ents; their count into *count. */
static bool make_entity_rows(pg_sink *p, const unsigned char *packed, size_t len,
                             unsigned long long *count)
{
    const csv_format T = CSV_FORMAT_TSV;
    p->ents.len = 0;
    *count = 0;
    const unsigned char *at = packed, *end = packed + len;
    sink_doc_view doc;
    bool ok = true;
    for (size_t i = 0; ok && at < end && sink_read_record(&at, end, &doc); i++) {
        if (!p->is_new[i]) continue;
        sink_entity_view e;
        while (ok && sink_next_entity(&doc, &e)) {
            ok = csv_put_text(T, &p->ents, e.id, ENTITY_ID_LEN, false) &&
                 csv_put_text(T, &p->ents, doc.id, doc.id_len, false) &&
                 csv_put_text(T, &p->ents, e.type, e.type_len, false) &&
                 csv_put_uint(T, &p->ents, e.start, false) &&
                 csv_put_uint(T, &p->ents, e.end, false) &&
                 csv_put_text(T, &p->ents, e.text, e.text_len, false) &&
                 csv_put_json(T, &p->ents, e.norm, e.norm_len, false) &&
                 csv_put_text(T, &p->ents, e.rule, e.rule_len, true);
            ++*count;
        }
    }
    return ok;
}

/* Moves the staged documents into documents; marks those inserted now in
 * p->is_new (count: the documents of the batch). */
static sink_status move_documents(pg_sink *p, size_t count, unsigned long long *inserted)
{
    if (p->is_new_size < count) {
        unsigned char *grown = realloc(p->is_new, count);
        if (!grown) {
            snprintf(p->err, p->errlen, "out of memory");
            return SINK_ERR_NOMEM;
        }
        p->is_new = grown;
        p->is_new_size = count;
    }
    memset(p->is_new, 0, count);
    PGresult *r = pq.PQexec(p->conn, move_docs_sql);
    if (pq.PQresultStatus(r) != PGRES_TUPLES_OK) return fail_pg(p, r, "inserting documents");
    int rows = pq.PQntuples(r);
    for (int i = 0; i < rows; i++) {
        unsigned long ord = strtoul(pq.PQgetvalue(r, i, 0), NULL, 10);
        if (ord < count) p->is_new[ord] = 1;
    }
    *inserted = (unsigned long long)rows;
    pq.PQclear(r);
    return SINK_OK;
}

/* One batch, one transaction; again after a deadlock or serialization failure. */
static sink_status pg_write_batch(void *impl, const unsigned char *packed, size_t len,
                                  sink_batch_result *r)
{
    pg_sink *p = impl;
    p->err = r->error;
    p->errlen = sizeof r->error;
    size_t documents;
    if (!make_document_rows(p, packed, len, &documents)) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return SINK_ERR_NOMEM;
    }
    sink_status st = SINK_OK;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        r->documents_new = r->entities_new = 0;
        st = run(p, "BEGIN", "beginning a transaction", NULL);
        if (!st) st = copy_in(p, copy_docs_sql, &p->docs, "copying documents");
        if (!st) st = move_documents(p, documents, &r->documents_new);
        if (!st && !make_entity_rows(p, packed, len, &r->entities_new)) {
            snprintf(r->error, sizeof r->error, "out of memory");
            st = SINK_ERR_NOMEM;
        }
        if (!st && r->entities_new) st = copy_in(p, copy_ents_sql, &p->ents, "copying entities");
        if (!st) st = run(p, "COMMIT", "committing", NULL);
        if (st && pq.PQstatus(p->conn) == CONNECTION_OK) pq.PQclear(pq.PQexec(p->conn, "ROLLBACK"));
        if (st != SINK_ERR_BUSY) break;
    }
    if (st) r->documents_new = r->entities_new = 0;
    return st;
}

static void pg_close(void *impl)
{
    pg_sink *p = impl;
    if (!p) return;
    pq.PQfinish(p->conn);
    free(p->docs.data);
    free(p->ents.data);
    free(p->is_new);
    free(p);
}

static sink_status pg_finish(void *impl, char *err, size_t errlen)
{
    pg_sink *p = impl;
    if (!p->indexes_pending) return SINK_OK;
    p->indexes_pending = false;
    p->err = err;
    p->errlen = errlen;
    sink_status st = run(p, "BEGIN", "creating the indexes", NULL);
    if (!st) st = run(p, schema_lock_sql, "creating the indexes", NULL);
    if (!st) st = run(p, sink_schema_postgresql_indexes, "creating the indexes", NULL);
    if (!st) st = run(p, "COMMIT", "creating the indexes", NULL);
    if (st && pq.PQstatus(p->conn) == CONNECTION_OK) pq.PQclear(pq.PQexec(p->conn, "ROLLBACK"));
    return st;
}

static const sink_backend pg_backend = {"postgresql", pg_write_batch, pg_finish, pg_close};

/* Creates the tables of docs/schema.sql when they are missing, under the
 * advisory lock. Missing indexes (of tables created here, or of a first
 * load that was killed) are made at the end of the load (pg_finish). */
static sink_status create_schema(pg_sink *p)
{
    sink_status st = run(p, "BEGIN", "creating the tables", NULL);
    if (!st) st = run(p, schema_lock_sql, "creating the tables", NULL);
    if (!st) {
        PGresult *r = pq.PQexec(p->conn, tables_exist_sql);
        if (pq.PQresultStatus(r) != PGRES_TUPLES_OK) {
            st = fail_pg(p, r, "looking for the tables");
        } else {
            bool have_tables = pq.PQntuples(r) == 1 && strcmp(pq.PQgetvalue(r, 0, 0), "t") == 0;
            /* only the tables' owner may index them: a role that may only
             * insert leaves the indexes to the owner's next load */
            bool owner = pq.PQntuples(r) == 1 && strcmp(pq.PQgetvalue(r, 0, 2), "t") == 0;
            p->indexes_pending =
                owner && pq.PQntuples(r) == 1 && strcmp(pq.PQgetvalue(r, 0, 1), "t") != 0;
            pq.PQclear(r);
            if (!have_tables) st = run(p, sink_schema_postgresql_tables, "creating the tables", NULL);
        }
    }
    if (!st) st = run(p, "COMMIT", "creating the tables", NULL);
    return st;
}

/* The connection failure in words: authentication and permission apart
 * from "cannot connect". */
static sink_status fail_connect(const char *libpq_message, char *err, size_t errlen)
{
    char msg[800];
    one_line(msg, sizeof msg, libpq_message);
    bool auth = strstr(msg, "authentication failed") || strstr(msg, "no pg_hba.conf entry") ||
                strstr(msg, "permission denied") || strstr(msg, "password");
    bool norole = strstr(msg, "role \"") && strstr(msg, "does not exist");
    bool nodb = !norole && strstr(msg, "database \"") && strstr(msg, "does not exist");
    snprintf(err, errlen, "%s: %s",
             auth     ? "PostgreSQL: permission denied"
             : norole ? "PostgreSQL: no such role (user)"
             : nodb   ? "PostgreSQL: the database does not exist"
                      : "cannot connect to PostgreSQL",
             msg);
    return auth || norole ? SINK_ERR_PERMISSION : SINK_ERR_CONNECT;
}

sink_status sink_pg_open(const char *conninfo, const sink_backend **backend, void **impl,
                         char *err, size_t errlen)
{
    pq_check_types(); /* does nothing when run: keeps the check referenced */
    if (!lazylib_load(&libpq, err, errlen)) return SINK_ERR_CONNECT;
    /* the URL is checked first: libpq would take a malformed one as "cannot connect" */
    char *errmsg = NULL;
    PQconninfoOption *parsed = pq.PQconninfoParse(conninfo, &errmsg);
    if (!parsed) {
        char msg[400];
        one_line(msg, sizeof msg, errmsg ? errmsg : "out of memory");
        pq.PQfreemem(errmsg);
        snprintf(err, errlen, "not a valid PostgreSQL URL: %s", msg);
        return SINK_ERR_URL;
    }
    pq.PQconninfoFree(parsed);
    pg_sink *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return SINK_ERR_NOMEM;
    }
    p->err = err;
    p->errlen = errlen;
    p->conn = pq.PQconnectdb(conninfo);
    sink_status st = SINK_OK;
    if (!p->conn) {
        snprintf(err, errlen, "out of memory");
        st = SINK_ERR_NOMEM;
    } else if (pq.PQstatus(p->conn) != CONNECTION_OK) {
        st = fail_connect(pq.PQerrorMessage(p->conn), err, errlen);
    }
    if (!st) {
        pq.PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
        const char *host = pq.PQhost(p->conn);
        snprintf(p->where, sizeof p->where, "PostgreSQL database \"%s\" on %s", pq.PQdb(p->conn),
                 host && *host ? host : "localhost");
        st = pq.PQsetClientEncoding(p->conn, "UTF8") ? fail_pg(p, NULL, "setting UTF8") : SINK_OK;
    }
    if (!st) st = run(p, "SET client_min_messages = warning", "opening", NULL);
    if (!st) st = create_schema(p);
    if (!st) st = run(p, stage_sql, "creating the staging tables", NULL);
    if (st) {
        pg_close(p);
        return st;
    }
    p->err = NULL;
    p->errlen = 0;
    *backend = &pg_backend;
    *impl = p;
    return SINK_OK;
}
