/* aes against OpenSSL: GCM seal/open (random key sizes, IV lengths incl.
 * non-96-bit, AAD and message lengths 0..4 KB, truncated and tampered
 * tags, each side opening the other's output), CTR (128-bit counter,
 * near-wrap starts, split calls), CBC without padding, and raw blocks.
 * When run with every CPU feature, half of the cases restrict the context
 * to the 128-bit AES-NI/PCLMULQDQ path so that it is covered on CPUs that
 * have VAES. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "diff.h"
#include "haze/crypto.h"

#define MAXMSG 4200

static const EVP_CIPHER *cipher(size_t kl, int mode)
{
	switch (mode) {
	case 0:
		return kl == 16 ? EVP_aes_128_gcm() : kl == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
	case 1:
		return kl == 16 ? EVP_aes_128_ctr() : kl == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
	case 2:
		return kl == 16 ? EVP_aes_128_cbc() : kl == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	default:
		return kl == 16 ? EVP_aes_128_ecb() : kl == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
	}
}

/* Pick the key size and, sometimes, the xmm-only path (restored by
 * path_end). */
static uint32_t path_begin(struct diff_in *in)
{
	uint32_t cur = hz_crypto_cpu_features();

	if (diff_u8(in) & 1)
		hz_crypto_cpu_restrict(cur & ~(HZ_CRYPTO_CPU_VAES | HZ_CRYPTO_CPU_VPCLMULQDQ));
	return cur;
}

static void path_end(uint32_t cur)
{
	hz_crypto_cpu_restrict(cur);
}

static size_t key_size(struct diff_in *in)
{
	return 16 + 8 * diff_below(in, 3);
}

/* OpenSSL GCM, one shot. Returns 1 when the tag verified (decrypt). */
static int ossl_gcm(int enc, size_t kl, const uint8_t *key, const uint8_t *iv, size_t il, const uint8_t *aad,
		    size_t al, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag, size_t tl)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok = 1;

	if (!c)
		abort();
	if (EVP_CipherInit_ex(c, cipher(kl, 0), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)il, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) != 1)
		diff_fail("openssl gcm init");
	if (al && EVP_CipherUpdate(c, NULL, &n, aad, (int)al) != 1)
		diff_fail("openssl gcm aad");
	if (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
		diff_fail("openssl gcm update");
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, (int)tl, tag) != 1)
		diff_fail("openssl gcm set tag");
	ok = EVP_CipherFinal_ex(c, out + len, &n) == 1;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, (int)tl, tag) != 1)
		diff_fail("openssl gcm get tag");
	EVP_CIPHER_CTX_free(c);
	return ok;
}

