/* The IPv4 host engine: input validation and delivery, output with
 * fragmentation, routing, reassembly timers and the ICMP a host must speak
 * (RFC 791, RFC 792, RFC 1122 sections 3.2 and 3.3, RFC 1191). */
#include "haze/ipv4.h"

void hz_ipv4_config_default(struct hz_ipv4_config *cfg)
{
	hz_memset(cfg, 0, sizeof *cfg);
	cfg->ttl = 64;
	cfg->mtu = 1500;
	cfg->reasm_max_size = 16384;
	cfg->reasm_max_frags = 64;
	cfg->reasm_timeout = HZ_SEC(30);
	cfg->icmp_rate = 100;
	cfg->icmp_burst = 10;
	cfg->pmtu_timeout = HZ_SEC(600);
	cfg->echo_reply = true;
	cfg->echo_broadcast = false;
}

/* ------------------------------------------------------------------ */
/* struct hz_ip glue                                                   */
/* ------------------------------------------------------------------ */

static int ip_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	return hz_ipv4_attach((struct hz_ipv4 *)ctx, proto, up);
}

static int ip_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	return hz_ipv4_output((struct hz_ipv4 *)ctx, pb, tx);
}

static uint32_t ip_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                          uint8_t proto, size_t len)
{
	(void)ctx;
	return hz_ipv4_pseudo(hz_ipaddr_to_v4(src), hz_ipaddr_to_v4(dst), proto, len);
}

static size_t ip_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	const struct hz_ipv4 *ip = (const struct hz_ipv4 *)ctx;
	if (dst->family != HZ_AF_INET)
		return 0;
	return hz_ipv4_path_mtu(ip, hz_ipaddr_to_v4(dst)) - HZ_IPV4_HDR_LEN;
}

static int ip_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	const struct hz_ipv4 *ip = (const struct hz_ipv4 *)ctx;
	uint32_t nh;
	enum hz_cast cast;
	if (dst->family != HZ_AF_INET || hz_ipv4_route(ip, hz_ipaddr_to_v4(dst), &nh, &cast))
		return HZ_ERR_NO_ROUTE;
	*src = hz_ipaddr_v4(ip->addr);
	return HZ_OK;
}

static bool ip_is_local(void *ctx, const struct hz_ipaddr *addr)
{
	const struct hz_ipv4 *ip = (const struct hz_ipv4 *)ctx;
	return addr->family == HZ_AF_INET && ip->addr && hz_ipaddr_to_v4(addr) == ip->addr;
}

