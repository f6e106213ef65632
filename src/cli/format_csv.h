/* --format csv|tsv: entity and document records as rows whose columns are the
 * columns of the tables of docs/schema.sql, in that order, so that the output
 * loads with COPY (or psql's \copy) as it is:
 *
 *   entity rows:   id, doc, type, start, end, text, norm, rule
 *   document rows: id, metadata, text, repaired
 *
 * id of an entity row is entity_id.h's stable id; norm and metadata are one
 * JSON object each, in one column; text of a document row is NULL unless
 * --store-text. No header line unless csv_write_header is called, so that
 * the outputs of several runs concatenate.
 *
 * CSV is RFC 4180 with "\n" line ends: a field is quoted when it holds '"',
 * ',', CR or LF, is the empty string (an unquoted empty field is NULL for
 * COPY ... (FORMAT csv)) or is exactly "\." (COPY's end-of-data marker);
 * quotes inside are doubled. Python's csv module reads it back exactly.
 *
 * TSV is PostgreSQL's text format (COPY ... (FORMAT text), the default of
 * COPY): fields separated by a tab, "\\", "\t", "\n", "\r" escaped with a
 * backslash, NULL written as \N.
 *
 * PostgreSQL cannot store the character U+0000: in both formats a NUL byte of
 * a text becomes U+FFFD, and a \u0000 escape inside JSON becomes \ufffd. One
 * code point for one, so no offset moves.
 *
 * The writers are pure functions of their arguments: any number of threads
 * may call them at once on different buffers. */
#ifndef NEWSMINE_CLI_FORMAT_CSV_H
#define NEWSMINE_CLI_FORMAT_CSV_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum csv_format {
    CSV_FORMAT_CSV = 0,
    CSV_FORMAT_TSV
} csv_format;

/* "csv" or "tsv" to a format; false for another name. */
bool csv_format_parse(const char *name, csv_format *out);

/* The column names, comma-separated ("id,doc,type,start,end,text,norm,rule"). */
extern const char csv_entity_columns[];
extern const char csv_document_columns[];

/* Appends one row per entity (none for a document without entities) to out.
 * False when out of memory; out is then as it was (no half row). */
bool csv_write_entities(csv_format format, const newsmine_doc *doc,
                        const newsmine_entity *entities, size_t count, newsmine_buffer *out);

/* Appends the one row of the document (id, metadata, text or NULL, repaired). */
bool csv_write_document(csv_format format, const newsmine_doc *doc, bool store_text,
                        newsmine_buffer *out);

/* Appends a header line naming the columns of entity rows (documents false)
 * or of document rows (true). */
bool csv_write_header(csv_format format, bool documents, newsmine_buffer *out);

/* Field-level writers, shared with the PostgreSQL sink (which speaks COPY
 * text format). last ends the row with "\n", else a separator follows. */
bool csv_put_text(csv_format format, newsmine_buffer *out, const char *s, size_t n, bool last);
bool csv_put_json(csv_format format, newsmine_buffer *out, const char *s, size_t n, bool last);
bool csv_put_uint(csv_format format, newsmine_buffer *out, unsigned long long v, bool last);
bool csv_put_null(csv_format format, newsmine_buffer *out, bool last);

#endif
