/* Composition of ethif, arp, ipv4, ipv6, udp and tcp into one stack over a netif. */
#include "haze/stack.h"

/* What ethif transmits through: count, then hand to the backend. */
static int stack_transmit(void *ctx, struct hz_pbuf *frame)
{
	struct hz_stack *s = ctx;
	int r = s->dev->transmit(s->dev->ctx, frame);
	if (r < 0) {
		s->stats.tx_errors++;
		return r;
	}
	s->stats.tx_frames++;
	s->stats.tx_bytes += frame->len;
	return r;
}

/* ethif's handler for 0x0800: ipv4 wants the payload, the link cast and
 * what the backend said about the frame (carried in the frame view). */
static int stack_ipv4_input(void *ctx, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct hz_stack *s = ctx;
	return hz_ipv4_input_meta(&s->ip, f->payload, f->payload_len, f->cast, f->rx_flags, now);
}

/* ethif's handler for 0x86DD: the same for ipv6. */
static int stack_ipv6_input(void *ctx, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct hz_stack *s = ctx;
	return hz_ipv6_input(&s->ip6, f->payload, f->payload_len, f->cast, f->rx_flags, now);
}

/* ipv6's link: unicast to the MAC neighbour discovery found, multicast to
 * the group's mapped MAC (RFC 2464 section 7). ethif restores pb. */
static int stack_ipv6_output(void *ctx, struct hz_pbuf *pb, const uint8_t *ll,
                             const uint8_t dst[16])
{
	struct hz_stack *s = ctx;
	uint8_t mac[HZ_MAC_LEN];
	if (!ll) {
		hz_ethif_mcast_ipv6_mac(dst, mac);
		ll = mac;
	}
	return hz_ethif_output(&s->eth, pb, ll, HZ_ETHIF_TYPE_IPV6);
}

/* ipv6 joins a group (all-nodes, each solicited-node group): let its MAC
 * through ethif's filter. Two groups may share a MAC (the mapping keeps
 * 32 bits); ethif counts joins, so each leave undoes one join. */
static int stack_ipv6_mcast(void *ctx, const uint8_t group[16], bool join)
{
	struct hz_stack *s = ctx;
	uint8_t mac[HZ_MAC_LEN];
	hz_ethif_mcast_ipv6_mac(group, mac);
	return join ? hz_ethif_mcast_join(&s->eth, mac) : hz_ethif_mcast_leave(&s->eth, mac);
}

static void stack_emit_ev(struct hz_stack *s, struct hz_stack_event *ev)
{
	ev->now = s->now;
	s->event(s->event_ctx, ev);
}

static void stack_emit(struct hz_stack *s, enum hz_stack_event_kind kind, const char *name,
                       uint32_t ip, const uint8_t mac[HZ_MAC_LEN])
{
	if (!s->event)
		return;
	struct hz_stack_event ev;
	hz_memset(&ev, 0, sizeof ev);
	ev.kind = (uint8_t)kind;
	ev.name = name;
	ev.addr = ip;
	ev.ip = hz_ipaddr_v4(ip);
	if (mac)
		hz_memcpy(ev.mac, mac, HZ_MAC_LEN);
	stack_emit_ev(s, &ev);
}

/* ipv6's events, renamed into the stack's kinds. */
static const struct {
	uint8_t kind;
	const char *name;
} ipv6_events[] = {
	[HZ_IPV6_EV_ADDR_READY] = { HZ_STACK_EV_ADDR6_READY, "addr6_ready" },
	[HZ_IPV6_EV_ADDR_CONFLICT] = { HZ_STACK_EV_ADDR6_CONFLICT, "addr6_conflict" },
	[HZ_IPV6_EV_ADDR_EXPIRED] = { HZ_STACK_EV_ADDR6_EXPIRED, "addr6_expired" },
	[HZ_IPV6_EV_ROUTER] = { HZ_STACK_EV_ROUTER6, "router6" },
	[HZ_IPV6_EV_ROUTER_GONE] = { HZ_STACK_EV_ROUTER6_GONE, "router6_gone" },
	[HZ_IPV6_EV_RDNSS] = { HZ_STACK_EV_RDNSS, "rdnss" },
	[HZ_IPV6_EV_RESOLVED] = { HZ_STACK_EV_RESOLVED6, "resolved6" },
	[HZ_IPV6_EV_RESOLVE_FAILED] = { HZ_STACK_EV_RESOLVE6_FAILED, "resolve6_failed" },
	[HZ_IPV6_EV_MTU] = { HZ_STACK_EV_MTU6, "mtu6" },
};

