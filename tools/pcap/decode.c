/*
 * haze-pcap's frame decoder. See decode.h for what it does and the two
 * accommodations it makes; the tshark formats it mirrors are noted at each
 * field.
 */
/* libpcap's headers use BSD types (u_int, u_char) that strict C11 hides. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include "decode.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include "haze/arp.h"
#include "haze/ethif.h"
#include "haze/ipv4.h"
#include "haze/ipv6.h"
#include "haze/udp.h"

static const char *const field_names[F_COUNT] = {
	[F_FRAME_NUMBER] = "frame.number",
	[F_ETH_SRC] = "eth.src",
	[F_ETH_DST] = "eth.dst",
	[F_ETH_TYPE] = "eth.type",
	[F_VLAN_ID] = "vlan.id",
	[F_ARP_OPCODE] = "arp.opcode",
	[F_ARP_SRC_IP] = "arp.src.proto_ipv4",
	[F_ARP_DST_IP] = "arp.dst.proto_ipv4",
	[F_IP_SRC] = "ip.src",
	[F_IP_DST] = "ip.dst",
	[F_IP_PROTO] = "ip.proto",
	[F_IP_TTL] = "ip.ttl",
	[F_IP_LEN] = "ip.len",
	[F_IP_ID] = "ip.id",
	[F_IP_MF] = "ip.flags.mf",
	[F_IP_FRAG_OFFSET] = "ip.frag_offset",
	[F_IP_CSUM_STATUS] = "ip.checksum.status",
	[F_ICMP_TYPE] = "icmp.type",
	[F_ICMP_CODE] = "icmp.code",
	[F_UDP_SRCPORT] = "udp.srcport",
	[F_UDP_DSTPORT] = "udp.dstport",
	[F_UDP_LENGTH] = "udp.length",
	[F_IPV6_SRC] = "ipv6.src",
	[F_IPV6_DST] = "ipv6.dst",
	[F_IPV6_NXT] = "ipv6.nxt",
	[F_IPV6_HLIM] = "ipv6.hlim",
	[F_IPV6_PLEN] = "ipv6.plen",
	[F_ICMPV6_TYPE] = "icmpv6.type",
	[F_ICMPV6_CODE] = "icmpv6.code",
	[F_ICMPV6_NS_TARGET] = "icmpv6.nd.ns.target_address",
	[F_HAZE_ERROR] = "haze.error",
	[F_HAZE_LAYERS] = "haze.layers",
};

const char *dec_field_name(enum dec_field f)
{
	return (unsigned)f < F_COUNT ? field_names[f] : NULL;
}

int dec_field_lookup(const char *name)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

static const char *const proto_names[P_COUNT] = {
	[P_ETH] = "eth",
	[P_VLAN] = "vlan",
	[P_ARP] = "arp",
	[P_IPV4] = "ipv4",
	[P_IPV4_FRAG] = "ipv4-fragment",
	[P_IPV4_REASM] = "ipv4-reassembled",
	[P_ICMP] = "icmp",
	[P_UDP] = "udp",
	[P_TCP] = "tcp-seen-not-parsed",
	[P_IPV6] = "ipv6",
	[P_IPV6_FRAG] = "ipv6-fragment",
	[P_ICMPV6] = "icmpv6",
	[P_OTHER] = "other",
};

const char *dec_proto_name(enum dec_proto p)
{
	return (unsigned)p < P_COUNT ? proto_names[p] : "?";
}

/* ------------------------------------------------------------------ */

/* Datagrams reassembled at once, and the largest (the IPv4 maximum). */
#define REASM_SLOTS 16
#define REASM_MAX 65515
/* tshark never gives up on a datagram; haze's reassembler needs a timeout.
 * A year of capture time is "never" for any capture here. */
#define REASM_TIMEOUT HZ_SEC(365u * 24u * 3600u)

struct dec {
	int linktype;
	struct dec_opts opts;
	struct hz_ipv4_reasm reasm;
	struct hz_ipv4_reasm_slot slots[REASM_SLOTS];
	uint8_t *reasm_buf;
	/* Zero-padded copies of truncated headers: one per nesting level
	 * (outer packet, ICMP quote) and per layer. */
	uint8_t pad_ip[2][65536];
	uint8_t pad_udp[2][65536];
	uint8_t pad_ip6[2][65536 + HZ_IPV6_HDR_LEN];
	hz_time_t now;
};

struct dec *dec_new(int linktype, const struct dec_opts *opts)
{
	struct dec *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->reasm_buf = malloc((size_t)REASM_SLOTS * REASM_MAX);
	if (!d->reasm_buf) {
		free(d);
		return NULL;
	}
	d->linktype = linktype;
	d->opts = *opts;
	hz_ipv4_reasm_init(&d->reasm, d->slots, REASM_SLOTS, d->reasm_buf, REASM_MAX,
	                   HZ_IPV4_REASM_FRAGS_MAX, REASM_TIMEOUT);
	return d;
}

void dec_free(struct dec *d)
{
	if (d) {
		free(d->reasm_buf);
		free(d);
	}
}

/* ------------------------------------------------------------------ */
/* Record helpers                                                      */
/* ------------------------------------------------------------------ */

