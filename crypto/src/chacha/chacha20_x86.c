/* ChaCha20 kernels for x86-64: 4 blocks in SSE registers (SSSE3 byte
 * shuffles for the 16- and 8-bit rotations, or plain SSE2), 8 in AVX2, 16 in AVX-512F
 * (native rotate). All keep one state word per register, a block per lane
 * ("vertical" layout), so a round is plain lane-wise arithmetic; the
 * blocks are transposed back to byte order at the end. Chosen at run time
 * by chacha20.c. */
#include "chacha_inner.h"

#if HZ_CRYPTO_ACCEL
#include <immintrin.h>

/* The quarter round (RFC 8439 §2.1) on vectors, given the width's ops. */
#define QRV(a, b, c, d) do {                                    \
		x[a] = ADD(x[a], x[b]); x[d] = ROT16(XOR(x[d], x[a])); \
		x[c] = ADD(x[c], x[d]); x[b] = ROT12(XOR(x[b], x[c])); \
		x[a] = ADD(x[a], x[b]); x[d] = ROT8(XOR(x[d], x[a]));  \
		x[c] = ADD(x[c], x[d]); x[b] = ROT7(XOR(x[b], x[c]));  \
	} while (0)
#define DOUBLE_ROUND() do {                                            \
		QRV(0, 4, 8, 12); QRV(1, 5, 9, 13); QRV(2, 6, 10, 14); QRV(3, 7, 11, 15); \
		QRV(0, 5, 10, 15); QRV(1, 6, 11, 12); QRV(2, 7, 8, 13); QRV(3, 4, 9, 14); \
	} while (0)

/* --- SSE2 and SSSE3, 4 blocks -------------------------------------------- */
#define ADD(a, b) _mm_add_epi32(a, b)
#define XOR(a, b) _mm_xor_si128(a, b)
#define ROT12(v) _mm_or_si128(_mm_slli_epi32(v, 12), _mm_srli_epi32(v, 20))
#define ROT7(v) _mm_or_si128(_mm_slli_epi32(v, 7), _mm_srli_epi32(v, 25))

/* SSE2 only (baseline x86-64), so both kernels can inline it. */
static inline void out128(uint8_t *out, const uint8_t *in, __m128i v)
{
	if (in)
		v = _mm_xor_si128(v, _mm_loadu_si128((const __m128i *)(const void *)in));
	_mm_storeu_si128((__m128i *)(void *)out, v);
}

#define KERNEL_NAME hz_crypto_chacha_ssse3_4
#define KERNEL_TARGET "ssse3"
#define KERNEL_CONSTS                                                                                  \
	const __m128i r16 = _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);      \
	const __m128i r8 = _mm_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
#define ROT16(v) _mm_shuffle_epi8(v, r16)
#define ROT8(v) _mm_shuffle_epi8(v, r8)
#include "chacha20_sse_body.h"
#undef KERNEL_NAME
#undef KERNEL_TARGET
#undef KERNEL_CONSTS
#undef ROT16
#undef ROT8

#define KERNEL_NAME hz_crypto_chacha_sse2_4
#define KERNEL_TARGET "sse2"
#define KERNEL_CONSTS
/* Swap the 16-bit halves of every word; 8 by shifts. */
#define ROT16(v) _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, 0xb1), 0xb1)
#define ROT8(v) _mm_or_si128(_mm_slli_epi32(v, 8), _mm_srli_epi32(v, 24))
#include "chacha20_sse_body.h"
#undef KERNEL_NAME
#undef KERNEL_TARGET
#undef KERNEL_CONSTS

#undef ADD
#undef XOR
#undef ROT16
#undef ROT8
#undef ROT12
#undef ROT7

/* --- AVX2, 8 blocks ------------------------------------------------------- */
#define ADD(a, b) _mm256_add_epi32(a, b)
#define XOR(a, b) _mm256_xor_si256(a, b)
#define ROT16(v) _mm256_shuffle_epi8(v, r16)
#define ROT8(v) _mm256_shuffle_epi8(v, r8)
#define ROT12(v) _mm256_or_si256(_mm256_slli_epi32(v, 12), _mm256_srli_epi32(v, 20))
#define ROT7(v) _mm256_or_si256(_mm256_slli_epi32(v, 7), _mm256_srli_epi32(v, 25))

HZ_CRYPTO_TARGET("avx2")
static inline void out256(uint8_t *out, const uint8_t *in, __m256i v)
{
	if (in)
		v = _mm256_xor_si256(v, _mm256_loadu_si256((const __m256i *)(const void *)in));
	_mm256_storeu_si256((__m256i *)(void *)out, v);
}

