/* Big-number arithmetic for RSA (see bn.h): Montgomery multiplication by
 * coarsely integrated operand scanning (Koc, Acar, Kaliski 1996) on 64-bit
 * limbs with unsigned __int128 products, specialised at compile time for
 * the limb counts of 1024..4096-bit moduli and their primes. */
#include "bn.h"

#define INLINE static inline __attribute__((always_inline))

void bn_decode(uint64_t *x, size_t nl, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < nl; i++)
		x[i] = 0;
	for (size_t i = 0; i < len; i++) {
		size_t k = len - 1 - i; /* byte weight */
		x[k >> 3] |= (uint64_t)src[i] << ((k & 7) * 8);
	}
}

void bn_encode(uint8_t *dst, size_t len, const uint64_t *x, size_t nl)
{
	for (size_t i = 0; i < len; i++) {
		size_t k = len - 1 - i;
		dst[i] = (k >> 3) < nl ? (uint8_t)(x[k >> 3] >> ((k & 7) * 8)) : 0;
	}
}

/* r = t - m when t (nl limbs and the extra limb t[nl], 0 or 1) >= m, else t.
 * t < 2m. */
INLINE void final_sub(uint64_t *r, const uint64_t *t, const uint64_t *m, size_t nl)
{
	uint64_t d[BN_MAX_LIMBS];
	uint64_t borrow = 0;

	for (size_t j = 0; j < nl; j++) {
		u128 x = (u128)t[j] - m[j] - borrow;
		d[j] = (uint64_t)x;
		borrow = (uint64_t)(x >> 64) & 1;
	}
	/* Keep t only when it is below m: no extra limb and a borrow out. */
	uint64_t keep = hz_ct_mask64(borrow & (hz_ct_nonzero64(t[nl]) ^ 1));
	for (size_t j = 0; j < nl; j++)
		r[j] = d[j] ^ (keep & (d[j] ^ t[j]));
}

/* t[0..n) += a[0..n) b; returns the carry limb. One carry chain, which
 * compilers turn into tight mul/add/adc sequences. */
INLINE uint64_t addmul(uint64_t *t, const uint64_t *a, uint64_t b, size_t n)
{
	uint64_t c = 0;

	for (size_t j = 0; j < n; j++) {
		u128 u = (u128)a[j] * b + t[j] + c;
		t[j] = (uint64_t)u;
		c = (uint64_t)(u >> 64);
	}
	return c;
}

/* r = a b / R mod m for a < R, b < m (so every intermediate t < 2m). One
 * pass per limb of b adds a b[i], then the multiple of m that clears the
 * low limb, and drops that limb. r may alias a or b. */
INLINE void mont_mul_core(uint64_t *r, const uint64_t *a, const uint64_t *b,
	const uint64_t *m, uint64_t n0, size_t nl)
{
	uint64_t t[BN_MAX_LIMBS + 2];

	for (size_t j = 0; j <= nl; j++)
		t[j] = 0;
	for (size_t i = 0; i < nl; i++) {
		u128 u = (u128)t[nl] + addmul(t, a, b[i], nl);
		t[nl] = (uint64_t)u;
		uint64_t hi = (uint64_t)(u >> 64);
		uint64_t q = t[0] * n0;
		u = (u128)t[nl] + addmul(t, m, q, nl);
		/* t[0] is now zero: shift down a limb. */
		for (size_t j = 0; j + 1 < nl; j++)
			t[j] = t[j + 1];
		t[nl - 1] = (uint64_t)u;
		t[nl] = hi + (uint64_t)(u >> 64);
	}
	final_sub(r, t, m, nl);
}

/* Montgomery squaring: the product a^2 (2 nl limbs) with every cross
 * product computed once and doubled, then nl reduction steps. About 3/4
 * of the multiplications of mont_mul_core. */
