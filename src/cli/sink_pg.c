/* The PostgreSQL sink: a batch of whole documents is kept as COPY text-format
 * rows in memory; committing it is one transaction that COPYs the rows into
 * two temporary staging tables and moves them into documents and entities
 * with INSERT ... SELECT ... ON CONFLICT DO NOTHING. A killed load leaves its
 * open transaction to be rolled back by the server; a load run again inserts
 * only the rows that are missing. */
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
    newsmine_buffer docs, ents; /* COPY rows of the open batch */
    unsigned long long batch_docs, batch_ents;
    char where[512]; /* "PostgreSQL database "x" on /tmp/sock" */
} pg_sink;

/* An advisory lock key of our own ("newsmin" in ASCII), so that loaders
 * starting at once do not race in CREATE TABLE IF NOT EXISTS. */
static const char schema_lock_sql[] = "SELECT pg_advisory_xact_lock(28542640504105582)";

/* The staging tables spell their columns out: CREATE TABLE (LIKE documents)
 * would need the SELECT privilege on documents, which a role that may only
 * insert does not have. */
static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS newsmine_stage_documents "
    "(id text, metadata jsonb, text text, repaired bigint) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS newsmine_stage_entities "
    "(id text, doc text, type text, start integer, \"end\" integer, text text, norm jsonb, "
    "rule text) ON COMMIT DELETE ROWS";

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
 * carries no SQLSTATE); clears r. */
static sink_status fail_pg(sink *s, PGresult *r, const char *doing)
{
    pg_sink *p = s->impl;
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
    return sink_fail(s, st, "%s: %s while %s: %s%s%s%s%s%s%s", p->where, words, doing, msg,
                     detail[0] ? " (" : "", detail, detail[0] ? ")" : "",
                     context[0] ? " [" : "", context, context[0] ? "]" : "");
}

static sink_status run(sink *s, const char *sql, const char *doing, unsigned long long *tuples)
{
    pg_sink *p = s->impl;
    PGresult *r = PQexec(p->conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        return fail_pg(s, r, doing);
    if (tuples) *tuples = strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return SINK_OK;
}

static sink_status copy_in(sink *s, const char *sql, const newsmine_buffer *rows, const char *doing)
{
    pg_sink *p = s->impl;
    PGresult *r = PQexec(p->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) return fail_pg(s, r, doing);
    PQclear(r);
    int ok = 1;
    for (size_t off = 0; ok == 1 && off < rows->len; off += COPY_CHUNK) {
        size_t n = rows->len - off < COPY_CHUNK ? rows->len - off : COPY_CHUNK;
        ok = PQputCopyData(p->conn, rows->data + off, (int)n);
    }
    if (ok == 1) ok = PQputCopyEnd(p->conn, NULL);
    sink_status st = SINK_OK;
    while ((r = PQgetResult(p->conn))) {
        if (!st && PQresultStatus(r) != PGRES_COMMAND_OK) st = fail_pg(s, r, doing);
        else PQclear(r);
    }
    if (!st && ok != 1) st = fail_pg(s, NULL, doing);
    return st;
}

static sink_status pg_add(sink *s, sink_doc_view *doc)
{
    pg_sink *p = s->impl;
    const csv_format T = CSV_FORMAT_TSV;
    size_t docs_before = p->docs.len, ents_before = p->ents.len;
    bool ok = csv_put_text(T, &p->docs, doc->id, doc->id_len, false) &&
              csv_put_json(T, &p->docs, doc->meta, doc->meta_len, false) &&
              (doc->text ? csv_put_text(T, &p->docs, doc->text, doc->text_len, false)
                         : csv_put_null(T, &p->docs, false)) &&
              csv_put_uint(T, &p->docs, doc->repaired, true);
    unsigned long long n = 0;
    sink_entity_view e;
    while (ok && sink_next_entity(doc, &e)) {
        ok = csv_put_text(T, &p->ents, e.id, ENTITY_ID_LEN, false) &&
             csv_put_text(T, &p->ents, doc->id, doc->id_len, false) &&
             csv_put_text(T, &p->ents, e.type, e.type_len, false) &&
             csv_put_uint(T, &p->ents, e.start, false) && csv_put_uint(T, &p->ents, e.end, false) &&
             csv_put_text(T, &p->ents, e.text, e.text_len, false) &&
             csv_put_json(T, &p->ents, e.norm, e.norm_len, false) &&
             csv_put_text(T, &p->ents, e.rule, e.rule_len, true);
        n++;
    }
    if (!ok) {
        p->docs.len = docs_before;
        p->ents.len = ents_before;
        return sink_fail(s, SINK_ERR_NOMEM, "out of memory");
    }
    p->batch_docs++;
    p->batch_ents += n;
    return SINK_OK;
}

static void clear_batch(pg_sink *p)
{
    p->docs.len = p->ents.len = 0;
    p->batch_docs = p->batch_ents = 0;
}

static sink_status pg_commit(sink *s)
{
    pg_sink *p = s->impl;
    if (!p->batch_docs) return SINK_OK;
    sink_status st = SINK_OK;
    unsigned long long docs_new = 0, ents_new = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        st = run(s, "BEGIN", "beginning a transaction", NULL);
        if (!st) st = copy_in(s, copy_docs_sql, &p->docs, "copying documents");
        if (!st) st = copy_in(s, copy_ents_sql, &p->ents, "copying entities");
        if (!st) st = run(s, move_docs_sql, "inserting documents", &docs_new);
        if (!st) st = run(s, move_ents_sql, "inserting entities", &ents_new);
        if (!st) st = run(s, "COMMIT", "committing", NULL);
        if (st && PQstatus(p->conn) == CONNECTION_OK) {
            PGresult *r = PQexec(p->conn, "ROLLBACK");
            PQclear(r);
        }
        if (st != SINK_ERR_BUSY) break; /* deadlock or serialization failure: again */
    }
    if (st) return st;
    s->stats.documents_written += docs_new;
    s->stats.documents_present += p->batch_docs - docs_new;
    s->stats.entities_written += ents_new;
    s->stats.entities_present += p->batch_ents - ents_new;
    clear_batch(p);
    return SINK_OK;
}

