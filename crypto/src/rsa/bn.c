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
		bn_mul_pick_adx(M);
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

/* nl, m, n0 and the multiplication of M. */
static void mont_setup(struct bn_mont *M, const uint64_t *m, size_t nl)
{
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
}

/* floor((u1 2^64 + u0) / d) for d >= 2^63 and u1 < d: schoolbook with
 * 32-bit digits (Knuth 4.3.1 algorithm D, two quotient digits), using
 * only 64-bit divisions. Variable time: public values only. */
static uint64_t div_2by1(uint64_t u1, uint64_t u0, uint64_t d)
{
	const uint64_t b = (uint64_t)1 << 32;
	uint64_t d1 = d >> 32, d0 = d & 0xffffffff;
	uint64_t u0h = u0 >> 32, u0l = u0 & 0xffffffff;
	uint64_t q1 = u1 / d1, rhat = u1 - q1 * d1;

	while (q1 >= b || q1 * d0 > (rhat << 32 | u0h)) {
		q1--;
		rhat += d1;
		if (rhat >= b)
			break;
	}
	uint64_t u21 = (u1 << 32 | u0h) - q1 * d; /* < d, mod 2^64 */
	uint64_t q0 = u21 / d1;
	rhat = u21 - q0 * d1;
	while (q0 >= b || q0 * d0 > (rhat << 32 | u0l)) {
		q0--;
		rhat += d1;
		if (rhat >= b)
			break;
	}
	return q1 << 32 | q0;
}

/* R^2 = 2^(128 nl) mod m for a public m whose top limb is nonzero, by
 * long division: work modulo N = m 2^s (top bit set), where
 * 2^(128 nl + s) mod N = 2^s (2^(128 nl) mod m). From 2^(64 nl - 1) < N,
 * each step multiplies by 2^64 and takes one estimated quotient limb
 * (at most 2 too big, Knuth's theorem B), leftover bits by doublings.
 * About half a multiplication instead of five squarings. */
static void r2_pub(uint64_t *x, const uint64_t *m, size_t nl)
{
	uint64_t N[BN_MAX_LIMBS + 1], u[BN_MAX_LIMBS + 1];
	unsigned s = (unsigned)__builtin_clzll(m[nl - 1]);
	size_t T = 64 * nl + s + 1;

	for (size_t j = 0; j < nl; j++)
		N[j] = m[j] << s | (s && j ? m[j - 1] >> (64 - s) : 0);
	N[nl] = 0;
	uint64_t d = N[nl - 1];
	for (size_t j = 0; j < nl; j++)
		x[j] = 0;
	x[nl - 1] = (uint64_t)1 << 63;
	for (size_t st = 0; st < T / 64; st++) {
		u[0] = 0;
		for (size_t j = 0; j < nl; j++)
			u[j + 1] = x[j];
		uint64_t q = u[nl] >= d ? ~(uint64_t)0 : div_2by1(u[nl], u[nl - 1], d);
		uint64_t c = 0, br = 0;
		for (size_t j = 0; j <= nl; j++) {
			u128 p = (u128)q * N[j] + c;
			c = (uint64_t)(p >> 64);
			u128 t = (u128)u[j] - (uint64_t)p - br;
			u[j] = (uint64_t)t;
			br = (uint64_t)(t >> 64) & 1;
		}
		while (br) {
			c = 0;
			for (size_t j = 0; j <= nl; j++) {
				u128 t = (u128)u[j] + N[j] + c;
				u[j] = (uint64_t)t;
				c = (uint64_t)(t >> 64);
			}
			br ^= c;
		}
		for (size_t j = 0; j < nl; j++)
			x[j] = u[j];
	}
	for (size_t k = T % 64; k; k--)
		mod_double(x, N, nl);
	for (size_t j = 0; j < nl; j++)
		x[j] = x[j] >> s | (s && j + 1 < nl ? x[j + 1] << (64 - s) : 0);
}

