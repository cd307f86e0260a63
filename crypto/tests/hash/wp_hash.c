/* Wycheproof: HMAC-SHA-256/384/512 (MacTest) and HKDF-SHA-256/384
 * (HkdfTest). No test in these files is "acceptable": valid ones must
 * verify, invalid ones must be rejected. */
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"
#include "wp.h"

/* MacTest: tagSize may be shorter than the hash (a truncated tag, RFC 2104
 * section 5: the leftmost bits). The tag verifies when it has exactly
 * tagSize bits and equals that prefix of our MAC; a tag of another length
 * (as with a modified-length tag) is rejected. */
static enum wp_verdict mac(struct wp_case *c, enum hz_crypto_hash_alg alg)
{
	size_t key_len, msg_len, tag_len;
	uint8_t *key = wp_hex(c->test, "key", &key_len);
	uint8_t *msg = wp_hex(c->test, "msg", &msg_len);
	uint8_t *tag = wp_hex(c->test, "tag", &tag_len);
	size_t want = (size_t)wp_int(c->group, "tagSize") / 8;
	uint8_t out[HZ_CRYPTO_HASH_MAX_LEN], out2[HZ_CRYPTO_HASH_MAX_LEN];
	enum wp_verdict v;
	int accepted;

	if (want > hz_crypto_hash_len(alg)) {
		v = wp_fail(c, "tagSize %zu beyond the hash", want);
		goto done;
	}
	if (hz_crypto_hmac(alg, out, key, key_len, msg, msg_len) != HZ_OK) {
		v = wp_fail(c, "hmac failed");
		goto done;
	}
	/* The streaming API must agree (one byte first, then the rest). */
	struct hz_crypto_hmac m;
	hz_crypto_hmac_init(&m, alg, key, key_len);
	if (msg_len) {
		hz_crypto_hmac_update(&m, msg, 1);
		hz_crypto_hmac_update(&m, msg + 1, msg_len - 1);
	}
	hz_crypto_hmac_final(&m, out2);
	if (memcmp(out, out2, hz_crypto_hash_len(alg)) != 0) {
		v = wp_fail(c, "streaming HMAC differs from one-shot");
		goto done;
	}
	accepted = tag_len == want && hz_crypto_ct_eq(out, tag, want);
	v = wp_expect(c, accepted, 0);
done:
	free(key);
	free(msg);
	free(tag);
	return v;
}

/* HkdfTest: "invalid" means size > 255 * HashLen (flag SizeTooLarge),
 * which hz_crypto_hkdf must refuse; any other test must produce okm. */
static enum wp_verdict hkdf(struct wp_case *c, enum hz_crypto_hash_alg alg)
{
	size_t ikm_len, salt_len, info_len, okm_len;
	uint8_t *ikm = wp_hex(c->test, "ikm", &ikm_len);
	uint8_t *salt = wp_hex(c->test, "salt", &salt_len);
	uint8_t *info = wp_hex(c->test, "info", &info_len);
	uint8_t *okm = wp_hex(c->test, "okm", &okm_len);
	size_t size = (size_t)wp_int(c->test, "size");
	size_t hl = hz_crypto_hash_len(alg);
	uint8_t *out = malloc(size + 1), *out2 = malloc(size + 1);
	uint8_t prk[HZ_CRYPTO_HASH_MAX_LEN];
	enum wp_verdict v;
	int rc, rc2, accepted;

	rc = hz_crypto_hkdf(alg, out, size, salt_len ? salt : NULL, salt_len, ikm, ikm_len, info, info_len);
	/* Extract then Expand separately must agree, errors included. */
	hz_crypto_hkdf_extract(alg, prk, salt, salt_len, ikm, ikm_len);
	rc2 = hz_crypto_hkdf_expand(alg, out2, size, prk, hl, info, info_len);
	if (rc != rc2 || (rc == HZ_OK && memcmp(out, out2, size) != 0)) {
		v = wp_fail(c, "hkdf and extract+expand disagree (%d, %d)", rc, rc2);
		goto done;
	}
	if (rc != HZ_OK && rc != HZ_ERR_INVALID) {
		v = wp_fail(c, "unexpected error %d", rc);
		goto done;
	}
	/* An invalid test has no okm: accepting it means returning HZ_OK. */
	accepted = rc == HZ_OK && (okm_len != size || memcmp(out, okm, size) == 0);
	if (c->result == WP_VALID && okm_len != size) {
		v = wp_fail(c, "okm length %zu != size %zu", okm_len, size);
		goto done;
	}
	v = wp_expect(c, accepted, 0);
done:
	free(ikm);
	free(salt);
	free(info);
	free(okm);
	free(out);
	free(out2);
	return v;
}

static enum wp_verdict hmac_sha256(struct wp_case *c)
{
	return mac(c, HZ_CRYPTO_SHA256);
}

static enum wp_verdict hmac_sha384(struct wp_case *c)
{
	return mac(c, HZ_CRYPTO_SHA384);
}

static enum wp_verdict hmac_sha512(struct wp_case *c)
{
	return mac(c, HZ_CRYPTO_SHA512);
}

static enum wp_verdict hkdf_sha256(struct wp_case *c)
{
	return hkdf(c, HZ_CRYPTO_SHA256);
}

static enum wp_verdict hkdf_sha384(struct wp_case *c)
{
	return hkdf(c, HZ_CRYPTO_SHA384);
}

static const struct wp_entry table[] = {
	{ "hmac_sha256_test.json", hmac_sha256 },
	{ "hmac_sha384_test.json", hmac_sha384 },
	{ "hmac_sha512_test.json", hmac_sha512 },
	{ "hkdf_sha256_test.json", hkdf_sha256 },
	{ "hkdf_sha384_test.json", hkdf_sha384 },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return wp_run(argc, argv, table);
}
