/* tcp engine tests over a fake network layer.
 *
 * The test plays the peer: it builds every segment it injects byte by byte
 * from RFC 9293's header layout (with an RFC 1071 byte-loop checksum of its
 * own), and reads the engine's output with its own field and option
 * scanners, so nothing is checked against the library's own codec. Time is
 * virtual: each test moves `now` by hand. A second engine over a second
 * fake gives two-stack exchanges (simultaneous open and close). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_internal.h"

/* ------------------------------------------------------------------ */
/* Independent references                                              */
/* ------------------------------------------------------------------ */

static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t ref_pseudo(const struct hz_ipaddr *src, const struct hz_ipaddr *dst, size_t len)
{
	uint8_t b[12];
	memcpy(b, src->b, 4);
	memcpy(b + 4, dst->b, 4);
	b[8] = 0;
	b[9] = 6;
	b[10] = (uint8_t)(len >> 8);
	b[11] = (uint8_t)len;
	return ref_sum(0, b, 12);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ------------------------------------------------------------------ */
/* A fake network layer                                                */
/* ------------------------------------------------------------------ */

#define MAXOUT 256
#define SEGMAX 2048

struct cap {
	uint8_t b[SEGMAX];
	size_t len;
	struct hz_ip_tx tx;
	size_t headroom;
};

struct fake_ip {
	struct hz_ip ip;
	struct hz_ipaddr local;
	const struct hz_ip_upper *upper;
	size_t mtu;
	int out_rc;
	int nout;
	int npartial; /* segments sent with HZ_PBUF_F_CSUM_PARTIAL */
	struct cap out[MAXOUT];
};

static int fake_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	struct fake_ip *f = ctx;
	if (f->upper || proto != 6)
		return HZ_ERR_IN_USE;
	f->upper = up;
	return HZ_OK;
}

static uint32_t fake_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                            uint8_t proto, size_t len)
{
	(void)ctx;
	assert_int_equal(proto, 6);
	return ref_pseudo(src, dst, len);
}

static int fake_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	struct fake_ip *f = ctx;
	assert_true(f->nout < MAXOUT);
	assert_true(pb->len <= SEGMAX);
	struct cap *c = &f->out[f->nout++];
	memcpy(c->b, hz_pbuf_data(pb), pb->len);
	c->len = pb->len;
	c->tx = *tx;
	c->headroom = hz_pbuf_headroom(pb);
	if (pb->flags & HZ_PBUF_F_CSUM_PARTIAL) {
		/* Checksum offload (cfg.tx_csum_offload): the field holds the
		 * pseudo-header sum, folded and not complemented; finish it as
		 * a device does, summing from csum_start to the end. */
		assert_int_equal(pb->csum_start, 0);
		assert_int_equal(pb->csum_off, 16);
		assert_int_equal(get16(c->b + 16),
		                 (uint16_t)~ref_fold(ref_pseudo(&tx->src, &tx->dst, pb->len)));
		put16(c->b + 16, ref_fold(ref_sum(0, c->b, c->len)));
		f->npartial++;
	}
	/* Every segment the engine sends must carry a valid checksum. */
	assert_int_equal(ref_fold(ref_sum(ref_pseudo(&tx->src, &tx->dst, pb->len), c->b, c->len)), 0);
	return f->out_rc;
}

static size_t fake_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	(void)dst;
	return ((struct fake_ip *)ctx)->mtu;
}

static int fake_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	(void)dst;
	*src = ((struct fake_ip *)ctx)->local;
	return HZ_OK;
}

static bool fake_is_local(void *ctx, const struct hz_ipaddr *a)
{
	return hz_ipaddr_eq(a, &((struct fake_ip *)ctx)->local);
}

static void fake_init(struct fake_ip *f, uint32_t local)
{
	memset(f, 0, sizeof *f);
	f->ip.ctx = f;
	f->ip.family = HZ_AF_INET;
	f->ip.headroom = 14 + 20;
	f->ip.attach = fake_attach;
	f->ip.output = fake_output;
	f->ip.pseudo = fake_pseudo;
	f->ip.mtu = fake_mtu;
	f->ip.source = fake_source;
	f->ip.is_local = fake_is_local;
	f->local = hz_ipaddr_v4(local);
	f->mtu = 1480; /* 1500 minus the IPv4 header */
}

/* ------------------------------------------------------------------ */
/* The engine's segments, read by the test's own scanner               */
/* ------------------------------------------------------------------ */

struct pkt {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hlen, flags;
	uint16_t wnd;
	const uint8_t *opt;
	size_t optlen;
	const uint8_t *data;
	size_t dlen;
};

static struct pkt pkt_of(const struct cap *c)
{
	struct pkt p;
	assert_true(c->len >= 20);
	p.sport = get16(c->b);
	p.dport = get16(c->b + 2);
	p.seq = get32(c->b + 4);
	p.ack = get32(c->b + 8);
	p.hlen = (uint8_t)((c->b[12] >> 4) * 4);
	p.flags = c->b[13];
	p.wnd = get16(c->b + 14);
	assert_true(p.hlen >= 20 && p.hlen <= c->len);
	p.opt = c->b + 20;
	p.optlen = p.hlen - 20u;
	p.data = c->b + p.hlen;
	p.dlen = c->len - p.hlen;
	return p;
}

/* The option of `kind` (pointer at its kind byte), or NULL. */
static const uint8_t *opt_find(const struct pkt *p, uint8_t kind)
{
	size_t i = 0;
	while (i < p->optlen) {
		uint8_t k = p->opt[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		assert_true(i + 1 < p->optlen);
		uint8_t l = p->opt[i + 1];
		assert_true(l >= 2 && i + l <= p->optlen);
		if (k == kind)
			return p->opt + i;
		i += l;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* A test world                                                        */
/* ------------------------------------------------------------------ */

#define NCONN 4
#define SNDCAP 8192
#define RCVCAP 8192
#define PEER 0x0a000001u
#define SELF 0x0a000002u

struct world {
	struct fake_ip ip;
	struct hz_tcp tcp;
	struct hz_tcp_conn conns[NCONN];
	struct hz_tcp_listener ls[2];
	uint8_t rings[NCONN * (SNDCAP + RCVCAP)];
	uint8_t tx[HZ_PBUF_HEADROOM + 60 + 1460];
	hz_time_t now;
	int seen; /* segments of ip.out already looked at */
	unsigned events;
	int nevents;
	unsigned levents;
};

static struct world W, W2;

static void on_event(void *ctx, struct hz_tcp_conn *c, unsigned e)
{
	(void)c;
	struct world *w = ctx;
	w->events |= e;
	w->nevents++;
}

static void on_listen(void *ctx, struct hz_tcp_listener *l, unsigned e)
{
	(void)l;
	((struct world *)ctx)->levents |= e;
}

static void world_init_cfg(struct world *w, uint32_t self, const struct hz_tcp_config *cfg)
{
	memset(w, 0, sizeof *w);
	fake_init(&w->ip, self);
	struct hz_tcp_storage st = {
		.conns = w->conns, .nconns = NCONN,
		.listeners = w->ls, .nlisteners = 2,
		.ring_mem = w->rings, .snd_cap = SNDCAP, .rcv_cap = RCVCAP,
		.txbuf = w->tx, .txcap = sizeof w->tx,
	};
	assert_int_equal(hz_tcp_init(&w->tcp, cfg, NULL, &st), HZ_OK);
	assert_int_equal(hz_tcp_attach(&w->tcp, &w->ip.ip), HZ_OK);
	w->now = HZ_SEC(100);
	(void)hz_tcp_poll(&w->tcp, w->now);
}

/* Defaults, but without timestamps, SACK and window scaling unless a test
 * turns them on: plain RFC 9293 segments are easiest to check. */
static void plain_cfg(struct hz_tcp_config *cfg)
{
	hz_tcp_config_default(cfg);
	cfg->timestamps = false;
	cfg->sack = false;
	cfg->window_scaling = false;
	cfg->cc = HZ_TCP_CC_NEWRENO;
}

static void world_init(struct world *w)
{
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	world_init_cfg(w, SELF, &cfg);
}

/* Inject one segment from the peer (PEER:pport -> SELF:sport). */
static int inject_full(struct world *w, uint16_t pport, uint16_t sport, uint8_t flags, uint32_t seq,
                       uint32_t ack, uint16_t wnd, const uint8_t *opt, size_t optlen,
                       const void *data, size_t dlen)
{
	uint8_t b[SEGMAX];
	size_t hl = 20 + optlen;
	assert_int_equal(hl % 4, 0);
	assert_true(hl + dlen <= sizeof b);
	put16(b, pport);           /* source port */
	put16(b + 2, sport);       /* destination port */
	put32(b + 4, seq);         /* sequence number */
	put32(b + 8, ack);         /* acknowledgment number */
	b[12] = (uint8_t)(hl / 4 << 4); /* data offset */
	b[13] = flags;             /* control bits */
	put16(b + 14, wnd);        /* window */
	put16(b + 16, 0);          /* checksum, below */
	put16(b + 18, 0);          /* urgent pointer */
	if (optlen)
		memcpy(b + 20, opt, optlen);
	if (dlen)
		memcpy(b + hl, data, dlen);
	struct hz_ip_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.src = hz_ipaddr_v4(PEER);
	rx.dst = w->ip.local;
	rx.proto = 6;
	rx.ttl = 64;
	rx.ip = &w->ip.ip;
	rx.now = w->now;
	rx.pseudo = ref_pseudo(&rx.src, &rx.dst, hl + dlen);
	put16(b + 16, ref_fold(ref_sum(rx.pseudo, b, hl + dlen)));
	return w->ip.upper->input(w->ip.upper->ctx, &rx, b, hl + dlen);
}

#define PPORT 40000
#define SPORT 80

static int inject(struct world *w, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
                  const void *data, size_t dlen)
{
	return inject_full(w, PPORT, SPORT, flags, seq, ack, wnd, NULL, 0, data, dlen);
}

/* The next segment the engine sent that the test has not looked at. */
static struct pkt next_out(struct world *w)
{
	if (w->seen >= w->ip.nout)
		fail_msg("expected a segment, none sent (nout %d)", w->ip.nout);
	return pkt_of(&w->ip.out[w->seen++]);
}

static void no_out(struct world *w)
{
	if (w->seen != w->ip.nout) {
		struct pkt p = pkt_of(&w->ip.out[w->seen]);
		fail_msg("unexpected segment: flags %02x seq %u ack %u len %zu", p.flags, p.seq, p.ack,
		         p.dlen);
	}
}

static void advance(struct world *w, hz_time_t dt)
{
	w->now += dt;
	(void)hz_tcp_poll(&w->tcp, w->now);
}

static uint64_t drops_total(const struct hz_tcp *t)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < HZ_TCP_DROP_COUNT; i++)
		s += t->drops[i];
	return s;
}

/* An established passive connection: listener on SPORT, peer ISN `irs`,
 * peer window `wnd`. Returns the accepted connection; *iss our ISN. */
static struct hz_tcp_conn *establish_passive(struct world *w, uint32_t irs, uint16_t wnd,
                                             uint32_t *iss)
{
	struct hz_tcp_endpoint le = { .addr = { 0 }, .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 4, &l), HZ_OK);
	hz_tcp_listener_set_event(l, on_listen, w);
	const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, irs, 0, wnd, mss, 4, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.ack, irs + 1);
	*iss = sa.seq;
	assert_int_equal(inject(w, HZ_TCP_ACK, irs + 1, sa.seq + 1, wnd, NULL, 0), HZ_OK);
	no_out(w);
	assert_true(w->levents & HZ_TCP_EV_ACCEPT);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	hz_tcp_conn_set_event(c, on_event, w);
	return c;
}

/* ------------------------------------------------------------------ */
/* CLOSED and LISTEN                                                   */
/* ------------------------------------------------------------------ */

static void test_closed_port_rst(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	/* No ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SYN counts 1. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 1000, 0, 100, "abc", 3), HZ_ERR_NOT_FOUND);
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST | HZ_TCP_ACK);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.ack, 1004);
	assert_int_equal(r.sport, SPORT);
	assert_int_equal(r.dport, PPORT);
	assert_int_equal(r.hlen, 20);
	/* With ACK: <SEQ=SEG.ACK><CTL=RST>. */
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_FIN, 5, 777, 100, NULL, 0), HZ_ERR_NOT_FOUND);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, 777);
	/* A RST is never answered. */
	assert_int_equal(inject(w, HZ_TCP_RST, 5, 0, 0, NULL, 0), HZ_ERR_NOT_FOUND);
	no_out(w);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_NO_LISTENER], 3);
	assert_int_equal(drops_total(&w->tcp), 3);
	/* The ip layer did not route RSTs with DF... any flags are fine; the
	 * destination is the peer. */
	assert_true(hz_ipaddr_eq(&w->ip.out[0].tx.dst, &(struct hz_ipaddr){ 0 }) == false);
}

static void test_input_validation(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint8_t b[64];
	memset(b, 0, sizeof b);
	struct hz_ip_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.src = hz_ipaddr_v4(PEER);
	rx.dst = w->ip.local;
	rx.ip = &w->ip.ip;
	rx.now = w->now;
	/* Truncated. */
	assert_int_equal(hz_tcp_input(&w->tcp, &rx, b, 19), HZ_ERR_MALFORMED);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_TRUNCATED], 1);
	/* Data offset 4. */
	b[12] = 4 << 4;
	assert_int_equal(hz_tcp_input(&w->tcp, &rx, b, 20), HZ_ERR_MALFORMED);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_BAD_OFFSET], 1);
	/* Bad checksum. */
	put16(b, PPORT);
	put16(b + 2, SPORT);
	b[12] = 5 << 4;
	b[13] = HZ_TCP_SYN;
	rx.pseudo = ref_pseudo(&rx.src, &rx.dst, 20);
	put16(b + 16, (uint16_t)(ref_fold(ref_sum(rx.pseudo, b, 20)) + 1));
	assert_int_equal(hz_tcp_input(&w->tcp, &rx, b, 20), HZ_ERR_CHECKSUM);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_BAD_CHECKSUM], 1);
	/* Bad option (MSS of length 3). */
	const uint8_t badopt[4] = { 2, 3, 0, 0 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 1, 0, 100, badopt, 4, NULL, 0),
	                 HZ_ERR_MALFORMED);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_BAD_OPTION], 1);
	/* Port 0. */
	assert_int_equal(inject_full(w, 0, SPORT, HZ_TCP_SYN, 1, 0, 100, NULL, 0, NULL, 0),
	                 HZ_ERR_INVALID);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_BAD_ADDRESS], 1);
	no_out(w);
	assert_int_equal(drops_total(&w->tcp), 5);
	for (unsigned i = 0; i < HZ_TCP_DROP_COUNT; i++) {
		const char *n = hz_tcp_drop_name(i);
		assert_true(n && n[0] && strcmp(n, "?") != 0);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(n, hz_tcp_drop_name(j));
	}
	assert_string_equal(hz_tcp_drop_name(HZ_TCP_DROP_COUNT), "?");
	assert_string_equal(hz_tcp_state_name(HZ_TCP_TIME_WAIT), "TIME-WAIT");
}

