/*
 * haze ipv6: IPv6 (RFC 8200) and ICMPv6 (RFC 4443) for a host.
 *
 * The wire level is stateless and zero-copy:
 *
 *  - hz_ipv6_hdr_parse/emit: the 40-byte fixed header (RFC 8200 section 3);
 *  - hz_ipv6_ext_walk: the extension-header chain (RFC 8200 section 4),
 *    which tells the caller where the upper-layer header starts, what
 *    fragment header (if any) was found, and, when the packet must be
 *    dropped, whether and how to answer with a Parameter Problem;
 *  - hz_ipv6_icmp_parse/emit and hz_ipv6_pseudo: ICMPv6 messages with
 *    their pseudo-header checksum (RFC 8200 8.1, RFC 4443 2.3).
 *
 * On top of them:
 *
 *  - hz_ipv6_nd_* and hz_ipv6_mld_*: neighbour discovery (RFC 4861) and
 *    MLD (RFC 2710, RFC 3810) messages and options;
 *  - hz_ipv6_reasm_*: fragment reassembly over caller buffers;
 *  - the engine, struct hz_ipv6: a host IPv6 layer implementing core's
 *    struct hz_ip (so udp and tcp run over it unchanged) with the
 *    neighbour cache, SLAAC with stable identifiers (RFC 4862, RFC 7217),
 *    DAD, MLDv2 reports, router and prefix lists, redirects, path MTU,
 *    ICMPv6 echo and rate-limited errors, and fragmentation.
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

/* Why a received packet was dropped; the engine counts them in
 * hz_ipv6.drops[], once per packet (DESIGN.md section 12).
 * hz_ipv6_drop_name names each. */
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
	HZ_IPV6_DROP_FRAG_BAD_LEN,    /* M set and length not a multiple of 8; or empty */
	HZ_IPV6_DROP_FRAG_TOO_BIG,    /* offset + length past 65535 */
	/* ICMPv6 (hz_ipv6_icmp_parse) */
	HZ_IPV6_DROP_ICMP_TRUNCATED,    /* shorter than its type's minimum */
	HZ_IPV6_DROP_ICMP_BAD_CHECKSUM, /* checksum over pseudo-header + message */
	/* reassembly (hz_ipv6_reasm_input, RFC 8200 4.5, RFC 5722, RFC 7112) */
	HZ_IPV6_DROP_FRAG_OVERLAP,     /* overlaps a held fragment: whole datagram dropped */
	HZ_IPV6_DROP_FRAG_MISMATCH,    /* contradicts the datagram's known end */
	HZ_IPV6_DROP_FRAG_TOO_MANY,    /* more fragments than max_frags */
	HZ_IPV6_DROP_FRAG_TOO_LARGE,   /* reassembled size above max_size */
	HZ_IPV6_DROP_FRAG_NO_SLOT,     /* every slot busy (or reassembly disabled) */
	HZ_IPV6_DROP_FRAG_POISONED,    /* belongs to a datagram already discarded */
	HZ_IPV6_DROP_FRAG_DUPLICATE,   /* exact duplicate of a held fragment */
	HZ_IPV6_DROP_FRAG_FIRST_SHORT, /* first fragment lacks the header chain (RFC 7112) */
	HZ_IPV6_DROP_FRAG_TIMEOUT,     /* datagram not complete in time */
	/* neighbour discovery and MLD (hz_ipv6_nd_parse, engine checks) */
	HZ_IPV6_DROP_ND_BAD_OPTION,    /* zero-length or overrunning option (RFC 4861 4.6) */
	HZ_IPV6_DROP_ND_INVALID,       /* fails RFC 4861 6.1 / 7.1 / 8.1 validation */
	HZ_IPV6_DROP_ND_FRAGMENTED,    /* ND message in fragments (RFC 6980) */
	HZ_IPV6_DROP_MLD_INVALID,      /* MLD query failing RFC 3810 5.1.14 */
	HZ_IPV6_DROP_REDIRECT_REFUSED, /* redirect not from our first hop, or disabled */
	HZ_IPV6_DROP_RA_IGNORED,       /* router advertisement while accept_ra is off */
	/* engine */
	HZ_IPV6_DROP_NOT_FOR_US,       /* destination is none of our addresses or groups */
	HZ_IPV6_DROP_TENTATIVE,        /* to an address still under DAD (RFC 4862 5.4) */
	HZ_IPV6_DROP_NO_PROTO,         /* no upper layer for Next Header (PP code 1 sent) */
	HZ_IPV6_DROP_ICMP_BAD_QUOTE,   /* error quoting no datagram of ours */
	HZ_IPV6_DROP_ICMP_UNMATCHED,   /* error for a protocol with no error handler */
	HZ_IPV6_DROP_ICMP_IGNORED,     /* message type nobody takes */
	HZ_IPV6_DROP_ICMP_RATE_LIMITED, /* an error we would send, over the rate limit */
	HZ_IPV6_DROP_ICMP_TX_FAILED,   /* a reply or error could not be sent */
	HZ_IPV6_DROP_ECHO_TOO_BIG,     /* echo request larger than the transmit buffer */
	HZ_IPV6_DROP_ECHO_MULTICAST,   /* echo to a group while echo_multicast is off */
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
#define HZ_IPV6_ICMP_MLD_QUERY 130   /* RFC 2710 / RFC 3810 */
#define HZ_IPV6_ICMP_MLD_REPORT 131  /* MLDv1 report */
#define HZ_IPV6_ICMP_MLD_DONE 132    /* MLDv1 done */
#define HZ_IPV6_ICMP_MLD2_REPORT 143 /* RFC 3810 5.2 */

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

