#include "normalizers.h"

#include "numbers.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- the pairs */

/* Keys and group names are short and most differ in their first letter:
 * norms compare them often enough for the call to strcmp to show. */
static bool same_name(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

const char *newsmine_norm_get(const newsmine_norm *norm, const char *key)
{
    for (size_t i = 0; i < norm->count; i++)
        if (same_name(norm->pairs[i].key, key)) return norm->pairs[i].json;
    return NULL;
}

newsmine_status newsmine_norm_set(newsmine_norm *norm, const char *key, const char *json)
{
    for (size_t i = 0; i < norm->count; i++)
        if (same_name(norm->pairs[i].key, key)) {
            norm->pairs[i].json = json;
            return NEWSMINE_OK;
        }
    if (norm->count == NEWSMINE_NORM_MAX_KEYS) return NEWSMINE_ERR_LIMIT;
    norm->pairs[norm->count++] = (newsmine_kv){key, json};
    return NEWSMINE_OK;
}

void newsmine_norm_remove(newsmine_norm *norm, const char *key)
{
    for (size_t i = 0; i < norm->count; i++)
        if (same_name(norm->pairs[i].key, key)) {
            memmove(&norm->pairs[i], &norm->pairs[i + 1],
                    (norm->count - i - 1) * sizeof norm->pairs[0]);
            norm->count--;
            return;
        }
}

static const char *json_quote(newsmine_arena *arena, const char *s, size_t n, bool lower)
{
    char *out = newsmine_arena_alloc(arena, n * 6 + 3);
    if (!out) return NULL;
    size_t o = 0;
    out[o++] = '"';
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            space = o > 1;
            continue;
        }
        if (space) out[o++] = ' ';
        space = false;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
        } else {
            out[o++] = lower ? (char)tolower(c) : (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

static const char *json_number(newsmine_arena *arena, double v)
{
    char buf[32];
    size_t n = newsmine_format_number(v, buf);
    return newsmine_arena_strndup(arena, buf, n);
}

/* ------------------------------------------------------------ the groups */

typedef struct span {
    const char *s;
    size_t n;
} span;

typedef struct build_ctx {
    const newsmine_rule *rule;
    const newsmine_candidate *c;
    const char *text;
    const char *doc_date;
    newsmine_arena *arena;
    newsmine_norm *norm;
    span lookup_hit[8]; /* what each lookup matched: the whole capture or its tail */
} build_ctx;

static span group_by_number(const build_ctx *b, uint32_t number)
{
    PCRE2_SIZE s = b->c->groups[2 * number], e = b->c->groups[2 * number + 1];
    if (s == PCRE2_UNSET || e < s) return (span){NULL, 0};
    return (span){b->text + s, e - s};
}

/* The first set group with this name (names may repeat across alternatives). */
static span group(const build_ctx *b, const char *name)
{
    if (!b->rule) return (span){NULL, 0};
    for (size_t i = 0; i < b->rule->group_count; i++)
        if (same_name(b->rule->groups[i].name, name)) {
            span sp = group_by_number(b, b->rule->groups[i].number);
            if (sp.s) return sp;
        }
    return (span){NULL, 0};
}

static bool wanted_column(const char **columns, const char *key)
{
    if (!columns) return true;
    for (size_t i = 0; columns[i]; i++)
        if (same_name(columns[i], key)) return true;
    return false;
}

static newsmine_status merge_row(newsmine_norm *norm, const newsmine_list *list, uint32_t row,
                                 const char **columns, newsmine_arena *arena)
{
    for (size_t k = 1; k < list->column_count; k++) {
        const char *key = list->columns[k];
        if (key[0] == '_' || same_name(key, "ambiguous") || !wanted_column(columns, key)) continue;
        newsmine_status st;
        const char *json = newsmine_list_cell_json(list, row, k, arena, &st);
        if (json) st = newsmine_norm_set(norm, key, json);
        if (st) return st;
    }
    return NEWSMINE_OK;
}

/* Looks the capture up whole, then without its leading words. */
static newsmine_status apply_lookup(build_ctx *b, size_t index)
{
    const newsmine_lookup *lk = &b->rule->lookups[index];
    span sp = group_by_number(b, lk->group);
    for (size_t i = 0; sp.s && i < sp.n;) {
        uint32_t row = newsmine_list_find(lk->list, sp.s + i, sp.n - i);
        if (row != UINT32_MAX) {
            if (index < 8) b->lookup_hit[index] = (span){sp.s + i, sp.n - i};
            return merge_row(b->norm, lk->list, row, lk->columns, b->arena);
        }
        while (i < sp.n && sp.s[i] != ' ' && sp.s[i] != '-' && sp.s[i] != '\n')
            i++;
        while (i < sp.n && (sp.s[i] == ' ' || sp.s[i] == '-' || sp.s[i] == '\n'))
            i++;
    }
    return NEWSMINE_OK;
}

/* Named groups the type normalisers read rather than copy. */
static bool reserved_group(newsmine_type type, const char *name)
{
    static const char *const reserved[NEWSMINE_TYPE_COUNT][20] = {
        [NEWSMINE_PLACE] = {0},
        [NEWSMINE_COUNT] = {"num", "num2", "approx", "noun", "casualty", 0},
        [NEWSMINE_RANK] = {"title", 0},
        [NEWSMINE_UNIT] = {"ordinal", "nat", "head", 0},
        [NEWSMINE_DATE] = {"day", "month", "year", "day2", "month2", "year2", "decade", "since",
                           "until", "century", "rday", "rdir", "runit", "rthis", "weekday", "ago",
                           "agounit", "yy", 0},
        [NEWSMINE_QUANTITY] = {"num", "scale", "unit", "cur", "approx", 0},
        [NEWSMINE_PERSON] = {0},
        [NEWSMINE_ORG] = {0},
    };
    if (name[0] == '_') return true;
    for (size_t i = 0; reserved[type][i]; i++)
        if (same_name(reserved[type][i], name)) return true;
    return false;
}

static newsmine_status copy_named_groups(build_ctx *b)
{
    for (size_t i = 0; i < b->rule->group_count; i++) {
        const char *name = b->rule->groups[i].name;
        if (reserved_group(b->rule->type, name) || newsmine_norm_get(b->norm, name)) continue;
        span sp = group_by_number(b, b->rule->groups[i].number);
        if (!sp.s) continue;
        const char *json = json_quote(b->arena, sp.s, sp.n, false);
        if (!json) return NEWSMINE_ERR_NOMEM;
        newsmine_status st = newsmine_norm_set(b->norm, name, json);
        if (st) return st;
    }
    return NEWSMINE_OK;
}

/* --------------------------------------------------------- type by type */

static newsmine_status set_number(build_ctx *b, const char *key, double v)
{
    const char *json = json_number(b->arena, v);
    return json ? newsmine_norm_set(b->norm, key, json) : NEWSMINE_ERR_NOMEM;
}

static newsmine_status set_text(build_ctx *b, const char *key, span sp, bool lower)
{
    const char *json = json_quote(b->arena, sp.s, sp.n, lower);
    return json ? newsmine_norm_set(b->norm, key, json) : NEWSMINE_ERR_NOMEM;
}

/* The lookup hit of the first lookup on the named group, if any. */
static span lookup_hit_for(const build_ctx *b, const char *name)
{
    for (size_t i = 0; i < b->rule->lookup_count && i < 8; i++) {
        span sp = group_by_number(b, b->rule->lookups[i].group);
        span g = group(b, name);
        if (b->lookup_hit[i].s && sp.s == g.s) return b->lookup_hit[i];
    }
    return (span){NULL, 0};
}

static span last_word(span sp)
{
    size_t i = sp.n;
    while (i > 0 && sp.s[i - 1] != ' ' && sp.s[i - 1] != '\n')
        i--;
    return (span){sp.s + i, sp.n - i};
}

static newsmine_status normalize_count(build_ctx *b)
{
    span num = group(b, "num"), num2 = group(b, "num2"), noun = group(b, "noun");
    double v, v2;
    bool approx = false, approx2;
    newsmine_status st = NEWSMINE_OK;
    if (num.s && newsmine_parse_number(num.s, num.n, &v, &approx)) {
        st = set_number(b, "value", v);
        if (!st && num2.s && newsmine_parse_number(num2.s, num2.n, &v2, &approx2)) {
            st = set_number(b, "min", v);
            if (!st) st = set_number(b, "max", v2);
        }
    }
    if (!st && (approx || group(b, "approx").s)) st = newsmine_norm_set(b->norm, "approx", "true");
    if (!st && noun.s) {
        span head = lookup_hit_for(b, "noun");
        st = set_text(b, "noun", head.s ? head : last_word(noun), true);
    }
    /* the sentence says they were killed or wounded: people, whatever the
     * noun's own category, but never equipment */
    const char *category = newsmine_norm_get(b->norm, "category");
    if (!st && group(b, "casualty").s && !(category && strcmp(category, "\"equipment\"") == 0))
        st = newsmine_norm_set(b->norm, "category", "\"casualties\"");
    return st;
}

static newsmine_status normalize_quantity(build_ctx *b)
{
    span num = group(b, "num"), scale = group(b, "scale");
    double v;
    bool approx;
    newsmine_status st = NEWSMINE_OK;
    if (num.s && newsmine_parse_number(num.s, num.n, &v, &approx)) {
        double k = scale.s ? newsmine_scale_word(scale.s, scale.n) : 0;
        if (k > 0) v *= k;
        st = set_number(b, "value", v);
        if (!st && (approx || group(b, "approx").s))
            st = newsmine_norm_set(b->norm, "approx", "true");
    }
    return st;
}

static int month_number(span sp)
{
    static const char *const months[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};
    if (sp.n < 3) return 0;
    char m[4] = {(char)tolower((unsigned char)sp.s[0]), (char)tolower((unsigned char)sp.s[1]),
                 (char)tolower((unsigned char)sp.s[2]), 0};
    for (int i = 0; i < 12; i++)
        if (strcmp(m, months[i]) == 0) return i + 1;
    return 0;
}

static int small_int(span sp)
{
    int v = 0;
    for (size_t i = 0; i < sp.n && i < 6; i++) {
        if (!isdigit((unsigned char)sp.s[i])) break;
        v = v * 10 + (sp.s[i] - '0');
    }
    return v;
}

/* ISO 8601 for what the text fixes: 2024-03-15, --03-15, 2024-03, --03, 2024. */
static const char *iso_date(newsmine_arena *arena, int year, int month, int day)
{
    char buf[16];
    if (year && month && day) snprintf(buf, sizeof buf, "\"%04d-%02d-%02d\"", year, month, day);
    else if (month && day) snprintf(buf, sizeof buf, "\"--%02d-%02d\"", month, day);
    else if (year && month) snprintf(buf, sizeof buf, "\"%04d-%02d\"", year, month);
    else if (month) snprintf(buf, sizeof buf, "\"--%02d\"", month);
    else if (year) snprintf(buf, sizeof buf, "\"%04d\"", year);
    else return NULL;
    return newsmine_arena_strndup(arena, buf, strlen(buf));
}

/* -------------------------------------------------------- relative dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The document date "YYYY-MM-DD..." as days, or false. */
static bool parse_doc_date(const char *s, long *days)
{
    int y, m, d;
    char tail;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) < 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

static const char *day_json(newsmine_arena *arena, long days)
{
    long y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return iso_date(arena, (int)y, m, d);
}

/* ISO 8601 week of a day: 2024-W11. */
static const char *week_json(newsmine_arena *arena, long days)
{
    long weekday = ((days % 7) + 7 + 3) % 7; /* Monday = 0; 1970-01-01 was a Thursday */
    long thursday = days - weekday + 3;
    long y;
    int m, d;
    civil_from_days(thursday, &y, &m, &d);
    long week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
    char buf[48];
    snprintf(buf, sizeof buf, "\"%04ld-W%02ld\"", y, week);
    return newsmine_arena_strndup(arena, buf, strlen(buf));
}

static int weekday_index(span sp)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7 && sp.n >= 3; i++)
        if (strncasecmp(sp.s, names[i], 3) == 0) return i;
    return -1;
}

