/* ipv6 neighbour discovery, MLD and address-helper tests.
 *
 * Expected values come from outside the code under test (core/tests checks
 * SipHash against the reference vectors): solicited-node addresses from
 * RFC 4291 2.7.1, reserved
 * IIDs from the IANA registry of RFC 5453, messages byte by byte from
 * the figures of RFC 4861 4.1-4.6, RFC 8106 5.1, RFC 2710 3 and RFC 3810
 * 5.1/5.2, with checksums from a naive RFC 1071 loop over a hand-built
 * pseudo-header. Addresses are written as text and converted by libc.
 *
 * With `--pcap FILE` the program instead writes the messages haze emits
 * (and some hand-built MLD queries) into FILE and prints, one line per
 * frame, the fields tshark should decode from it; nd-tshark.py compares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "haze/ipv6.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static struct hz_ipaddr A(const char *text)
{
	struct hz_ipaddr a;
	memset(&a, 0, sizeof a);
	a.family = HZ_AF_INET6;
	if (inet_pton(AF_INET6, text, a.b) != 1)
		abort();
	return a;
}

/* RFC 1071 over the RFC 8200 8.1 pseudo-header and the message. */
static uint16_t ref_csum(const uint8_t s[16], const uint8_t d[16], const uint8_t *m, size_t n)
{
	uint8_t ph[40];
	memcpy(ph, s, 16);
	memcpy(ph + 16, d, 16);
	ph[32] = (uint8_t)(n >> 24);
	ph[33] = (uint8_t)(n >> 16);
	ph[34] = (uint8_t)(n >> 8);
	ph[35] = (uint8_t)n;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 58;
	uint32_t sum = 0;
	for (size_t i = 0; i < 40; i += 2)
		sum += (uint32_t)ph[i] << 8 | ph[i + 1];
	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)m[i] << 8 | (i + 1 < n ? m[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A message under construction. */
struct msg {
	uint8_t b[4096];
	size_t n;
};

static void m_begin(struct msg *m, uint8_t type, uint8_t code, uint32_t rest)
{
	memset(m, 0, sizeof *m);
	m->b[0] = type;
	m->b[1] = code;
	m->b[4] = (uint8_t)(rest >> 24);
	m->b[5] = (uint8_t)(rest >> 16);
	m->b[6] = (uint8_t)(rest >> 8);
	m->b[7] = (uint8_t)rest;
	m->n = 8;
}
static void m_u8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}
static void m_be16(struct msg *m, uint16_t v)
{
	m_u8(m, (uint8_t)(v >> 8));
	m_u8(m, (uint8_t)v);
}
static void m_be32(struct msg *m, uint32_t v)
{
	m_be16(m, (uint16_t)(v >> 16));
	m_be16(m, (uint16_t)v);
}
static void m_bytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}
static void m_addr(struct msg *m, const char *text)
{
	struct hz_ipaddr a = A(text);
	m_bytes(m, a.b, 16);
}
static void m_zero(struct msg *m, size_t n)
{
	memset(m->b + m->n, 0, n);
	m->n += n;
}
/* Option with a 6-byte body (SLLA, TLLA, nonce): one unit. */
static void m_opt6(struct msg *m, uint8_t type, const uint8_t six[6])
{
	m_u8(m, type);
	m_u8(m, 1);
	m_bytes(m, six, 6);
}
static void m_finish(struct msg *m, const struct hz_ipaddr *s, const struct hz_ipaddr *d)
{
	m->b[2] = m->b[3] = 0;
	uint16_t c = ref_csum(s->b, d->b, m->b, m->n);
	m->b[2] = (uint8_t)(c >> 8);
	m->b[3] = (uint8_t)c;
}

