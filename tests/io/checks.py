"""What the tests under tests/io/ share: counting checks, the exit status
ctest reads, and the stable entity id they recompute (first 32 hex digits of
sha256(doc:type:start:end), as src/cli/entity_id.c computes it)."""
import hashlib
import sys

failures = []
passed = 0


def check(cond, what):
    """Counts one check; a failed one is named on stderr at once."""
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL", what, file=sys.stderr, flush=True)


def finish():
    """Prints the count and exits: 1 when a check failed."""
    print(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


def entity_id(doc, type_, start, end):
    return hashlib.sha256(f"{doc}:{type_}:{start}:{end}".encode()).hexdigest()[:32]
