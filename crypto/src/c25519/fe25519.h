/* Arithmetic in GF(2^255 - 19), private to the c25519 area.
 *
 * An element is five 51-bit limbs, value = sum f[i] * 2^(51 i), with
 * products formed in unsigned __int128 (one mulq each on x86-64). Limbs
 * are allowed to grow past 51 bits between reductions; the bounds each
 * function needs and gives are stated on it. "Reduced" means every limb
 * < 2^51 + 2^24, which fe_mul, fe_sq, fe_mul_small and fe_carry produce.
 *
 * Every function here runs in time independent of the values (no
 * branches or memory indexes on limbs). The hot operations are inline;
 * the exponentiation chains and the encoder live once in fe25519.c to
 * keep the code small. */
#ifndef HAZE_CRYPTO_C25519_FE25519_H
#define HAZE_CRYPTO_C25519_FE25519_H

#include "../inner.h"

/* The out-of-line functions are global symbols of libhaze-crypto: give
 * them the library prefix at link level, keeping the short names here. */
#define fe_mul_ool  hz_c25519_fe_mul_ool
#define fe_sq_ool   hz_c25519_fe_sq_ool
#define fe_tobytes  hz_c25519_fe_tobytes
#define fe_iszero   hz_c25519_fe_iszero
#define fe_isneg    hz_c25519_fe_isneg
#define fe_invert   hz_c25519_fe_invert
#define fe_pow22523 hz_c25519_fe_pow22523

typedef uint64_t fe[5];
__extension__ typedef unsigned __int128 fe_u128;

#define FE_MASK51 ((uint64_t)0x7ffffffffffff)

/* The small helpers are written out limb by limb: gcc -O2 otherwise
 * vectorises the five-iteration loops into slower code (about 25% on the
 * ladder). */
static inline void fe_copy(fe h, const fe f)
{
	h[0] = f[0];
	h[1] = f[1];
	h[2] = f[2];
	h[3] = f[3];
	h[4] = f[4];
}

static inline void fe_0(fe h)
{
	for (int i = 0; i < 5; i++)
		h[i] = 0;
}

static inline void fe_1(fe h)
{
	fe_0(h);
	h[0] = 1;
}

/* h = f + g. No carry: limbs add up, so callers keep sums for fe_mul
 * inputs (< 2^54 per limb) or the subtrahend of fe_sub. */
static inline void fe_add(fe h, const fe f, const fe g)
{
	h[0] = f[0] + g[0];
	h[1] = f[1] + g[1];
	h[2] = f[2] + g[2];
	h[3] = f[3] + g[3];
	h[4] = f[4] + g[4];
}

/* h = f - g, computed as f + 4p - g so nothing underflows. g must have
 * limbs < 2^53 - 76 (reduced, or the sum of two reduced values). The
 * result exceeds f by < 2^53 per limb and is not reduced. */
static inline void fe_sub(fe h, const fe f, const fe g)
{
	h[0] = (f[0] + 0x1fffffffffffb4) - g[0];
	h[1] = (f[1] + 0x1ffffffffffffc) - g[1];
	h[2] = (f[2] + 0x1ffffffffffffc) - g[2];
	h[3] = (f[3] + 0x1ffffffffffffc) - g[3];
	h[4] = (f[4] + 0x1ffffffffffffc) - g[4];
}

/* Propagate carries: any limbs < 2^63 in, reduced out. */
static inline void fe_carry(fe h)
{
	uint64_t c;

	c = h[0] >> 51; h[0] &= FE_MASK51; h[1] += c;
	c = h[1] >> 51; h[1] &= FE_MASK51; h[2] += c;
	c = h[2] >> 51; h[2] &= FE_MASK51; h[3] += c;
	c = h[3] >> 51; h[3] &= FE_MASK51; h[4] += c;
	c = h[4] >> 51; h[4] &= FE_MASK51; h[0] += c * 19;
	c = h[0] >> 51; h[0] &= FE_MASK51; h[1] += c;
}

