/* ctgrind for the chacha area: ChaCha20 (both layouts) with a secret key
 * and plaintext, HChaCha20, Poly1305 with a secret key and message, the
 * RFC 8439 and XChaCha20 AEADs (seal and open, good and bad tags) and
 * chacha20-poly1305@openssh.com (length, seal, open). Each check runs on
 * the path ct_run selected and again with SSSE3 alone, so the portable,
 * SSSE3 and AVX2 kernels (ChaCha20 and, from 256-byte runs on, the AVX2
 * Poly1305) are all covered (valgrind hides AVX-512 and IFMA). */
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "haze/crypto.h"

#define LEN 1500 /* AVX2 and SSSE3 batches and a partial tail */

static uint8_t key[64], nonce[24], aad[37], pt[LEN], ct[LEN], out[LEN], tag[16];

static void setup(void)
{
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(i + 0x40);
	for (size_t i = 0; i < sizeof(aad); i++)
		aad[i] = (uint8_t)i;
	for (size_t i = 0; i < LEN; i++)
		pt[i] = (uint8_t)(i * 7);
	CT_SECRET(key, sizeof(key));
	CT_SECRET(pt, sizeof(pt));
}

/* fn under the current features, then with SSSE3 alone and SSE2 alone
 * (when present), so every 4-block kernel is checked. */
static void both(void (*fn)(void))
{
	static const uint32_t alone[] = { HZ_CRYPTO_CPU_SSSE3, HZ_CRYPTO_CPU_SSE2 };
	uint32_t f = hz_crypto_cpu_features();
	setup();
	fn();
	for (size_t i = 0; i < sizeof(alone) / sizeof(alone[0]); i++) {
		if (!(f & alone[i]))
			continue;
		hz_crypto_cpu_restrict(alone[i]);
		setup();
		fn();
		hz_crypto_cpu_restrict(f);
	}
}

static void chacha20(void)
{
	static const size_t lens[] = { 1, 64, 100, 256, 300, 511, LEN };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hz_crypto_chacha20(out, pt, lens[i], key, nonce, 7);
		CT_PUBLIC(out, lens[i]);
		hz_crypto_chacha20(out, NULL, lens[i], key, nonce, 0xfffffffe);
		CT_PUBLIC(out, lens[i]);
		hz_crypto_chacha20_djb(out, pt, lens[i], key, nonce, 0xfffffff0ull);
		CT_PUBLIC(out, lens[i]);
	}
	uint8_t sub[32];
	hz_crypto_hchacha20(sub, key, nonce);
	CT_PUBLIC(sub, sizeof(sub));
}

static void poly1305(void)
{
	static const size_t lens[] = { 0, 15, 16, 17, 255, 256, 300, LEN };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hz_crypto_poly1305(tag, key, pt, lens[i]);
		CT_PUBLIC(tag, 16);
		struct hz_crypto_poly1305 p;
		hz_crypto_poly1305_init(&p, key);
		hz_crypto_poly1305_update(&p, pt, lens[i] / 3);
		hz_crypto_poly1305_update(&p, pt + lens[i] / 3, lens[i] - lens[i] / 3);
		hz_crypto_poly1305_final(&p, tag);
		CT_PUBLIC(tag, 16);
	}
}

static void aead(void)
{
	static const size_t lens[] = { 0, 33, 300, LEN };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		hz_crypto_chacha20_poly1305_seal(ct, tag, key, nonce, aad, sizeof(aad), pt, n);
		CT_PUBLIC(ct, n);
		CT_PUBLIC(tag, 16);
		int r = hz_crypto_chacha20_poly1305_open(out, key, nonce, aad, sizeof(aad), ct, n, tag);
		CT_PUBLIC(&r, sizeof(r));
		CT_PUBLIC(out, n);
		if (r != HZ_OK)
			__builtin_trap();
		/* a bad tag takes the same time */
		tag[3] ^= 1;
		r = hz_crypto_chacha20_poly1305_open(out, key, nonce, aad, sizeof(aad), ct, n, tag);
		CT_PUBLIC(&r, sizeof(r));
		if (r != HZ_ERR_AUTH)
			__builtin_trap();
		hz_crypto_xchacha20_poly1305_seal(ct, tag, key, nonce, aad, sizeof(aad), pt, n);
		CT_PUBLIC(ct, n);
		CT_PUBLIC(tag, 16);
		r = hz_crypto_xchacha20_poly1305_open(out, key, nonce, aad, sizeof(aad), ct, n, tag);
		CT_PUBLIC(&r, sizeof(r));
		if (r != HZ_OK)
			__builtin_trap();
	}
}

static void ssh(void)
{
	struct hz_crypto_ssh_chachapoly s;
	uint8_t l4[4];
	hz_crypto_ssh_chachapoly_init(&s, key);
	static const size_t lens[] = { 4, 36, 300, LEN };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		hz_crypto_ssh_chachapoly_seal(&s, 5, ct, tag, pt, n);
		CT_PUBLIC(ct, n);
		CT_PUBLIC(tag, 16);
		hz_crypto_ssh_chachapoly_length(&s, 5, l4, ct);
		CT_PUBLIC(l4, 4);
		int r = hz_crypto_ssh_chachapoly_open(&s, 5, out, ct, n, tag);
		CT_PUBLIC(&r, sizeof(r));
		if (r != HZ_OK)
			__builtin_trap();
		tag[0] ^= 0x80;
		r = hz_crypto_ssh_chachapoly_open(&s, 5, out, ct, n, tag);
		CT_PUBLIC(&r, sizeof(r));
		if (r != HZ_ERR_AUTH)
			__builtin_trap();
	}
	hz_crypto_ssh_chachapoly_wipe(&s);
}

static void ct_chacha20(void) { both(chacha20); }
static void ct_poly1305(void) { both(poly1305); }
static void ct_aead(void) { both(aead); }
static void ct_ssh(void) { both(ssh); }

int main(int argc, char **argv)
{
	static const struct ct_entry table[] = {
		{ "chacha20+hchacha20", ct_chacha20 },
		{ "poly1305", ct_poly1305 },
		{ "chacha20-poly1305+xchacha", ct_aead },
		{ "ssh-chachapoly", ct_ssh },
		{ NULL, NULL },
	};
	return ct_run(argc, argv, table);
}