static void test_listen_segments(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.syn_cookies = false; /* a full backlog drops SYNs */
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l, *l2;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 1, &l), HZ_OK);
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 1, &l2), HZ_ERR_IN_USE);
	/* RST to a listener: ignored. */
	assert_int_equal(inject(w, HZ_TCP_RST, 1, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	no_out(w);
	/* ACK to a listener: <SEQ=SEG.ACK><CTL=RST>. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 1, 4242, 0, NULL, 0), HZ_ERR_BAD_STATE);
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, 4242);
	/* Neither SYN, RST nor ACK: dropped. */
	assert_int_equal(inject(w, HZ_TCP_FIN, 1, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	no_out(w);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_LISTEN_BAD], 3);
	/* A SYN takes the one backlog place; a second peer's SYN is dropped. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 100, 0, 1000, NULL, 0), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(l->pending, 1);
	assert_int_equal(inject_full(w, PPORT + 1, SPORT, HZ_TCP_SYN, 500, 0, 1000, NULL, 0, NULL, 0),
	                 HZ_ERR_NO_SPACE);
	no_out(w);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_BACKLOG_FULL], 1);
	/* Closing the listener resets the half-open connection. */
	hz_tcp_listener_close(l);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	for (int i = 0; i < NCONN; i++)
		assert_int_equal(w->conns[i].state, HZ_TCP_CLOSED);
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */
/* ------------------------------------------------------------------ */

static struct hz_tcp_conn *connect_to_peer(struct world *w, struct pkt *syn)
{
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_conn_open(&w->tcp, &c), HZ_OK);
	hz_tcp_conn_set_event(c, on_event, w);
	struct hz_tcp_endpoint re = { .addr = hz_ipaddr_v4(PEER), .port = PPORT };
	struct hz_tcp_endpoint le = { .port = SPORT };
	assert_int_equal(hz_tcp_conn_connect(c, &re, &le), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_SYN_SENT);
	*syn = next_out(w);
	return c;
}

static void test_active_open_all_options(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init_cfg(w, SELF, NULL); /* defaults: WS, TS, SACK on */
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	assert_int_equal(syn.flags, HZ_TCP_SYN);
	assert_int_equal(syn.ack, 0);
	assert_int_equal(syn.sport, SPORT);
	assert_int_equal(syn.dport, PPORT);
	assert_int_equal(syn.dlen, 0);
	assert_true(w->ip.out[0].tx.flags & HZ_IP_TX_DF);
	/* MSS = mtu 1480 - 20. */
	const uint8_t *o = opt_find(&syn, 2);
	assert_non_null(o);
	assert_int_equal(o[1], 4);
	assert_int_equal(get16(o + 2), 1460);
	/* 8 KiB ring needs no scaling: shift 0, but the option is sent. */
	o = opt_find(&syn, 3);
	assert_non_null(o);
	assert_int_equal(o[1], 3);
	assert_int_equal(o[2], 0);
	assert_non_null(opt_find(&syn, 4));
	o = opt_find(&syn, 8);
	assert_non_null(o);
	assert_int_equal(o[1], 10);
	assert_int_equal(get32(o + 6), 0); /* TSecr 0 in a SYN */
	uint32_t tsval = get32(o + 2);
	assert_int_equal(syn.wnd, RCVCAP);
	assert_int_equal(syn.optlen % 4, 0);

	/* Peer: SYN-ACK, MSS 1000, WS 2, SACK-permitted, TS. */
	uint8_t opts[20] = { 2, 4, 0x03, 0xe8, 1, 3, 3, 2, 4, 2, 8, 10 };
	put32(opts + 12, 5555);
	put32(opts + 16, tsval);
	w->now += HZ_MSEC(30);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN | HZ_TCP_ACK, 9000, syn.seq + 1, 1000,
	                             opts, 20, NULL, 0),
	                 HZ_OK);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	assert_true(w->events & HZ_TCP_EV_CONNECTED);
	struct pkt a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.seq, syn.seq + 1);
	assert_int_equal(a.ack, 9001);
	o = opt_find(&a, 8);
	assert_non_null(o);
	assert_int_equal(get32(o + 6), 5555); /* echoes TSval */
	assert_null(opt_find(&a, 2));         /* MSS only in SYNs */
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	/* Send MSS: the peer's 1000 less the 12 bytes of timestamps goes in
	 * each segment; stats report the MSS itself. */
	assert_int_equal(st.mss, 1000);
	assert_int_equal(st.snd_wnd, 1000); /* window of a SYN is not scaled */
	/* RTT of 30 ms from the timestamp echo: RFC 6298 2.2. */
	assert_int_equal(st.srtt, 30000);
	assert_int_equal(st.rttvar, 15000);
	assert_int_equal(st.rto, 200000); /* 30 + 4*15 = 90 ms, below rto_min */
	/* Initial window: min(10*MSS, max(2*MSS, 14600)) with MSS 988. */
	assert_int_equal(st.cwnd, 9880);
	/* A data segment now: window field scaled by 0, payload <= 988. */
	uint8_t big[3000];
	memset(big, 'x', sizeof big);
	assert_int_equal(hz_tcp_conn_send(c, big, sizeof big), 3000);
	struct pkt d = next_out(w);
	assert_int_equal(d.dlen, 988);
	assert_int_equal(d.seq, syn.seq + 1);
	assert_int_equal(hz_tcp_conn_events(c) & HZ_TCP_EV_WRITABLE, HZ_TCP_EV_WRITABLE);
	/* Peer window 1000 << 2 = 4000 after the handshake; but the window
	 * it gave in the SYN-ACK (1000, unscaled) limits the first flight. */
	no_out(w);
}

static void test_passive_open_echoes_offered(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	hz_tcp_config_default(&cfg);
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 4, &l), HZ_OK);
	/* A SYN with no options: the SYN-ACK offers only MSS; the peer's MSS
	 * is taken as 536 (RFC 9293 3.7.1). */
	assert_int_equal(inject(w, HZ_TCP_SYN, 0xfffffff0u, 0, 5000, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.ack, 0xfffffff1u);
	assert_int_equal(sa.optlen, 4);
	assert_non_null(opt_find(&sa, 2));
	assert_null(opt_find(&sa, 3));
	assert_null(opt_find(&sa, 8));
	assert_null(opt_find(&sa, 4));
	/* Handshake completes; accept gives the connection. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 0xfffffff1u, sa.seq + 1, 5000, NULL, 0), HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(l->pending, 0);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.mss, 536);
	assert_int_equal(st.snd_wnd, 5000);
	assert_int_equal(c->remote.port, PPORT);
	assert_true(hz_ipaddr_eq(&c->local.addr, &w->ip.local));

	/* A second peer offering everything: the SYN-ACK answers each. */
	uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 9, 4, 2, 8, 10, 0, 0, 0, 77, 0, 0, 0, 0 };
	assert_int_equal(inject_full(w, PPORT + 1, SPORT, HZ_TCP_SYN, 1, 0, 5000, opts, 20, NULL, 0),
	                 HZ_OK);
	sa = next_out(w);
	const uint8_t *o = opt_find(&sa, 3);
	assert_non_null(o);
	assert_int_equal(o[2], 0); /* our shift for an 8 KiB ring */
	assert_non_null(opt_find(&sa, 4));
	o = opt_find(&sa, 8);
	assert_non_null(o);
	assert_int_equal(get32(o + 6), 77);
}

static void test_window_scale_large_ring(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init_cfg(w, SELF, NULL);
	static uint8_t snd[1024], rcv[262144];
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_conn_open(&w->tcp, &c), HZ_OK);
	assert_int_equal(hz_tcp_conn_set_buffers(c, snd, sizeof snd, rcv, sizeof rcv), HZ_OK);
	struct hz_tcp_endpoint re = { .addr = hz_ipaddr_v4(PEER), .port = PPORT };
	struct hz_tcp_endpoint le = { .port = SPORT };
	assert_int_equal(hz_tcp_conn_connect(c, &re, &le), HZ_OK);
	struct pkt syn = next_out(w);
	/* 65535 << 2 < 262144 <= 65535 << 3. */
	const uint8_t *o = opt_find(&syn, 3);
	assert_non_null(o);
	assert_int_equal(o[2], 3);
	assert_int_equal(syn.wnd, 65535); /* unscaled in the SYN */
	/* Peer agrees with shift 1. */
	const uint8_t opts[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 1 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN | HZ_TCP_ACK, 50, syn.seq + 1, 3000,
	                             opts, 8, NULL, 0),
	                 HZ_OK);
	struct pkt a = next_out(w);
	assert_int_equal(a.wnd, 262144 >> 3);
	/* The peer's later windows are scaled by its shift. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 51, syn.seq + 1, 3000, NULL, 0), HZ_OK);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.snd_wnd, 6000);
	/* Peer without WS: neither side scales (RFC 7323 2.2). */
	world_init_cfg(w, SELF, NULL);
	assert_int_equal(hz_tcp_conn_open(&w->tcp, &c), HZ_OK);
	assert_int_equal(hz_tcp_conn_set_buffers(c, snd, sizeof snd, rcv, sizeof rcv), HZ_OK);
	assert_int_equal(hz_tcp_conn_connect(c, &re, &le), HZ_OK);
	syn = next_out(w);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN | HZ_TCP_ACK, 50, syn.seq + 1, 3000,
	                             opts, 4, NULL, 0),
	                 HZ_OK);
	a = next_out(w);
	assert_int_equal(a.wnd, 65535);
}

static void test_mss_clamped_to_path(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	w->ip.mtu = 1000;
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	const uint8_t *o = opt_find(&syn, 2);
	assert_non_null(o);
	assert_int_equal(get16(o + 2), 980);
	/* The peer offers 1460; we send at most 980. */
	const uint8_t opts[4] = { 2, 4, 0x05, 0xb4 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN | HZ_TCP_ACK, 1, syn.seq + 1, 60000,
	                             opts, 4, NULL, 0),
	                 HZ_OK);
	(void)next_out(w);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.mss, 980);
	/* ICMP fragmentation needed: the ip layer now says 576 - 20. */
	uint8_t buf[2000];
	memset(buf, 1, sizeof buf);
	assert_int_equal(hz_tcp_conn_send(c, buf, 980), 980);
	struct pkt d = next_out(w);
	assert_int_equal(d.dlen, 980);
	w->ip.mtu = 556;
	uint8_t quote[8];
	memcpy(quote, w->ip.out[w->seen - 1].b, 8);
	struct hz_ip_err e = {
		.kind = HZ_IP_ERR_FRAG_NEEDED, .type = 3, .code = 4, .proto = 6, .mtu = 576,
		.src = w->ip.local, .dst = hz_ipaddr_v4(PEER), .quote = quote, .quote_len = 8,
		.now = w->now,
	};
	w->ip.upper->error(w->ip.upper->ctx, &e);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.mss, 536);
	d = next_out(w);
	assert_int_equal(d.seq, syn.seq + 1);
	assert_int_equal(d.dlen, 536);
	d = next_out(w);
	assert_int_equal(d.seq, syn.seq + 1 + 536);
	assert_int_equal(d.dlen, 444);
	/* A quote with a sequence number outside SND.UNA..SND.MAX: ignored. */
	put32(quote + 4, syn.seq + 5000);
	e.quote = quote;
	w->ip.upper->error(w->ip.upper->ctx, &e);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_ICMP_BAD_SEQ], 1);
	no_out(w);
}


/* ------------------------------------------------------------------ */
/* Two engines                                                         */
/* ------------------------------------------------------------------ */

/* Deliver the segments `from` sent and nobody took yet to `to`. */
static int deliver(struct world *from, struct world *to)
{
	int n = 0;
	while (from->seen < from->ip.nout) {
		struct cap *c = &from->ip.out[from->seen++];
		struct hz_ip_rx rx;
		memset(&rx, 0, sizeof rx);
		rx.src = c->tx.src;
		rx.dst = c->tx.dst;
		assert_true(hz_ipaddr_eq(&rx.dst, &to->ip.local));
		rx.proto = 6;
		rx.ip = &to->ip.ip;
		rx.now = to->now;
		rx.pseudo = ref_pseudo(&rx.src, &rx.dst, c->len);
		(void)to->ip.upper->input(to->ip.upper->ctx, &rx, c->b, c->len);
		n++;
	}
	return n;
}

/* Deliver only the next segment `from` sent. */
static void deliver_one(struct world *from, struct world *to)
{
	int keep = from->ip.nout;
	assert_true(from->seen < keep);
	from->ip.nout = from->seen + 1;
	assert_int_equal(deliver(from, to), 1);
	/* Segments sent in reply land after the held ones: keep order. */
	int extra = from->ip.nout - (from->seen);
	assert_int_equal(extra, 0);
	from->ip.nout = keep;
}

static void pump(struct world *a, struct world *b)
{
	for (int i = 0; i < 100; i++)
		if (deliver(a, b) + deliver(b, a) == 0)
			return;
	fail_msg("segments kept flowing");
}

static void two_worlds(void)
{
	world_init(&W);
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	world_init_cfg(&W2, PEER, &cfg);
}

static struct hz_tcp_conn *open_to(struct world *w, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_conn_open(&w->tcp, &c), HZ_OK);
	hz_tcp_conn_set_event(c, on_event, w);
	struct hz_tcp_endpoint re = { .addr = hz_ipaddr_v4(raddr), .port = rport };
	struct hz_tcp_endpoint le = { .port = lport };
	assert_int_equal(hz_tcp_conn_connect(c, &re, &le), HZ_OK);
	return c;
}

/* RFC 9293 figure 7: the three-way handshake between two engines, then
 * data both ways and the normal close of figure 12. */
static void test_two_engines_handshake_data_close(void **state)
{
	(void)state;
	two_worlds();
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&W.tcp, &le, 2, &l), HZ_OK);
	struct hz_tcp_conn *a = open_to(&W2, SELF, SPORT, PPORT);
	pump(&W, &W2);
	struct hz_tcp_conn *b;
	assert_int_equal(hz_tcp_listener_accept(l, &b), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_ESTABLISHED);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_ESTABLISHED);
	assert_int_equal(W.ip.nout, 1);  /* SYN-ACK */
	assert_int_equal(W2.ip.nout, 2); /* SYN, ACK */
	assert_int_equal(hz_tcp_conn_send(a, "hello", 5), 5);
	pump(&W, &W2);
	char buf[16];
	assert_int_equal(hz_tcp_conn_recv(b, buf, sizeof buf), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(hz_tcp_conn_recv(b, buf, sizeof buf), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(hz_tcp_conn_send(b, "world!", 6), 6);
	pump(&W, &W2);
	assert_int_equal(hz_tcp_conn_recv(a, buf, sizeof buf), 6);
	/* Close: a active, b passive. */
	hz_tcp_conn_close(a);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_FIN_WAIT_1);
	deliver(&W2, &W); /* FIN */
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_CLOSE_WAIT);
	assert_int_equal(hz_tcp_conn_recv(b, buf, sizeof buf), 0);
	assert_true(hz_tcp_conn_events(b) & HZ_TCP_EV_PEER_FIN);
	/* b's ACK of the FIN is immediate. */
	deliver(&W, &W2);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_FIN_WAIT_2);
	W.events = 0;
	hz_tcp_conn_close(b);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_LAST_ACK);
	deliver(&W, &W2);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_TIME_WAIT);
	deliver(&W2, &W);
	/* b is gone; a waits 2 MSL. */
	assert_int_equal(b->state, HZ_TCP_CLOSED);
	assert_true(b->local.port == 0);
	advance(&W2, W2.tcp.cfg.time_wait - 1);
	assert_int_equal(a->state, HZ_TCP_TIME_WAIT);
	advance(&W2, 1);
	assert_int_equal(a->state, HZ_TCP_CLOSED);
	assert_int_equal(drops_total(&W.tcp) + drops_total(&W2.tcp), 0);
}

/* RFC 9293 figure 8: simultaneous open. */
static void test_simultaneous_open(void **state)
{
	(void)state;
	two_worlds();
	struct hz_tcp_conn *a = open_to(&W, PEER, PPORT, SPORT);
	struct hz_tcp_conn *b = open_to(&W2, SELF, SPORT, PPORT);
	/* The SYNs cross. */
	deliver(&W, &W2);
	deliver(&W2, &W);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_SYN_RECEIVED);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_SYN_RECEIVED);
	struct pkt sa = pkt_of(&W.ip.out[1]);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.seq, a->iss); /* the same SYN again, now acking */
	assert_int_equal(sa.ack, b->iss + 1);
	pump(&W, &W2);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_ESTABLISHED);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_ESTABLISHED);
	assert_true(W.events & HZ_TCP_EV_CONNECTED);
	assert_int_equal(hz_tcp_conn_send(a, "x", 1), 1);
	pump(&W, &W2);
	char ch;
	assert_int_equal(hz_tcp_conn_recv(b, &ch, 1), 1);
	assert_int_equal(ch, 'x');
}

/* RFC 9293 figure 13: simultaneous close. */
static void test_simultaneous_close(void **state)
{
	(void)state;
	two_worlds();
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&W.tcp, &le, 2, &l), HZ_OK);
	struct hz_tcp_conn *a = open_to(&W2, SELF, SPORT, PPORT);
	pump(&W, &W2);
	struct hz_tcp_conn *b;
	assert_int_equal(hz_tcp_listener_accept(l, &b), HZ_OK);
	hz_tcp_conn_set_event(b, on_event, &W);
	assert_int_equal(hz_tcp_conn_shutdown(a), HZ_OK);
	assert_int_equal(hz_tcp_conn_shutdown(b), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_FIN_WAIT_1);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_FIN_WAIT_1);
	/* FINs cross: both CLOSING, both ACK. */
	deliver_one(&W, &W2);
	deliver_one(&W2, &W);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_CLOSING);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_CLOSING);
	pump(&W, &W2);
	assert_int_equal(hz_tcp_conn_state(a), HZ_TCP_TIME_WAIT);
	assert_int_equal(hz_tcp_conn_state(b), HZ_TCP_TIME_WAIT);
	char ch;
	assert_int_equal(hz_tcp_conn_recv(a, &ch, 1), 0);
	/* Both keep the slot (the application still holds it) until 2 MSL,
	 * then report CLOSED without an error. */
	W.events = 0;
	advance(&W, W.tcp.cfg.time_wait);
	assert_int_equal(b->state, HZ_TCP_CLOSED);
	assert_true(W.events & HZ_TCP_EV_CLOSED);
	assert_false(W.events & HZ_TCP_EV_ERROR);
	assert_int_equal(hz_tcp_conn_error(b), HZ_OK);
	hz_tcp_conn_close(b);
	assert_false(b->flags & HZ_TCP_CF_APP_OWNED);
}

