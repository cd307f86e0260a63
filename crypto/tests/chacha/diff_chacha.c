/* Differential checks of the chacha area against OpenSSL libcrypto 3.0:
 * the RFC 8439 AEAD (EVP_chacha20_poly1305), raw ChaCha20 in both counter
 * layouts (EVP_chacha20, whose 16-byte IV is the state words 12..15),
 * Poly1305 (EVP_MAC "POLY1305"), XChaCha20-Poly1305 and
 * chacha20-poly1305@openssh.com rebuilt from OpenSSL primitives. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "diff.h"
#include "haze/crypto.h"

#define MAXLEN 70000

static uint8_t msg[MAXLEN], h_out[MAXLEN], o_out[MAXLEN], back[MAXLEN];

/* Message bytes from a seed (inputs are short; messages may be long). */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint64_t x = seed | (uint64_t)1 << 40;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

/* Mostly 0..4 KB, sometimes long; block edges on purpose. */
static size_t pick_len(struct diff_in *in)
{
	uint32_t k = diff_below(in, 16);
	if (k == 0)
		return diff_below(in, MAXLEN + 1);
	if (k == 1)
		return 64 * diff_below(in, 40) + diff_below(in, 3) - 1 + 1;
	return diff_below(in, 4097);
}

static void ossl_chacha(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], const uint8_t iv[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0;
	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_chacha20(), NULL, key, iv) != 1 ||
		(len && EVP_EncryptUpdate(ctx, out, &l, in, (int)len) != 1))
		diff_fail("EVP_chacha20 failed");
	EVP_CIPHER_CTX_free(ctx);
}

static void ossl_poly1305(uint8_t tag[16], const uint8_t key[32], const uint8_t *m, size_t len)
{
	static EVP_MAC *mac; /* fetched once: fetching is slow */
	if (!mac)
		mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t tl = 0;
	if (!ctx || EVP_MAC_init(ctx, key, 32, NULL) != 1 || EVP_MAC_update(ctx, m, len) != 1 ||
		EVP_MAC_final(ctx, tag, &tl, 16) != 1 || tl != 16)
		diff_fail("EVP_MAC POLY1305 failed");
	EVP_MAC_CTX_free(ctx);
}

/* EVP_chacha20_poly1305; enc = 0 verifies tag, returns 1 when it matches. */
static int ossl_aead(int enc, uint8_t *out, uint8_t tag[16], const uint8_t key[32], const uint8_t nonce[12],
	const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0, ok;
	if (!ctx || EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce, enc) != 1)
		diff_fail("EVP_chacha20_poly1305 init failed");
	if (aad_len && EVP_CipherUpdate(ctx, NULL, &l, aad, (int)aad_len) != 1)
		diff_fail("aad failed");
	if (len && EVP_CipherUpdate(ctx, out, &l, in, (int)len) != 1)
		diff_fail("update failed");
	if (!enc)
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag);
	ok = EVP_CipherFinal_ex(ctx, out + len, &l) == 1;
	if (enc && (!ok || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1))
		diff_fail("tag failed");
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static void check_aead(struct diff_in *in)
{
	uint8_t key[32], nonce[12], aad[300], h_tag[16], o_tag[16];
	size_t aad_len = diff_below(in, 8) == 0 ? diff_below(in, 301) : diff_below(in, 33);
	size_t len = pick_len(in);
	diff_take(in, key, 32);
	diff_take(in, nonce, 12);
	diff_take(in, aad, sizeof(aad));
	fill(msg, len, diff_u32(in));

	hz_crypto_chacha20_poly1305_seal(h_out, h_tag, key, nonce, aad, aad_len, msg, len);
	ossl_aead(1, o_out, o_tag, key, nonce, aad, aad_len, msg, len);
	diff_eq("aead ct", h_out, o_out, len);
	diff_eq("aead tag", h_tag, o_tag, 16);
	/* each side opens the other's */
	if (hz_crypto_chacha20_poly1305_open(back, key, nonce, aad, aad_len, o_out, len, o_tag) != HZ_OK)
		diff_fail("haze rejects OpenSSL's AEAD (len %zu)", len);
	diff_eq("aead open", back, msg, len);
	if (!ossl_aead(0, back, h_tag, key, nonce, aad, aad_len, h_out, len))
		diff_fail("OpenSSL rejects haze's AEAD");
	/* a tampered tag, ciphertext or aad is rejected by both */
	uint32_t what = diff_below(in, 3);
	uint8_t bit = (uint8_t)(1u << diff_below(in, 8));
	uint8_t *p = what == 0 || (what == 1 && !len) || (what == 2 && !aad_len) ? &h_tag[diff_below(in, 16)] :
		what == 1 ? &h_out[diff_below(in, (uint32_t)len)] : &aad[diff_below(in, (uint32_t)aad_len)];
	*p ^= bit;
	if (hz_crypto_chacha20_poly1305_open(back, key, nonce, aad, aad_len, h_out, len, h_tag) != HZ_ERR_AUTH)
		diff_fail("haze accepts a tampered AEAD");
	for (size_t i = 0; i < len; i++)
		if (back[i])
			diff_fail("rejected output not zeroed");
	if (ossl_aead(0, back, h_tag, key, nonce, aad, aad_len, h_out, len))
		diff_fail("OpenSSL accepts a tampered AEAD");
}

