#!/bin/bash
# Many logins on one host at once, each its own process and user.
#   1. 50 simultaneous logins on ephemeral ports, filling one cold cache_dir
#      together: all succeed, and since
#      each maps the identity to its own PAM user, none can have used
#      another's callback.
#   2. 20 simultaneous logins sharing a redirect_port range of 10 ports:
#      10 get a port and succeed, the other 10 fail cleanly with
#      PAM_AUTHINFO_UNAVAIL at once; nothing hangs.
. "$(dirname "$0")/lib.sh"

N=${CONCURRENT_LOGINS:-50}
idp_start "$WORK" --extra-users "$N" || fail "provider did not start"
add_load_users "$N"
write_config timeout=60 "cache_dir=$WORK/cache"
mkdir -p "$WORK/c"

# start_logins FIRST LAST: one pamtester per user, starts staggered a little
# (pam_wrapper picks its private directory from a small set of names).
declare -A PIDS
start_logins() {
	for i in $(seq "$1" "$2"); do
		u=$(printf 'user%03d' "$i")
		PAM_OUT=$WORK/c/$u pam_run_bg pamtester -v pkce-test "$u" authenticate
		PIDS[$u]=$PAMTESTER_PID
		sleep 0.02
	done
}

# url_of USER: the URL that USER's login printed (bounded wait).
url_of() {
	for _ in $(seq 1 300); do
		url=$(grep -h -m1 -E '^https://' "$WORK/c/$1.out" 2>/dev/null)
		[ -n "$url" ] && { echo "$url"; return 0; }
		kill -0 "${PIDS[$1]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# --- 1. 50 at once, ephemeral ports
start=$(date +%s.%N)
start_logins 1 "$N"
BROWSERS=()
for i in $(seq 1 "$N"); do
	u=$(printf 'user%03d' "$i")
	(
		url=$(url_of "$u") || exit 1
		browser_login "$url" "$u" > "$WORK/c/$u.browser" 2>&1
	) &
	BROWSERS+=($!)
done
# Wait for these only: a bare `wait` would wait for the provider too.
for pid in "${PIDS[@]}" "${BROWSERS[@]}"; do wait "$pid"; done
elapsed=$(echo "$(date +%s.%N) - $start" | awk '{print $1 - $3}')
ok=$(grep -l 'successfully authenticated' "$WORK"/c/user*.out | wc -l)
ports=$(grep -h -oE 'redirect_uri=http%3a%2f%2f127.0.0.1%3a[0-9]+' "$WORK"/c/user*.out | sort -u | wc -l)
log "round 1: $ok of $N logins succeeded in ${elapsed}s on $ports distinct ports"
if [ "$ok" -ne "$N" ]; then
	for out in $(grep -L 'successfully authenticated' "$WORK"/c/user*.out | head -3); do
		echo "--- ${out##*/}: pamtester, the module's log, the browser"
		tail -n 3 "$out"
		grep -hE '^pamtester:|SYSLOG\(' "${out%.out}.err" | tail -n 5
		tail -n 5 "${out%.out}.browser" 2>/dev/null
	done
	fail "only $ok of $N succeeded"
fi
[ "$ports" -eq "$N" ] || fail "logins shared ports"
for i in $(seq 1 "$N"); do
	u=$(printf 'user%03d' "$i")
	grep -F 'SYSLOG(' "$WORK/c/$u.err" | grep -qF "user $u authenticated by $IDP_ISSUER as sub $u-sub" ||
		fail "$u was not authenticated as itself"
done
log "every login was authenticated as its own user"

# --- 2. 20 logins, 10 ports
rm -f "$WORK"/c/*
unset PIDS
declare -A PIDS
base=$(node -e 'const net=require("net");(async()=>{for(let p=20000+Math.floor(Math.random()*30000);;p+=17){const free=await Promise.all([...Array(10).keys()].map(k=>new Promise(r=>{const s=net.createServer().once("error",()=>r(false)).listen(p+k,"127.0.0.1",()=>s.close(()=>r(true)));})));if(free.every(Boolean)){console.log(p);return;}}})();')
write_config timeout=60 "redirect_port=$base-$((base + 9))"
start_logins 1 20
unavail=0 waiting=()
for i in $(seq 1 20); do
	u=$(printf 'user%03d' "$i")
	if url_of "$u" > "$WORK/c/$u.url"; then waiting+=("$u"); else
		wait "${PIDS[$u]}"
		grep -q 'cannot retrieve authentication info' "$WORK/c/$u.out" "$WORK/c/$u.err" && unavail=$((unavail + 1))
	fi
done
log "round 2: ${#waiting[@]} logins got a port, $unavail failed with PAM_AUTHINFO_UNAVAIL"
[ "${#waiting[@]}" -eq 10 ] || fail "expected 10 logins with a port, got ${#waiting[@]}"
[ "$unavail" -eq 10 ] || fail "expected 10 clean PAM_AUTHINFO_UNAVAIL, got $unavail"
BROWSERS=()
for u in "${waiting[@]}"; do
	browser_login "$(cat "$WORK/c/$u.url")" "$u" > "$WORK/c/$u.browser" 2>&1 &
	BROWSERS+=($!)
done
for pid in "${BROWSERS[@]}"; do wait "$pid"; done
for u in "${waiting[@]}"; do wait "${PIDS[$u]}"; done
ok=$(grep -l 'successfully authenticated' "$WORK"/c/user*.out | wc -l)
[ "$ok" -eq 10 ] || fail "only $ok of the 10 logins with a port succeeded"
log "round 2: the 10 with a port all succeeded"
echo "PASS: $TEST_NAME"