/* ------------------------------------------------------------------ */
/* RFC 9293 3.5.1 examples: old duplicate SYN, half-open connections   */
/* ------------------------------------------------------------------ */

/* Figure 9 with the engine as TCP B (listening). */
static void test_old_duplicate_syn_passive(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	/* 3: an old duplicate SYN (seq 90) arrives. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 90, 0, 1000, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.ack, 91);
	assert_int_equal(l->pending, 1);
	/* 5: A (SYN-SENT with ISS 100) answers <SEQ=91><CTL=RST>. */
	assert_int_equal(inject(w, HZ_TCP_RST, 91, 0, 0, NULL, 0), HZ_OK);
	no_out(w);
	assert_int_equal(l->pending, 0); /* back to LISTEN */
	for (int i = 0; i < NCONN; i++)
		assert_int_equal(w->conns[i].state, HZ_TCP_CLOSED);
	/* 6-8: the real SYN goes through. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 100, 0, 1000, NULL, 0), HZ_OK);
	sa = next_out(w);
	assert_int_equal(sa.ack, 101);
	assert_int_equal(inject(w, HZ_TCP_ACK, 101, sa.seq + 1, 1000, NULL, 0), HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(c->irs, 100);
}

/* Figure 9 with the engine as TCP A (connecting). */
static void test_old_duplicate_syn_active(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	/* B answered an old SYN: its ACK is not ours. */
	assert_int_equal(inject(w, HZ_TCP_SYN | HZ_TCP_ACK, 300, syn.seq - 9, 1000, NULL, 0),
	                 HZ_ERR_BAD_STATE);
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, syn.seq - 9);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_SYN_SENT);
	/* A RST without an acceptable ACK is ignored too (RFC 5961 3.2). */
	assert_int_equal(inject(w, HZ_TCP_RST | HZ_TCP_ACK, 0, syn.seq + 7, 0, NULL, 0),
	                 HZ_ERR_BAD_STATE);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_SYN_SENT);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_SYN_SENT_BAD], 2);
	/* The right SYN-ACK completes it. */
	assert_int_equal(inject(w, HZ_TCP_SYN | HZ_TCP_ACK, 400, syn.seq + 1, 1000, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	/* A RST with an acceptable ACK in SYN-SENT: refused. */
	world_init(w);
	c = connect_to_peer(w, &syn);
	w->events = 0;
	assert_int_equal(inject(w, HZ_TCP_RST | HZ_TCP_ACK, 0, syn.seq + 1, 0, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_CLOSED);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_REFUSED);
	assert_true(w->events & HZ_TCP_EV_ERROR);
	assert_int_equal(hz_tcp_conn_recv(c, &syn, 1), HZ_ERR_REFUSED);
	assert_int_equal(hz_tcp_conn_send(c, "x", 1), HZ_ERR_REFUSED);
}

/* Figure 10: B still ESTABLISHED after A crashed; A reconnects from the
 * same port. With RFC 5961, B answers the SYN with a challenge ACK, A
 * resets with that ACK's number, and B goes. */
static void test_half_open_peer_crashed(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 100, 1000, &iss);
	assert_int_equal(inject(w, HZ_TCP_SYN, 400, 0, 1000, NULL, 0), HZ_ERR_BAD_STATE);
	struct pkt ca = next_out(w);
	assert_int_equal(ca.flags, HZ_TCP_ACK);
	assert_int_equal(ca.seq, iss + 1);
	assert_int_equal(ca.ack, 101);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_SYN_CHALLENGED], 1);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	w->events = 0;
	assert_int_equal(inject(w, HZ_TCP_RST, 101, 0, 0, NULL, 0), HZ_OK);
	no_out(w);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_CLOSED);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_RESET);
	assert_true(w->events & HZ_TCP_EV_CLOSED);
	assert_true(w->events & HZ_TCP_EV_ERROR);
}

/* Figure 11: the peer lost its state and answers our data with a RST
 * whose sequence number is our ACK. */
static void test_half_open_rst_from_peer(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 300, 1000, &iss);
	assert_int_equal(hz_tcp_conn_send(c, "abc", 3), 3);
	struct pkt d = next_out(w);
	assert_int_equal(d.ack, 301);
	assert_int_equal(inject(w, HZ_TCP_RST, d.ack, 0, 0, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_RESET);
	/* Then the slot is the application's until it closes it. */
	hz_tcp_conn_close(c);
	assert_true(c->flags == 0);
}

/* ------------------------------------------------------------------ */
/* RFC 5961                                                            */
/* ------------------------------------------------------------------ */

static void test_rfc5961_rst(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1000, 4000, &iss);
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	assert_int_equal(wnd, RCVCAP);
	/* Out of window: silently dropped. */
	assert_int_equal(inject(w, HZ_TCP_RST, 1001 + wnd, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	assert_int_equal(inject(w, HZ_TCP_RST, 1000, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	no_out(w);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_RST_OUT_OF_WINDOW], 2);
	/* In window, not RCV.NXT: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>. */
	assert_int_equal(inject(w, HZ_TCP_RST, 1002, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	assert_int_equal(inject(w, HZ_TCP_RST, 1000 + wnd, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	for (int i = 0; i < 2; i++) {
		struct pkt a = next_out(w);
		assert_int_equal(a.flags, HZ_TCP_ACK);
		assert_int_equal(a.seq, iss + 1);
		assert_int_equal(a.ack, 1001);
	}
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_RST_CHALLENGED], 2);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.challenge_acks, 2);
	/* Exactly RCV.NXT: reset. */
	assert_int_equal(inject(w, HZ_TCP_RST | HZ_TCP_ACK, 1001, 12345, 0, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_RESET);
}

/* RFC 5961 7: challenge ACKs limited per second for the engine, in
 * virtual time; other ACKs are not limited. */
static void test_challenge_ack_rate_limit(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.challenge_ack_limit = 3;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1000, 4000, &iss);
	/* Five in-window RSTs not at RCV.NXT and a SYN in the same second:
	 * three challenge ACKs go, three are held back. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(inject(w, HZ_TCP_RST, 1002 + (uint32_t)i, 0, 0, NULL, 0),
		                 HZ_ERR_BAD_STATE);
	assert_int_equal(inject(w, HZ_TCP_SYN, 5000, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	for (int i = 0; i < 3; i++) {
		struct pkt a = next_out(w);
		assert_int_equal(a.flags, HZ_TCP_ACK);
		assert_int_equal(a.ack, 1001);
	}
	no_out(w);
	assert_int_equal(w->tcp.chack_suppressed, 3);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_RST_CHALLENGED], 5);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.challenge_acks, 3);
	/* An out-of-window segment still gets its (unlimited) ACK. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 900, iss + 1, 4000, "x", 1), HZ_ERR_BAD_STATE);
	assert_int_equal(next_out(w).ack, 1001);
	/* 999 ms after the window opened: still limited. */
	w->now += HZ_MSEC(999);
	assert_int_equal(inject(w, HZ_TCP_RST, 1003, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	no_out(w);
	/* One second after it: a new window. */
	w->now += HZ_MSEC(1);
	assert_int_equal(inject(w, HZ_TCP_RST, 1003, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	assert_int_equal(next_out(w).ack, 1001);
	assert_int_equal(w->tcp.chack_suppressed, 4);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	/* 0 = no limit. */
	w->tcp.cfg.challenge_ack_limit = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(inject(w, HZ_TCP_RST, 1002, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	for (int i = 0; i < 10; i++)
		(void)next_out(w);
	no_out(w);
}

static void test_rfc5961_syn_and_ack(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1000, 4000, &iss);
	/* SYN in window and out of window: challenge ACK either way (an
	 * out-of-window SYN gets the ACK of the acceptability test). */
	assert_int_equal(inject(w, HZ_TCP_SYN, 1001, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	struct pkt a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.ack, 1001);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	/* Send 3000 bytes so SND.UNA moves; the peer's max window is 4000. */
	uint8_t buf[3000];
	memset(buf, 7, sizeof buf);
	hz_tcp_conn_set_nodelay(c, true); /* no Nagle hold of the last 80 bytes */
	assert_int_equal(hz_tcp_conn_send(c, buf, sizeof buf), 3000);
	while (w->seen < w->ip.nout)
		(void)next_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 1001, iss + 1 + 3000, 4000, NULL, 0), HZ_OK);
	no_out(w);
	/* An ACK older than SND.UNA - MAX.SND.WND: challenge ACK, drop. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 1001, iss + 1 + 3000 - 4001, 4000, "z", 1), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.seq, iss + 3001);
	assert_int_equal(a.ack, 1001); /* the data was not taken */
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_ACK_CHALLENGED], 1);
	/* Old but within MAX.SND.WND: a duplicate ACK, data accepted. */
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_PSH, 1001, iss + 1, 4000, "z", 1), HZ_OK);
	char ch;
	assert_int_equal(hz_tcp_conn_recv(c, &ch, 1), 1);
	/* An ACK of data never sent: ACK and drop. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 1002, iss + 5000, 4000, "q", 1), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 1002);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_ACK_TOO_NEW], 1);
	assert_int_equal(hz_tcp_conn_recv(c, &ch, 1), HZ_ERR_WOULD_BLOCK);
	/* No ACK bit in a synchronized state: dropped. */
	assert_int_equal(inject(w, 0, 1002, 0, 4000, "q", 1), HZ_ERR_BAD_STATE);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_NO_ACK], 1);
}


/* ------------------------------------------------------------------ */
/* Data, ACKs and windows                                              */
/* ------------------------------------------------------------------ */

static void test_delayed_ack(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 5000, 8000, &iss);
	(void)c;
	/* One segment: no ACK until the delayed-ACK timer (40 ms). */
	assert_int_equal(inject(w, HZ_TCP_ACK, 5001, iss + 1, 8000, "0123456789", 10), HZ_OK);
	no_out(w);
	assert_true(w->events & HZ_TCP_EV_READABLE);
	advance(w, HZ_MSEC(39));
	no_out(w);
	advance(w, HZ_MSEC(1));
	struct pkt a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.ack, 5011);
	assert_int_equal(a.wnd, RCVCAP - 10);
	/* Two segments: the second is ACKed at once (RFC 5681 4.2). */
	assert_int_equal(inject(w, HZ_TCP_ACK, 5011, iss + 1, 8000, "ab", 2), HZ_OK);
	no_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 5013, iss + 1, 8000, "cd", 2), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 5015);
	/* Data to send piggybacks the ACK: no separate pure ACK. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 5015, iss + 1, 8000, "ef", 2), HZ_OK);
	no_out(w);
	assert_int_equal(hz_tcp_conn_send(c, "reply", 5), 5);
	a = next_out(w);
	assert_int_equal(a.ack, 5017);
	assert_int_equal(a.dlen, 5);
	assert_true(a.flags & HZ_TCP_PSH);
	advance(w, HZ_MSEC(100));
	no_out(w);
	/* Duplicate data is ACKed at once. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 5015, iss + 6, 8000, "ef", 2), HZ_ERR_BAD_STATE);
	a = next_out(w);
	assert_int_equal(a.ack, 5017);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_OUT_OF_WINDOW], 1);
	/* Partly old: the new part is taken, the ACK is immediate. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 5016, iss + 6, 8000, "fg", 2), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 5018);
	char buf[32];
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 17);
	assert_memory_equal(buf, "0123456789abcdefg", 17);
}

/* Sequence numbers of both directions cross 2^32 during the transfer. */
static void test_sequence_wraparound(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct hz_tcp_endpoint le = { .addr = w->ip.local, .port = SPORT };
	struct hz_tcp_endpoint re = { .addr = hz_ipaddr_v4(PEER), .port = PPORT };
	/* Choose `now` so that our ISN is 0xffffe000 (RFC 6528: M + F). */
	uint32_t f = hz_tcp_isn(&w->tcp, &le, &re, 0);
	w->now = HZ_SEC(1000) * 4 + 4ull * (uint32_t)(0xffffe000u - f - (uint32_t)(HZ_SEC(1000)));
	(void)hz_tcp_poll(&w->tcp, w->now);
	assert_int_equal(hz_tcp_isn(&w->tcp, &le, &re, w->now), 0xffffe000u);
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	assert_int_equal(syn.seq, 0xffffe000u);
	uint32_t prcv = 0xfffff000u; /* the peer's ISN */
	assert_int_equal(inject(w, HZ_TCP_SYN | HZ_TCP_ACK, prcv, syn.seq + 1, 8000, NULL, 0), HZ_OK);
	(void)next_out(w);
	uint32_t pnxt = prcv + 1;
	hz_tcp_conn_set_nodelay(c, true);
	static uint8_t out[20000], in[20000], got[20000];
	for (size_t i = 0; i < sizeof out; i++) {
		out[i] = (uint8_t)(i * 7 + 1);
		in[i] = (uint8_t)(i * 13 + 5);
	}
	size_t sent = 0, acked_to = 0, rcvd = 0, pin = 0;
	uint32_t una = syn.seq + 1;
	for (int round = 0; round < 1000 && (acked_to < sizeof out || rcvd < sizeof in); round++) {
		if (sent < sizeof out) {
			int n = hz_tcp_conn_send(c, out + sent, sizeof out - sent);
			assert_true(n >= 0);
			sent += (size_t)n;
		}
		/* The peer checks and ACKs what it got. */
		uint32_t hi = una;
		while (w->seen < w->ip.nout) {
			struct pkt d = next_out(w);
			if (d.dlen) {
				size_t off = d.seq - (syn.seq + 1);
				assert_true(off + d.dlen <= sizeof out);
				assert_memory_equal(d.data, out + off, d.dlen);
				if (hz_tcp_seq_gt(d.seq + (uint32_t)d.dlen, hi))
					hi = d.seq + (uint32_t)d.dlen;
			}
		}
		/* The peer sends a chunk of its own with the ACK. */
		size_t chunk = HZ_MIN((size_t)1000, sizeof in - pin);
		assert_int_equal(inject(w, HZ_TCP_ACK, pnxt, hi, 8000, in + pin, chunk), HZ_OK);
		pnxt += (uint32_t)chunk;
		pin += chunk;
		acked_to = hi - (syn.seq + 1);
		una = hi;
		int r = hz_tcp_conn_recv(c, got + rcvd, sizeof got - rcvd);
		if (r > 0)
			rcvd += (size_t)r;
	}
	assert_int_equal(acked_to, sizeof out);
	assert_int_equal(rcvd, sizeof in);
	assert_memory_equal(got, in, sizeof in);
	assert_true(hz_tcp_seq_lt(0xffffe000u, c->snd_una) && c->snd_una < 0x10000u);
	assert_true(c->rcv_nxt < 0x10000u);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.bytes_out, sizeof out);
	assert_int_equal(st.bytes_in, sizeof in);
	assert_int_equal(st.retransmits, 0);
	assert_int_equal(drops_total(&w->tcp), 0);
}

static void test_nagle(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 60000, &iss);
	assert_int_equal(hz_tcp_conn_send(c, "a", 1), 1);
	struct pkt d = next_out(w);
	assert_int_equal(d.dlen, 1);
	/* Unacknowledged data: small segments wait (RFC 9293 3.7.4). */
	assert_int_equal(hz_tcp_conn_send(c, "b", 1), 1);
	assert_int_equal(hz_tcp_conn_send(c, "c", 1), 1);
	no_out(w);
	/* The ACK releases them as one segment. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 2, 60000, NULL, 0), HZ_OK);
	d = next_out(w);
	assert_int_equal(d.seq, iss + 2);
	assert_int_equal(d.dlen, 2);
	assert_memory_equal(d.data, "bc", 2);
	/* A full segment goes at once even with data in flight. */
	uint8_t big[1460];
	memset(big, 'm', sizeof big);
	assert_int_equal(hz_tcp_conn_send(c, big, sizeof big), 1460);
	d = next_out(w);
	assert_int_equal(d.dlen, 1460);
	/* No-delay: small segments go at once. */
	hz_tcp_conn_set_nodelay(c, true);
	assert_int_equal(hz_tcp_conn_send(c, "d", 1), 1);
	d = next_out(w);
	assert_int_equal(d.dlen, 1);
	assert_int_equal(hz_tcp_conn_send(c, "e", 1), 1);
	d = next_out(w);
	assert_int_equal(d.dlen, 1);
}

