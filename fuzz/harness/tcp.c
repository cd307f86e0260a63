/*
 * tcp: the wire codec (header, options, checksum) and the engine over a
 * fake struct hz_ip that plays up to four peers and checks every segment
 * tcp sends.
 *
 * Input: three config bytes, then up to 128 operations.
 *
 *   c0  bit 0 timestamps, 1 SACK, 2 window scaling, 3 CUBIC (else NewReno),
 *       4 delack 0, 5 nodelay, 6 short timers (keepalive 20 s/2 s/3,
 *       TIME-WAIT 5 s, FIN-WAIT-2 10 s, 2 SYN / 3 data retries, RTO max
 *       4 s), 7 re-entrant callbacks (read on READABLE, send on WRITABLE,
 *       close on CLOSED, accept on ACCEPT)
 *   c1  bits 0-1 send ring {8192, 2048, 600, 16384}, 2-3 receive ring
 *       {8192, 1500, 300, 70000}, 4-5 tx buffer payload room
 *       {1460, 600, 64, 8960}, 6-7 path MTU {1480, 556, 8980, 100}
 *   c2  bits 0-1 backlog - 1 of the listener on port 80, 2-3 initial cwnd
 *       {10, 1, 2, 4}, 4 keepalive on by default, 5 mss_max 536, 6 SYN
 *       cookies off (on by default), 7 challenge-ACK limit 2 per second
 *       (else the default 1000)
 *
 * Each operation starts with one byte whose low 3 bits select it:
 *
 *   0, 1  built segment: tsel u8, mode u8, flags u8, seq u32, ack u32,
 *         wnd u16, dlen u16, [urg u16], [options], [dlen payload bytes]
 *         tsel: bit 7 clear and connection slot (tsel & 3) in use: that
 *           connection's 4-tuple, reversed. Otherwise a template: source
 *           peers[(tsel >> 2) & 3], port pports[(tsel >> 4) & 3], to
 *           lports[tsel & 3] at 10.0.0.2 (bit 6: at 10.0.0.9).
 *         mode: bits 0-1 seq base {RCV.NXT, IRS, RCV.ADV, 0}; bits 2-3 ack
 *           base {SND.MAX, SND.UNA, ISS, 0} (bases are those of the
 *           connection the tuple reaches; when none, those of the latest
 *           SYN cookie sent to the tuple (SND.* = cookie + 1, ISS the
 *           cookie, RCV.NXT/RCV.ADV = its SYN's seq + 1, IRS that seq),
 *           else 0); seq and ack are added to them mod 2^32. Bit 4: payload bytes follow in the
 *           input (else the payload is the pattern byte of each byte's
 *           sequence number, so data from any segment is checkable); bit 5:
 *           leave the checksum wrong; bit 6: options follow; bit 7: urgent
 *           pointer follows. dlen is taken mod 2049.
 *         options: omask u8: bit 0 MSS (u16), 1 WS (u8), 2 SACK-permitted,
 *           3 timestamps (tsval u32 added to TS.Recent, tsecr u32 added to
 *           the last TSval the engine sent on that connection; for a
 *           cookie tuple the SYN's TSval and the cookie SYN-ACK's), 4 SACK
 *           (n u8 -> 1 + n % 4 blocks of (left u16 added to SND.UNA,
 *           length u16)), 5 raw option bytes (len u8 % 41, bytes), 6 an EOL
 *           first, 7 pad with EOL instead of NOP; cut at 40 bytes.
 *   2     raw segment: rflags u8, [slot u8 when bit 6], len u16 % 4096, bytes
 *         rflags: bit 0 fix the checksum, bits 1-2 source peers[], bit 3
 *         to 10.0.0.9, bit 4 HZ_IP_RX_BCAST, bit 5 HZ_IP_RX_MCAST, bit 6
 *         aim at the slot's connection (its addresses and ports), bit 7
 *         make the data offset fit.
 *   3     time: code u8: 0 jumps to the last deadline poll returned, else
 *         fz_step(code); then hz_tcp_poll.
 *   4     time: u32 microseconds; then hz_tcp_poll.
 *   5     ICMP error: isel u8, kind u8, seq u32, mtu u16, [qlen u8, quote]
 *         isel: bits 0-1 slot, bit 2 the quote comes from the input, bit 3
 *         our side is 10.0.0.9, bit 4 seq absolute (else added to
 *         SND.UNA). Frag-needed also sets the fake path MTU to mtu.
 *   6, 7  API call: a u8 (action a & 15, slot (a >> 4) & 3, arg a >> 6):
 *         0 open + connect (arg bit 0 and the slot held: connect that
 *           handle again; r u8: bits 0-1 peer, 2-3 remote port
 *           {80, 443, 40000, 0}, 4 local port 5000 + bit 6, 5 own ring
 *           memory, 6 local address 10.0.0.2, 7 local address 10.0.0.9),
 *         1 listen (r u8: bits 0-1 lports[], 2-3 backlog, 4 at 10.0.0.2,
 *           5 at 10.0.0.9), 2 close listener slot & 1, 3 accept on
 *           listener slot & 1, 4 send (len u16 % 16384), 5 recv (cap u16
 *           % 16384), 6 peek + consume (n u16), 7 shutdown, 8 close,
 *           9 abort, 10 nodelay = arg & 1, 11 keepalive = arg & 1,
 *           12 set_buffers (own memory), 13 ip output returns {OK,
 *           NO_ROUTE, TOO_BIG, NO_SPACE}[arg], 14 drain every connection,
 *           15 path MTU (u16).
 *
 * Data the harness sends is a pattern of the stream offset; data it
 * injects is a pattern of the sequence number (unless taken from the
 * input, which "taints" the connection for the content checks).
 *
 * Invariants (abort on violation):
 *  - wire: hz_tcp_hdr_parse's result and fields against the bytes; header
 *    emit round trip; hz_tcp_opts_parse against an independent option
 *    scanner (result, bad_kind, every field, unknown count, last one
 *    wins); opts emit/len/parse round trip; checksum compute/verify against
 *    a byte-wise RFC 1071 sum.
 *  - input: segments dropped before the state machine (truncated, offset,
 *    checksum, options, address) return the documented error, are counted
 *    under that reason and send nothing; a segment for no connection or
 *    listener returns HZ_ERR_NOT_FOUND and is answered by exactly one RST
 *    (none for a RST); HZ_ERR_REFUSED never; each segment counted once.
 *  - listeners (tcp.h, README.md): a SYN for a listener with room opens a
 *    connection in SYN-RECEIVED; at its backlog or with no slot it gets a
 *    SYN cookie (cfg.syn_cookies) and nothing is kept, else it is dropped
 *    as backlog_full / no_conn_slot and nothing is sent. An ACK for a
 *    listener that sent cookies in the last 128 s is a cookie ACK:
 *    cookies_ok (a connection with ISS = SEG.ACK - 1, IRS = SEG.SEQ - 1,
 *    past SYN-RECEIVED, MSS not above the cookie's; if there was no room,
 *    the oldest half-open connection of the listener was reset with
 *    <SEQ=SND.MAX><RST>, and only then), cookies_bad (RST, listen_bad),
 *    or, valid with no room and no half-open one, backlog_full; otherwise
 *    an ACK for a listener gets a RST. A SYN reopens a TIME-WAIT
 *    connection the application released (tw_reopened) exactly when a
 *    listener has the port and its TSval (timestamps on both) or its
 *    sequence number is newer (RFC 6191); the new ISS lies above the old
 *    SND.MAX.
 *  - RFC 5961 challenges (rst/syn/ack_challenged): one challenge ACK or,
 *    at cfg.challenge_ack_limit in the current second, chack_suppressed
 *    (then `limit` were sent within the last second); never otherwise;
 *    no more than the limit since the engine's window start.
 *  - every segment sent: parses, options parse with no unknown kind,
 *    checksum verifies, reserved bits zero, no port 0; it belongs to a live
 *    connection, or is an RST mirroring the segment being processed (RFC
 *    9293 3.10.7.1 form: ACK -> <SEQ=SEG.ACK><RST>, else
 *    <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>), or is a cookie SYN-ACK
 *    answering the SYN being processed (cookies_sent moves by one; ACK =
 *    SEG.SEQ + 1; an ISN no connection has, laid out as README.md says:
 *    64 s counter, index of the largest table MSS not above the peer's and
 *    ours; the window of a connection's SYN-ACK; WS and SACK-permitted
 *    only with timestamps, echoed in the TSval's low 6 bits); connection
 *    RSTs carry SND.MAX;
 *    SYNs carry ISS and an MSS option equal to the one announced, and only
 *    options the config allows; other segments carry ACK = RCV.NXT, never
 *    going back, and a right window edge that never moves back; SACK
 *    blocks lie beyond the ACK within the ring; data only in states that
 *    send, at most one MSS (less timestamps), at or after SND.UNA, new
 *    data inside min(SND.WND, cwnd) (except the one segment resent from
 *    SND.UNA); in RFC 6675 recovery new data instead at SND.MAX, inside
 *    SND.WND and with pipe + its length <= cwnd (SetPipe recomputed from
 *    the scoreboard); every byte equal to what the application sent at that
 *    offset; FIN only when queued, after the last byte; segs_out/rsts_out
 *    count what was sent.
 *  - engine state after every operation: sequence variables ordered,
 *    out-of-order ranges inside the free ring, the advertised window no
 *    larger than the free ring, listeners' pending counts match their
 *    connections and the backlog, ownership flags match the harness's;
 *    the SACK scoreboard ascending, disjoint, inside SND.UNA..SND.MAX;
 *    cookie, TIME-WAIT reuse and challenge counters move only on input.
 *  - data: bytes_in == bytes read + bytes readable, bytes_in <= payload
 *    injected, bytes_out + send ring == bytes sent; every byte recv/peek
 *    returns is the pattern byte of its sequence number; recv's return
 *    values follow its contract (count, 0 at EOF, error, WOULD_BLOCK).
 *  - hz_tcp_conn_events/_error/_stats agree with the state they describe.
 *  - poll: the next deadline is in the future or HZ_TIME_NEVER.
 *  - ICMP: short quotes, unknown connections, quoted sequence numbers out
 *    of SND.UNA..SND.MAX counted; port unreachable aborts SYN-SENT with
 *    HZ_ERR_REFUSED; nothing sent except after frag-needed.
 *  - callbacks only for connections the application holds, CLOSED only
 *    when closed, ERROR only with an error latched.
 */
#include "fuzz.h"
#include "haze/tcp.h"

#define NCONN 4
#define NLIS 2
#define MAX_OPS 128
#define SND_MAX 16384
#define RCV_MAX 70000
#define OWN_SND 333
#define OWN_RCV 777
#define OTHER_ADDR 0x0a000009u

/* The references, pattern loops and invariant checkers are not what is
 * being fuzzed: keep their edges out of the fuzzer's feedback. libFuzzer's
 * per-feature bookkeeping dominates the run time, and these edges cost
 * about a quarter of the executions per second. (gcc has no such
 * attribute; the replay build needs none.) */
#if defined(__clang__)
#define FZ_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define FZ_NOCOV
#endif

static const uint32_t peers[4] = { FZ_GATEWAY, 0x0a000003u, 0xc0000207u, FZ_ADDR };
static const uint16_t pports[4] = { 40000, 40001, 80, 65535 };
static const uint16_t lports[4] = { 80, 443, 8080, 1 };

/* ------------------------------------------------------------------ */
/* References                                                          */
/* ------------------------------------------------------------------ */

FZ_NOCOV static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0u);
	return s;
}

FZ_NOCOV static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)~s;
}

FZ_NOCOV static uint32_t ref_pseudo(const struct hz_ipaddr *src, const struct hz_ipaddr *dst, size_t len)
{
	uint8_t b[12];
	memcpy(b, src->b, 4);
	memcpy(b + 4, dst->b, 4);
	b[8] = 0;
	b[9] = HZ_TCP_PROTO;
	b[10] = (uint8_t)(len >> 8);
	b[11] = (uint8_t)len;
	return ref_sum(0, b, 12);
}

FZ_NOCOV static bool ref_csum_ok(uint32_t pseudo, const uint8_t *p, size_t len)
{
	return ref_fold(ref_sum(pseudo, p, len)) == 0;
}

/* The option rules of RFC 9293 3.1/3.2, RFC 7323, RFC 2018 as tcp.h
 * states them, written independently of wire.c. */
