/* udp unit tests: wire, checksum rules, bind table, demux, delivery,
 * rings, ICMP errors and sending, over fake IPv4 and IPv6 layers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/udp.h"

/* ------------------------------------------------------------------ */
/* Independent references                                              */
/* ------------------------------------------------------------------ */

/* RFC 1071 as a plain byte loop, kept apart from core's word-at-a-time
 * code so that the tests check one against the other. */
static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The pseudo-header as bytes: RFC 768 for IPv4, RFC 8200 8.1 for IPv6. */
static size_t pseudo_bytes(uint8_t *out, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                           uint8_t proto, size_t len)
{
	if (src->family == HZ_AF_INET) {
		memcpy(out, src->b, 4);
		memcpy(out + 4, dst->b, 4);
		out[8] = 0;
		out[9] = proto;
		out[10] = (uint8_t)(len >> 8);
		out[11] = (uint8_t)len;
		return 12;
	}
	memcpy(out, src->b, 16);
	memcpy(out + 16, dst->b, 16);
	out[32] = (uint8_t)(len >> 24);
	out[33] = (uint8_t)(len >> 16);
	out[34] = (uint8_t)(len >> 8);
	out[35] = (uint8_t)len;
	out[36] = out[37] = out[38] = 0;
	out[39] = proto;
	return 40;
}

/* ------------------------------------------------------------------ */
/* A fake network layer                                                */
/* ------------------------------------------------------------------ */

struct fake_ip {
	struct hz_ip ip;
	struct hz_ipaddr local;
	const struct hz_ip_upper *upper;
	uint8_t attached_proto;
	int attach_calls;
	int out_rc;
	int nout;
	uint8_t last[70000];
	size_t last_len;
	size_t last_headroom;
	struct hz_ip_tx last_tx;
	bool loopback; /* hand each output straight back to upper->input */
	int loop_rc;
	struct hz_udp *loop_udp;
};

static int fake_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	struct fake_ip *f = ctx;
	f->attach_calls++;
	if (f->upper)
		return HZ_ERR_IN_USE;
	f->upper = up;
	f->attached_proto = proto;
	return HZ_OK;
}

static uint32_t fake_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                            uint8_t proto, size_t len)
{
	(void)ctx;
	uint8_t b[40];
	size_t n = pseudo_bytes(b, src, dst, proto, len);
	return hz_csum_add(0, b, n);
}

static struct hz_ip_rx make_rx(struct fake_ip *f, const struct hz_ipaddr *src,
                               const struct hz_ipaddr *dst, size_t len);

static int fake_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	struct fake_ip *f = ctx;
	f->nout++;
	memcpy(f->last, hz_pbuf_data(pb), pb->len);
	f->last_len = pb->len;
	f->last_headroom = hz_pbuf_headroom(pb);
	f->last_tx = *tx;
	if (f->out_rc)
		return f->out_rc;
	if (f->loopback) {
		struct hz_ip_rx rx = make_rx(f, &tx->src, &tx->dst, pb->len);
		f->loop_rc = f->upper->input(f->upper->ctx, &rx, hz_pbuf_data(pb), pb->len);
	}
	return HZ_OK;
}

static size_t fake_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	(void)ctx;
	(void)dst;
	return 1480;
}

static int fake_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	struct fake_ip *f = ctx;
	if (dst->family != f->ip.family)
		return HZ_ERR_NO_ROUTE;
	*src = f->local;
	return HZ_OK;
}

static bool fake_is_local(void *ctx, const struct hz_ipaddr *addr)
{
	struct fake_ip *f = ctx;
	return hz_ipaddr_eq(addr, &f->local);
}

static struct hz_ipaddr v6(const char *text)
{
	struct hz_ipaddr a;
	assert_int_equal(hz_ipaddr_parse(&a, text), HZ_OK);
	return a;
}

static void fake_init(struct fake_ip *f, uint8_t family)
{
	memset(f, 0, sizeof *f);
	f->ip.ctx = f;
	f->ip.family = family;
	f->ip.headroom = family == HZ_AF_INET ? 14 + 20 : 14 + 40;
	f->ip.attach = fake_attach;
	f->ip.output = fake_output;
	f->ip.pseudo = fake_pseudo;
	f->ip.mtu = fake_mtu;
	f->ip.source = fake_source;
	f->ip.is_local = fake_is_local;
	f->local = family == HZ_AF_INET ? hz_ipaddr_v4(0x0a000002) : v6("2001:db8::2");
}

static struct hz_ip_rx make_rx(struct fake_ip *f, const struct hz_ipaddr *src,
                               const struct hz_ipaddr *dst, size_t len)
{
	struct hz_ip_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.src = *src;
	rx.dst = *dst;
	rx.proto = HZ_UDP_PROTO;
	rx.ttl = 64;
	rx.pseudo = fake_pseudo(f, src, dst, HZ_UDP_PROTO, len);
	rx.ip = &f->ip;
	rx.now = 1234;
	return rx;
}

/* Build a datagram with a correct checksum (by the reference code). */
static size_t build(uint8_t *out, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                    uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	size_t len = 8 + n;
	out[0] = (uint8_t)(sport >> 8);
	out[1] = (uint8_t)sport;
	out[2] = (uint8_t)(dport >> 8);
	out[3] = (uint8_t)dport;
	out[4] = (uint8_t)(len >> 8);
	out[5] = (uint8_t)len;
	out[6] = out[7] = 0;
	memcpy(out + 8, data, n);
	uint8_t ph[40];
	size_t pn = pseudo_bytes(ph, src, dst, HZ_UDP_PROTO, len);
	uint16_t c = ref_fold(ref_sum(ref_sum(0, ph, pn), out, len));
	if (c == 0)
		c = 0xffff;
	out[6] = (uint8_t)(c >> 8);
	out[7] = (uint8_t)c;
	return len;
}

/* A test world: one udp engine over a v4 and a v6 fake. */
struct world {
	struct fake_ip f4, f6;
	struct hz_udp u;
	struct hz_udp_sock socks[8];
	uint8_t txbuf[2048];
	struct hz_shim shim;
	uint32_t rnd;
	struct hz_ipaddr peer4, peer6, me4, me6;
};

static void world_random(void *ctx, void *out, size_t len)
{
	struct world *w = ctx;
	uint8_t b[4];
	hz_be32_store(b, w->rnd);
	for (size_t i = 0; i < len; i++)
		((uint8_t *)out)[i] = b[i % 4];
}

static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof *w);
	assert_non_null(w);
	fake_init(&w->f4, HZ_AF_INET);
	fake_init(&w->f6, HZ_AF_INET6);
	w->shim.ctx = w;
	w->shim.random = world_random;
	w->rnd = 1000;
	hz_udp_init(&w->u, &w->shim, w->socks, HZ_ARRAY_LEN(w->socks), w->txbuf, sizeof w->txbuf);
	assert_int_equal(hz_udp_attach(&w->u, &w->f4.ip), HZ_OK);
	assert_int_equal(hz_udp_attach(&w->u, &w->f6.ip), HZ_OK);
	w->peer4 = hz_ipaddr_v4(0x0a000001);
	w->peer6 = v6("2001:db8::1");
	w->me4 = w->f4.local;
	w->me6 = w->f6.local;
	return w;
}

static int world_setup(void **state)
{
	*state = world_new();
	return 0;
}

static int world_teardown(void **state)
{
	free(*state);
	return 0;
}

