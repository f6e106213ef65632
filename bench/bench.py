#!/usr/bin/env python3
"""Throughput of newsmine on a corpus, next to baselines measured in the same run.

Run through bench/run.sh, which builds the Release binary first:

    sh bench/run.sh /path/to/news.jsonl [--runs 5] [--big] [--quick] [--no-db]

Every figure is the median of --runs runs (wall time; input bytes / wall time
for MB/s); peak RSS is the largest of the runs. The corpus is read where it
lies and never copied into the repository. docs/performance.md says how to
read the table.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COUNT_REGEX = r"\b[0-9][0-9,]* (soldiers|troops|people|civilians|officers|police)\b"


def run_once(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Wall seconds, peak RSS (KiB), stderr text of one run."""
    err = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=err)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    text = err.read().decode("utf-8", "replace")
    if p.returncode not in (0, 1):
        sys.exit("bench: %s failed (status %d): %s" % (" ".join(cmd), p.returncode, text[-500:]))
    return wall, usage.ru_maxrss, text


def measure(cmd, runs):
    walls, rss, text = [], 0, ""
    for _ in range(runs):
        w, r, text = run_once(cmd)
        walls.append(w)
        rss = max(rss, r)
    return statistics.median(walls), walls, rss, text


def by_turns(runs, kinds):
    """Runs every (name, run) of kinds once per round, runs rounds: a change
    in the machine's load hits all alike. run() returns what run_once does.
    {name: (walls, peak RSS, stderr of the last run)}."""
    results = {name: ([], 0, "") for name, _ in kinds}
    for _ in range(runs):
        for name, run in kinds:
            w, r, err = run()
            walls, rss, _ = results[name]
            walls.append(w)
            results[name] = (walls, max(rss, r), err)
    return results


def stats_of(stderr_text):
    for line in reversed(stderr_text.splitlines()):
        if line.startswith("{") and '"documents"' in line:
            return json.loads(line)
    return None


