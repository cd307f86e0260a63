#!/usr/bin/env bash
# (ipv6 a) SLAAC against radvd: radvd on the kernel side of the tap
# advertises 2001:db8:1::/64 (autonomous, on-link) and a DNS server;
# haze-echo --slaac forms an address in it (stable identifier, RFC 7217)
# and finishes DAD, learns the router and the DNS server, and the kernel
# reaches haze with ping -6 on both its link-local and its global address.
TEST_NAME=ipv6-slaac
source "$(dirname "$0")/lib6.sh"
command -v ping >/dev/null || skip "needs ping (iputils)"
RADVD=$(command -v radvd || echo /usr/sbin/radvd)
[[ -x "$RADVD" ]] || die "needs radvd (tools/deps installs it)"

setup_ns6
# radvd will not advertise from a host that does not forward.
nsx sysctl -qw net.ipv6.conf.all.forwarding=1
start_haze --slaac
LL=$(haze_ll)
log "haze link-local $LL"
KLL=$(wait_kernel_ll)
log "kernel (router) link-local $KLL"

cat >"$WORK/radvd.conf" <<CONF
interface $TAP {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	AdvDefaultLifetime 600;
	prefix $PREFIX6 {
		AdvOnLink on;
		AdvAutonomous on;
		AdvValidLifetime 3600;
		AdvPreferredLifetime 1800;
	};
	RDNSS 2001:db8:1::53 {
		AdvRDNSSLifetime 600;
	};
};
CONF
"$IP" netns exec "$NS" "$RADVD" -n -C "$WORK/radvd.conf" -p "$WORK/radvd.pid" -m logfile \
	-l "$WORK/radvd.log" &
RADVD_PID=$!
log "radvd started (pid $RADVD_PID)"

# The first RA answers haze's router solicitation or is radvd's initial
# unsolicited one; DAD then takes about a second.
line=$(wait_log 'ipv6 address ready 2001:db8:1:[0-9a-f:]+/64' 20) || {
	kill -0 "$RADVD_PID" 2>/dev/null || { sed 's/^/    radvd: /' "$WORK/radvd.log"; die "radvd exited"; }
	sed 's/^/    radvd: /' "$WORK/radvd.log"
	die "haze formed no SLAAC address in 20 s"
}
GLOBAL=$(sed -E 's/.*ipv6 address ready (2001:db8:1:[0-9a-f:]+)\/64.*/\1/' <<<"$line")
log "haze SLAAC address $GLOBAL (DAD done)"
# RFC 7217: an opaque identifier, not the modified EUI-64 of the MAC
# (02:00:00:00:00:02 would give ::ff:fe00:2).
[[ "$GLOBAL" != *"ff:fe00:2" ]] || fail "the SLAAC identifier is the EUI-64 of the MAC"
wait_log "ipv6 router $KLL" 5 >/dev/null || fail "haze did not log router $KLL"
wait_log 'ipv6 dns servers: 2001:db8:1::53' 5 >/dev/null || fail "haze did not log the RDNSS server"

ping6_ok "$LL%$TAP" 20 56
ping6_ok "$GLOBAL" 20 56
ping6_ok "$GLOBAL" 10 1452

snapshot "$WORK/s"
log "haze: $(counter "$WORK/s" stack.ipv6_ra_rx) RAs in, $(counter "$WORK/s" stack.ipv6_rs_tx) RSs out," \
	"$(counter "$WORK/s" stack.ipv6_echo_replies) echo replies, $(counter "$WORK/s" stack.ipv6_dad_conflicts) DAD conflicts"
[[ $(counter "$WORK/s" stack.ipv6_ra_rx) -ge 1 ]] || fail "no RA counted"
[[ $(counter "$WORK/s" stack.ipv6_echo_replies) -ge 50 ]] || fail "fewer than 50 echo replies counted"
[[ $(counter "$WORK/s" stack.ipv6_dad_conflicts) -eq 0 ]] || fail "DAD conflicts on a link with no other host"
stop_haze
exit $FAILED