/* Feed a well-formed datagram from src:sport to dst:dport. */
static int feed(struct world *w, const struct hz_ipaddr *src, uint16_t sport,
                const struct hz_ipaddr *dst, uint16_t dport, const void *data, size_t n, uint8_t flags)
{
	static uint8_t pkt[70000];
	size_t len = build(pkt, src, dst, sport, dport, data, n);
	struct fake_ip *f = src->family == HZ_AF_INET ? &w->f4 : &w->f6;
	struct hz_ip_rx rx = make_rx(f, src, dst, len);
	rx.flags = flags;
	return f->upper->input(f->upper->ctx, &rx, pkt, len);
}

static struct hz_udp_endpoint ep(const struct hz_ipaddr *a, uint16_t port)
{
	struct hz_udp_endpoint e;
	memset(&e, 0, sizeof e);
	if (a)
		e.addr = *a;
	e.port = port;
	return e;
}

static struct hz_udp_sock *bound(struct world *w, const struct hz_ipaddr *a, uint16_t port)
{
	struct hz_udp_sock *s = hz_udp_sock_open(&w->u);
	assert_non_null(s);
	struct hz_udp_endpoint e = ep(a, port);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_OK);
	return s;
}

/* Receive callback that records what it saw. */
struct seen {
	int calls;
	struct hz_udp_sock *sock;
	struct hz_udp_dgram d;
	uint8_t data[2048];
};

static void on_recv(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	struct seen *sn = ctx;
	sn->calls++;
	sn->sock = s;
	sn->d = *d;
	memcpy(sn->data, d->data, HZ_MIN(d->len, sizeof sn->data));
}

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

static void test_hdr_roundtrip(void **state)
{
	(void)state;
	struct hz_udp_hdr h = { .sport = 40000, .dport = 7, .len = 12, .csum = 0xabcd }, g;
	uint8_t b[12] = { 0 };
	assert_int_equal(hz_udp_hdr_emit(b, sizeof b, &h), HZ_UDP_HDR_LEN);
	assert_memory_equal(b, "\x9c\x40\x00\x07\x00\x0c\xab\xcd", 8);
	assert_int_equal(hz_udp_hdr_parse(&g, b, sizeof b), HZ_OK);
	assert_int_equal(g.sport, 40000);
	assert_int_equal(g.dport, 7);
	assert_int_equal(g.len, 12);
	assert_int_equal(g.csum, 0xabcd);
	assert_int_equal(hz_udp_hdr_emit(b, 7, &h), HZ_ERR_NO_SPACE);
}

static void test_hdr_parse_errors(void **state)
{
	(void)state;
	struct hz_udp_hdr g;
	uint8_t b[16] = { 0, 1, 0, 2, 0, 8, 0, 0 };
	assert_int_equal(hz_udp_hdr_parse(&g, b, 7), HZ_ERR_NEED_MORE);
	assert_int_equal(hz_udp_hdr_parse(&g, b, 0), HZ_ERR_NEED_MORE);
	assert_int_equal(hz_udp_hdr_parse(&g, b, 8), HZ_OK); /* empty payload */
	b[5] = 7; /* length below the header */
	assert_int_equal(hz_udp_hdr_parse(&g, b, 16), HZ_ERR_MALFORMED);
	b[5] = 0;
	assert_int_equal(hz_udp_hdr_parse(&g, b, 16), HZ_ERR_MALFORMED);
	b[5] = 17; /* longer than what arrived */
	assert_int_equal(hz_udp_hdr_parse(&g, b, 16), HZ_ERR_MALFORMED);
	b[5] = 12; /* shorter: the trailing 4 bytes are padding */
	assert_int_equal(hz_udp_hdr_parse(&g, b, 16), HZ_OK);
	assert_int_equal(g.len, 12);
}

/* 10.0.0.1:40000 -> 10.0.0.2:7 "haze" and the same over 2001:db8::1 ->
 * 2001:db8::2; the expected values were computed outside haze from the
 * RFC 768 / RFC 8200 pseudo-header bytes. */
static void test_csum_known(void **state)
{
	(void)state;
	uint8_t d[12] = { 0x9c, 0x40, 0x00, 0x07, 0x00, 0x0c, 0x55, 0x55, 'h', 'a', 'z', 'e' };
	struct hz_ipaddr s4 = hz_ipaddr_v4(0x0a000001), d4 = hz_ipaddr_v4(0x0a000002);
	struct hz_ipaddr s6 = v6("2001:db8::1"), d6 = v6("2001:db8::2");
	uint8_t ph[40];
	size_t n = pseudo_bytes(ph, &s4, &d4, 17, sizeof d);
	uint16_t c = hz_udp_csum_compute(hz_csum_add(0, ph, n), d, sizeof d);
	assert_int_equal(c, 0x6cc5);
	/* The independent byte loop agrees. */
	uint8_t z[12];
	memcpy(z, d, 12);
	z[6] = z[7] = 0;
	assert_int_equal(ref_fold(ref_sum(ref_sum(0, ph, n), z, 12)), 0x6cc5);
	hz_be16_store(d + 6, c);
	assert_true(hz_udp_csum_verify(hz_csum_add(0, ph, n), d, sizeof d));
	d[9] ^= 1;
	assert_false(hz_udp_csum_verify(hz_csum_add(0, ph, n), d, sizeof d));
	d[9] ^= 1;

	n = pseudo_bytes(ph, &s6, &d6, 17, sizeof d);
	c = hz_udp_csum_compute(hz_csum_add(0, ph, n), d, sizeof d);
	assert_int_equal(c, 0x2553);
	/* The fake ip's pseudo() is the same sum. */
	assert_int_equal(fake_pseudo(NULL, &s6, &d6, 17, sizeof d), hz_csum_add(0, ph, n));
}

/* Choose the last two payload bytes so the checksum computes to zero: it
 * must go on the wire as 0xFFFF and still verify (RFC 768). */
static void test_csum_zero_becomes_ffff(void **state)
{
	(void)state;
	struct hz_ipaddr s4 = hz_ipaddr_v4(0x0a000001), d4 = hz_ipaddr_v4(0x0a000002);
	uint8_t d[12] = { 0x12, 0x34, 0x00, 0x35, 0x00, 0x0c, 0, 0, 'a', 'b', 0, 0 };
	uint8_t ph[40];
	size_t n = pseudo_bytes(ph, &s4, &d4, 17, sizeof d);
	uint32_t s = ref_sum(ref_sum(0, ph, n), d, sizeof d);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	hz_be16_store(d + 10, (uint16_t)~s);
	assert_int_equal(ref_fold(ref_sum(ref_sum(0, ph, n), d, sizeof d)), 0);
	uint16_t c = hz_udp_csum_compute(hz_csum_add(0, ph, n), d, sizeof d);
	assert_int_equal(c, 0xffff);
	hz_be16_store(d + 6, c);
	assert_true(hz_udp_csum_verify(hz_csum_add(0, ph, n), d, sizeof d));
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_TRUNCATED), "truncated");
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_BAD_LENGTH), "bad_length");
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_BAD_CHECKSUM), "bad_checksum");
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_ZERO_CHECKSUM_V6), "zero_checksum_v6");
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_NO_SOCKET), "no_socket");
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_RING_FULL), "ring_full");
	assert_string_equal(hz_udp_drop_name(HZ_UDP_DROP_COUNT), "?");
	for (unsigned i = 0; i < HZ_UDP_DROP_COUNT; i++) {
		const char *n = hz_udp_drop_name(i);
		assert_non_null(n);
		for (const char *c = n; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (unsigned j = i + 1; j < HZ_UDP_DROP_COUNT; j++)
			assert_string_not_equal(n, hz_udp_drop_name(j));
	}
}

/* ------------------------------------------------------------------ */
/* Attach                                                              */
/* ------------------------------------------------------------------ */