static const uint8_t MAC_R[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_H[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t NONCE[6] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 };

static struct hz_ipaddr LL_R, LL_H, ALL_NODES, SOL_H, GLOBAL_H, MLD2_ROUTERS;

static int setup_addrs(void **state)
{
	(void)state;
	LL_R = A("fe80::1");
	LL_H = A("fe80::2");
	ALL_NODES = A("ff02::1");
	SOL_H = A("ff02::1:ff00:2");
	GLOBAL_H = A("2001:db8::2");
	MLD2_ROUTERS = A("ff02::16");
	return 0;
}

/* icmp_parse (which must accept the message) then nd_parse. */
static int nd_of(struct hz_ipv6_nd *nd, const struct msg *m, const struct hz_ipaddr *s,
                 const struct hz_ipaddr *d, enum hz_ipv6_drop *why)
{
	struct hz_ipv6_icmp ic;
	assert_int_equal(hz_ipv6_icmp_parse(&ic, m->b, m->n, s, d, NULL), HZ_OK);
	*why = HZ_IPV6_DROP_COUNT;
	return hz_ipv6_nd_parse(nd, &ic, why);
}

static void nd_fails(const struct msg *m, const struct hz_ipaddr *s, const struct hz_ipaddr *d,
                     int err, enum hz_ipv6_drop reason)
{
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	assert_int_equal(nd_of(&nd, m, s, d, &why), err);
	assert_int_equal(why, reason);
}

/* emit must reproduce m's bytes exactly (checksum included). */
static void emits_same(const struct hz_ipv6_nd *nd, const struct msg *m, const struct hz_ipaddr *s,
                       const struct hz_ipaddr *d)
{
	uint8_t out[4096];
	assert_int_equal(hz_ipv6_nd_emit(nd, s, d, out, sizeof out), (int)m->n);
	assert_memory_equal(out, m->b, m->n);
	/* every shorter buffer is refused */
	for (size_t cap = 0; cap < m->n; cap++)
		assert_int_equal(hz_ipv6_nd_emit(nd, s, d, out, cap), HZ_ERR_NO_SPACE);
}

static bool nd_equal(const struct hz_ipv6_nd *a, const struct hz_ipv6_nd *b)
{
	/* field by field: padding bytes may differ */
	if (a->type != b->type || a->code != b->code || memcmp(a->target, b->target, 16) ||
	    memcmp(a->dest, b->dest, 16) || a->router != b->router ||
	    a->solicited != b->solicited || a->override != b->override ||
	    a->cur_hop_limit != b->cur_hop_limit || a->managed != b->managed ||
	    a->other != b->other || a->prf != b->prf || a->router_lifetime != b->router_lifetime ||
	    a->reachable_time != b->reachable_time || a->retrans_timer != b->retrans_timer ||
	    a->has_slla != b->has_slla || a->has_tlla != b->has_tlla || a->has_mtu != b->has_mtu ||
	    a->has_nonce != b->has_nonce || a->nprefixes != b->nprefixes ||
	    a->nrdnss != b->nrdnss || a->redirected_len != b->redirected_len ||
	    (a->redirected == NULL) != (b->redirected == NULL))
		return false;
	if (a->has_slla && memcmp(a->slla, b->slla, 6))
		return false;
	if (a->has_tlla && memcmp(a->tlla, b->tlla, 6))
		return false;
	if (a->has_mtu && a->mtu != b->mtu)
		return false;
	if (a->has_nonce && memcmp(a->nonce, b->nonce, 6))
		return false;
	for (unsigned i = 0; i < a->nprefixes; i++) {
		const struct hz_ipv6_nd_prefix *p = &a->prefixes[i], *q = &b->prefixes[i];
		if (p->plen != q->plen || p->onlink != q->onlink || p->autonomous != q->autonomous ||
		    p->valid != q->valid || p->preferred != q->preferred ||
		    memcmp(p->prefix, q->prefix, 16))
			return false;
	}
	if (a->nrdnss && (a->rdnss_lifetime != b->rdnss_lifetime ||
	                  memcmp(a->rdnss, b->rdnss, 16u * a->nrdnss)))
		return false;
	if (a->redirected_len && memcmp(a->redirected, b->redirected, a->redirected_len))
		return false;
	return true;
}

/* emit then parse gives back the same struct. */
static void round_trip(const struct hz_ipv6_nd *nd, const struct hz_ipaddr *s,
                       const struct hz_ipaddr *d)
{
	static struct msg m;
	memset(&m, 0, sizeof m);
	int n = hz_ipv6_nd_emit(nd, s, d, m.b, sizeof m.b);
	assert_true(n >= 8);
	m.n = (size_t)n;
	assert_int_equal(ref_csum(s->b, d->b, m.b, m.n), 0);
	struct hz_ipv6_nd back;
	enum hz_ipv6_drop why;
	assert_int_equal(nd_of(&back, &m, s, d, &why), HZ_OK);
	assert_true(nd_equal(nd, &back));
	assert_int_equal(back.skipped, 0);
}

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

static void test_solicited(void **state)
{
	(void)state;
	uint8_t out[16];
	/* RFC 4291 2.7.1's example */
	struct hz_ipaddr a = A("4037::01:800:200E:8C6C"), want = A("FF02::1:FF0E:8C6C");
	hz_ipv6_addr_solicited(out, a.b);
	assert_memory_equal(out, want.b, 16);
	/* addresses differing only above the low 24 bits share it */
	a = A("2001:db8:1:2:3:4:50e:8c6c");
	hz_ipv6_addr_solicited(out, a.b);
	assert_memory_equal(out, want.b, 16);
	/* ends of the range FF02::1:FF00:0000 .. FF02::1:FFFF:FFFF */
	a = A("fe80::");
	want = A("ff02::1:ff00:0");
	hz_ipv6_addr_solicited(out, a.b);
	assert_memory_equal(out, want.b, 16);
	a = A("fe80::ffff:ffff:ffff:ffff");
	want = A("ff02::1:ffff:ffff");
	hz_ipv6_addr_solicited(out, a.b);
	assert_memory_equal(out, want.b, 16);
	/* in place */
	a = A("2001:db8::abcd:1234");
	want = A("ff02::1:ffcd:1234");
	hz_ipv6_addr_solicited(a.b, a.b);
	assert_memory_equal(a.b, want.b, 16);
}

static void test_scope(void **state)
{
	(void)state;
	static const struct {
		const char *a;
		unsigned scope;
	} cases[] = {
		/* multicast: the scop nibble (RFC 4291 2.7) */
		{ "ff01::1", 1 }, { "ff02::1", 2 }, { "ff12::1234", 2 }, { "ff05::1:3", 5 },
		{ "ff08::1", 8 }, { "ff0e::101", 0xe }, { "ff3e:40:2001:db8::1", 0xe },
		{ "ff00::1", 0 }, { "ff0f::1", 0xf },
		/* unicast: link-local and loopback link scope (RFC 6724 3.1) */
		{ "fe80::1", 2 }, { "febf:ffff::1", 2 }, { "::1", 2 },
		{ "fec0::1", 0xe }, { "fc00::1", 0xe }, { "2001:db8::1", 0xe }, { "::", 0xe },
		{ "::ffff:192.0.2.1", 0xe }, { "fe00::1", 0xe },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hz_ipaddr a = A(cases[i].a);
		if (hz_ipv6_addr_scope(a.b) != cases[i].scope)
			fail_msg("scope of %s: %u, want %u", cases[i].a, hz_ipv6_addr_scope(a.b),
			         cases[i].scope);
	}
}

static void iid(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static void test_iid_reserved(void **state)
{
	(void)state;
	static const struct {
		uint64_t iid;
		bool reserved;
	} cases[] = {
		{ 0x0000000000000000ull, true },  /* subnet-router anycast */
		{ 0x0000000000000001ull, false },
		{ 0x8000000000000000ull, false },
		{ 0x02005efffe000000ull, true },  /* IANA Ethernet block start */
		{ 0x02005efffe005212ull, true },
		{ 0x02005efffe005213ull, true },  /* Proxy Mobile IPv6 (RFC 6543) */
		{ 0x02005efffe005214ull, true },
		{ 0x02005efffeffffffull, true },  /* block end */
		{ 0x02005effff000000ull, false }, /* just past it */
		{ 0x02005efffdffffffull, false }, /* just before it */
		{ 0x00005efffe000000ull, false }, /* u bit clear: not the block */
		{ 0x02005e0000000001ull, false },
		{ 0xfdffffffffffff80ull, true },  /* reserved subnet anycast (RFC 2526) */
		{ 0xfdffffffffffffffull, true },
		{ 0xfdfffffffffffffeull, true },
		{ 0xfdffffffffffff7full, false },
		{ 0xfdfffffffffeff80ull, false },
		{ 0xffffffffffffffffull, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[8];
		iid(b, cases[i].iid);
		if (hz_ipv6_iid_reserved(b) != cases[i].reserved)
			fail_msg("iid %016llx: reserved %d", (unsigned long long)cases[i].iid,
			         !cases[i].reserved);
	}
}

static void test_iid_stable(void **state)
{
	(void)state;
	static const uint8_t secret[16] = { 0x5e, 0xc7, 0xe7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	uint8_t secret2[16];
	memcpy(secret2, secret, 16);
	secret2[15] ^= 1;
	struct hz_ipaddr p1 = A("2001:db8:1:2::"), p2 = A("2001:db8:1:3::");
	uint8_t a[8], b[8], c[8];

	/* the same inputs: the same IID, on every call */
	hz_ipv6_iid_stable(a, p1.b, MAC_H, 6, 0, secret);
	hz_ipv6_iid_stable(b, p1.b, MAC_H, 6, 0, secret);
	assert_memory_equal(a, b, 8);

	/* RFC 7217 5: RID = F(Prefix | Net_Iface | DAD_Counter, secret_key)
	 * with F = SipHash-2-4 (core's, checked against the reference vectors
	 * in core/tests), the
	 * 64-bit result big-endian as the IID */
	uint8_t cat[8 + 6 + 1];
	memcpy(cat, p1.b, 8);
	memcpy(cat + 8, MAC_H, 6);
	cat[14] = 0;
	iid(c, hz_siphash(secret, cat, sizeof cat));
	assert_memory_equal(a, c, 8);
	/* and for every interface-identifier length (streaming vs one shot) */
	uint8_t ifc[40], big[8 + 40 + 1];
	for (unsigned i = 0; i < sizeof ifc; i++)
		ifc[i] = (uint8_t)(0x30 + i);
	for (size_t n = 0; n <= sizeof ifc; n++) {
		memcpy(big, p2.b, 8);
		memcpy(big + 8, ifc, n);
		big[8 + n] = 7;
		iid(c, hz_siphash(secret2, big, 8 + n + 1));
		hz_ipv6_iid_stable(b, p2.b, ifc, n, 7, secret2);
		assert_memory_equal(b, c, 8);
	}

	/* only the first 8 bytes of the prefix count */
	struct hz_ipaddr p1x = A("2001:db8:1:2:ffff::1");
	hz_ipv6_iid_stable(b, p1x.b, MAC_H, 6, 0, secret);
	assert_memory_equal(a, b, 8);
	/* a different prefix, counter, interface or secret: a different IID */
	hz_ipv6_iid_stable(b, p2.b, MAC_H, 6, 0, secret);
	assert_memory_not_equal(a, b, 8);
	hz_ipv6_iid_stable(b, p1.b, MAC_H, 6, 1, secret);
	assert_memory_not_equal(a, b, 8);
	hz_ipv6_iid_stable(b, p1.b, MAC_R, 6, 0, secret);
	assert_memory_not_equal(a, b, 8);
	hz_ipv6_iid_stable(b, p1.b, MAC_H, 6, 0, secret2);
	assert_memory_not_equal(a, b, 8);
	/* and nothing of the MAC shows (no ff:fe in the middle) */
	assert_false(a[3] == 0xff && a[4] == 0xfe);
}

/* ------------------------------------------------------------------ */
/* Neighbour discovery: hand-built messages                            */
/* ------------------------------------------------------------------ */

/* RFC 4861 4.2 with SLLA (4.6.1), MTU (4.6.4), one prefix (4.6.2) and
 * RDNSS (RFC 8106 5.1) in the order haze emits them. */
static void build_ra(struct msg *m)
{
	/* cur hop limit 64; M, O, Prf 01 (high); lifetime 1800 s */
	m_begin(m, 134, 0, 64u << 24 | 0xc8u << 16 | 1800u);
	m_be32(m, 30000); /* reachable time, ms */
	m_be32(m, 1000);  /* retrans timer, ms */
	m_opt6(m, 1, MAC_R);
	m_u8(m, 5); /* MTU */
	m_u8(m, 1);
	m_be16(m, 0);
	m_be32(m, 1500);
	m_u8(m, 3); /* prefix information */
	m_u8(m, 4);
	m_u8(m, 64);
	m_u8(m, 0xc0); /* L, A */
	m_be32(m, 2592000);
	m_be32(m, 604800);
	m_be32(m, 0);
	m_addr(m, "2001:db8:1:2::");
	m_u8(m, 25); /* RDNSS, two addresses */
	m_u8(m, 5);
	m_be16(m, 0);
	m_be32(m, 3600);
	m_addr(m, "2001:db8::53");
	m_addr(m, "2001:db8::54");
	m_finish(m, &LL_R, &ALL_NODES);
}

static void test_nd_ra(void **state)
{
	(void)state;
	struct msg m;
	build_ra(&m);
	assert_int_equal(m.n, 16 + 8 + 8 + 32 + 40);
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
	assert_int_equal(why, HZ_IPV6_DROP_COUNT);
	assert_int_equal(nd.type, 134);
	assert_int_equal(nd.code, 0);
	assert_int_equal(nd.cur_hop_limit, 64);
	assert_true(nd.managed);
	assert_true(nd.other);
	assert_int_equal(nd.prf, 1);
	assert_int_equal(nd.router_lifetime, 1800);
	assert_int_equal(nd.reachable_time, 30000);
	assert_int_equal(nd.retrans_timer, 1000);
	assert_true(nd.has_slla);
	assert_memory_equal(nd.slla, MAC_R, 6);
	assert_false(nd.has_tlla);
	assert_true(nd.has_mtu);
	assert_int_equal(nd.mtu, 1500);
	assert_false(nd.has_nonce);
	assert_int_equal(nd.nprefixes, 1);
	assert_int_equal(nd.prefixes[0].plen, 64);
	assert_true(nd.prefixes[0].onlink);
	assert_true(nd.prefixes[0].autonomous);
	assert_int_equal(nd.prefixes[0].valid, 2592000);
	assert_int_equal(nd.prefixes[0].preferred, 604800);
	struct hz_ipaddr p = A("2001:db8:1:2::");
	assert_memory_equal(nd.prefixes[0].prefix, p.b, 16);
	assert_int_equal(nd.nrdnss, 2);
	assert_int_equal(nd.rdnss_lifetime, 3600);
	p = A("2001:db8::53");
	assert_memory_equal(nd.rdnss[0], p.b, 16);
	p = A("2001:db8::54");
	assert_memory_equal(nd.rdnss[1], p.b, 16);
	assert_null(nd.redirected);
	assert_int_equal(nd.skipped, 0);
	emits_same(&nd, &m, &LL_R, &ALL_NODES);

	/* flags: each alone, Prf values, the H/P/reserved bits ignored */
	static const struct {
		uint8_t flags;
		bool m, o;
		uint8_t prf;
	} fl[] = {
		{ 0x80, true, false, 0 }, { 0x40, false, true, 0 }, { 0x18, false, false, 3 },
		{ 0x10, false, false, 2 }, { 0x08, false, false, 1 }, { 0x27, false, false, 0 },
		{ 0xff, true, true, 3 },
	};
	for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
		m_begin(&m, 134, 0, 255u << 24 | (uint32_t)fl[i].flags << 16 | 0xffffu);
		m_be32(&m, 0xffffffffu);
		m_be32(&m, 0);
		m_finish(&m, &LL_R, &ALL_NODES);
		assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
		assert_int_equal(nd.cur_hop_limit, 255);
		assert_int_equal(nd.managed, fl[i].m);
		assert_int_equal(nd.other, fl[i].o);
		assert_int_equal(nd.prf, fl[i].prf);
		assert_int_equal(nd.router_lifetime, 0xffff);
		assert_int_equal(nd.reachable_time, 0xffffffffu);
		assert_int_equal(nd.retrans_timer, 0);
		assert_false(nd.has_slla || nd.has_mtu || nd.nprefixes || nd.nrdnss);
		/* emit writes M, O and Prf only */
		m.b[5] &= 0xd8;
		m_finish(&m, &LL_R, &ALL_NODES);
		emits_same(&nd, &m, &LL_R, &ALL_NODES);
	}
}

static void test_nd_ra_options(void **state)
{
	(void)state;
	struct msg m;
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;

	/* nine prefixes: eight kept, one skipped; bits past plen cleared;
	 * reserved2 ignored; flags L only / A only / neither */
	m_begin(&m, 134, 0, 64u << 24 | 1800u);
	m_be32(&m, 0);
	m_be32(&m, 0);
	for (unsigned i = 0; i < 9; i++) {
		m_u8(&m, 3);
		m_u8(&m, 4);
		m_u8(&m, (uint8_t)(48 + i * 10)); /* 48 .. 128 */
		m_u8(&m, (uint8_t)(i % 3 == 0 ? 0x80 : i % 3 == 1 ? 0x40 : 0x3f));
		m_be32(&m, 100 + i);
		m_be32(&m, 50 + i);
		m_be32(&m, 0xdeadbeef);
		for (unsigned j = 0; j < 16; j++)
			m_u8(&m, 0xff);
	}
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
	assert_int_equal(nd.nprefixes, HZ_IPV6_ND_MAX_PREFIXES);
	assert_int_equal(nd.skipped, 1);
	for (unsigned i = 0; i < 8; i++) {
		const struct hz_ipv6_nd_prefix *p = &nd.prefixes[i];
		unsigned plen = 48 + i * 10;
		assert_int_equal(p->plen, plen);
		assert_int_equal(p->onlink, i % 3 == 0);
		assert_int_equal(p->autonomous, i % 3 == 1);
		assert_int_equal(p->valid, 100 + i);
		assert_int_equal(p->preferred, 50 + i);
		for (unsigned bit = 0; bit < 128; bit++) {
			unsigned v = p->prefix[bit / 8] >> (7 - bit % 8) & 1;
			assert_int_equal(v, bit < plen ? 1 : 0);
		}
	}
	round_trip(&nd, &LL_R, &ALL_NODES);

	/* RDNSS: five addresses in one option (four kept), then another
	 * option with the same lifetime (skipped: full), and one with
	 * another lifetime (skipped) */
	m_begin(&m, 134, 0, 0);
	m_be32(&m, 0);
	m_be32(&m, 0);
	m_u8(&m, 25);
	m_u8(&m, 11);
	m_be16(&m, 0xffff); /* reserved: ignored */
	m_be32(&m, 600);
	for (unsigned i = 0; i < 5; i++) {
		char t[32];
		snprintf(t, sizeof t, "2001:db8::%u", i + 1);
		m_addr(&m, t);
	}
	m_u8(&m, 25);
	m_u8(&m, 3);
	m_be16(&m, 0);
	m_be32(&m, 600);
	m_addr(&m, "2001:db8::99");
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
	assert_int_equal(nd.nrdnss, 4);
	assert_int_equal(nd.rdnss_lifetime, 600);
	assert_int_equal(nd.skipped, 2);
	struct hz_ipaddr a4 = A("2001:db8::4");
	assert_memory_equal(nd.rdnss[3], a4.b, 16);

	/* two RDNSS options, same lifetime: accumulated; a third with
	 * another lifetime: skipped */
	m_begin(&m, 134, 0, 0);
	m_be32(&m, 0);
	m_be32(&m, 0);
	static const char *const rd[3] = { "2001:db8::a", "2001:db8::b", "2001:db8::c" };
	static const uint32_t life[3] = { 900, 900, 0 };
	for (unsigned i = 0; i < 3; i++) {
		m_u8(&m, 25);
		m_u8(&m, 3);
		m_be16(&m, 0);
		m_be32(&m, life[i]);
		m_addr(&m, rd[i]);
	}
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
	assert_int_equal(nd.nrdnss, 2);
	assert_int_equal(nd.rdnss_lifetime, 900);
	assert_int_equal(nd.skipped, 1);
	struct hz_ipaddr b = A("2001:db8::b");
	assert_memory_equal(nd.rdnss[1], b.b, 16);

	/* options RFC 4861 4.6 does not define for an RA (TLLA, redirected
	 * header), unknown ones (type 31, 200), a two-unit SLLA, a two-unit
	 * MTU, a second SLLA and a second MTU: all skipped; the first SLLA
	 * and MTU kept; a 2-unit nonce skipped, a 1-unit one kept */
	m_begin(&m, 134, 0, 0);
	m_be32(&m, 0);
	m_be32(&m, 0);
	m_opt6(&m, 2, MAC_H);        /* TLLA: skipped */
	m_u8(&m, 4);                 /* redirected header: skipped */
	m_u8(&m, 1);
	m_zero(&m, 6);
	m_u8(&m, 31);                /* unknown */
	m_u8(&m, 2);
	m_zero(&m, 14);
	m_u8(&m, 1);                 /* SLLA, 2 units (not Ethernet): skipped */
	m_u8(&m, 2);
	m_zero(&m, 14);
	m_opt6(&m, 1, MAC_R);        /* SLLA: kept */
	m_opt6(&m, 1, MAC_H);        /* second SLLA: skipped */
	m_u8(&m, 5);                 /* MTU, 2 units: skipped */
	m_u8(&m, 2);
	m_zero(&m, 14);
	m_u8(&m, 5);                 /* MTU */
	m_u8(&m, 1);
	m_be16(&m, 0xabcd);          /* reserved: ignored */
	m_be32(&m, 9000);
	m_u8(&m, 5);                 /* second MTU: skipped */
	m_u8(&m, 1);
	m_be16(&m, 0);
	m_be32(&m, 1280);
	m_u8(&m, 14);                /* nonce, 2 units: skipped */
	m_u8(&m, 2);
	m_zero(&m, 14);
	m_opt6(&m, 14, NONCE);       /* nonce: kept */
	m_u8(&m, 200);               /* unknown */
	m_u8(&m, 1);
	m_zero(&m, 6);
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
	assert_true(nd.has_slla);
	assert_memory_equal(nd.slla, MAC_R, 6);
	assert_false(nd.has_tlla);
	assert_true(nd.has_mtu);
	assert_int_equal(nd.mtu, 9000);
	assert_true(nd.has_nonce);
	assert_memory_equal(nd.nonce, NONCE, 6);
	assert_null(nd.redirected);
	assert_int_equal(nd.skipped, 9);

	/* a prefix of length 128 and one of 0 are fine */
	m_begin(&m, 134, 0, 0);
	m_be32(&m, 0);
	m_be32(&m, 0);
	m_u8(&m, 3);
	m_u8(&m, 4);
	m_u8(&m, 128);
	m_u8(&m, 0x80);
	m_be32(&m, 1);
	m_be32(&m, 1);
	m_be32(&m, 0);
	m_addr(&m, "2001:db8::1");
	m_u8(&m, 3);
	m_u8(&m, 4);
	m_u8(&m, 0);
	m_u8(&m, 0x80);
	m_be32(&m, 1);
	m_be32(&m, 1);
	m_be32(&m, 0);
	m_addr(&m, "2001:db8::1");
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &ALL_NODES, &why), HZ_OK);
	assert_int_equal(nd.nprefixes, 2);
	struct hz_ipaddr full = A("2001:db8::1"), none = A("::");
	assert_memory_equal(nd.prefixes[0].prefix, full.b, 16);
	assert_memory_equal(nd.prefixes[1].prefix, none.b, 16);
	/* emit zeroes what parse ignored (4.6.2: the sender MUST) */
	memset(m.b + 16 + 32 + 16, 0, 16);
	m_finish(&m, &LL_R, &ALL_NODES);
	emits_same(&nd, &m, &LL_R, &ALL_NODES);
}

/* RFC 4861 4.3 with SLLA and the RFC 3971 5.3.2 nonce (RFC 7527). */
static void build_ns(struct msg *m, const struct hz_ipaddr *s, const struct hz_ipaddr *d)
{
	m_begin(m, 135, 0, 0);
	m_addr(m, "2001:db8::2");
	m_opt6(m, 1, MAC_H);
	m_opt6(m, 14, NONCE);
	m_finish(m, s, d);
}

static void test_nd_ns(void **state)
{
	(void)state;
	struct msg m;
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	build_ns(&m, &LL_H, &SOL_H);
	assert_int_equal(m.n, 24 + 8 + 8);
	assert_int_equal(nd_of(&nd, &m, &LL_H, &SOL_H, &why), HZ_OK);
	assert_int_equal(nd.type, 135);
	assert_memory_equal(nd.target, GLOBAL_H.b, 16);
	assert_true(nd.has_slla);
	assert_memory_equal(nd.slla, MAC_H, 6);
	assert_true(nd.has_nonce);
	assert_memory_equal(nd.nonce, NONCE, 6);
	assert_false(nd.has_tlla || nd.has_mtu || nd.nprefixes || nd.nrdnss);
	assert_false(nd.router || nd.solicited || nd.override);
	assert_int_equal(nd.skipped, 0);
	emits_same(&nd, &m, &LL_H, &SOL_H);

	/* a DAD probe: from ::, no options, reserved bits set (ignored) */
	struct hz_ipaddr any = A("::");
	m_begin(&m, 135, 0, 0xffffffffu);
	m_addr(&m, "fe80::2");
	m_finish(&m, &any, &SOL_H);
	assert_int_equal(nd_of(&nd, &m, &any, &SOL_H, &why), HZ_OK);
	assert_memory_equal(nd.target, LL_H.b, 16);
	assert_false(nd.has_slla || nd.has_nonce);
	/* the code is passed up for the engine to check */
	m_begin(&m, 135, 7, 0);
	m_addr(&m, "fe80::2");
	m_finish(&m, &any, &SOL_H);
	assert_int_equal(nd_of(&nd, &m, &any, &SOL_H, &why), HZ_OK);
	assert_int_equal(nd.code, 7);
	emits_same(&nd, &m, &any, &SOL_H);

	/* options for other types (TLLA, prefix even with a bad length,
	 * MTU, RDNSS even with a bad length) are ignored */
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "2001:db8::2");
	m_opt6(&m, 2, MAC_R);
	m_u8(&m, 3);
	m_u8(&m, 1);
	m_u8(&m, 200);
	m_zero(&m, 5);
	m_u8(&m, 5);
	m_u8(&m, 1);
	m_zero(&m, 6);
	m_u8(&m, 25);
	m_u8(&m, 2);
	m_zero(&m, 14);
	m_finish(&m, &LL_H, &SOL_H);
	assert_int_equal(nd_of(&nd, &m, &LL_H, &SOL_H, &why), HZ_OK);
	assert_int_equal(nd.skipped, 4);
	assert_false(nd.has_tlla || nd.has_mtu || nd.nprefixes || nd.nrdnss);
}