/* ------------------------------------------------------------------ */
/* Addresses (RFC 4291, RFC 4862, RFC 7217)                            */
/* ------------------------------------------------------------------ */

/* The solicited-node multicast address of a (RFC 4291 2.7.1):
 * ff02::1:ffXX:XXXX with the low 24 bits of a. */
void hz_ipv6_addr_solicited(uint8_t out[16], const uint8_t a[16]);

/* Multicast scope (RFC 4291 2.7) or, for unicast, 2 for link-local and
 * the loopback address, 0xe (global) otherwise (RFC 6724 3.1); used by
 * source address selection. */
unsigned hz_ipv6_addr_scope(const uint8_t a[16]);

/* RFC 7217 section 5: a stable, opaque interface identifier for `prefix`
 * (its first 8 bytes), the interface `net_iface` (n bytes: haze passes the
 * link-layer address), the DAD counter and the secret key:
 * RID = hz_siphash(secret, prefix[0..8) | net_iface | dad_counter), taken as
 * the 64-bit IID. The same inputs give the same IID on every boot, a
 * different prefix gives an unrelated IID, and nothing of the MAC shows. */
void hz_ipv6_iid_stable(uint8_t iid[8], const uint8_t prefix[8], const uint8_t *net_iface,
                        size_t n, uint8_t dad_counter, const uint8_t secret[16]);

/* Is iid a reserved interface identifier (the IANA registry of RFC 5453:
 * the subnet-router anycast 0, the IANA Ethernet block
 * 0200:5eff:fe00:0000-0200:5eff:feff:ffff with RFC 6543's 5213 inside it,
 * and the subnet anycast range fdff:ffff:ffff:ff80-ffff of RFC 2526)? */
bool hz_ipv6_iid_reserved(const uint8_t iid[8]);

/* ------------------------------------------------------------------ */
/* Wire: neighbour discovery (RFC 4861) and MLD (RFC 2710, RFC 3810)   */
/* ------------------------------------------------------------------ */

/* ND option types (RFC 4861 4.6, RFC 3971 5.3.2, RFC 8106 5.1). */
#define HZ_IPV6_ND_OPT_SLLA 1
#define HZ_IPV6_ND_OPT_TLLA 2
#define HZ_IPV6_ND_OPT_PREFIX 3
#define HZ_IPV6_ND_OPT_REDIRECTED 4
#define HZ_IPV6_ND_OPT_MTU 5
#define HZ_IPV6_ND_OPT_NONCE 14
#define HZ_IPV6_ND_OPT_RDNSS 25

#define HZ_IPV6_ND_MAX_PREFIXES 8 /* prefix options kept per RA; more are counted and skipped */
#define HZ_IPV6_ND_MAX_RDNSS 4    /* RDNSS addresses kept per RA */
#define HZ_IPV6_ND_NONCE_LEN 6    /* RFC 7527 uses the 6-byte nonce option */

/* NA flags (bytes 4..7 of the message, RFC 4861 4.4). */
#define HZ_IPV6_NA_F_ROUTER 0x80000000u
#define HZ_IPV6_NA_F_SOLICITED 0x40000000u
#define HZ_IPV6_NA_F_OVERRIDE 0x20000000u

/* A prefix information option (RFC 4861 4.6.2). */
struct hz_ipv6_nd_prefix {
	uint8_t plen;
	bool onlink;     /* L */
	bool autonomous; /* A: usable for SLAAC */
	uint32_t valid;  /* seconds; 0xffffffff is infinity */
	uint32_t preferred;
	uint8_t prefix[16];
};

/* One ND message: the fixed fields of its type and every option haze
 * understands. Unused fields are zero. Produced by hz_ipv6_nd_parse,
 * consumed by hz_ipv6_nd_emit. */
struct hz_ipv6_nd {
	uint8_t type; /* HZ_IPV6_ICMP_ROUTER_SOLICIT .. HZ_IPV6_ICMP_REDIRECT */
	uint8_t code; /* must be 0 on receive; the engine checks */
	/* NS, NA, redirect */
	uint8_t target[16];
	/* redirect */
	uint8_t dest[16];
	/* NA */
	bool router, solicited, override;
	/* RA (RFC 4861 4.2, RFC 4191 2.2 preference) */
	uint8_t cur_hop_limit;
	bool managed, other;
	uint8_t prf;              /* 2-bit router preference as sent; 2 is reserved */
	uint16_t router_lifetime; /* seconds; 0: not a default router */
	uint32_t reachable_time;  /* ms; 0: unspecified */
	uint32_t retrans_timer;   /* ms; 0: unspecified */
	/* options */
	bool has_slla, has_tlla, has_mtu, has_nonce;
	uint8_t slla[HZ_MAC_LEN];
	uint8_t tlla[HZ_MAC_LEN];
	uint32_t mtu;
	uint8_t nonce[HZ_IPV6_ND_NONCE_LEN];
	uint8_t nprefixes;
	struct hz_ipv6_nd_prefix prefixes[HZ_IPV6_ND_MAX_PREFIXES];
	uint8_t nrdnss;
	uint32_t rdnss_lifetime; /* seconds, of the first RDNSS option */
	uint8_t rdnss[HZ_IPV6_ND_MAX_RDNSS][16];
	/* redirected header option: the quoted packet (borrowed) */
	const uint8_t *redirected;
	size_t redirected_len;
	uint16_t skipped; /* options not understood or not kept (ignored, RFC 4861 4.6) */
};

