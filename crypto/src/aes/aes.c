/* AES block API, CTR and CBC (SP 800-38A), GHASH and GCM (SP 800-38D):
 * argument checks, path dispatch and the parts shared by every path. */
#include "aes_inner.h"

#define CPU_NI (HZ_CRYPTO_CPU_AESNI | HZ_CRYPTO_CPU_SSSE3 | HZ_CRYPTO_CPU_SSE41)
#define CPU_CLMUL (HZ_CRYPTO_CPU_PCLMUL | HZ_CRYPTO_CPU_SSSE3 | HZ_CRYPTO_CPU_SSE41)
#define CPU_VAES (HZ_CRYPTO_CPU_VAES | HZ_CRYPTO_CPU_VPCLMULQDQ | HZ_CRYPTO_CPU_AVX2 | \
		  HZ_CRYPTO_CPU_AVX512F | HZ_CRYPTO_CPU_AVX512VL | HZ_CRYPTO_CPU_AVX512BW)

static inline int has(uint32_t f, uint32_t want)
{
	return (f & want) == want;
}

static void xor_bytes(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(a[i] ^ b[i]);
}

/* Add n to the 128-bit big-endian counter, without branches. */
static void ctr_add128(uint8_t c[16], uint32_t n)
{
	uint32_t carry = n;

	for (int i = 15; i >= 0; i--) {
		carry += c[i];
		c[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

/* inc32 of SP 800-38D 6.2, by n. */
static void ctr_add32(uint8_t c[16], uint32_t n)
{
	hz_be32_store(c + 12, hz_be32_load(c + 12) + n);
}

/* ---- block API ---- */

int hz_crypto_aes_init(struct hz_crypto_aes *a, const uint8_t *key, size_t key_len)
{
	uint8_t rk[240];
	unsigned rounds;

	__builtin_memset(a, 0, sizeof(*a));
	rounds = aes_expand_key(rk, key, key_len);
	if (!rounds)
		return HZ_ERR_INVALID;
	a->rounds = rounds;
	a->path = AES_PATH_CT;
#if HZ_CRYPTO_ACCEL
	if (has(hz_crypto_cpu_features(), CPU_NI)) {
		a->path = AES_PATH_NI;
		aes_ni_schedule(a->rk, rk, rounds);
	}
#endif
	if (a->path == AES_PATH_CT)
		aes_ct_schedule(a->rk, rk, rounds);
	hz_crypto_wipe(rk, sizeof(rk));
	return HZ_OK;
}

void hz_crypto_aes_encrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16])
{
	uint8_t buf[64];

#if HZ_CRYPTO_ACCEL
	if (a->path != AES_PATH_CT) {
		aes_ni_encrypt(a, out, in);
		return;
	}
#endif
	__builtin_memcpy(buf, in, 16);
	__builtin_memset(buf + 16, 0, 48);
	aes_ct_encrypt4(a->rk, a->rounds, buf, buf);
	__builtin_memcpy(out, buf, 16);
	hz_crypto_wipe(buf, sizeof(buf));
}

void hz_crypto_aes_decrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16])
{
	uint8_t buf[64];

#if HZ_CRYPTO_ACCEL
	if (a->path != AES_PATH_CT) {
		aes_ni_decrypt(a, out, in);
		return;
	}
#endif
	__builtin_memcpy(buf, in, 16);
	__builtin_memset(buf + 16, 0, 48);
	aes_ct_decrypt4(a->rk, a->rounds, buf, buf);
	__builtin_memcpy(out, buf, 16);
	hz_crypto_wipe(buf, sizeof(buf));
}

void hz_crypto_aes_wipe(struct hz_crypto_aes *a)
{
	hz_crypto_wipe(a, sizeof(*a));
}

/* ---- CTR ---- */

/* Key stream from counter blocks, four at a time through the bitsliced
 * core. inc32 selects GCM's 32-bit counter, else 128-bit. */
static void ctr_ct(const struct hz_crypto_aes *a, uint8_t ctr[16], uint8_t *out, const uint8_t *in,
		   size_t len, int inc32)
{
	uint8_t ks[64];

	while (len > 0) {
		size_t n = len < 64 ? len : 64;
		size_t nb = (n + 15) / 16;

		for (size_t b = 0; b < 4; b++) {
			__builtin_memcpy(ks + 16 * b, ctr, 16);
			if (b < nb) {
				if (inc32)
					ctr_add32(ctr, 1);
				else
					ctr_add128(ctr, 1);
			}
		}
		aes_ct_encrypt4(a->rk, a->rounds, ks, ks);
		xor_bytes(out, in, ks, n);
		out += n;
		in += n;
		len -= n;
	}
	hz_crypto_wipe(ks, sizeof(ks));
}

