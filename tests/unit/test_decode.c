/* Tests for src/decode.c. Expected strings were checked against Python 3:
 * bytes.decode('utf-8', 'replace') and the codecs named in each test. */
#include "decode.h"
#include "testlib.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define R "\xEF\xBF\xBD" /* U+FFFD */

/* ------------------------------------------------------------ helpers */

typedef struct repaired {
    newsmine_buffer text;
    size_t count;
} repaired;

static repaired repair_bytes(const char *in, size_t n)
{
    repaired r = {{0}, 0};
    r.count = newsmine_utf8_repair(in, n, &r.text);
    return r;
}

#define CHECK_REPAIR(bytes, want, want_count)                                                      \
    do {                                                                                           \
        repaired r_ = repair_bytes((bytes), sizeof(bytes) - 1);                                    \
        CHECK_MEM(r_.text.data, r_.text.len, (want));                                              \
        CHECK_INT(r_.count, (want_count));                                                         \
        CHECK(newsmine_utf8_valid((bytes), sizeof(bytes) - 1) == ((want_count) == 0));             \
        newsmine_buffer_free(&r_.text);                                                            \
    } while (0)

/* Feeds in to a new transcoder in chunks of chunk bytes (0: all at once),
 * marking the last chunk final. Returns the raw transcoder output. */
static newsmine_buffer transcode_chunked(const char *encoding, const char *in, size_t n,
                                         size_t chunk)
{
    newsmine_buffer out = {0};
    newsmine_transcoder *t = NULL;
    CHECK_INT(newsmine_transcoder_new(encoding, &t, NULL), NEWSMINE_OK);
    if (!t) return out;
    if (chunk == 0) chunk = n ? n : 1;
    size_t offset = 0;
    do {
        size_t size = n - offset < chunk ? n - offset : chunk;
        bool final = offset + size == n;
        CHECK_INT(newsmine_transcoder_feed(t, in + offset, size, final, &out), NEWSMINE_OK);
        offset += size;
    } while (offset < n);
    newsmine_transcoder_free(t);
    return out;
}

/* Transcodes in one piece and repairs, as the reader does for a document. */
static repaired decode_bytes(const char *encoding, const char *in, size_t n)
{
    newsmine_buffer raw = transcode_chunked(encoding, in, n, 0);
    repaired r = repair_bytes(raw.data ? raw.data : "", raw.len);
    newsmine_buffer_free(&raw);
    return r;
}

#define CHECK_DECODE(encoding, bytes, want, want_count)                                            \
    do {                                                                                           \
        repaired r_ = decode_bytes((encoding), (bytes), sizeof(bytes) - 1);                        \
        CHECK_MEM(r_.text.data, r_.text.len, (want));                                              \
        CHECK_INT(r_.count, (want_count));                                                         \
        newsmine_buffer_free(&r_.text);                                                            \
    } while (0)

/* -------------------------------------------------------- UTF-8 repair */

static void test_repair_valid_passes_through(void)
{
    CHECK_REPAIR("", "", 0);
    CHECK_REPAIR("plain ASCII text that is longer than eight bytes",
                 "plain ASCII text that is longer than eight bytes", 0);
    CHECK_REPAIR("Привет, мир! 世界 😀 é", "Привет, мир! 世界 😀 é", 0);
    CHECK_REPAIR("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF", 0); /* U+10FFFF */
    CHECK_REPAIR("\xEE\x80\x80\xEF\xBF\xBF", "\xEE\x80\x80\xEF\xBF\xBF", 0);
    CHECK_REPAIR("\xED\x9F\xBF\xE0\xA0\x80\xF0\x90\x80\x80",
                 "\xED\x9F\xBF\xE0\xA0\x80\xF0\x90\x80\x80", 0);

    static const char with_nul[] = "a\0b";
    repaired r = repair_bytes(with_nul, 3);
    CHECK_INT(r.count, 0);
    CHECK_INT(r.text.len, 3);
    CHECK(memcmp(r.text.data, with_nul, 3) == 0);
    newsmine_buffer_free(&r.text);
}

static void test_repair_appends(void)
{
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_buffer_append(&out, "x", 1), NEWSMINE_OK);
    CHECK_INT(newsmine_utf8_repair("a\x80", 2, &out), 1);
    CHECK_INT(newsmine_utf8_repair("", 0, &out), 0);
    CHECK_MEM(out.data, out.len, "xa" R);
    CHECK(out.data[out.len] == '\0');
    newsmine_buffer_free(&out);
}

