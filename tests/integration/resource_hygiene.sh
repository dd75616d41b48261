#!/bin/bash
# Nothing outlives pam_authenticate: after every outcome the process has
# the descriptors and threads it had before, and no listening socket.
# pam_probe --resources reads /proc/self before and after the call; while
# the module waits, the test looks at the process from outside to show
# that the counters do see the listener and the prompt thread.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
failures=0
ok() { echo "# case $1: ok"; }
bad() { echo "# case $1: FAILED ($2)"; failures=$((failures + 1)); }

# The probe's own PID (pam_run_bg starts it under timeout).
probe_pid() {
	for _ in $(seq 1 50); do
		child=$(cat /proc/"$PAMTESTER_PID"/task/*/children 2>/dev/null | awk '{print $1}')
		[ -n "$child" ] && { echo "$child"; return 0; }
		sleep 0.1
	done
	return 1
}

# unchanged NAME: the probe's before/after resource lines must be equal,
# and the after line must show no listening socket.
unchanged() {
	before=$(grep '^resources:' "$WORK/pamtester.out" | sed -n 1p)
	after=$(grep '^resources:' "$WORK/pamtester.out" | sed -n 2p)
	verdict=$(grep '^authenticate:' "$WORK/pamtester.out")
	if [ -z "$before" ] || [ "$before" != "$after" ]; then
		bad "$1" "before '$before', after '$after'"
	elif ! echo "$after" | grep -q 'listening=0'; then
		bad "$1" "a socket still listens: $after"
	else
		ok "$1 (${verdict#authenticate: }; $after)"
	fi
}

write_config
probe_start --resources alice
url=$(authorize_url) || fail "no URL"
pid=$(probe_pid) || fail "no probe process"
listening=$(ls -l /proc/"$pid"/fd 2>/dev/null | grep -c 'socket:')
browser_login "$url" alice >/dev/null
pamtester_wait
[ "$listening" -ge 1 ] || bad success "no socket seen while waiting"
unchanged success

probe_start --resources bob
url=$(authorize_url) || fail "no URL"
browser_login "$url" alice >/dev/null
pamtester_wait
unchanged wrong_identity

probe_start --resources alice
url=$(authorize_url) || fail "no URL"
node "$PKCE_SRCDIR/tests/idp/browser.mjs" --ca "$IDP_CA" --user alice --password x --cancel "$url" >/dev/null 2>&1
pamtester_wait
unchanged provider_error

write_config timeout=1
probe_start --resources alice
pamtester_wait
unchanged timeout

# always: the listener runs in a second thread while the prompt waits.
write_config prompt=always
answer_fifo
probe_start --resources alice
url=$(authorize_url) || fail "no URL"
pid=$(probe_pid) || fail "no probe process"
threads=$(ls /proc/"$pid"/task | wc -l)
browser_login "$url" alice >/dev/null
answer ""
pamtester_wait
[ "$threads" -ge 2 ] || bad always_enter "no listener thread seen while prompting ($threads)"
unchanged always_enter

answer_fifo
probe_start --resources alice
url=$(authorize_url) || fail "no URL"
answer "$(browser_login "$url" alice --print-callback)"
pamtester_wait
unchanged always_paste

probe_start --resources --cancel alice
pamtester_wait
unchanged always_cancelled

write_config prompt=always timeout=1
answer_fifo
probe_start --resources alice
url=$(authorize_url) || fail "no URL"
sleep 1.5
answer ""
pamtester_wait
unchanged always_timeout

IDP_ISSUER_SAVED=$IDP_ISSUER
IDP_ISSUER=https://127.0.0.1:1 write_config
probe_start --resources alice
pamtester_wait
unchanged provider_down
IDP_ISSUER=$IDP_ISSUER_SAVED

write_config no_such_key=1
probe_start --resources alice
pamtester_wait
unchanged config_error

write_config
probe_start --resources --silent alice
pamtester_wait
unchanged silent

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
