#!/usr/bin/env bash
# 64 MiB of random data through haze's TCP echo (port 7): a Python client
# sends and reads concurrently; SHA-256 of what came back must equal that
# of what was sent, haze must close cleanly after the client's FIN, and
# the connection must be released. Prints the throughput.
TEST_NAME=tcp-echo
source "$(dirname "$0")/lib.sh"

BYTES=${TCP_ECHO_BYTES:-$((64 << 20))}
setup_ns
start_haze
nsx "$PYTHON" "$INTEROP_DIR/tcp_echo.py" --dst "$HAZE_IP" --port 7 --bytes "$BYTES" \
	--timeout 60 --deadline 500 || fail "TCP echo client reported errors"
wait_tcp_idle "$WORK/s"
echoed=$(counter "$WORK/s" echo.tcp_echo_bytes)
[[ "$echoed" -eq "$BYTES" ]] || fail "haze echoed $echoed bytes, want $BYTES"
[[ $(counter "$WORK/s" echo.tcp_failed) -eq 0 ]] || fail "a TCP connection failed"
grep -q "tcp echo .* closed: $BYTES bytes in, $BYTES bytes out" "$HAZE_LOG" \
	|| fail "no clean-close log line for the echo connection"
log "haze: $(counter "$WORK/s" stack.tcp_segs_in) segments in, $(counter "$WORK/s" stack.tcp_segs_out) out"
stop_haze
exit $FAILED
