#!/usr/bin/env python3
"""Run newsmine over many input files on a Dask cluster: one newsmine
process per input file, on whichever worker is free, its output written
atomically (a temporary file renamed into place), so that

  - a worker killed midway leaves no partial output: the scheduler runs the
    file again elsewhere, and only a finished run is renamed into place;
  - a rerun of the same command redoes only the files whose output is missing.

  newsmine_dask.py --local 4 --out-dir out/ 'dumps/*.jsonl.gz' -- --types place,count
  newsmine_dask.py --scheduler tcp://head:8786 --out-dir /shared/out/ '/shared/dumps/**/*.jsonl'

The paths must mean the same on every worker (a shared file system), and so
must --newsmine (the default: "newsmine" on each worker's PATH). Everything
after "--" goes to newsmine as it is. Outputs: OUT_DIR/RELATIVE_PATH + SUFFIX,
RELATIVE_PATH being the input's path below the inputs' common directory.

With --out URL (postgresql://... or sqlite:PATH), newsmine loads each file's
rows into that database itself, idempotently: a document's rows land all or
none, and a document already there is skipped with its entities. The
outputs are then OUTPUT.done markers, written once newsmine ended with
status 0 or 1, and the summary counts the documents and entities written
and found present.

Status 0 when every file was done (or already there), 1 when some failed
(each is named on stderr), 2 for a usage error. See README.md here for
clusters, Spark and Hadoop Streaming."""
import argparse
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid

TMP_MARK = ".newsmine-tmp."
DB_COUNTS = ("documents_written", "documents_present", "entities_written", "entities_present")
_die_with_parent = None


def die_with_parent():
    """A command prefix that makes newsmine die with the worker process that
    started it (setpriv --pdeathsig, Linux): with --out, newsmine writes
    nothing into the worker's pipe, so no broken pipe would stop it, and it
    would go on loading beside the task's rerun. [] where setpriv cannot."""
    global _die_with_parent
    if _die_with_parent is None:
        _die_with_parent = []
        setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
        if setpriv:
            try:
                ok = subprocess.run([setpriv, "--pdeathsig", "KILL", "--", sys.executable, "-c", ""],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=60).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
            if ok:
                _die_with_parent = [setpriv, "--pdeathsig", "KILL", "--"]
    return _die_with_parent


def output_path(out_dir, root, path, suffix):
    rel = os.path.relpath(os.path.abspath(path), root)
    return os.path.join(out_dir, rel + suffix)


def _open_decompressed(path):
    """--feed stdin: the file's bytes, decompressed by content (only for old
    newsmine builds: newsmine now reads compressed files and archives itself,
    so --feed path, the default, works for .gz and the like)."""
    import bz2
    import gzip
    import lzma
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb"), None
    if magic[:3] == b"BZh":
        return bz2.open(path, "rb"), None
    if magic[:6] == b"\xfd7zXZ\x00":
        return lzma.open(path, "rb"), None
    if magic[:4] == b"\x28\xb5\x2f\xfd":
        p = subprocess.Popen(["zstd", "-dc", path], stdout=subprocess.PIPE)
        return p.stdout, p
    return open(path, "rb"), None


