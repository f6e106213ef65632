#!/usr/bin/env python3
"""Offset-fidelity checker for newsmine output (Python 3 standard library only).

    check_spans.py [--input text|lines|jsonl] [--encoding E] [--id-field F]
                   [--text-field F] [--name NAME] [--stdin-file PATH]
                   INPUT_FILE... OUTPUT_JSONL

Decodes each INPUT_FILE independently of newsmine (Python's codecs), splits it
into documents the way the newsmine CLI does, gives each document the id the
CLI gives it, and then checks every entity record in OUTPUT_JSONL against the
contract in SCHEMA.md:

  * the doc id is one of the input's documents;
  * start and end are integers with 0 <= start <= end <= len(doc);
  * text == doc[start:end] (code points of the decoded text);
  * type is one of the eight schema types, norm is an object, rule is a
    non-empty string;
  * "repaired" is present exactly when decoding the document replaced
    undecodable bytes (or NUL characters), and then equals the number of
    U+FFFD inserted (text and lines input; for jsonl only its form is
    checked);
  * the records of each document come in order of start.

Document records (--emit documents: {"doc", metadata..., "entities": [...]})
are accepted too; each element of "entities" is checked as an entity record.

INPUT_FILE "-" stands for standard input: its bytes are read from
--stdin-file PATH when given, else from this process's stdin, and its
documents are called "stdin" / "stdin:LINE" as newsmine names them.
--name NAME overrides the name of the (first) input, i.e. the FILE that
newsmine was given on its command line when that differs from INPUT_FILE.

Every violation is printed as "OUTPUT:LINE: message"; the last line is
"N passed, N failed" counting entity records.  An input that cannot be
read (newsmine's error cases) or has an unknown encoding is noted on stderr
and has no documents.  Exit status: 0 all good, 1 any violation, 2 usage
error or unreadable OUTPUT_JSONL.
"""

import argparse
import codecs
import json
import sys
import unicodedata

TYPES = frozenset(
    ["place", "count", "rank", "unit", "date", "quantity", "person", "org"])

# ---------------------------------------------------------------------------
# Decoding


class _ReplaceCounter:
    """A codec error handler that behaves like 'replace' and counts."""

    def __init__(self):
        self.count = 0

    def __call__(self, exc):
        if not isinstance(exc, UnicodeDecodeError):
            raise exc
        self.count += 1
        return ("\ufffd", exc.end)


_counter = _ReplaceCounter()
codecs.register_error("check_spans_count", _counter)


def _canon(name):
    if name is None:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_segment(data, encoding):
    """Decode bytes with 'replace' semantics; return (text, replacements).
    U+0000 becomes U+FFFD too, and counts, as newsmine's reader does."""
    _counter.count = 0
    text = data.decode(encoding, "check_spans_count")
    nuls = text.count("\x00")
    return text.replace("\x00", "\ufffd"), _counter.count + nuls


def pick_codec(data, encoding):
    """Return (python_codec, bom_length) for the raw bytes of one input."""
    canon = _canon(encoding) if encoding else "utf-8"
    if encoding and canon is None:
        raise LookupError("unknown encoding %r" % encoding)
    if canon in ("utf-8", "utf-8-sig"):
        if data.startswith(codecs.BOM_UTF8):
            return "utf-8", 3
        if data.startswith(codecs.BOM_UTF16_LE):
            return "utf-16-le", 2
        if data.startswith(codecs.BOM_UTF16_BE):
            return "utf-16-be", 2
        return "utf-8", 0
    if canon == "utf-16":
        # The BOM decides; without one, big-endian (RFC 2781, iconv).
        if data.startswith(codecs.BOM_UTF16_LE):
            return "utf-16-le", 2
        if data.startswith(codecs.BOM_UTF16_BE):
            return "utf-16-be", 2
        return "utf-16-be", 0
    if canon == "utf-16-le" and data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if canon == "utf-16-be" and data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if canon == "utf-32":
        if data.startswith(codecs.BOM_UTF32_LE):
            return "utf-32-le", 4
        if data.startswith(codecs.BOM_UTF32_BE):
            return "utf-32-be", 4
        return "utf-32-be", 0
    return canon, 0


def split_raw_lines(text):
    """Split decoded text into (line_number, line) without terminators.

    Only "\n" ends a line; a "\r" right before it belongs to the terminator.
    A final line without "\n" still counts; a trailing "\n" opens no line.
    """
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    out = []
    for i, line in enumerate(parts, 1):
        if line.endswith("\r"):
            line = line[:-1]
        out.append((i, line))
    return out


def default_format(name):
    lower = name.lower()
    if lower.endswith(".jsonl") or lower.endswith(".ndjson"):
        return "jsonl"
    return "text"


class Doc:
    __slots__ = ("text", "repaired")

    def __init__(self, text, repaired):
        self.text = text
        self.repaired = repaired  # int, or None when not checkable


