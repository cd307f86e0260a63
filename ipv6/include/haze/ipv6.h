/*
 * haze ipv6: IPv6 (RFC 8200) and ICMPv6 (RFC 4443) for a host.
 *
 * This first layer is the wire level only, stateless and zero-copy:
 *
 *  - hz_ipv6_hdr_parse/emit: the 40-byte fixed header (RFC 8200 section 3);
 *  - hz_ipv6_ext_walk: the extension-header chain (RFC 8200 section 4),
 *    which tells the caller where the upper-layer header starts, what
 *    fragment header (if any) was found, and, when the packet must be
 *    dropped, whether and how to answer with a Parameter Problem;
 *  - hz_ipv6_icmp_parse/emit and hz_ipv6_pseudo: ICMPv6 messages with
 *    their pseudo-header checksum (RFC 8200 8.1, RFC 4443 2.3).
 *
 * The engine (neighbour discovery, SLAAC, DAD, MLD, reassembly, the
 * hz_ip seam) comes later and builds on these functions.
 *
 * Addresses are struct hz_ipaddr (family HZ_AF_INET6, b[16] in network
 * order). Nothing here allocates or calls the OS.
 */
#ifndef HAZE_IPV6_H
#define HAZE_IPV6_H

#include "haze/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Constants                                                           */
/* ------------------------------------------------------------------ */

#define HZ_IPV6_HDR_LEN 40
#define HZ_IPV6_ADDR_LEN 16
#define HZ_IPV6_MIN_MTU 1280 /* RFC 8200 section 5 */
#define HZ_IPV6_ETHERTYPE 0x86dd
#define HZ_IPV6_FLOW_MASK 0xfffffu /* 20-bit flow label */

/* Next Header values (IANA "Assigned Internet Protocol Numbers"). */
#define HZ_IPV6_NH_HOPOPTS 0
#define HZ_IPV6_NH_TCP 6
#define HZ_IPV6_NH_UDP 17
#define HZ_IPV6_NH_ROUTING 43
#define HZ_IPV6_NH_FRAGMENT 44
#define HZ_IPV6_NH_ESP 50
#define HZ_IPV6_NH_AH 51
#define HZ_IPV6_NH_ICMPV6 58
#define HZ_IPV6_NH_NONE 59
#define HZ_IPV6_NH_DSTOPTS 60

/* Option types in hop-by-hop and destination options headers. The top
 * two bits are the action for an unrecognised option (RFC 8200 4.2). */
#define HZ_IPV6_OPT_PAD1 0x00
#define HZ_IPV6_OPT_PADN 0x01
#define HZ_IPV6_OPT_ROUTER_ALERT 0x05 /* RFC 2711, hop-by-hop only */
#define HZ_IPV6_OPT_JUMBO 0xc2        /* RFC 2675: not supported */
#define HZ_IPV6_OPT_ACTION(t) ((uint8_t)(t) >> 6)
#define HZ_IPV6_OPT_ACT_SKIP 0         /* 00: skip the option */
#define HZ_IPV6_OPT_ACT_DISCARD 1      /* 01: discard silently */
#define HZ_IPV6_OPT_ACT_ICMP 2         /* 10: discard, Parameter Problem */
#define HZ_IPV6_OPT_ACT_ICMP_UCAST 3   /* 11: discard, Parameter Problem unless dst multicast */

/* Routing types (RFC 8200 4.4). Type 0 is deprecated (RFC 5095). */
#define HZ_IPV6_RH_TYPE0 0

static inline bool hz_ipv6_addr_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff; /* ff00::/8, RFC 4291 2.7 */
}
static inline bool hz_ipv6_addr_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];
	return hz_memcmp(a, zero, 16) == 0;
}
static inline bool hz_ipv6_addr_is_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0u) == 0x80u; /* fe80::/10 */
}

/* ------------------------------------------------------------------ */
/* Drop reasons                                                        */
/* ------------------------------------------------------------------ */

/* Why a received packet was dropped; the engine will count them in
 * hz_ipv6.drops[]. hz_ipv6_drop_name names each. */
