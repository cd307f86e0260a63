/* ipv6 wire tests: fixed header, extension-header walk and ICMPv6.
 * Packets are written byte by byte from the RFC 8200 layout and checksums
 * come from a naive RFC 1071 loop over a separately built pseudo-header,
 * so expected values never come from the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/ipv6.h"

static const uint8_t SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t MCAST[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071, one 16-bit word at a time, over a list of chunks. */
static uint16_t ref_csum2(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < an; i += 2)
		s += (uint32_t)a[i] << 8 | a[i + 1];
	for (size_t i = 0; i + 1 < bn; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (bn & 1)
		s += (uint32_t)b[bn - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The RFC 8200 8.1 pseudo-header, built by hand. */
static void ref_pseudo(uint8_t out[40], const uint8_t s[16], const uint8_t d[16], uint32_t len,
                       uint8_t nh)
{
	memcpy(out, s, 16);
	memcpy(out + 16, d, 16);
	out[32] = (uint8_t)(len >> 24);
	out[33] = (uint8_t)(len >> 16);
	out[34] = (uint8_t)(len >> 8);
	out[35] = (uint8_t)len;
	out[36] = out[37] = out[38] = 0;
	out[39] = nh;
}

static struct hz_ipaddr addr(const uint8_t b[16])
{
	struct hz_ipaddr a;
	a.family = HZ_AF_INET6;
	memcpy(a.b, b, 16);
	return a;
}

/* ---- a packet under construction ---- */
static uint8_t pkt[70000];
static size_t plen;

static void begin(uint8_t nh, const uint8_t dst[16])
{
	memset(pkt, 0, sizeof pkt);
	pkt[0] = 0x60;
	pkt[6] = nh;
	pkt[7] = 64;
	memcpy(pkt + 8, SRC, 16);
	memcpy(pkt + 24, dst, 16);
	plen = 40;
}
static void add(const uint8_t *b, size_t n)
{
	memcpy(pkt + plen, b, n);
	plen += n;
}
static void add_zero(size_t n)
{
	memset(pkt + plen, 0, n);
	plen += n;
}
static size_t finish(void)
{
	pkt[4] = (uint8_t)((plen - 40) >> 8);
	pkt[5] = (uint8_t)(plen - 40);
	return plen;
}

static int walk(struct hz_ipv6_ext *x, enum hz_ipv6_drop *why)
{
	*why = HZ_IPV6_DROP_COUNT;
	return hz_ipv6_ext_walk(x, pkt, finish(), NULL, why);
}

/* ------------------------------------------------------------------ */

static void test_hdr_bytes(void **state)
{
	(void)state;
	/* version 6, traffic class 0xb8, flow label 0xfedcb, payload 8, UDP,
	 * hop limit 64, 2001:db8::1 -> 2001:db8::2, then 4 bytes of padding */
	uint8_t b[40 + 8 + 4] = { 0x6b, 0x8f, 0xed, 0xcb, 0x00, 0x08, 17, 64 };
	memcpy(b + 8, SRC, 16);
	memcpy(b + 24, DST, 16);
	memset(b + 40, 0xaa, 12);
	struct hz_ipv6_hdr h;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_hdr_parse(&h, b, sizeof b, &why), 40);
	assert_int_equal(why, HZ_IPV6_DROP_COUNT);
	assert_int_equal(h.tclass, 0xb8);
	assert_int_equal(h.flow, 0xfedcb);
	assert_int_equal(h.payload_len, 8);
	assert_int_equal(h.next, HZ_IPV6_NH_UDP);
	assert_int_equal(h.hop_limit, 64);
	assert_int_equal(h.src.family, HZ_AF_INET6);
	assert_memory_equal(h.src.b, SRC, 16);
	assert_memory_equal(h.dst.b, DST, 16);
	assert_ptr_equal(h.payload, b + 40);

	uint8_t out[40];
	assert_int_equal(hz_ipv6_hdr_emit(&h, out, sizeof out), 40);
	assert_memory_equal(out, b, 40);
	assert_int_equal(hz_ipv6_hdr_emit(&h, out, 39), HZ_ERR_NO_SPACE);
	/* emit masks the flow label to 20 bits */
	h.flow = 0xfff00001u;
	assert_int_equal(hz_ipv6_hdr_emit(&h, out, sizeof out), 40);
	assert_int_equal(out[1] & 0x0f, 0);
	assert_int_equal(out[3], 1);

	/* a round trip from a struct */
	struct hz_ipv6_hdr e;
	memset(&e, 0, sizeof e);
	e.tclass = 0x03;
	e.flow = 0x12345;
	e.payload_len = 0;
	e.next = HZ_IPV6_NH_NONE;
	e.hop_limit = 255;
	e.src = addr(SRC);
	e.dst = addr(MCAST);
	assert_int_equal(hz_ipv6_hdr_emit(&e, out, sizeof out), 40);
	assert_int_equal(out[0], 0x60);
	assert_int_equal(out[1], 0x31);
	assert_int_equal(rd16(out + 2), 0x2345);
	struct hz_ipv6_hdr p;
	assert_int_equal(hz_ipv6_hdr_parse(&p, out, 40, NULL), 40);
	assert_int_equal(p.tclass, e.tclass);
	assert_int_equal(p.flow, e.flow);
	assert_int_equal(p.next, e.next);
	assert_int_equal(p.hop_limit, 255);
	assert_true(hz_ipaddr_eq(&p.dst, &e.dst));
}

static void expect_hdr(size_t len, int err, enum hz_ipv6_drop reason)
{
	struct hz_ipv6_hdr h;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_hdr_parse(&h, pkt, len, &why), err);
	assert_int_equal(why, reason);
}

