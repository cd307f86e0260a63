/* Differential checks of the ecp area against OpenSSL libcrypto 3.0 on
 * both curves: public-key derivation (EC_POINT_mul), ECDH with random keys
 * and compressed or uncompressed peers, haze signatures verified by
 * OpenSSL (EVP_PKEY_verify) and OpenSSL signatures verified by haze, in
 * both formats (d2i/i2d_ECDSA_SIG convert), tampered signatures and
 * digests rejected by both, and random or perturbed points judged alike by
 * hz_crypto_ec_check_public and EC_POINT_oct2point. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "diff.h"
#include "haze/crypto.h"

static enum hz_crypto_curve pick_curve(struct diff_in *in)
{
	return diff_below(in, 2) ? HZ_CRYPTO_P384 : HZ_CRYPTO_P256;
}

static EC_GROUP *group_of(enum hz_crypto_curve c)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(c == HZ_CRYPTO_P256 ? NID_X9_62_prime256v1 : NID_secp384r1);
	if (!g)
		diff_fail("EC_GROUP_new_by_curve_name");
	return g;
}

/* A private key in [1, n - 1] from the input (rejection-free: reduce a
 * random value, map 0 to 1). */
static void pick_priv(struct diff_in *in, enum hz_crypto_curve c, const EC_GROUP *g, uint8_t *out)
{
	size_t len = hz_crypto_ec_scalar_len(c);
	BIGNUM *k, *n = BN_new();
	BN_CTX *ctx = BN_CTX_new();

	diff_take(in, out, len);
	k = BN_bin2bn(out, (int)len, NULL);
	EC_GROUP_get_order(g, n, ctx);
	BN_mod(k, k, n, ctx);
	if (BN_is_zero(k))
		BN_one(k);
	BN_bn2binpad(k, out, (int)len);
	BN_free(k);
	BN_free(n);
	BN_CTX_free(ctx);
}

/* OpenSSL's k G, encoded with form. */
static size_t ossl_pub(const EC_GROUP *g, const uint8_t *priv, size_t len, uint8_t *out,
		       point_conversion_form_t form)
{
	BIGNUM *k = BN_bin2bn(priv, (int)len, NULL);
	EC_POINT *p = EC_POINT_new(g);
	size_t n;

	if (!EC_POINT_mul(g, p, k, NULL, NULL, NULL))
		diff_fail("EC_POINT_mul");
	n = EC_POINT_point2oct(g, p, form, out, 1 + 2 * len, NULL);
	EC_POINT_free(p);
	BN_free(k);
	return n;
}

static EVP_PKEY *ossl_key(enum hz_crypto_curve c, const uint8_t *pub, size_t pub_len, const uint8_t *priv)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM *params;
	BIGNUM *d = NULL;

	OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, c == HZ_CRYPTO_P256 ? "P-256" : "P-384", 0);
	OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len);
	if (priv) {
		d = BN_bin2bn(priv, (int)hz_crypto_ec_scalar_len(c), NULL);
		OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d);
	}
	params = OSSL_PARAM_BLD_to_param(b);
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
		diff_fail("EVP_PKEY_fromdata");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	BN_free(d);
	return key;
}

/* 1 when OpenSSL accepts the DER signature. */
static int ossl_verify(EVP_PKEY *key, const uint8_t *digest, size_t dl, const uint8_t *der, size_t der_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	int ok;

	if (EVP_PKEY_verify_init(ctx) <= 0)
		diff_fail("EVP_PKEY_verify_init");
	ok = EVP_PKEY_verify(ctx, der, der_len, digest, dl) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* r || s to DER with OpenSSL's encoder. */
static size_t fixed_to_der(const uint8_t *rs, size_t len, uint8_t *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	unsigned char *p = der;
	int n;

	ECDSA_SIG_set0(s, BN_bin2bn(rs, (int)len, NULL), BN_bin2bn(rs + len, (int)len, NULL));
	n = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	if (n <= 0)
		diff_fail("i2d_ECDSA_SIG");
	return (size_t)n;
}

static void der_to_fixed(const uint8_t *der, size_t der_len, size_t len, uint8_t *rs)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);

	if (!s)
		diff_fail("d2i_ECDSA_SIG");
	BN_bn2binpad(ECDSA_SIG_get0_r(s), rs, (int)len);
	BN_bn2binpad(ECDSA_SIG_get0_s(s), rs + len, (int)len);
	ECDSA_SIG_free(s);
}

