#!/bin/bash
# tests/package-smoke.sh -- the Debian package, built, installed, used and
# purged on this machine (root; CI runs it after the suite):
#
#   1. builds libpam-pkce with `dpkg-buildpackage -us -uc -b` from a copy
#      of the working tree (the files git tracks or does not ignore, as
#      they are now, less ELF binaries) in a scratch directory: the tree's
#      own build is not touched;
#   2. runs lintian on it, when lintian is installed (errors fail);
#   3. installs it with apt-get; checks that the module is in
#      /usr/lib/MULTIARCH/security, exports pam_sm_* and nothing else,
#      and loads with every symbol resolved; that /etc/security/pam_pkce.conf
#      is there, root's, mode 0600, and a dpkg conffile;
#   4. edits the config, reinstalls the package: the edit must stay;
#   5. one real pamtester login with the INSTALLED module
#      (tests/integration/login_success.sh with PKCE_MODULE pointing at it;
#      pam_wrapper, its own config file and provider, as in `make check`);
#   6. purges the package: the module and the config are gone, and no
#      other file under /etc was added, removed or changed.
#
# Ends with "PASS: package-smoke", or "FAIL: package-smoke: ..." and exit 1.
# The package is purged on any exit once installed.  KEEP_PKG_WORK=1 keeps
# the scratch directory (build log, .deb).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PKG=libpam-pkce
CONF=/etc/security/pam_pkce.conf
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive

T=
INSTALLED=
fail() {
	echo "FAIL: package-smoke: $*"
	exit 1
}
log() { printf '# %s\n' "$*"; }

purge() {
	"${APT[@]}" purge "$PKG" > "$T/purge.log" 2>&1 < /dev/null ||
		{ cat "$T/purge.log"; return 1; }
}
cleanup() {
	if [ -n "$INSTALLED" ]; then
		log "purging $PKG (cleanup)"
		purge || echo "FAIL: package-smoke: could not purge $PKG"
	fi
	if [ -n "$T" ] && [ -z "${KEEP_PKG_WORK:-}" ]; then rm -rf "$T"; fi
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "needs root (apt-get install, /etc)"
for tool in dpkg-buildpackage dh git nm python3 pamtester node; do
	command -v "$tool" > /dev/null 2>&1 || fail "$tool is missing (run tests/setup-deps.sh)"
done
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH) || fail "dpkg-architecture failed"
MODULE=/usr/lib/$MULTIARCH/security/pam_pkce.so
T=$(mktemp -d /tmp/pam_pkce-package.XXXXXX) || fail "mktemp failed"

# --- the machine as it is before ---------------------------------------------
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok'; then
	log "$PKG is installed already (an earlier run stopped short?): purging it first"
	purge || fail "cannot purge the $PKG that was installed before"
fi
if [ -e "$CONF" ] || [ -e "$MODULE" ]; then
	fail "$CONF or $MODULE exists and belongs to no $PKG package: not touching it"
fi
# Every file and link under /etc: path, type, mode, owner, content.
etc_state() {
	find /etc -xdev \( -type f -o -type l \) -printf '%p %y %m %u:%g ' \
		-exec sh -c 'if [ -L "$1" ]; then readlink "$1"; else sha256sum < "$1"; fi' _ {} \; 2>&1 | sort
}
etc_state > "$T/etc.before"

