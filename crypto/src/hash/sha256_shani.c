/* SHA-256 compression with the x86 SHA extensions (SHA-NI). Compiled only
 * when crypto_accel; sha256.c calls it when hz_crypto_cpu_features() has
 * SHANI, SSSE3 (pshufb) and SSE4.1 (pblendw).
 *
 * sha256rnds2 does two rounds on the state split as ABEF / CDGH, taking
 * W+K for both rounds in the low 64 bits of its third operand; msg1 and
 * msg2 compute the message schedule (FIPS 180-4 6.2.2 step 1) four words
 * at a time. The 16 groups of four rounds keep W in four registers that
 * rotate. */
#include "hash_inner.h"

#if HZ_CRYPTO_ACCEL
#include <immintrin.h>

/* Rounds 4i..4i+3. x0 holds W[4i..4i+3]; the schedule for group i+1 is
 * completed in x1 (msg2) and started for group i+3 in x3 (msg1), so that
 * each instruction's latency overlaps the rounds. i is a constant: the
 * conditions fold away. */
#define QUAD(i, x0, x1, x2, x3) do {                                         \
		__m128i k_ = _mm_loadu_si128((const __m128i *)(const void *)(hz_crypto_sha256_k + 4 * (i))); \
		__m128i wk_ = _mm_add_epi32((x0), k_);                       \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_);               \
		if ((i) >= 3 && (i) <= 14) {                                 \
			__m128i t_ = _mm_alignr_epi8((x0), (x3), 4);         \
			(x1) = _mm_sha256msg2_epu32(_mm_add_epi32((x1), t_), (x0)); \
		}                                                            \
		wk_ = _mm_shuffle_epi32(wk_, 0x0e);                          \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, wk_);               \
		if ((i) >= 1 && (i) <= 12)                                   \
			(x3) = _mm_sha256msg1_epu32((x3), (x0));             \
	} while (0)

HZ_CRYPTO_TARGET("sha,ssse3,sse4.1")
void hz_crypto_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t n)
{
	/* Byte swap of each 32-bit word: the message is big-endian. */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)h);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);

	while (n--) {
		__m128i abef0 = abef, cdgh0 = cdgh;
		__m128i m0, m1, m2, m3;

		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), bswap);
		QUAD(0, m0, m1, m2, m3);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), bswap);
		QUAD(1, m1, m2, m3, m0);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 32)), bswap);
		QUAD(2, m2, m3, m0, m1);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 48)), bswap);
		QUAD(3, m3, m0, m1, m2);
		QUAD(4, m0, m1, m2, m3);
		QUAD(5, m1, m2, m3, m0);
		QUAD(6, m2, m3, m0, m1);
		QUAD(7, m3, m0, m1, m2);
		QUAD(8, m0, m1, m2, m3);
		QUAD(9, m1, m2, m3, m0);
		QUAD(10, m2, m3, m0, m1);
		QUAD(11, m3, m0, m1, m2);
		QUAD(12, m0, m1, m2, m3);
		QUAD(13, m1, m2, m3, m0);
		QUAD(14, m2, m3, m0, m1);
		QUAD(15, m3, m0, m1, m2);
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
		p += 64;
	}
	/* Back to h[0..7] order. */
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
	dcba = _mm_blend_epi16(feba, dchg, 0xf0);
	hgfe = _mm_alignr_epi8(dchg, feba, 8);
	_mm_storeu_si128((__m128i *)(void *)h, dcba);
	_mm_storeu_si128((__m128i *)(void *)(h + 4), hgfe);
}
#endif
