# start.sh -- to be sourced (bash) by test scripts:
#
#   . tests/idp/start.sh
#   idp_start "$WORKDIR" [extra server.mjs args, e.g. --id-token-alg ES256]
#   ... use $IDP_ISSUER, $IDP_PORT, $IDP_CA, $IDP_PID ...
#   idp_stop
#   hostile_start "$WORKDIR"   (after idp_start, same WORKDIR: hostile.mjs
#   ... use $HOSTILE_URL ...    in front of that provider; see below)
#   hostile_stop
#
# idp_start installs node_modules with `npm ci` when missing (pkce_node_dir
# below: never in the source tree of a VPATH build), makes the test
# CA in WORKDIR/certs when missing, starts server.mjs in the background
# (stderr to WORKDIR/idp.log) and waits up to IDP_START_TIMEOUT (default 60: the suite runs 50 logins beside it on 2 cores)
# seconds for it to write WORKDIR/idp.port.  It sets IDP_PID, IDP_PORT,
# IDP_ISSUER, IDP_CA and IDP_DIR.  Returns non-zero, showing the log, when
# the provider did not start.

IDP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# pkce_node_dir DIR PACKAGE: print a directory that holds DIR's scripts
# with DIR's npm dependencies (its package-lock.json) installed beside
# them; PACKAGE, one of them, tells whether they are installed.  That is
# DIR itself when DIR has them, and when the build is in the source tree
# (then they are installed in DIR with `npm ci`, as tests/setup-deps.sh
# does).  A VPATH build (PKCE_BUILDDIR is not PKCE_SRCDIR; `make distcheck`,
# whose source tree is read-only) never writes to the source tree: DIR's
# package files and scripts are copied to $PKCE_BUILDDIR/tests/node/NAME
# and `npm ci` runs there, from npm's cache when it has the packages.  The
# scripts are copied, not linked: node resolves a script's imports from
# the directory the script really is in.  Parallel tests take turns (flock).
pkce_node_dir() {
	local src=$1 pkg=$2 dir f
	if [ -f "$src/node_modules/$pkg/package.json" ]; then
		echo "$src"
		return 0
	fi
	dir=$src
	if [ -n "${PKCE_BUILDDIR:-}" ] && [ -n "${PKCE_SRCDIR:-}" ] &&
		[ "$(cd "$PKCE_BUILDDIR" && pwd -P)" != "$(cd "$PKCE_SRCDIR" && pwd -P)" ]; then
		dir=$PKCE_BUILDDIR/tests/node/$(basename "$src")
		mkdir -p "$dir" || return 1
	fi
	(
		flock 9 || exit 1
		if [ "$dir" != "$src" ]; then
			for f in "$src"/package.json "$src"/package-lock.json "$src"/*.mjs "$src"/*.sh; do
				[ -f "$f" ] || continue
				cmp -s "$f" "$dir/${f##*/}" && continue
				cp "$f" "$dir/.${f##*/}.new" && mv -f "$dir/.${f##*/}.new" "$dir/${f##*/}" || exit 1
			done
		fi
		if [ ! -f "$dir/node_modules/$pkg/package.json" ] ||
			! cmp -s "$dir/package-lock.json" "$dir/node_modules/.pkce-lock"; then
			echo "installing node modules in $dir" >&2
			(cd "$dir" && npm ci --prefer-offline --no-audit --no-fund >&2) || {
				echo "npm ci failed in $dir" >&2
				exit 1
			}
			cp "$dir/package-lock.json" "$dir/node_modules/.pkce-lock" || exit 1
		fi
	) 9<"$dir" || return 1
	echo "$dir"
}

# await_port_file PID WORKDIR NAME LABEL TIMEOUT LOGLINES: wait (bounded)
# for the server PID to write WORKDIR/NAME.port and print the port; else
# show the new part of WORKDIR/NAME.log, stop PID and fail (the caller,
# whose child PID is, reaps it).
await_port_file() {
	local pid=$1 workdir=$2 name=$3 label=$4 timeout=$5 loglines=$6
	local i=0 max=$((timeout * 10)) port=
	while [ "$i" -lt "$max" ]; do
		if [ -s "$workdir/$name.port" ]; then
			port=$(cat "$workdir/$name.port")
			case $port in
			'' | *[!0-9]*) port= ;;
			*) echo "$port"; return 0 ;;
			esac
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "${name}_start: $label did not start within ${timeout}s; log $workdir/$name.log:" >&2
		# Where it is stuck: state, kernel wait channel, CPU time used.
		echo "  pid $pid: $(grep -E '^(State|Threads):' "/proc/$pid/status" 2>/dev/null | tr '\n\t' '  ')" \
			"wchan $(cat "/proc/$pid/wchan" 2>/dev/null)" \
			"utime+stime $(awk '{print $14 "+" $15}' "/proc/$pid/stat" 2>/dev/null) ticks" >&2
		kill "$pid" 2>/dev/null || true
	else
		echo "${name}_start: $label exited before it was ready; log $workdir/$name.log:" >&2
	fi
	tail -n "+$((loglines + 1))" "$workdir/$name.log" | tail -n 50 | sed 's/^/  | /' >&2
	return 1
}

