/* haze crypto: ChaCha20, HChaCha20, Poly1305, the ChaCha20-Poly1305 AEAD
 * (RFC 8439), XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) and the SSH
 * construction chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305).
 *
 * Nothing here allocates. Every function runs in time that depends only on
 * the lengths, never on keys, nonces, plaintext or tags. Secret temporaries
 * are wiped before return. Accelerated paths (SSSE3 / AVX2 / AVX-512 for
 * ChaCha20, AVX-512 IFMA or AVX2 for Poly1305, AVX2 ChaCha20 stitched with
 * Poly1305 for seal on CPUs without AVX-512) are chosen per call from
 * hz_crypto_cpu_features() and give the same bytes as the portable code.
 *
 * Stack (measured with -fstack-usage, gcc -O3): ChaCha20 and Poly1305 stay
 * under 2.2 KB (a 1 KB keystream buffer for a partial last batch plus a
 * kernel frame of up to 1 KB), seal under 2.7 KB; the open functions under
 * 3.8 KB (another 1 KB buffer: a rejected ciphertext is never decrypted in
 * out). */
#ifndef HAZE_CRYPTO_CHACHA_H
#define HAZE_CRYPTO_CHACHA_H

#include <stddef.h>
#include <stdint.h>

#define HZ_CRYPTO_CHACHA20_KEY_LEN    32
#define HZ_CRYPTO_CHACHA20_NONCE_LEN  12 /* RFC 8439 */
#define HZ_CRYPTO_XCHACHA20_NONCE_LEN 24
#define HZ_CRYPTO_POLY1305_KEY_LEN    32
#define HZ_CRYPTO_POLY1305_TAG_LEN    16
#define HZ_CRYPTO_SSH_CHACHAPOLY_KEY_LEN 64

/* --- ChaCha20 ---------------------------------------------------------- */

/* RFC 8439 §2.4 ChaCha20: out = in XOR keystream(key, nonce) starting at
 * block `counter` (32-bit, the IETF layout: counter || 96-bit nonce).
 * in == NULL writes the bare keystream to out. out may equal in exactly
 * (partial overlap is not allowed). The block counter wraps modulo 2^32
 * without touching the nonce; a caller must not encrypt more than
 * 2^32 - counter blocks (256 GB) under one nonce, as RFC 8439 §2.4 says. */
void hz_crypto_chacha20(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
	const uint8_t nonce[12], uint32_t counter);

/* The original ChaCha20 (Bernstein; used by chacha20-poly1305@openssh.com):
 * 64-bit block counter in state words 12-13 and a 64-bit nonce in 14-15.
 * Same conventions as hz_crypto_chacha20; the counter wraps modulo 2^64. */
void hz_crypto_chacha20_djb(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
	const uint8_t nonce[8], uint64_t counter);

/* HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): a 32-byte subkey from key
 * and a 16-byte input. out may alias key or in. */
void hz_crypto_hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t in[16]);

/* --- Poly1305 (RFC 8439 §2.5) ------------------------------------------- */

/* Incremental Poly1305. A one-time key MUST NOT authenticate two messages.
 * The context is a complete type (may live on the stack); it holds the key,
 * so final wipes it. Fields are private. */
struct hz_crypto_poly1305 {
	uint64_t h[3];       /* accumulator, radix 2^64 */
	uint64_t r[2];       /* clamped r */
	uint64_t s[2];       /* the pad, added at the end */
	uint64_t rp[24];     /* r^1..r^8, radix 2^44, for the AVX-512 IFMA path */
	uint32_t rq[20];     /* r^1..r^4, radix 2^26, for the AVX2 path */
	uint8_t buf[16];     /* partial block */
	uint32_t buf_len;
	uint32_t rp_ready;   /* bit 0: rp computed, bit 1: rq computed */
};

/* Start a MAC with the 32-byte one-time key (r || s). */
void hz_crypto_poly1305_init(struct hz_crypto_poly1305 *p, const uint8_t key[32]);
/* Absorb len bytes; any split of a message gives the same tag. */
void hz_crypto_poly1305_update(struct hz_crypto_poly1305 *p, const void *data, size_t len);
/* Write the 16-byte tag and wipe *p (init again before reuse). */
void hz_crypto_poly1305_final(struct hz_crypto_poly1305 *p, uint8_t tag[16]);
/* One-shot: tag = Poly1305(key, msg). tag may alias msg or key. */
void hz_crypto_poly1305(uint8_t tag[16], const uint8_t key[32], const void *msg, size_t len);