/* RFC 4861 4.4 with TLLA. */
static void test_nd_na(void **state)
{
	(void)state;
	struct msg m;
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	m_begin(&m, 136, 0, 0xe0000000u); /* R, S, O */
	m_addr(&m, "2001:db8::2");
	m_opt6(&m, 2, MAC_H);
	m_finish(&m, &GLOBAL_H, &LL_R);
	assert_int_equal(nd_of(&nd, &m, &GLOBAL_H, &LL_R, &why), HZ_OK);
	assert_int_equal(nd.type, 136);
	assert_true(nd.router);
	assert_true(nd.solicited);
	assert_true(nd.override);
	assert_memory_equal(nd.target, GLOBAL_H.b, 16);
	assert_true(nd.has_tlla);
	assert_memory_equal(nd.tlla, MAC_H, 6);
	assert_false(nd.has_slla);
	emits_same(&nd, &m, &GLOBAL_H, &LL_R);

	/* each flag alone; the 29 reserved bits ignored */
	static const uint32_t fl[] = { 0x80000000u, 0x40000000u, 0x20000000u, 0x1fffffffu };
	for (size_t i = 0; i < 4; i++) {
		m_begin(&m, 136, 0, fl[i]);
		m_addr(&m, "fe80::2");
		m_finish(&m, &LL_H, &ALL_NODES);
		assert_int_equal(nd_of(&nd, &m, &LL_H, &ALL_NODES, &why), HZ_OK);
		assert_int_equal(nd.router, i == 0);
		assert_int_equal(nd.solicited, i == 1);
		assert_int_equal(nd.override, i == 2);
		assert_false(nd.has_tlla);
		if (i < 3)
			emits_same(&nd, &m, &LL_H, &ALL_NODES);
	}
	/* an SLLA in an NA is ignored (4.6.1) */
	m_begin(&m, 136, 0, 0x20000000u);
	m_addr(&m, "fe80::2");
	m_opt6(&m, 1, MAC_H);
	m_finish(&m, &LL_H, &ALL_NODES);
	assert_int_equal(nd_of(&nd, &m, &LL_H, &ALL_NODES, &why), HZ_OK);
	assert_false(nd.has_slla);
	assert_int_equal(nd.skipped, 1);
}

