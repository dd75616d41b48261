#!/bin/bash
# pam_pkce_check: a good config reaches the provider and prints the
# endpoints, the keys and a real authorize URL (exit 0); a config error
# exits 2 with the very line the module logs for the same file; a bad
# module argument exits 2; a provider that is down exits 3, fast; an
# unsafe file mode exits 2; neither client_secret nor the proxy's
# credentials nor the PKCE verifier is ever printed.
. "$(dirname "$0")/lib.sh"

CHECK=${PKCE_CHECK:-$PKCE_BUILDDIR/pam_pkce_check}
[ -x "$CHECK" ] || { echo "ERROR: $CHECK not built"; exit 99; }
SECRET=checker-secret-5d1f0c9a77
PROXY_PASSWORD=proxy-pass-8e2b41

case_ok() { log "case $1: ok"; }

# run_check [args]: the checker with the test's passwd (so that alice is
# a local account), output in $WORK/check.out and .err, status in CHECK_RC.
run_check() {
	LD_PRELOAD="${PKCE_ASAN_LIB:+$PKCE_ASAN_LIB }$NSS_WRAPPER_LIB" \
		NSS_WRAPPER_PASSWD="$WORK/passwd" NSS_WRAPPER_GROUP="$WORK/group" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
		timeout 60 "$CHECK" "$@" > "$WORK/check.out" 2> "$WORK/check.err" < /dev/null
	CHECK_RC=$?
}

check_fail() {
	for f in "$WORK/check.out" "$WORK/check.err"; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 60 "$f"; }
	done
	fail "$@"
}

expect_rc() {
	[ "$CHECK_RC" -eq "$1" ] || check_fail "$2: exit status $CHECK_RC, expected $1"
}

# expect_config_error WHAT LINE [checker args]: the checker exits 2 and
# prints LINE, the module's log line for WHAT.
expect_config_error() {
	local what=$1 line=$2
	shift 2
	run_check "$@"
	expect_rc 2 "$what"
	checker_lines | grep -qF -- "$line" || check_fail "$what: no line '$line'"
}

# module_lines: the messages the module logged under pamtester.
module_lines() { sed -n 's/.*SYSLOG([0-9]*): //p' "$WORK/pamtester.err"; }
# checker_lines: the module's messages as the checker printed them.
checker_lines() { sed -n 's/^pam_pkce_check: //p' "$WORK/check.err"; }

# json_get FILE KEY: a string member of a JSON file.
json_get() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(j[process.argv[2]] ?? "")' "$1" "$2"
}

# --- good config -------------------------------------------------------
idp_start "$WORK" || fail "provider did not start"
write_config "client_secret=$SECRET" token_endpoint_auth=client_secret_post
run_check --config "$WORK/pam_pkce.conf" --user alice
expect_rc 0 "good config"
out=$WORK/check.out
curl -sf --cacert "$IDP_CA" "$IDP_ISSUER/.well-known/openid-configuration" > "$WORK/discovery.json" ||
	fail "test set-up: cannot read the discovery document"
for ep in authorization_endpoint token_endpoint jwks_uri userinfo_endpoint; do
	want=$(json_get "$WORK/discovery.json" "$ep")
	grep -qE "^  $ep +=.* $want\$" "$out" || check_fail "endpoint $ep ($want) not shown"
done
curl -sf --cacert "$IDP_CA" "$(json_get "$WORK/discovery.json" jwks_uri)" > "$WORK/jwks.json" ||
	fail "test set-up: cannot read the JWKS"
kids=$(node -e 'for (const k of JSON.parse(require("fs").readFileSync(process.argv[1])).keys) console.log(k.kid)' "$WORK/jwks.json")
[ -n "$kids" ] || fail "test set-up: no kid in the JWKS"
for kid in $kids; do
	grep -qE "^  kid $kid: .*verifies [A-Z]" "$out" || check_fail "key $kid not listed as usable"
done
# Every key of the parser's table is in the settings, defaults included.
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z_]*\)", parse_.*/\1/p' "$PKCE_SRCDIR/pam_pkce/config.c")
[ "$(echo "$keys" | wc -l)" -ge 30 ] || fail "test set-up: cannot list the config keys"
for key in $keys; do
	grep -qE "^  $key +=" "$out" || check_fail "setting $key not shown"
