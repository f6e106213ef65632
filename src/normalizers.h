/* Stage 5b, values: the norm object of each accepted entity.
 *
 * A norm is built from, in this order: the rule's constant `set` pairs, the
 * rows its `lookup` lines find (a capture is looked up whole, then by its
 * trailing words: "Kazakhstani military personnel" finds "personnel"), the
 * named groups not reserved by the type, and the type's own normaliser in C
 * (numbers for count and quantity, ISO dates, rank name). Keys come out in
 * the schema's order for the type, then the others in the order added. */
#ifndef NEWSMINE_NORMALIZERS_H
#define NEWSMINE_NORMALIZERS_H

#include "match.h"
#include "rules.h"

enum { NEWSMINE_NORM_MAX_KEYS = 24 };

typedef struct newsmine_norm {
    newsmine_kv pairs[NEWSMINE_NORM_MAX_KEYS];
    size_t count;
} newsmine_norm;

/* Builds the norm of one candidate found on the normalised text. Strings
 * are copied into arena. */
/* doc_date: the document's own date (ISO 8601, "2024-03-15..."), or NULL;
 * relative dates are resolved against it. */
newsmine_status newsmine_norm_build(const newsmine_rules *rules, const newsmine_candidate *c,
                                    const char *text, const char *doc_date,
                                    newsmine_arena *arena, newsmine_norm *out);

const char *newsmine_norm_get(const newsmine_norm *norm, const char *key);
newsmine_status newsmine_norm_set(newsmine_norm *norm, const char *key, const char *json);
/* Drops key and its value, if present. */
void newsmine_norm_remove(newsmine_norm *norm, const char *key);

/* Renders norm as a JSON object in the type's key order, into arena. */
newsmine_status newsmine_norm_render(const newsmine_norm *norm, newsmine_type type,
                                     newsmine_arena *arena, const char **json, size_t *len);

#endif
