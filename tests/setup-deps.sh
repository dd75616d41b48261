#!/bin/sh
# Install what building and testing pam_pkce needs on Debian 12 / Ubuntu:
# only the packages that are missing, so a prepared machine starts at once.
set -eu

PACKAGES="build-essential autoconf automake libtool pkg-config
libpam0g-dev libcurl4-openssl-dev libssl-dev libjansson-dev libqrencode-dev
libcmocka-dev pamtester libpam-wrapper libnss-wrapper openssl curl
nodejs npm ca-certificates
openssh-server openssh-client expect python3
chromium libnss3-tools zbar-tools
man-db groff-base time
dpkg-dev debhelper lintian git"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# A node from elsewhere (nvm, NodeSource) is as good as Debian's.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vxE 'nodejs|npm' | tr '\n' ' ')
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages:$missing (run this script as root)" >&2
		exit 1
	fi
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

# The test OpenID Provider, from its lockfile.
idp=$(cd "$(dirname "$0")/idp" && pwd)
if [ ! -d "$idp/node_modules/oidc-provider" ]; then
	(cd "$idp" && npm ci --no-audit --no-fund)
fi

# playwright-core for the real-browser test (it drives Debian's chromium;
# it downloads no browser of its own).
browser=$(cd "$(dirname "$0")/browser" && pwd)
if [ ! -f "$browser/node_modules/playwright-core/package.json" ]; then
	(cd "$browser" && npm ci --no-audit --no-fund)
fi
