/*
 * haze tcp: the Transmission Control Protocol (RFC 9293), written once
 * against core's `struct hz_ip`, so the same code runs over ipv4 and ipv6.
 *
 * Three levels:
 *  - wire: hz_tcp_hdr_parse / hz_tcp_hdr_emit, the option codec
 *    (hz_tcp_opts_parse / hz_tcp_opts_emit) and the checksum helpers,
 *    usable on their own;
 *  - ring: `struct hz_tcp_ring`, a byte ring over caller memory with
 *    zero-copy peek/consume, used for every connection's send and receive
 *    buffer (and usable on its own);
 *  - engine: `struct hz_tcp`, a connection table over the caller's array of
 *    `struct hz_tcp_conn`, listeners over the caller's array of
 *    `struct hz_tcp_listener`, timers run by hz_tcp_poll(now).
 *
 * Ownership: every array and buffer passed in (connection and listener
 * tables, ring memory, the tx buffer) belongs to the caller and must
 * outlive the engine. Nothing is allocated and there is nothing to free.
 * The engine is not thread-safe: call it from one thread (the stack's
 * event loop).
 *
 * Time: input and poll carry `now`. API calls between events (send,
 * connect, close) use the `now` of the latest input or poll (DESIGN.md 6).
 *
 * Re-entrancy: event callbacks run after the engine finished processing a
 * segment or timer, never in the middle of it. A callback may call any
 * hz_tcp_conn_* / hz_tcp_listener_* function, including close and abort of
 * the connection it is called for.
 *
 * Status of the feature list, kept honest here and in README.md.
 * Implemented: wire codec, rings, the RFC 9293 3.10 state machine
 * (active/passive/simultaneous open, half-close, simultaneous close,
 * TIME-WAIT, reopened by a new SYN per RFC 6191), RFC 5961 challenge
 * ACKs with the section 7 rate limit, RFC 6528 ISNs (SipHash-2-4), MSS
 * clamped to the path MTU, window scaling, timestamps with RTTM and PAWS,
 * RFC 6298 RTO with backoff, delayed ACK, Nagle, out-of-order data kept
 * in the receive ring and reported in SACK blocks (RFC 2018), SACK-based
 * loss recovery with a sender scoreboard (RFC 6675), fast retransmit and
 * NewReno (RFC 5681/6582) without SACK, CUBIC (RFC 9438, without
 * HyStart), zero-window probes (persist), keepalive, ICMP soft/hard
 * errors and PMTU, RST to closed ports, bounded backlog with SYN cookies
 * (RFC 4987 3.6).
 * Not yet implemented: data carried on a SYN (it is left unacknowledged,
 * so the peer resends), urgent data (delivered inline, the pointer
 * ignored), RFC 6675 limited transmit and PRR (RFC 6937), D-SACK use.
 */
#ifndef HAZE_TCP_H
#define HAZE_TCP_H

#include "haze/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

#define HZ_TCP_PROTO 6 /* IP protocol number */
#define HZ_TCP_HDR_LEN 20 /* header without options */
#define HZ_TCP_HDR_MAX 60 /* data offset 15 words */
#define HZ_TCP_OPT_MAX 40 /* option bytes after the fixed header */

/* Control bits (RFC 9293 3.1, RFC 3168 for ECE/CWR). */
#define HZ_TCP_FIN 0x01u
#define HZ_TCP_SYN 0x02u
#define HZ_TCP_RST 0x04u
#define HZ_TCP_PSH 0x08u
#define HZ_TCP_ACK 0x10u
#define HZ_TCP_URG 0x20u
#define HZ_TCP_ECE 0x40u
#define HZ_TCP_CWR 0x80u

/* Option kinds. */
#define HZ_TCP_OPT_EOL 0       /* end of option list */
#define HZ_TCP_OPT_NOP 1       /* padding */
#define HZ_TCP_OPT_MSS 2       /* RFC 9293 3.2, length 4 */
#define HZ_TCP_OPT_WS 3        /* RFC 7323 2, length 3 */
#define HZ_TCP_OPT_SACK_PERM 4 /* RFC 2018 2, length 2 */
#define HZ_TCP_OPT_SACK 5      /* RFC 2018 3, length 2 + 8n */
#define HZ_TCP_OPT_TS 8        /* RFC 7323 3, length 10 */

/* Largest window shift (RFC 7323 2.3: larger values are used as 14). */
#define HZ_TCP_WS_MAX 14
/* SACK blocks an option can carry: 4 without timestamps, 3 with. */
#define HZ_TCP_SACK_MAX 4

/* The fixed header in host order. `off` is the header length in bytes
 * (data offset * 4); `opt` points at the option bytes inside the parsed
 * buffer (NULL when emitting: options come from struct hz_tcp_opts). */
struct hz_tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t off;   /* header length in bytes, 20..60 */
	uint8_t flags; /* HZ_TCP_FIN ... HZ_TCP_CWR */
	uint16_t wnd;  /* as on the wire, unscaled */
	uint16_t csum;
	uint16_t urg;
	const uint8_t *opt;
	size_t opt_len;
};

struct hz_tcp_sack_block {
	uint32_t left;  /* first sequence number of the block */
	uint32_t right; /* sequence number just after the block */
};