/* The examples of the Unicode Standard, chapter 3, "U+FFFD Substitution of
 * Maximal Subparts" (Tables 3-8 to 3-11), and the example in the brief. */
static void test_repair_unicode_examples(void)
{
    CHECK_REPAIR("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
                 "a" R R R "b" R "c" R R "d", 6);
    CHECK_REPAIR("\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41", R R R R R R R R "A", 8);
    CHECK_REPAIR("\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41", R R R R R R R R "A", 8);
    CHECK_REPAIR("\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42", R R R R R "A" R R "B", 7);
    CHECK_REPAIR("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41", R R R R "A", 4);
}

static void test_repair_overlong(void)
{
    CHECK_REPAIR("\xC0\xAF", R R, 2);
    CHECK_REPAIR("\xC1\xBF", R R, 2);
    CHECK_REPAIR("\xE0\x80\xAF", R R R, 3);
    CHECK_REPAIR("\xE0\x9F\xBF", R R R, 3);
    CHECK_REPAIR("\xF0\x8F\xBF\xBF", R R R R, 4);
}

static void test_repair_surrogates_and_beyond_max(void)
{
    CHECK_REPAIR("\xED\xA0\x80", R R R, 3);
    CHECK_REPAIR("\xED\xBF\xBF", R R R, 3);
    CHECK_REPAIR("\xF4\x90\x80\x80", R R R R, 4);
    CHECK_REPAIR("\xF5\x80\x80\x80", R R R R, 4);
    CHECK_REPAIR("\xF8\x88\x80\x80\x80", R R R R R, 5);
    CHECK_REPAIR("\xFE\xFF", R R, 2);
}

static void test_repair_truncated(void)
{
    CHECK_REPAIR("\xF0\x9F\x98", R, 1);
    CHECK_REPAIR("a\xE2\x82", "a" R, 1);
    CHECK_REPAIR("\xE0\xA0", R, 1);
    CHECK_REPAIR("\xF4\x8F\xBF", R, 1);
    CHECK_REPAIR("\xC3", R, 1);
    CHECK_REPAIR("\xF0\x9F\x98x", R "x", 1);
    CHECK_REPAIR("\xE2\x82\xE2\x82\xAC", R "\xE2\x82\xAC", 1);
    CHECK_REPAIR("\x80", R, 1);
    CHECK_REPAIR("abcdefgh\xBF", "abcdefgh" R, 1);
}

/* An independent, slow reference: a prefix of a sequence is valid so far
 * when some completion of it encodes a scalar value of the right length. */
static bool reference_prefix_valid(const unsigned char *s, size_t k, size_t length)
{
    static const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t low = s[0] & (0x7F >> length), high;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return false;
        low = (low << 6) | (s[i] & 0x3F);
    }
    high = low;
    for (size_t i = k; i < length; i++) {
        low = low << 6;
        high = (high << 6) | 0x3F;
    }
    if (high < min_for_length[length] || low > 0x10FFFF) return false;
    return !(low >= 0xD800 && high <= 0xDFFF);
}

static size_t reference_repair(const unsigned char *s, size_t n, newsmine_buffer *out)
{
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        size_t length = s[i] < 0x80   ? 1
                        : s[i] < 0xC0 ? 0
                        : s[i] < 0xE0 ? 2
                        : s[i] < 0xF0 ? 3
                        : s[i] < 0xF8 ? 4
                                      : 0;
        size_t valid = length == 1 ? 1 : 0;
        for (size_t k = 1; length > 1 && k <= length && i + k <= n; k++)
            if (reference_prefix_valid(s + i, k, length)) valid = k;
        if (valid == length && length > 0) {
            newsmine_buffer_append(out, s + i, length);
            i += length;
        } else {
            newsmine_buffer_append(out, R, 3);
            count++;
            i += valid ? valid : 1;
        }
    }
    return count;
}

