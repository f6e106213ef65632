/* Tests for the sinks (src/cli/sink*.c), the same cases for each database:
 *
 *   test_sink sqlite:PATH
 *   test_sink postgresql://... [NOPRIV_URL UNREACHABLE_URL NODB_URL]
 *
 * Tables created, values exact (quotes, tabs, backslashes, NUL, JSON),
 * loading twice leaves one copy, a batch is whole documents (abandoned
 * batches leave none of their rows), packed records, and errors in words.
 * The database is checked through its own client library, not the sink. */
#include "entity_id.h"
#include "sink.h"
#include "testlib.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *url;
static bool is_pg;
static const char *nopriv_url, *unreachable_url, *nodb_url;

/* sqlite3 *sink_sqlite_handle(sink *) of sink_sqlite.c, for the disk-full case */
sqlite3 *sink_sqlite_handle(sink *s);

/* ------------------------------------------------------ the database, read */

static const char *sqlite_path(void)
{
    const char *p = url + strlen("sqlite:");
    return strncmp(p, "//", 2) == 0 ? p + 2 : p;
}

/* The first column of the first row of sql, as text ("" for none or NULL),
 * and its length in *len (texts may hold NUL in SQLite). */
static char result[65536];
static size_t result_len;

static const char *query(const char *sql)
{
    result[0] = '\0';
    result_len = 0;
    if (is_pg) {
        PGconn *c = PQconnectdb(url);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            testlib_fail(__FILE__, __LINE__, "%s: %s", sql, PQerrorMessage(c));
        } else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
            result_len = (size_t)PQgetlength(r, 0, 0);
            if (result_len >= sizeof result) result_len = sizeof result - 1;
            memcpy(result, PQgetvalue(r, 0, 0), result_len);
            result[result_len] = '\0';
        }
        PQclear(r);
        PQfinish(c);
        return result;
    }
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(sqlite_path(), &db, SQLITE_OPEN_READONLY, NULL) ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL)) {
        testlib_fail(__FILE__, __LINE__, "%s: %s", sql, sqlite3_errmsg(db));
    } else if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const void *p = sqlite3_column_blob(st, 0);
        result_len = (size_t)sqlite3_column_bytes(st, 0);
        if (result_len >= sizeof result) result_len = sizeof result - 1;
        if (p) memcpy(result, p, result_len);
        result[result_len] = '\0';
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return result;
}

static long long query_int(const char *sql)
{
    return atoll(query(sql));
}

static void drop_tables(void)
{
    if (is_pg) {
        PGconn *c = PQconnectdb(url);
        PQclear(PQexec(c, "SET client_min_messages = warning; "
                          "DROP TABLE IF EXISTS entities; DROP TABLE IF EXISTS documents"));
        PQfinish(c);
    } else {
        char wal[4200];
        unlink(sqlite_path());
        snprintf(wal, sizeof wal, "%s-wal", sqlite_path());
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", sqlite_path());
        unlink(wal);
    }
}

/* --------------------------------------------------------- the documents */

/* "Mali sent troops to Chad.\tTab "q" back\slash Ünïcode" */
static const char text1[] = "Mali sent troops to Chad.\t\"q\" back\\slash \xC3\x9Cn\xC3\xAF";
/* a NUL inside: PostgreSQL stores U+FFFD there */
static const char text2[] = "Troops in Gao\0Niger";
enum { TEXT2_LEN = 19 };

typedef struct test_doc {
    newsmine_doc doc;
    newsmine_entity ents[3];
    size_t n;
} test_doc;

static newsmine_entity ent(newsmine_type t, size_t s, size_t e, const char *norm, const char *rule)
{
    return (newsmine_entity){t, s, e, s, e, rule, norm, strlen(norm)};
}

