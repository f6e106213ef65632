#include "decode.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ================================================================= UTF-8 */

static const char replacement_character[] = "\xEF\xBF\xBD";

/* What a lead byte allows (Unicode Table 3-7): the sequence length and the
 * range of the second byte, narrower after E0, ED, F0 and F4 so that
 * overlongs, surrogates and code points above U+10FFFF are ill-formed. */
typedef struct utf8_lead {
    size_t length; /* 0: the byte never starts a sequence */
    unsigned char second_min, second_max;
} utf8_lead;

static utf8_lead classify_lead(unsigned char c)
{
    if (c >= 0xC2 && c <= 0xDF) return (utf8_lead){2, 0x80, 0xBF};
    if (c >= 0xE1 && c <= 0xEF && c != 0xED) return (utf8_lead){3, 0x80, 0xBF};
    if (c == 0xE0) return (utf8_lead){3, 0xA0, 0xBF};
    if (c == 0xED) return (utf8_lead){3, 0x80, 0x9F};
    if (c >= 0xF1 && c <= 0xF3) return (utf8_lead){4, 0x80, 0xBF};
    if (c == 0xF0) return (utf8_lead){4, 0x90, 0xBF};
    if (c == 0xF4) return (utf8_lead){4, 0x80, 0x8F};
    return (utf8_lead){0, 0, 0};
}

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Checks the sequence starting with the non-ASCII byte at s (n bytes left).
 * Returns its length when it is well formed; otherwise returns 0 and stores
 * the length of its maximal invalid subpart: the longest prefix that could
 * still have become well formed, and at least 1 byte. */
static size_t check_sequence(const unsigned char *s, size_t n, size_t *invalid_length)
{
    utf8_lead lead = classify_lead(s[0]);
    *invalid_length = 1;
    if (lead.length == 0 || n < 2 || s[1] < lead.second_min || s[1] > lead.second_max) return 0;
    for (size_t i = 2; i < lead.length; i++) {
        if (i == n || !is_continuation(s[i])) {
            *invalid_length = i;
            return 0;
        }
    }
    return lead.length;
}

