/* SipHash-2-4 (Aumasson and Bernstein, 2012): four 64-bit lanes, the
 * message in little-endian 64-bit words, two rounds per word and four to
 * finish. The keyed PRF behind tcp's RFC 6528 sequence numbers and SYN
 * cookies and ipv6's RFC 7217 interface identifiers. */
#include "haze/core.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64u - b);
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	for (unsigned i = 8; i-- > 0;)
		x = x << 8 | p[i];
	return x;
}

void hz_siphash_init(struct hz_siphash *s, const uint8_t key[16])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	/* the ASCII of "somepseudorandomlygeneratedbytes" */
	s->v[0] = k0 ^ 0x736f6d6570736575ull;
	s->v[1] = k1 ^ 0x646f72616e646f6dull;
	s->v[2] = k0 ^ 0x6c7967656e657261ull;
	s->v[3] = k1 ^ 0x7465646279746573ull;
	s->tail = 0;
	s->total = 0;
}

static void sip_word(struct hz_siphash *s, uint64_t m)
{
	s->v[3] ^= m;
	sip_round(s->v);
	sip_round(s->v);
	s->v[0] ^= m;
}

void hz_siphash_update(struct hz_siphash *s, const void *data, size_t n)
{
	const uint8_t *p = (const uint8_t *)data;
	/* finish a partial word first, then whole words, then keep the rest */
	while (n && s->total % 8u) {
		s->tail |= (uint64_t)*p++ << (8u * (s->total % 8u));
		s->total++;
		n--;
		if (s->total % 8u == 0) {
			sip_word(s, s->tail);
			s->tail = 0;
		}
	}
	for (; n >= 8; p += 8, n -= 8) {
		sip_word(s, le64(p));
		s->total += 8;
	}
	for (size_t i = 0; i < n; i++)
		s->tail |= (uint64_t)p[i] << (8u * i);
	s->total += n;
}

uint64_t hz_siphash_final(struct hz_siphash *s)
{
	/* last word: the pending bytes and the length mod 256 in the top byte */
	sip_word(s, s->tail | (uint64_t)(s->total & 0xffu) << 56);
	s->v[2] ^= 0xff;
	for (unsigned i = 0; i < 4; i++)
		sip_round(s->v);
	uint64_t r = s->v[0] ^ s->v[1] ^ s->v[2] ^ s->v[3];
	/* Zero the keyed state so the store survives dead-store elimination:
	 * the empty asm claims to read the memory. */
	hz_memset(s, 0, sizeof *s);
#if defined(__GNUC__) || defined(__clang__)
	__asm__ __volatile__("" : : "r"(s) : "memory");
#endif
	return r;
}

uint64_t hz_siphash(const uint8_t key[16], const void *data, size_t n)
{
	struct hz_siphash s;
	hz_siphash_init(&s, key);
	hz_siphash_update(&s, data, n);
	return hz_siphash_final(&s);
}