static void test_attach(void **state)
{
	struct world *w = *state;
	assert_int_equal(w->f4.attached_proto, 17);
	assert_ptr_equal(w->f4.upper, hz_udp_upper(&w->u));
	assert_ptr_equal(w->f6.upper, hz_udp_upper(&w->u));
	struct fake_ip other;
	fake_init(&other, HZ_AF_INET);
	assert_int_equal(hz_udp_attach(&w->u, &other.ip), HZ_ERR_IN_USE);
	assert_int_equal(other.attach_calls, 0);
	fake_init(&other, HZ_AF_NONE);
	assert_int_equal(hz_udp_attach(&w->u, &other.ip), HZ_ERR_INVALID);
	/* An ip layer's own refusal is passed on and nothing is attached. */
	struct hz_udp u2;
	struct fake_ip f;
	fake_init(&f, HZ_AF_INET);
	f.upper = hz_udp_upper(&w->u);
	hz_udp_init(&u2, NULL, NULL, 0, NULL, 0);
	assert_int_equal(hz_udp_attach(&u2, &f.ip), HZ_ERR_IN_USE);
	assert_null(u2.ip4);
}

/* ------------------------------------------------------------------ */
/* Receive checks                                                      */
/* ------------------------------------------------------------------ */

static void test_rx_length_drops(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	uint8_t pkt[64];
	size_t len = build(pkt, &w->peer4, &w->me4, 1000, 7, "hello", 5);
	struct hz_ip_rx rx = make_rx(&w->f4, &w->peer4, &w->me4, len);

	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, 7), HZ_ERR_MALFORMED);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_TRUNCATED], 1);
	/* The length field claims more than arrived. */
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len - 1), HZ_ERR_MALFORMED);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_TRUNCATED], 2);
	/* The length field below the header's own size. */
	pkt[5] = 6;
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_MALFORMED);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_LENGTH], 1);
	pkt[5] = (uint8_t)len;
	assert_int_equal(sn.calls, 0);
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_OK);
	assert_int_equal(sn.calls, 1);
}

static void test_rx_bad_checksum(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	uint8_t pkt[64];
	size_t len = build(pkt, &w->peer4, &w->me4, 1000, 7, "hello", 5);
	struct hz_ip_rx rx = make_rx(&w->f4, &w->peer4, &w->me4, len);
	pkt[9] ^= 0x40;
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_CHECKSUM], 1);
	pkt[9] ^= 0x40;
	/* A pseudo-header for another source (spoofed or misdelivered). */
	struct hz_ipaddr other = hz_ipaddr_v4(0x0a000003);
	rx.pseudo = fake_pseudo(NULL, &other, &w->me4, 17, len);
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_CHECKSUM], 2);
	/* Same over IPv6. */
	len = build(pkt, &w->peer6, &w->me6, 1000, 7, "hello", 5);
	rx = make_rx(&w->f6, &w->peer6, &w->me6, len);
	pkt[len - 1] ^= 1;
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_CHECKSUM], 3);
	assert_int_equal(sn.calls, 0);
}

/* HZ_IP_RX_CSUM_VALID (the link verified or vouches for the checksum,
 * e.g. a tap receive offload): a datagram whose checksum field is wrong,
 * or holds only the pseudo-header sum as a CHECKSUM_PARTIAL frame from
 * the local kernel does, is accepted only with the flag. Length checks
 * and the IPv6 zero-checksum rule still apply. */
static void test_rx_csum_valid(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	const struct hz_ipaddr *srcs[2] = { &w->peer4, &w->peer6 };
	const struct hz_ipaddr *dsts[2] = { &w->me4, &w->me6 };
	struct fake_ip *fs[2] = { &w->f4, &w->f6 };
	int calls = 0;
	uint64_t bad = 0;
	for (int i = 0; i < 2; i++) {
		uint8_t pkt[64];
		size_t len = build(pkt, srcs[i], dsts[i], 1000, 7, "hello", 5);
		struct hz_ip_rx rx = make_rx(fs[i], srcs[i], dsts[i], len);
		/* A corrupted payload byte. */
		pkt[9] ^= 0x40;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
		assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_CHECKSUM], ++bad);
		assert_int_equal(sn.calls, calls);
		rx.flags = HZ_IP_RX_CSUM_VALID;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_OK);
		assert_int_equal(sn.calls, ++calls);
		assert_int_equal(sn.d.len, 5);
		assert_memory_equal(sn.data, "h%llo", 5); /* e ^ 0x40 */
		/* The checksum field holding only the pseudo-header sum (what
		 * VIRTIO_NET_HDR_F_NEEDS_CSUM hands over). */
		pkt[9] ^= 0x40;
		hz_be16_store(pkt + 6, hz_csum_fold(rx.pseudo) ^ 0xffffu);
		rx.flags = 0;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
		assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_CHECKSUM], ++bad);
		rx.flags = HZ_IP_RX_CSUM_VALID;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_OK);
		assert_int_equal(sn.calls, ++calls);
		assert_memory_equal(sn.data, "hello", 5);
		/* Beside a cast flag. */
		rx.flags = HZ_IP_RX_CSUM_VALID | HZ_IP_RX_BCAST;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_OK);
		assert_int_equal(sn.calls, ++calls);
		/* The length is still checked. */
		rx.flags = HZ_IP_RX_CSUM_VALID;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len - 1), HZ_ERR_MALFORMED);
		assert_int_equal(sn.calls, calls);
	}
	assert_int_equal(w->u.drops[HZ_UDP_DROP_TRUNCATED], 2);
	/* IPv6 forbids a zero checksum whatever the link says. */
	uint8_t pkt[64];
	size_t len = build(pkt, &w->peer6, &w->me6, 1000, 7, "hello", 5);
	pkt[6] = pkt[7] = 0;
	struct hz_ip_rx rx = make_rx(&w->f6, &w->peer6, &w->me6, len);
	rx.flags = HZ_IP_RX_CSUM_VALID;
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_ZERO_CHECKSUM_V6], 1);
	assert_int_equal(sn.calls, calls);
}

static void test_rx_zero_checksum(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	uint8_t pkt[64];

	/* IPv4: zero = no checksum, accepted (RFC 768), even though the
	 * payload would not verify against any sum. */
	size_t len = build(pkt, &w->peer4, &w->me4, 1000, 7, "hello", 5);
	pkt[6] = pkt[7] = 0;
	struct hz_ip_rx rx = make_rx(&w->f4, &w->peer4, &w->me4, len);
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_OK);
	assert_int_equal(sn.calls, 1);

	/* IPv6: zero is invalid (RFC 8200 8.1). */
	len = build(pkt, &w->peer6, &w->me6, 1000, 7, "hello", 5);
	pkt[6] = pkt[7] = 0;
	rx = make_rx(&w->f6, &w->peer6, &w->me6, len);
	assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len), HZ_ERR_CHECKSUM);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_ZERO_CHECKSUM_V6], 1);
	assert_int_equal(sn.calls, 1);

	/* A real checksum of 0xFFFF (computed zero) is accepted in both. */
	uint8_t d[12] = { 0x03, 0xe8, 0x00, 0x07, 0x00, 0x0c, 0, 0, 'a', 'b', 0, 0 };
	const struct hz_ipaddr *srcs[2] = { &w->peer4, &w->peer6 };
	const struct hz_ipaddr *dsts[2] = { &w->me4, &w->me6 };
	struct fake_ip *fs[2] = { &w->f4, &w->f6 };
	for (int i = 0; i < 2; i++) {
		uint8_t ph[40];
		size_t n = pseudo_bytes(ph, srcs[i], dsts[i], 17, sizeof d);
		d[6] = d[7] = d[10] = d[11] = 0;
		uint32_t sum = ref_sum(ref_sum(0, ph, n), d, sizeof d);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		hz_be16_store(d + 10, (uint16_t)~sum);
		hz_be16_store(d + 6, 0xffff);
		rx = make_rx(fs[i], srcs[i], dsts[i], sizeof d);
		assert_int_equal(hz_udp_input(&w->u, &rx, d, sizeof d), HZ_OK);
	}
	assert_int_equal(sn.calls, 3);
}