static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static void test_repair_matches_reference_on_random_input(void)
{
    static const unsigned char alphabet[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                             0xC0, 0xC1, 0xC2, 0xD0, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                                             0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
    uint32_t state = 2463534242u;
    unsigned char input[48];
    for (int round = 0; round < 20000; round++) {
        size_t n = next_random(&state) % sizeof input;
        for (size_t i = 0; i < n; i++) {
            uint32_t r = next_random(&state);
            input[i] = r % 4 == 0 ? (unsigned char)'a' : alphabet[(r >> 8) % sizeof alphabet];
        }
        newsmine_buffer got = {0}, want = {0};
        size_t got_count = newsmine_utf8_repair((const char *)input, n, &got);
        size_t want_count = reference_repair(input, n, &want);
        CHECK_INT(got_count, want_count);
        CHECK(got.len == want.len && memcmp(got.data, want.data ? want.data : "", got.len) == 0);
        CHECK(newsmine_utf8_valid((const char *)input, n) == (want_count == 0));
        CHECK(newsmine_utf8_valid(got.data, got.len));
        newsmine_buffer_free(&got);
        newsmine_buffer_free(&want);
        if (testlib_failures) break;
    }
}

/* -------------------------------------------------------- transcoder */

static void test_legacy_cyrillic_and_latin(void)
{
    CHECK_DECODE("CP1251", "\xCF\xF0\xE8\xE2\xE5\xF2", "Привет", 0);
    CHECK_DECODE("windows-1251", "\xCF\xF0\xE8\xE2\xE5\xF2", "Привет", 0);
    CHECK_DECODE("KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4", "Привет", 0);
    CHECK_DECODE("ISO-8859-1", "caf\xE9", "café", 0);
    CHECK_DECODE("latin1", "\xA9 2024", "© 2024", 0);
}

static void test_cp1251_undefined_byte(void)
{
    /* Python: b'\x98'.decode('cp1251', 'replace') == '\ufffd' */
    newsmine_buffer raw = transcode_chunked("CP1251", "a\x98\xCF\xF0", 4, 0);
    CHECK_MEM(raw.data, raw.len, "a\xFF\xD0\x9F\xD1\x80");
    newsmine_buffer_free(&raw);
    CHECK_DECODE("CP1251", "\x98", R, 1);
    CHECK_DECODE("CP1251", "a\x98\xCF\xF0", "a" R "Пр", 1);
}

static void test_multibyte_legacy(void)
{
    CHECK_DECODE("SHIFT_JIS", "\x82\xA0\x82\xA2", "あい", 0);
    CHECK_DECODE("GB18030", "\x94\x39\xFC\x36", "😀", 0);
    /* Python: b'\x81\x30\x81'.decode('gb18030', 'replace') == '\ufffd' */
    CHECK_DECODE("GB18030", "\x81\x30\x81", R, 1);
    CHECK_DECODE("SHIFT_JIS", "\x82\xA0\x82", "あ" R, 1);
    /* A stateful encoding: Python's 'aПрb 😀'.encode('utf-7') */
    CHECK_DECODE("UTF-7", "a+BB8EQA-b +2D3eAA-", "aПрb 😀", 0);
}

static void test_utf16_named(void)
{
    CHECK_DECODE("UTF-16", "\xFF\xFE\x1F\x04\x40\x04", "Пр", 0);
    CHECK_DECODE("UTF-16", "\xFE\xFF\x04\x1F\x04\x40", "Пр", 0);
    CHECK_DECODE("UTF-16LE", "\x1F\x04\x40\x04", "Пр", 0);
    CHECK_DECODE("UTF-16BE", "\x04\x1F\x04\x40", "Пр", 0);
    /* A BOM overrides the byte order named. */
    CHECK_DECODE("UTF-16LE", "\xFE\xFF\x04\x1F", "П", 0);
    CHECK_DECODE("utf16be", "\xFF\xFE\x1F\x04", "П", 0);
    CHECK_DECODE("UTF-16LE", "\x3D\xD8\x00\xDE", "😀", 0);
}

static void test_utf16_bom_in_default_utf8(void)
{
    newsmine_transcoder *t = NULL;
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_transcoder_new(NULL, &t, NULL), NEWSMINE_OK);
    CHECK(newsmine_transcoder_is_utf8(t));
    CHECK_INT(newsmine_transcoder_feed(t, "\xFF\xFE\x41\x00\x1F\x04", 6, true, &out), NEWSMINE_OK);
    CHECK(!newsmine_transcoder_is_utf8(t));
    CHECK_MEM(out.data, out.len, "AП");
    newsmine_transcoder_free(t);
    newsmine_buffer_free(&out);

    CHECK_DECODE(NULL, "\xFE\xFF\x00\x41\x04\x1F", "AП", 0);
    CHECK_DECODE("utf8", "\xFF\xFE\x41\x00", "A", 0);
}

