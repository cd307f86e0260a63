/* ctgrind on the ecp area: hz_crypto_ec_public, hz_crypto_ecdh and
 * hz_crypto_ecdsa_sign (both formats: the DER encoder runs on r and s
 * while they still derive from the nonce) on P-256 and P-384, with the
 * private key marked secret; everything derived from it (the RFC 6979
 * nonce, k G, the scalar arithmetic, the key range check) inherits that.
 * Also out-of-range keys, whose rejection must not branch either.
 * Outputs and return codes are made public before they are compared with
 * the same computation on public data. */
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "haze/crypto.h"

static const enum hz_crypto_curve curves[2] = { HZ_CRYPTO_P256, HZ_CRYPTO_P384 };

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 37 + i * 29 + (i >> 3));
	p[0] &= 0x7f; /* below n */
}

static void same(const void *secret_out, const void *public_out, size_t n)
{
	uint8_t tmp[256];

	memcpy(tmp, secret_out, n);
	CT_PUBLIC(tmp, n);
	if (memcmp(tmp, public_out, n) != 0)
		__builtin_trap();
}

static void ct_public(void)
{
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c);
		uint8_t k[48], pub[97], out[97];
		int rc, want;

		for (int v = 0; v < 3; v++) {
			fill(k, len, (uint8_t)(v + 1));
			if (v == 1)
				memset(k, 0, len); /* invalid: 0 */
			if (v == 2)
				memset(k, 0xff, len); /* invalid: >= n */
			want = hz_crypto_ec_public(c, pub, k);
			CT_SECRET(k, len);
			rc = hz_crypto_ec_public(c, out, k);
			CT_PUBLIC(&rc, sizeof rc);
			if (rc != want)
				__builtin_trap();
			same(out, pub, 1 + 2 * len);
		}
	}
}

static void ct_ecdh(void)
{
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c);
		uint8_t a[48], b[48], pb[97], s1[48], s2[48], comp[49];
		int rc;

		fill(a, len, 3);
		fill(b, len, 4);
		hz_crypto_ec_public(c, pb, b);
		hz_crypto_ecdh(c, s1, a, pb, 1 + 2 * len);
		CT_SECRET(a, len);
		rc = hz_crypto_ecdh(c, s2, a, pb, 1 + 2 * len);
		CT_PUBLIC(&rc, sizeof rc);
		if (rc != HZ_OK)
			__builtin_trap();
		same(s2, s1, len);
		/* compressed peer */
		comp[0] = (uint8_t)(2 | (pb[2 * len] & 1));
		memcpy(comp + 1, pb + 1, len);
		rc = hz_crypto_ecdh(c, s2, a, comp, 1 + len);
		CT_PUBLIC(&rc, sizeof rc);
		if (rc != HZ_OK)
			__builtin_trap();
		same(s2, s1, len);
	}
}

static void ct_sign(void)
{
	static const enum hz_crypto_hash_alg algs[3] = { HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA384, HZ_CRYPTO_SHA512 };

	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c);

		for (int i = 0; i < 6; i++) {
			enum hz_crypto_hash_alg alg = algs[i % 3];
			enum hz_crypto_ecdsa_fmt fmt = (enum hz_crypto_ecdsa_fmt)(i & 1);
			uint8_t k[48], d[64], s1[HZ_CRYPTO_ECDSA_MAX_DER], s2[HZ_CRYPTO_ECDSA_MAX_DER];
			size_t l1 = sizeof s1, l2 = sizeof s2, dl = hz_crypto_hash_len(alg);
			int rc;

			fill(k, len, (uint8_t)(10 + i));
			fill(d, dl, (uint8_t)(20 + i));
			if (hz_crypto_ecdsa_sign(c, alg, s1, &l1, fmt, k, d, dl) != HZ_OK)
				__builtin_trap();
			CT_SECRET(k, len);
			rc = hz_crypto_ecdsa_sign(c, alg, s2, &l2, fmt, k, d, dl);
			CT_PUBLIC(&rc, sizeof rc);
			CT_PUBLIC(&l2, sizeof l2);
			if (rc != HZ_OK || l1 != l2)
				__builtin_trap();
			same(s2, s1, l1);
		}
		/* an invalid key: BAD_KEY computed without a branch */
		{
			uint8_t k[48], d[32] = { 1 }, s[HZ_CRYPTO_ECDSA_MAX_DER];
			size_t l = sizeof s;
			int rc;

			memset(k, 0, len);
			CT_SECRET(k, len);
			rc = hz_crypto_ecdsa_sign(c, HZ_CRYPTO_SHA256, s, &l, HZ_CRYPTO_ECDSA_DER, k, d, 32);
			CT_PUBLIC(&rc, sizeof rc);
			if (rc != HZ_ERR_BAD_KEY)
				__builtin_trap();
		}
	}
}

static const struct ct_entry table[] = {
	{ "ec_public", ct_public },
	{ "ecdh", ct_ecdh },
	{ "ecdsa_sign", ct_sign },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return ct_run(argc, argv, table);
}