/* Bytes after the UDP length (Ethernet padding) are ignored, and the
 * checksum is over the UDP length, with or without rx->ip to redo the
 * pseudo-header. */
static void test_rx_trailing_bytes(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	const struct hz_ipaddr *srcs[2] = { &w->peer4, &w->peer6 };
	const struct hz_ipaddr *dsts[2] = { &w->me4, &w->me6 };
	struct fake_ip *fs[2] = { &w->f4, &w->f6 };
	for (int i = 0; i < 2; i++) {
		uint8_t pkt[64];
		memset(pkt, 0xee, sizeof pkt);
		size_t len = build(pkt, srcs[i], dsts[i], 1000, 7, "hey", 3);
		struct hz_ip_rx rx = make_rx(fs[i], srcs[i], dsts[i], len + 7);
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len + 7), HZ_OK);
		assert_int_equal(sn.d.len, 3);
		rx.ip = NULL;
		assert_int_equal(hz_udp_input(&w->u, &rx, pkt, len + 7), HZ_OK);
		assert_int_equal(sn.d.len, 3);
	}
	assert_int_equal(sn.calls, 4);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_BAD_CHECKSUM], 0);
}

static void test_rx_no_socket(void **state)
{
	struct world *w = *state;
	assert_int_equal(feed(w, &w->peer4, 1000, &w->me4, 9, "x", 1, 0), HZ_ERR_REFUSED);
	assert_int_equal(feed(w, &w->peer6, 1000, &w->me6, 9, "x", 1, 0), HZ_ERR_REFUSED);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_NO_SOCKET], 2);
	/* A socket bound but with nowhere to put data drops, and says why. */
	bound(w, NULL, 9);
	assert_int_equal(feed(w, &w->peer4, 1000, &w->me4, 9, "x", 1, 0), HZ_ERR_NO_SPACE);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_NO_READER], 1);
	/* A closed socket no longer receives. */
	struct hz_udp_sock *s = bound(w, NULL, 10);
	hz_udp_sock_close(s);
	assert_int_equal(s->state, HZ_UDP_SOCK_FREE);
	assert_int_equal(feed(w, &w->peer4, 1000, &w->me4, 10, "x", 1, 0), HZ_ERR_REFUSED);
}

/* ------------------------------------------------------------------ */
/* Bind table                                                          */
/* ------------------------------------------------------------------ */

static void test_bind_conflicts(void **state)
{
	struct world *w = *state;
	struct hz_ipaddr any4 = hz_ipaddr_v4(0), any6 = v6("::");
	struct hz_udp_endpoint e;

	bound(w, NULL, 53);
	struct hz_udp_sock *s = hz_udp_sock_open(&w->u);
	e = ep(NULL, 53);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_IN_USE);
	e = ep(&w->me4, 53);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_IN_USE);
	e = ep(&any6, 53);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_IN_USE);
	/* A failed bind leaves the socket usable. */
	e = ep(&w->me4, 54);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_OK);
	/* Bound once is bound. */
	e = ep(&w->me4, 55);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_BAD_STATE);

	/* Families do not overlap; one family's wildcard covers its
	 * addresses only. */
	bound(w, &w->me4, 60);
	bound(w, &w->me6, 60);
	bound(w, &any6, 61);
	bound(w, &any4, 61);
	s = hz_udp_sock_open(&w->u);
	e = ep(&w->me6, 61);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_IN_USE);
	e = ep(NULL, 60);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_IN_USE);

	/* Only our own addresses, only families with an ip layer. */
	struct hz_ipaddr far = hz_ipaddr_v4(0x0a000063);
	e = ep(&far, 70);
	assert_int_equal(hz_udp_sock_bind(s, &e), HZ_ERR_INVALID);
	struct hz_udp u2;
	struct hz_udp_sock t[1];
	hz_udp_init(&u2, NULL, t, 1, NULL, 0);
	struct hz_udp_sock *s2 = hz_udp_sock_open(&u2);
	e = ep(&w->me4, 70);
	assert_int_equal(hz_udp_sock_bind(s2, &e), HZ_ERR_INVALID);
	/* The table is full. */
	assert_null(hz_udp_sock_open(&u2));
	hz_udp_sock_close(s2);
	assert_ptr_equal(hz_udp_sock_open(&u2), s2);
}

static void test_bind_reuse(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *a = hz_udp_sock_open(&w->u), *b = hz_udp_sock_open(&w->u);
	struct hz_udp_endpoint e = ep(NULL, 5000);
	hz_udp_sock_set_reuse(a, true);
	assert_int_equal(hz_udp_sock_bind(a, &e), HZ_OK);
	/* Both must agree to share. */
	assert_int_equal(hz_udp_sock_bind(b, &e), HZ_ERR_IN_USE);
	hz_udp_sock_set_reuse(b, true);
	assert_int_equal(hz_udp_sock_bind(b, &e), HZ_OK);
}

static void test_ephemeral(void **state)
{
	struct world *w = *state;
	w->rnd = 5; /* start at 49152 + 5 */
	struct hz_udp_sock *a = hz_udp_sock_open(&w->u);
	struct hz_udp_endpoint e = ep(NULL, 0);
	assert_int_equal(hz_udp_sock_bind(a, &e), HZ_OK);
	assert_int_equal(a->local.port, 49157);
	/* The same random start: the search moves past the taken port. */
	struct hz_udp_sock *b = hz_udp_sock_open(&w->u);
	assert_int_equal(hz_udp_sock_bind(b, NULL), HZ_OK);
	assert_int_equal(b->local.port, 49158);
	/* The start wraps within the range. */
	w->rnd = 16383;
	struct hz_udp_sock *c = hz_udp_sock_open(&w->u);
	assert_int_equal(hz_udp_sock_bind(c, NULL), HZ_OK);
	assert_int_equal(c->local.port, 65535);
	struct hz_udp_sock *d = hz_udp_sock_open(&w->u);
	assert_int_equal(hz_udp_sock_bind(d, NULL), HZ_OK);
	assert_int_equal(d->local.port, 49152);
	/* Another random value, another start. */
	w->rnd = 0x12345678;
	struct hz_udp_sock *f = hz_udp_sock_open(&w->u);
	assert_int_equal(hz_udp_sock_bind(f, NULL), HZ_OK);
	assert_int_equal(f->local.port, 49152 + 0x12345678 % 16384);
	/* Ephemeral ports are never shared, even with reuse. */
	w->rnd = 5;
	struct hz_udp_sock *g = hz_udp_sock_open(&w->u);
	hz_udp_sock_set_reuse(g, true);
	hz_udp_sock_set_reuse(a, true);
	assert_int_equal(hz_udp_sock_bind(g, NULL), HZ_OK);
	assert_int_equal(g->local.port, 49159);
	/* Without a shim the search starts at the bottom of the range. */
	struct hz_udp u2;
	struct hz_udp_sock t[2];
	hz_udp_init(&u2, NULL, t, 2, NULL, 0);
	assert_int_equal(hz_udp_sock_bind(hz_udp_sock_open(&u2), NULL), HZ_OK);
	assert_int_equal(t[0].local.port, 49152);
}