static void add(struct dec_rec *r, enum dec_field f, const char *fmt, ...) HZ_PRINTF(3, 4);
static void add(struct dec_rec *r, enum dec_field f, const char *fmt, ...)
{
	if (r->nocc[f] >= DEC_OCC_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->val[f][r->nocc[f]++], DEC_VAL_MAX, fmt, ap);
	va_end(ap);
}

static void text(struct dec_rec *r, const char *fmt, ...) HZ_PRINTF(2, 3);
static void text(struct dec_rec *r, const char *fmt, ...)
{
	if (r->tlen >= sizeof r->text - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->text + r->tlen, sizeof r->text - r->tlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->tlen = HZ_MIN(r->tlen + (size_t)n, sizeof r->text - 1);
}

static void layer(struct dec_rec *r, enum dec_proto p)
{
	r->protos |= 1u << p;
	size_t l = strlen(r->layers);
	if (l + 12 < sizeof r->layers)
		snprintf(r->layers + l, sizeof r->layers - l, "%s%s", l ? ":" : "", proto_names[p]);
}

/* Record a parser error: "<lib>.<reason>" and the hz_err name. */
static void error(struct dec_rec *r, const char *lib, const char *reason, int code)
{
	text(r, " [%s.%s %s]", lib, reason, code < 0 ? hz_err_name(code) : "");
	if (r->nerr >= DEC_ERR_MAX)
		return;
	snprintf(r->err[r->nerr], DEC_ERR_LEN, "%s.%s", lib, reason);
	snprintf(r->errcode[r->nerr], sizeof r->errcode[0], "%s", code < 0 ? hz_err_name(code) : "");
	r->nerr++;
}

static void fmt_ip(char buf[16], uint32_t a)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255u, (a >> 8) & 255u, a & 255u);
}

static void fmt_mac(char buf[HZ_MAC_STRLEN], const uint8_t *m)
{
	snprintf(buf, HZ_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	         m[5]);
}

/* ------------------------------------------------------------------ */
/* UDP                                                                 */
/* ------------------------------------------------------------------ */

/* p[0..avail) are the bytes present; the datagram may be longer (quote or
 * snaplen). src/dst/have_addr give the pseudo-header for the checksum. */
/* The addresses of the pseudo-header: IPv4 (v6 NULL) or IPv6. */
struct pseudo {
	uint32_t src, dst;
	const struct hz_ipaddr *src6, *dst6;
};

static void dec_udp(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t avail, bool quote,
                    const struct pseudo *ps)
{
	layer(r, P_UDP);
	struct hz_udp_hdr u;
	const uint8_t *buf = p;
	size_t blen = avail;
	bool cut = false;
	if (avail >= HZ_UDP_HDR_LEN) {
		size_t ulen = hz_be16_load(p + 4);
		if (ulen > avail) { /* truncated: let haze validate a padded copy */
			uint8_t *pad = d->pad_udp[quote ? 1 : 0];
			memcpy(pad, p, avail);
			memset(pad + avail, 0, ulen - avail);
			buf = pad;
			blen = ulen;
			cut = true;
		}
	}
	int rc = hz_udp_hdr_parse(&u, buf, blen);
	bool lenient = false;
	if (rc < 0) {
		if (rc == HZ_ERR_NEED_MORE) {
			text(r, " udp");
			error(r, "udp", hz_udp_drop_name(HZ_UDP_DROP_TRUNCATED), rc);
			return;
		}
		/* Length field below 8: the ports are still where they belong. */
		error(r, "udp", hz_udp_drop_name(HZ_UDP_DROP_BAD_LENGTH), rc);
		u.sport = hz_be16_load(p);
		u.dport = hz_be16_load(p + 2);
		u.len = hz_be16_load(p + 4);
		u.csum = hz_be16_load(p + 6);
		lenient = true;
	}
	/* tshark: all three in decimal. */
	add(r, F_UDP_SRCPORT, "%u", u.sport);
	add(r, F_UDP_DSTPORT, "%u", u.dport);
	add(r, F_UDP_LENGTH, "%u", u.len);
	text(r, " udp%s %u>%u len %u", lenient ? "!" : "", u.sport, u.dport,
	     u.len >= 8 ? u.len - 8u : 0u);
	if (cut)
		text(r, quote ? " (quoted)" : " (cut)");
	/* The checksum, where the whole datagram is here and one was sent. */
	if (!lenient && !cut && !quote && u.csum != 0) {
		uint32_t ph = ps->src6 ? hz_ipv6_pseudo(ps->src6, ps->dst6, HZ_UDP_PROTO, u.len)
		                       : hz_ipv4_pseudo(ps->src, ps->dst, HZ_UDP_PROTO, u.len);
		if (!hz_udp_csum_verify(ph, p, u.len))
			error(r, "udp", hz_udp_drop_name(HZ_UDP_DROP_BAD_CHECKSUM), HZ_ERR_CHECKSUM);
	}
}

/* ------------------------------------------------------------------ */
/* IPv4 and ICMP                                                       */
/* ------------------------------------------------------------------ */

static void dec_ipv4(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len, bool quote);

