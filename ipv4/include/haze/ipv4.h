/*
 * haze ipv4: IPv4 (RFC 791, RFC 1122 section 3) and ICMPv4 (RFC 792) for a
 * host.
 *
 * Two levels:
 *
 *  - wire: hz_ipv4_hdr_parse/emit and hz_ipv4_icmp_parse/emit, stateless
 *    and zero-copy (parsed structs point into the caller's bytes);
 *  - engine: struct hz_ipv4, a host IP layer (no forwarding) that
 *    validates and delivers datagrams to upper layers by protocol number,
 *    reassembles fragments, fragments on output, routes by netmask and
 *    default gateway, answers echo requests and sends rate-limited ICMP
 *    errors. It implements core's struct hz_ip, so udp and tcp never see
 *    IPv4 itself.
 *
 * The reassembler (struct hz_ipv4_reasm) is its own object and can be used
 * without the engine.
 *
 * Addresses in this header are uint32_t in host byte order
 * (0x0a000002 is 10.0.0.2); struct hz_ipaddr appears only at the hz_ip
 * seam.
 *
 * Nothing here allocates or calls the OS. The caller supplies the
 * reassembly slots and buffers and the ICMP transmit buffer at init.
 */
#ifndef HAZE_IPV4_H
#define HAZE_IPV4_H

#include "haze/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Constants                                                           */
/* ------------------------------------------------------------------ */

#define HZ_IPV4_HDR_LEN 20 /* without options */
#define HZ_IPV4_HDR_MAX 60 /* IHL 15 */
#define HZ_IPV4_MAX_LEN 65535 /* total length field */
#define HZ_IPV4_MIN_MTU 68 /* RFC 791: every host must forward 68 octets */
#define HZ_IPV4_ETHERTYPE 0x0800

/* The flags/fragment-offset word (RFC 791 section 3.1). */
#define HZ_IPV4_FLAG_RF 0x8000u /* reserved, must be zero */
#define HZ_IPV4_FLAG_DF 0x4000u
#define HZ_IPV4_FLAG_MF 0x2000u
#define HZ_IPV4_OFFSET_MASK 0x1fffu /* in units of 8 octets */

/* Protocol numbers the engine knows by name. */
#define HZ_IPV4_PROTO_ICMP 1
#define HZ_IPV4_PROTO_TCP 6
#define HZ_IPV4_PROTO_UDP 17

/* Option types (RFC 791 section 3.1; copy flag, class and number). */
#define HZ_IPV4_OPT_EOL 0
#define HZ_IPV4_OPT_NOP 1
#define HZ_IPV4_OPT_RR 7
#define HZ_IPV4_OPT_TS 68
#define HZ_IPV4_OPT_SEC 130
#define HZ_IPV4_OPT_LSRR 131
#define HZ_IPV4_OPT_SID 136
#define HZ_IPV4_OPT_SSRR 137
#define HZ_IPV4_OPT_RA 148 /* router alert, RFC 2113 */

/* Bits of hz_ipv4_hdr.opts: which options a parsed header carries. */
#define HZ_IPV4_OPTF_RR 0x01u
#define HZ_IPV4_OPTF_TS 0x02u
#define HZ_IPV4_OPTF_LSRR 0x04u
#define HZ_IPV4_OPTF_SSRR 0x08u
#define HZ_IPV4_OPTF_RA 0x10u
#define HZ_IPV4_OPTF_OTHER 0x80u /* a well-formed option haze does not interpret */

/* Build a host-order address from four octets: HZ_IPV4_ADDR(10, 0, 0, 2). */
#define HZ_IPV4_ADDR(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define HZ_IPV4_BROADCAST 0xffffffffu /* limited broadcast, RFC 919 */
#define HZ_IPV4_ALL_HOSTS 0xe0000001u /* 224.0.0.1, RFC 1112 */

