/* ecp area: RFC 6979 A.2.5 / A.2.6 signatures (k, r, s) for SHA-256/384/
 * 512, public-key derivation, point validation, private-key range, DER
 * encoding and strict decoding, sign-then-verify with random keys, and
 * every single-bit change of a signature, digest or key rejected. The
 * library has no accelerated ecp path, so one pass covers it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "haze/crypto.h"

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

/* Deterministic test randomness (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static void rnd(uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		rng_state ^= rng_state >> 12;
		rng_state ^= rng_state << 25;
		rng_state ^= rng_state >> 27;
		out[i] = (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
	}
}

static const char *const order_hex[3] = {
	NULL,
	"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
};
static const char *const prime_hex[3] = {
	NULL,
	"FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
};
/* Base points (SEC 2 v2 2.4.2, 2.5.1). */
static const char *const gx_hex[3] = {
	NULL,
	"6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
	"AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7",
};
static const char *const gy_hex[3] = {
	NULL,
	"4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
	"3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
};

static const enum hz_crypto_curve curves[2] = { HZ_CRYPTO_P256, HZ_CRYPTO_P384 };

/* Independent DER encoder for the expected values (not constant time). */
static size_t der_int(uint8_t *out, const uint8_t *v, size_t len)
{
	size_t i = 0, n = 0;
	while (i + 1 < len && v[i] == 0)
		i++;
	out[n++] = 0x02;
	out[n++] = (uint8_t)(len - i + (v[i] >= 0x80));
	if (v[i] >= 0x80)
		out[n++] = 0;
	memcpy(out + n, v + i, len - i);
	return n + len - i;
}

static size_t der_sig(uint8_t *out, const uint8_t *rs, size_t len)
{
	size_t n = 2;
	n += der_int(out + n, rs, len);
	n += der_int(out + n, rs + len, len);
	out[0] = 0x30;
	out[1] = (uint8_t)(n - 2);
	return n;
}

/* RFC 6979 A.2.5 (P-256) and A.2.6 (P-384): key pairs and the
 * signatures of "sample" and "test" with SHA-256/384/512 (k, r, s). */
struct rfc6979_key {
	enum hz_crypto_curve curve;
	const char *x, *ux, *uy;
};
static const struct rfc6979_key rfc6979_keys[] = {
	{ HZ_CRYPTO_P256,
	  "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
	  "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
	  "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299" },
	{ HZ_CRYPTO_P384,
	  "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5",
	  "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13",
	  "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720" },
};

