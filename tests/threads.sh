#!/bin/sh
# --threads: whatever the number of threads, the same bytes on standard
# output, standard error and --reject, the same --stats and exit status, on
# input that mixes documents, bad lines, lines over the size limit, an
# unreadable file and a directory. Then the pipeline's ways of ending: a
# closed pipe (status 0, nothing on stderr), standard input that arrives
# slowly (each document is written before the next line is typed), and a
# --reject file that cannot be written.
newsmine=$1 rules=$2 seeds=$3 cases=$4
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { echo "threads: $*"; failed=$((failed + 1)); }

# seeds and every case input as lines of JSON, with bad lines among them
python3 - "$seeds" "$cases" <<'PY'
import json, os, sys
seeds, cases = sys.argv[1], sys.argv[2]
docs = [json.loads(l) for l in open(seeds, encoding="utf-8") if l.strip()]
for root, _, files in sorted(os.walk(cases)):
    for f in sorted(files):
        if f.startswith("input") and f.endswith(".txt"):
            raw = open(os.path.join(root, f), "rb").read().decode("utf-8", "replace")
            docs.append({"id": os.path.basename(root), "text": raw})
with open("mixed.jsonl", "w", encoding="utf-8") as out:
    for i in range(12):
        for k, d in enumerate(docs):
            out.write(json.dumps({"id": "%s-%d" % (d.get("id", k), i), "text": d["text"]}) + "\n")
            if k % 5 == 1: out.write('{"id": "broken", "text": \n')
            if k % 7 == 2: out.write('{"id":"no-text"}\n')
            if k % 9 == 3: out.write(json.dumps({"id": "long", "text": "Troops left Chad. " * 400}) + "\n")
PY
mkdir adir
run() { # run THREADS: out.N err.N rej.N status.N
    "$newsmine" --rules "$rules" --threads "$1" --stats --reject "rej.$1" --max-doc-bytes 4K \
        mixed.jsonl missing.jsonl adir "$seeds" mixed.jsonl > "out.$1" 2> "err.$1"
    echo $? > "status.$1"
}
for n in 1 2 3 8; do run $n; done
[ "$(cat status.1)" = 1 ] && [ -s out.1 ] && [ -s rej.1 ] && grep -q '"rejected"' err.1 ||
    fail "one thread: status $(cat status.1), no output or no rejections"
for n in 2 3 8; do
    if cmp -s out.1 "out.$n" && cmp -s err.1 "err.$n" && cmp -s rej.1 "rej.$n" &&
       cmp -s status.1 "status.$n"; then ok; else fail "--threads $n differs from --threads 1"; fi
done

# documents output and --unbuffered: the same records
for args in "--emit documents --store-text" "--unbuffered" "--types place,count"; do
    # shellcheck disable=SC2086
    "$newsmine" --rules "$rules" --threads 1 $args "$seeds" > one 2>&1
    # shellcheck disable=SC2086
    "$newsmine" --rules "$rules" --threads 3 $args "$seeds" > three 2>&1
    if cmp -s one three; then ok; else fail "$args: --threads 3 differs"; fi
done

# a closed pipe: status 0 and nothing on stderr
i=0; while [ $i -lt 200 ]; do cat mixed.jsonl; i=$((i + 1)); done > big.jsonl
( "$newsmine" --rules "$rules" --threads 2 --max-doc-bytes 4K big.jsonl 2> pipe.err
  echo $? > pipe.status ) | head -1 > pipe.first
if [ "$(cat pipe.status)" = 0 ] && [ "$(wc -l < pipe.first)" -eq 1 ] &&
   ! grep -v "document skipped\|document limit" pipe.err | grep -q .; then ok
else fail "closed pipe: status $(cat pipe.status), stderr $(head -3 pipe.err)"; fi

# slow standard input, output to a pipe (flushed per document): the first
# document comes out before the second arrives
( echo "Kazakhstan sent 139 soldiers to Mali."; sleep 3; echo "Chad." ) |
    "$newsmine" --rules "$rules" --threads 2 --input lines | cat > slow.out &
sleep 2
if grep -q '"doc":"stdin:1"' slow.out; then ok; else fail "slow input held back"; fi
wait
grep -q '"doc":"stdin:2"' slow.out || fail "slow input: the second document is missing"

# a --reject file that cannot be written: status 4, as with one thread
for n in 1 2; do
    "$newsmine" --rules "$rules" --threads $n --reject /dev/full mixed.jsonl > /dev/null 2> full.$n
    echo $? > fstatus.$n
done
if [ "$(cat fstatus.1)" = 4 ] && cmp -s fstatus.1 fstatus.2 && cmp -s full.1 full.2; then ok
else fail "--reject /dev/full: status $(cat fstatus.1)/$(cat fstatus.2)"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
