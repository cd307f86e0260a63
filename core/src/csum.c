/* The Internet checksum, RFC 1071.
 *
 * The one's-complement sum does not depend on byte order (RFC 1071 section
 * 2(B)): summing native-order words and swapping the folded result once
 * gives the big-endian sum. So the loops load whole native words and never
 * swap.
 *
 * The main loop is written with GNU vector extensions rather than left to
 * the auto-vectoriser: gcc -O3 vectorised the earlier scalar loop into code
 * slower than RFC 1071's byte loop. Each 32-bit lane adds the low and high
 * 16-bit halves of native words separately, so a lane grows by at most
 * 4 * 0xffff per 64-byte step and cannot overflow within 16384 steps; the
 * lanes are emptied into a 64-bit total before that. */
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

#if defined(__GNUC__)
typedef uint32_t v4u32 __attribute__((vector_size(16)));
#define HZ_CSUM_VECTOR 1
#endif

uint32_t hz_csum_add(uint32_t partial, const void *data, size_t len)
{
	const uint8_t *p = (const uint8_t *)data;
	uint64_t a = 0, b = 0, c = 0, d = 0;

#ifdef HZ_CSUM_VECTOR
	while (len >= 64) {
		const v4u32 m = { 0xffffu, 0xffffu, 0xffffu, 0xffffu };
		v4u32 lo = { 0, 0, 0, 0 }, hi = { 0, 0, 0, 0 };
		size_t steps = len / 64 < 16384 ? len / 64 : 16384;
		for (size_t i = 0; i < steps; i++) {
			v4u32 w, x, y, z;
			hz_memcpy(&w, p, 16);
			hz_memcpy(&x, p + 16, 16);
			hz_memcpy(&y, p + 32, 16);
			hz_memcpy(&z, p + 48, 16);
			lo += (w & m) + (x & m) + (y & m) + (z & m);
			hi += (w >> 16) + (x >> 16) + (y >> 16) + (z >> 16);
			p += 64;
		}
		len -= steps * 64;
		a += (uint64_t)lo[0] + lo[1] + lo[2] + lo[3];
		b += (uint64_t)hi[0] + hi[1] + hi[2] + hi[3];
	}
#else
	while (len >= 64) {
		a += (uint64_t)load32(p) + load32(p + 16) + load32(p + 32) + load32(p + 48);
		b += (uint64_t)load32(p + 4) + load32(p + 20) + load32(p + 36) + load32(p + 52);
		c += (uint64_t)load32(p + 8) + load32(p + 24) + load32(p + 40) + load32(p + 56);
		d += (uint64_t)load32(p + 12) + load32(p + 28) + load32(p + 44) + load32(p + 60);
		p += 64;
		len -= 64;
	}
#endif
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
	/* Each accumulator stays below 2^62 for any len < 2^36: no overflow.
	 * Words of any width mix freely: fold64 reduces mod 0xffff. */
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
