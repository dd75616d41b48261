#!/bin/bash
# Hostile ID tokens: the real provider runs /authorize and the sign-in, and
# the module's token_endpoint and jwks_uri (and, where a case says so,
# userinfo_endpoint) point at tests/idp/hostile.mjs, which re-signs and
# mutates what the real provider issued.  One login as alice per line of
# id_token_cases.txt; each must end with the case's PAM outcome and log line.
#
#   id_token_hostile.sh [CASE...]     or   CASES="a b" id_token_hostile.sh
#
# runs only the named cases (for debugging).  KEEP_WORK=1 keeps the work
# directory (one subdirectory per case: config, pamtester.out/err,
# browser.out/err, stats.json).
. "$(dirname "$0")/lib.sh"

CASE_FILE=$PKCE_SRCDIR/tests/integration/id_token_cases.txt
BASE_WORK=$WORK
# shellcheck disable=SC2034 # hostile_stop (start.sh) reads it
HOSTILE_PID=
# Seconds one case may take from start to verdict, whatever happens.
CASE_DEADLINE=${CASE_DEADLINE:-30}

on_exit() {
	WORK=$BASE_WORK
	hostile_stop
	cleanup
}
trap on_exit EXIT

curl_hostile() {
	curl -sS --max-time 5 --cacert "$IDP_CA" "$@"
}

# pct_decode TEXT: %XX escapes (the case file's way of writing spaces).
pct_decode() {
	local s=${1//\\/\\\\}
	printf '%b' "${s//%/\\x}"
}

# stat_of JSON ROUTE: the count for ROUTE in a flat {"route":N,...} object.
stat_of() {
	local v
	v=$(printf '%s' "$1" | grep -oE "\"$2\":[0-9]+" | head -n1 | cut -d: -f2)
	echo "${v:-0}"
}

outcome_text() {
	case $1 in
	success) echo "successfully authenticated" ;;
	auth_err) echo "Authentication failure" ;;
	authinfo_unavail) echo "Authentication service cannot retrieve authentication info" ;;
	*) return 1 ;;
	esac
}

pamtester_kill() {
	if [ -n "$PAMTESTER_PID" ] && kill -0 "$PAMTESTER_PID" 2>/dev/null; then
		kill "$PAMTESTER_PID" 2>/dev/null
	fi
	[ -n "$PAMTESTER_PID" ] && wait "$PAMTESTER_PID" 2>/dev/null
	PAMTESTER_PID=
}

FAILED=()
PASSED=()
CASE_PROBLEMS=()

problem() { CASE_PROBLEMS+=("$*"); }

report_failure() {
	local name=$1 dir=$2 p
	FAILED+=("$name")
	printf '# case %s: FAIL\n' "$name"
	for p in "${CASE_PROBLEMS[@]}"; do printf '#   - %s\n' "$p"; done
	if [ -s "$dir/pamtester.err" ] && grep -q 'SYSLOG(' "$dir/pamtester.err"; then
		echo "#   module log:"
		grep -F 'SYSLOG(' "$dir/pamtester.err" | tail -n 8 |
			sed -e 's/^.*SYSLOG(/#     SYSLOG(/'
	fi
	[ -s "$dir/pamtester.out" ] && grep -hF 'pamtester:' "$dir/pamtester.out" "$dir/pamtester.err" 2>/dev/null |
		sed -e 's|^[^:]*/||' -e 's/^/#     /' | tail -n 3
	[ -s "$dir/browser.err" ] && sed 's/^/#     browser: /' "$dir/browser.err" | tail -n 3
	[ -s "$dir/stats.json" ] && printf '#     hostile stats: %s\n' "$(cat "$dir/stats.json")"
	return 0
}