static void check_xchacha(struct diff_in *in)
{
	uint8_t key[32], nonce[24], aad[32], h_tag[16], o_tag[16], iv[16], blk[64], sub[32], n12[12];
	size_t aad_len = diff_below(in, 33), len = pick_len(in) % 5000;
	diff_take(in, key, 32);
	diff_take(in, nonce, 24);
	diff_take(in, aad, sizeof(aad));
	fill(msg, len, diff_u32(in));
	/* HChaCha20 from an OpenSSL block: the block is rounds(state) + state
	 * and HChaCha20 is rounds(state) words 0..3 and 12..15. */
	static const uint8_t zero[64];
	memcpy(iv, nonce, 16);
	ossl_chacha(blk, zero, 64, key, iv);
	static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	for (int i = 0; i < 8; i++) {
		int w = i < 4 ? i : 8 + i;
		uint32_t b = (uint32_t)blk[4 * w] | (uint32_t)blk[4 * w + 1] << 8 | (uint32_t)blk[4 * w + 2] << 16 |
			(uint32_t)blk[4 * w + 3] << 24;
		uint32_t sw = sigma[i & 3];
		if (i >= 4) {
			const uint8_t *s = nonce + 4 * (w - 12);
			sw = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
		}
		b -= sw;
		for (int k = 0; k < 4; k++)
			sub[4 * i + k] = (uint8_t)(b >> (8 * k));
	}
	uint8_t hsub[32];
	hz_crypto_hchacha20(hsub, key, nonce);
	diff_eq("hchacha20", hsub, sub, 32);
	memset(n12, 0, 4);
	memcpy(n12 + 4, nonce + 16, 8);
	hz_crypto_xchacha20_poly1305_seal(h_out, h_tag, key, nonce, aad, aad_len, msg, len);
	ossl_aead(1, o_out, o_tag, sub, n12, aad, aad_len, msg, len);
	diff_eq("xchacha ct", h_out, o_out, len);
	diff_eq("xchacha tag", h_tag, o_tag, 16);
	if (hz_crypto_xchacha20_poly1305_open(back, key, nonce, aad, aad_len, o_out, len, o_tag) != HZ_OK)
		diff_fail("haze rejects the XChaCha20-Poly1305 built on OpenSSL");
	diff_eq("xchacha open", back, msg, len);
	o_tag[diff_below(in, 16)] ^= 4;
	if (hz_crypto_xchacha20_poly1305_open(back, key, nonce, aad, aad_len, o_out, len, o_tag) != HZ_ERR_AUTH)
		diff_fail("haze accepts a tampered XChaCha20-Poly1305");
}

