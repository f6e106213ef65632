/* Loading a rule directory: parse every *.rules file, load the TSV tables
 * they name, compile every pattern with JIT and build the token indexes.
 * Any error stops the load with FILE:LINE:COL and frees everything. */
#include "rules.h"

#include "decode.h"
#include "normalize.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>

enum { MAX_RULE_FILES = 4096, MAX_PATTERN_BYTES = 1 << 20 };

/* ------------------------------------------------------------------ folding */

size_t newsmine_fold(const char *s, size_t n, char *out)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '-' || c == '\t' || c == '\n' || c == '\r') {
            space = o > 0;
            i++;
            continue;
        }
        if (space) {
            out[o++] = ' ';
            space = false;
        }
        if (c < 0x80) { /* ASCII case, whatever the locale */
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            i++;
            continue;
        }
        int32_t cp;
        size_t len = newsmine_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        o += newsmine_utf8_encode(utf8proc_tolower(cp), (unsigned char *)out + o);
        i += len;
    }
    return o;
}

uint32_t newsmine_list_find(const newsmine_list *list, const char *s, size_t n)
{
    char stack[256];
    char *key = n * 2 + 4 <= sizeof stack ? stack : malloc(n * 2 + 4);
    if (!key) return UINT32_MAX;
    size_t len = list->fold_case ? newsmine_fold(s, n, key) : (memcpy(key, s, n), n);
    uint32_t row = newsmine_hash_get(&list->index, key, len);
    if (key != stack) free(key);
    return row;
}

/* ------------------------------------------------------------ parse state */

/* A growable array of any element type, kept in malloc memory while loading
 * and copied into the arena at the end. */
typedef struct vec {
    void *data;
    size_t len, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        void *p = realloc(v->data, cap * v->size);
        if (!p) return NULL;
        v->data = p;
        v->cap = cap;
    }
    void *slot = (char *)v->data + v->len * v->size;
    memset(slot, 0, v->size);
    v->len++;
    return slot;
}

typedef struct define {
    const char *name;
    const char *text; /* expanded */
    const char *file;
    unsigned long line;
} define;

/* Where a stretch of an expanded pattern came from, for error columns. */
typedef struct segment {
    size_t start, len;   /* in the expanded pattern */
    unsigned long line;  /* source line */
    size_t src_col_byte; /* byte offset of the stretch in its source line */
    const char *line_text;
    const char *ref; /* the {NAME} it expands, or NULL for literal text */
} segment;

typedef struct pending_rule {
    newsmine_rule rule;
    newsmine_buffer pattern;
    vec segments; /* segment */
    vec sets;     /* newsmine_kv */
    vec lookups;  /* struct { group name, list, line, col } */
    vec triggers; /* char * words (malloc) */
    bool have_type;
} pending_rule;

typedef struct pending_lookup {
    const char *group;
    const newsmine_list *list;
    const char **columns;
    unsigned long line, col;
} pending_lookup;

/* JIT compilation and prefilter analysis of the rules run on a second
 * thread while the files are read and the indexes built (the main thread
 * takes what is left at the end): each job touches only its own pattern. */
typedef struct compile_job {
    pcre2_code *code;
    const char *pattern; /* the expanded pattern (in the rule set's arena) */
    size_t len;
    bool want_jit;       /* not for a rule of text in capitals only: its code is never run,
                          * its caseless one is (newsmine_rules_caseless) */
    bool analyze;        /* anchored rules: prefilters */
    bool digits;         /* tried at numbers: the prefilters of matches that start with a digit */
    newsmine_pf_result pf;
    bool jit;
    newsmine_status status;
} compile_job;

typedef struct compiler {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    compile_job **jobs; /* one per rule, in rule order */
    size_t count, cap, next;
    bool closing; /* no job will come: the thread ends when none is left */
    bool started;
    pthread_t thread;
    newsmine_arena arena;      /* what the thread allocates */
    newsmine_arena main_arena; /* what jobs run on the loading thread allocate */
    newsmine_arena work, main_work; /* the prefilter analyses' scratch, a thread each */
} compiler;

typedef struct loader {
    newsmine_rules *rules;
    newsmine_error *err;
    const char *file; /* relative path of the file being read */
    const char *file_prefix; /* "en/count" for rule ids */
    const char *dir_of_file; /* absolute directory of the file being read */
    unsigned long line;
    const char *line_text;
    vec defines;  /* define */
    vec lists;    /* newsmine_list */
    vec gaz;      /* newsmine_gazetteer (list pointer as index until the end) */
    vec rules_v;  /* newsmine_rule */
    vec abbrevs;  /* char * (arena) */
    vec trig;     /* per rule: vec of folded trigger words (arena strings) */
    pending_rule *open;
    compiler comp;
} loader;

static newsmine_status fail_at(loader *ld, size_t byte_col, const char *fmt, ...)
    NEWSMINE_PRINTF(3, 4);

static newsmine_status fail_at(loader *ld, size_t byte_col, const char *fmt, ...)
{
    unsigned long col = 0;
    if (ld->line_text) col = (unsigned long)newsmine_utf8_count(ld->line_text, byte_col) + 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, ld->file, ld->line, col, "%s", msg);
}

static newsmine_status nomem(loader *ld)
{
    return newsmine_error_set(ld->err, NEWSMINE_ERR_NOMEM, ld->file, ld->line, 0,
                              "out of memory while loading rules");
}

static char *arena_str(loader *ld, const char *s, size_t n)
{
    return newsmine_arena_strndup(&ld->rules->arena, s, n);
}

/* ------------------------------------------------------------------ tokens */

typedef struct word {
    const char *s;
    size_t n;
    size_t col; /* byte offset in the line */
} word;

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The next whitespace-separated word of the line at *pos. */
static bool next_word(const char *line, size_t *pos, word *w)
{
    size_t i = *pos;
    while (line[i] && is_space(line[i]))
        i++;
    if (!line[i] || line[i] == '#') return false;
    size_t start = i;
    while (line[i] && !is_space(line[i]))
        i++;
    *w = (word){line + start, i - start, start};
    *pos = i;
    return true;
}

static bool word_is(const word *w, const char *s)
{
    return strlen(s) == w->n && memcmp(w->s, s, w->n) == 0;
}

static bool is_ident(const char *s, size_t n)
{
    if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-')) return false;
    return true;
}

/* key=value option of a directive. */
static bool split_option(const word *w, word *key, word *value)
{
    const char *eq = memchr(w->s, '=', w->n);
    if (!eq) return false;
    *key = (word){w->s, (size_t)(eq - w->s), w->col};
    *value = (word){eq + 1, w->n - (size_t)(eq - w->s) - 1, w->col + (size_t)(eq - w->s) + 1};
    return true;
}

static bool parse_int(const word *w, int *out)
{
    char buf[32];
    if (w->n == 0 || w->n >= sizeof buf) return false;
    memcpy(buf, w->s, w->n);
    buf[w->n] = '\0';
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (*end || errno || v < -1000000 || v > 1000000) return false;
    *out = (int)v;
    return true;
}

/* --------------------------------------------------------------- the lists */

static const newsmine_list *find_list(loader *ld, const char *name, size_t n)
{
    newsmine_list *lists = ld->lists.data;
    for (size_t i = 0; i < ld->lists.len; i++)
        if (strlen(lists[i].name) == n && memcmp(lists[i].name, name, n) == 0) {
            lists[i].named = true; /* indexed by settle() */
            return &lists[i];
        }
    return NULL;
}

static const define *find_define(loader *ld, const char *name, size_t n)
{
    define *defs = ld->defines.data;
    for (size_t i = 0; i < ld->defines.len; i++)
        if (strlen(defs[i].name) == n && memcmp(defs[i].name, name, n) == 0) return &defs[i];
    return NULL;
}

/* A file that is not valid UTF-8: the error names the line and column of
 * its first ill-formed byte. OK when the whole file is valid. */
static newsmine_status check_utf8(loader *ld, const char *file, const char *data, size_t len)
{
    size_t bad = newsmine_utf8_valid_length(data, len), line_start = 0;
    if (bad == len) return NEWSMINE_OK;
    unsigned long line = 1;
    for (size_t i = 0; i < bad; i++)
        if (data[i] == '\n') line++, line_start = i + 1;
    unsigned long col = (unsigned long)newsmine_utf8_count(data + line_start, bad - line_start) + 1;
    return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, file, line, col,
                              "not valid UTF-8 (byte 0x%02X)", (unsigned char)data[bad]);
}

/* The whole file, NUL-terminated: malloc'd, or in ARENA when not NULL. */
static char *read_file(newsmine_arena *arena, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat sb;
    if (arena && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
        (uintmax_t)sb.st_size < SIZE_MAX) {
        /* a regular file goes straight into the arena */
        char *data = newsmine_arena_alloc(arena, (size_t)sb.st_size + 1);
        size_t n = data ? fread(data, 1, (size_t)sb.st_size, f) : 0;
        bool bad = !data || ferror(f);
        fclose(f);
        if (bad) {
            if (!data) errno = ENOMEM;
            return NULL;
        }
        data[n] = '\0';
        *len = n;
        return data;
    }
    newsmine_buffer b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (newsmine_buffer_append(&b, chunk, n) != NEWSMINE_OK) {
            fclose(f);
            newsmine_buffer_free(&b);
            errno = ENOMEM;
            return NULL;
        }
    bool bad = ferror(f);
    fclose(f);
    if (bad || newsmine_buffer_reserve(&b, 0) != NEWSMINE_OK) {
        newsmine_buffer_free(&b);
        return NULL;
    }
    *len = b.len;
    if (!arena) return b.data;
    char *copy = newsmine_arena_strndup(arena, b.data, b.len);
    newsmine_buffer_free(&b);
    if (!copy) errno = ENOMEM;
    return copy;
}

/* A TSV cell as JSON text: numbers stay numbers for keys that are numeric
 * by the schema, everything else is a string. */
static const char *const numeric_keys[] = {"lat", "lon", "value", "number", "min", "max"};

static bool key_is_numeric(const char *key)
{
    for (size_t i = 0; i < sizeof numeric_keys / sizeof *numeric_keys; i++)
        if (strcmp(key, numeric_keys[i]) == 0) return true;
    return false;
}

/* -?digits(.digits)?: what strtod reads whole (the common case, without
 * calling it) */
static bool plain_decimal(const char *s, size_t n)
{
    size_t i = s[0] == '-';
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d) return false;
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f) return false;
    }
    return i == n;
}

static bool looks_numeric(const char *s, size_t n)
{
    if (!n) return false;
    char buf[64];
    if (n >= sizeof buf) return false;
    if (plain_decimal(s, n)) return true;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    strtod(buf, &end);
    return *end == '\0' && (isdigit((unsigned char)buf[0]) || buf[0] == '-');
}

/* S as a JSON string in ARENA (S holds no tab or line break: a TSV cell or
 * a word of a rule file). */
