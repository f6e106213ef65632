#!/usr/bin/env python3
"""Tests for src/cli/input.c: fixtures of every kind generated here, in a
temporary directory (nothing binary is committed), read back through
input_dump and compared byte for byte with what was put in; then the
driver's records for compressed and archived input against newsmine's for
the same plain files.

usage: input_test.py INPUT_DUMP DRIVER NEWSMINE RULES_DIR"""
import bz2
import gzip
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

dump, driver, newsmine, rules = sys.argv[1:5]


def parse(out):
    """input_dump's output -> list of (header fields, content bytes or None), errors."""
    members, errors, i = [], [], 0
    while i < len(out):
        nl = out.index(b"\n", i)
        line = out[i:nl].decode()
        i = nl + 1
        if line.startswith("M "):
            members.append([line[2:].split("\t"), None])
        elif line.startswith("E "):
            errors.append(line[2:])
        elif line.startswith("R "):
            members[-1][1] = int(line[2:])
        else:
            n = int(line)
            members[-1][1] = out[i:i + n]
            i += n + 1
    return members, errors


def run_dump(*args, stdin=None):
    p = subprocess.run([dump, *args], input=stdin, capture_output=True)
    return parse(p.stdout) + (p.returncode,)


tmp = tempfile.mkdtemp()
os.chdir(tmp)

text = ("Mali sent 20 soldiers to Gao on 3 March 2014.\n" * 3 + "Überall – Chad\n").encode()
jsonl = b"".join(json.dumps(d).encode() + b"\n" for d in [
    {"id": "a", "text": "Kazakhstan sent 139 military personnel to Lebanon."},
    {"text": "Colonel Ruslan Zhaksylykov arrived in Beirut."},
    {"id": "c", "text": "Nothing here."}])
big = b"".join(b"line %d of a big member in Syria\n" % i for i in range(120000))  # ~4 MB

with open("plain.txt", "wb") as f:
    f.write(text)
with open("docs.jsonl", "wb") as f:
    f.write(jsonl)
with open("empty.txt", "wb"):
    pass
with gzip.open("docs.jsonl.gz", "wb") as f:
    f.write(jsonl)
with bz2.open("docs.jsonl.bz2", "wb") as f:
    f.write(jsonl)
with lzma.open("docs.jsonl.xz", "wb") as f:
    f.write(jsonl)
with lzma.open("docs.jsonl.lzma", "wb", format=lzma.FORMAT_ALONE) as f:
    f.write(jsonl)
with gzip.open("empty.txt.gz", "wb"):
    pass
shutil.copy("docs.jsonl.gz", "renamed.txt")      # compressed, by content not name
shutil.copy("plain.txt", "fake.gz")              # plain, whatever the name says
with open("docs.jsonl.gz", "rb") as f:
    gz = f.read()