# --- 1. build -----------------------------------------------------------------
SRC=$T/pam-pkce-0.1.0
mkdir "$SRC"
(
	cd "$top" &&
		git ls-files -z --cached --others --exclude-standard -- . \
			':!:pam_pkce-*' ':!:debian/.debhelper' ':!:debian/libpam-pkce' \
			':!:debian/files' ':!:debian/*.substvars' ':!:debian/*debhelper*' |
		while IFS= read -r -d '' f; do
			# Gone from the work tree, or a program built in it that
			# .gitignore does not name yet: not source.
			[ -f "$f" ] || continue
			[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && continue
			printf '%s\0' "$f"
		done |
		tar --null --no-recursion -T - -cf - | tar -xf - -C "$SRC"
) || fail "cannot copy the working tree"
[ -f "$SRC/debian/control" ] && [ -f "$SRC/configure.ac" ] || fail "the copy has no debian/control or configure.ac"
started=$(date +%s)
(cd "$SRC" && dpkg-checkbuilddeps) > "$T/builddeps.log" 2>&1 ||
	fail "build dependencies missing (run tests/setup-deps.sh): $(cat "$T/builddeps.log")"
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	> "$T/build.log" 2>&1 < /dev/null ||
	{ tail -n 40 "$T/build.log"; fail "dpkg-buildpackage failed"; }
DEB=$(ls "$T"/${PKG}_*.deb 2> /dev/null | head -n 1)
[ -n "$DEB" ] || fail "no $PKG .deb was built"
log "built $(basename "$DEB") in $(($(date +%s) - started)) s"
dpkg-deb -c "$DEB" | awk '{print "#   " $1, $2, $NF}'

# --- 2. lintian -----------------------------------------------------------------
if command -v lintian > /dev/null 2>&1; then
	lintian --fail-on error "$T"/*.changes > "$T/lintian.log" 2>&1
	lrc=$?
	sed 's/^/# lintian: /' "$T/lintian.log"
	[ "$lrc" -eq 0 ] || fail "lintian reports errors"
	log "lintian: no errors ($(grep -c . "$T/lintian.log") other lines)"
else
	log "lintian is not installed: not run"
fi

# --- 3. install ------------------------------------------------------------------
INSTALLED=1
"${APT[@]}" install "$DEB" > "$T/install.log" 2>&1 < /dev/null ||
	{ cat "$T/install.log"; fail "apt-get install failed"; }
log "installed: $(dpkg-query -W -f='${Package} ${Version} ${Architecture}' "$PKG")"
[ -f "$MODULE" ] || fail "no $MODULE"
exports=$(nm -D --defined-only "$MODULE" | awk '$2 ~ /^[TtWDdBbRrVvi]$/ {print $3}' | sort)
log "exported: $(echo $exports)"
echo "$exports" | grep -qx pam_sm_authenticate || fail "pam_sm_authenticate is not exported"
others=$(echo "$exports" | grep -v '^pam_sm_' || true)
[ -z "$others" ] || fail "exports more than pam_sm_*: $others"
python3 - "$MODULE" << 'PY' || fail "the module does not load"
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])          # RTLD_NOW: every symbol resolved
for name in ("pam_sm_authenticate", "pam_sm_setcred"):
    getattr(lib, name)
print("# dlopen: loads, pam_sm_authenticate and pam_sm_setcred resolve")
PY

[ -f "$CONF" ] || fail "no $CONF"
st=$(stat -c '%a %U:%G' "$CONF")
[ "$st" = "600 root:root" ] || fail "$CONF is $st, not 600 root:root"
dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q " $CONF " || fail "$CONF is not a conffile"
log "$CONF: mode 600, root:root, a conffile"

# --- 4. a local edit survives a reinstall --------------------------------------------
edit="# package-smoke: local edit $$"
echo "$edit" >> "$CONF"
cp "$CONF" "$T/conf.edited"
"${APT[@]}" install --reinstall "$DEB" > "$T/reinstall.log" 2>&1 < /dev/null ||
	{ cat "$T/reinstall.log"; fail "apt-get install --reinstall failed"; }
cmp -s "$T/conf.edited" "$CONF" || fail "the reinstall replaced the edited $CONF"
[ "$(stat -c %a "$CONF")" = 600 ] || fail "$CONF is no longer mode 600 after the reinstall"
log "reinstalled: the edited $CONF was kept"

# --- 5. one pamtester login with the installed module --------------------------------
mkdir -p "$T/build/tests"
PKCE_MODULE=$MODULE PKCE_SRCDIR=$top PKCE_BUILDDIR=$T/build KEEP_WORK=1 \
	bash "$top/tests/integration/login_success.sh" > "$T/login.log" 2>&1 < /dev/null
lrc=$?
sed 's/^/#   | /' "$T/login.log"
[ "$lrc" -eq 0 ] && grep -qx 'PASS: login_success' "$T/login.log" ||
	fail "the pamtester login with $MODULE failed (exit $lrc)"
service=$(cat "$T"/build/tests/tmp.login_success.*/pam.d/pkce-test 2>/dev/null)
case $service in
"auth required $MODULE config="*) log "the PAM service named the installed module: $service" ;;
*) fail "the login's PAM service was not the installed module: $service" ;;
esac

# --- 6. purge: the machine as it was ------------------------------------------------
purge || fail "apt-get purge failed"
INSTALLED=
dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok' && fail "$PKG is still installed"
[ ! -e "$MODULE" ] || fail "$MODULE is still there after the purge"
[ ! -e "$CONF" ] || fail "$CONF is still there after the purge"
etc_state > "$T/etc.after"
if ! cmp -s "$T/etc.before" "$T/etc.after"; then
	diff "$T/etc.before" "$T/etc.after" | head -n 20
	fail "files under /etc differ after the purge"
fi
log "purged: module and config gone, /etc as before"
echo "PASS: package-smoke"
