/* RSA PKCS#1 v1.5 and PSS (RFC 8017): OpenSSL reference signatures,
 * sign-then-verify with fixed keys, and the edge cases of verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "haze/core.h"
#include "haze/crypto.h"
#include "../../src/rsa/bn.h" /* raw RSA with d, to build bad encodings */
#include "rsa_keys.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

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
}

static const struct hz_shim shim = { .random = test_random };
static struct hz_crypto_drbg rng;

static const struct hz_crypto_rsa_private k2048 = RSA_PRIV(2048);
static const struct hz_crypto_rsa_private k3072 = RSA_PRIV(3072);
static const struct hz_crypto_rsa_private k4096 = RSA_PRIV(4096);
static const struct hz_crypto_rsa_public p2048 = RSA_PUB(2048);

static const enum hz_crypto_hash_alg algs[] = { HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA384, HZ_CRYPTO_SHA512 };

static size_t digest(enum hz_crypto_hash_alg alg, uint8_t *out, const char *msg)
{
	assert_int_equal(hz_crypto_hash(alg, out, msg, strlen(msg)), HZ_OK);
	return hz_crypto_hash_len(alg);
}

static struct hz_crypto_rsa_public pub_of(const struct hz_crypto_rsa_private *k)
{
	struct hz_crypto_rsa_public p = { k->n, k->n_len, k->e, k->e_len };
	return p;
}

/* sig = em^d mod n for the 2048-bit key: any encoding, valid or not. */
static void raw_sign_2048(uint8_t sig[256], const uint8_t em[256])
{
	struct bn_mont M;
	uint64_t n[32], x[32];

	bn_decode(n, 32, k2048_n, 256);
	bn_mont_init(&M, n, 32, 1);
	bn_decode(x, 32, em, 256);
	M.mul(x, x, M.r2, &M);
	bn_mont_pow_pub(x, x, k2048_d, sizeof(k2048_d), &M);
	bn_from_mont(x, x, &M);
	bn_encode(sig, 256, x, 32);
}

static void test_pkcs1_openssl(void **state)
{
	static const struct {
		const struct hz_crypto_rsa_private *k;
		enum hz_crypto_hash_alg alg;
		const uint8_t *sig;
		size_t len;
	} v[] = {
		{ &k2048, HZ_CRYPTO_SHA256, sig2048, sizeof(sig2048) },
		{ &k3072, HZ_CRYPTO_SHA256, sig3072, sizeof(sig3072) },
		{ &k4096, HZ_CRYPTO_SHA256, sig4096, sizeof(sig4096) },
		{ &k2048, HZ_CRYPTO_SHA384, sig2048_384, sizeof(sig2048_384) },
		{ &k3072, HZ_CRYPTO_SHA512, sig3072_512, sizeof(sig3072_512) },
	};
	uint8_t h[64], sig[512];
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct hz_crypto_rsa_public pub = pub_of(v[i].k);
		size_t hl = digest(v[i].alg, h, RSA_TEST_MSG);
		int r = hz_crypto_rsa_pkcs1_sign(v[i].k, &rng, v[i].alg, h, hl, sig, sizeof(sig));
		assert_int_equal(r, (int)v[i].len);
		assert_memory_equal(sig, v[i].sig, v[i].len);
		assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, v[i].alg, h, hl, v[i].sig, v[i].len), HZ_OK);
		/* The wrong hash, the wrong alg, a flipped bit. */
		h[0] ^= 1;
		assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, v[i].alg, h, hl, v[i].sig, v[i].len), HZ_ERR_AUTH);
		h[0] ^= 1;
		sig[v[i].len / 2] ^= 0x10;
		assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, v[i].alg, h, hl, sig, v[i].len), HZ_ERR_AUTH);
		enum hz_crypto_hash_alg other = v[i].alg == HZ_CRYPTO_SHA256 ? HZ_CRYPTO_SHA384 : HZ_CRYPTO_SHA256;
		size_t ol = digest(other, h, RSA_TEST_MSG);
		assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, other, h, ol, v[i].sig, v[i].len), HZ_ERR_AUTH);
	}
}

