/* Stage 3, tokenising the normalised text (see tokenize.h).
 *
 * Choices beyond the header:
 * - A hyphen joins two letters only: "Colonel-General" and "twenty-five" are
 *   one word, "F-16", "155-mm", "COVID-19" and "20-year" are split around a
 *   '-' token. An apostrophe joins a word to a following letter or digit
 *   ("don't", "O'Neill"), except the possessive "'s" ending a word, which is
 *   split off so that "Kazakhstan's" finds "Kazakhstan"; numbers never take
 *   one ("1990's" is 1990 ' s).
 * - A number is digits with inner ',' or '.' before a digit, then an optional
 *   suffix of word characters ("139th", "1990s", "155mm", "2.5km").
 * - An abbreviation is a word followed by '.' that is in the set (entries may
 *   hold inner periods: "U.S", "Ph.D"), a dotted acronym of single letters
 *   ("U.S.", "a.m.", "e.g."), or a single upper-case initial ("C."). The
 *   longest candidate wins.
 * - The period of an abbreviation never ends a sentence, not even "U.S."
 *   before a capitalised word ("in the U.S. The army" is one sentence).
 * - A sentence starts at the first token, after a blank line (or U+2029), and
 *   after '.', '!' or '?' tokens followed by closing ')', ']', '}' or a quote
 *   with no space before it; a quote with a space before it opens the next
 *   sentence and takes the flag. A single line break is no boundary.
 * - A NULL tokenizer means an empty abbreviation set. An empty text gives
 *   *tokens == NULL and *count == 0.
 */
#include "tokenize.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ------------------------------------------------------ character classes */

enum {
    C_UPPER = 1u << 0,   /* Lu, Lt */
    C_LETTER = 1u << 1,  /* the other letters: Ll, Lm, Lo */
    C_DIGIT = 1u << 2,   /* 0-9 and Nd */
    C_MARK = 1u << 3,    /* Mn, Mc, Me */
    C_NUMERIC = 1u << 4, /* Nl, No */
    C_SPACE = 1u << 5,
    C_PUNCT = 1u << 6,
    C_MULTIBYTE = 1u << 7, /* ascii_class only: a lead byte, ask utf8proc */
    C_LETTERS = C_UPPER | C_LETTER,
    C_ALPHA = C_LETTERS | C_MARK,
    C_WORD = C_ALPHA | C_DIGIT | C_NUMERIC
};

#define P_ C_PUNCT
#define S_ C_SPACE
#define D_ C_DIGIT
#define U_ C_UPPER
#define L_ C_LETTER
#define M_ C_MULTIBYTE
#define M16_ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_

static const unsigned char ascii_class[256] = {
    P_,   P_,   P_,   P_,   P_,   P_,   P_,   P_,  P_, S_, S_, S_, S_, S_, P_, P_, /* 0x00 */
    P_,   P_,   P_,   P_,   P_,   P_,   P_,   P_,  P_, P_, P_, P_, P_, P_, P_, P_, /* 0x10 */
    S_,   P_,   P_,   P_,   P_,   P_,   P_,   P_,  P_, P_, P_, P_, P_, P_, P_, P_, /* 0x20 */
    D_,   D_,   D_,   D_,   D_,   D_,   D_,   D_,  D_, D_, P_, P_, P_, P_, P_, P_, /* 0x30 */
    P_,   U_,   U_,   U_,   U_,   U_,   U_,   U_,  U_, U_, U_, U_, U_, U_, U_, U_, /* 0x40 */
    U_,   U_,   U_,   U_,   U_,   U_,   U_,   U_,  U_, U_, U_, P_, P_, P_, P_, P_, /* 0x50 */
    P_,   L_,   L_,   L_,   L_,   L_,   L_,   L_,  L_, L_, L_, L_, L_, L_, L_, L_, /* 0x60 */
    L_,   L_,   L_,   L_,   L_,   L_,   L_,   L_,  L_, L_, L_, P_, P_, P_, P_, P_, /* 0x70 */
    M16_, M16_, M16_, M16_, M16_, M16_, M16_, M16_};