/* Public keys: haze and OpenSSL agree on k G; k = 0 and k >= n refused. */
static void d_public(struct diff_in *in)
{
	enum hz_crypto_curve c = pick_curve(in);
	size_t len = hz_crypto_ec_scalar_len(c);
	EC_GROUP *g = group_of(c);
	uint8_t k[48], pub[97], want[97];
	int rc;

	if (diff_below(in, 8) == 0) {
		/* raw bytes: maybe >= n (P-256 top bytes ff), maybe 0 */
		diff_take(in, k, len);
		if (diff_below(in, 4) == 0)
			memset(k, diff_below(in, 2) ? 0xff : 0, len);
	} else {
		pick_priv(in, c, g, k);
	}
	rc = hz_crypto_ec_public(c, pub, k);
	{
		BIGNUM *b = BN_bin2bn(k, (int)len, NULL);
		const BIGNUM *n = EC_GROUP_get0_order(g);
		int valid = !BN_is_zero(b) && BN_cmp(b, n) < 0;
		BN_free(b);
		if (valid != (rc == HZ_OK))
			diff_fail("ec_public: rc %d for a key OpenSSL deems %svalid", rc, valid ? "" : "in");
		if (valid) {
			ossl_pub(g, k, len, want, POINT_CONVERSION_UNCOMPRESSED);
			diff_eq("ec_public", pub, want, 1 + 2 * len);
		}
	}
	EC_GROUP_free(g);
}

/* ECDH: x(a B) from haze equals OpenSSL's; the peer compressed or not. */
static void d_ecdh(struct diff_in *in)
{
	enum hz_crypto_curve c = pick_curve(in);
	size_t len = hz_crypto_ec_scalar_len(c), bl;
	EC_GROUP *g = group_of(c);
	uint8_t a[48], b[48], pb[97], s[48], want[48];
	int comp = (int)diff_below(in, 2);
	EC_POINT *bp = EC_POINT_new(g), *r = EC_POINT_new(g);
	BIGNUM *ab, *x = BN_new();

	pick_priv(in, c, g, a);
	pick_priv(in, c, g, b);
	bl = ossl_pub(g, b, len, pb, comp ? POINT_CONVERSION_COMPRESSED : POINT_CONVERSION_UNCOMPRESSED);
	if (hz_crypto_ecdh(c, s, a, pb, bl) != HZ_OK)
		diff_fail("ecdh refused a valid peer");
	ab = BN_bin2bn(a, (int)len, NULL);
	if (!EC_POINT_oct2point(g, bp, pb, bl, NULL) || !EC_POINT_mul(g, r, NULL, bp, ab, NULL) ||
	    !EC_POINT_get_affine_coordinates(g, r, x, NULL, NULL))
		diff_fail("OpenSSL ECDH");
	BN_bn2binpad(x, want, (int)len);
	diff_eq("ecdh", s, want, len);
	BN_free(ab);
	BN_free(x);
	EC_POINT_free(bp);
	EC_POINT_free(r);
	EC_GROUP_free(g);
}

/* haze signs (RFC 6979), OpenSSL verifies; a flipped bit is rejected by
 * both. */