struct rfc6979_sig {
	int key; /* index in rfc6979_keys */
	const char *msg;
	enum hz_crypto_hash_alg alg;
	const char *k, *r, *s;
};
static const struct rfc6979_sig rfc6979_sigs[] = {
	{ 0, "sample", HZ_CRYPTO_SHA256,
	  "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60",
	  "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
	  "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8" },
	{ 0, "sample", HZ_CRYPTO_SHA384,
	  "09F634B188CEFD98E7EC88B1AA9852D734D0BC272F7D2A47DECC6EBEB375AAD4",
	  "0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719",
	  "4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954" },
	{ 0, "sample", HZ_CRYPTO_SHA512,
	  "5FA81C63109BADB88C1F367B47DA606DA28CAD69AA22C4FE6AD7DF73A7173AA5",
	  "8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00",
	  "2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE" },
	{ 0, "test", HZ_CRYPTO_SHA256,
	  "D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0",
	  "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
	  "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083" },
	{ 0, "test", HZ_CRYPTO_SHA384,
	  "16AEFFA357260B04B1DD199693960740066C1A8F3E8EDD79070AA914D361B3B8",
	  "83910E8B48BB0C74244EBDF7F07A1C5413D61472BD941EF3920E623FBCCEBEB6",
	  "8DDBEC54CF8CD5874883841D712142A56A8D0F218F5003CB0296B6B509619F2C" },
	{ 0, "test", HZ_CRYPTO_SHA512,
	  "6915D11632ACA3C40D5D51C08DAF9C555933819548784480E93499000D9F0B7F",
	  "461D93F31B6540894788FD206C07CFA0CC35F46FA3C91816FFF1040AD1581A04",
	  "39AF9F15DE0DB8D97E72719C74820D304CE5226E32DEDAE67519E840D1194E55" },
	{ 1, "sample", HZ_CRYPTO_SHA256,
	  "180AE9F9AEC5438A44BC159A1FCB277C7BE54FA20E7CF404B490650A8ACC414E375572342863C899F9F2EDF9747A9B60",
	  "21B13D1E013C7FA1392D03C5F99AF8B30C570C6F98D4EA8E354B63A21D3DAA33BDE1E888E63355D92FA2B3C36D8FB2CD",
	  "F3AA443FB107745BF4BD77CB3891674632068A10CA67E3D45DB2266FA7D1FEEBEFDC63ECCD1AC42EC0CB8668A4FA0AB0" },
	{ 1, "sample", HZ_CRYPTO_SHA384,
	  "94ED910D1A099DAD3254E9242AE85ABDE4BA15168EAF0CA87A555FD56D10FBCA2907E3E83BA95368623B8C4686915CF9",
	  "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46",
	  "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8" },
	{ 1, "sample", HZ_CRYPTO_SHA512,
	  "92FC3C7183A883E24216D1141F1A8976C5B0DD797DFA597E3D7B32198BD35331A4E966532593A52980D0E3AAA5E10EC3",
	  "ED0959D5880AB2D869AE7F6C2915C6D60F96507F9CB3E047C0046861DA4A799CFE30F35CC900056D7C99CD7882433709",
	  "512C8CCEEE3890A84058CE1E22DBC2198F42323CE8ACA9135329F03C068E5112DC7CC3EF3446DEFCEB01A45C2667FDD5" },
	{ 1, "test", HZ_CRYPTO_SHA256,
	  "0CFAC37587532347DC3389FDC98286BBA8C73807285B184C83E62E26C401C0FAA48DD070BA79921A3457ABFF2D630AD7",
	  "6D6DEFAC9AB64DABAFE36C6BF510352A4CC27001263638E5B16D9BB51D451559F918EEDAF2293BE5B475CC8F0188636B",
	  "2D46F3BECBCC523D5F1A1256BF0C9B024D879BA9E838144C8BA6BAEB4B53B47D51AB373F9845C0514EEFB14024787265" },
	{ 1, "test", HZ_CRYPTO_SHA384,
	  "015EE46A5BF88773ED9123A5AB0807962D193719503C527B031B4C2D225092ADA71F4A459BC0DA98ADB95837DB8312EA",
	  "8203B63D3C853E8D77227FB377BCF7B7B772E97892A80F36AB775D509D7A5FEB0542A7F0812998DA8F1DD3CA3CF023DB",
	  "DDD0760448D42D8A43AF45AF836FCE4DE8BE06B485E9B61B827C2F13173923E06A739F040649A667BF3B828246BAA5A5" },
	{ 1, "test", HZ_CRYPTO_SHA512,
	  "3780C4F67CB15518B6ACAE34C9F83568D2E12E47DEAB6C50A4E4EE5319D1E8CE0E2CC8A136036DC4B9C00E6888F66B6C",
	  "A0D5D090C9980FAF3C2CE57B7AE951D31977DD11C775D314AF55F76C676447D06FB6495CD21B4B6E340FC236584FB277",
	  "976984E59B4C77B0E8E4460DCA3D9F20E07B9BB1F63BEEFAF576F6B2E8B224634A2092CD3792E0159AD9CEE37659C736" },
};

static void test_rfc6979(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rfc6979_sigs / sizeof rfc6979_sigs[0]; i++) {
		const struct rfc6979_sig *v = &rfc6979_sigs[i];
		const struct rfc6979_key *key = &rfc6979_keys[v->key];
		enum hz_crypto_curve c = key->curve;
		size_t len = hz_crypto_ec_scalar_len(c), sig_len, dl = hz_crypto_hash_len(v->alg);
		uint8_t x[48], k[48], rs[96], pub[97], kpub[97], digest[64], sig[HZ_CRYPTO_ECDSA_MAX_DER];
		uint8_t der[HZ_CRYPTO_ECDSA_MAX_DER];
		size_t der_len;

		assert_int_equal(unhex(x, sizeof x, key->x), len);
		assert_int_equal(unhex(k, sizeof k, v->k), len);
		assert_int_equal(unhex(rs, sizeof rs, v->r), len);
		assert_int_equal(unhex(rs + len, sizeof rs - len, v->s), len);
		assert_int_equal(hz_crypto_hash(v->alg, digest, v->msg, strlen(v->msg)), HZ_OK);

		/* The public key U = xG. */
		assert_int_equal(hz_crypto_ec_public(c, pub, x), HZ_OK);
		{
			uint8_t u[97];
			u[0] = 0x04;
			unhex(u + 1, len, key->ux);
			unhex(u + 1 + len, len, key->uy);
			assert_memory_equal(pub, u, 1 + 2 * len);
		}
		/* k is the RFC's nonce: r = x(kG) mod n (here x(kG) < n). */
		assert_int_equal(hz_crypto_ec_public(c, kpub, k), HZ_OK);
		assert_memory_equal(kpub + 1, rs, len);

		sig_len = sizeof sig;
		assert_int_equal(hz_crypto_ecdsa_sign(c, v->alg, sig, &sig_len, HZ_CRYPTO_ECDSA_FIXED, x,
						      digest, dl), HZ_OK);
		assert_int_equal(sig_len, 2 * len);
		assert_memory_equal(sig, rs, 2 * len);
		assert_int_equal(hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, digest, dl, sig, sig_len,
							HZ_CRYPTO_ECDSA_FIXED), HZ_OK);

		sig_len = sizeof sig;
		assert_int_equal(hz_crypto_ecdsa_sign(c, v->alg, sig, &sig_len, HZ_CRYPTO_ECDSA_DER, x,
						      digest, dl), HZ_OK);
		der_len = der_sig(der, rs, len);
		assert_int_equal(sig_len, der_len);
		assert_memory_equal(sig, der, der_len);
		assert_int_equal(hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, digest, dl, sig, sig_len,
							HZ_CRYPTO_ECDSA_DER), HZ_OK);
	}
}

