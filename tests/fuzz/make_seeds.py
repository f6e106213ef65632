#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the tests and the rules:

    python3 tests/fuzz/make_seeds.py OUT_DIR

writes OUT_DIR/TARGET/* for every target. The committed corpora
(tests/fuzz/corpus/TARGET/) are these seeds plus what fuzzing found, merged
and minimised with libFuzzer's -merge=1 (docs/robustness.md). Seeds are
named by the SHA-1 of their bytes, as libFuzzer names its corpus files."""

import glob
import hashlib
import json
import os
import shlex
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CASES = os.path.join(TOP, "tests", "cases")

# fuzz_decode.c's table: the first byte of an input picks the encoding
ENCODINGS = ["UTF-8", "UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE", "UTF-32BE",
             "UTF-32", "UCS-2", "CP1251", "KOI8-R", "ISO-8859-1", "CP1252",
             "CP1256", "ISO-8859-6", "SHIFT_JIS", "EUC-JP", "GB18030", "BIG5",
             "ISO-2022-JP", "UTF-7", "CP437", "ISO-8859-15", "EUC-KR",
             "UTF-16//IGNORE"]
PY_CODECS = {"UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be", "UTF-32LE": "utf-32-le",
             "UTF-32BE": "utf-32-be", "CP1251": "cp1251", "KOI8-R": "koi8-r",
             "ISO-8859-1": "latin-1", "CP1252": "cp1252", "CP1256": "cp1256",
             "SHIFT_JIS": "shift_jis", "EUC-JP": "euc_jp", "GB18030": "gb18030",
             "BIG5": "big5", "ISO-2022-JP": "iso2022_jp", "UTF-7": "utf-7",
             "EUC-KR": "euc_kr"}
MAX = 2048


def write(out, target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def cases():
    """(args, input bytes) of every case with one input."""
    for case in sorted(os.listdir(CASES)):
        d = os.path.join(CASES, case)
        if not os.path.isdir(d):
            continue
        args = shlex.split(open(os.path.join(d, "args")).read().split("\n")[0])
        for f in sorted(os.listdir(d)):
            if f.startswith("input") or f == "stdin" or f.endswith(".txt") and f != "args":
                with open(os.path.join(d, f), "rb") as fh:
                    yield case, args, fh.read()


def texts():
    """Decoded texts: the case inputs, and the paragraphs of the seeds."""
    for case, args, data in cases():
        enc = args[args.index("--encoding") + 1] if "--encoding" in args else "utf-8"
        try:
            yield data.decode(enc.lower(), "replace").encode("utf-8")[:MAX]
        except LookupError:
            pass
    for path in sorted(glob.glob(os.path.join(TOP, "corpus", "seed-*.txt"))):
        text = open(path, "rb").read()
        for para in text.split(b"\n\n"):
            if para.strip():
                yield para[:MAX]


def main(out):
    # decode: the raw case inputs under the encoding they are read with, and
    # sample texts encoded in every encoding Python knows
    for case, args, data in cases():
        enc = args[args.index("--encoding") + 1] if "--encoding" in args else "UTF-8"
        write(out, "decode", bytes([ENCODINGS.index(enc)]) + data[:MAX])
    sample = "Kazakhstan's 139 peacekeepers — «Алматы» café ﬁ 東京 한국 €5 😀\n"
    for i, enc in enumerate(ENCODINGS):
        codec = PY_CODECS.get(enc)
        if codec:
            write(out, "decode", bytes([i]) + sample.encode(codec, "replace"))
    for t in texts():
        write(out, "normalize", t)
        write(out, "tokenize", t)
    # rules: every rule file of rules/en and of the unit tests, alone and
    # after 00-common.rules (the definitions the English files use), and a
    # rule file with a fuzzed table after the "%%tsv" marker
    en = sorted(glob.glob(os.path.join(TOP, "rules", "en", "*.rules")))
    common = open(os.path.join(TOP, "rules", "en", "00-common.rules"), "rb").read()
    for path in en + sorted(glob.glob(os.path.join(TOP, "tests", "unit", "data", "*", "*.rules"))):
        data = open(path, "rb").read()
        write(out, "rules", data)
        if not path.endswith("00-common.rules"):
            write(out, "rules", common + b"\n" + data)
    write(out, "rules", b"list t fuzz.tsv\ngazetteer g fuzz.tsv type=place\n"
                        b"rule r\n  type count\n  trigger %number\n"
                        b"  pattern (?<n>\\d+) \\s+ (?<noun>{@t})\n  lookup noun t\nend\n"
                        b"%%tsv\nname\tcategory\tvalue\nsoldiers\tpersonnel\t1\nMali\tcountry\t\n")
    # pipeline: option byte 0 (JSON Lines, entities), 16 (documents), 3
    # (lines), 2 (sniffed), 0x50 (date field, documents)
    for case, args, data in cases():
        if data[:1] == b"{" or data[:4] == b"\xef\xbb\xbf{":
            write(out, "pipeline", b"\x00" + data[:MAX])
            write(out, "pipeline", b"\x50" + data[:MAX])
        elif "--encoding" not in args and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            write(out, "pipeline", b"\x03" + data[:MAX])
            write(out, "pipeline", b"\x02" + data[:MAX])
    for line in open(os.path.join(TOP, "corpus", "seeds.jsonl"), "rb"):
        doc = json.loads(line)
        for i, para in enumerate(doc["text"].split("\n\n")):
            rec = {"id": "%s-%d" % (doc["id"], i), "text": para, "date": "2024-03-15"}
            write(out, "pipeline", b"\x10" + json.dumps(rec).encode() + b"\n")
    write(out, "pipeline", b"\x00" + b'{"id":1,"text":"3 soldiers in Mali"}\n{bad\n'
                           b'{"text":5}\n{"id":"x"}\n[1]\n{"text":"a\\u0000b"}\n')
    jsonl(out)


# jsonl: JSON lines near the edge between the flat reader and cJSON (string,
# null, true and false values; escapes, surrogates, repeated keys, white
# space cJSON alone skips, numbers and nesting), cut and spliced at random
# with a fixed seed
JSONL_PIECES = ['"', '\\', '\\"', '\\\\', '\\u', '\\u0000', '\\u0041', '\\ud83d',
                '\\ude00', '\\uD800\\uDC00', '\\ud800\\u0041', '\\uzzzz', '\\x', '\\n',
                '\\/', '{', '}', '[', ']', ':', ',', ' ', '\t', '\x01', '\x7f', 'null', 'true',
                'false', '1', '-2.5e3', '"text"', '"id"', '"date"', '"doc"', 'é', '😀',
                '\ufeff', '\r']
JSONL_RECORDS = [
    {"id": "a", "text": "Hello \"world\"\n\\ é", "title": None, "date": "2024-01-01", "x": True},
    {"text": "t", "meta": "\u0001\u001f", "flag": False},
    {"id": "", "text": "", "": ""},
]


def jsonl(out):
    import random
    rng = random.Random(20261122)
    for _ in range(64):
        lines = []
        for _ in range(16):
            s = json.dumps(rng.choice(JSONL_RECORDS), ensure_ascii=rng.random() < 0.5)
            for _ in range(rng.randint(0, 3)):
                p = rng.randint(0, len(s))
                if rng.random() < 0.6:
                    s = s[:p] + rng.choice(JSONL_PIECES) + s[p:]
                else:
                    s = s[:p] + s[p + rng.randint(1, 3):]
            lines.append(s.encode("utf-8").replace(b"\n", b" "))
        write(out, "jsonl", b"\n".join(lines) + b"\n")


if __name__ == "__main__":
    main(sys.argv[1])
