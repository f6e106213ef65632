#!/bin/sh
# Bad input that is too big or too odd to keep in tests/cases, generated in a
# temporary directory: a 100 MB line (skipped, memory bounded), JSON nested
# 100,000 deep, 20,000 entities in one document, a catastrophic rule on
# 20,000 crafted runs, output to /dev/full, a
# directory among the input files, binary garbage, empty standard input.
# Every check: the documented exit status, a message naming the place, and
# the other documents processed. (README.md, "Bad input".)
# Under valgrind (NEWSMINE_VALGRIND=1, see memcheck.sh) the 100 MB checks,
# which are about memory valgrind cannot measure, are left out, and 2,000
# entities stand for 20,000.
#   bad_input.sh NEWSMINE SOURCE_DIR
newsmine=$1 src=$2
case "${NEWSMINE_VALGRIND:-0}" in 0 | "") valgrind=false many=20000 ;; *) valgrind=true many=2000 ;; esac
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failed=0 passed=0
fail() { echo "bad_input: $*"; failed=$((failed + 1)); }
ok() { passed=$((passed + 1)); }
has() { grep -q -- "$2" "$1" || { fail "$3: no \"$2\" in $1:"; sed 's/^/    /' "$1" | head -20; return 1; }; }
status_is() { [ "$1" -eq "$2" ] || { fail "$3: exit status $1, want $2"; return 1; }; }
peak_kb() { # runs the command that follows; its peak RSS in KB goes to rss.kb (0 without GNU time)
    if [ -x /usr/bin/time ]; then
        # Under AddressSanitizer freed blocks stay resident in its quarantine
        # (256 MB by default): the buffers outgrown on the way to a 64 MB one
        # would count. A small quarantine measures newsmine, not ASan.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" \
            /usr/bin/time -f %M -o rss.txt "$@"; s=$?; tail -n 1 rss.txt > rss.kb; return $s
    fi
    "$@"; s=$?; echo 0 > rss.kb; return $s
}

# 1. A 100 MB line between two good ones: reported with its line and skipped,
#    memory bounded by --max-doc-bytes, not by the line.
if $valgrind; then
    echo "100 MB line: not under valgrind"
else
    python3 - <<'PY'