/* ------------------------------------------------------------------ */
/* Demultiplexing and delivery                                         */
/* ------------------------------------------------------------------ */

static void test_demux_specificity(void **state)
{
	struct world *w = *state;
	struct seen wild = { 0 }, spec = { 0 }, conn = { 0 }, fam = { 0 };
	struct hz_udp_endpoint e;
	struct hz_udp_sock *sw = hz_udp_sock_open(&w->u), *ss = hz_udp_sock_open(&w->u);
	struct hz_udp_sock *sc = hz_udp_sock_open(&w->u), *sf = hz_udp_sock_open(&w->u);
	hz_udp_sock_set_reuse(sw, true);
	hz_udp_sock_set_reuse(ss, true);
	hz_udp_sock_set_reuse(sc, true);
	hz_udp_sock_set_reuse(sf, true);
	hz_udp_sock_set_recv(sw, on_recv, &wild);
	hz_udp_sock_set_recv(ss, on_recv, &spec);
	hz_udp_sock_set_recv(sc, on_recv, &conn);
	hz_udp_sock_set_recv(sf, on_recv, &fam);
	/* Bound in the worst order for a first-match table. */
	e = ep(NULL, 4000);
	assert_int_equal(hz_udp_sock_bind(sw, &e), HZ_OK);
	struct hz_ipaddr any6 = v6("::");
	e = ep(&any6, 4000);
	assert_int_equal(hz_udp_sock_bind(sf, &e), HZ_OK);
	e = ep(&w->me4, 4000);
	assert_int_equal(hz_udp_sock_bind(ss, &e), HZ_OK);
	assert_int_equal(hz_udp_sock_bind(sc, &e), HZ_OK);
	e = ep(&w->peer4, 1111);
	assert_int_equal(hz_udp_sock_connect(sc, &e), HZ_OK);

	/* From the connected peer: the connected socket. */
	assert_int_equal(feed(w, &w->peer4, 1111, &w->me4, 4000, "a", 1, 0), HZ_OK);
	assert_int_equal(conn.calls, 1);
	/* Same peer, other port: the specific (not connected) socket. */
	assert_int_equal(feed(w, &w->peer4, 1112, &w->me4, 4000, "b", 1, 0), HZ_OK);
	assert_int_equal(spec.calls, 1);
	assert_int_equal(conn.calls, 1);
	/* To another of our v4 addresses (say a broadcast-less alias): the
	 * any-family wildcard. */
	struct hz_ipaddr alias = hz_ipaddr_v4(0x0a000009);
	assert_int_equal(feed(w, &w->peer4, 1112, &alias, 4000, "c", 1, 0), HZ_OK);
	assert_int_equal(wild.calls, 1);
	/* Over IPv6: the v6 wildcard beats the any-family one. */
	assert_int_equal(feed(w, &w->peer6, 1112, &w->me6, 4000, "d", 1, 0), HZ_OK);
	assert_int_equal(fam.calls, 1);
	assert_int_equal(wild.calls, 1);
	assert_int_equal(spec.calls, 1);
	assert_int_equal(conn.calls, 1);
	assert_int_equal(w->u.stats.rx_datagrams, 4);
	assert_int_equal(sc->stats.rx_datagrams, 1);
	assert_int_equal(sc->stats.rx_bytes, 1);
}

static void test_connected_filter(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 4001);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	struct hz_udp_endpoint e = ep(&w->peer4, 53);
	assert_int_equal(hz_udp_sock_connect(s, &e), HZ_OK);
	assert_int_equal(feed(w, &w->peer4, 53, &w->me4, 4001, "ok", 2, 0), HZ_OK);
	/* Not from the remote: nobody takes it. */
	struct hz_ipaddr other = hz_ipaddr_v4(0x0a000005);
	assert_int_equal(feed(w, &other, 53, &w->me4, 4001, "no", 2, 0), HZ_ERR_REFUSED);
	assert_int_equal(feed(w, &w->peer4, 54, &w->me4, 4001, "no", 2, 0), HZ_ERR_REFUSED);
	assert_int_equal(feed(w, &w->peer6, 53, &w->me6, 4001, "no", 2, 0), HZ_ERR_REFUSED);
	assert_int_equal(sn.calls, 1);
	/* Dissolving the association lets everyone in again. */
	assert_int_equal(hz_udp_sock_connect(s, NULL), HZ_OK);
	assert_false(s->connected);
	assert_int_equal(feed(w, &other, 53, &w->me4, 4001, "yes", 3, 0), HZ_OK);
	assert_int_equal(sn.calls, 2);

	/* connect validates and auto-binds. */
	struct hz_udp_sock *t = hz_udp_sock_open(&w->u);
	e = ep(&w->peer4, 0);
	assert_int_equal(hz_udp_sock_connect(t, &e), HZ_ERR_INVALID);
	e = ep(NULL, 53);
	assert_int_equal(hz_udp_sock_connect(t, &e), HZ_ERR_INVALID);
	e = ep(&w->peer6, 53);
	assert_int_equal(hz_udp_sock_connect(t, &e), HZ_OK);
	assert_int_equal(t->state, HZ_UDP_SOCK_BOUND);
	assert_true(t->local.port >= HZ_UDP_EPHEMERAL_MIN);
	/* A v4-bound socket cannot connect to a v6 peer. */
	struct hz_udp_sock *v = bound(w, &w->me4, 4002);
	assert_int_equal(hz_udp_sock_connect(v, &e), HZ_ERR_INVALID);
}

static void test_callback_fields(void **state)
{
	struct world *w = *state;
	struct seen sn = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_recv, &sn);
	assert_int_equal(feed(w, &w->peer6, 33333, &w->me6, 7, "payload", 7, 0), HZ_OK);
	assert_int_equal(sn.calls, 1);
	assert_ptr_equal(sn.sock, s);
	assert_true(hz_ipaddr_eq(&sn.d.from.addr, &w->peer6));
	assert_int_equal(sn.d.from.port, 33333);
	assert_true(hz_ipaddr_eq(&sn.d.to.addr, &w->me6));
	assert_int_equal(sn.d.to.port, 7);
	assert_int_equal(sn.d.len, 7);
	assert_memory_equal(sn.data, "payload", 7);
	assert_int_equal(sn.d.ttl, 64);
	assert_int_equal(sn.d.now, 1234);
	assert_ptr_equal(sn.d.ip, &w->f6.ip);
	assert_int_equal(sn.d.flags, 0);
	/* An empty datagram is a datagram. */
	assert_int_equal(feed(w, &w->peer4, 1, &w->me4, 7, "", 0, 0), HZ_OK);
	assert_int_equal(sn.d.len, 0);
	/* The callback wins over a ring. */
	uint8_t ring[256];
	hz_udp_sock_set_ring(s, ring, sizeof ring);
	assert_int_equal(feed(w, &w->peer4, 1, &w->me4, 7, "z", 1, 0), HZ_OK);
	assert_int_equal(sn.calls, 3);
	assert_int_equal(hz_udp_sock_recvfrom(s, ring, 0, NULL), HZ_ERR_WOULD_BLOCK);
}