static void test_sign_verify(void **state)
{
	const struct hz_crypto_rsa_private *keys[] = { &k2048, &k3072, &k4096 };
	uint8_t h[64], sig[512], sig2[512];
	(void)state;

	for (size_t ki = 0; ki < 3; ki++) {
		struct hz_crypto_rsa_public pub = pub_of(keys[ki]);
		size_t k = keys[ki]->n_len;
		for (size_t ai = 0; ai < 3; ai++) {
			size_t hl = digest(algs[ai], h, "sign then verify");
			/* PKCS#1 v1.5 is deterministic. */
			assert_int_equal(hz_crypto_rsa_pkcs1_sign(keys[ki], &rng, algs[ai], h, hl, sig, k), (int)k);
			assert_int_equal(hz_crypto_rsa_pkcs1_sign(keys[ki], &rng, algs[ai], h, hl, sig2, k), (int)k);
			assert_memory_equal(sig, sig2, k);
			assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, algs[ai], h, hl, sig, k), HZ_OK);
			/* PSS with several salt lengths, MGF1 over another hash too. */
			size_t salts[] = { 0, 20, hl, k - hl - 2 };
			for (size_t si = 0; si < 4; si++) {
				enum hz_crypto_hash_alg mgf = algs[(ai + si) % 3];
				assert_int_equal(hz_crypto_rsa_pss_sign(keys[ki], &rng, algs[ai], mgf, salts[si], h, hl,
								sig, k), (int)k);
				assert_int_equal(hz_crypto_rsa_pss_verify(&pub, algs[ai], mgf, salts[si], h, hl, sig, k),
						 HZ_OK);
				assert_int_equal(hz_crypto_rsa_pss_verify(&pub, algs[ai], mgf,
									  HZ_CRYPTO_RSA_PSS_SALT_ANY, h, hl, sig, k),
						 HZ_OK);
				/* Wrong salt length, wrong MGF hash, wrong scheme. */
				assert_int_equal(hz_crypto_rsa_pss_verify(&pub, algs[ai], mgf, salts[si] ? salts[si] - 1 : 1,
									  h, hl, sig, k),
						 HZ_ERR_AUTH);
				assert_int_equal(hz_crypto_rsa_pss_verify(&pub, algs[ai], algs[(ai + si + 1) % 3], salts[si],
									  h, hl, sig, k),
						 HZ_ERR_AUTH);
				assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, algs[ai], h, hl, sig, k), HZ_ERR_AUTH);
				/* Two PSS signatures differ (random salt) unless the salt is empty. */
				assert_int_equal(hz_crypto_rsa_pss_sign(keys[ki], &rng, algs[ai], mgf, salts[si], h, hl,
								sig2, k), (int)k);
				if (salts[si])
					assert_memory_not_equal(sig, sig2, k);
				else
					assert_memory_equal(sig, sig2, k);
			}
		}
	}
}

