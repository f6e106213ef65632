/* newsmine, the command: a thin user of libnewsmine. Reads files or standard
 * input, runs the extraction on every document and writes JSON Lines.
 *
 * --threads N (N > 1): a reader thread parses the input into jobs (the
 * documents and rejections of one chunk of input, in order), N workers
 * extract and render them, each with its own extractor over the one shared
 * rule set (the library's contract), and this thread writes the jobs in
 * input order: every byte written, to standard output, standard error and
 * the --reject file, is what one thread writes. The jobs live in a ring of
 * a few slots per worker, so memory stays flat whatever the input's length. */
#include "eval.h"
#include "format_csv.h"
#include "input.h"
#include "newsmine.h"
#include "options.h"
#include "outbuf.h"
#include "progress.h"
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { READ_CHUNK = 256 * 1024, OUTPUT_FLUSH_AT = 64 * 1024 };

typedef struct pipeline pipeline;

typedef struct run_state {
    const cli_options *opts;
    newsmine_extractor *ex;
    newsmine_buffer out;
    bool flush_per_document;
    bool output_closed; /* the reader went away (EPIPE): stop quietly */
    bool output_failed;
    bool fatal;
    unsigned long long rejected, unreadable;
    FILE *reject_file;
    /* --stats */
    unsigned long long read, emitted, repaired, bytes;
    unsigned long long entities[NEWSMINE_TYPE_COUNT];
    bool profile;
    unsigned long long emit_ns;
    /* --threads: the pipeline, and what the reader thread alone changes */
    pipeline *pl;
    bool reader_fatal;
    bool reader_out_of_memory; /* read by the main thread after joining the reader */
    /* --out, --progress */
    sink *sink;
    progress *progress;
    unsigned long long bytes_done; /* file bytes of the inputs finished (progress) */
} run_state;

static unsigned long long elapsed_ns(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (unsigned long long)((t1.tv_sec - t0->tv_sec) * 1000000000ll +
                                (t1.tv_nsec - t0->tv_nsec));
}

/* ----------------------------------------------------------------- output */