with open("truncated.jsonl.gz", "wb") as f:
    f.write(gz[:len(gz) // 2])
have_zstd = shutil.which("zstd") is not None
if have_zstd:
    subprocess.run(["zstd", "-q", "-f", "docs.jsonl", "-o", "docs.jsonl.zst"], check=True)

members = {"a/one.txt": text, "b/two.jsonl": jsonl, "c/big.txt": big, "d/empty.txt": b""}


def add_tar(path, mode):
    with tarfile.open(path, mode) as t:
        d = tarfile.TarInfo("a")
        d.type = tarfile.DIRTYPE
        t.addfile(d)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("a/link.txt")
        link.type = tarfile.SYMTYPE
        link.linkname = "one.txt"
        t.addfile(link)


add_tar("arch.tar", "w")
add_tar("arch.tar.gz", "w:gz")
add_tar("arch.tar.bz2", "w:bz2")
add_tar("arch.tar.xz", "w:xz")
if have_zstd:
    subprocess.run(["zstd", "-q", "-f", "arch.tar", "-o", "arch.tar.zst"], check=True)
with zipfile.ZipFile("arch.zip", "w") as z:
    z.writestr("a/", b"")
    for i, (name, data) in enumerate(members.items()):
        z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if i % 2 == 0 else zipfile.ZIP_STORED)

want_members = [(n, d) for n, d in members.items()]

# ---------------------------------------------------------------- members
for name, compression in [("plain.txt", "-"), ("empty.txt", "-"), ("fake.gz", "-")]:
    got, errors, rc = run_dump(name)
    want = {"plain.txt": text, "empty.txt": b"", "fake.gz": text}[name]
    check(rc == 0 and not errors, f"{name}: no error")
    check(len(got) == 1 and got[0][0] == [name, name, "plain", "-", "0"], f"{name}: header {got}")
    check(got and got[0][1] == want, f"{name}: content")

singles = [("docs.jsonl.gz", "gzip"), ("docs.jsonl.bz2", "bzip2"), ("docs.jsonl.xz", "xz"),
           ("docs.jsonl.lzma", "lzma"), ("renamed.txt", "gzip")]
if have_zstd:
    singles.append(("docs.jsonl.zst", "zstd"))
for name, compression in singles:
    got, errors, rc = run_dump(name)
    fmt_name = "docs.jsonl" if name.startswith("docs") else name
    check(rc == 0 and not errors, f"{name}: no error ({errors})")
    check(len(got) == 1 and got[0][0] == [name, fmt_name, "compressed", compression, "0"],
          f"{name}: header {got and got[0][0]}")
    check(got and got[0][1] == jsonl, f"{name}: content")

got, errors, rc = run_dump("empty.txt.gz")
check(rc == 0 and len(got) == 1 and got[0][1] == b"" and got[0][0][1] == "empty.txt",
      f"empty.txt.gz: one empty member {got} {errors}")

archives = [("arch.tar", "-"), ("arch.tar.gz", "gzip"), ("arch.tar.bz2", "bzip2"),
            ("arch.tar.xz", "xz"), ("arch.zip", "-")]
if have_zstd:
    archives.append(("arch.tar.zst", "zstd"))
for name, compression in archives:
    for mode in ([], ["--foreach"]):
        got, errors, rc = run_dump(*mode, name)
        check(rc == 0 and not errors, f"{name} {mode}: no error ({errors})")
        check([g[0] for g in got] ==
              [[f"{name}!{n}", n, "archive", compression, "0"] for n, _ in want_members],
              f"{name} {mode}: headers {[g[0] for g in got]}")
        check([g[1] for g in got] == [d for _, d in want_members], f"{name} {mode}: contents")

# standard input: compressed, a tar, a zip read as a stream
for name in ["docs.jsonl.gz", "arch.tar.gz", "arch.zip", "plain.txt"]:
    with open(name, "rb") as f:
        data = f.read()
    got, errors, rc = run_dump("-", stdin=data)
    check(rc == 0 and not errors, f"stdin {name}: no error ({errors})")
    if name == "plain.txt":
        check(got[0][0] == ["stdin", "stdin", "plain", "-", "1"] and got[0][1] == text, "stdin plain")
    elif name == "docs.jsonl.gz":
        check(got[0][0] == ["stdin", "stdin", "compressed", "gzip", "1"] and got[0][1] == jsonl,
              f"stdin gzip {got[0][0]}")
    else:
        check([g[0][0] for g in got] == [f"stdin!{n}" for n, _ in want_members] and
              [g[1] for g in got] == [d for _, d in want_members], f"stdin {name}: members")

# small reads of a plain file lose nothing
got, errors, rc = run_dump("--chunk", "7", "plain.txt")
check(got and got[0][1] == text, "plain.txt in 7-byte reads (the first read is at least 512)")

# errors in words
got, errors, rc = run_dump("truncated.jsonl.gz")
check(rc == 1 and errors and "truncated.jsonl.gz" in errors[0] and "damaged" in errors[0],
      f"truncated gzip: {errors}")
got, errors, rc = run_dump("missing.txt")
check(rc == 1 and errors == ["missing.txt: cannot open: No such file or directory"],
      f"missing file: {errors}")
got, errors, rc = run_dump(".")
check(rc == 1 and errors and "Is a directory" in errors[0], f"directory: {errors}")

# a line on a slow pipe comes through before the writer is done (no 512-byte wait)
writer = subprocess.Popen(["sh", "-c", "printf 'Mali\\n'; sleep 3; printf 'Chad\\n'"],
                          stdout=subprocess.PIPE)
start = time.monotonic()
p = subprocess.run([dump, "--first-read", "-"], stdin=writer.stdout, capture_output=True, timeout=10)
elapsed = time.monotonic() - start
writer.stdout.close()
writer.kill()
writer.wait()
check(b"R 5\n" in p.stdout and elapsed < 2.5, f"slow pipe: first read after {elapsed:.1f} s: {p.stdout!r}")

# ------------------------------------------- records, through the driver
env = dict(os.environ, NEWSMINE_RULES=rules)


def records(cmd, stdin=None):
    p = subprocess.run(cmd, capture_output=True, env=env, input=stdin)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


rc, want, err = records([newsmine, "--rules", rules, "docs.jsonl"])
check(rc == 0, f"newsmine docs.jsonl: {err}")
for name, _ in singles:
    if name == "renamed.txt":
        continue
    rc, got, err = records([driver, "--rules", rules, name])
    check(rc == 0 and got == want.replace('"docs.jsonl:', f'"{name}:'),
          f"driver {name}: same records as newsmine on docs.jsonl ({err})")
# the format comes from the member's name: renamed.txt is text (one document)
rc, got, err = records([driver, "--rules", rules, "--emit", "documents", "renamed.txt"])
check(rc == 0 and got.count("\n") == 1 and '"doc":"renamed.txt"' in got, "renamed.txt is one text document")

rc, got, err = records([driver, "--rules", rules, "--emit", "documents", "arch.tar.gz"])
docs = [json.loads(line)["doc"] for line in got.splitlines()]
check(rc == 0, f"driver arch.tar.gz: {err}")
check(docs[:5] == ["arch.tar.gz!a/one.txt", "a", "arch.tar.gz!b/two.jsonl:2", "c", "arch.tar.gz!c/big.txt"],
      f"archive ids: {docs[:6]}")
check(docs[-1] == "arch.tar.gz!c/big.txt", f"an empty member, as an empty file, is no document: {docs[-1:]}")

rc, got, err = records([driver, "--rules", rules, "--stats", "truncated.jsonl.gz", "docs.jsonl"])
check(rc == 1 and "truncated.jsonl.gz" in err and "damaged" in err, f"damaged input reported, status 1: {rc} {err}")
check(got.endswith(want), "the files after a damaged one are still read")

shutil.rmtree(tmp)
finish()