FZ_NOCOV static int ref_opts(struct hz_tcp_opts *o, const uint8_t *p, size_t len)
{
	memset(o, 0, sizeof *o);
	size_t i = 0;
	while (i < len) {
		uint8_t k = p[i];
		if (k == 0)
			return HZ_OK;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len) {
			o->bad_kind = k;
			return HZ_ERR_MALFORMED;
		}
		size_t l = p[i + 1];
		const uint8_t *v = p + i + 2;
		bool ok = true;
		switch (k) {
		case 2:
			ok = l == 4;
			if (ok) {
				o->mss = (uint16_t)(v[0] << 8 | v[1]);
				o->present |= HZ_TCP_OPTF_MSS;
			}
			break;
		case 3:
			ok = l == 3;
			if (ok) {
				o->ws = v[0];
				o->present |= HZ_TCP_OPTF_WS;
			}
			break;
		case 4:
			ok = l == 2;
			if (ok)
				o->present |= HZ_TCP_OPTF_SACK_PERM;
			break;
		case 5:
			ok = l >= 10 && l <= 34 && (l - 2) % 8 == 0;
			if (ok) {
				o->nsack = (uint8_t)((l - 2) / 8);
				for (unsigned b = 0; b < o->nsack; b++) {
					o->sack[b].left = hz_be32_load(v + 8 * b);
					o->sack[b].right = hz_be32_load(v + 8 * b + 4);
				}
				o->present |= HZ_TCP_OPTF_SACK;
			}
			break;
		case 8:
			ok = l == 10;
			if (ok) {
				o->tsval = hz_be32_load(v);
				o->tsecr = hz_be32_load(v + 4);
				o->present |= HZ_TCP_OPTF_TS;
			}
			break;
		default:
			if (o->unknown < 255)
				o->unknown++;
			break;
		}
		if (!ok) {
			o->bad_kind = k;
			return HZ_ERR_MALFORMED;
		}
		i += l;
	}
	return HZ_OK;
}

FZ_NOCOV static bool opts_same(const struct hz_tcp_opts *a, const struct hz_tcp_opts *b)
{
	if (a->present != b->present)
		return false;
	if ((a->present & HZ_TCP_OPTF_MSS) && a->mss != b->mss)
		return false;
	if ((a->present & HZ_TCP_OPTF_WS) && a->ws != b->ws)
		return false;
	if ((a->present & HZ_TCP_OPTF_TS) && (a->tsval != b->tsval || a->tsecr != b->tsecr))
		return false;
	if (a->present & HZ_TCP_OPTF_SACK) {
		if (a->nsack != b->nsack)
			return false;
		for (unsigned k = 0; k < a->nsack; k++)
			if (a->sack[k].left != b->sack[k].left || a->sack[k].right != b->sack[k].right)
				return false;
	}
	return true;
}

/* Payload patterns: injected data by sequence number, sent data by
 * stream offset. */
FZ_NOCOV static inline uint8_t pat_rx(uint32_t seq)
{
	uint32_t x = seq * 2654435761u;
	x ^= x >> 15;
	return (uint8_t)(x >> 7);
}

FZ_NOCOV static inline uint8_t pat_tx(uint64_t off)
{
	uint32_t x = (uint32_t)off * 2246822519u + 0x5au;
	x ^= x >> 13;
	return (uint8_t)(x >> 5);
}

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

/* What the harness knows about one connection slot's current
 * connection (reset when the slot is freed or takes another 4-tuple). */
struct shadow {
	bool valid;
	uint32_t iss;
	uint16_t lport, rport;
	uint32_t raddr;
	uint64_t read;     /* bytes the application took */
	uint64_t sent;     /* bytes send() queued */
	uint64_t injected; /* payload bytes offered to it */
	bool tainted;      /* payload not from pat_rx reached it */
	bool have_edge;
	uint32_t edge;     /* right window edge last advertised */
	bool have_ack;
	uint32_t ack;      /* ACK last sent */
	uint32_t tsval;    /* TSval last sent */
	hz_time_t born;    /* when the harness saw it begin */
};

/* The segment being processed, for the RST checks. */
struct cur {
	bool on;
	struct hz_ipaddr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack, seglen;
	uint8_t flags;
	struct hz_tcp_opts o; /* its options (they parsed) */
	unsigned cookies;     /* cookie SYN-ACKs sent while processing it */
	unsigned nrst;        /* RSTs sent while processing it ... */
	struct {
		struct hz_ipaddr src, dst;
		uint16_t sport, dport;
		uint32_t seq;
	} rst[8];             /* ... the first eight of them */
};

/* A SYN cookie the engine sent (RFC 4987 3.6): no connection holds it,
 * so the harness remembers the last few for the segments that answer. */
struct cookie {
	bool valid;
	struct hz_ipaddr laddr, raddr;
	uint16_t lport, rport;
	uint32_t isn;      /* the cookie: our ISN in the SYN-ACK */
	uint32_t peer_isn; /* the SYN's sequence number */
	uint32_t tsval;    /* TSval of the SYN-ACK (carries WS/SACK bits) */
	uint32_t peer_ts;  /* TSval of the SYN */
};
#define NCOOKIE 4

/* Engine-wide counters the harness predicts (they move only in input). */
struct model {
	uint64_t cookies_sent, cookies_ok, cookies_bad, tw_reopened;
	uint64_t chack_sent, chack_suppressed;
	hz_time_t chack_at[8]; /* times of the latest challenge ACKs sent */
};

struct fip {
	struct hz_ip ip;
	const struct hz_ip_upper *up;
	size_t mtu;
	int out_rc;
	bool in_output;
	uint64_t outputs;
	uint64_t rsts;
	struct cur cur;
	struct cookie ck[NCOOKIE];
	unsigned ck_next;
	struct model m;
};

static struct fip F;
static struct hz_tcp T;
static struct hz_tcp_config CFG;
static struct hz_tcp_conn conns[NCONN];
static struct hz_tcp_listener lis[NLIS];
static struct shadow SH[NCONN];
static bool owned[NCONN];
static bool reentrant;
static size_t snd_cap, rcv_cap;
static hz_time_t now, next_deadline;
static uint8_t ring_mem[NCONN * (SND_MAX + RCV_MAX)];
static uint8_t own_snd[NCONN][OWN_SND], own_rcv[NCONN][OWN_RCV];
static uint8_t txbuf[HZ_PBUF_HEADROOM + HZ_TCP_HDR_MAX + 8960];
static uint8_t iobuf[16384];
static uint8_t segbuf[4096 + 64];

static int slot_of(const struct hz_tcp_conn *c)
{
	FZ_CHECK(c >= conns && c < conns + NCONN);
	return (int)(c - conns);
}

static bool addr_same(const struct hz_ipaddr *a, const struct hz_ipaddr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, sizeof a->b) == 0;
}

static bool addr_zero(const struct hz_ipaddr *a)
{
	for (size_t i = 0; i < sizeof a->b; i++)
		if (a->b[i])
			return false;
	return true;
}

/* The engine's lookup rules, as documented, for predictions. */
FZ_NOCOV static struct hz_tcp_conn *find_conn(const struct hz_ipaddr *laddr, uint16_t lport,
                                     const struct hz_ipaddr *raddr, uint16_t rport)
{
	for (int i = 0; i < NCONN; i++) {
		struct hz_tcp_conn *c = &conns[i];
		if (c->state != HZ_TCP_CLOSED && c->local.port == lport && c->remote.port == rport &&
		    addr_same(&c->local.addr, laddr) && addr_same(&c->remote.addr, raddr))
			return c;
	}
	return NULL;
}

FZ_NOCOV static bool any_listener(const struct hz_ipaddr *addr, uint16_t port)
{
	for (int i = 0; i < NLIS; i++) {
		const struct hz_tcp_listener *l = &lis[i];
		if (!l->used || l->local.port != port)
			continue;
		if (l->local.addr.family == HZ_AF_NONE || addr_zero(&l->local.addr) ||
		    addr_same(&l->local.addr, addr))
			return true;
	}
	return false;
}

static bool slot_is_free(const struct hz_tcp_conn *c)
{
	return c->state == HZ_TCP_CLOSED && !(c->flags & HZ_TCP_CF_APP_OWNED) && !c->listener;
}

FZ_NOCOV static void sync_slot(int i)
{
	const struct hz_tcp_conn *c = &conns[i];
	struct shadow *s = &SH[i];
	if (slot_is_free(c)) {
		s->valid = false;
		return;
	}
	uint32_t ra = c->remote.addr.family == HZ_AF_INET ? hz_ipaddr_to_v4(&c->remote.addr) : 0;
	if (s->valid && s->iss == c->iss && s->lport == c->local.port && s->rport == c->remote.port &&
	    s->raddr == ra)
		return;
	memset(s, 0, sizeof *s);
	s->valid = true;
	s->born = now;
	s->iss = c->iss;
	s->lport = c->local.port;
	s->rport = c->remote.port;
	s->raddr = ra;
}

/* ------------------------------------------------------------------ */
/* The fake network layer                                              */
/* ------------------------------------------------------------------ */

static uint32_t f_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                         uint8_t proto, size_t len)
{
	(void)ctx;
	FZ_CHECK(proto == HZ_TCP_PROTO);
	FZ_CHECK(src->family == HZ_AF_INET && dst->family == HZ_AF_INET);
	return ref_pseudo(src, dst, len);
}

static int f_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	struct fip *f = ctx;
	FZ_CHECK(proto == HZ_TCP_PROTO && up && up->input && up->error);
	if (f->up)
		return HZ_ERR_IN_USE;
	f->up = up;
	return HZ_OK;
}

static int f_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	(void)ctx;
	FZ_CHECK(dst->family == HZ_AF_INET);
	*src = hz_ipaddr_v4(FZ_ADDR);
	return HZ_OK;
}

static bool f_is_local(void *ctx, const struct hz_ipaddr *a)
{
	(void)ctx;
	return a->family == HZ_AF_INET && hz_ipaddr_to_v4(a) == FZ_ADDR;
}

static size_t f_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	(void)dst;
	return ((struct fip *)ctx)->mtu;
}

/* A stateless RST answering the segment being processed. */
FZ_NOCOV static void check_reply_rst(const struct hz_tcp_hdr *h, size_t dlen, const struct hz_ip_tx *tx)
{
	const struct cur *in = &F.cur;
	FZ_CHECK(in->on);
	FZ_CHECK(!(in->flags & HZ_TCP_RST));
	FZ_CHECK(h->sport == in->dport && h->dport == in->sport);
	FZ_CHECK(addr_same(&tx->src, &in->dst) && addr_same(&tx->dst, &in->src));
	FZ_CHECK(dlen == 0 && h->off == HZ_TCP_HDR_LEN);
	if (in->flags & HZ_TCP_ACK) {
		FZ_CHECK(h->flags == HZ_TCP_RST && h->seq == in->ack);
	} else {
		FZ_CHECK(h->flags == (HZ_TCP_RST | HZ_TCP_ACK));
		FZ_CHECK(h->seq == 0 && h->ack == in->seq + in->seglen);
	}
}

FZ_NOCOV static bool tx_bytes_ok(const uint8_t *d, size_t n, uint64_t off)
{
	for (size_t k = 0; k < n; k++)
		if (d[k] != pat_tx(off + k))
			return false;
	return true;
}

FZ_NOCOV static void fill_tx(uint8_t *d, size_t n, uint64_t off)
{
	for (size_t k = 0; k < n; k++)
		d[k] = pat_tx(off + k);
}

FZ_NOCOV static void fill_rx(uint8_t *d, size_t n, uint32_t seq)
{
	for (size_t k = 0; k < n; k++)
		d[k] = pat_rx(seq + (uint32_t)k);
}

/* RFC 4987 3.6 as tcp.h / README.md describe haze's cookies: the MSS
 * table, the 64 s counter in bits 31-27, the MSS index in bits 26-24. */
static const uint16_t cookie_mss[4] = { 536, 1220, 1440, 1460 };
#define COOKIE_PERIOD HZ_SEC(64)

FZ_NOCOV static uint32_t cookie_counter(hz_time_t t)
{
	return (uint32_t)(t / COOKIE_PERIOD);
}

/* A SYN-ACK that belongs to no connection: a SYN cookie answering the
 * SYN being processed (a listener at its backlog or a full table). */
