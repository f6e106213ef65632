#include "options.h"

#include "format_csv.h"
#include "sink.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: newsmine [OPTIONS] [FILE...]\n"
    "       newsmine --check-rules [DIR]\n"
    "       newsmine eval [OPTIONS] GOLD.jsonl [PRED.jsonl]   (see newsmine eval --help)\n"
    "\n"
    "Extracts places, counts, ranks, military units, dates, quantities, persons and\n"
    "organisations from news text and writes JSON Lines to standard output. Reads the\n"
    "FILEs, or standard input when there are none or for \"-\".\n"
    "\n"
    "Input:\n"
    "  -i, --input FORMAT    text (a file is one document), lines (one document per\n"
    "                        line) or jsonl (one JSON object per line). Default: jsonl\n"
    "                        for names ending .jsonl or .ndjson, and for standard input\n"
    "                        whose first non-blank byte is '{'; text otherwise\n"
    "  -e, --encoding NAME   input encoding, any iconv name (CP1251, KOI8-R, ISO-8859-1,\n"
    "                        UTF-16LE, ...). Default UTF-8; a UTF-8 or UTF-16 byte-order\n"
    "                        mark is honoured and removed. Undecodable bytes become\n"
    "                        U+FFFD and records say \"repaired\":N\n"
    "      --id-field F      JSONL field holding the document id (default id)\n"
    "      --text-field F    JSONL field holding the text (default text)\n"
    "      --date-field F    JSONL field holding the document's date (ISO 8601)\n"
    "      --max-doc-bytes N larger documents are reported and skipped (default 64M;\n"
    "                        suffixes K, M, G)\n"
    "  Files may be gzip, bzip2, xz or zstd compressed, or tar or zip archives;\n"
    "  members are named ARCHIVE!MEMBER.\n"
    "Output:\n"
    "      --emit WHAT       entities (one record per entity, default) or documents\n"
    "                        (one record per document, with its metadata and entities)\n"
    "      --store-text      document records also carry the text\n"
    "  -t, --types LIST      only these types, comma-separated: place,count,rank,unit,\n"
    "                        date,quantity,person,org\n"
    "      --unbuffered      flush after every record (default: after every document\n"
    "                        when the output is a pipe or terminal)\n"
    "  -q, --quiet           no warnings on standard error (errors are still shown)\n"
    "      --stats           at the end, one JSON line on standard error: documents\n"
    "                        read, emitted, repaired and rejected, bytes, entities per type\n"
    "      --reject FILE     write every rejected input line there, verbatim, ready to be\n"
    "                        fixed and fed again (lines over --max-doc-bytes are not kept)\n"
    "      --out URL         write into a database instead of standard output:\n"
    "                        sqlite:PATH or postgresql://... (tables of docs/schema.sql,\n"
    "                        created when missing; loading again adds nothing twice)\n"
    "      --format F        jsonl (default), csv or tsv: rows with the columns of the\n"
    "                        tables, ready for COPY (docs/load.md)\n"
    "      --batch N         documents per database transaction (default 1000)\n"
    "      --progress[=always]  a progress line on standard error when it is a\n"
    "                        terminal (always: also when it is not)\n"
    ;

/* Split in two: ISO C compilers need only take string literals of 4095 bytes. */
static const char usage_text_more[] =
    "Processing:\n"
    "  -j, --threads N       documents processed at a time, by N threads (default: the\n"
    "                        number of cores); the output is the same, in input order,\n"
    "                        whatever N\n"
    "Rules:\n"
    "  -r, --rules DIR       rule directory (default: $NEWSMINE_RULES, else the rules\n"
    "                        installed with newsmine, else those of its source tree)\n"
    "      --check-rules     load and compile the rules, report FILE:LINE:COL errors\n"
    "Other:\n"
    "  -h, --help            this help\n"
    "  -V, --version         versions of newsmine, PCRE2, utf8proc and cJSON\n"
    "\n"
    "Document ids: the id field; else FILE (text), FILE:LINE (lines, JSONL without id),\n"
    "stdin or stdin:LINE. Offsets count Unicode code points of the decoded text, end\n"
    "exclusive: text == doc_text[start:end].\n"
    "\n"
    "Exit status:\n"
    "  0  every document processed (also when the reader of the output went away)\n"
    "  1  some documents were rejected or some files could not be read; the rest were\n"
    "     processed and every rejection was reported on standard error\n"
    "  2  usage error\n"
    "  3  the rules could not be loaded (the error names FILE:LINE:COL)\n"
    "  4  output could not be written (disk full, I/O error, database error: cannot\n"
    "     connect, permission denied, ...)\n"
    "  5  out of memory or internal error\n";

