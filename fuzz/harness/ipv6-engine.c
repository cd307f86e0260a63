/*
 * ipv6-engine: the IPv6 host engine (struct hz_ipv6: ND, SLAAC, DAD,
 * MLD, ICMPv6, reassembly, fragmentation) driven by received packets
 * through time, with a fake link that checks every packet it sends.
 *
 * Input: one config byte, then records
 *   len u16 (big-endian)  packet length
 *   step u8               time advance before the packet (fz_step)
 *   fix u8                what the harness repairs so the fuzzer gets past
 *                         the gates it cannot guess (bits below)
 *   packet                len bytes (fewer at the end of the input)
 * fix bits: 0 dst := our link-local address, 1 dst := ff02::1,
 * 2 dst := the solicited-node group of our link-local, 3 hop limit := 255,
 * 4 payload length := the bytes given, 5 src := fe80::1, 6 recompute the
 * ICMPv6 checksum (when the walk finds ICMPv6 in this packet), 7 send a
 * UDP datagram of (step * 64) bytes to fe80::1 after the packet (output,
 * resolution, fragmentation).
 * config bit 0: no DAD; bit 1: no SLAAC; bit 2: static 2001:db8::2/64.
 *
 * Invariants: every packet the engine sends is a valid IPv6 packet within
 * the link MTU, from one of our addresses or ::, whose extension headers
 * walk, whose ICMPv6 checksum verifies, and whose ND and MLD bodies parse
 * back; poll's deadline lies in the future; table states are valid; every
 * drop counter has a name.
 */
#include "fuzz.h"
#include "haze/ipv6.h"

static const uint8_t our_mac[HZ_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_ll[16] = { 0xfe, 0x80, [15] = 1 };

static struct hz_ipv6 E;
static struct hz_ipv6_neigh neigh[8];
static struct hz_ipv6_pending pending[4];
static uint8_t qbuf[4 * 1536];
static struct hz_ipv6_reasm_slot rslots[2];
static uint8_t rbuf[2 * (HZ_IPV6_HDR_LEN + 4096)];
static uint8_t txbuf[8192];
static uint8_t udp_buf[HZ_PBUF_HEADROOM + 16384];
static uint64_t rng;
static uint64_t sent;

static void shim_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	uint8_t *o = out;
	for (size_t i = 0; i < len; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		o[i] = (uint8_t)(rng >> 56);
	}
}

static const struct hz_shim shim = { .random = shim_random, .log_level = HZ_LOG_ERROR };

static void check_icmp(const struct hz_ipv6_hdr *h, const uint8_t *m, size_t n)
{
	struct hz_ipv6_icmp msg;
	FZ_CHECK(hz_ipv6_icmp_parse(&msg, m, n, &h->src, &h->dst, NULL) == HZ_OK);
	if (msg.type >= HZ_IPV6_ICMP_ROUTER_SOLICIT && msg.type <= HZ_IPV6_ICMP_REDIRECT) {
		struct hz_ipv6_nd nd;
		FZ_CHECK(h->hop_limit == 255);
		FZ_CHECK(hz_ipv6_nd_parse(&nd, &msg, NULL) == HZ_OK);
		if (nd.has_slla)
			FZ_CHECK(memcmp(nd.slla, our_mac, HZ_MAC_LEN) == 0);
		if (nd.has_tlla)
			FZ_CHECK(memcmp(nd.tlla, our_mac, HZ_MAC_LEN) == 0);
	} else if (msg.type == HZ_IPV6_ICMP_MLD2_REPORT) {
		struct hz_ipv6_mld_record recs[HZ_IPV6_GROUPS];
		size_t nrec = 0;
		FZ_CHECK(h->hop_limit == 1);
		FZ_CHECK(hz_ipv6_mld2_report_parse(&msg, recs, HZ_IPV6_GROUPS, &nrec, NULL) == HZ_OK);
		FZ_CHECK(nrec >= 1 && nrec <= HZ_IPV6_GROUPS);
	}
	if (hz_ipv6_icmp_type_is_error(msg.type))
		FZ_CHECK(HZ_IPV6_HDR_LEN + n <= HZ_IPV6_MIN_MTU); /* RFC 4443 2.4 (c) */
}

