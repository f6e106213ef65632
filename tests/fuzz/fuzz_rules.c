/* Fuzz target: the rule-file compiler. The input is written as fuzz.rules in
 * a temporary rules directory that also holds small versions of the English
 * tables (the header and the first rows of every .tsv file of rules/en/, and
 * abbreviations.txt), so that the English rule files, which the seed corpus
 * holds, load. When the input has a line "%%tsv", what follows it becomes
 * fuzz.tsv beside the rules file instead (the tables are fuzzed too).
 *
 * Checks: the load succeeds, or fails with NEWSMINE_ERR_RULES (or IO) and a
 * message that names the file and, for a rules error, a line (and a column
 * where a line is known); never a crash or a leak. A rule set that loads
 * is used once: extraction on a short fixed text, with the entity
 * invariants (sorted, inside the text, code points consistent), and the
 * matcher in verify mode on the same text: every attempt a prefilter (read
 * from the fuzzed pattern) rules out is made anyway and must not match. */
#include "arena.h"
#include "fuzz.h"
#include "match.h"
#include "newsmine.h"
#include "normalize.h"
#include "rules.h"
#include "tokenize.h"

#include <dirent.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#ifndef NEWSMINE_SOURCE_RULES_DIR
#error "NEWSMINE_SOURCE_RULES_DIR must name the source tree's rules/"
#endif

static char dir[4096];
static char rules_path[4200], tsv_path[4200];

static const char sample_text[] =
    "Colonel Ruslan Aipov said 139 Kazakhstani peacekeepers arrived in Damascus, Syria "
    "on 12 March 2024. The UN Interim Force in Lebanon (UNIFIL) lost 2 tanks near Goma; "
    "dozens of soldiers, 1.5 million dollars, 25 km. Lt. Col. Ivan Petrov of the 3rd "
    "Battalion met Gen. Smith in Mali. ÉTATS-UNIS 12 %. Астана, 3 officers\n\nNew York.";

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* The comment lines dropped, the header and the first rows kept. */
static void copy_head(const char *from, const char *to, int rows)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) {
        perror(from);
        abort();
    }
    char line[4096];
    int kept = 0;
    while (kept <= rows && fgets(line, sizeof line, in)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        fputs(line, out);
        kept++;
    }
    fclose(in);
    fclose(out);
}

static void cleanup(void)
{
    unlink(rules_path);
    unlink(tsv_path);
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/newsmine-fuzz-rules-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        abort();
    }
    atexit(cleanup);
    snprintf(rules_path, sizeof rules_path, "%s/fuzz.rules", dir);
    snprintf(tsv_path, sizeof tsv_path, "%s/fuzz.tsv", dir);
    const char *src = NEWSMINE_SOURCE_RULES_DIR "/en";
    DIR *d = opendir(src);
    if (!d) {
        perror(src);
        abort();
    }
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        bool tsv = n > 4 && strcmp(e->d_name + n - 4, ".tsv") == 0;
        if (!tsv && strcmp(e->d_name, "abbreviations.txt") != 0) continue;
        char from[8192], to[8192];
        snprintf(from, sizeof from, "%s/%s", src, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        copy_head(from, to, tsv ? 8 : 1000);
    }
    closedir(d);
    return 0;
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

/* The prefilters read from the patterns are sound: an attempt they rule
 * out never matches (newsmine_matcher_set_verify makes every attempt). */