/* Which options a struct hz_tcp_opts carries. */
#define HZ_TCP_OPTF_MSS 0x01u
#define HZ_TCP_OPTF_WS 0x02u
#define HZ_TCP_OPTF_SACK_PERM 0x04u
#define HZ_TCP_OPTF_SACK 0x08u
#define HZ_TCP_OPTF_TS 0x10u

/* The options haze understands, in host order. */
struct hz_tcp_opts {
	uint8_t present; /* HZ_TCP_OPTF_* */
	uint8_t ws;      /* shift count as received (may exceed 14) */
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t nsack;   /* blocks in sack[] */
	uint8_t unknown; /* options of unknown kind skipped by the parser */
	uint8_t bad_kind; /* after HZ_ERR_MALFORMED: the offending kind */
	struct hz_tcp_sack_block sack[HZ_TCP_SACK_MAX];
};

/* Parse the fixed header of the segment p[0..len) (the whole segment as
 * the ip layer delivered it). Returns HZ_OK; HZ_ERR_NEED_MORE when len < 20
 * or the data offset reaches past len; HZ_ERR_MALFORMED when the data
 * offset is below 5. The checksum is not verified and options are not
 * parsed here (hz_tcp_opts_parse does that on out->opt). */
int hz_tcp_hdr_parse(struct hz_tcp_hdr *out, const uint8_t *p, size_t len);

/* Parse option bytes (RFC 9293 3.1, 3.2): EOL ends the list, NOP is
 * skipped, options of unknown kind are skipped by their length and counted
 * in out->unknown. A known option that appears again replaces the earlier
 * one. Every length is checked. Returns HZ_OK or HZ_ERR_MALFORMED, with
 * out->bad_kind naming the option whose length was wrong: a length byte
 * missing or below 2, an option running past the end, or a length that
 * does not match its kind (MSS 4, WS 3, SACK-permitted 2, timestamps 10,
 * SACK 2 + 8n with 1 <= n <= 4). */
int hz_tcp_opts_parse(struct hz_tcp_opts *out, const uint8_t *opt, size_t len);

/* Bytes hz_tcp_opts_emit writes for o (a multiple of 4). */
size_t hz_tcp_opts_len(const struct hz_tcp_opts *o);

/* Write the options in o->present to out[0..cap) in a fixed, aligned
 * layout (MSS; NOP,WS; SACK-permitted with timestamps as
 * SACK_PERM,TS or NOP,NOP,TS; NOP,NOP,SACK blocks) padded with NOPs to a
 * multiple of 4. Returns the bytes written, HZ_ERR_NO_SPACE when cap is
 * short, HZ_ERR_INVALID when the options exceed 40 bytes or nsack is 0 or
 * above 4. */
int hz_tcp_opts_emit(uint8_t *out, size_t cap, const struct hz_tcp_opts *o);

/* Write the header h followed by options o (may be NULL) to out[0..cap).
 * h->off and h->opt are ignored: the data offset is computed. The checksum
 * field is written from h->csum (usually 0, then hz_tcp_csum_compute).
 * Returns the header length, or an error of hz_tcp_opts_emit. */
int hz_tcp_hdr_emit(uint8_t *out, size_t cap, const struct hz_tcp_hdr *h,
                    const struct hz_tcp_opts *o);

/* The checksum to store for the segment seg[0..len) (its checksum field is
 * taken as zero), given the pseudo-header partial sum for length len
 * (struct hz_ip's pseudo(), or hz_ip_rx.pseudo). Requires len >= 20. */
uint16_t hz_tcp_csum_compute(uint32_t pseudo, const uint8_t *seg, size_t len);

/* Whether seg[0..len), checksum field included, sums to zero with the
 * pseudo-header. */
bool hz_tcp_csum_verify(uint32_t pseudo, const uint8_t *seg, size_t len);

/* Sequence-number comparisons modulo 2^32 (RFC 9293 3.4). */
static inline bool hz_tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool hz_tcp_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool hz_tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool hz_tcp_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* ------------------------------------------------------------------ */
/* Ring                                                                */
/* ------------------------------------------------------------------ */

/* A byte ring over caller memory: `len` readable bytes start at `head`.
 * Bytes past the readable region can be written in place ahead of time
 * (hz_tcp_ring_write_at) and made readable later (hz_tcp_ring_commit):
 * the receive path stores out-of-order segments that way. cap may be any
 * size up to 2^30. */
struct hz_tcp_ring {
	uint8_t *buf;
	size_t cap;
	size_t head;
	size_t len;
};

void hz_tcp_ring_init(struct hz_tcp_ring *r, uint8_t *buf, size_t cap);
static inline size_t hz_tcp_ring_len(const struct hz_tcp_ring *r)
{
	return r->len;
}
static inline size_t hz_tcp_ring_free(const struct hz_tcp_ring *r)
{
	return r->cap - r->len;
}
/* Append up to n bytes; returns how many fit. */
size_t hz_tcp_ring_write(struct hz_tcp_ring *r, const void *data, size_t n);
/* Store n bytes at offset `off` past the readable end without making them
 * readable; bytes that would not fit in the free space are not written.
 * Returns the bytes written. */
size_t hz_tcp_ring_write_at(struct hz_tcp_ring *r, size_t off, const void *data, size_t n);
/* Make n more bytes readable (written before with write_at); clipped to
 * the free space. */
void hz_tcp_ring_commit(struct hz_tcp_ring *r, size_t n);
/* Copy up to n bytes starting `off` bytes after head, without consuming.
 * Returns the bytes copied. */