static size_t skip_ascii(const unsigned char *s, size_t n, size_t i)
{
    const uint64_t high_bits = UINT64_C(0x8080808080808080);
    for (; n - i >= 8; i += 8) {
        uint64_t word;
        memcpy(&word, s + i, sizeof word);
        if (word & high_bits) break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* Returns the offset of the first ill-formed sequence at or after i (n when
 * there is none) and stores the length of its maximal invalid subpart. */
static size_t skip_well_formed(const unsigned char *s, size_t n, size_t i, size_t *invalid_length)
{
    for (;;) {
        i = skip_ascii(s, n, i);
        if (i == n) return n;
        size_t length = check_sequence(s + i, n - i, invalid_length);
        if (length == 0) return i;
        i += length;
    }
}

size_t newsmine_utf8_repair(const char *in, size_t n, newsmine_buffer *out)
{
    const size_t out_of_memory = (size_t)-1;
    if (n == 0) return newsmine_buffer_append(out, "", 0) == NEWSMINE_OK ? 0 : out_of_memory;
    if (newsmine_buffer_reserve(out, n) != NEWSMINE_OK) return out_of_memory;

    const unsigned char *s = (const unsigned char *)in;
    size_t replaced = 0, run_start = 0, invalid_length = 0;
    size_t i = skip_well_formed(s, n, 0, &invalid_length);
    while (i < n) {
        if (newsmine_buffer_append(out, in + run_start, i - run_start) != NEWSMINE_OK ||
            newsmine_buffer_append(out, replacement_character, 3) != NEWSMINE_OK)
            return out_of_memory;
        replaced++;
        run_start = i + invalid_length;
        i = skip_well_formed(s, n, run_start, &invalid_length);
    }
    if (newsmine_buffer_append(out, in + run_start, n - run_start) != NEWSMINE_OK)
        return out_of_memory;
    return replaced;
}

bool newsmine_utf8_valid(const char *s, size_t n)
{
    return newsmine_utf8_valid_length(s, n) == n;
}

size_t newsmine_utf8_valid_length(const char *s, size_t n)
{
    size_t invalid_length;
    return n == 0 ? 0 : skip_well_formed((const unsigned char *)s, n, 0, &invalid_length);
}

/* ============================================================ transcoder */

enum {
    BOM_MAX = 4,
    /* Bytes of a UTF-16 or UTF-32 stream without a byte-order mark looked at
     * before the first is decoded, to tell UTF-8 mistaken for it. */
    PROBE_BYTES = 256,
    PROBE_MIN = 16,
    /* Longest incomplete character kept between feeds; iconv's are far
     * shorter, so a longer one is treated as undecodable. */
    TAIL_MAX = 32
};

/* The byte 0xFF never occurs in UTF-8: repair turns it into one U+FFFD. */
static const char undecodable_marker = '\xFF';

typedef struct byte_order_mark {
    const char *bytes;
    size_t length;
    const char *encoding; /* NULL: UTF-8, passed through */
    size_t unit;
    bool utf32; /* looked for only when a UTF-32 family encoding is named */
} byte_order_mark;

/* In priority order: FF FE 00 00 is a UTF-32LE mark before a UTF-16LE one. */
/* clang-format off */
static const byte_order_mark byte_order_marks[] = {
    {"\xFF\xFE\x00\x00", 4, "UTF-32LE", 4, true},
    {"\x00\x00\xFE\xFF", 4, "UTF-32BE", 4, true},
    {"\xEF\xBB\xBF", 3, NULL, 1, false},
    {"\xFF\xFE", 2, "UTF-16LE", 2, false},
    {"\xFE\xFF", 2, "UTF-16BE", 2, false},
};
/* clang-format on */

struct newsmine_transcoder {
    iconv_t converter;           /* (iconv_t)-1 when bytes pass through as UTF-8 */
    size_t unit;                 /* input bytes skipped for one undecodable character */
    bool sniffing;               /* the stream start is still being checked for a BOM */
    bool utf32_family;           /* UTF-32 byte-order marks are looked for too */
    unsigned char head[BOM_MAX]; /* stream start held while sniffing */
    size_t head_length;
    char tail[TAIL_MAX]; /* an incomplete character held for the next feed */
    size_t tail_length;
    bool probing;          /* UTF-16/32 named, no BOM: the stream start is held */
    newsmine_buffer probe; /* what is held */
    bool mismatch;         /* the stream is not in the encoding named */
};

static const iconv_t no_converter = (iconv_t)-1;

static bool names_utf8(const char *encoding)
{
    return !encoding || strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0;
}

/* The name in capitals without punctuation ("utf-16le" -> "UTF16LE"),
 * truncated to fit key. */
static void encoding_key(const char *encoding, char *key, size_t size)
{
    size_t length = 0;
    for (const char *p = encoding; *p && length + 1 < size; p++) {
        if (isalnum((unsigned char)*p)) key[length++] = (char)toupper((unsigned char)*p);
    }
    key[length] = '\0';
}

/* Bytes per code unit of the UTF-16 and UTF-32 families (under all the names
 * glibc lists for them), 1 for every other encoding. */
static size_t code_unit_size(const char *encoding)
{
    char key[32];
    encoding_key(encoding, key, sizeof key);
    if (strstr(key, "UTF16") || strstr(key, "UCS2") || strcmp(key, "UNICODE") == 0 ||
        strcmp(key, "UNICODEBIG") == 0 || strcmp(key, "UNICODELITTLE") == 0 ||
        strcmp(key, "CSUNICODE") == 0)
        return 2;
    if (strstr(key, "UTF32") || strstr(key, "UCS4") || strcmp(key, "WCHART") == 0) return 4;
    return 1;
}

static void close_converter(newsmine_transcoder *t)
{
    if (t->converter != no_converter) iconv_close(t->converter);
    t->converter = no_converter;
}

static newsmine_status open_converter(newsmine_transcoder *t, const char *encoding)
{
    close_converter(t);
    t->converter = iconv_open("UTF-8", encoding);
    if (t->converter != no_converter) return NEWSMINE_OK;
    return errno == ENOMEM ? NEWSMINE_ERR_NOMEM : NEWSMINE_ERR_ENCODING;
}

newsmine_status newsmine_transcoder_new(const char *encoding, newsmine_transcoder **out,
                                        newsmine_error *err)
{
    if (!out) return newsmine_error_set(err, NEWSMINE_ERR_ARG, NULL, 0, 0, "no transcoder");
    *out = NULL;
    newsmine_transcoder *t = calloc(1, sizeof *t);
    if (!t) return newsmine_error_set(err, NEWSMINE_ERR_NOMEM, NULL, 0, 0, "out of memory");
    t->converter = no_converter;
    t->sniffing = true;
    t->unit = 1;
    if (!names_utf8(encoding)) {
        newsmine_status status = open_converter(t, encoding);
        if (status != NEWSMINE_OK) {
            free(t);
            if (status == NEWSMINE_ERR_NOMEM)
                return newsmine_error_set(err, status, NULL, 0, 0, "out of memory");
            return newsmine_error_set(err, status, NULL, 0, 0,
                                      "unknown encoding \"%.200s\" (see iconv --list)", encoding);
        }
        t->unit = code_unit_size(encoding);
        t->utf32_family = t->unit == 4;
    }
    *out = t;
    return NEWSMINE_OK;
}

void newsmine_transcoder_free(newsmine_transcoder *t)
{
    if (!t) return;
    close_converter(t);
    newsmine_buffer_free(&t->probe);
    free(t);
}

bool newsmine_transcoder_mismatch(const newsmine_transcoder *t)
{
    return t && t->mismatch;
}

bool newsmine_transcoder_is_utf8(const newsmine_transcoder *t)
{
    return t && t->converter == no_converter;
}

/* ------------------------------------------------------------- iconv mode */

static size_t output_estimate(size_t n)
{
    return n < SIZE_MAX / 4 ? 2 * n + 64 : n;
}

static newsmine_status skip_undecodable(newsmine_transcoder *t, char **in, size_t *left,
                                        newsmine_buffer *out)
{
    size_t step = *left < t->unit ? *left : t->unit;
    *in += step;
    *left -= step;
    return newsmine_buffer_append(out, &undecodable_marker, 1);
}

/* Converts n bytes, writing one 0xFF per undecodable code unit. Stops early
 * only at an incomplete character at the end; *consumed says where. */
static newsmine_status convert(newsmine_transcoder *t, const char *in, size_t n, size_t *consumed,
                               newsmine_buffer *out)
{
    char *src = (char *)in; /* iconv's prototype lacks const; it does not write */
    size_t left = n;
    newsmine_status status = newsmine_buffer_reserve(out, output_estimate(n));
    while (status == NEWSMINE_OK && left > 0) {
        char *dst = out->data + out->len;
        size_t room = out->cap - out->len - 1;
        size_t result = iconv(t->converter, &src, &left, &dst, &room);
        out->len = (size_t)(dst - out->data);
        if (result != (size_t)-1) break;
        if (errno == E2BIG)
            status = newsmine_buffer_reserve(out, out->cap);
        else if (errno == EINVAL && left <= TAIL_MAX)
            break;
        else
            status = skip_undecodable(t, &src, &left, out);
    }
    if (out->data) out->data[out->len] = '\0';
    *consumed = n - left;
    return status;
}

static newsmine_status convert_keeping_tail(newsmine_transcoder *t, const char *in, size_t n,
                                            newsmine_buffer *out)
{
    size_t consumed = 0;
    newsmine_status status = convert(t, in, n, &consumed, out);
    t->tail_length = n - consumed;
    if (t->tail_length) memcpy(t->tail, in + consumed, t->tail_length);
    return status;
}

/* Converts the held tail followed by the first input bytes, so the held
 * character is completed (or found undecodable) without copying the whole
 * input. *used is how many input bytes that took. */
static newsmine_status complete_tail(newsmine_transcoder *t, const char *in, size_t n, size_t *used,
                                     newsmine_buffer *out)
{
    char joined[2 * TAIL_MAX];
    size_t held = t->tail_length, taken = n < TAIL_MAX ? n : TAIL_MAX;
    memcpy(joined, t->tail, held);
    if (taken) memcpy(joined + held, in, taken);
    size_t consumed = 0;
    newsmine_status status = convert(t, joined, held + taken, &consumed, out);
    if (consumed >= held) {
        *used = consumed - held;
        t->tail_length = 0;
    } else {
        /* Still incomplete: convert keeps at most TAIL_MAX bytes unconverted,
         * so this happens only when all of the input was taken. */
        t->tail_length = held + taken - consumed;
        memmove(t->tail, joined + consumed, t->tail_length);
        *used = n;
    }
    return status;
}

/* Ends the stream: an incomplete last character counts as one undecodable
 * character, as in Python's decoders, and a stateful converter is flushed. */
static newsmine_status finish_iconv(newsmine_transcoder *t, newsmine_buffer *out)
{
    newsmine_status status = NEWSMINE_OK;
    if (t->tail_length) status = newsmine_buffer_append(out, &undecodable_marker, 1);
    t->tail_length = 0;
    while (status == NEWSMINE_OK) {
        status = newsmine_buffer_reserve(out, 64);
        if (status != NEWSMINE_OK) break;
        char *dst = out->data + out->len;
        size_t room = out->cap - out->len - 1;
        size_t result = iconv(t->converter, NULL, NULL, &dst, &room);
        out->len = (size_t)(dst - out->data);
        out->data[out->len] = '\0';
        if (result != (size_t)-1 || errno != E2BIG) break;
        status = newsmine_buffer_reserve(out, out->cap);
    }
    return status;
}

static newsmine_status feed_iconv(newsmine_transcoder *t, const char *in, size_t n, bool final,
                                  newsmine_buffer *out)
{
    newsmine_status status = NEWSMINE_OK;
    size_t used = 0;
    if (t->tail_length) status = complete_tail(t, in, n, &used, out);
    if (status == NEWSMINE_OK && t->tail_length == 0)
        status = convert_keeping_tail(t, in + used, n - used, out);
    if (status == NEWSMINE_OK && final) status = finish_iconv(t, out);
    return status;
}

/* ------------------------------------------------------------ BOM sniffing */

static newsmine_status probe_feed(newsmine_transcoder *t, const char *in, size_t n, bool final,
                                  newsmine_buffer *out);

static newsmine_status feed_decided(newsmine_transcoder *t, const char *in, size_t n, bool final,
                                    newsmine_buffer *out)
{
    if (t->mismatch) return NEWSMINE_ERR_ENCODING;
    if (t->converter == no_converter) return newsmine_buffer_append(out, in, n);
    if (t->probing) return probe_feed(t, in, n, final, out);
    return feed_iconv(t, in, n, final, out);
}

/* Returns false while the held stream start could still become a longer
 * byte-order mark; otherwise stores the mark it starts with, or NULL. */
static bool find_byte_order_mark(const newsmine_transcoder *t, bool final,
                                 const byte_order_mark **found)
{
    *found = NULL;
    size_t count = sizeof byte_order_marks / sizeof byte_order_marks[0];
    for (size_t i = 0; i < count; i++) {
        const byte_order_mark *bom = &byte_order_marks[i];
        if (bom->utf32 && !t->utf32_family) continue;
        size_t common = t->head_length < bom->length ? t->head_length : bom->length;
        if (memcmp(t->head, bom->bytes, common) != 0) continue;
        if (common == bom->length) {
            *found = bom;
            return true;
        }
        if (!final) return false;
    }
    return true;
}

/* Whether the n bytes at s could be the start of UTF-8 text: no zero byte
 * and no control character other than \t \n \v \f \r, and valid UTF-8
 * but for a sequence cut at the end. */
static bool could_be_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 ? c < '\t' || c > '\r' : c == 0x7F) return false;
    }
    size_t valid = newsmine_utf8_valid_length(s, n), rest = n - valid, invalid_length;
    if (rest == 0) return true;
    const unsigned char *tail = (const unsigned char *)s + valid;
    return classify_lead(tail[0]).length > rest &&
           check_sequence(tail, rest, &invalid_length) == 0 && invalid_length == rest;
}