idp_start() {
	if [ "$#" -lt 1 ] || [ -z "$1" ]; then
		echo "idp_start: usage: idp_start WORKDIR [server args...]" >&2
		return 64
	fi
	local workdir=$1
	shift
	local node=${NODE:-node}
	local timeout=${IDP_START_TIMEOUT:-60}
	local host=127.0.0.1 arg prev=

	for arg in "$@"; do
		[ "$prev" = --host ] && host=$arg
		prev=$arg
	done

	mkdir -p "$workdir" || return 1
	workdir=$(cd "$workdir" && pwd) || return 1

	local run
	run=$(pkce_node_dir "$IDP_DIR" oidc-provider) || {
		echo "idp_start: cannot install the provider's node modules" >&2
		return 1
	}

	if [ ! -s "$workdir/certs/ca.pem" ] || [ ! -s "$workdir/certs/server.pem" ] \
		|| [ ! -s "$workdir/certs/server.key" ]; then
		bash "$IDP_DIR/make-ca.sh" "$workdir/certs" || {
			echo "idp_start: make-ca.sh failed" >&2
			return 1
		}
	fi

	rm -f "$workdir/idp.port"
	local loglines=0
	[ -f "$workdir/idp.log" ] && loglines=$(wc -l <"$workdir/idp.log")
	"$node" "$run/server.mjs" --certdir "$workdir/certs" \
		--port-file "$workdir/idp.port" "$@" \
		</dev/null >>"$workdir/idp.log" 2>&1 &
	local pid=$!

	local port
	port=$(await_port_file "$pid" "$workdir" idp provider "$timeout" "$loglines") || {
		wait "$pid" 2>/dev/null || true
		return 1
	}

	IDP_PID=$pid
	IDP_PORT=$port
	if [ "$host" = "::1" ]; then
		IDP_ISSUER="https://[::1]:$IDP_PORT"
	else
		IDP_ISSUER="https://127.0.0.1:$IDP_PORT"
	fi
	IDP_CA=$workdir/certs/ca.pem
	IDP_WORKDIR=$workdir
	export IDP_PID IDP_PORT IDP_ISSUER IDP_CA IDP_DIR IDP_WORKDIR
	return 0
}

# stop_by_pid PID: TERM, wait (bounded, also for a process that is not our
# child), then KILL.
stop_by_pid() {
	local pid=$1 i=0
	kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	if ! wait "$pid" 2>/dev/null; then
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

idp_stop() {
	[ -n "${IDP_PID:-}" ] || return 0
	stop_by_pid "$IDP_PID"
	IDP_PID=
}

# hostile_start WORKDIR [extra hostile.mjs args]: the hostile layer
# (hostile.mjs) in front of the provider that idp_start started: it needs
# IDP_ISSUER, IDP_CA and WORKDIR/certs from idp_start.  Log to
# WORKDIR/hostile.log; waits up to HOSTILE_START_TIMEOUT (default 60)
# seconds for WORKDIR/hostile.port.  Sets HOSTILE_PID, HOSTILE_PORT and
# HOSTILE_URL (https://127.0.0.1:PORT).  hostile_stop ends it.
hostile_start() {
	if [ "$#" -lt 1 ] || [ -z "$1" ]; then
		echo "hostile_start: usage: hostile_start WORKDIR [hostile.mjs args...]" >&2
		return 64
	fi
	local workdir=$1
	shift
	local node=${NODE:-node}
	local timeout=${HOSTILE_START_TIMEOUT:-60}

	if [ -z "${IDP_ISSUER:-}" ] || [ -z "${IDP_CA:-}" ]; then
		echo "hostile_start: run idp_start first (IDP_ISSUER / IDP_CA unset)" >&2
		return 1
	fi
	workdir=$(cd "$workdir" && pwd) || return 1
	if [ ! -s "$workdir/certs/server.pem" ] || [ ! -s "$workdir/certs/server.key" ]; then
		echo "hostile_start: no certificate in $workdir/certs (run idp_start with the same WORKDIR)" >&2
		return 1
	fi

	rm -f "$workdir/hostile.port"
	local loglines=0
	[ -f "$workdir/hostile.log" ] && loglines=$(wc -l <"$workdir/hostile.log")
	"$node" "$IDP_DIR/hostile.mjs" --certdir "$workdir/certs" \
		--port-file "$workdir/hostile.port" --upstream "$IDP_ISSUER" \
		--ca "$IDP_CA" "$@" \
		</dev/null >>"$workdir/hostile.log" 2>&1 &
	local pid=$!

	local port
	port=$(await_port_file "$pid" "$workdir" hostile "hostile layer" "$timeout" "$loglines") || {
		wait "$pid" 2>/dev/null || true
		return 1
	}

	HOSTILE_PID=$pid
	HOSTILE_PORT=$port
	HOSTILE_URL="https://127.0.0.1:$HOSTILE_PORT"
	export HOSTILE_PID HOSTILE_PORT HOSTILE_URL
	return 0
}

hostile_stop() {
	[ -n "${HOSTILE_PID:-}" ] || return 0
	stop_by_pid "$HOSTILE_PID"
	HOSTILE_PID=
}
