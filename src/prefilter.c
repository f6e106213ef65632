/* Prefilters read from a pattern (see prefilter.h).
 *
 * The pattern is parsed into a tree (groups, alternations, repeats,
 * characters, classes, assertions), every node annotated with whether it
 * can match the empty string, whether its first and last characters can be
 * ASCII letters and how many characters that may be white space it can
 * consume at most. Clauses are then collected from what every match must
 * consume. The parser accepts the PCRE2 syntax the rule files use and gives
 * up (no clauses) on anything else: back references, \Q..\E, POSIX classes,
 * options other than i, unknown escapes. */
#include "prefilter.h"

#include "hash.h"
#include "util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ tree */

typedef enum node_kind {
    N_EMPTY,
    N_CHAR,
    N_CLASS,
    N_ASSERT, /* \b (word_boundary) or another zero-width assertion */
    N_LOOK,
    N_GROUP,
    N_CONCAT,
    N_ALT,
    N_REPEAT
} node_kind;

/* What a single-character item can match, as far as the analysis needs. */
typedef struct charset {
    uint64_t ascii[2];  /* bit c: ASCII character c */
    bool letter_beyond; /* may match an ASCII letter beyond the bitmap (caseless non-ASCII) */
    bool nel;           /* may match U+0085, a space to the tokenizer */
    bool other_space;   /* may match another non-ASCII space (never after normalisation) */
    bool nonascii;      /* may match some non-ASCII character */
    bool approx;        /* an item was over-approximated: no exact negation */
} charset;

#define UNBOUNDED UINT32_MAX

typedef struct node node;
typedef struct strset strset;

/* A node's exact strings, kept compact (strset holds room for the most). */
typedef struct strview {
    size_t n;
    const char *const *s;
    const unsigned char *len;
} strview;
struct node {
    node_kind kind;
    node *parent;
    size_t index; /* in parent->kids */
    /* N_CHAR */
    uint32_t cp;
    bool caseless;
    /* N_CHAR, N_CLASS */
    charset set;
    /* N_ASSERT */
    bool word_boundary;
    /* N_LOOK */
    bool ahead, negative;
    /* N_REPEAT */
    uint32_t min, max; /* max UNBOUNDED: no limit */
    /* N_GROUP, N_LOOK, N_REPEAT: one kid; N_CONCAT, N_ALT: any number */
    node **kids;
    size_t nkids, kcap;
    /* annotations */
    bool nullable, first_letter, last_letter, first_g, last_g, space;
    /* first_letter (last_letter) on a path where no \b inside the node comes
     * before (after) that letter: a letter a \b closes has no ASCII letter
     * next to it outside the node */
    bool first_letter_open, last_letter_open;
    unsigned char exact_state;   /* exact(): 0 not known yet, 1 exact, 2 not */
    const strview *exact_set;
    uint32_t runs; /* gaps the text it consumes may touch, at most (gaps()) */
};

typedef struct parser {
    const unsigned char *s;
    size_t n, i;
    newsmine_arena *arena;
    bool failed; /* syntax the analysis does not read */
    bool nomem;
    unsigned depth;
} parser;

static node *new_node(parser *p, node_kind kind)
{
    node *nd = newsmine_arena_alloc(p->arena, sizeof *nd);
    if (!nd) {
        p->nomem = true;
        return NULL;
    }
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    return nd;
}

static bool add_kid(parser *p, node *parent, node *kid)
{
    if (parent->nkids == parent->kcap) {
        size_t cap = parent->kcap ? parent->kcap * 2 : 4;
        node **k = newsmine_arena_alloc(p->arena, cap * sizeof *k);
        if (!k) {
            p->nomem = true;
            return false;
        }
        if (parent->nkids) memcpy(k, parent->kids, parent->nkids * sizeof *k);
        parent->kids = k;
        parent->kcap = cap;
    }
    kid->parent = parent;
    kid->index = parent->nkids;
    parent->kids[parent->nkids++] = kid;
    return true;
}

static bool give_up(parser *p)
{
    p->failed = true;
    return false;
}

/* -------------------------------------------------------------- charsets */

static void set_add(charset *cs, uint32_t c, bool caseless)
{
    if (c < 128) {
        cs->ascii[c >> 6] |= 1ull << (c & 63);
        if (caseless && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
            uint32_t o = c ^ 0x20;
            cs->ascii[o >> 6] |= 1ull << (o & 63);
        }
        return;
    }
    cs->nonascii = true;
    if (c == 0x85) cs->nel = true;
    if (caseless) cs->letter_beyond = true; /* KELVIN SIGN, LONG S, DOTLESS I... */
}

static void set_range(charset *cs, uint32_t lo, uint32_t hi, bool caseless)
{
    for (uint32_t c = lo; c <= hi && c < 128; c++)
        set_add(cs, c, caseless);
    if (hi >= 128) {
        cs->nonascii = true;
        if (lo <= 0x85 && hi >= 0x85) cs->nel = true;
        if (hi >= 0xA0) cs->other_space = true;
        if (caseless) cs->letter_beyond = true;
    }
}

static bool set_has(const charset *cs, uint32_t c)
{
    return c < 128 && (cs->ascii[c >> 6] >> (c & 63) & 1u);
}

/* 'A'..'Z' and 'a'..'z' in the second word of the bitmap (65-90, 97-122) */
#define LETTER_BITS ((((1ull << 26) - 1) << 1) | (((1ull << 26) - 1) << 33))

static bool set_may_letter(const charset *cs)
{
    return cs->letter_beyond || (cs->ascii[1] & LETTER_BITS) != 0;
}

static bool set_all_letters(const charset *cs)
{
    return (cs->ascii[1] & LETTER_BITS) == LETTER_BITS;
}

/* The tokenizer's white space after normalisation: \t \n \v \f \r, space,
 * NEL (other space separators become ' ' or '\n'). */
#define SPACE_BITS ((0x1full << '\t') | (1ull << ' '))

static bool set_may_space(const charset *cs)
{
    return (cs->ascii[0] & SPACE_BITS) != 0 || cs->nel || cs->other_space;
}

static bool set_only_digits(const charset *cs)
{
    if (cs->nonascii || cs->letter_beyond) return false;
    bool any = false;
    for (uint32_t c = 0; c < 128; c++) {
        if (!set_has(cs, c)) continue;
        if (c < '0' || c > '9') return false;
        any = true;
    }
    return any;
}

static void set_everything(charset *cs)
{
    cs->ascii[0] = cs->ascii[1] = ~0ull;
    cs->letter_beyond = cs->nel = cs->other_space = cs->nonascii = true;
}

static void set_negate(charset *cs)
{
    cs->ascii[0] = ~cs->ascii[0];
    cs->ascii[1] = ~cs->ascii[1];
    cs->nel = !cs->nel;
    cs->other_space = true;
    cs->nonascii = true;
    cs->letter_beyond = false; /* the bitmap now holds every ASCII letter not excluded */
}

/* \d \s \w and their negations (ASCII only: no PCRE2_UCP), \h \v. */
static bool set_add_escape_class(charset *cs, unsigned char e)
{
    charset t = {{0, 0}, false, false, false, false, false};
    switch (e | 0x20) {
    case 'd':
        set_range(&t, '0', '9', false);
        break;
    case 's':
        set_add(&t, ' ', false);
        set_range(&t, '\t', '\r', false);
        break;
    case 'w':
        set_range(&t, '0', '9', false);
        set_range(&t, 'A', 'Z', false);
        set_range(&t, 'a', 'z', false);
        set_add(&t, '_', false);
        break;
    case 'h':
        set_add(&t, ' ', false);
        set_add(&t, '\t', false);
        t.nonascii = t.other_space = true;
        break;
    case 'v':
        set_range(&t, '\n', '\r', false);
        t.nonascii = t.nel = t.other_space = true;
        break;
    default:
        return false;
    }
    if (e >= 'A' && e <= 'Z') set_negate(&t);
    cs->ascii[0] |= t.ascii[0];
    cs->ascii[1] |= t.ascii[1];
    cs->nel |= t.nel;
    cs->other_space |= t.other_space;
    cs->nonascii |= t.nonascii;
    cs->letter_beyond |= t.letter_beyond;
    return true;
}

/* \p{...} \P{...} \pL: letters and numbers exactly, anything else conservatively. */
static bool parse_property(parser *p, charset *cs)
{
    bool negated = p->s[p->i - 1] == 'P';
    const unsigned char *name;
    size_t len;
    if (p->i < p->n && p->s[p->i] == '{') {
        size_t close = p->i + 1;
        while (close < p->n && p->s[close] != '}')
            close++;
        if (close >= p->n) return give_up(p);
        name = p->s + p->i + 1;
        len = close - p->i - 1;
        p->i = close + 1;
    } else if (p->i < p->n) {
        name = p->s + p->i;
        len = 1;
        p->i++;
    } else {
        return give_up(p);
    }
    if (len == 1 && name[0] == 'L' && !negated) {
        set_range(cs, 'A', 'Z', false);
        set_range(cs, 'a', 'z', false);
        cs->nonascii = true;
        cs->letter_beyond = true;
        return true;
    }
    /* numbers: the ASCII digits and others beyond ASCII, no letter, no space */
    if (((len == 1 && name[0] == 'N') || (len == 2 && name[0] == 'N' && name[1] == 'd')) &&
        !negated) {
        set_range(cs, '0', '9', false);
        cs->nonascii = true;
        return true;
    }
    set_everything(cs);
    cs->approx = true;
    return true;
}