enum { MAX_THREADS = 256 };

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "newsmine: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'newsmine --help'.\n");
    return EXIT_USAGE;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno) return false;
    unsigned long long k = 1;
    if (*end == 'K' || *end == 'k') k = 1024ull, end++;
    else if (*end == 'M' || *end == 'm') k = 1024ull * 1024, end++;
    else if (*end == 'G' || *end == 'g') k = 1024ull * 1024 * 1024, end++;
    if (*end || v == 0 || v > (unsigned long long)SIZE_MAX / k) return false;
    *out = (size_t)(v * k);
    return true;
}

static void print_version(void)
{
    printf("newsmine %s\n%s\n", newsmine_version(), newsmine_dependency_versions());
}

/* --name VALUE or --name=VALUE; advances *i. */
static const char *option_value(int argc, char **argv, int *i, const char *arg, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) == 0 && arg[n] == '=') return arg + n + 1;
    if (*i + 1 < argc) return argv[++*i];
    return NULL;
}

static bool is(const char *arg, const char *s, const char *l)
{
    size_t n = strlen(l);
    return (s && strcmp(arg, s) == 0) || strcmp(arg, l) == 0 ||
           (strncmp(arg, l, n) == 0 && arg[n] == '=');
}

static int parse_value_option(cli_options *o, const char *name, const char *v)
{
    newsmine_error err;
    if (strcmp(name, "--input") == 0) {
        o->input_given = true;
        if (strcmp(v, "text") == 0) o->input = NEWSMINE_INPUT_TEXT;
        else if (strcmp(v, "lines") == 0) o->input = NEWSMINE_INPUT_LINES;
        else if (strcmp(v, "jsonl") == 0) o->input = NEWSMINE_INPUT_JSONL;
        else return usage_error("--input takes text, lines or jsonl, not \"%s\"", v);
    } else if (strcmp(name, "--emit") == 0) {
        if (strcmp(v, "entities") == 0) o->emit = NEWSMINE_EMIT_ENTITIES;
        else if (strcmp(v, "documents") == 0) o->emit = NEWSMINE_EMIT_DOCUMENTS;
        else return usage_error("--emit takes entities or documents, not \"%s\"", v);
    } else if (strcmp(name, "--types") == 0) {
        o->types = newsmine_types_parse(v, &err);
        if (!o->types) return usage_error("%s", err.message[0] ? err.message : "--types is empty");
    } else if (strcmp(name, "--max-doc-bytes") == 0) {
        if (!parse_size(v, &o->max_doc_bytes))
            return usage_error("--max-doc-bytes takes a positive size (64M), not \"%s\"", v);
    } else if (strcmp(name, "--encoding") == 0) o->encoding = v;
    else if (strcmp(name, "--id-field") == 0) o->id_field = v;
    else if (strcmp(name, "--text-field") == 0) o->text_field = v;
    else if (strcmp(name, "--date-field") == 0) o->date_field = v;
    else if (strcmp(name, "--rules") == 0) o->rules_dir = v;
    else if (strcmp(name, "--reject") == 0) o->reject_path = v;
    else if (strcmp(name, "--threads") == 0) {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (end == v || *end || errno || n < 1 || n > MAX_THREADS)
            return usage_error("--threads takes a number from 1 to %d, not \"%s\"", MAX_THREADS, v);
        o->threads = (int)n;
    } else if (strcmp(name, "--out") == 0) {
        if (!sink_is_url(v))
            return usage_error("--out takes sqlite:PATH or postgresql://..., not \"%s\"", v);
        o->out_url = v;
    } else if (strcmp(name, "--format") == 0) {
        csv_format f;
        if (strcmp(v, "jsonl") == 0) o->format = 0;
        else if (csv_format_parse(v, &f)) o->format = f == CSV_FORMAT_CSV ? 1 : 2;
        else return usage_error("--format takes jsonl, csv or tsv, not \"%s\"", v);
    } else if (strcmp(name, "--batch") == 0) {
        if (!parse_size(v, &o->batch))
            return usage_error("--batch takes a positive number of documents, not \"%s\"", v);
    }
    return EXIT_OK;
}

