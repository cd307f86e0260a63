/*
 * ipv6: fixed-header parse, extension-header walk and ICMPv6 parse on a
 * raw IPv6 packet (no flags byte: the whole input is the packet).
 *
 * Invariants: a parsed header emits back to the same 40 bytes; the walk
 * ends inside the packet with an offset past every header it names, its
 * header count and chain length within the limits, a fragment's data
 * right after its fragment header, and any Parameter Problem pointer
 * inside the packet; the walk with a raised limit agrees with the default
 * one whenever the default succeeds; an ICMPv6 message that parses emits
 * back to the same bytes (checksum equal up to one's-complement zero).
 */
#include "fuzz.h"
#include "haze/ipv6.h"

static void check_walk(const uint8_t *pkt, size_t len)
{
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_ext_walk(&x, pkt, len, NULL, &why);
	if (rc < 0) {
		FZ_CHECK(why < HZ_IPV6_DROP_COUNT);
		if (x.icmp) {
			FZ_CHECK(x.icmp_pointer < len);
			FZ_CHECK(x.icmp_code <= HZ_IPV6_PP_FIRST_FRAG);
		}
		return;
	}
	FZ_CHECK(rc == HZ_OK && why == HZ_IPV6_DROP_COUNT);
	FZ_CHECK(x.offset >= HZ_IPV6_HDR_LEN && x.offset <= len);
	FZ_CHECK(x.proto_ptr < x.offset);
	FZ_CHECK(pkt[x.proto_ptr] == x.proto || x.proto_ptr == x.frag_hdr);
	FZ_CHECK(x.count <= HZ_IPV6_EXT_MAX_HDRS);
	FZ_CHECK(x.offset - HZ_IPV6_HDR_LEN <= HZ_IPV6_EXT_MAX_LEN);
	FZ_CHECK(x.count == 0 ? x.offset == HZ_IPV6_HDR_LEN : x.offset >= HZ_IPV6_HDR_LEN + 8u * x.count);
	FZ_CHECK(!x.icmp);
	if (x.flags & HZ_IPV6_EXT_F_FRAGMENT) {
		FZ_CHECK(x.frag_hdr + 8 == x.offset);
		FZ_CHECK(x.frag_offset != 0 || x.frag_more);
		FZ_CHECK(!x.frag_more || (len - x.offset) % 8 == 0);
		FZ_CHECK(x.frag_offset + (len - x.offset) <= 65535u);
	}
	/* raising the limits never turns a success into a failure */
	struct hz_ipv6_ext y;
	struct hz_ipv6_ext_limits lim = { .max_hdrs = 255, .max_len = 65535 };
	FZ_CHECK(hz_ipv6_ext_walk(&y, pkt, len, &lim, NULL) == HZ_OK);
	FZ_CHECK(y.offset == x.offset && y.proto == x.proto && y.flags == x.flags);
}

static void check_icmp(const uint8_t *m, size_t len, const struct hz_ipv6_hdr *h)
{
	struct hz_ipv6_icmp p;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_icmp_parse(&p, m, len, &h->src, &h->dst, &why);
	if (rc < 0) {
		FZ_CHECK(why == HZ_IPV6_DROP_ICMP_TRUNCATED || why == HZ_IPV6_DROP_ICMP_BAD_CHECKSUM);
		return;
	}
	FZ_CHECK(len >= HZ_IPV6_ICMP_HDR_LEN && p.data == m + 8 && p.data_len == len - 8);
	static uint8_t out[65536];
	FZ_CHECK(hz_ipv6_icmp_emit(&p, &h->src, &h->dst, out, sizeof out) == (int)len);
	FZ_CHECK(out[0] == m[0] && out[1] == m[1]);
	FZ_CHECK(memcmp(out + 4, m + 4, len - 4) == 0);
	FZ_CHECK(fz_csum_eq(hz_be16_load(out + 2), p.csum));
	/* and what emit wrote parses */
	FZ_CHECK(hz_ipv6_icmp_parse(&p, out, len, &h->src, &h->dst, NULL) == HZ_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536 + 64];
	size_t len = size < sizeof pkt ? size : sizeof pkt;
	memcpy(pkt, data, len);

	/* the walk must survive any buffer, even one parse would refuse */
	check_walk(pkt, len);

	struct hz_ipv6_hdr h;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_hdr_parse(&h, pkt, len, &why);
	if (rc < 0) {
		FZ_CHECK(why < HZ_IPV6_DROP_COUNT);
		FZ_CHECK(rc == HZ_ERR_NEED_MORE || rc == HZ_ERR_MALFORMED || rc == HZ_ERR_UNSUPPORTED);
		return 0;
	}
	FZ_CHECK(rc == HZ_IPV6_HDR_LEN && why == HZ_IPV6_DROP_COUNT);
	FZ_CHECK(h.payload == pkt + HZ_IPV6_HDR_LEN);
	FZ_CHECK((size_t)h.payload_len <= len - HZ_IPV6_HDR_LEN);
	FZ_CHECK(h.flow <= HZ_IPV6_FLOW_MASK);
	uint8_t out[HZ_IPV6_HDR_LEN];
	FZ_CHECK(hz_ipv6_hdr_emit(&h, out, sizeof out) == HZ_IPV6_HDR_LEN);
	FZ_CHECK(memcmp(out, pkt, HZ_IPV6_HDR_LEN) == 0);

	size_t plen = HZ_IPV6_HDR_LEN + (size_t)h.payload_len;
	check_walk(pkt, plen);
	struct hz_ipv6_ext x;
	if (hz_ipv6_ext_walk(&x, pkt, plen, NULL, NULL) == HZ_OK &&
	    x.proto == HZ_IPV6_NH_ICMPV6 && !(x.flags & HZ_IPV6_EXT_F_FRAGMENT))
		check_icmp(pkt + x.offset, plen - x.offset, &h);
	/* ICMPv6 parse on the raw payload as well, whatever it is */
	check_icmp(h.payload, h.payload_len, &h);
	return 0;
}
