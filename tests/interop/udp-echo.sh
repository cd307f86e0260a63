#!/usr/bin/env bash
# (c) 1000 UDP datagrams of random size (1..8192 bytes, so most are
# fragmented both ways) to haze's echo port; each reply must match byte
# for byte.
TEST_NAME=udp-echo
source "$(dirname "$0")/lib.sh"

setup_ns
start_haze
nsx "$PYTHON" "$INTEROP_DIR/udp_echo.py" --dst "$HAZE_IP" --count 1000 --min 1 --max 8192 \
	|| fail "UDP echo client reported errors"
snapshot "$WORK/s"
log "haze counted $(counter "$WORK/s" stack.udp_rx_datagrams) datagrams in," \
	"$(counter "$WORK/s" stack.udp_tx_datagrams) out"
stop_haze
exit $FAILED
