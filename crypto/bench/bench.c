/* haze-bench-crypto: each primitive against OpenSSL's libcrypto, measured
 * in the same process, alternately, in the same run.
 *
 * For every measurement both sides run for a time slice (default 0.2 s)
 * per round, alternating haze/openssl, for 7 rounds; the medians are
 * printed as
 *   bench <name>: haze=<v> openssl=<v> ratio=<haze/openssl> unit=<unit>
 * Throughput is in GB/s over 16 KiB messages (AEAD seal, hash), the rest
 * in operations per second. Higher ratio is better.
 *
 *   haze-bench-crypto [--rounds N] [--slice SECONDS] [--portable]
 *                     [--cpu-mask HEX] [NAME...]
 * --portable restricts haze to its portable paths (hz_crypto_cpu_restrict),
 * to show what the accelerated ones buy; --cpu-mask keeps only the
 * HZ_CRYPTO_CPU_* bits given (e.g. 0x7f: no AVX-512, VAES, SHA-NI or ADX,
 * as on an older CPU). */
#define _POSIX_C_SOURCE 200809L
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/core_names.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "haze/crypto.h"

#define MSG (16 * 1024)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "haze-bench-crypto: %s\n", what);
	exit(1);
}

/* ------------------------------------------------------------------ */
/* Shared inputs                                                       */
/* ------------------------------------------------------------------ */

static uint8_t msg[MSG], out[MSG + 64], key32[32], nonce12[12], tag[16];
static volatile uint8_t sink;

/* AES-GCM */
static struct hz_crypto_aes_gcm hz_gcm128, hz_gcm256;
static EVP_CIPHER_CTX *os_gcm128, *os_gcm256;

static void hz_aes128gcm(void)
{
	hz_crypto_aes_gcm_seal(&hz_gcm128, out, tag, 16, nonce12, 12, NULL, 0, msg, MSG);
}
static void hz_aes256gcm(void)
{
	hz_crypto_aes_gcm_seal(&hz_gcm256, out, tag, 16, nonce12, 12, NULL, 0, msg, MSG);
}
static void os_gcm(EVP_CIPHER_CTX *c)
{
	int n = 0;
	if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce12) != 1 ||
	    EVP_EncryptUpdate(c, out, &n, msg, MSG) != 1 ||
	    EVP_EncryptFinal_ex(c, out + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		die("openssl gcm");
}
static void os_aes128gcm(void)
{
	os_gcm(os_gcm128);
}
static void os_aes256gcm(void)
{
	os_gcm(os_gcm256);
}

