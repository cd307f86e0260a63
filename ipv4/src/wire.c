/* IPv4 and ICMPv4 wire formats: RFC 791 section 3.1, RFC 792, and the
 * receive checks of RFC 1122 section 3.2.1. */
#include "haze/ipv4.h"

static const char *const drop_names[HZ_IPV4_DROP_COUNT] = {
	[HZ_IPV4_DROP_TRUNCATED] = "truncated",
	[HZ_IPV4_DROP_BAD_VERSION] = "bad_version",
	[HZ_IPV4_DROP_BAD_IHL] = "bad_ihl",
	[HZ_IPV4_DROP_BAD_TOTAL_LEN] = "bad_total_len",
	[HZ_IPV4_DROP_BAD_CHECKSUM] = "bad_checksum",
	[HZ_IPV4_DROP_BAD_OPTION] = "bad_option",
	[HZ_IPV4_DROP_MARTIAN_SRC] = "martian_src",
	[HZ_IPV4_DROP_NOT_FOR_US] = "not_for_us",
	[HZ_IPV4_DROP_L2_BCAST_UNICAST] = "l2_bcast_unicast",
	[HZ_IPV4_DROP_SOURCE_ROUTE] = "source_route",
	[HZ_IPV4_DROP_NO_PROTO] = "no_proto",
	[HZ_IPV4_DROP_BAD_FRAGMENT] = "bad_fragment",
	[HZ_IPV4_DROP_FRAG_OVERLAP] = "frag_overlap",
	[HZ_IPV4_DROP_FRAG_DUPLICATE] = "frag_duplicate",
	[HZ_IPV4_DROP_FRAG_POISONED] = "frag_poisoned",
	[HZ_IPV4_DROP_FRAG_TOO_BIG] = "frag_too_big",
	[HZ_IPV4_DROP_FRAG_TOO_MANY] = "frag_too_many",
	[HZ_IPV4_DROP_FRAG_NO_SLOT] = "frag_no_slot",
	[HZ_IPV4_DROP_FRAG_TIMEOUT] = "frag_timeout",
	[HZ_IPV4_DROP_ICMP_TRUNCATED] = "icmp_truncated",
	[HZ_IPV4_DROP_ICMP_BAD_CHECKSUM] = "icmp_bad_checksum",
	[HZ_IPV4_DROP_ICMP_BAD_QUOTE] = "icmp_bad_quote",
	[HZ_IPV4_DROP_ICMP_UNMATCHED] = "icmp_unmatched",
	[HZ_IPV4_DROP_ICMP_IGNORED] = "icmp_ignored",
	[HZ_IPV4_DROP_ECHO_BCAST] = "echo_bcast",
	[HZ_IPV4_DROP_ECHO_TOO_BIG] = "echo_too_big",
	[HZ_IPV4_DROP_ICMP_RATE_LIMITED] = "icmp_rate_limited",
	[HZ_IPV4_DROP_ICMP_TX_FAILED] = "icmp_tx_failed",
};

const char *hz_ipv4_drop_name(unsigned reason)
{
	if (reason >= HZ_IPV4_DROP_COUNT || !drop_names[reason])
		return "?";
	return drop_names[reason];
}

