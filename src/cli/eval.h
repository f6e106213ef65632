/* newsmine eval: scores predicted entities against gold annotations. */
#ifndef NEWSMINE_CLI_EVAL_H
#define NEWSMINE_CLI_EVAL_H

/* Runs "newsmine eval [OPTIONS] GOLD.jsonl [PRED.jsonl]"; argv[0] is "eval".
 * Without PRED the entities are extracted with the rules of --rules DIR, or
 * of default_rules_dir (which may be NULL) when --rules is not given.
 * Prints the report to stdout and diagnostics to stderr. Returns the process
 * exit status: 0 ok, 1 a --min threshold failed, 2 usage error, 3 the rules
 * could not be loaded, 4 an I/O error (or out of memory). */
int newsmine_cli_eval(int argc, char **argv, const char *default_rules_dir);

#endif
