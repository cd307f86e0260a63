/*
 * ipv6-nd: neighbour discovery and MLD messages (hz_ipv6_nd_*,
 * hz_ipv6_mld_*) on top of hz_ipv6_icmp_parse.
 *
 * Input: [sel] [flags] [ICMPv6 message ...]
 *   sel % 16    0..8: the message's type byte is replaced by 130, 131,
 *               132, 133, 134, 135, 136, 137 or 143 (in that order);
 *               9..15: the type byte is used as it is
 *   flags bit 0 keep the checksum as given (else it is patched to verify)
 *   flags 1..2  source -> destination: fe80::1 -> ff02::1,
 *               :: -> ff02::1:ff00:2, fe80::2 -> ff02::16,
 *               2001:db8::1 -> 2001:db8::2
 *
 * Invariants: icmp_parse accepts exactly the messages of the right length
 * with a good checksum. nd_parse fails only with ND_BAD_OPTION or
 * ND_INVALID, and exactly when an independent scan of the options (and
 * the target and destination rules) says so; a parsed message has its
 * counts within the caps, prefixes of at most 128 bits with the bits past
 * plen clear, and a redirected header inside the message. emit(parse(m))
 * parses back to the same fields (the redirected header trimmed to 1280
 * bytes of IPv6), emits to the same bytes again, and refuses a buffer one
 * byte short. MLD queries parse exactly when RFC 3810 8.1's lengths and
 * the group rule hold, with Maximum Response Code and QQIC decoded as an
 * independent formula says; MLDv2 reports parse exactly when no record
 * overruns, and their records emit and parse back. On the message's
 * bytes, the address helpers: solicited-node form, scope of multicast,
 * the stable IID equal to SipHash of its concatenated inputs, and the
 * reserved-IID ranges.
 */
#include "fuzz.h"
#include "haze/ipv6.h"

static const uint8_t TYPES[9] = { 130, 131, 132, 133, 134, 135, 136, 137, 143 };

static const uint8_t ADDRS[4][2][16] = {
	{ { 0xfe, 0x80, [15] = 1 }, { 0xff, 0x02, [15] = 1 } },
	{ { 0 }, { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 } },
	{ { 0xfe, 0x80, [15] = 2 }, { 0xff, 0x02, [15] = 0x16 } },
	{ { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } },
};