static bool icmp_quotes(uint8_t type)
{
	/* The error messages of RFC 792 that quote a datagram (and that
	 * tshark dissects the quote of). */
	return type == HZ_IPV4_ICMP_DEST_UNREACH || type == HZ_IPV4_ICMP_SOURCE_QUENCH ||
	       type == HZ_IPV4_ICMP_REDIRECT || type == HZ_IPV4_ICMP_TIME_EXCEEDED ||
	       type == HZ_IPV4_ICMP_PARAM_PROBLEM;
}

/* p[0..avail) present of an ICMP message of `full` bytes. */
static void dec_icmp(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t avail, size_t full,
                     bool quote)
{
	layer(r, P_ICMP);
	struct hz_ipv4_icmp m;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	int rc = hz_ipv4_icmp_parse(&m, p, avail, &why);
	bool lenient = false;
	if (rc < 0) {
		/* A quoted or cut message cannot be checksummed: not an error. */
		bool partial = avail < full || quote;
		if (avail < HZ_IPV4_ICMP_HDR_LEN) {
			text(r, " icmp");
			error(r, "ipv4", hz_ipv4_drop_name(why), rc);
			return;
		}
		m.type = p[0];
		m.code = p[1];
		m.csum = hz_be16_load(p + 2);
		m.rest = hz_be32_load(p + 4);
		m.data = p + HZ_IPV4_ICMP_HDR_LEN;
		m.data_len = avail - HZ_IPV4_ICMP_HDR_LEN;
		lenient = !partial;
	}
	add(r, F_ICMP_TYPE, "%u", m.type);
	add(r, F_ICMP_CODE, "%u", m.code);
	const char *name = "";
	switch (m.type) {
	case HZ_IPV4_ICMP_ECHO_REPLY: name = " echo-reply"; break;
	case HZ_IPV4_ICMP_ECHO: name = " echo"; break;
	case HZ_IPV4_ICMP_DEST_UNREACH: name = " unreachable"; break;
	case HZ_IPV4_ICMP_TIME_EXCEEDED: name = " time-exceeded"; break;
	case HZ_IPV4_ICMP_REDIRECT: name = " redirect"; break;
	case HZ_IPV4_ICMP_PARAM_PROBLEM: name = " param-problem"; break;
	default: break;
	}
	text(r, " icmp%s %u/%u%s", lenient ? "!" : "", m.type, m.code, name);
	if (m.type == HZ_IPV4_ICMP_ECHO || m.type == HZ_IPV4_ICMP_ECHO_REPLY)
		text(r, " id %u seq %u", hz_ipv4_icmp_echo_id(&m), hz_ipv4_icmp_echo_seq(&m));
	if (rc < 0 && lenient)
		error(r, "ipv4", hz_ipv4_drop_name(why), rc);
	if (quote || !icmp_quotes(m.type))
		return;
	/* RFC 4884 section 4.1: byte 5 of unreachable / time exceeded /
	 * parameter problem is the length of the quoted datagram in 32-bit
	 * words when extensions follow. haze's ICMP parser does not read it;
	 * this tool checks it, because tshark calls a message whose length
	 * runs past its end malformed. */
	if (m.type != HZ_IPV4_ICMP_SOURCE_QUENCH && m.type != HZ_IPV4_ICMP_REDIRECT) {
		size_t words = (m.rest >> 16) & 0xffu;
		if (words && words * 4u > m.data_len)
			error(r, "icmp", "rfc4884_length_overrun(tool check)", HZ_ERR_MALFORMED);
	}
	text(r, " quoting:");
	dec_ipv4(d, r, m.data, m.data_len, true);
}

static void dec_upper(struct dec *d, struct dec_rec *r, uint8_t proto, const uint8_t *p,
                      size_t avail, size_t full, uint32_t src, uint32_t dst, bool quote)
{
	switch (proto) {
	case HZ_IPV4_PROTO_ICMP:
		dec_icmp(d, r, p, avail, full, quote);
		break;
	case HZ_IPV4_PROTO_UDP: {
		struct pseudo ps = {src, dst, NULL, NULL};
		dec_udp(d, r, p, avail, quote, &ps);
		break;
	}
	case HZ_IPV4_PROTO_TCP:
		layer(r, P_TCP);
		text(r, " tcp");
		break;
	default:
		layer(r, P_OTHER);
		text(r, " proto %u", proto);
		break;
	}
}