/* RFC 4861 4.5 with TLLA (4.6.1) and the redirected header (4.6.3). */
static void build_redirect(struct msg *m, size_t quote)
{
	m_begin(m, 137, 0, 0);
	m_addr(m, "fe80::3");        /* target: a better first hop */
	m_addr(m, "2001:db8:9::99"); /* destination */
	m_opt6(m, 2, MAC_R);
	m_u8(m, 4);
	m_u8(m, (uint8_t)(1 + quote / 8));
	m_zero(m, 6);
	for (size_t i = 0; i < quote; i++)
		m_u8(m, (uint8_t)(i == 0 ? 0x60 : i * 7));
	m_finish(m, &LL_R, &GLOBAL_H);
}

static void test_nd_redirect(void **state)
{
	(void)state;
	struct msg m;
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	build_redirect(&m, 48);
	assert_int_equal(m.n, 40 + 8 + 56);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &GLOBAL_H, &why), HZ_OK);
	assert_int_equal(nd.type, 137);
	struct hz_ipaddr t = A("fe80::3"), d = A("2001:db8:9::99");
	assert_memory_equal(nd.target, t.b, 16);
	assert_memory_equal(nd.dest, d.b, 16);
	assert_true(nd.has_tlla);
	assert_memory_equal(nd.tlla, MAC_R, 6);
	assert_ptr_equal(nd.redirected, m.b + 56);
	assert_int_equal(nd.redirected_len, 48);
	assert_int_equal(nd.redirected[0], 0x60);
	emits_same(&nd, &m, &LL_R, &GLOBAL_H);

	/* an empty redirected header (one unit) */
	build_redirect(&m, 0);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &GLOBAL_H, &why), HZ_OK);
	assert_non_null(nd.redirected);
	assert_int_equal(nd.redirected_len, 0);
	emits_same(&nd, &m, &LL_R, &GLOBAL_H);

	/* on-link redirect: target == destination, global */
	m_begin(&m, 137, 0, 0);
	m_addr(&m, "2001:db8:9::99");
	m_addr(&m, "2001:db8:9::99");
	m_finish(&m, &LL_R, &GLOBAL_H);
	assert_int_equal(nd_of(&nd, &m, &LL_R, &GLOBAL_H, &why), HZ_OK);
	assert_null(nd.redirected);
	assert_false(nd.has_tlla);
	emits_same(&nd, &m, &LL_R, &GLOBAL_H);

	/* emit trims a long quote so the IPv6 packet fits 1280 bytes, and
	 * pads an odd one with zeros */
	static uint8_t quote[3000];
	for (size_t i = 0; i < sizeof quote; i++)
		quote[i] = (uint8_t)(i * 13 + 1);
	struct hz_ipv6_nd e;
	memset(&e, 0, sizeof e);
	e.type = 137;
	e.target[0] = 0xfe;
	e.target[1] = 0x80;
	e.target[15] = 3;
	memcpy(e.dest, d.b, 16);
	e.has_tlla = true;
	memcpy(e.tlla, MAC_R, 6);
	e.redirected = quote;
	e.redirected_len = sizeof quote;
	uint8_t out[4096];
	int n = hz_ipv6_nd_emit(&e, &LL_R, &GLOBAL_H, out, sizeof out);
	/* 40 fixed + 8 TLLA + 8 option header + 1184 of the packet */
	assert_int_equal(n, 1280 - 40);
	assert_int_equal(out[48], 4);
	assert_int_equal(out[49], (1280 - 40 - 48) / 8);
	assert_memory_equal(out + 56, quote, 1184);
	assert_int_equal(ref_csum(LL_R.b, GLOBAL_H.b, out, (size_t)n), 0);
	for (size_t len = 1100; len < 1300; len++) {
		e.redirected_len = len;
		n = hz_ipv6_nd_emit(&e, &LL_R, &GLOBAL_H, out, sizeof out);
		assert_true(n <= 1240 && n % 8 == 0);
		size_t room = (size_t)n - 56;
		assert_true(room <= len + 7);
		assert_memory_equal(out + 56, quote, room < len ? room : len);
		for (size_t i = len; i < room; i++)
			assert_int_equal(out[56 + i], 0);
	}
	e.redirected_len = 13;
	n = hz_ipv6_nd_emit(&e, &LL_R, &GLOBAL_H, out, sizeof out);
	assert_int_equal(n, 56 + 16);
	assert_int_equal(out[49], 3);
	assert_memory_equal(out + 50, "\0\0\0\0\0\0", 6);
	assert_memory_equal(out + 56, quote, 13);
	assert_memory_equal(out + 69, "\0\0\0", 3);
}

