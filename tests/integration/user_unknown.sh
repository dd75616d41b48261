#!/bin/bash
# A PAM user that is not a local account: PAM_USER_UNKNOWN, before any
# provider traffic and without showing a URL.  A user name with control
# characters (ssh passes on whatever name the client sends) reaches the
# log escaped, whether or not it is a local account, so it cannot forge or
# colour log lines.
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

# no_raw_control: no module log line carries an ESC, and none was split
# by a raw newline into a line of its own (pamtester and pam_wrapper echo
# the name raw in their own lines; those are not the module's log).
no_raw_control() {
	grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -q $'\e' &&
		fail "a raw ESC reached the log"
	grep -q '^FORGED is not a local account' "$WORK/pamtester.err" &&
		fail "a raw newline split a log line"
	return 0
}

evil=$'mal\e[31mlory\nFORGED'
pamtester_start "$evil"
pamtester_wait
expect_outcome "User not known to the underlying authentication module"
expect_log 'user mal\x1b[31mlory\x0aFORGED is not a local account'
no_raw_control

# The same kind of name as a local account: the module goes on to the
# provider and times out waiting for the browser; that line is escaped too.
echo $'ev\eil:x:2009:2009:Evil:/nonexistent:/bin/sh' >> "$WORK/passwd"
write_config prompt=never timeout=1
pamtester_start $'ev\eil'
pamtester_wait
expect_outcome "Authentication failure"
expect_log 'user ev\x1bil: no response from the browser within 1 seconds'
no_raw_control
echo "PASS: $TEST_NAME"