/* Parse the body and options of an ND message already accepted by
 * hz_ipv6_icmp_parse (m->type 133..137; another type: ND_INVALID,
 * HZ_ERR_INVALID). Options with length 0 or that overrun the message
 * fail the whole message (RFC 4861 4.6: ND_BAD_OPTION, HZ_ERR_MALFORMED),
 * as does a multicast target in an NS or NA (7.1.1, 7.1.2), or a redirect
 * whose destination is multicast or whose target is neither link-local
 * nor the destination (8.1) (ND_INVALID, HZ_ERR_MALFORMED).
 * Link-layer address, MTU and nonce options must be one unit (an
 * Ethernet address, RFC 2464 8; the 6-byte nonce); a longer one is
 * skipped. In an RA, a prefix option with a length other than 4 units,
 * or a prefix length above 128, fails the message (ND_BAD_OPTION), as
 * does an RDNSS option whose length is below 3 or even (RFC 8106 5.3.1).
 * Prefix bits past the prefix length are cleared (4.6.2). Each option
 * counts only in the types RFC 4861 4.6 (RFC 8106 5.1 for RDNSS) names
 * for it, and only its first instance (prefixes and RDNSS addresses
 * accumulate up to the caps; RDNSS options with another lifetime than the
 * first kept are skipped). Options skipped, not kept or unknown are
 * counted in nd->skipped. */
int hz_ipv6_nd_parse(struct hz_ipv6_nd *nd, const struct hz_ipv6_icmp *m,
                     enum hz_ipv6_drop *why);

/* Write nd as a complete ICMPv6 message for src -> dst into buf, with the
 * checksum: the fixed part of nd->type (reserved fields zero), then the
 * options whose has_* is set (SLLA, TLLA, MTU, nonce), the prefixes
 * (bits past plen cleared), the RDNSS addresses (one option, if nrdnss)
 * and, if nd->redirected is set, the redirected header (zero-padded to
 * whole units and trimmed so the message stays within 1280 bytes of
 * IPv6, RFC 4861 4.6.3). Returns the length or HZ_ERR_NO_SPACE /
 * HZ_ERR_INVALID (unknown type, a count above its cap, plen > 128). */
int hz_ipv6_nd_emit(const struct hz_ipv6_nd *nd, const struct hz_ipaddr *src,
                    const struct hz_ipaddr *dst, uint8_t *buf, size_t cap);

/* MLDv2 record types (RFC 3810 5.2.12). */
#define HZ_IPV6_MLD_IS_INCLUDE 1
#define HZ_IPV6_MLD_IS_EXCLUDE 2
#define HZ_IPV6_MLD_TO_INCLUDE 3
#define HZ_IPV6_MLD_TO_EXCLUDE 4
#define HZ_IPV6_MLD_ALLOW 5
#define HZ_IPV6_MLD_BLOCK 6

/* An MLD query, version 1 (24 bytes, RFC 2710 3) or 2 (28 bytes or more,
 * RFC 3810 5.1). */
struct hz_ipv6_mld_query {
	uint8_t version;       /* 1 or 2 */
	uint32_t max_resp_ms;  /* decoded Maximum Response Code (RFC 3810 5.1.3) */
	uint8_t group[16];     /* :: for a general query */
	bool suppress;         /* S flag */
	uint8_t qrv;           /* robustness variable; 0: unspecified */
	uint32_t qqi_s;        /* decoded QQIC (5.1.9), seconds */
	uint16_t nsources;
	const uint8_t *sources; /* nsources * 16 bytes, borrowed */
};

/* Parse an MLD query (m->type 130; another type: MLD_INVALID,
 * HZ_ERR_INVALID). Lengths 24 (v1) and >= 28 with room for its sources
 * (v2; bytes after them are ignored, RFC 3810 5.1.12) are accepted;
 * anything else fails (MLD_INVALID, HZ_ERR_MALFORMED; RFC 3810 8.1 says
 * to ignore 25..27). A group that is neither :: nor multicast fails too. */
int hz_ipv6_mld_query_parse(struct hz_ipv6_mld_query *q, const struct hz_ipv6_icmp *m,
                            enum hz_ipv6_drop *why);

/* One record of an MLDv2 report. haze joins whole groups (any source),
 * so its records carry no source list: EXCLUDE {} is "joined", INCLUDE {}
 * is "left" (RFC 3810 6.1). */
struct hz_ipv6_mld_record {
	uint8_t type; /* HZ_IPV6_MLD_* */
	uint8_t group[16];
	uint16_t nsources; /* on parse only: sources listed (skipped) */
};

/* Write an MLDv2 report (type 143) of n records for src -> dst (ff02::16)
 * into buf, checksummed. Returns the length, HZ_ERR_NO_SPACE, or
 * HZ_ERR_INVALID (n > 65535). */
int hz_ipv6_mld2_report_emit(const struct hz_ipv6_mld_record *recs, size_t n,
                             const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                             uint8_t *buf, size_t cap);

/* Parse an MLDv2 report (m->type 143) into at most cap records (sources
 * and auxiliary data skipped); *n gets the record count in the message.
 * HZ_OK, or HZ_ERR_MALFORMED (MLD_INVALID, *n = 0) when a record
 * overruns (HZ_ERR_INVALID for another type). */