static const char *json_string_in(newsmine_arena *arena, const char *s, size_t n)
{
    size_t escapes = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        escapes += c == '"' || c == '\\' ? 1 : c < 0x20 ? 5 : 0;
    }
    char *q = newsmine_arena_alloc(arena, n + escapes + 3);
    if (!q) return NULL;
    size_t o = 0;
    q[o++] = '"';
    if (!escapes) {
        memcpy(q + o, s, n);
        o += n;
    } else {
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c == '"' || c == '\\') {
                q[o++] = '\\';
                q[o++] = (char)c;
            } else if (c < 0x20) {
                snprintf(q + o, 7, "\\u%04x", c);
                o += 6;
            } else {
                q[o++] = (char)c;
            }
        }
    }
    q[o++] = '"';
    q[o] = '\0';
    return q;
}

static const char *json_string(loader *ld, const char *s, size_t n)
{
    return json_string_in(&ld->rules->arena, s, n);
}

size_t newsmine_list_cell(const newsmine_list *list, uint32_t row, size_t column, const char **s)
{
    const char *p = list->cells[row];
    for (size_t c = 1; c < column && *p; c++) {
        p = strchr(p, '\t');
        if (!p) return *s = "", 0;
        p++;
    }
    *s = p;
    return strcspn(p, "\t");
}

const char *newsmine_list_cell_json(const newsmine_list *list, uint32_t row, size_t column,
                                    newsmine_arena *arena, newsmine_status *status)
{
    const char *s;
    size_t n = newsmine_list_cell(list, row, column, &s);
    *status = NEWSMINE_OK;
    if (!n) return NULL;
    const char *json = list->numeric[column] && looks_numeric(s, n)
                           ? newsmine_arena_strndup(arena, s, n)
                           : json_string_in(arena, s, n);
    if (!json) *status = NEWSMINE_ERR_NOMEM;
    return json;
}

typedef struct tsv_cursor {
    char *p, *end;
    unsigned long line;
} tsv_cursor;

/* The next line that is neither blank nor a comment; NUL-terminates it. */
static char *tsv_next_line(tsv_cursor *c)
{
    while (c->p < c->end) {
        char *line = c->p;
        char *nl = memchr(line, '\n', (size_t)(c->end - line));
        char *stop = nl ? nl : c->end;
        c->p = nl ? nl + 1 : c->end;
        c->line++;
        if (stop > line && stop[-1] == '\r') stop--;
        *stop = '\0';
        if (line[0] && line[0] != '#') return line;
    }
    return NULL;
}

static size_t split_tabs(char *line, char **cells, size_t max)
{
    size_t n = 0;
    for (char *p = line;; p++) {
        if (n < max) cells[n] = p;
        n++;
        p = strchr(p, '\t');
        if (!p) break;
        *p = '\0';
    }
    return n;
}

enum { MAX_COLUMNS = 32 };

/* The lookup index of a list: its names (folded unless case=exact) to the
 * first row of each. */
static newsmine_status index_list(loader *ld, newsmine_list *list)
{
    if (newsmine_hash_reserve(&list->index, list->row_count + 1)) return nomem(ld);
    char stack[256];
    for (size_t row = 0; row < list->row_count; row++) {
        const char *name = list->names[row];
        size_t len = strlen(name);
        char *key = len * 2 + 4 <= sizeof stack ? stack : malloc(len * 2 + 4);
        if (!key) return nomem(ld);
        size_t klen =
            list->fold_case ? newsmine_fold(name, len, key) : (memcpy(key, name, len), len);
        uint32_t value = (uint32_t)row;
        newsmine_status st =
            newsmine_hash_put(&list->index, &ld->rules->arena, key, klen, &value, NULL);
        if (key != stack) free(key);
        if (st) return nomem(ld);
    }
    return NEWSMINE_OK;
}

/* A row: the name ends at the first tab, the other cells stay as written
 * (read by newsmine_list_cell). */
static newsmine_status list_add_row(loader *ld, newsmine_list *list, char *line,
                                    unsigned long line_number, size_t row)
{
    char *tab = strchr(line, '\t');
    size_t cells = 1;
    for (char *p = tab; p; p = strchr(p + 1, '\t'))
        cells++;
    if (cells > list->column_count)
        return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, list->file, line_number, 1,
                                  "%zu columns where the header has %zu", cells,
                                  list->column_count);
    if (tab == line || !line[0])
        return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, list->file, line_number, 1,
                                  "empty name in the first column");
    if (tab) *tab = '\0';
    list->names[row] = line;
    list->cells[row] = tab ? tab + 1 : "";
    return NEWSMINE_OK;
}

/* Parses DATA (which the list keeps: names and cells point into it). */
static newsmine_status list_parse(loader *ld, newsmine_list *list, char *data, size_t len)
{
    tsv_cursor c = {data, data + len, 0};
    char *header = tsv_next_line(&c);
    if (!header) return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, list->file, 1, 0,
                                           "no header line (name<TAB>key...)");
    char *cells[MAX_COLUMNS];
    size_t ncol = split_tabs(header, cells, MAX_COLUMNS);
    if (ncol > MAX_COLUMNS || strcmp(cells[0], "name") != 0)
        return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, list->file, c.line, 1,
                                  "the header must start with \"name\" and have at most %d columns",
                                  MAX_COLUMNS);
    list->column_count = ncol;
    list->columns = newsmine_arena_alloc(&ld->rules->arena, ncol * sizeof *list->columns);
    list->numeric = newsmine_arena_alloc(&ld->rules->arena, ncol * sizeof *list->numeric);
    if (!list->columns || !list->numeric) return nomem(ld);
    for (size_t i = 0; i < ncol; i++) {
        list->columns[i] = cells[i];
        list->numeric[i] = i > 0 && key_is_numeric(cells[i]);
    }

    size_t lines = 1;
    for (const char *q = c.p; q && q < c.end; q++) {
        q = memchr(q, '\n', (size_t)(c.end - q));
        if (!q) break;
        lines++;
    }
    list->names = newsmine_arena_alloc(&ld->rules->arena, lines * sizeof *list->names);
    list->cells = newsmine_arena_alloc(&ld->rules->arena, lines * sizeof *list->cells);
    if (!list->names || !list->cells) return nomem(ld);
    size_t rows = 0;
    newsmine_status st = NEWSMINE_OK;
    for (char *line; !st && (line = tsv_next_line(&c));)
        st = list_add_row(ld, list, line, c.line, rows++);
    list->row_count = st ? 0 : rows;
    return st;
}

/* Reads FILE (relative to the rule file's directory) into a list. */
static newsmine_status load_table(loader *ld, newsmine_list *list, const word *file)
{
    char path[4096], rel[1024];
    snprintf(rel, sizeof rel, "%.*s", (int)file->n, file->s);
    snprintf(path, sizeof path, "%s/%s", ld->dir_of_file, rel);
    char relpath[1400];
    const char *slash = strrchr(ld->file, '/');
    if (slash)
        snprintf(relpath, sizeof relpath, "%.*s/%s", (int)(slash - ld->file), ld->file, rel);
    else
        snprintf(relpath, sizeof relpath, "%s", rel);
    list->file = arena_str(ld, relpath, strlen(relpath));
    if (!list->file) return nomem(ld);
    size_t len;
    char *data = read_file(&ld->rules->arena, path, &len);
    if (!data)
        return fail_at(ld, file->col, "cannot read table \"%s\": %s", rel, strerror(errno));
    newsmine_status st = check_utf8(ld, list->file, data, len);
    if (!st) st = list_parse(ld, list, data, len);
    return st;
}

static newsmine_status parse_case(loader *ld, const word *value, newsmine_case_policy *out)
{
    if (word_is(value, "exact")) *out = NEWSMINE_CASE_EXACT;
    else if (word_is(value, "title")) *out = NEWSMINE_CASE_TITLE;
    else if (word_is(value, "fold")) *out = NEWSMINE_CASE_FOLD;
    else return fail_at(ld, value->col, "case must be exact, title or fold");
    return NEWSMINE_OK;
}

static newsmine_status parse_type(loader *ld, const word *w, newsmine_type *out)
{
    int t = newsmine_type_from_name(w->s, w->n);
    if (t < 0)
        return fail_at(ld, w->col,
                       "unknown type \"%.*s\" (place, count, rank, unit, date, quantity, "
                       "person, org)",
                       (int)w->n, w->s);
    *out = (newsmine_type)t;
    return NEWSMINE_OK;
}

/* list NAME FILE [case=fold|exact] */
static newsmine_status directive_list(loader *ld, const char *line, size_t pos)
{
    word name, file, opt, key, value;
    if (!next_word(line, &pos, &name) || !is_ident(name.s, name.n))
        return fail_at(ld, pos, "list needs a name: list NAME FILE.tsv [case=fold|exact]");
    if (find_list(ld, name.s, name.n))
        return fail_at(ld, name.col, "list \"%.*s\" is defined twice", (int)name.n, name.s);
    if (!next_word(line, &pos, &file)) return fail_at(ld, pos, "list needs a TSV file");
    newsmine_list *list = vec_push(&ld->lists);
    if (!list) return nomem(ld);
    list->fold_case = true;
    list->named = true;
    list->name = arena_str(ld, name.s, name.n);
    if (!list->name) return nomem(ld);
    while (next_word(line, &pos, &opt)) {
        newsmine_case_policy policy = NEWSMINE_CASE_FOLD;
        if (!split_option(&opt, &key, &value) || !word_is(&key, "case"))
            return fail_at(ld, opt.col, "unknown list option \"%.*s\" (case=...)", (int)opt.n,
                           opt.s);
        newsmine_status st = parse_case(ld, &value, &policy);
        if (st) return st;
        list->fold_case = policy != NEWSMINE_CASE_EXACT;
    }
    return load_table(ld, list, &file);
}

/* The list a gazetteer option names, kept as its index + 1 until settle():
 * the lists array still grows. */
static newsmine_status gazetteer_list_option(loader *ld, const word *value,
                                             const newsmine_list **out)
{
    const newsmine_list *list = find_list(ld, value->s, value->n);
    if (!list) return fail_at(ld, value->col, "unknown list \"%.*s\"", (int)value->n, value->s);
    *out =
        (const newsmine_list *)(uintptr_t)((size_t)(list - (const newsmine_list *)ld->lists.data) +
                                           1);
    return NEWSMINE_OK;
}

/* gazetteer NAME FILE type=TYPE [case=title] [priority=N] [context=LIST]
 *           [ambiguous=strict|lenient] [isolated=yes|no] [heads=LIST] */
