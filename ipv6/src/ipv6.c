/* The IPv6 host engine: RFC 8200 (header, extension headers, fragments),
 * RFC 4443 (ICMPv6), RFC 4861 (neighbour discovery), RFC 4862 and RFC 7217
 * (SLAAC, DAD, stable identifiers), RFC 3810 (MLDv2 reports), RFC 6724
 * (source selection basics), RFC 8201 (path MTU). A host: no forwarding. */
#include "haze/ipv6.h"

/* RFC 4861 section 10 constants (host side). */
#define MAX_RTR_SOLICITATION_DELAY HZ_SEC(1)
#define RTR_SOLICITATION_INTERVAL HZ_SEC(4)
#define MAX_MULTICAST_SOLICIT 3
#define MAX_UNICAST_SOLICIT 3
#define DELAY_FIRST_PROBE_TIME HZ_SEC(5)
#define REACHABLE_TIME_MS 30000u
#define RETRANS_TIMER_MS 1000u
/* RFC 7217 section 6. */
#define IDGEN_RETRIES 3
#define IDGEN_DELAY HZ_SEC(1)
/* RFC 3810 section 9. */
#define MLD_ROBUSTNESS 2
#define MLD_UNSOLICITED_INTERVAL HZ_SEC(1)
#define MLD_OLDER_QUERIER_PRESENT HZ_SEC(260) /* 2 x 125 s + 10 s */
/* RFC 4862 5.5.3 (e). */
#define TWO_HOURS HZ_SEC(7200)
/* RFC 4443 2.4 (c): an error fits in the minimum MTU. */
#define ICMP_ERR_MAX HZ_IPV6_MIN_MTU
#define FRAG_HDR_LEN 8
#define LIFETIME_INFINITE 0xffffffffu

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
static const uint8_t all_mldv2_routers[16] = { 0xff, 0x02, [15] = 0x16 };
static const uint8_t unspecified[16];

void hz_ipv6_config_default(struct hz_ipv6_config *cfg)
{
	hz_memset(cfg, 0, sizeof *cfg);
	cfg->hop_limit = 64;
	cfg->mtu = 1500;
	cfg->link_local = true;
	cfg->slaac = true;
	cfg->accept_ra = true;
	cfg->accept_redirects = true;
	cfg->rtr_solicits = 3;
	cfg->dad_transmits = 1;
	cfg->mld = true;
	cfg->reasm_max_size = 16384;
	cfg->reasm_max_frags = 64;
	cfg->reasm_timeout = HZ_SEC(60);
	cfg->icmp_rate = 100;
	cfg->icmp_burst = 10;
	cfg->pmtu_timeout = HZ_SEC(600);
	cfg->echo_reply = true;
	cfg->echo_multicast = true;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static bool a_eq(const uint8_t *a, const uint8_t *b)
{
	return hz_memcmp(a, b, 16) == 0;
}

static struct hz_ipaddr to_ipaddr(const uint8_t a[16])
{
	struct hz_ipaddr r;
	r.family = HZ_AF_INET6;
	hz_memcpy(r.b, a, 16);
	return r;
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (hz_memcmp(a, p, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xffu << (8 - rest));
	return (a[full] & m) == (p[full] & m);
}

static unsigned common_prefix(const uint8_t *a, const uint8_t *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t x = (uint8_t)(a[i] ^ b[i]);
		if (!x) {
			n += 8;
			continue;
		}
		while (!(x & 0x80u)) {
			n++;
			x = (uint8_t)(x << 1);
		}
		return n;
	}
	return n;
}

static hz_time_t rand_upto(struct hz_ipv6 *ip, hz_time_t max)
{
	if (!max)
		return 0;
	return (hz_time_t)hz_random_u32(ip->shim) % (max + 1);
}

static hz_time_t after_s(hz_time_t now, uint32_t secs)
{
	if (secs == LIFETIME_INFINITE)
		return HZ_TIME_NEVER;
	return now + HZ_SEC(secs);
}

static void emit_event(struct hz_ipv6 *ip, enum hz_ipv6_event_kind kind, const uint8_t *addr,
                       uint8_t plen, const uint8_t *lladdr, uint32_t value)
{
	if (!ip->event)
		return;
	struct hz_ipv6_event ev;
	hz_memset(&ev, 0, sizeof ev);
	ev.kind = (uint8_t)kind;
	if (addr)
		ev.addr = to_ipaddr(addr);
	ev.plen = plen;
	if (lladdr)
		hz_memcpy(ev.lladdr, lladdr, HZ_MAC_LEN);
	ev.value = value;
	ev.now = ip->now;
	ip->event(ip->event_ctx, &ev);
}

static int dropped(struct hz_ipv6 *ip, enum hz_ipv6_drop why, int err)
{
	ip->drops[why]++;
	return err;
}

static void reachable_draw(struct hz_ipv6 *ip)
{
	/* RFC 4861 6.3.2: uniformly in [0.5, 1.5] x BaseReachableTime. */
	uint32_t base = ip->base_reachable_ms;
	ip->reachable_ms = base / 2u + (uint32_t)rand_upto(ip, base);
	ip->reachable_rand_at = ip->now;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

static struct hz_ipv6_addr *addr_lookup(struct hz_ipv6 *ip, const uint8_t a[16])
{
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++)
		if (ip->addrs[i].state != HZ_IPV6_ADDR_FREE && a_eq(ip->addrs[i].addr, a))
			return &ip->addrs[i];
	return NULL;
}

const struct hz_ipv6_addr *hz_ipv6_addr_find(const struct hz_ipv6 *ip, const uint8_t addr[16])
{
	return addr_lookup((struct hz_ipv6 *)ip, addr);
}

static bool addr_usable(const struct hz_ipv6_addr *e)
{
	return e->state == HZ_IPV6_ADDR_PREFERRED || e->state == HZ_IPV6_ADDR_DEPRECATED;
}

static bool is_ours(struct hz_ipv6 *ip, const uint8_t a[16])
{
	const struct hz_ipv6_addr *e = addr_lookup(ip, a);
	return e && addr_usable(e);
}

static struct hz_ipv6_group *group_lookup(struct hz_ipv6 *ip, const uint8_t g[16])
{
	for (size_t i = 0; i < HZ_IPV6_GROUPS; i++)
		if (ip->groups[i].refs && a_eq(ip->groups[i].addr, g))
			return &ip->groups[i];
	return NULL;
}

bool hz_ipv6_group_joined(const struct hz_ipv6 *ip, const uint8_t group[16])
{
	const struct hz_ipv6_group *g = group_lookup((struct hz_ipv6 *)ip, group);
	return g && !g->leaving;
}

static struct hz_ipv6_neigh *neigh_lookup(struct hz_ipv6 *ip, const uint8_t a[16])
{
	for (size_t i = 0; i < ip->st.nneigh; i++)
		if (ip->st.neigh[i].state != HZ_IPV6_ND_FREE && a_eq(ip->st.neigh[i].addr, a))
			return &ip->st.neigh[i];
	return NULL;
}

const struct hz_ipv6_neigh *hz_ipv6_neigh_find(const struct hz_ipv6 *ip, const uint8_t addr[16])
{
	return neigh_lookup((struct hz_ipv6 *)ip, addr);
}

static struct hz_ipv6_router *router_lookup(struct hz_ipv6 *ip, const uint8_t a[16])
{
	for (size_t i = 0; i < HZ_IPV6_ROUTERS; i++)
		if (!a_eq(ip->routers[i].addr, unspecified) && a_eq(ip->routers[i].addr, a))
			return &ip->routers[i];
	return NULL;
}

static void router_remove(struct hz_ipv6 *ip, struct hz_ipv6_router *r)
{
	uint8_t a[16];
	hz_memcpy(a, r->addr, 16);
	hz_memset(r, 0, sizeof *r);
	/* Redirects through a router that is gone go with it. */
	for (size_t i = 0; i < HZ_IPV6_DESTS; i++)
		if (ip->dests[i].redirected && a_eq(ip->dests[i].nexthop, a))
			ip->dests[i].redirected = false;
	emit_event(ip, HZ_IPV6_EV_ROUTER_GONE, a, 0, NULL, 0);
}

static struct hz_ipv6_dest *dest_lookup(struct hz_ipv6 *ip, const uint8_t d[16])
{
	for (size_t i = 0; i < HZ_IPV6_DESTS; i++)
		if (!a_eq(ip->dests[i].dst, unspecified) && a_eq(ip->dests[i].dst, d))
			return &ip->dests[i];
	return NULL;
}

static struct hz_ipv6_dest *dest_get(struct hz_ipv6 *ip, const uint8_t d[16])
{
	struct hz_ipv6_dest *e = dest_lookup(ip, d);
	if (e)
		return e;
	/* A free entry, else the least recently used. */
	e = &ip->dests[0];
	for (size_t i = 0; i < HZ_IPV6_DESTS; i++) {
		struct hz_ipv6_dest *c = &ip->dests[i];
		if (a_eq(c->dst, unspecified)) {
			e = c;
			break;
		}
		if (c->used < e->used)
			e = c;
	}
	hz_memset(e, 0, sizeof *e);
	hz_memcpy(e->dst, d, 16);
	e->used = ip->now;
	return e;
}

/* ------------------------------------------------------------------ */
/* Routing: next hop, source, path MTU                                 */
/* ------------------------------------------------------------------ */

static bool on_link(struct hz_ipv6 *ip, const uint8_t d[16])
{
	if (hz_ipv6_addr_is_link_local(d) || hz_ipv6_addr_is_multicast(d))
		return true;
	for (size_t i = 0; i < HZ_IPV6_PREFIXES; i++) {
		const struct hz_ipv6_prefix *p = &ip->prefixes[i];
		if (p->expires > ip->now && prefix_match(d, p->prefix, p->plen))
			return true;
	}
	return false;
}

/* RFC 4861 6.3.6: prefer a router whose reachability is not in doubt,
 * then the highest RFC 4191 preference. */
static const struct hz_ipv6_router *router_pick(struct hz_ipv6 *ip)
{
	const struct hz_ipv6_router *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < HZ_IPV6_ROUTERS; i++) {
		const struct hz_ipv6_router *r = &ip->routers[i];
		if (a_eq(r->addr, unspecified) || r->expires <= ip->now)
			continue;
		const struct hz_ipv6_neigh *n = neigh_lookup(ip, r->addr);
		/* "reachable or probably reachable": an entry not INCOMPLETE;
		 * no entry at all is "unknown" and not preferred. */
		int score = (n && n->state != HZ_IPV6_ND_INCOMPLETE) ? 8 : 0;
		static const int prf_rank[4] = { 2, 3, 2, 1 }; /* medium, high, (reserved), low */
		score += prf_rank[r->prf & 3u];
		if (score > best_score) {
			best = r;
			best_score = score;
		}
	}
	return best;
}

int hz_ipv6_nexthop(struct hz_ipv6 *ip, const uint8_t dst[16], uint8_t nexthop[16])
{
	if (a_eq(dst, unspecified) || addr_lookup(ip, dst))
		return HZ_ERR_NO_ROUTE; /* no loopback device */
	const struct hz_ipv6_dest *d = dest_lookup(ip, dst);
	if (d && d->redirected) {
		hz_memcpy(nexthop, d->nexthop, 16);
		return HZ_OK;
	}
	if (on_link(ip, dst)) {
		hz_memcpy(nexthop, dst, 16);
		return HZ_OK;
	}
	const struct hz_ipv6_router *r = router_pick(ip);
	if (!r)
		return HZ_ERR_NO_ROUTE; /* RFC 4943: no on-link assumption */
	hz_memcpy(nexthop, r->addr, 16);
	return HZ_OK;
}

/* RFC 6724 section 5, rules 1 (same address), 2 (appropriate scope),
 * 3 (avoid deprecated) and 8 (longest matching prefix). Returns whether
 * a is better than b for dst. */
static bool src_better(const struct hz_ipv6_addr *a, const struct hz_ipv6_addr *b,
                       const uint8_t dst[16])
{
	if (a_eq(a->addr, dst))
		return true;
	if (a_eq(b->addr, dst))
		return false;
	unsigned sa = hz_ipv6_addr_scope(a->addr), sb = hz_ipv6_addr_scope(b->addr);
	unsigned sd = hz_ipv6_addr_scope(dst);
	if (sa != sb) {
		if (sa < sb)
			return sa >= sd;
		return sb < sd;
	}
	bool da = a->state == HZ_IPV6_ADDR_DEPRECATED, db = b->state == HZ_IPV6_ADDR_DEPRECATED;
	if (da != db)
		return db;
	return common_prefix(a->addr, dst) > common_prefix(b->addr, dst);
}