/* ------------------------------------------------------------- scanning */

static uint32_t next_cp(parser *p)
{
    int32_t cp;
    size_t len = newsmine_utf8_decode(p->s + p->i, p->n - p->i, &cp);
    p->i += len;
    return (uint32_t)cp;
}

static bool is_pattern_space(uint32_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0x200E || c == 0x200F ||
           c == 0x2028 || c == 0x2029;
}

/* Extended mode: white space and # comments between items. */
static void skip_ignored(parser *p)
{
    while (p->i < p->n) {
        size_t at = p->i;
        uint32_t c = next_cp(p);
        if (is_pattern_space(c)) continue;
        if (c == '#') {
            while (p->i < p->n && p->s[p->i] != '\n')
                p->i++;
            continue;
        }
        p->i = at;
        return;
    }
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

/* \x{hhh} or \xhh after the x. */
static bool parse_hex(parser *p, uint32_t *out)
{
    uint32_t v = 0;
    if (p->i < p->n && p->s[p->i] == '{') {
        size_t k = p->i + 1, digits = 0;
        for (; k < p->n && hex_value(p->s[k]) >= 0 && digits < 8; k++, digits++)
            v = v * 16 + (uint32_t)hex_value(p->s[k]);
        if (!digits || k >= p->n || p->s[k] != '}') return give_up(p);
        p->i = k + 1;
    } else {
        for (int d = 0; d < 2 && p->i < p->n && hex_value(p->s[p->i]) >= 0; d++)
            v = v * 16 + (uint32_t)hex_value(p->s[p->i++]);
    }
    *out = v;
    return true;
}

/* A single-character escape: \n \t ... or an escaped non-alphanumeric. */
static bool simple_escape(parser *p, unsigned char e, uint32_t *out)
{
    switch (e) {
    case 'n': *out = '\n'; return true;
    case 't': *out = '\t'; return true;
    case 'r': *out = '\r'; return true;
    case 'f': *out = '\f'; return true;
    case 'e': *out = 0x1B; return true;
    case 'a': *out = 0x07; return true;
    case 'x': return parse_hex(p, out);
    default:
        if ((e >= '0' && e <= '9') || ((e | 0x20) >= 'a' && (e | 0x20) <= 'z')) return give_up(p);
        *out = e;
        return true;
    }
}

/* -------------------------------------------------------------- classes */

static node *parse_class(parser *p, bool caseless)
{
    node *nd = new_node(p, N_CLASS);
    if (!nd) return NULL;
    charset *cs = &nd->set;
    bool negated = false;
    if (p->i < p->n && p->s[p->i] == '^') {
        negated = true;
        p->i++;
    }
    bool first = true;
    for (;;) {
        if (p->i >= p->n) return give_up(p), NULL;
        unsigned char c = p->s[p->i];
        if (c == ']' && !first) {
            p->i++;
            break;
        }
        first = false;
        if (c == '[' && p->i + 1 < p->n && (p->s[p->i + 1] == ':' || p->s[p->i + 1] == '.' ||
                                             p->s[p->i + 1] == '='))
            return give_up(p), NULL; /* POSIX classes */
        uint32_t lo;
        bool single = true;
        if (c == '\\') {
            p->i++;
            if (p->i >= p->n) return give_up(p), NULL;
            unsigned char e = p->s[p->i++];
            if (set_add_escape_class(cs, e)) single = false;
            else if (e == 'p' || e == 'P') {
                if (!parse_property(p, cs)) return NULL;
                single = false;
            } else if (e == 'b') lo = 0x08;
            else if (!simple_escape(p, e, &lo)) return NULL;
        } else {
            lo = next_cp(p);
        }
        if (!single) continue;
        /* a range lo-hi, unless the '-' ends the class */
        if (p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']') {
            p->i++;
            uint32_t hi;
            if (p->s[p->i] == '\\') {
                p->i++;
                if (p->i >= p->n) return give_up(p), NULL;
                unsigned char e = p->s[p->i++];
                if (e == 'b') hi = 0x08;
                else if (!simple_escape(p, e, &hi)) return NULL;
            } else {
                hi = next_cp(p);
            }
            if (hi < lo) return give_up(p), NULL;
            set_range(cs, lo, hi, caseless);
        } else {
            set_add(cs, lo, caseless);
        }
    }
    if (negated && cs->approx) set_everything(cs);
    else if (negated) set_negate(cs);
    return nd;
}

/* ---------------------------------------------------------------- atoms */

static node *parse_alt(parser *p, bool *caseless);

static node *char_node(parser *p, uint32_t cp, bool caseless)
{
    node *nd = new_node(p, N_CHAR);
    if (!nd) return NULL;
    nd->cp = cp;
    nd->caseless = caseless;
    set_add(&nd->set, cp, caseless);
    return nd;
}

static node *class_node(parser *p)
{
    return new_node(p, N_CLASS);
}

/* The inside of a group up to its ')'. */
static node *group_body(parser *p, node_kind kind, bool caseless)
{
    if (++p->depth > 200) return give_up(p), NULL;
    node *nd = new_node(p, kind);
    node *body = nd ? parse_alt(p, &caseless) : NULL;
    p->depth--;
    if (!body) return NULL;
    if (p->i >= p->n || p->s[p->i] != ')') return give_up(p), NULL;
    p->i++;
    return add_kid(p, nd, body) ? nd : NULL;
}

/* After "(?": the kind of group, or an option setting. *option_set is true
 * for (?i) (no node: the options apply to the rest of the group). */
static node *parse_special_group(parser *p, bool *caseless, bool *option_set)
{
    *option_set = false;
    if (p->i >= p->n) return give_up(p), NULL;
    unsigned char c = p->s[p->i];
    if (c == ':') {
        p->i++;
        return group_body(p, N_GROUP, *caseless);
    }
    if (c == '>') { /* atomic: matches a subset of what the plain group matches */
        p->i++;
        return group_body(p, N_GROUP, *caseless);
    }
    if (c == '=' || c == '!') {
        p->i++;
        node *nd = group_body(p, N_LOOK, *caseless);
        if (nd) {
            nd->ahead = true;
            nd->negative = c == '!';
        }
        return nd;
    }
    if (c == '<' && p->i + 1 < p->n && (p->s[p->i + 1] == '=' || p->s[p->i + 1] == '!')) {
        bool negative = p->s[p->i + 1] == '!';
        p->i += 2;
        node *nd = group_body(p, N_LOOK, *caseless);
        if (nd) nd->negative = negative;
        return nd;
    }
    if (c == '<' || c == 'P' || c == '\'') { /* named group */
        if (c == 'P') {
            p->i++;
            if (p->i >= p->n || p->s[p->i] != '<') return give_up(p), NULL;
        }
        unsigned char close = p->s[p->i] == '\'' ? '\'' : '>';
        p->i++;
        size_t start = p->i;
        while (p->i < p->n && (p->s[p->i] == '_' || (p->s[p->i] >= '0' && p->s[p->i] <= '9') ||
                               ((p->s[p->i] | 0x20) >= 'a' && (p->s[p->i] | 0x20) <= 'z')))
            p->i++;
        if (p->i == start || p->i >= p->n || p->s[p->i] != close) return give_up(p), NULL;
        p->i++;
        return group_body(p, N_GROUP, *caseless);
    }
    /* option letters: only i (and its negation) is read */
    bool on = true, value = *caseless;
    while (p->i < p->n && p->s[p->i] != ':' && p->s[p->i] != ')') {
        unsigned char o = p->s[p->i++];
        if (o == '-') on = false;
        else if (o == 'i') value = on;
        else return give_up(p), NULL;
    }
    if (p->i >= p->n) return give_up(p), NULL;
    if (p->s[p->i] == ')') {
        p->i++;
        *caseless = value;
        *option_set = true;
        return NULL;
    }
    p->i++;
    return group_body(p, N_GROUP, value);
}

static node *assert_node(parser *p, bool word_boundary)
{
    node *nd = new_node(p, N_ASSERT);
    if (nd) nd->word_boundary = word_boundary;
    return nd;
}

/* One item, or NULL: *option_set for (?i), otherwise failure. */
static node *parse_atom(parser *p, bool *caseless, bool *option_set)
{
    *option_set = false;
    size_t at = p->i;
    uint32_t c = next_cp(p);
    switch (c) {
    case '(':
        if (p->i < p->n && p->s[p->i] == '?') {
            p->i++;
            if (p->i < p->n && p->s[p->i] == '#') { /* comment group */
                while (p->i < p->n && p->s[p->i] != ')')
                    p->i++;
                if (p->i >= p->n) return give_up(p), NULL;
                p->i++;
                *option_set = true; /* nothing to add */
                return NULL;
            }
            return parse_special_group(p, caseless, option_set);
        }
        if (p->i < p->n && p->s[p->i] == '*') return give_up(p), NULL; /* (*VERB) */
        return group_body(p, N_GROUP, *caseless);
    case '[':
        return parse_class(p, *caseless);
    case '.': {
        node *nd = class_node(p);
        if (nd) {
            set_everything(&nd->set);
            nd->set.ascii[0] &= ~(1ull << '\n');
        }
        return nd;
    }
    case '^':
    case '$':
        return assert_node(p, false);
    case '\\': {
        if (p->i >= p->n) return give_up(p), NULL;
        unsigned char e = p->s[p->i++];
        if (e == 'b') return assert_node(p, true);
        if (e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G') return assert_node(p, false);
        if (e == 'K') return new_node(p, N_EMPTY);
        if (e == 'p' || e == 'P') {
            node *nd = class_node(p);
            if (nd && !parse_property(p, &nd->set)) return NULL;
            return nd;
        }
        if (e == 'N' || e == 'R') {
            node *nd = class_node(p);
            if (nd) set_everything(&nd->set);
            return nd;
        }
        node *nd = class_node(p);
        if (!nd) return NULL;
        if (set_add_escape_class(&nd->set, e)) return nd;
        uint32_t v;
        if (!simple_escape(p, e, &v)) return NULL;
        return char_node(p, v, *caseless);
    }
    case ')':
    case '|':
    case '*':
    case '+':
    case '?':
        p->i = at;
        return give_up(p), NULL;
    default:
        return char_node(p, c, *caseless);
    }
}

/* {n}, {n,}, {n,m}: true and the bounds when the text at p->i is one. */
static bool parse_braces(parser *p, uint32_t *min, uint32_t *max)
{
    size_t k = p->i + 1;
    uint32_t a = 0, b = 0;
    size_t digits = 0;
    for (; k < p->n && p->s[k] >= '0' && p->s[k] <= '9' && digits < 6; k++, digits++)
        a = a * 10 + (p->s[k] - '0');
    if (!digits || k >= p->n) return false;
    if (p->s[k] == '}') {
        p->i = k + 1;
        *min = *max = a;
        return true;
    }
    if (p->s[k] != ',') return false;
    k++;
    digits = 0;
    for (; k < p->n && p->s[k] >= '0' && p->s[k] <= '9' && digits < 6; k++, digits++)
        b = b * 10 + (p->s[k] - '0');
    if (k >= p->n || p->s[k] != '}') return false;
    if (digits && b < a) return false;
    p->i = k + 1;
    *min = a;
    *max = digits ? b : UNBOUNDED;
    return true;
}

/* An atom and the quantifiers after it. */
static node *parse_repeat(parser *p, node *atom)
{
    for (;;) {
        skip_ignored(p);
        if (p->i >= p->n) return atom;
        uint32_t min, max;
        unsigned char c = p->s[p->i];
        if (c == '?') min = 0, max = 1, p->i++;
        else if (c == '*') min = 0, max = UNBOUNDED, p->i++;
        else if (c == '+') min = 1, max = UNBOUNDED, p->i++;
        else if (c == '{') {
            if (!parse_braces(p, &min, &max)) return atom; /* a literal '{' follows */
        } else
            return atom;
        if (p->i < p->n && (p->s[p->i] == '?' || p->s[p->i] == '+')) p->i++; /* lazy, possessive */
        node *r = new_node(p, N_REPEAT);
        if (!r || !add_kid(p, r, atom)) return NULL;
        r->min = min;
        r->max = max;
        atom = r;
    }
}

static node *parse_concat(parser *p, bool *caseless)
{
    node *seq = new_node(p, N_CONCAT);
    if (!seq) return NULL;
    for (;;) {
        skip_ignored(p);
        if (p->i >= p->n || p->s[p->i] == '|' || p->s[p->i] == ')') return seq;
        bool option_set;
        node *atom = parse_atom(p, caseless, &option_set);
        if (!atom) {
            if (option_set && !p->failed && !p->nomem) continue;
            return NULL;
        }
        atom = parse_repeat(p, atom);
        if (!atom || !add_kid(p, seq, atom)) return NULL;
    }
}

static node *parse_alt(parser *p, bool *caseless)
{
    node *alt = new_node(p, N_ALT);
    if (!alt) return NULL;
    for (;;) {
        node *branch = parse_concat(p, caseless);
        if (!branch || !add_kid(p, alt, branch)) return NULL;
        if (p->i < p->n && p->s[p->i] == '|') {
            p->i++;
            continue;
        }
        return alt;
    }
}

/* ------------------------------------------------------------ annotation */

/* G: the characters that make up gaps between words, white space and '-'.
 * The bound of a clause counts gaps: maximal runs of G characters holding
 * white space (so "--", " - " and "  " are one gap each). */
static bool set_may_g(const charset *cs)
{
    return set_may_space(cs) || set_has(cs, '-');
}

/* Only white space and '-': a repeat of it stays inside one gap. */
static bool set_only_g(const charset *cs)
{
    if (cs->letter_beyond || cs->other_space || (cs->nonascii && !cs->nel)) return false;
    return (cs->ascii[0] & ~(SPACE_BITS | (1ull << '-'))) == 0 && cs->ascii[1] == 0;
}

static uint32_t add_runs(uint32_t a, uint32_t b)
{
    return a == UNBOUNDED || b == UNBOUNDED || a + b < a ? UNBOUNDED : a + b;
}

static uint32_t mul_runs(uint32_t count, uint32_t runs)
{
    if (!runs || !count) return 0;
    if (count == UNBOUNDED || runs == UNBOUNDED) return UNBOUNDED;
    uint64_t v = (uint64_t)count * runs;
    return v >= UNBOUNDED ? UNBOUNDED : (uint32_t)v;
}

static bool zero_width(const node *nd)
{
    return nd->kind == N_ASSERT || nd->kind == N_LOOK || nd->kind == N_EMPTY;
}

static bool is_word_boundary(const node *nd)
{
    return nd->kind == N_ASSERT && nd->word_boundary;
}

/* Local properties, bottom-up: nullable; whether the first and last
 * characters may be ASCII letters, or G; whether it may consume white space. */
static void annotate(node *nd)
{
    for (size_t k = 0; k < nd->nkids; k++)
        annotate(nd->kids[k]);
    node *kid = nd->nkids ? nd->kids[0] : NULL;
    switch (nd->kind) {
    case N_CHAR:
    case N_CLASS:
        nd->nullable = false;
        nd->first_letter = nd->last_letter = set_may_letter(&nd->set);
        nd->first_letter_open = nd->last_letter_open = nd->first_letter;
        nd->first_g = nd->last_g = set_may_g(&nd->set);
        nd->space = set_may_space(&nd->set);
        break;
    case N_EMPTY:
    case N_ASSERT:
    case N_LOOK:
        nd->nullable = true;
        break;
    case N_GROUP:
    case N_REPEAT:
        nd->nullable = kid->nullable || (nd->kind == N_REPEAT && nd->min == 0);
        nd->first_letter = kid->first_letter;
        nd->last_letter = kid->last_letter;
        nd->first_letter_open = kid->first_letter_open;
        nd->last_letter_open = kid->last_letter_open;
        nd->first_g = kid->first_g;
        nd->last_g = kid->last_g;
        nd->space = kid->space && !(nd->kind == N_REPEAT && nd->max == 0);
        break;
    case N_ALT:
        for (size_t k = 0; k < nd->nkids; k++) {
            const node *b = nd->kids[k];
            nd->nullable |= b->nullable;
            nd->first_letter |= b->first_letter;
            nd->last_letter |= b->last_letter;
            nd->first_letter_open |= b->first_letter_open;
            nd->last_letter_open |= b->last_letter_open;
            nd->first_g |= b->first_g;
            nd->last_g |= b->last_g;
            nd->space |= b->space;
        }
        break;
    case N_CONCAT:
        nd->nullable = true;
        for (size_t k = 0; k < nd->nkids; k++) {
            const node *c = nd->kids[k];
            nd->space |= c->space;
            if (nd->nullable) {
                nd->first_letter |= c->first_letter;
                nd->first_g |= c->first_g;
            }
            nd->nullable &= c->nullable;
        }
        for (size_t k = nd->nkids; k-- > 0;) {
            const node *c = nd->kids[k];
            nd->last_letter |= c->last_letter;
            nd->last_g |= c->last_g;
            if (!c->nullable) break;
        }
        for (size_t k = 0; k < nd->nkids && !is_word_boundary(nd->kids[k]); k++) {
            nd->first_letter_open |= nd->kids[k]->first_letter_open;
            if (!nd->kids[k]->nullable) break;
        }
        for (size_t k = nd->nkids; k-- > 0 && !is_word_boundary(nd->kids[k]);) {
            nd->last_letter_open |= nd->kids[k]->last_letter_open;
            if (!nd->kids[k]->nullable) break;
        }
        break;
    }
}

/* ------------------------------------------------------ the neighbours */

/* The node inside groups. */
static const node *unwrap(const node *nd)
{
    while (nd->kind == N_GROUP || (nd->kind == N_CONCAT && nd->nkids == 1) ||
           (nd->kind == N_ALT && nd->nkids == 1))
        nd = nd->kids[0];
    return nd;
}

/* (?!X) where X has a branch that is one character of a class holding every
 * ASCII letter: the next character is no ASCII letter. */
static bool lookahead_excludes_letters(const node *look)
{
    const node *x = look->kids[0];
    while (x->kind == N_GROUP)
        x = x->kids[0];
    size_t n = x->kind == N_ALT ? x->nkids : 1;
    for (size_t k = 0; k < n; k++) {
        const node *b = unwrap(x->kind == N_ALT ? x->kids[k] : x);
        if (b->kind == N_CLASS && set_all_letters(&b->set)) return true;
    }
    return false;
}

typedef enum prop { P_LETTER, P_G } prop;

static bool first_has(const node *nd, prop pr)
{
    return pr == P_LETTER ? nd->first_letter : nd->first_g;
}

static bool last_has(const node *nd, prop pr)
{
    return pr == P_LETTER ? nd->last_letter : nd->last_g;
}

/* For a neighbour of a node that starts (ends) with an ASCII letter: a
 * letter a \b closes inside the neighbour cannot touch that one. */
static bool first_has_open(const node *nd, prop pr)
{
    return pr == P_LETTER ? nd->first_letter_open : nd->first_g;
}

static bool last_has_open(const node *nd, prop pr)
{
    return pr == P_LETTER ? nd->last_letter_open : nd->last_g;
}

/* Whether the character matched right before nd may have the property.
 * For P_LETTER nd starts with an ASCII letter (a \w character), and the
 * start of the match never follows one: the match starts at a token start,
 * and a token that starts with an ASCII letter never follows one directly
 * (tokenize.c). Before the match, any character may be G. */
static bool prev_may_have(const node *nd, prop pr)
{
    for (;;) {
        const node *p = nd->parent;
        if (!p) return pr == P_G;
        switch (p->kind) {
        case N_CONCAT:
            for (size_t j = nd->index; j-- > 0;) {
                const node *s = p->kids[j];
                if (pr == P_LETTER && s->kind == N_ASSERT && s->word_boundary) return false;
                if (zero_width(s)) continue;
                if (last_has_open(s, pr)) return true;
                if (!s->nullable) return false;
            }
            break;
        case N_REPEAT:
            if ((p->max == UNBOUNDED || p->max > 1) && last_has(p->kids[0], pr)) return true;
            break;
        case N_LOOK:
            if (!p->ahead) return true;
            break;
        default:
            break;
        }
        nd = p;
    }
}

/* Whether the character right after nd may have the property. For P_LETTER
 * nd ends with an ASCII letter, and after the end of the match there is no
 * ASCII letter: a match that ends inside a word is dropped
 * (ends_at_boundary in match.c), whether or not it is tried. */
static bool next_may_have(const node *nd, prop pr)
{
    for (;;) {
        const node *p = nd->parent;
        if (!p) return pr == P_G;
        switch (p->kind) {
        case N_CONCAT:
            for (size_t j = nd->index + 1; j < p->nkids; j++) {
                const node *s = p->kids[j];
                if (pr == P_LETTER && s->kind == N_ASSERT && s->word_boundary) return false;
                if (pr == P_LETTER && s->kind == N_LOOK && s->ahead && s->negative &&
                    lookahead_excludes_letters(s))
                    return false;
                if (s->kind == N_LOOK && s->ahead && !s->negative && !s->kids[0]->nullable &&
                    !first_has(s->kids[0], pr))
                    return false;
                if (zero_width(s)) continue;
                if (first_has_open(s, pr)) return true;
                if (!s->nullable) return false;
            }
            break;
        case N_REPEAT:
            if ((p->max == UNBOUNDED || p->max > 1) && first_has(p->kids[0], pr)) return true;
            break;
        case N_LOOK:
            return true; /* past the end of a lookahead: anything */
        default:
            break;
        }
        nd = p;
    }
}

static bool prev_may_be_letter(const node *nd)
{
    return prev_may_have(nd, P_LETTER);
}

static bool next_may_be_letter(const node *nd)
{
    return next_may_have(nd, P_LETTER);
}

/* How many gaps the text nd consumes may touch, at most (the kids' counts
 * known). Text without white space touches a gap only where it ends in a '-'
 * next to one. */
static uint32_t gaps(const node *nd)
{
    if (zero_width(nd)) return 0;
    if (!nd->space)
        return (nd->first_g && prev_may_have(nd, P_G) ? 1u : 0u) +
               (nd->last_g && next_may_have(nd, P_G) ? 1u : 0u);
    switch (nd->kind) {
    case N_CHAR:
    case N_CLASS:
        return 1;
    case N_GROUP:
        return nd->kids[0]->runs;
    case N_REPEAT: {
        const node *k = unwrap(nd->kids[0]);
        if ((k->kind == N_CHAR || k->kind == N_CLASS) && set_only_g(&k->set)) return 1;
        return mul_runs(nd->max, nd->kids[0]->runs);
    }
    case N_ALT: {
        uint32_t most = 0;
        for (size_t k = 0; k < nd->nkids; k++)
            if (nd->kids[k]->runs > most) most = nd->kids[k]->runs;
        return most;
    }
    case N_CONCAT: {
        uint32_t sum = 0;
        for (size_t k = 0; k < nd->nkids; k++)
            sum = add_runs(sum, nd->kids[k]->runs);
        return sum;
    }
    default:
        return UNBOUNDED;
    }
}

static void annotate_gaps(node *nd)
{
    for (size_t k = 0; k < nd->nkids; k++)
        annotate_gaps(nd->kids[k]);
    nd->runs = gaps(nd);
}

/* --------------------------------------------------------------- clauses */

typedef struct clause {
    newsmine_pf_unit *units;
    size_t count, cap;
    unsigned cost; /* clause_cost + 1 once known */
} clause;

typedef struct clause_list {
    clause *items;
    size_t count, cap;
} clause_list;

typedef struct analysis {
    newsmine_arena *arena;
    bool nomem;
} analysis;

static bool same_unit(const newsmine_pf_unit *u, const newsmine_pf_unit *v)
{
    return v->kind == u->kind && v->cp == u->cp &&
           (u->kind != NEWSMINE_PF_WORD || strcmp(v->text, u->text) == 0);
}

/* Adds u, or widens the bound of the same unit already there (looked for
 * in small clauses only: a repeated unit is harmless, only redundant). */
static bool clause_add_unit(analysis *a, clause *c, newsmine_pf_unit u)
{
    for (size_t k = 0; c->count <= 32 && k < c->count; k++) {
        newsmine_pf_unit *v = &c->units[k];
        if (same_unit(v, &u)) {
            if (u.max_gaps > v->max_gaps) v->max_gaps = u.max_gaps;
            return true;
        }
    }
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        newsmine_pf_unit *p = newsmine_arena_alloc(a->arena, cap * sizeof *p);
        if (!p) {
            a->nomem = true;
            return false;
        }
        if (c->count) memcpy(p, c->units, c->count * sizeof *p);
        c->units = p;
        c->cap = cap;
    }
    c->units[c->count++] = u;
    c->cost = 0;
    return true;
}

static clause *list_push(analysis *a, clause_list *l)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        clause *p = newsmine_arena_alloc(a->arena, cap * sizeof *p);
        if (!p) {
            a->nomem = true;
            return NULL;
        }
        if (l->count) memcpy(p, l->items, l->count * sizeof *p);
        l->items = p;
        l->cap = cap;
    }
    clause *c = &l->items[l->count++];
    memset(c, 0, sizeof *c);
    return c;
}

