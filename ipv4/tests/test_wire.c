/* ipv4 wire tests: header and ICMP parse/emit, every validation path. */
#include "harness.h"

/* A widely used worked example of the header checksum: a UDP datagram from
 * 192.168.0.1 to 192.168.0.199, total length 115, DF, TTL 64, checksum
 * 0xb861. */
static const uint8_t example_hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void test_example_header(void **state)
{
	(void)state;
	uint8_t pkt[115 + 6];
	memset(pkt, 0xab, sizeof pkt);
	memcpy(pkt, example_hdr, 20);
	/* The example's checksum is right by the naive RFC 1071 sum too. */
	assert_int_equal(ref_csum(example_hdr, 20), 0);
	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	/* Six bytes of link padding after the datagram are ignored. */
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, sizeof pkt, &why), 20);
	assert_int_equal(why, HZ_IPV4_DROP_COUNT);
	assert_int_equal(h.hdr_len, 20);
	assert_int_equal(h.total_len, 115);
	assert_int_equal(h.id, 0);
	assert_true(hz_ipv4_hdr_df(&h));
	assert_false(hz_ipv4_hdr_mf(&h));
	assert_false(hz_ipv4_hdr_is_fragment(&h));
	assert_int_equal(h.ttl, 64);
	assert_int_equal(h.proto, HZ_IPV4_PROTO_UDP);
	assert_int_equal(h.csum, 0xb861);
	assert_int_equal(h.src, A(192, 168, 0, 1));
	assert_int_equal(h.dst, A(192, 168, 0, 199));
	assert_null(h.options);
	assert_int_equal(h.options_len, 0);
	assert_ptr_equal(h.payload, pkt + 20);
	assert_int_equal(h.payload_len, 95);

	/* Emitting the parsed fields reproduces the bytes exactly. */
	uint8_t out[20];
	assert_int_equal(hz_ipv4_hdr_emit(&h, out, sizeof out), 20);
	assert_memory_equal(out, example_hdr, 20);
}

static void test_emit_roundtrip(void **state)
{
	(void)state;
	const uint8_t opts[8] = { HZ_IPV4_OPT_NOP, HZ_IPV4_OPT_RR, 7, 4, 0, 0, 0, 0 };
	struct hz_ipv4_hdr h;
	memset(&h, 0, sizeof h);
	h.tos = 0xb8;
	h.total_len = 28 + 10;
	h.id = 0xbeef;
	h.frag = HZ_IPV4_FLAG_MF | 3;
	h.ttl = 1;
	h.proto = 99;
	h.src = A(10, 1, 2, 3);
	h.dst = A(10, 4, 5, 6);
	h.options = opts;
	h.options_len = sizeof opts;
	uint8_t buf[64];
	memset(buf, 0, sizeof buf);
	assert_int_equal(hz_ipv4_hdr_emit(&h, buf, sizeof buf), 28);
	/* RFC 791 3.1 layout, field by field. */
	assert_int_equal(buf[0], 0x47);
	assert_int_equal(buf[1], 0xb8);
	assert_int_equal(rd16(buf + 2), 38);
	assert_int_equal(rd16(buf + 4), 0xbeef);
	assert_int_equal(rd16(buf + 6), 0x2003);
	assert_int_equal(buf[8], 1);
	assert_int_equal(buf[9], 99);
	assert_int_equal(rd32(buf + 12), A(10, 1, 2, 3));
	assert_int_equal(rd32(buf + 16), A(10, 4, 5, 6));
	assert_memory_equal(buf + 20, opts, 8);
	assert_int_equal(ref_csum(buf, 28), 0);

	struct hz_ipv4_hdr p;
	assert_int_equal(hz_ipv4_hdr_parse(&p, buf, 38, NULL), 28);
	assert_int_equal(p.hdr_len, 28);
	assert_int_equal(p.frag, h.frag);
	assert_int_equal(hz_ipv4_hdr_offset(&p), 24);
	assert_true(hz_ipv4_hdr_is_fragment(&p));
	assert_int_equal(p.options_len, 8);
	assert_ptr_equal(p.options, buf + 20);
	assert_int_equal(p.opts, HZ_IPV4_OPTF_RR);
	assert_int_equal(p.payload_len, 10);

	/* Bad option lengths and short buffers. */
	h.options_len = 3;
	assert_int_equal(hz_ipv4_hdr_emit(&h, buf, sizeof buf), HZ_ERR_INVALID);
	h.options_len = 44;
	assert_int_equal(hz_ipv4_hdr_emit(&h, buf, sizeof buf), HZ_ERR_INVALID);
	h.options_len = 8;
	assert_int_equal(hz_ipv4_hdr_emit(&h, buf, 27), HZ_ERR_NO_SPACE);
	h.options_len = 0;
	assert_int_equal(hz_ipv4_hdr_emit(&h, buf, 19), HZ_ERR_NO_SPACE);
}

