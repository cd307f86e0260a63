/* Wycheproof for c25519: x25519_test.json (XdhComp) and ed25519_test.json
 * (EddsaVerify). The "acceptable" decisions are documented in
 * crypto/src/c25519/README.md:
 *   ZeroSharedSecret (with LowOrderPublic, SmallPublicKey, ...): the
 *     shared secret is all zeros, hz_crypto_x25519 returns HZ_ERR_BAD_KEY
 *     (RFC 7748 section 6.1) -> rejected, and out must still be zeros.
 *   Twist, NonCanonicalPublic, SpecialPublicKey, EdgeCase*, Ktv without
 *     a zero secret: X25519 is defined on the twist and on u >= p
 *     (section 5) -> accepted, and the secret must match. */
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"
#include "wp.h"

static enum wp_verdict wp_x25519(struct wp_case *c)
{
	size_t pl, kl, sl;
	uint8_t *pub = wp_hex(c->test, "public", &pl);
	uint8_t *priv = wp_hex(c->test, "private", &kl);
	uint8_t *shared = wp_hex(c->test, "shared", &sl);
	uint8_t out[32];
	enum wp_verdict v;
	int zero = wp_has_flag(c, "ZeroSharedSecret");

	if (strcmp(wp_str(c->group, "curve"), "curve25519") != 0) {
		v = wp_skip(c, "curve %s", wp_str(c->group, "curve"));
	} else if (pl != 32 || kl != 32) {
		/* The API takes fixed 32-byte values: other lengths are rejected
		 * before any call. */
		v = wp_expect(c, 0, 0);
	} else {
		int r = hz_crypto_x25519(out, priv, pub);
		int accepted = r == HZ_OK;
		if (r != HZ_OK && r != HZ_ERR_BAD_KEY)
			v = wp_fail(c, "unexpected return %d", r);
		else if (sl == 32 && memcmp(out, shared, 32) != 0)
			v = wp_fail(c, "shared secret differs");
		else if (!accepted && !zero)
			v = wp_fail(c, "rejected a non-zero shared secret");
		else
			v = wp_expect(c, accepted, zero ? 0 : 1);
	}
	free(pub);
	free(priv);
	free(shared);
	return v;
}

static enum wp_verdict wp_ed25519(struct wp_case *c)
{
	size_t pl, ml, sl;
	const json_t *key = wp_get(c->group, "publicKey");
	uint8_t *pub = wp_hex(key, "pk", &pl);
	uint8_t *msg = wp_hex(c->test, "msg", &ml);
	uint8_t *sig = wp_hex(c->test, "sig", &sl);
	enum wp_verdict v;

	if (strcmp(wp_str(key, "curve"), "edwards25519") != 0) {
		v = wp_skip(c, "curve %s", wp_str(key, "curve"));
	} else if (pl != 32 || sl != 64) {
		/* Truncated or padded signatures never reach the verifier. */
		v = wp_expect(c, 0, 0);
	} else {
		int r = hz_crypto_ed25519_verify(sig, pub, msg, ml);
		if (r != HZ_OK && r != HZ_ERR_AUTH && r != HZ_ERR_BAD_KEY)
			v = wp_fail(c, "unexpected return %d", r);
		else
			v = wp_expect(c, r == HZ_OK, 0);
	}
	free(pub);
	free(msg);
	free(sig);
	return v;
}

static const struct wp_entry wp_c25519_table[] = {
	{ "x25519_test.json", wp_x25519 },
	{ "ed25519_test.json", wp_ed25519 },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return wp_run(argc, argv, wp_c25519_table);
}