/* h = -f; f as for the subtrahend of fe_sub. Carried, so reduced. */
static inline void fe_neg(fe h, const fe f)
{
	fe z;

	fe_0(z);
	fe_sub(h, z, f);
	fe_carry(h);
}

/* Fold the five 128-bit column sums of a product into a reduced element
 * (2^255 = 19 mod p has already been applied by the callers). The
 * carries fit 64 bits when every column is below 2^115, which holds for
 * products of limbs < 2^54: 5 * 19 * 2^108 < 2^114.6, and the top carry
 * times 19 stays below 2^63.6. */
static inline void fe_fold(fe h, fe_u128 t0, fe_u128 t1, fe_u128 t2, fe_u128 t3, fe_u128 t4)
{
	uint64_t r0, r1, r2, r3, r4, c;

	r0 = (uint64_t)t0 & FE_MASK51; t1 += (uint64_t)(t0 >> 51);
	r1 = (uint64_t)t1 & FE_MASK51; t2 += (uint64_t)(t1 >> 51);
	r2 = (uint64_t)t2 & FE_MASK51; t3 += (uint64_t)(t2 >> 51);
	r3 = (uint64_t)t3 & FE_MASK51; t4 += (uint64_t)(t3 >> 51);
	r4 = (uint64_t)t4 & FE_MASK51;
	c = (uint64_t)(t4 >> 51);
	r0 += c * 19;
	c = r0 >> 51; r0 &= FE_MASK51; r1 += c;
	h[0] = r0; h[1] = r1; h[2] = r2; h[3] = r3; h[4] = r4;
}

/* h = f * g. Input limbs < 2^54 (see fe_fold); output reduced. h may
 * alias f or g. */
static inline void fe_mul(fe h, const fe f, const fe g)
{
	uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
	uint64_t g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19;
	fe_u128 t0, t1, t2, t3, t4;

	t0 = (fe_u128)f0 * g0 + (fe_u128)f1 * g4_19 + (fe_u128)f2 * g3_19 +
	     (fe_u128)f3 * g2_19 + (fe_u128)f4 * g1_19;
	t1 = (fe_u128)f0 * g1 + (fe_u128)f1 * g0 + (fe_u128)f2 * g4_19 +
	     (fe_u128)f3 * g3_19 + (fe_u128)f4 * g2_19;
	t2 = (fe_u128)f0 * g2 + (fe_u128)f1 * g1 + (fe_u128)f2 * g0 +
	     (fe_u128)f3 * g4_19 + (fe_u128)f4 * g3_19;
	t3 = (fe_u128)f0 * g3 + (fe_u128)f1 * g2 + (fe_u128)f2 * g1 +
	     (fe_u128)f3 * g0 + (fe_u128)f4 * g4_19;
	t4 = (fe_u128)f0 * g4 + (fe_u128)f1 * g3 + (fe_u128)f2 * g2 +
	     (fe_u128)f3 * g1 + (fe_u128)f4 * g0;
	fe_fold(h, t0, t1, t2, t3, t4);
}

/* h = f^2, same bounds as fe_mul: the doubled terms 2 * 19 * f_i f_j
 * make the same 5 * 19 * 2^108 column bound. */
static inline void fe_sq(fe h, const fe f)
{
	uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	uint64_t f0_2 = f0 * 2, f1_2 = f1 * 2;
	uint64_t f3_19 = f3 * 19, f4_19 = f4 * 19;
	uint64_t f3_38 = f3 * 38, f4_38 = f4 * 38;
	fe_u128 t0, t1, t2, t3, t4;

	t0 = (fe_u128)f0 * f0 + (fe_u128)f1 * f4_38 + (fe_u128)f2 * f3_38;
	t1 = (fe_u128)f0_2 * f1 + (fe_u128)f2 * f4_38 + (fe_u128)f3 * f3_19;
	t2 = (fe_u128)f0_2 * f2 + (fe_u128)f1 * f1 + (fe_u128)f3 * f4_38;
	t3 = (fe_u128)f0_2 * f3 + (fe_u128)f1_2 * f2 + (fe_u128)f4 * f4_19;
	t4 = (fe_u128)f0_2 * f4 + (fe_u128)f1_2 * f3 + (fe_u128)f2 * f2;
	fe_fold(h, t0, t1, t2, t3, t4);
}