const struct hz_ip *hz_ipv4_ip(struct hz_ipv4 *ip)
{
	return &ip->ip;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

void hz_ipv4_init(struct hz_ipv4 *ip, const struct hz_ipv4_config *cfg,
                  const struct hz_ipv4_link *link, const struct hz_shim *shim,
                  struct hz_ipv4_reasm_slot *slots, size_t nslots,
                  uint8_t *reasm_buf, uint8_t *txbuf, size_t txcap)
{
	hz_memset(ip, 0, sizeof *ip);
	if (cfg)
		ip->cfg = *cfg;
	else
		hz_ipv4_config_default(&ip->cfg);
	if (ip->cfg.ttl == 0)
		ip->cfg.ttl = 64;
	ip->link = *link;
	if (ip->link.mtu && ip->link.mtu < ip->cfg.mtu)
		ip->cfg.mtu = ip->link.mtu;
	if (ip->cfg.mtu < HZ_IPV4_MIN_MTU)
		ip->cfg.mtu = HZ_IPV4_MIN_MTU;
	ip->shim = shim;
	hz_ipv4_reasm_init(&ip->reasm, slots, nslots, reasm_buf, ip->cfg.reasm_max_size,
	                   ip->cfg.reasm_max_frags, ip->cfg.reasm_timeout);
	ip->txbuf = txbuf;
	ip->txcap = txbuf ? txcap : 0;
	/* RFC 6864 asks only that IDs not repeat quickly per (src, dst,
	 * proto); a random start keeps them from leaking uptime. */
	ip->next_id = (uint16_t)hz_random_u32(shim);
	hz_ratelimit_init(&ip->icmp_limit, ip->cfg.icmp_rate, ip->cfg.icmp_burst);

	ip->ip.ctx = ip;
	ip->ip.family = HZ_AF_INET;
	ip->ip.headroom = (uint16_t)(HZ_IPV4_HDR_LEN + ip->link.headroom);
	ip->ip.attach = ip_attach;
	ip->ip.output = ip_output;
	ip->ip.pseudo = ip_pseudo;
	ip->ip.mtu = ip_mtu;
	ip->ip.source = ip_source;
	ip->ip.is_local = ip_is_local;
}

static bool mask_ok(uint32_t m)
{
	uint32_t inv = ~m;
	return (inv & (inv + 1u)) == 0; /* ones then zeros */
}

int hz_ipv4_addr_set(struct hz_ipv4 *ip, uint32_t addr, uint32_t netmask, uint32_t gateway)
{
	if (addr == 0) {
		ip->addr = ip->netmask = ip->gateway = 0;
		return HZ_OK;
	}
	if (!mask_ok(netmask) || netmask == 0)
		return HZ_ERR_INVALID;
	if (hz_ipv4_addr_is_multicast(addr) || addr == HZ_IPV4_BROADCAST ||
	    hz_ipv4_addr_is_reserved(addr) || hz_ipv4_addr_is_loopback(addr) || (addr >> 24) == 0)
		return HZ_ERR_INVALID;
	/* RFC 1122 3.2.1.3: a host part of all zeros or all ones is a
	 * broadcast form, not a host (except on /31 and /32, RFC 3021). */
	uint32_t host = addr & ~netmask;
	if (netmask < 0xfffffffeu && (host == 0 || host == ~netmask))
		return HZ_ERR_INVALID;
	if (gateway && ((gateway & netmask) != (addr & netmask) || gateway == addr))
		return HZ_ERR_INVALID;
	ip->addr = addr;
	ip->netmask = netmask;
	ip->gateway = gateway;
	return HZ_OK;
}

int hz_ipv4_attach(struct hz_ipv4 *ip, uint8_t proto, const struct hz_ip_upper *up)
{
	if (!up || !up->input)
		return HZ_ERR_INVALID;
	struct hz_ipv4_upper_entry *free_e = NULL;
	for (size_t i = 0; i < HZ_IPV4_MAX_UPPER; i++) {
		struct hz_ipv4_upper_entry *e = &ip->upper[i];
		if (e->up && e->proto == proto)
			return HZ_ERR_IN_USE;
		if (!e->up && !free_e)
			free_e = e;
	}
	if (!free_e)
		return HZ_ERR_NO_SPACE;
	free_e->proto = proto;
	free_e->up = up;
	return HZ_OK;
}

static const struct hz_ip_upper *upper_find(const struct hz_ipv4 *ip, uint8_t proto)
{
	for (size_t i = 0; i < HZ_IPV4_MAX_UPPER; i++)
		if (ip->upper[i].up && ip->upper[i].proto == proto)
			return ip->upper[i].up;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Addresses and routes                                                */
/* ------------------------------------------------------------------ */

/* Broadcast as a destination (RFC 1122 3.3.6): limited broadcast, and our
 * subnet's directed broadcast in both the -1 and the obsolete 0 host
 * forms, which hosts SHOULD accept. /31 and /32 have no broadcast. */
static bool is_bcast(const struct hz_ipv4 *ip, uint32_t a)
{
	if (a == HZ_IPV4_BROADCAST)
		return true;
	if (!ip->addr || ip->netmask >= 0xfffffffeu || (a & ip->netmask) != (ip->addr & ip->netmask))
		return false;
	uint32_t host = a & ~ip->netmask;
	return host == ~ip->netmask || host == 0;
}

/* Not a unicast source: we must send no ICMP error to it (RFC 1122 3.2.2). */
static bool src_not_unicast(const struct hz_ipv4 *ip, uint32_t a)
{
	return a == 0 || hz_ipv4_addr_is_multicast(a) || hz_ipv4_addr_is_reserved(a) ||
	       hz_ipv4_addr_is_loopback(a) || (a >> 24) == 0 || is_bcast(ip, a);
}

int hz_ipv4_route(const struct hz_ipv4 *ip, uint32_t dst, uint32_t *nexthop, enum hz_cast *cast)
{
	if (is_bcast(ip, dst)) {
		*nexthop = dst;
		*cast = HZ_CAST_BROADCAST;
		return HZ_OK;
	}
	if (hz_ipv4_addr_is_multicast(dst)) {
		*nexthop = dst;
		*cast = HZ_CAST_MULTICAST;
		return HZ_OK;
	}
	/* No loopback device: our own address is unreachable from here. */
	if (!ip->addr || dst == ip->addr || (dst >> 24) == 0 || hz_ipv4_addr_is_loopback(dst) ||
	    hz_ipv4_addr_is_reserved(dst))
		return HZ_ERR_NO_ROUTE;
	*cast = HZ_CAST_UNICAST;
	if ((dst & ip->netmask) == (ip->addr & ip->netmask)) {
		*nexthop = dst; /* on-link (RFC 1122 3.3.1.1) */
		return HZ_OK;
	}
	if (!ip->gateway)
		return HZ_ERR_NO_ROUTE;
	*nexthop = ip->gateway;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Path MTU (RFC 1191)                                                 */
/* ------------------------------------------------------------------ */

size_t hz_ipv4_path_mtu(const struct hz_ipv4 *ip, uint32_t dst)
{
	for (size_t i = 0; i < HZ_IPV4_PMTU_ENTRIES; i++) {
		const struct hz_ipv4_pmtu *p = &ip->pmtu[i];
		if (p->dst == dst && dst && p->expires > ip->now)
			return p->mtu;
	}
	return ip->cfg.mtu;
}

/* RFC 1191 section 7: the plateau table, for routers that report 0. */
static uint16_t plateau_below(size_t len)
{
	static const uint16_t plateaus[] = { 32000, 17914, 8166, 4352, 2002, 1492,
		                             1006,  508,   296,  68 };
	for (size_t i = 0; i < HZ_ARRAY_LEN(plateaus); i++)
		if (plateaus[i] < len)
			return plateaus[i];
	return HZ_IPV4_MIN_MTU;
}

/* Learn a smaller path MTU for dst; never grow, never go below 68. */
static void pmtu_learn(struct hz_ipv4 *ip, uint32_t dst, uint16_t reported, size_t orig_len)
{
	uint16_t mtu = reported ? reported : plateau_below(orig_len);
	if (mtu < HZ_IPV4_MIN_MTU || mtu >= hz_ipv4_path_mtu(ip, dst))
		return;
	/* Reuse dst's entry, else a free or expired one, else the oldest. */
	struct hz_ipv4_pmtu *slot = NULL;
	for (size_t i = 0; i < HZ_IPV4_PMTU_ENTRIES && !slot; i++)
		if (ip->pmtu[i].dst == dst)
			slot = &ip->pmtu[i];
	for (size_t i = 0; i < HZ_IPV4_PMTU_ENTRIES && !slot; i++)
		if (ip->pmtu[i].dst == 0 || ip->pmtu[i].expires <= ip->now)
			slot = &ip->pmtu[i];
	if (!slot) {
		slot = &ip->pmtu[0];
		for (size_t i = 1; i < HZ_IPV4_PMTU_ENTRIES; i++)
			if (ip->pmtu[i].expires < slot->expires)
				slot = &ip->pmtu[i];
	}
	slot->dst = dst;
	slot->mtu = mtu;
	slot->expires = ip->now + ip->cfg.pmtu_timeout;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static void hdr_fill(struct hz_ipv4_hdr *h, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
                     uint8_t tos, uint16_t id)
{
	hz_memset(h, 0, sizeof *h);
	h->tos = tos;
	h->id = id;
	h->ttl = ttl;
	h->proto = proto;
	h->src = src;
	h->dst = dst;
}

static int send_pkt(struct hz_ipv4 *ip, struct hz_pbuf *pb, uint32_t src, uint32_t dst,
                    uint8_t proto, uint8_t ttl, uint8_t tos, bool df)
{
	uint32_t nh;
	enum hz_cast cast;
	int rc = hz_ipv4_route(ip, dst, &nh, &cast);
	if (rc)
		return rc;
	const size_t hl = HZ_IPV4_HDR_LEN, lh = ip->link.headroom;
	if (pb->head < hl + lh || pb->head + pb->len > pb->cap)
		return HZ_ERR_NO_SPACE;
	if (hl + pb->len > HZ_IPV4_MAX_LEN)
		return HZ_ERR_TOO_BIG;
	size_t mtu = hz_ipv4_path_mtu(ip, dst);
	struct hz_ipv4_hdr h;
	hdr_fill(&h, src, dst, proto, ttl ? ttl : ip->cfg.ttl, tos, ip->next_id++);

	if (hl + pb->len <= mtu) {
		/* Work on a copy so the caller's pbuf struct is untouched. */
		struct hz_pbuf p = *pb;
		uint8_t *hp = hz_pbuf_push(&p, hl);
		h.total_len = (uint16_t)p.len;
		h.frag = df ? HZ_IPV4_FLAG_DF : 0;
		(void)hz_ipv4_hdr_emit(&h, hp, hl);
		if (p.flags & HZ_PBUF_F_CSUM_PARTIAL)
			p.csum_start = (uint16_t)(p.csum_start + hl); /* offset from frame start */
		rc = ip->link.output(ip->link.ctx, &p, nh, cast);
		if (rc >= 0)
			ip->tx_packets++;
		return rc < 0 ? rc : HZ_OK;
	}
	if (df)
		return HZ_ERR_TOO_BIG;
	if (lh > HZ_PBUF_HEADROOM)
		return HZ_ERR_INVALID;

	/* RFC 791 3.2: fragments carry multiples of 8 payload octets. A
	 * checksum left for offload cannot be finished by the device once the
	 * transport header travels in the first fragment only: do it here, and
	 * put the field back afterwards so the caller's bytes are unchanged. */
	size_t maxdata = (mtu - hl) & ~(size_t)7;
	uint8_t *data = hz_pbuf_data(pb);
	uint8_t *field = NULL;
	uint8_t field_save[2] = { 0, 0 };
	if (pb->flags & HZ_PBUF_F_CSUM_PARTIAL) {
		size_t at = (size_t)pb->csum_start + pb->csum_off;
		if (at + 2 > pb->len)
			return HZ_ERR_INVALID;
		field = data + at;
		hz_memcpy(field_save, field, 2);
		uint16_t c = hz_csum(data + pb->csum_start, pb->len - pb->csum_start);
		if (c == 0 && proto == HZ_IPV4_PROTO_UDP)
			c = 0xffff; /* RFC 768: zero means "no checksum" */
		hz_be16_store(field, c);
	}
	uint8_t save[HZ_IPV4_HDR_LEN + HZ_PBUF_HEADROOM];
	rc = HZ_OK;
	for (size_t off = 0; off < pb->len;) {
		size_t n = HZ_MIN(maxdata, pb->len - off);
		bool more = off + n < pb->len;
		size_t start = pb->head + off;
		struct hz_pbuf p;
		p.base = pb->base;
		/* A non-last slice owns no tailroom: the next slice lives there. */
		p.cap = more ? start + n : pb->cap;
		p.head = start - hl;
		p.len = hl + n;
		p.flags = pb->flags & ~HZ_PBUF_F_CSUM_PARTIAL;
		p.csum_start = 0;
		p.csum_off = 0;
		uint8_t *front = pb->base + start - hl - lh;
		if (off)
			hz_memcpy(save, front, hl + lh);
		h.total_len = (uint16_t)(hl + n);
		h.frag = (uint16_t)((off / 8u) | (more ? HZ_IPV4_FLAG_MF : 0u));
		(void)hz_ipv4_hdr_emit(&h, pb->base + start - hl, hl);
		rc = ip->link.output(ip->link.ctx, &p, nh, cast);
		if (off)
			hz_memcpy(front, save, hl + lh);
		if (rc < 0)
			break;
		rc = HZ_OK;
		ip->tx_packets++;
		off += n;
	}
	if (field)
		hz_memcpy(field, field_save, 2);
	if (rc == HZ_OK)
		ip->tx_fragmented++;
	return rc;
}

int hz_ipv4_output(struct hz_ipv4 *ip, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	if (!pb || !tx || tx->dst.family != HZ_AF_INET)
		return HZ_ERR_INVALID;
	uint32_t dst = hz_ipaddr_to_v4(&tx->dst), src;
	if (tx->src.family == HZ_AF_INET) {
		src = hz_ipaddr_to_v4(&tx->src);
		/* Only our address, or 0.0.0.0 while learning one (RFC 2131). */
		if (src != ip->addr && !(src == 0 && dst == HZ_IPV4_BROADCAST))
			return HZ_ERR_INVALID;
	} else if (tx->src.family == HZ_AF_NONE) {
		src = ip->addr;
	} else {
		return HZ_ERR_INVALID;
	}
	if (src == 0 && dst != HZ_IPV4_BROADCAST)
		return HZ_ERR_NO_ROUTE;
	return send_pkt(ip, pb, src, dst, tx->proto, tx->ttl, tx->tos, tx->flags & HZ_IP_TX_DF);
}

/* ------------------------------------------------------------------ */
/* ICMP out                                                            */
/* ------------------------------------------------------------------ */

/* Build an ICMP message in txbuf from an 8-byte header and up to two data
 * pieces, and send it. */
static int icmp_send(struct hz_ipv4 *ip, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                     uint32_t rest, uint8_t tos, const uint8_t *a, size_t alen, const uint8_t *b,
                     size_t blen)
{
	size_t head = (size_t)HZ_IPV4_HDR_LEN + ip->link.headroom;
	size_t n = HZ_IPV4_ICMP_HDR_LEN + alen + blen;
	if (ip->tx_busy || head > ip->txcap || n > ip->txcap - head)
		return HZ_ERR_NO_SPACE;
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, ip->txbuf, ip->txcap, head);
	uint8_t *m = hz_pbuf_put(&pb, n);
	if (alen)
		hz_memmove(m + HZ_IPV4_ICMP_HDR_LEN, a, alen);
	if (blen)
		hz_memmove(m + HZ_IPV4_ICMP_HDR_LEN + alen, b, blen);
	struct hz_ipv4_icmp msg = { .type = type, .code = code, .rest = rest,
		                    .data = m + HZ_IPV4_ICMP_HDR_LEN, .data_len = alen + blen };
	(void)hz_ipv4_icmp_emit(&msg, m, n);
	ip->tx_busy = true;
	int rc = send_pkt(ip, &pb, src, dst, HZ_IPV4_PROTO_ICMP, 0, tos, false);
	ip->tx_busy = false;
	return rc;
}

/* The RFC 1122 3.2.2 rules, then the rate limit, then send: hdr is the
 * offending datagram's header (hl bytes), data its payload. */
static int icmp_error2(struct hz_ipv4 *ip, uint8_t type, uint8_t code, uint32_t rest,
                       const uint8_t *hdr, size_t hl, const uint8_t *data, size_t dlen,
                       enum hz_cast l2cast)
{
	if (hl < HZ_IPV4_HDR_LEN)
		return HZ_ERR_INVALID;
	uint32_t osrc = hz_be32_load(hdr + 12), odst = hz_be32_load(hdr + 16);
	uint16_t frag = hz_be16_load(hdr + 6);
	bool suppress = l2cast != HZ_CAST_UNICAST || is_bcast(ip, odst) ||
	                hz_ipv4_addr_is_multicast(odst) || (frag & HZ_IPV4_OFFSET_MASK) ||
	                src_not_unicast(ip, osrc) || !ip->addr;
	/* Never an error about an ICMP error (or a message too short to tell). */
	if (!suppress && hdr[9] == HZ_IPV4_PROTO_ICMP)
		suppress = dlen < 1 || hz_ipv4_icmp_type_is_error(data[0]);
	if (suppress) {
		ip->icmp_suppressed++;
		return HZ_ERR_REFUSED;
	}
	if (!hz_ratelimit_take(&ip->icmp_limit, ip->now)) {
		ip->drops[HZ_IPV4_DROP_ICMP_RATE_LIMITED]++;
		return HZ_ERR_WOULD_BLOCK;
	}
	/* Quote as much as fits in 576 octets (RFC 1812 4.3.2.3), at least
	 * the header and 8 octets of data (RFC 792). */
	size_t room = HZ_IPV4_ICMP_ERR_MAX - HZ_IPV4_HDR_LEN - HZ_IPV4_ICMP_HDR_LEN - hl;
	if (dlen > room)
		dlen = room;
	/* The source is the address the datagram was sent to, which for a
	 * unicast datagram to us is our address (RFC 1122 3.2.2). */
	int rc = icmp_send(ip, ip->addr, osrc, type, code, rest, 0, hdr, hl, data, dlen);
	if (rc < 0) {
		ip->drops[HZ_IPV4_DROP_ICMP_TX_FAILED]++;
		return rc;
	}
	ip->icmp_tx_errors++;
	return HZ_OK;
}

int hz_ipv4_icmp_error(struct hz_ipv4 *ip, uint8_t type, uint8_t code, uint32_t rest,
                       const uint8_t *pkt, size_t len, enum hz_cast l2cast)
{
	if (len < HZ_IPV4_HDR_LEN || pkt[0] >> 4 != 4)
		return HZ_ERR_INVALID;
	size_t hl = (size_t)(pkt[0] & 0x0fu) * 4u;
	size_t tl = hz_be16_load(pkt + 2);
	if (hl < HZ_IPV4_HDR_LEN || hl > len)
		return HZ_ERR_INVALID;
	if (tl < len && tl >= hl)
		len = tl; /* do not quote link padding */
	return icmp_error2(ip, type, code, rest, pkt, hl, pkt + hl, len - hl, l2cast);
}

/* Error about a datagram we hold as a parsed header (possibly reassembled):
 * quote its header as rebuilt from the fields. */
static void icmp_error_hdr(struct hz_ipv4 *ip, uint8_t type, uint8_t code,
                           const struct hz_ipv4_hdr *h, enum hz_cast l2cast)
{
	uint8_t hb[HZ_IPV4_HDR_MAX];
	int hl = hz_ipv4_hdr_emit(h, hb, sizeof hb);
	if (hl > 0)
		(void)icmp_error2(ip, type, code, 0, hb, (size_t)hl, h->payload, h->payload_len,
		                  l2cast);
}

/* ------------------------------------------------------------------ */
/* ICMP in                                                             */
/* ------------------------------------------------------------------ */

static int dropped(struct hz_ipv4 *ip, enum hz_ipv4_drop why, int err)
{
	ip->drops[why]++;
	return err;
}

static uint8_t err_kind(uint8_t type, uint8_t code)
{
	if (type == HZ_IPV4_ICMP_TIME_EXCEEDED)
		return HZ_IP_ERR_TIME_EXCEEDED;
	if (type == HZ_IPV4_ICMP_PARAM_PROBLEM)
		return HZ_IP_ERR_PARAM_PROBLEM;
	switch (code) { /* destination unreachable, RFC 792 and RFC 1812 5.2.7.1 */
	case 0:  /* net unreachable */
	case 6:  /* destination network unknown */
	case 11: /* network unreachable for TOS */
		return HZ_IP_ERR_NET_UNREACH;
	case 1:  /* host unreachable */
	case 7:  /* destination host unknown */
	case 8:  /* source host isolated */
	case 12: /* host unreachable for TOS */
		return HZ_IP_ERR_HOST_UNREACH;
	case HZ_IPV4_ICMP_PROTO_UNREACH:
		return HZ_IP_ERR_PROTO_UNREACH;
	case HZ_IPV4_ICMP_PORT_UNREACH:
		return HZ_IP_ERR_PORT_UNREACH;
	case HZ_IPV4_ICMP_FRAG_NEEDED:
		return HZ_IP_ERR_FRAG_NEEDED;
	case 9:  /* network administratively prohibited */
	case 10: /* host administratively prohibited */
	case 13: /* communication administratively prohibited */
	case 14: /* host precedence violation */
	case 15: /* precedence cutoff in effect */
		return HZ_IP_ERR_ADMIN_PROHIBITED;
	default:
		return HZ_IP_ERR_OTHER;
	}
}

/* RFC 1122 3.2.2: pass an error to the transport named in the quote. */
static int icmp_error_in(struct hz_ipv4 *ip, const struct hz_ipv4_hdr *h,
                         const struct hz_ipv4_icmp *m)
{
	const uint8_t *q = m->data;
	size_t qlen = m->data_len;
	if (qlen < HZ_IPV4_HDR_LEN || q[0] >> 4 != 4)
		return dropped(ip, HZ_IPV4_DROP_ICMP_BAD_QUOTE, HZ_ERR_MALFORMED);
	size_t ihl = (size_t)(q[0] & 0x0fu) * 4u;
	size_t itl = hz_be16_load(q + 2);
	uint32_t isrc = hz_be32_load(q + 12), idst = hz_be32_load(q + 16);
	/* The quote must hold the header and 8 octets (RFC 792), and be about
	 * a datagram we sent. */
	if (ihl < HZ_IPV4_HDR_LEN || ihl + 8 > qlen || itl < ihl + 8 || !ip->addr || isrc != ip->addr)
		return dropped(ip, HZ_IPV4_DROP_ICMP_BAD_QUOTE, HZ_ERR_MALFORMED);
	size_t tlen = HZ_MIN(qlen, itl) - ihl;

	struct hz_ip_err e;
	hz_memset(&e, 0, sizeof e);
	e.kind = err_kind(m->type, m->code);
	e.type = m->type;
	e.code = m->code;
	e.proto = q[9];
	if (e.kind == HZ_IP_ERR_FRAG_NEEDED) {
		pmtu_learn(ip, idst, hz_ipv4_icmp_mtu(m), itl);
		e.mtu = (uint32_t)hz_ipv4_path_mtu(ip, idst);
	}
	e.reporter = hz_ipaddr_v4(h->src);
	e.src = hz_ipaddr_v4(isrc);
	e.dst = hz_ipaddr_v4(idst);
	e.quote = q + ihl;
	e.quote_len = tlen;
	e.now = ip->now;
	const struct hz_ip_upper *up = upper_find(ip, e.proto);
	if (!up || !up->error)
		return dropped(ip, HZ_IPV4_DROP_ICMP_UNMATCHED, HZ_ERR_NOT_FOUND);
	up->error(up->ctx, &e);
	ip->rx_delivered++;
	return HZ_OK;
}

/* RFC 792 echo, RFC 1122 3.2.2.6: the reply carries the request's data,
 * id and sequence, from the address the request was sent to. */
static int echo_reply(struct hz_ipv4 *ip, const struct hz_ipv4_hdr *h,
                      const struct hz_ipv4_icmp *m, uint8_t rxflags)
{
	if (rxflags && !ip->cfg.echo_broadcast)
		return dropped(ip, HZ_IPV4_DROP_ECHO_BCAST, HZ_ERR_REFUSED);
	if (h->src == 0 || !ip->addr) /* nobody to answer, or no address to answer from */
		return dropped(ip, HZ_IPV4_DROP_ICMP_IGNORED, HZ_ERR_NO_ROUTE);
	size_t head = (size_t)HZ_IPV4_HDR_LEN + ip->link.headroom;
	if (head > ip->txcap || HZ_IPV4_ICMP_HDR_LEN + m->data_len > ip->txcap - head)
		return dropped(ip, HZ_IPV4_DROP_ECHO_TOO_BIG, HZ_ERR_TOO_BIG);
	uint32_t src = rxflags ? ip->addr : h->dst;
	int rc = icmp_send(ip, src, h->src, HZ_IPV4_ICMP_ECHO_REPLY, 0, m->rest, h->tos, m->data,
	                   m->data_len, NULL, 0);
	if (rc < 0)
		return dropped(ip, HZ_IPV4_DROP_ICMP_TX_FAILED, rc);
	ip->echo_replies++;
	ip->rx_delivered++;
	return HZ_OK;
}

/* rxflags: how the datagram was addressed (HZ_IP_RX_BCAST/MCAST); meta:
 * what the link vouched for (HZ_IP_RX_CSUM_VALID). Kept apart because
 * rxflags != 0 means "not unicast to us" everywhere else in this file. */
static int deliver_upper(struct hz_ipv4 *ip, const struct hz_ip_upper *up,
                         const struct hz_ipv4_hdr *h, uint8_t rxflags, uint8_t meta)
{
	struct hz_ip_rx rx;
	hz_memset(&rx, 0, sizeof rx);
	rx.src = hz_ipaddr_v4(h->src);
	rx.dst = hz_ipaddr_v4(h->dst);
	rx.proto = h->proto;
	rx.ttl = h->ttl;
	rx.tos = h->tos;
	rx.flags = (uint8_t)(rxflags | (meta & HZ_IP_RX_CSUM_VALID));
	rx.pseudo = hz_ipv4_pseudo(h->src, h->dst, h->proto, h->payload_len);
	rx.ip = &ip->ip;
	rx.now = ip->now;
	return up->input(up->ctx, &rx, h->payload, h->payload_len);
}

static int icmp_in(struct hz_ipv4 *ip, const struct hz_ipv4_hdr *h, uint8_t rxflags)
{
	struct hz_ipv4_icmp m;
	enum hz_ipv4_drop why;
	int rc = hz_ipv4_icmp_parse(&m, h->payload, h->payload_len, &why);
	if (rc)
		return dropped(ip, why, rc);
	switch (m.type) {
	case HZ_IPV4_ICMP_ECHO:
		if (ip->cfg.echo_reply)
			return echo_reply(ip, h, &m, rxflags);
		break;
	case HZ_IPV4_ICMP_DEST_UNREACH:
	case HZ_IPV4_ICMP_TIME_EXCEEDED:
	case HZ_IPV4_ICMP_PARAM_PROBLEM:
		return icmp_error_in(ip, h, &m);
	default:
		/* Source quench (deprecated, RFC 6633) and redirects (a host
		 * with one gateway has nothing to learn) end here, as do
		 * replies: an ICMP upper (a ping tool) may want them. */
		break;
	}
	const struct hz_ip_upper *up = upper_find(ip, HZ_IPV4_PROTO_ICMP);
	if (!up || m.type == HZ_IPV4_ICMP_ECHO)
		return dropped(ip, HZ_IPV4_DROP_ICMP_IGNORED, HZ_ERR_UNSUPPORTED);
	rc = deliver_upper(ip, up, h, rxflags, 0); /* the ICMP sum was checked here */
	if (rc < 0)
		return rc; /* the upper layer counted its own drop reason */
	ip->rx_delivered++;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

static int deliver(struct hz_ipv4 *ip, const struct hz_ipv4_hdr *h, const uint8_t *pkt,
                   uint8_t rxflags, uint8_t meta, enum hz_cast l2cast)
{
	if (h->proto == HZ_IPV4_PROTO_ICMP)
		return icmp_in(ip, h, rxflags);
	const struct hz_ip_upper *up = upper_find(ip, h->proto);
	int rc;
	if (!up) {
		ip->drops[HZ_IPV4_DROP_NO_PROTO]++;
		rc = HZ_ERR_UNSUPPORTED;
		goto unreach; /* RFC 1122 3.2.2.1: protocol unreachable */
	}
	rc = deliver_upper(ip, up, h, rxflags, meta);
	/* A refusing or failing upper layer has counted the drop under its
	 * own reason (udp.no_socket, ...): one drop, one counter. */
	if (rc == HZ_ERR_REFUSED)
		goto unreach;
	if (rc < 0)
		return rc;
	ip->rx_delivered++;
	return HZ_OK;
unreach:
	if (!rxflags) {
		uint8_t code = up ? HZ_IPV4_ICMP_PORT_UNREACH : HZ_IPV4_ICMP_PROTO_UNREACH;
		if (pkt)
			(void)hz_ipv4_icmp_error(ip, HZ_IPV4_ICMP_DEST_UNREACH, code, 0, pkt,
			                         (size_t)h->total_len, l2cast);
		else
			icmp_error_hdr(ip, HZ_IPV4_ICMP_DEST_UNREACH, code, h, l2cast);
	} else {
		ip->icmp_suppressed++;
	}
	return rc;
}

static void reasm_expired(void *ctx, const uint8_t *hdr, size_t hl, const uint8_t *data,
                          size_t dlen)
{
	struct hz_ipv4 *ip = (struct hz_ipv4 *)ctx;
	ip->drops[HZ_IPV4_DROP_FRAG_TIMEOUT]++;
	/* RFC 792 / RFC 1122 3.3.2: time exceeded, fragment reassembly. */
	(void)icmp_error2(ip, HZ_IPV4_ICMP_TIME_EXCEEDED, HZ_IPV4_ICMP_REASM_EXCEEDED, 0, hdr, hl,
	                  data, dlen, HZ_CAST_UNICAST);
}

static void reasm_run(struct hz_ipv4 *ip, hz_time_t now)
{
	uint64_t before = ip->reasm.timeouts, reported = ip->drops[HZ_IPV4_DROP_FRAG_TIMEOUT];
	hz_ipv4_reasm_poll(&ip->reasm, now, reasm_expired, ip);
	/* Datagrams that expired without a first fragment were counted by the
	 * reassembler only. */
	uint64_t silent = (ip->reasm.timeouts - before) - (ip->drops[HZ_IPV4_DROP_FRAG_TIMEOUT] - reported);
	ip->drops[HZ_IPV4_DROP_FRAG_TIMEOUT] += silent;
}

int hz_ipv4_input(struct hz_ipv4 *ip, const uint8_t *pkt, size_t len, enum hz_cast l2cast,
                  hz_time_t now)
{
	return hz_ipv4_input_meta(ip, pkt, len, l2cast, 0, now);
}

int hz_ipv4_input_meta(struct hz_ipv4 *ip, const uint8_t *pkt, size_t len, enum hz_cast l2cast,
                       uint8_t meta, hz_time_t now)
{
	if (now > ip->now)
		ip->now = now;
	if (now >= ip->reasm.next_deadline)
		reasm_run(ip, now);

	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why;
	int rc = hz_ipv4_hdr_parse(&h, pkt, len, &why);
	if (rc < 0)
		return dropped(ip, why, rc);
	ip->rx_packets++;

	/* RFC 1122 3.2.1.7: we are the destination, so any TTL, even 0, is
	 * fine: the TTL limits forwarding, which a host does not do. */
	uint8_t rxflags;
	if (ip->addr && h.dst == ip->addr)
		rxflags = 0;
	else if (is_bcast(ip, h.dst))
		rxflags = HZ_IP_RX_BCAST;
	else if (hz_ipv4_addr_is_multicast(h.dst) &&
	         (l2cast != HZ_CAST_UNICAST || h.dst == HZ_IPV4_ALL_HOSTS))
		rxflags = HZ_IP_RX_MCAST; /* group membership is the link's filter */
	else
		return dropped(ip, HZ_IPV4_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
	/* RFC 1122 3.3.6: a link broadcast must carry an IP broadcast or
	 * multicast; anything else is discarded. */
	if (!rxflags && l2cast != HZ_CAST_UNICAST)
		return dropped(ip, HZ_IPV4_DROP_L2_BCAST_UNICAST, HZ_ERR_MALFORMED);
	/* RFC 1122 3.2.1.3: our own subnet's broadcast is no source either. */
	if (ip->addr && h.src != 0 && is_bcast(ip, h.src))
		return dropped(ip, HZ_IPV4_DROP_MARTIAN_SRC, HZ_ERR_MALFORMED);
	/* We neither forward nor reverse source routes (RFC 1122 3.2.1.8
	 * would make us reverse one in replies); like Linux's default, drop. */
	if (h.opts & (HZ_IPV4_OPTF_LSRR | HZ_IPV4_OPTF_SSRR))
		return dropped(ip, HZ_IPV4_DROP_SOURCE_ROUTE, HZ_ERR_UNSUPPORTED);

	if (hz_ipv4_hdr_is_fragment(&h)) {
		struct hz_ipv4_hdr full;
		rc = hz_ipv4_reasm_input(&ip->reasm, &h, now, &full, &why);
		if (rc == HZ_ERR_WOULD_BLOCK)
			return HZ_OK;
		if (rc < 0)
			return dropped(ip, why, rc);
		/* The other fragments came in frames the link said nothing
		 * about: the transport verifies the whole datagram. */
		return deliver(ip, &full, NULL, rxflags, 0, l2cast);
	}
	return deliver(ip, &h, pkt, rxflags, meta & HZ_IP_RX_CSUM_VALID, l2cast);
}

hz_time_t hz_ipv4_poll(struct hz_ipv4 *ip, hz_time_t now)
{
	if (now > ip->now)
		ip->now = now;
	reasm_run(ip, now);
	hz_ratelimit_refill(&ip->icmp_limit, now);
	for (size_t i = 0; i < HZ_IPV4_PMTU_ENTRIES; i++)
		if (ip->pmtu[i].dst && ip->pmtu[i].expires <= now)
			ip->pmtu[i].dst = 0; /* RFC 1191 6.3: try the larger MTU again */
	return ip->reasm.next_deadline;
}