FZ_NOCOV static void check_cookie_synack(const struct hz_tcp_hdr *h, const struct hz_tcp_opts *o,
                                         size_t dlen, const struct hz_ip_tx *tx)
{
	struct cur *in = &F.cur;
	FZ_CHECK(in->on && CFG.syn_cookies);
	FZ_CHECK((in->flags & (HZ_TCP_SYN | HZ_TCP_ACK | HZ_TCP_RST)) == HZ_TCP_SYN);
	FZ_CHECK(any_listener(&in->dst, in->dport));
	FZ_CHECK(h->flags == (HZ_TCP_SYN | HZ_TCP_ACK));
	FZ_CHECK(h->sport == in->dport && h->dport == in->sport);
	FZ_CHECK(addr_same(&tx->src, &in->dst) && addr_same(&tx->dst, &in->src));
	FZ_CHECK(h->ack == in->seq + 1u && dlen == 0);
	/* The window is the one a connection's SYN-ACK offers: the passive
	 * receive ring, unscaled (RFC 7323 2.2), at most 65535. */
	FZ_CHECK(h->wnd == HZ_MIN(rcv_cap, (size_t)0xffffu));
	FZ_CHECK(in->cookies == 0);
	in->cookies++;
	/* Its ISN is no connection's: it is a cookie. */
	for (int i = 0; i < NCONN; i++)
		if (conns[i].state != HZ_TCP_CLOSED)
			FZ_CHECK(conns[i].iss != h->seq);
	/* The layout: counter, then the largest table MSS not above the
	 * peer's (536 without the option) and the one we announce. */
	FZ_CHECK(h->seq >> 27 == (cookie_counter(now) & 31u));
	FZ_CHECK(o->present & HZ_TCP_OPTF_MSS);
	FZ_CHECK(o->mss >= 64);
	uint32_t lim = (in->o.present & HZ_TCP_OPTF_MSS) ? in->o.mss : 536u;
	if (lim > o->mss)
		lim = o->mss;
	uint32_t idx = 0;
	for (uint32_t k = 0; k < 4; k++)
		if (cookie_mss[k] <= lim)
			idx = k;
	FZ_CHECK(((h->seq >> 24) & 7u) == idx);
	FZ_CHECK(!(o->present & HZ_TCP_OPTF_SACK));
	/* Options: answers to what the SYN offered; window scale and
	 * SACK-permitted only with timestamps, their values in the TSval's
	 * low 6 bits (0-3 the shift, 15 none; bit 4 SACK). */
	bool ts = CFG.timestamps && (in->o.present & HZ_TCP_OPTF_TS);
	FZ_CHECK(!!(o->present & HZ_TCP_OPTF_TS) == ts);
	bool ws = ts && CFG.window_scaling && (in->o.present & HZ_TCP_OPTF_WS);
	FZ_CHECK(!!(o->present & HZ_TCP_OPTF_WS) == ws);
	if (ws)
		FZ_CHECK(o->ws <= HZ_TCP_WS_MAX);
	bool sack = ts && CFG.sack && (in->o.present & HZ_TCP_OPTF_SACK_PERM);
	FZ_CHECK(!!(o->present & HZ_TCP_OPTF_SACK_PERM) == sack);
	if (ts) {
		FZ_CHECK(o->tsecr == in->o.tsval);
		uint32_t shift = in->o.ws > HZ_TCP_WS_MAX ? HZ_TCP_WS_MAX : in->o.ws;
		FZ_CHECK((o->tsval & 0xfu) == (ws ? shift : 15u));
		FZ_CHECK(!!(o->tsval & 0x10u) == sack);
	}
	struct cookie *k = &F.ck[F.ck_next++ % NCOOKIE];
	k->valid = true;
	k->laddr = in->dst;
	k->raddr = in->src;
	k->lport = in->dport;
	k->rport = in->sport;
	k->isn = h->seq;
	k->peer_isn = in->seq;
	k->tsval = (o->present & HZ_TCP_OPTF_TS) ? o->tsval : 0;
	k->peer_ts = (in->o.present & HZ_TCP_OPTF_TS) ? in->o.tsval : 0;
}

/* The latest cookie the engine sent to this 4-tuple, or NULL. */
FZ_NOCOV static const struct cookie *find_cookie(const struct hz_ipaddr *laddr, uint16_t lport,
                                                 const struct hz_ipaddr *raddr, uint16_t rport)
{
	for (unsigned n = 1; n <= NCOOKIE; n++) {
		const struct cookie *k = &F.ck[(F.ck_next - n) % NCOOKIE];
		if (k->valid && k->lport == lport && k->rport == rport && addr_same(&k->laddr, laddr) &&
		    addr_same(&k->raddr, raddr))
			return k;
	}
	return NULL;
}

/* RFC 6675 4 over haze's scoreboard (ascending, disjoint SACKed ranges,
 * tcp_internal.h): IsLost(seq) is DupThresh (3) ranges above seq or more
 * than 2 * SMSS SACKed bytes above it; SetPipe counts every unSACKed
 * byte from SND.UNA to SND.MAX once if not lost and once more if below
 * HighRxt during recovery. */
FZ_NOCOV static bool ref_is_lost(const struct hz_tcp_conn *c, uint32_t seq, uint32_t smss)
{
	uint64_t bytes = 0;
	unsigned ranges = 0;
	for (unsigned k = 0; k < c->nscore; k++) {
		uint32_t l = c->score[k].left, r = c->score[k].right;
		uint32_t from = hz_tcp_seq_gt(l, seq) ? l : seq + 1u;
		if (hz_tcp_seq_lt(from, r))
			bytes += r - from;
		if (hz_tcp_seq_gt(l, seq))
			ranges++;
	}
	return ranges >= 3 || bytes > 2ull * smss;
}

FZ_NOCOV static uint64_t ref_pipe(const struct hz_tcp_conn *c, uint32_t smss)
{
	uint64_t pipe = 0;
	bool rec = c->flags & HZ_TCP_CF_RECOVERY;
	uint32_t cur = c->snd_una;
	for (unsigned k = 0; k <= c->nscore; k++) {
		uint32_t end = k < c->nscore ? c->score[k].left : c->snd_max;
		/* Within a hole every byte has the same SACKed bytes above. */
		if (hz_tcp_seq_lt(cur, end)) {
			if (!ref_is_lost(c, cur, smss))
				pipe += end - cur;
			if (rec && hz_tcp_seq_gt(c->high_rxt, cur))
				pipe += (hz_tcp_seq_lt(c->high_rxt, end) ? c->high_rxt : end) - cur;
		}
		if (k < c->nscore)
			cur = c->score[k].right;
	}
	return pipe;
}

/* The payload of a full segment: the MSS less the options an ACK
 * carries (timestamps, SACK blocks for the out-of-order data held). */
FZ_NOCOV static uint32_t smss_of(const struct hz_tcp_conn *c)
{
	struct hz_tcp_opts o;
	memset(&o, 0, sizeof o);
	if (c->flags & HZ_TCP_CF_TS)
		o.present |= HZ_TCP_OPTF_TS;
	if ((c->flags & HZ_TCP_CF_SACK) && CFG.sack && c->nooo) {
		o.present |= HZ_TCP_OPTF_SACK;
		o.nsack = (uint8_t)HZ_MIN((unsigned)c->nooo, (o.present & HZ_TCP_OPTF_TS) ? 3u : 4u);
	}
	size_t ol = hz_tcp_opts_len(&o);
	return c->mss > ol ? (uint32_t)(c->mss - ol) : 1u;
}

static bool in_sack_recovery(const struct hz_tcp_conn *c)
{
	return (c->flags & HZ_TCP_CF_RECOVERY) && (c->flags & HZ_TCP_CF_SACK) && CFG.sack;
}

FZ_NOCOV static void check_conn_segment(struct hz_tcp_conn *c, const struct hz_tcp_hdr *h,
                               const struct hz_tcp_opts *o, const uint8_t *data, size_t dlen)
{
	int i = slot_of(c);
	sync_slot(i);
	struct shadow *s = &SH[i];
	FZ_CHECK(s->valid);
	FZ_CHECK(c->state != HZ_TCP_LISTEN && c->state < HZ_TCP_STATE_COUNT);
	if (h->flags & HZ_TCP_RST) {
		/* ABORT, data after close, listener close: <SEQ=SND.MAX><RST>. */
		FZ_CHECK(h->flags == HZ_TCP_RST && h->seq == c->snd_max);
		FZ_CHECK(dlen == 0 && h->off == HZ_TCP_HDR_LEN);
		return;
	}
	if (h->flags & HZ_TCP_SYN) {
		if (c->state == HZ_TCP_SYN_SENT)
			FZ_CHECK(h->flags == HZ_TCP_SYN);
		else
			FZ_CHECK(c->state == HZ_TCP_SYN_RECEIVED && h->flags == (HZ_TCP_SYN | HZ_TCP_ACK));
		FZ_CHECK(h->seq == c->iss && dlen == 0);
		FZ_CHECK(o->present & HZ_TCP_OPTF_MSS);
		FZ_CHECK(o->mss == c->rcv_mss && o->mss >= 64);
		if (o->present & HZ_TCP_OPTF_WS)
			FZ_CHECK(CFG.window_scaling && o->ws <= HZ_TCP_WS_MAX);
		if (o->present & HZ_TCP_OPTF_TS)
			FZ_CHECK(CFG.timestamps);
		if (o->present & HZ_TCP_OPTF_SACK_PERM)
			FZ_CHECK(CFG.sack);
		FZ_CHECK(!(o->present & HZ_TCP_OPTF_SACK));
		if (h->flags & HZ_TCP_ACK) {
			FZ_CHECK(h->ack == c->rcv_nxt);
			/* A SYN's window is never scaled (RFC 7323 2.2): at
			 * 0xffff it may be clamped below an edge an earlier
			 * scaled ACK announced, which is no shrink. */
			uint32_t edge = h->ack + h->wnd;
			if (s->have_edge && h->wnd < 0xffffu)
				FZ_CHECK(hz_tcp_seq_ge(edge, s->edge));
			if (!s->have_edge || hz_tcp_seq_gt(edge, s->edge))
				s->edge = edge;
			s->have_edge = true;
			s->have_ack = true;
			s->ack = h->ack;
		}
		if (o->present & HZ_TCP_OPTF_TS)
			s->tsval = o->tsval;
		return;
	}
	/* Everything else is synchronized and carries ACK = RCV.NXT. */
	FZ_CHECK(c->state != HZ_TCP_SYN_SENT);
	FZ_CHECK(h->flags & HZ_TCP_ACK);
	FZ_CHECK(h->ack == c->rcv_nxt);
	FZ_CHECK(!(o->present & (HZ_TCP_OPTF_MSS | HZ_TCP_OPTF_WS | HZ_TCP_OPTF_SACK_PERM)));
	FZ_CHECK(!!(o->present & HZ_TCP_OPTF_TS) == !!(c->flags & HZ_TCP_CF_TS));
	if (o->present & HZ_TCP_OPTF_TS) {
		FZ_CHECK(CFG.timestamps);
		s->tsval = o->tsval;
	}
	if (s->have_ack)
		FZ_CHECK(hz_tcp_seq_ge(h->ack, s->ack));
	s->have_ack = true;
	s->ack = h->ack;
	/* RFC 9293 3.8.6: the right edge never moves back (up to the
	 * rounding of a scaled window). */
	uint32_t edge = h->ack + ((uint32_t)h->wnd << c->rcv_wscale);
	uint32_t slack = (1u << c->rcv_wscale) - 1u;
	if (s->have_edge)
		FZ_CHECK(hz_tcp_seq_ge(edge + slack, s->edge));
	if (!s->have_edge || hz_tcp_seq_gt(edge, s->edge))
		s->edge = edge;
	s->have_edge = true;
	if (o->present & HZ_TCP_OPTF_SACK) {
		FZ_CHECK(CFG.sack && (c->flags & HZ_TCP_CF_SACK));
		for (unsigned k = 0; k < o->nsack; k++) {
			FZ_CHECK(hz_tcp_seq_lt(o->sack[k].left, o->sack[k].right));
			FZ_CHECK(hz_tcp_seq_gt(o->sack[k].left, h->ack));
			FZ_CHECK(o->sack[k].right - h->ack <= c->rcv.cap);
		}
	}
	if (dlen) {
		switch (c->state) {
		case HZ_TCP_ESTABLISHED:
		case HZ_TCP_CLOSE_WAIT:
		case HZ_TCP_FIN_WAIT_1:
		case HZ_TCP_CLOSING:
		case HZ_TCP_LAST_ACK:
			break;
		default:
			FZ_CHECK(!"data sent in a state that does not send");
		}
		size_t pmax = c->mss - ((c->flags & HZ_TCP_CF_TS) ? 12u : 0u);
		FZ_CHECK(dlen <= pmax);
		FZ_CHECK(hz_tcp_seq_ge(h->seq, c->snd_una));
		uint32_t off = h->seq - (c->iss + 1);
		FZ_CHECK((uint64_t)off + dlen <= s->sent);
		FZ_CHECK(tx_bytes_ok(data, dlen, off));
		uint32_t end = h->seq + (uint32_t)dlen;
		if (hz_tcp_seq_gt(end, c->snd_max) && h->seq != c->snd_una) {
			if (in_sack_recovery(c)) {
				/* RFC 6675 5 (C), NextSeg rule 2: new data only
				 * while cwnd - pipe covers it, and inside the
				 * peer's window (SACKed bytes are not in pipe,
				 * so it may pass SND.UNA + cwnd). The engine
				 * has not counted this segment yet. */
				FZ_CHECK(h->seq == c->snd_max);
				FZ_CHECK(end - c->snd_una <= c->snd_wnd);
				FZ_CHECK(ref_pipe(c, smss_of(c)) + dlen <= c->cwnd);
			} else {
				uint32_t wnd = HZ_MIN(c->snd_wnd, c->cwnd);
				FZ_CHECK(end - c->snd_una <= wnd);
			}
		}
	}
	if (h->flags & HZ_TCP_FIN) {
		FZ_CHECK(c->flags & HZ_TCP_CF_FIN_QUEUED);
		FZ_CHECK(h->seq + (uint32_t)dlen == c->snd_buf_seq + (uint32_t)c->snd.len);
	} else if (!dlen) {
		/* A pure ACK carries SND.MAX; a probe SND.UNA - 1. */
		FZ_CHECK(h->seq == c->snd_max || h->seq == c->snd_una - 1);
	}
}