static bool write_all(run_state *st, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            if (errno == EPIPE) st->output_closed = true;
            else {
                st->output_failed = true;
                fprintf(stderr, "newsmine: cannot write output: %s\n", strerror(errno));
            }
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool flush_output(run_state *st)
{
    bool ok = st->out.len == 0 || write_all(st, st->out.data, st->out.len);
    st->out.len = 0;
    return ok;
}

static bool stdout_is_regular_file(void)
{
    struct stat sb;
    return fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ------------------------------------------------------------- documents */

static int on_document(void *user, const newsmine_doc *doc)
{
    run_state *st = user;
    st->read++;
    st->repaired += doc->repaired > 0;
    newsmine_extract_options xo = {st->opts->types, doc->date};
    const newsmine_entity *ents;
    size_t n;
    newsmine_error err;
    if (newsmine_extract(st->ex, doc->text, doc->text_len, &xo, &ents, &n, &err)) {
        fprintf(stderr, "newsmine: %s: %s\n", doc->id, err.message);
        st->fatal = true;
        return 1;
    }
    const char *rule;
    if (newsmine_extractor_limit_hits(st->ex, &rule) && !st->opts->quiet)
        fprintf(stderr,
                "newsmine: warning: %s: rule %s reached the PCRE2 match limit; its matches in "
                "this document were dropped, the other rules' kept\n",
                doc->id, rule);
    progress_add(st->progress, 0, 1, n);
    if (st->sink) {
        if (sink_write_document(st->sink, doc, ents, n)) {
            fprintf(stderr, "newsmine: %s\n", sink_error(st->sink));
            st->output_failed = true;
            return 1;
        }
        st->emitted++;
        for (size_t i = 0; i < n; i++)
            st->entities[ents[i].type]++;
        return 0;
    }
    newsmine_emit_options eo = {st->opts->emit, st->opts->store_text};
    struct timespec t0;
    if (st->profile) clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st->opts->format) {
        csv_format f = st->opts->format == 1 ? CSV_FORMAT_CSV : CSV_FORMAT_TSV;
        bool ok = true;
        if (st->opts->emit == NEWSMINE_EMIT_DOCUMENTS)
            ok = csv_write_document(f, doc, st->opts->store_text, &st->out);
        else if (st->opts->unbuffered) {
            for (size_t i = 0; ok && i < n; i++) {
                ok = csv_write_entities(f, doc, ents + i, 1, &st->out);
                if (ok && !flush_output(st)) break;
            }
        } else
            ok = csv_write_entities(f, doc, ents, n, &st->out);
        if (!ok) {
            fprintf(stderr, "newsmine: %s: out of memory while writing records\n", doc->id);
            st->fatal = true;
            return 1;
        }
    } else if (st->opts->unbuffered && st->opts->emit == NEWSMINE_EMIT_ENTITIES) {
        for (size_t i = 0; i < n; i++) {
            if (newsmine_emit(doc, ents + i, 1, &eo, &st->out) || !flush_output(st)) break;
        }
    } else if (newsmine_emit(doc, ents, n, &eo, &st->out)) {
        fprintf(stderr, "newsmine: %s: out of memory while writing records\n", doc->id);
        st->fatal = true;
        return 1;
    }
    if (st->profile) st->emit_ns += elapsed_ns(&t0);
    st->emitted++;
    for (size_t i = 0; i < n; i++)
        st->entities[ents[i].type]++;
    bool flush = st->flush_per_document || st->opts->unbuffered || st->out.len >= OUTPUT_FLUSH_AT;
    if (flush && !flush_output(st)) return 1;
    return st->output_closed || st->output_failed;
}

static int on_rejection(void *user, const newsmine_rejection *rej)
{
    run_state *st = user;
    st->rejected++;
    fprintf(stderr, "newsmine: %s:%llu: %s (document skipped)\n", rej->source, rej->line,
            rej->reason);
    if (st->reject_file && rej->raw &&
        (fwrite(rej->raw, 1, rej->raw_len, st->reject_file) != rej->raw_len ||
         fputc('\n', st->reject_file) == EOF)) {
        fprintf(stderr, "newsmine: %s: cannot write rejected input: %s\n", st->opts->reject_path,
                strerror(errno));
        st->output_failed = true;
        return 1;
    }
    return 0;
}

/* -------------------------------------------------------------- pipeline */

/* One thing of the input, in order: a document, a rejection, or a message
 * about a file (cannot open, read error). Strings are offsets into the
 * job's store; results are ranges of the job's out and err. */
typedef enum item_kind { ITEM_DOC, ITEM_REJECT, ITEM_MESSAGE } item_kind;

enum { MSG_UNREADABLE = 1, MSG_FATAL = 2 };

typedef struct item {
    item_kind kind;
    size_t id, text, text_len, meta, meta_len, date; /* date: SIZE_MAX when none */
    size_t source, reason, raw, raw_len;              /* raw: SIZE_MAX when not kept */
    unsigned long long line;
    size_t repaired;
    unsigned flags; /* ITEM_MESSAGE: MSG_* */
    /* results (ITEM_DOC) */
    size_t out_start, out_end, err_start, err_end;
    bool failed; /* the chain stopped here (message in err) */
    size_t nents;
    unsigned long long entities[NEWSMINE_TYPE_COUNT];
} item;

typedef enum job_state { JOB_FREE, JOB_FILLING, JOB_QUEUED, JOB_WORKING, JOB_DONE } job_state;

typedef struct job {
    job_state state;
    newsmine_buffer store; /* the strings of the items, NUL-terminated */
    item *items;
    size_t count, cap;
    newsmine_buffer out, err;
} job;

/* A job is handed on after this many documents or bytes, or when the reader
 * has used up a chunk of input (so that slow input is not held back). */
enum { JOB_MAX_ITEMS = 64, JOB_MAX_BYTES = 1 << 20, JOBS_PER_WORKER = 4,
       JOB_KEEP_BYTES = 4 << 20 };

typedef struct worker {
    pipeline *pl;
    newsmine_extractor *ex;
    pthread_t thread;
    bool started;
    unsigned long long emit_ns;
} worker;

struct pipeline {
    run_state *st;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv, free_cv;
    job *jobs;
    size_t njobs;
    unsigned long long next_fill, next_work, next_write; /* job sequence numbers */
    job *filling; /* the reader's job, not yet handed on */
    bool reader_done;
    atomic_bool stop; /* the writer stopped (closed pipe, error): everyone ends */
    worker *workers;
    int nworkers;
    pthread_t reader;
    bool reader_started;
    char **files;
    int file_count;
};

static job *job_at(pipeline *pl, unsigned long long seq)
{
    return &pl->jobs[seq % pl->njobs];
}

static bool pl_stopped(pipeline *pl)
{
    return atomic_load_explicit(&pl->stop, memory_order_relaxed);
}

static void pl_stop(pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    atomic_store(&pl->stop, true);
    pthread_cond_broadcast(&pl->work_cv);
    pthread_cond_broadcast(&pl->done_cv);
    pthread_cond_broadcast(&pl->free_cv);
    pthread_mutex_unlock(&pl->mu);
}

/* The reader's current job, waiting for a free slot; NULL when stopped. */
static job *pl_filling(pipeline *pl)
{
    if (pl->filling) return pl->filling;
    pthread_mutex_lock(&pl->mu);
    job *j = job_at(pl, pl->next_fill);
    while (j->state != JOB_FREE && !pl_stopped(pl))
        pthread_cond_wait(&pl->free_cv, &pl->mu);
    if (!pl_stopped(pl)) {
        j->state = JOB_FILLING;
        pl->filling = j;
    }
    pthread_mutex_unlock(&pl->mu);
    if (pl->filling) {
        j->store.len = j->out.len = j->err.len = 0;
        j->count = 0;
    }
    return pl->filling;
}

/* Hands the reader's job to the workers. */
static void pl_submit(pipeline *pl)
{
    if (!pl->filling) return;
    pthread_mutex_lock(&pl->mu);
    pl->filling->state = JOB_QUEUED;
    pl->filling = NULL;
    pl->next_fill++;
    pthread_cond_signal(&pl->work_cv);
    pthread_mutex_unlock(&pl->mu);
}

static item *pl_new_item(pipeline *pl, item_kind kind)
{
    job *j = pl_filling(pl);
    if (!j) return NULL;
    if (j->count == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : JOB_MAX_ITEMS;
        item *p = realloc(j->items, cap * sizeof *p);
        if (!p) return NULL;
        j->items = p;
        j->cap = cap;
    }
    item *it = &j->items[j->count++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->date = it->raw = SIZE_MAX;
    return it;
}

/* Copies n bytes and a NUL into the job's store; the offset, or SIZE_MAX. */
static size_t pl_store(job *j, const char *s, size_t n)
{
    size_t at = j->store.len;
    if (!outbuf_reserve(&j->store, n + 1)) return SIZE_MAX;
    if (n) memcpy(j->store.data + at, s, n);
    j->store.data[at + n] = '\0';
    j->store.len += n + 1;
    return at;
}

static size_t pl_store_str(job *j, const char *s)
{
    return pl_store(j, s, strlen(s));
}

static void pl_item_done(pipeline *pl)
{
    job *j = pl->filling;
    if (j && (j->count >= JOB_MAX_ITEMS || j->store.len >= JOB_MAX_BYTES)) pl_submit(pl);
}

/* The reader thread has no memory left for a job's item or bytes: says so
 * (no item can carry the message) and stops the reading; the run ends with
 * the status of an internal error. */
static int pl_out_of_memory(run_state *st, const char *source)
{
    if (!st->reader_out_of_memory)
        fprintf(stderr, "newsmine: %s: out of memory while reading\n", source);
    st->reader_out_of_memory = st->reader_fatal = true;
    return 1;
}

static int pl_on_document(void *user, const newsmine_doc *doc)
{
    run_state *st = user;
    pipeline *pl = st->pl;
    if (pl_stopped(pl)) return 1;
    item *it = pl_new_item(pl, ITEM_DOC);
    if (!it) return pl_stopped(pl) ? 1 : pl_out_of_memory(st, doc->id);
    job *j = pl->filling;
    it->id = pl_store(j, doc->id, doc->id_len);
    it->text = pl_store(j, doc->text, doc->text_len);
    it->text_len = doc->text_len;
    it->meta = pl_store(j, doc->meta, doc->meta_len);
    it->meta_len = doc->meta_len;
    if (doc->date) it->date = pl_store_str(j, doc->date);
    it->line = doc->line;
    it->repaired = doc->repaired;
    if (it->id == SIZE_MAX || it->text == SIZE_MAX || it->meta == SIZE_MAX ||
        (doc->date && it->date == SIZE_MAX)) {
        j->count--;
        return pl_out_of_memory(st, doc->id);
    }
    pl_item_done(pl);
    return 0;
}

static int pl_on_rejection(void *user, const newsmine_rejection *rej)
{
    run_state *st = user;
    pipeline *pl = st->pl;
    if (pl_stopped(pl)) return 1;
    item *it = pl_new_item(pl, ITEM_REJECT);
    if (!it) return pl_stopped(pl) ? 1 : pl_out_of_memory(st, rej->source);
    job *j = pl->filling;
    it->source = pl_store_str(j, rej->source);
    it->reason = pl_store_str(j, rej->reason);
    it->line = rej->line;
    if (rej->raw) {
        it->raw = pl_store(j, rej->raw, rej->raw_len);
        it->raw_len = rej->raw_len;
    }
    if (it->source == SIZE_MAX || it->reason == SIZE_MAX || (rej->raw && it->raw == SIZE_MAX)) {
        j->count--;
        return pl_out_of_memory(st, rej->source);
    }
    pl_item_done(pl);
    return 0;
}

/* A problem with an input file: printed now by one thread, or by the
 * writer in its place among the documents. */
static void input_problem(run_state *st, unsigned flags, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void input_problem(run_state *st, unsigned flags, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (flags & MSG_FATAL) st->reader_fatal = true;
    if (!st->pl) {
        fprintf(stderr, "%s\n", msg);
        if (flags & MSG_UNREADABLE) st->unreadable++;
        if (flags & MSG_FATAL) st->fatal = true;
        return;
    }
    item *it = pl_new_item(st->pl, ITEM_MESSAGE);
    if (it) {
        it->reason = pl_store_str(st->pl->filling, msg);
        it->flags = flags;
        if (it->reason != SIZE_MAX) return;
        st->pl->filling->count--;
    } else if (pl_stopped(st->pl)) {
        return;
    }
    fprintf(stderr, "%s\n", msg); /* the message itself, as no item can carry it */
    pl_out_of_memory(st, "input");
}

/* ---------------------------------------------------------------- workers */

static void buf_printf(newsmine_buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(newsmine_buffer *b, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n > 0) outbuf_append(b, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static void work_item(worker *w, job *j, item *it)
{
    run_state *st = w->pl->st;
    const cli_options *o = st->opts;
    const char *s = j->store.data;
    newsmine_doc doc = {s + it->id, strlen(s + it->id), s + it->text, it->text_len,
                        s + it->meta, it->meta_len, it->date == SIZE_MAX ? NULL : s + it->date,
                        it->line, it->repaired};
    it->out_start = it->out_end = j->out.len;
    it->err_start = j->err.len;
    newsmine_extract_options xo = {o->types, doc.date};
    const newsmine_entity *ents;
    size_t n;
    newsmine_error err;
    if (newsmine_extract(w->ex, doc.text, doc.text_len, &xo, &ents, &n, &err)) {
        buf_printf(&j->err, "newsmine: %s: %s\n", doc.id, err.message);
        it->failed = true;
    } else {
        const char *rule;
        if (newsmine_extractor_limit_hits(w->ex, &rule) && !o->quiet)
            buf_printf(&j->err,
                                   "newsmine: warning: %s: rule %s reached the PCRE2 match limit; "
                                   "its matches in this document were dropped, the other rules' "
                                   "kept\n",
                                   doc.id, rule);
        newsmine_emit_options eo = {o->emit, o->store_text};
        struct timespec t0;
        if (st->profile) clock_gettime(CLOCK_MONOTONIC, &t0);
        bool ok;
        if (o->out_url)
            ok = sink_pack_document(&doc, ents, n, o->store_text, &j->out);
        else if (o->format) {
            csv_format f = o->format == 1 ? CSV_FORMAT_CSV : CSV_FORMAT_TSV;
            ok = o->emit == NEWSMINE_EMIT_DOCUMENTS
                     ? csv_write_document(f, &doc, o->store_text, &j->out)
                     : csv_write_entities(f, &doc, ents, n, &j->out);
        } else
            ok = newsmine_emit(&doc, ents, n, &eo, &j->out) == NEWSMINE_OK;
        progress_add(st->progress, 0, 1, n);
        if (!ok) {
            buf_printf(&j->err, "newsmine: %s: out of memory while writing records\n",
                                   doc.id);
            it->failed = true;
        }
        if (st->profile) w->emit_ns += elapsed_ns(&t0);
        it->nents = n;
        for (size_t i = 0; i < n; i++)
            it->entities[ents[i].type]++;
    }
    it->out_end = j->out.len;
    it->err_end = j->err.len;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pipeline *pl = w->pl;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        job *j;
        while (!pl_stopped(pl) && (j = job_at(pl, pl->next_work))->state != JOB_QUEUED &&
               !(pl->reader_done && pl->next_work == pl->next_fill))
            pthread_cond_wait(&pl->work_cv, &pl->mu);
        if (pl_stopped(pl) || pl->next_work == pl->next_fill) {
            pthread_mutex_unlock(&pl->mu);
            return NULL;
        }
        j = job_at(pl, pl->next_work++);
        j->state = JOB_WORKING;
        pthread_mutex_unlock(&pl->mu);
        for (size_t i = 0; i < j->count && !pl_stopped(pl); i++)
            if (j->items[i].kind == ITEM_DOC) {
                work_item(w, j, &j->items[i]);
                if (j->items[i].failed) break; /* one thread stops here too */
            }
        pthread_mutex_lock(&pl->mu);
        j->state = JOB_DONE;
        pthread_cond_broadcast(&pl->done_cv);
        pthread_mutex_unlock(&pl->mu);
    }
}

/* ----------------------------------------------------------------- writer */

static bool write_records(run_state *st, const char *p, size_t n)
{
    if (st->sink) {
        if (n && sink_write_packed(st->sink, p, n)) {
            fprintf(stderr, "newsmine: %s\n", sink_error(st->sink));
            st->output_failed = true;
            return false;
        }
        return true;
    }
    if (st->opts->unbuffered && st->opts->emit == NEWSMINE_EMIT_ENTITIES) {
        /* flushed after every record, as one thread does */
        while (n) {
            const char *nl = memchr(p, '\n', n);
            size_t k = nl ? (size_t)(nl - p) + 1 : n;
            if (!outbuf_append(&st->out, p, k) || !flush_output(st)) return false;
            p += k;
            n -= k;
        }
        return true;
    }
    if (n && !outbuf_append(&st->out, p, n)) {
        fprintf(stderr, "newsmine: out of memory while writing records\n");
        st->fatal = true;
        return false;
    }
    bool flush = st->flush_per_document || st->opts->unbuffered || st->out.len >= OUTPUT_FLUSH_AT;
    return !flush || flush_output(st);
}

/* Writes one job's items in order; false when the run stops here. */
static bool write_job(run_state *st, job *j)
{
    for (size_t i = 0; i < j->count; i++) {
        item *it = &j->items[i];
        const char *s = j->store.data;
        if (it->kind == ITEM_MESSAGE) {
            fprintf(stderr, "%s\n", s + it->reason);
            if (it->flags & MSG_UNREADABLE) st->unreadable++;
            if (it->flags & MSG_FATAL) {
                st->fatal = true;
                return false;
            }
            continue;
        }
        if (it->kind == ITEM_REJECT) {
            st->rejected++;
            fprintf(stderr, "newsmine: %s:%llu: %s (document skipped)\n", s + it->source, it->line,
                    s + it->reason);
            if (st->reject_file && it->raw != SIZE_MAX &&
                (fwrite(s + it->raw, 1, it->raw_len, st->reject_file) != it->raw_len ||
                 fputc('\n', st->reject_file) == EOF)) {
                fprintf(stderr, "newsmine: %s: cannot write rejected input: %s\n",
                        st->opts->reject_path, strerror(errno));
                st->output_failed = true;
                return false;
            }
            continue;
        }
        st->read++;
        st->repaired += it->repaired > 0;
        if (it->err_end > it->err_start)
            fwrite(j->err.data + it->err_start, 1, it->err_end - it->err_start, stderr);
        if (it->failed) {
            st->fatal = true;
            return false;
        }
        if (!write_records(st, j->out.data + it->out_start, it->out_end - it->out_start))
            return false;
        st->emitted++;
        for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++)
            st->entities[t] += it->entities[t];
        if (st->output_closed || st->output_failed) return false;
    }
    return true;
}

static void shrink(newsmine_buffer *b)
{
    if (b->cap > JOB_KEEP_BYTES) newsmine_buffer_free(b);
}

static void process_input(run_state *st, const char *name);

static bool reader_should_stop(run_state *st)
{
    if (st->pl) return st->reader_fatal || pl_stopped(st->pl);
    return st->fatal || st->output_closed || st->output_failed;
}

static void *reader_main(void *arg)
{
    pipeline *pl = arg;
    run_state *st = pl->st;
    for (int i = 0; i < pl->file_count && !reader_should_stop(st); i++)
        process_input(st, pl->files[i]);
    pl_submit(pl);
    pthread_mutex_lock(&pl->mu);
    pl->reader_done = true;
    pthread_cond_broadcast(&pl->work_cv);
    pthread_cond_broadcast(&pl->done_cv);
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

static void pipeline_free(pipeline *pl)
{
    for (size_t i = 0; pl->jobs && i < pl->njobs; i++) {
        newsmine_buffer_free(&pl->jobs[i].store);
        newsmine_buffer_free(&pl->jobs[i].out);
        newsmine_buffer_free(&pl->jobs[i].err);
        free(pl->jobs[i].items);
    }
    free(pl->jobs);
    for (int w = 0; pl->workers && w < pl->nworkers; w++)
        newsmine_extractor_free(pl->workers[w].ex);
    free(pl->workers);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->work_cv);
    pthread_cond_destroy(&pl->done_cv);
    pthread_cond_destroy(&pl->free_cv);
}

/* Runs the files through the reader thread, nthreads workers and this
 * thread as the writer. Returns false when the threads could not start
 * (st->fatal set, message printed). */
static bool run_threads(run_state *st, const newsmine_rules *rules, int nthreads, char **files,
                        int count, newsmine_extractor ***extractors, int *nex)
{
    static pipeline pl_storage;
    pipeline *pl = &pl_storage;
    memset(pl, 0, sizeof *pl);
    pl->st = st;
    pl->files = files;
    pl->file_count = count;
    pl->nworkers = nthreads;
    pl->njobs = (size_t)nthreads * JOBS_PER_WORKER + 2;
    atomic_init(&pl->stop, false);
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->work_cv, NULL);
    pthread_cond_init(&pl->done_cv, NULL);
    pthread_cond_init(&pl->free_cv, NULL);
    pl->jobs = calloc(pl->njobs, sizeof *pl->jobs);
    pl->workers = calloc((size_t)nthreads, sizeof *pl->workers);
    bool ok = pl->jobs && pl->workers;
    if (!ok) fprintf(stderr, "newsmine: out of memory\n");
    newsmine_error err;
    for (int w = 0; ok && w < nthreads; w++) {
        pl->workers[w].pl = pl;
        if (newsmine_extractor_new(rules, &pl->workers[w].ex, &err)) {
            fprintf(stderr, "newsmine: %s\n", err.message);
            ok = false;
        } else if (st->profile) {
            newsmine_extractor_profile_enable(pl->workers[w].ex, 1);
        }
    }
    st->pl = pl;
    for (int w = 0; ok && w < nthreads; w++)
        ok = (pl->workers[w].started =
                  pthread_create(&pl->workers[w].thread, NULL, worker_main, &pl->workers[w]) == 0);
    if (ok) ok = (pl->reader_started = pthread_create(&pl->reader, NULL, reader_main, pl) == 0);
    if (!ok) {
        if (pl->jobs && pl->workers) fprintf(stderr, "newsmine: cannot start %d threads\n", nthreads);
        st->fatal = true;
        pl_stop(pl);
    }
    /* the writer */
    while (ok) {
        pthread_mutex_lock(&pl->mu);
        job *j;
        while ((j = job_at(pl, pl->next_write))->state != JOB_DONE &&
               !(pl->reader_done && pl->next_write == pl->next_fill))
            pthread_cond_wait(&pl->done_cv, &pl->mu);
        bool finished = j->state != JOB_DONE;
        pthread_mutex_unlock(&pl->mu);
        if (finished) break;
        bool go_on = write_job(st, j);
        shrink(&j->store);
        shrink(&j->out);
        shrink(&j->err);
        pthread_mutex_lock(&pl->mu);
        j->state = JOB_FREE;
        pl->next_write++;
        pthread_cond_broadcast(&pl->free_cv);
        pthread_mutex_unlock(&pl->mu);
        if (!go_on) {
            pl_stop(pl);
            break;
        }
    }
    if (pl->reader_started) pthread_join(pl->reader, NULL);
    if (st->reader_out_of_memory) st->fatal = true;
    for (int w = 0; pl->workers && w < nthreads; w++)
        if (pl->workers[w].started) pthread_join(pl->workers[w].thread, NULL);
    if (!ok && !st->fatal) st->fatal = true;
    for (int w = 0; pl->workers && w < nthreads; w++)
        st->emit_ns += pl->workers[w].emit_ns;
    /* the extractors go to the caller for the profile; the rest is freed */
    newsmine_extractor **ex = pl->workers ? calloc((size_t)nthreads, sizeof *ex) : NULL;
    for (int w = 0; ex && w < nthreads; w++) {
        ex[w] = pl->workers[w].ex;
        pl->workers[w].ex = NULL;
    }
    *extractors = ex;
    *nex = ex ? nthreads : 0;
    pipeline_free(pl);
    st->pl = NULL;
    return ok;
}

/* --------------------------------------------------------------- inputs */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The format of a member: by the name of the member inside an archive, or
 * of the file without its compression suffix; standard input is sniffed. */
static newsmine_input_format format_for(const cli_options *o, const input_member *m)
{
    if (o->input_given) return o->input;
    if (m->is_stdin) return NEWSMINE_INPUT_SNIFF;
    if (has_suffix(m->format_name, ".jsonl") || has_suffix(m->format_name, ".ndjson"))
        return NEWSMINE_INPUT_JSONL;
    return NEWSMINE_INPUT_TEXT;
}

/* Waits until fd has input or the pipeline stopped (standard input may be a
 * pipe that never ends): false when stopped. */
static bool wait_readable(run_state *st, int fd)
{
    for (;;) {
        if (pl_stopped(st->pl)) return false;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r != 0) return true; /* ready, or an error that read() reports */
    }
}

/* Reads one member of an input into a reader; false when the run stops. */
static void process_member(run_state *st, input *in, const input_member *m)
{
    newsmine_reader_options ro = {format_for(st->opts, m),
                                  m->name,
                                  st->opts->encoding,
                                  st->opts->id_field,
                                  st->opts->text_field,
                                  st->opts->date_field,
                                  st->opts->max_doc_bytes};
    newsmine_reader *reader;
    newsmine_error err;
    if (newsmine_reader_new(&ro, st->pl ? pl_on_document : on_document,
                            st->pl ? pl_on_rejection : on_rejection, st, &reader, &err)) {
        input_problem(st, MSG_FATAL, "newsmine: %s", err.message);
        return;
    }
    /* Only plain standard input can block for ever; it is read with read(2)
     * straight, so a poll before each read after the first (the sniffed
     * bytes) lets the threads stop while it waits. */
    bool poll_stdin = st->pl && m->is_stdin && m->kind == INPUT_PLAIN;
    newsmine_status rs = NEWSMINE_OK;
    for (bool first = true; !rs; first = false) {
        if (st->pl) {
            pl_submit(st->pl); /* what this chunk gave goes on before the next wait */
            if (pl_stopped(st->pl)) break;
            if (poll_stdin && !first && !wait_readable(st, STDIN_FILENO)) break;
        }
        const void *data;
        ssize_t n = input_read(in, &data);
        if (n < 0) {
            input_problem(st, MSG_UNREADABLE, "newsmine: %s", input_error(in));
            break;
        }
        if (n == 0) {
            rs = newsmine_reader_finish(reader, &err);
            break;
        }
        st->bytes += (unsigned long long)n;
        progress_set_bytes(st->progress, st->bytes_done + input_bytes_consumed(in));
        rs = newsmine_reader_feed(reader, data, (size_t)n, &err);
    }
    if (rs && rs != NEWSMINE_ERR_STOP) {
        char msg[1024];
        newsmine_error_format(&err, msg, sizeof msg);
        input_problem(st, MSG_FATAL, "newsmine: %s", msg);
    }
    newsmine_reader_free(reader);
}

/* One input file (or "-"): plain, compressed or an archive of members. */
static void process_input(run_state *st, const char *name)
{
    input *in;
    char err[1024];
    if (input_open(name, NULL, &in, err, sizeof err)) {
        input_problem(st, MSG_UNREADABLE, "newsmine: %s", err);
        return;
    }
    input_member m;
    input_status ist = INPUT_OK;
    while (!reader_should_stop(st) && (ist = input_next(in, &m)) == INPUT_OK)
        process_member(st, in, &m);
    if (ist != INPUT_OK && ist != INPUT_END)
        input_problem(st, ist == INPUT_ERR_NOMEM ? MSG_FATAL : MSG_UNREADABLE, "newsmine: %s",
                      input_error(in));
    st->bytes_done += input_bytes_consumed(in);
    input_close(in);
}

/* ------------------------------------------------------------------ main */

static int load_rules(const cli_options *o, newsmine_rules **rules)
{
    const char *dir = o->rules_dir ? o->rules_dir : cli_default_rules_dir();
    newsmine_error err;
    if (newsmine_rules_load(dir, rules, &err) == NEWSMINE_OK) return EXIT_OK;
    char msg[1024];
    newsmine_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "newsmine: %s\n", msg);
    return err.status == NEWSMINE_ERR_NOMEM ? EXIT_INTERNAL : EXIT_RULES;
}

