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

#if HZ_CRYPTO_ACCEL
/* Kernels: exactly 4, 8 or 16 consecutive blocks from st (st is not
 * changed; word 12 advances by one per block modulo 2^32). in may be NULL
 * (keystream only). */
void hz_crypto_chacha_ssse3_4(uint8_t *out, const uint8_t *in, const uint32_t st[16]);
void hz_crypto_chacha_avx2_8(uint8_t *out, const uint8_t *in, const uint32_t st[16]);
void hz_crypto_chacha_avx512_16(uint8_t *out, const uint8_t *in, const uint32_t st[16]);

/* Poly1305 over nblocks (a multiple of 8, > 0) full 16-byte blocks with the
 * 2^128 bit, h in radix 2^64 updated in place; rp = r^1..r^8 radix 2^44
 * (limb-major: rp[3*i + k] is limb k of r^(i+1)). */
void hz_crypto_poly1305_ifma_blocks(uint64_t h[3], const uint64_t rp[24], const uint8_t *m, size_t nblocks);
#endif

#endif