/* A digest longer than the order is truncated (SEC 1 4.1.3 step 5;
 * RFC 6979 bits2octets), so only its first len bytes matter. */
static void test_truncation(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c), l1 = sizeof(uint8_t[96]), l2 = l1;
		uint8_t x[48], pub[97], d[64], s1[96], s2[96];

		rnd(x, len);
		x[0] &= 0x7f;
		rnd(d, sizeof d);
		assert_int_equal(hz_crypto_ec_public(c, pub, x), HZ_OK);
		assert_int_equal(hz_crypto_ecdsa_sign(c, HZ_CRYPTO_SHA512, s1, &l1,
				HZ_CRYPTO_ECDSA_FIXED, x, d, 64), HZ_OK);
		assert_int_equal(hz_crypto_ecdsa_sign(c, HZ_CRYPTO_SHA512, s2, &l2,
				HZ_CRYPTO_ECDSA_FIXED, x, d, len), HZ_OK);
		assert_memory_equal(s1, s2, 2 * len);
		assert_int_equal(hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, 64, s1, l1,
				HZ_CRYPTO_ECDSA_FIXED), HZ_OK);
		assert_int_equal(hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, d, len, s1, l1,
				HZ_CRYPTO_ECDSA_FIXED), HZ_OK);
		/* A short digest is an integer with leading zeros. */
		{
			uint8_t z[48] = { 0 };
			memcpy(z + len - 20, d, 20);
			l1 = l2 = sizeof s1;
			assert_int_equal(hz_crypto_ecdsa_sign(c, HZ_CRYPTO_SHA256, s1, &l1,
					HZ_CRYPTO_ECDSA_FIXED, x, d, 20), HZ_OK);
			assert_int_equal(hz_crypto_ecdsa_verify(c, pub, 1 + 2 * len, z, len, s1, l1,
					HZ_CRYPTO_ECDSA_FIXED), HZ_OK);
		}
	}
}

/* Public keys: 1G = G, (n-1)G = -G, and the range of private keys. */
static void test_public(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c);
		uint8_t k[48], n[48], p[48], pub[97], want[97], zero[97] = { 0 };

		unhex(n, sizeof n, order_hex[c]);
		unhex(p, sizeof p, prime_hex[c]);
		want[0] = 0x04;
		unhex(want + 1, len, gx_hex[c]);
		unhex(want + 1 + len, len, gy_hex[c]);

		memset(k, 0, len);
		k[len - 1] = 1;
		assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_OK);
		assert_memory_equal(pub, want, 1 + 2 * len);
		assert_int_equal(hz_crypto_ec_check_public(c, pub, 1 + 2 * len), HZ_OK);

		/* n - 1: same x, y = p - Gy */
		memcpy(k, n, len);
		k[len - 1]--;
		assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_OK);
		assert_memory_equal(pub + 1, want + 1, len);
		{
			uint8_t y[48];
			int bw = 0;
			for (size_t i = len; i-- > 0;) {
				int t = p[i] - want[1 + len + i] - bw;
				bw = t < 0;
				y[i] = (uint8_t)t;
			}
			assert_memory_equal(pub + 1 + len, y, len);
		}

		/* 0, n, n + 1, all ones: refused, output zeroed */
		memset(k, 0, len);
		memset(pub, 0xaa, sizeof pub);
		assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_ERR_BAD_KEY);
		assert_memory_equal(pub, zero, 1 + 2 * len);
		assert_int_equal(hz_crypto_ec_public(c, pub, n), HZ_ERR_BAD_KEY);
		memcpy(k, n, len);
		k[len - 1]++;
		assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_ERR_BAD_KEY);
		memset(k, 0xff, len);
		assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_ERR_BAD_KEY);
	}
	assert_int_equal(hz_crypto_ec_scalar_len(HZ_CRYPTO_P256), 32);
	assert_int_equal(hz_crypto_ec_scalar_len(HZ_CRYPTO_P384), 48);
	assert_int_equal(hz_crypto_ec_scalar_len((enum hz_crypto_curve)7), 0);
	{
		uint8_t k[32] = { 1 }, pub[65];
		assert_int_equal(hz_crypto_ec_public((enum hz_crypto_curve)0, pub, k), HZ_ERR_INVALID);
	}
}

