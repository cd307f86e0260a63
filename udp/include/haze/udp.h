/*
 * haze udp: the User Datagram Protocol (RFC 768, RFC 1122 section 4.1),
 * written once against core's `struct hz_ip`, so the same code runs over
 * ipv4 and ipv6.
 *
 * Two levels:
 *  - wire: hz_udp_hdr_parse / hz_udp_hdr_emit and the checksum helpers,
 *    usable on their own to parse or build datagrams;
 *  - engine: `struct hz_udp`, a bind table over the caller's socket array,
 *    demultiplexing received datagrams to sockets (callback or ring) and
 *    building outgoing datagrams in one caller-supplied tx buffer.
 *
 * Ownership: every array and buffer passed in (socket table, tx buffer,
 * rings) belongs to the caller and must outlive the engine; nothing is
 * allocated and there is nothing to free. The engine is not thread-safe:
 * call it from one thread (the stack's event loop).
 *
 * Re-entrancy: a receive or ICMP callback may call hz_udp_sock_sendto,
 * hz_udp_sock_close and the other socket calls. The receive path never
 * touches the tx buffer. A send that would re-enter the tx buffer (an ip
 * layer that loops a datagram back synchronously into a callback that sends
 * again) fails with HZ_ERR_WOULD_BLOCK instead of corrupting it.
 */
#ifndef HAZE_UDP_H
#define HAZE_UDP_H

#include "haze/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

#define HZ_UDP_PROTO 17 /* IP protocol number (RFC 768) */
#define HZ_UDP_HDR_LEN 8
/* Largest payload: 65535 minus the UDP header and, over IPv4, the minimal
 * 20-byte IP header (the IPv4 total length field covers both). IPv6's
 * payload length excludes its own header; jumbograms (RFC 2675) are not
 * supported. */
#define HZ_UDP_MAX_PAYLOAD_V4 65507u
#define HZ_UDP_MAX_PAYLOAD_V6 65527u
/* The dynamic/private port range used for ephemeral ports (RFC 6335
 * section 6). */
#define HZ_UDP_EPHEMERAL_MIN 49152u
#define HZ_UDP_EPHEMERAL_MAX 65535u

/* The 8-byte header, in host order. */
struct hz_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;  /* header + payload, as on the wire */
	uint16_t csum; /* as on the wire; 0 = none (IPv4 only) */
};

/* Parse the header at p[0..avail). Returns HZ_OK, HZ_ERR_NEED_MORE when
 * fewer than 8 bytes are available, or HZ_ERR_MALFORMED when the length
 * field is below 8 or above `avail`. Bytes after `len` (link padding) are
 * not part of the datagram and are ignored (RFC 768: the length field
 * defines the datagram). The checksum is not verified here. */
int hz_udp_hdr_parse(struct hz_udp_hdr *out, const uint8_t *p, size_t avail);

/* Write h at out[0..8). Returns HZ_UDP_HDR_LEN, or HZ_ERR_NO_SPACE when
 * cap < 8. */
int hz_udp_hdr_emit(uint8_t *out, size_t cap, const struct hz_udp_hdr *h);

/* The checksum to store for the datagram dgram[0..len) (header included;
 * its checksum field is ignored, i.e. taken as zero), given the partial
 * sum of the pseudo-header (struct hz_ip's pseudo(), or hz_ip_rx.pseudo).
 * A computed 0 is returned as 0xFFFF, because 0 on the wire means "no
 * checksum" (RFC 768). Requires len >= 8. */
uint16_t hz_udp_csum_compute(uint32_t pseudo, const uint8_t *dgram, size_t len);

/* Whether dgram[0..len), checksum field included, sums to zero with the
 * pseudo-header. A zero checksum field is *not* special here; the caller
 * applies the family rule (see hz_udp_input). */
bool hz_udp_csum_verify(uint32_t pseudo, const uint8_t *dgram, size_t len);

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

/* One end of a flow. addr.family HZ_AF_NONE is "any address of any
 * family". An address of family HZ_AF_INET or HZ_AF_INET6 whose bytes are
 * all zero (0.0.0.0, ::) is "any address of that family". */
struct hz_udp_endpoint {
	struct hz_ipaddr addr;
	uint16_t port; /* host order; 0 in bind = choose an ephemeral port */
};