int hz_ipv6_mld2_report_parse(const struct hz_ipv6_icmp *m, struct hz_ipv6_mld_record *recs,
                              size_t cap, size_t *n, enum hz_ipv6_drop *why);

/* ------------------------------------------------------------------ */
/* Reassembly (RFC 8200 4.5, RFC 5722, RFC 7112)                       */
/* ------------------------------------------------------------------ */

#ifndef HZ_IPV6_REASM_FRAGS_MAX
#define HZ_IPV6_REASM_FRAGS_MAX 64 /* per-slot fragment table size */
#endif
/* Leading bytes of the first fragment kept for the Time Exceeded quote. */
#define HZ_IPV6_REASM_QUOTE 128

enum hz_ipv6_reasm_state {
	HZ_IPV6_REASM_FREE = 0,
	HZ_IPV6_REASM_ACTIVE,   /* collecting fragments */
	HZ_IPV6_REASM_POISONED, /* discarded; matching fragments dropped until deadline */
};

struct hz_ipv6_reasm_range {
	uint16_t off; /* fragmentable-part offset in bytes */
	uint16_t len;
};

/* One datagram in progress. Caller storage; init zeroes it. */
struct hz_ipv6_reasm_slot {
	uint8_t state; /* enum hz_ipv6_reasm_state */
	uint8_t next;  /* Next Header of the fragment header (of the first fragment) */
	uint8_t tclass;
	uint8_t hop_limit;
	uint32_t flow;
	uint32_t id;      /* key: (src, dst, id), RFC 8200 4.5 */
	uint8_t src[16];
	uint8_t dst[16];
	hz_time_t deadline; /* first arrival + timeout; never extended */
	uint16_t nfrags;
	uint32_t total;    /* fragmentable-part length, valid once have_last */
	uint32_t received; /* bytes held (ranges never overlap) */
	bool have_last;
	bool have_first;
	uint16_t quote_len; /* bytes of the first fragment's packet in quote[] */
	uint8_t quote[HZ_IPV6_REASM_QUOTE];
	uint8_t *buf; /* HZ_IPV6_HDR_LEN + max_size bytes */
	struct hz_ipv6_reasm_range frags[HZ_IPV6_REASM_FRAGS_MAX];
};

struct hz_ipv6_reasm {
	struct hz_ipv6_reasm_slot *slots;
	size_t nslots;
	size_t max_size;  /* largest fragmentable part rebuilt, <= 65535 */
	size_t max_frags; /* <= HZ_IPV6_REASM_FRAGS_MAX */
	hz_time_t timeout;
	hz_time_t next_deadline; /* earliest slot deadline, HZ_TIME_NEVER if none */
	uint64_t completed;
	uint64_t timeouts;
};

/* Set up over nslots slots and buf, which holds
 * nslots * (HZ_IPV6_HDR_LEN + max_size) bytes (slot i at
 * buf + i * (40 + max_size)). max_size is clamped to 65535, max_frags to
 * HZ_IPV6_REASM_FRAGS_MAX. */
void hz_ipv6_reasm_init(struct hz_ipv6_reasm *r, struct hz_ipv6_reasm_slot *slots, size_t nslots,
                        uint8_t *buf, size_t max_size, size_t max_frags, hz_time_t timeout);

/* Offer one fragment: pkt is the whole packet (fixed header first, len =
 * 40 + payload length), h its parsed header, x the walk that stopped at
 * the fragment (x->flags has HZ_IPV6_EXT_F_FRAGMENT). Returns:
 *  - HZ_OK: complete. *out (out_len bytes, in the slot's buffer) is a
 *    rebuilt packet: a fixed header with the first fragment's traffic
 *    class, flow label and hop limit, payload length = the fragmentable
 *    part's length, Next Header = the fragment header's Next Header,
 *    followed by the fragmentable part (which the caller walks again: it
 *    may hold more extension headers). The unfragmentable headers (already
 *    processed) are not in it. Valid until the next input or poll call.
 *  - HZ_ERR_WOULD_BLOCK: held; more fragments needed.
 *  - an error, with the reason in *why: FRAG_OVERLAP (the whole datagram
 *    is discarded and its key poisoned until the slot's deadline: RFC
 *    5722), FRAG_MISMATCH (a second, different last fragment, data at or
 *    past a known end, or a last fragment ending at or before data held:
 *    discarded and poisoned), FRAG_DUPLICATE (exact same offset and length
 *    as one held: only this fragment dropped), FRAG_TOO_MANY (NO_SPACE)
 *    and FRAG_TOO_LARGE (TOO_BIG; both discarded and poisoned),
 *    FRAG_NO_SLOT (NO_SPACE), FRAG_POISONED, FRAG_BAD_LEN (an empty
 *    fragment other than a short first one: only it is dropped),
 *    FRAG_FIRST_SHORT (RFC 7112: the offset-0 fragment does not hold
 *    every extension header and the upper-layer header (8 bytes for UDP
 *    and ICMPv6, 20 for TCP, none after No Next Header, 1 for anything
 *    else): HZ_ERR_MALFORMED; the caller sends Parameter Problem code 3,
 *    pointer 0. It is reported whatever the datagram's state, even with
 *    no free slot, and poisons the key when a slot is there or free).
 *    All of these are HZ_ERR_MALFORMED unless noted.
 *  - HZ_ERR_INVALID, *why untouched: x is no fragment of pkt (a caller bug).
 * Slots past their deadline are reclaimed first, silently (poll first to
 * hear about them; they still count in timeouts). Fragments are matched
 * on (src, dst, id) only; the Next Header of non-first fragments is not
 * compared (RFC 8200 4.5). */
