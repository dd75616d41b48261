#!/bin/sh
# `make fuzz`: build each fuzz target with clang and libFuzzer (plus ASan
# and UBSan) and run it for FUZZ_SECONDS on a working copy of its seed
# corpus.  Fails if any target crashes, leaks, trips a sanitizer or times
# out; the input that did it is left in FUZZ_BUILDDIR/artifacts/.
#
#   run.sh CPPFLAGS...
#
# The arguments are the module's preprocessor flags (kept as words: DEFS
# holds quoted strings).  The Makefile passes the rest in the environment:
#
#   FUZZ_CC        clang with libFuzzer (default clang)
#   FUZZ_SECONDS   seconds per target (default 30)
#   FUZZ_TARGETS   targets to build and run
#   FUZZ_SRCDIR    top of the source tree
#   FUZZ_BUILDDIR  where to build and keep the working corpora
#   FUZZ_SOURCES   the module's .c files, relative to FUZZ_SRCDIR
#   FUZZ_WARN      warning flags of the module build (-Werror is dropped:
#                  clang's set differs from gcc's)
#   FUZZ_LIBS      the libraries the module links
#   FUZZ_JOBS      parallel compiles (default: number of CPUs)
#   FUZZ_ARGS      extra libFuzzer options for every run
set -eu

cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-30}
srcdir=${FUZZ_SRCDIR:?}
build=${FUZZ_BUILDDIR:?}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
targets=${FUZZ_TARGETS:?}

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $sanitize"
warn=
for flag in ${FUZZ_WARN:-}; do
	[ "$flag" = -Werror ] || warn="$warn $flag"
done

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found; make fuzz needs clang with libFuzzer" \
		"(Debian: apt-get install clang)" >&2
	exit 1
fi

# Largest input worth trying: each parser's own limit, a little beyond.
max_len() {
	case $1 in
	fuzz_listener_request) echo 8192 ;;	# LISTENER_REQUEST_MAX
	fuzz_callback_query | fuzz_paste) echo 8448 ;;	# CALLBACK_QUERY_MAX + URL
	fuzz_jwks) echo 16384 ;;	# a few RSA keys up to 16384 bits
	fuzz_user_map) echo 4096 ;;	# lines are cut at 1024 bytes
	*) echo 8192 ;;
	esac
}

mkdir -p "$build/obj" "$build/bin" "$build/corpus" "$build/artifacts" \
	"$build/logs"

# The module, instrumented once for all targets.  A header change
# rebuilds everything: there is no dependency tracking here.
newest_header=$(ls -t "$srcdir"/pam_pkce/*.h "$srcdir"/fuzz/*.h | head -n 1)
objs=
pids=
failed=0
for src in $FUZZ_SOURCES; do
	obj="$build/obj/$(basename "$src" .c).o"
	objs="$objs $obj"
	if [ -f "$obj" ] && [ "$obj" -nt "$srcdir/$src" ] &&
	   [ "$obj" -nt "$newest_header" ]; then
		continue
	fi
	echo "  CC(fuzz) $src"
	# shellcheck disable=SC2086 # word splitting of flag lists is meant
	"$cc" $cflags -fsanitize=fuzzer-no-link $warn "$@" \
		-c "$srcdir/$src" -o "$obj" &
	pids="$pids $!"
	if [ "$(echo $pids | wc -w)" -ge "$jobs" ]; then
		for pid in $pids; do wait "$pid" || failed=1; done
		pids=
	fi
done
for pid in $pids; do wait "$pid" || failed=1; done
if [ "$failed" -ne 0 ]; then
	echo "fuzz: compiling the module with $cc failed" >&2
	exit 1
fi

for t in $targets; do
	echo "  CCLD(fuzz) $t"
	# shellcheck disable=SC2086
	"$cc" $cflags -fsanitize=fuzzer $warn "$@" \
		"$srcdir/fuzz/$t.c" "$srcdir/fuzz/quiet_syslog.c" $objs \
		${FUZZ_LIBS:-} -o "$build/bin/$t"
done

summary=
status=0
for t in $targets; do
	seeds="$srcdir/fuzz/corpus/$t"
	work="$build/corpus/$t"
	log="$build/logs/$t.log"
	dict=
	[ -f "$srcdir/fuzz/dict/$t.dict" ] && dict="-dict=$srcdir/fuzz/dict/$t.dict"
	mkdir -p "$work"
	echo "fuzz: $t for ${seconds}s (log: $log)"
	# New inputs go to the first directory: the working copy, never the seeds.
	# shellcheck disable=SC2086
	if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	   ASAN_OPTIONS=detect_leaks=1 \
	   "$build/bin/$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t-" $dict ${FUZZ_ARGS:-} \
		"$work" "$seeds" >"$log" 2>&1; then
		result=ok
	else
		result=FAILED
		status=1
		echo "fuzz: $t FAILED; the end of $log:" >&2
		tail -n 40 "$log" >&2
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	summary="$summary$(printf '%-22s %-6s %10s %8s %6s %6s %6s' "$t" \
		"$result" "${execs:--}" "${rate:--}" "${cov:--}" "${ft:--}" \
		"${corp:--}")
"
done

printf '\n%-22s %-6s %10s %8s %6s %6s %6s\n' target result execs \
	'exec/s' cov ft corpus
printf '%s' "$summary"
if [ "$status" -ne 0 ]; then
	echo "fuzz: a target failed: the input is in $build/artifacts/;" \
		"fix the bug, then add the input to fuzz/corpus/TARGET/" >&2
fi
exit "$status"
