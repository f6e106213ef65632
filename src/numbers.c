#include "numbers.h"

#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct number_word {
    const char *word;
    double value;
} number_word;

static const number_word small_numbers[] = {
    {"zero", 0},       {"one", 1},        {"two", 2},         {"three", 3},      {"four", 4},
    {"five", 5},       {"six", 6},        {"seven", 7},       {"eight", 8},      {"nine", 9},
    {"ten", 10},       {"eleven", 11},    {"twelve", 12},     {"thirteen", 13},  {"fourteen", 14},
    {"fifteen", 15},   {"sixteen", 16},   {"seventeen", 17},  {"eighteen", 18},  {"nineteen", 19},
    {"twenty", 20},    {"thirty", 30},    {"forty", 40},      {"fifty", 50},     {"sixty", 60},
    {"seventy", 70},   {"eighty", 80},    {"ninety", 90},     {"a", 1},          {"an", 1},
    {"single", 1},     {"dozen", 12},     {"couple", 2},      {"pair", 2},
};

/* Vague words alone: the lower bound the annotation guide gives. */
static const number_word vague_words[] = {
    {"dozens", 24},  {"hundreds", 200}, {"thousands", 2000}, {"millions", 2000000},
    {"several", 3},  {"few", 2},        {"scores", 40},      {"tens", 20},
    {"numerous", 3}, {"many", 3},       {"multiple", 2},     {"billions", 2000000000},
    {"couple", 2},
};

static const number_word scale_words[] = {
    {"hundred", 100},         {"thousand", 1000},       {"million", 1e6}, {"mln", 1e6},
    {"m", 1e6},               {"billion", 1e9},         {"bln", 1e9},     {"bn", 1e9},
    {"trillion", 1e12},       {"k", 1000},
};

static double lookup(const number_word *table, size_t n, const char *w, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(table[i].word) == len && strncmp(table[i].word, w, len) == 0)
            return table[i].value;
    return -1;
}

#define LOOKUP(table, w, n) lookup(table, sizeof table / sizeof *table, w, n)

double newsmine_scale_word(const char *s, size_t n)
{
    char w[16];
    if (n == 0 || n >= sizeof w) return 0;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)tolower((unsigned char)s[i]);
    double v = LOOKUP(scale_words, w, n);
    return v > 0 && v != 100 ? v : 0;
}

/* Digits with an optional decimal point and thousands separators: a comma
 * must follow one to three digits and be followed by exactly three ("2,000",
 * "1,234.5"; not "12,34" or "1,0000"), and none may come after the point. */
static bool parse_digits(const char *s, size_t n, double *value)
{
    char buf[64];
    size_t k = 0, run = 0;
    bool comma = false, dot = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',') {
            if (dot || run == 0 || run > 3 || (comma && run != 3)) return false;
            comma = true;
            run = 0;
            continue;
        }
        if (k + 1 >= sizeof buf || !(isdigit((unsigned char)s[i]) || s[i] == '.')) return false;
        if (s[i] == '.') {
            if (comma && run != 3) return false;
            dot = true;
        } else if (!dot) {
            run++;
        }
        buf[k++] = s[i];
    }
    if (!k || (comma && !dot && run != 3)) return false;
    buf[k] = '\0';
    char *end;
    *value = strtod(buf, &end);
    return *end == '\0';
}

/* Splits on spaces and hyphens into lower-case words; 0 when there are
 * more than max words or a word is too long. */
static size_t split_words(const char *s, size_t n, char words[][24], size_t max)
{
    size_t count = 0, len = 0;
    for (size_t i = 0; i <= n; i++) {
        bool sep = i == n || s[i] == ' ' || s[i] == '-' || s[i] == '\n' || s[i] == '\t';
        if (sep) {
            if (len) {
                words[count][len] = '\0';
                count++;
                len = 0;
            }
            continue;
        }
        if (count == max || len + 1 >= 24) return 0;
        words[count][len++] = (char)tolower((unsigned char)s[i]);
    }
    return count;
}

static double vague_value(const char *w)
{
    return LOOKUP(vague_words, w, strlen(w));
}

static double big_scale(const char *w)
{
    double v = LOOKUP(scale_words, w, strlen(w));
    if (v < 0) {
        /* plural scale words after "tens of", "hundreds of" */
        size_t n = strlen(w);
        if (n > 1 && w[n - 1] == 's') v = lookup(scale_words, sizeof scale_words / sizeof *scale_words, w, n - 1);
    }
    return v;
}

