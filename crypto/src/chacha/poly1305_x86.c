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

#if HZ_CRYPTO_ACCEL
/* Poly1305 with AVX2 for CPUs without IFMA: four interleaved accumulators
 * in radix 2^26 (five limbs, one limb per ymm, one accumulator per 64-bit
 * lane, vpmuludq for the 32x32->64 products). Same structure as the IFMA
 * kernel: h = h * r^4 + m for 4 blocks per step, then lane j times its
 * remaining power of r and the lanes summed. */

#define M26 0x3ffffffull

/* d = h * r mod 2^130 - 5 (s_k = 5 r_k: 2^130 = 5 mod p), then a partial
 * carry so every limb is back below 2^26 + 2^10 (inputs must stay below
 * 2^32 for vpmuludq; sums of five products stay below 2^60). */
#define MUL26(h0, h1, h2, h3, h4, r0, r1, r2, r3, r4, s1, s2, s3, s4) do {   \
		__m256i d0, d1, d2, d3, d4, c_;                                   \
		d0 = _mm256_mul_epu32(h0, r0);                                   \
		d1 = _mm256_mul_epu32(h0, r1);                                   \
		d2 = _mm256_mul_epu32(h0, r2);                                   \
		d3 = _mm256_mul_epu32(h0, r3);                                   \
		d4 = _mm256_mul_epu32(h0, r4);                                   \
		d0 = _mm256_add_epi64(d0, _mm256_mul_epu32(h1, s4));             \
		d1 = _mm256_add_epi64(d1, _mm256_mul_epu32(h1, r0));             \
		d2 = _mm256_add_epi64(d2, _mm256_mul_epu32(h1, r1));             \
		d3 = _mm256_add_epi64(d3, _mm256_mul_epu32(h1, r2));             \
		d4 = _mm256_add_epi64(d4, _mm256_mul_epu32(h1, r3));             \
		d0 = _mm256_add_epi64(d0, _mm256_mul_epu32(h2, s3));             \
		d1 = _mm256_add_epi64(d1, _mm256_mul_epu32(h2, s4));             \
		d2 = _mm256_add_epi64(d2, _mm256_mul_epu32(h2, r0));             \
		d3 = _mm256_add_epi64(d3, _mm256_mul_epu32(h2, r1));             \
		d4 = _mm256_add_epi64(d4, _mm256_mul_epu32(h2, r2));             \
		d0 = _mm256_add_epi64(d0, _mm256_mul_epu32(h3, s2));             \
		d1 = _mm256_add_epi64(d1, _mm256_mul_epu32(h3, s3));             \
		d2 = _mm256_add_epi64(d2, _mm256_mul_epu32(h3, s4));             \
		d3 = _mm256_add_epi64(d3, _mm256_mul_epu32(h3, r0));             \
		d4 = _mm256_add_epi64(d4, _mm256_mul_epu32(h3, r1));             \
		d0 = _mm256_add_epi64(d0, _mm256_mul_epu32(h4, s1));             \
		d1 = _mm256_add_epi64(d1, _mm256_mul_epu32(h4, s2));             \
		d2 = _mm256_add_epi64(d2, _mm256_mul_epu32(h4, s3));             \
		d3 = _mm256_add_epi64(d3, _mm256_mul_epu32(h4, s4));             \
		d4 = _mm256_add_epi64(d4, _mm256_mul_epu32(h4, r0));             \
		/* two carry chains (0->1->2->3, 3->4->0) run side by side */    \
		d1 = _mm256_add_epi64(d1, _mm256_srli_epi64(d0, 26));            \
		h0 = _mm256_and_si256(d0, m26);                                  \
		d4 = _mm256_add_epi64(d4, _mm256_srli_epi64(d3, 26));            \
		h3 = _mm256_and_si256(d3, m26);                                  \
		d2 = _mm256_add_epi64(d2, _mm256_srli_epi64(d1, 26));            \
		h1 = _mm256_and_si256(d1, m26);                                  \
		c_ = _mm256_srli_epi64(d4, 26);                                  \
		h4 = _mm256_and_si256(d4, m26);                                  \
		h0 = _mm256_add_epi64(h0, _mm256_add_epi64(c_, _mm256_slli_epi64(c_, 2))); \
		h3 = _mm256_add_epi64(h3, _mm256_srli_epi64(d2, 26));            \
		h2 = _mm256_and_si256(d2, m26);                                  \
		h1 = _mm256_add_epi64(h1, _mm256_srli_epi64(h0, 26));            \
		h0 = _mm256_and_si256(h0, m26);                                  \
		h4 = _mm256_add_epi64(h4, _mm256_srli_epi64(h3, 26));            \
		h3 = _mm256_and_si256(h3, m26);                                  \
	} while (0)

/* Four blocks in radix 2^26 with the 2^128 bit (limb 4 bit 24). The
 * unpacks leave the blocks in lane order 0, 2, 1, 3. */
#define LOAD26(m0, m1, m2, m3, m4, p) do {                                     \
		__m256i a_ = _mm256_loadu_si256((const __m256i *)(const void *)(p));        \
		__m256i b_ = _mm256_loadu_si256((const __m256i *)(const void *)((p) + 32)); \
		__m256i lo_ = _mm256_unpacklo_epi64(a_, b_);                      \
		__m256i hi_ = _mm256_unpackhi_epi64(a_, b_);                      \
		m0 = _mm256_and_si256(lo_, m26);                                   \
		m1 = _mm256_and_si256(_mm256_srli_epi64(lo_, 26), m26);           \
		m2 = _mm256_and_si256(_mm256_or_si256(_mm256_srli_epi64(lo_, 52),  \
			_mm256_slli_epi64(hi_, 12)), m26);                         \
		m3 = _mm256_and_si256(_mm256_srli_epi64(hi_, 14), m26);           \
		m4 = _mm256_or_si256(_mm256_srli_epi64(hi_, 40), hibit);          \
	} while (0)

