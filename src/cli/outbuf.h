/* Appending to a newsmine_buffer from the command's own modules (sink,
 * format_csv), as booleans: the library's newsmine_buffer_append does the
 * growing, so a buffer filled here is released with newsmine_buffer_free
 * and can be the very buffer main.c already writes JSON Lines into. */
#ifndef NEWSMINE_CLI_OUTBUF_H
#define NEWSMINE_CLI_OUTBUF_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Room for extra more bytes plus a NUL; false when out of memory. */
static inline bool outbuf_reserve(newsmine_buffer *b, size_t extra)
{
    return newsmine_buffer_reserve(b, extra) == NEWSMINE_OK;
}

static inline bool outbuf_append(newsmine_buffer *b, const void *p, size_t n)
{
    return newsmine_buffer_append(b, p, n) == NEWSMINE_OK;
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
    return newsmine_buffer_append_uint(b, v) == NEWSMINE_OK;
}

#endif
