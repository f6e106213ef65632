/* Appending to a newsmine_buffer from the command's own modules (sink,
 * format_csv). The library keeps its buffer functions internal; these grow
 * the public struct the same way (realloc, always NUL-terminated), so a
 * buffer filled here is released with newsmine_buffer_free and can be the
 * very buffer main.c already writes JSON Lines into. */
#ifndef NEWSMINE_CLI_OUTBUF_H
#define NEWSMINE_CLI_OUTBUF_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Room for extra more bytes plus a NUL; false when out of memory. */
static inline bool outbuf_reserve(newsmine_buffer *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1) return false;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) return false;
    b->data = p;
    b->cap = cap;
    return true;
}

static inline bool outbuf_append(newsmine_buffer *b, const void *p, size_t n)
{
    if (!outbuf_reserve(b, n)) return false;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static inline bool outbuf_puts(newsmine_buffer *b, const char *s)
{
    return outbuf_append(b, s, strlen(s));
}

static inline bool outbuf_putc(newsmine_buffer *b, char c)
{
    return outbuf_append(b, &c, 1);
}

/* Decimal digits of v. */
static inline bool outbuf_put_u64(newsmine_buffer *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return outbuf_append(b, tmp + i, sizeof tmp - i);
}

#endif