static inline bool hz_ipv4_addr_is_multicast(uint32_t a)
{
	return (a >> 28) == 0xe; /* 224.0.0.0/4 */
}
static inline bool hz_ipv4_addr_is_loopback(uint32_t a)
{
	return (a >> 24) == 127; /* 127.0.0.0/8 */
}
static inline bool hz_ipv4_addr_is_reserved(uint32_t a)
{
	return (a >> 28) == 0xf && a != HZ_IPV4_BROADCAST; /* 240.0.0.0/4 (class E) */
}

/* ------------------------------------------------------------------ */
/* Drop reasons                                                        */
/* ------------------------------------------------------------------ */

/* Why a received packet (or an ICMP message we would have sent) was
 * dropped. Counted in hz_ipv4.drops[]; hz_ipv4_drop_name names each. */
enum hz_ipv4_drop {
	/* header validation (hz_ipv4_hdr_parse) */
	HZ_IPV4_DROP_TRUNCATED = 0, /* fewer than 20 bytes */
	HZ_IPV4_DROP_BAD_VERSION,   /* version field is not 4 */
	HZ_IPV4_DROP_BAD_IHL,       /* IHL < 5, or header longer than the packet */
	HZ_IPV4_DROP_BAD_TOTAL_LEN, /* total length < header, or > bytes received */
	HZ_IPV4_DROP_BAD_CHECKSUM,  /* header checksum */
	HZ_IPV4_DROP_BAD_OPTION,    /* an option overruns the header or is malformed */
	HZ_IPV4_DROP_MARTIAN_SRC,   /* source multicast, broadcast, loopback, class E, 0/8 */
	/* engine input */
	HZ_IPV4_DROP_NOT_FOR_US,      /* destination is not ours: hosts do not forward */
	HZ_IPV4_DROP_L2_BCAST_UNICAST, /* link broadcast carrying an IP unicast (RFC 1122 3.3.6) */
	HZ_IPV4_DROP_SOURCE_ROUTE,    /* LSRR/SSRR: source routing is not supported */
	HZ_IPV4_DROP_NO_PROTO,        /* no upper layer: protocol unreachable sent */
	/* reassembly */
	HZ_IPV4_DROP_BAD_FRAGMENT,  /* empty, non-last not a multiple of 8, or past 65535 */
	HZ_IPV4_DROP_FRAG_OVERLAP,  /* overlaps another fragment: datagram discarded */
	HZ_IPV4_DROP_FRAG_DUPLICATE, /* same offset and length as one held */
	HZ_IPV4_DROP_FRAG_POISONED, /* belongs to a datagram already discarded */
	HZ_IPV4_DROP_FRAG_TOO_BIG,  /* reassembled size would exceed reasm_max_size */
	HZ_IPV4_DROP_FRAG_TOO_MANY, /* more than reasm_max_frags fragments */
	HZ_IPV4_DROP_FRAG_NO_SLOT,  /* all reassembly slots busy */
	HZ_IPV4_DROP_FRAG_TIMEOUT,  /* datagram incomplete when its timer ran out */
	/* ICMP */
	HZ_IPV4_DROP_ICMP_TRUNCATED,    /* fewer than 8 bytes */
	HZ_IPV4_DROP_ICMP_BAD_CHECKSUM, /* checksum over the whole message */
	HZ_IPV4_DROP_ICMP_BAD_QUOTE,    /* error quotes an invalid header, not ours, or < 8 bytes */
	HZ_IPV4_DROP_ICMP_UNMATCHED,    /* error for a protocol nobody attached */
	HZ_IPV4_DROP_ICMP_IGNORED,      /* a type a host does not act on (redirect, quench, ...) */
	HZ_IPV4_DROP_ECHO_BCAST,        /* echo to broadcast/multicast (RFC 1122 3.2.2.6 MAY) */
	HZ_IPV4_DROP_ECHO_TOO_BIG,      /* reply would not fit the ICMP transmit buffer */
	HZ_IPV4_DROP_ICMP_RATE_LIMITED, /* an ICMP error we did not send: token bucket empty */
	HZ_IPV4_DROP_ICMP_TX_FAILED,    /* an ICMP reply or error the link refused */
	HZ_IPV4_DROP_COUNT
};