static bool single_unit(analysis *a, clause_list *out, newsmine_pf_unit u, uint32_t gaps_before)
{
    clause *c = list_push(a, out);
    if (!c) return false;
    u.max_gaps = gaps_before;
    return clause_add_unit(a, c, u);
}

/* Words common enough in news that a clause of them filters little. */
static bool common_word(const char *w)
{
    if (strlen(w) > 4) return false; /* none is longer */
    static const char *const words[] = {
        "the", "a", "an", "of", "and", "in", "to", "for", "on", "at", "by", "with", "from",
        "is", "was", "are", "were", "be", "that", "as", "it", "or", "s", "said", "has",
        "had", "have", "not", "this", "he", "she", "they", "but", "his", "her", "its"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(w, words[i]) == 0) return true;
    return false;
}

/* Lower is more selective: how often a unit is expected in news text. */
static unsigned unit_cost(const newsmine_pf_unit *u)
{
    if (u->kind == NEWSMINE_PF_DIGIT || u->kind == NEWSMINE_PF_PLURAL) return 40;
    if (u->kind == NEWSMINE_PF_PLURAL_CAPITAL) return 12;
    if (u->kind == NEWSMINE_PF_SYMBOL) return 4;
    if (common_word(u->text)) return 60;
    size_t n = strlen(u->text);
    return n >= 6 ? 2 : n >= 4 ? 3 : n == 3 ? 6 : n == 2 ? 12 : 30;
}

