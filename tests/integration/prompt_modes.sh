#!/bin/bash
# How the person finishes: prompt modes, paste-back of the redirect URL or
# the bare code, a paste from another login, the timeout, cancelling, and
# no way to talk to the person.
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
failures=0
ok() { echo "# case $1: ok"; }
bad() { echo "# case $1: FAILED ($2)"; failures=$((failures + 1)); }

# verdict NAME TEXT LOG: the application's last line and a log line.
verdict() {
	pamtester_wait
	if ! grep -qxF "authenticate: $2" "$WORK/pamtester.out"; then
		bad "$1" "wanted '$2', got '$(grep '^authenticate:' "$WORK/pamtester.out")'"
	elif [ -n "${3:-}" ] && ! grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qF -- "$3"; then
		bad "$1" "no log line with '$3'"
	else
		ok "$1"
	fi
}

# never (the default without PAM_RHOST): info text, no prompt, the
# listener alone finishes the login.
write_config
probe_start alice
url=$(authorize_url) || fail "no URL"
browser_login "$url" alice >/dev/null || bad never "browser"
shown | grep -q 'Waiting for the browser' || bad never "no waiting text"
shown | grep -q 'press Enter' && bad never "prompted"
verdict never Success "authenticated by"

# auto with PAM_RHOST set (a remote login): a prompt carries the URL.
# Enter at once (empty answer) keeps waiting for the browser.
write_config
probe_start --rhost client.example alice
url=$(authorize_url) || fail "no URL"
shown | grep -q 'press Enter, or paste' || bad auto_remote "no prompt"
sleep 0.5
kill -0 "$PAMTESTER_PID" 2>/dev/null || bad auto_remote "stopped after an early Enter"
browser_login "$url" alice >/dev/null || bad auto_remote "browser"
verdict auto_remote Success "authenticated by"

# always, answered after the browser finished (Enter): the listener took
# the callback while the prompt was pending.
write_config prompt=always
answer_fifo
probe_start alice
url=$(authorize_url) || fail "no URL"
page=$(browser_login "$url" alice) || bad always_enter "browser: $page"
echo "$page" | grep -q 'Signed in' || bad always_enter "no success page while prompting"
answer ""
verdict always_enter Success "authenticated by"

# always, pasting the full redirect URL (the browser is on another machine).
write_config prompt=always
answer_fifo
probe_start alice
url=$(authorize_url) || fail "no URL"
callback=$(browser_login "$url" alice --print-callback) || bad paste_url "browser"
answer "$callback"
verdict paste_url Success "authenticated by"

# always, pasting only the code.
write_config prompt=always
answer_fifo
probe_start alice
url=$(authorize_url) || fail "no URL"
callback=$(browser_login "$url" alice --print-callback) || bad paste_code "browser"
answer "$(url_param "$callback" code)"
verdict paste_code Success "authenticated by"

# A redirect URL from another login (another listener port, another state)
# is refused, even though its code is genuine.
write_config prompt=always timeout=1
answer_fifo
probe_start bob
other_url=$(authorize_url) || fail "no URL"
other=$(browser_login "$other_url" bob --print-callback) || bad paste_other "browser"
answer ""
pamtester_wait
exec 3>&-
write_config prompt=always
answer_fifo
probe_start alice
url=$(authorize_url) || fail "no URL"
answer "$other"
verdict paste_other "Authentication failure" "pasted response refused"

# The same login's URL with another state is refused too.
answer_fifo
probe_start alice
url=$(authorize_url) || fail "no URL"
redirect=$(url_param "$url" redirect_uri)
answer "$redirect?code=abc&state=not-this-one"
verdict paste_wrong_state "Authentication failure" "state does not match"

# paste = no: a pasted value is ignored and the listener still decides.
write_config prompt=always paste=no timeout=2
answer_fifo
probe_start alice
url=$(authorize_url) || fail "no URL"
shown | grep -q 'paste' && bad paste_disabled "prompt offers pasting"
callback=$(browser_login "$url" alice --print-callback)
answer "$callback"
verdict paste_disabled "Authentication failure" "no response from the browser within 2 seconds"

# Nobody signs in: the timeout ends the wait, with a message to the person.
write_config timeout=2
start=$(date +%s)
probe_start alice
verdict timeout "Authentication failure" "no response from the browser within 2 seconds"
elapsed=$(( $(date +%s) - start ))
shown | grep -q 'Timed out waiting' || bad timeout "no message to the person"
[ "$elapsed" -le 5 ] || bad timeout "took ${elapsed}s for timeout=2"

# The person cancels at the prompt: PAM_CONV_ERR.
write_config prompt=always
probe_start --cancel alice
verdict cancel "Conversation error" "conversation ended"

# No way to show the URL: PAM_SILENT, or no conversation function.
write_config
probe_start --silent alice
verdict silent "Authentication service cannot retrieve authentication info" "PAM_SILENT"
probe_start --no-conv alice
verdict no_conv "Authentication service cannot retrieve authentication info" "no conversation function"

# Two attempts on one handle: each gets a fresh state, nonce and verifier.
write_config timeout=1
probe_start --repeat 2 alice
pamtester_wait
states=$(shown | grep -oE '[?&]state=[^&]+' | sort -u | wc -l)
nonces=$(shown | grep -oE '[?&]nonce=[^&]+' | sort -u | wc -l)
if [ "$states" -eq 2 ] && [ "$nonces" -eq 2 ]; then ok fresh_per_attempt; else
	bad fresh_per_attempt "states $states, nonces $nonces"; fi

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
