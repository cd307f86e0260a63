#!/usr/bin/env bash
# (b) arping (iputils) from the kernel side: haze answers ARP requests.
TEST_NAME=arping
source "$(dirname "$0")/lib.sh"
command -v arping >/dev/null || skip "needs arping (iputils-arping)"

setup_ns
start_haze

out=$(nsx arping -c 3 -w 10 -I "$TAP" "$HAZE_IP" 2>&1) || true
log "arping: $(grep -E '^(Sent|Received)' <<<"$out" | tr '\n' ' ')"
n=$(sed -n 's/^Received \([0-9]*\) response.*/\1/p' <<<"$out")
[[ "${n:-0}" -ge 3 ]] || fail "expected 3 ARP replies, got ${n:-0}: $out"
grep -qi "$HAZE_MAC" <<<"$out" || fail "replies do not carry haze's MAC $HAZE_MAC"
stop_haze
exit $FAILED