/* Any path, any counter width, block by block for the accelerated path
 * (used for tails and the no-PCLMUL GCM case). */
static void ctr_any(const struct hz_crypto_aes *a, uint8_t ctr[16], uint8_t *out, const uint8_t *in,
		    size_t len, int inc32)
{
	uint8_t ks[16];

	if (a->path == AES_PATH_CT) {
		ctr_ct(a, ctr, out, in, len, inc32);
		return;
	}
	while (len > 0) {
		size_t n = len < 16 ? len : 16;

		hz_crypto_aes_encrypt(a, ks, ctr);
		if (inc32)
			ctr_add32(ctr, 1);
		else
			ctr_add128(ctr, 1);
		xor_bytes(out, in, ks, n);
		out += n;
		in += n;
		len -= n;
	}
	hz_crypto_wipe(ks, sizeof(ks));
}

void hz_crypto_aes_ctr(const struct hz_crypto_aes *a, uint8_t ctr[16], uint8_t *out, const uint8_t *in, size_t len)
{
#if HZ_CRYPTO_ACCEL
	if (a->path != AES_PATH_CT) {
		size_t nb = len / 16;

		aes_ni_ctr(a, ctr, out, in, nb);
		out += 16 * nb;
		in += 16 * nb;
		len -= 16 * nb;
	}
#endif
	if (len > 0)
		ctr_any(a, ctr, out, in, len, 0);
}

/* ---- CBC ---- */

int hz_crypto_aes_cbc_encrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t len)
{
	uint8_t x[16];

	if (len % 16)
		return HZ_ERR_INVALID;
#if HZ_CRYPTO_ACCEL
	if (a->path != AES_PATH_CT) {
		aes_ni_cbc_encrypt(a, iv, out, in, len / 16);
		return HZ_OK;
	}
#endif
	/* SP 800-38A 6.2: C_j = E(P_j ^ C_{j-1}); inherently serial. */
	__builtin_memcpy(x, iv, 16);
	for (size_t i = 0; i < len; i += 16) {
		xor_bytes(x, x, in + i, 16);
		hz_crypto_aes_encrypt(a, x, x);
		__builtin_memcpy(out + i, x, 16);
	}
	__builtin_memcpy(iv, x, 16);
	hz_crypto_wipe(x, sizeof(x));
	return HZ_OK;
}

int hz_crypto_aes_cbc_decrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t len)
{
	uint8_t c[64], p[64], prev[16];

	if (len % 16)
		return HZ_ERR_INVALID;
#if HZ_CRYPTO_ACCEL
	if (a->path != AES_PATH_CT) {
		aes_ni_cbc_decrypt(a, iv, out, in, len / 16);
		return HZ_OK;
	}
#endif
	/* P_j = D(C_j) ^ C_{j-1}: four blocks per pass. The ciphertext is
	 * copied first so that out may equal in. */
	__builtin_memcpy(prev, iv, 16);
	while (len > 0) {
		size_t n = len < 64 ? len : 64;

		__builtin_memcpy(c, in, n);
		if (n < 64)
			__builtin_memset(c + n, 0, 64 - n);
		aes_ct_decrypt4(a->rk, a->rounds, p, c);
		xor_bytes(out, p, prev, 16);
		xor_bytes(out + 16, p + 16, c, n - 16);
		__builtin_memcpy(prev, c + n - 16, 16);
		in += n;
		out += n;
		len -= n;
	}
	__builtin_memcpy(iv, prev, 16);
	hz_crypto_wipe(p, sizeof(p));
	hz_crypto_wipe(c, sizeof(c));
	return HZ_OK;
}

/* ---- GHASH ---- */

/* Whole blocks through the path's GHASH; hp holds at least H^1 (portable)
 * or H^1..H^8 (PCLMULQDQ). */
static void ghash_blocks(uint32_t path, uint64_t y[2], const uint64_t hp[][2], const uint8_t *data, size_t nblocks)
{
#if HZ_CRYPTO_ACCEL
	if (path != AES_PATH_CT) {
		ghash_ni(y, hp, data, nblocks);
		return;
	}
#else
	(void)path;
#endif
	ghash_ct(y, hp[0], data, nblocks);
}

/* Any length; a trailing partial block is zero-padded. */
static void ghash_any(uint32_t path, uint64_t y[2], const uint64_t hp[][2], const uint8_t *data, size_t len)
{
	uint8_t last[16];
	size_t nb = len / 16, rest = len % 16;

	if (nb)
		ghash_blocks(path, y, hp, data, nb);
	if (rest) {
		__builtin_memset(last, 0, 16);
		__builtin_memcpy(last, data + 16 * nb, rest);
		ghash_blocks(path, y, hp, last, 1);
		hz_crypto_wipe(last, sizeof(last));
	}
}

