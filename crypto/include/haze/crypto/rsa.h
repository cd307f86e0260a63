/* haze crypto: RSA signatures, RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 8017
 * sections 8.1 and 8.2), verify and sign.
 *
 * Keys are views: the structs below point at big-endian byte strings the
 * caller owns, which must stay valid for the duration of the call only.
 * Leading zero bytes are allowed everywhere. Nothing is allocated; every
 * number lives in fixed-size stack buffers sized for 4096-bit moduli.
 *
 * Messages are passed as their digest (the caller hashes): digest_len must
 * be hz_crypto_hash_len(alg) for the alg given, else HZ_ERR_INVALID.
 *
 * Verification handles only public data and may take data-dependent time.
 * Signing runs in time that depends only on the lengths of the key
 * components (ctgrind-checked with p, q, dp, dq, qinv secret): CRT with
 * fixed-window Montgomery exponentiation whose table is read under masks,
 * the base blinded by a fresh random r^e (r drawn from rng, so two
 * signatures never share the exponentiation input), and the signature
 * checked against the public key (s^e == EM) before it is released, so a
 * fault during the computation cannot leak a prime.
 *
 * Speed: see crypto/src/rsa/README.md. Worst-case stack use (gcc
 * -fstack-usage, whole call chain): verify up to 7 KB, sign up to 20 KB
 * (two 16-entry window tables of 2048-bit numbers are 8 KB of it, plus two
 * Montgomery contexts and the multiplication scratch). */
#ifndef HAZE_CRYPTO_RSA_H
#define HAZE_CRYPTO_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "haze/crypto/hash.h"
#include "haze/crypto/drbg.h"

/* The largest modulus handled, in bits (and HZ_CRYPTO_RSA_MAX_BITS / 8
 * bytes: size signature buffers with it). */
#define HZ_CRYPTO_RSA_MAX_BITS 4096
#define HZ_CRYPTO_RSA_MAX_BYTES (HZ_CRYPTO_RSA_MAX_BITS / 8)
/* The smallest modulus accepted by verify and by sign, in bits. */
#define HZ_CRYPTO_RSA_MIN_VERIFY_BITS 1024
#define HZ_CRYPTO_RSA_MIN_SIGN_BITS 2048

/* For hz_crypto_rsa_pss_verify: the salt length is recovered from the
 * signature (RFC 8017 9.1.2 step 10 with any sLen). */
#define HZ_CRYPTO_RSA_PSS_SALT_ANY ((size_t)-1)

/* A public key (n, e). A valid one has n odd with 1024..4096 significant
 * bits and 3 <= e < n, e odd. */
struct hz_crypto_rsa_public {
	const uint8_t *n;
	size_t n_len;
	const uint8_t *e;
	size_t e_len;
};

/* A private key in CRT form (RFC 8017 3.2, second representation, two
 * primes): n = p q, dp = d mod (p-1), dq = d mod (q-1), qinv = q^-1 mod p.
 * n and e are public; the rest is secret and handled in constant time.
 * Signing needs n of 2048..4096 bits and each of p, q, qinv at most 256
 * bytes long (balanced primes); dp and dq at most 512 bytes. A key whose
 * parts do not fit together is caught by the final check (HZ_ERR_BAD_KEY). */
struct hz_crypto_rsa_private {
	const uint8_t *n, *e, *p, *q, *dp, *dq, *qinv;
	size_t n_len, e_len, p_len, q_len, dp_len, dq_len, qinv_len;
};

/* RSASSA-PKCS1-v1_5 verification (RFC 8017 8.2.2): sig_len must be the
 * modulus length k and s < n; EMSA-PKCS1-v1_5(digest) is re-encoded with
 * the DigestInfo of alg and compared whole with s^e mod n (nothing is
 * parsed, so no alternative encoding is accepted).
 * Returns HZ_OK, HZ_ERR_AUTH (the signature does not verify, including a
 * wrong length or s >= n), HZ_ERR_BAD_KEY (modulus outside 1024..4096
 * bits, even n, e < 3, even e or e >= n) or HZ_ERR_INVALID (unknown alg or
 * digest_len != hz_crypto_hash_len(alg)). Stack: up to 7 KB. */
int hz_crypto_rsa_pkcs1_verify(const struct hz_crypto_rsa_public *k, enum hz_crypto_hash_alg alg,
	const uint8_t *digest, size_t digest_len, const uint8_t *sig, size_t sig_len);

/* RSASSA-PSS verification (RFC 8017 8.1.2 and EMSA-PSS-VERIFY 9.1.2) with
 * hash alg for M' and MGF1 over mgf1_alg. salt_len is the expected salt
 * length, or HZ_CRYPTO_RSA_PSS_SALT_ANY to accept any. Same returns as
 * hz_crypto_rsa_pkcs1_verify (an inconsistent salt_len is HZ_ERR_AUTH, an
 * unknown mgf1_alg HZ_ERR_INVALID). Stack: up to 7 KB. */
int hz_crypto_rsa_pss_verify(const struct hz_crypto_rsa_public *k, enum hz_crypto_hash_alg alg,
	enum hz_crypto_hash_alg mgf1_alg, size_t salt_len, const uint8_t *digest, size_t digest_len,
	const uint8_t *sig, size_t sig_len);

/* RSASSA-PKCS1-v1_5 signature (RFC 8017 8.2.1) of digest into sig (sig_cap
 * bytes, at least the modulus length k). rng supplies the blinding value.
 * Returns k, or HZ_ERR_NO_SPACE (sig_cap < k), HZ_ERR_INVALID (alg or
 * digest_len), HZ_ERR_BAD_KEY (key outside the limits above, or the
 * result failed the s^e == EM check: an inconsistent key or a fault; sig
 * is then zeroed). sig must not overlap the key or digest. The signature
 * is deterministic (equal to any other correct implementation's).
 * Stack: up to 20 KB. */
int hz_crypto_rsa_pkcs1_sign(const struct hz_crypto_rsa_private *k, struct hz_crypto_drbg *rng,
	enum hz_crypto_hash_alg alg, const uint8_t *digest, size_t digest_len, uint8_t *sig,
	size_t sig_cap);

/* RSASSA-PSS signature (RFC 8017 8.1.1, EMSA-PSS-ENCODE 9.1.1) with a
 * random salt of salt_len bytes from rng (HZ_CRYPTO_RSA_PSS_SALT_ANY is
 * not allowed here; RFC 8446 and common practice use the digest length).
 * Returns k or the errors of hz_crypto_rsa_pkcs1_sign, and HZ_ERR_INVALID
 * when salt_len does not fit (emLen < hLen + salt_len + 2) or mgf1_alg is
 * unknown. Stack: up to 20 KB. */
int hz_crypto_rsa_pss_sign(const struct hz_crypto_rsa_private *k, struct hz_crypto_drbg *rng,
	enum hz_crypto_hash_alg alg, enum hz_crypto_hash_alg mgf1_alg, size_t salt_len,
	const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t sig_cap);

#endif
