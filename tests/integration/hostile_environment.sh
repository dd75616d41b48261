#!/bin/bash
# The caller's environment must not steer the module (under su the module
# runs with it): proxy variables, CA overrides, TLS key logging, OpenSSL
# and libcurl configuration.  The login behaves the same, and nothing is
# written where the environment points.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
trap_dir=$WORK/trap
mkdir -p "$trap_dir"
# A proxy that would see any request sent its way.
node -e 'const s=require("net").createServer(c=>{require("fs").appendFileSync(process.argv[1],"hit\n");c.destroy();}).listen(0,"127.0.0.1",()=>console.log(s.address().port)); setTimeout(()=>process.exit(0),60000);' "$trap_dir/proxy.hits" > "$WORK/proxy.port" &
PROXY_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
proxy="http://127.0.0.1:$(cat "$WORK/proxy.port")"

# Variables libcurl or OpenSSL would honour, set for pamtester alone.
HOSTILE_ENV="env HTTPS_PROXY=$proxy https_proxy=$proxy HTTP_PROXY=$proxy http_proxy=$proxy \
ALL_PROXY=$proxy all_proxy=$proxy NO_PROXY= no_proxy= \
SSLKEYLOGFILE=$trap_dir/keylog CURL_CA_BUNDLE=$IDP_CA SSL_CERT_FILE=$IDP_CA \
SSL_CERT_DIR=$trap_dir OPENSSL_CONF=$trap_dir/openssl.cnf OPENSSL_MODULES=$trap_dir \
CURL_HOME=$trap_dir NETRC=$trap_dir/netrc HOME=$trap_dir XDG_CONFIG_HOME=$trap_dir"

# 1. A full login under the hostile environment succeeds as usual.
write_config
PKCE_TEST_WRAPPER=$HOSTILE_ENV pamtester_start alice
url=$(authorize_url) || fail "no URL"
browser_login "$url" alice >/dev/null || fail "browser login failed"
pamtester_wait
grep -q 'successfully authenticated' "$WORK/pamtester.out" || fail "login failed under the hostile environment"
log "login succeeds with proxy, CA, keylog and config variables set"
[ ! -e "$trap_dir/proxy.hits" ] || fail "a request went to the environment's proxy"
[ ! -e "$trap_dir/keylog" ] || fail "TLS secrets were written to \$SSLKEYLOGFILE"
[ -z "$(ls -A "$trap_dir")" ] || fail "files appeared in the environment's directories: $(ls -A "$trap_dir")"
log "nothing went to the proxy, nothing was written where the environment points"

# 2. Trust comes from the configuration only: without ca_file, the test CA
# named by SSL_CERT_FILE / CURL_CA_BUNDLE does not make the provider trusted.
write_config
sed -i '/^ca_file = /d' "$WORK/pam_pkce.conf"
grep -q ca_file "$WORK/pam_pkce.conf" && fail "test set-up: ca_file still configured"
PKCE_TEST_WRAPPER=$HOSTILE_ENV pamtester_start alice
pamtester_wait
grep -q 'cannot retrieve authentication info' "$WORK/pamtester.out" "$WORK/pamtester.err" ||
	fail "the environment's CA was trusted"
grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qi 'certificate' || fail "no TLS failure logged"
log "SSL_CERT_FILE / CURL_CA_BUNDLE pointing at the provider's CA are ignored"

kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null
echo "PASS: $TEST_NAME"