#undef P_
#undef S_
#undef D_
#undef U_
#undef L_
#undef M_
#undef M16_

static unsigned unicode_class(const unsigned char *s, size_t n, size_t *char_len)
{
    int32_t cp;
    *char_len = newsmine_utf8_decode(s, n, &cp);
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        return C_UPPER;
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return C_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return C_MARK;
    case UTF8PROC_CATEGORY_ND:
        return C_DIGIT;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return C_NUMERIC;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return C_SPACE;
    default:
        return cp == 0x85 ? C_SPACE : C_PUNCT; /* NEL is a Cc line break */
    }
}

/* ------------------------------------------------------- abbreviation set */

typedef struct abbr_slot {
    const char *text; /* NULL: empty slot */
    uint32_t len;
    uint32_t hash;
} abbr_slot;

struct newsmine_tokenizer {
    abbr_slot *slots;
    size_t mask; /* slot count - 1, a power of two minus one */
    size_t count;
    size_t max_len;
    size_t max_segments; /* most period-separated parts in one entry */
    char *strings;
};

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static bool abbr_contains(const newsmine_tokenizer *tk, const char *s, size_t n)
{
    if (!tk || n == 0 || n > tk->max_len) return false;
    uint32_t h = fnv1a(s, n);
    for (size_t i = h & tk->mask;; i = (i + 1) & tk->mask) {
        const abbr_slot *slot = &tk->slots[i];
        if (!slot->text) return false;
        if (slot->hash == h && slot->len == n && memcmp(slot->text, s, n) == 0) return true;
    }
}

static void abbr_insert(newsmine_tokenizer *tk, const char *s, size_t n)
{
    if (n == 0 || abbr_contains(tk, s, n)) return;
    uint32_t h = fnv1a(s, n);
    size_t i = h & tk->mask;
    while (tk->slots[i].text)
        i = (i + 1) & tk->mask;
    tk->slots[i] = (abbr_slot){s, (uint32_t)n, h};
    tk->count++;
    if (n > tk->max_len) tk->max_len = n;
    size_t segments = 1;
    for (size_t k = 0; k < n; k++)
        segments += s[k] == '.';
    if (segments > tk->max_segments) tk->max_segments = segments;
}

/* Entries are given without their final period; one is dropped if present. */
static size_t entry_length(const char *s)
{
    size_t n = strlen(s);
    return n && s[n - 1] == '.' ? n - 1 : n;
}

static newsmine_status abbr_table_alloc(newsmine_tokenizer *tk, const char *const *abbreviations,
                                        size_t n)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!abbreviations[i]) return NEWSMINE_ERR_ARG;
        size_t len = entry_length(abbreviations[i]);
        if (len > UINT32_MAX || bytes > SIZE_MAX - len) return NEWSMINE_ERR_LIMIT;
        bytes += len;
    }
    size_t slots = 8;
    while (slots < 2 * n) {
        if (slots > SIZE_MAX / 2 / sizeof(abbr_slot)) return NEWSMINE_ERR_NOMEM;
        slots *= 2;
    }
    tk->slots = calloc(slots, sizeof *tk->slots);
    tk->strings = malloc(bytes ? bytes : 1);
    tk->mask = slots - 1;
    return tk->slots && tk->strings ? NEWSMINE_OK : NEWSMINE_ERR_NOMEM;
}

newsmine_status newsmine_tokenizer_new(const char *const *abbreviations, size_t n,
                                       newsmine_tokenizer **out)
{
    if (!out) return NEWSMINE_ERR_ARG;
    *out = NULL;
    if (!abbreviations && n) return NEWSMINE_ERR_ARG;
    newsmine_tokenizer *tk = calloc(1, sizeof *tk);
    if (!tk) return NEWSMINE_ERR_NOMEM;
    newsmine_status status = abbr_table_alloc(tk, abbreviations, n);
    if (status != NEWSMINE_OK) {
        newsmine_tokenizer_free(tk);
        return status;
    }
    char *dst = tk->strings;
    for (size_t i = 0; i < n; i++) {
        size_t len = entry_length(abbreviations[i]);
        memcpy(dst, abbreviations[i], len);
        abbr_insert(tk, dst, len);
        dst += len;
    }
    *out = tk;
    return NEWSMINE_OK;
}

