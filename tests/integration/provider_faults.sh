#!/bin/bash
# A misbehaving provider (tests/faults/server.mjs): each fault is served as
# the discovery document (issuer = FAULT_SERVER/fault/NAME), or as the token
# endpoint / JWKS behind a real sign-in at the real provider.  Every provider
# problem must end the login with PAM_AUTHINFO_UNAVAIL (a rejected code with
# PAM_AUTH_ERR), a log line naming the problem, no authorize URL when
# discovery failed, and within the time bound: http_timeout per request.
#
#   provider_faults.sh [CASE...]   runs only the named cases (debugging);
#   KEEP_WORK=1 keeps the work directory (case.NAME.out / .err per case).
. "$(dirname "$0")/lib.sh"
# shellcheck source=../faults/start.sh
. "$PKCE_SRCDIR/tests/faults/start.sh"

trap 'faults_stop; cleanup' EXIT

HTTP_TIMEOUT=2
# A single request must end within this many seconds (http_timeout + slack
# for process start-up and 2 cores shared with the servers).
# Under a tool (PKCE_TEST_WRAPPER, e.g. valgrind) start-up alone is slower.
SLACK=$((${PKCE_TEST_WRAPPER:+10} + 3))
REQUEST_BOUND=$((HTTP_TIMEOUT + SLACK))
UNAVAIL="Authentication service cannot retrieve authentication info"
AUTH_ERR="Authentication failure"
SERVICE_ERR="Error in service module"

idp_start "$WORK" || fail "provider did not start"
faults_start "$WORK" || fail "fault server did not start"
log "provider $IDP_ISSUER, fault server $FAULTS_URL, http_timeout=$HTTP_TIMEOUT"
CASE_CONFIG=()

failures=0
TIMINGS=()
SELECTED=" $* "
selected() { [ "$SELECTED" = "  " ] || [[ $SELECTED == *" $1 "* ]]; }
ok() { echo "# case $1: ok${2:+ ($2)}"; }
bad() {
	echo "# case $1: FAILED ($2)"
	failures=$((failures + 1))
	grep -hF 'SYSLOG(' "$WORK/pamtester.err" 2>/dev/null | sed 's/^/#     /' | tail -n 5
	grep -h '^pamtester:' "$WORK/pamtester.out" "$WORK/pamtester.err" 2>/dev/null |
		sed 's/^/#     /' | tail -n 2
}

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
within() { awk -v e="$1" -v m="$2" 'BEGIN { exit !(e <= m) }'; }

# check NAME OUTCOME LOG_ERE: pamtester's verdict contains OUTCOME and
# exactly one module log line at LOG_ERR or worse matches LOG_ERE (the one
# line the outcome is logged with).  Prints problems, returns 1 on any.
check() {
	local name=$1 outcome=$2 ere=$3 n
	cp "$WORK/pamtester.out" "$WORK/case.$name.out" 2>/dev/null
	cp "$WORK/pamtester.err" "$WORK/case.$name.err" 2>/dev/null
	if grep -qF 'successfully authenticated' "$WORK/pamtester.out" "$WORK/pamtester.err" &&
		[ "$outcome" != "successfully authenticated" ]; then
		echo "authenticated"
		return 1
	fi
	if ! grep -qF -- "$outcome" "$WORK/pamtester.out" "$WORK/pamtester.err"; then
		echo "outcome is not '$outcome'"
		return 1
	fi
	if ! grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qE -- "$ere"; then
		echo "no log line matching /$ere/"
		return 1
	fi
	# pam_wrapper writes "SYSLOG(priority)": 0-3 are LOG_EMERG..LOG_ERR.
	n=$(grep -cE 'SYSLOG\([0-3]\)' "$WORK/pamtester.err")
	if [ "$outcome" = "$UNAVAIL" ] && [ "$n" -ne 1 ]; then
		echo "$n error log lines, expected exactly 1"
		return 1
	fi
	return 0
}