static bool starts_with_ci(span sp, const char *word)
{
    size_t n = strlen(word);
    return sp.n >= n && strncasecmp(sp.s, word, n) == 0;
}

/* Moves days by n units of week, month or year. */
static const char *shifted_unit(newsmine_arena *arena, long days, span unit, long n)
{
    long y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (starts_with_ci(unit, "day")) return day_json(arena, days + n);
    if (starts_with_ci(unit, "week")) return week_json(arena, days + 7 * n);
    if (starts_with_ci(unit, "month")) {
        long months = y * 12 + (m - 1) + n;
        return iso_date(arena, (int)(months / 12), (int)(months % 12) + 1, 0);
    }
    if (starts_with_ci(unit, "year")) return iso_date(arena, (int)(y + n), 0, 0);
    if (starts_with_ci(unit, "decade")) return iso_date(arena, (int)(y + 10 * n), 0, 0);
    return NULL;
}

/* yesterday, last Tuesday, next week, this year, two weeks ago: resolved
 * against the document's own date. */
static const char *relative_date(build_ctx *b)
{
    long today;
    if (!parse_doc_date(b->doc_date, &today)) return NULL;
    span rday = group(b, "rday"), weekday = group(b, "weekday"), dir = group(b, "rdir");
    span unit = group(b, "runit"), ago = group(b, "ago"), agounit = group(b, "agounit");
    long step = starts_with_ci(dir, "last") ? -1 : starts_with_ci(dir, "next") ? 1 : 0;
    if (rday.s) {
        long shift = starts_with_ci(rday, "yesterday") ? -1 : starts_with_ci(rday, "tomorrow") ? 1 : 0;
        return day_json(b->arena, today + shift);
    }
    if (weekday.s) {
        int want = weekday_index(weekday);
        if (want < 0) return NULL;
        long current = ((today % 7) + 7 + 3) % 7;
        long back = (current - want + 7) % 7; /* the last such day, today included */
        long days = today - back;
        if (step < 0 && back == 0) days -= 7;
        if (step > 0) days = today + ((want - current + 7) % 7 ? (want - current + 7) % 7 : 7);
        return day_json(b->arena, days);
    }
    if (unit.s) return shifted_unit(b->arena, today, unit, step);
    if (ago.s && agounit.s) {
        double v;
        bool approx;
        if (!newsmine_parse_number(ago.s, ago.n, &v, &approx) || approx || v > 100000) return NULL;
        return shifted_unit(b->arena, today, agounit, -(long)v);
    }
    return NULL;
}

