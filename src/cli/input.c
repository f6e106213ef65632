/* Plain, compressed and archived input; see input.h. */
#include "input.h"

#include "lazylib.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { DEFAULT_CHUNK = 256 * 1024, SNIFF_BYTES = 512 };

struct input {
    int fd;
    bool is_stdin, seekable;
    char *path; /* as given, or "stdin" */
    input_kind kind;
    /* the read buffer; [pos, len) holds bytes read while sniffing that the
     * first reads still have to hand out */
    char *buf;
    size_t cap, pos, len;
    unsigned long long consumed;
    long long size;
    /* plain */
    bool plain_started, plain_eof;
    /* libarchive */
    struct archive *a;
    int members;            /* members handed out */
    bool in_member, member_eof, at_end, failed;
    /* the current member */
    char *name, *format_name, *member_path;
    char err[1024];
};

/* libarchive is opened for the first compressed or archived input, not
 * linked (lazylib.h); its functions are called through this table, typed
 * as archive.h declares them. */
#define LA_FUNCTIONS(X)                                                                            \
    X(struct archive *, archive_read_new, (void))                                                  \
    X(int, archive_read_support_filter_gzip, (struct archive *))                                   \
    X(int, archive_read_support_filter_bzip2, (struct archive *))                                  \
    X(int, archive_read_support_filter_xz, (struct archive *))                                     \
    X(int, archive_read_support_filter_lzma, (struct archive *))                                   \
    X(int, archive_read_support_filter_zstd, (struct archive *))                                   \
    X(int, archive_read_support_format_tar, (struct archive *))                                    \
    X(int, archive_read_support_format_gnutar, (struct archive *))                                 \
    X(int, archive_read_support_format_zip, (struct archive *))                                    \
    X(int, archive_read_support_format_empty, (struct archive *))                                  \
    X(int, archive_read_support_format_raw, (struct archive *))                                    \
    X(int, archive_read_set_callback_data, (struct archive *, void *))                             \
    X(int, archive_read_set_read_callback, (struct archive *, archive_read_callback *))            \
    X(int, archive_read_set_skip_callback, (struct archive *, archive_skip_callback *))            \
    X(int, archive_read_set_seek_callback, (struct archive *, archive_seek_callback *))            \
    X(int, archive_read_open1, (struct archive *))                                                 \
    X(const char *, archive_error_string, (struct archive *))                                      \
    X(void, archive_set_error, (struct archive *, int, const char *, ...))                         \
    X(int, archive_filter_count, (struct archive *))                                               \
    X(int, archive_filter_code, (struct archive *, int))                                           \
    X(const char *, archive_filter_name, (struct archive *, int))                                  \
    X(int, archive_read_next_header, (struct archive *, struct archive_entry **))                  \
    X(int, archive_format, (struct archive *))                                                     \
    X(mode_t, archive_entry_filetype, (struct archive_entry *))                                    \
    X(const char *, archive_entry_pathname, (struct archive_entry *))                              \
    X(la_int64_t, archive_entry_size, (struct archive_entry *))                                    \
    X(int, archive_entry_size_is_set, (struct archive_entry *))                                    \
    X(int, archive_read_data_block, (struct archive *, const void **, size_t *, la_int64_t *))     \
    X(int, archive_read_free, (struct archive *))

typedef struct la_api {
#define LA_MEMBER(ret, name, args) ret(*name) args;
    LA_FUNCTIONS(LA_MEMBER)
#undef LA_MEMBER
} la_api;

static la_api la;

static const lazylib_symbol la_symbols[] = {
#define LA_SYMBOL(ret, name, args) {#name, offsetof(la_api, name)},
    LA_FUNCTIONS(LA_SYMBOL)
#undef LA_SYMBOL
};

/* Fails to compile when a member's type is not the function's (nothing is
 * evaluated: sizeof). */