static void check_gcm(struct diff_in *in)
{
	static const uint8_t tags[] = { 16, 16, 16, 12, 13, 14, 15, 8, 4 };
	static uint8_t msg[MAXMSG], h_ct[MAXMSG + 16], o_ct[MAXMSG + 16], pt[MAXMSG + 16];
	uint8_t key[32], iv[64], aad[300], h_tag[16], o_tag[16];
	uint32_t cur = path_begin(in);
	size_t kl = key_size(in), il, al, len, tl;
	uint32_t r = diff_u32(in);
	struct hz_crypto_aes_gcm g;
	int inplace = (r >> 8) & 1;

	il = (r & 3) ? 12 : 1 + diff_below(in, 64);
	al = (r & 4) ? diff_below(in, 300) : (r & 8) ? 13 : 0;
	len = (r & 16) ? diff_below(in, MAXMSG + 1) : diff_below(in, 100);
	tl = tags[diff_below(in, sizeof(tags))];
	diff_take(in, key, kl);
	diff_take(in, iv, il);
	diff_take(in, aad, al);
	diff_take(in, msg, len);

	if (hz_crypto_aes_gcm_init(&g, key, kl) != HZ_OK)
		diff_fail("gcm init %zu", kl);
	if (inplace) {
		memcpy(h_ct, msg, len);
		if (hz_crypto_aes_gcm_seal(&g, h_ct, h_tag, tl, iv, il, aad, al, h_ct, len) != HZ_OK)
			diff_fail("gcm seal");
	} else if (hz_crypto_aes_gcm_seal(&g, h_ct, h_tag, tl, iv, il, aad, al, msg, len) != HZ_OK) {
		diff_fail("gcm seal");
	}
	ossl_gcm(1, kl, key, iv, il, aad, al, msg, len, o_ct, o_tag, tl);
	diff_eq("gcm ct", h_ct, o_ct, len);
	diff_eq("gcm tag", h_tag, o_tag, tl);
	/* haze opens OpenSSL's, OpenSSL opens haze's. */
	if (hz_crypto_aes_gcm_open(&g, pt, iv, il, aad, al, o_ct, len, o_tag, tl) != HZ_OK)
		diff_fail("haze rejects openssl's gcm (kl %zu il %zu al %zu len %zu tl %zu)", kl, il, al, len, tl);
	diff_eq("gcm open", pt, msg, len);
	if (!ossl_gcm(0, kl, key, iv, il, aad, al, h_ct, len, pt, h_tag, tl))
		diff_fail("openssl rejects haze's gcm");
	/* Tamper with one bit of the tag, ciphertext or AAD: both reject. */
	{
		uint32_t w = diff_u32(in);
		size_t where = w % 3;
		uint8_t bit = (uint8_t)(1u << ((w >> 8) & 7));
		uint8_t *p;

		if (where == 1 && len)
			p = h_ct + (w >> 12) % len;
		else if (where == 2 && al)
			p = aad + (w >> 12) % al;
		else
			p = h_tag + (w >> 12) % tl;
		*p ^= bit;
		memset(pt, 0x5a, len);
		if (hz_crypto_aes_gcm_open(&g, pt, iv, il, aad, al, h_ct, len, h_tag, tl) != HZ_ERR_AUTH)
			diff_fail("haze accepts a tampered gcm message");
		for (size_t i = 0; i < len; i++)
			if (pt[i])
				diff_fail("gcm open left plaintext after a bad tag");
		if (ossl_gcm(0, kl, key, iv, il, aad, al, h_ct, len, pt, h_tag, tl))
			diff_fail("openssl accepts a tampered gcm message");
	}
	hz_crypto_aes_gcm_wipe(&g);
	path_end(cur);
}