/* Point validation: encodings, range, curve equation, compression. */
static void test_points(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c), pl = 1 + 2 * len;
		uint8_t k[48], pub[97], bad[97], comp[49], p[48], s1[48], s2[48], s3[48];

		rnd(k, len);
		k[0] &= 0x7f;
		assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_OK);
		assert_int_equal(hz_crypto_ec_check_public(c, pub, pl), HZ_OK);

		/* wrong lengths, prefixes, the point at infinity */
		assert_int_equal(hz_crypto_ec_check_public(c, pub, pl - 1), HZ_ERR_BAD_KEY);
		assert_int_equal(hz_crypto_ec_check_public(c, pub, 0), HZ_ERR_BAD_KEY);
		assert_int_equal(hz_crypto_ec_check_public(c, (const uint8_t *)"\x00", 1), HZ_ERR_BAD_KEY);
		memcpy(bad, pub, pl);
		for (int pre = 0; pre < 256; pre++) {
			bad[0] = (uint8_t)pre;
			assert_int_equal(hz_crypto_ec_check_public(c, bad, pl),
					pre == 4 ? HZ_OK : HZ_ERR_BAD_KEY);
		}
		/* off the curve */
		memcpy(bad, pub, pl);
		bad[pl - 1] ^= 1;
		assert_int_equal(hz_crypto_ec_check_public(c, bad, pl), HZ_ERR_BAD_KEY);
		/* x = p (and y = p), i.e. coordinates not reduced */
		unhex(p, sizeof p, prime_hex[c]);
		memcpy(bad, pub, pl);
		memcpy(bad + 1, p, len);
		assert_int_equal(hz_crypto_ec_check_public(c, bad, pl), HZ_ERR_BAD_KEY);
		memcpy(bad, pub, pl);
		memcpy(bad + 1 + len, p, len);
		assert_int_equal(hz_crypto_ec_check_public(c, bad, pl), HZ_ERR_BAD_KEY);
		/* (0, 0) */
		memset(bad, 0, pl);
		bad[0] = 4;
		assert_int_equal(hz_crypto_ec_check_public(c, bad, pl), HZ_ERR_BAD_KEY);

		/* compressed: the right parity decodes, ECDH agrees with the
		 * uncompressed form; the wrong parity gives the other point. */
		comp[0] = (uint8_t)(2 | (pub[pl - 1] & 1));
		memcpy(comp + 1, pub + 1, len);
		assert_int_equal(hz_crypto_ec_check_public(c, comp, 1 + len), HZ_OK);
		rnd(k, len);
		k[0] &= 0x7f;
		assert_int_equal(hz_crypto_ecdh(c, s1, k, pub, pl), HZ_OK);
		assert_int_equal(hz_crypto_ecdh(c, s2, k, comp, 1 + len), HZ_OK);
		assert_memory_equal(s1, s2, len);
		comp[0] ^= 1; /* -P: same x coordinate of kP */
		assert_int_equal(hz_crypto_ecdh(c, s3, k, comp, 1 + len), HZ_OK);
		assert_memory_equal(s1, s3, len);
		/* an x with no point: search for one (about half of all x) */
		for (int i = 0; i < 64; i++) {
			comp[0] = 2;
			rnd(comp + 1, len);
			comp[1] &= 0x7f;
			if (hz_crypto_ec_check_public(c, comp, 1 + len) == HZ_ERR_BAD_KEY)
				break;
			assert_true(i < 63);
		}
		comp[0] = 2;
		memcpy(comp + 1, p, len);
		assert_int_equal(hz_crypto_ec_check_public(c, comp, 1 + len), HZ_ERR_BAD_KEY);
		assert_int_equal(hz_crypto_ec_check_public(c, comp, len), HZ_ERR_BAD_KEY);
	}
	{
		uint8_t pub[65] = { 4 };
		assert_int_equal(hz_crypto_ec_check_public((enum hz_crypto_curve)3, pub, 65), HZ_ERR_INVALID);
	}
}

