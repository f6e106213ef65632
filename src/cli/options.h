/* Command-line options of newsmine. */
#ifndef NEWSMINE_CLI_OPTIONS_H
#define NEWSMINE_CLI_OPTIONS_H

#include "newsmine.h"

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses, documented in --help and README.md. */
enum {
    EXIT_OK = 0,
    EXIT_SOME_INPUT_BAD = 1, /* documents rejected or files unreadable; the rest processed */
    EXIT_USAGE = 2,
    EXIT_RULES = 3,
    EXIT_OUTPUT = 4,
    EXIT_INTERNAL = 5
};

typedef struct cli_options {
    bool input_given;
    newsmine_input_format input;
    const char *encoding;
    const char *id_field, *text_field, *date_field;
    newsmine_emit_mode emit;
    bool store_text;
    unsigned types;
    const char *rules_dir;
    size_t max_doc_bytes;
    bool check_rules;
    bool unbuffered;
    bool quiet;
    bool stats;              /* --stats: counts on stderr at the end */
    const char *reject_path; /* --reject FILE: rejected input, verbatim */
    int threads;             /* --threads N: documents in parallel (default: the cores) */
    const char *out_url;     /* --out URL: sqlite:PATH or postgresql://... (sink.h) */
    int format;              /* --format: 0 jsonl (default), 1 csv, 2 tsv */
    int progress;            /* 0 none, 1 --progress (terminal only), 2 --progress=always */
    size_t batch;            /* --batch N: documents per transaction (0: the sink's 1000) */
    char **files;
    int file_count;
} cli_options;

/* Parses argv; on --help or --version prints and returns EXIT_OK with
 * *done set; on a usage error prints a message and returns EXIT_USAGE. */
int cli_parse_options(int argc, char **argv, cli_options *opts, bool *done);

/* The rules directory to use when --rules is not given. */
const char *cli_default_rules_dir(void);

#endif