void newsmine_tokenizer_free(newsmine_tokenizer *tk)
{
    if (!tk) return;
    free(tk->slots);
    free(tk->strings);
    free(tk);
}

/* ---------------------------------------------------------------- scanner */

enum sentence_state {
    SENT_NONE,
    SENT_NEXT,     /* the next token starts a sentence */
    SENT_AFTER_END /* the next token that is not a closer or terminator does */
};

typedef struct scanner {
    const newsmine_tokenizer *tk;
    const unsigned char *text;
    size_t len;
    newsmine_arena *arena;
    newsmine_token *tokens;
    size_t count, cap;
    enum sentence_state sentence;
} scanner;

/* The class of the character at i < len; stores its length. */
static inline unsigned class_at(const scanner *sc, size_t i, size_t *char_len)
{
    unsigned c = ascii_class[sc->text[i]];
    *char_len = 1;
    if (c & C_MULTIBYTE) c = unicode_class(sc->text + i, sc->len - i, char_len);
    return c;
}

/* The class of the character at i, or 0 at the end of the text. */
static inline unsigned class_or_end(const scanner *sc, size_t i)
{
    size_t char_len;
    return i < sc->len ? class_at(sc, i, &char_len) : 0;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORD_AT_A_TIME 1

#define BYTES(b) (0x0101010101010101ull * (b))

/* The high bit of each byte of x that lies strictly between lo and hi
 * (hi <= 128); bytes of 128 and more never do. */
static inline uint64_t bytes_between(uint64_t x, unsigned lo, unsigned hi)
{
    uint64_t low7 = x & BYTES(127);
    return (BYTES(127 + hi) - low7) & ~x & (low7 + BYTES(127 - lo)) & BYTES(128);
}

/* How many of the 8 bytes at p are ASCII letters or digits before the first
 * that is not; ORs their classes into *seen. Avoids a mispredicted loop exit
 * per word. */
static inline size_t ascii_word_bytes(const unsigned char *p, unsigned *seen)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    uint64_t upper = bytes_between(x, '@', '[');
    uint64_t lower = bytes_between(x, '`', '{');
    uint64_t digit = bytes_between(x, '/', ':');
    uint64_t stop = ~(upper | lower | digit) & BYTES(128);
    uint64_t before_stop = stop ? (stop & (0 - stop)) - 1 : ~0ull;
    *seen |= ((upper & before_stop) ? C_UPPER : 0u) | ((lower & before_stop) ? C_LETTER : 0u) |
             ((digit & before_stop) ? C_DIGIT : 0u);
    return stop ? (size_t)__builtin_ctzll(stop) / 8 : 8;
}
#else
#define WORD_AT_A_TIME 0
#endif

/* Skips characters whose class is in mask (never C_MULTIBYTE); ORs their
 * classes into *seen and leaves the last one in *last. */
static size_t scan_run(const scanner *sc, size_t i, unsigned mask, unsigned *seen, unsigned *last)
{
    const unsigned char *text = sc->text;
    size_t len = sc->len;
    unsigned seen_here = 0, last_here = *last; /* locals: no stores through pointers per byte */
    while (i < len) {
#if WORD_AT_A_TIME
        if (mask == C_WORD && len - i >= 8) {
            size_t n = ascii_word_bytes(text + i, &seen_here);
            if (n) last_here = ascii_class[text[i + n - 1]];
            i += n;
            if (n == 8) continue;
        }
#endif
        unsigned c = ascii_class[text[i]];
        if (c & mask) {
            seen_here |= c;
            last_here = c;
            i++;
            continue;
        }
        if (!(c & C_MULTIBYTE)) break;
        size_t char_len;
        c = unicode_class(text + i, len - i, &char_len);
        if (!(c & mask)) break;
        seen_here |= c;
        last_here = c;
        i += char_len;
    }
    *seen |= seen_here;
    *last = last_here;
    return i;
}