/* The year of group year, or of group yy: two digits, as datelines write
 * them ("11 DEC 89"), 50-99 in the 1900s, 00-49 in the 2000s. */
static int year_number(build_ctx *b)
{
    span yy = group(b, "yy");
    if (yy.n != 2) return small_int(group(b, "year"));
    int y = small_int(yy);
    return y + (y >= 50 ? 1900 : 2000);
}

static newsmine_status normalize_date(build_ctx *b)
{
    int y1 = year_number(b), m1 = month_number(group(b, "month"));
    int d1 = small_int(group(b, "day"));
    int y2 = small_int(group(b, "year2")), m2 = month_number(group(b, "month2"));
    int d2 = small_int(group(b, "day2"));
    span decade = group(b, "decade"), century = group(b, "century");
    newsmine_status st = NEWSMINE_OK;
    if (century.s && small_int(century) > 0) { /* the 14th century: 13xx */
        char buf[24];
        snprintf(buf, sizeof buf, "\"%02d\"", small_int(century) - 1);
        const char *json = newsmine_arena_strndup(b->arena, buf, strlen(buf));
        return json ? newsmine_norm_set(b->norm, "value", json) : NEWSMINE_ERR_NOMEM;
    }
    if (decade.s && decade.n >= 3) {
        const char *json = json_quote(b->arena, decade.s, decade.n - 1, false);
        return json ? newsmine_norm_set(b->norm, "value", json) : NEWSMINE_ERR_NOMEM;
    }
    bool range = y2 || m2 || d2;
    if (d2 && !m2) { /* October 25-26, 2016: the second day shares the rest */
        m2 = m1;
        if (!y2) y2 = y1;
    }
    if (range) {
        if (!y1 && y2 && m1) y1 = 0; /* "from April to September 2016": leave the start open */
        const char *from = iso_date(b->arena, y1, m1, d1), *to = iso_date(b->arena, y2, m2, d2);
        if (from) st = newsmine_norm_set(b->norm, "from", from);
        if (!st && to) st = newsmine_norm_set(b->norm, "to", to);
        return st;
    }
    const char *value = iso_date(b->arena, y1, m1, d1);
    if (!value && b->doc_date) value = relative_date(b);
    if (value) st = newsmine_norm_set(b->norm, "value", value);
    if (!st && value && group(b, "since").s) st = newsmine_norm_set(b->norm, "from", value);
    if (!st && value && group(b, "until").s) st = newsmine_norm_set(b->norm, "to", value);
    return st;
}

