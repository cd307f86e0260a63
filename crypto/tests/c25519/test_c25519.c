/* c25519: RFC 7748 and RFC 8032 vectors, the fixed-base path against the
 * ladder, rejection of bad points and altered signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "haze/crypto.h"

static void unhex(uint8_t *out, size_t len, const char *hex)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: deterministic test inputs. */
static void rnd(uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		out[i] = (uint8_t)(z ^ (z >> 31));
	}
}

/* RFC 7748 section 5.2, the two single-shot vectors. */
static void test_x25519_rfc7748_vectors(void **state)
{
	static const char *v[2][3] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		/* u has bit 255 set: it must be masked. */
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t k[32], u[32], want[32], out[32];

	(void)state;
	for (int i = 0; i < 2; i++) {
		unhex(k, 32, v[i][0]);
		unhex(u, 32, v[i][1]);
		unhex(want, 32, v[i][2]);
		assert_int_equal(hz_crypto_x25519(out, k, u), HZ_OK);
		assert_memory_equal(out, want, 32);
		/* out may alias the scalar or the point. */
		memcpy(out, k, 32);
		assert_int_equal(hz_crypto_x25519(out, out, u), HZ_OK);
		assert_memory_equal(out, want, 32);
		memcpy(out, u, 32);
		assert_int_equal(hz_crypto_x25519(out, k, out), HZ_OK);
		assert_memory_equal(out, want, 32);
	}
}