static void stack_ipv6_event(void *ctx, const struct hz_ipv6_event *e)
{
	struct hz_stack *s = ctx;
	if (!s->event || e->kind >= HZ_ARRAY_LEN(ipv6_events) || !ipv6_events[e->kind].name)
		return; /* a kind this stack does not know yet: nothing to map */
	struct hz_stack_event ev;
	hz_memset(&ev, 0, sizeof ev);
	ev.kind = ipv6_events[e->kind].kind;
	ev.name = ipv6_events[e->kind].name;
	ev.ip = e->addr;
	ev.plen = e->plen;
	ev.value = e->value;
	hz_memcpy(ev.mac, e->lladdr, HZ_MAC_LEN);
	stack_emit_ev(s, &ev);
}

static void stack_arp_event(void *ctx, enum hz_arp_event ev, uint32_t ip,
                            const uint8_t mac[HZ_MAC_LEN])
{
	struct hz_stack *s = ctx;
	switch (ev) {
	case HZ_ARP_EV_ADDR_READY:
		/* RFC 5227 section 2.1: the address may be used only once probing
		 * is over, so with probing ipv4 learns it only now. */
		if (s->ip.addr != ip) {
			int r = hz_ipv4_addr_set(&s->ip, ip, s->cfg_netmask, s->cfg_gateway);
			if (r < 0)
				hz_log(s->shim, HZ_LOG_ERROR, "stack: ipv4 address: %s", hz_err_name(r));
		}
		stack_emit(s, HZ_STACK_EV_ADDR_READY, "addr_ready", ip, NULL);
		break;
	case HZ_ARP_EV_CONFLICT:
		stack_emit(s, HZ_STACK_EV_ADDR_CONFLICT, "conflict", ip, mac);
		break;
	case HZ_ARP_EV_RESOLVE_FAILED:
		stack_emit(s, HZ_STACK_EV_RESOLVE_FAILED, "resolve_failed", ip, NULL);
		break;
	case HZ_ARP_EV_RESOLVED:
		stack_emit(s, HZ_STACK_EV_RESOLVED, "resolved", ip, mac);
		break;
	default:
		break;
	}
}

int hz_stack_config_set_ip(struct hz_stack_config *cfg, const char *prefix)
{
	struct hz_ipaddr a;
	unsigned plen;
	if (hz_ipaddr_parse_prefix(&a, &plen, prefix) != HZ_OK || a.family != HZ_AF_INET)
		return HZ_ERR_MALFORMED;
	cfg->addr = hz_ipaddr_to_v4(&a);
	cfg->netmask = plen ? 0xffffffffu << (32 - plen) : 0;
	return HZ_OK;
}

int hz_stack_config_set_gw(struct hz_stack_config *cfg, const char *addr)
{
	struct hz_ipaddr a;
	if (hz_ipaddr_parse(&a, addr) != HZ_OK || a.family != HZ_AF_INET)
		return HZ_ERR_MALFORMED;
	cfg->gateway = hz_ipaddr_to_v4(&a);
	return HZ_OK;
}

/* An address a host may configure as its own unicast address. */
static bool ip6_unicast_ok(const struct hz_ipaddr *a)
{
	static const uint8_t loopback[16] = { [15] = 1 };
	return a->family == HZ_AF_INET6 && !hz_ipv6_addr_is_multicast(a->b) &&
	       !hz_ipv6_addr_is_unspecified(a->b) && hz_memcmp(a->b, loopback, 16) != 0;
}

