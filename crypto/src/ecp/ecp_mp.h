/* Multi-precision helpers for the ecp area: little-endian arrays of 64-bit
 * limbs, a fixed limb count n (4 for P-256, 6 for P-384), Montgomery
 * multiplication (CIOS). Every function here runs in time that depends on
 * n only: no branch and no index depends on limb values. They are
 * always_inline so that each caller gets a copy specialised for its
 * constant n and modulus (the modulus arrays are static const, so the
 * compiler folds the special limbs of p, e.g. the zero limb of P-256's p). */
#ifndef HAZE_CRYPTO_ECP_MP_H
#define HAZE_CRYPTO_ECP_MP_H

#include "../inner.h"

/* gcc's vectorisers pack limb selects and shifts into SSE registers
 * loaded from just-stored 64-bit words: a store-forwarding stall that
 * made a field addition cost more than a multiplication. Scalar code is
 * faster here. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize")
#endif

__extension__ typedef unsigned __int128 ecp_u128;

/* Carry chains: gcc turns 128-bit additions into poor code (zeroed
 * registers, spills), so on x86-64 the add-with-carry intrinsics, which
 * are baseline instructions (adc / sbb), are used instead. The
 * -Dcrypto_portable=true build keeps the plain C version so that CI runs
 * the code other architectures get. */
#if defined(__x86_64__) && !defined(HZ_CRYPTO_PORTABLE)
#include <x86intrin.h>
static inline unsigned char ecp_adc(unsigned char c, uint64_t a, uint64_t b, uint64_t *r)
{
	unsigned long long t;
	c = _addcarry_u64(c, a, b, &t);
	*r = t;
	return c;
}
static inline unsigned char ecp_sbb(unsigned char c, uint64_t a, uint64_t b, uint64_t *r)
{
	unsigned long long t;
	c = _subborrow_u64(c, a, b, &t);
	*r = t;
	return c;
}
#else
static inline unsigned char ecp_adc(unsigned char c, uint64_t a, uint64_t b, uint64_t *r)
{
	ecp_u128 z = (ecp_u128)a + b + c;
	*r = (uint64_t)z;
	return (unsigned char)(z >> 64);
}
static inline unsigned char ecp_sbb(unsigned char c, uint64_t a, uint64_t b, uint64_t *r)
{
	ecp_u128 z = (ecp_u128)a - b - c;
	*r = (uint64_t)z;
	return (unsigned char)((z >> 64) & 1);
}
#endif
#define ECP_ADC(c, a, b, r) ecp_adc((unsigned char)(c), (a), (b), (r))
#define ECP_SBB(c, a, b, r) ecp_sbb((unsigned char)(c), (a), (b), (r))

#define ECP_MAXL 6
#define ECP_INLINE static inline __attribute__((always_inline))

#if defined(__clang__)
#define ECP_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define ECP_UNROLL _Pragma("GCC unroll 8")
#else
#define ECP_UNROLL
#endif

/* r = a + b; returns the carry (0 or 1). r may alias a or b. */
ECP_INLINE uint64_t mp_add(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
	unsigned char c = 0;
	ECP_UNROLL
	for (size_t i = 0; i < n; i++)
		c = ECP_ADC(c, a[i], b[i], &r[i]);
	return c;
}

/* r = a - b; returns the borrow (0 or 1). r may alias a or b. */
ECP_INLINE uint64_t mp_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
	unsigned char bw = 0;
	ECP_UNROLL
	for (size_t i = 0; i < n; i++)
		bw = ECP_SBB(bw, a[i], b[i], &r[i]);
	return bw;
}

/* r = (mask & a) | (~mask & b), mask all ones or zero. */
ECP_INLINE void mp_sel(uint64_t *r, uint64_t mask, const uint64_t *a, const uint64_t *b, size_t n)
{
	ECP_UNROLL
	for (size_t i = 0; i < n; i++)
		r[i] = b[i] ^ (mask & (a[i] ^ b[i]));
}