static newsmine_status directive_gazetteer(loader *ld, const char *line, size_t pos)
{
    word name, file, opt, key, value;
    if (!next_word(line, &pos, &name) || !is_ident(name.s, name.n))
        return fail_at(ld, pos, "gazetteer needs a name: gazetteer NAME FILE.tsv type=TYPE");
    if (!next_word(line, &pos, &file)) return fail_at(ld, pos, "gazetteer needs a TSV file");
    newsmine_gazetteer g = {.case_policy = NEWSMINE_CASE_TITLE, .type = NEWSMINE_TYPE_COUNT};
    while (next_word(line, &pos, &opt)) {
        newsmine_status st = NEWSMINE_OK;
        if (!split_option(&opt, &key, &value))
            st = fail_at(ld, opt.col, "expected key=value, found \"%.*s\"", (int)opt.n, opt.s);
        else if (word_is(&key, "type"))
            st = parse_type(ld, &value, &g.type);
        else if (word_is(&key, "case"))
            st = parse_case(ld, &value, &g.case_policy);
        else if (word_is(&key, "context"))
            st = gazetteer_list_option(ld, &value, &g.context);
        else if (word_is(&key, "heads"))
            st = gazetteer_list_option(ld, &value, &g.heads);
        else if (word_is(&key, "isolated")) {
            if (word_is(&value, "yes")) g.isolated = true;
            else if (!word_is(&value, "no")) st = fail_at(ld, value.col, "isolated must be yes or no");
        } else if (word_is(&key, "ambiguous")) {
            if (word_is(&value, "lenient")) g.ambiguous_lenient = true;
            else if (!word_is(&value, "strict"))
                st = fail_at(ld, value.col, "ambiguous must be strict or lenient");
        } else if (word_is(&key, "priority")) {
            if (!parse_int(&value, &g.priority))
                st = fail_at(ld, value.col, "priority must be an integer");
        } else
            st = fail_at(ld, key.col, "unknown gazetteer option \"%.*s\"", (int)key.n, key.s);
        if (st) return st;
    }
    if (g.type == NEWSMINE_TYPE_COUNT) return fail_at(ld, name.col, "gazetteer needs type=TYPE");

    newsmine_list *list = vec_push(&ld->lists);
    if (!list) return nomem(ld);
    list->fold_case = true;
    char listname[300];
    snprintf(listname, sizeof listname, "%.*s", (int)name.n, name.s);
    list->name = arena_str(ld, listname, strlen(listname));
    char id[600];
    snprintf(id, sizeof id, "%s:%.*s", ld->file_prefix, (int)name.n, name.s);
    g.name = list->name;
    g.rule_id = arena_str(ld, id, strlen(id));
    if (!list->name || !g.rule_id) return nomem(ld);
    g.list = (const newsmine_list *)(uintptr_t)(ld->lists.len - 1); /* index until relocated */
    newsmine_status st = load_table(ld, list, &file);
    if (st) return st;
    newsmine_gazetteer *slot = vec_push(&ld->gaz);
    if (!slot) return nomem(ld);
    *slot = g;
    return NEWSMINE_OK;
}

/* abbreviations FILE: one word per line, without its period. */
static newsmine_status directive_abbreviations(loader *ld, const char *line, size_t pos)
{
    word file;
    if (!next_word(line, &pos, &file)) return fail_at(ld, pos, "abbreviations needs a file");
    char path[4096];
    snprintf(path, sizeof path, "%s/%.*s", ld->dir_of_file, (int)file.n, file.s);
    size_t len;
    char *data = read_file(NULL, path, &len);
    if (!data)
        return fail_at(ld, file.col, "cannot read \"%.*s\": %s", (int)file.n, file.s,
                       strerror(errno));
    tsv_cursor c = {data, data + len, 0};
    for (char *w; (w = tsv_next_line(&c));) {
        size_t n = strlen(w);
        while (n && (w[n - 1] == ' ' || w[n - 1] == '.'))
            n--;
        char **slot = vec_push(&ld->abbrevs);
        if (!slot || !(*slot = arena_str(ld, w, n))) {
            free(data);
            return nomem(ld);
        }
    }
    free(data);
    return NEWSMINE_OK;
}

/* yield TYPE to TYPE [TYPE...] */
static newsmine_status directive_yield(loader *ld, const char *line, size_t pos)
{
    word w;
    newsmine_type from = NEWSMINE_PLACE, to = NEWSMINE_PLACE;
    if (!next_word(line, &pos, &w)) return fail_at(ld, pos, "yield needs: yield TYPE to TYPE...");
    newsmine_status st = parse_type(ld, &w, &from);
    if (st) return st;
    if (!next_word(line, &pos, &w) || !word_is(&w, "to"))
        return fail_at(ld, pos, "expected \"to\": yield TYPE to TYPE...");
    bool any = false;
    while (next_word(line, &pos, &w)) {
        if ((st = parse_type(ld, &w, &to))) return st;
        ld->rules->yields[from] |= 1u << to;
        any = true;
    }
    return any ? NEWSMINE_OK : fail_at(ld, pos, "yield needs at least one type after \"to\"");
}

/* ---------------------------------------------------------- pattern text */

static newsmine_status append_escaped_alternative(newsmine_buffer *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        newsmine_status st;
        if (c == ' ' || c == '-') {
            while (i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '-'))
                i++;
            st = newsmine_buffer_append(b, "[\\s-]+", 6);
        } else if (strchr("\\^$.|?*+()[]{}#", c)) {
            st = newsmine_buffer_putc(b, '\\');
            if (!st) st = newsmine_buffer_putc(b, c);
        } else {
            st = newsmine_buffer_putc(b, c);
        }
        if (st) return st;
    }
    return NEWSMINE_OK;
}