static bool is_paragraph_separator(const unsigned char *s, size_t n)
{
    return n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0xA9; /* U+2029 */
}

/* Skips whitespace from i; a blank line in it starts a sentence. */
static size_t skip_space(scanner *sc, size_t i)
{
    const unsigned char *text = sc->text;
    /* The usual gap: one space, then an ASCII character that is not space. */
    if (i + 1 < sc->len && text[i] == ' ' && !(ascii_class[text[i + 1]] & (C_SPACE | C_MULTIBYTE)))
        return i + 1;
    unsigned newlines = 0;
    while (i < sc->len) {
        size_t char_len;
        if (!(class_at(sc, i, &char_len) & C_SPACE)) break;
        if (text[i] == '\n') newlines++;
        if (char_len == 3 && is_paragraph_separator(text + i, 3)) newlines += 2;
        i += char_len;
    }
    if (newlines >= 2) sc->sentence = SENT_NEXT;
    return i;
}

static uint16_t case_flags(unsigned first, unsigned seen)
{
    uint16_t flags = 0;
    if (first & C_UPPER) flags |= NEWSMINE_TOKF_CAP;
    if ((seen & C_UPPER) && !(seen & C_LETTER)) flags |= NEWSMINE_TOKF_UPPER;
    return flags;
}

