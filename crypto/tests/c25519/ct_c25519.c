/* ctgrind for c25519: the scalar of X25519 (ladder and fixed base) and
 * the Ed25519 seed (public key, signing) are secret; the public key, the
 * shared secret's zero check and the signature are declared public only
 * after the call. Covers the ladder's swaps, the comb's table scans, the
 * scalar reduction mod L and the nonce path. */
#include <string.h>

#include "ct.h"
#include "haze/crypto.h"

static void ct_x25519(void)
{
	uint8_t k[32], u[32] = { 9 }, out[32];
	int r;

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 37 + 11);
	u[5] = 0x42;
	CT_SECRET(k, sizeof(k));
	r = hz_crypto_x25519(out, k, u);
	CT_PUBLIC(&r, sizeof(r));
	CT_PUBLIC(out, sizeof(out));
	if (r != HZ_OK)
		__builtin_trap();
	/* A low-order point: the all-zero check must not branch either. */
	memset(u, 0, sizeof(u));
	CT_SECRET(k, sizeof(k));
	r = hz_crypto_x25519(out, k, u);
	CT_PUBLIC(&r, sizeof(r));
	CT_PUBLIC(out, sizeof(out));
	if (r != HZ_ERR_BAD_KEY)
		__builtin_trap();
}

static void ct_x25519_base(void)
{
	uint8_t k[32], out[32];

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 91 + 3);
	CT_SECRET(k, sizeof(k));
	hz_crypto_x25519_base(out, k);
	CT_PUBLIC(out, sizeof(out));
}

static void ct_ed25519(void)
{
	uint8_t seed[32], pub[32], sig[64], msg[100];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 53 + 7);
	for (int i = 0; i < 100; i++)
		msg[i] = (uint8_t)i;
	CT_SECRET(seed, sizeof(seed));
	hz_crypto_ed25519_public(pub, seed);
	CT_PUBLIC(pub, sizeof(pub));
	hz_crypto_ed25519_sign(sig, seed, pub, msg, sizeof(msg));
	CT_PUBLIC(sig, sizeof(sig));
	CT_PUBLIC(seed, sizeof(seed));
	if (hz_crypto_ed25519_verify(sig, pub, msg, sizeof(msg)) != HZ_OK)
		__builtin_trap();
}

static const struct ct_entry ct_c25519_table[] = {
	{ "x25519", ct_x25519 },
	{ "x25519-base", ct_x25519_base },
	{ "ed25519-public-sign", ct_ed25519 },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return ct_run(argc, argv, ct_c25519_table);
}
