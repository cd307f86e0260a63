/* Ed25519 (RFC 8032 section 5.1): key generation, signing, strict
 * cofactorless verification. */
#include "c25519_inner.h"

/* h = SHA-512(seed), then a = the clamped low half (5.1.5 steps 1-3);
 * h[32..63] is the nonce prefix. */
static void ed25519_expand(uint8_t h[64], const uint8_t seed[32])
{
	hz_crypto_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
}

void hz_crypto_ed25519_public(uint8_t pub[32], const uint8_t seed[32])
{
	uint8_t h[64];
	struct ge_p3 A;

	ed25519_expand(h, seed);
	ge_scalarmult_base(&A, h);
	ge_tobytes(pub, A.X, A.Y, A.Z);
	hz_crypto_wipe(h, sizeof(h));
	hz_crypto_wipe(&A, sizeof(A));
}

/* k = SHA-512(R || A || M) mod L (5.1.6 step 4, 5.1.7 step 2). */
static void ed25519_challenge(uint8_t k[32], const uint8_t R[32], const uint8_t A[32],
			      const void *msg, size_t len)
{
	struct hz_crypto_sha512 c;
	uint8_t d[64];

	hz_crypto_sha512_init(&c);
	hz_crypto_sha512_update(&c, R, 32);
	hz_crypto_sha512_update(&c, A, 32);
	hz_crypto_sha512_update(&c, msg, len);
	hz_crypto_sha512_final(&c, d);
	sc_reduce64(k, d);
}

void hz_crypto_ed25519_sign(uint8_t sig[64], const uint8_t seed[32], const uint8_t pub[32],
			    const void *msg, size_t len)
{
	struct hz_crypto_sha512 c;
	uint8_t h[64], d[64], r[32], k[32];
	struct ge_p3 R;

	ed25519_expand(h, seed);
	/* Step 2: r = SHA-512(prefix || M) mod L. */
	hz_crypto_sha512_init(&c);
	hz_crypto_sha512_update(&c, h + 32, 32);
	hz_crypto_sha512_update(&c, msg, len);
	hz_crypto_sha512_final(&c, d);
	sc_reduce64(r, d);
	/* Step 3: R = [r]B. */
	ge_scalarmult_base(&R, r);
	ge_tobytes(sig, R.X, R.Y, R.Z);
	/* Steps 4-5: S = (r + k a) mod L (a = h[0..31], below 2^255). */
	ed25519_challenge(k, sig, pub, msg, len);
	sc_muladd(sig + 32, k, h, r);

	hz_crypto_wipe(&c, sizeof(c));
	hz_crypto_wipe(h, sizeof(h));
	hz_crypto_wipe(d, sizeof(d));
	hz_crypto_wipe(r, sizeof(r));
	hz_crypto_wipe(&R, sizeof(R));
}

int hz_crypto_ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const void *msg,
			     size_t len)
{
	struct ge_p3 A;
	struct ge_p2 Rc;
	uint8_t k[32], rc[32];

	/* 5.1.7 step 1: A must decode (canonically); S must be below L. R
	 * is not decoded: the encoding comparison below can only match a
	 * canonical encoding of a point. */
	if (ge_frombytes_vartime(&A, pub) != 0)
		return HZ_ERR_BAD_KEY;
	if (!sc_is_canonical(sig + 32))
		return HZ_ERR_AUTH;
	ed25519_challenge(k, sig, pub, msg, len);
	/* Step 3, cofactorless: [S]B = R + [k]A, i.e. R = [S]B + [k](-A). */
	fe_neg(A.X, A.X);
	fe_neg(A.T, A.T);
	ge_double_scalarmult_vartime(&Rc, k, &A, sig + 32);
	ge_tobytes(rc, Rc.X, Rc.Y, Rc.Z);
	if (__builtin_memcmp(rc, sig, 32) != 0)
		return HZ_ERR_AUTH;
	return HZ_OK;
}
