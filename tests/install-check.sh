#!/bin/sh
# tests/install-check.sh -- run by `make installcheck` (and so by
# `make distcheck`): installs into a scratch DESTDIR and checks that
#
#   1. the module lands in PAMMODDIR, the checker in SBINDIR, the manual
#      pages in MAN5DIR and MAN8DIR, and the example config in
#      SECURITYDIR/pam_pkce.conf, mode 0600, equal to conf/pam_pkce.conf;
#   2. a second `make install` leaves an edited config as it is;
#   3. `make uninstall` removes everything it installed but the edited
#      config, and the config too when it is unchanged.
#
# Environment (set by the installcheck-local rule): MAKE, PAMMODDIR,
# SECURITYDIR, SBINDIR, MAN5DIR, MAN8DIR (configured paths), SRCDIR (top
# source directory).
set -eu
: "${MAKE:?}" "${PAMMODDIR:?}" "${SECURITYDIR:?}" "${SRCDIR:?}"
: "${SBINDIR:?}" "${MAN5DIR:?}" "${MAN8DIR:?}"

d=$(mktemp -d "${TMPDIR:-/tmp}/pam_pkce-install.XXXXXX")
trap 'rm -rf "$d"' EXIT
mod=$d$PAMMODDIR/pam_pkce.so
conf=$d$SECURITYDIR/pam_pkce.conf
example=$SRCDIR/conf/pam_pkce.conf

fail() {
	echo "FAIL: install-check: $*" >&2
	exit 1
}
quiet() {
	"$@" > "$d.out" 2>&1 || { cat "$d.out" >&2; rm -f "$d.out"; fail "$* failed"; }
	rm -f "$d.out"
}

quiet $MAKE install DESTDIR="$d"
[ -f "$mod" ] || fail "no module at $PAMMODDIR/pam_pkce.so"
[ -x "$d$SBINDIR/pam_pkce_check" ] || fail "no checker at $SBINDIR/pam_pkce_check"
for page in "$MAN8DIR/pam_pkce.8" "$MAN8DIR/pam_pkce_check.8" "$MAN5DIR/pam_pkce.conf.5"; do
	[ -f "$d$page" ] || fail "no manual page $page"
done
[ -f "$conf" ] || fail "no config at $SECURITYDIR/pam_pkce.conf"
[ "$(stat -c %a "$conf")" = 600 ] || fail "config mode is $(stat -c %a "$conf"), not 600"
cmp -s "$example" "$conf" || fail "the installed config is not conf/pam_pkce.conf"
echo "# install-check: an administrator's edit" >> "$conf"
cp "$conf" "$d.saved"

quiet $MAKE install DESTDIR="$d"
cmp -s "$d.saved" "$conf" || { rm -f "$d.saved"; fail "make install overwrote an edited config"; }
echo "install-check: a second make install kept the edited config"

quiet $MAKE uninstall DESTDIR="$d"
cmp -s "$d.saved" "$conf" || { rm -f "$d.saved"; fail "make uninstall removed or changed an edited config"; }
rm -f "$d.saved"
left=$(find "$d" ! -type d ! -path "$conf")
[ -z "$left" ] || fail "make uninstall left: $left"

rm -f "$conf"
quiet $MAKE install DESTDIR="$d"
quiet $MAKE uninstall DESTDIR="$d"
left=$(find "$d" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install-check: make uninstall removes an unchanged config, keeps an edited one"
echo "PASS: install-check"
