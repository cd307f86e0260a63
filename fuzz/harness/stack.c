/*
 * stack: the whole haze stack (platform/stack: ethif, arp, ipv4 with
 * ICMP and reassembly, ipv6 with ICMPv6, ND, MLD and reassembly, udp,
 * tcp) driven by a sequence of received frames through time, with a fake
 * netif that parses every frame the stack sends.
 *
 * Input: one config byte, then records
 *   len u16 (big-endian)  frame length
 *   step u8               time advance before the frame (fz_step)
 *   frame                 len bytes (fewer at the end of the input)
 * config bit 0: RFC 5227 probing; bit 1: no default gateway; bit 2: send a
 * 3000-byte datagram to the gateway at start (fragmented output);
 * bit 3: drain the ring socket after every frame; bit 4: IPv4 only (no
 * IPv6 engine); bit 5: SLAAC; bit 6: send a 3000-byte datagram to
 * 2001:db8::1 at start (neighbour resolution, fragmented output).
 *
 * The host is 02:00:00:00:00:02 / 10.0.0.2/24 via 10.0.0.1 and, unless
 * bit 4, 2001:db8::2/64 (DAD runs on it and on the link-local address)
 * with fe80::1 as a static default router, with UDP echo on port 7 of
 * either family (answers from the receive callback: the re-entrant
 * path), a ring socket on port 9, and a socket connected to
 * 10.0.0.1:53 that sends a query at start (ARP resolution and queueing).
 *
 * Invariants: every frame the stack transmits is well-formed at every
 * layer (Ethernet from our MAC; ARP with our sender addresses; IPv4 from
 * our address with a valid header, within the MTU, and, when not a
 * fragment, a UDP datagram whose length and checksum verify or an ICMP
 * message whose checksum verifies; IPv6 from :: or one of our addresses,
 * to the group's MAC when multicast, with a header chain that walks, and
 * when not a fragment a UDP, TCP or ICMPv6 message whose checksum
 * verifies); poll's deadline lies in the future;
 * the stack's frame counters agree with what the netif saw; every
 * counter has a name. TCP: a listener on port 7 completes handshakes
 * (connections stay in its backlog); every segment the stack sends parses
 * and its checksum verifies.
 */
#include "fuzz.h"
#include "haze/stack.h"

static const uint8_t our_mac[HZ_MAC_LEN] = FZ_MAC_INIT;

static struct hz_stack S;
static uint64_t seen_frames;
static struct hz_udp_sock *s_echo, *s_ring, *s_dns;
static uint8_t ring[4096];