int hz_ipv6_source(const struct hz_ipv6 *ip, const uint8_t dst[16], uint8_t src[16])
{
	const struct hz_ipv6_addr *best = NULL;
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		const struct hz_ipv6_addr *e = &ip->addrs[i];
		if (!addr_usable(e))
			continue;
		if (!best || src_better(e, best, dst))
			best = e;
	}
	if (!best)
		return HZ_ERR_NO_ROUTE;
	hz_memcpy(src, best->addr, 16);
	return HZ_OK;
}

size_t hz_ipv6_path_mtu(const struct hz_ipv6 *ip, const uint8_t dst[16])
{
	size_t mtu = ip->link_mtu;
	for (size_t i = 0; i < HZ_IPV6_DESTS; i++) {
		const struct hz_ipv6_dest *d = &ip->dests[i];
		if (d->pmtu && d->pmtu_expires > ip->now && a_eq(d->dst, dst)) {
			mtu = HZ_MIN(mtu, d->pmtu);
			break;
		}
	}
	return HZ_MAX(mtu, (size_t)HZ_IPV6_MIN_MTU);
}

/* RFC 8201 section 4: only ever lower, never below 1280 (RFC 8200 5). */
static void pmtu_learn(struct hz_ipv6 *ip, const uint8_t dst[16], uint32_t mtu)
{
	if (mtu < HZ_IPV6_MIN_MTU)
		mtu = HZ_IPV6_MIN_MTU;
	if (mtu >= hz_ipv6_path_mtu(ip, dst))
		return;
	struct hz_ipv6_dest *d = dest_get(ip, dst);
	d->pmtu = (uint16_t)mtu;
	d->pmtu_expires = ip->now + ip->cfg.pmtu_timeout;
	d->used = ip->now;
}

/* ------------------------------------------------------------------ */
/* Transmit: link, neighbour resolution, fragmentation                 */
/* ------------------------------------------------------------------ */

static void ns_send(struct hz_ipv6 *ip, const uint8_t target[16], bool unicast,
                    const uint8_t *ll, const struct hz_ipv6_addr *dad);

static void pending_drop(struct hz_ipv6 *ip, const uint8_t nexthop[16])
{
	for (size_t i = 0; i < ip->st.npending; i++) {
		struct hz_ipv6_pending *p = &ip->st.pending[i];
		if (p->len && a_eq(p->nexthop, nexthop)) {
			p->len = 0;
			ip->tx_resolve_failed++;
		}
	}
}

static void pending_flush(struct hz_ipv6 *ip, const struct hz_ipv6_neigh *n)
{
	for (size_t i = 0; i < ip->st.npending; i++) {
		struct hz_ipv6_pending *p = &ip->st.pending[i];
		if (!p->len || !a_eq(p->nexthop, n->addr))
			continue;
		struct hz_pbuf pb;
		hz_pbuf_init(&pb, ip->st.qbuf + i * ip->st.qslot, ip->st.qslot, ip->link.headroom);
		pb.len = p->len;
		p->len = 0; /* free before sending: the link may call back into us */
		uint8_t dst[16];
		hz_memcpy(dst, hz_pbuf_data(&pb) + 24, 16);
		if (ip->link.output(ip->link.ctx, &pb, n->lladdr, dst) >= 0)
			ip->tx_packets++;
	}
}

/* Queue one packet (pb's data, an IPv6 packet) by copy until nexthop
 * resolves (RFC 4861 7.2.2). The oldest packet for the same next hop
 * makes room when the queue is full. */
static int pending_add(struct hz_ipv6 *ip, const struct hz_pbuf *pb, const uint8_t nexthop[16])
{
	if (!ip->st.npending || pb->len + ip->link.headroom > ip->st.qslot) {
		ip->tx_queue_full++;
		return HZ_ERR_NO_SPACE;
	}
	struct hz_ipv6_pending *slot = NULL, *oldest = NULL;
	size_t idx = 0;
	for (size_t i = 0; i < ip->st.npending; i++) {
		struct hz_ipv6_pending *p = &ip->st.pending[i];
		if (!p->len) {
			slot = p;
			idx = i;
			break;
		}
		if (a_eq(p->nexthop, nexthop) && (!oldest || p->since < oldest->since)) {
			oldest = p;
			idx = i;
		}
	}
	if (!slot) {
		if (!oldest) {
			ip->tx_queue_full++;
			return HZ_ERR_NO_SPACE;
		}
		slot = oldest;
		ip->tx_queue_full++;
	}
	hz_memcpy(ip->st.qbuf + idx * ip->st.qslot + ip->link.headroom, hz_pbuf_data(pb), pb->len);
	slot->len = (uint16_t)pb->len;
	hz_memcpy(slot->nexthop, nexthop, 16);
	slot->since = ip->now;
	return HZ_OK;
}

/* A neighbour entry for addr: a free one, else the least recently used
 * entry that is not resolving, else the oldest resolving one (its queue
 * is dropped). */
static struct hz_ipv6_neigh *neigh_alloc(struct hz_ipv6 *ip, const uint8_t addr[16])
{
	struct hz_ipv6_neigh *lru = NULL, *lru_inc = NULL, *victim = NULL;
	for (size_t i = 0; i < ip->st.nneigh && !victim; i++) {
		struct hz_ipv6_neigh *n = &ip->st.neigh[i];
		if (n->state == HZ_IPV6_ND_FREE)
			victim = n;
		else if (n->state == HZ_IPV6_ND_INCOMPLETE)
			lru_inc = (!lru_inc || n->used < lru_inc->used) ? n : lru_inc;
		else
			lru = (!lru || n->used < lru->used) ? n : lru;
	}
	if (!victim)
		victim = lru ? lru : lru_inc;
	if (!victim)
		return NULL;
	if (victim->state == HZ_IPV6_ND_INCOMPLETE)
		pending_drop(ip, victim->addr);
	hz_memset(victim, 0, sizeof *victim);
	hz_memcpy(victim->addr, addr, 16);
	victim->used = ip->now;
	return victim;
}

static void neigh_reachable(struct hz_ipv6 *ip, struct hz_ipv6_neigh *n)
{
	n->state = HZ_IPV6_ND_REACHABLE;
	n->probes = 0;
	n->timer = ip->now + HZ_MSEC(ip->reachable_ms);
}

static void neigh_stale(struct hz_ipv6_neigh *n)
{
	n->state = HZ_IPV6_ND_STALE;
	n->probes = 0;
	n->timer = HZ_TIME_NEVER;
}

/* Hand one finished IPv6 packet to the link: multicast directly, unicast
 * through the neighbour cache (RFC 4861 7.2.2 and 7.3.3). */
static int xmit(struct hz_ipv6 *ip, struct hz_pbuf *pb, const uint8_t nexthop[16],
                const uint8_t dst[16])
{
	int rc;
	if (hz_ipv6_addr_is_multicast(dst)) {
		rc = ip->link.output(ip->link.ctx, pb, NULL, dst);
		goto sent;
	}
	struct hz_ipv6_neigh *n = neigh_lookup(ip, nexthop);
	if (!n) {
		n = neigh_alloc(ip, nexthop);
		if (!n) {
			ip->tx_queue_full++;
			return HZ_ERR_NO_SPACE;
		}
		n->state = HZ_IPV6_ND_INCOMPLETE;
		n->probes = 1;
		n->timer = ip->now + HZ_MSEC(ip->retrans_ms);
		rc = pending_add(ip, pb, nexthop);
		ns_send(ip, nexthop, false, NULL, NULL);
		return rc;
	}
	n->used = ip->now;
	switch (n->state) {
	case HZ_IPV6_ND_INCOMPLETE:
		return pending_add(ip, pb, nexthop);
	case HZ_IPV6_ND_STALE:
		/* 7.3.3: first use of a stale entry starts the delay. */
		n->state = HZ_IPV6_ND_DELAY;
		n->timer = ip->now + DELAY_FIRST_PROBE_TIME;
		break;
	default:
		break;
	}
	rc = ip->link.output(ip->link.ctx, pb, n->lladdr, dst);
sent:
	if (rc < 0)
		return rc;
	ip->tx_packets++;
	return HZ_OK;
}

static void hdr_fill(struct hz_ipv6_hdr *h, const uint8_t src[16], const uint8_t dst[16],
                     uint8_t next, uint8_t hlim, uint8_t tclass, size_t plen)
{
	hz_memset(h, 0, sizeof *h);
	h->tclass = tclass;
	h->payload_len = (uint16_t)plen;
	h->next = next;
	h->hop_limit = hlim;
	h->src = to_ipaddr(src);
	h->dst = to_ipaddr(dst);
}

/* Send pb's data (what follows the fixed header: extension headers and
 * the upper-layer message) from src to dst. Fragments in place (RFC 8200
 * 4.5) when larger than the path MTU and df is clear: each slice's
 * leading bytes are saved, overwritten with its headers, sent and
 * restored, so pb is the caller's again, unchanged. */
static int send_pkt(struct hz_ipv6 *ip, struct hz_pbuf *pb, const uint8_t src[16],
                    const uint8_t dst[16], uint8_t next, uint8_t hlim, uint8_t tclass, bool df)
{
	uint8_t nh[16];
	if (hz_ipv6_nexthop(ip, dst, nh)) {
		ip->tx_no_route++;
		return HZ_ERR_NO_ROUTE;
	}
	const size_t hl = HZ_IPV6_HDR_LEN, lh = ip->link.headroom;
	if (pb->head < hl + FRAG_HDR_LEN + lh || pb->head + pb->len > pb->cap)
		return HZ_ERR_NO_SPACE;
	if (pb->len > 0xffffu)
		return HZ_ERR_TOO_BIG;
	if (!hlim)
		hlim = ip->cur_hop_limit;
	size_t mtu = hz_ipv6_path_mtu(ip, dst);
	struct hz_ipv6_hdr h;

	if (hl + pb->len <= mtu) {
		struct hz_pbuf p = *pb;
		uint8_t *hp = hz_pbuf_push(&p, hl);
		hdr_fill(&h, src, dst, next, hlim, tclass, pb->len);
		(void)hz_ipv6_hdr_emit(&h, hp, hl);
		if (p.flags & HZ_PBUF_F_CSUM_PARTIAL)
			p.csum_start = (uint16_t)(p.csum_start + hl);
		return xmit(ip, &p, nh, dst);
	}
	if (df)
		return HZ_ERR_TOO_BIG;
	if (lh > HZ_PBUF_HEADROOM)
		return HZ_ERR_INVALID;

	/* The device cannot finish a checksum whose header travels in the
	 * first fragment only: finish it here, restore the field after. */
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
		if (c == 0 && next == HZ_IPV6_NH_UDP)
			c = 0xffff; /* RFC 8200 8.1: UDP never sends zero */
		hz_be16_store(field, c);
	}
	/* RFC 8200 4.5; RFC 7739: identifications are not predictable. */
	uint32_t id = hz_random_u32(ip->shim);
	size_t maxdata = (mtu - hl - FRAG_HDR_LEN) & ~(size_t)7;
	const size_t fl = hl + FRAG_HDR_LEN;
	uint8_t save[HZ_IPV6_HDR_LEN + FRAG_HDR_LEN + HZ_PBUF_HEADROOM];
	int rc = HZ_OK;
	for (size_t off = 0; off < pb->len;) {
		size_t n = HZ_MIN(maxdata, pb->len - off);
		bool more = off + n < pb->len;
		size_t start = pb->head + off;
		struct hz_pbuf p;
		p.base = pb->base;
		p.cap = more ? start + n : pb->cap;
		p.head = start - fl;
		p.len = fl + n;
		p.flags = 0;
		p.csum_start = 0;
		p.csum_off = 0;
		uint8_t *front = pb->base + start - fl - lh;
		if (off)
			hz_memcpy(save, front, fl + lh);
		uint8_t *hp = pb->base + start - fl;
		hdr_fill(&h, src, dst, HZ_IPV6_NH_FRAGMENT, hlim, tclass, FRAG_HDR_LEN + n);
		(void)hz_ipv6_hdr_emit(&h, hp, hl);
		uint8_t *fh = hp + hl;
		fh[0] = next;
		fh[1] = 0;
		hz_be16_store(fh + 2, (uint16_t)(off | (more ? 1u : 0u)));
		hz_be32_store(fh + 4, id);
		rc = xmit(ip, &p, nh, dst);
		if (off)
			hz_memcpy(front, save, fl + lh);
		if (rc < 0)
			break;
		off += n;
	}
	if (field)
		hz_memcpy(field, field_save, 2);
	if (rc == HZ_OK)
		ip->tx_fragmented++;
	return rc;
}

/* The transmit buffer for messages the engine makes itself. */
static bool tx_begin(struct hz_ipv6 *ip, struct hz_pbuf *pb)
{
	size_t head = HZ_IPV6_HDR_LEN + FRAG_HDR_LEN + (size_t)ip->link.headroom;
	if (ip->tx_busy || head >= ip->st.txcap)
		return false;
	hz_pbuf_init(pb, ip->st.txbuf, ip->st.txcap, head);
	ip->tx_busy = true;
	return true;
}

