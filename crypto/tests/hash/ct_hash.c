/* ctgrind on the hash area: every secret-dependent path. Lengths are
 * public; bytes hashed, HMAC keys, HKDF input keying material and PRKs,
 * and the TLS PRF secret are marked secret. Each result is compared with
 * the same computation on public data, after CT_PUBLIC. (Under valgrind
 * the SHA-NI path is hidden by its cpuid, so the portable compression
 * functions are the ones checked.) */
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "haze/crypto.h"

static const enum hz_crypto_hash_alg algs[3] = { HZ_CRYPTO_SHA256, HZ_CRYPTO_SHA384, HZ_CRYPTO_SHA512 };

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 29 + (i >> 3));
}

static void same(const uint8_t *secret_out, const uint8_t *public_out, size_t n)
{
	uint8_t tmp[1024];

	memcpy(tmp, secret_out, n);
	CT_PUBLIC(tmp, n);
	if (memcmp(tmp, public_out, n) != 0)
		__builtin_trap();
}

/* SHA-256 and SHA-512 (and 384) on secret data: one-shot and streaming
 * with a partial block carried between updates, padding in one or two
 * final blocks. */
static void ct_sha(void)
{
	static const size_t lens[] = { 0, 1, 55, 56, 64, 111, 112, 128, 200, 1000 };
	uint8_t msg[1000], pub[64], out[64];

	for (int a = 0; a < 3; a++) {
		size_t hl = hz_crypto_hash_len(algs[a]);

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t n = lens[i];
			struct hz_crypto_hash h;

			fill(msg, n, (uint8_t)(a + i));
			hz_crypto_hash(algs[a], pub, msg, n);
			CT_SECRET(msg, n);
			hz_crypto_hash(algs[a], out, msg, n);
			same(out, pub, hl);
			hz_crypto_hash_init(&h, algs[a]);
			hz_crypto_hash_update(&h, msg, n / 3);
			hz_crypto_hash_update(&h, msg + n / 3, n - n / 3);
			hz_crypto_hash_final(&h, out);
			same(out, pub, hl);
			CT_PUBLIC(msg, n);
		}
	}
	/* The typed entry points too. */
	fill(msg, 300, 7);
	hz_crypto_sha256(pub, msg, 300);
	CT_SECRET(msg, 300);
	hz_crypto_sha256(out, msg, 300);
	same(out, pub, 32);
	CT_PUBLIC(msg, 300);
	hz_crypto_sha512(pub, msg, 300);
	CT_SECRET(msg, 300);
	hz_crypto_sha512(out, msg, 300);
	same(out, pub, 64);
	CT_PUBLIC(msg, 300);
}

/* HMAC with a secret key (shorter than, equal to and longer than the
 * block, so both key paths) and a secret message; the tag check with
 * hz_crypto_ct_eq on the secret tag. */
static void ct_hmac(void)
{
	static const size_t klens[] = { 0, 16, 32, 64, 65, 128, 129, 200 };
	uint8_t key[200], msg[400], pub[64], out[64];

	for (int a = 0; a < 3; a++) {
		size_t hl = hz_crypto_hash_len(algs[a]);

		for (size_t i = 0; i < sizeof(klens) / sizeof(klens[0]); i++) {
			size_t kl = klens[i], ml = 37 + 50 * i;
			struct hz_crypto_hmac m;

			fill(key, kl, (uint8_t)(3 * a + i));
			fill(msg, ml, (uint8_t)(5 * a + i));
			hz_crypto_hmac(algs[a], pub, key, kl, msg, ml);
			CT_SECRET(key, kl);
			CT_SECRET(msg, ml);
			hz_crypto_hmac(algs[a], out, key, kl, msg, ml);
			int eq = hz_crypto_ct_eq(out, pub, hl);
			CT_PUBLIC(&eq, sizeof(eq));
			if (!eq)
				__builtin_trap();
			hz_crypto_hmac_init(&m, algs[a], key, kl);
			hz_crypto_hmac_update(&m, msg, ml / 2);
			hz_crypto_hmac_update(&m, msg + ml / 2, ml - ml / 2);
			hz_crypto_hmac_final(&m, out);
			same(out, pub, hl);
			CT_PUBLIC(key, kl);
			CT_PUBLIC(msg, ml);
		}
	}
}

/* HKDF with secret ikm (salt and info public), and Expand with a secret
 * PRK; outputs long enough for several T(i) blocks. */
static void ct_hkdf(void)
{
	uint8_t ikm[80], salt[40], info[30], prk[64], pub[300], out[300];

	for (int a = 0; a < 3; a++) {
		size_t hl = hz_crypto_hash_len(algs[a]);

		fill(ikm, sizeof(ikm), (uint8_t)a);
		fill(salt, sizeof(salt), 9);
		fill(info, sizeof(info), 17);
		hz_crypto_hkdf(algs[a], pub, sizeof(pub), salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info));
		CT_SECRET(ikm, sizeof(ikm));
		if (hz_crypto_hkdf(algs[a], out, sizeof(out), salt, sizeof(salt), ikm, sizeof(ikm), info,
				   sizeof(info)) != HZ_OK)
			__builtin_trap();
		same(out, pub, sizeof(pub));
		if (hz_crypto_hkdf(algs[a], out, sizeof(out), NULL, 0, ikm, sizeof(ikm), info, sizeof(info)) != HZ_OK)
			__builtin_trap();
		hz_crypto_hkdf_extract(algs[a], prk, salt, sizeof(salt), ikm, sizeof(ikm));
		hz_crypto_hkdf_expand(algs[a], out, sizeof(out), prk, hl, info, sizeof(info));
		same(out, pub, sizeof(pub));
		CT_PUBLIC(ikm, sizeof(ikm));
	}
}

/* TLS 1.2 PRF with a secret secret (the master secret / premaster). */
static void ct_prf(void)
{
	uint8_t secret[48], seed[64], pub[200], out[200];

	for (int a = 0; a < 3; a++) {
		fill(secret, sizeof(secret), (uint8_t)(a + 40));
		fill(seed, sizeof(seed), 77);
		hz_crypto_tls12_prf(algs[a], pub, sizeof(pub), secret, sizeof(secret), "master secret", 13, seed,
				    sizeof(seed));
		CT_SECRET(secret, sizeof(secret));
		hz_crypto_tls12_prf(algs[a], out, sizeof(out), secret, sizeof(secret), "master secret", 13, seed,
				    sizeof(seed));
		same(out, pub, sizeof(pub));
		CT_PUBLIC(secret, sizeof(secret));
	}
}

int main(int argc, char **argv)
{
	static const struct ct_entry table[] = {
		{ "sha256/384/512", ct_sha },
		{ "hmac", ct_hmac },
		{ "hkdf", ct_hkdf },
		{ "tls12-prf", ct_prf },
		{ NULL, NULL },
	};
	return ct_run(argc, argv, table);
}