/* Short snake_case name of a drop reason ("bad_checksum"), "?" if unknown. */
const char *hz_ipv4_drop_name(unsigned reason);

/* ------------------------------------------------------------------ */
/* Wire: the IPv4 header                                               */
/* ------------------------------------------------------------------ */

/* A parsed (or to-be-emitted) IPv4 header. After a successful parse the
 * pointers refer into the parsed buffer and are valid as long as it is. */
struct hz_ipv4_hdr {
	uint8_t hdr_len;    /* IHL * 4, 20..60 */
	uint8_t tos;        /* DSCP + ECN */
	uint16_t total_len; /* header + payload */
	uint16_t id;
	uint16_t frag;      /* flags (HZ_IPV4_FLAG_*) and offset in 8-octet units, raw */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;      /* as received; computed by emit */
	uint32_t src;       /* host order */
	uint32_t dst;
	const uint8_t *options; /* hdr_len - 20 bytes, NULL if none */
	size_t options_len;
	uint8_t opts;       /* HZ_IPV4_OPTF_* found by parse */
	const uint8_t *payload; /* total_len - hdr_len bytes (padding beyond excluded) */
	size_t payload_len;
};

static inline bool hz_ipv4_hdr_df(const struct hz_ipv4_hdr *h)
{
	return (h->frag & HZ_IPV4_FLAG_DF) != 0;
}
static inline bool hz_ipv4_hdr_mf(const struct hz_ipv4_hdr *h)
{
	return (h->frag & HZ_IPV4_FLAG_MF) != 0;
}
/* Fragment offset in bytes. */
static inline size_t hz_ipv4_hdr_offset(const struct hz_ipv4_hdr *h)
{
	return (size_t)(h->frag & HZ_IPV4_OFFSET_MASK) * 8u;
}
static inline bool hz_ipv4_hdr_is_fragment(const struct hz_ipv4_hdr *h)
{
	return (h->frag & (HZ_IPV4_FLAG_MF | HZ_IPV4_OFFSET_MASK)) != 0;
}

/* Validate one received packet of `len` bytes and fill *h. Checks, in order
 * (each with its own drop reason in *why, which may be NULL):
 * length >= 20 (TRUNCATED, HZ_ERR_NEED_MORE); version 4; IHL >= 5 and
 * IHL*4 <= len; IHL*4 <= total length <= len (bytes after total length are
 * link padding and ignored); header checksum (HZ_ERR_CHECKSUM); options
 * (RFC 791 3.1: EOL ends the list, NOP is one byte, any other option has a
 * length >= 2 inside the header, RR/LSRR/SSRR length >= 3 and pointer >= 4,
 * a multiple of 4, and within length+1; TS length >= 4, pointer >= 5 and
 * within length+1, flag 0, 1 or 3); source address (RFC 1122 3.2.1.3: not
 * multicast, limited broadcast, class E, loopback, or 0.x.y.z other than
 * 0.0.0.0, which DHCP clients legitimately use). Returns the header length
 * or HZ_ERR_MALFORMED / HZ_ERR_NEED_MORE / HZ_ERR_CHECKSUM. The reserved
 * flag bit and DF on a fragment are accepted (RFC 1122 1.2.2: be liberal
 * where the meaning is clear). */
int hz_ipv4_hdr_parse(struct hz_ipv4_hdr *h, const uint8_t *buf, size_t len,
                      enum hz_ipv4_drop *why);

/* Write h as a header into buf: hdr_len is 20 + options_len (options_len
 * must be a multiple of 4 and at most 40, else HZ_ERR_INVALID);
 * total_len, id, frag, ttl, tos, proto, src and dst are taken from h; the
 * checksum is computed (h->csum and h->payload are ignored). Returns the
 * header length or HZ_ERR_NO_SPACE. */
