/* Private helpers shared by the crypto sources: byte order, constant-time
 * masks, the accelerated-path switch. Not installed. */
#ifndef HAZE_CRYPTO_INNER_H
#define HAZE_CRYPTO_INNER_H

#include "haze/crypto.h"

/* HZ_CRYPTO_ACCEL is 1 when x86-64 accelerated code is compiled in. Such
 * code uses __attribute__((target("..."))) per function, so the rest of the
 * library stays baseline x86-64, and is chosen at run time from
 * hz_crypto_cpu_features(). */
#if defined(__x86_64__) && !defined(HZ_CRYPTO_PORTABLE)
#define HZ_CRYPTO_ACCEL 1
#else
#define HZ_CRYPTO_ACCEL 0
#endif

#define HZ_CRYPTO_TARGET(x) __attribute__((target(x)))

/* Little-endian byte order, unaligned-safe (big-endian is core's
 * hz_be32_load / hz_be64_store ...). */
static inline uint32_t hz_crypto_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hz_crypto_le64(const uint8_t *p)
{
	return (uint64_t)hz_crypto_le32(p) | (uint64_t)hz_crypto_le32(p + 4) << 32;
}
static inline void hz_crypto_st_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void hz_crypto_st_le64(uint8_t *p, uint64_t v)
{
	hz_crypto_st_le32(p, (uint32_t)v);
	hz_crypto_st_le32(p + 4, (uint32_t)(v >> 32));
}

/* Constant-time building blocks. The empty asm hides the value from the
 * optimiser so that mask arithmetic is not turned back into a branch. */
static inline uint32_t hz_ct_barrier32(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}
static inline uint64_t hz_ct_barrier64(uint64_t x)
{
	__asm__("" : "+r"(x));
	return x;
}
/* All ones when bit is 1, zero when 0. */
static inline uint32_t hz_ct_mask32(uint32_t bit)
{
	return (uint32_t)0 - hz_ct_barrier32(bit);
}
static inline uint64_t hz_ct_mask64(uint64_t bit)
{
	return (uint64_t)0 - hz_ct_barrier64(bit);
}
/* 1 when x != 0. */
static inline uint32_t hz_ct_nonzero32(uint32_t x)
{
	return (x | (uint32_t)-x) >> 31;
}
static inline uint64_t hz_ct_nonzero64(uint64_t x)
{
	return (x | (uint64_t)-x) >> 63;
}
/* 1 when a == b. */
static inline uint32_t hz_ct_eq32(uint32_t a, uint32_t b)
{
	return 1u ^ hz_ct_nonzero32(a ^ b);
}
/* 1 when a < b (unsigned). */
static inline uint32_t hz_ct_lt32(uint32_t a, uint32_t b)
{
	return (uint32_t)(((uint64_t)a - (uint64_t)b) >> 63);
}
static inline uint32_t hz_ct_sel32(uint32_t pick, uint32_t a, uint32_t b)
{
	uint32_t m = hz_ct_mask32(pick);
	return a ^ (m & (a ^ b));
}
static inline uint64_t hz_ct_sel64(uint64_t pick, uint64_t a, uint64_t b)
{
	uint64_t m = hz_ct_mask64(pick);
	return a ^ (m & (a ^ b));
}
/* Keep len bytes when ok is 1, zero them when 0, without a branch: how a
 * failed check (AEAD tag, signing self-check, invalid key) withholds its
 * output. */
static inline void hz_ct_keep_bytes(uint8_t *p, size_t len, uint64_t ok)
{
	uint8_t m = (uint8_t)hz_ct_mask64(ok);
	for (size_t i = 0; i < len; i++)
		p[i] &= m;
}

#endif