/* Why a datagram (or an ICMP error about one) was dropped; indexes
 * u->drops. hz_udp_drop_name gives the snake_case name. */
enum hz_udp_drop {
	HZ_UDP_DROP_TRUNCATED = 0,    /* shorter than 8 bytes, or len field > bytes received */
	HZ_UDP_DROP_BAD_LENGTH,       /* len field below 8 */
	HZ_UDP_DROP_BAD_CHECKSUM,     /* checksum did not verify */
	HZ_UDP_DROP_ZERO_CHECKSUM_V6, /* zero checksum over IPv6 (RFC 8200 8.1) */
	HZ_UDP_DROP_NO_SOCKET,        /* no socket bound to the port (ip sends ICMP) */
	HZ_UDP_DROP_RING_FULL,        /* the socket's ring had no room */
	HZ_UDP_DROP_NO_READER,        /* socket matched but has no callback or ring */
	HZ_UDP_DROP_ICMP_TRUNCATED,   /* ICMP error quoting fewer than 8 UDP bytes */
	HZ_UDP_DROP_ICMP_NO_SOCKET,   /* ICMP error about a flow no socket owns */
	HZ_UDP_DROP_COUNT
};

/* Name of a drop reason ("bad_checksum"), or "?" for an unknown value. */
const char *hz_udp_drop_name(unsigned reason);

/* Datagram and byte counts, kept per socket and for the whole engine. */
struct hz_udp_stats {
	uint64_t rx_datagrams; /* delivered to a socket */
	uint64_t rx_bytes;     /* payload bytes delivered */
	uint64_t tx_datagrams; /* accepted by the ip layer */
	uint64_t tx_bytes;     /* payload bytes sent */
	uint64_t icmp_errors;  /* ICMP errors latched on a socket */
};

/* One received datagram as a receive callback sees it. Pointers are valid
 * only during the callback. */
struct hz_udp_dgram {
	struct hz_udp_endpoint from; /* the sender */
	struct hz_udp_endpoint to;   /* our address and port it was sent to
	                                (RFC 1122 4.1.3.4): for a broadcast or
	                                multicast, the group/broadcast address */
	const uint8_t *data;
	size_t len;
	uint8_t flags; /* HZ_IP_RX_BCAST, HZ_IP_RX_MCAST */
	uint8_t ttl;   /* TTL / hop limit */
	uint8_t tos;   /* TOS / traffic class */
	hz_time_t now; /* time of the input call */
	const struct hz_ip *ip; /* the network layer it came in on */
};

struct hz_udp_sock;

/* Receive callback: one call per datagram delivered to the socket. */
typedef void (*hz_udp_recv_fn)(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d);

/* ICMP error callback: err is the code just latched (HZ_ERR_REFUSED, ...),
 * e the parsed ICMP error (valid during the call). The error stays latched
 * for hz_udp_sock_error unless the callback reads it. */
typedef void (*hz_udp_icmp_fn)(void *ctx, struct hz_udp_sock *s, int err, const struct hz_ip_err *e);

enum hz_udp_sock_state {
	HZ_UDP_SOCK_FREE = 0, /* in the table, not in use */
	HZ_UDP_SOCK_OPEN,     /* opened, no local port yet */
	HZ_UDP_SOCK_BOUND,    /* has a local endpoint: receives */
};

/* How specific a socket's local address is; the demultiplexer prefers the
 * higher value (cached at bind so a lookup compares no address bytes for
 * wildcard sockets). */
enum hz_udp_bind_kind {
	HZ_UDP_BIND_ANY = 0,    /* any address of any family */
	HZ_UDP_BIND_FAMILY = 1, /* 0.0.0.0 or ::: any address of one family */
	HZ_UDP_BIND_ADDR = 2,   /* one of our addresses */
};

struct hz_udp;

/* A socket. Lives in the caller's table given to hz_udp_init; treat the
 * fields as read-only (counters and `local`/`remote` may be read). */
