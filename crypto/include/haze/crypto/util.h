/* haze crypto: constant-time helpers, secure wipe, CPU dispatch.
 *
 * Nothing here allocates or calls the OS. Functions that take secrets run
 * in time that depends only on their lengths (ctgrind-checked). */
#ifndef HAZE_CRYPTO_UTIL_H
#define HAZE_CRYPTO_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the len bytes at a and b are equal, else 0. Reads every byte. */
int hz_crypto_ct_eq(const void *a, const void *b, size_t len);

/* out = pick ? b : a, for pick 0 or 1, without a branch on pick. out may
 * alias a or b. */
void hz_crypto_ct_select(void *out, const void *a, const void *b, size_t len, uint32_t pick);

/* Overwrite len bytes with zeros in a way the compiler may not remove. */
void hz_crypto_wipe(void *p, size_t len);

/* CPU features seen by the dispatcher (x86-64, where SSE2 is always set;
 * 0 elsewhere or in a
 * -Dcrypto_portable=true build). AVX and AVX-512 bits are set only when the
 * OS saves the registers (XCR0). */
#define HZ_CRYPTO_CPU_SSSE3      (1u << 0)
#define HZ_CRYPTO_CPU_SSE41      (1u << 1)
#define HZ_CRYPTO_CPU_AESNI      (1u << 2)
#define HZ_CRYPTO_CPU_PCLMUL     (1u << 3)
#define HZ_CRYPTO_CPU_AVX        (1u << 4)
#define HZ_CRYPTO_CPU_AVX2       (1u << 5)
#define HZ_CRYPTO_CPU_BMI2       (1u << 6)
#define HZ_CRYPTO_CPU_ADX        (1u << 7)
#define HZ_CRYPTO_CPU_SHANI      (1u << 8)
#define HZ_CRYPTO_CPU_AVX512F    (1u << 9)
#define HZ_CRYPTO_CPU_AVX512VL   (1u << 10)
#define HZ_CRYPTO_CPU_AVX512BW   (1u << 11)
#define HZ_CRYPTO_CPU_AVX512IFMA (1u << 12)
#define HZ_CRYPTO_CPU_VAES       (1u << 13)
#define HZ_CRYPTO_CPU_VPCLMULQDQ (1u << 14)
#define HZ_CRYPTO_CPU_SSE2       (1u << 15) /* every x86-64 CPU */
#define HZ_CRYPTO_CPU_ALL        0xffffu

/* The features in use: detected once (cpuid), then masked by
 * hz_crypto_cpu_restrict. */
uint32_t hz_crypto_cpu_features(void);

/* Use only the detected features that are also in mask, for this process
 * (HZ_CRYPTO_CPU_ALL restores them all; 0 forces every portable path).
 * Tests use it to run each path in one binary. A context set up before the
 * call (key schedule, GHASH key) keeps the path it chose. Not thread-safe:
 * call it before using crypto from other threads. */
void hz_crypto_cpu_restrict(uint32_t mask);

/* 1 when the library was built with every accelerated path compiled out
 * (-Dcrypto_portable=true), else 0. */
int hz_crypto_portable_build(void);

#endif
