/* Stage 2, normalisation: the text the rules see.
 *
 * NFKC (utf8proc); typographic dashes to '-', quotes to ' and ", every space
 * separator to ' '; soft hyphens, zero-width characters and the BOM removed;
 * case kept. Every byte of the normalised text maps back to the span of the
 * source text it came from, so a match on the normalised text becomes a span
 * of the text as given.
 *
 * The map is sparse: runs where source and normalised bytes are identical
 * (all of ASCII, the bulk of news text) cost nothing; each changed cluster
 * (a grapheme cluster whose normal form differs) is one edit.
 */
#ifndef NEWSMINE_NORMALIZE_H
#define NEWSMINE_NORMALIZE_H

#include "arena.h"
#include "newsmine.h"

#include <stddef.h>

/* A cluster of source bytes [src, src + src_len) that became the normalised
 * bytes [norm, norm + norm_len) (norm_len may be 0: removed). Between edits
 * the texts are byte-identical. */
typedef struct newsmine_edit {
    size_t norm, norm_len;
    size_t src, src_len;
} newsmine_edit;

typedef struct newsmine_normalized {
    const char *text; /* NUL-terminated; equals the source when no edits */
    size_t len;
    const newsmine_edit *edits; /* sorted by norm (and by src) */
    size_t edit_count;
} newsmine_normalized;

/* Normalises n bytes of valid UTF-8. Everything it allocates lives in arena.
 * Returns NEWSMINE_OK or NEWSMINE_ERR_NOMEM. */
newsmine_status newsmine_normalize(const char *src, size_t n, newsmine_arena *arena,
                                   newsmine_normalized *out);

/* The source byte offset where a span starting at normalised byte pos
 * begins: inside an edit, the start of its source cluster. */
size_t newsmine_normalized_source_start(const newsmine_normalized *nt, size_t pos);

/* The source byte offset where a span ending at normalised byte pos ends:
 * inside an edit, the end of its source cluster. */
size_t newsmine_normalized_source_end(const newsmine_normalized *nt, size_t pos);

#endif
