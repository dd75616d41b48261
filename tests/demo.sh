#!/bin/bash
# The demo: build pam_pkce, start the bundled OpenID Provider on loopback,
# and run a real pamtester login as "alice".
#
#   tests/demo.sh          open the printed URL in a browser on this machine
#                          and sign in as alice / alice-password
#   tests/demo.sh --auto   a scripted browser signs in (headless machines);
#                          PKCE_DEMO_AUTO=1 does the same
#
# Nothing in /etc is changed: pam_wrapper and nss_wrapper give pamtester a
# private PAM service and a private "alice" account.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

auto=${PKCE_DEMO_AUTO:-0}
[ "${1:-}" = --auto ] && auto=1

tests/setup-deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"

export PKCE_SRCDIR=$top PKCE_BUILDDIR=$top PKCE_MODULE=$top/.libs/pam_pkce.so
mkdir -p "$top/tests"
# lib.sh gives the same private set-up the integration tests use.
TEST_NAME=demo
. tests/integration/lib.sh
idp_start "$WORK" || fail "the bundled provider did not start"
write_config timeout=300

cat <<INFO
The bundled OpenID Provider runs at $IDP_ISSUER
(its TLS certificate comes from a test CA made just now: $IDP_CA;
your browser will warn about it).  Accounts: alice / alice-password,
bob / bob-password.  PAM user: alice.

INFO

if [ "$auto" = 1 ]; then
	pamtester_start alice
	url=$(authorize_url) || fail "no authorize URL shown"
	cat "$WORK/pamtester.out"
	echo "[scripted browser signs in as alice]"
	browser_login "$url" alice
	pamtester_wait
	cat "$WORK/pamtester.out" | tail -n 1
	grep -q 'successfully authenticated' "$WORK/pamtester.out" || fail "login failed"
else
	env LD_PRELOAD="$PAM_WRAPPER_LIB $NSS_WRAPPER_LIB" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$WORK/pam.d" \
		NSS_WRAPPER_PASSWD="$WORK/passwd" NSS_WRAPPER_GROUP="$WORK/group" \
		pamtester -v pkce-test alice authenticate
fi
