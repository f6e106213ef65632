/* newsmine.h first: normalize.h uses newsmine_status without including it. */
#include "newsmine.h"
#include "normalize.h"

#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

/* COMPOSE (not only COMPAT) is what makes utf8proc_decompose_char decompose
 * at all; STABLE keeps composition exclusions out, as NFKC requires. */
#define NFKC_OPTIONS (UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE)

/* Code points one cluster may decompose to before it is cut in two. Any real
 * grapheme cluster fits (the longest decomposition of one code point, U+FDFA,
 * is 18); only runs of dozens of stacked marks are normalised in pieces. */
enum { CLUSTER_MAX_CPS = 64 };

enum { REMOVED = -1 };

/* Zero bytes after the NUL of a normalised text (see newsmine_normalize). */
enum { SUBJECT_PAD = 32 };

typedef struct cluster {
    size_t start, end; /* source bytes */
    utf8proc_int32_t cps[CLUSTER_MAX_CPS];
    size_t count;
    unsigned char bytes[CLUSTER_MAX_CPS * 4]; /* the normal form in UTF-8 */
    size_t len;
    bool as_is; /* one code point that neither folds nor decomposes: unchanged */
} cluster;

typedef struct normalizer {
    const unsigned char *src;
    size_t n;
    newsmine_arena *arena;
    char *out; /* NULL until the first edit: till then the output is the source */
    size_t out_len, out_cap;
    size_t pending; /* source bytes from here on are identical but not yet copied */
    newsmine_edit *edits;
    size_t edit_count, edit_cap;
} normalizer;

/* Every Zs character above ASCII lies in U+00A0..U+3000 (Unicode 15); the
 * range test spares the table lookup for most letters. */
static bool is_space_separator(utf8proc_int32_t cp)
{
    return (cp == 0xA0 || (cp >= 0x1680 && cp <= 0x3000)) &&
           utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

static utf8proc_int32_t fold_char(utf8proc_int32_t cp)
{
    if (cp < 0x80) return cp;
    switch (cp) {
    case 0x00AD: /* soft hyphen */
    case 0x180E: /* Mongolian vowel separator */
    case 0x200B: /* zero-width space, non-joiner, joiner */
    case 0x200C:
    case 0x200D:
    case 0x2060: /* word joiner */
    case 0xFEFF: /* byte order mark */
        return REMOVED;
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2212:
    case 0xFE58:
    case 0xFE63:
    case 0xFF0D:
        return '-';
    case 0x02BC:
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
        return '\'';
    case 0x00AB:
    case 0x00BB:
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
    case 0x301D:
    case 0x301E:
    case 0x301F:
        return '"';
    case 0x2028:
    case 0x2029:
        return '\n';
    default:
        return is_space_separator(cp) ? ' ' : cp;
    }
}

/* An em dash or horizontal bar becomes "--", the typewriter's em dash, so
 * that "soldiers--all" stays two words where "Colonel-General" is one. */
static bool is_em_dash(utf8proc_int32_t cp)
{
    return cp == 0x2014 || cp == 0x2015;
}

static size_t skip_ascii(const unsigned char *s, size_t pos, size_t n)
{
    while (pos + 8 <= n) {
        uint64_t word;
        memcpy(&word, s + pos, sizeof word);
        if (word & UINT64_C(0x8080808080808080)) break;
        pos += 8;
    }
    while (pos < n && s[pos] < 0x80)
        pos++;
    return pos;
}

/* Folding before NFKC as well as after keeps U+2033 one '"' (NFKC would make
 * it two primes). */
static bool add_decomposed(cluster *c, utf8proc_int32_t cp, utf8proc_int32_t folded)
{
    utf8proc_ssize_t room = CLUSTER_MAX_CPS - (utf8proc_ssize_t)c->count;
    if (folded != cp) {
        if (room < 1) return false;
        c->cps[c->count++] = folded;
        return true;
    }
    utf8proc_ssize_t got = utf8proc_decompose_char(cp, c->cps + c->count, room, NFKC_OPTIONS, NULL);
    if (got < 0 || got > room) return false;
    c->count += (size_t)got;
    return true;
}

/* Conjoining vowel and trailing jamo never begin a cluster: NFKC composes them
 * with the initial jamo that a compatibility jamo (U+3131, U+FFA1) decomposes
 * to, across a grapheme boundary. */
static bool begins_cluster(utf8proc_int32_t prev, utf8proc_int32_t cp, utf8proc_int32_t *state)
{
    bool grapheme_break = utf8proc_grapheme_break_stateful(prev, cp, state);
    return grapheme_break && !(cp >= 0x1160 && cp <= 0x11FF);
}

/* Reads the cluster at start, decomposed. Removed characters are transparent:
 * they join the cluster they are in without separating their neighbours, so
 * "U" + soft hyphen + U+0300 still composes. A cluster never takes in an ASCII
 * character after its first: ASCII never composes with what precedes it, so
 * cutting there changes no normal form and keeps ASCII on the fast path. */
static void read_cluster(const unsigned char *s, size_t n, size_t start, cluster *c)
{
    utf8proc_int32_t prev = -1, state = 0;
    size_t pos = start, code_points = 0;
    bool plain = true;
    c->start = start;
    c->count = 0;
    do {
        int32_t cp;
        size_t len = newsmine_utf8_decode(s + pos, n - pos, &cp);
        utf8proc_int32_t folded = fold_char(cp);
        if (folded != REMOVED) {
            if (prev >= 0 && begins_cluster(prev, cp, &state)) break;
            size_t before = c->count;
            if (!add_decomposed(c, cp, folded)) {
                if (prev >= 0) break;
                c->cps[c->count++] = cp; /* unreachable: any one decomposition fits */
            }
            plain = plain && c->count == before + 1 && c->cps[before] == cp && !is_em_dash(cp);
            code_points++;
            prev = cp;
        } else {
            plain = false;
        }
        pos += len;
    } while (pos < n && s[pos] >= 0x80);
    c->end = pos;
    c->as_is = plain && code_points == 1;
}

static int combining_class(utf8proc_int32_t cp)
{
    return utf8proc_get_property(cp)->combining_class;
}

/* utf8proc_normalize_utf32 composes but does not reorder: that is done by
 * utf8proc_decompose on whole strings only, so it is done here. */
static void canonical_order(utf8proc_int32_t *cps, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        utf8proc_int32_t cp = cps[i];
        int ccc = combining_class(cp);
        if (ccc == 0) continue;
        size_t j = i;
        for (; j > 0 && combining_class(cps[j - 1]) > ccc; j--)
            cps[j] = cps[j - 1];
        cps[j] = cp;
    }
}