size_t hz_tcp_ring_copy(const struct hz_tcp_ring *r, size_t off, void *out, size_t n);
/* Copy and consume up to n bytes; returns the bytes read. */
size_t hz_tcp_ring_read(struct hz_tcp_ring *r, void *out, size_t n);
/* Zero-copy: point *p at the readable bytes up to the end of the buffer;
 * returns how many (0 when empty). Consume them with hz_tcp_ring_consume. */
size_t hz_tcp_ring_peek(const struct hz_tcp_ring *r, const uint8_t **p);
/* Drop n readable bytes from the front (clipped to len). */
void hz_tcp_ring_consume(struct hz_tcp_ring *r, size_t n);

/* ------------------------------------------------------------------ */
/* Engine: types                                                       */
/* ------------------------------------------------------------------ */

/* One end of a connection. addr.family HZ_AF_NONE (or an all-zero address
 * of one family) in a listener means any local address. */
struct hz_tcp_endpoint {
	struct hz_ipaddr addr;
	uint16_t port; /* host order */
};

/* RFC 9293 3.3.2 states. CLOSED is also a free table slot's state. */
enum hz_tcp_state {
	HZ_TCP_CLOSED = 0,
	HZ_TCP_LISTEN,       /* only listeners; a connection never shows it */
	HZ_TCP_SYN_SENT,
	HZ_TCP_SYN_RECEIVED,
	HZ_TCP_ESTABLISHED,
	HZ_TCP_FIN_WAIT_1,
	HZ_TCP_FIN_WAIT_2,
	HZ_TCP_CLOSE_WAIT,
	HZ_TCP_CLOSING,
	HZ_TCP_LAST_ACK,
	HZ_TCP_TIME_WAIT,
	HZ_TCP_STATE_COUNT
};

/* "ESTABLISHED", ... or "?". */
const char *hz_tcp_state_name(unsigned state);

/* Why a segment (or an ICMP error about one) was dropped; indexes
 * t->drops. Each dropped segment is counted once, under one reason.
 * hz_tcp_drop_name gives the snake_case name. */
enum hz_tcp_drop {
	HZ_TCP_DROP_TRUNCATED = 0,  /* under 20 bytes or data offset past the end */
	HZ_TCP_DROP_BAD_OFFSET,     /* data offset below 5 */
	HZ_TCP_DROP_BAD_OPTION,     /* an option length is wrong */
	HZ_TCP_DROP_BAD_CHECKSUM,   /* checksum did not verify */
	HZ_TCP_DROP_BAD_ADDRESS,    /* broadcast/multicast, or port 0 */
	HZ_TCP_DROP_NO_LISTENER,    /* no connection or listener (RST sent) */
	HZ_TCP_DROP_LISTEN_BAD,     /* to a listener: RST, ACK, or no SYN */
	HZ_TCP_DROP_BACKLOG_FULL,   /* SYN to a listener at its backlog */
	HZ_TCP_DROP_NO_CONN_SLOT,   /* SYN, but no free connection slot */
	HZ_TCP_DROP_SYN_SENT_BAD,   /* SYN-SENT: unacceptable ACK or stray segment */
	HZ_TCP_DROP_PAWS,           /* RFC 7323 5: timestamp older than TS.Recent */
	HZ_TCP_DROP_OUT_OF_WINDOW,  /* sequence check failed (ACK sent) */
	HZ_TCP_DROP_RST_OUT_OF_WINDOW, /* RST outside the window, ignored */
	HZ_TCP_DROP_RST_CHALLENGED, /* in-window RST not at RCV.NXT (RFC 5961 3) */
	HZ_TCP_DROP_SYN_CHALLENGED, /* SYN in a synchronized state (RFC 5961 4) */
	HZ_TCP_DROP_ACK_CHALLENGED, /* ACK older than SND.UNA - MAX.SND.WND (RFC 5961 5) */
	HZ_TCP_DROP_ACK_TOO_NEW,    /* ACK of data never sent (ACK sent) */
	HZ_TCP_DROP_NO_ACK,         /* synchronized state, ACK bit off */
	HZ_TCP_DROP_SYN_RCVD_BAD_ACK, /* SYN-RECEIVED: unacceptable ACK (RST sent) */
	HZ_TCP_DROP_DATA_AFTER_CLOSE, /* data after the application closed (RST sent) */
	HZ_TCP_DROP_ICMP_TRUNCATED, /* ICMP error quoting under 8 TCP bytes */
	HZ_TCP_DROP_ICMP_NO_CONN,   /* ICMP error about no connection of ours */
	HZ_TCP_DROP_ICMP_BAD_SEQ,   /* quoted sequence outside SND.UNA..SND.MAX (RFC 5927) */
	HZ_TCP_DROP_COUNT
};

/* Name of a drop reason ("bad_checksum"), or "?" for an unknown value. */
const char *hz_tcp_drop_name(unsigned reason);

/* Congestion control algorithm. */
enum hz_tcp_cc {
	HZ_TCP_CC_NEWRENO = 0, /* RFC 5681 + RFC 6582 */
	HZ_TCP_CC_CUBIC = 1,   /* RFC 9438 (no HyStart), NewReno's or RFC 6675's recovery */
};

/* Engine configuration; hz_tcp_config_default fills the defaults named in
 * each comment. All times in microseconds. */