/* ND messages are small (RS, NS, NA: at most 40 bytes with their
 * options), so they are built on the stack, never in txbuf: a solicitation
 * may be needed while txbuf holds the reply that waits for it. */
#define ND_BUF (HZ_PBUF_HEADROOM + HZ_IPV6_HDR_LEN + FRAG_HDR_LEN + 64)

/* Send an ND message (hop limit 255, RFC 4861 6.1, 7.1) from src to dst:
 * to ll when given, straight to the link for a group, else through the
 * neighbour cache. */
static int nd_send(struct hz_ipv6 *ip, const struct hz_ipv6_nd *nd, const uint8_t src[16],
                   const uint8_t dst[16], const uint8_t *ll)
{
	uint8_t buf[ND_BUF];
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, buf, sizeof buf, HZ_IPV6_HDR_LEN + FRAG_HDR_LEN + (size_t)ip->link.headroom);
	struct hz_ipaddr s = to_ipaddr(src), d = to_ipaddr(dst);
	int n = hz_ipv6_nd_emit(nd, &s, &d, hz_pbuf_data(&pb), hz_pbuf_tailroom(&pb));
	if (n <= 0)
		return n < 0 ? n : HZ_ERR_INTERNAL;
	pb.len = (size_t)n;
	if (!ll && !hz_ipv6_addr_is_multicast(dst))
		return send_pkt(ip, &pb, src, dst, HZ_IPV6_NH_ICMPV6, 255, 0, true);
	struct hz_ipv6_hdr h;
	hdr_fill(&h, src, dst, HZ_IPV6_NH_ICMPV6, 255, 0, pb.len);
	(void)hz_ipv6_hdr_emit(&h, hz_pbuf_push(&pb, HZ_IPV6_HDR_LEN), HZ_IPV6_HDR_LEN);
	int rc = ip->link.output(ip->link.ctx, &pb, ll, dst);
	if (rc < 0)
		return rc;
	ip->tx_packets++;
	return HZ_OK;
}

/* RFC 4861 7.2.2 (resolution, multicast to the solicited-node group),
 * 7.3.3 (PROBE, unicast to the cached address) and RFC 4862 5.4.2 (DAD:
 * from ::, no SLLA, with the RFC 7527 nonce). */
static void ns_send(struct hz_ipv6 *ip, const uint8_t target[16], bool unicast,
                    const uint8_t *ll, const struct hz_ipv6_addr *dad)
{
	struct hz_ipv6_nd nd;
	hz_memset(&nd, 0, sizeof nd);
	nd.type = HZ_IPV6_ICMP_NEIGHBOR_SOLICIT;
	hz_memcpy(nd.target, target, 16);
	uint8_t src[16], dst[16];
	if (dad) {
		hz_memset(src, 0, 16);
		nd.has_nonce = true;
		hz_memcpy(nd.nonce, dad->nonce, HZ_IPV6_ND_NONCE_LEN);
	} else {
		if (hz_ipv6_source(ip, target, src))
			return; /* no usable address yet */
		nd.has_slla = true;
		hz_memcpy(nd.slla, ip->link.lladdr, HZ_MAC_LEN);
	}
	if (unicast && ll)
		hz_memcpy(dst, target, 16);
	else
		hz_ipv6_addr_solicited(dst, target);
	if (nd_send(ip, &nd, src, dst, unicast ? ll : NULL) == HZ_OK)
		ip->ns_tx++;
}

/* ------------------------------------------------------------------ */
/* MLD (RFC 3810; RFC 2710 for v1 compatibility)                       */
/* ------------------------------------------------------------------ */

/* RFC 3810 6: no reports for ff02::1, nor for interface-local groups. */
static bool group_reportable(const uint8_t g[16])
{
	return (g[1] & 0x0fu) > 1 && !a_eq(g, all_nodes);
}

static void mld_src(struct hz_ipv6 *ip, uint8_t src[16])
{
	/* 5.2.13: a link-local source; :: while none is ready yet. */
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		const struct hz_ipv6_addr *e = &ip->addrs[i];
		if (addr_usable(e) && hz_ipv6_addr_is_link_local(e->addr)) {
			hz_memcpy(src, e->addr, 16);
			return;
		}
	}
	hz_memset(src, 0, 16);
}

/* Send one MLD message already written at pb's data, behind a hop-by-hop
 * header with Router Alert (value 0: MLD, RFC 2711), hop limit 1. */
static int mld_xmit(struct hz_ipv6 *ip, struct hz_pbuf *pb, const uint8_t src[16],
                    const uint8_t dst[16])
{
	uint8_t *hbh = hz_pbuf_push(pb, 8);
	if (!hbh)
		return HZ_ERR_NO_SPACE;
	hbh[0] = HZ_IPV6_NH_ICMPV6;
	hbh[1] = 0;
	hbh[2] = HZ_IPV6_OPT_ROUTER_ALERT;
	hbh[3] = 2;
	hbh[4] = 0;
	hbh[5] = 0;
	hbh[6] = HZ_IPV6_OPT_PADN;
	hbh[7] = 0;
	struct hz_ipv6_hdr h;
	hdr_fill(&h, src, dst, HZ_IPV6_NH_HOPOPTS, 1, 0, pb->len);
	(void)hz_ipv6_hdr_emit(&h, hz_pbuf_push(pb, HZ_IPV6_HDR_LEN), HZ_IPV6_HDR_LEN);
	int rc = ip->link.output(ip->link.ctx, pb, NULL, dst);
	if (rc >= 0) {
		ip->tx_packets++;
		ip->mld_tx++;
	}
	return rc;
}

/* An MLDv1 report or done (RFC 2710 3): 24 bytes. */
static void mld1_send(struct hz_ipv6 *ip, uint8_t type, const uint8_t group[16])
{
	struct hz_pbuf pb;
	if (!tx_begin(ip, &pb))
		return;
	uint8_t src[16];
	mld_src(ip, src);
	const uint8_t *dst = type == HZ_IPV6_ICMP_MLD_DONE ? all_routers : group;
	uint8_t *m = hz_pbuf_put(&pb, 24);
	if (m) {
		hz_memcpy(m + 8, group, 16);
		struct hz_ipv6_icmp msg = { .type = type, .data = m + 8, .data_len = 16 };
		struct hz_ipaddr s = to_ipaddr(src), d = to_ipaddr(dst);
		(void)hz_ipv6_icmp_emit(&msg, &s, &d, m, 24);
		(void)mld_xmit(ip, &pb, src, dst);
	}
	ip->tx_busy = false;
}

/* An MLDv2 report of one record type for one group, or (group NULL) for
 * every reportable group. */
static void mld2_send(struct hz_ipv6 *ip, uint8_t rtype, const uint8_t *group)
{
	struct hz_ipv6_mld_record recs[HZ_IPV6_GROUPS];
	size_t n = 0;
	if (group) {
		recs[n].type = rtype;
		recs[n].nsources = 0;
		hz_memcpy(recs[n++].group, group, 16);
	} else {
		for (size_t i = 0; i < HZ_IPV6_GROUPS; i++) {
			const struct hz_ipv6_group *g = &ip->groups[i];
			if (g->refs && !g->leaving && group_reportable(g->addr)) {
				recs[n].type = rtype;
				recs[n].nsources = 0;
				hz_memcpy(recs[n++].group, g->addr, 16);
			}
		}
		if (!n)
			return;
	}
	struct hz_pbuf pb;
	if (!tx_begin(ip, &pb))
		return;
	uint8_t src[16];
	mld_src(ip, src);
	struct hz_ipaddr s = to_ipaddr(src), d = to_ipaddr(all_mldv2_routers);
	int len = hz_ipv6_mld2_report_emit(recs, n, &s, &d, hz_pbuf_data(&pb), hz_pbuf_tailroom(&pb));
	if (len > 0) {
		pb.len = (size_t)len;
		(void)mld_xmit(ip, &pb, src, all_mldv2_routers);
	}
	ip->tx_busy = false;
}

static bool mld_v1(const struct hz_ipv6 *ip)
{
	return ip->mldv1_until != 0 && ip->mldv1_until > ip->now;
}

/* A state-change report for g (RFC 3810 6.1), or its v1 equivalent. */
static void mld_state_change(struct hz_ipv6 *ip, struct hz_ipv6_group *g)
{
	if (!ip->cfg.mld || !ip->up || !group_reportable(g->addr))
		return;
	if (mld_v1(ip))
		mld1_send(ip, g->leaving ? HZ_IPV6_ICMP_MLD_DONE : HZ_IPV6_ICMP_MLD_REPORT, g->addr);
	else
		mld2_send(ip, g->leaving ? HZ_IPV6_MLD_TO_INCLUDE : HZ_IPV6_MLD_TO_EXCLUDE, g->addr);
}

static int group_join(struct hz_ipv6 *ip, const uint8_t group[16])
{
	struct hz_ipv6_group *g = group_lookup(ip, group);
	if (g) {
		if (g->leaving) { /* rejoined while still reporting the leave */
			g->leaving = false;
			g->refs = 1;
			g->reports = MLD_ROBUSTNESS;
			g->timer = ip->now;
			return HZ_OK;
		}
		g->refs++;
		return HZ_OK;
	}
	for (size_t i = 0; i < HZ_IPV6_GROUPS && !g; i++)
		if (!ip->groups[i].refs)
			g = &ip->groups[i];
	if (!g)
		return HZ_ERR_NO_SPACE;
	hz_memset(g, 0, sizeof *g);
	hz_memcpy(g->addr, group, 16);
	g->refs = 1;
	g->timer = HZ_TIME_NEVER;
	if (ip->link.mcast)
		(void)ip->link.mcast(ip->link.ctx, group, true);
	if (ip->up && ip->cfg.mld && group_reportable(group)) {
		/* 6.1: robustness-variable reports; the first now. */
		mld_state_change(ip, g);
		g->reports = MLD_ROBUSTNESS - 1;
		g->timer = g->reports ? ip->now + rand_upto(ip, MLD_UNSOLICITED_INTERVAL) : HZ_TIME_NEVER;
	}
	return HZ_OK;
}

static int group_leave(struct hz_ipv6 *ip, const uint8_t group[16])
{
	struct hz_ipv6_group *g = group_lookup(ip, group);
	if (!g || g->leaving)
		return HZ_ERR_NOT_FOUND;
	if (--g->refs)
		return HZ_OK;
	if (ip->link.mcast)
		(void)ip->link.mcast(ip->link.ctx, group, false);
	if (!ip->up || !ip->cfg.mld || !group_reportable(group)) {
		hz_memset(g, 0, sizeof *g);
		return HZ_OK;
	}
	g->refs = 1; /* kept while the leave is reported */
	g->leaving = true;
	mld_state_change(ip, g);
	g->reports = MLD_ROBUSTNESS - 1;
	if (mld_v1(ip))
		g->reports = 0;
	g->timer = g->reports ? ip->now + rand_upto(ip, MLD_UNSOLICITED_INTERVAL) : HZ_TIME_NEVER;
	if (!g->reports)
		hz_memset(g, 0, sizeof *g);
	return HZ_OK;
}

int hz_ipv6_group_join(struct hz_ipv6 *ip, const uint8_t group[16])
{
	if (!hz_ipv6_addr_is_multicast(group))
		return HZ_ERR_INVALID;
	return group_join(ip, group);
}

int hz_ipv6_group_leave(struct hz_ipv6 *ip, const uint8_t group[16])
{
	if (!hz_ipv6_addr_is_multicast(group))
		return HZ_ERR_INVALID;
	return group_leave(ip, group);
}

/* RFC 3810 6.2 (v2) and RFC 2710 4 (v1): schedule answers to a query. */
static int mld_query_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h,
                        const struct hz_ipv6_icmp *m, uint8_t ext_flags)
{
	struct hz_ipv6_mld_query q;
	enum hz_ipv6_drop why;
	int rc = hz_ipv6_mld_query_parse(&q, m, &why);
	if (rc)
		return dropped(ip, why, rc);
	/* 6.2: link-local source, hop limit 1, Router Alert present. */
	if (!hz_ipv6_addr_is_link_local(h->src.b) || h->hop_limit != 1 ||
	    !(ext_flags & HZ_IPV6_EXT_F_ROUTER_ALERT))
		return dropped(ip, HZ_IPV6_DROP_MLD_INVALID, HZ_ERR_MALFORMED);
	if (!ip->cfg.mld)
		return HZ_OK;
	if (q.version == 1)
		ip->mldv1_until = ip->now + MLD_OLDER_QUERIER_PRESENT; /* 8.2.1 */
	hz_time_t at = ip->now + rand_upto(ip, HZ_MSEC(q.max_resp_ms));
	if (a_eq(q.group, unspecified)) {
		if (q.version == 1) {
			for (size_t i = 0; i < HZ_IPV6_GROUPS; i++) {
				struct hz_ipv6_group *g = &ip->groups[i];
				if (g->refs && !g->leaving && group_reportable(g->addr)) {
					g->respond = true;
					g->timer = HZ_MIN(g->timer,
					                  ip->now + rand_upto(ip, HZ_MSEC(q.max_resp_ms)));
				}
			}
		} else if (at < ip->mld_general_at) {
			ip->mld_general_at = at;
		}
		return HZ_OK;
	}
	struct hz_ipv6_group *g = group_lookup(ip, q.group);
	if (g && !g->leaving && group_reportable(g->addr)) {
		g->respond = true;
		g->timer = HZ_MIN(g->timer, at);
	}
	return HZ_OK;
}

