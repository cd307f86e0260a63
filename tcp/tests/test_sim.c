/* Deterministic two-stack simulation: two tcp engines joined by an
 * in-memory link that loses, duplicates, delays (and so reorders) and
 * corrupts segments under a seeded generator, in virtual time. Each seed
 * opens a connection, moves data both ways, half-closes and closes; the
 * bytes each side reads must equal what the other sent, and both sides
 * must finish. A failing seed replays exactly:
 *   HZ_TCP_SIM_SEED=N HZ_TCP_SIM_VERBOSE=1 test-tcp-sim
 * HZ_TCP_SIM_SEEDS sets how many seeds run (default 2000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/tcp.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rnd(unsigned n)
{
	return (unsigned)(rng() % n);
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
	uint32_t s = 0;
	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	return s;
}

/* ------------------------------------------------------------------ */
/* The link                                                            */
/* ------------------------------------------------------------------ */

#define QMAX 1024
#define SEGMAX 1600

struct node;

struct inflight {
	bool used;
	hz_time_t at;
	uint64_t order;
	int to; /* node index */
	size_t len;
	struct hz_ip_tx tx;
	uint8_t b[SEGMAX];
};

struct impair {
	unsigned loss, dup, corrupt; /* per mille */
	unsigned burst;              /* per mille: a segment starts a loss burst */
	unsigned burst_len;          /* up to this many segments in a row */
	hz_time_t delay, jitter;
};

static struct inflight q[QMAX];
static uint64_t qorder;
static struct impair imp;
static unsigned long stat_lost, stat_dup, stat_corrupt, stat_sent;
static unsigned burst_left[2]; /* segments still to lose, per direction */
static hz_time_t burst_until[2];
static unsigned long long tot_recoveries, tot_sack_recoveries, tot_timeouts;

struct node {
	int idx;
	struct hz_ip ip;
	struct hz_ipaddr addr;
	const struct hz_ip_upper *upper;
	struct hz_tcp tcp;
	struct hz_tcp_conn conns[2];
	struct hz_tcp_listener ls[1];
	uint8_t rings[2 * (16384 + 16384)];
	uint8_t tx[HZ_PBUF_HEADROOM + 60 + 1460];
};

static struct node nodes[2];
static hz_time_t now;

static void enqueue(int to, const uint8_t *b, size_t len, const struct hz_ip_tx *tx)
{
	for (int i = 0; i < QMAX; i++) {
		if (q[i].used)
			continue;
		q[i].used = true;
		q[i].at = now + imp.delay + (imp.jitter ? rnd((unsigned)imp.jitter) : 0);
		q[i].order = qorder++;
		q[i].to = to;
		q[i].len = len;
		q[i].tx = *tx;
		memcpy(q[i].b, b, len);
		if (rnd(1000) < imp.corrupt) {
			q[i].b[rnd((unsigned)len)] ^= (uint8_t)(1u << rnd(8));
			stat_corrupt++;
		}
		return;
	}
	/* A full link drops, like a full queue. */
	stat_lost++;
}

static uint8_t pat(uint8_t seed, size_t i);
static uint32_t sim_iss[2];
static bool verbose;

/* Check what a node sends against the byte stream its application wrote:
 * separates sender bugs from receiver bugs. */
static void check_sent(int idx, const uint8_t *b, size_t len)
{
	uint8_t flags = b[13];
	uint32_t seq = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	size_t hl = (size_t)(b[12] >> 4) * 4;
	if (flags & 0x02) {
		sim_iss[idx] = seq;
		return;
	}
	if (flags & 0x04)
		return;
	uint8_t seed = idx == 0 ? 3 : 11;
	for (size_t i = hl; i < len; i++) {
		size_t off = (size_t)(seq - sim_iss[idx] - 1) + (i - hl);
		if (b[i] != pat(seed, off)) {
			fprintf(stderr, "node %d sent a wrong byte at stream offset %zu (seq %u len %zu)\n",
			        idx, off, seq, len - hl);
			fail();
		}
	}
}

