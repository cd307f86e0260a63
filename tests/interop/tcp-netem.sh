#!/usr/bin/env bash
# TCP echo integrity over a bad link: 8 MiB through haze's echo while the
# kernel -> haze direction loses 5% of frames, reorders 25%, duplicates 2%
# and delays the rest by 20 ms, i.e.
#   tc qdisc add dev <tap> root netem loss 5% reorder 25% duplicate 2% delay 20ms
# on the kernel side of the tap. On a kernel without sch_netem the same
# impairment comes from impair.py, a relay between a second tap that holds
# the kernel's address and haze's tap (see impair.py). The transfer must
# finish, byte for byte, within 120 s.
TEST_NAME=tcp-netem
source "$(dirname "$0")/lib.sh"

BYTES=${TCP_NETEM_BYTES:-$((8 << 20))}
NETEM="loss 5% reorder 25% duplicate 2% delay 20ms"
TC=$(command -v tc || echo /usr/sbin/tc)
setup_ns
if [[ -x "$TC" ]] && nsx "$TC" qdisc add dev "$TAP" root netem $NETEM 2>"$WORK/tc.err"; then
	log "impairment: tc netem on $TAP: $NETEM"
else
	log "no netem here ($(head -c 200 "$WORK/tc.err" 2>/dev/null | tr '\n' ' ')): impair.py relay with $NETEM"
	KTAP="hzk$$"
	KTAP=${KTAP:0:15}
	# The kernel's address moves to KTAP (held by the relay); haze's tap
	# keeps no address and does no ARP, so the kernel talks to haze only
	# through the relay.
	nsx "$IP" addr del "$KERNEL_IP/24" dev "$TAP"
	nsx "$IP" link set "$TAP" arp off
	"$IP" netns exec "$NS" "$PYTHON" "$INTEROP_DIR/impair.py" --ktap "$KTAP" --htap "$TAP" \
		${IMPAIR_ARGS:---loss 5 --reorder 25 --duplicate 2 --delay-ms 20} --ready "$WORK/ready" \
		>"$WORK/impair.log" 2>&1 &
	IMPAIR_PID=$!
	for _ in $(seq 100); do [[ -e "$WORK/ready" ]] && break; sleep 0.1; done
	[[ -e "$WORK/ready" ]] || { cat "$WORK/impair.log"; die "impair.py did not start"; }
	nsx sysctl -qw "net.ipv4.conf.$KTAP.arp_accept=1"
	nsx "$IP" addr add "$KERNEL_IP/24" dev "$KTAP"
	nsx "$IP" link set "$KTAP" up
fi
start_haze
nsx "$PYTHON" "$INTEROP_DIR/tcp_echo.py" --dst "$HAZE_IP" --port 7 --bytes "$BYTES" \
	--timeout 60 --deadline 120 || fail "TCP echo over the impaired link failed"
wait_tcp_idle "$WORK/s"
echoed=$(counter "$WORK/s" echo.tcp_echo_bytes)
[[ "$echoed" -eq "$BYTES" ]] || fail "haze echoed $echoed bytes, want $BYTES"
log "haze: $(counter "$WORK/s" stack.tcp_segs_in) segments in, $(counter "$WORK/s" stack.tcp_segs_out) out," \
	"$(counter "$WORK/s" tcp.out_of_window) out of window, $(counter "$WORK/s" tcp.paws) PAWS drops"
if [[ -n "${IMPAIR_PID:-}" ]]; then
	kill -TERM "$IMPAIR_PID" 2>/dev/null
	wait "$IMPAIR_PID" 2>/dev/null || true
	log "$(tail -n 1 "$WORK/impair.log")"
fi
stop_haze
exit $FAILED
