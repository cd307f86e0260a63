/* The ipv4 engine: delivery, ICMP, fragmentation, routing, timers. A fake
 * link captures what the engine sends; fake transports record what it
 * delivers. */
#include "harness.h"

#define MY A(192, 168, 1, 10)
#define MASK A(255, 255, 255, 0)
#define GW A(192, 168, 1, 1)
#define PEER A(192, 168, 1, 20)
#define PEER2 A(192, 168, 1, 21)
#define FAR A(8, 8, 8, 8)
#define LH 14 /* the fake link's header */

/* ---- fake link ---------------------------------------------------- */

struct frame {
	uint8_t b[2048];
	size_t len;
	uint32_t nh;
	enum hz_cast cast;
	uint32_t flags;
	uint16_t csum_start;
};
static struct {
	struct frame f[64];
	size_t n;
	int rc;
} cap;

static int fake_output(void *ctx, struct hz_pbuf *pb, uint32_t nh, enum hz_cast cast)
{
	(void)ctx;
	/* The link may use its headroom and nothing beyond cap. */
	assert_true(pb->head >= LH);
	assert_true(pb->head + pb->len <= pb->cap);
	assert_true(pb->len <= sizeof cap.f[0].b);
	if (cap.rc)
		return cap.rc;
	assert_true(cap.n < HZ_ARRAY_LEN(cap.f));
	struct frame *f = &cap.f[cap.n++];
	memcpy(f->b, hz_pbuf_data(pb), pb->len);
	f->len = pb->len;
	f->nh = nh;
	f->cast = cast;
	f->flags = pb->flags;
	f->csum_start = pb->csum_start;
	/* Write a link header as ethif would, to prove ipv4 restores what
	 * lies in front of each fragment. */
	uint8_t *eh = hz_pbuf_push(pb, LH);
	memset(eh, 0xee, LH);
	return HZ_OK;
}

/* ---- fake transports ---------------------------------------------- */

struct upper {
	int calls;
	int rc;
	struct hz_ip_rx rx;
	uint8_t payload[70000];
	size_t len;
	int errs;
	struct hz_ip_err err;
	uint8_t quote[600];
};
static struct upper udp, icmpu;

static int up_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	struct upper *u = ctx;
	u->calls++;
	u->rx = *rx;
	memcpy(u->payload, p, len);
	u->len = len;
	return u->rc;
}

static void up_error(void *ctx, const struct hz_ip_err *err)
{
	struct upper *u = ctx;
	u->errs++;
	u->err = *err;
	memcpy(u->quote, err->quote, HZ_MIN(err->quote_len, sizeof u->quote));
}

static const struct hz_ip_upper udp_up = { &udp, up_input, up_error };
static const struct hz_ip_upper icmp_up = { &icmpu, up_input, NULL };

/* ---- the engine under test ---------------------------------------- */

static struct hz_ipv4 ip;
static struct hz_ipv4_reasm_slot slots[4];
static uint8_t rbuf[4 * 16384];
static uint8_t txbuf[20000];
static const struct hz_ipv4_link lk = { NULL, LH, 1500, fake_output };

static void engine(const struct hz_ipv4_config *cfg, size_t txcap)
{
	memset(&cap, 0, sizeof cap);
	memset(&udp, 0, sizeof udp);
	memset(&icmpu, 0, sizeof icmpu);
	hz_ipv4_init(&ip, cfg, &lk, &test_shim, slots, 4, rbuf, txbuf, txcap);
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, MASK, GW), HZ_OK);
	assert_int_equal(hz_ipv4_attach(&ip, 17, &udp_up), HZ_OK);
}

static int setup(void **state)
{
	(void)state;
	engine(NULL, sizeof txbuf);
	return 0;
}

static uint8_t pkt[70000];

static int rx_opt(uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag, const uint8_t *opt,
                  size_t optlen, const void *p, size_t n, enum hz_cast c, hz_time_t now)
{
	size_t len = build_ip(pkt, src, dst, proto, 0x1234, frag, 64, opt, optlen, p, n);
	return hz_ipv4_input(&ip, pkt, len, c, now);
}

static int rx(uint32_t src, uint32_t dst, uint8_t proto, const void *p, size_t n, enum hz_cast c)
{
	return rx_opt(src, dst, proto, 0, NULL, 0, p, n, c, HZ_SEC(1));
}

static uint64_t total_drops(void)
{
	uint64_t t = 0;
	for (size_t i = 0; i < HZ_IPV4_DROP_COUNT; i++)
		t += ip.drops[i];
	return t;
}

/* Check a captured frame is a valid IPv4 packet from src to dst carrying
 * ICMP type/code; returns the ICMP message. */
static const uint8_t *icmp_frame(const struct frame *f, uint32_t src, uint32_t dst, uint8_t type,
                                 uint8_t code)
{
	const uint8_t *b = f->b;
	assert_int_equal(b[0], 0x45);
	assert_int_equal(rd16(b + 2), f->len);
	assert_int_equal(ref_csum(b, 20), 0);
	assert_int_equal(b[9], 1);
	assert_int_equal(b[8], 64);
	assert_int_equal(rd32(b + 12), src);
	assert_int_equal(rd32(b + 16), dst);
	assert_int_equal(ref_csum(b + 20, f->len - 20), 0);
	assert_int_equal(b[20], type);
	assert_int_equal(b[21], code);
	return b + 20;
}

/* ---- delivery ----------------------------------------------------- */

static void test_deliver_unicast(void **state)
{
	(void)state;
	const char msg[] = "\x12\x34\x00\x35\x00\x0e\x00\x00hello!";
	/* TTL 0 is fine for a datagram addressed to us (RFC 1122 3.2.1.7). */
	size_t n = build_ip(pkt, PEER, MY, 17, 7, 0, 0, NULL, 0, msg, 14);
	pkt[1] = 0x10;
	pkt[10] = pkt[11] = 0;
	wr16(pkt + 10, ref_csum(pkt, 20));
	assert_int_equal(hz_ipv4_input(&ip, pkt, n, HZ_CAST_UNICAST, HZ_SEC(5)), HZ_OK);
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.len, 14);
	assert_memory_equal(udp.payload, msg, 14);
	assert_int_equal(udp.rx.src.family, HZ_AF_INET);
	assert_int_equal(hz_ipaddr_to_v4(&udp.rx.src), PEER);
	assert_int_equal(hz_ipaddr_to_v4(&udp.rx.dst), MY);
	assert_int_equal(udp.rx.proto, 17);
	assert_int_equal(udp.rx.ttl, 0);
	assert_int_equal(udp.rx.tos, 0x10);
	assert_int_equal(udp.rx.flags, 0);
	assert_ptr_equal(udp.rx.ip, hz_ipv4_ip(&ip));
	assert_true(udp.rx.now == HZ_SEC(5));
	/* Pseudo-header: src, dst, 0, 17, length 14, summed independently. */
	uint8_t ph[12];
	wr32(ph, PEER);
	wr32(ph + 4, MY);
	ph[8] = 0;
	ph[9] = 17;
	wr16(ph + 10, 14);
	assert_int_equal(hz_csum_fold(udp.rx.pseudo), ref_csum(ph, 12));
	assert_int_equal(ip.rx_delivered, 1);
	assert_int_equal(ip.rx_packets, 1);
	assert_int_equal(total_drops(), 0);
	assert_int_equal(cap.n, 0);
}

