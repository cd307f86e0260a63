/* Private to the hash area: the compression functions and the SHA-NI
 * entry point the dispatcher picks. */
#ifndef HAZE_CRYPTO_HASH_INNER_H
#define HAZE_CRYPTO_HASH_INNER_H

#include "../inner.h"

/* Compress n 64-byte blocks at p into h (FIPS 180-4 6.2.2). */
void hz_crypto_sha256_blocks_portable(uint32_t h[8], const uint8_t *p, size_t n);
/* Compress n 128-byte blocks at p into h (FIPS 180-4 6.4.2). */
void hz_crypto_sha512_blocks_portable(uint64_t h[8], const uint8_t *p, size_t n);

#if HZ_CRYPTO_ACCEL
/* The same with the SHA extensions; needs SHANI, SSSE3 and SSE4.1. */
void hz_crypto_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t n);
#define HZ_CRYPTO_SHA256_SHANI_FEATURES (HZ_CRYPTO_CPU_SHANI | HZ_CRYPTO_CPU_SSSE3 | HZ_CRYPTO_CPU_SSE41)
/* SHA-512 with the schedule in AVX2; needs AVX2 and BMI2. */
void hz_crypto_sha512_blocks_avx2(uint64_t h[8], const uint8_t *p, size_t n);
#define HZ_CRYPTO_SHA512_AVX2_FEATURES (HZ_CRYPTO_CPU_AVX2 | HZ_CRYPTO_CPU_BMI2)
#endif

/* The round constants (FIPS 180-4 4.2.2 and 4.2.3). */
extern const uint32_t hz_crypto_sha256_k[64];
extern const uint64_t hz_crypto_sha512_k[80];

#endif