static void test_broadcast(void **state)
{
	struct world *w = *state;
	struct seen a = { 0 }, b = { 0 }, c = { 0 };
	struct hz_udp_sock *sa = hz_udp_sock_open(&w->u), *sb = hz_udp_sock_open(&w->u);
	struct hz_udp_sock *sc = hz_udp_sock_open(&w->u);
	hz_udp_sock_set_reuse(sa, true);
	hz_udp_sock_set_reuse(sb, true);
	hz_udp_sock_set_reuse(sc, true);
	struct hz_udp_endpoint e = ep(NULL, 67);
	assert_int_equal(hz_udp_sock_bind(sa, &e), HZ_OK);
	assert_int_equal(hz_udp_sock_bind(sb, &e), HZ_OK);
	/* Bound to our unicast address: not for broadcasts. */
	e = ep(&w->me4, 67);
	assert_int_equal(hz_udp_sock_bind(sc, &e), HZ_OK);
	hz_udp_sock_set_recv(sa, on_recv, &a);
	hz_udp_sock_set_recv(sb, on_recv, &b);
	hz_udp_sock_set_recv(sc, on_recv, &c);
	struct hz_ipaddr bcast = hz_ipaddr_v4(0xffffffff);
	assert_int_equal(feed(w, &w->peer4, 68, &bcast, 67, "dhcp", 4, HZ_IP_RX_BCAST), HZ_OK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(c.calls, 0);
	assert_int_equal(a.d.flags, HZ_IP_RX_BCAST);
	assert_true(hz_ipaddr_eq(&a.d.to.addr, &bcast));
	/* Nobody on the port: refused (the ip layer sends no ICMP for it). */
	assert_int_equal(feed(w, &w->peer4, 68, &bcast, 99, "x", 1, HZ_IP_RX_BCAST), HZ_ERR_REFUSED);
}

/* ------------------------------------------------------------------ */
/* Rings                                                               */
/* ------------------------------------------------------------------ */

static void test_ring_basic(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *s = bound(w, NULL, 9000);
	uint8_t ring[HZ_UDP_RING_OVERHEAD * 2 + 10];
	uint8_t buf[64];
	struct hz_udp_endpoint from;
	assert_int_equal(hz_udp_sock_recvfrom(s, buf, sizeof buf, &from), HZ_ERR_BAD_STATE);
	hz_udp_sock_set_ring(s, ring, sizeof ring);
	assert_int_equal(hz_udp_sock_recvfrom(s, buf, sizeof buf, &from), HZ_ERR_WOULD_BLOCK);

	assert_int_equal(feed(w, &w->peer4, 1234, &w->me4, 9000, "hello", 5, 0), HZ_OK);
	assert_int_equal(feed(w, &w->peer6, 4321, &w->me6, 9000, "world", 5, 0), HZ_OK);
	/* Full: dropped and counted. */
	assert_int_equal(feed(w, &w->peer4, 1234, &w->me4, 9000, "x", 1, 0), HZ_ERR_NO_SPACE);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_RING_FULL], 1);
	assert_int_equal(s->ring_drops, 1);
	assert_int_equal(s->stats.rx_datagrams, 2);

	memset(buf, 0, sizeof buf);
	assert_int_equal(hz_udp_sock_recvfrom(s, buf, sizeof buf, &from), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_true(hz_ipaddr_eq(&from.addr, &w->peer4));
	assert_int_equal(from.port, 1234);
	/* Truncation: what fits is copied, the full length returned, and the
	 * rest of the datagram is gone. */
	memset(buf, 0, sizeof buf);
	assert_int_equal(hz_udp_sock_recvfrom(s, buf, 3, &from), 5);
	assert_memory_equal(buf, "wor\0", 4);
	assert_true(hz_ipaddr_eq(&from.addr, &w->peer6));
	assert_int_equal(from.port, 4321);
	assert_int_equal(hz_udp_sock_recvfrom(s, buf, sizeof buf, NULL), HZ_ERR_WOULD_BLOCK);

	/* A datagram bigger than the whole ring never fits. */
	uint8_t big[64] = { 0 };
	assert_int_equal(feed(w, &w->peer4, 1, &w->me4, 9000, big, sizeof big, 0), HZ_ERR_NO_SPACE);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_RING_FULL], 2);
	/* An exact fit does. */
	assert_int_equal(feed(w, &w->peer4, 1, &w->me4, 9000, big, sizeof ring - HZ_UDP_RING_OVERHEAD, 0),
	                 HZ_OK);
	assert_int_equal(hz_udp_sock_recvfrom(s, NULL, 0, NULL), (int)(sizeof ring - HZ_UDP_RING_OVERHEAD));
}

/* Many datagrams of varying sizes through a small ring, in and out at
 * different rates: FIFO order and contents survive every wrap. */
static void test_ring_wrap(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *s = bound(w, NULL, 9001);
	uint8_t ring[300];
	hz_udp_sock_set_ring(s, ring, sizeof ring);
	unsigned next_in = 0, next_out = 0, dropped = 0;
	uint32_t x = 1;
	for (int round = 0; round < 2000; round++) {
		x = x * 1103515245u + 12345u;
		int n_in = (int)(x >> 16) % 3;
		for (int k = 0; k < n_in; k++) {
			uint8_t d[100];
			size_t len = (next_in * 37u) % 100u;
			memset(d, (int)(next_in & 0xff), len);
			if (len >= 4)
				hz_be32_store(d, next_in);
			int rc = feed(w, &w->peer4, (uint16_t)next_in, &w->me4, 9001, d, len, 0);
			if (rc == HZ_OK) {
				/* Remember only accepted sequence numbers. */
			} else {
				assert_int_equal(rc, HZ_ERR_NO_SPACE);
				dropped++;
			}
			next_in++;
			(void)rc;
		}
		int n_out = (int)(x >> 20) % 3;
		for (int k = 0; k < n_out; k++) {
			uint8_t buf[100];
			struct hz_udp_endpoint from;
			int rc = hz_udp_sock_recvfrom(s, buf, sizeof buf, &from);
			if (rc == HZ_ERR_WOULD_BLOCK)
				break;
			assert_true(rc >= 0);
			/* The sender port carries the sequence number. */
			unsigned seq = from.port;
			assert_true(seq >= next_out);
			next_out = seq + 1;
			assert_int_equal((size_t)rc, (seq * 37u) % 100u);
			for (int i = 4; i < rc; i++)
				assert_int_equal(buf[i], seq & 0xff);
			if (rc >= 4)
				assert_int_equal(hz_be32_load(buf), seq);
		}
	}
	assert_true(dropped > 0);
	assert_true(next_out > 1000);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_RING_FULL], dropped);
}

/* ------------------------------------------------------------------ */
/* ICMP errors                                                         */
/* ------------------------------------------------------------------ */

struct icmp_seen {
	int calls;
	int err;
	struct hz_udp_sock *sock;
};

static void on_icmp(void *ctx, struct hz_udp_sock *s, int err, const struct hz_ip_err *e)
{
	struct icmp_seen *is = ctx;
	(void)e;
	is->calls++;
	is->err = err;
	is->sock = s;
}

static struct hz_ip_err make_err(uint8_t kind, const struct hz_ipaddr *src, uint16_t sport,
                                 const struct hz_ipaddr *dst, uint16_t dport, uint8_t *quote)
{
	struct hz_ip_err e;
	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.proto = 17;
	e.src = *src;
	e.dst = *dst;
	e.reporter = *dst;
	hz_be16_store(quote, sport);
	hz_be16_store(quote + 2, dport);
	hz_be16_store(quote + 4, 20);
	hz_be16_store(quote + 6, 0x1234);
	e.quote = quote;
	e.quote_len = 8;
	return e;
}

