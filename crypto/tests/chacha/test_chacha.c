/* chacha: RFC 8439 vectors (§2.1.1 - §2.8.2, Appendix A.1 - A.5),
 * draft-irtf-cfrg-xchacha-03 vectors, every accelerated path against the
 * portable one for lengths 0..600 and split updates (AEAD seal to 2600
 * bytes for the stitched path), the 64-bit counter carry,
 * chacha20-poly1305@openssh.com round trips and tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "haze/crypto.h"
#include "../../src/chacha/chacha_inner.h"
#include "rfc8439_vectors.h"

static const uint8_t key_00_1f[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* CPU masks that select each path: all (AVX-512 ChaCha20, IFMA
 * Poly1305), no AVX-512 (AVX2 ChaCha20 and Poly1305), 0x7f (a typical
 * AVX2 server: AES-NI ... BMI2), AVX-512F without IFMA (AVX-512 ChaCha20,
 * AVX2 Poly1305), SSSE3 only (scalar Poly1305), SSE2 only (the SSE2
 * ChaCha20 kernel), AVX-512 + IFMA alone
 * (portable ChaCha20 tails), AVX2 alone. */
static const uint32_t path_masks[] = {
	HZ_CRYPTO_CPU_ALL,
	HZ_CRYPTO_CPU_ALL & ~(uint32_t)HZ_CRYPTO_CPU_AVX512F,
	0x7f,
	HZ_CRYPTO_CPU_ALL & ~(uint32_t)HZ_CRYPTO_CPU_AVX512IFMA,
	HZ_CRYPTO_CPU_SSSE3,
	HZ_CRYPTO_CPU_SSE2,
	HZ_CRYPTO_CPU_AVX512F | HZ_CRYPTO_CPU_AVX512IFMA,
	HZ_CRYPTO_CPU_AVX2,
};
#define NPATHS (sizeof(path_masks) / sizeof(path_masks[0]))

static uint32_t rng_state = 0x12345678;
static uint8_t rnd8(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (uint8_t)(rng_state >> 7);
}
static void rnd(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd8();
}

/* --- RFC 8439 section 2 ---------------------------------------------------- */

static void test_quarter_round(void **state)
{
	(void)state;
	/* §2.1.1 */
	uint32_t v[4] = { 0x11111111, 0x01020304, 0x9b8d6f43, 0x01234567 };
	hz_crypto_chacha_quarter_round(v);
	assert_int_equal(v[0], 0xea2a92f4);
	assert_int_equal(v[1], 0xcb1cf8ce);
	assert_int_equal(v[2], 0x4581472e);
	assert_int_equal(v[3], 0x5881c4bb);
}

