/* haze crypto: AES-128/192/256 (FIPS 197), CTR and CBC (NIST SP 800-38A),
 * GHASH and AES-GCM (NIST SP 800-38D).
 *
 * Two implementations, chosen at init time from hz_crypto_cpu_features():
 *  - portable: bitsliced AES (four blocks per pass through a Boyar-Peralta
 *    S-box circuit) and GHASH by integer multiplication with masked-out
 *    "holes". No table lookup and no branch depends on a key, plaintext or
 *    hash value.
 *  - x86-64: AES-NI with PCLMULQDQ (needs AESNI, PCLMUL, SSSE3, SSE4.1);
 *    GCM additionally uses VAES + VPCLMULQDQ on 512-bit registers when the
 *    CPU has AVX-512F/VL/BW, VAES and VPCLMULQDQ.
 * A context keeps the path it chose at init (hz_crypto_cpu_restrict later
 * does not change it). Both paths give identical results.
 *
 * Every context is plain data owned by the caller (stack or static),
 * nothing is allocated and there is nothing to free; a context may be
 * copied by assignment. The _wipe functions zero a context. Input
 * pointers may be NULL when their length is 0. Stack use: GCM seal/open
 * on the VAES path about 1.1 KB, every other function below 1 KB. Errors
 * are core's enum hz_err values. */
#ifndef HAZE_CRYPTO_AES_H
#define HAZE_CRYPTO_AES_H

#include <stddef.h>
#include <stdint.h>

#define HZ_CRYPTO_AES_BLOCK 16
#define HZ_CRYPTO_AES_GCM_TAG 16

/* An expanded AES key: encryption and decryption round keys, the round
 * count and the path chosen at init. Fields are private. The portable path
 * keeps (rounds + 1) x 8 bitsliced words in rk; AES-NI keeps the
 * encryption round keys in rk[0..] and the decryption (InvMixColumns'd,
 * reversed) round keys in rk[60..], two words per round key. */
struct hz_crypto_aes {
	uint64_t rk[120];
	uint32_t rounds;    /* 10, 12 or 14 */
	uint32_t path;
};

/* Expand key (key_len 16, 24 or 32 bytes) into a. Returns HZ_OK, or
 * HZ_ERR_INVALID for any other length (a is then zeroed). The key buffer
 * is not referenced after the call. */
int hz_crypto_aes_init(struct hz_crypto_aes *a, const uint8_t *key, size_t key_len);

/* One block (FIPS 197 section 5.1 Cipher, 5.3 InvCipher). out may equal
 * in. */
void hz_crypto_aes_encrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16]);
void hz_crypto_aes_decrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16]);

/* CTR mode (SP 800-38A 6.5) with a 128-bit big-endian counter that wraps
 * modulo 2^128, as SSH's aes*-ctr uses it (RFC 4344 section 4): block i of
 * the key stream is E(ctr + i). ctr is advanced past every key-stream block
 * used, including a partly used last one. len may be anything, but when it
 * is not a multiple of 16 the rest of that last key-stream block is
 * discarded, so such a call must be the last one for this stream. out may
 * equal in (in place); partial overlap is not allowed. */
void hz_crypto_aes_ctr(const struct hz_crypto_aes *a, uint8_t ctr[16], uint8_t *out, const uint8_t *in, size_t len);

/* CBC mode (SP 800-38A 6.2) without padding (the caller, e.g. SSH or a TLS
 * record layer, pads and checks padding). len must be a multiple of 16,
 * else HZ_ERR_INVALID and nothing is written. iv is replaced by the last
 * ciphertext block, so consecutive calls chain. out may equal in; partial
 * overlap is not allowed. Returns HZ_OK. */
int hz_crypto_aes_cbc_encrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t len);
int hz_crypto_aes_cbc_decrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t len);

