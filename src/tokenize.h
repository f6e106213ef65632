/* Stage 3, tokenising the normalised text.
 *
 * Tokens: words (letters and digits, with inner hyphens and apostrophes:
 * "Colonel-General", "Kazakhstan's", "al-Dulaimi"), numbers ("1,000", "2.5",
 * "139th", "155-mm" is a number then a word), abbreviations with periods
 * ("Gen.", "Lt.", "U.S.", "Dec."), and single punctuation characters.
 * Whitespace separates tokens and is not a token.
 *
 * Sentence boundaries: a token starts a sentence when it is the first of the
 * text or of a paragraph (blank line), or follows '.', '!' or '?' (with any
 * closing quotes or brackets) — but not after an abbreviation the tokenizer
 * knows, a single-letter initial or a number's decimal point.
 */
#ifndef NEWSMINE_TOKENIZE_H
#define NEWSMINE_TOKENIZE_H

#include "arena.h"
#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum newsmine_token_kind {
    NEWSMINE_TOK_WORD = 1,
    NEWSMINE_TOK_NUMBER, /* starts with a digit: 139, 1,000, 2.5, 139th, 1990s */
    NEWSMINE_TOK_ABBR,   /* a word with periods: Gen. U.S. Lt. */
    NEWSMINE_TOK_PUNCT
} newsmine_token_kind;

enum {
    NEWSMINE_TOKF_CAP = 1u << 0,        /* first character is an upper-case letter */
    NEWSMINE_TOKF_UPPER = 1u << 1,      /* every letter upper case, at least one letter */
    NEWSMINE_TOKF_SENT_START = 1u << 2, /* first token of a sentence */
    NEWSMINE_TOKF_ORDINAL = 1u << 3,    /* a number with st/nd/rd/th */
    NEWSMINE_TOKF_SPACE_BEFORE = 1u << 4 /* whitespace precedes the token */
};

typedef struct newsmine_token {
    uint32_t start, end; /* bytes of the normalised text */
    uint16_t kind;
    uint16_t flags;
} newsmine_token;

/* Immutable, shared across threads: the abbreviations that do not end a
 * sentence. */
typedef struct newsmine_tokenizer newsmine_tokenizer;

/* abbreviations: n words without their final period ("Gen", "U.S", "Dec"),
 * compared case-sensitively; copied. */
newsmine_status newsmine_tokenizer_new(const char *const *abbreviations, size_t n,
                                       newsmine_tokenizer **out);
void newsmine_tokenizer_free(newsmine_tokenizer *tk);

/* Tokenises len bytes of normalised UTF-8 text. The token array lives in
 * arena. */
newsmine_status newsmine_tokenize(const newsmine_tokenizer *tk, const char *text, size_t len,
                                  newsmine_arena *arena, newsmine_token **tokens, size_t *count);

#endif
