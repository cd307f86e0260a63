/*
 * crypto-diff: the differential checks of crypto/tests (diff_<area>.c)
 * driven by the fuzzer instead of a seeded generator. Byte 0 picks the
 * check across every area's table; the rest is that check's input, read
 * through struct diff_in (zeros past the end, so every input is valid).
 * A disagreement with OpenSSL's libcrypto aborts (diff_fail). Byte 1's
 * low bit runs the case on the portable paths instead of the accelerated
 * ones.
 */
#include "diff.h"
#include "haze/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct diff_entry *const tables[] = {
	diff_hash_table, diff_aes_table, diff_chacha_table,
	diff_c25519_table, diff_ecp_table, diff_rsa_table,
};

static const struct diff_entry *pick(unsigned n)
{
	unsigned total = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct diff_entry *e = tables[t]; e->name; e++)
			total++;
	n %= total;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct diff_entry *e = tables[t]; e->name; e++)
			if (n-- == 0)
				return e;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct diff_entry *e = pick(data[0]);
	hz_crypto_cpu_restrict(data[1] & 1 ? 0 : HZ_CRYPTO_CPU_ALL);
	struct diff_in in = { data + 2, size - 2 };
	e->fn(&in);
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	return 0;
}
