/* Would Vectorscan (Hyperscan's portable fork) in front of PCRE2 pay?
 *
 *     vectorscan_probe RULES_DIR FILE.jsonl...
 *
 * Every rule's expanded pattern is compiled for Vectorscan in prefilter
 * mode (HS_FLAG_PREFILTER: a superset of its matches), each rule alone and
 * all of them in one database. For every document the probe scans the
 * normalized text with each database, then runs newsmine's matcher with its
 * profile counters on. A rule for which Vectorscan finds nothing in a
 * document cannot match in it, so its PCRE2 calls there could be skipped:
 * the probe adds up those calls and their time (the profile's time, which
 * includes its clock reads: an upper bound of the saving) and sets them
 * against the time the scans take. A rule whose calls were skipped but
 * which matched would make the prefilter unsound: counted as "unsound".
 *
 * Vectorscan refuses a group name used twice and \K, so named groups are
 * made plain groups and \K is dropped: the set of match ends stays the
 * same, and only the ends matter here. Not part of the suite: built with
 * -DNEWSMINE_BENCH_VECTORSCAN=ON (Debian libvectorscan-dev), measured in
 * docs/performance.md. */
#include "match.h"
#include "newsmine.h"
#include "normalize.h"
#include "rules.h"
#include "tokenize.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rule_probe {
    hs_database_t *db; /* the rule alone, or NULL when Vectorscan refuses it */
    hs_scratch_t *scratch;
    double scan_ns;                      /* its scans alone */
    unsigned long long calls, skippable; /* PCRE2 calls, those in documents it is absent from */
    double call_ns, skippable_ns;
    unsigned long long unsound;
} rule_probe;

typedef struct probe {
    newsmine_rules *rules;
    newsmine_matcher *matcher;
    newsmine_arena arena;
    newsmine_rule_stats *stats, *before;
    rule_probe *per_rule;
    hs_database_t *all; /* every rule Vectorscan takes, ids = rule indices */
    hs_scratch_t *all_scratch;
    bool *found; /* per rule: the scan of all found something */
    double all_scan_ns;
    unsigned long long documents, bytes, all_skippable;
    double all_skippable_ns;
} probe;

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

/* The pattern as Vectorscan takes it: extended syntax as newsmine compiles
 * it, group names and \K gone. Caller frees. */
