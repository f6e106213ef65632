#!/usr/bin/env python3
"""Data-driven command-line cases for newsmine (Python 3 standard library).

    run_cases.py NEWSMINE_BINARY CASES_DIR [--update] [-v] [--rules DIR]
                 [--timeout S] [-j JOBS] [NAME...]

Each case is a directory CASES_DIR/NAME/ (see tests/cases/README.md):

  args                  one line: the newsmine arguments (shell-like quoting);
                        the token {input} is replaced by the case's input file
                        (the one file named input*), relative to the case dir
  input*                the input file(s); args may also name files directly
  stdin                 bytes piped to newsmine's stdin (default: nothing)
  expect.spans          "TYPE<TAB>START<TAB>END<TAB>TEXT" lines that must all
                        be in the output; "#exact" as first line: the output
                        must hold exactly these; "@doc ID" sets the document
                        of the lines after it; other "#" lines are comments;
                        TEXT may use \\t \\n \\r \\\\ \\uXXXX \\UXXXXXXXX
  expect.repaired       N: every entity record has "repaired": N (0: none has
                        the key); or "DOC<TAB>N" lines, per document
  expected.jsonl        the full expected stdout, compared byte for byte
  expected.status       expected exit status (default 0)
  expected.stderr.grep  regular expressions (one per line), each must match
                        (re.search, multiline) somewhere in stderr

Every case's output is also checked by check_spans.py (next to this file),
given the same --input/--encoding/--id-field/--text-field as newsmine.

newsmine runs with the case directory as working directory so that document
ids are stable ("input.txt", "input.txt:3", "stdin:2").  --rules DIR is
appended to args when args has no --rules of its own (otherwise the binary's
default rules are used).

--update rewrites expected.jsonl from the current output for the cases that
have one, and creates it for the cases named on the command line; review the
diff before committing.  Exit status 1 when any case fails.
"""

import argparse
import concurrent.futures
import difflib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_SPANS = os.path.join(HERE, "check_spans.py")

# newsmine options that take a value (everything else starting with -- is a
# flag); both "--opt value" and "--opt=value" are understood.
VALUE_OPTS = {"--input", "--encoding", "--emit", "--types", "--rules",
              "--id-field", "--text-field"}
CHECK_OPTS = ("--input", "--encoding", "--id-field", "--text-field")
RESERVED = {"args", "stdin", "expect.spans", "expect.repaired",
            "expected.jsonl", "expected.status", "expected.stderr.grep",
            "README", "README.md"}


class CaseError(Exception):
    pass


def parse_cli(tokens):
    """Split newsmine arguments into ({option: value}, [positional])."""
    opts, pos = {}, []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "--":
            pos.extend(tokens[i + 1:])
            break
        if t.startswith("--") and len(t) > 2:
            name, eq, val = t.partition("=")
            if name in VALUE_OPTS and not eq:
                if i + 1 < len(tokens):
                    val = tokens[i + 1]
                    i += 1
                else:
                    val = None
            opts[name] = val if (eq or name in VALUE_OPTS) else True
        else:
            pos.append(t)
        i += 1
    return opts, pos


_ESC = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tnr\\])")