static void test_deliver_bcast_mcast(void **state)
{
	(void)state;
	static const struct {
		uint32_t dst;
		enum hz_cast l2;
		uint8_t flags;
	} ok[] = {
		{ HZ_IPV4_BROADCAST, HZ_CAST_BROADCAST, HZ_IP_RX_BCAST },
		{ A(192, 168, 1, 255), HZ_CAST_BROADCAST, HZ_IP_RX_BCAST },
		{ A(192, 168, 1, 0), HZ_CAST_BROADCAST, HZ_IP_RX_BCAST }, /* RFC 1122 3.3.6 old form */
		{ A(224, 0, 0, 251), HZ_CAST_MULTICAST, HZ_IP_RX_MCAST },
		{ HZ_IPV4_ALL_HOSTS, HZ_CAST_UNICAST, HZ_IP_RX_MCAST },
		{ HZ_IPV4_ALL_HOSTS, HZ_CAST_MULTICAST, HZ_IP_RX_MCAST },
	};
	for (size_t i = 0; i < HZ_ARRAY_LEN(ok); i++) {
		udp.calls = 0;
		assert_int_equal(rx(PEER, ok[i].dst, 17, "abcdefgh", 8, ok[i].l2), HZ_OK);
		assert_int_equal(udp.calls, 1);
		assert_int_equal(udp.rx.flags, ok[i].flags);
		assert_int_equal(hz_ipaddr_to_v4(&udp.rx.dst), ok[i].dst);
	}
	assert_int_equal(total_drops(), 0);
	/* DHCP-style: from 0.0.0.0 to broadcast. */
	assert_int_equal(rx(0, HZ_IPV4_BROADCAST, 17, "abcdefgh", 8, HZ_CAST_BROADCAST), HZ_OK);
	assert_int_equal(udp.calls, 2);
}

static void test_input_drops(void **state)
{
	(void)state;
	static const struct {
		uint32_t src, dst;
		enum hz_cast l2;
		enum hz_ipv4_drop why;
	} bad[] = {
		{ PEER, A(192, 168, 1, 99), HZ_CAST_UNICAST, HZ_IPV4_DROP_NOT_FOR_US },
		{ PEER, FAR, HZ_CAST_UNICAST, HZ_IPV4_DROP_NOT_FOR_US },
		{ PEER, A(224, 0, 0, 251), HZ_CAST_UNICAST, HZ_IPV4_DROP_NOT_FOR_US },
		{ PEER, A(10, 0, 0, 255), HZ_CAST_BROADCAST, HZ_IPV4_DROP_NOT_FOR_US },
		{ PEER, MY, HZ_CAST_BROADCAST, HZ_IPV4_DROP_L2_BCAST_UNICAST },
		{ PEER, MY, HZ_CAST_MULTICAST, HZ_IPV4_DROP_L2_BCAST_UNICAST },
		{ A(192, 168, 1, 255), MY, HZ_CAST_UNICAST, HZ_IPV4_DROP_MARTIAN_SRC },
		{ A(127, 0, 0, 1), MY, HZ_CAST_UNICAST, HZ_IPV4_DROP_MARTIAN_SRC },
	};
	for (size_t i = 0; i < HZ_ARRAY_LEN(bad); i++) {
		uint64_t before = ip.drops[bad[i].why];
		assert_true(rx(bad[i].src, bad[i].dst, 17, "abcdefgh", 8, bad[i].l2) < 0);
		assert_int_equal(ip.drops[bad[i].why], before + 1);
	}
	/* Source-routed datagrams are refused. */
	const uint8_t lsrr[8] = { 131, 7, 8, 1, 2, 3, 4, 0 };
	assert_int_equal(rx_opt(PEER, MY, 17, 0, lsrr, 8, "abcdefgh", 8, HZ_CAST_UNICAST, 1),
	                 HZ_ERR_UNSUPPORTED);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_SOURCE_ROUTE], 1);
	/* Record route is fine. */
	const uint8_t rr[8] = { 7, 7, 4, 0, 0, 0, 0, 0 };
	assert_int_equal(rx_opt(PEER, MY, 17, 0, rr, 8, "abcdefgh", 8, HZ_CAST_UNICAST, 1), HZ_OK);
	assert_int_equal(udp.calls, 1);
	/* Header errors land in their counters. */
	size_t n = build_ip(pkt, PEER, MY, 17, 1, 0, 64, NULL, 0, "abcdefgh", 8);
	pkt[11] ^= 1;
	assert_int_equal(hz_ipv4_input(&ip, pkt, n, HZ_CAST_UNICAST, 1), HZ_ERR_CHECKSUM);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_BAD_CHECKSUM], 1);
	assert_int_equal(hz_ipv4_input(&ip, pkt, 10, HZ_CAST_UNICAST, 1), HZ_ERR_NEED_MORE);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_TRUNCATED], 1);
	/* Upper errors other than REFUSED pass through with no ICMP, and
	 * ipv4 does not count them again: the upper layer did. */
	udp.rc = HZ_ERR_MALFORMED;
	uint64_t before[HZ_IPV4_DROP_COUNT];
	memcpy(before, ip.drops, sizeof before);
	assert_int_equal(rx(PEER, MY, 17, "abcdefgh", 8, HZ_CAST_UNICAST), HZ_ERR_MALFORMED);
	assert_memory_equal(before, ip.drops, sizeof before);
	assert_int_equal(cap.n, 0);
	/* Unconfigured: only broadcast gets in. */
	assert_int_equal(hz_ipv4_addr_set(&ip, 0, 0, 0), HZ_OK);
	udp.rc = 0;
	udp.calls = 0;
	assert_true(rx(PEER, MY, 17, "abcdefgh", 8, HZ_CAST_UNICAST) < 0);
	assert_int_equal(rx(PEER, HZ_IPV4_BROADCAST, 17, "abcdefgh", 8, HZ_CAST_BROADCAST), HZ_OK);
	assert_int_equal(udp.calls, 1);
}

/* ---- ICMP errors we send ------------------------------------------ */

static void test_proto_unreach(void **state)
{
	(void)state;
	uint8_t data[40];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	size_t n = build_ip(pkt, PEER, MY, 99, 0x1234, 0, 64, NULL, 0, data, sizeof data);
	uint8_t orig[60];
	memcpy(orig, pkt, n);
	assert_int_equal(hz_ipv4_input(&ip, pkt, n, HZ_CAST_UNICAST, 1), HZ_ERR_UNSUPPORTED);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_NO_PROTO], 1);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.f[0].nh, PEER);
	assert_int_equal(cap.f[0].cast, HZ_CAST_UNICAST);
	const uint8_t *m = icmp_frame(&cap.f[0], MY, PEER, 3, 2);
	assert_int_equal(rd32(m + 4), 0); /* unused */
	/* The whole small datagram is quoted. */
	assert_int_equal(cap.f[0].len, 20 + 8 + n);
	assert_memory_equal(m + 8, orig, n);
	assert_int_equal(ip.icmp_tx_errors, 1);
}

static void test_port_unreach(void **state)
{
	(void)state;
	udp.rc = HZ_ERR_REFUSED;
	uint8_t data[1400];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 3);
	/* From off-link: the error goes back through the gateway. */
	size_t n = build_ip(pkt, FAR, MY, 17, 0x55, 0, 64, NULL, 0, data, sizeof data);
	static uint8_t orig[1500];
	memcpy(orig, pkt, n);
	assert_int_equal(hz_ipv4_input(&ip, pkt, n, HZ_CAST_UNICAST, 1), HZ_ERR_REFUSED);
	assert_int_equal(udp.calls, 1);
	for (unsigned i = 0; i < HZ_IPV4_DROP_COUNT; i++)
		assert_int_equal(ip.drops[i], 0); /* udp counts no_socket, not ipv4 */
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.f[0].nh, GW);
	const uint8_t *m = icmp_frame(&cap.f[0], MY, FAR, 3, 3);
	/* Quoted up to 576 bytes in all (RFC 1812 4.3.2.3). */
	assert_int_equal(cap.f[0].len, 576);
	assert_memory_equal(m + 8, orig, 576 - 28);
}

