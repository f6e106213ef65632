/* The PostgreSQL sink: a batch of whole documents becomes COPY text-format
 * rows; writing it is one transaction that COPYs the rows into two temporary
 * staging tables and moves them into documents and entities with
 * INSERT ... SELECT ... ON CONFLICT DO NOTHING. A killed load leaves its open
 * transaction to be rolled back by the server; a load run again inserts only
 * the rows that are missing. (sink.c runs this on its committer thread.) */
#include "sink_internal.h"

#include "entity_id.h"
#include "format_csv.h"
#include "outbuf.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COPY_CHUNK = 1 << 20, MAX_ATTEMPTS = 5 };

typedef struct pg_sink {
    PGconn *conn;
    newsmine_buffer docs, ents; /* COPY rows of the batch being written */
    char where[512];            /* "PostgreSQL database "x" on /tmp/sock" */
    char *err;                  /* where fail_pg writes */
    size_t errlen;
} pg_sink;

/* An advisory lock key of our own ("newsmin" in ASCII), so that loaders
 * starting at once do not race in CREATE TABLE IF NOT EXISTS. */
static const char schema_lock_sql[] = "SELECT pg_advisory_xact_lock(28542640504105582)";

/* The staging tables spell their columns out: CREATE TABLE (LIKE documents)
 * would need the SELECT privilege on documents, which a role that may only
 * insert does not have. Ids sort by bytes (COLLATE "C", as in the tables). */
static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS newsmine_stage_documents "
    "(id text COLLATE \"C\", metadata jsonb, text text, repaired bigint) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS newsmine_stage_entities "
    "(id text COLLATE \"C\", doc text, type text, start integer, \"end\" integer, text text, "
    "norm jsonb, rule text) ON COMMIT DELETE ROWS";

/* CREATE TABLE IF NOT EXISTS needs the CREATE privilege on the schema even
 * when the table exists: the schema runs only when a table is missing. */
static const char tables_exist_sql[] =
    "SELECT to_regclass('documents') IS NOT NULL AND to_regclass('entities') IS NOT NULL";

static const char copy_docs_sql[] =
    "COPY newsmine_stage_documents (id, metadata, text, repaired) FROM STDIN";
static const char copy_ents_sql[] =
    "COPY newsmine_stage_entities (id, doc, type, start, \"end\", text, norm, rule) FROM STDIN";
/* In id order, so that two loaders writing the same rows take their locks in
 * the same order and do not deadlock. */
static const char move_docs_sql[] =
    "INSERT INTO documents (id, metadata, text, repaired) "
    "SELECT id, metadata, text, repaired FROM newsmine_stage_documents ORDER BY id "
    "ON CONFLICT DO NOTHING";
static const char move_ents_sql[] =
    "INSERT INTO entities (id, doc, type, start, \"end\", text, norm, rule) "
    "SELECT id, doc, type, start, \"end\", text, norm, rule FROM newsmine_stage_entities "
    "ORDER BY id ON CONFLICT DO NOTHING";

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
    const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *words;
    sink_status st = classify(code, &words);
    char msg[600], detail[300] = "", context[300] = "";
    if (r && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) {
        one_line(msg, sizeof msg, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        const char *d = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
        const char *c = PQresultErrorField(r, PG_DIAG_CONTEXT);
        if (d) one_line(detail, sizeof detail, d);
        if (c) one_line(context, sizeof context, c);
    } else {
        one_line(msg, sizeof msg, PQerrorMessage(p->conn));
        if (PQstatus(p->conn) == CONNECTION_BAD) {
            st = SINK_ERR_CONNECT;
            words = "lost the connection to the server";
        }
    }
    PQclear(r);
    snprintf(p->err, p->errlen, "%s: %s while %s: %s%s%s%s%s%s%s", p->where, words, doing, msg,
             detail[0] ? " (" : "", detail, detail[0] ? ")" : "", context[0] ? " [" : "", context,
             context[0] ? "]" : "");
    return st;
}

