#!/bin/bash
# End-to-end SSH login: a real sshd (openssh-server) on a free port of
# 127.0.0.1 runs pam_pkce through keyboard-interactive, and the real ssh
# client, driven by expect (tests/ssh/client.exp), signs in the way a person
# would:
#
#   1. listener: the browser's redirect lands on the module's loopback
#      listener while the prompt is pending, then the person presses Enter;
#   2. paste:    the browser is elsewhere; the person pastes the address the
#      browser ended on;
#   3. wrong identity: alice's login, but the person signs in as bob.
#
# sshd runs as root inside a private mount namespace (tests/ssh/ns-sshd.sh)
# that lays the test's passwd/group/shadow, /etc/pam.d, /run, /var/log and a
# /dev with our own /dev/log over the host's: nothing on the host changes,
# and the module's syslog lines land in $WORK/ssh/syslog.  Needs root.
. "$(dirname "$0")/lib.sh"

S=$WORK/ssh
UNSHARE_PID=
SSHD_PID=
SSH_TESTS_FAILED=
REDIRECT_URI=

# What the test must not change on the host.
host_etc_state() {
	{
		sha256sum /etc/passwd /etc/group /etc/shadow
		ls -la --time-style=+%s /etc/pam.d
		ls -ld /dev/log /run/sshd /etc/ssh/sshd_config
	} 2>&1
}
HOST_ETC_BEFORE=$(host_etc_state)

fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*"
	for f in "$S"/sshd.log "$S"/syslog "$WORK"/idp.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 30 "$f" | sed 's/^/  | /'; }
	done
	exit 1
}

# stop_sshd: sshd is the first process of its PID namespace, so when it
# ends the kernel ends everything else in there (connection children, the
# syslog sink); then unshare exits.  TERM, and KILL after 5 s.
stop_sshd() {
	[ -n "$UNSHARE_PID" ] || return 0
	if [ -n "$SSHD_PID" ]; then
		kill -TERM "$SSHD_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$UNSHARE_PID" 2>/dev/null || break
			sleep 0.1
		done
		# unshare is alive until it has reaped sshd: the pid is still sshd's.
		kill -0 "$UNSHARE_PID" 2>/dev/null && kill -KILL "$SSHD_PID" 2>/dev/null
	fi
	kill -KILL "$UNSHARE_PID" 2>/dev/null
	wait "$UNSHARE_PID" 2>/dev/null
	UNSHARE_PID='' SSHD_PID=''
}

ssh_cleanup() {
	stop_sshd
	cleanup
}
trap ssh_cleanup EXIT

# Missing tools are an error, not a skip.
[ "$(id -u)" -eq 0 ] || { echo "ERROR: $TEST_NAME needs root (sshd, mount namespace)"; exit 99; }
PATH=$PATH:/usr/sbin:/sbin
require ssh ssh-keygen sshd expect unshare mount ps getent
SSHD=$(command -v sshd)
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) ||
	{ echo "ERROR: python3 is missing (run tests/setup-deps.sh)"; exit 99; }
NODE=$(command -v node)
export SSHD PYTHON NODE
unshare --mount --propagation private --pid --fork --mount-proc true 2> "$WORK/unshare.err" ||
	{ echo "ERROR: cannot make mount and PID namespaces: $(cat "$WORK/unshare.err")"; exit 99; }

# --- the accounts, PAM service and sshd configuration sshd will see --------
mkdir -p "$S/etc/pam.d" "$S/home" || exit 99
chmod 0711 "$WORK" "$S" "$S/home"
cat > "$S/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
sshd:x:2000:65534:privilege separation:/run/sshd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:2001:2001:Alice:$S/home/alice:/bin/sh
bob:x:2002:2002:Bob:$S/home/bob:/bin/sh
EOF
cat > "$S/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
alice:x:2001:
bob:x:2002:
EOF
cat > "$S/etc/shadow" <<EOF
root:*:19000:0:99999:7:::
sshd:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
alice:*:19000:0:99999:7:::
bob:*:19000:0:99999:7:::
EOF
chmod 0644 "$S/etc/passwd" "$S/etc/group"
chmod 0640 "$S/etc/shadow"
for u in alice:2001 bob:2002; do
	mkdir -m 0700 "$S/home/${u%%:*}"
	chown "${u#*:}:${u#*:}" "$S/home/${u%%:*}"
done

idp_start "$WORK" || fail "provider did not start"
write_config
cat > "$S/etc/pam.d/sshd" <<EOF
# sshd's PAM service as the test's sshd sees it (its program name is sshd).
auth     required $PKCE_MODULE config=$WORK/pam_pkce.conf
account  required pam_permit.so
session  required pam_permit.so
password required pam_deny.so
EOF
cat > "$S/etc/pam.d/other" <<EOF
auth     required pam_deny.so
account  required pam_deny.so
session  required pam_deny.so
password required pam_deny.so
EOF
ssh-keygen -q -t ed25519 -N '' -C pam-pkce-test -f "$S/ssh_host_ed25519_key" ||
	fail "ssh-keygen failed"

