/* ctgrind on the aes area: key schedule, block encrypt/decrypt, CTR, CBC
 * encrypt/decrypt, GHASH, GCM seal and open (good and bad tag) with the
 * key, the plaintext and the hash subkey marked secret. Counters, IVs,
 * lengths and ciphertexts are public. Each result is compared with the
 * same computation on public data after CT_PUBLIC. Under valgrind the CPU
 * reports AES-NI, PCLMULQDQ and AVX2 but no AVX-512, so the run with all
 * features checks the 128-bit AES-NI/PCLMULQDQ path and the second run the
 * portable bitsliced one. */
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "haze/crypto.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 29 + (i >> 3));
}

static void same(const void *secret_out, const void *public_out, size_t n)
{
	static uint8_t tmp[2048];

	memcpy(tmp, secret_out, n);
	CT_PUBLIC(tmp, n);
	if (memcmp(tmp, public_out, n) != 0)
		__builtin_trap();
}

static const size_t key_lens[3] = { 16, 24, 32 };

static void ct_block(void)
{
	uint8_t key[32], in[16], pub[16], out[16];
	struct hz_crypto_aes a, ap;

	for (int k = 0; k < 3; k++) {
		fill(key, 32, (uint8_t)(k + 1));
		fill(in, 16, 9);
		hz_crypto_aes_init(&ap, key, key_lens[k]);
		CT_SECRET(key, 32);
		hz_crypto_aes_init(&a, key, key_lens[k]);
		CT_PUBLIC(key, 32);
		/* The schedule itself: equal to the public one. */
		same(&a, &ap, sizeof(a));
		CT_SECRET(&a, sizeof(a));
		CT_PUBLIC(&a.rounds, sizeof(a.rounds));
		CT_PUBLIC(&a.path, sizeof(a.path));
		hz_crypto_aes_encrypt(&ap, pub, in);
		CT_SECRET(in, 16);
		hz_crypto_aes_encrypt(&a, out, in);
		same(out, pub, 16);
		hz_crypto_aes_decrypt(&a, out, in);
		CT_PUBLIC(in, 16);
		hz_crypto_aes_decrypt(&ap, pub, in);
		same(out, pub, 16);
		hz_crypto_aes_wipe(&a);
	}
}

static void ct_ctr_cbc(void)
{
	static uint8_t msg[1000], out[1000], pub[1000];
	uint8_t key[32], ctr[16], ctrp[16];
	struct hz_crypto_aes a, ap;

	for (int k = 0; k < 3; k++) {
		fill(key, 32, (uint8_t)(k + 5));
		fill(msg, sizeof(msg), 3);
		fill(ctr, 16, 200);
		hz_crypto_aes_init(&ap, key, key_lens[k]);
		CT_SECRET(key, 32);
		hz_crypto_aes_init(&a, key, key_lens[k]);
		CT_PUBLIC(&a.rounds, sizeof(a.rounds));
		CT_PUBLIC(&a.path, sizeof(a.path));
		/* CTR: secret key and plaintext, public counter; odd length. */
		memcpy(ctrp, ctr, 16);
		hz_crypto_aes_ctr(&ap, ctrp, pub, msg, 999);
		CT_SECRET(msg, sizeof(msg));
		hz_crypto_aes_ctr(&a, ctr, out, msg, 999);
		same(out, pub, 999);
		same(ctr, ctrp, 16);
		/* CBC encrypt (secret plaintext) and decrypt (secret result). */
		fill(ctr, 16, 7);
		memcpy(ctrp, ctr, 16);
		CT_PUBLIC(msg, sizeof(msg));
		hz_crypto_aes_cbc_encrypt(&ap, ctrp, pub, msg, 992);
		CT_SECRET(msg, sizeof(msg));
		hz_crypto_aes_cbc_encrypt(&a, ctr, out, msg, 992);
		same(out, pub, 992);
		fill(ctr, 16, 7);
		memcpy(ctrp, ctr, 16);
		hz_crypto_aes_cbc_decrypt(&a, ctr, out, pub, 992);
		CT_PUBLIC(msg, sizeof(msg));
		same(out, msg, 992);
		CT_PUBLIC(key, 32);
		hz_crypto_aes_wipe(&a);
	}
}