int hz_ipv4_hdr_emit(const struct hz_ipv4_hdr *h, uint8_t *buf, size_t cap);

/* Partial checksum (not folded, not complemented) of the pseudo-header for
 * TCP/UDP (RFC 768, RFC 793): src, dst, zero, proto, length. */
uint32_t hz_ipv4_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len);

/* ------------------------------------------------------------------ */
/* Wire: ICMPv4 (RFC 792)                                              */
/* ------------------------------------------------------------------ */

#define HZ_IPV4_ICMP_ECHO_REPLY 0
#define HZ_IPV4_ICMP_DEST_UNREACH 3
#define HZ_IPV4_ICMP_SOURCE_QUENCH 4
#define HZ_IPV4_ICMP_REDIRECT 5
#define HZ_IPV4_ICMP_ECHO 8
#define HZ_IPV4_ICMP_ROUTER_ADVERT 9
#define HZ_IPV4_ICMP_ROUTER_SOLICIT 10
#define HZ_IPV4_ICMP_TIME_EXCEEDED 11
#define HZ_IPV4_ICMP_PARAM_PROBLEM 12
#define HZ_IPV4_ICMP_TIMESTAMP 13
#define HZ_IPV4_ICMP_TIMESTAMP_REPLY 14
#define HZ_IPV4_ICMP_INFO_REQUEST 15
#define HZ_IPV4_ICMP_INFO_REPLY 16
#define HZ_IPV4_ICMP_MASK_REQUEST 17
#define HZ_IPV4_ICMP_MASK_REPLY 18

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1, RFC 1812). */
#define HZ_IPV4_ICMP_NET_UNREACH 0
#define HZ_IPV4_ICMP_HOST_UNREACH 1
#define HZ_IPV4_ICMP_PROTO_UNREACH 2
#define HZ_IPV4_ICMP_PORT_UNREACH 3
#define HZ_IPV4_ICMP_FRAG_NEEDED 4
#define HZ_IPV4_ICMP_SRC_ROUTE_FAILED 5
/* Time exceeded codes. */
#define HZ_IPV4_ICMP_TTL_EXCEEDED 0
#define HZ_IPV4_ICMP_REASM_EXCEEDED 1

#define HZ_IPV4_ICMP_HDR_LEN 8
/* ICMP errors quote the offending datagram so that the whole error fits in
 * 576 octets (RFC 1812 4.3.2.3; RFC 792 needs only header + 8). */
#define HZ_IPV4_ICMP_ERR_MAX 576

/* A parsed ICMP message; `data` points into the parsed buffer. */
struct hz_ipv4_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t csum;  /* as received; computed by emit */
	uint32_t rest;  /* bytes 4..7: id/seq, unused/next-hop MTU, pointer */
	const uint8_t *data; /* bytes after the 8-byte header */
	size_t data_len;
};

/* Is this type an error message (as opposed to a query)? Unknown types
 * count as errors, so we never answer them with an error (RFC 1122 3.2.2). */
bool hz_ipv4_icmp_type_is_error(uint8_t type);

static inline uint16_t hz_ipv4_icmp_echo_id(const struct hz_ipv4_icmp *m)
{
	return (uint16_t)(m->rest >> 16);
}
static inline uint16_t hz_ipv4_icmp_echo_seq(const struct hz_ipv4_icmp *m)
{
	return (uint16_t)m->rest;
}
/* Next-hop MTU of a fragmentation-needed message (RFC 1191 section 4). */
static inline uint16_t hz_ipv4_icmp_mtu(const struct hz_ipv4_icmp *m)
{
	return (uint16_t)m->rest;
}
/* Octet pointer of a parameter problem message. */
static inline uint8_t hz_ipv4_icmp_pointer(const struct hz_ipv4_icmp *m)
{
	return (uint8_t)(m->rest >> 24);
}

/* Validate an ICMP message (the IP payload, `len` bytes): at least 8 bytes
 * (ICMP_TRUNCATED, HZ_ERR_NEED_MORE) and a checksum over all of it
 * (ICMP_BAD_CHECKSUM, HZ_ERR_CHECKSUM). Returns HZ_OK. Type-specific
 * checks (the quote of an error) are the engine's. */