static unsigned clause_cost_compute(const clause *c)
{
    unsigned cost = 0;
    for (size_t k = 0; k < c->count && cost < 100000; k++)
        cost += unit_cost(&c->units[k]) * (c->units[k].max_gaps == NEWSMINE_PF_UNBOUNDED ? 2 : 1);
    return cost;
}

static unsigned clause_cost(const clause *c)
{
    clause *m = (clause *)c;
    if (!m->cost) m->cost = clause_cost_compute(c) + 1;
    return m->cost - 1;
}

static const clause *best_clause(const clause_list *l)
{
    const clause *best = NULL;
    for (size_t k = 0; k < l->count; k++)
        if (!best || clause_cost(&l->items[k]) < clause_cost(best)) best = &l->items[k];
    return best;
}

static bool collect(analysis *a, const node *nd, uint32_t offset, clause_list *out);

/* ----------------------------------------------------------- exact words */

/* White space or '-': between two words, never part of one. */
static bool is_separator(uint32_t cp)
{
    return cp == ' ' || cp == '-' || (cp >= '\t' && cp <= '\r');
}

/* The strings of ASCII letters (folded) a node matches, when there are few:
 * "forces?" is {force, forces}, "[Pp]rovince" {province}, "sa(?:id|ys)"
 * {said, says}. */
