/* Hash chosen at run time, HMAC (RFC 2104), HKDF (RFC 5869) and the
 * TLS 1.2 PRF (RFC 5246 section 5). */
#include "hash_inner.h"

size_t hz_crypto_hash_len(enum hz_crypto_hash_alg alg)
{
	switch (alg) {
	case HZ_CRYPTO_SHA256:
		return HZ_CRYPTO_SHA256_LEN;
	case HZ_CRYPTO_SHA384:
		return HZ_CRYPTO_SHA384_LEN;
	case HZ_CRYPTO_SHA512:
		return HZ_CRYPTO_SHA512_LEN;
	}
	return 0;
}

size_t hz_crypto_hash_block_len(enum hz_crypto_hash_alg alg)
{
	switch (alg) {
	case HZ_CRYPTO_SHA256:
		return HZ_CRYPTO_SHA256_BLOCK;
	case HZ_CRYPTO_SHA384:
	case HZ_CRYPTO_SHA512:
		return HZ_CRYPTO_SHA512_BLOCK;
	}
	return 0;
}

int hz_crypto_hash_init(struct hz_crypto_hash *h, enum hz_crypto_hash_alg alg)
{
	h->alg = alg;
	switch (alg) {
	case HZ_CRYPTO_SHA256:
		hz_crypto_sha256_init(&h->u.s256);
		return HZ_OK;
	case HZ_CRYPTO_SHA384:
		hz_crypto_sha384_init(&h->u.s512);
		return HZ_OK;
	case HZ_CRYPTO_SHA512:
		hz_crypto_sha512_init(&h->u.s512);
		return HZ_OK;
	}
	/* 0 is no alg: later update/final calls do nothing. */
	h->alg = (enum hz_crypto_hash_alg)0;
	return HZ_ERR_INVALID;
}

void hz_crypto_hash_update(struct hz_crypto_hash *h, const void *data, size_t len)
{
	switch (h->alg) {
	case HZ_CRYPTO_SHA256:
		hz_crypto_sha256_update(&h->u.s256, data, len);
		break;
	case HZ_CRYPTO_SHA384:
	case HZ_CRYPTO_SHA512:
		hz_crypto_sha512_update(&h->u.s512, data, len);
		break;
	}
}

void hz_crypto_hash_final(struct hz_crypto_hash *h, uint8_t *out)
{
	switch (h->alg) {
	case HZ_CRYPTO_SHA256:
		hz_crypto_sha256_final(&h->u.s256, out);
		break;
	case HZ_CRYPTO_SHA384:
		hz_crypto_sha384_final(&h->u.s512, out);
		break;
	case HZ_CRYPTO_SHA512:
		hz_crypto_sha512_final(&h->u.s512, out);
		break;
	}
	hz_crypto_wipe(h, sizeof(*h));
}

int hz_crypto_hash(enum hz_crypto_hash_alg alg, uint8_t *out, const void *data, size_t len)
{
	struct hz_crypto_hash h;

	if (hz_crypto_hash_init(&h, alg) != HZ_OK)
		return HZ_ERR_INVALID;
	hz_crypto_hash_update(&h, data, len);
	hz_crypto_hash_final(&h, out);
	return HZ_OK;
}

int hz_crypto_hmac_init(struct hz_crypto_hmac *m, enum hz_crypto_hash_alg alg, const void *key, size_t key_len)
{
	uint8_t kb[HZ_CRYPTO_HASH_MAX_BLOCK];
	size_t bl = hz_crypto_hash_block_len(alg);

	if (bl == 0) {
		hz_crypto_wipe(m, sizeof(*m));
		return HZ_ERR_INVALID;
	}
	/* RFC 2104 section 2: K hashed when longer than B, then zero-padded
	 * to B. The lengths are public, so these branches are too. */
	__builtin_memset(kb, 0, sizeof(kb));
	if (key_len > bl)
		hz_crypto_hash(alg, kb, key, key_len);
	else if (key_len)
		__builtin_memcpy(kb, key, key_len);
	for (size_t i = 0; i < bl; i++)
		kb[i] ^= 0x36;
	hz_crypto_hash_init(&m->inner, alg);
	hz_crypto_hash_update(&m->inner, kb, bl);
	/* 0x36 ^ 0x5c turns ipad into opad in place. */
	for (size_t i = 0; i < bl; i++)
		kb[i] ^= 0x36 ^ 0x5c;
	hz_crypto_hash_init(&m->outer, alg);
	hz_crypto_hash_update(&m->outer, kb, bl);
	hz_crypto_wipe(kb, sizeof(kb));
	return HZ_OK;
}

void hz_crypto_hmac_update(struct hz_crypto_hmac *m, const void *data, size_t len)
{
	hz_crypto_hash_update(&m->inner, data, len);
}

