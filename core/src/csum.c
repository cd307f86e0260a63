/* The Internet checksum, RFC 1071.
 *
 * The one's-complement sum does not depend on byte order (RFC 1071 section
 * 2(B)): summing native-order words and swapping the folded result once
 * gives the big-endian sum. So the loop loads whole native words and never
 * swaps; four independent 64-bit accumulators of 32-bit words cannot
 * overflow for any buffer below 64 GiB, which leaves carries to a single final fold
 * and lets the compiler vectorise the loop. */
#include "haze/core.h"

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	hz_memcpy(&v, p, 4);
	return v;
}

static inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;
	hz_memcpy(&v, p, 2);
	return v;
}

static inline uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	uint32_t t = (uint32_t)s;
	t = (t & 0xffffu) + (t >> 16);
	t = (t & 0xffffu) + (t >> 16);
	return t;
}

uint32_t hz_csum_add(uint32_t partial, const void *data, size_t len)
{
	const uint8_t *p = (const uint8_t *)data;
	uint64_t a = 0, b = 0, c = 0, d = 0;

	while (len >= 64) {
		a += (uint64_t)load32(p) + load32(p + 16) + load32(p + 32) + load32(p + 48);
		b += (uint64_t)load32(p + 4) + load32(p + 20) + load32(p + 36) + load32(p + 52);
		c += (uint64_t)load32(p + 8) + load32(p + 24) + load32(p + 40) + load32(p + 56);
		d += (uint64_t)load32(p + 12) + load32(p + 28) + load32(p + 44) + load32(p + 60);
		p += 64;
		len -= 64;
	}
	while (len >= 4) {
		a += load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		b += load16(p);
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the high half of a big-endian word padded with
		 * zero: in memory order that is the word {p[0], 0}. */
		uint8_t pad[2] = { p[0], 0 };
		c += load16(pad);
	}
	/* Each accumulator stays below 2^62 for any len < 2^36: no overflow. */
	uint32_t s = fold64(a + b + c + d);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = ((s & 0xffu) << 8) | (s >> 8);
#endif
	s += partial;
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return s;
}

uint16_t hz_csum(const void *data, size_t len)
{
	return hz_csum_fold(hz_csum_add(0, data, len));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t hz_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new_;
	return hz_csum_fold(s);
}

uint16_t hz_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint32_t s = (uint32_t)(uint16_t)~csum;
	s += (uint16_t)~(old >> 16);
	s += (uint16_t)~old;
	s += new_ >> 16;
	s += new_ & 0xffffu;
	return hz_csum_fold(s);
}
