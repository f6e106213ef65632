/* The stable id of an entity row: the first 32 hexadecimal digits (128 bits)
 * of SHA-256 over "DOC:TYPE:START:END" (the document id as given, the type
 * name, the code point offsets in decimal), lower case. The same entity of the
 * same document always gets the same id, in any run, on any machine, so that
 * loads are idempotent; anyone can recompute it, e.g. in PostgreSQL:
 *   left(encode(sha256(convert_to(doc||':'||type||':'||start||':'||"end",
 *        'UTF8')), 'hex'), 32)
 * The string is unambiguous although a document id may contain ':': the type
 * and the two numbers never do, so it splits from the right. 128 bits keep the
 * chance of two different entities sharing an id below 1e-18 for a billion
 * rows (64 bits would give about 3 % there, and a collision would silently
 * drop a row under ON CONFLICT DO NOTHING). */
#ifndef NEWSMINE_CLI_ENTITY_ID_H
#define NEWSMINE_CLI_ENTITY_ID_H

#include <stddef.h>
#include <stdint.h>

enum { ENTITY_ID_LEN = 32 };

/* SHA-256 of n bytes (FIPS 180-4). */
void sha256(const void *data, size_t n, uint8_t digest[32]);

/* Writes the ENTITY_ID_LEN hex digits and a NUL into out. */
void entity_id(const char *doc, size_t doc_len, const char *type, uint64_t start, uint64_t end,
               char out[ENTITY_ID_LEN + 1]);

#endif
