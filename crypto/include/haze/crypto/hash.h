/* haze crypto: SHA-256, SHA-384, SHA-512 (FIPS 180-4), HMAC (RFC 2104),
 * HKDF (RFC 5869) and the TLS 1.2 PRF (RFC 5246 section 5).
 *
 * Everything here is allocation-free and runs in time that depends only on
 * the lengths passed in, never on the bytes hashed or on key bytes. Every
 * context is plain data owned by the caller (stack or static); there is
 * nothing to free. A context may be copied by assignment to fork a running
 * hash or to reuse a keyed HMAC for several messages. The _final functions
 * wipe the context; call _init again before reusing it.
 *
 * Input pointers may be NULL when their length is 0. Unless a function
 * says otherwise, an output may alias an input only when both are the same
 * complete buffer in the one-shot functions (the input is read in full
 * before the output is written), and never for the KDFs.
 *
 * SHA-256 uses the x86 SHA extensions when hz_crypto_cpu_features() has
 * SHANI, SSSE3 and SSE4.1; SHA-384/512 compute the message schedule with
 * AVX2 when it has AVX2 and BMI2. The path is chosen on every call;
 * otherwise (and in a -Dcrypto_portable=true build) portable C runs.
 * Worst-case stack use, callees included, is about 3 KB (HKDF-Expand or
 * the TLS PRF with SHA-384/512); the hashes alone use under 1 KB. */
#ifndef HAZE_CRYPTO_HASH_H
#define HAZE_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The hash functions. The values are stable (tests and tables use them). */
enum hz_crypto_hash_alg {
	HZ_CRYPTO_SHA256 = 1,
	HZ_CRYPTO_SHA384 = 2,
	HZ_CRYPTO_SHA512 = 3,
};

#define HZ_CRYPTO_SHA256_LEN 32
#define HZ_CRYPTO_SHA384_LEN 48
#define HZ_CRYPTO_SHA512_LEN 64
#define HZ_CRYPTO_SHA256_BLOCK 64
#define HZ_CRYPTO_SHA512_BLOCK 128
/* The largest digest and block of any hz_crypto_hash_alg: size buffers. */
#define HZ_CRYPTO_HASH_MAX_LEN 64
#define HZ_CRYPTO_HASH_MAX_BLOCK 128

/* A running SHA-256. Plain data: copy it by assignment to fork a hash
 * (e.g. the TLS handshake transcript). Fields are private. */
struct hz_crypto_sha256 {
	uint32_t h[8];      /* chaining value */
	uint64_t count;     /* bytes hashed so far */
	uint8_t buf[64];    /* the partial block: count % 64 bytes */
};

/* A running SHA-512 or SHA-384 (same state, different IV and output
 * length). Plain data like struct hz_crypto_sha256. */
struct hz_crypto_sha512 {
	uint64_t h[8];
	uint64_t count;     /* bytes hashed so far (2^64 bytes is plenty) */
	uint8_t buf[128];   /* the partial block: count % 128 bytes */
};

/* SHA-256 (FIPS 180-4 6.2). init sets the IV; update absorbs len bytes
 * (any length, any number of calls); final writes the 32-byte digest and
 * wipes c. out must not overlap c. */
void hz_crypto_sha256_init(struct hz_crypto_sha256 *c);
void hz_crypto_sha256_update(struct hz_crypto_sha256 *c, const void *data, size_t len);
void hz_crypto_sha256_final(struct hz_crypto_sha256 *c, uint8_t out[32]);
/* One-shot SHA-256 of data[0..len). out may alias data. */
void hz_crypto_sha256(uint8_t out[32], const void *data, size_t len);

/* SHA-384 (FIPS 180-4 6.5) on a struct hz_crypto_sha512: the SHA-512
 * compression with its own IV, truncated to 48 bytes. A context started
 * with sha384_init must be finished with sha384_final. */
void hz_crypto_sha384_init(struct hz_crypto_sha512 *c);
void hz_crypto_sha384_update(struct hz_crypto_sha512 *c, const void *data, size_t len);
void hz_crypto_sha384_final(struct hz_crypto_sha512 *c, uint8_t out[48]);
void hz_crypto_sha384(uint8_t out[48], const void *data, size_t len);

/* SHA-512 (FIPS 180-4 6.4), same contract as SHA-256 with 64-byte output. */
void hz_crypto_sha512_init(struct hz_crypto_sha512 *c);
void hz_crypto_sha512_update(struct hz_crypto_sha512 *c, const void *data, size_t len);
void hz_crypto_sha512_final(struct hz_crypto_sha512 *c, uint8_t out[64]);
void hz_crypto_sha512(uint8_t out[64], const void *data, size_t len);