/* r = a + b mod m, for a, b < m. */
ECP_INLINE void mp_modadd(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m,
			  size_t n)
{
	uint64_t t[ECP_MAXL], u[ECP_MAXL];
	uint64_t c = mp_add(t, a, b, n);
	uint64_t bw = mp_sub(u, t, m, n);
	/* The sum stays as is only when it did not carry out and is below m. */
	mp_sel(r, hz_ct_mask64(bw & (c ^ 1)), t, u, n);
}

/* r = a - b mod m, for a, b < m. */
ECP_INLINE void mp_modsub(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m,
			  size_t n)
{
	uint64_t t[ECP_MAXL], mm[ECP_MAXL];
	uint64_t mask = hz_ct_mask64(mp_sub(t, a, b, n));
	ECP_UNROLL
	for (size_t i = 0; i < n; i++)
		mm[i] = m[i] & mask;
	mp_add(r, t, mm, n);
}

/* r = a * b / 2^(64n) mod m (Montgomery product, CIOS). Needs a * b < m *
 * 2^(64n), e.g. a < 2^(64n) and b < m; the result is < m. m0 = -1/m mod
 * 2^64. r may alias a or b. */
ECP_INLINE void mp_montmul(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m,
			   uint64_t m0, size_t n)
{
	uint64_t t[ECP_MAXL + 2];
	uint64_t u[ECP_MAXL];

	ECP_UNROLL
	for (size_t i = 0; i < n + 2; i++)
		t[i] = 0;
	ECP_UNROLL
	for (size_t i = 0; i < n; i++) {
		uint64_t c = 0, q;
		ecp_u128 z;
		ECP_UNROLL
		for (size_t j = 0; j < n; j++) {
			z = (ecp_u128)a[j] * b[i] + t[j] + c;
			t[j] = (uint64_t)z;
			c = (uint64_t)(z >> 64);
		}
		z = (ecp_u128)t[n] + c;
		t[n] = (uint64_t)z;
		t[n + 1] = (uint64_t)(z >> 64);
		q = t[0] * m0;
		z = (ecp_u128)q * m[0] + t[0];
		c = (uint64_t)(z >> 64);
		ECP_UNROLL
		for (size_t j = 1; j < n; j++) {
			z = (ecp_u128)q * m[j] + t[j] + c;
			t[j - 1] = (uint64_t)z;
			c = (uint64_t)(z >> 64);
		}
		z = (ecp_u128)t[n] + c;
		t[n - 1] = (uint64_t)z;
		t[n] = t[n + 1] + (uint64_t)(z >> 64);
	}
	/* t < 2m: one conditional subtraction. */
	{
		uint64_t bw = mp_sub(u, t, m, n);
		mp_sel(r, hz_ct_mask64(bw & (t[n] ^ 1)), t, u, n);
	}
}

/* 1 when a < b (constant time). */
ECP_INLINE uint64_t mp_lt(const uint64_t *a, const uint64_t *b, size_t n)
{
	uint64_t t[ECP_MAXL];
	return mp_sub(t, a, b, n);
}

/* 1 when a == 0 (constant time). */
ECP_INLINE uint64_t mp_is_zero(const uint64_t *a, size_t n)
{
	uint64_t acc = 0;
	ECP_UNROLL
	for (size_t i = 0; i < n; i++)
		acc |= a[i];
	return 1 ^ hz_ct_nonzero64(acc);
}

/* 1 when a == b (constant time). */
ECP_INLINE uint64_t mp_eq(const uint64_t *a, const uint64_t *b, size_t n)
{
	uint64_t acc = 0;
	ECP_UNROLL
	for (size_t i = 0; i < n; i++)
		acc |= a[i] ^ b[i];
	return 1 ^ hz_ct_nonzero64(acc);
}

/* Big-endian bytes (8n of them) to limbs and back. */
ECP_INLINE void mp_from_be(uint64_t *r, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r[i] = hz_be64_load(b + 8 * (n - 1 - i));
}

ECP_INLINE void mp_to_be(uint8_t *b, const uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hz_be64_store(b + 8 * (n - 1 - i), a[i]);
}

#endif
