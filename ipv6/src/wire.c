/* IPv6 and ICMPv6 wire formats: RFC 8200 sections 3, 4 and 8.1, RFC 4443,
 * and the minimum lengths of the RFC 4861 messages. */
#include "haze/ipv6.h"

static const char *const drop_names[HZ_IPV6_DROP_COUNT] = {
	[HZ_IPV6_DROP_TRUNCATED] = "truncated",
	[HZ_IPV6_DROP_BAD_VERSION] = "bad_version",
	[HZ_IPV6_DROP_BAD_PAYLOAD_LEN] = "bad_payload_len",
	[HZ_IPV6_DROP_JUMBOGRAM] = "jumbogram",
	[HZ_IPV6_DROP_MARTIAN_SRC] = "martian_src",
	[HZ_IPV6_DROP_EXT_TRUNCATED] = "ext_truncated",
	[HZ_IPV6_DROP_EXT_TOO_MANY] = "ext_too_many",
	[HZ_IPV6_DROP_EXT_TOO_LONG] = "ext_too_long",
	[HZ_IPV6_DROP_HBH_NOT_FIRST] = "hbh_not_first",
	[HZ_IPV6_DROP_OPTION_UNKNOWN] = "option_unknown",
	[HZ_IPV6_DROP_ROUTING_TYPE0] = "routing_type0",
	[HZ_IPV6_DROP_ROUTING] = "routing",
	[HZ_IPV6_DROP_FRAG_BAD_LEN] = "frag_bad_len",
	[HZ_IPV6_DROP_FRAG_TOO_BIG] = "frag_too_big",
	[HZ_IPV6_DROP_ICMP_TRUNCATED] = "icmp_truncated",
	[HZ_IPV6_DROP_ICMP_BAD_CHECKSUM] = "icmp_bad_checksum",
	[HZ_IPV6_DROP_FRAG_OVERLAP] = "frag_overlap",
	[HZ_IPV6_DROP_FRAG_MISMATCH] = "frag_mismatch",
	[HZ_IPV6_DROP_FRAG_TOO_MANY] = "frag_too_many",
	[HZ_IPV6_DROP_FRAG_TOO_LARGE] = "frag_too_large",
	[HZ_IPV6_DROP_FRAG_NO_SLOT] = "frag_no_slot",
	[HZ_IPV6_DROP_FRAG_POISONED] = "frag_poisoned",
	[HZ_IPV6_DROP_FRAG_DUPLICATE] = "frag_duplicate",
	[HZ_IPV6_DROP_FRAG_FIRST_SHORT] = "frag_first_short",
	[HZ_IPV6_DROP_FRAG_TIMEOUT] = "frag_timeout",
	[HZ_IPV6_DROP_ND_BAD_OPTION] = "nd_bad_option",
	[HZ_IPV6_DROP_ND_INVALID] = "nd_invalid",
	[HZ_IPV6_DROP_ND_FRAGMENTED] = "nd_fragmented",
	[HZ_IPV6_DROP_MLD_INVALID] = "mld_invalid",
	[HZ_IPV6_DROP_REDIRECT_REFUSED] = "redirect_refused",
	[HZ_IPV6_DROP_RA_IGNORED] = "ra_ignored",
	[HZ_IPV6_DROP_NOT_FOR_US] = "not_for_us",
	[HZ_IPV6_DROP_TENTATIVE] = "tentative",
	[HZ_IPV6_DROP_NO_PROTO] = "no_proto",
	[HZ_IPV6_DROP_ICMP_BAD_QUOTE] = "icmp_bad_quote",
	[HZ_IPV6_DROP_ICMP_UNMATCHED] = "icmp_unmatched",
	[HZ_IPV6_DROP_ICMP_IGNORED] = "icmp_ignored",
	[HZ_IPV6_DROP_ICMP_RATE_LIMITED] = "icmp_rate_limited",
	[HZ_IPV6_DROP_ICMP_TX_FAILED] = "icmp_tx_failed",
	[HZ_IPV6_DROP_ECHO_TOO_BIG] = "echo_too_big",
	[HZ_IPV6_DROP_ECHO_MULTICAST] = "echo_multicast",
};

const char *hz_ipv6_drop_name(unsigned reason)
{
	if (reason >= HZ_IPV6_DROP_COUNT || !drop_names[reason])
		return "?";
	return drop_names[reason];
}

