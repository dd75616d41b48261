# shellcheck shell=bash
# start.sh -- to be sourced (bash) by test scripts, after tests/idp/start.sh:
#
#   idp_start "$WORK"
#   faults_start "$WORK"          (needs IDP_ISSUER, IDP_CA, WORK/certs)
#   ... $FAULTS_PORT_main, $FAULTS_PORT_plain, $FAULTS_PORT_expired, ...
#   ... $FAULTS_URL (https://127.0.0.1:MAIN), faults_stats NAME [LISTENER] ...
#   faults_stop
#
# Starts tests/faults/server.mjs in the background (log WORKDIR/faults.log)
# and waits up to FAULTS_START_TIMEOUT (default 15) seconds for its port
# file.  Sets FAULTS_PID, FAULTS_URL and FAULTS_PORT_<listener> for every
# listener the server reports.

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FAULTS_PID=

faults_start() {
	local workdir=$1 i=0 max name port
	max=$((${FAULTS_START_TIMEOUT:-60} * 10))
	if [ -z "${IDP_ISSUER:-}" ] || [ -z "${IDP_CA:-}" ]; then
		echo "faults_start: run idp_start first" >&2
		return 1
	fi
	rm -f "$workdir/faults.port"
	"${NODE:-node}" "$FAULTS_DIR/server.mjs" --certdir "$workdir/certs" \
		--port-file "$workdir/faults.port" --upstream "$IDP_ISSUER" \
		--ca "$IDP_CA" --lifetime "${FAULTS_LIFETIME:-300}" \
		</dev/null >>"$workdir/faults.log" 2>&1 &
	FAULTS_PID=$!
	while [ "$i" -lt "$max" ] && [ ! -s "$workdir/faults.port" ]; do
		kill -0 "$FAULTS_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$workdir/faults.port" ]; then
		echo "faults_start: the fault server did not start; log:" >&2
		sed 's/^/  | /' "$workdir/faults.log" >&2
		faults_stop
		return 1
	fi
	while read -r name port; do
		case $port in '' | *[!0-9]*) continue ;; esac
		case $name in
		main) FAULTS_PORT_main=$port ;;
		plain) FAULTS_PORT_plain=$port ;;
		expired) FAULTS_PORT_expired=$port ;;
		wronghost) FAULTS_PORT_wronghost=$port ;;
		unknownca) FAULTS_PORT_unknownca=$port ;;
		selfsigned) FAULTS_PORT_selfsigned=$port ;;
		stall) FAULTS_PORT_stall=$port ;;
		esac
	done <"$workdir/faults.port"
	export FAULTS_PORT_main FAULTS_PORT_plain FAULTS_PORT_expired FAULTS_PORT_wronghost \
		FAULTS_PORT_unknownca FAULTS_PORT_selfsigned FAULTS_PORT_stall
	FAULTS_URL="https://127.0.0.1:${FAULTS_PORT_main:?}"
	return 0
}

faults_stop() {
	[ -n "${FAULTS_PID:-}" ] || return 0
	stop_by_pid "$FAULTS_PID"	# tests/idp/start.sh
	FAULTS_PID=
}

# faults_stats NAME [LISTENER]: how many requests fault NAME got (on LISTENER).
faults_stats() {
	curl -sS --max-time 5 --cacert "$IDP_CA" "$FAULTS_URL/stats" |
		node -e 'let t = ""; process.stdin.on("data", (d) => { t += d; });
			process.stdin.on("end", () => {
				const s = JSON.parse(t)[process.argv[1]] || { hits: 0, on: {} };
				console.log(process.argv[2] ? (s.on[process.argv[2]] || 0) : s.hits);
			});' "$1" "${2:-}"
}

# faults_held NAME: the seconds (one decimal) fault NAME's last request was
# held open by the client, or "-".
faults_held() {
	curl -sS --max-time 5 --cacert "$IDP_CA" "$FAULTS_URL/stats" |
		node -e 'let t = ""; process.stdin.on("data", (d) => { t += d; });
			process.stdin.on("end", () => {
				const s = JSON.parse(t)[process.argv[1]];
				const h = s && s.held_ms.length ? s.held_ms[s.held_ms.length - 1] : null;
				console.log(h === null ? "-" : (h / 1000).toFixed(1));
			});' "$1"
}

# listening_addrs PORT: the local addresses (hex, as /proc/net/tcp{,6} write
# them) with a TCP socket listening on PORT in this network namespace.
listening_addrs() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { split($2, a, ":"); print a[1] }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}