static void test_utf16_unpaired_surrogates(void)
{
    /* Python's utf-16-le decoder with 'replace' gives these. */
    CHECK_DECODE("UTF-16LE", "\x00\xD8\x41\x00", R "A", 1);
    CHECK_DECODE("UTF-16LE", "\x00\xDC\x41\x00", R "A", 1);
    CHECK_DECODE("UTF-16", "\xFF\xFE\x41\x00\x00\xD8\x42\x00\x00\xDC", "A" R "B" R, 2);
    CHECK_DECODE("UTF-16LE", "\x00\xD8", R, 1);
    CHECK_DECODE("UTF-16LE", "\x00\xD8\x41", R, 1);
    CHECK_DECODE("UTF-16LE", "\x41\x00\x00", "A" R, 1);
}

static void test_utf32(void)
{
    CHECK_DECODE("UTF-32", "\xFF\xFE\x00\x00\x41\x00\x00\x00", "A", 0);
    CHECK_DECODE("UTF-32", "\x00\x00\xFE\xFF\x00\x00\x00\x41\x00\x00\xD8\x00", "A" R, 1);
    /* Python: b'\xff\xfe\x00\x00A\x00\x00\x00\x00\x00\x11\x00B\x00\x00\x00'
     * .decode('utf-32', 'replace') == 'A\ufffdB' */
    CHECK_DECODE("UTF-32LE", "\x41\x00\x00\x00\x00\x00\x11\x00\x42\x00\x00\x00", "A" R "B", 1);
}

static void test_utf8_bom(void)
{
    CHECK_DECODE(NULL, "\xEF\xBB\xBFПривет", "Привет", 0);
    CHECK_DECODE("UTF-8", "\xEF\xBB\xBF", "", 0);
    CHECK_DECODE("UTF-8", "a\xEF\xBB\xBF", "a\xEF\xBB\xBF", 0); /* only at the start */
    CHECK_DECODE("UTF-8", "\xEF\xBB", R, 1);                    /* a cut BOM is data */
    CHECK_DECODE("UTF-8", "\xEF\xBB\xBF\xEF\xBB\xBF", "\xEF\xBB\xBF", 0);

    /* A UTF-8 BOM overrides a legacy encoding named. */
    newsmine_transcoder *t = NULL;
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_transcoder_new("CP1251", &t, NULL), NEWSMINE_OK);
    CHECK(!newsmine_transcoder_is_utf8(t));
    CHECK_INT(newsmine_transcoder_feed(t, "\xEF\xBB", 2, false, &out), NEWSMINE_OK);
    CHECK_INT(out.len, 0);
    CHECK_INT(newsmine_transcoder_feed(t, "\xBF\xD0\x9F", 3, true, &out), NEWSMINE_OK);
    CHECK(newsmine_transcoder_is_utf8(t));
    CHECK_MEM(out.data, out.len, "П");
    newsmine_transcoder_free(t);
    newsmine_buffer_free(&out);
}

static void test_utf8_passes_through_unrepaired(void)
{
    newsmine_buffer raw = transcode_chunked("UTF-8", "a\xC0\xAF\xF0\x9F", 5, 0);
    CHECK_MEM(raw.data, raw.len, "a\xC0\xAF\xF0\x9F");
    newsmine_buffer_free(&raw);
}

typedef struct stream_case {
    const char *encoding;
    const char *bytes;
    size_t length;
} stream_case;

#define STREAM(encoding, bytes)                                                                    \
    {                                                                                              \
        (encoding), (bytes), sizeof(bytes) - 1                                                     \
    }

