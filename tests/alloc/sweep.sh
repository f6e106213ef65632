#!/bin/sh
# The allocation-failure sweep: newsmine is run once for every allocation it
# makes, with that one allocation failing (failalloc.so, LD_PRELOAD), on a
# small rule set: checking the rules, extracting from a plain-text document
# with one thread and with two, from JSON Lines (metadata, a malformed line)
# as document records, and newsmine eval on a gold line. Whatever fails,
# newsmine must not crash, must not lose output silently (stdout and stderr
# are the full ones, or stderr says that memory ran out), and must not end
# with status 0 after saying so.
#   sweep.sh NEWSMINE FAILALLOC.so RULES_DIR
# Not under valgrind (which replaces the allocator itself): skipped, status 77.
newsmine=$1 shim=$2 rules=$3
case "${NEWSMINE_VALGRIND:-0}" in 0 | "") ;; *) echo "sweep: skipped under valgrind"; exit 77 ;; esac
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
printf 'In Goma, 12 soldiers arrived on 3 March 2014.\nColonel Smith left Goma.\n' > "$tmp/in.txt"
printf '%s\n' '{"id":"a","text":"In Goma, 12 soldiers arrived.","source":"x","n":[1,2]}' \
    'not json' '{"id":"b","text":"Colonel Smith left Goma on 3 March 2014."}' > "$tmp/in.jsonl"
printf '%s\n' '{"id":"g","text":"In Goma, 12 soldiers arrived.","entities":[{"type":"place","start":3,"end":7,"text":"Goma","norm":{"kind":"site"}},{"type":"count","start":9,"end":20,"text":"12 soldiers","norm":{"value":12}}]}' > "$tmp/gold.jsonl"
failed=0 passed=0 runs=0

sweep() { # sweep NAME ARGS...: every allocation of newsmine ARGS, failing in turn
    name=$1
    shift
    "$newsmine" "$@" > "$tmp/ref.out" 2> "$tmp/ref.err"
    ref=$?
    NEWSMINE_FAIL_ALLOC=0 NEWSMINE_ALLOC_COUNT="$tmp/count" LD_PRELOAD="$shim" \
        "$newsmine" "$@" > /dev/null 2>&1
    total=$(cat "$tmp/count" 2>/dev/null || echo 0)
    if [ "$total" -lt 50 ]; then
        echo "sweep: $name: only $total allocations counted (is the shim loaded?)"
        failed=$((failed + 1))
        return
    fi
    bad=0 n=1
    while [ "$n" -le "$total" ]; do
        NEWSMINE_FAIL_ALLOC=$n LD_PRELOAD="$shim" "$newsmine" "$@" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        runs=$((runs + 1))
        said=false
        grep -q 'out of memory\|Cannot allocate memory\|failed to allocate\|cannot start' "$tmp/err" &&
            said=true
        why=""
        if [ "$rc" -ge 128 ]; then why="killed by signal $((rc - 128))"
        elif ! $said && ! cmp -s "$tmp/out" "$tmp/ref.out"; then why="output changed, nothing said"
        elif ! $said && ! cmp -s "$tmp/err" "$tmp/ref.err"; then why="messages changed, nothing said"
        elif ! $said && [ "$rc" -ne "$ref" ]; then why="status $rc, nothing said"
        elif $said && [ "$rc" -eq 0 ]; then why="out of memory said, status 0"
        fi
        if [ -n "$why" ]; then
            [ "$bad" -lt 5 ] && { echo "sweep: $name: allocation $n failing: $why"; sed 's/^/    /' "$tmp/err" | head -5; }
            bad=$((bad + 1))
        fi
        n=$((n + 1))
    done
    if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    echo "sweep: $name: $total allocations, $bad bad"
}

sweep check-rules --check-rules "$rules"
sweep "one thread" --rules "$rules" --threads 1 "$tmp/in.txt"
sweep "two threads" --rules "$rules" --threads 2 "$tmp/in.txt"
sweep "JSON Lines" --rules "$rules" --threads 2 --emit documents "$tmp/in.jsonl"
sweep "eval" eval --rules "$rules" "$tmp/gold.jsonl"
echo "($runs runs)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
