/* Wycheproof: AES-GCM (AeadTest, every key and IV size in the file) and
 * AES-CBC with PKCS#5 padding (IndCpaTest). These files have no
 * "acceptable" tests; the decisions per flag are in crypto/src/aes/README.md:
 *  - GCM: a test is accepted when open verifies the tag and returns msg;
 *    a valid test must also seal to exactly ct and tag. ZeroLengthIv is
 *    rejected by both seal and open (HZ_ERR_INVALID); a tag size haze does
 *    not support (not 4, 8, 12..16 bytes) is rejected the same way, which
 *    is a decision, not a skip.
 *  - CBC: the library does raw CBC; PKCS#5 padding (RFC 8018 6.1.1 step 4)
 *    is added and checked here. A ciphertext that is empty or not a
 *    multiple of 16 (NoPadding) or whose padding is wrong (BadPadding) is
 *    rejected. */
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"
#include "wp.h"

static enum wp_verdict gcm(struct wp_case *c)
{
	size_t kl, il, al, ml, cl, tl;
	uint8_t *key = wp_hex(c->test, "key", &kl);
	uint8_t *iv = wp_hex(c->test, "iv", &il);
	uint8_t *aad = wp_hex(c->test, "aad", &al);
	uint8_t *msg = wp_hex(c->test, "msg", &ml);
	uint8_t *ct = wp_hex(c->test, "ct", &cl);
	uint8_t *tag = wp_hex(c->test, "tag", &tl);
	uint8_t *out = malloc(ml + cl + 1);
	uint8_t t[16];
	struct hz_crypto_aes_gcm g;
	enum wp_verdict v;
	int sealed = 0, opened = 0;

	if (!out)
		abort();
	if (hz_crypto_aes_gcm_init(&g, key, kl) != HZ_OK) {
		v = wp_fail(c, "key size %zu rejected", kl);
		goto done;
	}
	/* Seal: must reproduce ct || tag exactly for a valid test. */
	if (ml == cl && tl <= 16 &&
	    hz_crypto_aes_gcm_seal(&g, out, t, tl, iv, il, aad, al, msg, ml) == HZ_OK)
		sealed = memcmp(out, ct, cl) == 0 && memcmp(t, tag, tl) == 0;
	/* Open, in place, on a copy of ct. */
	memcpy(out, ct, cl);
	if (hz_crypto_aes_gcm_open(&g, out, iv, il, aad, al, out, cl, tag, tl) == HZ_OK)
		opened = cl == ml && memcmp(out, msg, ml) == 0;
	if (c->result == WP_VALID && !sealed) {
		v = wp_fail(c, "seal did not reproduce ct and tag");
		goto done;
	}
	v = wp_expect(c, opened || sealed, 0);
done:
	hz_crypto_aes_gcm_wipe(&g);
	free(key);
	free(iv);
	free(aad);
	free(msg);
	free(ct);
	free(tag);
	free(out);
	return v;
}

static enum wp_verdict cbc(struct wp_case *c)
{
	size_t kl, il, ml, cl;
	uint8_t *key = wp_hex(c->test, "key", &kl);
	uint8_t *iv = wp_hex(c->test, "iv", &il);
	uint8_t *msg = wp_hex(c->test, "msg", &ml);
	uint8_t *ct = wp_hex(c->test, "ct", &cl);
	uint8_t *buf = malloc(ml + cl + 16);
	uint8_t ivc[16];
	struct hz_crypto_aes a;
	enum wp_verdict v;
	int accepted = 0;

	if (!buf)
		abort();
	if (il != 16 || hz_crypto_aes_init(&a, key, kl) != HZ_OK) {
		v = wp_fail(c, "key size %zu / iv size %zu rejected", kl, il);
		goto done;
	}
	/* Encrypt msg || PKCS#5 padding (1..16 bytes of the pad length). */
	if (c->result == WP_VALID) {
		size_t pad = 16 - ml % 16;

		memcpy(buf, msg, ml);
		memset(buf + ml, (int)pad, pad);
		memcpy(ivc, iv, 16);
		if (hz_crypto_aes_cbc_encrypt(&a, ivc, buf, buf, ml + pad) != HZ_OK ||
		    ml + pad != cl || memcmp(buf, ct, cl) != 0) {
			v = wp_fail(c, "encryption differs");
			goto done;
		}
	}
	/* Decrypt and strip the padding. */
	memcpy(ivc, iv, 16);
	if (cl > 0 && hz_crypto_aes_cbc_decrypt(&a, ivc, buf, ct, cl) == HZ_OK) {
		uint8_t pad = buf[cl - 1];
		int ok = pad >= 1 && pad <= 16;

		for (size_t i = 0; ok && i < pad; i++)
			ok = buf[cl - 1 - i] == pad;
		accepted = ok && cl - pad == ml && memcmp(buf, msg, ml) == 0;
	}
	v = wp_expect(c, accepted, 0);
done:
	hz_crypto_aes_wipe(&a);
	free(key);
	free(iv);
	free(msg);
	free(ct);
	free(buf);
	return v;
}

static const struct wp_entry table[] = {
	{ "aes_gcm_test.json", gcm },
	{ "aes_cbc_pkcs5_test.json", cbc },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return wp_run(argc, argv, table);
}