static void la_check_types(void)
{
#define LA_CHECK(ret, name, args) (void)sizeof(la.name = name);
    LA_FUNCTIONS(LA_CHECK)
#undef LA_CHECK
}

static lazylib libarchive = {NEWSMINE_LIBARCHIVE_SONAME,
                             "compressed or archived input",
                             la_symbols,
                             sizeof la_symbols / sizeof *la_symbols,
                             &la,
                             0,
                             ""};

static void set_error(input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(input *in, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->err, sizeof in->err, fmt, ap);
    va_end(ap);
}

const char *input_error(const input *in)
{
    return in->err;
}

unsigned long long input_bytes_consumed(const input *in)
{
    return in->consumed;
}

long long input_file_size(const input *in)
{
    return in->size;
}

input_kind input_get_kind(const input *in)
{
    return in->kind;
}

static ssize_t read_fd(int fd, void *p, size_t n)
{
    ssize_t r;
    do
        r = read(fd, p, n);
    while (r < 0 && errno == EINTR);
    return r;
}

/* The signatures at offset 0 of what libarchive reads for us. */
static const struct {
    const char *magic;
    size_t len;
} magics[] = {
    {"\x1f\x8b", 2},                                /* gzip */
    {"BZh", 3},                                     /* bzip2 (checked further below) */
    {"\xfd" "7zXZ\0", 6},                           /* xz */
    {"\x28\xb5\x2f\xfd", 4},                        /* zstd */
    {"\x5d\0\0", 3},                                /* lzma (alone) */
    {"PK\x03\x04", 4},                              /* zip */
    {"PK\x05\x06", 4},                              /* empty zip */
};
enum { LONGEST_MAGIC = 10 }; /* bzip2: "BZh", a digit, the block magic */

static bool is_bzip2(const unsigned char *p, size_t n)
{
    return n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
           memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0;
}

/* What the first bytes say: a compressed stream or an archive (libarchive),
 * else plain. */
static bool needs_libarchive(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
        if (n >= magics[i].len && memcmp(p, magics[i].magic, magics[i].len) == 0)
            return i == 1 ? is_bzip2(p, n) : true;
    /* tar: "ustar" at 257 (POSIX and GNU) */
    return n >= 262 && memcmp(p + 257, "ustar", 5) == 0;
}

/* Whether the n bytes read so far from a pipe already tell plain text, so
 * that a line on a slow pipe is not held back until 512 bytes came: no
 * signature at offset 0 can still match, and a line ends before any NUL (a
 * tar header holds NULs in its first 100 bytes, text does not). */
static bool surely_plain(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++) {
        size_t k = i == 1 ? LONGEST_MAGIC : magics[i].len; /* bzip2's is the longest */
        if (memcmp(p, magics[i].magic, n < magics[i].len ? n : magics[i].len) == 0 &&
            (n < k || needs_libarchive(p, n)))
            return false;
    }
    const unsigned char *nl = memchr(p, '\n', n);
    return nl && !memchr(p, '\0', (size_t)(nl - p));
}

/* ----------------------------------------------------- libarchive glue */

static la_ssize_t cb_read(struct archive *a, void *user, const void **data)
{
    input *in = user;
    if (in->pos < in->len) {
        *data = in->buf + in->pos;
        size_t n = in->len - in->pos;
        in->pos = in->len;
        return (la_ssize_t)n;
    }
    ssize_t n = read_fd(in->fd, in->buf, in->cap);
    if (n < 0) {
        la.archive_set_error(a, errno, "read error: %s", strerror(errno));
        return -1;
    }
    in->consumed += (unsigned long long)n;
    *data = in->buf;
    return n;
}

