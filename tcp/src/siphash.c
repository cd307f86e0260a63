/* SipHash-2-4: the keyed hash behind RFC 6528 initial sequence numbers
 * and per-connection timestamp offsets. Written from the algorithm's
 * description: four 64-bit lanes, two rounds per message word, four
 * finalisation rounds. */
#include "tcp_internal.h"

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define SIPROUND(v0, v1, v2, v3)                                                        \
	do {                                                                            \
		v0 += v1;                                                               \
		v1 = rotl(v1, 13);                                                      \
		v1 ^= v0;                                                               \
		v0 = rotl(v0, 32);                                                      \
		v2 += v3;                                                               \
		v3 = rotl(v3, 16);                                                      \
		v3 ^= v2;                                                               \
		v0 += v3;                                                               \
		v3 = rotl(v3, 21);                                                      \
		v3 ^= v0;                                                               \
		v2 += v1;                                                               \
		v1 = rotl(v1, 17);                                                      \
		v1 ^= v2;                                                               \
		v2 = rotl(v2, 32);                                                      \
	} while (0)

uint64_t hz_tcp_siphash24(const uint64_t k[2], const void *data, size_t len)
{
	const uint8_t *p = (const uint8_t *)data;
	/* "somepseudorandomlygeneratedbytes" */
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull;
	uint64_t v3 = k[1] ^ 0x7465646279746573ull;
	size_t full = len & ~(size_t)7;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = le64(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* Last word: the remaining bytes, and the length's low byte on top. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = full; i < len; i++)
		b |= (uint64_t)p[i] << (8 * (i - full));
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