done
grep -qE '^  client_secret += \(set\)$' "$out" || check_fail "client_secret not shown as (set)"
grep -qE '^  timeout += 30$' "$out" || check_fail "timeout not shown with its value"
grep -qE '^  clock_skew += 60$' "$out" || check_fail "default clock_skew not shown"
url=$(grep -m1 -E '^https://' "$out") || check_fail "no authorize URL printed"
[ "${url%%\?*}" = "$(json_get "$WORK/discovery.json" authorization_endpoint)" ] ||
	check_fail "URL is not at the authorization endpoint"
[ "$(url_param "$url" client_id)" = pam-pkce-test ] || check_fail "client_id wrong"
[ "$(url_param "$url" response_type)" = code ] || check_fail "response_type wrong"
[ "$(url_param "$url" code_challenge_method)" = S256 ] || check_fail "not S256"
[ "$(url_param "$url" login_hint)" = alice ] || check_fail "login_hint is not the --user"
redirect=$(url_param "$url" redirect_uri) || check_fail "no redirect_uri"
echo "$redirect" | grep -qE '^http://127\.0\.0\.1:[1-9][0-9]*/callback$' ||
	check_fail "redirect_uri $redirect is not a real loopback address"
challenge=$(url_param "$url" code_challenge)
state=$(url_param "$url" state)
nonce=$(url_param "$url" nonce)
[ "${#challenge}" -eq 43 ] || check_fail "code_challenge is not S256-sized"
url_param "$url" code_verifier >/dev/null && check_fail "the URL carries a code_verifier"
# A verifier is 43 base64url characters; every such string printed must
# be one of those the URL and the JWKS account for.
b64='[A-Za-z0-9_-]'
for tok in $(cat "$out" "$WORK/check.err" |
	grep -oE "(^|[^A-Za-z0-9_-])$b64{43}(\$|[^A-Za-z0-9_-])" |
	grep -oE "$b64{43}" | sort -u); do
	case " $challenge $state $nonce $(echo $kids) " in
	*" $tok "*) ;;
	*) check_fail "unexplained secret-sized value printed: $tok" ;;
	esac
done
grep -q '^OK$' "$out" || check_fail "no OK line"
cat "$out" "$WORK/check.err" > "$WORK/good.out"
case_ok good_config

# --- secrets never printed ---------------------------------------------
write_config "client_secret=$SECRET" token_endpoint_auth=client_secret_post \
	"https_proxy=http://proxy-user:$PROXY_PASSWORD@127.0.0.1:9" debug=yes
run_check --config "$WORK/pam_pkce.conf" --user alice
expect_rc 3 "unreachable proxy"
grep -qF 'https_proxy            = http://127.0.0.1:9' "$WORK/check.out" ||
	check_fail "proxy not shown as scheme://host:port"
for f in "$WORK"/check.out "$WORK"/check.err; do
	grep -qF -- "$SECRET" "$f" && check_fail "client_secret printed in $f"
	grep -qF -- "$PROXY_PASSWORD" "$f" && check_fail "proxy password printed in $f"
	grep -qF -- "proxy-user" "$f" && check_fail "proxy user printed in $f"
done
# Nor as arguments, which override the file.
run_check --config "$WORK/pam_pkce.conf" --user alice "client_secret=$SECRET-arg" \
	"https_proxy=socks5h://proxy-user:$PROXY_PASSWORD-arg@127.0.0.1:1"
expect_rc 3 "unreachable proxy given as an argument"
grep -qF 'https_proxy            = socks5h://127.0.0.1' "$WORK/check.out" ||
	check_fail "the argument did not override https_proxy"
checker_lines | grep -qF 'module argument client_secret: PAM service files are usually world-readable' ||
	check_fail "no warning for client_secret as an argument"
grep -qF -- "$SECRET" "$WORK/check.out" "$WORK/check.err" && check_fail "client_secret argument printed"
grep -qF -- "$PROXY_PASSWORD" "$WORK/check.out" "$WORK/check.err" && check_fail "proxy password argument printed"
# The good-config run printed neither.
grep -qF -- "$SECRET" "$WORK/good.out" && check_fail "client_secret printed by the good run"
case_ok secrets_not_printed