/* Skips within the buffered bytes first, then with lseek. */
static la_int64_t cb_skip(struct archive *a, void *user, la_int64_t request)
{
    (void)a;
    input *in = user;
    size_t buffered = in->len - in->pos;
    if ((unsigned long long)request <= buffered) {
        in->pos += (size_t)request;
        return request;
    }
    off_t r = lseek(in->fd, (off_t)(request - (la_int64_t)buffered), SEEK_CUR);
    if (r < 0) return 0; /* libarchive then reads instead */
    in->pos = in->len;
    in->consumed += (unsigned long long)(request - (la_int64_t)buffered);
    return request;
}

static la_int64_t cb_seek(struct archive *a, void *user, la_int64_t offset, int whence)
{
    (void)a;
    input *in = user;
    size_t buffered = in->len - in->pos;
    if (whence == SEEK_CUR) offset -= (la_int64_t)buffered;
    off_t r = lseek(in->fd, (off_t)offset, whence);
    if (r < 0) return ARCHIVE_FATAL;
    in->pos = in->len = 0;
    return (la_int64_t)r;
}

static input_status open_archive(input *in)
{
    char why[512];
    la_check_types(); /* does nothing when run: keeps the check referenced */
    if (!lazylib_load(&libarchive, why, sizeof why)) {
        set_error(in, "%s: %s", in->path, why);
        return INPUT_ERR_OPEN;
    }
    struct archive *a = in->a = la.archive_read_new();
    if (!a) return INPUT_ERR_NOMEM;
    la.archive_read_support_filter_gzip(a);
    la.archive_read_support_filter_bzip2(a);
    la.archive_read_support_filter_xz(a);
    la.archive_read_support_filter_lzma(a);
    la.archive_read_support_filter_zstd(a);
    la.archive_read_support_format_tar(a);
    la.archive_read_support_format_gnutar(a);
    la.archive_read_support_format_zip(a);
    la.archive_read_support_format_empty(a);
    la.archive_read_support_format_raw(a);
    la.archive_read_set_callback_data(a, in);
    la.archive_read_set_read_callback(a, cb_read);
    if (in->seekable) {
        la.archive_read_set_skip_callback(a, cb_skip);
        la.archive_read_set_seek_callback(a, cb_seek);
    }
    if (la.archive_read_open1(a) != ARCHIVE_OK) {
        set_error(in, "%s: damaged compressed data or archive: %s", in->path,
                  la.archive_error_string(a) ? la.archive_error_string(a) : "unknown format");
        return INPUT_ERR_READ;
    }
    return INPUT_OK;
}

input_status input_open(const char *path, const input_options *opts, input **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    if (errlen) err[0] = '\0';
    input *in = calloc(1, sizeof *in);
    bool is_stdin = strcmp(path, "-") == 0;
    if (in) {
        in->cap = opts && opts->chunk_size ? opts->chunk_size : DEFAULT_CHUNK;
        if (in->cap < SNIFF_BYTES) in->cap = SNIFF_BYTES;
        in->buf = malloc(in->cap);
        in->path = strdup(is_stdin ? "stdin" : path);
    }
    if (!in || !in->buf || !in->path) {
        if (in) free(in->buf), free(in->path);
        free(in);
        if (errlen) snprintf(err, errlen, "%s: out of memory", path);
        return INPUT_ERR_NOMEM;
    }
    in->is_stdin = is_stdin;
    in->size = -1;
    in->fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    if (in->fd < 0) {
        if (errlen) snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        input_close(in);
        return INPUT_ERR_OPEN;
    }
    struct stat sb;
    if (fstat(in->fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        in->size = (long long)sb.st_size;
        in->seekable = lseek(in->fd, 0, SEEK_CUR) == 0;
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    } /* a directory opens, and its first read says "read error: Is a directory" */
    /* the first bytes, enough to see a tar header's magic (pipes may give less at once) */
    while (in->len < SNIFF_BYTES) {
        ssize_t n = read_fd(in->fd, in->buf + in->len, in->cap - in->len);
        if (n < 0) {
            if (errlen) snprintf(err, errlen, "%s: read error: %s", in->path, strerror(errno));
            input_close(in);
            return INPUT_ERR_OPEN;
        }
        if (n == 0) {
            in->plain_eof = true;
            break;
        }
        in->len += (size_t)n;
        in->consumed += (unsigned long long)n;
        if (surely_plain((const unsigned char *)in->buf, in->len)) break;
    }
    in->kind = needs_libarchive((const unsigned char *)in->buf, in->len) ? INPUT_COMPRESSED
                                                                          : INPUT_PLAIN;
    if (in->kind != INPUT_PLAIN) {
        input_status st = open_archive(in);
        if (st) {
            if (errlen) snprintf(err, errlen, "%s", in->err[0] ? in->err : "out of memory");
            input_close(in);
            return st == INPUT_ERR_READ ? INPUT_ERR_OPEN : st;
        }
        /* kind becomes INPUT_ARCHIVE at the first header when it is one */
    }
    *out = in;
    return INPUT_OK;
}

static const char *const compression_suffixes[] = {".gz", ".gzip", ".bz2", ".xz", ".zst",
                                                   ".zstd", ".lzma", ".z", NULL};

/* FILE without its compression suffix, for telling the format. */
static char *strip_compression_suffix(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; compression_suffixes[i]; i++) {
        size_t k = strlen(compression_suffixes[i]);
        if (n > k && strcasecmp(name + n - k, compression_suffixes[i]) == 0)
            return strndup(name, n - k);
    }
    return strdup(name);
}

