/* The sink's front: URLs, the packed record that carries a document from a
 * worker thread to the writer, and batching with a committer thread.
 *
 * Documents are packed into the filling batch by the caller; a full batch
 * goes to the committer thread, which writes it in one transaction through
 * the back-end (sink_sqlite.c, sink_pg.c) while the caller goes on filling
 * the next. At most one batch is in flight: its outcome is collected before
 * the next is handed over, and sink_flush waits for it. So the database's
 * work overlaps the extraction, and an error comes back from the next call
 * at the latest. Everything of struct sink but the batch in flight belongs
 * to the caller's thread. */
#include "sink_internal.h"

#include "entity_id.h"
#include "outbuf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    DEFAULT_BATCH_DOCUMENTS = 1000,
    DEFAULT_BATCH_BYTES = 16 * 1024 * 1024,
    PACK_HAS_TEXT = 1
};

static const char pack_magic[4] = {'N', 'M', 'P', '1'};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct batch {
    newsmine_buffer packed; /* whole packed records */
    size_t documents;
    unsigned long long entities;
    double started;
    sink_status status; /* outcome, set by the committer */
    double write_seconds, write_cpu_seconds;
    sink_batch_result result;
} batch;

struct sink {
    const sink_backend *backend;
    void *impl;
    sink_options opts;
    batch batches[2];
    batch *filling, *flight;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool busy; /* flight is being written */
    bool quit;
    bool finished; /* sink_finish was called */
    sink_status failed; /* the first error: the sink then refuses to go on */
    sink_stats stats;
    char err[1300];
};