static int by_length_desc(const void *a, const void *b)
{
    size_t la = strlen(*(const char *const *)a), lb = strlen(*(const char *const *)b);
    if (la != lb) return la < lb ? 1 : -1;
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The group of a name in a long alternation: what its first character can
 * match. ASCII letters by case-folded letter (KELVIN SIGN and LONG S, which
 * PCRE2 matches caselessly with k and s, go with them), other ASCII by
 * itself, the rest of Unicode together; -1 for a name that starts with a
 * separator. */
static int first_char_group(const char *name)
{
    int32_t cp;
    newsmine_utf8_decode((const unsigned char *)name, strlen(name), &cp);
    if (cp < 128) {
        if (cp == ' ' || cp == '-') return -1;
        return (cp >= 'A' && cp <= 'Z') ? cp | 0x20 : cp;
    }
    if (cp == 0x212A) return 'k';
    if (cp == 0x17F) return 's';
    return 128;
}

enum { GROUPED_ALTERNATION_MIN = 16 };

/* (?:longest|...|shortest) of a list's names. A long list is grouped by
 * first character behind a lookahead, (?:(?=(?i:a))(?:a names)|(?=(?i:b))
 * (?:b names)|...), so that an attempt tries the names of one group only
 * instead of all of them. The groups are disjoint (no character can begin
 * names of two groups) and keep the order of their names, so the first name
 * that matches, and every match, are those of the flat alternation. */
static newsmine_status list_alternation(const newsmine_list *list, newsmine_buffer *out)
{
    size_t n = list->row_count;
    const char **names = malloc((n + 1) * sizeof *names);
    int *group = malloc((n + 1) * sizeof *group);
    unsigned char *done = calloc(n + 1, 1);
    if (!names || !group || !done) {
        free(names);
        free(group);
        free(done);
        return NEWSMINE_ERR_NOMEM;
    }
    memcpy(names, list->names, n * sizeof *names);
    qsort(names, n, sizeof *names, by_length_desc);
    bool grouped = n >= GROUPED_ALTERNATION_MIN;
    for (size_t i = 0; i < n; i++)
        if ((group[i] = first_char_group(names[i])) < 0) grouped = false;
    newsmine_status st = newsmine_buffer_append(out, "(?:", 3);
    if (!grouped) {
        for (size_t i = 0; !st && i < n; i++) {
            if (i) st = newsmine_buffer_putc(out, '|');
            if (!st) st = append_escaped_alternative(out, names[i], strlen(names[i]));
        }
    } else {
        bool first_group = true;
        for (size_t i = 0; !st && i < n; i++) {
            if (done[i]) continue;
            int g = group[i];
            if (!first_group) st = newsmine_buffer_putc(out, '|');
            first_group = false;
            if (st) break;
            if (g < 128 && ((g >= 'a' && g <= 'z')))
                st = newsmine_buffer_printf(out, "(?=(?i:%c))(?:", g);
            else if (g < 128)
                st = newsmine_buffer_printf(out, "(?=\\x{%x})(?:", (unsigned)g);
            else
                st = newsmine_buffer_append(out, "(?=[^\\x00-\\x7f])(?:", 19);
            bool first = true;
            for (size_t k = i; !st && k < n; k++) {
                if (done[k] || group[k] != g) continue;
                done[k] = 1;
                if (!first) st = newsmine_buffer_putc(out, '|');
                first = false;
                if (!st) st = append_escaped_alternative(out, names[k], strlen(names[k]));
            }
            if (!st) st = newsmine_buffer_putc(out, ')');
        }
    }
    if (!st) st = newsmine_buffer_putc(out, ')');
    free(names);
    free(group);
    free(done);
    return st;
}

/* Appends text from a rule file to out, expanding {NAME} and {@LIST};
 * records segments for error columns when segs is not NULL. */
static newsmine_status expand(loader *ld, const char *text, size_t n, size_t col0,
                              newsmine_buffer *out, vec *segs)
{
    size_t i = 0;
    while (i < n) {
        size_t lit = i;
        while (i < n) {
            if (text[i] == '\\' && i + 1 < n) {
                /* \p{L}, \x{2014}, \g{1}, \k{name}: braces that are PCRE2's own */
                bool braced = strchr("pPxNgko", text[i + 1]) && i + 2 < n && text[i + 2] == '{';
                i += 2;
                if (braced)
                    while (i < n && text[i] != '}')
                        i++;
                continue;
            }
            if (text[i] == '{' && i + 1 < n &&
                (isalpha((unsigned char)text[i + 1]) || text[i + 1] == '_' || text[i + 1] == '@'))
                break;
            i++;
        }
        if (i > lit) {
            segment *sg = segs ? vec_push(segs) : NULL;
            if (segs && !sg) return nomem(ld);
            if (sg) *sg = (segment){out->len, i - lit, ld->line, col0 + lit, ld->line_text, NULL};
            if (newsmine_buffer_append(out, text + lit, i - lit)) return nomem(ld);
        }
        if (i >= n) break;
        const char *close = memchr(text + i, '}', n - i);
        if (!close) return fail_at(ld, col0 + i, "unterminated {NAME} reference");
        const char *ref = text + i + 1;
        size_t ref_len = (size_t)(close - ref);
        size_t at = out->len;
        if (ref[0] == '@') {
            newsmine_list *list = (newsmine_list *)find_list(ld, ref + 1, ref_len - 1);
            if (!list)
                return fail_at(ld, col0 + i, "unknown list \"%.*s\"", (int)ref_len - 1, ref + 1);
            if (!list->alternation) { /* sorted and grouped once, however often used */
                newsmine_buffer alt = {0};
                bool ok = list_alternation(list, &alt) == NEWSMINE_OK &&
                          (list->alternation = arena_str(ld, alt.data, alt.len));
                list->alternation_len = alt.len;
                newsmine_buffer_free(&alt);
                if (!ok) return nomem(ld);
            }
            if (newsmine_buffer_append(out, list->alternation, list->alternation_len))
                return nomem(ld);
        } else {
            const define *d = find_define(ld, ref, ref_len);
            if (!d)
                return fail_at(ld, col0 + i, "unknown definition \"%.*s\" (define it first)",
                               (int)ref_len, ref);
            /* the newline ends a "# comment" the define line may carry */
            if (newsmine_buffer_append(out, "(?:", 3) ||
                newsmine_buffer_append(out, d->text, strlen(d->text)) ||
                newsmine_buffer_append(out, "\n)", 2))
                return nomem(ld);
        }
        segment *sg = segs ? vec_push(segs) : NULL;
        if (segs && !sg) return nomem(ld);
        if (sg) *sg = (segment){at, out->len - at, ld->line, col0 + i, ld->line_text, ref - 1};
        i = (size_t)(close - text) + 1;
        if (out->len > MAX_PATTERN_BYTES)
            return fail_at(ld, col0, "pattern longer than %d bytes after expansion",
                           MAX_PATTERN_BYTES);
    }
    return NEWSMINE_OK;
}

/* The rest of the line after the keyword, trailing spaces cut. */
static void rest_of_line(const char *line, size_t pos, size_t *start, size_t *len)
{
    while (line[pos] && is_space(line[pos]))
        pos++;
    size_t end = strlen(line);
    while (end > pos && is_space(line[end - 1]))
        end--;
    *start = pos;
    *len = end - pos;
}

/* define NAME FRAGMENT */
static newsmine_status directive_define(loader *ld, const char *line, size_t pos)
{
    word name;
    if (!next_word(line, &pos, &name) || !is_ident(name.s, name.n))
        return fail_at(ld, pos, "define needs a name: define NAME FRAGMENT");
    if (find_define(ld, name.s, name.n))
        return fail_at(ld, name.col, "\"%.*s\" is defined twice", (int)name.n, name.s);
    size_t start, len;
    rest_of_line(line, pos, &start, &len);
    if (!len) return fail_at(ld, pos, "define %.*s has no pattern", (int)name.n, name.s);
    newsmine_buffer text = {0};
    newsmine_status st = expand(ld, line + start, len, start, &text, NULL);
    if (st == NEWSMINE_OK) {
        define *d = vec_push(&ld->defines);
        if (!d) st = nomem(ld);
        else {
            d->name = arena_str(ld, name.s, name.n);
            d->text = arena_str(ld, text.data ? text.data : "", text.len);
            d->file = ld->file;
            d->line = ld->line;
            if (!d->name || !d->text) st = nomem(ld);
        }
    }
    newsmine_buffer_free(&text);
    return st;
}

/* ------------------------------------------------------------------ rules */

static void pending_free(pending_rule *p)
{
    if (!p) return;
    newsmine_buffer_free(&p->pattern);
    free(p->segments.data);
    free(p->sets.data);
    free(p->lookups.data);
    free(p->triggers.data);
    free(p);
}

static newsmine_status rule_begin(loader *ld, const char *line, size_t pos)
{
    word name;
    if (!next_word(line, &pos, &name) || !is_ident(name.s, name.n))
        return fail_at(ld, pos, "rule needs a name: rule NAME");
    char id[600];
    snprintf(id, sizeof id, "%s:%.*s", ld->file_prefix, (int)name.n, name.s);
    newsmine_rule *rules = ld->rules_v.data;
    for (size_t i = 0; i < ld->rules_v.len; i++)
        if (strcmp(rules[i].id, id) == 0)
            return fail_at(ld, name.col, "rule \"%.*s\" is defined twice in this file",
                           (int)name.n, name.s);
    pending_rule *p = calloc(1, sizeof *p);
    if (!p) return nomem(ld);
    p->segments.size = sizeof(segment);
    p->sets.size = sizeof(newsmine_kv);
    p->lookups.size = sizeof(pending_lookup);
    p->triggers.size = sizeof(char *);
    p->rule.id = arena_str(ld, id, strlen(id));
    p->rule.file = ld->file;
    p->rule.line = ld->line;
    ld->open = p;
    return p->rule.id ? NEWSMINE_OK : nomem(ld);
}

static newsmine_status rule_trigger(loader *ld, pending_rule *p, const char *line, size_t pos)
{
    word w;
    bool any = false;
    while (next_word(line, &pos, &w)) {
        any = true;
        if (w.s[0] == '#' ) break;
        if (w.n > 1 && w.s[0] == '%') {
            word cls = {w.s + 1, w.n - 1, w.col + 1};
            if (word_is(&cls, "number")) p->rule.trigger_classes |= NEWSMINE_TRIGGER_NUMBER;
            else if (word_is(&cls, "capital")) p->rule.trigger_classes |= NEWSMINE_TRIGGER_CAPITAL;
            else if (word_is(&cls, "any")) p->rule.trigger_classes |= NEWSMINE_TRIGGER_ANY;
            else if (word_is(&cls, "scan")) p->rule.trigger_classes |= NEWSMINE_TRIGGER_SCAN;
            else
                return fail_at(ld, w.col, "unknown trigger class \"%.*s\" (%%number, %%capital, "
                               "%%any, %%scan)", (int)w.n, w.s);
            continue;
        }
        if (w.s[0] == '@' && !find_list(ld, w.s + 1, w.n - 1))
            return fail_at(ld, w.col, "unknown list \"%.*s\"", (int)w.n - 1, w.s + 1);
        const char **slot = vec_push(&p->triggers);
        if (!slot || !(*slot = arena_str(ld, w.s, w.n))) return nomem(ld);
    }
    return any ? NEWSMINE_OK : fail_at(ld, pos, "trigger needs words, @LIST or %%class");
}

/* The length of the JSON string literal at s (from its opening quote to its
 * closing one), or 0 when it is not one: unterminated, a bad escape or a
 * raw control character. */
static size_t json_string_length(const char *s)
{
    size_t i = 1;
    while (s[i] && s[i] != '"') {
        if ((unsigned char)s[i] < 0x20) return 0;
        if (s[i] != '\\') {
            i++;
            continue;
        }
        if (s[i + 1] == 'u') {
            for (int k = 2; k < 6; k++)
                if (!isxdigit((unsigned char)s[i + k])) return 0;
            i += 6;
        } else if (s[i + 1] && strchr("\"\\/bfnrt", s[i + 1])) {
            i += 2;
        } else {
            return 0;
        }
    }
    return s[i] == '"' ? i + 1 : 0;
}

/* set KEY=VALUE: a constant norm value (a JSON literal or a bare string). A
 * quoted value is a JSON string and may hold spaces: set note="by rule". */
static newsmine_status rule_set(loader *ld, pending_rule *p, const char *line, size_t pos)
{
    word w, key, value;
    bool any = false;
    while (next_word(line, &pos, &w)) {
        any = true;
        if (!split_option(&w, &key, &value) || !is_ident(key.s, key.n))
            return fail_at(ld, w.col, "expected KEY=VALUE, found \"%.*s\"", (int)w.n, w.s);
        if (value.n && value.s[0] == '"') {
            size_t n = json_string_length(value.s);
            if (!n || (value.s[n] && !is_space(value.s[n])))
                return fail_at(ld, value.col, "%.*s= needs a JSON string: \"...\"", (int)key.n,
                               key.s);
            value.n = n;
            pos = value.col + n;
        }
        newsmine_kv *kv = vec_push(&p->sets);
        if (!kv) return nomem(ld);
        kv->key = arena_str(ld, key.s, key.n);
        bool literal = word_is(&value, "true") || word_is(&value, "false") ||
                       (value.n && value.s[0] == '"') ||
                       (key_is_numeric(kv->key ? kv->key : "") && looks_numeric(value.s, value.n));
        kv->json = literal ? arena_str(ld, value.s, value.n) : json_string(ld, value.s, value.n);
        if (!kv->key || !kv->json) return nomem(ld);
    }
    return any ? NEWSMINE_OK : fail_at(ld, pos, "set needs KEY=VALUE");
}

/* The columns named after "lookup GROUP LIST", checked against the list. */
static newsmine_status lookup_columns(loader *ld, const newsmine_list *l, const char *line,
                                      size_t pos, const char ***out)
{
    word w;
    size_t n = 0, at = pos;
    while (next_word(line, &at, &w))
        n++;
    *out = NULL;
    if (!n) return NEWSMINE_OK;
    const char **cols = newsmine_arena_alloc(&ld->rules->arena, (n + 1) * sizeof *cols);
    if (!cols) return nomem(ld);
    for (size_t i = 0; next_word(line, &pos, &w); i++) {
        bool known = false;
        for (size_t c = 1; c < l->column_count && !known; c++)
            known = strlen(l->columns[c]) == w.n && memcmp(l->columns[c], w.s, w.n) == 0;
        if (!known)
            return fail_at(ld, w.col, "list \"%s\" has no column \"%.*s\"", l->name, (int)w.n,
                           w.s);
        if (!(cols[i] = arena_str(ld, w.s, w.n))) return nomem(ld);
        cols[i + 1] = NULL;
    }
    *out = cols;
    return NEWSMINE_OK;
}

/* lookup GROUP LIST [COLUMN...] */
static newsmine_status rule_lookup(loader *ld, pending_rule *p, const char *line, size_t pos)
{
    word group, list;
    if (!next_word(line, &pos, &group) || !next_word(line, &pos, &list))
        return fail_at(ld, pos, "lookup needs: lookup GROUP LIST [COLUMN...]");
    const newsmine_list *l = find_list(ld, list.s, list.n);
    if (!l) return fail_at(ld, list.col, "unknown list \"%.*s\"", (int)list.n, list.s);
    pending_lookup *lk = vec_push(&p->lookups);
    if (!lk) return nomem(ld);
    newsmine_status st = lookup_columns(ld, l, line, pos, &lk->columns);
    if (st) return st;
    lk->group = arena_str(ld, group.s, group.n);
    lk->list = l; /* an index until settle(): the lists array still grows */
    lk->line = ld->line;
    lk->col = group.col;
    return lk->group ? NEWSMINE_OK : nomem(ld);
}

static newsmine_status rule_line(loader *ld, const char *line, size_t pos, const word *kw)
{
    pending_rule *p = ld->open;
    word w;
    if (word_is(kw, "type")) {
        if (!next_word(line, &pos, &w)) return fail_at(ld, pos, "type needs a type name");
        p->have_type = true;
        return parse_type(ld, &w, &p->rule.type);
    }
    if (word_is(kw, "priority")) {
        if (!next_word(line, &pos, &w)) return fail_at(ld, pos, "priority needs an integer");
        if (!parse_int(&w, &p->rule.priority))
            return fail_at(ld, w.col, "priority must be an integer, found \"%.*s\"", (int)w.n,
                           w.s);
        return NEWSMINE_OK;
    }
    if (word_is(kw, "veto")) {
        p->rule.veto = true;
        return NEWSMINE_OK;
    }
    if (word_is(kw, "case")) {
        if (!next_word(line, &pos, &w))
            return fail_at(ld, pos, "case needs any, mixed or capitals");
        if (word_is(&w, "any"))
            p->rule.text_case = NEWSMINE_RULE_ANY_TEXT;
        else if (word_is(&w, "mixed"))
            p->rule.text_case = NEWSMINE_RULE_MIXED_CASE;
        else if (word_is(&w, "capitals"))
            p->rule.text_case = NEWSMINE_RULE_CAPITALS;
        else
            return fail_at(ld, w.col, "case must be any, mixed or capitals, found \"%.*s\"",
                           (int)w.n, w.s);
        return NEWSMINE_OK;
    }
    if (word_is(kw, "trigger")) return rule_trigger(ld, p, line, pos);
    if (word_is(kw, "set")) return rule_set(ld, p, line, pos);
    if (word_is(kw, "lookup")) return rule_lookup(ld, p, line, pos);
    if (word_is(kw, "pattern")) {
        size_t start, len;
        rest_of_line(line, pos, &start, &len);
        if (!len) return fail_at(ld, pos, "empty pattern line");
        newsmine_status st = expand(ld, line + start, len, start, &p->pattern, &p->segments);
        if (!st && newsmine_buffer_putc(&p->pattern, '\n')) st = nomem(ld);
        return st;
    }
    return fail_at(ld, kw->col,
                   "unknown line \"%.*s\" in a rule (type, priority, trigger, pattern, set, "
                   "lookup, veto, case, end)",
                   (int)kw->n, kw->s);
}

/* Turns a PCRE2 error offset in the expanded pattern into the file position
 * of the text it came from. */
static void locate_pattern_offset(const pending_rule *p, size_t offset, unsigned long *line,
                                  unsigned long *col, const char **ref)
{
    const segment *segs = p->segments.data;
    *line = p->rule.line;
    *col = 0;
    *ref = NULL;
    /* the stretch holding the offset; else the last one before it (the
     * offset is then on the newline after a pattern line, or at the end) */
    const segment *s = NULL;
    for (size_t i = 0; i < p->segments.len && segs[i].start <= offset; i++) {
        s = &segs[i];
        if (offset < s->start + s->len) break;
    }
    if (s) {
        *line = s->line;
        size_t byte = s->src_col_byte;
        if (!s->ref) byte += offset - s->start < s->len ? offset - s->start : s->len;
        else if (offset < s->start + s->len) *ref = s->ref;
        else byte += strcspn(s->ref, "}") + 1; /* after the reference */
        *col = (unsigned long)newsmine_utf8_count(s->line_text, byte) + 1;
    }
}

/* The rule's pattern compiled again with PCRE2_CASELESS, or NULL with
 * PCRE2's error code in *code. */
static pcre2_code *compile_without_case(const newsmine_rule *rule, int *code)
{
    uint32_t options = 0;
    pcre2_pattern_info(rule->code, PCRE2_INFO_ARGOPTIONS, &options);
    PCRE2_SIZE offset;
    return pcre2_compile((PCRE2_SPTR)rule->pattern, PCRE2_ZERO_TERMINATED, options | PCRE2_CASELESS,
                         code, &offset, NULL);
}

/* Compiled without case (text in capitals), a pattern grows: a literal k
 * or s by a byte (KELVIN SIGN, LONG S), a class by their entries; by a
 * third at most for a pattern of nothing else. One near PCRE2's 64 KiB
 * limit may then not compile. Such a pattern is compiled without case now,
 * so that the error names the rule when it loads; the others at the first
 * text in capitals (newsmine_rules_caseless). */
enum { CASELESS_CHECK_SIZE = 40 * 1024 };

static newsmine_status check_caseless(loader *ld, pending_rule *p)
{
    size_t size = 0;
    pcre2_pattern_info(p->rule.code, PCRE2_INFO_SIZE, &size);
    if (p->rule.text_case == NEWSMINE_RULE_MIXED_CASE || size < CASELESS_CHECK_SIZE)
        return NEWSMINE_OK;
    int code;
    p->rule.caseless = compile_without_case(&p->rule, &code);
    if (p->rule.caseless) return NEWSMINE_OK;
    if (code == PCRE2_ERROR_NOMEMORY) return nomem(ld);
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, ld->file, p->rule.line, 1,
                              "in rule %s: %s when matched without case, as text written in "
                              "capitals is (mark the rule \"case mixed\", or make it smaller)",
                              p->rule.id, (const char *)msg);
}