static void clear_member(input *in)
{
    free(in->name);
    free(in->format_name);
    free(in->member_path);
    in->name = in->format_name = in->member_path = NULL;
}

static const char *compression_name(input *in)
{
    if (!in->a || la.archive_filter_count(in->a) < 2) return NULL;
    int code = la.archive_filter_code(in->a, 0);
    switch (code) {
    case ARCHIVE_FILTER_GZIP: return "gzip";
    case ARCHIVE_FILTER_BZIP2: return "bzip2";
    case ARCHIVE_FILTER_XZ: return "xz";
    case ARCHIVE_FILTER_ZSTD: return "zstd";
    case ARCHIVE_FILTER_LZMA: return "lzma";
    default:
        return la.archive_filter_name(in->a, 0);
    }
}

static input_status fill_member(input *in, input_member *m, const char *member_path,
                                long long size)
{
    clear_member(in);
    if (member_path) {
        size_t n = strlen(in->path) + 1 + strlen(member_path) + 1;
        in->name = malloc(n);
        if (in->name) snprintf(in->name, n, "%s!%s", in->path, member_path);
        in->format_name = strdup(member_path);
        in->member_path = strdup(member_path);
    } else {
        in->name = strdup(in->path);
        in->format_name = in->kind == INPUT_COMPRESSED ? strip_compression_suffix(in->path)
                                                       : strdup(in->path);
    }
    if (!in->name || !in->format_name || (member_path && !in->member_path)) {
        set_error(in, "%s: out of memory", in->path);
        return INPUT_ERR_NOMEM;
    }
    *m = (input_member){in->name, in->format_name, in->member_path, in->is_stdin, in->kind,
                        compression_name(in), size};
    in->in_member = true;
    in->member_eof = false;
    in->members++;
    return INPUT_OK;
}

