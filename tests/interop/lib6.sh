# Shared setup for the IPv6 interop tests; sourced by each ipv6-*.sh after
# setting TEST_NAME. It sources lib.sh (namespace, tap, haze-echo, counters,
# cleanup) and adds:
#
#  - IPv6 on the kernel side of the tap (lib.sh turns IPv6 off in the
#    namespace so the IPv4 tests see no IPv6 noise): 2001:db8:1::1/64
#    without DAD, no router solicitations, no RA processing;
#  - haze's IPv6 identity: 2001:db8:1::2/64 when a test gives it with
#    --ip6, and its link-local address from the "ipv6 address ready" line;
#  - extra namespaces a test makes (EXTRA_NS), deleted by the EXIT trap
#    before lib.sh's own cleanup runs.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KERNEL_IP6=2001:db8:1::1
HAZE_IP6=2001:db8:1::2
PREFIX6=2001:db8:1::/64

EXTRA_NS=()
cleanup6() {
	local rc=$? n pids
	set +e
	for n in "${EXTRA_NS[@]}"; do
		pids=$("$IP" netns pids "$n" 2>/dev/null)
		[[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
		"$IP" netns del "$n" 2>/dev/null
	done
	(exit $rc)
	cleanup
}
trap cleanup6 EXIT

# ipv6_on DEV [NETNS]: IPv6 on for one interface of a namespace whose
# default is off, with the kernel's own noise (router solicitations, DAD
# delays, RA processing) turned down.
ipv6_on() {
	local dev=$1 ns=${2:-$NS}
	"$IP" netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=0" \
		"net.ipv6.conf.$dev.accept_dad=0" "net.ipv6.conf.$dev.router_solicitations=0" \
		"net.ipv6.conf.$dev.accept_ra=0"
}

# setup_ns6: lib.sh's namespace and tap, then IPv6 on the tap with the
# kernel's 2001:db8:1::1/64.
setup_ns6() {
	setup_ns
	ipv6_on "$TAP"
	nsx "$IP" -6 addr add "$KERNEL_IP6/64" dev "$TAP" nodad
}

# wait_log REGEX [SECONDS]: wait until haze-echo's log has a line matching
# the extended regex; print that line.
wait_log() {
	local re=$1 secs=${2:-10} i line
	for i in $(seq $((secs * 10))); do
		line=$(grep -E -m1 -- "$re" "$HAZE_LOG" 2>/dev/null || true)
		if [[ -n "$line" ]]; then
			echo "$line"
			return 0
		fi
		kill -0 "$HAZE_PID" 2>/dev/null || die "haze-echo exited early"
		sleep 0.1
	done
	return 1
}

# haze_ll: haze's link-local address, from its "ipv6 address ready" line
# (waits up to 10 s for DAD to finish).
haze_ll() {
	local line
	line=$(wait_log 'ipv6 address ready fe80:' 10) || die "haze reported no link-local address ready within 10 s"
	sed -E 's/.*ipv6 address ready (fe80:[0-9a-f:]+)\/[0-9]+.*/\1/' <<<"$line"
}

# wait_kernel_ll [DEV]: the kernel's link-local address on the tap exists
# once haze has opened the tap (carrier up); wait for it, print it.
wait_kernel_ll() {
	local dev=${1:-$TAP} i a
	for i in $(seq 50); do
		a=$(nsx "$IP" -6 -o addr show dev "$dev" scope link 2>/dev/null | grep -v tentative |
			sed -nE 's/.* inet6 (fe80:[0-9a-f:]+)\/64 .*/\1/p' | head -n1)
		if [[ -n "$a" ]]; then
			echo "$a"
			return 0
		fi
		sleep 0.1
	done
	die "the kernel formed no link-local address on $dev"
}

# ping6_ok DST COUNT SIZE: ping -6 from the kernel side, no loss allowed.
ping6_ok() {
	local dst=$1 count=$2 size=$3 out summary
	out=$(nsx ping -6 -n -q -c "$count" -i 0.05 -W 2 -s "$size" "$dst" 2>&1) || true
	summary=$(grep -E 'packets transmitted' <<<"$out" || echo "no summary: $out")
	log "ping -6 -s $size $dst: $summary"
	grep -qE " $count received, 0% packet loss" <<<"$summary" || fail "ping -6 -s $size $dst lost packets"
}