static void test_verify_edges(void **state)
{
	uint8_t h[32], sig[260], n[260];
	struct hz_crypto_rsa_public pub = p2048;
	(void)state;

	digest(HZ_CRYPTO_SHA256, h, RSA_TEST_MSG);
	memcpy(sig, sig2048, 256);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_OK);
	/* sig_len != k, also with a leading zero. */
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 255), HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 0), HZ_ERR_AUTH);
	uint8_t z[257] = { 0 };
	memcpy(z + 1, sig2048, 256);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, z, 257), HZ_ERR_AUTH);
	/* s == 0, s == n, s >= n (all ones), s == n - 1. */
	memset(z, 0, 256);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, z, 256), HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, k2048_n, 256), HZ_ERR_AUTH);
	memset(z, 0xff, 256);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, z, 256), HZ_ERR_AUTH);
	memcpy(z, k2048_n, 256);
	z[255] -= 1;
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, z, 256), HZ_ERR_AUTH);
	/* Digest length and alg. */
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 31, sig, 256), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, (enum hz_crypto_hash_alg)9, h, 32, sig, 256),
			 HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_rsa_pss_verify(&pub, HZ_CRYPTO_SHA256, (enum hz_crypto_hash_alg)0, 32, h, 32,
						  sig, 256),
			 HZ_ERR_INVALID);

	/* A modulus with leading zero bytes is the same key. */
	memset(n, 0, 4);
	memcpy(n + 4, k2048_n, 256);
	pub.n = n;
	pub.n_len = 260;
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_OK);
	/* Modulus bounds: 1023 bits, 4097 bits, even n. */
	uint8_t big[513];
	memset(big, 0xff, sizeof(big));
	big[0] = 1;
	pub.n = big;
	pub.n_len = 513;
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_ERR_BAD_KEY);
	big[0] = 0; /* 4096 bits: accepted as a key, sig has the wrong length */
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_ERR_AUTH);
	big[1] = 0x7f; /* 1023 bits */
	pub.n = big + 1;
	pub.n_len = 128;
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 128), HZ_ERR_BAD_KEY);
	big[1] = 0x80; /* 1024 bits */
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 128), HZ_ERR_AUTH);
	memcpy(n, k2048_n, 256);
	n[255] ^= 1;
	pub.n = n;
	pub.n_len = 256;
	assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_ERR_BAD_KEY);
	/* e: 1, 2, even, 0, empty, >= n; 3 and a leading zero are fine. */
	static const uint8_t e1[] = { 1 }, e2[] = { 2 }, e3[] = { 0, 3 }, eeven[] = { 1, 0, 0 }, e0[] = { 0 };
	pub = p2048;
	const struct {
		const uint8_t *e;
		size_t len;
		int want;
	} ev[] = {
		{ e1, 1, HZ_ERR_BAD_KEY }, { e2, 1, HZ_ERR_BAD_KEY }, { eeven, 3, HZ_ERR_BAD_KEY },
		{ e0, 1, HZ_ERR_BAD_KEY }, { e0, 0, HZ_ERR_BAD_KEY }, { k2048_n, 256, HZ_ERR_BAD_KEY },
		{ e3, 2, HZ_ERR_AUTH },
	};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		pub.e = ev[i].e;
		pub.e_len = ev[i].len;
		assert_int_equal(hz_crypto_rsa_pkcs1_verify(&pub, HZ_CRYPTO_SHA256, h, 32, sig, 256), ev[i].want);
		assert_int_equal(hz_crypto_rsa_pss_verify(&pub, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 32, h, 32, sig, 256),
				 ev[i].want);
	}
}

