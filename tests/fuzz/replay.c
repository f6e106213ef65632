/* The replay program of a fuzz target: runs LLVMFuzzerTestOneInput over
 * every file named on the command line, or every file of every directory
 * named (not recursively), as libFuzzer would run them. Built with any C
 * compiler, without libFuzzer, so that the corpora run as ctest tests in the
 * normal and the sanitizer builds. An invariant broken aborts the program;
 * the last file name printed with -v is the one that did it. */
#include "fuzz.h"

#include <dirent.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static bool verbose;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    for (size_t n; data && (n = fread(data + len, 1, cap - len, f)) > 0;) {
        len += n;
        if (len == cap) {
            uint8_t *grown = realloc(data, cap *= 2);
            if (!grown) free(data);
            data = grown;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (!data || bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(data);
        return 1;
    }
    if (verbose) fprintf(stderr, "%s (%zu bytes)\n", path, len);
    /* an exact-size copy, so that ASan sees reads past the end */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        free(data);
        return 1;
    }
    memcpy(copy, data, len);
    free(data);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *files)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
            if (!grown) {
                rc = 1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) {
            rc = 1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (!rc && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
            rc = run_file(names[i]);
            ++*files;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    size_t files = 0;
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = true;
            continue;
        }
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            rc = run_dir(argv[i], &files);
        } else {
            rc = run_file(argv[i]);
            files++;
        }
    }
    if (!rc && files == 0) {
        fprintf(stderr, "no input files\n");
        rc = 1;
    }
    printf("%zu inputs replayed%s\n", files, rc ? ", failed" : "");
    return rc;
}