/* ECDH: both sides agree; bad private keys and peers are refused. */
static void test_ecdh(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c), pl = 1 + 2 * len;
		uint8_t a[48], b[48], pa[97], pb[97], s1[48], s2[48], n[48], zero[48] = { 0 };

		for (int it = 0; it < 8; it++) {
			rnd(a, len);
			rnd(b, len);
			a[0] &= 0x7f;
			b[0] &= 0x7f;
			assert_int_equal(hz_crypto_ec_public(c, pa, a), HZ_OK);
			assert_int_equal(hz_crypto_ec_public(c, pb, b), HZ_OK);
			assert_int_equal(hz_crypto_ecdh(c, s1, a, pb, pl), HZ_OK);
			assert_int_equal(hz_crypto_ecdh(c, s2, b, pa, pl), HZ_OK);
			assert_memory_equal(s1, s2, len);
			/* shared may alias priv */
			memcpy(s2, a, len);
			assert_int_equal(hz_crypto_ecdh(c, s2, s2, pb, pl), HZ_OK);
			assert_memory_equal(s1, s2, len);
		}
		unhex(n, sizeof n, order_hex[c]);
		assert_int_equal(hz_crypto_ecdh(c, s1, n, pb, pl), HZ_ERR_BAD_KEY);
		assert_memory_equal(s1, zero, len);
		assert_int_equal(hz_crypto_ecdh(c, s1, zero, pb, pl), HZ_ERR_BAD_KEY);
		pb[5] ^= 0x10;
		assert_int_equal(hz_crypto_ecdh(c, s1, a, pb, pl), HZ_ERR_BAD_KEY);
		assert_int_equal(hz_crypto_ecdh(c, s1, a, pb, 0), HZ_ERR_BAD_KEY);
	}
}

/* The scalar multiplications use incomplete Jacobian additions whose
 * exceptional cases are excluded by an argument over 0 < k < n (see
 * ecp_curve.h mul_ct and ecp.c p256_mul_base). Exercise the scalars
 * where that argument is tight: small k, k near n, single bits, long
 * runs of ones and zeros (every signed digit extreme). Three independent
 * routes must agree: x(kG) from the fixed-base path, ECDH(k, G) from the
 * variable-base path, and ECDH(2, kG) = ECDH(k, 2G). */
static void test_scalar_edges(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c), pl = 1 + 2 * len;
		uint8_t n[48], k[48], one[48] = { 0 }, two[48] = { 0 };
		uint8_t g[97], g2[97], pub[97], s1[48], s2[48];

		unhex(n, sizeof n, order_hex[c]);
		one[len - 1] = 1;
		two[len - 1] = 2;
		assert_int_equal(hz_crypto_ec_public(c, g, one), HZ_OK);
		assert_int_equal(hz_crypto_ec_public(c, g2, two), HZ_OK);
		for (int t = 0; t < 200; t++) {
			memset(k, 0, len);
			if (t < 40) {
				k[len - 1] = (uint8_t)(t + 1);              /* 1 .. 40 */
			} else if (t < 80) {
				int bw = t - 39;                            /* n - 1 .. n - 40 */
				memcpy(k, n, len);
				for (size_t i = len; i-- > 0 && bw;) {
					int v = k[i] - bw;
					bw = v < 0;
					k[i] = (uint8_t)v;
				}
			} else if (t < 120) {
				int b = (t - 80) * (int)(8 * len - 1) / 39; /* single bits */
				k[len - 1 - (size_t)b / 8] = (uint8_t)(1u << (b % 8));
			} else if (t < 160) {
				/* runs: ones from bit lo to bit hi */
				int lo = (t - 120) * 3, hi = (int)(8 * len) - 2 - (t - 120) * 2;
				for (int b = lo; b <= hi; b++)
					k[len - 1 - (size_t)b / 8] |= (uint8_t)(1u << (b % 8));
			} else {
				rnd(k, len);
				for (size_t i = 0; i < len; i++)
					k[i] = (t & 1) ? (uint8_t)(k[i] | 0x10) : (uint8_t)(k[i] & 0xef);
				k[0] &= 0x7f;
			}
			assert_int_equal(hz_crypto_ec_public(c, pub, k), HZ_OK);
			assert_int_equal(hz_crypto_ecdh(c, s1, k, g, pl), HZ_OK);
			assert_memory_equal(s1, pub + 1, len);
			assert_int_equal(hz_crypto_ecdh(c, s1, k, g2, pl), HZ_OK);
			assert_int_equal(hz_crypto_ecdh(c, s2, two, pub, pl), HZ_OK);
			assert_memory_equal(s1, s2, len);
		}
	}
}

/* Sign then verify with random keys and digests, both formats; flipping
 * any bit of the signature, the digest or the public key is rejected. */
