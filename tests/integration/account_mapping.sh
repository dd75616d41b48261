#!/bin/bash
# Claims to account: require_claim, username_claim/username_regex,
# email_verified, user_map and export_env, each through a real login.
# alice: groups staff+admins, email verified; bob: groups staff;
# carol: no groups, email not verified (see tests/idp/server.mjs).
. "$(dirname "$0")/lib.sh"

idp_start "$WORK" || fail "provider did not start"
printf '# sub           local account\nalice-sub-0001 bob\ncarol-sub-0003 carol\n' > "$WORK/user_map"
chmod 0600 "$WORK/user_map"
failures=0

# run_case NAME PAM_USER IDP_USER success|auth_err LOG_TEXT [KEY=VALUE ...]
run_case() {
	name=$1 pam_user=$2 idp_user=$3 want=$4 text=$5
	shift 5
	write_config "scope=openid profile email groups" "$@"
	probe_start "$pam_user"
	url=$(authorize_url) || { echo "# case $name: FAILED (no URL)"; failures=$((failures + 1)); return; }
	if ! browser_login "$url" "$idp_user" > "$WORK/browser.out" 2> "$WORK/browser.err"; then
		echo "# case $name: FAILED (browser login failed: $(tail -n 1 "$WORK/browser.err"))"
		failures=$((failures + 1))
		pamtester_wait
		return
	fi
	pamtester_wait
	case $want in
	success) verdict="authenticate: Success" ;;
	auth_err) verdict="authenticate: Authentication failure" ;;
	esac
	if ! grep -qxF "$verdict" "$WORK/pamtester.out"; then
		echo "# case $name: FAILED (wanted '$verdict')"
		sed 's/^/#   /' "$WORK/pamtester.out" | grep -v '^#   $' | tail -n 3
		failures=$((failures + 1))
	elif ! grep -F 'SYSLOG(' "$WORK/pamtester.err" | grep -qF -- "$text"; then
		echo "# case $name: FAILED (no log line with '$text')"
		grep -F 'SYSLOG(' "$WORK/pamtester.err" | sed 's/^/#   /' | tail -n 3
		failures=$((failures + 1))
	else
		echo "# case $name: ok ($want)"
	fi
	cp "$WORK/pamtester.out" "$WORK/$name.out"
}

run_case require_admins_alice alice alice success "authenticated by" \
	"require_claim=groups=admins"
run_case require_admins_bob bob bob auth_err "require_claim groups not satisfied" \
	"require_claim=groups=admins"
run_case require_any_of_bob bob bob success "authenticated by" \
	"require_claim=groups=admins,staff"
run_case require_all_lines_bob bob bob auth_err "require_claim email_verified not satisfied" \
	"require_claim=groups=staff" "require_claim=email_verified=false"
run_case require_boolean_alice alice alice success "authenticated by" \
	"require_claim=groups=staff" "require_claim=email_verified=true"
run_case email_regex_alice alice alice success "authenticated by" \
	"username_claim=email" 'username_regex=^([a-z]+)@example\.test$'
run_case email_unverified_carol carol carol auth_err "email_verified is not true" \
	"username_claim=email" 'username_regex=^([a-z]+)@example\.test$'
run_case email_regex_mismatch alice alice auth_err "username_regex does not match" \
	"username_claim=email" 'username_regex=^([a-z]+)@corp\.example$'
run_case claim_missing_no_fallback alice alice auth_err "username claim missing" \
	"username_claim=employee_id"
run_case user_map_alice_as_bob bob alice success "authenticated by" \
	"username_claim=sub" "user_map=$WORK/user_map"
run_case user_map_alice_as_alice alice alice auth_err "maps to account bob" \
	"username_claim=sub" "user_map=$WORK/user_map"
run_case user_map_unmapped_bob bob bob auth_err "is not in user_map" \
	"username_claim=sub" "user_map=$WORK/user_map"
run_case export_env alice alice success "authenticated by" \
	"export_env=email groups preferred_username https://pam-pkce.test/department"
grep -qxF 'env: OIDC_EMAIL=alice@example.test' "$WORK/export_env.out" ||
	{ echo "# case export_env: FAILED (OIDC_EMAIL not exported)"; failures=$((failures + 1)); }
grep -qxF 'env: OIDC_GROUPS=["staff","admins"]' "$WORK/export_env.out" ||
	{ echo "# case export_env: FAILED (OIDC_GROUPS not exported)"; failures=$((failures + 1)); }
grep -qxF 'env: OIDC_PREFERRED_USERNAME=alice' "$WORK/export_env.out" ||
	{ echo "# case export_env: FAILED (OIDC_PREFERRED_USERNAME not exported)"; failures=$((failures + 1)); }
# An Auth0-style namespaced claim name.
grep -qxF 'env: OIDC_HTTPS___PAM_PKCE_TEST_DEPARTMENT=Engineering' "$WORK/export_env.out" ||
	{ echo "# case export_env: FAILED (the namespaced claim not exported)"; failures=$((failures + 1)); }
grep -q '^env: OIDC_' "$WORK/require_admins_alice.out" &&
	{ echo "# case require_admins_alice: FAILED (exported without export_env)"; failures=$((failures + 1)); }

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS: $TEST_NAME"
