/* Private to the chacha area: the ChaCha20 state walker and the per-path
 * kernels it dispatches to. */
#ifndef HAZE_CRYPTO_CHACHA_INNER_H
#define HAZE_CRYPTO_CHACHA_INNER_H

#include "../inner.h"

/* ChaCha20 over a 16-word input state (RFC 8439 §2.3): constants, key,
 * then words 12..15. ctr64 = 1 makes words 12-13 one 64-bit counter (the
 * original layout), else word 12 alone counts and wraps. st[12..13] are
 * advanced past the blocks used. in == NULL writes keystream. */
void hz_crypto_chacha_walk(uint32_t st[16], uint8_t *out, const uint8_t *in, size_t len, int ctr64);

/* Set up st from key, words 12..15 filled by the caller. */
void hz_crypto_chacha_setup(uint32_t st[16], const uint8_t key[32]);

/* The quarter round of §2.1 on v[0..3] (for the §2.1.1 test). */
void hz_crypto_chacha_quarter_round(uint32_t v[4]);

/* One Poly1305 block (RFC 8439 §2.5): h = (h + m) * r mod 2^130 - 5 in
 * radix 2^64, h0..h2 and r0, r1, s1 = r1 + r1 / 4 plain uint64_t
 * variables, m 16 bytes, hibit the 2^128 bit (1 for full blocks). r is
 * clamped, so r1 is a multiple of 4 and h1 * r1 * 2^128 equals
 * h1 * (r1 / 4) * 2^130 = 5 * h1 * (r1 / 4): s1 folds it. The result is
 * partly reduced: h2 stays at most 4. Shared by the scalar code and the
 * stitched AVX2 ChaCha20 kernel. */
__extension__ typedef unsigned __int128 hz_crypto_u128;
#define HZ_POLY1305_BLOCK(h0, h1, h2, r0, r1, s1, m, hibit) do {                  \
		hz_crypto_u128 d0_, d1_, t_;                                       \
		uint64_t d2_, c_;                                                  \
		t_ = (hz_crypto_u128)(h0) + hz_crypto_le64(m);                     \
		h0 = (uint64_t)t_;                                                 \
		t_ = (hz_crypto_u128)(h1) + hz_crypto_le64((m) + 8) + (uint64_t)(t_ >> 64); \
		h1 = (uint64_t)t_;                                                 \
		h2 += (uint64_t)(t_ >> 64) + (hibit);                              \
		d0_ = (hz_crypto_u128)(h0) * (r0) + (hz_crypto_u128)(h1) * (s1);   \
		d1_ = (hz_crypto_u128)(h0) * (r1) + (hz_crypto_u128)(h1) * (r0) +  \
			(hz_crypto_u128)(h2) * (s1);                               \
		d2_ = (h2) * (r0);                                                 \
		h0 = (uint64_t)d0_;                                                \
		d1_ += (uint64_t)(d0_ >> 64);                                      \
		h1 = (uint64_t)d1_;                                                \
		d2_ += (uint64_t)(d1_ >> 64);                                      \
		/* Bits from 2^130 up come back times 5. */                        \
		c_ = (d2_ >> 2) + (d2_ & ~(uint64_t)3);                            \
		h2 = d2_ & 3;                                                      \
		t_ = (hz_crypto_u128)(h0) + c_;                                    \
		h0 = (uint64_t)t_;                                                 \
		t_ = (hz_crypto_u128)(h1) + (uint64_t)(t_ >> 64);                  \
		h1 = (uint64_t)t_;                                                 \
		h2 += (uint64_t)(t_ >> 64);                                        \
	} while (0)

#if HZ_CRYPTO_ACCEL
/* Kernels: exactly 4, 8 or 16 consecutive blocks from st (st is not
 * changed; word 12 advances by one per block modulo 2^32). in may be NULL
 * (keystream only). */
void hz_crypto_chacha_ssse3_4(uint8_t *out, const uint8_t *in, const uint32_t st[16]);
void hz_crypto_chacha_sse2_4(uint8_t *out, const uint8_t *in, const uint32_t st[16]);
void hz_crypto_chacha_avx2_8(uint8_t *out, const uint8_t *in, const uint32_t st[16]);
/* The AVX2 kernel stitched with scalar Poly1305: 8 ChaCha20 blocks as
 * above while absorbing the 32 full Poly1305 blocks at pm (512 bytes, with
 * the 2^128 bit) into h (radix 2^64, as in struct hz_crypto_poly1305) with
 * the clamped r. The scalar multiplies run on the integer units while the
 * vector units do ChaCha20. pm must not overlap this call's out. */
void hz_crypto_chacha_avx2_8_poly(uint8_t *out, const uint8_t *in, const uint32_t st[16], uint64_t h[3],
	const uint64_t r[2], const uint8_t *pm);
void hz_crypto_chacha_avx512_16(uint8_t *out, const uint8_t *in, const uint32_t st[16]);

/* Poly1305 over nblocks (a multiple of 8, > 0) full 16-byte blocks with the
 * 2^128 bit, h in radix 2^64 updated in place; rp = r^1..r^8 radix 2^44
 * (limb-major: rp[3*i + k] is limb k of r^(i+1)). */
void hz_crypto_poly1305_ifma_blocks(uint64_t h[3], const uint64_t rp[24], const uint8_t *m, size_t nblocks);

/* The same with AVX2 for nblocks a multiple of 4 (> 0); rq = r^1..r^4 in
 * radix 2^26 (rq[5*i + k] is limb k of r^(i+1), each below 2^26 + 2). */
void hz_crypto_poly1305_avx2_blocks(uint64_t h[3], const uint32_t rq[20], const uint8_t *m, size_t nblocks);
#endif

#endif