/* Two quarter rounds side by side. */
#define QR2(a0, b0, c0, d0, a1, b1, c1, d1) do {                                 \
		x[a0] = ADD(x[a0], x[b0]); x[a1] = ADD(x[a1], x[b1]);             \
		x[d0] = ROT16(XOR(x[d0], x[a0])); x[d1] = ROT16(XOR(x[d1], x[a1])); \
		x[c0] = ADD(x[c0], x[d0]); x[c1] = ADD(x[c1], x[d1]);             \
		x[b0] = ROT12(XOR(x[b0], x[c0])); x[b1] = ROT12(XOR(x[b1], x[c1])); \
		x[a0] = ADD(x[a0], x[b0]); x[a1] = ADD(x[a1], x[b1]);             \
		x[d0] = ROT8(XOR(x[d0], x[a0])); x[d1] = ROT8(XOR(x[d1], x[a1]));  \
		x[c0] = ADD(x[c0], x[d0]); x[c1] = ADD(x[c1], x[d1]);             \
		x[b0] = ROT7(XOR(x[b0], x[c0])); x[b1] = ROT7(XOR(x[b1], x[c1]));  \
	} while (0)

/* The 8-block kernel; with pm != NULL it also absorbs 32 Poly1305 blocks
 * from pm, a few per double round, so the scalar multiplies overlap the
 * vector rounds (always inlined: pm is a constant in each caller). */
HZ_CRYPTO_TARGET("avx2")
static inline __attribute__((always_inline)) void avx2_8(uint8_t *out, const uint8_t *in,
	const uint32_t st[16], uint64_t h[3], const uint64_t r[2], const uint8_t *pm)
{
	const __m256i r16 = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
		2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
	const __m256i r8 = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
		3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
	volatile __m256i cm[4];
	__m256i x[16], t[16];
	uint64_t h0 = 0, h1 = 0, h2 = 0, r0 = 0, r1 = 0, s1 = 0;

	if (pm) {
		h0 = h[0];
		h1 = h[1];
		h2 = h[2];
		r0 = r[0];
		r1 = r[1];
		s1 = r1 + (r1 >> 2);
	}
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++)
		x[i] = _mm256_set1_epi32((int)st[i]);
	x[12] = _mm256_add_epi32(x[12], _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	/* 16 state vectors and a rotation temporary do not fit in 16 ymm
	 * registers. Rather than leave the spills to the compiler (which
	 * puts reloads on the critical path), two of the four c words live
	 * in cm at any time, swapped between pairs of quarter rounds when
	 * they are off the critical path. */
	cm[2] = x[10];
	cm[3] = x[11];
	for (int i = 0; i < 10; i++) {
		if (pm) {
			/* 4 + 4 + 8 * 3 = 32 blocks over the 10 double rounds */
			for (int j = 0; j < (i < 2 ? 4 : 3); j++) {
				HZ_POLY1305_BLOCK(h0, h1, h2, r0, r1, s1, pm, 1);
				pm += 16;
			}
		}
		QR2(0, 4, 8, 12, 1, 5, 9, 13);
		cm[0] = x[8];
		cm[1] = x[9];
		x[10] = cm[2];
		x[11] = cm[3];
		QR2(2, 6, 10, 14, 3, 7, 11, 15);
		QR2(0, 5, 10, 15, 1, 6, 11, 12);
		cm[2] = x[10];
		cm[3] = x[11];
		x[8] = cm[0];
		x[9] = cm[1];
		QR2(2, 7, 8, 13, 3, 4, 9, 14);
	}
	x[10] = cm[2];
	x[11] = cm[3];
	for (int i = 0; i < 4; i++)
		cm[i] = _mm256_setzero_si256();
	if (pm) {
		h[0] = h0;
		h[1] = h1;
		h[2] = h2;
	}
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++) {
		__m256i s = _mm256_set1_epi32((int)st[i]);

		if (i == 12)
			s = _mm256_add_epi32(s, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
		x[i] = _mm256_add_epi32(x[i], s);
	}
	/* Per 128-bit lane 4x4 transposes: t[4g + b] holds words 4g..4g+3 of
	 * block b (low lane) and block b + 4 (high lane). */
	_Pragma("GCC unroll 16")
	for (int g = 0; g < 4; g++) {
		__m256i a0 = _mm256_unpacklo_epi32(x[4 * g], x[4 * g + 1]);
		__m256i a1 = _mm256_unpacklo_epi32(x[4 * g + 2], x[4 * g + 3]);
		__m256i a2 = _mm256_unpackhi_epi32(x[4 * g], x[4 * g + 1]);
		__m256i a3 = _mm256_unpackhi_epi32(x[4 * g + 2], x[4 * g + 3]);

		t[4 * g + 0] = _mm256_unpacklo_epi64(a0, a1);
		t[4 * g + 1] = _mm256_unpackhi_epi64(a0, a1);
		t[4 * g + 2] = _mm256_unpacklo_epi64(a2, a3);
		t[4 * g + 3] = _mm256_unpackhi_epi64(a2, a3);
	}
	_Pragma("GCC unroll 16")
	for (int b = 0; b < 4; b++) {
		size_t o = 64 * (size_t)b, o4 = o + 256;

		out256(out + o, in ? in + o : NULL, _mm256_permute2x128_si256(t[b], t[4 + b], 0x20));
		out256(out + o + 32, in ? in + o + 32 : NULL,
			_mm256_permute2x128_si256(t[8 + b], t[12 + b], 0x20));
		out256(out + o4, in ? in + o4 : NULL, _mm256_permute2x128_si256(t[b], t[4 + b], 0x31));
		out256(out + o4 + 32, in ? in + o4 + 32 : NULL,
			_mm256_permute2x128_si256(t[8 + b], t[12 + b], 0x31));
	}
}