int hz_ipv4_icmp_parse(struct hz_ipv4_icmp *m, const uint8_t *buf, size_t len,
                       enum hz_ipv4_drop *why);

/* Write m (type, code, rest, then data_len bytes from m->data, which may
 * overlap buf) into buf and compute the checksum. Returns 8 + data_len or
 * HZ_ERR_NO_SPACE. */
int hz_ipv4_icmp_emit(const struct hz_ipv4_icmp *m, uint8_t *buf, size_t cap);

/* ------------------------------------------------------------------ */
/* Reassembly (RFC 791 3.2, RFC 815, RFC 5722 applied to IPv4)          */
/* ------------------------------------------------------------------ */

#ifndef HZ_IPV4_REASM_FRAGS_MAX
#define HZ_IPV4_REASM_FRAGS_MAX 64 /* per-slot fragment table size */
#endif

enum hz_ipv4_reasm_state {
	HZ_IPV4_REASM_FREE = 0,
	HZ_IPV4_REASM_ACTIVE,   /* collecting fragments */
	HZ_IPV4_REASM_POISONED, /* discarded; matching fragments dropped until deadline */
};

struct hz_ipv4_reasm_range {
	uint16_t off; /* payload offset in bytes */
	uint16_t len;
};

/* One datagram in progress. Caller storage; zero it or let init do so. */
struct hz_ipv4_reasm_slot {
	uint8_t state;    /* enum hz_ipv4_reasm_state */
	uint8_t proto;    /* key: (src, dst, id, proto), RFC 791 3.2 */
	uint16_t id;
	uint32_t src;
	uint32_t dst;
	hz_time_t deadline; /* first fragment's arrival + timeout; never extended */
	uint16_t nfrags;
	uint16_t total;   /* payload length, valid once have_last */
	uint32_t received; /* payload bytes held (ranges never overlap) */
	bool have_last;
	uint8_t hdr_len;  /* header of the offset-0 fragment; 0 until it arrives */
	uint8_t hdr[HZ_IPV4_HDR_MAX];
	uint8_t *buf;     /* this slot's payload area, max_size bytes */
	struct hz_ipv4_reasm_range frags[HZ_IPV4_REASM_FRAGS_MAX];
};

struct hz_ipv4_reasm {
	struct hz_ipv4_reasm_slot *slots;
	size_t nslots;
	size_t max_size;   /* largest reassembled payload */
	size_t max_frags;  /* <= HZ_IPV4_REASM_FRAGS_MAX */
	hz_time_t timeout;
	hz_time_t next_deadline; /* earliest slot deadline, HZ_TIME_NEVER if none */
	uint64_t completed;
	uint64_t timeouts;
};

/* Set up a reassembler over `nslots` slots and `buf`, which holds
 * nslots * max_size bytes (slot i uses buf + i * max_size). max_size is the
 * largest payload (bytes after the IP header) it will rebuild, at most
 * 65515; max_frags is clamped to HZ_IPV4_REASM_FRAGS_MAX. */
void hz_ipv4_reasm_init(struct hz_ipv4_reasm *r, struct hz_ipv4_reasm_slot *slots, size_t nslots,
                        uint8_t *buf, size_t max_size, size_t max_frags, hz_time_t timeout);