input_status input_next(input *in, input_member *m)
{
    in->err[0] = '\0';
    in->in_member = false;
    if (in->kind == INPUT_PLAIN) {
        if (in->plain_started) return INPUT_END;
        in->plain_started = true;
        return fill_member(in, m, NULL, in->size);
    }
    if (in->at_end || in->failed) return INPUT_END;
    for (;;) {
        struct archive_entry *e;
        int r = la.archive_read_next_header(in->a, &e);
        if (r == ARCHIVE_EOF) {
            in->at_end = true;
            /* a compressed empty file: one empty member, as for a plain one */
            if (in->members == 0 && in->kind == INPUT_COMPRESSED) {
                in->member_eof = true;
                input_status st = fill_member(in, m, NULL, 0);
                in->member_eof = true;
                return st;
            }
            return INPUT_END;
        }
        if (r < ARCHIVE_WARN) {
            in->failed = true;
            set_error(in, "%s: damaged compressed data or archive: %s", in->path,
                      la.archive_error_string(in->a));
            return INPUT_ERR_READ;
        }
        if (la.archive_format(in->a) == ARCHIVE_FORMAT_RAW ||
            la.archive_format(in->a) == ARCHIVE_FORMAT_EMPTY)
            return fill_member(in, m, NULL, -1);
        in->kind = INPUT_ARCHIVE;
        if (la.archive_entry_filetype(e) != AE_IFREG) continue; /* directories, links */
        const char *p = la.archive_entry_pathname(e);
        long long size = la.archive_entry_size_is_set(e) ? (long long)la.archive_entry_size(e) : -1;
        return fill_member(in, m, p && *p ? p : "?", size);
    }
}

ssize_t input_read(input *in, const void **data)
{
    if (!in->in_member) return 0;
    if (in->kind == INPUT_PLAIN) {
        if (in->pos < in->len) { /* the sniffed bytes first */
            *data = in->buf + in->pos;
            size_t n = in->len - in->pos;
            in->pos = in->len;
            return (ssize_t)n;
        }
        if (in->plain_eof) return 0;
        ssize_t n = read_fd(in->fd, in->buf, in->cap);
        if (n < 0) {
            set_error(in, "%s: read error: %s", in->path, strerror(errno));
            return -1;
        }
        if (n == 0) in->plain_eof = true;
        in->consumed += (unsigned long long)n;
        *data = in->buf;
        return n;
    }
    if (in->member_eof) return 0;
    for (;;) {
        const void *block;
        size_t size;
        la_int64_t offset;
        int r = la.archive_read_data_block(in->a, &block, &size, &offset);
        if (r == ARCHIVE_EOF) {
            in->member_eof = true;
            return 0;
        }
        if (r < ARCHIVE_WARN) {
            in->failed = true;
            in->member_eof = true;
            set_error(in, "%s: damaged compressed data or archive: %s", in->name,
                      la.archive_error_string(in->a));
            return -1;
        }
        if (size == 0) continue;
        *data = block;
        return (ssize_t)size;
    }
}

void input_close(input *in)
{
    if (!in) return;
    if (in->a) la.archive_read_free(in->a);
    if (!in->is_stdin && in->fd >= 0) close(in->fd);
    clear_member(in);
    free(in->buf);
    free(in->path);
    free(in);
}

input_status input_foreach(const char *path, const input_options *opts, const input_handler *h,
                           void *user, char *err, size_t errlen)
{
    input *in;
    input_status st = input_open(path, opts, &in, err, errlen);
    if (st) return st;
    input_status first = INPUT_OK;
    input_member m;
    bool stop = false;
    while (!stop) {
        st = input_next(in, &m);
        if (st == INPUT_END) break;
        if (st) {
            if (!first) {
                first = st;
                if (errlen) snprintf(err, errlen, "%s", in->err);
            }
            break;
        }
        int b = h->begin ? h->begin(user, &m) : 0;
        if (b < 0) break;
        if (b > 0) continue;
        input_status ms = INPUT_OK;
        for (;;) {
            const void *data;
            ssize_t n = input_read(in, &data);
            if (n == 0) break;
            if (n < 0) {
                ms = INPUT_ERR_READ;
                break;
            }
            if (h->data && h->data(user, &m, data, (size_t)n)) {
                stop = true;
                break;
            }
        }
        if (ms && !first) {
            first = ms;
            if (errlen) snprintf(err, errlen, "%s", in->err);
        }
        if (!stop && h->end && h->end(user, &m, ms, ms ? in->err : "")) stop = true;
    }
    input_close(in);
    return first;
}
