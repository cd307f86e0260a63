/* c25519 against OpenSSL's libcrypto: X25519 derive (random, high-bit and
 * non-canonical points), X25519 public keys, Ed25519 keys and signatures
 * (byte-identical, cross-verified, tampered copies rejected by both). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "diff.h"
#include "haze/crypto.h"

static int ossl_x25519(uint8_t out[32], const uint8_t k[32], const uint8_t u[32])
{
	EVP_PKEY *priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, k, 32);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, u, 32);
	EVP_PKEY_CTX *ctx = priv ? EVP_PKEY_CTX_new(priv, NULL) : NULL;
	size_t len = 32;
	int ok = 0;

	if (!priv || !peer || !ctx)
		diff_fail("openssl x25519 setup");
	if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, out, &len) == 1 && len == 32)
		ok = 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return ok;
}

/* A point of one of several shapes: uniform 32 bytes (bit 255 set half the
 * time), u in [p, 2^255) (non-canonical), small u, or a low-order point. */
static void pick_point(struct diff_in *in, uint8_t u[32])
{
	static const uint8_t low[2][32] = {
		{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
		  0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
		{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
		  0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
	};

	diff_take(in, u, 32);
	switch (diff_below(in, 8)) {
	case 0: /* p + small, possibly with bit 255 */
		memset(u + 1, 0xff, 31);
		u[0] = (uint8_t)(0xed + diff_below(in, 19));
		u[31] = (uint8_t)(0x7f | (diff_u8(in) & 0x80));
		break;
	case 1: /* small u */
		memset(u + 1, 0, 31);
		u[31] |= diff_u8(in) & 0x80;
		break;
	case 2:
		memcpy(u, low[diff_below(in, 2)], 32);
		u[31] |= diff_u8(in) & 0x80;
		break;
	default: /* uniform, bit 255 as drawn */
		break;
	}
}

static void diff_x25519(struct diff_in *in)
{
	uint8_t k[32], u[32], h[32], o[32];
	int hr, ok;

	diff_take(in, k, 32);
	pick_point(in, u);
	hr = hz_crypto_x25519(h, k, u);
	ok = ossl_x25519(o, k, u);
	/* OpenSSL refuses the all-zero secret too (RFC 7748 section 6.1). */
	if ((hr == HZ_OK) != ok)
		diff_fail("x25519 verdicts differ: haze %d, openssl %d", hr, ok);
	if (ok)
		diff_eq("x25519", h, o, 32);
}

static void diff_x25519_base(struct diff_in *in)
{
	uint8_t k[32], h[32], o[32];
	size_t len = 32;
	EVP_PKEY *p;

	diff_take(in, k, 32);
	hz_crypto_x25519_base(h, k);
	p = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, k, 32);
	if (!p || EVP_PKEY_get_raw_public_key(p, o, &len) != 1 || len != 32)
		diff_fail("openssl x25519 public key");
	EVP_PKEY_free(p);
	diff_eq("x25519-base", h, o, 32);
}

static int ossl_ed_verify(const uint8_t sig[64], const uint8_t pub[32], const uint8_t *msg, size_t len)
{
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = 0;

	if (!ctx)
		diff_fail("openssl ed25519 verify setup");
	/* A public key OpenSSL cannot load counts as a rejection. */
	if (p && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, p) == 1)
		ok = EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(p);
	return ok;
}

static void diff_ed25519(struct diff_in *in)
{
	uint8_t seed[32], hpub[32], opub[32], hsig[64], osig[64], msg[2048];
	size_t len = diff_below(in, sizeof(msg) + 1), plen = 32, slen = 64;
	EVP_PKEY *p;
	EVP_MD_CTX *ctx;
	int h, o;

	diff_take(in, seed, 32);
	diff_take(in, msg, len);
	hz_crypto_ed25519_public(hpub, seed);
	hz_crypto_ed25519_sign(hsig, seed, hpub, msg, len);

	p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	ctx = EVP_MD_CTX_new();
	if (!p || !ctx || EVP_PKEY_get_raw_public_key(p, opub, &plen) != 1 ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, p) != 1 ||
	    EVP_DigestSign(ctx, osig, &slen, msg, len) != 1 || slen != 64)
		diff_fail("openssl ed25519 sign");
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(p);
	diff_eq("ed25519 public key", hpub, opub, 32);
	diff_eq("ed25519 signature", hsig, osig, 64);

	/* Each side verifies the other's signature. */
	if (hz_crypto_ed25519_verify(osig, opub, msg, len) != HZ_OK)
		diff_fail("haze rejects openssl's signature (len %zu)", len);
	if (!ossl_ed_verify(hsig, hpub, msg, len))
		diff_fail("openssl rejects haze's signature (len %zu)", len);

	/* One flipped bit in the signature, the message or the key. */
	switch (diff_below(in, len ? 3 : 2)) {
	case 0: {
		uint32_t bit = diff_below(in, 512);
		hsig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		break;
	}
	case 1: {
		uint32_t bit = diff_below(in, 256);
		hpub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		break;
	}
	default: {
		uint32_t bit = diff_below(in, (uint32_t)len * 8);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		break;
	}
	}
	h = hz_crypto_ed25519_verify(hsig, hpub, msg, len);
	o = ossl_ed_verify(hsig, hpub, msg, len);
	if (h == HZ_OK || o)
		diff_fail("tampered signature accepted: haze %d, openssl %d", h, o);
}

/* Verification of arbitrary data: a random key or signature half spliced
 * into a valid signature. Both must agree (almost always on a reject). */
static void diff_ed25519_verify(struct diff_in *in)
{
	uint8_t seed[32], pub[32], sig[64], msg[64];
	size_t len = diff_below(in, sizeof(msg) + 1);
	int h, o;

	diff_take(in, seed, 32);
	diff_take(in, msg, len);
	hz_crypto_ed25519_public(pub, seed);
	hz_crypto_ed25519_sign(sig, seed, pub, msg, len);
	switch (diff_below(in, 4)) {
	case 0:
		diff_take(in, sig, 32);         /* random R */
		break;
	case 1:
		diff_take(in, sig + 32, 32);    /* random S (mostly >= L) */
		break;
	case 2:
		diff_take(in, pub, 32);         /* random A (half do not decode) */
		break;
	default: {
		/* S + L: a valid equation, non-canonical S. */
		static const uint8_t l[32] = {
			0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		};
		unsigned c = 0;
		for (int i = 0; i < 32; i++) {
			c += (unsigned)sig[32 + i] + l[i];
			sig[32 + i] = (uint8_t)c;
			c >>= 8;
		}
		break;
	}
	}
	h = hz_crypto_ed25519_verify(sig, pub, msg, len);
	o = ossl_ed_verify(sig, pub, msg, len);
	if ((h == HZ_OK) != o)
		diff_fail("ed25519 verify verdicts differ: haze %d, openssl %d", h, o);
}

const struct diff_entry diff_c25519_table[] = {
	{ "x25519", diff_x25519, 1500, 128 },
	{ "x25519-base", diff_x25519_base, 1500, 64 },
	{ "ed25519", diff_ed25519, 1000, 2200 },
	{ "ed25519-verify", diff_ed25519_verify, 1000, 256 },
	{ NULL, NULL, 0, 0 },
};

#ifndef HZ_DIFF_NO_MAIN
int main(int argc, char **argv)
{
	return diff_run(argc, argv, diff_c25519_table);
}
#endif