/* Documents d1, d:2, d3 and, for the batch cases, b0..bN. */
static test_doc make(const char *id)
{
    test_doc t;
    memset(&t, 0, sizeof t);
    static char ids[64][32];
    static int next;
    char *idbuf = ids[next++ % 64];
    snprintf(idbuf, 32, "%s", id);
    t.doc = (newsmine_doc){idbuf, strlen(idbuf), text1, sizeof text1 - 1, "{\"src\":\"x\\ty\"}",
                           14, NULL, 1, 0};
    if (!strcmp(id, "d:2")) {
        t.doc.text = text2;
        t.doc.text_len = TEXT2_LEN;
        t.doc.meta = NULL;
        t.doc.meta_len = 0;
        t.doc.repaired = 2;
        t.ents[0] = ent(NEWSMINE_PLACE, 10, 13, "{\"kind\":\"city\"}", "en/place:cities");
        t.ents[1] = ent(NEWSMINE_PERSON, 10, 19, "{\"name\":\"Gao\\u0000Niger\"}", "en/person:x");
        t.n = 2;
    } else if (!strcmp(id, "d3")) {
        t.n = 0;
    } else {
        t.ents[0] = ent(NEWSMINE_PLACE, 0, 4, "{\"kind\":\"country\",\"country\":\"ML\"}",
                        "en/place:countries");
        t.ents[1] = ent(NEWSMINE_PLACE, 20, 24, "{\"kind\":\"country\",\"country\":\"TD\"}",
                        "en/place:countries");
        t.ents[2] = ent(NEWSMINE_COUNT, 20, 29, "{\"value\":1}", "en/count:\"quoted\"\trule");
        t.n = 3;
    }
    return t;
}

static sink *open_sink(bool store_text, size_t batch)
{
    sink_options o = {.store_text = store_text, .batch_documents = batch};
    sink *s = NULL;
    char err[1024];
    sink_status st = sink_open(url, &o, &s, err, sizeof err);
    if (st) testlib_fail(__FILE__, __LINE__, "sink_open: %s", err);
    return s;
}

static void write_docs(sink *s, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        test_doc t = make(ids[i]);
        sink_status st = sink_write_document(s, &t.doc, t.ents, t.n);
        if (st) testlib_fail(__FILE__, __LINE__, "write %s: %s", ids[i], sink_error(s));
    }
}

static void close_sink(sink *s)
{
    char err[1024];
    if (sink_close(s, err, sizeof err)) testlib_fail(__FILE__, __LINE__, "close: %s", err);
}

static const char *const three[] = {"d1", "d:2", "d3"};

/* ------------------------------------------------------------ the cases */

static void test_values(void)
{
    drop_tables();
    sink *s = open_sink(true, 0);
    if (!s) return;
    CHECK_STR(sink_kind(s), is_pg ? "postgresql" : "sqlite");
    write_docs(s, three, 3);
    close_sink(s);
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 3);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), 5);
    char id[ENTITY_ID_LEN + 1], sql[512];
    entity_id("d1", 2, "count", 20, 29, id);
    snprintf(sql, sizeof sql, "SELECT doc || '|' || type || '|' || start || '|' || \"end\" || '|' "
                              "|| text || '|' || rule FROM entities WHERE id = '%s'", id);
    query(sql);
    CHECK_STR(result, "d1|count|20|29|Chad.\t\"q\"|en/count:\"quoted\"\trule");
    /* the entity text is the span of the stored text, as docs/schema.md says */
    CHECK_STR(query("SELECT count(*) FROM entities e JOIN documents d ON d.id = e.doc "
                    "WHERE e.doc = 'd1' AND substr(d.text, e.start + 1, e.\"end\" - e.start) = e.text"),
              "3");
    query(is_pg ? "SELECT text FROM documents WHERE id = 'd1'"
                : "SELECT text FROM documents WHERE id = 'd1'");
    CHECK_MEM(result, result_len, text1);
    if (is_pg) {
        CHECK_STR(query("SELECT norm->>'country' FROM entities WHERE doc = 'd1' AND start = 20 AND type = 'place'"), "TD");
        CHECK_STR(query("SELECT metadata->>'src' FROM documents WHERE id = 'd1'"), "x\ty");
        CHECK_STR(query("SELECT metadata::text FROM documents WHERE id = 'd:2'"), "{}");
        /* NUL cannot be stored: U+FFFD, one code point for one */
        CHECK_STR(query("SELECT text FROM documents WHERE id = 'd:2'"), "Troops in Gao\xEF\xBF\xBDNiger");
        CHECK_STR(query("SELECT norm->>'name' FROM entities WHERE doc = 'd:2' AND type = 'person'"),
                  "Gao\xEF\xBF\xBDNiger");
        CHECK_STR(query("SELECT length(text) FROM documents WHERE id = 'd:2'"), "19");
    } else {
        CHECK_STR(query("SELECT json_extract(norm, '$.country') FROM entities WHERE doc = 'd1' AND start = 20 AND type = 'place'"), "TD");
        CHECK_STR(query("SELECT json_extract(metadata, '$.src') FROM documents WHERE id = 'd1'"), "x\ty");
        CHECK_STR(query("SELECT metadata FROM documents WHERE id = 'd:2'"), "{}");
        query("SELECT text FROM documents WHERE id = 'd:2'");
        CHECK_INT(result_len, TEXT2_LEN);
        CHECK(memcmp(result, text2, TEXT2_LEN) == 0);
    }
    CHECK_STR(query("SELECT repaired FROM documents WHERE id = 'd:2'"), "2");
    CHECK_STR(query("SELECT count(*) FROM documents WHERE id = 'd3'"), "1"); /* no entities, still a row */
}