static void test_unreach_suppression(void **state)
{
	(void)state;
	udp.rc = HZ_ERR_REFUSED;
	/* Broadcast and multicast destinations: no error. */
	assert_int_equal(rx(PEER, HZ_IPV4_BROADCAST, 17, "abcdefgh", 8, HZ_CAST_BROADCAST),
	                 HZ_ERR_REFUSED);
	assert_int_equal(rx(PEER, A(192, 168, 1, 255), 99, "abcdefgh", 8, HZ_CAST_BROADCAST),
	                 HZ_ERR_UNSUPPORTED);
	assert_int_equal(rx(PEER, A(224, 0, 0, 9), 17, "abcdefgh", 8, HZ_CAST_MULTICAST),
	                 HZ_ERR_REFUSED);
	/* From 0.0.0.0: no error. */
	assert_int_equal(rx(0, MY, 17, "abcdefgh", 8, HZ_CAST_UNICAST), HZ_ERR_REFUSED);
	assert_int_equal(cap.n, 0);
	assert_int_equal(ip.icmp_suppressed, 4);

	/* The rules through hz_ipv4_icmp_error on raw packets. */
	size_t n = build_ip(pkt, PEER, MY, 17, 1, HZ_IPV4_FLAG_MF | 185, 64, NULL, 0, "abcdefgh", 8);
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 3, 0, pkt, n, HZ_CAST_UNICAST), HZ_ERR_REFUSED);
	/* The first fragment may be answered. */
	n = build_ip(pkt, PEER, MY, 17, 1, HZ_IPV4_FLAG_MF, 64, NULL, 0, "abcdefgh", 8);
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 3, 0, pkt, n, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(cap.n, 1);
	/* Received as link broadcast. */
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 3, 0, pkt, n, HZ_CAST_BROADCAST), HZ_ERR_REFUSED);
	/* About an ICMP error: never. About an echo request: fine. */
	uint8_t m[64];
	size_t mlen = build_icmp(m, 3, 1, 0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", 28);
	n = build_ip(pkt, PEER, MY, 1, 1, 0, 64, NULL, 0, m, mlen);
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 2, 0, pkt, n, HZ_CAST_UNICAST), HZ_ERR_REFUSED);
	mlen = build_icmp(m, 8, 0, 0, "ping", 4);
	n = build_ip(pkt, PEER, MY, 1, 1, 0, 64, NULL, 0, m, mlen);
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 2, 0, pkt, n, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(cap.n, 2);
	/* Sources that are not unicast (built raw: the parser would refuse). */
	static const uint32_t srcs[] = { A(224, 0, 0, 5), A(192, 168, 1, 255), A(127, 0, 0, 1),
		                         HZ_IPV4_BROADCAST, A(240, 1, 1, 1), 0 };
	for (size_t i = 0; i < HZ_ARRAY_LEN(srcs); i++) {
		n = build_ip(pkt, srcs[i], MY, 17, 1, 0, 64, NULL, 0, "abcdefgh", 8);
		assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 3, 0, pkt, n, HZ_CAST_UNICAST),
		                 HZ_ERR_REFUSED);
	}
	/* To a directed broadcast. */
	n = build_ip(pkt, PEER, A(192, 168, 1, 255), 17, 1, 0, 64, NULL, 0, "abcdefgh", 8);
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 3, 0, pkt, n, HZ_CAST_UNICAST), HZ_ERR_REFUSED);
	assert_int_equal(cap.n, 2);
	/* Garbage in: refused as invalid. */
	assert_int_equal(hz_ipv4_icmp_error(&ip, 3, 3, 0, pkt, 10, HZ_CAST_UNICAST), HZ_ERR_INVALID);
}

static void test_rate_limit(void **state)
{
	(void)state;
	struct hz_ipv4_config cfg;
	hz_ipv4_config_default(&cfg);
	cfg.icmp_rate = 10;
	cfg.icmp_burst = 3;
	engine(&cfg, sizeof txbuf);
	hz_time_t t = HZ_SEC(100);
	for (int i = 0; i < 5; i++)
		rx_opt(PEER, MY, 99, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, t);
	assert_int_equal(cap.n, 3);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_RATE_LIMITED], 2);
	/* 10 per second: after 99 ms still nothing, at 100 ms one token. */
	rx_opt(PEER, MY, 99, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, t + HZ_MSEC(99));
	assert_int_equal(cap.n, 3);
	rx_opt(PEER, MY, 99, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, t + HZ_MSEC(199));
	assert_int_equal(cap.n, 4);
	rx_opt(PEER, MY, 99, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, t + HZ_MSEC(199));
	assert_int_equal(cap.n, 4);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_RATE_LIMITED], 4);
	/* A long pause refills only up to the burst. */
	hz_ipv4_poll(&ip, t + HZ_SEC(3600));
	for (int i = 0; i < 5; i++)
		rx_opt(PEER, MY, 99, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, t + HZ_SEC(3600));
	assert_int_equal(cap.n, 7);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_RATE_LIMITED], 6);
	/* Echo replies are not errors and are not limited. */
	uint8_t m[16];
	size_t mlen = build_icmp(m, 8, 0, 1, "ping", 4);
	for (int i = 0; i < 5; i++)
		rx_opt(PEER, MY, 1, 0, NULL, 0, m, mlen, HZ_CAST_UNICAST, t + HZ_SEC(3600));
	assert_int_equal(cap.n, 12);
	/* Rate 0 means unlimited. */
	cfg.icmp_rate = 0;
	engine(&cfg, sizeof txbuf);
	for (int i = 0; i < 50; i++)
		rx_opt(PEER, MY, 99, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, t);
	assert_int_equal(cap.n, 50);
}

/* ---- echo --------------------------------------------------------- */

static void test_echo_reply(void **state)
{
	(void)state;
	uint8_t data[56], m[64];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(0xa0 + i);
	size_t mlen = build_icmp(m, 8, 0, 0x42420009, data, sizeof data);
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.f[0].nh, PEER);
	const uint8_t *r = icmp_frame(&cap.f[0], MY, PEER, 0, 0);
	assert_int_equal(cap.f[0].len, 20 + 64);
	assert_int_equal(rd32(r + 4), 0x42420009);
	assert_memory_equal(r + 8, data, sizeof data);
	assert_int_equal(ip.echo_replies, 1);

	/* To broadcast: ignored by default (RFC 1122 3.2.2.6 MAY). */
	assert_int_equal(rx(PEER, HZ_IPV4_BROADCAST, 1, m, mlen, HZ_CAST_BROADCAST), HZ_ERR_REFUSED);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ECHO_BCAST], 1);
	assert_int_equal(cap.n, 1);
	/* Bad checksum. */
	m[10] ^= 1;
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_ERR_CHECKSUM);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_BAD_CHECKSUM], 1);
	m[10] ^= 1;
	assert_int_equal(rx(PEER, MY, 1, m, 7, HZ_CAST_UNICAST), HZ_ERR_NEED_MORE);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_TRUNCATED], 1);

	/* Allowed to broadcast: answered from our unicast address. */
	struct hz_ipv4_config cfg;
	hz_ipv4_config_default(&cfg);
	cfg.echo_broadcast = true;
	engine(&cfg, sizeof txbuf);
	assert_int_equal(rx(PEER, A(192, 168, 1, 255), 1, m, mlen, HZ_CAST_BROADCAST), HZ_OK);
	assert_int_equal(cap.n, 1);
	(void)icmp_frame(&cap.f[0], MY, PEER, 0, 0);
	/* Disabled altogether. */
	cfg.echo_reply = false;
	engine(&cfg, sizeof txbuf);
	assert_true(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST) < 0);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_IGNORED], 1);
	assert_int_equal(cap.n, 0);
	/* A tiny transmit buffer: 14 + 20 + 8 + 56 = 98 bytes needed. */
	engine(NULL, 97);
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_ERR_TOO_BIG);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ECHO_TOO_BIG], 1);
	engine(NULL, 98);
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(cap.n, 1);
	/* The link refusing the reply is counted. */
	cap.rc = HZ_ERR_WOULD_BLOCK;
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_TX_FAILED], 1);
}

/* Reassemble captured frames [from, to) with a standalone reassembler;
 * returns the payload length and copies it into out. */
