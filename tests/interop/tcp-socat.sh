#!/usr/bin/env bash
# socat against haze's TCP discard and chargen:
#  - upload 16 MiB of random data to discard (port 9): haze's byte count
#    (echo.tcp_discard_bytes, and its per-connection log line) must be
#    exactly 16 MiB;
#  - download 16 MiB from chargen (port 19), then close: the bytes must be
#    the RFC 864 pattern from its start, and haze must see the connection
#    end (reset by the closing reader) and release it.
TEST_NAME=tcp-socat
source "$(dirname "$0")/lib.sh"

command -v socat >/dev/null || skip "needs socat"
BYTES=$((16 << 20))
setup_ns
start_haze

# Upload. socat sends FIN at the end of its input; haze closes after it.
head -c "$BYTES" /dev/urandom >"$WORK/up"
t0=$(date +%s.%N)
nsx timeout 120 socat -u "OPEN:$WORK/up,rdonly" "TCP:$HAZE_IP:9,connect-timeout=10" \
	|| fail "socat upload to discard failed"
t1=$(date +%s.%N)
wait_tcp_idle "$WORK/s"
got=$(counter "$WORK/s" echo.tcp_discard_bytes)
[[ "$got" -eq "$BYTES" ]] || fail "discard counted $got bytes, want $BYTES"
[[ $(counter "$WORK/s" echo.tcp_discard_conns) -eq 1 ]] || fail "discard connection not ended once"
grep -q "tcp discard .* closed: $BYTES bytes discarded" "$HAZE_LOG" \
	|| fail "no discard log line with $BYTES bytes"
log "upload: $BYTES bytes in $(echo "$t1 - $t0" | bc -l | cut -c1-6) s:" \
	"$(echo "$BYTES / ($t1 - $t0) / 1000000" | bc -l | cut -c1-6) MB/s"

# Download. head stops after BYTES; socat then finds the pipe closed and
# exits, closing its socket with data unread: the kernel resets haze.
t0=$(date +%s.%N)
nsx timeout 120 bash -c "socat -u 'TCP:$HAZE_IP:19,connect-timeout=10' - | head -c $BYTES >'$WORK/down'" || true
t1=$(date +%s.%N)
"$PYTHON" "$INTEROP_DIR/chargen_check.py" "$WORK/down" --bytes "$BYTES" \
	|| fail "chargen stream is not the RFC 864 pattern"
log "download: $BYTES bytes in $(echo "$t1 - $t0" | bc -l | cut -c1-6) s:" \
	"$(echo "$BYTES / ($t1 - $t0) / 1000000" | bc -l | cut -c1-6) MB/s"
wait_tcp_idle "$WORK/s"
sent=$(counter "$WORK/s" echo.tcp_chargen_bytes)
[[ "$sent" -ge "$BYTES" ]] || fail "chargen queued only $sent bytes"
grep -Eq "tcp chargen .* (failed|closed by peer|closed)" "$HAZE_LOG" \
	|| fail "no log line for the end of the chargen connection"
stop_haze
exit $FAILED