static void test_idempotent(void)
{
    /* test_values loaded three documents; again, twice, without --store-text */
    for (int round = 0; round < 2; round++) {
        sink *s = open_sink(false, 2);
        if (!s) return;
        write_docs(s, three, 3);
        CHECK_INT(sink_flush(s), SINK_OK);
        sink_stats st;
        sink_get_stats(s, &st);
        CHECK_INT(st.documents_written, 0);
        CHECK_INT(st.documents_present, 3);
        CHECK_INT(st.entities_written, 0);
        CHECK_INT(st.entities_present, 5);
        CHECK_INT(st.batches, 2);
        close_sink(s);
    }
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 3);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), 5);
    /* the first load's text is kept: rows are never updated */
    query("SELECT text FROM documents WHERE id = 'd1'");
    CHECK_MEM(result, result_len, text1);
}

/* Documents in batches of 2: an abandoned sink keeps the committed batches,
 * every document with all of its entities, and nothing of the open one. */
static void test_batches_whole(void)
{
    drop_tables();
    sink *s = open_sink(false, 2);
    if (!s) return;
    static const char *const five[] = {"b0", "b1", "b2", "b3", "b4"};
    write_docs(s, five, 5);
    sink_stats st;
    sink_get_stats(s, &st);
    CHECK_INT(st.batches, 2);
    sink_abort(s);
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 4);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), 12);
    CHECK_INT(query_int("SELECT count(*) FROM entities WHERE doc = 'b4'"), 0);
    /* run again: completes without duplicates */
    s = open_sink(false, 2);
    if (!s) return;
    write_docs(s, five, 5);
    close_sink(s);
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 5);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), 15);
    CHECK_INT(query_int("SELECT count(DISTINCT doc) FROM entities"), 5);
}

static void test_packed(void)
{
    drop_tables();
    newsmine_buffer packed = {0};
    test_doc a = make("p1"), b = make("d:2");
    CHECK(sink_pack_document(&a.doc, a.ents, a.n, false, &packed));
    CHECK(sink_pack_document(&b.doc, b.ents, b.n, false, &packed));
    /* an invalid entity packs nothing */
    size_t len = packed.len;
    test_doc bad = make("p3");
    bad.ents[0].end_byte = 999;
    CHECK(!sink_pack_document(&bad.doc, bad.ents, bad.n, false, &packed));
    CHECK_INT(packed.len, len);
    sink *s = open_sink(false, 0);
    if (!s) return;
    /* not packed records: refused, nothing written */
    CHECK_INT(sink_write_packed(s, "garbage", 7), SINK_ERR_DATA);
    sink_abort(s);
    s = open_sink(false, 0);
    if (!s) return;
    CHECK_INT(sink_write_packed(s, packed.data, packed.len - 1), SINK_ERR_DATA); /* cut short */
    sink_abort(s);
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 0);
    s = open_sink(false, 0);
    if (!s) return;
    CHECK_INT(sink_write_packed(s, packed.data, packed.len), SINK_OK);
    close_sink(s);
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 2);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), 5);
    newsmine_buffer_free(&packed);
}

