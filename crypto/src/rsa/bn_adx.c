/* Montgomery multiplication and squaring with BMI2 (mulx) and ADX (adcx,
 * adox): each row of products runs two independent carry chains, one on
 * CF for the low halves and one on OF for the high halves, so the adds do
 * not wait for each other. Chosen by bn_mul_pick when the CPU has BMI2
 * and ADX: fully unrolled kernels for 16 and 32 limbs (bn_adx_fixed.h,
 * generated), the looped rows below otherwise. Same contracts and
 * constant-time behaviour as bn.c: the instruction sequence depends only
 * on the limb count. Valgrind hides ADX, so ctgrind does not see this
 * code; test_rsa.c compares it with the portable one. Also the AVX2
 * masked table scan of the exponentiation. */
#include "bn.h"

#if HZ_CRYPTO_ACCEL
#include <immintrin.h>

/* r = T[w] (cnt entries of nl limbs, nl a multiple of 4) for a secret w:
 * every entry is read and masked, four limbs per instruction; the mask
 * comes from a vector compare of the entry index with w. */
HZ_CRYPTO_TARGET("avx2")
void bn_ct_lookup_avx2(uint64_t *r, const uint64_t *T, uint32_t w, size_t nl, uint32_t cnt)
{
	const __m256i one = _mm256_set1_epi64x(1), wv = _mm256_set1_epi64x((long long)w);

	if (nl == 16) {
		/* The whole entry in four accumulators: one pass over T. */
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, iv = a0;
		for (uint32_t i = 0; i < cnt; i++, T += 16) {
			__m256i mask = _mm256_cmpeq_epi64(iv, wv);
			iv = _mm256_add_epi64(iv, one);
			a0 = _mm256_or_si256(a0, _mm256_and_si256(mask, _mm256_loadu_si256((const __m256i *)(const void *)T)));
			a1 = _mm256_or_si256(a1, _mm256_and_si256(mask, _mm256_loadu_si256((const __m256i *)(const void *)(T + 4))));
			a2 = _mm256_or_si256(a2, _mm256_and_si256(mask, _mm256_loadu_si256((const __m256i *)(const void *)(T + 8))));
			a3 = _mm256_or_si256(a3, _mm256_and_si256(mask, _mm256_loadu_si256((const __m256i *)(const void *)(T + 12))));
		}
		_mm256_storeu_si256((__m256i *)(void *)r, a0);
		_mm256_storeu_si256((__m256i *)(void *)(r + 4), a1);
		_mm256_storeu_si256((__m256i *)(void *)(r + 8), a2);
		_mm256_storeu_si256((__m256i *)(void *)(r + 12), a3);
		return;
	}
	for (size_t j = 0; j < nl; j += 4) {
		__m256i acc = _mm256_setzero_si256(), iv = acc;
		for (uint32_t i = 0; i < cnt; i++) {
			__m256i mask = _mm256_cmpeq_epi64(iv, wv);
			iv = _mm256_add_epi64(iv, one);
			__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(T + i * nl + j));
			acc = _mm256_or_si256(acc, _mm256_and_si256(v, mask));
		}
		_mm256_storeu_si256((__m256i *)(void *)(r + j), acc);
	}
}

/* t[0..n) += a[0..n) b; returns the carry limb (n >= 1). Two limbs per
 * loop turn; an odd n enters at the second half. The loop is closed with
 * lea/jrcxz, which leave CF and OF alone. */
