/*
 * haze-pcap's frame decoder: one captured frame in, one record out (field
 * values in tshark's formats, a human-readable summary, the protocols seen
 * and every error a haze parser reported).
 *
 * Every header goes through haze's own wire parsers (hz_ethif_frame_parse,
 * hz_arp_packet_parse, hz_ipv4_hdr_parse, hz_ipv4_icmp_parse,
 * hz_udp_hdr_parse, hz_ipv6_hdr_parse, hz_ipv6_ext_walk,
 * hz_ipv6_icmp_parse) and IPv4 fragments through haze's reassembler
 * (hz_ipv4_reasm_*), so comparing the fields with tshark checks haze.
 *
 * Two deliberate accommodations, both visible in the record:
 *  - truncated headers: an ICMP error quotes only the start of a datagram
 *    (RFC 792) and a capture may be cut by its snaplen. Their length fields
 *    describe bytes that are not there, which haze's parsers rightly reject;
 *    the decoder copies such a header into a zero-padded scratch buffer of
 *    the declared length, so haze still validates it. Quotes are not
 *    errors; a snaplen cut is noted in the summary.
 *  - lenient fields: when haze rejects a header for a reason that leaves its
 *    layout intact (bad checksum, martian source, bad option, unsupported
 *    ARP opcode, 802.3 framing), the error is recorded and the decoder then
 *    reads the fixed fields itself so the columns still match tshark, and
 *    marks the layer with '!' in the summary. The error is never dropped.
 */
#ifndef HAZE_PCAP_DECODE_H
#define HAZE_PCAP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "haze/core.h"
#include "haze/ipv4.h"
#include "haze/ipv6.h"

enum dec_field {
	F_FRAME_NUMBER,
	F_ETH_SRC,
	F_ETH_DST,
	F_ETH_TYPE,
	F_VLAN_ID,
	F_ARP_OPCODE,
	F_ARP_SRC_IP,
	F_ARP_DST_IP,
	F_IP_SRC,
	F_IP_DST,
	F_IP_PROTO,
	F_IP_TTL,
	F_IP_LEN,
	F_IP_ID,
	F_IP_MF,
	F_IP_FRAG_OFFSET,
	F_IP_CSUM_STATUS,
	F_ICMP_TYPE,
	F_ICMP_CODE,
	F_UDP_SRCPORT,
	F_UDP_DSTPORT,
	F_UDP_LENGTH,
	F_IPV6_SRC,
	F_IPV6_DST,
	F_IPV6_NXT,
	F_IPV6_HLIM,
	F_IPV6_PLEN,
	F_ICMPV6_TYPE,
	F_ICMPV6_CODE,
	F_ICMPV6_NS_TARGET,
	F_HAZE_ERROR, /* not tshark's: the haze errors of the frame */
	F_HAZE_LAYERS, /* not tshark's: the layers decoded, e.g. eth:ipv4:udp */
	F_COUNT
};

/* tshark's field name of f, or NULL. */
const char *dec_field_name(enum dec_field f);
/* The field named `name`, or -1. */
int dec_field_lookup(const char *name);

/* Protocols seen, for stats. */
enum dec_proto {
	P_ETH,
	P_VLAN,
	P_ARP,
	P_IPV4,
	P_IPV4_FRAG,  /* a fragment (held or completing a datagram) */
	P_IPV4_REASM, /* a datagram reassembled on this frame */
	P_ICMP,
	P_UDP,
	P_TCP,  /* seen, not parsed (haze has no tcp yet) */
	P_IPV6,      /* parsed: hz_ipv6_hdr_parse + hz_ipv6_ext_walk */
	P_IPV6_FRAG, /* an IPv6 fragment (not reassembled: see decode.c) */
	P_ICMPV6,
	P_OTHER,
	P_COUNT
};
const char *dec_proto_name(enum dec_proto p);

#define DEC_OCC_MAX 8
#define DEC_VAL_MAX 64
#define DEC_ERR_MAX 8
#define DEC_ERR_LEN 64
#define DEC_TEXT_MAX 1024

struct dec_rec {
	uint64_t number;
	hz_time_t ts;
	uint32_t caplen, len;
	uint8_t nocc[F_COUNT];
	char val[F_COUNT][DEC_OCC_MAX][DEC_VAL_MAX];
	unsigned nerr;
	char err[DEC_ERR_MAX][DEC_ERR_LEN]; /* "ipv4.bad_checksum" */
	char errcode[DEC_ERR_MAX][24];      /* "HZ_ERR_CHECKSUM" */
	uint32_t protos;                    /* 1 << enum dec_proto */
	char layers[128];
	size_t tlen;
	char text[DEC_TEXT_MAX];
};

struct dec_opts {
	bool check_checksum; /* tshark -o ip.check_checksum:TRUE: status 0/1 */
	bool defragment;     /* tshark's ip.defragment (default on) */
};

struct dec;

/* A decoder for one capture's link type (a pcap DLT_ value). Allocates
 * its reassembly storage (this is a tool, not a library). */
struct dec *dec_new(int linktype, const struct dec_opts *opts);
void dec_free(struct dec *d);

/* Decode one frame into *r (overwritten). */
void dec_frame(struct dec *d, struct dec_rec *r, uint64_t number, hz_time_t ts,
               const uint8_t *data, uint32_t caplen, uint32_t len);

#endif
