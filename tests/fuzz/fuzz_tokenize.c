/* Fuzz target: the tokeniser, on normalised text (the input is repaired to
 * valid UTF-8 and normalised first, as the extractor does), with the
 * abbreviations of the English rules. Checks:
 * - tokens are non-empty, in order, disjoint, inside the text, and start and
 *   end on UTF-8 character boundaries;
 * - only white space lies between tokens (and before the first, after the
 *   last), and SPACE_BEFORE says whether there was some;
 * - kinds are known; a NUMBER starts with a digit, a PUNCT is one character,
 *   an ABBR ends with '.'; CAP and UPPER are set only on tokens with a
 *   letter; the first token starts a sentence. */
#include "arena.h"
#include "decode.h"
#include "fuzz.h"
#include "normalize.h"
#include "tokenize.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>
#include <utf8proc.h>

static newsmine_tokenizer *tokenizer;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const abbreviations[] = {"Gen", "Lt",  "Col", "Maj", "U.S",  "Dec",
                                                "Jan", "Mr",  "Dr",  "St",  "No",   "Ph.D",
                                                "e.g", "i.e", "a.m", "vs",  "Sept", "Feb"};
    if (newsmine_tokenizer_new(abbreviations, sizeof abbreviations / sizeof *abbreviations,
                               &tokenizer) != NEWSMINE_OK)
        abort();
    return 0;
}

static bool at_boundary(const char *s, size_t n, size_t pos)
{
    return pos == 0 || pos == n || (pos < n && ((unsigned char)s[pos] & 0xC0) != 0x80);
}

static bool is_space_cp(int32_t cp)
{
    if (cp == 0x85 || (cp >= 0x09 && cp <= 0x0D) || cp == ' ') return true;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

static bool is_letter_cp(int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* True when [from, to) is white space only. */
static bool all_space(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to;) {
        int32_t cp;
        i += newsmine_utf8_decode((const unsigned char *)s + i, to - i, &cp);
        if (!is_space_cp(cp)) return false;
    }
    return true;
}

static bool has_letter(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to;) {
        int32_t cp;
        i += newsmine_utf8_decode((const unsigned char *)s + i, to - i, &cp);
        if (is_letter_cp(cp)) return true;
    }
    return false;
}

static void check(const char *text, size_t len, const newsmine_token *tokens, size_t count)
{
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        const newsmine_token *t = &tokens[i];
        FUZZ_CHECK(t->start >= at && t->start < t->end && t->end <= len);
        FUZZ_CHECK(at_boundary(text, len, t->start) && at_boundary(text, len, t->end));
        FUZZ_CHECK(all_space(text, at, t->start));
        FUZZ_CHECK(!(t->flags & NEWSMINE_TOKF_SPACE_BEFORE) == (t->start == at));
        FUZZ_CHECK(t->kind >= NEWSMINE_TOK_WORD && t->kind <= NEWSMINE_TOK_PUNCT);
        int32_t first;
        size_t first_len =
            newsmine_utf8_decode((const unsigned char *)text + t->start, t->end - t->start, &first);
        FUZZ_CHECK(!is_space_cp(first));
        if (t->kind == NEWSMINE_TOK_NUMBER)
            FUZZ_CHECK(utf8proc_category(first) == UTF8PROC_CATEGORY_ND);
        if (t->kind == NEWSMINE_TOK_PUNCT) FUZZ_CHECK(t->end - t->start == first_len);
        if (t->kind == NEWSMINE_TOK_ABBR) FUZZ_CHECK(text[t->end - 1] == '.');
        if (t->flags & NEWSMINE_TOKF_CAP) FUZZ_CHECK(is_letter_cp(first));
        if (t->flags & NEWSMINE_TOKF_UPPER) FUZZ_CHECK(has_letter(text, t->start, t->end));
        if (i == 0) FUZZ_CHECK(t->flags & NEWSMINE_TOKF_SENT_START);
        at = t->end;
    }
    FUZZ_CHECK(all_space(text, at, len));
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
    newsmine_token *tokens;
    size_t count;
    FUZZ_CHECK(newsmine_tokenize(tokenizer, nt.text, nt.len, &arena, &tokens, &count) ==
               NEWSMINE_OK);
    check(nt.text, nt.len, tokens, count);
    /* the raw (repaired, not normalised) text must not break it either */
    FUZZ_CHECK(newsmine_tokenize(tokenizer, src.data, src.len, &arena, &tokens, &count) ==
               NEWSMINE_OK);
    check(src.data, src.len, tokens, count);
    /* nor a tokeniser without abbreviations */
    FUZZ_CHECK(newsmine_tokenize(NULL, nt.text, nt.len, &arena, &tokens, &count) == NEWSMINE_OK);
    check(nt.text, nt.len, tokens, count);
    newsmine_arena_free(&arena);
    newsmine_buffer_free(&src);
    return 0;
}