static int check_rules(const cli_options *o)
{
    newsmine_rules *rules;
    int rc = load_rules(o, &rules);
    if (rc) return rc;
    printf("rules OK: %zu patterns, %zu gazetteer entries\n", newsmine_rules_pattern_count(rules),
           newsmine_rules_gazetteer_entries(rules));
    newsmine_rules_free(rules);
    return EXIT_OK;
}

/* NEWSMINE_PROFILE=1: where the time went, per stage and per rule, on
 * stderr at the end, the costliest first. */
static bool profiling_wanted(void)
{
    const char *v = getenv("NEWSMINE_PROFILE");
    return v && *v && strcmp(v, "0") != 0;
}

static int by_time_desc(const void *a, const void *b)
{
    const newsmine_profile_entry *x = a, *y = b;
    if (x->nanoseconds != y->nanoseconds) return x->nanoseconds > y->nanoseconds ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void print_profile(newsmine_extractor *const *ex, size_t n_ex, unsigned long long emit_ns)
{
    const newsmine_profile_entry *first;
    size_t n = newsmine_extractor_profile(ex[0], &first);
    if (!n) return;
    newsmine_profile_entry *sum = malloc(n * sizeof *sum);
    if (!sum) return;
    memcpy(sum, first, n * sizeof *sum);
    for (size_t k = 1; k < n_ex; k++) {
        const newsmine_profile_entry *e;
        if (newsmine_extractor_profile(ex[k], &e) != n) continue;
        for (size_t i = 0; i < n; i++) {
            sum[i].calls += e[i].calls;
            sum[i].matches += e[i].matches;
            sum[i].skipped += e[i].skipped;
            sum[i].nanoseconds += e[i].nanoseconds;
        }
    }
    qsort(sum, n, sizeof *sum, by_time_desc);
    fprintf(stderr, "%-40s %12s %10s %12s %10s %8s\n", "newsmine profile", "calls", "matches",
            "skipped", "ms", "ns/call");
    fprintf(stderr, "%-40s %12s %10s %12s %10.1f\n", "stage:emit (writer)", "", "", "",
            (double)emit_ns / 1e6);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%-40s %12llu %10llu %12llu %10.1f %8.0f\n", sum[i].name, sum[i].calls,
                sum[i].matches, sum[i].skipped, (double)sum[i].nanoseconds / 1e6,
                sum[i].calls ? (double)sum[i].nanoseconds / (double)sum[i].calls : 0.0);
    free(sum);
}