static int sim_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	struct node *n = ctx;
	assert_true(pb->len <= SEGMAX);
	check_sent(n->idx, hz_pbuf_data(pb), pb->len);
	/* cfg.tx_csum_offload: finish the checksum as a device would, from
	 * the pseudo-header sum the engine left in the field. */
	static uint8_t fin[SEGMAX];
	if (pb->flags & HZ_PBUF_F_CSUM_PARTIAL) {
		assert_int_equal(pb->csum_start, 0);
		assert_int_equal(pb->csum_off, 16);
		memcpy(fin, hz_pbuf_data(pb), pb->len);
		uint32_t sum = 0;
		for (size_t i = 0; i < pb->len; i += 2)
			sum += (uint32_t)fin[i] << 8 | (i + 1 < pb->len ? fin[i + 1] : 0);
		while (sum >> 16)
			sum = (sum & 0xffffu) + (sum >> 16);
		fin[16] = (uint8_t)(~sum >> 8);
		fin[17] = (uint8_t)~sum;
	}
	const uint8_t *seg = (pb->flags & HZ_PBUF_F_CSUM_PARTIAL) ? fin : hz_pbuf_data(pb);
	stat_sent++;
	/* Loss bursts (a queue overflowing) put several holes in one
	 * window, what RFC 6675 recovers in one round trip: up to
	 * burst_len segments sent within 5 ms (so a burst hits one flight,
	 * not a series of retransmissions seconds apart). */
	if (burst_left[n->idx] && now > burst_until[n->idx])
		burst_left[n->idx] = 0;
	if (!burst_left[n->idx] && imp.burst && rnd(1000) < imp.burst) {
		burst_left[n->idx] = 1 + rnd(imp.burst_len);
		burst_until[n->idx] = now + HZ_MSEC(5);
	}
	bool lose = burst_left[n->idx] > 0;
	if (lose)
		burst_left[n->idx]--;
	else
		lose = rnd(1000) < imp.loss;
	if (lose && getenv("HZ_TCP_SIM_TRACE")) {
		const uint8_t *d = hz_pbuf_data(pb);
		fprintf(stderr, "t=%llu lost %d->%d fl %02x seq %u len %zu\n", (unsigned long long)now,
		        n->idx, 1 - n->idx, d[13],
		        (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7],
		        pb->len - (size_t)(d[12] >> 4) * 4);
	}
	if (lose) {
		stat_lost++;
		return HZ_OK;
	}
	enqueue(1 - n->idx, seg, pb->len, tx);
	if (rnd(1000) < imp.dup) {
		stat_dup++;
		enqueue(1 - n->idx, seg, pb->len, tx);
	}
	return HZ_OK;
}

static int sim_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	(void)proto;
	((struct node *)ctx)->upper = up;
	return HZ_OK;
}

static uint32_t sim_pseudo(void *ctx, const struct hz_ipaddr *s, const struct hz_ipaddr *d, uint8_t p,
                           size_t len)
{
	(void)ctx;
	(void)p;
	return ref_pseudo(s, d, len);
}

static size_t sim_mtu(void *ctx, const struct hz_ipaddr *d)
{
	(void)ctx;
	(void)d;
	return 1480;
}

static int sim_source(void *ctx, const struct hz_ipaddr *d, struct hz_ipaddr *s)
{
	(void)d;
	*s = ((struct node *)ctx)->addr;
	return HZ_OK;
}

static bool sim_is_local(void *ctx, const struct hz_ipaddr *a)
{
	return hz_ipaddr_eq(a, &((struct node *)ctx)->addr);
}

static void node_init(struct node *n, int idx, const struct hz_tcp_config *cfg)
{
	memset(n, 0, sizeof *n);
	n->idx = idx;
	n->addr = hz_ipaddr_v4(0x0a000001u + (uint32_t)idx);
	n->ip.ctx = n;
	n->ip.family = HZ_AF_INET;
	n->ip.headroom = 34;
	n->ip.attach = sim_attach;
	n->ip.output = sim_output;
	n->ip.pseudo = sim_pseudo;
	n->ip.mtu = sim_mtu;
	n->ip.source = sim_source;
	n->ip.is_local = sim_is_local;
	struct hz_tcp_storage st = {
		.conns = n->conns, .nconns = 2, .listeners = n->ls, .nlisteners = 1,
		.ring_mem = n->rings, .snd_cap = 16384, .rcv_cap = 16384,
		.txbuf = n->tx, .txcap = sizeof n->tx,
	};
	assert_int_equal(hz_tcp_init(&n->tcp, cfg, NULL, &st), HZ_OK);
	/* Different ISN keys per node and seed. */
	uint64_t k[2] = { rng(), rng() };
	memcpy(n->tcp.isn_key, k, sizeof n->tcp.isn_key);
	assert_int_equal(hz_tcp_attach(&n->tcp, &n->ip), HZ_OK);
}

