#!/bin/sh
# memcheck.sh PROGRAM [ARG...]: runs PROGRAM with its arguments. When
# NEWSMINE_VALGRIND is set (and not 0), under valgrind memcheck, as .ci/test
# runs the suite a third time: any memory error or definite or indirect leak
# prints valgrind's report on stderr and makes the status 99, which no test
# expects of newsmine (1, valgrind's --error-exitcode here, is one of
# newsmine's own statuses, so the report decides). Otherwise the program's
# own status.
case "${NEWSMINE_VALGRIND:-0}" in 0 | "") exec "$@" ;; esac
log=$(mktemp "${TMPDIR:-/tmp}/newsmine-memcheck.XXXXXX") || exit 98
# -q and --show-leak-kinds=definite,indirect: the log holds errors only
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=1 --log-file="$log" \
    --suppressions="$(dirname "$0")/valgrind.supp" "$@"
status=$?
if [ -s "$log" ]; then
    echo "memcheck.sh: valgrind found errors in: $*" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 99
fi
rm -f "$log"
exit $status