/* UTF-16 and UTF-32 text is full of zero bytes and control characters:
 * every character below U+0100 (spaces, line breaks, digits, ASCII
 * punctuation) has a zero byte, every one of U+0100..U+1FFF (Greek,
 * Cyrillic, Hebrew, Arabic, Indic, Thai...) a byte 0x01..0x1F, and in UTF-32
 * every character has a zero byte. A stream start of PROBE_BYTES without
 * any that is valid UTF-8 is UTF-8 or ASCII named wrongly. CJK text could
 * pass only if all of its bytes happened to form valid UTF-8 with no
 * control byte: for PROBE_MIN bytes about one chance in 10^5, for
 * PROBE_BYTES none worth a thought. The stream start is held only while
 * it could still be UTF-8, so UTF-16 text is decoded as it comes. */
static newsmine_status probe_feed(newsmine_transcoder *t, const char *in, size_t n, bool final,
                                  newsmine_buffer *out)
{
    size_t room = PROBE_BYTES - t->probe.len, taken = n < room ? n : room;
    if (newsmine_buffer_append(&t->probe, in, taken)) return NEWSMINE_ERR_NOMEM;
    bool maybe_utf8 = could_be_utf8(t->probe.data, t->probe.len);
    if (maybe_utf8 && t->probe.len < PROBE_BYTES && !final) return NEWSMINE_OK;
    t->probing = false;
    if (maybe_utf8 && t->probe.len >= PROBE_MIN) {
        t->mismatch = true;
        newsmine_buffer_free(&t->probe);
        return NEWSMINE_ERR_ENCODING;
    }
    newsmine_status status = feed_iconv(t, t->probe.data, t->probe.len, final && taken == n, out);
    newsmine_buffer_free(&t->probe);
    if (status == NEWSMINE_OK && taken < n)
        status = feed_iconv(t, in + taken, n - taken, final, out);
    return status;
}