static void test_chunk_size_independence(void)
{
    static const stream_case cases[] = {
        STREAM(NULL, "\xEF\xBB\xBFПривет, мир \xF0\x9F\x98\x80 a\xC0\xAF\xF0\x9F\x98"),
        STREAM(NULL, "\xEF\xBB"),
        STREAM(NULL, "\xEF"),
        STREAM(NULL, ""),
        STREAM("UTF-8", "plain"),
        STREAM(NULL, "\xFF\xFE\x41\x00\x00\xD8\x42\x00\x3D\xD8\x00\xDE\x00\xDC\x43"),
        STREAM(NULL, "\xFE\xFF\x00\x41\xD8\x3D\xDE\x00\x04\x1F"),
        STREAM("UTF-16", "\xFF\xFE\x1F\x04\x40\x04\x00\xD8"),
        STREAM("UTF-16LE", "\x1F\x04\x40\x04\x3D\xD8\x00\xDE\x00\xD8\x41"),
        STREAM("UTF-32", "\xFF\xFE\x00\x00\x41\x00\x00\x00\x00\x00\x11\x00\x00\xF6\x01\x00\x42"),
        STREAM("UTF-32", "\xFF\xFE"),
        STREAM("CP1251", "\xCF\xF0\xE8\xE2\xE5\xF2 \x98\x98 \xEF\xF0\xE8"),
        STREAM("CP1251", "\xEF\xBB\xBF\xD0\x9F\xC0\xAF"),
        STREAM("KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4"),
        STREAM("SHIFT_JIS", "\x82\xA0\x82\xA2\x82\xA4 \x82\xA0\x82"),
        STREAM("GB18030", "\xD6\xD0\xCE\xC4\x94\x39\xFC\x36\x81\x30\x81\x30\x81\x30\x81"),
        STREAM("UTF-7", "a+BB8EQA-b +2D3eAA-"),
    };
    static const size_t chunk_sizes[] = {1, 2, 3, 5};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const stream_case *sc = &cases[c];
        newsmine_buffer whole = transcode_chunked(sc->encoding, sc->bytes, sc->length, 0);
        for (size_t k = 0; k < sizeof chunk_sizes / sizeof chunk_sizes[0]; k++) {
            newsmine_buffer split =
                transcode_chunked(sc->encoding, sc->bytes, sc->length, chunk_sizes[k]);
            bool same = split.len == whole.len &&
                        (whole.len == 0 || memcmp(split.data, whole.data, whole.len) == 0);
            if (!same)
                testlib_fail(__FILE__, __LINE__, "case %zu (%s) differs in chunks of %zu", c,
                             sc->encoding ? sc->encoding : "default", chunk_sizes[k]);
            newsmine_buffer_free(&split);
        }
        newsmine_buffer_free(&whole);
    }
}

static void test_chunk_boundaries_expected_output(void)
{
    newsmine_buffer out = transcode_chunked(
        "UTF-16", "\xFF\xFE\x41\x00\x00\xD8\x42\x00\x3D\xD8\x00\xDE\x00\xD8", 14, 3);
    CHECK_MEM(out.data, out.len,
              "A\xFF"
              "B\xF0\x9F\x98\x80\xFF");
    newsmine_buffer_free(&out);
}

/* Feeds in chunks of chunk bytes; returns the first status that is not OK. */
static newsmine_status feed_status(const char *encoding, const char *in, size_t n, size_t chunk,
                                   newsmine_buffer *out)
{
    newsmine_transcoder *t = NULL;
    if (newsmine_transcoder_new(encoding, &t, NULL) != NEWSMINE_OK) return NEWSMINE_ERR_ARG;
    newsmine_status st = NEWSMINE_OK;
    for (size_t offset = 0; !st && offset < n; offset += chunk)
        st = newsmine_transcoder_feed(t, in + offset, n - offset < chunk ? n - offset : chunk,
                                      false, out);
    if (!st) st = newsmine_transcoder_feed(t, NULL, 0, true, out);
    CHECK(newsmine_transcoder_mismatch(t) == (st == NEWSMINE_ERR_ENCODING));
    newsmine_transcoder_free(t);
    return st;
}

/* UTF-8 named UTF-16 or UTF-32 would decode to CJK garbage without an
 * error: a stream start without a zero byte or a control character that is
 * valid UTF-8 is refused, whatever the chunking. */
static void test_utf8_named_utf16(void)
{
    static const char ascii[] = "Troops of Kazakhstan went to Mali.\n";
    static const char utf8[] = "Войска Казахстана: 139 soldiers\n";
    static const char *const names[] = {"UTF-16", "UTF-16LE", "utf16be", "UTF-32", "UCS-2"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
            newsmine_buffer out = {0};
            CHECK_INT(feed_status(names[k], ascii, sizeof ascii - 1, chunk, &out),
                      NEWSMINE_ERR_ENCODING);
            CHECK_INT(feed_status(names[k], utf8, sizeof utf8 - 1, chunk, &out),
                      NEWSMINE_ERR_ENCODING);
            CHECK_INT(out.len, 0);
            newsmine_buffer_free(&out);
        }
    }
    /* a BOM decides: UTF-8 after a UTF-8 BOM is fine */
    newsmine_buffer out = {0};
    CHECK_INT(feed_status("UTF-16", "\xEF\xBB\xBFTroops of Kazakhstan", 23, 5, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "Troops of Kazakhstan");
    newsmine_buffer_free(&out);
    /* too short to tell (under 16 bytes): decoded as named */
    CHECK_DECODE("UTF-16LE", "Mali", "\xE6\x85\x8D\xE6\xA5\xAC", 0);
    /* real UTF-16 without a BOM: zero bytes (ASCII) or control bytes (Cyrillic,
     * U+0400..U+04FF) within its first characters, decoded as it comes */
    CHECK_DECODE("UTF-16LE",
                 "\x1F\x04\x40\x04\x3E\x04\x41\x04\x42\x04\x3E\x04\x40\x04"
                 "\x1F\x04\x40\x04\x3E\x04\x41\x04\x42\x04\x3E\x04\x40\x04",
                 "ПросторПростор", 0);
    CHECK_DECODE("UTF-16BE", "\0M\0a\0l\0i\0 \0a\0n\0d\0 \0C\0h\0a\0d", "Mali and Chad", 0);
}