struct hz_tcp_config {
	hz_time_t rto_initial;  /* 1 s (RFC 6298 2.1) */
	hz_time_t rto_min;      /* 200 ms (RFC 6298 2.4 says 1 s; 200 ms as Linux) */
	hz_time_t rto_max;      /* 60 s (RFC 6298 2.5) */
	hz_time_t delack;       /* 40 ms; 0 acks every segment at once */
	hz_time_t time_wait;    /* 2*MSL, 60 s (RFC 9293 3.4.2 allows shorter) */
	hz_time_t fin_wait_2;   /* 60 s orphaned FIN-WAIT-2 limit; 0 = none */
	hz_time_t keep_idle;    /* 2 h (RFC 1122 4.2.3.6) */
	hz_time_t keep_intvl;   /* 75 s */
	uint8_t keep_count;     /* 9 unanswered probes, then reset */
	uint8_t syn_retries;    /* 6 SYN/SYN-ACK retransmissions, then give up */
	uint8_t data_retries;   /* 15 retransmissions (R2), then give up */
	uint8_t ttl;            /* 0: the ip layer's default */
	uint8_t tos;
	uint8_t cc;             /* enum hz_tcp_cc; HZ_TCP_CC_CUBIC */
	uint8_t initial_cwnd;   /* 10 segments (RFC 6928) */
	bool window_scaling;    /* true (RFC 7323 2) */
	bool timestamps;        /* true (RFC 7323 3) */
	bool sack;              /* true (RFC 2018): send SACK-permitted and blocks */
	bool nodelay;           /* false: Nagle on (RFC 9293 3.7.4) */
	bool keepalive;         /* false: off until hz_tcp_conn_set_keepalive */
	bool syn_cookies;       /* true: SYN cookies when a listener is full (RFC 4987 3.6) */
	uint16_t mss_max;       /* 0: no cap beyond the path MTU and tx buffer */
	uint32_t challenge_ack_limit; /* 1000 challenge ACKs per second per engine
	                               * (RFC 5961 7); 0 = no limit */
	/* 0: the window scale we offer fits the slot's receive ring at SYN
	 * time. Otherwise the largest receive ring (bytes) the application
	 * may give a connection later with hz_tcp_conn_set_buffers: the scale
	 * is chosen so that ring can be advertised whole (RFC 7323 2.2: the
	 * shift is fixed by the SYN). */
	uint32_t rcv_wnd_max;
	/* false. true: every network layer the engine sends through ends at
	 * a netif with HZ_NETIF_CAP_TX_CSUM: segments go out with
	 * HZ_PBUF_F_CSUM_PARTIAL, the pseudo-header sum in the checksum field
	 * (csum_start 0, csum_off 16 from the TCP header), for the device to
	 * finish. Resets to closed ports keep a full checksum. */
	bool tx_csum_offload;
	/* false. true: the ACK that the "every second full-sized segment"
	 * rule (RFC 5681 4.2) calls for, and the window update after the
	 * application read (unless the window was nearly closed), are held
	 * until hz_tcp_flush (which hz_tcp_poll runs first), so a batch of
	 * segments read together is acknowledged once at its end. Never
	 * while half the receive window is unacknowledged; out-of-order,
	 * duplicate and FIN ACKs still go at once, and data sent carries the
	 * ACK. Only for a caller that runs hz_tcp_flush or hz_tcp_poll after
	 * every batch of hz_tcp_input calls (and after reading outside one). */
	bool ack_batch;
};

void hz_tcp_config_default(struct hz_tcp_config *cfg);

/* Per-connection figures (hz_tcp_conn_stats). Times in microseconds. */
struct hz_tcp_stats {
	uint8_t state;          /* enum hz_tcp_state */
	uint16_t mss;           /* effective send MSS */
	uint32_t srtt;
	uint32_t rttvar;
	uint32_t rto;
	uint32_t cwnd;          /* bytes */
	uint32_t ssthresh;      /* bytes */
	uint32_t snd_wnd;       /* peer's window, scaled */
	uint32_t rcv_wnd;       /* advertised window */
	uint64_t retransmits;   /* segments sent again */
	uint64_t timeouts;      /* RTO expirations */
	uint64_t fast_retransmits;
	uint64_t bytes_in;      /* payload delivered to the receive ring in order */
	uint64_t bytes_out;     /* payload acknowledged by the peer */
	uint64_t segs_in;
	uint64_t segs_out;
	uint64_t dup_segs_in;   /* segments wholly before RCV.NXT */
	uint64_t ooo_segs_in;   /* segments stored out of order */
	uint64_t sack_blocks_in; /* SACK blocks received */
	uint64_t sack_recoveries; /* RFC 6675 loss recoveries entered */
	uint64_t challenge_acks;
};

/* Edge events given to the callbacks (and, for readiness, the level
 * flags of hz_tcp_conn_events). */
#define HZ_TCP_EV_CONNECTED 0x01u /* reached ESTABLISHED */
#define HZ_TCP_EV_READABLE 0x02u  /* bytes to read, or the peer's FIN */
#define HZ_TCP_EV_WRITABLE 0x04u  /* room in the send ring */
#define HZ_TCP_EV_PEER_FIN 0x08u  /* the peer closed its side (EOF after the data) */
#define HZ_TCP_EV_CLOSED 0x10u    /* the connection is over; see hz_tcp_conn_error */
#define HZ_TCP_EV_ERROR 0x20u     /* an error was latched (reset, timeout, ICMP) */
#define HZ_TCP_EV_ACCEPT 0x40u    /* listener: a connection waits in accept */

