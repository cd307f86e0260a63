/* tcp wire, ring and hash tests. Expected bytes are written out by hand
 * from RFC 9293 3.1 (header), 3.2 (options), RFC 7323 and RFC 2018, and
 * checksums come from a plain byte-loop RFC 1071 reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_internal.h"

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

/* ------------------------------------------------------------------ */
/* Header                                                              */
/* ------------------------------------------------------------------ */

static void test_hdr_parse_fields(void **state)
{
	(void)state;
	/* sport 0x1234, dport 80, seq 0x01020304, ack 0xfffffffe, offset 6
	 * words, flags SYN|ACK, window 0x7210, csum 0xabcd, urg 0x0001,
	 * then MSS 1460. */
	const uint8_t seg[] = {
		0x12, 0x34, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe,
		0x60, 0x12, 0x72, 0x10, 0xab, 0xcd, 0x00, 0x01,
		0x02, 0x04, 0x05, 0xb4, 'x', 'y',
	};
	struct hz_tcp_hdr h;
	assert_int_equal(hz_tcp_hdr_parse(&h, seg, sizeof seg), HZ_OK);
	assert_int_equal(h.sport, 0x1234);
	assert_int_equal(h.dport, 80);
	assert_int_equal(h.seq, 0x01020304u);
	assert_int_equal(h.ack, 0xfffffffeu);
	assert_int_equal(h.off, 24);
	assert_int_equal(h.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(h.wnd, 0x7210);
	assert_int_equal(h.csum, 0xabcd);
	assert_int_equal(h.urg, 1);
	assert_ptr_equal(h.opt, seg + 20);
	assert_int_equal(h.opt_len, 4);
}

static void test_hdr_parse_errors(void **state)
{
	(void)state;
	uint8_t seg[60] = { 0 };
	struct hz_tcp_hdr h;
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(hz_tcp_hdr_parse(&h, seg, n), HZ_ERR_NEED_MORE);
	for (uint8_t off = 0; off < 5; off++) {
		seg[12] = (uint8_t)(off << 4);
		assert_int_equal(hz_tcp_hdr_parse(&h, seg, sizeof seg), HZ_ERR_MALFORMED);
	}
	seg[12] = 15 << 4; /* 60 bytes */
	assert_int_equal(hz_tcp_hdr_parse(&h, seg, 59), HZ_ERR_NEED_MORE);
	assert_int_equal(hz_tcp_hdr_parse(&h, seg, 60), HZ_OK);
	assert_int_equal(h.opt_len, 40);
	/* Reserved bits (low nibble of byte 12) are ignored. */
	seg[12] = (5 << 4) | 0x0f;
	assert_int_equal(hz_tcp_hdr_parse(&h, seg, 20), HZ_OK);
	assert_int_equal(h.off, 20);
}

static void test_hdr_emit_bytes(void **state)
{
	(void)state;
	struct hz_tcp_hdr h = {
		.sport = 49152, .dport = 443, .seq = 0xdeadbeef, .ack = 0x00000001,
		.flags = HZ_TCP_ACK | HZ_TCP_PSH, .wnd = 502, .csum = 0, .urg = 0,
	};
	struct hz_tcp_opts o = { .present = HZ_TCP_OPTF_TS, .tsval = 0x11223344, .tsecr = 0x55667788 };
	uint8_t out[64];
	memset(out, 0xee, sizeof out);
	assert_int_equal(hz_tcp_hdr_emit(out, sizeof out, &h, &o), 32);
	const uint8_t want[32] = {
		0xc0, 0x00, 0x01, 0xbb, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x01,
		0x80, 0x18, 0x01, 0xf6, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};
	assert_memory_equal(out, want, 32);
	assert_int_equal(out[32], 0xee);
	/* Without options: data offset 5. */
	assert_int_equal(hz_tcp_hdr_emit(out, 20, &h, NULL), 20);
	assert_int_equal(out[12], 0x50);
	assert_int_equal(hz_tcp_hdr_emit(out, 19, &h, NULL), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_tcp_hdr_emit(out, 31, &h, &o), HZ_ERR_NO_SPACE);
	/* Round trip through the parser. */
	assert_int_equal(hz_tcp_hdr_emit(out, sizeof out, &h, &o), 32);
	struct hz_tcp_hdr p;
	struct hz_tcp_opts po;
	assert_int_equal(hz_tcp_hdr_parse(&p, out, 32), HZ_OK);
	assert_int_equal(p.seq, h.seq);
	assert_int_equal(p.off, 32);
	assert_int_equal(hz_tcp_opts_parse(&po, p.opt, p.opt_len), HZ_OK);
	assert_int_equal(po.present, HZ_TCP_OPTF_TS);
	assert_int_equal(po.tsval, 0x11223344u);
	assert_int_equal(po.tsecr, 0x55667788u);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static void test_opts_parse_all(void **state)
{
	(void)state;
	const uint8_t opt[] = {
		0x02, 0x04, 0x05, 0xb4,             /* MSS 1460 */
		0x01,                               /* NOP */
		0x03, 0x03, 0x07,                   /* WS 7 */
		0x04, 0x02,                         /* SACK permitted */
		0x08, 0x0a, 0, 0, 0, 9, 0, 0, 0, 3, /* TS 9, 3 */
		0x1e, 0x04, 0xaa, 0xbb,             /* unknown kind 30, skipped */
		0x05, 0x12, 0, 0, 1, 0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10, /* 2 SACK blocks */
		0x00,                               /* EOL */
		0x02, 0x01,                         /* garbage after EOL: ignored */
	};
	struct hz_tcp_opts o;
	assert_int_equal(hz_tcp_opts_parse(&o, opt, sizeof opt), HZ_OK);
	assert_int_equal(o.present, HZ_TCP_OPTF_MSS | HZ_TCP_OPTF_WS | HZ_TCP_OPTF_SACK_PERM |
	                                HZ_TCP_OPTF_TS | HZ_TCP_OPTF_SACK);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.ws, 7);
	assert_int_equal(o.tsval, 9);
	assert_int_equal(o.tsecr, 3);
	assert_int_equal(o.unknown, 1);
	assert_int_equal(o.nsack, 2);
	assert_int_equal(o.sack[0].left, 0x100);
	assert_int_equal(o.sack[0].right, 0x200);
	assert_int_equal(o.sack[1].left, 0xfffffff0u);
	assert_int_equal(o.sack[1].right, 0x10);
}

static void test_opts_parse_empty_and_padding(void **state)
{
	(void)state;
	struct hz_tcp_opts o;
	assert_int_equal(hz_tcp_opts_parse(&o, NULL, 0), HZ_OK);
	assert_int_equal(o.present, 0);
	const uint8_t nops[] = { 1, 1, 1, 1, 0, 0, 0, 0 };
	assert_int_equal(hz_tcp_opts_parse(&o, nops, sizeof nops), HZ_OK);
	assert_int_equal(o.present, 0);
	/* A repeated option: the later one wins. */
	const uint8_t twice[] = { 2, 4, 0, 100, 2, 4, 0, 200 };
	assert_int_equal(hz_tcp_opts_parse(&o, twice, sizeof twice), HZ_OK);
	assert_int_equal(o.mss, 200);
	/* WS above 14 is reported as received; the engine clamps. */
	const uint8_t ws[] = { 3, 3, 15, 0 };
	assert_int_equal(hz_tcp_opts_parse(&o, ws, sizeof ws), HZ_OK);
	assert_int_equal(o.ws, 15);
	/* Four SACK blocks: the most an option can hold. */
	uint8_t four[36] = { 5, 34 };
	for (int i = 0; i < 32; i++)
		four[2 + i] = (uint8_t)i;
	assert_int_equal(hz_tcp_opts_parse(&o, four, 34), HZ_OK);
	assert_int_equal(o.nsack, 4);
	assert_int_equal(o.sack[3].right, 0x1c1d1e1fu);
}

struct bad_case {
	const char *what;
	uint8_t bytes[44];
	size_t len;
	uint8_t kind;
};

static void test_opts_parse_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "mss len 3", { 2, 3, 5, 0 }, 4, 2 },
		{ "mss len 5", { 2, 5, 5, 0xb4, 0 }, 5, 2 },
		{ "ws len 2", { 3, 2, 0, 0 }, 4, 3 },
		{ "ws len 4", { 3, 4, 1, 0 }, 4, 3 },
		{ "sackperm len 3", { 4, 3, 0, 0 }, 4, 4 },
		{ "ts len 8", { 8, 8, 0, 0, 0, 0, 0, 0 }, 8, 8 },
		{ "ts len 12", { 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12, 8 },
		{ "sack no block", { 5, 2, 0, 0 }, 4, 5 },
		{ "sack len 9", { 5, 9, 0, 0, 0, 0, 0, 0, 0, 0 }, 10, 5 },
		{ "sack 5 blocks", { 5, 42 }, 42, 5 },
		{ "len 0", { 30, 0, 0, 0 }, 4, 30 },
		{ "len 1", { 30, 1, 0, 0 }, 4, 30 },
		{ "no len byte", { 1, 1, 1, 2 }, 4, 2 },
		{ "past end", { 30, 6, 0, 0 }, 4, 30 },
		{ "mss past end", { 1, 2, 4, 5 }, 4, 2 },
	};
	for (size_t i = 0; i < HZ_ARRAY_LEN(cases); i++) {
		struct hz_tcp_opts o;
		int rc = hz_tcp_opts_parse(&o, cases[i].bytes, cases[i].len);
		if (rc != HZ_ERR_MALFORMED || o.bad_kind != cases[i].kind)
			fail_msg("%s: rc %d kind %u", cases[i].what, rc, o.bad_kind);
	}
}

