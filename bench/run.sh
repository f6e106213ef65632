#!/bin/sh
# The one command of the benchmark: builds newsmine (Release) and the PCRE2
# baseline into build-bench/, then measures (bench/bench.py).
#
#     sh bench/run.sh /path/to/news.jsonl [--runs N] [--threads N] [--big] [--quick]
#
# The corpus is read where it is: never copy it into the repository.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: sh bench/run.sh CORPUS.jsonl [--runs N] [--threads N] [--big] [--quick]" >&2; exit 2; }
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DNEWSMINE_TESTS=OFF >/dev/null
cmake --build "$root/build-bench" -j "$(nproc 2>/dev/null || echo 2)" --target newsmine >/dev/null
cc -O2 -o "$root/build-bench/pcre2scan" "$root/bench/pcre2scan.c" $(pkg-config --cflags --libs libpcre2-8)
exec python3 "$root/bench/bench.py" "$@"