/* The IPv4 packet at p[0..len); `quote`: inside an ICMP error. */
static void dec_ipv4(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len, bool quote)
{
	layer(r, P_IPV4);
	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	const uint8_t *buf = p;
	size_t blen = len;
	bool cut = false;

	/* A header that is all here but whose total length runs past the
	 * bytes we have (quote, snaplen): pad, so haze validates the header. */
	if (len >= HZ_IPV4_HDR_LEN && p[0] >> 4 == 4) {
		size_t hl = (size_t)(p[0] & 15u) * 4u;
		size_t tl = hz_be16_load(p + 2);
		if (hl >= HZ_IPV4_HDR_LEN && hl <= len && tl > len) {
			uint8_t *pad = d->pad_ip[quote ? 1 : 0];
			memcpy(pad, p, len);
			memset(pad + len, 0, tl - len);
			buf = pad;
			blen = tl;
			cut = true;
		}
	}

	int rc = hz_ipv4_hdr_parse(&h, buf, blen, &why);
	bool lenient = false;
	int csum_status = 2; /* tshark: 2 = unverified */
	if (rc < 0) {
		switch (why) {
		case HZ_IPV4_DROP_BAD_CHECKSUM:
		case HZ_IPV4_DROP_BAD_OPTION:
		case HZ_IPV4_DROP_MARTIAN_SRC:
			/* Checked after version, IHL and total length: the
			 * layout is sound, so read the fixed fields. */
			h.hdr_len = (uint8_t)((buf[0] & 15u) * 4u);
			h.tos = buf[1];
			h.total_len = hz_be16_load(buf + 2);
			h.id = hz_be16_load(buf + 4);
			h.frag = hz_be16_load(buf + 6);
			h.ttl = buf[8];
			h.proto = buf[9];
			h.csum = hz_be16_load(buf + 10);
			h.src = hz_be32_load(buf + 12);
			h.dst = hz_be32_load(buf + 16);
			h.options = h.hdr_len > HZ_IPV4_HDR_LEN ? buf + HZ_IPV4_HDR_LEN : NULL;
			h.options_len = h.hdr_len - HZ_IPV4_HDR_LEN;
			h.opts = 0;
			h.payload = buf + h.hdr_len;
			h.payload_len = h.total_len - h.hdr_len;
			lenient = true;
			csum_status = why == HZ_IPV4_DROP_BAD_CHECKSUM ? 0 : 1;
			break;
		default:
			text(r, " ipv4");
			error(r, "ipv4", hz_ipv4_drop_name(why), rc);
			return;
		}
	} else {
		csum_status = 1; /* haze verified it */
	}
	if (!d->opts.check_checksum)
		csum_status = 2;

	char s[16], t[16];
	fmt_ip(s, h.src);
	fmt_ip(t, h.dst);
	/* tshark: addresses dotted, proto/ttl/len decimal, id as 0x%04x,
	 * flags.mf 0/1, frag_offset in 8-octet units as on the wire. */
	add(r, F_IP_SRC, "%s", s);
	add(r, F_IP_DST, "%s", t);
	add(r, F_IP_PROTO, "%u", h.proto);
	add(r, F_IP_TTL, "%u", h.ttl);
	add(r, F_IP_LEN, "%u", h.total_len);
	add(r, F_IP_ID, "0x%04x", h.id);
	add(r, F_IP_MF, "%u", hz_ipv4_hdr_mf(&h) ? 1u : 0u);
	add(r, F_IP_FRAG_OFFSET, "%u", (unsigned)(h.frag & HZ_IPV4_OFFSET_MASK));
	add(r, F_IP_CSUM_STATUS, "%d", csum_status);
	text(r, " ipv4%s %s>%s ttl %u id 0x%04x len %u", lenient ? "!" : "", s, t, h.ttl, h.id,
	     h.total_len);
	if (cut)
		text(r, quote ? " (quoted %zu bytes)" : " (cut at %zu bytes)", len);
	if (lenient)
		error(r, "ipv4", hz_ipv4_drop_name(why), rc);

	/* Payload bytes actually present (the padding is not data). */
	size_t present = HZ_MIN((size_t)h.total_len, len);
	size_t avail = present > h.hdr_len ? present - h.hdr_len : 0;
	const uint8_t *payload = p + h.hdr_len;

	if (hz_ipv4_hdr_is_fragment(&h)) {
		text(r, " frag %s%zu", hz_ipv4_hdr_mf(&h) ? "+" : "", hz_ipv4_hdr_offset(&h));
		if (quote) {
			/* tshark dissects a quoted first fragment's header only. */
			return;
		}
		layer(r, P_IPV4_FRAG);
		if (d->opts.check_checksum && csum_status == 0) {
			/* tshark, validating checksums, keeps a fragment whose
			 * header checksum is bad out of reassembly and dissects
			 * a first fragment's payload on its own. */
			if ((h.frag & HZ_IPV4_OFFSET_MASK) == 0)
				dec_upper(d, r, h.proto, payload, avail, SIZE_MAX, h.src, h.dst, false);
			return;
		}
		if (!d->opts.defragment || cut)
			return;
		struct hz_ipv4_hdr out;
		enum hz_ipv4_drop fwhy = HZ_IPV4_DROP_COUNT;
		int frc = hz_ipv4_reasm_input(&d->reasm, &h, d->now, &out, &fwhy);
		if (frc == HZ_ERR_WOULD_BLOCK) {
			text(r, " (held)");
			return;
		}
		if (frc < 0) {
			error(r, "ipv4", hz_ipv4_drop_name(fwhy), frc);
			return;
		}
		layer(r, P_IPV4_REASM);
		text(r, " reassembled %u bytes:", out.total_len);
		dec_upper(d, r, out.proto, out.payload, out.payload_len, out.payload_len, out.src,
		          out.dst, false);
		return;
	}
	dec_upper(d, r, h.proto, payload, avail, h.payload_len, h.src, h.dst, quote);
}

/* ------------------------------------------------------------------ */
/* IPv6 and ICMPv6                                                     */
/* ------------------------------------------------------------------ */

