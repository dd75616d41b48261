#!/bin/bash
# The provider signs ID tokens with ES256 (raw R||S signatures): the login
# succeeds just as with RS256.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" --id-token-alg ES256 || fail "provider did not start"
write_config
pamtester_start alice
url=$(authorize_url) || fail "no authorize URL shown"
browser_login "$url" alice >/dev/null || fail "browser login failed"
pamtester_wait
[ "$PAMTESTER_RC" -eq 0 ] || fail "pamtester exited $PAMTESTER_RC"
expect_outcome "successfully authenticated"
grep -q 'ES256' "$WORK/idp.log" || fail "the provider did not use ES256"
echo "PASS: $TEST_NAME"