/* RFC 6298: initial RTO 1 s, doubling, stopped by the ACK, then a sample. */
static void test_rto_backoff_and_sample(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 60000, &iss);
	assert_int_equal(hz_tcp_conn_send(c, "data", 4), 4);
	struct pkt d = next_out(w);
	hz_time_t t0 = w->now;
	assert_int_equal(hz_tcp_poll(&w->tcp, w->now), t0 + HZ_SEC(1));
	advance(w, HZ_SEC(1) - 1);
	no_out(w);
	advance(w, 1);
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, d.seq);
	assert_int_equal(r.dlen, 4);
	assert_memory_equal(r.data, "data", 4);
	assert_int_equal(hz_tcp_poll(&w->tcp, w->now), w->now + HZ_SEC(2));
	advance(w, HZ_SEC(2));
	r = next_out(w);
	assert_int_equal(r.seq, d.seq);
	advance(w, HZ_SEC(4));
	(void)next_out(w);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.timeouts, 3);
	assert_int_equal(st.retransmits, 3);
	assert_int_equal(st.rto, HZ_SEC(8));
	assert_int_equal(st.cwnd, 1460); /* loss window: one segment */
	/* ACK: timer stops; no sample from a retransmitted segment (Karn). */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 5, 60000, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_poll(&w->tcp, w->now), HZ_TIME_NEVER);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.srtt, 0);
	/* A fresh segment acked after 50 ms: srtt 50, rttvar 25,
	 * RTO = max(200, 50 + 4*25) = 200 ms. */
	assert_int_equal(hz_tcp_conn_send(c, "more", 4), 4);
	(void)next_out(w);
	w->now += HZ_MSEC(50);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 9, 60000, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.srtt, 50000);
	assert_int_equal(st.rttvar, 25000);
	assert_int_equal(st.rto, 200000);
	/* Second sample of 130 ms: rttvar = 3/4*25 + 1/4*80 = 38.75,
	 * srtt = 7/8*50 + 1/8*130 = 60; RTO = 60 + 155 = 215 ms. */
	assert_int_equal(hz_tcp_conn_send(c, "again", 5), 5);
	(void)next_out(w);
	w->now += HZ_MSEC(130);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 14, 60000, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.srtt, 60000);
	assert_int_equal(st.rttvar, 38750);
	assert_int_equal(st.rto, 215000);
}

static void test_data_retries_give_up(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.data_retries = 3;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 60000, &iss);
	assert_int_equal(hz_tcp_conn_send(c, "x", 1), 1);
	(void)next_out(w);
	for (int i = 0; i < 3; i++) {
		advance(w, HZ_SEC(1) << i);
		(void)next_out(w);
	}
	w->events = 0;
	/* An ICMP soft error on the way is what the timeout reports. */
	uint8_t quote[8];
	memcpy(quote, w->ip.out[w->seen - 1].b, 8);
	struct hz_ip_err e = { .kind = HZ_IP_ERR_HOST_UNREACH, .type = 3, .code = 1, .proto = 6,
	                       .src = w->ip.local, .dst = hz_ipaddr_v4(PEER), .quote = quote,
	                       .quote_len = 8, .now = w->now };
	hz_tcp_icmp_input(&w->tcp, &e);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	advance(w, HZ_SEC(8));
	no_out(w);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_CLOSED);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_UNREACHABLE);
	assert_true(w->events & HZ_TCP_EV_CLOSED);
}

static void test_syn_retransmit_and_timeout(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.syn_retries = 2;
	world_init_cfg(w, SELF, &cfg);
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	advance(w, HZ_SEC(1));
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_SYN);
	assert_int_equal(r.seq, syn.seq);
	advance(w, HZ_SEC(2) - 1);
	no_out(w);
	advance(w, 1);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_SYN);
	w->events = 0;
	advance(w, HZ_SEC(4));
	no_out(w);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_CLOSED);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_TIMEOUT);
	assert_true(w->events & HZ_TCP_EV_ERROR);
	/* After a lost SYN: initial window one segment (RFC 5681 3.1) and
	 * RTO 3 s without a sample (RFC 6298 5.7). */
	world_init_cfg(w, SELF, &cfg);
	c = connect_to_peer(w, &syn);
	advance(w, HZ_SEC(1));
	(void)next_out(w);
	assert_int_equal(inject(w, HZ_TCP_SYN | HZ_TCP_ACK, 1, syn.seq + 1, 60000, NULL, 0), HZ_OK);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.cwnd, 536);
	assert_int_equal(st.rto, HZ_SEC(3));
}

static void test_passive_synack_retransmit(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	assert_int_equal(inject(w, HZ_TCP_SYN, 10, 0, 1000, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	/* The peer's SYN again: the SYN-ACK again, no new connection. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 10, 0, 1000, NULL, 0), HZ_OK);
	struct pkt sa2 = next_out(w);
	assert_int_equal(sa2.seq, sa.seq);
	assert_int_equal(sa2.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(l->pending, 1);
	/* Timer: SYN-ACK again after 1 s. */
	advance(w, HZ_SEC(1));
	sa2 = next_out(w);
	assert_int_equal(sa2.seq, sa.seq);
	/* An unacceptable ACK in SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST>. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 11, sa.seq + 50, 1000, NULL, 0), HZ_ERR_BAD_STATE);
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, sa.seq + 50);
	/* A different SYN in SYN-RECEIVED of a passive open: back to LISTEN. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 11, 0, 1000, NULL, 0), HZ_ERR_BAD_STATE);
	assert_int_equal(l->pending, 0);
	/* Give up after syn_retries: the half-open slot is freed silently. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 99, 0, 1000, NULL, 0), HZ_OK);
	(void)next_out(w);
	for (int i = 0; i < 6; i++) {
		advance(w, HZ_SEC(1) << i);
		(void)next_out(w);
	}
	advance(w, HZ_SEC(64));
	no_out(w);
	assert_int_equal(l->pending, 0);
}

static void test_out_of_order_and_sack(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.sack = true;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	const uint8_t sp[4] = { 1, 1, 4, 2 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 0, 0, 8000, sp, 4, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	assert_non_null(opt_find(&sa, 4));
	uint32_t iss = sa.seq;
	assert_int_equal(inject(w, HZ_TCP_ACK, 1, iss + 1, 8000, NULL, 0), HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	/* Bytes 1..100 "A", 101..200 "B", 201..300 "C". Send C, then B. */
	uint8_t A[100], B[100], C[100];
	memset(A, 'A', 100);
	memset(B, 'B', 100);
	memset(C, 'C', 100);
	assert_int_equal(inject(w, HZ_TCP_ACK, 201, iss + 1, 8000, C, 100), HZ_OK);
	struct pkt a = next_out(w); /* immediate duplicate ACK with SACK */
	assert_int_equal(a.ack, 1);
	const uint8_t *o = opt_find(&a, 5);
	assert_non_null(o);
	assert_int_equal(o[1], 10);
	assert_int_equal(get32(o + 2), 201);
	assert_int_equal(get32(o + 6), 301);
	/* Data beyond a second gap: a second block, the newest first. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 401, iss + 1, 8000, A, 50), HZ_OK);
	a = next_out(w);
	o = opt_find(&a, 5);
	assert_non_null(o);
	assert_int_equal(o[1], 18);
	assert_int_equal(get32(o + 2), 401);
	assert_int_equal(get32(o + 6), 451);
	assert_int_equal(get32(o + 10), 201);
	assert_int_equal(get32(o + 14), 301);
	assert_int_equal(inject(w, HZ_TCP_ACK, 101, iss + 1, 8000, B, 100), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 1);
	o = opt_find(&a, 5);
	assert_int_equal(get32(o + 2), 101); /* merged with 201..301 */
	assert_int_equal(get32(o + 6), 301);
	char buf[400];
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), HZ_ERR_WOULD_BLOCK);
	/* The gap fills: everything up to 301 becomes readable, ACK at once. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 1, iss + 1, 8000, A, 100), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 301);
	o = opt_find(&a, 5);
	assert_non_null(o);
	assert_int_equal(o[1], 10);
	assert_int_equal(get32(o + 2), 401);
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 300);
	assert_memory_equal(buf, A, 100);
	assert_memory_equal(buf + 100, B, 100);
	assert_memory_equal(buf + 200, C, 100);
	/* A FIN beyond the last gap waits for it. */
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_FIN, 451, iss + 1, 8000, C, 10), HZ_OK);
	(void)next_out(w);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	assert_int_equal(inject(w, HZ_TCP_ACK, 301, iss + 1, 8000, B, 100), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 462);
	assert_null(opt_find(&a, 5));
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_CLOSE_WAIT);
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 160);
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 0);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.ooo_segs_in, 4);
	assert_int_equal(st.bytes_in, 460);
}

/* RFC 6691: a full data segment that also carries SACK blocks still fits
 * the path. Found over a reordering link: segments sized for timestamps
 * alone came out 1512 bytes on a 1500-byte MTU and were refused. */
static void test_sack_blocks_fit_mss(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.sack = true;
	cfg.timestamps = true;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	/* SYN: MSS 1460, SACK-permitted, timestamps (NOP-padded). */
	uint8_t syn[20] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 1, 8, 10 };
	put32(syn + 12, 1000); /* TSval */
	put32(syn + 16, 0);    /* TSecr */
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 0, 0, 65535, syn, 20, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	const uint8_t *ts = opt_find(&sa, 8);
	assert_non_null(ts);
	uint32_t our_ts = get32(ts + 2), iss = sa.seq;
	uint8_t tso[12] = { 1, 1, 8, 10 };
	put32(tso + 4, 1001);
	put32(tso + 8, our_ts);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 1, iss + 1, 65535, tso, 12, NULL, 0),
	                 HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	hz_tcp_conn_set_nodelay(c, true);
	/* Out-of-order data from the peer: we now hold a SACK block. */
	uint8_t d[100];
	memset(d, 'x', sizeof d);
	put32(tso + 4, 1002);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 1001, iss + 1, 65535, tso, 12, d, 100),
	                 HZ_OK);
	struct pkt dup = next_out(w);
	assert_non_null(opt_find(&dup, 5));
	/* Now send: every segment fits mtu (1480 of TCP) and keeps its SACK. */
	static uint8_t out[3000];
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (uint8_t)i;
	assert_int_equal(hz_tcp_conn_send(c, out, sizeof out), (int)sizeof out);
	size_t total = 0;
	while (w->seen < w->ip.nout) {
		const struct cap *cp = &w->ip.out[w->seen];
		struct pkt p = next_out(w);
		assert_true(cp->len <= w->ip.mtu);
		assert_non_null(opt_find(&p, 5));
		assert_memory_equal(p.data, out + total, p.dlen);
		total += p.dlen;
	}
	assert_int_equal(total, sizeof out);
}

static void test_zero_window_persist(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 0, &iss);
	/* The peer's window is 0: nothing is sent, the persist timer runs. */
	assert_int_equal(hz_tcp_conn_send(c, "abc", 3), 3);
	no_out(w);
	assert_int_equal(hz_tcp_poll(&w->tcp, w->now), w->now + HZ_SEC(1));
	advance(w, HZ_SEC(1));
	struct pkt p = next_out(w);
	assert_int_equal(p.seq, iss); /* SND.UNA - 1: elicits an ACK */
	assert_int_equal(p.dlen, 0);
	assert_int_equal(p.flags, HZ_TCP_ACK);
	/* Still zero: the next probe backs off to 2 s. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 1, 0, NULL, 0), HZ_OK);
	no_out(w);
	advance(w, HZ_SEC(2) - 1);
	no_out(w);
	advance(w, 1);
	(void)next_out(w);
	/* The window opens: the data goes. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 1, 100, NULL, 0), HZ_OK);
	p = next_out(w);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.dlen, 3);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_OUT_OF_WINDOW], 0);
}

static void test_receive_window_full_and_update(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 8000, &iss);
	static uint8_t blk[1000];
	memset(blk, 'r', sizeof blk);
	uint32_t seq = 2;
	for (int i = 0; i < 8; i++) {
		assert_int_equal(inject(w, HZ_TCP_ACK, seq, iss + 1, 8000, blk, 1000), HZ_OK);
		seq += 1000;
	}
	/* 8000 of 8192 used. More than the window is trimmed: 192 taken. */
	assert_int_equal(inject(w, HZ_TCP_ACK, seq, iss + 1, 8000, blk, 1000), HZ_OK);
	struct pkt a;
	while (w->seen < w->ip.nout)
		a = next_out(w);
	assert_int_equal(a.ack, 2 + RCVCAP);
	assert_int_equal(a.wnd, 0);
	/* A zero-window probe gets an ACK with window 0 (data trimmed). */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2 + RCVCAP, iss + 1, 8000, blk, 1), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, 2 + RCVCAP);
	assert_int_equal(a.wnd, 0);
	/* Reading a little: below SWS threshold, no update. */
	uint8_t buf[8192];
	assert_int_equal(hz_tcp_conn_recv(c, buf, 100), 100);
	no_out(w);
	/* Reading an MSS worth: window update. */
	assert_int_equal(hz_tcp_conn_recv(c, buf, 2000), 2000);
	a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.wnd, 2100);
	/* Zero-copy peek/consume. */
	const uint8_t *p;
	size_t n = hz_tcp_conn_peek(c, &p);
	assert_true(n > 0);
	assert_int_equal(p[0], 'r');
	hz_tcp_conn_consume(c, n);
	assert_int_equal(hz_tcp_ring_len(&c->rcv), RCVCAP - 2100 - n);
}

/* A retransmission from SND.UNA may fill its segment with bytes never
 * sent only as far as the peer's window allows (found by the fuzzer:
 * after a timeout, 100 bytes in flight and a window of 100 became a
 * full segment of 1460). */
static void test_rexmit_respects_window_for_new_bytes(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 100, &iss);
	hz_tcp_conn_set_nodelay(c, true);
	static uint8_t data[2100];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(hz_tcp_conn_send(c, data, 100), 100);
	struct pkt d = next_out(w);
	assert_int_equal(d.dlen, 100);
	assert_int_equal(hz_tcp_conn_send(c, data + 100, 2000), 2000);
	no_out(w); /* the window is full */
	advance(w, HZ_SEC(1));
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, iss + 1);
	assert_int_equal(r.dlen, 100);
	assert_memory_equal(r.data, data, 100);
	no_out(w);
	/* The window opens with the ACK: the rest follows. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 101, 4000, NULL, 0), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.seq, iss + 101);
}

/* RFC 5681 3.2 and RFC 6582: three duplicate ACKs, partial and full ACK. */
static void test_fast_retransmit_newreno(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 60000, &iss);
	static uint8_t data[1460 * 5];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	assert_int_equal(hz_tcp_conn_send(c, data, sizeof data), (int)sizeof data);
	for (int i = 0; i < 5; i++) {
		struct pkt d = next_out(w);
		assert_int_equal(d.seq, iss + 1 + 1460u * (uint32_t)i);
	}
	no_out(w);
	uint32_t s1 = iss + 1 + 1460, s3 = iss + 1 + 3 * 1460;
	/* Segment 0 acked; 1 is lost; 2, 3, 4 arrive: three dup ACKs. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	no_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, s1);
	assert_int_equal(r.dlen, 1460);
	assert_memory_equal(r.data, data + 1460, 1460);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.fast_retransmits, 1);
	/* flight 4 segments: ssthresh = max(2 MSS, flight/2) = 2 MSS;
	 * cwnd = ssthresh + 3 MSS. */
	assert_int_equal(st.ssthresh, 2 * 1460);
	assert_int_equal(st.cwnd, 5 * 1460);
	/* A fourth duplicate inflates cwnd by one MSS. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.cwnd, 6 * 1460);
	no_out(w);
	/* Partial ACK (up to segment 3, lost too): resend it at once. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s3, 60000, NULL, 0), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.seq, s3);
	/* Full ACK: out of recovery, cwnd = min(ssthresh, flight + MSS). */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 1 + sizeof data, 60000, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.cwnd, 1460 * 2);
	assert_false(c->flags & HZ_TCP_CF_RECOVERY);
	assert_int_equal(st.retransmits, 2);
	assert_int_equal(st.bytes_out, sizeof data);
}

/* ------------------------------------------------------------------ */
/* SACK loss recovery (RFC 6675)                                       */
/* ------------------------------------------------------------------ */