/* Offer one fragment (h parsed by hz_ipv4_hdr_parse, with MF set or a
 * non-zero offset). Returns:
 *  - HZ_OK: the datagram is complete. *out describes it: the header fields
 *    and options of the offset-0 fragment, frag 0, total_len recomputed,
 *    payload in the slot's buffer. *out stays valid until the next
 *    hz_ipv4_reasm_input or _poll call (the slot is free again).
 *  - HZ_ERR_WOULD_BLOCK: held; more fragments needed.
 *  - HZ_ERR_MALFORMED / HZ_ERR_NO_SPACE / HZ_ERR_TOO_BIG: dropped, reason
 *    in *why (may be NULL).
 * Rules: a non-last fragment must carry a non-zero multiple of 8 bytes, and
 * no fragment may be empty or end past 65535 - hdr_len (BAD_FRAGMENT). A
 * fragment overlapping one already held, or contradicting the known end
 * of the datagram, discards the whole datagram and poisons its key until the
 * slot's deadline, so late fragments do not start it afresh (RFC 5722's rule
 * for IPv6, applied here: overlaps have no legitimate use and are an
 * evasion tool). An exact duplicate (same offset and length) is dropped
 * alone, on the theory that it is a retransmission by the link: its bytes
 * are not compared, and the first copy wins. Too many fragments or too
 * large a datagram discards and poisons the datagram as well. Slots past
 * their deadline are reclaimed silently (call poll first to hear about
 * them). */
int hz_ipv4_reasm_input(struct hz_ipv4_reasm *r, const struct hz_ipv4_hdr *h, hz_time_t now,
                        struct hz_ipv4_hdr *out, enum hz_ipv4_drop *why);

/* Called by poll for each datagram that timed out after its first fragment
 * (offset 0) arrived: that fragment's header and the payload bytes held
 * from offset 0 (at least 8 when the first fragment is non-last). */
typedef void (*hz_ipv4_reasm_expire_fn)(void *ctx, const uint8_t *hdr, size_t hdr_len,
                                        const uint8_t *data, size_t data_len);

/* Free every slot whose deadline is <= now, calling fn (may be NULL) for
 * active ones that hold their first fragment. Returns the next deadline. */
hz_time_t hz_ipv4_reasm_poll(struct hz_ipv4_reasm *r, hz_time_t now, hz_ipv4_reasm_expire_fn fn,
                             void *ctx);

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

/* The link below ipv4 (DESIGN.md section 5): the stack points it at
 * hz_arp_output. `output` sends pb's data (an IPv4 packet) to `nexthop`
 * (host order) with the given cast, pushing its own header into at most
 * `headroom` bytes in front; the pbuf's bytes are ipv4's again when it
 * returns. `mtu` is the largest IPv4 packet the link carries. */
struct hz_ipv4_link {
	void *ctx;
	uint16_t headroom;
	uint16_t mtu;
	int (*output)(void *ctx, struct hz_pbuf *pb, uint32_t nexthop, enum hz_cast cast);
};

#ifndef HZ_IPV4_MAX_UPPER
#define HZ_IPV4_MAX_UPPER 4 /* attached transports (udp, tcp, ...) */
#endif
#ifndef HZ_IPV4_PMTU_ENTRIES
#define HZ_IPV4_PMTU_ENTRIES 8 /* path MTU cache (RFC 1191) */
#endif

struct hz_ipv4_config {
	uint8_t ttl;              /* default TTL, 64 (RFC 1700 / RFC 1122 3.2.1.7) */
	uint16_t mtu;             /* MTU cap; the link's mtu if that is smaller; 1500 */
	size_t reasm_max_size;    /* largest reassembled payload, 16384 */
	size_t reasm_max_frags;   /* per datagram, 64 */
	hz_time_t reasm_timeout;  /* 30 s (RFC 1122 3.3.2 suggests 60-120 s; Linux uses 30) */
	uint32_t icmp_rate;       /* ICMP errors per second, 100; 0: unlimited */
	uint32_t icmp_burst;      /* token bucket depth, 10 */
	hz_time_t pmtu_timeout;   /* lifetime of a learned path MTU, 10 min (RFC 1191 6.3) */
	bool echo_reply;          /* answer echo requests, true */
	bool echo_broadcast;      /* ... sent to broadcast/multicast, false */
};

struct hz_ipv4_upper_entry {
	uint8_t proto;
	const struct hz_ip_upper *up; /* NULL: free */
};