/* ------------------------------------------------------------------ */
/* Applications                                                        */
/* ------------------------------------------------------------------ */

struct app {
	struct hz_tcp_conn *c;
	size_t to_send, sent, rcvd;
	uint8_t seed; /* byte pattern of what it sends */
	uint8_t peer_seed;
	bool eof, shut, closed, bad;
};

static uint8_t pat(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 31 + (i >> 8));
}

static void app_step(struct app *a)
{
	if (!a->c || a->closed)
		return;
	uint8_t buf[4096];
	for (;;) {
		int r = hz_tcp_conn_recv(a->c, buf, sizeof buf);
		if (r > 0) {
			for (int i = 0; i < r; i++)
				if (buf[i] != pat(a->peer_seed, a->rcvd + (size_t)i)) {
					if (!a->bad && verbose)
						fprintf(stderr, "bad byte at %zu (read of %d at %zu)\n",
						        a->rcvd + (size_t)i, r, a->rcvd);
					a->bad = true;
				}
			a->rcvd += (size_t)r;
			continue;
		}
		if (r == 0)
			a->eof = true;
		break;
	}
	while (a->sent < a->to_send && hz_tcp_conn_state(a->c) >= HZ_TCP_ESTABLISHED) {
		size_t n = HZ_MIN(sizeof buf, a->to_send - a->sent);
		for (size_t i = 0; i < n; i++)
			buf[i] = pat(a->seed, a->sent + i);
		int w = hz_tcp_conn_send(a->c, buf, n);
		if (w <= 0)
			break;
		a->sent += (size_t)w;
	}
	if (a->sent == a->to_send && !a->shut && hz_tcp_conn_state(a->c) >= HZ_TCP_ESTABLISHED) {
		a->shut = hz_tcp_conn_shutdown(a->c) == HZ_OK;
	}
	if (a->shut && a->eof) {
		tot_recoveries += a->c->st.fast_retransmits;
		tot_sack_recoveries += a->c->st.sack_recoveries;
		tot_timeouts += a->c->st.timeouts;
		hz_tcp_conn_close(a->c);
		a->closed = true;
	}
}

/* ------------------------------------------------------------------ */
/* One run                                                             */
/* ------------------------------------------------------------------ */

/* The queued segment due first, or -1. */
static int q_earliest(void)
{
	int qi = -1;
	for (int i = 0; i < QMAX; i++)
		if (q[i].used && (qi < 0 || q[i].at < q[qi].at ||
		                  (q[i].at == q[qi].at && q[i].order < q[qi].order)))
			qi = i;
	return qi;
}

static void q_deliver(int qi)
{
	/* Copy it out first: the engine's replies reuse the slot while the
	 * input call still reads the segment. */
	static struct inflight cur;
	cur = q[qi];
	q[qi].used = false;
	struct inflight *f = &cur;
	struct node *n = &nodes[f->to];
	struct hz_ip_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.src = f->tx.src;
	rx.dst = f->tx.dst;
	rx.proto = 6;
	rx.ip = &n->ip;
	rx.now = now;
	rx.pseudo = ref_pseudo(&rx.src, &rx.dst, f->len);
	int rc = n->upper->input(n->upper->ctx, &rx, f->b, f->len);
	if (getenv("HZ_TCP_SIM_TRACE")) {
		uint32_t sq = (uint32_t)f->b[4] << 24 | (uint32_t)f->b[5] << 16 |
		              (uint32_t)f->b[6] << 8 | f->b[7];
		uint32_t ak = (uint32_t)f->b[8] << 24 | (uint32_t)f->b[9] << 16 |
		              (uint32_t)f->b[10] << 8 | f->b[11];
		const struct hz_tcp_conn *ca = &nodes[0].conns[0], *cb = &nodes[1].conns[0];
		fprintf(stderr, "t=%llu ->%d fl %02x seq %u ack %u win %u len %zu rc %d | A %s una %u nxt %u max %u rnxt %u wnd %u | B %s una %u nxt %u max %u rnxt %u wnd %u\n",
		        (unsigned long long)now, f->to, f->b[13], sq, ak, (unsigned)(f->b[14] << 8 | f->b[15]),
		        f->len - (size_t)(f->b[12] >> 4) * 4, rc,
		        hz_tcp_state_name(ca->state), ca->snd_una, ca->snd_nxt, ca->snd_max, ca->rcv_nxt, ca->snd_wnd,
		        hz_tcp_state_name(cb->state), cb->snd_una, cb->snd_nxt, cb->snd_max, cb->rcv_nxt, cb->snd_wnd);
	}
}