enum hz_ipv6_drop {
	/* fixed header (hz_ipv6_hdr_parse) */
	HZ_IPV6_DROP_TRUNCATED = 0,   /* fewer than 40 bytes */
	HZ_IPV6_DROP_BAD_VERSION,     /* version field is not 6 */
	HZ_IPV6_DROP_BAD_PAYLOAD_LEN, /* 40 + payload length > bytes received */
	HZ_IPV6_DROP_JUMBOGRAM,       /* payload length 0 with a jumbo option */
	HZ_IPV6_DROP_MARTIAN_SRC,     /* multicast source (RFC 4291 2.7) */
	/* extension headers (hz_ipv6_ext_walk) */
	HZ_IPV6_DROP_EXT_TRUNCATED,   /* a header or option overruns the payload */
	HZ_IPV6_DROP_EXT_TOO_MANY,    /* more headers than the configured limit */
	HZ_IPV6_DROP_EXT_TOO_LONG,    /* chain longer than the configured limit */
	HZ_IPV6_DROP_HBH_NOT_FIRST,   /* hop-by-hop after another header */
	HZ_IPV6_DROP_OPTION_UNKNOWN,  /* unrecognised option, action bits say drop */
	HZ_IPV6_DROP_ROUTING_TYPE0,   /* RH0 with segments left (RFC 5095) */
	HZ_IPV6_DROP_ROUTING,         /* other routing header with segments left */
	HZ_IPV6_DROP_FRAG_BAD_LEN,    /* M set and length not a multiple of 8 */
	HZ_IPV6_DROP_FRAG_TOO_BIG,    /* offset + length past 65535 */
	/* ICMPv6 (hz_ipv6_icmp_parse) */
	HZ_IPV6_DROP_ICMP_TRUNCATED,    /* shorter than its type's minimum */
	HZ_IPV6_DROP_ICMP_BAD_CHECKSUM, /* checksum over pseudo-header + message */
	HZ_IPV6_DROP_COUNT
};

/* Short snake_case name of a drop reason ("bad_version"), "?" if unknown. */
const char *hz_ipv6_drop_name(unsigned reason);

/* ------------------------------------------------------------------ */
/* Wire: the fixed header (RFC 8200 section 3)                         */
/* ------------------------------------------------------------------ */

/* A parsed (or to-be-emitted) IPv6 header. After a successful parse
 * `payload` points into the parsed buffer, valid as long as it is. */
struct hz_ipv6_hdr {
	uint8_t tclass;       /* traffic class: DSCP + ECN */
	uint32_t flow;        /* flow label, 20 bits */
	uint16_t payload_len; /* bytes after the fixed header, extension headers included */
	uint8_t next;         /* Next Header */
	uint8_t hop_limit;
	struct hz_ipaddr src; /* family HZ_AF_INET6 after parse; emit uses b[] only */
	struct hz_ipaddr dst;
	const uint8_t *payload; /* payload_len bytes; ignored by emit */
};

/* Validate one received packet of `len` bytes and fill *h. Checks, in
 * order, each with its drop reason in *why (which may be NULL):
 * len >= 40 (TRUNCATED, HZ_ERR_NEED_MORE); version 6 (BAD_VERSION);
 * a payload length of 0 with a hop-by-hop header holding a jumbo option
 * (JUMBOGRAM, HZ_ERR_UNSUPPORTED: RFC 2675 is not implemented);
 * 40 + payload length <= len (BAD_PAYLOAD_LEN; bytes beyond are link
 * padding and ignored); source not multicast (MARTIAN_SRC). The
 * unspecified source is accepted (DAD probes use it). Returns 40 or a
 * negative HZ_ERR_*. Extension headers are left to hz_ipv6_ext_walk. */
int hz_ipv6_hdr_parse(struct hz_ipv6_hdr *h, const uint8_t *buf, size_t len,
                      enum hz_ipv6_drop *why);

/* Write h as 40 bytes into buf (h->flow is masked to 20 bits, h->payload
 * is ignored). Returns 40 or HZ_ERR_NO_SPACE. */
int hz_ipv6_hdr_emit(const struct hz_ipv6_hdr *h, uint8_t *buf, size_t cap);

/* Partial checksum (not folded, not complemented) of the upper-layer
 * pseudo-header (RFC 8200 8.1): source, destination, 32-bit upper-layer
 * length, three zero bytes, next header. Uses src->b and dst->b. */
uint32_t hz_ipv6_pseudo(const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                        uint8_t next, size_t len);

/* ------------------------------------------------------------------ */
/* Wire: the extension-header chain (RFC 8200 section 4)               */
/* ------------------------------------------------------------------ */

/* Defaults for struct hz_ipv6_ext_limits (RFC 8504 5.3 lets a host cap
 * the chain; no legitimate host traffic needs more). */
