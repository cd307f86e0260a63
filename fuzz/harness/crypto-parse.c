/*
 * crypto-parse: every crypto entry point that reads bytes an attacker
 * chooses - encoded signatures, points, public keys, ciphertexts and
 * tags - fed with fuzzer bytes. Beyond "no crash, no over-read" (ASan),
 * each target checks an invariant:
 *
 *  - ecdsa: a DER signature verifies only if the same r, s in fixed form
 *    verify too, and DER is accepted only in its one canonical encoding;
 *  - ec points: ecdh succeeds exactly when ec_check_public accepts;
 *  - ed25519 / x25519: results are in the documented set and repeatable;
 *  - AEAD open (GCM, ChaCha20-Poly1305, XChaCha, openssh): a random tag
 *    never authenticates, and a failed open leaves the output zeroed;
 *  - rsa: arbitrary moduli, exponents and signatures give an error code,
 *    never HZ_OK for bytes that were not signed;
 *  - hkdf: output lengths above 255 * HashLen are refused.
 *
 * Byte 0 picks the target; the rest is its input (struct fz_in).
 */
#include "fuzz.h"
#include "haze/crypto.h"

/* Copy n bytes of input into out, zeros past the end. */
static void take(struct fz_in *in, void *out, size_t n)
{
	size_t got;
	const uint8_t *p = fz_bytes(in, n, &got);
	memcpy(out, p, got);
	memset((uint8_t *)out + got, 0, n - got);
}

static const uint8_t digest32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t digest48[48] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };

/* Strict DER reader for SEQUENCE { INTEGER r, INTEGER s } with short
 * lengths: returns 1 and fills fixed r||s when sig is the canonical
 * encoding of two integers in [1, 2^(8*len)). */
static int der_to_fixed(const uint8_t *sig, size_t n, size_t len, uint8_t *fixed)
{
	size_t p = 0;
	if (n < 2 || sig[0] != 0x30)
		return 0;
	size_t seq = sig[1];
	p = 2;
	if (seq >= 0x80) {
		if (seq != 0x81 || n < 3 || sig[2] < 0x80)
			return 0;
		seq = sig[2];
		p = 3;
	}
	if (seq != n - p)
		return 0;
	for (int k = 0; k < 2; k++) {
		if (p + 2 > n || sig[p] != 0x02)
			return 0;
		size_t il = sig[p + 1];
		p += 2;
		if (il == 0 || il >= 0x80 || p + il > n)
			return 0;
		const uint8_t *v = sig + p;
		if (v[0] & 0x80)
			return 0; /* negative */
		if (il > 1 && v[0] == 0 && !(v[1] & 0x80))
			return 0; /* not minimal */
		while (il > 0 && v[0] == 0)
			v++, il--, p++;
		if (il > len)
			return 0;
		memset(fixed + k * len, 0, len);
		memcpy(fixed + k * len + (len - il), v, il);
		p += il;
	}
	return p == n;
}