void bn_mont_init(struct bn_mont *M, const uint64_t *m, size_t nl, int pub)
{
	uint64_t x[BN_MAX_LIMBS];
	size_t k;

	mont_setup(M, m, nl);

	/* R^2 mod m: x = 2^(64 nl + 2 nl) by doublings, then five Montgomery
	 * squarings double the exponent above R each time: R 2^(2nl 2^5) = R^2. */
	for (size_t j = 0; j < nl; j++)
		x[j] = 0;
	k = 66 * nl;
	if (pub && nl >= 2 && m[nl - 1] != 0) {
		r2_pub(M->r2, m, nl);
		return;
	}
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

int bn_mont_init_factor(struct bn_mont *M, const uint64_t *m, size_t nl, const struct bn_mont *N)
{
	uint64_t t[2 * BN_MAX_LIMBS + 1];
	size_t L = N->nl, sh = 192 * nl - 64 * L, top = 0;

	/* Public sizes only: X = 2^(192 nl) mod N needs 2^sh < N (sh below
	 * N's top limb), and REDC of X needs X below 2^(128 nl). */
	if (L > 2 * nl || 192 * nl < 64 * L || sh >= 64 * (L - 1))
		return 0;
	mont_setup(M, m, nl);
	for (size_t j = 0; j <= 2 * nl; j++)
		t[j] = 0;
	t[sh >> 6] = (uint64_t)1 << (sh & 63);
	N->mul(t, t, N->r2, N);          /* X = 2^sh 2^(128 L) / 2^(64 L) */
	/* REDC mod m: X / 2^(64 nl) = 2^(128 nl) mod m, one limb at a time.
	 * X < N = m c with c < 2^(64 nl), so the result is below 2m. */
	for (size_t i = 0; i < nl; i++) {
		uint64_t cc = addmul(t + i, m, t[i] * M->n0, nl);
		u128 u = (u128)t[i + nl] + cc + top;
		t[i + nl] = (uint64_t)u;
		top = (uint64_t)(u >> 64);
	}
	t[2 * nl] = top;
	final_sub(M->r2, t + nl, m, nl);
	hz_crypto_wipe(t, sizeof(t));
	return 1;
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
static void ct_lookup(uint64_t *r, const uint64_t *T, uint32_t w, size_t nl, uint32_t cnt, int avx2)
{
#if HZ_CRYPTO_ACCEL
	if (avx2) {
		bn_ct_lookup_avx2(r, T, w, nl, cnt);
		return;
	}
#else
	(void)avx2;
#endif
	for (size_t j = 0; j < nl; j++)
		r[j] = 0;
	for (uint32_t i = 0; i < cnt; i++) {
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

/* Bit b (public position) of the big-endian e[0..elen), 0 above it. */
static uint32_t ebit(const uint8_t *e, size_t elen, size_t b)
{
	return b < 8 * elen ? (uint32_t)(e[elen - 1 - (b >> 3)] >> (b & 7)) & 1u : 0;
}

/* The joint window (Shamir's trick with 3-bit digits): table entry i + 8 j
 * is a1^i a2^j; each step squares three times and multiplies by the entry
 * the two digits select. acc is set, tab holds BN_JTAB nl limbs. */
static void pow2_joint(uint64_t *acc, const uint64_t *a1, const uint8_t *e1,
	const uint64_t *a2, const uint8_t *e2, size_t elen, const struct bn_mont *M,
	uint64_t *T, int avx2)
{
	uint64_t t[BN_MAX_LIMBS];
	size_t nl = M->nl, nd = (8 * elen + BN_JWIN - 1) / BN_JWIN;

	bn_mont_one(T, M);
	for (size_t j = 0; j < nl; j++)
		T[nl + j] = a1[j];
	for (size_t i = 2; i < 8; i++)
		M->mul(T + i * nl, T + (i - 1) * nl, a1, M);
	for (size_t j = 1; j < 8; j++) {
		uint64_t *row = T + 8 * j * nl;
		M->mul(row, row - 8 * nl, a2, M);
		for (size_t i = 1; i < 8; i++)
			M->mul(row + i * nl, row + (i - 1) * nl, a1, M);
	}
	for (size_t k = nd; k-- > 0;) {
		uint32_t w = 0;
		for (unsigned b = 0; b < BN_JWIN; b++) {
			w |= ebit(e1, elen, BN_JWIN * k + b) << b;
			w |= ebit(e2, elen, BN_JWIN * k + b) << (BN_JWIN + b);
		}
		if (k == nd - 1) {
			ct_lookup(acc, T, w, nl, BN_JTAB, avx2);
			continue;
		}
		for (unsigned b = 0; b < BN_JWIN; b++)
			M->sqr(acc, acc, acc, M);
		ct_lookup(t, T, w, nl, BN_JTAB, avx2);
		M->mul(acc, acc, t, M);
	}
	hz_crypto_wipe(t, sizeof(t));
}

void bn_mont_pow2_ct(uint64_t *r, const uint64_t *a1, const uint8_t *e1,
	const uint64_t *a2, const uint8_t *e2, size_t elen, const struct bn_mont *M,
	uint64_t *tab)
{
	uint64_t acc[BN_MAX_LIMBS], t[BN_MAX_LIMBS];
	uint64_t *T1 = tab, *T2 = tab + BN_TAB * M->nl;
	size_t nl = M->nl;
	int avx2 = 0;

#if HZ_CRYPTO_ACCEL
	avx2 = (hz_crypto_cpu_features() & HZ_CRYPTO_CPU_AVX2) && nl % 4 == 0;
#endif
	if (nl <= BN_JOINT_LIMBS) {
		pow2_joint(acc, a1, e1, a2, e2, elen, M, tab, avx2);
		goto out;
	}
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
		ct_lookup(t, T1, (uint32_t)(e1[i >> 1] >> sh) & 15u, nl, BN_TAB, avx2);
		M->mul(acc, acc, t, M);
		ct_lookup(t, T2, (uint32_t)(e2[i >> 1] >> sh) & 15u, nl, BN_TAB, avx2);
		M->mul(acc, acc, t, M);
	}
out:
	for (size_t j = 0; j < nl; j++)
		r[j] = acc[j];
	hz_crypto_wipe(acc, sizeof(acc));
	hz_crypto_wipe(t, sizeof(t));
	hz_crypto_wipe(tab, 2 * BN_TAB * BN_HALF_LIMBS * sizeof(uint64_t));
}