struct hz_tcp;
struct hz_tcp_conn;
struct hz_tcp_listener;

typedef void (*hz_tcp_conn_event_fn)(void *ctx, struct hz_tcp_conn *c, unsigned events);
typedef void (*hz_tcp_listener_event_fn)(void *ctx, struct hz_tcp_listener *l, unsigned events);

/* Out-of-order ranges the receive ring holds beyond RCV.NXT; they are
 * also the SACK blocks sent (RFC 2018 4). */
#define HZ_TCP_OOO_MAX 4

/* Internal flags of a connection (c->flags). */
#define HZ_TCP_CF_ACTIVE 0x0001u      /* opened by connect (not passive) */
#define HZ_TCP_CF_APP_OWNED 0x0002u   /* the application holds the handle */
#define HZ_TCP_CF_APP_CLOSED 0x0004u  /* close() called: no more reads */
#define HZ_TCP_CF_FIN_QUEUED 0x0008u  /* shutdown/close: send FIN after the data */
#define HZ_TCP_CF_FIN_SENT 0x0010u
#define HZ_TCP_CF_FIN_RCVD 0x0020u    /* peer FIN consumed (RCV.NXT covers it) */
#define HZ_TCP_CF_FIN_OOO 0x0040u     /* peer FIN seen beyond a gap */
#define HZ_TCP_CF_TS 0x0080u          /* timestamps in use */
#define HZ_TCP_CF_WS 0x0100u          /* window scaling in use */
#define HZ_TCP_CF_SACK 0x0200u        /* peer sent SACK-permitted */
#define HZ_TCP_CF_NODELAY 0x0400u
#define HZ_TCP_CF_KEEPALIVE 0x0800u
#define HZ_TCP_CF_ACK_NOW 0x1000u     /* send an ACK before returning */
#define HZ_TCP_CF_RECOVERY 0x2000u    /* in fast recovery (NewReno or RFC 6675) */
#define HZ_TCP_CF_ACCEPTED 0x4000u    /* passive: taken by accept */
#define HZ_TCP_CF_SYN_RETX 0x8000u    /* SYN was retransmitted (RFC 6298 5.7) */
#define HZ_TCP_CF_RESCUE 0x10000u     /* RFC 6675 RescueRxt is set */
#define HZ_TCP_CF_COOKIE 0x20000u     /* passive, created from a SYN cookie */
#define HZ_TCP_CF_ACK_HELD 0x40000u   /* an ACK waits for hz_tcp_flush (cfg.ack_batch) */

/* The sender's SACK scoreboard (RFC 6675 3): ranges of the send sequence
 * space the peer reported in SACK blocks, ascending, disjoint, all inside
 * SND.UNA..SND.MAX. Eight ranges (64 bytes per connection) hold what a
 * receiver reporting 3-4 blocks per ACK can describe within one window; a
 * further range is forgotten (the highest first), which only makes its
 * bytes count as in flight and possibly be sent again: never unsafe. */
#define HZ_TCP_SCORE_MAX 8

/* A connection. Lives in the caller's table; treat every field as
 * read-only and use the functions below. Sequence variables follow
 * RFC 9293 3.3.1; snd_max is the highest sequence sent (SND.NXT before a
 * go-back after a timeout). */