int hz_stack_config_add_ip6(struct hz_stack_config *cfg, const char *prefix)
{
	struct hz_ipaddr a;
	unsigned plen;
	if (hz_ipaddr_parse_prefix(&a, &plen, prefix) != HZ_OK || a.family != HZ_AF_INET6 ||
	    plen > 128 || !ip6_unicast_ok(&a))
		return HZ_ERR_MALFORMED;
	for (size_t i = 0; i < cfg->n_ip6; i++)
		if (hz_ipaddr_eq(&cfg->ip6[i].addr, &a))
			return HZ_ERR_IN_USE;
	if (cfg->n_ip6 >= HZ_STACK_IP6_ADDRS)
		return HZ_ERR_NO_SPACE;
	cfg->ip6[cfg->n_ip6].addr = a;
	cfg->ip6[cfg->n_ip6].plen = (uint8_t)plen;
	cfg->n_ip6++;
	cfg->ipv6 = true;
	return HZ_OK;
}

int hz_stack_config_set_gw6(struct hz_stack_config *cfg, const char *addr)
{
	struct hz_ipaddr a;
	if (hz_ipaddr_parse(&a, addr) != HZ_OK || !ip6_unicast_ok(&a))
		return HZ_ERR_MALFORMED;
	cfg->gw6 = a;
	cfg->ipv6 = true;
	return HZ_OK;
}

/* Wire and start ipv6 (after ipv4, so a host's first frame is still its
 * ARP announcement). */
static int stack_ipv6_start(struct hz_stack *s, const struct hz_stack_config *cfg,
                            const struct hz_netif *netif, const struct hz_shim *shim, hz_time_t now)
{
	s->link6.ctx = s;
	s->link6.headroom = HZ_ETHIF_VLAN_HDR_LEN;
	s->link6.mtu = netif->mtu ? netif->mtu : 1500;
	hz_memcpy(s->link6.lladdr, netif->mac, HZ_MAC_LEN);
	s->link6.output = stack_ipv6_output;
	s->link6.mcast = stack_ipv6_mcast;

	struct hz_ipv6_config c;
	hz_ipv6_config_default(&c);
	c.slaac = cfg->slaac;
	c.reasm_max_size = HZ_STACK_IPV6_REASM_SIZE;
	/* The config's MTU is a cap: let a jumbo link through, as for ipv4. */
	if (c.mtu < s->link6.mtu)
		c.mtu = s->link6.mtu;
	if (cfg->ip6_secret_set) {
		c.stable_secret_set = true;
		hz_memcpy(c.stable_secret, cfg->ip6_secret, sizeof c.stable_secret);
	}
	struct hz_ipv6_storage st = {
		.neigh = s->ip6_neigh,
		.nneigh = HZ_ARRAY_LEN(s->ip6_neigh),
		.pending = s->ip6_pending,
		.npending = HZ_ARRAY_LEN(s->ip6_pending),
		.qbuf = s->ip6_qbuf,
		.qslot = HZ_STACK_IPV6_QSLOT,
		.reasm_slots = s->ip6_reasm_slots,
		.nreasm = HZ_ARRAY_LEN(s->ip6_reasm_slots),
		.reasm_buf = s->ip6_reasm_buf,
		.txbuf = s->ip6_tx,
		.txcap = sizeof s->ip6_tx,
	};
	int r = hz_ipv6_init(&s->ip6, &c, &s->link6, shim, &st);
	if (r < 0)
		return r;
	hz_ipv6_event_set(&s->ip6, stack_ipv6_event, s);
	r = hz_ethif_proto_register(&s->eth, HZ_ETHIF_TYPE_IPV6, stack_ipv6_input, s);
	if (r < 0)
		return r;
	if ((r = hz_udp_attach(&s->udp, hz_ipv6_ip(&s->ip6))) < 0)
		return r;
	if ((r = hz_tcp_attach(&s->tcp, hz_ipv6_ip(&s->ip6))) < 0)
		return r;
	for (size_t i = 0; i < cfg->n_ip6; i++) {
		r = hz_ipv6_addr_add(&s->ip6, &cfg->ip6[i].addr, cfg->ip6[i].plen, now);
		if (r < 0)
			return r;
	}
	if (cfg->gw6.family != HZ_AF_NONE && (r = hz_ipv6_router_add(&s->ip6, &cfg->gw6)) < 0)
		return r;
	s->ipv6_on = true;
	return hz_ipv6_up(&s->ip6, now);
}