# run_case NAME OUTCOME LOG_TEXT [KEY=VALUE ...]
run_case() {
	local name=$1 outcome=$2 logtext want kv url page stats n route expect got
	local dir=$BASE_WORK/case.$name
	local -a config=() stats_expect=()
	shift 2
	logtext=$(pct_decode "$1")
	shift
	CASE_PROBLEMS=()

	want=$(outcome_text "$outcome") || {
		problem "bad outcome '$outcome' in $CASE_FILE"
		report_failure "$name" "$dir"
		return
	}
	for kv in "$@"; do
		kv=$(pct_decode "$kv")
		# shellcheck disable=SC2016 # the literal text $HOSTILE_URL / $CASE
		kv=${kv//'$HOSTILE_URL'/$HOSTILE_URL}
		# shellcheck disable=SC2016
		kv=${kv//'$CASE'/$name}
		case $kv in
		stats.?*=*) stats_expect+=("${kv#stats.}") ;;
		?*=*) config+=("$kv") ;;
		*)
			problem "bad field '$kv' in $CASE_FILE"
			report_failure "$name" "$dir"
			return
			;;
		esac
	done

	# Each case in its own directory: lib.sh's helpers all work on $WORK.
	rm -rf "$dir"
	mkdir -p "$dir/pam.d" || fail "cannot make $dir"
	if ! cp "$BASE_WORK/passwd" "$BASE_WORK/group" "$dir/" ||
		! cp "$BASE_WORK/pam.d/other" "$dir/pam.d/"; then
		fail "cannot set up $dir"
	fi
	WORK=$dir

	curl_hostile -X POST -o /dev/null "$HOSTILE_URL/case/$name/reset" ||
		problem "hostile layer: reset failed"
	write_config \
		"token_endpoint=$HOSTILE_URL/case/$name/token" \
		"jwks_uri=$HOSTILE_URL/case/$name/jwks" \
		"timeout=$CASE_DEADLINE" \
		"${config[@]}"

	pamtester_start alice
	if ! url=$(authorize_url); then
		problem "the module showed no authorize URL"
		pamtester_kill
	elif ! page=$(browser_login "$url" alice --timeout 10 2>"$dir/browser.err"); then
		# The person never got through: no verdict on any token to judge.
		printf '%s\n' "$page" >"$dir/browser.out"
		problem "browser sign-in at the real provider failed"
		pamtester_kill
	else
		printf '%s\n' "$page" >"$dir/browser.out"
		grep -q 'Signed in' "$dir/browser.out" ||
			problem "the browser did not get the listener's signed-in page"
		pamtester_wait_bounded "$CASE_DEADLINE" ||
			problem "pamtester still running after ${CASE_DEADLINE}s"
	fi
	WORK=$BASE_WORK

	if [ "${#CASE_PROBLEMS[@]}" -eq 0 ]; then
		if [ "$outcome" = success ]; then
			[ "$PAMTESTER_RC" -eq 0 ] || problem "pamtester exited $PAMTESTER_RC, expected 0"
		else
			[ "$PAMTESTER_RC" -ne 0 ] || problem "pamtester exited 0, expected a failure"
			! grep -qF "successfully authenticated" "$dir/pamtester.out" "$dir/pamtester.err" ||
				problem "pamtester reports success"
		fi
		grep -qF -- "$want" "$dir/pamtester.out" "$dir/pamtester.err" ||
			problem "pamtester output lacks '$want'"
		grep -F 'SYSLOG(' "$dir/pamtester.err" | grep -qF -- "$logtext" ||
			problem "no module log line contains '$logtext'"
	fi

	stats=$(curl_hostile "$HOSTILE_URL/case/$name/stats") || {
		problem "hostile layer: cannot read stats"
		stats='{}'
	}
	printf '%s\n' "$stats" >"$dir/stats.json"
	if [ -n "${url:-}" ]; then
		# Not vacuous: the module used this case's token route, and the real
		# code exchange behind it worked (so the verdict is on the token).
		n=$(stat_of "$stats" token)
		[ "$n" -eq 1 ] || problem "module posted $n times to the hostile token route, expected 1"
		n=$(stat_of "$stats" token_upstream_ok)
		[ "$n" -eq 1 ] || problem "the real token endpoint did not issue tokens ($n)"
	fi
	for kv in "${stats_expect[@]}"; do
		route=${kv%%=*}
		expect=${kv#*=}
		got=$(stat_of "$stats" "$route")
		[ "$got" = "$expect" ] || problem "hostile route $route served $got requests, expected $expect"
	done

	if [ "${#CASE_PROBLEMS[@]}" -eq 0 ]; then
		PASSED+=("$name")
		printf '# case %s: ok (%s)\n' "$name" "$outcome"
	else
		report_failure "$name" "$dir"
	fi
}

# ------------------------------------------------------------------ main

[ -r "$CASE_FILE" ] || fail "cannot read $CASE_FILE"
mapfile -t LINES < <(grep -vE '^[[:space:]]*(#|$)' "$CASE_FILE")
[ "${#LINES[@]}" -gt 0 ] || fail "no cases in $CASE_FILE"

declare -A TABLE=()
ORDER=()
for line in "${LINES[@]}"; do
	read -r -a f <<<"$line"
	[ "${#f[@]}" -ge 3 ] || fail "bad line in $CASE_FILE: $line"
	[ -z "${TABLE[${f[0]}]+x}" ] || fail "case ${f[0]} listed twice in $CASE_FILE"
	TABLE[${f[0]}]=$line
	ORDER+=("${f[0]}")
done

SELECTED=()
if [ "$#" -gt 0 ] || [ -n "${CASES:-}" ]; then
	# shellcheck disable=SC2206 # word splitting of CASES is the point
	[ "$#" -gt 0 ] && SELECTED=("$@") || SELECTED=(${CASES})
	for name in "${SELECTED[@]}"; do
		[ -n "${TABLE[$name]+x}" ] || fail "unknown case '$name' (not in $CASE_FILE)"
	done
else
	SELECTED=("${ORDER[@]}")
fi

idp_start "$WORK" || fail "provider did not start"
hostile_start "$WORK" || fail "hostile layer did not start"
log "provider $IDP_ISSUER, hostile layer $HOSTILE_URL, ${#SELECTED[@]} cases"

# Every case in the table must be one the hostile layer implements.
known=$(curl_hostile "$HOSTILE_URL/cases") || fail "cannot list the hostile layer's cases"
for name in "${ORDER[@]}"; do
	grep -qxF -- "$name" <<<"$known" || fail "case $name is in $CASE_FILE but not in hostile.mjs"
done

started=$EPOCHREALTIME
for name in "${SELECTED[@]}"; do
	read -r -a f <<<"${TABLE[$name]}"
	run_case "${f[@]}"
done
elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

log "${#SELECTED[@]} cases in ${elapsed}s: ${#PASSED[@]} ok, ${#FAILED[@]} failed"
if [ "${#FAILED[@]}" -gt 0 ]; then
	log "failed: ${FAILED[*]}"
	echo "FAIL: $TEST_NAME: ${#FAILED[@]} of ${#SELECTED[@]} cases failed"
	exit 1
fi
echo "PASS: $TEST_NAME"