free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- sshd, in its own mount namespace ---------------------------------------
start_sshd() {
	PORT=$(free_port) || fail "no free port"
	sed -e "s|@PORT@|$PORT|g" -e "s|@SSHDIR@|$S|g" \
		"$PKCE_SRCDIR/tests/ssh/sshd_config.in" > "$S/sshd_config"
	rm -f "$S/sshd.pid" "$S/syslog.pid"
	# --kill-child: if unshare is killed, so is sshd (and with it the
	# whole PID namespace).
	HOST_MNT_NS=$(readlink /proc/self/ns/mnt) \
		unshare --mount --propagation private --pid --fork --mount-proc \
		--kill-child sh "$PKCE_SRCDIR/tests/ssh/ns-sshd.sh" "$S" \
		>> "$S/sshd.log" 2>&1 < /dev/null &
	UNSHARE_PID=$!
	for _ in $(seq 1 100); do
		if grep -q "Server listening on 127.0.0.1 port $PORT" "$S/sshd.log" 2>/dev/null; then
			SSHD_PID=$(ps -o pid= --ppid "$UNSHARE_PID" | tr -d ' ')
			[ -n "$SSHD_PID" ] && return 0
		fi
		kill -0 "$UNSHARE_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

started=
for _ in 1 2 3; do
	if start_sshd; then started=1; break; fi
	# Lost a race for the port?  Try another one.
	grep -q 'Address already in use' "$S/sshd.log" || break
	stop_sshd
done
[ -n "$started" ] || fail "sshd did not start"
[ "$(cat "/proc/$SSHD_PID/comm" 2>/dev/null)" = sshd ] ||
	fail "process $SSHD_PID is not sshd"
[ "$(cat "$S/sshd.pid" 2>/dev/null)" = 1 ] ||
	fail "sshd is not the first process of its PID namespace"
log "sshd (pid $SSHD_PID) listening on 127.0.0.1:$PORT in private mount and PID namespaces"

HOST=$(hostname)

# case_failed TEXT: note a failed check and go on with the next case.
case_failed() {
	printf '# FAILED: %s\n' "$*"
	SSH_TESTS_FAILED="$SSH_TESTS_FAILED
  $*"
}

# show FILE: a result file for the person reading the test log.
show() {
	[ -s "$1" ] && sed -e 's/\r$//' -e 's/^/#   | /' "$1"
}

# ssh_login NAME MODE SSH_USER BROWSER_USER: one login; results in $S/NAME.
ssh_login() {
	local out=$S/$1
	mkdir -p "$out"
	log "$1: ssh $3@127.0.0.1 -p $PORT, browser signs in as $4, $2"
	SYSLOG_FROM=$(wc -l 2>/dev/null < "$S/syslog" || echo 0)
	SSHD_LOG_FROM=$(wc -l < "$S/sshd.log")
	env SSH_PORT="$PORT" SSH_USER="$3" BROWSER_USER="$4" MODE="$2" OUT="$out" \
		PKCE_SRCDIR="$PKCE_SRCDIR" IDP_CA="$IDP_CA" NODE="$NODE" \
		timeout 60 expect -f "$PKCE_SRCDIR/tests/ssh/client.exp" < /dev/null
	CLIENT_RC=$?
	RESULT=$(cat "$out/result" 2>/dev/null || echo "driver-died($CLIENT_RC)")
	SSH_RC=$(cat "$out/ssh.rc" 2>/dev/null || echo none)
	log "$1: driver result $RESULT, ssh exit status $SSH_RC, browser took $(cat "$out/browser.ms" 2>/dev/null || echo '?') ms"
	# Give the module's last log lines a moment to arrive.
	sleep 0.2
}

# new_syslog / new_sshd_log: what the module / sshd logged during this case.
new_syslog() { tail -n "+$((SYSLOG_FROM + 1))" "$S/syslog" 2>/dev/null; }
new_sshd_log() { tail -n "+$((SSHD_LOG_FROM + 1))" "$S/sshd.log"; }

# check_prompt NAME USER: what the person saw at the prompt.
check_prompt() {
	local out=$S/$1 url prompt
	[ -s "$out/prompt" ] || { case_failed "$1: no prompt"; return 1; }
	prompt=$(tr -d '\r' < "$out/prompt")
	url=$(cat "$out/url" 2>/dev/null)
	grep -qxF -- "$url" <<< "$prompt" ||
		case_failed "$1: the URL is not on a line of its own"
	grep -qF -- "To sign in to $HOST (sshd), open this address in a browser:" <<< "$prompt" ||
		case_failed "$1: the prompt does not name the host $HOST and the service sshd"
	[[ $prompt == *"Then press Enter, or paste the address the browser ended on: " ]] ||
		case_failed "$1: the prompt does not end with the question"
	case $url in
	"$IDP_ISSUER"/*) ;;
	*) case_failed "$1: the URL is not at the provider: $url" ;;
	esac
	[ "$(url_param "$url" login_hint)" = "$2" ] ||
		case_failed "$1: login_hint is not the SSH user $2"
	[ "$(url_param "$url" code_challenge_method)" = S256 ] ||
		case_failed "$1: code_challenge_method is not S256"
	REDIRECT_URI=$(url_param "$url" redirect_uri)
	[[ $REDIRECT_URI =~ ^http://127\.0\.0\.1:[0-9]+/callback$ ]] ||
		case_failed "$1: unexpected redirect_uri $REDIRECT_URI"
}

# check_success NAME: alice is in, the remote id -un said so, and both
# sshd and the module logged it.
check_success() {
	local out=$S/$1
	[ "$RESULT" = ok ] || { case_failed "$1: the login did not finish ($RESULT)"; return 1; }
	[ "$SSH_RC" = 0 ] || case_failed "$1: ssh exited $SSH_RC"
	[ "$(cat "$out/stdout")" = alice ] ||
		case_failed "$1: the remote id -un printed '$(head -c 200 "$out/stdout")', not alice"
	new_sshd_log | grep -q 'Accepted keyboard-interactive/pam for alice from 127\.0\.0\.1' ||
		case_failed "$1: sshd did not log the accepted keyboard-interactive/pam login"
	new_syslog | grep -qF "pam_pkce(sshd:auth): user alice authenticated by $IDP_ISSUER as sub alice-sub-0001" ||
		case_failed "$1: the module did not log the success"
}

show_case() {
	local out=$S/$1
	if [ -s "$out/prompt" ]; then
		log "$1: the prompt as the ssh client showed it:"
		show "$out/prompt"
	else
		log "$1: no prompt; the terminal showed:"
		show "$out/transcript"
	fi
	echo
	log "$1: after the answer:"
	show "$out/after"
	log "$1: the module's log:"
	new_syslog | sed 's/^/#   | /'
}

# --- 1: the browser's redirect reaches the listener during the prompt --------
ssh_login listener listener alice alice
show_case listener
check_prompt listener alice
if [ "$RESULT" = browser-failed ] || [ "$RESULT" = ssh-ended-early ]; then
	case_failed "listener: the browser did not complete while the prompt was pending ($RESULT): $(head -c 300 "$S/listener/browser.err")"
else
	grep -q '^HTTP 200' "$S/listener/browser.out" 2>/dev/null &&
		grep -qi 'signed in' "$S/listener/browser.out" ||
		case_failed "listener: the browser did not get the success page"
	[[ $(head -n1 "$S/listener/browser.out" 2>/dev/null) == "HTTP 200" ]] && log "listener: browser got the success page while ssh waited at the prompt"
	check_success listener
fi

# --- 2: the person pastes the address the browser ended on -------------------
ssh_login paste paste alice alice
show_case paste
check_prompt paste alice
callback=$(cat "$S/paste/answer" 2>/dev/null)
case $callback in
"$REDIRECT_URI"\?*code=*) log "paste: pasted ${callback%%\?*}?code=...&state=...&iss=..." ;;
*) case_failed "paste: the browser did not end on the module's redirect_uri: ${callback:0:200}" ;;
esac
check_success paste

# --- 3: alice's login, but the person signs in as bob ------------------------
ssh_login wrong_identity listener alice bob
show_case wrong_identity
check_prompt wrong_identity alice
if [ "$RESULT" != ok ]; then
	case_failed "wrong_identity: the login did not finish ($RESULT)"
else
	[ "$SSH_RC" != 0 ] || case_failed "wrong_identity: ssh succeeded for the wrong identity"
	[ -s "$S/wrong_identity/stdout" ] &&
		case_failed "wrong_identity: the remote command ran: $(head -c 200 "$S/wrong_identity/stdout")"
	grep -q 'Permission denied' "$S/wrong_identity/after" ||
		case_failed "wrong_identity: the client did not say Permission denied"
	new_sshd_log | grep -q 'Failed keyboard-interactive/pam for alice from 127\.0\.0\.1' ||
		case_failed "wrong_identity: sshd did not log the failed keyboard-interactive/pam login"
	new_syslog | grep -qF 'pam_pkce(sshd:auth): user alice refused: the identity maps to account bob' ||
		case_failed "wrong_identity: the module did not log the refusal"
	new_sshd_log | grep -q 'Accepted' &&
		case_failed "wrong_identity: sshd accepted a login"
fi

log "sshd's log:"
sed 's/^/#   | /' "$S/sshd.log"

stop_sshd
HOST_ETC_AFTER=$(host_etc_state)
[ "$HOST_ETC_AFTER" = "$HOST_ETC_BEFORE" ] ||
	case_failed "the host's /etc/passwd, group, shadow, /etc/pam.d, /dev/log or /run/sshd changed: $(diff <(echo "$HOST_ETC_BEFORE") <(echo "$HOST_ETC_AFTER"))"
[ -n "$SSH_TESTS_FAILED" ] && fail "$(printf '%s' "$SSH_TESTS_FAILED" | grep -c .) check(s) failed:$SSH_TESTS_FAILED"
echo "PASS: $TEST_NAME"