static int f_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	struct fip *f = ctx;
	FZ_CHECK(!f->in_output);
	f->in_output = true;
	FZ_CHECK(pb->head >= f->ip.headroom);
	FZ_CHECK(pb->head + pb->len <= pb->cap);
	FZ_CHECK(tx->proto == HZ_TCP_PROTO);
	FZ_CHECK(tx->dst.family == HZ_AF_INET && tx->src.family == HZ_AF_INET);
	uint32_t dst4 = hz_ipaddr_to_v4(&tx->dst);
	FZ_CHECK(dst4 != 0xffffffffu && (dst4 >> 28) != 0xe);
	const uint8_t *d = hz_pbuf_data(pb);
	size_t len = pb->len;
	struct hz_tcp_hdr h;
	FZ_CHECK(hz_tcp_hdr_parse(&h, d, len) == HZ_OK);
	FZ_CHECK((d[12] & 0x0fu) == 0);
	FZ_CHECK(h.off % 4 == 0);
	struct hz_tcp_opts o;
	FZ_CHECK(hz_tcp_opts_parse(&o, h.opt, h.opt_len) == HZ_OK);
	FZ_CHECK(o.unknown == 0);
	FZ_CHECK(ref_csum_ok(ref_pseudo(&tx->src, &tx->dst, len), d, len));
	FZ_CHECK(h.sport != 0 && h.dport != 0);
#ifdef FZ_TCP_TRACE
	fprintf(stderr, "  out %u->%u flags %02x seq %u ack %u wnd %u len %zu\n", h.sport, h.dport, h.flags,
	        h.seq, h.ack, h.wnd, len - h.off);
#endif
	f->outputs++;
	if (h.flags & HZ_TCP_RST)
		f->rsts++;
	size_t dlen = len - h.off;
	struct hz_tcp_conn *c = find_conn(&tx->src, h.sport, &tx->dst, h.dport);
	if (h.flags & HZ_TCP_RST) {
		/* A connection's own RST is <SEQ=SND.MAX><RST>; anything else
		 * must answer the segment being processed (during input the
		 * two forms may coincide: either is accepted). */
		bool own = c && h.flags == HZ_TCP_RST && h.seq == c->snd_max && dlen == 0 &&
		           h.off == HZ_TCP_HDR_LEN;
		if (f->cur.on && f->cur.nrst < 8) {
			f->cur.rst[f->cur.nrst].src = tx->src;
			f->cur.rst[f->cur.nrst].dst = tx->dst;
			f->cur.rst[f->cur.nrst].sport = h.sport;
			f->cur.rst[f->cur.nrst].dport = h.dport;
			f->cur.rst[f->cur.nrst].seq = h.seq;
		}
		if (f->cur.on)
			f->cur.nrst++;
		if (own)
			check_conn_segment(c, &h, &o, d + h.off, dlen);
		else
			check_reply_rst(&h, dlen, tx);
		goto done;
	}
	if (c)
		check_conn_segment(c, &h, &o, d + h.off, dlen);
	else
		check_cookie_synack(&h, &o, dlen, tx);
done:
	f->in_output = false;
	return f->out_rc;
}

/* ------------------------------------------------------------------ */
/* Wire checks                                                         */
/* ------------------------------------------------------------------ */

FZ_NOCOV static void wire_checks(const uint8_t *p, size_t len, uint32_t pseudo)
{
	struct hz_tcp_hdr h, h2;
	int rc = hz_tcp_hdr_parse(&h, p, len);
	int exp;
	size_t off = len >= 13 ? (size_t)(p[12] >> 4) * 4 : 0;
	if (len < HZ_TCP_HDR_LEN)
		exp = HZ_ERR_NEED_MORE;
	else if (off < HZ_TCP_HDR_LEN)
		exp = HZ_ERR_MALFORMED;
	else if (off > len)
		exp = HZ_ERR_NEED_MORE;
	else
		exp = HZ_OK;
	FZ_CHECK(rc == exp);
	if (len >= HZ_TCP_HDR_LEN) {
		uint8_t copy[4096 + 64];
		memcpy(copy, p, len);
		uint16_t c = hz_tcp_csum_compute(pseudo, copy, len);
		FZ_CHECK(hz_tcp_csum_verify(pseudo, p, len) == ref_csum_ok(pseudo, p, len));
		hz_be16_store(copy + 16, c);
		FZ_CHECK(ref_csum_ok(pseudo, copy, len));
		FZ_CHECK(hz_tcp_csum_verify(pseudo, copy, len));
		FZ_CHECK(hz_tcp_csum_compute(pseudo, copy, len) == c);
	}
	if (rc != HZ_OK)
		return;
	FZ_CHECK(h.sport == hz_be16_load(p) && h.dport == hz_be16_load(p + 2));
	FZ_CHECK(h.seq == hz_be32_load(p + 4) && h.ack == hz_be32_load(p + 8));
	FZ_CHECK(h.off == off && h.flags == p[13] && h.wnd == hz_be16_load(p + 14));
	FZ_CHECK(h.csum == hz_be16_load(p + 16) && h.urg == hz_be16_load(p + 18));
	FZ_CHECK(h.opt == p + HZ_TCP_HDR_LEN && h.opt_len == off - HZ_TCP_HDR_LEN);

	uint8_t out[HZ_TCP_HDR_MAX];
	FZ_CHECK(hz_tcp_hdr_emit(out, sizeof out, &h, NULL) == HZ_TCP_HDR_LEN);
	FZ_CHECK(memcmp(out, p, 12) == 0 && memcmp(out + 13, p + 13, 7) == 0 && out[12] == 0x50);
	FZ_CHECK(hz_tcp_hdr_parse(&h2, out, HZ_TCP_HDR_LEN) == HZ_OK);
	FZ_CHECK(h2.sport == h.sport && h2.dport == h.dport && h2.seq == h.seq && h2.ack == h.ack &&
	         h2.flags == h.flags && h2.wnd == h.wnd && h2.csum == h.csum && h2.urg == h.urg &&
	         h2.off == HZ_TCP_HDR_LEN && h2.opt_len == 0);
	FZ_CHECK(hz_tcp_hdr_emit(out, HZ_TCP_HDR_LEN - 1, &h, NULL) == HZ_ERR_NO_SPACE);

	struct hz_tcp_opts o, r, o2;
	int orc = hz_tcp_opts_parse(&o, h.opt, h.opt_len);
	int rrc = ref_opts(&r, h.opt, h.opt_len);
	FZ_CHECK(orc == rrc);
	if (orc != HZ_OK) {
		FZ_CHECK(o.bad_kind == r.bad_kind);
		return;
	}
	FZ_CHECK(opts_same(&o, &r) && o.unknown == r.unknown);
	size_t n = hz_tcp_opts_len(&o);
	FZ_CHECK(n % 4 == 0);
	uint8_t ob[64];
	int erc = hz_tcp_opts_emit(ob, sizeof ob, &o);
	if (n > HZ_TCP_OPT_MAX) {
		FZ_CHECK(erc == HZ_ERR_INVALID);
		return;
	}
	FZ_CHECK(erc == (int)n);
	FZ_CHECK(hz_tcp_opts_parse(&o2, ob, n) == HZ_OK);
	FZ_CHECK(opts_same(&o, &o2) && o2.unknown == 0);
	if (n)
		FZ_CHECK(hz_tcp_opts_emit(ob, n - 1, &o) == HZ_ERR_NO_SPACE);
	int hl = hz_tcp_hdr_emit(out, sizeof out, &h, &o);
	FZ_CHECK(hl == (int)(HZ_TCP_HDR_LEN + n));
	FZ_CHECK(hz_tcp_hdr_parse(&h2, out, (size_t)hl) == HZ_OK);
	FZ_CHECK(h2.off == hl && h2.seq == h.seq && h2.ack == h.ack && h2.flags == h.flags);
	FZ_CHECK(hz_tcp_opts_parse(&o2, h2.opt, h2.opt_len) == HZ_OK && opts_same(&o, &o2));
}

/* ------------------------------------------------------------------ */
/* Invariants over the whole engine                                    */
/* ------------------------------------------------------------------ */

static void check_counters_still(void);

FZ_NOCOV static void check_all(void)
{
	FZ_CHECK(!T.tx_busy && !F.in_output);
	FZ_CHECK(T.segs_out == F.outputs && T.rsts_out == F.rsts);
	check_counters_still();
	for (int k = 0; k < NLIS; k++) {
		const struct hz_tcp_listener *l = &lis[k];
		unsigned held = 0;
		for (int i = 0; i < NCONN; i++)
			if (conns[i].listener == l)
				held++;
		if (!l->used) {
			FZ_CHECK(held == 0);
			continue;
		}
		FZ_CHECK(l->pending == held && l->pending <= l->backlog);
	}
	for (int i = 0; i < NCONN; i++) {
		struct hz_tcp_conn *c = &conns[i];
		sync_slot(i);
		const struct shadow *s = &SH[i];
		FZ_CHECK(c->tcp == &T);
		FZ_CHECK(owned[i] == !!(c->flags & HZ_TCP_CF_APP_OWNED));
		if (c->listener) {
			FZ_CHECK(!(c->flags & HZ_TCP_CF_APP_OWNED) && c->listener->used);
			FZ_CHECK(c->state != HZ_TCP_CLOSED);
		}
		if (slot_is_free(c)) {
			FZ_CHECK(c->snd.len == 0 && c->rcv.len == 0 && c->nooo == 0);
			continue;
		}
		FZ_CHECK(s->valid);
		FZ_CHECK(c->snd.len <= c->snd.cap && c->rcv.len <= c->rcv.cap);
		FZ_CHECK(c->st.bytes_in == s->read + c->rcv.len);
		FZ_CHECK(c->st.bytes_in <= s->injected);
		FZ_CHECK(c->st.bytes_out + c->snd.len == s->sent);
		/* Readiness and figures as tcp.h describes them. */
		unsigned e = hz_tcp_conn_events(c);
		FZ_CHECK(!(e & ~0x3fu));
		FZ_CHECK(!!(e & HZ_TCP_EV_READABLE) ==
		         (c->rcv.len || (c->flags & HZ_TCP_CF_FIN_RCVD) || c->error));
		FZ_CHECK(!!(e & HZ_TCP_EV_ERROR) == (c->error != 0));
		FZ_CHECK(!!(e & HZ_TCP_EV_PEER_FIN) == !!(c->flags & HZ_TCP_CF_FIN_RCVD));
		FZ_CHECK(!!(e & HZ_TCP_EV_CLOSED) == (c->state == HZ_TCP_CLOSED && c->iss));
		FZ_CHECK(!!(e & HZ_TCP_EV_CONNECTED) == (c->state >= HZ_TCP_ESTABLISHED));
		if (e & HZ_TCP_EV_WRITABLE)
			FZ_CHECK((c->state == HZ_TCP_ESTABLISHED || c->state == HZ_TCP_CLOSE_WAIT) &&
			         !(c->flags & HZ_TCP_CF_FIN_QUEUED) && c->snd.len < c->snd.cap);
		FZ_CHECK(hz_tcp_conn_error(c) == c->error && c->error <= 0);
		FZ_CHECK(hz_tcp_conn_state(c) == c->state);
		struct hz_tcp_stats st;
		hz_tcp_conn_stats(c, &st);
		FZ_CHECK(st.state == c->state && st.mss == c->mss && st.cwnd == c->cwnd);
		FZ_CHECK(st.bytes_in == c->st.bytes_in && st.bytes_out == c->st.bytes_out);
		FZ_CHECK(st.rcv_wnd == c->rcv_adv - c->rcv_nxt && st.snd_wnd == c->snd_wnd);
		FZ_CHECK(st.segs_in <= T.segs_in && st.segs_out <= T.segs_out);
		FZ_CHECK(st.dup_segs_in + st.ooo_segs_in <= st.segs_in);
		FZ_CHECK(st.fast_retransmits <= st.retransmits);
		if (c->state == HZ_TCP_CLOSED)
			continue;
		FZ_CHECK(c->state != HZ_TCP_LISTEN && c->state < HZ_TCP_STATE_COUNT);
		FZ_CHECK(hz_tcp_seq_le(c->snd_una, c->snd_nxt) && hz_tcp_seq_le(c->snd_nxt, c->snd_max));
		FZ_CHECK((uint32_t)(c->snd_una - c->snd_buf_seq + 1u) <= 2u);
		uint32_t fin = (c->flags & HZ_TCP_CF_FIN_SENT) ? 1u : 0u;
		FZ_CHECK(hz_tcp_seq_le(c->snd_max, c->snd_buf_seq + (uint32_t)c->snd.len + fin));
		FZ_CHECK(c->nooo <= HZ_TCP_OOO_MAX);
		/* The RFC 6675 scoreboard (tcp.h): ascending, disjoint (and
		 * not touching: touching ranges merge), inside
		 * SND.UNA..SND.MAX; only with SACK agreed. */
		FZ_CHECK(c->nscore <= HZ_TCP_SCORE_MAX);
		if (c->nscore)
			FZ_CHECK(c->flags & HZ_TCP_CF_SACK);
		for (unsigned k = 0; k < c->nscore; k++) {
			FZ_CHECK(hz_tcp_seq_lt(c->score[k].left, c->score[k].right));
			FZ_CHECK(hz_tcp_seq_ge(c->score[k].left, c->snd_una));
			FZ_CHECK(hz_tcp_seq_le(c->score[k].right, c->snd_max));
			if (k)
				FZ_CHECK(hz_tcp_seq_gt(c->score[k].left, c->score[k - 1].right));
		}
		if (c->flags & HZ_TCP_CF_RECOVERY)
			FZ_CHECK(c->state >= HZ_TCP_ESTABLISHED);
		if (c->state == HZ_TCP_SYN_SENT)
			continue;
		if (!(c->flags & HZ_TCP_CF_FIN_RCVD)) {
			for (unsigned k = 0; k < c->nooo; k++) {
				FZ_CHECK(hz_tcp_seq_gt(c->ooo[k].left, c->rcv_nxt));
				FZ_CHECK(hz_tcp_seq_lt(c->ooo[k].left, c->ooo[k].right));
				FZ_CHECK(c->ooo[k].right - c->rcv_nxt <= c->rcv.cap - c->rcv.len);
			}
		}
		if (hz_tcp_seq_ge(c->rcv_adv, c->rcv_nxt))
			FZ_CHECK(c->rcv_adv - c->rcv_nxt <= c->rcv.cap - c->rcv.len);
	}
}