def load_documents(data, name, fmt, encoding, id_field, text_field, docs,
                   notes):
    """Add the documents of one input to docs {id: Doc}."""
    codec, bom = pick_codec(data, encoding)
    body = data[bom:]
    if fmt == "text":
        text, rep = decode_segment(body, codec)
        if text.startswith("\ufeff") and bom == 0 and codec.startswith("utf"):
            text = text[1:]
        docs[name] = Doc(text, rep)
        return
    if codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        # Not ASCII-compatible: decode first, then split.
        text, rep = decode_segment(body, codec)
        lines = [(n, l, None) for n, l in split_raw_lines(text)]
    else:
        # Split the bytes on LF (never part of a multi-byte sequence in the
        # ASCII-compatible encodings) so that repairs are counted per line.
        raw = body.split(b"\n")
        if raw and raw[-1] == b"":
            raw.pop()
        lines = []
        for n, chunk in enumerate(raw, 1):
            if chunk.endswith(b"\r"):
                chunk = chunk[:-1]
            text, rep = decode_segment(chunk, codec)
            lines.append((n, text, rep))
    for n, line, rep in lines:
        if n == 1 and line.startswith("\ufeff") and codec.startswith("utf"):
            line = line[1:]
        if fmt == "lines":
            if line == "":
                continue
            docs["%s:%d" % (name, n)] = Doc(line, rep)
            continue
        # jsonl
        if line.strip(" \t\r\f\v") == "":
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:  # nested too deep for Python
            notes.append("%s:%d: input line is not JSON (%s)" % (name, n, exc))
            continue
        if not isinstance(obj, dict):
            notes.append("%s:%d: input line is not a JSON object" % (name, n))
            continue
        ident = obj.get(id_field)
        if isinstance(ident, bool) or ident is None:
            ident = None
        elif isinstance(ident, (int, float)):
            ident = json.dumps(ident)
        elif not isinstance(ident, str):
            ident = None
        if ident is None:
            ident = "%s:%d" % (name, n)
        text = obj.get(text_field)
        if not isinstance(text, str):
            notes.append("%s:%d: no string field %r" % (name, n, text_field))
            continue
        # Repairs in jsonl happen on the raw line; whether they fall inside
        # the text field is newsmine's business: check only the form.
        docs[ident] = Doc(text, None)


# ---------------------------------------------------------------------------
# Checking