int hz_stack_init(struct hz_stack *s, const struct hz_stack_config *cfg,
                  const struct hz_netif *netif, const struct hz_shim *shim, hz_time_t now)
{
	if (!s || !cfg || !netif || !netif->transmit)
		return HZ_ERR_INVALID;
	hz_memset(&s->stats, 0, sizeof s->stats);
	s->dev = netif;
	s->shim = shim;
	s->event = cfg->event;
	s->event_ctx = cfg->event_ctx;
	s->now = now;
	s->cfg_netmask = cfg->netmask;
	s->cfg_gateway = cfg->gateway;
	s->ipv6_on = false;
	/* Without IPv6 the engine stays zeroed: its counters read 0. */
	hz_memset(&s->ip6, 0, sizeof s->ip6);
	if (cfg->n_ip6 > HZ_STACK_IP6_ADDRS || (cfg->slaac && !cfg->ipv6))
		return HZ_ERR_INVALID;

	/* ethif sees our counting netif, with the device's identity. */
	s->netif = *netif;
	s->netif.ctx = s;
	s->netif.transmit = stack_transmit;
	hz_ethif_init(&s->eth, &s->netif, s->groups, HZ_ARRAY_LEN(s->groups));

	struct hz_arp_config acfg;
	hz_arp_config_default(&acfg);
	acfg.probe = cfg->arp_probe;
	hz_arp_init(&s->arp, &s->eth, shim, &acfg, s->arp_cache, HZ_ARRAY_LEN(s->arp_cache),
	            s->arp_pending, HZ_ARRAY_LEN(s->arp_pending), s->arp_qbuf, HZ_STACK_ARP_QSLOT);
	if (s->arp.err < 0)
		return s->arp.err;
	hz_arp_event_set(&s->arp, stack_arp_event, s);

	int r = hz_ethif_proto_register(&s->eth, HZ_ETHIF_TYPE_IPV4, stack_ipv4_input, s);
	if (r < 0)
		return r;

	s->link.ctx = &s->arp;
	s->link.headroom = HZ_ETHIF_VLAN_HDR_LEN;
	s->link.mtu = netif->mtu ? netif->mtu : 1500;
	s->link.output = hz_arp_output;
	struct hz_ipv4_config icfg;
	hz_ipv4_config_default(&icfg);
	icfg.reasm_max_size = HZ_STACK_REASM_SIZE;
	if (icfg.mtu < s->link.mtu)
		icfg.mtu = s->link.mtu;
	hz_ipv4_init(&s->ip, &icfg, &s->link, shim, s->reasm_slots, HZ_ARRAY_LEN(s->reasm_slots),
	             s->reasm_buf, s->ip_tx, sizeof s->ip_tx);

	hz_udp_init(&s->udp, shim, s->udp_socks, HZ_ARRAY_LEN(s->udp_socks), s->udp_tx,
	            sizeof s->udp_tx);
	r = hz_udp_attach(&s->udp, hz_ipv4_ip(&s->ip));
	if (r < 0)
		return r;

	struct hz_tcp_storage tst = {
		.conns = s->tcp_conns,
		.nconns = HZ_ARRAY_LEN(s->tcp_conns),
		.listeners = s->tcp_listeners,
		.nlisteners = HZ_ARRAY_LEN(s->tcp_listeners),
		.ring_mem = s->tcp_rings,
		.snd_cap = HZ_STACK_TCP_SND_RING,
		.rcv_cap = HZ_STACK_TCP_RCV_RING,
		.txbuf = s->tcp_tx,
		.txcap = sizeof s->tcp_tx,
	};
	if (cfg->tcp_storage) {
		const struct hz_tcp_storage *cs = cfg->tcp_storage;
		tst.conns = cs->conns;
		tst.nconns = cs->nconns;
		tst.ring_mem = cs->ring_mem;
		tst.snd_cap = cs->snd_cap;
		tst.rcv_cap = cs->rcv_cap;
		if (cs->listeners) {
			tst.listeners = cs->listeners;
			tst.nlisteners = cs->nlisteners;
		}
		if (cs->txbuf) {
			tst.txbuf = cs->txbuf;
			tst.txcap = cs->txcap;
		}
	}
	struct hz_tcp_config tcfg;
	if (cfg->tcp)
		tcfg = *cfg->tcp;
	else
		hz_tcp_config_default(&tcfg);
	r = hz_tcp_init(&s->tcp, &tcfg, shim, &tst);
	if (r < 0)
		return r;
	r = hz_tcp_attach(&s->tcp, hz_ipv4_ip(&s->ip));
	if (r < 0)
		return r;

	if (cfg->addr) {
		/* Validate first (mask, martians): arp would announce anything. */
		r = hz_ipv4_addr_set(&s->ip, cfg->addr, cfg->netmask, cfg->gateway);
		if (r < 0)
			return r;
		if (cfg->arp_probe)
			(void)hz_ipv4_addr_set(&s->ip, 0, 0, 0);
		/* Without probing, arp reports ADDR_READY from inside this call,
		 * right after the first gratuitous announcement. */
		r = hz_arp_addr_set(&s->arp, cfg->addr, now);
		if (r < 0)
			return r;
	}
	if (cfg->ipv6)
		return stack_ipv6_start(s, cfg, netif, shim, now);
	return HZ_OK;
}

