#!/bin/bash
# The document cache: a cold login fills cache_dir (0700, files 0600), a
# warm one asks the provider for nothing but the token; expiry, corrupt
# and foreign-owned files, an unsafe directory, key rotation with a
# stale JWKS, and cache_dir = none.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
CACHE=$WORK/cache
failures=0
ok() { echo "# case $1: ok"; }
bad() { echo "# case $1: FAILED ($2)"; failures=$((failures + 1)); }

# requests PATH: how many times the provider has served PATH so far.
requests() { grep -c "GET $1 " "$WORK/idp.log"; }

# login NAME [KEY=VALUE ...]: a full login as alice; sets LOGIN_OK.
login() {
	name=$1
	shift
	write_config "$@"
	pamtester_start alice
	url=$(authorize_url) || { bad "$name" "no URL"; pamtester_wait; LOGIN_OK=; return; }
	browser_login "$url" alice >/dev/null
	pamtester_wait
	if grep -q 'successfully authenticated' "$WORK/pamtester.out"; then LOGIN_OK=1; else LOGIN_OK=; fi
}

d0=$(requests /.well-known/openid-configuration) j0=$(requests /jwks)
login cold "cache_dir=$CACHE"
d1=$(requests /.well-known/openid-configuration) j1=$(requests /jwks)
mode=$(stat -c %a "$CACHE" 2>/dev/null)
files=$(find "$CACHE" -type f -name '*.json' | wc -l)
fmodes=$(find "$CACHE" -type f -printf '%m\n' | sort -u | tr '\n' ' ')
if [ -n "$LOGIN_OK" ] && [ $((d1 - d0)) -eq 1 ] && [ $((j1 - j0)) -eq 1 ] &&
   [ "$mode" = 700 ] && [ "$files" -eq 2 ] && [ "$fmodes" = "600 " ] &&
   [ -z "$(find "$CACHE" -name '*.json.*')" ]; then
	ok cold
else
	bad cold "ok=$LOGIN_OK discovery+$((d1 - d0)) jwks+$((j1 - j0)) dir=$mode files=$files modes=$fmodes"
fi

login warm "cache_dir=$CACHE"
d2=$(requests /.well-known/openid-configuration) j2=$(requests /jwks)
if [ -n "$LOGIN_OK" ] && [ "$d2" -eq "$d1" ] && [ "$j2" -eq "$j1" ]; then ok warm; else
	bad warm "ok=$LOGIN_OK discovery+$((d2 - d1)) jwks+$((j2 - j1))"; fi

sleep 2
login expired "cache_dir=$CACHE" cache_ttl=1
d3=$(requests /.well-known/openid-configuration) j3=$(requests /jwks)
if [ -n "$LOGIN_OK" ] && [ $((d3 - d2)) -eq 1 ] && [ $((j3 - j2)) -eq 1 ]; then ok expired; else
	bad expired "ok=$LOGIN_OK discovery+$((d3 - d2)) jwks+$((j3 - j2))"; fi

# Garbage in one file, a foreign owner on the other: both are misses,
# and the login replaces them with good copies of its own.
first=$(find "$CACHE" -name '*.json' | sort | sed -n 1p)
second=$(find "$CACHE" -name '*.json' | sort | sed -n 2p)
printf '{"not": json' > "$first"
chown 12345:12345 "$second"
login corrupt_and_foreign "cache_dir=$CACHE"
d4=$(requests /.well-known/openid-configuration) j4=$(requests /jwks)
if [ -n "$LOGIN_OK" ] && [ $((d4 - d3)) -eq 1 ] && [ $((j4 - j3)) -eq 1 ] &&
   node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$first" 2>/dev/null &&
   [ "$(stat -c %u "$second")" = "$(id -u)" ]; then
	ok corrupt_and_foreign
else
	bad corrupt_and_foreign "ok=$LOGIN_OK discovery+$((d4 - d3)) jwks+$((j4 - j3))"
fi

# Rotation: the cached JWKS holds only an old key; the token's kid is
# unknown, so the module fetches the JWKS once and succeeds.
jwks_file=$(grep -l '"keys"' "$CACHE"/*.json)
node -e '
const fs = require("fs");
const { generateKeyPairSync } = require("crypto");
const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
fs.writeFileSync(process.argv[1], JSON.stringify({ keys: [{ ...jwk, kid: "retired-key", use: "sig" }] }));
' "$jwks_file"
login rotation "cache_dir=$CACHE"
d5=$(requests /.well-known/openid-configuration) j5=$(requests /jwks)
if [ -n "$LOGIN_OK" ] && [ "$d5" -eq "$d4" ] && [ $((j5 - j4)) -eq 1 ] &&
   grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -q 'fetching the JWKS again'; then
	ok rotation
else
	bad rotation "ok=$LOGIN_OK discovery+$((d5 - d4)) jwks+$((j5 - j4))"
fi

# A directory others can write is not trusted: logins still work, uncached.
chmod 0755 "$CACHE"
login unsafe_dir "cache_dir=$CACHE"
d6=$(requests /.well-known/openid-configuration)
if [ -n "$LOGIN_OK" ] && [ $((d6 - d5)) -eq 1 ] &&
   grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -q 'not a directory private'; then
	ok unsafe_dir
else
	bad unsafe_dir "ok=$LOGIN_OK discovery+$((d6 - d5))"
fi
chmod 0700 "$CACHE"

login none cache_dir=none
d7=$(requests /.well-known/openid-configuration)
if [ -n "$LOGIN_OK" ] && [ $((d7 - d6)) -eq 1 ]; then ok none; else bad none "ok=$LOGIN_OK"; fi

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
