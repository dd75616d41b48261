#!/bin/bash
# A callback with a wrong state reaches the listener first (another page,
# another login): it is answered with an error and ignored; the real
# callback that follows completes the login.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
write_config
pamtester_start alice
url=$(authorize_url) || fail "no authorize URL shown"
redirect=$(url_param "$url" redirect_uri) || fail "no redirect_uri"
status=$(curl -s -o "$WORK/forged.html" -w '%{http_code}' --max-time 5 \
	"$redirect?code=forged-code&state=forged-state") || fail "listener unreachable"
[ "$status" = 400 ] || fail "forged callback answered $status, not 400"
grep -q 'does not belong' "$WORK/forged.html" || fail "no 'not this login' page"
grep -q 'forged' "$WORK/forged.html" && fail "request input reflected in the page"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$redirect?code=forged-code") ||
	fail "listener unreachable"
[ "$status" = 400 ] || fail "callback without state answered $status, not 400"
kill -0 "$PAMTESTER_PID" 2>/dev/null || fail "pamtester stopped after a forged callback"
browser_login "$url" alice >/dev/null || fail "browser login failed"
pamtester_wait
[ "$PAMTESTER_RC" -eq 0 ] || fail "pamtester exited $PAMTESTER_RC"
expect_outcome "successfully authenticated"
expect_log "callback with a wrong or missing state ignored"
echo "PASS: $TEST_NAME"