# discovery_case NAME ISSUER LOG_ERE [HITS_FAULT [HITS_LISTENER]] [-- OUTCOME]
# The module fetches discovery from ISSUER (a fault route): it must fail
# with OUTCOME (default PAM_AUTHINFO_UNAVAIL) within REQUEST_BOUND seconds,
# show no authorize URL, and (non-vacuous) the fault server must have
# served HITS_FAULT (on HITS_LISTENER) at least once; HITS_FAULT "-" skips
# that check (the module must not connect at all).
discovery_case() {
	local name=$1 issuer=$2 ere=$3 hits_fault=${4:-$1} listener=${5:-} outcome=$UNAVAIL
	local start elapsed problem before after
	[ "${6:-}" = "--" ] && outcome=$7
	selected "$name" || return 0
	before=0
	[ "$hits_fault" != - ] && before=$(faults_stats "$hits_fault" "$listener")
	write_config "issuer=$issuer" "http_timeout=$HTTP_TIMEOUT" prompt=never timeout=30 \
		${CASE_CONFIG[@]+"${CASE_CONFIG[@]}"}
	start=$(now)
	pamtester_start alice
	if ! pamtester_wait_bounded 30; then
		bad "$name" "still running after 30s"
		return
	fi
	elapsed=$(since "$start")
	case $hits_fault in
	drip | drip_body | silent | stall)
		TIMINGS+=("$name ${elapsed}s (the server saw the connection held $(faults_held "$hits_fault")s)") ;;
	*) TIMINGS+=("$name ${elapsed}s") ;;
	esac
	if problem=$(check "$name" "$outcome" "$ere"); then :; else
		bad "$name" "$problem (${elapsed}s)"
		return
	fi
	if grep -q '^https://' "$WORK/pamtester.out"; then
		bad "$name" "an authorize URL was shown"
		return
	fi
	if ! within "$elapsed" "$REQUEST_BOUND"; then
		bad "$name" "took ${elapsed}s, bound ${REQUEST_BOUND}s"
		return
	fi
	if [ "$hits_fault" != - ]; then
		after=$(faults_stats "$hits_fault" "$listener")
		if [ "$after" -le "$before" ]; then
			bad "$name" "the fault server never served $hits_fault${listener:+ on $listener}"
			return
		fi
	fi
	ok "$name" "${elapsed}s"
}

# control_case NAME ISSUER LISTENER: discovery at ISSUER works (the module
# shows the authorize URL and then times out waiting for the browser).
control_case() {
	local name=$1 issuer=$2 listener=$3 before after
	selected "$name" || return 0
	before=$(faults_stats ok "$listener")
	write_config "issuer=$issuer" "http_timeout=$HTTP_TIMEOUT" prompt=never timeout=1
	pamtester_start alice
	pamtester_wait_bounded 20 || { bad "$name" "still running after 20s"; return; }
	after=$(faults_stats ok "$listener")
	if ! grep -q '^https://127.0.0.1:[0-9]*/auth?' "$WORK/pamtester.out"; then
		bad "$name" "no authorize URL"
	elif ! grep -qF "$AUTH_ERR" "$WORK/pamtester.out" "$WORK/pamtester.err"; then
		bad "$name" "did not time out waiting for the browser"
	elif [ "$after" -le "$before" ]; then
		bad "$name" "the fault server did not serve the document on $listener"
	else
		ok "$name"
	fi
}

# login_case NAME OUTCOME LOG_ERE HITS_FAULT KEY=VALUE...: a real sign-in
# at the real provider, with the token endpoint or the JWKS at a fault
# route (KEY=VALUE).  The browser must get the listener's page, and the
# module must decide within BOUND seconds of the callback (token and JWKS:
# two requests).
login_case() {
	local name=$1 outcome=$2 ere=$3 hits_fault=$4 url start elapsed total problem page before after port
	local bound=$((2 * HTTP_TIMEOUT + SLACK)) login_bound=$((30 + 3 * HTTP_TIMEOUT + SLACK))
	shift 4
	selected "$name" || return 0
	before=$(faults_stats "$hits_fault")
	write_config "http_timeout=$HTTP_TIMEOUT" prompt=never timeout=30 "$@"
	total=$(now)
	pamtester_start alice
	if ! url=$(authorize_url); then
		bad "$name" "no authorize URL"
		pamtester_wait_bounded 5
		return
	fi
	if ! page=$(browser_login "$url" alice --timeout 10 2>&1); then
		bad "$name" "browser: $(echo "$page" | tail -n 1)"
		pamtester_wait_bounded 5
		return
	fi
	start=$(now)
	# SPEC: the port is freed before the slow part.  While a slow request
	# keeps the module busy, nothing may listen on the redirect port.
	port=$(url_param "$url" redirect_uri | sed -E 's|^http://[^/]*:([0-9]+)/.*|\1|')
	if [ -n "${SLOW:-}" ]; then
		sleep 0.5
		if ! kill -0 "$PAMTESTER_PID" 2>/dev/null; then
			bad "$name" "ended before the slow request could be watched"
			return
		fi
		if [ -n "$(listening_addrs "$port")" ]; then
			bad "$name" "port $port still listening during the token request"
			pamtester_wait_bounded 30
			return
		fi
	fi
	if ! pamtester_wait_bounded 30; then
		bad "$name" "still running 30s after the callback"
		return
	fi
	elapsed=$(since "$start")
	total=$(since "$total")
	TIMINGS+=("$name ${elapsed}s after the callback (${total}s in all)")
	if ! echo "$page" | grep -q 'Signed in'; then
		bad "$name" "the browser did not get the signed-in page"
		return
	fi
	if problem=$(check "$name" "$outcome" "$ere"); then :; else
		bad "$name" "$problem"
		return
	fi
	if ! within "$elapsed" "$bound"; then
		bad "$name" "took ${elapsed}s after the callback, bound ${bound}s"
		return
	fi
	# SPEC: the whole login within timeout plus a few http_timeouts.
	if ! within "$total" "$login_bound"; then
		bad "$name" "the login took ${total}s, bound ${login_bound}s"
		return
	fi
	after=$(faults_stats "$hits_fault")
	if [ "$hits_fault" != - ] && [ "$after" -le "$before" ]; then
		bad "$name" "the fault server never served $hits_fault"
		return
	fi
	ok "$name" "${elapsed}s after the callback"
}

