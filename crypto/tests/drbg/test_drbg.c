/* drbg: the generator's output against an independent model built from
 * OpenSSL's SHA-256 and ChaCha20 (the construction in drbg.c's header
 * comment), chunking independence, reseed and personalisation effects,
 * key erasure, and the automatic reseed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "haze/crypto.h"

/* A shim whose "entropy" is a counter, so both sides see the same bytes. */
struct fake {
	uint8_t next;
	unsigned calls;
};
static void fake_random(void *ctx, void *out, size_t len)
{
	struct fake *f = ctx;
	uint8_t *o = out;
	for (size_t i = 0; i < len; i++)
		o[i] = f->next++;
	f->calls++;
}

/* The model: key = SHA256("haze drbg seed" || key || 48 shim bytes ||
 * extra); each refill = ChaCha20(key, nonce = 0^4 || le64(counter),
 * block counter 0) over 32 + 256 bytes; the first 32 are the next key. */
struct model {
	uint8_t key[32], buf[256];
	size_t avail;
	uint64_t nonce;
	struct fake f;
};
static void model_mix(struct model *m, const void *extra, size_t n)
{
	uint8_t fresh[48];
	fake_random(&m->f, fresh, sizeof(fresh));
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned outl = 0;
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(c, "haze drbg seed", 14);
	EVP_DigestUpdate(c, m->key, 32);
	EVP_DigestUpdate(c, fresh, 48);
	if (n)
		EVP_DigestUpdate(c, extra, n);
	assert_int_equal(EVP_DigestFinal_ex(c, m->key, &outl), 1);
	EVP_MD_CTX_free(c);
	m->avail = 0;
}
static void model_refill(struct model *m)
{
	uint8_t iv[16] = { 0 }, zero[288] = { 0 }, ks[288];
	/* OpenSSL's ChaCha20 IV: 32-bit LE block counter || 96-bit nonce. */
	for (int i = 0; i < 8; i++)
		iv[8 + i] = (uint8_t)(m->nonce >> (8 * i));
	m->nonce++;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, m->key, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, ks, &outl, zero, sizeof(zero)), 1);
	EVP_CIPHER_CTX_free(c);
	memcpy(m->key, ks, 32);
	memcpy(m->buf, ks + 32, 256);
	m->avail = 256;
}
static void model_gen(struct model *m, uint8_t *out, size_t len)
{
	while (len) {
		if (!m->avail)
			model_refill(m);
		size_t k = len < m->avail ? len : m->avail;
		memcpy(out, m->buf + 256 - m->avail, k);
		m->avail -= k;
		out += k;
		len -= k;
	}
}

static void test_matches_model(void **state)
{
	(void)state;
	struct fake f = { 0, 0 };
	struct hz_shim shim = { .ctx = &f, .random = fake_random };
	struct hz_crypto_drbg d;
	struct model m;
	memset(&m, 0, sizeof(m));

	hz_crypto_drbg_init(&d, &shim, "pers", 4);
	model_mix(&m, "pers", 4);
	uint8_t a[3000], b[3000];
	size_t sizes[] = { 1, 31, 256, 255, 1000, 17, 1400 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		hz_crypto_drbg_generate(&d, a, sizes[i]);
		model_gen(&m, b, sizes[i]);
		assert_memory_equal(a, b, sizes[i]);
	}
	hz_crypto_drbg_reseed(&d, "extra", 5);
	model_mix(&m, "extra", 5);
	hz_crypto_drbg_generate(&d, a, 700);
	model_gen(&m, b, 700);
	assert_memory_equal(a, b, 700);
	assert_int_equal(f.calls, 2);
	assert_int_equal(m.f.calls, 2);
}

static void test_chunking_and_inputs(void **state)
{
	(void)state;
	struct fake f1 = { 7, 0 }, f2 = { 7, 0 }, f3 = { 7, 0 };
	struct hz_shim s1 = { .ctx = &f1, .random = fake_random };
	struct hz_shim s2 = { .ctx = &f2, .random = fake_random };
	struct hz_shim s3 = { .ctx = &f3, .random = fake_random };
	struct hz_crypto_drbg d1, d2, d3;
	uint8_t a[1024], b[1024], c[1024];

	hz_crypto_drbg_init(&d1, &s1, NULL, 0);
	hz_crypto_drbg_init(&d2, &s2, NULL, 0);
	hz_crypto_drbg_init(&d3, &s3, "x", 1);
	hz_crypto_drbg_generate(&d1, a, sizeof(a));
	for (size_t off = 0; off < sizeof(b); off += 100)
		hz_crypto_drbg_generate(&d2, b + off, sizeof(b) - off < 100 ? sizeof(b) - off : 100);
	assert_memory_equal(a, b, sizeof(a));
	hz_crypto_drbg_generate(&d3, c, sizeof(c));
	assert_memory_not_equal(a, c, sizeof(a));
	/* Consecutive outputs differ, and the key moved on (erasure). */
	uint8_t key_before[32];
	memcpy(key_before, d1.key, 32);
	hz_crypto_drbg_generate(&d1, b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(key_before, d1.key, 32);
	/* Handed-out bytes do not stay in the buffer. */
	hz_crypto_drbg_generate(&d1, b, 10);
	const uint8_t *used = d1.buf + sizeof(d1.buf) - d1.avail - 10;
	for (int i = 0; i < 10; i++)
		assert_int_equal(used[i], 0);
	hz_crypto_drbg_wipe(&d1);
	for (size_t i = 0; i < sizeof(d1.key); i++)
		assert_int_equal(d1.key[i], 0);
}

static void test_auto_reseed(void **state)
{
	(void)state;
	struct fake f = { 0, 0 };
	struct hz_shim shim = { .ctx = &f, .random = fake_random };
	struct hz_crypto_drbg d;
	static uint8_t big[1 << 16];
	hz_crypto_drbg_init(&d, &shim, NULL, 0);
	assert_int_equal(f.calls, 1);
	for (unsigned i = 0; i < (HZ_CRYPTO_DRBG_RESEED_BYTES >> 16); i++)
		hz_crypto_drbg_generate(&d, big, sizeof(big));
	assert_int_equal(f.calls, 1);
	hz_crypto_drbg_generate(&d, big, 1);
	assert_int_equal(f.calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_model),
		cmocka_unit_test(test_chunking_and_inputs),
		cmocka_unit_test(test_auto_reseed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