static uint8_t pkt[2048];

/* Parse and expect a specific failure. */
static void expect_drop(size_t len, int err, enum hz_ipv4_drop reason)
{
	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, len, &why), err);
	assert_int_equal(why, reason);
}

static size_t good(void)
{
	static const uint8_t data[8] = "payload";
	return build_ip(pkt, A(10, 0, 0, 1), A(10, 0, 0, 2), 17, 1, 0, 64, NULL, 0, data, 8);
}

static void refix_csum(size_t hl)
{
	pkt[10] = pkt[11] = 0;
	wr16(pkt + 10, ref_csum(pkt, hl));
}

static void test_validation(void **state)
{
	(void)state;
	size_t n = good();
	struct hz_ipv4_hdr h;
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, n, NULL), 20);

	/* Truncated: fewer than 20 bytes, and no *why required. */
	expect_drop(19, HZ_ERR_NEED_MORE, HZ_IPV4_DROP_TRUNCATED);
	expect_drop(0, HZ_ERR_NEED_MORE, HZ_IPV4_DROP_TRUNCATED);
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, 3, NULL), HZ_ERR_NEED_MORE);

	/* Version 6. */
	n = good();
	pkt[0] = 0x65;
	refix_csum(20);
	expect_drop(n, HZ_ERR_MALFORMED, HZ_IPV4_DROP_BAD_VERSION);

	/* IHL 4 (16 bytes). */
	n = good();
	pkt[0] = 0x44;
	expect_drop(n, HZ_ERR_MALFORMED, HZ_IPV4_DROP_BAD_IHL);
	/* IHL 15 = 60 bytes, longer than the 28-byte packet. */
	n = good();
	pkt[0] = 0x4f;
	expect_drop(n, HZ_ERR_MALFORMED, HZ_IPV4_DROP_BAD_IHL);

	/* Total length shorter than the header. */
	n = good();
	wr16(pkt + 2, 19);
	refix_csum(20);
	expect_drop(n, HZ_ERR_MALFORMED, HZ_IPV4_DROP_BAD_TOTAL_LEN);
	/* Total length longer than the frame. */
	n = good();
	wr16(pkt + 2, (uint16_t)(n + 1));
	refix_csum(20);
	expect_drop(n, HZ_ERR_MALFORMED, HZ_IPV4_DROP_BAD_TOTAL_LEN);
	/* Exactly the header, no payload: fine. */
	n = good();
	wr16(pkt + 2, 20);
	refix_csum(20);
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, n, NULL), 20);
	assert_int_equal(h.payload_len, 0);

	/* Checksum: flip one bit anywhere in the header. */
	for (size_t i = 0; i < 20; i++) {
		if (i == 0 || i == 2 || i == 3)
			continue; /* those fail earlier checks */
		n = good();
		pkt[i] ^= 0x01;
		expect_drop(n, HZ_ERR_CHECKSUM, HZ_IPV4_DROP_BAD_CHECKSUM);
	}
	/* But not in the payload: the header checksum covers the header only. */
	n = good();
	pkt[25] ^= 0xff;
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, n, NULL), 20);

	/* The reserved flag and DF on a fragment are accepted (be liberal). */
	n = good();
	wr16(pkt + 6, HZ_IPV4_FLAG_RF | HZ_IPV4_FLAG_DF | HZ_IPV4_FLAG_MF);
	refix_csum(20);
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, n, NULL), 20);
}