/* --- ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) ------------------------------ */

/* Encrypt len bytes of in to out (out may equal in exactly) and write the
 * 16-byte tag over aad and the ciphertext. aad may be NULL when aad_len is
 * 0, in may be NULL when len is 0. A nonce MUST NOT repeat under a key.
 * len is limited to 2^38 - 64 bytes by RFC 8439 §2.8 (not checked). */
void hz_crypto_chacha20_poly1305_seal(uint8_t *out, uint8_t tag[16], const uint8_t key[32],
	const uint8_t nonce[12], const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len);

/* Verify tag over aad and the ciphertext in (constant time), and only then
 * decrypt into out (out may equal in exactly). Returns HZ_OK, or
 * HZ_ERR_AUTH with out zeroed (len bytes) when the tag does not match. */
int hz_crypto_chacha20_poly1305_open(uint8_t *out, const uint8_t key[32], const uint8_t nonce[12],
	const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[16]);

/* --- XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3) ---------------- */

/* As the RFC 8439 AEAD, with a 24-byte nonce: subkey = HChaCha20(key,
 * nonce[0..15]), then ChaCha20-Poly1305 with nonce 0^4 || nonce[16..23].
 * Random nonces are safe here. Same conventions and return codes. */
void hz_crypto_xchacha20_poly1305_seal(uint8_t *out, uint8_t tag[16], const uint8_t key[32],
	const uint8_t nonce[24], const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len);
int hz_crypto_xchacha20_poly1305_open(uint8_t *out, const uint8_t key[32], const uint8_t nonce[24],
	const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[16]);

/* --- chacha20-poly1305@openssh.com --------------------------------------- */

/* The SSH packet cipher of OpenSSH PROTOCOL.chacha20poly1305. The 64-byte
 * key from the SSH KDF splits into K_2 = key[0..31] (main_key: payload and
 * Poly1305 key) and K_1 = key[32..63] (header_key: the 4-byte packet
 * length). The nonce of both is the packet sequence number as a 64-bit
 * big-endian value (original ChaCha20 layout). The Poly1305 key is the first
 * 32 bytes of main_key's keystream block 0; the payload is encrypted from
 * block 1; the tag covers encrypted length || encrypted payload.
 * The context holds keys: wipe it with hz_crypto_ssh_chachapoly_wipe. */
struct hz_crypto_ssh_chachapoly {
	uint8_t main_key[32];   /* K_2 */
	uint8_t header_key[32]; /* K_1 */
};

void hz_crypto_ssh_chachapoly_init(struct hz_crypto_ssh_chachapoly *s, const uint8_t key[64]);

/* Decrypt (or encrypt: the same XOR) the 4-byte packet length of packet
 * seqnr, so the receiver learns how much to read before it has the whole
 * packet. The length is unauthenticated until open succeeds. out may alias
 * in. */
void hz_crypto_ssh_chachapoly_length(const struct hz_crypto_ssh_chachapoly *s, uint32_t seqnr,
	uint8_t out[4], const uint8_t in[4]);

/* Encrypt a packet: in = 4-byte length || payload (len >= 4 bytes in all),
 * out gets len bytes (out may equal in exactly), tag the 16-byte MAC. With
 * len < 4 nothing is written (a caller bug; checked, not undefined). */
void hz_crypto_ssh_chachapoly_seal(const struct hz_crypto_ssh_chachapoly *s, uint32_t seqnr,
	uint8_t *out, uint8_t tag[16], const uint8_t *in, size_t len);

/* Verify the tag over the len bytes of in (encrypted length || encrypted
 * payload) in constant time, then decrypt them all into out (out may equal
 * in exactly). Returns HZ_OK; HZ_ERR_AUTH with out zeroed on a bad tag;
 * HZ_ERR_INVALID when len < 4. */
int hz_crypto_ssh_chachapoly_open(const struct hz_crypto_ssh_chachapoly *s, uint32_t seqnr,
	uint8_t *out, const uint8_t *in, size_t len, const uint8_t tag[16]);

void hz_crypto_ssh_chachapoly_wipe(struct hz_crypto_ssh_chachapoly *s);

#endif
