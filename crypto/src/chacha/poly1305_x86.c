/* Poly1305 with AVX-512 IFMA (vpmadd52luq/huq): eight interleaved
 * accumulators in radix 2^44 (limbs of 44, 44 and 42 bits, one limb per
 * zmm, one accumulator per lane). Each step does h = h * r^8 + m for 8
 * blocks; at the end lane j is multiplied by r^(8-j) and the lanes summed,
 * which equals the serial Horner evaluation of RFC 8439 §2.5. */
#include "chacha_inner.h"

#if HZ_CRYPTO_ACCEL
#include <immintrin.h>

#define M44 0xfffffffffffull
#define M42 0x3ffffffffffull

/* (h0, h1, h2) * (r0, r1, r2) mod 2^130 - 5, s1 = 20 r1, s2 = 20 r2
 * (2^132 = 20 mod p). Products are split by IFMA into their low 52 bits
 * (at the limb's weight) and high 52 bits (weight + 52 = next limb + 8). */
#define MUL(h0, h1, h2, r0, r1, r2, s1, s2) do {                              \
		__m512i l0, l1, l2, u0, u1, u2, c_;                               \
		l0 = _mm512_madd52lo_epu64(z, h0, r0);                           \
		u0 = _mm512_madd52hi_epu64(z, h0, r0);                           \
		l1 = _mm512_madd52lo_epu64(z, h0, r1);                           \
		u1 = _mm512_madd52hi_epu64(z, h0, r1);                           \
		l2 = _mm512_madd52lo_epu64(z, h0, r2);                           \
		u2 = _mm512_madd52hi_epu64(z, h0, r2);                           \
		l0 = _mm512_madd52lo_epu64(l0, h1, s2);                          \
		u0 = _mm512_madd52hi_epu64(u0, h1, s2);                          \
		l1 = _mm512_madd52lo_epu64(l1, h1, r0);                          \
		u1 = _mm512_madd52hi_epu64(u1, h1, r0);                          \
		l2 = _mm512_madd52lo_epu64(l2, h1, r1);                          \
		u2 = _mm512_madd52hi_epu64(u2, h1, r1);                          \
		l0 = _mm512_madd52lo_epu64(l0, h2, s1);                          \
		u0 = _mm512_madd52hi_epu64(u0, h2, s1);                          \
		l1 = _mm512_madd52lo_epu64(l1, h2, s2);                          \
		u1 = _mm512_madd52hi_epu64(u1, h2, s2);                          \
		l2 = _mm512_madd52lo_epu64(l2, h2, r0);                          \
		u2 = _mm512_madd52hi_epu64(u2, h2, r0);                          \
		l1 = _mm512_add_epi64(l1, _mm512_slli_epi64(u0, 8));            \
		l2 = _mm512_add_epi64(l2, _mm512_slli_epi64(u1, 8));            \
		l1 = _mm512_add_epi64(l1, _mm512_srli_epi64(l0, 44));           \
		h0 = _mm512_and_si512(l0, m44);                                  \
		l2 = _mm512_add_epi64(l2, _mm512_srli_epi64(l1, 44));           \
		h1 = _mm512_and_si512(l1, m44);                                  \
		/* 2^130 = 5 and 2^140 = 5 * 2^10 */                             \
		c_ = _mm512_add_epi64(_mm512_srli_epi64(l2, 42), _mm512_slli_epi64(u2, 10)); \
		h2 = _mm512_and_si512(l2, m42);                                  \
		h0 = _mm512_add_epi64(h0, _mm512_add_epi64(c_, _mm512_slli_epi64(c_, 2))); \
		h1 = _mm512_add_epi64(h1, _mm512_srli_epi64(h0, 44));           \
		h0 = _mm512_and_si512(h0, m44);                                  \
	} while (0)

/* Eight blocks, lane j = block j, with the 2^128 bit (limb 2 bit 40). */
#define LOAD(m0, m1, m2, p) do {                                               \
		__m512i a_ = _mm512_loadu_si512((const void *)(p));                \
		__m512i b_ = _mm512_loadu_si512((const void *)((p) + 64));         \
		__m512i lo_ = _mm512_permutex2var_epi64(a_, ilo, b_);             \
		__m512i hi_ = _mm512_permutex2var_epi64(a_, ihi, b_);             \
		m0 = _mm512_and_si512(lo_, m44);                                   \
		m1 = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(lo_, 44),  \
			_mm512_slli_epi64(hi_, 20)), m44);                         \
		m2 = _mm512_or_si512(_mm512_srli_epi64(hi_, 24), hibit);          \
	} while (0)

