/* haze crypto: the CSPRNG.
 *
 * A ChaCha20 generator with fast key erasure: every request runs ChaCha20
 * under the current key, hands out keystream and replaces the key with the
 * next 32 bytes of that keystream, so a later compromise of the state does
 * not reveal earlier output. Entropy comes only from the shim's random
 * callback (getrandom, RDRAND, a test DRBG): 48 bytes at init and again at
 * every reseed, which happens on request and automatically after
 * HZ_CRYPTO_DRBG_RESEED_BYTES bytes of output. */
#ifndef HAZE_CRYPTO_DRBG_H
#define HAZE_CRYPTO_DRBG_H

#include <stddef.h>
#include <stdint.h>

struct hz_shim;

#define HZ_CRYPTO_DRBG_RESEED_BYTES (1u << 24)

struct hz_crypto_drbg {
	uint8_t key[32];
	uint8_t buf[256];          /* unused keystream, handed out first */
	uint32_t avail;            /* bytes left at the end of buf */
	uint64_t nonce;            /* per-refill ChaCha20 nonce counter */
	uint64_t since_reseed;     /* bytes generated since the last reseed */
	const struct hz_shim *shim;
};

/* Seed from shim->random, mixed with an optional personalisation string
 * (may be NULL/0). The shim must outlive d. */
void hz_crypto_drbg_init(struct hz_crypto_drbg *d, const struct hz_shim *shim,
	const void *personal, size_t personal_len);

/* Fill out with len random bytes (any len). */
void hz_crypto_drbg_generate(struct hz_crypto_drbg *d, void *out, size_t len);

/* Mix fresh shim entropy and optional extra input (may be NULL/0). */
void hz_crypto_drbg_reseed(struct hz_crypto_drbg *d, const void *extra, size_t extra_len);

/* Forget the state. */
void hz_crypto_drbg_wipe(struct hz_crypto_drbg *d);

#endif
