/* CPU feature detection for the accelerated paths (x86-64 cpuid + XCR0). */
#include "../inner.h"

#if HZ_CRYPTO_ACCEL
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t detect(void)
{
	unsigned a, b, c, d;
	uint32_t f = 0;
	unsigned max = __get_cpuid_max(0, 0);

	if (max < 1)
		return 0;
	__cpuid(1, a, b, c, d);
	if (d & bit_SSE2)
		f |= HZ_CRYPTO_CPU_SSE2;
	if (c & bit_SSSE3)
		f |= HZ_CRYPTO_CPU_SSSE3;
	if (c & bit_SSE4_1)
		f |= HZ_CRYPTO_CPU_SSE41;
	if (c & bit_AES)
		f |= HZ_CRYPTO_CPU_AESNI;
	if (c & bit_PCLMUL)
		f |= HZ_CRYPTO_CPU_PCLMUL;
	int ymm = 0, zmm = 0;
	if ((c & bit_OSXSAVE) && (c & bit_AVX)) {
		uint64_t xcr0 = xgetbv0();
		ymm = (xcr0 & 0x6) == 0x6;
		zmm = ymm && (xcr0 & 0xe0) == 0xe0;
		if (ymm)
			f |= HZ_CRYPTO_CPU_AVX;
	}
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		if (ymm && (b & bit_AVX2))
			f |= HZ_CRYPTO_CPU_AVX2;
		if (b & bit_BMI2)
			f |= HZ_CRYPTO_CPU_BMI2;
		if (b & bit_ADX)
			f |= HZ_CRYPTO_CPU_ADX;
		if (b & bit_SHA)
			f |= HZ_CRYPTO_CPU_SHANI;
		if (zmm && (b & bit_AVX512F)) {
			f |= HZ_CRYPTO_CPU_AVX512F;
			if (b & bit_AVX512VL)
				f |= HZ_CRYPTO_CPU_AVX512VL;
			if (b & bit_AVX512BW)
				f |= HZ_CRYPTO_CPU_AVX512BW;
			if (b & bit_AVX512IFMA)
				f |= HZ_CRYPTO_CPU_AVX512IFMA;
		}
		/* VAES/VPCLMULQDQ on 256-bit registers need only AVX state. */
		if (ymm && (c & bit_VAES))
			f |= HZ_CRYPTO_CPU_VAES;
		if (ymm && (c & bit_VPCLMULQDQ))
			f |= HZ_CRYPTO_CPU_VPCLMULQDQ;
	}
	return f;
}
#else
static uint32_t detect(void)
{
	return 0;
}
#endif

/* Benign race: every thread computes the same value. */
static uint32_t cpu_detected;
static int cpu_done;
static uint32_t cpu_mask = HZ_CRYPTO_CPU_ALL;

uint32_t hz_crypto_cpu_features(void)
{
	if (!cpu_done) {
		cpu_detected = detect();
		cpu_done = 1;
	}
	return cpu_detected & cpu_mask;
}

void hz_crypto_cpu_restrict(uint32_t mask)
{
	cpu_mask = mask;
}

int hz_crypto_portable_build(void)
{
	return !HZ_CRYPTO_ACCEL;
}