static void test_url_errors(void)
{
    sink *s = (sink *)1;
    char err[1024];
    CHECK_INT(sink_open("mysql://x", NULL, &s, err, sizeof err), SINK_ERR_URL);
    CHECK(s == NULL);
    CHECK(strstr(err, "not a database URL") != NULL);
    CHECK_INT(sink_open("sqlite:", NULL, &s, err, sizeof err), SINK_ERR_URL);
    CHECK(sink_is_url("sqlite:x.db") && sink_is_url("postgres://h/db") &&
          sink_is_url("postgresql:///db") && !sink_is_url("out.jsonl") && !sink_is_url(NULL));
    CHECK_INT(sink_open("postgresql://h/db?nosuchoption=1", NULL, &s, err, sizeof err), SINK_ERR_URL);
    CHECK(strstr(err, "not a valid PostgreSQL URL") != NULL);
}

static void test_sqlite_errors(void)
{
    sink *s;
    char err[1024];
    CHECK_INT(sink_open("sqlite:/nonexistent-dir/x.db", NULL, &s, err, sizeof err), SINK_ERR_CONNECT);
    CHECK(strstr(err, "sqlite:/nonexistent-dir/x.db: cannot open the database") != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s.notadb", sqlite_path());
    FILE *f = fopen(path, "wb");
    if (f) {
        for (int i = 0; i < 200; i++)
            fputs("this is not a database, it is a text file\n", f);
        fclose(f);
    }
    char u[4300];
    snprintf(u, sizeof u, "sqlite:%s", path);
    CHECK_INT(sink_open(u, NULL, &s, err, sizeof err), SINK_ERR_DB);
    CHECK(strstr(err, "not a SQLite database") != NULL);
    unlink(path);
    if (geteuid() != 0) { /* root writes read-only files anyway */
        snprintf(path, sizeof path, "%s.ro", sqlite_path());
        f = fopen(path, "wb");
        if (f) fclose(f);
        chmod(path, 0444);
        snprintf(u, sizeof u, "sqlite:%s", path);
        sink_status st = sink_open(u, NULL, &s, err, sizeof err);
        CHECK(st == SINK_ERR_PERMISSION);
        CHECK(strstr(err, "permission denied") != NULL || strstr(err, "read-only") != NULL);
        unlink(path);
    }
}

/* Disk full in the middle of a batch: SINK_ERR_FULL with "disk full", and
 * the documents in the database are whole. */
static void test_sqlite_full(void)
{
    drop_tables();
    sink *s = open_sink(true, 3);
    if (!s) return;
    sqlite3 *db = sink_sqlite_handle(s);
    CHECK(db != NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL);
    sqlite3_step(st);
    int pages = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %d", pages + 8);
    sqlite3_exec(db, pragma, NULL, NULL, NULL);
    sink_status status = SINK_OK;
    int written = 0;
    for (int i = 0; i < 2000 && !status; i++) {
        char id[32];
        snprintf(id, sizeof id, "f%d", i);
        test_doc t = make(id);
        status = sink_write_document(s, &t.doc, t.ents, t.n);
        written++;
    }
    CHECK_INT(status, SINK_ERR_FULL);
    CHECK(strstr(sink_error(s), "disk full") != NULL);
    /* after an error the sink refuses to go on */
    test_doc t = make("after");
    CHECK_INT(sink_write_document(s, &t.doc, t.ents, t.n), SINK_ERR_FULL);
    char err[1024];
    CHECK_INT(sink_close(s, err, sizeof err), SINK_ERR_FULL);
    long long docs = query_int("SELECT count(*) FROM documents");
    CHECK(docs > 0 && docs < written);
    CHECK_INT(docs % 3, 0);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), docs * 3);
}

