/* UDP wire format (RFC 768): the header and its checksum. */
#include "haze/udp.h"

int hz_udp_hdr_parse(struct hz_udp_hdr *out, const uint8_t *p, size_t avail)
{
	if (avail < HZ_UDP_HDR_LEN)
		return HZ_ERR_NEED_MORE;
	out->sport = hz_be16_load(p);
	out->dport = hz_be16_load(p + 2);
	out->len = hz_be16_load(p + 4);
	out->csum = hz_be16_load(p + 6);
	/* RFC 768: the length counts the header, so below 8 is impossible;
	 * above what the network layer delivered means the datagram was cut.
	 * Both are malformed rather than "need more": a datagram arrives
	 * whole or not at all, so waiting cannot help. */
	if (out->len < HZ_UDP_HDR_LEN || out->len > avail)
		return HZ_ERR_MALFORMED;
	return HZ_OK;
}

int hz_udp_hdr_emit(uint8_t *out, size_t cap, const struct hz_udp_hdr *h)
{
	if (cap < HZ_UDP_HDR_LEN)
		return HZ_ERR_NO_SPACE;
	hz_be16_store(out, h->sport);     /* source port */
	hz_be16_store(out + 2, h->dport); /* destination port */
	hz_be16_store(out + 4, h->len);   /* length: header + data */
	hz_be16_store(out + 6, h->csum);  /* checksum, 0 = none (IPv4 only) */
	return HZ_UDP_HDR_LEN;
}

/* A pseudo-header sum from an ip layer may carry unfolded carries; fold it
 * so that hz_csum_add's own 32-bit accumulation cannot overflow. */
static inline uint32_t fold16(uint32_t s)
{
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return s;
}

uint16_t hz_udp_csum_compute(uint32_t pseudo, const uint8_t *dgram, size_t len)
{
	/* Sum the header without its checksum field (bytes 6-7), then the
	 * data: both leading chunks are even-sized, as hz_csum_add requires. */
	uint32_t s = hz_csum_add(fold16(pseudo), dgram, 6);
	if (len > HZ_UDP_HDR_LEN)
		s = hz_csum_add(s, dgram + HZ_UDP_HDR_LEN, len - HZ_UDP_HDR_LEN);
	uint16_t c = hz_csum_fold(s);
	/* RFC 768: a computed zero is sent as all ones, since an all-zero
	 * field means the sender computed no checksum. Both are -0/+0 in
	 * one's complement, so the receiver's sum still verifies. */
	return c ? c : 0xffffu;
}

bool hz_udp_csum_verify(uint32_t pseudo, const uint8_t *dgram, size_t len)
{
	return hz_csum_fold(hz_csum_add(fold16(pseudo), dgram, len)) == 0;
}