static struct hz_ipv4_reasm_slot vslots[1];
static uint8_t vbuf[65536];
static size_t reassemble_frames(size_t from, size_t to, uint8_t *out, uint16_t *id)
{
	struct hz_ipv4_reasm v;
	hz_ipv4_reasm_init(&v, vslots, 1, vbuf, sizeof vbuf - 20, 64, HZ_SEC(30));
	for (size_t i = from; i < to; i++) {
		struct hz_ipv4_hdr h, full;
		assert_int_equal(hz_ipv4_hdr_parse(&h, cap.f[i].b, cap.f[i].len, NULL), 20);
		assert_true(hz_ipv4_hdr_is_fragment(&h));
		int rc = hz_ipv4_reasm_input(&v, &h, 0, &full, NULL);
		if (i + 1 < to) {
			assert_int_equal(rc, HZ_ERR_WOULD_BLOCK);
			continue;
		}
		assert_int_equal(rc, HZ_OK);
		memcpy(out, full.payload, full.payload_len);
		*id = full.id;
		return full.payload_len;
	}
	fail();
	return 0;
}

static void test_echo_fragmented(void **state)
{
	(void)state;
	/* A 3000-byte ping arrives in three fragments; the reply is as big
	 * and leaves in three fragments with the same data. */
	static uint8_t m[3100], data[3000], got[4000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i ^ (i >> 5));
	size_t mlen = build_icmp(m, 8, 0, 0x77770001, data, sizeof data);
	assert_int_equal(mlen, 3008);
	assert_int_equal(rx_opt(PEER, MY, 1, HZ_IPV4_FLAG_MF | 185, NULL, 0, m + 1480, 1480,
	                        HZ_CAST_UNICAST, 1), HZ_OK);
	assert_int_equal(rx_opt(PEER, MY, 1, 370, NULL, 0, m + 2960, 48, HZ_CAST_UNICAST, 1), HZ_OK);
	assert_int_equal(cap.n, 0);
	assert_int_equal(rx_opt(PEER, MY, 1, HZ_IPV4_FLAG_MF, NULL, 0, m, 1480, HZ_CAST_UNICAST, 1),
	                 HZ_OK);
	assert_int_equal(cap.n, 3);
	/* Frame layout: offsets 0, 1480, 2960; MF on all but the last. */
	static const size_t lens[3] = { 1500, 1500, 68 };
	uint16_t id0 = rd16(cap.f[0].b + 4);
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *b = cap.f[i].b;
		assert_int_equal(cap.f[i].len, lens[i]);
		assert_int_equal(rd16(b + 2), lens[i]);
		assert_int_equal(ref_csum(b, 20), 0);
		assert_int_equal(rd16(b + 4), id0);
		assert_int_equal(rd16(b + 6) & 0x1fff, i * 185);
		assert_int_equal(!!(rd16(b + 6) & 0x2000), i < 2);
		assert_int_equal(rd32(b + 12), MY);
		assert_int_equal(rd32(b + 16), PEER);
	}
	uint16_t id;
	size_t n = reassemble_frames(0, 3, got, &id);
	assert_int_equal(n, 3008);
	assert_int_equal(ref_csum(got, n), 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(rd32(got + 4), 0x77770001);
	assert_memory_equal(got + 8, data, sizeof data);
}

/* ---- output and fragmentation ------------------------------------- */

static uint8_t store[9000], shadow[9000];

static struct hz_ip_tx tx_to(uint32_t dst, uint8_t proto)
{
	struct hz_ip_tx tx;
	memset(&tx, 0, sizeof tx);
	tx.dst = hz_ipaddr_v4(dst);
	tx.proto = proto;
	return tx;
}

static void test_output_simple(void **state)
{
	(void)state;
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_int_equal(hz_pbuf_append(&pb, "0123456789", 10), HZ_OK);
	struct hz_ip_tx tx = tx_to(PEER, 17);
	tx.tos = 0x20;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 1);
	const uint8_t *b = cap.f[0].b;
	assert_int_equal(cap.f[0].len, 30);
	assert_int_equal(b[0], 0x45);
	assert_int_equal(b[1], 0x20);
	assert_int_equal(rd16(b + 2), 30);
	assert_int_equal(rd16(b + 6), 0); /* no DF, no MF */
	assert_int_equal(b[8], 64);
	assert_int_equal(b[9], 17);
	assert_int_equal(ref_csum(b, 20), 0);
	assert_int_equal(rd32(b + 12), MY);
	assert_int_equal(rd32(b + 16), PEER);
	assert_memory_equal(b + 20, "0123456789", 10);
	/* The pbuf struct is the caller's, unchanged. */
	assert_int_equal(pb.head, 64);
	assert_int_equal(pb.len, 10);
	/* Consecutive datagrams get consecutive IDs; TTL and DF honoured. */
	tx.ttl = 5;
	tx.flags = HZ_IP_TX_DF;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(rd16(cap.f[1].b + 4), (uint16_t)(rd16(b + 4) + 1));
	assert_int_equal(cap.f[1].b[8], 5);
	assert_int_equal(rd16(cap.f[1].b + 6), HZ_IPV4_FLAG_DF);
	assert_int_equal(ip.tx_packets, 2);

	/* Exactly the MTU: one packet. */
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_non_null(hz_pbuf_put(&pb, 1480));
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 3);
	assert_int_equal(cap.f[2].len, 1500);
	/* One byte more with DF: too big, nothing sent. */
	assert_non_null(hz_pbuf_put(&pb, 1));
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_TOO_BIG);
	assert_int_equal(cap.n, 3);
	/* Headroom must hold our header and the link's. */
	hz_pbuf_init(&pb, store, sizeof store, 33);
	assert_non_null(hz_pbuf_put(&pb, 10));
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_NO_SPACE);
	/* Over 65535 in all. */
	static uint8_t huge[70000];
	hz_pbuf_init(&pb, huge, sizeof huge, 64);
	assert_non_null(hz_pbuf_put(&pb, 65516));
	tx.flags = 0;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_TOO_BIG);
	assert_int_equal(cap.n, 3);
	/* Argument checks. */
	struct hz_ip_tx bad = tx;
	bad.dst.family = HZ_AF_INET6;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &bad), HZ_ERR_INVALID);
	bad = tx;
	bad.src = hz_ipaddr_v4(PEER2);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &bad), HZ_ERR_INVALID);
}

static void test_fragment_output(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof store; i++)
		store[i] = (uint8_t)(i * 13 + 1);
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_non_null(hz_pbuf_put(&pb, 4000));
	memcpy(shadow, store, sizeof store);
	struct hz_pbuf before = pb;
	struct hz_ip_tx tx = tx_to(FAR, 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 3);
	static const size_t lens[3] = { 1500, 1500, 20 + 1040 };
	uint16_t id0 = rd16(cap.f[0].b + 4);
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *b = cap.f[i].b;
		assert_int_equal(cap.f[i].nh, GW);
		assert_int_equal(cap.f[i].cast, HZ_CAST_UNICAST);
		assert_int_equal(cap.f[i].len, lens[i]);
		assert_int_equal(rd16(b + 2), lens[i]);
		assert_int_equal(ref_csum(b, 20), 0);
		assert_int_equal(rd16(b + 4), id0);
		uint16_t fw = rd16(b + 6);
		assert_int_equal((fw & 0x1fff) * 8, i * 1480);
		assert_int_equal(!!(fw & HZ_IPV4_FLAG_MF), i < 2);
		assert_int_equal(fw & HZ_IPV4_FLAG_DF, 0);
		assert_int_equal(b[9], 17);
		assert_int_equal(rd32(b + 16), FAR);
		/* Each slice is the right piece of the original. */
		assert_memory_equal(b + 20, shadow + 64 + i * 1480, lens[i] - 20);
	}
	static uint8_t got[5000];
	uint16_t id;
	assert_int_equal(reassemble_frames(0, 3, got, &id), 4000);
	assert_int_equal(id, id0);
	assert_memory_equal(got, shadow + 64, 4000);
	/* The caller's pbuf and its bytes (data and tailroom) are intact,
	 * although the link wrote in front of every slice. */
	assert_memory_equal(&pb, &before, sizeof pb);
	assert_memory_equal(store + 64, shadow + 64, sizeof store - 64);
	assert_int_equal(ip.tx_fragmented, 1);
	assert_int_equal(ip.tx_packets, 3);

	/* DF: refused, nothing sent, nothing touched. */
	tx.flags = HZ_IP_TX_DF;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_TOO_BIG);
	assert_int_equal(cap.n, 3);
	assert_memory_equal(store + 64, shadow + 64, sizeof store - 64);

	/* The link failing mid-way: the error comes back, bytes restored. */
	tx.flags = 0;
	cap.rc = HZ_ERR_NO_SPACE;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_NO_SPACE);
	assert_memory_equal(store + 64, shadow + 64, sizeof store - 64);
	cap.rc = 0;

	/* A small MTU: 68 leaves 48 bytes of data per fragment. */
	struct hz_ipv4_link small = lk;
	small.mtu = 68;
	hz_ipv4_init(&ip, NULL, &small, &test_shim, slots, 4, rbuf, txbuf, sizeof txbuf);
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, MASK, GW), HZ_OK);
	cap.n = 0;
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_non_null(hz_pbuf_put(&pb, 100));
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 3);
	assert_int_equal(cap.f[0].len, 68);
	assert_int_equal(cap.f[1].len, 68);
	assert_int_equal(cap.f[2].len, 24);
	assert_int_equal(reassemble_frames(0, 3, got, &id), 100);
	assert_memory_equal(got, shadow + 64, 100);
	assert_memory_equal(store + 64, shadow + 64, sizeof store - 64);
}