static void test_sign_verify(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c), pl = 1 + 2 * len;

		for (int it = 0; it < 6; it++) {
			enum hz_crypto_hash_alg alg = (enum hz_crypto_hash_alg)(1 + it % 3);
			enum hz_crypto_ecdsa_fmt fmt = (enum hz_crypto_ecdsa_fmt)(it & 1);
			size_t dl = hz_crypto_hash_len(alg), sl = HZ_CRYPTO_ECDSA_MAX_DER;
			uint8_t x[48], pub[97], d[64], sig[HZ_CRYPTO_ECDSA_MAX_DER];

			rnd(x, len);
			x[0] &= 0x7f;
			rnd(d, dl);
			assert_int_equal(hz_crypto_ec_public(c, pub, x), HZ_OK);
			assert_int_equal(hz_crypto_ecdsa_sign(c, alg, sig, &sl, fmt, x, d, dl), HZ_OK);
			assert_int_equal(hz_crypto_ecdsa_verify(c, pub, pl, d, dl, sig, sl, fmt), HZ_OK);
			for (size_t bit = 0; bit < 8 * sl; bit++) {
				sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				assert_int_not_equal(hz_crypto_ecdsa_verify(c, pub, pl, d, dl, sig,
						sl, fmt), HZ_OK);
				sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			for (size_t bit = 0; bit < 8 * dl; bit += 7) {
				d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				int rc = hz_crypto_ecdsa_verify(c, pub, pl, d, dl, sig, sl, fmt);
				/* bits past the order's length are truncated away */
				if (bit < 8 * len)
					assert_int_equal(rc, HZ_ERR_AUTH);
				else
					assert_int_equal(rc, HZ_OK);
				d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			for (size_t bit = 8; bit < 8 * pl; bit += 5) {
				pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				assert_int_not_equal(hz_crypto_ecdsa_verify(c, pub, pl, d, dl, sig,
						sl, fmt), HZ_OK);
				pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			/* the wrong format */
			assert_int_not_equal(hz_crypto_ecdsa_verify(c, pub, pl, d, dl, sig, sl,
					(enum hz_crypto_ecdsa_fmt)(fmt ^ 1)), HZ_OK);
		}
	}
}

/* Argument errors: capacities, unknown curve / hash / format, bad key. */
static void test_sign_errors(void **state)
{
	uint8_t x[48], d[32] = { 1 }, sig[HZ_CRYPTO_ECDSA_MAX_DER], zero[HZ_CRYPTO_ECDSA_MAX_DER] = { 0 };
	size_t sl;

	(void)state;
	rnd(x, sizeof x);
	x[0] = 1;
	sl = 63;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_ERR_NO_SPACE);
	sl = 71;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_DER, x, d, 32), HZ_ERR_NO_SPACE);
	sl = 72;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_DER, x, d, 32), HZ_OK);
	sl = 103;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P384, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_DER, x, d, 32), HZ_ERR_NO_SPACE);
	sl = 96;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P384, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_OK);
	sl = sizeof sig;
	assert_int_equal(hz_crypto_ecdsa_sign((enum hz_crypto_curve)9, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, (enum hz_crypto_hash_alg)0, sig, &sl,
			HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, sig, &sl,
			(enum hz_crypto_ecdsa_fmt)2, x, d, 32), HZ_ERR_INVALID);
	/* private key 0 / n: BAD_KEY and a zeroed signature */
	memset(x, 0, sizeof x);
	memset(sig, 0x55, sizeof sig);
	sl = sizeof sig;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, sig, &sl,
			HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_ERR_BAD_KEY);
	assert_memory_equal(sig, zero, 64);
	unhex(x, sizeof x, order_hex[HZ_CRYPTO_P384]);
	sl = sizeof sig;
	assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P384, HZ_CRYPTO_SHA384, sig, &sl,
			HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_ERR_BAD_KEY);
}

/* Strict DER: a valid signature re-encoded in every way BER allows or
 * that breaks the structure, plus out-of-range integers. */
