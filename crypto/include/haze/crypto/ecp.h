/* haze crypto: NIST P-256 and P-384 (FIPS 186-5, SP 800-186, SEC 1 v2):
 * public-key derivation, point validation, ECDH, ECDSA with RFC 6979
 * deterministic nonces.
 *
 * Encodings are SEC 1 (v2, 2.3): scalars are big-endian, exactly
 * hz_crypto_ec_scalar_len() bytes; public points are 0x04 || X || Y
 * (uncompressed, 1 + 2 len bytes), and the validating functions also take
 * the compressed form 0x02/0x03 || X (1 + len bytes). The point at
 * infinity is never a valid public key.
 *
 * Everything that touches a private key or a nonce runs in constant time
 * (no secret-dependent branch or memory index; ctgrind-checked): also the
 * "is this private key in range" decision, so even the return code of a
 * function given a private key is computed without a branch. Verification
 * and point validation handle public data only and are variable time.
 * Nothing allocates; secret temporaries are wiped before returning.
 *
 * Worst-case stack use (gcc -O3 x86-64, -fstack-usage call graph; the
 * P-384 paths are the deep ones):
 *   hz_crypto_ec_public      about 4.8 KB (P-256 1.5 KB)
 *   hz_crypto_ecdh           about 6.6 KB (P-256 3.1 KB)
 *   hz_crypto_ecdsa_sign     about 6.9 KB (P-256 3.0 KB; the RFC 6979
 *                            HMAC calls sit beside the scalar
 *                            multiplication, not under it)
 *   hz_crypto_ecdsa_verify   about 6.6 KB
 *   hz_crypto_ec_check_public about 1.5 KB
 *
 * Every function is reentrant (no global state). Output buffers may not
 * overlap inputs unless stated. */
#ifndef HAZE_CRYPTO_ECP_H
#define HAZE_CRYPTO_ECP_H

#include <stddef.h>
#include <stdint.h>

#include "haze/crypto/hash.h"

enum hz_crypto_curve {
	HZ_CRYPTO_P256 = 1, /* secp256r1 / prime256v1, 32-byte scalars */
	HZ_CRYPTO_P384 = 2, /* secp384r1, 48-byte scalars */
};

/* Largest uncompressed public point (P-384: 1 + 2 * 48). */
#define HZ_CRYPTO_EC_MAX_PUB 97
/* Largest scalar / coordinate (P-384). */
#define HZ_CRYPTO_EC_MAX_SCALAR 48
/* Largest DER ECDSA signature (P-384: 30 66 02 31 00 r 02 31 00 s). */
#define HZ_CRYPTO_ECDSA_MAX_DER 104

/* Bytes in a scalar (private key, coordinate) of curve c: 32 for P-256,
 * 48 for P-384, 0 for an unknown curve. A public point is 1 + 2 * len
 * bytes, a fixed-format signature 2 * len, a DER signature at most
 * 2 * len + 8. */
size_t hz_crypto_ec_scalar_len(enum hz_crypto_curve c);

/* pub = priv * G as 0x04 || X || Y (1 + 2 len bytes). priv: len bytes,
 * big-endian, must satisfy 0 < priv < n.
 * Returns HZ_OK; HZ_ERR_BAD_KEY when priv is 0 or >= n (pub is then all
 * zeros); HZ_ERR_INVALID for an unknown curve. Constant time in priv. */
int hz_crypto_ec_public(enum hz_crypto_curve c, uint8_t *pub, const uint8_t *priv);

/* Validate a peer's public point (SEC 1 v2 3.2.2.1; cofactor 1): pub_len
 * must be 1 + 2 len (0x04) or 1 + len (0x02 / 0x03); coordinates must be
 * below p and the point on the curve. Returns HZ_OK, HZ_ERR_BAD_KEY, or
 * HZ_ERR_INVALID for an unknown curve. */
int hz_crypto_ec_check_public(enum hz_crypto_curve c, const uint8_t *pub, size_t pub_len);

/* ECDH (SEC 1 v2 3.3.1): shared = the x coordinate of priv * peer, len
 * bytes big-endian. peer is validated as by hz_crypto_ec_check_public
 * (uncompressed or compressed). shared may alias priv.
 * Returns HZ_OK; HZ_ERR_BAD_KEY for an invalid peer point or a private key
 * that is 0 or >= n (shared is then all zeros); HZ_ERR_INVALID for an
 * unknown curve. Constant time in priv. */
int hz_crypto_ecdh(enum hz_crypto_curve c, uint8_t *shared, const uint8_t *priv, const uint8_t *peer,
		   size_t peer_len);

enum hz_crypto_ecdsa_fmt {
	HZ_CRYPTO_ECDSA_FIXED = 0, /* r || s, 2 len bytes (IEEE P1363) */
	HZ_CRYPTO_ECDSA_DER = 1,   /* SEQUENCE { INTEGER r, INTEGER s }, strict DER */
};

/* ECDSA signature (SEC 1 v2 4.1.3) of a message digest, with the nonce of
 * RFC 6979 3.2 (HMAC with alg, which must be the hash that made digest).
 * digest: any length; it is truncated to the bit length of n (SEC 1
 * 4.1.3 step 5; RFC 6979 bits2int) and reduced mod n.
 * *sig_len: in, the capacity of sig; out, the signature length. The
 * capacity must be at least 2 len (FIXED) or 2 len + 8 (DER: 72 for P-256,
 * HZ_CRYPTO_ECDSA_MAX_DER for P-384, the worst case, so the encoder can
 * run in constant time; it writes up to that many bytes).
 * Returns HZ_OK; HZ_ERR_BAD_KEY when priv is 0 or >= n; HZ_ERR_NO_SPACE
 * for a small capacity; HZ_ERR_INVALID for an unknown curve, hash or
 * format. HZ_ERR_INTERNAL with probability below 2^-64: RFC 6979 asks to
 * retry when a candidate nonce is out of range or r or s is 0; haze
 * computes two candidates, always, and selects in constant time, and
 * reports this error instead of looping when neither works. On any error
 * the signature bytes are zero. Constant time in priv and the nonce. */
int hz_crypto_ecdsa_sign(enum hz_crypto_curve c, enum hz_crypto_hash_alg alg, uint8_t *sig,
			 size_t *sig_len, enum hz_crypto_ecdsa_fmt fmt, const uint8_t *priv,
			 const uint8_t *digest, size_t digest_len);

/* Verify an ECDSA signature (SEC 1 v2 4.1.4) over digest (truncated as in
 * signing) with the public point pub (uncompressed or compressed,
 * validated). FIXED signatures must be exactly 2 len bytes; DER ones strict
 * DER: definite minimal lengths, no trailing bytes, non-negative minimal
 * INTEGERs.
 * Returns HZ_OK when valid; HZ_ERR_AUTH when the signature does not verify
 * (including r or s equal to 0 or >= n); HZ_ERR_BAD_KEY for an invalid
 * public point; HZ_ERR_MALFORMED for a bad encoding (wrong FIXED length,
 * BER forms, negative or zero-padded integers, extra bytes);
 * HZ_ERR_INVALID for an unknown curve or format. */
int hz_crypto_ecdsa_verify(enum hz_crypto_curve c, const uint8_t *pub, size_t pub_len,
			   const uint8_t *digest, size_t digest_len, const uint8_t *sig,
			   size_t sig_len, enum hz_crypto_ecdsa_fmt fmt);

#endif
