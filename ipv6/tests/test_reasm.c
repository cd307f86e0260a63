/* The IPv6 reassembler on its own: order, duplicates, overlaps (RFC 5722),
 * the end of the datagram, limits, timers, the first-fragment rule (RFC
 * 7112) and the rebuilt packet. Fragments are written byte by byte from
 * the RFC 8200 layout (3, 4.5) and expected packets are built the same
 * way, never by the code under test; the wire parser and walker only turn
 * a fragment into the (h, x) the reassembler takes, as the engine does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/ipv6.h"

#define NSLOTS 4
#define MAXSZ 4096
#define TIMEOUT HZ_SEC(60)

static struct hz_ipv6_reasm r;
static struct hz_ipv6_reasm_slot slots[NSLOTS];
static uint8_t rbuf[NSLOTS * (40 + MAXSZ)];

static const uint8_t SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t SRC2[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t DST2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };

/* The fragmentable part of the datagram being sent (RFC 8200 4.5): the
 * fragments carry slices of it. */
static uint8_t dg[65536];

/* What the next fragments look like (reset by setup). */
static struct {
	const uint8_t *src, *dst;
	uint8_t tclass;
	uint32_t flow;
	uint8_t hop_limit;
	uint8_t nh;            /* the fragment header's Next Header */
	const uint8_t *unfrag; /* unfragmentable extension headers, or NULL */
	size_t unfrag_len;
	uint8_t unfrag_nh;     /* the fixed header's Next Header if unfrag */
} tpl;

static uint8_t pkt[70000];
static size_t pkt_len;