static void test_der(void **state)
{
	const struct rfc6979_key *key = &rfc6979_keys[0];
	const struct rfc6979_sig *v = &rfc6979_sigs[0];
	uint8_t x[32], pub[65], d[32], rs[64], good[80], buf[200], n[32];
	size_t gl;

	(void)state;
	unhex(x, sizeof x, key->x);
	unhex(rs, 32, v->r);
	unhex(rs + 32, 32, v->s);
	unhex(n, sizeof n, order_hex[HZ_CRYPTO_P256]);
	hz_crypto_sha256(d, v->msg, strlen(v->msg));
	assert_int_equal(hz_crypto_ec_public(HZ_CRYPTO_P256, pub, x), HZ_OK);
	gl = der_sig(good, rs, 32); /* 30 46 02 21 00 r 02 21 00 s */
	assert_int_equal(gl, 72);
#define VERIFY(p, l) hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, (p), (l), HZ_CRYPTO_ECDSA_DER)
	assert_int_equal(VERIFY(good, gl), HZ_OK);

	/* trailing byte after the SEQUENCE, and inside it */
	memcpy(buf, good, gl);
	buf[gl] = 0;
	assert_int_equal(VERIFY(buf, gl + 1), HZ_ERR_MALFORMED);
	buf[1]++;
	assert_int_equal(VERIFY(buf, gl + 1), HZ_ERR_MALFORMED);
	/* truncated */
	for (size_t l = 0; l < gl; l++)
		assert_int_equal(VERIFY(good, l), HZ_ERR_MALFORMED);
	/* long-form length where the short form fits (BER) */
	buf[0] = 0x30;
	buf[1] = 0x81;
	buf[2] = 0x46;
	memcpy(buf + 3, good + 2, gl - 2);
	assert_int_equal(VERIFY(buf, gl + 1), HZ_ERR_MALFORMED);
	/* indefinite length */
	buf[1] = 0x80;
	memcpy(buf + 2, good + 2, gl - 2);
	buf[gl] = 0;
	buf[gl + 1] = 0;
	assert_int_equal(VERIFY(buf, gl + 2), HZ_ERR_MALFORMED);
	/* long-form INTEGER length */
	memcpy(buf, good, 3);
	buf[1] = 0x47;
	buf[3] = 0x81;
	buf[4] = 0x21;
	memcpy(buf + 5, good + 4, gl - 4);
	assert_int_equal(VERIFY(buf, gl + 1), HZ_ERR_MALFORMED);
	/* an extra zero byte of padding on r */
	memcpy(buf, good, 4);
	buf[1] = 0x47;
	buf[3] = 0x22;
	buf[4] = 0;
	memcpy(buf + 5, good + 4, gl - 4);
	assert_int_equal(VERIFY(buf, gl + 1), HZ_ERR_MALFORMED);
	/* r without its 00: negative */
	memcpy(buf, good, 4);
	buf[1] = 0x45;
	buf[3] = 0x20;
	memcpy(buf + 4, good + 5, gl - 5);
	assert_int_equal(VERIFY(buf, gl - 1), HZ_ERR_MALFORMED);
	/* wrong tags */
	memcpy(buf, good, gl);
	buf[0] = 0x31;
	assert_int_equal(VERIFY(buf, gl), HZ_ERR_MALFORMED);
	memcpy(buf, good, gl);
	buf[2] = 0x03;
	assert_int_equal(VERIFY(buf, gl), HZ_ERR_MALFORMED);
	/* empty INTEGER, missing s, SEQUENCE of one */
	{
		static const uint8_t e1[] = { 0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01 };
		static const uint8_t e2[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
		static const uint8_t e3[] = { 0x30, 0x00 };
		static const uint8_t zr[] = { 0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01 };
		static const uint8_t ok[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
		assert_int_equal(VERIFY(e1, sizeof e1), HZ_ERR_MALFORMED);
		assert_int_equal(VERIFY(e2, sizeof e2), HZ_ERR_MALFORMED);
		assert_int_equal(VERIFY(e3, sizeof e3), HZ_ERR_MALFORMED);
		/* well-formed but r = 0, or simply wrong */
		assert_int_equal(VERIFY(zr, sizeof zr), HZ_ERR_AUTH);
		assert_int_equal(VERIFY(ok, sizeof ok), HZ_ERR_AUTH);
	}
	/* s = n, and s + n encoded in 33 bytes: out of range */
	{
		uint8_t rs2[64];
		memcpy(rs2, rs, 32);
		memcpy(rs2 + 32, n, 32);
		gl = der_sig(buf, rs2, 32);
		assert_int_equal(VERIFY(buf, gl), HZ_ERR_AUTH);
		assert_int_equal(hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, rs2, 64,
				HZ_CRYPTO_ECDSA_FIXED), HZ_ERR_AUTH);
		memcpy(buf, good, gl);
		buf[1] = 0x46;
		buf[38] = 0x21;
		buf[39] = 0x01; /* 01 || s: 2^256 + s */
		memcpy(buf + 40, rs + 32, 32);
		assert_int_equal(VERIFY(buf, 72), HZ_ERR_AUTH);
	}
#undef VERIFY
	/* FIXED: exact length only */
	assert_int_equal(hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, rs, 63,
			HZ_CRYPTO_ECDSA_FIXED), HZ_ERR_MALFORMED);
	assert_int_equal(hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, rs, 64,
			HZ_CRYPTO_ECDSA_FIXED), HZ_OK);
	assert_int_equal(hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, rs, 64,
			(enum hz_crypto_ecdsa_fmt)5), HZ_ERR_INVALID);
	assert_int_equal(hz_crypto_ecdsa_verify((enum hz_crypto_curve)5, pub, 65, d, 32, rs, 64,
			HZ_CRYPTO_ECDSA_FIXED), HZ_ERR_INVALID);
	pub[3] ^= 1;
	assert_int_equal(hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, rs, 64,
			HZ_CRYPTO_ECDSA_FIXED), HZ_ERR_BAD_KEY);
}

/* DER output with short integers: signatures whose r or s have leading
 * zero bytes or a clear top bit (found by trying digests) must encode
 * minimally and round-trip. */
