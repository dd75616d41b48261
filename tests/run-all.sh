#!/bin/bash
# The full test suite, from a fresh clone: installs what is missing, builds,
# runs `make check` (cmocka unit tests and pamtester integration tests
# against a real OpenID Provider), and prints a summary of every test.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tests/setup-deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure --enable-werror
make -j"$(nproc)"

rc=0
make -j"$(nproc)" check || rc=$?

echo
echo "== unit tests (cmocka) =="
for log in tests/unit/test_*.log; do
	[ -f "$log" ] || continue
	grep -hE '^\[  (PASSED|FAILED)  \]|^\[==========\] .* run' "$log" |
		sed "s|^|$(basename "$log" .log): |"
done
echo "== integration tests (pamtester + oidc-provider) =="
for log in tests/integration/*.log; do
	[ -f "$log" ] || continue
	grep -hE '^(# |PASS:|FAIL:)' "$log" | sed 's/^/  /'
done

count() { cat tests/unit/*.trs tests/integration/*.trs 2>/dev/null | grep -cE "^:test-result: ($1)" || true; }
pass=$(count PASS)
failed=$(count 'FAIL|ERROR|XPASS')
skipped=$(count SKIP)
cases=$(grep -hoE '^\[  PASSED  \] [0-9]+' tests/unit/*.log | awk '{s+=$4} END {print s+0}')
echo
echo "cmocka: $cases test cases passed"
echo "$pass passed, $failed failed, $skipped skipped"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$skipped" -ne 0 ]; then
	exit 1
fi