struct hz_tcp_conn {
	struct hz_tcp *tcp;
	struct hz_tcp_listener *listener; /* passive, until accepted */
	const struct hz_ip *ip;
	uint8_t state;      /* enum hz_tcp_state */
	uint32_t born;      /* order it entered SYN-RECEIVED: the oldest half-open
	                       connection is the one a cookie may replace */
	uint8_t snd_wscale; /* shift applied to the peer's windows */
	uint8_t rcv_wscale; /* shift applied to our windows */
	uint8_t retries;    /* consecutive timeouts (backoff exponent) */
	uint8_t dupacks;
	uint8_t nooo;       /* ranges in ooo[] */
	uint8_t keep_probes;
	uint32_t flags;     /* HZ_TCP_CF_* */
	uint16_t mss;       /* effective send MSS (no options) */
	uint16_t rcv_mss;   /* MSS we advertised */
	uint16_t unacked_segs; /* full segments received since our last ACK */
	uint32_t rcv_acked;   /* RCV.NXT our last ACK carried */
	int error;          /* latched: HZ_ERR_RESET, _TIMEOUT, _REFUSED, ... */
	int soft_error;     /* latest ICMP soft error (RFC 1122 4.2.3.9) */
	struct hz_tcp_endpoint local;
	struct hz_tcp_endpoint remote;
	/* send sequence space */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;
	uint32_t snd_wnd;     /* scaled */
	uint32_t max_snd_wnd; /* largest window seen (RFC 5961 5.2) */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t snd_buf_seq; /* sequence number of the send ring's head */
	/* receive sequence space */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;     /* right edge of the window last advertised */
	uint32_t rcv_fin_seq; /* with CF_FIN_OOO: the peer FIN's sequence */
	struct hz_tcp_sack_block ooo[HZ_TCP_OOO_MAX]; /* most recent first */
	/* timestamps (RFC 7323) */
	uint32_t ts_recent;
	uint32_t ts_offset;   /* per-connection TSval offset (RFC 7323 7.1) */
	hz_time_t ts_recent_at;
	/* round-trip time (RFC 6298), microseconds */
	uint32_t srtt;
	uint32_t rttvar;
	uint32_t rto;
	uint32_t rtt_seq;     /* Karn timing without timestamps */
	hz_time_t rtt_at;     /* 0 = no segment being timed */
	/* congestion control (RFC 5681, RFC 6582) */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover;     /* NewReno "recover", RFC 6675 RecoveryPoint */
	/* SACK loss recovery (RFC 6675), with CF_SACK */
	uint32_t high_rxt;    /* HighRxt: end of the highest retransmission */
	uint32_t rescue_rxt;  /* RescueRxt, with CF_RESCUE */
	uint8_t nscore;       /* ranges in score[] */
	struct hz_tcp_sack_block score[HZ_TCP_SCORE_MAX];
	uint32_t bytes_acked; /* congestion avoidance byte counting (RFC 3465) */
	/* CUBIC (RFC 9438), bytes and milliseconds */
	uint32_t cubic_wmax;   /* window before the last reduction */
	uint32_t cubic_origin; /* the cubic's plateau for this epoch */
	uint32_t cubic_k;      /* ms from the epoch start to the plateau */
	uint32_t cubic_west;   /* Reno-friendly estimate (4.3) */
	hz_time_t cubic_epoch; /* start of the congestion-avoidance epoch, 0 = none */
	/* timers: HZ_TIME_NEVER when off */
	hz_time_t rtx_at;     /* retransmission (or SYN / persist) */
	hz_time_t persist_at; /* zero-window probe */
	hz_time_t delack_at;
	hz_time_t keep_at;
	hz_time_t wait_at;    /* TIME-WAIT or orphaned FIN-WAIT-2 end */
	hz_time_t last_rx;    /* keepalive idle reference */
	uint8_t persist_backoff;
	struct hz_tcp_ring snd; /* unacknowledged + unsent data from snd_buf_seq */
	struct hz_tcp_ring rcv; /* in-order data, then out-of-order ranges */
	uint8_t *def_snd;     /* the slot's default ring memory from init */
	uint8_t *def_rcv;
	size_t def_snd_cap;
	size_t def_rcv_cap;
	uint64_t accept_seq;  /* accept queue order */
	unsigned ev_pending;  /* edge events not yet delivered */
	/* Engine lists (kept across slot reuse): connections with events to
	 * deliver, and with an ACK held for hz_tcp_flush (cfg.ack_batch). */
	struct hz_tcp_conn *ev_next;
	struct hz_tcp_conn *ack_next;
	bool ev_queued;
	bool ack_queued;
	hz_tcp_conn_event_fn event;
	void *event_ctx;
	struct hz_tcp_stats st;
};

/* A listener (passive OPEN). Connections it creates come from the
 * connection table; `backlog` bounds how many it holds that the
 * application has not accepted yet, half-open ones included. */
struct hz_tcp_listener {
	struct hz_tcp *tcp;
	bool used;
	uint16_t backlog;
	uint16_t pending; /* unaccepted connections (SYN-RECEIVED included) */
	struct hz_tcp_endpoint local;
	hz_tcp_listener_event_fn event;
	void *event_ctx;
	unsigned ev_pending;
	struct hz_tcp_listener *ev_next; /* engine's list of listeners with events */
	bool ev_queued;
	hz_time_t cookie_at; /* last SYN cookie sent, 0 = never */
};

/* Storage for the engine, all from the caller. ring_mem, when not NULL,
 * holds nconns * (snd_cap + rcv_cap) bytes and gives every slot a default
 * send ring of snd_cap and receive ring of rcv_cap bytes; a slot with no
 * ring memory can only be used after hz_tcp_conn_set_buffers (and so is
 * never chosen for a passive open). txbuf builds outgoing segments: it
 * needs the ip layer's headroom + 60 + the largest segment payload;
 * HZ_PBUF_HEADROOM + 60 + 1460 covers a 1500-byte MTU, and the MSS we
 * announce is clamped to what it can send. */
struct hz_tcp_storage {
	struct hz_tcp_conn *conns;
	size_t nconns;
	struct hz_tcp_listener *listeners;
	size_t nlisteners;
	uint8_t *ring_mem;
	size_t snd_cap;
	size_t rcv_cap;
	uint8_t *txbuf;
	size_t txcap;
};