/* ------------------------------------------------------------------ */
/* Application side                                                    */
/* ------------------------------------------------------------------ */

FZ_NOCOV static void check_rx_bytes(int i, const uint8_t *b, size_t n)
{
	const struct hz_tcp_conn *c = &conns[i];
	const struct shadow *s = &SH[i];
	if (s->tainted)
		return;
	uint32_t base = c->irs + 1u + (uint32_t)s->read;
	for (size_t k = 0; k < n; k++)
		FZ_CHECK(b[k] == pat_rx(base + (uint32_t)k));
}

static void do_recv(int i, size_t cap)
{
	struct hz_tcp_conn *c = &conns[i];
	sync_slot(i);
	size_t before = c->rcv.len;
	int err = c->error;
	bool fin = c->flags & HZ_TCP_CF_FIN_RCVD;
	int rc = hz_tcp_conn_recv(c, iobuf, cap);
	if (before) {
		FZ_CHECK(rc >= 0 && (size_t)rc == HZ_MIN(cap, before));
		FZ_CHECK(c->rcv.len == before - (size_t)rc);
		check_rx_bytes(i, iobuf, (size_t)rc);
		SH[i].read += (size_t)rc;
	} else if (err) {
		FZ_CHECK(rc == err);
	} else if (fin) {
		FZ_CHECK(rc == 0);
	} else {
		FZ_CHECK(rc == HZ_ERR_WOULD_BLOCK || rc == HZ_ERR_BAD_STATE);
	}
}

static void do_peek(int i, size_t n)
{
	struct hz_tcp_conn *c = &conns[i];
	sync_slot(i);
	const uint8_t *p = NULL;
	size_t before = c->rcv.len;
	size_t got = hz_tcp_conn_peek(c, &p);
	FZ_CHECK(got <= before);
	if (before)
		FZ_CHECK(got > 0 && fz_within(p, got, c->rcv.buf, c->rcv.cap));
	else
		FZ_CHECK(got == 0);
	n = HZ_MIN(n, got);
	check_rx_bytes(i, p, n);
	hz_tcp_conn_consume(c, n);
	FZ_CHECK(c->rcv.len == before - n);
	SH[i].read += n;
}

static void do_send(int i, size_t len)
{
	struct hz_tcp_conn *c = &conns[i];
	sync_slot(i);
	fill_tx(iobuf, len, SH[i].sent);
	uint8_t st = c->state;
	bool finq = c->flags & HZ_TCP_CF_FIN_QUEUED;
	size_t room = hz_tcp_ring_free(&c->snd);
	bool allowed = (st == HZ_TCP_SYN_SENT || st == HZ_TCP_SYN_RECEIVED || st == HZ_TCP_ESTABLISHED ||
	                st == HZ_TCP_CLOSE_WAIT) && !finq;
	/* Accounted before the call: send transmits at once. */
	size_t exp = allowed ? HZ_MIN(len, room) : 0;
	SH[i].sent += exp;
	int rc = hz_tcp_conn_send(c, iobuf, len);
	if (allowed)
		FZ_CHECK(rc >= 0 && (size_t)rc == exp);
	else
		FZ_CHECK(rc < 0);
}

static void do_close(int i)
{
	hz_tcp_conn_close(&conns[i]);
	owned[i] = false;
}

static void drain(int i)
{
	for (int k = 0; k < 8; k++) {
		struct hz_tcp_conn *c = &conns[i];
		if (!owned[i] || !c->rcv.len)
			break;
		do_recv(i, sizeof iobuf);
	}
}

static void on_conn_event(void *ctx, struct hz_tcp_conn *c, unsigned e);

static void take(struct hz_tcp_conn *c)
{
	int i = slot_of(c);
	FZ_CHECK(!owned[i]);
	FZ_CHECK((c->flags & HZ_TCP_CF_APP_OWNED) && !c->listener);
	owned[i] = true;
	hz_tcp_conn_set_event(c, on_conn_event, NULL);
}

static void do_accept(struct hz_tcp_listener *l)
{
	if (!l->used)
		return;
	struct hz_tcp_conn *c = NULL;
	int rc = hz_tcp_listener_accept(l, &c);
	if (rc == HZ_OK) {
		FZ_CHECK(c && c->state >= HZ_TCP_ESTABLISHED);
		take(c);
	} else {
		FZ_CHECK(rc == HZ_ERR_WOULD_BLOCK);
	}
}

static void on_conn_event(void *ctx, struct hz_tcp_conn *c, unsigned e)
{
	(void)ctx;
	int i = slot_of(c);
	FZ_CHECK(owned[i] && (c->flags & HZ_TCP_CF_APP_OWNED));
	FZ_CHECK(e != 0 && !(e & ~0x3fu));
	if (e & HZ_TCP_EV_CLOSED)
		FZ_CHECK(c->state == HZ_TCP_CLOSED);
	if (e & HZ_TCP_EV_ERROR)
		FZ_CHECK(c->error < 0);
	if (!reentrant)
		return;
	if (e & HZ_TCP_EV_READABLE)
		drain(i);
	if ((e & HZ_TCP_EV_WRITABLE) && owned[i] && c->state == HZ_TCP_ESTABLISHED)
		do_send(i, 700);
	if ((e & HZ_TCP_EV_CLOSED) && owned[i])
		do_close(i);
}

static void on_listener_event(void *ctx, struct hz_tcp_listener *l, unsigned e)
{
	(void)ctx;
	FZ_CHECK(l >= lis && l < lis + NLIS && l->used);
	FZ_CHECK(e == HZ_TCP_EV_ACCEPT);
	if (reentrant)
		for (int k = 0; k < NCONN; k++)
			do_accept(l);
}

/* ------------------------------------------------------------------ */
/* Injection                                                           */
/* ------------------------------------------------------------------ */

/* What a slot held before an input, to see what the input did to it. */
struct snap {
	bool live; /* not a free slot */
	uint8_t state;
	uint32_t flags;
	const struct hz_tcp_listener *l;
	uint32_t iss, snd_max;
	struct hz_tcp_endpoint local, remote;
	hz_time_t born;
	uint64_t chacks;
};

FZ_NOCOV static void take_snap(struct snap *sn)
{
	for (int i = 0; i < NCONN; i++) {
		const struct hz_tcp_conn *c = &conns[i];
		sync_slot(i);
		sn[i].live = !slot_is_free(c);
		sn[i].state = c->state;
		sn[i].flags = c->flags;
		sn[i].l = c->listener;
		sn[i].iss = c->iss;
		sn[i].snd_max = c->snd_max;
		sn[i].local = c->local;
		sn[i].remote = c->remote;
		sn[i].born = SH[i].born;
		sn[i].chacks = c->st.challenge_acks;
	}
}

/* Does slot i still hold the connection it held at the snapshot? */
FZ_NOCOV static bool same_conn(int i, const struct snap *sn)
{
	const struct hz_tcp_conn *c = &conns[i];
	return sn->live && !slot_is_free(c) && c->iss == sn->iss && c->local.port == sn->local.port &&
	       c->remote.port == sn->remote.port && addr_same(&c->local.addr, &sn->local.addr) &&
	       addr_same(&c->remote.addr, &sn->remote.addr);
}

/* The listener a segment to addr:port reaches (a specific address wins
 * over a wildcard one). */
FZ_NOCOV static struct hz_tcp_listener *find_listener(const struct hz_ipaddr *addr, uint16_t port)
{
	struct hz_tcp_listener *wild = NULL;
	for (int k = 0; k < NLIS; k++) {
		struct hz_tcp_listener *l = &lis[k];
		if (!l->used || l->local.port != port)
			continue;
		if (l->local.addr.family == HZ_AF_NONE || addr_zero(&l->local.addr))
			wild = l;
		else if (addr_same(&l->local.addr, addr))
			return l;
	}
	return wild;
}

/* Can a passive open get a slot: a free one, or a TIME-WAIT one no
 * application holds (every harness slot has default ring memory). */
FZ_NOCOV static bool slot_available(void)
{
	for (int i = 0; i < NCONN; i++) {
		const struct hz_tcp_conn *c = &conns[i];
		if (slot_is_free(c) || (c->state == HZ_TCP_TIME_WAIT && !(c->flags & HZ_TCP_CF_APP_OWNED)))
			return true;
	}
	return false;
}


/* Engine-wide counters that only segments move. */
FZ_NOCOV static void check_counters_still(void)
{
	FZ_CHECK(T.cookies_sent == F.m.cookies_sent && T.cookies_ok == F.m.cookies_ok);
	FZ_CHECK(T.cookies_bad == F.m.cookies_bad && T.tw_reopened == F.m.tw_reopened);
	FZ_CHECK(T.chack_suppressed == F.m.chack_suppressed);
}