/* An established passive connection that agreed SACK (no timestamps, so
 * a data segment carries 1460 bytes). */
static struct hz_tcp_conn *establish_sack(struct world *w, unsigned cc, uint16_t wnd, uint32_t *iss)
{
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.sack = true;
	cfg.cc = (uint8_t)cc;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	/* MSS 1460, NOP, NOP, SACK-permitted. */
	const uint8_t syn[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 1, 0, wnd, syn, 8, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	assert_non_null(opt_find(&sa, 4));
	*iss = sa.seq;
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, sa.seq + 1, wnd, NULL, 0), HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	hz_tcp_conn_set_event(c, on_event, w);
	assert_true(c->flags & HZ_TCP_CF_SACK);
	/* Room for a window of 14 segments. */
	static uint8_t snd[32768], rcv[RCVCAP];
	assert_int_equal(hz_tcp_conn_set_buffers(c, snd, sizeof snd, rcv, sizeof rcv), HZ_OK);
	return c;
}

/* A peer ACK carrying n SACK blocks (RFC 2018 3: NOP, NOP, kind 5,
 * length 2 + 8n, then left/right edge pairs). */
static int inject_sack(struct world *w, uint32_t ack, uint16_t wnd, unsigned n, const uint32_t *edges)
{
	uint8_t o[4 + 32];
	o[0] = 1;
	o[1] = 1;
	o[2] = 5;
	o[3] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < 2 * n; i++)
		put32(o + 4 + 4 * i, edges[i]);
	return inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 2, ack, wnd, o, 4 + 8 * n, NULL, 0);
}

/* Ten segments, three lost (1, 4, 7): every hole is resent in the round
 * trip after the losses, no timeout (RFC 6675 5 and NextSeg rules 1, 3,
 * 4), and NewReno's ssthresh = FlightSize / 2 = cwnd at entry. */
static void test_sack_multiple_losses_one_rtt(void **state)
{
	(void)state;
	struct world *w = &W;
	uint32_t iss;
	struct hz_tcp_conn *c = establish_sack(w, HZ_TCP_CC_NEWRENO, 60000, &iss);
	static uint8_t data[1460 * 10];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	assert_int_equal(hz_tcp_conn_send(c, data, sizeof data), (int)sizeof data);
	uint32_t s[11];
	for (int i = 0; i <= 10; i++)
		s[i] = iss + 1 + 1460u * (uint32_t)i;
	for (int i = 0; i < 10; i++) {
		struct pkt d = next_out(w);
		assert_int_equal(d.seq, s[i]);
		assert_int_equal(d.dlen, 1460);
	}
	no_out(w);
	/* S0 arrives: cumulative ACK. S2, S3, S5: three SACK duplicates. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[1], 60000, NULL, 0), HZ_OK);
	uint32_t e1[2] = { s[2], s[3] };
	assert_int_equal(inject_sack(w, s[1], 60000, 1, e1), HZ_OK);
	uint32_t e2[2] = { s[2], s[4] };
	assert_int_equal(inject_sack(w, s[1], 60000, 1, e2), HZ_OK);
	no_out(w); /* 2 duplicates, 2 MSS SACKed: not yet (IsLost needs more) */
	assert_int_equal(c->dupacks, 2);
	uint32_t e3[4] = { s[5], s[6], s[2], s[4] };
	assert_int_equal(inject_sack(w, s[1], 60000, 2, e3), HZ_OK);
	/* Third duplicate: S1 resent; cwnd = ssthresh = 9 segments / 2. */
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, s[1]);
	assert_int_equal(r.dlen, 1460);
	assert_memory_equal(r.data, data + 1460, 1460);
	no_out(w); /* pipe: S1 again + S4 (not lost yet) + S6..S9 = 6 MSS > cwnd */
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.ssthresh, 9 * 1460 / 2);
	assert_int_equal(st.cwnd, 9 * 1460 / 2);
	assert_int_equal(st.sack_recoveries, 1);
	assert_true(c->flags & HZ_TCP_CF_RECOVERY);
	/* S6 arrives: S4 has 2 MSS SACKed above: not lost, nothing sent. */
	uint32_t e4[4] = { s[5], s[7], s[2], s[4] };
	assert_int_equal(inject_sack(w, s[1], 60000, 2, e4), HZ_OK);
	no_out(w);
	/* S8: 3 MSS above S4: lost. pipe = S1 + S7 + S9 = 3 MSS, cwnd 4.5:
	 * S4 goes (rule 1), then pipe 4 MSS leaves no room. */
	uint32_t e5[6] = { s[8], s[9], s[5], s[7], s[2], s[4] };
	assert_int_equal(inject_sack(w, s[1], 60000, 3, e5), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.seq, s[4]);
	assert_memory_equal(r.data, data + 4 * 1460, 1460);
	no_out(w);
	/* S9: S7 is not lost by IsLost (2 MSS above) but S9 was the last
	 * segment: pipe = S1 + S4 + S7 = 3 MSS, rule 3 resends S7. */
	uint32_t e6[6] = { s[8], s[10], s[5], s[7], s[2], s[4] };
	assert_int_equal(inject_sack(w, s[1], 60000, 3, e6), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.seq, s[7]);
	assert_memory_equal(r.data, data + 7 * 1460, 1460);
	no_out(w);
	/* The resent S1 arrives: ACK to S4. The highest unSACKed byte (in
	 * S7) was resent already: no rescue retransmission. */
	uint32_t e7[4] = { s[5], s[7], s[8], s[10] };
	assert_int_equal(inject_sack(w, s[4], 60000, 2, e7), HZ_OK);
	no_out(w);
	uint32_t e8[2] = { s[8], s[10] };
	assert_int_equal(inject_sack(w, s[7], 60000, 1, e8), HZ_OK);
	no_out(w);
	/* S7 arrives: ACK of RecoveryPoint ends recovery, cwnd = ssthresh. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[10], 60000, NULL, 0), HZ_OK);
	assert_false(c->flags & HZ_TCP_CF_RECOVERY);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.cwnd, 9 * 1460 / 2);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.retransmits, 3);
	assert_int_equal(st.fast_retransmits, 1);
	assert_int_equal(st.bytes_out, sizeof data);
	assert_int_equal(c->nscore, 0);
	assert_int_equal(hz_tcp_poll(&w->tcp, w->now), HZ_TIME_NEVER);
}

/* RFC 6675 NextSeg rule 4: the first and the last segment lost. The
 * last one is never reported by a duplicate ACK; once the cumulative ACK
 * passes RescueRxt it is resent (once) instead of waiting for the RTO. */
static void test_sack_rescue_tail(void **state)
{
	(void)state;
	struct world *w = &W;
	uint32_t iss;
	struct hz_tcp_conn *c = establish_sack(w, HZ_TCP_CC_NEWRENO, 60000, &iss);
	static uint8_t data[1460 * 6];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 5);
	assert_int_equal(hz_tcp_conn_send(c, data, sizeof data), (int)sizeof data);
	uint32_t s[7];
	for (int i = 0; i <= 6; i++)
		s[i] = iss + 1 + 1460u * (uint32_t)i;
	for (int i = 0; i < 6; i++)
		(void)next_out(w);
	/* S0 and S5 lost; S1..S4 SACKed one by one. */
	for (int i = 2; i <= 3; i++) {
		uint32_t e[2] = { s[1], s[i] };
		assert_int_equal(inject_sack(w, s[0], 60000, 1, e), HZ_OK);
		no_out(w);
	}
	uint32_t e3[2] = { s[1], s[4] };
	assert_int_equal(inject_sack(w, s[0], 60000, 1, e3), HZ_OK);
	struct pkt r = next_out(w); /* S0 again; cwnd = ssthresh = 3 MSS */
	assert_int_equal(r.seq, s[0]);
	no_out(w); /* pipe: S0 again + S4 + S5 = 3 MSS */
	uint32_t e4[2] = { s[1], s[5] };
	assert_int_equal(inject_sack(w, s[0], 60000, 1, e4), HZ_OK);
	no_out(w); /* pipe 2 MSS; rule 4 waits for HighACK > RescueRxt */
	/* The resent S0 arrives: ACK to S5. Rule 4 resends S5. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[5], 60000, NULL, 0), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.seq, s[5]);
	assert_int_equal(r.dlen, 1460);
	assert_memory_equal(r.data, data + 5 * 1460, 1460);
	no_out(w);
	/* Once only: a duplicate of that ACK sends nothing more. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[5], 60000, NULL, 0), HZ_OK);
	no_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[6], 60000, NULL, 0), HZ_OK);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.retransmits, 2);
	assert_false(c->flags & HZ_TCP_CF_RECOVERY);
}

/* One ACK SACKing more than 2 MSS above SND.UNA enters recovery at once
 * (RFC 6675 5 step 2: IsLost(HighACK + 1)); then the receiver reneges
 * (drops what it SACKed): only the timeout recovers, and it must resend
 * the SACKed bytes too (RFC 2018 8: the scoreboard is cleared). */
static void test_sack_islost_entry_and_reneging(void **state)
{
	(void)state;
	struct world *w = &W;
	uint32_t iss;
	struct hz_tcp_conn *c = establish_sack(w, HZ_TCP_CC_NEWRENO, 60000, &iss);
	static uint8_t data[1460 * 5];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13);
	assert_int_equal(hz_tcp_conn_send(c, data, sizeof data), (int)sizeof data);
	uint32_t s[6];
	for (int i = 0; i <= 5; i++)
		s[i] = iss + 1 + 1460u * (uint32_t)i;
	for (int i = 0; i < 5; i++)
		(void)next_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[1], 60000, NULL, 0), HZ_OK);
	/* Bogus blocks are ignored: past SND.MAX, inverted, below SND.UNA. */
	uint32_t bad[6] = { s[4], s[5] + 1, s[3], s[2], iss - 100, s[1] };
	assert_int_equal(inject_sack(w, s[1], 60000, 3, bad), HZ_OK);
	assert_int_equal(c->nscore, 0);
	assert_int_equal(c->dupacks, 0);
	no_out(w);
	uint32_t e[2] = { s[2], s[5] };
	assert_int_equal(inject_sack(w, s[1], 60000, 1, e), HZ_OK);
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, s[1]);
	assert_int_equal(c->dupacks, 1);
	assert_true(c->flags & HZ_TCP_CF_RECOVERY);
	no_out(w);
	/* Reneging: S1 is acknowledged but S2..S4 are no longer SACKed. The
	 * scoreboard still says they arrived: nothing is resent. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[2], 60000, NULL, 0), HZ_OK);
	no_out(w);
	assert_int_equal(c->nscore, 1);
	/* The timeout: the scoreboard is forgotten and S2 goes again. */
	advance(w, HZ_SEC(1));
	r = next_out(w);
	assert_int_equal(r.seq, s[2]);
	assert_int_equal(r.dlen, 1460);
	assert_memory_equal(r.data, data + 2 * 1460, 1460);
	assert_int_equal(c->nscore, 0);
	assert_false(c->flags & HZ_TCP_CF_RECOVERY);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.cwnd, 1460);
	/* Go-back-N from there: each ACK releases the next segments. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[3], 60000, NULL, 0), HZ_OK);
	r = next_out(w);
	assert_int_equal(r.seq, s[3]);
	r = next_out(w);
	assert_int_equal(r.seq, s[4]);
	no_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[5], 60000, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.bytes_out, sizeof data);
}

/* CUBIC with SACK: ssthresh = cwnd = 0.7 cwnd at entry (RFC 9438 4.6,
 * no 3-MSS inflation as in NewReno's fast recovery), W_max the old
 * cwnd; new data goes during recovery when pipe leaves room and the
 * peer's window allows, even beyond SND.UNA + cwnd (RFC 6675 NextSeg
 * rule 2). */
static void test_sack_cubic_new_data_in_recovery(void **state)
{
	(void)state;
	struct world *w = &W;
	uint32_t iss;
	struct hz_tcp_conn *c = establish_sack(w, HZ_TCP_CC_CUBIC, 65535, &iss);
	hz_tcp_conn_set_nodelay(c, true);
	static uint8_t data[1460 * 14];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 3 + 1);
	assert_int_equal(hz_tcp_conn_send(c, data, sizeof data), (int)sizeof data);
	uint32_t s[15];
	for (int i = 0; i <= 14; i++)
		s[i] = iss + 1 + 1460u * (uint32_t)i;
	for (int i = 0; i < 10; i++)
		(void)next_out(w);
	no_out(w); /* initial window 10 */
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	uint32_t cw = st.cwnd;
	assert_int_equal(cw, 14600);
	/* S0 lost; S1..S9 SACKed in one ACK. */
	uint32_t e[2] = { s[1], s[10] };
	assert_int_equal(inject_sack(w, s[0], 65535, 1, e), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.ssthresh, cw * 7 / 10);
	assert_int_equal(st.cwnd, cw * 7 / 10);
	assert_int_equal(c->cubic_wmax, cw);
	/* S0 again; pipe = 1 MSS, cwnd 10220 (7 MSS): room for 6 new
	 * segments, up to 14 MSS past SND.UNA; the data runs out after 4. */
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, s[0]);
	for (int i = 10; i < 14; i++) {
		r = next_out(w);
		assert_int_equal(r.seq, s[i]);
		assert_memory_equal(r.data, data + 1460 * i, 1460);
	}
	no_out(w); /* the data ran out at S13 */
	assert_int_equal(c->snd_max, s[14]);
	/* The full ACK ends recovery at cwnd = ssthresh. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s[14], 65535, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	assert_false(c->flags & HZ_TCP_CF_RECOVERY);
	assert_int_equal(st.cwnd, cw * 7 / 10);
	assert_int_equal(st.retransmits, 1);
}

/* The scoreboard helpers against hand-computed RFC 6675 values. */
static void test_sack_scoreboard(void **state)
{
	(void)state;
	static struct hz_tcp_conn c;
	memset(&c, 0, sizeof c);
	c.snd_una = 0xfffff000u; /* across 2^32 */
	c.snd_max = c.snd_una + 10000;
	uint32_t u = c.snd_una;
	struct hz_tcp_opts o;
	memset(&o, 0, sizeof o);
	o.present = HZ_TCP_OPTF_SACK;
	o.nsack = 2;
	o.sack[0] = (struct hz_tcp_sack_block){ u + 2000, u + 3000 };
	o.sack[1] = (struct hz_tcp_sack_block){ u + 5000, u + 6000 };
	assert_int_equal(hz_tcp_score_update(&c, &o), 2000);
	assert_int_equal(c.nscore, 2);
	assert_int_equal(c.score[0].left, u + 2000); /* ascending */
	/* Overlap and adjacency merge; only new bytes count. */
	o.nsack = 1;
	o.sack[0] = (struct hz_tcp_sack_block){ u + 2500, u + 5000 };
	assert_int_equal(hz_tcp_score_update(&c, &o), 2000);
	assert_int_equal(c.nscore, 1);
	assert_int_equal(c.score[0].left, u + 2000);
	assert_int_equal(c.score[0].right, u + 6000);
	/* IsLost with SMSS 1000: > 2000 bytes above. */
	assert_true(hz_tcp_score_lost(&c, u, 1000));
	assert_true(hz_tcp_score_lost(&c, u + 1999, 1000));
	assert_false(hz_tcp_score_lost(&c, u + 3999, 1000)); /* exactly 2000 above */
	assert_false(hz_tcp_score_lost(&c, u + 6000, 1000));
	/* ... or three ranges above. */
	o.nsack = 3;
	o.sack[0] = (struct hz_tcp_sack_block){ u + 7000, u + 7100 };
	o.sack[1] = (struct hz_tcp_sack_block){ u + 8000, u + 8100 };
	o.sack[2] = (struct hz_tcp_sack_block){ u + 9000, u + 9100 };
	assert_int_equal(hz_tcp_score_update(&c, &o), 300);
	assert_true(hz_tcp_score_lost(&c, u + 6500, 1000));
	assert_false(hz_tcp_score_lost(&c, u + 7500, 1000));
	/* SetPipe outside recovery: holes not lost count once.
	 * [0,2000) lost, [6000,7000) lost (3 ranges above), [7100,8000),
	 * [8100,9000) and [9100,10000) not: 900 * 3. */
	assert_int_equal(hz_tcp_score_pipe(&c, 1000), 2700);
	/* In recovery with HighRxt at 1000: the resent bytes count too. */
	c.flags = HZ_TCP_CF_RECOVERY;
	c.high_rxt = u + 1000;
	assert_int_equal(hz_tcp_score_pipe(&c, 1000), 3700);
	/* NextSeg: the lost hole above HighRxt first, at most SMSS. */
	uint32_t seq, len;
	assert_true(hz_tcp_score_hole(&c, 1000, &seq, &len));
	assert_int_equal(seq, u + 1000);
	assert_int_equal(len, 1000);
	c.high_rxt = u + 2000;
	assert_true(hz_tcp_score_hole(&c, 1000, &seq, &len));
	assert_int_equal(seq, u + 6000);
	c.high_rxt = u + 7000;
	/* No lost hole left: rule 3, the next hole below the highest SACK. */
	assert_true(hz_tcp_score_hole(&c, 1000, &seq, &len));
	assert_int_equal(seq, u + 7100);
	assert_int_equal(len, 900);
	c.high_rxt = u + 9000;
	assert_false(hz_tcp_score_hole(&c, 1000, &seq, &len));
	/* Pruning after a cumulative ACK into the first range. */
	c.snd_una = u + 2500;
	hz_tcp_score_prune(&c);
	assert_int_equal(c.score[0].left, u + 2500);
	c.snd_una = u + 7100;
	hz_tcp_score_prune(&c);
	assert_int_equal(c.nscore, 2);
	assert_int_equal(c.score[0].left, u + 8000);
	/* Bounded: more ranges than HZ_TCP_SCORE_MAX keep the lowest. */
	memset(&c, 0, sizeof c);
	c.snd_una = 0;
	c.snd_max = 100000;
	o.nsack = 1;
	for (uint32_t i = 0; i < HZ_TCP_SCORE_MAX + 3; i++) {
		o.sack[0] = (struct hz_tcp_sack_block){ 90000 - i * 1000, 90000 - i * 1000 + 10 };
		(void)hz_tcp_score_update(&c, &o);
	}
	assert_int_equal(c.nscore, HZ_TCP_SCORE_MAX);
	assert_int_equal(c.score[0].left, 90000 - (HZ_TCP_SCORE_MAX + 2) * 1000);
	assert_int_equal(c.score[HZ_TCP_SCORE_MAX - 1].left, 90000 - 3 * 1000);
}