/* GHASH (SP 800-38D section 6.4) keyed with the 16-byte hash subkey h.
 * Fields are private: y is the running value, h holds H^1..H^8 as 128-bit
 * integers of the byte-reversed field elements (low word first). */
struct hz_crypto_ghash {
	uint64_t y[2];
	uint64_t h[8][2];
	uint32_t path;
};

/* Start a GHASH with hash subkey h (not referenced after the call). */
void hz_crypto_ghash_init(struct hz_crypto_ghash *g, const uint8_t h[16]);
/* Absorb len bytes. A trailing partial block is zero-padded and absorbed
 * now, so each call starts a fresh block: pass AAD and ciphertext in
 * separate calls, and split a field across calls only at multiples of 16. */
void hz_crypto_ghash_update(struct hz_crypto_ghash *g, const void *data, size_t len);
/* Write the running GHASH value (no length block is added: absorb
 * len(A) || len(C) yourself when computing a GCM tag) and wipe g. */
void hz_crypto_ghash_final(struct hz_crypto_ghash *g, uint8_t out[16]);

/* An AES-GCM key: the AES key and H = E_K(0^128) with its powers
 * H^1..H^16 (same layout as struct hz_crypto_ghash). Fields are private. */
struct hz_crypto_aes_gcm {
	struct hz_crypto_aes aes;
	uint64_t h[16][2];
	uint32_t path;
};

/* Expand an AES-GCM key (key_len 16, 24 or 32, else HZ_ERR_INVALID and g
 * zeroed). The context holds no per-message state: one key may seal and
 * open any number of messages (from several threads). */
int hz_crypto_aes_gcm_init(struct hz_crypto_aes_gcm *g, const uint8_t *key, size_t key_len);

/* GCM authenticated encryption (SP 800-38D section 7.1). Writes len bytes
 * of ciphertext to out and tag_len bytes of tag to tag.
 *  - iv_len >= 1. 12 bytes is the recommended (and fast) case; any other
 *    length goes through GHASH as the standard says (section 7.1 step 2).
 *  - tag_len 12..16, or 4 or 8. SP 800-38D Appendix C allows 4- and 8-byte
 *    tags only for protocols that bound message lengths and the number of
 *    forgery attempts; the caller is responsible for that. Any other
 *    tag_len returns HZ_ERR_INVALID.
 *  - len < 2^36 - 32 bytes and aad_len < 2^61 (the standard's limits),
 *    else HZ_ERR_INVALID.
 * out may equal in; partial overlap is not allowed; tag must not overlap
 * out. The caller must never reuse an iv with the same key.
 * Returns HZ_OK or HZ_ERR_INVALID (then nothing is written). */
int hz_crypto_aes_gcm_seal(const struct hz_crypto_aes_gcm *g, uint8_t *out, uint8_t *tag, size_t tag_len,
			   const uint8_t *iv, size_t iv_len, const uint8_t *aad, size_t aad_len,
			   const uint8_t *in, size_t len);

/* GCM authenticated decryption (section 7.2): checks the tag_len-byte tag
 * over aad and the len bytes of ciphertext in (constant-time compare) and
 * writes the plaintext to out. Same iv_len / tag_len / length rules as
 * seal. Returns HZ_OK; HZ_ERR_AUTH when the tag does not verify, with out
 * zeroed (no unverified plaintext is released); HZ_ERR_INVALID for bad
 * lengths (nothing written). out may equal in; partial overlap is not
 * allowed. */
int hz_crypto_aes_gcm_open(const struct hz_crypto_aes_gcm *g, uint8_t *out,
			   const uint8_t *iv, size_t iv_len, const uint8_t *aad, size_t aad_len,
			   const uint8_t *in, size_t len, const uint8_t *tag, size_t tag_len);

/* Zero a key context. */
void hz_crypto_aes_wipe(struct hz_crypto_aes *a);
void hz_crypto_aes_gcm_wipe(struct hz_crypto_aes_gcm *g);

#endif