int hz_stack_input(struct hz_stack *s, const uint8_t *frame, size_t len, hz_time_t now)
{
	return hz_stack_input_meta(s, frame, len, 0, now);
}

int hz_stack_input_meta(struct hz_stack *s, const uint8_t *frame, size_t len,
                        uint32_t meta_flags, hz_time_t now)
{
	s->now = now;
	s->stats.rx_frames++;
	s->stats.rx_bytes += len;
	uint8_t rx = (meta_flags & HZ_STACK_RX_CSUM_VALID) ? HZ_IP_RX_CSUM_VALID : 0;
	return hz_ethif_input_meta(&s->eth, frame, len, rx, now);
}

hz_time_t hz_stack_poll(struct hz_stack *s, hz_time_t now)
{
	s->now = now;
	hz_time_t a = hz_arp_poll(&s->arp, now);
	hz_time_t b = hz_ipv4_poll(&s->ip, now);
	hz_time_t c = hz_tcp_poll(&s->tcp, now);
	hz_time_t d = s->ipv6_on ? hz_ipv6_poll(&s->ip6, now) : HZ_TIME_NEVER;
	return hz_time_min(hz_time_min(a, b), hz_time_min(c, d));
}

struct hz_udp *hz_stack_udp(struct hz_stack *s)
{
	return &s->udp;
}
struct hz_tcp *hz_stack_tcp(struct hz_stack *s)
{
	return &s->tcp;
}
struct hz_ipv4 *hz_stack_ipv4(struct hz_stack *s)
{
	return &s->ip;
}
struct hz_ipv6 *hz_stack_ipv6(struct hz_stack *s)
{
	return s->ipv6_on ? &s->ip6 : NULL;
}
struct hz_arp *hz_stack_arp(struct hz_stack *s)
{
	return &s->arp;
}
struct hz_ethif *hz_stack_ethif(struct hz_stack *s)
{
	return &s->eth;
}
const struct hz_ip *hz_stack_ip(struct hz_stack *s)
{
	return hz_ipv4_ip(&s->ip);
}
const struct hz_ip *hz_stack_ip6(struct hz_stack *s)
{
	return s->ipv6_on ? hz_ipv6_ip(&s->ip6) : NULL;
}