static void d_haze_sign(struct diff_in *in)
{
	enum hz_crypto_curve c = pick_curve(in);
	size_t len = hz_crypto_ec_scalar_len(c), dl, sl = HZ_CRYPTO_ECDSA_MAX_DER, der_len;
	enum hz_crypto_hash_alg alg = (enum hz_crypto_hash_alg)(1 + diff_below(in, 3));
	enum hz_crypto_ecdsa_fmt fmt = (enum hz_crypto_ecdsa_fmt)diff_below(in, 2);
	EC_GROUP *g = group_of(c);
	uint8_t k[48], pub[97], d[64], sig[HZ_CRYPTO_ECDSA_MAX_DER], der[HZ_CRYPTO_ECDSA_MAX_DER + 8];
	EVP_PKEY *key;
	size_t bit;

	pick_priv(in, c, g, k);
	dl = diff_below(in, 65); /* any digest length, truncation included */
	diff_take(in, d, dl);
	if (hz_crypto_ec_public(c, pub, k) != HZ_OK)
		diff_fail("ec_public");
	if (hz_crypto_ecdsa_sign(c, alg, sig, &sl, fmt, k, d, dl) != HZ_OK)
		diff_fail("ecdsa_sign");
	if (fmt == HZ_CRYPTO_ECDSA_FIXED) {
		der_len = fixed_to_der(sig, len, der);
	} else {
		uint8_t rs[96], back[HZ_CRYPTO_ECDSA_MAX_DER + 8];
		/* haze's DER is what OpenSSL's encoder makes of the same r, s */
		der_to_fixed(sig, sl, len, rs);
		der_len = fixed_to_der(rs, len, back);
		if (der_len != sl)
			diff_fail("DER length %zu, OpenSSL %zu", sl, der_len);
		diff_eq("der", sig, back, sl);
		memcpy(der, sig, sl);
	}
	key = ossl_key(c, pub, 1 + 2 * len, NULL);
	if (!ossl_verify(key, d, dl, der, der_len))
		diff_fail("OpenSSL rejects a haze signature");
	if (hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, dl, sig, sl, fmt) != HZ_OK)
		diff_fail("haze rejects its own signature");
	bit = diff_below(in, (uint32_t)(8 * sl));
	sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, dl, sig, sl, fmt) == HZ_OK)
		diff_fail("haze accepts a tampered signature (bit %zu)", bit);
	if (fmt == HZ_CRYPTO_ECDSA_FIXED) {
		der_len = fixed_to_der(sig, len, der);
		if (ossl_verify(key, d, dl, der, der_len))
			diff_fail("OpenSSL accepts a tampered signature");
	} else if (ossl_verify(key, d, dl, sig, sl)) {
		diff_fail("OpenSSL accepts a tampered DER signature");
	}
	EVP_PKEY_free(key);
	EC_GROUP_free(g);
}

/* OpenSSL signs (random k), haze verifies in both formats; a changed
 * digest is rejected by both. */