/* ChaCha20-Poly1305 */
static EVP_CIPHER_CTX *os_cp;
static void hz_chachapoly(void)
{
	hz_crypto_chacha20_poly1305_seal(out, tag, key32, nonce12, NULL, 0, msg, MSG);
}
static void os_chachapoly(void)
{
	int n = 0;
	if (EVP_EncryptInit_ex(os_cp, NULL, NULL, key32, nonce12) != 1 ||
	    EVP_EncryptUpdate(os_cp, out, &n, msg, MSG) != 1 ||
	    EVP_EncryptFinal_ex(os_cp, out + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(os_cp, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
		die("openssl chacha20-poly1305");
}

/* Hashes */
static EVP_MD_CTX *os_md;
static void hz_sha256(void)
{
	hz_crypto_sha256(out, msg, MSG);
}
static void hz_sha512(void)
{
	hz_crypto_sha512(out, msg, MSG);
}
static void os_digest(const EVP_MD *md)
{
	unsigned n;
	if (EVP_DigestInit_ex(os_md, md, NULL) != 1 || EVP_DigestUpdate(os_md, msg, MSG) != 1 ||
	    EVP_DigestFinal_ex(os_md, out, &n) != 1)
		die("openssl digest");
}
static const EVP_MD *md256, *md512;
static void os_sha256(void)
{
	os_digest(md256);
}
static void os_sha512(void)
{
	os_digest(md512);
}

/* X25519 */
static uint8_t x_scalar[32], x_point[32];
static EVP_PKEY *os_x_priv, *os_x_peer;
static void hz_x25519(void)
{
	(void)hz_crypto_x25519(out, x_scalar, x_point);
}
static void os_x25519(void)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(os_x_priv, NULL);
	size_t n = 32;
	if (!c || EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c, os_x_peer) != 1 ||
	    EVP_PKEY_derive(c, out, &n) != 1)
		die("openssl x25519");
	EVP_PKEY_CTX_free(c);
}

/* Ed25519 */
static uint8_t ed_seed[32], ed_pub[32], ed_sig[64];
static EVP_PKEY *os_ed;
static EVP_MD_CTX *os_edctx;
static uint8_t os_ed_sig[64];
static void hz_ed_sign(void)
{
	hz_crypto_ed25519_sign(out, ed_seed, ed_pub, msg, 64);
}
static void hz_ed_verify(void)
{
	if (hz_crypto_ed25519_verify(ed_sig, ed_pub, msg, 64) != HZ_OK)
		die("haze ed25519 verify");
}
static void os_ed_sign(void)
{
	size_t n = 64;
	if (EVP_DigestSignInit(os_edctx, NULL, NULL, NULL, os_ed) != 1 ||
	    EVP_DigestSign(os_edctx, out, &n, msg, 64) != 1)
		die("openssl ed25519 sign");
}
static void os_ed_verify(void)
{
	if (EVP_DigestVerifyInit(os_edctx, NULL, NULL, NULL, os_ed) != 1 ||
	    EVP_DigestVerify(os_edctx, os_ed_sig, 64, msg, 64) != 1)
		die("openssl ed25519 verify");
}

/* ECDSA: P-256 sign/verify, P-384 verify, over a 32/48-byte digest. */
struct ec_case {
	enum hz_crypto_curve curve;
	enum hz_crypto_hash_alg alg;
	size_t len;
	uint8_t priv[48], pub[97], digest[48], sig[104];
	size_t sig_len;
	EVP_PKEY *os_key;
	EVP_PKEY_CTX *os_ctx;
	uint8_t os_sig[160];
	size_t os_sig_len;
};
static struct ec_case p256 = { .curve = HZ_CRYPTO_P256, .alg = HZ_CRYPTO_SHA256, .len = 32 };
static struct ec_case p384 = { .curve = HZ_CRYPTO_P384, .alg = HZ_CRYPTO_SHA384, .len = 48 };

static void ec_setup(struct ec_case *e, const char *group)
{
	e->os_key = EVP_EC_gen(group);
	if (!e->os_key)
		die("openssl ec keygen");
	BIGNUM *d = NULL;
	if (EVP_PKEY_get_bn_param(e->os_key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
	    BN_bn2binpad(d, e->priv, (int)e->len) != (int)e->len)
		die("openssl ec priv");
	BN_free(d);
	if (hz_crypto_ec_public(e->curve, e->pub, e->priv) != HZ_OK)
		die("haze ec public");
	for (size_t i = 0; i < e->len; i++)
		e->digest[i] = (uint8_t)(i * 29 + 3);
	e->sig_len = sizeof(e->sig);
	if (hz_crypto_ecdsa_sign(e->curve, e->alg, e->sig, &e->sig_len, HZ_CRYPTO_ECDSA_DER, e->priv,
		e->digest, e->len) != HZ_OK)
		die("haze ecdsa sign");
	e->os_ctx = EVP_PKEY_CTX_new(e->os_key, NULL);
	e->os_sig_len = sizeof(e->os_sig);
	if (!e->os_ctx || EVP_PKEY_sign_init(e->os_ctx) != 1 ||
	    EVP_PKEY_sign(e->os_ctx, e->os_sig, &e->os_sig_len, e->digest, e->len) != 1)
		die("openssl ecdsa sign");
	if (hz_crypto_ecdsa_verify(e->curve, e->pub, 1 + 2 * e->len, e->digest, e->len, e->os_sig,
		e->os_sig_len, HZ_CRYPTO_ECDSA_DER) != HZ_OK)
		die("haze does not verify openssl's ecdsa signature");
	if (EVP_PKEY_verify_init(e->os_ctx) != 1 ||
	    EVP_PKEY_verify(e->os_ctx, e->sig, e->sig_len, e->digest, e->len) != 1)
		die("openssl does not verify haze's ecdsa signature");
}
static void hz_ec_sign(struct ec_case *e)
{
	size_t n = sizeof(e->sig);
	if (hz_crypto_ecdsa_sign(e->curve, e->alg, out, &n, HZ_CRYPTO_ECDSA_DER, e->priv, e->digest,
		e->len) != HZ_OK)
		die("haze ecdsa sign");
}
static void hz_ec_verify(struct ec_case *e)
{
	if (hz_crypto_ecdsa_verify(e->curve, e->pub, 1 + 2 * e->len, e->digest, e->len, e->sig,
		e->sig_len, HZ_CRYPTO_ECDSA_DER) != HZ_OK)
		die("haze ecdsa verify");
}
static void os_ec_sign(struct ec_case *e)
{
	size_t n = sizeof(e->os_sig);
	if (EVP_PKEY_sign_init(e->os_ctx) != 1 || EVP_PKEY_sign(e->os_ctx, out, &n, e->digest, e->len) != 1)
		die("openssl ecdsa sign");
}
static void os_ec_verify(struct ec_case *e)
{
	if (EVP_PKEY_verify_init(e->os_ctx) != 1 ||
	    EVP_PKEY_verify(e->os_ctx, e->os_sig, e->os_sig_len, e->digest, e->len) != 1)
		die("openssl ecdsa verify");
}
static void hz_p256_sign(void)
{
	hz_ec_sign(&p256);
}
static void hz_p256_verify(void)
{
	hz_ec_verify(&p256);
}
static void hz_p384_verify(void)
{
	hz_ec_verify(&p384);
}
static void os_p256_sign(void)
{
	os_ec_sign(&p256);
}
static void os_p256_verify(void)
{
	os_ec_verify(&p256);
}
static void os_p384_verify(void)
{
	os_ec_verify(&p384);
}

/* RSA-2048, SHA-256, PKCS#1 v1.5 */
static EVP_PKEY *os_rsa;
static EVP_PKEY_CTX *os_rsactx;
static uint8_t rsa_n[512], rsa_e[8], rsa_p[256], rsa_q[256], rsa_dp[256], rsa_dq[256], rsa_qi[256];
static struct hz_crypto_rsa_public hz_rsa_pub;
static struct hz_crypto_rsa_private hz_rsa_priv;
static uint8_t rsa_digest[32], rsa_sig[256];
static struct hz_crypto_drbg drbg;

static void bench_random(void *ctx, void *o, size_t len)
{
	(void)ctx;
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(o, 1, len, f) != len)
		die("/dev/urandom");
	fclose(f);
}
static const struct hz_shim bench_shim = { .random = bench_random };

static size_t bn_param(const char *name, uint8_t *buf, size_t cap)
{
	BIGNUM *b = NULL;
	if (EVP_PKEY_get_bn_param(os_rsa, name, &b) != 1)
		die("openssl rsa param");
	int n = BN_bn2binpad(b, buf, BN_num_bytes(b));
	BN_free(b);
	if (n <= 0 || (size_t)n > cap)
		die("openssl rsa param size");
	return (size_t)n;
}

static void rsa_setup(void)
{
	os_rsa = EVP_RSA_gen(2048);
	if (!os_rsa)
		die("openssl rsa keygen");
	hz_rsa_priv.n = hz_rsa_pub.n = rsa_n;
	hz_rsa_priv.n_len = hz_rsa_pub.n_len = bn_param(OSSL_PKEY_PARAM_RSA_N, rsa_n, sizeof(rsa_n));
	hz_rsa_priv.e = hz_rsa_pub.e = rsa_e;
	hz_rsa_priv.e_len = hz_rsa_pub.e_len = bn_param(OSSL_PKEY_PARAM_RSA_E, rsa_e, sizeof(rsa_e));
	hz_rsa_priv.p = rsa_p;
	hz_rsa_priv.p_len = bn_param(OSSL_PKEY_PARAM_RSA_FACTOR1, rsa_p, sizeof(rsa_p));
	hz_rsa_priv.q = rsa_q;
	hz_rsa_priv.q_len = bn_param(OSSL_PKEY_PARAM_RSA_FACTOR2, rsa_q, sizeof(rsa_q));
	hz_rsa_priv.dp = rsa_dp;
	hz_rsa_priv.dp_len = bn_param(OSSL_PKEY_PARAM_RSA_EXPONENT1, rsa_dp, sizeof(rsa_dp));
	hz_rsa_priv.dq = rsa_dq;
	hz_rsa_priv.dq_len = bn_param(OSSL_PKEY_PARAM_RSA_EXPONENT2, rsa_dq, sizeof(rsa_dq));
	hz_rsa_priv.qinv = rsa_qi;
	hz_rsa_priv.qinv_len = bn_param(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, rsa_qi, sizeof(rsa_qi));
	hz_crypto_drbg_init(&drbg, &bench_shim, "bench", 5);
	for (size_t i = 0; i < sizeof(rsa_digest); i++)
		rsa_digest[i] = (uint8_t)(i * 13 + 1);
	if (hz_crypto_rsa_pkcs1_sign(&hz_rsa_priv, &drbg, HZ_CRYPTO_SHA256, rsa_digest, 32, rsa_sig,
		sizeof(rsa_sig)) != 256)
		die("haze rsa sign");
	os_rsactx = EVP_PKEY_CTX_new(os_rsa, NULL);
	if (!os_rsactx || EVP_PKEY_verify_init(os_rsactx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(os_rsactx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(os_rsactx, EVP_sha256()) != 1 ||
	    EVP_PKEY_verify(os_rsactx, rsa_sig, 256, rsa_digest, 32) != 1)
		die("openssl does not verify haze's rsa signature");
}
static void hz_rsa_sign(void)
{
	if (hz_crypto_rsa_pkcs1_sign(&hz_rsa_priv, &drbg, HZ_CRYPTO_SHA256, rsa_digest, 32, out, 256) != 256)
		die("haze rsa sign");
}
static void hz_rsa_verify(void)
{
	if (hz_crypto_rsa_pkcs1_verify(&hz_rsa_pub, HZ_CRYPTO_SHA256, rsa_digest, 32, rsa_sig, 256) != HZ_OK)
		die("haze rsa verify");
}
static void os_rsa_sign(void)
{
	size_t n = 256;
	if (EVP_PKEY_sign_init(os_rsactx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(os_rsactx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(os_rsactx, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(os_rsactx, out, &n, rsa_digest, 32) != 1)
		die("openssl rsa sign");
}
static void os_rsa_verify(void)
{
	if (EVP_PKEY_verify_init(os_rsactx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(os_rsactx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(os_rsactx, EVP_sha256()) != 1 ||
	    EVP_PKEY_verify(os_rsactx, rsa_sig, 256, rsa_digest, 32) != 1)
		die("openssl rsa verify");
}

/* ------------------------------------------------------------------ */

static void setup(void)
{
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (int i = 0; i < 32; i++)
		key32[i] = (uint8_t)(i + 1);
	for (int i = 0; i < 12; i++)
		nonce12[i] = (uint8_t)(0xa0 + i);

	if (hz_crypto_aes_gcm_init(&hz_gcm128, key32, 16) != HZ_OK ||
	    hz_crypto_aes_gcm_init(&hz_gcm256, key32, 32) != HZ_OK)
		die("haze gcm init");
	os_gcm128 = EVP_CIPHER_CTX_new();
	os_gcm256 = EVP_CIPHER_CTX_new();
	os_cp = EVP_CIPHER_CTX_new();
	if (EVP_EncryptInit_ex(os_gcm128, EVP_aes_128_gcm(), NULL, key32, nonce12) != 1 ||
	    EVP_EncryptInit_ex(os_gcm256, EVP_aes_256_gcm(), NULL, key32, nonce12) != 1 ||
	    EVP_EncryptInit_ex(os_cp, EVP_chacha20_poly1305(), NULL, key32, nonce12) != 1)
		die("openssl cipher init");
	os_md = EVP_MD_CTX_new();
	md256 = EVP_sha256();
	md512 = EVP_sha512();

	/* Cross-check one output of each symmetric primitive so that a
	 * benchmark can never time a wrong answer. */
	uint8_t t1[16], t2[16], o2[MSG + 16];
	hz_crypto_aes_gcm_seal(&hz_gcm128, o2, t1, 16, nonce12, 12, NULL, 0, msg, MSG);
	os_aes128gcm();
	if (memcmp(o2, out, MSG) != 0 || memcmp(t1, tag, 16) != 0)
		die("aes-128-gcm: haze and openssl disagree");
	hz_crypto_chacha20_poly1305_seal(o2, t2, key32, nonce12, NULL, 0, msg, MSG);
	os_chachapoly();
	if (memcmp(o2, out, MSG) != 0 || memcmp(t2, tag, 16) != 0)
		die("chacha20-poly1305: haze and openssl disagree");
	hz_crypto_sha512(o2, msg, MSG);
	os_sha512();
	if (memcmp(o2, out, 64) != 0)
		die("sha512: haze and openssl disagree");

	for (int i = 0; i < 32; i++) {
		x_scalar[i] = (uint8_t)(i * 7 + 1);
		ed_seed[i] = (uint8_t)(i * 11 + 5);
	}
	uint8_t peer_scalar[32];
	for (int i = 0; i < 32; i++)
		peer_scalar[i] = (uint8_t)(i * 3 + 9);
	hz_crypto_x25519_base(x_point, peer_scalar);
	os_x_priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, x_scalar, 32);
	os_x_peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, x_point, 32);
	if (!os_x_priv || !os_x_peer)
		die("openssl x25519 keys");
	uint8_t s1[32];
	hz_x25519();
	memcpy(s1, out, 32);
	os_x25519();
	if (memcmp(s1, out, 32) != 0)
		die("x25519: haze and openssl disagree");

	hz_crypto_ed25519_public(ed_pub, ed_seed);
	hz_crypto_ed25519_sign(ed_sig, ed_seed, ed_pub, msg, 64);
	os_ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ed_seed, 32);
	os_edctx = EVP_MD_CTX_new();
	if (!os_ed || !os_edctx)
		die("openssl ed25519 key");
	os_ed_sign();
	memcpy(os_ed_sig, out, 64);
	if (memcmp(os_ed_sig, ed_sig, 64) != 0)
		die("ed25519: haze and openssl signatures differ");

	ec_setup(&p256, "P-256");
	ec_setup(&p384, "P-384");
	rsa_setup();
}

struct meas {
	const char *name;
	void (*hz)(void);
	void (*os)(void);
	double bytes; /* per op for GB/s, 0 for op/s */
};

static const struct meas all[] = {
	{ "aes-128-gcm", hz_aes128gcm, os_aes128gcm, MSG },
	{ "aes-256-gcm", hz_aes256gcm, os_aes256gcm, MSG },
	{ "chacha20-poly1305", hz_chachapoly, os_chachapoly, MSG },
	{ "sha256", hz_sha256, os_sha256, MSG },
	{ "sha512", hz_sha512, os_sha512, MSG },
	{ "x25519", hz_x25519, os_x25519, 0 },
	{ "ed25519-sign", hz_ed_sign, os_ed_sign, 0 },
	{ "ed25519-verify", hz_ed_verify, os_ed_verify, 0 },
	{ "p256-sign", hz_p256_sign, os_p256_sign, 0 },
	{ "p256-verify", hz_p256_verify, os_p256_verify, 0 },
	{ "p384-verify", hz_p384_verify, os_p384_verify, 0 },
	{ "rsa2048-verify", hz_rsa_verify, os_rsa_verify, 0 },
	{ "rsa2048-sign", hz_rsa_sign, os_rsa_sign, 0 },
};

/* Operations per second over one slice. */
static double rate(void (*fn)(void), double slice)
{
	unsigned long n = 0, batch = 1;
	double t0 = now(), t;
	do {
		for (unsigned long i = 0; i < batch; i++)
			fn();
		n += batch;
		t = now() - t0;
		if (t < slice / 16)
			batch *= 2;
	} while (t < slice);
	sink ^= out[0];
	return (double)n / t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = 7;
	double slice = 0.2;
	int want = 0;
	char used[sizeof(all) / sizeof(all[0])] = { 0 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--slice") == 0 && i + 1 < argc) {
			slice = atof(argv[++i]);
		} else if (strcmp(argv[i], "--portable") == 0) {
			hz_crypto_cpu_restrict(0);
		} else if (strcmp(argv[i], "--cpu-mask") == 0 && i + 1 < argc) {
			hz_crypto_cpu_restrict((uint32_t)strtoul(argv[++i], NULL, 16));
		} else {
			int found = 0;
			for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
				if (strcmp(argv[i], all[k].name) == 0)
					used[k] = 1, found = 1;
			if (!found) {
				fprintf(stderr, "usage: %s [--rounds N] [--slice S] [--portable] [--cpu-mask HEX] [NAME...]\n", argv[0]);
				return 2;
			}
			want = 1;
		}
	}
	if (rounds < 1 || rounds > 101)
		rounds = 7;
	setup();
	printf("# haze-bench-crypto: %s, cpu features 0x%x, %d rounds of %.2f s, medians\n",
		hz_crypto_portable_build() ? "portable build" : "full build", hz_crypto_cpu_features(),
		rounds, slice);
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		if (want && !used[k])
			continue;
		const struct meas *m = &all[k];
		double h[101], o[101];
		for (int r = 0; r < rounds; r++) {
			h[r] = rate(m->hz, slice);
			o[r] = rate(m->os, slice);
		}
		qsort(h, (size_t)rounds, sizeof(double), cmp);
		qsort(o, (size_t)rounds, sizeof(double), cmp);
		double hm = h[rounds / 2], om = o[rounds / 2];
		if (m->bytes > 0)
			printf("bench %s: haze=%.3f openssl=%.3f ratio=%.2f unit=GB/s\n", m->name,
				hm * m->bytes / 1e9, om * m->bytes / 1e9, hm / om);
		else
			printf("bench %s: haze=%.0f openssl=%.0f ratio=%.2f unit=op/s\n", m->name, hm, om, hm / om);
		fflush(stdout);
	}
	return 0;
}