static void pg_rollback(sink *s)
{
    clear_batch(s->impl); /* nothing was sent: a batch goes to the server only in pg_commit */
}

static void pg_close(sink *s)
{
    pg_sink *p = s->impl;
    if (!p) return;
    PQfinish(p->conn);
    free(p->docs.data);
    free(p->ents.data);
    free(p);
    s->impl = NULL;
}

static const sink_backend pg_backend = {"postgresql", pg_add, pg_commit, pg_rollback, pg_close};

/* The connection failure in words: authentication and permission apart
 * from "cannot connect". */
static sink_status fail_connect(sink *s, const char *libpq_message)
{
    char msg[800];
    one_line(msg, sizeof msg, libpq_message);
    bool auth = strstr(msg, "authentication failed") || strstr(msg, "no pg_hba.conf entry") ||
                strstr(msg, "permission denied") || strstr(msg, "password");
    bool norole = strstr(msg, "role \"") && strstr(msg, "does not exist");
    bool nodb = !norole && strstr(msg, "database \"") && strstr(msg, "does not exist");
    return sink_fail(s, auth || norole ? SINK_ERR_PERMISSION : SINK_ERR_CONNECT, "%s: %s",
                     auth     ? "PostgreSQL: permission denied"
                     : norole ? "PostgreSQL: no such role (user)"
                     : nodb   ? "PostgreSQL: the database does not exist"
                              : "cannot connect to PostgreSQL",
                     msg);
}

sink_status sink_pg_open(sink *s, const char *conninfo)
{
    pg_sink *p = calloc(1, sizeof *p);
    if (!p) return sink_fail(s, SINK_ERR_NOMEM, "out of memory");
    s->impl = p;
    s->backend = &pg_backend;
    /* the URL is checked first: libpq would take a malformed one as "cannot connect" */
    char *errmsg = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &errmsg);
    if (!parsed) {
        char msg[400];
        one_line(msg, sizeof msg, errmsg ? errmsg : "out of memory");
        PQfreemem(errmsg);
        return sink_fail(s, SINK_ERR_URL, "not a valid PostgreSQL URL: %s", msg);
    }
    PQconninfoFree(parsed);
    p->conn = PQconnectdb(conninfo);
    if (!p->conn) return sink_fail(s, SINK_ERR_NOMEM, "out of memory");
    if (PQstatus(p->conn) != CONNECTION_OK) return fail_connect(s, PQerrorMessage(p->conn));
    PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
    const char *host = PQhost(p->conn);
    snprintf(p->where, sizeof p->where, "PostgreSQL database \"%s\" on %s", PQdb(p->conn),
             host && *host ? host : "localhost");
    if (PQsetClientEncoding(p->conn, "UTF8") != 0) return fail_pg(s, NULL, "setting UTF8");
    sink_status st = run(s, "SET client_min_messages = warning", "opening", NULL);
    if (!st) st = run(s, "BEGIN", "creating the tables", NULL);
    if (!st) st = run(s, schema_lock_sql, "creating the tables", NULL);
    if (!st) {
        PGresult *r = PQexec(p->conn, tables_exist_sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            st = fail_pg(s, r, "looking for the tables");
        } else {
            bool exist = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
            PQclear(r);
            if (!exist) st = run(s, sink_schema_postgresql, "creating the tables", NULL);
        }
    }
    if (!st) st = run(s, "COMMIT", "creating the tables", NULL);
    if (!st) st = run(s, stage_sql, "creating the staging tables", NULL);
    return st;
}