static int fail(enum hz_ipv6_drop *why, enum hz_ipv6_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* ------------------------------------------------------------------ */
/* Fixed header                                                        */
/* ------------------------------------------------------------------ */

/* Does the hop-by-hop header at p (n bytes available) carry a jumbo
 * option? Only asked when the payload length is 0 (RFC 2675 section 2),
 * so the header is bounded by the bytes received, not by the payload. */
static bool has_jumbo(const uint8_t *p, size_t n)
{
	if (n < 8)
		return false;
	size_t end = ((size_t)p[1] + 1u) * 8u;
	if (end > n)
		return false;
	size_t i = 2;
	while (i < end) {
		if (p[i] == HZ_IPV6_OPT_PAD1) {
			i++;
			continue;
		}
		if (end - i < 2)
			return false;
		if (p[i] == HZ_IPV6_OPT_JUMBO)
			return true;
		i += 2u + p[i + 1];
	}
	return false;
}

int hz_ipv6_hdr_parse(struct hz_ipv6_hdr *h, const uint8_t *buf, size_t len,
                      enum hz_ipv6_drop *why)
{
	if (len < HZ_IPV6_HDR_LEN)
		return fail(why, HZ_IPV6_DROP_TRUNCATED, HZ_ERR_NEED_MORE);
	uint32_t w0 = hz_be32_load(buf);
	if (w0 >> 28 != 6)
		return fail(why, HZ_IPV6_DROP_BAD_VERSION, HZ_ERR_MALFORMED);
	size_t plen = hz_be16_load(buf + 4);
	uint8_t next = buf[6];
	if (plen == 0 && next == HZ_IPV6_NH_HOPOPTS &&
	    has_jumbo(buf + HZ_IPV6_HDR_LEN, len - HZ_IPV6_HDR_LEN))
		return fail(why, HZ_IPV6_DROP_JUMBOGRAM, HZ_ERR_UNSUPPORTED);
	if (plen > len - HZ_IPV6_HDR_LEN)
		return fail(why, HZ_IPV6_DROP_BAD_PAYLOAD_LEN, HZ_ERR_MALFORMED);
	if (hz_ipv6_addr_is_multicast(buf + 8))
		return fail(why, HZ_IPV6_DROP_MARTIAN_SRC, HZ_ERR_MALFORMED);

	h->tclass = (uint8_t)(w0 >> 20);
	h->flow = w0 & HZ_IPV6_FLOW_MASK;
	h->payload_len = (uint16_t)plen;
	h->next = next;
	h->hop_limit = buf[7];
	h->src.family = HZ_AF_INET6;
	hz_memcpy(h->src.b, buf + 8, 16);
	h->dst.family = HZ_AF_INET6;
	hz_memcpy(h->dst.b, buf + 24, 16);
	h->payload = buf + HZ_IPV6_HDR_LEN;
	return HZ_IPV6_HDR_LEN;
}

int hz_ipv6_hdr_emit(const struct hz_ipv6_hdr *h, uint8_t *buf, size_t cap)
{
	if (cap < HZ_IPV6_HDR_LEN)
		return HZ_ERR_NO_SPACE;
	/* version 6, traffic class, flow label */
	hz_be32_store(buf, 6u << 28 | (uint32_t)h->tclass << 20 | (h->flow & HZ_IPV6_FLOW_MASK));
	hz_be16_store(buf + 4, h->payload_len);
	buf[6] = h->next;
	buf[7] = h->hop_limit;
	hz_memmove(buf + 8, h->src.b, 16);
	hz_memmove(buf + 24, h->dst.b, 16);
	return HZ_IPV6_HDR_LEN;
}

uint32_t hz_ipv6_pseudo(const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                        uint8_t next, size_t len)
{
	uint8_t tail[8];
	hz_be32_store(tail, (uint32_t)len); /* upper-layer packet length */
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = next;
	uint32_t s = hz_csum_add(0, src->b, 16);
	s = hz_csum_add(s, dst->b, 16);
	return hz_csum_add(s, tail, sizeof tail);
}

/* ------------------------------------------------------------------ */
/* Extension headers                                                   */
/* ------------------------------------------------------------------ */

static bool is_ext(uint8_t nh)
{
	return nh == HZ_IPV6_NH_HOPOPTS || nh == HZ_IPV6_NH_ROUTING ||
	       nh == HZ_IPV6_NH_FRAGMENT || nh == HZ_IPV6_NH_DSTOPTS;
}

/* Fail the walk; `icmp` false means drop silently. */
static int ext_fail(struct hz_ipv6_ext *x, enum hz_ipv6_drop *why, enum hz_ipv6_drop reason,
                    int err, bool icmp, uint8_t code, size_t pointer)
{
	x->icmp = icmp;
	x->icmp_code = code;
	x->icmp_pointer = (uint32_t)pointer;
	return fail(why, reason, err);
}

/* The options of a hop-by-hop or destination options header occupying
 * pkt[off, end) (RFC 8200 4.2). Each step advances at least one byte. */
static int walk_options(struct hz_ipv6_ext *x, const uint8_t *pkt, size_t off, size_t end,
                        bool hbh, bool mcast, enum hz_ipv6_drop *why)
{
	size_t i = off + 2; /* after Next Header and Hdr Ext Len */
	while (i < end) {
		uint8_t t = pkt[i];
		if (t == HZ_IPV6_OPT_PAD1) {
			i++;
			continue;
		}
		/* Truncated options are dropped silently: there is no code for
		 * them, and Linux does the same. */
		if (end - i < 2 || (size_t)pkt[i + 1] > end - i - 2)
			return ext_fail(x, why, HZ_IPV6_DROP_EXT_TRUNCATED, HZ_ERR_MALFORMED, false, 0, 0);
		size_t olen = 2u + pkt[i + 1];
		if (t == HZ_IPV6_OPT_PADN) {
			/* padding: content ignored on receipt */
		} else if (t == HZ_IPV6_OPT_ROUTER_ALERT && hbh && olen == 4) {
			x->flags |= HZ_IPV6_EXT_F_ROUTER_ALERT;
		} else {
			switch (HZ_IPV6_OPT_ACTION(t)) {
			case HZ_IPV6_OPT_ACT_SKIP:
				break;
			case HZ_IPV6_OPT_ACT_DISCARD:
				return ext_fail(x, why, HZ_IPV6_DROP_OPTION_UNKNOWN, HZ_ERR_UNSUPPORTED,
				                false, 0, 0);
			case HZ_IPV6_OPT_ACT_ICMP:
				return ext_fail(x, why, HZ_IPV6_DROP_OPTION_UNKNOWN, HZ_ERR_UNSUPPORTED,
				                true, HZ_IPV6_PP_OPTION, i);
			default: /* 11: no ICMP to a multicast destination */
				return ext_fail(x, why, HZ_IPV6_DROP_OPTION_UNKNOWN, HZ_ERR_UNSUPPORTED,
				                !mcast, HZ_IPV6_PP_OPTION, i);
			}
		}
		i += olen;
	}
	return HZ_OK;
}

int hz_ipv6_ext_walk(struct hz_ipv6_ext *x, const uint8_t *pkt, size_t len,
                     const struct hz_ipv6_ext_limits *lim, enum hz_ipv6_drop *why)
{
	hz_memset(x, 0, sizeof *x);
	if (len < HZ_IPV6_HDR_LEN)
		return ext_fail(x, why, HZ_IPV6_DROP_TRUNCATED, HZ_ERR_NEED_MORE, false, 0, 0);
	unsigned max_hdrs = lim && lim->max_hdrs ? lim->max_hdrs : HZ_IPV6_EXT_MAX_HDRS;
	size_t max_len = lim && lim->max_len ? lim->max_len : HZ_IPV6_EXT_MAX_LEN;
	bool mcast = hz_ipv6_addr_is_multicast(pkt + 24);
	uint8_t nh = pkt[6];
	size_t nh_ptr = 6, off = HZ_IPV6_HDR_LEN;

	/* Each pass either returns or consumes one header of >= 8 bytes,
	 * and there are at most max_hdrs passes that do not return. */
	for (unsigned n = 0;; n++) {
		x->proto = nh;
		x->proto_ptr = (uint32_t)nh_ptr;
		x->offset = (uint32_t)off;
		if (!is_ext(nh))
			return HZ_OK; /* an upper layer (or No Next Header) */
		/* RFC 8200 4 and 4.1: hop-by-hop only right after the fixed
		 * header; elsewhere it is an unrecognised Next Header. */
		if (nh == HZ_IPV6_NH_HOPOPTS && n != 0)
			return ext_fail(x, why, HZ_IPV6_DROP_HBH_NOT_FIRST, HZ_ERR_MALFORMED, true,
			                HZ_IPV6_PP_NEXT_HEADER, nh_ptr);
		if (n >= max_hdrs)
			return ext_fail(x, why, HZ_IPV6_DROP_EXT_TOO_MANY, HZ_ERR_TOO_BIG, false, 0, 0);
		if (len - off < 8)
			return ext_fail(x, why, HZ_IPV6_DROP_EXT_TRUNCATED, HZ_ERR_MALFORMED, false, 0, 0);
		const uint8_t *e = pkt + off;
		/* Hdr Ext Len in 8-octet units not counting the first 8; the
		 * fragment header has a reserved byte there and is always 8. */
		size_t elen = nh == HZ_IPV6_NH_FRAGMENT ? 8u : ((size_t)e[1] + 1u) * 8u;
		if (elen > len - off)
			return ext_fail(x, why, HZ_IPV6_DROP_EXT_TRUNCATED, HZ_ERR_MALFORMED, false, 0, 0);
		if (off + elen - HZ_IPV6_HDR_LEN > max_len)
			return ext_fail(x, why, HZ_IPV6_DROP_EXT_TOO_LONG, HZ_ERR_TOO_BIG, false, 0, 0);
		x->count = (uint8_t)(n + 1u);

		switch (nh) {
		case HZ_IPV6_NH_HOPOPTS: /* RFC 8200 4.3 */
		case HZ_IPV6_NH_DSTOPTS: /* RFC 8200 4.6 */ {
			bool hbh = nh == HZ_IPV6_NH_HOPOPTS;
			int rc = walk_options(x, pkt, off, off + elen, hbh, mcast, why);
			if (rc < 0)
				return rc;
			x->flags |= hbh ? HZ_IPV6_EXT_F_HBH : HZ_IPV6_EXT_F_DSTOPTS;
			break;
		}
		case HZ_IPV6_NH_ROUTING: { /* RFC 8200 4.4, RFC 5095 */
			uint8_t type = e[2], segs_left = e[3];
			if (segs_left != 0) {
				/* A host forwards nothing: every type is unrecognised
				 * here, and RH0 must be treated so (RFC 5095 3). */
				enum hz_ipv6_drop r = type == HZ_IPV6_RH_TYPE0 ? HZ_IPV6_DROP_ROUTING_TYPE0
				                                               : HZ_IPV6_DROP_ROUTING;
				return ext_fail(x, why, r, HZ_ERR_UNSUPPORTED, true, HZ_IPV6_PP_HEADER, off + 2);
			}
			x->flags |= HZ_IPV6_EXT_F_ROUTING;
			if (type == HZ_IPV6_RH_TYPE0)
				x->flags |= HZ_IPV6_EXT_F_RH0;
			break;
		}
		default: { /* HZ_IPV6_NH_FRAGMENT, RFC 8200 4.5 */
			uint16_t w = hz_be16_load(e + 2);
			x->frag_hdr = (uint32_t)off;
			x->frag_offset = (uint16_t)(w & 0xfff8u);
			x->frag_more = (w & 1u) != 0;
			x->frag_id = hz_be32_load(e + 4);
			if (x->frag_offset == 0 && !x->frag_more) {
				/* Atomic fragment: process in isolation (RFC 6946). */
				x->flags |= HZ_IPV6_EXT_F_ATOMIC;
				break;
			}
			x->flags |= HZ_IPV6_EXT_F_FRAGMENT;
			x->proto = e[0];
			x->proto_ptr = (uint32_t)off;
			x->offset = (uint32_t)(off + 8u);
			size_t flen = len - off - 8u;
			if (x->frag_more && flen % 8u)
				return ext_fail(x, why, HZ_IPV6_DROP_FRAG_BAD_LEN, HZ_ERR_MALFORMED, true,
				                HZ_IPV6_PP_HEADER, 4); /* the Payload Length field */
			if ((size_t)x->frag_offset + flen > 65535u)
				return ext_fail(x, why, HZ_IPV6_DROP_FRAG_TOO_BIG, HZ_ERR_MALFORMED, true,
				                HZ_IPV6_PP_HEADER, off + 2); /* the Fragment Offset */
			/* The fragment data belongs to the reassembled packet. */
			return HZ_OK;
		}
		}
		nh = e[0];
		nh_ptr = off;
		off += elen;
	}
}

/* ------------------------------------------------------------------ */
/* ICMPv6                                                              */
/* ------------------------------------------------------------------ */

/* The smallest valid message of each type haze recognises; 0 if unknown. */
static size_t icmp_min_len(uint8_t type)
{
	switch (type) {
	case HZ_IPV6_ICMP_DEST_UNREACH:
	case HZ_IPV6_ICMP_PACKET_TOO_BIG:
	case HZ_IPV6_ICMP_TIME_EXCEEDED:
	case HZ_IPV6_ICMP_PARAM_PROBLEM:
	case HZ_IPV6_ICMP_ECHO:
	case HZ_IPV6_ICMP_ECHO_REPLY:
	case HZ_IPV6_ICMP_ROUTER_SOLICIT: /* RFC 4861 6.1.1 */
	case HZ_IPV6_ICMP_MLD2_REPORT:    /* RFC 3810 5.2: header, record count */
		return 8;
	case HZ_IPV6_ICMP_MLD_QUERY:  /* RFC 2710 3, RFC 3810 5.1 */
	case HZ_IPV6_ICMP_MLD_REPORT:
	case HZ_IPV6_ICMP_MLD_DONE:
		return 24;
	case HZ_IPV6_ICMP_ROUTER_ADVERT: /* RFC 4861 6.1.2 */
		return 16;
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT: /* RFC 4861 7.1.1 */
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT:  /* RFC 4861 7.1.2 */
		return 24;
	case HZ_IPV6_ICMP_REDIRECT: /* RFC 4861 8.1 */
		return 40;
	default:
		return 0;
	}
}

bool hz_ipv6_icmp_type_known(uint8_t type)
{
	return icmp_min_len(type) != 0;
}

int hz_ipv6_icmp_parse(struct hz_ipv6_icmp *m, const uint8_t *buf, size_t len,
                       const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                       enum hz_ipv6_drop *why)
{
	if (len < HZ_IPV6_ICMP_HDR_LEN || len < icmp_min_len(buf[0]))
		return fail(why, HZ_IPV6_DROP_ICMP_TRUNCATED, HZ_ERR_NEED_MORE);
	/* RFC 4443 2.3: the checksum covers the pseudo-header too. */
	uint32_t s = hz_ipv6_pseudo(src, dst, HZ_IPV6_NH_ICMPV6, len);
	if (hz_csum_fold(hz_csum_add(s, buf, len)) != 0)
		return fail(why, HZ_IPV6_DROP_ICMP_BAD_CHECKSUM, HZ_ERR_CHECKSUM);
	m->type = buf[0];
	m->code = buf[1];
	m->csum = hz_be16_load(buf + 2);
	m->rest = hz_be32_load(buf + 4);
	m->data = buf + HZ_IPV6_ICMP_HDR_LEN;
	m->data_len = len - HZ_IPV6_ICMP_HDR_LEN;
	return HZ_OK;
}

int hz_ipv6_icmp_emit(const struct hz_ipv6_icmp *m, const struct hz_ipaddr *src,
                      const struct hz_ipaddr *dst, uint8_t *buf, size_t cap)
{
	if (cap < HZ_IPV6_ICMP_HDR_LEN || m->data_len > cap - HZ_IPV6_ICMP_HDR_LEN)
		return HZ_ERR_NO_SPACE;
	size_t n = HZ_IPV6_ICMP_HDR_LEN + m->data_len;
	if (m->data_len && m->data != buf + HZ_IPV6_ICMP_HDR_LEN)
		hz_memmove(buf + HZ_IPV6_ICMP_HDR_LEN, m->data, m->data_len);
	buf[0] = m->type;
	buf[1] = m->code;
	buf[2] = buf[3] = 0; /* checksum computed with zero here */
	hz_be32_store(buf + 4, m->rest);
	uint32_t s = hz_ipv6_pseudo(src, dst, HZ_IPV6_NH_ICMPV6, n);
	hz_be16_store(buf + 2, hz_csum_fold(hz_csum_add(s, buf, n)));
	return (int)n;
}