static void t_ecdsa(struct fz_in *in)
{
	int p384 = fz_u8(in) & 1;
	enum hz_crypto_curve c = p384 ? HZ_CRYPTO_P384 : HZ_CRYPTO_P256;
	size_t len = p384 ? 48 : 32;
	uint8_t priv[48], pub[97], sig[HZ_CRYPTO_ECDSA_MAX_DER + 16], fixed[96];
	for (size_t i = 0; i < len; i++)
		priv[i] = (uint8_t)(i + 1);
	FZ_CHECK(hz_crypto_ec_public(c, pub, priv) == HZ_OK);
	const uint8_t *d = p384 ? digest48 : digest32;
	/* Half the time, start from a real signature and let the fuzzer
	 * mutate it; otherwise take the bytes as they come. */
	size_t n = fz_u8(in) % sizeof(sig);
	if (fz_u8(in) & 1) {
		size_t cap = sizeof(sig);
		FZ_CHECK(hz_crypto_ecdsa_sign(c, p384 ? HZ_CRYPTO_SHA384 : HZ_CRYPTO_SHA256, sig, &cap,
			HZ_CRYPTO_ECDSA_DER, priv, d, len) == HZ_OK);
		n = cap;
		for (int k = fz_u8(in) & 7; k > 0; k--) {
			size_t at = fz_u8(in) % sizeof(sig);
			sig[at] ^= fz_u8(in);
			if (at >= n)
				n = at + 1;
		}
	} else {
		take(in, sig, n);
	}
	int r = hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, len, sig, n, HZ_CRYPTO_ECDSA_DER);
	FZ_CHECK(r == HZ_OK || r == HZ_ERR_AUTH || r == HZ_ERR_MALFORMED);
	int canon = der_to_fixed(sig, n, len, fixed);
	if (r == HZ_OK) {
		FZ_CHECK(canon);
		FZ_CHECK(hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, len, fixed, 2 * len,
			HZ_CRYPTO_ECDSA_FIXED) == HZ_OK);
	}
	if (canon && r == HZ_ERR_MALFORMED)
		FZ_CHECK(!"canonical DER refused as malformed");
	/* The fixed form of the same bytes, when they are 2*len long. */
	if (n == 2 * len) {
		r = hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, len, sig, n, HZ_CRYPTO_ECDSA_FIXED);
		FZ_CHECK(r == HZ_OK || r == HZ_ERR_AUTH);
	}
}

static void t_point(struct fz_in *in)
{
	int p384 = fz_u8(in) & 1;
	enum hz_crypto_curve c = p384 ? HZ_CRYPTO_P384 : HZ_CRYPTO_P256;
	size_t len = p384 ? 48 : 32;
	uint8_t pt[100], priv[48], shared[48];
	size_t n = fz_u8(in) % sizeof(pt);
	take(in, pt, n);
	for (size_t i = 0; i < len; i++)
		priv[i] = (uint8_t)(0x40 + i);
	int ok = hz_crypto_ec_check_public(c, pt, n);
	int r = hz_crypto_ecdh(c, shared, priv, pt, n);
	FZ_CHECK(ok == HZ_OK || ok == HZ_ERR_BAD_KEY || ok == HZ_ERR_MALFORMED);
	FZ_CHECK((ok == HZ_OK) == (r == HZ_OK));
}

static void t_25519(struct fz_in *in)
{
	uint8_t sig[64], pub[32], msg[64], k[32], u[32], o1[32], o2[32];
	take(in, sig, sizeof(sig));
	take(in, pub, sizeof(pub));
	size_t n = fz_u8(in) % sizeof(msg);
	take(in, msg, n);
	int r = hz_crypto_ed25519_verify(sig, pub, msg, n);
	FZ_CHECK(r == HZ_OK || r == HZ_ERR_AUTH || r == HZ_ERR_BAD_KEY);
	take(in, k, sizeof(k));
	take(in, u, sizeof(u));
	int a = hz_crypto_x25519(o1, k, u), b = hz_crypto_x25519(o2, k, u);
	FZ_CHECK(a == b && memcmp(o1, o2, 32) == 0);
	FZ_CHECK(a == HZ_OK || a == HZ_ERR_BAD_KEY);
	static const uint8_t zero[32];
	FZ_CHECK((a == HZ_ERR_BAD_KEY) == (memcmp(o1, zero, 32) == 0));
}