/* RFC 1071 byte by byte, pseudo-header included. */
static uint16_t csum(const uint8_t s[16], const uint8_t d[16], const uint8_t *m, size_t n)
{
	uint64_t sum = 58 + (uint64_t)n;
	for (size_t i = 0; i < 16; i += 2)
		sum += (uint32_t)(s[i] << 8 | s[i + 1]) + (uint32_t)(d[i] << 8 | d[i + 1]);
	for (size_t i = 0; i < n; i++)
		sum += i & 1 ? m[i] : (uint32_t)m[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t min_len(uint8_t type)
{
	switch (type) {
	case 130: case 131: case 132: case 135: case 136:
		return 24;
	case 134:
		return 16;
	case 137:
		return 40;
	default:
		return 8;
	}
}

static bool is_mcast(const uint8_t *a)
{
	return a[0] == 0xff;
}
static bool is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* What nd_parse must say, worked out without it: HZ_OK, or the drop. */
static int nd_expect(const uint8_t *msg, size_t len, enum hz_ipv6_drop *why)
{
	uint8_t t = msg[0];
	size_t fixed = t == 134 ? 16 : t == 135 || t == 136 ? 24 : t == 137 ? 40 : 8;
	if ((t == 135 || t == 136) && is_mcast(msg + 8)) {
		*why = HZ_IPV6_DROP_ND_INVALID;
		return HZ_ERR_MALFORMED;
	}
	if (t == 137) {
		bool ll = msg[8] == 0xfe && (msg[9] & 0xc0) == 0x80;
		if (is_mcast(msg + 24) || (!ll && memcmp(msg + 8, msg + 24, 16) != 0)) {
			*why = HZ_IPV6_DROP_ND_INVALID;
			return HZ_ERR_MALFORMED;
		}
	}
	for (size_t off = fixed; off < len;) {
		size_t n = len - off >= 2 ? msg[off + 1] * 8u : 0;
		if (n == 0 || off + n > len) {
			*why = HZ_IPV6_DROP_ND_BAD_OPTION;
			return HZ_ERR_MALFORMED;
		}
		const uint8_t *o = msg + off;
		bool bad = false;
		if (t == 134 && o[0] == 3)
			bad = n != 32 || o[2] > 128;
		if (t == 134 && o[0] == 25)
			bad = n < 24 || (n / 8) % 2 == 0;
		if (bad) {
			*why = HZ_IPV6_DROP_ND_BAD_OPTION;
			return HZ_ERR_MALFORMED;
		}
		off += n;
	}
	return HZ_OK;
}

static bool nd_same(const struct hz_ipv6_nd *a, const struct hz_ipv6_nd *b)
{
	if (a->type != b->type || a->code != b->code || memcmp(a->target, b->target, 16) ||
	    memcmp(a->dest, b->dest, 16) || a->router != b->router ||
	    a->solicited != b->solicited || a->override != b->override ||
	    a->cur_hop_limit != b->cur_hop_limit || a->managed != b->managed ||
	    a->other != b->other || a->prf != b->prf || a->router_lifetime != b->router_lifetime ||
	    a->reachable_time != b->reachable_time || a->retrans_timer != b->retrans_timer ||
	    a->has_slla != b->has_slla || a->has_tlla != b->has_tlla || a->has_mtu != b->has_mtu ||
	    a->has_nonce != b->has_nonce || a->nprefixes != b->nprefixes || a->nrdnss != b->nrdnss)
		return false;
	if ((a->has_slla && memcmp(a->slla, b->slla, 6)) || (a->has_tlla && memcmp(a->tlla, b->tlla, 6)) ||
	    (a->has_mtu && a->mtu != b->mtu) || (a->has_nonce && memcmp(a->nonce, b->nonce, 6)))
		return false;
	for (unsigned i = 0; i < a->nprefixes; i++) {
		const struct hz_ipv6_nd_prefix *p = &a->prefixes[i], *q = &b->prefixes[i];
		if (p->plen != q->plen || p->onlink != q->onlink || p->autonomous != q->autonomous ||
		    p->valid != q->valid || p->preferred != q->preferred || memcmp(p->prefix, q->prefix, 16))
			return false;
	}
	if (a->nrdnss && (a->rdnss_lifetime != b->rdnss_lifetime ||
	                  memcmp(a->rdnss, b->rdnss, 16u * a->nrdnss)))
		return false;
	return true;
}

static void check_nd(const struct hz_ipv6_icmp *m, const uint8_t *msg, size_t len,
                     const struct hz_ipaddr *src, const struct hz_ipaddr *dst)
{
	static struct hz_ipv6_nd nd, back, again;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT, want_why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_nd_parse(&nd, m, &why);
	int want = nd_expect(msg, len, &want_why);
	FZ_CHECK(rc == want);
	if (rc < 0) {
		FZ_CHECK(why == want_why);
		return;
	}
	FZ_CHECK(why == HZ_IPV6_DROP_COUNT);
	FZ_CHECK(nd.type == msg[0] && nd.code == msg[1]);
	FZ_CHECK(nd.nprefixes <= HZ_IPV6_ND_MAX_PREFIXES && nd.nrdnss <= HZ_IPV6_ND_MAX_RDNSS);
	for (unsigned i = 0; i < nd.nprefixes; i++) {
		const struct hz_ipv6_nd_prefix *p = &nd.prefixes[i];
		FZ_CHECK(p->plen <= 128);
		for (unsigned bit = p->plen; bit < 128; bit++)
			FZ_CHECK(!(p->prefix[bit / 8] & (0x80u >> (bit % 8))));
	}
	if (nd.type != 134)
		FZ_CHECK(!nd.nprefixes && !nd.nrdnss && !nd.has_mtu);
	if (nd.redirected) {
		FZ_CHECK(nd.type == 137);
		FZ_CHECK(fz_within(nd.redirected, nd.redirected_len, msg, len));
		FZ_CHECK(nd.redirected_len % 8 == 0);
	}
	if (nd.type == 135 || nd.type == 136)
		FZ_CHECK(!is_mcast(nd.target));

	/* emit -> parse gives the same fields */
	static uint8_t out[4096], out2[4096];
	int n = hz_ipv6_nd_emit(&nd, src, dst, out, sizeof out);
	FZ_CHECK(n >= 8);
	FZ_CHECK(csum(src->b, dst->b, out, (size_t)n) == 0);
	FZ_CHECK(hz_ipv6_nd_emit(&nd, src, dst, out2, (size_t)n - 1) == HZ_ERR_NO_SPACE);
	if (nd.type == 137)
		FZ_CHECK(n <= HZ_IPV6_MIN_MTU - HZ_IPV6_HDR_LEN);
	struct hz_ipv6_icmp m2;
	FZ_CHECK(hz_ipv6_icmp_parse(&m2, out, (size_t)n, src, dst, NULL) == HZ_OK);
	FZ_CHECK(hz_ipv6_nd_parse(&back, &m2, NULL) == HZ_OK);
	FZ_CHECK(nd_same(&nd, &back));
	FZ_CHECK(back.skipped == 0);
	FZ_CHECK((nd.redirected == NULL) == (back.redirected == NULL));
	if (nd.redirected) {
		FZ_CHECK(back.redirected_len <= nd.redirected_len);
		FZ_CHECK(back.redirected_len == nd.redirected_len || n > 1240 - 8);
		FZ_CHECK(memcmp(back.redirected, nd.redirected, back.redirected_len) == 0);
	}
	/* and emitting what came back gives the same bytes */
	FZ_CHECK(hz_ipv6_nd_emit(&back, src, dst, out2, sizeof out2) == n);
	FZ_CHECK(memcmp(out, out2, (size_t)n) == 0);
	FZ_CHECK(hz_ipv6_icmp_parse(&m2, out2, (size_t)n, src, dst, NULL) == HZ_OK);
	FZ_CHECK(hz_ipv6_nd_parse(&again, &m2, NULL) == HZ_OK && nd_same(&back, &again));
}

static void check_query(const struct hz_ipv6_icmp *m, const uint8_t *msg, size_t len)
{
	struct hz_ipv6_mld_query q;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_mld_query_parse(&q, m, &why);
	const uint8_t *g = msg + 8;
	bool ok = len == 24 || (len >= 28 && 28u + 16u * (size_t)(msg[26] << 8 | msg[27]) <= len);
	ok = ok && (is_zero(g, 16) || is_mcast(g));
	if (!ok) {
		FZ_CHECK(rc == HZ_ERR_MALFORMED && why == HZ_IPV6_DROP_MLD_INVALID);
		return;
	}
	FZ_CHECK(rc == HZ_OK && why == HZ_IPV6_DROP_COUNT);
	FZ_CHECK(memcmp(q.group, g, 16) == 0);
	uint32_t code = (uint32_t)(msg[4] << 8 | msg[5]);
	if (len == 24) {
		FZ_CHECK(q.version == 1 && q.max_resp_ms == code && q.nsources == 0 && !q.sources);
		return;
	}
	FZ_CHECK(q.version == 2);
	/* RFC 3810 5.1.3 / 5.1.9, as mantissa times a power of two */
	uint32_t ms = code;
	if (code & 0x8000) {
		ms = 0x1000 | (code & 0xfff);
		for (unsigned e = 0; e < ((code >> 12) & 7) + 3; e++)
			ms *= 2;
	}
	uint32_t qqi = msg[25];
	if (qqi & 0x80) {
		qqi = 0x10 | (msg[25] & 0xf);
		for (unsigned e = 0; e < ((msg[25] >> 4) & 7u) + 3; e++)
			qqi *= 2;
	}
	FZ_CHECK(q.max_resp_ms == ms && q.qqi_s == qqi);
	FZ_CHECK(q.qrv == (msg[24] & 7) && q.suppress == ((msg[24] & 8) != 0));
	FZ_CHECK(q.nsources == (msg[26] << 8 | msg[27]));
	FZ_CHECK(q.sources == msg + 28);
	FZ_CHECK(fz_within(q.sources, 16u * q.nsources, msg, len));
}

static void check_report(const struct hz_ipv6_icmp *m, const uint8_t *msg, size_t len,
                         const struct hz_ipaddr *src, const struct hz_ipaddr *dst)
{
	struct hz_ipv6_mld_record recs[8], back[8];
	size_t n = 12345;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_mld2_report_parse(m, recs, 8, &n, &why);
	size_t count = (size_t)(msg[6] << 8 | msg[7]), off = 8, i;
	for (i = 0; i < count; i++) {
		if (len - off < 20)
			break;
		size_t rl = 20u + 16u * (size_t)(msg[off + 2] << 8 | msg[off + 3]) + 4u * msg[off + 1];
		if (rl > len - off)
			break;
		if (i < 8) {
			FZ_CHECK(rc != HZ_OK || (recs[i].type == msg[off] &&
			                         memcmp(recs[i].group, msg + off + 4, 16) == 0 &&
			                         recs[i].nsources == (msg[off + 2] << 8 | msg[off + 3])));
		}
		off += rl;
	}
	if (i < count) {
		FZ_CHECK(rc == HZ_ERR_MALFORMED && why == HZ_IPV6_DROP_MLD_INVALID && n == 0);
		return;
	}
	FZ_CHECK(rc == HZ_OK && n == count && why == HZ_IPV6_DROP_COUNT);
	size_t k = n < 8 ? n : 8;
	uint8_t out[8 + 8 * 20], tmp[sizeof out];
	int len2 = hz_ipv6_mld2_report_emit(recs, k, src, dst, out, sizeof out);
	FZ_CHECK(len2 == (int)(8 + 20 * k));
	FZ_CHECK(csum(src->b, dst->b, out, (size_t)len2) == 0);
	FZ_CHECK(hz_ipv6_mld2_report_emit(recs, k, src, dst, tmp, (size_t)len2 - 1) == HZ_ERR_NO_SPACE);
	struct hz_ipv6_icmp m2;
	FZ_CHECK(hz_ipv6_icmp_parse(&m2, out, (size_t)len2, src, dst, NULL) == HZ_OK);
	size_t n2 = 0;
	FZ_CHECK(hz_ipv6_mld2_report_parse(&m2, back, 8, &n2, NULL) == HZ_OK && n2 == k);
	for (i = 0; i < k; i++)
		FZ_CHECK(back[i].type == recs[i].type && back[i].nsources == 0 &&
		         memcmp(back[i].group, recs[i].group, 16) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[65536];
	if (size < 2)
		return 0;
	uint8_t sel = data[0], flags = data[1];
	size_t len = size - 2 < sizeof msg ? size - 2 : sizeof msg;
	memcpy(msg, data + 2, len);
	if (len && sel % 16 < 9)
		msg[0] = TYPES[sel % 16];
	const uint8_t(*pair)[16] = ADDRS[(flags >> 1) & 3];
	struct hz_ipaddr src = { .family = HZ_AF_INET6 }, dst = { .family = HZ_AF_INET6 };
	memcpy(src.b, pair[0], 16);
	memcpy(dst.b, pair[1], 16);
	if (!(flags & 1) && len >= 4) {
		msg[2] = msg[3] = 0;
		uint16_t c = csum(src.b, dst.b, msg, len);
		msg[2] = (uint8_t)(c >> 8);
		msg[3] = (uint8_t)c;
	}

	struct hz_ipv6_icmp m;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_icmp_parse(&m, msg, len, &src, &dst, &why);
	bool good = len >= 8 && len >= min_len(msg[0]) && csum(src.b, dst.b, msg, len) == 0;
	FZ_CHECK((rc == HZ_OK) == good);
	if (rc < 0)
		return 0;

	uint8_t t = m.type;
	if (t >= 133 && t <= 137) {
		check_nd(&m, msg, len, &src, &dst);
	} else {
		struct hz_ipv6_nd nd;
		FZ_CHECK(hz_ipv6_nd_parse(&nd, &m, NULL) == HZ_ERR_INVALID);
	}
	if (t == 130) {
		check_query(&m, msg, len);
	} else {
		struct hz_ipv6_mld_query q;
		FZ_CHECK(hz_ipv6_mld_query_parse(&q, &m, NULL) == HZ_ERR_INVALID);
	}
	if (t == 143) {
		check_report(&m, msg, len, &src, &dst);
	} else {
		size_t n;
		FZ_CHECK(hz_ipv6_mld2_report_parse(&m, NULL, 0, &n, NULL) == HZ_ERR_INVALID);
	}

	/* the address helpers on whatever addresses the message holds */
	if (len >= 24) {
		uint8_t sol[16], iid[8], iid2[8];
		hz_ipv6_addr_solicited(sol, msg + 8);
		FZ_CHECK(sol[0] == 0xff && sol[1] == 0x02 && sol[11] == 1 && sol[12] == 0xff &&
		         memcmp(sol + 13, msg + 21, 3) == 0 && hz_ipv6_addr_scope(sol) == 2);
		hz_ipv6_iid_stable(iid, msg + 8, msg + 16, len - 24 < 64 ? len - 24 : 64, msg[1],
		                   msg + 8);
		size_t ni = len - 24 < 64 ? len - 24 : 64;
		hz_ipv6_iid_stable(iid2, msg + 8, msg + 16, ni, msg[1], msg + 8);
		FZ_CHECK(memcmp(iid, iid2, 8) == 0);
		/* RFC 7217 5: SipHash of the concatenation, big-endian */
		uint8_t cat[8 + 64 + 1];
		memcpy(cat, msg + 8, 8);
		memcpy(cat + 8, msg + 16, ni);
		cat[8 + ni] = msg[1];
		uint64_t rid = hz_siphash(msg + 8, cat, 8 + ni + 1);
		for (unsigned i = 0; i < 8; i++)
			FZ_CHECK(iid[i] == (uint8_t)(rid >> (56 - 8 * i)));
		/* RFC 5453 reserved identifiers, on the bytes of the message */
		const uint8_t *c = msg + 16;
		static const uint8_t eth[5] = { 0x02, 0x00, 0x5e, 0xff, 0xfe };
		static const uint8_t any[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		bool res = is_zero(c, 8) || memcmp(c, eth, 5) == 0 ||
		           (memcmp(c, any, 7) == 0 && c[7] >= 0x80);
		FZ_CHECK(hz_ipv6_iid_reserved(c) == res);
		unsigned sc = hz_ipv6_addr_scope(msg + 8);
		FZ_CHECK(sc <= 0xf && (!is_mcast(msg + 8) || sc == (msg[9] & 0xfu)));
	}
	return 0;
}
