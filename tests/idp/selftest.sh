#!/bin/bash
# selftest.sh [WORKDIR] -- checks the test provider end to end without the
# PAM module: discovery, sign-in through browser.mjs onto a loopback
# listener on an arbitrary port, code exchange with curl (PKCE S256, public
# client), ID token signature and claims, the confidential client, a refused
# password, Cancel, and an ES256 provider.  Needs node, curl, openssl.
# shellcheck disable=SC2015,SC2016
set -eu

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
own_work=
if [ "$#" -ge 1 ]; then
	work=$1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/idp-selftest.XXXXXX")
	own_work=1
fi
mkdir -p "$work"
. "$here/start.sh"

listener_pid=
cleanup() {
	if [ -n "$listener_pid" ] && kill -0 "$listener_pid" 2>/dev/null; then
		kill "$listener_pid" 2>/dev/null || true
		wait "$listener_pid" 2>/dev/null || true
	fi
	idp_stop
}
trap cleanup EXIT

failures=0
ok() { echo "ok   - $*"; }
bad() {
	echo "FAIL - $*"
	failures=$((failures + 1))
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# A one-shot loopback callback listener: binds HOST port 0, writes the port
# to $work/cb.port and the request target it receives to $work/cb.req.
start_listener() {
	rm -f "$work/cb.port" "$work/cb.req"
	node --input-type=module -e '
import { createServer } from "node:http";
import { writeFileSync, renameSync } from "node:fs";
const [host, dir] = process.argv.slice(1);
const srv = createServer((req, res) => {
  writeFileSync(`${dir}/cb.req`, req.url + "\n");
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end("signed in, return to your terminal\n");
  srv.close();
});
srv.listen(0, host, () => {
  writeFileSync(`${dir}/cb.port.tmp`, `${srv.address().port}\n`);
  renameSync(`${dir}/cb.port.tmp`, `${dir}/cb.port`);
});
setTimeout(() => process.exit(3), 30000).unref();
' "$1" "$work" &
	listener_pid=$!
	local i=0
	while [ ! -s "$work/cb.port" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cb_port=$(cat "$work/cb.port")
}

# authorize_url REDIRECT_URI [CLIENT_ID]: sets verifier, state, nonce, url
authorize_url() {
	local redirect=$1 client=${2:-pam-pkce-test} challenge
	verifier=$(head -c 48 /dev/urandom | b64url)
	challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | b64url)
	state=$(head -c 16 /dev/urandom | b64url)
	nonce=$(head -c 16 /dev/urandom | b64url)
	url=$(node -e '
const [base, client, redirect, challenge, state, nonce] = process.argv.slice(1);
const u = new URL(base);
u.search = new URLSearchParams({
  response_type: "code", client_id: client, redirect_uri: redirect,
  scope: "openid profile email groups", state, nonce,
  code_challenge: challenge, code_challenge_method: "S256",
  login_hint: "alice", audience: "x",
}).toString();
console.log(u.href);
' "$authorization_endpoint" "$client" "$redirect" "$challenge" "$state" "$nonce")
}

# query_param NAME < URL-or-target
query_param() {
	node -e '
let s = require("fs").readFileSync(0, "utf8").trim();
const u = new URL(s, "http://x");
process.stdout.write(u.searchParams.get(process.argv[1]) ?? "");
' "$1"
}

json_get() { node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8")); const v = o[process.argv[1]]; process.stdout.write(typeof v === "string" ? v : JSON.stringify(v ?? null));' "$1"; }

# verify_id_token TOKEN JWKS_FILE -> prints header and payload JSON (2 lines)
verify_id_token() {
	node --input-type=module -e '
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
const [tok, jwksFile] = process.argv.slice(1);
const [h, p, s] = tok.split(".");
const header = JSON.parse(Buffer.from(h, "base64url"));
const payload = JSON.parse(Buffer.from(p, "base64url"));
const jwk = JSON.parse(readFileSync(jwksFile, "utf8")).keys.find((k) => k.kid === header.kid);
if (!jwk) { console.error("no JWKS key with kid", header.kid); process.exit(1); }
const key = createPublicKey({ key: jwk, format: "jwk" });
const data = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s, "base64url");
let good;
if (header.alg === "RS256") good = verify("sha256", data, key, sig);
else if (header.alg === "PS256") good = verify("sha256", data, { key, padding: 6, saltLength: 32 }, sig);
else if (header.alg === "ES256") good = verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, sig);
if (!good) { console.error("bad signature, alg", header.alg); process.exit(1); }
console.log(JSON.stringify(header));
console.log(JSON.stringify(payload));
' "$1" "$2"
}

fetch_discovery() {
	curl -fsS --cacert "$IDP_CA" "$IDP_ISSUER/.well-known/openid-configuration" >"$work/discovery.json"
	authorization_endpoint=$(json_get authorization_endpoint <"$work/discovery.json")
	token_endpoint=$(json_get token_endpoint <"$work/discovery.json")
	jwks_uri=$(json_get jwks_uri <"$work/discovery.json")
	curl -fsS --cacert "$IDP_CA" "$jwks_uri" >"$work/jwks.json"
}

# login_and_exchange HOSTLITERAL CLIENT [curl auth args...]: full flow, sets claims_json, header_json
login_and_exchange() {
	local host=$1 client=$2 redirect code
	shift 2
	start_listener "$host"
	case $host in ::1) redirect="http://[::1]:$cb_port/callback" ;; *) redirect="http://$host:$cb_port/callback" ;; esac
	authorize_url "$redirect" "$client"
	if ! node "$here/browser.mjs" --ca "$IDP_CA" --user alice --password alice-password "$url" >"$work/browser.out" 2>"$work/browser.err"; then
		bad "browser.mjs ($client via $redirect): $(cat "$work/browser.err")"
		return 1
	fi
	wait "$listener_pid" 2>/dev/null || true
	listener_pid=
	[ "$(head -n1 "$work/browser.out")" = "HTTP 200" ] && ok "browser.mjs delivered the callback to $redirect" \
		|| bad "browser output: $(cat "$work/browser.out")"
	[ "$(query_param state <"$work/cb.req")" = "$state" ] && ok "state round-trips" || bad "state mismatch"
	[ "$(query_param iss <"$work/cb.req")" = "$IDP_ISSUER" ] && ok "RFC 9207 iss in the callback" || bad "iss missing in callback"
	code=$(query_param code <"$work/cb.req")
	[ -n "$code" ] || {
		bad "no code in callback: $(cat "$work/cb.req")"
		return 1
	}
	curl -sS --cacert "$IDP_CA" "$@" -d grant_type=authorization_code -d "code=$code" \
		--data-urlencode "redirect_uri=$redirect" -d "code_verifier=$verifier" \
		"$token_endpoint" >"$work/token.json"
	id_token=$(json_get id_token <"$work/token.json")
	if [ "$id_token" = null ]; then
		bad "token response: $(cat "$work/token.json")"
		return 1
	fi
	ok "token endpoint returned an ID token"
	verify_id_token "$id_token" "$work/jwks.json" >"$work/idtoken.json" || {
		bad "ID token signature"
		return 1
	}
	header_json=$(sed -n 1p "$work/idtoken.json")
	claims_json=$(sed -n 2p "$work/idtoken.json")
	ok "ID token signature verifies with the JWKS key"
	node -e '