typedef struct value_option {
    const char *short_name, *long_name;
} value_option;

static const value_option value_options[] = {
    {"-i", "--input"},       {"-e", "--encoding"},      {NULL, "--id-field"},
    {NULL, "--text-field"},  {NULL, "--date-field"},    {NULL, "--emit"},
    {"-t", "--types"},       {"-r", "--rules"},         {NULL, "--max-doc-bytes"},
    {NULL, "--reject"},      {"-j", "--threads"},       {NULL, "--out"},
    {NULL, "--format"},      {NULL, "--batch"},
};

/* The cores this process may run on. */
static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int cli_parse_options(int argc, char **argv, cli_options *o, bool *done)
{
    memset(o, 0, sizeof *o);
    o->threads = default_threads();
    *done = false;
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files) {
        fprintf(stderr, "newsmine: out of memory\n");
        return EXIT_INTERNAL;
    }
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
            o->files[o->file_count++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = true;
            continue;
        }
        bool matched = false;
        for (size_t k = 0; k < sizeof value_options / sizeof *value_options && !matched; k++) {
            const value_option *vo = &value_options[k];
            if (!is(arg, vo->short_name, vo->long_name)) continue;
            matched = true;
            const char *v = option_value(argc, argv, &i, arg, vo->long_name);
            if (!v) return usage_error("%s needs a value", vo->long_name);
            int rc = parse_value_option(o, vo->long_name, v);
            if (rc) return rc;
        }
        if (matched) continue;
        if (is(arg, "-h", "--help")) {
            fputs(usage_text, stdout);
            fputs(usage_text_more, stdout);
            *done = true;
            return EXIT_OK;
        }
        if (is(arg, "-V", "--version")) {
            print_version();
            *done = true;
            return EXIT_OK;
        }
        if (strcmp(arg, "--store-text") == 0) o->store_text = true;
        else if (strcmp(arg, "--unbuffered") == 0) o->unbuffered = true;
        else if (is(arg, "-q", "--quiet")) o->quiet = true;
        else if (strcmp(arg, "--stats") == 0) o->stats = true;
        else if (strcmp(arg, "--progress") == 0) o->progress = 1;
        else if (strcmp(arg, "--progress=always") == 0) o->progress = 2;
        else if (strcmp(arg, "--check-rules") == 0) {
            o->check_rules = true;
            if (i + 1 < argc && argv[i + 1][0] != '-') o->rules_dir = argv[++i];
        } else
            return usage_error("unknown option \"%s\"", arg);
    }
    if (o->out_url && o->format)
        return usage_error("--format shapes standard output; --out writes the tables");
    return EXIT_OK;
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *cli_default_rules_dir(void)
{
    static char beside[4200];
    const char *env = getenv("NEWSMINE_RULES");
    if (env && *env) return env;
    char exe[4000];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(beside, sizeof beside, "%s/../share/newsmine/rules", exe);
            if (is_dir(beside)) return beside;
        }
    }
    if (is_dir(NEWSMINE_INSTALL_RULES_DIR)) return NEWSMINE_INSTALL_RULES_DIR;
    return NEWSMINE_SOURCE_RULES_DIR;
}
