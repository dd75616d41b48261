#!/bin/bash
# Nothing listens at the issuer: PAM_AUTHINFO_UNAVAIL, quickly, and no URL
# is shown to the person.
. "$(dirname "$0")/lib.sh"

# A port that was free a moment ago and has nothing listening now.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')
IDP_ISSUER="https://127.0.0.1:$port"
IDP_CA="$WORK/none.pem"
: > "$IDP_CA"
write_config
start=$(date +%s)
pamtester_start alice
pamtester_wait
elapsed=$(( $(date +%s) - start ))
[ "$PAMTESTER_RC" -ne 0 ] || fail "pamtester succeeded without a provider"
expect_outcome "Authentication service cannot retrieve authentication info"
expect_log "discovery request to"
grep -q '^https://' "$WORK/pamtester.out" && fail "an authorize URL was shown"
[ "$elapsed" -le 5 ] || fail "took ${elapsed}s, expected a fast failure"
log "failed in ${elapsed}s"
echo "PASS: $TEST_NAME"