static void test_hdr_errors(void **state)
{
	(void)state;
	begin(HZ_IPV6_NH_UDP, DST);
	add_zero(8);
	size_t n = finish();
	expect_hdr(39, HZ_ERR_NEED_MORE, HZ_IPV6_DROP_TRUNCATED);
	expect_hdr(0, HZ_ERR_NEED_MORE, HZ_IPV6_DROP_TRUNCATED);
	expect_hdr(n - 1, HZ_ERR_MALFORMED, HZ_IPV6_DROP_BAD_PAYLOAD_LEN);
	expect_hdr(n, 40, HZ_IPV6_DROP_COUNT);
	pkt[0] = 0x40;
	expect_hdr(n, HZ_ERR_MALFORMED, HZ_IPV6_DROP_BAD_VERSION);
	pkt[0] = 0x70;
	expect_hdr(n, HZ_ERR_MALFORMED, HZ_IPV6_DROP_BAD_VERSION);
	pkt[0] = 0x60;
	pkt[8] = 0xff; /* multicast source */
	expect_hdr(n, HZ_ERR_MALFORMED, HZ_IPV6_DROP_MARTIAN_SRC);
	memset(pkt + 8, 0, 16); /* unspecified source: DAD */
	expect_hdr(n, 40, HZ_IPV6_DROP_COUNT);

	/* Jumbogram (RFC 2675): payload length 0, hop-by-hop with option
	 * 0xc2 holding the real length. */
	begin(HZ_IPV6_NH_HOPOPTS, DST);
	const uint8_t jumbo[8] = { HZ_IPV6_NH_UDP, 0, HZ_IPV6_OPT_JUMBO, 4, 0, 1, 0, 0 };
	add(jumbo, 8);
	add_zero(65536 - 8);
	pkt[4] = pkt[5] = 0;
	expect_hdr(plen, HZ_ERR_UNSUPPORTED, HZ_IPV6_DROP_JUMBOGRAM);
	/* payload length 0 without the option is just an empty payload */
	pkt[42] = HZ_IPV6_OPT_PADN;
	expect_hdr(plen, 40, HZ_IPV6_DROP_COUNT);
}

static void test_ext_none(void **state)
{
	(void)state;
	begin(HZ_IPV6_NH_TCP, DST);
	add_zero(20);
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.proto, HZ_IPV6_NH_TCP);
	assert_int_equal(x.offset, 40);
	assert_int_equal(x.proto_ptr, 6);
	assert_int_equal(x.count, 0);
	assert_int_equal(x.flags, 0);
	assert_false(x.icmp);
	/* No Next Header ends the walk too */
	begin(HZ_IPV6_NH_NONE, DST);
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.proto, HZ_IPV6_NH_NONE);
	assert_int_equal(x.offset, 40);
	/* a walk of a too-short buffer */
	assert_int_equal(hz_ipv6_ext_walk(&x, pkt, 39, NULL, &why), HZ_ERR_NEED_MORE);
}

