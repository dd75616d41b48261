#!/bin/bash
# The full test suite, from a fresh clone: installs what is missing, builds,
# runs `make check` (cmocka unit tests, fuzz-corpus replay and the
# integration tests against a real OpenID Provider, pamtester, sshd and
# Chromium), and prints a summary of every test.
#
#   tests/run-all.sh               the suite (what the README documents)
#   tests/run-all.sh --sanitizers  rebuilt with ASan + UBSan, the suite again
#   tests/run-all.sh --valgrind    unit tests and logins under valgrind memcheck
#
# CI (.ci/run) runs all three.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=${1:-plain}

tests/setup-deps.sh
[ -x configure ] || ./autogen.sh

case $mode in
plain | --valgrind)
	if [ ! -f Makefile ] || grep -q 'enable-sanitizers' config.status 2>/dev/null; then
		[ -f Makefile ] && make distclean >/dev/null
		./configure --enable-werror
	fi
	;;
--sanitizers)
	if ! grep -q 'enable-sanitizers' config.status 2>/dev/null; then
		[ -f Makefile ] && make distclean >/dev/null
		./configure --enable-werror --enable-sanitizers
	fi
	;;
*)
	echo "usage: tests/run-all.sh [--sanitizers | --valgrind]" >&2
	exit 64
	;;
esac
make -j"$(nproc)"

if [ "$mode" = --valgrind ]; then
	make -j"$(nproc)" check TESTS=	# builds the test programs only
	exec tests/valgrind.sh
fi

rc=0
make -j"$(nproc)" check || rc=$?

echo
echo "== unit tests (cmocka) =="
for log in tests/unit/test_*.log; do
	[ -f "$log" ] || continue
	grep -hE '^\[  (PASSED|FAILED)  \]|^\[==========\] .* run' "$log" |
		sed "s|^|$(basename "$log" .log): |"
done
echo "== fuzz corpus replay =="
for log in fuzz/*.log; do
	[ -f "$log" ] || continue
	tail -n 1 "$log" | sed 's/^/  /'
done
echo "== integration tests =="
for log in tests/integration/*.log; do
	[ -f "$log" ] || continue
	grep -hE '^(# |PASS:|FAIL:)' "$log" | sed 's/^/  /'
done

count() { cat tests/unit/*.trs tests/integration/*.trs fuzz/*.trs 2>/dev/null | grep -cE "^:test-result: ($1)" || true; }
pass=$(count PASS)
failed=$(count 'FAIL|ERROR|XPASS')
skipped=$(count SKIP)
cases=$(grep -hoE '^\[  PASSED  \] [0-9]+' tests/unit/*.log | awk '{s+=$4} END {print s+0}')
echo
tag=
[ "$mode" = plain ] || tag=" ($mode)"
echo "cmocka: $cases test cases passed$tag"
echo "$pass passed, $failed failed, $skipped skipped"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$skipped" -ne 0 ]; then
	# Last, so that a log cut to its head and tail still shows why.
	for trs in tests/unit/*.trs tests/integration/*.trs fuzz/*.trs; do
		[ -f "$trs" ] || continue
		grep -qE '^:test-result: (FAIL|ERROR|XPASS|SKIP)' "$trs" || continue
		echo
		echo "== ${trs%.trs}: last lines of its log =="
		tail -n 40 "${trs%.trs}.log" | sed 's/^/  /'
	done
	echo
	echo "$pass passed, $failed failed, $skipped skipped"
	exit 1
fi