static void test_der_lengths(void **state)
{
	int seen_short = 0, seen_long = 0;

	(void)state;
	for (int it = 0; it < 5000 && !(seen_short && seen_long); it++) {
		uint8_t x[32], pub[65], d[32], sig[72], fixed[64], want[80];
		size_t sl = sizeof sig, fl = sizeof fixed, wl;

		rnd(x, 32);
		x[0] &= 0x7f;
		rnd(d, 32);
		assert_int_equal(hz_crypto_ec_public(HZ_CRYPTO_P256, pub, x), HZ_OK);
		assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, sig, &sl,
				HZ_CRYPTO_ECDSA_DER, x, d, 32), HZ_OK);
		assert_int_equal(hz_crypto_ecdsa_sign(HZ_CRYPTO_P256, HZ_CRYPTO_SHA256, fixed, &fl,
				HZ_CRYPTO_ECDSA_FIXED, x, d, 32), HZ_OK);
		wl = der_sig(want, fixed, 32);
		assert_int_equal(sl, wl);
		assert_memory_equal(sig, want, wl);
		assert_int_equal(hz_crypto_ecdsa_verify(HZ_CRYPTO_P256, pub, 65, d, 32, sig, sl,
				HZ_CRYPTO_ECDSA_DER), HZ_OK);
		if (sl < 70)
			seen_short = 1;
		if (sl == 72)
			seen_long = 1;
	}
	assert_true(seen_short && seen_long);
}

/* Exceptional additions in verification: with Q = G and e = r = s, u1 =
 * u2 = 1 and the Straus loop adds G to Q = G (the doubling case of the
 * mixed add); the signature (x(2G), x(2G)) then verifies. With Q = -G the
 * sum is the identity, which must be rejected. The same for the
 * projective add with Q = 2G. */
static void test_verify_edge(void **state)
{
	(void)state;
	for (int ci = 0; ci < 2; ci++) {
		enum hz_crypto_curve c = curves[ci];
		size_t len = hz_crypto_ec_scalar_len(c), pl = 1 + 2 * len;
		uint8_t k[48], g[97], g2[97], rs[96], n[48];

		memset(k, 0, len);
		k[len - 1] = 1;
		assert_int_equal(hz_crypto_ec_public(c, g, k), HZ_OK);
		k[len - 1] = 2;
		assert_int_equal(hz_crypto_ec_public(c, g2, k), HZ_OK);
		memcpy(rs, g2 + 1, len); /* x(2G) < n on both curves */
		memcpy(rs + len, g2 + 1, len);
		assert_int_equal(hz_crypto_ecdsa_verify(c, g, pl, rs, len, rs, 2 * len,
				HZ_CRYPTO_ECDSA_FIXED), HZ_OK);
		/* the same with -G: G + (-G) is the identity */
		unhex(n, sizeof n, order_hex[c]);
		n[len - 1]--;
		assert_int_equal(hz_crypto_ec_public(c, g, n), HZ_OK);
		assert_int_equal(hz_crypto_ecdsa_verify(c, g, pl, rs, len, rs, 2 * len,
				HZ_CRYPTO_ECDSA_FIXED), HZ_ERR_AUTH);

		/* Q = 2G, e = 2r, s = r: u1 = 2, u2 = 1. The loop holds 2G when
		 * it adds Q = 2G (the doubling case of the projective add). */
		{
			uint8_t q[97], g4[97], e[48];
			unsigned carry = 0;
			int ge = 1;

			k[len - 1] = 2;
			assert_int_equal(hz_crypto_ec_public(c, q, k), HZ_OK);
			k[len - 1] = 4;
			assert_int_equal(hz_crypto_ec_public(c, g4, k), HZ_OK);
			memcpy(rs, g4 + 1, len); /* x(4G) < n on both curves */
			memcpy(rs + len, g4 + 1, len);
			for (size_t i = len; i-- > 0;) {
				unsigned t = 2u * rs[i] + carry;
				e[i] = (uint8_t)t;
				carry = t >> 8;
			}
			unhex(n, sizeof n, order_hex[c]);
			if (!carry)
				ge = memcmp(e, n, len) >= 0;
			if (ge) {
				int bw = 0;
				for (size_t i = len; i-- > 0;) {
					int t = e[i] - n[i] - bw;
					bw = t < 0;
					e[i] = (uint8_t)t;
				}
			}
			assert_int_equal(hz_crypto_ecdsa_verify(c, q, pl, e, len, rs, 2 * len,
					HZ_CRYPTO_ECDSA_FIXED), HZ_OK);
			/* Q = -2G: 2G + (-2G) is the identity */
			n[len - 1] = (uint8_t)(n[len - 1] - 2);
			assert_int_equal(hz_crypto_ec_public(c, q, n), HZ_OK);
			assert_int_equal(hz_crypto_ecdsa_verify(c, q, pl, e, len, rs, 2 * len,
					HZ_CRYPTO_ECDSA_FIXED), HZ_ERR_AUTH);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6979),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_points),
		cmocka_unit_test(test_ecdh),
		cmocka_unit_test(test_scalar_edges),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_der_lengths),
		cmocka_unit_test(test_verify_edge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
