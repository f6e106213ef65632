/* Tests for src/cli/lazylib.c: a library opened on demand fills its table
 * once; a missing library or function is an error in words. */
#include "lazylib.h"
#include "testlib.h"

#include <stddef.h>
#include <string.h>

typedef struct libc_api {
    size_t (*strlen)(const char *);
    int (*strcmp)(const char *, const char *);
} libc_api;

static libc_api api;

static const lazylib_symbol libc_symbols[] = {
    {"strlen", offsetof(libc_api, strlen)},
    {"strcmp", offsetof(libc_api, strcmp)},
};

static void test_loads_once_and_fills_the_table(void)
{
    static lazylib lib = {"libc.so.6", "the test", libc_symbols, 2, &api, 0, ""};
    char err[512] = "";
    CHECK(lazylib_load(&lib, err, sizeof err));
    CHECK(api.strlen != NULL && api.strcmp != NULL);
    if (api.strlen) CHECK_INT(api.strlen("four"), 4);
    if (api.strcmp) CHECK(api.strcmp("a", "b") < 0);
    api.strlen = NULL; /* a second call does not load again */
    CHECK(lazylib_load(&lib, err, sizeof err));
    CHECK(api.strlen == NULL);
}

static void test_missing_library(void)
{
    static lazylib lib = {
        "libnewsmine-no-such-library.so.0", "frobnicated input", libc_symbols, 2, &api, 0, ""};
    char err[512] = "";
    CHECK(!lazylib_load(&lib, err, sizeof err));
    CHECK(strstr(err, "frobnicated input needs libnewsmine-no-such-library.so.0") == err);
    err[0] = '\0'; /* and the same answer again */
    CHECK(!lazylib_load(&lib, err, sizeof err));
    CHECK(strstr(err, "cannot be loaded") != NULL);
}

static void test_missing_function(void)
{
    static const lazylib_symbol symbols[] = {{"newsmine_no_such_function", 0}};
    static void *table[1];
    static lazylib lib = {"libc.so.6", "the test", symbols, 1, table, 0, ""};
    char err[512] = "";
    CHECK(!lazylib_load(&lib, err, sizeof err));
    CHECK_STR(err, "the test needs newsmine_no_such_function() from libc.so.6, which lacks it");
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_loads_once_and_fills_the_table),
        TEST(test_missing_library),
        TEST(test_missing_function),
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
