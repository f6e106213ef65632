#!/bin/sh
# Checks "newsmine eval" against hand-computed expectations (see README.md).
# Usage: tests/eval/run.sh EVAL_BINARY_CMD
#   EVAL_BINARY_CMD is the newsmine binary, optionally with a wrapper
#   ("valgrind -q build/newsmine"); it is run as: $1 eval ...
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 EVAL_BINARY_CMD" >&2
    exit 2
fi
cmd=$1
dir=$(cd "$(dirname "$0")" && pwd)
gold=$dir/gold.jsonl
pred=$dir/pred.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# 1. The --json report equals the hand-computed one.
$cmd eval --json "$gold" "$pred" >"$tmp/out.json" 2>"$tmp/err"
status=$?
[ $status -eq 0 ] || fail "--json run exited $status"
diff -u "$dir/expected.txt" "$tmp/out.json" || fail "--json output differs from expected.txt"

# 2. The malformed prediction lines are reported as FILE:LINE.
for line in 10 11 13; do
    grep -q "pred.jsonl:$line: " "$tmp/err" || fail "no diagnostic for pred.jsonl:$line"
done

# 3. Thresholds that hold exit 0.
$cmd eval --min all.f1=0.7 --min date.exact_f1=1 --min count.value=1 "$gold" "$pred" \
    >/dev/null 2>"$tmp/err"
status=$?
[ $status -eq 0 ] || fail "passing thresholds exited $status"

# 4. A failed threshold (0.750 < 0.8) and an n/a one (no quantity predicted) exit 1,
#    naming both.
$cmd eval --min all.f1=0.8 --min quantity.p=0.1 --min place.r=0.5 "$gold" "$pred" \
    >/dev/null 2>"$tmp/err"
status=$?
[ $status -eq 1 ] || fail "failed threshold exited $status, not 1"
grep -q "all.f1=0.8" "$tmp/err" || fail "all.f1 failure not reported"
grep -q "quantity.p=0.1" "$tmp/err" || fail "quantity.p failure not reported"
if grep -q "place.r=0.5" "$tmp/err"; then fail "place.r=0.5 reported although it holds"; fi

# 5. The text table's micro-average row.
$cmd eval --show-errors 3 "$gold" "$pred" >"$tmp/out.txt" 2>/dev/null
status=$?
[ $status -eq 0 ] || fail "text run exited $status"
grep -qx "all          12     12 | 0.750 0.750 0.750 | 0.583 0.583 0.583 | 0.714 0.667" \
    "$tmp/out.txt" || fail "text table: unexpected 'all' row"

# 6. Usage errors exit 2.
$cmd eval --min place.f2=1 "$gold" "$pred" >/dev/null 2>&1
status=$?
[ $status -eq 2 ] || fail "unknown metric exited $status, not 2"

if [ $failures -ne 0 ]; then
    echo "eval tests: $failures failed" >&2
    exit 1
fi
echo "eval tests: ok"
