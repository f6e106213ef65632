#!/usr/bin/env python3
"""--format csv|tsv read back: CSV with Python's csv module, TSV with a
decoder of PostgreSQL's COPY text format, every row against newsmine's JSON
Lines for the same input (entity ids recomputed with hashlib), on the seeds
and on documents made to break quoting: quotes, commas, tabs, CR LF,
backslashes, a line that is exactly "\\.", NUL, non-ASCII.

usage: csv_roundtrip.py DRIVER NEWSMINE RULES_DIR CORPUS_DIR"""
import csv
import glob
import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, entity_id, finish  # noqa: E402

driver, newsmine, rules, corpus = sys.argv[1:5]
csv.field_size_limit(1 << 30)


tmp = tempfile.mkdtemp()
tricky = os.path.join(tmp, "tricky.jsonl")
with open(tricky, "w", encoding="utf-8") as f:
    for d in [
        {"id": 'q"1,2', "src": "a,b", "text": 'He said "Mali, Chad" in Gao.\r\nThen 20 soldiers left Niger.'},
        {"id": "tab\tid", "n": 3, "nested": {"k": ["x", "y\"z"]},
         "text": "Troops\tin Lebanon\\Syria:\n\\.\n30 km from Beirut."},
        {"id": "line\nbreak", "text": "Überall in Kasachstan – 139 Soldaten in Almaty."},
        {"id": "empty", "text": ""},
        {"id": "nothing", "text": "no entities here"},
    ]:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
nul = os.path.join(tmp, "nul text.txt")
with open(nul, "wb") as f:
    f.write(b"Troops in Mali\x00 and Chad sent 20 soldiers.")
inputs = [tricky, nul, os.path.join(corpus, "seeds.jsonl")] + sorted(glob.glob(os.path.join(corpus, "*.txt")))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    check(p.returncode == 0, f"{cmd[0]} {' '.join(cmd[1:4])}: status {p.returncode}: {p.stderr.decode()}")
    return p.stdout


def fix_nul(s):
    return s.replace("\x00", "\ufffd")


ref_entities = [json.loads(l) for l in run([newsmine, "--rules", rules, *inputs]).decode().splitlines()]
ref_docs = [json.loads(l) for l in
            run([newsmine, "--rules", rules, "--emit", "documents", "--store-text", *inputs]).decode().splitlines()]
check(len(ref_entities) > 50 and len(ref_docs) == 10, f"reference: {len(ref_entities)} entities, {len(ref_docs)} documents")


def tsv_rows(data):
    """COPY text format -> rows of str or None."""
    esc = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    rows = []
    for line in data.decode().split("\n")[:-1]:
        row = []
        for field in line.split("\t"):
            if field == "\\N":
                row.append(None)
                continue
            out, i = [], 0
            while i < len(field):
                c = field[i]
                if c == "\\":
                    out.append(esc[field[i + 1]])
                    i += 2
                else:
                    out.append(c)
                    i += 1
            row.append("".join(out))
        rows.append(row)
    return rows


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


for fmt, parse in (("csv", csv_rows), ("tsv", tsv_rows)):
    data = run([driver, "--rules", rules, "--format", fmt, *inputs])
    rows = parse(data)
    check(len(rows) == len(ref_entities), f"{fmt}: {len(rows)} entity rows for {len(ref_entities)} records")
    bad = 0
    for row, r in zip(rows, ref_entities):
        want = [entity_id(r["doc"], r["type"], r["start"], r["end"]), r["doc"], r["type"],
                str(r["start"]), str(r["end"]), fix_nul(r["text"])]
        ok = (len(row) == 8 and row[:6] == want and json.loads(row[6]) == json.loads(fix_nul(json.dumps(r["norm"])))
              and row[7] == r["rule"])
        if not ok and bad < 3:
            print(f"{fmt}: {row!r}\n  want {want!r} {r['norm']!r} {r['rule']!r}", file=sys.stderr)
        bad += not ok
    check(bad == 0, f"{fmt}: {bad} entity rows differ from the JSON records")

    for store in (False, True):
        data = run([driver, "--rules", rules, "--format", fmt, "--emit", "documents",
                    *(["--store-text"] if store else []), *inputs])
        rows = parse(data)
        check(len(rows) == len(ref_docs), f"{fmt} documents: {len(rows)} rows")
        bad = 0
        for row, r in zip(rows, ref_docs):
            meta = {k: v for k, v in r.items() if k not in ("doc", "entities", "text", "repaired")}
            text = fix_nul(r["text"]) if store else (None if fmt == "tsv" else "")
            ok = (len(row) == 4 and row[0] == r["doc"] and json.loads(row[1]) == meta and row[2] == text
                  and row[3] == str(r.get("repaired", 0)))
            if not ok and bad < 3:
                print(f"{fmt} documents: {row!r}\n  want {r!r}", file=sys.stderr)
            bad += not ok
        check(bad == 0, f"{fmt} documents (store_text={store}): {bad} rows differ")

# NULL and the empty string stay apart: an unquoted empty field is NULL for COPY
data = run([driver, "--rules", rules, "--format", "csv", "--emit", "documents", tricky]).decode()
check(',{},,0\n' in data.replace('"{}"', "{}") or ",,0\n" in data, "csv: no --store-text gives an unquoted empty text (NULL)")
data = run([driver, "--rules", rules, "--format", "csv", "--emit", "documents", "--store-text", tricky]).decode()
check('"empty","{}","",0\n' in data or 'empty,{},"",0\n' in data, f"csv: an empty text is quoted: {data!r}")

finish()
