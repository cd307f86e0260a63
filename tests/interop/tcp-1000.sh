#!/usr/bin/env bash
# 1,000 concurrent TCP connections from the kernel to haze's echo (port 7):
# tcp_many.py opens them all, sends a distinct 1000-byte payload on each,
# reads every payload back and verifies it, and closes them only once all
# have been echoed; haze must release every connection. Needs a haze-echo
# built with at least TCP_1000_CONNS (1000) connection slots
# (-Dc_args=-DHZ_STACK_TCP_CONNS=1100, a compile-time macro of
# platform/stack); with fewer it skips (exit 77). Prints haze's peak memory.
TEST_NAME=tcp-1000
source "$(dirname "$0")/lib.sh"

CONNS=${TCP_1000_CONNS:-1000}
setup_ns
start_haze --tcp-conns $((CONNS + 64))
slots=$(sed -n 's/.*TCP echo on port .* (\([0-9]*\) connections).*/\1/p' "$HAZE_LOG")
[[ -n "$slots" ]] || die "haze-echo did not log its connection slots"
[[ "$slots" -ge "$CONNS" ]] || die "haze-echo has $slots TCP connection slots, $CONNS needed"
# The kernel must not run out of local ports or descriptors first.
nsx sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
nsx "$PYTHON" "$INTEROP_DIR/tcp_many.py" --dst "$HAZE_IP" --port 7 --conns "$CONNS" \
	--size 1000 --deadline 240 --hold 3 >"$WORK/client.log" 2>&1 &
CLIENT_PID=$!
# While the client holds every connection open, haze must hold them all.
for _ in $(seq 2400); do
	grep -q "holding them open" "$WORK/client.log" && break
	kill -0 "$CLIENT_PID" 2>/dev/null || break
	sleep 0.1
done
if grep -q "holding them open" "$WORK/client.log"; then
	snapshot "$WORK/peak"
	active=$(counter "$WORK/peak" echo.tcp_active)
	log "with the client holding all connections: haze has $active active, $(counter "$WORK/peak" stack.tcp_conns_used) slots used"
	[[ "$active" -eq "$CONNS" ]] || fail "haze holds $active connections, want $CONNS"
	log "haze-echo memory at the peak: $(grep -E '^(VmHWM|VmRSS|VmSize)' /proc/$HAZE_PID/status | tr -s ' \t' ' ' | paste -sd ' ')"
fi
wait "$CLIENT_PID" || fail "the 1000-connection client reported errors"
cat "$WORK/client.log"
wait_tcp_idle "$WORK/s"
accepted=$(counter "$WORK/s" echo.tcp_accepted)
echoed=$(counter "$WORK/s" echo.tcp_echo_bytes)
[[ "$accepted" -ge "$CONNS" ]] || fail "haze accepted $accepted connections, want $CONNS"
[[ "$echoed" -eq $((CONNS * 1000)) ]] || fail "haze echoed $echoed bytes, want $((CONNS * 1000))"
[[ $(counter "$WORK/s" echo.tcp_failed) -eq 0 ]] || fail "a TCP connection failed"
log "haze: $accepted accepted, $echoed bytes echoed, $(counter "$WORK/s" tcp.no_conn_slot) SYNs without a slot, $(counter "$WORK/s" tcp.backlog_full) over the backlog"
log "haze-echo memory at the end: $(grep -E '^(VmHWM|VmRSS|VmSize)' /proc/$HAZE_PID/status | tr -s ' \t' ' ' | paste -sd ' ')"
stop_haze
exit $FAILED
