#!/usr/bin/env bash
# Record a real exchange between the Linux kernel and haze-echo over a tap
# device in a network namespace, for the replay regression test.
#
#   tests/pcap/record-echo-session.sh HAZE_ECHO [OUTDIR]
#
# Writes OUTDIR/echo-session.pcap (the frames the kernel sent: the input
# of the replay) and OUTDIR/echo-expected.pcap (the frames haze-echo sent:
# the expected output). OUTDIR defaults to tests/pcap/data. Needs root,
# /dev/net/tun, ip(8), tcpdump and python3.
#
# The session: haze-echo starts (and announces its address twice, RFC 5227
# section 3, 2 s apart); then the kernel pings it 3 times (ARP resolution
# first), sends 3 UDP datagrams to port 7 from port 40000 and one of 3000
# bytes that the kernel fragments (haze reassembles it and fragments the
# echo), and reads every echo back.
#
# Addresses: kernel 10.0.0.1/24 on the tap, haze 10.0.0.2/24 gw 10.0.0.1,
# haze MAC 02:00:00:00:00:02. IPv6 is off on the tap so the kernel sends no
# router solicitations or MLD reports into the capture.
set -euo pipefail

echo_bin=${1:?usage: record-echo-session.sh HAZE_ECHO [OUTDIR]}
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here/data}
mkdir -p "$out"
echo_bin=$(realpath "$echo_bin")

ns=hzrec$$
dev=hzrec0
mac=02:00:00:00:00:02
tmp=$(mktemp -d)
tcpdump_pid=
echo_pid=

cleanup() {
	[ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null || true
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
in_ns ip link set lo up
in_ns ip tuntap add dev "$dev" mode tap
in_ns sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
in_ns ip addr add 10.0.0.1/24 dev "$dev"
in_ns ip link set "$dev" up

# Capture everything on the tap, both directions, whole frames.
# Background jobs run `ip netns exec` directly (not through in_ns, a shell
# function, which would put a subshell between $! and the program); ip
# execs the program, so $! is its pid. -Z root: keep the files ours.
ip netns exec "$ns" tcpdump -i "$dev" -U -s 0 -Z root -w "$tmp/all.pcap" 2>"$tmp/tcpdump.log" &
tcpdump_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" "$tmp/tcpdump.log" && break
	sleep 0.1
done

ip netns exec "$ns" "$echo_bin" --tap "$dev" --ip 10.0.0.2/24 --gw 10.0.0.1 --mac "$mac" 2>"$tmp/echo.log" &
echo_pid=$!
# Let both gratuitous ARP announcements go out before the session starts.
sleep 3

in_ns ping -c 3 -i 0.2 -W 2 10.0.0.2 >"$tmp/ping.log"
in_ns python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.1", 40000))
s.settimeout(2)
for payload in (b"hello haze", b"x" * 100, bytes(range(256)), bytes(i & 0xff for i in range(3000))):
    s.sendto(payload, ("10.0.0.2", 7))
    data, peer = s.recvfrom(65535)
    assert data == payload and peer == ("10.0.0.2", 7), (len(data), peer)
print("udp echo: 4 datagrams echoed")
EOF
sleep 0.5

kill "$echo_pid"
wait "$echo_pid" 2>/dev/null || true
echo_pid=
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=

tcpdump -Z root -r "$tmp/all.pcap" -w "$out/echo-session.pcap" "not ether src $mac" 2>/dev/null
tcpdump -Z root -r "$tmp/all.pcap" -w "$out/echo-expected.pcap" "ether src $mac" 2>/dev/null
echo "record-echo-session: $(tcpdump -r "$out/echo-session.pcap" 2>/dev/null | wc -l) input frames," \
	"$(tcpdump -r "$out/echo-expected.pcap" 2>/dev/null | wc -l) expected output frames in $out"
