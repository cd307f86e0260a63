#!/bin/bash
# haze-bench-tcp: TCP throughput between the Linux kernel and a user-space
# stack on a tap device, beside the same load on the kernel alone.
#
#   upload:   kernel client -> server's discard port 9  (tcpload send)
#   download: server's chargen port 19 -> kernel client (tcpload recv)
#
# Servers, each in namespaces of their own made (and deleted) here:
#   haze        haze-echo on a tap; the client in the tap's namespace
#   lwip        lwip-echo (../shared/peers, built into a temp dir) the same way
#   linux-veth  tcpload serve in one namespace, the client in another,
#               across a veth pair: the kernel's own limit on this machine
#               (it also shows the client is not what limits the others)
# Every run measures all three in turn (runs are interleaved so the load
# of the shared machine falls on all of them alike); the lines give the
# median of the runs:
#
#   bench tcp-upload: haze=X linux-veth=Y ratio=X/Y unit=Gbit/s
#   bench tcp-upload: haze=X lwip=Z ratio=X/Z unit=Gbit/s
#   (the same for tcp-download)
#   bench tcp-ram-per-conn: haze=B lwip=B ratio=... unit=bytes
#
# haze-echo runs with HZ_BENCH_ECHO_ARGS, by default "--offload --tcp-ring
# 64": IFF_VNET_HDR (checksum offload, TCP segments coalesced into GSO
# writes) and 64 KiB rings, which is the memory lwIP's defaults give a
# connection (TCP_WND + TCP_SND_BUF); HZ_BENCH_ECHO_ARGS= measures the
# defaults (plain tap, 16 KiB rings).
#
# Environment: HZ_BENCH_SECS (seconds per transfer, default 5),
# HZ_BENCH_RUNS (default 3), HZ_BENCH_ECHO_ARGS (haze-echo flags),
# HAZE_ECHO, TCPLOAD, LWIP_ECHO_SRC (paths; meson fills the defaults),
# HZ_BENCH_PERF=DIR (record perf profiles of haze-echo into DIR),
# HZ_BENCH_ONLY="haze lwip veth" (subset of servers).
# Needs root, /dev/net/tun and ip netns; exits 77 (skip) otherwise.
set -euo pipefail

HAZE_ECHO=${HAZE_ECHO:-@HAZE_ECHO@}
TCPLOAD=${TCPLOAD:-@TCPLOAD@}
LWIP_ECHO_SRC=${LWIP_ECHO_SRC:-@LWIP_ECHO_SRC@}
SECS=${HZ_BENCH_SECS:-5}
RUNS=${HZ_BENCH_RUNS:-3}
ONLY=${HZ_BENCH_ONLY:-haze lwip veth}
ECHO_ARGS=${HZ_BENCH_ECHO_ARGS---offload --tcp-ring 64}
IP=${IP:-ip}