#define HZ_IPV6_EXT_MAX_HDRS 8
#define HZ_IPV6_EXT_MAX_LEN 512

struct hz_ipv6_ext_limits {
	uint8_t max_hdrs; /* extension headers allowed; 0: HZ_IPV6_EXT_MAX_HDRS */
	uint16_t max_len; /* their total bytes; 0: HZ_IPV6_EXT_MAX_LEN */
};

/* Bits of hz_ipv6_ext.flags: what the walk saw. */
#define HZ_IPV6_EXT_F_HBH 0x01u          /* a hop-by-hop options header */
#define HZ_IPV6_EXT_F_DSTOPTS 0x02u      /* a destination options header */
#define HZ_IPV6_EXT_F_ROUTING 0x04u      /* a routing header (segments left 0) */
#define HZ_IPV6_EXT_F_FRAGMENT 0x08u     /* a real fragment: see frag_* */
#define HZ_IPV6_EXT_F_ATOMIC 0x10u       /* an atomic fragment (RFC 6946), walked through */
#define HZ_IPV6_EXT_F_ROUTER_ALERT 0x20u /* router alert option (RFC 2711) */
#define HZ_IPV6_EXT_F_RH0 0x40u          /* an RH0 with segments left 0, ignored */

/* ICMPv6 Parameter Problem codes (RFC 4443 3.4, RFC 7112). */
#define HZ_IPV6_PP_HEADER 0      /* erroneous header field */
#define HZ_IPV6_PP_NEXT_HEADER 1 /* unrecognised Next Header */
#define HZ_IPV6_PP_OPTION 2      /* unrecognised IPv6 option */
#define HZ_IPV6_PP_FIRST_FRAG 3  /* first fragment lacks the header chain */

/* The result of a walk. Offsets count from the first byte of the fixed
 * header, as the Parameter Problem pointer does (RFC 4443 3.4). */
struct hz_ipv6_ext {
	uint8_t proto;      /* upper-layer Next Header, or HZ_IPV6_NH_NONE;
	                       for a real fragment, the fragment header's Next Header */
	uint8_t count;      /* extension headers walked */
	uint8_t flags;      /* HZ_IPV6_EXT_F_* */
	uint32_t offset;    /* upper-layer header (or fragment data) starts here */
	uint32_t proto_ptr; /* offset of the Next Header byte that named proto,
	                       for a Parameter Problem code 1 if nobody wants it */
	/* fragment header (HZ_IPV6_EXT_F_FRAGMENT or _ATOMIC) */
	uint32_t frag_hdr;    /* offset of the fragment header */
	uint16_t frag_offset; /* in bytes */
	bool frag_more;       /* M flag */
	uint32_t frag_id;
	/* on failure: answer with a Parameter Problem? (the walker has already
	 * applied the multicast rule of action bits 11) */
	bool icmp;
	uint8_t icmp_code;    /* HZ_IPV6_PP_* */
	uint32_t icmp_pointer;
};

/* Walk the extension headers of one packet already accepted by
 * hz_ipv6_hdr_parse: `pkt` starts at the fixed header and `len` is
 * exactly 40 + its payload length (the caller drops link padding).
 *
 * Recognised headers: hop-by-hop (first only, RFC 8200 4.1), destination
 * options, routing and fragment. Any other Next Header ends the walk and
 * is the upper-layer protocol (AH and ESP included: the caller decides).
 * Options: Pad1, PadN and Router Alert are understood; any other option
 * is handled by its action bits (4.2). Routing headers with segments
 * left 0 are ignored (4.4), with segments left > 0 refused (a host does
 * not forward; RH0 per RFC 5095). A fragment header whose offset and M
 * are zero (atomic, RFC 6946) is walked through; any other stops the walk
 * at the fragment data (the rest belongs to the reassembled packet),
 * after the two length checks of 4.5.
 *
 * Every header is bounds-checked against len; each step advances at
 * least 8 bytes and the number of steps is capped by `lim` (NULL: the
 * defaults), so the walk always ends. Returns HZ_OK with *x filled, or a
 * negative code with *why and x->icmp / icmp_code / icmp_pointer set:
 * HZ_ERR_MALFORMED (bad header or option), HZ_ERR_UNSUPPORTED (an
 * unrecognised option or routing type told us to drop), HZ_ERR_TOO_BIG
 * (a limit). */