static void test_fragment_csum_partial(void **state)
{
	(void)state;
	/* A UDP datagram whose checksum is left for offload: the field holds
	 * the pseudo-header sum (RFC 768 layout: ports, length, checksum). */
	size_t n = 3000;
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, 64);
	uint8_t *u = hz_pbuf_put(&pb, n);
	for (size_t i = 8; i < n; i++)
		u[i] = (uint8_t)(i * 5);
	wr16(u, 1000);
	wr16(u + 2, 2000);
	wr16(u + 4, (uint16_t)n);
	uint32_t ps = hz_ipv4_pseudo(MY, PEER, 17, n);
	wr16(u + 6, (uint16_t)~hz_csum_fold(ps));
	pb.flags = HZ_PBUF_F_CSUM_PARTIAL;
	pb.csum_start = 0;
	pb.csum_off = 6;
	memcpy(shadow, store, sizeof store);
	struct hz_ip_tx tx = tx_to(PEER, 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(cap.f[i].flags & HZ_PBUF_F_CSUM_PARTIAL, 0);
	static uint8_t got[4000];
	uint16_t id;
	assert_int_equal(reassemble_frames(0, 3, got, &id), n);
	/* Verify independently: pseudo-header + datagram sums to zero. */
	static uint8_t all[4000];
	wr32(all, MY);
	wr32(all + 4, PEER);
	all[8] = 0;
	all[9] = 17;
	wr16(all + 10, (uint16_t)n);
	memcpy(all + 12, got, n);
	assert_int_equal(ref_csum(all, 12 + n), 0);
	assert_int_not_equal(rd16(got + 6), 0);
	/* The caller's checksum field is back to the pseudo sum. */
	assert_memory_equal(store + 64, shadow + 64, sizeof store - 64);
	/* Unfragmented: left for the device, csum_start moved past our header. */
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_non_null(hz_pbuf_put(&pb, 100));
	pb.flags = HZ_PBUF_F_CSUM_PARTIAL;
	pb.csum_off = 6;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.f[3].flags, HZ_PBUF_F_CSUM_PARTIAL);
	assert_int_equal(cap.f[3].csum_start, 20);
	assert_int_equal(pb.csum_start, 0);
}

/* ---- routing ------------------------------------------------------ */

static void test_routing(void **state)
{
	(void)state;
	uint32_t nh;
	enum hz_cast c;
	assert_int_equal(hz_ipv4_route(&ip, PEER, &nh, &c), HZ_OK);
	assert_int_equal(nh, PEER);
	assert_int_equal(c, HZ_CAST_UNICAST);
	assert_int_equal(hz_ipv4_route(&ip, FAR, &nh, &c), HZ_OK);
	assert_int_equal(nh, GW);
	assert_int_equal(c, HZ_CAST_UNICAST);
	assert_int_equal(hz_ipv4_route(&ip, HZ_IPV4_BROADCAST, &nh, &c), HZ_OK);
	assert_int_equal(nh, HZ_IPV4_BROADCAST);
	assert_int_equal(c, HZ_CAST_BROADCAST);
	assert_int_equal(hz_ipv4_route(&ip, A(192, 168, 1, 255), &nh, &c), HZ_OK);
	assert_int_equal(c, HZ_CAST_BROADCAST);
	assert_int_equal(hz_ipv4_route(&ip, A(239, 1, 2, 3), &nh, &c), HZ_OK);
	assert_int_equal(nh, A(239, 1, 2, 3));
	assert_int_equal(c, HZ_CAST_MULTICAST);
	/* Another subnet's broadcast is just an off-link address. */
	assert_int_equal(hz_ipv4_route(&ip, A(10, 0, 0, 255), &nh, &c), HZ_OK);
	assert_int_equal(nh, GW);
	assert_int_equal(hz_ipv4_route(&ip, MY, &nh, &c), HZ_ERR_NO_ROUTE);
	assert_int_equal(hz_ipv4_route(&ip, A(127, 0, 0, 1), &nh, &c), HZ_ERR_NO_ROUTE);
	assert_int_equal(hz_ipv4_route(&ip, 0, &nh, &c), HZ_ERR_NO_ROUTE);
	/* Output follows the route. */
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_non_null(hz_pbuf_put(&pb, 8));
	struct hz_ip_tx tx = tx_to(A(239, 1, 2, 3), 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.f[0].nh, A(239, 1, 2, 3));
	assert_int_equal(cap.f[0].cast, HZ_CAST_MULTICAST);
	tx = tx_to(HZ_IPV4_BROADCAST, 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.f[1].cast, HZ_CAST_BROADCAST);
	assert_int_equal(rd32(cap.f[1].b + 12), MY);

	/* No gateway: off-link is unreachable. */
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, MASK, 0), HZ_OK);
	assert_int_equal(hz_ipv4_route(&ip, FAR, &nh, &c), HZ_ERR_NO_ROUTE);
	tx = tx_to(FAR, 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_NO_ROUTE);
	assert_int_equal(hz_ipv4_route(&ip, PEER, &nh, &c), HZ_OK);

	/* Unconfigured: only broadcast, from 0.0.0.0 (DHCP). */
	assert_int_equal(hz_ipv4_addr_set(&ip, 0, 0, 0), HZ_OK);
	assert_int_equal(hz_ipv4_route(&ip, PEER, &nh, &c), HZ_ERR_NO_ROUTE);
	tx = tx_to(PEER, 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_ERR_NO_ROUTE);
	tx = tx_to(HZ_IPV4_BROADCAST, 17);
	cap.n = 0;
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(rd32(cap.f[0].b + 12), 0);
	assert_int_equal(cap.f[0].cast, HZ_CAST_BROADCAST);
	tx.src = hz_ipaddr_v4(0);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
}

static void test_addr_set(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, A(255, 0, 255, 0), 0), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, 0, 0), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, A(224, 0, 0, 1), MASK, 0), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, A(127, 0, 0, 1), A(255, 0, 0, 0), 0), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, A(192, 168, 1, 0), MASK, 0), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, A(192, 168, 1, 255), MASK, 0), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, MASK, A(10, 0, 0, 1)), HZ_ERR_INVALID);
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, MASK, MY), HZ_ERR_INVALID);
	/* Failures left the old configuration. */
	assert_int_equal(ip.addr, MY);
	assert_int_equal(ip.gateway, GW);
	/* /31 (RFC 3021): both addresses are hosts, no broadcast. */
	assert_int_equal(hz_ipv4_addr_set(&ip, A(10, 0, 0, 0), 0xfffffffeu, A(10, 0, 0, 1)), HZ_OK);
	uint32_t nh;
	enum hz_cast c;
	assert_int_equal(hz_ipv4_route(&ip, A(10, 0, 0, 1), &nh, &c), HZ_OK);
	assert_int_equal(c, HZ_CAST_UNICAST);
	assert_int_equal(hz_ipv4_addr_set(&ip, A(10, 9, 9, 9), 0xffffffffu, 0), HZ_OK);
	assert_int_equal(hz_ipv4_addr_set(&ip, 0, 0, 0), HZ_OK);
	assert_int_equal(ip.addr, 0);
}