static sink_status run(pg_sink *p, const char *sql, const char *doing, unsigned long long *tuples)
{
    PGresult *r = PQexec(p->conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        return fail_pg(p, r, doing);
    if (tuples) *tuples = strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return SINK_OK;
}

static sink_status copy_in(pg_sink *p, const char *sql, const newsmine_buffer *rows,
                           const char *doing)
{
    PGresult *r = PQexec(p->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) return fail_pg(p, r, doing);
    PQclear(r);
    int ok = 1;
    for (size_t off = 0; ok == 1 && off < rows->len; off += COPY_CHUNK) {
        size_t n = rows->len - off < COPY_CHUNK ? rows->len - off : COPY_CHUNK;
        ok = PQputCopyData(p->conn, rows->data + off, (int)n);
    }
    if (ok == 1) ok = PQputCopyEnd(p->conn, NULL);
    sink_status st = SINK_OK;
    while ((r = PQgetResult(p->conn))) {
        if (!st && PQresultStatus(r) != PGRES_COMMAND_OK) st = fail_pg(p, r, doing);
        else PQclear(r);
    }
    if (!st && ok != 1) st = fail_pg(p, NULL, doing);
    return st;
}

/* The packed records as COPY rows into p->docs and p->ents. */
static bool make_rows(pg_sink *p, const unsigned char *packed, size_t len)
{
    const csv_format T = CSV_FORMAT_TSV;
    p->docs.len = p->ents.len = 0;
    const unsigned char *at = packed, *end = packed + len;
    sink_doc_view doc;
    bool ok = true;
    while (ok && at < end && sink_read_record(&at, end, &doc)) {
        ok = csv_put_text(T, &p->docs, doc.id, doc.id_len, false) &&
             csv_put_json(T, &p->docs, doc.meta, doc.meta_len, false) &&
             (doc.text ? csv_put_text(T, &p->docs, doc.text, doc.text_len, false)
                       : csv_put_null(T, &p->docs, false)) &&
             csv_put_uint(T, &p->docs, doc.repaired, true);
        sink_entity_view e;
        while (ok && sink_next_entity(&doc, &e))
            ok = csv_put_text(T, &p->ents, e.id, ENTITY_ID_LEN, false) &&
                 csv_put_text(T, &p->ents, doc.id, doc.id_len, false) &&
                 csv_put_text(T, &p->ents, e.type, e.type_len, false) &&
                 csv_put_uint(T, &p->ents, e.start, false) &&
                 csv_put_uint(T, &p->ents, e.end, false) &&
                 csv_put_text(T, &p->ents, e.text, e.text_len, false) &&
                 csv_put_json(T, &p->ents, e.norm, e.norm_len, false) &&
                 csv_put_text(T, &p->ents, e.rule, e.rule_len, true);
    }
    return ok;
}

/* One batch, one transaction; again after a deadlock or serialization failure. */
static sink_status pg_write_batch(void *impl, const unsigned char *packed, size_t len,
                                  sink_batch_result *r)
{
    pg_sink *p = impl;
    p->err = r->error;
    p->errlen = sizeof r->error;
    if (!make_rows(p, packed, len)) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return SINK_ERR_NOMEM;
    }
    sink_status st = SINK_OK;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        r->documents_new = r->entities_new = 0;
        st = run(p, "BEGIN", "beginning a transaction", NULL);
        if (!st) st = copy_in(p, copy_docs_sql, &p->docs, "copying documents");
        if (!st) st = copy_in(p, copy_ents_sql, &p->ents, "copying entities");
        if (!st) st = run(p, move_docs_sql, "inserting documents", &r->documents_new);
        if (!st) st = run(p, move_ents_sql, "inserting entities", &r->entities_new);
        if (!st) st = run(p, "COMMIT", "committing", NULL);
        if (st && PQstatus(p->conn) == CONNECTION_OK) PQclear(PQexec(p->conn, "ROLLBACK"));
        if (st != SINK_ERR_BUSY) break;
    }
    if (st) r->documents_new = r->entities_new = 0;
    return st;
}

static void pg_close(void *impl)
{
    pg_sink *p = impl;
    if (!p) return;
    PQfinish(p->conn);
    free(p->docs.data);
    free(p->ents.data);
    free(p);
}

static const sink_backend pg_backend = {"postgresql", pg_write_batch, pg_close};

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
    /* the URL is checked first: libpq would take a malformed one as "cannot connect" */
    char *errmsg = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &errmsg);
    if (!parsed) {
        char msg[400];
        one_line(msg, sizeof msg, errmsg ? errmsg : "out of memory");
        PQfreemem(errmsg);
        snprintf(err, errlen, "not a valid PostgreSQL URL: %s", msg);
        return SINK_ERR_URL;
    }
    PQconninfoFree(parsed);
    pg_sink *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return SINK_ERR_NOMEM;
    }
    p->err = err;
    p->errlen = errlen;
    p->conn = PQconnectdb(conninfo);
    sink_status st = SINK_OK;
    if (!p->conn) {
        snprintf(err, errlen, "out of memory");
        st = SINK_ERR_NOMEM;
    } else if (PQstatus(p->conn) != CONNECTION_OK) {
        st = fail_connect(PQerrorMessage(p->conn), err, errlen);
    }
    if (!st) {
        PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
        const char *host = PQhost(p->conn);
        snprintf(p->where, sizeof p->where, "PostgreSQL database \"%s\" on %s", PQdb(p->conn),
                 host && *host ? host : "localhost");
        st = PQsetClientEncoding(p->conn, "UTF8") ? fail_pg(p, NULL, "setting UTF8") : SINK_OK;
    }
    if (!st) st = run(p, "SET client_min_messages = warning", "opening", NULL);
    if (!st) st = run(p, "BEGIN", "creating the tables", NULL);
    if (!st) st = run(p, schema_lock_sql, "creating the tables", NULL);
    if (!st) {
        PGresult *r = PQexec(p->conn, tables_exist_sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            st = fail_pg(p, r, "looking for the tables");
        } else {
            bool exist = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
            PQclear(r);
            if (!exist) st = run(p, sink_schema_postgresql, "creating the tables", NULL);
        }
    }
    if (!st) st = run(p, "COMMIT", "creating the tables", NULL);
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