static int fail(enum hz_ipv4_drop *why, enum hz_ipv4_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* RR, LSRR, SSRR (RFC 791 3.1): type, length, pointer, then 4-byte
 * addresses. The pointer names the next slot; past the end means full. */
static bool route_opt_ok(const uint8_t *o, size_t olen)
{
	if (olen < 3)
		return false;
	unsigned ptr = o[2];
	return ptr >= 4 && ptr % 4 == 0 && ptr <= olen + 1;
}

/* Timestamp (RFC 791 3.1): type, length, pointer, overflow/flag, then
 * 4-byte stamps (flag 0) or 8-byte address+stamp pairs (flags 1 and 3). */
static bool ts_opt_ok(const uint8_t *o, size_t olen)
{
	if (olen < 4)
		return false;
	unsigned ptr = o[2], flag = o[3] & 0x0fu;
	if (flag != 0 && flag != 1 && flag != 3)
		return false;
	unsigned unit = flag == 0 ? 4u : 8u;
	return ptr >= 5 && (ptr - 5) % unit == 0 && ptr <= olen + 1;
}

/* Walk the options once; reject anything that does not fit. */
static bool options_ok(const uint8_t *p, size_t len, uint8_t *found)
{
	size_t i = 0;
	*found = 0;
	while (i < len) {
		uint8_t type = p[i];
		if (type == HZ_IPV4_OPT_EOL)
			break; /* the rest is padding */
		if (type == HZ_IPV4_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return false;
		size_t olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return false;
		const uint8_t *o = p + i;
		switch (type) {
		case HZ_IPV4_OPT_RR:
		case HZ_IPV4_OPT_LSRR:
		case HZ_IPV4_OPT_SSRR:
			if (!route_opt_ok(o, olen))
				return false;
			*found |= type == HZ_IPV4_OPT_RR     ? HZ_IPV4_OPTF_RR
			          : type == HZ_IPV4_OPT_LSRR ? HZ_IPV4_OPTF_LSRR
			                                     : HZ_IPV4_OPTF_SSRR;
			break;
		case HZ_IPV4_OPT_TS:
			if (!ts_opt_ok(o, olen))
				return false;
			*found |= HZ_IPV4_OPTF_TS;
			break;
		case HZ_IPV4_OPT_RA:
			if (olen != 4) /* RFC 2113 section 2.1 */
				return false;
			*found |= HZ_IPV4_OPTF_RA;
			break;
		default:
			*found |= HZ_IPV4_OPTF_OTHER;
			break;
		}
		i += olen;
	}
	return true;
}

/* RFC 1122 3.2.1.3: a source that is not a unicast host address. 0.0.0.0
 * is allowed (a host learning its address, e.g. a DHCP client). */
static bool martian_src(uint32_t a)
{
	return hz_ipv4_addr_is_multicast(a) || a == HZ_IPV4_BROADCAST ||
	       hz_ipv4_addr_is_reserved(a) || hz_ipv4_addr_is_loopback(a) ||
	       ((a >> 24) == 0 && a != 0);
}

int hz_ipv4_hdr_parse(struct hz_ipv4_hdr *h, const uint8_t *buf, size_t len,
                      enum hz_ipv4_drop *why)
{
	if (len < HZ_IPV4_HDR_LEN)
		return fail(why, HZ_IPV4_DROP_TRUNCATED, HZ_ERR_NEED_MORE);
	if (buf[0] >> 4 != 4)
		return fail(why, HZ_IPV4_DROP_BAD_VERSION, HZ_ERR_MALFORMED);
	size_t hl = (size_t)(buf[0] & 0x0fu) * 4u;
	if (hl < HZ_IPV4_HDR_LEN || hl > len)
		return fail(why, HZ_IPV4_DROP_BAD_IHL, HZ_ERR_MALFORMED);
	size_t tl = hz_be16_load(buf + 2);
	if (tl < hl || tl > len)
		return fail(why, HZ_IPV4_DROP_BAD_TOTAL_LEN, HZ_ERR_MALFORMED);
	if (hz_csum(buf, hl) != 0)
		return fail(why, HZ_IPV4_DROP_BAD_CHECKSUM, HZ_ERR_CHECKSUM);
	uint8_t found = 0;
	if (!options_ok(buf + HZ_IPV4_HDR_LEN, hl - HZ_IPV4_HDR_LEN, &found))
		return fail(why, HZ_IPV4_DROP_BAD_OPTION, HZ_ERR_MALFORMED);
	uint32_t src = hz_be32_load(buf + 12);
	if (martian_src(src))
		return fail(why, HZ_IPV4_DROP_MARTIAN_SRC, HZ_ERR_MALFORMED);

	h->hdr_len = (uint8_t)hl;
	h->tos = buf[1];
	h->total_len = (uint16_t)tl;
	h->id = hz_be16_load(buf + 4);
	h->frag = hz_be16_load(buf + 6);
	h->ttl = buf[8];
	h->proto = buf[9];
	h->csum = hz_be16_load(buf + 10);
	h->src = src;
	h->dst = hz_be32_load(buf + 16);
	h->options = hl > HZ_IPV4_HDR_LEN ? buf + HZ_IPV4_HDR_LEN : NULL;
	h->options_len = hl - HZ_IPV4_HDR_LEN;
	h->opts = found;
	h->payload = buf + hl;
	h->payload_len = tl - hl;
	return (int)hl;
}

int hz_ipv4_hdr_emit(const struct hz_ipv4_hdr *h, uint8_t *buf, size_t cap)
{
	if (h->options_len % 4 || h->options_len > HZ_IPV4_HDR_MAX - HZ_IPV4_HDR_LEN ||
	    (h->options_len && !h->options))
		return HZ_ERR_INVALID;
	size_t hl = HZ_IPV4_HDR_LEN + h->options_len;
	if (cap < hl)
		return HZ_ERR_NO_SPACE;
	buf[0] = (uint8_t)(0x40u | hl / 4u); /* version 4, IHL */
	buf[1] = h->tos;
	hz_be16_store(buf + 2, h->total_len);
	hz_be16_store(buf + 4, h->id);
	hz_be16_store(buf + 6, h->frag);
	buf[8] = h->ttl;
	buf[9] = h->proto;
	buf[10] = buf[11] = 0; /* checksum computed over the header with zero here */
	hz_be32_store(buf + 12, h->src);
	hz_be32_store(buf + 16, h->dst);
	if (h->options_len)
		hz_memmove(buf + HZ_IPV4_HDR_LEN, h->options, h->options_len);
	hz_be16_store(buf + 10, hz_csum(buf, hl));
	return (int)hl;
}

uint32_t hz_ipv4_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t ph[12];
	hz_be32_store(ph, src);
	hz_be32_store(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	hz_be16_store(ph + 10, (uint16_t)len);
	return hz_csum_add(0, ph, sizeof ph);
}

bool hz_ipv4_icmp_type_is_error(uint8_t type)
{
	switch (type) {
	case HZ_IPV4_ICMP_ECHO_REPLY:
	case HZ_IPV4_ICMP_ECHO:
	case HZ_IPV4_ICMP_ROUTER_ADVERT:
	case HZ_IPV4_ICMP_ROUTER_SOLICIT:
	case HZ_IPV4_ICMP_TIMESTAMP:
	case HZ_IPV4_ICMP_TIMESTAMP_REPLY:
	case HZ_IPV4_ICMP_INFO_REQUEST:
	case HZ_IPV4_ICMP_INFO_REPLY:
	case HZ_IPV4_ICMP_MASK_REQUEST:
	case HZ_IPV4_ICMP_MASK_REPLY:
		return false;
	default:
		return true;
	}
}

int hz_ipv4_icmp_parse(struct hz_ipv4_icmp *m, const uint8_t *buf, size_t len,
                       enum hz_ipv4_drop *why)
{
	if (len < HZ_IPV4_ICMP_HDR_LEN)
		return fail(why, HZ_IPV4_DROP_ICMP_TRUNCATED, HZ_ERR_NEED_MORE);
	if (hz_csum(buf, len) != 0) /* RFC 792: over the whole ICMP message */
		return fail(why, HZ_IPV4_DROP_ICMP_BAD_CHECKSUM, HZ_ERR_CHECKSUM);
	m->type = buf[0];
	m->code = buf[1];
	m->csum = hz_be16_load(buf + 2);
	m->rest = hz_be32_load(buf + 4);
	m->data = buf + HZ_IPV4_ICMP_HDR_LEN;
	m->data_len = len - HZ_IPV4_ICMP_HDR_LEN;
	return HZ_OK;
}

int hz_ipv4_icmp_emit(const struct hz_ipv4_icmp *m, uint8_t *buf, size_t cap)
{
	if (cap < HZ_IPV4_ICMP_HDR_LEN || m->data_len > cap - HZ_IPV4_ICMP_HDR_LEN)
		return HZ_ERR_NO_SPACE;
	size_t n = HZ_IPV4_ICMP_HDR_LEN + m->data_len;
	if (m->data_len && m->data != buf + HZ_IPV4_ICMP_HDR_LEN)
		hz_memmove(buf + HZ_IPV4_ICMP_HDR_LEN, m->data, m->data_len);
	buf[0] = m->type;
	buf[1] = m->code;
	buf[2] = buf[3] = 0;
	hz_be32_store(buf + 4, m->rest);
	hz_be16_store(buf + 2, hz_csum(buf, n));
	return (int)n;
}
