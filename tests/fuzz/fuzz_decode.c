/* Fuzz target: the decoder. The first input byte picks the encoding, the
 * rest is the byte stream. Checks:
 * - the transcoder's output, and its finding that a stream named UTF-16 or
 *   UTF-32 is UTF-8 (NEWSMINE_ERR_ENCODING), are the same whether the stream
 *   comes whole or in random chunks (1 to 8 bytes mostly, so every sequence
 *   is cut somewhere), except for UTF-7 with undecodable bytes;
 * - for UTF-8 it is the input without a leading UTF-8 BOM, byte for byte
 *   (a UTF-16 BOM overrides the encoding named);
 * - newsmine_utf8_repair makes valid UTF-8, leaves valid UTF-8 alone, counts
 *   one replacement per maximal invalid subpart (a reference decoder written
 *   here from the Unicode Standard's table 3-7 counts them too), and
 *   newsmine_utf8_valid agrees. */
#include "decode.h"
#include "fuzz.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>

static const char *const encodings[] = {
    "UTF-8",       "UTF-16LE",   "UTF-16BE",  "UTF-16",      "UTF-32LE",   "UTF-32BE",
    "UTF-32",      "UCS-2",      "CP1251",    "KOI8-R",      "ISO-8859-1", "CP1252",
    "CP1256",      "ISO-8859-6", "SHIFT_JIS", "EUC-JP",      "GB18030",    "BIG5",
    "ISO-2022-JP", "UTF-7",      "CP437",     "ISO-8859-15", "EUC-KR",     "UTF-16//IGNORE",
};
enum { ENCODING_COUNT = sizeof encodings / sizeof *encodings };

/* The length of the maximal invalid subpart at s, or 0 when a well-formed
 * character starts there (Unicode 15, table 3-7). */
static size_t reference_invalid(const unsigned char *s, size_t n, size_t *char_len)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        *char_len = 1;
        return 0;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c == 0xE0)
        len = 3, lo = 0xA0;
    else if (c == 0xED)
        len = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
        len = 3;
    else if (c == 0xF0)
        len = 4, lo = 0x90;
    else if (c == 0xF4)
        len = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3)
        len = 4;
    else
        return 1;
    size_t i = 1;
    for (; i < len; i++) {
        unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
        if (i >= n || s[i] < min || s[i] > max) return i;
    }
    *char_len = len;
    return 0;
}

static size_t reference_repairs(const unsigned char *s, size_t n, bool *valid)
{
    size_t count = 0;
    *valid = true;
    for (size_t i = 0; i < n;) {
        size_t char_len = 0, bad = reference_invalid(s + i, n - i, &char_len);
        if (bad) {
            count++;
            *valid = false;
            i += bad;
        } else {
            i += char_len;
        }
    }
    return count;
}

/* Transcodes the stream whole (rng NULL) or in random chunks. Returns
 * NEWSMINE_OK, NEWSMINE_ERR_ENCODING for a stream found not to be in the
 * encoding named, or NEWSMINE_ERR_ARG when iconv does not know it. */
static newsmine_status transcode(const char *encoding, const uint8_t *data, size_t size,
                                 fuzz_rng *rng, newsmine_buffer *out)
{
    newsmine_transcoder *t;
    newsmine_error err;
    if (newsmine_transcoder_new(encoding, &t, &err) != NEWSMINE_OK) return NEWSMINE_ERR_ARG;
    size_t pos = 0;
    newsmine_status st = NEWSMINE_OK;
    while (!st && pos < size) {
        size_t n = rng ? fuzz_chunk(rng) : size;
        if (n > size - pos) n = size - pos;
        st = newsmine_transcoder_feed(t, (const char *)data + pos, n, false, out);
        pos += n;
    }
    if (!st) st = newsmine_transcoder_feed(t, NULL, 0, true, out);
    FUZZ_CHECK(st == NEWSMINE_OK || st == NEWSMINE_ERR_ENCODING);
    FUZZ_CHECK(newsmine_transcoder_mismatch(t) == (st == NEWSMINE_ERR_ENCODING));
    if (st == NEWSMINE_ERR_ENCODING) {
        /* only UTF-8 named UTF-16 or UTF-32: nothing decoded, no zero byte */
        FUZZ_CHECK(out->len == 0);
        FUZZ_CHECK(strstr(encoding, "UTF-16") || strstr(encoding, "UTF-32") ||
                   strstr(encoding, "UCS-2"));
        FUZZ_CHECK(memchr(data, 0, size < 256 ? size : 256) == NULL);
    }
    newsmine_transcoder_free(t);
    return st;
}

static void check_repair(const char *s, size_t n)
{
    newsmine_buffer fixed = {0};
    size_t count = newsmine_utf8_repair(s, n, &fixed);
    FUZZ_CHECK(count != (size_t)-1);
    bool valid;
    FUZZ_CHECK(count == reference_repairs((const unsigned char *)s, n, &valid));
    FUZZ_CHECK(valid == newsmine_utf8_valid(s, n));
    FUZZ_CHECK(newsmine_utf8_valid(fixed.data, fixed.len));
    FUZZ_CHECK(fixed.data[fixed.len] == '\0');
    if (valid)
        FUZZ_CHECK(fixed.len == n && memcmp(fixed.data, s, n) == 0);
    else
        FUZZ_CHECK(fixed.len >= 3 * count);
    /* repairing repaired text changes nothing */
    newsmine_buffer again = {0};
    FUZZ_CHECK(newsmine_utf8_repair(fixed.data, fixed.len, &again) == 0);
    FUZZ_CHECK(again.len == fixed.len && memcmp(again.data, fixed.data, fixed.len) == 0);
    newsmine_buffer_free(&again);
    newsmine_buffer_free(&fixed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *encoding = encodings[data[0] % ENCODING_COUNT];
    data++, size--;
    if (size > 1 << 16) return 0;

    newsmine_buffer whole = {0}, chunked = {0};
    fuzz_rng rng = fuzz_seed(data, size);
    newsmine_status st = transcode(encoding, data, size, NULL, &whole);
    if (st == NEWSMINE_ERR_ARG) return 0; /* iconv lacks it */
    /* the same decision, the same output, whatever the chunking */
    FUZZ_CHECK(transcode(encoding, data, size, &rng, &chunked) == st);
    /* glibc's UTF-7 decoder reports an invalid byte at a place that depends
     * on how much input it was handed (docs/robustness.md): only valid
     * UTF-7 decodes the same whatever the chunking */
    bool stateful_with_errors = strcmp(encoding, "UTF-7") == 0 &&
                                (memchr(whole.data ? whole.data : "", 0xFF, whole.len) ||
                                 memchr(chunked.data ? chunked.data : "", 0xFF, chunked.len));
    if (!stateful_with_errors) {
        FUZZ_CHECK(whole.len == chunked.len);
        FUZZ_CHECK(whole.len == 0 || memcmp(whole.data, chunked.data, whole.len) == 0);
    }
    bool utf16_bom =
        size >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0 || memcmp(data, "\xFE\xFF", 2) == 0);
    if (strcmp(encoding, "UTF-8") == 0 && !utf16_bom) {
        size_t skip = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        FUZZ_CHECK(whole.len == size - skip);
        FUZZ_CHECK(whole.len == 0 || memcmp(whole.data, data + skip, whole.len) == 0);
    }
    check_repair(whole.data ? whole.data : "", whole.len);
    check_repair((const char *)data, size);
    newsmine_buffer_free(&whole);
    newsmine_buffer_free(&chunked);
    return 0;
}