static void ossl_plain(int mode, int enc, size_t kl, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
		       size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	if (!c)
		abort();
	if (EVP_CipherInit_ex(c, cipher(kl, mode), NULL, key, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1)
		diff_fail("openssl init");
	if (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
		diff_fail("openssl update");
	EVP_CIPHER_CTX_free(c);
}

static void check_ctr(struct diff_in *in)
{
	static uint8_t msg[MAXMSG], h[MAXMSG], o[MAXMSG];
	uint8_t key[32], ctr[16], c0[16];
	uint32_t cur = path_begin(in);
	size_t kl = key_size(in), len = diff_below(in, MAXMSG + 1), split;
	uint32_t r = diff_u32(in);
	struct hz_crypto_aes a;

	diff_take(in, key, kl);
	diff_take(in, c0, 16);
	/* Often start a few blocks before the low 32 or 64 bits (or all
	 * 128) wrap. */
	if (r & 1)
		memset(c0 + 12, 0xff, 4);
	if (r & 2)
		memset(c0 + 8, 0xff, 8);
	if (r & 4)
		memset(c0, 0xff, 16);
	c0[15] = (uint8_t)(c0[15] - (r >> 8) % 16);
	diff_take(in, msg, len);
	split = 16 * diff_below(in, (uint32_t)(len / 16 + 1));
	if (hz_crypto_aes_init(&a, key, kl) != HZ_OK)
		diff_fail("aes init");
	memcpy(ctr, c0, 16);
	hz_crypto_aes_ctr(&a, ctr, h, msg, split);
	memcpy(h + split, msg + split, len - split);
	hz_crypto_aes_ctr(&a, ctr, h + split, h + split, len - split);
	ossl_plain(1, 1, kl, key, c0, msg, len, o);
	diff_eq("ctr", h, o, len);
	/* The counter advanced by ceil(len / 16), modulo 2^128. */
	{
		uint8_t want[16];
		unsigned carry = (unsigned)((len + 15) / 16);

		memcpy(want, c0, 16);
		for (int i = 15; i >= 0; i--) {
			carry += want[i];
			want[i] = (uint8_t)carry;
			carry >>= 8;
		}
		diff_eq("ctr counter", ctr, want, 16);
	}
	hz_crypto_aes_wipe(&a);
	path_end(cur);
}

static void check_cbc(struct diff_in *in)
{
	static uint8_t msg[MAXMSG], h[MAXMSG], o[MAXMSG];
	uint8_t key[32], iv[16], iv0[16];
	uint32_t cur = path_begin(in);
	size_t kl = key_size(in), len = 16 * diff_below(in, MAXMSG / 16 + 1);
	size_t split = 16 * diff_below(in, (uint32_t)(len / 16 + 1));
	struct hz_crypto_aes a;

	diff_take(in, key, kl);
	diff_take(in, iv0, 16);
	diff_take(in, msg, len);
	if (hz_crypto_aes_init(&a, key, kl) != HZ_OK)
		diff_fail("aes init");
	memcpy(iv, iv0, 16);
	if (hz_crypto_aes_cbc_encrypt(&a, iv, h, msg, split) != HZ_OK ||
	    hz_crypto_aes_cbc_encrypt(&a, iv, h + split, msg + split, len - split) != HZ_OK)
		diff_fail("cbc encrypt");
	ossl_plain(2, 1, kl, key, iv0, msg, len, o);
	diff_eq("cbc encrypt", h, o, len);
	if (len)
		diff_eq("cbc iv", iv, o + len - 16, 16);
	/* Decrypt OpenSSL's ciphertext in place, in two calls. */
	memcpy(iv, iv0, 16);
	if (hz_crypto_aes_cbc_decrypt(&a, iv, o, o, split) != HZ_OK ||
	    hz_crypto_aes_cbc_decrypt(&a, iv, o + split, o + split, len - split) != HZ_OK)
		diff_fail("cbc decrypt");
	diff_eq("cbc decrypt", o, msg, len);
	/* And OpenSSL's decryption of random blocks against ours. */
	memcpy(iv, iv0, 16);
	hz_crypto_aes_cbc_decrypt(&a, iv, h, msg, len);
	ossl_plain(2, 0, kl, key, iv0, msg, len, o);
	diff_eq("cbc decrypt random", h, o, len);
	hz_crypto_aes_wipe(&a);
	path_end(cur);
}

static void check_block(struct diff_in *in)
{
	uint8_t key[32], blk[16], h[16], o[16];
	uint32_t cur = path_begin(in);
	size_t kl = key_size(in);
	struct hz_crypto_aes a;

	diff_take(in, key, kl);
	diff_take(in, blk, 16);
	if (hz_crypto_aes_init(&a, key, kl) != HZ_OK)
		diff_fail("aes init");
	hz_crypto_aes_encrypt(&a, h, blk);
	ossl_plain(3, 1, kl, key, NULL, blk, 16, o);
	diff_eq("aes encrypt", h, o, 16);
	hz_crypto_aes_decrypt(&a, h, blk);
	ossl_plain(3, 0, kl, key, NULL, blk, 16, o);
	diff_eq("aes decrypt", h, o, 16);
	hz_crypto_aes_wipe(&a);
	path_end(cur);
}

const struct diff_entry diff_aes_table[] = {
	{ "aes-gcm", check_gcm, 5000, 4800 },
	{ "aes-ctr", check_ctr, 2500, 4400 },
	{ "aes-cbc", check_cbc, 2500, 4400 },
	{ "aes-block", check_block, 10000, 64 },
	{ NULL, NULL, 0, 0 },
};

#ifndef HZ_DIFF_NO_MAIN
int main(int argc, char **argv)
{
	return diff_run(argc, argv, diff_aes_table);
}
#endif