struct hz_udp_sock {
	struct hz_udp *udp;
	uint8_t state;     /* enum hz_udp_sock_state */
	bool connected;    /* remote is set: filter and default destination */
	bool reuse;        /* may share its port with other reuse sockets */
	uint8_t ttl;       /* 0: the ip layer's default */
	uint8_t tos;
	uint8_t bind_kind; /* HZ_UDP_BIND_*: how specific `local.addr` is */
	int error;         /* latched ICMP error, HZ_OK if none */
	struct hz_udp_endpoint local;
	struct hz_udp_endpoint remote;
	hz_udp_recv_fn recv;
	void *recv_ctx;
	hz_udp_icmp_fn icmp;
	void *icmp_ctx;
	/* Receive ring over caller memory: records of a fixed header and the
	 * payload, never split across the end of the buffer. */
	uint8_t *ring;
	size_t ring_cap;
	size_t ring_head;  /* next record to read */
	size_t ring_tail;  /* where the next record is written */
	size_t ring_end;   /* end of valid data when the writer has wrapped */
	size_t ring_count; /* records queued */
	struct hz_udp_stats stats;
	uint64_t ring_drops; /* datagrams lost to a full ring */
};

/* Bytes a ring spends per datagram on top of its payload. A ring of cap
 * bytes holds a datagram of n bytes only if HZ_UDP_RING_OVERHEAD + n <= cap. */
#define HZ_UDP_RING_OVERHEAD 24u

/* The engine. A complete type: place it where you like, then hz_udp_init. */
struct hz_udp {
	const struct hz_shim *shim;
	struct hz_udp_sock *socks;
	size_t nsocks;
	uint8_t *txbuf;
	size_t txcap;
	bool tx_busy;
	const struct hz_ip *ip4; /* attached network layers, by family */
	const struct hz_ip *ip6;
	struct hz_ip_upper upper; /* what the ip layers call */
	struct hz_udp_stats stats;
	uint64_t drops[HZ_UDP_DROP_COUNT];
};

/* Initialise over the caller's socket table (all slots become free) and tx
 * buffer. txbuf must hold the ip layer's headroom, the 8-byte header and
 * the largest payload to send: HZ_PBUF_HEADROOM + 8 + 1472 covers a
 * 1500-byte MTU. shim gives the random start for ephemeral ports; it may be
 * NULL (then the search starts at HZ_UDP_EPHEMERAL_MIN). */
void hz_udp_init(struct hz_udp *u, const struct hz_shim *shim,
                 struct hz_udp_sock *socks, size_t nsocks, uint8_t *txbuf, size_t txcap);

/* Attach to a network layer: registers protocol 17 with ip->attach, and
 * routes sends to ip->family addresses through it. Once per family.
 * HZ_OK, HZ_ERR_IN_USE (a layer of that family is already attached),
 * HZ_ERR_INVALID (unknown family), or the ip layer's attach error. `ip`
 * must outlive u. */
int hz_udp_attach(struct hz_udp *u, const struct hz_ip *ip);

/* The transport interface, for wiring by hand (hz_udp_attach uses it). */
const struct hz_ip_upper *hz_udp_upper(struct hz_udp *u);

/* Receive one datagram (header + payload, p[0..len)) from the ip layer:
 * what upper.input calls. Checks length (RFC 768) and checksum: zero means
 * "none" over IPv4 and is dropped over IPv6 (RFC 8200 section 8.1).
 * Delivery picks the most specific socket (connected, then bound to the
 * address, then wildcard); broadcast and multicast datagrams go to every
 * matching socket. Returns HZ_OK when delivered, HZ_ERR_REFUSED when no
 * socket has the port (the ip layer answers with port unreachable),
 * another error when dropped (counted in u->drops). */
int hz_udp_input(struct hz_udp *u, const struct hz_ip_rx *rx, const uint8_t *p, size_t len);

/* An ICMP error quoting one of our datagrams: what upper.error calls. The
 * socket is found by the quoted header (its source port is our local port)
 * and err->src/err->dst; the error is latched (see hz_udp_sock_error). */
void hz_udp_icmp_input(struct hz_udp *u, const struct hz_ip_err *err);

/* Take a free socket from the table, or NULL when all are in use. */
struct hz_udp_sock *hz_udp_sock_open(struct hz_udp *u);

/* Allow this socket to share its local port with other sockets that also
 * set it (like SO_REUSEADDR); then the most specific match receives a
 * unicast datagram. Call before bind. */
void hz_udp_sock_set_reuse(struct hz_udp_sock *s, bool on);