static newsmine_status compile_pattern(loader *ld, pending_rule *p)
{
    uint32_t options = PCRE2_UTF | PCRE2_EXTENDED | PCRE2_DUPNAMES;
    if (!(p->rule.trigger_classes & NEWSMINE_TRIGGER_SCAN)) options |= PCRE2_ANCHORED;
    int code;
    PCRE2_SIZE offset;
    p->rule.code = pcre2_compile((PCRE2_SPTR)p->pattern.data, p->pattern.len, options, &code,
                                 &offset, NULL);
    if (!p->rule.code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        unsigned long line, col;
        const char *ref;
        locate_pattern_offset(p, offset, &line, &col, &ref);
        if (ref) { /* ref is the '{' of the reference */
            size_t n = strcspn(ref + 1, "}");
            const define *d = ref[1] == '@' ? NULL : find_define(ld, ref + 1, n);
            if (d)
                return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, ld->file, line, col,
                                          "in rule %s, inside {%.*s} (defined at %s:%lu): %s",
                                          p->rule.id, (int)n, ref + 1, d->file, d->line,
                                          (const char *)msg);
            return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, ld->file, line, col,
                                      "in rule %s, inside {%.*s}: %s", p->rule.id, (int)n,
                                      ref + 1, (const char *)msg);
        }
        return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, ld->file, line, col,
                                  "in rule %s: %s", p->rule.id, (const char *)msg);
    }
    p->rule.pattern = arena_str(ld, p->pattern.data, p->pattern.len);
    if (!p->rule.pattern) return nomem(ld);
    return check_caseless(ld, p);
}

/* --------------------------------------------------- background compiling */

/* JIT code (no JIT on an unsupported CPU: the interpreter gives the same
 * results) and what an anchored attempt needs in the text. */
static void run_compile_job(compile_job *j, newsmine_arena *arena, newsmine_arena *work)
{
    j->jit = j->want_jit && pcre2_jit_compile(j->code, PCRE2_JIT_COMPLETE) == 0;
    if (j->analyze)
        j->status = newsmine_prefilter_analyze(j->pattern, j->len, j->digits, arena, work, &j->pf);
}

/* The next job nobody took, or NULL; waits for one unless the caller is
 * the main thread (wait false) or the queue is closed. */
static compile_job *next_compile_job(compiler *c, bool wait)
{
    pthread_mutex_lock(&c->mu);
    while (wait && c->next == c->count && !c->closing)
        pthread_cond_wait(&c->cv, &c->mu);
    compile_job *j = c->next < c->count ? c->jobs[c->next++] : NULL;
    pthread_mutex_unlock(&c->mu);
    return j;
}

static void *compiler_main(void *arg)
{
    compiler *c = arg;
    for (compile_job *j; (j = next_compile_job(c, true));)
        run_compile_job(j, &c->arena, &c->work);
    return NULL;
}

static newsmine_status compiler_add(loader *ld, compile_job *j)
{
    compiler *c = &ld->comp;
    pthread_mutex_lock(&c->mu);
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        compile_job **p = realloc(c->jobs, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&c->mu);
            return nomem(ld);
        }
        c->jobs = p;
        c->cap = cap;
    }
    c->jobs[c->count++] = j;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return NEWSMINE_OK;
}

/* Runs what is left on this thread, then waits for the other. */
static void compiler_finish(compiler *c)
{
    for (compile_job *j; (j = next_compile_job(c, false));)
        run_compile_job(j, &c->main_arena, &c->main_work);
    pthread_mutex_lock(&c->mu);
    c->closing = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (c->started) pthread_join(c->thread, NULL);
    c->started = false;
}

static void compiler_init(compiler *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    newsmine_arena_init(&c->arena);
    newsmine_arena_init(&c->main_arena);
    newsmine_arena_init(&c->work);
    newsmine_arena_init(&c->main_work);
    /* without a second thread every job runs at the end, on this one */
    c->started = pthread_create(&c->thread, NULL, compiler_main, c) == 0;
}

/* Stops the thread (after the job it runs) and frees the jobs. */
static void compiler_free(compiler *c)
{
    pthread_mutex_lock(&c->mu);
    c->next = c->count; /* nothing more to take */
    c->closing = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (c->started) pthread_join(c->thread, NULL);
    for (size_t i = 0; i < c->count; i++)
        free(c->jobs[i]);
    free(c->jobs);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    newsmine_arena_free(&c->arena);
    newsmine_arena_free(&c->main_arena);
    newsmine_arena_free(&c->work);
    newsmine_arena_free(&c->main_work);
}

static newsmine_status read_group_names(loader *ld, pending_rule *p)
{
    uint32_t count = 0, entry_size = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(p->rule.code, PCRE2_INFO_CAPTURECOUNT, &p->rule.capture_count);
    pcre2_pattern_info(p->rule.code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(p->rule.code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
    pcre2_pattern_info(p->rule.code, PCRE2_INFO_NAMETABLE, &table);
    p->rule.group_count = count;
    p->rule.groups = newsmine_arena_alloc(&ld->rules->arena, (count + 1) * sizeof *p->rule.groups);
    if (!p->rule.groups) return nomem(ld);
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * entry_size;
        p->rule.groups[i].number = (uint32_t)(e[0] << 8 | e[1]);
        const char *name = (const char *)e + 2;
        p->rule.groups[i].name = arena_str(ld, name, strlen(name));
        if (!p->rule.groups[i].name) return nomem(ld);
    }
    return NEWSMINE_OK;
}

static newsmine_status resolve_lookups(loader *ld, pending_rule *p)
{
    const pending_lookup *pl = p->lookups.data;
    p->rule.lookup_count = p->lookups.len;
    p->rule.lookups =
        newsmine_arena_alloc(&ld->rules->arena, (p->lookups.len + 1) * sizeof *p->rule.lookups);
    if (!p->rule.lookups) return nomem(ld);
    for (size_t i = 0; i < p->lookups.len; i++) {
        int number = pcre2_substring_number_from_name(p->rule.code, (PCRE2_SPTR)pl[i].group);
        if (number == PCRE2_ERROR_NOUNIQUESUBSTRING) {
            for (size_t g = 0; g < p->rule.group_count; g++)
                if (strcmp(p->rule.groups[g].name, pl[i].group) == 0) {
                    number = (int)p->rule.groups[g].number;
                    break;
                }
        }
        if (number < 0)
            return newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, ld->file, pl[i].line,
                                      pl[i].col + 1, "rule %s has no group named \"%s\"",
                                      p->rule.id, pl[i].group);
        size_t list_index = (size_t)(pl[i].list - (const newsmine_list *)ld->lists.data);
        p->rule.lookups[i] = (newsmine_lookup){
            (uint32_t)number, (const newsmine_list *)(uintptr_t)list_index, pl[i].columns};
    }
    return NEWSMINE_OK;
}

/* Prefilters for anchored rules; not for a rule of text in capitals only
 * that its trigger words alone bring to few places: rare documents, where
 * the analysis (of long lists: @ranks) would cost every start-up more than
 * it saves. */
static bool wants_prefilters(const newsmine_rule *rule)
{
    if (rule->trigger_classes & NEWSMINE_TRIGGER_SCAN) return false;
    return rule->text_case != NEWSMINE_RULE_CAPITALS ||
           (rule->trigger_classes &
            (NEWSMINE_TRIGGER_NUMBER | NEWSMINE_TRIGGER_CAPITAL | NEWSMINE_TRIGGER_ANY));
}