static sink_status fail(sink *s, sink_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sink_status fail(sink *s, sink_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return status;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sink_is_url(const char *s)
{
    return s && (has_prefix(s, "sqlite:") || has_prefix(s, "postgresql://") ||
                 has_prefix(s, "postgres://"));
}

sink_status sink_open(const char *url, const sink_options *opts, sink **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    if (errlen) err[0] = '\0';
    if (!sink_is_url(url)) {
        if (errlen)
            snprintf(err, errlen,
                     "\"%s\" is not a database URL (sqlite:PATH, postgresql://...)",
                     url ? url : "");
        return SINK_ERR_URL;
    }
    sink *s = calloc(1, sizeof *s);
    if (!s) {
        if (errlen) snprintf(err, errlen, "out of memory");
        return SINK_ERR_NOMEM;
    }
    if (opts) s->opts = *opts;
    if (!s->opts.batch_documents) s->opts.batch_documents = DEFAULT_BATCH_DOCUMENTS;
    if (!s->opts.batch_bytes) s->opts.batch_bytes = DEFAULT_BATCH_BYTES;
    if (s->opts.batch_seconds <= 0) s->opts.batch_seconds = 2.0;
    sink_status st;
    if (has_prefix(url, "sqlite:")) {
        const char *path = url + strlen("sqlite:");
        if (has_prefix(path, "//")) path += 2; /* sqlite:///abs/path, sqlite://rel */
        if (*path) {
            st = sink_sqlite_open(path, &s->backend, &s->impl, err, errlen);
        } else {
            if (errlen) snprintf(err, errlen, "sqlite: needs a file name (sqlite:PATH)");
            st = SINK_ERR_URL;
        }
    } else {
        st = sink_pg_open(url, &s->backend, &s->impl, err, errlen);
    }
    if (st) {
        free(s);
        return st;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->filling = &s->batches[0];
    s->flight = &s->batches[1];
    *out = s;
    return SINK_OK;
}

/* -------------------------------------------------------- packed records */

/* Packed record (host byte order: it never leaves the process):
 *   "NMP1" u32:flags u64:total_len u64:repaired u64:entity_count
 *   str:id str:meta [str:text when flags & PACK_HAS_TEXT]
 *   entity_count x ( char[32]:id u32:type u32:0 u64:start u64:end
 *                    str:text str:norm str:rule )
 * where str is u64:len followed by len bytes. */

static bool put_u32(newsmine_buffer *b, uint32_t v)
{
    return outbuf_append(b, &v, sizeof v);
}

static bool put_u64(newsmine_buffer *b, uint64_t v)
{
    return outbuf_append(b, &v, sizeof v);
}

static bool put_str(newsmine_buffer *b, const char *p, size_t n)
{
    return put_u64(b, n) && outbuf_append(b, p, n);
}

bool sink_pack_document(const newsmine_doc *doc, const newsmine_entity *ents, size_t count,
                        bool store_text, newsmine_buffer *out)
{
    if (!doc || !out || (count && !ents)) return false;
    size_t before = out->len;
    const char *meta = doc->meta && doc->meta_len ? doc->meta : "{}";
    size_t meta_len = doc->meta && doc->meta_len ? doc->meta_len : 2;
    bool ok = outbuf_append(out, pack_magic, 4) && put_u32(out, store_text ? PACK_HAS_TEXT : 0) &&
              put_u64(out, 0) && put_u64(out, doc->repaired) && put_u64(out, count) &&
              put_str(out, doc->id, doc->id_len) && put_str(out, meta, meta_len) &&
              (!store_text || put_str(out, doc->text, doc->text_len));
    for (size_t i = 0; ok && i < count; i++) {
        const newsmine_entity *e = &ents[i];
        const char *type = newsmine_type_name(e->type);
        if (!type || !e->rule || !e->norm || e->start_byte > e->end_byte ||
            e->end_byte > doc->text_len) {
            ok = false;
            break;
        }
        char id[ENTITY_ID_LEN + 1];
        entity_id(doc->id, doc->id_len, type, e->start, e->end, id);
        ok = outbuf_append(out, id, ENTITY_ID_LEN) && put_u32(out, (uint32_t)e->type) &&
             put_u32(out, 0) && put_u64(out, e->start) && put_u64(out, e->end) &&
             put_str(out, doc->text + e->start_byte, e->end_byte - e->start_byte) &&
             put_str(out, e->norm, e->norm_len) && put_str(out, e->rule, strlen(e->rule));
    }
    if (!ok) {
        out->len = before;
        if (out->data) out->data[before] = '\0';
        return false;
    }
    uint64_t total = out->len - before;
    memcpy(out->data + before + 8, &total, sizeof total);
    return true;
}

typedef struct cursor {
    const unsigned char *p, *end;
    bool ok;
} cursor;

static uint64_t get_u64(cursor *c)
{
    uint64_t v = 0;
    if (c->ok && (size_t)(c->end - c->p) >= sizeof v) memcpy(&v, c->p, sizeof v), c->p += sizeof v;
    else c->ok = false;
    return v;
}

static uint32_t get_u32(cursor *c)
{
    uint32_t v = 0;
    if (c->ok && (size_t)(c->end - c->p) >= sizeof v) memcpy(&v, c->p, sizeof v), c->p += sizeof v;
    else c->ok = false;
    return v;
}

static const char *get_bytes(cursor *c, size_t n)
{
    if (!c->ok || (size_t)(c->end - c->p) < n) {
        c->ok = false;
        return NULL;
    }
    const char *p = (const char *)c->p;
    c->p += n;
    return p;
}

static const char *get_str(cursor *c, size_t *n)
{
    uint64_t len = get_u64(c);
    *n = (size_t)len;
    return get_bytes(c, (size_t)len);
}

static bool read_entity(cursor *c, sink_entity_view *e)
{
    e->id = get_bytes(c, ENTITY_ID_LEN);
    uint32_t type = get_u32(c);
    (void)get_u32(c);
    e->start = get_u64(c);
    e->end = get_u64(c);
    e->text = get_str(c, &e->text_len);
    e->norm = get_str(c, &e->norm_len);
    e->rule = get_str(c, &e->rule_len);
    e->type = newsmine_type_name((newsmine_type)type);
    if (!e->type) c->ok = false;
    e->type_len = c->ok ? strlen(e->type) : 0;
    return c->ok;
}

bool sink_next_entity(sink_doc_view *doc, sink_entity_view *e)
{
    if (doc->next >= doc->end) return false;
    cursor c = {doc->next, doc->end, true};
    if (!read_entity(&c, e)) return false;
    doc->next = c.p;
    return true;
}

bool sink_read_record(const unsigned char **p, const unsigned char *end, sink_doc_view *v)
{
    cursor c = {*p, end, true};
    const char *magic = get_bytes(&c, 4);
    if (!magic || memcmp(magic, pack_magic, 4) != 0) return false;
    uint32_t flags = get_u32(&c);
    uint64_t total = get_u64(&c);
    if (!c.ok || total > (uint64_t)(end - *p) || total < 32) return false;
    c.end = *p + total;
    v->repaired = get_u64(&c);
    v->entity_count = get_u64(&c);
    v->id = get_str(&c, &v->id_len);
    v->meta = get_str(&c, &v->meta_len);
    v->text = NULL;
    v->text_len = 0;
    if (flags & PACK_HAS_TEXT) v->text = get_str(&c, &v->text_len);
    if (!c.ok) return false;
    v->next = c.p;
    v->end = c.end;
    sink_entity_view e;
    for (uint64_t i = 0; i < v->entity_count; i++)
        if (!read_entity(&c, &e)) return false;
    if (c.p != c.end) return false;
    *p = c.end;
    return true;
}

/* ---------------------------------------------------- the committer */

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_flight(sink *s)
{
    batch *b = s->flight;
    b->result.documents_new = b->result.entities_new = 0;
    b->result.error[0] = '\0';
    double wall = now_seconds(), cpu = thread_cpu_seconds();
    b->status = s->backend->write_batch(s->impl, (const unsigned char *)b->packed.data,
                                        b->packed.len, &b->result);
    b->write_seconds = now_seconds() - wall;
    b->write_cpu_seconds = thread_cpu_seconds() - cpu;
}

static void *committer(void *arg)
{
    sink *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->busy && !s->quit)
            pthread_cond_wait(&s->cond, &s->lock);
        if (!s->busy) break; /* told to quit, nothing in flight */
        pthread_mutex_unlock(&s->lock);
        write_flight(s);
        pthread_mutex_lock(&s->lock);
        s->busy = false;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void clear_batch(batch *b)
{
    b->packed.len = 0;
    b->documents = 0;
    b->entities = 0;
    b->status = SINK_OK;
}

/* Waits for the batch in flight and takes its outcome. */
static sink_status collect(sink *s)
{
    if (s->thread_started) {
        pthread_mutex_lock(&s->lock);
        while (s->busy)
            pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
    }
    batch *b = s->flight;
    if (!b->documents) return SINK_OK;
    sink_status st = b->status;
    if (st) {
        s->failed = st;
        fail(s, st, "%s", b->result.error[0] ? b->result.error : "database error");
    } else {
        s->stats.documents_written += b->result.documents_new;
        s->stats.documents_present += b->documents - b->result.documents_new;
        s->stats.entities_written += b->result.entities_new;
        s->stats.entities_present += b->entities - b->result.entities_new;
    }
    s->stats.write_seconds += b->write_seconds;
    s->stats.write_cpu_seconds += b->write_cpu_seconds;
    clear_batch(b);
    return st;
}

/* Hands the filling batch to the committer (written here and now when no
 * thread can be had). */
static sink_status submit(sink *s)
{
    sink_status st = collect(s);
    if (st || !s->filling->documents) return st;
    batch *b = s->filling;
    s->filling = s->flight;
    s->flight = b;
    s->stats.batches++;
    if (!s->thread_started && pthread_create(&s->thread, NULL, committer, s) == 0)
        s->thread_started = true;
    if (!s->thread_started) {
        write_flight(s);
        return collect(s);
    }
    pthread_mutex_lock(&s->lock);
    s->busy = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return SINK_OK;
}

static void stop_committer(sink *s)
{
    if (!s->thread_started) return;
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->thread_started = false;
}

static void destroy(sink *s)
{
    stop_committer(s);
    s->backend->close(s->impl);
    for (int i = 0; i < 2; i++)
        free(s->batches[i].packed.data);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

/* ------------------------------------------------------------- writing */

static sink_status refuse(sink *s)
{
    if (!s->err[0]) fail(s, s->failed, "an earlier database error stopped the output");
    return s->failed;
}

/* The record just appended to the filling batch: count it, send the batch
 * when full. */
static sink_status added(sink *s, uint64_t entities)
{
    batch *b = s->filling;
    double now = now_seconds();
    if (!b->documents) b->started = now;
    b->documents++;
    b->entities += entities;
    if (b->documents >= s->opts.batch_documents || b->packed.len >= s->opts.batch_bytes ||
        now - b->started >= s->opts.batch_seconds)
        return submit(s);
    return SINK_OK;
}

static sink_status finished(sink *s)
{
    return fail(s, SINK_ERR_DATA, "internal error: a write after the end of the load");
}

sink_status sink_write_packed(sink *s, const void *packed, size_t len)
{
    if (s->failed) return refuse(s);
    if (s->finished) return finished(s);
    const unsigned char *p = packed, *end = p + len;
    sink_doc_view v;
    while (p < end) /* check every record before taking any */
        if (!sink_read_record(&p, end, &v))
            return fail(s, SINK_ERR_DATA, "internal error: not a packed document record");
    for (p = packed; p < end;) {
        const unsigned char *start = p;
        sink_read_record(&p, end, &v);
        if (!outbuf_append(&s->filling->packed, start, (size_t)(p - start)))
            return fail(s, SINK_ERR_NOMEM, "out of memory");
        sink_status st = added(s, v.entity_count);
        if (st) return st;
    }
    return SINK_OK;
}

sink_status sink_write_document(sink *s, const newsmine_doc *doc, const newsmine_entity *ents,
                                size_t count)
{
    if (s->failed) return refuse(s);
    if (s->finished) return finished(s);
    if (!sink_pack_document(doc, ents, count, s->opts.store_text, &s->filling->packed))
        return fail(s, SINK_ERR_DATA, "%s: invalid entity, or out of memory", doc->id);
    return added(s, count);
}

sink_status sink_flush(sink *s)
{
    if (s->failed) return refuse(s);
    if (s->finished) return SINK_OK;
    sink_status st = submit(s);
    return st ? st : collect(s);
}

sink_status sink_finish(sink *s)
{
    if (s->finished) return s->failed ? refuse(s) : SINK_OK;
    sink_status st = sink_flush(s);
    stop_committer(s);
    s->finished = true;
    if (!st && s->backend->finish) {
        double wall = now_seconds();
        st = s->backend->finish(s->impl, s->err, sizeof s->err);
        s->stats.finish_seconds = now_seconds() - wall;
        if (st) s->failed = st;
    }
    return st;
}

sink_status sink_close(sink *s, char *err, size_t errlen)
{
    if (errlen) err[0] = '\0';
    if (!s) return SINK_OK;
    sink_status st = sink_finish(s);
    if (st && errlen) snprintf(err, errlen, "%s", s->err);
    destroy(s);
    return st;
}

void sink_abort(sink *s)
{
    if (!s) return;
    clear_batch(s->filling); /* never sent; the batch in flight, if any, completes */
    destroy(s);
}

const char *sink_error(const sink *s)
{
    return s ? s->err : "";
}

void sink_get_stats(const sink *s, sink_stats *out)
{
    *out = s->stats;
}

const char *sink_kind(const sink *s)
{
    return s->backend->kind;
}

void *sink_impl_for_tests(sink *s, const char *kind);

void *sink_impl_for_tests(sink *s, const char *kind)
{
    return strcmp(s->backend->kind, kind) == 0 ? s->impl : NULL;
}