/* Per-socket TTL/hop limit (0 = ip default) and TOS for sends. */
void hz_udp_sock_set_ttl(struct hz_udp_sock *s, uint8_t ttl);
void hz_udp_sock_set_tos(struct hz_udp_sock *s, uint8_t tos);

/* Bind the local endpoint. local == NULL binds any address, ephemeral port.
 * A specific address must be local to the attached ip layer of its family
 * (ip->is_local). Port 0 picks an ephemeral port from 49152-65535 starting
 * at a random offset (RFC 6335 section 6, RFC 6056 algorithm 1).
 * Returns HZ_OK; HZ_ERR_BAD_STATE (already bound or not open);
 * HZ_ERR_IN_USE (the port is taken at an overlapping address, or no
 * ephemeral port is free); HZ_ERR_INVALID (address not ours or no ip layer
 * of its family). */
int hz_udp_sock_bind(struct hz_udp_sock *s, const struct hz_udp_endpoint *local);

/* Set the remote endpoint: only datagrams from it are delivered, and it is
 * the default destination of sendto(to = NULL). An unbound socket is bound
 * first to any address and an ephemeral port. remote == NULL dissolves the
 * association. HZ_OK, HZ_ERR_INVALID (any address, port 0, family unlike
 * the bound address or without an ip layer), or a bind error. */
int hz_udp_sock_connect(struct hz_udp_sock *s, const struct hz_udp_endpoint *remote);

/* Deliver received datagrams to fn (takes precedence over a ring). fn NULL
 * removes the callback. */
void hz_udp_sock_set_recv(struct hz_udp_sock *s, hz_udp_recv_fn fn, void *ctx);

/* Queue received datagrams into buf[0..cap) (caller memory, must outlive
 * the socket or the next set_ring), read with hz_udp_sock_recvfrom. Each
 * datagram takes HZ_UDP_RING_OVERHEAD + len bytes, contiguous. A datagram
 * that does not fit is dropped (ring_full). Resets the ring; buf NULL
 * removes it. */
void hz_udp_sock_set_ring(struct hz_udp_sock *s, uint8_t *buf, size_t cap);

/* Called after latching an ICMP error on this socket; NULL removes it. */
void hz_udp_sock_set_icmp(struct hz_udp_sock *s, hz_udp_icmp_fn fn, void *ctx);

/* Send one datagram of len bytes to `to` (NULL: the connected remote).
 * The destination's family chooses the attached ip layer. An unbound socket
 * is bound first (any address, ephemeral port). When bound to any address,
 * the ip layer picks the source (ip->source).
 * Returns len on success; HZ_ERR_BAD_STATE (to NULL and not connected, or
 * socket not open); HZ_ERR_INVALID (port 0, any address, family unlike the
 * bound address); HZ_ERR_NO_ROUTE (no ip layer for the family, or no
 * source address); HZ_ERR_TOO_BIG (above HZ_UDP_MAX_PAYLOAD_V4/V6 or, with
 * DF, the MTU); HZ_ERR_NO_SPACE (does not fit the tx buffer);
 * HZ_ERR_WOULD_BLOCK (tx buffer in use by an outer send); or the ip
 * layer's output error. */
int hz_udp_sock_sendto(struct hz_udp_sock *s, const void *data, size_t len,
                       const struct hz_udp_endpoint *to);

/* Take the oldest queued datagram. Copies min(len, cap) bytes into buf,
 * discards the rest of the datagram (datagram semantics: one call, one
 * datagram), fills *from if non-NULL, and returns the datagram's full
 * length, so a return above cap means it was truncated.
 * HZ_ERR_WOULD_BLOCK when the ring is empty, HZ_ERR_BAD_STATE without a
 * ring. */
int hz_udp_sock_recvfrom(struct hz_udp_sock *s, void *buf, size_t cap, struct hz_udp_endpoint *from);

/* The latched ICMP error (HZ_ERR_REFUSED for port/protocol unreachable,
 * HZ_ERR_UNREACHABLE for net/host unreachable, prohibited or time
 * exceeded, HZ_ERR_TOO_BIG for fragmentation needed), or HZ_OK. Reading
 * clears it, like SO_ERROR. */
int hz_udp_sock_error(struct hz_udp_sock *s);

/* Release the socket back to the table. Safe from its own callback. */
void hz_udp_sock_close(struct hz_udp_sock *s);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_UDP_H */