# --- unknown key: the module's own line --------------------------------
write_config "client_idd=typo"
pamtester_start alice
pamtester_wait
[ "$PAMTESTER_RC" -ne 0 ] || fail "pamtester succeeded with a bad config"
run_check --config "$WORK/pam_pkce.conf" --user alice
expect_rc 2 "unknown key in the file"
want="$WORK/pam_pkce.conf:7: client_idd: unknown key"
module_lines | grep -qxF -- "$want" || fail "the module did not log '$want'"
checker_lines | grep -qxF -- "$want" || check_fail "the checker did not print '$want'"
[ "$(checker_lines)" = "$(module_lines)" ] ||
	check_fail "checker and module lines differ: '$(checker_lines)' vs '$(module_lines)'"
[ -s "$WORK/check.out" ] && check_fail "settings printed for a bad config"
case_ok unknown_key

# The same for a module argument, given to both the same way.
write_config
echo "auth required $PKCE_MODULE config=$WORK/pam_pkce.conf no_such_key=1" > "$WORK/pam.d/pkce-test"
pamtester_start alice
pamtester_wait
run_check "config=$WORK/pam_pkce.conf" no_such_key=1
expect_rc 2 "unknown key as an argument"
[ "$(checker_lines)" = "$(module_lines)" ] && [ "$(checker_lines)" = "module argument no_such_key: unknown key" ] ||
	check_fail "argument lines differ: '$(checker_lines)' vs '$(module_lines)'"
case_ok unknown_argument

# --- bad value as KEY=VALUE --------------------------------------------
write_config
expect_config_error "bad timeout argument" 'module argument timeout: invalid value "soon"' \
	--config "$WORK/pam_pkce.conf" timeout=soon
run_check --config "$WORK/pam_pkce.conf" redirect_port=70000
expect_rc 2 "bad redirect_port argument"
case_ok bad_argument_value

# --- unsafe file mode --------------------------------------------------
write_config
chmod 0664 "$WORK/pam_pkce.conf"
expect_config_error "group-writable config" \
	"$WORK/pam_pkce.conf: writable by group or others (mode 0664); refusing to use it" \
	--config "$WORK/pam_pkce.conf" --user alice
case_ok unsafe_mode

# --- a broken user_map is a configuration error too ---------------------
printf 'alice@example.com alice\nnot a mapping line\n' > "$WORK/user_map"
chmod 0600 "$WORK/user_map"
write_config "user_map=$WORK/user_map"
expect_config_error "malformed user_map" \
	"user_map $WORK/user_map:2: expected CLAIM_VALUE LOCAL_USER" \
	--config "$WORK/pam_pkce.conf" --user alice
case_ok bad_user_map

# --- ownership: the module's rules --------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	# Root runs the check: a file owned by someone else is refused.
	write_config
	chown 65534 "$WORK/pam_pkce.conf"
	expect_config_error "config file owned by another user" \
		"$WORK/pam_pkce.conf: owned by uid 65534, must be owned by root; refusing to use it" \
		--config "$WORK/pam_pkce.conf" --user alice
	# write_config truncates: the next file must be root's again.
	rm -f "$WORK/pam_pkce.conf"
	case_ok foreign_owner
	# Someone else runs it on root's file: not even readable.
	require setpriv
	write_config
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CHECK" \
		--config "$WORK/pam_pkce.conf" --user alice \
		> "$WORK/check.out" 2> "$WORK/check.err" < /dev/null
	CHECK_RC=$?
	expect_rc 2 "config file not readable by the caller"
	checker_lines | grep -qF "$WORK/pam_pkce.conf: cannot open: Permission denied" ||
		check_fail "no line for the unreadable file"
	case_ok not_owner
else
	log "case foreign_owner: skipped (needs root)"
	log "case not_owner: skipped (needs root)"
fi

# --- provider down -----------------------------------------------------
idp_stop
IDP_PID=
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')
IDP_ISSUER="https://127.0.0.1:$port"
write_config
start=$(date +%s)
run_check --config "$WORK/pam_pkce.conf" --user alice
elapsed=$(( $(date +%s) - start ))
expect_rc 3 "provider down"
checker_lines | grep -qF "discovery request to $IDP_ISSUER/.well-known/openid-configuration failed" ||
	check_fail "no line for the unreachable provider"
grep -qE '^https://' "$WORK/check.out" && check_fail "an authorize URL was printed"
[ "$elapsed" -le 5 ] || fail "took ${elapsed}s, expected a fast failure"
log "failed in ${elapsed}s"
case_ok provider_down

echo "PASS: $TEST_NAME"
