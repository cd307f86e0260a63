#!/usr/bin/env bash
# (a) The kernel pings haze: 20 echoes each of 56, 1472 (a full 1500-byte
# packet) and 8000 bytes (fragmented both ways: the kernel fragments the
# request, haze reassembles it and fragments its reply). No loss allowed.
TEST_NAME=ping
source "$(dirname "$0")/lib.sh"
command -v ping >/dev/null || skip "needs ping (iputils)"

setup_ns
start_haze

for size in 56 1472 8000; do
	out=$(nsx ping -n -q -c 20 -i 0.05 -W 2 -s "$size" "$HAZE_IP" 2>&1) || true
	summary=$(grep -E 'packets transmitted' <<<"$out" || echo "no summary: $out")
	log "size $size: $summary"
	grep -qE ' 20 received, 0% packet loss' <<<"$summary" || fail "ping -s $size lost packets"
done

snapshot "$WORK/after"
log "haze answered $(counter "$WORK/after" stack.ipv4_echo_replies) echo requests," \
	"reassembled $(counter "$WORK/after" stack.ipv4_reasm_completed) datagrams"
[[ $(counter "$WORK/after" stack.ipv4_echo_replies) -ge 60 ]] || fail "fewer than 60 echo replies counted"
stop_haze
exit $FAILED
