/* The TCP engine: RFC 9293 3.10 event processing over caller storage.
 *
 * Layout of a connection's buffers:
 *  - send ring: bytes from snd_buf_seq on, unacknowledged then unsent. It
 *    is the retransmission queue too: bytes leave only when acknowledged.
 *  - receive ring: in-order bytes the application has not read, then (not
 *    yet readable) out-of-order bytes stored at their final place, whose
 *    ranges are kept in c->ooo[] and sent as SACK blocks.
 *
 * Everything goes through struct hz_ip, so nothing here knows whether a
 * segment travels over IPv4 or IPv6 except the default MSS. */
#include "tcp_internal.h"

#define SEQ_LT hz_tcp_seq_lt
#define SEQ_LE hz_tcp_seq_le
#define SEQ_GT hz_tcp_seq_gt
#define SEQ_GE hz_tcp_seq_ge

/* RFC 9293 3.7.1 / RFC 8200 5: the MSS assumed without an MSS option. */
#define MSS_DEFAULT_V4 536u
#define MSS_DEFAULT_V6 1220u
/* The smallest MSS we accept from a peer or an ICMP message: below this
 * the header overhead dominates (Linux uses 48; RFC 9293 allows 0). */
#define MSS_MIN 64u
/* ~2^31 - 1: "arbitrarily high" initial ssthresh (RFC 5681 3.1). */
#define SSTHRESH_INF 0x7fffffffu
/* Delayed ACKs: at least every second full-sized segment (RFC 5681 4.2). */
#define DELACK_SEGS 2u
/* RFC 6298 5.7: RTO after a lost SYN when no RTT sample was taken. */
#define RTO_AFTER_SYN_LOSS HZ_SEC(3)
/* Clock granularity G of RFC 6298 2.2, microseconds. */
#define RTO_G 1000u

static const char *const drop_names[HZ_TCP_DROP_COUNT] = {
	[HZ_TCP_DROP_TRUNCATED] = "truncated",
	[HZ_TCP_DROP_BAD_OFFSET] = "bad_offset",
	[HZ_TCP_DROP_BAD_OPTION] = "bad_option",
	[HZ_TCP_DROP_BAD_CHECKSUM] = "bad_checksum",
	[HZ_TCP_DROP_BAD_ADDRESS] = "bad_address",
	[HZ_TCP_DROP_NO_LISTENER] = "no_listener",
	[HZ_TCP_DROP_LISTEN_BAD] = "listen_bad",
	[HZ_TCP_DROP_BACKLOG_FULL] = "backlog_full",
	[HZ_TCP_DROP_NO_CONN_SLOT] = "no_conn_slot",
	[HZ_TCP_DROP_SYN_SENT_BAD] = "syn_sent_bad",
	[HZ_TCP_DROP_PAWS] = "paws",
	[HZ_TCP_DROP_OUT_OF_WINDOW] = "out_of_window",
	[HZ_TCP_DROP_RST_OUT_OF_WINDOW] = "rst_out_of_window",
	[HZ_TCP_DROP_RST_CHALLENGED] = "rst_challenged",
	[HZ_TCP_DROP_SYN_CHALLENGED] = "syn_challenged",
	[HZ_TCP_DROP_ACK_CHALLENGED] = "ack_challenged",
	[HZ_TCP_DROP_ACK_TOO_NEW] = "ack_too_new",
	[HZ_TCP_DROP_NO_ACK] = "no_ack",
	[HZ_TCP_DROP_SYN_RCVD_BAD_ACK] = "syn_rcvd_bad_ack",
	[HZ_TCP_DROP_DATA_AFTER_CLOSE] = "data_after_close",
	[HZ_TCP_DROP_ICMP_TRUNCATED] = "icmp_truncated",
	[HZ_TCP_DROP_ICMP_NO_CONN] = "icmp_no_conn",
	[HZ_TCP_DROP_ICMP_BAD_SEQ] = "icmp_bad_seq",
};

const char *hz_tcp_drop_name(unsigned reason)
{
	return reason < HZ_TCP_DROP_COUNT ? drop_names[reason] : "?";
}