HZ_CRYPTO_TARGET("bmi2,adx")
static inline uint64_t row(uint64_t *t, const uint64_t *a, uint64_t b, size_t n)
{
	uint64_t hi0, lo, hi1;
	size_t cnt = (n + 1) / 2;

	__asm__ volatile(
		"test $1, %[n]\n\t"
		"jz 5f\n\t"
		"lea -8(%[a]), %[a]\n\t"
		"lea -8(%[t]), %[t]\n\t"
		"xor %k[hi1], %k[hi1]\n\t" /* clears CF and OF */
		"jmp 3f\n"
		"5:\n\t"
		"xor %k[hi0], %k[hi0]\n"
		"1:\n\t"
		"mulx (%[a]), %[lo], %[hi1]\n\t"
		"adox (%[t]), %[lo]\n\t"
		"adcx %[hi0], %[lo]\n\t"
		"mov %[lo], (%[t])\n"
		"3:\n\t"
		"mulx 8(%[a]), %[lo], %[hi0]\n\t"
		"adox 8(%[t]), %[lo]\n\t"
		"adcx %[hi1], %[lo]\n\t"
		"mov %[lo], 8(%[t])\n\t"
		"lea 16(%[a]), %[a]\n\t"
		"lea 16(%[t]), %[t]\n\t"
		"lea -1(%[cnt]), %[cnt]\n\t"
		"jrcxz 4f\n\t"
		"jmp 1b\n"
		"4:\n\t"
		"mov $0, %k[lo]\n\t"
		"adox %[lo], %[hi0]\n\t"
		"adcx %[lo], %[hi0]\n\t"
		: [a] "+&r"(a), [t] "+&r"(t), [cnt] "+&c"(cnt), [hi0] "=&r"(hi0), [hi1] "=&r"(hi1),
		  [lo] "=&r"(lo)
		: [n] "r"(n), "d"(b)
		: "cc", "memory");
	return hi0;
}

/* row() for n a multiple of 4 (n >= 4): four limbs per loop turn, no odd
 * entry. Same two chains, same flag-preserving loop closure. */
HZ_CRYPTO_TARGET("bmi2,adx")
static inline uint64_t row4(uint64_t *t, const uint64_t *a, uint64_t b, size_t n)
{
	uint64_t c, lo0, lo1, hi;
	size_t cnt = n / 4;

	__asm__ volatile(
		"xor %k[c], %k[c]\n" /* clears CF and OF */
		"1:\n\t"
		"mulx (%[a]), %[lo0], %[hi]\n\t"
		"adcx %[c], %[lo0]\n\t"
		"adox (%[t]), %[lo0]\n\t"
		"mov %[lo0], (%[t])\n\t"
		"mulx 8(%[a]), %[lo1], %[c]\n\t"
		"adcx %[hi], %[lo1]\n\t"
		"adox 8(%[t]), %[lo1]\n\t"
		"mov %[lo1], 8(%[t])\n\t"
		"mulx 16(%[a]), %[lo0], %[hi]\n\t"
		"adcx %[c], %[lo0]\n\t"
		"adox 16(%[t]), %[lo0]\n\t"
		"mov %[lo0], 16(%[t])\n\t"
		"mulx 24(%[a]), %[lo1], %[c]\n\t"
		"adcx %[hi], %[lo1]\n\t"
		"adox 24(%[t]), %[lo1]\n\t"
		"mov %[lo1], 24(%[t])\n\t"
		"lea 32(%[a]), %[a]\n\t"
		"lea 32(%[t]), %[t]\n\t"
		"lea -1(%[cnt]), %[cnt]\n\t"
		"jrcxz 4f\n\t"
		"jmp 1b\n"
		"4:\n\t"
		/* c (a high half, <= 2^64 - 2) takes both pending carries. */
		"mov $0, %k[lo0]\n\t"
		"adox %[lo0], %[c]\n\t"
		"adcx %[lo0], %[c]\n\t"
		: [a] "+&r"(a), [t] "+&r"(t), [cnt] "+&c"(cnt), [c] "=&r"(c), [hi] "=&r"(hi),
		  [lo0] "=&r"(lo0), [lo1] "=&r"(lo1)
		: "d"(b)
		: "cc", "memory");
	return c;
}

/* T[i..i+nl] += x y; carry into T[i+nl+1]. */
HZ_CRYPTO_TARGET("bmi2,adx")
static inline void row_add(uint64_t *T, size_t i, const uint64_t *x, uint64_t y, size_t nl)
{
	u128 u = (u128)T[i + nl] + ((nl & 3) ? row(T + i, x, y, nl) : row4(T + i, x, y, nl));
	T[i + nl] = (uint64_t)u;
	T[i + nl + 1] += (uint64_t)(u >> 64);
}

