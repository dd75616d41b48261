#!/bin/bash
# Real browser: headless Chromium (tests/browser/login.mjs, playwright-core)
# fills in the real provider's sign-in page and lands on the module's
# loopback listener.
#   1. alice signs in as alice: PAM_SUCCESS, the "Signed in" page.
#   2. PAM user alice, the person signs in as bob: PAM_AUTH_ERR, and the
#      browser still gets a page from the listener (the module answers the
#      browser before it has checked the token).
#   3. the person presses Cancel: error=access_denied, the "Sign-in refused"
#      page, PAM_AUTH_ERR.
# Screenshots of the final pages are saved in $WORK (kept with KEEP_WORK=1).
# A missing Chromium, certutil or playwright-core is an error (exit 99).
. "$(dirname "$0")/lib.sh"

CHROMIUM=${PKCE_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] ||
	{ echo "ERROR: $CHROMIUM is missing (Debian: chromium; run tests/setup-deps.sh)"; exit 99; }
require certutil timeout
# tests/browser with playwright-core beside it (a copy in the build tree
# when the source tree must not be written: tests/idp/start.sh).
BROWSER_DIR=$(pkce_node_dir "$PKCE_SRCDIR/tests/browser" playwright-core) ||
	{ echo "ERROR: cannot install playwright-core for tests/browser (run tests/setup-deps.sh)"; exit 99; }

started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

# chromium_login CASE URL [login.mjs args]: Chromium goes through the
# sign-in; its report (url/status/title/page text) in $WORK/CASE.page, its
# diagnostics in $WORK/CASE.browser.log, a screenshot in $WORK/CASE.png.
# Sets LOGIN_RC, PAGE_URL, PAGE_TITLE.
chromium_login() {
	local name=$1 url=$2
	shift 2
	LOGIN_RC=0
	timeout -k 5 45 node "$BROWSER_DIR/login.mjs" --ca "$IDP_CA" --timeout 30 \
		--screenshot "$WORK/$name.png" --verbose "$@" "$url" \
		> "$WORK/$name.page" 2> "$WORK/$name.browser.log" || LOGIN_RC=$?
	PAGE_URL=$(sed -n 's/^url: //p' "$WORK/$name.page" | head -n 1)
	PAGE_TITLE=$(sed -n 's/^title: //p' "$WORK/$name.page" | head -n 1)
	log "$name: browser exit $LOGIN_RC, final page \"$PAGE_TITLE\" at $PAGE_URL ($(elapsed))"
}

# browser_fail MSG: fail, showing what the browser said and saw.
browser_fail() {
	local f
	for f in "$WORK/$CASE.browser.log" "$WORK/$CASE.page"; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
	fail "$CASE: $*"
}

# expect_listener_page: the final page came from the module's listener,
# at the redirect_uri of the authorization request.
expect_listener_page() {
	case $PAGE_URL in
	"$REDIRECT_URI"\?*) ;;
	*) browser_fail "final page $PAGE_URL is not the listener's $REDIRECT_URI" ;;
	esac
	grep -qx 'status: 200' "$WORK/$CASE.page" || browser_fail "the listener page is not HTTP 200"
	[ -s "$WORK/$CASE.png" ] || browser_fail "no screenshot"
}

# start_case NAME PAMUSER: pamtester for PAMUSER, and the URL it shows.
start_case() {
	CASE=$1
	log "$CASE: pamtester authenticates $2"
	pamtester_start "$2"
	URL=$(authorize_url) || fail "$CASE: no authorize URL shown"
	REDIRECT_URI=$(url_param "$URL" redirect_uri) || fail "$CASE: no redirect_uri"
	case $REDIRECT_URI in
	http://127.0.0.1:[0-9]*/callback) ;;
	*) fail "$CASE: unexpected redirect_uri $REDIRECT_URI" ;;
	esac
}

# end_case: keep this case's pamtester output beside its screenshot.
end_case() {
	cp "$WORK/pamtester.out" "$WORK/$CASE.pamtester.out"
	cp "$WORK/pamtester.err" "$WORK/$CASE.pamtester.err"
}

log "Chromium: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
log "playwright-core: $(node -p 'require(process.argv[1]).version' \
	"$BROWSER_DIR/node_modules/playwright-core/package.json")"
idp_start "$WORK" || fail "provider did not start"
write_config timeout=40
log "provider at $IDP_ISSUER ($(elapsed))"

# 1. The person signs in as the PAM user.
start_case success alice
chromium_login success "$URL" --user alice --password alice-password
[ "$LOGIN_RC" -eq 0 ] || browser_fail "the browser did not end on the success page (exit $LOGIN_RC)"
expect_listener_page
[ "$PAGE_TITLE" = "Signed in" ] || browser_fail "page title \"$PAGE_TITLE\", not \"Signed in\""
grep -q 'Return to your terminal' "$WORK/$CASE.page" ||
	browser_fail "the success page does not send the person back to the terminal"
pamtester_wait
end_case
[ "$PAMTESTER_RC" -eq 0 ] || fail "$CASE: pamtester exited $PAMTESTER_RC"
expect_outcome "successfully authenticated"
expect_log "user alice authenticated by"

# 2. PAM user alice, but the person signs in at the provider as bob.
start_case wrong_identity alice
chromium_login wrong_identity "$URL" --user bob --password bob-password
case $LOGIN_RC in
0 | 1) ;;
*) browser_fail "the browser got no page from the listener (exit $LOGIN_RC)" ;;
esac
expect_listener_page
[ -n "$PAGE_TITLE" ] || browser_fail "the listener page has no title"
log "$CASE: the browser was shown \"$PAGE_TITLE\" (sent before the token is checked)"
pamtester_wait
end_case
[ "$PAMTESTER_RC" -ne 0 ] || fail "$CASE: pamtester succeeded for the wrong identity"
expect_outcome "Authentication failure"
if grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qF "user alice authenticated by"; then
	fail "$CASE: the log says alice was authenticated"
fi

# 3. The person presses Cancel on the provider's page.
start_case cancel alice
chromium_login cancel "$URL" --cancel
[ "$LOGIN_RC" -eq 1 ] || browser_fail "expected a page other than \"Signed in\" (exit $LOGIN_RC)"
expect_listener_page
[ "$PAGE_TITLE" = "Sign-in refused" ] || browser_fail "page title \"$PAGE_TITLE\", not \"Sign-in refused\""
case "&${PAGE_URL#*\?}&" in
*'&error=...&'*) ;;
*) browser_fail "the provider did not redirect with an error parameter" ;;
esac
pamtester_wait
end_case
[ "$PAMTESTER_RC" -ne 0 ] || fail "$CASE: pamtester succeeded after Cancel"
expect_outcome "Authentication failure"
expect_log "access_denied"

log "screenshots: $WORK/success.png $WORK/wrong_identity.png $WORK/cancel.png$([ -n "${KEEP_WORK:-}" ] || echo ' (removed; KEEP_WORK=1 keeps them)')"
log "total $(elapsed)"
echo "PASS: $TEST_NAME"