static void test_ext_chain(void **state)
{
	(void)state;
	begin(HZ_IPV6_NH_HOPOPTS, DST);
	/* hop-by-hop, 8 bytes: router alert (MLD) + PadN 0 */
	const uint8_t hbh[8] = { HZ_IPV6_NH_DSTOPTS, 0, HZ_IPV6_OPT_ROUTER_ALERT, 2, 0, 0,
	                         HZ_IPV6_OPT_PADN, 0 };
	/* destination options, 16 bytes: Pad1 x2, unknown skip-type option
	 * 0x1e of 4 bytes, PadN of 6 */
	const uint8_t dopt[16] = { HZ_IPV6_NH_ROUTING, 1, 0, 0, 0x1e, 2, 9, 9,
	                           HZ_IPV6_OPT_PADN, 6, 0, 0, 0, 0, 0, 0 };
	/* routing type 2, segments left 0: ignored; 24 bytes */
	const uint8_t rh[24] = { HZ_IPV6_NH_FRAGMENT, 2, 2, 0 };
	/* atomic fragment: offset 0, M 0, id 0x01020304 */
	const uint8_t frag[8] = { HZ_IPV6_NH_UDP, 0, 0, 0, 1, 2, 3, 4 };
	add(hbh, 8);
	add(dopt, 16);
	add(rh, 24);
	add(frag, 8);
	add_zero(8);
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.proto, HZ_IPV6_NH_UDP);
	assert_int_equal(x.offset, 40 + 8 + 16 + 24 + 8);
	assert_int_equal(x.proto_ptr, 40 + 8 + 16 + 24);
	assert_int_equal(x.count, 4);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_HBH | HZ_IPV6_EXT_F_DSTOPTS | HZ_IPV6_EXT_F_ROUTING |
	                              HZ_IPV6_EXT_F_ATOMIC | HZ_IPV6_EXT_F_ROUTER_ALERT);
	assert_int_equal(x.frag_hdr, 88);
	assert_int_equal(x.frag_id, 0x01020304);
	assert_int_equal(x.frag_offset, 0);
	assert_false(x.frag_more);

	/* router alert in a destination options header is not one */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	const uint8_t ra_do[8] = { HZ_IPV6_NH_UDP, 0, HZ_IPV6_OPT_ROUTER_ALERT, 2, 0, 0, 1, 0 };
	add(ra_do, 8);
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_DSTOPTS);
}

static void add_dopts(uint8_t next)
{
	const uint8_t d[8] = { next, 0, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	add(d, 8);
}

static void test_ext_limits(void **state)
{
	(void)state;
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	/* eight destination options headers pass the default limit ... */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	for (int i = 0; i < 7; i++)
		add_dopts(HZ_IPV6_NH_DSTOPTS);
	add_dopts(HZ_IPV6_NH_UDP);
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.count, 8);
	assert_int_equal(x.offset, 40 + 64);
	/* ... nine do not */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	for (int i = 0; i < 8; i++)
		add_dopts(HZ_IPV6_NH_DSTOPTS);
	add_dopts(HZ_IPV6_NH_UDP);
	assert_int_equal(walk(&x, &why), HZ_ERR_TOO_BIG);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TOO_MANY);
	assert_false(x.icmp);
	/* unless the caller raises the limit */
	struct hz_ipv6_ext_limits lim = { .max_hdrs = 9, .max_len = 0 };
	assert_int_equal(hz_ipv6_ext_walk(&x, pkt, plen, &lim, &why), HZ_OK);
	assert_int_equal(x.count, 9);
	/* a total length limit */
	lim.max_len = 64;
	assert_int_equal(hz_ipv6_ext_walk(&x, pkt, plen, &lim, &why), HZ_ERR_TOO_BIG);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TOO_LONG);
	lim.max_len = 72;
	assert_int_equal(hz_ipv6_ext_walk(&x, pkt, plen, &lim, &why), HZ_OK);
	/* the default total: one 2048-byte header is too long */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	const uint8_t big[2] = { HZ_IPV6_NH_UDP, 255 };
	add(big, 2);
	add_zero(2046);
	assert_int_equal(walk(&x, &why), HZ_ERR_TOO_BIG);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TOO_LONG);
}

