/* The flat JSON Lines object (jsonl.h). Every rule here is cJSON's (1.7)
 * where cJSON accepts the text, narrowed where agreeing would take more:
 * whatever this reader is unsure of, it leaves to cJSON. */
#include "jsonl.h"

#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct cursor {
    const unsigned char *p, *end;
} cursor;

/* JSON's white space. cJSON skips every byte up to 0x20 (and a BOM at the
 * start): the others send the line to cJSON. */
static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at p, or -1 (cJSON reads a bad digit as a code of 0). */
static long hex4(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* \uXXXX or a surrogate pair at c->p (on the backslash) into out, as cJSON
 * decodes them; false for what cJSON refuses or would cut the string at
 * (U+0000). */
static bool unicode_escape(cursor *c, const unsigned char *close, unsigned char *out,
                           size_t *out_len)
{
    if (close - c->p < 6) return false;
    long first = hex4(c->p + 2);
    if (first <= 0 || (first >= 0xDC00 && first <= 0xDFFF)) return false;
    uint32_t cp = (uint32_t)first;
    size_t used = 6;
    if (first >= 0xD800 && first <= 0xDBFF) {
        const unsigned char *second = c->p + 6;
        if (close - second < 6 || second[0] != '\\' || second[1] != 'u') return false;
        long low = hex4(second + 2);
        if (low < 0xDC00 || low > 0xDFFF) return false;
        cp = 0x10000 + (((uint32_t)first & 0x3FF) << 10 | ((uint32_t)low & 0x3FF));
        used = 12;
    }
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        *out_len = 1;
    } else if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        *out_len = 2;
    } else if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        *out_len = 3;
    } else {
        out[0] = (unsigned char)(0xF0 | cp >> 18);
        out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        *out_len = 4;
    }
    c->p += used;
    return true;
}

/* The closing quote of the string whose body starts at p, as cJSON finds
 * it (a backslash takes the next byte with it), or NULL. */
static const unsigned char *closing_quote(const unsigned char *p, const unsigned char *end)
{
    for (;;) {
        const unsigned char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) return NULL;
        /* the quote is escaped when an odd run of backslashes precedes it */
        const unsigned char *b = q;
        while (b > p && b[-1] == '\\')
            b--;
        if ((q - b) % 2 == 0) return q;
        p = q + 1;
    }
}

/* A string at c->p (on its opening quote) decoded into strings, NUL added;
 * *at and *len say where. */
static newsmine_json_flat read_string(cursor *c, newsmine_buffer *strings, size_t *at, size_t *len)
{
    if (c->p == c->end || *c->p != '"') return NEWSMINE_JSON_FLAT_OTHER;
    const unsigned char *close = closing_quote(c->p + 1, c->end);
    if (!close) return NEWSMINE_JSON_FLAT_OTHER;
    c->p++;
    /* the decoded string is never longer than its text */
    if (newsmine_buffer_reserve(strings, (size_t)(close - c->p) + 1))
        return NEWSMINE_JSON_FLAT_NOMEM;
    *at = strings->len;
    unsigned char *out = (unsigned char *)strings->data + strings->len;
    unsigned char *o = out;
    while (c->p < close) {
        const unsigned char *bs = memchr(c->p, '\\', (size_t)(close - c->p));
        size_t run = (size_t)((bs ? bs : close) - c->p);
        memcpy(o, c->p, run);
        o += run;
        c->p += run;
        if (!bs) break;
        unsigned char e = c->p[1];
        static const char simple_from[] = "bfnrt\"\\/", simple_to[] = "\b\f\n\r\t\"\\/";
        const char *k = e ? strchr(simple_from, e) : NULL;
        if (k) {
            *o++ = (unsigned char)simple_to[k - simple_from];
            c->p += 2;
        } else if (e == 'u') {
            size_t n;
            if (!unicode_escape(c, close, o, &n)) return NEWSMINE_JSON_FLAT_OTHER;
            o += n;
        } else {
            return NEWSMINE_JSON_FLAT_OTHER;
        }
    }
    c->p = close + 1;
    *len = (size_t)(o - out);
    *o = '\0';
    strings->len += *len + 1;
    return NEWSMINE_JSON_FLAT_OK;
}

