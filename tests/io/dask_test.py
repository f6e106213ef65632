#!/usr/bin/env python3
"""contrib/dask/newsmine_dask.py on a LocalCluster of two worker processes:

- the union of the per-file outputs equals one newsmine process over all the
  files, sorted, byte for byte, and every output equals newsmine on its file;
- a worker killed midway through a file (SIGKILL, after it wrote part of that
  file's rows) loses no row and doubles none: the file is run again on a
  worker, its partial temporary file never becomes an output, and no
  temporary file is left;
- a rerun redoes only the missing outputs;
- --feed stdin: compressed input decompressed by the runner;
- --out postgresql://, when PostgreSQL's server programs are installed (a
  throwaway cluster on a Unix socket, tests/io/pgcluster.py; skipped with a
  message otherwise): the rows equal those of one newsmine process loading
  all the files into a fresh database, and newsmine's JSON Lines; every
  input gets its .done marker; a worker killed while its newsmine is midway
  through a file (20 of its 60 documents committed) leaves whole documents
  only, its newsmine does not outlive it, and the file's rerun completes the
  rows without doubling any; a rerun adds no row, whether the markers skip
  the files or newsmine finds their documents present; a database error
  (status 4) fails the file and leaves no marker.

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
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgcluster  # noqa: E402
from checks import check, finish  # noqa: E402

try:
    import distributed  # noqa: F401
except ImportError:
    print("python3 cannot import distributed: skipped")
    sys.exit(77)

runner, newsmine, rules, corpus = map(os.path.abspath, sys.argv[1:5])


tmp = tempfile.mkdtemp(prefix="newsmine-dask-")
os.chmod(tmp, 0o755)  # the PostgreSQL part's server runs as postgres when this runs as root
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


def run_runner(out, *extra, files=None, background=False, prog=wrapper):
    cmd = [sys.executable, runner, "--local", "2", "--out-dir", out, "--newsmine", prog, *extra,
           *(files or [os.path.join(inp, "**", "*")]), "--", "--rules", rules]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def summary_of(text):
    """The runner's closing JSON line, or {}."""
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def finish_after_kill(proc, what, nfiles):
    """Waits for a runner one of whose workers was killed: it must end well
    and count every file done, none failed."""
    try:
        stdout, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    check(proc.returncode == 0, f"{what} after the kill: status {proc.returncode}: {stderr[-3000:]}")
    summary = summary_of(stdout)
    check(summary.get("files") == nfiles and summary.get("done") == nfiles and summary.get("failed") == 0,
          f"{what} summary: {summary}")


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
finish_after_kill(proc, "runner", len(names))
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
summary = summary_of(p.stdout)
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

# -------------------------------------------------- --out postgresql://...
def gone(pid):
    """True when the process has ended (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def postgresql_part(initdb):
    pg = pgcluster.PgCluster(tmp, check, initdb)
    try:
        postgresql_checks(pg)
    except Exception:
        check(False, "the PostgreSQL part: " + traceback.format_exc())
    finally:
        pg.stop()


def postgresql_checks(pg):
    # the inputs: those above but slow-part.jsonl (a copy of part-1.jsonl, ids
    # included, so its documents would be present already), and a file whose
    # first run stalls after 20 of its 60 documents
    pgin = os.path.join(tmp, "pgin")
    os.mkdir(pgin)
    stall = os.path.join(pgin, "pg-stall.jsonl")
    with open(stall, "w", encoding="utf-8") as f:
        for i in range(60):
            f.write(json.dumps(dict(seeds[i % len(seeds)], id=f"stall-{i}")) + "\n")
    files = [n for n in names if n != slow] + [stall]

    # the newsmine the workers run: for pg-stall.jsonl, the first time, newsmine
    # reads the file from a pipe that gives it 20 documents (committed, --batch
    # 5), says which worker runs it, then nothing until that worker is dead;
    # then the rest, slowly, as a newsmine midway through a long file would go on
    pgmark = os.path.join(tmp, "pg-killed-worker")
    pgwrapper = os.path.join(tmp, "newsmine-pg-wrapper")
    with open(pgwrapper, "w") as f:
        f.write(f"""#!{sys.executable}