static void test_pg_errors(void)
{
    sink *s;
    char err[1024];
    if (unreachable_url) {
        CHECK_INT(sink_open(unreachable_url, NULL, &s, err, sizeof err), SINK_ERR_CONNECT);
        CHECK(strstr(err, "cannot connect to PostgreSQL") != NULL);
        CHECK(strchr(err, '\n') == NULL);
    }
    if (nodb_url) {
        CHECK_INT(sink_open(nodb_url, NULL, &s, err, sizeof err), SINK_ERR_CONNECT);
        CHECK(strstr(err, "does not exist") != NULL);
    }
    if (nopriv_url) {
        drop_tables();
        CHECK_INT(sink_open(nopriv_url, NULL, &s, err, sizeof err), SINK_ERR_PERMISSION);
        CHECK(strstr(err, "permission denied") != NULL);
        CHECK(strstr(err, "creating the tables") != NULL);
        /* the tables exist but the role may not write them */
        s = open_sink(false, 0);
        sink_abort(s);
        CHECK_INT(sink_open(nopriv_url, NULL, &s, err, sizeof err), SINK_OK);
        if (s) {
            write_docs(s, three, 3);
            char cerr[1024];
            CHECK_INT(sink_close(s, cerr, sizeof cerr), SINK_ERR_PERMISSION);
            CHECK(strstr(cerr, "permission denied for table documents") != NULL);
        }
    }
}

/* A value the database refuses, in the middle of a batch: no row of that
 * batch lands, the batches before it stay. */
static void test_pg_refused_value(void)
{
    drop_tables();
    sink *s = open_sink(false, 2);
    if (!s) return;
    static const char *const two[] = {"r0", "r1"};
    write_docs(s, two, 2); /* one batch, committed */
    test_doc a = make("r2"), b = make("r3");
    b.doc.meta = "{not json";
    b.doc.meta_len = 9;
    CHECK_INT(sink_write_document(s, &a.doc, a.ents, a.n), SINK_OK);
    /* the batch is committed on the sink's thread: its error comes back
     * from this call or, at the latest, from sink_flush */
    sink_status st = sink_write_document(s, &b.doc, b.ents, b.n);
    if (!st) st = sink_flush(s);
    CHECK_INT(st, SINK_ERR_DATA);
    CHECK_INT(sink_flush(s), SINK_ERR_DATA); /* and again: the sink stopped */
    CHECK(strstr(sink_error(s), "refused a value") != NULL);
    CHECK(strstr(sink_error(s), "json") != NULL);
    sink_abort(s);
    CHECK_INT(query_int("SELECT count(*) FROM documents"), 2);
    CHECK_INT(query_int("SELECT count(*) FROM entities"), 6);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_sink URL [NOPRIV_URL UNREACHABLE_URL NODB_URL]\n");
        return 2;
    }
    url = argv[1];
    is_pg = strncmp(url, "sqlite:", 7) != 0;
    nopriv_url = argc > 2 ? argv[2] : NULL;
    unreachable_url = argc > 3 ? argv[3] : NULL;
    nodb_url = argc > 4 ? argv[4] : NULL;
    static const testlib_case common[] = {TEST(test_values), TEST(test_idempotent),
                                          TEST(test_batches_whole), TEST(test_packed),
                                          TEST(test_url_errors)};
    static const testlib_case sqlite_only[] = {TEST(test_sqlite_errors), TEST(test_sqlite_full)};
    static const testlib_case pg_only[] = {TEST(test_pg_errors), TEST(test_pg_refused_value)};
    int rc = testlib_run(common, sizeof common / sizeof *common);
    rc |= is_pg ? testlib_run(pg_only, sizeof pg_only / sizeof *pg_only)
                : testlib_run(sqlite_only, sizeof sqlite_only / sizeof *sqlite_only);
    return rc;
}