const c = JSON.parse(process.argv[1]);
const [iss, aud, nonce] = process.argv.slice(2);
const want = { iss, aud, nonce, sub: "alice-sub-0001", preferred_username: "alice",
  name: "Alice Example", email: "alice@example.test", email_verified: true };
let bad = 0;
for (const [k, v] of Object.entries(want)) if (c[k] !== v) { console.error(`claim ${k}: ${JSON.stringify(c[k])} != ${JSON.stringify(v)}`); bad++; }
if (JSON.stringify(c.groups) !== JSON.stringify(["staff", "admins"])) { console.error("groups", c.groups); bad++; }
for (const k of ["exp", "iat"]) if (typeof c[k] !== "number") { console.error(`no ${k}`); bad++; }
process.exit(bad ? 1 : 0);
' "$claims_json" "$IDP_ISSUER" "$client" "$nonce" && ok "ID token claims (iss aud nonce sub preferred_username name email email_verified groups)" \
		|| bad "ID token claims: $claims_json"
	# the code is single use
	curl -sS --cacert "$IDP_CA" "$@" -d grant_type=authorization_code -d "code=$code" \
		--data-urlencode "redirect_uri=$redirect" -d "code_verifier=$verifier" \
		"$token_endpoint" | grep -q invalid_grant && ok "code replay refused" || bad "code replay accepted"
}

# ------------------------------------------------------------------ run

t0=$(date +%s%N)
idp_start "$work/rs"
t1=$(date +%s%N)
echo "# provider up in $(((t1 - t0) / 1000000)) ms at $IDP_ISSUER (pid $IDP_PID)"
fetch_discovery
json_get code_challenge_methods_supported <"$work/discovery.json" | grep -qx '\["S256"\]' \
	&& ok "discovery: code_challenge_methods_supported = [S256]" || bad "discovery S256"