/* RFC 4861 4.1 with SLLA, and without options. */
static void test_nd_rs(void **state)
{
	(void)state;
	struct msg m;
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	struct hz_ipaddr all_routers = A("ff02::2");
	m_begin(&m, 133, 0, 0);
	m_opt6(&m, 1, MAC_H);
	m_finish(&m, &LL_H, &all_routers);
	assert_int_equal(nd_of(&nd, &m, &LL_H, &all_routers, &why), HZ_OK);
	assert_int_equal(nd.type, 133);
	assert_true(nd.has_slla);
	assert_memory_equal(nd.slla, MAC_H, 6);
	emits_same(&nd, &m, &LL_H, &all_routers);

	m_begin(&m, 133, 0, 0x12345678u); /* reserved: ignored */
	m_finish(&m, &LL_H, &all_routers);
	assert_int_equal(nd_of(&nd, &m, &LL_H, &all_routers, &why), HZ_OK);
	assert_false(nd.has_slla);
	assert_int_equal(nd.skipped, 0);
	m.b[4] = m.b[5] = m.b[6] = m.b[7] = 0;
	m_finish(&m, &LL_H, &all_routers);
	emits_same(&nd, &m, &LL_H, &all_routers);
}

static void test_nd_errors(void **state)
{
	(void)state;
	struct msg m;

	/* zero-length option, first and after a good one (4.6) */
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "2001:db8::2");
	m_u8(&m, 1);
	m_u8(&m, 0);
	m_zero(&m, 6);
	m_finish(&m, &LL_H, &SOL_H);
	nd_fails(&m, &LL_H, &SOL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "2001:db8::2");
	m_opt6(&m, 1, MAC_H);
	m_u8(&m, 99);
	m_u8(&m, 0);
	m_zero(&m, 6);
	m_finish(&m, &LL_H, &SOL_H);
	nd_fails(&m, &LL_H, &SOL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	/* an option overrunning the message, by one unit and by one byte */
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "2001:db8::2");
	m_u8(&m, 1);
	m_u8(&m, 2);
	m_bytes(&m, MAC_H, 6);
	m_finish(&m, &LL_H, &SOL_H);
	nd_fails(&m, &LL_H, &SOL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "2001:db8::2");
	m_u8(&m, 1);
	m_u8(&m, 1);
	m_bytes(&m, MAC_H, 5);
	m_finish(&m, &LL_H, &SOL_H);
	nd_fails(&m, &LL_H, &SOL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	/* a lone trailing byte (no room for a length) */
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "2001:db8::2");
	m_opt6(&m, 1, MAC_H);
	m_u8(&m, 1);
	m_finish(&m, &LL_H, &SOL_H);
	nd_fails(&m, &LL_H, &SOL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	/* an overrun in an RS (options right after the header) */
	struct hz_ipaddr all_routers = A("ff02::2");
	m_begin(&m, 133, 0, 0);
	m_u8(&m, 1);
	m_u8(&m, 255);
	m_zero(&m, 6);
	m_finish(&m, &LL_H, &all_routers);
	nd_fails(&m, &LL_H, &all_routers, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);

	/* prefix option of 3 and 5 units; prefix length 129 and 255 */
	static const uint8_t plens[4][2] = { { 3, 64 }, { 5, 64 }, { 4, 129 }, { 4, 255 } };
	for (unsigned i = 0; i < 4; i++) {
		m_begin(&m, 134, 0, 0);
		m_be32(&m, 0);
		m_be32(&m, 0);
		m_u8(&m, 3);
		m_u8(&m, plens[i][0]);
		m_u8(&m, plens[i][1]);
		m_u8(&m, 0xc0);
		m_zero(&m, 8u * plens[i][0] - 4);
		m_finish(&m, &LL_R, &ALL_NODES);
		nd_fails(&m, &LL_R, &ALL_NODES, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	}
	/* RDNSS lengths 1, 2 and 4 (RFC 8106 5.3.1: >= 3 and odd) */
	static const uint8_t rlens[3] = { 1, 2, 4 };
	for (unsigned i = 0; i < 3; i++) {
		m_begin(&m, 134, 0, 0);
		m_be32(&m, 0);
		m_be32(&m, 0);
		m_u8(&m, 25);
		m_u8(&m, rlens[i]);
		m_zero(&m, 8u * rlens[i] - 2);
		m_finish(&m, &LL_R, &ALL_NODES);
		nd_fails(&m, &LL_R, &ALL_NODES, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_BAD_OPTION);
	}

	/* multicast target in an NS and an NA (7.1.1, 7.1.2) */
	m_begin(&m, 135, 0, 0);
	m_addr(&m, "ff02::1:ff00:2");
	m_finish(&m, &LL_H, &SOL_H);
	nd_fails(&m, &LL_H, &SOL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_INVALID);
	m_begin(&m, 136, 0, 0x20000000u);
	m_addr(&m, "ff02::1");
	m_finish(&m, &LL_H, &ALL_NODES);
	nd_fails(&m, &LL_H, &ALL_NODES, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_INVALID);
	/* redirect (8.1): multicast destination; global target != dest */
	m_begin(&m, 137, 0, 0);
	m_addr(&m, "fe80::3");
	m_addr(&m, "ff0e::1");
	m_finish(&m, &LL_R, &GLOBAL_H);
	nd_fails(&m, &LL_R, &GLOBAL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_INVALID);
	m_begin(&m, 137, 0, 0);
	m_addr(&m, "2001:db8::3");
	m_addr(&m, "2001:db8:9::99");
	m_finish(&m, &LL_R, &GLOBAL_H);
	nd_fails(&m, &LL_R, &GLOBAL_H, HZ_ERR_MALFORMED, HZ_IPV6_DROP_ND_INVALID);

	/* not an ND type; a hand-made view shorter than the fixed part */
	struct hz_ipv6_icmp ic;
	struct hz_ipv6_nd nd;
	static const uint8_t body[32];
	memset(&ic, 0, sizeof ic);
	ic.type = 128;
	ic.data = body;
	ic.data_len = sizeof body;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_nd_parse(&nd, &ic, &why), HZ_ERR_INVALID);
	assert_int_equal(why, HZ_IPV6_DROP_ND_INVALID);
	ic.type = 138;
	assert_int_equal(hz_ipv6_nd_parse(&nd, &ic, NULL), HZ_ERR_INVALID);
	static const struct {
		uint8_t type;
		size_t len;
	} shortv[] = { { 134, 7 }, { 135, 15 }, { 136, 0 }, { 137, 31 } };
	for (size_t i = 0; i < 4; i++) {
		ic.type = shortv[i].type;
		ic.data_len = shortv[i].len;
		why = HZ_IPV6_DROP_COUNT;
		assert_int_equal(hz_ipv6_nd_parse(&nd, &ic, &why), HZ_ERR_MALFORMED);
		assert_int_equal(why, HZ_IPV6_DROP_ND_INVALID);
	}
	/* and the RS minimum is the ICMP header alone */
	ic.type = 133;
	ic.data_len = 0;
	assert_int_equal(hz_ipv6_nd_parse(&nd, &ic, NULL), HZ_OK);
}