static void compose_and_encode(cluster *c)
{
    canonical_order(c->cps, c->count);
    utf8proc_ssize_t count =
        utf8proc_normalize_utf32(c->cps, (utf8proc_ssize_t)c->count, NFKC_OPTIONS);
    c->len = 0;
    for (utf8proc_ssize_t i = 0; i < count; i++) {
        utf8proc_int32_t folded = fold_char(c->cps[i]);
        if (is_em_dash(folded)) {
            c->bytes[c->len++] = '-';
            c->bytes[c->len++] = '-';
        } else if (folded != REMOVED) {
            c->len += (size_t)utf8proc_encode_char(folded, c->bytes + c->len);
        }
    }
}

static bool is_continuation(unsigned char byte)
{
    return (byte & 0xC0) == 0x80;
}

/* Identical leading bytes of a and b that end on a character boundary. */
static size_t common_prefix(const unsigned char *a, size_t a_len, const unsigned char *b,
                            size_t b_len)
{
    size_t max = a_len < b_len ? a_len : b_len, k = 0;
    while (k < max && a[k] == b[k])
        k++;
    while (k > 0 && k < a_len && is_continuation(a[k]))
        k--;
    return k;
}

static size_t common_suffix(const unsigned char *a, size_t a_len, const unsigned char *b,
                            size_t b_len)
{
    size_t max = a_len < b_len ? a_len : b_len, k = 0;
    while (k < max && a[a_len - 1 - k] == b[b_len - 1 - k])
        k++;
    while (k > 0 && is_continuation(a[a_len - k]))
        k--;
    return k;
}

static newsmine_status reserve_out(normalizer *nz, size_t extra)
{
    size_t need = nz->out_len + extra + 1;
    if (nz->out && need <= nz->out_cap) return NEWSMINE_OK;
    size_t cap = nz->out ? nz->out_cap * 2 : nz->n + nz->n / 8 + 64;
    if (cap < need) cap = need;
    char *grown = newsmine_arena_alloc(nz->arena, cap);
    if (!grown) return NEWSMINE_ERR_NOMEM;
    /* Before the first edit the output so far is a prefix of the source. */
    const char *so_far = nz->out ? nz->out : (const char *)nz->src;
    if (nz->out_len) memcpy(grown, so_far, nz->out_len);
    nz->out = grown;
    nz->out_cap = cap;
    return NEWSMINE_OK;
}

static newsmine_status copy_identical(normalizer *nz, size_t upto)
{
    size_t run = upto - nz->pending;
    if (nz->out) {
        if (reserve_out(nz, run) != NEWSMINE_OK) return NEWSMINE_ERR_NOMEM;
        memcpy(nz->out + nz->out_len, nz->src + nz->pending, run);
    }
    nz->out_len += run;
    nz->pending = upto;
    return NEWSMINE_OK;
}