static void d_ossl_sign(struct diff_in *in)
{
	enum hz_crypto_curve c = pick_curve(in);
	size_t len = hz_crypto_ec_scalar_len(c), dl, sl = HZ_CRYPTO_ECDSA_MAX_DER + 8;
	EC_GROUP *g = group_of(c);
	uint8_t k[48], pub[97], d[64], der[HZ_CRYPTO_ECDSA_MAX_DER + 8], rs[96];
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx;
	size_t pl;
	int comp = (int)diff_below(in, 4) == 0;

	pick_priv(in, c, g, k);
	dl = 1 + diff_below(in, 64);
	diff_take(in, d, dl);
	pl = ossl_pub(g, k, len, pub, POINT_CONVERSION_UNCOMPRESSED);
	key = ossl_key(c, pub, pl, k);
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (EVP_PKEY_sign_init(ctx) <= 0 || EVP_PKEY_sign(ctx, der, &sl, d, dl) <= 0)
		diff_fail("EVP_PKEY_sign");
	EVP_PKEY_CTX_free(ctx);
	der_to_fixed(der, sl, len, rs);
	if (comp)
		pl = ossl_pub(g, k, len, pub, POINT_CONVERSION_COMPRESSED);
	if (hz_crypto_ecdsa_verify(c, pub, pl, d, dl, der, sl, HZ_CRYPTO_ECDSA_DER) != HZ_OK)
		diff_fail("haze rejects an OpenSSL DER signature");
	if (hz_crypto_ecdsa_verify(c, pub, pl, d, dl, rs, 2 * len, HZ_CRYPTO_ECDSA_FIXED) != HZ_OK)
		diff_fail("haze rejects an OpenSSL signature (fixed)");
	d[diff_below(in, (uint32_t)dl)] ^= (uint8_t)(1u << diff_below(in, 8));
	{
		/* A change beyond the order's length is truncated away: both
		 * must then still accept. */
		int h = hz_crypto_ecdsa_verify(c, pub, pl, d, dl, der, sl, HZ_CRYPTO_ECDSA_DER) == HZ_OK;
		int o = ossl_verify(key, d, dl, der, sl);
		if (h != o)
			diff_fail("tampered digest: haze %d, OpenSSL %d", h, o);
	}
	EVP_PKEY_free(key);
	EC_GROUP_free(g);
}

/* Points: random bytes, random x with either parity, valid points with a
 * changed byte: both libraries accept exactly the same. */
static void d_points(struct diff_in *in)
{
	enum hz_crypto_curve c = pick_curve(in);
	size_t len = hz_crypto_ec_scalar_len(c), pl;
	EC_GROUP *g = group_of(c);
	EC_POINT *p = EC_POINT_new(g);
	uint8_t buf[97], k[48];
	int h, o;

	switch (diff_below(in, 4)) {
	case 0: /* compressed, random x */
		pl = 1 + len;
		buf[0] = (uint8_t)(2 + diff_below(in, 2));
		diff_take(in, buf + 1, len);
		break;
	case 1: /* uncompressed random */
		pl = 1 + 2 * len;
		buf[0] = 4;
		diff_take(in, buf + 1, 2 * len);
		break;
	case 2: /* a valid point with one byte changed (maybe not) */
		pick_priv(in, c, g, k);
		pl = ossl_pub(g, k, len, buf, POINT_CONVERSION_UNCOMPRESSED);
		if (diff_below(in, 2))
			buf[diff_below(in, (uint32_t)pl)] ^= (uint8_t)(1 + diff_below(in, 255));
		break;
	default: /* a valid compressed point, maybe with the wrong length */
		pick_priv(in, c, g, k);
		pl = ossl_pub(g, k, len, buf, POINT_CONVERSION_COMPRESSED);
		if (diff_below(in, 2))
			buf[1 + diff_below(in, (uint32_t)len)] ^= (uint8_t)(1 + diff_below(in, 255));
		break;
	}
	h = hz_crypto_ec_check_public(c, buf, pl) == HZ_OK;
	o = EC_POINT_oct2point(g, p, buf, pl, NULL) == 1 && EC_POINT_is_on_curve(g, p, NULL) == 1 &&
	    !EC_POINT_is_at_infinity(g, p);
	if (h != o)
		diff_fail("point validity: haze %d, OpenSSL %d", h, o);
	EC_POINT_free(p);
	EC_GROUP_free(g);
}

const struct diff_entry diff_ecp_table[] = {
	{ "ec-public", d_public, 300, 128 },
	{ "ecdh", d_ecdh, 300, 128 },
	{ "ecdsa-haze-sign", d_haze_sign, 300, 160 },
	{ "ecdsa-ossl-sign", d_ossl_sign, 300, 160 },
	{ "ec-points", d_points, 1000, 128 },
	{ NULL, NULL, 0, 0 },
};

#ifndef HZ_DIFF_NO_MAIN
int main(int argc, char **argv)
{
	return diff_run(argc, argv, diff_ecp_table);
}
#endif
