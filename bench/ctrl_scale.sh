#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vpc-controller's scale benchmark (bench/README.md, "Controller scale"): starts vpc-controller
# on a fresh SQLite database, runs ctrl_scale (N simulated switches speaking the southbound
# protocol) through its phases, kills the controller (SIGKILL) and starts it again on the same
# database for the restart phase, and prints a summary. Builds nothing.
#
#   bench/ctrl_scale.sh BUILD_DIR [ctrl_scale options...]
#
# Sizes and knobs (environment):
#   HOSTS=1000 PORTS=100000 VPCS=PORTS/20 SPREAD=10   the topology
#   CHANGES=200 RESYNCS=20                             phases 3 and 4
#   PHASES=populate,connect,reconnect,restart,changes,resync
#   SB_PORT=16653 API_PORT=18080                       the controller's ports (127.0.0.1)
#   LOG_LEVEL=info                                     the controller's
#   JSON=1                                             figures as JSON lines
#   KEEP=1                                             keep the temporary directory
#   TIMEOUT=300                                        seconds per phase
# A quick run: HOSTS=100 PORTS=10000 bench/ctrl_scale.sh build
set -euo pipefail

BUILD=${1:?usage: $0 BUILD_DIR [ctrl_scale options...]}
shift
BUILD=$(cd "$BUILD" && pwd)
CTRL=$BUILD/controller/vpc-controller
BENCH=$BUILD/bench/ctrl_scale
for f in "$CTRL" "$BENCH"; do
	[ -x "$f" ] || { echo "ctrl_scale.sh: $f is not built" >&2; exit 1; }
done

HOSTS=${HOSTS:-1000}
PORTS=${PORTS:-100000}
VPCS=${VPCS:-$((PORTS / 20 > 0 ? PORTS / 20 : 1))}
SPREAD=${SPREAD:-10}
CHANGES=${CHANGES:-200}
RESYNCS=${RESYNCS:-20}
PHASES=${PHASES:-populate,connect,reconnect,restart,changes,resync}
SB_PORT=${SB_PORT:-16653}
API_PORT=${API_PORT:-18080}
LOG_LEVEL=${LOG_LEVEL:-info}
TIMEOUT=${TIMEOUT:-300}

# One descriptor per switch connection on each side, plus the database and the API's.
want=$((HOSTS + 1024))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
	echo "ctrl_scale.sh: $HOSTS hosts need $want open files; the hard limit is $hard" >&2
	exit 1
fi
ulimit -n "$want"

for p in "$SB_PORT" "$API_PORT"; do
	if ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
		echo "ctrl_scale.sh: port $p is in use (set SB_PORT / API_PORT)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/ctrl_scale.XXXXXX)
cleanup() {
	if [ -s "$tmp/ctrl.pid" ]; then
		kill "$(cat "$tmp/ctrl.pid")" 2>/dev/null || true
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "ctrl_scale.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# The controller, started in the background (by this script and by ctrl_scale's restart).
cat >"$tmp/start.sh" <<EOF
#!/bin/sh
echo "--- start \$(date -u +%FT%T.%3NZ)" >>"$tmp/ctrl.log"
"$CTRL" --db "$tmp/ctrl.db" --listen tcp:127.0.0.1:$SB_PORT --api 127.0.0.1:$API_PORT \\
	--log-level $LOG_LEVEL >>"$tmp/ctrl.log" 2>&1 </dev/null &
echo \$! >"$tmp/ctrl.pid"
EOF
cat >"$tmp/kill.sh" <<EOF
#!/bin/sh
echo "--- SIGKILL \$(date -u +%FT%T.%3NZ)" >>"$tmp/ctrl.log"
kill -KILL "\$(cat "$tmp/ctrl.pid")"
EOF
chmod +x "$tmp/start.sh" "$tmp/kill.sh"

"$tmp/start.sh"
for _ in $(seq 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:$API_PORT/v1/status" 2>/dev/null && break
	sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$API_PORT/v1/status" || {
	echo "ctrl_scale.sh: the controller did not come up:" >&2
	tail -20 "$tmp/ctrl.log" >&2
	exit 1
}

echo "ctrl_scale.sh: $HOSTS hosts, $PORTS ports, $VPCS vpcs; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); controller pid $(cat "$tmp/ctrl.pid"), db $tmp/ctrl.db" >&2
args=(--sb "127.0.0.1:$SB_PORT" --api "127.0.0.1:$API_PORT"
	--hosts "$HOSTS" --ports "$PORTS" --vpcs "$VPCS" --spread "$SPREAD"
	--changes "$CHANGES" --resyncs "$RESYNCS" --phases "$PHASES" --timeout "$TIMEOUT"
	--kill-cmd "$tmp/kill.sh" --start-cmd "$tmp/start.sh" --ctrl-pidfile "$tmp/ctrl.pid")
[ "${JSON:-0}" = 1 ] && args+=(--json)
rc=0
"$BENCH" "${args[@]}" "$@" | tee "$tmp/figures" || rc=$?

echo
echo "=== summary (ctrl_scale exit $rc; $(nproc) cores shared by the controller and the bench)"
cat "$tmp/figures"
pid=$(cat "$tmp/ctrl.pid")
if [ -r "/proc/$pid/status" ]; then
	echo "controller: $(grep -E '^VmHWM' "/proc/$pid/status" | tr -s ' \t' ' ') (since its restart)"
fi
kill "$pid" 2>/dev/null && for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
echo "database: $(du -ch "$tmp"/ctrl.db* | tail -1 | cut -f1) (after the controller stopped)"
echo "controller log: $(grep -c ' warning: ' "$tmp/ctrl.log" || true) warnings, $(grep -c ' error: ' "$tmp/ctrl.log" || true) errors"
grep -E ' (warning|error): ' "$tmp/ctrl.log" | grep -v -E 'disconnected \((.*)\): (closed by the switch|the controller stops)' | head -10 || true
exit "$rc"