static void test_attach(void **state)
{
	(void)state;
	static const struct hz_ip_upper u2 = { NULL, up_input, NULL };
	assert_int_equal(hz_ipv4_attach(&ip, 17, &u2), HZ_ERR_IN_USE);
	assert_int_equal(hz_ipv4_attach(&ip, 6, NULL), HZ_ERR_INVALID);
	static const struct hz_ip_upper noinput = { NULL, NULL, NULL };
	assert_int_equal(hz_ipv4_attach(&ip, 6, &noinput), HZ_ERR_INVALID);
	const struct hz_ip *seam = hz_ipv4_ip(&ip);
	assert_int_equal(seam->attach(seam->ctx, 6, &u2), HZ_OK);
	assert_int_equal(hz_ipv4_attach(&ip, 1, &u2), HZ_OK);
	assert_int_equal(hz_ipv4_attach(&ip, 132, &u2), HZ_OK);
	assert_int_equal(hz_ipv4_attach(&ip, 33, &u2), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_ipv4_attach(&ip, 6, &u2), HZ_ERR_IN_USE);
}

/* ---- ICMP errors we receive --------------------------------------- */

/* An ICMP error from `reporter` quoting a UDP datagram src -> dst with
 * `extra` bytes after the 8-byte UDP header. */
static int rx_error(uint32_t reporter, uint8_t type, uint8_t code, uint32_t rest, uint32_t src,
                    uint32_t dst, uint8_t proto, size_t quote_len)
{
	uint8_t inner[600], m[700];
	uint8_t tp[100] = { 0x30, 0x39, 0x00, 0x35, 0x00, 0x64, 0xab, 0xcd };
	for (size_t i = 8; i < sizeof tp; i++)
		tp[i] = (uint8_t)i;
	/* A 120-byte datagram, of which quote_len bytes are quoted. */
	size_t n = build_ip(inner, src, dst, proto, 0x99, 0, 1, NULL, 0, tp, sizeof tp);
	size_t mlen = build_icmp(m, type, code, rest, inner, HZ_MIN(n, quote_len));
	return rx(reporter, MY, 1, m, mlen, HZ_CAST_UNICAST);
}

static void test_icmp_error_in(void **state)
{
	(void)state;
	assert_int_equal(rx_error(GW, 3, 3, 0, MY, FAR, 17, 28), HZ_OK);
	assert_int_equal(udp.errs, 1);
	assert_int_equal(udp.err.kind, HZ_IP_ERR_PORT_UNREACH);
	assert_int_equal(udp.err.type, 3);
	assert_int_equal(udp.err.code, 3);
	assert_int_equal(udp.err.proto, 17);
	assert_int_equal(udp.err.mtu, 0);
	assert_int_equal(hz_ipaddr_to_v4(&udp.err.reporter), GW);
	assert_int_equal(hz_ipaddr_to_v4(&udp.err.src), MY);
	assert_int_equal(hz_ipaddr_to_v4(&udp.err.dst), FAR);
	assert_int_equal(udp.err.quote_len, 8);
	assert_memory_equal(udp.quote, "\x30\x39\x00\x35\x00\x64\xab\xcd", 8);
	assert_true(udp.err.now == HZ_SEC(1));
	assert_int_equal(udp.calls, 0);

	static const struct {
		uint8_t type, code, kind;
	} kinds[] = {
		{ 3, 0, HZ_IP_ERR_NET_UNREACH },     { 3, 1, HZ_IP_ERR_HOST_UNREACH },
		{ 3, 2, HZ_IP_ERR_PROTO_UNREACH },   { 3, 5, HZ_IP_ERR_OTHER },
		{ 3, 6, HZ_IP_ERR_NET_UNREACH },     { 3, 7, HZ_IP_ERR_HOST_UNREACH },
		{ 3, 9, HZ_IP_ERR_ADMIN_PROHIBITED }, { 3, 13, HZ_IP_ERR_ADMIN_PROHIBITED },
		{ 11, 0, HZ_IP_ERR_TIME_EXCEEDED },  { 11, 1, HZ_IP_ERR_TIME_EXCEEDED },
		{ 12, 0, HZ_IP_ERR_PARAM_PROBLEM },
	};
	for (size_t i = 0; i < HZ_ARRAY_LEN(kinds); i++) {
		assert_int_equal(rx_error(FAR, kinds[i].type, kinds[i].code, 0, MY, FAR, 17, 28), HZ_OK);
		assert_int_equal(udp.errs, 2 + i);
		assert_int_equal(udp.err.kind, kinds[i].kind);
		assert_int_equal(udp.err.type, kinds[i].type);
		assert_int_equal(udp.err.code, kinds[i].code);
	}
	/* A longer quote is passed whole. */
	assert_int_equal(rx_error(GW, 3, 3, 0, MY, FAR, 17, 600), HZ_OK);
	assert_int_equal(udp.err.quote_len, 100);
	assert_int_equal(udp.quote[99], 99);
	/* ... but not past the quoted datagram's own total length. */
	{
		uint8_t inner[40], m[64];
		size_t n = build_ip(inner, MY, FAR, 17, 1, 0, 1, NULL, 0, "\x30\x39\x00\x35\x00\x0cxxyyyy", 12);
		memset(inner + 32, 0xee, 8); /* trailing junk in the quote */
		size_t mlen = build_icmp(m, 3, 3, 0, inner, n + 8);
		assert_int_equal(rx(GW, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_OK);
		assert_int_equal(udp.err.quote_len, 12);
	}

	/* Not about us, too short, or garbled: bad_quote. */
	assert_true(rx_error(GW, 3, 3, 0, PEER, FAR, 17, 28) < 0);
	assert_true(rx_error(GW, 3, 3, 0, MY, FAR, 17, 27) < 0);
	assert_true(rx_error(GW, 3, 3, 0, MY, FAR, 17, 12) < 0);
	uint8_t m[64];
	size_t mlen = build_icmp(m, 3, 3, 0, "\x60xxxxxxxxxxxxxxxxxxxxxxxxxxx", 28);
	assert_true(rx(GW, MY, 1, m, mlen, HZ_CAST_UNICAST) < 0);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_BAD_QUOTE], 4);
	/* For a protocol nobody attached. */
	assert_true(rx_error(GW, 3, 3, 0, MY, FAR, 6, 28) < 0);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_UNMATCHED], 1);
	/* Redirects and source quench: ignored by a host. */
	mlen = build_icmp(m, 5, 1, GW, "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", 28);
	assert_true(rx(GW, MY, 1, m, mlen, HZ_CAST_UNICAST) < 0);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_ICMP_IGNORED], 1);
	assert_int_equal(udp.errs, 1 + HZ_ARRAY_LEN(kinds) + 2);
	/* And we answer no ICMP with ICMP. */
	assert_int_equal(cap.n, 0);

	/* With an ICMP upper (a ping tool), replies reach it. */
	assert_int_equal(hz_ipv4_attach(&ip, 1, &icmp_up), HZ_OK);
	mlen = build_icmp(m, 0, 0, 0x00010002, "pong", 4);
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(icmpu.calls, 1);
	assert_int_equal(icmpu.len, 12);
	assert_memory_equal(icmpu.payload, m, 12);
	/* But requests are still answered by the engine alone. */
	mlen = build_icmp(m, 8, 0, 0x00010002, "ping", 4);
	assert_int_equal(rx(PEER, MY, 1, m, mlen, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(icmpu.calls, 1);
	assert_int_equal(cap.n, 1);
}

static void test_pmtu(void **state)
{
	(void)state;
	const struct hz_ip *seam = hz_ipv4_ip(&ip);
	struct hz_ipaddr far = hz_ipaddr_v4(FAR);
	assert_int_equal(seam->mtu(seam->ctx, &far), 1480);
	assert_int_equal(rx_error(GW, 3, 4, 1000, MY, FAR, 17, 28), HZ_OK);
	assert_int_equal(udp.err.kind, HZ_IP_ERR_FRAG_NEEDED);
	assert_int_equal(udp.err.mtu, 1000);
	assert_int_equal(hz_ipv4_path_mtu(&ip, FAR), 1000);
	assert_int_equal(seam->mtu(seam->ctx, &far), 980);
	assert_int_equal(hz_ipv4_path_mtu(&ip, PEER), 1500);
	/* Output to FAR now fragments at 1000: (1000 - 20) & ~7 = 976. */
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, 64);
	assert_non_null(hz_pbuf_put(&pb, 1400));
	struct hz_ip_tx tx = tx_to(FAR, 17);
	assert_int_equal(hz_ipv4_output(&ip, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.f[0].len, 996);
	assert_int_equal(cap.f[1].len, 20 + 424);
	/* A larger report never raises it; one below 68 is ignored. */
	assert_int_equal(rx_error(GW, 3, 4, 1400, MY, FAR, 17, 28), HZ_OK);
	assert_int_equal(udp.err.mtu, 1000);
	assert_int_equal(rx_error(GW, 3, 4, 40, MY, FAR, 17, 28), HZ_OK);
	assert_int_equal(hz_ipv4_path_mtu(&ip, FAR), 1000);
	/* An old router reporting 0: the plateau below the datagram's length
	 * (120, as quoted) is 68 (RFC 1191 section 7). */
	assert_int_equal(rx_error(GW, 3, 4, 0, MY, A(9, 9, 9, 9), 17, 28), HZ_OK);
	assert_int_equal(udp.err.mtu, 68);
	/* Entries expire after pmtu_timeout (10 minutes). */
	hz_ipv4_poll(&ip, HZ_SEC(1) + HZ_SEC(600));
	assert_int_equal(hz_ipv4_path_mtu(&ip, FAR), 1500);
	/* A full cache replaces the oldest entry. */
	for (uint32_t i = 0; i < HZ_IPV4_PMTU_ENTRIES + 1; i++)
		assert_int_equal(rx_error(GW, 3, 4, (uint16_t)(600 + i), MY, A(20, 0, 0, i), 17, 28), HZ_OK);
	assert_int_equal(hz_ipv4_path_mtu(&ip, A(20, 0, 0, HZ_IPV4_PMTU_ENTRIES)),
	                 600 + HZ_IPV4_PMTU_ENTRIES);
}

/* ---- reassembly through the engine -------------------------------- */

static void test_reasm_deliver(void **state)
{
	(void)state;
	static uint8_t d[2000];
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i * 11);
	assert_int_equal(rx_opt(PEER, MY, 17, 125, NULL, 0, d + 1000, 1000, HZ_CAST_UNICAST, 1), HZ_OK);
	assert_int_equal(udp.calls, 0);
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 1000, HZ_CAST_UNICAST, 1),
	                 HZ_OK);
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.len, 2000);
	assert_memory_equal(udp.payload, d, 2000);
	uint8_t ph[12];
	wr32(ph, PEER);
	wr32(ph + 4, MY);
	ph[8] = 0;
	ph[9] = 17;
	wr16(ph + 10, 2000);
	assert_int_equal(hz_csum_fold(udp.rx.pseudo), ref_csum(ph, 12));
	/* Refused after reassembly: port unreachable quotes the rebuilt
	 * header (no fragment bits, whole length) and the data. */
	udp.rc = HZ_ERR_REFUSED;
	assert_int_equal(rx_opt(PEER, MY, 17, 125, NULL, 0, d + 1000, 1000, HZ_CAST_UNICAST, 2), HZ_OK);
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 1000, HZ_CAST_UNICAST, 2),
	                 HZ_ERR_REFUSED);
	assert_int_equal(cap.n, 1);
	const uint8_t *m = icmp_frame(&cap.f[0], MY, PEER, 3, 3);
	const uint8_t *q = m + 8;
	assert_int_equal(ref_csum(q, 20), 0);
	assert_int_equal(rd16(q + 2), 2020);
	assert_int_equal(rd16(q + 6), 0);
	assert_int_equal(rd32(q + 12), PEER);
	assert_memory_equal(q + 20, d, 576 - 48);
	/* Reassembly drops reach the engine's counters. */
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 12, HZ_CAST_UNICAST, 3),
	                 HZ_ERR_MALFORMED);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_BAD_FRAGMENT], 1);
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 16, HZ_CAST_UNICAST, 3),
	                 HZ_OK);
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF | 1, NULL, 0, d, 16, HZ_CAST_UNICAST, 3),
	                 HZ_ERR_MALFORMED);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_OVERLAP], 1);
	assert_int_equal(rx_opt(PEER, MY, 17, 2, NULL, 0, d, 16, HZ_CAST_UNICAST, 3), HZ_ERR_MALFORMED);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_POISONED], 1);
	/* Bigger than reasm_max_size (16384 by default). */
	assert_int_equal(rx_opt(PEER2, MY, 17, 2048, NULL, 0, d, 16, HZ_CAST_UNICAST, 3),
	                 HZ_ERR_TOO_BIG);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_TOO_BIG], 1);
}