FZ_NOCOV static void check_listener_side(const struct snap *sn, const struct hz_tcp_conn *before,
                                         const struct hz_tcp_listener *to_l, bool syn_only,
                                         bool tw_expect, uint32_t tw_floor, bool room,
                                         bool cookie_try, uint8_t fl, int rc, int reason,
                                         uint64_t outs)
{
	const struct cur *in = &F.cur;
	struct hz_tcp_conn *after = find_conn(&in->dst, in->dport, &in->src, in->sport);
	uint64_t dsent = T.cookies_sent - F.m.cookies_sent;
	uint64_t dok = T.cookies_ok - F.m.cookies_ok;
	uint64_t dbad = T.cookies_bad - F.m.cookies_bad;
	uint64_t dtw = T.tw_reopened - F.m.tw_reopened;
	F.m.cookies_sent = T.cookies_sent;
	F.m.cookies_ok = T.cookies_ok;
	F.m.cookies_bad = T.cookies_bad;
	F.m.tw_reopened = T.tw_reopened;

	/* A cookie SYN-ACK was sent exactly when the counter moved. */
	FZ_CHECK(dsent <= 1 && dsent == in->cookies);
	FZ_CHECK(dtw == (tw_expect ? 1u : 0u));
	if (to_l && syn_only) {
		if (room) {
			FZ_CHECK(dsent == 0 && rc == HZ_OK);
			FZ_CHECK(after && after->state == HZ_TCP_SYN_RECEIVED && after->listener == to_l);
			/* RFC 1122 4.2.2.13 / RFC 6191: the new ISS lies above
			 * the old incarnation's sequence space. */
			if (tw_expect)
				FZ_CHECK(hz_tcp_seq_gt(after->iss, tw_floor));
		} else if (CFG.syn_cookies) {
			FZ_CHECK(!after && dsent == 1 && rc == HZ_OK && reason < 0);
		} else {
			FZ_CHECK(!after && dsent == 0 && rc == HZ_ERR_NO_SPACE && F.outputs == outs);
			FZ_CHECK(reason == (to_l->pending >= to_l->backlog ? HZ_TCP_DROP_BACKLOG_FULL
			                                                   : HZ_TCP_DROP_NO_CONN_SLOT));
		}
	} else {
		FZ_CHECK(dsent == 0);
	}
	(void)before;

	FZ_CHECK(dok + dbad <= 1);
	if (!cookie_try) {
		FZ_CHECK(dok == 0 && dbad == 0);
		if (to_l && (fl & HZ_TCP_ACK) && !(fl & HZ_TCP_RST)) {
			/* RFC 9293 3.10.7.2: an ACK to a listener gets a RST. */
			FZ_CHECK(!after && reason == HZ_TCP_DROP_LISTEN_BAD && in->nrst == 1);
		}
		return;
	}
	if (dbad) {
		/* Not our cookie: the listener's RST. */
		FZ_CHECK(!after && reason == HZ_TCP_DROP_LISTEN_BAD && in->nrst == 1);
		return;
	}
	if (!dok) {
		/* A valid cookie and no room for it, not even by resetting a
		 * half-open connection: dropped, the peer will retry. */
		FZ_CHECK(!after && rc == HZ_ERR_NO_SPACE && reason == HZ_TCP_DROP_BACKLOG_FULL);
		FZ_CHECK(F.outputs == outs && !room);
		for (int i = 0; i < NCONN; i++)
			FZ_CHECK(!(sn[i].live && sn[i].l == to_l && sn[i].state == HZ_TCP_SYN_RECEIVED));
		return;
	}
	/* A cookie created the connection, and the ACK completed it. */
	uint32_t isn = in->ack - 1u;
	FZ_CHECK(((cookie_counter(now) - (isn >> 27)) & 31u) <= 1u);
	FZ_CHECK(((isn >> 24) & 7u) < 4u);
	FZ_CHECK(after && (after->flags & HZ_TCP_CF_COOKIE));
	FZ_CHECK(after->iss == isn && after->irs == in->seq - 1u);
	FZ_CHECK(after->state >= HZ_TCP_ESTABLISHED);
	FZ_CHECK(after->listener == to_l || owned[slot_of(after)]);
	FZ_CHECK(after->mss <= cookie_mss[(isn >> 24) & 7u]);
	/* To make room it may reset the oldest half-open connection of the
	 * listener, with <SEQ=SND.MAX><RST>. */
	int victim = -1, nv = 0;
	for (int i = 0; i < NCONN; i++) {
		if (sn[i].live && sn[i].l == to_l && sn[i].state == HZ_TCP_SYN_RECEIVED && !same_conn(i, &sn[i])) {
			victim = i;
			nv++;
		}
	}
	FZ_CHECK(nv <= 1);
	if (!nv) {
		FZ_CHECK(room);
		return;
	}
	FZ_CHECK(!room);
	const struct snap *v = &sn[victim];
	for (int i = 0; i < NCONN; i++)
		if (sn[i].live && sn[i].l == to_l && sn[i].state == HZ_TCP_SYN_RECEIVED)
			FZ_CHECK(v->born <= sn[i].born);
	bool rst = false;
	for (unsigned k = 0; k < in->nrst && k < 8; k++)
		if (in->rst[k].sport == v->local.port && in->rst[k].dport == v->remote.port &&
		    addr_same(&in->rst[k].src, &v->local.addr) && addr_same(&in->rst[k].dst, &v->remote.addr) &&
		    in->rst[k].seq == v->snd_max)
			rst = true;
	FZ_CHECK(rst);
}

/* RFC 5961 3.2, 4.2, 5.2: an in-window RST not at RCV.NXT, a SYN in a
 * synchronized state, an ACK too old: each is answered by one challenge
 * ACK, unless the limit of cfg.challenge_ack_limit per second (section
 * 7) is reached, and then counted in t->chack_suppressed instead. */
FZ_NOCOV static void check_challenge(const struct snap *sn, const struct hz_tcp_conn *before, int reason,
                                     uint64_t outs)
{
	uint64_t dsup = T.chack_suppressed - F.m.chack_suppressed;
	F.m.chack_suppressed = T.chack_suppressed;
	bool chal = reason == HZ_TCP_DROP_RST_CHALLENGED || reason == HZ_TCP_DROP_ACK_CHALLENGED ||
	            reason == HZ_TCP_DROP_SYN_CHALLENGED;
	int bi = before ? slot_of(before) : -1;
	uint64_t dch = 0;
	for (int i = 0; i < NCONN; i++) {
		if (!same_conn(i, &sn[i]))
			continue;
		uint64_t d = conns[i].st.challenge_acks - sn[i].chacks;
		if (i == bi)
			dch = d;
		else
			FZ_CHECK(d == 0);
	}
	FZ_CHECK(dsup <= 1 && dch <= 1 && dch + dsup <= 1);
	if (!chal)
		FZ_CHECK(dch == 0 && dsup == 0);
	/* A passive connection in SYN-RECEIVED given a SYN goes back to
	 * LISTEN (RFC 9293 3.10.7.4): no challenge; every other case has
	 * one, sent or suppressed. */
	if (chal && bi >= 0 && same_conn(bi, &sn[bi]))
		FZ_CHECK(dch + dsup == 1);
	uint32_t limit = CFG.challenge_ack_limit;
	if (dch) {
		FZ_CHECK(F.outputs > outs);
		F.m.chack_at[F.m.chack_sent++ % 8] = now;
		if (limit) {
			FZ_CHECK(T.chack_count >= 1 && T.chack_count <= limit);
			FZ_CHECK(T.chack_window <= now && now - T.chack_window < HZ_SEC(1));
		}
		if (limit && limit <= 8) {
			/* No more than the limit in the current second. */
			unsigned n = 0;
			for (uint64_t k = 0; k < 8 && k < F.m.chack_sent; k++)
				if (F.m.chack_at[(F.m.chack_sent - 1 - k) % 8] >= T.chack_window)
					n++;
			FZ_CHECK(n <= limit);
		}
	}
	if (dsup) {
		/* Suppressed only at the limit: `limit` sent within the last
		 * second. */
		FZ_CHECK(limit != 0 && T.chack_count >= limit);
		FZ_CHECK(now - T.chack_window < HZ_SEC(1));
		if (limit <= 8) {
			FZ_CHECK(F.m.chack_sent >= limit);
			hz_time_t t = F.m.chack_at[(F.m.chack_sent - limit) % 8];
			FZ_CHECK(now < HZ_SEC(1) || t > now - HZ_SEC(1));
		}
	}
}

/* Offer seg[0..len) from src to dst; raw says whether the payload is
 * from the input (not from pat_rx). */
static void inject(uint8_t *seg, size_t len, const struct hz_ipaddr *src,
                   const struct hz_ipaddr *dst, uint8_t rxflags, bool raw)
{
	struct hz_ip_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.src = *src;
	rx.dst = *dst;
	rx.proto = HZ_TCP_PROTO;
	rx.ttl = 64;
	rx.flags = rxflags;
	rx.ip = &F.ip;
	rx.now = now;
	rx.pseudo = ref_pseudo(src, dst, len);
	wire_checks(seg, len, rx.pseudo);

	/* What the engine must do before its state machine. */
	int exp_drop = -1;
	size_t off = len >= 13 ? (size_t)(seg[12] >> 4) * 4 : 0;
	struct hz_tcp_opts ro;
	if (len < HZ_TCP_HDR_LEN || (off >= HZ_TCP_HDR_LEN && off > len))
		exp_drop = HZ_TCP_DROP_TRUNCATED;
	else if (off < HZ_TCP_HDR_LEN)
		exp_drop = HZ_TCP_DROP_BAD_OFFSET;
	else if (!ref_csum_ok(rx.pseudo, seg, len))
		exp_drop = HZ_TCP_DROP_BAD_CHECKSUM;
	else if (ref_opts(&ro, seg + HZ_TCP_HDR_LEN, off - HZ_TCP_HDR_LEN) != HZ_OK)
		exp_drop = HZ_TCP_DROP_BAD_OPTION;
	else if ((rxflags & (HZ_IP_RX_BCAST | HZ_IP_RX_MCAST)) || hz_be16_load(seg) == 0 ||
	         hz_be16_load(seg + 2) == 0)
		exp_drop = HZ_TCP_DROP_BAD_ADDRESS;

	uint16_t sport = 0, dport = 0;
	size_t dlen = 0;
	bool to_nobody = false;
	if (exp_drop < 0) {
		sport = hz_be16_load(seg);
		dport = hz_be16_load(seg + 2);
		dlen = len - off;
		F.cur.on = true;
		F.cur.src = *src;
		F.cur.dst = *dst;
		F.cur.sport = sport;
		F.cur.dport = dport;
		F.cur.seq = hz_be32_load(seg + 4);
		F.cur.ack = hz_be32_load(seg + 8);
		F.cur.flags = seg[13];
		F.cur.seglen = (uint32_t)dlen + ((seg[13] & HZ_TCP_SYN) ? 1u : 0u) +
		               ((seg[13] & HZ_TCP_FIN) ? 1u : 0u);
		F.cur.o = ro;
		F.cur.cookies = 0;
		F.cur.nrst = 0;
		to_nobody = !find_conn(dst, dport, src, sport) && !any_listener(dst, dport);
	}
	/* Account the payload to the connection it reaches before the call:
	 * re-entrant callbacks read during it. */
	struct hz_tcp_conn *before = exp_drop < 0 ? find_conn(dst, dport, src, sport) : NULL;
	if (before) {
		int i = slot_of(before);
		sync_slot(i);
		SH[i].injected += dlen;
		if (raw && dlen)
			SH[i].tainted = true;
	}
	/* What the listener side must do (tcp.h hz_tcp_listener_open,
	 * README.md): a SYN reopens a TIME-WAIT connection the application
	 * released when a listener has the port and its TSval (timestamps
	 * on both) or sequence number is newer (RFC 6191); a SYN for a
	 * listener with room opens a connection, else gets a SYN cookie
	 * (cfg.syn_cookies) or is dropped; an ACK for a listener that sent
	 * cookies in the last 128 s is checked as a cookie. */
	struct snap sn[NCONN];
	take_snap(sn);
	uint8_t fl = exp_drop < 0 ? seg[13] : 0;
	bool syn_only = exp_drop < 0 && (fl & (HZ_TCP_SYN | HZ_TCP_ACK | HZ_TCP_RST)) == HZ_TCP_SYN;
	struct hz_tcp_listener *L = exp_drop < 0 ? find_listener(dst, dport) : NULL;
	bool tw_expect = false;
	uint32_t tw_floor = 0;
	if (before && before->state == HZ_TCP_TIME_WAIT && !(before->flags & HZ_TCP_CF_APP_OWNED) &&
	    syn_only && L) {
		if ((before->flags & HZ_TCP_CF_TS) && (ro.present & HZ_TCP_OPTF_TS))
			tw_expect = hz_tcp_seq_gt(ro.tsval, before->ts_recent);
		else
			tw_expect = hz_tcp_seq_gt(F.cur.seq, before->rcv_nxt);
		tw_floor = before->snd_max;
	}
	struct hz_tcp_listener *to_l = (!before || tw_expect) ? L : NULL;
	unsigned pending = 0;
	bool room = false, cookie_try = false;
	if (to_l) {
		pending = to_l->pending;
		if (tw_expect && before->listener == to_l)
			pending--;
		room = pending < to_l->backlog && slot_available();
		cookie_try = CFG.syn_cookies && to_l->cookie_at && now - to_l->cookie_at < 2 * COOKIE_PERIOD &&
		             (fl & (HZ_TCP_ACK | HZ_TCP_SYN | HZ_TCP_RST)) == HZ_TCP_ACK;
	}

	uint64_t drops_before[HZ_TCP_DROP_COUNT];
	memcpy(drops_before, T.drops, sizeof drops_before);
	uint64_t segs_in = T.segs_in, outs = F.outputs;

	int rc = F.up->input(F.up->ctx, &rx, seg, len);
	F.cur.on = false;
#ifdef FZ_TCP_TRACE
	fprintf(stderr, "  in %u->%u flags %02x seq %u ack %u len %zu (off %zu) raw %d rc %d\n", sport, dport,
	        len > 13 ? seg[13] : 0, len > 8 ? hz_be32_load(seg + 4) : 0,
	        len > 12 ? hz_be32_load(seg + 8) : 0, len, off, raw, rc);
#endif

	uint64_t ndrops = 0;
	int reason = -1;
	for (unsigned k = 0; k < HZ_TCP_DROP_COUNT; k++) {
		FZ_CHECK(T.drops[k] >= drops_before[k]);
		ndrops += T.drops[k] - drops_before[k];
		if (T.drops[k] != drops_before[k])
			reason = (int)k;
	}
	FZ_CHECK(T.segs_in == segs_in + 1);
	FZ_CHECK(rc <= 0 && rc != HZ_ERR_REFUSED);
	FZ_CHECK(ndrops <= 1);
	if (rc < 0)
		FZ_CHECK(ndrops == 1);
	if (exp_drop >= 0) {
		static const int exp_rc[] = {
			[HZ_TCP_DROP_TRUNCATED] = HZ_ERR_MALFORMED,
			[HZ_TCP_DROP_BAD_OFFSET] = HZ_ERR_MALFORMED,
			[HZ_TCP_DROP_BAD_OPTION] = HZ_ERR_MALFORMED,
			[HZ_TCP_DROP_BAD_CHECKSUM] = HZ_ERR_CHECKSUM,
			[HZ_TCP_DROP_BAD_ADDRESS] = HZ_ERR_INVALID,
		};
		FZ_CHECK(rc == exp_rc[exp_drop]);
		FZ_CHECK(T.drops[exp_drop] == drops_before[exp_drop] + 1);
		FZ_CHECK(F.outputs == outs);
		check_counters_still();
		return;
	}
	check_listener_side(sn, before, to_l, syn_only, tw_expect, tw_floor, room, cookie_try, fl, rc,
	                    reason, outs);
	check_challenge(sn, before, reason, outs);
	if (to_nobody) {
		FZ_CHECK(rc == HZ_ERR_NOT_FOUND);
		FZ_CHECK(T.drops[HZ_TCP_DROP_NO_LISTENER] == drops_before[HZ_TCP_DROP_NO_LISTENER] + 1);
		FZ_CHECK(F.outputs == outs + ((seg[13] & HZ_TCP_RST) ? 0u : 1u));
	}
	/* ... or to the connection it created. */
	struct hz_tcp_conn *c = find_conn(dst, dport, src, sport);
	if (c && c != before) {
		int i = slot_of(c);
		sync_slot(i);
		SH[i].injected += dlen;
		if (raw && dlen)
			SH[i].tainted = true;
	}
}