void hz_crypto_hmac_final(struct hz_crypto_hmac *m, uint8_t *out)
{
	uint8_t t[HZ_CRYPTO_HASH_MAX_LEN];
	size_t hl = hz_crypto_hash_len(m->outer.alg);

	if (hl) {
		hz_crypto_hash_final(&m->inner, t);
		hz_crypto_hash_update(&m->outer, t, hl);
		hz_crypto_hash_final(&m->outer, out);
		hz_crypto_wipe(t, sizeof(t));
	}
	hz_crypto_wipe(m, sizeof(*m));
}

int hz_crypto_hmac(enum hz_crypto_hash_alg alg, uint8_t *out, const void *key, size_t key_len,
		   const void *data, size_t len)
{
	struct hz_crypto_hmac m;

	if (hz_crypto_hmac_init(&m, alg, key, key_len) != HZ_OK)
		return HZ_ERR_INVALID;
	hz_crypto_hmac_update(&m, data, len);
	hz_crypto_hmac_final(&m, out);
	return HZ_OK;
}

int hz_crypto_hkdf_extract(enum hz_crypto_hash_alg alg, uint8_t *prk, const void *salt, size_t salt_len,
			   const void *ikm, size_t ikm_len)
{
	/* 2.2: an absent salt is HashLen zeros, and HMAC pads a short key
	 * with zeros anyway, so an empty key gives the same PRK. */
	if (salt == NULL)
		salt_len = 0;
	return hz_crypto_hmac(alg, prk, salt, salt_len, ikm, ikm_len);
}

int hz_crypto_hkdf_expand(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const void *prk,
			  size_t prk_len, const void *info, size_t info_len)
{
	struct hz_crypto_hmac key, m;
	uint8_t t[HZ_CRYPTO_HASH_MAX_LEN];
	size_t hl = hz_crypto_hash_len(alg);
	uint8_t ctr = 0;

	/* 2.3: L <= 255*HashLen (the counter is one octet), PRK at least
	 * HashLen octets. */
	if (hl == 0 || out_len > 255 * hl || prk_len < hl)
		return HZ_ERR_INVALID;
	hz_crypto_hmac_init(&key, alg, prk, prk_len);
	while (out_len) {
		size_t n = out_len < hl ? out_len : hl;

		m = key;
		/* T(0) is empty. */
		if (ctr)
			hz_crypto_hmac_update(&m, t, hl);
		hz_crypto_hmac_update(&m, info, info_len);
		ctr++;
		hz_crypto_hmac_update(&m, &ctr, 1);
		hz_crypto_hmac_final(&m, t);
		__builtin_memcpy(out, t, n);
		out += n;
		out_len -= n;
	}
	hz_crypto_wipe(t, sizeof(t));
	hz_crypto_wipe(&key, sizeof(key));
	return HZ_OK;
}

int hz_crypto_hkdf(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const void *salt,
		   size_t salt_len, const void *ikm, size_t ikm_len, const void *info, size_t info_len)
{
	uint8_t prk[HZ_CRYPTO_HASH_MAX_LEN];
	size_t hl = hz_crypto_hash_len(alg);
	int r;

	/* Check before doing any work: expand would reject the same. */
	if (hl == 0 || out_len > 255 * hl)
		return HZ_ERR_INVALID;
	hz_crypto_hkdf_extract(alg, prk, salt, salt_len, ikm, ikm_len);
	r = hz_crypto_hkdf_expand(alg, out, out_len, prk, hl, info, info_len);
	hz_crypto_wipe(prk, sizeof(prk));
	return r;
}

int hz_crypto_tls12_prf(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const void *secret,
			size_t secret_len, const void *label, size_t label_len, const void *seed,
			size_t seed_len)
{
	struct hz_crypto_hmac key, m;
	uint8_t a[HZ_CRYPTO_HASH_MAX_LEN], t[HZ_CRYPTO_HASH_MAX_LEN];
	size_t hl = hz_crypto_hash_len(alg);

	if (hl == 0)
		return HZ_ERR_INVALID;
	if (out_len == 0)
		return HZ_OK;
	hz_crypto_hmac_init(&key, alg, secret, secret_len);
	/* A(1) = HMAC(secret, A(0)) with A(0) = label || seed. */
	m = key;
	hz_crypto_hmac_update(&m, label, label_len);
	hz_crypto_hmac_update(&m, seed, seed_len);
	hz_crypto_hmac_final(&m, a);
	for (;;) {
		size_t n = out_len < hl ? out_len : hl;

		/* HMAC(secret, A(i) || label || seed) */
		m = key;
		hz_crypto_hmac_update(&m, a, hl);
		hz_crypto_hmac_update(&m, label, label_len);
		hz_crypto_hmac_update(&m, seed, seed_len);
		hz_crypto_hmac_final(&m, t);
		__builtin_memcpy(out, t, n);
		out += n;
		out_len -= n;
		if (out_len == 0)
			break;
		/* A(i+1) = HMAC(secret, A(i)) */
		m = key;
		hz_crypto_hmac_update(&m, a, hl);
		hz_crypto_hmac_final(&m, a);
	}
	hz_crypto_wipe(a, sizeof(a));
	hz_crypto_wipe(t, sizeof(t));
	hz_crypto_wipe(&key, sizeof(key));
	return HZ_OK;
}