static void test_block(void **state)
{
	(void)state;
	/* §2.3.2: counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00 */
	static const uint8_t nonce[12] = { 0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	uint8_t out[64];
	hz_crypto_chacha20(out, NULL, 64, key_00_1f, nonce, 1);
	assert_memory_equal(out, s232_block, 64);
}

static void test_encrypt_242(void **state)
{
	(void)state;
	static const uint8_t nonce[12] = { 0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	uint8_t out[sizeof(sunscreen_pt)];
	for (size_t p = 0; p < NPATHS; p++) {
		hz_crypto_cpu_restrict(path_masks[p]);
		hz_crypto_chacha20(out, sunscreen_pt, sizeof(out), key_00_1f, nonce, 1);
		assert_memory_equal(out, s242_ct, sizeof(out));
		/* in place, and back */
		hz_crypto_chacha20(out, out, sizeof(out), key_00_1f, nonce, 1);
		assert_memory_equal(out, sunscreen_pt, sizeof(out));
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_poly1305_252(void **state)
{
	(void)state;
	static const uint8_t key[32] = {
		0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52, 0xfe, 0x42, 0xd5, 0x06, 0xa8,
		0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d, 0xb2, 0xfd, 0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b,
	};
	static const uint8_t tag[16] = {
		0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6, 0xc2, 0x2b, 0x8b, 0xaf, 0x0c, 0x01, 0x27, 0xa9,
	};
	uint8_t out[16];
	hz_crypto_poly1305(out, key, s252_msg, sizeof(s252_msg));
	assert_memory_equal(out, tag, 16);
}

static void test_keygen_262(void **state)
{
	(void)state;
	uint8_t out[32];
	/* §2.6: the first 32 bytes of block 0 */
	hz_crypto_chacha20(out, NULL, 32, s262_key, s262_nonce, 0);
	assert_memory_equal(out, s262_out, 32);
}

static const uint8_t s282_nonce[12] = { 0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 };

static void test_aead_282(void **state)
{
	(void)state;
	uint8_t ct[sizeof(sunscreen_pt)], tag[16], pt[sizeof(sunscreen_pt)];
	for (size_t p = 0; p < NPATHS; p++) {
		hz_crypto_cpu_restrict(path_masks[p]);
		hz_crypto_chacha20_poly1305_seal(ct, tag, s282_key, s282_nonce, s282_aad, sizeof(s282_aad),
			sunscreen_pt, sizeof(sunscreen_pt));
		assert_memory_equal(ct, s282_ct, sizeof(ct));
		assert_memory_equal(tag, s282_tag, 16);
		assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, s282_key, s282_nonce, s282_aad,
					 sizeof(s282_aad), ct, sizeof(ct), tag), HZ_OK);
		assert_memory_equal(pt, sunscreen_pt, sizeof(pt));
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

/* --- Appendix A ------------------------------------------------------------- */

static void test_a1_blocks(void **state)
{
	(void)state;
	static const struct { const uint8_t *key, *nonce, *ks; uint32_t ctr; } v[] = {
		{ a1_1_key, a1_1_nonce, a1_1_ks, 0 },
		{ a1_2_key, a1_2_nonce, a1_2_ks, 1 },
		{ a1_3_key, a1_3_nonce, a1_3_ks, 1 },
		{ a1_4_key, a1_4_nonce, a1_4_ks, 2 },
		{ a1_5_key, a1_5_nonce, a1_5_ks, 0 },
	};
	uint8_t out[64];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hz_crypto_chacha20(out, NULL, 64, v[i].key, v[i].nonce, v[i].ctr);
		assert_memory_equal(out, v[i].ks, 64);
	}
}

static void test_a2_encrypt(void **state)
{
	(void)state;
	static const struct { const uint8_t *key, *nonce, *pt, *ct; size_t len; uint32_t ctr; } v[] = {
		{ a2_1_key, a2_1_nonce, a2_1_pt, a2_1_ct, sizeof(a2_1_pt), 0 },
		{ a2_2_key, a2_2_nonce, a2_2_pt, a2_2_ct, sizeof(a2_2_pt), 1 },
		{ a2_3_key, a2_3_nonce, a2_3_pt, a2_3_ct, sizeof(a2_3_pt), 42 },
	};
	uint8_t out[400];
	for (size_t p = 0; p < NPATHS; p++) {
		hz_crypto_cpu_restrict(path_masks[p]);
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			hz_crypto_chacha20(out, v[i].pt, v[i].len, v[i].key, v[i].nonce, v[i].ctr);
			assert_memory_equal(out, v[i].ct, v[i].len);
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_a3_poly1305(void **state)
{
	(void)state;
	static const struct { const uint8_t *key, *msg, *tag; size_t len; } v[] = {
		{ a3_1_key, a3_1_msg, a3_1_tag, sizeof(a3_1_msg) },
		{ a3_2_key, a3_2_msg, a3_2_tag, sizeof(a3_2_msg) },
		{ a3_3_key, a3_3_msg, a3_3_tag, sizeof(a3_3_msg) },
		{ a3_4_key, a3_4_msg, a3_4_tag, sizeof(a3_4_msg) },
		{ a3_5_key, a3_5_msg, a3_5_tag, sizeof(a3_5_msg) },
		{ a3_6_key, a3_6_msg, a3_6_tag, sizeof(a3_6_msg) },
		{ a3_7_key, a3_7_msg, a3_7_tag, sizeof(a3_7_msg) },
		{ a3_8_key, a3_8_msg, a3_8_tag, sizeof(a3_8_msg) },
		{ a3_9_key, a3_9_msg, a3_9_tag, sizeof(a3_9_msg) },
		{ a3_10_key, a3_10_msg, a3_10_tag, sizeof(a3_10_msg) },
		{ a3_11_key, a3_11_msg, a3_11_tag, sizeof(a3_11_msg) },
	};
	uint8_t out[16];
	for (size_t p = 0; p < NPATHS; p++) {
		hz_crypto_cpu_restrict(path_masks[p]);
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			hz_crypto_poly1305(out, v[i].key, v[i].msg, v[i].len);
			assert_memory_equal(out, v[i].tag, 16);
			/* byte at a time */
			struct hz_crypto_poly1305 ctx;
			hz_crypto_poly1305_init(&ctx, v[i].key);
			for (size_t j = 0; j < v[i].len; j++)
				hz_crypto_poly1305_update(&ctx, v[i].msg + j, 1);
			hz_crypto_poly1305_final(&ctx, out);
			assert_memory_equal(out, v[i].tag, 16);
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_a4_keygen(void **state)
{
	(void)state;
	static const struct { const uint8_t *key, *nonce, *out; } v[] = {
		{ a4_1_key, a4_1_nonce, a4_1_out },
		{ a4_2_key, a4_2_nonce, a4_2_out },
		{ a4_3_key, a4_3_nonce, a4_3_out },
	};
	uint8_t out[32];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hz_crypto_chacha20(out, NULL, 32, v[i].key, v[i].nonce, 0);
		assert_memory_equal(out, v[i].out, 32);
	}
}

static void test_a5_open(void **state)
{
	(void)state;
	uint8_t pt[sizeof(a5_ct)], tag[16];
	assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, a5_key, a5_nonce, a5_aad, sizeof(a5_aad), a5_ct,
				 sizeof(a5_ct), a5_tag), HZ_OK);
	assert_memory_equal(pt, a5_pt, sizeof(pt));
	/* and sealing gives the same ciphertext and tag back */
	hz_crypto_chacha20_poly1305_seal(pt, tag, a5_key, a5_nonce, a5_aad, sizeof(a5_aad), a5_pt, sizeof(a5_pt));
	assert_memory_equal(pt, a5_ct, sizeof(pt));
	assert_memory_equal(tag, a5_tag, 16);
}

/* --- XChaCha ---------------------------------------------------------------- */

static void test_hchacha20(void **state)
{
	(void)state;
	/* draft-irtf-cfrg-xchacha-03 §2.2.1 */
	static const uint8_t in[16] = { 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x4a,
		0x00, 0x00, 0x00, 0x00, 0x31, 0x41, 0x59, 0x27 };
	static const uint8_t want[32] = {
		0x82, 0x41, 0x3b, 0x42, 0x27, 0xb2, 0x7b, 0xfe, 0xd3, 0x0e, 0x42, 0x50, 0x8a, 0x87, 0x7d, 0x73,
		0xa0, 0xf9, 0xe4, 0xd5, 0x8a, 0x74, 0xa8, 0x53, 0xc1, 0x2e, 0xc4, 0x13, 0x26, 0xd3, 0xec, 0xdc,
	};
	uint8_t out[32];
	hz_crypto_hchacha20(out, key_00_1f, in);
	assert_memory_equal(out, want, 32);
	/* out may alias key */
	memcpy(out, key_00_1f, 32);
	hz_crypto_hchacha20(out, out, in);
	assert_memory_equal(out, want, 32);
}

static void test_xchacha_aead(void **state)
{
	(void)state;
	/* draft-irtf-cfrg-xchacha-03 A.3.1: key 80..9f, nonce 40..57, the
	 * §2.8.2 plaintext and AAD */
	static const uint8_t want_ct[114] = {
		0xbd, 0x6d, 0x17, 0x9d, 0x3e, 0x83, 0xd4, 0x3b, 0x95, 0x76, 0x57, 0x94, 0x93, 0xc0, 0xe9, 0x39,
		0x57, 0x2a, 0x17, 0x00, 0x25, 0x2b, 0xfa, 0xcc, 0xbe, 0xd2, 0x90, 0x2c, 0x21, 0x39, 0x6c, 0xbb,
		0x73, 0x1c, 0x7f, 0x1b, 0x0b, 0x4a, 0xa6, 0x44, 0x0b, 0xf3, 0xa8, 0x2f, 0x4e, 0xda, 0x7e, 0x39,
		0xae, 0x64, 0xc6, 0x70, 0x8c, 0x54, 0xc2, 0x16, 0xcb, 0x96, 0xb7, 0x2e, 0x12, 0x13, 0xb4, 0x52,
		0x2f, 0x8c, 0x9b, 0xa4, 0x0d, 0xb5, 0xd9, 0x45, 0xb1, 0x1b, 0x69, 0xb9, 0x82, 0xc1, 0xbb, 0x9e,
		0x3f, 0x3f, 0xac, 0x2b, 0xc3, 0x69, 0x48, 0x8f, 0x76, 0xb2, 0x38, 0x35, 0x65, 0xd3, 0xff, 0xf9,
		0x21, 0xf9, 0x66, 0x4c, 0x97, 0x63, 0x7d, 0xa9, 0x76, 0x88, 0x12, 0xf6, 0x15, 0xc6, 0x8b, 0x13,
		0xb5, 0x2e,
	};
	static const uint8_t want_tag[16] = {
		0xc0, 0x87, 0x59, 0x24, 0xc1, 0xc7, 0x98, 0x79, 0x47, 0xde, 0xaf, 0xd8, 0x78, 0x0a, 0xcf, 0x49,
	};
	uint8_t nonce[24], ct[114], tag[16], pt[114];
	for (int i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(0x40 + i);
	assert_int_equal(sizeof(sunscreen_pt), 114);
	hz_crypto_xchacha20_poly1305_seal(ct, tag, s282_key, nonce, s282_aad, sizeof(s282_aad), sunscreen_pt, 114);
	assert_memory_equal(ct, want_ct, 114);
	assert_memory_equal(tag, want_tag, 16);
	assert_int_equal(hz_crypto_xchacha20_poly1305_open(pt, s282_key, nonce, s282_aad, sizeof(s282_aad), ct,
				 114, tag), HZ_OK);
	assert_memory_equal(pt, sunscreen_pt, 114);
	tag[0] ^= 1;
	assert_int_equal(hz_crypto_xchacha20_poly1305_open(pt, s282_key, nonce, s282_aad, sizeof(s282_aad), ct,
				 114, tag), HZ_ERR_AUTH);
	for (int i = 0; i < 114; i++)
		assert_int_equal(pt[i], 0);
}

/* --- paths against portable --------------------------------------------------- */

#define MAXLEN 600

static void test_paths_chacha20(void **state)
{
	(void)state;
	static uint8_t in[2048], ref[2048], out[2048];
	uint8_t key[32], nonce[12];
	rnd(key, 32);
	rnd(nonce, 12);
	rnd(in, sizeof(in));
	for (size_t len = 0; len <= MAXLEN; len++) {
		uint32_t ctr = (uint32_t)(len * 2654435761u);
		hz_crypto_cpu_restrict(0);
		hz_crypto_chacha20(ref, in, len, key, nonce, ctr);
		for (size_t p = 0; p < NPATHS; p++) {
			hz_crypto_cpu_restrict(path_masks[p]);
			memset(out, 0xee, len + 1);
			hz_crypto_chacha20(out, in, len, key, nonce, ctr);
			assert_memory_equal(out, ref, len);
			assert_int_equal(out[len], 0xee); /* no write past the end */
			/* in place */
			memcpy(out, in, len);
			hz_crypto_chacha20(out, out, len, key, nonce, ctr);
			assert_memory_equal(out, ref, len);
			/* keystream */
			hz_crypto_chacha20(out, NULL, len, key, nonce, ctr);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(out[i], ref[i] ^ in[i]);
		}
	}
	/* long ones across the batch sizes */
	static const size_t longs[] = { 1023, 1024, 1025, 1536 + 256 + 64 + 7, 1600 };
	for (size_t l = 0; l < sizeof(longs) / sizeof(longs[0]); l++) {
		size_t len = longs[l];
		hz_crypto_cpu_restrict(0);
		hz_crypto_chacha20(ref, in, len, key, nonce, 5);
		for (size_t p = 0; p < NPATHS; p++) {
			hz_crypto_cpu_restrict(path_masks[p]);
			hz_crypto_chacha20(out, in, len, key, nonce, 5);
			assert_memory_equal(out, ref, len);
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_paths_djb(void **state)
{
	(void)state;
	static uint8_t in[2100], ref[2100], out[2100];
	uint8_t key[32], nonce[8];
	rnd(key, 32);
	rnd(nonce, 8);
	rnd(in, sizeof(in));
	/* counters around the 2^32 carry, where the kernels (word 12 only)
	 * must not be used across the boundary */
	static const uint64_t ctrs[] = { 0, 1, 0xffffffffull - 20, 0xffffffffull - 3, 0xffffffffull,
		0x1ffffffffull - 8, 0xfffffffffffffff0ull };
	for (size_t c = 0; c < sizeof(ctrs) / sizeof(ctrs[0]); c++) {
		for (size_t len = 0; len <= sizeof(in); len += 61) {
			hz_crypto_cpu_restrict(0);
			hz_crypto_chacha20_djb(ref, in, len, key, nonce, ctrs[c]);
			for (size_t p = 0; p < NPATHS; p++) {
				hz_crypto_cpu_restrict(path_masks[p]);
				hz_crypto_chacha20_djb(out, in, len, key, nonce, ctrs[c]);
				assert_memory_equal(out, ref, len);
			}
		}
	}
	/* the counter carries into word 13: block 2^32 - 1 then block 2^32 */
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	hz_crypto_chacha20_djb(ref, NULL, 128, key, nonce, 0xffffffffull);
	hz_crypto_chacha20_djb(out, NULL, 64, key, nonce, 0xffffffffull);
	hz_crypto_chacha20_djb(out + 64, NULL, 64, key, nonce, 0x100000000ull);
	assert_memory_equal(out, ref, 128);
	/* the IETF counter wraps to 0 and leaves the nonce alone */
	uint8_t n12[12];
	rnd(n12, 12);
	for (size_t p = 0; p < NPATHS; p++) {
		hz_crypto_cpu_restrict(path_masks[p]);
		hz_crypto_chacha20(out, NULL, 512, key, n12, 0);
		hz_crypto_chacha20(ref, NULL, 1024 + 512, key, n12, 0xfffffff0u);
		assert_memory_equal(ref + 1024, out, 512);
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_paths_poly1305(void **state)
{
	(void)state;
	static uint8_t msg[5000];
	uint8_t key[32], ref[16], out[16];
	rnd(msg, sizeof(msg));
	for (size_t len = 0; len <= MAXLEN; len++) {
		rnd(key, 32);
		hz_crypto_cpu_restrict(0);
		hz_crypto_poly1305(ref, key, msg, len);
		for (size_t p = 0; p < NPATHS; p++) {
			hz_crypto_cpu_restrict(path_masks[p]);
			hz_crypto_poly1305(out, key, msg, len);
			assert_memory_equal(out, ref, 16);
			/* split in two and three at varying points */
			size_t a = len ? (len * 7919) % (len + 1) : 0, b = a + (len - a) / 3;
			struct hz_crypto_poly1305 ctx;
			hz_crypto_poly1305_init(&ctx, key);
			hz_crypto_poly1305_update(&ctx, msg, a);
			hz_crypto_poly1305_update(&ctx, msg + a, b - a);
			hz_crypto_poly1305_update(&ctx, msg + b, len - b);
			hz_crypto_poly1305_final(&ctx, out);
			assert_memory_equal(out, ref, 16);
		}
	}
	/* long messages, all-ones keys and data (carry stress), every split */
	uint8_t ones[32];
	memset(ones, 0xff, 32);
	static uint8_t ff[4096];
	memset(ff, 0xff, sizeof(ff));
	for (size_t len = 4000; len <= sizeof(msg); len += 333) {
		for (int k = 0; k < 2; k++) {
			const uint8_t *m = k ? ff : msg;
			size_t l = k ? (len < sizeof(ff) ? len : sizeof(ff)) : len;
			hz_crypto_cpu_restrict(0);
			hz_crypto_poly1305(ref, k ? ones : key, m, l);
			for (size_t p = 0; p < NPATHS; p++) {
				hz_crypto_cpu_restrict(path_masks[p]);
				hz_crypto_poly1305(out, k ? ones : key, m, l);
				assert_memory_equal(out, ref, 16);
				struct hz_crypto_poly1305 ctx;
				hz_crypto_poly1305_init(&ctx, k ? ones : key);
				for (size_t off = 0; off < l;) {
					size_t n = (size_t)rnd8() * 3 % (l - off + 1);
					hz_crypto_poly1305_update(&ctx, m + off, n ? n : 1);
					off += n ? n : 1;
				}
				hz_crypto_poly1305_final(&ctx, out);
				assert_memory_equal(out, ref, 16);
			}
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

/* One context fed under changing CPU masks (each path keeps its own
 * powers of r in the context), chunks long enough for the vector kernels,
 * and every split point of a 40-block message on the AVX2 path. */
static void test_poly1305_switch(void **state)
{
	(void)state;
	static uint8_t msg[4096];
	static const uint32_t masks[] = { HZ_CRYPTO_CPU_ALL, 0x7f, 0, HZ_CRYPTO_CPU_SSSE3, HZ_CRYPTO_CPU_SSE2 };
	uint8_t key[32], ref[16], out[16];
	for (int iter = 0; iter < 40; iter++) {
		size_t len = 256 + (size_t)rnd8() * 15;
		rnd(key, 32);
		rnd(msg, len);
		hz_crypto_cpu_restrict(0);
		hz_crypto_poly1305(ref, key, msg, len);
		struct hz_crypto_poly1305 ctx;
		hz_crypto_poly1305_init(&ctx, key);
		for (size_t off = 0, k = (size_t)iter; off < len; k++) {
			size_t n = 256 + (size_t)rnd8() * 3;
			if (n > len - off)
				n = len - off;
			hz_crypto_cpu_restrict(masks[k % 4]);
			hz_crypto_poly1305_update(&ctx, msg + off, n);
			off += n;
		}
		hz_crypto_poly1305_final(&ctx, out);
		assert_memory_equal(out, ref, 16);
	}
	rnd(key, 32);
	hz_crypto_cpu_restrict(0);
	hz_crypto_poly1305(ref, key, msg, 640);
	hz_crypto_cpu_restrict(0x7f);
	for (size_t a = 0; a <= 640; a++) {
		struct hz_crypto_poly1305 ctx;
		hz_crypto_poly1305_init(&ctx, key);
		hz_crypto_poly1305_update(&ctx, msg, a);
		hz_crypto_poly1305_update(&ctx, msg + a, 640 - a);
		hz_crypto_poly1305_final(&ctx, out);
		assert_memory_equal(out, ref, 16);
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

/* Seal from 1 KB on, where AVX2 CPUs without AVX-512 take the stitched
 * ChaCha20 + Poly1305 path: every length 1000..2600 (chunk edges, all
 * tails), aad lengths that do and do not fill a block, in place too. */
static void test_aead_stitched(void **state)
{
	(void)state;
	static uint8_t in[2600], ct[2600], ref[2600], pt[2600];
	uint8_t key[32], nonce[12], aad[40], tag[16], rtag[16];
	rnd(in, sizeof(in));
	for (size_t len = 1000; len <= sizeof(in); len++) {
		size_t aad_len = len % 41;
		rnd(key, 32);
		rnd(nonce, 12);
		rnd(aad, sizeof(aad));
		hz_crypto_cpu_restrict(0);
		hz_crypto_chacha20_poly1305_seal(ref, rtag, key, nonce, aad, aad_len, in, len);
		for (size_t p = 0; p < NPATHS; p++) {
			hz_crypto_cpu_restrict(path_masks[p]);
			hz_crypto_chacha20_poly1305_seal(ct, tag, key, nonce, aad, aad_len, in, len);
			assert_memory_equal(ct, ref, len);
			assert_memory_equal(tag, rtag, 16);
			memcpy(pt, in, len);
			hz_crypto_chacha20_poly1305_seal(pt, tag, key, nonce, aad, aad_len, pt, len);
			assert_memory_equal(pt, ref, len);
			assert_memory_equal(tag, rtag, 16);
			assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, aad_len, pt, len, tag),
				HZ_OK);
			assert_memory_equal(pt, in, len);
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_paths_aead(void **state)
{
	(void)state;
	static uint8_t in[MAXLEN], ct[MAXLEN], ref[MAXLEN], pt[MAXLEN];
	uint8_t key[32], nonce[12], aad[40], tag[16], rtag[16];
	rnd(in, sizeof(in));
	for (size_t len = 0; len <= MAXLEN; len++) {
		size_t aad_len = len % 41;
		rnd(key, 32);
		rnd(nonce, 12);
		rnd(aad, sizeof(aad));
		hz_crypto_cpu_restrict(0);
		hz_crypto_chacha20_poly1305_seal(ref, rtag, key, nonce, aad, aad_len, in, len);
		for (size_t p = 0; p < NPATHS; p++) {
			hz_crypto_cpu_restrict(path_masks[p]);
			hz_crypto_chacha20_poly1305_seal(ct, tag, key, nonce, aad, aad_len, in, len);
			assert_memory_equal(ct, ref, len);
			assert_memory_equal(tag, rtag, 16);
			assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, aad_len, ct, len, tag),
				HZ_OK);
			assert_memory_equal(pt, in, len);
			/* in place both ways */
			memcpy(pt, in, len);
			hz_crypto_chacha20_poly1305_seal(pt, tag, key, nonce, aad, aad_len, pt, len);
			assert_memory_equal(pt, ref, len);
			assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, aad_len, pt, len, tag),
				HZ_OK);
			assert_memory_equal(pt, in, len);
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
}

static void test_aead_tamper(void **state)
{
	(void)state;
	uint8_t key[32], nonce[12], aad[20], in[77], ct[77], pt[77], tag[16];
	rnd(key, 32);
	rnd(nonce, 12);
	rnd(aad, 20);
	rnd(in, 77);
	hz_crypto_chacha20_poly1305_seal(ct, tag, key, nonce, aad, 20, in, 77);
	uint8_t *fields[] = { tag, ct, aad, nonce, key };
	size_t sizes[] = { 16, 77, 20, 12, 32 };
	for (size_t f = 0; f < 5; f++) {
		for (size_t i = 0; i < sizes[f]; i++) {
			fields[f][i] ^= 0x20;
			memset(pt, 0x55, sizeof(pt));
			assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, 20, ct, 77, tag),
				HZ_ERR_AUTH);
			for (size_t j = 0; j < 77; j++)
				assert_int_equal(pt[j], 0);
			fields[f][i] ^= 0x20;
		}
	}
	/* a shorter aad or ciphertext is rejected too */
	assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, 19, ct, 77, tag), HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, 20, ct, 76, tag), HZ_ERR_AUTH);
	assert_int_equal(hz_crypto_chacha20_poly1305_open(pt, key, nonce, aad, 20, ct, 77, tag), HZ_OK);
	/* empty everything, NULL pointers allowed */
	hz_crypto_chacha20_poly1305_seal(NULL, tag, key, nonce, NULL, 0, NULL, 0);
	assert_int_equal(hz_crypto_chacha20_poly1305_open(NULL, key, nonce, NULL, 0, NULL, 0, tag), HZ_OK);
}

/* --- chacha20-poly1305@openssh.com ---------------------------------------- */

/* The construction written out with the public primitives, as
 * PROTOCOL.chacha20poly1305 describes it. */
static void ssh_reference(uint8_t *out, uint8_t tag[16], const uint8_t key[64], uint32_t seqnr,
	const uint8_t *in, size_t len)
{
	uint8_t nonce[8] = { 0, 0, 0, 0, (uint8_t)(seqnr >> 24), (uint8_t)(seqnr >> 16), (uint8_t)(seqnr >> 8),
		(uint8_t)seqnr };
	uint8_t polykey[32];
	hz_crypto_chacha20_djb(out, in, 4, key + 32, nonce, 0);
	hz_crypto_chacha20_djb(out + 4, in + 4, len - 4, key, nonce, 1);
	hz_crypto_chacha20_djb(polykey, NULL, 32, key, nonce, 0);
	hz_crypto_poly1305(tag, polykey, out, len);
}

static void test_ssh(void **state)
{
	(void)state;
	static uint8_t in[2000], ct[2000], ref[2000], pt[2000];
	uint8_t key[64], tag[16], rtag[16], len4[4];
	struct hz_crypto_ssh_chachapoly s;
	rnd(key, 64);
	rnd(in, sizeof(in));
	hz_crypto_ssh_chachapoly_init(&s, key);
	for (size_t len = 4; len <= sizeof(in); len += (len < 300 ? 1 : 97)) {
		uint32_t seqnr = (uint32_t)(len * 0x9e3779b9u);
		ssh_reference(ref, rtag, key, seqnr, in, len);
		for (size_t p = 0; p < NPATHS; p++) {
			hz_crypto_cpu_restrict(path_masks[p]);
			hz_crypto_ssh_chachapoly_seal(&s, seqnr, ct, tag, in, len);
			assert_memory_equal(ct, ref, len);
			assert_memory_equal(tag, rtag, 16);
			hz_crypto_ssh_chachapoly_length(&s, seqnr, len4, ct);
			assert_memory_equal(len4, in, 4);
			assert_int_equal(hz_crypto_ssh_chachapoly_open(&s, seqnr, pt, ct, len, tag), HZ_OK);
			assert_memory_equal(pt, in, len);
			/* in place */
			memcpy(pt, ct, len);
			assert_int_equal(hz_crypto_ssh_chachapoly_open(&s, seqnr, pt, pt, len, tag), HZ_OK);
			assert_memory_equal(pt, in, len);
			/* wrong sequence number */
			assert_int_equal(hz_crypto_ssh_chachapoly_open(&s, seqnr + 1, pt, ct, len, tag), HZ_ERR_AUTH);
		}
	}
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	/* every byte of a packet and its tag */
	size_t len = 100;
	hz_crypto_ssh_chachapoly_seal(&s, 7, ct, tag, in, len);
	for (size_t i = 0; i < len + 16; i++) {
		uint8_t *b = i < len ? &ct[i] : &tag[i - len];
		*b ^= 0x80;
		memset(pt, 0x55, len);
		assert_int_equal(hz_crypto_ssh_chachapoly_open(&s, 7, pt, ct, len, tag), HZ_ERR_AUTH);
		for (size_t j = 0; j < len; j++)
			assert_int_equal(pt[j], 0);
		*b ^= 0x80;
	}
	assert_int_equal(hz_crypto_ssh_chachapoly_open(&s, 7, pt, ct, len, tag), HZ_OK);
	assert_int_equal(hz_crypto_ssh_chachapoly_open(&s, 7, pt, ct, 3, tag), HZ_ERR_INVALID);
	/* the two halves of the key have distinct roles */
	struct hz_crypto_ssh_chachapoly sw;
	uint8_t swapped[64];
	memcpy(swapped, key + 32, 32);
	memcpy(swapped + 32, key, 32);
	hz_crypto_ssh_chachapoly_init(&sw, swapped);
	assert_int_equal(hz_crypto_ssh_chachapoly_open(&sw, 7, pt, ct, len, tag), HZ_ERR_AUTH);
	hz_crypto_ssh_chachapoly_wipe(&s);
	for (size_t i = 0; i < sizeof(s.main_key); i++)
		assert_int_equal(s.main_key[i] | s.header_key[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quarter_round),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_encrypt_242),
		cmocka_unit_test(test_poly1305_252),
		cmocka_unit_test(test_keygen_262),
		cmocka_unit_test(test_aead_282),
		cmocka_unit_test(test_a1_blocks),
		cmocka_unit_test(test_a2_encrypt),
		cmocka_unit_test(test_a3_poly1305),
		cmocka_unit_test(test_a4_keygen),
		cmocka_unit_test(test_a5_open),
		cmocka_unit_test(test_hchacha20),
		cmocka_unit_test(test_xchacha_aead),
		cmocka_unit_test(test_paths_chacha20),
		cmocka_unit_test(test_paths_djb),
		cmocka_unit_test(test_paths_poly1305),
		cmocka_unit_test(test_poly1305_switch),
		cmocka_unit_test(test_paths_aead),
		cmocka_unit_test(test_aead_stitched),
		cmocka_unit_test(test_aead_tamper),
		cmocka_unit_test(test_ssh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