INLINE void mont_sqr_core(uint64_t *r, const uint64_t *a, const uint64_t *m, uint64_t n0, size_t nl)
{
	uint64_t t[2 * BN_MAX_LIMBS + 1];

	for (size_t j = 0; j <= 2 * nl; j++)
		t[j] = 0;
	/* Cross products a[i] a[j], i < j. */
	for (size_t i = 0; i + 1 < nl; i++)
		t[i + nl] = addmul(t + 2 * i + 1, a + i + 1, a[i], nl - i - 1);
	/* Double them and add the squares a[i]^2. */
	uint64_t hi = 0;
	for (size_t k = 0; k < 2 * nl; k++) {
		uint64_t x = t[k];
		t[k] = x << 1 | hi;
		hi = x >> 63;
	}
	uint64_t c = 0;
	for (size_t i = 0; i < nl; i++) {
		u128 sq = (u128)a[i] * a[i];
		u128 u = (u128)t[2 * i] + (uint64_t)sq + c;
		t[2 * i] = (uint64_t)u;
		u = (u128)t[2 * i + 1] + (uint64_t)(sq >> 64) + (uint64_t)(u >> 64);
		t[2 * i + 1] = (uint64_t)u;
		c = (uint64_t)(u >> 64);
	}
	/* Montgomery reduction (REDC) one limb at a time; the carry out of
	 * each step is kept in `top` and added one limb higher next step. */
	uint64_t top = 0;
	for (size_t i = 0; i < nl; i++) {
		uint64_t cc = addmul(t + i, m, t[i] * n0, nl);
		u128 u = (u128)t[i + nl] + cc + top;
		t[i + nl] = (uint64_t)u;
		top = (uint64_t)(u >> 64);
	}
	t[2 * nl] = top;
	final_sub(r, t + nl, m, nl);
}

static void mul_gen(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M)
{
	mont_mul_core(r, a, b, M->m, M->n0, M->nl);
}
static void sqr_gen(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M)
{
	(void)b;
	mont_sqr_core(r, a, M->m, M->n0, M->nl);
}

/* Fixed sizes let the compiler unroll and keep t in registers/stack slots. */
#define MONT_FIXED(n) \
	static void mul_##n(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M) \
	{ \
		mont_mul_core(r, a, b, M->m, M->n0, n); \
	} \
	static void sqr_##n(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M) \
	{ \
		(void)b; \
		mont_sqr_core(r, a, M->m, M->n0, n); \
	}
MONT_FIXED(16)
MONT_FIXED(24)
MONT_FIXED(32)
MONT_FIXED(48)
MONT_FIXED(64)

void bn_mul_pick(struct bn_mont *M)
{
#if HZ_CRYPTO_ACCEL
	uint32_t need = HZ_CRYPTO_CPU_BMI2 | HZ_CRYPTO_CPU_ADX;
	if ((hz_crypto_cpu_features() & need) == need) {
		M->mul = bn_mont_mul_adx;
		M->sqr = bn_mont_sqr_adx;
		return;
	}
#endif
	switch (M->nl) {
	case 16: M->mul = mul_16; M->sqr = sqr_16; break;
	case 24: M->mul = mul_24; M->sqr = sqr_24; break;
	case 32: M->mul = mul_32; M->sqr = sqr_32; break;
	case 48: M->mul = mul_48; M->sqr = sqr_48; break;
	case 64: M->mul = mul_64; M->sqr = sqr_64; break;
	default: M->mul = mul_gen; M->sqr = sqr_gen; break;
	}
}

/* x = 2 x mod m, x < m. */
static void mod_double(uint64_t *x, const uint64_t *m, size_t nl)
{
	uint64_t t[BN_MAX_LIMBS + 1];
	uint64_t hi = 0;

	for (size_t j = 0; j < nl; j++) {
		t[j] = x[j] << 1 | hi;
		hi = x[j] >> 63;
	}
	t[nl] = hi;
	final_sub(x, t, m, nl);
}

