/* Input files, plain or compressed or archives, recognised by their content
 * (never by their name):
 *
 *   plain bytes          one member, named FILE (or "stdin"); read with
 *                        read(2) straight into one buffer, no copy, no library
 *   gzip, bzip2, xz,     one member, named FILE, decompressed (libarchive)
 *   zstd, lzma
 *   tar, zip (tar also   one member per regular file inside, named
 *   compressed: .tar.gz) FILE!MEMBER (MEMBER the path in the archive);
 *                        directories and links are skipped
 *
 * A member's name is what the reader should use as its source, so ids become
 * FILE, FILE:LINE, FILE!MEMBER, FILE!MEMBER:LINE. Its format_name is the name
 * whose ending tells the input format: the member's own path in an archive,
 * FILE without a compression suffix (.gz .bz2 .xz .zst .lzma) for a
 * compressed file, else FILE; and is_stdin says standard input (whose format
 * is sniffed).
 *
 * Members inside archives are not themselves decompressed (a tar of .gz
 * files gives the .gz bytes). Standard input may be compressed or an
 * archive too; a zip on standard input is read as a stream (entries whose
 * sizes are only in the central directory cannot be read from a pipe).
 *
 * One input is used by one thread at a time. */
#ifndef NEWSMINE_CLI_INPUT_H
#define NEWSMINE_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct input input;

typedef enum input_kind {
    INPUT_PLAIN = 0,
    INPUT_COMPRESSED, /* one compressed stream */
    INPUT_ARCHIVE     /* tar or zip, compressed or not */
} input_kind;

typedef enum input_status {
    INPUT_OK = 0,
    INPUT_END,       /* no more members */
    INPUT_ERR_OPEN,  /* the file cannot be opened (input_error says why) */
    INPUT_ERR_READ,  /* read error, or damaged compressed data or archive */
    INPUT_ERR_NOMEM
} input_status;

typedef struct input_member {
    const char *name;        /* FILE, stdin, FILE!MEMBER: the reader's source */
    const char *format_name; /* the name whose suffix tells the format */
    const char *path;        /* the member's path inside the archive, else NULL */
    bool is_stdin;
    input_kind kind;
    const char *compression; /* "gzip", "bzip2", "xz", "zstd", "lzma", or NULL */
    long long size;          /* the member's size when the archive says, else -1 */
} input_member;

typedef struct input_options {
    size_t chunk_size; /* bytes per read(2) of a plain file; 0 means 256 KiB */
} input_options;

/* Opens FILE, or standard input for "-". Reads the first bytes to recognise
 * the content. opts may be NULL. On failure *out is NULL and err says why
 * ("cannot open: No such file or directory"). */
input_status input_open(const char *path, const input_options *opts, input **out, char *err,
                        size_t errlen);

/* Moves to the next member (the first on the first call): INPUT_OK with *m
 * filled (valid until the next call), INPUT_END after the last, or an error.
 * Unread bytes of the current member are skipped. */
input_status input_next(input *in, input_member *m);

/* The next bytes of the current member: > 0 with *data pointing at them
 * (valid until the next call), 0 at the end of the member, -1 on an error
 * (input_error says which, naming the member). */
ssize_t input_read(input *in, const void **data);

/* The error of the last call that failed, in words, naming the file. */
const char *input_error(const input *in);

/* Bytes of the file itself (compressed) consumed so far, and its size
 * (-1 when not a regular file): for --progress. */
unsigned long long input_bytes_consumed(const input *in);
long long input_file_size(const input *in);

/* The kind of the whole file (known after input_open). */
input_kind input_get_kind(const input *in);

/* Closes the file (not standard input) and frees; accepts NULL. */
void input_close(input *in);

/* The same as a loop of callbacks: begin for every member (return 0 to read
 * it, > 0 to skip it, < 0 to stop), data for each block of it (non-zero
 * stops), end when it is over (status INPUT_OK, or the error with its
 * message; non-zero stops). Returns INPUT_OK, the open error, or the first
 * member error (the other members are still read). Any callback may be NULL. */
typedef struct input_handler {
    int (*begin)(void *user, const input_member *m);
    int (*data)(void *user, const input_member *m, const void *bytes, size_t n);
    int (*end)(void *user, const input_member *m, input_status status, const char *error);
} input_handler;

input_status input_foreach(const char *path, const input_options *opts, const input_handler *h,
                           void *user, char *err, size_t errlen);

#endif