static const char *const state_names[HZ_TCP_STATE_COUNT] = {
	[HZ_TCP_CLOSED] = "CLOSED",
	[HZ_TCP_LISTEN] = "LISTEN",
	[HZ_TCP_SYN_SENT] = "SYN-SENT",
	[HZ_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[HZ_TCP_ESTABLISHED] = "ESTABLISHED",
	[HZ_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[HZ_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[HZ_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[HZ_TCP_CLOSING] = "CLOSING",
	[HZ_TCP_LAST_ACK] = "LAST-ACK",
	[HZ_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *hz_tcp_state_name(unsigned state)
{
	return state < HZ_TCP_STATE_COUNT ? state_names[state] : "?";
}

void hz_tcp_config_default(struct hz_tcp_config *cfg)
{
	hz_memset(cfg, 0, sizeof *cfg);
	cfg->rto_initial = HZ_SEC(1);
	cfg->rto_min = HZ_MSEC(200);
	cfg->rto_max = HZ_SEC(60);
	cfg->delack = HZ_MSEC(40);
	cfg->time_wait = HZ_SEC(60);
	cfg->fin_wait_2 = HZ_SEC(60);
	cfg->keep_idle = HZ_SEC(7200);
	cfg->keep_intvl = HZ_SEC(75);
	cfg->keep_count = 9;
	cfg->syn_retries = 6;
	cfg->data_retries = 15;
	cfg->cc = HZ_TCP_CC_CUBIC;
	cfg->initial_cwnd = 10;
	cfg->window_scaling = true;
	cfg->timestamps = true;
	cfg->sack = true;
	cfg->syn_cookies = true;
	cfg->challenge_ack_limit = 1000;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static bool addr_zero(const struct hz_ipaddr *a)
{
	for (size_t i = 0; i < sizeof a->b; i++)
		if (a->b[i])
			return false;
	return true;
}

static bool addr_wild(const struct hz_ipaddr *a)
{
	return a->family == HZ_AF_NONE || addr_zero(a);
}

static bool addr_same(const struct hz_ipaddr *x, const struct hz_ipaddr *y)
{
	return x->family == y->family && hz_memcmp(x->b, y->b, sizeof x->b) == 0;
}

static const struct hz_ip *ip_for(const struct hz_tcp *t, uint8_t family)
{
	switch (family) {
	case HZ_AF_INET:
		return t->ip4;
	case HZ_AF_INET6:
		return t->ip6;
	default:
		return NULL;
	}
}

static uint32_t clamp32(hz_time_t v, hz_time_t lo, hz_time_t hi)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Keyed hash of a 4-tuple with a one-byte domain tag. */
static uint64_t tuple_hash(const struct hz_tcp *t, const struct hz_tcp_endpoint *l,
                           const struct hz_tcp_endpoint *r, uint8_t tag)
{
	uint8_t b[1 + 2 * 17 + 4];
	b[0] = tag;
	b[1] = l->addr.family;
	hz_memcpy(b + 2, l->addr.b, 16);
	b[18] = r->addr.family;
	hz_memcpy(b + 19, r->addr.b, 16);
	hz_be16_store(b + 35, l->port);
	hz_be16_store(b + 37, r->port);
	return hz_siphash(t->isn_key, b, sizeof b);
}

uint32_t hz_tcp_isn(const struct hz_tcp *t, const struct hz_tcp_endpoint *local,
                    const struct hz_tcp_endpoint *remote, hz_time_t now)
{
	/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
	 * secretkey), M a timer ticking every 4 microseconds. */
	return (uint32_t)(now / 4) + (uint32_t)tuple_hash(t, local, remote, 0);
}

/* The timestamp clock: 1 ms ticks (RFC 7323 5.4 allows 1 ms - 1 s) plus a
 * per-connection offset, so TSval does not reveal uptime (RFC 7323 7.1). */
static uint32_t ts_now(const struct hz_tcp_conn *c)
{
	return (uint32_t)(c->tcp->now / 1000u) + c->ts_offset;
}

/* SYN cookies (RFC 4987 3.6). The ISN of a cookie SYN-ACK is
 *   bits 31-27  a 64 s counter, mod 32
 *   bits 26-24  index of the MSS in cookie_mss[]
 *   bits 23-0   SipHash-2-4 of the 4-tuple, the peer's ISN, the full
 *               counter and the MSS index, under the ISN key.
 * A returning ACK must acknowledge ISN + 1 within two periods (64-128 s).
 * Window scale and SACK-permitted survive only with timestamps: their
 * values ride in the low 6 bits of our TSval, which the peer echoes
 * (bits 0-3 the shift, 15 = no scaling; bit 4 SACK). Without timestamps
 * a cookie connection has neither (RFC 4987 3.6 lists this cost). */
#define COOKIE_PERIOD HZ_SEC(64)
#define COOKIE_WS_NONE 15u
#define COOKIE_SACK 0x10u
static const uint16_t cookie_mss[4] = { 536, 1220, 1440, 1460 };

static uint32_t cookie_tsval(const struct hz_tcp_conn *c, uint32_t ts)
{
	uint32_t bits = (c->flags & HZ_TCP_CF_WS) ? c->snd_wscale : COOKIE_WS_NONE;
	if (c->flags & HZ_TCP_CF_SACK)
		bits |= COOKIE_SACK;
	uint32_t v = (ts & ~0x3fu) | bits;
	/* Never ahead of the clock: later TSvals must not go back. */
	return hz_tcp_seq_gt(v, ts) ? v - 64u : v;
}

/* ------------------------------------------------------------------ */
/* Engine set-up                                                       */
/* ------------------------------------------------------------------ */

static int upper_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	return hz_tcp_input((struct hz_tcp *)ctx, rx, p, len);
}

static void upper_error(void *ctx, const struct hz_ip_err *err)
{
	hz_tcp_icmp_input((struct hz_tcp *)ctx, err);
}

static void timers_off(struct hz_tcp_conn *c)
{
	c->rtx_at = HZ_TIME_NEVER;
	c->persist_at = HZ_TIME_NEVER;
	c->delack_at = HZ_TIME_NEVER;
	c->keep_at = HZ_TIME_NEVER;
	c->wait_at = HZ_TIME_NEVER;
}

/* Return a slot to the free state, keeping its default ring memory. */
static void slot_clear(struct hz_tcp_conn *c)
{
	struct hz_tcp *t = c->tcp;
	uint8_t *ds = c->def_snd, *dr = c->def_rcv;
	size_t dsc = c->def_snd_cap, drc = c->def_rcv_cap;
	/* The slot may sit on the engine's event or ACK list (even while
	 * deliver_events walks it): its links outlive the connection. */
	struct hz_tcp_conn *evn = c->ev_next, *ackn = c->ack_next;
	bool evq = c->ev_queued, ackq = c->ack_queued;
	hz_memset(c, 0, sizeof *c);
	c->tcp = t;
	c->ev_next = evn;
	c->ack_next = ackn;
	c->ev_queued = evq;
	c->ack_queued = ackq;
	c->def_snd = ds;
	c->def_rcv = dr;
	c->def_snd_cap = dsc;
	c->def_rcv_cap = drc;
	hz_tcp_ring_init(&c->snd, ds, dsc);
	hz_tcp_ring_init(&c->rcv, dr, drc);
	timers_off(c);
}

static bool slot_free(const struct hz_tcp_conn *c)
{
	return c->state == HZ_TCP_CLOSED && !(c->flags & HZ_TCP_CF_APP_OWNED) && !c->listener;
}

int hz_tcp_init(struct hz_tcp *t, const struct hz_tcp_config *cfg, const struct hz_shim *shim,
                const struct hz_tcp_storage *st)
{
	hz_memset(t, 0, sizeof *t);
	if (cfg)
		t->cfg = *cfg;
	else
		hz_tcp_config_default(&t->cfg);
	if (!st || !st->txbuf || st->txcap < HZ_PBUF_HEADROOM + HZ_TCP_HDR_MAX + 64)
		return HZ_ERR_INVALID;
	t->shim = shim;
	t->conns = st->conns;
	t->nconns = st->conns ? st->nconns : 0;
	t->listeners = st->listeners;
	t->nlisteners = st->listeners ? st->nlisteners : 0;
	t->txbuf = st->txbuf;
	t->txcap = st->txcap;
	t->upper.ctx = t;
	t->upper.input = upper_input;
	t->upper.error = upper_error;
	if (shim) {
		hz_random(shim, t->isn_key, sizeof t->isn_key);
		t->next_port = (uint16_t)(hz_random_u32(shim) & 0x3fff);
	}
	for (size_t i = 0; i < t->nconns; i++) {
		struct hz_tcp_conn *c = &t->conns[i];
		hz_memset(c, 0, sizeof *c);
		c->tcp = t;
		if (st->ring_mem) {
			size_t per = st->snd_cap + st->rcv_cap;
			c->def_snd = st->ring_mem + i * per;
			c->def_snd_cap = st->snd_cap;
			c->def_rcv = st->ring_mem + i * per + st->snd_cap;
			c->def_rcv_cap = st->rcv_cap;
		}
		slot_clear(c);
	}
	for (size_t i = 0; i < t->nlisteners; i++) {
		hz_memset(&t->listeners[i], 0, sizeof t->listeners[i]);
		t->listeners[i].tcp = t;
	}
	return HZ_OK;
}

/* Free a listener's slot, keeping its place on the event list (see
 * slot_clear). */
static void listener_reset(struct hz_tcp_listener *l)
{
	struct hz_tcp *t = l->tcp;
	struct hz_tcp_listener *evn = l->ev_next;
	bool evq = l->ev_queued;
	hz_memset(l, 0, sizeof *l);
	l->tcp = t;
	l->ev_next = evn;
	l->ev_queued = evq;
}

const struct hz_ip_upper *hz_tcp_upper(struct hz_tcp *t)
{
	return &t->upper;
}

int hz_tcp_attach(struct hz_tcp *t, const struct hz_ip *ip)
{
	const struct hz_ip **slot;
	switch (ip->family) {
	case HZ_AF_INET:
		slot = &t->ip4;
		break;
	case HZ_AF_INET6:
		slot = &t->ip6;
		break;
	default:
		return HZ_ERR_INVALID;
	}
	if (*slot)
		return HZ_ERR_IN_USE;
	int rc = ip->attach(ip->ctx, HZ_TCP_PROTO, &t->upper);
	if (rc < 0)
		return rc;
	*slot = ip;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/* Events wait in c->ev_pending / l->ev_pending; the engine keeps FIFO
 * lists of who has some, so delivering costs nothing for the rest of the
 * table. */
static void ev(struct hz_tcp_conn *c, unsigned bits)
{
	c->ev_pending |= bits;
	if (c->ev_queued)
		return;
	struct hz_tcp *t = c->tcp;
	c->ev_queued = true;
	c->ev_next = NULL;
	if (t->ev_tail)
		t->ev_tail->ev_next = c;
	else
		t->ev_head = c;
	t->ev_tail = c;
}

static void lev(struct hz_tcp_listener *l, unsigned bits)
{
	l->ev_pending |= bits;
	if (l->ev_queued)
		return;
	struct hz_tcp *t = l->tcp;
	l->ev_queued = true;
	l->ev_next = NULL;
	if (t->lev_tail)
		t->lev_tail->ev_next = l;
	else
		t->lev_head = l;
	t->lev_tail = l;
}

static void deliver_events(struct hz_tcp *t)
{
	/* Callbacks may close, abort, send or accept; a few passes pick up
	 * events they cause on other connections. Each pass takes the lists
	 * as they stand (listeners first, so an accepted connection's first
	 * events reach the callback the listener's handler just set); what
	 * callbacks queue meanwhile waits for the next pass. */
	for (int pass = 0; pass < 4; pass++) {
		if (!t->lev_head && !t->ev_head)
			break;
		bool any = false;
		struct hz_tcp_listener *l = t->lev_head;
		t->lev_head = t->lev_tail = NULL;
		while (l) {
			struct hz_tcp_listener *next = l->ev_next;
			l->ev_next = NULL;
			l->ev_queued = false;
			unsigned e = l->ev_pending;
			l->ev_pending = 0;
			if (e && l->used && l->event) {
				any = true;
				l->event(l->event_ctx, l, e);
			}
			l = next;
		}
		struct hz_tcp_conn *c = t->ev_head;
		t->ev_head = t->ev_tail = NULL;
		while (c) {
			struct hz_tcp_conn *next = c->ev_next;
			c->ev_next = NULL;
			c->ev_queued = false;
			unsigned e = c->ev_pending;
			c->ev_pending = 0;
			if (e && c->event && (c->flags & HZ_TCP_CF_APP_OWNED)) {
				any = true;
				c->event(c->event_ctx, c, e);
			}
			c = next;
		}
		if (!any)
			break;
	}
}

/* ------------------------------------------------------------------ */
/* Receive window                                                      */
/* ------------------------------------------------------------------ */

/* Bytes beyond RCV.NXT the receive ring can still take. */
static uint32_t rcv_space(const struct hz_tcp_conn *c)
{
	size_t f = hz_tcp_ring_free(&c->rcv);
	return f > 0x3fffffffu ? 0x3fffffffu : (uint32_t)f;
}

/* Move the advertised right edge forward if worth it: receiver-side
 * silly window avoidance (RFC 9293 3.8.6.2.2) opens the window only by
 * min(buffer/2, MSS) or more. The edge never moves back (3.8.6). */
static void rcv_adv_update(struct hz_tcp_conn *c)
{
	uint32_t max = (uint32_t)0xffffu << c->rcv_wscale;
	uint32_t space = HZ_MIN(rcv_space(c), max);
	uint32_t right = c->rcv_nxt + space;
	uint32_t thresh = HZ_MIN((uint32_t)(c->rcv.cap / 2), (uint32_t)c->rcv_mss);
	if (thresh == 0)
		thresh = 1;
	if (SEQ_LT(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	if (SEQ_GT(right, c->rcv_adv) && right - c->rcv_adv >= thresh)
		c->rcv_adv = right;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static void rtx_arm(struct hz_tcp_conn *c)
{
	c->rtx_at = c->tcp->now + c->rto;
}

/* The options a non-SYN, non-RST segment carries: timestamps when agreed,
 * and while we hold out-of-order data, SACK blocks on anything with ACK
 * (RFC 2018 4: the most recent block first; 3 fit beside timestamps). */
static void seg_opts(const struct hz_tcp_conn *c, uint8_t flags, struct hz_tcp_opts *o)
{
	if (c->flags & HZ_TCP_CF_TS)
		o->present |= HZ_TCP_OPTF_TS;
	if ((c->flags & HZ_TCP_CF_SACK) && c->tcp->cfg.sack && c->nooo && (flags & HZ_TCP_ACK)) {
		unsigned max = (o->present & HZ_TCP_OPTF_TS) ? 3 : 4;
		o->present |= HZ_TCP_OPTF_SACK;
		o->nsack = (uint8_t)HZ_MIN((unsigned)c->nooo, max);
		for (unsigned k = 0; k < o->nsack; k++)
			o->sack[k] = c->ooo[k];
	}
}

/* Build and send one segment: header + options + n bytes of the send ring
 * from offset off. */
static int xmit(struct hz_tcp_conn *c, uint32_t seq, uint8_t flags, size_t off, size_t n)
{
	struct hz_tcp *t = c->tcp;
	const struct hz_ip *ip = c->ip;
	struct hz_tcp_opts o;
	hz_memset(&o, 0, sizeof o);
	if (flags & HZ_TCP_SYN) {
		o.present |= HZ_TCP_OPTF_MSS;
		o.mss = c->rcv_mss;
		bool synack = flags & HZ_TCP_ACK;
		/* RFC 7323 2.2/3.2, RFC 2018 2: a SYN offers what we do; a
		 * SYN-ACK answers only what the SYN offered. */
		if (synack ? (c->flags & HZ_TCP_CF_WS) : t->cfg.window_scaling) {
			o.present |= HZ_TCP_OPTF_WS;
			o.ws = c->rcv_wscale;
		}
		if (synack ? (c->flags & HZ_TCP_CF_TS) : t->cfg.timestamps)
			o.present |= HZ_TCP_OPTF_TS;
		if (t->cfg.sack && (!synack || (c->flags & HZ_TCP_CF_SACK)))
			o.present |= HZ_TCP_OPTF_SACK_PERM;
	} else if (!(flags & HZ_TCP_RST)) {
		seg_opts(c, flags, &o);
		/* RFC 6691: options and data together stay within the MSS.
		 * seg_payload_max() sized n for these options; should the
		 * out-of-order set have grown since, shed SACK blocks rather
		 * than send a segment the path cannot carry. */
		while ((o.present & HZ_TCP_OPTF_SACK) && n + hz_tcp_opts_len(&o) > c->mss) {
			if (--o.nsack == 0)
				o.present &= ~HZ_TCP_OPTF_SACK;
		}
	}
	if (o.present & HZ_TCP_OPTF_TS) {
		o.tsval = ts_now(c);
		if ((flags & HZ_TCP_SYN) && (c->flags & HZ_TCP_CF_COOKIE))
			o.tsval = cookie_tsval(c, o.tsval);
		/* RFC 7323 3.2: TSecr is zero in an initial SYN. */
		o.tsecr = (flags & HZ_TCP_ACK) ? c->ts_recent : 0;
	}
	size_t olen = hz_tcp_opts_len(&o);
	size_t room = (size_t)ip->headroom + HZ_TCP_HDR_LEN + olen;
	if (t->txcap < room || n > t->txcap - room)
		return HZ_ERR_NO_SPACE;
	if (t->tx_busy)
		return HZ_ERR_WOULD_BLOCK;

	uint32_t wnd;
	if (flags & HZ_TCP_SYN) {
		/* RFC 7323 2.2: the window in a SYN is never scaled. */
		rcv_adv_update(c);
		wnd = HZ_MIN(c->rcv_adv - c->rcv_nxt, 0xffffu);
	} else {
		rcv_adv_update(c);
		wnd = (c->rcv_adv - c->rcv_nxt) >> c->rcv_wscale;
		if (wnd > 0xffffu)
			wnd = 0xffffu;
	}

	struct hz_pbuf pb;
	hz_pbuf_init(&pb, t->txbuf, t->txcap, room);
	uint8_t *payload = hz_pbuf_put(&pb, n);
	uint8_t *hdr = hz_pbuf_push(&pb, HZ_TCP_HDR_LEN + olen);
	if (!payload || !hdr)
		return HZ_ERR_INTERNAL;
	if (n && hz_tcp_ring_copy(&c->snd, off, payload, n) != n)
		return HZ_ERR_INTERNAL;
	struct hz_tcp_hdr h = {
		.sport = c->local.port,
		.dport = c->remote.port,
		.seq = seq,
		.ack = (flags & HZ_TCP_ACK) ? c->rcv_nxt : 0,
		.flags = flags,
		.wnd = (uint16_t)wnd,
	};
	int hl = hz_tcp_hdr_emit(hdr, HZ_TCP_HDR_LEN + olen, &h, &o);
	if (hl < 0)
		return hl;
	struct hz_ip_tx tx;
	hz_memset(&tx, 0, sizeof tx);
	tx.src = c->local.addr;
	tx.dst = c->remote.addr;
	tx.proto = HZ_TCP_PROTO;
	tx.ttl = t->cfg.ttl;
	tx.tos = t->cfg.tos;
	/* Path MTU discovery (RFC 1191/8201): TCP segments go with DF. */
	tx.flags = HZ_IP_TX_DF;
	uint32_t pseudo = ip->pseudo(ip->ctx, &tx.src, &tx.dst, HZ_TCP_PROTO, pb.len);
	if (t->cfg.tx_csum_offload) {
		/* The device sums from the TCP header on and adds what the
		 * field holds: the pseudo-header sum, folded, not complemented. */
		hz_be16_store(hdr + 16, (uint16_t)~hz_csum_fold(pseudo));
		pb.flags |= HZ_PBUF_F_CSUM_PARTIAL;
		pb.csum_start = 0;
		pb.csum_off = 16;
	} else {
		hz_be16_store(hdr + 16, hz_tcp_csum_compute(pseudo, hdr, pb.len));
	}
	if (flags & HZ_TCP_ACK) {
		c->flags &= ~(HZ_TCP_CF_ACK_NOW | HZ_TCP_CF_ACK_HELD);
		c->delack_at = HZ_TIME_NEVER;
		c->unacked_segs = 0;
		c->rcv_acked = c->rcv_nxt;
	}
	c->st.segs_out++;
	t->segs_out++;
	if (flags & HZ_TCP_RST)
		t->rsts_out++;
	t->tx_busy = true;
	int rc = ip->output(ip->ctx, &pb, &tx);
	t->tx_busy = false;
	return rc;
}

/* A segment without data carries SND.MAX, the RFC's SND.NXT: after a
 * timeout our snd_nxt goes back to resend, but a pure ACK from there would
 * be below the peer's RCV.NXT, be found unacceptable and answered by an
 * ACK of its own: two such peers would trade ACKs for ever. */
static void send_ack(struct hz_tcp_conn *c)
{
	(void)xmit(c, c->snd_max, HZ_TCP_ACK, 0, 0);
}

/* RFC 5961 3.2/4.2/5.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
static void challenge_ack(struct hz_tcp_conn *c)
{
	/* RFC 5961 7: at most challenge_ack_limit per second for the whole
	 * engine, so a flood of spoofed segments cannot make us a traffic
	 * amplifier. (A fixed global limit is itself observable, RFC 5961
	 * 10 / CVE-2016-5696; pick it high or 0 where that matters.) */
	struct hz_tcp *t = c->tcp;
	uint32_t limit = t->cfg.challenge_ack_limit;
	if (limit) {
		if (t->chack_window == 0 || t->now - t->chack_window >= HZ_SEC(1)) {
			t->chack_window = t->now ? t->now : 1;
			t->chack_count = 0;
		}
		if (t->chack_count >= limit) {
			t->chack_suppressed++;
			return;
		}
		t->chack_count++;
	}
	c->st.challenge_acks++;
	send_ack(c);
}

/* A RST not tied to a connection (RFC 9293 3.10.7.1 and the LISTEN /
 * SYN-SENT / SYN-RECEIVED cases): reply on the interface it came from. */
static void send_rst(struct hz_tcp *t, const struct hz_ip_rx *rx, const struct hz_tcp_hdr *h,
                     uint32_t seglen)
{
	if (h->flags & HZ_TCP_RST)
		return; /* never answer a RST */
	const struct hz_ip *ip = rx->ip;
	if (!ip || t->tx_busy)
		return;
	size_t room = (size_t)ip->headroom + HZ_TCP_HDR_LEN;
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, t->txbuf, t->txcap, room);
	uint8_t *hdr = hz_pbuf_push(&pb, HZ_TCP_HDR_LEN);
	if (!hdr)
		return;
	struct hz_tcp_hdr r = { .sport = h->dport, .dport = h->sport };
	if (h->flags & HZ_TCP_ACK) {
		r.seq = h->ack;
		r.flags = HZ_TCP_RST;
	} else {
		r.seq = 0;
		r.ack = h->seq + seglen;
		r.flags = HZ_TCP_RST | HZ_TCP_ACK;
	}
	(void)hz_tcp_hdr_emit(hdr, HZ_TCP_HDR_LEN, &r, NULL);
	struct hz_ip_tx tx;
	hz_memset(&tx, 0, sizeof tx);
	tx.src = rx->dst;
	tx.dst = rx->src;
	tx.proto = HZ_TCP_PROTO;
	tx.ttl = t->cfg.ttl;
	tx.tos = t->cfg.tos;
	uint32_t pseudo = ip->pseudo(ip->ctx, &tx.src, &tx.dst, HZ_TCP_PROTO, HZ_TCP_HDR_LEN);
	hz_be16_store(hdr + 16, hz_tcp_csum_compute(pseudo, hdr, HZ_TCP_HDR_LEN));
	t->segs_out++;
	t->rsts_out++;
	t->tx_busy = true;
	(void)ip->output(ip->ctx, &pb, &tx);
	t->tx_busy = false;
}

/* Payload bytes per data segment: the MSS minus the options that segment
 * will carry (RFC 6691; RFC 9293 3.7.1 counts options as header). With
 * SACK blocks in play that is less than with timestamps alone: sizing for
 * timestamps only made full segments 28 bytes too big for the path. */
static size_t seg_payload_max(const struct hz_tcp_conn *c)
{
	struct hz_tcp_opts o;
	hz_memset(&o, 0, sizeof o);
	seg_opts(c, HZ_TCP_ACK, &o);
	size_t olen = hz_tcp_opts_len(&o);
	return c->mss > olen ? c->mss - olen : 1;
}

static bool fin_queued(const struct hz_tcp_conn *c)
{
	return c->flags & HZ_TCP_CF_FIN_QUEUED;
}

/* Sequence number of our FIN (valid with FIN_QUEUED). */
static uint32_t fin_seq(const struct hz_tcp_conn *c)
{
	return c->snd_buf_seq + (uint32_t)c->snd.len;
}

/* Send one segment at seq with up to n data bytes, plus the FIN when it
 * reaches the end of the data. Returns the sequence space it used. */
static uint32_t send_at(struct hz_tcp_conn *c, uint32_t seq, size_t n)
{
	size_t off = seq - c->snd_buf_seq;
	size_t avail = off <= c->snd.len ? c->snd.len - off : 0;
	n = HZ_MIN(n, avail);
	uint8_t flags = HZ_TCP_ACK;
	bool fin = fin_queued(c) && off + n == c->snd.len;
	if (fin)
		flags |= HZ_TCP_FIN;
	if (n && off + n == c->snd.len)
		flags |= HZ_TCP_PSH;
	if (n == 0 && !fin)
		return 0;
	/* A segment the ip layer refused counts as sent and lost: the
	 * retransmission timer recovers it. */
	(void)xmit(c, seq, flags, off, n);
	if (fin)
		c->flags |= HZ_TCP_CF_FIN_SENT;
	return (uint32_t)n + (fin ? 1u : 0u);
}

static bool can_send_data(const struct hz_tcp_conn *c)
{
	switch (c->state) {
	case HZ_TCP_ESTABLISHED:
	case HZ_TCP_CLOSE_WAIT:
	case HZ_TCP_FIN_WAIT_1:
	case HZ_TCP_CLOSING:
	case HZ_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* Send what the windows, Nagle and sender SWS avoidance allow
 * (RFC 9293 3.8.6.2.1, 3.7.4; RFC 5681 for cwnd). */
static void sack_output(struct hz_tcp_conn *c);

static void output(struct hz_tcp_conn *c)
{
	if (!can_send_data(c))
		return;
	size_t pmax = seg_payload_max(c);
	/* In RFC 6675 loss recovery the scoreboard and pipe decide. */
	bool sack_rec = (c->flags & HZ_TCP_CF_RECOVERY) && (c->flags & HZ_TCP_CF_SACK) &&
	                c->tcp->cfg.sack;
	if (sack_rec)
		sack_output(c);
	while (!sack_rec) {
		if (SEQ_LT(c->snd_nxt, c->snd_buf_seq))
			c->snd_nxt = c->snd_buf_seq;
		size_t off = c->snd_nxt - c->snd_buf_seq;
		if (off > c->snd.len)
			break; /* FIN already sent */
		size_t avail = c->snd.len - off;
		bool fin_pending = fin_queued(c);
		if (avail == 0 && !fin_pending)
			break;
		uint32_t wnd = HZ_MIN(c->snd_wnd, c->cwnd);
		uint32_t inflight = c->snd_nxt - c->snd_una;
		size_t usable = wnd > inflight ? wnd - inflight : 0;
		size_t n = HZ_MIN(avail, HZ_MIN(usable, pmax));
		bool retx = SEQ_LT(c->snd_nxt, c->snd_max);
		if (n < avail || (n == 0 && avail > 0)) {
			/* Window-limited. */
			if (n == 0)
				break;
			if (n < pmax && !retx) {
				/* Sender SWS: a small segment only when it is at
				 * least half the largest window seen, or nothing is
				 * in flight to wait for. */
				if (n < c->max_snd_wnd / 2 && inflight > 0)
					break;
			}
		} else if (n > 0 && n < pmax && !retx && !fin_pending) {
			/* Nagle (RFC 9293 3.7.4): hold a short final segment
			 * while data is unacknowledged. */
			if (!(c->flags & HZ_TCP_CF_NODELAY) && inflight > 0)
				break;
		}
		uint32_t seq = c->snd_nxt;
		uint32_t used = send_at(c, seq, n);
		if (used == 0)
			break;
		if (retx) {
			c->st.retransmits++;
		} else if (c->rtt_at == 0 && !(c->flags & HZ_TCP_CF_TS)) {
			/* Karn: time one fresh segment at a time. */
			c->rtt_at = c->tcp->now ? c->tcp->now : 1;
			c->rtt_seq = seq + used;
		}
		c->snd_nxt = seq + used;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (c->rtx_at == HZ_TIME_NEVER)
			rtx_arm(c);
		if (c->snd_nxt == fin_seq(c) + 1)
			break;
	}
	/* Persist timer (RFC 9293 3.8.6.1): a zero window with data waiting
	 * and nothing in flight to bring a window update. */
	size_t off = c->snd_nxt - c->snd_buf_seq;
	bool unsent = off < c->snd.len;
	if (c->snd_wnd == 0 && unsent && c->snd_una == c->snd_max) {
		if (c->persist_at == HZ_TIME_NEVER) {
			hz_time_t d = (hz_time_t)c->rto << HZ_MIN(c->persist_backoff, 16);
			c->persist_at = c->tcp->now + clamp32(d, c->tcp->cfg.rto_min, c->tcp->cfg.rto_max);
		}
	} else {
		c->persist_at = HZ_TIME_NEVER;
		c->persist_backoff = 0;
	}
}

/* An ACK-eliciting probe: <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>, outside
 * the peer's window, so it answers with its current ACK and window (used
 * for zero-window probes and keepalives, RFC 1122 4.2.3.6). */
static void send_probe(struct hz_tcp_conn *c)
{
	(void)xmit(c, c->snd_una - 1, HZ_TCP_ACK, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Connection life cycle                                               */
/* ------------------------------------------------------------------ */

static void listener_unlink(struct hz_tcp_conn *c)
{
	if (c->listener) {
		if (c->listener->pending)
			c->listener->pending--;
		c->listener = NULL;
	}
}

static void conn_free(struct hz_tcp_conn *c)
{
	listener_unlink(c);
	slot_clear(c);
}

/* The connection reached CLOSED. An application that holds the handle
 * keeps the slot (to read the error and remaining data) until it closes;
 * otherwise the slot is free at once. */
static void conn_done(struct hz_tcp_conn *c, int err)
{
	c->state = HZ_TCP_CLOSED;
	timers_off(c);
	if (err && !c->error)
		c->error = err;
	if (!(c->flags & HZ_TCP_CF_APP_OWNED)) {
		conn_free(c);
		return;
	}
	ev(c, HZ_TCP_EV_CLOSED | HZ_TCP_EV_READABLE | (err ? HZ_TCP_EV_ERROR : 0u));
}

static void enter_time_wait(struct hz_tcp_conn *c)
{
	c->state = HZ_TCP_TIME_WAIT;
	timers_off(c);
	c->wait_at = c->tcp->now + c->tcp->cfg.time_wait;
}

/* SND.WND and friends from a segment (RFC 9293 3.10.7.4, ESTABLISHED
 * "update the send window"). */
static void wnd_update(struct hz_tcp_conn *c, uint32_t seq, uint32_t ack, uint16_t wnd, bool syn)
{
	c->snd_wnd = syn ? wnd : (uint32_t)wnd << c->snd_wscale;
	c->snd_wl1 = seq;
	c->snd_wl2 = ack;
	if (c->snd_wnd > c->max_snd_wnd)
		c->max_snd_wnd = c->snd_wnd;
}

static void rtt_sample(struct hz_tcp_conn *c, uint32_t r)
{
	const struct hz_tcp_config *cfg = &c->tcp->cfg;
	if (r == 0)
		r = 1;
	if (c->srtt == 0) {
		/* RFC 6298 2.2 */
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		/* RFC 6298 2.3, alpha 1/8, beta 1/4 */
		uint32_t delta = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (uint32_t)(((uint64_t)c->rttvar * 3 + delta) / 4);
		c->srtt = (uint32_t)(((uint64_t)c->srtt * 7 + r) / 8);
	}
	hz_time_t k = (hz_time_t)c->rttvar * 4;
	c->rto = clamp32(c->srtt + HZ_MAX(k, (hz_time_t)RTO_G), cfg->rto_min, cfg->rto_max);
}

static void cc_init(struct hz_tcp_conn *c)
{
	uint32_t mss = (uint32_t)seg_payload_max(c);
	uint32_t iw;
	if (c->flags & HZ_TCP_CF_SYN_RETX) {
		iw = mss; /* RFC 5681 3.1: one segment after a lost SYN */
	} else {
		/* RFC 6928 2: min(10*MSS, max(2*MSS, 14600)), or the
		 * configured segment count. */
		uint32_t n = c->tcp->cfg.initial_cwnd ? c->tcp->cfg.initial_cwnd : 10;
		iw = HZ_MIN(n * mss, HZ_MAX(2 * mss, 14600u));
		if (n < 10)
			iw = n * mss;
	}
	c->cwnd = iw;
	c->ssthresh = SSTHRESH_INF;
	c->recover = c->iss;
}

/* The MSS we announce: what the path lets us receive, clamped. */
static uint16_t mss_local(const struct hz_tcp_conn *c)
{
	size_t m = c->ip->mtu(c->ip->ctx, &c->remote.addr);
	m = m > HZ_TCP_HDR_LEN ? m - HZ_TCP_HDR_LEN : MSS_MIN;
	if (c->tcp->cfg.mss_max && m > c->tcp->cfg.mss_max)
		m = c->tcp->cfg.mss_max;
	if (m > 0xffffu)
		m = 0xffffu;
	if (m < MSS_MIN)
		m = MSS_MIN;
	return (uint16_t)m;
}

/* The send MSS: the peer's (or the default), the path, our tx buffer. */
static void mss_set(struct hz_tcp_conn *c, const struct hz_tcp_opts *o)
{
	size_t m;
	if (o && (o->present & HZ_TCP_OPTF_MSS))
		m = o->mss;
	else
		m = c->remote.addr.family == HZ_AF_INET6 ? MSS_DEFAULT_V6 : MSS_DEFAULT_V4;
	m = HZ_MIN(m, (size_t)mss_local(c));
	size_t over = (size_t)c->ip->headroom + HZ_TCP_HDR_MAX;
	size_t room = c->tcp->txcap > over ? c->tcp->txcap - over : 0;
	m = HZ_MIN(m, room);
	if (m < MSS_MIN)
		m = MSS_MIN;
	c->mss = (uint16_t)m;
}

/* Our window shift: the smallest that lets the ring be advertised, or
 * the largest ring the application said it may give later. */
static uint8_t wscale_for(const struct hz_tcp *t, size_t cap)
{
	if (!t->cfg.window_scaling)
		return 0;
	if (cap < t->cfg.rcv_wnd_max)
		cap = t->cfg.rcv_wnd_max;
	uint8_t s = 0;
	while (s < HZ_TCP_WS_MAX && ((size_t)0xffffu << s) < cap)
		s++;
	return s;
}

/* Options of the peer's SYN (RFC 7323 2.2, 3.2; RFC 2018 2). */
static void syn_opts(struct hz_tcp_conn *c, const struct hz_tcp_opts *o)
{
	const struct hz_tcp_config *cfg = &c->tcp->cfg;
	mss_set(c, o);
	if (cfg->window_scaling && (o->present & HZ_TCP_OPTF_WS)) {
		c->flags |= HZ_TCP_CF_WS;
		c->snd_wscale = HZ_MIN(o->ws, HZ_TCP_WS_MAX);
	} else {
		c->flags &= ~HZ_TCP_CF_WS;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (cfg->timestamps && (o->present & HZ_TCP_OPTF_TS)) {
		c->flags |= HZ_TCP_CF_TS;
		c->ts_recent = o->tsval;
		c->ts_recent_at = c->tcp->now;
	} else {
		c->flags &= ~HZ_TCP_CF_TS;
	}
	if (cfg->sack && (o->present & HZ_TCP_OPTF_SACK_PERM))
		c->flags |= HZ_TCP_CF_SACK;
}

static void keep_arm(struct hz_tcp_conn *c)
{
	if ((c->flags & HZ_TCP_CF_KEEPALIVE) &&
	    (c->state == HZ_TCP_ESTABLISHED || c->state == HZ_TCP_CLOSE_WAIT))
		c->keep_at = c->last_rx + c->tcp->cfg.keep_idle;
	else
		c->keep_at = HZ_TIME_NEVER;
}

/* Common set-up of a connection's sequence state and ISN. */
static void conn_begin(struct hz_tcp_conn *c)
{
	struct hz_tcp *t = c->tcp;
	c->iss = hz_tcp_isn(t, &c->local, &c->remote, t->now);
	c->ts_offset = (uint32_t)tuple_hash(t, &c->local, &c->remote, 1);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->iss + 1;
	c->snd_buf_seq = c->iss + 1;
	c->rto = clamp32(t->cfg.rto_initial, 1, UINT32_MAX);
	c->rcv_mss = mss_local(c);
	c->rcv_wscale = wscale_for(t, c->rcv.cap);
	c->last_rx = t->now;
	if (t->cfg.nodelay)
		c->flags |= HZ_TCP_CF_NODELAY;
	if (t->cfg.keepalive)
		c->flags |= HZ_TCP_CF_KEEPALIVE;
	mss_set(c, NULL);
}

/* Both sides' SYNs are acknowledged: ESTABLISHED (RFC 9293 3.10.7.3/4). */
static void conn_established(struct hz_tcp_conn *c)
{
	struct hz_tcp *t = c->tcp;
	c->state = (c->flags & HZ_TCP_CF_FIN_QUEUED) ? HZ_TCP_FIN_WAIT_1 : HZ_TCP_ESTABLISHED;
	c->retries = 0;
	if ((c->flags & HZ_TCP_CF_SYN_RETX) && c->srtt == 0 &&
	    c->rto < RTO_AFTER_SYN_LOSS)
		c->rto = (uint32_t)RTO_AFTER_SYN_LOSS; /* RFC 6298 5.7 */
	cc_init(c);
	keep_arm(c);
	ev(c, HZ_TCP_EV_CONNECTED | HZ_TCP_EV_WRITABLE);
	if (c->listener) {
		c->accept_seq = ++t->accept_counter;
		lev(c->listener, HZ_TCP_EV_ACCEPT);
	}
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */
/* ------------------------------------------------------------------ */

static bool conn_is(const struct hz_tcp_conn *c, const struct hz_ipaddr *laddr, uint16_t lport,
                    const struct hz_ipaddr *raddr, uint16_t rport)
{
	return c->state != HZ_TCP_CLOSED && c->local.port == lport && c->remote.port == rport &&
	       addr_same(&c->remote.addr, raddr) && addr_same(&c->local.addr, laddr);
}

/* At most one live connection has a given 4-tuple, so the last one found
 * (checked again in full) answers a run of segments of one flow. */
static struct hz_tcp_conn *conn_find(struct hz_tcp *t, const struct hz_ipaddr *laddr,
                                     uint16_t lport, const struct hz_ipaddr *raddr, uint16_t rport)
{
	struct hz_tcp_conn *c = t->last_conn;
	if (c && conn_is(c, laddr, lport, raddr, rport))
		return c;
	for (size_t i = 0; i < t->nconns; i++) {
		c = &t->conns[i];
		if (conn_is(c, laddr, lport, raddr, rport)) {
			t->last_conn = c;
			return c;
		}
	}
	return NULL;
}

static bool listener_matches(const struct hz_tcp_listener *l, const struct hz_ipaddr *addr,
                             uint16_t port)
{
	if (!l->used || l->local.port != port)
		return false;
	if (l->local.addr.family == HZ_AF_NONE)
		return true;
	if (l->local.addr.family != addr->family)
		return false;
	return addr_zero(&l->local.addr) || addr_same(&l->local.addr, addr);
}

static struct hz_tcp_listener *listener_find(struct hz_tcp *t, const struct hz_ipaddr *addr,
                                             uint16_t port)
{
	struct hz_tcp_listener *wild = NULL;
	for (size_t i = 0; i < t->nlisteners; i++) {
		struct hz_tcp_listener *l = &t->listeners[i];
		if (!listener_matches(l, addr, port))
			continue;
		if (!addr_wild(&l->local.addr))
			return l; /* a specific address wins */
		wild = l;
	}
	return wild;
}

/* A free slot; with `rings`, one with default ring memory. When none is
 * free, the oldest TIME-WAIT slot no application holds is reclaimed. */
static struct hz_tcp_conn *slot_take(struct hz_tcp *t, bool rings)
{
	struct hz_tcp_conn *tw = NULL;
	for (size_t i = 0; i < t->nconns; i++) {
		struct hz_tcp_conn *c = &t->conns[i];
		if (rings && (!c->def_snd || !c->def_rcv))
			continue;
		if (slot_free(c))
			return c;
		if (c->state == HZ_TCP_TIME_WAIT && !(c->flags & HZ_TCP_CF_APP_OWNED) &&
		    (!tw || c->wait_at < tw->wait_at))
			tw = c;
	}
	if (tw)
		conn_free(tw);
	return tw;
}

/* ------------------------------------------------------------------ */
/* Segment arrives                                                     */
/* ------------------------------------------------------------------ */

struct seg {
	struct hz_tcp_hdr h;
	struct hz_tcp_opts o;
	const uint8_t *data;
	size_t dlen;
	const struct hz_ip_rx *rx;
};

static int drop(struct hz_tcp *t, unsigned reason, int err)
{
	t->drops[reason]++;
	return err;
}

static uint32_t cookie_mac(const struct hz_tcp *t, const struct hz_tcp_endpoint *l,
                           const struct hz_tcp_endpoint *r, uint32_t peer_isn, uint32_t count,
                           uint32_t mssidx)
{
	uint8_t b[1 + 2 * 17 + 4 + 4 + 4 + 1];
	b[0] = 2; /* domain tag: 0 ISNs, 1 timestamp offsets, 2 cookies */
	b[1] = l->addr.family;
	hz_memcpy(b + 2, l->addr.b, 16);
	b[18] = r->addr.family;
	hz_memcpy(b + 19, r->addr.b, 16);
	hz_be16_store(b + 35, l->port);
	hz_be16_store(b + 37, r->port);
	hz_be32_store(b + 39, peer_isn);
	hz_be32_store(b + 43, count);
	b[47] = (uint8_t)mssidx;
	return (uint32_t)hz_siphash(t->isn_key, b, sizeof b) & 0xffffffu;
}

static uint32_t cookie_make(const struct hz_tcp *t, const struct hz_tcp_endpoint *l,
                            const struct hz_tcp_endpoint *r, uint32_t peer_isn, uint32_t mssidx)
{
	uint32_t count = (uint32_t)(t->now / COOKIE_PERIOD);
	return (count & 31u) << 27 | mssidx << 24 | cookie_mac(t, l, r, peer_isn, count, mssidx);
}

/* Whether isn is a cookie we made for this tuple and peer ISN in the
 * last two periods; *mssidx its MSS index. */
static bool cookie_check(const struct hz_tcp *t, const struct hz_tcp_endpoint *l,
                         const struct hz_tcp_endpoint *r, uint32_t peer_isn, uint32_t isn,
                         uint32_t *mssidx)
{
	uint32_t now = (uint32_t)(t->now / COOKIE_PERIOD);
	uint32_t age = (now - (isn >> 27)) & 31u;
	uint32_t idx = (isn >> 24) & 7u;
	if (age > 1 || idx >= (uint32_t)HZ_ARRAY_LEN(cookie_mss) || now < age)
		return false;
	*mssidx = idx;
	return cookie_mac(t, l, r, peer_isn, now - age, idx) == (isn & 0xffffffu);
}

/* The receive ring capacity passive connections get (for a cookie
 * SYN-ACK's window and shift, which the connection must match later). */
static size_t passive_rcv_cap(const struct hz_tcp *t)
{
	for (size_t i = 0; i < t->nconns; i++)
		if (t->conns[i].def_snd && t->conns[i].def_rcv)
			return t->conns[i].def_rcv_cap;
	return 0;
}

/* Answer a SYN with a cookie SYN-ACK, keeping no state: a scratch
 * connection carries what xmit needs. */
static int cookie_send(struct hz_tcp *t, struct hz_tcp_listener *l, const struct seg *s)
{
	const struct hz_tcp_hdr *h = &s->h;
	size_t cap = passive_rcv_cap(t);
	if (!cap || !s->rx->ip)
		return drop(t, HZ_TCP_DROP_BACKLOG_FULL, HZ_ERR_NO_SPACE);
	struct hz_tcp_conn tmp;
	hz_memset(&tmp, 0, sizeof tmp);
	struct hz_tcp_conn *c = &tmp;
	c->tcp = t;
	c->ip = s->rx->ip;
	c->local.addr = s->rx->dst;
	c->local.port = h->dport;
	c->remote.addr = s->rx->src;
	c->remote.port = h->sport;
	hz_tcp_ring_init(&c->rcv, NULL, cap);
	/* No memory behind this stand-in ring, but its capacity is what the
	 * SYN-ACK's window is computed from (ring_init zeroes it for NULL;
	 * the fuzzer caught cookie SYN-ACKs advertising a zero window). */
	c->rcv.cap = cap;
	c->rcv_mss = mss_local(c);
	c->rcv_wscale = wscale_for(t, cap);
	c->ts_offset = (uint32_t)tuple_hash(t, &c->local, &c->remote, 1);
	syn_opts(c, &s->o);
	/* The largest table MSS not above the peer's and our own. */
	uint32_t peer = (s->o.present & HZ_TCP_OPTF_MSS) ? s->o.mss : c->mss;
	peer = HZ_MIN(peer, (uint32_t)c->rcv_mss);
	uint32_t idx = 0;
	for (uint32_t k = 0; k < (uint32_t)HZ_ARRAY_LEN(cookie_mss); k++)
		if (cookie_mss[k] <= peer)
			idx = k;
	/* Options ride in the TSval only; without timestamps they go. */
	if (!(c->flags & HZ_TCP_CF_TS)) {
		c->flags &= ~(HZ_TCP_CF_WS | HZ_TCP_CF_SACK);
		c->rcv_wscale = 0;
	}
	c->flags |= HZ_TCP_CF_COOKIE;
	c->iss = cookie_make(t, &c->local, &c->remote, h->seq, idx);
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	(void)xmit(c, c->iss, HZ_TCP_SYN | HZ_TCP_ACK, 0, 0);
	t->cookies_sent++;
	l->cookie_at = t->now ? t->now : 1;
	return HZ_OK;
}

/* A connection slot for a validated cookie: a free one, else the oldest
 * half-open connection of the listener gives way (RFC 4987 3.4: a
 * proven peer beats an unproven one). Also when the listener is at its
 * backlog, so the backlog still bounds what it holds. */
static struct hz_tcp_conn *cookie_slot(struct hz_tcp *t, struct hz_tcp_listener *l)
{
	struct hz_tcp_conn *c = l->pending < l->backlog ? slot_take(t, true) : NULL;
	if (c)
		return c;
	struct hz_tcp_conn *old = NULL;
	for (size_t i = 0; i < t->nconns; i++) {
		struct hz_tcp_conn *o = &t->conns[i];
		/* The oldest by creation: retransmission timers back off, so
		 * the earliest timer is not the oldest connection. */
		if (o->listener == l && o->state == HZ_TCP_SYN_RECEIVED && o->def_snd && o->def_rcv &&
		    (!old || (int32_t)(o->born - old->born) < 0))
			old = o;
	}
	if (old) {
		(void)xmit(old, old->snd_max, HZ_TCP_RST, 0, 0);
		conn_free(old);
		if (l->pending < l->backlog)
			return slot_take(t, true);
	}
	return NULL;
}

static int conn_input(struct hz_tcp_conn *c, const struct seg *s);
static void conn_flush(struct hz_tcp_conn *c);

/* An ACK to a listener that may carry our cookie (RFC 4987 3.6). Only
 * while cookies were sent in the last two periods, so a blind attacker
 * cannot search for a valid cookie when none is in use. Returns 1 when
 * it created the connection (and processed the segment through it), 0
 * when it was no cookie of ours, or an error (a valid cookie with no
 * room: dropped; the peer's next segment carries the cookie again). */
static int cookie_ack(struct hz_tcp *t, struct hz_tcp_listener *l, const struct seg *s)
{
	const struct hz_tcp_hdr *h = &s->h;
	if (!t->cfg.syn_cookies || !l->cookie_at || t->now - l->cookie_at >= 2 * COOKIE_PERIOD ||
	    (h->flags & (HZ_TCP_SYN | HZ_TCP_RST)))
		return 0;
	struct hz_tcp_endpoint le = { .addr = s->rx->dst, .port = h->dport };
	struct hz_tcp_endpoint re = { .addr = s->rx->src, .port = h->sport };
	uint32_t idx;
	if (!cookie_check(t, &le, &re, h->seq - 1, h->ack - 1, &idx)) {
		t->cookies_bad++;
		return 0;
	}
	struct hz_tcp_conn *c = cookie_slot(t, l);
	if (!c)
		return drop(t, HZ_TCP_DROP_BACKLOG_FULL, HZ_ERR_NO_SPACE);
	t->cookies_ok++;
	c->listener = l;
	l->pending++;
	c->ip = s->rx->ip;
	c->local = le;
	c->remote = re;
	conn_begin(c);
	c->iss = h->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->iss + 1;
	c->snd_buf_seq = c->iss + 1;
	c->irs = h->seq - 1;
	c->rcv_nxt = h->seq;
	c->rcv_adv = c->rcv_nxt;
	/* Rebuild the SYN's options from the cookie and the TSecr. */
	struct hz_tcp_opts o;
	hz_memset(&o, 0, sizeof o);
	o.present = HZ_TCP_OPTF_MSS;
	o.mss = cookie_mss[idx];
	if ((s->o.present & HZ_TCP_OPTF_TS) && t->cfg.timestamps) {
		uint32_t bits = s->o.tsecr & 0x3fu;
		o.present |= HZ_TCP_OPTF_TS;
		o.tsval = s->o.tsval;
		if ((bits & 0xfu) != COOKIE_WS_NONE && (bits & 0xfu) <= HZ_TCP_WS_MAX) {
			o.present |= HZ_TCP_OPTF_WS;
			o.ws = (uint8_t)(bits & 0xfu);
		}
		if (bits & COOKIE_SACK)
			o.present |= HZ_TCP_OPTF_SACK_PERM;
	}
	if (!(o.present & HZ_TCP_OPTF_WS))
		c->rcv_wscale = 0;
	syn_opts(c, &o);
	c->flags |= HZ_TCP_CF_COOKIE;
	c->state = HZ_TCP_SYN_RECEIVED;
	c->born = c->tcp->born_next++;
	wnd_update(c, h->seq, c->iss, 0, true);
	rcv_adv_update(c); /* the window our SYN-ACK offered */
	(void)conn_input(c, s);
	conn_flush(c);
	return 1;
}

/* RFC 9293 3.10.7.2: a segment for a listener. iss_floor, when not
 * NULL, is the SND.MAX of a TIME-WAIT connection this SYN reopens: the new
 * ISS must lie above it (RFC 1122 4.2.2.13). */
static int listen_input(struct hz_tcp *t, struct hz_tcp_listener *l, const struct seg *s,
                        const uint32_t *iss_floor)
{
	const struct hz_tcp_hdr *h = &s->h;
	if (h->flags & HZ_TCP_RST)
		return drop(t, HZ_TCP_DROP_LISTEN_BAD, HZ_ERR_BAD_STATE);
	if (h->flags & HZ_TCP_ACK) {
		int rc = cookie_ack(t, l, s);
		if (rc > 0)
			return HZ_OK;
		if (rc < 0)
			return rc;
		/* Not a cookie: RFC 9293's RST for an ACK to a listener
		 * (RFC 4987 says nothing more; a forged or old cookie is
		 * just such an ACK). */
		send_rst(t, s->rx, h, 0);
		return drop(t, HZ_TCP_DROP_LISTEN_BAD, HZ_ERR_BAD_STATE);
	}
	if (!(h->flags & HZ_TCP_SYN))
		return drop(t, HZ_TCP_DROP_LISTEN_BAD, HZ_ERR_BAD_STATE);
	/* A full backlog or table: a SYN cookie if enabled, else drop and
	 * let the peer retry. */
	if (l->pending >= l->backlog) {
		if (t->cfg.syn_cookies)
			return cookie_send(t, l, s);
		return drop(t, HZ_TCP_DROP_BACKLOG_FULL, HZ_ERR_NO_SPACE);
	}
	struct hz_tcp_conn *c = slot_take(t, true);
	if (!c) {
		if (t->cfg.syn_cookies)
			return cookie_send(t, l, s);
		return drop(t, HZ_TCP_DROP_NO_CONN_SLOT, HZ_ERR_NO_SPACE);
	}
	c->listener = l;
	l->pending++;
	c->ip = s->rx->ip;
	c->local.addr = s->rx->dst;
	c->local.port = h->dport;
	c->remote.addr = s->rx->src;
	c->remote.port = h->sport;
	conn_begin(c);
	if (iss_floor && !SEQ_GT(c->iss, *iss_floor)) {
		c->iss = *iss_floor + 0x10000u;
		c->snd_una = c->iss;
		c->snd_nxt = c->snd_max = c->snd_buf_seq = c->iss + 1;
	}
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	syn_opts(c, &s->o);
	wnd_update(c, h->seq, c->iss, h->wnd, true);
	c->state = HZ_TCP_SYN_RECEIVED;
	c->born = c->tcp->born_next++;
	/* Data or FIN in the SYN is not queued (no TCP Fast Open): it is
	 * left unacknowledged, so the peer sends it again. */
	(void)xmit(c, c->iss, HZ_TCP_SYN | HZ_TCP_ACK, 0, 0);
	rtx_arm(c);
	return HZ_OK;
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static int syn_sent_input(struct hz_tcp_conn *c, const struct seg *s)
{
	struct hz_tcp *t = c->tcp;
	const struct hz_tcp_hdr *h = &s->h;
	bool ack_ok = false;
	if (h->flags & HZ_TCP_ACK) {
		if (SEQ_LE(h->ack, c->iss) || SEQ_GT(h->ack, c->snd_max)) {
			send_rst(t, s->rx, h, 0);
			return drop(t, HZ_TCP_DROP_SYN_SENT_BAD, HZ_ERR_BAD_STATE);
		}
		ack_ok = SEQ_LE(c->snd_una, h->ack) && SEQ_LE(h->ack, c->snd_max);
	}
	if (h->flags & HZ_TCP_RST) {
		/* RFC 5961 3.2 for SYN-SENT: only with an acceptable ACK. */
		if (!ack_ok)
			return drop(t, HZ_TCP_DROP_SYN_SENT_BAD, HZ_ERR_BAD_STATE);
		conn_done(c, HZ_ERR_REFUSED);
		return HZ_OK;
	}
	if (!(h->flags & HZ_TCP_SYN))
		return drop(t, HZ_TCP_DROP_SYN_SENT_BAD, HZ_ERR_BAD_STATE);
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	syn_opts(c, &s->o);
	if (ack_ok) {
		c->snd_una = h->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		wnd_update(c, h->seq, h->ack, h->wnd, true);
		if ((c->flags & HZ_TCP_CF_TS) && s->o.tsecr)
			rtt_sample(c, (ts_now(c) - s->o.tsecr) * 1000u);
		else if (c->rtt_at && !(c->flags & HZ_TCP_CF_SYN_RETX))
			rtt_sample(c, (uint32_t)HZ_MIN(t->now - c->rtt_at, (hz_time_t)UINT32_MAX));
		c->rtt_at = 0;
		c->rtx_at = HZ_TIME_NEVER;
		conn_established(c);
		/* Data or FIN on the SYN-ACK is not taken (rare); the ACK
		 * below leaves it unacknowledged, so the peer resends it. */
		c->flags |= HZ_TCP_CF_ACK_NOW;
		output(c);
		if (c->flags & HZ_TCP_CF_ACK_NOW)
			send_ack(c);
		return HZ_OK;
	}
	/* Simultaneous open (RFC 9293 figure 8): SYN-RECEIVED, and our SYN
	 * again, now with an ACK. */
	wnd_update(c, h->seq, c->iss, h->wnd, true);
	c->state = HZ_TCP_SYN_RECEIVED;
	c->born = c->tcp->born_next++;
	(void)xmit(c, c->iss, HZ_TCP_SYN | HZ_TCP_ACK, 0, 0);
	rtx_arm(c);
	return HZ_OK;
}

/* Add [l, r) to the out-of-order ranges, most recent first, merging what
 * touches it. When all slots are taken the oldest range is forgotten: its
 * bytes stay in the ring but will be taken again from a retransmission. */
static void ooo_add(struct hz_tcp_conn *c, uint32_t l, uint32_t r)
{
	struct hz_tcp_sack_block nb = { l, r };
	struct hz_tcp_sack_block keep[HZ_TCP_OOO_MAX];
	unsigned nk = 0;
	for (unsigned i = 0; i < c->nooo; i++) {
		struct hz_tcp_sack_block b = c->ooo[i];
		if (SEQ_LE(b.left, nb.right) && SEQ_GE(b.right, nb.left)) {
			if (SEQ_LT(b.left, nb.left))
				nb.left = b.left;
			if (SEQ_GT(b.right, nb.right))
				nb.right = b.right;
		} else {
			keep[nk++] = b;
		}
	}
	c->ooo[0] = nb;
	unsigned n = 1;
	for (unsigned i = 0; i < nk && n < HZ_TCP_OOO_MAX; i++)
		c->ooo[n++] = keep[i];
	c->nooo = (uint8_t)n;
}

/* After RCV.NXT moved: make ranges that now touch it readable. */
static void ooo_merge(struct hz_tcp_conn *c)
{
	bool again = true;
	while (again) {
		again = false;
		for (unsigned i = 0; i < c->nooo; i++) {
			struct hz_tcp_sack_block b = c->ooo[i];
			if (SEQ_GT(b.left, c->rcv_nxt))
				continue;
			if (SEQ_GT(b.right, c->rcv_nxt)) {
				uint32_t n = b.right - c->rcv_nxt;
				hz_tcp_ring_commit(&c->rcv, n);
				c->rcv_nxt = b.right;
				c->st.bytes_in += n;
			}
			for (unsigned j = i; j + 1 < c->nooo; j++)
				c->ooo[j] = c->ooo[j + 1];
			c->nooo--;
			again = true;
			break;
		}
	}
}

/* cfg.ack_batch: hold the ACK the every-second-segment rule (or a window
 * update) asks for until hz_tcp_flush, the end of the caller's batch.
 * Not once half the window we could advertise is unacknowledged: the
 * sender would soon stall waiting for it. Returns whether it is held. */
static bool ack_hold(struct hz_tcp_conn *c)
{
	struct hz_tcp *t = c->tcp;
	if (!t->cfg.ack_batch)
		return false;
	uint32_t wnd = HZ_MIN((uint32_t)HZ_MIN(c->rcv.cap, (size_t)0x3fffffffu),
	                      (uint32_t)0xffffu << c->rcv_wscale);
	if (c->rcv_nxt - c->rcv_acked >= wnd / 2)
		return false;
	c->flags |= HZ_TCP_CF_ACK_HELD;
	if (!c->ack_queued) {
		c->ack_queued = true;
		c->ack_next = t->ack_head;
		t->ack_head = c;
	}
	return true;
}

void hz_tcp_flush(struct hz_tcp *t)
{
	struct hz_tcp_conn *c = t->ack_head;
	t->ack_head = NULL;
	while (c) {
		struct hz_tcp_conn *next = c->ack_next;
		c->ack_next = NULL;
		c->ack_queued = false;
		/* Still owed (data or another ACK since would have carried it)
		 * and the connection still there to send it. */
		if ((c->flags & HZ_TCP_CF_ACK_HELD) && c->state != HZ_TCP_CLOSED &&
		    c->state != HZ_TCP_SYN_SENT) {
			t->acks_batched++;
			send_ack(c);
		}
		c->flags &= ~HZ_TCP_CF_ACK_HELD;
		c = next;
	}
}

/* The peer's FIN is next in sequence (RFC 9293 3.10.7.4, eighth). */
static void fin_arrives(struct hz_tcp_conn *c)
{
	c->rcv_nxt++;
	c->flags |= HZ_TCP_CF_FIN_RCVD | HZ_TCP_CF_ACK_NOW;
	c->flags &= ~HZ_TCP_CF_FIN_OOO;
	/* Nothing follows the FIN: out-of-order data a peer placed beyond its
	 * own FIN is discarded, or every later ACK would SACK bytes after
	 * the end of the stream (RFC 2018 4; found by the tcp fuzzer). */
	c->nooo = 0;
	ev(c, HZ_TCP_EV_READABLE | HZ_TCP_EV_PEER_FIN);
	switch (c->state) {
	case HZ_TCP_SYN_RECEIVED:
	case HZ_TCP_ESTABLISHED:
		c->state = HZ_TCP_CLOSE_WAIT;
		keep_arm(c);
		break;
	case HZ_TCP_FIN_WAIT_1:
		/* Our FIN not yet acknowledged (else FIN-WAIT-2 already). */
		c->state = HZ_TCP_CLOSING;
		break;
	case HZ_TCP_FIN_WAIT_2:
		enter_time_wait(c);
		break;
	default:
		break;
	}
}

/* Text and FIN (RFC 9293 3.10.7.4, seventh and eighth), after trimming to
 * the window. seq is the first data byte's sequence number. */
static void data_arrives(struct hz_tcp_conn *c, uint32_t seq, const uint8_t *d, size_t n, bool fin)
{
	if (seq == c->rcv_nxt) {
		bool had_gap = c->nooo > 0;
		size_t w = n ? hz_tcp_ring_write(&c->rcv, d, n) : 0;
		c->rcv_nxt += (uint32_t)w;
		c->st.bytes_in += w;
		if (w < n)
			fin = false;
		if (had_gap) {
			ooo_merge(c);
			/* RFC 5681 4.2: ACK at once when a gap fills. */
			c->flags |= HZ_TCP_CF_ACK_NOW;
		}
		if (w) {
			ev(c, HZ_TCP_EV_READABLE);
			/* RFC 5681 4.2 / RFC 1122 4.2.3.2: delay the ACK, but
			 * ACK at least every second segment. */
			c->unacked_segs++;
			if (c->tcp->cfg.delack == 0)
				c->flags |= HZ_TCP_CF_ACK_NOW;
			else if (c->unacked_segs >= DELACK_SEGS && !ack_hold(c))
				c->flags |= HZ_TCP_CF_ACK_NOW;
			if (!(c->flags & HZ_TCP_CF_ACK_NOW) && c->delack_at == HZ_TIME_NEVER)
				c->delack_at = c->tcp->now + c->tcp->cfg.delack;
		}
		if (fin || ((c->flags & HZ_TCP_CF_FIN_OOO) && c->rcv_nxt == c->rcv_fin_seq))
			fin_arrives(c);
		return;
	}
	/* Beyond a gap: store in place, remember the range, ACK at once
	 * (RFC 5681 4.2) so the sender sees a duplicate ACK. */
	size_t off = seq - c->rcv_nxt;
	size_t w = n ? hz_tcp_ring_write_at(&c->rcv, off, d, n) : 0;
	if (w)
		ooo_add(c, seq, seq + (uint32_t)w);
	if (fin && w == n) {
		c->flags |= HZ_TCP_CF_FIN_OOO;
		c->rcv_fin_seq = seq + (uint32_t)n;
	}
	c->st.ooo_segs_in++;
	c->flags |= HZ_TCP_CF_ACK_NOW;
}

/* Retransmit the first unacknowledged segment (fast retransmit, NewReno
 * partial ACK, timeout). Bytes past SND.MAX were never sent: they may
 * fill the segment only as far as min(SND.WND, cwnd) allows from SND.UNA
 * (found by the tcp fuzzer: a small first segment grew with never-sent
 * bytes past the peer's window). The bytes already sent go whatever the
 * window says (they were inside it when first sent). */
static void rexmit_first(struct hz_tcp_conn *c)
{
	uint32_t sent = c->snd_max - c->snd_una;
	uint32_t room = HZ_MAX(sent, HZ_MIN(c->snd_wnd, c->cwnd));
	uint32_t used = send_at(c, c->snd_una, HZ_MIN(seg_payload_max(c), (size_t)room));
	if (used) {
		c->st.retransmits++;
		if (SEQ_LT(c->snd_nxt, c->snd_una + used))
			c->snd_nxt = c->snd_una + used;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
	}
	if (c->rtt_at && SEQ_GE(c->rtt_seq, c->snd_una))
		c->rtt_at = 0; /* Karn: the timed segment is ambiguous now */
}

/* ------------------------------------------------------------------ */
/* SACK scoreboard (RFC 6675 3-4)                                      */
/* ------------------------------------------------------------------ */

/* Add [l, r) to the scoreboard, merging what it touches; returns the
 * bytes it covers that were not SACKed before. */
static uint32_t score_add(struct hz_tcp_conn *c, uint32_t l, uint32_t r)
{
	struct hz_tcp_sack_block out[HZ_TCP_SCORE_MAX + 1];
	uint32_t len = r - l, covered = 0;
	unsigned n = 0;
	bool placed = false;
	for (unsigned i = 0; i < c->nscore; i++) {
		struct hz_tcp_sack_block b = c->score[i];
		if (SEQ_LT(b.right, l)) {
			out[n++] = b;
			continue;
		}
		if (SEQ_GT(b.left, r)) {
			if (!placed)
				out[n++] = (struct hz_tcp_sack_block){ l, r };
			placed = true;
			out[n++] = b;
			continue;
		}
		/* Overlapping or adjacent: count the overlap, then merge. */
		uint32_t ol = SEQ_GT(b.left, l) ? b.left : l;
		uint32_t or = SEQ_LT(b.right, r) ? b.right : r;
		if (SEQ_LT(ol, or))
			covered += or - ol;
		if (SEQ_LT(b.left, l))
			l = b.left;
		if (SEQ_GT(b.right, r))
			r = b.right;
	}
	if (!placed)
		out[n++] = (struct hz_tcp_sack_block){ l, r };
	/* Full: forget the highest range (see HZ_TCP_SCORE_MAX). */
	if (n > HZ_TCP_SCORE_MAX)
		n = HZ_TCP_SCORE_MAX;
	for (unsigned i = 0; i < n; i++)
		c->score[i] = out[i];
	c->nscore = (uint8_t)n;
	return len - covered;
}

uint32_t hz_tcp_score_update(struct hz_tcp_conn *c, const struct hz_tcp_opts *o)
{
	if (!(o->present & HZ_TCP_OPTF_SACK))
		return 0;
	uint32_t added = 0;
	for (unsigned k = 0; k < o->nsack && k < HZ_TCP_SACK_MAX; k++) {
		uint32_t l = o->sack[k].left, r = o->sack[k].right;
		/* RFC 2018 / RFC 2883: a block at or below the cumulative ACK
		 * is old or a D-SACK, one past SND.MAX is bogus: ignore. */
		if (!SEQ_LT(l, r) || SEQ_GT(r, c->snd_max) || SEQ_LE(r, c->snd_una))
			continue;
		if (SEQ_LT(l, c->snd_una))
			l = c->snd_una;
		added += score_add(c, l, r);
	}
	return added;
}

void hz_tcp_score_prune(struct hz_tcp_conn *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->nscore; i++) {
		struct hz_tcp_sack_block b = c->score[i];
		if (SEQ_LE(b.right, c->snd_una))
			continue;
		if (SEQ_LT(b.left, c->snd_una))
			b.left = c->snd_una;
		c->score[n++] = b;
	}
	c->nscore = (uint8_t)n;
}

bool hz_tcp_score_lost(const struct hz_tcp_conn *c, uint32_t seq, uint32_t smss)
{
	/* RFC 6675 4, IsLost(): DupThresh discontiguous SACKed sequences
	 * above seq (counted as ranges: the scoreboard keeps no segment
	 * boundaries), or more than (DupThresh - 1) * SMSS SACKed bytes. */
	uint32_t bytes = 0;
	unsigned ranges = 0;
	for (unsigned i = 0; i < c->nscore; i++) {
		const struct hz_tcp_sack_block *b = &c->score[i];
		if (!SEQ_GT(b->right, seq + 1))
			continue;
		uint32_t from = SEQ_GT(b->left, seq) ? b->left : seq + 1;
		bytes += b->right - from;
		if (SEQ_GT(b->left, seq))
			ranges++;
	}
	return ranges >= HZ_TCP_DUPTHRESH || bytes > (HZ_TCP_DUPTHRESH - 1) * smss;
}

uint32_t hz_tcp_score_pipe(const struct hz_tcp_conn *c, uint32_t smss)
{
	/* RFC 6675 4, SetPipe(): every unSACKed byte from HighACK to
	 * HighData counts once if not lost, and once more if retransmitted
	 * (at or below HighRxt). IsLost is the same over a whole hole. */
	uint32_t pipe = 0, cur = c->snd_una;
	bool rec = c->flags & HZ_TCP_CF_RECOVERY;
	for (unsigned i = 0; i <= c->nscore; i++) {
		uint32_t end = i < c->nscore ? c->score[i].left : c->snd_max;
		if (SEQ_LT(cur, end)) {
			if (!hz_tcp_score_lost(c, cur, smss))
				pipe += end - cur;
			if (rec && SEQ_GT(c->high_rxt, cur))
				pipe += (SEQ_LT(c->high_rxt, end) ? c->high_rxt : end) - cur;
		}
		if (i < c->nscore)
			cur = c->score[i].right;
	}
	return pipe;
}

/* NextSeg() rules 1 (lost_only) and 3: the first unSACKed bytes at or
 * above HighRxt and below the highest SACKed byte. */
static bool score_hole(const struct hz_tcp_conn *c, uint32_t smss, bool lost_only, uint32_t *seq,
                       uint32_t *len)
{
	uint32_t from = SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
	uint32_t cur = c->snd_una;
	for (unsigned i = 0; i < c->nscore; i++) {
		uint32_t l = SEQ_LT(cur, from) ? from : cur, r = c->score[i].left;
		cur = c->score[i].right;
		if (!SEQ_LT(l, r))
			continue;
		if (lost_only && !hz_tcp_score_lost(c, l, smss))
			return false; /* holes above are not lost either */
		*seq = l;
		*len = HZ_MIN(r - l, smss);
		return true;
	}
	return false;
}

bool hz_tcp_score_hole(const struct hz_tcp_conn *c, uint32_t smss, uint32_t *seq, uint32_t *len)
{
	return score_hole(c, smss, true, seq, len) || score_hole(c, smss, false, seq, len);
}

static bool sack_on(const struct hz_tcp_conn *c)
{
	return (c->flags & HZ_TCP_CF_SACK) && c->tcp->cfg.sack;
}

static void rexmit_karn(struct hz_tcp_conn *c, uint32_t seq)
{
	c->st.retransmits++;
	if (c->rtt_at && SEQ_GT(c->rtt_seq, seq))
		c->rtt_at = 0; /* Karn: the timed segment is ambiguous now */
}

/* RFC 6675 5 step (C): while cwnd - pipe >= 1 SMSS, send what NextSeg()
 * gives: lost holes (rule 1), new data the peer's window allows (2),
 * other holes (3), then one rescue retransmission (4). */
static void sack_output(struct hz_tcp_conn *c)
{
	uint32_t smss = (uint32_t)seg_payload_max(c);
	c->snd_nxt = c->snd_max;
	for (unsigned guard = 0; guard < 256; guard++) {
		uint32_t pipe = hz_tcp_score_pipe(c, smss);
		if (pipe >= c->cwnd || c->cwnd - pipe < smss)
			break;
		uint32_t seq, len, used;
		if (score_hole(c, smss, true, &seq, &len)) {
			used = send_at(c, seq, len);
			if (!used)
				break;
			c->high_rxt = seq + used; /* C.2 */
			rexmit_karn(c, seq);
			continue;
		}
		/* Rule 2: new data (or the FIN) within the peer's window, a
		 * full segment unless it is the last bytes (sender SWS). */
		size_t off = c->snd_max - c->snd_buf_seq;
		if (off <= c->snd.len && (off < c->snd.len || fin_queued(c))) {
			size_t avail = c->snd.len - off;
			uint32_t edge = c->snd_una + c->snd_wnd;
			size_t room = SEQ_GT(edge, c->snd_max) ? edge - c->snd_max : 0;
			size_t n = HZ_MIN(avail, HZ_MIN(room, (size_t)smss));
			bool nagle = n < smss && !(c->flags & HZ_TCP_CF_NODELAY) && !fin_queued(c);
			if ((avail == 0 || (n > 0 && (n == smss || n == avail))) && !nagle) {
				used = send_at(c, c->snd_max, n);
				if (!used)
					break;
				c->snd_max += used; /* C.3 */
				c->snd_nxt = c->snd_max;
				if (c->rtx_at == HZ_TIME_NEVER)
					rtx_arm(c);
				continue;
			}
		}
		if (score_hole(c, smss, false, &seq, &len)) {
			used = send_at(c, seq, len);
			if (!used)
				break;
			c->high_rxt = seq + used;
			rexmit_karn(c, seq);
			continue;
		}
		/* Rule 4: once per recovery after the cumulative ACK passed
		 * RescueRxt, the segment with the highest unSACKed byte: the
		 * tail no duplicate ACK will report. Only bytes above HighRxt:
		 * when that byte was already resent in this recovery, sending
		 * it again rescues nothing (RFC 6675 words the rule without
		 * that case in mind; haze's choice). */
		if (SEQ_LT(c->snd_una, c->recover) &&
		    (!(c->flags & HZ_TCP_CF_RESCUE) || SEQ_GT(c->snd_una, c->rescue_rxt))) {
			uint32_t end = c->snd_max, lo = c->snd_una;
			if (c->nscore) {
				const struct hz_tcp_sack_block *b = &c->score[c->nscore - 1];
				if (b->right == c->snd_max) {
					end = b->left;
					if (c->nscore > 1)
						lo = c->score[c->nscore - 2].right;
				} else {
					lo = b->right;
				}
			}
			if (SEQ_LT(lo, c->snd_una))
				lo = c->snd_una;
			if (SEQ_LT(lo, c->high_rxt))
				lo = c->high_rxt;
			if (SEQ_LT(lo, end)) {
				seq = end - lo > smss ? end - smss : lo;
				c->rescue_rxt = c->recover;
				c->flags |= HZ_TCP_CF_RESCUE;
				if (send_at(c, seq, end - seq))
					rexmit_karn(c, seq);
				continue;
			}
		}
		break;
	}
}

/* RFC 6675 5 (4): enter loss recovery. */
static uint32_t cc_on_loss(struct hz_tcp_conn *c);

static void sack_enter(struct hz_tcp_conn *c)
{
	uint32_t smss = (uint32_t)seg_payload_max(c);
	c->ssthresh = cc_on_loss(c);   /* 4.2 */
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;       /* 4.1 RecoveryPoint = HighData */
	c->flags |= HZ_TCP_CF_RECOVERY | HZ_TCP_CF_RESCUE;
	c->st.sack_recoveries++;
	c->snd_nxt = c->snd_max;
	c->high_rxt = c->snd_una;
	/* 4.3: the segment at HighACK + 1, up to the first SACKed byte. */
	uint32_t len = HZ_MIN(smss, c->snd_max - c->snd_una);
	if (c->nscore && SEQ_LT(c->score[0].left, c->snd_una + len))
		len = c->score[0].left - c->snd_una;
	uint32_t used = len ? send_at(c, c->snd_una, len) : 0;
	if (used) {
		rexmit_karn(c, c->snd_una);
		/* Counted only when something went out: a SACK block at the new
		 * SND.UNA leaves nothing to resend here (found by the fuzzer). */
		c->st.fast_retransmits++;
	}
	c->high_rxt = c->snd_una + used;
	c->rescue_rxt = c->high_rxt;
	rtx_arm(c);
	sack_output(c); /* 4.4 */
}

/* RFC 6675 5: an ACK outside recovery, after the scoreboard took its
 * blocks. `fresh` bytes were newly SACKed; `dup` is an RFC 5681
 * duplicate ACK (counted too when it carries no SACK option at all, so a
 * peer that stops sending blocks still gets fast retransmit). */
static void sack_ack(struct hz_tcp_conn *c, const struct seg *s, bool advanced, uint32_t fresh,
                     bool dup)
{
	if (c->flags & HZ_TCP_CF_RECOVERY)
		return; /* (B): SetPipe and (C) run in output() */
	if (advanced)
		c->dupacks = 0; /* a cumulative ACK resets DupAcks */
	if (c->snd_una == c->snd_max)
		return;
	if (!fresh && !(dup && !(s->o.present & HZ_TCP_OPTF_SACK)))
		return;
	c->dupacks++;
	if (c->dupacks < HZ_TCP_DUPTHRESH &&
	    !hz_tcp_score_lost(c, c->snd_una, (uint32_t)seg_payload_max(c)))
		return;
	/* No recovery again until the ACK passes RecoveryPoint. */
	if (!SEQ_GT(c->snd_una, c->recover) && c->recover != c->iss)
		return;
	sack_enter(c);
}

/* ------------------------------------------------------------------ */
/* CUBIC (RFC 9438)                                                    */
/* ------------------------------------------------------------------ */

/* C = 0.4 segments/s^3 and beta = 0.7, as fractions. */
#define CUBIC_BETA_NUM 7u
#define CUBIC_BETA_DEN 10u

uint64_t hz_tcp_cbrt(uint64_t x)
{
	/* Digit by digit, three bits at a time (Hacker's Delight 11-2). */
	uint64_t y = 0;
	for (int s = 63; s >= 0; s -= 3) {
		y <<= 1;
		uint64_t b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return y;
}

uint32_t hz_tcp_cubic_k(uint32_t wmax, uint32_t cwnd, uint32_t mss)
{
	/* K = cbrt((W_max - cwnd) / C) seconds, windows in segments (eq. 2):
	 * in ms, cbrt((wmax - cwnd) / mss * 2.5 * 10^9). */
	if (cwnd >= wmax || mss == 0)
		return 0;
	uint64_t x = (uint64_t)(wmax - cwnd) * 2500000000ull / mss;
	return (uint32_t)hz_tcp_cbrt(x);
}

uint64_t hz_tcp_cubic_w(uint32_t origin, uint32_t k_ms, uint64_t t_ms, uint32_t mss)
{
	/* W_cubic(t) = C (t - K)^3 + W_max (eq. 1), in bytes: mss * 0.4 *
	 * d^3 / 10^9 with d in ms. |d| is capped at 2^20 ms (17 minutes) so
	 * the cube fits in 63 bits. */
	int64_t d = (int64_t)HZ_MIN(t_ms, (uint64_t)1 << 21) - (int64_t)k_ms;
	if (d > (1 << 20))
		d = 1 << 20;
	if (d < -(1 << 20))
		d = -(1 << 20);
	int64_t cube = d * d * d; /* up to 2^60 */
	int64_t delta = cube / 1000 * 4 / 10000000 * (int64_t)mss +
	                (cube / 1000 * 4 % 10000000) * (int64_t)mss / 10000000;
	int64_t w = (int64_t)origin + delta;
	return w < 0 ? 0 : (uint64_t)w;
}

static bool cubic(const struct hz_tcp_conn *c)
{
	return c->tcp->cfg.cc == HZ_TCP_CC_CUBIC;
}

/* A congestion event (3 duplicate ACKs or a timeout): the new ssthresh.
 * NewReno: half the flight (RFC 5681 eq. 4). CUBIC: beta * cwnd, with
 * fast convergence of W_max (RFC 9438 4.6, 4.7). */
static uint32_t cc_on_loss(struct hz_tcp_conn *c)
{
	uint32_t mss = (uint32_t)seg_payload_max(c);
	if (!cubic(c)) {
		uint32_t flight = c->snd_max - c->snd_una;
		return HZ_MAX(flight / 2, 2 * mss);
	}
	uint32_t cw = c->cwnd;
	if (cw < c->cubic_wmax)
		c->cubic_wmax = (uint32_t)((uint64_t)cw * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
		                           (2 * CUBIC_BETA_DEN));
	else
		c->cubic_wmax = cw;
	c->cubic_epoch = 0;
	return HZ_MAX((uint32_t)((uint64_t)cw * CUBIC_BETA_NUM / CUBIC_BETA_DEN), 2 * mss);
}

/* Congestion avoidance for one ACK of `acked` bytes (RFC 9438 4.2-4.5). */
static void cubic_avoid(struct hz_tcp_conn *c, uint32_t acked)
{
	struct hz_tcp *t = c->tcp;
	uint32_t mss = (uint32_t)seg_payload_max(c);
	if (c->cubic_epoch == 0) {
		c->cubic_epoch = t->now ? t->now : 1;
		if (c->cwnd < c->cubic_wmax) {
			c->cubic_k = hz_tcp_cubic_k(c->cubic_wmax, c->cwnd, mss);
			c->cubic_origin = c->cubic_wmax;
		} else {
			c->cubic_k = 0;
			c->cubic_origin = c->cwnd;
		}
		c->cubic_west = c->cwnd;
	}
	/* The target one RTT ahead (4.2). */
	uint64_t t_ms = (t->now - c->cubic_epoch + c->srtt) / 1000u;
	uint64_t target = hz_tcp_cubic_w(c->cubic_origin, c->cubic_k, t_ms, mss);
	uint64_t lo = c->cwnd, hi = (uint64_t)c->cwnd * 3 / 2;
	if (target < lo)
		target = lo;
	if (target > hi)
		target = hi;
	/* Reno-friendly estimate with alpha = 3(1 - beta)/(1 + beta) = 9/17
	 * (4.3). */
	c->cubic_west += (uint32_t)((uint64_t)9 * mss * acked / (17u * (uint64_t)c->cwnd));
	if (c->cubic_west > target) {
		c->cwnd = c->cubic_west;
		return;
	}
	/* Concave or convex region (4.4, 4.5): (target - cwnd) / cwnd per
	 * segment acknowledged. */
	uint64_t inc = (target - c->cwnd) * acked / c->cwnd;
	c->cwnd += (uint32_t)HZ_MIN(inc, (uint64_t)c->cwnd / 2);
}

/* RFC 5681 3.2 / RFC 6582 3.2: duplicate ACKs (CUBIC keeps NewReno's
 * fast recovery, RFC 9438 4.6, with its own ssthresh). */
static void cc_dupack(struct hz_tcp_conn *c)
{
	uint32_t mss = (uint32_t)seg_payload_max(c);
	c->dupacks++;
	if (c->flags & HZ_TCP_CF_RECOVERY) {
		c->cwnd += mss; /* inflate for each segment that left */
		output(c);
		return;
	}
	if (c->dupacks != 3)
		return;
	/* RFC 6582 4.1: only if the ACK covers more than recover. */
	if (!SEQ_GT(c->snd_una, c->recover) && c->recover != c->iss)
		return;
	c->ssthresh = cc_on_loss(c);
	c->recover = c->snd_max;
	c->flags |= HZ_TCP_CF_RECOVERY;
	c->st.fast_retransmits++;
	rexmit_first(c);
	c->cwnd = c->ssthresh + 3 * mss;
	rtx_arm(c);
	output(c);
}

/* New data acknowledged: acked bytes of sequence space. */
static void cc_ack(struct hz_tcp_conn *c, uint32_t acked)
{
	uint32_t mss = (uint32_t)seg_payload_max(c);
	if (c->flags & HZ_TCP_CF_RECOVERY) {
		if (SEQ_GE(c->snd_una, c->recover)) {
			if (sack_on(c)) {
				/* RFC 6675 5 (A): recovery ends; cwnd stays at
				 * ssthresh, the scoreboard above HighACK kept. */
				c->cwnd = c->ssthresh;
			} else {
				/* Full ACK (RFC 6582 3.2 step 3): deflate. */
				uint32_t flight = c->snd_max - c->snd_una;
				c->cwnd = HZ_MIN(c->ssthresh, HZ_MAX(flight, mss) + mss);
			}
			c->flags &= ~HZ_TCP_CF_RECOVERY;
			c->dupacks = 0;
		} else if (!sack_on(c)) {
			/* Partial ACK (step 4): resend the next hole, deflate
			 * by what was acked, add back one MSS. */
			rexmit_first(c);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= mss)
				c->cwnd += mss;
			if (c->cwnd < mss)
				c->cwnd = mss;
		}
		return;
	}
	c->dupacks = 0;
	if (c->cwnd < c->ssthresh) {
		c->cwnd += HZ_MIN(acked, mss); /* slow start, L = 1 (RFC 3465) */
	} else if (cubic(c)) {
		cubic_avoid(c, acked);
	} else {
		c->bytes_acked += acked; /* congestion avoidance */
		if (c->bytes_acked >= c->cwnd) {
			c->bytes_acked -= c->cwnd;
			c->cwnd += mss;
		}
	}
}

/* ACK processing for the synchronized states (RFC 9293 3.10.7.4, fifth,
 * ESTABLISHED and the states that share it). Returns false when the
 * segment must be dropped. */
static bool ack_arrives(struct hz_tcp_conn *c, const struct seg *s, bool had_data)
{
	struct hz_tcp *t = c->tcp;
	const struct hz_tcp_hdr *h = &s->h;
	uint32_t ack = h->ack;
	if (SEQ_GT(ack, c->snd_max)) {
		/* Acknowledges something not yet sent: ACK and drop. */
		send_ack(c);
		drop(t, HZ_TCP_DROP_ACK_TOO_NEW, 0);
		return false;
	}
	/* RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND is a blind
	 * injection attempt: challenge it. */
	uint32_t maxw = HZ_MAX(c->max_snd_wnd, 1u);
	if (SEQ_LT(ack, c->snd_una - maxw)) {
		challenge_ack(c);
		drop(t, HZ_TCP_DROP_ACK_CHALLENGED, 0);
		return false;
	}
	uint32_t old_wnd = c->snd_wnd;
	bool advanced = SEQ_GT(ack, c->snd_una);
	if (advanced) {
		uint32_t acked = ack - c->snd_una;
		/* RTT (RFC 7323 4 with timestamps, else Karn's timed segment). */
		if ((c->flags & HZ_TCP_CF_TS) && (s->o.present & HZ_TCP_OPTF_TS) && s->o.tsecr) {
			uint32_t ms = ts_now(c) - s->o.tsecr;
			if (ms < 0x7fffffffu / 1000u)
				rtt_sample(c, ms * 1000u);
		} else if (c->rtt_at && SEQ_GE(ack, c->rtt_seq)) {
			rtt_sample(c, (uint32_t)HZ_MIN(t->now - c->rtt_at, (hz_time_t)UINT32_MAX));
			c->rtt_at = 0;
		}
		/* Release acknowledged bytes from the send ring. */
		if (SEQ_GT(ack, c->snd_buf_seq)) {
			uint32_t n = ack - c->snd_buf_seq;
			if (n > c->snd.len)
				n = (uint32_t)c->snd.len;
			hz_tcp_ring_consume(&c->snd, n);
			c->snd_buf_seq += n;
			c->st.bytes_out += n;
			if (n)
				ev(c, HZ_TCP_EV_WRITABLE);
		}
		c->snd_una = ack;
		hz_tcp_score_prune(c);
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retries = 0;
		c->soft_error = HZ_OK;
		cc_ack(c, acked);
		/* RFC 6298 5.2/5.3: stop or restart the timer. */
		if (c->snd_una == c->snd_max)
			c->rtx_at = HZ_TIME_NEVER;
		else
			rtx_arm(c);
	}
	/* RFC 5681 2: a duplicate ACK. */
	bool dup = !advanced && ack == c->snd_una && !had_data &&
	           !(h->flags & (HZ_TCP_SYN | HZ_TCP_FIN)) && c->snd_una != c->snd_max &&
	           (uint32_t)h->wnd << c->snd_wscale == old_wnd;
	if (sack_on(c)) {
		/* RFC 6675 5: every ACK updates the scoreboard; one that
		 * SACKs new data is a duplicate ACK, cumulative or not. */
		uint32_t fresh = hz_tcp_score_update(c, &s->o);
		sack_ack(c, s, advanced, fresh, dup);
	} else if (dup) {
		cc_dupack(c);
	}
	/* Send window update (RFC 9293 3.10.7.4): only from a segment not
	 * older than the last one used. */
	if (SEQ_LT(c->snd_wl1, h->seq) || (c->snd_wl1 == h->seq && SEQ_LE(c->snd_wl2, ack))) {
		wnd_update(c, h->seq, ack, h->wnd, false);
		if (old_wnd == 0 && c->snd_wnd > 0)
			c->persist_backoff = 0;
	}
	/* Our FIN acknowledged? */
	bool fin_acked = (c->flags & HZ_TCP_CF_FIN_SENT) && c->snd_una == fin_seq(c) + 1;
	switch (c->state) {
	case HZ_TCP_FIN_WAIT_1:
		if (fin_acked) {
			c->state = HZ_TCP_FIN_WAIT_2;
			if ((c->flags & HZ_TCP_CF_APP_CLOSED) && t->cfg.fin_wait_2)
				c->wait_at = t->now + t->cfg.fin_wait_2;
		}
		break;
	case HZ_TCP_CLOSING:
		if (fin_acked)
			enter_time_wait(c);
		break;
	case HZ_TCP_LAST_ACK:
		if (fin_acked) {
			conn_done(c, HZ_OK);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* RFC 9293 3.10.7.4: segment acceptability, "first". */
static bool seq_acceptable(const struct hz_tcp_conn *c, uint32_t seq, uint32_t seglen, bool rst)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	if (seglen == 0) {
		if (wnd == 0)
			return seq == c->rcv_nxt;
		/* The right edge itself is accepted too (RFC 9293 says
		 * "< RCV.NXT+RCV.WND"; Linux accepts "<="): a peer that filled
		 * our window and lost all of it sends its ACKs with SEG.SEQ =
		 * SND.NXT = our right edge. Refusing them answers ACK with
		 * ACK and both sides stall. */
		if (rst) /* RFC 5961 3.2 keeps the strict range for RSTs */
			return SEQ_LE(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + wnd);
		return SEQ_LE(c->rcv_nxt, seq) && SEQ_LE(seq, c->rcv_nxt + wnd);
	}
	if (wnd == 0)
		/* Special allowance (3.10.7.4): a segment at RCV.NXT still
		 * carries a valid ACK; its data is trimmed below. */
		return seq == c->rcv_nxt;
	uint32_t last = seq + seglen - 1;
	return (SEQ_LE(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + wnd)) ||
	       (SEQ_LE(c->rcv_nxt, last) && SEQ_LT(last, c->rcv_nxt + wnd));
}

/* The synchronized states and SYN-RECEIVED (RFC 9293 3.10.7.4). */
static int conn_input(struct hz_tcp_conn *c, const struct seg *s)
{
	struct hz_tcp *t = c->tcp;
	const struct hz_tcp_hdr *h = &s->h;
	uint32_t seq = h->seq;
	const uint8_t *d = s->data;
	size_t dlen = s->dlen;
	bool syn = h->flags & HZ_TCP_SYN;
	bool fin = h->flags & HZ_TCP_FIN;
	bool rst = h->flags & HZ_TCP_RST;
	uint32_t seglen = (uint32_t)dlen + (syn ? 1u : 0u) + (fin ? 1u : 0u);
	bool has_ts = s->o.present & HZ_TCP_OPTF_TS;

	c->last_rx = t->now;
	c->keep_probes = 0;

	/* A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost. */
	if (c->state == HZ_TCP_SYN_RECEIVED && syn && !rst && !(h->flags & HZ_TCP_ACK) &&
	    seq == c->irs) {
		(void)xmit(c, c->iss, HZ_TCP_SYN | HZ_TCP_ACK, 0, 0);
		return HZ_OK;
	}

	/* PAWS (RFC 7323 5.3): a timestamp older than TS.Recent means an
	 * old duplicate. RSTs are exempt. TS.Recent older than 24 days is
	 * invalid (5.5). */
	if ((c->flags & HZ_TCP_CF_TS) && has_ts && !rst &&
	    SEQ_LT(s->o.tsval, c->ts_recent) && t->now - c->ts_recent_at < HZ_SEC(24ull * 86400)) {
		send_ack(c);
		return drop(t, HZ_TCP_DROP_PAWS, HZ_ERR_BAD_STATE);
	}

	if (!seq_acceptable(c, seq, seglen, rst)) {
		if (rst)
			return drop(t, HZ_TCP_DROP_RST_OUT_OF_WINDOW, HZ_ERR_BAD_STATE);
		if (c->state == HZ_TCP_TIME_WAIT && fin)
			c->wait_at = t->now + t->cfg.time_wait; /* FIN again: restart 2MSL */
		if (dlen)
			c->st.dup_segs_in++;
		send_ack(c);
		return drop(t, HZ_TCP_DROP_OUT_OF_WINDOW, HZ_ERR_BAD_STATE);
	}

	/* RFC 7323 4.3: remember the timestamp of the segment at the left
	 * edge, but only once the segment has passed the RST, SYN and ACK
	 * checks below: a segment dropped for acknowledging data never sent
	 * must not move TS.Recent, or one forged segment makes PAWS discard
	 * the peer's real traffic (as Linux orders it). */
	bool ts_take = (c->flags & HZ_TCP_CF_TS) && has_ts && SEQ_LE(seq, c->rcv_nxt) &&
	               SEQ_GE(s->o.tsval, c->ts_recent);

	/* Second: RST (RFC 5961 3.2). */
	if (rst) {
		if (seq != c->rcv_nxt) {
			challenge_ack(c);
			return drop(t, HZ_TCP_DROP_RST_CHALLENGED, HZ_ERR_BAD_STATE);
		}
		switch (c->state) {
		case HZ_TCP_SYN_RECEIVED:
			/* Passive: back to LISTEN, i.e. the slot goes; active
			 * (simultaneous open): connection refused. */
			if (c->flags & HZ_TCP_CF_ACTIVE)
				conn_done(c, HZ_ERR_REFUSED);
			else
				conn_free(c);
			break;
		case HZ_TCP_ESTABLISHED:
		case HZ_TCP_FIN_WAIT_1:
		case HZ_TCP_FIN_WAIT_2:
		case HZ_TCP_CLOSE_WAIT:
			conn_done(c, HZ_ERR_RESET);
			break;
		default:
			/* CLOSING, LAST-ACK, TIME-WAIT: just close. */
			conn_done(c, HZ_OK);
			break;
		}
		return HZ_OK;
	}

	/* Fourth: SYN (RFC 5961 4.2 replaces RFC 793's reset). */
	if (syn) {
		if (c->state == HZ_TCP_SYN_RECEIVED && !(c->flags & HZ_TCP_CF_ACTIVE)) {
			conn_free(c); /* 3.10.7.4: back to LISTEN */
			return drop(t, HZ_TCP_DROP_SYN_CHALLENGED, HZ_ERR_BAD_STATE);
		}
		challenge_ack(c);
		return drop(t, HZ_TCP_DROP_SYN_CHALLENGED, HZ_ERR_BAD_STATE);
	}

	/* Fifth: the ACK bit. */
	if (!(h->flags & HZ_TCP_ACK))
		return drop(t, HZ_TCP_DROP_NO_ACK, HZ_ERR_BAD_STATE);

	if (c->state == HZ_TCP_SYN_RECEIVED) {
		if (!(SEQ_LT(c->snd_una, h->ack) && SEQ_LE(h->ack, c->snd_max))) {
			send_rst(t, s->rx, h, 0);
			return drop(t, HZ_TCP_DROP_SYN_RCVD_BAD_ACK, HZ_ERR_BAD_STATE);
		}
		wnd_update(c, seq, h->ack, h->wnd, false);
		if ((c->flags & HZ_TCP_CF_TS) && has_ts && s->o.tsecr) {
			uint32_t ms = ts_now(c) - s->o.tsecr;
			/* (A cookie's TSecr has its low bits replaced.) */
			if (ms < 0x7fffffffu / 1000u &&
			    !(c->flags & (HZ_TCP_CF_SYN_RETX | HZ_TCP_CF_COOKIE)))
				rtt_sample(c, ms * 1000u);
		}
		c->snd_una = h->ack;
		c->rtx_at = HZ_TIME_NEVER;
		conn_established(c);
	}

	/* Trim to the window (3.10.7.4 first, "trimmed"). */
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (skip > dlen) {
			skip = (uint32_t)dlen;
			fin = fin && SEQ_GE(seq + (uint32_t)dlen, c->rcv_nxt);
		}
		if (skip && dlen)
			c->flags |= HZ_TCP_CF_ACK_NOW; /* duplicate data: ACK at once */
		d += skip;
		dlen -= skip;
		seq += skip;
	}
	uint32_t space = rcv_space(c);
	uint32_t right = c->rcv_adv;
	if (SEQ_GT(right, c->rcv_nxt + space))
		right = c->rcv_nxt + space;
	if (SEQ_GT(seq + (uint32_t)dlen, right)) {
		uint32_t cut = seq + (uint32_t)dlen - right;
		if (cut > dlen)
			cut = (uint32_t)dlen;
		dlen -= cut;
		fin = false;
		c->flags |= HZ_TCP_CF_ACK_NOW;
	}

	if (!ack_arrives(c, s, s->dlen > 0))
		return HZ_OK; /* dropped and counted, or the connection closed */
	if (ts_take) {
		c->ts_recent = s->o.tsval;
		c->ts_recent_at = t->now;
	}

	/* Seventh: text, in the states that still receive. */
	switch (c->state) {
	case HZ_TCP_ESTABLISHED:
	case HZ_TCP_FIN_WAIT_1:
	case HZ_TCP_FIN_WAIT_2:
		if (dlen && (c->flags & HZ_TCP_CF_APP_CLOSED)) {
			/* RFC 1122 4.2.2.13: nobody will read it: reset. */
			(void)xmit(c, c->snd_max, HZ_TCP_RST, 0, 0);
			conn_done(c, HZ_ERR_RESET);
			return drop(t, HZ_TCP_DROP_DATA_AFTER_CLOSE, HZ_ERR_RESET);
		}
		if (dlen || fin)
			data_arrives(c, seq, d, dlen, fin);
		break;
	case HZ_TCP_TIME_WAIT:
		/* Eighth: a FIN again: ACK it and restart the 2 MSL timeout. */
		if (fin) {
			c->wait_at = t->now + t->cfg.time_wait;
			c->flags |= HZ_TCP_CF_ACK_NOW;
		}
		break;
	default:
		/* CLOSE-WAIT, CLOSING, LAST-ACK: the peer already sent FIN;
		 * anything more is ignored. */
		break;
	}
	return HZ_OK;
}

/* After a segment or timer: send what is due. */
static void conn_flush(struct hz_tcp_conn *c)
{
	if (c->state == HZ_TCP_CLOSED || c->state == HZ_TCP_SYN_SENT)
		return;
	if (c->state != HZ_TCP_SYN_RECEIVED && c->state != HZ_TCP_TIME_WAIT)
		output(c);
	if (c->flags & HZ_TCP_CF_ACK_NOW)
		send_ack(c);
	keep_arm(c);
}

/* A SYN that may reopen a connection in TIME-WAIT (RFC 9293 3.10.7.4,
 * RFC 1122 4.2.2.13, RFC 6191): with timestamps on both, its TSval must be
 * newer than TS.Recent; otherwise its sequence number must lie above
 * RCV.NXT. Not while the application still holds the old connection. */
static bool tw_reopens(const struct hz_tcp_conn *c, const struct seg *s)
{
	if (c->state != HZ_TCP_TIME_WAIT || (c->flags & HZ_TCP_CF_APP_OWNED) ||
	    (s->h.flags & (HZ_TCP_SYN | HZ_TCP_ACK | HZ_TCP_RST)) != HZ_TCP_SYN)
		return false;
	if ((c->flags & HZ_TCP_CF_TS) && (s->o.present & HZ_TCP_OPTF_TS))
		return SEQ_GT(s->o.tsval, c->ts_recent);
	return SEQ_GT(s->h.seq, c->rcv_nxt);
}

int hz_tcp_input(struct hz_tcp *t, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	t->now = rx->now;
	t->segs_in++;
	struct seg s;
	hz_memset(&s, 0, sizeof s);
	s.rx = rx;
	int rc = hz_tcp_hdr_parse(&s.h, p, len);
	if (rc == HZ_ERR_NEED_MORE)
		return drop(t, HZ_TCP_DROP_TRUNCATED, HZ_ERR_MALFORMED);
	if (rc < 0)
		return drop(t, HZ_TCP_DROP_BAD_OFFSET, HZ_ERR_MALFORMED);
	/* Unless the link vouched for the checksum (a receive offload verified
	 * it, or the field holds only the pseudo-header sum of a local frame). */
	if (!(rx->flags & HZ_IP_RX_CSUM_VALID) && !hz_tcp_csum_verify(rx->pseudo, p, len))
		return drop(t, HZ_TCP_DROP_BAD_CHECKSUM, HZ_ERR_CHECKSUM);
	if (hz_tcp_opts_parse(&s.o, s.h.opt, s.h.opt_len) < 0)
		return drop(t, HZ_TCP_DROP_BAD_OPTION, HZ_ERR_MALFORMED);
	/* RFC 9293 3.10.7.2 / RFC 1122 4.2.3.10: nothing to or from a
	 * broadcast or multicast address, nor port 0. */
	if ((rx->flags & (HZ_IP_RX_BCAST | HZ_IP_RX_MCAST)) || s.h.sport == 0 || s.h.dport == 0)
		return drop(t, HZ_TCP_DROP_BAD_ADDRESS, HZ_ERR_INVALID);
	s.data = p + s.h.off;
	s.dlen = len - s.h.off;

	struct hz_tcp_conn *c = conn_find(t, &rx->dst, s.h.dport, &rx->src, s.h.sport);
	uint32_t tw_floor = 0;
	bool tw_reuse = c && tw_reopens(c, &s);
	if (tw_reuse) {
		/* RFC 9293 3.10.7.4 / RFC 6191: the new incarnation replaces
		 * the TIME-WAIT one if a listener takes it. */
		tw_floor = c->snd_max;
		if (listener_find(t, &rx->dst, s.h.dport)) {
			conn_free(c);
			c = NULL;
			t->tw_reopened++;
		} else {
			tw_reuse = false;
		}
	}
	if (c) {
		c->st.segs_in++;
		if (s.o.present & HZ_TCP_OPTF_SACK)
			c->st.sack_blocks_in += s.o.nsack;
		if (c->state == HZ_TCP_SYN_SENT) {
			rc = syn_sent_input(c, &s);
		} else {
			rc = conn_input(c, &s);
			conn_flush(c);
		}
	} else {
		struct hz_tcp_listener *l = listener_find(t, &rx->dst, s.h.dport);
		if (l) {
			rc = listen_input(t, l, &s, tw_reuse ? &tw_floor : NULL);
		} else {
			/* RFC 9293 3.10.7.1: CLOSED. */
			uint32_t seglen = (uint32_t)s.dlen + ((s.h.flags & HZ_TCP_SYN) ? 1u : 0u) +
			                  ((s.h.flags & HZ_TCP_FIN) ? 1u : 0u);
			send_rst(t, rx, &s.h, seglen);
			rc = drop(t, HZ_TCP_DROP_NO_LISTENER, HZ_ERR_NOT_FOUND);
		}
	}
	deliver_events(t);
	return rc;
}

/* ------------------------------------------------------------------ */
/* ICMP errors                                                         */
/* ------------------------------------------------------------------ */

void hz_tcp_icmp_input(struct hz_tcp *t, const struct hz_ip_err *e)
{
	t->now = e->now ? e->now : t->now;
	if (!e->quote || e->quote_len < 8) {
		t->drops[HZ_TCP_DROP_ICMP_TRUNCATED]++;
		return;
	}
	uint16_t lport = hz_be16_load(e->quote);
	uint16_t rport = hz_be16_load(e->quote + 2);
	uint32_t seq = hz_be32_load(e->quote + 4);
	struct hz_tcp_conn *c = conn_find(t, &e->src, lport, &e->dst, rport);
	if (!c) {
		t->drops[HZ_TCP_DROP_ICMP_NO_CONN]++;
		return;
	}
	/* RFC 5927 4.1: the quoted segment must be one in flight. */
	if (!(SEQ_GE(seq, c->snd_una) && SEQ_LT(seq, c->snd_max))) {
		t->drops[HZ_TCP_DROP_ICMP_BAD_SEQ]++;
		return;
	}
	switch (e->kind) {
	case HZ_IP_ERR_FRAG_NEEDED: {
		/* RFC 1191 / RFC 8201: the ip layer learned the new path MTU;
		 * take the MSS down to it and resend at once. */
		size_t m = c->ip->mtu(c->ip->ctx, &c->remote.addr);
		m = m > HZ_TCP_HDR_LEN ? m - HZ_TCP_HDR_LEN : MSS_MIN;
		if (m < MSS_MIN)
			m = MSS_MIN;
		if (m < c->mss) {
			c->mss = (uint16_t)m;
			if (c->state != HZ_TCP_SYN_SENT && c->state != HZ_TCP_SYN_RECEIVED) {
				c->snd_nxt = c->snd_una;
				output(c);
			}
		}
		break;
	}
	case HZ_IP_ERR_PORT_UNREACH:
	case HZ_IP_ERR_PROTO_UNREACH:
		/* RFC 1122 4.2.3.9 hard errors; RFC 5461 4: abort only while
		 * connecting, soft once synchronized. */
		if (c->state == HZ_TCP_SYN_SENT) {
			conn_done(c, HZ_ERR_REFUSED);
			break;
		}
		c->soft_error = HZ_ERR_REFUSED;
		break;
	default:
		c->soft_error = HZ_ERR_UNREACHABLE;
		break;
	}
	deliver_events(t);
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */
/* ------------------------------------------------------------------ */

static void on_rto(struct hz_tcp_conn *c)
{
	struct hz_tcp *t = c->tcp;
	const struct hz_tcp_config *cfg = &t->cfg;
	c->st.timeouts++;
	c->retries++;
	bool syn = c->state == HZ_TCP_SYN_SENT || c->state == HZ_TCP_SYN_RECEIVED;
	if (c->retries > (syn ? cfg->syn_retries : cfg->data_retries)) {
		/* RFC 9293 3.8.3 R2 reached: give up, reporting the ICMP
		 * error that probably caused it (RFC 1122 4.2.3.9). */
		conn_done(c, c->soft_error ? c->soft_error : HZ_ERR_TIMEOUT);
		return;
	}
	/* RFC 6298 5.5: back off. */
	c->rto = clamp32((hz_time_t)c->rto * 2, cfg->rto_min, cfg->rto_max);
	c->rtt_at = 0;
	if (syn) {
		c->flags |= HZ_TCP_CF_SYN_RETX;
		uint8_t f = HZ_TCP_SYN | (c->state == HZ_TCP_SYN_RECEIVED ? HZ_TCP_ACK : 0);
		(void)xmit(c, c->iss, f, 0, 0);
		c->st.retransmits++;
		rtx_arm(c);
		return;
	}
	/* RFC 5681 3.1 eq. 4 and the loss window; RFC 6582 step 3 after
	 * a timeout. Go back to SND.UNA. */
	uint32_t mss = (uint32_t)seg_payload_max(c);
	c->ssthresh = cc_on_loss(c);
	c->cwnd = mss;
	c->bytes_acked = 0;
	c->dupacks = 0;
	c->flags &= ~(HZ_TCP_CF_RECOVERY | HZ_TCP_CF_RESCUE);
	c->recover = c->snd_max;
	c->snd_nxt = c->snd_una;
	/* RFC 2018 8: after a timeout the SACK information is not trusted
	 * (the receiver may have reneged): forget it and resend from
	 * SND.UNA. */
	c->nscore = 0;
	if (c->flags & HZ_TCP_CF_FIN_SENT && c->snd_una == fin_seq(c) + 1)
		return;
	rtx_arm(c);
	/* The first segment goes whatever the window says: it was inside
	 * the window when first sent, and a window update we missed (the
	 * peer's zero window opening) only comes back as the answer to a
	 * segment. Then whatever cwnd and the window allow. */
	rexmit_first(c);
	output(c);
}

static void conn_timers(struct hz_tcp_conn *c, hz_time_t now)
{
	struct hz_tcp *t = c->tcp;
	if (c->wait_at <= now) {
		/* TIME-WAIT over, or an orphaned FIN-WAIT-2 gave up. */
		conn_done(c, HZ_OK);
		return;
	}
	if (c->rtx_at <= now) {
		c->rtx_at = HZ_TIME_NEVER;
		on_rto(c);
		if (c->state == HZ_TCP_CLOSED)
			return;
	}
	if (c->persist_at <= now) {
		c->persist_at = HZ_TIME_NEVER;
		if (c->persist_backoff < 16)
			c->persist_backoff++;
		send_probe(c);
		output(c); /* re-arms with the backoff */
	}
	if (c->delack_at <= now) {
		c->delack_at = HZ_TIME_NEVER;
		send_ack(c);
	}
	if (c->keep_at <= now) {
		if (c->keep_probes >= t->cfg.keep_count) {
			conn_done(c, HZ_ERR_TIMEOUT);
			return;
		}
		c->keep_probes++;
		send_probe(c);
		c->keep_at = now + t->cfg.keep_intvl;
	}
}

hz_time_t hz_tcp_poll(struct hz_tcp *t, hz_time_t now)
{
	t->now = now;
	hz_tcp_flush(t);
	for (size_t i = 0; i < t->nconns; i++) {
		struct hz_tcp_conn *c = &t->conns[i];
		if (c->state != HZ_TCP_CLOSED)
			conn_timers(c, now);
	}
	deliver_events(t);
	hz_time_t next = HZ_TIME_NEVER;
	for (size_t i = 0; i < t->nconns; i++) {
		const struct hz_tcp_conn *c = &t->conns[i];
		if (c->state == HZ_TCP_CLOSED)
			continue;
		next = hz_time_min(next, c->rtx_at);
		next = hz_time_min(next, c->persist_at);
		next = hz_time_min(next, c->delack_at);
		next = hz_time_min(next, c->keep_at);
		next = hz_time_min(next, c->wait_at);
	}
	return next;
}

/* ------------------------------------------------------------------ */
/* Listeners                                                           */
/* ------------------------------------------------------------------ */

int hz_tcp_listener_open(struct hz_tcp *t, const struct hz_tcp_endpoint *local, unsigned backlog,
                         struct hz_tcp_listener **out)
{
	if (!local || local->port == 0 || backlog == 0 || !out)
		return HZ_ERR_INVALID;
	if (!addr_wild(&local->addr)) {
		const struct hz_ip *ip = ip_for(t, local->addr.family);
		if (!ip || !ip->is_local(ip->ctx, &local->addr))
			return HZ_ERR_INVALID;
	}
	struct hz_tcp_listener *free_l = NULL;
	for (size_t i = 0; i < t->nlisteners; i++) {
		struct hz_tcp_listener *l = &t->listeners[i];
		if (!l->used) {
			if (!free_l)
				free_l = l;
			continue;
		}
		if (l->local.port != local->port)
			continue;
		const struct hz_ipaddr *a = &l->local.addr, *b = &local->addr;
		bool overlap = a->family == HZ_AF_NONE || b->family == HZ_AF_NONE ||
		               (a->family == b->family &&
		                (addr_zero(a) || addr_zero(b) || addr_same(a, b)));
		if (overlap)
			return HZ_ERR_IN_USE;
	}
	if (!free_l)
		return HZ_ERR_NO_SPACE;
	listener_reset(free_l);
	free_l->used = true;
	free_l->local = *local;
	free_l->backlog = (uint16_t)HZ_MIN(backlog, 0xffffu);
	*out = free_l;
	return HZ_OK;
}

void hz_tcp_listener_set_event(struct hz_tcp_listener *l, hz_tcp_listener_event_fn fn, void *ctx)
{
	l->event = fn;
	l->event_ctx = ctx;
}

int hz_tcp_listener_accept(struct hz_tcp_listener *l, struct hz_tcp_conn **out)
{
	struct hz_tcp *t = l->tcp;
	struct hz_tcp_conn *best = NULL;
	for (size_t i = 0; i < t->nconns; i++) {
		struct hz_tcp_conn *c = &t->conns[i];
		if (c->listener != l || c->state == HZ_TCP_SYN_RECEIVED || c->accept_seq == 0)
			continue;
		if (!best || c->accept_seq < best->accept_seq)
			best = c;
	}
	if (!best)
		return HZ_ERR_WOULD_BLOCK;
	listener_unlink(best);
	best->flags |= HZ_TCP_CF_APP_OWNED | HZ_TCP_CF_ACCEPTED;
	*out = best;
	return HZ_OK;
}

void hz_tcp_listener_close(struct hz_tcp_listener *l)
{
	struct hz_tcp *t = l->tcp;
	for (size_t i = 0; i < t->nconns; i++) {
		struct hz_tcp_conn *c = &t->conns[i];
		if (c->listener != l)
			continue;
		if (c->state != HZ_TCP_CLOSED)
			(void)xmit(c, c->snd_max, HZ_TCP_RST, 0, 0);
		conn_free(c);
	}
	listener_reset(l);
}

/* ------------------------------------------------------------------ */
/* Connections: the user calls of RFC 9293 3.10                         */
/* ------------------------------------------------------------------ */

int hz_tcp_conn_open(struct hz_tcp *t, struct hz_tcp_conn **out)
{
	struct hz_tcp_conn *c = NULL;
	for (size_t i = 0; i < t->nconns && !c; i++)
		if (slot_free(&t->conns[i]))
			c = &t->conns[i];
	if (!c)
		c = slot_take(t, false);
	if (!c)
		return HZ_ERR_NO_SPACE;
	slot_clear(c);
	c->flags = HZ_TCP_CF_APP_OWNED;
	*out = c;
	return HZ_OK;
}

int hz_tcp_conn_set_buffers(struct hz_tcp_conn *c, uint8_t *snd, size_t snd_cap, uint8_t *rcv,
                            size_t rcv_cap)
{
	bool fresh = c->state == HZ_TCP_CLOSED && c->rcv_nxt == 0 && c->iss == 0;
	bool accepted_idle = (c->flags & HZ_TCP_CF_ACCEPTED) && c->snd.len == 0 &&
	                     c->rcv.len == 0 && c->nooo == 0 && c->state == HZ_TCP_ESTABLISHED;
	if (!fresh && !accepted_idle)
		return HZ_ERR_BAD_STATE;
	if (!snd || !rcv || snd_cap == 0 || rcv_cap == 0 || snd_cap > 0x3fffffffu ||
	    rcv_cap > 0x3fffffffu)
		return HZ_ERR_INVALID;
	if (accepted_idle && rcv_cap < c->rcv_adv - c->rcv_nxt)
		return HZ_ERR_INVALID; /* would shrink the advertised window */
	hz_tcp_ring_init(&c->snd, snd, snd_cap);
	hz_tcp_ring_init(&c->rcv, rcv, rcv_cap);
	return HZ_OK;
}

void hz_tcp_conn_set_event(struct hz_tcp_conn *c, hz_tcp_conn_event_fn fn, void *ctx)
{
	c->event = fn;
	c->event_ctx = ctx;
}

void hz_tcp_conn_set_nodelay(struct hz_tcp_conn *c, bool on)
{
	if (on)
		c->flags |= HZ_TCP_CF_NODELAY;
	else
		c->flags &= ~HZ_TCP_CF_NODELAY;
	if (on)
		output(c);
}

void hz_tcp_conn_set_keepalive(struct hz_tcp_conn *c, bool on)
{
	if (on)
		c->flags |= HZ_TCP_CF_KEEPALIVE;
	else
		c->flags &= ~HZ_TCP_CF_KEEPALIVE;
	if (c->state != HZ_TCP_CLOSED)
		keep_arm(c);
}

static bool port_in_use(const struct hz_tcp *t, uint16_t port)
{
	for (size_t i = 0; i < t->nconns; i++)
		if (t->conns[i].state != HZ_TCP_CLOSED && t->conns[i].local.port == port)
			return true;
	for (size_t i = 0; i < t->nlisteners; i++)
		if (t->listeners[i].used && t->listeners[i].local.port == port)
			return true;
	return false;
}

int hz_tcp_conn_connect(struct hz_tcp_conn *c, const struct hz_tcp_endpoint *remote,
                        const struct hz_tcp_endpoint *local)
{
	struct hz_tcp *t = c->tcp;
	if (c->state != HZ_TCP_CLOSED || !(c->flags & HZ_TCP_CF_APP_OWNED) || c->iss || c->error)
		return HZ_ERR_BAD_STATE;
	if (!remote || remote->port == 0 || addr_wild(&remote->addr))
		return HZ_ERR_INVALID;
	if (!c->snd.buf || !c->rcv.buf)
		return HZ_ERR_INVALID;
	const struct hz_ip *ip = ip_for(t, remote->addr.family);
	if (!ip)
		return HZ_ERR_NO_ROUTE;
	struct hz_tcp_endpoint l;
	hz_memset(&l, 0, sizeof l);
	if (local && !addr_wild(&local->addr)) {
		if (local->addr.family != remote->addr.family || !ip->is_local(ip->ctx, &local->addr))
			return HZ_ERR_INVALID;
		l.addr = local->addr;
	} else {
		int rc = ip->source(ip->ctx, &remote->addr, &l.addr);
		if (rc < 0)
			return rc;
	}
	if (local && local->port) {
		l.port = local->port;
		if (conn_find(t, &l.addr, l.port, &remote->addr, remote->port))
			return HZ_ERR_IN_USE;
	} else {
		/* RFC 6056 algorithm 1 over RFC 6335's dynamic range. */
		const uint32_t lo = 49152u, span = 16384u;
		uint32_t start = t->next_port;
		bool found = false;
		for (uint32_t k = 0; k < span; k++) {
			uint16_t p = (uint16_t)(lo + (start + k) % span);
			if (!port_in_use(t, p)) {
				l.port = p;
				t->next_port = (uint16_t)((start + k + 1) % span);
				found = true;
				break;
			}
		}
		if (!found)
			return HZ_ERR_IN_USE;
	}
	c->ip = ip;
	c->local = l;
	c->remote = *remote;
	c->flags |= HZ_TCP_CF_ACTIVE;
	conn_begin(c);
	c->state = HZ_TCP_SYN_SENT;
	c->rtt_at = t->now ? t->now : 1;
	c->rtt_seq = c->iss + 1;
	(void)xmit(c, c->iss, HZ_TCP_SYN, 0, 0);
	rtx_arm(c);
	return HZ_OK;
}

int hz_tcp_conn_send(struct hz_tcp_conn *c, const void *data, size_t len)
{
	switch (c->state) {
	case HZ_TCP_SYN_SENT:
	case HZ_TCP_SYN_RECEIVED:
	case HZ_TCP_ESTABLISHED:
	case HZ_TCP_CLOSE_WAIT:
		break;
	default:
		return c->error ? c->error : HZ_ERR_BAD_STATE;
	}
	if (c->flags & HZ_TCP_CF_FIN_QUEUED)
		return HZ_ERR_BAD_STATE;
	size_t n = hz_tcp_ring_write(&c->snd, data, len);
	output(c);
	return (int)HZ_MIN(n, (size_t)INT32_MAX);
}

/* After the application freed receive space: tell the peer when the
 * window grew enough (RFC 9293 3.8.6.2.2). */
static void rcv_consumed(struct hz_tcp_conn *c)
{
	switch (c->state) {
	case HZ_TCP_ESTABLISHED:
	case HZ_TCP_FIN_WAIT_1:
	case HZ_TCP_FIN_WAIT_2:
		break;
	default:
		return;
	}
	uint32_t before = c->rcv_adv;
	rcv_adv_update(c);
	/* Announce the larger window when it grew from (nearly) closed or
	 * by at least two segments. With cfg.ack_batch a window that was not
	 * nearly closed is announced at the end of the batch: the reads of
	 * one batch then open the window once, and the sender answers with
	 * one large burst instead of several small ones. */
	uint32_t grown = c->rcv_adv - before;
	uint32_t had = before - c->rcv_nxt;
	if (grown && (had < c->rcv_mss || grown >= 2u * c->rcv_mss)) {
		if (had >= c->rcv_mss && ack_hold(c))
			return;
		send_ack(c);
	}
}

int hz_tcp_conn_recv(struct hz_tcp_conn *c, void *buf, size_t cap)
{
	if (c->rcv.len) {
		size_t n = hz_tcp_ring_read(&c->rcv, buf, HZ_MIN(cap, (size_t)INT32_MAX));
		rcv_consumed(c);
		return (int)n;
	}
	if (c->error)
		return c->error;
	if (c->flags & HZ_TCP_CF_FIN_RCVD)
		return 0;
	if (c->state == HZ_TCP_CLOSED && !c->iss)
		return HZ_ERR_BAD_STATE;
	return HZ_ERR_WOULD_BLOCK;
}

size_t hz_tcp_conn_peek(struct hz_tcp_conn *c, const uint8_t **p)
{
	return hz_tcp_ring_peek(&c->rcv, p);
}

void hz_tcp_conn_consume(struct hz_tcp_conn *c, size_t n)
{
	hz_tcp_ring_consume(&c->rcv, n);
	rcv_consumed(c);
}

int hz_tcp_conn_shutdown(struct hz_tcp_conn *c)
{
	if (c->flags & HZ_TCP_CF_FIN_QUEUED)
		return HZ_OK;
	switch (c->state) {
	case HZ_TCP_SYN_SENT:
	case HZ_TCP_SYN_RECEIVED:
		/* RFC 9293 3.10.4: FIN goes after the handshake. */
		c->flags |= HZ_TCP_CF_FIN_QUEUED;
		return HZ_OK;
	case HZ_TCP_ESTABLISHED:
		c->state = HZ_TCP_FIN_WAIT_1;
		break;
	case HZ_TCP_CLOSE_WAIT:
		c->state = HZ_TCP_LAST_ACK;
		break;
	default:
		return HZ_ERR_BAD_STATE;
	}
	c->flags |= HZ_TCP_CF_FIN_QUEUED;
	c->keep_at = HZ_TIME_NEVER;
	output(c);
	return HZ_OK;
}

void hz_tcp_conn_abort(struct hz_tcp_conn *c)
{
	switch (c->state) {
	case HZ_TCP_SYN_RECEIVED:
	case HZ_TCP_ESTABLISHED:
	case HZ_TCP_FIN_WAIT_1:
	case HZ_TCP_FIN_WAIT_2:
	case HZ_TCP_CLOSE_WAIT:
		/* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> (SND.MAX here). */
		(void)xmit(c, c->snd_max, HZ_TCP_RST, 0, 0);
		break;
	default:
		break; /* SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT: no RST */
	}
	conn_free(c);
}

void hz_tcp_conn_close(struct hz_tcp_conn *c)
{
	c->event = NULL;
	c->ev_pending = 0;
	switch (c->state) {
	case HZ_TCP_CLOSED:
	case HZ_TCP_SYN_SENT:
		/* RFC 9293 3.10.4: SYN-SENT just goes, without RST. */
		conn_free(c);
		return;
	case HZ_TCP_TIME_WAIT:
		c->flags &= ~HZ_TCP_CF_APP_OWNED;
		c->flags |= HZ_TCP_CF_APP_CLOSED;
		return;
	default:
		break;
	}
	if (c->rcv.len) {
		/* RFC 2525 2.17: unread data is lost: tell the peer. */
		hz_tcp_conn_abort(c);
		return;
	}
	(void)hz_tcp_conn_shutdown(c);
	c->flags &= ~HZ_TCP_CF_APP_OWNED;
	c->flags |= HZ_TCP_CF_APP_CLOSED;
	struct hz_tcp *t = c->tcp;
	if (c->state == HZ_TCP_FIN_WAIT_2 && t->cfg.fin_wait_2)
		c->wait_at = t->now + t->cfg.fin_wait_2;
}

unsigned hz_tcp_conn_events(const struct hz_tcp_conn *c)
{
	unsigned e = 0;
	if (c->rcv.len || (c->flags & HZ_TCP_CF_FIN_RCVD) || c->error)
		e |= HZ_TCP_EV_READABLE;
	if ((c->state == HZ_TCP_ESTABLISHED || c->state == HZ_TCP_CLOSE_WAIT) &&
	    !(c->flags & HZ_TCP_CF_FIN_QUEUED) && hz_tcp_ring_free(&c->snd))
		e |= HZ_TCP_EV_WRITABLE;
	if (c->flags & HZ_TCP_CF_FIN_RCVD)
		e |= HZ_TCP_EV_PEER_FIN;
	if (c->state == HZ_TCP_CLOSED && c->iss)
		e |= HZ_TCP_EV_CLOSED;
	if (c->error)
		e |= HZ_TCP_EV_ERROR;
	if (c->state >= HZ_TCP_ESTABLISHED)
		e |= HZ_TCP_EV_CONNECTED;
	return e;
}

int hz_tcp_conn_error(const struct hz_tcp_conn *c)
{
	return c->error;
}

void hz_tcp_conn_stats(const struct hz_tcp_conn *c, struct hz_tcp_stats *out)
{
	*out = c->st;
	out->state = c->state;
	out->mss = c->mss;
	out->srtt = c->srtt;
	out->rttvar = c->rttvar;
	out->rto = c->rto;
	out->cwnd = c->cwnd;
	out->ssthresh = c->ssthresh;
	out->snd_wnd = c->snd_wnd;
	out->rcv_wnd = c->rcv_adv - c->rcv_nxt;
}
