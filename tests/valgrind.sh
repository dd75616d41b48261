#!/bin/bash
# The unit tests and the pamtester integration logins under valgrind
# memcheck: no errors and no definite leaks in the module (run after a
# normal build; tests/run-all.sh --valgrind calls it).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v valgrind >/dev/null || { echo "ERROR: valgrind is missing"; exit 99; }

logs=$(mktemp -d "$top/tests/tmp.valgrind.XXXXXX")
trap 'rm -rf "$logs"' EXIT
vg="valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=30"
pass=0 failed=0

report() {
	if [ "$2" -eq 0 ] && ! grep -qs . "$logs"/"$1".*; then
		echo "PASS: valgrind $1"; pass=$((pass + 1))
	else
		echo "FAIL: valgrind $1 (exit $2)"; failed=$((failed + 1))
		cat "$logs"/"$1".* 2>/dev/null | head -n 60
	fi
}

for t in tests/unit/test_*; do
	[ -x "$t" ] && [ "${t%.c}" = "$t" ] || continue
	name=$(basename "$t")
	case $name in *.log|*.trs|*.o) continue ;; esac
	PKCE_SRCDIR=$top $vg --log-file="$logs/$name.%p" "$t" > /dev/null 2>&1
	report "$name" $?
done

export PKCE_MODULE=$top/.libs/pam_pkce.so PKCE_SRCDIR=$top PKCE_BUILDDIR=$top
for name in login_success login_wrong_identity login_forged_state login_es256 \
	authorization_response account_mapping prompt_modes listener_addressing \
	secrets_not_logged id_token_hostile; do
	PKCE_TEST_WRAPPER="$vg --log-file=$logs/$name.%p" \
		bash "tests/integration/$name.sh" > "$logs/../valgrind-$name.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || tail -n 20 "$logs/../valgrind-$name.out"
	rm -f "$logs/../valgrind-$name.out"
	report "$name" "$rc"
done
echo "valgrind: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