/* ------------------------------------------------------------------ */
/* Closing, aborting, errors                                           */
/* ------------------------------------------------------------------ */

static void test_close_variants(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	/* SYN-SENT: close frees without RST. */
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	hz_tcp_conn_close(c);
	no_out(w);
	assert_int_equal(c->state, HZ_TCP_CLOSED);
	assert_int_equal(c->flags, 0);
	/* Abort when established: <SEQ=SND.NXT><CTL=RST>. */
	uint32_t iss;
	c = establish_passive(w, 1, 1000, &iss);
	assert_int_equal(hz_tcp_conn_send(c, "abc", 3), 3);
	(void)next_out(w);
	hz_tcp_conn_abort(c);
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, iss + 4);
	assert_int_equal(c->state, HZ_TCP_CLOSED);
	/* Close with unread data: RST (RFC 2525 2.17). */
	hz_tcp_listener_close(&w->ls[0]);
	c = establish_passive(w, 1, 1000, &iss);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 1, 1000, "zz", 2), HZ_OK);
	hz_tcp_conn_close(c);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	/* Data after close: RST and the connection goes (RFC 1122 4.2.2.13). */
	hz_tcp_listener_close(&w->ls[0]);
	c = establish_passive(w, 1, 1000, &iss);
	hz_tcp_conn_close(c);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_ACK | HZ_TCP_FIN);
	assert_int_equal(r.seq, iss + 1);
	assert_int_equal(c->state, HZ_TCP_FIN_WAIT_1);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 2, 1000, "late", 4), HZ_ERR_RESET);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, iss + 2);
	assert_int_equal(c->state, HZ_TCP_CLOSED);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_DATA_AFTER_CLOSE], 1);
	/* Orphaned FIN-WAIT-2 ends after fin_wait_2. */
	hz_tcp_listener_close(&w->ls[0]);
	c = establish_passive(w, 1, 1000, &iss);
	hz_tcp_conn_close(c);
	(void)next_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 2, 1000, NULL, 0), HZ_OK);
	assert_int_equal(c->state, HZ_TCP_FIN_WAIT_2);
	advance(w, HZ_SEC(60));
	assert_int_equal(c->state, HZ_TCP_CLOSED);
}

static void test_time_wait_fin_again(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 1000, &iss);
	assert_int_equal(hz_tcp_conn_shutdown(c), HZ_OK);
	assert_int_equal(hz_tcp_conn_send(c, "no", 2), HZ_ERR_BAD_STATE);
	(void)next_out(w);
	/* FIN+ACK together: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT. */
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_FIN, 2, iss + 2, 1000, NULL, 0), HZ_OK);
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	struct pkt a = next_out(w);
	assert_int_equal(a.ack, 3);
	advance(w, HZ_SEC(30));
	/* The FIN again (our ACK was lost): ACK it, restart 2 MSL. */
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_FIN, 2, iss + 2, 1000, NULL, 0),
	                 HZ_ERR_BAD_STATE);
	a = next_out(w);
	assert_int_equal(a.ack, 3);
	advance(w, HZ_SEC(59));
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	advance(w, HZ_SEC(1));
	assert_int_equal(c->state, HZ_TCP_CLOSED);
	assert_int_equal(hz_tcp_conn_error(c), HZ_OK);
}

/* A server connection in TIME-WAIT (we closed first), released by the
 * application; peer ISN 1, so RCV.NXT = 3 after its FIN. */
static uint32_t server_time_wait(struct world *w, struct hz_tcp_conn **out)
{
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 1000, &iss);
	assert_int_equal(hz_tcp_conn_shutdown(c), HZ_OK);
	(void)next_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_FIN, 2, iss + 2, 1000, NULL, 0), HZ_OK);
	(void)next_out(w);
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	*out = c;
	return iss;
}

/* RFC 9293 3.10.7.4 / RFC 1122 4.2.2.13: a SYN above RCV.NXT reopens a
 * connection in TIME-WAIT, with an ISS above the old SND.NXT; one at or
 * below it is an old duplicate (challenge ACK, RFC 5961 4). Not while the
 * application still holds the connection. */
static void test_time_wait_reopen_by_seq(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct hz_tcp_conn *c;
	uint32_t iss = server_time_wait(w, &c);
	/* Still held by the application: the SYN is challenged. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 100000, 0, 1000, NULL, 0), HZ_ERR_BAD_STATE);
	struct pkt a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.ack, 3);
	hz_tcp_conn_close(c);
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	/* An old SYN (at RCV.NXT - 1): challenged, TIME-WAIT stays. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 2, 0, 1000, NULL, 0), HZ_ERR_BAD_STATE);
	a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.ack, 3);
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	assert_int_equal(w->tcp.tw_reopened, 0);
	/* A new incarnation: SEG.SEQ > RCV.NXT. */
	assert_int_equal(inject(w, HZ_TCP_SYN, 100000, 0, 1000, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.ack, 100001);
	assert_true(hz_tcp_seq_gt(sa.seq, iss + 2)); /* above the old SND.NXT */
	assert_int_equal(w->tcp.tw_reopened, 1);
	struct hz_tcp_conn *n = NULL;
	for (int i = 0; i < NCONN; i++)
		if (w->conns[i].state == HZ_TCP_SYN_RECEIVED)
			n = &w->conns[i];
	assert_non_null(n);
	assert_int_equal(n->irs, 100000);
	for (int i = 0; i < NCONN; i++)
		assert_int_not_equal(w->conns[i].state, HZ_TCP_TIME_WAIT);
	assert_int_equal(inject(w, HZ_TCP_ACK, 100001, sa.seq + 1, 1000, NULL, 0), HZ_OK);
	assert_int_equal(n->state, HZ_TCP_ESTABLISHED);
}

/* RFC 6191: with timestamps, a newer TSval reopens TIME-WAIT even when
 * the SYN's sequence number is lower; an older one does not. */
static void test_time_wait_reopen_by_timestamp(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.timestamps = true;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	uint8_t ts[12] = { 1, 1, 8, 10 };
	put32(ts + 4, 5000);
	put32(ts + 8, 0);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 1000, 0, 1000, ts, 12, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	uint32_t iss = sa.seq;
	put32(ts + 4, 5001);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 1001, iss + 1, 1000, ts, 12, NULL, 0),
	                 HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_true(c->flags & HZ_TCP_CF_TS);
	hz_tcp_conn_close(c); /* FIN-WAIT-1 */
	(void)next_out(w);
	put32(ts + 4, 5002);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK | HZ_TCP_FIN, 1001, iss + 2, 1000, ts,
	                             12, NULL, 0),
	                 HZ_OK);
	(void)next_out(w);
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	/* Older TSval, higher sequence: not a new incarnation (PAWS). */
	put32(ts + 4, 4000);
	(void)inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 90000, 0, 1000, ts, 12, NULL, 0);
	assert_int_equal(c->state, HZ_TCP_TIME_WAIT);
	assert_int_equal(w->tcp.tw_reopened, 0);
	while (w->seen < w->ip.nout)
		assert_false(next_out(w).flags & HZ_TCP_SYN);
	/* Newer TSval, sequence number below RCV.NXT: reopened. */
	put32(ts + 4, 6000);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 10, 0, 1000, ts, 12, NULL, 0), HZ_OK);
	sa = next_out(w);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.ack, 11);
	const uint8_t *o = opt_find(&sa, 8);
	assert_non_null(o);
	assert_int_equal(get32(o + 6), 6000);
	assert_int_equal(w->tcp.tw_reopened, 1);
}

static void test_icmp_errors(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct pkt syn;
	struct hz_tcp_conn *c = connect_to_peer(w, &syn);
	uint8_t quote[20];
	memcpy(quote, w->ip.out[0].b, 20);
	struct hz_ip_err e = { .kind = HZ_IP_ERR_HOST_UNREACH, .type = 3, .code = 1, .proto = 6,
	                       .src = w->ip.local, .dst = hz_ipaddr_v4(PEER), .quote = quote,
	                       .quote_len = 20, .now = w->now };
	/* Soft error while connecting: latched, not fatal (RFC 5461). */
	hz_tcp_icmp_input(&w->tcp, &e);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_SYN_SENT);
	assert_int_equal(c->soft_error, HZ_ERR_UNREACHABLE);
	/* Port unreachable while connecting: hard, refused. */
	e.kind = HZ_IP_ERR_PORT_UNREACH;
	e.code = 3;
	hz_tcp_icmp_input(&w->tcp, &e);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_CLOSED);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_REFUSED);
	/* Unknown flow and short quote: counted. */
	hz_tcp_icmp_input(&w->tcp, &e);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_ICMP_NO_CONN], 1);
	e.quote_len = 7;
	hz_tcp_icmp_input(&w->tcp, &e);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_ICMP_TRUNCATED], 1);
}

static void test_keepalive(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.keep_idle = HZ_SEC(10);
	cfg.keep_intvl = HZ_SEC(2);
	cfg.keep_count = 2;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 1000, &iss);
	hz_tcp_conn_set_keepalive(c, true);
	advance(w, HZ_SEC(10) - 1);
	no_out(w);
	advance(w, 1);
	struct pkt p = next_out(w);
	assert_int_equal(p.seq, iss); /* SND.UNA - 1, no data */
	assert_int_equal(p.dlen, 0);
	/* The peer answers: idle again from now. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 1, 1000, NULL, 0), HZ_OK);
	advance(w, HZ_SEC(9));
	no_out(w);
	advance(w, HZ_SEC(1));
	(void)next_out(w);
	advance(w, HZ_SEC(2));
	(void)next_out(w);
	advance(w, HZ_SEC(2));
	no_out(w);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_TIMEOUT);
}

static void test_paws(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.timestamps = true;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	uint8_t ts[12] = { 1, 1, 8, 10 };
	put32(ts + 4, 1000);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 1, 0, 8000, ts, 12, NULL, 0), HZ_OK);
	struct pkt sa = next_out(w);
	const uint8_t *o = opt_find(&sa, 8);
	assert_non_null(o);
	assert_int_equal(get32(o + 6), 1000);
	uint32_t iss = sa.seq;
	put32(ts + 4, 1001);
	put32(ts + 8, get32(o + 2));
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 2, iss + 1, 8000, ts, 12, "a", 1),
	                 HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(c->ts_recent, 1001);
	/* An older TSval: dropped, ACKed (RFC 7323 5.3). */
	put32(ts + 4, 990);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 3, iss + 1, 8000, ts, 12, "b", 1),
	                 HZ_ERR_BAD_STATE);
	struct pkt a = next_out(w);
	assert_int_equal(a.ack, 3);
	o = opt_find(&a, 8);
	assert_int_equal(get32(o + 6), 1001);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_PAWS], 1);
	/* A RST is exempt from PAWS. */
	put32(ts + 4, 5);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_RST, 3, 0, 0, ts, 12, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_conn_error(c), HZ_ERR_RESET);
}

/* ------------------------------------------------------------------ */
/* SYN cookies (RFC 4987 3.6)                                          */
/* ------------------------------------------------------------------ */

/* The cookie ISN by the layout documented in tcp.c: 5 bits of a 64 s
 * counter, 3 bits of MSS index, 24 bits of SipHash-2-4 (zero key in
 * these tests) over tag 2, the 4-tuple (family and 16 address bytes
 * each, ports big-endian), the peer ISN, the counter and the index. */
static uint32_t ref_cookie(uint16_t pport, uint32_t peer_isn, hz_time_t now, uint32_t idx)
{
	uint8_t b[48];
	memset(b, 0, sizeof b);
	b[0] = 2;
	b[1] = HZ_AF_INET;
	put32(b + 2, SELF);
	b[18] = HZ_AF_INET;
	put32(b + 19, PEER);
	put16(b + 35, SPORT);
	put16(b + 37, pport);
	uint32_t count = (uint32_t)(now / HZ_SEC(64));
	put32(b + 39, peer_isn);
	put32(b + 43, count);
	b[47] = (uint8_t)idx;
	const uint8_t key[16] = { 0 };
	uint32_t mac = (uint32_t)hz_siphash(key, b, sizeof b) & 0xffffffu;
	return (count & 31u) << 27 | idx << 24 | mac;
}

static unsigned live_conns(const struct world *w)
{
	unsigned n = 0;
	for (int i = 0; i < NCONN; i++)
		n += w->conns[i].state != HZ_TCP_CLOSED;
	return n;
}

static struct hz_tcp_listener *cookie_world(struct world *w, bool ts)
{
	struct hz_tcp_config cfg;
	hz_tcp_config_default(&cfg); /* WS, SACK, cookies on */
	cfg.timestamps = ts;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 2, &l), HZ_OK);
	hz_tcp_listener_set_event(l, on_listen, w);
	/* A flood: two SYNs fill the backlog of 2 (half-open). */
	for (uint16_t i = 0; i < 2; i++) {
		assert_int_equal(inject_full(w, PPORT + 10 + i, SPORT, HZ_TCP_SYN, 7000 + i, 0, 1000,
		                             NULL, 0, NULL, 0),
		                 HZ_OK);
		struct pkt sa = next_out(w);
		assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	}
	assert_int_equal(l->pending, 2);
	/* The third flood SYN: a cookie, no state kept. */
	assert_int_equal(inject_full(w, PPORT + 12, SPORT, HZ_TCP_SYN, 7002, 0, 1000, NULL, 0, NULL, 0),
	                 HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.ack, 7003);
	/* No MSS option: 536 assumed, index 0. */
	assert_int_equal(sa.seq, ref_cookie(PPORT + 12, 7002, w->now, 0));
	assert_int_equal(live_conns(w), 2);
	assert_int_equal(l->pending, 2);
	assert_int_equal(w->tcp.cookies_sent, 1);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_BACKLOG_FULL], 0);
	return l;
}

/* A flood fills the backlog; a real client (MSS 1460, WS 7, SACK,
 * timestamps) still connects through a cookie, its options carried in
 * the TSval's low bits, and a half-open flood entry gives way. */
