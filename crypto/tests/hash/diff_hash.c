/* Differential checks of the hash area against OpenSSL libcrypto 3.0:
 * SHA-256/384/512 with random lengths and update splits (and a forked
 * context), HMAC with random key lengths 0..300, HKDF (EVP_KDF "HKDF")
 * including the 255*HashLen limit, and the TLS 1.2 PRF (EVP_KDF
 * "TLS1-PRF"). diff_run runs each with all CPU features (SHA-NI) and
 * again portable. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "diff.h"
#include "haze/crypto.h"

#define MAX_MSG 4096

static const char *md_name(enum hz_crypto_hash_alg alg)
{
	return alg == HZ_CRYPTO_SHA256 ? "SHA256" : alg == HZ_CRYPTO_SHA384 ? "SHA384" : "SHA512";
}

static const EVP_MD *md_of(enum hz_crypto_hash_alg alg)
{
	return alg == HZ_CRYPTO_SHA256 ? EVP_sha256() : alg == HZ_CRYPTO_SHA384 ? EVP_sha384() : EVP_sha512();
}

static enum hz_crypto_hash_alg pick_alg(struct diff_in *in)
{
	return (enum hz_crypto_hash_alg)(1 + diff_below(in, 3));
}

/* Feed msg to a running hash in up to five random pieces. */
static void feed(struct diff_in *in, struct hz_crypto_hash *h, const uint8_t *msg, size_t len)
{
	unsigned pieces = diff_below(in, 5);
	size_t at = 0;

	for (unsigned i = 0; i < pieces && at < len; i++) {
		size_t n = diff_below(in, (uint32_t)(len - at + 1));

		hz_crypto_hash_update(h, msg + at, n);
		at += n;
	}
	hz_crypto_hash_update(h, msg + at, len - at);
}

static void check_hash(struct diff_in *in, enum hz_crypto_hash_alg alg)
{
	static uint8_t msg[MAX_MSG];
	size_t len = diff_below(in, MAX_MSG + 1);
	size_t hl = hz_crypto_hash_len(alg);
	uint8_t a[64], b[64], c[64];
	unsigned bl;
	struct hz_crypto_hash h, fork;

	diff_take(in, msg, len);
	if (EVP_Digest(msg, len, b, &bl, md_of(alg), NULL) != 1 || bl != hl)
		diff_fail("EVP_Digest");
	hz_crypto_hash(alg, a, msg, len);
	diff_eq("hash one-shot", a, b, hl);
	/* Streaming with random splits, forked half way: the fork finishes
	 * the same message and must agree too. */
	size_t cut = diff_below(in, (uint32_t)len + 1);
	hz_crypto_hash_init(&h, alg);
	feed(in, &h, msg, cut);
	fork = h;
	feed(in, &h, msg + cut, len - cut);
	hz_crypto_hash_final(&h, a);
	diff_eq("hash streaming", a, b, hl);
	hz_crypto_hash_update(&fork, msg + cut, len - cut);
	hz_crypto_hash_final(&fork, c);
	diff_eq("hash forked", c, b, hl);
}

static void d_sha256(struct diff_in *in)
{
	check_hash(in, HZ_CRYPTO_SHA256);
}

static void d_sha384(struct diff_in *in)
{
	check_hash(in, HZ_CRYPTO_SHA384);
}

static void d_sha512(struct diff_in *in)
{
	check_hash(in, HZ_CRYPTO_SHA512);
}

static void d_hmac(struct diff_in *in)
{
	static uint8_t msg[MAX_MSG];
	enum hz_crypto_hash_alg alg = pick_alg(in);
	size_t hl = hz_crypto_hash_len(alg);
	size_t key_len = diff_below(in, 301), len = diff_below(in, 2049);
	uint8_t key[301], a[64], b[64];
	size_t ol = 0;
	struct hz_crypto_hmac m;

	diff_take(in, key, key_len);
	diff_take(in, msg, len);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, md_name(alg), NULL, key, key_len, msg, len, b, sizeof(b), &ol) ||
	    ol != hl)
		diff_fail("EVP_Q_mac HMAC-%s key %zu", md_name(alg), key_len);
	if (hz_crypto_hmac(alg, a, key, key_len, msg, len) != HZ_OK)
		diff_fail("hz_crypto_hmac");
	diff_eq("hmac one-shot", a, b, hl);
	/* Streaming from a keyed context copied before use. */
	struct hz_crypto_hmac keyed;
	hz_crypto_hmac_init(&keyed, alg, key, key_len);
	m = keyed;
	feed(in, &m.inner, msg, len);
	hz_crypto_hmac_final(&m, a);
	diff_eq("hmac streaming", a, b, hl);
	m = keyed;
	hz_crypto_hmac_update(&m, msg, len);
	hz_crypto_hmac_final(&m, a);
	diff_eq("hmac copied context", a, b, hl);
	hz_crypto_wipe(&keyed, sizeof(keyed));
	/* A tag with one flipped bit (or truncated) must fail both compares. */
	size_t bit = diff_below(in, (uint32_t)hl * 8);
	b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (hz_crypto_ct_eq(a, b, hl) || CRYPTO_memcmp(a, b, hl) == 0)
		diff_fail("tampered HMAC tag accepted");
}