static void check_chacha20(struct diff_in *in)
{
	uint8_t key[32], nonce[12], iv[16];
	size_t len = pick_len(in);
	uint32_t nblocks = (uint32_t)((len + 63) / 64);
	uint32_t ctr = diff_u32(in);
	/* OpenSSL carries a 32-bit counter overflow into the nonce; RFC 8439
	 * leaves it undefined and haze wraps: stay below the wrap. */
	if (ctr > 0xffffffffu - nblocks)
		ctr = 0xffffffffu - nblocks;
	diff_take(in, key, 32);
	diff_take(in, nonce, 12);
	fill(msg, len, diff_u32(in));
	iv[0] = (uint8_t)ctr;
	iv[1] = (uint8_t)(ctr >> 8);
	iv[2] = (uint8_t)(ctr >> 16);
	iv[3] = (uint8_t)(ctr >> 24);
	memcpy(iv + 4, nonce, 12);
	ossl_chacha(o_out, msg, len, key, iv);
	hz_crypto_chacha20(h_out, msg, len, key, nonce, ctr);
	diff_eq("chacha20", h_out, o_out, len);
	/* in place, and the bare keystream */
	memcpy(h_out, msg, len);
	hz_crypto_chacha20(h_out, h_out, len, key, nonce, ctr);
	diff_eq("chacha20 in place", h_out, o_out, len);
	hz_crypto_chacha20(h_out, NULL, len, key, nonce, ctr);
	for (size_t i = 0; i < len; i++)
		h_out[i] ^= msg[i];
	diff_eq("chacha20 keystream", h_out, o_out, len);
}

static void check_djb(struct diff_in *in)
{
	uint8_t key[32], nonce[8], iv[16];
	size_t len = pick_len(in);
	uint64_t ctr = (uint64_t)diff_u32(in) << 32 | diff_u32(in);
	/* counters near the 2^32 carry of the low word, often */
	if (diff_below(in, 2))
		ctr = (ctr & 0xffffffff00000000ull) | (0xffffffffu - diff_below(in, 40));
	/* OpenSSL carries only into word 13: stay below 2^64 */
	if (ctr >> 32 == 0xffffffffu)
		ctr &= 0x7fffffffffffffffull;
	diff_take(in, key, 32);
	diff_take(in, nonce, 8);
	fill(msg, len, diff_u32(in));
	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(ctr >> (8 * i));
	memcpy(iv + 8, nonce, 8);
	ossl_chacha(o_out, msg, len, key, iv);
	hz_crypto_chacha20_djb(h_out, msg, len, key, nonce, ctr);
	diff_eq("chacha20-djb", h_out, o_out, len);
}

static void check_poly1305(struct diff_in *in)
{
	uint8_t key[32], h_tag[16], o_tag[16];
	size_t len = pick_len(in);
	diff_take(in, key, 32);
	/* all-ones keys and data push every carry */
	uint32_t mode = diff_below(in, 8);
	if (mode == 0)
		memset(key, 0xff, 32);
	if (mode == 1)
		memset(msg, 0xff, len);
	else
		fill(msg, len, diff_u32(in));
	ossl_poly1305(o_tag, key, msg, len);
	hz_crypto_poly1305(h_tag, key, msg, len);
	diff_eq("poly1305", h_tag, o_tag, 16);
	/* incremental at random split points */
	struct hz_crypto_poly1305 p;
	hz_crypto_poly1305_init(&p, key);
	for (size_t off = 0; off < len;) {
		size_t n = diff_below(in, 4) == 0 ? diff_below(in, 17) : diff_below(in, 2000);
		if (n == 0)
			n = 1; /* an exhausted input reads as zeros */
		if (n > len - off)
			n = len - off;
		hz_crypto_poly1305_update(&p, msg + off, n);
		off += n;
	}
	hz_crypto_poly1305_final(&p, h_tag);
	diff_eq("poly1305 split", h_tag, o_tag, 16);
}

