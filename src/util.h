/* Small helpers shared by the stages: buffers, errors, UTF-8. */
#ifndef NEWSMINE_UTIL_H
#define NEWSMINE_UTIL_H

#include "newsmine.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define NEWSMINE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NEWSMINE_PRINTF(a, b)
#endif

/* Grows buf so that it can hold extra more bytes plus a NUL. */
newsmine_status newsmine_buffer_putc(newsmine_buffer *buf, char c);
newsmine_status newsmine_buffer_printf(newsmine_buffer *buf, const char *fmt, ...)
    NEWSMINE_PRINTF(2, 3);

/* Removes the first n bytes (a reader consuming its input). */
void newsmine_buffer_consume(newsmine_buffer *buf, size_t n);

/* Fills err (which may be NULL) and returns status. */
newsmine_status newsmine_error_set(newsmine_error *err, newsmine_status status, const char *file,
                                   unsigned long line, unsigned long col, const char *fmt, ...)
    NEWSMINE_PRINTF(6, 7);

/* Decodes one UTF-8 character of valid UTF-8 at s (n > 0 bytes left);
 * returns its length and stores the code point. */
size_t newsmine_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);

/* Encodes cp as UTF-8 into out (4 bytes room); returns the length. */
size_t newsmine_utf8_encode(int32_t cp, unsigned char *out);

/* Code points in n bytes of valid UTF-8. */
size_t newsmine_utf8_count(const char *s, size_t n);

/* Whether byte c must be escaped in a JSON string: '"', '\\', a control. */
static inline bool newsmine_json_needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* The escape of such a byte into out (room: 6 bytes), its length: \" \\
 * \n \r \t, \b and \f when short_bf (as cJSON writes them), the others
 * as \u00xx. */
size_t newsmine_json_escape_byte(unsigned char c, bool short_bf, char *out);

/* n bytes at s JSON-escaped into o (room: 6n bytes); returns the end. */
char *newsmine_json_escape_into(char *o, const char *s, size_t n, bool short_bf);

/* Whether the text is written in capitals (wire copy, telegrams): at least
 * 20 ASCII capitals and fewer than one lower-case ASCII letter in 50 of
 * them. Capitals there carry no evidence of names. */
bool newsmine_text_in_capitals(const char *s, size_t n);

/* The decimal digits of v into out (room: 20 bytes, no NUL); their count.
 * By hand: snprintf's cost showed where every entity writes numbers. */
size_t newsmine_format_uint(uint64_t v, char *out);

#endif
