/* Stage 6, emitting JSON Lines. A small writer of its own rather than cJSON
 * trees: records are flat, and building a tree per entity would cost more
 * than the whole extraction. */
#include "newsmine.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* s as a JSON string, appended run by run: the whole text of a document
 * may pass here, and reserving room for the worst case would be 6 times it. */
static newsmine_status put_escaped(newsmine_buffer *out, const char *s, size_t n)
{
    if (newsmine_buffer_putc(out, '"')) return NEWSMINE_ERR_NOMEM;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!newsmine_json_needs_escape(c)) continue;
        char esc[6];
        size_t len = newsmine_json_escape_byte(c, false, esc);
        if (newsmine_buffer_append(out, s + run, i - run) || newsmine_buffer_append(out, esc, len))
            return NEWSMINE_ERR_NOMEM;
        run = i + 1;
    }
    if (newsmine_buffer_append(out, s + run, n - run)) return NEWSMINE_ERR_NOMEM;
    return newsmine_buffer_putc(out, '"');
}

static newsmine_status put(newsmine_buffer *out, const char *s)
{
    return newsmine_buffer_append(out, s, strlen(s));
}

/* "type":..,"start":..,"end":..,"text":..,"norm":..,"rule":.. */
static newsmine_status put_entity_fields(newsmine_buffer *out, const newsmine_doc *doc,
                                         const newsmine_entity *e)
{
    newsmine_status st = put(out, "\"type\":\"");
    if (!st) st = put(out, newsmine_type_name(e->type));
    if (!st) st = put(out, "\",\"start\":");
    if (!st) st = newsmine_buffer_append_uint(out, e->start);
    if (!st) st = put(out, ",\"end\":");
    if (!st) st = newsmine_buffer_append_uint(out, e->end);
    if (!st) st = put(out, ",\"text\":");
    if (!st) st = put_escaped(out, doc->text + e->start_byte, e->end_byte - e->start_byte);
    if (!st) st = put(out, ",\"norm\":");
    if (!st) st = newsmine_buffer_append(out, e->norm, e->norm_len);
    if (!st) st = put(out, ",\"rule\":");
    if (!st) st = put_escaped(out, e->rule, strlen(e->rule));
    return st;
}

static newsmine_status put_repaired(newsmine_buffer *out, const newsmine_doc *doc)
{
    if (!doc->repaired) return NEWSMINE_OK;
    newsmine_status st = put(out, ",\"repaired\":");
    return st ? st : newsmine_buffer_append_uint(out, doc->repaired);
}

/* JSON escaping of n bytes at s into o (room: 6n); returns the end. */
static char *escape_into(char *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (newsmine_json_needs_escape(c))
            o += newsmine_json_escape_byte(c, false, o);
        else
            *o++ = (char)c;
    }
    return o;
}

static char *put_literal(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT_LITERAL(o, lit) put_literal(o, lit, sizeof lit - 1)

/* One entity record, written in place: the bytes it can take are reserved
 * once (every escaped byte at most 6, every number at most 20 digits). */
static newsmine_status emit_entity(const newsmine_doc *doc, const newsmine_entity *e,
                                   const char *id_json, size_t id_json_len, newsmine_buffer *out)
{
    const char *type = newsmine_type_name(e->type);
    size_t text_len = e->end_byte - e->start_byte, rule_len = strlen(e->rule);
    size_t need = id_json_len + strlen(type) + 6 * text_len + e->norm_len + 6 * rule_len + 160;
    if (newsmine_buffer_reserve(out, need)) return NEWSMINE_ERR_NOMEM;
    char *o = out->data + out->len;
    o = PUT_LITERAL(o, "{\"doc\":");
    o = put_literal(o, id_json, id_json_len);
    o = PUT_LITERAL(o, ",\"type\":\"");
    o = put_literal(o, type, strlen(type));
    o = PUT_LITERAL(o, "\",\"start\":");
    o += newsmine_format_uint(e->start, o);
    o = PUT_LITERAL(o, ",\"end\":");
    o += newsmine_format_uint(e->end, o);
    o = PUT_LITERAL(o, ",\"text\":\"");
    o = escape_into(o, doc->text + e->start_byte, text_len);
    o = PUT_LITERAL(o, "\",\"norm\":");
    o = put_literal(o, e->norm, e->norm_len);
    o = PUT_LITERAL(o, ",\"rule\":\"");
    o = escape_into(o, e->rule, rule_len);
    *o++ = '"';
    if (doc->repaired) {
        o = PUT_LITERAL(o, ",\"repaired\":");
        o += newsmine_format_uint(doc->repaired, o);
    }
    o = PUT_LITERAL(o, "}\n");
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return NEWSMINE_OK;
}

static newsmine_status emit_entities(const newsmine_doc *doc, const newsmine_entity *ents,
                                     size_t n, newsmine_buffer *out)
{
    if (!n) return NEWSMINE_OK;
    /* the document's id, escaped once for all its records */
    newsmine_buffer id = {0};
    newsmine_status st = put_escaped(&id, doc->id, doc->id_len);
    for (size_t i = 0; !st && i < n; i++)
        st = emit_entity(doc, &ents[i], id.data, id.len, out);
    newsmine_buffer_free(&id);
    return st;
}

/* The members of the metadata object, without its braces. */
static newsmine_status put_meta_members(newsmine_buffer *out, const newsmine_doc *doc)
{
    if (!doc->meta || doc->meta_len < 2) return NEWSMINE_OK;
    const char *inner = doc->meta + 1;
    size_t n = doc->meta_len - 2;
    while (n && (inner[0] == ' ' || inner[0] == '\n'))
        inner++, n--;
    if (!n) return NEWSMINE_OK;
    newsmine_status st = newsmine_buffer_putc(out, ',');
    return st ? st : newsmine_buffer_append(out, inner, n);
}

static newsmine_status emit_document(const newsmine_doc *doc, const newsmine_entity *ents,
                                     size_t n, bool store_text, newsmine_buffer *out)
{
    newsmine_status st = put(out, "{\"doc\":");
    if (!st) st = put_escaped(out, doc->id, doc->id_len);
    if (!st) st = put_meta_members(out, doc);
    if (!st) st = put_repaired(out, doc);
    if (!st && store_text) {
        st = put(out, ",\"text\":");
        if (!st) st = put_escaped(out, doc->text, doc->text_len);
    }
    if (!st) st = put(out, ",\"entities\":[");
    for (size_t i = 0; !st && i < n; i++) {
        st = put(out, i ? ",{" : "{");
        if (!st) st = put_entity_fields(out, doc, &ents[i]);
        if (!st) st = newsmine_buffer_putc(out, '}');
    }
    if (!st) st = put(out, "]}\n");
    return st;
}

newsmine_status newsmine_emit(const newsmine_doc *doc, const newsmine_entity *entities,
                              size_t count, const newsmine_emit_options *opts,
                              newsmine_buffer *out)
{
    if (!doc || !out || (count && !entities)) return NEWSMINE_ERR_ARG;
    for (size_t i = 0; i < count; i++) /* a bad entity would write past the text */
        if (!newsmine_type_name(entities[i].type) || !entities[i].norm || !entities[i].rule ||
            entities[i].start_byte > entities[i].end_byte || entities[i].end_byte > doc->text_len)
            return NEWSMINE_ERR_ARG;
    size_t before = out->len;
    newsmine_status st =
        opts && opts->mode == NEWSMINE_EMIT_DOCUMENTS
            ? emit_document(doc, entities, count, opts->store_text != 0, out)
            : emit_entities(doc, entities, count, out);
    if (st) out->len = before; /* no half record */
    return st;
}
