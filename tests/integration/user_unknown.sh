#!/bin/bash
# A PAM user that is not a local account: PAM_USER_UNKNOWN, before any
# provider traffic and without showing a URL.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
write_config
pamtester_start mallory
pamtester_wait
[ "$PAMTESTER_RC" -ne 0 ] || fail "pamtester succeeded for an unknown user"
expect_outcome "User not known to the underlying authentication module"
expect_log "user mallory is not a local account"
grep -q '^https://' "$WORK/pamtester.out" && fail "an authorize URL was shown"
grep -q 'openid-configuration' "$WORK/idp.log" && fail "the provider was contacted"
echo "PASS: $TEST_NAME"