static newsmine_status push_edit(normalizer *nz, newsmine_edit edit)
{
    if (nz->edit_count == nz->edit_cap) {
        size_t cap = nz->edit_cap ? nz->edit_cap * 2 : 16;
        newsmine_edit *grown = newsmine_arena_alloc(nz->arena, cap * sizeof *grown);
        if (!grown) return NEWSMINE_ERR_NOMEM;
        if (nz->edit_count) memcpy(grown, nz->edits, nz->edit_count * sizeof *grown);
        nz->edits = grown;
        nz->edit_cap = cap;
    }
    nz->edits[nz->edit_count++] = edit;
    return NEWSMINE_OK;
}

/* An edit covers only the bytes that changed: "b" + U+200C becomes "b" and a
 * removal, so the "b" stays in the identical run. */
static newsmine_status record_cluster(normalizer *nz, const cluster *c)
{
    const unsigned char *src = nz->src + c->start;
    size_t src_len = c->end - c->start;
    if (c->len == src_len && memcmp(c->bytes, src, src_len) == 0) return NEWSMINE_OK;
    size_t prefix = common_prefix(src, src_len, c->bytes, c->len);
    size_t suffix =
        common_suffix(src + prefix, src_len - prefix, c->bytes + prefix, c->len - prefix);
    if (copy_identical(nz, c->start + prefix) != NEWSMINE_OK) return NEWSMINE_ERR_NOMEM;
    newsmine_edit edit = {.norm = nz->out_len,
                          .norm_len = c->len - prefix - suffix,
                          .src = c->start + prefix,
                          .src_len = src_len - prefix - suffix};
    if (reserve_out(nz, edit.norm_len) != NEWSMINE_OK || push_edit(nz, edit) != NEWSMINE_OK)
        return NEWSMINE_ERR_NOMEM;
    memcpy(nz->out + nz->out_len, c->bytes + prefix, edit.norm_len);
    nz->out_len += edit.norm_len;
    nz->pending = c->end - suffix;
    return NEWSMINE_OK;
}

newsmine_status newsmine_normalize(const char *src, size_t n, newsmine_arena *arena,
                                   newsmine_normalized *out)
{
    normalizer nz = {.src = (const unsigned char *)src, .n = n, .arena = arena};
    cluster c;
    size_t pos = 0, next;
    memset(out, 0, sizeof *out);
    while ((next = skip_ascii(nz.src, pos, n)) < n) {
        /* The last ASCII character may be the base of the marks that follow. */
        size_t start = next > pos ? next - 1 : next;
        read_cluster(nz.src, n, start, &c);
        pos = c.end;
        if (c.as_is) continue;
        compose_and_encode(&c);
        if (record_cluster(&nz, &c) != NEWSMINE_OK) return NEWSMINE_ERR_NOMEM;
    }
    if (!nz.out) {
        out->text = src ? src : "";
        out->len = n;
        return NEWSMINE_OK;
    }
    if (copy_identical(&nz, n) != NEWSMINE_OK || reserve_out(&nz, SUBJECT_PAD) != NEWSMINE_OK)
        return NEWSMINE_ERR_NOMEM;
    /* the NUL and zeros after it: PCRE2's JIT reads whole 16-byte blocks,
     * so it may look past the end of the text it matches (never past the
     * block); what it finds there must be initialised (valgrind checks) */
    memset(nz.out + nz.out_len, 0, SUBJECT_PAD + 1);
    out->text = nz.out;
    out->len = nz.out_len;
    out->edits = nz.edits;
    out->edit_count = nz.edit_count;
    return NEWSMINE_OK;
}

/* Removed characters (edits with norm_len 0) stay outside spans: a span that
 * starts where one was removed starts after it, and a span that ends there
 * ends before it, so "peace<SHY>keeping" gives "keeping" without the soft
 * hyphen while the whole word still includes it. */
size_t newsmine_normalized_source_start(const newsmine_normalized *nt, size_t pos)
{
    const newsmine_edit *edits = nt->edits;
    size_t lo = 0, hi = nt->edit_count;
    while (lo < hi) { /* first edit that ends after pos */
        size_t mid = lo + (hi - lo) / 2;
        if (edits[mid].norm + edits[mid].norm_len <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < nt->edit_count && edits[lo].norm <= pos) return edits[lo].src;
    if (lo == 0) return pos;
    const newsmine_edit *before = &edits[lo - 1];
    return before->src + before->src_len + (pos - before->norm - before->norm_len);
}

size_t newsmine_normalized_source_end(const newsmine_normalized *nt, size_t pos)
{
    const newsmine_edit *edits = nt->edits;
    size_t lo = 0, hi = nt->edit_count;
    while (lo < hi) { /* first edit that starts at or after pos */
        size_t mid = lo + (hi - lo) / 2;
        if (edits[mid].norm < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return pos;
    const newsmine_edit *before = &edits[lo - 1];
    size_t before_end = before->norm + before->norm_len;
    size_t src_end = before->src + before->src_len;
    return pos <= before_end ? src_end : src_end + (pos - before_end);
}