static newsmine_status rule_end(loader *ld)
{
    pending_rule *p = ld->open;
    newsmine_status st = NEWSMINE_OK;
    if (!p->have_type) st = fail_at(ld, 0, "rule %s has no type line", p->rule.id);
    else if (!p->pattern.len) st = fail_at(ld, 0, "rule %s has no pattern line", p->rule.id);
    if (!st && !p->rule.trigger_classes && !p->triggers.len)
        p->rule.trigger_classes = NEWSMINE_TRIGGER_SCAN;
    if (!st) st = compile_pattern(ld, p);
    if (!st) st = read_group_names(ld, p);
    if (!st) st = resolve_lookups(ld, p);
    if (!st) {
        p->rule.set_count = p->sets.len;
        p->rule.sets = newsmine_arena_alloc(&ld->rules->arena, (p->sets.len + 1) * sizeof(newsmine_kv));
        if (!p->rule.sets) st = nomem(ld);
        else if (p->sets.len) memcpy(p->rule.sets, p->sets.data, p->sets.len * sizeof(newsmine_kv));
    }
    newsmine_rule *slot = st ? NULL : vec_push(&ld->rules_v);
    vec *trig = st ? NULL : vec_push(&ld->trig);
    if (!st && (!slot || !trig)) st = nomem(ld);
    if (st) {
        pcre2_code_free(p->rule.code);
        pcre2_code_free(p->rule.caseless);
        if (slot) ld->rules_v.len--;
    } else {
        *slot = p->rule;
        *trig = p->triggers;
        p->triggers = (vec){0};
        compile_job *j = calloc(1, sizeof *j);
        if (!j) st = nomem(ld);
        else {
            *j = (compile_job){.code = slot->code,
                               .pattern = slot->pattern,
                               .len = strlen(slot->pattern),
                               .want_jit = slot->text_case != NEWSMINE_RULE_CAPITALS,
                               .analyze = wants_prefilters(slot),
                               .digits = (slot->trigger_classes &
                                          (NEWSMINE_TRIGGER_NUMBER | NEWSMINE_TRIGGER_ANY)) != 0};
            st = compiler_add(ld, j);
            if (st) free(j);
        }
    }
    pending_free(p);
    ld->open = NULL;
    return st;
}

/* --------------------------------------------------------------- one file */

static newsmine_status parse_line(loader *ld, const char *line)
{
    size_t pos = 0;
    word kw;
    if (!next_word(line, &pos, &kw)) return NEWSMINE_OK;
    if (ld->open) {
        if (word_is(&kw, "end")) return rule_end(ld);
        if (word_is(&kw, "rule"))
            return fail_at(ld, kw.col, "rule %s is not closed with \"end\" before this rule",
                           ld->open->rule.id);
        return rule_line(ld, line, pos, &kw);
    }
    if (word_is(&kw, "define")) return directive_define(ld, line, pos);
    if (word_is(&kw, "list")) return directive_list(ld, line, pos);
    if (word_is(&kw, "gazetteer")) return directive_gazetteer(ld, line, pos);
    if (word_is(&kw, "abbreviations")) return directive_abbreviations(ld, line, pos);
    if (word_is(&kw, "yield")) return directive_yield(ld, line, pos);
    if (word_is(&kw, "rule")) return rule_begin(ld, line, pos);
    if (word_is(&kw, "end")) return fail_at(ld, kw.col, "\"end\" without a rule");
    return fail_at(ld, kw.col,
                   "unknown directive \"%.*s\" (define, list, gazetteer, abbreviations, yield, "
                   "rule)",
                   (int)kw.n, kw.s);
}

static newsmine_status parse_file(loader *ld, const char *path, const char *rel)
{
    size_t len;
    char *data = read_file(NULL, path, &len);
    if (!data)
        return newsmine_error_set(ld->err, NEWSMINE_ERR_IO, rel, 0, 0, "cannot read: %s",
                                  strerror(errno));
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "%s", rel);
    char *dot = strrchr(prefix, '.');
    if (dot && strcmp(dot, ".rules") == 0) *dot = '\0';
    char dir[8192]; /* as long as the path it is cut from */
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';

    ld->file = arena_str(ld, rel, strlen(rel));
    ld->file_prefix = arena_str(ld, prefix, strlen(prefix));
    ld->dir_of_file = dir;
    ld->line = 0;
    newsmine_status st = (ld->file && ld->file_prefix) ? NEWSMINE_OK : nomem(ld);
    if (!st) st = check_utf8(ld, rel, data, len);
    for (char *p = data, *end = data + len; !st && p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        if (stop > p && stop[-1] == '\r') stop[-1] = '\0';
        *stop = '\0';
        ld->line++;
        ld->line_text = p;
        st = parse_line(ld, p);
        p = nl ? nl + 1 : end;
    }
    if (!st && ld->open) {
        ld->line_text = NULL;
        st = newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, rel, ld->open->rule.line, 1,
                                "rule %s is not closed with \"end\"", ld->open->rule.id);
    }
    pending_free(ld->open);
    ld->open = NULL;
    ld->line_text = NULL;
    ld->dir_of_file = NULL;
    free(data);
    return st;
}

/* ---------------------------------------------------------- the directory */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static newsmine_status collect_files(const char *root, const char *rel, vec *out, int depth)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return errno == ENOMEM ? NEWSMINE_ERR_NOMEM : NEWSMINE_ERR_IO;
    newsmine_status st = NEWSMINE_OK;
    for (struct dirent *e; !st && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char sub[4096], full[8192];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat sb;
        if (stat(full, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode) && depth < 8) {
            st = collect_files(root, sub, out, depth + 1);
            if (st == NEWSMINE_ERR_IO) st = NEWSMINE_OK;
        } else if (S_ISREG(sb.st_mode)) {
            size_t n = strlen(sub);
            if (n > 6 && strcmp(sub + n - 6, ".rules") == 0) {
                char **slot = out->len < MAX_RULE_FILES ? vec_push(out) : NULL;
                if (!slot || !(*slot = strdup(sub))) st = NEWSMINE_ERR_NOMEM;
            }
        }
    }
    closedir(d);
    return st;
}

/* ----------------------------------------------------------------- indexes */

static newsmine_status build_tokenizer(loader *ld)
{
    return newsmine_tokenizer_new((const char *const *)ld->abbrevs.data, ld->abbrevs.len,
                                  &ld->rules->tokenizer);
}

/* Tokens of a name, joined by single spaces (as the matcher joins them). */
static newsmine_status name_key(loader *ld, newsmine_arena *scratch, const char *name,
                                newsmine_buffer *key, uint32_t *tokens)
{
    newsmine_normalized nt;
    newsmine_token *toks;
    size_t count;
    key->len = 0;
    /* words of ASCII letters with single spaces: the tokens are the words */
    size_t n = 0, words = 1;
    for (; name[n]; n++) {
        unsigned char c = (unsigned char)name[n];
        if (c == ' ' && n && name[n - 1] != ' ') words++;
        else if ((unsigned char)((c | 0x20) - 'a') >= 26) break;
    }
    if (!name[n] && n && name[n - 1] != ' ') {
        if (newsmine_buffer_append(key, name, n)) return nomem(ld);
        *tokens = (uint32_t)words;
        return NEWSMINE_OK;
    }
    if (newsmine_normalize(name, strlen(name), scratch, &nt) ||
        newsmine_tokenize(ld->rules->tokenizer, nt.text, nt.len, scratch, &toks, &count))
        return nomem(ld);
    for (size_t i = 0; i < count; i++) {
        if (i && newsmine_buffer_putc(key, ' ')) return nomem(ld);
        if (newsmine_buffer_append(key, nt.text + toks[i].start, toks[i].end - toks[i].start))
            return nomem(ld);
    }
    *tokens = (uint32_t)count;
    return NEWSMINE_OK;
}

static newsmine_status word_entry_for(loader *ld, const char *folded, size_t n,
                                      newsmine_word_entry **entries, size_t *count, size_t *cap,
                                      newsmine_word_entry **out)
{
    uint32_t value = (uint32_t)*count;
    int inserted;
    if (newsmine_hash_put(&ld->rules->words, &ld->rules->arena, folded, n, &value, &inserted))
        return nomem(ld);
    if (inserted) {
        if (*count == *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            newsmine_word_entry *p = realloc(*entries, nc * sizeof *p);
            if (!p) return nomem(ld);
            *entries = p;
            *cap = nc;
        }
        (*entries)[(*count)++] = (newsmine_word_entry){0, 0, 0, UINT32_MAX, 0, UINT32_MAX};
    }
    *out = &(*entries)[value];
    return NEWSMINE_OK;
}

/* Chains entry behind the entries of head (a chain of gaz_entries). */
static void chain_entry(newsmine_rules *r, uint32_t head, uint32_t entry)
{
    newsmine_gaz_entry *e = &r->gaz_entries[head];
    while (e->next != UINT32_MAX)
        e = &r->gaz_entries[e->next];
    e->next = entry;
}

/* A name whose folded text has a space in it: the text leads to its entry,
 * and the text's starts that end before a space let the windows grow. */
static newsmine_status add_gaz_name(loader *ld, const char *folded, size_t n, uint32_t entry)
{
    newsmine_rules *r = ld->rules;
    newsmine_hash *h = &r->gaz_names;
    uint32_t value = entry;
    int inserted;
    if (newsmine_hash_put(h, &r->arena, folded, n, &value, &inserted)) return nomem(ld);
    if (!inserted && value == NEWSMINE_GAZ_START)
        newsmine_hash_set(h, folded, n, entry);
    else if (!inserted)
        chain_entry(r, value, entry);
    for (size_t p = 0; p < n; p++) {
        uint32_t start = NEWSMINE_GAZ_START;
        if (folded[p] == ' ' && newsmine_hash_put(h, &r->arena, folded, p, &start, NULL))
            return nomem(ld);
    }
    return NEWSMINE_OK;
}

typedef struct index_builder {
    newsmine_word_entry *entries;
    size_t count, cap;
} index_builder;