/* "tens of thousands", "hundreds of millions": a vague count of a scale. */
static bool parse_vague_of_scale(char words[][24], size_t count, double *value)
{
    if (count != 3 || strcmp(words[1], "of") != 0) return false;
    double v = vague_value(words[0]), scale = big_scale(words[2]);
    if (v <= 0 || scale < 1000) return false;
    *value = v * scale;
    return true;
}

/* Number words: "one hundred thirty-nine", "two dozen", "1.5 million".
 * Within a group below a thousand a word may follow only what can precede
 * it in English ("twenty one", not "one twenty" or "one two"), and scale
 * words go down ("one million two thousand"). */
static bool parse_word_number(char words[][24], size_t count, double *value)
{
    double total = 0, group = 0, last_scale = 0;
    bool any = false, in_group = false, hundred = false, tens = false, unit = false;
    for (size_t i = 0; i < count; i++) {
        const char *w = words[i];
        size_t n = strlen(w);
        bool article = (w[0] == 'a' && n <= 2);
        double v, d;
        if (strcmp(w, "and") == 0) {
            if (!any || i + 1 == count) return false;
            continue;
        }
        if (article && !any && i + 1 < count && strcmp(words[i + 1], "pair") == 0)
            continue; /* "a pair": the article is not a one */
        if (strcmp(w, "dozen") == 0 || strcmp(w, "hundred") == 0) {
            bool is_dozen = w[0] == 'd';
            if (hundred || (any && !in_group) || (!is_dozen && group >= 100)) return false;
            group = (in_group ? group : 1) * (is_dozen ? 12 : 100);
            hundred = true;
            tens = unit = is_dozen; /* nothing follows a dozen in its group */
        } else if ((v = LOOKUP(scale_words, w, n)) >= 1000) {
            if ((any && !in_group) || (last_scale && v >= last_scale)) return false;
            total += (in_group ? group : 1) * v;
            last_scale = v;
            group = 0;
            in_group = hundred = tens = unit = false;
            any = true;
            continue;
        } else if ((v = LOOKUP(small_numbers, w, n)) >= 0) {
            if (article && any) return false;
            if (v >= 10 ? (tens || unit) : unit) return false;
            group += v;
            if (v >= 20) tens = true;
            else unit = tens = true;
        } else if (parse_digits(w, n, &d)) {
            if (group != 0 || hundred || tens || unit) return false;
            group = d;
            tens = unit = true; /* "2 million", "2 dozen", never "2 5" */
        } else {
            return false;
        }
        any = in_group = true;
    }
    *value = total + group;
    return any;
}

bool newsmine_parse_number(const char *s, size_t n, double *value, bool *approx)
{
    *approx = false;
    if (n && (s[0] == '-' || s[n - 1] == '-')) return false;
    if (parse_digits(s, n, value)) return true;
    char words[12][24];
    size_t count = split_words(s, n, words, 12);
    if (!count) return false;
    size_t first = (strcmp(words[0], "a") == 0 || strcmp(words[0], "an") == 0) && count > 1;
    double v = vague_value(words[first]);
    if (v > 0) {
        *approx = true;
        if (first + 1 == count) return (*value = v), true;
        if (parse_vague_of_scale(words + first, count - first, value)) return true;
        double scale = strcmp(words[first + 1], "dozen") == 0 ? 12 : big_scale(words[first + 1]);
        if (first + 2 == count && scale >= 12) return (*value = v * scale), true;
        return false;
    }
    if (count == 2 && first && strcmp(words[1], "dozen") == 0) {
        *approx = true;
        return (*value = 12), true;
    }
    return parse_word_number(words, count, value);
}

size_t newsmine_format_number(double v, char *out)
{
    if (v == floor(v) && fabs(v) < 1e15) { /* whole numbers (nearly all): digits by hand */
        size_t o = 0;
        if (signbit(v)) out[o++] = '-'; /* as "%.0f" writes -0 */
        o += newsmine_format_uint((uint64_t)fabs(v), out + o);
        out[o] = '\0';
        return o;
    }
    int n = snprintf(out, 32, "%.15g", v);
    return n < 0 ? 0 : (size_t)n;
}