static void test_ext_overrun(void **state)
{
	(void)state;
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	/* fewer than 8 bytes left for a header */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	add_zero(7);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TRUNCATED);
	assert_false(x.icmp);
	/* Hdr Ext Len says 48 bytes, 16 present */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	const uint8_t d[8] = { HZ_IPV6_NH_UDP, 5, HZ_IPV6_OPT_PADN, 4 };
	add(d, 8);
	add_zero(8);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TRUNCATED);
	/* a fragment header cut short */
	begin(HZ_IPV6_NH_FRAGMENT, DST);
	add_zero(6);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TRUNCATED);
	/* an option overrunning its header */
	begin(HZ_IPV6_NH_HOPOPTS, DST);
	const uint8_t o[8] = { HZ_IPV6_NH_UDP, 0, HZ_IPV6_OPT_PADN, 5, 0, 0, 0, 0 };
	add(o, 8);
	add_zero(8);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TRUNCATED);
	/* an option type in the last byte, without its length */
	begin(HZ_IPV6_NH_HOPOPTS, DST);
	const uint8_t o2[8] = { HZ_IPV6_NH_UDP, 0, 0, 0, 0, 0, 0, HZ_IPV6_OPT_PADN };
	add(o2, 8);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_EXT_TRUNCATED);
	/* exactly filling the header is fine: Pad1 x6 */
	pkt[47] = HZ_IPV6_OPT_PAD1;
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_HBH);
}

static void test_hbh_not_first(void **state)
{
	(void)state;
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	add_dopts(HZ_IPV6_NH_HOPOPTS);
	add_dopts(HZ_IPV6_NH_UDP);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_HBH_NOT_FIRST);
	assert_true(x.icmp);
	assert_int_equal(x.icmp_code, HZ_IPV6_PP_NEXT_HEADER);
	assert_int_equal(x.icmp_pointer, 40); /* the DO header's Next Header */
	/* twice hop-by-hop: the second is not first either */
	begin(HZ_IPV6_NH_HOPOPTS, DST);
	add_dopts(HZ_IPV6_NH_HOPOPTS);
	add_dopts(HZ_IPV6_NH_UDP);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_HBH_NOT_FIRST);
	assert_int_equal(x.icmp_pointer, 40);
}

static void add_rh(uint8_t next, uint8_t type, uint8_t segs)
{
	uint8_t r[24] = { next, 2, type, segs };
	add(r, 24);
}

static void test_routing(void **state)
{
	(void)state;
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	/* RH0 with segments left: refused, pointer at the Routing Type */
	begin(HZ_IPV6_NH_DSTOPTS, DST);
	add_dopts(HZ_IPV6_NH_ROUTING);
	add_rh(HZ_IPV6_NH_UDP, 0, 2);
	assert_int_equal(walk(&x, &why), HZ_ERR_UNSUPPORTED);
	assert_int_equal(why, HZ_IPV6_DROP_ROUTING_TYPE0);
	assert_true(x.icmp);
	assert_int_equal(x.icmp_code, HZ_IPV6_PP_HEADER);
	assert_int_equal(x.icmp_pointer, 48 + 2);
	/* RH0 with segments left 0: ignored (RFC 5095 3), but noted */
	begin(HZ_IPV6_NH_ROUTING, DST);
	add_rh(HZ_IPV6_NH_UDP, 0, 0);
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_ROUTING | HZ_IPV6_EXT_F_RH0);
	assert_int_equal(x.proto, HZ_IPV6_NH_UDP);
	assert_int_equal(x.offset, 64);
	/* another type with segments left: a host does not forward */
	begin(HZ_IPV6_NH_ROUTING, MCAST);
	add_rh(HZ_IPV6_NH_UDP, 4, 1);
	assert_int_equal(walk(&x, &why), HZ_ERR_UNSUPPORTED);
	assert_int_equal(why, HZ_IPV6_DROP_ROUTING);
	assert_true(x.icmp);
	assert_int_equal(x.icmp_pointer, 42);
}

