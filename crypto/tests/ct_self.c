/* ctgrind on util (ct_eq, ct_select, wipe), and a self-test: with
 * --leaky, a compare that exits early on the first difference and a
 * secret-indexed lookup run on a secret, and valgrind must report them
 * (meson: should_fail). */
#include <stdint.h>
#include <string.h>

#include "ct.h"
#include "haze/crypto.h"

/* Two classic leaks: an early exit on the first difference and an
 * S-box style lookup indexed by the secret. noinline keeps the compiler
 * from folding either into a library call that valgrind intercepts. */
__attribute__((noinline)) static int leaky_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	static const uint8_t sbox[256] = { 1, 2, 3 };
	volatile uint8_t t = sbox[a[0]];
	(void)t;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static void ct_util(void)
{
	uint8_t a[32], b[32], out[32];
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	CT_SECRET(a, sizeof(a));
	CT_SECRET(b, sizeof(b));
	int eq = hz_crypto_ct_eq(a, b, sizeof(a));
	uint32_t pick = 1;
	CT_SECRET(&pick, sizeof(pick));
	hz_crypto_ct_select(out, a, b, sizeof(out), pick);
	CT_PUBLIC(&eq, sizeof(eq));
	CT_PUBLIC(out, sizeof(out));
	if (eq != 0 || out[0] != 0x22)
		__builtin_trap();
	hz_crypto_wipe(a, sizeof(a));
}

static int leaky;
static void ct_leaky(void)
{
	uint8_t a[16] = { 1 }, b[16] = { 2 };
	CT_SECRET(a, sizeof(a));
	int eq = leaky_eq(a, b, sizeof(a));
	CT_PUBLIC(&eq, sizeof(eq));
	(void)eq;
}

int main(int argc, char **argv)
{
	static const struct ct_entry util[] = { { "util", ct_util }, { NULL, NULL } };
	static const struct ct_entry bad[] = { { "leaky-compare", ct_leaky }, { NULL, NULL } };
	leaky = argc > 1 && strcmp(argv[1], "--leaky") == 0;
	return ct_run(argc, argv, leaky ? bad : util);
}