struct hz_ipv4_pmtu {
	uint32_t dst;      /* 0: free */
	uint16_t mtu;
	hz_time_t expires;
};

/* The engine. Complete type so the caller can place it; fill it with
 * hz_ipv4_init. Fields are readable (counters, addresses); change them only
 * through the functions. */
struct hz_ipv4 {
	struct hz_ip ip; /* the seam transports use: hz_ipv4_ip() */
	struct hz_ipv4_config cfg;
	struct hz_ipv4_link link;
	const struct hz_shim *shim;
	uint32_t addr; /* 0: unconfigured */
	uint32_t netmask;
	uint32_t gateway; /* 0: none */
	struct hz_ipv4_upper_entry upper[HZ_IPV4_MAX_UPPER];
	struct hz_ipv4_reasm reasm;
	struct hz_ipv4_pmtu pmtu[HZ_IPV4_PMTU_ENTRIES];
	uint8_t *txbuf; /* ICMP replies and errors are built here */
	size_t txcap;
	bool tx_busy;   /* txbuf in use (guards re-entry through the link) */
	uint16_t next_id;
	struct hz_ratelimit icmp_limit; /* ICMP errors (cfg icmp_rate, icmp_burst) */
	hz_time_t now;     /* latest input/poll time (DESIGN.md section 6) */
	uint64_t drops[HZ_IPV4_DROP_COUNT];
	/* Traffic counters. */
	uint64_t rx_packets;   /* valid headers received */
	uint64_t rx_delivered; /* datagrams handed to an upper layer or ICMP */
	uint64_t tx_packets;   /* packets handed to the link (fragments count singly) */
	uint64_t tx_fragmented; /* datagrams sent as fragments */
	uint64_t icmp_tx_errors;  /* ICMP errors sent */
	uint64_t icmp_suppressed; /* errors not sent by RFC 1122 3.2.2 rules */
	uint64_t echo_replies;
};

/* Defaults as documented in struct hz_ipv4_config. */
void hz_ipv4_config_default(struct hz_ipv4_config *cfg);

/* Set up the engine. cfg and link are copied. `slots` and `reasm_buf`
 * (nslots * cfg->reasm_max_size bytes) hold datagrams being reassembled;
 * nslots 0 disables reassembly (fragments are dropped as FRAG_NO_SLOT).
 * `txbuf` (txcap bytes) is where echo replies and ICMP errors are built:
 * the largest echo answered is txcap - link->headroom - 28 bytes of data.
 * The IP ID counter starts from shim randomness. All storage must outlive
 * the engine. */
void hz_ipv4_init(struct hz_ipv4 *ip, const struct hz_ipv4_config *cfg,
                  const struct hz_ipv4_link *link, const struct hz_shim *shim,
                  struct hz_ipv4_reasm_slot *slots, size_t nslots,
                  uint8_t *reasm_buf, uint8_t *txbuf, size_t txcap);

/* The struct hz_ip this engine implements (family HZ_AF_INET). */
const struct hz_ip *hz_ipv4_ip(struct hz_ipv4 *ip);

/* Set our address, netmask and default gateway (0: none). addr 0 makes the
 * engine unconfigured: it then accepts only broadcast and multicast and
 * sends only from 0.0.0.0 to broadcast (DHCP). HZ_OK, or HZ_ERR_INVALID for
 * a non-contiguous mask, a martian address, or a gateway off the subnet. */
int hz_ipv4_addr_set(struct hz_ipv4 *ip, uint32_t addr, uint32_t netmask, uint32_t gateway);

/* Register the upper layer for `proto` (also through hz_ip.attach).
 * HZ_OK, HZ_ERR_IN_USE, HZ_ERR_NO_SPACE (table full) or HZ_ERR_INVALID.
 * An upper attached for HZ_IPV4_PROTO_ICMP receives the ICMP messages the
 * engine does not consume itself (echo replies, timestamps, ...). */
int hz_ipv4_attach(struct hz_ipv4 *ip, uint8_t proto, const struct hz_ip_upper *up);