def unescape(s):
    def sub(m):
        e = m.group(1)
        if e[0] in "uU":
            return chr(int(e[1:], 16))
        return {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[e]
    return _ESC.sub(sub, s)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def load_spans(path):
    """Return (exact, [(doc_or_None, type, start, end, text, lineno)])."""
    exact, spans, doc = False, [], None
    lines = read_text(path).split("\n")
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if n == 1 and line.strip() == "#exact":
            exact = True
            continue
        if line.strip() == "" or line.startswith("#"):
            continue
        if line.startswith("@doc "):
            doc = unescape(line[5:])
            continue
        parts = line.split("\t", 3)
        if len(parts) != 4:
            raise CaseError("%s:%d: want TYPE<TAB>START<TAB>END<TAB>TEXT"
                            % (path, n))
        try:
            start, end = int(parts[1]), int(parts[2])
        except ValueError:
            raise CaseError("%s:%d: START/END not integers" % (path, n))
        spans.append((doc, parts[0], start, end, unescape(parts[3]), n))
    return exact, spans


def output_entities(stdout):
    """Flatten entity and document records to [(doc, type, start, end,
    text, record)]; raise CaseError on unparsable output."""
    ents = []
    for n, raw in enumerate(stdout.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CaseError("stdout line %d is not JSON: %s" % (n, exc))
        if not isinstance(rec, dict):
            raise CaseError("stdout line %d is not a JSON object" % n)
        doc = rec.get("doc")
        subs = rec["entities"] if isinstance(rec.get("entities"), list) \
            else [rec]
        for e in subs:
            if isinstance(e, dict):
                ents.append((doc, e.get("type"), e.get("start"), e.get("end"),
                             e.get("text"), e))
    return ents


def show(s):
    """JSON-quote s, escaping invisible and format characters."""
    if not isinstance(s, str):
        return json.dumps(s)
    out = []
    for ch in json.dumps(s, ensure_ascii=False)[1:-1]:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp") or (
                cat == "Zs" and ch != " ") or cat.startswith("M"):
            o = ord(ch)
            out.append("\\u%04X" % o if o < 0x10000 else "\\U%08X" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def fmt_span(doc, typ, start, end, text):
    s = "%s\t%s\t%s\t%s" % (typ, start, end, show(text))
    return "%s\t%s" % (show(doc), s) if doc is not None else s


def check_expect_spans(path, ents):
    exact, spans = load_spans(path)
    problems = []
    got = [(d, t, s, e, x) for d, t, s, e, x, _ in ents]
    used = [False] * len(got)
    for doc, typ, start, end, text, n in spans:
        hit = False
        for i, g in enumerate(got):
            if (doc is None or g[0] == doc) and g[1:] == (typ, start, end,
                                                          text):
                used[i] = True
                hit = True
        if not hit:
            problems.append("- missing (expect.spans:%d): %s"
                            % (n, fmt_span(doc, typ, start, end, text)))
    if exact:
        for i, g in enumerate(got):
            if not used[i]:
                problems.append("+ unexpected (#exact): %s" % fmt_span(*g))
    if problems:
        have = "\n".join("    have: %s" % fmt_span(*g) for g in got)
        problems.append("  output entities:\n" + (have or "    (none)"))
    return problems


def check_expect_repaired(path, ents):
    body = [l.strip() for l in read_text(path).splitlines()
            if l.strip() and not l.startswith("#")]
    want = {}
    try:
        if len(body) == 1 and "\t" not in body[0]:
            want[None] = int(body[0])
        else:
            for l in body:
                d, _, v = l.rpartition("\t")
                want[unescape(d)] = int(v)
    except ValueError:
        raise CaseError("%s: want N or DOC<TAB>N lines" % path)
    problems = []
    for doc, n in want.items():
        recs = [e for e in ents if doc is None or e[0] == doc]
        if not recs:
            problems.append("expect.repaired: no entity records for %s"
                            % ("the case" if doc is None else repr(doc)))
        for d, t, s, e, x, rec in recs:
            have = rec.get("repaired")
            if (n == 0 and "repaired" in rec) or (n != 0 and have != n):
                problems.append("expect.repaired: %s has repaired=%r, want %s"
                                % (fmt_span(d, t, s, e, x),
                                   have, n if n else "no key"))
    return problems


def run_case(binary, case_dir, name, opts):
    """Run one case; return a list of problem strings (empty: passed)."""
    files = sorted(os.listdir(case_dir))
    p = lambda f: os.path.join(case_dir, f)
    if "args" not in files:
        raise CaseError("no args file")
    args_line = read_text(p("args")).split("\n")[0].strip()
    tokens = shlex.split(args_line)
    inputs = [f for f in files if f.startswith("input")
              and f not in RESERVED and os.path.isfile(p(f))]
    if any("{input}" in t for t in tokens):
        if len(inputs) != 1:
            raise CaseError("{input} needs exactly one input* file, have %r"
                            % inputs)
        tokens = [t.replace("{input}", inputs[0]) for t in tokens]
    cli_opts, positional = parse_cli(tokens)
    if opts.rules and "--rules" not in cli_opts:
        tokens += ["--rules", os.path.abspath(opts.rules)]
    stdin_bytes = b""
    if "stdin" in files:
        with open(p("stdin"), "rb") as f:
            stdin_bytes = f.read()

    try:
        proc = subprocess.run([binary] + tokens, cwd=case_dir,
                              input=stdin_bytes, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=opts.timeout)
    except subprocess.TimeoutExpired:
        return ["timed out after %ss: %s" % (opts.timeout, args_line)]
    except OSError as exc:
        raise CaseError("cannot run %s: %s" % (binary, exc))
    problems = []
    out, err = proc.stdout, proc.stderr

    want_status = 0
    if "expected.status" in files:
        want_status = int(read_text(p("expected.status")).strip())
    if proc.returncode != want_status:
        problems.append("exit status %d, expected %d"
                        % (proc.returncode, want_status))

    if "expected.stderr.grep" in files:
        text = err.decode("utf-8", "replace")
        for rx in read_text(p("expected.stderr.grep")).splitlines():
            if rx.strip() and not re.search(rx, text, re.M):
                problems.append("stderr does not match /%s/" % rx)

    try:
        ents = output_entities(out)
    except CaseError as exc:
        problems.append(str(exc))
        ents = None
    if ents is not None:
        if "expect.spans" in files:
            problems += check_expect_spans(p("expect.spans"), ents)
        if "expect.repaired" in files:
            problems += check_expect_repaired(p("expect.repaired"), ents)

    exp_path = p("expected.jsonl")
    if opts.update and ("expected.jsonl" in files or name in opts.names):
        old = None
        if os.path.exists(exp_path):
            with open(exp_path, "rb") as f:
                old = f.read()
        if old != out:
            with open(exp_path, "wb") as f:
                f.write(out)
            print("updated %s" % os.path.relpath(exp_path))
    elif "expected.jsonl" in files:
        with open(exp_path, "rb") as f:
            want = f.read()
        if want != out:
            diff = difflib.unified_diff(
                want.decode("utf-8", "replace").splitlines(),
                out.decode("utf-8", "replace").splitlines(),
                "expected.jsonl", "stdout", lineterm="")
            problems.append("stdout differs from expected.jsonl:\n"
                            + "\n".join(diff))

    # Offset fidelity, independently of newsmine's own decoding.
    check = [sys.executable, CHECK_SPANS]
    for o in CHECK_OPTS:
        if isinstance(cli_opts.get(o), str):
            check += [o, cli_opts[o]]
    if not positional:
        positional = ["-"]
    with tempfile.NamedTemporaryFile(prefix="newsmine-out-",
                                     suffix=".jsonl") as tmp:
        tmp.write(out)
        tmp.flush()
        check += ["--stdin-file", p("stdin") if "stdin" in files
                  else os.devnull]
        check += positional + [tmp.name]
        cp = subprocess.run(check, cwd=case_dir, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    if cp.returncode != 0:
        msg = cp.stdout.decode("utf-8", "replace").replace(tmp.name,
                                                           "stdout")
        problems.append("check_spans failed:\n" + msg.rstrip())

    if proc.returncode != want_status or problems:
        if err:
            problems.append("stderr:\n" + err.decode("utf-8", "replace")
                            .rstrip())
    if opts.verbose and not problems:
        print("ok %s (%d entities)" % (name, len(ents or [])))
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run newsmine CLI cases.")
    ap.add_argument("binary")
    ap.add_argument("cases_dir")
    ap.add_argument("names", nargs="*", metavar="NAME",
                    help="run only these cases")
    ap.add_argument("--update", action="store_true",
                    help="rewrite expected.jsonl from the current output")
    ap.add_argument("--rules", help="rules dir for cases without --rules")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("-j", "--jobs", type=int, default=1,
                    help="cases run at once (the report keeps their order)")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_intermixed_args(argv)
    binary = opts.binary
    if os.sep in binary or os.path.exists(binary):
        binary = os.path.abspath(binary)
    cases_dir = os.path.abspath(opts.cases_dir)

    names = sorted(d for d in os.listdir(cases_dir)
                   if os.path.isdir(os.path.join(cases_dir, d)))
    if opts.names:
        unknown = [n for n in opts.names if n not in names]
        if unknown:
            print("no such case: %s" % ", ".join(unknown), file=sys.stderr)
            return 2
        names = [n for n in names if n in opts.names]

    def one(name):
        try:
            return run_case(binary, os.path.join(cases_dir, name), name, opts)
        except CaseError as exc:
            return ["bad case: %s" % exc]

    with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        results = list(pool.map(one, names))
    passed = failed = 0
    for name, problems in zip(names, results):
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, problems[0].split("\n")[0]))
            rest = "\n".join(problems)
            rest = rest.split("\n", 1)[1] if "\n" in rest else ""
            for line in rest.split("\n"):
                if line:
                    print("    " + line)
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
