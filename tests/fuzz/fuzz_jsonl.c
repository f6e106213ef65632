/* Fuzz target: the two readings of JSON Lines agree. Every input is read
 * as JSON Lines twice, once with the flat reader in front of cJSON
 * (jsonl.c) and once with cJSON alone; the documents (id, line, repaired
 * count, date, metadata, text) and the rejections (line, reason) must be
 * the same bytes, as must the reader's status. */
#include "fuzz.h"
#include "jsonl.h"
#include "newsmine.h"
#include "util.h"

#include <string.h>

static int on_doc(void *user, const newsmine_doc *d)
{
    newsmine_buffer *log = user;
    newsmine_buffer_printf(log, "doc %.*s|%llu|%zu|%s|%.*s|", (int)d->id_len, d->id, d->line,
                           d->repaired, d->date ? d->date : "-", (int)d->meta_len, d->meta);
    newsmine_buffer_append(log, d->text, d->text_len);
    newsmine_buffer_putc(log, '\n');
    return 0;
}

static int on_reject(void *user, const newsmine_rejection *rj)
{
    newsmine_buffer_printf(user, "reject %llu|%s\n", rj->line, rj->reason);
    return 0;
}

static newsmine_status read_jsonl(const uint8_t *data, size_t size, bool cjson_only,
                                  newsmine_buffer *log)
{
    newsmine_reader_options o = {0};
    o.format = NEWSMINE_INPUT_JSONL;
    o.source = "in";
    o.date_field = "date";
    newsmine_reader *r;
    newsmine_error err;
    newsmine_status st = newsmine_reader_new(&o, on_doc, on_reject, log, &r, &err);
    if (st) return st;
    newsmine_reader_set_cjson_only(r, cjson_only);
    st = newsmine_reader_feed(r, data, size, &err);
    if (!st) st = newsmine_reader_finish(r, &err);
    newsmine_reader_free(r);
    return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    newsmine_buffer flat = {0}, tree = {0};
    newsmine_status a = read_jsonl(data, size, false, &flat);
    newsmine_status b = read_jsonl(data, size, true, &tree);
    FUZZ_CHECK(a == b);
    FUZZ_CHECK(flat.len == tree.len && (!flat.len || memcmp(flat.data, tree.data, flat.len) == 0));
    newsmine_buffer_free(&flat);
    newsmine_buffer_free(&tree);
    return 0;
}
