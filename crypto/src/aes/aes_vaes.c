/* GCM bulk on 512-bit registers: VAES + VPCLMULQDQ (with AVX-512F/VL/BW),
 * sixteen blocks per pass.
 *
 * Same scheme as aes_ni.c, four blocks per register: sixteen counter
 * blocks go through the rounds while the GHASH of sixteen ciphertext
 * blocks (the previous pass's output when sealing, this pass's input when
 * opening) is multiplied lane by lane by H^16..H^1 (Karatsuba), the four
 * lanes summed and reduced once per pass. */
#include "aes_inner.h"

#include <immintrin.h>

#define TV HZ_CRYPTO_TARGET("avx512f,avx512vl,avx512bw,vaes,vpclmulqdq,aes,pclmul,ssse3,sse4.1,avx2")

static inline TV __m128i ld(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

static inline TV void st(void *p, __m128i x)
{
	_mm_storeu_si128((__m128i *)p, x);
}

static inline TV __m512i ldz(const void *p)
{
	return _mm512_loadu_si512(p);
}

static inline TV __m128i bswap128(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

/* hi:lo (+ mid) lane sums from the Karatsuba accumulators, folded to 128
 * bits, then combined, shifted left by one and reduced as in aes_ni.c. */
static inline TV __m128i fold(__m512i z)
{
	__m256i y = _mm256_xor_si256(_mm512_castsi512_si256(z), _mm512_extracti64x4_epi64(z, 1));

	return _mm_xor_si128(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
}

static inline TV __m128i reduce(__m512i zlo, __m512i zhi, __m512i zmid)
{
	__m128i lo = fold(zlo), hi = fold(zhi);
	__m128i mid = _mm_xor_si128(fold(zmid), _mm_xor_si128(lo, hi));
	__m128i clo, chi, a, r;

	lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
	hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	clo = _mm_srli_epi64(lo, 63);
	chi = _mm_srli_epi64(hi, 63);
	hi = _mm_or_si128(_mm_slli_epi64(hi, 1), _mm_or_si128(_mm_slli_si128(chi, 8), _mm_srli_si128(clo, 8)));
	lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(clo, 8));
	a = _mm_xor_si128(_mm_slli_epi64(lo, 63), _mm_xor_si128(_mm_slli_epi64(lo, 62), _mm_slli_epi64(lo, 57)));
	lo = _mm_xor_si128(lo, _mm_slli_si128(a, 8));
	r = _mm_xor_si128(hi, lo);
	r = _mm_xor_si128(r, _mm_srli_epi64(lo, 1));
	r = _mm_xor_si128(r, _mm_srli_epi64(lo, 2));
	r = _mm_xor_si128(r, _mm_srli_epi64(lo, 7));
	return _mm_xor_si128(r, _mm_srli_si128(a, 8));
}

/* Round key r in all four lanes (a broadcast load from L1). */
#define RK(r) _mm512_broadcast_i32x4(ld(sk + 2 * (r)))

#define KSWAP(x) _mm512_shuffle_epi32((x), (_MM_PERM_ENUM)0x4e)

/* Sixteen blocks (d[0..3], byte-reversed, y already in d[0] lane 0)
 * times H^16..H^1, reduced. Used for the last sealed batch. */
static inline TV __m128i ghash16(const __m512i *d, const __m512i *hz, const __m512i *hk)
{
	__m512i lo = _mm512_setzero_si512(), hi = lo, mid = lo;

	for (int j = 0; j < 4; j++) {
		lo = _mm512_xor_si512(lo, _mm512_clmulepi64_epi128(d[j], hz[j], 0x00));
		hi = _mm512_xor_si512(hi, _mm512_clmulepi64_epi128(d[j], hz[j], 0x11));
		mid = _mm512_xor_si512(mid, _mm512_clmulepi64_epi128(_mm512_xor_si512(d[j], KSWAP(d[j])), hk[j], 0x00));
	}
	return reduce(lo, hi, mid);
}

TV size_t gcm_vaes_blocks(const struct hz_crypto_aes_gcm *g, uint8_t ctr[16], uint64_t y[2],
			  uint8_t *out, const uint8_t *in, size_t nblocks, int enc)
{
	const uint64_t *sk = g->aes.rk;
	unsigned rounds = g->aes.rounds;
	const __m512i bsw = _mm512_broadcast_i32x4(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
	const __m512i four = _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4);
	__m128i c = bswap128(ld(ctr)), acc = ld(y);
	__m512i cz, hz[4], hk[4], x[4], d[4];
	const uint8_t *gh = NULL;
	size_t done = 0;

	if (nblocks < 16)
		return 0;
	/* hz[j] lane i = H^(16 - 4j - i): the first block meets H^16. */
	for (int j = 0; j < 4; j++) {
		__m512i p = ldz(g->h[12 - 4 * j]);

		hz[j] = _mm512_shuffle_i64x2(p, p, 0x1b);
		hk[j] = _mm512_xor_si512(hz[j], KSWAP(hz[j]));
	}
	cz = _mm512_add_epi32(_mm512_broadcast_i32x4(c), _mm512_set_epi32(0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0));
	while (nblocks - done >= 16) {
		const uint8_t *hb = enc ? gh : in;
		__m512i lo = _mm512_setzero_si512(), hi = lo, mid = lo;

		for (int j = 0; j < 4; j++) {
			x[j] = _mm512_xor_si512(_mm512_shuffle_epi8(cz, bsw), RK(0));
			cz = _mm512_add_epi32(cz, four);
		}
		if (hb) {
			for (int j = 0; j < 4; j++)
				d[j] = _mm512_shuffle_epi8(ldz(hb + 64 * j), bsw);
			d[0] = _mm512_xor_si512(d[0], _mm512_zextsi128_si512(acc));
		}
		for (unsigned r = 1; r < rounds; r++) {
			for (int j = 0; j < 4; j++)
				x[j] = _mm512_aesenc_epi128(x[j], RK(r));
			/* One GHASH register per round for the first four rounds. */
			if (hb && r <= 4) {
				int j = (int)r - 1;

				lo = _mm512_xor_si512(lo, _mm512_clmulepi64_epi128(d[j], hz[j], 0x00));
				hi = _mm512_xor_si512(hi, _mm512_clmulepi64_epi128(d[j], hz[j], 0x11));
				mid = _mm512_xor_si512(mid, _mm512_clmulepi64_epi128(_mm512_xor_si512(d[j], KSWAP(d[j])),
											 hk[j], 0x00));
			}
			if (hb && r == 5)
				acc = reduce(lo, hi, mid);
		}
		for (int j = 0; j < 4; j++)
			_mm512_storeu_si512(out + 64 * j,
					    _mm512_xor_si512(_mm512_aesenclast_epi128(x[j], RK(rounds)), ldz(in + 64 * j)));
		gh = out;
		in += 256;
		out += 256;
		done += 16;
	}
	if (enc) {
		for (int j = 0; j < 4; j++)
			d[j] = _mm512_shuffle_epi8(ldz(gh + 64 * j), bsw);
		d[0] = _mm512_xor_si512(d[0], _mm512_zextsi128_si512(acc));
		acc = ghash16(d, hz, hk);
	}
	c = _mm_add_epi32(c, _mm_set_epi32(0, 0, 0, (int)(uint32_t)done));
	st(ctr, bswap128(c));
	st(y, acc);
	return done;
}