static bool take_literal(cursor *c, const char *word, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return false;
    c->p += n;
    return true;
}

static newsmine_json_flat read_value(cursor *c, newsmine_buffer *strings, newsmine_json_member *m)
{
    m->value = m->value_len = 0;
    if (c->p == c->end) return NEWSMINE_JSON_FLAT_OTHER;
    switch (*c->p) {
    case '"':
        m->kind = NEWSMINE_JSON_STRING;
        return read_string(c, strings, &m->value, &m->value_len);
    case 'n':
        m->kind = NEWSMINE_JSON_NULL;
        return take_literal(c, "null", 4) ? NEWSMINE_JSON_FLAT_OK : NEWSMINE_JSON_FLAT_OTHER;
    case 't':
        m->kind = NEWSMINE_JSON_TRUE;
        return take_literal(c, "true", 4) ? NEWSMINE_JSON_FLAT_OK : NEWSMINE_JSON_FLAT_OTHER;
    case 'f':
        m->kind = NEWSMINE_JSON_FALSE;
        return take_literal(c, "false", 5) ? NEWSMINE_JSON_FLAT_OK : NEWSMINE_JSON_FLAT_OTHER;
    default:
        return NEWSMINE_JSON_FLAT_OTHER; /* numbers, arrays, objects */
    }
}

/* A key seen before: cJSON keeps both members, which this reader leaves to
 * it. Objects are small: a plain scan. */
static bool repeated_key(const newsmine_buffer *strings, const newsmine_json_member *members,
                         size_t count)
{
    const newsmine_json_member *last = &members[count];
    for (size_t i = 0; i < count; i++)
        if (members[i].key_len == last->key_len &&
            memcmp(strings->data + members[i].key, strings->data + last->key, last->key_len) == 0)
            return true;
    return false;
}

newsmine_json_flat newsmine_json_read_flat(const char *s, size_t n, newsmine_buffer *strings,
                                           newsmine_json_member *members, size_t *count)
{
    cursor c = {(const unsigned char *)s, (const unsigned char *)s + n};
    strings->len = 0;
    *count = 0;
    skip_space(&c);
    if (c.p == c.end || *c.p != '{') return NEWSMINE_JSON_FLAT_OTHER;
    c.p++;
    skip_space(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            if (*count == NEWSMINE_JSON_FLAT_MAX) return NEWSMINE_JSON_FLAT_OTHER;
            newsmine_json_member *m = &members[*count];
            newsmine_json_flat r = read_string(&c, strings, &m->key, &m->key_len);
            if (r != NEWSMINE_JSON_FLAT_OK) return r;
            skip_space(&c);
            if (c.p == c.end || *c.p != ':') return NEWSMINE_JSON_FLAT_OTHER;
            c.p++;
            skip_space(&c);
            if ((r = read_value(&c, strings, m)) != NEWSMINE_JSON_FLAT_OK) return r;
            if (repeated_key(strings, members, *count)) return NEWSMINE_JSON_FLAT_OTHER;
            ++*count;
            skip_space(&c);
            if (c.p == c.end) return NEWSMINE_JSON_FLAT_OTHER;
            if (*c.p == '}') {
                c.p++;
                break;
            }
            if (*c.p != ',') return NEWSMINE_JSON_FLAT_OTHER;
            c.p++;
            skip_space(&c);
        }
    }
    skip_space(&c); /* the reader allows JSON's white space after the object */
    return c.p == c.end ? NEWSMINE_JSON_FLAT_OK : NEWSMINE_JSON_FLAT_OTHER;
}

newsmine_status newsmine_json_put_string(newsmine_buffer *out, const char *s, size_t n)
{
    if (newsmine_buffer_reserve(out, 6 * n + 2)) return NEWSMINE_ERR_NOMEM;
    char *o = out->data + out->len;
    *o++ = '"';
    o = newsmine_json_escape_into(o, s, n, true);
    *o++ = '"';
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return NEWSMINE_OK;
}