int hz_ipv6_reasm_input(struct hz_ipv6_reasm *r, const struct hz_ipv6_hdr *h,
                        const struct hz_ipv6_ext *x, const uint8_t *pkt, size_t len,
                        hz_time_t now, const uint8_t **out, size_t *out_len,
                        enum hz_ipv6_drop *why);

/* Called by poll for each datagram that timed out with its first fragment
 * held: the leading bytes of that fragment as received (for the quote of
 * a Time Exceeded code 1, RFC 8200 4.5). */
typedef void (*hz_ipv6_reasm_expire_fn)(void *ctx, const uint8_t *first, size_t len);

/* Free every slot whose deadline is <= now, calling fn (may be NULL) for
 * active slots holding their first fragment; fn must not call back into
 * the reassembler. Returns the next deadline (also in r->next_deadline,
 * which input and poll keep equal to the earliest deadline of a slot in
 * use). */
hz_time_t hz_ipv6_reasm_poll(struct hz_ipv6_reasm *r, hz_time_t now, hz_ipv6_reasm_expire_fn fn,
                             void *ctx);

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

/* The link below ipv6. The stack points it at an ethif adapter. `output`
 * sends pb's data (an IPv6 packet) to the link-layer address `ll`
 * (HZ_MAC_LEN bytes), or, when ll is NULL, to the multicast group `dst`
 * mapped by the link (RFC 2464 7: 33:33 + the low 32 bits), pushing its
 * header into at most `headroom` bytes in front. `mcast` adds (join) or
 * removes a group from the link's receive filter; may be NULL. `lladdr`
 * is our link-layer address, sent in ND options and fed to the stable
 * interface identifier. */
struct hz_ipv6_link {
	void *ctx;
	uint16_t headroom;
	uint16_t mtu;
	uint8_t lladdr[HZ_MAC_LEN];
	int (*output)(void *ctx, struct hz_pbuf *pb, const uint8_t *ll, const uint8_t dst[16]);
	int (*mcast)(void *ctx, const uint8_t group[16], bool join);
};

/* Fixed tables inside struct hz_ipv6 (override for the whole build). */
#ifndef HZ_IPV6_MAX_UPPER
#define HZ_IPV6_MAX_UPPER 4 /* attached transports */
#endif
#ifndef HZ_IPV6_ADDRS
#define HZ_IPV6_ADDRS 8 /* our unicast addresses, link-local included */
#endif
#ifndef HZ_IPV6_ROUTERS
#define HZ_IPV6_ROUTERS 4 /* default router list (RFC 4861 5.1) */
#endif
#ifndef HZ_IPV6_PREFIXES
#define HZ_IPV6_PREFIXES 8 /* on-link prefix list (RFC 4861 5.1) */
#endif
#ifndef HZ_IPV6_DESTS
#define HZ_IPV6_DESTS 16 /* destination cache: redirects and path MTU */
#endif
#ifndef HZ_IPV6_GROUPS
#define HZ_IPV6_GROUPS 12 /* multicast groups joined, solicited-node included */
#endif
#ifndef HZ_IPV6_RDNSS
#define HZ_IPV6_RDNSS 3 /* RFC 8106 5.3.1: MAX_RDNSS */
#endif

struct hz_ipv6_config {
	uint8_t hop_limit;       /* default hop limit, 64; an RA may change it */
	uint16_t mtu;            /* MTU cap, 1500; the link's if smaller; at least 1280 */
	bool link_local;         /* form fe80::IID at hz_ipv6_up, true */
	bool slaac;              /* form addresses from RA prefixes (RFC 4862 5.5.3), true */
	bool accept_ra;          /* process RAs at all, true */
	bool accept_redirects;   /* RFC 4861 8.3, true */
	uint8_t rtr_solicits;    /* RSs sent at start (RFC 4861 6.3.7: 3); 0: none */
	uint8_t dad_transmits;   /* DupAddrDetectTransmits, 1; 0: no DAD */
	bool stable_secret_set;  /* use stable_secret; else shim randomness at init */
	uint8_t stable_secret[16]; /* RFC 7217 secret_key: keep it across boots */
	bool mld;                /* send MLD reports, true */
	size_t reasm_max_size;   /* largest reassembled fragmentable part, 16384 */
	size_t reasm_max_frags;  /* per datagram, 64 */
	hz_time_t reasm_timeout; /* 60 s (RFC 8200 4.5) */
	uint32_t icmp_rate;      /* ICMPv6 errors per second, 100; 0: unlimited (RFC 4443 2.4 f) */
	uint32_t icmp_burst;     /* token bucket depth, 10 */
	hz_time_t pmtu_timeout;  /* lifetime of a learned path MTU, 10 min (RFC 8201 4) */
	bool echo_reply;         /* answer echo requests, true */
	bool echo_multicast;     /* ... sent to a group we joined (ff02::1), true, as Linux */
	struct hz_ipv6_ext_limits ext; /* zeros: the defaults */
};

enum hz_ipv6_nd_state {
	HZ_IPV6_ND_FREE = 0,
	HZ_IPV6_ND_INCOMPLETE, /* resolution in progress (RFC 4861 7.3.2) */
	HZ_IPV6_ND_REACHABLE,  /* confirmed within ReachableTime */
	HZ_IPV6_ND_STALE,      /* known, unconfirmed: used, and probed once used */
	HZ_IPV6_ND_DELAY,      /* used while STALE: wait for upper-layer confirmation */
	HZ_IPV6_ND_PROBE,      /* unicast solicitations every RetransTimer */
};