void hz_stack_counters(const struct hz_stack *s,
                       void (*fn)(void *ctx, const char *lib, const char *reason, uint64_t value),
                       void *ctx)
{
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++)
		fn(ctx, "ethif", hz_ethif_drop_name(i), s->eth.drops[i]);
	for (unsigned i = 0; i < HZ_ARP_DROP_COUNT; i++)
		fn(ctx, "arp", hz_arp_drop_name(i), s->arp.drops[i]);
	for (unsigned i = 0; i < HZ_IPV4_DROP_COUNT; i++)
		fn(ctx, "ipv4", hz_ipv4_drop_name(i), s->ip.drops[i]);
	for (unsigned i = 0; i < HZ_IPV6_DROP_COUNT; i++)
		fn(ctx, "ipv6", hz_ipv6_drop_name(i), s->ip6.drops[i]);
	for (unsigned i = 0; i < HZ_UDP_DROP_COUNT; i++)
		fn(ctx, "udp", hz_udp_drop_name(i), s->udp.drops[i]);
	for (unsigned i = 0; i < HZ_TCP_DROP_COUNT; i++)
		fn(ctx, "tcp", hz_tcp_drop_name(i), s->tcp.drops[i]);
	fn(ctx, "stack", "rx_frames", s->stats.rx_frames);
	fn(ctx, "stack", "rx_bytes", s->stats.rx_bytes);
	fn(ctx, "stack", "tx_frames", s->stats.tx_frames);
	fn(ctx, "stack", "tx_bytes", s->stats.tx_bytes);
	fn(ctx, "stack", "tx_errors", s->stats.tx_errors);
	/* Traffic the engines count, which tests and operators want next to
	 * the drops: did pings get answered, did datagrams flow. */
	fn(ctx, "stack", "ipv4_rx_packets", s->ip.rx_packets);
	fn(ctx, "stack", "ipv4_tx_packets", s->ip.tx_packets);
	fn(ctx, "stack", "ipv4_echo_replies", s->ip.echo_replies);
	fn(ctx, "stack", "ipv4_reasm_completed", s->ip.reasm.completed);
	const struct hz_ipv6 *v6 = &s->ip6;
	fn(ctx, "stack", "ipv6_rx_packets", v6->rx_packets);
	fn(ctx, "stack", "ipv6_rx_delivered", v6->rx_delivered);
	fn(ctx, "stack", "ipv6_tx_packets", v6->tx_packets);
	fn(ctx, "stack", "ipv6_tx_fragmented", v6->tx_fragmented);
	fn(ctx, "stack", "ipv6_tx_no_route", v6->tx_no_route);
	fn(ctx, "stack", "ipv6_tx_queue_full", v6->tx_queue_full);
	fn(ctx, "stack", "ipv6_tx_resolve_failed", v6->tx_resolve_failed);
	fn(ctx, "stack", "ipv6_echo_replies", v6->echo_replies);
	fn(ctx, "stack", "ipv6_reasm_completed", v6->reasm.completed);
	fn(ctx, "stack", "ipv6_reasm_timeouts", v6->reasm.timeouts);
	fn(ctx, "stack", "ipv6_icmp_tx_errors", v6->icmp_tx_errors);
	fn(ctx, "stack", "ipv6_icmp_suppressed", v6->icmp_suppressed);
	fn(ctx, "stack", "ipv6_ns_tx", v6->ns_tx);
	fn(ctx, "stack", "ipv6_na_tx", v6->na_tx);
	fn(ctx, "stack", "ipv6_rs_tx", v6->rs_tx);
	fn(ctx, "stack", "ipv6_mld_tx", v6->mld_tx);
	fn(ctx, "stack", "ipv6_ra_rx", v6->ra_rx);
	fn(ctx, "stack", "ipv6_redirects_rx", v6->redirects_rx);
	fn(ctx, "stack", "ipv6_dad_conflicts", v6->dad_conflicts);
	fn(ctx, "stack", "udp_rx_datagrams", s->udp.stats.rx_datagrams);
	fn(ctx, "stack", "udp_tx_datagrams", s->udp.stats.tx_datagrams);
	fn(ctx, "stack", "tcp_segs_in", s->tcp.segs_in);
	fn(ctx, "stack", "tcp_segs_out", s->tcp.segs_out);
	fn(ctx, "stack", "tcp_rsts_out", s->tcp.rsts_out);
	uint64_t used = 0;
	for (size_t i = 0; i < s->tcp.nconns; i++) {
		const struct hz_tcp_conn *c = &s->tcp.conns[i];
		if (c->state != HZ_TCP_CLOSED || (c->flags & HZ_TCP_CF_APP_OWNED) || c->listener)
			used++;
	}
	fn(ctx, "stack", "tcp_conns_used", used);
}
