#!/bin/sh
# Nothing lost: on a file that mixes good and bad JSON lines, every input
# document is either emitted or rejected (--stats), the rejected lines are
# written verbatim to --reject, each is reported with FILE:LINE, and the exit
# status is 1 (some input rejected, the rest processed).
newsmine=$1
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
printf '%s\n' '{"id":"1","text":"Mali sent 20 soldiers."}' '{bad json' '{"id":"3"}' \
    '{"id":"4","text":5}' '' '[1,2]' '{"id":"7","text":"Nothing here."}' \
    '{"id":"8","text":"Chad"} trailing' > mixed.jsonl
printf '{"id":"9","text":"bad \377 byte in Chad"}\n' >> mixed.jsonl
"$newsmine" --stats --reject rejected.jsonl --emit documents mixed.jsonl > out.jsonl 2> err.txt
status=$?
fail() { echo "accounting: $*"; cat err.txt; echo "0 passed, 1 failed"; exit 1; }
[ "$status" -eq 1 ] || fail "exit status $status, want 1"
stats=$(tail -1 err.txt)
python3 - "$stats" <<'PY' || fail "stats do not add up: $stats"
import json, sys
s = json.loads(sys.argv[1])
assert s["documents"] == 8, s            # 9 lines, one blank
assert s["emitted"] == 3 and s["rejected"] == 5, s
assert s["documents"] == s["emitted"] + s["rejected"], s
assert s["repaired"] == 1, s
PY
[ "$(wc -l < out.jsonl)" -eq 3 ] || fail "want one document record per emitted document"
printf '%s\n' '{bad json' '{"id":"3"}' '{"id":"4","text":5}' '[1,2]' '{"id":"8","text":"Chad"} trailing' > want
cmp -s want rejected.jsonl || fail "rejected lines differ: $(cat rejected.jsonl)"
for line in 2 3 4 6 8; do
    grep -q "mixed.jsonl:$line: " err.txt || fail "no message for line $line"
done
echo "1 passed, 0 failed"
