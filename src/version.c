#include "newsmine.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <cjson/cJSON.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

const char *newsmine_version(void)
{
    return NEWSMINE_VERSION_STRING;
}

const char *newsmine_dependency_versions(void)
{
    static char line[160];
    if (!line[0]) {
        char pcre[48] = "?";
        uint32_t jit = 0;
        pcre2_config(PCRE2_CONFIG_VERSION, pcre);
        pcre2_config(PCRE2_CONFIG_JIT, &jit);
        snprintf(line, sizeof line, "PCRE2 %s (%s), utf8proc %s, cJSON %s", pcre,
                 jit ? "JIT" : "no JIT", utf8proc_version(), cJSON_Version());
    }
    return line;
}

static const char *const type_names[NEWSMINE_TYPE_COUNT] = {
    "place", "count", "rank", "unit", "date", "quantity", "person", "org"};

const char *newsmine_type_name(newsmine_type type)
{
    return (unsigned)type < NEWSMINE_TYPE_COUNT ? type_names[type] : NULL;
}

int newsmine_type_from_name(const char *name, size_t n)
{
    for (int t = 0; t < NEWSMINE_TYPE_COUNT; t++)
        if (strlen(type_names[t]) == n && memcmp(type_names[t], name, n) == 0) return t;
    return -1;
}

unsigned newsmine_types_parse(const char *list, newsmine_error *err)
{
    unsigned set = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int t = newsmine_type_from_name(p, n);
        if (t < 0 && n) {
            if (err) {
                err->status = NEWSMINE_ERR_ARG;
                err->file[0] = '\0';
                err->line = err->col = 0;
                snprintf(err->message, sizeof err->message,
                         "unknown type \"%.*s\" (place, count, rank, unit, date, quantity, "
                         "person, org)",
                         (int)n, p);
            }
            return 0;
        }
        if (n) set |= 1u << t;
        p += n + (p[n] == ',');
    }
    return set;
}