/* EMSA-PKCS1-v1_5 with one change, signed raw: must not verify. */
static void test_pkcs1_bad_encodings(void **state)
{
	static const uint8_t di256[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					   0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	uint8_t h[32], em[256], sig[256];
	(void)state;

	digest(HZ_CRYPTO_SHA256, h, RSA_TEST_MSG);
	for (int c = 0; c < 8; c++) {
		memset(em, 0xff, 256);
		em[0] = 0;
		em[1] = 1;
		em[256 - 52] = 0;
		memcpy(em + 256 - 51, di256, 19);
		memcpy(em + 256 - 32, h, 32);
		switch (c) {
		case 0: break;                                  /* the good one */
		case 1: em[1] = 2; break;                       /* block type */
		case 2: em[0] = 1; em[1] = 0xff; break;         /* leading byte (below n) */
		case 3: em[10] = 0xfe; break;                   /* padding byte */
		case 4: em[256 - 52] = 1; break;                /* separator */
		case 5: em[256 - 51 + 14] = 2; break;           /* SHA-384 OID with a SHA-256 digest */
		case 6: { /* DigestInfo without the NULL parameters (MissingNull) */
			uint8_t *d = em + 256 - 49;
			memset(em + 2, 0xff, 256 - 2);
			em[256 - 50] = 0;
			d[0] = 0x30; d[1] = 0x2f; d[2] = 0x30; d[3] = 0x0b;
			memcpy(d + 4, di256 + 4, 11);
			d[15] = 0x04; d[16] = 0x20;
			memcpy(d + 17, h, 32);
			break;
		}
		case 7: em[255] ^= 1; break;                    /* the hash */
		}
		assert_true(memcmp(em, k2048_n, 256) < 0);
		raw_sign_2048(sig, em);
		assert_int_equal(hz_crypto_rsa_pkcs1_verify(&p2048, HZ_CRYPTO_SHA256, h, 32, sig, 256),
				 c == 0 ? HZ_OK : HZ_ERR_AUTH);
	}
}

/* EMSA-PSS built by hand (9.1.1), then one part broken. */
static void pss_em(uint8_t em[256], const uint8_t h[32], const uint8_t *salt, size_t slen, int breakit)
{
	/* 2048-bit n: emBits 2047, emLen 256. */
	uint8_t mp[8 + 32 + 64], H[32], mask[256];
	size_t db_len = 256 - 33;

	memset(mp, 0, 8);
	memcpy(mp + 8, h, 32);
	memcpy(mp + 40, salt, slen);
	hz_crypto_sha256(H, mp, 40 + slen);
	memset(em, 0, 256);
	em[db_len - slen - 1] = breakit == 1 ? 0x02 : 0x01;
	memcpy(em + db_len - slen, salt, slen);
	/* MGF1-SHA-256. */
	for (uint32_t c = 0; c * 32 < db_len; c++) {
		uint8_t in[36];
		memcpy(in, H, 32);
		in[32] = (uint8_t)(c >> 24);
		in[33] = (uint8_t)(c >> 16);
		in[34] = (uint8_t)(c >> 8);
		in[35] = (uint8_t)c;
		hz_crypto_sha256(mask + 32 * c, in, 36);
	}
	for (size_t i = 0; i < db_len; i++)
		em[i] ^= mask[i];
	em[0] &= 0x7f;
	if (breakit == 2)
		em[0] |= 0x80;
	memcpy(em + db_len, H, 32);
	em[255] = breakit == 4 ? 0xbd : 0xbc;
	if (breakit == 5)
		em[db_len] ^= 1;
}

static void test_pss_bad_encodings(void **state)
{
	uint8_t h[32], salt[32], em[256], sig[256];
	(void)state;

	digest(HZ_CRYPTO_SHA256, h, RSA_TEST_MSG);
	test_random(NULL, salt, sizeof(salt));
	pss_em(em, h, salt, 32, 0);
	raw_sign_2048(sig, em);
	assert_int_equal(hz_crypto_rsa_pss_verify(&p2048, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 32, h, 32, sig, 256), HZ_OK);
	assert_int_equal(hz_crypto_rsa_pss_verify(&p2048, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 31, h, 32, sig, 256),
			 HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_rsa_pss_verify(&p2048, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 33, h, 32, sig, 256),
			 HZ_ERR_AUTH);
	/* Salt too long for the modulus. */
	assert_int_equal(hz_crypto_rsa_pss_verify(&p2048, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 256 - 32 - 1, h, 32,
						  sig, 256),
			 HZ_ERR_AUTH);
	/* 1: separator byte, 2: leftmost bit set, 4: trailer, 5: H changed. */
	static const int brk[] = { 1, 2, 4, 5 };
	for (size_t i = 0; i < sizeof(brk) / sizeof(brk[0]); i++) {
		/* New salts until EM < n (the leftmost-bit case needs it). */
		do {
			test_random(NULL, salt, sizeof(salt));
			pss_em(em, h, salt, 32, brk[i]);
		} while (memcmp(em, k2048_n, 256) >= 0);
		raw_sign_2048(sig, em);
		assert_int_equal(hz_crypto_rsa_pss_verify(&p2048, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 32, h, 32, sig,
							  256),
				 HZ_ERR_AUTH);
		assert_int_equal(hz_crypto_rsa_pss_verify(&p2048, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256,
							  HZ_CRYPTO_RSA_PSS_SALT_ANY, h, 32, sig, 256),
				 HZ_ERR_AUTH);
	}
}

static void test_sign_errors(void **state)
{
	uint8_t h[64], sig[512], dp[128];
	struct hz_crypto_rsa_private k = k2048;
	(void)state;

	digest(HZ_CRYPTO_SHA256, h, RSA_TEST_MSG);
	assert_int_equal(hz_crypto_rsa_pkcs1_sign(&k, &rng, HZ_CRYPTO_SHA256, h, 32, sig, 255), HZ_ERR_NO_SPACE);
	assert_int_equal(hz_crypto_rsa_pkcs1_sign(&k, &rng, HZ_CRYPTO_SHA256, h, 31, sig, 256), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_rsa_pss_sign(&k, &rng, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256,
						HZ_CRYPTO_RSA_PSS_SALT_ANY, h, 32, sig, 256),
			 HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_rsa_pss_sign(&k, &rng, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 256 - 32 - 1, h, 32,
						sig, 256),
			 HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_rsa_pss_sign(&k, &rng, HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA256, 256 - 32 - 2, h, 32,
						sig, 256),
			 256);
	/* A 1024-bit key is too small to sign with (verify takes it). */
	k.n_len = 128;
	k.n = k2048_n;
	assert_int_equal(hz_crypto_rsa_pkcs1_sign(&k, &rng, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_ERR_BAD_KEY);
	/* Oversized components. */
	k = k2048;
	k.p_len = 257;
	assert_int_equal(hz_crypto_rsa_pkcs1_sign(&k, &rng, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_ERR_BAD_KEY);
	/* A wrong dp is caught by the final check and nothing is released. */
	k = k2048;
	memcpy(dp, k2048_dp, 128);
	dp[64] ^= 4;
	k.dp = dp;
	memset(sig, 0x55, 256);
	assert_int_equal(hz_crypto_rsa_pkcs1_sign(&k, &rng, HZ_CRYPTO_SHA256, h, 32, sig, 256), HZ_ERR_BAD_KEY);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(sig[i], 0);
	/* A wrong modulus too. */
	k = k4096;
	k.n = k4096_n;
	uint8_t n[512];
	memcpy(n, k4096_n, 512);
	n[100] ^= 1;
	k.n = n;
	assert_int_equal(hz_crypto_rsa_pss_sign(&k, &rng, HZ_CRYPTO_SHA512, HZ_CRYPTO_SHA512, 64, h, 64, sig, 512),
			 HZ_ERR_BAD_KEY);
}

/* Components with leading zero bytes are the same key. */
static void test_sign_leading_zeros(void **state)
{
	static uint8_t p[130], q[129], dp[131], dq[129], qi[140], n[258], e[5];
	struct hz_crypto_rsa_private k = k2048;
	uint8_t h[32], sig[258];
	(void)state;

	memcpy(p + 2, k2048_p, 128);
	memcpy(q + 1, k2048_q, 128);
	memcpy(dp + 3, k2048_dp, 128);
	memcpy(dq + 1, k2048_dq, 128);
	memcpy(qi + 12, k2048_qinv, 128);
	memcpy(n + 2, k2048_n, 256);
	memcpy(e + 2, k2048_e, 3);
	k.p = p, k.p_len = sizeof(p);
	k.q = q, k.q_len = sizeof(q);
	k.dp = dp, k.dp_len = sizeof(dp);
	k.dq = dq, k.dq_len = sizeof(dq);
	k.qinv = qi, k.qinv_len = sizeof(qi);
	k.n = n, k.n_len = sizeof(n);
	k.e = e, k.e_len = sizeof(e);
	digest(HZ_CRYPTO_SHA256, h, RSA_TEST_MSG);
	assert_int_equal(hz_crypto_rsa_pkcs1_sign(&k, &rng, HZ_CRYPTO_SHA256, h, 32, sig, sizeof(sig)), 256);
	assert_memory_equal(sig, sig2048, 256);
}

/* The Montgomery kernels against each other: BMI2/ADX (fixed 16/32-limb
 * and generic) vs portable, products and squares of random and extreme
 * residues; R^2 by long division (public m), by doublings, and from a
 * multiple of m (bn_mont_init_factor). */
static uint64_t xs = 0x9e3779b97f4a7c15ull;
static uint64_t xrand(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

static void test_kernels(void **state)
{
	static const size_t sizes[] = { 16, 17, 24, 32, 33, 48, 64 };
	static struct bn_mont A, P, F, N;
	uint64_t m[BN_MAX_LIMBS], c[BN_MAX_LIMBS], nn[2 * BN_MAX_LIMBS];
	uint64_t a[BN_MAX_LIMBS], b[BN_MAX_LIMBS], r1[BN_MAX_LIMBS], r2[BN_MAX_LIMBS];
	(void)state;

	for (size_t it = 0; it < 7 * 40; it++) {
		size_t nl = sizes[it % 7];
		for (size_t j = 0; j < nl; j++)
			m[j] = xrand();
		m[0] |= 1;
		if (it % 3 == 0)
			m[nl - 1] |= 1ull << 63;
		if (it % 5 == 0)
			for (size_t j = 1; j < nl; j++)
				m[j] = ~0ull;
		if (it % 7 == 1)
			m[nl - 1] = 1 + (xrand() >> 60);
		hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
		bn_mont_init(&A, m, nl, 1);
		bn_mont_init(&F, m, nl, 0);
		hz_crypto_cpu_restrict(0);
		bn_mont_init(&P, m, nl, 1);
		assert_memory_equal(A.r2, P.r2, 8 * nl);
		assert_memory_equal(A.r2, F.r2, 8 * nl);
		for (int k = 0; k < 4; k++) {
			for (size_t j = 0; j < nl; j++)
				a[j] = xrand(), b[j] = xrand();
			P.mul(a, a, P.r2, &P); /* reduce below m */
			P.mul(b, b, P.r2, &P);
			if (k == 1 || k == 2) { /* m - 1 */
				memcpy(a, m, 8 * nl);
				a[0]--;
			}
			if (k == 2)
				memcpy(b, a, 8 * nl);
			hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
			A.mul(r1, a, b, &A);
			P.mul(r2, a, b, &P);
			assert_memory_equal(r1, r2, 8 * nl);
			A.sqr(r1, a, a, &A);
			P.sqr(r2, a, a, &P);
			assert_memory_equal(r1, r2, 8 * nl);
			hz_crypto_cpu_restrict(0);
		}
		/* m times a cofactor below 2^(64 nl) as the public modulus. */
		if (nl <= BN_HALF_LIMBS && m[nl - 1] >> 63) {
			for (int cpu = 0; cpu < 2; cpu++) {
				hz_crypto_cpu_restrict(cpu ? HZ_CRYPTO_CPU_ALL : 0);
				for (size_t j = 0; j < nl; j++)
					c[j] = xrand();
				c[nl - 1] |= 1ull << 63;
				c[0] |= 1;
				bn_mul(nn, m, nl, c, nl);
				bn_mont_init(&N, nn, 2 * nl, 1);
				assert_int_equal(bn_mont_init_factor(&F, m, nl, &N), 1);
				assert_memory_equal(F.r2, P.r2, 8 * nl);
			}
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static int setup(void **state)
{
	(void)state;
	hz_crypto_drbg_init(&rng, &shim, "test-rsa", 8);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernels),
		cmocka_unit_test(test_pkcs1_openssl),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_verify_edges),
		cmocka_unit_test(test_pkcs1_bad_encodings),
		cmocka_unit_test(test_pss_bad_encodings),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_sign_leading_zeros),
	};
	int fails = 0;

	/* Every test on every path: all CPU features, then portable. */
	fails += cmocka_run_group_tests_name("rsa", tests, setup, NULL);
	hz_crypto_cpu_restrict(0);
	fails += cmocka_run_group_tests_name("rsa-portable", tests, setup, NULL);
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	return fails;
}