F=$FAULTS_URL/fault
P=$FAULTS_PORT_plain

# ---- controls: the fault server's good document works over https, and
# over plain http to a loopback literal (SPEC: allowed for local testing).
control_case control_https "$F/ok" main
control_case control_http_loopback "http://127.0.0.1:$P/fault/ok" plain

# ---- HTTP status and content faults at discovery.
discovery_case http_500 "$F/http_500" 'discovery request to .*: HTTP status 500'
discovery_case http_503_html "$F/http_503_html" 'discovery request to .*: HTTP status 503'
discovery_case http_404 "$F/http_404" 'discovery request to .*: HTTP status 404'
discovery_case html_200 "$F/html_200" 'discovery response from .* is not a JSON object'
discovery_case json_array "$F/json_array" 'discovery response from .* is not a JSON object'
discovery_case json_string "$F/json_string" 'discovery response from .* is not a JSON object'
discovery_case truncated_json "$F/truncated_json" 'discovery request to .* failed: transfer closed'
discovery_case endless_chunked "$F/endless_chunked" 'discovery request to .* failed: response too large'
discovery_case oversize_length "$F/oversize_length" 'discovery request to .* failed: (response too large|Maximum file size exceeded)'
discovery_case oversize_chunked "$F/oversize_chunked" 'discovery request to .* failed: response too large'
discovery_case endless_headers "$F/endless_headers" 'discovery request to .* failed: .*([Tt]oo large|header)'
discovery_case endless_1xx "$F/endless_1xx" 'discovery request to .* failed: .*([Tt]oo large|[Tt]imed out|header)'
# Without Accept-Encoding nothing is inflated: the body is binary, not JSON.
discovery_case gzip_bomb "$F/gzip_bomb" 'discovery (response from .* is not a JSON object|request to .* failed: response too large)'
discovery_case deep_array "$F/deep_array" 'discovery response from .* is not a JSON object'
discovery_case deep_in_object "$F/deep_in_object" 'discovery response from .* is not a JSON object'
discovery_case deep_objects "$F/deep_objects" 'discovery response from .* is not a JSON object'
# Not followed, though following would give a valid document.
discovery_case redirect "$F/redirect" 'discovery request to .*: HTTP status 302'
if selected redirect && [ "$(faults_stats redirect_target)" -ne 0 ]; then
	bad redirect_not_followed "the redirect target was fetched"
fi
discovery_case drip "$F/drip" 'discovery request to .* failed: .*[Tt]imed out'
discovery_case drip_body "$F/drip_body" 'discovery request to .* failed: .*[Tt]imed out'
discovery_case silent "$F/silent" 'discovery request to .* failed: .*[Tt]imed out'
discovery_case issuer_mismatch "$F/issuer_mismatch" 'discovery document of .* rejected: issuer does not match'
discovery_case no_s256 "$F/no_s256" 'discovery document of .* rejected: .*S256'
# The document names a plain-http token endpoint on a host name.
discovery_case http_token_endpoint "$F/http_token_endpoint" 'discovery document of .* rejected: token_endpoint'

