/* hash area: FIPS 180-4 examples, RFC 4231 HMAC, RFC 5869 HKDF, the
 * TLS 1.2 PRF, incremental updates at every split point, context copies,
 * aliasing and the error paths. Every test runs on each CPU path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "haze/crypto.h"

static const enum hz_crypto_hash_alg algs[3] = { HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA384, HZ_CRYPTO_SHA512 };

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1]) {
		unsigned v;

		assert_true(n < cap);
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static void check_hex(const uint8_t *got, const char *hex)
{
	uint8_t want[256];
	size_t n = unhex(want, sizeof(want), hex);

	assert_memory_equal(got, want, n);
}

/* FIPS 180-4 examples (NIST CSRC "Examples with intermediate values"):
 * one block, two blocks (448- and 896-bit messages), one million 'a'. */
static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

struct fips_vec {
	enum hz_crypto_hash_alg alg;
	const char *msg; /* NULL: one million 'a' */
	const char *digest;
};

static const struct fips_vec fips[] = {
	{ HZ_CRYPTO_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ HZ_CRYPTO_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ HZ_CRYPTO_SHA256, msg448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ HZ_CRYPTO_SHA256, msg896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ HZ_CRYPTO_SHA256, NULL, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	{ HZ_CRYPTO_SHA384, "",
	  "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b" },
	{ HZ_CRYPTO_SHA384, "abc",
	  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7" },
	{ HZ_CRYPTO_SHA384, msg448,
	  "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b" },
	{ HZ_CRYPTO_SHA384, msg896,
	  "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039" },
	{ HZ_CRYPTO_SHA384, NULL,
	  "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985" },
	{ HZ_CRYPTO_SHA512, "",
	  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	  "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" },
	{ HZ_CRYPTO_SHA512, "abc",
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
	{ HZ_CRYPTO_SHA512, msg448,
	  "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
	  "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445" },
	{ HZ_CRYPTO_SHA512, msg896,
	  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
	  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909" },
	{ HZ_CRYPTO_SHA512, NULL,
	  "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
	  "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b" },
};

static void test_fips(void **state)
{
	(void)state;
	static uint8_t a1000[1000];
	memset(a1000, 'a', sizeof(a1000));
	for (size_t i = 0; i < sizeof(fips) / sizeof(fips[0]); i++) {
		const struct fips_vec *v = &fips[i];
		uint8_t out[64];

		if (v->msg) {
			size_t n = strlen(v->msg);

			assert_int_equal(hz_crypto_hash(v->alg, out, v->msg, n), HZ_OK);
			check_hex(out, v->digest);
			/* The typed one-shots agree with the generic one. */
			if (v->alg == HZ_CRYPTO_SHA256)
				hz_crypto_sha256(out, v->msg, n);
			else if (v->alg == HZ_CRYPTO_SHA384)
				hz_crypto_sha384(out, v->msg, n);
			else
				hz_crypto_sha512(out, v->msg, n);
			check_hex(out, v->digest);
		} else {
			struct hz_crypto_hash h;

			assert_int_equal(hz_crypto_hash_init(&h, v->alg), HZ_OK);
			for (int j = 0; j < 1000; j++)
				hz_crypto_hash_update(&h, a1000, sizeof(a1000));
			hz_crypto_hash_final(&h, out);
			check_hex(out, v->digest);
		}
	}
}

/* The typed streaming API with the FIPS "abc" example. */
static void test_typed_stream(void **state)
{
	(void)state;
	struct hz_crypto_sha256 s;
	struct hz_crypto_sha512 t;
	uint8_t out[64];

	hz_crypto_sha256_init(&s);
	hz_crypto_sha256_update(&s, "a", 1);
	hz_crypto_sha256_update(&s, NULL, 0);
	hz_crypto_sha256_update(&s, "bc", 2);
	hz_crypto_sha256_final(&s, out);
	check_hex(out, fips[1].digest);
	hz_crypto_sha384_init(&t);
	hz_crypto_sha384_update(&t, "ab", 2);
	hz_crypto_sha384_update(&t, "c", 1);
	hz_crypto_sha384_final(&t, out);
	check_hex(out, fips[6].digest);
	hz_crypto_sha512_init(&t);
	hz_crypto_sha512_update(&t, "abc", 3);
	hz_crypto_sha512_final(&t, out);
	check_hex(out, fips[11].digest);
}

/* RFC 4231 section 4: test cases 1-7 (case 5 compares 128 bits). */
struct hmac_vec {
	const char *key, *data;
	size_t key_rep, data_rep; /* nonzero: the byte key[0] / data[0] repeated */
	size_t tag_len;           /* 0: full length */
	const char *mac[3];       /* SHA-256, SHA-384, SHA-512 */
};

static const struct hmac_vec rfc4231[] = {
	{ "0b", "Hi There", 20, 0, 0,
	  { "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" } },
	{ "4a656665", "what do ya want for nothing?", 0, 0, 0,
	  { "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" } },
	{ "aa", "\xdd", 20, 50, 0,
	  { "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
	    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" } },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", "\xcd", 0, 50, 0,
	  { "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" } },
	{ "0c", "Test With Truncation", 20, 0, 16,
	  { "a3b6167473100ee06e0c796c2955552b", "3abf34c3503b2a23a46efc619baef897",
	    "415fad6271580a531d4179bc891d87a6" } },
	{ "aa", "Test Using Larger Than Block-Size Key - Hash Key First", 131, 0, 0,
	  { "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" } },
	{ "aa",
	  "This is a test using a larger than block-size key and a larger than block-size data. "
	  "The key needs to be hashed before being used by the HMAC algorithm.",
	  131, 0, 0,
	  { "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
	    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" } },
};

static void test_hmac_rfc4231(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		const struct hmac_vec *v = &rfc4231[i];
		uint8_t key[200], data[200], out[64], want[64];
		size_t key_len, data_len;

		key_len = unhex(key, sizeof(key), v->key);
		if (v->key_rep) {
			memset(key, key[0], v->key_rep);
			key_len = v->key_rep;
		}
		if (v->data_rep) {
			memset(data, (uint8_t)v->data[0], v->data_rep);
			data_len = v->data_rep;
		} else {
			data_len = strlen(v->data);
			memcpy(data, v->data, data_len);
		}
		for (int a = 0; a < 3; a++) {
			size_t hl = hz_crypto_hash_len(algs[a]);
			size_t n = unhex(want, sizeof(want), v->mac[a]);
			struct hz_crypto_hmac m, m2;

			assert_int_equal(n, v->tag_len ? v->tag_len : hl);
			assert_int_equal(hz_crypto_hmac(algs[a], out, key, key_len, data, data_len), HZ_OK);
			assert_memory_equal(out, want, n);
			/* Streaming, and a keyed context copied before use. */
			assert_int_equal(hz_crypto_hmac_init(&m, algs[a], key, key_len), HZ_OK);
			m2 = m;
			hz_crypto_hmac_update(&m, data, data_len / 2);
			hz_crypto_hmac_update(&m, data + data_len / 2, data_len - data_len / 2);
			hz_crypto_hmac_final(&m, out);
			assert_memory_equal(out, want, n);
			hz_crypto_hmac_update(&m2, data, data_len);
			hz_crypto_hmac_final(&m2, out);
			assert_memory_equal(out, want, n);
		}
	}
}

/* RFC 5869 appendix A.1-A.3 (the SHA-256 cases). */
static void test_hkdf_rfc5869(void **state)
{
	(void)state;
	uint8_t ikm[80], salt[80], info[80], prk[64], okm[82];

	/* A.1 */
	memset(ikm, 0x0b, 22);
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	assert_int_equal(hz_crypto_hkdf_extract(HZ_CRYPTO_SHA256, prk, salt, 13, ikm, 22), HZ_OK);
	check_hex(prk, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
	assert_int_equal(hz_crypto_hkdf_expand(HZ_CRYPTO_SHA256, okm, 42, prk, 32, info, 10), HZ_OK);
	check_hex(okm, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
	memset(okm, 0, sizeof(okm));
	assert_int_equal(hz_crypto_hkdf(HZ_CRYPTO_SHA256, okm, 42, salt, 13, ikm, 22, info, 10), HZ_OK);
	check_hex(okm, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");

	/* A.2 */
	for (int i = 0; i < 80; i++) {
		ikm[i] = (uint8_t)i;
		salt[i] = (uint8_t)(0x60 + i);
		info[i] = (uint8_t)(0xb0 + i);
	}
	assert_int_equal(hz_crypto_hkdf_extract(HZ_CRYPTO_SHA256, prk, salt, 80, ikm, 80), HZ_OK);
	check_hex(prk, "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
	assert_int_equal(hz_crypto_hkdf_expand(HZ_CRYPTO_SHA256, okm, 82, prk, 32, info, 80), HZ_OK);
	check_hex(okm, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
		       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
		       "cc30c58179ec3e87c14c01d5c1f3434f1d87");
	memset(okm, 0, sizeof(okm));
	assert_int_equal(hz_crypto_hkdf(HZ_CRYPTO_SHA256, okm, 82, salt, 80, ikm, 80, info, 80), HZ_OK);
	check_hex(okm, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
		       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
		       "cc30c58179ec3e87c14c01d5c1f3434f1d87");

	/* A.3: zero-length salt and info; NULL salt and an empty one agree. */
	memset(ikm, 0x0b, 22);
	assert_int_equal(hz_crypto_hkdf_extract(HZ_CRYPTO_SHA256, prk, NULL, 0, ikm, 22), HZ_OK);
	check_hex(prk, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
	memset(salt, 0, 32);
	assert_int_equal(hz_crypto_hkdf_extract(HZ_CRYPTO_SHA256, prk, salt, 32, ikm, 22), HZ_OK);
	check_hex(prk, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
	assert_int_equal(hz_crypto_hkdf_expand(HZ_CRYPTO_SHA256, okm, 42, prk, 32, NULL, 0), HZ_OK);
	check_hex(okm, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
	assert_int_equal(hz_crypto_hkdf(HZ_CRYPTO_SHA256, okm, 42, NULL, 0, ikm, 22, NULL, 0), HZ_OK);
	check_hex(okm, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

static void test_hkdf_limits(void **state)
{
	(void)state;
	static uint8_t out[255 * 64 + 1];
	uint8_t prk[64] = { 1 }, full[64];

	for (int a = 0; a < 3; a++) {
		size_t hl = hz_crypto_hash_len(algs[a]);

		/* 2.3: L <= 255 * HashLen. */
		assert_int_equal(hz_crypto_hkdf_expand(algs[a], out, 255 * hl, prk, hl, "i", 1), HZ_OK);
		/* The output is a prefix-stable stream: a shorter request is its prefix. */
		assert_int_equal(hz_crypto_hkdf_expand(algs[a], full, hl, prk, hl, "i", 1), HZ_OK);
		assert_memory_equal(full, out, hl);
		memset(out, 0x5a, sizeof(out));
		assert_int_equal(hz_crypto_hkdf_expand(algs[a], out, 255 * hl + 1, prk, hl, "i", 1), HZ_ERR_INVALID);
		assert_int_equal(out[0], 0x5a);
		assert_int_equal(hz_crypto_hkdf(algs[a], out, 255 * hl + 1, NULL, 0, "k", 1, NULL, 0), HZ_ERR_INVALID);
		/* PRK shorter than HashLen. */
		assert_int_equal(hz_crypto_hkdf_expand(algs[a], out, 16, prk, hl - 1, NULL, 0), HZ_ERR_INVALID);
		/* Zero-length output is fine. */
		assert_int_equal(hz_crypto_hkdf_expand(algs[a], NULL, 0, prk, hl, NULL, 0), HZ_OK);
		assert_int_equal(hz_crypto_hkdf(algs[a], NULL, 0, NULL, 0, NULL, 0, NULL, 0), HZ_OK);
	}
	assert_int_equal(hz_crypto_hkdf_expand((enum hz_crypto_hash_alg)0, out, 16, prk, 64, NULL, 0), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_hkdf_extract((enum hz_crypto_hash_alg)4, out, NULL, 0, "k", 1), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_hkdf((enum hz_crypto_hash_alg)4, out, 16, NULL, 0, "k", 1, NULL, 0), HZ_ERR_INVALID);
}

/* TLS 1.2 PRF with SHA-256: the vector posted to the IETF TLS list for
 * RFC 5246 (secret 9bbe436b..., seed a0ba9f93..., label "test label",
 * 100 bytes), which OpenSSL, Go and others test against. */
static void test_tls12_prf(void **state)
{
	(void)state;
	uint8_t secret[16], seed[16], out[100], part[100];

	unhex(secret, sizeof(secret), "9bbe436ba940f017b17652849a71db35");
	unhex(seed, sizeof(seed), "a0ba9f936cda311827a6f796ffd5198c");
	assert_int_equal(hz_crypto_tls12_prf(HZ_CRYPTO_SHA256, out, 100, secret, 16, "test label", 10, seed, 16),
			 HZ_OK);
	check_hex(out, "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
		       "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
		       "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
		       "87347b66");
	/* A shorter output is a prefix; every length works. */
	for (size_t n = 0; n <= 100; n++) {
		memset(part, 0, sizeof(part));
		assert_int_equal(hz_crypto_tls12_prf(HZ_CRYPTO_SHA256, part, n, secret, 16, "test label", 10, seed,
						     16),
				 HZ_OK);
		assert_memory_equal(part, out, n);
	}
	assert_int_equal(hz_crypto_tls12_prf((enum hz_crypto_hash_alg)0, out, 10, secret, 16, "x", 1, seed, 16),
			 HZ_ERR_INVALID);
	/* Empty secret, label and seed are legal inputs. */
	assert_int_equal(hz_crypto_tls12_prf(HZ_CRYPTO_SHA384, out, 100, NULL, 0, NULL, 0, NULL, 0), HZ_OK);
}

/* Every split point of messages up to 300 bytes (crossing two SHA-512
 * blocks), and byte-at-a-time, against the one-shot. */
static void test_split(void **state)
{
	(void)state;
	uint8_t msg[300], want[64], got[64];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (int a = 0; a < 3; a++) {
		for (size_t len = 0; len <= sizeof(msg); len += (len < 140 ? 1 : 23)) {
			struct hz_crypto_hash h;

			hz_crypto_hash(algs[a], want, msg, len);
			for (size_t cut = 0; cut <= len; cut++) {
				hz_crypto_hash_init(&h, algs[a]);
				hz_crypto_hash_update(&h, msg, cut);
				hz_crypto_hash_update(&h, msg + cut, len - cut);
				hz_crypto_hash_final(&h, got);
				assert_memory_equal(got, want, hz_crypto_hash_len(algs[a]));
			}
			hz_crypto_hash_init(&h, algs[a]);
			for (size_t i = 0; i < len; i++)
				hz_crypto_hash_update(&h, msg + i, 1);
			hz_crypto_hash_final(&h, got);
			assert_memory_equal(got, want, hz_crypto_hash_len(algs[a]));
		}
		/* Two cuts, all pairs, for a 3-block message. */
		size_t len = 3 * hz_crypto_hash_block_len(algs[a]) > sizeof(msg) ? sizeof(msg)
										  : 3 * hz_crypto_hash_block_len(algs[a]);
		hz_crypto_hash(algs[a], want, msg, len);
		for (size_t c1 = 0; c1 <= len; c1 += 3) {
			for (size_t c2 = c1; c2 <= len; c2 += 5) {
				struct hz_crypto_hash h;

				hz_crypto_hash_init(&h, algs[a]);
				hz_crypto_hash_update(&h, msg, c1);
				hz_crypto_hash_update(&h, msg + c1, c2 - c1);
				hz_crypto_hash_update(&h, msg + c2, len - c2);
				hz_crypto_hash_final(&h, got);
				assert_memory_equal(got, want, hz_crypto_hash_len(algs[a]));
			}
		}
	}
}

/* A running hash copied by assignment continues independently (the TLS
 * transcript hash forks like this). */
static void test_fork(void **state)
{
	(void)state;
	for (int a = 0; a < 3; a++) {
		struct hz_crypto_hash h, g;
		uint8_t x[64], y[64];

		hz_crypto_hash_init(&h, algs[a]);
		hz_crypto_hash_update(&h, "ab", 2);
		g = h;
		hz_crypto_hash_update(&h, "c", 1);
		hz_crypto_hash_final(&h, x);
		hz_crypto_hash(algs[a], y, "abc", 3);
		assert_memory_equal(x, y, 64 > hz_crypto_hash_len(algs[a]) ? hz_crypto_hash_len(algs[a]) : 64);
		hz_crypto_hash_update(&g, "d", 1);
		hz_crypto_hash_final(&g, x);
		hz_crypto_hash(algs[a], y, "abd", 3);
		assert_memory_equal(x, y, hz_crypto_hash_len(algs[a]));
	}
}

/* One-shots may write over their input. */
static void test_alias(void **state)
{
	(void)state;
	for (int a = 0; a < 3; a++) {
		uint8_t buf[200], want[64];
		size_t hl = hz_crypto_hash_len(algs[a]);

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)i;
		hz_crypto_hash(algs[a], want, buf, sizeof(buf));
		hz_crypto_hash(algs[a], buf, buf, sizeof(buf));
		assert_memory_equal(buf, want, hl);

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)i;
		hz_crypto_hmac(algs[a], want, buf, 150, buf + 20, 100);
		hz_crypto_hmac(algs[a], buf + 20, buf, 150, buf + 20, 100);
		assert_memory_equal(buf + 20, want, hl);
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)i;
		hz_crypto_hmac(algs[a], buf, buf, 150, buf + 20, 100);
		assert_memory_equal(buf, want, hl);
	}
}

static void test_lengths_and_errors(void **state)
{
	(void)state;
	struct hz_crypto_hash h;
	struct hz_crypto_hmac m;
	uint8_t out[64];

	assert_int_equal(hz_crypto_hash_len(HZ_CRYPTO_SHA256), 32);
	assert_int_equal(hz_crypto_hash_len(HZ_CRYPTO_SHA384), 48);
	assert_int_equal(hz_crypto_hash_len(HZ_CRYPTO_SHA512), 64);
	assert_int_equal(hz_crypto_hash_len((enum hz_crypto_hash_alg)0), 0);
	assert_int_equal(hz_crypto_hash_len((enum hz_crypto_hash_alg)4), 0);
	assert_int_equal(hz_crypto_hash_len((enum hz_crypto_hash_alg)-1), 0);
	assert_int_equal(hz_crypto_hash_block_len(HZ_CRYPTO_SHA256), 64);
	assert_int_equal(hz_crypto_hash_block_len(HZ_CRYPTO_SHA384), 128);
	assert_int_equal(hz_crypto_hash_block_len(HZ_CRYPTO_SHA512), 128);
	assert_int_equal(hz_crypto_hash_block_len((enum hz_crypto_hash_alg)0), 0);
	assert_int_equal(hz_crypto_hash_block_len((enum hz_crypto_hash_alg)99), 0);

	assert_int_equal(hz_crypto_hash_init(&h, (enum hz_crypto_hash_alg)0), HZ_ERR_INVALID);
	/* An unusable context: update and final do nothing to out. */
	memset(out, 0x77, sizeof(out));
	hz_crypto_hash_update(&h, "x", 1);
	hz_crypto_hash_final(&h, out);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0x77);
	assert_int_equal(hz_crypto_hash((enum hz_crypto_hash_alg)5, out, "x", 1), HZ_ERR_INVALID);
	assert_int_equal(out[0], 0x77);
	assert_int_equal(hz_crypto_hmac_init(&m, (enum hz_crypto_hash_alg)0, "k", 1), HZ_ERR_INVALID);
	hz_crypto_hmac_update(&m, "x", 1);
	hz_crypto_hmac_final(&m, out);
	assert_int_equal(out[0], 0x77);
	assert_int_equal(hz_crypto_hmac((enum hz_crypto_hash_alg)4, out, "k", 1, "x", 1), HZ_ERR_INVALID);
	assert_int_equal(out[0], 0x77);
	/* NULL with length 0 is allowed everywhere. */
	assert_int_equal(hz_crypto_hash(HZ_CRYPTO_SHA256, out, NULL, 0), HZ_OK);
	check_hex(out, fips[0].digest);
	assert_int_equal(hz_crypto_hmac(HZ_CRYPTO_SHA512, out, NULL, 0, NULL, 0), HZ_OK);
}

/* HMAC keys around the block length: exactly B is used as is, B+1 is
 * hashed; a key of B bytes equal to H(longer key) padded gives the same MAC. */
static void test_hmac_key_lengths(void **state)
{
	(void)state;
	for (int a = 0; a < 3; a++) {
		size_t bl = hz_crypto_hash_block_len(algs[a]), hl = hz_crypto_hash_len(algs[a]);
		uint8_t key[300], hk[128], x[64], y[64];

		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)(i ^ 0x5c);
		for (size_t kl = bl + 1; kl < sizeof(key); kl += 37) {
			memset(hk, 0, sizeof(hk));
			hz_crypto_hash(algs[a], hk, key, kl);
			hz_crypto_hmac(algs[a], x, key, kl, "msg", 3);
			hz_crypto_hmac(algs[a], y, hk, hl, "msg", 3);
			assert_memory_equal(x, y, hl);
			/* Trailing zeros up to B do not change a short key. */
			hz_crypto_hmac(algs[a], y, hk, bl, "msg", 3);
			assert_memory_equal(x, y, hl);
		}
	}
}

static int path_all(void **state)
{
	(void)state;
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	return 0;
}

static int path_portable(void **state)
{
	(void)state;
	hz_crypto_cpu_restrict(0);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips),
		cmocka_unit_test(test_typed_stream),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_hkdf_limits),
		cmocka_unit_test(test_tls12_prf),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_lengths_and_errors),
		cmocka_unit_test(test_hmac_key_lengths),
	};
	int r = cmocka_run_group_tests_name("hash (all CPU features)", tests, path_all, NULL);

	if (!hz_crypto_portable_build())
		r |= cmocka_run_group_tests_name("hash (portable)", tests, path_portable, path_all);
	return r;
}