static void test_nd_emit(void **state)
{
	(void)state;
	struct hz_ipv6_nd e;
	uint8_t out[2048];

	/* bad arguments */
	memset(&e, 0, sizeof e);
	e.type = 132;
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_R, &ALL_NODES, out, sizeof out), HZ_ERR_INVALID);
	e.type = 138;
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_R, &ALL_NODES, out, sizeof out), HZ_ERR_INVALID);
	e.type = 134;
	e.nprefixes = HZ_IPV6_ND_MAX_PREFIXES + 1;
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_R, &ALL_NODES, out, sizeof out), HZ_ERR_INVALID);
	e.nprefixes = 1;
	e.prefixes[0].plen = 129;
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_R, &ALL_NODES, out, sizeof out), HZ_ERR_INVALID);
	e.nprefixes = 0;
	e.nrdnss = HZ_IPV6_ND_MAX_RDNSS + 1;
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_R, &ALL_NODES, out, sizeof out), HZ_ERR_INVALID);

	/* a full RA: every field set, round trip; prefix bits past plen
	 * cleared on the wire */
	memset(&e, 0, sizeof e);
	e.type = 134;
	e.cur_hop_limit = 1;
	e.managed = true;
	e.prf = 3;
	e.router_lifetime = 9000;
	e.reachable_time = 3600000;
	e.retrans_timer = 0xfffffffe;
	e.has_slla = true;
	memcpy(e.slla, MAC_R, 6);
	e.has_mtu = true;
	e.mtu = 65535;
	e.has_nonce = true;
	memcpy(e.nonce, NONCE, 6);
	e.nprefixes = HZ_IPV6_ND_MAX_PREFIXES;
	for (unsigned i = 0; i < e.nprefixes; i++) {
		struct hz_ipv6_nd_prefix *p = &e.prefixes[i];
		p->plen = (uint8_t)(i * 16 + 7);
		p->onlink = i & 1;
		p->autonomous = i & 2;
		p->valid = 0xffffffffu - i;
		p->preferred = i;
		for (unsigned j = 0; j < 16; j++)
			p->prefix[j] = 0xff;
	}
	e.nrdnss = HZ_IPV6_ND_MAX_RDNSS;
	e.rdnss_lifetime = 0xffffffffu;
	for (unsigned i = 0; i < e.nrdnss; i++) {
		e.rdnss[i][0] = 0x20;
		e.rdnss[i][15] = (uint8_t)i;
	}
	int n = hz_ipv6_nd_emit(&e, &LL_R, &ALL_NODES, out, sizeof out);
	assert_int_equal(n, 16 + 8 + 8 + 8 + 8 * 32 + 8 + 4 * 16);
	assert_int_equal(ref_csum(LL_R.b, ALL_NODES.b, out, (size_t)n), 0);
	assert_int_equal(out[5], 0x98); /* M, Prf 11 */
	/* the first prefix option: /7 of all-ones on the wire is fe00:: */
	assert_int_equal(out[40], 3);
	assert_int_equal(out[42], 7);
	assert_int_equal(out[56], 0xfe);
	assert_int_equal(out[57], 0);
	assert_memory_equal(out + 52, "\0\0\0\0", 4); /* reserved2 */
	for (unsigned i = 0; i < e.nprefixes; i++) {
		struct hz_ipv6_nd_prefix *p = &e.prefixes[i];
		for (unsigned bit = p->plen; bit < 128; bit++)
			p->prefix[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	}
	round_trip(&e, &LL_R, &ALL_NODES);

	/* NS, NA, redirect and RS from structs */
	memset(&e, 0, sizeof e);
	e.type = 135;
	memcpy(e.target, GLOBAL_H.b, 16);
	e.has_nonce = true;
	memcpy(e.nonce, NONCE, 6);
	struct hz_ipaddr any = A("::"), all_routers = A("ff02::2");
	round_trip(&e, &any, &SOL_H);
	memset(&e, 0, sizeof e);
	e.type = 136;
	e.solicited = e.override = true;
	memcpy(e.target, LL_H.b, 16);
	e.has_tlla = true;
	memcpy(e.tlla, MAC_H, 6);
	round_trip(&e, &LL_H, &LL_R);
	memset(&e, 0, sizeof e);
	e.type = 137;
	memcpy(e.target, LL_R.b, 16);
	memcpy(e.dest, GLOBAL_H.b, 16);
	static const uint8_t q[40] = { 0x60 };
	e.redirected = q;
	e.redirected_len = sizeof q;
	round_trip(&e, &LL_R, &GLOBAL_H);
	memset(&e, 0, sizeof e);
	e.type = 133;
	round_trip(&e, &LL_H, &all_routers);
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_H, &ALL_NODES, out, sizeof out), 8);
	assert_int_equal(hz_ipv6_nd_emit(&e, &LL_H, &ALL_NODES, out, 7), HZ_ERR_NO_SPACE);
}

/* ------------------------------------------------------------------ */
/* MLD                                                                 */
/* ------------------------------------------------------------------ */

static int mld_of(struct hz_ipv6_mld_query *q, const struct msg *m, enum hz_ipv6_drop *why)
{
	struct hz_ipv6_icmp ic;
	assert_int_equal(hz_ipv6_icmp_parse(&ic, m->b, m->n, &LL_R, &ALL_NODES, NULL), HZ_OK);
	*why = HZ_IPV6_DROP_COUNT;
	return hz_ipv6_mld_query_parse(q, &ic, why);
}

/* An MLDv2 query (RFC 3810 5.1) with the given codes and sources. */
static void build_query2(struct msg *m, uint16_t mrc, const char *group, uint8_t sqrv,
                         uint8_t qqic, unsigned nsrc, size_t extra)
{
	m_begin(m, 130, 0, (uint32_t)mrc << 16);
	m_addr(m, group);
	m_u8(m, sqrv);
	m_u8(m, qqic);
	m_be16(m, (uint16_t)nsrc);
	for (unsigned i = 0; i < nsrc; i++) {
		char t[32];
		snprintf(t, sizeof t, "2001:db8::%x", 0x100 + i);
		m_addr(m, t);
	}
	m_zero(m, extra);
	m_finish(m, &LL_R, &ALL_NODES);
}