#define HSUM(v) __extension__ ({                                              \
		__m128i x_ = _mm_add_epi64(_mm256_castsi256_si128(v),            \
			_mm256_extracti128_si256(v, 1));                         \
		x_ = _mm_add_epi64(x_, _mm_unpackhi_epi64(x_, x_));              \
		(uint64_t)_mm_cvtsi128_si64(x_);                                 \
	})

#define SET5(k) _mm256_set1_epi64x((long long)(5 * (uint64_t)(k)))

HZ_CRYPTO_TARGET("avx2")
void hz_crypto_poly1305_avx2_blocks(uint64_t h[3], const uint32_t rq[20], const uint8_t *m, size_t nblocks)
{
	const __m256i m26 = _mm256_set1_epi64x((long long)M26);
	const __m256i hibit = _mm256_set1_epi64x((long long)1 << 24);
	__m256i h0, h1, h2, h3, h4, m0, m1, m2, m3, m4;
	__m256i r0, r1, r2, r3, r4, s1, s2, s3, s4;
	uint64_t a0, a1, a2, a3, a4, c;

	/* The running h (h[2] < 8) joins lane 0, block 0. */
	LOAD26(h0, h1, h2, h3, h4, m);
	a0 = h[0] & M26;
	a1 = (h[0] >> 26) & M26;
	a2 = (h[0] >> 52 | h[1] << 12) & M26;
	a3 = (h[1] >> 14) & M26;
	a4 = h[1] >> 40 | h[2] << 24;
	h0 = _mm256_add_epi64(h0, _mm256_setr_epi64x((long long)a0, 0, 0, 0));
	h1 = _mm256_add_epi64(h1, _mm256_setr_epi64x((long long)a1, 0, 0, 0));
	h2 = _mm256_add_epi64(h2, _mm256_setr_epi64x((long long)a2, 0, 0, 0));
	h3 = _mm256_add_epi64(h3, _mm256_setr_epi64x((long long)a3, 0, 0, 0));
	h4 = _mm256_add_epi64(h4, _mm256_setr_epi64x((long long)a4, 0, 0, 0));
	m += 64;
	nblocks -= 4;

	r0 = _mm256_set1_epi64x((long long)rq[15]);
	r1 = _mm256_set1_epi64x((long long)rq[16]);
	r2 = _mm256_set1_epi64x((long long)rq[17]);
	r3 = _mm256_set1_epi64x((long long)rq[18]);
	r4 = _mm256_set1_epi64x((long long)rq[19]);
	s1 = SET5(rq[16]);
	s2 = SET5(rq[17]);
	s3 = SET5(rq[18]);
	s4 = SET5(rq[19]);
	while (nblocks >= 4) {
		MUL26(h0, h1, h2, h3, h4, r0, r1, r2, r3, r4, s1, s2, s3, s4);
		LOAD26(m0, m1, m2, m3, m4, m);
		h0 = _mm256_add_epi64(h0, m0);
		h1 = _mm256_add_epi64(h1, m1);
		h2 = _mm256_add_epi64(h2, m2);
		h3 = _mm256_add_epi64(h3, m3);
		h4 = _mm256_add_epi64(h4, m4);
		m += 64;
		nblocks -= 4;
	}

	/* Lanes hold blocks 0, 2, 1, 3 of the last step: times r^4, r^2,
	 * r^3, r^1. */
#define LANES(k) _mm256_setr_epi64x((long long)rq[15 + (k)], (long long)rq[5 + (k)], \
		(long long)rq[10 + (k)], (long long)rq[(k)])
	r0 = LANES(0);
	r1 = LANES(1);
	r2 = LANES(2);
	r3 = LANES(3);
	r4 = LANES(4);
#undef LANES
	s1 = _mm256_add_epi64(r1, _mm256_slli_epi64(r1, 2));
	s2 = _mm256_add_epi64(r2, _mm256_slli_epi64(r2, 2));
	s3 = _mm256_add_epi64(r3, _mm256_slli_epi64(r3, 2));
	s4 = _mm256_add_epi64(r4, _mm256_slli_epi64(r4, 2));
	MUL26(h0, h1, h2, h3, h4, r0, r1, r2, r3, r4, s1, s2, s3, s4);
	a0 = HSUM(h0);
	a1 = HSUM(h1);
	a2 = HSUM(h2);
	a3 = HSUM(h3);
	a4 = HSUM(h4);

	/* Limbs below 2^28: carry twice round to 26-bit limbs, then back to
	 * radix 2^64 with h[2] <= 4 as the portable code expects. */
	for (int i = 0; i < 2; i++) {
		a1 += a0 >> 26;
		a0 &= M26;
		a2 += a1 >> 26;
		a1 &= M26;
		a3 += a2 >> 26;
		a2 &= M26;
		a4 += a3 >> 26;
		a3 &= M26;
		c = a4 >> 26;
		a4 &= M26;
		a0 += c * 5;
	}
	a1 += a0 >> 26;
	a0 &= M26;
	a2 += a1 >> 26;
	a1 &= M26;
	a3 += a2 >> 26;
	a2 &= M26;
	a4 += a3 >> 26;
	a3 &= M26;
	h[0] = a0 | a1 << 26 | a2 << 52;
	h[1] = a2 >> 12 | a3 << 14 | a4 << 40;
	h[2] = a4 >> 24;
}
#endif