static newsmine_status index_gazetteers(loader *ld, index_builder *ib)
{
    newsmine_rules *r = ld->rules;
    size_t total = 0;
    for (size_t g = 0; g < r->gazetteer_count; g++)
        total += r->gazetteers[g].list->row_count;
    r->gaz_entries = newsmine_arena_alloc(&r->arena, (total + 1) * sizeof *r->gaz_entries);
    if (!r->gaz_entries) return nomem(ld);
    /* sized for a key a name (the starts of names seldom add more): growing
     * rehashes every key and frees the old table */
    if (newsmine_hash_reserve(&r->gaz_names, total) || newsmine_hash_reserve(&r->words, total))
        return nomem(ld);
    newsmine_arena scratch;
    newsmine_arena_init(&scratch);
    newsmine_buffer key = {0};
    char *folded = NULL;
    size_t folded_cap = 0;
    newsmine_status st = NEWSMINE_OK;
    for (size_t g = 0; !st && g < r->gazetteer_count; g++) {
        const newsmine_list *list = r->gazetteers[g].list;
        for (size_t row = 0; !st && row < list->row_count; row++) {
            uint32_t tokens = 0;
            newsmine_arena_reset(&scratch);
            if ((st = name_key(ld, &scratch, list->names[row], &key, &tokens))) break;
            if (!tokens) continue;
            if (key.len * 2 + 4 > folded_cap) {
                folded_cap = key.len * 2 + 64;
                char *p = realloc(folded, folded_cap);
                if (!p) {
                    st = nomem(ld);
                    break;
                }
                folded = p;
            }
            /* ASCII letters and single spaces (most names): lower case is the fold */
            size_t flen = 0;
            bool plain = true;
            for (; flen < key.len && plain; flen++) {
                unsigned char c = (unsigned char)key.data[flen];
                plain = c == ' ' || (unsigned char)((c | 0x20) - 'a') < 26;
                folded[flen] = (char)(c == ' ' ? c : c | 0x20);
            }
            if (!plain) flen = newsmine_fold(key.data, key.len, folded);
            const char *name = list->names[row];
            const char *written = strncmp(name, key.data, key.len) == 0 && !name[key.len]
                                      ? name /* the name is its tokens */
                                      : arena_str(ld, key.data, key.len);
            if (!written) {
                st = nomem(ld);
                break;
            }
            uint32_t e = (uint32_t)r->gaz_entry_count++;
            r->gaz_entries[e] = (newsmine_gaz_entry){written, (uint32_t)key.len, (uint32_t)g,
                                                     (uint32_t)row, UINT32_MAX};
            /* the first token's folded form opens the window */
            size_t first = strcspn(key.data, " ");
            char fw[512];
            size_t fwn = first * 2 + 4 > sizeof fw ? 0
                         : plain                 ? (memcpy(fw, folded, first), first)
                                                 : newsmine_fold(key.data, first, fw);
            bool single = fwn == flen && memcmp(fw, folded, flen) == 0; /* the name folds to fw */
            newsmine_word_entry *we = NULL;
            if (fwn &&
                !(st = word_entry_for(ld, fw, fwn, &ib->entries, &ib->count, &ib->cap, &we))) {
                if (we->gaz_max_tokens < tokens) we->gaz_max_tokens = tokens;
                if (single) we->gaz_single = 1;
            }
            if (!st && memchr(folded, ' ', flen)) {
                st = add_gaz_name(ld, folded, flen, e);
            } else if (!st && flen) { /* no space: the word's entry holds the chain */
                if (!single)
                    st = word_entry_for(ld, folded, flen, &ib->entries, &ib->count, &ib->cap, &we);
                if (!st && we->gaz_head == UINT32_MAX)
                    we->gaz_head = e;
                else if (!st)
                    chain_entry(r, we->gaz_head, e);
            }
            /* a hyphenated first token ("Deir-Attiya") also opens the window
             * of its words written apart ("Deir Attiya"), as many tokens as
             * the folded name has words */
            const char *gap = fwn ? memchr(fw, ' ', fwn) : NULL;
            newsmine_word_entry *part = NULL;
            if (!st && gap &&
                !(st = word_entry_for(ld, fw, (size_t)(gap - fw), &ib->entries, &ib->count,
                                      &ib->cap, &part))) {
                uint32_t words = 1;
                for (size_t p = 0; p < flen; p++)
                    words += folded[p] == ' ';
                if (part->gaz_max_tokens < words) part->gaz_max_tokens = words;
            }
        }
    }
    free(folded);
    newsmine_buffer_free(&key);
    newsmine_arena_free(&scratch);
    return st;
}

/* Folded first tokens of a trigger word or of every name of an @LIST. */
typedef struct trigger_link {
    uint32_t word, rule;
} trigger_link;

static newsmine_status link_trigger(loader *ld, index_builder *ib, vec *links, const char *text,
                                    size_t n, uint32_t rule)
{
    char folded[512];
    if (!n || n * 2 + 4 > sizeof folded) return NEWSMINE_OK;
    size_t fn = newsmine_fold(text, n, folded);
    if (!fn) return NEWSMINE_OK;
    newsmine_word_entry *we = NULL;
    newsmine_status st = word_entry_for(ld, folded, fn, &ib->entries, &ib->count, &ib->cap, &we);
    if (st) return st;
    trigger_link *l = vec_push(links);
    if (!l) return nomem(ld);
    *l = (trigger_link){(uint32_t)(we - ib->entries), rule};
    return NEWSMINE_OK;
}

/* A trigger is the first token of a text: its first word ("Major" of "Major
 * General") and, when hyphens join words into one token, the hyphenated
 * word too ("Major-General"). */
static newsmine_status add_trigger_word(loader *ld, index_builder *ib, vec *links,
                                        const char *text, uint32_t rule)
{
    size_t first_word = strcspn(text, " -"), first_token = strcspn(text, " ");
    newsmine_status st = link_trigger(ld, ib, links, text, first_word, rule);
    if (!st && first_token != first_word)
        st = link_trigger(ld, ib, links, text, first_token, rule);
    /* "Col.": one token only when the abbreviations list it, else "Col" */
    if (!st && first_word > 1 && first_word == first_token && text[first_word - 1] == '.')
        st = link_trigger(ld, ib, links, text, first_word - 1, rule);
    return st;
}

