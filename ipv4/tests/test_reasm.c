/* The reassembler on its own: order, duplicates, overlaps, limits, timers. */
#include "harness.h"

#define NSLOTS 2
#define MAXSZ 4096

static struct hz_ipv4_reasm r;
static struct hz_ipv4_reasm_slot slots[NSLOTS];
static uint8_t rbuf[NSLOTS * MAXSZ];
static uint8_t data[65536 + 64];
static uint8_t pktbuf[65600];

static const uint32_t SRC = A(10, 0, 0, 1), DST = A(10, 0, 0, 2);

static int setup(void **state)
{
	(void)state;
	hz_ipv4_reasm_init(&r, slots, NSLOTS, rbuf, MAXSZ, 8, HZ_SEC(30));
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	return 0;
}

/* Offer payload bytes [off, off+len) of datagram `id` as one fragment. */
static int offer(uint16_t id, size_t off, size_t len, bool more, hz_time_t now,
                 struct hz_ipv4_hdr *out, enum hz_ipv4_drop *why)
{
	assert_int_equal(off % 8, 0);
	uint16_t frag = (uint16_t)(off / 8 | (more ? HZ_IPV4_FLAG_MF : 0));
	size_t n = build_ip(pktbuf, SRC, DST, 17, id, frag, 64, NULL, 0, data + off, len);
	struct hz_ipv4_hdr h;
	assert_int_equal(hz_ipv4_hdr_parse(&h, pktbuf, n, NULL), 20);
	int rc = hz_ipv4_reasm_input(&r, &h, now, out, why);
	memset(pktbuf, 0xcc, sizeof pktbuf); /* the reassembler must have copied */
	return rc;
}

static void expect_complete(const struct hz_ipv4_hdr *out, size_t total, uint16_t id)
{
	assert_int_equal(out->payload_len, total);
	assert_memory_equal(out->payload, data, total);
	assert_int_equal(out->total_len, 20 + total);
	assert_int_equal(out->id, id);
	assert_int_equal(out->src, SRC);
	assert_int_equal(out->dst, DST);
	assert_int_equal(out->proto, 17);
	assert_false(hz_ipv4_hdr_is_fragment(out));
}

