/* The UDP engine: bind table, demultiplexing, delivery, send, ICMP errors.
 *
 * Everything here goes through struct hz_ip, so no line knows whether the
 * datagram travels over IPv4 or IPv6 except the family-specific rules the
 * RFCs impose (zero checksum, maximum payload). */
#include "haze/udp.h"

static const char *const drop_names[HZ_UDP_DROP_COUNT] = {
	[HZ_UDP_DROP_TRUNCATED] = "truncated",
	[HZ_UDP_DROP_BAD_LENGTH] = "bad_length",
	[HZ_UDP_DROP_BAD_CHECKSUM] = "bad_checksum",
	[HZ_UDP_DROP_ZERO_CHECKSUM_V6] = "zero_checksum_v6",
	[HZ_UDP_DROP_NO_SOCKET] = "no_socket",
	[HZ_UDP_DROP_RING_FULL] = "ring_full",
	[HZ_UDP_DROP_NO_READER] = "no_reader",
	[HZ_UDP_DROP_ICMP_TRUNCATED] = "icmp_truncated",
	[HZ_UDP_DROP_ICMP_NO_SOCKET] = "icmp_no_socket",
};

const char *hz_udp_drop_name(unsigned reason)
{
	return reason < HZ_UDP_DROP_COUNT ? drop_names[reason] : "?";
}

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

static bool bytes_zero(const struct hz_ipaddr *a)
{
	for (size_t i = 0; i < sizeof a->b; i++)
		if (a->b[i])
			return false;
	return true;
}

/* "Any": HZ_AF_NONE (any family) or the all-zero address of one family. */
static bool addr_is_wild(const struct hz_ipaddr *a)
{
	return a->family == HZ_AF_NONE || bytes_zero(a);
}

/* Could one datagram be accepted by both bindings? */
static bool addr_overlap(const struct hz_ipaddr *x, const struct hz_ipaddr *y)
{
	if (x->family == HZ_AF_NONE || y->family == HZ_AF_NONE)
		return true;
	if (x->family != y->family)
		return false;
	return bytes_zero(x) || bytes_zero(y) || hz_memcmp(x->b, y->b, sizeof x->b) == 0;
}

static bool addr_same(const struct hz_ipaddr *x, const struct hz_ipaddr *y)
{
	return x->family == y->family && hz_memcmp(x->b, y->b, sizeof x->b) == 0;
}

