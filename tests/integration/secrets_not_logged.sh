#!/bin/bash
# A full login with debug on, as a confidential client: nothing logged or
# printed contains the code, the verifier, the tokens or the client
# secret, and nothing logged contains the state or the nonce (the printed
# URL carries those two by design).  The hostile layer in its "control"
# case records what the module sent to the token endpoint and got back.
. "$(dirname "$0")/lib.sh"

SECRET=test-secret-0123456789
idp_start "$WORK" || fail "provider did not start"
mkdir -p "$WORK/record"
hostile_start "$WORK" --record "$WORK/record" || fail "hostile layer did not start"
write_config debug=yes client_id=pam-pkce-secret "client_secret=$SECRET" \
	"token_endpoint=$HOSTILE_URL/case/control/token" "jwks_uri=$HOSTILE_URL/case/control/jwks"
pamtester_start alice
url=$(authorize_url) || fail "no URL"
browser_login "$url" alice >/dev/null || fail "browser login failed"
pamtester_wait
expect_outcome "successfully authenticated"
grep -F 'SYSLOG(7)' "$WORK/pamtester.err" | grep -q 'ID token verified' || fail "no debug lines logged"
log "debug lines logged: $(grep -cF 'SYSLOG(7)' "$WORK/pamtester.err")"

request=$(cat "$WORK/record/control.token-request")
response=$WORK/record/control.token-response
form() { node -e 'console.log(new URLSearchParams(process.argv[1]).get(process.argv[2]) ?? "")' "$request" "$1"; }
json() { node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(j[process.argv[2]] ?? "")' "$response" "$1"; }
code=$(form code)
verifier=$(form code_verifier)
id_token=$(json id_token)
access_token=$(json access_token)
state=$(url_param "$url" state)
nonce=$(url_param "$url" nonce)
for v in code verifier id_token access_token state nonce; do
	[ -n "${!v}" ] || fail "test set-up: no $v recorded"
done
# The ID token's signature part alone is distinctive too.
id_sig=${id_token##*.}
basic=$(printf '%s:%s' pam-pkce-secret "$SECRET" | base64 -w0)

logged=$WORK/logged.txt
printed=$WORK/printed.txt
grep -F 'SYSLOG(' "$WORK/pamtester.err" > "$logged"
grep -vF 'PWRAP_' "$WORK/pamtester.err" | cat "$WORK/pamtester.out" - > "$printed"
# pam_wrapper traces its own calls; what the module logs is the SYSLOG lines.
for name in code verifier id_token id_sig access_token SECRET basic state nonce; do
	value=${!name}
	grep -qF -- "$value" "$logged" && fail "$name appears in the log"
done
for name in code verifier id_token id_sig access_token SECRET basic; do
	value=${!name}
	grep -qF -- "$value" "$printed" && fail "$name appears in what was printed"
done
log "no code, verifier, token, secret, state or nonce in $(wc -l < "$logged") log lines"
echo "PASS: $TEST_NAME"
