#!/bin/sh
# The man pages render without a single groff or man warning, and
# pam_pkce.conf(5) documents exactly the keys of the parser's key table
# (pam_pkce/config.c): no key missing, none left over.
set -u

TEST_NAME=man_pages
srcdir=${PKCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
failed=0

fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*"
	failed=1
}

if ! command -v man >/dev/null 2>&1; then
	echo "ERROR: $TEST_NAME: man is not installed (Debian: man-db groff-base; see tests/setup-deps.sh)"
	exit 99
fi

for page in man/pam_pkce.8 man/pam_pkce_check.8 man/pam_pkce.conf.5; do
	file=$srcdir/$page
	[ -f "$file" ] || { fail "$page is missing"; continue; }
	# --warnings makes man run groff with -ww; only the warnings reach
	# the pipe (stdout, the page itself, goes to /dev/null).
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$file" 2>&1 >/dev/null)
	if [ -n "$warnings" ]; then
		fail "$page: warnings while rendering:"
		printf '%s\n' "$warnings"
	fi
	name=$(basename "$page")
	name=${name%.*}
	LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$file" 2>/dev/null |
		grep -q "^NAME" || fail "$page: no NAME section in the rendered page"
	LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$file" 2>/dev/null |
		grep -q "$name" || fail "$page: the rendered page does not name $name"
done

# The keys of the parser: the entries of `static const struct key_spec
# keys[]`, one `{ "name", parse_...` each.
parser_keys=$(sed -n '/^static const struct key_spec keys\[\] = {/,/^};/p' \
	"$srcdir/pam_pkce/config.c" | grep -o '{ "[a-z_]*"' | sed 's/^{ "//; s/"$//' | sort)
# The keys the page documents: the tag lines (after .TP) of its KEYS
# section, e.g. `.BR issuer "  (required)"`, without the quoted parts.
page_keys=$(awk '
	/^\.SH KEYS/ { keys = 1; next }
	/^\.SH / { keys = 0 }
	keys && prev == ".TP" && /^\.BR? / {
		line = $0
		sub(/^\.BR? /, "", line)
		gsub(/"[^"]*"/, " ", line)
		n = split(line, w, " ")
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^[a-z_]+$/)
				print w[i]
	}
	{ prev = $0 }
' "$srcdir/man/pam_pkce.conf.5" | sort)

if [ -z "$parser_keys" ]; then
	fail "no key table found in pam_pkce/config.c (update this test if it moved)"
else
	missing=$(printf '%s\n' "$parser_keys" | grep -vxF "$page_keys")
	extra=$(printf '%s\n' "$page_keys" | grep -vxF "$parser_keys")
	[ -z "$missing" ] || fail "keys of config.c not documented in pam_pkce.conf(5):" $missing
	[ -z "$extra" ] || fail "keys documented in pam_pkce.conf(5) but unknown to config.c:" $extra
	dups=$(printf '%s\n' "$page_keys" | uniq -d)
	[ -z "$dups" ] || fail "keys documented twice in pam_pkce.conf(5):" $dups
	[ -n "$missing$extra$dups" ] ||
		printf '# all %s keys of config.c documented\n' "$(printf '%s\n' "$parser_keys" | wc -l)"
fi

[ "$failed" -eq 0 ] || exit 1
echo "PASS: $TEST_NAME"