/* H (as bytes) into the V-domain pair and, for PCLMULQDQ, its powers. */
static uint32_t hkey_init(uint64_t hp[][2], unsigned n, const uint8_t h[16])
{
	uint32_t path = AES_PATH_CT;

	hp[0][0] = hz_be64_load(h + 8);
	hp[0][1] = hz_be64_load(h);
#if HZ_CRYPTO_ACCEL
	if (has(hz_crypto_cpu_features(), CPU_CLMUL)) {
		path = AES_PATH_NI;
		ghash_ni_powers(hp, n);
	}
#else
	(void)n;
#endif
	return path;
}

void hz_crypto_ghash_init(struct hz_crypto_ghash *g, const uint8_t h[16])
{
	__builtin_memset(g, 0, sizeof(*g));
	g->path = hkey_init(g->h, 8, h);
}

void hz_crypto_ghash_update(struct hz_crypto_ghash *g, const void *data, size_t len)
{
	ghash_any(g->path, g->y, (const uint64_t(*)[2])g->h, data, len);
}

void hz_crypto_ghash_final(struct hz_crypto_ghash *g, uint8_t out[16])
{
	hz_be64_store(out, g->y[1]);
	hz_be64_store(out + 8, g->y[0]);
	hz_crypto_wipe(g, sizeof(*g));
}

/* ---- GCM ---- */

int hz_crypto_aes_gcm_init(struct hz_crypto_aes_gcm *g, const uint8_t *key, size_t key_len)
{
	uint8_t h[16] = { 0 };
	int err;

	__builtin_memset(g, 0, sizeof(*g));
	err = hz_crypto_aes_init(&g->aes, key, key_len);
	if (err)
		return err;
	/* SP 800-38D 7.1 step 1: H = CIPH_K(0^128). */
	hz_crypto_aes_encrypt(&g->aes, h, h);
	g->path = hkey_init(g->h, 16, h);
#if HZ_CRYPTO_ACCEL
	if (g->path != AES_PATH_CT && g->aes.path != AES_PATH_CT &&
	    has(hz_crypto_cpu_features(), CPU_VAES))
		g->path = AES_PATH_VAES;
#endif
	hz_crypto_wipe(h, sizeof(h));
	return HZ_OK;
}

void hz_crypto_aes_gcm_wipe(struct hz_crypto_aes_gcm *g)
{
	hz_crypto_wipe(g, sizeof(*g));
}

static int gcm_params_ok(size_t tag_len, size_t iv_len, size_t aad_len, size_t len)
{
	if (iv_len == 0)
		return 0;
	if (!(tag_len == 4 || tag_len == 8 || (tag_len >= 12 && tag_len <= 16)))
		return 0;
	/* SP 800-38D 5.2.1.1: len(P) <= 2^39 - 256 bits, len(A) < 2^64 bits,
	 * len(IV) < 2^64 bits. */
	if ((uint64_t)len > ((uint64_t)1 << 36) - 32)
		return 0;
	if ((uint64_t)aad_len >= ((uint64_t)1 << 61) || (uint64_t)iv_len >= ((uint64_t)1 << 61))
		return 0;
	return 1;
}

/* J0 (SP 800-38D 7.1 step 2). */
static void gcm_j0(const struct hz_crypto_aes_gcm *g, uint8_t j0[16], const uint8_t *iv, size_t iv_len)
{
	uint64_t y[2] = { 0, 0 };
	uint8_t lb[16] = { 0 };

	if (iv_len == 12) {
		__builtin_memcpy(j0, iv, 12);
		hz_be32_store(j0 + 12, 1);
		return;
	}
	ghash_any(g->path, y, (const uint64_t(*)[2])g->h, iv, iv_len);
	hz_be64_store(lb + 8, (uint64_t)iv_len * 8);
	ghash_blocks(g->path, y, (const uint64_t(*)[2])g->h, lb, 1);
	hz_be64_store(j0, y[1]);
	hz_be64_store(j0 + 8, y[0]);
}

/* The bulk: counter blocks from ctr (already inc32(J0)) over len bytes,
 * GHASH of the ciphertext into y. enc selects which side is the
 * ciphertext. */