/* An IPv6 packet the stack sent (f: its frame). */
static void check_ipv6_out(const struct hz_ethif_frame *f)
{
	struct hz_ipv6_hdr h;
	FZ_CHECK(hz_ipv6_hdr_parse(&h, f->payload, f->payload_len, NULL) == HZ_IPV6_HDR_LEN);
	FZ_CHECK(HZ_IPV6_HDR_LEN + (size_t)h.payload_len == f->payload_len);
	FZ_CHECK(h.hop_limit > 0);
	FZ_CHECK(hz_ipv6_addr_is_unspecified(h.src.b) || hz_ipv6_addr_find(&S.ip6, h.src.b) != NULL);
	FZ_CHECK(!hz_ipv6_addr_is_unspecified(h.dst.b));
	if (hz_ipv6_addr_is_multicast(h.dst.b)) {
		uint8_t mac[HZ_MAC_LEN];
		hz_ethif_mcast_ipv6_mac(h.dst.b, mac);
		FZ_CHECK(memcmp(f->dst, mac, HZ_MAC_LEN) == 0);
	} else {
		FZ_CHECK(!(f->dst[0] & 1u));
	}
	struct hz_ipv6_ext x;
	FZ_CHECK(hz_ipv6_ext_walk(&x, f->payload, f->payload_len, NULL, NULL) == HZ_OK);
	if (x.flags & HZ_IPV6_EXT_F_FRAGMENT)
		return;
	const uint8_t *p = f->payload + x.offset;
	size_t n = f->payload_len - x.offset;
	if (x.proto == HZ_IPV6_NH_ICMPV6) {
		struct hz_ipv6_icmp m;
		FZ_CHECK(hz_ipv6_icmp_parse(&m, p, n, &h.src, &h.dst, NULL) == HZ_OK);
		if (hz_ipv6_icmp_type_is_error(m.type))
			FZ_CHECK(f->payload_len <= HZ_IPV6_MIN_MTU);
	} else if (x.proto == HZ_IPV6_NH_UDP) {
		struct hz_udp_hdr u;
		FZ_CHECK(hz_udp_hdr_parse(&u, p, n) == HZ_OK);
		FZ_CHECK(u.len == n && u.csum != 0); /* mandatory over IPv6 (RFC 8200 8.1) */
		FZ_CHECK(hz_udp_csum_verify(hz_ipv6_pseudo(&h.src, &h.dst, HZ_UDP_PROTO, n), p, n));
	} else if (x.proto == HZ_IPV6_NH_TCP) {
		struct hz_tcp_hdr t;
		struct hz_tcp_opts o;
		FZ_CHECK(hz_tcp_hdr_parse(&t, p, n) == HZ_OK);
		FZ_CHECK(hz_tcp_opts_parse(&o, t.opt, t.opt_len) == HZ_OK);
		FZ_CHECK(hz_tcp_csum_verify(hz_ipv6_pseudo(&h.src, &h.dst, HZ_TCP_PROTO, n), p, n));
	} else {
		fz_fail("stack sent an unknown IPv6 protocol", __FILE__, __LINE__);
	}
}

static int transmit(void *ctx, struct hz_pbuf *pb)
{
	(void)ctx;
	const uint8_t *d = hz_pbuf_data(pb);
	FZ_CHECK(pb->head + pb->len <= pb->cap);
	FZ_CHECK(!(pb->flags & HZ_PBUF_F_CSUM_PARTIAL)); /* no offload offered */
	struct hz_ethif_frame f;
	FZ_CHECK(hz_ethif_frame_parse(&f, d, pb->len) == HZ_OK);
	FZ_CHECK(memcmp(f.src, our_mac, HZ_MAC_LEN) == 0);
	FZ_CHECK(f.payload_len <= 1500);
	seen_frames++;
	uint32_t addr = S.ip.addr;
	if (f.type == HZ_ETHIF_TYPE_ARP) {
		struct hz_arp_packet p;
		FZ_CHECK(hz_arp_packet_parse(&p, f.payload, f.payload_len) == HZ_OK);
		FZ_CHECK(memcmp(p.sha, our_mac, HZ_MAC_LEN) == 0);
		FZ_CHECK(p.spa == S.arp.addr || p.spa == 0);
		return HZ_OK;
	}
	if (f.type == HZ_ETHIF_TYPE_IPV6) {
		FZ_CHECK(S.ipv6_on);
		check_ipv6_out(&f);
		return HZ_OK;
	}
	FZ_CHECK(f.type == HZ_ETHIF_TYPE_IPV4);
	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why;
	int rc = hz_ipv4_hdr_parse(&h, f.payload, f.payload_len, &why);
	FZ_CHECK(rc >= HZ_IPV4_HDR_LEN);
	FZ_CHECK(h.src == addr || h.src == 0);
	FZ_CHECK(h.total_len <= 1500 && h.ttl > 0);
	if (f.cast == HZ_CAST_UNICAST)
		FZ_CHECK(!hz_ipv4_addr_is_multicast(h.dst) && h.dst != 0xffffffffu);
	if (hz_ipv4_hdr_is_fragment(&h))
		return HZ_OK;
	if (h.proto == HZ_IPV4_PROTO_UDP) {
		struct hz_udp_hdr u;
		FZ_CHECK(hz_udp_hdr_parse(&u, h.payload, h.payload_len) == HZ_OK);
		FZ_CHECK(u.len == h.payload_len);
		if (u.csum)
			FZ_CHECK(hz_udp_csum_verify(hz_ipv4_pseudo(h.src, h.dst, HZ_UDP_PROTO, u.len),
			                            h.payload, u.len));
	} else if (h.proto == HZ_IPV4_PROTO_ICMP) {
		struct hz_ipv4_icmp m;
		FZ_CHECK(hz_ipv4_icmp_parse(&m, h.payload, h.payload_len, NULL) == HZ_OK);
		if (hz_ipv4_icmp_type_is_error(m.type))
			FZ_CHECK(h.total_len <= HZ_IPV4_ICMP_ERR_MAX);
	} else if (h.proto == HZ_TCP_PROTO) {
		struct hz_tcp_hdr t;
		struct hz_tcp_opts o;
		FZ_CHECK(hz_tcp_hdr_parse(&t, h.payload, h.payload_len) == HZ_OK);
		FZ_CHECK(hz_tcp_opts_parse(&o, t.opt, t.opt_len) == HZ_OK);
		FZ_CHECK(hz_tcp_csum_verify(hz_ipv4_pseudo(h.src, h.dst, HZ_TCP_PROTO, h.payload_len),
		                            h.payload, h.payload_len));
	} else {
		fz_fail("stack sent an unknown protocol", __FILE__, __LINE__);
	}
	return HZ_OK;
}