with open("big.jsonl", "w") as f:
    f.write('{"id":"a","text":"3 soldiers arrived in Mali"}\n')
    f.write('{"id":"huge","text":"' + "Troops left Chad. " * (100 * 1024 * 1024 // 18) + '"}\n')
    f.write('{"id":"b","text":"Niger"}\n')
PY
    printf '{"id":"a","text":"3 soldiers arrived in Mali"}\n' > small.jsonl
    peak_kb "$newsmine" small.jsonl > /dev/null 2>&1
    base=$(cat rss.kb)
    for limit in 1M 16M 64M; do # 64M: the default
        if [ $limit = 64M ]; then set --; else set -- --max-doc-bytes $limit; fi
        peak_kb "$newsmine" "$@" big.jsonl > out.jsonl 2> err.txt
        status=$? rss=$(cat rss.kb)
        status_is "$status" 1 "100 MB line, --max-doc-bytes $limit" || continue
        has err.txt "big.jsonl:2: line longer than the document limit" "100 MB line" || continue
        [ "$(grep -c '"doc":"[ab]"' out.jsonl)" -eq 3 ] || { fail "100 MB line: the documents around it are missing"; continue; }
        bound=$(( ${limit%M} * 2 * 1024 + 32 * 1024 )) # two buffers of the limit + 32 MB
        if [ "$rss" -gt 0 ] && [ $((rss - base)) -gt "$bound" ]; then
            fail "100 MB line, --max-doc-bytes $limit: peak RSS $rss KB, $base KB without it (bound +$bound KB)"
            continue
        fi
        echo "100 MB line, --max-doc-bytes $limit: peak RSS $rss KB (a small input: $base KB)"
        ok
    done
    # The same bytes as one text document: over the limit as a whole.
    peak_kb "$newsmine" --max-doc-bytes 1M --input text big.jsonl > out.jsonl 2> err.txt
    status=$? rss=$(cat rss.kb)
    if status_is $status 1 "100 MB text" && has err.txt "big.jsonl:1: document larger than the limit of 1048576 bytes" "100 MB text" &&
       [ ! -s out.jsonl ]; then
        if [ "$rss" -gt 0 ] && [ $((rss - base)) -gt $((34 * 1024)) ]; then
            fail "100 MB text, --max-doc-bytes 1M: peak RSS $rss KB, $base KB without it"
        else
            echo "100 MB text document, --max-doc-bytes 1M: peak RSS $rss KB"
            ok
        fi
    fi
    rm -f big.jsonl
fi

# 2. JSON nested 100,000 deep (cJSON stops at 1,000): a rejection that says
#    so, not a crash (no stack overflow) and not a silent loss.
python3 - <<'PY'
with open("deep.jsonl", "w") as f:
    f.write("[" * 100000 + "\n")
    f.write('{"text":"Mali","a":' + '{"a":' * 100000 + "\n")
    f.write('{"id":"ok","text":"Mali"}\n')
PY
"$newsmine" deep.jsonl > out.jsonl 2> err.txt
if status_is $? 1 "deep JSON" && has err.txt "deep.jsonl:1: JSON nested deeper than 1000 levels" "deep JSON" &&
   has err.txt "deep.jsonl:2: JSON nested deeper than 1000 levels" "deep JSON" &&
   has out.jsonl '"doc":"ok"' "deep JSON"; then ok; fi

# 3. 20,000 entities in one document; 20,000 mentions of an abbreviation
#    learnt from its definition; 2,000 definitions (nested entities) and
#    20,000 mentions (once quadratic: 11 minutes): every record there and
#    true, in reasonable time.
python3 -c "print(' '.join(['Mali'] * $many))" > mali.txt
python3 -c "print('The UN Interim Force in Lebanon (UNIFIL) said. ' + ' '.join(['UNIFIL'] * $many))" > unifil.txt
python3 -c "print(' '.join(['The UN Disengagement Observer Force (UNDOF) met in Paris with 300 soldiers.'] * ($many // 10))
            + ' ' + ' '.join(['UNDOF said so.'] * $many))" > undof.txt
for f in mali.txt unifil.txt undof.txt; do
    start=$(date +%s)
    "$newsmine" "$f" > out.jsonl 2> err.txt
    s=$? seconds=$(( $(date +%s) - start ))
    status_is $s 0 "20,000 entities ($f)" || continue
    n=$(wc -l < out.jsonl)
    [ "$n" -ge $many ] || { fail "$many entities ($f): $n records"; continue; }
    python3 "$src/tests/check_spans.py" "$f" out.jsonl > spans.txt ||
        { fail "20,000 entities ($f): spans:"; tail -3 spans.txt; continue; }
    $valgrind || [ "$seconds" -le 60 ] || { fail "20,000 entities ($f): $seconds s"; continue; }
    echo "$many entities ($f): $n records in about $seconds s"
    ok
done

# 3b. A catastrophic rule ((?:a|aa)+$, tests/rules-backtrack) on a text of
#    as many runs of a's: the match limit stops it once, and it is skipped for
#    the rest of the document, so the time does not grow with the runs.
python3 -c "print('3 soldiers went to Mali, ' + 'a' * 40 + '! ' + ('a' * 40 + '! ') * $many + 'Chad.')" > runaway.txt
start=$(date +%s)
"$newsmine" --rules "$src/tests/rules-backtrack" runaway.txt > out.jsonl 2> err.txt
s=$? seconds=$(( $(date +%s) - start ))
if status_is $s 0 "catastrophic rule" &&
   has err.txt "warning: runaway.txt: rule backtrack:exponential reached the PCRE2 match limit" "catastrophic rule" &&
   has out.jsonl '"text":"Chad"' "catastrophic rule"; then
    if $valgrind || [ "$seconds" -le 10 ]; then
        echo "catastrophic rule on $many runs: about $seconds s"
        ok
    else
        fail "catastrophic rule on $many runs: $seconds s (one match limit per run?)"
    fi
fi

# 4. Output that cannot be written: status 4 and a message, at once.
printf 'Troops arrived in Mali.\n' > mali1.txt
if [ -w /dev/full ]; then
    "$newsmine" mali1.txt > /dev/full 2> err.txt
    if status_is $? 4 "/dev/full" && has err.txt "cannot write output: No space left on device" "/dev/full"; then ok; fi
fi

# 5. A directory among the input files: reported, the others processed, status 1.
mkdir adir.txt
printf 'Then in Chad.\n' > chad.txt
"$newsmine" mali1.txt adir.txt chad.txt > out.jsonl 2> err.txt
if status_is $? 1 "directory among the files" && has err.txt "adir.txt: read error: Is a directory" "directory" &&
   has out.jsonl '"doc":"mali1.txt"' "directory" && has out.jsonl '"doc":"chad.txt"' "directory"; then ok; fi

# 6. Binary garbage (64 KB of seeded random bytes): as text it is one
#    repaired document; as JSON Lines every line is a rejection; read =
#    emitted + rejected either way; never a crash.
python3 -c "
import random, sys
r = random.Random(5)
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(65536)))" > garbage.bin
"$newsmine" --stats garbage.bin > out.jsonl 2> err.txt
if status_is $? 0 "garbage as text" && has err.txt '"documents":1,"emitted":1,"rejected":0,"repaired":1' "garbage as text" &&
   python3 "$src/tests/check_spans.py" garbage.bin out.jsonl > spans.txt; then ok; else tail -3 spans.txt; fi
"$newsmine" --stats --input jsonl garbage.bin > out.jsonl 2> err.txt
if status_is $? 1 "garbage as JSON Lines" && has err.txt "garbage.bin:1: malformed JSON" "garbage as JSON Lines" &&
   python3 - err.txt <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
stats = json.loads(lines[-1])
rejections = sum(1 for l in lines if l.endswith("(document skipped)"))
assert stats["documents"] == stats["emitted"] + stats["rejected"] == rejections > 0, stats
PY
then ok; else fail "garbage as JSON Lines: the stats do not add up"; fi

# 7. Empty standard input: nothing out, status 0.
"$newsmine" < /dev/null > out.jsonl 2> err.txt
if status_is $? 0 "empty stdin" && [ ! -s out.jsonl ] && [ ! -s err.txt ]; then ok; else fail "empty stdin: output or messages"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
