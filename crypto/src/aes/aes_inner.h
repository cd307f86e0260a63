/* Private interface between the AES sources: the portable bitsliced core
 * (aes_ct.c), the x86 paths (aes_ni.c, aes_vaes.c) and the modes (aes.c).
 *
 * Field elements of GF(2^128) are kept as the 128-bit integer whose
 * big-endian byte string is the GCM block ("V domain"), stored low 64 bits
 * first: x[0] = be64(block + 8), x[1] = be64(block). Loading such a pair
 * into an xmm register gives the byte-reversed block, which is what
 * PCLMULQDQ wants. */
#ifndef HAZE_CRYPTO_AES_INNER_H
#define HAZE_CRYPTO_AES_INNER_H

#include "../inner.h"
#include "haze/crypto/aes.h"

enum {
	AES_PATH_CT = 0,    /* bitsliced AES, integer-multiply GHASH */
	AES_PATH_NI = 1,    /* AES-NI, PCLMULQDQ (128-bit registers) */
	AES_PATH_VAES = 2,  /* + VAES/VPCLMULQDQ on zmm (GCM bulk only) */
};

/* aes_ct.c */
/* Standard key expansion (FIPS 197 section 5.2) into rk (16 * (rounds+1)
 * bytes), the S-box evaluated bitsliced. Returns rounds, or 0 for a bad
 * key length. */
unsigned aes_expand_key(uint8_t rk[240], const uint8_t *key, size_t key_len);
/* Bitsliced round keys from rk. */
void aes_ct_schedule(uint64_t sk[120], const uint8_t *rk, unsigned rounds);
/* Four blocks (64 bytes) at once; out may equal in. */
void aes_ct_encrypt4(const uint64_t *sk, unsigned rounds, uint8_t out[64], const uint8_t in[64]);
void aes_ct_decrypt4(const uint64_t *sk, unsigned rounds, uint8_t out[64], const uint8_t in[64]);
/* y = (y ^ X_1) H ^ X_2) H ... over nblocks 16-byte blocks. */
void ghash_ct(uint64_t y[2], const uint64_t h[2], const uint8_t *data, size_t nblocks);
/* r = a * b in GF(2^128), V domain. */
void ghash_ct_mul(uint64_t r[2], const uint64_t a[2], const uint64_t b[2]);

#if HZ_CRYPTO_ACCEL
/* aes_ni.c. rk: the byte round keys from aes_expand_key. */
void aes_ni_schedule(uint64_t sk[120], const uint8_t *rk, unsigned rounds);
void aes_ni_encrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16]);
void aes_ni_decrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16]);
/* nblocks whole blocks, 128-bit big-endian counter, ctr advanced. */
void aes_ni_ctr(const struct hz_crypto_aes *a, uint8_t ctr[16], uint8_t *out, const uint8_t *in, size_t nblocks);
void aes_ni_cbc_encrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t nblocks);
void aes_ni_cbc_decrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t nblocks);
/* hp[0..n-1] = H^1..H^n from hp[0] = H. */
void ghash_ni_powers(uint64_t hp[][2], unsigned n);
/* GHASH over nblocks with hp = H^1..H^8. */
void ghash_ni(uint64_t y[2], const uint64_t hp[][2], const uint8_t *data, size_t nblocks);
/* GCM bulk: nblocks whole blocks with 32-bit counter starting at ctr
 * (big-endian in its last 4 bytes; advanced), GHASH of the ciphertext
 * folded into y. enc = 1 to seal, 0 to open. */
void gcm_ni_blocks(const struct hz_crypto_aes_gcm *g, uint8_t ctr[16], uint64_t y[2],
		   uint8_t *out, const uint8_t *in, size_t nblocks, int enc);
/* aes_vaes.c: the same on zmm registers; does the largest multiple of 16
 * blocks and returns how many blocks it did. */
size_t gcm_vaes_blocks(const struct hz_crypto_aes_gcm *g, uint8_t ctr[16], uint64_t y[2],
		       uint8_t *out, const uint8_t *in, size_t nblocks, int enc);
#endif

#endif
