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

static newsmine_status put_repaired(newsmine_buffer *out, const newsmine_doc *doc)
{
    if (!doc->repaired) return NEWSMINE_OK;
    newsmine_status st = put(out, ",\"repaired\":");
    return st ? st : newsmine_buffer_append_uint(out, doc->repaired);
}

static char *put_literal(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT_LITERAL(o, lit) put_literal(o, lit, sizeof lit - 1)

/* The most bytes put_entity_fields writes for e, and a little more: every
 * escaped byte at most 6, every number at most 20 digits. */
static size_t entity_fields_bound(const newsmine_entity *e)
{
    return strlen(newsmine_type_name(e->type)) + 6 * (e->end_byte - e->start_byte) + e->norm_len +
           6 * strlen(e->rule) + 120;
}

/* "type":..,"start":..,"end":..,"text":..,"norm":..,"rule":.. written in
 * place (room: entity_fields_bound); returns the end. */
static char *put_entity_fields(char *o, const newsmine_doc *doc, const newsmine_entity *e)
{
    const char *type = newsmine_type_name(e->type);
    o = PUT_LITERAL(o, "\"type\":\"");
    o = put_literal(o, type, strlen(type));
    o = PUT_LITERAL(o, "\",\"start\":");
    o += newsmine_format_uint(e->start, o);
    o = PUT_LITERAL(o, ",\"end\":");
    o += newsmine_format_uint(e->end, o);
    o = PUT_LITERAL(o, ",\"text\":\"");
    o = newsmine_json_escape_into(o, doc->text + e->start_byte, e->end_byte - e->start_byte, false);
    o = PUT_LITERAL(o, "\",\"norm\":");
    o = put_literal(o, e->norm, e->norm_len);
    o = PUT_LITERAL(o, ",\"rule\":\"");
    o = newsmine_json_escape_into(o, e->rule, strlen(e->rule), false);
    *o++ = '"';
    return o;
}

/* Writes what put_entity_fields writes for e, between before and after. */
static newsmine_status put_entity(newsmine_buffer *out, const newsmine_doc *doc,
                                  const newsmine_entity *e, const char *before, size_t before_len,
                                  const char *after, size_t after_len)
{
    if (newsmine_buffer_reserve(out, before_len + entity_fields_bound(e) + after_len))
        return NEWSMINE_ERR_NOMEM;
    char *o = put_literal(out->data + out->len, before, before_len);
    o = put_entity_fields(o, doc, e);
    o = put_literal(o, after, after_len);
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return NEWSMINE_OK;
}

static newsmine_status emit_entities(const newsmine_doc *doc, const newsmine_entity *ents,
                                     size_t n, newsmine_buffer *out)
{
    if (!n) return NEWSMINE_OK;
    /* what opens and closes each record, the id escaped once for all */
    newsmine_buffer open = {0}, close = {0};
    newsmine_status st = put(&open, "{\"doc\":");
    if (!st) st = put_escaped(&open, doc->id, doc->id_len);
    if (!st) st = newsmine_buffer_putc(&open, ',');
    if (!st) st = put_repaired(&close, doc);
    if (!st) st = put(&close, "}\n");
    for (size_t i = 0; !st && i < n; i++)
        st = put_entity(out, doc, &ents[i], open.data, open.len, close.data, close.len);
    newsmine_buffer_free(&open);
    newsmine_buffer_free(&close);
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
    for (size_t i = 0; !st && i < n; i++)
        st = put_entity(out, doc, &ents[i], i ? ",{" : "{", i ? 2 : 1, "}", 1);
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