int hz_ipv6_ext_walk(struct hz_ipv6_ext *x, const uint8_t *pkt, size_t len,
                     const struct hz_ipv6_ext_limits *lim, enum hz_ipv6_drop *why);

/* ------------------------------------------------------------------ */
/* Wire: ICMPv6 (RFC 4443, RFC 4861 types)                             */
/* ------------------------------------------------------------------ */

#define HZ_IPV6_ICMP_DEST_UNREACH 1
#define HZ_IPV6_ICMP_PACKET_TOO_BIG 2
#define HZ_IPV6_ICMP_TIME_EXCEEDED 3
#define HZ_IPV6_ICMP_PARAM_PROBLEM 4
#define HZ_IPV6_ICMP_ECHO 128
#define HZ_IPV6_ICMP_ECHO_REPLY 129
#define HZ_IPV6_ICMP_ROUTER_SOLICIT 133 /* RFC 4861 */
#define HZ_IPV6_ICMP_ROUTER_ADVERT 134
#define HZ_IPV6_ICMP_NEIGHBOR_SOLICIT 135
#define HZ_IPV6_ICMP_NEIGHBOR_ADVERT 136
#define HZ_IPV6_ICMP_REDIRECT 137

/* Destination unreachable codes (RFC 4443 3.1). */
#define HZ_IPV6_ICMP_NO_ROUTE 0
#define HZ_IPV6_ICMP_ADMIN_PROHIBITED 1
#define HZ_IPV6_ICMP_BEYOND_SCOPE 2
#define HZ_IPV6_ICMP_ADDR_UNREACH 3
#define HZ_IPV6_ICMP_PORT_UNREACH 4
/* Time exceeded codes (RFC 4443 3.3). */
#define HZ_IPV6_ICMP_HOP_LIMIT 0
#define HZ_IPV6_ICMP_REASM_TIMEOUT 1

#define HZ_IPV6_ICMP_HDR_LEN 8 /* type, code, checksum, 4 bytes of body */

/* A parsed ICMPv6 message; `data` points into the parsed buffer. */
struct hz_ipv6_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t csum;  /* as received; computed by emit */
	uint32_t rest;  /* bytes 4..7: id/seq, unused, MTU, pointer, ND flags */
	const uint8_t *data; /* bytes after the first 8 */
	size_t data_len;
};

/* Error messages are types 0..127 (RFC 4443 2.1). */
static inline bool hz_ipv6_icmp_type_is_error(uint8_t type)
{
	return type < 128;
}
/* Is this a type haze recognises (the list above)? */
bool hz_ipv6_icmp_type_known(uint8_t type);

static inline uint16_t hz_ipv6_icmp_echo_id(const struct hz_ipv6_icmp *m)
{
	return (uint16_t)(m->rest >> 16);
}
static inline uint16_t hz_ipv6_icmp_echo_seq(const struct hz_ipv6_icmp *m)
{
	return (uint16_t)m->rest;
}
/* MTU of a Packet Too Big message (RFC 4443 3.2). */
static inline uint32_t hz_ipv6_icmp_mtu(const struct hz_ipv6_icmp *m)
{
	return m->rest;
}
/* Pointer of a Parameter Problem message (RFC 4443 3.4). */
static inline uint32_t hz_ipv6_icmp_pointer(const struct hz_ipv6_icmp *m)
{
	return m->rest;
}

/* Validate an ICMPv6 message (the upper-layer payload, `len` bytes, sent
 * from src to dst): at least 8 bytes, and for ND types the RFC 4861
 * minimum (RS 8, RA 16, NS 24, NA 24, redirect 40) (ICMP_TRUNCATED,
 * HZ_ERR_NEED_MORE); the checksum over the pseudo-header and the message
 * (ICMP_BAD_CHECKSUM, HZ_ERR_CHECKSUM). Unknown types parse (RFC 4443
 * 2.4 says what to do with them; that is the engine's). Returns HZ_OK. */
int hz_ipv6_icmp_parse(struct hz_ipv6_icmp *m, const uint8_t *buf, size_t len,
                       const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                       enum hz_ipv6_drop *why);

/* Write m (type, code, rest, then data_len bytes from m->data, which may
 * overlap buf) into buf with the checksum for src -> dst. Returns
 * 8 + data_len or HZ_ERR_NO_SPACE. */
int hz_ipv6_icmp_emit(const struct hz_ipv6_icmp *m, const struct hz_ipaddr *src,
                      const struct hz_ipaddr *dst, uint8_t *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_IPV6_H */
