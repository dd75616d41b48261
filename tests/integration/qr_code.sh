#!/bin/bash
# qr = yes: the printed QR code, rendered to an image and decoded with
# zbarimg, must be exactly the printed URL — for both styles, for the
# module's own URL and for the longer URLs real providers produce.
. "$(dirname "$0")/lib.sh"
require zbarimg

idp_start "$WORK" || fail "provider did not start"
failures=0

# check_qr NAME STYLE [KEY=VALUE ...]: show the URL with its QR and decode it.
check_qr() {
	name=$1 style=$2
	shift 2
	write_config qr=yes "qr_style=$style" timeout=1 "$@"
	pamtester_start alice
	url=$(authorize_url) || { echo "# case $name: FAILED (no URL)"; failures=$((failures + 1)); return; }
	pamtester_wait
	if [ "$style" = ascii ]; then pattern='^[# ]*#[# ]*$'; else pattern='^[█▀▄ ]*[█▀▄][█▀▄ ]*$'; fi
	shown | grep -E "$pattern" > "$WORK/$name.qr"
	if [ "$style" = ascii ] && LC_ALL=C grep -q $'[\x80-\xff]' "$WORK/$name.qr"; then
		echo "# case $name: FAILED (non-ASCII in the ascii style)"; failures=$((failures + 1)); return
	fi
	node "$PKCE_SRCDIR/tests/integration/qr_to_pgm.mjs" "$style" "$WORK/$name.pgm" < "$WORK/$name.qr"
	decoded=$(zbarimg -q --raw "$WORK/$name.pgm" 2>/dev/null)
	if [ "$decoded" = "$url" ]; then
		echo "# case $name: ok (${#url} characters, $(wc -l < "$WORK/$name.qr") lines)"
	else
		echo "# case $name: FAILED (decoded '${decoded:0:60}...')"; failures=$((failures + 1))
	fi
}

check_qr utf8 utf8
check_qr ascii ascii
# Auth0-like: an API audience and a long custom domain path.
auth0=(audience=https://api.corp-example.com/v2/ "authorize_params=prompt=login&connection=Username-Password-Authentication&ui_locales=en-GB")
check_qr auth0_utf8 utf8 "${auth0[@]}"
check_qr auth0_ascii ascii "${auth0[@]}"
# Keycloak-like: realm path, more scopes, extra parameters.
keycloak=("authorization_endpoint=$IDP_ISSUER/realms/corporate-employees/protocol/openid-connect/auth"
	"scope=openid profile email groups" "authorize_params=kc_idp_hint=corp-saml&acr_values=silver&ui_locales=de")
check_qr keycloak_utf8 utf8 "${keycloak[@]}"
check_qr keycloak_ascii ascii "${keycloak[@]}"

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