HZ_CRYPTO_TARGET("avx2")
void hz_crypto_chacha_avx2_8(uint8_t *out, const uint8_t *in, const uint32_t st[16])
{
	avx2_8(out, in, st, NULL, NULL, NULL);
}

HZ_CRYPTO_TARGET("avx2")
void hz_crypto_chacha_avx2_8_poly(uint8_t *out, const uint8_t *in, const uint32_t st[16], uint64_t h[3],
	const uint64_t r[2], const uint8_t *pm)
{
	avx2_8(out, in, st, h, r, pm);
}

#undef ADD
#undef XOR
#undef ROT16
#undef ROT8
#undef ROT12
#undef ROT7
#undef QR2

/* --- AVX-512F, 16 blocks -------------------------------------------------- */
#define ADD(a, b) _mm512_add_epi32(a, b)
#define XOR(a, b) _mm512_xor_si512(a, b)
#define ROT16(v) _mm512_rol_epi32(v, 16)
#define ROT8(v) _mm512_rol_epi32(v, 8)
#define ROT12(v) _mm512_rol_epi32(v, 12)
#define ROT7(v) _mm512_rol_epi32(v, 7)

HZ_CRYPTO_TARGET("avx512f")
static inline void out512(uint8_t *out, const uint8_t *in, __m512i v)
{
	if (in)
		v = _mm512_xor_si512(v, _mm512_loadu_si512((const void *)in));
	_mm512_storeu_si512((void *)out, v);
}

HZ_CRYPTO_TARGET("avx512f")
void hz_crypto_chacha_avx512_16(uint8_t *out, const uint8_t *in, const uint32_t st[16])
{
	const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m512i x[16], t[16];

	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++)
		x[i] = _mm512_set1_epi32((int)st[i]);
	x[12] = _mm512_add_epi32(x[12], lanes);
	for (int i = 0; i < 10; i++)
		DOUBLE_ROUND();
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++) {
		__m512i s = _mm512_set1_epi32((int)st[i]);

		if (i == 12)
			s = _mm512_add_epi32(s, lanes);
		x[i] = _mm512_add_epi32(x[i], s);
	}
	/* Per 128-bit lane 4x4 transposes: t[4g + b] holds words 4g..4g+3 of
	 * blocks b, b + 4, b + 8, b + 12 in its four lanes. */
	_Pragma("GCC unroll 16")
	for (int g = 0; g < 4; g++) {
		__m512i a0 = _mm512_unpacklo_epi32(x[4 * g], x[4 * g + 1]);
		__m512i a1 = _mm512_unpacklo_epi32(x[4 * g + 2], x[4 * g + 3]);
		__m512i a2 = _mm512_unpackhi_epi32(x[4 * g], x[4 * g + 1]);
		__m512i a3 = _mm512_unpackhi_epi32(x[4 * g + 2], x[4 * g + 3]);

		t[4 * g + 0] = _mm512_unpacklo_epi64(a0, a1);
		t[4 * g + 1] = _mm512_unpackhi_epi64(a0, a1);
		t[4 * g + 2] = _mm512_unpacklo_epi64(a2, a3);
		t[4 * g + 3] = _mm512_unpackhi_epi64(a2, a3);
	}
	/* Then a 4x4 transpose of 128-bit lanes across groups. */
	_Pragma("GCC unroll 16")
	for (int b = 0; b < 4; b++) {
		__m512i p = _mm512_shuffle_i32x4(t[b], t[4 + b], 0x44);
		__m512i q = _mm512_shuffle_i32x4(t[b], t[4 + b], 0xee);
		__m512i r = _mm512_shuffle_i32x4(t[8 + b], t[12 + b], 0x44);
		__m512i u = _mm512_shuffle_i32x4(t[8 + b], t[12 + b], 0xee);
		size_t o = 64 * (size_t)b;

		out512(out + o, in ? in + o : NULL, _mm512_shuffle_i32x4(p, r, 0x88));
		out512(out + o + 256, in ? in + o + 256 : NULL, _mm512_shuffle_i32x4(p, r, 0xdd));
		out512(out + o + 512, in ? in + o + 512 : NULL, _mm512_shuffle_i32x4(q, u, 0x88));
		out512(out + o + 768, in ? in + o + 768 : NULL, _mm512_shuffle_i32x4(q, u, 0xdd));
	}
}
#endif
