/* crypto util: constant-time compare/select, wipe, CPU dispatch mask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "haze/crypto.h"

static void test_ct_eq(void **state)
{
	(void)state;
	uint8_t a[64], b[64];
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	assert_int_equal(hz_crypto_ct_eq(a, b, sizeof(a)), 1);
	assert_int_equal(hz_crypto_ct_eq(a, b, 0), 1);
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(hz_crypto_ct_eq(a, b, sizeof(a)), 0);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
}

static void test_ct_select(void **state)
{
	(void)state;
	uint8_t a[33], b[33], out[33];
	memset(a, 0xa5, sizeof(a));
	memset(b, 0x3c, sizeof(b));
	hz_crypto_ct_select(out, a, b, sizeof(out), 0);
	assert_memory_equal(out, a, sizeof(a));
	hz_crypto_ct_select(out, a, b, sizeof(out), 1);
	assert_memory_equal(out, b, sizeof(b));
	/* aliasing: out == a */
	hz_crypto_ct_select(a, a, b, sizeof(a), 1);
	assert_memory_equal(a, b, sizeof(b));
}

static void test_wipe(void **state)
{
	(void)state;
	uint8_t buf[40];
	memset(buf, 0xff, sizeof(buf));
	hz_crypto_wipe(buf + 1, 38);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[39], 0xff);
	for (int i = 1; i < 39; i++)
		assert_int_equal(buf[i], 0);
}

static void test_cpu_restrict(void **state)
{
	(void)state;
	uint32_t all = hz_crypto_cpu_features();
	if (hz_crypto_portable_build())
		assert_int_equal(all, 0);
	hz_crypto_cpu_restrict(0);
	assert_int_equal(hz_crypto_cpu_features(), 0);
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_AESNI);
	assert_int_equal(hz_crypto_cpu_features(), all & HZ_CRYPTO_CPU_AESNI);
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	assert_int_equal(hz_crypto_cpu_features(), all);
	/* AVX2 is only reported together with AVX (OS saves ymm state). */
	if (all & HZ_CRYPTO_CPU_AVX2)
		assert_true(all & HZ_CRYPTO_CPU_AVX);
	if (all & HZ_CRYPTO_CPU_AVX512F)
		assert_true(all & HZ_CRYPTO_CPU_AVX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_eq),
		cmocka_unit_test(test_ct_select),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_cpu_restrict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