/*
 * IPv6 fragments are not reassembled: haze has no IPv6 reassembler yet
 * (the ipv6 library is the wire level only). Like tshark with
 * -o ipv6.defragment:FALSE, a first fragment's upper-layer header is
 * dissected on its own (its checksum cannot be verified, which is not an
 * error) and later fragments show only their IPv6 header. pcap-diff.py
 * runs tshark with that option.
 */

static void dec_ipv6(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len, bool quote);

/* tshark's IPv6 address format is the system's inet_ntop (RFC 5952). */
static void fmt_ip6(char buf[INET6_ADDRSTRLEN], const uint8_t *a)
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
}

static const char *icmpv6_name(uint8_t type)
{
	switch (type) {
	case HZ_IPV6_ICMP_DEST_UNREACH: return " unreachable";
	case HZ_IPV6_ICMP_PACKET_TOO_BIG: return " packet-too-big";
	case HZ_IPV6_ICMP_TIME_EXCEEDED: return " time-exceeded";
	case HZ_IPV6_ICMP_PARAM_PROBLEM: return " param-problem";
	case HZ_IPV6_ICMP_ECHO: return " echo";
	case HZ_IPV6_ICMP_ECHO_REPLY: return " echo-reply";
	case HZ_IPV6_ICMP_ROUTER_SOLICIT: return " router-solicit";
	case HZ_IPV6_ICMP_ROUTER_ADVERT: return " router-advert";
	case HZ_IPV6_ICMP_NEIGHBOR_SOLICIT: return " neighbor-solicit";
	case HZ_IPV6_ICMP_NEIGHBOR_ADVERT: return " neighbor-advert";
	case HZ_IPV6_ICMP_REDIRECT: return " redirect";
	default: return "";
	}
}

/* p[0..avail) present of an ICMPv6 message of `full` bytes (SIZE_MAX:
 * unknown, a first fragment). */
static void dec_icmpv6(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t avail,
                       size_t full, bool quote, const struct hz_ipaddr *src,
                       const struct hz_ipaddr *dst)
{
	layer(r, P_ICMPV6);
	struct hz_ipv6_icmp m;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_icmp_parse(&m, p, avail, src, dst, &why);
	bool lenient = false;
	if (rc < 0) {
		/* A quoted, cut or fragmented message cannot be checked. */
		bool partial = avail < full || quote;
		if (avail < HZ_IPV6_ICMP_HDR_LEN) {
			text(r, " icmpv6");
			error(r, "ipv6", hz_ipv6_drop_name(why), rc);
			return;
		}
		m.type = p[0];
		m.code = p[1];
		m.csum = hz_be16_load(p + 2);
		m.rest = hz_be32_load(p + 4);
		m.data = p + HZ_IPV6_ICMP_HDR_LEN;
		m.data_len = avail - HZ_IPV6_ICMP_HDR_LEN;
		lenient = !partial;
	}
	/* tshark: type and code decimal, the NS target an IPv6 address. */
	add(r, F_ICMPV6_TYPE, "%u", m.type);
	add(r, F_ICMPV6_CODE, "%u", m.code);
	text(r, " icmpv6%s %u/%u%s", lenient ? "!" : "", m.type, m.code, icmpv6_name(m.type));
	if (m.type == HZ_IPV6_ICMP_ECHO || m.type == HZ_IPV6_ICMP_ECHO_REPLY)
		text(r, " id %u seq %u", hz_ipv6_icmp_echo_id(&m), hz_ipv6_icmp_echo_seq(&m));
	/* RFC 4861 4.3: the 4 bytes of `rest` are reserved, the target
	 * address is the first 16 bytes of the body. */
	if (m.type == HZ_IPV6_ICMP_NEIGHBOR_SOLICIT && m.data_len >= HZ_IPV6_ADDR_LEN) {
		char t[INET6_ADDRSTRLEN];
		fmt_ip6(t, m.data);
		add(r, F_ICMPV6_NS_TARGET, "%s", t);
		text(r, " who-has %s", t);
	}
	if (rc < 0 && lenient)
		error(r, "ipv6", hz_ipv6_drop_name(why), rc);
	if (quote || !hz_ipv6_icmp_type_is_error(m.type) || m.type > HZ_IPV6_ICMP_PARAM_PROBLEM)
		return;
	text(r, " quoting:");
	dec_ipv6(d, r, m.data, m.data_len, true);
}

static void dec_upper6(struct dec *d, struct dec_rec *r, uint8_t proto, const uint8_t *p,
                       size_t avail, size_t full, const struct hz_ipv6_hdr *h, bool quote)
{
	switch (proto) {
	case HZ_IPV6_NH_ICMPV6:
		dec_icmpv6(d, r, p, avail, full, quote, &h->src, &h->dst);
		break;
	case HZ_IPV6_NH_UDP: {
		struct pseudo ps = {0, 0, &h->src, &h->dst};
		/* A first fragment: the datagram runs past these bytes. */
		dec_udp(d, r, p, avail, quote || full == SIZE_MAX, &ps);
		break;
	}
	case HZ_IPV6_NH_TCP:
		layer(r, P_TCP);
		text(r, " tcp");
		break;
	case HZ_IPV6_NH_NONE:
		text(r, " no-next-header");
		break;
	default:
		layer(r, P_OTHER);
		text(r, " proto %u", proto);
		break;
	}
}

