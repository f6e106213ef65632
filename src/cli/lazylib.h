/* Shared libraries that only some runs need (libpq for --out postgresql://,
 * libarchive for compressed or archived input) are opened the first time
 * they are needed, not linked: linked, they cost every run ~9 ms of
 * start-up (mapping them and the ~30 libraries they bring, their
 * constructors, symbol binding). */
#ifndef NEWSMINE_CLI_LAZYLIB_H
#define NEWSMINE_CLI_LAZYLIB_H

#include <stdbool.h>
#include <stddef.h>

/* One function of the library: its name and where its address goes (a
 * member of the caller's table of function pointers). */
typedef struct lazylib_symbol {
    const char *name;
    size_t offset; /* offsetof in the table */
} lazylib_symbol;

/* A library and its table, filled by lazylib_load; a static object, whose
 * last two members lazylib_load keeps. */
typedef struct lazylib {
    const char *soname;  /* "libpq.so.5" */
    const char *purpose; /* for the message: "PostgreSQL output" */
    const lazylib_symbol *symbols;
    size_t symbol_count;
    void *table;
    int state; /* 0: not tried yet, 1: loaded, -1: failed */
    char error[480];
} lazylib;

/* Opens the library and fills its table the first time (thread-safe);
 * later calls return the first call's result. False with the reason in err
 * when the library or one of its functions is missing. The library stays
 * loaded until the process ends. */
bool lazylib_load(lazylib *lib, char *err, size_t errlen);

#endif