static int ordinal_word(span sp)
{
    static const char *const words[] = {"first",   "second", "third", "fourth", "fifth",
                                        "sixth",   "seventh", "eighth", "ninth", "tenth",
                                        "eleventh", "twelfth"};
    for (int i = 0; i < 12; i++)
        if (strlen(words[i]) == sp.n && strncasecmp(words[i], sp.s, sp.n) == 0) return i + 1;
    return 0;
}

static newsmine_status normalize_unit(build_ctx *b)
{
    span ordinal = group(b, "ordinal");
    double v;
    bool approx;
    if (!ordinal.s) return NEWSMINE_OK;
    size_t n = ordinal.n;
    while (n && isalpha((unsigned char)ordinal.s[n - 1]) && isdigit((unsigned char)ordinal.s[0]))
        n--;
    if (newsmine_parse_number(ordinal.s, n, &v, &approx)) return set_number(b, "number", v);
    int word = ordinal_word(ordinal);
    return word ? set_number(b, "number", word) : NEWSMINE_OK;
}

static newsmine_status normalize_type(build_ctx *b)
{
    switch (b->rule->type) {
    case NEWSMINE_COUNT: return normalize_count(b);
    case NEWSMINE_QUANTITY: return normalize_quantity(b);
    case NEWSMINE_DATE: return normalize_date(b);
    case NEWSMINE_UNIT: return normalize_unit(b);
    default: return NEWSMINE_OK;
    }
}

