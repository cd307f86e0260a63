/* Wycheproof: chacha20_poly1305_test.json and xchacha20_poly1305_test.json.
 * A valid test must seal to its ct and tag and open; an invalid one must
 * not open (and must leave zeros). Nonces of the wrong size cannot be
 * expressed through the fixed-array API: the handler rejects them, which
 * is the expected verdict (InvalidNonceSize tests are all "invalid"). */
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"
#include "wp.h"

static enum wp_verdict aead(struct wp_case *c, size_t nonce_len)
{
	size_t klen, nlen, alen, mlen, clen, tlen;
	uint8_t *key = wp_hex(c->test, "key", &klen);
	uint8_t *iv = wp_hex(c->test, "iv", &nlen);
	uint8_t *aad = wp_hex(c->test, "aad", &alen);
	uint8_t *msg = wp_hex(c->test, "msg", &mlen);
	uint8_t *ct = wp_hex(c->test, "ct", &clen);
	uint8_t *tag = wp_hex(c->test, "tag", &tlen);
	uint8_t *out = malloc(mlen + clen + 1);
	uint8_t t[16];
	enum wp_verdict v;
	int accepted;

	if (klen != 32 || tlen != 16 || nlen != nonce_len || clen != mlen) {
		/* not expressible: the API takes 32-byte keys, 16-byte tags and
		 * a fixed nonce; rejecting is the answer */
		v = wp_expect(c, 0, 0);
		goto out;
	}
	if (c->result == WP_VALID) {
		if (nonce_len == 12)
			hz_crypto_chacha20_poly1305_seal(out, t, key, iv, aad, alen, msg, mlen);
		else
			hz_crypto_xchacha20_poly1305_seal(out, t, key, iv, aad, alen, msg, mlen);
		if (memcmp(out, ct, mlen) != 0 || memcmp(t, tag, 16) != 0) {
			v = wp_fail(c, "seal differs");
			goto out;
		}
	}
	memset(out, 0xaa, clen + 1);
	int r = nonce_len == 12 ?
		hz_crypto_chacha20_poly1305_open(out, key, iv, aad, alen, ct, clen, tag) :
		hz_crypto_xchacha20_poly1305_open(out, key, iv, aad, alen, ct, clen, tag);
	if (out[clen] != 0xaa) {
		v = wp_fail(c, "open wrote past the end");
		goto out;
	}
	if (r == HZ_OK) {
		accepted = memcmp(out, msg, mlen) == 0;
		if (!accepted) {
			v = wp_fail(c, "opened to the wrong plaintext");
			goto out;
		}
	} else {
		accepted = 0;
		for (size_t i = 0; i < clen; i++)
			if (out[i] != 0) {
				v = wp_fail(c, "rejected but output not zeroed");
				goto out;
			}
		if (r != HZ_ERR_AUTH) {
			v = wp_fail(c, "unexpected error %d", r);
			goto out;
		}
	}
	v = wp_expect(c, accepted, 0);
out:
	free(key);
	free(iv);
	free(aad);
	free(msg);
	free(ct);
	free(tag);
	free(out);
	return v;
}

static enum wp_verdict chacha(struct wp_case *c)
{
	return aead(c, 12);
}

static enum wp_verdict xchacha(struct wp_case *c)
{
	return aead(c, 24);
}

int main(int argc, char **argv)
{
	static const struct wp_entry table[] = {
		{ "chacha20_poly1305_test.json", chacha },
		{ "xchacha20_poly1305_test.json", xchacha },
		{ NULL, NULL },
	};
	return wp_run(argc, argv, table);
}
