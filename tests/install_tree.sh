#!/bin/sh
# Installs into a temporary prefix and checks what a user gets: the binary
# finds its installed rules without configuration, the header compiles
# against the library through pkg-config.
set -e
build=$1 source=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
fail() { echo "install: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -x "$tmp/prefix/bin/newsmine" ] || fail "no bin/newsmine"
[ -f "$tmp/prefix/include/newsmine.h" ] || fail "no include/newsmine.h"
[ -d "$tmp/prefix/share/newsmine/rules/en" ] || fail "no share/newsmine/rules"
[ ! -e "$tmp/prefix/share/newsmine/rules/tools" ] || fail "rules/tools installed"
pc=$(find "$tmp/prefix" -name newsmine.pc | head -1)
[ -n "$pc" ] || fail "no newsmine.pc"
# the installed binary uses the installed rules: check with an empty source tree path
NEWSMINE_RULES= "$tmp/prefix/bin/newsmine" --check-rules "$tmp/prefix/share/newsmine/rules" >/dev/null ||
    fail "installed rules do not load"
echo "Kazakhstan sent 139 soldiers." | "$tmp/prefix/bin/newsmine" > "$tmp/out"
grep -q '"type":"count"' "$tmp/out" || fail "installed binary found no count"
cat > "$tmp/use.c" <<'C'
#include <newsmine.h>
#include <stdio.h>
int main(void) { printf("%s\n", newsmine_version()); return 0; }
C
PKG_CONFIG_PATH=$(dirname "$pc") cc "$tmp/use.c" -o "$tmp/use" \
    $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs --static newsmine) ||
    fail "a program does not build against the installed library"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/use" >/dev/null || fail "the program does not run"
echo "1 passed, 0 failed"