static void test_option_actions(void **state)
{
	(void)state;
	static const struct {
		uint8_t type;
		const uint8_t *dst;
		int rc;
		bool icmp;
	} cases[] = {
		{ 0x1f, DST, HZ_OK, false },          /* 00: skip */
		{ 0x1f, MCAST, HZ_OK, false },
		{ 0x5f, DST, HZ_ERR_UNSUPPORTED, false }, /* 01: discard */
		{ 0x5f, MCAST, HZ_ERR_UNSUPPORTED, false },
		{ 0x9f, DST, HZ_ERR_UNSUPPORTED, true }, /* 10: ICMP always */
		{ 0x9f, MCAST, HZ_ERR_UNSUPPORTED, true },
		{ 0xdf, DST, HZ_ERR_UNSUPPORTED, true }, /* 11: ICMP unless multicast */
		{ 0xdf, MCAST, HZ_ERR_UNSUPPORTED, false },
		{ HZ_IPV6_OPT_JUMBO, DST, HZ_ERR_UNSUPPORTED, true }, /* jumbo is 11 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int hbh = 0; hbh < 2; hbh++) {
			struct hz_ipv6_ext x;
			enum hz_ipv6_drop why;
			begin(hbh ? HZ_IPV6_NH_HOPOPTS : HZ_IPV6_NH_DSTOPTS, cases[i].dst);
			/* Pad1, then the option (4 bytes of data), then Pad1 */
			const uint8_t o[8] = { HZ_IPV6_NH_UDP, 0, 0, cases[i].type, 4, 1, 2, 3 };
			add(o, 8);
			add_zero(8); /* data 4th byte + Pad1 x7 */
			pkt[41] = 1;
			assert_int_equal(walk(&x, &why), cases[i].rc);
			assert_int_equal(x.icmp, cases[i].icmp);
			if (cases[i].rc == HZ_OK) {
				assert_int_equal(x.proto, HZ_IPV6_NH_UDP);
				assert_int_equal(x.offset, 56);
				continue;
			}
			assert_int_equal(why, HZ_IPV6_DROP_OPTION_UNKNOWN);
			if (cases[i].icmp) {
				assert_int_equal(x.icmp_code, HZ_IPV6_PP_OPTION);
				assert_int_equal(x.icmp_pointer, 43);
			}
		}
	}
}

static void test_fragment(void **state)
{
	(void)state;
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	/* offset 1480 (185 units), M, id 0xdeadbeef, 16 bytes of data */
	begin(HZ_IPV6_NH_FRAGMENT, DST);
	const uint8_t f[8] = { HZ_IPV6_NH_UDP, 0, 0x05, 0xc9, 0xde, 0xad, 0xbe, 0xef };
	add(f, 8);
	add_zero(16);
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_FRAGMENT);
	assert_int_equal(x.proto, HZ_IPV6_NH_UDP);
	assert_int_equal(x.proto_ptr, 40);
	assert_int_equal(x.offset, 48);
	assert_int_equal(x.frag_hdr, 40);
	assert_int_equal(x.frag_offset, 1480);
	assert_true(x.frag_more);
	assert_int_equal(x.frag_id, 0xdeadbeef);
	/* reserved bits (byte 1, bits 13-14 of the word) are ignored */
	pkt[41] = 0xff;
	pkt[43] = 0xcf;
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.frag_offset, 1480);
	assert_true(x.frag_more);
	/* M set, 12 bytes of data: not a multiple of 8 -> pointer 4 */
	plen -= 4;
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_FRAG_BAD_LEN);
	assert_true(x.icmp);
	assert_int_equal(x.icmp_code, HZ_IPV6_PP_HEADER);
	assert_int_equal(x.icmp_pointer, 4);
	/* the last fragment may have any length */
	pkt[43] = 0xc8;
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_false(x.frag_more);
	/* offset 65528 + 16 bytes > 65535 -> pointer at the Fragment Offset */
	begin(HZ_IPV6_NH_FRAGMENT, DST);
	const uint8_t g[8] = { HZ_IPV6_NH_UDP, 0, 0xff, 0xf8, 0, 0, 0, 1 };
	add(g, 8);
	add_zero(16);
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_FRAG_TOO_BIG);
	assert_int_equal(x.icmp_pointer, 42);
	plen -= 8; /* 65528 + 8 > 65535 still */
	assert_int_equal(walk(&x, &why), HZ_ERR_MALFORMED);
	plen -= 8; /* empty last fragment at 65528: fits */
	assert_int_equal(walk(&x, &why), HZ_OK);
	/* a first fragment stops the walk at the fragment data too, with the
	 * headers before it walked */
	begin(HZ_IPV6_NH_HOPOPTS, DST);
	add_dopts(HZ_IPV6_NH_FRAGMENT);
	const uint8_t h[8] = { HZ_IPV6_NH_DSTOPTS, 0, 0, 1, 0, 0, 0, 7 };
	add(h, 8);
	add_dopts(HZ_IPV6_NH_UDP);
	add_zero(8);
	assert_int_equal(walk(&x, &why), HZ_OK);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_HBH | HZ_IPV6_EXT_F_FRAGMENT);
	assert_int_equal(x.proto, HZ_IPV6_NH_DSTOPTS);
	assert_int_equal(x.offset, 56);
	assert_int_equal(x.frag_offset, 0);
	assert_true(x.frag_more);
	assert_int_equal(x.frag_id, 7);
	assert_int_equal(x.count, 2);
}