/* t (nl limbs and t[nl] in {0, 1}) minus m when t >= m; t < 2m. */
static inline __attribute__((always_inline)) void final_sub_adx(uint64_t *r, const uint64_t *t, const uint64_t *m, size_t nl)
{
	uint64_t d[BN_MAX_LIMBS];
	uint64_t borrow = 0;

	for (size_t j = 0; j < nl; j++) {
		u128 x = (u128)t[j] - m[j] - borrow;
		d[j] = (uint64_t)x;
		borrow = (uint64_t)(x >> 64) & 1;
	}
	uint64_t keep = hz_ct_mask64(borrow & (hz_ct_nonzero64(t[nl]) ^ 1));
	for (size_t j = 0; j < nl; j++)
		r[j] = d[j] ^ (keep & (d[j] ^ t[j]));
}

#include "bn_adx_fixed.h"

/* Interleaved rows on a 2 nl + 2 limb window: row i adds a b[i] and the
 * multiple of m that zeroes T[i], so T[nl..2nl] ends as a b / R. */
HZ_CRYPTO_TARGET("bmi2,adx")
void bn_mont_mul_adx(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M)
{
	uint64_t T[2 * BN_MAX_LIMBS + 2];
	size_t nl = M->nl;

	for (size_t j = 0; j < 2 * nl + 2; j++)
		T[j] = 0;
	for (size_t i = 0; i < nl; i++) {
		row_add(T, i, a, b[i], nl);
		row_add(T, i, M->m, T[i] * M->n0, nl);
	}
	final_sub_adx(r, T + nl, M->m, nl);
}

/* a^2: cross products once, doubled, plus the squares; then REDC. */
HZ_CRYPTO_TARGET("bmi2,adx")
void bn_mont_sqr_adx(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M)
{
	uint64_t T[2 * BN_MAX_LIMBS + 2];
	size_t nl = M->nl;
	(void)b;

	for (size_t j = 0; j < 2 * nl + 2; j++)
		T[j] = 0;
	for (size_t i = 0; i + 1 < nl; i++)
		T[i + nl] = row(T + 2 * i + 1, a + i + 1, a[i], nl - i - 1);
	uint64_t hi = 0;
	for (size_t k = 0; k < 2 * nl; k++) {
		uint64_t x = T[k];
		T[k] = x << 1 | hi;
		hi = x >> 63;
	}
	uint64_t c = 0;
	for (size_t i = 0; i < nl; i++) {
		u128 sq = (u128)a[i] * a[i];
		u128 u = (u128)T[2 * i] + (uint64_t)sq + c;
		T[2 * i] = (uint64_t)u;
		u = (u128)T[2 * i + 1] + (uint64_t)(sq >> 64) + (uint64_t)(u >> 64);
		T[2 * i + 1] = (uint64_t)u;
		c = (uint64_t)(u >> 64);
	}
	/* REDC; the carry out of each step goes one limb up via `top`, as
	 * T above the window holds product limbs. */
	uint64_t top = 0;
	for (size_t i = 0; i < nl; i++) {
		uint64_t q = T[i] * M->n0;
		uint64_t cc = (nl & 3) ? row(T + i, M->m, q, nl) : row4(T + i, M->m, q, nl);
		u128 u = (u128)T[i + nl] + cc + top;
		T[i + nl] = (uint64_t)u;
		top = (uint64_t)(u >> 64);
	}
	T[2 * nl] = top;
	final_sub_adx(r, T + nl, M->m, nl);
}

void bn_mul_pick_adx(struct bn_mont *M)
{
	switch (M->nl) {
	case 16: M->mul = mul_fixed_16; M->sqr = sqr_fixed_16; break;
	case 32: M->mul = mul_fixed_32; M->sqr = sqr_fixed_32; break;
	default: M->mul = bn_mont_mul_adx; M->sqr = bn_mont_sqr_adx; break;
	}
}

#endif
