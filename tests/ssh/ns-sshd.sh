#!/bin/sh
# ns-sshd.sh SSHDIR -- run by tests/integration/ssh_login.sh as
#
#   HOST_MNT_NS=$(readlink /proc/self/ns/mnt) unshare --mount \
#       --propagation private --pid --fork --mount-proc sh ns-sshd.sh SSHDIR
#
# i.e. as the first process of private mount and PID namespaces (HOST_MNT_NS
# is the caller's mount namespace, to refuse to run in it).  Everything it
# mounts is visible to this namespace only and disappears with its last
# process, so the host's /etc, /dev, /run and /var/log stay as they are:
#
#   /etc/passwd, /etc/group, /etc/shadow  <- SSHDIR/etc/*   (alice, bob, sshd)
#   /etc/pam.d                            <- SSHDIR/etc/pam.d (the "sshd" service)
#   /run                                  <- empty tmpfs with /run/sshd (privsep dir)
#   /var/log                              <- empty tmpfs (lastlog, wtmp, btmp)
#   /dev                                  <- tmpfs holding the usual device nodes
#                                            (bind mounts) and /dev/log, a
#                                            syslog socket of ours: every
#                                            syslog(3) line of sshd's PAM
#                                            modules ends up in SSHDIR/syslog
#
# Then it starts the syslog sink (pid in SSHDIR/syslog.pid) and replaces
# itself with sshd in the foreground (-D), logging to stderr (-e), which is
# SSHDIR/sshd.log.  sshd is then PID 1 of its namespace: it reaps the
# orphans of its connections, and when it ends the kernel ends all the rest.
#
# Environment: PYTHON (python3 to run syslog-sink.py), SSHD (sshd binary).

set -eu

S=${1:?usage: ns-sshd.sh SSHDIR}
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
SSHD=${SSHD:-/usr/sbin/sshd}

die() {
	echo "ns-sshd: $*" >&2
	exit 1
}

# The test always starts us in a fresh namespace; refuse to touch the
# host's mounts if that was not the case.
[ -n "${HOST_MNT_NS:-}" ] && [ "$(readlink /proc/self/ns/mnt)" != "$HOST_MNT_NS" ] ||
	die "not in a private mount namespace"
mount --make-rprivate /

for f in passwd group shadow; do
	mount --bind "$S/etc/$f" "/etc/$f"
done
mount --bind "$S/etc/pam.d" /etc/pam.d

mount -t tmpfs -o mode=0755,size=1m pkce-test-run /run
mkdir -m 0755 /run/sshd
mount -t tmpfs -o mode=0755,size=4m pkce-test-log /var/log

# A /dev of our own: a tmpfs, the device nodes sshd and a shell use bound
# in from the real /dev, then moved over /dev.
mkdir -p "$S/dev"
mount -t tmpfs -o mode=0755,size=1m pkce-test-dev "$S/dev"
for n in null zero full random urandom tty ptmx; do
	[ -e "/dev/$n" ] || continue
	: > "$S/dev/$n"
	mount --bind "/dev/$n" "$S/dev/$n"
done
mkdir "$S/dev/pts"
mount --rbind /dev/pts "$S/dev/pts"
mkdir -m 1777 "$S/dev/shm"
ln -s /proc/self/fd "$S/dev/fd"
ln -s /proc/self/fd/0 "$S/dev/stdin"
ln -s /proc/self/fd/1 "$S/dev/stdout"
ln -s /proc/self/fd/2 "$S/dev/stderr"
mount --move "$S/dev" /dev

# The syslog sink, bound at /dev/log (bounded lifetime as a safety net).
"$PYTHON" "$here/syslog-sink.py" /dev/log "$S/syslog" 90 \
	> "$S/syslog-sink.out" 2>&1 < /dev/null &
echo $! > "$S/syslog.pid"
i=0
until [ -S /dev/log ]; do
	i=$((i + 1))
	[ "$i" -le 100 ] || die "the syslog sink did not start: $(cat "$S/syslog-sink.out")"
	kill -0 "$(cat "$S/syslog.pid")" 2>/dev/null ||
		die "the syslog sink exited: $(cat "$S/syslog-sink.out")"
	sleep 0.05
done

# Check that the accounts sshd will see are the test's, not the host's.
[ "$(getent passwd alice | cut -d: -f3)" = 2001 ] || die "alice is not uid 2001 in the namespace"
[ -f /etc/pam.d/sshd ] && grep -q pam_pkce /etc/pam.d/sshd || die "/etc/pam.d/sshd is not the test's"

"$SSHD" -t -f "$S/sshd_config" || die "sshd -t rejects $S/sshd_config"

# A module built with --enable-sanitizers needs the ASan runtime loaded
# first; sshd is not instrumented, so preload it (as lib.sh does for pamtester).
if [ -n "${PKCE_ASAN_LIB:-}" ]; then
	exec env LD_PRELOAD="$PKCE_ASAN_LIB" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}" \
		"$SSHD" -D -e -f "$S/sshd_config" < /dev/null
fi
exec "$SSHD" -D -e -f "$S/sshd_config" < /dev/null
