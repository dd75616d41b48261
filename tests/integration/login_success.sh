#!/bin/bash
# alice signs in at the provider as alice: PAM_SUCCESS, and the browser
# gets the "signed in" page.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
write_config
pamtester_start alice
url=$(authorize_url) || fail "no authorize URL shown"
log "URL shown: ${url%%\?*}?..."
[ "$(url_param "$url" login_hint)" = alice ] || fail "login_hint is not the PAM user"
[ "$(url_param "$url" code_challenge_method)" = S256 ] || fail "not S256"
page=$(browser_login "$url" alice) || fail "browser login failed: $page"
echo "$page" | grep -q '<title>Signed in</title>' || fail "browser did not get the success page"
pamtester_wait
[ "$PAMTESTER_RC" -eq 0 ] || fail "pamtester exited $PAMTESTER_RC"
expect_outcome "successfully authenticated"
expect_log "user alice authenticated by $IDP_ISSUER as sub alice-sub-0001"
echo "PASS: $TEST_NAME"
