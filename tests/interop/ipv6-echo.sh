#!/usr/bin/env bash
# (ipv6 b) Traffic over IPv6 to haze-echo's static 2001:db8:1::2/64:
# ping -6 with 56, 1452 (a full 1500-byte packet) and 8000 bytes
# (fragmented both ways) with no loss; 1000 UDP datagrams of 1..8192 bytes
# to echo (port 7) back byte for byte; 16 MiB of random data through TCP
# echo (port 7), SHA-256 both ways; TCP echo to the link-local address.
TEST_NAME=ipv6-echo
source "$(dirname "$0")/lib6.sh"
command -v ping >/dev/null || skip "needs ping (iputils)"

setup_ns6
start_haze --ip6 "$HAZE_IP6/64"
wait_log "ipv6 address ready $HAZE_IP6/64" 10 >/dev/null || die "$HAZE_IP6 not ready within 10 s"
LL=$(haze_ll)
log "haze $HAZE_IP6 and $LL ready"

for size in 56 1452 8000; do
	ping6_ok "$HAZE_IP6" 20 "$size"
done
ping6_ok "$LL%$TAP" 10 56

nsx "$PYTHON" "$INTEROP_DIR/udp_echo.py" --dst "$HAZE_IP6" --count 1000 --min 1 --max 8192 \
	|| fail "UDP echo over IPv6 reported errors"
nsx "$PYTHON" "$INTEROP_DIR/tcp_echo.py" --dst "$HAZE_IP6" --bytes $((16 << 20)) --timeout 30 \
	|| fail "TCP echo over IPv6 failed"
nsx "$PYTHON" "$INTEROP_DIR/tcp_echo.py" --dst "$LL%$TAP" --bytes $((1 << 20)) --timeout 30 \
	|| fail "TCP echo to the link-local address failed"
wait_tcp_idle "$WORK/s"
log "haze: $(counter "$WORK/s" stack.ipv6_rx_packets) IPv6 packets in, $(counter "$WORK/s" stack.ipv6_tx_packets) out," \
	"$(counter "$WORK/s" stack.ipv6_reasm_completed) reassembled, $(counter "$WORK/s" stack.ipv6_tx_fragmented) sent fragmented," \
	"$(counter "$WORK/s" stack.udp_rx_datagrams) UDP datagrams in, $(counter "$WORK/s" echo.tcp_echo_bytes) TCP bytes echoed"
[[ $(counter "$WORK/s" stack.ipv6_echo_replies) -ge 70 ]] || fail "fewer than 70 echo replies counted"
[[ $(counter "$WORK/s" stack.ipv6_reasm_completed) -ge 20 ]] || fail "fewer than 20 reassembled datagrams"
stop_haze
exit $FAILED
