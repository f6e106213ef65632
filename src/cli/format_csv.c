/* CSV and PostgreSQL text-format rows of entities and documents; see
 * format_csv.h for the columns and the escaping. */
#include "format_csv.h"

#include "entity_id.h"
#include "outbuf.h"

#include <stdlib.h>
#include <string.h>

const char csv_entity_columns[] = "id,doc,type,start,end,text,norm,rule";
const char csv_document_columns[] = "id,metadata,text,repaired";

bool csv_format_parse(const char *name, csv_format *out)
{
    if (strcmp(name, "csv") == 0) *out = CSV_FORMAT_CSV;
    else if (strcmp(name, "tsv") == 0) *out = CSV_FORMAT_TSV;
    else return false;
    return true;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static bool put_end(csv_format f, newsmine_buffer *out, bool last)
{
    return outbuf_putc(out, last ? '\n' : (f == CSV_FORMAT_CSV ? ',' : '\t'));
}

/* Bytes that need care in a field of the format. */
static bool csv_special(unsigned char c)
{
    return c == '"' || c == ',' || c == '\n' || c == '\r' || c == 0;
}

static bool tsv_special(unsigned char c)
{
    return c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == 0;
}

/* s with every NUL replaced by U+FFFD. */
static bool put_csv_field(newsmine_buffer *out, const char *s, size_t n)
{
    bool quote = n == 0 || (n == 2 && s[0] == '\\' && s[1] == '.');
    for (size_t i = 0; i < n && !quote; i++)
        quote = csv_special((unsigned char)s[i]);
    if (!quote) return outbuf_append(out, s, n);
    if (!outbuf_reserve(out, n + 2)) return false;
    out->data[out->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '"' && c != 0) continue;
        if (!outbuf_append(out, s + run, i - run)) return false;
        if (!(c == '"' ? outbuf_append(out, "\"\"", 2) : outbuf_puts(out, replacement)))
            return false;
        run = i + 1;
    }
    return outbuf_append(out, s + run, n - run) && outbuf_putc(out, '"');
}

static bool put_tsv_field(newsmine_buffer *out, const char *s, size_t n)
{
    if (!outbuf_reserve(out, n)) return false;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!tsv_special(c)) continue;
        if (!outbuf_append(out, s + run, i - run)) return false;
        const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r" : replacement;
        if (!outbuf_puts(out, esc)) return false;
        run = i + 1;
    }
    return outbuf_append(out, s + run, n - run);
}

static bool put_field(csv_format f, newsmine_buffer *out, const char *s, size_t n)
{
    return f == CSV_FORMAT_CSV ? put_csv_field(out, s, n) : put_tsv_field(out, s, n);
}

bool csv_put_text(csv_format f, newsmine_buffer *out, const char *s, size_t n, bool last)
{
    return put_field(f, out, s, n) && put_end(f, out, last);
}

/* Where the JSON text at s holds the escape \u0000 (not an escaped backslash
 * followed by "u0000"), or n. */
static size_t find_json_nul(const char *s, size_t n, size_t from)
{
    for (size_t i = from; i + 1 < n; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] == 'u' && i + 6 <= n && memcmp(s + i + 2, "0000", 4) == 0) return i;
        i++; /* skip the escaped character */
    }
    return n;
}

bool csv_put_json(csv_format f, newsmine_buffer *out, const char *s, size_t n, bool last)
{
    size_t at = find_json_nul(s, n, 0);
    if (at == n) return csv_put_text(f, out, s, n, last);
    /* rare: a copy with every \u0000 turned into \ufffd */
    newsmine_buffer fixed = {0};
    bool ok = true;
    size_t run = 0;
    for (; ok && at < n; at = find_json_nul(s, n, run)) {
        ok = outbuf_append(&fixed, s + run, at - run) && outbuf_append(&fixed, "\\ufffd", 6);
        run = at + 6;
    }
    ok = ok && outbuf_append(&fixed, s + run, n - run) &&
         csv_put_text(f, out, fixed.data, fixed.len, last);
    free(fixed.data);
    return ok;
}

bool csv_put_uint(csv_format f, newsmine_buffer *out, unsigned long long v, bool last)
{
    return outbuf_put_u64(out, v) && put_end(f, out, last);
}

bool csv_put_null(csv_format f, newsmine_buffer *out, bool last)
{
    return (f == CSV_FORMAT_CSV || outbuf_append(out, "\\N", 2)) && put_end(f, out, last);
}

bool csv_write_entities(csv_format f, const newsmine_doc *doc, const newsmine_entity *ents,
                        size_t count, newsmine_buffer *out)
{
    size_t before = out->len;
    bool ok = true;
    for (size_t i = 0; ok && i < count; i++) {
        const newsmine_entity *e = &ents[i];
        const char *type = newsmine_type_name(e->type);
        if (!type || e->start_byte > e->end_byte || e->end_byte > doc->text_len) {
            ok = false;
            break;
        }
        char id[ENTITY_ID_LEN + 1];
        entity_id(doc->id, doc->id_len, type, e->start, e->end, id);
        ok = csv_put_text(f, out, id, ENTITY_ID_LEN, false) &&
             csv_put_text(f, out, doc->id, doc->id_len, false) &&
             csv_put_text(f, out, type, strlen(type), false) &&
             csv_put_uint(f, out, e->start, false) && csv_put_uint(f, out, e->end, false) &&
             csv_put_text(f, out, doc->text + e->start_byte, e->end_byte - e->start_byte, false) &&
             csv_put_json(f, out, e->norm, e->norm_len, false) &&
             csv_put_text(f, out, e->rule, strlen(e->rule), true);
    }
    if (!ok) {
        out->len = before;
        if (out->data) out->data[before] = '\0';
    }
    return ok;
}

bool csv_write_document(csv_format f, const newsmine_doc *doc, bool store_text,
                        newsmine_buffer *out)
{
    size_t before = out->len;
    const char *meta = doc->meta && doc->meta_len ? doc->meta : "{}";
    size_t meta_len = doc->meta && doc->meta_len ? doc->meta_len : 2;
    bool ok = csv_put_text(f, out, doc->id, doc->id_len, false) &&
              csv_put_json(f, out, meta, meta_len, false) &&
              (store_text ? csv_put_text(f, out, doc->text, doc->text_len, false)
                          : csv_put_null(f, out, false)) &&
              csv_put_uint(f, out, doc->repaired, true);
    if (!ok) {
        out->len = before;
        if (out->data) out->data[before] = '\0';
    }
    return ok;
}

bool csv_write_header(csv_format f, bool documents, newsmine_buffer *out)
{
    const char *cols = documents ? csv_document_columns : csv_entity_columns;
    size_t before = out->len;
    bool ok = true;
    for (const char *p = cols; ok;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        ok = csv_put_text(f, out, p, n, !comma);
        if (!comma) break;
        p = comma + 1;
    }
    if (!ok) {
        out->len = before;
        if (out->data) out->data[before] = '\0';
    }
    return ok;
}
