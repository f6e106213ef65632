#!/usr/bin/env python3
"""From a dump to a database, end to end, for SQLite or PostgreSQL:

  load_test.py sqlite|postgresql --driver D --newsmine N --test-sink T --rules R --corpus C

- loads the seeds and the corpus, checks the row counts and every entity row
  against newsmine's JSON Lines (entity ids recomputed with hashlib), and runs
  real queries (places per document, personnel counted per country);
- loads again: nothing doubles; the load reports every row as already there;
- kills a load midway (SIGKILL, after its first commits): every document in
  the database has all of its entities; the rerun completes without duplicates;
- errors in words with exit status 4;
- PostgreSQL: a throwaway cluster in a temporary directory, listening on a
  Unix socket only (started as the postgres user when run as root); the sink's
  unit test against it; the pipe recipes (newsmine --format csv|tsv | psql
  -c "\\copy ..."), plain and idempotent through a staging table;
- prints the load speed against JSON Lines output (bench/ reports it).

Exit status 77 (skipped) when PostgreSQL's server programs are not installed."""
import argparse
import csv
import glob
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgcluster import PgCluster, server_programs  # noqa: E402
from checks import check, entity_id, finish  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("kind", choices=["sqlite", "postgresql"])
ap.add_argument("--driver", required=True)
ap.add_argument("--newsmine", required=True)
ap.add_argument("--test-sink", required=True)
ap.add_argument("--rules", required=True)
ap.add_argument("--corpus", required=True)
a = ap.parse_args()
csv.field_size_limit(1 << 30)


tmp = tempfile.mkdtemp(prefix="newsmine-load-")
os.chmod(tmp, 0o755)
inputs = [os.path.join(a.corpus, "seeds.jsonl")] + sorted(glob.glob(os.path.join(a.corpus, "*.txt")))

# a bulk dump for the kill and speed cases: the seeds again and again, new ids
seeds = [json.loads(l) for l in open(inputs[0], encoding="utf-8")]
bulk = os.path.join(tmp, "bulk.jsonl")
with open(bulk, "w", encoding="utf-8") as f:
    for i in range(600):
        for j, d in enumerate(seeds):
            f.write(json.dumps(dict(d, id=f"bulk-{i:04d}-{j}")) + "\n")
    # a text with a line that is exactly "\." (COPY's end-of-data marker)
    f.write(json.dumps({"id": "backslash-dot", "text": "Troops left Mali.\n\\.\n20 soldiers stayed in Gao."}) + "\n")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def reference(files):
    p = run([a.newsmine, "--rules", a.rules, *files])
    check(p.returncode == 0, f"newsmine reference: {p.stderr}")
    ents = [json.loads(l) for l in p.stdout.splitlines()]
    p = run([a.newsmine, "--rules", a.rules, "--emit", "documents", *files])
    docs = [json.loads(l) for l in p.stdout.splitlines()]
    return ents, docs


def entity_key(doc, type_, start, end, text, norm, rule):
    return (doc, type_, int(start), int(end), text, json.dumps(norm, sort_keys=True), rule)


ref_ents, ref_docs = reference(inputs)
bulk_ents, bulk_docs = reference([bulk])
per_doc = {}
for e in bulk_ents:
    per_doc[e["doc"]] = per_doc.get(e["doc"], 0) + 1

# ------------------------------------------------------------- databases