say() { printf 'haze-bench-tcp: %s\n' "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "SKIP: needs root"; exit 77; }
[[ -c /dev/net/tun ]] || { say "SKIP: needs /dev/net/tun"; exit 77; }
[[ -x "$HAZE_ECHO" && -x "$TCPLOAD" ]] || { say "no haze-echo or tcpload"; exit 1; }

WORK=$(mktemp -d /tmp/haze-bench-tcp.XXXXXX)
NS_H=hzb-h-$$ NS_L=hzb-l-$$ NS_A=hzb-a-$$ NS_B=hzb-b-$$
ALL_NS=("$NS_H" "$NS_L" "$NS_A" "$NS_B")
TAP=hzbtap0
SRV_IP=10.0.0.2 CLI_IP=10.0.0.1

cleanup() {
	local rc=$? ns pids
	set +e
	for ns in "${ALL_NS[@]}"; do
		pids=$("$IP" netns pids "$ns" 2>/dev/null)
		[[ -n "$pids" ]] && kill -TERM $pids 2>/dev/null
	done
	sleep 0.3
	for ns in "${ALL_NS[@]}"; do
		pids=$("$IP" netns pids "$ns" 2>/dev/null)
		[[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
		"$IP" netns del "$ns" 2>/dev/null
	done
	if [[ $rc -ne 0 && -s "$WORK/haze.log" ]]; then
		say "haze-echo log (tail):"
		tail -n 20 "$WORK/haze.log" >&2
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A namespace with a tap whose kernel side is CLI_IP (as tests/interop).
tap_ns() {
	local ns=$1
	"$IP" netns add "$ns"
	"$IP" -n "$ns" link set lo up
	"$IP" netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	"$IP" -n "$ns" tuntap add dev "$TAP" mode tap
	"$IP" netns exec "$ns" sysctl -qw "net.ipv4.conf.$TAP.arp_accept=1"
	"$IP" -n "$ns" addr add "$CLI_IP/24" dev "$TAP"
	"$IP" -n "$ns" link set "$TAP" up
}

wait_port() { # ns host port: until a TCP connection succeeds
	local i
	for i in $(seq 100); do
		if "$IP" netns exec "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	say "no listener at $2:$3 in $1"
	return 1
}

servers=()
# haze-echo
if [[ " $ONLY " == *" haze "* ]]; then
	tap_ns "$NS_H"
	# shellcheck disable=SC2086
	"$IP" netns exec "$NS_H" "$HAZE_ECHO" --tap "$TAP" --ip "$SRV_IP/24" --gw "$CLI_IP" \
		--mac 02:00:00:00:00:02 $ECHO_ARGS 2>"$WORK/haze.log" &
	HAZE_PID=$!
	for _ in $(seq 100); do
		grep -q "address $SRV_IP ready" "$WORK/haze.log" && break
		sleep 0.1
	done
	wait_port "$NS_H" "$SRV_IP" 9
	servers+=(haze)
fi
# lwip-echo, built here from the peer's source
if [[ " $ONLY " == *" lwip "* ]]; then
	if [[ -f "$LWIP_ECHO_SRC" ]] && pkg-config --exists lwip &&
		cc -O2 -o "$WORK/lwip-echo" "$LWIP_ECHO_SRC" $(pkg-config --cflags --libs lwip) -lpthread \
			2>"$WORK/lwip-build.log"; then
		tap_ns "$NS_L"
		"$IP" netns exec "$NS_L" "$WORK/lwip-echo" "$TAP" "$SRV_IP" 255.255.255.0 "$CLI_IP" \
			>"$WORK/lwip.log" 2>&1 &
		wait_port "$NS_L" "$SRV_IP" 9
		servers+=(lwip)
		# lwIP's per-connection memory as the packaged library was built.
		cat >"$WORK/lwip-sizes.c" <<-'EOC'
			#include <stdio.h>
			#include "lwip/tcp.h"
			#include "lwip/priv/tcp_priv.h"
			int main(void) {
				printf("pcb=%zu wnd=%lu snd=%lu\n", sizeof(struct tcp_pcb),
				       (unsigned long)TCP_WND, (unsigned long)TCP_SND_BUF);
				return 0;
			}
		EOC
		cc -o "$WORK/lwip-sizes" "$WORK/lwip-sizes.c" $(pkg-config --cflags --libs lwip) \
			2>>"$WORK/lwip-build.log" || true
	else
		say "lwip-echo not built (no $LWIP_ECHO_SRC or liblwip-dev): lwip lines skipped"
	fi
fi
# Linux on both ends of a veth pair
if [[ " $ONLY " == *" veth "* ]]; then
	"$IP" netns add "$NS_A"
	"$IP" netns add "$NS_B"
	"$IP" -n "$NS_A" link set lo up
	"$IP" -n "$NS_B" link set lo up
	"$IP" -n "$NS_A" link add hzbva type veth peer name hzbvb netns "$NS_B"
	"$IP" -n "$NS_A" addr add "$CLI_IP/24" dev hzbva
	"$IP" -n "$NS_B" addr add "$SRV_IP/24" dev hzbvb
	"$IP" -n "$NS_A" link set hzbva up
	"$IP" -n "$NS_B" link set hzbvb up
	"$IP" netns exec "$NS_B" "$TCPLOAD" serve 9 19 &
	wait_port "$NS_A" "$SRV_IP" 9
	servers+=(veth)
fi

client_ns() {
	case $1 in
	haze) echo "$NS_H" ;;
	lwip) echo "$NS_L" ;;
	veth) echo "$NS_A" ;;
	esac
}

# measure SERVER up|down: Gbit/s of one transfer
measure() {
	local ns mode port out
	ns=$(client_ns "$1")
	if [[ $2 == up ]]; then mode=send port=9; else mode=recv port=19; fi
	local perf_pid=
	if [[ -n "${HZ_BENCH_PERF:-}" && $1 == haze ]]; then
		mkdir -p "$HZ_BENCH_PERF"
		perf record -g -o "$HZ_BENCH_PERF/haze-$2.data" -p "$HAZE_PID" 2>/dev/null >&2 &
		perf_pid=$!
		sleep 0.2
	fi
	out=$("$IP" netns exec "$ns" "$TCPLOAD" "$mode" "$SRV_IP" "$port" "$SECS")
	if [[ -n "$perf_pid" ]]; then
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
	fi
	say "run $run: $1 $2: $out"
	sed -n 's/.*gbps=\([0-9.]*\).*/\1/p' <<<"$out"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2}'; }

declare -A res
for run in $(seq "$RUNS"); do
	for dir in up down; do
		for s in "${servers[@]}"; do
			res[$s-$dir]+="$(measure "$s" "$dir") "
		done
	done
done

line() { # name peer-label haze peer unit
	awk -v n="$1" -v p="$2" -v h="$3" -v q="$4" -v u="$5" \
		'BEGIN {printf "bench %s: haze=%s %s=%s ratio=%.3f unit=%s\n", n, h, p, q, (q > 0 ? h / q : 0), u}'
}

has() { [[ " ${servers[*]} " == *" $1 "* ]]; }
for dir in up down; do
	name=tcp-upload
	[[ $dir == down ]] && name=tcp-download
	has haze || continue
	h=$(median <<<"${res[haze-$dir]}")
	has veth && line "$name" linux-veth "$h" "$(median <<<"${res[veth-$dir]}")" Gbit/s
	has lwip && line "$name" lwip "$h" "$(median <<<"${res[lwip-$dir]}")" Gbit/s
done

# RAM per connection: what haze-echo's stack was compiled with (the
# connection context plus its two rings), and for lwIP a tcp_pcb plus the
# most data it holds for one connection (TCP_WND received + TCP_SND_BUF
# unacknowledged, in pbufs whose headers are not counted): lower is
# better, so the ratio is lwip/haze.
eval "$("$TCPLOAD" sizes | sed 's/^/hz_/')"
# --tcp-ring K: K KiB send ring; the receive ring is clipped to what the
# window scale chosen for the default ring can advertise (echo.c).
if [[ " $ECHO_ARGS " =~ \ --tcp-ring\ ([0-9]+) ]]; then
	k=$((BASH_REMATCH[1] * 1024)) ws=0
	while (((0xffff << ws) < hz_rcv_ring)); do ws=$((ws + 1)); done
	hz_snd_ring=$k
	hz_rcv_ring=$((k < (0xffff << ws) ? k : (0xffff << ws)))
	hz_per_conn=$((hz_tcp_conn + hz_snd_ring + hz_rcv_ring))
fi
say "haze-echo $ECHO_ARGS: sizeof(struct hz_tcp_conn)=$hz_tcp_conn snd_ring=$hz_snd_ring" \
	"rcv_ring=$hz_rcv_ring (stack: $hz_conns slots, sizeof(struct hz_stack)=$hz_stack)"
if [[ -x "$WORK/lwip-sizes" ]]; then
	lw=$("$WORK/lwip-sizes")
	say "lwip: $lw"
	eval "lw_${lw// / lw_}"
	lw_per=$((lw_pcb + lw_wnd + lw_snd))
	line tcp-ram-per-conn lwip "$hz_per_conn" "$lw_per" bytes | sed 's/ratio=[0-9.]*/ratio='"$(awk -v a="$lw_per" -v b="$hz_per_conn" 'BEGIN{printf "%.3f", a/b}')"'/'
else
	echo "bench tcp-ram-per-conn: haze=$hz_per_conn unit=bytes"
fi