static void gcm_crypt(const struct hz_crypto_aes_gcm *g, uint8_t ctr[16], uint64_t y[2],
		      uint8_t *out, const uint8_t *in, size_t len, int enc)
{
	const uint64_t(*hp)[2] = (const uint64_t(*)[2])g->h;

#if HZ_CRYPTO_ACCEL
	if (g->path != AES_PATH_CT && g->aes.path != AES_PATH_CT) {
		size_t nb = len / 16, done = 0;

		if (g->path == AES_PATH_VAES)
			done = gcm_vaes_blocks(g, ctr, y, out, in, nb, enc);
		if (nb > done)
			gcm_ni_blocks(g, ctr, y, out + 16 * done, in + 16 * done, nb - done, enc);
		out += 16 * nb;
		in += 16 * nb;
		len -= 16 * nb;
		if (len == 0)
			return;
	}
#endif
	/* Generic: whole chunks through CTR then GHASH. A chunk is small
	 * enough to stay in cache, and when decrypting the GHASH runs first,
	 * since out may equal in. */
	while (len > 0) {
		size_t n = len < 512 ? len : 512;

		if (!enc)
			ghash_any(g->path, y, hp, in, n);
		ctr_any(&g->aes, ctr, out, in, n, 1);
		if (enc)
			ghash_any(g->path, y, hp, out, n);
		out += n;
		in += n;
		len -= n;
	}
}

/* The tag before truncation: GHASH(A, C, lengths) ^ E(J0). */
static void gcm_tag(const struct hz_crypto_aes_gcm *g, uint8_t full[16], uint64_t y[2], const uint8_t j0[16],
		    size_t aad_len, size_t len)
{
	uint8_t lb[16], ek[16];

	hz_be64_store(lb, (uint64_t)aad_len * 8);
	hz_be64_store(lb + 8, (uint64_t)len * 8);
	ghash_blocks(g->path, y, (const uint64_t(*)[2])g->h, lb, 1);
	hz_crypto_aes_encrypt(&g->aes, ek, j0);
	hz_be64_store(full, y[1]);
	hz_be64_store(full + 8, y[0]);
	xor_bytes(full, full, ek, 16);
	hz_crypto_wipe(ek, sizeof(ek));
}

int hz_crypto_aes_gcm_seal(const struct hz_crypto_aes_gcm *g, uint8_t *out, uint8_t *tag, size_t tag_len,
			   const uint8_t *iv, size_t iv_len, const uint8_t *aad, size_t aad_len,
			   const uint8_t *in, size_t len)
{
	uint8_t j0[16], ctr[16], full[16];
	uint64_t y[2] = { 0, 0 };

	if (!gcm_params_ok(tag_len, iv_len, aad_len, len))
		return HZ_ERR_INVALID;
	gcm_j0(g, j0, iv, iv_len);
	ghash_any(g->path, y, (const uint64_t(*)[2])g->h, aad, aad_len);
	__builtin_memcpy(ctr, j0, 16);
	ctr_add32(ctr, 1);
	gcm_crypt(g, ctr, y, out, in, len, 1);
	gcm_tag(g, full, y, j0, aad_len, len);
	__builtin_memcpy(tag, full, tag_len);
	hz_crypto_wipe(full, sizeof(full));
	hz_crypto_wipe(y, sizeof(y));
	return HZ_OK;
}

int hz_crypto_aes_gcm_open(const struct hz_crypto_aes_gcm *g, uint8_t *out,
			   const uint8_t *iv, size_t iv_len, const uint8_t *aad, size_t aad_len,
			   const uint8_t *in, size_t len, const uint8_t *tag, size_t tag_len)
{
	uint8_t j0[16], ctr[16], full[16];
	uint64_t y[2] = { 0, 0 };
	uint32_t ok;

	if (!gcm_params_ok(tag_len, iv_len, aad_len, len))
		return HZ_ERR_INVALID;
	gcm_j0(g, j0, iv, iv_len);
	ghash_any(g->path, y, (const uint64_t(*)[2])g->h, aad, aad_len);
	__builtin_memcpy(ctr, j0, 16);
	ctr_add32(ctr, 1);
	gcm_crypt(g, ctr, y, out, in, len, 0);
	gcm_tag(g, full, y, j0, aad_len, len);
	ok = (uint32_t)hz_crypto_ct_eq(full, tag, tag_len);
	hz_crypto_wipe(full, sizeof(full));
	hz_crypto_wipe(y, sizeof(y));
	/* SP 800-38D 7.2 step 8: on FAIL release no plaintext. Masked rather
	 * than branched, so that the verdict is computed without a branch on
	 * key-derived data; the caller learns it from the return value. */
	hz_ct_keep_bytes(out, len, ok);
	return (int)((uint32_t)HZ_ERR_AUTH & ~hz_ct_mask32(ok));
}
