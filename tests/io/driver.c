/* newsmine-io-driver: the issue-6 modules wired the way
 * docs/integration-issue6.md asks main.c to wire them, for the end-to-end
 * tests of tests/io/ until main.c does it (then these tests can run
 * newsmine itself). Not installed.
 *
 *   newsmine-io-driver [--rules DIR] [--input text|lines|jsonl]
 *       [--emit entities|documents] [--format jsonl|csv|tsv] [--store-text]
 *       [--out URL] [--batch N] [--progress[=always]] [--stats] [FILE...]
 *
 * Exit statuses as newsmine's: 0, 1 (some input unreadable or rejected),
 * 2 usage, 3 rules, 4 output (database) error, 5 internal. */
#include "format_csv.h"
#include "input.h"
#include "newsmine.h"
#include "progress.h"
#include "sink.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUTPUT_FLUSH_AT = 64 * 1024 };
enum { FORMAT_JSONL, FORMAT_CSV, FORMAT_TSV };

typedef struct driver {
    /* options */
    const char *rules, *out_url;
    bool input_given, store_text, stats, progress_on;
    newsmine_input_format input;
    newsmine_emit_mode emit;
    int format;
    progress_mode pmode;
    size_t batch;
    /* state */
    newsmine_extractor *ex;
    newsmine_buffer out;
    sink *sink;
    progress *progress;
    unsigned long long bytes_done; /* of the files finished, for --progress */
    unsigned long long read, rejected, unreadable, entities;
    bool output_failed, fatal;
} driver;