static void test_syn_cookie_flood_client_connects(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_listener *l = cookie_world(w, true);
	/* MSS 1460; NOP, WS 7; SACK-permitted, TS 1000/0. */
	uint8_t syn[20] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10 };
	put32(syn + 12, 1000);
	put32(syn + 16, 0);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 5000, 0, 2000, syn, 20, NULL, 0),
	                 HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(sa.seq, ref_cookie(PPORT, 5000, w->now, 3)); /* 1460: index 3 */
	const uint8_t *o = opt_find(&sa, 2);
	assert_non_null(o);
	assert_int_equal(get16(o + 2), 1460);
	assert_non_null(opt_find(&sa, 3));
	assert_non_null(opt_find(&sa, 4));
	o = opt_find(&sa, 8);
	assert_non_null(o);
	uint32_t tsval = get32(o + 2);
	assert_int_equal(get32(o + 6), 1000);
	assert_int_equal(tsval & 0x3f, 7 | 0x10); /* shift 7, SACK */
	assert_int_equal(live_conns(w), 2);
	assert_int_equal(w->tcp.cookies_sent, 2);
	/* The client's ACK (with TS echoing our TSval) makes the connection. */
	w->now += HZ_MSEC(20);
	uint8_t ts[12] = { 1, 1, 8, 10 };
	put32(ts + 4, 1001);
	put32(ts + 8, tsval);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_ACK, 5001, sa.seq + 1, 300, ts, 12,
	                             "hello", 5),
	                 HZ_OK);
	assert_int_equal(w->tcp.cookies_ok, 1);
	/* The oldest half-open flood connection was reset to make room. */
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.dport, PPORT + 10);
	no_out(w);
	advance(w, HZ_MSEC(40)); /* the delayed ACK of the data */
	struct pkt a = next_out(w);
	assert_int_equal(a.ack, 5006);
	assert_int_equal(a.seq, sa.seq + 1);
	assert_true(w->levents & HZ_TCP_EV_ACCEPT);
	assert_int_equal(l->pending, 2);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(c->remote.port, PPORT);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	assert_true(c->flags & HZ_TCP_CF_SACK);
	assert_true(c->flags & HZ_TCP_CF_TS);
	assert_true(c->flags & HZ_TCP_CF_WS);
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->mss, 1460);
	assert_int_equal(c->snd_wnd, 300u << 7);
	assert_int_equal(c->iss, sa.seq);
	assert_int_equal(l->pending, 1); /* one flood half-open left */
	char buf[8];
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 5);
	assert_memory_equal(buf, "hello", 5);
	/* Our data starts at ISS + 1 and carries timestamps. */
	assert_int_equal(hz_tcp_conn_send(c, "ok", 2), 2);
	struct pkt d = next_out(w);
	while (d.dlen == 0)
		d = next_out(w);
	assert_int_equal(d.seq, sa.seq + 1);
	assert_non_null(opt_find(&d, 8));
}

/* Forged and old cookies: the ACK is what RFC 9293 3.10.7.2 calls an
 * ACK to a listener, answered <SEQ=SEG.ACK><CTL=RST> (RFC 4987 adds
 * nothing), and counted in cookies_bad while cookies are in use. */
static void test_syn_cookie_forged_and_old(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_listener *l = cookie_world(w, false);
	uint32_t good = ref_cookie(PPORT + 12, 7002, w->now, 0);
	/* A wrong MAC bit. */
	assert_int_equal(inject_full(w, PPORT + 12, SPORT, HZ_TCP_ACK, 7003, (good ^ 1u) + 1, 1000,
	                             NULL, 0, NULL, 0),
	                 HZ_ERR_BAD_STATE);
	struct pkt r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(r.seq, (good ^ 1u) + 1);
	assert_int_equal(w->tcp.cookies_bad, 1);
	/* A right cookie for another peer ISN. */
	assert_int_equal(inject_full(w, PPORT + 12, SPORT, HZ_TCP_ACK, 7004, good + 1, 1000, NULL, 0,
	                             NULL, 0),
	                 HZ_ERR_BAD_STATE);
	(void)next_out(w);
	assert_int_equal(w->tcp.cookies_bad, 2);
	/* An MSS index past the table. */
	uint32_t badidx = (good & ~(7u << 24)) | 5u << 24;
	assert_int_equal(inject_full(w, PPORT + 12, SPORT, HZ_TCP_ACK, 7003, badidx + 1, 1000, NULL, 0,
	                             NULL, 0),
	                 HZ_ERR_BAD_STATE);
	(void)next_out(w);
	assert_int_equal(w->tcp.cookies_bad, 3);
	assert_int_equal(live_conns(w), 2);
	/* One period later the cookie still works (without timestamps: no
	 * WS, no SACK, and the cookie's MSS, 536). A client SYN at this
	 * time gets a cookie with a new counter. */
	hz_time_t t0 = w->now;
	w->now = (t0 / HZ_SEC(64) + 1) * HZ_SEC(64) + HZ_SEC(10);
	const uint8_t syn[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2 };
	assert_int_equal(inject_full(w, PPORT + 20, SPORT, HZ_TCP_SYN, 900, 0, 1000, syn, 12, NULL, 0),
	                 HZ_OK);
	struct pkt sa = next_out(w);
	assert_int_equal(sa.seq, ref_cookie(PPORT + 20, 900, w->now, 3));
	assert_int_equal(sa.optlen, 4); /* MSS only: options need timestamps */
	assert_int_equal(inject_full(w, PPORT + 12, SPORT, HZ_TCP_ACK, 7003, good + 1, 1000, NULL, 0,
	                             NULL, 0),
	                 HZ_OK);
	assert_int_equal(w->tcp.cookies_ok, 1);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST); /* a flood half-open gave way */
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(c->remote.port, PPORT + 12);
	assert_int_equal(c->mss, 536);
	assert_false(c->flags & (HZ_TCP_CF_WS | HZ_TCP_CF_SACK | HZ_TCP_CF_TS));
	assert_int_equal(c->rcv_wscale, 0);
	/* Two periods later the second cookie is too old, though cookies
	 * are still in use (the backlog filled again and a SYN got one). */
	w->now += HZ_SEC(128);
	for (uint16_t i = 0; i < 2; i++) {
		assert_int_equal(inject_full(w, PPORT + 21 + i, SPORT, HZ_TCP_SYN, 901, 0, 1000, NULL, 0,
		                             NULL, 0),
		                 HZ_OK);
		(void)next_out(w);
	}
	assert_int_equal(inject_full(w, PPORT + 20, SPORT, HZ_TCP_ACK, 901, sa.seq + 1, 1000, NULL, 0,
	                             NULL, 0),
	                 HZ_ERR_BAD_STATE);
	r = next_out(w);
	assert_int_equal(r.flags, HZ_TCP_RST);
	assert_int_equal(w->tcp.cookies_bad, 4);
	/* Cookies no longer in use (none sent for two periods): an ACK is a
	 * plain stray ACK, not even checked. */
	w->now += HZ_SEC(130);
	assert_int_equal(inject_full(w, PPORT + 20, SPORT, HZ_TCP_ACK, 901, sa.seq + 1, 1000, NULL, 0,
	                             NULL, 0),
	                 HZ_ERR_BAD_STATE);
	(void)next_out(w);
	assert_int_equal(w->tcp.cookies_bad, 4);
	assert_int_equal(w->tcp.cookies_sent, 3);
}

static void test_conn_table_and_api_errors(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct hz_tcp_conn *c[NCONN + 1];
	for (int i = 0; i < NCONN; i++)
		assert_int_equal(hz_tcp_conn_open(&w->tcp, &c[i]), HZ_OK);
	assert_int_equal(hz_tcp_conn_open(&w->tcp, &c[NCONN]), HZ_ERR_NO_SPACE);
	struct hz_tcp_endpoint re = { .addr = hz_ipaddr_v4(PEER), .port = 0 };
	assert_int_equal(hz_tcp_conn_connect(c[0], &re, NULL), HZ_ERR_INVALID);
	re.port = 1;
	struct hz_tcp_endpoint bad = { .addr = hz_ipaddr_v4(0x0a0000ff), .port = 5 };
	assert_int_equal(hz_tcp_conn_connect(c[0], &re, &bad), HZ_ERR_INVALID);
	assert_int_equal(hz_tcp_conn_send(c[0], "x", 1), HZ_ERR_BAD_STATE);
	assert_int_equal(hz_tcp_conn_recv(c[0], &re, 1), HZ_ERR_BAD_STATE);
	assert_int_equal(hz_tcp_conn_shutdown(c[0]), HZ_ERR_BAD_STATE);
	/* Ephemeral ports come from 49152-65535 and differ. */
	assert_int_equal(hz_tcp_conn_connect(c[0], &re, NULL), HZ_OK);
	assert_int_equal(hz_tcp_conn_connect(c[1], &re, NULL), HZ_OK);
	assert_true(c[0]->local.port >= 49152 && c[1]->local.port >= 49152);
	assert_int_not_equal(c[0]->local.port, c[1]->local.port);
	assert_int_equal(hz_tcp_conn_connect(c[0], &re, NULL), HZ_ERR_BAD_STATE);
	/* The same 4-tuple twice. */
	struct hz_tcp_endpoint le = { .port = c[0]->local.port };
	assert_int_equal(hz_tcp_conn_connect(c[2], &re, &le), HZ_ERR_IN_USE);
	for (int i = 0; i < NCONN; i++)
		hz_tcp_conn_close(c[i]);
	for (int i = 0; i < NCONN; i++)
		assert_int_equal(w->conns[i].flags, 0);
	/* A tx buffer too small is refused at init. */
	struct hz_tcp t;
	uint8_t tiny[100];
	struct hz_tcp_storage st = { .txbuf = tiny, .txcap = sizeof tiny };
	assert_int_equal(hz_tcp_init(&t, NULL, NULL, &st), HZ_ERR_INVALID);
}

static void test_isn_rfc6528(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	struct hz_tcp_endpoint l = { .addr = hz_ipaddr_v4(SELF), .port = 80 };
	struct hz_tcp_endpoint r = { .addr = hz_ipaddr_v4(PEER), .port = 40000 };
	uint32_t a = hz_tcp_isn(&w->tcp, &l, &r, 0);
	/* M: one tick per 4 microseconds. */
	assert_int_equal(hz_tcp_isn(&w->tcp, &l, &r, 4000), a + 1000);
	/* F differs per tuple and per key. */
	r.port = 40001;
	assert_int_not_equal(hz_tcp_isn(&w->tcp, &l, &r, 0), a);
	r.port = 40000;
	w->tcp.isn_key[0] ^= 1;
	assert_int_not_equal(hz_tcp_isn(&w->tcp, &l, &r, 0), a);
}

/* A peer that filled our window and lost it all sends its ACKs at our
 * right edge: they must still be taken (and RSTs there must not). */
static void test_ack_at_right_edge(void **state)
{
	(void)state;
	struct world *w = &W;
	world_init(w);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 4000, &iss);
	assert_int_equal(hz_tcp_conn_send(c, "abcd", 4), 4);
	(void)next_out(w);
	uint32_t edge = 2 + RCVCAP;
	assert_int_equal(inject(w, HZ_TCP_ACK, edge, iss + 5, 4000, NULL, 0), HZ_OK);
	no_out(w);
	assert_int_equal(c->snd_una, iss + 5);
	assert_int_equal(inject(w, HZ_TCP_ACK, edge + 1, iss + 5, 4000, NULL, 0), HZ_ERR_BAD_STATE);
	(void)next_out(w);
	assert_int_equal(inject(w, HZ_TCP_RST, edge, 0, 0, NULL, 0), HZ_ERR_BAD_STATE);
	assert_int_equal(w->tcp.drops[HZ_TCP_DROP_RST_OUT_OF_WINDOW], 1);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
}

/* RFC 9438: CUBIC's reduction (beta 0.7 of cwnd, fast convergence) and
 * its window curve, against the RFC's formulas in double precision. */
static double ref_cbrt(double x)
{
	double y = x > 1 ? x / 3 : 1;
	for (int i = 0; i < 200; i++)
		y = y - (y * y * y - x) / (3 * y * y);
	return y;
}

static void test_cubic_reduction(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.cc = HZ_TCP_CC_CUBIC;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 1, 60000, &iss);
	static uint8_t data[1460 * 5];
	memset(data, 'c', sizeof data);
	assert_int_equal(hz_tcp_conn_send(c, data, sizeof data), (int)sizeof data);
	while (w->seen < w->ip.nout)
		(void)next_out(w);
	uint32_t s1 = iss + 1 + 1460;
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	uint32_t cw = st.cwnd; /* at the loss */
	for (int i = 0; i < 3; i++)
		assert_int_equal(inject(w, HZ_TCP_ACK, 2, s1, 60000, NULL, 0), HZ_OK);
	struct pkt r = next_out(w);
	assert_int_equal(r.seq, s1);
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(st.ssthresh, (uint32_t)((uint64_t)cw * 7 / 10));
	assert_int_equal(c->cubic_wmax, cw);
	assert_int_equal(st.cwnd, st.ssthresh + 3 * 1460);
	/* A second loss below W_max: fast convergence, W_max = cwnd*(1+b)/2. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 2, iss + 1 + sizeof data, 60000, NULL, 0), HZ_OK);
	hz_tcp_conn_stats(c, &st);
	uint32_t cw2 = st.cwnd;
	assert_true(cw2 < cw);
	assert_int_equal(hz_tcp_conn_send(c, data, 1460 * 2), 1460 * 2);
	while (w->seen < w->ip.nout)
		(void)next_out(w);
	advance(w, HZ_SEC(1)); /* timeout */
	hz_tcp_conn_stats(c, &st);
	assert_int_equal(c->cubic_wmax, (uint32_t)((uint64_t)cw2 * 17 / 20));
	assert_int_equal(st.ssthresh, HZ_MAX((uint32_t)((uint64_t)cw2 * 7 / 10), 2 * 1460u));
	assert_int_equal(st.cwnd, 1460);
}

static void test_cubic_curve(void **state)
{
	(void)state;
	assert_true(hz_tcp_cbrt(0) == 0);
	assert_true(hz_tcp_cbrt(26) == 2);
	assert_true(hz_tcp_cbrt(27) == 3);
	assert_true(hz_tcp_cbrt(1000000) == 100);
	assert_true(hz_tcp_cbrt(999999) == 99);
	assert_true(hz_tcp_cbrt(UINT64_MAX) == 2642245);
	assert_true(hz_tcp_cbrt(((uint64_t)1 << 63) - 1) == 2097151);
	/* W_max 100 segments, cwnd 70 after the reduction, MSS 1000. */
	uint32_t k = hz_tcp_cubic_k(100000, 70000, 1000);
	double kref = ref_cbrt(30 / 0.4) * 1000; /* 4217.2 ms */
	assert_true(k >= (uint32_t)kref - 1 && k <= (uint32_t)kref + 1);
	assert_int_equal(hz_tcp_cubic_k(100000, 100000, 1000), 0);
	for (uint64_t t = 0; t <= 10000; t += 250) {
		double d = ((double)t - k) / 1000;
		double want = (0.4 * d * d * d + 100) * 1000;
		double got = (double)hz_tcp_cubic_w(100000, k, t, 1000);
		if (want < 0)
			want = 0;
		if (got < want - 2 || got > want + 2)
			fail_msg("t %u: W %.1f want %.1f", (unsigned)t, got, want);
	}
	/* W(0) is the reduced window, W(K) the old maximum. */
	/* (K is floored to whole ms: W(0) is a few bytes above 70000.) */
	assert_true(hz_tcp_cubic_w(100000, k, 0, 1000) <= 70010);
	assert_true(hz_tcp_cubic_w(100000, k, 0, 1000) >= 69990);
	assert_true(hz_tcp_cubic_w(100000, k, k, 1000) == 100000);
}
/* ------------------------------------------------------------------ */
/* Speed options: rcv_wnd_max, tx_csum_offload, ack_batch, event lists  */
/* ------------------------------------------------------------------ */

/* cfg.rcv_wnd_max: the SYN-ACK's window scale fits a ring given after
 * accept, so the whole ring can be advertised. */