# ---- TLS: each listener serves the good document behind a bad certificate.
discovery_case tls_unknown_ca "https://127.0.0.1:$FAULTS_PORT_unknownca/fault/ok" \
	'discovery request to .* failed: .*unable to get local issuer certificate' - unknownca
discovery_case tls_self_signed "https://127.0.0.1:$FAULTS_PORT_selfsigned/fault/ok" \
	'discovery request to .* failed: .*self.signed certificate' - selfsigned
discovery_case tls_expired "https://127.0.0.1:$FAULTS_PORT_expired/fault/ok" \
	'discovery request to .* failed: .*certificate has expired' - expired
discovery_case tls_wrong_host "https://127.0.0.1:$FAULTS_PORT_wronghost/fault/ok" \
	'discovery request to .* failed: .*(subject name|does not match|host name)' - wronghost
# A TCP peer that accepts and never starts the TLS handshake.
discovery_case tls_stall "https://127.0.0.1:$FAULTS_PORT_stall/fault/ok" \
	'discovery request to .* failed: .*([Tt]imed out|timeout)' stall stall
# The certificate cases must not have reached the document.
for l in unknownca selfsigned expired wronghost; do
	if selected "tls_$l" || [ "$SELECTED" = "  " ]; then
		n=$(faults_stats ok "$l")
		[ "$n" -eq 0 ] || bad "tls_no_request_$l" "the module sent $n request(s) past a bad certificate"
	fi
done

# ---- plain http to a host name (not a loopback literal): SPEC "Provider
# URLs must be https, except literal loopback hosts".  As the configured
# issuer or endpoint it is a bad value (PAM_SERVICE_ERR, nothing fetched).
CASE_CONFIG=()
plain_before=$(faults_stats ok plain)
discovery_case http_localhost_issuer "http://localhost:$P/fault/ok" \
	'issuer.*(invalid URL|https)' - "" -- "$SERVICE_ERR"
CASE_CONFIG=("token_endpoint=http://localhost:$P/fault/token_500/token")
discovery_case http_localhost_token_endpoint "$F/ok" \
	'token_endpoint.*(invalid URL|https)' - "" -- "$SERVICE_ERR"
CASE_CONFIG=()
n=$(( $(faults_stats ok plain) - plain_before + $(faults_stats token_500 plain) ))
[ "$n" -eq 0 ] || bad http_localhost_nothing_fetched "the plain listener served $n requests to host-name URLs"

# ---- behind a real sign-in: the token endpoint and the JWKS.
login_case control_login "successfully authenticated" 'authenticated by' -
login_case token_500 "$UNAVAIL" 'token request to .*: HTTP status 500' token_500 \
	"token_endpoint=$F/token_500/token"
login_case token_invalid_grant "$AUTH_ERR" 'HTTP status 400 \(invalid_grant\)' \
	token_invalid_grant "token_endpoint=$F/token_invalid_grant/token"
# A 4xx that is no OAuth refusal of the code (RFC 6749 5.2: 400, or 401
# for invalid_client, with an "error" member) is a provider problem, not a
# rejected token: with the SPEC's PAM line (authinfo_unavail=ignore
# default=die) PAM_AUTH_ERR would lock everyone out while the provider
# rate-limits or the endpoint is misconfigured.
login_case token_404 "$UNAVAIL" 'token request to .*: HTTP status 404' token_404 \
	"token_endpoint=$F/token_404/token"
login_case token_429 "$UNAVAIL" 'token request to .*: HTTP status 429' token_429 \
	"token_endpoint=$F/token_429/token"
# 307 keeps method and body: following it would redeem the code for real.
login_case token_redirect_307 "$UNAVAIL" 'token request to .*: HTTP status 307' \
	token_redirect_307 "token_endpoint=$F/token_redirect_307/token"
SLOW=1 login_case token_drip "$UNAVAIL" 'token request to .* failed: .*[Tt]imed out' drip \
	"token_endpoint=$F/drip/token"
login_case jwks_no_key "$UNAVAIL" 'JWKS document rejected: no usable signing key' jwks_no_key \
	"jwks_uri=$F/jwks_no_key/jwks"
login_case jwks_redirect "$UNAVAIL" 'JWKS request to .*: HTTP status 302' jwks_redirect \
	"jwks_uri=$F/jwks_redirect/jwks"
login_case jwks_endless "$UNAVAIL" 'JWKS request to .* failed: response too large' endless_chunked \
	"jwks_uri=$F/endless_chunked/jwks"

log "timings (http_timeout=$HTTP_TIMEOUT):"
for t in "${TIMINGS[@]}"; do log "  $t"; done
[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