/* Link metadata (hz_ipv4_input_meta): HZ_IP_RX_CSUM_VALID reaches the
 * transport beside the cast flags, only for a datagram in one frame; the
 * header checksum is still checked; other bits are not the link's to set;
 * and a datagram larger than the MTU (a receive-offload segment) is
 * delivered whole. */
static void test_rx_csum_valid(void **state)
{
	(void)state;
	static const uint8_t d[8] = "abcdefgh";
	size_t n = build_ip(pkt, PEER, MY, 17, 1, 0, 64, NULL, 0, d, 8);
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, HZ_IP_RX_CSUM_VALID, 1),
	                 HZ_OK);
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.rx.flags, HZ_IP_RX_CSUM_VALID);
	/* Without metadata: no flag. */
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, 0, 1), HZ_OK);
	assert_int_equal(udp.rx.flags, 0);
	/* Cast flags come from the addresses, never from the link. */
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST,
	                                    HZ_IP_RX_BCAST | HZ_IP_RX_MCAST | 0x80u, 1),
	                 HZ_OK);
	assert_int_equal(udp.rx.flags, 0);
	/* Beside a cast flag. */
	n = build_ip(pkt, PEER, HZ_IPV4_BROADCAST, 17, 2, 0, 64, NULL, 0, d, 8);
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_BROADCAST, HZ_IP_RX_CSUM_VALID, 1),
	                 HZ_OK);
	assert_int_equal(udp.rx.flags, HZ_IP_RX_BCAST | HZ_IP_RX_CSUM_VALID);
	assert_int_equal(udp.calls, 4);
	assert_int_equal(total_drops(), 0);

	/* The flag is not "broadcast": a refused unicast datagram still gets
	 * its port unreachable. */
	udp.rc = HZ_ERR_REFUSED;
	n = build_ip(pkt, PEER, MY, 17, 3, 0, 64, NULL, 0, d, 8);
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, HZ_IP_RX_CSUM_VALID, 1),
	                 HZ_ERR_REFUSED);
	assert_int_equal(cap.n, 1);
	(void)icmp_frame(&cap.f[0], MY, PEER, 3, 3);
	udp.rc = HZ_OK;

	/* ipv4's own header checksum is verified whatever the link says. */
	pkt[10] ^= 0x01;
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, HZ_IP_RX_CSUM_VALID, 1),
	                 HZ_ERR_CHECKSUM);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_BAD_CHECKSUM], 1);
	assert_int_equal(udp.calls, 5);

	/* A reassembled datagram never carries it, even if every fragment did. */
	static uint8_t f[2000];
	for (size_t i = 0; i < sizeof f; i++)
		f[i] = (uint8_t)(i * 7);
	n = build_ip(pkt, PEER, MY, 17, 9, 125, 64, NULL, 0, f + 1000, 1000);
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, HZ_IP_RX_CSUM_VALID, 1),
	                 HZ_OK);
	n = build_ip(pkt, PEER, MY, 17, 9, HZ_IPV4_FLAG_MF, 64, NULL, 0, f, 1000);
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, HZ_IP_RX_CSUM_VALID, 1),
	                 HZ_OK);
	assert_int_equal(udp.calls, 6);
	assert_int_equal(udp.len, 2000);
	assert_int_equal(udp.rx.flags, 0);

	/* A 64 KiB packet (total length 65535) from a receive offload, far
	 * above the 1500-byte MTU: delivered whole, in one call. */
	static uint8_t big[65535 - 20];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + 1);
	n = build_ip(pkt, PEER, MY, 17, 10, HZ_IPV4_FLAG_DF, 64, NULL, 0, big, sizeof big);
	assert_int_equal(n, 65535);
	assert_int_equal(hz_ipv4_input_meta(&ip, pkt, n, HZ_CAST_UNICAST, HZ_IP_RX_CSUM_VALID, 2),
	                 HZ_OK);
	assert_int_equal(udp.calls, 7);
	assert_int_equal(udp.len, sizeof big);
	assert_memory_equal(udp.payload, big, sizeof big);
	assert_int_equal(udp.rx.flags, HZ_IP_RX_CSUM_VALID);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_BAD_CHECKSUM], 1);
	assert_int_equal(total_drops(), 1);
}