static void test_rcv_wnd_max_scale(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.window_scaling = true;
	cfg.timestamps = true; /* a cookie keeps the shift only with them */
	cfg.rcv_wnd_max = 1u << 20;
	world_init_cfg(w, SELF, &cfg);
	struct hz_tcp_endpoint le = { .port = SPORT };
	struct hz_tcp_listener *l;
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 1, &l), HZ_OK);
	const uint8_t opts[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 2 };
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 100, 0, 4000, opts, 8, NULL, 0),
	                 HZ_OK);
	struct pkt sa = next_out(w);
	const uint8_t *o = opt_find(&sa, 3);
	assert_non_null(o);
	assert_int_equal(o[2], 5); /* 65535 << 4 < 2^20 <= 65535 << 5 */
	assert_int_equal(sa.wnd, RCVCAP); /* the SYN-ACK's window: the default ring */
	/* A SYN cookie (the backlog of 1 is taken) announces the same. */
	const uint8_t tsopts[20] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 2, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0 };
	assert_int_equal(
	    inject_full(w, PPORT + 1, SPORT, HZ_TCP_SYN, 900, 0, 4000, tsopts, 20, NULL, 0), HZ_OK);
	struct pkt ck = next_out(w);
	assert_int_equal(w->tcp.cookies_sent, 1);
	o = opt_find(&ck, 3);
	assert_non_null(o);
	assert_int_equal(o[2], 5);
	/* Accept, then the big ring: windows count in 32-byte units. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 101, sa.seq + 1, 4000, NULL, 0), HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	static uint8_t snd[4096], rcv[1u << 20];
	assert_int_equal(hz_tcp_conn_set_buffers(c, snd, sizeof snd, rcv, sizeof rcv), HZ_OK);
	uint8_t d[1000];
	memset(d, 'x', sizeof d);
	assert_int_equal(inject(w, HZ_TCP_ACK, 101, sa.seq + 1, 4000, d, sizeof d), HZ_OK);
	assert_int_equal(inject(w, HZ_TCP_ACK, 1101, sa.seq + 1, 4000, d, sizeof d), HZ_OK);
	struct pkt a = next_out(w);
	assert_int_equal(a.ack, 2101);
	assert_int_equal(a.wnd, ((1u << 20) - 2000) >> 5);
	struct hz_tcp_stats st;
	hz_tcp_conn_stats(c, &st);
	assert_true(st.rcv_wnd > 65535);
	/* rcv_wnd_max below the ring changes nothing. */
	cfg.rcv_wnd_max = 1000;
	world_init_cfg(w, SELF, &cfg);
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 1, &l), HZ_OK);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 100, 0, 4000, opts, 8, NULL, 0),
	                 HZ_OK);
	sa = next_out(w);
	o = opt_find(&sa, 3);
	assert_non_null(o);
	assert_int_equal(o[2], 0);
	/* Without window scaling it is ignored. */
	cfg.rcv_wnd_max = 1u << 20;
	cfg.window_scaling = false;
	world_init_cfg(w, SELF, &cfg);
	assert_int_equal(hz_tcp_listener_open(&w->tcp, &le, 1, &l), HZ_OK);
	assert_int_equal(inject_full(w, PPORT, SPORT, HZ_TCP_SYN, 100, 0, 4000, opts, 8, NULL, 0),
	                 HZ_OK);
	sa = next_out(w);
	assert_null(opt_find(&sa, 3));
}

/* cfg.tx_csum_offload: segments leave the checksum to the device
 * (fake_output checks the field and finishes it); RSTs to closed ports
 * keep a full one. */
static void test_tx_csum_offload(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.tx_csum_offload = true;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 5000, 8000, &iss);
	assert_int_equal(w->ip.npartial, 1); /* the SYN-ACK */
	uint8_t d[1460];
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(hz_tcp_conn_send(c, d, 1000), 1000);
	struct pkt p = next_out(w);
	assert_int_equal(p.dlen, 1000);
	assert_memory_equal(p.data, d, 1000);
	assert_int_equal(w->ip.npartial, 2);
	/* An odd length. */
	assert_int_equal(inject(w, HZ_TCP_ACK, 5001, iss + 1001, 8000, NULL, 0), HZ_OK);
	assert_int_equal(hz_tcp_conn_send(c, d, 333), 333);
	p = next_out(w);
	assert_int_equal(p.dlen, 333);
	assert_int_equal(w->ip.npartial, 3);
	/* RST to a closed port: a full checksum, no offload flag. */
	assert_int_equal(inject_full(w, PPORT, SPORT + 1, HZ_TCP_SYN, 1, 0, 100, NULL, 0, NULL, 0),
	                 HZ_ERR_NOT_FOUND);
	p = next_out(w);
	assert_int_equal(p.flags, HZ_TCP_RST | HZ_TCP_ACK);
	assert_int_equal(w->ip.npartial, 3);
	/* Off (the default): never. */
	world_init(w);
	(void)establish_passive(w, 5000, 8000, &iss);
	assert_int_equal(w->ip.npartial, 0);
}

static void inject_n(struct world *w, uint32_t seq, uint32_t ack, size_t n)
{
	uint8_t d[1460];
	memset(d, 'q', n);
	assert_int_equal(inject(w, HZ_TCP_ACK, seq, ack, 8000, d, n), HZ_OK);
}

/* cfg.ack_batch: the every-second-segment ACK waits for hz_tcp_flush,
 * at most half the window; other ACKs go at once. */
static void test_ack_batch(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.ack_batch = true;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss;
	struct hz_tcp_conn *c = establish_passive(w, 5000, 8000, &iss);
	uint32_t seq = 5001, ack = iss + 1;
	/* Eight segments of 500 bytes: 4000 < RCVCAP / 2 unacknowledged,
	 * all held. */
	for (int i = 0; i < 8; i++, seq += 500) {
		inject_n(w, seq, ack, 500);
		no_out(w);
	}
	assert_true(c->flags & HZ_TCP_CF_ACK_HELD);
	/* The ninth reaches half the window: ACK at once. */
	inject_n(w, seq, ack, 500);
	seq += 500;
	struct pkt a = next_out(w);
	assert_int_equal(a.ack, seq);
	assert_false(c->flags & HZ_TCP_CF_ACK_HELD);
	hz_tcp_flush(&w->tcp);
	no_out(w);
	assert_int_equal(w->tcp.acks_batched, 0);
	char buf[8192];
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 4500);
	/* The window grew by more than two segments from far from closed:
	 * the update waits for the end of the batch. */
	no_out(w);
	hz_tcp_flush(&w->tcp);
	a = next_out(w);
	assert_int_equal(a.ack, seq);
	assert_int_equal(a.wnd, RCVCAP);
	assert_int_equal(w->tcp.acks_batched, 1);
	no_out(w);
	/* Two more, then the end of the batch: one ACK for both. */
	inject_n(w, seq, ack, 500);
	inject_n(w, seq + 500, ack, 500);
	seq += 1000;
	no_out(w);
	hz_tcp_flush(&w->tcp);
	a = next_out(w);
	assert_int_equal(a.flags, HZ_TCP_ACK);
	assert_int_equal(a.ack, seq);
	assert_int_equal(w->tcp.acks_batched, 2);
	hz_tcp_flush(&w->tcp);
	no_out(w);
	/* A single segment keeps the delayed-ACK timer: no flush ACK. */
	inject_n(w, seq, ack, 100);
	seq += 100;
	hz_tcp_flush(&w->tcp);
	no_out(w);
	advance(w, HZ_MSEC(40));
	a = next_out(w);
	assert_int_equal(a.ack, seq);
	/* Held, then out of order: the duplicate ACK goes at once and
	 * carries everything; nothing is left for the flush. */
	inject_n(w, seq, ack, 100);
	inject_n(w, seq + 100, ack, 100);
	no_out(w);
	inject_n(w, seq + 1000, ack, 100);
	a = next_out(w);
	assert_int_equal(a.ack, seq + 200);
	hz_tcp_flush(&w->tcp);
	no_out(w);
	inject_n(w, seq + 200, ack, 800); /* fills the gap: ACK at once */
	a = next_out(w);
	assert_int_equal(a.ack, seq + 1100);
	seq += 1100;
	/* Held, then data to send carries the ACK. */
	inject_n(w, seq, ack, 100);
	inject_n(w, seq + 100, ack, 100);
	seq += 200;
	no_out(w);
	assert_int_equal(hz_tcp_conn_send(c, "hi", 2), 2);
	a = next_out(w);
	assert_int_equal(a.ack, seq);
	assert_int_equal(a.dlen, 2);
	hz_tcp_flush(&w->tcp);
	no_out(w);
	ack += 2;
	assert_int_equal(inject(w, HZ_TCP_ACK, seq, ack, 8000, NULL, 0), HZ_OK);
	/* Held, then poll: it flushes first. */
	inject_n(w, seq, ack, 100);
	inject_n(w, seq + 100, ack, 100);
	seq += 200;
	no_out(w);
	advance(w, 1);
	a = next_out(w);
	assert_int_equal(a.ack, seq);
	assert_int_equal(w->tcp.acks_batched, 3);
	/* Held, then FIN: ACKed at once. */
	inject_n(w, seq, ack, 100);
	inject_n(w, seq + 100, ack, 100);
	seq += 200;
	no_out(w);
	assert_int_equal(inject(w, HZ_TCP_ACK | HZ_TCP_FIN, seq, ack, 8000, NULL, 0), HZ_OK);
	a = next_out(w);
	assert_int_equal(a.ack, seq + 1);
	hz_tcp_flush(&w->tcp);
	no_out(w);
	/* Held, then the connection is reset and freed: nothing to send. */
	world_init_cfg(w, SELF, &cfg);
	c = establish_passive(w, 5000, 8000, &iss);
	inject_n(w, 5001, iss + 1, 100);
	inject_n(w, 5101, iss + 1, 100);
	no_out(w);
	assert_int_equal(inject(w, HZ_TCP_RST, 5201, 0, 0, NULL, 0), HZ_OK);
	hz_tcp_conn_close(c);
	hz_tcp_flush(&w->tcp);
	no_out(w);
	/* A window opened from nearly closed is announced at once. */
	world_init_cfg(w, SELF, &cfg);
	c = establish_passive(w, 5000, 8000, &iss);
	seq = 5001;
	for (int i = 0; i < 8; i++, seq += 1000) {
		inject_n(w, seq, iss + 1, 1000);
		if (i == 4) /* 5000 unacknowledged: over half the window */
			assert_int_equal(next_out(w).ack, seq + 1000);
		no_out(w);
	}
	hz_tcp_flush(&w->tcp);
	a = next_out(w);
	assert_int_equal(a.ack, seq);
	assert_int_equal(a.wnd, RCVCAP - 8000); /* 192 bytes: below one MSS */
	no_out(w);
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 8000);
	a = next_out(w);
	assert_int_equal(a.ack, seq);
	assert_int_equal(a.wnd, RCVCAP);
	/* Off (the default): every second segment at once, as before. */
	world_init(w);
	(void)establish_passive(w, 5000, 8000, &iss);
	inject_n(w, 5001, iss + 1, 100);
	no_out(w);
	inject_n(w, 5101, iss + 1, 100);
	a = next_out(w);
	assert_int_equal(a.ack, 5201);
}

static struct hz_tcp_conn *ev_victim;
static int ev_victim_calls, ev_killer_calls;

static void on_event_victim(void *ctx, struct hz_tcp_conn *c, unsigned e)
{
	(void)ctx;
	(void)c;
	(void)e;
	ev_victim_calls++;
}

static void on_event_killer(void *ctx, struct hz_tcp_conn *c, unsigned e)
{
	(void)ctx;
	(void)c;
	(void)e;
	ev_killer_calls++;
	if (ev_victim) {
		hz_tcp_conn_abort(ev_victim);
		ev_victim = NULL;
	}
}

/* The pending-event list: one timer pass closes two connections; the
 * first one's callback aborts the second, whose events then never come;
 * the slot it frees serves a new connection whose events do. */
static void test_event_list_abort_in_callback(void **state)
{
	(void)state;
	struct world *w = &W;
	struct hz_tcp_config cfg;
	plain_cfg(&cfg);
	cfg.data_retries = 0;
	world_init_cfg(w, SELF, &cfg);
	uint32_t iss1, iss2;
	struct hz_tcp_conn *c1 = establish_passive(w, 5000, 8000, &iss1);
	/* A second peer port on the same listener. */
	const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	assert_int_equal(inject_full(w, PPORT + 1, SPORT, HZ_TCP_SYN, 7000, 0, 8000, mss, 4, NULL, 0),
	                 HZ_OK);
	struct pkt sa = next_out(w);
	iss2 = sa.seq;
	assert_int_equal(
	    inject_full(w, PPORT + 1, SPORT, HZ_TCP_ACK, 7001, iss2 + 1, 8000, NULL, 0, NULL, 0), HZ_OK);
	struct hz_tcp_listener *l = &w->ls[0];
	struct hz_tcp_conn *c2;
	assert_int_equal(hz_tcp_listener_accept(l, &c2), HZ_OK);
	assert_true(c1 < c2);
	hz_tcp_conn_set_event(c1, on_event_killer, w);
	hz_tcp_conn_set_event(c2, on_event_victim, w);
	ev_victim = c2;
	ev_victim_calls = ev_killer_calls = 0;
	assert_int_equal(hz_tcp_conn_send(c1, "a", 1), 1);
	assert_int_equal(hz_tcp_conn_send(c2, "b", 1), 1);
	(void)next_out(w);
	(void)next_out(w);
	/* Both time out in the same poll (data_retries 0). */
	advance(w, HZ_SEC(1));
	assert_int_equal(ev_killer_calls, 1);
	assert_int_equal(ev_victim_calls, 0);
	assert_int_equal(hz_tcp_conn_state(c2), HZ_TCP_CLOSED);
	hz_tcp_conn_close(c1);
	/* A new connection in a freed slot gets its events. */
	w->levents = 0;
	assert_int_equal(inject_full(w, PPORT + 2, SPORT, HZ_TCP_SYN, 9000, 0, 8000, mss, 4, NULL, 0),
	                 HZ_OK);
	sa = next_out(w);
	assert_int_equal(
	    inject_full(w, PPORT + 2, SPORT, HZ_TCP_ACK, 9001, sa.seq + 1, 8000, NULL, 0, NULL, 0),
	    HZ_OK);
	assert_true(w->levents & HZ_TCP_EV_ACCEPT);
	struct hz_tcp_conn *c3;
	assert_int_equal(hz_tcp_listener_accept(l, &c3), HZ_OK);
	hz_tcp_conn_set_event(c3, on_event, w);
	w->events = 0;
	assert_int_equal(
	    inject_full(w, PPORT + 2, SPORT, HZ_TCP_ACK, 9001, sa.seq + 1, 8000, NULL, 0, "xy", 2),
	    HZ_OK);
	assert_true(w->events & HZ_TCP_EV_READABLE);
	assert_null(w->tcp.ev_head);
	assert_null(w->tcp.lev_head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_port_rst),
		cmocka_unit_test(test_input_validation),
		cmocka_unit_test(test_listen_segments),
		cmocka_unit_test(test_active_open_all_options),
		cmocka_unit_test(test_passive_open_echoes_offered),
		cmocka_unit_test(test_window_scale_large_ring),
		cmocka_unit_test(test_mss_clamped_to_path),
		cmocka_unit_test(test_two_engines_handshake_data_close),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_old_duplicate_syn_passive),
		cmocka_unit_test(test_old_duplicate_syn_active),
		cmocka_unit_test(test_half_open_peer_crashed),
		cmocka_unit_test(test_half_open_rst_from_peer),
		cmocka_unit_test(test_rfc5961_rst),
		cmocka_unit_test(test_rfc5961_syn_and_ack),
		cmocka_unit_test(test_challenge_ack_rate_limit),
		cmocka_unit_test(test_delayed_ack),
		cmocka_unit_test(test_sequence_wraparound),
		cmocka_unit_test(test_nagle),
		cmocka_unit_test(test_rto_backoff_and_sample),
		cmocka_unit_test(test_data_retries_give_up),
		cmocka_unit_test(test_syn_retransmit_and_timeout),
		cmocka_unit_test(test_passive_synack_retransmit),
		cmocka_unit_test(test_out_of_order_and_sack),
		cmocka_unit_test(test_sack_blocks_fit_mss),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_receive_window_full_and_update),
		cmocka_unit_test(test_fast_retransmit_newreno),
		cmocka_unit_test(test_rexmit_respects_window_for_new_bytes),
		cmocka_unit_test(test_sack_multiple_losses_one_rtt),
		cmocka_unit_test(test_sack_islost_entry_and_reneging),
		cmocka_unit_test(test_sack_rescue_tail),
		cmocka_unit_test(test_sack_cubic_new_data_in_recovery),
		cmocka_unit_test(test_sack_scoreboard),
		cmocka_unit_test(test_close_variants),
		cmocka_unit_test(test_time_wait_fin_again),
		cmocka_unit_test(test_time_wait_reopen_by_seq),
		cmocka_unit_test(test_time_wait_reopen_by_timestamp),
		cmocka_unit_test(test_icmp_errors),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_paws),
		cmocka_unit_test(test_conn_table_and_api_errors),
		cmocka_unit_test(test_syn_cookie_flood_client_connects),
		cmocka_unit_test(test_syn_cookie_forged_and_old),
		cmocka_unit_test(test_isn_rfc6528),
		cmocka_unit_test(test_ack_at_right_edge),
		cmocka_unit_test(test_cubic_reduction),
		cmocka_unit_test(test_cubic_curve),
		cmocka_unit_test(test_rcv_wnd_max_scale),
		cmocka_unit_test(test_tx_csum_offload),
		cmocka_unit_test(test_ack_batch),
		cmocka_unit_test(test_event_list_abort_in_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