/* Receive one IPv4 packet (the ethernet payload). l2cast is how the frame
 * was addressed on the link. Validates, reassembles, answers ICMP and
 * delivers to the upper layer. Returns HZ_OK when the packet was taken
 * (delivered, held for reassembly, or answered), else the error for the
 * drop (counted in drops[]). */
int hz_ipv4_input(struct hz_ipv4 *ip, const uint8_t *pkt, size_t len, enum hz_cast l2cast,
                  hz_time_t now);
/* hz_ipv4_input with what the link knows about the frame: `rxflags` may
 * hold HZ_IP_RX_CSUM_VALID (the transport checksum was verified or is
 * trusted by the link, e.g. a tap receive offload); other bits are
 * ignored. ipv4 still verifies its own header checksum, and passes the
 * flag on in hz_ip_rx.flags for a datagram that is not a fragment (a
 * reassembled datagram is made of frames the flag did not cover).
 * hz_ipv4_input is hz_ipv4_input_meta(..., 0, now). */
int hz_ipv4_input_meta(struct hz_ipv4 *ip, const uint8_t *pkt, size_t len, enum hz_cast l2cast,
                       uint8_t rxflags, hz_time_t now);

/* Send pb's data as the payload of one datagram (also through hz_ip.output).
 * pb must have at least HZ_IPV4_HDR_LEN + link->headroom bytes of headroom.
 * Larger than the path MTU: fragmented in place when DF is clear (each
 * slice's 20 + headroom leading bytes are saved, overwritten with its header,
 * sent, and restored), else HZ_ERR_TOO_BIG. A CSUM_PARTIAL request
 * (transport header at the start of pb's data) is completed in software
 * when the datagram is fragmented. pb (struct and data bytes) is the
 * caller's again, unchanged, on return. Returns HZ_OK, HZ_ERR_NO_ROUTE,
 * HZ_ERR_TOO_BIG, HZ_ERR_NO_SPACE, HZ_ERR_INVALID, or the link's error. */
int hz_ipv4_output(struct hz_ipv4 *ip, struct hz_pbuf *pb, const struct hz_ip_tx *tx);

/* Route dst (RFC 1122 3.3.1): limited or subnet-directed broadcast ->
 * BROADCAST to dst; multicast -> MULTICAST to dst; on our subnet -> direct;
 * otherwise via the gateway. HZ_OK or HZ_ERR_NO_ROUTE (unconfigured, no
 * gateway, our own address, loopback, 0/8). */
int hz_ipv4_route(const struct hz_ipv4 *ip, uint32_t dst, uint32_t *nexthop, enum hz_cast *cast);

/* Largest IPv4 packet (header included) to dst: the learned path MTU if
 * any, else the interface MTU. */
size_t hz_ipv4_path_mtu(const struct hz_ipv4 *ip, uint32_t dst);

/* Send an ICMP error (type, code, rest = bytes 4..7 of the ICMP header)
 * about the received packet pkt (its IP header first, len bytes), quoting
 * as much of it as fits in 576 bytes. Applies RFC 1122 3.2.2: nothing is
 * sent about ICMP errors, non-first fragments, packets to broadcast or
 * multicast (or received as link broadcast: pass that l2cast), or from a
 * source that is not unicast; then the token bucket. HZ_OK when sent,
 * HZ_ERR_REFUSED when suppressed, HZ_ERR_WOULD_BLOCK when rate-limited,
 * or the output error. */
int hz_ipv4_icmp_error(struct hz_ipv4 *ip, uint8_t type, uint8_t code, uint32_t rest,
                       const uint8_t *pkt, size_t len, enum hz_cast l2cast);

/* Run timers: reassembly timeouts (sending time exceeded, code 1, for
 * datagrams whose first fragment arrived), token refill, path MTU expiry.
 * Returns the next deadline or HZ_TIME_NEVER. */
hz_time_t hz_ipv4_poll(struct hz_ipv4 *ip, hz_time_t now);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_IPV4_H */