void bn_mont_init(struct bn_mont *M, const uint64_t *m, size_t nl, int pub)
{
	uint64_t x[BN_MAX_LIMBS];
	size_t k;

	M->nl = nl;
	for (size_t j = 0; j < nl; j++)
		M->m[j] = m[j];
	/* m0^-1 mod 2^64 by Newton: m0 is its own inverse mod 8, and each step
	 * doubles the correct bits (3, 6, 12, 24, 48, 96). */
	uint64_t inv = m[0];
	for (int i = 0; i < 5; i++)
		inv *= 2 - m[0] * inv;
	M->n0 = (uint64_t)0 - inv;
	bn_mul_pick(M);

	/* R^2 mod m: x = 2^(64 nl + 2 nl) by doublings, then five Montgomery
	 * squarings double the exponent above R each time: R 2^(2nl 2^5) = R^2. */
	for (size_t j = 0; j < nl; j++)
		x[j] = 0;
	k = 66 * nl;
	if (pub) {
		/* Start at the top bit of m (public): 2^(B-1) < m. */
		size_t top = nl;
		while (top > 1 && m[top - 1] == 0)
			top--;
		size_t b = 64 * (top - 1) + 63 - (size_t)__builtin_clzll(m[top - 1] | 1);
		x[b >> 6] = (uint64_t)1 << (b & 63);
		k -= b;
	} else {
		x[0] = 1;
	}
	while (k--)
		mod_double(x, m, nl);
	for (int i = 0; i < 5; i++)
		M->sqr(x, x, x, M);
	for (size_t j = 0; j < nl; j++)
		M->r2[j] = x[j];
	hz_crypto_wipe(x, sizeof(x));
}

void bn_mod_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M)
{
	uint64_t t[BN_MAX_LIMBS + 1];
	uint64_t c = 0;
	size_t nl = M->nl;

	for (size_t j = 0; j < nl; j++) {
		u128 u = (u128)a[j] + b[j] + c;
		t[j] = (uint64_t)u;
		c = (uint64_t)(u >> 64);
	}
	t[nl] = c;
	final_sub(r, t, M->m, nl);
}

void bn_mod_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M)
{
	uint64_t borrow = 0, c = 0;
	size_t nl = M->nl;

	for (size_t j = 0; j < nl; j++) {
		u128 x = (u128)a[j] - b[j] - borrow;
		r[j] = (uint64_t)x;
		borrow = (uint64_t)(x >> 64) & 1;
	}
	/* Add m back when it went below zero. */
	uint64_t mask = hz_ct_mask64(borrow);
	for (size_t j = 0; j < nl; j++) {
		u128 u = (u128)r[j] + (M->m[j] & mask) + c;
		r[j] = (uint64_t)u;
		c = (uint64_t)(u >> 64);
	}
}

void bn_mul(uint64_t *r, const uint64_t *a, size_t al, const uint64_t *b, size_t bl)
{
	for (size_t j = 0; j < al + bl; j++)
		r[j] = 0;
	for (size_t i = 0; i < bl; i++) {
		uint64_t c = 0;
		for (size_t j = 0; j < al; j++) {
			u128 u = (u128)a[j] * b[i] + r[i + j] + c;
			r[i + j] = (uint64_t)u;
			c = (uint64_t)(u >> 64);
		}
		r[i + al] = c;
	}
}

void bn_mont_reduce(uint64_t *r, const uint64_t *x, size_t xl, const struct bn_mont *M)
{
	uint64_t acc[BN_MAX_LIMBS], chunk[BN_MAX_LIMBS];
	size_t nl = M->nl;

	for (size_t j = 0; j < nl; j++)
		acc[j] = 0;
	/* Horner over nl-limb chunks from the top: acc R <- acc R R + chunk R. */
	for (size_t c = (xl + nl - 1) / nl; c-- > 0;) {
		for (size_t j = 0; j < nl; j++)
			chunk[j] = c * nl + j < xl ? x[c * nl + j] : 0;
		M->mul(acc, acc, M->r2, M);
		M->mul(chunk, chunk, M->r2, M);
		bn_mod_add(acc, acc, chunk, M);
	}
	for (size_t j = 0; j < nl; j++)
		r[j] = acc[j];
	hz_crypto_wipe(acc, sizeof(acc));
	hz_crypto_wipe(chunk, sizeof(chunk));
}

