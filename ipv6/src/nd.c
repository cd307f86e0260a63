/* Address helpers (RFC 4291, RFC 5453, RFC 7217 over core's SipHash), and the
 * wire formats of neighbour discovery (RFC 4861, RFC 4191, RFC 3971 nonce,
 * RFC 8106 RDNSS) and MLD (RFC 2710, RFC 3810). Stateless: every check
 * here needs only the message; the ones that need the IP header or the
 * engine's state (hop limit 255, source rules) are the engine's. */
#include "haze/ipv6.h"

static int fail(enum hz_ipv6_drop *why, enum hz_ipv6_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

void hz_ipv6_addr_solicited(uint8_t out[16], const uint8_t a[16])
{
	/* ff02::1:ff00:0/104 (RFC 4291 2.7.1); a may alias out */
	uint8_t low[3] = { a[13], a[14], a[15] };
	hz_memset(out, 0, 16);
	out[0] = 0xff;
	out[1] = 0x02;
	out[11] = 0x01;
	out[12] = 0xff;
	out[13] = low[0];
	out[14] = low[1];
	out[15] = low[2];
}

unsigned hz_ipv6_addr_scope(const uint8_t a[16])
{
	static const uint8_t loopback[16] = { [15] = 1 };
	if (hz_ipv6_addr_is_multicast(a))
		return a[1] & 0x0fu; /* the scop field, RFC 4291 2.7 */
	/* RFC 6724 3.1: link-local and the loopback address are link-local
	 * in scope; every other unicast address counts as global. */
	if (hz_ipv6_addr_is_link_local(a) || hz_memcmp(a, loopback, 16) == 0)
		return 0x2;
	return 0xe;
}

void hz_ipv6_iid_stable(uint8_t iid[8], const uint8_t prefix[8], const uint8_t *net_iface,
                        size_t n, uint8_t dad_counter, const uint8_t secret[16])
{
	/* RFC 7217 5: F(Prefix | Net_Iface | Network_ID | DAD_Counter,
	 * secret_key). No Network_ID (it is optional). Hashing the pieces in
	 * turn is the same as hashing their concatenation. */
	struct hz_siphash s;
	hz_siphash_init(&s, secret);
	hz_siphash_update(&s, prefix, 8);
	if (n)
		hz_siphash_update(&s, net_iface, n);
	hz_siphash_update(&s, &dad_counter, 1);
	/* the 64-bit RID in network order, taken whole as the IID: RFC 7217
	 * does not set the u/g bits (RFC 7136) */
	hz_be64_store(iid, hz_siphash_final(&s));
}

bool hz_ipv6_iid_reserved(const uint8_t iid[8])
{
	/* IANA "Reserved IPv6 Interface Identifiers" (RFC 5453, RFC 6543) */
	static const uint8_t zero[8];
	static const uint8_t eth[5] = { 0x02, 0x00, 0x5e, 0xff, 0xfe };
	static const uint8_t anycast[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (hz_memcmp(iid, zero, 8) == 0)
		return true; /* subnet-router anycast (RFC 4291 2.6.1) */
	if (hz_memcmp(iid, eth, 5) == 0)
		return true; /* 0200:5eff:fe00:0000-0200:5eff:feff:ffff, PMIPv6's 5213 included */
	if (hz_memcmp(iid, anycast, 7) == 0 && iid[7] >= 0x80)
		return true; /* reserved subnet anycast (RFC 2526) */
	return false;
}

/* ------------------------------------------------------------------ */
/* Neighbour discovery                                                 */
/* ------------------------------------------------------------------ */

#define ND_UNIT 8u
#define RA_F_MANAGED 0x80u
#define RA_F_OTHER 0x40u
#define RA_PRF_SHIFT 3 /* RFC 4191 2.2: bits 3-4 of the flags byte */
#define PI_F_ONLINK 0x80u
#define PI_F_AUTO 0x40u
#define PI_LEN 32u     /* prefix information option, 4 units */
#define RDNSS_HDR 8u   /* type, length, reserved, lifetime */
/* RFC 4861 4.6.3: a redirect must fit the minimum MTU. */
#define REDIRECT_MAX (HZ_IPV6_MIN_MTU - HZ_IPV6_HDR_LEN)

/* Bytes of the type-specific part after the first 8; 0 for non-ND types. */
static size_t nd_fixed(uint8_t type)
{
	switch (type) {
	case HZ_IPV6_ICMP_ROUTER_SOLICIT:
		return 0;  /* reserved (in rest) */
	case HZ_IPV6_ICMP_ROUTER_ADVERT:
		return 8;  /* reachable time, retrans timer */
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT:
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT:
		return 16; /* target */
	case HZ_IPV6_ICMP_REDIRECT:
		return 32; /* target, destination */
	default:
		return 0;
	}
}

static bool nd_type(uint8_t type)
{
	return type >= HZ_IPV6_ICMP_ROUTER_SOLICIT && type <= HZ_IPV6_ICMP_REDIRECT;
}

/* Zero the bits of p past plen (RFC 4861 4.6.2: reserved; the sender
 * zeroes them, the receiver ignores them). */
static void prefix_mask(uint8_t p[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen > 8u * i ? plen - 8u * i : 0;
		if (keep < 8)
			p[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static void skipped(struct hz_ipv6_nd *nd)
{
	if (nd->skipped != UINT16_MAX)
		nd->skipped++;
}

/* One option o of n bytes (n = length field * 8 >= 8) in a message of
 * nd->type. Each option is defined for some types only; elsewhere it
 * MUST be ignored (RFC 4861 4.6.1 to 4.6.4, RFC 8106 5.1). */
static int nd_option(struct hz_ipv6_nd *nd, const uint8_t *o, size_t n, enum hz_ipv6_drop *why)
{
	uint8_t t = nd->type;
	switch (o[0]) {
	case HZ_IPV6_ND_OPT_SLLA: /* 4.6.1: RS, RA, NS */
		/* Ethernet: one unit (RFC 2464 8); the first one counts */
		if (n != ND_UNIT || nd->has_slla || t == HZ_IPV6_ICMP_NEIGHBOR_ADVERT ||
		    t == HZ_IPV6_ICMP_REDIRECT)
			break;
		nd->has_slla = true;
		hz_memcpy(nd->slla, o + 2, HZ_MAC_LEN);
		return HZ_OK;
	case HZ_IPV6_ND_OPT_TLLA: /* 4.6.1: NA, redirect */
		if (n != ND_UNIT || nd->has_tlla ||
		    (t != HZ_IPV6_ICMP_NEIGHBOR_ADVERT && t != HZ_IPV6_ICMP_REDIRECT))
			break;
		nd->has_tlla = true;
		hz_memcpy(nd->tlla, o + 2, HZ_MAC_LEN);
		return HZ_OK;
	case HZ_IPV6_ND_OPT_PREFIX: { /* 4.6.2: RA only */
		if (t != HZ_IPV6_ICMP_ROUTER_ADVERT)
			break;
		if (n != PI_LEN || o[2] > 128)
			return fail(why, HZ_IPV6_DROP_ND_BAD_OPTION, HZ_ERR_MALFORMED);
		if (nd->nprefixes >= HZ_IPV6_ND_MAX_PREFIXES)
			break;
		struct hz_ipv6_nd_prefix *p = &nd->prefixes[nd->nprefixes++];
		p->plen = o[2];
		p->onlink = (o[3] & PI_F_ONLINK) != 0;
		p->autonomous = (o[3] & PI_F_AUTO) != 0;
		p->valid = hz_be32_load(o + 4);
		p->preferred = hz_be32_load(o + 8);
		/* o[12..16) reserved */
		hz_memcpy(p->prefix, o + 16, 16);
		prefix_mask(p->prefix, p->plen);
		return HZ_OK;
	}
	case HZ_IPV6_ND_OPT_REDIRECTED: /* 4.6.3: redirect only; the first counts */
		if (t != HZ_IPV6_ICMP_REDIRECT || nd->redirected)
			break;
		/* o[2..8) reserved, then the quoted packet */
		nd->redirected = o + ND_UNIT;
		nd->redirected_len = n - ND_UNIT;
		return HZ_OK;
	case HZ_IPV6_ND_OPT_MTU: /* 4.6.4: RA only, one unit */
		if (t != HZ_IPV6_ICMP_ROUTER_ADVERT || n != ND_UNIT || nd->has_mtu)
			break;
		nd->has_mtu = true;
		nd->mtu = hz_be32_load(o + 4); /* o[2..4) reserved */
		return HZ_OK;
	case HZ_IPV6_ND_OPT_NONCE:
		/* RFC 3971 5.3.2 allows longer nonces; haze sends and matches
		 * the 6-byte one of RFC 7527, so only a one-unit option is kept */
		if (n != ND_UNIT || nd->has_nonce)
			break;
		nd->has_nonce = true;
		hz_memcpy(nd->nonce, o + 2, HZ_IPV6_ND_NONCE_LEN);
		return HZ_OK;
	case HZ_IPV6_ND_OPT_RDNSS: { /* RFC 8106 5.1: RA only */
		if (t != HZ_IPV6_ICMP_ROUTER_ADVERT)
			break;
		/* 5.3.1: length 3 + 2k, one address at least */
		if (n < 3u * ND_UNIT || (n / ND_UNIT) % 2u == 0)
			return fail(why, HZ_IPV6_DROP_ND_BAD_OPTION, HZ_ERR_MALFORMED);
		uint32_t life = hz_be32_load(o + 4); /* o[2..4) reserved */
		/* addresses of options with another lifetime than the first
		 * kept would be reported under the wrong lifetime: skip them */
		if (nd->nrdnss && life != nd->rdnss_lifetime)
			break;
		size_t count = (n - RDNSS_HDR) / 16u, i;
		for (i = 0; i < count && nd->nrdnss < HZ_IPV6_ND_MAX_RDNSS; i++)
			hz_memcpy(nd->rdnss[nd->nrdnss++], o + RDNSS_HDR + 16u * i, 16);
		if (i == 0)
			break; /* none kept */
		nd->rdnss_lifetime = life;
		if (i < count)
			skipped(nd); /* some addresses did not fit */
		return HZ_OK;
	}
	default:
		break;
	}
	skipped(nd);
	return HZ_OK;
}

int hz_ipv6_nd_parse(struct hz_ipv6_nd *nd, const struct hz_ipv6_icmp *m,
                     enum hz_ipv6_drop *why)
{
	hz_memset(nd, 0, sizeof *nd);
	if (!nd_type(m->type))
		return fail(why, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_INVALID);
	size_t fixed = nd_fixed(m->type);
	/* hz_ipv6_icmp_parse guarantees this; a hand-built m may not */
	if (m->data_len < fixed)
		return fail(why, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
	const uint8_t *d = m->data;
	nd->type = m->type;
	nd->code = m->code;

	switch (m->type) {
	case HZ_IPV6_ICMP_ROUTER_SOLICIT: /* RFC 4861 4.1: rest reserved */
		break;
	case HZ_IPV6_ICMP_ROUTER_ADVERT: { /* 4.2, RFC 4191 2.2 */
		uint8_t flags = (uint8_t)(m->rest >> 16);
		nd->cur_hop_limit = (uint8_t)(m->rest >> 24);
		nd->managed = (flags & RA_F_MANAGED) != 0;
		nd->other = (flags & RA_F_OTHER) != 0;
		nd->prf = (uint8_t)((flags >> RA_PRF_SHIFT) & 3u);
		nd->router_lifetime = (uint16_t)m->rest;
		nd->reachable_time = hz_be32_load(d);
		nd->retrans_timer = hz_be32_load(d + 4);
		break;
	}
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT: /* 4.3: rest reserved */
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT:  /* 4.4: R, S, O, then reserved */
		if (m->type == HZ_IPV6_ICMP_NEIGHBOR_ADVERT) {
			nd->router = (m->rest & HZ_IPV6_NA_F_ROUTER) != 0;
			nd->solicited = (m->rest & HZ_IPV6_NA_F_SOLICITED) != 0;
			nd->override = (m->rest & HZ_IPV6_NA_F_OVERRIDE) != 0;
		}
		hz_memcpy(nd->target, d, 16);
		/* 7.1.1, 7.1.2: the target is never a multicast address */
		if (hz_ipv6_addr_is_multicast(nd->target))
			return fail(why, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
		break;
	default: /* HZ_IPV6_ICMP_REDIRECT, 4.5 */
		hz_memcpy(nd->target, d, 16);
		hz_memcpy(nd->dest, d + 16, 16);
		/* 8.1: the destination is not multicast, and the target is a
		 * link-local router or the destination itself (on-link) */
		if (hz_ipv6_addr_is_multicast(nd->dest) ||
		    (!hz_ipv6_addr_is_link_local(nd->target) &&
		     hz_memcmp(nd->target, nd->dest, 16) != 0))
			return fail(why, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
		break;
	}

	/* Options (4.6): type, length in units of 8 bytes, never 0. Each
	 * pass consumes at least 8 bytes or fails. */
	size_t off = fixed, end = m->data_len;
	while (off < end) {
		size_t n = end - off < 2 ? 0 : (size_t)d[off + 1] * ND_UNIT;
		if (n == 0 || n > end - off)
			return fail(why, HZ_IPV6_DROP_ND_BAD_OPTION, HZ_ERR_MALFORMED);
		int rc = nd_option(nd, d + off, n, why);
		if (rc < 0)
			return rc;
		off += n;
	}
	return HZ_OK;
}

/* An option of one unit: type, length 1, then 6 bytes. */
static void put_unit(struct hz_wr *w, uint8_t type, const uint8_t six[6])
{
	hz_wr_u8(w, type);
	hz_wr_u8(w, 1);
	hz_wr_bytes(w, six, 6);
}

int hz_ipv6_nd_emit(const struct hz_ipv6_nd *nd, const struct hz_ipaddr *src,
                    const struct hz_ipaddr *dst, uint8_t *buf, size_t cap)
{
	if (!nd_type(nd->type) || nd->nprefixes > HZ_IPV6_ND_MAX_PREFIXES ||
	    nd->nrdnss > HZ_IPV6_ND_MAX_RDNSS)
		return HZ_ERR_INVALID;
	for (unsigned i = 0; i < nd->nprefixes; i++)
		if (nd->prefixes[i].plen > 128)
			return HZ_ERR_INVALID;

	struct hz_wr w;
	hz_wr_init(&w, buf, cap);
	hz_wr_u8(&w, nd->type);
	hz_wr_u8(&w, nd->code);
	hz_wr_be16(&w, 0); /* checksum, filled in last */
	switch (nd->type) {
	case HZ_IPV6_ICMP_ROUTER_SOLICIT:
		hz_wr_be32(&w, 0); /* reserved */
		break;
	case HZ_IPV6_ICMP_ROUTER_ADVERT: {
		uint8_t flags = (uint8_t)((nd->managed ? RA_F_MANAGED : 0u) |
		                          (nd->other ? RA_F_OTHER : 0u) |
		                          (nd->prf & 3u) << RA_PRF_SHIFT);
		hz_wr_u8(&w, nd->cur_hop_limit);
		hz_wr_u8(&w, flags);               /* M, O, Prf; H and the rest 0 */
		hz_wr_be16(&w, nd->router_lifetime);
		hz_wr_be32(&w, nd->reachable_time);
		hz_wr_be32(&w, nd->retrans_timer);
		break;
	}
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT:
		hz_wr_be32(&w, 0); /* reserved */
		hz_wr_bytes(&w, nd->target, 16);
		break;
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT:
		hz_wr_be32(&w, (nd->router ? HZ_IPV6_NA_F_ROUTER : 0u) |
		                   (nd->solicited ? HZ_IPV6_NA_F_SOLICITED : 0u) |
		                   (nd->override ? HZ_IPV6_NA_F_OVERRIDE : 0u));
		hz_wr_bytes(&w, nd->target, 16);
		break;
	default: /* redirect */
		hz_wr_be32(&w, 0); /* reserved */
		hz_wr_bytes(&w, nd->target, 16);
		hz_wr_bytes(&w, nd->dest, 16);
		break;
	}

	if (nd->has_slla)
		put_unit(&w, HZ_IPV6_ND_OPT_SLLA, nd->slla);
	if (nd->has_tlla)
		put_unit(&w, HZ_IPV6_ND_OPT_TLLA, nd->tlla);
	if (nd->has_mtu) {
		hz_wr_u8(&w, HZ_IPV6_ND_OPT_MTU);
		hz_wr_u8(&w, 1);
		hz_wr_be16(&w, 0); /* reserved */
		hz_wr_be32(&w, nd->mtu);
	}
	if (nd->has_nonce)
		put_unit(&w, HZ_IPV6_ND_OPT_NONCE, nd->nonce);
	for (unsigned i = 0; i < nd->nprefixes; i++) {
		const struct hz_ipv6_nd_prefix *p = &nd->prefixes[i];
		uint8_t pfx[16];
		hz_memcpy(pfx, p->prefix, 16);
		prefix_mask(pfx, p->plen);
		hz_wr_u8(&w, HZ_IPV6_ND_OPT_PREFIX);
		hz_wr_u8(&w, PI_LEN / ND_UNIT);
		hz_wr_u8(&w, p->plen);
		hz_wr_u8(&w, (uint8_t)((p->onlink ? PI_F_ONLINK : 0u) | (p->autonomous ? PI_F_AUTO : 0u)));
		hz_wr_be32(&w, p->valid);
		hz_wr_be32(&w, p->preferred);
		hz_wr_be32(&w, 0); /* reserved2 */
		hz_wr_bytes(&w, pfx, 16);
	}
	if (nd->nrdnss) {
		hz_wr_u8(&w, HZ_IPV6_ND_OPT_RDNSS);
		hz_wr_u8(&w, (uint8_t)(1u + 2u * nd->nrdnss));
		hz_wr_be16(&w, 0); /* reserved */
		hz_wr_be32(&w, nd->rdnss_lifetime);
		for (unsigned i = 0; i < nd->nrdnss; i++)
			hz_wr_bytes(&w, nd->rdnss[i], 16);
	}
	if (nd->redirected) {
		/* 4.6.3: as much of the packet as keeps the whole redirect
		 * within the minimum MTU, zero-padded to whole units */
		size_t room = w.pos + ND_UNIT < REDIRECT_MAX ? REDIRECT_MAX - w.pos - ND_UNIT : 0;
		size_t q = nd->redirected_len;
		if ((q + ND_UNIT - 1u) / ND_UNIT > room / ND_UNIT)
			q = room & ~(size_t)(ND_UNIT - 1u);
		size_t units = 1u + (q + ND_UNIT - 1u) / ND_UNIT;
		hz_wr_u8(&w, HZ_IPV6_ND_OPT_REDIRECTED);
		hz_wr_u8(&w, (uint8_t)units);
		hz_wr_zero(&w, 6); /* reserved */
		hz_wr_bytes(&w, nd->redirected, q);
		hz_wr_zero(&w, (units - 1u) * ND_UNIT - q);
	}
	if (hz_wr_status(&w))
		return HZ_ERR_NO_SPACE;
	uint32_t s = hz_ipv6_pseudo(src, dst, HZ_IPV6_NH_ICMPV6, w.pos);
	hz_be16_store(buf + 2, hz_csum_fold(hz_csum_add(s, buf, w.pos)));
	return (int)w.pos;
}

/* ------------------------------------------------------------------ */
/* MLD                                                                 */
/* ------------------------------------------------------------------ */

#define MLD1_LEN 24u      /* RFC 2710 3 */
#define MLD2_QUERY_MIN 28u /* RFC 3810 5.1 */
#define MLD2_REC_HDR 20u  /* RFC 3810 5.2: type, aux len, N, group */
#define MLD_QRV_MASK 0x07u
#define MLD_S_FLAG 0x08u

/* RFC 3810 5.1.3: codes from 32768 are 1|exp(3)|mant(12), meaning
 * (mant | 0x1000) << (exp + 3) milliseconds. */
static uint32_t mld_resp_ms(uint16_t code)
{
	if (code < 0x8000u)
		return code;
	unsigned exp = (code >> 12) & 7u;
	return ((uint32_t)(code & 0x0fffu) | 0x1000u) << (exp + 3u);
}

/* RFC 3810 5.1.9: codes from 128 are 1|exp(3)|mant(4), meaning
 * (mant | 0x10) << (exp + 3) seconds. */
static uint32_t mld_qqi_s(uint8_t code)
{
	if (code < 0x80u)
		return code;
	unsigned exp = (code >> 4) & 7u;
	return ((uint32_t)(code & 0x0fu) | 0x10u) << (exp + 3u);
}

int hz_ipv6_mld_query_parse(struct hz_ipv6_mld_query *q, const struct hz_ipv6_icmp *m,
                            enum hz_ipv6_drop *why)
{
	hz_memset(q, 0, sizeof *q);
	if (m->type != HZ_IPV6_ICMP_MLD_QUERY)
		return fail(why, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_INVALID);
	size_t len = HZ_IPV6_ICMP_HDR_LEN + m->data_len;
	const uint8_t *d = m->data;
	/* RFC 3810 8.1: 24 bytes is MLDv1, 28 or more MLDv2, others ignored */
	if (len != MLD1_LEN && len < MLD2_QUERY_MIN)
		return fail(why, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_MALFORMED);
	uint16_t code = (uint16_t)(m->rest >> 16); /* rest low half reserved */
	hz_memcpy(q->group, d, 16);
	if (!hz_ipv6_addr_is_unspecified(q->group) && !hz_ipv6_addr_is_multicast(q->group))
		return fail(why, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_MALFORMED);
	if (len == MLD1_LEN) {
		q->version = 1;
		q->max_resp_ms = code; /* RFC 2710 3.4: plain milliseconds */
		return HZ_OK;
	}
	/* d[16]: Resv(4) S(1) QRV(3); d[17]: QQIC; d[18..20): N */
	size_t ns = hz_be16_load(d + 18);
	if (ns > (m->data_len - 20u) / 16u)
		return fail(why, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_MALFORMED);
	q->version = 2;
	q->max_resp_ms = mld_resp_ms(code);
	q->suppress = (d[16] & MLD_S_FLAG) != 0;
	q->qrv = d[16] & MLD_QRV_MASK;
	q->qqi_s = mld_qqi_s(d[17]);
	q->nsources = (uint16_t)ns;
	q->sources = d + 20;
	/* 5.1.12: bytes past the sources are ignored */
	return HZ_OK;
}

int hz_ipv6_mld2_report_emit(const struct hz_ipv6_mld_record *recs, size_t n,
                             const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                             uint8_t *buf, size_t cap)
{
	if (n > UINT16_MAX)
		return HZ_ERR_INVALID;
	if (cap < HZ_IPV6_ICMP_HDR_LEN || (cap - HZ_IPV6_ICMP_HDR_LEN) / MLD2_REC_HDR < n)
		return HZ_ERR_NO_SPACE; /* checked first: buf untouched on failure */
	/* The fixed 8 bytes are stored directly (cap >= 8 was checked):
	 * through the cursor gcc -O3 reported a false stringop-overflow. */
	buf[0] = HZ_IPV6_ICMP_MLD2_REPORT;
	buf[1] = 0;                 /* code */
	hz_be16_store(buf + 2, 0);  /* checksum, filled in last */
	hz_be16_store(buf + 4, 0);  /* reserved */
	hz_be16_store(buf + 6, (uint16_t)n);
	struct hz_wr w;
	hz_wr_init(&w, buf, cap);
	w.pos = HZ_IPV6_ICMP_HDR_LEN;
	for (size_t i = 0; i < n; i++) {
		hz_wr_u8(&w, recs[i].type);
		hz_wr_u8(&w, 0);   /* aux data len */
		hz_wr_be16(&w, 0); /* no sources: whole-group membership */
		hz_wr_bytes(&w, recs[i].group, 16);
	}
	if (hz_wr_status(&w))
		return HZ_ERR_NO_SPACE;
	uint32_t s = hz_ipv6_pseudo(src, dst, HZ_IPV6_NH_ICMPV6, w.pos);
	hz_be16_store(buf + 2, hz_csum_fold(hz_csum_add(s, buf, w.pos)));
	return (int)w.pos;
}

int hz_ipv6_mld2_report_parse(const struct hz_ipv6_icmp *m, struct hz_ipv6_mld_record *recs,
                              size_t cap, size_t *n, enum hz_ipv6_drop *why)
{
	*n = 0;
	if (m->type != HZ_IPV6_ICMP_MLD2_REPORT)
		return fail(why, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_INVALID);
	size_t count = m->rest & 0xffffu; /* high half reserved */
	struct hz_rd r;
	hz_rd_init(&r, m->data, m->data_len);
	/* every record is at least 20 bytes, so the loop ends by the
	 * message length whatever the count says */
	for (size_t i = 0; i < count; i++) {
		uint8_t type = hz_rd_u8(&r);
		uint8_t aux = hz_rd_u8(&r);      /* in 32-bit words */
		uint16_t ns = hz_rd_be16(&r);
		const uint8_t *group = hz_rd_bytes(&r, 16);
		hz_rd_skip(&r, (size_t)ns * 16u + (size_t)aux * 4u);
		if (hz_rd_status(&r))
			return fail(why, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_MALFORMED);
		if (i < cap) {
			recs[i].type = type;
			hz_memcpy(recs[i].group, group, 16);
			recs[i].nsources = ns;
		}
	}
	*n = count;
	return HZ_OK;
}