[ "$(json_get issuer <"$work/discovery.json")" = "$IDP_ISSUER" ] && ok "discovery: issuer" || bad "discovery issuer"
for k in authorization_endpoint token_endpoint jwks_uri userinfo_endpoint; do
	case $(json_get "$k" <"$work/discovery.json") in
	"$IDP_ISSUER"/*) ok "discovery: $k" ;;
	*) bad "discovery: $k" ;;
	esac
done

login_and_exchange 127.0.0.1 pam-pkce-test -d client_id=pam-pkce-test || true
echo "# ID token header: $header_json"
echo "# ID token claims: $claims_json"
[ "$(echo "$header_json" | json_get alg)" = RS256 ] && ok "RS256 by default" || bad "alg: $header_json"
login_and_exchange ::1 pam-pkce-test -d client_id=pam-pkce-test || true
login_and_exchange localhost pam-pkce-test -d client_id=pam-pkce-test || true
login_and_exchange 127.0.0.1 pam-pkce-secret -u pam-pkce-secret:test-secret-0123456789 || true

# wrong verifier is refused
start_listener 127.0.0.1
authorize_url "http://127.0.0.1:$cb_port/callback"
node "$here/browser.mjs" --ca "$IDP_CA" --user alice --password alice-password --print-callback "$url" >"$work/cb.url"
kill "$listener_pid" 2>/dev/null || true
wait "$listener_pid" 2>/dev/null || true
listener_pid=
code=$(query_param code <"$work/cb.url")
curl -sS --cacert "$IDP_CA" -d grant_type=authorization_code -d "code=$code" \
	--data-urlencode "redirect_uri=http://127.0.0.1:$cb_port/callback" -d "code_verifier=${verifier}x" \
	-d client_id=pam-pkce-test "$token_endpoint" | grep -q invalid_grant \
	&& ok "--print-callback, and a wrong code_verifier is refused" || bad "wrong verifier accepted"

# no PKCE at all is refused at the authorization endpoint (error page, not a redirect)
authorize_url "http://127.0.0.1:$cb_port/callback"
nopkce=$(echo "$url" | sed 's/&code_challenge=[^&]*//; s/&code_challenge_method=S256//')
if node "$here/browser.mjs" --ca "$IDP_CA" --user alice --password alice-password --print-callback "$nopkce" >"$work/cb.url" 2>"$work/browser.err"; then
	bad "authorization without PKCE accepted"
elif [ "$(query_param error <"$work/cb.url")" = invalid_request ] && grep -q PKCE "$work/browser.err"; then
	ok "authorization without PKCE refused: $(cat "$work/browser.err")"
else
	bad "no PKCE: $(cat "$work/cb.url" "$work/browser.err")"
fi

# wrong password
authorize_url "http://127.0.0.1:45678/callback"
if node "$here/browser.mjs" --ca "$IDP_CA" --user alice --password wrong --print-callback "$url" >/dev/null 2>"$work/browser.err"; then
	bad "wrong password accepted"
else
	ok "wrong password refused: $(cat "$work/browser.err")"
fi

# Cancel -> error=access_denied on the callback
authorize_url "http://127.0.0.1:45678/callback"
if node "$here/browser.mjs" --ca "$IDP_CA" --cancel --print-callback "$url" >"$work/cb.url" 2>"$work/browser.err" \
	&& [ "$(query_param error <"$work/cb.url")" = access_denied ]; then
	ok "Cancel gives error=access_denied"
else
	bad "cancel: $(cat "$work/cb.url" "$work/browser.err")"
fi

# a redirect URI that is not registered is refused
authorize_url "http://127.0.0.1:45678/other"
if node "$here/browser.mjs" --ca "$IDP_CA" --user alice --password alice-password --print-callback "$url" >/dev/null 2>"$work/browser.err"; then
	bad "unregistered redirect_uri accepted"
else
	ok "unregistered redirect_uri refused: $(cat "$work/browser.err")"
fi
idp_stop

# ES256 provider
idp_start "$work/es" --id-token-alg ES256
fetch_discovery
login_and_exchange 127.0.0.1 pam-pkce-test -d client_id=pam-pkce-test || true
[ "$(echo "$header_json" | json_get alg)" = ES256 ] && ok "ES256 with --id-token-alg ES256" || bad "alg: $header_json"
idp_stop

# IPv6 provider, when the host has ::1
if node -e 'require("net").createServer().listen(0, "::1", function () { this.close(); }).on("error", () => process.exit(1))' 2>/dev/null; then
	idp_start "$work/v6" --host ::1
	[ "$IDP_ISSUER" = "https://[::1]:$IDP_PORT" ] && ok "IPv6 issuer $IDP_ISSUER" || bad "IPv6 issuer $IDP_ISSUER"
	fetch_discovery
	login_and_exchange 127.0.0.1 pam-pkce-test -d client_id=pam-pkce-test || true
	idp_stop
else
	echo "# skip IPv6 provider: no ::1 here"
fi

if [ "$failures" -ne 0 ]; then
	echo "# $failures check(s) failed; logs in $work"
	exit 1
fi
echo "# all checks passed"
if [ -n "$own_work" ]; then
	rm -rf "$work"
fi
