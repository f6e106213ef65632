#include "lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Few libraries, each loaded once: one lock for all of them. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool load(lazylib *lib)
{
    void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(lib->error, sizeof lib->error, "%s needs %s, which cannot be loaded: %s",
                 lib->purpose, lib->soname, why ? why : "unknown error");
        return false;
    }
    for (size_t i = 0; i < lib->symbol_count; i++) {
        void *address = dlsym(handle, lib->symbols[i].name);
        if (!address) {
            snprintf(lib->error, sizeof lib->error, "%s needs %s() from %s, which lacks it",
                     lib->purpose, lib->symbols[i].name, lib->soname);
            dlclose(handle);
            return false;
        }
        /* POSIX: a function's address comes back as void * */
        memcpy((char *)lib->table + lib->symbols[i].offset, &address, sizeof address);
    }
    return true;
}

bool lazylib_load(lazylib *lib, char *err, size_t errlen)
{
    pthread_mutex_lock(&lock);
    if (!lib->state) lib->state = load(lib) ? 1 : -1;
    bool ok = lib->state > 0;
    if (!ok && err && errlen) snprintf(err, errlen, "%s", lib->error);
    pthread_mutex_unlock(&lock);
    return ok;
}