/* The last result. */
static const uint8_t *out;
static size_t out_len;
static enum hz_ipv6_drop why;

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof dg; i++)
		dg[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void defaults(void)
{
	tpl.src = SRC;
	tpl.dst = DST;
	tpl.tclass = 0;
	tpl.flow = 0;
	tpl.hop_limit = 64;
	tpl.nh = HZ_IPV6_NH_UDP;
	tpl.unfrag = NULL;
	tpl.unfrag_len = 0;
	tpl.unfrag_nh = 0;
}

static int setup(void **state)
{
	(void)state;
	hz_ipv6_reasm_init(&r, slots, NSLOTS, rbuf, MAXSZ, 64, TIMEOUT);
	fill_pattern();
	defaults();
	return 0;
}

/* Write a fragment of datagram `id` carrying dg[off, off+len) into pkt:
 * the fixed header (RFC 8200 3), tpl's unfragmentable headers, the
 * fragment header (4.5) and the data. */
static size_t build(uint32_t id, size_t off, size_t len, bool more)
{
	uint8_t *p = pkt;
	size_t plen = tpl.unfrag_len + 8 + len;
	p[0] = (uint8_t)(0x60 | tpl.tclass >> 4);
	p[1] = (uint8_t)(tpl.tclass << 4 | (tpl.flow >> 16 & 0x0f));
	p[2] = (uint8_t)(tpl.flow >> 8);
	p[3] = (uint8_t)tpl.flow;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = tpl.unfrag ? tpl.unfrag_nh : HZ_IPV6_NH_FRAGMENT;
	p[7] = tpl.hop_limit;
	memcpy(p + 8, tpl.src, 16);
	memcpy(p + 24, tpl.dst, 16);
	size_t n = 40;
	if (tpl.unfrag) {
		memcpy(p + n, tpl.unfrag, tpl.unfrag_len);
		n += tpl.unfrag_len;
	}
	p[n] = tpl.nh;                                  /* Next Header */
	p[n + 1] = 0;                                   /* Reserved */
	p[n + 2] = (uint8_t)(off >> 8);                 /* Fragment Offset (13 bits) */
	p[n + 3] = (uint8_t)((off & 0xf8) | (more ? 1 : 0)); /* Res, M */
	p[n + 4] = (uint8_t)(id >> 24);                 /* Identification */
	p[n + 5] = (uint8_t)(id >> 16);
	p[n + 6] = (uint8_t)(id >> 8);
	p[n + 7] = (uint8_t)id;
	n += 8;
	memcpy(p + n, dg + off, len);
	pkt_len = n + len;
	return pkt_len;
}

/* Parse and walk pkt as the engine would, then offer it. */
static int offer_pkt(hz_time_t now)
{
	struct hz_ipv6_hdr h;
	struct hz_ipv6_ext x;
	assert_int_equal(hz_ipv6_hdr_parse(&h, pkt, pkt_len, NULL), 40);
	assert_int_equal(hz_ipv6_ext_walk(&x, pkt, pkt_len, NULL, NULL), HZ_OK);
	assert_true(x.flags & HZ_IPV6_EXT_F_FRAGMENT);
	why = HZ_IPV6_DROP_COUNT;
	out = NULL;
	out_len = 0;
	int rc = hz_ipv6_reasm_input(&r, &h, &x, pkt, pkt_len, now, &out, &out_len, &why);
	if (rc != HZ_OK) {
		assert_null(out);
		if (rc == HZ_ERR_WOULD_BLOCK)
			assert_int_equal(why, HZ_IPV6_DROP_COUNT);
		else
			assert_int_not_equal(why, HZ_IPV6_DROP_COUNT);
	}
	memset(pkt, 0xcc, pkt_len); /* the reassembler must have copied */
	return rc;
}

static int offer(uint32_t id, size_t off, size_t len, bool more, hz_time_t now)
{
	assert_int_equal(off % 8, 0);
	build(id, off, len, more);
	return offer_pkt(now);
}

#define WAIT(id, off, len, more, now) \
	assert_int_equal(offer(id, off, len, more, now), HZ_ERR_WOULD_BLOCK)
#define DROP(id, off, len, more, now, err, reason)              \
	do {                                                        \
		assert_int_equal(offer(id, off, len, more, now), err);  \
		assert_int_equal(why, reason);                          \
	} while (0)
#define DONE(id, off, len, more, now) assert_int_equal(offer(id, off, len, more, now), HZ_OK)

/* The rebuilt packet is a fixed header (built here by hand) followed by
 * dg[0, total), and parses as an IPv6 packet. */
static void expect_packet(size_t total, const uint8_t *src, const uint8_t *dst, uint8_t tclass,
                          uint32_t flow, uint8_t hop_limit, uint8_t nh)
{
	assert_non_null(out);
	assert_int_equal(out_len, 40 + total);
	uint8_t e[40];
	e[0] = (uint8_t)(0x60 | tclass >> 4);
	e[1] = (uint8_t)(tclass << 4 | (flow >> 16 & 0x0f));
	e[2] = (uint8_t)(flow >> 8);
	e[3] = (uint8_t)flow;
	e[4] = (uint8_t)(total >> 8);
	e[5] = (uint8_t)total;
	e[6] = nh;
	e[7] = hop_limit;
	memcpy(e + 8, src, 16);
	memcpy(e + 24, dst, 16);
	assert_memory_equal(out, e, 40);
	assert_memory_equal(out + 40, dg, total);
	struct hz_ipv6_hdr h;
	assert_int_equal(hz_ipv6_hdr_parse(&h, out, out_len, NULL), 40);
	assert_int_equal(h.payload_len, out_len - 40);
}

static void expect_done(size_t total)
{
	expect_packet(total, SRC, DST, 0, 0, 64, HZ_IPV6_NH_UDP);
}

static void expect_all_free(void)
{
	for (size_t i = 0; i < NSLOTS; i++)
		assert_int_equal(slots[i].state, HZ_IPV6_REASM_FREE);
	assert_true(r.next_deadline == HZ_TIME_NEVER);
}

/* ------------------------------------------------------------------ */

static void test_init(void **state)
{
	(void)state;
	/* Slot i's buffer is at buf + i * (40 + max_size). */
	for (size_t i = 0; i < NSLOTS; i++)
		assert_ptr_equal(slots[i].buf, rbuf + i * (40 + MAXSZ));
	expect_all_free();
	assert_int_equal(r.completed, 0);
	assert_int_equal(r.timeouts, 0);
	/* Clamps: 65535 and HZ_IPV6_REASM_FRAGS_MAX. */
	static uint8_t big[40 + 70000];
	struct hz_ipv6_reasm_slot one;
	hz_ipv6_reasm_init(&r, &one, 1, big, 70000, 1000, TIMEOUT);
	assert_int_equal(r.max_size, 65535);
	assert_int_equal(r.max_frags, HZ_IPV6_REASM_FRAGS_MAX);
	assert_int_equal(r.nslots, 1);
	/* No slots or no buffer: reassembly disabled. */
	hz_ipv6_reasm_init(&r, slots, NSLOTS, NULL, MAXSZ, 8, TIMEOUT);
	assert_int_equal(r.nslots, 0);
	assert_true(hz_ipv6_reasm_poll(&r, 0, NULL, NULL) == HZ_TIME_NEVER);
}

static void test_in_order(void **state)
{
	(void)state;
	WAIT(1, 0, 1000, true, 0);
	WAIT(1, 1000, 1000, true, 1);
	DONE(1, 2000, 3, false, 2);
	expect_done(2003);
	assert_int_equal(r.completed, 1);
	expect_all_free();
	/* The key is free again: the same id starts a new datagram. */
	WAIT(1, 0, 8, true, 3);
	DONE(1, 8, 8, false, 3);
	expect_done(16);
	assert_int_equal(r.completed, 2);
}

static void test_out_of_order(void **state)
{
	(void)state;
	/* Middle, last, first; and a second datagram interleaved. */
	WAIT(7, 800, 800, true, 0);
	WAIT(8, 800, 8, false, 0);
	WAIT(7, 1600, 100, false, 0);
	DONE(8, 0, 800, true, 0);
	expect_done(808);
	DONE(7, 0, 800, true, 0);
	expect_done(1700);
	assert_int_equal(r.completed, 2);
	expect_all_free();
}

static void test_reverse(void **state)
{
	(void)state;
	/* Ten fragments, last to first; completion only on the first. */
	WAIT(9, 9 * 120, 77, false, 0);
	for (size_t i = 9; i-- > 1;)
		WAIT(9, i * 120, 120, true, 0);
	DONE(9, 0, 120, true, 0);
	expect_done(9 * 120 + 77);
}

static void test_permutations(void **state)
{
	(void)state;
	/* Six fragments of a 44-byte datagram in 200 deterministic shuffles:
	 * each completes exactly once, on its sixth fragment. */
	unsigned seed = 12345;
	for (uint32_t round = 0; round < 200; round++) {
		size_t order[6] = { 0, 1, 2, 3, 4, 5 };
		for (size_t i = 5; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			size_t j = (seed >> 16) % (i + 1);
			size_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (size_t k = 0; k < 6; k++) {
			size_t f = order[k];
			int rc = offer(100 + round, f * 8, f == 5 ? 4 : 8, f != 5, 0);
			assert_int_equal(rc, k == 5 ? HZ_OK : HZ_ERR_WOULD_BLOCK);
		}
		expect_done(44);
	}
	assert_int_equal(r.completed, 200);
	expect_all_free();
}

static void test_duplicate(void **state)
{
	(void)state;
	/* First, middle and last each duplicated: only the copy is dropped. */
	WAIT(2, 0, 16, true, 0);
	DROP(2, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	WAIT(2, 32, 5, false, 0);
	DROP(2, 32, 5, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	WAIT(2, 16, 8, true, 0);
	DROP(2, 16, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	assert_int_equal(slots[0].state, HZ_IPV6_REASM_ACTIVE);
	assert_int_equal(slots[0].nfrags, 3);
	assert_int_equal(slots[0].received, 29);
	DONE(2, 24, 8, true, 0);
	expect_done(37);
	/* A duplicate of a two-fragment datagram's first piece, then done. */
	WAIT(3, 16, 5, false, 0);
	DROP(3, 16, 5, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	DONE(3, 0, 16, true, 0);
	expect_done(21);
	/* The duplicate of the first fragment did not replace its header
	 * fields: the first copy's hop limit stays. */
	tpl.hop_limit = 7;
	WAIT(4, 0, 8, true, 0);
	tpl.hop_limit = 99;
	DROP(4, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	DONE(4, 8, 8, false, 0);
	expect_packet(16, SRC, DST, 0, 0, 7, HZ_IPV6_NH_UDP);
}

static void test_overlap_poisons(void **state)
{
	(void)state;
	WAIT(4, 0, 64, true, HZ_SEC(1));
	/* Starts inside the held fragment. */
	DROP(4, 56, 64, true, HZ_SEC(2), HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	assert_int_equal(slots[0].state, HZ_IPV6_REASM_POISONED);
	assert_int_equal(slots[0].nfrags, 0);
	assert_int_equal(slots[0].received, 0);
	/* Later fragments, even ones that would make a clean datagram, are
	 * refused until the slot's deadline (first arrival + 60 s). */
	DROP(4, 64, 8, false, HZ_SEC(3), HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	DROP(4, 0, 64, true, HZ_SEC(4), HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	DROP(4, 0, 64, true, HZ_SEC(61) - 1, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	assert_true(r.next_deadline == HZ_SEC(61));
	/* Other datagrams are unaffected. */
	WAIT(5, 0, 8, true, HZ_SEC(5));
	DONE(5, 8, 8, false, HZ_SEC(5));
	expect_done(16);
	/* At the deadline the key is usable again. */
	WAIT(4, 0, 64, true, HZ_SEC(61));
	DONE(4, 64, 8, false, HZ_SEC(61));
	expect_done(72);
	assert_int_equal(r.completed, 2);
	/* A poisoned slot that expires is no timeout. */
	assert_int_equal(r.timeouts, 0);
	expect_all_free();
}

static void test_overlap_variants(void **state)
{
	(void)state;
	/* Backward: the new fragment ends inside a held one. */
	WAIT(10, 16, 16, true, 0);
	DROP(10, 8, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	DROP(10, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* Covering a held fragment entirely. */
	WAIT(11, 8, 8, true, 0);
	DROP(11, 0, 24, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	/* Inside a held fragment. */
	WAIT(12, 0, 64, true, 0);
	DROP(12, 16, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	/* Same offset, different length (not a duplicate). */
	WAIT(13, 0, 16, true, 0);
	DROP(13, 0, 24, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	setup(NULL);
	/* Same end, different start, both last: overlap of the last piece. */
	WAIT(14, 16, 10, false, 0);
	DROP(14, 8, 18, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	/* Adjacent fragments do not overlap. */
	WAIT(15, 8, 8, true, 0);
	WAIT(15, 16, 8, false, 0);
	DONE(15, 0, 8, true, 0);
	expect_done(24);
	/* An overlap discards fragments held before it: the datagram does
	 * not complete from what was held. */
	WAIT(16, 0, 8, true, 0);
	WAIT(16, 16, 8, false, 0);
	DROP(16, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	DROP(16, 8, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	assert_int_equal(r.completed, 1);
}

static void test_mismatch(void **state)
{
	(void)state;
	/* Two different last fragments. */
	WAIT(20, 16, 8, false, 0);
	DROP(20, 24, 8, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	DROP(20, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* Data past the known end. */
	WAIT(21, 16, 8, false, 0);
	DROP(21, 24, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	/* A non-last fragment ending exactly at the known end. */
	WAIT(22, 16, 8, false, 0);
	DROP(22, 8, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	/* ...or identical to the last one but for M. */
	WAIT(23, 16, 8, false, 0);
	DROP(23, 16, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	setup(NULL);
	/* A last fragment that ends before data already held. */
	WAIT(24, 32, 8, true, 0);
	DROP(24, 8, 8, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	/* A last fragment identical to a held non-last one. */
	WAIT(25, 8, 8, true, 0);
	DROP(25, 8, 8, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	/* A last fragment ending exactly where a held non-last one ends. */
	WAIT(26, 16, 16, true, 0);
	DROP(26, 24, 8, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_MISMATCH);
	/* A second last fragment identical to the first is a duplicate. */
	WAIT(27, 8, 4, false, 0);
	DROP(27, 8, 4, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	DONE(27, 0, 8, true, 0);
	expect_done(12);
	for (size_t i = 0; i < NSLOTS; i++)
		assert_int_not_equal(slots[i].state, HZ_IPV6_REASM_ACTIVE);
}

static void test_bad_fragments(void **state)
{
	(void)state;
	/* An empty fragment past the first carries nothing: dropped alone,
	 * no slot taken. */
	DROP(30, 8, 0, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_BAD_LEN);
	DROP(30, 8, 0, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_BAD_LEN);
	expect_all_free();
	WAIT(31, 0, 8, true, 0);
	DROP(31, 8, 0, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_BAD_LEN);
	DONE(31, 8, 1, false, 0);
	expect_done(9);

	/* Even a refused fragment reclaims expired slots first. */
	WAIT(33, 0, 8, true, 0);
	assert_true(r.next_deadline == TIMEOUT);
	DROP(34, 8, 0, true, TIMEOUT, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_BAD_LEN);
	assert_int_equal(r.timeouts, 1);
	expect_all_free();

	/* An x that describes no fragment is a caller error. */
	build(32, 8, 8, true);
	struct hz_ipv6_hdr h;
	struct hz_ipv6_ext x;
	assert_int_equal(hz_ipv6_hdr_parse(&h, pkt, pkt_len, NULL), 40);
	assert_int_equal(hz_ipv6_ext_walk(&x, pkt, pkt_len, NULL, NULL), HZ_OK);
	struct hz_ipv6_ext bad = x;
	bad.flags = 0;
	assert_int_equal(hz_ipv6_reasm_input(&r, &h, &bad, pkt, pkt_len, 0, &out, &out_len, NULL),
	                 HZ_ERR_INVALID);
	bad = x;
	bad.offset = (uint32_t)pkt_len + 1;
	assert_int_equal(hz_ipv6_reasm_input(&r, &h, &bad, pkt, pkt_len, 0, &out, &out_len, NULL),
	                 HZ_ERR_INVALID);
	/* The walker's length rules hold even for an x built by hand. */
	bad = x;
	bad.offset += 4; /* 4 data bytes with M set */
	why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_reasm_input(&r, &h, &bad, pkt, pkt_len, 0, &out, &out_len, &why),
	                 HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_FRAG_BAD_LEN);
	bad = x;
	bad.frag_offset = 65528;
	why = HZ_IPV6_DROP_COUNT;
	assert_int_equal(hz_ipv6_reasm_input(&r, &h, &bad, pkt, pkt_len, 0, &out, &out_len, &why),
	                 HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV6_DROP_FRAG_TOO_BIG);
	expect_all_free();
}

static void test_too_large(void **state)
{
	(void)state;
	WAIT(40, 0, 8, true, 0);
	DROP(40, MAXSZ, 8, false, 0, HZ_ERR_TOO_BIG, HZ_IPV6_DROP_FRAG_TOO_LARGE);
	DROP(40, 8, 8, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* A non-last fragment crossing the limit too, as its first. */
	DROP(41, MAXSZ - 8, 16, true, 0, HZ_ERR_TOO_BIG, HZ_IPV6_DROP_FRAG_TOO_LARGE);
	DROP(41, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* Exactly max_size fits, and the buffer holds header + max_size. */
	WAIT(42, MAXSZ - 8, 8, false, 0);
	DONE(42, 0, MAXSZ - 8, true, 0);
	expect_done(MAXSZ);
	/* The largest datagram IPv6 can fragment: 65535 bytes. */
	static uint8_t bigbuf[40 + 65535];
	static struct hz_ipv6_reasm_slot one;
	hz_ipv6_reasm_init(&r, &one, 1, bigbuf, 65535, 64, TIMEOUT);
	for (size_t k = 0; k < 42; k++)
		WAIT(43, k * 1528, 1528, true, 0);
	DONE(43, 42 * 1528, 65535 - 42 * 1528, false, 0);
	expect_done(65535);
}

static void test_too_many(void **state)
{
	(void)state;
	hz_ipv6_reasm_init(&r, slots, NSLOTS, rbuf, MAXSZ, 8, TIMEOUT);
	for (size_t i = 0; i < 8; i++)
		WAIT(50, i * 8, 8, true, 0);
	DROP(50, 64, 8, false, 0, HZ_ERR_NO_SPACE, HZ_IPV6_DROP_FRAG_TOO_MANY);
	DROP(50, 64, 8, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* Eight exactly is fine. */
	for (size_t i = 0; i < 7; i++)
		WAIT(51, i * 8, 8, true, 0);
	DONE(51, 56, 3, false, 0);
	expect_done(59);
	/* A duplicate does not count towards the limit. */
	for (size_t i = 0; i < 7; i++)
		WAIT(52, i * 8, 8, true, 0);
	DROP(52, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_DUPLICATE);
	DONE(52, 56, 3, false, 0);
	expect_done(59);
}

static void test_tiny_fragments(void **state)
{
	(void)state;
	/* 64 fragments of 8 bytes (the table's size) make a 512-byte
	 * datagram, in any order. */
	for (size_t i = 64; i-- > 1;)
		WAIT(60, i * 8, 8, i != 63, 0);
	DONE(60, 0, 8, true, 0);
	expect_done(512);
	/* A 1500-byte datagram in 8-byte fragments needs 188 of them: past
	 * HZ_IPV6_REASM_FRAGS_MAX (64) the datagram is refused, not
	 * overrun. */
	int rc = HZ_ERR_WOULD_BLOCK;
	size_t i = 0;
	for (; i < 188 && rc == HZ_ERR_WOULD_BLOCK; i++)
		rc = offer(61, i * 8, i == 187 ? 4 : 8, i != 187, 0);
	assert_int_equal(rc, HZ_ERR_NO_SPACE);
	assert_int_equal(why, HZ_IPV6_DROP_FRAG_TOO_MANY);
	assert_int_equal(i, 65);
	DROP(61, 1496, 4, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* With 64 fragments of up to 24 bytes (the last 12) it works. */
	for (size_t k = 0; k < 62; k++)
		WAIT(62, k * 24, 24, true, 0);
	DONE(62, 62 * 24, 12, false, 0);
	expect_done(1500);
}

static void test_no_slot(void **state)
{
	(void)state;
	for (uint32_t id = 70; id < 70 + NSLOTS; id++)
		WAIT(id, 0, 8, true, 0);
	DROP(80, 0, 8, true, 0, HZ_ERR_NO_SPACE, HZ_IPV6_DROP_FRAG_NO_SLOT);
	DROP(80, 8, 8, false, 0, HZ_ERR_NO_SPACE, HZ_IPV6_DROP_FRAG_NO_SLOT);
	/* Fragments of datagrams in progress still get in. */
	DONE(70, 8, 1, false, 0);
	expect_done(9);
	/* And the freed slot takes the new datagram. */
	WAIT(80, 0, 8, true, 0);
	DONE(80, 8, 8, false, 0);
	expect_done(16);
	/* A poisoned slot is still busy. */
	WAIT(81, 0, 8, true, 0);
	DROP(81, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	DROP(82, 0, 8, true, 0, HZ_ERR_NO_SPACE, HZ_IPV6_DROP_FRAG_NO_SLOT);
	/* Expired slots are reclaimed by input, without a poll. */
	WAIT(82, 0, 8, true, TIMEOUT);
	assert_int_equal(r.timeouts, 3); /* 71, 72, 73; the poisoned 81 is no timeout */

	/* No slots at all. */
	hz_ipv6_reasm_init(&r, NULL, 0, NULL, MAXSZ, 8, TIMEOUT);
	DROP(83, 0, 8, true, 0, HZ_ERR_NO_SPACE, HZ_IPV6_DROP_FRAG_NO_SLOT);
	assert_true(hz_ipv6_reasm_poll(&r, 0, NULL, NULL) == HZ_TIME_NEVER);
}

struct expired {
	int calls;
	uint8_t first[256];
	size_t len;
};

static void on_expire(void *ctx, const uint8_t *first, size_t len)
{
	struct expired *e = ctx;
	e->calls++;
	assert_true(len <= sizeof e->first);
	memcpy(e->first, first, len);
	e->len = len;
}

static void test_timeout(void **state)
{
	(void)state;
	struct expired e = { 0 };
	assert_true(hz_ipv6_reasm_poll(&r, 0, on_expire, &e) == HZ_TIME_NEVER);
	/* Datagram 90 has its first fragment (with a hop-by-hop header in
	 * front of the fragment header); 91 only its last. */
	static const uint8_t hbh[8] = { HZ_IPV6_NH_FRAGMENT, 0, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	tpl.unfrag = hbh;
	tpl.unfrag_len = 8;
	tpl.unfrag_nh = HZ_IPV6_NH_HOPOPTS;
	tpl.hop_limit = 33;
	WAIT(90, 0, 512, true, HZ_SEC(1));
	uint8_t first[HZ_IPV6_REASM_QUOTE];
	build(90, 0, 512, true); /* the same bytes again, to compare */
	memcpy(first, pkt, sizeof first);
	defaults();
	WAIT(90, 528, 8, false, HZ_SEC(1));
	WAIT(91, 16, 8, false, HZ_SEC(2));
	assert_true(r.next_deadline == HZ_SEC(61));
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(5), on_expire, &e) == HZ_SEC(61));
	/* Later fragments do not extend the deadline. */
	WAIT(90, 512, 8, true, HZ_SEC(50));
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(61) - 1, on_expire, &e) == HZ_SEC(61));
	assert_int_equal(e.calls, 0);
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(61), on_expire, &e) == HZ_SEC(62));
	assert_int_equal(e.calls, 1);
	assert_int_equal(r.timeouts, 1);
	/* The callback got the first fragment's leading bytes as received:
	 * fixed header, hop-by-hop, fragment header, data. */
	assert_int_equal(e.len, HZ_IPV6_REASM_QUOTE);
	assert_memory_equal(e.first, first, HZ_IPV6_REASM_QUOTE);
	assert_int_equal(e.first[7], 33);
	/* Datagram 91 never had its first fragment: no callback. */
	assert_true(r.next_deadline == HZ_SEC(62));
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(70), on_expire, &e) == HZ_TIME_NEVER);
	assert_int_equal(e.calls, 1);
	assert_int_equal(r.timeouts, 2);
	expect_all_free();
	/* A fragment of the expired datagram starts afresh. */
	WAIT(90, 528, 8, false, HZ_SEC(71));
	assert_int_equal(slots[0].nfrags + slots[1].nfrags, 1);

	/* A first fragment shorter than the quote is kept whole. */
	e.calls = 0;
	WAIT(92, 0, 16, true, HZ_SEC(80));
	build(92, 0, 16, true);
	memcpy(first, pkt, 64);
	hz_ipv6_reasm_poll(&r, HZ_SEC(200), on_expire, &e);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.len, 64);
	assert_memory_equal(e.first, first, 64);
	/* No callback: the timeout is still counted. */
	WAIT(93, 0, 16, true, HZ_SEC(300));
	uint64_t t = r.timeouts;
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(400), NULL, NULL) == HZ_TIME_NEVER);
	assert_int_equal(r.timeouts, t + 1);
}

static void test_first_short(void **state)
{
	(void)state;
	/* RFC 7112: a first fragment holding only a destination options
	 * header, the UDP header in the next fragment. */
	static const uint8_t dopt[8] = { HZ_IPV6_NH_UDP, 0, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	memcpy(dg, dopt, 8);
	tpl.nh = HZ_IPV6_NH_DSTOPTS;
	WAIT(100, 8, 24, false, 0);
	DROP(100, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	assert_int_equal(slots[0].state, HZ_IPV6_REASM_POISONED);
	DROP(100, 8, 24, false, 1, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* Even against a poisoned key, a short first fragment says so. */
	DROP(100, 0, 8, true, 2, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	/* Arriving first, it poisons a fresh slot. */
	DROP(101, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	DROP(101, 8, 24, false, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_POISONED);
	/* The options header alone, with 8 more bytes: enough for UDP. */
	WAIT(102, 0, 16, true, 0);
	DONE(102, 16, 8, false, 0);
	expect_packet(24, SRC, DST, 0, 0, 64, HZ_IPV6_NH_DSTOPTS);

	/* TCP needs its 20-byte fixed header: 16 bytes are short. */
	fill_pattern();
	setup(NULL);
	tpl.nh = HZ_IPV6_NH_TCP;
	DROP(103, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	/* ...after an options header too: 8 + 16 bytes, 16 of TCP. */
	memcpy(dg, dopt, 8);
	dg[0] = HZ_IPV6_NH_TCP;
	tpl.nh = HZ_IPV6_NH_DSTOPTS;
	DROP(104, 0, 24, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	WAIT(105, 0, 32, true, 0); /* 24 bytes of TCP */
	/* UDP and ICMPv6 need 8. */
	setup(NULL);
	tpl.nh = HZ_IPV6_NH_ICMPV6;
	WAIT(106, 0, 8, true, 0);
	tpl.nh = HZ_IPV6_NH_TCP;
	WAIT(107, 0, 24, true, 0);
	/* Others need one byte; No Next Header nothing. */
	tpl.nh = 253;
	DROP(108, 0, 0, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	tpl.nh = HZ_IPV6_NH_NONE;
	WAIT(109, 0, 8, true, 0);
	/* ...but an empty first fragment is refused even then. */
	DROP(109, 0, 0, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_BAD_LEN);

	/* The chain overruns the fragment: an options header claiming 16
	 * bytes in an 8-byte first fragment. */
	setup(NULL);
	memcpy(dg, dopt, 8);
	dg[1] = 1;
	tpl.nh = HZ_IPV6_NH_DSTOPTS;
	DROP(110, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	/* A routing header, then a second fragment header, then UDP with 8
	 * bytes: complete; with 0 bytes of UDP: short. */
	static const uint8_t rh[8] = { HZ_IPV6_NH_FRAGMENT, 0, 4, 0, 0, 0, 0, 0 };
	static const uint8_t fh[8] = { HZ_IPV6_NH_UDP, 0, 0, 0, 0, 0, 0, 9 };
	memcpy(dg, rh, 8);
	memcpy(dg + 8, fh, 8);
	tpl.nh = HZ_IPV6_NH_ROUTING;
	DROP(111, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	WAIT(112, 0, 24, true, 0);
	/* A short first fragment for a datagram in progress kills it. */
	setup(NULL);
	tpl.nh = HZ_IPV6_NH_TCP;
	WAIT(113, 8, 8, true, 0);
	WAIT(113, 16, 8, false, 0);
	DROP(113, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	assert_int_equal(slots[0].state, HZ_IPV6_REASM_POISONED);
	assert_int_equal(slots[0].nfrags, 0);
	/* With every slot busy it is still reported as short. */
	for (uint32_t id = 114; id < 114 + NSLOTS - 1; id++)
		WAIT(id, 8, 8, true, 0);
	DROP(120, 0, 8, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	assert_int_equal(r.completed, 0);
}

static void test_ext_in_fragmentable(void **state)
{
	(void)state;
	/* Fragmentable part: destination options (16 bytes, a PadN), a
	 * routing header with segments left 0 (8 bytes), then UDP; the
	 * unfragmentable part carries a hop-by-hop header that the rebuilt
	 * packet does not repeat. */
	static const uint8_t dopt[16] = { HZ_IPV6_NH_ROUTING, 1, HZ_IPV6_OPT_PADN, 12 };
	static const uint8_t rh[8] = { HZ_IPV6_NH_UDP, 0, 4, 0, 0, 0, 0, 0 };
	memcpy(dg, dopt, 16);
	memcpy(dg + 16, rh, 8);
	static const uint8_t hbh[8] = { HZ_IPV6_NH_FRAGMENT, 0, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	tpl.unfrag = hbh;
	tpl.unfrag_len = 8;
	tpl.unfrag_nh = HZ_IPV6_NH_HOPOPTS;
	tpl.nh = HZ_IPV6_NH_DSTOPTS;
	WAIT(130, 200, 300, false, 0);
	WAIT(130, 32, 168, true, 0);
	DONE(130, 0, 32, true, 0);
	expect_packet(500, SRC, DST, 0, 0, 64, HZ_IPV6_NH_DSTOPTS);
	struct hz_ipv6_ext x;
	assert_int_equal(hz_ipv6_ext_walk(&x, out, out_len, NULL, NULL), HZ_OK);
	assert_int_equal(x.proto, HZ_IPV6_NH_UDP);
	assert_int_equal(x.offset, 40 + 24);
	assert_int_equal(x.count, 2);
	assert_int_equal(x.flags, HZ_IPV6_EXT_F_DSTOPTS | HZ_IPV6_EXT_F_ROUTING);
}

static void test_header_fields(void **state)
{
	(void)state;
	/* The rebuilt header takes traffic class, flow label and hop limit
	 * from the first fragment even when it arrives last, and Next Header
	 * from its fragment header; the others' values (and Next Header,
	 * not compared: RFC 8200 4.5) do not matter. */
	tpl.tclass = 0x11;
	tpl.flow = 0x22222;
	tpl.hop_limit = 1;
	tpl.nh = 200;
	WAIT(140, 8, 8, true, 0);
	WAIT(140, 16, 3, false, 0);
	tpl.tclass = 0xb8;
	tpl.flow = 0xfedcb;
	tpl.hop_limit = 255;
	tpl.nh = HZ_IPV6_NH_ICMPV6;
	DONE(140, 0, 8, true, 0);
	expect_packet(19, SRC, DST, 0xb8, 0xfedcb, 255, HZ_IPV6_NH_ICMPV6);
	assert_int_equal(out[0], 0x6b);
	assert_int_equal(out[1], 0x8f);
	assert_int_equal(rd16(out + 2), 0xedcb);
	assert_int_equal(rd16(out + 4), 19);
	/* And when it arrives first, later fragments change nothing. */
	tpl.tclass = 0x04;
	tpl.flow = 0x00001;
	tpl.hop_limit = 2;
	tpl.nh = HZ_IPV6_NH_UDP;
	WAIT(141, 0, 8, true, 0);
	tpl.tclass = 0xfc;
	tpl.flow = 0xfffff;
	tpl.hop_limit = 250;
	tpl.nh = HZ_IPV6_NH_TCP;
	WAIT(141, 16, 3, false, 0);
	DONE(141, 8, 8, true, 0);
	expect_packet(19, SRC, DST, 0x04, 0x00001, 2, HZ_IPV6_NH_UDP);
	/* The packet sits in a slot's buffer. */
	bool inside = false;
	for (size_t i = 0; i < NSLOTS; i++)
		inside |= out == slots[i].buf;
	assert_true(inside);
}

static void test_key(void **state)
{
	(void)state;
	/* Four datagrams whose keys differ only in src, dst or id; each
	 * fragment joins its own, and each completes with its addresses. */
	WAIT(150, 0, 8, true, 0);
	tpl.src = SRC2;
	WAIT(150, 0, 8, true, 0);
	tpl.src = SRC;
	tpl.dst = DST2;
	WAIT(150, 0, 8, true, 0);
	tpl.dst = DST;
	WAIT(151, 0, 8, true, 0);
	for (size_t i = 0; i < NSLOTS; i++)
		assert_int_equal(slots[i].state, HZ_IPV6_REASM_ACTIVE);
	DONE(151, 8, 2, false, 0);
	expect_packet(10, SRC, DST, 0, 0, 64, HZ_IPV6_NH_UDP);
	tpl.dst = DST2;
	DONE(150, 8, 3, false, 0);
	expect_packet(11, SRC, DST2, 0, 0, 64, HZ_IPV6_NH_UDP);
	tpl.dst = DST;
	tpl.src = SRC2;
	DONE(150, 8, 4, false, 0);
	expect_packet(12, SRC2, DST, 0, 0, 64, HZ_IPV6_NH_UDP);
	tpl.src = SRC;
	DONE(150, 8, 5, false, 0);
	expect_done(13);
	/* A poisoned key does not poison its neighbours. */
	WAIT(152, 0, 8, true, 0);
	DROP(152, 0, 16, true, 0, HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	tpl.src = SRC2;
	WAIT(152, 0, 8, true, 0);
	DONE(152, 8, 1, false, 0);
	expect_packet(9, SRC2, DST, 0, 0, 64, HZ_IPV6_NH_UDP);
	/* Ids are 32 bits: 0x10000 + n is not n. */
	tpl.src = SRC;
	WAIT(0x10098, 0, 8, true, 0);
	DONE(0x10098, 8, 1, false, 0);
}

static void test_next_deadline(void **state)
{
	(void)state;
	assert_true(r.next_deadline == HZ_TIME_NEVER);
	WAIT(160, 0, 8, true, HZ_SEC(10));
	assert_true(r.next_deadline == HZ_SEC(70));
	WAIT(161, 0, 8, true, HZ_SEC(20));
	assert_true(r.next_deadline == HZ_SEC(70));
	/* Completing the earliest moves it to the next one. */
	DONE(160, 8, 1, false, HZ_SEC(21));
	assert_true(r.next_deadline == HZ_SEC(80));
	/* Poisoning keeps the deadline. */
	DROP(161, 0, 16, true, HZ_SEC(22), HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_OVERLAP);
	assert_true(r.next_deadline == HZ_SEC(80));
	WAIT(162, 8, 8, true, HZ_SEC(30));
	assert_true(r.next_deadline == HZ_SEC(80));
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(79), NULL, NULL) == HZ_SEC(80));
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(80), NULL, NULL) == HZ_SEC(90));
	assert_true(r.next_deadline == HZ_SEC(90));
	/* Reclaimed by input, without a poll. */
	WAIT(163, 8, 8, true, HZ_SEC(95));
	assert_true(r.next_deadline == HZ_SEC(155));
	/* A short first fragment poisons a fresh slot with its own deadline. */
	DROP(164, 0, 0, true, HZ_SEC(96), HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	assert_true(r.next_deadline == HZ_SEC(155));
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(155), NULL, NULL) == HZ_SEC(156));
	/* Emptied: never. */
	assert_true(hz_ipv6_reasm_poll(&r, HZ_SEC(156), NULL, NULL) == HZ_TIME_NEVER);
	assert_true(r.next_deadline == HZ_TIME_NEVER);
	/* A deadline past the end of time saturates below "never". */
	WAIT(165, 0, 8, true, HZ_TIME_NEVER - 5);
	assert_true(r.next_deadline == HZ_TIME_NEVER - 1);
	assert_true(hz_ipv6_reasm_poll(&r, HZ_TIME_NEVER - 1, NULL, NULL) == HZ_TIME_NEVER);
	assert_int_equal(r.timeouts, 3); /* 162, 163 and 165 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init, setup),
		cmocka_unit_test_setup(test_in_order, setup),
		cmocka_unit_test_setup(test_out_of_order, setup),
		cmocka_unit_test_setup(test_reverse, setup),
		cmocka_unit_test_setup(test_permutations, setup),
		cmocka_unit_test_setup(test_duplicate, setup),
		cmocka_unit_test_setup(test_overlap_poisons, setup),
		cmocka_unit_test_setup(test_overlap_variants, setup),
		cmocka_unit_test_setup(test_mismatch, setup),
		cmocka_unit_test_setup(test_bad_fragments, setup),
		cmocka_unit_test_setup(test_too_large, setup),
		cmocka_unit_test_setup(test_too_many, setup),
		cmocka_unit_test_setup(test_tiny_fragments, setup),
		cmocka_unit_test_setup(test_no_slot, setup),
		cmocka_unit_test_setup(test_timeout, setup),
		cmocka_unit_test_setup(test_first_short, setup),
		cmocka_unit_test_setup(test_ext_in_fragmentable, setup),
		cmocka_unit_test_setup(test_header_fields, setup),
		cmocka_unit_test_setup(test_key, setup),
		cmocka_unit_test_setup(test_next_deadline, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