static const struct hz_ip *ip_for(const struct hz_udp *u, uint8_t family)
{
	switch (family) {
	case HZ_AF_INET:
		return u->ip4;
	case HZ_AF_INET6:
		return u->ip6;
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Engine set-up                                                       */
/* ------------------------------------------------------------------ */

static int upper_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	return hz_udp_input((struct hz_udp *)ctx, rx, p, len);
}

static void upper_error(void *ctx, const struct hz_ip_err *err)
{
	hz_udp_icmp_input((struct hz_udp *)ctx, err);
}

void hz_udp_init(struct hz_udp *u, const struct hz_shim *shim,
                 struct hz_udp_sock *socks, size_t nsocks, uint8_t *txbuf, size_t txcap)
{
	hz_memset(u, 0, sizeof *u);
	u->shim = shim;
	u->socks = socks;
	u->nsocks = nsocks;
	u->txbuf = txbuf;
	u->txcap = txbuf ? txcap : 0;
	u->upper.ctx = u;
	u->upper.input = upper_input;
	u->upper.error = upper_error;
	if (socks && nsocks)
		hz_memset(socks, 0, nsocks * sizeof *socks);
}

const struct hz_ip_upper *hz_udp_upper(struct hz_udp *u)
{
	return &u->upper;
}

int hz_udp_attach(struct hz_udp *u, const struct hz_ip *ip)
{
	const struct hz_ip **slot;
	switch (ip->family) {
	case HZ_AF_INET:
		slot = &u->ip4;
		break;
	case HZ_AF_INET6:
		slot = &u->ip6;
		break;
	default:
		return HZ_ERR_INVALID;
	}
	if (*slot)
		return HZ_ERR_IN_USE;
	int rc = ip->attach(ip->ctx, HZ_UDP_PROTO, &u->upper);
	if (rc < 0)
		return rc;
	*slot = ip;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Receive ring                                                        */
/* ------------------------------------------------------------------ */

/* Record: payload length (4), sender port (2), family (1), rx flags (1),
 * sender address (16), then the payload. A record is never split across
 * the end of the buffer, so recvfrom copies it in one piece; the writer
 * wraps early instead and ring_end marks where the older data stops. */
#define REC_HDR HZ_UDP_RING_OVERHEAD

static void ring_reset(struct hz_udp_sock *s)
{
	s->ring_head = 0;
	s->ring_tail = 0;
	s->ring_end = s->ring_cap;
	s->ring_count = 0;
}

/* Where a record of `need` bytes can go, or NULL when it does not fit. */
static uint8_t *ring_reserve(struct hz_udp_sock *s, size_t need)
{
	if (need > s->ring_cap)
		return NULL;
	if (s->ring_count == 0)
		ring_reset(s);
	size_t at;
	if (s->ring_count && s->ring_tail <= s->ring_head) {
		/* Wrapped: free space is [tail, head). */
		if (s->ring_head - s->ring_tail < need)
			return NULL;
		at = s->ring_tail;
	} else if (s->ring_cap - s->ring_tail >= need) {
		at = s->ring_tail;
	} else if (s->ring_head >= need) {
		/* Not enough before the end: start over at 0, leaving the
		 * unused tail of the buffer out of the data. */
		s->ring_end = s->ring_tail;
		at = 0;
	} else {
		return NULL;
	}
	s->ring_tail = at + need;
	s->ring_count++;
	return s->ring + at;
}

static bool ring_put(struct hz_udp_sock *s, const struct hz_udp_endpoint *from, uint8_t flags,
                     const uint8_t *data, size_t len)
{
	if (len > UINT32_MAX - REC_HDR)
		return false;
	uint8_t *r = ring_reserve(s, REC_HDR + len);
	if (!r)
		return false;
	hz_be32_store(r, (uint32_t)len);
	hz_be16_store(r + 4, from->port);
	r[6] = from->addr.family;
	r[7] = flags;
	hz_memcpy(r + 8, from->addr.b, 16);
	if (len)
		hz_memcpy(r + REC_HDR, data, len);
	return true;
}

int hz_udp_sock_recvfrom(struct hz_udp_sock *s, void *buf, size_t cap, struct hz_udp_endpoint *from)
{
	if (!s->ring)
		return HZ_ERR_BAD_STATE;
	if (s->ring_count == 0)
		return HZ_ERR_WOULD_BLOCK;
	const uint8_t *r = s->ring + s->ring_head;
	size_t len = hz_be32_load(r);
	if (from) {
		hz_memset(from, 0, sizeof *from);
		from->port = hz_be16_load(r + 4);
		from->addr.family = r[6];
		hz_memcpy(from->addr.b, r + 8, 16);
	}
	size_t n = HZ_MIN(len, cap);
	if (n)
		hz_memcpy(buf, r + REC_HDR, n);
	s->ring_head += REC_HDR + len;
	s->ring_count--;
	if (s->ring_count == 0)
		ring_reset(s);
	else if (s->ring_head == s->ring_end) {
		/* The reader reached where the writer wrapped. */
		s->ring_head = 0;
		s->ring_end = s->ring_cap;
	}
	/* Payloads are at most 65527 bytes, so the length fits an int. */
	return (int)len;
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */
/* ------------------------------------------------------------------ */

struct hz_udp_sock *hz_udp_sock_open(struct hz_udp *u)
{
	for (size_t i = 0; i < u->nsocks; i++) {
		struct hz_udp_sock *s = &u->socks[i];
		if (s->state == HZ_UDP_SOCK_FREE) {
			hz_memset(s, 0, sizeof *s);
			s->udp = u;
			s->state = HZ_UDP_SOCK_OPEN;
			return s;
		}
	}
	return NULL;
}

void hz_udp_sock_close(struct hz_udp_sock *s)
{
	struct hz_udp *u = s->udp;
	hz_memset(s, 0, sizeof *s);
	s->udp = u;
}

void hz_udp_sock_set_reuse(struct hz_udp_sock *s, bool on)
{
	s->reuse = on;
}

void hz_udp_sock_set_ttl(struct hz_udp_sock *s, uint8_t ttl)
{
	s->ttl = ttl;
}

void hz_udp_sock_set_tos(struct hz_udp_sock *s, uint8_t tos)
{
	s->tos = tos;
}

void hz_udp_sock_set_recv(struct hz_udp_sock *s, hz_udp_recv_fn fn, void *ctx)
{
	s->recv = fn;
	s->recv_ctx = ctx;
}

void hz_udp_sock_set_ring(struct hz_udp_sock *s, uint8_t *buf, size_t cap)
{
	s->ring = buf;
	s->ring_cap = buf ? cap : 0;
	ring_reset(s);
}

void hz_udp_sock_set_icmp(struct hz_udp_sock *s, hz_udp_icmp_fn fn, void *ctx)
{
	s->icmp = fn;
	s->icmp_ctx = ctx;
}

int hz_udp_sock_error(struct hz_udp_sock *s)
{
	int e = s->error;
	s->error = HZ_OK;
	return e;
}

/* Is `port` at `addr` taken for socket s? With ignore_reuse, any sharing
 * counts (ephemeral ports are never shared). */
static bool port_taken(const struct hz_udp *u, const struct hz_udp_sock *s,
                       const struct hz_ipaddr *addr, uint16_t port, bool ignore_reuse)
{
	for (size_t i = 0; i < u->nsocks; i++) {
		const struct hz_udp_sock *o = &u->socks[i];
		if (o == s || o->state != HZ_UDP_SOCK_BOUND || o->local.port != port)
			continue;
		if (!addr_overlap(&o->local.addr, addr))
			continue;
		if (!ignore_reuse && s->reuse && o->reuse)
			continue;
		return true;
	}
	return false;
}

static int bind_addr(struct hz_udp_sock *s, const struct hz_ipaddr *addr, uint16_t port)
{
	struct hz_udp *u = s->udp;
	if (port == 0) {
		/* RFC 6056 algorithm 1 over the RFC 6335 dynamic range: a
		 * random start per bind makes the next port unpredictable to
		 * an off-path attacker, then a linear search finds a free one. */
		uint32_t range = HZ_UDP_EPHEMERAL_MAX - HZ_UDP_EPHEMERAL_MIN + 1;
		uint32_t off = u->shim ? hz_random_u32(u->shim) % range : 0;
		for (uint32_t i = 0; i < range; i++) {
			uint16_t p = (uint16_t)(HZ_UDP_EPHEMERAL_MIN + (off + i) % range);
			if (!port_taken(u, s, addr, p, true)) {
				port = p;
				break;
			}
		}
		if (port == 0)
			return HZ_ERR_IN_USE;
	} else if (port_taken(u, s, addr, port, false)) {
		return HZ_ERR_IN_USE;
	}
	s->local.addr = *addr;
	s->local.port = port;
	s->bind_kind = addr->family == HZ_AF_NONE ? HZ_UDP_BIND_ANY
	               : bytes_zero(addr)         ? HZ_UDP_BIND_FAMILY
	                                          : HZ_UDP_BIND_ADDR;
	s->state = HZ_UDP_SOCK_BOUND;
	return HZ_OK;
}

int hz_udp_sock_bind(struct hz_udp_sock *s, const struct hz_udp_endpoint *local)
{
	if (s->state != HZ_UDP_SOCK_OPEN)
		return HZ_ERR_BAD_STATE;
	struct hz_ipaddr any;
	hz_memset(&any, 0, sizeof any);
	if (!local)
		return bind_addr(s, &any, 0);
	struct hz_ipaddr addr = local->addr;
	if (addr.family == HZ_AF_NONE) {
		/* Normalise so that "any" compares equal however it was built. */
		addr = any;
	} else {
		const struct hz_ip *ip = ip_for(s->udp, addr.family);
		if (!ip)
			return HZ_ERR_INVALID;
		/* RFC 1122 4.1.3.5: the application may choose the source
		 * address, but only one of ours. */
		if (!bytes_zero(&addr) && !(ip->is_local && ip->is_local(ip->ctx, &addr)))
			return HZ_ERR_INVALID;
	}
	return bind_addr(s, &addr, local->port);
}

/* May a socket bound at `local` talk to `peer`'s family? */
static bool family_fits(const struct hz_ipaddr *local, const struct hz_ipaddr *peer)
{
	return local->family == HZ_AF_NONE || local->family == peer->family;
}

int hz_udp_sock_connect(struct hz_udp_sock *s, const struct hz_udp_endpoint *remote)
{
	if (s->state == HZ_UDP_SOCK_FREE)
		return HZ_ERR_BAD_STATE;
	if (!remote) {
		s->connected = false;
		hz_memset(&s->remote, 0, sizeof s->remote);
		return HZ_OK;
	}
	if (remote->port == 0 || addr_is_wild(&remote->addr) || !ip_for(s->udp, remote->addr.family))
		return HZ_ERR_INVALID;
	if (s->state == HZ_UDP_SOCK_OPEN) {
		struct hz_ipaddr any;
		hz_memset(&any, 0, sizeof any);
		int rc = bind_addr(s, &any, 0);
		if (rc < 0)
			return rc;
	}
	if (!family_fits(&s->local.addr, &remote->addr))
		return HZ_ERR_INVALID;
	s->remote = *remote;
	s->connected = true;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */
/* ------------------------------------------------------------------ */

/* How well socket s matches a datagram from src:sport to dst:dport; 0 if
 * not at all. Connected beats bound-to-the-address beats wildcard (and a
 * one-family wildcard beats the any-family one). */
static unsigned match_score(const struct hz_udp_sock *s, const struct hz_ipaddr *src, uint16_t sport,
                            const struct hz_ipaddr *dst, uint16_t dport)
{
	if (s->local.port != dport || s->state != HZ_UDP_SOCK_BOUND)
		return 0;
	switch (s->bind_kind) {
	case HZ_UDP_BIND_ANY:
		break;
	case HZ_UDP_BIND_FAMILY:
		if (s->local.addr.family != dst->family)
			return 0;
		break;
	default:
		if (!addr_same(&s->local.addr, dst))
			return 0;
		break;
	}
	/* 1..3 by address, +4 when connected: connected always wins. */
	unsigned score = 1u + s->bind_kind;
	if (s->connected) {
		if (s->remote.port != sport || !addr_same(&s->remote.addr, src))
			return 0;
		score += 4;
	}
	return score;
}

static int deliver(struct hz_udp *u, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	if (s->recv) {
		s->stats.rx_datagrams++;
		s->stats.rx_bytes += d->len;
		u->stats.rx_datagrams++;
		u->stats.rx_bytes += d->len;
		/* Counted first: the callback may close the socket. */
		s->recv(s->recv_ctx, s, d);
		return HZ_OK;
	}
	if (s->ring) {
		if (!ring_put(s, &d->from, d->flags, d->data, d->len)) {
			s->ring_drops++;
			u->drops[HZ_UDP_DROP_RING_FULL]++;
			return HZ_ERR_NO_SPACE;
		}
		s->stats.rx_datagrams++;
		s->stats.rx_bytes += d->len;
		u->stats.rx_datagrams++;
		u->stats.rx_bytes += d->len;
		return HZ_OK;
	}
	u->drops[HZ_UDP_DROP_NO_READER]++;
	return HZ_ERR_NO_SPACE;
}

int hz_udp_input(struct hz_udp *u, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	if (len < HZ_UDP_HDR_LEN) {
		u->drops[HZ_UDP_DROP_TRUNCATED]++;
		return HZ_ERR_MALFORMED;
	}
	struct hz_udp_hdr h;
	if (hz_udp_hdr_parse(&h, p, len) != HZ_OK) {
		u->drops[h.len < HZ_UDP_HDR_LEN ? HZ_UDP_DROP_BAD_LENGTH : HZ_UDP_DROP_TRUNCATED]++;
		return HZ_ERR_MALFORMED;
	}
	uint8_t family = rx->dst.family;
	if (h.csum == 0) {
		/* RFC 768: zero means the sender computed none; IPv4 accepts
		 * that. RFC 8200 section 8.1: over IPv6 the checksum is
		 * mandatory and a zero one MUST be discarded (the RFC 6935
		 * tunnel exception is not supported). */
		if (family == HZ_AF_INET6) {
			u->drops[HZ_UDP_DROP_ZERO_CHECKSUM_V6]++;
			return HZ_ERR_CHECKSUM;
		}
	} else if (!(rx->flags & HZ_IP_RX_CSUM_VALID)) {
		/* (With the flag the link vouched for the sum: a receive
		 * offload verified it, or the frame came from the local
		 * kernel and the field may hold only the pseudo-header sum.) */
		uint32_t pseudo = rx->pseudo;
		if (h.len != len) {
			/* The ip layer summed its payload length into the
			 * pseudo-header, but the UDP length is what counts
			 * (RFC 768; RFC 8200 8.1 "upper-layer packet length"). */
			if (rx->ip && rx->ip->pseudo) {
				pseudo = rx->ip->pseudo(rx->ip->ctx, &rx->src, &rx->dst, HZ_UDP_PROTO, h.len);
			} else {
				/* The length is one 16-bit word in both
				 * families: swap it (RFC 1624). */
				pseudo = (pseudo & 0xffffu) + (pseudo >> 16);
				pseudo += (uint16_t)~(uint16_t)len;
				pseudo += h.len;
			}
		}
		if (!hz_udp_csum_verify(pseudo, p, h.len)) {
			u->drops[HZ_UDP_DROP_BAD_CHECKSUM]++;
			return HZ_ERR_CHECKSUM;
		}
	}

	struct hz_udp_dgram d;
	d.from.addr = rx->src;
	d.from.port = h.sport;
	d.to.addr = rx->dst;
	d.to.port = h.dport;
	d.data = p + HZ_UDP_HDR_LEN;
	d.len = h.len - HZ_UDP_HDR_LEN;
	d.flags = rx->flags;
	d.ttl = rx->ttl;
	d.tos = rx->tos;
	d.now = rx->now;
	d.ip = rx->ip;

	if (rx->flags & (HZ_IP_RX_BCAST | HZ_IP_RX_MCAST)) {
		/* One copy to every socket that accepts it: several
		 * applications may listen on one broadcast/group port. */
		bool any = false;
		int rc = HZ_OK;
		for (size_t i = 0; i < u->nsocks; i++) {
			struct hz_udp_sock *s = &u->socks[i];
			if (!match_score(s, &rx->src, h.sport, &rx->dst, h.dport))
				continue;
			any = true;
			int r = deliver(u, s, &d);
			if (r < 0)
				rc = r;
		}
		if (any)
			return rc;
	} else {
		struct hz_udp_sock *best = NULL;
		unsigned best_score = 0;
		for (size_t i = 0; i < u->nsocks; i++) {
			struct hz_udp_sock *s = &u->socks[i];
			unsigned sc = match_score(s, &rx->src, h.sport, &rx->dst, h.dport);
			if (sc > best_score) {
				best = s;
				best_score = sc;
			}
		}
		if (best)
			return deliver(u, best, &d);
	}
	/* RFC 1122 4.1.3.1: no port, so the ip layer sends port unreachable
	 * (it knows the ICMP flavour and never does it for broadcast). */
	u->drops[HZ_UDP_DROP_NO_SOCKET]++;
	return HZ_ERR_REFUSED;
}

/* ------------------------------------------------------------------ */
/* ICMP errors                                                         */
/* ------------------------------------------------------------------ */

static int icmp_err_code(uint8_t kind)
{
	switch (kind) {
	case HZ_IP_ERR_PORT_UNREACH:
	case HZ_IP_ERR_PROTO_UNREACH:
		/* The peer host answered: nobody listens there. */
		return HZ_ERR_REFUSED;
	case HZ_IP_ERR_FRAG_NEEDED:
		return HZ_ERR_TOO_BIG;
	case HZ_IP_ERR_NET_UNREACH:
	case HZ_IP_ERR_HOST_UNREACH:
	case HZ_IP_ERR_ADMIN_PROHIBITED:
	case HZ_IP_ERR_TIME_EXCEEDED:
	case HZ_IP_ERR_PARAM_PROBLEM:
	default:
		return HZ_ERR_UNREACHABLE;
	}
}

void hz_udp_icmp_input(struct hz_udp *u, const struct hz_ip_err *e)
{
	if (!e->quote || e->quote_len < HZ_UDP_HDR_LEN) {
		u->drops[HZ_UDP_DROP_ICMP_TRUNCATED]++;
		return;
	}
	/* The quote is a datagram we sent: its source is our socket, its
	 * destination the peer. */
	uint16_t lport = hz_be16_load(e->quote);
	uint16_t rport = hz_be16_load(e->quote + 2);
	struct hz_udp_sock *best = NULL;
	unsigned best_score = 0;
	for (size_t i = 0; i < u->nsocks; i++) {
		struct hz_udp_sock *s = &u->socks[i];
		unsigned sc = match_score(s, &e->dst, rport, &e->src, lport);
		if (sc > best_score) {
			best = s;
			best_score = sc;
		}
	}
	if (!best) {
		u->drops[HZ_UDP_DROP_ICMP_NO_SOCKET]++;
		return;
	}
	/* RFC 1122 4.1.3.3: UDP must pass ICMP errors to the application.
	 * The latest one wins, as with SO_ERROR. */
	int err = icmp_err_code(e->kind);
	best->error = err;
	best->stats.icmp_errors++;
	u->stats.icmp_errors++;
	if (best->icmp)
		best->icmp(best->icmp_ctx, best, err, e);
}

/* ------------------------------------------------------------------ */
/* Send                                                                */
/* ------------------------------------------------------------------ */

int hz_udp_sock_sendto(struct hz_udp_sock *s, const void *data, size_t len,
                       const struct hz_udp_endpoint *to)
{
	struct hz_udp *u = s->udp;
	if (s->state == HZ_UDP_SOCK_FREE)
		return HZ_ERR_BAD_STATE;
	if (!to) {
		if (!s->connected)
			return HZ_ERR_BAD_STATE;
		to = &s->remote;
	}
	if (to->port == 0 || addr_is_wild(&to->addr))
		return HZ_ERR_INVALID;
	const struct hz_ip *ip = ip_for(u, to->addr.family);
	if (!ip)
		return HZ_ERR_NO_ROUTE;
	if (s->state == HZ_UDP_SOCK_BOUND && !family_fits(&s->local.addr, &to->addr))
		return HZ_ERR_INVALID;
	size_t max = to->addr.family == HZ_AF_INET ? HZ_UDP_MAX_PAYLOAD_V4 : HZ_UDP_MAX_PAYLOAD_V6;
	if (len > max)
		return HZ_ERR_TOO_BIG;
	size_t room = (size_t)ip->headroom + HZ_UDP_HDR_LEN;
	if (u->txcap < room || len > u->txcap - room)
		return HZ_ERR_NO_SPACE;
	if (u->tx_busy)
		return HZ_ERR_WOULD_BLOCK;
	if (s->state == HZ_UDP_SOCK_OPEN) {
		/* Sending from an unbound socket binds it, so replies can
		 * come back to the same port. */
		struct hz_ipaddr any;
		hz_memset(&any, 0, sizeof any);
		int rc = bind_addr(s, &any, 0);
		if (rc < 0)
			return rc;
	}

	struct hz_ip_tx tx;
	hz_memset(&tx, 0, sizeof tx);
	tx.dst = to->addr;
	tx.proto = HZ_UDP_PROTO;
	tx.ttl = s->ttl;
	tx.tos = s->tos;
	if (!bytes_zero(&s->local.addr)) {
		tx.src = s->local.addr;
	} else {
		int rc = ip->source(ip->ctx, &tx.dst, &tx.src);
		if (rc < 0)
			return rc;
	}

	/* Payload first, then the header pushed in front of it; the ip layer
	 * pushes its own header into the remaining headroom. */
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, u->txbuf, u->txcap, room);
	uint8_t *payload = hz_pbuf_put(&pb, len);
	uint8_t *hdr = hz_pbuf_push(&pb, HZ_UDP_HDR_LEN);
	if (!payload || !hdr)
		return HZ_ERR_INTERNAL; /* sizes were checked above */
	if (len)
		hz_memcpy(payload, data, len);
	size_t ulen = HZ_UDP_HDR_LEN + len;
	struct hz_udp_hdr h = {
		.sport = s->local.port,
		.dport = to->port,
		.len = (uint16_t)ulen,
		.csum = 0,
	};
	(void)hz_udp_hdr_emit(hdr, HZ_UDP_HDR_LEN, &h);
	uint32_t pseudo = ip->pseudo(ip->ctx, &tx.src, &tx.dst, HZ_UDP_PROTO, ulen);
	hz_be16_store(hdr + 6, hz_udp_csum_compute(pseudo, hdr, ulen));

	u->tx_busy = true;
	int rc = ip->output(ip->ctx, &pb, &tx);
	u->tx_busy = false;
	if (rc < 0)
		return rc;
	s->stats.tx_datagrams++;
	s->stats.tx_bytes += len;
	u->stats.tx_datagrams++;
	u->stats.tx_bytes += len;
	return (int)len;
}