def rules_variant(src, dest, cities=None, extra_rule=None):
    """A copy of the rules with the cities gazetteer cut to `cities` names,
    or with one more rule file."""
    shutil.copytree(src, dest)
    if cities is not None:
        path = os.path.join(dest, "en", "places-cities.tsv")
        lines = open(path, encoding="utf-8").read().splitlines()
        head = [l for l in lines if l.startswith("#") or l.startswith("name\t")]
        rows = [l for l in lines if not (l.startswith("#") or l.startswith("name\t"))]
        if len(rows) < cities:
            sys.exit("bench: only %d cities to choose from" % len(rows))
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(head + rows[:cities]) + "\n")
    if extra_rule:
        with open(os.path.join(dest, "en", "zz-bench.rules"), "w", encoding="utf-8") as f:
            f.write(extra_rule)
    return dest


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary directory, listening on
    a Unix socket only; default settings (fsync on)."""

    def __init__(self, tmp):
        initdb = shutil.which("initdb") or (sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [None])[-1]
        if not initdb:
            raise RuntimeError("PostgreSQL server programs not found (apt-get install postgresql)")
        bindir = os.path.dirname(initdb)
        self.dir = os.path.join(tmp, "pg")
        os.mkdir(self.dir)
        self.as_user = []
        if os.geteuid() == 0:  # initdb refuses root
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        subprocess.run(self.as_user + [initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                       "--locale=C.UTF-8"], **quiet)
        subprocess.run(self.as_user + [os.path.join(bindir, "pg_ctl"), "-D", data, "-o",
                                       "-k %s -c listen_addresses=''" % self.dir,
                                       "-l", os.path.join(self.dir, "log"), "-w", "start"], **quiet)
        self.stop_cmd = self.as_user + [os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "fast", "stop"]

    def url(self, db):
        return "postgresql:///%s?host=%s&user=postgres" % (db, self.dir)

    def fresh(self, db):
        subprocess.run(["psql", "-X", "-q", "-d", self.url("postgres"), "-c", "DROP DATABASE IF EXISTS %s" % db,
                        "-c", "CREATE DATABASE %s" % db], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))

    def stop(self):
        subprocess.run(self.stop_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure_loads(a, corpus):
    """JSON Lines output against loading into SQLite and PostgreSQL, run by
    turns (one of each per round) so that a change in the machine's load
    hits all alike. A fresh database every run; then a run again over the
    full database (everything already there)."""
    tmp = tempfile.mkdtemp(prefix="newsmine-bench-db-")
    os.chmod(tmp, 0o755)  # the server's user goes through it
    pg = None
    try:
        try:
            pg = ThrowawayPostgres(tmp)
        except (RuntimeError, subprocess.CalledProcessError, KeyError) as e:
            print("bench: PostgreSQL skipped: %s" % e)
        base = [a.bin, "--rules", a.rules, "--stats", "--quiet", "--threads", str(a.threads)]
        db = os.path.join(tmp, "bench.db")
        out_path = os.path.join(tmp, "out.jsonl")

        def to_file():
            with open(out_path, "wb") as f:
                return run_once(base + [corpus], stdout=f)

        def into(url, setup):
            def run():
                setup()
                return run_once(base + ["--out", url, corpus])
            return run

        def fresh_sqlite():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        kinds = [("JSON Lines to a file", None, to_file),
                 ("--out sqlite: (new database)", "sqlite:" + db, into("sqlite:" + db, fresh_sqlite))]
        if pg:
            kinds.append(("--out postgresql:// (new database)", pg.url("bench"),
                          into(pg.url("bench"), lambda: pg.fresh("bench"))))
        results = by_turns(a.runs, [(name, run) for name, _, run in kinds])
        again = []
        for name, url, _ in kinds[1:]:
            w, ws, r, err = measure(base + ["--out", url, corpus], a.runs)
            again.append((name.replace("(new database)", "(again: all there)"), w, ws, r, stats_of(err)))
        fresh = [(name, walls, rss, stats_of(err)) for name, (walls, rss, err) in results.items()]
        return fresh, again
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, load average %s" % (model, os.cpu_count(),
                                              " ".join(open("/proc/loadavg").read().split()[:3]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-bench", "newsmine"))
    ap.add_argument("--scan", default=os.path.join(ROOT, "build-bench", "pcre2scan"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--big", action="store_true", help="also ~1 GB of input (the corpus repeated, through a pipe)")
    ap.add_argument("--quick", action="store_true", help="skip the gazetteer and rule-cost variants")
    ap.add_argument("--no-db", action="store_true", help="skip loading into SQLite and PostgreSQL")
    a = ap.parse_args()

    size = os.path.getsize(a.corpus)
    mb = size / 1e6
    rows = []

    def row(name, wall, walls, rss=None, docs=None, ents=None, note=""):
        rows.append((name, wall, walls, rss, docs, ents, note))

    print("newsmine bench: %s (%.1f MB), %d runs each, median wall time" % (a.corpus, mb, a.runs))
    print("machine: %s" % machine())
    sys.stdout.flush()

    # baselines
    w, ws, r, _ = measure(["cat", a.corpus], a.runs)
    row("cat", w, ws, r)
    rg = shutil.which("rg")
    if rg:
        w, ws, r, _ = measure([rg, "-c", COUNT_REGEX, a.corpus], a.runs)
        row("ripgrep -c (count regex)", w, ws, r)
    else:
        rows.append(("ripgrep: not installed (apt-get install ripgrep)", None, [], None, None, None, ""))
    table = os.path.join(a.rules, "en", "places-countries.tsv")
    w, ws, r, _ = measure([a.scan, table, a.corpus, "200"], a.runs)
    row("pcre2-jit, 200 country names", w, ws, r)

    # newsmine's own floor: reading, decoding, normalising, tokenising and the
    # matcher's walk over the tokens, with one rule that never matches
    floor_dir = tempfile.mkdtemp(prefix="newsmine-floor-")
    try:
        with open(os.path.join(floor_dir, "floor.rules"), "w", encoding="utf-8") as f:
            f.write("rule never\n  type org\n  trigger Zeppelinwerk\n  pattern Zeppelinwerk\nend\n")
        w, ws, r, _ = measure([a.bin, "--rules", floor_dir, "--quiet", "--threads", "1", a.corpus],
                              a.runs)
        row("newsmine floor: 1 rule, no match", w, ws, r)
    finally:
        shutil.rmtree(floor_dir, ignore_errors=True)

    # newsmine, all rules
    base = [a.bin, "--rules", a.rules, "--stats", "--quiet"]
    one = None
    for n in sorted({1, a.threads}):
        w, ws, r, err = measure(base + ["--threads", str(n), a.corpus], a.runs)
        s = stats_of(err) or {}
        ents = sum(s.get("entities", {}).values())
        row("newsmine --threads %d" % n, w, ws, r, s.get("documents"), ents)
        if n == 1:
            one = w
        else:
            rows[-1] = rows[-1][:6] + ("%.2fx one thread" % (one / w),)

    # start-up: load and compile every rule
    w, ws, r, _ = measure([a.bin, "--check-rules", a.rules], a.runs)
    startup = w

    variants = []
    if not a.quick:
        tmp = tempfile.mkdtemp(prefix="newsmine-bench-")
        try:
            small = rules_variant(a.rules, os.path.join(tmp, "cities300"), cities=300)
            large = rules_variant(a.rules, os.path.join(tmp, "cities30000"), cities=30000)
            rare = rules_variant(a.rules, os.path.join(tmp, "rare-rule"), extra_rule=(
                "rule bench_rare\n  type org\n  trigger Zeppelinwerk\n"
                "  pattern Zeppelinwerk \\s+ [A-Z]\\w+\nend\n"))
            every = rules_variant(a.rules, os.path.join(tmp, "any-rule"), extra_rule=(
                "rule bench_any\n  type org\n  trigger %any\n"
                "  pattern (?i:zeppelin) \\w* \\s+ [A-Z]\\w+\nend\n"))
            # by turns, one run of each per round, with the shipped rules
            # again as the reference: a change in the machine's load hits all
            kinds = (("all rules (reference)", a.rules), ("cities gazetteer 300 names", small),
                     ("cities gazetteer 30,000 names", large), ("+1 rule on a rare word", rare),
                     ("+1 rule on every token", every))
            results = by_turns(a.runs, [
                (name, lambda d=d: run_once([a.bin, "--rules", d, "--quiet", "--threads", "1", a.corpus]))
                for name, d in kinds])
            for name, (walls, rss, _) in results.items():
                variants.append((name, statistics.median(walls), walls, rss))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    loads = None
    if not a.no_db:
        loads = measure_loads(a, a.corpus)

    big = None
    if a.big:
        copies = max(1, int(1e9 // size) + 1)
        feeder = subprocess.Popen(["sh", "-c", 'i=0; while [ $i -lt %d ]; do cat "$0"; i=$((i+1)); done' % copies,
                                   a.corpus], stdout=subprocess.PIPE)
        w, r, err = run_once(base + ["--threads", str(a.threads), "--input", "jsonl", "-"], stdin=feeder.stdout)
        feeder.stdout.close()
        feeder.wait()
        big = (copies * size, w, r)

    # the table
    print()
    print("%-34s %9s %9s %10s %12s %9s  %s" % ("", "seconds", "MB/s", "docs/s", "entities/s", "peak MiB", ""))
    for name, wall, walls, rss, docs, ents, note in rows:
        if wall is None:
            print(name)
            continue
        print("%-34s %9.3f %9.1f %10s %12s %9s  %s" % (
            name, wall, mb / wall,
            "%.0f" % (docs / wall) if docs else "", "%.0f" % (ents / wall) if ents else "",
            "%.1f" % (rss / 1024) if rss else "", note))
    print()
    print("start-up (--check-rules: load and compile every rule): %.1f ms" % (startup * 1000))
    if variants:
        ref = {name: w for name, w, _, _ in variants}
        for name, w, _, r in variants:
            print("%-34s %9.3f s %9.1f MB/s  peak %.1f MiB" % (name, w, mb / w, r / 1024))
        print("gazetteer 30,000 / 300 names: %.2fx time" % (ref["cities gazetteer 30,000 names"] /
                                                          ref["cities gazetteer 300 names"]))
        base_rules = ref["all rules (reference)"]
        print("+1 rule on a rare word: %.2fx, +1 rule on every token: %.2fx the time of all rules (--threads 1)"
              % (ref["+1 rule on a rare word"] / base_rules, ref["+1 rule on every token"] / base_rules))
    if loads:
        fresh, again = loads
        print()
        print("loading, --threads %d, by turns (%d rounds):" % (a.threads, a.runs))
        json_wall = statistics.median(fresh[0][1])
        for name, walls, rss, st in fresh:
            w = statistics.median(walls)
            db = (st or {}).get("db", {})
            print("%-38s %8.3f s %8.1f MB/s  peak %6.1f MiB  %s  %s" % (
                name, w, mb / w, rss / 1024, "%3.0f %% of JSON Lines speed" % (100 * json_wall / w),
                "rows %d + %d, indexes %.2f s" % (db.get("documents_written", 0), db.get("entities_written", 0),
                                                  db.get("finish_seconds", 0)) if db else ""))
        for name, w, ws, rss, st in again:
            db = (st or {}).get("db", {})
            print("%-38s %8.3f s %8.1f MB/s  peak %6.1f MiB  new rows %d, already there %d" % (
                name, w, mb / w, rss / 1024, db.get("documents_written", 0) + db.get("entities_written", 0),
                db.get("documents_present", 0) + db.get("entities_present", 0)))
    if big:
        n, w, r = big
        print("%.2f GB through a pipe, --threads %d: %.1f s, %.1f MB/s, peak RSS %.1f MiB"
              % (n / 1e9, a.threads, w, n / 1e6 / w, r / 1024))
    print("machine after: %s" % machine())


if __name__ == "__main__":
    main()
