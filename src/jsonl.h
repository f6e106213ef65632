/* The common JSON Lines object, read without building a tree: a flat object
 * whose values are strings, null, true or false, as news dumps write them.
 * Anything else (numbers, nested values, a repeated key, a \u escape that
 * cJSON would read as U+0000, white space JSON does not define) is left to
 * cJSON: this reading answers only where it agrees with cJSON's, byte for
 * byte, and the reader falls back to cJSON otherwise. */
#ifndef NEWSMINE_JSONL_H
#define NEWSMINE_JSONL_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum newsmine_json_kind {
    NEWSMINE_JSON_STRING,
    NEWSMINE_JSON_NULL,
    NEWSMINE_JSON_TRUE,
    NEWSMINE_JSON_FALSE
} newsmine_json_kind;

/* One member; its key and string value are offsets into the strings buffer
 * (decoded, NUL-free; each followed by a NUL there). */
typedef struct newsmine_json_member {
    size_t key, key_len;
    size_t value, value_len; /* NEWSMINE_JSON_STRING only */
    newsmine_json_kind kind;
} newsmine_json_member;

enum { NEWSMINE_JSON_FLAT_MAX = 32 }; /* more members: cJSON reads the line */

typedef enum newsmine_json_flat {
    NEWSMINE_JSON_FLAT_OK,
    NEWSMINE_JSON_FLAT_OTHER, /* not of the simple form: read it with cJSON */
    NEWSMINE_JSON_FLAT_NOMEM
} newsmine_json_flat;

/* Reads n bytes of valid UTF-8 holding no NUL byte. On FLAT_OK, members
 * [0, *count) in the order of the text, their strings in *strings (emptied
 * first; the caller owns the buffer). */
newsmine_json_flat newsmine_json_read_flat(const char *s, size_t n, newsmine_buffer *strings,
                                           newsmine_json_member *members, size_t *count);

/* Appends s (n bytes, no NUL) as a JSON string, escaped as cJSON prints it:
 * '"', '\\' and \b \f \n \r \t with a backslash, other bytes below 0x20 as
 * \u00xx, everything else as it is. */
newsmine_status newsmine_json_put_string(newsmine_buffer *out, const char *s, size_t n);

/* Tests: on, the reader reads every JSON line with cJSON (reader.c), so
 * that both readings can be compared. */
void newsmine_reader_set_cjson_only(newsmine_reader *reader, bool on);

#endif
