#!/bin/bash
# Where the listener listens: redirect_host 127.0.0.1 / [::1] / localhost
# (both families on one port), a fixed redirect_port, a busy one, and a
# port range falling back past a busy port.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
failures=0
ok() { echo "# case $1: ok"; }
bad() { echo "# case $1: FAILED ($2)"; failures=$((failures + 1)); }

# A port free right now, and a holder keeping ports busy on 127.0.0.1.
free_port() {
	node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}
HOLDER_PID=
hold_port() {
	node -e 'const s=require("net").createServer().listen(+process.argv[1],"127.0.0.1",()=>console.log("held")); setTimeout(()=>process.exit(0), 60000);' "$1" > "$WORK/holder.out" &
	HOLDER_PID=$!
	for _ in $(seq 1 50); do grep -q held "$WORK/holder.out" && return 0; sleep 0.1; done
	return 1
}
release_port() { kill "$HOLDER_PID" 2>/dev/null; wait "$HOLDER_PID" 2>/dev/null; HOLDER_PID=; }

# login_via NAME EXPECTED_REDIRECT_PREFIX [KEY=VALUE ...]
login_via() {
	name=$1 prefix=$2
	shift 2
	write_config "$@"
	pamtester_start alice
	url=$(authorize_url) || { bad "$name" "no URL"; pamtester_wait; return; }
	redirect=$(url_param "$url" redirect_uri)
	case $redirect in
	"$prefix"*) ;;
	*) bad "$name" "redirect_uri $redirect, wanted $prefix..."; kill "$PAMTESTER_PID"; pamtester_wait; return ;;
	esac
	browser_login "$url" alice >/dev/null || bad "$name" "browser"
	pamtester_wait
	if grep -q 'successfully authenticated' "$WORK/pamtester.out"; then ok "$name"; else
		bad "$name" "not authenticated"; fi
}

login_via ipv4 "http://127.0.0.1:" redirect_host=127.0.0.1
login_via ipv6 "http://[::1]:" "redirect_host=[::1]"
login_via localhost "http://localhost:" redirect_host=localhost

# localhost listens on both families, on the same port.
write_config redirect_host=localhost
pamtester_start alice
url=$(authorize_url) || fail "no URL"
port=$(url_param "$url" redirect_uri | sed -E 's|^http://localhost:([0-9]+)/.*|\1|')
v4=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: localhost:$port" "http://127.0.0.1:$port/callback?state=x")
v6=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: localhost:$port" "http://[::1]:$port/callback?state=x")
# A wrong Host header (DNS rebinding) gets no further than a bad request.
rebound=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: evil.example:$port" "http://127.0.0.1:$port/callback?state=x")
kill "$PAMTESTER_PID"; pamtester_wait
if [ "$v4" = 400 ] && [ "$v6" = 400 ] && [ "$rebound" = 400 ]; then ok localhost_both_families; else
	bad localhost_both_families "v4 $v4, v6 $v6, rebound $rebound"; fi
grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -q 'wrong Host header' || bad wrong_host "not logged"

# A fixed port.
port=$(free_port)
login_via fixed_port "http://127.0.0.1:$port/callback" "redirect_port=$port"

# A fixed port that is busy: PAM_AUTHINFO_UNAVAIL, told to the person and the log.
port=$(free_port)
hold_port "$port" || fail "cannot hold a port"
write_config "redirect_port=$port"
pamtester_start alice
pamtester_wait
if grep -q 'cannot retrieve authentication info' "$WORK/pamtester.out" "$WORK/pamtester.err" &&
   shown | grep -q 'no free local port' &&
   grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -q "cannot listen on 127.0.0.1 port $port-$port"; then
	ok busy_port
else
	bad busy_port "$(shown | tail -n 2 | tr '\n' ' ')"
fi

# A range whose first port is busy: the next free one is used.
login_via range_fallback "http://127.0.0.1:$((port + 1))/callback" "redirect_port=$port-$((port + 2))"
release_port

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