static bool write_all(driver *d, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            if (errno != EPIPE) fprintf(stderr, "driver: cannot write output: %s\n", strerror(errno));
            d->output_failed = true;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool flush_output(driver *d)
{
    bool ok = d->out.len == 0 || write_all(d, d->out.data, d->out.len);
    d->out.len = 0;
    return ok;
}

/* Step 3 of docs/integration-issue6.md: the document goes to the sink, or
 * becomes CSV/TSV rows, or JSON Lines as before. */
static int on_document(void *user, const newsmine_doc *doc)
{
    driver *d = user;
    d->read++;
    newsmine_extract_options xo = {0, doc->date};
    const newsmine_entity *ents;
    size_t n;
    newsmine_error err;
    if (newsmine_extract(d->ex, doc->text, doc->text_len, &xo, &ents, &n, &err)) {
        fprintf(stderr, "driver: %s: %s\n", doc->id, err.message);
        d->fatal = true;
        return 1;
    }
    d->entities += n;
    progress_add(d->progress, 0, 1, n);
    if (d->sink) {
        if (sink_write_document(d->sink, doc, ents, n)) {
            fprintf(stderr, "newsmine: %s\n", sink_error(d->sink));
            d->output_failed = true;
            return 1;
        }
        return 0;
    }
    bool ok;
    if (d->format == FORMAT_JSONL) {
        newsmine_emit_options eo = {d->emit, d->store_text};
        ok = newsmine_emit(doc, ents, n, &eo, &d->out) == NEWSMINE_OK;
    } else {
        csv_format f = d->format == FORMAT_CSV ? CSV_FORMAT_CSV : CSV_FORMAT_TSV;
        ok = d->emit == NEWSMINE_EMIT_DOCUMENTS ? csv_write_document(f, doc, d->store_text, &d->out)
                                                : csv_write_entities(f, doc, ents, n, &d->out);
    }
    if (!ok) {
        fprintf(stderr, "driver: %s: out of memory while writing records\n", doc->id);
        d->fatal = true;
        return 1;
    }
    if (d->out.len >= OUTPUT_FLUSH_AT && !flush_output(d)) return 1;
    return 0;
}

static int on_rejection(void *user, const newsmine_rejection *rej)
{
    driver *d = user;
    d->rejected++;
    fprintf(stderr, "driver: %s:%llu: %s (document skipped)\n", rej->source, rej->line,
            rej->reason);
    return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* main.c's format_for, given the member's format_name instead of the file name. */
static newsmine_input_format format_for(const driver *d, const input_member *m)
{
    if (d->input_given) return d->input;
    if (m->is_stdin && m->kind == INPUT_PLAIN) return NEWSMINE_INPUT_SNIFF;
    if (has_suffix(m->format_name, ".jsonl") || has_suffix(m->format_name, ".ndjson"))
        return NEWSMINE_INPUT_JSONL;
    return m->is_stdin ? NEWSMINE_INPUT_SNIFF : NEWSMINE_INPUT_TEXT;
}

/* Step 2: main.c's process_input with input.h instead of open/read. */
static void process_input(driver *d, const char *path)
{
    input *in;
    char err[1024];
    if (input_open(path, NULL, &in, err, sizeof err)) {
        fprintf(stderr, "driver: %s\n", err);
        d->unreadable++;
        return;
    }
    input_member m;
    input_status ist;
    while (!d->fatal && !d->output_failed && (ist = input_next(in, &m)) == INPUT_OK) {
        newsmine_reader_options ro = {format_for(d, &m), m.name, NULL, NULL, NULL, NULL, 0};
        newsmine_reader *reader;
        newsmine_error nerr;
        if (newsmine_reader_new(&ro, on_document, on_rejection, d, &reader, &nerr)) {
            fprintf(stderr, "driver: %s\n", nerr.message);
            d->fatal = true;
            break;
        }
        newsmine_status rs = NEWSMINE_OK;
        for (;;) {
            const void *data;
            ssize_t n = input_read(in, &data);
            if (n < 0) {
                fprintf(stderr, "driver: %s\n", input_error(in));
                d->unreadable++;
                break;
            }
            if (n == 0) {
                rs = newsmine_reader_finish(reader, &nerr);
                break;
            }
            progress_set_bytes(d->progress, d->bytes_done + input_bytes_consumed(in));
            rs = newsmine_reader_feed(reader, data, (size_t)n, &nerr);
            if (rs) break;
        }
        if (rs && rs != NEWSMINE_ERR_STOP) {
            char msg[1024];
            newsmine_error_format(&nerr, msg, sizeof msg);
            fprintf(stderr, "driver: %s\n", msg);
            d->fatal = true;
        }
        newsmine_reader_free(reader);
    }
    if (ist != INPUT_OK && ist != INPUT_END) {
        fprintf(stderr, "driver: %s\n", input_error(in));
        d->unreadable++;
    }
    d->bytes_done += input_bytes_consumed(in);
    input_close(in);
}

static int usage(const char *msg)
{
    fprintf(stderr, "driver: %s\n", msg);
    return 2;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    driver d = {.rules = getenv("NEWSMINE_RULES"), .format = FORMAT_JSONL};
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) return 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--rules") && v) d.rules = v, i++;
        else if (!strcmp(a, "--out") && v) d.out_url = v, i++;
        else if (!strcmp(a, "--batch") && v) d.batch = (size_t)strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--input") && v) {
            d.input_given = true;
            d.input = !strcmp(v, "lines") ? NEWSMINE_INPUT_LINES
                      : !strcmp(v, "jsonl") ? NEWSMINE_INPUT_JSONL : NEWSMINE_INPUT_TEXT;
            i++;
        } else if (!strcmp(a, "--emit") && v) {
            d.emit = !strcmp(v, "documents") ? NEWSMINE_EMIT_DOCUMENTS : NEWSMINE_EMIT_ENTITIES;
            i++;
        } else if (!strcmp(a, "--format") && v) {
            d.format = !strcmp(v, "csv") ? FORMAT_CSV : !strcmp(v, "tsv") ? FORMAT_TSV : FORMAT_JSONL;
            i++;
        } else if (!strcmp(a, "--store-text")) d.store_text = true;
        else if (!strcmp(a, "--stats")) d.stats = true;
        else if (!strcmp(a, "--progress")) d.progress_on = true, d.pmode = PROGRESS_AUTO;
        else if (!strcmp(a, "--progress=always")) d.progress_on = true, d.pmode = PROGRESS_ALWAYS;
        else if (a[0] == '-' && a[1]) {
            free(files);
            return usage("unknown option");
        } else files[nfiles++] = argv[i];
    }
    if (!nfiles) files[nfiles++] = "-";
    if (!d.rules) d.rules = NEWSMINE_SOURCE_RULES_DIR;

    newsmine_rules *rules;
    newsmine_error nerr;
    if (newsmine_rules_load(d.rules, &rules, &nerr)) {
        fprintf(stderr, "driver: %s\n", nerr.message);
        free(files);
        return 3;
    }
    if (newsmine_extractor_new(rules, &d.ex, &nerr)) {
        newsmine_rules_free(rules);
        free(files);
        return 5;
    }
    /* Step 1: open the sink before reading anything. */
    if (d.out_url) {
        sink_options so = {.store_text = d.store_text, .batch_documents = d.batch};
        char err[1024];
        sink_status st = sink_open(d.out_url, &so, &d.sink, err, sizeof err);
        if (st) {
            fprintf(stderr, "newsmine: %s\n", err);
            newsmine_extractor_free(d.ex);
            newsmine_rules_free(rules);
            free(files);
            return st == SINK_ERR_URL ? 2 : 4;
        }
    }
    if (d.progress_on) {
        unsigned long long total = 0;
        for (int i = 0; i < nfiles; i++) {
            struct stat sb;
            if (strcmp(files[i], "-") == 0 || stat(files[i], &sb) != 0 || !S_ISREG(sb.st_mode)) {
                total = 0;
                break;
            }
            total += (unsigned long long)sb.st_size;
        }
        d.progress = progress_new(STDERR_FILENO, d.pmode, total);
    }
    for (int i = 0; i < nfiles && !d.fatal && !d.output_failed; i++)
        process_input(&d, files[i]);
    /* Step 4: at the end, commit (or abandon after an error) and report. */
    sink_stats ss = {0};
    if (d.sink) {
        if (d.output_failed || d.fatal) {
            sink_abort(d.sink);
        } else {
            char err[1024];
            sink_status st = sink_flush(d.sink);
            sink_get_stats(d.sink, &ss);
            if (st) fprintf(stderr, "newsmine: %s\n", sink_error(d.sink));
            if (sink_close(d.sink, err, sizeof err) || st) {
                if (!st) fprintf(stderr, "newsmine: %s\n", err);
                d.output_failed = true;
            }
        }
        d.sink = NULL;
    } else if (!d.output_failed) {
        flush_output(&d);
    }
    progress_finish(d.progress);
    progress_free(d.progress);
    if (d.stats)
        fprintf(stderr,
                "{\"documents\":%llu,\"rejected\":%llu,\"unreadable_files\":%llu,"
                "\"entities\":%llu,\"db\":{\"documents_written\":%llu,"
                "\"documents_present\":%llu,\"entities_written\":%llu,"
                "\"entities_present\":%llu,\"batches\":%llu}}\n",
                d.read, d.rejected, d.unreadable, d.entities, ss.documents_written,
                ss.documents_present, ss.entities_written, ss.entities_present, ss.batches);
    newsmine_buffer_free(&d.out);
    newsmine_extractor_free(d.ex);
    newsmine_rules_free(rules);
    free(files);
    if (d.output_failed) return 4;
    if (d.fatal) return 5;
    return d.rejected || d.unreadable ? 1 : 0;
}
