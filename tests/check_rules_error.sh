#!/bin/sh
# --check-rules on a directory with a broken pattern: exit status 3 and the
# message FILE:LINE:COL with PCRE2's own words, the column inside the pattern.
newsmine=$1 rules=$2
out=$("$newsmine" --check-rules "$rules" 2>&1)
status=$?
expected="newsmine: en/counts.rules:9:35: in rule en/counts:number_noun: missing closing parenthesis"
if [ "$status" -ne 3 ] || [ "$out" != "$expected" ]; then
    echo "status $status, output:"; echo "$out"; echo "expected status 3 and:"; echo "$expected"
    echo "0 passed, 1 failed"; exit 1
fi
echo "1 passed, 0 failed"