static void test_opts_emit_syn_layout(void **state)
{
	(void)state;
	struct hz_tcp_opts o = {
		.present = HZ_TCP_OPTF_MSS | HZ_TCP_OPTF_WS | HZ_TCP_OPTF_SACK_PERM | HZ_TCP_OPTF_TS,
		.mss = 1460, .ws = 7, .tsval = 0x01020304, .tsecr = 0,
	};
	uint8_t out[40];
	assert_int_equal(hz_tcp_opts_len(&o), 20);
	assert_int_equal(hz_tcp_opts_emit(out, sizeof out, &o), 20);
	const uint8_t want[20] = {
		0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07,
		0x04, 0x02, 0x08, 0x0a, 1, 2, 3, 4, 0, 0, 0, 0,
	};
	assert_memory_equal(out, want, 20);
	/* SACK-permitted without timestamps: NOP, NOP, 4, 2. */
	o.present = HZ_TCP_OPTF_SACK_PERM;
	assert_int_equal(hz_tcp_opts_emit(out, sizeof out, &o), 4);
	const uint8_t sp[4] = { 1, 1, 4, 2 };
	assert_memory_equal(out, sp, 4);
	/* SACK blocks after timestamps: 12 + 4 + 3*8 = 40 exactly. */
	o.present = HZ_TCP_OPTF_TS | HZ_TCP_OPTF_SACK;
	o.nsack = 3;
	for (int k = 0; k < 3; k++) {
		o.sack[k].left = 1000u * (uint32_t)k;
		o.sack[k].right = 1000u * (uint32_t)k + 500u;
	}
	assert_int_equal(hz_tcp_opts_emit(out, sizeof out, &o), 40);
	assert_int_equal(out[12], 1);
	assert_int_equal(out[13], 1);
	assert_int_equal(out[14], 5);
	assert_int_equal(out[15], 26);
	struct hz_tcp_opts p;
	assert_int_equal(hz_tcp_opts_parse(&p, out, 40), HZ_OK);
	assert_int_equal(p.nsack, 3);
	assert_int_equal(p.sack[2].left, 2000);
	assert_int_equal(p.sack[2].right, 2500);
	/* Four blocks with timestamps do not fit. */
	o.nsack = 4;
	assert_int_equal(hz_tcp_opts_emit(out, sizeof out, &o), HZ_ERR_INVALID);
	o.nsack = 0;
	assert_int_equal(hz_tcp_opts_emit(out, sizeof out, &o), HZ_ERR_INVALID);
	o.nsack = 1;
	assert_int_equal(hz_tcp_opts_emit(out, 23, &o), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_tcp_opts_emit(out, 24, &o), 24);
}