static void test_martian_src(void **state)
{
	(void)state;
	static const uint32_t bad[] = {
		A(224, 0, 0, 1), A(239, 255, 255, 250), A(255, 255, 255, 255), A(127, 0, 0, 1),
		A(127, 255, 0, 9), A(240, 0, 0, 1), A(0, 1, 2, 3), A(0, 0, 0, 1),
	};
	for (size_t i = 0; i < HZ_ARRAY_LEN(bad); i++) {
		size_t n = build_ip(pkt, bad[i], A(10, 0, 0, 2), 17, 1, 0, 64, NULL, 0, "x", 1);
		expect_drop(n, HZ_ERR_MALFORMED, HZ_IPV4_DROP_MARTIAN_SRC);
	}
	/* 0.0.0.0 is how a DHCP client speaks before it has an address. */
	struct hz_ipv4_hdr h;
	size_t n = build_ip(pkt, 0, A(255, 255, 255, 255), 17, 1, 0, 64, NULL, 0, "x", 1);
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, n, NULL), 20);
	assert_int_equal(h.src, 0);
	/* A multicast destination is fine for the parser. */
	n = build_ip(pkt, A(10, 0, 0, 1), A(224, 0, 0, 1), 17, 1, 0, 64, NULL, 0, "x", 1);
	assert_int_equal(hz_ipv4_hdr_parse(&h, pkt, n, NULL), 20);
}

/* Parse a packet carrying the given options (padded by the caller to a
 * multiple of 4) and return the result. */
static int parse_opts(const uint8_t *opt, size_t optlen, struct hz_ipv4_hdr *h,
                      enum hz_ipv4_drop *why)
{
	size_t n = build_ip(pkt, A(10, 0, 0, 1), A(10, 0, 0, 2), 17, 1, 0, 64, opt, optlen, "abcd", 4);
	return hz_ipv4_hdr_parse(h, pkt, n, why);
}