/* The engine. A complete type: place it where you like, then hz_tcp_init. */
struct hz_tcp {
	struct hz_tcp_config cfg;
	const struct hz_shim *shim;
	struct hz_tcp_conn *conns;
	size_t nconns;
	struct hz_tcp_listener *listeners;
	size_t nlisteners;
	uint8_t *txbuf;
	size_t txcap;
	bool tx_busy;
	bool in_input;        /* events are deferred while true */
	/* Pending work lists, so nothing scans the whole table per segment:
	 * connections and listeners with undelivered events (FIFO), and
	 * connections holding an ACK for hz_tcp_flush. */
	struct hz_tcp_conn *ev_head, *ev_tail;
	struct hz_tcp_listener *lev_head, *lev_tail;
	struct hz_tcp_conn *ack_head;
	struct hz_tcp_conn *last_conn; /* lookup cache: the last segment's connection */
	uint64_t acks_batched; /* ACKs cfg.ack_batch held and then sent once per batch */
	const struct hz_ip *ip4;
	const struct hz_ip *ip6;
	struct hz_ip_upper upper;
	hz_time_t now;        /* latest input/poll time (DESIGN.md 6) */
	uint8_t isn_key[16];  /* SipHash key for ISNs and cookies (RFC 6528) */
	uint64_t accept_counter;
	uint16_t next_port;   /* ephemeral port search start */
	uint64_t segs_in;
	uint64_t segs_out;
	uint64_t rsts_out;
	/* SYN cookies (RFC 4987 3.6): SYN-ACKs sent with a cookie, cookie
	 * ACKs that created a connection, and ACKs whose cookie failed (bad
	 * MAC or too old) while cookies were in use. */
	uint64_t cookies_sent;
	uint64_t cookies_ok;
	uint64_t cookies_bad;
	uint64_t tw_reopened; /* TIME-WAIT connections a new SYN replaced (RFC 6191) */
	uint32_t born_next;   /* creation order for half-open connections */
	/* RFC 5961 7: challenge ACKs in the current one-second window, its
	 * start, and those not sent because the limit was reached. */
	uint32_t chack_count;
	hz_time_t chack_window;
	uint64_t chack_suppressed;
	uint64_t drops[HZ_TCP_DROP_COUNT];
};

/* ------------------------------------------------------------------ */
/* Engine: calls                                                       */
/* ------------------------------------------------------------------ */

/* Initialise over the caller's storage (every slot and listener becomes
 * free). cfg NULL takes hz_tcp_config_default. shim gives the ISN key
 * (16 random bytes at init) and ephemeral port start; it may be NULL in
 * tests (then the key is zero: ISNs are predictable; never in
 * production). Returns HZ_OK, or HZ_ERR_INVALID when txbuf cannot hold a
 * minimal segment (HZ_PBUF_HEADROOM + 60 + 64 bytes). */
int hz_tcp_init(struct hz_tcp *t, const struct hz_tcp_config *cfg, const struct hz_shim *shim,
                const struct hz_tcp_storage *st);

/* Attach to a network layer: registers protocol 6 with ip->attach and
 * routes connections to ip->family addresses through it. Once per family.
 * HZ_OK, HZ_ERR_IN_USE, HZ_ERR_INVALID, or the ip layer's error. */
int hz_tcp_attach(struct hz_tcp *t, const struct hz_ip *ip);

/* The transport interface, for wiring by hand (hz_tcp_attach uses it). */
const struct hz_ip_upper *hz_tcp_upper(struct hz_tcp *t);

/* One received segment (header + payload) from the ip layer: what
 * upper.input calls. Runs RFC 9293 3.10.7. Returns HZ_OK when the segment
 * was processed; an error when it was dropped (counted in t->drops; a
 * segment to a port with no listener is answered with RST and returns
 * HZ_ERR_NOT_FOUND, never HZ_ERR_REFUSED, so the ip layer sends no ICMP). */
int hz_tcp_input(struct hz_tcp *t, const struct hz_ip_rx *rx, const uint8_t *seg, size_t len);

/* An ICMP error quoting one of our segments: what upper.error calls.
 * Port/protocol unreachable abort a connection in SYN-SENT (hard errors,
 * RFC 1122 4.2.3.9); everything else is latched as a soft error
 * (RFC 5461) reported if the connection later times out. Fragmentation
 * needed lowers the MSS to ip->mtu(dst) - 20 and resends. The quoted
 * sequence number must lie in SND.UNA..SND.MAX (RFC 5927 4.1). */
void hz_tcp_icmp_input(struct hz_tcp *t, const struct hz_ip_err *err);

/* Run timers due at `now` (retransmission, delayed ACK, persist,
 * keepalive, TIME-WAIT) and deliver their events. Returns the earliest
 * next deadline, HZ_TIME_NEVER if none. Runs hz_tcp_flush first. */
hz_time_t hz_tcp_poll(struct hz_tcp *t, hz_time_t now);

/* The end of a batch of hz_tcp_input calls: send the ACKs cfg.ack_batch
 * held back. Costs nothing when none are held (or ack_batch is off). */
void hz_tcp_flush(struct hz_tcp *t);

/* --- listeners (RFC 9293 3.10.1 passive OPEN) --- */

/* Listen on local (addr any or one of ours, port non-zero) with a backlog
 * of at least 1. HZ_OK and *out; HZ_ERR_IN_USE (a listener has the port
 * at an overlapping address); HZ_ERR_NO_SPACE (no free listener);
 * HZ_ERR_INVALID. When the backlog is reached or no connection slot is
 * free, a SYN gets a SYN cookie (cfg.syn_cookies, RFC 4987 3.6) and no
 * state; the ACK that returns it creates the connection (a half-open one
 * of the listener gives way if needed). Without cookies such SYNs are
 * dropped (backlog_full, no_conn_slot) so the peer retries. */
int hz_tcp_listener_open(struct hz_tcp *t, const struct hz_tcp_endpoint *local, unsigned backlog,
                         struct hz_tcp_listener **out);
void hz_tcp_listener_set_event(struct hz_tcp_listener *l, hz_tcp_listener_event_fn fn, void *ctx);
/* Take the oldest established, unaccepted connection. HZ_OK and *out, or
 * HZ_ERR_WOULD_BLOCK. */