static void test_final_with_empty_chunk(void)
{
    newsmine_transcoder *t = NULL;
    newsmine_buffer out = {0};
    CHECK_INT(newsmine_transcoder_new("UTF-16LE", &t, NULL), NEWSMINE_OK);
    CHECK_INT(newsmine_transcoder_feed(t, "\x41\x00\x3D", 3, false, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "A");
    CHECK_INT(newsmine_transcoder_feed(t, NULL, 0, true, &out), NEWSMINE_OK);
    CHECK_MEM(out.data, out.len, "A\xFF");
    newsmine_transcoder_free(t);
    newsmine_buffer_free(&out);
}

static void test_unknown_encoding(void)
{
    newsmine_transcoder *t = (newsmine_transcoder *)&t;
    newsmine_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(newsmine_transcoder_new("NO-SUCH-CHARSET", &t, &err), NEWSMINE_ERR_ENCODING);
    CHECK(t == NULL);
    CHECK_INT(err.status, NEWSMINE_ERR_ENCODING);
    CHECK(strstr(err.message, "\"NO-SUCH-CHARSET\"") != NULL);
    CHECK(strstr(err.message, "unknown encoding") != NULL);
    CHECK_INT(newsmine_transcoder_new("FOO", &t, NULL), NEWSMINE_ERR_ENCODING);
    newsmine_transcoder_free(NULL);
    CHECK(!newsmine_transcoder_is_utf8(NULL));
}

static void test_utf8_names(void)
{
    static const char *const names[] = {"UTF-8", "utf-8", "UTF8", "Utf8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        newsmine_transcoder *t = NULL;
        CHECK_INT(newsmine_transcoder_new(names[i], &t, NULL), NEWSMINE_OK);
        CHECK(newsmine_transcoder_is_utf8(t));
        newsmine_transcoder_free(t);
    }
}

static void test_large_input_grows_output(void)
{
    enum { COUNT = 100000 };
    char *in = malloc(COUNT);
    CHECK(in != NULL);
    if (!in) return;
    memset(in, '\xCF', COUNT); /* CP1251 П, two bytes in UTF-8 */
    in[COUNT / 2] = '\x98';
    newsmine_buffer raw = transcode_chunked("CP1251", in, COUNT, 0);
    CHECK_INT(raw.len, 2 * (COUNT - 1) + 1);
    repaired r = repair_bytes(raw.data, raw.len);
    CHECK_INT(r.count, 1);
    CHECK_INT(r.text.len, 2 * (COUNT - 1) + 3);
    newsmine_buffer_free(&r.text);
    newsmine_buffer_free(&raw);
    free(in);
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_repair_valid_passes_through),
        TEST(test_repair_appends),
        TEST(test_repair_unicode_examples),
        TEST(test_repair_overlong),
        TEST(test_repair_surrogates_and_beyond_max),
        TEST(test_repair_truncated),
        TEST(test_repair_matches_reference_on_random_input),
        TEST(test_legacy_cyrillic_and_latin),
        TEST(test_cp1251_undefined_byte),
        TEST(test_multibyte_legacy),
        TEST(test_utf16_named),
        TEST(test_utf16_bom_in_default_utf8),
        TEST(test_utf16_unpaired_surrogates),
        TEST(test_utf32),
        TEST(test_utf8_bom),
        TEST(test_utf8_passes_through_unrepaired),
        TEST(test_chunk_size_independence),
        TEST(test_chunk_boundaries_expected_output),
        TEST(test_final_with_empty_chunk),
        TEST(test_utf8_named_utf16),
        TEST(test_unknown_encoding),
        TEST(test_utf8_names),
        TEST(test_large_input_grows_output),
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
