/* TCP wire format (RFC 9293 3.1): the header, its options and checksum. */
#include "haze/tcp.h"

int hz_tcp_hdr_parse(struct hz_tcp_hdr *out, const uint8_t *p, size_t len)
{
	if (len < HZ_TCP_HDR_LEN)
		return HZ_ERR_NEED_MORE;
	out->sport = hz_be16_load(p);
	out->dport = hz_be16_load(p + 2);
	out->seq = hz_be32_load(p + 4);
	out->ack = hz_be32_load(p + 8);
	out->off = (uint8_t)((p[12] >> 4) * 4);
	/* The four reserved bits are ignored on receipt (RFC 9293 3.1). */
	out->flags = p[13];
	out->wnd = hz_be16_load(p + 14);
	out->csum = hz_be16_load(p + 16);
	out->urg = hz_be16_load(p + 18);
	if (out->off < HZ_TCP_HDR_LEN)
		return HZ_ERR_MALFORMED;
	if (out->off > len)
		return HZ_ERR_NEED_MORE;
	out->opt = p + HZ_TCP_HDR_LEN;
	out->opt_len = (size_t)out->off - HZ_TCP_HDR_LEN;
	return HZ_OK;
}

static int bad(struct hz_tcp_opts *o, uint8_t kind)
{
	o->bad_kind = kind;
	return HZ_ERR_MALFORMED;
}

int hz_tcp_opts_parse(struct hz_tcp_opts *o, const uint8_t *opt, size_t len)
{
	hz_memset(o, 0, sizeof *o);
	size_t i = 0;
	while (i < len) {
		uint8_t kind = opt[i];
		if (kind == HZ_TCP_OPT_EOL)
			break;
		if (kind == HZ_TCP_OPT_NOP) {
			i++;
			continue;
		}
		/* Every other option has a length byte counting kind and
		 * length (RFC 9293 3.2); below 2 would loop or go back. */
		if (len - i < 2)
			return bad(o, kind);
		size_t olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return bad(o, kind);
		const uint8_t *v = opt + i + 2;
		switch (kind) {
		case HZ_TCP_OPT_MSS:
			if (olen != 4)
				return bad(o, kind);
			o->mss = hz_be16_load(v);
			o->present |= HZ_TCP_OPTF_MSS;
			break;
		case HZ_TCP_OPT_WS:
			if (olen != 3)
				return bad(o, kind);
			o->ws = v[0];
			o->present |= HZ_TCP_OPTF_WS;
			break;
		case HZ_TCP_OPT_SACK_PERM:
			if (olen != 2)
				return bad(o, kind);
			o->present |= HZ_TCP_OPTF_SACK_PERM;
			break;
		case HZ_TCP_OPT_SACK: {
			size_t n = (olen - 2) / 8;
			if ((olen - 2) % 8 || n < 1 || n > HZ_TCP_SACK_MAX)
				return bad(o, kind);
			for (size_t k = 0; k < n; k++) {
				o->sack[k].left = hz_be32_load(v + 8 * k);
				o->sack[k].right = hz_be32_load(v + 8 * k + 4);
			}
			o->nsack = (uint8_t)n;
			o->present |= HZ_TCP_OPTF_SACK;
			break;
		}
		case HZ_TCP_OPT_TS:
			if (olen != 10)
				return bad(o, kind);
			o->tsval = hz_be32_load(v);
			o->tsecr = hz_be32_load(v + 4);
			o->present |= HZ_TCP_OPTF_TS;
			break;
		default:
			/* RFC 9293 3.2: options not understood are skipped. */
			if (o->unknown < UINT8_MAX)
				o->unknown++;
			break;
		}
		i += olen;
	}
	return HZ_OK;
}

size_t hz_tcp_opts_len(const struct hz_tcp_opts *o)
{
	size_t n = 0;
	if (o->present & HZ_TCP_OPTF_MSS)
		n += 4;
	if (o->present & HZ_TCP_OPTF_WS)
		n += 4; /* NOP + 3 */
	if (o->present & HZ_TCP_OPTF_TS)
		n += 12; /* SACK_PERM or NOP,NOP + 10 */
	else if (o->present & HZ_TCP_OPTF_SACK_PERM)
		n += 4; /* NOP,NOP + 2 */
	if (o->present & HZ_TCP_OPTF_SACK)
		n += 4 + 8u * o->nsack;
	return n;
}