static newsmine_status apply_byte_order_mark(newsmine_transcoder *t, const byte_order_mark *bom)
{
    t->unit = bom->unit;
    if (!bom->encoding) {
        close_converter(t);
        return NEWSMINE_OK;
    }
    return open_converter(t, bom->encoding);
}

static size_t hold_head(newsmine_transcoder *t, const char *in, size_t n)
{
    size_t room = BOM_MAX - t->head_length, taken = n < room ? n : room;
    if (taken) memcpy(t->head + t->head_length, in, taken);
    t->head_length += taken;
    return taken;
}

newsmine_status newsmine_transcoder_feed(newsmine_transcoder *t, const char *in, size_t n,
                                         bool final, newsmine_buffer *out)
{
    if (n == 0) in = "";
    if (!t->sniffing) return feed_decided(t, in, n, final, out);

    size_t taken = hold_head(t, in, n);
    const byte_order_mark *bom;
    if (!find_byte_order_mark(t, final, &bom)) return NEWSMINE_OK;
    t->sniffing = false;
    t->probing = !bom && t->unit > 1;
    newsmine_status status = bom ? apply_byte_order_mark(t, bom) : NEWSMINE_OK;
    size_t skipped = bom ? bom->length : 0;
    if (status == NEWSMINE_OK)
        status =
            feed_decided(t, (const char *)t->head + skipped, t->head_length - skipped, false, out);
    t->head_length = 0;
    if (status != NEWSMINE_OK) return status;
    return feed_decided(t, in + taken, n - taken, final, out);
}
