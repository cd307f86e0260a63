/* An out-of-tree program that knows haze only through pkg-config
 * haze-crypto: SHA-256 of "abc" against FIPS 180-4's example, and an
 * AES-128-GCM seal/open round trip that must reject a flipped tag bit. */
#include <stdio.h>
#include <string.h>
#include <haze/crypto.h>

int main(void)
{
	static const uint8_t want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t d[32], key[16] = { 1 }, iv[12] = { 2 }, msg[40] = "haze crypto via pkg-config", ct[40], pt[40], tag[16];
	struct hz_crypto_aes_gcm g;

	hz_crypto_sha256(d, "abc", 3);
	if (memcmp(d, want, 32) != 0) {
		printf("sha256(abc) wrong\n");
		return 1;
	}
	if (hz_crypto_aes_gcm_init(&g, key, sizeof(key)) != HZ_OK ||
	    hz_crypto_aes_gcm_seal(&g, ct, tag, 16, iv, 12, NULL, 0, msg, sizeof(msg)) != HZ_OK ||
	    hz_crypto_aes_gcm_open(&g, pt, iv, 12, NULL, 0, ct, sizeof(ct), tag, 16) != HZ_OK ||
	    memcmp(pt, msg, sizeof(msg)) != 0) {
		printf("aes-gcm round trip failed\n");
		return 1;
	}
	tag[0] ^= 1;
	int rc = hz_crypto_aes_gcm_open(&g, pt, iv, 12, NULL, 0, ct, sizeof(ct), tag, 16);
	if (rc != HZ_ERR_AUTH) {
		printf("flipped tag: %s\n", hz_err_name(rc));
		return 1;
	}
	printf("haze-crypto ok (cpu features 0x%x)\n", hz_crypto_cpu_features());
	return 0;
}