/* h = f^(2^n), n >= 1. */
static inline void fe_sqn(fe h, const fe f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* h = f * k for a small constant k < 2^20; f limbs < 2^54. Reduced. */
static inline void fe_mul_small(fe h, const fe f, uint32_t k)
{
	fe_fold(h, (fe_u128)f[0] * k, (fe_u128)f[1] * k, (fe_u128)f[2] * k,
		(fe_u128)f[3] * k, (fe_u128)f[4] * k);
}

/* Swap f and g when b is 1, leave them when 0, without a branch. */
static inline void fe_cswap(fe f, fe g, uint64_t b)
{
	uint64_t m = hz_ct_mask64(b), x0, x1, x2, x3, x4;

	x0 = m & (f[0] ^ g[0]);
	x1 = m & (f[1] ^ g[1]);
	x2 = m & (f[2] ^ g[2]);
	x3 = m & (f[3] ^ g[3]);
	x4 = m & (f[4] ^ g[4]);
	f[0] ^= x0; f[1] ^= x1; f[2] ^= x2; f[3] ^= x3; f[4] ^= x4;
	g[0] ^= x0; g[1] ^= x1; g[2] ^= x2; g[3] ^= x3; g[4] ^= x4;
}

/* h = g when b is 1, unchanged when 0, without a branch. */
static inline void fe_cmov(fe h, const fe g, uint64_t b)
{
	uint64_t m = hz_ct_mask64(b);

	h[0] ^= m & (h[0] ^ g[0]);
	h[1] ^= m & (h[1] ^ g[1]);
	h[2] ^= m & (h[2] ^ g[2]);
	h[3] ^= m & (h[3] ^ g[3]);
	h[4] ^= m & (h[4] ^ g[4]);
}

/* Load 32 little-endian bytes; bit 255 is ignored (RFC 7748 section 5
 * and RFC 8032 5.1.3 both mask it). Non-canonical values (>= p) load as
 * they are and are reduced by the arithmetic. */
static inline void fe_frombytes(fe h, const uint8_t s[32])
{
	h[0] = hz_crypto_le64(s) & FE_MASK51;
	h[1] = (hz_crypto_le64(s + 6) >> 3) & FE_MASK51;
	h[2] = (hz_crypto_le64(s + 12) >> 6) & FE_MASK51;
	h[3] = (hz_crypto_le64(s + 19) >> 1) & FE_MASK51;
	h[4] = (hz_crypto_le64(s + 24) >> 12) & FE_MASK51;
}

/* Out-of-line fe_mul and fe_sq for code off the hot paths (inversion
 * chains, point decoding), where a call costs less than kilobytes of
 * inlined copies. */
void fe_mul_ool(fe h, const fe f, const fe g);
void fe_sq_ool(fe h, const fe f);
/* Store the canonical encoding (the unique representative < p), little
 * endian. Any limbs < 2^63 in. */
void fe_tobytes(uint8_t s[32], const fe f);
/* 1 when f = 0 mod p, without a branch. */
uint64_t fe_iszero(const fe f);
/* The "sign" of f: bit 0 of its canonical encoding (RFC 8032 5.1.2). */
uint64_t fe_isneg(const fe f);
/* h = z^(p - 2) = 1/z (0 for z = 0), by Fermat. */
void fe_invert(fe h, const fe z);
/* h = z^((p - 5) / 8) = z^(2^252 - 3), for square roots (RFC 8032 5.1.3). */
void fe_pow22523(fe h, const fe z);

#endif
