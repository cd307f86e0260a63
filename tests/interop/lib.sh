# Shared setup for the interop tests; sourced by each test script.
#
# Each test gets a network namespace of its own (hz-<test>-<pid>) holding a
# persistent tap device. The kernel side of the tap is 10.0.0.1/24; haze-echo
# runs inside the same namespace, attached to the same tap, as 10.0.0.2 with
# a fixed MAC. Traffic never leaves the namespace. The EXIT trap stops
# haze-echo and deletes the namespace and the scratch directory, on success
# and on failure alike.
#
# Environment (set by meson): HAZE_ECHO, PYTHON, IP, INTEROP_DIR.
# HZ_INTEROP_ECHO_ARGS: extra haze-echo flags for every test (e.g.
# "--offload" to run the suite over the tap's vnet-header offloads), except
# tcp-netem: its impair.py relay reads the tap raw and cannot forward the
# 64 KiB frames offloads bring.

set -euo pipefail

: "${HAZE_ECHO:?HAZE_ECHO must point at haze-echo}"
PYTHON=${PYTHON:-python3}
IP=${IP:-ip}
INTEROP_DIR=${INTEROP_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
NS="hz-${TEST_NAME}-$$"
TAP="hzt$$"
TAP=${TAP:0:15}
HAZE_IP=10.0.0.2
HAZE_MAC=02:00:00:00:00:02
KERNEL_IP=10.0.0.1
WORK=$(mktemp -d "/tmp/haze-interop-${TEST_NAME}.XXXXXX")
STATS="$WORK/stats"
HAZE_LOG="$WORK/haze.log"
HAZE_PID=
FAILED=0

log() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
fail() {
	log "FAIL: $*"
	FAILED=1
}
# Stop at once (the EXIT trap still cleans up).
die() {
	log "FAIL: $*"
	exit 1
}
skip() {
	log "SKIP: $*"
	exit 77
}

nsx() { "$IP" netns exec "$NS" "$@"; }

cleanup() {
	local rc=$?
	set +e
	if [[ -n "$HAZE_PID" ]] && kill -0 "$HAZE_PID" 2>/dev/null; then
		kill -TERM "$HAZE_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$HAZE_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$HAZE_PID" 2>/dev/null
		wait "$HAZE_PID" 2>/dev/null
	fi
	# Anything else still running in the namespace (a client we started).
	local pids
	pids=$("$IP" netns pids "$NS" 2>/dev/null)
	[[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
	"$IP" netns del "$NS" 2>/dev/null
	if [[ $rc -ne 0 && $rc -ne 77 && -s "$HAZE_LOG" ]]; then
		log "haze-echo log:"
		sed 's/^/    /' "$HAZE_LOG"
	fi
	rm -rf "$WORK"
	if [[ $rc -eq 0 ]]; then
		log PASS
	elif [[ $rc -ne 77 ]]; then
		log "FAIL (exit $rc)"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || skip "needs root"
[[ -c /dev/net/tun ]] || skip "needs /dev/net/tun"
[[ -x "$HAZE_ECHO" ]] || die "no haze-echo at $HAZE_ECHO"

# The namespace: loopback up, no IPv6 (its router solicitations and MLD
# reports would only add noise to haze's counters), a persistent tap that
# learns neighbours from gratuitous ARP (arp_accept, off by default).
setup_ns() {
	"$IP" netns add "$NS"
	nsx "$IP" link set lo up
	nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx "$IP" tuntap add dev "$TAP" mode tap
	nsx sysctl -qw "net.ipv4.conf.$TAP.arp_accept=1"
	nsx "$IP" addr add "$KERNEL_IP/24" dev "$TAP"
	nsx "$IP" link set "$TAP" up
}

# Start haze-echo on the tap (extra arguments are passed on) and wait until
# it logs that its address is ready. With HZ_INTEROP_PCAP_DIR set, a
# tcpdump on the tap writes DIR/<test>.pcap first (for bug reports; the
# cleanup stops it with everything else in the namespace).
start_haze() {
	if [[ -n "${HZ_INTEROP_PCAP_DIR:-}" ]] && command -v tcpdump >/dev/null; then
		mkdir -p "$HZ_INTEROP_PCAP_DIR"
		"$IP" netns exec "$NS" tcpdump -i "$TAP" -s 128 -U -w "$HZ_INTEROP_PCAP_DIR/$TEST_NAME.pcap" \
			2>"$WORK/tcpdump.log" &
		sleep 0.5
	fi
	# Not through nsx: a function in the background is a subshell, and $!
	# must be haze-echo itself (ip netns exec execs it in place).
	local extra=()
	if [[ -n "${HZ_INTEROP_ECHO_ARGS:-}" && "$TEST_NAME" != tcp-netem ]]; then
		read -r -a extra <<<"$HZ_INTEROP_ECHO_ARGS"
		log "haze-echo extra args: ${extra[*]}"
	fi
	"$IP" netns exec "$NS" "$HAZE_ECHO" --tap "$TAP" --ip "$HAZE_IP/24" --gw "$KERNEL_IP" --mac "$HAZE_MAC" \
		--stats-file "$STATS" "${extra[@]}" "$@" 2>"$HAZE_LOG" &
	HAZE_PID=$!
	local i
	for i in $(seq 100); do
		if grep -q "address $HAZE_IP ready" "$HAZE_LOG" 2>/dev/null; then
			log "haze-echo up (pid $HAZE_PID)"
			return 0
		fi
		kill -0 "$HAZE_PID" 2>/dev/null || die "haze-echo exited early"
		sleep 0.1
	done
	die "haze-echo did not report its address ready within 10 s"
}

# Stop haze-echo with SIGTERM; it must exit 0 and print its counters.
stop_haze() {
	kill -TERM "$HAZE_PID"
	local rc=0
	wait "$HAZE_PID" || rc=$?
	HAZE_PID=
	[[ $rc -eq 0 ]] || die "haze-echo exited with status $rc"
	grep -q "haze-echo: exit" "$HAZE_LOG" || die "haze-echo did not log its exit"
	log "haze-echo stopped cleanly; its non-zero counters:"
	sed -n '/haze-echo: exit/,$p' "$HAZE_LOG" | tail -n +2 | sed 's/^/    /'
}

# Ask haze-echo for fresh counters (SIGUSR1 rewrites the stats file) and
# copy them to $1 once the file's sequence number has moved.
snapshot() {
	local out=$1 seq0 seq i
	seq0=$(stats_seq)
	kill -USR1 "$HAZE_PID"
	for i in $(seq 100); do
		seq=$(stats_seq)
		if [[ "$seq" -gt "$seq0" ]]; then
			cp "$STATS" "$out"
			return 0
		fi
		sleep 0.05
	done
	die "stats file not rewritten after SIGUSR1"
}
stats_seq() {
	if [[ -f "$STATS" ]]; then
		sed -n 's/^# seq \([0-9]*\)$/\1/p' "$STATS"
	else
		echo 0
	fi
}
# counter FILE NAME: the value of NAME ("ipv4.bad_checksum") in FILE.
counter() {
	local v
	v=$(sed -n "s/^$2 = \([0-9]*\)\$/\1/p" "$1")
	[[ -n "$v" ]] || die "no counter $2 in haze-echo's stats"
	echo "$v"
}

# wait_tcp_idle FILE: poll haze's counters until it holds no TCP
# connection (echo.tcp_active is 0: every connection ended and was closed
# by the application); the last snapshot is left in FILE. Slots in
# TIME-WAIT or finishing their FIN exchange are the engine's, not counted.
wait_tcp_idle() {
	local out=$1 i
	for i in $(seq 100); do
		snapshot "$out"
		[[ $(counter "$out" echo.tcp_active) -eq 0 ]] && return 0
		sleep 0.2
	done
	die "haze still holds $(counter "$out" echo.tcp_active) TCP connections after 20 s"
}