static int link_output(void *ctx, struct hz_pbuf *pb, const uint8_t *ll, const uint8_t dst[16])
{
	(void)ctx;
	FZ_CHECK(pb->head >= 18 && pb->head + pb->len <= pb->cap);
	const uint8_t *p = hz_pbuf_data(pb);
	struct hz_ipv6_hdr h;
	FZ_CHECK(hz_ipv6_hdr_parse(&h, p, pb->len, NULL) == HZ_IPV6_HDR_LEN);
	FZ_CHECK(HZ_IPV6_HDR_LEN + (size_t)h.payload_len == pb->len);
	FZ_CHECK(pb->len <= 1500);
	FZ_CHECK(memcmp(h.dst.b, dst, 16) == 0);
	FZ_CHECK(ll || hz_ipv6_addr_is_multicast(dst));
	FZ_CHECK(h.hop_limit > 0);
	FZ_CHECK(!hz_ipv6_addr_is_multicast(h.src.b));
	if (!hz_ipv6_addr_is_unspecified(h.src.b)) {
		const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&E, h.src.b);
		FZ_CHECK(a != NULL);
	}
	struct hz_ipv6_ext x;
	FZ_CHECK(hz_ipv6_ext_walk(&x, p, pb->len, NULL, NULL) == HZ_OK);
	if (x.proto == HZ_IPV6_NH_ICMPV6 && !(x.flags & HZ_IPV6_EXT_F_FRAGMENT))
		check_icmp(&h, p + x.offset, pb->len - x.offset);
	if (x.flags & HZ_IPV6_EXT_F_FRAGMENT)
		FZ_CHECK(x.frag_more ? (pb->len - x.offset) % 8 == 0 : true);
	sent++;
	return HZ_OK;
}

static int link_mcast(void *ctx, const uint8_t g[16], bool join)
{
	(void)ctx;
	(void)join;
	FZ_CHECK(hz_ipv6_addr_is_multicast(g));
	return HZ_OK;
}

static int udp_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	FZ_CHECK(rx->src.family == HZ_AF_INET6 && rx->dst.family == HZ_AF_INET6);
	return n & 1 ? HZ_ERR_REFUSED : HZ_OK; /* odd lengths: "closed port" */
}

static void udp_error(void *ctx, const struct hz_ip_err *e)
{
	(void)ctx;
	FZ_CHECK(e->quote_len <= HZ_IPV6_MIN_MTU);
	if (e->kind == HZ_IP_ERR_FRAG_NEEDED)
		FZ_CHECK(e->mtu >= HZ_IPV6_MIN_MTU);
}

static const struct hz_ip_upper udp_upper = { .input = udp_input, .error = udp_error };

static void check_state(hz_time_t now, hz_time_t next)
{
	FZ_CHECK(next > now);
	for (size_t i = 0; i < HZ_ARRAY_LEN(neigh); i++)
		FZ_CHECK(neigh[i].state <= HZ_IPV6_ND_PROBE);
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		const struct hz_ipv6_addr *a = &E.addrs[i];
		FZ_CHECK(a->state <= HZ_IPV6_ADDR_DUPLICATE);
		if (a->state != HZ_IPV6_ADDR_FREE)
			FZ_CHECK(!hz_ipv6_addr_is_multicast(a->addr) && a->plen <= 128);
	}
	FZ_CHECK(E.link_mtu >= HZ_IPV6_MIN_MTU && E.link_mtu <= 1500);
	for (unsigned r = 0; r < HZ_IPV6_DROP_COUNT; r++)
		FZ_CHECK(strcmp(hz_ipv6_drop_name(r), "?") != 0);
}

static void send_udp(size_t n)
{
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, udp_buf, sizeof udp_buf, HZ_PBUF_HEADROOM);
	uint8_t *d = hz_pbuf_put(&pb, n);
	if (!d)
		return;
	memset(d, 0x5a, n);
	struct hz_ip_tx tx;
	memset(&tx, 0, sizeof tx);
	tx.dst.family = HZ_AF_INET6;
	memcpy(tx.dst.b, peer_ll, 16);
	tx.proto = HZ_IPV6_NH_UDP;
	uint8_t before[64];
	memcpy(before, d, HZ_MIN(n, sizeof before));
	(void)hz_ipv6_output(&E, &pb, &tx);
	FZ_CHECK(memcmp(before, d, HZ_MIN(n, sizeof before)) == 0); /* pb is ours again */
}