void bn_mont_one(uint64_t *r, const struct bn_mont *M)
{
	uint64_t one[BN_MAX_LIMBS];

	for (size_t j = 0; j < M->nl; j++)
		one[j] = 0;
	one[0] = 1;
	M->mul(r, M->r2, one, M);
}

void bn_from_mont(uint64_t *r, const uint64_t *a, const struct bn_mont *M)
{
	uint64_t one[BN_MAX_LIMBS];

	for (size_t j = 0; j < M->nl; j++)
		one[j] = 0;
	one[0] = 1;
	M->mul(r, a, one, M);
}

void bn_mont_pow_pub(uint64_t *r, const uint64_t *a, const uint8_t *e, size_t elen,
	const struct bn_mont *M)
{
	uint64_t acc[BN_MAX_LIMBS];
	size_t nl = M->nl, i = 0;
	int bit;

	while (i < elen && e[i] == 0)
		i++;
	if (i == elen) {
		bn_mont_one(r, M);
		return;
	}
	/* Left to right from the bit below the top one. */
	for (bit = 7; !(e[i] >> bit & 1); bit--)
		;
	for (size_t j = 0; j < nl; j++)
		acc[j] = a[j];
	for (bit--; i < elen; i++, bit = 7) {
		for (; bit >= 0; bit--) {
			M->sqr(acc, acc, acc, M);
			if (e[i] >> bit & 1)
				M->mul(acc, acc, a, M);
		}
	}
	for (size_t j = 0; j < nl; j++)
		r[j] = acc[j];
}

/* r = T[w] for a secret w: every entry is read and masked. */
static void ct_lookup(uint64_t *r, const uint64_t *T, uint32_t w, size_t nl)
{
	for (size_t j = 0; j < nl; j++)
		r[j] = 0;
	for (uint32_t i = 0; i < BN_TAB; i++) {
		uint64_t mask = hz_ct_mask64(hz_ct_eq32(i, w));
		const uint64_t *t = T + i * nl;
		for (size_t j = 0; j < nl; j++)
			r[j] |= t[j] & mask;
	}
}

static void build_table(uint64_t *T, const uint64_t *a, const struct bn_mont *M)
{
	size_t nl = M->nl;

	bn_mont_one(T, M);
	for (size_t j = 0; j < nl; j++)
		T[nl + j] = a[j];
	for (size_t i = 2; i < BN_TAB; i++)
		M->mul(T + i * nl, T + (i - 1) * nl, a, M);
}

void bn_mont_pow2_ct(uint64_t *r, const uint64_t *a1, const uint8_t *e1,
	const uint64_t *a2, const uint8_t *e2, size_t elen, const struct bn_mont *M,
	uint64_t *tab)
{
	uint64_t acc[BN_MAX_LIMBS], t[BN_MAX_LIMBS];
	uint64_t *T1 = tab, *T2 = tab + BN_TAB * M->nl;
	size_t nl = M->nl;

	build_table(T1, a1, M);
	build_table(T2, a2, M);
	bn_mont_one(acc, M);
	/* Two 4-bit windows per exponent byte; the shared squarings are what
	 * makes the second exponentiation cheap. */
	for (size_t i = 0; i < 2 * elen; i++) {
		unsigned sh = (i & 1) ? 0 : 4;
		if (i) {
			for (int k = 0; k < BN_WIN; k++)
				M->sqr(acc, acc, acc, M);
		}
		ct_lookup(t, T1, (uint32_t)(e1[i >> 1] >> sh) & 15u, nl);
		M->mul(acc, acc, t, M);
		ct_lookup(t, T2, (uint32_t)(e2[i >> 1] >> sh) & 15u, nl);
		M->mul(acc, acc, t, M);
	}
	for (size_t j = 0; j < nl; j++)
		r[j] = acc[j];
	hz_crypto_wipe(acc, sizeof(acc));
	hz_crypto_wipe(t, sizeof(t));
	hz_crypto_wipe(tab, 2 * BN_TAB * nl * sizeof(uint64_t));
}