static char *vectorscan_pattern(const char *pattern)
{
    char *out = malloc(strlen(pattern) + 8);
    if (!out) return NULL;
    char *o = out + sprintf(out, "(?x)");
    for (const char *p = pattern; *p;) {
        if (p[0] == '\\' && p[1] == 'K') {
            p += 2;
        } else if (p[0] == '\\' && p[1]) {
            *o++ = *p++;
            *o++ = *p++;
        } else if (p[0] == '(' && p[1] == '?' && p[2] == '<' && p[3] != '=' && p[3] != '!' &&
                   strchr(p, '>')) {
            o += sprintf(o, "(?:");
            p = strchr(p, '>') + 1;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static int note_found(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void *ctx)
{
    (void)from, (void)to, (void)flags;
    ((bool *)ctx)[id] = true;
    return 0;
}

static int stop_at_first(unsigned id, unsigned long long from, unsigned long long to,
                         unsigned flags, void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    *(bool *)ctx = true;
    return 1; /* one match is enough */
}

static int on_document(void *user, const newsmine_doc *doc)
{
    probe *p = user;
    newsmine_arena_reset(&p->arena);
    newsmine_normalized nt;
    newsmine_token *tokens;
    size_t ntok, ncand;
    newsmine_candidate *cands;
    if (newsmine_normalize(doc->text, doc->text_len, &p->arena, &nt) ||
        newsmine_tokenize(p->rules->tokenizer, nt.text, nt.len, &p->arena, &tokens, &ntok))
        return 0;
    size_t n = p->rules->rule_count;
    memset(p->found, 0, n * sizeof *p->found);
    double t0 = now_ns();
    hs_scan(p->all, nt.text, (unsigned)nt.len, 0, p->all_scratch, note_found, p->found);
    p->all_scan_ns += now_ns() - t0;

    memcpy(p->before, p->stats, (n + 1) * sizeof *p->stats);
    if (newsmine_match(p->matcher, nt.text, nt.len, tokens, ntok, NEWSMINE_ALL_TYPES, &p->arena,
                       &cands, &ncand))
        return 0;
    for (size_t r = 0; r < n; r++) {
        rule_probe *rp = &p->per_rule[r];
        unsigned long long calls = p->stats[r].calls - p->before[r].calls;
        unsigned long long matches = p->stats[r].matches - p->before[r].matches;
        double ns = (double)(p->stats[r].ns - p->before[r].ns);
        rp->calls += calls;
        rp->call_ns += ns;
        if (!rp->db) continue;
        bool alone = false;
        t0 = now_ns();
        hs_scan(rp->db, nt.text, (unsigned)nt.len, 0, rp->scratch, stop_at_first, &alone);
        rp->scan_ns += now_ns() - t0;
        if (!p->found[r]) {
            p->all_skippable += calls;
            p->all_skippable_ns += ns;
        }
        if (!alone) {
            rp->skippable += calls;
            rp->skippable_ns += ns;
            if (matches) rp->unsound++;
        }
    }
    p->documents++;
    p->bytes += nt.len;
    return 0;
}

static bool compile_rules(probe *p)
{
    size_t n = p->rules->rule_count;
    char **patterns = calloc(n, sizeof *patterns);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    if (!patterns || !flags || !ids) return false;
    unsigned taken = 0;
    double t0 = now_ns();
    for (size_t r = 0; r < n; r++) {
        char *pattern = vectorscan_pattern(p->rules->rules[r].pattern);
        hs_compile_error_t *e = NULL;
        unsigned f = HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_ALLOWEMPTY;
        rule_probe *rp = &p->per_rule[r];
        if (!pattern) return false;
        if (hs_compile(pattern, f, HS_MODE_BLOCK, NULL, &rp->db, &e) != HS_SUCCESS) {
            fprintf(stderr, "%s: Vectorscan refuses it: %s\n", p->rules->rules[r].id, e->message);
            hs_free_compile_error(e);
            free(pattern);
            rp->db = NULL;
            continue;
        }
        hs_alloc_scratch(rp->db, &rp->scratch);
        patterns[taken] = pattern;
        flags[taken] = f;
        ids[taken] = (unsigned)r;
        taken++;
    }
    double each_ms = (now_ns() - t0) / 1e6;
    hs_compile_error_t *e = NULL;
    t0 = now_ns();
    bool ok = hs_compile_multi((const char *const *)patterns, flags, ids, taken, HS_MODE_BLOCK,
                               NULL, &p->all, &e) == HS_SUCCESS;
    double all_ms = (now_ns() - t0) / 1e6;
    if (!ok) {
        fprintf(stderr, "all rules in one database: %s\n", e->message);
        hs_free_compile_error(e);
    } else {
        hs_alloc_scratch(p->all, &p->all_scratch);
        size_t size = 0, scratch = 0;
        hs_database_size(p->all, &size);
        hs_scratch_size(p->all_scratch, &scratch);
        printf("rules in Vectorscan: %u of %zu; compile: %.0f ms one by one, %.0f ms all "
               "together; database %.1f MiB, scratch %.1f KiB\n",
               taken, n, each_ms, all_ms, size / 1048576.0, scratch / 1024.0);
    }
    for (unsigned i = 0; i < taken; i++)
        free(patterns[i]);
    free(patterns);
    free(flags);
    free(ids);
    return ok;
}

static void read_file(probe *p, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    newsmine_reader_options ro = {0};
    ro.format = NEWSMINE_INPUT_JSONL;
    ro.source = path;
    newsmine_reader *reader;
    if (newsmine_reader_new(&ro, on_document, NULL, p, &reader, NULL)) exit(2);
    char buf[65536];
    for (size_t got; (got = fread(buf, 1, sizeof buf, f)) > 0;)
        newsmine_reader_feed(reader, buf, got, NULL);
    newsmine_reader_finish(reader, NULL);
    newsmine_reader_free(reader);
    fclose(f);
}

static void report(const probe *p)
{
    double mb = p->bytes / 1e6;
    unsigned long long calls = 0;
    double call_ns = 0;
    for (size_t r = 0; r < p->rules->rule_count; r++) {
        calls += p->per_rule[r].calls;
        call_ns += p->per_rule[r].call_ns;
    }
    printf("documents %llu, %.1f MB normalized\n", p->documents, mb);
    printf("PCRE2 calls %llu, %.1f ms (profile)\n", calls, call_ns / 1e6);
    printf("one scan of all rules: %.1f ms (%.1f MB/s); would skip %llu calls (%.1f %%), "
           "%.1f ms\n",
           p->all_scan_ns / 1e6, mb / (p->all_scan_ns / 1e9), p->all_skippable,
           100.0 * p->all_skippable / (calls ? calls : 1), p->all_skippable_ns / 1e6);
    printf("\n%-36s %10s %10s %10s %10s %8s\n", "rule alone", "calls", "PCRE2 ms", "scan ms",
           "skip ms", "unsound");
    for (size_t r = 0; r < p->rules->rule_count; r++) {
        const rule_probe *rp = &p->per_rule[r];
        if (!rp->db) continue;
        printf("%-36s %10llu %10.2f %10.2f %10.2f %8llu\n", p->rules->rules[r].id, rp->calls,
               rp->call_ns / 1e6, rp->scan_ns / 1e6, rp->skippable_ns / 1e6, rp->unsound);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vectorscan_probe RULES_DIR FILE.jsonl...\n");
        return 2;
    }
    probe p = {0};
    if (newsmine_rules_load(argv[1], &p.rules, NULL) || newsmine_matcher_new(p.rules, &p.matcher)) {
        fprintf(stderr, "cannot load the rules in %s\n", argv[1]);
        return 2;
    }
    size_t n = p.rules->rule_count;
    p.stats = calloc(n + 1, sizeof *p.stats);
    p.before = calloc(n + 1, sizeof *p.before);
    p.per_rule = calloc(n, sizeof *p.per_rule);
    p.found = calloc(n, sizeof *p.found);
    if (!p.stats || !p.before || !p.per_rule || !p.found || !compile_rules(&p)) return 1;
    newsmine_matcher_set_stats(p.matcher, p.stats);
    newsmine_arena_init(&p.arena);
    for (int i = 2; i < argc; i++)
        read_file(&p, argv[i]);
    report(&p);
    return 0;
}