static void mld_run(struct hz_ipv6 *ip, hz_time_t now)
{
	if (ip->mld_general_at <= now) {
		ip->mld_general_at = HZ_TIME_NEVER;
		if (mld_v1(ip)) {
			for (size_t i = 0; i < HZ_IPV6_GROUPS; i++) {
				const struct hz_ipv6_group *g = &ip->groups[i];
				if (g->refs && !g->leaving && group_reportable(g->addr))
					mld1_send(ip, HZ_IPV6_ICMP_MLD_REPORT, g->addr);
			}
		} else {
			mld2_send(ip, HZ_IPV6_MLD_IS_EXCLUDE, NULL);
		}
	}
	for (size_t i = 0; i < HZ_IPV6_GROUPS; i++) {
		struct hz_ipv6_group *g = &ip->groups[i];
		if (!g->refs || g->timer > now)
			continue;
		g->timer = HZ_TIME_NEVER;
		if (g->reports) {
			g->reports--;
			mld_state_change(ip, g);
			if (g->reports)
				g->timer = now + rand_upto(ip, MLD_UNSOLICITED_INTERVAL);
		} else if (g->respond && !g->leaving) {
			if (mld_v1(ip))
				mld1_send(ip, HZ_IPV6_ICMP_MLD_REPORT, g->addr);
			else
				mld2_send(ip, HZ_IPV6_MLD_IS_EXCLUDE, g->addr);
		}
		g->respond = false;
		if (g->leaving && !g->reports)
			hz_memset(g, 0, sizeof *g);
	}
}

/* ------------------------------------------------------------------ */
/* Addresses: DAD (RFC 4862 5.4), SLAAC (5.5), RFC 7217                */
/* ------------------------------------------------------------------ */

static void dad_start(struct hz_ipv6 *ip, struct hz_ipv6_addr *e, hz_time_t delay)
{
	e->state = HZ_IPV6_ADDR_TENTATIVE;
	e->dad_left = ip->cfg.dad_transmits;
	hz_random(ip->shim, e->nonce, sizeof e->nonce);
	uint8_t sol[16];
	hz_ipv6_addr_solicited(sol, e->addr);
	/* 5.4.2: join the solicited-node group before soliciting; delay the
	 * first message by up to MAX_RTR_SOLICITATION_DELAY. */
	(void)group_join(ip, sol);
	e->timer = ip->now + delay + rand_upto(ip, MAX_RTR_SOLICITATION_DELAY);
}

/* The interface identifier for prefix with the entry's DAD counter,
 * skipping reserved values (RFC 7217 5, RFC 5453). */
static void slaac_form(struct hz_ipv6 *ip, struct hz_ipv6_addr *e, const uint8_t prefix[16])
{
	uint8_t iid[8];
	for (;;) {
		hz_ipv6_iid_stable(iid, prefix, ip->link.lladdr, HZ_MAC_LEN, e->dad_counter, ip->secret);
		if (!hz_ipv6_iid_reserved(iid) || e->dad_counter >= 0xfe)
			break;
		e->dad_counter++;
	}
	hz_memcpy(e->addr, prefix, 8);
	hz_memcpy(e->addr + 8, iid, 8);
}

static struct hz_ipv6_addr *addr_slot(struct hz_ipv6 *ip)
{
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++)
		if (ip->addrs[i].state == HZ_IPV6_ADDR_FREE)
			return &ip->addrs[i];
	return NULL;
}

static void addr_free(struct hz_ipv6 *ip, struct hz_ipv6_addr *e)
{
	if (e->state != HZ_IPV6_ADDR_DUPLICATE) {
		uint8_t sol[16];
		hz_ipv6_addr_solicited(sol, e->addr);
		(void)group_leave(ip, sol);
	}
	hz_memset(e, 0, sizeof *e);
}

static void rs_start(struct hz_ipv6 *ip)
{
	if (!ip->cfg.accept_ra || !ip->cfg.rtr_solicits || ip->rs_left)
		return;
	ip->rs_left = ip->cfg.rtr_solicits;
	ip->rs_timer = ip->now + rand_upto(ip, MAX_RTR_SOLICITATION_DELAY); /* 6.3.7 */
}

static void dad_done(struct hz_ipv6 *ip, struct hz_ipv6_addr *e)
{
	e->timer = HZ_TIME_NEVER;
	e->state = e->preferred_until <= ip->now ? HZ_IPV6_ADDR_DEPRECATED : HZ_IPV6_ADDR_PREFERRED;
	emit_event(ip, HZ_IPV6_EV_ADDR_READY, e->addr, e->plen, NULL, 0);
	if (e->origin == HZ_IPV6_ORIGIN_LINK_LOCAL)
		rs_start(ip);
}

/* RFC 4862 5.4.5, RFC 7217 6: another node has the address. */
static void dad_failed(struct hz_ipv6 *ip, struct hz_ipv6_addr *e, const uint8_t *lladdr)
{
	ip->dad_conflicts++;
	emit_event(ip, HZ_IPV6_EV_ADDR_CONFLICT, e->addr, e->plen, lladdr, e->dad_counter);
	uint8_t sol[16];
	hz_ipv6_addr_solicited(sol, e->addr);
	(void)group_leave(ip, sol);
	if (e->origin != HZ_IPV6_ORIGIN_MANUAL && e->dad_counter < IDGEN_RETRIES) {
		uint8_t prefix[16];
		hz_memcpy(prefix, e->addr, 16);
		e->dad_counter++;
		slaac_form(ip, e, prefix);
		dad_start(ip, e, IDGEN_DELAY);
		return;
	}
	e->state = HZ_IPV6_ADDR_DUPLICATE;
	e->timer = HZ_TIME_NEVER;
}

static int addr_insert(struct hz_ipv6 *ip, const uint8_t a[16], unsigned plen, uint8_t origin,
                       uint8_t counter, hz_time_t preferred_until, hz_time_t valid_until)
{
	if (addr_lookup(ip, a))
		return HZ_ERR_IN_USE;
	struct hz_ipv6_addr *e = addr_slot(ip);
	if (!e)
		return HZ_ERR_NO_SPACE;
	hz_memset(e, 0, sizeof *e);
	hz_memcpy(e->addr, a, 16);
	e->plen = (uint8_t)plen;
	e->origin = origin;
	e->dad_counter = counter;
	e->preferred_until = preferred_until;
	e->valid_until = valid_until;
	e->state = HZ_IPV6_ADDR_TENTATIVE;
	e->timer = HZ_TIME_NEVER;
	if (ip->up) {
		if (ip->cfg.dad_transmits) {
			dad_start(ip, e, 0);
		} else {
			uint8_t sol[16];
			hz_ipv6_addr_solicited(sol, e->addr);
			(void)group_join(ip, sol);
			dad_done(ip, e);
		}
	}
	return HZ_OK;
}

static int prefix_set(struct hz_ipv6 *ip, const uint8_t p[16], unsigned plen, hz_time_t expires,
                      bool is_static)
{
	struct hz_ipv6_prefix *slot = NULL;
	for (size_t i = 0; i < HZ_IPV6_PREFIXES; i++) {
		struct hz_ipv6_prefix *e = &ip->prefixes[i];
		bool used = e->expires > ip->now;
		if (used && e->plen == plen && prefix_match(p, e->prefix, plen)) {
			slot = e;
			break;
		}
		if (!used && !slot)
			slot = e;
	}
	if (!slot)
		return HZ_ERR_NO_SPACE;
	if (slot->is_static && !is_static)
		return HZ_OK; /* configuration wins over advertisements */
	hz_memset(slot->prefix, 0, 16);
	hz_memcpy(slot->prefix, p, (plen + 7u) / 8u);
	if (plen % 8)
		slot->prefix[plen / 8] &= (uint8_t)(0xffu << (8 - plen % 8));
	slot->plen = (uint8_t)plen;
	slot->expires = expires;
	slot->is_static = is_static;
	return HZ_OK;
}

int hz_ipv6_addr_add(struct hz_ipv6 *ip, const struct hz_ipaddr *addr, unsigned plen,
                     hz_time_t now)
{
	if (now > ip->now)
		ip->now = now;
	if (!addr || addr->family != HZ_AF_INET6 || plen > 128 ||
	    hz_ipv6_addr_is_multicast(addr->b) || a_eq(addr->b, unspecified))
		return HZ_ERR_INVALID;
	static const uint8_t loopback[16] = { [15] = 1 };
	if (a_eq(addr->b, loopback))
		return HZ_ERR_INVALID;
	if (addr_lookup(ip, addr->b))
		return HZ_ERR_IN_USE;
	if (plen < 128 && plen > 0 && !hz_ipv6_addr_is_link_local(addr->b)) {
		int rc = prefix_set(ip, addr->b, plen, HZ_TIME_NEVER, true);
		if (rc)
			return rc;
	}
	return addr_insert(ip, addr->b, plen, HZ_IPV6_ORIGIN_MANUAL, 0, HZ_TIME_NEVER,
	                   HZ_TIME_NEVER);
}

int hz_ipv6_addr_del(struct hz_ipv6 *ip, const struct hz_ipaddr *addr)
{
	if (!addr || addr->family != HZ_AF_INET6)
		return HZ_ERR_INVALID;
	struct hz_ipv6_addr *e = addr_lookup(ip, addr->b);
	if (!e)
		return HZ_ERR_NOT_FOUND;
	addr_free(ip, e);
	return HZ_OK;
}

int hz_ipv6_router_add(struct hz_ipv6 *ip, const struct hz_ipaddr *addr)
{
	if (!addr || addr->family != HZ_AF_INET6 || hz_ipv6_addr_is_multicast(addr->b) ||
	    a_eq(addr->b, unspecified))
		return HZ_ERR_INVALID;
	struct hz_ipv6_router *r = router_lookup(ip, addr->b);
	for (size_t i = 0; i < HZ_IPV6_ROUTERS && !r; i++)
		if (a_eq(ip->routers[i].addr, unspecified))
			r = &ip->routers[i];
	if (!r)
		return HZ_ERR_NO_SPACE;
	hz_memcpy(r->addr, addr->b, 16);
	r->is_static = true;
	r->prf = 0;
	r->expires = HZ_TIME_NEVER;
	return HZ_OK;
}

size_t hz_ipv6_rdnss_get(const struct hz_ipv6 *ip, struct hz_ipaddr *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < HZ_IPV6_RDNSS; i++) {
		if (ip->rdnss_expires[i] <= ip->now)
			continue;
		if (k < n)
			out[k] = to_ipaddr(ip->rdnss[i]);
		k++;
	}
	return k;
}

/* ------------------------------------------------------------------ */
/* struct hz_ip glue                                                   */
/* ------------------------------------------------------------------ */

static int ip_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	return hz_ipv6_attach((struct hz_ipv6 *)ctx, proto, up);
}

static int ip_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	return hz_ipv6_output((struct hz_ipv6 *)ctx, pb, tx);
}

static uint32_t ip_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                          uint8_t proto, size_t len)
{
	(void)ctx;
	return hz_ipv6_pseudo(src, dst, proto, len);
}

static size_t ip_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	const struct hz_ipv6 *ip = (const struct hz_ipv6 *)ctx;
	if (dst->family != HZ_AF_INET6)
		return 0;
	return hz_ipv6_path_mtu(ip, dst->b) - HZ_IPV6_HDR_LEN;
}

static int ip_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	struct hz_ipv6 *ip = (struct hz_ipv6 *)ctx;
	uint8_t nh[16], s[16];
	if (dst->family != HZ_AF_INET6 || hz_ipv6_nexthop(ip, dst->b, nh) ||
	    hz_ipv6_source(ip, dst->b, s))
		return HZ_ERR_NO_ROUTE;
	*src = to_ipaddr(s);
	return HZ_OK;
}

static bool ip_is_local(void *ctx, const struct hz_ipaddr *addr)
{
	return addr->family == HZ_AF_INET6 && is_ours((struct hz_ipv6 *)ctx, addr->b);
}