/* PROTOCOL.chacha20poly1305 with OpenSSL primitives: K_1 = key[32..63]
 * encrypts the length, K_2 = key[0..31] the payload from block 1 and gives
 * the Poly1305 key from block 0; the nonce is be64(seqnr). */
static void check_ssh(struct diff_in *in)
{
	uint8_t key[64], iv[16] = { 0 }, polykey[32], h_tag[16], o_tag[16];
	static const uint8_t zero[32];
	size_t len = 4 + pick_len(in) % 35000;
	uint32_t seqnr = diff_u32(in);
	struct hz_crypto_ssh_chachapoly s;
	diff_take(in, key, 64);
	fill(msg, len, diff_u32(in));
	iv[12] = (uint8_t)(seqnr >> 24);
	iv[13] = (uint8_t)(seqnr >> 16);
	iv[14] = (uint8_t)(seqnr >> 8);
	iv[15] = (uint8_t)seqnr;
	ossl_chacha(o_out, msg, 4, key + 32, iv);
	ossl_chacha(polykey, zero, 32, key, iv);
	iv[0] = 1;
	ossl_chacha(o_out + 4, msg + 4, len - 4, key, iv);
	ossl_poly1305(o_tag, polykey, o_out, len);

	hz_crypto_ssh_chachapoly_init(&s, key);
	hz_crypto_ssh_chachapoly_seal(&s, seqnr, h_out, h_tag, msg, len);
	diff_eq("ssh ct", h_out, o_out, len);
	diff_eq("ssh tag", h_tag, o_tag, 16);
	uint8_t l4[4];
	hz_crypto_ssh_chachapoly_length(&s, seqnr, l4, o_out);
	diff_eq("ssh length", l4, msg, 4);
	if (hz_crypto_ssh_chachapoly_open(&s, seqnr, back, o_out, len, o_tag) != HZ_OK)
		diff_fail("haze rejects the OpenSSL-built SSH packet");
	diff_eq("ssh open", back, msg, len);
	o_out[diff_below(in, (uint32_t)len)] ^= 0x10;
	if (hz_crypto_ssh_chachapoly_open(&s, seqnr, back, o_out, len, o_tag) != HZ_ERR_AUTH)
		diff_fail("haze accepts a tampered SSH packet");
	hz_crypto_ssh_chachapoly_wipe(&s);
}

/* Half the cases of the all-features run go through the AVX2 paths
 * (mask 0x7f: AVX2 without AVX-512 or IFMA, as on most servers); the
 * portable run (features 0) stays portable. */
#define AVX2_HALF(fn)                                                         \
	static void fn##_half(struct diff_in *in)                             \
	{                                                                     \
		uint32_t f = hz_crypto_cpu_features();                        \
		if (diff_below(in, 2))                                        \
			hz_crypto_cpu_restrict(f & 0x7f);                     \
		fn(in);                                                       \
		hz_crypto_cpu_restrict(f);                                    \
	}
AVX2_HALF(check_aead)
AVX2_HALF(check_xchacha)
AVX2_HALF(check_chacha20)
AVX2_HALF(check_djb)
AVX2_HALF(check_poly1305)
AVX2_HALF(check_ssh)

const struct diff_entry diff_chacha_table[] = {
	{ "chacha20-poly1305", check_aead_half, 1500, 512 },
	{ "xchacha20-poly1305", check_xchacha_half, 500, 256 },
	{ "chacha20", check_chacha20_half, 1500, 128 },
	{ "chacha20-djb", check_djb_half, 1000, 128 },
	{ "poly1305", check_poly1305_half, 1500, 256 },
	{ "ssh-chachapoly", check_ssh_half, 800, 128 },
	{ NULL, NULL, 0, 0 },
};

#ifndef HZ_DIFF_NO_MAIN
int main(int argc, char **argv)
{
	return diff_run(argc, argv, diff_chacha_table);
}
#endif