enum { EXACT_MAX_STRINGS = 64, EXACT_MAX_LEN = 48 };

struct strset {
    char *s[EXACT_MAX_STRINGS];
    unsigned char len[EXACT_MAX_STRINGS];
    size_t n;
};

static bool strset_add(analysis *a, strset *set, const char *x, size_t n)
{
    if (n > EXACT_MAX_LEN) return false;
    for (size_t k = 0; k < set->n; k++)
        if (set->len[k] == n && memcmp(set->s[k], x, n) == 0) return true;
    if (set->n == EXACT_MAX_STRINGS) return false;
    char *c = newsmine_arena_strndup(a->arena, x, n);
    if (!c) return a->nomem = true, false;
    set->len[set->n] = (unsigned char)n;
    set->s[set->n++] = c;
    return true;
}

static bool exact(analysis *a, const node *nd, strset *out);
static const strview *exact_of(analysis *a, const node *nd);

static bool exact_product(analysis *a, node *const *kids, size_t n, strset *out)
{
    out->n = 0;
    if (!strset_add(a, out, "", 0)) return false;
    for (size_t k = 0; k < n; k++) {
        strset next;
        next.n = 0;
        const strview *part = exact_of(a, kids[k]);
        if (!part) return false;
        for (size_t i = 0; i < out->n; i++)
            for (size_t j = 0; j < part->n; j++) {
                char buf[2 * EXACT_MAX_LEN + 1];
                size_t li = out->len[i], lj = part->len[j];
                if (li + lj > EXACT_MAX_LEN) return false;
                memcpy(buf, out->s[i], li);
                memcpy(buf + li, part->s[j], lj);
                if (!strset_add(a, &next, buf, li + lj)) return false;
            }
        *out = next;
    }
    return true;
}

static bool exact_compute(analysis *a, const node *nd, strset *out)
{
    out->n = 0;
    switch (nd->kind) {
    case N_CHAR:
        if (nd->cp < 128 && (nd->cp | 0x20) >= 'a' && (nd->cp | 0x20) <= 'z') {
            char c = (char)(nd->cp | 0x20);
            return strset_add(a, out, &c, 1);
        }
        if (is_separator(nd->cp)) return strset_add(a, out, " ", 1);
        return false;
    case N_CLASS: {
        const charset *cs = &nd->set;
        if (cs->nonascii || cs->letter_beyond || cs->nel || cs->other_space) return false;
        if (set_only_g(cs)) return strset_add(a, out, " ", 1);
        for (uint32_t c = 0; c < 128; c++) {
            if (!set_has(cs, c)) continue;
            if ((c | 0x20) < 'a' || (c | 0x20) > 'z') return false;
            char f = (char)(c | 0x20);
            if (!strset_add(a, out, &f, 1)) return false;
        }
        return out->n > 0;
    }
    case N_GROUP:
        return exact(a, nd->kids[0], out);
    case N_REPEAT: {
        /* a run of separators, whatever its length, separates words once */
        const node *k = unwrap(nd->kids[0]);
        if (nd->max != 0 && (k->kind == N_CHAR || k->kind == N_CLASS) &&
            (k->kind == N_CLASS ? set_only_g(&k->set) : is_separator(k->cp)))
            return strset_add(a, out, " ", 1) && (nd->min > 0 || strset_add(a, out, "", 0));
        if (nd->min > 1 || nd->max != 1) return false;
        if (!exact(a, nd->kids[0], out)) return false;
        return nd->min == 1 || strset_add(a, out, "", 0);
    }
    case N_ALT:
        for (size_t k = 0; k < nd->nkids; k++) {
            const strview *b = exact_of(a, nd->kids[k]);
            if (!b) return false;
            for (size_t j = 0; j < b->n; j++)
                if (!strset_add(a, out, b->s[j], b->len[j])) return false;
        }
        return out->n > 0;
    case N_CONCAT:
        return nd->nkids > 0 && exact_product(a, nd->kids, nd->nkids, out);
    default:
        return false;
    }
}

