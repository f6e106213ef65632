#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

newsmine_status newsmine_buffer_reserve(newsmine_buffer *buf, size_t extra)
{
    if (extra > SIZE_MAX - buf->len - 1) return NEWSMINE_ERR_NOMEM;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap) return NEWSMINE_OK;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(buf->data, cap);
    if (!p) return NEWSMINE_ERR_NOMEM;
    buf->data = p;
    buf->cap = cap;
    return NEWSMINE_OK;
}

newsmine_status newsmine_buffer_append(newsmine_buffer *buf, const void *data, size_t n)
{
    if (newsmine_buffer_reserve(buf, n) != NEWSMINE_OK) return NEWSMINE_ERR_NOMEM;
    if (n) memcpy(buf->data + buf->len, data, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return NEWSMINE_OK;
}

size_t newsmine_format_uint(uint64_t v, char *out)
{
    char digits[20];
    size_t n = 0, o = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out[o++] = digits[--n];
    return o;
}

newsmine_status newsmine_buffer_append_uint(newsmine_buffer *buf, uint64_t v)
{
    char digits[20];
    return newsmine_buffer_append(buf, digits, newsmine_format_uint(v, digits));
}

newsmine_status newsmine_buffer_putc(newsmine_buffer *buf, char c)
{
    if (buf->len + 1 >= buf->cap && newsmine_buffer_reserve(buf, 1) != NEWSMINE_OK)
        return NEWSMINE_ERR_NOMEM;
    buf->data[buf->len++] = c;
    buf->data[buf->len] = '\0';
    return NEWSMINE_OK;
}

newsmine_status newsmine_buffer_printf(newsmine_buffer *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || newsmine_buffer_reserve(buf, (size_t)n) != NEWSMINE_OK)
        return NEWSMINE_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return NEWSMINE_OK;
}

void newsmine_buffer_consume(newsmine_buffer *buf, size_t n)
{
    if (n >= buf->len) {
        buf->len = 0;
    } else {
        memmove(buf->data, buf->data + n, buf->len - n);
        buf->len -= n;
    }
    if (buf->data) buf->data[buf->len] = '\0';
}

void newsmine_buffer_free(newsmine_buffer *buf)
{
    if (!buf) return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

newsmine_status newsmine_error_set(newsmine_error *err, newsmine_status status, const char *file,
                                   unsigned long line, unsigned long col, const char *fmt, ...)
{
    if (!err) return status;
    err->status = status;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

size_t newsmine_error_format(const newsmine_error *err, char *buf, size_t size)
{
    const char *msg = err->message[0] ? err->message : newsmine_status_string(err->status);
    int n;
    if (err->file[0] && err->line && err->col)
        n = snprintf(buf, size, "%s:%lu:%lu: %s", err->file, err->line, err->col, msg);
    else if (err->file[0] && err->line)
        n = snprintf(buf, size, "%s:%lu: %s", err->file, err->line, msg);
    else if (err->file[0])
        n = snprintf(buf, size, "%s: %s", err->file, msg);
    else
        n = snprintf(buf, size, "%s", msg);
    return n < 0 ? 0 : (size_t)n;
}

const char *newsmine_status_string(newsmine_status status)
{
    switch (status) {
    case NEWSMINE_OK: return "success";
    case NEWSMINE_ERR_NOMEM: return "out of memory";
    case NEWSMINE_ERR_ARG: return "invalid argument";
    case NEWSMINE_ERR_IO: return "input/output error";
    case NEWSMINE_ERR_RULES: return "error in rule file";
    case NEWSMINE_ERR_ENCODING: return "unknown encoding";
    case NEWSMINE_ERR_INPUT: return "bad input document";
    case NEWSMINE_ERR_LIMIT: return "limit reached";
    case NEWSMINE_ERR_STOP: return "stopped by callback";
    }
    return "unknown status";
}

size_t newsmine_utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80 || n < 2) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((int32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0 || n < 4) {
        if (n < 3) {
            *cp = c;
            return 1;
        }
        *cp = ((int32_t)(c & 0x0F) << 12) | ((int32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((int32_t)(c & 0x07) << 18) | ((int32_t)(s[1] & 0x3F) << 12) |
          ((int32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

size_t newsmine_utf8_encode(int32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t newsmine_utf8_count(const char *s, size_t n)
{
    /* eight bytes at a time: a continuation byte is 10xxxxxx, so its top bit
     * is set and the bit below it, shifted up into the top bit, is not */
    const uint64_t tops = 0x8080808080808080u;
    size_t continuations = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (!(w & tops)) continue;
        /* one bit per byte at most: the multiply sums them in the top byte */
        continuations += (size_t)((((w & ~(w << 1) & tops) >> 7) * 0x0101010101010101u) >> 56);
    }
    for (; i < n; i++)
        continuations += ((unsigned char)s[i] & 0xC0) == 0x80;
    return n - continuations;
}

size_t newsmine_json_escape_byte(unsigned char c, bool short_bf, char *out)
{
    static const char hex[] = "0123456789abcdef";
    char letter = c == '"'                ? '"'
                  : c == '\\'             ? '\\'
                  : c == '\n'             ? 'n'
                  : c == '\r'             ? 'r'
                  : c == '\t'             ? 't'
                  : short_bf && c == '\b' ? 'b'
                  : short_bf && c == '\f' ? 'f'
                                          : 0;
    out[0] = '\\';
    if (letter) {
        out[1] = letter;
        return 2;
    }
    memcpy(out + 1, "u00", 3);
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    return 6;
}

char *newsmine_json_escape_into(char *o, const char *s, size_t n, bool short_bf)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (newsmine_json_needs_escape(c))
            o += newsmine_json_escape_byte(c, short_bf, o);
        else
            *o++ = (char)c;
    }
    return o;
}

bool newsmine_text_in_capitals(const char *s, size_t n)
{
    size_t upper = 0, lower = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        upper += c >= 'A' && c <= 'Z';
        lower += c >= 'a' && c <= 'z';
        /* most text settles it early: even if every byte left were a
         * capital, there would be too few of them */
        if ((i & 63) == 63 && lower * 50 >= upper + (n - i - 1)) return false;
    }
    return upper >= 20 && lower * 50 < upper;
}
