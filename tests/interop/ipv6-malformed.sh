#!/usr/bin/env bash
# (ipv6 d) Malformed IPv6 from a raw socket on the kernel side of the tap
# (malformed6.py): a payload length past the packet's end, a chain of ten
# destination options headers, first fragments without the UDP header
# (RFC 7112) and RH0 with segments left (RFC 5095). Each must be dropped
# and move exactly its own ipv6 drop counter (the names are
# hz_ipv6_drop_name's), no other ipv6 counter may move, and afterwards
# haze must still answer ping -6 and UDP echo over IPv6.
TEST_NAME=ipv6-malformed
source "$(dirname "$0")/lib6.sh"
command -v ping >/dev/null || skip "needs ping (iputils)"

setup_ns6
start_haze --ip6 "$HAZE_IP6/64"
wait_log "ipv6 address ready $HAZE_IP6/64" 10 >/dev/null || die "$HAZE_IP6 not ready within 10 s"
# Resolve both ways first (the kernel haze's MAC, haze the kernel's: its
# Parameter Problem replies go there), so the only thing between the two
# snapshots is the malformed traffic.
nsx ping -6 -n -q -c 2 -i 0.2 -W 2 "$HAZE_IP6" >/dev/null || die "haze does not answer ping -6 before the test"
snapshot "$WORK/before"

expect=$(nsx "$PYTHON" "$INTEROP_DIR/malformed6.py" --ifname "$TAP" --dst-mac "$HAZE_MAC" \
	--src "$KERNEL_IP6" --dst "$HAZE_IP6") || die "malformed6.py failed"

# haze reads the frames asynchronously: wait (up to 5 s) until the last
# kind has been counted, then compare every ipv6 counter.
for _ in $(seq 50); do
	snapshot "$WORK/after"
	d=$(( $(counter "$WORK/after" ipv6.routing_type0) - $(counter "$WORK/before" ipv6.routing_type0) ))
	[[ $d -ge 4 ]] && break
	sleep 0.1
done
declare -A want=()
while read -r _ reason n; do
	want[$reason]=$n
done <<<"$expect"
while read -r name _ a; do
	reason=${name#ipv6.}
	b=$(counter "$WORK/before" "$name")
	n=${want[$reason]:-0}
	if [[ $((a - b)) -ne $n ]]; then
		fail "$name: +$((a - b)), expected +$n"
	elif [[ $n -ne 0 ]]; then
		log "$name: +$((a - b)) (expected +$n)"
	fi
done < <(grep '^ipv6\.' "$WORK/after")
for reason in "${!want[@]}"; do
	grep -q "^ipv6\.$reason = " "$WORK/after" || fail "no counter ipv6.$reason"
done
log "every counter that changed:"
diff <(grep -v '^#' "$WORK/before") <(grep -v '^#' "$WORK/after") | sed -n 's/^> /    /p' || true

# Still alive: ping -6 and UDP echo over IPv6.
ping6_ok "$HAZE_IP6" 5 56
ping6_ok "$HAZE_IP6" 5 3000
nsx "$PYTHON" "$INTEROP_DIR/udp_echo.py" --dst "$HAZE_IP6" --count 50 --min 1 --max 4000 \
	|| fail "UDP echo over IPv6 failed after the malformed packets"
stop_haze
exit $FAILED
