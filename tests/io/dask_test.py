#!/usr/bin/env python3
"""contrib/dask/newsmine_dask.py on a LocalCluster of two worker processes:

- the union of the per-file outputs equals one newsmine process over all the
  files, sorted, byte for byte, and every output equals newsmine on its file;
- a worker killed midway through a file (SIGKILL, after it wrote part of that
  file's rows) loses no row and doubles none: the file is run again on a
  worker, its partial temporary file never becomes an output, and no
  temporary file is left;
- a rerun redoes only the missing outputs;
- --feed stdin: compressed input decompressed by the runner.

usage: dask_test.py RUNNER NEWSMINE RULES_DIR CORPUS_DIR   (77: no Dask)"""
import glob
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import distributed  # noqa: F401
except ImportError:
    print("python3 cannot import distributed: skipped")
    sys.exit(77)

runner, newsmine, rules, corpus = map(os.path.abspath, sys.argv[1:5])
failures, passed = [], 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL", what, file=sys.stderr, flush=True)


tmp = tempfile.mkdtemp(prefix="newsmine-dask-")
inp = os.path.join(tmp, "in")
os.makedirs(os.path.join(inp, "sub"))
seeds = [json.loads(l) for l in open(os.path.join(corpus, "seeds.jsonl"), encoding="utf-8")]
names = []
for k in range(6):  # JSON Lines with ids, without ids (FILE:LINE), and texts
    name = os.path.join(inp, "sub" if k % 2 else "", f"part-{k}.jsonl")
    with open(name, "w", encoding="utf-8") as f:
        for i in range(40):
            d = dict(seeds[i % len(seeds)])
            if k % 3 == 0:
                d.pop("id", None)
            else:
                d["id"] = f"p{k}-{i}"
            f.write(json.dumps(d) + "\n")
    names.append(name)
slow = os.path.join(inp, "slow-part.jsonl")  # the file whose worker gets killed
shutil.copy(names[1], slow)
names.append(slow)
for t in sorted(glob.glob(os.path.join(corpus, "*.txt"))):
    shutil.copy(t, inp)
    names.append(os.path.join(inp, os.path.basename(t)))

# the newsmine the workers run: for slow-part.jsonl, the first time, it writes
# a few rows, says which worker runs it, and waits for that worker to be killed
mark = os.path.join(tmp, "killed-worker")
wrapper = os.path.join(tmp, "newsmine-wrapper")
with open(wrapper, "w") as f:
    f.write(f"""#!/bin/sh
for last; do :; done
case "$last" in
*slow-part*)
    if [ ! -e "{mark}" ]; then
        "{newsmine}" "$@" > "{mark}.rows"
        head -n 5 "{mark}.rows"
        echo $PPID > "{mark}.tmp" && mv "{mark}.tmp" "{mark}"
        while kill -0 $PPID 2>/dev/null; do sleep 0.1; done
        exit 1
    fi;;
esac
exec "{newsmine}" "$@"
""")
os.chmod(wrapper, 0o755)


def single(files):
    p = subprocess.run([newsmine, "--rules", rules, *files], capture_output=True)
    check(p.returncode == 0, f"single run: {p.stderr.decode()}")
    return p.stdout


def outputs(out):
    found = {}
    for d, _, files in os.walk(out):
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                found[os.path.relpath(os.path.join(d, f), out)] = fh.read()
    return found


def union(found):
    return b"".join(sorted(l + b"\n" for data in found.values() for l in data.splitlines()))


def run_runner(out, *extra, files=None, background=False):
    cmd = [sys.executable, runner, "--local", "2", "--out-dir", out, "--newsmine", wrapper, *extra,
           *(files or [os.path.join(inp, "**", "*")]), "--", "--rules", rules]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


want = single(names)
want_sorted = b"".join(sorted(l + b"\n" for l in want.splitlines()))
out = os.path.join(tmp, "out")

# ------------------------------------------ a worker killed in the middle
proc = run_runner(out, background=True)
deadline = time.monotonic() + 120
while not os.path.exists(mark) and time.monotonic() < deadline and proc.poll() is None:
    time.sleep(0.1)
check(os.path.exists(mark), "the slow file started")
if os.path.exists(mark):
    worker = int(open(mark).read())
    time.sleep(0.5)  # let the worker write the first rows into its temporary file
    partial = glob.glob(os.path.join(out, "**", ".newsmine-tmp.slow-part.*"), recursive=True)
    check(len(partial) == 1 and 0 < open(partial[0], "rb").read().count(b"\n") <= 5,
          f"midway: a temporary file with part of the rows: {partial}")
    check(not os.path.exists(os.path.join(out, "slow-part.jsonl.jsonl")), "midway: no output yet")
    os.kill(worker, signal.SIGKILL)
try:
    stdout, stderr = proc.communicate(timeout=240)
except subprocess.TimeoutExpired:
    proc.kill()
    stdout, stderr = proc.communicate()
check(proc.returncode == 0, f"runner after the kill: status {proc.returncode}: {stderr[-3000:]}")
summary = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {}
check(summary.get("files") == len(names) and summary.get("done") == len(names) and summary.get("failed") == 0,
      f"summary: {summary}")
found = outputs(out)
check(sorted(found) == sorted(os.path.relpath(n, inp) + ".jsonl" for n in names),
      f"one output per input, nothing else (no temporary file): {sorted(found)}")
check(union(found) == want_sorted, "union of the outputs == one process over all files (sorted, byte for byte)")
for n in names:
    got = found.get(os.path.relpath(n, inp) + ".jsonl")
    check(got == single([n]), f"{os.path.basename(n)}: its output == newsmine on it alone")

# ---------------------------------------------- a rerun redoes only the missing
os.unlink(os.path.join(out, "sub", "part-3.jsonl.jsonl"))
p = run_runner(out)
summary = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
check(p.returncode == 0 and summary.get("done") == 1 and summary.get("skipped") == len(names) - 1,
      f"rerun: only the missing output redone: {summary} {p.stderr[-2000:]}")
check(union(outputs(out)) == want_sorted, "rerun: union unchanged")

# ------------------------------------------- --feed stdin, compressed input
zin = os.path.join(tmp, "zin")
os.mkdir(zin)
zfiles = []
for k in (1, 2, 4):  # the files with ids: the same records whatever the source's name
    z = os.path.join(zin, f"part-{k}.jsonl.gz")
    with open(names[k], "rb") as f, gzip.open(z, "wb") as g:
        g.write(f.read())
    zfiles.append(z)
zout = os.path.join(tmp, "zout")
p = run_runner(zout, "--feed", "stdin", files=zfiles)
check(p.returncode == 0, f"--feed stdin: {p.stderr[-2000:]}")
got = union(outputs(zout))
check(got == b"".join(sorted(l + b"\n" for l in single([names[k] for k in (1, 2, 4)]).splitlines())),
      "--feed stdin: gzip input gives the records of the plain files")

shutil.rmtree(tmp, ignore_errors=True)
print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