/* The strings of one character: a letter (folded) or a separator. */
static const char *const one_char[27][1] = {
    {"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}, {"g"}, {"h"}, {"i"}, {"j"}, {"k"}, {"l"}, {"m"},
    {"n"}, {"o"}, {"p"}, {"q"}, {"r"}, {"s"}, {"t"}, {"u"}, {"v"}, {"w"}, {"x"}, {"y"}, {"z"},
    {" "}};
static const unsigned char one_len[1] = {1};
#define ONE(k) {1, one_char[k], one_len}
static const strview one_view[27] = {
    ONE(0),  ONE(1),  ONE(2),  ONE(3),  ONE(4),  ONE(5),  ONE(6),  ONE(7),  ONE(8),
    ONE(9),  ONE(10), ONE(11), ONE(12), ONE(13), ONE(14), ONE(15), ONE(16), ONE(17),
    ONE(18), ONE(19), ONE(20), ONE(21), ONE(22), ONE(23), ONE(24), ONE(25), ONE(26)};
#undef ONE

/* exact_compute, once per node: the strings, or NULL. Single letters and
 * separators share static views: they are most of the nodes. */
static const strview *exact_of(analysis *a, const node *nd)
{
    node *m = (node *)nd; /* the cache lives in the node */
    if (m->exact_state == 0) {
        strset tmp;
        bool ok = exact_compute(a, nd, &tmp);
        if (a->nomem) return NULL;
        m->exact_state = ok ? 1 : 2;
        if (ok && tmp.n == 1 && tmp.len[0] == 1 &&
            ((tmp.s[0][0] >= 'a' && tmp.s[0][0] <= 'z') || tmp.s[0][0] == ' ')) {
            m->exact_set = &one_view[tmp.s[0][0] == ' ' ? 26 : tmp.s[0][0] - 'a'];
        } else if (ok) {
            strview *v = newsmine_arena_alloc(a->arena, sizeof *v);
            char **ss = newsmine_arena_alloc(a->arena, (tmp.n + 1) * sizeof *ss);
            unsigned char *ll = newsmine_arena_alloc(a->arena, tmp.n + 1);
            if (!v || !ss || !ll) return a->nomem = true, NULL;
            memcpy(ss, tmp.s, tmp.n * sizeof *ss);
            memcpy(ll, tmp.len, tmp.n);
            *v = (strview){tmp.n, (const char *const *)ss, ll};
            m->exact_set = v;
        }
    }
    return m->exact_state == 1 ? m->exact_set : NULL;
}

static bool exact(analysis *a, const node *nd, strset *out)
{
    const strview *v = exact_of(a, nd);
    if (!v) return false;
    out->n = v->n;
    memcpy(out->s, v->s, v->n * sizeof out->s[0]);
    memcpy(out->len, v->len, v->n);
    return true;
}

/* Kids [from, to) of a concatenation (the first and the last matching
 * letters only) match the strings of their product: letters and separators
 * (' ' for white space and '-'). With no ASCII letter on either side, each
 * subword of a string is a whole run of ASCII letters of the text: the clause
 * takes the longest of every string, its bound the separators before it
 * (each at most one gap) after offset. */
static bool word_clause(analysis *a, const node *seq, size_t from, size_t to, uint32_t offset,
                        clause_list *out, bool *too_many)
{
    strset words;
    *too_many = false;
    if (!exact_product(a, seq->kids + from, to - from, &words) || !words.n) {
        *too_many = !a->nomem;
        return !a->nomem;
    }
    /* A subword inside a string is bounded by its separators; one at the
     * start or the end of the string by the context (prev/next_may_be_letter
     * may be asked: the string then begins or ends with a letter). */
    bool left_ok = !prev_may_be_letter(seq->kids[from]);
    bool right_ok = !next_may_be_letter(seq->kids[to - 1]);
    enum { MAX_SUBWORDS = 16 };
    typedef struct sub {
        const char *p;
        size_t n, gaps;
    } sub;
    sub(*subs)[MAX_SUBWORDS] = newsmine_arena_alloc(a->arena, words.n * sizeof *subs);
    size_t *nsubs = newsmine_arena_alloc(a->arena, words.n * sizeof *nsubs);
    if (!subs || !nsubs) return a->nomem = true, false;
    for (size_t k = 0; k < words.n; k++) {
        const char *w = words.s[k];
        size_t gaps_here = 0, len = strlen(w);
        nsubs[k] = 0;
        for (const char *p = w; *p;) {
            if (*p == ' ') {
                gaps_here++;
                p++;
                continue;
            }
            const char *e = p;
            while (*e && *e != ' ')
                e++;
            bool ok = (p != w || left_ok) && (e != w + len || right_ok);
            if (ok && nsubs[k] < MAX_SUBWORDS) subs[k][nsubs[k]++] = (sub){p, (size_t)(e - p), gaps_here};
            p = e;
        }
        if (!nsubs[k]) return true; /* a string with no bounded word: no clause */
    }
    /* a word all the strings have, or the longest of each string */
    clause c = {NULL, 0, 0, 0}, common = {NULL, 0, 0, 0};
    for (size_t i = 0; i < nsubs[0] && !common.count; i++) {
        const sub *x = &subs[0][i];
        size_t worst = x->gaps;
        bool everywhere = true;
        for (size_t k = 1; k < words.n && everywhere; k++) {
            bool found = false;
            for (size_t j = 0; j < nsubs[k] && !found; j++)
                if (subs[k][j].n == x->n && memcmp(subs[k][j].p, x->p, x->n) == 0) {
                    found = true;
                    if (subs[k][j].gaps > worst) worst = subs[k][j].gaps;
                }
            everywhere = found;
        }
        if (!everywhere) continue;
        char *w = newsmine_arena_strndup(a->arena, x->p, x->n);
        if (!w) return a->nomem = true, false;
        uint32_t g = add_runs(offset, (uint32_t)worst);
        if (!clause_add_unit(a, &common, (newsmine_pf_unit){NEWSMINE_PF_WORD, w, 0, g}))
            return false;
    }
    for (size_t k = 0; k < words.n; k++) {
        const sub *best = &subs[k][0];
        for (size_t j = 1; j < nsubs[k]; j++)
            if (subs[k][j].n > best->n) best = &subs[k][j];
        char *w = newsmine_arena_strndup(a->arena, best->p, best->n);
        if (!w) return a->nomem = true, false;
        uint32_t g = add_runs(offset, (uint32_t)best->gaps);
        if (!clause_add_unit(a, &c, (newsmine_pf_unit){NEWSMINE_PF_WORD, w, 0, g})) return false;
    }
    clause *slot = list_push(a, out);
    if (!slot) return false;
    *slot = common.count && clause_cost(&common) <= clause_cost(&c) ? common : c;
    return true;
}

/* A kid that matches separators only (or nothing). */
static bool separator_only(analysis *a, const node *nd)
{
    const strview *s = exact_of(a, nd);
    if (!s) return false;
    for (size_t k = 0; k < s->n; k++)
        if (strspn(s->s[k], " ") != s->len[k]) return false;
    return true;
}

/* A kid that matches a few strings of letters and separators (exact). */
static bool is_exact(analysis *a, const node *nd, bool *letters)
{
    const strview *s = zero_width(nd) ? NULL : exact_of(a, nd);
    if (!s) return false;
    *letters = s->n > 0;
    for (size_t k = 0; k < s->n && *letters; k++)
        *letters = s->len[k] && !memchr(s->s[k], ' ', s->len[k]);
    return true;
}

/* (?<=[^s]s): the character before is a lower-case s, the one before that
 * is not (case-sensitive, or the class could hold an upper-case S too; and
 * no caseless item beyond ASCII, as LONG S folds to s). */
static bool is_plural_lookbehind(const node *nd)
{
    if (nd->kind != N_LOOK || nd->ahead || nd->negative) return false;
    const node *body = unwrap(nd->kids[0]);
    if (body->kind != N_CONCAT || body->nkids != 2) return false;
    const node *before = unwrap(body->kids[0]), *last = unwrap(body->kids[1]);
    return last->kind == N_CHAR && last->cp == 's' && !last->caseless &&
           (before->kind == N_CLASS || before->kind == N_CHAR) &&
           (before->kind == N_CLASS
                ? !set_has(&before->set, 's') && !before->set.approx && !before->set.letter_beyond
                : before->cp != 's' &&
                      !(before->caseless && (before->cp == 'S' || before->cp >= 128)));
}

/* Matches ASCII letters only, exactly (a class, a letter, repeats of them). */
static bool letters_only(const node *nd)
{
    nd = unwrap(nd);
    if (nd->kind == N_REPEAT) return letters_only(nd->kids[0]);
    if (nd->kind == N_CHAR) return nd->cp < 128 && ((nd->cp | 0x20) - 'a') < 26;
    if (nd->kind != N_CLASS) return false;
    const charset *cs = &nd->set;
    return !cs->nonascii && !cs->letter_beyond && !cs->approx && !cs->ascii[0] &&
           (cs->ascii[1] & ~LETTER_BITS) == 0 && cs->ascii[1];
}

/* Matches upper-case ASCII letters only, exactly, one at least. */
static bool one_capital(const node *nd)
{
    nd = unwrap(nd);
    if (nd->kind == N_CHAR) return !nd->caseless && nd->cp >= 'A' && nd->cp <= 'Z';
    return nd->kind == N_CLASS && letters_only(nd) && !(nd->set.ascii[1] >> 33 & 0x3FFFFFFu);
}

/* The letters just before kid j begin at a capital that no letter precedes:
 * kids from one that matches one capital up to j all match letters only. */
static bool run_starts_capitalised(const node *seq, size_t j)
{
    size_t k = j;
    while (k > 0 && letters_only(seq->kids[k - 1]))
        k--;
    return k < j && one_capital(seq->kids[k]) && !prev_may_be_letter(seq->kids[k]);
}

/* Kid j of seq is a plural lookbehind on a character the match consumed
 * (a kid before it that must consume, only what may be empty between) and
 * no ASCII letter follows it: the run of ASCII letters that ends there is
 * a plural unit (prefilter.h), at most at[j] gaps in. */
static bool plural_clause(analysis *a, const node *seq, size_t j, const uint32_t *at,
                          clause_list *out)
{
    if (!is_plural_lookbehind(seq->kids[j]) || next_may_be_letter(seq->kids[j])) return true;
    size_t k = j;
    while (k > 0 && seq->kids[k - 1]->nullable)
        k--;
    if (k == 0) return true; /* the s may lie before the match */
    newsmine_pf_kind kind =
        run_starts_capitalised(seq, j) ? NEWSMINE_PF_PLURAL_CAPITAL : NEWSMINE_PF_PLURAL;
    return single_unit(a, out, (newsmine_pf_unit){kind, NULL, 0, 0}, at[j]);
}

static bool collect_concat(analysis *a, const node *seq, uint32_t offset, clause_list *out)
{
    size_t n = seq->nkids;
    uint32_t *at = newsmine_arena_alloc(a->arena, (n + 1) * sizeof *at); /* offset of each kid */
    bool *ex = newsmine_arena_alloc(a->arena, (n + 1) * sizeof *ex);
    bool *letters = newsmine_arena_alloc(a->arena, (n + 1) * sizeof *letters);
    if (!at || !ex || !letters) return a->nomem = true, false;
    for (size_t k = 0; k < n; k++) {
        at[k] = offset;
        offset = add_runs(offset, seq->kids[k]->runs);
        ex[k] = is_exact(a, seq->kids[k], &letters[k]);
    }
    for (size_t j = 0; j < n; j++)
        if (!plural_clause(a, seq, j, at, out)) return false;
    for (size_t k = 0; k < n;) {
        if (!ex[k]) {
            if (!collect(a, seq->kids[k], at[k], out)) return false;
            k++;
            continue;
        }
        size_t end = k;
        while (end < n && ex[end])
            end++;
        /* the run [k, end), without separators at its ends */
        size_t from = k, to = end;
        while (from < to && separator_only(a, seq->kids[from]))
            from++;
        while (to > from && separator_only(a, seq->kids[to - 1]))
            to--;
        bool too_many = false;
        if (from < to && !word_clause(a, seq, from, to, at[from], out, &too_many)) return false;
        if (too_many) { /* too many strings together: the runs of letters one by one */
            for (size_t j = from; j < to;) {
                if (!letters[j]) {
                    j++;
                    continue;
                }
                size_t e = j;
                while (e < to && letters[e])
                    e++;
                bool more = false;
                if (!word_clause(a, seq, j, e, at[j], out, &more)) return false;
                j = e;
            }
        }
        /* groups inside the run may hold clauses of their own */
        for (size_t j = k; j < end; j++)
            if (seq->kids[j]->kind != N_CHAR && seq->kids[j]->kind != N_CLASS &&
                !collect(a, seq->kids[j], at[j], out))
                return false;
        k = end;
    }
    return !a->nomem;
}

/* One clause for an alternation: the best clause of every branch, joined. */
static bool collect_alt(analysis *a, const node *alt, uint32_t offset, clause_list *out)
{
    clause joined = {NULL, 0, 0, 0};
    for (size_t k = 0; k < alt->nkids; k++) {
        clause_list branch = {NULL, 0, 0};
        if (!collect(a, alt->kids[k], offset, &branch)) return false;
        const clause *best = best_clause(&branch);
        if (!best) return true; /* a branch that needs nothing: no clause */
        for (size_t u = 0; u < best->count; u++)
            if (!clause_add_unit(a, &joined, best->units[u])) return false;
    }
    if (!joined.count) return true;
    clause *c = list_push(a, out);
    if (!c) return false;
    *c = joined;
    return true;
}

/* The clauses every match of nd satisfies, nd starting after at most offset
 * gaps from the start of the match. */
static bool collect(analysis *a, const node *nd, uint32_t offset, clause_list *out)
{
    switch (nd->kind) {
    case N_CHAR:
        if (nd->cp >= '0' && nd->cp <= '9')
            return single_unit(a, out, (newsmine_pf_unit){NEWSMINE_PF_DIGIT, NULL, 0, 0}, offset);
        if (newsmine_pf_is_symbol(nd->cp))
            return single_unit(a, out, (newsmine_pf_unit){NEWSMINE_PF_SYMBOL, NULL, nd->cp, 0},
                               offset);
        return true; /* letters: as words of a concatenation (collect_concat) */
    case N_CLASS:
        if (set_only_digits(&nd->set))
            return single_unit(a, out, (newsmine_pf_unit){NEWSMINE_PF_DIGIT, NULL, 0, 0}, offset);
        return true;
    case N_GROUP:
        return collect(a, nd->kids[0], offset, out);
    case N_LOOK:
        if (nd->ahead && !nd->negative) return collect(a, nd->kids[0], offset, out);
        return true;
    case N_REPEAT:
        if (nd->min >= 1) return collect(a, nd->kids[0], offset, out);
        return true;
    case N_ALT:
        if (nd->nkids == 1) return collect(a, nd->kids[0], offset, out);
        return collect_alt(a, nd, offset, out);
    case N_CONCAT:
        return collect_concat(a, nd, offset, out);
    default:
        return true;
    }
}

/* ----------------------------------------------------------- first bytes */

/* What the first bytes of a node's match are: set[j] for j < len; when
 * fixed, the node always consumes exactly size bytes (and len is size, or
 * NEWSMINE_PF_BYTES when size is more). */
typedef struct bytes_info {
    uint32_t len, size;
    bool fixed;
    uint8_t set[NEWSMINE_PF_BYTES][32];
} bytes_info;

static void byte_add(uint8_t *set, unsigned b)
{
    set[b >> 3] |= (uint8_t)(1u << (b & 7));
}

/* The bytes a node's match can begin with (its FIRST set), when it is not
 * empty: nothing for a node that matches only the empty string. */
static void first_byte_set(const node *nd, uint8_t *set)
{
    switch (nd->kind) {
    case N_CHAR:
        if (nd->cp < 128) {
            byte_add(set, nd->cp);
            if (nd->caseless && (nd->cp | 0x20) >= 'a' && (nd->cp | 0x20) <= 'z') {
                byte_add(set, nd->cp ^ 0x20);
                if ((nd->cp | 0x20) == 'k') byte_add(set, 0xE2);
                if ((nd->cp | 0x20) == 's') byte_add(set, 0xC5);
            }
        } else {
            unsigned char u[4];
            newsmine_utf8_encode((int32_t)nd->cp, u);
            byte_add(set, u[0]);
            if (nd->caseless) {
                for (unsigned c = 0x80; c < 0x100; c++)
                    byte_add(set, c);
                for (unsigned c = 'A'; c <= 'Z'; c++) { /* KELVIN SIGN, LONG S, ... */
                    byte_add(set, c);
                    byte_add(set, c | 0x20);
                }
            }
        }
        return;
    case N_CLASS:
        for (unsigned c = 0; c < 128; c++)
            if (set_has(&nd->set, c)) byte_add(set, c);
        if (nd->set.nonascii || nd->set.letter_beyond || nd->set.nel || nd->set.other_space)
            for (unsigned c = 0x80; c < 0x100; c++)
                byte_add(set, c);
        return;
    case N_GROUP:
        first_byte_set(nd->kids[0], set);
        return;
    case N_REPEAT:
        if (nd->max != 0) first_byte_set(nd->kids[0], set);
        return;
    case N_ALT:
        for (size_t k = 0; k < nd->nkids; k++)
            first_byte_set(nd->kids[k], set);
        return;
    case N_CONCAT:
        for (size_t k = 0; k < nd->nkids; k++) {
            first_byte_set(nd->kids[k], set);
            if (!nd->kids[k]->nullable) return;
        }
        return;
    default:
        return;
    }
}

/* Whether kids [from, n) of a concatenation may match the empty string. */
static bool seq_nullable(const node *seq, size_t from)
{
    for (size_t k = from; k < seq->nkids; k++)
        if (!seq->kids[k]->nullable) return false;
    return true;
}

static void bytes_of(const node *nd, bytes_info *out)
{
    memset(out, 0, sizeof *out);
    out->fixed = true;
    switch (nd->kind) {
    case N_CHAR:
        if (nd->cp < 128) {
            byte_add(out->set[0], nd->cp);
            out->len = out->size = 1;
            if (nd->caseless && (nd->cp | 0x20) >= 'a' && (nd->cp | 0x20) <= 'z') {
                byte_add(out->set[0], nd->cp ^ 0x20);
                /* KELVIN SIGN and LONG S (E2 84 AA, C5 BF) match k and s caselessly */
                if ((nd->cp | 0x20) == 'k') byte_add(out->set[0], 0xE2), out->fixed = false;
                if ((nd->cp | 0x20) == 's') byte_add(out->set[0], 0xC5), out->fixed = false;
            }
        } else if (!nd->caseless) {
            unsigned char u[4];
            size_t n = newsmine_utf8_encode((int32_t)nd->cp, u);
            for (size_t j = 0; j < n && j < NEWSMINE_PF_BYTES; j++)
                byte_add(out->set[j], u[j]);
            out->size = (uint32_t)n;
            out->len = n < NEWSMINE_PF_BYTES ? (uint32_t)n : NEWSMINE_PF_BYTES;
        } else {
            out->fixed = false; /* another case may be another length */
        }
        return;
    case N_CLASS: {
        const charset *cs = &nd->set;
        for (unsigned c = 0; c < 128; c++)
            if (set_has(cs, c)) byte_add(out->set[0], c);
        out->len = out->size = 1;
        if (cs->nonascii || cs->letter_beyond || cs->nel || cs->other_space) {
            for (unsigned c = 0x80; c < 0x100; c++)
                byte_add(out->set[0], c);
            out->fixed = false;
        }
        return;
    }
    case N_EMPTY:
    case N_ASSERT:
    case N_LOOK:
        return; /* nothing consumed */
    case N_GROUP:
        bytes_of(nd->kids[0], out);
        return;
    case N_CONCAT:
        for (size_t k = 0; k < nd->nkids && out->fixed && out->size < NEWSMINE_PF_BYTES; k++) {
            bytes_info b;
            bytes_of(nd->kids[k], &b);
            if (b.len == 0 && !b.fixed) {
                /* an optional part: the next byte begins it or what follows;
                 * when all the rest may be empty, nothing more is known,
                 * not even the length */
                if (seq_nullable(nd, k)) {
                    out->fixed = false;
                    break;
                }
                memset(out->set[out->size], 0, 32);
                for (size_t j = k; j < nd->nkids; j++) {
                    first_byte_set(nd->kids[j], out->set[out->size]);
                    if (!nd->kids[j]->nullable) break;
                }
                out->len = out->size + 1;
                out->fixed = false;
                break;
            }
            for (uint32_t j = 0; j < b.len && out->size + j < NEWSMINE_PF_BYTES; j++)
                memcpy(out->set[out->size + j], b.set[j], 32);
            uint32_t known = out->size + b.len;
            out->len = known < NEWSMINE_PF_BYTES ? known : NEWSMINE_PF_BYTES;
            out->fixed = b.fixed;
            out->size += b.size;
        }
        if (out->len > out->size && out->fixed) out->len = out->size;
        return;
    case N_ALT:
        for (size_t k = 0; k < nd->nkids; k++) {
            bytes_info b;
            bytes_of(nd->kids[k], &b);
            if (k == 0) {
                *out = b;
                continue;
            }
            if (b.len < out->len) out->len = b.len;
            for (uint32_t j = 0; j < out->len; j++)
                for (int w = 0; w < 32; w++)
                    out->set[j][w] |= b.set[j][w];
            out->fixed = out->fixed && b.fixed && b.size == out->size;
        }
        return;
    case N_REPEAT: {
        bytes_info b;
        bytes_of(nd->kids[0], &b);
        if (nd->min == 0) {
            out->fixed = nd->max == 0;
            return;
        }
        if (!b.fixed) {
            *out = b;
            out->fixed = false;
            return;
        }
        if (b.size == 0) return;
        uint64_t total = (uint64_t)nd->min * b.size;
        out->len = total < NEWSMINE_PF_BYTES ? (uint32_t)total : NEWSMINE_PF_BYTES;
        for (uint32_t j = 0; j < out->len; j++)
            memcpy(out->set[j], b.set[j % b.size], 32);
        out->fixed = nd->min == nd->max && total < UINT32_MAX;
        out->size = (uint32_t)(total < UINT32_MAX ? total : UINT32_MAX);
        return;
    }
    }
}

/* ------------------------------------------------------------------ API */

bool newsmine_pf_is_symbol(uint32_t cp)
{
    if (cp < 128) return cp > ' ' && cp < 127 && strchr("-',.", (int)cp) == NULL &&
                         !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') && !(cp >= '0' && cp <= '9');
    return cp == 0x20AC || cp == 0xA3 || cp == 0xA5; /* euro, pound, yen */
}

/* The same units (in any order): compared by a fingerprint of the texts. */
static bool same_units(const clause *x, const clause *y)
{
    if (x->count != y->count) return false;
    uint64_t fx = 0, fy = 0;
    for (size_t k = 0; k < x->count; k++) {
        const newsmine_pf_unit *u = &x->units[k], *v = &y->units[k];
        fx += (u->kind == NEWSMINE_PF_WORD ? newsmine_hash_bytes(u->text, strlen(u->text)) : 0) +
              u->cp * 31u + (uint64_t)u->kind * 7u;
        fy += (v->kind == NEWSMINE_PF_WORD ? newsmine_hash_bytes(v->text, strlen(v->text)) : 0) +
              v->cp * 31u + (uint64_t)v->kind * 7u;
    }
    return fx == fy;
}

static int by_cost(const void *x, const void *y)
{
    unsigned a = clause_cost(x), b = clause_cost(y);
    return a < b ? -1 : a > b;
}

/* ------------------------------------- matches that start with a digit */

/* A match tried at a token that starts with an ASCII digit ("383 attacks")
 * starts with that digit: the alternatives that begin otherwise (number
 * words, "about", "several") cannot be taken there, and what they would
 * have allowed (any number of number words before the noun) does not
 * widen the bounds. What a node can be at such a start: */
typedef enum start_fate {
    START_DEAD, /* every match of it consumes, the first character no digit */
    START_PASS, /* it matches only the empty string there */
    START_STOP  /* it may consume the digit: the start is behind it */
} start_fate;

static bool set_has_digit(const charset *cs)
{
    return (cs->ascii[0] >> '0' & 0x3FFu) != 0;
}

/* What nd can be at the start of a match that starts with a digit. With
 * cut, what cannot be taken there is cut from it: branches that are DEAD,
 * and optional parts that can then only be empty. Inside a repeat of more
 * than one round nothing is cut: its later rounds are not at the start. */
static start_fate at_digit_start(node *nd, bool cut)
{
    switch (nd->kind) {
    case N_CHAR:
        return nd->cp >= '0' && nd->cp <= '9' ? START_STOP : START_DEAD;
    case N_CLASS:
        return set_has_digit(&nd->set) ? START_STOP : START_DEAD;
    case N_GROUP:
        return at_digit_start(nd->kids[0], cut);
    case N_REPEAT: {
        if (nd->max == 0) return START_PASS;
        start_fate f = at_digit_start(nd->kids[0], cut && nd->max == 1);
        if (f != START_DEAD) return f;
        if (nd->min > 0) return START_DEAD;
        if (cut) { /* zero rounds only */
            nd->kind = N_EMPTY;
            nd->nkids = 0;
        }
        return START_PASS;
    }
    case N_ALT: {
        size_t keep = 0;
        start_fate most = START_DEAD;
        for (size_t k = 0; k < nd->nkids; k++) {
            node *kid = nd->kids[k];
            start_fate f = at_digit_start(kid, cut);
            if (f == START_DEAD) continue;
            if (f > most) most = f;
            if (cut) {
                kid->index = keep;
                nd->kids[keep++] = kid;
            }
        }
        if (keep) nd->nkids = keep;
        return most;
    }
    case N_CONCAT:
        for (size_t k = 0; k < nd->nkids; k++) {
            start_fate f = at_digit_start(nd->kids[k], cut);
            if (f != START_PASS) return f;
        }
        return START_PASS;
    default: /* N_EMPTY, N_ASSERT, N_LOOK */
        return START_PASS;
    }
}

/* ------------------------------------------------------------- analysis */

static bool same_clauses(const newsmine_pf_clause *a, size_t na, const newsmine_pf_clause *b,
                         size_t nb)
{
    if (na != nb) return false;
    for (size_t k = 0; k < na; k++) {
        if (a[k].unit_count != b[k].unit_count) return false;
        for (size_t u = 0; u < a[k].unit_count; u++)
            if (!same_unit(&a[k].units[u], &b[k].units[u]) ||
                a[k].units[u].max_gaps != b[k].units[u].max_gaps)
                return false;
    }
    return true;
}

/* Clauses (units, words) copied into arena; NULL when out of memory. */
static newsmine_pf_clause *copy_clauses(const newsmine_pf_clause *from, size_t n,
                                        newsmine_arena *arena)
{
    newsmine_pf_clause *out = newsmine_arena_alloc(arena, n * sizeof *out);
    for (size_t k = 0; out && k < n; k++) {
        out[k].unit_count = from[k].unit_count;
        out[k].units = newsmine_arena_alloc(arena, from[k].unit_count * sizeof *out[k].units);
        if (!out[k].units) return NULL;
        for (size_t u = 0; u < from[k].unit_count; u++) {
            out[k].units[u] = from[k].units[u];
            const char *w = from[k].units[u].text;
            if (from[k].units[u].kind == NEWSMINE_PF_WORD &&
                !(out[k].units[u].text = newsmine_arena_strndup(arena, w, strlen(w))))
                return NULL;
        }
    }
    return out;
}

/* The cheapest clauses of an annotated tree, each once, in the scratch. */
static newsmine_status clauses_of(node *root, newsmine_arena *scratch, newsmine_pf_clause **clauses,
                                  size_t *count)
{
    analysis a = {scratch, false};
    clause_list list = {NULL, 0, 0};
    *clauses = NULL;
    *count = 0;
    if (!collect(&a, root, 0, &list) || !list.count)
        return a.nomem ? NEWSMINE_ERR_NOMEM : NEWSMINE_OK;
    qsort(list.items, list.count, sizeof *list.items, by_cost);
    size_t n = 0;
    for (size_t k = 0; k < list.count && n < NEWSMINE_PF_MAX_CLAUSES; k++) {
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = same_units(&list.items[j], &list.items[k]);
        if (!dup) list.items[n++] = list.items[k];
    }
    newsmine_pf_clause *out = newsmine_arena_alloc(scratch, n * sizeof *out);
    if (!out) return NEWSMINE_ERR_NOMEM;
    for (size_t k = 0; k < n; k++)
        out[k] = (newsmine_pf_clause){list.items[k].count, list.items[k].units};
    *clauses = out;
    *count = n;
    return a.nomem ? NEWSMINE_ERR_NOMEM : NEWSMINE_OK;
}

/* The pattern's tree, annotated; NULL when the analysis cannot read it. */
static node *analysed_tree(const char *pattern, size_t len, newsmine_arena *scratch, bool digit,
                           bool *nomem)
{
    parser p = {(const unsigned char *)pattern, len, 0, scratch, false, false, 0};
    bool caseless = false;
    node *root = parse_alt(&p, &caseless);
    *nomem |= p.nomem;
    if (!root || p.failed || p.i != p.n) return NULL;
    if (digit && at_digit_start(root, true) == START_DEAD) return NULL;
    annotate(root);
    annotate_gaps(root);
    return root;
}

newsmine_status newsmine_prefilter_analyze(const char *pattern, size_t len, bool digits,
                                           newsmine_arena *arena, newsmine_arena *work,
                                           newsmine_pf_result *out)
{
    memset(out, 0, sizeof *out);
    newsmine_arena own;
    newsmine_arena_init(&own);
    newsmine_arena *scratch = work ? work : &own;
    bool nomem = false;
    newsmine_status st = NEWSMINE_OK;
    newsmine_pf_clause *clauses = NULL;
    node *root = analysed_tree(pattern, len, scratch, false, &nomem);
    if (root) {
        bytes_info b;
        bytes_of(root, &b);
        out->first.len = b.len;
        memcpy(out->first.set, b.set, sizeof out->first.set);
        st = clauses_of(root, scratch, &clauses, &out->count);
        if (!st && out->count && !(out->clauses = copy_clauses(clauses, out->count, arena)))
            st = NEWSMINE_ERR_NOMEM;
    }
    /* the same pattern read again, for the matches that start with a digit:
     * one tree at a time in the scratch, the first one's clauses kept in
     * the rule set's arena */
    newsmine_arena_reset(scratch);
    node *digit = digits && root && !st ? analysed_tree(pattern, len, scratch, true, &nomem) : NULL;
    newsmine_pf_clause *digit_clauses = NULL;
    size_t digit_count = 0;
    if (digit) st = clauses_of(digit, scratch, &digit_clauses, &digit_count);
    if (!st && digit && !same_clauses(out->clauses, out->count, digit_clauses, digit_count)) {
        out->digit_count = digit_count;
        if (digit_count && !(out->digit_clauses = copy_clauses(digit_clauses, digit_count, arena)))
            st = NEWSMINE_ERR_NOMEM;
    }
    if (nomem) st = NEWSMINE_ERR_NOMEM;
    newsmine_arena_reset(scratch);
    newsmine_arena_free(&own);
    return st;
}