int hz_tcp_opts_emit(uint8_t *out, size_t cap, const struct hz_tcp_opts *o)
{
	if ((o->present & HZ_TCP_OPTF_SACK) && (o->nsack == 0 || o->nsack > HZ_TCP_SACK_MAX))
		return HZ_ERR_INVALID;
	size_t n = hz_tcp_opts_len(o);
	if (n > HZ_TCP_OPT_MAX)
		return HZ_ERR_INVALID;
	if (n > cap)
		return HZ_ERR_NO_SPACE;
	uint8_t *p = out;
	/* Each option is laid out so that its multi-byte values fall on
	 * their natural alignment, as RFC 7323 appendix A suggests. */
	if (o->present & HZ_TCP_OPTF_MSS) {
		p[0] = HZ_TCP_OPT_MSS;
		p[1] = 4;
		hz_be16_store(p + 2, o->mss);
		p += 4;
	}
	if (o->present & HZ_TCP_OPTF_WS) {
		p[0] = HZ_TCP_OPT_NOP;
		p[1] = HZ_TCP_OPT_WS;
		p[2] = 3;
		p[3] = o->ws;
		p += 4;
	}
	if (o->present & HZ_TCP_OPTF_TS) {
		if (o->present & HZ_TCP_OPTF_SACK_PERM) {
			p[0] = HZ_TCP_OPT_SACK_PERM;
			p[1] = 2;
		} else {
			p[0] = HZ_TCP_OPT_NOP;
			p[1] = HZ_TCP_OPT_NOP;
		}
		p[2] = HZ_TCP_OPT_TS;
		p[3] = 10;
		hz_be32_store(p + 4, o->tsval);
		hz_be32_store(p + 8, o->tsecr);
		p += 12;
	} else if (o->present & HZ_TCP_OPTF_SACK_PERM) {
		p[0] = HZ_TCP_OPT_NOP;
		p[1] = HZ_TCP_OPT_NOP;
		p[2] = HZ_TCP_OPT_SACK_PERM;
		p[3] = 2;
		p += 4;
	}
	if (o->present & HZ_TCP_OPTF_SACK) {
		p[0] = HZ_TCP_OPT_NOP;
		p[1] = HZ_TCP_OPT_NOP;
		p[2] = HZ_TCP_OPT_SACK;
		p[3] = (uint8_t)(2 + 8 * o->nsack);
		p += 4;
		for (unsigned k = 0; k < o->nsack; k++) {
			hz_be32_store(p, o->sack[k].left);
			hz_be32_store(p + 4, o->sack[k].right);
			p += 8;
		}
	}
	return (int)(p - out);
}

int hz_tcp_hdr_emit(uint8_t *out, size_t cap, const struct hz_tcp_hdr *h,
                    const struct hz_tcp_opts *o)
{
	if (cap < HZ_TCP_HDR_LEN)
		return HZ_ERR_NO_SPACE;
	int olen = 0;
	if (o) {
		olen = hz_tcp_opts_emit(out + HZ_TCP_HDR_LEN, cap - HZ_TCP_HDR_LEN, o);
		if (olen < 0)
			return olen;
	}
	size_t hlen = HZ_TCP_HDR_LEN + (size_t)olen;
	hz_be16_store(out, h->sport);            /* source port */
	hz_be16_store(out + 2, h->dport);        /* destination port */
	hz_be32_store(out + 4, h->seq);          /* sequence number */
	hz_be32_store(out + 8, h->ack);          /* acknowledgment number */
	out[12] = (uint8_t)((hlen / 4) << 4);    /* data offset, reserved 0 */
	out[13] = h->flags;                      /* control bits */
	hz_be16_store(out + 14, h->wnd);         /* window */
	hz_be16_store(out + 16, h->csum);        /* checksum */
	hz_be16_store(out + 18, h->urg);         /* urgent pointer */
	return (int)hlen;
}

/* A pseudo-header sum may carry unfolded carries; fold it so that
 * hz_csum_add's 32-bit accumulation cannot overflow. */
static inline uint32_t fold16(uint32_t s)
{
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return s;
}

uint16_t hz_tcp_csum_compute(uint32_t pseudo, const uint8_t *seg, size_t len)
{
	/* Bytes 0-15, skip the checksum at 16-17, then the rest: both leading
	 * chunks are even-sized, as hz_csum_add requires. Unlike UDP, a
	 * computed zero is sent as zero. */
	uint32_t s = hz_csum_add(fold16(pseudo), seg, 16);
	s = hz_csum_add(s, seg + 18, len - 18);
	return hz_csum_fold(s);
}

bool hz_tcp_csum_verify(uint32_t pseudo, const uint8_t *seg, size_t len)
{
	return hz_csum_fold(hz_csum_add(fold16(pseudo), seg, len)) == 0;
}
