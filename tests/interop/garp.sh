#!/usr/bin/env bash
# (d) haze announces its address with gratuitous ARP at start: the kernel
# learns 10.0.0.2 -> haze's MAC without having sent it anything. The
# namespace sets arp_accept=1 on the tap, because Linux by default only
# updates existing neighbour entries from unsolicited ARP.
TEST_NAME=garp
source "$(dirname "$0")/lib.sh"

setup_ns
before=$(nsx "$IP" neigh show "$HAZE_IP" dev "$TAP")
[[ -z "$before" ]] || die "neighbour entry exists before haze started: $before"
start_haze

entry=
for _ in $(seq 30); do
	entry=$(nsx "$IP" neigh show "$HAZE_IP" dev "$TAP")
	grep -qi "lladdr $HAZE_MAC" <<<"$entry" && break
	sleep 0.1
done
log "kernel neighbour entry: ${entry:-none}"
grep -qi "lladdr $HAZE_MAC" <<<"$entry" || fail "kernel did not learn $HAZE_IP -> $HAZE_MAC"
# Learned from unsolicited ARP, Linux files the entry as STALE; its own
# resolution would have made it REACHABLE (or INCOMPLETE/DELAY/PROBE).
grep -q "STALE" <<<"$entry" || fail "entry is not STALE, so it was not learned from an announcement"

# Nothing was sent to haze that it would answer: no ARP request reached it
# and it received no IPv4 packet, so the entry came from the announcement.
snapshot "$WORK/s"
[[ $(counter "$WORK/s" stack.ipv4_rx_packets) -eq 0 ]] || fail "haze received IPv4 before the check"
[[ $(counter "$WORK/s" stack.tx_frames) -ge 1 ]] || fail "haze sent no frame"
log "haze sent $(counter "$WORK/s" stack.tx_frames) frame(s), received $(counter "$WORK/s" stack.rx_frames)"
stop_haze
exit $FAILED