static struct hz_tcp_conn *live(int slot)
{
	struct hz_tcp_conn *c = &conns[slot & (NCONN - 1)];
	return c->state != HZ_TCP_CLOSED ? c : NULL;
}

static size_t put_opt(uint8_t *ob, size_t n, const uint8_t *b, size_t k)
{
	if (n + k > 64)
		return n;
	memcpy(ob + n, b, k);
	return n + k;
}

static void op_built(struct fz_in *in)
{
	uint8_t tsel = fz_u8(in), mode = fz_u8(in), flags = fz_u8(in);
	uint32_t seqv = fz_u32(in), ackv = fz_u32(in);
	uint16_t wnd = fz_u16(in);
	size_t dlen = fz_u16(in) % 2049u;
	uint16_t urg = (mode & 0x80u) ? fz_u16(in) : 0;

	struct hz_ipaddr src, dst;
	uint16_t sport, dport;
	struct hz_tcp_conn *c = (tsel & 0x80u) ? NULL : live(tsel & 3);
	if (c) {
		src = c->remote.addr;
		dst = c->local.addr;
		sport = c->remote.port;
		dport = c->local.port;
	} else {
		src = hz_ipaddr_v4(peers[(tsel >> 2) & 3]);
		dst = hz_ipaddr_v4((tsel & 0x40u) ? OTHER_ADDR : FZ_ADDR);
		sport = pports[(tsel >> 4) & 3];
		dport = lports[tsel & 3];
		c = find_conn(&dst, dport, &src, sport);
	}
	int slot = c ? slot_of(c) : -1;
	if (slot >= 0)
		sync_slot(slot);
	uint32_t sbase[4] = { c ? c->rcv_nxt : 0, c ? c->irs : 0, c ? c->rcv_adv : 0, 0 };
	uint32_t abase[4] = { c ? c->snd_max : 0, c ? c->snd_una : 0, c ? c->iss : 0, 0 };
	uint32_t ts_base = c ? c->ts_recent : 0, tsecr_base = slot >= 0 ? SH[slot].tsval : 0;
	const struct cookie *ck = c ? NULL : find_cookie(&dst, dport, &src, sport);
	if (ck) {
		/* The cookie SYN-ACK this tuple was sent stands for the
		 * connection it would become. */
		sbase[0] = sbase[2] = ck->peer_isn + 1u;
		sbase[1] = ck->peer_isn;
		abase[0] = abase[1] = ck->isn + 1u;
		abase[2] = ck->isn;
		ts_base = ck->peer_ts;
		tsecr_base = ck->tsval;
	}
	uint32_t seq = sbase[mode & 3] + seqv;
	uint32_t ack = abase[(mode >> 2) & 3] + ackv;

	uint8_t ob[64];
	size_t olen = 0;
	if (mode & 0x40u) {
		uint8_t m = fz_u8(in);
		if (m & 0x40u)
			ob[olen++] = HZ_TCP_OPT_EOL;
		if (m & 0x01u) {
			uint16_t v = fz_u16(in);
			uint8_t b[4] = { 2, 4, (uint8_t)(v >> 8), (uint8_t)v };
			olen = put_opt(ob, olen, b, 4);
		}
		if (m & 0x02u) {
			uint8_t b[3] = { 3, 3, fz_u8(in) };
			olen = put_opt(ob, olen, b, 3);
		}
		if (m & 0x04u) {
			uint8_t b[2] = { 4, 2 };
			olen = put_opt(ob, olen, b, 2);
		}
		if (m & 0x08u) {
			uint8_t b[10] = { 8, 10 };
			uint32_t tsval = ts_base + fz_u32(in);
			uint32_t tsecr = tsecr_base + fz_u32(in);
			hz_be32_store(b + 2, tsval);
			hz_be32_store(b + 6, tsecr);
			olen = put_opt(ob, olen, b, 10);
		}
		if (m & 0x10u) {
			unsigned n = 1u + fz_u8(in) % 4u;
			uint8_t b[34] = { 5, (uint8_t)(2 + 8 * n) };
			for (unsigned k = 0; k < n; k++) {
				uint32_t l = (c ? c->snd_una : 0) + fz_u16(in);
				hz_be32_store(b + 2 + 8 * k, l);
				hz_be32_store(b + 6 + 8 * k, l + fz_u16(in));
			}
			olen = put_opt(ob, olen, b, 2 + 8 * n);
		}
		if (m & 0x20u) {
			size_t got;
			const uint8_t *q = fz_bytes(in, fz_u8(in) % 41u, &got);
			olen = put_opt(ob, olen, q, got);
		}
		if (olen > HZ_TCP_OPT_MAX)
			olen = HZ_TCP_OPT_MAX;
		while (olen % 4)
			ob[olen++] = (m & 0x80u) ? HZ_TCP_OPT_EOL : HZ_TCP_OPT_NOP;
	}
	size_t hl = HZ_TCP_HDR_LEN + olen;
	uint8_t *b = segbuf;
	hz_be16_store(b, sport);
	hz_be16_store(b + 2, dport);
	hz_be32_store(b + 4, seq);
	hz_be32_store(b + 8, ack);
	b[12] = (uint8_t)((hl / 4) << 4);
	b[13] = flags;
	hz_be16_store(b + 14, wnd);
	hz_be16_store(b + 16, 0);
	hz_be16_store(b + 18, urg);
	memcpy(b + HZ_TCP_HDR_LEN, ob, olen);
	bool raw = mode & 0x10u;
	if (raw) {
		const uint8_t *q = fz_bytes(in, dlen, &dlen);
		memcpy(b + hl, q, dlen);
	} else {
		uint32_t first = seq + ((flags & HZ_TCP_SYN) ? 1u : 0u);
		fill_rx(b + hl, dlen, first);
	}
	size_t len = hl + dlen;
	uint16_t cs = ref_fold(ref_sum(ref_pseudo(&src, &dst, len), b, len));
	if (mode & 0x20u)
		cs ^= 0x0100u;
	hz_be16_store(b + 16, cs);
	inject(b, len, &src, &dst, 0, raw);
}

static void op_raw(struct fz_in *in)
{
	uint8_t f = fz_u8(in);
	struct hz_tcp_conn *c = (f & 0x40u) ? live(fz_u8(in)) : NULL;
	size_t len;
	const uint8_t *p = fz_bytes(in, fz_u16(in) % 4096u, &len);
	memcpy(segbuf, p, len);
	struct hz_ipaddr src = hz_ipaddr_v4(peers[(f >> 1) & 3]);
	struct hz_ipaddr dst = hz_ipaddr_v4((f & 0x08u) ? OTHER_ADDR : FZ_ADDR);
	if (c) {
		src = c->remote.addr;
		dst = c->local.addr;
		if (len >= 4) {
			hz_be16_store(segbuf, c->remote.port);
			hz_be16_store(segbuf + 2, c->local.port);
		}
	}
	if ((f & 0x80u) && len >= HZ_TCP_HDR_LEN) {
		size_t words = segbuf[12] >> 4;
		if (words < 5)
			words = 5;
		if (words * 4 > len)
			words = len / 4;
		segbuf[12] = (uint8_t)(words << 4 | (segbuf[12] & 0x0fu));
	}
	if ((f & 1u) && len >= HZ_TCP_HDR_LEN) {
		hz_be16_store(segbuf + 16, 0);
		hz_be16_store(segbuf + 16, ref_fold(ref_sum(ref_pseudo(&src, &dst, len), segbuf, len)));
	}
	inject(segbuf, len, &src, &dst, (uint8_t)((f >> 4) & 3u), true);
}

static void do_poll(void)
{
	hz_time_t next = hz_tcp_poll(&T, now);
	FZ_CHECK(next == HZ_TIME_NEVER || next > now);
	next_deadline = next;
}

static void op_icmp(struct fz_in *in)
{
	uint8_t isel = fz_u8(in);
	uint8_t kind = (uint8_t)(1u + fz_u8(in) % 9u);
	uint32_t seqv = fz_u32(in);
	uint16_t mtu = fz_u16(in);
	struct hz_tcp_conn *c = live(isel & 3);
	uint8_t q[64];
	size_t qlen;
	struct hz_ip_err e;
	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.type = 3;
	e.code = kind == HZ_IP_ERR_FRAG_NEEDED ? 4 : 3;
	e.proto = HZ_TCP_PROTO;
	e.reporter = hz_ipaddr_v4(FZ_GATEWAY);
	e.src = c ? c->local.addr : hz_ipaddr_v4(FZ_ADDR);
	e.dst = c ? c->remote.addr : hz_ipaddr_v4(peers[0]);
	if (isel & 0x08u)
		e.src = hz_ipaddr_v4(OTHER_ADDR);
	if (isel & 0x04u) {
		const uint8_t *p = fz_bytes(in, fz_u8(in) % sizeof q, &qlen);
		memcpy(q, p, qlen);
	} else {
		qlen = 20;
		memset(q, 0, qlen);
		hz_be16_store(q, c ? c->local.port : lports[0]);
		hz_be16_store(q + 2, c ? c->remote.port : pports[0]);
		hz_be32_store(q + 4, ((isel & 0x10u) || !c ? 0 : c->snd_una) + seqv);
	}
	e.quote = q;
	e.quote_len = qlen;
	e.now = now;
	if (kind == HZ_IP_ERR_FRAG_NEEDED) {
		e.mtu = mtu;
		F.mtu = mtu;
	}

	uint64_t drops_before[HZ_TCP_DROP_COUNT];
	memcpy(drops_before, T.drops, sizeof drops_before);
	uint64_t outs = F.outputs;
	struct hz_tcp_conn *t = NULL;
	uint32_t qseq = 0;
	uint8_t state = 0;
	bool in_flight = false;
	if (qlen >= 8) {
		t = find_conn(&e.src, hz_be16_load(q), &e.dst, hz_be16_load(q + 2));
		qseq = hz_be32_load(q + 4);
		if (t) {
			state = t->state;
			in_flight = hz_tcp_seq_ge(qseq, t->snd_una) && hz_tcp_seq_lt(qseq, t->snd_max);
		}
	}
	F.up->error(F.up->ctx, &e);
	if (qlen < 8)
		FZ_CHECK(T.drops[HZ_TCP_DROP_ICMP_TRUNCATED] == drops_before[HZ_TCP_DROP_ICMP_TRUNCATED] + 1);
	else if (!t)
		FZ_CHECK(T.drops[HZ_TCP_DROP_ICMP_NO_CONN] == drops_before[HZ_TCP_DROP_ICMP_NO_CONN] + 1);
	else if (!in_flight)
		FZ_CHECK(T.drops[HZ_TCP_DROP_ICMP_BAD_SEQ] == drops_before[HZ_TCP_DROP_ICMP_BAD_SEQ] + 1);
	else if ((kind == HZ_IP_ERR_PORT_UNREACH || kind == HZ_IP_ERR_PROTO_UNREACH) &&
	         state == HZ_TCP_SYN_SENT)
		FZ_CHECK(t->state == HZ_TCP_CLOSED && (t->error == HZ_ERR_REFUSED || !owned[slot_of(t)]));
	if (kind != HZ_IP_ERR_FRAG_NEEDED)
		FZ_CHECK(F.outputs == outs);
}