static void verify_prefilters(const newsmine_rules *rules, const char *text, size_t len)
{
    newsmine_matcher *m;
    FUZZ_CHECK(newsmine_matcher_new(rules, &m) == NEWSMINE_OK);
    newsmine_matcher_set_verify(m, true);
    newsmine_arena arena;
    newsmine_arena_init(&arena);
    newsmine_normalized nt;
    newsmine_token *tokens;
    newsmine_candidate *cands;
    size_t ntok, ncand;
    FUZZ_CHECK(newsmine_normalize(text, len, &arena, &nt) == NEWSMINE_OK);
    FUZZ_CHECK(newsmine_tokenize(rules->tokenizer, nt.text, nt.len, &arena, &tokens, &ntok) ==
               NEWSMINE_OK);
    FUZZ_CHECK(newsmine_match(m, nt.text, nt.len, tokens, ntok, NEWSMINE_ALL_TYPES, &arena, &cands,
                              &ncand) == NEWSMINE_OK);
    const char *rule = NULL;
    unsigned long long failures = newsmine_matcher_verify_failures(m, &rule);
    if (failures) fprintf(stderr, "the prefilter of %s ruled out a match\n", rule ? rule : "?");
    FUZZ_CHECK(failures == 0);
    newsmine_arena_free(&arena);
    newsmine_matcher_free(m);
}

static void use_rules(const newsmine_rules *rules)
{
    newsmine_extractor *ex;
    newsmine_error err;
    FUZZ_CHECK(newsmine_extractor_new(rules, &ex, &err) == NEWSMINE_OK);
    const newsmine_entity *ents;
    size_t n, len = sizeof sample_text - 1;
    FUZZ_CHECK(newsmine_extract(ex, sample_text, len, NULL, &ents, &n, &err) == NEWSMINE_OK);
    for (size_t i = 0; i < n; i++) {
        const newsmine_entity *e = &ents[i];
        FUZZ_CHECK(e->start_byte <= e->end_byte && e->end_byte <= len);
        FUZZ_CHECK(e->start == utf8_count(sample_text, e->start_byte));
        FUZZ_CHECK(e->end - e->start ==
                   utf8_count(sample_text + e->start_byte, e->end_byte - e->start_byte));
        FUZZ_CHECK(i == 0 || ents[i - 1].start <= e->start);
        FUZZ_CHECK(e->rule && e->norm && e->norm[0] == '{' && e->norm_len >= 2);
        FUZZ_CHECK(newsmine_type_name(e->type) != NULL);
    }
    newsmine_buffer out = {0};
    newsmine_doc doc = {"d", 1, sample_text, len, "{}", 2, NULL, 1, 0};
    FUZZ_CHECK(newsmine_emit(&doc, ents, n, NULL, &out) == NEWSMINE_OK);
    newsmine_buffer_free(&out);
    newsmine_extractor_free(ex);
    verify_prefilters(rules, sample_text, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 14) return 0;
    const char *s = (const char *)data;
    size_t rules_len = size;
    const char *marker = NULL;
    for (size_t i = 0; i + 5 <= size; i++)
        if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, "%%tsv", 5) == 0) {
            marker = s + i;
            break;
        }
    unlink(tsv_path);
    if (marker) {
        rules_len = (size_t)(marker - s);
        const char *tsv = marker + 5;
        if (tsv < s + size && *tsv == '\n') tsv++;
        write_file(tsv_path, tsv, (size_t)(s + size - tsv));
    }
    write_file(rules_path, s, rules_len);

    newsmine_rules *rules = NULL;
    newsmine_error err;
    memset(&err, 0, sizeof err);
    newsmine_status st = newsmine_rules_load(dir, &rules, &err);
    if (st == NEWSMINE_OK) {
        FUZZ_CHECK(rules != NULL);
        use_rules(rules);
        newsmine_rules_free(rules);
        return 0;
    }
    FUZZ_CHECK(rules == NULL);
    FUZZ_CHECK(st == NEWSMINE_ERR_RULES || st == NEWSMINE_ERR_IO);
    FUZZ_CHECK(err.status == st);
    FUZZ_CHECK(err.file[0] != '\0' && err.message[0] != '\0');
    if (st == NEWSMINE_ERR_RULES) FUZZ_CHECK(err.line >= 1);
    char msg[1024];
    FUZZ_CHECK(newsmine_error_format(&err, msg, sizeof msg) > 0);
    return 0;
}