static void test_reasm_timeout_icmp(void **state)
{
	(void)state;
	uint8_t d[64];
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(0x80 | i);
	/* PEER sent its first fragment; PEER2 only a later one. */
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 32, HZ_CAST_UNICAST,
	                        HZ_SEC(10)), HZ_OK);
	uint8_t first[20];
	memcpy(first, pkt, 20);
	assert_int_equal(rx_opt(PEER2, MY, 17, 4, NULL, 0, d, 8, HZ_CAST_UNICAST, HZ_SEC(11)), HZ_OK);
	assert_true(hz_ipv4_poll(&ip, HZ_SEC(12)) == HZ_SEC(40));
	assert_int_equal(cap.n, 0);
	assert_true(hz_ipv4_poll(&ip, HZ_SEC(40)) == HZ_SEC(41));
	assert_int_equal(cap.n, 1);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_TIMEOUT], 1);
	/* Time exceeded, fragment reassembly time exceeded, quoting the first
	 * fragment's header and its data. */
	const uint8_t *m = icmp_frame(&cap.f[0], MY, PEER, 11, 1);
	assert_int_equal(cap.f[0].len, 20 + 8 + 20 + 32);
	assert_memory_equal(m + 8, first, 20);
	assert_memory_equal(m + 28, d, 32);
	/* PEER2's datagram expires without an ICMP message. */
	assert_true(hz_ipv4_poll(&ip, HZ_SEC(41)) == HZ_TIME_NEVER);
	assert_int_equal(cap.n, 1);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_TIMEOUT], 2);
	/* Input also runs due timers. */
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 32, HZ_CAST_UNICAST,
	                        HZ_SEC(50)), HZ_OK);
	assert_int_equal(rx(PEER, MY, 17, "abcdefgh", 8, HZ_CAST_UNICAST), HZ_OK);
	assert_int_equal(rx_opt(PEER, MY, 17, 0, NULL, 0, "abcdefgh", 8, HZ_CAST_UNICAST, HZ_SEC(80)),
	                 HZ_OK);
	assert_int_equal(cap.n, 2);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_TIMEOUT], 3);
	/* Reassembly disabled: fragments have no slot. */
	hz_ipv4_init(&ip, NULL, &lk, &test_shim, NULL, 0, NULL, txbuf, sizeof txbuf);
	assert_int_equal(hz_ipv4_addr_set(&ip, MY, MASK, GW), HZ_OK);
	assert_int_equal(rx_opt(PEER, MY, 17, HZ_IPV4_FLAG_MF, NULL, 0, d, 32, HZ_CAST_UNICAST, 1),
	                 HZ_ERR_NO_SPACE);
	assert_int_equal(ip.drops[HZ_IPV4_DROP_FRAG_NO_SLOT], 1);
	assert_true(hz_ipv4_poll(&ip, 5) == HZ_TIME_NEVER);
}

/* ---- the hz_ip seam ----------------------------------------------- */

static void test_seam(void **state)
{
	(void)state;
	const struct hz_ip *s = hz_ipv4_ip(&ip);
	assert_ptr_equal(s->ctx, &ip);
	assert_int_equal(s->family, HZ_AF_INET);
	assert_int_equal(s->headroom, 20 + LH);
	struct hz_ipaddr peer = hz_ipaddr_v4(PEER), my = hz_ipaddr_v4(MY), src;
	assert_int_equal(s->source(s->ctx, &peer, &src), HZ_OK);
	assert_true(hz_ipaddr_eq(&src, &my));
	struct hz_ipaddr lo = hz_ipaddr_v4(A(127, 0, 0, 1));
	assert_int_equal(s->source(s->ctx, &lo, &src), HZ_ERR_NO_ROUTE);
	assert_true(s->is_local(s->ctx, &my));
	assert_false(s->is_local(s->ctx, &peer));
	assert_int_equal(s->mtu(s->ctx, &peer), 1480);
	assert_int_equal(hz_csum_fold(s->pseudo(s->ctx, &my, &peer, 6, 40)),
	                 hz_csum_fold(hz_ipv4_pseudo(MY, PEER, 6, 40)));
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, s->headroom);
	assert_int_equal(hz_pbuf_append(&pb, "seam", 4), HZ_OK);
	struct hz_ip_tx tx = tx_to(PEER, 17);
	assert_int_equal(s->output(s->ctx, &pb, &tx), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_memory_equal(cap.f[0].b + 20, "seam", 4);
	/* Defaults. */
	struct hz_ipv4_config cfg;
	hz_ipv4_config_default(&cfg);
	assert_int_equal(cfg.ttl, 64);
	assert_int_equal(cfg.mtu, 1500);
	assert_true(cfg.reasm_timeout == HZ_SEC(30));
	assert_int_equal(cfg.icmp_rate, 100);
	assert_int_equal(cfg.icmp_burst, 10);
	assert_true(cfg.echo_reply);
	assert_false(cfg.echo_broadcast);
	/* The link's smaller MTU wins over the configured cap. */
	struct hz_ipv4_link l2 = lk;
	l2.mtu = 1280;
	hz_ipv4_init(&ip, &cfg, &l2, &test_shim, slots, 4, rbuf, txbuf, sizeof txbuf);
	assert_int_equal(hz_ipv4_path_mtu(&ip, PEER), 1280);
	/* The ID counter starts from the shim's randomness (0x5a5a). */
	assert_int_equal(ip.next_id, 0x5a5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_deliver_unicast, setup),
		cmocka_unit_test_setup(test_deliver_bcast_mcast, setup),
		cmocka_unit_test_setup(test_input_drops, setup),
		cmocka_unit_test_setup(test_proto_unreach, setup),
		cmocka_unit_test_setup(test_port_unreach, setup),
		cmocka_unit_test_setup(test_unreach_suppression, setup),
		cmocka_unit_test_setup(test_rate_limit, setup),
		cmocka_unit_test_setup(test_echo_reply, setup),
		cmocka_unit_test_setup(test_echo_fragmented, setup),
		cmocka_unit_test_setup(test_output_simple, setup),
		cmocka_unit_test_setup(test_fragment_output, setup),
		cmocka_unit_test_setup(test_fragment_csum_partial, setup),
		cmocka_unit_test_setup(test_routing, setup),
		cmocka_unit_test_setup(test_addr_set, setup),
		cmocka_unit_test_setup(test_attach, setup),
		cmocka_unit_test_setup(test_icmp_error_in, setup),
		cmocka_unit_test_setup(test_pmtu, setup),
		cmocka_unit_test_setup(test_reasm_deliver, setup),
		cmocka_unit_test_setup(test_reasm_timeout_icmp, setup),
		cmocka_unit_test_setup(test_seam, setup),
		cmocka_unit_test_setup(test_rx_csum_valid, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