/* When haze's walk refuses a chain whose layout is sound (a routing
 * header with segments left, an option whose action says drop, a limit),
 * find the upper layer the way tshark does, so the columns still match.
 * Returns false if the chain does not hold together. */
static bool walk_lenient(struct hz_ipv6_ext *x, const uint8_t *pkt, size_t len, uint8_t next)
{
	size_t off = HZ_IPV6_HDR_LEN;
	memset(x, 0, sizeof *x);
	for (unsigned n = 0; n < 32; n++) {
		if (next == HZ_IPV6_NH_HOPOPTS || next == HZ_IPV6_NH_ROUTING ||
		    next == HZ_IPV6_NH_DSTOPTS) {
			if (off + 8 > len)
				return false;
			size_t hl = ((size_t)pkt[off + 1] + 1u) * 8u;
			if (off + hl > len)
				return false;
			next = pkt[off];
			off += hl;
			continue;
		}
		if (next == HZ_IPV6_NH_FRAGMENT) {
			if (off + 8 > len)
				return false;
			uint16_t fo = hz_be16_load(pkt + off + 2);
			x->frag_hdr = (uint32_t)off;
			x->frag_offset = (uint16_t)(fo & 0xfff8u);
			x->frag_more = (fo & 1u) != 0;
			x->frag_id = hz_be32_load(pkt + off + 4);
			next = pkt[off];
			off += 8;
			if (x->frag_offset || x->frag_more) {
				x->flags |= HZ_IPV6_EXT_F_FRAGMENT;
				break;
			}
			continue;
		}
		break;
	}
	x->proto = next;
	x->offset = (uint32_t)off;
	return true;
}

/* The IPv6 packet at p[0..len); `quote`: inside an ICMPv6 error. */
static void dec_ipv6(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len, bool quote)
{
	layer(r, P_IPV6);
	struct hz_ipv6_hdr h;
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	const uint8_t *buf = p;
	size_t blen = len;
	bool cut = false;

	/* A fixed header that is all here but whose payload runs past the
	 * bytes we have (quote, snaplen): pad, so haze validates it. */
	if (len >= HZ_IPV6_HDR_LEN && p[0] >> 4 == 6) {
		size_t tl = HZ_IPV6_HDR_LEN + (size_t)hz_be16_load(p + 4);
		if (tl > len) {
			uint8_t *pad = d->pad_ip6[quote ? 1 : 0];
			memcpy(pad, p, len);
			memset(pad + len, 0, tl - len);
			buf = pad;
			blen = tl;
			cut = true;
		}
	}

	int rc = hz_ipv6_hdr_parse(&h, buf, blen, &why);
	bool lenient = false;
	if (rc < 0) {
		switch (why) {
		case HZ_IPV6_DROP_MARTIAN_SRC:
		case HZ_IPV6_DROP_JUMBOGRAM:
			/* Checked after version and length: read the fields. */
			h.tclass = (uint8_t)(hz_be16_load(buf) >> 4);
			h.flow = hz_be32_load(buf) & HZ_IPV6_FLOW_MASK;
			h.payload_len = hz_be16_load(buf + 4);
			h.next = buf[6];
			h.hop_limit = buf[7];
			h.src.family = HZ_AF_INET6;
			h.dst.family = HZ_AF_INET6;
			memcpy(h.src.b, buf + 8, 16);
			memcpy(h.dst.b, buf + 24, 16);
			h.payload = buf + HZ_IPV6_HDR_LEN;
			lenient = true;
			break;
		default:
			text(r, " ipv6");
			error(r, "ipv6", hz_ipv6_drop_name(why), rc);
			return;
		}
	}

	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	fmt_ip6(s, h.src.b);
	fmt_ip6(t, h.dst.b);
	/* tshark: addresses per RFC 5952, nxt/hlim/plen decimal; nxt is the
	 * fixed header's Next Header (the first in the chain). */
	add(r, F_IPV6_SRC, "%s", s);
	add(r, F_IPV6_DST, "%s", t);
	add(r, F_IPV6_NXT, "%u", h.next);
	add(r, F_IPV6_HLIM, "%u", h.hop_limit);
	add(r, F_IPV6_PLEN, "%u", h.payload_len);
	text(r, " ipv6%s %s>%s hlim %u plen %u", lenient ? "!" : "", s, t, h.hop_limit,
	     h.payload_len);
	if (cut)
		text(r, quote ? " (quoted %zu bytes)" : " (cut at %zu bytes)", len);
	if (lenient)
		error(r, "ipv6", hz_ipv6_drop_name(why), rc);
	if (why == HZ_IPV6_DROP_JUMBOGRAM)
		return; /* no length to walk by */

	size_t total = HZ_IPV6_HDR_LEN + (size_t)h.payload_len;
	struct hz_ipv6_ext x;
	enum hz_ipv6_drop xwhy = HZ_IPV6_DROP_COUNT;
	int xrc = hz_ipv6_ext_walk(&x, buf, total, NULL, &xwhy);
	bool xlenient = false;
	if (xrc < 0) {
		error(r, "ipv6", hz_ipv6_drop_name(xwhy), xrc);
		if (xwhy == HZ_IPV6_DROP_EXT_TRUNCATED || xwhy == HZ_IPV6_DROP_FRAG_BAD_LEN ||
		    xwhy == HZ_IPV6_DROP_FRAG_TOO_BIG || !walk_lenient(&x, buf, total, h.next)) {
			text(r, " ext!");
			return;
		}
		xlenient = true;
	}
	if (x.count || xlenient)
		text(r, " ext%s %u", xlenient ? "!" : "", (unsigned)x.count);

	/* Payload bytes actually present (the padding is not data). */
	size_t present = HZ_MIN(total, len);
	size_t avail = present > x.offset ? present - x.offset : 0;
	const uint8_t *payload = p + x.offset;

	if (x.flags & HZ_IPV6_EXT_F_FRAGMENT) {
		text(r, " frag id 0x%08x %s%u", x.frag_id, x.frag_more ? "+" : "",
		     (unsigned)x.frag_offset);
		if (quote)
			return;
		layer(r, P_IPV6_FRAG);
		if (x.frag_offset == 0)
			dec_upper6(d, r, x.proto, payload, avail, SIZE_MAX, &h, false);
		return;
	}
	dec_upper6(d, r, x.proto, payload, avail, total - x.offset, &h, quote);
}

