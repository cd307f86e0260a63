#!/usr/bin/env bash
# (ipv6 c) Duplicate address detection against a real host. The tap is
# bridged (inside the test's namespace) with a veth whose other end sits
# in a second namespace that already holds 2001:db8:1::2. haze-echo starts
# with --ip6 2001:db8:1::2/64 and --ip6 2001:db8:1::3/64: the first must
# be reported as a conflict naming the other host's MAC (log line and
# stack.ipv6_dad_conflicts = 1) and never used (haze answers no echo
# request for it, and the kernel's neighbour entry for it stays the
# other host's); the second must become ready and answer ping -6.
TEST_NAME=ipv6-dad
source "$(dirname "$0")/lib6.sh"
command -v ping >/dev/null || skip "needs ping (iputils)"

NS2="${NS}-b"
OTHER_MAC=02:00:00:00:00:0b
HAZE_IP6_B=2001:db8:1::3

setup_ns
# The kernel's addresses move from the tap to a bridge over the tap and
# one end of a veth pair; the other end is the second host.
nsx "$IP" addr flush dev "$TAP"
nsx "$IP" link add br6 type bridge forward_delay 0 mcast_snooping 0
nsx "$IP" link set "$TAP" master br6
nsx "$IP" link add vh0 type veth peer name vh1
nsx "$IP" link set vh0 master br6
nsx "$IP" link set vh0 up
"$IP" netns add "$NS2"
EXTRA_NS+=("$NS2")
nsx "$IP" link set vh1 netns "$NS2"
ipv6_on br6
nsx sysctl -qw net.ipv4.conf.br6.arp_accept=1
nsx "$IP" addr add "$KERNEL_IP/24" dev br6
nsx "$IP" -6 addr add "$KERNEL_IP6/64" dev br6 nodad
nsx "$IP" link set br6 up
"$IP" netns exec "$NS2" "$IP" link set lo up
"$IP" netns exec "$NS2" "$IP" link set vh1 address "$OTHER_MAC"
"$IP" netns exec "$NS2" sysctl -qw net.ipv6.conf.vh1.accept_dad=0 \
	net.ipv6.conf.vh1.router_solicitations=0 net.ipv6.conf.vh1.accept_ra=0
"$IP" netns exec "$NS2" "$IP" -6 addr add "$HAZE_IP6/64" dev vh1 nodad
"$IP" netns exec "$NS2" "$IP" link set vh1 up
# The other host answers for the address before haze starts.
nsx ping -6 -n -q -c 1 -W 3 "$HAZE_IP6" >/dev/null || die "the second namespace does not answer for $HAZE_IP6"
log "second host $OTHER_MAC holds $HAZE_IP6"

start_haze --ip6 "$HAZE_IP6/64" --ip6 "$HAZE_IP6_B/64"
line=$(wait_log "ipv6 address conflict $HAZE_IP6 " 10) || die "haze reported no conflict for $HAZE_IP6 within 10 s"
log "haze: ${line#haze-echo: }"
grep -q "(other host $OTHER_MAC)" <<<"$line" || fail "the conflict does not name the other host's MAC $OTHER_MAC"
wait_log "ipv6 address ready $HAZE_IP6_B/64" 10 >/dev/null || die "$HAZE_IP6_B not ready within 10 s"
if grep -q "ipv6 address ready $HAZE_IP6/" "$HAZE_LOG"; then
	fail "haze reported the duplicate $HAZE_IP6 ready"
fi

snapshot "$WORK/before"
[[ $(counter "$WORK/before" stack.ipv6_dad_conflicts) -eq 1 ]] \
	|| fail "stack.ipv6_dad_conflicts = $(counter "$WORK/before" stack.ipv6_dad_conflicts), expected 1"
# The duplicate is not used: the other host keeps answering for it.
nsx "$IP" -6 neigh flush dev br6
ping6_ok "$HAZE_IP6" 10 56
neigh=$(nsx "$IP" -6 neigh show "$HAZE_IP6" dev br6)
log "kernel neighbour entry: $neigh"
grep -q "lladdr $OTHER_MAC" <<<"$neigh" || fail "the kernel resolved $HAZE_IP6 to another MAC than $OTHER_MAC"
snapshot "$WORK/after"
[[ $(counter "$WORK/after" stack.ipv6_echo_replies) -eq $(counter "$WORK/before" stack.ipv6_echo_replies) ]] \
	|| fail "haze answered echo requests for the duplicate address"
ping6_ok "$HAZE_IP6_B" 10 56
stop_haze
exit $FAILED