def show(s):
    """JSON-quote s, keeping letters readable but escaping invisible and
    format characters (zero-width, soft hyphen, NBSP, controls)."""
    out = []
    for ch in json.dumps(s, ensure_ascii=False)[1:-1]:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp") or (
                cat == "Zs" and ch != " ") or cat.startswith("M"):
            o = ord(ch)
            out.append("\\u%04x" % o if o < 0x10000 else "\\U%08x" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_entity(rec, doc_id, docs, where_doc):
    """Return a list of messages for one entity record."""
    errs = []
    for key in ("type", "start", "end", "text", "norm", "rule"):
        if key not in rec:
            errs.append("missing %r" % key)
    typ = rec.get("type")
    if "type" in rec and typ not in TYPES:
        errs.append("type %r is not a schema type" % (typ,))
    if "norm" in rec and not isinstance(rec["norm"], dict):
        errs.append("norm is not an object")
    rule = rec.get("rule")
    if "rule" in rec and not (isinstance(rule, str) and rule):
        errs.append("rule is not a non-empty string")
    start, end, text = rec.get("start"), rec.get("end"), rec.get("text")
    if "start" in rec and not is_int(start):
        errs.append("start %r is not an integer" % (start,))
    if "end" in rec and not is_int(end):
        errs.append("end %r is not an integer" % (end,))
    if "text" in rec and not isinstance(text, str):
        errs.append("text is not a string")
    if not isinstance(doc_id, str):
        errs.append("doc %r is not a string" % (doc_id,))
        return errs
    doc = docs.get(doc_id)
    if doc is None:
        errs.append("unknown doc %s" % show(doc_id))
        return errs
    n = len(doc.text)
    if is_int(start) and is_int(end):
        if not (0 <= start <= end <= n):
            errs.append("span [%d,%d) outside 0..%d of %s" %
                        (start, end, n, where_doc))
        elif isinstance(text, str) and doc.text[start:end] != text:
            msg = "text %s != doc[%d:%d] %s" % (
                show(text), start, end, show(doc.text[start:end]))
            if text:
                hits, i = [], doc.text.find(text)
                while i >= 0:
                    hits.append(i)
                    i = doc.text.find(text, i + 1)
                if hits:
                    near = min(hits, key=lambda i: abs(i - start))
                    msg += " (the text is at [%d,%d))" % (near,
                                                         near + len(text))
            errs.append(msg)
    rep = rec.get("repaired")
    if "repaired" in rec and not (is_int(rep) and rep > 0):
        errs.append("repaired %r is not a positive integer" % (rep,))
    elif doc.repaired is not None:
        if doc.repaired and rep != doc.repaired:
            errs.append("repaired %r, expected %d (U+FFFD inserted by "
                        "decoding)" % (rep, doc.repaired))
        elif not doc.repaired and "repaired" in rec:
            errs.append("repaired %r on a document decoded without repairs"
                        % (rep,))
    return errs


def main(argv=None):
    ap = argparse.ArgumentParser(
        usage="%(prog)s [options] INPUT_FILE... OUTPUT_JSONL",
        description="Check newsmine output offsets against its input.")
    ap.add_argument("--input", choices=["text", "lines", "jsonl"])
    ap.add_argument("--encoding")
    ap.add_argument("--id-field", default="id")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--name", help="document name newsmine used for the "
                    "(first) input, instead of its path")
    ap.add_argument("--stdin-file", help="bytes that newsmine read on stdin "
                    "(for INPUT '-')")
    ap.add_argument("paths", nargs="+", metavar="PATH",
                    help="INPUT_FILE... then OUTPUT_JSONL")
    args = ap.parse_args(argv)
    if len(args.paths) < 2:
        ap.error("need INPUT_FILE... and OUTPUT_JSONL")
    inputs, output = args.paths[:-1], args.paths[-1]

    docs, notes = {}, []
    for i, path in enumerate(inputs):
        is_stdin = path == "-"
        name = "stdin" if is_stdin else path
        if i == 0 and args.name is not None:
            name = args.name
        fmt = args.input or ("text" if name == "stdin" and is_stdin
                             else default_format(name))
        try:
            if is_stdin and args.stdin_file is None:
                data = sys.stdin.buffer.read()
            else:
                with open(args.stdin_file if is_stdin else path, "rb") as f:
                    data = f.read()
        except OSError as exc:
            # newsmine cannot have read it either (an error case): it has
            # no documents, so any record naming it fails as unknown.
            notes.append("%s: %s" % (path, exc.strerror or exc))
            continue
        try:
            load_documents(data, name, fmt, args.encoding, args.id_field,
                           args.text_field, docs, notes)
        except LookupError as exc:
            notes.append("%s: %s" % (path, exc))
    for note in notes:
        print("check_spans: note: %s" % note, file=sys.stderr)

    try:
        with open(output, "rb") as f:
            out_lines = f.read().split(b"\n")
    except OSError as exc:
        print("check_spans: %s: %s" % (output, exc), file=sys.stderr)
        return 2
    if out_lines and out_lines[-1] == b"":
        out_lines.pop()

    passed = failed = 0
    last_start = {}

    def report(lineno, msgs):
        for m in msgs:
            print("%s:%d: %s" % (output, lineno, m))

    for lineno, raw in enumerate(out_lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            report(lineno, ["output line is not valid UTF-8 (%s)" % exc])
            failed += 1
            continue
        if line.strip() == "":
            report(lineno, ["blank output line"])
            failed += 1
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            report(lineno, ["not JSON: %s" % exc])
            failed += 1
            continue
        if not isinstance(rec, dict):
            report(lineno, ["not a JSON object"])
            failed += 1
            continue
        doc_id = rec.get("doc")
        if "entities" in rec:
            ents = rec["entities"]
            errs = []
            if not isinstance(doc_id, str):
                errs.append("document record: doc %r is not a string"
                            % (doc_id,))
            elif doc_id not in docs:
                errs.append("document record: unknown doc %s"
                            % show(doc_id))
            if not isinstance(ents, list):
                errs.append("document record: entities is not an array")
                ents = []
            if errs:
                report(lineno, errs)
                failed += max(1, len(ents))
                continue
            items = []
            for k, ent in enumerate(ents):
                if not isinstance(ent, dict):
                    items.append((k, None, ["entities[%d] is not an object"
                                            % k]))
                    continue
                pre = []
                if "doc" in ent and ent["doc"] != doc_id:
                    pre.append("doc %r differs from the document's"
                               % (ent["doc"],))
                items.append((k, ent, pre))
            prev = None
            for k, ent, pre in items:
                errs = list(pre)
                if ent is not None:
                    errs += check_entity(ent, doc_id, docs,
                                         show(doc_id))
                    st = ent.get("start")
                    if is_int(st):
                        if prev is not None and st < prev:
                            errs.append("not sorted by start (%d after %d)"
                                        % (st, prev))
                        prev = st
                if errs:
                    report(lineno, ["entities[%d]: %s" % (k, e) for e in errs])
                    failed += 1
                else:
                    passed += 1
            continue
        errs = []
        if "doc" not in rec:
            errs.append("missing 'doc'")
        errs += check_entity(rec, doc_id, docs, show(doc_id))
        st = rec.get("start")
        if isinstance(doc_id, str) and is_int(st):
            prev = last_start.get(doc_id)
            if prev is not None and st < prev:
                errs.append("records of %s not sorted by start (%d after %d)"
                            % (show(doc_id), st, prev))
            last_start[doc_id] = st
        if errs:
            report(lineno, errs)
            failed += 1
        else:
            passed += 1

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