/* A neighbour cache entry (RFC 4861 5.1). Caller storage. */
struct hz_ipv6_neigh {
	uint8_t addr[16];
	uint8_t lladdr[HZ_MAC_LEN];
	uint8_t state; /* enum hz_ipv6_nd_state */
	uint8_t probes; /* solicitations sent in INCOMPLETE or PROBE */
	bool router;    /* IsRouter */
	hz_time_t timer; /* INCOMPLETE/PROBE: next solicitation; REACHABLE: expiry; DELAY: end */
	hz_time_t used;  /* last use, for replacement */
};

/* A packet waiting for its next hop to resolve (by copy into qbuf). */
struct hz_ipv6_pending {
	uint8_t nexthop[16];
	uint16_t len; /* 0: free */
	hz_time_t since;
};

enum hz_ipv6_addr_state {
	HZ_IPV6_ADDR_FREE = 0,
	HZ_IPV6_ADDR_TENTATIVE,  /* DAD running (RFC 4862 5.4) */
	HZ_IPV6_ADDR_PREFERRED,
	HZ_IPV6_ADDR_DEPRECATED, /* preferred lifetime over: kept for existing use */
	HZ_IPV6_ADDR_DUPLICATE,  /* DAD failed: not used */
};

enum hz_ipv6_addr_origin {
	HZ_IPV6_ORIGIN_MANUAL = 1,
	HZ_IPV6_ORIGIN_LINK_LOCAL,
	HZ_IPV6_ORIGIN_SLAAC,
};

struct hz_ipv6_addr {
	uint8_t addr[16];
	uint8_t plen;
	uint8_t state;  /* enum hz_ipv6_addr_state */
	uint8_t origin; /* enum hz_ipv6_addr_origin */
	uint8_t dad_left;    /* DAD solicitations still to send */
	uint8_t dad_counter; /* RFC 7217 DAD_Counter */
	uint8_t nonce[HZ_IPV6_ND_NONCE_LEN]; /* RFC 7527: recognise our own looped NS */
	hz_time_t timer;      /* next DAD step */
	hz_time_t preferred_until; /* HZ_TIME_NEVER: infinite */
	hz_time_t valid_until;
};

struct hz_ipv6_router {
	uint8_t addr[16]; /* link-local; all zero: free */
	uint8_t prf;      /* RFC 4191: 1 high, 0 medium, 3 low */
	bool is_static;   /* added by hz_ipv6_router_add: never expires */
	hz_time_t expires;
};

struct hz_ipv6_prefix {
	uint8_t prefix[16];
	uint8_t plen; /* 0 with expires 0: free */
	bool is_static;
	hz_time_t expires;
};

struct hz_ipv6_dest {
	uint8_t dst[16];     /* all zero: free */
	uint8_t nexthop[16]; /* a redirect's target (== dst: on-link) */
	bool redirected;
	uint16_t pmtu;       /* 0: the link MTU */
	hz_time_t pmtu_expires;
	hz_time_t used;
};

struct hz_ipv6_group {
	uint8_t addr[16];
	uint16_t refs;      /* 0: free */
	uint8_t reports;    /* state-change reports still to send (RFC 3810 6.1) */
	bool leaving;       /* refs hit 0: send TO_INCLUDE {} reports, then free */
	bool respond;       /* a query asked about this group: answer when timer fires */
	hz_time_t timer;    /* next report */
};

struct hz_ipv6_upper_entry {
	uint8_t proto;
	const struct hz_ip_upper *up; /* NULL: free */
};

enum hz_ipv6_event_kind {
	HZ_IPV6_EV_ADDR_READY = 1, /* DAD done (or skipped): the address is in use */
	HZ_IPV6_EV_ADDR_CONFLICT,  /* DAD found the address in use: lladdr is the other host's */
	HZ_IPV6_EV_ADDR_EXPIRED,   /* valid lifetime over: removed */
	HZ_IPV6_EV_ROUTER,         /* a default router appeared (value: lifetime s) */
	HZ_IPV6_EV_ROUTER_GONE,
	HZ_IPV6_EV_RDNSS,          /* recursive DNS servers changed: hz_ipv6_rdnss_get */
	HZ_IPV6_EV_RESOLVED,       /* a neighbour's link-layer address was learned */
	HZ_IPV6_EV_RESOLVE_FAILED, /* a neighbour did not answer (queued packets dropped) */
	HZ_IPV6_EV_MTU,            /* the link MTU changed from an RA (value: MTU) */
};

struct hz_ipv6_event {
	uint8_t kind; /* enum hz_ipv6_event_kind */
	struct hz_ipaddr addr;
	uint8_t plen;
	uint8_t lladdr[HZ_MAC_LEN];
	uint32_t value;
	hz_time_t now;
};

typedef void (*hz_ipv6_event_fn)(void *ctx, const struct hz_ipv6_event *ev);