static void test_icmp_errors(void **state)
{
	struct world *w = *state;
	struct icmp_seen is = { 0 };
	struct hz_udp_sock *s = bound(w, NULL, 5353);
	struct hz_udp_sock *c = bound(w, NULL, 5354);
	struct hz_udp_endpoint e = ep(&w->peer4, 53);
	assert_int_equal(hz_udp_sock_connect(c, &e), HZ_OK);
	hz_udp_sock_set_icmp(c, on_icmp, &is);
	uint8_t q[8];
	assert_int_equal(hz_udp_sock_error(s), HZ_OK);

	struct hz_ip_err err = make_err(HZ_IP_ERR_PORT_UNREACH, &w->me4, 5353, &w->peer4, 53, q);
	w->f4.upper->error(w->f4.upper->ctx, &err);
	assert_int_equal(hz_udp_sock_error(s), HZ_ERR_REFUSED);
	assert_int_equal(hz_udp_sock_error(s), HZ_OK); /* read clears */
	assert_int_equal(s->stats.icmp_errors, 1);

	err = make_err(HZ_IP_ERR_HOST_UNREACH, &w->me4, 5354, &w->peer4, 53, q);
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(is.calls, 1);
	assert_int_equal(is.err, HZ_ERR_UNREACHABLE);
	assert_ptr_equal(is.sock, c);
	assert_int_equal(hz_udp_sock_error(c), HZ_ERR_UNREACHABLE);

	/* The latest error wins until read. */
	err = make_err(HZ_IP_ERR_TIME_EXCEEDED, &w->me4, 5354, &w->peer4, 53, q);
	hz_udp_icmp_input(&w->u, &err);
	err = make_err(HZ_IP_ERR_FRAG_NEEDED, &w->me4, 5354, &w->peer4, 53, q);
	err.mtu = 1280;
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(hz_udp_sock_error(c), HZ_ERR_TOO_BIG);
	err = make_err(HZ_IP_ERR_NET_UNREACH, &w->me4, 5354, &w->peer4, 53, q);
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(hz_udp_sock_error(c), HZ_ERR_UNREACHABLE);
	err = make_err(HZ_IP_ERR_PROTO_UNREACH, &w->me4, 5354, &w->peer4, 53, q);
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(hz_udp_sock_error(c), HZ_ERR_REFUSED);

	/* About a flow the connected socket does not own (other peer): no
	 * socket takes it. */
	struct hz_ipaddr other = hz_ipaddr_v4(0x0a000007);
	err = make_err(HZ_IP_ERR_PORT_UNREACH, &w->me4, 5354, &other, 53, q);
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_ICMP_NO_SOCKET], 1);
	assert_int_equal(hz_udp_sock_error(c), HZ_OK);
	err = make_err(HZ_IP_ERR_PORT_UNREACH, &w->me4, 6000, &w->peer4, 53, q);
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_ICMP_NO_SOCKET], 2);
	/* A quote too short to name the ports. */
	err = make_err(HZ_IP_ERR_PORT_UNREACH, &w->me4, 5353, &w->peer4, 53, q);
	err.quote_len = 4;
	hz_udp_icmp_input(&w->u, &err);
	assert_int_equal(w->u.drops[HZ_UDP_DROP_ICMP_TRUNCATED], 1);
	assert_int_equal(hz_udp_sock_error(s), HZ_OK);
	/* Over IPv6 the same code path. */
	err = make_err(HZ_IP_ERR_PORT_UNREACH, &w->me6, 5353, &w->peer6, 53, q);
	w->f6.upper->error(w->f6.upper->ctx, &err);
	assert_int_equal(hz_udp_sock_error(s), HZ_ERR_REFUSED);
	assert_int_equal(w->u.stats.icmp_errors, 7);
}

/* ------------------------------------------------------------------ */
/* Send                                                                */
/* ------------------------------------------------------------------ */

/* Check what a fake ip received: header fields and a checksum verified
 * from hand-built pseudo-header bytes. */
static void check_sent(struct fake_ip *f, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                       uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	assert_int_equal(f->last_len, 8 + n);
	assert_int_equal(hz_be16_load(f->last), sport);
	assert_int_equal(hz_be16_load(f->last + 2), dport);
	assert_int_equal(hz_be16_load(f->last + 4), 8 + n);
	assert_int_not_equal(hz_be16_load(f->last + 6), 0);
	assert_memory_equal(f->last + 8, data, n);
	uint8_t ph[40];
	size_t pn = pseudo_bytes(ph, src, dst, 17, 8 + n);
	assert_int_equal(ref_fold(ref_sum(ref_sum(0, ph, pn), f->last, f->last_len)), 0);
	assert_true(hz_ipaddr_eq(&f->last_tx.src, src));
	assert_true(hz_ipaddr_eq(&f->last_tx.dst, dst));
	assert_int_equal(f->last_tx.proto, 17);
	assert_true(f->last_headroom >= f->ip.headroom);
}

static void test_send_both_families(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *s = bound(w, NULL, 7777);
	struct hz_udp_endpoint to4 = ep(&w->peer4, 53), to6 = ep(&w->peer6, 53);
	assert_int_equal(hz_udp_sock_sendto(s, "query", 5, &to4), 5);
	assert_int_equal(w->f4.nout, 1);
	check_sent(&w->f4, &w->me4, &w->peer4, 7777, 53, "query", 5);
	assert_int_equal(hz_udp_sock_sendto(s, "query6", 6, &to6), 6);
	assert_int_equal(w->f6.nout, 1);
	assert_int_equal(w->f4.nout, 1);
	check_sent(&w->f6, &w->me6, &w->peer6, 7777, 53, "query6", 6);
	assert_int_equal(s->stats.tx_datagrams, 2);
	assert_int_equal(s->stats.tx_bytes, 11);
	assert_int_equal(w->u.stats.tx_datagrams, 2);
	/* Empty payload. */
	assert_int_equal(hz_udp_sock_sendto(s, NULL, 0, &to4), 0);
	check_sent(&w->f4, &w->me4, &w->peer4, 7777, 53, "", 0);

	/* Bound to a specific address: that is the source; another family
	 * is refused. */
	struct hz_udp_sock *t = bound(w, &w->me6, 7778);
	hz_udp_sock_set_ttl(t, 5);
	hz_udp_sock_set_tos(t, 0x10);
	assert_int_equal(hz_udp_sock_sendto(t, "x", 1, &to6), 1);
	check_sent(&w->f6, &w->me6, &w->peer6, 7778, 53, "x", 1);
	assert_int_equal(w->f6.last_tx.ttl, 5);
	assert_int_equal(w->f6.last_tx.tos, 0x10);
	assert_int_equal(hz_udp_sock_sendto(t, "x", 1, &to4), HZ_ERR_INVALID);
}

static void test_send_computed_zero(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *s = bound(w, &w->me4, 1000);
	uint8_t d[12] = { 0x03, 0xe8, 0x00, 0x35, 0x00, 0x0c, 0, 0, 'a', 'b', 0, 0 };
	uint8_t ph[40];
	size_t n = pseudo_bytes(ph, &w->me4, &w->peer4, 17, sizeof d);
	uint32_t sum = ref_sum(ref_sum(0, ph, n), d, sizeof d);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	hz_be16_store(d + 10, (uint16_t)~sum);
	struct hz_udp_endpoint to = ep(&w->peer4, 53);
	assert_int_equal(hz_udp_sock_sendto(s, d + 8, 4, &to), 4);
	assert_int_equal(hz_be16_load(w->f4.last + 6), 0xffff);
	check_sent(&w->f4, &w->me4, &w->peer4, 1000, 53, d + 8, 4);
}

