/* Stage 1, decoding: bytes in a legacy or Unicode encoding become UTF-8.
 *
 * Two pieces:
 * - newsmine_transcoder turns a byte stream in any iconv encoding into UTF-8.
 *   It honours and removes a leading UTF-8 or UTF-16 byte-order mark (a BOM
 *   overrides the encoding named). Where the input cannot be decoded it writes
 *   the byte 0xFF, never valid in UTF-8, so that newsmine_utf8_repair later
 *   turns it into exactly one U+FFFD and counts it with the document it
 *   belongs to. For UTF-8 input (the default) the transcoder only strips the
 *   BOM and passes bytes through: repair does the validation.
 * - newsmine_utf8_repair validates UTF-8 and replaces every maximal invalid
 *   subpart with U+FFFD, as the Unicode Standard (chapter 3, "U+FFFD
 *   substitution of maximal subparts") recommends and as Python's and
 *   browsers' decoders do, so offsets agree with theirs.
 */
#ifndef NEWSMINE_DECODE_H
#define NEWSMINE_DECODE_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct newsmine_transcoder newsmine_transcoder;

/* encoding NULL, "UTF-8" or "UTF8" (any case) means UTF-8. Returns
 * NEWSMINE_ERR_ENCODING with a message when iconv does not know the name. */
newsmine_status newsmine_transcoder_new(const char *encoding, newsmine_transcoder **out,
                                        newsmine_error *err);

/* Decodes n bytes, appending UTF-8 to out. A sequence cut at the end of a
 * chunk is kept for the next call; final flushes it (as 0xFF bytes). The
 * output is the same whatever the chunking.
 *
 * A stream named UTF-16 or UTF-32 (in any of their forms) without a
 * byte-order mark is checked first: when its first 256 bytes (or all of a
 * shorter stream, from 16 bytes) hold no zero byte, no control character
 * but white space, and are valid UTF-8, it is UTF-8 or ASCII named wrongly,
 * which would decode to garbage without one error. Then nothing is decoded:
 * this call and every later one return NEWSMINE_ERR_ENCODING, and
 * newsmine_transcoder_mismatch says so. Real UTF-16 fails that test within
 * its first characters, and is decoded as it comes. */
newsmine_status newsmine_transcoder_feed(newsmine_transcoder *t, const char *in, size_t n,
                                         bool final, newsmine_buffer *out);

/* True once the stream was found not to be in the encoding named (see
 * newsmine_transcoder_feed). */
bool newsmine_transcoder_mismatch(const newsmine_transcoder *t);

/* True when the stream is UTF-8 (as named, or after a UTF-8 BOM) and the
 * transcoder passes bytes through. */
bool newsmine_transcoder_is_utf8(const newsmine_transcoder *t);

void newsmine_transcoder_free(newsmine_transcoder *t);

/* Appends to out the n bytes at in with every maximal invalid UTF-8 subpart
 * replaced by U+FFFD (EF BF BD). Returns the number of replacements, or
 * (size_t)-1 when out of memory. Surrogates (ED A0..BF ..) and code points
 * above U+10FFFF are invalid, and overlong forms too. */
size_t newsmine_utf8_repair(const char *in, size_t n, newsmine_buffer *out);

/* True when n bytes at s are valid UTF-8 (a fast check: most input is). */
bool newsmine_utf8_valid(const char *s, size_t n);

/* The offset of the first ill-formed sequence in n bytes at s, or n when
 * they are valid UTF-8. */
size_t newsmine_utf8_valid_length(const char *s, size_t n);

#endif
