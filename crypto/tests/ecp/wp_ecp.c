/* Wycheproof: ECDH (P-256 SubjectPublicKeyInfo and raw points, P-384 raw
 * points) and ECDSA verification (P-256/SHA-256, P-384/SHA-384, DER and
 * P1363 signatures). The handler hashes msg with hz_crypto_hash and calls
 * hz_crypto_ecdsa_verify.
 *
 * "acceptable" decisions (documented in crypto/src/ecp/README.md):
 *   CompressedPoint, CompressedPublic  accept: haze takes compressed SEC 1
 *       points and must then produce the expected shared secret;
 *   UnnamedCurve, ModifiedCurveParameter, ModifiedGenerator,
 *   ModifiedCofactor, NoCofactor, WrongOrder, UnusedParam  reject: the
 *       SPKI reader below (test-only; haze itself takes raw SEC 1 points)
 *       accepts id-ecPublicKey with the namedCurve prime256v1 and nothing
 *       else, explicit parameters included;
 *   InvalidAsn  reject: the reader is strict DER.
 * Any other "acceptable" flag fails the test until a decision is made. */
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"
#include "wp.h"

/* Strict DER TLV at in[*pos] with the given tag: definite, minimal
 * length, within bounds. Returns the content pointer or NULL. */
static const uint8_t *der_tlv(const uint8_t *in, size_t len, size_t *pos, uint8_t tag, size_t *out_len)
{
	size_t p = *pos, l;

	if (p + 2 > len || in[p] != tag)
		return NULL;
	p++;
	l = in[p++];
	if (l == 0x81) {
		if (p >= len || in[p] < 0x80)
			return NULL;
		l = in[p++];
	} else if (l == 0x82) {
		if (p + 2 > len || in[p] == 0)
			return NULL;
		l = (size_t)in[p] << 8 | in[p + 1];
		p += 2;
	} else if (l >= 0x80) {
		return NULL;
	}
	if (l > len - p)
		return NULL;
	*pos = p + l;
	*out_len = l;
	return in + p;
}

/* SubjectPublicKeyInfo (RFC 5480 2) for P-256: SEQUENCE { SEQUENCE { OID
 * id-ecPublicKey, OID prime256v1 }, BIT STRING with no unused bits }.
 * Sets *point to the SEC 1 point inside; 0 on success, -1 for anything
 * else (explicit ECParameters, another curve, trailing bytes, BER). */
