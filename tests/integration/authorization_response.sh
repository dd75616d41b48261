#!/bin/bash
# The authorization response itself (RFC 6749 4.1.2, RFC 9207): a
# provider error, a wrong or missing iss (the bundled provider advertises
# authorization_response_iss_parameter_supported), duplicated parameters.
# The test reads this login's state from the printed URL, standing in for
# an attacker who could.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
write_config
failures=0

# run_case NAME QUERY_AFTER_STATE WANT LOG_TEXT
run_case() {
	name=$1 extra=$2 want=$3 text=$4
	probe_start alice
	url=$(authorize_url) || fail "no authorize URL shown"
	redirect=$(url_param "$url" redirect_uri)
	state=$(url_param "$url" state)
	curl -s -o /dev/null --max-time 5 "$redirect?state=$state$extra"
	if [ "$want" = waits ]; then
		sleep 0.3
		if ! kill -0 "$PAMTESTER_PID" 2>/dev/null; then
			echo "# case $name: FAILED (stopped waiting)"; failures=$((failures + 1))
			pamtester_wait; return
		fi
		browser_login "$url" alice >/dev/null || echo "# case $name: browser login failed"
		want="authenticate: Success"
	fi
	pamtester_wait
	if ! grep -qxF "$want" "$WORK/pamtester.out"; then
		echo "# case $name: FAILED (wanted '$want')"; failures=$((failures + 1))
	elif ! grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qF -- "$text"; then
		echo "# case $name: FAILED (no log line with '$text')"; failures=$((failures + 1))
	else
		echo "# case $name: ok ($want)"
	fi
}

run_case provider_error "&error=access_denied&iss=$IDP_ISSUER" \
	"authenticate: Authentication failure" "provider returned error=access_denied"
run_case wrong_iss "&code=x&iss=https%3A%2F%2Fevil.example" \
	"authenticate: Authentication failure" "authorization response iss does not match"
run_case missing_iss "&code=x" \
	"authenticate: Authentication failure" "authorization response iss does not match"
run_case duplicated_code "&code=x&code=y&iss=$IDP_ISSUER" waits "duplicated parameter"
run_case no_code_no_error "&iss=$IDP_ISSUER" waits "authenticated by"

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
