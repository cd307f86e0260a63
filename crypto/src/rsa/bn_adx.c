/* Montgomery multiplication and squaring with BMI2 (mulx) and ADX (adcx,
 * adox): each row of products runs two independent carry chains, one on
 * CF for the low halves and one on OF for the high halves, so the adds do
 * not wait for each other. Chosen by bn_mul_pick when the CPU has BMI2
 * and ADX. Same contracts and constant-time behaviour as bn.c: the
 * instruction sequence depends only on the limb count. */
#include "bn.h"

#if HZ_CRYPTO_ACCEL

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

/* T[i..i+nl] += x y; carry into T[i+nl+1]. */
HZ_CRYPTO_TARGET("bmi2,adx")
static inline void row_add(uint64_t *T, size_t i, const uint64_t *x, uint64_t y, size_t nl)
{
	u128 u = (u128)T[i + nl] + row(T + i, x, y, nl);
	T[i + nl] = (uint64_t)u;
	T[i + nl + 1] += (uint64_t)(u >> 64);
}

/* t (nl limbs and t[nl] in {0, 1}) minus m when t >= m; t < 2m. */
static void final_sub_adx(uint64_t *r, const uint64_t *t, const uint64_t *m, size_t nl)
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
		u128 u = (u128)T[i + nl] + row(T + i, M->m, T[i] * M->n0, nl) + top;
		T[i + nl] = (uint64_t)u;
		top = (uint64_t)(u >> 64);
	}
	T[2 * nl] = top;
	final_sub_adx(r, T + nl, M->m, nl);
}

#endif
