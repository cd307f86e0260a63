/* Wycheproof: RSASSA-PKCS1-v1_5 (RsassaPkcs1Verify) and RSASSA-PSS
 * (RsassaPssVerify) signature verification. The public key is the group's
 * publicKey.modulus / publicExponent; the test hashes msg with the
 * group's sha and calls haze with the digest.
 *
 * "acceptable" decisions (see README.md): MissingNull (a DigestInfo
 * without the NULL parameters) must be rejected: verification re-encodes
 * EMSA-PKCS1-v1_5 with the NULL and compares whole, as RFC 8017 8.2.2
 * prescribes. No other flag in these files is acceptable. */
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"
#include "wp.h"

static int alg_of(const char *name, enum hz_crypto_hash_alg *alg)
{
	if (!strcmp(name, "SHA-256"))
		*alg = HZ_CRYPTO_SHA256;
	else if (!strcmp(name, "SHA-384"))
		*alg = HZ_CRYPTO_SHA384;
	else if (!strcmp(name, "SHA-512"))
		*alg = HZ_CRYPTO_SHA512;
	else
		return 0;
	return 1;
}

static enum wp_verdict verify(struct wp_case *c, int pss)
{
	const json_t *pk = wp_get(c->group, "publicKey");
	size_t n_len, e_len, msg_len, sig_len;
	enum hz_crypto_hash_alg alg, mgf = HZ_CRYPTO_SHA256;
	uint8_t h[HZ_CRYPTO_HASH_MAX_LEN];
	enum wp_verdict v;
	int rc;

	if (!pk)
		return wp_fail(c, "group without publicKey");
	if (!alg_of(wp_str(c->group, "sha"), &alg))
		return wp_skip(c, "hash %s", wp_str(c->group, "sha"));
	if (pss && (strcmp(wp_str(c->group, "mgf"), "MGF1") || !alg_of(wp_str(c->group, "mgfSha"), &mgf)))
		return wp_skip(c, "mgf %s", wp_str(c->group, "mgf"));
	uint8_t *n = wp_hex(pk, "modulus", &n_len);
	uint8_t *e = wp_hex(pk, "publicExponent", &e_len);
	uint8_t *msg = wp_hex(c->test, "msg", &msg_len);
	uint8_t *sig = wp_hex(c->test, "sig", &sig_len);
	struct hz_crypto_rsa_public key = { n, n_len, e, e_len };

	hz_crypto_hash(alg, h, msg, msg_len);
	if (pss)
		rc = hz_crypto_rsa_pss_verify(&key, alg, mgf, (size_t)wp_int(c->group, "sLen"), h,
			hz_crypto_hash_len(alg), sig, sig_len);
	else
		rc = hz_crypto_rsa_pkcs1_verify(&key, alg, h, hz_crypto_hash_len(alg), sig, sig_len);
	if (rc != HZ_OK && rc != HZ_ERR_AUTH)
		v = wp_fail(c, "unexpected error %d", rc);
	else
		v = wp_expect(c, rc == HZ_OK, wp_has_flag(c, "MissingNull") ? 0 : -1);
	/* With any salt length a valid PSS signature must verify too. */
	if (v == WP_PASS && pss && rc == HZ_OK &&
	    hz_crypto_rsa_pss_verify(&key, alg, mgf, HZ_CRYPTO_RSA_PSS_SALT_ANY, h, hz_crypto_hash_len(alg), sig,
		    sig_len) != HZ_OK)
		v = wp_fail(c, "valid with sLen, rejected with SALT_ANY");
	free(n);
	free(e);
	free(msg);
	free(sig);
	return v;
}

static enum wp_verdict pkcs1(struct wp_case *c)
{
	return verify(c, 0);
}

static enum wp_verdict pss(struct wp_case *c)
{
	return verify(c, 1);
}

static const struct wp_entry table[] = {
	{ "rsa_signature_2048_sha256_test.json", pkcs1 },
	{ "rsa_signature_2048_sha384_test.json", pkcs1 },
	{ "rsa_signature_3072_sha256_test.json", pkcs1 },
	{ "rsa_pss_2048_sha256_mgf1_32_test.json", pss },
	{ "rsa_pss_2048_sha384_mgf1_48_test.json", pss },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return wp_run(argc, argv, table);
}