class SQLite:
    name = "sqlite"

    def __init__(self):
        self.n = 0

    def fresh(self):
        self.n += 1
        self.path = os.path.join(tmp, f"db{self.n}.sqlite")
        return "sqlite:" + self.path

    def rows(self, sql, quiet=False):
        con = sqlite3.connect(self.path)
        try:
            return [tuple(r) for r in con.execute(sql)]
        finally:
            con.close()

    def entities(self):
        return self.rows('SELECT id, doc, type, start, "end", text, norm, rule FROM entities')

    def indexes(self):
        return sorted(r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = 'entities'"))

    places_sql = "SELECT doc, count(*) FROM entities WHERE type = 'place' GROUP BY doc ORDER BY doc"
    personnel_sql = """
        SELECT json_extract(p.norm, '$.country') AS country, sum(json_extract(c.norm, '$.value'))
        FROM entities c JOIN entities p ON p.doc = c.doc AND p.type = 'place'
             AND json_extract(p.norm, '$.kind') = 'country'
        WHERE c.type = 'count' AND json_extract(c.norm, '$.category') = 'personnel'
        GROUP BY country ORDER BY country"""


class Postgres(PgCluster):
    name = "postgresql"

    def __init__(self):
        initdb = server_programs()
        if not initdb:
            print("PostgreSQL server programs not found: skipped")
            sys.exit(77)
        super().__init__(tmp, check, initdb)

    def entities(self):
        return self.rows('SELECT id, doc, type, start, "end", text, norm, rule FROM entities')

    def indexes(self):
        return sorted(r[0] for r in self.rows("SELECT indexname FROM pg_indexes WHERE tablename = 'entities'"))

    places_sql = "SELECT doc, count(*) FROM entities WHERE type = 'place' GROUP BY doc ORDER BY doc"
    personnel_sql = """
        SELECT p.norm->>'country' AS country, sum((c.norm->>'value')::numeric)
        FROM entities c JOIN entities p ON p.doc = c.doc AND p.type = 'place'
             AND p.norm->>'kind' = 'country'
        WHERE c.type = 'count' AND c.norm->>'category' = 'personnel'
        GROUP BY country ORDER BY country"""


db = SQLite() if a.kind == "sqlite" else Postgres()


def load(url, files, *extra):
    p = run([a.driver, "--rules", a.rules, "--out", url, "--stats", *extra, *files])
    stats = {}
    try:
        stats = json.loads(p.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        pass
    return p.returncode, stats, p.stderr


def same_entities(got, want, what):
    got_keys = sorted(entity_key(r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7]) for r in got)
    want_keys = sorted(entity_key(e["doc"], e["type"], e["start"], e["end"], e["text"], e["norm"], e["rule"])
                       for e in want)
    check(len(got) == len(want), f"{what}: {len(got)} entity rows, want {len(want)}")
    check(got_keys == want_keys, f"{what}: entity rows differ from newsmine's records")
    bad_ids = [r for r in got if r[0] != entity_id(r[1], r[2], r[3], r[4])]
    check(not bad_ids, f"{what}: entity ids are not sha256(doc:type:start:end): {bad_ids[:2]}")


try:
    # ------------------------------------------------ load, query, load again
    url = db.fresh()
    rc, stats, err = load(url, inputs)
    check(rc == 0, f"load: status {rc}: {err}")
    check(int(db.rows("SELECT count(*) FROM documents")[0][0]) == len(ref_docs),
          f"documents: {db.rows('SELECT count(*) FROM documents')} want {len(ref_docs)}")
    same_entities(db.entities(), ref_ents, "first load")
    check(db.indexes() == ["entities_doc", "entities_type"], f"first load: indexes {db.indexes()}")

    places = {}
    for e in ref_ents:
        if e["type"] == "place":
            places[e["doc"]] = places.get(e["doc"], 0) + 1
    got = [(d, int(n)) for d, n in db.rows(db.places_sql)]
    check(got == sorted(places.items()), f"places per document: {got} want {sorted(places.items())}")

    personnel = {}
    for c in ref_ents:
        if c["type"] != "count" or c["norm"].get("category") != "personnel":
            continue
        for p in ref_ents:
            if p["doc"] == c["doc"] and p["type"] == "place" and p["norm"].get("kind") == "country":
                k = p["norm"].get("country")
                personnel[k] = personnel.get(k, 0) + c["norm"]["value"]
    got = {k: float(v) for k, v in db.rows(db.personnel_sql)}
    check(got == {k: float(v) for k, v in personnel.items()} and len(got) > 0,
          f"personnel per country: {got} want {personnel}")

    rc, stats, err = load(url, inputs)
    check(rc == 0 and stats.get("db", {}).get("documents_written") == 0
          and stats["db"]["entities_present"] == len(ref_ents),
          f"second load: nothing new, everything present: {stats} {err}")
    same_entities(db.entities(), ref_ents, "after loading twice")
    check(int(db.rows("SELECT count(*) FROM documents")[0][0]) == len(ref_docs), "documents after loading twice")

    # ------------------------------------------------- killed midway, rerun
    url = db.fresh()
    proc = subprocess.Popen([a.driver, "--rules", a.rules, "--out", url, "--batch", "20", bulk],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            committed = int(db.rows("SELECT count(*) FROM documents", quiet=True)[0][0])
        except Exception:
            committed = 0
        if committed >= 100:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    docs_after_kill = int(db.rows("SELECT count(*) FROM documents")[0][0])
    check(0 < docs_after_kill < len(bulk_docs), f"killed midway: {docs_after_kill} of {len(bulk_docs)} documents")
    rows = db.rows("SELECT d.id, count(e.id) FROM documents d LEFT JOIN entities e ON e.doc = d.id GROUP BY d.id")
    partial = [(d, int(n)) for d, n in rows if int(n) != per_doc.get(d, 0)]
    check(not partial, f"after the kill every document has all its entities: {partial[:3]}")
    orphans = db.rows("SELECT count(*) FROM entities e WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc)")
    check(int(orphans[0][0]) == 0, "after the kill no entity without its document")
    rc, stats, err = load(url, [bulk], "--batch", "20")
    check(rc == 0 and stats.get("db", {}).get("documents_present") == docs_after_kill,
          f"rerun: the killed load's documents were there already: {stats} {err}")
    same_entities(db.entities(), bulk_ents, "killed and rerun")
    check(db.indexes() == ["entities_doc", "entities_type"], f"killed and rerun: indexes {db.indexes()}")

    # ------------------------------- one document id twice: the first wins
    twice, first = os.path.join(tmp, "twice.jsonl"), os.path.join(tmp, "first.jsonl")
    lines = [json.dumps({"id": "same-id", "text": t}) + "\n"
             for t in ("Troops moved from Poland to Kyiv on 3 March.", "Ten soldiers left Berlin.")]
    open(twice, "w", encoding="utf-8").write("".join(lines))
    open(first, "w", encoding="utf-8").write(lines[0])
    want = sorted(r["text"] for r in map(json.loads, run([a.newsmine, "--rules", a.rules, first]).stdout.splitlines()))
    for batch in ("1", "100"):  # the two in two batches, then in one
        url = db.fresh()
        rc, stats, err = load(url, [twice], "--batch", batch)
        check(rc == 0 and stats.get("db", {}).get("documents_present") == 1
              and int(db.rows("SELECT count(*) FROM documents")[0][0]) == 1,
              f"an id twice, batch {batch}: one document row: {stats} {err}")
        got = sorted(r[0] for r in db.rows("SELECT text FROM entities"))
        check(got == want and want, f"an id twice, batch {batch}: the first document's entities only: {got} want {want}")

    # ----------------------------------------------------- errors in words
    if db.name == "sqlite":
        rc, stats, err = load("sqlite:" + os.path.join(tmp, "no", "such", "dir.db"), inputs)
        check(rc == 4 and "cannot open the database" in err, f"sqlite: missing directory: {rc} {err}")
    else:
        rc, stats, err = load(f"postgresql:///x?host={tmp}/nowhere&user=postgres", inputs)
        check(rc == 4 and "cannot connect to PostgreSQL" in err, f"pg: no server: {rc} {err}")
        url = db.fresh()
        rc, stats, err = load(db.url(db.db, "nopriv"), inputs)
        check(rc == 4 and "permission denied" in err, f"pg: no privilege: {rc} {err}")
        # the sink's unit test against this server
        p = run([a.test_sink, db.url(db.db), db.url(db.db, "nopriv"),
                 f"postgresql:///x?host={tmp}/nowhere&user=postgres", db.url("nosuchdb")])
        check(p.returncode == 0, f"test_sink on PostgreSQL:\n{p.stdout}{p.stderr}")

    # ----------------------------------------------------- the pipe recipes
    if db.name == "postgresql":
        schema = open(os.path.join(os.path.dirname(a.corpus), "docs", "schema.sql")).read()
        for fmt, copy_opts in (("tsv", ""), ("csv", " (FORMAT csv)")):
            url = db.fresh()
            db.psql(db.db, schema)
            files = [bulk] if fmt == "tsv" else inputs  # CSV: no "\." line through psql (docs)
            want_ents, want_docs = (bulk_ents, bulk_docs) if fmt == "tsv" else (ref_ents, ref_docs)
            for emit, table in (("entities", "entities"), ("documents", "documents")):
                rows = run([a.driver, "--rules", a.rules, "--format", fmt, "--emit", emit, *files]).stdout
                db.psql(db.db, f"\\copy {table} FROM STDIN{copy_opts}", stdin=rows.encode())
            same_entities(db.entities(), want_ents, f"{fmt} | psql \\copy")
            check(int(db.rows("SELECT count(*) FROM documents")[0][0]) == len(want_docs), f"{fmt} pipe: documents")
            # idempotent: through a staging table, twice
            rows = run([a.driver, "--rules", a.rules, "--format", fmt, *files]).stdout.encode()
            for _ in range(2):
                db.psql(db.db, "CREATE TEMP TABLE staging (LIKE entities)",
                        f"\\copy staging FROM STDIN{copy_opts}",
                        "INSERT INTO entities SELECT * FROM staging s WHERE NOT EXISTS (SELECT FROM entities e WHERE e.id = s.id)", stdin=rows)
            same_entities(db.entities(), want_ents, f"{fmt} | psql staging, twice")
        # documented: CSV through psql cannot carry a line that is exactly "\."; it fails loudly
        db.fresh()
        db.psql(db.db, schema)
        rows = run([a.driver, "--rules", a.rules, "--format", "csv", "--emit", "documents",
                    "--store-text", bulk]).stdout.encode()
        p = db.psql(db.db, "\\copy documents FROM STDIN (FORMAT csv)", stdin=rows, check_ok=False)
        check(p.returncode != 0 and b"unterminated CSV quoted field" in p.stderr,
              "csv with a \\. line through psql fails loudly (documented)")

    # ------------------------------------------------------------- speed
    t0 = time.monotonic()
    subprocess.run([a.newsmine, "--rules", a.rules, bulk], stdout=subprocess.DEVNULL)
    jsonl = time.monotonic() - t0
    url = db.fresh()
    t0 = time.monotonic()
    rc, stats, err = load(url, [bulk])
    loaded = time.monotonic() - t0
    check(rc == 0, f"bulk load: {err}")
    print(f"speed: JSON Lines {jsonl:.2f} s, {db.name} {loaded:.2f} s for {len(bulk_docs)} documents, "
          f"{len(bulk_ents)} entities: {100 * jsonl / loaded:.0f} % of the JSON Lines speed")
finally:
    if db.name == "postgresql":
        db.stop()
    shutil.rmtree(tmp, ignore_errors=True)
finish()