const struct hz_ip *hz_ipv6_ip(struct hz_ipv6 *ip)
{
	return &ip->ip;
}

int hz_ipv6_attach(struct hz_ipv6 *ip, uint8_t proto, const struct hz_ip_upper *up)
{
	if (!up || !up->input)
		return HZ_ERR_INVALID;
	struct hz_ipv6_upper_entry *free_e = NULL;
	for (size_t i = 0; i < HZ_IPV6_MAX_UPPER; i++) {
		struct hz_ipv6_upper_entry *e = &ip->upper[i];
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

static const struct hz_ip_upper *upper_find(const struct hz_ipv6 *ip, uint8_t proto)
{
	for (size_t i = 0; i < HZ_IPV6_MAX_UPPER; i++)
		if (ip->upper[i].up && ip->upper[i].proto == proto)
			return ip->upper[i].up;
	return NULL;
}

int hz_ipv6_output(struct hz_ipv6 *ip, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	if (!pb || !tx || tx->dst.family != HZ_AF_INET6 || a_eq(tx->dst.b, unspecified))
		return HZ_ERR_INVALID;
	uint8_t src[16];
	if (tx->src.family == HZ_AF_INET6 && !a_eq(tx->src.b, unspecified)) {
		if (!is_ours(ip, tx->src.b))
			return HZ_ERR_INVALID;
		hz_memcpy(src, tx->src.b, 16);
	} else if (tx->src.family == HZ_AF_NONE || tx->src.family == HZ_AF_INET6) {
		if (hz_ipv6_source(ip, tx->dst.b, src)) {
			ip->tx_no_route++;
			return HZ_ERR_NO_ROUTE;
		}
	} else {
		return HZ_ERR_INVALID;
	}
	return send_pkt(ip, pb, src, tx->dst.b, tx->proto, tx->ttl, tx->tos,
	                tx->flags & HZ_IP_TX_DF);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

int hz_ipv6_init(struct hz_ipv6 *ip, const struct hz_ipv6_config *cfg,
                 const struct hz_ipv6_link *link, const struct hz_shim *shim,
                 const struct hz_ipv6_storage *st)
{
	if (!ip || !link || !link->output || !st || !st->neigh || !st->nneigh || !st->txbuf)
		return HZ_ERR_INVALID;
	if (st->txcap < (size_t)HZ_IPV6_MIN_MTU + link->headroom + FRAG_HDR_LEN)
		return HZ_ERR_INVALID;
	if (st->npending && (!st->pending || !st->qbuf || st->qslot <= link->headroom))
		return HZ_ERR_INVALID;
	if (link->headroom > HZ_PBUF_HEADROOM)
		return HZ_ERR_INVALID; /* ND messages are built with that much room */
	hz_memset(ip, 0, sizeof *ip);
	if (cfg)
		ip->cfg = *cfg;
	else
		hz_ipv6_config_default(&ip->cfg);
	if (!ip->cfg.hop_limit)
		ip->cfg.hop_limit = 64;
	ip->link = *link;
	if (ip->link.mtu && ip->link.mtu < ip->cfg.mtu)
		ip->cfg.mtu = ip->link.mtu;
	if (ip->cfg.mtu < HZ_IPV6_MIN_MTU)
		ip->cfg.mtu = HZ_IPV6_MIN_MTU;
	if (ip->cfg.reasm_max_size > 0xffffu)
		ip->cfg.reasm_max_size = 0xffffu;
	ip->shim = shim;
	ip->st = *st;
	for (size_t i = 0; i < st->nneigh; i++)
		hz_memset(&st->neigh[i], 0, sizeof st->neigh[i]);
	for (size_t i = 0; i < st->npending; i++)
		hz_memset(&st->pending[i], 0, sizeof st->pending[i]);
	hz_ipv6_reasm_init(&ip->reasm, st->reasm_slots, st->reasm_buf ? st->nreasm : 0,
	                   st->reasm_buf, ip->cfg.reasm_max_size, ip->cfg.reasm_max_frags,
	                   ip->cfg.reasm_timeout);
	if (ip->cfg.stable_secret_set)
		hz_memcpy(ip->secret, ip->cfg.stable_secret, 16);
	else
		hz_random(shim, ip->secret, 16);
	ip->cur_hop_limit = ip->cfg.hop_limit;
	ip->link_mtu = ip->cfg.mtu;
	ip->base_reachable_ms = REACHABLE_TIME_MS;
	ip->retrans_ms = RETRANS_TIMER_MS;
	reachable_draw(ip);
	ip->rs_timer = HZ_TIME_NEVER;
	ip->mld_general_at = HZ_TIME_NEVER;
	hz_ratelimit_init(&ip->icmp_limit, ip->cfg.icmp_rate, ip->cfg.icmp_burst);
	ip->next_timer = HZ_TIME_NEVER;

	ip->ip.ctx = ip;
	ip->ip.family = HZ_AF_INET6;
	ip->ip.headroom = (uint16_t)(HZ_IPV6_HDR_LEN + FRAG_HDR_LEN + ip->link.headroom);
	ip->ip.attach = ip_attach;
	ip->ip.output = ip_output;
	ip->ip.pseudo = ip_pseudo;
	ip->ip.mtu = ip_mtu;
	ip->ip.source = ip_source;
	ip->ip.is_local = ip_is_local;
	return HZ_OK;
}

void hz_ipv6_event_set(struct hz_ipv6 *ip, hz_ipv6_event_fn fn, void *ctx)
{
	ip->event = fn;
	ip->event_ctx = ctx;
}

int hz_ipv6_up(struct hz_ipv6 *ip, hz_time_t now)
{
	if (now > ip->now)
		ip->now = now;
	if (ip->up)
		return HZ_OK;
	ip->up = true;
	/* RFC 4291 2.8: every node belongs to all-nodes. */
	int rc = group_join(ip, all_nodes);
	if (rc)
		return rc;
	/* Addresses configured before up: start their DAD now. */
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		struct hz_ipv6_addr *e = &ip->addrs[i];
		if (e->state != HZ_IPV6_ADDR_TENTATIVE)
			continue;
		if (ip->cfg.dad_transmits) {
			dad_start(ip, e, 0);
		} else {
			uint8_t sol[16];
			hz_ipv6_addr_solicited(sol, e->addr);
			(void)group_join(ip, sol);
			dad_done(ip, e);
		}
	}
	if (ip->cfg.link_local) {
		/* RFC 4862 5.3 with an RFC 7217 identifier. */
		static const uint8_t fe80[16] = { 0xfe, 0x80 };
		struct hz_ipv6_addr tmp;
		hz_memset(&tmp, 0, sizeof tmp);
		slaac_form(ip, &tmp, fe80);
		rc = addr_insert(ip, tmp.addr, 64, HZ_IPV6_ORIGIN_LINK_LOCAL, tmp.dad_counter,
		                 HZ_TIME_NEVER, HZ_TIME_NEVER);
		if (rc && rc != HZ_ERR_IN_USE)
			return rc;
	} else {
		rs_start(ip);
	}
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* ICMPv6 out                                                          */
/* ------------------------------------------------------------------ */

/* Find the upper-layer header of a (possibly truncated) packet, as quoted
 * in an ICMPv6 error or as the offending packet of one we send: walk the
 * extension headers leniently, within len. Returns false when the walk
 * leaves the bytes or meets a non-first fragment. */
static bool quote_walk(const uint8_t *pkt, size_t len, uint8_t *proto, size_t *off)
{
	if (len < HZ_IPV6_HDR_LEN)
		return false;
	uint8_t nh = pkt[6];
	size_t at = HZ_IPV6_HDR_LEN;
	for (unsigned steps = 0; steps < HZ_IPV6_EXT_MAX_HDRS + 2u; steps++) {
		switch (nh) {
		case HZ_IPV6_NH_HOPOPTS:
		case HZ_IPV6_NH_ROUTING:
		case HZ_IPV6_NH_DSTOPTS:
			if (len - at < 8)
				return false;
			nh = pkt[at];
			at += ((size_t)pkt[at + 1] + 1u) * 8u;
			break;
		case HZ_IPV6_NH_FRAGMENT:
			if (len - at < 8 || (hz_be16_load(pkt + at + 2) & 0xfff8u))
				return false;
			nh = pkt[at];
			at += 8;
			break;
		default:
			if (at > len)
				return false;
			*proto = nh;
			*off = at;
			return true;
		}
		if (at > len)
			return false;
	}
	return false;
}

/* Build and send an ICMPv6 message: 8-byte header plus up to two pieces. */
static int icmp_send(struct hz_ipv6 *ip, const uint8_t src[16], const uint8_t dst[16],
                     uint8_t type, uint8_t code, uint32_t rest, uint8_t tclass,
                     const uint8_t *a, size_t alen)
{
	struct hz_pbuf pb;
	if (!tx_begin(ip, &pb))
		return HZ_ERR_NO_SPACE;
	size_t n = HZ_IPV6_ICMP_HDR_LEN + alen;
	uint8_t *m = hz_pbuf_put(&pb, n);
	int rc = HZ_ERR_NO_SPACE;
	if (m) {
		if (alen)
			hz_memmove(m + HZ_IPV6_ICMP_HDR_LEN, a, alen);
		struct hz_ipv6_icmp msg = { .type = type, .code = code, .rest = rest,
			                    .data = m + HZ_IPV6_ICMP_HDR_LEN, .data_len = alen };
		struct hz_ipaddr s = to_ipaddr(src), d = to_ipaddr(dst);
		(void)hz_ipv6_icmp_emit(&msg, &s, &d, m, n);
		rc = send_pkt(ip, &pb, src, dst, HZ_IPV6_NH_ICMPV6, 0, tclass, false);
	}
	ip->tx_busy = false;
	return rc;
}

int hz_ipv6_icmp_error(struct hz_ipv6 *ip, uint8_t type, uint8_t code, uint32_t rest,
                       const uint8_t *pkt, size_t len, enum hz_cast l2cast, bool allow_mcast)
{
	if (!pkt || len < HZ_IPV6_HDR_LEN || pkt[0] >> 4 != 6)
		return HZ_ERR_INVALID;
	size_t total = HZ_IPV6_HDR_LEN + (size_t)hz_be16_load(pkt + 4);
	if (total < len)
		len = total; /* never quote link padding */
	const uint8_t *osrc = pkt + 8, *odst = pkt + 24;
	bool mcast = hz_ipv6_addr_is_multicast(odst) || l2cast != HZ_CAST_UNICAST;
	/* RFC 4443 2.4 (e). */
	bool suppress = (mcast && !allow_mcast) || a_eq(osrc, unspecified) ||
	                hz_ipv6_addr_is_multicast(osrc);
	uint8_t proto;
	size_t off;
	if (!suppress && quote_walk(pkt, len, &proto, &off) && proto == HZ_IPV6_NH_ICMPV6)
		suppress = off >= len || hz_ipv6_icmp_type_is_error(pkt[off]) ||
		           pkt[off] == HZ_IPV6_ICMP_REDIRECT;
	if (suppress) {
		ip->icmp_suppressed++;
		return HZ_ERR_REFUSED;
	}
	if (!hz_ratelimit_take(&ip->icmp_limit, ip->now)) {
		ip->drops[HZ_IPV6_DROP_ICMP_RATE_LIMITED]++;
		return HZ_ERR_WOULD_BLOCK;
	}
	/* The source: the address the packet was sent to when it is ours,
	 * else the best of ours for the destination (2.2). */
	uint8_t src[16];
	if (is_ours(ip, odst))
		hz_memcpy(src, odst, 16);
	else if (hz_ipv6_source(ip, osrc, src))
		return dropped(ip, HZ_IPV6_DROP_ICMP_TX_FAILED, HZ_ERR_NO_ROUTE);
	size_t room = ICMP_ERR_MAX - HZ_IPV6_HDR_LEN - HZ_IPV6_ICMP_HDR_LEN;
	int rc = icmp_send(ip, src, osrc, type, code, rest, 0, pkt, HZ_MIN(len, room));
	if (rc < 0)
		return dropped(ip, HZ_IPV6_DROP_ICMP_TX_FAILED, rc);
	ip->icmp_tx_errors++;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* ICMPv6 in: errors and echo                                          */
/* ------------------------------------------------------------------ */

static uint8_t err_kind(uint8_t type, uint8_t code)
{
	switch (type) {
	case HZ_IPV6_ICMP_DEST_UNREACH:
		switch (code) {
		case HZ_IPV6_ICMP_NO_ROUTE:
		case HZ_IPV6_ICMP_BEYOND_SCOPE:
			return HZ_IP_ERR_NET_UNREACH;
		case HZ_IPV6_ICMP_ADDR_UNREACH:
			return HZ_IP_ERR_HOST_UNREACH;
		case HZ_IPV6_ICMP_PORT_UNREACH:
			return HZ_IP_ERR_PORT_UNREACH;
		case HZ_IPV6_ICMP_ADMIN_PROHIBITED:
		case 5: /* source address failed ingress/egress policy (RFC 4443 3.1) */
		case 6: /* reject route to destination */
			return HZ_IP_ERR_ADMIN_PROHIBITED;
		default:
			return HZ_IP_ERR_OTHER;
		}
	case HZ_IPV6_ICMP_PACKET_TOO_BIG:
		return HZ_IP_ERR_FRAG_NEEDED;
	case HZ_IPV6_ICMP_TIME_EXCEEDED:
		return HZ_IP_ERR_TIME_EXCEEDED;
	case HZ_IPV6_ICMP_PARAM_PROBLEM:
		return code == HZ_IPV6_PP_NEXT_HEADER ? HZ_IP_ERR_PROTO_UNREACH
		                                      : HZ_IP_ERR_PARAM_PROBLEM;
	default:
		return HZ_IP_ERR_OTHER;
	}
}

/* RFC 4443 2.4 (d): hand an error to the transport named in the quote. */
static int icmp_error_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h,
                         const struct hz_ipv6_icmp *m)
{
	const uint8_t *q = m->data;
	size_t qlen = m->data_len;
	if (qlen < HZ_IPV6_HDR_LEN || q[0] >> 4 != 6 || !is_ours(ip, q + 8))
		return dropped(ip, HZ_IPV6_DROP_ICMP_BAD_QUOTE, HZ_ERR_MALFORMED);
	const uint8_t *odst = q + 24;
	struct hz_ip_err e;
	hz_memset(&e, 0, sizeof e);
	e.kind = err_kind(m->type, m->code);
	e.type = m->type;
	e.code = m->code;
	if (m->type == HZ_IPV6_ICMP_PACKET_TOO_BIG) {
		/* RFC 8201 4: learn even when no transport claims the flow. */
		pmtu_learn(ip, odst, hz_ipv6_icmp_mtu(m));
		e.mtu = (uint32_t)hz_ipv6_path_mtu(ip, odst);
	}
	uint8_t proto;
	size_t off;
	if (!quote_walk(q, qlen, &proto, &off))
		return dropped(ip, HZ_IPV6_DROP_ICMP_BAD_QUOTE, HZ_ERR_MALFORMED);
	e.proto = proto;
	e.reporter = h->src;
	e.src = to_ipaddr(q + 8);
	e.dst = to_ipaddr(odst);
	e.quote = q + off;
	e.quote_len = qlen - off;
	e.now = ip->now;
	const struct hz_ip_upper *up = upper_find(ip, proto);
	if (!up || !up->error) {
		if (m->type == HZ_IPV6_ICMP_PACKET_TOO_BIG) {
			ip->rx_delivered++; /* the path MTU was the point */
			return HZ_OK;
		}
		return dropped(ip, HZ_IPV6_DROP_ICMP_UNMATCHED, HZ_ERR_NOT_FOUND);
	}
	up->error(up->ctx, &e);
	ip->rx_delivered++;
	return HZ_OK;
}

/* RFC 4443 4.2: the reply carries the request's identifier, sequence and
 * data, from the address the request was sent to (a multicast request
 * is answered from one of ours, 2.2). */
static int echo_reply(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h,
                      const struct hz_ipv6_icmp *m, bool mcast)
{
	if (mcast && !ip->cfg.echo_multicast)
		return dropped(ip, HZ_IPV6_DROP_ECHO_MULTICAST, HZ_ERR_REFUSED);
	if (a_eq(h->src.b, unspecified))
		return dropped(ip, HZ_IPV6_DROP_ICMP_IGNORED, HZ_ERR_NO_ROUTE);
	size_t head = HZ_IPV6_HDR_LEN + FRAG_HDR_LEN + (size_t)ip->link.headroom;
	if (head > ip->st.txcap || HZ_IPV6_ICMP_HDR_LEN + m->data_len > ip->st.txcap - head)
		return dropped(ip, HZ_IPV6_DROP_ECHO_TOO_BIG, HZ_ERR_TOO_BIG);
	uint8_t src[16];
	if (mcast) {
		if (hz_ipv6_source(ip, h->src.b, src))
			return dropped(ip, HZ_IPV6_DROP_ICMP_TX_FAILED, HZ_ERR_NO_ROUTE);
	} else {
		hz_memcpy(src, h->dst.b, 16);
	}
	int rc = icmp_send(ip, src, h->src.b, HZ_IPV6_ICMP_ECHO_REPLY, 0, m->rest, h->tclass,
	                   m->data, m->data_len);
	if (rc < 0)
		return dropped(ip, HZ_IPV6_DROP_ICMP_TX_FAILED, rc);
	ip->echo_replies++;
	ip->rx_delivered++;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Neighbour discovery in                                              */
/* ------------------------------------------------------------------ */

/* Record what a message told us about a neighbour's link-layer address
 * without confirming reachability (RFC 4861 7.2.3, 6.3.4, 8.3): a new
 * entry is STALE; a changed address makes the entry STALE. */
static struct hz_ipv6_neigh *neigh_learn(struct hz_ipv6 *ip, const uint8_t addr[16],
                                         const uint8_t ll[HZ_MAC_LEN])
{
	struct hz_ipv6_neigh *n = neigh_lookup(ip, addr);
	if (!n) {
		n = neigh_alloc(ip, addr);
		if (!n)
			return NULL;
		hz_memcpy(n->lladdr, ll, HZ_MAC_LEN);
		neigh_stale(n);
		return n;
	}
	if (n->state == HZ_IPV6_ND_INCOMPLETE) {
		hz_memcpy(n->lladdr, ll, HZ_MAC_LEN);
		neigh_stale(n);
		emit_event(ip, HZ_IPV6_EV_RESOLVED, n->addr, 0, n->lladdr, 0);
		pending_flush(ip, n);
		return n;
	}
	if (hz_memcmp(n->lladdr, ll, HZ_MAC_LEN) != 0) {
		hz_memcpy(n->lladdr, ll, HZ_MAC_LEN);
		neigh_stale(n);
	}
	return n;
}

static int ns_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const struct hz_ipv6_nd *nd)
{
	bool from_dad = a_eq(h->src.b, unspecified);
	/* 7.1.1: from ::, only to a solicited-node group and without SLLA. */
	if (from_dad) {
		uint8_t sol[16];
		hz_ipv6_addr_solicited(sol, nd->target);
		if (!a_eq(h->dst.b, sol) || nd->has_slla)
			return dropped(ip, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
	}
	struct hz_ipv6_addr *e = addr_lookup(ip, nd->target);
	if (!e || e->state == HZ_IPV6_ADDR_DUPLICATE)
		return dropped(ip, HZ_IPV6_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
	if (e->state == HZ_IPV6_ADDR_TENTATIVE) {
		/* RFC 4862 5.4.3: someone else's DAD for our tentative address
		 * (unless it is our own probe looped back, RFC 7527). Other
		 * solicitations for it are not ours to answer. */
		if (from_dad && !(nd->has_nonce &&
		                  hz_memcmp(nd->nonce, e->nonce, HZ_IPV6_ND_NONCE_LEN) == 0))
			dad_failed(ip, e, NULL);
		ip->rx_delivered++;
		return HZ_OK;
	}
	const uint8_t *ll = NULL;
	if (!from_dad && nd->has_slla) {
		struct hz_ipv6_neigh *n = neigh_learn(ip, h->src.b, nd->slla);
		ll = n ? NULL : nd->slla;
	}
	/* 7.2.4: answer with a solicited NA to the sender, or to all-nodes
	 * (not solicited) when the sender has no address yet. */
	struct hz_ipv6_nd na;
	hz_memset(&na, 0, sizeof na);
	na.type = HZ_IPV6_ICMP_NEIGHBOR_ADVERT;
	hz_memcpy(na.target, nd->target, 16);
	na.override = true;
	na.solicited = !from_dad;
	na.has_tlla = true;
	hz_memcpy(na.tlla, ip->link.lladdr, HZ_MAC_LEN);
	int rc = from_dad ? nd_send(ip, &na, nd->target, all_nodes, NULL)
	                  : nd_send(ip, &na, nd->target, h->src.b, ll);
	if (rc < 0)
		return dropped(ip, HZ_IPV6_DROP_ICMP_TX_FAILED, rc);
	ip->na_tx++;
	ip->rx_delivered++;
	return HZ_OK;
}

static int na_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const struct hz_ipv6_nd *nd)
{
	/* 7.1.2: a solicited advertisement is never multicast. */
	if (nd->solicited && hz_ipv6_addr_is_multicast(h->dst.b))
		return dropped(ip, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
	ip->rx_delivered++;
	struct hz_ipv6_addr *e = addr_lookup(ip, nd->target);
	if (e) {
		/* RFC 4862 5.4.4: an advertisement for a tentative address
		 * means it is taken. For one in use there is nothing to do
		 * (IPv6 has no address defence). */
		if (e->state == HZ_IPV6_ADDR_TENTATIVE)
			dad_failed(ip, e, nd->has_tlla ? nd->tlla : NULL);
		return HZ_OK;
	}
	struct hz_ipv6_neigh *n = neigh_lookup(ip, nd->target);
	if (!n)
		return HZ_OK; /* 7.2.5: no entry, nothing to update */
	bool was_router = n->router;
	if (n->state == HZ_IPV6_ND_INCOMPLETE) {
		if (!nd->has_tlla)
			return HZ_OK;
		hz_memcpy(n->lladdr, nd->tlla, HZ_MAC_LEN);
		if (nd->solicited)
			neigh_reachable(ip, n);
		else
			neigh_stale(n);
		n->router = nd->router;
		emit_event(ip, HZ_IPV6_EV_RESOLVED, n->addr, 0, n->lladdr, 0);
		pending_flush(ip, n);
	} else {
		bool differ = nd->has_tlla && hz_memcmp(nd->tlla, n->lladdr, HZ_MAC_LEN) != 0;
		if (!nd->override && differ) {
			if (n->state == HZ_IPV6_ND_REACHABLE)
				neigh_stale(n);
			return HZ_OK;
		}
		if (differ)
			hz_memcpy(n->lladdr, nd->tlla, HZ_MAC_LEN);
		if (nd->solicited)
			neigh_reachable(ip, n);
		else if (differ)
			neigh_stale(n);
		n->router = nd->router;
	}
	if (was_router && !n->router) {
		struct hz_ipv6_router *r = router_lookup(ip, n->addr);
		if (r && !r->is_static)
			router_remove(ip, r);
	}
	return HZ_OK;
}

/* RFC 4862 5.5.3: autoconfiguration from one prefix option. */
static void slaac_prefix(struct hz_ipv6 *ip, const struct hz_ipv6_nd_prefix *p)
{
	if (!ip->cfg.slaac || !p->autonomous || hz_ipv6_addr_is_link_local(p->prefix))
		return; /* (a), (b) */
	if (p->preferred > p->valid)
		return; /* (c) */
	if (p->plen != 64)
		return; /* (d): our identifiers are 64 bits (RFC 2464 4) */
	struct hz_ipv6_addr *e = NULL;
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		struct hz_ipv6_addr *c = &ip->addrs[i];
		if (c->state != HZ_IPV6_ADDR_FREE && c->origin == HZ_IPV6_ORIGIN_SLAAC &&
		    prefix_match(c->addr, p->prefix, 64))
			e = c;
	}
	hz_time_t now = ip->now;
	if (!e) {
		if (!p->valid)
			return;
		struct hz_ipv6_addr tmp;
		hz_memset(&tmp, 0, sizeof tmp);
		slaac_form(ip, &tmp, p->prefix);
		(void)addr_insert(ip, tmp.addr, 64, HZ_IPV6_ORIGIN_SLAAC, tmp.dad_counter,
		                  after_s(now, p->preferred), after_s(now, p->valid));
		return;
	}
	if (e->state == HZ_IPV6_ADDR_DUPLICATE)
		return;
	/* (e): preferred lifetime as advertised; the valid lifetime only
	 * shrinks below two hours if the remaining one is already that low. */
	e->preferred_until = after_s(now, p->preferred);
	hz_time_t adv = after_s(now, p->valid);
	hz_time_t remaining = e->valid_until > now ? e->valid_until - now : 0;
	if (p->valid == LIFETIME_INFINITE || HZ_SEC(p->valid) > TWO_HOURS || adv > e->valid_until)
		e->valid_until = adv;
	else if (remaining > TWO_HOURS)
		e->valid_until = now + TWO_HOURS;
	if (e->state == HZ_IPV6_ADDR_DEPRECATED && e->preferred_until > now)
		e->state = HZ_IPV6_ADDR_PREFERRED;
	else if (e->state == HZ_IPV6_ADDR_PREFERRED && e->preferred_until <= now)
		e->state = HZ_IPV6_ADDR_DEPRECATED;
}

static void rdnss_update(struct hz_ipv6 *ip, const struct hz_ipv6_nd *nd)
{
	bool changed = false;
	for (size_t k = 0; k < nd->nrdnss; k++) {
		const uint8_t *a = nd->rdnss[k];
		size_t slot = HZ_IPV6_RDNSS;
		for (size_t i = 0; i < HZ_IPV6_RDNSS; i++)
			if (ip->rdnss_expires[i] > ip->now && a_eq(ip->rdnss[i], a))
				slot = i;
		if (!nd->rdnss_lifetime) { /* RFC 8106 5.1: 0 removes */
			if (slot < HZ_IPV6_RDNSS) {
				ip->rdnss_expires[slot] = 0;
				changed = true;
			}
			continue;
		}
		if (slot == HZ_IPV6_RDNSS) {
			/* a free entry, else the one expiring first (5.3.1) */
			slot = 0;
			for (size_t i = 0; i < HZ_IPV6_RDNSS; i++)
				if (ip->rdnss_expires[i] < ip->rdnss_expires[slot])
					slot = i;
			hz_memcpy(ip->rdnss[slot], a, 16);
			changed = true;
		}
		ip->rdnss_expires[slot] = after_s(ip->now, nd->rdnss_lifetime);
	}
	if (changed)
		emit_event(ip, HZ_IPV6_EV_RDNSS, NULL, 0, NULL, nd->nrdnss);
}

/* RFC 4861 6.1.2 (validation) and 6.3.4 (processing). */
static int ra_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const struct hz_ipv6_nd *nd)
{
	if (!hz_ipv6_addr_is_link_local(h->src.b))
		return dropped(ip, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
	if (!ip->cfg.accept_ra)
		return dropped(ip, HZ_IPV6_DROP_RA_IGNORED, HZ_ERR_REFUSED);
	ip->ra_rx++;
	ip->rx_delivered++;
	ip->rs_left = 0; /* 6.3.7: solicitation is over */
	ip->rs_timer = HZ_TIME_NEVER;
	if (nd->cur_hop_limit)
		ip->cur_hop_limit = nd->cur_hop_limit;
	if (nd->reachable_time && nd->reachable_time != ip->base_reachable_ms &&
	    nd->reachable_time <= 3600000u) {
		ip->base_reachable_ms = nd->reachable_time;
		reachable_draw(ip);
	}
	if (nd->retrans_timer)
		ip->retrans_ms = nd->retrans_timer;

	struct hz_ipv6_router *r = router_lookup(ip, h->src.b);
	if (nd->router_lifetime) {
		bool fresh = !r;
		for (size_t i = 0; i < HZ_IPV6_ROUTERS && !r; i++)
			if (a_eq(ip->routers[i].addr, unspecified))
				r = &ip->routers[i];
		if (r && !r->is_static) {
			hz_memcpy(r->addr, h->src.b, 16);
			r->prf = nd->prf == 2 ? 0 : nd->prf; /* RFC 4191 2.2: reserved = medium */
			r->expires = ip->now + HZ_SEC(nd->router_lifetime);
			if (fresh)
				emit_event(ip, HZ_IPV6_EV_ROUTER, h->src.b, 0, nd->has_slla ? nd->slla : NULL,
				           nd->router_lifetime);
		}
	} else if (r && !r->is_static) {
		router_remove(ip, r);
	}
	if (nd->has_slla) {
		struct hz_ipv6_neigh *n = neigh_learn(ip, h->src.b, nd->slla);
		if (n)
			n->router = true;
	}
	if (nd->has_mtu && nd->mtu >= HZ_IPV6_MIN_MTU && nd->mtu <= ip->cfg.mtu &&
	    nd->mtu != ip->link_mtu) {
		ip->link_mtu = (uint16_t)nd->mtu;
		emit_event(ip, HZ_IPV6_EV_MTU, NULL, 0, NULL, nd->mtu);
	}
	for (size_t i = 0; i < nd->nprefixes; i++) {
		const struct hz_ipv6_nd_prefix *p = &nd->prefixes[i];
		/* A group is no prefix for hosts (found by fuzzing: SLAAC
		 * formed an "address" in ff00::/8). */
		if (hz_ipv6_addr_is_multicast(p->prefix))
			continue;
		if (p->onlink && !hz_ipv6_addr_is_link_local(p->prefix))
			(void)prefix_set(ip, p->prefix, p->plen, after_s(ip->now, p->valid), false);
		slaac_prefix(ip, p);
	}
	if (nd->nrdnss)
		rdnss_update(ip, nd);
	return HZ_OK;
}

/* RFC 4861 8.1 (validation) and 8.3 (processing). */
static int redirect_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h,
                       const struct hz_ipv6_nd *nd)
{
	if (!hz_ipv6_addr_is_link_local(h->src.b) || hz_ipv6_addr_is_multicast(nd->dest) ||
	    !(hz_ipv6_addr_is_link_local(nd->target) || a_eq(nd->target, nd->dest)))
		return dropped(ip, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
	uint8_t cur[16];
	if (!ip->cfg.accept_redirects || hz_ipv6_nexthop(ip, nd->dest, cur) || !a_eq(cur, h->src.b))
		return dropped(ip, HZ_IPV6_DROP_REDIRECT_REFUSED, HZ_ERR_REFUSED);
	ip->redirects_rx++;
	ip->rx_delivered++;
	struct hz_ipv6_dest *d = dest_get(ip, nd->dest);
	hz_memcpy(d->nexthop, nd->target, 16);
	d->redirected = true;
	d->used = ip->now;
	if (nd->has_tlla) {
		struct hz_ipv6_neigh *n = neigh_learn(ip, nd->target, nd->tlla);
		if (n && !a_eq(nd->target, nd->dest))
			n->router = true;
	}
	return HZ_OK;
}

static int nd_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const struct hz_ipv6_icmp *m,
                 bool fragmented)
{
	/* RFC 6980: ND never travels in fragments. RFC 4861 6.1, 7.1, 8.1:
	 * hop limit 255 (it was not forwarded) and code 0. */
	if (fragmented)
		return dropped(ip, HZ_IPV6_DROP_ND_FRAGMENTED, HZ_ERR_MALFORMED);
	if (h->hop_limit != 255 || m->code != 0)
		return dropped(ip, HZ_IPV6_DROP_ND_INVALID, HZ_ERR_MALFORMED);
	struct hz_ipv6_nd nd;
	enum hz_ipv6_drop why;
	int rc = hz_ipv6_nd_parse(&nd, m, &why);
	if (rc)
		return dropped(ip, why, rc);
	switch (m->type) {
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT:
		return ns_in(ip, h, &nd);
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT:
		return na_in(ip, h, &nd);
	case HZ_IPV6_ICMP_ROUTER_ADVERT:
		return ra_in(ip, h, &nd);
	case HZ_IPV6_ICMP_REDIRECT:
		return redirect_in(ip, h, &nd);
	default: /* router solicitations are for routers */
		return dropped(ip, HZ_IPV6_DROP_ICMP_IGNORED, HZ_ERR_UNSUPPORTED);
	}
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

struct rx_ctx {
	const uint8_t *pkt; /* the packet as received (NULL after reassembly) */
	size_t len;
	enum hz_cast l2cast;
	bool mcast;      /* to a group we joined */
	bool fragmented; /* rebuilt by reassembly */
	uint8_t ext_flags; /* HZ_IPV6_EXT_F_* of the walk that found the payload */
	uint8_t meta;    /* HZ_IP_RX_CSUM_VALID from the link */
};

static int icmp_in(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const uint8_t *msg,
                   size_t mlen, const struct rx_ctx *c)
{
	struct hz_ipv6_icmp m;
	enum hz_ipv6_drop why;
	int rc = hz_ipv6_icmp_parse(&m, msg, mlen, &h->src, &h->dst, &why);
	if (rc)
		return dropped(ip, why, rc);
	switch (m.type) {
	case HZ_IPV6_ICMP_ECHO:
		if (ip->cfg.echo_reply)
			return echo_reply(ip, h, &m, c->mcast);
		break;
	case HZ_IPV6_ICMP_ROUTER_SOLICIT:
	case HZ_IPV6_ICMP_ROUTER_ADVERT:
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT:
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT:
	case HZ_IPV6_ICMP_REDIRECT:
		/* RFC 6980: an atomic fragment is a fragment too. */
		return nd_in(ip, h, &m, c->fragmented || (c->ext_flags & HZ_IPV6_EXT_F_ATOMIC));
	case HZ_IPV6_ICMP_MLD_QUERY:
		return mld_query_in(ip, h, &m, c->ext_flags);
	default:
		/* 2.4 (d): errors, known or not, go to the transport concerned. */
		if (hz_ipv6_icmp_type_is_error(m.type))
			return icmp_error_in(ip, h, &m);
		break;
	}
	/* Replies and unknown informational messages: an ICMPv6 upper (a
	 * ping tool) may take them; else 2.4 (b) says discard. */
	const struct hz_ip_upper *up = upper_find(ip, HZ_IPV6_NH_ICMPV6);
	if (!up || m.type == HZ_IPV6_ICMP_ECHO)
		return dropped(ip, HZ_IPV6_DROP_ICMP_IGNORED, HZ_ERR_UNSUPPORTED);
	struct hz_ip_rx rx;
	hz_memset(&rx, 0, sizeof rx);
	rx.src = h->src;
	rx.dst = h->dst;
	rx.proto = HZ_IPV6_NH_ICMPV6;
	rx.ttl = h->hop_limit;
	rx.tos = h->tclass;
	rx.flags = c->mcast ? HZ_IP_RX_MCAST : 0;
	rx.pseudo = hz_ipv6_pseudo(&h->src, &h->dst, HZ_IPV6_NH_ICMPV6, mlen);
	rx.ip = &ip->ip;
	rx.now = ip->now;
	rc = up->input(up->ctx, &rx, msg, mlen);
	if (rc < 0)
		return rc;
	ip->rx_delivered++;
	return HZ_OK;
}

/* An error about the packet being processed: the original bytes when we
 * have them, else (reassembled) the rebuilt packet. */
static void rx_error(struct hz_ipv6 *ip, const struct rx_ctx *c, const uint8_t *pkt, size_t len,
                     uint8_t type, uint8_t code, uint32_t rest, bool allow_mcast)
{
	(void)hz_ipv6_icmp_error(ip, type, code, rest, c->pkt ? c->pkt : pkt, c->pkt ? c->len : len,
	                         c->l2cast, allow_mcast);
}

static int deliver(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const struct hz_ipv6_ext *x,
                   const uint8_t *pkt, size_t len, const struct rx_ctx *c)
{
	const uint8_t *payload = pkt + x->offset;
	size_t plen = len - x->offset;
	if (x->proto == HZ_IPV6_NH_NONE) {
		ip->rx_delivered++; /* RFC 8200 4.7: nothing follows */
		return HZ_OK;
	}
	if (x->proto == HZ_IPV6_NH_ICMPV6)
		return icmp_in(ip, h, payload, plen, c);
	const struct hz_ip_upper *up = upper_find(ip, x->proto);
	if (!up) {
		ip->drops[HZ_IPV6_DROP_NO_PROTO]++;
		/* RFC 8200 4: Parameter Problem code 1 at the Next Header byte. */
		if (!c->mcast)
			rx_error(ip, c, pkt, len, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_NEXT_HEADER,
			         x->proto_ptr, false);
		else
			ip->icmp_suppressed++;
		return HZ_ERR_UNSUPPORTED;
	}
	struct hz_ip_rx rx;
	hz_memset(&rx, 0, sizeof rx);
	rx.src = h->src;
	rx.dst = h->dst;
	rx.proto = x->proto;
	rx.ttl = h->hop_limit;
	rx.tos = h->tclass;
	rx.flags = (uint8_t)((c->mcast ? HZ_IP_RX_MCAST : 0u) | (c->meta & HZ_IP_RX_CSUM_VALID));
	rx.pseudo = hz_ipv6_pseudo(&h->src, &h->dst, x->proto, plen);
	rx.ip = &ip->ip;
	rx.now = ip->now;
	int rc = up->input(up->ctx, &rx, payload, plen);
	if (rc == HZ_ERR_REFUSED) {
		/* RFC 4443 3.1: port unreachable (never for a group). */
		if (!c->mcast)
			rx_error(ip, c, pkt, len, HZ_IPV6_ICMP_DEST_UNREACH, HZ_IPV6_ICMP_PORT_UNREACH, 0,
			         false);
		else
			ip->icmp_suppressed++;
		return rc;
	}
	if (rc < 0)
		return rc; /* the upper layer counted its own reason */
	ip->rx_delivered++;
	return HZ_OK;
}

/* Walk the extension headers of pkt and deliver, or answer the failure. */
static int walk_deliver(struct hz_ipv6 *ip, const struct hz_ipv6_hdr *h, const uint8_t *pkt,
                        size_t len, struct rx_ctx *c, hz_time_t now)
{
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop why;
	int rc = hz_ipv6_ext_walk(&x, pkt, len, &ip->cfg.ext, &why);
	if (rc < 0) {
		ip->drops[why]++;
		if (x.icmp)
			rx_error(ip, c, pkt, len, HZ_IPV6_ICMP_PARAM_PROBLEM, x.icmp_code, x.icmp_pointer,
			         x.icmp_code == HZ_IPV6_PP_OPTION);
		return rc;
	}
	if (!(x.flags & HZ_IPV6_EXT_F_FRAGMENT)) {
		c->ext_flags = x.flags;
		return deliver(ip, h, &x, pkt, len, c);
	}
	if (c->fragmented) /* a fragment inside a reassembled packet */
		return dropped(ip, HZ_IPV6_DROP_FRAG_MISMATCH, HZ_ERR_MALFORMED);
	const uint8_t *full;
	size_t flen;
	rc = hz_ipv6_reasm_input(&ip->reasm, h, &x, pkt, len, now, &full, &flen, &why);
	if (rc == HZ_ERR_WOULD_BLOCK)
		return HZ_OK;
	if (rc < 0) {
		ip->drops[why]++;
		if (why == HZ_IPV6_DROP_FRAG_FIRST_SHORT && !c->mcast) /* RFC 7112 5 */
			rx_error(ip, c, pkt, len, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_FIRST_FRAG, 0,
			         false);
		return rc;
	}
	struct hz_ipv6_hdr fh;
	rc = hz_ipv6_hdr_parse(&fh, full, flen, &why);
	if (rc < 0)
		return dropped(ip, why, rc);
	c->pkt = NULL;
	c->fragmented = true;
	c->meta = 0; /* the other fragments came without the link's word */
	return walk_deliver(ip, &fh, full, flen, c, now);
}

static void reasm_expired(void *ctx, const uint8_t *first, size_t len)
{
	struct hz_ipv6 *ip = (struct hz_ipv6 *)ctx;
	ip->drops[HZ_IPV6_DROP_FRAG_TIMEOUT]++;
	/* RFC 8200 4.5: Time Exceeded, fragment reassembly time exceeded. */
	(void)hz_ipv6_icmp_error(ip, HZ_IPV6_ICMP_TIME_EXCEEDED, HZ_IPV6_ICMP_REASM_TIMEOUT, 0, first,
	                         len, HZ_CAST_UNICAST, false);
}

static void reasm_run(struct hz_ipv6 *ip, hz_time_t now)
{
	uint64_t before = ip->reasm.timeouts, reported = ip->drops[HZ_IPV6_DROP_FRAG_TIMEOUT];
	hz_ipv6_reasm_poll(&ip->reasm, now, reasm_expired, ip);
	/* Datagrams that expired without their first fragment. */
	uint64_t silent = (ip->reasm.timeouts - before) -
	                  (ip->drops[HZ_IPV6_DROP_FRAG_TIMEOUT] - reported);
	ip->drops[HZ_IPV6_DROP_FRAG_TIMEOUT] += silent;
}

int hz_ipv6_input(struct hz_ipv6 *ip, const uint8_t *pkt, size_t len, enum hz_cast l2cast,
                  uint8_t rxflags, hz_time_t now)
{
	if (now > ip->now)
		ip->now = now;
	if (now >= ip->reasm.next_deadline)
		reasm_run(ip, now);
	struct hz_ipv6_hdr h;
	enum hz_ipv6_drop why;
	int rc = hz_ipv6_hdr_parse(&h, pkt, len, &why);
	if (rc < 0)
		return dropped(ip, why, rc);
	ip->rx_packets++;
	len = HZ_IPV6_HDR_LEN + (size_t)h.payload_len; /* without link padding */

	struct rx_ctx c = { .pkt = pkt, .len = len, .l2cast = l2cast, .meta = rxflags };
	if (hz_ipv6_addr_is_multicast(h.dst.b)) {
		if (!hz_ipv6_group_joined(ip, h.dst.b))
			return dropped(ip, HZ_IPV6_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
		c.mcast = true;
	} else {
		const struct hz_ipv6_addr *e = addr_lookup(ip, h.dst.b);
		if (!e || e->state == HZ_IPV6_ADDR_DUPLICATE)
			return dropped(ip, HZ_IPV6_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
		/* RFC 4862 5.4: a tentative address receives nothing but the
		 * ND messages of its own detection, which go to groups. */
		if (e->state == HZ_IPV6_ADDR_TENTATIVE)
			return dropped(ip, HZ_IPV6_DROP_TENTATIVE, HZ_ERR_NOT_FOUND);
	}
	return walk_deliver(ip, &h, pkt, len, &c, now);
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */
/* ------------------------------------------------------------------ */

static void rs_send(struct hz_ipv6 *ip)
{
	struct hz_ipv6_nd rs;
	hz_memset(&rs, 0, sizeof rs);
	rs.type = HZ_IPV6_ICMP_ROUTER_SOLICIT;
	uint8_t src[16];
	if (hz_ipv6_source(ip, all_routers, src)) {
		hz_memset(src, 0, 16); /* 6.3.7: from :: without SLLA */
	} else {
		rs.has_slla = true;
		hz_memcpy(rs.slla, ip->link.lladdr, HZ_MAC_LEN);
	}
	if (nd_send(ip, &rs, src, all_routers, NULL) == HZ_OK)
		ip->rs_tx++;
}

static void neigh_run(struct hz_ipv6 *ip, hz_time_t now)
{
	for (size_t i = 0; i < ip->st.nneigh; i++) {
		struct hz_ipv6_neigh *n = &ip->st.neigh[i];
		if (n->state == HZ_IPV6_ND_FREE || n->timer > now)
			continue;
		switch (n->state) {
		case HZ_IPV6_ND_INCOMPLETE:
			if (n->probes < MAX_MULTICAST_SOLICIT) {
				n->probes++;
				n->timer = now + HZ_MSEC(ip->retrans_ms);
				ns_send(ip, n->addr, false, NULL, NULL);
			} else {
				/* 7.2.2: resolution failed; drop what waited. */
				pending_drop(ip, n->addr);
				emit_event(ip, HZ_IPV6_EV_RESOLVE_FAILED, n->addr, 0, NULL, 0);
				hz_memset(n, 0, sizeof *n);
			}
			break;
		case HZ_IPV6_ND_REACHABLE:
			neigh_stale(n);
			break;
		case HZ_IPV6_ND_DELAY:
			n->state = HZ_IPV6_ND_PROBE;
			n->probes = 1;
			n->timer = now + HZ_MSEC(ip->retrans_ms);
			ns_send(ip, n->addr, true, n->lladdr, NULL);
			break;
		case HZ_IPV6_ND_PROBE:
			if (n->probes < MAX_UNICAST_SOLICIT) {
				n->probes++;
				n->timer = now + HZ_MSEC(ip->retrans_ms);
				ns_send(ip, n->addr, true, n->lladdr, NULL);
			} else {
				hz_memset(n, 0, sizeof *n);
			}
			break;
		default:
			n->timer = HZ_TIME_NEVER;
			break;
		}
	}
}

void hz_ipv6_neigh_confirm(struct hz_ipv6 *ip, const uint8_t addr[16])
{
	struct hz_ipv6_neigh *n = neigh_lookup(ip, addr);
	if (n && n->state != HZ_IPV6_ND_INCOMPLETE)
		neigh_reachable(ip, n);
}

static void addr_run(struct hz_ipv6 *ip, hz_time_t now)
{
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		struct hz_ipv6_addr *e = &ip->addrs[i];
		if (e->state == HZ_IPV6_ADDR_FREE)
			continue;
		if (e->valid_until <= now) {
			emit_event(ip, HZ_IPV6_EV_ADDR_EXPIRED, e->addr, e->plen, NULL, 0);
			addr_free(ip, e);
			continue;
		}
		if (e->state == HZ_IPV6_ADDR_PREFERRED && e->preferred_until <= now)
			e->state = HZ_IPV6_ADDR_DEPRECATED;
		if (e->state == HZ_IPV6_ADDR_TENTATIVE && e->timer <= now) {
			if (e->dad_left) {
				e->dad_left--;
				e->timer = now + HZ_MSEC(ip->retrans_ms);
				ns_send(ip, e->addr, false, NULL, e);
			} else {
				dad_done(ip, e);
			}
		}
	}
}

static void lists_run(struct hz_ipv6 *ip, hz_time_t now)
{
	for (size_t i = 0; i < HZ_IPV6_ROUTERS; i++) {
		struct hz_ipv6_router *r = &ip->routers[i];
		if (!a_eq(r->addr, unspecified) && r->expires <= now)
			router_remove(ip, r);
	}
	for (size_t i = 0; i < HZ_IPV6_PREFIXES; i++)
		if (ip->prefixes[i].plen && ip->prefixes[i].expires <= now)
			hz_memset(&ip->prefixes[i], 0, sizeof ip->prefixes[i]);
	bool rdnss_gone = false;
	for (size_t i = 0; i < HZ_IPV6_RDNSS; i++)
		if (ip->rdnss_expires[i] && ip->rdnss_expires[i] <= now) {
			ip->rdnss_expires[i] = 0;
			rdnss_gone = true;
		}
	if (rdnss_gone)
		emit_event(ip, HZ_IPV6_EV_RDNSS, NULL, 0, NULL, 0);
	for (size_t i = 0; i < HZ_IPV6_DESTS; i++) {
		struct hz_ipv6_dest *d = &ip->dests[i];
		if (d->pmtu && d->pmtu_expires <= now)
			d->pmtu = 0; /* RFC 8201 4: try the larger MTU again */
		if (!d->pmtu && !d->redirected && !a_eq(d->dst, unspecified))
			hz_memset(d, 0, sizeof *d);
	}
	/* RFC 4861 6.3.4: redraw ReachableTime every few hours. */
	if (now - ip->reachable_rand_at > TWO_HOURS)
		reachable_draw(ip);
}

static hz_time_t next_deadline(const struct hz_ipv6 *ip)
{
	hz_time_t t = ip->reasm.next_deadline;
	t = hz_time_min(t, ip->rs_left ? ip->rs_timer : HZ_TIME_NEVER);
	t = hz_time_min(t, ip->mld_general_at);
	for (size_t i = 0; i < ip->st.nneigh; i++)
		if (ip->st.neigh[i].state != HZ_IPV6_ND_FREE)
			t = hz_time_min(t, ip->st.neigh[i].timer);
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++) {
		const struct hz_ipv6_addr *e = &ip->addrs[i];
		if (e->state == HZ_IPV6_ADDR_FREE)
			continue;
		t = hz_time_min(t, e->valid_until);
		if (e->state == HZ_IPV6_ADDR_TENTATIVE)
			t = hz_time_min(t, e->timer);
		if (e->state == HZ_IPV6_ADDR_PREFERRED)
			t = hz_time_min(t, e->preferred_until);
	}
	for (size_t i = 0; i < HZ_IPV6_ROUTERS; i++)
		if (!a_eq(ip->routers[i].addr, unspecified))
			t = hz_time_min(t, ip->routers[i].expires);
	for (size_t i = 0; i < HZ_IPV6_PREFIXES; i++)
		if (ip->prefixes[i].plen)
			t = hz_time_min(t, ip->prefixes[i].expires);
	for (size_t i = 0; i < HZ_IPV6_RDNSS; i++)
		if (ip->rdnss_expires[i])
			t = hz_time_min(t, ip->rdnss_expires[i]);
	for (size_t i = 0; i < HZ_IPV6_DESTS; i++)
		if (ip->dests[i].pmtu)
			t = hz_time_min(t, ip->dests[i].pmtu_expires);
	for (size_t i = 0; i < HZ_IPV6_GROUPS; i++)
		if (ip->groups[i].refs)
			t = hz_time_min(t, ip->groups[i].timer);
	return t;
}

hz_time_t hz_ipv6_poll(struct hz_ipv6 *ip, hz_time_t now)
{
	if (now > ip->now)
		ip->now = now;
	now = ip->now;
	reasm_run(ip, now);
	hz_ratelimit_refill(&ip->icmp_limit, now);
	addr_run(ip, now);
	neigh_run(ip, now);
	if (ip->rs_left && ip->rs_timer <= now) {
		rs_send(ip);
		ip->rs_left--;
		ip->rs_timer = ip->rs_left ? now + RTR_SOLICITATION_INTERVAL : HZ_TIME_NEVER;
	}
	if (ip->up)
		mld_run(ip, now);
	lists_run(ip, now);
	ip->next_timer = next_deadline(ip);
	return ip->next_timer;
}