static EVP_KDF *kdf_hkdf, *kdf_prf;

static int ossl_hkdf(enum hz_crypto_hash_alg alg, uint8_t *out, size_t out_len, const uint8_t *salt,
		     size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info, size_t info_len)
{
	OSSL_PARAM p[5];
	EVP_KDF_CTX *k;
	int r;

	if (!kdf_hkdf && !(kdf_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL)))
		diff_fail("EVP_KDF_fetch HKDF");
	k = EVP_KDF_CTX_new(kdf_hkdf);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name(alg), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	p[4] = OSSL_PARAM_construct_end();
	r = EVP_KDF_derive(k, out, out_len, p);
	EVP_KDF_CTX_free(k);
	return r == 1;
}

static void d_hkdf(struct diff_in *in)
{
	static uint8_t a[255 * 64 + 64], b[255 * 64 + 64];
	enum hz_crypto_hash_alg alg = pick_alg(in);
	size_t hl = hz_crypto_hash_len(alg);
	uint8_t salt[200], ikm[200], info[200], prk[64];
	size_t salt_len = diff_below(in, 200), ikm_len = diff_below(in, 200);
	size_t info_len = diff_below(in, 200), out_len;
	unsigned mode = diff_below(in, 16);
	int ra, rb;

	/* Mostly short outputs; sometimes at or beyond 255 * HashLen. */
	if (mode == 0)
		out_len = 255 * hl;
	else if (mode == 1)
		out_len = 255 * hl + 1 + diff_below(in, (uint32_t)hl);
	else
		out_len = 1 + diff_below(in, 600);
	diff_take(in, salt, salt_len);
	diff_take(in, ikm, ikm_len);
	diff_take(in, info, info_len);
	ra = hz_crypto_hkdf(alg, a, out_len, salt_len ? salt : NULL, salt_len, ikm, ikm_len, info, info_len);
	rb = ossl_hkdf(alg, b, out_len, salt, salt_len, ikm, ikm_len, info, info_len);
	if ((ra == HZ_OK) != rb)
		diff_fail("hkdf %s out_len %zu: haze %d, openssl %d", md_name(alg), out_len, ra, rb);
	if (ra != HZ_OK) {
		if (out_len <= 255 * hl)
			diff_fail("hkdf refused a legal length %zu", out_len);
		return;
	}
	diff_eq("hkdf", a, b, out_len);
	/* Extract + Expand separately agree with the combined call. */
	hz_crypto_hkdf_extract(alg, prk, salt, salt_len, ikm, ikm_len);
	if (hz_crypto_hkdf_expand(alg, a, out_len, prk, hl, info, info_len) != HZ_OK)
		diff_fail("hkdf_expand");
	diff_eq("hkdf extract+expand", a, b, out_len);
}

static void d_tls12_prf(struct diff_in *in)
{
	static uint8_t a[1024], b[1024];
	enum hz_crypto_hash_alg alg = pick_alg(in);
	uint8_t secret[200], label[64], seed[128];
	size_t secret_len = diff_below(in, 200), label_len = 1 + diff_below(in, 63);
	size_t seed_len = diff_below(in, 128), out_len = 1 + diff_below(in, 1023);
	OSSL_PARAM p[5];
	EVP_KDF_CTX *k;

	diff_take(in, secret, secret_len);
	diff_take(in, label, label_len);
	diff_take(in, seed, seed_len);
	if (hz_crypto_tls12_prf(alg, a, out_len, secret, secret_len, label, label_len, seed, seed_len) != HZ_OK)
		diff_fail("hz_crypto_tls12_prf");
	if (!kdf_prf && !(kdf_prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL)))
		diff_fail("EVP_KDF_fetch TLS1-PRF");
	k = EVP_KDF_CTX_new(kdf_prf);
	/* OpenSSL concatenates repeated SEED parameters: label || seed. */
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name(alg), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, secret, secret_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, label, label_len);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, seed_len);
	p[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(k, b, out_len, p) != 1)
		diff_fail("EVP_KDF_derive TLS1-PRF");
	EVP_KDF_CTX_free(k);
	diff_eq("tls12 prf", a, b, out_len);
}

const struct diff_entry diff_hash_table[] = {
	{ "sha256", d_sha256, 10000, MAX_MSG + 64 },
	{ "sha384", d_sha384, 5000, MAX_MSG + 64 },
	{ "sha512", d_sha512, 5000, MAX_MSG + 64 },
	{ "hmac", d_hmac, 6000, 2500 },
	{ "hkdf", d_hkdf, 3000, 700 },
	{ "tls12-prf", d_tls12_prf, 3000, 500 },
	{ NULL, NULL, 0, 0 },
};

#ifndef HZ_DIFF_NO_MAIN
int main(int argc, char **argv)
{
	return diff_run(argc, argv, diff_hash_table);
}
#endif