static int by_word_then_rule(const void *a, const void *b)
{
    const trigger_link *x = a, *y = b;
    if (x->word != y->word) return x->word < y->word ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static newsmine_status index_triggers(loader *ld, index_builder *ib)
{
    newsmine_rules *r = ld->rules;
    vec links = {.size = sizeof(trigger_link)};
    const vec *trig = ld->trig.data;
    newsmine_status st = NEWSMINE_OK;
    for (size_t i = 0; !st && i < r->rule_count; i++) {
        const char *const *words = trig[i].data;
        for (size_t w = 0; !st && w < trig[i].len; w++) {
            if (words[w][0] != '@') {
                st = add_trigger_word(ld, ib, &links, words[w], (uint32_t)i);
                continue;
            }
            const newsmine_list *list = NULL;
            for (size_t k = 0; !list && k < r->list_count; k++)
                if (strcmp(r->lists[k].name, words[w] + 1) == 0) list = &r->lists[k];
            for (size_t row = 0; !st && row < list->row_count; row++)
                st = add_trigger_word(ld, ib, &links, list->names[row], (uint32_t)i);
        }
    }
    if (!st) {
        if (links.len) qsort(links.data, links.len, sizeof(trigger_link), by_word_then_rule);
        r->trigger_rules = newsmine_arena_alloc(&r->arena, (links.len + 1) * sizeof(uint32_t));
        if (!r->trigger_rules) st = nomem(ld);
    }
    const trigger_link *l = links.data;
    size_t out = 0;
    for (size_t i = 0; !st && i < links.len; i++) {
        if (i && l[i].word == l[i - 1].word && l[i].rule == l[i - 1].rule) continue;
        newsmine_word_entry *we = &ib->entries[l[i].word];
        if (!we->rule_count) we->rules_offset = (uint32_t)out;
        we->rule_count++;
        r->trigger_rules[out++] = l[i].rule;
    }
    free(links.data);
    return st;
}

static newsmine_status index_classes(loader *ld)
{
    newsmine_rules *r = ld->rules;
    for (unsigned c = 0; c < 4; c++) {
        size_t n = 0;
        uint32_t *ids = newsmine_arena_alloc(&r->arena, (r->rule_count + 1) * sizeof *ids);
        if (!ids) return nomem(ld);
        for (size_t i = 0; i < r->rule_count; i++)
            if (r->rules[i].trigger_classes & (1u << c)) ids[n++] = (uint32_t)i;
        ids[n] = UINT32_MAX;
        r->class_rules[c] = ids;
    }
    return NEWSMINE_OK;
}

/* ------------------------------------------------------ prefilter index */

typedef struct pf_triple {
    uint32_t unit, clause, max_gaps;
} pf_triple;

static int by_unit_then_clause(const void *a, const void *b)
{
    const pf_triple *x = a, *y = b;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    return x->clause < y->clause ? -1 : x->clause > y->clause;
}

/* The unit number of a prefilter unit, made on first sight. */
static newsmine_status pf_unit_id(loader *ld, index_builder *ib, const newsmine_pf_unit *u,
                                  uint32_t *id)
{
    newsmine_rules *r = ld->rules;
    uint32_t *slot = NULL;
    newsmine_word_entry *we = NULL;
    switch (u->kind) {
    case NEWSMINE_PF_DIGIT:
        slot = &r->pf_digit_unit;
        break;
    case NEWSMINE_PF_PLURAL:
        slot = &r->pf_plural_unit;
        break;
    case NEWSMINE_PF_PLURAL_CAPITAL:
        slot = &r->pf_plural_capital_unit;
        break;
    case NEWSMINE_PF_SYMBOL:
        slot = u->cp < 128 ? &r->pf_ascii_symbol[u->cp] : u->cp == 0x20AC ? &r->pf_euro
               : u->cp == 0xA3                           ? &r->pf_pound
                                                          : &r->pf_yen;
        break;
    case NEWSMINE_PF_WORD: {
        newsmine_status st = word_entry_for(ld, u->text, strlen(u->text), &ib->entries,
                                            &ib->count, &ib->cap, &we);
        if (st) return st;
        slot = &we->pf_unit;
        break;
    }
    }
    if (*slot == UINT32_MAX) *slot = (uint32_t)r->pf_unit_count++;
    *id = *slot;
    return NEWSMINE_OK;
}

static newsmine_status index_prefilters(loader *ld, index_builder *ib)
{
    newsmine_rules *r = ld->rules;
    r->pf_digit_unit = r->pf_plural_unit = r->pf_plural_capital_unit = UINT32_MAX;
    r->pf_euro = r->pf_pound = r->pf_yen = UINT32_MAX;
    for (size_t c = 0; c < 128; c++)
        r->pf_ascii_symbol[c] = UINT32_MAX;
    r->pf_rule_offset = newsmine_arena_alloc(&r->arena, (r->rule_count + 1) * sizeof(uint32_t));
    r->pf_digit_offset = newsmine_arena_alloc(&r->arena, (r->rule_count + 1) * sizeof(uint32_t));
    if (!r->pf_rule_offset || !r->pf_digit_offset) return nomem(ld);
    vec triples = {.size = sizeof(pf_triple)};
    newsmine_status st = NEWSMINE_OK;
    uint32_t clause = 0;
    for (size_t i = 0; !st && i < r->rule_count; i++) {
        r->pf_rule_offset[i] = clause;
        r->pf_digit_offset[i] = clause + (uint32_t)r->rules[i].pf_count;
        const newsmine_rule *rule = &r->rules[i];
        /* its clauses, then those of its matches that start with a digit */
        size_t total = rule->pf_count + rule->pf_digit_count;
        for (size_t c = 0; !st && c < total; c++, clause++) {
            const newsmine_pf_clause *cl =
                c < rule->pf_count ? &rule->pf[c] : &rule->pf_digit[c - rule->pf_count];
            for (size_t k = 0; !st && k < cl->unit_count; k++) {
                const newsmine_pf_unit *u = &cl->units[k];
                uint32_t id;
                st = pf_unit_id(ld, ib, u, &id);
                pf_triple *t = st ? NULL : vec_push(&triples);
                if (!st && !t) st = nomem(ld);
                if (t) *t = (pf_triple){id, clause, u->max_gaps};
            }
        }
    }
    r->pf_rule_offset[r->rule_count] = clause;
    r->pf_clause_count = clause;
    pf_triple *t = triples.data;
    if (!st && triples.len) qsort(t, triples.len, sizeof *t, by_unit_then_clause);
    r->pf_member_offset =
        st ? NULL : newsmine_arena_alloc(&r->arena, (r->pf_unit_count + 1) * sizeof(uint32_t));
    r->pf_members = st ? NULL
                       : newsmine_arena_alloc(&r->arena, (triples.len + 1) * sizeof(newsmine_pf_member));
    if (!st && (!r->pf_member_offset || !r->pf_members)) st = nomem(ld);
    size_t n = 0;
    for (size_t u = 0, i = 0; !st && u <= r->pf_unit_count; u++) {
        r->pf_member_offset[u] = (uint32_t)n;
        for (; i < triples.len && t[i].unit == u; i++) {
            if (n > r->pf_member_offset[u] && r->pf_members[n - 1].clause == t[i].clause) {
                if (t[i].max_gaps > r->pf_members[n - 1].max_gaps)
                    r->pf_members[n - 1].max_gaps = t[i].max_gaps;
                continue;
            }
            r->pf_members[n++] = (newsmine_pf_member){t[i].clause, t[i].max_gaps};
        }
    }
    free(triples.data);
    return st;
}

/* The background work done: the prefilters into the rules. */
static newsmine_status collect_compiled(loader *ld)
{
    newsmine_rules *r = ld->rules;
    compiler *c = &ld->comp;
    for (size_t i = 0; i < r->rule_count && i < c->count; i++) {
        const compile_job *j = c->jobs[i];
        if (j->status) return nomem(ld);
        r->rules[i].pf = j->pf.clauses;
        r->rules[i].pf_count = j->pf.count;
        r->rules[i].pf_digit = j->pf.digit_clauses;
        r->rules[i].pf_digit_count = j->pf.digit_count;
        r->rules[i].first = j->pf.first;
        r->rules[i].jit = j->jit;
    }
    /* the jobs' allocations now belong to the rule set */
    r->compile_arena = c->arena;
    r->compile_arena2 = c->main_arena;
    newsmine_arena_init(&c->arena);
    newsmine_arena_init(&c->main_arena);
    return NEWSMINE_OK;
}

static newsmine_status build_indexes(loader *ld)
{
    newsmine_rules *r = ld->rules;
    index_builder ib = {0};
    /* the second thread goes on compiling while this one indexes the
     * gazetteers (the compile jobs allocate from arenas of their own), then
     * takes the jobs that are left and waits */
    newsmine_status st = index_gazetteers(ld, &ib);
    compiler_finish(&ld->comp);
    if (!st) st = index_triggers(ld, &ib);
    if (!st) st = index_classes(ld);
    if (!st) st = collect_compiled(ld);
    if (!st) st = index_prefilters(ld, &ib);
    if (!st) {
        r->word_entries = newsmine_arena_alloc(&r->arena, (ib.count + 1) * sizeof *ib.entries);
        if (!r->word_entries) st = nomem(ld);
        else if (ib.count) memcpy(r->word_entries, ib.entries, ib.count * sizeof *ib.entries);
    }
    free(ib.entries);
    return st;
}

/* Moves the loader's growable arrays into the arena of the rule set. */
static newsmine_status settle(loader *ld)
{
    newsmine_rules *r = ld->rules;
    r->list_count = ld->lists.len;
    r->lists = newsmine_arena_alloc(&r->arena, (ld->lists.len + 1) * sizeof(newsmine_list));
    r->rule_count = ld->rules_v.len;
    r->rules = newsmine_arena_alloc(&r->arena, (ld->rules_v.len + 1) * sizeof(newsmine_rule));
    r->gazetteer_count = ld->gaz.len;
    r->gazetteers = newsmine_arena_alloc(&r->arena, (ld->gaz.len + 1) * sizeof(newsmine_gazetteer));
    if (!r->lists || !r->rules || !r->gazetteers) return nomem(ld);
    if (ld->lists.len) memcpy(r->lists, ld->lists.data, ld->lists.len * sizeof(newsmine_list));
    if (ld->rules_v.len) memcpy(r->rules, ld->rules_v.data, ld->rules_v.len * sizeof(newsmine_rule));
    if (ld->gaz.len) memcpy(r->gazetteers, ld->gaz.data, ld->gaz.len * sizeof(newsmine_gazetteer));
    /* rules and gazetteers held list indexes while the lists array grew */
    for (size_t i = 0; i < r->rule_count; i++)
        for (size_t k = 0; k < r->rules[i].lookup_count; k++)
            r->rules[i].lookups[k].list = &r->lists[(uintptr_t)r->rules[i].lookups[k].list];
    for (size_t g = 0; g < r->gazetteer_count; g++) {
        newsmine_gazetteer *gz = &r->gazetteers[g];
        gz->list = &r->lists[(uintptr_t)gz->list];
        if (gz->context) gz->context = &r->lists[(uintptr_t)gz->context - 1];
        if (gz->heads) gz->heads = &r->lists[(uintptr_t)gz->heads - 1];
        gz->ambiguous_column = -1;
        for (size_t c = 1; c < gz->list->column_count; c++)
            if (strcmp(gz->list->columns[c], "ambiguous") == 0) gz->ambiguous_column = (int)c;
    }
    ld->rules_v.len = 0; /* the compiled codes now belong to r */
    ld->lists.len = 0;   /* and so do the lists' hash tables */
    /* after the hand-over: on failure r alone frees what was made */
    for (size_t i = 0; i < r->list_count; i++)
        if (r->lists[i].named && index_list(ld, &r->lists[i])) return nomem(ld);
    return NEWSMINE_OK;
}

static void loader_free(loader *ld)
{
    compiler_free(&ld->comp); /* before the codes it compiles go */
    newsmine_rule *rules = ld->rules_v.data;
    for (size_t i = 0; i < ld->rules_v.len; i++)
        pcre2_code_free(rules[i].code);
    vec *trig = ld->trig.data;
    for (size_t i = 0; i < ld->trig.len; i++)
        free(trig[i].data);
    newsmine_list *lists = ld->lists.data;
    for (size_t i = 0; i < ld->lists.len; i++)
        newsmine_hash_free(&lists[i].index);
    free(ld->trig.data);
    free(ld->defines.data);
    free(ld->lists.data);
    free(ld->gaz.data);
    free(ld->rules_v.data);
    free(ld->abbrevs.data);
}

static newsmine_status load_all(loader *ld, const char *dir)
{
    vec files = {.size = sizeof(char *)};
    newsmine_status st = collect_files(dir, "", &files, 0);
    if (st == NEWSMINE_ERR_IO)
        st = newsmine_error_set(ld->err, NEWSMINE_ERR_IO, dir, 0, 0,
                                "cannot open rules directory: %s", strerror(errno));
    else if (st)
        st = nomem(ld);
    else if (!files.len)
        st = newsmine_error_set(ld->err, NEWSMINE_ERR_RULES, dir, 0, 0,
                                "no *.rules files in this directory");
    char **names = files.data;
    if (!st) qsort(names, files.len, sizeof *names, cmp_str);
    for (size_t i = 0; !st && i < files.len; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        st = parse_file(ld, path, names[i]);
    }
    for (size_t i = 0; i < files.len; i++)
        free(names[i]);
    free(files.data);
    ld->file = dir;
    ld->line = 0;
    if (!st) st = build_tokenizer(ld) ? nomem(ld) : NEWSMINE_OK;
    if (!st) st = settle(ld);
    if (!st) st = build_indexes(ld);
    return st;
}

newsmine_status newsmine_rules_load(const char *dir, newsmine_rules **out, newsmine_error *err)
{
    *out = NULL;
    if (!dir) return newsmine_error_set(err, NEWSMINE_ERR_ARG, NULL, 0, 0, "no rules directory");
    newsmine_rules *r = calloc(1, sizeof *r);
    if (!r) return newsmine_error_set(err, NEWSMINE_ERR_NOMEM, NULL, 0, 0, "out of memory");
    newsmine_arena_init(&r->arena);
    pthread_mutex_init(&r->caseless_mu, NULL);
    atomic_init(&r->caseless_state, 0);
    loader ld = {.rules = r, .err = err};
    ld.defines.size = sizeof(define);
    ld.lists.size = sizeof(newsmine_list);
    ld.gaz.size = sizeof(newsmine_gazetteer);
    ld.rules_v.size = sizeof(newsmine_rule);
    ld.abbrevs.size = sizeof(char *);
    ld.trig.size = sizeof(vec);
    compiler_init(&ld.comp);
    r->dir = strdup(dir);
    newsmine_status st = r->dir ? load_all(&ld, dir) : nomem(&ld);
    loader_free(&ld);
    if (st) {
        newsmine_rules_free(r);
        return st;
    }
    *out = r;
    return NEWSMINE_OK;
}

void newsmine_rules_free(newsmine_rules *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->rule_count; i++) {
        pcre2_code_free(r->rules[i].code);
        pcre2_code_free(r->rules[i].caseless);
    }
    pthread_mutex_destroy(&r->caseless_mu);
    for (size_t i = 0; r->lists && i < r->list_count; i++)
        newsmine_hash_free(&r->lists[i].index);
    newsmine_hash_free(&r->words);
    newsmine_hash_free(&r->gaz_names);
    newsmine_arena_free(&r->compile_arena);
    newsmine_arena_free(&r->compile_arena2);
    newsmine_tokenizer_free(r->tokenizer);
    newsmine_arena_free(&r->arena);
    free(r->dir);
    free(r);
}

/* The rule's caseless code (unless made while loading: check_caseless) and
 * its JIT code. */
static newsmine_status compile_caseless(newsmine_rule *rule)
{
    int code = 0;
    if (!rule->caseless) rule->caseless = compile_without_case(rule, &code);
    if (!rule->caseless)
        return code == PCRE2_ERROR_NOMEMORY ? NEWSMINE_ERR_NOMEM : NEWSMINE_ERR_RULES;
    rule->caseless_jit = pcre2_jit_compile(rule->caseless, PCRE2_JIT_COMPLETE) == 0;
    return NEWSMINE_OK;
}

newsmine_status newsmine_rules_caseless(const newsmine_rules *rules)
{
    /* made once under the lock, then only read: see caseless_state */
    newsmine_rules *r = (newsmine_rules *)rules;
    int state = atomic_load_explicit(&r->caseless_state, memory_order_acquire);
    if (state) return (newsmine_status)(state - 1);
    pthread_mutex_lock(&r->caseless_mu);
    state = atomic_load_explicit(&r->caseless_state, memory_order_relaxed);
    if (!state) {
        newsmine_status st = NEWSMINE_OK;
        for (size_t i = 0; i < r->rule_count && !st; i++)
            if (r->rules[i].text_case != NEWSMINE_RULE_MIXED_CASE)
                st = compile_caseless(&r->rules[i]);
        state = (int)st + 1;
        atomic_store_explicit(&r->caseless_state, state, memory_order_release);
    }
    pthread_mutex_unlock(&r->caseless_mu);
    return (newsmine_status)(state - 1);
}

size_t newsmine_rules_pattern_count(const newsmine_rules *r)
{
    return r ? r->rule_count : 0;
}

size_t newsmine_rules_gazetteer_entries(const newsmine_rules *r)
{
    size_t n = 0;
    for (size_t g = 0; r && g < r->gazetteer_count; g++)
        n += r->gazetteers[g].list->row_count;
    return n;
}
