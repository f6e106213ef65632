#!/bin/sh
# The extraction output of a fixed slice of documents, compared with a stored
# digest: optimisations must not change a byte of it. The slice is text that
# lives in this repository: the seed articles, made-up news
# (synthetic.jsonl, from make_synthetic.py) and the inputs of some
# data-driven cases, run as entity records and as document records, with one
# thread and with three (the same bytes).
#
#     sh tests/digest/check.sh NEWSMINE [--update]
#
# When a change to the rules or the code is meant to change the output,
# look at the difference (the records are in $tmp/out.1 when the test fails
# with --keep) and store the new digest with --update.
newsmine=$1 mode=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
digest_file=tests/digest/expected.sha256
tmp=$(mktemp -d)
[ "$mode" = --keep ] || trap 'rm -rf "$tmp"' EXIT

cases="rules-counts rules-quantities rules-ranks rules-units seed-003 types-place typographic
nfkc nbsp soft-hyphen zero-width utf8-astral utf8-plain lines-three-docs crlf-text"

slice() { # slice THREADS > output
    n=$1
    for emit in entities documents; do
        "$newsmine" --rules rules --threads "$n" --emit "$emit" corpus/seeds.jsonl \
            tests/digest/synthetic.jsonl || return 1
    done
    for c in $cases; do
        "$newsmine" --rules rules --threads "$n" "tests/cases/$c/input.txt" || return 1
    done
    "$newsmine" --rules rules --threads "$n" --date-field date \
        tests/cases/rules-dates-relative/input.jsonl || return 1
}
slice 1 > "$tmp/out.1" 2> "$tmp/err.1" || { echo "digest: newsmine failed"; cat "$tmp/err.1"; exit 1; }
slice 3 > "$tmp/out.3" 2> "$tmp/err.3" || { echo "digest: newsmine failed"; cat "$tmp/err.3"; exit 1; }
if ! cmp -s "$tmp/out.1" "$tmp/out.3"; then
    echo "digest: --threads 3 writes other bytes than --threads 1"
    echo "0 passed, 1 failed"
    exit 1
fi
got=$(sha256sum < "$tmp/out.1" | cut -d' ' -f1)
records=$(wc -l < "$tmp/out.1")
if [ "$mode" = --update ]; then
    printf '%s  %s records\n' "$got" "$records" > "$digest_file"
    echo "digest: stored $got ($records records)"
    exit 0
fi
want=$(cut -d' ' -f1 "$digest_file")
if [ "$got" != "$want" ]; then
    echo "digest: the output of the slice changed ($records records, sha256 $got, stored $want)"
    echo "run tests/digest/check.sh NEWSMINE --keep to see it; --update if the change is meant"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed ($records records)"