def run_one(path, out_path, newsmine, args, feed="path", out_url=None):
    """One input file -> one output file (or rows in a database). Runs on a
    worker. Returns a small report; raises when newsmine failed (the
    temporary file is removed then)."""
    done = out_path if out_url is None else out_path + ".done"
    if os.path.exists(done):
        return {"input": path, "output": done, "skipped": True}
    os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
    tmp = os.path.join(os.path.dirname(out_path),
                       f"{TMP_MARK}{os.path.basename(out_path)}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    program = shutil.which(newsmine)
    if program is None:
        raise FileNotFoundError(f"{newsmine}: no such program on {socket.gethostname()}")
    # the signal is sent when the thread that starts newsmine ends: this one,
    # which waits for newsmine below, so only when the worker dies
    cmd = [*die_with_parent(), program, *args]
    if out_url is not None:
        # newsmine --out postgresql://... writes the rows itself, idempotently;
        # the output file is then only a marker that this input is done.
        # --stats: its last line on stderr counts the rows written and present.
        cmd += ["--out", out_url]
        if "--stats" not in args:
            cmd.append("--stats")
    cmd.append(path if feed == "path" else "-")
    source, helper = (None, None) if feed == "path" else _open_decompressed(path)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if source else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # newsmine writes into a pipe that this worker reads: when the worker dies,
    # newsmine's next write fails (EPIPE) and it ends; no newsmine outlives it.
    # (No preexec_fn: it is unsafe in a multi-threaded worker.)
    feeder = None
    if source:
        def feed_stdin():
            try:
                while True:
                    chunk = source.read(1 << 20)
                    if not chunk:
                        break
                    proc.stdin.write(chunk)
            except BrokenPipeError:
                pass
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
                source.close()
                if helper:
                    helper.wait()
        feeder = threading.Thread(target=feed_stdin, daemon=True)
        feeder.start()
    errors = []
    err_reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    err_reader.start()
    rows = 0
    try:
        with open(tmp, "wb") as out:
            while True:
                chunk = proc.stdout.read1(1 << 20)
                if not chunk:
                    break
                rows += chunk.count(b"\n")
                out.write(chunk)
                out.flush()
            rc = proc.wait()
            if feeder:
                feeder.join()
            err_reader.join()
            stderr = b"".join(errors).decode(errors="replace")
            # 1: some documents rejected, the rest done (reported); 2 usage,
            # 3 rules, 4 the output or the database (nothing marked done: a
            # rerun loads what is missing), 5 internal
            if rc not in (0, 1):
                raise RuntimeError(f"newsmine exited with status {rc} on {path}: {stderr.strip()[-2000:]}")
            messages = stderr.strip().splitlines()
            db = {}
            if out_url is not None:
                try:
                    db = json.loads(messages[-1])["db"]
                    messages.pop()
                except (IndexError, ValueError, KeyError, TypeError):
                    db = {}
                db = {k: db[k] for k in DB_COUNTS if isinstance(db.get(k), int)}
                out.write(json.dumps({"input": path, "status": rc, **db}).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, done)  # atomic: the output is whole or absent
        try:
            fd = os.open(os.path.dirname(done) or ".", os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        except OSError:
            pass
    except BaseException:
        proc.kill()
        proc.wait()
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return {"input": path, "output": done, "skipped": False, "rows": rows, "status": rc,
            "db": db, "messages": messages[-5:]}


def remove_stale_temporaries(out_dir):
    """Temporary files of runs killed midway (their worker died)."""
    n = 0
    for d, _, files in os.walk(out_dir):
        for f in files:
            if f.startswith(TMP_MARK):
                try:
                    os.unlink(os.path.join(d, f))
                    n += 1
                except FileNotFoundError:
                    pass
    return n


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    newsmine_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, newsmine_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="files or glob patterns (quoted; ** recurses)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running scheduler (tcp://host:8786)")
    where.add_argument("--local", type=int, metavar="N", help="start a local cluster of N worker processes")
    ap.add_argument("--out-dir", required=True, help="where the outputs go (shared by the workers)")
    ap.add_argument("--suffix", default=".jsonl", help="added to each output's name (default .jsonl)")
    ap.add_argument("--newsmine", default="newsmine", help="the newsmine program on the workers")
    ap.add_argument("--out", dest="out_url", metavar="URL",
                    help="write into this database (newsmine --out URL) instead of files")
    ap.add_argument("--feed", choices=["path", "stdin"], default="path",
                    help="path: newsmine opens the file (default); stdin: this runner decompresses "
                         "it and pipes it in (ids then say stdin)")
    ap.add_argument("--retries", type=int, default=1, help="re-runs of a file whose newsmine failed")
    a = ap.parse_args(argv)

    files = []
    for pattern in a.inputs:
        matched = sorted(glob.glob(pattern, recursive=True)) or ([pattern] if os.path.exists(pattern) else [])
        if not matched:
            print(f"newsmine_dask: {pattern}: no such file", file=sys.stderr)
        files += [os.path.abspath(m) for m in matched if os.path.isfile(m)]
    files = list(dict.fromkeys(files))
    if not files:
        print("newsmine_dask: no input files", file=sys.stderr)
        return 2
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    out_dir = os.path.abspath(a.out_dir)
    os.makedirs(out_dir, exist_ok=True)

    from distributed import Client, LocalCluster, as_completed
    cluster = LocalCluster(n_workers=a.local, threads_per_worker=1, processes=True,
                           dashboard_address=None) if a.local else None
    client = Client(cluster if cluster else a.scheduler)
    try:
        futures = [client.submit(run_one, f, output_path(out_dir, root, f, a.suffix), a.newsmine,
                                 newsmine_args, a.feed, a.out_url, key=f"newsmine-{uuid.uuid4().hex}",
                                 retries=a.retries, pure=False)
                   for f in files]
        done = skipped = failed = rows = 0
        db = dict.fromkeys(DB_COUNTS, 0)
        for future in as_completed(futures):
            try:
                r = future.result()
            except Exception as e:  # the file's newsmine failed, or its worker died too often
                failed += 1
                print(f"newsmine_dask: failed: {e}", file=sys.stderr)
                continue
            if r["skipped"]:
                skipped += 1
            else:
                done += 1
                rows += r["rows"]
                for k, v in r["db"].items():
                    db[k] += v
                for m in r["messages"]:
                    print(f"newsmine_dask: {r['input']}: {m}", file=sys.stderr)
        stale = remove_stale_temporaries(out_dir)
        summary = {"files": len(files), "done": done, "skipped": skipped, "failed": failed,
                   "rows": rows, "stale_temporaries_removed": stale}
        if a.out_url is not None:  # what the files run now wrote and found present
            summary.update(db)
        print(json.dumps(summary))
        return 1 if failed else 0
    finally:
        client.close()
        if cluster:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
