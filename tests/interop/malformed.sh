#!/usr/bin/env bash
# (e) Malformed frames from a raw socket on the kernel side of the tap:
# each must be dropped and counted under its own ipv4 drop reason (the
# names are hz_ipv4_drop_name's), and afterwards haze must still answer
# ping and UDP.
TEST_NAME=malformed
source "$(dirname "$0")/lib.sh"
command -v ping >/dev/null || skip "needs ping (iputils)"

setup_ns
start_haze
# Resolve haze's MAC in the kernel first, so the only thing between the
# two snapshots is the malformed traffic.
nsx ping -n -q -c 1 -W 2 "$HAZE_IP" >/dev/null || die "haze does not answer ping before the test"
snapshot "$WORK/before"

expect=$(nsx "$PYTHON" "$INTEROP_DIR/malformed.py" --ifname "$TAP" --dst-mac "$HAZE_MAC") \
	|| die "malformed.py failed"

# haze reads the frames asynchronously: wait (up to 5 s) until the last
# kind has been counted, then compare every kind.
for _ in $(seq 50); do
	snapshot "$WORK/after"
	d=$(( $(counter "$WORK/after" ipv4.frag_overlap) - $(counter "$WORK/before" ipv4.frag_overlap) ))
	[[ $d -ge 2 ]] && break
	sleep 0.1
done
while read -r _ reason n; do
	b=$(counter "$WORK/before" "ipv4.$reason")
	a=$(counter "$WORK/after" "ipv4.$reason")
	if [[ $((a - b)) -eq $n ]]; then
		log "ipv4.$reason: +$((a - b)) (expected +$n)"
	else
		fail "ipv4.$reason: +$((a - b)), expected +$n"
	fi
done <<<"$expect"
log "every counter that changed:"
diff <(grep -v '^#' "$WORK/before") <(grep -v '^#' "$WORK/after") | sed -n 's/^> /    /p' || true

# Still alive: ping and UDP echo.
out=$(nsx ping -n -q -c 5 -i 0.05 -W 2 "$HAZE_IP" 2>&1) || true
grep -qE ' 5 received' <<<"$out" || fail "no ping answers after the malformed frames: $out"
nsx "$PYTHON" "$INTEROP_DIR/udp_echo.py" --dst "$HAZE_IP" --count 50 --min 1 --max 4000 \
	|| fail "UDP echo failed after the malformed frames"
stop_haze
exit $FAILED
