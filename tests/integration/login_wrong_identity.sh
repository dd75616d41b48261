#!/bin/bash
# The PAM user is alice but the person signs in at the provider as bob:
# PAM_AUTH_ERR, and the log names the mismatch.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
write_config
pamtester_start alice
url=$(authorize_url) || fail "no authorize URL shown"
browser_login "$url" bob >/dev/null || fail "browser login failed"
pamtester_wait
[ "$PAMTESTER_RC" -ne 0 ] || fail "pamtester succeeded for the wrong identity"
expect_outcome "Authentication failure"
expect_log "user alice refused: the identity maps to account bob"
echo "PASS: $TEST_NAME"