int hz_tcp_listener_accept(struct hz_tcp_listener *l, struct hz_tcp_conn **out);
/* Stop listening; unaccepted connections are reset and freed. */
void hz_tcp_listener_close(struct hz_tcp_listener *l);

/* --- connections --- */

/* Take a free connection slot (state CLOSED) for an active open, so its
 * buffers and options can be set before connect. HZ_OK and *out, or
 * HZ_ERR_NO_SPACE (a TIME-WAIT slot is reclaimed first, oldest first). */
int hz_tcp_conn_open(struct hz_tcp *t, struct hz_tcp_conn **out);
/* Give the connection its own ring memory (before connect, or on an
 * accepted connection before any data: HZ_ERR_BAD_STATE otherwise).
 * Caller memory, must outlive the connection. */
int hz_tcp_conn_set_buffers(struct hz_tcp_conn *c, uint8_t *snd, size_t snd_cap,
                            uint8_t *rcv, size_t rcv_cap);
void hz_tcp_conn_set_event(struct hz_tcp_conn *c, hz_tcp_conn_event_fn fn, void *ctx);
/* Nagle off (true) or on. */
void hz_tcp_conn_set_nodelay(struct hz_tcp_conn *c, bool on);
/* Keepalive on/off (RFC 1122 4.2.3.6), with the config's idle/intvl/count. */
void hz_tcp_conn_set_keepalive(struct hz_tcp_conn *c, bool on);
/* Active OPEN (RFC 9293 3.10.1): send SYN to remote. local NULL (or any
 * address / port 0) chooses the source address (ip->source) and an
 * ephemeral port. HZ_OK (SYN-SENT); HZ_ERR_BAD_STATE (not a fresh slot);
 * HZ_ERR_INVALID (bad remote, no ring memory); HZ_ERR_NO_ROUTE;
 * HZ_ERR_IN_USE (the 4-tuple exists or no ephemeral port is free). */
int hz_tcp_conn_connect(struct hz_tcp_conn *c, const struct hz_tcp_endpoint *remote,
                        const struct hz_tcp_endpoint *local);
/* SEND (RFC 9293 3.10.2): queue up to len bytes in the send ring and
 * transmit what the windows, Nagle and the MSS allow. Returns the bytes
 * queued (possibly 0 when the ring is full: wait for WRITABLE);
 * HZ_ERR_BAD_STATE after shutdown/close or before connect; the latched
 * error if the connection failed. Allowed in SYN-SENT/SYN-RECEIVED
 * (queued, sent when established). */
int hz_tcp_conn_send(struct hz_tcp_conn *c, const void *data, size_t len);
/* RECEIVE (RFC 9293 3.10.3): copy up to cap bytes. Returns the bytes read;
 * 0 at end of stream (the peer's FIN, all data read); HZ_ERR_WOULD_BLOCK
 * when nothing is there yet; the latched error after a reset. */
int hz_tcp_conn_recv(struct hz_tcp_conn *c, void *buf, size_t cap);
/* Zero-copy receive: *p points at contiguous readable bytes (returns how
 * many, 0 when none; check hz_tcp_conn_events for end of stream), then
 * hz_tcp_conn_consume(c, n) releases n of them and may open the window. */
size_t hz_tcp_conn_peek(struct hz_tcp_conn *c, const uint8_t **p);
void hz_tcp_conn_consume(struct hz_tcp_conn *c, size_t n);
/* Half-close: send FIN after the queued data; receiving continues.
 * HZ_OK or HZ_ERR_BAD_STATE. */
int hz_tcp_conn_shutdown(struct hz_tcp_conn *c);
/* CLOSE (RFC 9293 3.10.4): shutdown and give up the handle. The engine
 * finishes the close (FIN-WAIT, TIME-WAIT) and frees the slot itself.
 * Data arriving afterwards is answered with RST (RFC 1122 4.2.2.13);
 * unread data at close also resets. A connection in SYN-SENT is freed at
 * once without RST. */
void hz_tcp_conn_close(struct hz_tcp_conn *c);
/* ABORT (RFC 9293 3.10.5): send RST in synchronized states and free. */
void hz_tcp_conn_abort(struct hz_tcp_conn *c);
/* Level readiness: HZ_TCP_EV_READABLE, _WRITABLE, _PEER_FIN, _CLOSED,
 * _ERROR, _CONNECTED (established or later). */
unsigned hz_tcp_conn_events(const struct hz_tcp_conn *c);
/* Latched error (HZ_ERR_RESET, HZ_ERR_TIMEOUT, HZ_ERR_REFUSED,
 * HZ_ERR_UNREACHABLE, ...) or HZ_OK. Not cleared by reading. */
int hz_tcp_conn_error(const struct hz_tcp_conn *c);
void hz_tcp_conn_stats(const struct hz_tcp_conn *c, struct hz_tcp_stats *out);
static inline enum hz_tcp_state hz_tcp_conn_state(const struct hz_tcp_conn *c)
{
	return (enum hz_tcp_state)c->state;
}

/* The RFC 6528 initial sequence number for a 4-tuple at `now`: a 4 µs
 * clock plus SipHash-2-4 of the tuple under the engine's key. Exposed for
 * tests and SYN cookies. */
uint32_t hz_tcp_isn(const struct hz_tcp *t, const struct hz_tcp_endpoint *local,
                    const struct hz_tcp_endpoint *remote, hz_time_t now);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_TCP_H */