/* Caller storage for one engine. */
struct hz_ipv6_storage {
	struct hz_ipv6_neigh *neigh; /* neighbour cache */
	size_t nneigh;
	struct hz_ipv6_pending *pending; /* packets waiting for resolution */
	size_t npending;
	uint8_t *qbuf;   /* npending * qslot bytes */
	size_t qslot;    /* largest queued packet (an IPv6 packet of that size) */
	struct hz_ipv6_reasm_slot *reasm_slots;
	size_t nreasm;   /* 0: no reassembly */
	uint8_t *reasm_buf; /* nreasm * (40 + cfg->reasm_max_size) bytes */
	uint8_t *txbuf;  /* ICMPv6 replies, errors, ND and MLD messages are built here */
	size_t txcap;
};

/* The engine. Complete type so the caller can place it; fill it with
 * hz_ipv6_init. Fields are readable (counters, tables); change them only
 * through the functions. */
struct hz_ipv6 {
	struct hz_ip ip; /* the seam transports use: hz_ipv6_ip() */
	struct hz_ipv6_config cfg;
	struct hz_ipv6_link link;
	const struct hz_shim *shim;
	hz_ipv6_event_fn event;
	void *event_ctx;
	struct hz_ipv6_storage st;
	struct hz_ipv6_reasm reasm;
	struct hz_ipv6_upper_entry upper[HZ_IPV6_MAX_UPPER];
	struct hz_ipv6_addr addrs[HZ_IPV6_ADDRS];
	struct hz_ipv6_router routers[HZ_IPV6_ROUTERS];
	struct hz_ipv6_prefix prefixes[HZ_IPV6_PREFIXES];
	struct hz_ipv6_dest dests[HZ_IPV6_DESTS];
	struct hz_ipv6_group groups[HZ_IPV6_GROUPS];
	uint8_t rdnss[HZ_IPV6_RDNSS][16];
	hz_time_t rdnss_expires[HZ_IPV6_RDNSS];
	/* Host variables (RFC 4861 6.3.2), updated from RAs. */
	uint8_t cur_hop_limit;
	uint16_t link_mtu;
	uint32_t base_reachable_ms;
	uint32_t reachable_ms; /* randomised 0.5..1.5 x base (6.3.2) */
	uint32_t retrans_ms;
	hz_time_t reachable_rand_at; /* when reachable_ms was last drawn */
	/* Router solicitation (6.3.7). */
	uint8_t rs_left;
	hz_time_t rs_timer;
	bool up;
	/* MLD (RFC 3810): general-query response and MLDv1 compatibility. */
	hz_time_t mld_general_at; /* HZ_TIME_NEVER: none pending */
	hz_time_t mldv1_until;    /* MLDv1 querier present (8.2.1) */
	uint8_t secret[16];
	uint32_t frag_id;
	bool tx_busy; /* txbuf in use (guards re-entry through the link) */
	struct hz_ratelimit icmp_limit; /* ICMPv6 errors (cfg icmp_rate, icmp_burst) */
	hz_time_t now;
	hz_time_t next_timer; /* earliest engine timer (not reassembly) */
	uint64_t drops[HZ_IPV6_DROP_COUNT];
	/* Traffic counters. */
	uint64_t rx_packets;
	uint64_t rx_delivered;
	uint64_t tx_packets;
	uint64_t tx_fragmented;
	uint64_t tx_no_route;       /* output refused: no route or no source */
	uint64_t tx_queue_full;     /* packet not queued: resolution queue full */
	uint64_t tx_resolve_failed; /* queued packets dropped: neighbour silent */
	uint64_t icmp_tx_errors;
	uint64_t icmp_suppressed;
	uint64_t echo_replies;
	uint64_t ns_tx, na_tx, rs_tx, mld_tx;
	uint64_t ra_rx, redirects_rx;
	uint64_t dad_conflicts;
};

/* Defaults as documented in struct hz_ipv6_config. */
void hz_ipv6_config_default(struct hz_ipv6_config *cfg);

/* Set up the engine over caller storage (copied; the tables it points to
 * must outlive the engine). Nothing is sent until hz_ipv6_up. Returns
 * HZ_OK or HZ_ERR_INVALID (no neighbour cache, no txbuf, or a txbuf
 * smaller than 1280 + the link headroom). */
int hz_ipv6_init(struct hz_ipv6 *ip, const struct hz_ipv6_config *cfg,
                 const struct hz_ipv6_link *link, const struct hz_shim *shim,
                 const struct hz_ipv6_storage *st);

void hz_ipv6_event_set(struct hz_ipv6 *ip, hz_ipv6_event_fn fn, void *ctx);

/* The struct hz_ip this engine implements (family HZ_AF_INET6). */
const struct hz_ip *hz_ipv6_ip(struct hz_ipv6 *ip);

/* Bring the interface up: join ff02::1, form the link-local address
 * (cfg.link_local) and start DAD on it and on any address added before,
 * then solicit routers once the link-local address is ready (RFC 4862
 * 5.3, 5.4; RFC 4861 6.3.7). */
int hz_ipv6_up(struct hz_ipv6 *ip, hz_time_t now);

/* Add a static address (infinite lifetimes) with its on-link prefix
 * (0 < plen < 128 adds the prefix to the prefix list). DAD runs first,
 * from hz_ipv6_up or at once if already up (the address is tentative
 * until HZ_IPV6_EV_ADDR_READY). HZ_OK, HZ_ERR_INVALID (multicast, unspecified, loopback,
 * plen > 128), HZ_ERR_IN_USE, HZ_ERR_NO_SPACE. */
int hz_ipv6_addr_add(struct hz_ipv6 *ip, const struct hz_ipaddr *addr, unsigned plen,
                     hz_time_t now);
