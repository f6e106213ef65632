/* Fuzz target: the normaliser and its offset map. The input is repaired to
 * valid UTF-8 first (as the reader does), then normalised. Checks:
 * - the normalised text is valid UTF-8, NUL-terminated, of the length said;
 * - the edits are sorted and disjoint in both texts, lie on UTF-8 character
 *   boundaries of both, and between them the texts are byte-identical;
 * - mapping every normalised character back (source_start of its first
 *   byte, source_end of its end) gives a source span inside the source, on
 *   character boundaries, start <= end, and both ends monotonic over the
 *   characters;
 * - mapping the whole normalised text gives the whole source, less removed
 *   characters at its ends. */
#include "arena.h"
#include "decode.h"
#include "fuzz.h"
#include "newsmine.h"
#include "normalize.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>

static bool at_boundary(const char *s, size_t n, size_t pos)
{
    return pos == 0 || pos == n || (pos < n && ((unsigned char)s[pos] & 0xC0) != 0x80);
}

static size_t char_length(const char *s, size_t n, size_t pos)
{
    int32_t cp;
    return newsmine_utf8_decode((const unsigned char *)s + pos, n - pos, &cp);
}

static void check(const char *src, size_t n, const newsmine_normalized *nt)
{
    FUZZ_CHECK(nt->text != NULL);
    FUZZ_CHECK(nt->text[nt->len] == '\0');
    FUZZ_CHECK(newsmine_utf8_valid(nt->text, nt->len));
    if (nt->edit_count == 0) FUZZ_CHECK(nt->len == n && memcmp(nt->text, src, n) == 0);

    /* edits: sorted, disjoint, on boundaries, identical bytes between */
    size_t norm_at = 0, src_at = 0;
    for (size_t i = 0; i < nt->edit_count; i++) {
        const newsmine_edit *e = &nt->edits[i];
        FUZZ_CHECK(e->norm >= norm_at && e->src >= src_at);
        FUZZ_CHECK(e->norm - norm_at == e->src - src_at);
        FUZZ_CHECK(memcmp(nt->text + norm_at, src + src_at, e->norm - norm_at) == 0);
        FUZZ_CHECK(e->norm + e->norm_len <= nt->len && e->src + e->src_len <= n);
        FUZZ_CHECK(e->norm_len > 0 || e->src_len > 0);
        FUZZ_CHECK(at_boundary(nt->text, nt->len, e->norm));
        FUZZ_CHECK(at_boundary(nt->text, nt->len, e->norm + e->norm_len));
        FUZZ_CHECK(at_boundary(src, n, e->src));
        FUZZ_CHECK(at_boundary(src, n, e->src + e->src_len));
        norm_at = e->norm + e->norm_len;
        src_at = e->src + e->src_len;
    }
    FUZZ_CHECK(nt->len - norm_at == n - src_at);
    FUZZ_CHECK(memcmp(nt->text + norm_at, src + src_at, n - src_at) == 0);

    /* every normalised character maps back to a source span */
    size_t last_start = 0, last_end = 0;
    for (size_t p = 0; p < nt->len;) {
        size_t q = p + char_length(nt->text, nt->len, p);
        FUZZ_CHECK(q <= nt->len);
        size_t s = newsmine_normalized_source_start(nt, p);
        size_t e = newsmine_normalized_source_end(nt, q);
        FUZZ_CHECK(s <= e && e <= n);
        FUZZ_CHECK(at_boundary(src, n, s) && at_boundary(src, n, e));
        FUZZ_CHECK(s >= last_start && e >= last_end);
        last_start = s;
        last_end = e;
        p = q;
    }
    /* the whole text maps to the whole source, less removed characters at
     * its ends (spans never start or end on a removed character) */
    bool removed_at_end = nt->edit_count && nt->edits[nt->edit_count - 1].norm_len == 0 &&
                          nt->edits[nt->edit_count - 1].norm == nt->len;
    bool removed_at_start = nt->edit_count && nt->edits[0].norm_len == 0 && nt->edits[0].norm == 0;
    FUZZ_CHECK(newsmine_normalized_source_end(nt, nt->len) == n || removed_at_end);
    FUZZ_CHECK(newsmine_normalized_source_start(nt, 0) == 0 || removed_at_start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    newsmine_buffer src = {0};
    FUZZ_CHECK(newsmine_utf8_repair((const char *)data, size, &src) != (size_t)-1);
    newsmine_arena arena;
    newsmine_arena_init(&arena);
    newsmine_normalized nt;
    FUZZ_CHECK(newsmine_normalize(src.data, src.len, &arena, &nt) == NEWSMINE_OK);
    check(src.data, src.len, &nt);
    /* again on the arena after a reset, as the extractor reuses it */
    newsmine_arena_reset(&arena);
    newsmine_normalized again;
    FUZZ_CHECK(newsmine_normalize(src.data, src.len, &arena, &again) == NEWSMINE_OK);
    FUZZ_CHECK(again.len == nt.len && again.edit_count == nt.edit_count);
    newsmine_arena_free(&arena);
    newsmine_buffer_free(&src);
    return 0;
}
