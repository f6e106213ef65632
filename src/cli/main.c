/* newsmine, the command: a thin user of libnewsmine. Reads files or standard
 * input, runs the extraction on every document and writes JSON Lines. */
#include "eval.h"
#include "newsmine.h"
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { READ_CHUNK = 256 * 1024, OUTPUT_FLUSH_AT = 64 * 1024 };

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
} run_state;

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
    newsmine_emit_options eo = {st->opts->emit, st->opts->store_text};
    struct timespec t0;
    if (st->profile) clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st->opts->unbuffered && st->opts->emit == NEWSMINE_EMIT_ENTITIES) {
        for (size_t i = 0; i < n; i++) {
            if (newsmine_emit(doc, ents + i, 1, &eo, &st->out) || !flush_output(st)) break;
        }
    } else if (newsmine_emit(doc, ents, n, &eo, &st->out)) {
        fprintf(stderr, "newsmine: %s: out of memory while writing records\n", doc->id);
        st->fatal = true;
        return 1;
    }
    if (st->profile) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        st->emit_ns += (unsigned long long)((t1.tv_sec - t0.tv_sec) * 1000000000ll +
                                            (t1.tv_nsec - t0.tv_nsec));
    }
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

/* --------------------------------------------------------------- inputs */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static newsmine_input_format format_for(const cli_options *o, const char *name, bool is_stdin)
{
    if (o->input_given) return o->input;
    if (is_stdin) return NEWSMINE_INPUT_SNIFF;
    if (has_suffix(name, ".jsonl") || has_suffix(name, ".ndjson")) return NEWSMINE_INPUT_JSONL;
    return NEWSMINE_INPUT_TEXT;
}

static void process_input(run_state *st, const char *name)
{
    bool is_stdin = strcmp(name, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "newsmine: %s: cannot open: %s\n", name, strerror(errno));
        st->unreadable++;
        return;
    }
    newsmine_reader_options ro = {format_for(st->opts, name, is_stdin),
                                  is_stdin ? "stdin" : name,
                                  st->opts->encoding,
                                  st->opts->id_field,
                                  st->opts->text_field,
                                  st->opts->date_field,
                                  st->opts->max_doc_bytes};
    newsmine_reader *reader;
    newsmine_error err;
    if (newsmine_reader_new(&ro, on_document, on_rejection, st, &reader, &err)) {
        fprintf(stderr, "newsmine: %s\n", err.message);
        st->fatal = true;
        if (!is_stdin) close(fd);
        return;
    }
    char *chunk = malloc(READ_CHUNK);
    newsmine_status rs = chunk ? NEWSMINE_OK : NEWSMINE_ERR_NOMEM;
    for (ssize_t n; !rs;) {
        n = read(fd, chunk, READ_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            fprintf(stderr, "newsmine: %s: read error: %s\n", name, strerror(errno));
            st->unreadable++;
            break;
        }
        if (n == 0) {
            rs = newsmine_reader_finish(reader, &err);
            break;
        }
        st->bytes += (unsigned long long)n;
        rs = newsmine_reader_feed(reader, chunk, (size_t)n, &err);
    }
    if (rs && rs != NEWSMINE_ERR_STOP) {
        char msg[1024];
        newsmine_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "newsmine: %s\n", msg);
        st->fatal = true;
    }
    free(chunk);
    newsmine_reader_free(reader);
    if (!is_stdin) close(fd);
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
static void print_stats(const run_state *st)
{
    fprintf(stderr,
            "{\"documents\":%llu,\"emitted\":%llu,\"rejected\":%llu,\"repaired\":%llu,"
            "\"unreadable_files\":%llu,\"bytes\":%llu,\"entities\":{",
            st->read + st->rejected, st->emitted, st->rejected, st->repaired, st->unreadable,
            st->bytes);
    for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++)
        fprintf(stderr, "%s\"%s\":%llu", t ? "," : "", newsmine_type_name((newsmine_type)t),
                st->entities[t]);
    fprintf(stderr, "}}\n");
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
    for (int i = 0; i < count && !st.fatal && !st.output_closed && !st.output_failed; i++)
        process_input(&st, files[i]);
    if (!st.output_closed && !st.output_failed) flush_output(&st);
    if (st.reject_file && fclose(st.reject_file) != 0) {
        fprintf(stderr, "newsmine: %s: %s\n", o->reject_path, strerror(errno));
        st.output_failed = true;
    }
    if (o->stats) print_stats(&st);
    if (st.profile) print_profile(&st.ex, 1, st.emit_ns);
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