/* One JSON line on stderr: what was read, what came out. Every document read
 * is emitted or rejected: read + rejected counts every input document. */
static void print_stats(const run_state *st, const sink_stats *db)
{
    fprintf(stderr,
            "{\"documents\":%llu,\"emitted\":%llu,\"rejected\":%llu,\"repaired\":%llu,"
            "\"unreadable_files\":%llu,\"bytes\":%llu,\"entities\":{",
            st->read + st->rejected, st->emitted, st->rejected, st->repaired, st->unreadable,
            st->bytes);
    for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++)
        fprintf(stderr, "%s\"%s\":%llu", t ? "," : "", newsmine_type_name((newsmine_type)t),
                st->entities[t]);
    fprintf(stderr, "}");
    if (db)
        fprintf(stderr,
                ",\"db\":{\"documents_written\":%llu,\"documents_present\":%llu,"
                "\"entities_written\":%llu,\"entities_present\":%llu,\"batches\":%llu,"
                "\"write_seconds\":%.3f,\"write_cpu_seconds\":%.3f,\"finish_seconds\":%.3f}",
                db->documents_written, db->documents_present, db->entities_written,
                db->entities_present, db->batches, db->write_seconds, db->write_cpu_seconds,
                db->finish_seconds);
    fprintf(stderr, "}\n");
}