newsmine_status newsmine_norm_build(const newsmine_rules *rules, const newsmine_candidate *c,
                                    const char *text, const char *doc_date,
                                    newsmine_arena *arena, newsmine_norm *out)
{
    out->count = 0;
    if (c->from_gazetteer) {
        const newsmine_gazetteer *g = &rules->gazetteers[c->source];
        return merge_row(out, g->list, c->row, NULL, arena);
    }
    build_ctx b = {&rules->rules[c->source], c, text, doc_date, arena, out, {{0}}};
    newsmine_status st = NEWSMINE_OK;
    for (size_t i = 0; !st && i < b.rule->set_count; i++)
        st = newsmine_norm_set(out, b.rule->sets[i].key, b.rule->sets[i].json);
    for (size_t i = 0; !st && i < b.rule->lookup_count; i++)
        st = apply_lookup(&b, i);
    if (!st) st = copy_named_groups(&b);
    if (!st) st = normalize_type(&b);
    if (st == NEWSMINE_OK) newsmine_norm_remove(out, "ambiguous");
    return st;
}

/* ------------------------------------------------------------- rendering */

static const char *const key_order[NEWSMINE_TYPE_COUNT][8] = {
    [NEWSMINE_PLACE] = {"kind", "country", "lat", "lon", 0},
    [NEWSMINE_COUNT] = {"value", "min", "max", "approx", "noun", "category", 0},
    [NEWSMINE_RANK] = {"rank", "code", "name", 0},
    [NEWSMINE_UNIT] = {"name", "abbr", "echelon", "number", "country", 0},
    [NEWSMINE_DATE] = {"value", "from", "to", 0},
    [NEWSMINE_QUANTITY] = {"value", "unit", "approx", 0},
    [NEWSMINE_PERSON] = {"name", 0},
    [NEWSMINE_ORG] = {"name", "abbr", 0},
};

static int key_rank(newsmine_type type, const char *key)
{
    for (int i = 0; key_order[type][i]; i++)
        if (same_name(key_order[type][i], key)) return i;
    return 100;
}

newsmine_status newsmine_norm_render(const newsmine_norm *norm, newsmine_type type,
                                     newsmine_arena *arena, const char **json, size_t *len)
{
    size_t order[NEWSMINE_NORM_MAX_KEYS], n = norm->count, need = 3;
    int rank[NEWSMINE_NORM_MAX_KEYS];
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        rank[i] = key_rank(type, norm->pairs[i].key);
        need += strlen(norm->pairs[i].key) + strlen(norm->pairs[i].json) + 4;
    }
    /* insertion sort by the schema's order, stable for the rest */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && rank[order[j]] < rank[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    char *out = newsmine_arena_alloc(arena, need);
    if (!out) return NEWSMINE_ERR_NOMEM;
    size_t o = 0;
    out[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        const newsmine_kv *kv = &norm->pairs[order[i]];
        if (kv->key[0] == '_') continue; /* a rule's private marker */
        size_t kn = strlen(kv->key), jn = strlen(kv->json);
        if (out[o - 1] != '{') out[o++] = ',';
        out[o++] = '"';
        memcpy(out + o, kv->key, kn);
        o += kn;
        out[o++] = '"';
        out[o++] = ':';
        memcpy(out + o, kv->json, jn);
        o += jn;
    }
    out[o++] = '}';
    out[o] = '\0';
    *json = out;
    *len = o;
    return NEWSMINE_OK;
}