static void test_in_order(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	assert_int_equal(offer(1, 0, 1000, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(1, 1000, 1000, true, 1, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(1, 2000, 3, false, 2, &out, &why), HZ_OK);
	expect_complete(&out, 2003, 1);
	assert_int_equal(r.completed, 1);
	/* The slot is free again. */
	assert_int_equal(slots[0].state, HZ_IPV4_REASM_FREE);
	assert_int_equal(slots[1].state, HZ_IPV4_REASM_FREE);
}

static void test_out_of_order(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	/* Last first, then middle, then first; two datagrams interleaved. */
	assert_int_equal(offer(7, 1600, 100, false, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(8, 800, 8, false, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(7, 800, 800, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(8, 0, 800, true, 0, &out, &why), HZ_OK);
	expect_complete(&out, 808, 8);
	assert_int_equal(offer(7, 0, 800, true, 0, &out, &why), HZ_OK);
	expect_complete(&out, 1700, 7);
	/* The first fragment's options come through. */
	const uint8_t opt[4] = { 1, 1, 1, 0 };
	size_t n = build_ip(pktbuf, SRC, DST, 17, 9, 1, 64, NULL, 0, data + 8, 8);
	struct hz_ipv4_hdr h;
	assert_int_equal(hz_ipv4_hdr_parse(&h, pktbuf, n, NULL), 20);
	assert_int_equal(hz_ipv4_reasm_input(&r, &h, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	n = build_ip(pktbuf, SRC, DST, 17, 9, HZ_IPV4_FLAG_MF, 33, opt, 4, data, 8);
	assert_int_equal(hz_ipv4_hdr_parse(&h, pktbuf, n, NULL), 24);
	assert_int_equal(hz_ipv4_reasm_input(&r, &h, 0, &out, &why), HZ_OK);
	assert_int_equal(out.hdr_len, 24);
	assert_int_equal(out.ttl, 33);
	assert_int_equal(out.options_len, 4);
	assert_memory_equal(out.options, opt, 4);
	assert_int_equal(out.total_len, 24 + 16);
	assert_memory_equal(out.payload, data, 16);
}

static void test_duplicate(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	assert_int_equal(offer(2, 0, 16, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(2, 0, 16, true, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_DUPLICATE);
	/* The datagram survives the duplicate and completes. */
	assert_int_equal(offer(2, 16, 5, false, 0, &out, &why), HZ_OK);
	expect_complete(&out, 21, 2);
	/* A duplicate last fragment too. */
	assert_int_equal(offer(3, 16, 5, false, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(3, 16, 5, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_DUPLICATE);
	assert_int_equal(offer(3, 0, 16, true, 0, &out, &why), HZ_OK);
	expect_complete(&out, 21, 3);
}

static void test_overlap_poisons(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	assert_int_equal(offer(4, 0, 64, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	/* Starts inside the first fragment. */
	assert_int_equal(offer(4, 56, 64, true, 1, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_OVERLAP);
	/* Late fragments, even ones that would complete a clean datagram,
	 * are refused until the deadline. */
	assert_int_equal(offer(4, 64, 8, false, 2, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_POISONED);
	assert_int_equal(offer(4, 0, 64, true, 3, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_POISONED);
	assert_int_equal(offer(4, 0, 64, true, HZ_SEC(30) - 1, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_POISONED);
	/* Other datagrams are unaffected. */
	assert_int_equal(offer(5, 0, 8, true, 3, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(5, 8, 8, false, 3, &out, &why), HZ_OK);
	/* After the deadline the key is usable again. */
	assert_int_equal(offer(4, 0, 64, true, HZ_SEC(30), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(4, 64, 8, false, HZ_SEC(30), &out, &why), HZ_OK);
	expect_complete(&out, 72, 4);
}

static void test_overlap_variants(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	/* A fragment covering another entirely. */
	assert_int_equal(offer(10, 8, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(10, 0, 24, true, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_OVERLAP);
	/* Two different last fragments. */
	assert_int_equal(offer(11, 16, 8, false, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(11, 24, 8, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_OVERLAP);
	setup(NULL);
	/* Data beyond a known end. */
	assert_int_equal(offer(12, 16, 8, false, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(12, 24, 8, true, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_OVERLAP);
	/* A last fragment that ends before data already held. */
	assert_int_equal(offer(13, 32, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(13, 8, 8, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_OVERLAP);
}

static void test_bad_fragments(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	/* Non-last fragment not a multiple of 8. */
	assert_int_equal(offer(20, 0, 12, true, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_BAD_FRAGMENT);
	/* Empty fragments, last or not. */
	assert_int_equal(offer(20, 0, 0, true, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_BAD_FRAGMENT);
	assert_int_equal(offer(20, 8, 0, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_BAD_FRAGMENT);
	/* Ends past 65535 with the header: offset 8189*8 + 20 + 40 > 65535. */
	assert_int_equal(offer(20, 8189 * 8, 40, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_BAD_FRAGMENT);
	/* None of those took a slot. */
	assert_int_equal(slots[0].state, HZ_IPV4_REASM_FREE);
	assert_int_equal(slots[1].state, HZ_IPV4_REASM_FREE);
}

static void test_limits(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	/* Too big: would end past MAXSZ. Poisons the datagram. */
	assert_int_equal(offer(30, 0, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(30, MAXSZ, 8, false, 0, &out, &why), HZ_ERR_TOO_BIG);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_TOO_BIG);
	assert_int_equal(offer(30, 8, 8, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_POISONED);
	/* Exactly MAXSZ fits. */
	setup(NULL);
	assert_int_equal(offer(31, 0, MAXSZ - 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(31, MAXSZ - 8, 8, false, 0, &out, &why), HZ_OK);
	expect_complete(&out, MAXSZ, 31);

	/* Too many: max_frags is 8; the ninth kills the datagram. */
	setup(NULL);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(offer(32, i * 8, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(32, 64, 8, false, 0, &out, &why), HZ_ERR_NO_SPACE);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_TOO_MANY);
	assert_int_equal(offer(32, 64, 8, false, 0, &out, &why), HZ_ERR_MALFORMED);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_POISONED);

	/* No slot: two datagrams in progress, a third is refused. */
	setup(NULL);
	assert_int_equal(offer(40, 0, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(41, 0, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(42, 0, 8, true, 0, &out, &why), HZ_ERR_NO_SPACE);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_NO_SLOT);
	/* Completing one frees a slot for the third. */
	assert_int_equal(offer(40, 8, 1, false, 0, &out, &why), HZ_OK);
	assert_int_equal(offer(42, 0, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);

	/* No slots at all. */
	hz_ipv4_reasm_init(&r, NULL, 0, NULL, MAXSZ, 8, HZ_SEC(30));
	assert_int_equal(offer(43, 0, 8, true, 0, &out, &why), HZ_ERR_NO_SPACE);
	assert_int_equal(why, HZ_IPV4_DROP_FRAG_NO_SLOT);
	assert_int_equal(hz_ipv4_reasm_poll(&r, 0, NULL, NULL), HZ_TIME_NEVER);
}

struct expired {
	int calls;
	uint8_t hdr[60];
	size_t hl;
	uint8_t data[64];
	size_t dlen;
};

static void on_expire(void *ctx, const uint8_t *hdr, size_t hl, const uint8_t *d, size_t dlen)
{
	struct expired *e = ctx;
	e->calls++;
	memcpy(e->hdr, hdr, hl);
	e->hl = hl;
	e->dlen = dlen;
	memcpy(e->data, d, HZ_MIN(dlen, sizeof e->data));
}

static void test_timeout(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	struct expired e = { 0 };
	assert_int_equal(hz_ipv4_reasm_poll(&r, 0, on_expire, &e), HZ_TIME_NEVER);
	/* Datagram 50 has its first fragment (and the second, contiguous);
	 * datagram 51 only its last. */
	assert_int_equal(offer(50, 0, 16, true, HZ_SEC(1), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(50, 16, 8, true, HZ_SEC(1), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(50, 40, 8, false, HZ_SEC(1), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(51, 16, 8, false, HZ_SEC(2), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(hz_ipv4_reasm_poll(&r, HZ_SEC(5), on_expire, &e), HZ_SEC(31));
	/* Later fragments do not extend the deadline. */
	assert_int_equal(offer(50, 24, 8, true, HZ_SEC(20), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(hz_ipv4_reasm_poll(&r, HZ_SEC(31) - 1, on_expire, &e), HZ_SEC(31));
	assert_int_equal(e.calls, 0);
	assert_int_equal(hz_ipv4_reasm_poll(&r, HZ_SEC(31), on_expire, &e), HZ_SEC(32));
	assert_int_equal(e.calls, 1);
	assert_int_equal(r.timeouts, 1);
	/* The first fragment's header, and the bytes held from offset 0
	 * up to the first hole (0..32: 0-16, 16-24, 24-32). */
	assert_int_equal(e.hl, 20);
	assert_int_equal(rd16(e.hdr + 4), 50);
	assert_int_equal(rd16(e.hdr + 6), HZ_IPV4_FLAG_MF);
	assert_int_equal(e.dlen, 32);
	assert_memory_equal(e.data, data, 32);
	/* Datagram 51 never had its first fragment: no callback. */
	assert_int_equal(hz_ipv4_reasm_poll(&r, HZ_SEC(40), on_expire, &e), HZ_TIME_NEVER);
	assert_int_equal(e.calls, 1);
	assert_int_equal(r.timeouts, 2);
	/* A fragment of the expired datagram starts afresh. */
	assert_int_equal(offer(50, 40, 8, false, HZ_SEC(41), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(slots[0].nfrags + slots[1].nfrags, 1);
}

static void test_expired_reclaimed_by_input(void **state)
{
	(void)state;
	struct hz_ipv4_hdr out;
	enum hz_ipv4_drop why;
	assert_int_equal(offer(60, 0, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(61, 0, 8, true, 0, &out, &why), HZ_ERR_WOULD_BLOCK);
	/* Both slots are past their deadline: input reclaims them without a
	 * poll, and the stale fragment of 60 does not join the new one. */
	assert_int_equal(offer(60, 8, 8, false, HZ_SEC(30), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(offer(62, 0, 8, true, HZ_SEC(30), &out, &why), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(r.timeouts, 2);
	assert_int_equal(offer(60, 0, 8, true, HZ_SEC(31), &out, &why), HZ_OK);
	expect_complete(&out, 16, 60);
}

static void test_permutations(void **state)
{
	(void)state;
	/* Six fragments of a 44-byte datagram in many orders, by a simple
	 * deterministic shuffle; all must complete exactly once. */
	hz_ipv4_reasm_init(&r, slots, NSLOTS, rbuf, MAXSZ, 64, HZ_SEC(30));
	unsigned seed = 12345;
	for (int round = 0; round < 200; round++) {
		size_t order[6] = { 0, 1, 2, 3, 4, 5 };
		for (size_t i = 5; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			size_t j = (seed >> 16) % (i + 1);
			size_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		uint16_t id = (uint16_t)(100 + round);
		int done = 0;
		struct hz_ipv4_hdr out;
		for (size_t k = 0; k < 6; k++) {
			size_t f = order[k];
			int rc = offer(id, f * 8, f == 5 ? 4 : 8, f != 5, 0, &out, NULL);
			if (rc == HZ_OK) {
				done++;
				assert_int_equal(k, 5);
				expect_complete(&out, 44, id);
			} else {
				assert_int_equal(rc, HZ_ERR_WOULD_BLOCK);
			}
		}
		assert_int_equal(done, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_in_order, setup),
		cmocka_unit_test_setup(test_out_of_order, setup),
		cmocka_unit_test_setup(test_duplicate, setup),
		cmocka_unit_test_setup(test_overlap_poisons, setup),
		cmocka_unit_test_setup(test_overlap_variants, setup),
		cmocka_unit_test_setup(test_bad_fragments, setup),
		cmocka_unit_test_setup(test_limits, setup),
		cmocka_unit_test_setup(test_timeout, setup),
		cmocka_unit_test_setup(test_expired_reclaimed_by_input, setup),
		cmocka_unit_test_setup(test_permutations, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
