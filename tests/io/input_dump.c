/* input_dump FILE...: every member of every FILE ("-" for standard input)
 * read through src/cli/input.c, for tests/io/input_test.py:
 *
 *   M <name>\t<format_name>\t<kind>\t<compression or ->\t<is_stdin>\n
 *   <N>\n<N bytes of content>\n
 *   E <error message>\n            (an error, instead of or after a member)
 *
 * With --foreach the same through input_foreach; with --chunk N plain files
 * are read N bytes at a time; with --first-read the first read(2)'s size
 * ("R <n>") is printed instead of the content (the slow-pipe check). Exit
 * status 1 when an error was printed. */
#include "input.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(input_kind k)
{
    return k == INPUT_PLAIN ? "plain" : k == INPUT_COMPRESSED ? "compressed" : "archive";
}

static void print_member(const input_member *m)
{
    printf("M %s\t%s\t%s\t%s\t%d\n", m->name, m->format_name, kind_name(m->kind),
           m->compression ? m->compression : "-", m->is_stdin);
}

typedef struct collected {
    char *data;
    size_t len, cap;
} collected;

static void collect(collected *c, const void *p, size_t n)
{
    if (c->len + n > c->cap) {
        c->cap = (c->len + n) * 2;
        c->data = realloc(c->data, c->cap);
        if (!c->data) abort();
    }
    memcpy(c->data + c->len, p, n);
    c->len += n;
}

static void print_content(collected *c)
{
    printf("%zu\n", c->len);
    if (c->len) fwrite(c->data, 1, c->len, stdout);
    putchar('\n');
    c->len = 0;
}

static int cb_begin(void *user, const input_member *m)
{
    (void)user;
    print_member(m);
    return 0;
}

static int cb_data(void *user, const input_member *m, const void *p, size_t n)
{
    (void)m;
    collect(user, p, n);
    return 0;
}

static int cb_end(void *user, const input_member *m, input_status st, const char *error)
{
    (void)m;
    print_content(user);
    if (st) printf("E %s\n", error);
    return 0;
}

int main(int argc, char **argv)
{
    bool foreach = false, first_read = false;
    input_options o = {0};
    int bad = 0;
    collected c = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--foreach")) {
            foreach = true;
            continue;
        }
        if (!strcmp(argv[i], "--first-read")) {
            first_read = true;
            continue;
        }
        if (!strcmp(argv[i], "--chunk") && i + 1 < argc) {
            o.chunk_size = (size_t)strtoull(argv[++i], NULL, 10);
            continue;
        }
        char err[1024];
        if (foreach) {
            input_handler h = {cb_begin, cb_data, cb_end};
            if (input_foreach(argv[i], &o, &h, &c, err, sizeof err)) {
                printf("E %s\n", err);
                bad = 1;
            }
            continue;
        }
        input *in;
        if (input_open(argv[i], &o, &in, err, sizeof err)) {
            printf("E %s\n", err);
            bad = 1;
            continue;
        }
        input_member m;
        input_status st;
        while ((st = input_next(in, &m)) == INPUT_OK) {
            bool failed = false;
            print_member(&m);
            fflush(stdout);
            for (;;) {
                const void *p;
                ssize_t n = input_read(in, &p);
                if (n > 0 && first_read) {
                    printf("R %zd\n", n);
                    fflush(stdout);
                    break;
                }
                if (n > 0) collect(&c, p, (size_t)n);
                if (n == 0) break;
                if (n < 0) {
                    print_content(&c);
                    printf("E %s\n", input_error(in));
                    bad = 1;
                    failed = true;
                    break;
                }
            }
            if (!first_read && !failed) print_content(&c);
            if (first_read) break;
        }
        if (st != INPUT_OK && st != INPUT_END) {
            printf("E %s\n", input_error(in));
            bad = 1;
        }
        input_close(in);
    }
    free(c.data);
    return bad;
}
