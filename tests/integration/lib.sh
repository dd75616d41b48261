# Shared set-up for the pamtester integration tests; sourced, not run.
#
# Each test gets its own work directory, its own OpenID Provider (the npm
# package oidc-provider over HTTPS with a CA made now), its own passwd
# (nss_wrapper) and PAM service directory (pam_wrapper), so tests run in
# parallel, need no root and change nothing in /etc.  pam_wrapper and
# nss_wrapper are preloaded into pamtester alone.

set -u

: "${PKCE_SRCDIR:?run through make check}"
: "${PKCE_MODULE:?run through make check}"
: "${PKCE_BUILDDIR:?run through make check}"

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "$PKCE_BUILDDIR/tests/tmp.$TEST_NAME.XXXXXX") || exit 99
PAMTESTER_PID=
IDP_PID=

# shellcheck source=../idp/start.sh
. "$PKCE_SRCDIR/tests/idp/start.sh"

log() { printf '# %s\n' "$*"; }

fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*"
	for f in "$WORK"/pamtester.out "$WORK"/pamtester.err "$WORK"/idp.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }
	done
	exit 1
}

cleanup() {
	if [ -n "$PAMTESTER_PID" ] && kill -0 "$PAMTESTER_PID" 2>/dev/null; then
		kill "$PAMTESTER_PID" 2>/dev/null
		wait "$PAMTESTER_PID" 2>/dev/null
	fi
	[ -n "${HOSTILE_PID:-}" ] && hostile_stop
	[ -n "$IDP_PID" ] && idp_stop
	if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

require() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			{ echo "ERROR: $tool is missing (run tests/setup-deps.sh)"; exit 99; }
	done
}
require pamtester node openssl curl

libpath() {
	for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/libexec/coreutils; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	echo "ERROR: $1 not found" >&2
	exit 99
}
PAM_WRAPPER_LIB=$(libpath libpam_wrapper.so)
NSS_WRAPPER_LIB=$(libpath libnss_wrapper.so)
STDBUF_LIB=$(libpath libstdbuf.so)

# Local accounts as nss_wrapper sees them.
cat > "$WORK/passwd" <<PASSWD
alice:x:2001:2001:Alice:/nonexistent:/bin/sh
bob:x:2002:2002:Bob:/nonexistent:/bin/sh
carol:x:2003:2003:Carol:/nonexistent:/bin/sh
PASSWD
cat > "$WORK/group" <<GROUP
alice:x:2001:
bob:x:2002:
carol:x:2003:
GROUP

# add_load_users N: local accounts user001..userN, the accounts the test
# provider creates with --extra-users N (load tests).
add_load_users() {
	local i u
	for i in $(seq 1 "$1"); do
		u=$(printf 'user%03d' "$i")
		echo "$u:x:$((3000 + i)):$((3000 + i)):$u:/nonexistent:/bin/sh" >> "$WORK/passwd"
		echo "$u:x:$((3000 + i)):" >> "$WORK/group"
	done
}

mkdir -p "$WORK/pam.d"
# Without an "other" service libpam logs a (harmless) error on every start.
echo "auth required pam_deny.so" > "$WORK/pam.d/other"

# write_config [KEY=VALUE ...]: the test config with extra or overriding lines.
write_config() {
	{
		echo "issuer = ${IDP_ISSUER:-https://127.0.0.1:1}"
		echo "client_id = pam-pkce-test"
		echo "ca_file = ${IDP_CA:-/nonexistent}"
		echo "cache_dir = none"
		echo "timeout = 30"
		echo "http_timeout = 5"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} > "$WORK/pam_pkce.conf"
	chmod 0600 "$WORK/pam_pkce.conf"
	echo "auth required $PKCE_MODULE config=$WORK/pam_pkce.conf" > "$WORK/pam.d/pkce-test"
}