static bool is_ordinal_suffix(const unsigned char *s, size_t n)
{
    if (n != 2) return false;
    unsigned char a = s[0] | 0x20, b = s[1] | 0x20; /* ASCII lower case */
    return (a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
           (a == 't' && b == 'h');
}

static void scan_number(const scanner *sc, newsmine_token *tok, unsigned *seen)
{
    const unsigned char *text = sc->text;
    unsigned last = 0;
    size_t i = scan_run(sc, tok->start, C_DIGIT, seen, &last);
    while (i + 1 < sc->len && (text[i] == ',' || text[i] == '.') &&
           (class_or_end(sc, i + 1) & C_DIGIT))
        i = scan_run(sc, i + 1, C_DIGIT, seen, &last);
    size_t suffix = i;
    i = scan_run(sc, i, C_WORD, seen, &last);
    if (is_ordinal_suffix(text + suffix, i - suffix)) tok->flags |= NEWSMINE_TOKF_ORDINAL;
    tok->end = (uint32_t)i;
}

static bool hyphen_joins(unsigned before, unsigned after)
{
    return (before & C_ALPHA) && (after & C_LETTERS);
}

/* "'s" ending a word is the possessive clitic, a token of its own, so that
 * "Kazakhstan's" is found as "Kazakhstan". */
static bool is_possessive(const scanner *sc, size_t i)
{
    if (sc->text[i] != '\'' || i + 1 >= sc->len || (sc->text[i + 1] | 0x20) != 's') return false;
    return !(class_or_end(sc, i + 2) & (C_LETTERS | C_DIGIT));
}

/* A run of word characters with inner hyphens and apostrophes. */
static size_t scan_word(const scanner *sc, size_t i, unsigned *seen)
{
    unsigned last = 0;
    i = scan_run(sc, i, C_WORD, seen, &last);
    while (i + 1 < sc->len && (sc->text[i] == '-' || sc->text[i] == '\'')) {
        unsigned next = class_or_end(sc, i + 1);
        bool joins =
            sc->text[i] == '-' ? hyphen_joins(last, next) : (next & (C_LETTERS | C_DIGIT)) != 0;
        if (!joins || is_possessive(sc, i)) break;
        i = scan_run(sc, i + 1, C_WORD, seen, &last);
    }
    return i;
}

enum { MAX_DOTTED_SEGMENTS = 8 };

/* Word-character segments each followed by '.', the first being the word
 * [start, dots[0]). */
typedef struct dotted_chain {
    size_t dots[MAX_DOTTED_SEGMENTS]; /* position of each segment's period */
    size_t count;
    size_t single_letters; /* leading segments that are one letter */
    unsigned first_class;  /* class of the first segment when it is one letter */
} dotted_chain;

/* The class of [start, end) when it is a single letter, else 0. */
static unsigned single_letter_class(const scanner *sc, size_t start, size_t end)
{
    size_t char_len;
    unsigned c = class_at(sc, start, &char_len);
    return start + char_len == end && (c & C_LETTERS) ? c : 0;
}

static void scan_dotted_chain(const scanner *sc, size_t start, size_t word_end, dotted_chain *ch)
{
    ch->dots[0] = word_end;
    ch->count = 1;
    ch->first_class = single_letter_class(sc, start, word_end);
    ch->single_letters = ch->first_class ? 1 : 0;
    size_t limit = ch->first_class ? MAX_DOTTED_SEGMENTS : sc->tk ? sc->tk->max_segments : 1;
    if (limit > MAX_DOTTED_SEGMENTS) limit = MAX_DOTTED_SEGMENTS;
    while (ch->count < limit) {
        size_t seg = ch->dots[ch->count - 1] + 1;
        if (!(class_or_end(sc, seg) & C_WORD)) break;
        unsigned seen = 0, last = 0;
        size_t seg_end = scan_run(sc, seg, C_WORD, &seen, &last);
        if (seg_end >= sc->len || sc->text[seg_end] != '.') break;
        if (ch->single_letters == ch->count && single_letter_class(sc, seg, seg_end))
            ch->single_letters++;
        ch->dots[ch->count++] = seg_end;
    }
}

/* The end of the abbreviation (after its period) that starts with the word
 * [start, word_end) followed by '.', or 0 if there is none. */
static size_t abbreviation_end(const scanner *sc, size_t start, size_t word_end)
{
    dotted_chain ch;
    scan_dotted_chain(sc, start, word_end, &ch);
    size_t end = ch.single_letters >= 2 ? ch.dots[ch.single_letters - 1] + 1 : 0;
    for (size_t k = ch.count; k-- > 0 && ch.dots[k] + 1 > end;) {
        if (abbr_contains(sc->tk, (const char *)sc->text + start, ch.dots[k] - start)) {
            end = ch.dots[k] + 1;
            break;
        }
    }
    if (!end && (ch.first_class & C_UPPER)) end = word_end + 1;
    return end;
}

static unsigned classes_in(const scanner *sc, size_t start, size_t end)
{
    unsigned seen = 0;
    for (size_t i = start, char_len; i < end; i += char_len)
        seen |= class_at(sc, i, &char_len);
    return seen;
}

static void scan_word_or_abbreviation(const scanner *sc, newsmine_token *tok, unsigned *seen)
{
    size_t end = scan_word(sc, tok->start, seen);
    tok->kind = NEWSMINE_TOK_WORD;
    if (end < sc->len && sc->text[end] == '.') {
        size_t abbr_end = abbreviation_end(sc, tok->start, end);
        if (abbr_end) {
            tok->kind = NEWSMINE_TOK_ABBR;
            *seen = classes_in(sc, tok->start, abbr_end);
            end = abbr_end;
        }
    }
    tok->end = (uint32_t)end;
}

/* The token starting at the non-space character at start. */
static newsmine_token scan_token(const scanner *sc, size_t start)
{
    size_t char_len;
    unsigned first = class_at(sc, start, &char_len);
    newsmine_token tok = {(uint32_t)start, (uint32_t)(start + char_len), NEWSMINE_TOK_PUNCT, 0};
    if (!(first & C_WORD)) return tok;
    unsigned seen = 0;
    if (first & C_DIGIT) {
        tok.kind = NEWSMINE_TOK_NUMBER;
        scan_number(sc, &tok, &seen);
    } else {
        scan_word_or_abbreviation(sc, &tok, &seen);
    }
    tok.flags |= case_flags(first, seen);
    return tok;
}

enum punct_role { ROLE_OTHER, ROLE_TERMINATOR, ROLE_CLOSER };

/* Terminators end a sentence; closers (a closing bracket, or a quote attached
 * to what precedes it) let the end pass on to the token after them. */
static enum punct_role punct_role(const scanner *sc, const newsmine_token *tok)
{
    if (tok->kind != NEWSMINE_TOK_PUNCT) return ROLE_OTHER;
    switch (sc->text[tok->start]) {
    case '.':
    case '!':
    case '?':
        return ROLE_TERMINATOR;
    case ')':
    case ']':
    case '}':
        return ROLE_CLOSER;
    case '"':
    case '\'':
        return tok->flags & NEWSMINE_TOKF_SPACE_BEFORE ? ROLE_OTHER : ROLE_CLOSER;
    default:
        return ROLE_OTHER;
    }
}

static void mark_sentence_start(scanner *sc, newsmine_token *tok)
{
    enum punct_role role = punct_role(sc, tok);
    if (sc->sentence == SENT_NEXT || (sc->sentence == SENT_AFTER_END && role == ROLE_OTHER)) {
        tok->flags |= NEWSMINE_TOKF_SENT_START;
        sc->sentence = SENT_NONE;
    }
    if (role == ROLE_TERMINATOR) sc->sentence = SENT_AFTER_END;
}

/* Guesses the final token count from the density so far; never more than
 * one token per remaining byte. */
static size_t next_capacity(const scanner *sc, size_t pos)
{
    size_t remaining = sc->len - pos;
    if (sc->cap == 0) return remaining / 5 + 16;
    double density = (double)sc->count / (double)pos;
    double guess = (double)sc->count + density * (double)remaining * 1.125 + 16.0;
    size_t want = sc->count + sc->count / 2 + 16;
    if (guess > (double)want) want = (size_t)guess;
    if (want > sc->count + remaining) want = sc->count + remaining;
    return want;
}

static bool grow_tokens(scanner *sc, size_t pos)
{
    size_t cap = next_capacity(sc, pos);
    if (cap > SIZE_MAX / sizeof(newsmine_token)) return false;
    newsmine_token *tokens = newsmine_arena_alloc(sc->arena, cap * sizeof *tokens);
    if (!tokens) return false;
    if (sc->count) memcpy(tokens, sc->tokens, sc->count * sizeof *tokens);
    sc->tokens = tokens;
    sc->cap = cap;
    return true;
}

static newsmine_status scan_all(scanner *sc)
{
    size_t i = 0;
    sc->sentence = SENT_NEXT;
    for (;;) {
        size_t gap = i;
        i = skip_space(sc, i);
        if (i >= sc->len) return NEWSMINE_OK;
        newsmine_token tok = scan_token(sc, i);
        if (i > gap) tok.flags |= NEWSMINE_TOKF_SPACE_BEFORE;
        mark_sentence_start(sc, &tok);
        if (sc->count == sc->cap && !grow_tokens(sc, i)) return NEWSMINE_ERR_NOMEM;
        sc->tokens[sc->count++] = tok;
        i = tok.end;
    }
}

newsmine_status newsmine_tokenize(const newsmine_tokenizer *tk, const char *text, size_t len,
                                  newsmine_arena *arena, newsmine_token **tokens, size_t *count)
{
    if (!tokens || !count) return NEWSMINE_ERR_ARG;
    *tokens = NULL;
    *count = 0;
    if (!arena || (!text && len)) return NEWSMINE_ERR_ARG;
    if (len > UINT32_MAX - 1) return NEWSMINE_ERR_LIMIT;
    scanner sc = {.tk = tk, .text = (const unsigned char *)text, .len = len, .arena = arena};
    newsmine_status status = scan_all(&sc);
    if (status != NEWSMINE_OK) return status;
    *tokens = sc.tokens;
    *count = sc.count;
    return NEWSMINE_OK;
}