static void test_send_errors(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *s = hz_udp_sock_open(&w->u);
	struct hz_udp_endpoint to = ep(&w->peer4, 53);
	/* Not connected, no destination. */
	assert_int_equal(hz_udp_sock_sendto(s, "x", 1, NULL), HZ_ERR_BAD_STATE);
	struct hz_udp_endpoint bad = ep(&w->peer4, 0);
	assert_int_equal(hz_udp_sock_sendto(s, "x", 1, &bad), HZ_ERR_INVALID);
	bad = ep(NULL, 53);
	assert_int_equal(hz_udp_sock_sendto(s, "x", 1, &bad), HZ_ERR_INVALID);
	/* Too big for the protocol, whatever the buffer. */
	static uint8_t big[HZ_UDP_MAX_PAYLOAD_V6 + 1];
	assert_int_equal(hz_udp_sock_sendto(s, big, HZ_UDP_MAX_PAYLOAD_V4 + 1, &to), HZ_ERR_TOO_BIG);
	struct hz_udp_endpoint to6 = ep(&w->peer6, 53);
	assert_int_equal(hz_udp_sock_sendto(s, big, HZ_UDP_MAX_PAYLOAD_V6 + 1, &to6), HZ_ERR_TOO_BIG);
	/* Fits the protocol, not the tx buffer. */
	size_t room = sizeof w->txbuf - w->f4.ip.headroom - 8;
	assert_int_equal(hz_udp_sock_sendto(s, big, room + 1, &to), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_udp_sock_sendto(s, big, HZ_UDP_MAX_PAYLOAD_V6, &to6), HZ_ERR_NO_SPACE);
	assert_int_equal(w->f4.nout + w->f6.nout, 0);
	/* Exactly the room left fits. */
	assert_int_equal(hz_udp_sock_sendto(s, big, room, &to), (int)room);
	/* The first send bound the socket to an ephemeral port. */
	assert_int_equal(s->state, HZ_UDP_SOCK_BOUND);
	assert_true(s->local.port >= HZ_UDP_EPHEMERAL_MIN);
	/* The ip layer's error is passed on and nothing counted. */
	w->f4.out_rc = HZ_ERR_NO_ROUTE;
	assert_int_equal(hz_udp_sock_sendto(s, "x", 1, &to), HZ_ERR_NO_ROUTE);
	assert_int_equal(s->stats.tx_datagrams, 1);
	w->f4.out_rc = 0;

	/* No ip layer of the family. */
	struct hz_udp u2;
	struct hz_udp_sock t[1];
	uint8_t tb[256];
	hz_udp_init(&u2, NULL, t, 1, tb, sizeof tb);
	assert_int_equal(hz_udp_attach(&u2, &w->f6.ip), HZ_ERR_IN_USE); /* f6 taken */
	struct hz_udp_sock *s2 = hz_udp_sock_open(&u2);
	assert_int_equal(hz_udp_sock_sendto(s2, "x", 1, &to), HZ_ERR_NO_ROUTE);
	/* A tx buffer smaller than the headroom. */
	struct fake_ip f;
	fake_init(&f, HZ_AF_INET);
	hz_udp_init(&u2, NULL, t, 1, tb, 20);
	assert_int_equal(hz_udp_attach(&u2, &f.ip), HZ_OK);
	s2 = hz_udp_sock_open(&u2);
	assert_int_equal(hz_udp_sock_sendto(s2, NULL, 0, &to), HZ_ERR_NO_SPACE);
	/* Closed sockets cannot send. */
	hz_udp_sock_close(s2);
	assert_int_equal(hz_udp_sock_sendto(s2, "x", 1, &to), HZ_ERR_BAD_STATE);
}

static void test_send_connected(void **state)
{
	struct world *w = *state;
	struct hz_udp_sock *s = hz_udp_sock_open(&w->u);
	struct hz_udp_endpoint to = ep(&w->peer6, 123);
	assert_int_equal(hz_udp_sock_connect(s, &to), HZ_OK);
	assert_int_equal(hz_udp_sock_sendto(s, "ntp", 3, NULL), 3);
	check_sent(&w->f6, &w->me6, &w->peer6, s->local.port, 123, "ntp", 3);
	/* An explicit destination still goes where it says. */
	struct hz_udp_endpoint to4 = ep(&w->peer4, 9);
	assert_int_equal(hz_udp_sock_sendto(s, "v4", 2, &to4), 2);
	check_sent(&w->f4, &w->me4, &w->peer4, s->local.port, 9, "v4", 2);
}

/* An echo callback sends from inside delivery (what haze-echo does). */
static void on_echo(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	int *rc = ctx;
	*rc = hz_udp_sock_sendto(s, d->data, d->len, &d->from);
}

static void test_echo_reentrant(void **state)
{
	struct world *w = *state;
	int rc = 1;
	struct hz_udp_sock *s = bound(w, NULL, 7);
	hz_udp_sock_set_recv(s, on_echo, &rc);
	assert_int_equal(feed(w, &w->peer4, 40000, &w->me4, 7, "haze", 4, 0), HZ_OK);
	assert_int_equal(rc, 4);
	check_sent(&w->f4, &w->me4, &w->peer4, 7, 40000, "haze", 4);

	/* An ip layer that loops the datagram straight back into udp while
	 * udp's tx buffer is still in use: the nested send is refused, not
	 * allowed to overwrite it. */
	w->f4.loopback = true;
	struct hz_udp_endpoint self = ep(&w->me4, 7);
	struct hz_udp_sock *c = bound(w, NULL, 8);
	assert_int_equal(hz_udp_sock_sendto(c, "ping", 4, &self), 4);
	assert_int_equal(w->f4.loop_rc, HZ_OK);
	assert_int_equal(rc, HZ_ERR_WOULD_BLOCK);
	/* And the outer datagram is intact. */
	check_sent(&w->f4, &w->me4, &w->me4, 8, 7, "ping", 4);
}

/* A ring read from outside the callback, closed from inside. */
static void on_close(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	(void)d;
	(*(int *)ctx)++;
	hz_udp_sock_close(s);
}

static void test_close_in_callback(void **state)
{
	struct world *w = *state;
	int n = 0;
	struct hz_udp_sock *s = bound(w, NULL, 11);
	hz_udp_sock_set_recv(s, on_close, &n);
	assert_int_equal(feed(w, &w->peer4, 1, &w->me4, 11, "a", 1, 0), HZ_OK);
	assert_int_equal(feed(w, &w->peer4, 1, &w->me4, 11, "a", 1, 0), HZ_ERR_REFUSED);
	assert_int_equal(n, 1);
	assert_int_equal(s->state, HZ_UDP_SOCK_FREE);
	assert_ptr_equal(s->udp, &w->u);
}

#define WT(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_roundtrip),
		cmocka_unit_test(test_hdr_parse_errors),
		cmocka_unit_test(test_csum_known),
		cmocka_unit_test(test_csum_zero_becomes_ffff),
		cmocka_unit_test(test_drop_names),
		WT(test_attach),
		WT(test_rx_length_drops),
		WT(test_rx_bad_checksum),
		WT(test_rx_zero_checksum),
		WT(test_rx_csum_valid),
		WT(test_rx_trailing_bytes),
		WT(test_rx_no_socket),
		WT(test_bind_conflicts),
		WT(test_bind_reuse),
		WT(test_ephemeral),
		WT(test_demux_specificity),
		WT(test_connected_filter),
		WT(test_callback_fields),
		WT(test_broadcast),
		WT(test_ring_basic),
		WT(test_ring_wrap),
		WT(test_icmp_errors),
		WT(test_send_both_families),
		WT(test_send_computed_zero),
		WT(test_send_errors),
		WT(test_send_connected),
		WT(test_echo_reentrant),
		WT(test_close_in_callback),
	};
	return cmocka_run_group_tests_name("udp", tests, NULL, NULL);
}