/* Every combination of options round-trips through emit and parse. */
static void test_opts_roundtrip_all(void **state)
{
	(void)state;
	for (unsigned present = 0; present < 32; present++) {
		for (uint8_t ns = 1; ns <= 4; ns++) {
			struct hz_tcp_opts o = { .present = (uint8_t)present, .mss = 1220, .ws = 14,
			                         .tsval = 0xfffffff0, .tsecr = 0x10, .nsack = ns };
			for (unsigned k = 0; k < ns; k++) {
				o.sack[k].left = 0xffff0000u + k * 16;
				o.sack[k].right = 0xffff0008u + k * 16;
			}
			uint8_t out[40];
			int n = hz_tcp_opts_emit(out, sizeof out, &o);
			if (hz_tcp_opts_len(&o) > 40 || !(present & HZ_TCP_OPTF_SACK)) {
				if (hz_tcp_opts_len(&o) > 40)
					assert_int_equal(n, HZ_ERR_INVALID);
				if (hz_tcp_opts_len(&o) > 40 || ns > 1)
					continue;
			}
			assert_true(n >= 0);
			assert_int_equal(n % 4, 0);
			struct hz_tcp_opts p;
			assert_int_equal(hz_tcp_opts_parse(&p, out, (size_t)n), HZ_OK);
			assert_int_equal(p.present, present);
			if (present & HZ_TCP_OPTF_MSS)
				assert_int_equal(p.mss, 1220);
			if (present & HZ_TCP_OPTF_WS)
				assert_int_equal(p.ws, 14);
			if (present & HZ_TCP_OPTF_TS) {
				assert_int_equal(p.tsval, 0xfffffff0u);
				assert_int_equal(p.tsecr, 0x10);
			}
			if (present & HZ_TCP_OPTF_SACK) {
				assert_int_equal(p.nsack, ns);
				assert_memory_equal(p.sack, o.sack, ns * sizeof o.sack[0]);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Checksum and sequence numbers                                       */
/* ------------------------------------------------------------------ */

static void test_csum_against_reference(void **state)
{
	(void)state;
	uint8_t seg[1500];
	uint32_t x = 12345;
	for (size_t len = 20; len < sizeof seg; len += 37) {
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			seg[i] = (uint8_t)(x >> 16);
		}
		/* Pseudo-header: 10.0.0.1 -> 10.0.0.2, proto 6, length. */
		const uint8_t ph[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 6, (uint8_t)(len >> 8), (uint8_t)len };
		uint32_t pseudo = ref_sum(0, ph, 12);
		seg[16] = seg[17] = 0;
		uint16_t want = ref_fold(ref_sum(pseudo, seg, len));
		seg[16] = 0x5a; /* the field is ignored */
		uint16_t got = hz_tcp_csum_compute(pseudo, seg, len);
		assert_int_equal(got, want);
		seg[16] = (uint8_t)(got >> 8);
		seg[17] = (uint8_t)got;
		assert_true(hz_tcp_csum_verify(pseudo, seg, len));
		seg[len - 1] ^= 0x01;
		assert_false(hz_tcp_csum_verify(pseudo, seg, len));
	}
}

static void test_seq_compare(void **state)
{
	(void)state;
	assert_true(hz_tcp_seq_lt(0xfffffff0u, 0x10));
	assert_true(hz_tcp_seq_gt(0x10, 0xfffffff0u));
	assert_true(hz_tcp_seq_le(5, 5));
	assert_true(hz_tcp_seq_ge(5, 5));
	assert_false(hz_tcp_seq_lt(5, 5));
	assert_true(hz_tcp_seq_lt(0, 0x7fffffffu));
	assert_true(hz_tcp_seq_gt(0, 0x80000001u));
}

/* ------------------------------------------------------------------ */
/* Ring                                                                */
/* ------------------------------------------------------------------ */

static void test_ring_basic_wrap(void **state)
{
	(void)state;
	uint8_t mem[10];
	struct hz_tcp_ring r;
	hz_tcp_ring_init(&r, mem, sizeof mem);
	assert_int_equal(hz_tcp_ring_free(&r), 10);
	assert_int_equal(hz_tcp_ring_write(&r, "abcdefg", 7), 7);
	uint8_t out[16];
	assert_int_equal(hz_tcp_ring_read(&r, out, 5), 5);
	assert_memory_equal(out, "abcde", 5);
	/* 2 left (fg) at 5..6; write 8 more: wraps, all fit. */
	assert_int_equal(hz_tcp_ring_write(&r, "HIJKLMNOP", 9), 8);
	assert_int_equal(hz_tcp_ring_len(&r), 10);
	assert_int_equal(hz_tcp_ring_free(&r), 0);
	assert_int_equal(hz_tcp_ring_write(&r, "z", 1), 0);
	const uint8_t *p;
	size_t n = hz_tcp_ring_peek(&r, &p);
	assert_int_equal(n, 5); /* up to the end of the buffer */
	assert_memory_equal(p, "fgHIJ", 5);
	assert_int_equal(hz_tcp_ring_copy(&r, 3, out, 16), 7);
	assert_memory_equal(out, "IJKLMNO", 7);
	hz_tcp_ring_consume(&r, 5);
	n = hz_tcp_ring_peek(&r, &p);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "KLMNO", 5);
	hz_tcp_ring_consume(&r, 100); /* clipped */
	assert_int_equal(hz_tcp_ring_len(&r), 0);
	assert_int_equal(hz_tcp_ring_peek(&r, &p), 0);
	assert_null(p);
	assert_int_equal(hz_tcp_ring_read(&r, out, 4), 0);
	assert_int_equal(hz_tcp_ring_copy(&r, 0, out, 4), 0);
}

static void test_ring_write_at_commit(void **state)
{
	(void)state;
	uint8_t mem[8];
	struct hz_tcp_ring r;
	hz_tcp_ring_init(&r, mem, sizeof mem);
	assert_int_equal(hz_tcp_ring_write(&r, "012345", 6), 6);
	uint8_t out[8];
	assert_int_equal(hz_tcp_ring_read(&r, out, 6), 6); /* head at 6 */
	/* Out of order: bytes 3..5 past the end first (wrapping). */
	assert_int_equal(hz_tcp_ring_write_at(&r, 3, "def", 3), 3);
	assert_int_equal(hz_tcp_ring_len(&r), 0);
	/* Beyond the free space: clipped. */
	assert_int_equal(hz_tcp_ring_write_at(&r, 6, "xyz", 3), 2);
	assert_int_equal(hz_tcp_ring_write_at(&r, 8, "q", 1), 0);
	/* Fill the gap, then commit all. */
	assert_int_equal(hz_tcp_ring_write_at(&r, 0, "abc", 3), 3);
	hz_tcp_ring_commit(&r, 8);
	assert_int_equal(hz_tcp_ring_len(&r), 8);
	assert_int_equal(hz_tcp_ring_read(&r, out, 8), 8);
	assert_memory_equal(out, "abcdefxy", 8);
	hz_tcp_ring_commit(&r, 100);
	assert_int_equal(hz_tcp_ring_len(&r), 8); /* clipped to cap */
}

/* Random operations against a flat model of the byte stream. */
static void test_ring_model(void **state)
{
	(void)state;
	uint8_t mem[61];
	struct hz_tcp_ring r;
	hz_tcp_ring_init(&r, mem, sizeof mem);
	uint8_t model[100000];
	size_t mhead = 0, mtail = 0, wrote = 0;
	uint32_t x = 7;
	for (int it = 0; it < 20000; it++) {
		x = x * 1664525u + 1013904223u;
		size_t n = (x >> 8) % 40;
		if ((x >> 4) & 1) {
			uint8_t buf[40];
			for (size_t i = 0; i < n; i++)
				buf[i] = (uint8_t)(wrote + i);
			size_t w = hz_tcp_ring_write(&r, buf, n);
			assert_int_equal(w, HZ_MIN(n, sizeof mem - (mtail - mhead)));
			for (size_t i = 0; i < w && mtail < sizeof model; i++)
				model[mtail++] = buf[i];
			wrote += w;
		} else {
			uint8_t buf[40];
			size_t got = hz_tcp_ring_read(&r, buf, n);
			assert_int_equal(got, HZ_MIN(n, mtail - mhead));
			assert_memory_equal(buf, model + mhead, got);
			mhead += got;
		}
		assert_int_equal(hz_tcp_ring_len(&r), mtail - mhead);
		if (mtail > sizeof model - 64)
			break;
	}
}

/* ------------------------------------------------------------------ */
/* SipHash-2-4                                                         */
/* ------------------------------------------------------------------ */

static void test_siphash_vectors(void **state)
{
	(void)state;
	/* Key 00 01 .. 0f; the reference paper's vectors for the messages
	 * "" and 00 01 .. 0e. */
	uint8_t k[16], m[15];
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	assert_true(hz_siphash(k, m, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(hz_siphash(k, m, 15) == 0xa129ca6149be45e5ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_parse_fields),
		cmocka_unit_test(test_hdr_parse_errors),
		cmocka_unit_test(test_hdr_emit_bytes),
		cmocka_unit_test(test_opts_parse_all),
		cmocka_unit_test(test_opts_parse_empty_and_padding),
		cmocka_unit_test(test_opts_parse_errors),
		cmocka_unit_test(test_opts_emit_syn_layout),
		cmocka_unit_test(test_opts_roundtrip_all),
		cmocka_unit_test(test_csum_against_reference),
		cmocka_unit_test(test_seq_compare),
		cmocka_unit_test(test_ring_basic_wrap),
		cmocka_unit_test(test_ring_write_at_commit),
		cmocka_unit_test(test_ring_model),
		cmocka_unit_test(test_siphash_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