static void test_pseudo(void **state)
{
	(void)state;
	struct hz_ipaddr s = addr(SRC), d = addr(MCAST);
	uint8_t ph[40];
	ref_pseudo(ph, SRC, MCAST, 0x12345, 17);
	uint16_t want = ref_csum2(ph, 40, NULL, 0);
	assert_int_equal(hz_csum_fold(hz_ipv6_pseudo(&s, &d, 17, 0x12345)), want);
}

static void test_icmp(void **state)
{
	(void)state;
	struct hz_ipaddr s = addr(SRC), d = addr(DST);
	/* echo request, id 0x1234 seq 1, 5 bytes of data: odd length */
	uint8_t m[13] = { 128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'h', 'e', 'l', 'l', 'o' };
	uint8_t ph[40];
	ref_pseudo(ph, SRC, DST, sizeof m, 58);
	uint16_t c = ref_csum2(ph, 40, m, sizeof m);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	assert_int_equal(ref_csum2(ph, 40, m, sizeof m), 0);

	struct hz_ipv6_icmp p;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_icmp_parse(&p, m, sizeof m, &s, &d, &why), HZ_OK);
	assert_int_equal(why, HZ_IPV6_DROP_COUNT);
	assert_int_equal(p.type, HZ_IPV6_ICMP_ECHO);
	assert_int_equal(p.code, 0);
	assert_int_equal(p.csum, c);
	assert_int_equal(hz_ipv6_icmp_echo_id(&p), 0x1234);
	assert_int_equal(hz_ipv6_icmp_echo_seq(&p), 1);
	assert_ptr_equal(p.data, m + 8);
	assert_int_equal(p.data_len, 5);

	/* emit reproduces it, from a struct whose data lies elsewhere */
	uint8_t out[32];
	assert_int_equal(hz_ipv6_icmp_emit(&p, &s, &d, out, sizeof out), 13);
	assert_memory_equal(out, m, 13);
	/* and in place */
	memcpy(out, m, 13);
	p.data = out + 8;
	assert_int_equal(hz_ipv6_icmp_emit(&p, &s, &d, out, 13), 13);
	assert_memory_equal(out, m, 13);
	assert_int_equal(hz_ipv6_icmp_emit(&p, &s, &d, out, 12), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_ipv6_icmp_emit(&p, &s, &d, out, 7), HZ_ERR_NO_SPACE);

	/* the pseudo-header counts: same bytes to another destination fail */
	struct hz_ipaddr other = addr(MCAST);
	assert_int_equal(hz_ipv6_icmp_parse(&p, m, sizeof m, &s, &other, &why), HZ_ERR_CHECKSUM);
	assert_int_equal(why, HZ_IPV6_DROP_ICMP_BAD_CHECKSUM);
	m[12] ^= 1;
	assert_int_equal(hz_ipv6_icmp_parse(&p, m, sizeof m, &s, &d, &why), HZ_ERR_CHECKSUM);
	m[12] ^= 1;
	/* truncated */
	assert_int_equal(hz_ipv6_icmp_parse(&p, m, 7, &s, &d, &why), HZ_ERR_NEED_MORE);
	assert_int_equal(why, HZ_IPV6_DROP_ICMP_TRUNCATED);
	assert_int_equal(hz_ipv6_icmp_parse(&p, m, 0, &s, &d, &why), HZ_ERR_NEED_MORE);

	/* ND minimum lengths (RFC 4861): NS of 20 bytes is short, 24 fine */
	static const struct {
		uint8_t type;
		size_t min;
	} nd[] = { { 133, 8 }, { 134, 16 }, { 135, 24 }, { 136, 24 }, { 137, 40 } };
	for (size_t i = 0; i < sizeof nd / sizeof nd[0]; i++) {
		uint8_t b[40];
		memset(b, 0, sizeof b);
		struct hz_ipv6_icmp e = { .type = nd[i].type, .data = b + 8, .data_len = nd[i].min - 8 };
		assert_int_equal(hz_ipv6_icmp_emit(&e, &s, &d, b, sizeof b), (int)nd[i].min);
		assert_int_equal(hz_ipv6_icmp_parse(&p, b, nd[i].min, &s, &d, &why), HZ_OK);
		assert_int_equal(p.type, nd[i].type);
		if (nd[i].min > 8) {
			assert_int_equal(hz_ipv6_icmp_parse(&p, b, nd[i].min - 4, &s, &d, &why),
			                 HZ_ERR_NEED_MORE);
			assert_int_equal(why, HZ_IPV6_DROP_ICMP_TRUNCATED);
		}
		assert_true(hz_ipv6_icmp_type_known(nd[i].type));
		assert_false(hz_ipv6_icmp_type_is_error(nd[i].type));
	}

	/* packet too big: MTU 1280; parameter problem pointer 0x2a */
	uint8_t b[16] = { 2, 0, 0, 0, 0, 0, 0x05, 0x00 };
	struct hz_ipv6_icmp e = { .type = 2, .rest = 1280, .data = b + 8, .data_len = 8 };
	assert_int_equal(hz_ipv6_icmp_emit(&e, &s, &d, b, sizeof b), 16);
	assert_int_equal(ref_csum2(ph, 0, NULL, 0), 0xffff); /* sanity of the helper */
	ref_pseudo(ph, SRC, DST, 16, 58);
	assert_int_equal(ref_csum2(ph, 40, b, 16), 0);
	assert_int_equal(hz_ipv6_icmp_parse(&p, b, 16, &s, &d, NULL), HZ_OK);
	assert_int_equal(hz_ipv6_icmp_mtu(&p), 1280);
	e.type = 4;
	e.rest = 0x2a;
	assert_int_equal(hz_ipv6_icmp_emit(&e, &s, &d, b, sizeof b), 16);
	assert_int_equal(hz_ipv6_icmp_parse(&p, b, 16, &s, &d, NULL), HZ_OK);
	assert_int_equal(hz_ipv6_icmp_pointer(&p), 0x2a);

	/* unknown types still parse; errors are 0..127 */
	e.type = 200;
	assert_int_equal(hz_ipv6_icmp_emit(&e, &s, &d, b, sizeof b), 16);
	assert_int_equal(hz_ipv6_icmp_parse(&p, b, 16, &s, &d, NULL), HZ_OK);
	assert_false(hz_ipv6_icmp_type_known(200));
	assert_false(hz_ipv6_icmp_type_known(0));
	for (uint8_t t = 1; t <= 4; t++) {
		assert_true(hz_ipv6_icmp_type_known(t));
		assert_true(hz_ipv6_icmp_type_is_error(t));
	}
	assert_true(hz_ipv6_icmp_type_is_error(127));
	assert_false(hz_ipv6_icmp_type_is_error(128));
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(hz_ipv6_drop_name(1000), "?");
	assert_string_equal(hz_ipv6_drop_name(HZ_IPV6_DROP_COUNT), "?");
	assert_string_equal(hz_ipv6_drop_name(HZ_IPV6_DROP_BAD_VERSION), "bad_version");
	for (unsigned i = 0; i < HZ_IPV6_DROP_COUNT; i++) {
		const char *a = hz_ipv6_drop_name(i);
		assert_string_not_equal(a, "?");
		for (const char *c = a; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (unsigned j = i + 1; j < HZ_IPV6_DROP_COUNT; j++)
			assert_string_not_equal(a, hz_ipv6_drop_name(j));
	}
}

static void test_addr_helpers(void **state)
{
	(void)state;
	static const uint8_t ll[16] = { 0xfe, 0x80 };
	static const uint8_t zero[16];
	assert_true(hz_ipv6_addr_is_multicast(MCAST));
	assert_false(hz_ipv6_addr_is_multicast(SRC));
	assert_true(hz_ipv6_addr_is_link_local(ll));
	assert_false(hz_ipv6_addr_is_link_local(SRC));
	assert_true(hz_ipv6_addr_is_unspecified(zero));
	assert_false(hz_ipv6_addr_is_unspecified(ll));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_bytes),
		cmocka_unit_test(test_hdr_errors),
		cmocka_unit_test(test_ext_none),
		cmocka_unit_test(test_ext_chain),
		cmocka_unit_test(test_ext_limits),
		cmocka_unit_test(test_ext_overrun),
		cmocka_unit_test(test_hbh_not_first),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_option_actions),
		cmocka_unit_test(test_fragment),
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_addr_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
