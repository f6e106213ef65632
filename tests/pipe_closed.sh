#!/bin/sh
# newsmine writing into a pipe whose reader stops after one line: newsmine
# must end at once, print nothing on stderr and exit 0 (not die of SIGPIPE).
newsmine=$1 input=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
# 2,000 copies of the seeds: far more output than a pipe buffer holds
i=0; while [ $i -lt 1000 ]; do cat "$input"; i=$((i + 1)); done > "$tmp/big.jsonl"
( "$newsmine" "$tmp/big.jsonl" 2>"$tmp/err"; echo $? > "$tmp/status" ) | head -1 > "$tmp/first"
status=$(cat "$tmp/status")
if [ "$status" != 0 ] || [ -s "$tmp/err" ] || [ "$(wc -l < "$tmp/first")" -ne 1 ]; then
    echo "status $status; stderr:"; cat "$tmp/err"; echo "0 passed, 1 failed"; exit 1
fi
echo "1 passed, 0 failed"