import os, signal, sys, time
newsmine, mark = {newsmine!r}, {pgmark!r}
args = sys.argv[1:]
if args and args[-1].endswith("pg-stall.jsonl") and not os.path.exists(mark):
    worker = os.getppid()
    with open(args[-1], "rb") as f:
        lines = f.readlines()
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(r)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        try:
            os.write(w, b"".join(lines[:20]))
            with open(mark + ".tmp", "w") as m:
                m.write(f"{{worker}} {{os.getppid()}}")
            os.rename(mark + ".tmp", mark)
            while True:
                try:
                    os.kill(worker, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            for line in lines[20:]:
                os.write(w, line)
                time.sleep(0.25)
        except OSError:  # newsmine is gone
            pass
        os._exit(0)
    os.close(w)
    os.dup2(r, 0)
    os.close(r)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.execv(newsmine, [newsmine, *args[:-1], "--batch", "5", "-"])
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execv(newsmine, [newsmine, *args])
""")
    os.chmod(pgwrapper, 0o755)

    def documents():
        return sorted(r[0] for r in pg.rows("SELECT id FROM documents"))

    def entities():
        return sorted((d, t, int(s), int(e), x) for d, t, s, e, x in
                      pg.rows('SELECT doc, type, start, "end", text FROM entities'))

    def per_document():
        return {d: int(n) for d, n in
                pg.rows("SELECT d.id, count(e.doc) FROM documents d LEFT JOIN entities e ON e.doc = d.id GROUP BY d.id")}

    # the reference: one newsmine process over all the files into a fresh database
    pg.fresh()
    p = subprocess.run([newsmine, "--rules", rules, "--out", pg.url(pg.db), *files], capture_output=True, text=True)
    check(p.returncode == 0, f"pg: one newsmine process loading all the files: {p.stderr}")
    want_docs, want_ents, want_per_doc = documents(), entities(), per_document()
    records = [json.loads(l) for l in single(files).splitlines()]
    check(want_ents == sorted((e["doc"], e["type"], e["start"], e["end"], e["text"]) for e in records)
          and len(want_ents) > 0, "pg: the one process's entity rows == its JSON Lines records")
    check(len(want_docs) == len(set(want_docs)) == 60 + 40 * 6 + len(names) - 7,
          f"pg: the one process's documents: {len(want_docs)}")

    # the runner, a worker killed while its newsmine is midway through pg-stall.jsonl
    url = pg.fresh()
    pgout = os.path.join(tmp, "pgout")
    proc = run_runner(pgout, "--out", url, files=files, prog=pgwrapper, background=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(pgmark) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    check(os.path.exists(pgmark), "pg: the stalled file started")
    if os.path.exists(pgmark):
        worker, loader = map(int, open(pgmark).read().split())
        stalled = -1
        while time.monotonic() < deadline and stalled < 20:
            try:
                stalled = int(pg.rows("SELECT count(*) FROM documents WHERE id LIKE 'stall-%'", quiet=True)[0][0])
            except (RuntimeError, IndexError):  # no tables yet
                pass
            time.sleep(0.1)
        check(stalled == 20, f"pg midway: 20 of the stalled file's 60 documents committed: {stalled}")
        check(not glob.glob(os.path.join(pgout, "**", "pg-stall*.done"), recursive=True), "pg midway: no marker yet")
        os.kill(worker, signal.SIGKILL)
        t0 = time.monotonic()
        partial = {d: n for d, n in per_document().items() if n != want_per_doc.get(d)}
        check(not partial, f"pg after the kill: every document has all its entities: {list(partial.items())[:3]}")
        if shutil.which("setpriv"):  # the runner's way to tie newsmine to its worker
            while not gone(loader) and time.monotonic() - t0 < 5:
                time.sleep(0.1)
            check(gone(loader), "pg after the kill: the killed worker's newsmine ended with it")
        else:
            print("no setpriv: a newsmine outliving its killed worker is not checked")
    finish_after_kill(proc, "pg runner", len(files))
    check(documents() == want_docs, "pg: documents == those of one process (none doubled, none missing)")
    check(entities() == want_ents, "pg: entity rows (doc,type,start,end,text) == those of one process, none doubled")
    markers = {os.path.relpath(os.path.join(d, f), pgout) for d, _, fs in os.walk(pgout) for f in fs}
    check(markers == {os.path.relpath(n, tmp) + ".jsonl.done" for n in files},
          f"pg: one .done marker per input, nothing else (no temporary file): {sorted(markers)}")
    m = os.path.join(pgout, os.path.relpath(stall, tmp) + ".jsonl.done")
    check(os.path.exists(m) and json.loads(open(m).read()).get("status") == 0, "pg: the marker's status")

    # rerun: the marked files are skipped; the unmarked ones find their documents present
    unmarked = list(dict.fromkeys(files[::2] + [stall]))
    for n in unmarked:
        os.unlink(os.path.join(pgout, os.path.relpath(n, tmp) + ".jsonl.done"))
    p = run_runner(pgout, "--out", url, files=files, prog=pgwrapper)
    summary = summary_of(p.stdout)
    check(p.returncode == 0 and summary.get("done") == len(unmarked)
          and summary.get("skipped") == len(files) - len(unmarked),
          f"pg rerun: the marked files skipped, the others run: {summary} {p.stderr[-2000:]}")
    check(summary.get("documents_written") == 0 and summary.get("entities_written") == 0
          and summary.get("documents_present", 0) > 0,
          f"pg rerun: newsmine found every document present: {summary}")
    check(documents() == want_docs and entities() == want_ents, "pg rerun: no row added")
    check(all(os.path.exists(os.path.join(pgout, os.path.relpath(n, tmp) + ".jsonl.done")) for n in files),
          "pg rerun: every marker back")

    # a database error: status 4, the file failed (after its retry), no marker
    badout = os.path.join(tmp, "pgbad")
    p = run_runner(badout, "--out", f"postgresql:///x?host={tmp}/nowhere&user=postgres", files=files[:2])
    summary = summary_of(p.stdout)
    check(p.returncode == 1 and summary.get("failed") == 2 and summary.get("done") == 0
          and "status 4" in p.stderr and "cannot connect to PostgreSQL" in p.stderr,
          f"pg: no server: status 4, the files failed: {p.returncode} {summary} {p.stderr[-2000:]}")
    check(not [f for _, _, fs in os.walk(badout) for f in fs], "pg: no server: no marker, no temporary file")


initdb = pgcluster.server_programs()
if initdb:
    postgresql_part(initdb)
else:
    print("PostgreSQL server programs (initdb, psql) not found: the --out postgresql:// part skipped")


shutil.rmtree(tmp, ignore_errors=True)
finish()
