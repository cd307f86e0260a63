/* ctgrind on RSA signing: p, q, dp, dq and qinv are marked secret (n and
 * e are public), and so is every byte the shim hands the DRBG, which
 * makes the blinding value r and the PSS salt secret too. The signature
 * and the return value are public by design (CT_PUBLIC) and are compared
 * with the same signature made from unmarked data. ct_run runs it with all
 * CPU features, then portable, with the 2048-, 3072- and 4096-bit test
 * keys. Valgrind's cpuid shows BMI2 and AVX2 but not ADX, so the first run
 * checks the AVX2 table scan with the portable Montgomery code; the ADX
 * kernels are not covered here (see src/rsa/README.md). */
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "haze/core.h"
#include "haze/crypto.h"
#include "rsa_keys.h"

static uint64_t rng_state;
static int rng_secret;

static void test_random(void *ctx, void *out, size_t len)
{
	uint8_t *o = out;
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		o[i] = (uint8_t)(rng_state >> 24);
	}
	if (rng_secret)
		CT_SECRET(out, len);
}

static const struct hz_shim shim = { .random = test_random };

/* A private key whose secret parts live in writable copies. */
struct skey {
	uint8_t p[256], q[256], dp[256], dq[256], qi[256];
	struct hz_crypto_rsa_private k;
};

static void copy_key(struct skey *s, const struct hz_crypto_rsa_private *k)
{
	s->k = *k;
	memcpy(s->p, k->p, k->p_len), s->k.p = s->p;
	memcpy(s->q, k->q, k->q_len), s->k.q = s->q;
	memcpy(s->dp, k->dp, k->dp_len), s->k.dp = s->dp;
	memcpy(s->dq, k->dq, k->dq_len), s->k.dq = s->dq;
	memcpy(s->qi, k->qinv, k->qinv_len), s->k.qinv = s->qi;
}

static void mark(struct skey *s, int secret)
{
	if (secret) {
		CT_SECRET(s->p, s->k.p_len);
		CT_SECRET(s->q, s->k.q_len);
		CT_SECRET(s->dp, s->k.dp_len);
		CT_SECRET(s->dq, s->k.dq_len);
		CT_SECRET(s->qi, s->k.qinv_len);
	} else {
		CT_PUBLIC(s->p, s->k.p_len);
		CT_PUBLIC(s->q, s->k.q_len);
		CT_PUBLIC(s->dp, s->k.dp_len);
		CT_PUBLIC(s->dq, s->k.dq_len);
		CT_PUBLIC(s->qi, s->k.qinv_len);
	}
}

/* Sign once on public data, once on secret data from the same DRBG
 * state; the results must agree. */
static void sign_both(const struct hz_crypto_rsa_private *key, int pss)
{
	static struct skey s;
	struct hz_crypto_drbg d;
	uint8_t h[32], ref[512], sig[512];
	int r1, r2;

	copy_key(&s, key);
	hz_crypto_hash(HZ_CRYPTO_SHA256, h, RSA_TEST_MSG, strlen(RSA_TEST_MSG));
	for (int secret = 0; secret < 2; secret++) {
		uint8_t *out = secret ? sig : ref;
		int *r = secret ? &r2 : &r1;
		rng_state = 0x0123456789abcdefu;
		rng_secret = secret;
		hz_crypto_drbg_init(&d, &shim, NULL, 0);
		mark(&s, secret);
		if (pss)
			*r = hz_crypto_rsa_pss_sign(&s.k, &d, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 32, h, 32, out, 512);
		else
			*r = hz_crypto_rsa_pkcs1_sign(&s.k, &d, HZ_CRYPTO_SHA256, h, 32, out, 512);
		CT_PUBLIC(r, sizeof(*r));
		CT_PUBLIC(out, 512);
		mark(&s, 0);
		hz_crypto_drbg_wipe(&d);
	}
	rng_secret = 0;
	if (r1 != (int)key->n_len || r2 != r1 || memcmp(ref, sig, key->n_len) != 0)
		__builtin_trap();
}

static const struct hz_crypto_rsa_private k2048 = RSA_PRIV(2048);
static const struct hz_crypto_rsa_private k3072 = RSA_PRIV(3072);
static const struct hz_crypto_rsa_private k4096 = RSA_PRIV(4096);

static void ct_pkcs1_sign(void)
{
	sign_both(&k2048, 0);
	sign_both(&k3072, 0);
	sign_both(&k4096, 0);
}

static void ct_pss_sign(void)
{
	sign_both(&k2048, 1);
	sign_both(&k3072, 1);
	sign_both(&k4096, 1);
}

static const struct ct_entry table[] = {
	{ "rsa-pkcs1-sign", ct_pkcs1_sign },
	{ "rsa-pss-sign", ct_pss_sign },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return ct_run(argc, argv, table);
}