static int spki_p256(const uint8_t *in, size_t len, const uint8_t **point, size_t *point_len)
{
	static const uint8_t alg[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
				       0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	size_t pos = 0, l, ipos = 0, al;
	const uint8_t *seq, *a, *bits;

	seq = der_tlv(in, len, &pos, 0x30, &l);
	if (!seq || pos != len)
		return -1;
	a = der_tlv(seq, l, &ipos, 0x30, &al);
	if (!a || al != sizeof alg || memcmp(a, alg, sizeof alg) != 0)
		return -1;
	bits = der_tlv(seq, l, &ipos, 0x03, &al);
	if (!bits || ipos != l || al < 1 || bits[0] != 0)
		return -1;
	*point = bits + 1;
	*point_len = al - 1;
	return 0;
}

static int acceptable_decision(const struct wp_case *c)
{
	static const char *const reject[] = { "UnnamedCurve", "ModifiedCurveParameter",
					      "ModifiedGenerator", "ModifiedCofactor", "NoCofactor",
					      "WrongOrder", "UnusedParam", "InvalidAsn" };
	for (size_t i = 0; i < sizeof reject / sizeof reject[0]; i++)
		if (wp_has_flag(c, reject[i]))
			return 0;
	if (wp_has_flag(c, "CompressedPoint") || wp_has_flag(c, "CompressedPublic"))
		return 1;
	return 2; /* undecided */
}

/* Private keys are hex integers that may carry a leading 00 or be short:
 * normalise to len bytes. */
static int fixed_scalar(uint8_t *out, size_t len, const uint8_t *in, size_t in_len)
{
	while (in_len > 0 && in[0] == 0) {
		in++;
		in_len--;
	}
	if (in_len > len)
		return -1;
	memset(out, 0, len - in_len);
	memcpy(out + len - in_len, in, in_len);
	return 0;
}

static enum wp_verdict ecdh(struct wp_case *c, enum hz_crypto_curve curve, int spki)
{
	size_t pub_len, priv_len, shared_len, point_len, len = hz_crypto_ec_scalar_len(curve);
	uint8_t *pub = wp_hex(c->test, "public", &pub_len);
	uint8_t *priv = wp_hex(c->test, "private", &priv_len);
	uint8_t *shared = wp_hex(c->test, "shared", &shared_len);
	uint8_t d[HZ_CRYPTO_EC_MAX_SCALAR], out[HZ_CRYPTO_EC_MAX_SCALAR];
	const uint8_t *point = pub;
	enum wp_verdict v;
	int acc = -1, accepted, rc;

	point_len = pub_len;
	if (c->result == WP_ACCEPTABLE) {
		acc = acceptable_decision(c);
		if (acc == 2) {
			v = wp_fail(c, "no decision for this acceptable test's flags");
			goto done;
		}
	}
	if (fixed_scalar(d, len, priv, priv_len) != 0) {
		v = wp_fail(c, "private key longer than the curve");
		goto done;
	}
	if (spki && spki_p256(pub, pub_len, &point, &point_len) != 0) {
		v = wp_expect(c, 0, acc);
		goto done;
	}
	rc = hz_crypto_ecdh(curve, out, d, point, point_len);
	if (rc != HZ_OK && rc != HZ_ERR_BAD_KEY) {
		v = wp_fail(c, "unexpected return %d", rc);
		goto done;
	}
	accepted = rc == HZ_OK;
	if (accepted && (shared_len != len || memcmp(out, shared, len) != 0)) {
		v = wp_fail(c, "shared secret differs");
		goto done;
	}
	v = wp_expect(c, accepted, acc);
done:
	free(pub);
	free(priv);
	free(shared);
	return v;
}

static enum wp_verdict ecdsa(struct wp_case *c, enum hz_crypto_curve curve, enum hz_crypto_hash_alg alg,
			     enum hz_crypto_ecdsa_fmt fmt)
{
	const json_t *key = wp_get(c->group, "publicKey");
	size_t pub_len, msg_len, sig_len;
	uint8_t *pub, *msg, *sig;
	uint8_t digest[HZ_CRYPTO_HASH_MAX_LEN];
	enum wp_verdict v;
	int rc;

	if (!key)
		return wp_fail(c, "group without publicKey");
	pub = wp_hex(key, "uncompressed", &pub_len);
	msg = wp_hex(c->test, "msg", &msg_len);
	sig = wp_hex(c->test, "sig", &sig_len);
	if (c->result == WP_ACCEPTABLE) {
		v = wp_fail(c, "no decision for acceptable ECDSA tests");
		goto done;
	}
	hz_crypto_hash(alg, digest, msg, msg_len);
	rc = hz_crypto_ecdsa_verify(curve, pub, pub_len, digest, hz_crypto_hash_len(alg), sig, sig_len, fmt);
	if (rc != HZ_OK && rc != HZ_ERR_AUTH && rc != HZ_ERR_MALFORMED && rc != HZ_ERR_BAD_KEY) {
		v = wp_fail(c, "unexpected return %d", rc);
		goto done;
	}
	v = wp_expect(c, rc == HZ_OK, 0);
done:
	free(pub);
	free(msg);
	free(sig);
	return v;
}

static enum wp_verdict ecdh_p256_spki(struct wp_case *c)
{
	return ecdh(c, HZ_CRYPTO_P256, 1);
}

static enum wp_verdict ecdh_p256_point(struct wp_case *c)
{
	return ecdh(c, HZ_CRYPTO_P256, 0);
}

static enum wp_verdict ecdh_p384_point(struct wp_case *c)
{
	return ecdh(c, HZ_CRYPTO_P384, 0);
}

static enum wp_verdict ecdsa_p256_der(struct wp_case *c)
{
	return ecdsa(c, HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, HZ_CRYPTO_ECDSA_DER);
}

static enum wp_verdict ecdsa_p256_p1363(struct wp_case *c)
{
	return ecdsa(c, HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, HZ_CRYPTO_ECDSA_FIXED);
}

static enum wp_verdict ecdsa_p384_der(struct wp_case *c)
{
	return ecdsa(c, HZ_CRYPTO_P384, HZ_CRYPTO_SHA384, HZ_CRYPTO_ECDSA_DER);
}

static enum wp_verdict ecdsa_p384_p1363(struct wp_case *c)
{
	return ecdsa(c, HZ_CRYPTO_P384, HZ_CRYPTO_SHA384, HZ_CRYPTO_ECDSA_FIXED);
}

static const struct wp_entry table[] = {
	{ "ecdh_secp256r1_test.json", ecdh_p256_spki },
	{ "ecdh_secp256r1_ecpoint_test.json", ecdh_p256_point },
	{ "ecdh_secp384r1_ecpoint_test.json", ecdh_p384_point },
	{ "ecdsa_secp256r1_sha256_test.json", ecdsa_p256_der },
	{ "ecdsa_secp256r1_sha256_p1363_test.json", ecdsa_p256_p1363 },
	{ "ecdsa_secp384r1_sha384_test.json", ecdsa_p384_der },
	{ "ecdsa_secp384r1_sha384_p1363_test.json", ecdsa_p384_p1363 },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return wp_run(argc, argv, table);
}