/* RFC 7748 section 5.2: k = u = 9, then k, u = X25519(k, u), k. */
static void test_x25519_rfc7748_iterated(void **state)
{
	uint8_t k[32] = { 9 }, u[32] = { 9 }, r[32], want[32];
	long n = getenv("HAZE_SLOW_TESTS") ? 1000000 : 1000;

	(void)state;
	for (long i = 1; i <= n; i++) {
		hz_crypto_x25519(r, k, u);
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1) {
			unhex(want, 32, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
			assert_memory_equal(k, want, 32);
		} else if (i == 1000) {
			unhex(want, 32, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
			assert_memory_equal(k, want, 32);
		} else if (i == 1000000) {
			unhex(want, 32, "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424");
			assert_memory_equal(k, want, 32);
		}
	}
}

/* RFC 7748 section 6.1: Alice and Bob. */
static void test_x25519_rfc7748_dh(void **state)
{
	uint8_t a[32], b[32], apub[32], bpub[32], want[32], s1[32], s2[32];

	(void)state;
	unhex(a, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(b, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	hz_crypto_x25519_base(apub, a);
	unhex(want, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	assert_memory_equal(apub, want, 32);
	hz_crypto_x25519_base(bpub, b);
	unhex(want, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	assert_memory_equal(bpub, want, 32);
	assert_int_equal(hz_crypto_x25519(s1, a, bpub), HZ_OK);
	assert_int_equal(hz_crypto_x25519(s2, b, apub), HZ_OK);
	unhex(want, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	assert_memory_equal(s1, want, 32);
	assert_memory_equal(s2, want, 32);
	/* x25519_base may write over its scalar. */
	hz_crypto_x25519_base(a, a);
	assert_memory_equal(a, apub, 32);
}

/* The comb + birational map agrees with the ladder on u = 9. */
static void test_x25519_base_matches_ladder(void **state)
{
	uint8_t k[32], nine[32] = { 9 }, x[32], y[32];

	(void)state;
	for (int i = 0; i < 200; i++) {
		rnd(k, 32);
		if (i == 0)
			memset(k, 0, 32);
		if (i == 1)
			memset(k, 0xff, 32);
		hz_crypto_x25519_base(x, k);
		assert_int_equal(hz_crypto_x25519(y, k, nine), HZ_OK);
		assert_memory_equal(x, y, 32);
	}
}

/* Section 6.1: points of small order give the all-zero secret, which is
 * an error; out is still written (zeros). u >= p is reduced. */
static void test_x25519_low_order_and_noncanonical(void **state)
{
	static const char *low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p - 1 */
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p */
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 */
	};
	uint8_t k[32], u[32], out[32], zero[32] = { 0 }, a[32], b[32];

	(void)state;
	rnd(k, 32);
	for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		unhex(u, 32, low[i]);
		memset(out, 0xaa, 32);
		assert_int_equal(hz_crypto_x25519(out, k, u), HZ_ERR_BAD_KEY);
		assert_memory_equal(out, zero, 32);
		u[31] |= 0x80;   /* bit 255 is ignored */
		assert_int_equal(hz_crypto_x25519(out, k, u), HZ_ERR_BAD_KEY);
	}
	/* p + 9 is 9. */
	unhex(u, 32, "f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	hz_crypto_x25519(a, k, u);
	memset(u, 0, 32);
	u[0] = 9;
	hz_crypto_x25519(b, k, u);
	assert_memory_equal(a, b, 32);
}

struct ed_vec {
	const char *seed, *pub, *msg, *sig;
};

/* RFC 8032 section 7.1. */
static const struct ed_vec ed_vecs[] = {
	{ /* TEST 1 */
	  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ /* TEST 2 */
	  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ /* TEST 3 */
	  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	  "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
	{ /* TEST 1024 */
	  "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
	  "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
	  "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
	  "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
	  "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
	  "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
	  "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
	  "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
	  "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
	  "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
	  "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
	  "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
	  "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
	  "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
	  "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
	  "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
	  "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
	  "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
	  "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
	  "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
	  "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
	  "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
	  "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
	  "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
	  "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
	  "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
	  "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
	  "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
	  "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
	  "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
	  "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
	  "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
	  "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
	  "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
	  "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
	  "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03" },
	{ /* TEST SHA(abc): the message is SHA-512("abc") */
	  "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
	  "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	  "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
	  "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" },
};

static void test_ed25519_rfc8032(void **state)
{
	uint8_t seed[32], pub[32], want_pub[32], sig[64], want_sig[64], msg[1023], abc[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ed_vecs) / sizeof(ed_vecs[0]); i++) {
		size_t len = strlen(ed_vecs[i].msg) / 2;
		unhex(seed, 32, ed_vecs[i].seed);
		unhex(want_pub, 32, ed_vecs[i].pub);
		unhex(msg, len, ed_vecs[i].msg);
		unhex(want_sig, 64, ed_vecs[i].sig);
		hz_crypto_ed25519_public(pub, seed);
		assert_memory_equal(pub, want_pub, 32);
		hz_crypto_ed25519_sign(sig, seed, pub, len ? msg : NULL, len);
		assert_memory_equal(sig, want_sig, 64);
		assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, len), HZ_OK);
	}
	/* SHA(abc): the message really is SHA-512("abc"). */
	hz_crypto_sha512(abc, "abc", 3);
	unhex(msg, 64, ed_vecs[4].msg);
	assert_memory_equal(abc, msg, 64);
	/* pub may alias seed. */
	unhex(seed, 32, ed_vecs[0].seed);
	hz_crypto_ed25519_public(seed, seed);
	unhex(want_pub, 32, ed_vecs[0].pub);
	assert_memory_equal(seed, want_pub, 32);
}

/* Every single-bit change of a signature, of the message and of the
 * public key is rejected. */
static void test_ed25519_bit_flips(void **state)
{
	uint8_t seed[32], pub[32], sig[64], msg[2];
	int r;

	(void)state;
	unhex(seed, 32, ed_vecs[2].seed);
	unhex(pub, 32, ed_vecs[2].pub);
	unhex(msg, 2, ed_vecs[2].msg);
	unhex(sig, 64, ed_vecs[2].sig);
	for (int bit = 0; bit < 512; bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, 2), HZ_ERR_AUTH);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (int bit = 0; bit < 16; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, 2), HZ_ERR_AUTH);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (int bit = 0; bit < 256; bit++) {
		pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = hz_crypto_ed25519_verify(sig, pub, msg, 2);
		assert_true(r == HZ_ERR_AUTH || r == HZ_ERR_BAD_KEY);
		pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Longer and shorter messages. */
	assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, 1), HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, 0), HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, 2), HZ_OK);
}

/* S + L verifies under a lax check; strict verification rejects it. A
 * non-canonical or undecodable public key is HZ_ERR_BAD_KEY. */
