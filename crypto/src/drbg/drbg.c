/* The CSPRNG: ChaCha20 with fast key erasure (see drbg.h).
 *
 * A refill runs ChaCha20 under the current key over 32 + sizeof(buf)
 * bytes: the first 32 become the next key at once, the rest is handed
 * out and wiped as it goes. Seeding and reseeding hash the old key, 48
 * bytes from the shim and the caller's input with SHA-256, so a weak or
 * repeated shim output cannot make the state worse than it was. */
#include "../inner.h"

static void refill(struct hz_crypto_drbg *d)
{
	uint8_t block[32 + sizeof(d->buf)];
	uint8_t nonce[12] = { 0 };

	hz_crypto_st_le64(nonce + 4, d->nonce++);
	hz_crypto_chacha20(block, NULL, sizeof(block), d->key, nonce, 0);
	__builtin_memcpy(d->key, block, 32);
	__builtin_memcpy(d->buf, block + 32, sizeof(d->buf));
	d->avail = sizeof(d->buf);
	hz_crypto_wipe(block, sizeof(block));
}

static void mix(struct hz_crypto_drbg *d, const void *extra, size_t extra_len)
{
	struct hz_crypto_sha256 h;
	uint8_t fresh[48];

	hz_random(d->shim, fresh, sizeof(fresh));
	hz_crypto_sha256_init(&h);
	hz_crypto_sha256_update(&h, "haze drbg seed", 14);
	hz_crypto_sha256_update(&h, d->key, sizeof(d->key));
	hz_crypto_sha256_update(&h, fresh, sizeof(fresh));
	if (extra_len)
		hz_crypto_sha256_update(&h, extra, extra_len);
	hz_crypto_sha256_final(&h, d->key);
	hz_crypto_wipe(fresh, sizeof(fresh));
	hz_crypto_wipe(d->buf, sizeof(d->buf));
	d->avail = 0;
	d->since_reseed = 0;
}

void hz_crypto_drbg_init(struct hz_crypto_drbg *d, const struct hz_shim *shim,
	const void *personal, size_t personal_len)
{
	__builtin_memset(d, 0, sizeof(*d));
	d->shim = shim;
	mix(d, personal, personal_len);
}

void hz_crypto_drbg_reseed(struct hz_crypto_drbg *d, const void *extra, size_t extra_len)
{
	mix(d, extra, extra_len);
}

void hz_crypto_drbg_generate(struct hz_crypto_drbg *d, void *out, size_t len)
{
	uint8_t *o = out;

	while (len > 0) {
		if (d->since_reseed >= HZ_CRYPTO_DRBG_RESEED_BYTES)
			mix(d, NULL, 0);
		if (d->avail == 0)
			refill(d);
		size_t k = len < d->avail ? len : d->avail;
		uint8_t *src = d->buf + sizeof(d->buf) - d->avail;
		__builtin_memcpy(o, src, k);
		hz_crypto_wipe(src, k);
		d->avail -= (uint32_t)k;
		d->since_reseed += k;
		o += k;
		len -= k;
	}
}

void hz_crypto_drbg_wipe(struct hz_crypto_drbg *d)
{
	hz_crypto_wipe(d, sizeof(*d));
}