static void fixup(uint8_t *p, size_t n, uint8_t fix, const uint8_t ll[16])
{
	if (n < HZ_IPV6_HDR_LEN)
		return;
	if (fix & 0x01)
		memcpy(p + 24, ll, 16);
	if (fix & 0x02) {
		static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
		memcpy(p + 24, all_nodes, 16);
	}
	if (fix & 0x04)
		hz_ipv6_addr_solicited(p + 24, ll);
	if (fix & 0x08)
		p[7] = 255;
	if (fix & 0x10)
		hz_be16_store(p + 4, (uint16_t)(n - HZ_IPV6_HDR_LEN));
	if (fix & 0x20)
		memcpy(p + 8, peer_ll, 16);
	if (fix & 0x40) {
		struct hz_ipv6_hdr h;
		struct hz_ipv6_ext x;
		if (hz_ipv6_hdr_parse(&h, p, n, NULL) < 0)
			return;
		size_t len = HZ_IPV6_HDR_LEN + (size_t)h.payload_len;
		if (hz_ipv6_ext_walk(&x, p, len, NULL, NULL) != HZ_OK ||
		    x.proto != HZ_IPV6_NH_ICMPV6 || (x.flags & HZ_IPV6_EXT_F_FRAGMENT) ||
		    len - x.offset < HZ_IPV6_ICMP_HDR_LEN)
			return;
		uint8_t *m = p + x.offset;
		size_t mlen = len - x.offset;
		m[2] = m[3] = 0;
		uint32_t s = hz_ipv6_pseudo(&h.src, &h.dst, HZ_IPV6_NH_ICMPV6, mlen);
		hz_be16_store(m + 2, hz_csum_fold(hz_csum_add(s, m, mlen)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	uint8_t cfgb = fz_u8(&in);
	rng = 0x9e3779b97f4a7c15ull;
	sent = 0;

	struct hz_ipv6_config cfg;
	hz_ipv6_config_default(&cfg);
	cfg.dad_transmits = (cfgb & 1) ? 0 : 1;
	cfg.slaac = !(cfgb & 2);
	cfg.reasm_max_size = 4096;
	cfg.reasm_max_frags = 16;
	cfg.stable_secret_set = true;
	memset(cfg.stable_secret, 0x42, sizeof cfg.stable_secret);
	struct hz_ipv6_link link = { .headroom = 18, .mtu = 1500, .output = link_output,
		                     .mcast = link_mcast };
	memcpy(link.lladdr, our_mac, HZ_MAC_LEN);
	struct hz_ipv6_storage st = {
		.neigh = neigh, .nneigh = HZ_ARRAY_LEN(neigh),
		.pending = pending, .npending = HZ_ARRAY_LEN(pending), .qbuf = qbuf, .qslot = 1536,
		.reasm_slots = rslots, .nreasm = HZ_ARRAY_LEN(rslots), .reasm_buf = rbuf,
		.txbuf = txbuf, .txcap = sizeof txbuf,
	};
	FZ_CHECK(hz_ipv6_init(&E, &cfg, &link, &shim, &st) == HZ_OK);
	FZ_CHECK(hz_ipv6_attach(&E, HZ_IPV6_NH_UDP, &udp_upper) == HZ_OK);
	hz_time_t now = HZ_SEC(1);
	if (cfgb & 4) {
		struct hz_ipaddr a = { .family = HZ_AF_INET6, .b = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
		FZ_CHECK(hz_ipv6_addr_add(&E, &a, 64, now) == HZ_OK);
	}
	FZ_CHECK(hz_ipv6_up(&E, now) == HZ_OK);
	hz_time_t next = hz_ipv6_poll(&E, now);
	check_state(now, next);
	/* Let DAD finish so the link-local address is usable. */
	for (int i = 0; i < 8 && next != HZ_TIME_NEVER && next < HZ_SEC(4); i++) {
		now = next;
		next = hz_ipv6_poll(&E, now);
		check_state(now, next);
	}
	uint8_t ll[16] = { 0xfe, 0x80 };
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++)
		if (E.addrs[i].state && hz_ipv6_addr_is_link_local(E.addrs[i].addr))
			memcpy(ll, E.addrs[i].addr, 16);

	static uint8_t pkt[65536 + HZ_IPV6_HDR_LEN];
	while (!fz_in_empty(&in)) {
		size_t len = fz_u16(&in);
		uint8_t step = fz_u8(&in);
		uint8_t fix = fz_u8(&in);
		now += fz_step(step);
		size_t n = HZ_MIN(len, in.len);
		memcpy(pkt, in.p, n);
		in.p += n;
		in.len -= n;
		fixup(pkt, n, fix, ll);
		enum hz_cast cast = hz_ipv6_addr_is_multicast(n >= 40 ? pkt + 24 : pkt)
		                            ? HZ_CAST_MULTICAST : HZ_CAST_UNICAST;
		uint64_t drops_before = 0, drops_after = 0;
		for (unsigned r = 0; r < HZ_IPV6_DROP_COUNT; r++)
			drops_before += E.drops[r];
		int rc = hz_ipv6_input(&E, pkt, n, cast, 0, now);
		for (unsigned r = 0; r < HZ_IPV6_DROP_COUNT; r++)
			drops_after += E.drops[r];
		/* A refused packet was counted somewhere (here or by the upper). */
		if (rc < 0 && rc != HZ_ERR_REFUSED && rc != HZ_ERR_UNSUPPORTED)
			FZ_CHECK(drops_after > drops_before);
		if (fix & 0x80)
			send_udp((size_t)step * 64u);
		next = hz_ipv6_poll(&E, now);
		check_state(now, next);
	}
	/* Run the clock out: every timer fires and the tables drain. */
	for (int i = 0; i < 64 && next != HZ_TIME_NEVER; i++) {
		now = next;
		next = hz_ipv6_poll(&E, now);
		check_state(now, next);
	}
	return 0;
}
