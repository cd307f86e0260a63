/* arp: RFC 826 resolution and cache, RFC 1122 2.3.2 queueing and ageing,
 * RFC 5227 probing, announcing and defence. */
#include "haze/arp.h"

static const char *const drop_names[HZ_ARP_DROP_COUNT] = {
	[HZ_ARP_DROP_TRUNCATED] = "truncated",
	[HZ_ARP_DROP_MALFORMED] = "malformed",
	[HZ_ARP_DROP_UNSUPPORTED] = "unsupported",
	[HZ_ARP_DROP_NOT_FOR_US] = "not_for_us",
	[HZ_ARP_DROP_BAD_SENDER] = "bad_sender",
	[HZ_ARP_DROP_CONFLICT] = "conflict",
	[HZ_ARP_DROP_QUEUE_FULL] = "queue_full",
	[HZ_ARP_DROP_TOO_BIG] = "too_big",
	[HZ_ARP_DROP_RESOLVE_FAILED] = "resolve_failed",
	[HZ_ARP_DROP_EVICTED] = "evicted",
};

static const uint8_t mac_zero[HZ_MAC_LEN];
/* A private copy of ff:ff:ff:ff:ff:ff: referring to ethif's exported one
 * from PIC code would pull in a GOT reference. */
static const uint8_t mac_bcast[HZ_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int input(void *arp, const struct hz_ethif_frame *f, hz_time_t now);

const char *hz_arp_drop_name(unsigned reason)
{
	return reason < HZ_ARP_DROP_COUNT ? drop_names[reason] : "?";
}

void hz_arp_config_default(struct hz_arp_config *cfg)
{
	hz_memset(cfg, 0, sizeof *cfg);
	/* Cache and retries: RFC 1122 2.3.2.1 asks for a timeout on entries
	 * and at most one request per second per destination. */
	cfg->reachable = HZ_SEC(60);
	cfg->retry_interval = HZ_SEC(1);
	cfg->max_retries = 3;
	cfg->probe = false;
	/* RFC 5227 section 1.1. */
	cfg->probe_wait = HZ_SEC(1);
	cfg->probe_min = HZ_SEC(1);
	cfg->probe_max = HZ_SEC(2);
	cfg->probe_num = 3;
	cfg->announce_wait = HZ_SEC(2);
	cfg->announce_num = 2;
	cfg->announce_interval = HZ_SEC(2);
	cfg->max_conflicts = 10;
	cfg->rate_limit_interval = HZ_SEC(60);
	cfg->defend_interval = HZ_SEC(10);
}

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

int hz_arp_packet_parse(struct hz_arp_packet *p, const uint8_t *buf, size_t len)
{
	if (len < HZ_ARP_PACKET_LEN)
		return HZ_ERR_MALFORMED;
	/* RFC 826: ar$hrd, ar$pro, ar$hln, ar$pln, ar$op, then addresses. */
	if (hz_be16_load(buf) != HZ_ARP_HTYPE_ETHERNET || hz_be16_load(buf + 2) != HZ_ARP_PTYPE_IPV4)
		return HZ_ERR_UNSUPPORTED;
	/* Lengths that disagree with the types make the address fields
	 * ambiguous: the packet is broken, not merely foreign. */
	if (buf[4] != HZ_MAC_LEN || buf[5] != 4)
		return HZ_ERR_MALFORMED;
	uint16_t op = hz_be16_load(buf + 6);
	if (op != HZ_ARP_OP_REQUEST && op != HZ_ARP_OP_REPLY)
		return HZ_ERR_UNSUPPORTED; /* RARP and InARP opcodes */
	p->op = op;
	hz_memcpy(p->sha, buf + 8, HZ_MAC_LEN);
	p->spa = hz_be32_load(buf + 14);
	hz_memcpy(p->tha, buf + 18, HZ_MAC_LEN);
	p->tpa = hz_be32_load(buf + 24);
	return HZ_OK;
}

int hz_arp_packet_emit(uint8_t out[HZ_ARP_PACKET_LEN], const struct hz_arp_packet *p)
{
	hz_be16_store(out, HZ_ARP_HTYPE_ETHERNET); /* ar$hrd */
	hz_be16_store(out + 2, HZ_ARP_PTYPE_IPV4); /* ar$pro */
	out[4] = HZ_MAC_LEN;                       /* ar$hln */
	out[5] = 4;                                /* ar$pln */
	hz_be16_store(out + 6, p->op);             /* ar$op */
	hz_memcpy(out + 8, p->sha, HZ_MAC_LEN);    /* ar$sha */
	hz_be32_store(out + 14, p->spa);           /* ar$spa */
	hz_memcpy(out + 18, p->tha, HZ_MAC_LEN);   /* ar$tha */
	hz_be32_store(out + 24, p->tpa);           /* ar$tpa */
	return HZ_ARP_PACKET_LEN;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* 224.0.0.0/4 multicast and 240.0.0.0/4 (with 255.255.255.255): never a
 * host's address, so never cached or claimed. */
static bool ip_is_group(uint32_t ip)
{
	return (ip >> 28) >= 0xeu;
}

static const uint8_t *our_mac(const struct hz_arp *a)
{
	return a->eth->netif->mac;
}

static void event(struct hz_arp *a, enum hz_arp_event ev, uint32_t ip, const uint8_t *mac)
{
	if (a->event)
		a->event(a->event_ctx, ev, ip, mac ? mac : mac_zero);
}

/* A uniformly random delay in [lo, hi] from the shim (RFC 5227 1.1). */
static hz_time_t rand_between(const struct hz_arp *a, hz_time_t lo, hz_time_t hi)
{
	if (hi <= lo)
		return lo;
	uint8_t b[8];
	hz_random(a->shim, b, sizeof b);
	uint64_t r = hz_be64_load(b);
	hz_time_t span = hi - lo;
	return lo + (span == UINT64_MAX ? r : r % (span + 1));
}

static hz_time_t after(hz_time_t now, hz_time_t d)
{
	return d > HZ_TIME_NEVER - 1 - now ? HZ_TIME_NEVER - 1 : now + d;
}

static int send_arp(struct hz_arp *a, uint16_t op, const uint8_t dst[HZ_MAC_LEN],
                    const uint8_t tha[HZ_MAC_LEN], uint32_t spa, uint32_t tpa)
{
	uint8_t buf[HZ_ETHIF_VLAN_HDR_LEN + HZ_ARP_PACKET_LEN];
	struct hz_arp_packet p;
	struct hz_pbuf pb;
	p.op = op;
	hz_memcpy(p.sha, our_mac(a), HZ_MAC_LEN);
	p.spa = spa;
	hz_memcpy(p.tha, tha, HZ_MAC_LEN);
	p.tpa = tpa;
	hz_arp_packet_emit(buf + HZ_ETHIF_VLAN_HDR_LEN, &p);
	hz_pbuf_init(&pb, buf, sizeof buf, HZ_ETHIF_VLAN_HDR_LEN);
	pb.len = HZ_ARP_PACKET_LEN;
	return hz_ethif_output(a->eth, &pb, dst, HZ_ETHIF_TYPE_ARP);
}

/* A request for tpa. The target hardware address is unknown and sent as
 * zero (RFC 5227 2.1.1 asks this of probes; RFC 826 ignores it). Before
 * our address is usable the sender address is 0, so nobody caches an
 * address we may not keep (RFC 5227 section 2.1). */
static int send_request(struct hz_arp *a, const uint8_t dst[HZ_MAC_LEN], uint32_t tpa)
{
	uint32_t spa = hz_arp_addr_ready(a) ? a->addr : 0;
	return send_arp(a, HZ_ARP_OP_REQUEST, dst, mac_zero, spa, tpa);
}

/* RFC 5227 2.1.1 probe: sender IP 0, target the address wanted. */
static void send_probe(struct hz_arp *a)
{
	send_arp(a, HZ_ARP_OP_REQUEST, mac_bcast, mac_zero, 0, a->addr);
}

/* RFC 5227 section 3 announcement: a request with sender and target both
 * our address, broadcast, so every cache holding it is updated. */
static void send_announce(struct hz_arp *a)
{
	send_arp(a, HZ_ARP_OP_REQUEST, mac_bcast, mac_zero, a->addr, a->addr);
}

/* ------------------------------------------------------------------ */
/* Pending packets                                                     */
/* ------------------------------------------------------------------ */

static uint8_t *slot_bytes(const struct hz_arp *a, size_t i)
{
	return a->qbuf + i * a->qslot_size;
}

static int queue_add(struct hz_arp *a, uint32_t ip, const struct hz_pbuf *pb)
{
	if (a->qslot_size < HZ_ARP_QSLOT_HEADROOM || pb->len > a->qslot_size - HZ_ARP_QSLOT_HEADROOM ||
	    pb->len == 0) {
		a->drops[HZ_ARP_DROP_TOO_BIG]++;
		return HZ_ERR_NO_SPACE;
	}
	for (size_t i = 0; i < a->nqueue; i++) {
		struct hz_arp_pending *q = &a->queue[i];
		if (q->len)
			continue;
		hz_memcpy(slot_bytes(a, i) + HZ_ARP_QSLOT_HEADROOM, hz_pbuf_data(pb), pb->len);
		q->ip = ip;
		q->seq = a->seq++;
		q->len = pb->len;
		q->flags = pb->flags;
		q->csum_start = pb->csum_start;
		q->csum_off = pb->csum_off;
		return HZ_OK;
	}
	a->drops[HZ_ARP_DROP_QUEUE_FULL]++;
	return HZ_ERR_NO_SPACE;
}

/* Drop every packet waiting for ip, counted under `why`. */
static void queue_drop(struct hz_arp *a, uint32_t ip, enum hz_arp_drop why)
{
	for (size_t i = 0; i < a->nqueue; i++) {
		struct hz_arp_pending *q = &a->queue[i];
		if (q->len && q->ip == ip) {
			q->len = 0;
			a->drops[why]++;
		}
	}
}

/* Send every packet waiting for ip to mac, oldest first (RFC 1122 2.3.2.2
 * keeps the order the network layer gave them). */
static void queue_release(struct hz_arp *a, uint32_t ip, const uint8_t mac[HZ_MAC_LEN])
{
	uint8_t dst[HZ_MAC_LEN];
	hz_memcpy(dst, mac, HZ_MAC_LEN); /* mac may live in an entry we reuse */
	for (;;) {
		struct hz_arp_pending *first = NULL;
		size_t at = 0;
		for (size_t i = 0; i < a->nqueue; i++) {
			struct hz_arp_pending *q = &a->queue[i];
			if (!q->len || q->ip != ip)
				continue;
			/* Serial comparison, so the order survives seq wrapping. */
			if (!first || (int32_t)(q->seq - first->seq) < 0) {
				first = q;
				at = i;
			}
		}
		if (!first)
			return;
		struct hz_pbuf pb;
		hz_pbuf_init(&pb, slot_bytes(a, at), a->qslot_size, HZ_ARP_QSLOT_HEADROOM);
		pb.len = first->len;
		pb.flags = first->flags;
		pb.csum_start = first->csum_start;
		pb.csum_off = first->csum_off;
		/* Free the slot before sending: the netif copies or sends at
		 * once, and a re-entrant output may then reuse it. */
		first->len = 0;
		hz_ethif_output(a->eth, &pb, dst, HZ_ETHIF_TYPE_IPV4);
	}
}

/* ------------------------------------------------------------------ */
/* Cache                                                               */
/* ------------------------------------------------------------------ */

static struct hz_arp_entry *entry_find(const struct hz_arp *a, uint32_t ip)
{
	for (size_t i = 0; i < a->ncache; i++) {
		struct hz_arp_entry *e = &a->cache[i];
		if (e->state != HZ_ARP_STATE_FREE && e->ip == ip)
			return e;
	}
	return NULL;
}

static void entry_free(struct hz_arp *a, struct hz_arp_entry *e)
{
	if (e->state == HZ_ARP_STATE_INCOMPLETE)
		queue_drop(a, e->ip, HZ_ARP_DROP_EVICTED);
	hz_memset(e, 0, sizeof *e);
}

/* Replacement order: unanswered resolutions first, then stale entries,
 * then confirmed ones. Anyone can make us resolve addresses (a SYN flood
 * from spoofed neighbours makes every SYN-ACK need ARP); ranking those
 * first means such a flood recycles its own entries instead of pushing
 * out the neighbours we are actually talking to. */
static unsigned entry_rank(const struct hz_arp_entry *e)
{
	switch (e->state) {
	case HZ_ARP_STATE_INCOMPLETE:
		return 0;
	case HZ_ARP_STATE_STALE:
		return 1;
	default:
		return 2;
	}
}

/* A free entry, or a non-static one emptied: the lowest rank, and within
 * it the oldest (RFC 1122 2.3.2.1 leaves the policy open; the oldest
 * confirmation is the least likely to still be right). NULL when every
 * entry is static. */
static struct hz_arp_entry *entry_alloc(struct hz_arp *a, uint32_t ip)
{
	struct hz_arp_entry *victim = NULL;
	for (size_t i = 0; i < a->ncache; i++) {
		struct hz_arp_entry *e = &a->cache[i];
		if (e->state == HZ_ARP_STATE_FREE) {
			victim = e;
			break;
		}
		if (e->state == HZ_ARP_STATE_STATIC)
			continue;
		if (!victim || entry_rank(e) < entry_rank(victim) ||
		    (entry_rank(e) == entry_rank(victim) && e->updated < victim->updated))
			victim = e;
	}
	if (!victim)
		return NULL;
	entry_free(a, victim);
	victim->ip = ip;
	return victim;
}

/* ip is at mac: the RFC 826 merge (or insert). Waiting packets go out. */
static void entry_learn(struct hz_arp *a, struct hz_arp_entry *e, const uint8_t mac[HZ_MAC_LEN])
{
	bool was_incomplete = e->state == HZ_ARP_STATE_INCOMPLETE;
	hz_memcpy(e->mac, mac, HZ_MAC_LEN);
	e->state = HZ_ARP_STATE_REACHABLE;
	e->requests = 0;
	e->used = false;
	e->updated = a->now;
	e->deadline = after(a->now, a->cfg.reachable);
	if (was_incomplete) {
		uint32_t ip = e->ip;
		queue_release(a, ip, mac);
		event(a, HZ_ARP_EV_RESOLVED, ip, mac);
	}
}

int hz_arp_lookup(const struct hz_arp *a, uint32_t ip, uint8_t mac_out[HZ_MAC_LEN])
{
	const struct hz_arp_entry *e = entry_find(a, ip);
	if (!e || e->state == HZ_ARP_STATE_INCOMPLETE)
		return HZ_ERR_NOT_FOUND;
	hz_memcpy(mac_out, e->mac, HZ_MAC_LEN);
	return HZ_OK;
}

int hz_arp_entry_add_static(struct hz_arp *a, uint32_t ip, const uint8_t mac[HZ_MAC_LEN])
{
	if (ip == 0 || ip_is_group(ip) || (mac[0] & 1u))
		return HZ_ERR_INVALID;
	struct hz_arp_entry *e = entry_find(a, ip);
	if (!e)
		e = entry_alloc(a, ip);
	if (!e)
		return HZ_ERR_NO_SPACE;
	bool was_incomplete = e->state == HZ_ARP_STATE_INCOMPLETE;
	hz_memcpy(e->mac, mac, HZ_MAC_LEN);
	e->state = HZ_ARP_STATE_STATIC;
	e->requests = 0;
	e->used = false;
	e->updated = a->now;
	e->deadline = HZ_TIME_NEVER;
	if (was_incomplete)
		queue_release(a, ip, mac);
	return HZ_OK;
}

int hz_arp_entry_del(struct hz_arp *a, uint32_t ip)
{
	struct hz_arp_entry *e = entry_find(a, ip);
	if (!e)
		return HZ_ERR_NOT_FOUND;
	entry_free(a, e);
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

void hz_arp_init(struct hz_arp *a, struct hz_ethif *eth, const struct hz_shim *shim,
                 const struct hz_arp_config *cfg,
                 struct hz_arp_entry *cache, size_t ncache,
                 struct hz_arp_pending *queue, size_t nqueue,
                 uint8_t *qbuf, size_t qslot_size)
{
	hz_memset(a, 0, sizeof *a);
	a->eth = eth;
	a->shim = shim;
	if (cfg)
		a->cfg = *cfg;
	else
		hz_arp_config_default(&a->cfg);
	a->cache = cache;
	a->ncache = cache ? ncache : 0;
	if (a->ncache)
		hz_memset(cache, 0, ncache * sizeof *cache);
	a->queue = queue;
	a->nqueue = (queue && qbuf) ? nqueue : 0;
	if (a->nqueue)
		hz_memset(queue, 0, nqueue * sizeof *queue);
	a->qbuf = qbuf;
	a->qslot_size = qslot_size;
	a->last_defend = HZ_TIME_NEVER;
	/* The static `input`, not hz_arp_input: taking an exported
	 * function's address from PIC code would need the GOT. */
	a->err = hz_ethif_proto_register(eth, HZ_ETHIF_TYPE_ARP, input, a);
}

void hz_arp_event_set(struct hz_arp *a, hz_arp_event_fn fn, void *ctx)
{
	a->event = fn;
	a->event_ctx = ctx;
}

bool hz_arp_addr_ready(const struct hz_arp *a)
{
	return a->addr_state == HZ_ARP_ADDR_ANNOUNCING || a->addr_state == HZ_ARP_ADDR_BOUND;
}

/* Start announcing: the address is ours from the first announcement
 * (RFC 5227 2.3). */
static void addr_announce_start(struct hz_arp *a)
{
	a->addr_state = HZ_ARP_ADDR_ANNOUNCING;
	send_announce(a);
	a->addr_count = 1;
	a->addr_deadline = after(a->now, a->cfg.announce_interval);
	if (a->addr_count >= a->cfg.announce_num)
		a->addr_state = HZ_ARP_ADDR_BOUND;
	event(a, HZ_ARP_EV_ADDR_READY, a->addr, our_mac(a));
}

int hz_arp_addr_set(struct hz_arp *a, uint32_t ip, hz_time_t now)
{
	if (ip != 0 && ip_is_group(ip))
		return HZ_ERR_INVALID;
	a->now = now;
	a->addr = ip;
	a->addr_count = 0;
	a->last_defend = HZ_TIME_NEVER;
	if (ip == 0) {
		a->addr_state = HZ_ARP_ADDR_NONE;
		return HZ_OK;
	}
	/* A neighbour entry for our own address would be wrong from now on. */
	struct hz_arp_entry *e = entry_find(a, ip);
	if (e)
		entry_free(a, e);
	if (!a->cfg.probe) {
		addr_announce_start(a);
		return HZ_OK;
	}
	/* RFC 5227 2.1.1: wait a random 0..PROBE_WAIT so hosts powered on
	 * together do not probe in step; after MAX_CONFLICTS conflicts, start
	 * no sooner than RATE_LIMIT_INTERVAL after the last one. */
	hz_time_t start = after(now, rand_between(a, 0, a->cfg.probe_wait));
	if (a->conflicts >= a->cfg.max_conflicts && a->cfg.max_conflicts) {
		hz_time_t limit = after(a->last_conflict, a->cfg.rate_limit_interval);
		if (limit > start)
			start = limit;
	}
	a->addr_state = HZ_ARP_ADDR_PROBE_WAIT;
	a->addr_deadline = start;
	return HZ_OK;
}

/* Another host claims our address (sha is theirs). */
static void addr_conflict(struct hz_arp *a, const uint8_t sha[HZ_MAC_LEN])
{
	a->drops[HZ_ARP_DROP_CONFLICT]++;
	hz_log(a->shim, HZ_LOG_WARN, "arp: address conflict on %u.%u.%u.%u with %02x:%02x:%02x:%02x:%02x:%02x",
	       (unsigned)(a->addr >> 24), (unsigned)(a->addr >> 16 & 0xff), (unsigned)(a->addr >> 8 & 0xff),
	       (unsigned)(a->addr & 0xff), sha[0], sha[1], sha[2], sha[3], sha[4], sha[5]);
	switch (a->addr_state) {
	case HZ_ARP_ADDR_PROBE_WAIT:
	case HZ_ARP_ADDR_PROBING:
		/* RFC 5227 2.1.1: the address is not ours; give it up. */
		a->addr_state = HZ_ARP_ADDR_CONFLICT;
		if (a->conflicts < UINT8_MAX)
			a->conflicts++;
		a->last_conflict = a->now;
		break;
	case HZ_ARP_ADDR_ANNOUNCING:
	case HZ_ARP_ADDR_BOUND:
		/* RFC 5227 2.4 (b)/(c): keep the address and defend it with one
		 * announcement per DEFEND_INTERVAL, so two defenders do not
		 * flood the link. */
		if (a->last_defend == HZ_TIME_NEVER || a->now - a->last_defend >= a->cfg.defend_interval) {
			a->last_defend = a->now;
			send_announce(a);
		}
		break;
	default:
		return;
	}
	event(a, HZ_ARP_EV_CONFLICT, a->addr, sha);
}

/* RFC 5227 2.1.1 / 2.4: does this packet dispute our address? */
static bool is_conflict(const struct hz_arp *a, const struct hz_arp_packet *p)
{
	switch (a->addr_state) {
	case HZ_ARP_ADDR_PROBE_WAIT:
	case HZ_ARP_ADDR_PROBING:
		/* Someone uses it, or probes for it at the same time. */
		return p->spa == a->addr ||
		       (p->op == HZ_ARP_OP_REQUEST && p->spa == 0 && p->tpa == a->addr);
	case HZ_ARP_ADDR_ANNOUNCING:
	case HZ_ARP_ADDR_BOUND:
		return p->spa == a->addr;
	default:
		return false;
	}
}

static int input(void *arp, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct hz_arp *a = arp;
	struct hz_arp_packet p;
	a->now = now;
	int rc = hz_arp_packet_parse(&p, f->payload, f->payload_len);
	if (rc < 0) {
		if (f->payload_len < HZ_ARP_PACKET_LEN)
			a->drops[HZ_ARP_DROP_TRUNCATED]++;
		else if (rc == HZ_ERR_MALFORMED)
			a->drops[HZ_ARP_DROP_MALFORMED]++;
		else
			a->drops[HZ_ARP_DROP_UNSUPPORTED]++;
		return rc;
	}
	/* A group or our own sender address is a loop or a lie; caching it
	 * would misdirect traffic (RFC 1122 2.3.2.1 asks for such checks). */
	if ((p.sha[0] & 1u) || hz_memcmp(p.sha, our_mac(a), HZ_MAC_LEN) == 0 || ip_is_group(p.spa)) {
		a->drops[HZ_ARP_DROP_BAD_SENDER]++;
		return HZ_ERR_INVALID;
	}
	if (is_conflict(a, &p)) {
		addr_conflict(a, p.sha);
		return HZ_OK;
	}
	/* RFC 826 "Packet Reception": if the sender is in the table, update
	 * it, whoever the target; spa 0 is a probe and names nobody. */
	bool merged = false;
	struct hz_arp_entry *e = p.spa ? entry_find(a, p.spa) : NULL;
	if (e && e->state != HZ_ARP_STATE_STATIC) {
		entry_learn(a, e, p.sha);
		merged = true;
	}
	bool ours = hz_arp_addr_ready(a) && p.tpa == a->addr;
	if (!ours) {
		if (!merged)
			a->drops[HZ_ARP_DROP_NOT_FOR_US]++;
		return HZ_OK;
	}
	/* RFC 826: only the target adds a new entry, since it is about to talk
	 * to the sender anyway. */
	if (!merged && p.spa && !entry_find(a, p.spa)) {
		e = entry_alloc(a, p.spa);
		if (e)
			entry_learn(a, e, p.sha);
	}
	if (p.op == HZ_ARP_OP_REQUEST) {
		/* RFC 826: swap, fill in our hardware address, reply unicast to
		 * the sender (a probe's spa 0 comes back as tpa 0). */
		send_arp(a, HZ_ARP_OP_REPLY, p.sha, p.sha, a->addr, p.spa);
	}
	return HZ_OK;
}

int hz_arp_input(void *arp, const struct hz_ethif_frame *f, hz_time_t now)
{
	return input(arp, f, now);
}

int hz_arp_output(void *arp, struct hz_pbuf *pb, uint32_t nexthop, enum hz_cast cast)
{
	struct hz_arp *a = arp;
	uint8_t dst[HZ_MAC_LEN];
	switch (cast) {
	case HZ_CAST_BROADCAST:
		return hz_ethif_output(a->eth, pb, mac_bcast, HZ_ETHIF_TYPE_IPV4);
	case HZ_CAST_MULTICAST:
		/* RFC 1112 6.4: no resolution, the group maps to a MAC. */
		hz_ethif_mcast_ipv4_mac(nexthop, dst);
		return hz_ethif_output(a->eth, pb, dst, HZ_ETHIF_TYPE_IPV4);
	case HZ_CAST_UNICAST:
		break;
	default:
		return HZ_ERR_INVALID;
	}
	if (nexthop == 0 || nexthop == a->addr || ip_is_group(nexthop))
		return HZ_ERR_INVALID;
	struct hz_arp_entry *e = entry_find(a, nexthop);
	if (e) {
		switch (e->state) {
		case HZ_ARP_STATE_REACHABLE:
		case HZ_ARP_STATE_STALE:
			/* Remember the use: at expiry a used entry is polled
			 * rather than dropped (RFC 1122 2.3.2.1). */
			e->used = true;
			HZ_FALLTHROUGH;
		case HZ_ARP_STATE_STATIC:
			hz_memcpy(dst, e->mac, HZ_MAC_LEN);
			return hz_ethif_output(a->eth, pb, dst, HZ_ETHIF_TYPE_IPV4);
		case HZ_ARP_STATE_INCOMPLETE:
			/* A request is already out; retries run from poll. */
			return queue_add(a, nexthop, pb);
		default:
			return HZ_ERR_INTERNAL;
		}
	}
	e = entry_alloc(a, nexthop);
	if (!e) {
		a->drops[HZ_ARP_DROP_QUEUE_FULL]++;
		return HZ_ERR_NO_SPACE;
	}
	/* RFC 826: ask by broadcast. Resolution starts even if the packet
	 * cannot wait, so the next one finds the address. */
	e->state = HZ_ARP_STATE_INCOMPLETE;
	e->updated = a->now;
	e->requests = 1;
	e->deadline = after(a->now, a->cfg.retry_interval);
	int rc = queue_add(a, nexthop, pb);
	send_request(a, mac_bcast, nexthop);
	return rc;
}

/* One entry's timer at or after its deadline. */
static void entry_timer(struct hz_arp *a, struct hz_arp_entry *e)
{
	uint32_t ip = e->ip;
	switch (e->state) {
	case HZ_ARP_STATE_INCOMPLETE:
		if (e->requests > a->cfg.max_retries) {
			/* RFC 1122 2.3.2.2: give up, drop what waited, tell
			 * the caller (ipv4 may report host unreachable). */
			queue_drop(a, ip, HZ_ARP_DROP_RESOLVE_FAILED);
			hz_memset(e, 0, sizeof *e);
			event(a, HZ_ARP_EV_RESOLVE_FAILED, ip, NULL);
			return;
		}
		/* RFC 1122 2.3.2.1: at most one request per retry_interval. */
		e->requests++;
		e->deadline = after(a->now, a->cfg.retry_interval);
		send_request(a, mac_bcast, ip);
		return;
	case HZ_ARP_STATE_REACHABLE:
		if (!e->used) {
			/* RFC 1122 2.3.2.1: entries time out; an idle one just goes. */
			hz_memset(e, 0, sizeof *e);
			return;
		}
		/* In use: keep sending to the old MAC and poll it (unicast
		 * poll, RFC 1122 2.3.2.1), so traffic never stalls. */
		e->state = HZ_ARP_STATE_STALE;
		e->requests = 1;
		e->deadline = after(a->now, a->cfg.retry_interval);
		send_request(a, e->mac, ip);
		return;
	case HZ_ARP_STATE_STALE:
		if (e->requests > a->cfg.max_retries) {
			/* N polls unanswered: delete (RFC 1122 2.3.2.1). */
			hz_memset(e, 0, sizeof *e);
			return;
		}
		e->requests++;
		e->deadline = after(a->now, a->cfg.retry_interval);
		send_request(a, e->mac, ip);
		return;
	default:
		return;
	}
}

/* One step of the RFC 5227 timeline at or after its deadline. */
static void addr_timer(struct hz_arp *a)
{
	switch (a->addr_state) {
	case HZ_ARP_ADDR_PROBE_WAIT:
	case HZ_ARP_ADDR_PROBING:
		if (a->addr_count < a->cfg.probe_num) {
			/* RFC 5227 2.1.1: PROBE_NUM probes, PROBE_MIN..PROBE_MAX
			 * apart, then ANNOUNCE_WAIT after the last. */
			a->addr_state = HZ_ARP_ADDR_PROBING;
			send_probe(a);
			a->addr_count++;
			hz_time_t wait = a->addr_count < a->cfg.probe_num
			                         ? rand_between(a, a->cfg.probe_min, a->cfg.probe_max)
			                         : a->cfg.announce_wait;
			a->addr_deadline = after(a->now, wait);
			return;
		}
		/* RFC 5227 2.3: no conflict heard: the address is ours. */
		a->conflicts = 0;
		addr_announce_start(a);
		return;
	case HZ_ARP_ADDR_ANNOUNCING:
		/* RFC 5227 2.3: ANNOUNCE_NUM announcements,
		 * ANNOUNCE_INTERVAL apart. */
		send_announce(a);
		a->addr_count++;
		if (a->addr_count >= a->cfg.announce_num)
			a->addr_state = HZ_ARP_ADDR_BOUND;
		else
			a->addr_deadline = after(a->now, a->cfg.announce_interval);
		return;
	default:
		return;
	}
}

static bool addr_timer_pending(const struct hz_arp *a)
{
	return a->addr_state == HZ_ARP_ADDR_PROBE_WAIT || a->addr_state == HZ_ARP_ADDR_PROBING ||
	       a->addr_state == HZ_ARP_ADDR_ANNOUNCING;
}

hz_time_t hz_arp_poll(struct hz_arp *a, hz_time_t now)
{
	a->now = now;
	for (size_t i = 0; i < a->ncache; i++) {
		struct hz_arp_entry *e = &a->cache[i];
		if (e->state != HZ_ARP_STATE_FREE && e->state != HZ_ARP_STATE_STATIC && now >= e->deadline)
			entry_timer(a, e);
	}
	if (addr_timer_pending(a) && now >= a->addr_deadline)
		addr_timer(a);
	/* Collect after running: an event callback may have changed things. */
	hz_time_t next = HZ_TIME_NEVER;
	for (size_t i = 0; i < a->ncache; i++) {
		const struct hz_arp_entry *e = &a->cache[i];
		if (e->state != HZ_ARP_STATE_FREE && e->state != HZ_ARP_STATE_STATIC)
			next = hz_time_min(next, e->deadline);
	}
	if (addr_timer_pending(a))
		next = hz_time_min(next, a->addr_deadline);
	return next;
}
