#!/usr/bin/env bash
# A SYN flood on haze's echo port while a real client works: synflood.py
# sends SYNs through AF_PACKET on the tap from random spoofed addresses
# inside 10.0.0.0/24 that nobody owns (haze's SYN-ACKs go unanswered: no
# RST frees the half-open slots) at TCP_SYNFLOOD_RATE per second for
# TCP_SYNFLOOD_SECONDS; meanwhile the kernel connects to haze's echo and
# moves 1 MiB through it, SHA-256 verified, within the flood. Passing needs
# SYN cookies (RFC 4987): without them the listener's backlog and the
# connection table fill with half-open connections and the client's SYN is
# dropped until they time out.
TEST_NAME=tcp-synflood
source "$(dirname "$0")/lib.sh"

RATE=${TCP_SYNFLOOD_RATE:-20000}
SECS=${TCP_SYNFLOOD_SECONDS:-10}
setup_ns
start_haze
# haze must be able to answer the kernel before the flood starts: the
# flood's spoofed sources make haze ARP for them, the kernel never answers.
nsx "$PYTHON" "$INTEROP_DIR/synflood.py" --ifname "$TAP" --dst "$HAZE_IP" --dst-mac "$HAZE_MAC" \
	--port 7 --src-net 10.0.0.0/24 --exclude "$KERNEL_IP" --exclude "$HAZE_IP" \
	--rate "$RATE" --seconds "$SECS" >"$WORK/flood.log" 2>&1 &
FLOOD_PID=$!
sleep 1
t0=$(date +%s.%N)
# The client must finish while the flood is still running (SECS - 1 s left).
if ! nsx timeout $((SECS - 1)) "$PYTHON" "$INTEROP_DIR/tcp_echo.py" --dst "$HAZE_IP" --port 7 \
	--bytes $((1 << 20)) --timeout $((SECS - 2)) --deadline $((SECS - 1)); then
	fail "1 MiB through echo did not complete during the SYN flood"
else
	log "1 MiB echoed during the flood in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"
fi
wait "$FLOOD_PID" || fail "synflood.py failed: $(cat "$WORK/flood.log")"
log "$(cat "$WORK/flood.log")"
snapshot "$WORK/s"
log "haze: $(counter "$WORK/s" stack.tcp_segs_in) segments in, $(counter "$WORK/s" stack.tcp_segs_out) out;" \
	"backlog_full $(counter "$WORK/s" tcp.backlog_full), no_conn_slot $(counter "$WORK/s" tcp.no_conn_slot)," \
	"conns used $(counter "$WORK/s" stack.tcp_conns_used)"
[[ $(counter "$WORK/s" echo.tcp_failed) -eq 0 ]] || fail "a TCP connection failed"
stop_haze
exit $FAILED