static void op_api(struct fz_in *in)
{
	uint8_t a = fz_u8(in);
	int i = (a >> 4) & 3;
	unsigned arg = a >> 6;
	struct hz_tcp_conn *c = &conns[i];
	switch (a & 15u) {
	case 0: {
		uint8_t r = fz_u8(in);
		struct hz_tcp_conn *n = NULL;
		int rc;
		bool again = (arg & 1u) && owned[i];
		if (again) {
			/* connect on a handle already used (or failed) */
			n = c;
		} else {
			rc = hz_tcp_conn_open(&T, &n);
			if (rc != HZ_OK) {
				FZ_CHECK(rc == HZ_ERR_NO_SPACE);
				break;
			}
			FZ_CHECK(!owned[slot_of(n)] && n->state == HZ_TCP_CLOSED);
			take(n);
		}
		int k = slot_of(n);
		sync_slot(k);
		bool fresh = n->state == HZ_TCP_CLOSED && !n->iss && !n->error;
		if ((r & 0x20u) && fresh)
			FZ_CHECK(hz_tcp_conn_set_buffers(n, own_snd[k], OWN_SND, own_rcv[k], OWN_RCV) == HZ_OK);
		static const uint16_t rports[4] = { 80, 443, 40000, 0 };
		struct hz_tcp_endpoint remote = { .addr = hz_ipaddr_v4(peers[r & 3]), .port = rports[(r >> 2) & 3] };
		struct hz_tcp_endpoint local = { .addr = { 0 }, .port = 0 };
		if (r & 0x10u)
			local.port = (uint16_t)(5000 + ((r >> 6) & 1));
		if (r & 0x40u)
			local.addr = hz_ipaddr_v4(FZ_ADDR);
		if (r & 0x80u)
			local.addr = hz_ipaddr_v4(OTHER_ADDR);
		uint64_t outs = F.outputs;
		uint8_t st0 = n->state;
		rc = hz_tcp_conn_connect(n, &remote, &local);
		if (!fresh) {
			FZ_CHECK(rc == HZ_ERR_BAD_STATE && n->state == st0 && F.outputs == outs);
		} else if (rc == HZ_OK) {
			FZ_CHECK(n->state == HZ_TCP_SYN_SENT && F.outputs == outs + 1);
			FZ_CHECK(n->local.port != 0 && f_is_local(NULL, &n->local.addr));
		} else {
			FZ_CHECK(n->state == HZ_TCP_CLOSED && F.outputs == outs);
			FZ_CHECK(rc == HZ_ERR_INVALID || rc == HZ_ERR_IN_USE);
		}
		break;
	}
	case 1: {
		uint8_t r = fz_u8(in);
		struct hz_tcp_endpoint ep = { .addr = { 0 }, .port = lports[r & 3] };
		if (r & 0x10u)
			ep.addr = hz_ipaddr_v4(FZ_ADDR);
		if (r & 0x20u)
			ep.addr = hz_ipaddr_v4(OTHER_ADDR);
		unsigned backlog = (r >> 2) & 3u;
		struct hz_tcp_listener *l = NULL;
		int rc = hz_tcp_listener_open(&T, &ep, backlog, &l);
		if (rc == HZ_OK) {
			FZ_CHECK(backlog && l && l->used && l->local.port == ep.port && l->pending == 0);
			hz_tcp_listener_set_event(l, on_listener_event, NULL);
		} else {
			FZ_CHECK(rc == HZ_ERR_IN_USE || rc == HZ_ERR_NO_SPACE || rc == HZ_ERR_INVALID);
			if (!backlog || (r & 0x20u))
				FZ_CHECK(rc == HZ_ERR_INVALID);
		}
		break;
	}
	case 2: {
		struct hz_tcp_listener *l = &lis[i & 1];
		if (l->used) {
			hz_tcp_listener_close(l);
			FZ_CHECK(!l->used);
		}
		break;
	}
	case 3:
		do_accept(&lis[i & 1]);
		break;
	case 4: {
		size_t len = fz_u16(in) % sizeof iobuf;
		if (owned[i])
			do_send(i, len);
		break;
	}
	case 5: {
		size_t cap = fz_u16(in) % sizeof iobuf;
		if (owned[i])
			do_recv(i, cap);
		break;
	}
	case 6: {
		size_t n = fz_u16(in);
		if (owned[i])
			do_peek(i, n);
		break;
	}
	case 7:
		if (owned[i]) {
			uint8_t st = c->state;
			bool finq = c->flags & HZ_TCP_CF_FIN_QUEUED;
			int rc = hz_tcp_conn_shutdown(c);
			bool ok = finq || st == HZ_TCP_SYN_SENT || st == HZ_TCP_SYN_RECEIVED ||
			          st == HZ_TCP_ESTABLISHED || st == HZ_TCP_CLOSE_WAIT;
			FZ_CHECK(rc == (ok ? HZ_OK : HZ_ERR_BAD_STATE));
			if (ok && c->state != HZ_TCP_CLOSED)
				FZ_CHECK(c->flags & HZ_TCP_CF_FIN_QUEUED);
		}
		break;
	case 8:
		if (owned[i]) {
			do_close(i);
			FZ_CHECK(!(c->flags & HZ_TCP_CF_APP_OWNED) && !c->event);
		}
		break;
	case 9:
		if (owned[i]) {
			hz_tcp_conn_abort(c);
			owned[i] = false;
			FZ_CHECK(slot_is_free(c));
		}
		break;
	case 10:
		if (owned[i])
			hz_tcp_conn_set_nodelay(c, arg & 1u);
		break;
	case 11:
		if (owned[i])
			hz_tcp_conn_set_keepalive(c, arg & 1u);
		break;
	case 12:
		if (owned[i]) {
			sync_slot(i);
			int rc = hz_tcp_conn_set_buffers(c, own_snd[i], OWN_SND, own_rcv[i], OWN_RCV);
			FZ_CHECK(rc == HZ_OK || rc == HZ_ERR_BAD_STATE || rc == HZ_ERR_INVALID);
		}
		break;
	case 13: {
		static const int rcs[4] = { HZ_OK, HZ_ERR_NO_ROUTE, HZ_ERR_TOO_BIG, HZ_ERR_NO_SPACE };
		F.out_rc = rcs[arg];
		break;
	}
	case 14:
		for (int k = 0; k < NCONN; k++)
			drain(k);
		break;
	default:
		F.mtu = fz_u16(in);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Set-up and the loop                                                 */
/* ------------------------------------------------------------------ */

static void setup(struct fz_in *in)
{
	static struct hz_shim shim;
	static struct fz_rng rng;
	uint8_t c0 = fz_u8(in), c1 = fz_u8(in), c2 = fz_u8(in);
	static const size_t snds[4] = { 8192, 2048, 600, SND_MAX };
	static const size_t rcvs[4] = { 8192, 1500, 300, RCV_MAX };
	static const size_t rooms[4] = { 1460, 600, 64, 8960 };
	static const size_t mtus[4] = { 1480, 556, 8980, 100 };

	memset(&F, 0, sizeof F);
	F.ip.ctx = &F;
	F.ip.family = HZ_AF_INET;
	F.ip.headroom = 14 + 20;
	F.ip.attach = f_attach;
	F.ip.output = f_output;
	F.ip.pseudo = f_pseudo;
	F.ip.mtu = f_mtu;
	F.ip.source = f_source;
	F.ip.is_local = f_is_local;
	F.mtu = mtus[c1 >> 6];

	hz_tcp_config_default(&CFG);
	CFG.timestamps = c0 & 0x01u;
	CFG.sack = c0 & 0x02u;
	CFG.window_scaling = c0 & 0x04u;
	CFG.cc = (c0 & 0x08u) ? HZ_TCP_CC_CUBIC : HZ_TCP_CC_NEWRENO;
	if (c0 & 0x10u)
		CFG.delack = 0;
	CFG.nodelay = c0 & 0x20u;
	if (c0 & 0x40u) {
		CFG.keep_idle = HZ_SEC(20);
		CFG.keep_intvl = HZ_SEC(2);
		CFG.keep_count = 3;
		CFG.time_wait = HZ_SEC(5);
		CFG.fin_wait_2 = HZ_SEC(10);
		CFG.syn_retries = 2;
		CFG.data_retries = 3;
		CFG.rto_max = HZ_SEC(4);
	}
	reentrant = c0 & 0x80u;
	static const uint8_t iw[4] = { 10, 1, 2, 4 };
	CFG.initial_cwnd = iw[(c2 >> 2) & 3];
	CFG.keepalive = c2 & 0x10u;
	if (c2 & 0x20u)
		CFG.mss_max = 536;
	if (c2 & 0x40u)
		CFG.syn_cookies = false;
	if (c2 & 0x80u)
		CFG.challenge_ack_limit = 2;

	snd_cap = snds[c1 & 3];
	rcv_cap = rcvs[(c1 >> 2) & 3];
	memset(ring_mem, 0, NCONN * (snd_cap + rcv_cap));
	memset(own_snd, 0, sizeof own_snd);
	memset(own_rcv, 0, sizeof own_rcv);
	memset(SH, 0, sizeof SH);
	memset(owned, 0, sizeof owned);
	struct hz_tcp_storage st = {
		.conns = conns, .nconns = NCONN,
		.listeners = lis, .nlisteners = NLIS,
		.ring_mem = ring_mem, .snd_cap = snd_cap, .rcv_cap = rcv_cap,
		.txbuf = txbuf, .txcap = HZ_PBUF_HEADROOM + HZ_TCP_HDR_MAX + rooms[(c1 >> 4) & 3],
	};
	fz_shim_init(&shim, &rng, 0x7c9a11u);
	FZ_CHECK(hz_tcp_init(&T, &CFG, &shim, &st) == HZ_OK);
	FZ_CHECK(hz_tcp_attach(&T, &F.ip) == HZ_OK);
	FZ_CHECK(hz_tcp_attach(&T, &F.ip) == HZ_ERR_IN_USE);
	FZ_CHECK(F.up == hz_tcp_upper(&T));

	struct hz_tcp_endpoint ep = { .addr = { 0 }, .port = 80 };
	struct hz_tcp_listener *l = NULL;
	FZ_CHECK(hz_tcp_listener_open(&T, &ep, 1u + (c2 & 3u), &l) == HZ_OK);
	hz_tcp_listener_set_event(l, on_listener_event, NULL);
	FZ_CHECK(hz_tcp_listener_open(&T, &ep, 1, &l) == HZ_ERR_IN_USE);

	now = HZ_SEC(1000);
	next_deadline = HZ_TIME_NEVER;
	do_poll();
	FZ_CHECK(next_deadline == HZ_TIME_NEVER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	setup(&in);
	check_all();
	for (int step = 0; step < MAX_OPS && !fz_in_empty(&in); step++) {
		uint8_t op = fz_u8(&in);
		switch (op & 7u) {
		case 0:
		case 1:
			op_built(&in);
			break;
		case 2:
			op_raw(&in);
			break;
		case 3: {
			uint8_t code = fz_u8(&in);
			if (code == 0)
				now = next_deadline != HZ_TIME_NEVER ? HZ_MAX(now, next_deadline) : now + HZ_MSEC(1);
			else
				now += fz_step(code);
			do_poll();
			break;
		}
		case 4:
			now += fz_u32(&in);
			do_poll();
			break;
		case 5:
			op_icmp(&in);
			break;
		default:
			op_api(&in);
			break;
		}
		check_all();
#ifdef FZ_TCP_TRACE
		/* cc -DFZ_TCP_TRACE: one line per operation, for writing seeds. */
		fprintf(stderr, "op %3d %u t=%llu out=%llu:", step, op & 7u, (unsigned long long)(now / 1000),
		        (unsigned long long)F.outputs);
		for (int i = 0; i < NCONN; i++)
			fprintf(stderr, " [%s%s in=%llu out=%llu rd=%llu]", hz_tcp_state_name(conns[i].state),
			        owned[i] ? "*" : "", (unsigned long long)conns[i].st.bytes_in,
			        (unsigned long long)conns[i].st.bytes_out, (unsigned long long)SH[i].read);
		fprintf(stderr, " cookies %llu/%llu/%llu tw %llu chack %llu/%llu\n",
		        (unsigned long long)T.cookies_sent, (unsigned long long)T.cookies_ok,
		        (unsigned long long)T.cookies_bad, (unsigned long long)T.tw_reopened,
		        (unsigned long long)F.m.chack_sent, (unsigned long long)T.chack_suppressed);
#endif
	}
	for (unsigned k = 0; k < HZ_TCP_DROP_COUNT; k++)
		FZ_CHECK(strcmp(hz_tcp_drop_name(k), "?") != 0);
	FZ_CHECK(strcmp(hz_tcp_drop_name(HZ_TCP_DROP_COUNT), "?") == 0);
	for (unsigned k = 0; k < HZ_TCP_STATE_COUNT; k++)
		FZ_CHECK(strcmp(hz_tcp_state_name(k), "?") != 0);
	return 0;
}