# pam_run_bg CMD...: run a PAM application in the background with the
# wrappers preloaded into it alone, stdout line-buffered.  PKCE_TEST_WRAPPER
# (e.g. "valgrind --error-exitcode=3") runs it under a tool; PKCE_ASAN_LIB
# (set by --enable-sanitizers builds) is preloaded first; PAM_STDIN names
# its standard input (default /dev/null: every prompt is answered empty);
# PAM_OUT the output files' prefix (default $WORK/pamtester).
pam_run_bg() {
	out=${PAM_OUT:-$WORK/pamtester}
	# Empty the files now: the background redirection happens later, and
	# a reader must never see the previous run's URL.
	: > "$out.out"
	: > "$out.err"
	# timeout runs outside the wrappers: a process that loads pam_wrapper
	# and then execs another program leaks one of its few private dirs.
	timeout 120 env LD_PRELOAD="${PKCE_ASAN_LIB:+$PKCE_ASAN_LIB }$STDBUF_LIB $PAM_WRAPPER_LIB $NSS_WRAPPER_LIB" _STDBUF_O=L \
		ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$WORK/pam.d" \
		PAM_WRAPPER_DEBUGLEVEL=3 \
		NSS_WRAPPER_PASSWD="$WORK/passwd" NSS_WRAPPER_GROUP="$WORK/group" \
		PAM_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1 \
		${PKCE_TEST_WRAPPER:-} "$@" \
		> "$out.out" 2> "$out.err" < "${PAM_STDIN:-/dev/null}" &
	PAMTESTER_PID=$!
}

# pamtester_start USER: pamtester authenticates USER on the test service.
pamtester_start() {
	pam_run_bg pamtester -v pkce-test "$1" authenticate
}

# probe_start [pam_probe options] USER: the same with tests/integration/pam_probe,
# which also prints the PAM environment ("env: NAME=VALUE").
probe_start() {
	user=${*: -1}
	set -- "${@:1:$#-1}"
	pam_run_bg "$PKCE_BUILDDIR/tests/integration/pam_probe" "$@" pkce-test "$user"
}

# pamtester_wait: wait for pamtester to finish; sets PAMTESTER_RC.
pamtester_wait() {
	wait "$PAMTESTER_PID"
	PAMTESTER_RC=$?
	PAMTESTER_PID=
}

# shown: what the application showed the person.  Info text goes to
# stdout; misc_conv writes prompts (and error messages) to stderr.
shown() { cat "$WORK/pamtester.out" "$WORK/pamtester.err" 2>/dev/null | grep -v '^PWRAP_'; }

# pamtester_wait_bounded SECONDS: pamtester_wait, but end the application
# (PAMTESTER_RC=124, return 1) if it still runs after SECONDS.
pamtester_wait_bounded() {
	local i=0 max=$(($1 * 10))
	while kill -0 "$PAMTESTER_PID" 2>/dev/null && [ "$i" -lt "$max" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$PAMTESTER_PID" 2>/dev/null; then
		kill "$PAMTESTER_PID" 2>/dev/null
		wait "$PAMTESTER_PID" 2>/dev/null
		PAMTESTER_RC=124
		PAMTESTER_PID=
		return 1
	fi
	pamtester_wait
}

# authorize_url: wait (bounded) for the module to print the URL.
authorize_url() {
	for _ in $(seq 1 150); do
		url=$(shown | grep -m1 -E '^https://')
		if [ -n "$url" ]; then echo "$url"; return 0; fi
		kill -0 "$PAMTESTER_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# url_param URL NAME: the decoded value of a query parameter.
url_param() {
	node -e 'const u = new URL(process.argv[1]); const v = u.searchParams.get(process.argv[2]); if (v === null) process.exit(1); console.log(v);' "$1" "$2"
}

# browser_login URL USER [args]: the scripted browser completes the login.
browser_login() {
	url=$1 user=$2
	shift 2
	node "$PKCE_SRCDIR/tests/idp/browser.mjs" --ca "$IDP_CA" --user "$user" \
		--password "$user-password" "$@" "$url"
}

# expect_outcome TEXT: pamtester's verdict (pam_strerror text) must contain TEXT.
expect_outcome() {
	grep -qF -- "$1" "$WORK/pamtester.out" "$WORK/pamtester.err" ||
		fail "expected outcome '$1'"
	log "outcome: $1"
}

# expect_log TEXT: a module log line contains TEXT.  pam_wrapper turns
# pam_syslog into "SYSLOG(priority): message" lines on stderr.
expect_log() {
	grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qF -- "$1" ||
		fail "expected a log line containing '$1'"
	log "logged: $1"
}

# answer_fifo: make $WORK/answer a FIFO held open on fd 3, for PAM_STDIN;
# `answer TEXT` then types TEXT and Enter at the application's prompt.
answer_fifo() {
	rm -f "$WORK/answer"
	mkfifo "$WORK/answer"
	exec 3<>"$WORK/answer"
	PAM_STDIN=$WORK/answer
}
answer() { printf '%s\n' "$1" >&3; }

# wait_prompt TEXT: wait (bounded) until the application printed TEXT.
wait_prompt() {
	for _ in $(seq 1 150); do
		shown | grep -qF -- "$1" && return 0
		kill -0 "$PAMTESTER_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