/* ------------------------------------------------------------------ */
/* ARP                                                                 */
/* ------------------------------------------------------------------ */

static void dec_arp(struct dec_rec *r, const uint8_t *p, size_t len)
{
	layer(r, P_ARP);
	struct hz_arp_packet a;
	int rc = hz_arp_packet_parse(&a, p, len);
	if (rc < 0) {
		const char *reason = rc == HZ_ERR_UNSUPPORTED ? hz_arp_drop_name(HZ_ARP_DROP_UNSUPPORTED)
		                     : len < HZ_ARP_PACKET_LEN ? hz_arp_drop_name(HZ_ARP_DROP_TRUNCATED)
		                                               : hz_arp_drop_name(HZ_ARP_DROP_MALFORMED);
		text(r, " arp!");
		error(r, "arp", reason, rc);
		/* tshark shows the opcode of any ARP, and the IPv4 addresses
		 * when the packet is Ethernet/IPv4-shaped (an opcode haze does
		 * not speak, e.g. RARP or InARP). */
		if (len >= 8)
			add(r, F_ARP_OPCODE, "%u", hz_be16_load(p + 6));
		if (len >= HZ_ARP_PACKET_LEN && hz_be16_load(p + 2) == HZ_ARP_PTYPE_IPV4 && p[4] == 6 &&
		    p[5] == 4) {
			char s[16], t[16];
			fmt_ip(s, hz_be32_load(p + 14));
			fmt_ip(t, hz_be32_load(p + 24));
			add(r, F_ARP_SRC_IP, "%s", s);
			add(r, F_ARP_DST_IP, "%s", t);
			text(r, " op %u %s>%s", hz_be16_load(p + 6), s, t);
		}
		return;
	}
	char s[16], t[16], m[HZ_MAC_STRLEN];
	fmt_ip(s, a.spa);
	fmt_ip(t, a.tpa);
	fmt_mac(m, a.sha);
	add(r, F_ARP_OPCODE, "%u", a.op);
	add(r, F_ARP_SRC_IP, "%s", s);
	add(r, F_ARP_DST_IP, "%s", t);
	if (a.op == HZ_ARP_OP_REQUEST)
		text(r, " arp who-has %s tell %s", t, s);
	else
		text(r, " arp reply %s is-at %s", s, m);
}

/* ------------------------------------------------------------------ */
/* Link layers                                                         */
/* ------------------------------------------------------------------ */

static void dec_ethertype(struct dec *d, struct dec_rec *r, uint16_t type, const uint8_t *p,
                          size_t len)
{
	switch (type) {
	case HZ_ETHIF_TYPE_IPV4:
		dec_ipv4(d, r, p, len, false);
		break;
	case HZ_ETHIF_TYPE_ARP:
		dec_arp(r, p, len);
		break;
	case HZ_ETHIF_TYPE_IPV6:
		dec_ipv6(d, r, p, len, false);
		break;
	default:
		layer(r, P_OTHER);
		text(r, " ethertype 0x%04x", type);
		break;
	}
}