/* Digest length of alg in bytes (32, 48, 64), 0 for an unknown alg. */
size_t hz_crypto_hash_len(enum hz_crypto_hash_alg alg);
/* Block length of alg in bytes (64 for SHA-256, 128 for SHA-384/512), 0
 * for an unknown alg. */
size_t hz_crypto_hash_block_len(enum hz_crypto_hash_alg alg);

/* A hash chosen at run time. Plain data, may be copied by assignment. */
struct hz_crypto_hash {
	enum hz_crypto_hash_alg alg;
	union {
		struct hz_crypto_sha256 s256;
		struct hz_crypto_sha512 s512;
	} u;
};

/* Start a hash of kind alg. HZ_OK, or HZ_ERR_INVALID for an unknown alg
 * (then h is left unusable: update and final do nothing). */
int hz_crypto_hash_init(struct hz_crypto_hash *h, enum hz_crypto_hash_alg alg);
void hz_crypto_hash_update(struct hz_crypto_hash *h, const void *data, size_t len);
/* Write hz_crypto_hash_len(h->alg) bytes to out and wipe h. */
void hz_crypto_hash_final(struct hz_crypto_hash *h, uint8_t *out);
/* One-shot: out gets hz_crypto_hash_len(alg) bytes; out may alias data.
 * HZ_OK or HZ_ERR_INVALID (unknown alg; out untouched). */
int hz_crypto_hash(enum hz_crypto_hash_alg alg, uint8_t *out, const void *data, size_t len);

/* HMAC (RFC 2104) over any hz_crypto_hash_alg: the inner and outer hashes
 * with the padded key already absorbed. Holds key-derived secrets; final
 * wipes it, and a context that is dropped unfinished should be wiped with
 * hz_crypto_wipe. A keyed context may be copied by assignment to MAC
 * several messages with one key setup. */
struct hz_crypto_hmac {
	struct hz_crypto_hash inner, outer;
};

/* Key m for alg. Keys longer than the block are hashed first (RFC 2104
 * section 2); any key_len, including 0, is allowed. HZ_OK or
 * HZ_ERR_INVALID (unknown alg). key may be wiped by the caller afterwards:
 * m keeps no pointer to it. */
int hz_crypto_hmac_init(struct hz_crypto_hmac *m, enum hz_crypto_hash_alg alg, const void *key, size_t key_len);
void hz_crypto_hmac_update(struct hz_crypto_hmac *m, const void *data, size_t len);
/* Write the hz_crypto_hash_len(alg)-byte tag to out and wipe m. To send a
 * truncated tag, compute the full one and use its prefix; compare tags
 * with hz_crypto_ct_eq. */
void hz_crypto_hmac_final(struct hz_crypto_hmac *m, uint8_t *out);
/* One-shot HMAC. out may alias key or data. HZ_OK or HZ_ERR_INVALID. */
int hz_crypto_hmac(enum hz_crypto_hash_alg alg, uint8_t *out, const void *key, size_t key_len,
		   const void *data, size_t len);

/* HKDF-Extract (RFC 5869 2.2): prk (hash_len bytes) = HMAC(salt, ikm).
 * A NULL salt (or salt_len 0) means hash_len zero bytes, which gives the
 * same result. prk may alias salt or ikm. HZ_OK or HZ_ERR_INVALID. */
int hz_crypto_hkdf_extract(enum hz_crypto_hash_alg alg, uint8_t *prk, const void *salt, size_t salt_len,
			   const void *ikm, size_t ikm_len);
/* HKDF-Expand (RFC 5869 2.3): out_len bytes of T(1) || T(2) || ... with
 * T(i) = HMAC(prk, T(i-1) || info || i). HZ_ERR_INVALID when out_len >
 * 255 * hash_len, prk_len < hash_len (2.3 requires "at least HashLen") or
 * alg is unknown; out is untouched then. out must not overlap prk or
 * info. out_len 0 is allowed (out may be NULL). */
int hz_crypto_hkdf_expand(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const void *prk,
			  size_t prk_len, const void *info, size_t info_len);
/* Extract then Expand (RFC 5869 section 2). The PRK is wiped. Same errors
 * as hz_crypto_hkdf_expand; out must not overlap the inputs. */
int hz_crypto_hkdf(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const void *salt,
		   size_t salt_len, const void *ikm, size_t ikm_len, const void *info, size_t info_len);

/* TLS 1.2 PRF (RFC 5246 section 5): out_len bytes of
 * P_hash(secret, label || seed) with A(0) = label || seed,
 * A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) || label || seed)
 * ... TLS 1.2 uses SHA-256 or the suite's hash (SHA-384). Any out_len and
 * secret_len are allowed. out must not overlap the inputs. HZ_OK or
 * HZ_ERR_INVALID (unknown alg). */
int hz_crypto_tls12_prf(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const void *secret,
			size_t secret_len, const void *label, size_t label_len, const void *seed,
			size_t seed_len);

#endif