static void test_options(void **state)
{
	(void)state;
	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why;

	/* NOP, NOP, RR with room for two addresses (length 11, pointer 4),
	 * EOL: 14 bytes padded to 16. */
	const uint8_t rr[16] = { 1, 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(parse_opts(rr, 16, &h, &why), 36);
	assert_int_equal(h.opts, HZ_IPV4_OPTF_RR);
	assert_int_equal(h.options_len, 16);
	assert_int_equal(h.payload_len, 4);
	assert_memory_equal(h.payload, "abcd", 4);
	/* A full RR (pointer = length + 1) is fine. */
	const uint8_t rr_full[8] = { 7, 7, 8, 1, 2, 3, 4, 0 };
	assert_int_equal(parse_opts(rr_full, 8, &h, &why), 28);
	/* EOL then garbage: the garbage is padding. */
	const uint8_t eol[4] = { 0, 0xff, 0xff, 0xff };
	assert_int_equal(parse_opts(eol, 4, &h, &why), 24);
	assert_int_equal(h.opts, 0);
	/* A valid timestamp option, flag 0 (timestamps only). */
	const uint8_t ts[12] = { 68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(parse_opts(ts, 12, &h, &why), 32);
	assert_int_equal(h.opts, HZ_IPV4_OPTF_TS);
	/* Timestamp with flag 1 (address + stamp pairs), pointer at pair 2. */
	const uint8_t ts1[20] = { 68, 20, 13, 1, 10, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(parse_opts(ts1, 20, &h, &why), 40);
	/* Router alert (RFC 2113) and an unknown but well-formed option. */
	const uint8_t ra[8] = { 148, 4, 0, 0, 0x9e, 3, 0, 0 };
	assert_int_equal(parse_opts(ra, 8, &h, &why), 28);
	assert_int_equal(h.opts, HZ_IPV4_OPTF_RA | HZ_IPV4_OPTF_OTHER);
	/* Source routes are well-formed options: the engine decides. */
	const uint8_t lsrr[8] = { 131, 7, 4, 10, 0, 0, 9, 0 };
	assert_int_equal(parse_opts(lsrr, 8, &h, &why), 28);
	assert_int_equal(h.opts, HZ_IPV4_OPTF_LSRR);
	const uint8_t ssrr[8] = { 137, 7, 8, 10, 0, 0, 9, 0 };
	assert_int_equal(parse_opts(ssrr, 8, &h, &why), 28);
	assert_int_equal(h.opts, HZ_IPV4_OPTF_SSRR);

	static const struct {
		uint8_t o[8];
		const char *what;
	} bad[] = {
		{ { 0x9e, 0, 0, 0, 0, 0, 0, 0 }, "length 0" },
		{ { 0x9e, 1, 0, 0, 0, 0, 0, 0 }, "length 1" },
		{ { 1, 1, 1, 0x9e, 6, 0, 0, 0 }, "overruns the header" },
		{ { 1, 1, 1, 1, 1, 1, 1, 0x9e }, "length byte missing" },
		{ { 7, 2, 0, 0, 0, 0, 0, 0 }, "RR too short for a pointer" },
		{ { 7, 7, 3, 0, 0, 0, 0, 0 }, "RR pointer below 4" },
		{ { 7, 7, 5, 0, 0, 0, 0, 0 }, "RR pointer not on a slot" },
		{ { 7, 7, 12, 0, 0, 0, 0, 0 }, "RR pointer past length + 1" },
		{ { 131, 7, 2, 0, 0, 0, 0, 0 }, "LSRR pointer below 4" },
		{ { 68, 3, 5, 0, 0, 0, 0, 0 }, "TS too short" },
		{ { 68, 8, 4, 0, 0, 0, 0, 0 }, "TS pointer below 5" },
		{ { 68, 8, 5, 2, 0, 0, 0, 0 }, "TS flag 2" },
		{ { 68, 8, 13, 0, 0, 0, 0, 0 }, "TS pointer past length + 1" },
		{ { 148, 3, 0, 0, 0, 0, 0, 0 }, "router alert of length 3" },
	};
	for (size_t i = 0; i < HZ_ARRAY_LEN(bad); i++) {
		why = HZ_IPV4_DROP_COUNT;
		int rc = parse_opts(bad[i].o, 8, &h, &why);
		if (rc != HZ_ERR_MALFORMED || why != HZ_IPV4_DROP_BAD_OPTION)
			fail_msg("option case '%s': rc %d why %d", bad[i].what, rc, (int)why);
	}
}

static void test_pseudo(void **state)
{
	(void)state;
	/* Sum by hand: 0a00 0001 0a00 0002 0011 0010, no carries. */
	uint32_t want = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0011 + 0x0010;
	uint32_t got = hz_ipv4_pseudo(A(10, 0, 0, 1), A(10, 0, 0, 2), 17, 16);
	assert_int_equal(hz_csum_fold(got), (uint16_t)~want);
	/* With carries: ffff ffff ffff ffff 0006 ffff. */
	uint8_t ph[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 6, 0xff, 0xff };
	got = hz_ipv4_pseudo(0xffffffffu, 0xffffffffu, 6, 0xffff);
	assert_int_equal(hz_csum_fold(got), ref_csum(ph, 12));
}

static void test_icmp_wire(void **state)
{
	(void)state;
	uint8_t m[64];
	size_t n = build_icmp(m, HZ_IPV4_ICMP_ECHO, 0, 0x12340007, "hello, ping", 11);
	struct hz_ipv4_icmp ic;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	assert_int_equal(hz_ipv4_icmp_parse(&ic, m, n, &why), HZ_OK);
	assert_int_equal(ic.type, 8);
	assert_int_equal(ic.code, 0);
	assert_int_equal(hz_ipv4_icmp_echo_id(&ic), 0x1234);
	assert_int_equal(hz_ipv4_icmp_echo_seq(&ic), 7);
	assert_int_equal(ic.data_len, 11);
	assert_memory_equal(ic.data, "hello, ping", 11);
	/* Odd length: the checksum pads with a zero byte. */
	assert_int_equal(ref_csum(m, n), 0);

	m[n - 1] ^= 0x40;
	assert_int_equal(hz_ipv4_icmp_parse(&ic, m, n, &why), HZ_ERR_CHECKSUM);
	assert_int_equal(why, HZ_IPV4_DROP_ICMP_BAD_CHECKSUM);
	assert_int_equal(hz_ipv4_icmp_parse(&ic, m, 7, &why), HZ_ERR_NEED_MORE);
	assert_int_equal(why, HZ_IPV4_DROP_ICMP_TRUNCATED);

	/* Frag needed: MTU in the low 16 bits; param problem: pointer byte. */
	n = build_icmp(m, 3, 4, 0x000005dc, NULL, 0);
	assert_int_equal(hz_ipv4_icmp_parse(&ic, m, n, NULL), HZ_OK);
	assert_int_equal(hz_ipv4_icmp_mtu(&ic), 1500);
	n = build_icmp(m, 12, 0, 0x09000000, NULL, 0);
	assert_int_equal(hz_ipv4_icmp_parse(&ic, m, n, NULL), HZ_OK);
	assert_int_equal(hz_ipv4_icmp_pointer(&ic), 9);

	/* Emit with the data already in place, and from elsewhere. */
	uint8_t out[64];
	memcpy(out + 8, "abc", 3);
	struct hz_ipv4_icmp e = { .type = 0, .code = 0, .rest = 0xaabbccdd, .data = out + 8,
		                  .data_len = 3 };
	assert_int_equal(hz_ipv4_icmp_emit(&e, out, sizeof out), 11);
	assert_int_equal(ref_csum(out, 11), 0);
	assert_int_equal(rd32(out + 4), 0xaabbccdd);
	assert_memory_equal(out + 8, "abc", 3);
	/* Data overlapping the header area moves forward correctly. */
	memcpy(out, "0123456789", 10);
	e.data = out + 2;
	e.data_len = 10;
	assert_int_equal(hz_ipv4_icmp_emit(&e, out, sizeof out), 18);
	assert_memory_equal(out + 8, "23456789", 8);
	assert_int_equal(ref_csum(out, 18), 0);
	assert_int_equal(hz_ipv4_icmp_emit(&e, out, 17), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_ipv4_icmp_emit(&e, out, 4), HZ_ERR_NO_SPACE);

	assert_false(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_ECHO));
	assert_false(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_ECHO_REPLY));
	assert_false(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_TIMESTAMP));
	assert_true(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_DEST_UNREACH));
	assert_true(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_TIME_EXCEEDED));
	assert_true(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_PARAM_PROBLEM));
	assert_true(hz_ipv4_icmp_type_is_error(HZ_IPV4_ICMP_REDIRECT));
	assert_true(hz_ipv4_icmp_type_is_error(200)); /* unknown: assume error */
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(hz_ipv4_drop_name(HZ_IPV4_DROP_BAD_CHECKSUM), "bad_checksum");
	assert_string_equal(hz_ipv4_drop_name(HZ_IPV4_DROP_TRUNCATED), "truncated");
	assert_string_equal(hz_ipv4_drop_name(HZ_IPV4_DROP_FRAG_OVERLAP), "frag_overlap");
	assert_string_equal(hz_ipv4_drop_name(HZ_IPV4_DROP_COUNT), "?");
	assert_string_equal(hz_ipv4_drop_name(1000), "?");
	for (unsigned i = 0; i < HZ_IPV4_DROP_COUNT; i++) {
		const char *a = hz_ipv4_drop_name(i);
		assert_string_not_equal(a, "?");
		for (const char *c = a; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (unsigned j = i + 1; j < HZ_IPV4_DROP_COUNT; j++)
			assert_string_not_equal(a, hz_ipv4_drop_name(j));
	}
}

static void test_addr_helpers(void **state)
{
	(void)state;
	assert_int_equal(A(10, 0, 0, 2), 0x0a000002);
	assert_true(hz_ipv4_addr_is_multicast(A(224, 0, 0, 0)));
	assert_true(hz_ipv4_addr_is_multicast(A(239, 255, 255, 255)));
	assert_false(hz_ipv4_addr_is_multicast(A(223, 255, 255, 255)));
	assert_false(hz_ipv4_addr_is_multicast(A(240, 0, 0, 0)));
	assert_true(hz_ipv4_addr_is_loopback(A(127, 1, 2, 3)));
	assert_false(hz_ipv4_addr_is_loopback(A(128, 0, 0, 1)));
	assert_true(hz_ipv4_addr_is_reserved(A(240, 0, 0, 1)));
	assert_false(hz_ipv4_addr_is_reserved(HZ_IPV4_BROADCAST));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_header),
		cmocka_unit_test(test_emit_roundtrip),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_martian_src),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_icmp_wire),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_addr_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