static void dec_eth(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len)
{
	layer(r, P_ETH);
	struct hz_ethif_frame f;
	int rc = hz_ethif_frame_parse(&f, p, len);
	char s[HZ_MAC_STRLEN], t[HZ_MAC_STRLEN];
	if (rc < 0) {
		text(r, " eth!");
		error(r, "ethif",
		      hz_ethif_drop_name(rc == HZ_ERR_UNSUPPORTED ? HZ_ETHIF_DROP_UNSUPPORTED_TYPE
		                                                  : HZ_ETHIF_DROP_TRUNCATED),
		      rc);
		if (len < HZ_ETHIF_HDR_LEN)
			return;
		/* 802.3 length field, S-tag or stacked tags: the addresses are
		 * in place. tshark prints eth.type only for an EtherType. */
		fmt_mac(t, p);
		fmt_mac(s, p + 6);
		add(r, F_ETH_SRC, "%s", s);
		add(r, F_ETH_DST, "%s", t);
		uint16_t type = hz_be16_load(p + 12);
		if (type >= HZ_ETHIF_TYPE_MIN)
			add(r, F_ETH_TYPE, "0x%04x", type);
		text(r, " %s>%s type/len 0x%04x", s, t, type);
		layer(r, P_OTHER);
		return;
	}
	fmt_mac(s, f.src);
	fmt_mac(t, f.dst);
	add(r, F_ETH_SRC, "%s", s);
	add(r, F_ETH_DST, "%s", t);
	/* tshark: eth.type is the type field right after the addresses, so
	 * 0x8100 for a tagged frame; vlan.id is the VID in decimal. */
	add(r, F_ETH_TYPE, "0x%04x", f.has_vlan ? HZ_ETHIF_TYPE_VLAN : f.type);
	text(r, " eth %s>%s", s, t);
	if (f.has_vlan) {
		layer(r, P_VLAN);
		add(r, F_VLAN_ID, "%u", HZ_ETHIF_TCI_VID(f.tci));
		text(r, " vlan %u", HZ_ETHIF_TCI_VID(f.tci));
	}
	dec_ethertype(d, r, f.type, f.payload, f.payload_len);
}

/* BSD loopback: the address family in the capturing host's byte order
 * (DLT_NULL) or in network order (DLT_LOOP). */
static void dec_null(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len, bool loop)
{
	if (len < 4) {
		text(r, " null");
		error(r, "pcap", "truncated_link_header", HZ_ERR_MALFORMED);
		return;
	}
	uint32_t fam = loop ? hz_be32_load(p) : (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	                                            (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	/* Like tshark: a value with high bits set was written big-endian. */
	if (!loop && (fam & 0xffff0000u))
		fam = hz_be32_load(p);
	text(r, " null af %u", fam);
	switch (fam) {
	case 2: /* AF_INET everywhere */
		dec_ipv4(d, r, p + 4, len - 4, false);
		break;
	case 10: /* AF_INET6: Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		dec_ipv6(d, r, p + 4, len - 4, false);
		break;
	default:
		layer(r, P_OTHER);
		break;
	}
}

/* Linux cooked capture: v1 (16 bytes, protocol at 14) and v2 (20 bytes,
 * protocol at 0). No Ethernet header, so no eth.* fields. */
static void dec_sll(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len, bool v2)
{
	size_t hl = v2 ? 20 : 16;
	if (len < hl) {
		text(r, " sll");
		error(r, "pcap", "truncated_link_header", HZ_ERR_MALFORMED);
		return;
	}
	uint16_t proto = hz_be16_load(p + (v2 ? 0 : 14));
	text(r, " sll");
	if (proto < HZ_ETHIF_TYPE_MIN) { /* 802.2, CAN, ...: not an EtherType */
		layer(r, P_OTHER);
		return;
	}
	dec_ethertype(d, r, proto, p + hl, len - hl);
}

static void dec_raw(struct dec *d, struct dec_rec *r, const uint8_t *p, size_t len)
{
	text(r, " raw");
	if (len >= 1 && p[0] >> 4 == 6) {
		dec_ipv6(d, r, p, len, false);
		return;
	}
	dec_ipv4(d, r, p, len, false);
}

void dec_frame(struct dec *d, struct dec_rec *r, uint64_t number, hz_time_t ts,
               const uint8_t *data, uint32_t caplen, uint32_t len)
{
	memset(r->nocc, 0, sizeof r->nocc);
	r->number = number;
	r->ts = ts;
	r->caplen = caplen;
	r->len = len;
	r->nerr = 0;
	r->protos = 0;
	r->layers[0] = 0;
	r->tlen = 0;
	r->text[0] = 0;
	d->now = ts;
	add(r, F_FRAME_NUMBER, "%llu", (unsigned long long)number);

	switch (d->linktype) {
	case DLT_EN10MB:
		dec_eth(d, r, data, caplen);
		break;
	case DLT_NULL:
		dec_null(d, r, data, caplen, false);
		break;
	case DLT_LOOP:
		dec_null(d, r, data, caplen, true);
		break;
	case DLT_LINUX_SLL:
		dec_sll(d, r, data, caplen, false);
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		dec_sll(d, r, data, caplen, true);
		break;
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		dec_raw(d, r, data, caplen);
		break;
#ifdef DLT_IPV6
	case DLT_IPV6:
		dec_ipv6(d, r, data, caplen, false);
		break;
#endif
	default:
		layer(r, P_OTHER);
		error(r, "pcap", "unsupported_linktype", HZ_ERR_UNSUPPORTED);
		break;
	}
	if (caplen < len)
		text(r, " [captured %u of %u bytes]", caplen, len);
	for (unsigned i = 0; i < r->nerr; i++)
		add(r, F_HAZE_ERROR, "%s", r->err[i]);
	if (r->layers[0])
		add(r, F_HAZE_LAYERS, "%s", r->layers);
}