HZ_CRYPTO_TARGET("avx512f,avx512ifma")
void hz_crypto_poly1305_ifma_blocks(uint64_t h[3], const uint64_t rp[24], const uint8_t *m, size_t nblocks)
{
	const __m512i z = _mm512_setzero_si512();
	const __m512i m44 = _mm512_set1_epi64((long long)M44);
	const __m512i m42 = _mm512_set1_epi64((long long)M42);
	const __m512i hibit = _mm512_set1_epi64((long long)1 << 40);
	const __m512i ilo = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
	const __m512i ihi = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
	__m512i h0, h1, h2, m0, m1, m2, r0, r1, r2, s1, s2;
	uint64_t a0, a1, a2, c;

	/* The running h joins lane 0 of the first eight blocks. */
	LOAD(h0, h1, h2, m);
	a0 = h[0] & M44;
	a1 = (h[0] >> 44 | h[1] << 20) & M44;
	a2 = h[1] >> 24 | h[2] << 40;
	h0 = _mm512_add_epi64(h0, _mm512_setr_epi64((long long)a0, 0, 0, 0, 0, 0, 0, 0));
	h1 = _mm512_add_epi64(h1, _mm512_setr_epi64((long long)a1, 0, 0, 0, 0, 0, 0, 0));
	h2 = _mm512_add_epi64(h2, _mm512_setr_epi64((long long)a2, 0, 0, 0, 0, 0, 0, 0));
	m += 128;
	nblocks -= 8;

	r0 = _mm512_set1_epi64((long long)rp[21]);
	r1 = _mm512_set1_epi64((long long)rp[22]);
	r2 = _mm512_set1_epi64((long long)rp[23]);
	s1 = _mm512_add_epi64(_mm512_slli_epi64(r1, 4), _mm512_slli_epi64(r1, 2));
	s2 = _mm512_add_epi64(_mm512_slli_epi64(r2, 4), _mm512_slli_epi64(r2, 2));
	while (nblocks >= 8) {
		MUL(h0, h1, h2, r0, r1, r2, s1, s2);
		LOAD(m0, m1, m2, m);
		h0 = _mm512_add_epi64(h0, m0);
		h1 = _mm512_add_epi64(h1, m1);
		h2 = _mm512_add_epi64(h2, m2);
		m += 128;
		nblocks -= 8;
	}

	/* Lane j times r^(8-j). */
	r0 = _mm512_setr_epi64((long long)rp[21], (long long)rp[18], (long long)rp[15], (long long)rp[12],
		(long long)rp[9], (long long)rp[6], (long long)rp[3], (long long)rp[0]);
	r1 = _mm512_setr_epi64((long long)rp[22], (long long)rp[19], (long long)rp[16], (long long)rp[13],
		(long long)rp[10], (long long)rp[7], (long long)rp[4], (long long)rp[1]);
	r2 = _mm512_setr_epi64((long long)rp[23], (long long)rp[20], (long long)rp[17], (long long)rp[14],
		(long long)rp[11], (long long)rp[8], (long long)rp[5], (long long)rp[2]);
	s1 = _mm512_add_epi64(_mm512_slli_epi64(r1, 4), _mm512_slli_epi64(r1, 2));
	s2 = _mm512_add_epi64(_mm512_slli_epi64(r2, 4), _mm512_slli_epi64(r2, 2));
	MUL(h0, h1, h2, r0, r1, r2, s1, s2);
	a0 = (uint64_t)_mm512_reduce_add_epi64(h0);
	a1 = (uint64_t)_mm512_reduce_add_epi64(h1);
	a2 = (uint64_t)_mm512_reduce_add_epi64(h2);

	/* Carry to limbs of 44, 44, 42 bits (value < 2^130 + 2^89), then back
	 * to radix 2^64 with h[2] <= 4 as the portable code expects. */
	a1 += a0 >> 44;
	a0 &= M44;
	a2 += a1 >> 44;
	a1 &= M44;
	c = a2 >> 42;
	a2 &= M42;
	a0 += c * 5;
	a1 += a0 >> 44;
	a0 &= M44;
	a2 += a1 >> 44;
	a1 &= M44;
	h[0] = a0 | a1 << 44;
	h[1] = a1 >> 20 | a2 << 24;
	h[2] = a2 >> 40;
}
#endif