static int run_seed(uint64_t seed)
{
	rng_state = seed * 0x2545f4914f6cdd1dull + 1;
	memset(q, 0, sizeof q);
	stat_lost = stat_dup = stat_corrupt = stat_sent = 0;
	struct hz_tcp_config cfg;
	hz_tcp_config_default(&cfg);
	unsigned mode = rnd(4);
	cfg.timestamps = mode & 1;
	cfg.sack = mode & 2;
	cfg.window_scaling = rnd(2);
	cfg.nodelay = rnd(2);
	cfg.cc = rnd(2) ? HZ_TCP_CC_CUBIC : HZ_TCP_CC_NEWRENO;
	cfg.time_wait = HZ_SEC(2);
	cfg.data_retries = 30;
	cfg.syn_retries = 30;
	cfg.rto_max = HZ_SEC(4);
	/* The speed options, from the seed without drawing from the
	 * generator (so every seed keeps the impairments it always had):
	 * ACKs once per batch (segments due at one instant are delivered
	 * together, then the engines are polled), checksums left to a
	 * "device" (sim_output), a window scale for a 1 MiB ring. */
	uint64_t oh = (seed + 0x5bd1e995u) * 0x9e3779b97f4a7c15ull;
	oh ^= oh >> 31;
	cfg.ack_batch = (oh >> 3) & 1;
	cfg.tx_csum_offload = (oh >> 5) & 1;
	cfg.rcv_wnd_max = ((oh >> 7) & 3) == 0 ? 1u << 20 : 0;
	/* HZ_TCP_SIM_HARSH: up to 30% loss instead of 8%. */
	bool harsh = getenv("HZ_TCP_SIM_HARSH") != NULL;
	imp.loss = rnd(harsh ? 300 : 80);
	imp.dup = rnd(30);
	imp.corrupt = rnd(30);
	imp.delay = HZ_MSEC(1 + rnd(40));
	imp.jitter = rnd(3) ? HZ_MSEC(rnd(30)) : 0;
	imp.burst = rnd(2) ? rnd(harsh ? 60 : 20) : 0;
	imp.burst_len = 2 + rnd(6);
	burst_left[0] = burst_left[1] = 0;
	now = HZ_SEC(10) + rnd(1000000);
	node_init(&nodes[0], 0, &cfg);
	node_init(&nodes[1], 1, &cfg);
	(void)hz_tcp_poll(&nodes[0].tcp, now);
	(void)hz_tcp_poll(&nodes[1].tcp, now);

	struct hz_tcp_listener *l;
	struct hz_tcp_endpoint le = { .port = 80 };
	assert_int_equal(hz_tcp_listener_open(&nodes[1].tcp, &le, 1, &l), HZ_OK);
	struct app A = { .to_send = 1 + rnd(60000), .seed = 3, .peer_seed = 11 };
	struct app B = { .to_send = rnd(40000), .seed = 11, .peer_seed = 3 };
	assert_int_equal(hz_tcp_conn_open(&nodes[0].tcp, &A.c), HZ_OK);
	struct hz_tcp_endpoint re = { .addr = nodes[1].addr, .port = 80 };
	assert_int_equal(hz_tcp_conn_connect(A.c, &re, NULL), HZ_OK);

	hz_time_t end = now + HZ_SEC(600);
	while (now < end) {
		if (!B.c && hz_tcp_listener_accept(l, &B.c) == HZ_OK)
			assert_non_null(B.c);
		app_step(&A);
		app_step(&B);
		bool a_done = A.closed, b_done = B.closed;
		if (a_done && b_done) {
			bool quiet = true;
			for (int i = 0; i < 2; i++)
				for (int k = 0; k < 2; k++) {
					uint8_t st = nodes[i].conns[k].state;
					if (st != HZ_TCP_CLOSED && st != HZ_TCP_TIME_WAIT)
						quiet = false;
				}
			if (quiet)
				break;
		}
		if (A.c && hz_tcp_conn_error(A.c) && !A.closed)
			break;
		if (B.c && hz_tcp_conn_error(B.c) && !B.closed)
			break;
		/* Next event: the earliest segment or timer. */
		hz_time_t next = HZ_TIME_NEVER;
		hz_time_t d0 = hz_tcp_poll(&nodes[0].tcp, now);
		hz_time_t d1 = hz_tcp_poll(&nodes[1].tcp, now);
		/* After the polls: what they sent (timers, ACKs held for the
		 * end of a batch) is on the link too, and must not arrive late
		 * because the clock jumped past it. */
		int qi = q_earliest();
		if (qi >= 0)
			next = q[qi].at;
		next = hz_time_min(next, hz_time_min(d0, d1));
		if (next == HZ_TIME_NEVER)
			break;
		if (next > now)
			now = next;
		if (qi >= 0 && q[qi].at <= now) {
			q_deliver(qi);
			/* A batch: everything due now, before the next poll. */
			while (cfg.ack_batch && (qi = q_earliest()) >= 0 && q[qi].at <= now)
				q_deliver(qi);
		}
	}
	int fails = 0;
	if (!(A.closed && B.closed) || A.bad || B.bad || A.rcvd != B.to_send || B.rcvd != A.to_send) {
		fails = 1;
		fprintf(stderr,
		        "seed %llu: mode %u loss %u burst %u/%u dup %u corrupt %u delay %llu jitter %llu: "
		        "A sent %zu/%zu rcvd %zu eof %d closed %d err %d state %d; "
		        "B sent %zu/%zu rcvd %zu eof %d closed %d err %d state %d; bad %d %d\n",
		        (unsigned long long)seed, mode, imp.loss, imp.burst, imp.burst_len, imp.dup, imp.corrupt,
		        (unsigned long long)imp.delay, (unsigned long long)imp.jitter, A.sent, A.to_send,
		        A.rcvd, A.eof, A.closed, A.c ? A.c->error : 0, A.c ? A.c->state : -1, B.sent,
		        B.to_send, B.rcvd, B.eof, B.closed, B.c ? B.c->error : 0, B.c ? B.c->state : -1,
		        A.bad, B.bad);
	} else if (verbose) {
		fprintf(stderr, "seed %llu ok: %lu sent, %lu lost, %lu dup, %lu corrupt, %.3f s\n",
		        (unsigned long long)seed, stat_sent, stat_lost, stat_dup, stat_corrupt,
		        (double)(now - HZ_SEC(10)) / 1e6);
	}
	return fails;
}

static void test_sim_many_seeds(void **state)
{
	(void)state;
	verbose = getenv("HZ_TCP_SIM_VERBOSE") != NULL;
	const char *one = getenv("HZ_TCP_SIM_SEED");
	if (one) {
		assert_int_equal(run_seed(strtoull(one, NULL, 10)), 0);
		return;
	}
	const char *ns = getenv("HZ_TCP_SIM_SEEDS");
	unsigned long n = ns ? strtoul(ns, NULL, 10) : 2000;
	int fails = 0;
	for (unsigned long s = 1; s <= n; s++)
		fails += run_seed(s);
	fprintf(stderr, "%lu seeds, %d failed; fast recoveries %llu (SACK %llu), timeouts %llu\n", n,
	        fails, tot_recoveries, tot_sack_recoveries, tot_timeouts);
	assert_int_equal(fails, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_many_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