static void t_aead(struct fz_in *in)
{
	uint8_t key[64], nonce[24], tag[16], ct[300], pt[300], aad[32];
	take(in, key, sizeof(key));
	take(in, nonce, sizeof(nonce));
	take(in, tag, sizeof(tag));
	size_t alen = fz_u8(in) % sizeof(aad);
	take(in, aad, alen);
	size_t n = (size_t)fz_u8(in) + (fz_u8(in) & 1);
	take(in, ct, n);
	memset(pt, 0xee, sizeof(pt));
	int r;
	switch (fz_u8(in) % 5) {
	case 0:
	case 1: {
		struct hz_crypto_aes_gcm g;
		FZ_CHECK(hz_crypto_aes_gcm_init(&g, key, fz_u8(in) & 1 ? 32 : 16) == HZ_OK);
		size_t tl = 12 + fz_u8(in) % 5, il = 1 + fz_u8(in) % 24;
		r = hz_crypto_aes_gcm_open(&g, pt, nonce, il, aad, alen, ct, n, tag, tl);
		break;
	}
	case 2:
		r = hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, alen, ct, n, tag);
		break;
	case 3:
		r = hz_crypto_xchacha20_poly1305_open(pt, key, nonce, aad, alen, ct, n, tag);
		break;
	default: {
		struct hz_crypto_ssh_chachapoly s;
		uint8_t l[4];
		hz_crypto_ssh_chachapoly_init(&s, key);
		hz_crypto_ssh_chachapoly_length(&s, fz_u32(in), l, ct);
		if (n < 4)
			n = 4;
		r = hz_crypto_ssh_chachapoly_open(&s, fz_u32(in), pt, ct, n, tag);
		break;
	}
	}
	FZ_CHECK(r == HZ_ERR_AUTH);
	for (size_t i = 0; i < n; i++)
		FZ_CHECK(pt[i] == 0);
}

static void t_rsa(struct fz_in *in)
{
	uint8_t nb[520], eb[8], sig[520], dg[64];
	size_t nl = fz_u16(in) % sizeof(nb), el = fz_u8(in) % sizeof(eb), sl = fz_u16(in) % sizeof(sig);
	take(in, nb, nl);
	take(in, eb, el);
	take(in, sig, sl);
	take(in, dg, sizeof(dg));
	struct hz_crypto_rsa_public k = { nb, nl, eb, el };
	static const enum hz_crypto_hash_alg algs[] = { HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA384, HZ_CRYPTO_SHA512 };
	enum hz_crypto_hash_alg alg = algs[fz_u8(in) % 3];
	size_t dl = hz_crypto_hash_len(alg);
	int r = hz_crypto_rsa_pkcs1_verify(&k, alg, dg, dl, sig, sl);
	FZ_CHECK(r == HZ_ERR_AUTH || r == HZ_ERR_BAD_KEY || r == HZ_ERR_INVALID);
	size_t salt = fz_u8(in) & 1 ? HZ_CRYPTO_RSA_PSS_SALT_ANY : fz_u8(in);
	r = hz_crypto_rsa_pss_verify(&k, alg, alg, salt, dg, dl, sig, sl);
	FZ_CHECK(r == HZ_ERR_AUTH || r == HZ_ERR_BAD_KEY || r == HZ_ERR_INVALID);
}

static void t_hkdf(struct fz_in *in)
{
	static uint8_t out[255 * 64 + 64];
	uint8_t prk[64];
	take(in, prk, sizeof(prk));
	static const enum hz_crypto_hash_alg algs[] = { HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA384, HZ_CRYPTO_SHA512 };
	enum hz_crypto_hash_alg alg = algs[fz_u8(in) % 3];
	size_t hl = hz_crypto_hash_len(alg);
	size_t n = fz_u16(in) % sizeof(out);
	int r = hz_crypto_hkdf_expand(alg, out, n, prk, hl, prk, fz_u8(in) % 64);
	FZ_CHECK((r == HZ_OK) == (n <= 255 * hl));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	switch (fz_u8(&in) % 6) {
	case 0: t_ecdsa(&in); break;
	case 1: t_point(&in); break;
	case 2: t_25519(&in); break;
	case 3: t_aead(&in); break;
	case 4: t_rsa(&in); break;
	default: t_hkdf(&in); break;
	}
	return 0;
}