static void test_mld_query(void **state)
{
	(void)state;
	struct msg m;
	struct hz_ipv6_mld_query q;
	enum hz_ipv6_drop why;

	/* MLDv1 general query (RFC 2710 3): 24 bytes, delay 10000 ms */
	m_begin(&m, 130, 0, 10000u << 16 | 0xffffu);
	m_addr(&m, "::");
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(mld_of(&q, &m, &why), HZ_OK);
	assert_int_equal(q.version, 1);
	assert_int_equal(q.max_resp_ms, 10000);
	assert_true(hz_ipv6_addr_is_unspecified(q.group));
	assert_int_equal(q.nsources, 0);
	/* v1 takes the 16 bits as plain milliseconds, even above 32767 */
	m_begin(&m, 130, 0, 0xffffu << 16);
	m_addr(&m, "ff05::1:3");
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(mld_of(&q, &m, &why), HZ_OK);
	assert_int_equal(q.version, 1);
	assert_int_equal(q.max_resp_ms, 65535);
	struct hz_ipaddr g = A("ff05::1:3");
	assert_memory_equal(q.group, g.b, 16);

	/* MLDv2: Maximum Response Code (5.1.3) and QQIC (5.1.9); the
	 * expected values are worked by hand from the formulas:
	 * 0x8000: mant 0, exp 0 -> 0x1000 << 3 = 32768
	 * 0xa3c2: exp 2, mant 0x3c2 -> 0x13c2 << 5 = 5058 * 32 = 161856
	 * 0xffff: exp 7, mant 0xfff -> 0x1fff << 10 = 8387584
	 * QQIC 0x80 -> 0x10 << 3 = 128; 0x9a: exp 1, mant 0xa -> 26 << 4 = 416;
	 * 0xff -> 31 << 10 = 31744 */
	static const struct {
		uint16_t mrc;
		uint32_t ms;
		uint8_t qqic;
		uint32_t qqi;
	} codes[] = {
		{ 0, 0, 0, 0 },
		{ 10000, 10000, 125, 125 },
		{ 32767, 32767, 127, 127 },
		{ 0x8000, 32768, 0x80, 128 },
		{ 0xa3c2, 161856, 0x9a, 416 },
		{ 0xffff, 8387584, 0xff, 31744 },
	};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		build_query2(&m, codes[i].mrc, "::", 0x02, codes[i].qqic, 0, 0);
		assert_int_equal(m.n, 28);
		assert_int_equal(mld_of(&q, &m, &why), HZ_OK);
		assert_int_equal(q.version, 2);
		assert_int_equal(q.max_resp_ms, codes[i].ms);
		assert_int_equal(q.qqi_s, codes[i].qqi);
		assert_int_equal(q.qrv, 2);
		assert_false(q.suppress);
		assert_int_equal(q.nsources, 0);
	}
	/* S flag, QRV 7, reserved bits ignored; a group-and-source-specific
	 * query with 3 sources and 5 extra bytes (5.1.12: ignored) */
	build_query2(&m, 1000, "ff3e::8000:1", 0xff, 60, 3, 5);
	assert_int_equal(mld_of(&q, &m, &why), HZ_OK);
	assert_int_equal(q.version, 2);
	assert_true(q.suppress);
	assert_int_equal(q.qrv, 7);
	assert_int_equal(q.qqi_s, 60);
	assert_int_equal(q.nsources, 3);
	assert_ptr_equal(q.sources, m.b + 28);
	struct hz_ipaddr s2 = A("2001:db8::102");
	assert_memory_equal(q.sources + 32, s2.b, 16);
	g = A("ff3e::8000:1");
	assert_memory_equal(q.group, g.b, 16);
	build_query2(&m, 1000, "ff02::1", 0x08, 60, 0, 0);
	assert_int_equal(mld_of(&q, &m, &why), HZ_OK);
	assert_true(q.suppress);
	assert_int_equal(q.qrv, 0);

	/* lengths 25..27 (8.1); sources past the end; a unicast group */
	for (size_t extra = 1; extra <= 3; extra++) {
		m_begin(&m, 130, 0, 0);
		m_addr(&m, "::");
		m_zero(&m, extra);
		m_finish(&m, &LL_R, &ALL_NODES);
		assert_int_equal(mld_of(&q, &m, &why), HZ_ERR_MALFORMED);
		assert_int_equal(why, HZ_IPV6_DROP_MLD_INVALID);
	}
	build_query2(&m, 1000, "ff02::1", 2, 60, 2, 0);
	m.b[26] = 0;
	m.b[27] = 3; /* claims 3 sources, holds 2 */
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(mld_of(&q, &m, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_MLD_INVALID);
	m.b[27] = 2;
	m.n -= 1; /* 2 sources minus a byte */
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(mld_of(&q, &m, &why), HZ_ERR_MALFORMED);
	build_query2(&m, 1000, "ff02::1", 2, 60, 1, 0);
	m.b[26] = m.b[27] = 0xff;
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(mld_of(&q, &m, &why), HZ_ERR_MALFORMED);
	build_query2(&m, 1000, "2001:db8::1", 2, 60, 0, 0);
	assert_int_equal(mld_of(&q, &m, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_MLD_INVALID);
	m_begin(&m, 130, 0, 0);
	m_addr(&m, "fe80::1");
	m_finish(&m, &LL_R, &ALL_NODES);
	assert_int_equal(mld_of(&q, &m, &why), HZ_ERR_MALFORMED);
	/* not a query */
	struct hz_ipv6_icmp ic;
	memset(&ic, 0, sizeof ic);
	ic.type = 131;
	ic.data = m.b + 8;
	ic.data_len = 16;
	assert_int_equal(hz_ipv6_mld_query_parse(&q, &ic, &why), HZ_ERR_INVALID);
	assert_int_equal(why, HZ_IPV6_DROP_MLD_INVALID);
	/* a hand-made view shorter than 24 */
	ic.type = 130;
	ic.data_len = 15;
	assert_int_equal(hz_ipv6_mld_query_parse(&q, &ic, &why), HZ_ERR_MALFORMED);
}

static void test_mld_report(void **state)
{
	(void)state;
	struct hz_ipv6_mld_record recs[3] = {
		{ HZ_IPV6_MLD_IS_EXCLUDE, { 0 }, 0 },
		{ HZ_IPV6_MLD_TO_EXCLUDE, { 0 }, 7 }, /* nsources ignored on emit */
		{ HZ_IPV6_MLD_TO_INCLUDE, { 0 }, 0 },
	};
	struct hz_ipaddr g0 = A("ff02::1:ff00:2"), g1 = A("ff05::1:3"), g2 = A("ff02::fb");
	memcpy(recs[0].group, g0.b, 16);
	memcpy(recs[1].group, g1.b, 16);
	memcpy(recs[2].group, g2.b, 16);

	/* the expected bytes (RFC 3810 5.2) */
	struct msg m;
	m_begin(&m, 143, 0, 3);
	for (unsigned i = 0; i < 3; i++) {
		m_u8(&m, recs[i].type);
		m_u8(&m, 0);
		m_be16(&m, 0);
		m_bytes(&m, recs[i].group, 16);
	}
	m_finish(&m, &LL_H, &MLD2_ROUTERS);
	uint8_t out[256];
	assert_int_equal(hz_ipv6_mld2_report_emit(recs, 3, &LL_H, &MLD2_ROUTERS, out, sizeof out), 68);
	assert_memory_equal(out, m.b, 68);
	for (size_t cap = 0; cap < 68; cap++)
		assert_int_equal(hz_ipv6_mld2_report_emit(recs, 3, &LL_H, &MLD2_ROUTERS, out, cap),
		                 HZ_ERR_NO_SPACE);
	/* none: an empty report */
	assert_int_equal(hz_ipv6_mld2_report_emit(recs, 0, &LL_H, &MLD2_ROUTERS, out, sizeof out), 8);
	assert_int_equal(ref_csum(LL_H.b, MLD2_ROUTERS.b, out, 8), 0);
	assert_int_equal(out[0], 143);
	assert_int_equal(out[7], 0);
	assert_int_equal(hz_ipv6_mld2_report_emit(recs, 70000, &LL_H, &MLD2_ROUTERS, out, sizeof out),
	                 HZ_ERR_INVALID);

	/* parse it back */
	struct hz_ipv6_icmp ic;
	assert_int_equal(hz_ipv6_icmp_parse(&ic, m.b, m.n, &LL_H, &MLD2_ROUTERS, NULL), HZ_OK);
	struct hz_ipv6_mld_record got[4];
	size_t n = 99;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_OK);
	assert_int_equal(n, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(got[i].type, recs[i].type);
		assert_memory_equal(got[i].group, recs[i].group, 16);
		assert_int_equal(got[i].nsources, 0);
	}
	/* fewer slots than records: the count still says 3 */
	memset(got, 0xaa, sizeof got);
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 1, &n, &why), HZ_OK);
	assert_int_equal(n, 3);
	assert_int_equal(got[0].type, HZ_IPV6_MLD_IS_EXCLUDE);
	assert_int_equal(got[1].type, 0xaa);
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, NULL, 0, &n, &why), HZ_OK);
	assert_int_equal(n, 3);

	/* records with sources and auxiliary data, hand-built, are skipped
	 * over; trailing bytes after the last record ignored */
	m_begin(&m, 143, 0, 0xffff0002u); /* reserved half set */
	m_u8(&m, HZ_IPV6_MLD_ALLOW);
	m_u8(&m, 2); /* 2 words of aux data */
	m_be16(&m, 2);
	m_addr(&m, "ff0e::1234");
	m_addr(&m, "2001:db8::1");
	m_addr(&m, "2001:db8::2");
	m_be32(&m, 0x11111111);
	m_be32(&m, 0x22222222);
	m_u8(&m, HZ_IPV6_MLD_BLOCK);
	m_u8(&m, 0);
	m_be16(&m, 1);
	m_addr(&m, "ff0e::5678");
	m_addr(&m, "2001:db8::3");
	m_zero(&m, 4);
	m_finish(&m, &LL_H, &MLD2_ROUTERS);
	assert_int_equal(hz_ipv6_icmp_parse(&ic, m.b, m.n, &LL_H, &MLD2_ROUTERS, NULL), HZ_OK);
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_OK);
	assert_int_equal(n, 2);
	struct hz_ipaddr x = A("ff0e::1234"), y = A("ff0e::5678");
	assert_int_equal(got[0].type, HZ_IPV6_MLD_ALLOW);
	assert_memory_equal(got[0].group, x.b, 16);
	assert_int_equal(got[0].nsources, 2);
	assert_int_equal(got[1].type, HZ_IPV6_MLD_BLOCK);
	assert_memory_equal(got[1].group, y.b, 16);
	assert_int_equal(got[1].nsources, 1);

	/* overruns: drop the trailing padding and one more byte; a count
	 * above the records held; a truncated record header */
	size_t full = m.n - 4;
	for (size_t cut = 1; cut <= 40; cut++) {
		ic.data_len = full - 8 - cut;
		n = 99;
		why = HZ_IPV6_DROP_COUNT;
		assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_ERR_MALFORMED);
		assert_int_equal(why, HZ_IPV6_DROP_MLD_INVALID);
		assert_int_equal(n, 0);
	}
	ic.data_len = full - 8;
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_OK);
	ic.rest = 3;
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_ERR_MALFORMED);
	ic.rest = 0xffff;
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_ERR_MALFORMED);
	ic.type = 131;
	assert_int_equal(hz_ipv6_mld2_report_parse(&ic, got, 4, &n, &why), HZ_ERR_INVALID);
}

/* ------------------------------------------------------------------ */
/* --pcap: messages for tshark                                         */
/* ------------------------------------------------------------------ */

static FILE *pcap;
static unsigned frames;

static void pcap_le32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, pcap);
}

/* One Ethernet frame with an IPv6 header (hop limit 255) around msg,
 * and a line of "field=value" that tshark must agree with. */
static void frame(const uint8_t *msg, size_t n, const struct hz_ipaddr *s,
                  const struct hz_ipaddr *d, const char *expect)
{
	uint8_t f[2048];
	static const uint8_t dmac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	memcpy(f, dmac, 6);
	memcpy(f + 6, MAC_R, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	uint8_t *ip = f + 14;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(n >> 8);
	ip[5] = (uint8_t)n;
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, s->b, 16);
	memcpy(ip + 24, d->b, 16);
	memcpy(ip + 40, msg, n);
	size_t len = 14 + 40 + n;
	pcap_le32(++frames);
	pcap_le32(0);
	pcap_le32((uint32_t)len);
	pcap_le32((uint32_t)len);
	fwrite(f, 1, len, pcap);
	printf("%s\n", expect);
}

static void emit_frame(const struct hz_ipv6_nd *nd, const struct hz_ipaddr *s,
                       const struct hz_ipaddr *d, const char *expect)
{
	uint8_t out[2048];
	int n = hz_ipv6_nd_emit(nd, s, d, out, sizeof out);
	if (n < 0)
		abort();
	frame(out, (size_t)n, s, d, expect);
}