static void ct_ghash(void)
{
	static uint8_t data[300];
	uint8_t h[16], out[16], pub[16];
	struct hz_crypto_ghash g;

	fill(h, 16, 1);
	fill(data, sizeof(data), 2);
	hz_crypto_ghash_init(&g, h);
	hz_crypto_ghash_update(&g, data, 37);
	hz_crypto_ghash_update(&g, data + 37, sizeof(data) - 37);
	hz_crypto_ghash_final(&g, pub);
	CT_SECRET(h, 16);
	CT_SECRET(data, sizeof(data));
	hz_crypto_ghash_init(&g, h);
	CT_PUBLIC(&g.path, sizeof(g.path));
	hz_crypto_ghash_update(&g, data, 37);
	hz_crypto_ghash_update(&g, data + 37, sizeof(data) - 37);
	hz_crypto_ghash_final(&g, out);
	same(out, pub, 16);
	CT_PUBLIC(h, 16);
	CT_PUBLIC(data, sizeof(data));
}

/* GCM with secret key and plaintext: 12-byte and 20-byte IVs, a message
 * long enough for the 8-block loop plus a partial block; open with the
 * right tag and with a wrong one (the verdict is public: CT_PUBLIC on the
 * return value). */
static void ct_gcm(void)
{
	static uint8_t msg[1100], ct[1100], out[1100], pub[1100];
	uint8_t key[32], iv[20], aad[21], tag[16], tagp[16];
	struct hz_crypto_aes_gcm g, gp;

	for (int k = 0; k < 3; k++) {
		for (size_t il = 12; il <= 20; il += 8) {
			size_t len = k == 1 ? 1100 : 1037;
			int r;

			fill(key, 32, (uint8_t)(k + 11));
			fill(iv, sizeof(iv), 12);
			fill(aad, sizeof(aad), 13);
			fill(msg, sizeof(msg), 14);
			hz_crypto_aes_gcm_init(&gp, key, key_lens[k]);
			hz_crypto_aes_gcm_seal(&gp, pub, tagp, 16, iv, il, aad, sizeof(aad), msg, len);
			CT_SECRET(key, 32);
			hz_crypto_aes_gcm_init(&g, key, key_lens[k]);
			CT_PUBLIC(&g.path, sizeof(g.path));
			CT_PUBLIC(&g.aes.rounds, sizeof(g.aes.rounds));
			CT_PUBLIC(&g.aes.path, sizeof(g.aes.path));
			CT_SECRET(msg, sizeof(msg));
			hz_crypto_aes_gcm_seal(&g, ct, tag, 16, iv, il, aad, sizeof(aad), msg, len);
			same(ct, pub, len);
			same(tag, tagp, 16);
			CT_PUBLIC(ct, len);
			CT_PUBLIC(tag, 16);
			r = hz_crypto_aes_gcm_open(&g, out, iv, il, aad, sizeof(aad), ct, len, tag, 16);
			CT_PUBLIC(&r, sizeof(r));
			if (r != HZ_OK)
				__builtin_trap();
			CT_PUBLIC(msg, sizeof(msg));
			same(out, msg, len);
			tag[3] ^= 4;
			r = hz_crypto_aes_gcm_open(&g, out, iv, il, aad, sizeof(aad), ct, len, tag, 16);
			CT_PUBLIC(&r, sizeof(r));
			if (r != HZ_ERR_AUTH)
				__builtin_trap();
			CT_PUBLIC(key, 32);
			hz_crypto_aes_gcm_wipe(&g);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct ct_entry table[] = {
		{ "aes-block", ct_block },
		{ "aes-ctr-cbc", ct_ctr_cbc },
		{ "ghash", ct_ghash },
		{ "aes-gcm", ct_gcm },
		{ NULL, NULL },
	};
	return ct_run(argc, argv, table);
}
