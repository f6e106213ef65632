/* A baseline for bench/run.sh: one PCRE2-JIT pass over a file with a place
 * alternation, \b(?:name|name|...)\b of the first N country names of a
 * table (default 200), counting the matches. This is the speed of "a regex
 * over the text", with nothing else around it.
 *
 *     cc -O2 -o pcre2scan bench/pcre2scan.c -lpcre2-8
 *     pcre2scan rules/en/places-countries.tsv news.jsonl [N]
 *
 * Prints "matches BYTES_SCANNED". */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) free(buf);
            buf = p;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pcre2scan TABLE.tsv FILE [N]\n");
        return 2;
    }
    int want = argc > 3 ? atoi(argv[3]) : 200;
    size_t tlen, len;
    char *table = slurp(argv[1], &tlen), *text = slurp(argv[2], &len);
    if (!table || !text) {
        fprintf(stderr, "pcre2scan: cannot read input\n");
        return 1;
    }
    /* \b(?:first|second|...)\b from the first column, comments and header skipped */
    size_t cap = tlen * 2 + 64, o = 0;
    char *pat = malloc(cap);
    o += (size_t)sprintf(pat, "\\b(?:");
    int names = 0;
    for (char *line = strtok(table, "\n"); line && names < want; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || strncmp(line, "name\t", 5) == 0) continue;
        char *tab = strchr(line, '\t');
        if (tab) *tab = '\0';
        if (names++) pat[o++] = '|';
        for (char *c = line; *c; c++) {
            if (strchr("\\^$.|?*+()[]{}", *c)) pat[o++] = '\\';
            pat[o++] = *c;
        }
    }
    o += (size_t)sprintf(pat + o, ")\\b");
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, o, PCRE2_UTF, &err, &off, NULL);
    if (!re || pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0) {
        fprintf(stderr, "pcre2scan: cannot compile the alternation\n");
        return 1;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    unsigned long long matches = 0;
    /* one UTF-8 check of the whole text (pcre2_jit_match makes none) */
    int first = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
    if (first < 0 && first != PCRE2_ERROR_NOMATCH) {
        fprintf(stderr, "pcre2scan: %s is not valid UTF-8\n", argv[2]);
        return 1;
    }
    for (size_t at = 0; at < len;) {
        int rc = pcre2_jit_match(re, (PCRE2_SPTR)text, len, at, 0, md, NULL);
        if (rc < 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        matches++;
        at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    printf("%llu %zu\n", matches, len);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    free(pat);
    free(table);
    free(text);
    return 0;
}