static void on_echo(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	(void)ctx;
	FZ_CHECK(d->to.port == 7);
	if (d->flags)
		return; /* no echo to broadcast or multicast */
	int rc = hz_udp_sock_sendto(s, d->data, d->len, &d->from);
	FZ_CHECK(rc < 0 || (size_t)rc == d->len);
}

static void on_dns(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	(void)ctx;
	FZ_CHECK(s->connected && d->from.port == 53);
	FZ_CHECK(hz_ipaddr_to_v4(&d->from.addr) == FZ_GATEWAY);
}

static void on_event(void *ctx, const struct hz_stack_event *ev)
{
	(void)ctx;
	FZ_CHECK(ev->name != NULL);
}

static void on_counter(void *ctx, const char *lib, const char *reason, uint64_t value)
{
	(void)value;
	(*(unsigned *)ctx)++;
	FZ_CHECK(lib && reason && reason[0] && strcmp(reason, "?") != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	uint8_t cfgb = fz_u8(&in);

	/* The engines and tables, not the megabytes of ring bytes behind
	 * them: rings hold no state until written. */
	memset(&S, 0, offsetof(struct hz_stack, tcp_rings));
	seen_frames = 0;
	static struct fz_rng rng;
	static struct hz_shim shim;
	fz_shim_init(&shim, &rng, 3);
	static struct hz_netif netif;
	netif = (struct hz_netif){ .ctx = NULL, .transmit = transmit, .mac = FZ_MAC_INIT, .mtu = 1500 };
	struct hz_stack_config cfg = {
		.addr = FZ_ADDR,
		.netmask = FZ_NETMASK,
		.gateway = (cfgb & 2u) ? 0 : FZ_GATEWAY,
		.arp_probe = cfgb & 1u,
		.event = on_event,
	};
	if (!(cfgb & 16u)) {
		FZ_CHECK(hz_stack_config_add_ip6(&cfg, "2001:db8::2/64") == HZ_OK);
		FZ_CHECK(hz_stack_config_set_gw6(&cfg, "fe80::1") == HZ_OK);
		cfg.slaac = (cfgb & 32u) != 0;
	}
	hz_time_t now = HZ_SEC(1);
	FZ_CHECK(hz_stack_init(&S, &cfg, &netif, &shim, now) == HZ_OK);

	struct hz_tcp_endpoint tep = { .addr = { 0 }, .port = 7 };
	struct hz_tcp_listener *tl;
	FZ_CHECK(hz_tcp_listener_open(hz_stack_tcp(&S), &tep, 4, &tl) == HZ_OK);

	struct hz_udp *udp = hz_stack_udp(&S);
	struct hz_udp_endpoint ep = { .addr = { 0 }, .port = 7 };
	s_echo = hz_udp_sock_open(udp);
	FZ_CHECK(s_echo && hz_udp_sock_bind(s_echo, &ep) == HZ_OK);
	hz_udp_sock_set_recv(s_echo, on_echo, NULL);
	ep.port = 9;
	s_ring = hz_udp_sock_open(udp);
	FZ_CHECK(s_ring && hz_udp_sock_bind(s_ring, &ep) == HZ_OK);
	hz_udp_sock_set_ring(s_ring, ring, sizeof ring);
	s_dns = hz_udp_sock_open(udp);
	struct hz_udp_endpoint dns = { .addr = hz_ipaddr_v4(FZ_GATEWAY), .port = 53 };
	FZ_CHECK(s_dns && hz_udp_sock_connect(s_dns, &dns) == HZ_OK);
	hz_udp_sock_set_recv(s_dns, on_dns, NULL);
	static const uint8_t query[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	                               "\x04haze\x00\x00\x01\x00\x01";
	(void)hz_udp_sock_sendto(s_dns, query, sizeof query - 1, NULL);
	if (cfgb & 4u) {
		static uint8_t big[3000];
		memset(big, 0x5a, sizeof big);
		(void)hz_udp_sock_sendto(s_dns, big, sizeof big, NULL);
	}
	if ((cfgb & 64u) && !(cfgb & 16u)) {
		static uint8_t big6[3000];
		memset(big6, 0x6a, sizeof big6);
		struct hz_udp_endpoint to = { .addr = { .family = HZ_AF_INET6 }, .port = 7 };
		FZ_CHECK(hz_ipaddr_parse(&to.addr, "2001:db8::1") == HZ_OK);
		(void)hz_udp_sock_sendto(s_ring, big6, sizeof big6, &to);
	}

	for (int n = 0; n < 256 && !fz_in_empty(&in); n++) {
		size_t want = fz_u16(&in), len;
		now += fz_step(fz_u8(&in));
		const uint8_t *frame = fz_bytes(&in, want, &len);
		uint64_t rx = S.stats.rx_frames;
		int rc = hz_stack_input(&S, frame, len, now);
		FZ_CHECK(rc <= 0);
		FZ_CHECK(S.stats.rx_frames == rx + 1);
		hz_time_t next = hz_stack_poll(&S, now);
		FZ_CHECK(next > now);
		if (cfgb & 8u) {
			uint8_t buf[2048];
			struct hz_udp_endpoint from;
			while (hz_udp_sock_recvfrom(s_ring, buf, sizeof buf, &from) >= 0)
				FZ_CHECK(from.addr.family == HZ_AF_INET ||
				         (from.addr.family == HZ_AF_INET6 && S.ipv6_on));
		}
		FZ_CHECK(S.stats.tx_frames + S.stats.tx_errors == seen_frames);
	}
	/* let every timer run out */
	for (int i = 0; i < 8; i++) {
		hz_time_t next = hz_stack_poll(&S, now);
		FZ_CHECK(next > now);
		if (next == HZ_TIME_NEVER)
			break;
		now = next;
	}
	unsigned ncounters = 0;
	hz_stack_counters(&S, on_counter, &ncounters);
	FZ_CHECK(ncounters >= HZ_ETHIF_DROP_COUNT + HZ_ARP_DROP_COUNT + HZ_IPV4_DROP_COUNT +
	                      HZ_IPV6_DROP_COUNT + HZ_UDP_DROP_COUNT);
	return 0;
}