static int write_pcap(const char *path)
{
	pcap = fopen(path, "wb");
	if (!pcap)
		return 1;
	setup_addrs(NULL);
	pcap_le32(0xa1b2c3d4u); /* classic pcap, microseconds */
	uint8_t hdr[4] = { 2, 0, 4, 0 };
	fwrite(hdr, 1, 4, pcap);
	pcap_le32(0);
	pcap_le32(0);
	pcap_le32(65535);
	pcap_le32(1); /* Ethernet */

	/* Each expectation lists tshark field names and the values the
	 * struct was given (not what emit wrote). */
	struct hz_ipv6_nd e;
	memset(&e, 0, sizeof e);
	e.type = 134;
	e.cur_hop_limit = 64;
	e.managed = true;
	e.prf = 3;
	e.router_lifetime = 1800;
	e.reachable_time = 30000;
	e.retrans_timer = 1000;
	e.has_slla = true;
	memcpy(e.slla, MAC_R, 6);
	e.has_mtu = true;
	e.mtu = 1480;
	e.nprefixes = 2;
	e.prefixes[0].plen = 64;
	e.prefixes[0].onlink = true;
	e.prefixes[0].autonomous = true;
	e.prefixes[0].valid = 2592000;
	e.prefixes[0].preferred = 604800;
	memcpy(e.prefixes[0].prefix, A("2001:db8:1:2::").b, 16);
	e.prefixes[1].plen = 48;
	e.prefixes[1].onlink = true;
	e.prefixes[1].valid = 0xffffffffu;
	e.prefixes[1].preferred = 0xffffffffu;
	memcpy(e.prefixes[1].prefix, A("2001:db8:aa::").b, 16);
	e.nrdnss = 2;
	e.rdnss_lifetime = 3600;
	memcpy(e.rdnss[0], A("2001:db8::53").b, 16);
	memcpy(e.rdnss[1], A("2001:db8::54").b, 16);
	emit_frame(&e, &LL_R, &ALL_NODES,
	           "icmpv6.type=134;icmpv6.code=0;icmpv6.checksum.status=1;"
	           "icmpv6.nd.ra.cur_hop_limit=64;icmpv6.nd.ra.flag.m=1;icmpv6.nd.ra.flag.o=0;"
	           "icmpv6.nd.ra.flag.prf=3;icmpv6.nd.ra.router_lifetime=1800;"
	           "icmpv6.nd.ra.reachable_time=30000;icmpv6.nd.ra.retrans_timer=1000;"
	           "icmpv6.opt.type=1,5,3,3,25;icmpv6.opt.src_linkaddr=00:11:22:33:44:55;"
	           "icmpv6.opt.mtu=1480;icmpv6.opt.prefix=2001:db8:1:2::,2001:db8:aa::;"
	           "icmpv6.opt.prefix.length=64,48;icmpv6.opt.prefix.flag.l=1,1;"
	           "icmpv6.opt.prefix.flag.a=1,0;"
	           "icmpv6.opt.prefix.valid_lifetime=2592000,4294967295;"
	           "icmpv6.opt.prefix.preferred_lifetime=604800,4294967295;"
	           "icmpv6.opt.rdnss=2001:db8::53,2001:db8::54;icmpv6.opt.rdnss.lifetime=3600");

	memset(&e, 0, sizeof e);
	e.type = 135;
	memcpy(e.target, GLOBAL_H.b, 16);
	e.has_slla = true;
	memcpy(e.slla, MAC_H, 6);
	e.has_nonce = true;
	memcpy(e.nonce, NONCE, 6);
	emit_frame(&e, &LL_H, &SOL_H,
	           "icmpv6.type=135;icmpv6.checksum.status=1;icmpv6.nd.ns.target_address=2001:db8::2;"
	           "icmpv6.opt.type=1,14;icmpv6.opt.src_linkaddr=02:00:00:00:00:02;"
	           "icmpv6.opt.nonce=deadbeef0102");

	memset(&e, 0, sizeof e);
	e.type = 136;
	e.router = e.override = true;
	memcpy(e.target, A("fe80::1").b, 16);
	e.has_tlla = true;
	memcpy(e.tlla, MAC_R, 6);
	emit_frame(&e, &LL_R, &ALL_NODES,
	           "icmpv6.type=136;icmpv6.checksum.status=1;icmpv6.nd.na.flag.r=1;"
	           "icmpv6.nd.na.flag.s=0;icmpv6.nd.na.flag.o=1;icmpv6.nd.na.target_address=fe80::1;"
	           "icmpv6.opt.type=2;icmpv6.opt.target_linkaddr=00:11:22:33:44:55");

	memset(&e, 0, sizeof e);
	e.type = 137;
	memcpy(e.target, A("fe80::3").b, 16);
	memcpy(e.dest, A("2001:db8:9::99").b, 16);
	e.has_tlla = true;
	memcpy(e.tlla, MAC_H, 6);
	/* the quoted packet: an IPv6 header with no payload */
	static uint8_t quoted[40];
	quoted[0] = 0x60;
	quoted[6] = 59;
	quoted[7] = 64;
	memcpy(quoted + 8, GLOBAL_H.b, 16);
	memcpy(quoted + 24, A("2001:db8:9::99").b, 16);
	e.redirected = quoted;
	e.redirected_len = sizeof quoted;
	emit_frame(&e, &LL_R, &GLOBAL_H,
	           "icmpv6.type=137;icmpv6.checksum.status=1;icmpv6.nd.rd.target_address=fe80::3;"
	           "icmpv6.rd.na.destination_address=2001:db8:9::99;icmpv6.opt.type=2,4;"
	           "icmpv6.opt.target_linkaddr=02:00:00:00:00:02;icmpv6.opt.length=1,6");

	memset(&e, 0, sizeof e);
	e.type = 133;
	e.has_slla = true;
	memcpy(e.slla, MAC_H, 6);
	struct hz_ipaddr all_routers = A("ff02::2");
	emit_frame(&e, &LL_H, &all_routers,
	           "icmpv6.type=133;icmpv6.checksum.status=1;icmpv6.opt.type=1;"
	           "icmpv6.opt.src_linkaddr=02:00:00:00:00:02");

	struct hz_ipv6_mld_record recs[3] = {
		{ HZ_IPV6_MLD_IS_EXCLUDE, { 0 }, 0 },
		{ HZ_IPV6_MLD_TO_EXCLUDE, { 0 }, 0 },
		{ HZ_IPV6_MLD_TO_INCLUDE, { 0 }, 0 },
	};
	memcpy(recs[0].group, A("ff02::1:ff00:2").b, 16);
	memcpy(recs[1].group, A("ff05::1:3").b, 16);
	memcpy(recs[2].group, A("ff02::fb").b, 16);
	uint8_t out[256];
	int n = hz_ipv6_mld2_report_emit(recs, 3, &LL_H, &MLD2_ROUTERS, out, sizeof out);
	if (n < 0)
		abort();
	frame(out, (size_t)n, &LL_H, &MLD2_ROUTERS,
	      "icmpv6.type=143;icmpv6.checksum.status=1;icmpv6.mldr.nb_mcast_records=3;"
	      "icmpv6.mldr.mar.record_type=2,4,3;icmpv6.mldr.mar.nb_sources=0,0,0;"
	      "icmpv6.mldr.mar.multicast_address=ff02::1:ff00:2,ff05::1:3,ff02::fb");

	/* MLDv2 queries, hand-built: here the line is what haze's parser
	 * decoded, and tshark's own decoding is the oracle */
	static const struct {
		uint16_t mrc;
		uint8_t qqic;
		uint8_t sqrv;
	} qs[] = { { 10000, 125, 2 }, { 0x8000, 0x80, 0x0a }, { 0xa3c2, 0x9a, 7 },
	           { 0xffff, 0xff, 1 }, { 0x9234, 0xc5, 3 } };
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		struct msg m;
		build_query2(&m, qs[i].mrc, i & 1 ? "ff02::fb" : "::", qs[i].sqrv, qs[i].qqic,
		             (unsigned)i, 0);
		struct hz_ipv6_icmp ic;
		struct hz_ipv6_mld_query q;
		if (hz_ipv6_icmp_parse(&ic, m.b, m.n, &LL_R, &ALL_NODES, NULL) ||
		    hz_ipv6_mld_query_parse(&q, &ic, NULL))
			abort();
		char line[512];
		snprintf(line, sizeof line,
		         "icmpv6.type=130;icmpv6.checksum.status=1;icmpv6.mld.maximum_response_code=%u;"
		         "icmpv6.mld.qqi=%u;icmpv6.mld.flag.s=%u;icmpv6.mld.flag.qrv=%u;"
		         "icmpv6.mld.nb_sources=%u",
		         (unsigned)q.max_resp_ms, (unsigned)q.qqi_s, (unsigned)q.suppress,
		         (unsigned)q.qrv, (unsigned)q.nsources);
		frame(m.b, m.n, &LL_R, &ALL_NODES, line);
	}
	return fclose(pcap) != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--pcap") == 0)
		return write_pcap(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_solicited),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_iid_reserved),
		cmocka_unit_test(test_iid_stable),
		cmocka_unit_test(test_nd_ra),
		cmocka_unit_test(test_nd_ra_options),
		cmocka_unit_test(test_nd_ns),
		cmocka_unit_test(test_nd_na),
		cmocka_unit_test(test_nd_redirect),
		cmocka_unit_test(test_nd_rs),
		cmocka_unit_test(test_nd_errors),
		cmocka_unit_test(test_nd_emit),
		cmocka_unit_test(test_mld_query),
		cmocka_unit_test(test_mld_report),
	};
	return cmocka_run_group_tests(tests, setup_addrs, NULL);
}