static int run(const cli_options *o)
{
    newsmine_rules *rules;
    int rc = load_rules(o, &rules);
    if (rc) return rc;
    run_state st = {.opts = o, .flush_per_document = !stdout_is_regular_file()};
    if (o->reject_path && !(st.reject_file = fopen(o->reject_path, "wb"))) {
        fprintf(stderr, "newsmine: %s: cannot open for rejected input: %s\n", o->reject_path,
                strerror(errno));
        newsmine_rules_free(rules);
        return EXIT_OUTPUT;
    }
    newsmine_error err;
    if (newsmine_extractor_new(rules, &st.ex, &err)) {
        fprintf(stderr, "newsmine: %s\n", err.message);
        newsmine_rules_free(rules);
        return EXIT_INTERNAL;
    }
    st.profile = profiling_wanted() && newsmine_extractor_profile_enable(st.ex, 1) == NEWSMINE_OK;
    static char *stdin_only[] = {"-"};
    char **files = o->file_count ? o->files : stdin_only;
    int count = o->file_count ? o->file_count : 1;
    if (o->out_url) {
        sink_options so = {.store_text = o->store_text, .batch_documents = o->batch};
        char serr[1024];
        sink_status ss = sink_open(o->out_url, &so, &st.sink, serr, sizeof serr);
        if (ss) {
            fprintf(stderr, "newsmine: %s\n", serr);
            if (st.reject_file) fclose(st.reject_file);
            newsmine_extractor_free(st.ex);
            newsmine_rules_free(rules);
            return ss == SINK_ERR_URL ? EXIT_USAGE : ss == SINK_ERR_NOMEM ? EXIT_INTERNAL
                                                                           : EXIT_OUTPUT;
        }
    }
    if (o->progress) {
        unsigned long long total = 0; /* 0: unknown (standard input, not a regular file) */
        for (int i = 0; i < count; i++) {
            struct stat sb;
            if (strcmp(files[i], "-") == 0 || stat(files[i], &sb) || !S_ISREG(sb.st_mode)) {
                total = 0;
                break;
            }
            total += (unsigned long long)sb.st_size;
        }
        st.progress = progress_new(STDERR_FILENO, o->progress == 2 ? PROGRESS_ALWAYS
                                                                    : PROGRESS_AUTO, total);
    }
    newsmine_extractor **workers = NULL;
    int nworkers = 0;
    if (o->threads > 1) {
        run_threads(&st, rules, o->threads, files, count, &workers, &nworkers);
    } else {
        for (int i = 0; i < count && !reader_should_stop(&st); i++)
            process_input(&st, files[i]);
    }
    sink_stats db = {0};
    if (st.sink) {
        if (st.output_failed || st.fatal) {
            sink_abort(st.sink); /* committed batches stay; the open one is dropped */
        } else {
            sink_status fs = sink_finish(st.sink); /* waits for the committer thread */
            sink_get_stats(st.sink, &db);
            if (fs) fprintf(stderr, "newsmine: %s\n", sink_error(st.sink));
            char serr[1024];
            if (sink_close(st.sink, serr, sizeof serr) && !fs) {
                fprintf(stderr, "newsmine: %s\n", serr);
                fs = SINK_ERR_DB;
            }
            if (fs) st.output_failed = true;
        }
        st.sink = NULL;
    } else if (!st.output_closed && !st.output_failed) {
        flush_output(&st);
    }
    progress_finish(st.progress); /* the last line and a newline */
    progress_free(st.progress);
    st.progress = NULL;
    if (st.reject_file && fclose(st.reject_file) != 0) {
        fprintf(stderr, "newsmine: %s: %s\n", o->reject_path, strerror(errno));
        st.output_failed = true;
    }
    if (o->stats) print_stats(&st, o->out_url ? &db : NULL);
    if (st.profile && nworkers) print_profile(workers, (size_t)nworkers, st.emit_ns);
    else if (st.profile) print_profile(&st.ex, 1, st.emit_ns);
    for (int w = 0; w < nworkers; w++)
        newsmine_extractor_free(workers[w]);
    free(workers);
    newsmine_buffer_free(&st.out);
    newsmine_extractor_free(st.ex);
    newsmine_rules_free(rules);
    if (st.output_failed) return EXIT_OUTPUT;
    if (st.fatal) return EXIT_INTERNAL;
    if (st.output_closed) return EXIT_OK;
    return st.rejected || st.unreadable ? EXIT_SOME_INPUT_BAD : EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "eval") == 0)
        return newsmine_cli_eval(argc - 1, argv + 1, cli_default_rules_dir());
    /* a closed pipe is reported by write() as EPIPE and ends the run quietly */
    signal(SIGPIPE, SIG_IGN);
    cli_options o;
    bool done;
    int rc = cli_parse_options(argc, argv, &o, &done);
    if (!rc && !done) rc = o.check_rules ? check_rules(&o) : run(&o);
    free(o.files);
    return rc;
}
