#!/bin/bash
# A misspelt key in the config file, or as a module argument: the module
# refuses to run (PAM_SERVICE_ERR) and the log names file, line and key.
. "$(dirname "$0")/lib.sh"

IDP_ISSUER="https://127.0.0.1:1"
write_config "client_idd=typo"
pamtester_start alice
pamtester_wait
[ "$PAMTESTER_RC" -ne 0 ] || fail "pamtester succeeded with a bad config"
expect_outcome "Error in service module"
expect_log "$WORK/pam_pkce.conf:7: client_idd"

write_config
echo "auth required $PKCE_MODULE config=$WORK/pam_pkce.conf no_such_key=1" > "$WORK/pam.d/pkce-test"
pamtester_start alice
pamtester_wait
[ "$PAMTESTER_RC" -ne 0 ] || fail "pamtester succeeded with a bad argument"
expect_outcome "Error in service module"
expect_log "no_such_key"
echo "PASS: $TEST_NAME"
