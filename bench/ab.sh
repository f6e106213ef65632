#!/bin/sh
# Two newsmine binaries by turns on one input, one thread: the minimum and
# the median wall and CPU time of each, and B's over A's. On a machine
# whose speed drifts within minutes, runs by turns compare where runs in a
# row do not (docs/performance.md, section 8).
#
#     sh bench/ab.sh A_BINARY B_BINARY INPUT [RUNS]
#
# RULES_A and RULES_B name the rules directories (default: rules/).
set -eu
[ $# -ge 3 ] || { echo "usage: sh bench/ab.sh A_BINARY B_BINARY INPUT [RUNS]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
a=$1 b=$2 input=$3 runs=${4:-11}
rules_a=${RULES_A:-$root/rules} rules_b=${RULES_B:-$root/rules}
i=0
while [ "$i" -lt "$runs" ]; do
    /usr/bin/time -f "A %e %U %S" "$a" --rules "$rules_a" --threads 1 "$input" 2>&1 >/dev/null | tail -n 1
    /usr/bin/time -f "B %e %U %S" "$b" --rules "$rules_b" --threads 1 "$input" 2>&1 >/dev/null | tail -n 1
    i=$((i + 1))
done | python3 -c '
import statistics, sys
runs = {"A": [], "B": []}
for line in sys.stdin:
    who, wall, user, system = line.split()
    runs[who].append((float(wall), float(user) + float(system)))
def figures(who):
    wall = [r[0] for r in runs[who]]
    cpu = [r[1] for r in runs[who]]
    return min(wall), statistics.median(wall), min(cpu), statistics.median(cpu)
for who in "AB":
    print("%s  wall min %.3f s  median %.3f s   cpu min %.3f s  median %.3f s" % ((who,) + figures(who)))
a, b = figures("A"), figures("B")
print("B/A wall: min %.3f  median %.3f" % (b[0] / a[0], b[1] / a[1]))
'