int hz_ipv6_addr_del(struct hz_ipv6 *ip, const struct hz_ipaddr *addr);
/* Our address entry for addr (any state), or NULL. */
const struct hz_ipv6_addr *hz_ipv6_addr_find(const struct hz_ipv6 *ip, const uint8_t addr[16]);

/* A static default router (link-local or on-link). HZ_OK, HZ_ERR_INVALID,
 * HZ_ERR_NO_SPACE. */
int hz_ipv6_router_add(struct hz_ipv6 *ip, const struct hz_ipaddr *addr);

/* Copy up to n current RDNSS addresses (RFC 8106) into out; returns how
 * many there are. */
size_t hz_ipv6_rdnss_get(const struct hz_ipv6 *ip, struct hz_ipaddr *out, size_t n);

/* Join or leave a multicast group (reference counted). The link filter
 * is updated and MLD reports are sent (RFC 3810 6.1). HZ_OK,
 * HZ_ERR_INVALID (not multicast), HZ_ERR_NO_SPACE, HZ_ERR_NOT_FOUND. */
int hz_ipv6_group_join(struct hz_ipv6 *ip, const uint8_t group[16]);
int hz_ipv6_group_leave(struct hz_ipv6 *ip, const uint8_t group[16]);
bool hz_ipv6_group_joined(const struct hz_ipv6 *ip, const uint8_t group[16]);

/* Register the upper layer for Next Header `proto` (also through
 * hz_ip.attach). An upper for HZ_IPV6_NH_ICMPV6 receives the ICMPv6
 * messages the engine does not consume (echo replies, ...). */
int hz_ipv6_attach(struct hz_ipv6 *ip, uint8_t proto, const struct hz_ip_upper *up);

/* Receive one IPv6 packet (the Ethernet payload); l2cast is how the frame
 * was addressed, rxflags may hold HZ_IP_RX_CSUM_VALID (as for ipv4).
 * Validates, walks extension headers, reassembles, runs ICMPv6, ND and
 * MLD, and delivers to the upper layer. HZ_OK when taken, else the error
 * for the drop (counted once in drops[]). */
int hz_ipv6_input(struct hz_ipv6 *ip, const uint8_t *pkt, size_t len, enum hz_cast l2cast,
                  uint8_t rxflags, hz_time_t now);

/* Send pb's data as the payload of one datagram (also through
 * hz_ip.output): choose the source (RFC 6724) if tx->src is unspecified,
 * find the next hop (RFC 4861 5.2), resolve it (queueing by copy while
 * resolving), and fragment to the path MTU (RFC 8200 4.5) unless
 * HZ_IP_TX_DF. pb needs HZ_IPV6_HDR_LEN + 8 + link headroom bytes of
 * headroom. pb is the caller's again, unchanged, on return. */
int hz_ipv6_output(struct hz_ipv6 *ip, struct hz_pbuf *pb, const struct hz_ip_tx *tx);

/* Source address selection (RFC 6724 section 5, rules 1, 2, 3 and 8):
 * the best of our usable addresses for dst. HZ_OK or HZ_ERR_NO_ROUTE. */
int hz_ipv6_source(const struct hz_ipv6 *ip, const uint8_t dst[16], uint8_t src[16]);

/* Next-hop determination (RFC 4861 5.2): dst itself when on-link
 * (link-local, multicast, an on-link prefix, a redirect to itself), the
 * redirect target, else a default router (6.3.6). HZ_OK or
 * HZ_ERR_NO_ROUTE. */
int hz_ipv6_nexthop(struct hz_ipv6 *ip, const uint8_t dst[16], uint8_t nexthop[16]);

/* Largest IPv6 packet (header included) to dst: the learned path MTU if
 * any, else the link MTU. Never below 1280. */
size_t hz_ipv6_path_mtu(const struct hz_ipv6 *ip, const uint8_t dst[16]);

/* Neighbour cache lookup, and an upper-layer reachability hint (RFC 4861
 * 7.3.1: tcp saw new data acknowledged): a STALE/DELAY/PROBE entry
 * becomes REACHABLE. */
const struct hz_ipv6_neigh *hz_ipv6_neigh_find(const struct hz_ipv6 *ip, const uint8_t addr[16]);
void hz_ipv6_neigh_confirm(struct hz_ipv6 *ip, const uint8_t addr[16]);

/* Send an ICMPv6 error (type, code, rest = bytes 4..7) about the received
 * packet pkt (fixed header first, len bytes), quoting as much as fits in
 * 1280 bytes. Applies RFC 4443 2.4 (e): nothing about an ICMPv6 error or
 * a redirect, nothing to a multicast destination or link multicast except
 * Packet Too Big and Parameter Problem code 2 (when allow_mcast), nothing
 * to an unspecified or multicast source; then the token bucket (2.4 f).
 * HZ_OK when sent, HZ_ERR_REFUSED when suppressed, HZ_ERR_WOULD_BLOCK
 * when rate-limited, or the output error. */
int hz_ipv6_icmp_error(struct hz_ipv6 *ip, uint8_t type, uint8_t code, uint32_t rest,
                       const uint8_t *pkt, size_t len, enum hz_cast l2cast, bool allow_mcast);

/* Run timers: DAD, router solicitation, neighbour states, MLD reports,
 * address and router lifetimes, path MTU expiry, reassembly. Returns the
 * next deadline or HZ_TIME_NEVER. */
hz_time_t hz_ipv6_poll(struct hz_ipv6 *ip, hz_time_t now);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_IPV6_H */