static void test_ed25519_strict(void **state)
{
	static const uint8_t l[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	uint8_t pub[32], sig[64], bad[32];
	unsigned c = 0;

	(void)state;
	unhex(pub, 32, ed_vecs[0].pub);
	unhex(sig, 64, ed_vecs[0].sig);
	for (int i = 0; i < 32; i++) {
		c += (unsigned)sig[32 + i] + l[i];
		sig[32 + i] = (uint8_t)c;
		c >>= 8;
	}
	assert_int_equal(c, 0);
	assert_int_equal(hz_crypto_ed25519_verify(sig, pub, "", 0), HZ_ERR_AUTH);
	unhex(sig, 64, ed_vecs[0].sig);
	/* y = p + 1 (the identity, non-canonical); y = 2^255 - 1. */
	unhex(bad, 32, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	assert_int_equal(hz_crypto_ed25519_verify(sig, bad, "", 0), HZ_ERR_BAD_KEY);
	unhex(bad, 32, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	assert_int_equal(hz_crypto_ed25519_verify(sig, bad, "", 0), HZ_ERR_BAD_KEY);
	/* x = 0 with the sign bit set: y = 1 encoded with bit 255. */
	memset(bad, 0, 32);
	bad[0] = 1;
	bad[31] = 0x80;
	assert_int_equal(hz_crypto_ed25519_verify(sig, bad, "", 0), HZ_ERR_BAD_KEY);
	/* y = 2 is not on the curve. */
	memset(bad, 0, 32);
	bad[0] = 2;
	assert_int_equal(hz_crypto_ed25519_verify(sig, bad, "", 0), HZ_ERR_BAD_KEY);
}

/* Random keys and messages: sign, verify, and public keys from x25519. */
static void test_ed25519_random_roundtrip(void **state)
{
	uint8_t seed[32], pub[32], sig[64], msg[300];

	(void)state;
	for (int i = 0; i < 100; i++) {
		size_t len = (size_t)i * 3;
		rnd(seed, 32);
		rnd(msg, len);
		hz_crypto_ed25519_public(pub, seed);
		hz_crypto_ed25519_sign(sig, seed, pub, msg, len);
		assert_int_equal(hz_crypto_ed25519_verify(sig, pub, msg, len), HZ_OK);
	}
}

/* The scalar reduction at its edges. These are internal symbols of the
 * static library (sc25519.c), declared here for the test only. Expected
 * values computed with Python integers. */
void hz_c25519_sc_reduce64(uint8_t out[32], const uint8_t in[64]);
void hz_c25519_sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t c[32]);

static void test_sc_edges(void **state)
{
	uint8_t in[64], out[32], want[32], ff[32], l[32];

	(void)state;
	unhex(l, 32, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
	/* 2^512 - 1 */
	memset(in, 0xff, 64);
	hz_c25519_sc_reduce64(out, in);
	unhex(want, 32, "000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903");
	assert_memory_equal(out, want, 32);
	/* 2^256 - 1 */
	memset(in + 32, 0, 32);
	hz_c25519_sc_reduce64(out, in);
	unhex(want, 32, "1c95988d7431ecd670cf7d73f45befc6feffffffffffffffffffffffffffff0f");
	assert_memory_equal(out, want, 32);
	/* L -> 0, L - 1 -> L - 1, 2L + 5 -> 5 */
	memset(in, 0, 64);
	memcpy(in, l, 32);
	hz_c25519_sc_reduce64(out, in);
	memset(want, 0, 32);
	assert_memory_equal(out, want, 32);
	in[0]--;
	hz_c25519_sc_reduce64(out, in);
	memcpy(want, l, 32);
	want[0]--;
	assert_memory_equal(out, want, 32);
	memset(in, 0, 64);
	{
		unsigned c = 5;
		for (int i = 0; i < 32; i++) {
			c += 2u * l[i];
			in[i] = (uint8_t)c;
			c >>= 8;
		}
		in[32] = (uint8_t)c;
	}
	hz_c25519_sc_reduce64(out, in);
	memset(want, 0, 32);
	want[0] = 5;
	assert_memory_equal(out, want, 32);
	/* (2^256 - 1)^2 + 2^256 - 1 */
	memset(ff, 0xff, 32);
	hz_c25519_sc_muladd(out, ff, ff, ff);
	unhex(want, 32, "d14df91389432c25ad60ff9791b9fd1d67bef517d273ecce3d9a307c1b419903");
	assert_memory_equal(out, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519_rfc7748_vectors),
		cmocka_unit_test(test_x25519_rfc7748_iterated),
		cmocka_unit_test(test_x25519_rfc7748_dh),
		cmocka_unit_test(test_x25519_base_matches_ladder),
		cmocka_unit_test(test_x25519_low_order_and_noncanonical),
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_ed25519_bit_flips),
		cmocka_unit_test(test_ed25519_strict),
		cmocka_unit_test(test_ed25519_random_roundtrip),
		cmocka_unit_test(test_sc_edges),
	};
	int fails = 0;

	/* Each path in one binary: all CPU features, then portable. */
	fails += cmocka_run_group_tests_name("c25519", tests, NULL, NULL);
	hz_crypto_cpu_restrict(0);
	fails += cmocka_run_group_tests_name("c25519 [portable]", tests, NULL, NULL);
	return fails ? 1 : 0;
}
